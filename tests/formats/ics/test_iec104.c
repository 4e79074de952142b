/*
 * test_iec104.c - formats/ics/iec104.c: IEC 60870-5-104 APCI (I, S, U
 * formats, 5.1-5.3) and the data unit identifier (IEC 60870-5-101 7.2);
 * hand-built APDUs, every truncation, and the corpus captures against
 * tshark's iec60870_104 and iec60870_asdu dissectors.
 *
 * APDUs are spelled out byte by byte (tests/support/bytes.h); expected
 * values are written here, never computed by the code under test.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

extern const struct ics_dissector ics_iec104;

TestSuite(iec104);

#define LE false

/* U format control octet 1 (IEC 60870-5-104 5.3). */
#define STARTDT_ACT 0x07
#define STARTDT_CON 0x0b
#define STOPDT_ACT 0x13
#define STOPDT_CON 0x23
#define TESTFR_ACT 0x43
#define TESTFR_CON 0x83

/* Causes of transmission (IEC 60870-5-101 7.2.3). */
#define PERIODIC 1
#define SPONT 3
#define REQ 5
#define ACT 6
#define ACTCON 7
#define DEACT 8
#define ACTTERM 10
#define INROGEN 20
#define UNKNOWN_TYPE 44
#define TEST 0x80
#define NEGATIVE 0x40

/* ---- builders ---- */

static void u_frame(struct bytes *b, uint8_t c1)
{
	bytes_put(b, "\x68\x04", 2);
	bytes_u8(b, c1);
	bytes_put(b, "\x00\x00\x00", 3);
}

static void s_frame(struct bytes *b, uint16_t nr)
{
	bytes_put(b, "\x68\x04\x01\x00", 4);
	bytes_u16(b, (uint16_t)(nr << 1), LE);
}

/* An I-format APDU: N(S), N(R), data unit identifier (originator 0),
 * one information object (IOA and n element bytes). */
static void i_frame(struct bytes *b, uint16_t ns, uint16_t nr, uint8_t type, uint8_t vsq,
		    uint8_t cot, uint16_t ca, uint32_t ioa, const void *elem, size_t n)
{
	bytes_u8(b, 0x68);
	bytes_u8(b, (uint8_t)(4 + 6 + 3 + n));
	bytes_u16(b, (uint16_t)(ns << 1), LE);
	bytes_u16(b, (uint16_t)(nr << 1), LE);
	bytes_u8(b, type);
	bytes_u8(b, vsq);
	bytes_u8(b, cot);
	bytes_u8(b, 0);
	bytes_u16(b, ca, LE);
	bytes_u8(b, (uint8_t)ioa);
	bytes_u8(b, (uint8_t)(ioa >> 8));
	bytes_u8(b, (uint8_t)(ioa >> 16));
	bytes_put(b, elem, n);
}

/* A command or system ASDU with one object and one qualifier octet. */
static void command(struct bytes *b, uint8_t type, uint8_t cot, uint16_t ca)
{
	i_frame(b, 3, 7, type, 1, cot, ca, 0, "\x14", 1);
}

static struct ics_log run(const struct bytes *b, int to_server, uint32_t *used)
{
	struct ics_log log = { 0 };
	uint32_t u = ics_run_bytes(&ics_iec104, NULL, to_server, b->p, b->len, &log);

	if (used)
		*used = u;
	return log;
}

static const struct ics_msg *only_msg(const struct ics_log *log)
{
	cr_assert(eq(sz, log->nmsgs, 1));
	return &log->msgs[0].m;
}

/* The one message b makes, all its bytes consumed. */
static struct ics_msg one(const struct bytes *b, int to_server)
{
	uint32_t used;
	struct ics_log log = run(b, to_server, &used);
	struct ics_msg m = *only_msg(&log);

	cr_assert(eq(u32, used, b->len));
	ics_log_free(&log);
	return m;
}

/* The messages b makes, all its bytes consumed. */
static size_t consumed(const struct bytes *b, int to_server)
{
	uint32_t used;
	struct ics_log log = run(b, to_server, &used);
	size_t n = log.nmsgs;

	cr_assert(eq(u32, used, b->len));
	ics_log_free(&log);
	return n;
}

/* The sender role of the one message b makes, the direction given. */
static uint8_t sender(const struct bytes *b, int to_server)
{
	struct ics_log log = run(b, to_server, NULL);
	uint8_t role = only_msg(&log)->sender_role;

	ics_log_free(&log);
	return role;
}

/* ---- U and S formats ---- */

