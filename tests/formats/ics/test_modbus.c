/*
 * test_modbus.c - formats/ics/modbus.c: MBAP framing and the TCP return
 * contract, function codes, exceptions, actions, Read Device
 * Identification, UMAS, detection; and the corpus of real captures
 * against tshark.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "tests/support/bytes.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

#define BE true

extern const struct ics_dissector ics_modbus;

TestSuite(modbus);

static const struct tp_packet TCP = { .ip_version = 4, .ip_proto = 6, .sport = 49801, .dport = 502 };
static const struct tp_packet UDP = { .ip_version = 4, .ip_proto = 17, .sport = 49801, .dport = 502 };

/* Appends an ADU: MBAP with the length of unit + pdu, then pdu. */
static void adu(struct bytes *b, uint16_t tid, uint8_t unit, const uint8_t *pdu, size_t n)
{
	bytes_u16(b, tid, BE);
	bytes_u16(b, 0, BE);
	bytes_u16(b, (uint16_t)(n + 1), BE);
	bytes_u8(b, unit);
	bytes_put(b, pdu, n);
}

/* Dissects one ADU of pdu and returns its single message. */
static struct ics_msg one(int to_server, const uint8_t *pdu, size_t n)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	struct ics_msg m;
	uint32_t used;

	adu(&b, 0x1234, 7, pdu, n);
	used = ics_run_bytes(&ics_modbus, &TCP, to_server, b.p, b.len, &log);
	cr_assert(eq(u32, used, (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	m = log.msgs[0].m;
	ics_log_free(&log);
	bytes_free(&b);
	return m;
}

/* ---- messages ---- */

Test(modbus, read_request_has_header_fields_and_roles)
{
	static const uint8_t pdu[] = { 3, 0x00, 0x00, 0x00, 0x0a };
	struct ics_msg m = one(1, pdu, sizeof pdu);

	cr_assert(eq(u8, m.proto, ICS_MODBUS));
	cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u16, m.function, 3));
	cr_assert(eq(u8, m.actions, ICS_ACT_READ));
	cr_assert(not(m.exception));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_CLIENT));
	cr_assert(eq(u8, m.receiver_role, ICS_ROLE_SERVER));
	cr_assert(m.has_transaction);
	cr_assert(eq(u32, m.transaction, 0x1234));
	cr_assert(m.has_unit);
	cr_assert(eq(u32, m.unit, 7));
	cr_assert(eq(u8, m.nseq, 0));
}

Test(modbus, response_is_told_by_direction_and_carries_no_action)
{
	static const uint8_t pdu[] = { 3, 4, 0x00, 0x01, 0x00, 0x02 };
	struct ics_msg m = one(0, pdu, sizeof pdu);

	cr_assert(eq(u8, m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u16, m.function, 3));
	cr_assert(eq(u8, m.actions, 0));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_SERVER));
	cr_assert(eq(u8, m.receiver_role, ICS_ROLE_CLIENT));
}

Test(modbus, exception_response_keeps_function_without_high_bit)
{
	static const uint8_t pdu[] = { 0x83, 0x02 };
	struct ics_msg m = one(0, pdu, sizeof pdu);

	cr_assert(eq(u8, m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u16, m.function, 3));
	cr_assert(m.exception);
}

Test(modbus, unknown_direction_decides_only_from_content)
{
	static const uint8_t req[] = { 3, 0x00, 0x00, 0x00, 0x0a };
	static const uint8_t exc[] = { 0x90, 0x04 };
	static const uint8_t devid_req[] = { 43, 14, 1, 0 };
	static const uint8_t devid_rsp[] = { 43, 14, 1, 1, 0, 0, 0 };
	struct ics_msg m = one(-1, req, sizeof req);

	cr_assert(eq(u8, m.kind, ICS_KIND_OTHER));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_NONE));
	cr_assert(eq(u8, m.actions, 0));
	m = one(-1, exc, sizeof exc);
	cr_assert(eq(u8, m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u16, m.function, 16));
	cr_assert(m.exception);
	cr_assert(eq(u8, one(-1, devid_req, sizeof devid_req).kind, ICS_KIND_OTHER));
	cr_assert(eq(u8, one(-1, devid_rsp, sizeof devid_rsp).kind, ICS_KIND_RESPONSE));
}

