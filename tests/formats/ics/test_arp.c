/*
 * test_arp.c - formats/ics/arp.c: ARP (RFC 826), RARP (RFC 903), probes and
 * announcements (RFC 5227) on hand-built packets, every truncation, and
 * real captures against tshark's arp dissector.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "tests/support/bytes.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

#define BE	true

extern const struct ics_dissector ics_arp;

TestSuite(arp);

static const uint8_t HMI_MAC[6] = { 0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56 };
static const uint8_t PLC_MAC[6] = { 0x00, 0x0e, 0x8c, 0xab, 0xcd, 0xef };
static const uint8_t NO_MAC[6];
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t HMI_IP[4] = { 192, 168, 10, 1 };
static const uint8_t PLC_IP[4] = { 192, 168, 10, 200 };
static const uint8_t NO_IP[4];

/* An ARP packet for Ethernet/IPv4 (RFC 826), padded to pad bytes. */
static void arp(struct bytes *b, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
		const uint8_t tha[6], const uint8_t tpa[4], size_t pad)
{
	bytes_u16(b, 1, BE);
	bytes_u16(b, 0x0800, BE);
	bytes_u8(b, 6);
	bytes_u8(b, 4);
	bytes_u16(b, op, BE);
	bytes_put(b, sha, 6);
	bytes_put(b, spa, 4);
	bytes_put(b, tha, 6);
	bytes_put(b, tpa, 4);
	if (b->len < pad)
		bytes_zeros(b, pad - b->len);
}

/* Dissects b whole (pkt may be NULL) and checks it is all consumed. */
static void run(const struct bytes *b, const struct tp_packet *pkt, struct ics_log *log)
{
	cr_assert(eq(u32, ics_run_bytes(&ics_arp, pkt, -1, b->p, b->len, log), (uint32_t)b->len));
}

static void assert_binding(const struct ics_logged_ident *e, const uint8_t mac[6],
			   const uint8_t ip[4])
{
	cr_assert(eq(u8, e->id.proto, ICS_ARP));
	cr_assert(eq(u8, e->id.field, ICS_F_ADDRESS));
	cr_assert(eq(u8, e->id.subject, ICS_SUBJECT_GIVEN));
	cr_assert(e->id.has_mac);
	cr_assert(eq(u8, e->id.ip_version, 4));
	cr_assert(eq(u32, e->id.len, 0));
	cr_assert(eq(int, memcmp(e->id.mac, mac, 6), 0));
	cr_assert(eq(int, memcmp(e->id.ip, ip, 4), 0));
}

static void assert_msg(const struct ics_log *log, uint16_t op, enum ics_kind kind)
{
	const struct ics_msg *m = &log->msgs[0].m;

	cr_assert(eq(sz, log->nmsgs, 1));
	cr_assert(eq(u8, m->proto, ICS_ARP));
	cr_assert(eq(u16, m->function, op));
	cr_assert(eq(u8, m->kind, kind));
	cr_assert(not(m->exception));
	cr_assert(eq(u8, m->actions, 0));
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_NONE));
	cr_assert(eq(u8, m->receiver_role, ICS_ROLE_NONE));
	cr_assert(not(m->has_transaction));
	cr_assert(not(m->has_unit));
	cr_assert(eq(u8, m->nseq, 0));
}

/* Dissects one Ethernet/IPv4 packet (carried by pkt, or NULL), padded to
 * pad bytes, and checks its message and its bindings: the sender's when
 * bind, then the target's when bind_target. */
static void check(const struct tp_packet *pkt, uint16_t op, const uint8_t sha[6],
		  const uint8_t spa[4], const uint8_t tha[6], const uint8_t tpa[4], size_t pad,
		  enum ics_kind kind, bool bind, bool bind_target)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	arp(&b, op, sha, spa, tha, tpa, pad);
	run(&b, pkt, &log);
	assert_msg(&log, op, kind);
	cr_assert(eq(sz, log.nidents, (size_t)bind + bind_target));
	if (bind)
		assert_binding(&log.idents[0], sha, spa);
	if (bind_target)
		assert_binding(&log.idents[bind], tha, tpa);
	ics_log_free(&log);
	bytes_free(&b);
}