Test(iec104, u_format)
{
	static const struct {
		uint8_t c1;
		uint16_t function;
		uint8_t kind, sender;	/* sender with the direction unknown */
	} cases[] = {
		{ STARTDT_ACT, 0x101, ICS_KIND_REQUEST, ICS_ROLE_MASTER },
		{ STARTDT_CON, 0x102, ICS_KIND_RESPONSE, ICS_ROLE_OUTSTATION },
		{ STOPDT_ACT, 0x104, ICS_KIND_REQUEST, ICS_ROLE_MASTER },
		{ STOPDT_CON, 0x108, ICS_KIND_RESPONSE, ICS_ROLE_OUTSTATION },
		{ TESTFR_ACT, 0x110, ICS_KIND_REQUEST, ICS_ROLE_NONE },
		{ TESTFR_CON, 0x120, ICS_KIND_RESPONSE, ICS_ROLE_NONE },
		/* Not one function: kept as sent (TestDissectIec104 frame 36). */
		{ 0x17, 0x105, ICS_KIND_REQUEST, ICS_ROLE_MASTER },
		{ 0x0f, 0x103, ICS_KIND_OTHER, ICS_ROLE_NONE },
		{ 0x03, 0x100, ICS_KIND_OTHER, ICS_ROLE_NONE },
	};
	struct bytes b = { 0 };

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ics_log log;
		const struct ics_msg *m;
		uint32_t used;

		b.len = 0;
		u_frame(&b, cases[i].c1);
		log = run(&b, -1, &used);
		cr_assert(eq(u32, used, 6));
		m = only_msg(&log);
		cr_assert(eq(u8, m->proto, ICS_IEC104));
		cr_assert(eq(u16, m->function, cases[i].function));
		cr_assert(eq(u8, m->kind, cases[i].kind));
		cr_assert(eq(u8, m->sender_role, cases[i].sender));
		cr_assert(eq(u8, m->nseq, 0));
		cr_assert(not(m->has_unit));
		cr_assert(not(m->has_transaction));
		cr_assert(eq(u8, m->actions, 0));
		ics_log_free(&log);
		/* The direction decides when the content does not. */
		cr_assert(eq(u8, sender(&b, 0),
			     cases[i].sender ? cases[i].sender : ICS_ROLE_OUTSTATION));
	}
	bytes_free(&b);
}

Test(iec104, s_format)
{
	struct bytes b = { 0 };
	struct ics_log log;
	const struct ics_msg *m;

	s_frame(&b, 32767);
	log = run(&b, 1, NULL);
	m = only_msg(&log);
	cr_assert(eq(u16, m->function, 0x200));
	cr_assert(eq(u8, m->kind, ICS_KIND_OTHER));
	cr_assert(eq(u8, m->nseq, 2));
	cr_assert(eq(u32, m->seq[0], 0));
	cr_assert(eq(u32, m->seq[1], 32767));
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_MASTER));
	cr_assert(eq(u8, m->receiver_role, ICS_ROLE_OUTSTATION));
	ics_log_free(&log);
	cr_assert(eq(u8, sender(&b, -1), ICS_ROLE_NONE));
	bytes_free(&b);
}

/* ---- I format ---- */