/* Request actions per function (6.1-6.21), with the sub-function byte(s)
 * where they decide. */
struct action_case {
	uint8_t pdu[8];
	size_t n;
	uint8_t actions;
};

static const struct action_case ACTIONS[] = {
	{ { 1, 0, 0, 0, 8 }, 5, ICS_ACT_READ },
	{ { 2, 0, 0, 0, 8 }, 5, ICS_ACT_READ },
	{ { 4, 0, 0, 0, 8 }, 5, ICS_ACT_READ },
	{ { 5, 0, 1, 0xff, 0 }, 5, ICS_ACT_WRITE },
	{ { 6, 0, 1, 0, 3 }, 5, ICS_ACT_WRITE },
	{ { 7 }, 1, ICS_ACT_READ },
	{ { 15, 0, 0, 0, 3, 1, 5 }, 7, ICS_ACT_WRITE },
	{ { 16, 0, 0, 0, 1, 2, 0, 9 }, 8, ICS_ACT_WRITE },
	{ { 17 }, 1, ICS_ACT_READ },
	{ { 20, 0 }, 2, ICS_ACT_READ },
	{ { 21, 0 }, 2, ICS_ACT_WRITE },
	{ { 22, 0, 4, 0, 0xf2, 0, 0x25 }, 7, ICS_ACT_WRITE },
	{ { 23, 0, 3, 0, 6, 0, 14, 0 }, 8, ICS_ACT_READ | ICS_ACT_WRITE },
	{ { 24, 0, 4 }, 3, ICS_ACT_READ },
	{ { 8, 0, 0, 0xa5, 0x37 }, 5, ICS_ACT_READ },		/* return query data */
	{ { 8, 0, 1, 0, 0 }, 5, ICS_ACT_STOPSTART },		/* restart communications */
	{ { 8, 0, 4, 0, 0 }, 5, ICS_ACT_STOPSTART },		/* force listen only */
	{ { 8, 0, 0x0a, 0, 0 }, 5, ICS_ACT_WRITE },		/* clear counters */
	{ { 8, 0 }, 2, 0 },					/* sub-function cut */
	{ { 43, 14, 1, 0 }, 4, ICS_ACT_READ },
	{ { 43, 13, 0 }, 3, 0 },				/* CANopen reference */
	{ { 90, 0, 0x02 }, 3, 0 },				/* UMAS read id */
	{ { 90, 1, 0x20, 0, 1 }, 5, ICS_ACT_READ },		/* read memory block */
	{ { 90, 1, 0x23 }, 3, ICS_ACT_WRITE },			/* write variables */
	{ { 90, 1, 0x30, 0, 1 }, 5, ICS_ACT_PROGRAM },		/* program PC -> PLC */
	{ { 90, 1, 0x31 }, 3, ICS_ACT_PROGRAM },
	{ { 90, 1, 0x34 }, 3, ICS_ACT_PROGRAM },		/* program PLC -> PC */
	{ { 90, 1, 0x40 }, 3, ICS_ACT_STOPSTART },		/* start PLC */
	{ { 90, 1, 0x41 }, 3, ICS_ACT_STOPSTART },		/* stop PLC */
	{ { 90, 1 }, 2, 0 },					/* UMAS function cut */
	{ { 65 }, 1, 0 },					/* user-defined */
};

Test(modbus, request_actions_by_function)
{
	for (size_t i = 0; i < sizeof ACTIONS / sizeof ACTIONS[0]; i++) {
		struct ics_msg m = one(1, ACTIONS[i].pdu, ACTIONS[i].n);

		cr_assert(eq(u8, m.actions, ACTIONS[i].actions), "case %zu (fc %u)", i,
			  ACTIONS[i].pdu[0]);
		cr_assert(eq(u16, m.function, ACTIONS[i].pdu[0]));
	}
}

Test(modbus, umas_error_answer_is_an_exception)
{
	static const uint8_t ok[] = { 90, 1, 0xfe, 0 };
	static const uint8_t bad[] = { 90, 1, 0xfd };
	static const uint8_t cut[] = { 90, 1 };

	cr_assert(not(one(0, ok, sizeof ok).exception));
	cr_assert(one(0, bad, sizeof bad).exception);
	cr_assert(not(one(0, cut, sizeof cut).exception));
}