Test(arp, requests_and_replies_bind_the_sender_only)
{
	check(NULL, 1, HMI_MAC, HMI_IP, NO_MAC, PLC_IP, 46, ICS_KIND_REQUEST, true, false);
	check(NULL, 2, PLC_MAC, PLC_IP, HMI_MAC, HMI_IP, 0, ICS_KIND_RESPONSE, true, false);
}

/* RFC 5227 2.1.1: a probe's sender IP is 0.0.0.0: nothing is bound. */
Test(arp, probe_binds_nothing)
{
	check(NULL, 1, PLC_MAC, NO_IP, NO_MAC, PLC_IP, 0, ICS_KIND_REQUEST, false, false);
}

/* RFC 5227 2.4: sender IP = target IP; or a reply broadcast, by the
 * Ethernet header or the target hardware address. */
Test(arp, announcements)
{
	struct tp_packet pkt = { .has_mac = true };

	memcpy(pkt.dst_mac, BCAST, 6);
	check(NULL, 1, PLC_MAC, PLC_IP, NO_MAC, PLC_IP, 0, ICS_KIND_ANNOUNCE, true, false);
	check(NULL, 2, PLC_MAC, PLC_IP, PLC_MAC, PLC_IP, 0, ICS_KIND_ANNOUNCE, true, false);
	check(&pkt, 2, PLC_MAC, PLC_IP, HMI_MAC, HMI_IP, 0, ICS_KIND_ANNOUNCE, true, false);
	check(NULL, 2, PLC_MAC, PLC_IP, BCAST, HMI_IP, 0, ICS_KIND_ANNOUNCE, true, false);
	/* A request to the broadcast MAC is just a request. */
	check(&pkt, 1, PLC_MAC, PLC_IP, NO_MAC, HMI_IP, 0, ICS_KIND_REQUEST, true, false);
	/* A probe for 0.0.0.0 announces nothing. */
	check(NULL, 1, PLC_MAC, NO_IP, NO_MAC, NO_IP, 0, ICS_KIND_REQUEST, false, false);
}

/* RFC 903: the server's reply binds the client (target) too. */
Test(arp, rarp)
{
	check(NULL, 3, PLC_MAC, NO_IP, PLC_MAC, NO_IP, 0, ICS_KIND_REQUEST, false, false);
	check(NULL, 4, HMI_MAC, HMI_IP, PLC_MAC, PLC_IP, 0, ICS_KIND_RESPONSE, true, true);
}

/* RFC 2390: InARP. */
Test(arp, inarp)
{
	check(NULL, 8, HMI_MAC, HMI_IP, PLC_MAC, NO_IP, 0, ICS_KIND_REQUEST, true, false);
	check(NULL, 9, PLC_MAC, PLC_IP, HMI_MAC, HMI_IP, 0, ICS_KIND_RESPONSE, true, false);
}

/* Senders that cannot be a device's own address. */
Test(arp, impossible_senders_bind_nothing)
{
	static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t bcast_ip[4] = { 255, 255, 255, 255 };

	check(NULL, 2, NO_MAC, PLC_IP, HMI_MAC, HMI_IP, 0, ICS_KIND_RESPONSE, false, false);
	check(NULL, 2, group, PLC_IP, HMI_MAC, HMI_IP, 0, ICS_KIND_RESPONSE, false, false);
	check(NULL, 2, PLC_MAC, bcast_ip, HMI_MAC, HMI_IP, 0, ICS_KIND_RESPONSE, false, false);
}

/* Other hardware or protocol types: a message, no binding; the sizes
 * still place the fields. */