Test(iec104, interrogation_sequence)
{
	struct bytes b = { 0 };
	struct ics_log log;
	const struct ics_msg *m;
	uint32_t used;

	/* The sample's general interrogation (samples/build_iec104.c). */
	i_frame(&b, 0, 0, 100, 1, ACT, 1, 0, "\x14", 1);
	i_frame(&b, 0, 1, 100, 1, ACTCON, 1, 0, "\x14", 1);
	i_frame(&b, 1, 1, 13, 0x84, INROGEN, 1, 1001,
		"\x00\x00\x48\x42\x00\x00\x00\x28\x41\x00\x00\x00\x67\x43\x00\x00\x00\x80\x3f\x00",
		20);
	i_frame(&b, 2, 1, 1, 0x83, INROGEN, 1, 2001, "\x01\x00\x01", 3);
	i_frame(&b, 3, 1, 100, 1, ACTTERM, 1, 0, "\x14", 1);
	s_frame(&b, 4);
	i_frame(&b, 4, 1, 13, 1, SPONT, 1, 1002, "\x00\x00\x28\x41\x00", 5);
	log = run(&b, -1, &used);
	cr_assert(eq(u32, used, b.len));
	cr_assert(eq(sz, log.nmsgs, 7));

	m = &log.msgs[0].m;
	cr_assert(eq(u16, m->function, 100));
	cr_assert(eq(u8, m->kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, m->actions, ICS_ACT_READ));
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_MASTER));
	cr_assert(eq(u8, m->receiver_role, ICS_ROLE_OUTSTATION));
	cr_assert(m->has_unit);
	cr_assert(eq(u32, m->unit, 1));
	cr_assert(eq(u8, m->nseq, 2));
	cr_assert(eq(u32, m->seq[0], 0));
	cr_assert(eq(u32, m->seq[1], 0));

	m = &log.msgs[1].m;
	cr_assert(eq(u16, m->function, 100));
	cr_assert(eq(u8, m->kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, m->actions, 0));
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_OUTSTATION));
	cr_assert(eq(u32, m->seq[1], 1));

	cr_assert(eq(u16, log.msgs[2].m.function, 13));
	cr_assert(eq(u8, log.msgs[2].m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u32, log.msgs[2].m.seq[0], 1));
	cr_assert(eq(u16, log.msgs[3].m.function, 1));
	cr_assert(eq(u8, log.msgs[4].m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u16, log.msgs[5].m.function, 0x200));
	cr_assert(eq(u16, log.msgs[6].m.function, 13));
	cr_assert(eq(u8, log.msgs[6].m.kind, ICS_KIND_UNSOLICITED));
	cr_assert(eq(u8, log.msgs[6].m.sender_role, ICS_ROLE_OUTSTATION));
	for (size_t i = 0; i < log.nmsgs; i++)
		cr_assert(not(log.msgs[i].m.exception));

	/* The outstation's common address, each time it sends an ASDU. */
	cr_assert(eq(sz, log.nidents, 5));
	for (size_t i = 0; i < log.nidents; i++) {
		cr_assert(eq(u8, log.idents[i].id.proto, ICS_IEC104));
		cr_assert(eq(u8, log.idents[i].id.field, ICS_F_DEVICE_ID));
		cr_assert(eq(u8, log.idents[i].id.subject, ICS_SUBJECT_SENDER));
		cr_assert(same(log.idents[i].value, "1"));
	}
	ics_log_free(&log);
	bytes_free(&b);
}

Test(iec104, command_actions)
{
	static const struct {
		uint8_t type;
		uint8_t actions;
	} cases[] = {
		{ 45, ICS_ACT_CONTROL },  { 46, ICS_ACT_CONTROL },  { 47, ICS_ACT_CONTROL },
		{ 48, ICS_ACT_WRITE },	  { 49, ICS_ACT_WRITE },    { 50, ICS_ACT_WRITE },
		{ 51, ICS_ACT_CONTROL },  { 58, ICS_ACT_CONTROL },  { 59, ICS_ACT_CONTROL },
		{ 60, ICS_ACT_CONTROL },  { 61, ICS_ACT_WRITE },    { 62, ICS_ACT_WRITE },
		{ 63, ICS_ACT_WRITE },	  { 64, ICS_ACT_CONTROL },  { 100, ICS_ACT_READ },
		{ 101, ICS_ACT_READ },	  { 103, ICS_ACT_WRITE },   { 104, 0 },
		{ 105, ICS_ACT_STOPSTART }, { 106, 0 },	    { 107, 0 },
		{ 110, ICS_ACT_WRITE },	  { 111, ICS_ACT_WRITE },   { 112, ICS_ACT_WRITE },
		{ 113, ICS_ACT_WRITE },	  { 122, 0 },
	};
	struct bytes b = { 0 };

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ics_log log;

		b.len = 0;
		command(&b, cases[i].type, ACT, 7);
		log = run(&b, -1, NULL);
		cr_assert(eq(u16, only_msg(&log)->function, cases[i].type));
		cr_assert(eq(u8, only_msg(&log)->kind, ICS_KIND_REQUEST));
		cr_assert(eq(u8, only_msg(&log)->actions, cases[i].actions), "type %u",
			  cases[i].type);
		cr_assert(eq(sz, log.nidents, 0));
		ics_log_free(&log);
		/* Deactivation, the test bit, the confirmation: no action. */
		b.len = 0;
		command(&b, cases[i].type, DEACT, 7);
		command(&b, cases[i].type, ACT | TEST, 7);
		command(&b, cases[i].type, ACTCON, 7);
		log = run(&b, -1, NULL);
		cr_assert(eq(sz, log.nmsgs, 3));
		for (size_t j = 0; j < 3; j++)
			cr_assert(eq(u8, log.msgs[j].m.actions, 0));
		cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST));
		cr_assert(eq(u8, log.msgs[2].m.kind, ICS_KIND_RESPONSE));
		ics_log_free(&log);
	}
	bytes_free(&b);
}