/* ---- read device identification (6.21) ---- */

/* A 43/14 response: regular, more follows no, with objects 0-6. */
static void device_id_response(struct bytes *b, uint16_t tid)
{
	static const uint8_t head[] = { 43, 14, 2, 0x02, 0x00, 0x00, 7 };
	static const char *const obj[7] = { "Schneider Electric", "BMX P34 2020", "V3.20",
					    "www.se.com", "Modicon M340", "BMXP342020",
					    "PUMPS" };
	struct bytes pdu = { 0 };

	bytes_put(&pdu, head, sizeof head);
	for (uint8_t i = 0; i < 7; i++) {
		bytes_u8(&pdu, i);
		bytes_u8(&pdu, (uint8_t)strlen(obj[i]));
		bytes_put(&pdu, obj[i], strlen(obj[i]));
	}
	adu(b, tid, 1, pdu.p, pdu.len);
	bytes_free(&pdu);
}

static void assert_ident(const struct ics_log *log, enum ics_field f, const char *want)
{
	const struct ics_logged_ident *id = ics_log_ident(log, ICS_MODBUS, f);

	cr_assert(ne(ptr, (void *)id, NULL), "no %s", ics_field_name(f));
	cr_assert(eq(str, (char *)id->value, (char *)want));
	cr_assert(eq(u32, id->id.len, (uint32_t)strlen(want)));
	cr_assert(eq(u8, id->id.subject, ICS_SUBJECT_SENDER));
}

Test(modbus, device_identification_objects_become_identities_of_the_server)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	device_id_response(&b, 9);
	ics_run_bytes(&ics_modbus, &TCP, 0, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u16, log.msgs[0].m.function, 43));
	/* VendorUrl (object 3) has no field. */
	cr_assert(eq(sz, log.nidents, 6));
	assert_ident(&log, ICS_F_VENDOR, "Schneider Electric");
	assert_ident(&log, ICS_F_PRODUCT_CODE, "BMX P34 2020");
	assert_ident(&log, ICS_F_FIRMWARE, "V3.20");
	assert_ident(&log, ICS_F_PRODUCT, "Modicon M340");
	assert_ident(&log, ICS_F_MODEL, "BMXP342020");
	assert_ident(&log, ICS_F_NAME, "PUMPS");
	ics_log_free(&log);
	bytes_free(&b);
}

