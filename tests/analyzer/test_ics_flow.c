/*
 * test_ics_flow.c - the ICS side of flows (analyzer/ics_flow.c): choosing a
 * dissector by port or by content, putting TCP PDUs back together across
 * segments, dropping what a gap cuts, and counting per function.  Hand-built
 * pcap files of Modbus/TCP (Modbus Messaging on TCP/IP V1.0b: MBAP header
 * of transaction id, protocol 0, length, unit id) go through the real
 * pipeline (tests/support/ics_run.c).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "analyzer/flow.h"
#include "analyzer/ics_flow.h"
#include "tests/support/bytes.h"
#include "tests/support/frames.h"
#include "tests/support/ics_run.h"
#include "tests/support/pcapfile.h"

TestSuite(ics_flow, .fini = tmpfile_cleanup);

static const uint8_t hmi[6] = { 0x00, 0x14, 0x22, 0, 0, 10 }, plc[6] = { 0x00, 0x80, 0xf4, 0, 0, 21 };
#define HMI_IP 0x0a0a000au
#define PLC_IP 0x0a0a0015u

/* Read Holding Registers (FC 3) request: MBAP + 5 bytes of PDU. */
static void read_request(struct bytes *b, uint16_t tid)
{
	bytes_u16(b, tid, true);
	bytes_u16(b, 0, true);		/* protocol: Modbus */
	bytes_u16(b, 6, true);		/* unit id + PDU */
	bytes_u8(b, 1);			/* unit */
	bytes_u8(b, 3);			/* function */
	bytes_u16(b, 0, true);		/* first register */
	bytes_u16(b, 10, true);		/* count */
}

/* One Ethernet/IPv4/TCP frame (TCP checksum left 0: the decoder flags
 * it, the dissection does not care) as a pcap record at second `sec`. */
static void segment(struct bytes *file, uint32_t sec, bool to_plc, uint16_t client_port, uint16_t server_port,
		    uint32_t seq, const uint8_t *payload, size_t n)
{
	struct bytes f = { 0 };

	frame_eth(&f, to_plc ? plc : hmi, to_plc ? hmi : plc, 0x0800);
	frame_ipv4(&f, 6, to_plc ? HMI_IP : PLC_IP, to_plc ? PLC_IP : HMI_IP, 20 + n);
	bytes_u16(&f, to_plc ? client_port : server_port, true);
	bytes_u16(&f, to_plc ? server_port : client_port, true);
	bytes_u32(&f, seq, true);
	bytes_u32(&f, 1, true);		/* ack */
	bytes_u8(&f, 5 << 4);
	bytes_u8(&f, 0x18);		/* PSH ACK */
	bytes_u16(&f, 8192, true);
	bytes_u16(&f, 0, true);
	bytes_u16(&f, 0, true);
	bytes_put(&f, payload, n);
	bytes_u32(file, sec, false);
	bytes_u32(file, 0, false);
	bytes_u32(file, (uint32_t)f.len, false);
	bytes_u32(file, (uint32_t)f.len, false);
	bytes_put(file, f.p, f.len);
	bytes_free(&f);
}

static const char *write_capture(const struct bytes *file)
{
	return tmpfile_write(0, file->p, file->len);
}

static size_t messages_at(const struct ics_log *log, uint64_t frame)
{
	size_t n = 0;

	for (size_t i = 0; i < log->nmsgs; i++)
		n += log->msgs[i].frame == frame;
	return n;
}

Test(ics_flow, a_pdu_split_across_segments_is_counted_once_where_it_ends)
{
	struct bytes file = { 0 }, adu = { 0 };
	struct ics_log log = { 0 };

	pcapfile_header(&file, false, false, 65535, 1);
	read_request(&adu, 7);
	segment(&file, 1, true, 49801, 502, 1000, adu.p, 5);
	segment(&file, 2, true, 49801, 502, 1005, adu.p + 5, adu.len - 5);
	cr_assert(ics_run_file(write_capture(&file), &log));
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_expect(eq(u64, log.msgs[0].frame, 2));
	cr_expect(eq(u16, log.msgs[0].m.function, 3));
	cr_expect(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST));
	cr_expect(eq(u32, log.msgs[0].m.transaction, 7));
	cr_expect(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_CLIENT));
	ics_log_free(&log);
	bytes_free(&file);
	bytes_free(&adu);
}