Test(iec104, read_command_and_requested_data)
{
	struct bytes b = { 0 };
	struct ics_log log;

	i_frame(&b, 0, 0, 102, 1, REQ, 5, 4001, NULL, 0);
	i_frame(&b, 0, 1, 13, 1, REQ, 5, 4001, "\x00\x00\x80\x3f\x00", 5);
	log = run(&b, -1, NULL);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, log.msgs[0].m.actions, ICS_ACT_READ));
	cr_assert(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_MASTER));
	cr_assert(eq(u8, log.msgs[1].m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, log.msgs[1].m.sender_role, ICS_ROLE_OUTSTATION));
	cr_assert(eq(sz, log.nidents, 1));
	cr_assert(same(log.idents[0].value, "5"));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(iec104, negative_and_unknown_are_exceptions)
{
	struct bytes b = { 0 };
	struct ics_log log;

	/* As TestDissectIec104 frame 134: T and P/N set on an act con. */
	command(&b, 45, ACTCON | TEST | NEGATIVE, 37133);
	for (uint8_t cause = UNKNOWN_TYPE; cause <= 47; cause++)
		command(&b, 45, cause, 37133);
	command(&b, 45, ACT | NEGATIVE, 37133);
	log = run(&b, -1, NULL);
	cr_assert(eq(sz, log.nmsgs, 6));
	for (size_t i = 0; i < 6; i++)
		cr_assert(log.msgs[i].m.exception);
	for (size_t i = 0; i < 5; i++) {
		cr_assert(eq(u8, log.msgs[i].m.kind, ICS_KIND_RESPONSE));
		cr_assert(eq(u8, log.msgs[i].m.sender_role, ICS_ROLE_OUTSTATION));
	}
	cr_assert(eq(u8, log.msgs[5].m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(sz, log.nidents, 5));
	cr_assert(same(log.idents[0].value, "37133"));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(iec104, kinds_by_cause)
{
	static const struct {
		uint8_t cause, kind, sender;
	} cases[] = {
		{ PERIODIC, ICS_KIND_UNSOLICITED, ICS_ROLE_OUTSTATION },
		{ 2, ICS_KIND_UNSOLICITED, ICS_ROLE_OUTSTATION },
		{ SPONT, ICS_KIND_UNSOLICITED, ICS_ROLE_OUTSTATION },
		{ 4, ICS_KIND_UNSOLICITED, ICS_ROLE_OUTSTATION },
		{ 11, ICS_KIND_UNSOLICITED, ICS_ROLE_OUTSTATION },
		{ 12, ICS_KIND_UNSOLICITED, ICS_ROLE_OUTSTATION },
		{ 9, ICS_KIND_RESPONSE, ICS_ROLE_OUTSTATION },
		{ 36, ICS_KIND_RESPONSE, ICS_ROLE_OUTSTATION },
		{ 41, ICS_KIND_RESPONSE, ICS_ROLE_OUTSTATION },
		{ 13, ICS_KIND_OTHER, ICS_ROLE_NONE },
		{ 0, ICS_KIND_OTHER, ICS_ROLE_NONE },
		{ 42, ICS_KIND_OTHER, ICS_ROLE_NONE },
		{ 63, ICS_KIND_OTHER, ICS_ROLE_NONE },
	};
	struct bytes b = { 0 };

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ics_log log;

		b.len = 0;
		i_frame(&b, 1, 2, 1, 1, cases[i].cause, 9, 17, "\x01", 1);
		log = run(&b, -1, NULL);
		cr_assert(eq(u8, only_msg(&log)->kind, cases[i].kind), "cause %u", cases[i].cause);
		cr_assert(eq(u8, only_msg(&log)->sender_role, cases[i].sender));
		cr_assert(eq(sz, log.nidents, cases[i].sender == ICS_ROLE_OUTSTATION));
		ics_log_free(&log);
		/* Unknown from the content: the direction decides; known: the
		 * content does, even against the direction. */
		cr_assert(eq(u8, sender(&b, 0), ICS_ROLE_OUTSTATION));
		cr_assert(eq(u8, sender(&b, 1),
			     cases[i].sender ? cases[i].sender : ICS_ROLE_MASTER));
	}
	bytes_free(&b);
}

Test(iec104, common_address_not_a_device_id)
{
	struct bytes b = { 0 };
	struct ics_log log;

	/* 0 is not used, 0xffff is the global (broadcast) address. */
	i_frame(&b, 0, 0, 1, 1, SPONT, 0, 1, "\x01", 1);
	i_frame(&b, 1, 0, 1, 1, SPONT, 0xffff, 1, "\x01", 1);
	i_frame(&b, 2, 0, 1, 1, SPONT, 0xfffe, 1, "\x01", 1);
	log = run(&b, -1, NULL);
	cr_assert(eq(sz, log.nmsgs, 3));
	cr_assert(eq(u32, log.msgs[1].m.unit, 0xffff));
	cr_assert(eq(sz, log.nidents, 1));
	cr_assert(same(log.idents[0].value, "65534"));
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- framing ---- */

Test(iec104, noise_and_bad_lengths_are_skipped)
{
	struct bytes b = { 0 };

	/* Noise before the start octet, start octets with lengths out of
	 * 4..253 (as TestDissectIec104.pcap), then a good APDU. */
	bytes_put(&b, "\x00\x01\x68\x02\x02\x68\x00\x12\x12\x68\xfe\x68\x03\x15", 14);
	u_frame(&b, TESTFR_ACT);
	bytes_put(&b, "\x13\x13", 2);
	cr_assert(eq(u16, one(&b, 1).function, 0x110));

	/* Nothing but noise: all consumed. */
	cr_assert(eq(sz, consumed(&(struct bytes){ (uint8_t *)"\x00\x01\x02\x03", 4, 4 }, 1), 0));
	bytes_free(&b);
}

Test(iec104, i_format_shorter_than_its_data_unit_identifier)
{
	struct bytes b = { 0 };
	struct ics_msg m;

	/* APDU lengths 4, 6, 8 and 9 with I-format control octets (as
	 * TestDissectIec104 frames 25, 41, 83): malformed, no message. */
	bytes_put(&b, "\x68\x04\x16\x16\x16\x16", 6);
	bytes_put(&b, "\x68\x06\x18\x18\x18\x18\x18\x18", 8);
	bytes_put(&b, "\x68\x08\x1a\x1a\x1a\x1a\x1a\x1a\x1a\x1a", 10);
	bytes_put(&b, "\x68\x09\x00\x00\x00\x00\x01\x01\x03\x00\x01", 11);
	/* The shortest whole one: data unit identifier, no object. */
	bytes_put(&b, "\x68\x0a\x00\x00\x00\x00\x01\x01\x03\x00\x01\x00", 12);
	m = one(&b, 0);
	cr_assert(eq(u16, m.function, 1));
	cr_assert(eq(u32, m.unit, 1));
	bytes_free(&b);
}

Test(iec104, longest_apdu)
{
	struct bytes b = { 0 };
	static uint8_t elem[253 - 4 - 6 - 3];
	struct ics_msg m;

	i_frame(&b, 100, 200, 13, 0x80 | 48, SPONT, 300, 1, elem, sizeof elem);
	cr_assert(eq(sz, b.len, 255));
	m = one(&b, 0);
	cr_assert(eq(u32, m.seq[0], 100));
	cr_assert(eq(u32, m.seq[1], 200));
	cr_assert(eq(u32, m.unit, 300));
	bytes_free(&b);
}

Test(iec104, apdus_split_across_segments)
{
	struct bytes b = { 0 };
	struct ics_log log;
	uint32_t used;

	u_frame(&b, STARTDT_ACT);
	command(&b, 45, ACT, 9);
	/* Noise, then the first APDU whole and 3 bytes of the second. */
	log = run(&(struct bytes){ b.p, 9, 9 }, 1, &used);
	cr_assert(eq(u32, used, 6));
	cr_assert(eq(sz, log.nmsgs, 1));
	ics_log_free(&log);
	/* The start octet alone is kept too. */
	log = run(&(struct bytes){ b.p + 6, 1, 1 }, 1, &used);
	cr_assert(eq(u32, used, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* Every APDU kind in one stream; where each piece ends, what is complete
 * by then, and whether the piece is noise (consumed as it comes). */
Test(iec104, truncated_at_every_byte)
{
	struct bytes b = { 0 };
	size_t ends[8], msgs[8], idents[8], n = 0;
	bool noise[8];

#define PIECE(m, i, z) (ends[n] = b.len, msgs[n] = (m), idents[n] = (i), noise[n++] = (z))
	bytes_put(&b, "\x00\x00", 2);
	PIECE(0, 0, true);
	u_frame(&b, STARTDT_ACT);
	PIECE(1, 0, false);
	command(&b, 100, ACT, 1);
	PIECE(2, 0, false);
	i_frame(&b, 0, 1, 13, 0x82, INROGEN, 1, 1001, "\x00\x00\x48\x42\x00\x00\x00\x28\x41\x00",
		10);
	PIECE(3, 1, false);
	bytes_put(&b, "\x68\x02\x02\x68\x01", 5);	/* bad lengths */
	PIECE(3, 1, true);
	s_frame(&b, 1);
	PIECE(4, 1, false);
#undef PIECE
	for (size_t len = 0; len < b.len; len++) {
		struct ics_log log;
		uint32_t used;
		size_t k = 0;

		while (k < n && ends[k] <= len)
			k++;
		log = run(&(struct bytes){ b.p, len, len }, 1, &used);
		/* Whole APDUs and noise consumed, the APDU cut kept from its
		 * start octet (a start octet alone is kept too). */
		if (noise[k])
			cr_assert(eq(u32, used, len && b.p[len - 1] == 0x68 ? len - 1 : len),
				  "len=%zu", len);
		else
			cr_assert(eq(u32, used, k ? ends[k - 1] : 0), "len=%zu", len);
		cr_assert(eq(sz, log.nmsgs, k ? msgs[k - 1] : 0), "len=%zu", len);
		cr_assert(eq(sz, log.nidents, k ? idents[k - 1] : 0), "len=%zu", len);
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/* ---- detection and names ---- */

Test(iec104, detect)
{
	struct bytes b = { 0 };

	u_frame(&b, STARTDT_ACT);
	cr_assert(ics_iec104.detect(b.p, (uint32_t)b.len, true));
	cr_assert(not(ics_iec104.detect(b.p, (uint32_t)b.len, false)));
	cr_assert(not(ics_iec104.detect(b.p, (uint32_t)b.len - 1, true)));
	b.p[2] = 0x0f;		/* STARTDT act and con */
	cr_assert(not(ics_iec104.detect(b.p, (uint32_t)b.len, true)));
	b.p[2] = 0x07;
	b.p[3] = 1;
	cr_assert(not(ics_iec104.detect(b.p, (uint32_t)b.len, true)));

	b.len = 0;
	command(&b, 100, ACT, 1);
	s_frame(&b, 3);
	u_frame(&b, TESTFR_CON);
	cr_assert(ics_iec104.detect(b.p, (uint32_t)b.len, true));
	bytes_u8(&b, 0);	/* a byte more */
	cr_assert(not(ics_iec104.detect(b.p, (uint32_t)b.len, true)));

	b.len = 0;
	command(&b, 99, ACT, 1);	/* no such type */
	cr_assert(not(ics_iec104.detect(b.p, (uint32_t)b.len, true)));
	b.len = 0;
	command(&b, 100, 48, 1);	/* cause past 47 */
	cr_assert(not(ics_iec104.detect(b.p, (uint32_t)b.len, true)));
	b.len = 0;
	i_frame(&b, 0, 0, 1, 0, SPONT, 1, 1, "\x01", 1);	/* no object */
	cr_assert(not(ics_iec104.detect(b.p, (uint32_t)b.len, true)));
	b.len = 0;
	bytes_put(&b, "\x68\x06\x01\x00\x02\x00\x00\x00", 8);	/* S of length 6 */
	cr_assert(not(ics_iec104.detect(b.p, (uint32_t)b.len, true)));
	cr_assert(not(ics_iec104.detect((const uint8_t *)"\x68\x04\x07\x00", 4, true)));
	cr_assert(not(ics_iec104.detect((const uint8_t *)"GET / HTTP/1.1\r\n", 16, true)));
	cr_assert(not(ics_iec104.detect(NULL, 0, true)));
	bytes_free(&b);
}

Test(iec104, function_names)
{
	cr_assert(same(ics_function_name(ICS_IEC104, 1), "single_point"));
	cr_assert(same(ics_function_name(ICS_IEC104, 13), "measured_float"));
	cr_assert(same(ics_function_name(ICS_IEC104, 36), "measured_float_time56"));
	cr_assert(same(ics_function_name(ICS_IEC104, 45), "single_command"));
	cr_assert(same(ics_function_name(ICS_IEC104, 50), "setpoint_float"));
	cr_assert(same(ics_function_name(ICS_IEC104, 70), "end_of_initialization"));
	cr_assert(same(ics_function_name(ICS_IEC104, 100), "interrogation"));
	cr_assert(same(ics_function_name(ICS_IEC104, 105), "reset_process"));
	cr_assert(same(ics_function_name(ICS_IEC104, 127), "query_log"));
	cr_assert(same(ics_function_name(ICS_IEC104, 0x101), "startdt_act"));
	cr_assert(same(ics_function_name(ICS_IEC104, 0x120), "testfr_con"));
	cr_assert(same(ics_function_name(ICS_IEC104, 0x200), "s_format_ack"));
	cr_assert(same(ics_function_name(ICS_IEC104, 0), NULL));
	cr_assert(same(ics_function_name(ICS_IEC104, 24), NULL));
	cr_assert(same(ics_function_name(ICS_IEC104, 128), NULL));
	cr_assert(same(ics_function_name(ICS_IEC104, 255), NULL));
	cr_assert(same(ics_function_name(ICS_IEC104, 0x105), NULL));
	cr_assert(same(ics_iec104.function_name(ICS_S7COMM, 1), NULL));
}

/* ---- the corpus against tshark ---- */

static size_t split(const char *cell, char out[][32], size_t max)
{
	size_t n = 0;

	while (*cell && n < max) {
		const char *comma = strchr(cell, ',');
		size_t len = comma ? (size_t)(comma - cell) : strlen(cell);

		snprintf(out[n++], 32, "%.*s", (int)(len < 31 ? len : 31), cell);
		cell += len + (comma != NULL);
	}
	return n;
}

/* One APDU: frame, function, common address (-1: none), N(S), N(R) (-1:
 * none), and whether the 2404 side sent it. */
struct apdu {
	uint64_t frame;
	long function, unit, ns, nr;
	bool from_2404;
};

#define MAX_APDUS 256

/*
 * The APDUs tshark shows, in order.  Its lists per frame: apdulen and type
 * per APCI, utype per U format, tx per I format, rx per I and S format,
 * typeid and addr per ASDU (an I format longer than 4 octets).  Two kinds
 * of APDU tshark shows and we do not report are counted in *malformed: a
 * length below 4 (no control field: tshark shows the length alone, we skip
 * the start octet), and an I format whose ASDU is shorter than its 6-octet
 * data unit identifier (tshark shows what it could read).
 */
static size_t tshark_apdus(const char *path, struct apdu *out, size_t *malformed)
{
	static const char *const f[] = { "iec60870_104.apdulen", "iec60870_104.type",
					 "iec60870_104.utype",	 "iec60870_104.tx",
					 "iec60870_104.rx",	 "iec60870_asdu.typeid",
					 "iec60870_asdu.addr",	 "tcp.srcport" };
	struct tshark_rows t;
	size_t n = 0;

	*malformed = 0;
	cr_assert(tshark_fields(path, "iec60870_104", NULL, f, 8, &t));
	for (size_t r = 0; r < t.nrows; r++) {
		char len[16][32], type[16][32], ut[16][32], tx[16][32], rx[16][32], tid[16][32],
			ca[16][32];
		size_t na = split(tshark_cell(&t, r, 1), len, 16);
		size_t ntype = split(tshark_cell(&t, r, 2), type, 16);
		size_t it = 0, iu = 0, itx = 0, irx = 0, ias = 0;

		split(tshark_cell(&t, r, 3), ut, 16);
		split(tshark_cell(&t, r, 4), tx, 16);
		split(tshark_cell(&t, r, 5), rx, 16);
		split(tshark_cell(&t, r, 6), tid, 16);
		split(tshark_cell(&t, r, 7), ca, 16);
		for (size_t i = 0; i < na; i++) {
			unsigned long kind, l = strtoul(len[i], NULL, 0);
			struct apdu a = { strtoull(tshark_cell(&t, r, 0), NULL, 10), 0, -1, -1, -1,
					  strcmp(tshark_cell(&t, r, 8), "2404") == 0 };

			if (l < 4) {
				++*malformed;
				continue;
			}
			cr_assert(lt(sz, it, ntype));
			kind = strtoul(type[it++], NULL, 0);
			if (kind == 3) {
				a.function = 0x100 | (long)strtoul(ut[iu++], NULL, 0);
			} else if (kind == 1) {
				a.function = 0x200;
				a.nr = (long)strtoul(rx[irx++], NULL, 0);
			} else {
				a.ns = (long)strtoul(tx[itx++], NULL, 0);
				a.nr = (long)strtoul(rx[irx++], NULL, 0);
				if (l > 4 && l >= 10) {
					a.function = (long)strtoul(tid[ias], NULL, 0);
					a.unit = (long)strtoul(ca[ias], NULL, 0);
				}
				ias += l > 4;
				if (l < 10) {
					++*malformed;
					continue;
				}
			}
			cr_assert(lt(sz, n, MAX_APDUS));
			out[n++] = a;
		}
	}
	tshark_rows_free(&t);
	return n;
}

/*
 * One capture: every APDU (frame, function, common address, N(S), N(R))
 * as tshark shows it, but the malformed ones; and one device id for each
 * ASDU the 2404 side sends, its common address (but 0 and 0xffff).
 */
static void corpus_104(const char *rel, size_t apdus, size_t malformed, struct ics_log *log)
{
	const char *path = corpus_file(rel);
	static struct apdu want[MAX_APDUS];
	size_t nwant, nbad, k = 0, id = 0;

	cr_assert(ics_run_file(path, log));
	nwant = tshark_apdus(path, want, &nbad);
	for (size_t i = 0; i < log->nmsgs; i++) {
		const struct ics_msg *m = &log->msgs[i].m;

		if (m->proto != ICS_IEC104)
			continue;
		cr_assert(lt(sz, k, nwant), "message %zu in frame %llu beyond tshark's", k,
			  (unsigned long long)log->msgs[i].frame);
		cr_assert(eq(u64, log->msgs[i].frame, want[k].frame), "APDU %zu", k);
		cr_assert(eq(i64, m->function, want[k].function), "APDU %zu frame %llu", k,
			  (unsigned long long)want[k].frame);
		cr_assert(eq(i64, m->has_unit ? (long)m->unit : -1, want[k].unit), "APDU %zu", k);
		cr_assert(eq(i64, m->nseq && m->function != 0x200 ? (long)m->seq[0] : -1,
			     want[k].ns), "APDU %zu", k);
		cr_assert(eq(i64, m->nseq ? (long)m->seq[1] : -1, want[k].nr), "APDU %zu", k);
		if (want[k].from_2404 && want[k].unit > 0 && want[k].unit < 0xffff) {
			char v[24];

			snprintf(v, sizeof v, "%ld", want[k].unit);
			cr_assert(lt(sz, id, log->nidents));
			cr_assert(eq(u64, log->idents[id].frame, want[k].frame));
			cr_assert(eq(u8, log->idents[id].id.field, ICS_F_DEVICE_ID));
			cr_assert(same(log->idents[id].value, v));
			id++;
		}
		cr_assert(eq(u8, m->sender_role,
			     want[k].from_2404 ? ICS_ROLE_OUTSTATION : ICS_ROLE_MASTER),
			  "APDU %zu frame %llu", k, (unsigned long long)want[k].frame);
		k++;
	}
	cr_assert(eq(sz, k, nwant));
	cr_assert(eq(sz, id, log->nidents));
	cr_assert(eq(sz, k, apdus));
	cr_assert(eq(sz, nbad, malformed));
}

Test(iec104, corpus_iec104)
{
	struct ics_log log = { 0 };

	/* Captured mid-session: two common addresses behind one 2404 side,
	 * two ASDUs in frame 13, S formats from the outstation. */
	corpus_104("ics/iec104/IEC104.pcap", 8, 0, &log);
	for (size_t i = 0; i < log.nmsgs; i++)
		cr_assert(eq(u8, log.msgs[i].m.sender_role, ICS_ROLE_OUTSTATION));
	ics_log_free(&log);
}

Test(iec104, corpus_diverse)
{
	struct ics_log log = { 0 };

	/* Commands 45, 46, 50, 58, 59, 61, 63 act/con/term, interrogation,
	 * spontaneous and periodic data, TESTFR from the outstation. */
	corpus_104("ics/iec104/090813_diverse.pcap", 86, 0, &log);
	cr_assert(eq(sz, ics_log_count(&log, ICS_IEC104, 0x110), 2));
	ics_log_free(&log);
}

Test(iec104, corpus_test_dissect)
{
	struct ics_log log = { 0 };

	/* A dissector's test capture: noise between APDUs, APDUs split
	 * across segments, several in one segment, U format with two function
	 * bits (frame 36), S format of length 6 (frames 71, 75).  Nine APDUs
	 * tshark shows are malformed: lengths 2, 1, 2, 3 (frames 11, 16, 18,
	 * 23) and I formats of length 4, 6, 6, 8, 8 (frames 25, 41, 58, 83,
	 * 96). */
	corpus_104("ics/iec104/TestDissectIec104.pcap", 60, 9, &log);
	cr_assert(eq(sz, ics_log_count(&log, ICS_IEC104, 0x105), 1));
	cr_assert(eq(sz, ics_log_count(&log, ICS_IEC104, 45), 7));
	ics_log_free(&log);
}