Test(modbus, device_identification_request_gives_no_identity)
{
	static const uint8_t pdu[] = { 43, 14, 1, 0 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	adu(&b, 1, 1, pdu, sizeof pdu);
	ics_run_bytes(&ics_modbus, &TCP, 1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(modbus, device_identification_counts_and_lengths_are_bounded_by_the_pdu)
{
	/* Says 200 objects, holds one whole and one whose length overruns. */
	static const uint8_t pdu[] = { 43, 14, 1, 1, 0, 0, 200, 0, 3, 'A', 'B', 'C',
				       1, 9, 'x', 'y' };
	/* The MBAP length ends the PDU before bytes that follow it. */
	static const uint8_t tail[] = { 0, 2, 0, 0, 0, 2, 1, 3 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	adu(&b, 1, 1, pdu, sizeof pdu);
	bytes_put(&b, tail, sizeof tail);
	ics_run_bytes(&ics_modbus, &TCP, 0, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(sz, log.nidents, 1));
	assert_ident(&log, ICS_F_VENDOR, "ABC");
	ics_log_free(&log);
	bytes_free(&b);
	/* The PDU ends after an object id: no length, no identity. */
	adu(&b, 1, 1, pdu, 12 + 1);
	ics_run_bytes(&ics_modbus, &TCP, 0, b.p, b.len, &log);
	cr_assert(eq(sz, log.nidents, 1));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(modbus, empty_device_identification_values_are_kept_with_their_length)
{
	static const uint8_t pdu[] = { 43, 14, 4, 0x81, 0, 0, 1, 5, 0 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	adu(&b, 1, 1, pdu, sizeof pdu);
	ics_run_bytes(&ics_modbus, &TCP, 0, b.p, b.len, &log);
	cr_assert(eq(sz, log.nidents, 1));
	assert_ident(&log, ICS_F_MODEL, "");
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- framing and the TCP contract ---- */

Test(modbus, several_adus_in_one_segment_are_each_a_message)
{
	static const uint8_t r[] = { 3, 0, 0, 0, 10 };
	static const uint8_t w[] = { 6, 0, 1, 0, 7 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	adu(&b, 1, 1, r, sizeof r);
	adu(&b, 2, 3, w, sizeof w);
	adu(&b, 3, 1, r, sizeof r);
	cr_assert(eq(u32, ics_run_bytes(&ics_modbus, &TCP, 1, b.p, b.len, &log),
		     (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 3));
	cr_assert(eq(u32, log.msgs[1].m.transaction, 2));
	cr_assert(eq(u32, log.msgs[1].m.unit, 3));
	cr_assert(eq(u16, log.msgs[1].m.function, 6));
	cr_assert(eq(u8, log.msgs[1].m.actions, ICS_ACT_WRITE));
	ics_log_free(&log);
	bytes_free(&b);
}

/* Length field boundaries: 2 (function code alone) and 254 pass; 0, 1 and
 * 255 are not Modbus, and a protocol id other than 0 neither. */
struct length_case {
	uint16_t pid, len;
	size_t msgs;
};

static const struct length_case LENGTHS[] = {
	{ 0, 0, 0 }, { 0, 1, 0 }, { 0, 2, 1 }, { 0, 3, 1 }, { 0, 254, 1 }, { 0, 255, 0 },
	{ 0, 0xffff, 0 }, { 1, 6, 0 }, { 0x8000, 6, 0 },
};

Test(modbus, length_and_protocol_id_boundaries)
{
	for (size_t i = 0; i < sizeof LENGTHS / sizeof LENGTHS[0]; i++) {
		const struct length_case *k = &LENGTHS[i];
		struct bytes b = { 0 };
		struct ics_log log = { 0 };

		bytes_u16(&b, 5, BE);
		bytes_u16(&b, k->pid, BE);
		bytes_u16(&b, k->len, BE);
		bytes_u8(&b, 1);
		bytes_u8(&b, 16);
		bytes_zeros(&b, k->len > 2 && k->len < 300 ? k->len - 2u : 0);
		cr_assert(eq(u32, ics_run_bytes(&ics_modbus, &TCP, 1, b.p, b.len, &log),
			     (uint32_t)b.len), "case %zu", i);
		cr_assert(eq(sz, log.nmsgs, k->msgs), "case %zu", i);
		ics_log_free(&log);
		bytes_free(&b);
	}
}

Test(modbus, adu_split_across_segments_is_kept_on_tcp_only)
{
	static const uint8_t r[] = { 3, 0, 0, 0, 10 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	adu(&b, 1, 1, r, sizeof r);
	adu(&b, 2, 1, r, sizeof r);
	/* The second ADU lacks its last byte: TCP keeps it from its start. */
	cr_assert(eq(u32, ics_run_bytes(&ics_modbus, &TCP, 1, b.p, b.len - 1, &log), 12));
	cr_assert(eq(sz, log.nmsgs, 1));
	ics_log_free(&log);
	/* A datagram has no continuation: all consumed, no message of the cut
	 * ADU. */
	cr_assert(eq(u32, ics_run_bytes(&ics_modbus, &UDP, -1, b.p, b.len - 1, &log),
		     (uint32_t)b.len - 1));
	cr_assert(eq(sz, log.nmsgs, 1));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(modbus, bytes_after_a_bad_header_are_consumed_not_kept)
{
	static const uint8_t r[] = { 3, 0, 0, 0, 10 };
	static const uint8_t junk[] = { 0, 9, 0x47, 0x45, 0x54, 0x20 };	/* "GET " */
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	adu(&b, 1, 1, r, sizeof r);
	bytes_put(&b, junk, sizeof junk);
	cr_assert(eq(u32, ics_run_bytes(&ics_modbus, &TCP, 1, b.p, b.len, &log),
		     (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	ics_log_free(&log);
	bytes_free(&b);
}

/*
 * Every prefix of three ADUs (a request, a device identification response
 * with six identities, an exception): only whole ADUs give messages and
 * identities, and on TCP dissect() keeps the ADU the bytes end in.
 */
Test(modbus, truncated_at_every_byte)
{
	static const uint8_t r[] = { 3, 0, 0, 0, 10 };
	static const uint8_t e[] = { 0x83, 2 };
	struct bytes b = { 0 };
	struct ics_log full = { 0 };
	size_t end[3], ids[3] = { 0, 6, 0 };

	adu(&b, 1, 1, r, sizeof r);
	end[0] = b.len;
	device_id_response(&b, 2);
	end[1] = b.len;
	adu(&b, 3, 1, e, sizeof e);
	end[2] = b.len;
	ics_run_bytes(&ics_modbus, &TCP, 0, b.p, b.len, &full);
	cr_assert(eq(sz, full.nmsgs, 3));
	cr_assert(eq(sz, full.nidents, 6));
	for (size_t n = 0; n < b.len; n++) {
		struct ics_log tcp = { 0 }, udp = { 0 };
		size_t whole = 0, nid = 0, kept = 0;
		uint32_t used = ics_run_bytes(&ics_modbus, &TCP, 0, b.p, n, &tcp);

		for (size_t k = 0; k < 3 && end[k] <= n; k++) {
			whole++;
			nid += ids[k];
			kept = end[k];
		}
		cr_assert(eq(u32, used, (uint32_t)kept), "n=%zu", n);
		cr_assert(eq(sz, tcp.nmsgs, whole), "n=%zu", n);
		cr_assert(eq(sz, tcp.nidents, nid), "n=%zu", n);
		for (size_t k = 0; k < tcp.nidents; k++)
			cr_assert(eq(str, tcp.idents[k].value, full.idents[k].value));
		cr_assert(eq(u32, ics_run_bytes(&ics_modbus, &UDP, 0, b.p, n, &udp), (uint32_t)n));
		cr_assert(eq(sz, udp.nmsgs, whole), "n=%zu", n);
		cr_assert(eq(sz, udp.nidents, nid), "n=%zu", n);
		ics_log_free(&tcp);
		ics_log_free(&udp);
	}
	ics_log_free(&full);
	bytes_free(&b);
}

/* ---- detection and names ---- */

struct detect_case {
	const char *why;
	uint8_t p[32];
	size_t n;
	bool want;
};

static const struct detect_case DETECT[] = {
	{ "read request", { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10 }, 12, true },
	{ "two requests", { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10, 0, 2, 0, 0, 0, 6, 1, 6, 0, 1, 0, 1 },
	  24, true },
	{ "exception", { 0, 1, 0, 0, 0, 3, 1, 0x83, 2 }, 9, true },
	{ "umas", { 0, 1, 0, 0, 0, 4, 0, 90, 0, 2 }, 10, true },
	{ "empty", { 0 }, 0, false },
	{ "header only", { 0, 1, 0, 0, 0, 6, 1 }, 7, false },
	{ "protocol id 1", { 0, 1, 0, 1, 0, 6, 1, 3, 0, 0, 0, 10 }, 12, false },
	{ "length too long", { 0, 1, 0, 0, 0, 7, 1, 3, 0, 0, 0, 10 }, 12, false },
	{ "length too short", { 0, 1, 0, 0, 0, 5, 1, 3, 0, 0, 0, 10 }, 12, false },
	{ "trailing byte", { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10, 0 }, 13, false },
	{ "unknown function", { 0, 1, 0, 0, 0, 6, 1, 0x44, 0, 0, 0, 10 }, 12, false },
	{ "function 0", { 0, 1, 0, 0, 0, 2, 1, 0 }, 8, false },
	{ "exception code 7", { 0, 1, 0, 0, 0, 3, 1, 0x83, 7 }, 9, false },
	{ "exception too long", { 0, 1, 0, 0, 0, 4, 1, 0x83, 2, 0 }, 10, false },
	{ "http", { 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1' }, 14,
	  false },
	{ "dnp3 link header", { 0x05, 0x64, 0x05, 0xc9, 0x0a, 0, 1, 0, 0x8b, 0x4c }, 10, false },
};

Test(modbus, detect_wants_whole_adus_of_known_functions)
{
	for (size_t i = 0; i < sizeof DETECT / sizeof DETECT[0]; i++) {
		cr_assert(eq(int, ics_modbus.detect(DETECT[i].p, (uint32_t)DETECT[i].n, true),
			     DETECT[i].want), "%s", DETECT[i].why);
		cr_assert(eq(int, ics_modbus.detect(DETECT[i].p, (uint32_t)DETECT[i].n, false),
			     DETECT[i].want), "%s (udp)", DETECT[i].why);
	}
}

Test(modbus, descriptor_and_function_names)
{
	cr_assert(eq(u8, ics_modbus.proto, ICS_MODBUS));
	cr_assert(eq(u16, ics_modbus.tcp_ports[0], 502));
	cr_assert(eq(str, (char *)ics_function_name(ICS_MODBUS, 3), "read_holding_registers"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_MODBUS, 16), "write_multiple_registers"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_MODBUS, 43),
		     "encapsulated_interface_transport"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_MODBUS, 90), "umas"));
	cr_assert(eq(ptr, (void *)ics_function_name(ICS_MODBUS, 9), NULL));
	cr_assert(eq(ptr, (void *)ics_function_name(ICS_MODBUS, 200), NULL));
	cr_assert(eq(ptr, (void *)ics_modbus.function_name(ICS_DNP3, 3), NULL));
}

/* ---- real captures against tshark ---- */

/* One capture of the corpus, what tshark finds in it, and the differences
 * explained where they are checked. */
struct corpus_case {
	const char *rel;
	size_t adus;		/* ADUs tshark dissects */
	size_t repeats;		/* our extra messages from retransmitted segments */
	size_t idents;		/* device identification objects with a field */
	const char *extra;	/* tshark options */
	uint64_t tshark_only[8];	/* frames whose ADUs tshark shows and we do not */
};

/* Values of our messages of one frame, joined by commas as tshark does. */
struct joined {
	char func[512], tid[1024], unit[512];
	unsigned exceptions;
};

static void join(char *dst, size_t cap, unsigned v)
{
	size_t n = strlen(dst);

	snprintf(dst + n, cap - n, "%s%u", n ? "," : "", v);
}

/* The next Modbus message of log at *i or after (other dissectors of the
 * capture, DNS for one, log theirs too); NULL at the end. */
static const struct ics_logged_msg *next_modbus(const struct ics_log *log, size_t *i)
{
	for (; *i < log->nmsgs; (*i)++)
		if (log->msgs[*i].m.proto == ICS_MODBUS)
			return &log->msgs[*i];
	return NULL;
}

/* Takes the messages of frame from log at *i on (log is in frame order). */
static void ours(const struct ics_log *log, size_t *i, uint64_t frame, struct joined *j)
{
	const struct ics_logged_msg *e;

	memset(j, 0, sizeof *j);
	for (; (e = next_modbus(log, i)) && e->frame == frame; (*i)++) {
		join(j->func, sizeof j->func, e->m.function);
		join(j->tid, sizeof j->tid, e->m.transaction);
		join(j->unit, sizeof j->unit, e->m.unit);
		j->exceptions += e->m.exception;
	}
}

static unsigned count_values(const char *cell)
{
	unsigned n = *cell != '\0';

	for (; *cell; cell++)
		n += *cell == ',';
	return n;
}

/*
 * Our messages in a segment tshark's TCP analysis calls a retransmission:
 * neither tshark nor analyzer/ics_flow.c dissects bytes seen before, but
 * tshark also calls "spurious" a segment whose bytes were acknowledged
 * before the capture saw them; each such message repeats the request's
 * function, transaction and unit.  Returns how many.
 */
static size_t retransmitted(const char *rel, const struct ics_log *log, size_t *i, uint64_t frame)
{
	const struct ics_logged_msg *e;
	size_t n = 0;

	for (; (e = next_modbus(log, i)) && e->frame == frame; (*i)++, n++) {
		bool repeat = false;

		for (size_t k = 0; k < *i && !repeat; k++)
			repeat = log->msgs[k].m.proto == ICS_MODBUS &&
				 log->msgs[k].m.function == e->m.function &&
				 log->msgs[k].m.transaction == e->m.transaction &&
				 log->msgs[k].m.unit == e->m.unit;
		cr_assert(repeat, "%s: frame %llu", rel, (unsigned long long)frame);
	}
	return n;
}

static bool tshark_only(const struct corpus_case *k, uint64_t frame)
{
	for (size_t i = 0; i < sizeof k->tshark_only / sizeof k->tshark_only[0]; i++)
		if (k->tshark_only[i] == frame)
			return true;
	return false;
}

/*
 * Compares, frame by frame, the Modbus messages of a capture with tshark's
 * Modbus/TCP ADUs: function codes, transaction and unit ids in order, and
 * the number of exceptions.  Returns the number of ADUs tshark found and
 * sets *repeats to our messages from retransmitted segments.
 */
static size_t compare_with_tshark(const struct corpus_case *k, const struct ics_log *log,
				  size_t *repeats)
{
	static const char *const fields[] = { "modbus.func_code", "mbtcp.trans_id",
					      "mbtcp.unit_id", "modbus.exception_code" };
	const struct ics_logged_msg *e;
	struct tshark_rows t;
	size_t i = 0, total = 0;

	*repeats = 0;
	cr_assert(tshark_fields(corpus_file(k->rel),
				"mbtcp || (tcp.analysis.retransmission && tcp.len > 0)", k->extra,
				fields, 4, &t));
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		struct joined j;

		e = next_modbus(log, &i);
		cr_assert(ge(u64, e ? e->frame : frame, frame),
			  "%s: frame %llu has a message tshark has not", k->rel,
			  (unsigned long long)e->frame);
		if (!*tshark_cell(&t, r, 1)) {
			*repeats += retransmitted(k->rel, log, &i, frame);
			continue;
		}
		total += count_values(tshark_cell(&t, r, 1));
		ours(log, &i, frame, &j);
		if (tshark_only(k, frame)) {
			cr_assert(eq(str, j.func, ""), "%s frame %llu", k->rel,
				  (unsigned long long)frame);
			continue;
		}
		cr_assert(eq(str, j.func, (char *)tshark_cell(&t, r, 1)), "%s frame %llu", k->rel,
			  (unsigned long long)frame);
		cr_assert(eq(str, j.tid, (char *)tshark_cell(&t, r, 2)), "%s frame %llu", k->rel,
			  (unsigned long long)frame);
		cr_assert(eq(str, j.unit, (char *)tshark_cell(&t, r, 3)), "%s frame %llu", k->rel,
			  (unsigned long long)frame);
		cr_assert(eq(u32, j.exceptions, count_values(tshark_cell(&t, r, 4))),
			  "%s frame %llu", k->rel, (unsigned long long)frame);
	}
	cr_assert(eq(ptr, (void *)next_modbus(log, &i), NULL), "%s: messages after tshark's last",
		  k->rel);
	tshark_rows_free(&t);
	return total;
}

/*
 * The device identification objects tshark shows (object ids and string
 * values, in order) are our identities of that frame, field by object id.
 * Returns how many.
 */
static size_t compare_identities(const char *rel, const struct ics_log *log)
{
	static const char *const fields[] = { "modbus.object_id", "modbus.object_str_value" };
	static const uint8_t field_of[7] = { ICS_F_VENDOR, ICS_F_PRODUCT_CODE, ICS_F_FIRMWARE, 0,
					     ICS_F_PRODUCT, ICS_F_MODEL, ICS_F_NAME };
	struct tshark_rows t;
	size_t n = 0, k = 0, ours_n = 0;

	for (size_t i = 0; i < log->nidents; i++)
		ours_n += log->idents[i].id.proto == ICS_MODBUS;
	cr_assert(tshark_fields(corpus_file(rel), "modbus.object_str_value", NULL, fields, 2, &t));
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		char *ids = strdup(tshark_cell(&t, r, 1)), *vals = strdup(tshark_cell(&t, r, 2));
		char *si, *sv, *id = strtok_r(ids, ",", &si), *val = strtok_r(vals, ",", &sv);

		for (; id && val; id = strtok_r(NULL, ",", &si), val = strtok_r(NULL, ",", &sv)) {
			unsigned obj = (unsigned)strtoul(id, NULL, 0);

			if (obj == 3 || obj > 6)
				continue;	/* VendorUrl and private objects: no field */
			while (k < log->nidents && (log->idents[k].id.proto != ICS_MODBUS ||
						    log->idents[k].frame < frame))
				k++;
			cr_assert(lt(sz, k, log->nidents), "%s frame %llu", rel,
				  (unsigned long long)frame);
			cr_assert(eq(u64, log->idents[k].frame, frame));
			cr_assert(eq(u8, log->idents[k].id.field, field_of[obj]));
			cr_assert(eq(str, log->idents[k].value, val));
			k++;
			n++;
		}
		free(ids);
		free(vals);
	}
	tshark_rows_free(&t);
	cr_assert(eq(sz, n, ours_n), "%s: identities tshark has not", rel);
	return n;
}

static void corpus_run(const struct corpus_case *k)
{
	struct ics_log log = { 0 };
	size_t repeats;

	cr_assert(ics_run_file(corpus_file(k->rel), &log));
	cr_assert(eq(sz, compare_with_tshark(k, &log, &repeats), k->adus));
	cr_assert(eq(sz, repeats, k->repeats));
	cr_assert(eq(sz, compare_identities(k->rel, &log), k->idents));
	ics_log_free(&log);
}

Test(modbus, corpus_modbus_frames)
{
	corpus_run(&(struct corpus_case){ .rel = "ics/modbus/modbusFrames.pcap", .adus = 1 });
}

Test(modbus, corpus_modbus_small)
{
	corpus_run(&(struct corpus_case){ .rel = "ics/modbus/modbusSmall.pcap", .adus = 32 });
}

/* Frame 3150 is the first copy of its bytes the capture holds (frame 3149
 * acknowledges them first): tshark calls it a spurious retransmission and
 * does not dissect it; the flow table counts no retransmission (nothing of
 * it was seen before), so we do. */
Test(modbus, corpus_modbus_big)
{
	corpus_run(&(struct corpus_case){ .rel = "ics/modbus/modbusBig.pcap", .adus = 5548,
					  .repeats = 1 });
}

/* Eight 11-byte segments from port 502 are retransmissions (not dissected
 * again); the capture also has ADUs split across segments and up to six
 * ADUs in one. */
Test(modbus, corpus_modbus_tcp)
{
	corpus_run(&(struct corpus_case){ .rel = "ics/modbus/ModbusTCP.pcap", .adus = 15976 });
}

/* Frame 94 answers 43/14 with VendorName, ProductCode, MajorMinorRevision. */
Test(modbus, corpus_modbus_example)
{
	corpus_run(&(struct corpus_case){ .rel = "ics/modbus/modbus_example.pcap", .adus = 48,
					  .idents = 3 });
}

/*
 * Zeek's fuzzed trace: sequence numbers jump, so tshark is compared with
 * each segment dissected alone (no reassembly, no sequence analysis).  Two
 * frames differ on purpose: frame 6 ends with 2 bytes after a whole ADU,
 * which we keep as the start of the next ADU and which, joined to frame 7
 * (next in sequence), make a header of length 0: not Modbus, consumed, so
 * frame 7 has no message; frame 14's ADU says length 37 in a 12-byte
 * segment: tshark shows its function, we keep it for a continuation that
 * never comes in sequence (no message from missing bytes).  Frames 2, 25,
 * 26, 27, 30 and 32 start below data already seen on their side (the
 * fuzzer's sequence numbers jump back): the flow table counts them as
 * retransmissions, and retransmitted bytes are not dissected again.
 */
Test(modbus, corpus_fuzzed)
{
	corpus_run(&(struct corpus_case){
		.rel = "malformed/fuzz-72.pcap", .adus = 28,
		.extra = "-o tcp.desegment_tcp_streams:FALSE -o tcp.analyze_sequence_numbers:FALSE",
		.tshark_only = { 2, 7, 14, 25, 26, 27, 30, 32 } });
}