Test(ics_flow, several_pdus_in_one_segment_and_one_across_the_next)
{
	struct bytes file = { 0 }, adus = { 0 };
	struct ics_log log = { 0 };

	pcapfile_header(&file, false, false, 65535, 1);
	read_request(&adus, 1);
	read_request(&adus, 2);
	read_request(&adus, 3);
	/* 1 and 2 whole, 3's first 4 bytes; then the rest of 3. */
	segment(&file, 1, true, 49801, 502, 1000, adus.p, 28);
	segment(&file, 2, true, 49801, 502, 1028, adus.p + 28, adus.len - 28);
	cr_assert(ics_run_file(write_capture(&file), &log));
	cr_assert(eq(sz, log.nmsgs, 3));
	cr_expect(eq(sz, messages_at(&log, 1), 2));
	cr_expect(eq(sz, messages_at(&log, 2), 1));
	cr_expect(eq(u32, log.msgs[2].m.transaction, 3));
	ics_log_free(&log);
	bytes_free(&file);
	bytes_free(&adus);
}

Test(ics_flow, a_gap_loses_the_cut_pdu_only)
{
	struct bytes file = { 0 }, a = { 0 }, b = { 0 };
	struct ics_log log = { 0 };

	pcapfile_header(&file, false, false, 65535, 1);
	read_request(&a, 1);
	read_request(&b, 2);
	segment(&file, 1, true, 49801, 502, 1000, a.p, 6);	/* 1's first half */
	/* 1's second half is never seen; 2 arrives whole, past the hole. */
	segment(&file, 2, true, 49801, 502, 1012, b.p, b.len);
	cr_assert(ics_run_file(write_capture(&file), &log));
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_expect(eq(u64, log.msgs[0].frame, 2));
	cr_expect(eq(u32, log.msgs[0].m.transaction, 2));
	ics_log_free(&log);
	bytes_free(&file);
	bytes_free(&a);
	bytes_free(&b);
}

Test(ics_flow, a_retransmitted_half_does_not_make_a_second_pdu)
{
	struct bytes file = { 0 }, a = { 0 };
	struct ics_log log = { 0 };

	pcapfile_header(&file, false, false, 65535, 1);
	read_request(&a, 9);
	segment(&file, 1, true, 49801, 502, 1000, a.p, 6);
	segment(&file, 2, true, 49801, 502, 1000, a.p, 6);	/* the same again */
	segment(&file, 3, true, 49801, 502, 1006, a.p + 6, 6);
	cr_assert(ics_run_file(write_capture(&file), &log));
	cr_assert(eq(sz, log.nmsgs, 1), "the copy restarts the PDU; its end completes it once");
	cr_expect(eq(u64, log.msgs[0].frame, 3));
	ics_log_free(&log);
	bytes_free(&file);
	bytes_free(&a);
}

Test(ics_flow, modbus_on_another_port_is_found_by_content_and_roles_by_who_began)
{
	struct bytes file = { 0 }, a = { 0 }, syn = { 0 };
	struct ics_log log = { 0 };

	pcapfile_header(&file, false, false, 65535, 1);
	read_request(&a, 5);
	segment(&file, 1, true, 40000, 5020, 1000, a.p, a.len);
	cr_assert(ics_run_file(write_capture(&file), &log));
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_expect(eq(u8, log.msgs[0].m.proto, ICS_MODBUS));
	cr_expect(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST), "the flow's originator is the client");
	ics_log_free(&log);
	bytes_free(&file);
	bytes_free(&a);
	bytes_free(&syn);
}

Test(ics_flow, random_bytes_on_another_port_are_nobody)
{
	struct bytes file = { 0 };
	struct ics_log log = { 0 };
	uint8_t junk[64];

	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	pcapfile_header(&file, false, false, 65535, 1);
	segment(&file, 1, true, 40000, 5020, 1000, junk, sizeof junk);
	cr_assert(ics_run_file(write_capture(&file), &log));
	cr_expect(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	bytes_free(&file);
}