Test(arp, other_types_give_no_binding)
{
	static const uint8_t v6[16] = { 0xfe, 0x80, [15] = 1 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	bytes_u16(&b, 1, BE);
	bytes_u16(&b, 0x86dd, BE);
	bytes_u8(&b, 6);
	bytes_u8(&b, 16);
	bytes_u16(&b, 1, BE);
	bytes_put(&b, PLC_MAC, 6);
	bytes_put(&b, v6, 16);
	bytes_put(&b, NO_MAC, 6);
	bytes_put(&b, v6, 16);
	run(&b, NULL, &log);
	assert_msg(&log, 1, ICS_KIND_REQUEST);
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	/* IEEE 802 hardware (6), IPv4: not Ethernet. */
	b.p[1] = 6;
	b.p[2] = 0x08;
	b.p[3] = 0x00;
	b.p[5] = 4;
	b.len = 8 + 20;
	run(&b, NULL, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	/* An unknown opcode is OTHER. */
	b.p[1] = 1;
	b.p[7] = 42;
	run(&b, NULL, &log);
	assert_msg(&log, 42, ICS_KIND_OTHER);
	cr_assert(eq(sz, log.nidents, 1));
	ics_log_free(&log);
	bytes_free(&b);
}

/* Sizes of 255 overrun the packet: nothing, all consumed. */
Test(arp, sizes_overrunning)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	arp(&b, 1, HMI_MAC, HMI_IP, NO_MAC, PLC_IP, 60);
	b.p[4] = 255;
	b.p[5] = 255;
	run(&b, NULL, &log);
	cr_assert(eq(sz, log.nmsgs, 0));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* Every cut of a request: no message, no binding, all consumed. */
Test(arp, truncated_at_every_byte)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	arp(&b, 2, PLC_MAC, PLC_IP, HMI_MAC, HMI_IP, 0);
	for (size_t n = 0; n < b.len; n++) {
		cr_assert(eq(u32, ics_run_bytes(&ics_arp, NULL, -1, b.p, n, &log), (uint32_t)n));
		cr_assert(eq(sz, log.nmsgs, 0), "cut at %zu", n);
		cr_assert(eq(sz, log.nidents, 0), "cut at %zu", n);
	}
	ics_log_free(&log);
	bytes_free(&b);
}

Test(arp, function_names)
{
	cr_assert(eq(str, (char *)ics_function_name(ICS_ARP, 1), "request"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_ARP, 2), "reply"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_ARP, 3), "rarp_request"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_ARP, 4), "rarp_reply"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_ARP, 8), "inarp_request"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_ARP, 9), "inarp_reply"));
	cr_assert(ics_function_name(ICS_ARP, 0) == NULL);
	cr_assert(ics_function_name(ICS_ARP, 5) == NULL);
}

/* ---- real captures against tshark ---- */

/* The last of tshark's comma-joined values (the innermost header's). */
static const char *last_value(const char *cell)
{
	const char *comma = strrchr(cell, ',');

	return comma ? comma + 1 : cell;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	return sscanf(s, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5]) == 6;
}

/* Captures carrying ARP, with the frames tshark finds in each (strings in
 * the struct: Criterion hands parameters to another process). */
static struct arp_capture {
	char rel[64];
	size_t frames, bindings;	/* bindings: frames whose sender IP is not 0.0.0.0 */
} arp_captures[] = {
	{ "ics/other/bsap-ip_example.pcap", 113, 107 },
	{ "ics/profinet/profinet_io_cm_mixed_1.pcap", 19, 7 },
	{ "ics/enip/enip_cip_example.pcap", 4, 4 },
	{ "ics/s7comm/s7comm_reading_plc_status.pcap", 2, 2 },
	{ "ics/profinet/ChangeIPUsingDCP.pcap", 2, 2 },
	{ "ics/other/beckofflink.pcapng", 2, 2 },
	{ "encap/sll/sll.pcap", 7, 7 },		/* Linux cooked: no destination MAC */
	{ "encap/sll/linuxsll-arp.pcap", 12, 12 },
	{ "encap/erspan/erspan.pcap", 10, 10 },	/* frames mirrored in ERSPAN */
	{ "encap/qinq/802.1ad_QinQ.pcap", 2, 2 },
	{ "encap/vxlan/vxlan.pcap", 2, 2 },
};

ParameterizedTestParameters(arp, against_tshark)
{
	return cr_make_param_array(struct arp_capture, arp_captures,
				   sizeof arp_captures / sizeof arp_captures[0]);
}

/*
 * Per frame tshark calls ARP: one message with its opcode as function,
 * ANNOUNCE exactly where sender IP = target IP (not 0.0.0.0) or a reply
 * goes to the broadcast MAC, and a binding of the sender's MAC and IP
 * exactly where its IP is not 0.0.0.0; nothing in other frames.
 */
ParameterizedTest(const struct arp_capture *cap, arp, against_tshark)
{
	static const char *const fields[] = { "arp.opcode",	    "arp.hw.type",
					      "arp.proto.type",	    "arp.src.hw_mac",
					      "arp.src.proto_ipv4", "arp.dst.hw_mac",
					      "arp.dst.proto_ipv4", "eth.dst" };
	const char *path = corpus_file(cap->rel);
	struct tshark_rows t;
	struct ics_log log = { 0 };
	size_t nbind = 0;

	cr_assert(tshark_fields(path, "arp", NULL, fields, 8, &t));
	cr_assert(ics_run_file(path, &log));
	cr_assert(eq(sz, t.nrows, cap->frames));
	cr_assert(eq(sz, ics_log_count(&log, ICS_ARP, -1), t.nrows), "%s", cap->rel);
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		unsigned op = (unsigned)strtoul(tshark_cell(&t, r, 1), NULL, 0);
		bool eth_ipv4 = !strcmp(tshark_cell(&t, r, 2), "1") &&
				!strcmp(tshark_cell(&t, r, 3), "0x0800");
		uint8_t smac[6] = { 0 }, tmac[6] = { 0 }, dst[6] = { 0 }, sip[4] = { 0 }, tip[4] = { 0 };
		const struct ics_logged_msg *m = NULL;
		enum ics_kind kind = op == 1 ? ICS_KIND_REQUEST : ICS_KIND_RESPONSE;
		size_t nfound = 0;

		cr_assert(op == 1 || op == 2, "frame %llu: opcode %u", (unsigned long long)frame, op);
		if (eth_ipv4) {
			cr_assert(parse_mac(tshark_cell(&t, r, 4), smac));
			cr_assert(inet_pton(AF_INET, tshark_cell(&t, r, 5), sip) == 1);
			cr_assert(parse_mac(tshark_cell(&t, r, 6), tmac));
			cr_assert(inet_pton(AF_INET, tshark_cell(&t, r, 7), tip) == 1);
			parse_mac(last_value(tshark_cell(&t, r, 8)), dst);	/* none in SLL */
			if (memcmp(sip, NO_IP, 4) &&
			    (!memcmp(sip, tip, 4) ||
			     (op == 2 && (!memcmp(dst, BCAST, 6) || !memcmp(tmac, BCAST, 6)))))
				kind = ICS_KIND_ANNOUNCE;
		}
		for (size_t i = 0; i < log.nmsgs; i++)
			if (log.msgs[i].frame == frame && log.msgs[i].m.proto == ICS_ARP) {
				m = &log.msgs[i];
				nfound++;
			}
		cr_assert(eq(sz, nfound, 1), "frame %llu", (unsigned long long)frame);
		cr_assert(eq(u16, m->m.function, op));
		cr_assert(eq(u8, m->m.kind, kind), "frame %llu", (unsigned long long)frame);
		nfound = 0;
		for (size_t i = 0; i < log.nidents; i++)
			if (log.idents[i].frame == frame && log.idents[i].id.proto == ICS_ARP) {
				assert_binding(&log.idents[i], smac, sip);
				nfound++;
			}
		cr_assert(eq(sz, nfound, eth_ipv4 && memcmp(sip, NO_IP, 4) ? 1 : 0), "frame %llu",
			  (unsigned long long)frame);
		nbind += nfound;
	}
	cr_assert(eq(sz, nbind, cap->bindings));
	for (size_t i = 0; i < log.nidents; i++)
		nbind -= log.idents[i].id.proto == ICS_ARP;
	cr_assert(eq(sz, nbind, 0), "bindings outside tshark's ARP frames");
	tshark_rows_free(&t);
	ics_log_free(&log);
}
