/*
 * test_goose.c - formats/ics/goose.c: IEC 61850-8-1 GOOSE frames built
 * byte by byte (header, BER goosePdu in short and long length forms,
 * simulation, bad tags and lengths, every truncation), and the real GOOSE
 * captures of the shared corpus against tshark's goose dissector.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdlib.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

#define BE true

extern const struct ics_dissector ics_goose;

TestSuite(goose);

/* ------------------------------------------------------------ builders */

/* X.690 8.1.3: a definite length, short form or the given long form. */
static void ber_len(struct bytes *b, size_t n, int long_octets)
{
	if (!long_octets && n < 0x80) {
		bytes_u8(b, (uint8_t)n);
		return;
	}
	bytes_u8(b, (uint8_t)(0x80 | long_octets));
	for (int i = long_octets - 1; i >= 0; i--)
		bytes_u8(b, (uint8_t)(n >> (8 * i)));
}

static void ber_tlv(struct bytes *b, uint8_t tag, const void *v, size_t n)
{
	bytes_u8(b, tag);
	ber_len(b, n, 0);
	bytes_put(b, v, n);
}

/* An INT32U the way 61850 publishers write it: minimal, with a leading
 * zero octet when the top bit is set (X.690 8.3.2). */
static void ber_u32(struct bytes *b, uint8_t tag, uint32_t v)
{
	uint8_t o[5] = { 0, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	size_t at = 1;

	while (at < 4 && o[at] == 0 && !(o[at + 1] & 0x80))
		at++;
	if (o[at] & 0x80)
		at--;
	ber_tlv(b, tag, o + at, 5 - at);
}

struct goose_frame {
	uint16_t appid, reserved1;
	const char *gocb_ref;
	uint32_t st_num, sq_num;
	bool simulation;
	int long_len;		/* octets of the goosePdu's long-form length, 0: short */
};

/* Where the interesting fields end, for the truncation tests. */
struct goose_marks {
	size_t gocb_end, sq_end;
};

static struct goose_marks goose_build(struct bytes *b, const struct goose_frame *f)
{
	static const uint8_t utc[8] = { 0x38, 0x6e, 0xbb, 0xf3, 0x42, 0x17, 0x28, 0x0a };
	static const uint8_t all_data[] = { 0x83, 1, 0, 0x84, 3, 3, 0, 0, 0x85, 2, 4, 0x9c };
	struct bytes pdu = { 0 };
	struct goose_marks k;
	size_t head;

	ber_tlv(&pdu, 0x80, f->gocb_ref, strlen(f->gocb_ref));
	k.gocb_end = pdu.len;
	ber_u32(&pdu, 0x81, 2000);
	ber_tlv(&pdu, 0x82, "IED1LD0/LLN0$dsTrip", 19);
	ber_tlv(&pdu, 0x83, "Q1_TRIP", 7);
	ber_tlv(&pdu, 0x84, utc, sizeof utc);
	ber_u32(&pdu, 0x85, f->st_num);
	ber_u32(&pdu, 0x86, f->sq_num);
	k.sq_end = pdu.len;
	ber_tlv(&pdu, 0x87, (const uint8_t[]){ f->simulation ? 0xff : 0 }, 1);
	ber_u32(&pdu, 0x88, 1);
	ber_tlv(&pdu, 0x89, (const uint8_t[]){ 0 }, 1);
	ber_u32(&pdu, 0x8a, 3);
	ber_tlv(&pdu, 0xab, all_data, sizeof all_data);

	head = 8 + 1 + (f->long_len ? 1 + (size_t)f->long_len : 1);
	bytes_u16(b, f->appid, BE);
	bytes_u16(b, (uint16_t)(head + pdu.len), BE);
	bytes_u16(b, f->reserved1, BE);
	bytes_u16(b, 0, BE);
	bytes_u8(b, 0x61);
	ber_len(b, pdu.len, f->long_len);
	bytes_put(b, pdu.p, pdu.len);
	bytes_free(&pdu);
	k.gocb_end += head;
	k.sq_end += head;
	return k;
}

static const struct goose_frame TRIP = {
	.appid = 0x3001, .gocb_ref = "AA1C1Q01A1LD0/LLN0$GO$gcb_A", .st_num = 7, .sq_num = 42,
};

static uint32_t run(const void *p, size_t n, struct ics_log *log)
{
	return ics_run_bytes(&ics_goose, NULL, -1, p, n, log);
}

/* ---------------------------------------------------------- hand-built */

Test(goose, reports_one_publication_with_state_and_sequence_numbers)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	const struct ics_logged_ident *name;
	const struct ics_msg *m;

	goose_build(&b, &TRIP);
	cr_assert(eq(u32, run(b.p, b.len, &log), (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	m = &log.msgs[0].m;
	cr_assert(eq(u8, m->proto, ICS_GOOSE));
	cr_assert(eq(u8, m->kind, ICS_KIND_PUBLISH));
	cr_assert(eq(u16, m->function, 0));
	cr_assert(eq(u8, m->actions, 0));
	cr_assert(not(m->exception));
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_PUBLISHER));
	cr_assert(eq(u8, m->receiver_role, ICS_ROLE_NONE));
	cr_assert(m->has_unit);
	cr_assert(eq(u32, m->unit, 0x3001));
	cr_assert(not(m->has_transaction));
	cr_assert(eq(u8, m->nseq, 2));
	cr_assert(eq(u32, m->seq[0], 7));
	cr_assert(eq(u32, m->seq[1], 42));
	cr_assert(eq(sz, log.nidents, 1));
	name = ics_log_ident(&log, ICS_GOOSE, ICS_F_NAME);
	cr_assert(name != NULL);
	cr_assert(eq(u8, name->id.subject, ICS_SUBJECT_SENDER));
	cr_assert(same(name->value, "AA1C1Q01A1LD0/LLN0$GO$gcb_A"));
	cr_assert(same(ics_function_name(ICS_GOOSE, 0), "goose"));
	cr_assert(same(ics_function_name(ICS_GOOSE, 1), "goose_simulated"));
	cr_assert(same(ics_function_name(ICS_GOOSE, 2), NULL));
	ics_log_free(&log);
	bytes_free(&b);
}

/* The Ed.2 Simulate bit and the [7] BOOLEAN each mark a simulated frame. */
Test(goose, reports_simulated_frames_as_function_1)
{
	struct goose_frame bit = TRIP, flag = TRIP, other_bits = TRIP;
	struct bytes b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
	struct ics_log log = { 0 };

	bit.reserved1 = 0x8000;
	flag.simulation = true;
	other_bits.reserved1 = 0x7fff;
	goose_build(&b1, &bit);
	goose_build(&b2, &flag);
	goose_build(&b3, &other_bits);
	run(b1.p, b1.len, &log);
	run(b2.p, b2.len, &log);
	run(b3.p, b3.len, &log);
	cr_assert(eq(sz, log.nmsgs, 3));
	cr_assert(eq(u16, log.msgs[0].m.function, 1));
	cr_assert(eq(u16, log.msgs[1].m.function, 1));
	cr_assert(eq(u16, log.msgs[2].m.function, 0));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_PUBLISH));
	cr_assert(eq(u8, log.msgs[0].m.actions, 0));
	ics_log_free(&log);
	bytes_free(&b1);
	bytes_free(&b2);
	bytes_free(&b3);
}

/* Long-form lengths of one to four octets; stNum/sqNum at 0 and at
 * 2^32-1 (five octets with a leading zero). */
Test(goose, reads_long_form_lengths_and_full_range_counters)
{
	struct ics_log log = { 0 };

	for (int octets = 0; octets <= 4; octets++) {
		struct goose_frame f = TRIP;
		struct bytes b = { 0 };

		f.long_len = octets;
		f.st_num = octets % 2 ? UINT32_MAX : 0;
		f.sq_num = octets % 2 ? 0 : UINT32_MAX;
		goose_build(&b, &f);
		run(b.p, b.len, &log);
		bytes_free(&b);
	}
	cr_assert(eq(sz, log.nmsgs, 5));
	cr_assert(eq(u32, log.msgs[1].m.seq[0], UINT32_MAX));
	cr_assert(eq(u32, log.msgs[1].m.seq[1], 0));
	cr_assert(eq(u32, log.msgs[4].m.seq[0], 0));
	cr_assert(eq(u32, log.msgs[4].m.seq[1], UINT32_MAX));
	ics_log_free(&log);
}

/* Ethernet padding after the APDU is not read, and an APDU shorter than
 * its Length field says ends where the field says. */
Test(goose, reads_only_the_length_the_header_declares)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	struct goose_marks k = goose_build(&b, &TRIP);
	size_t whole = b.len;

	bytes_zeros(&b, 20);	/* padding */
	cr_assert(eq(u32, run(b.p, b.len, &log), (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	/* Length says the APDU ends one octet before sqNum does. */
	b.p[2] = (uint8_t)((k.sq_end - 1) >> 8);
	b.p[3] = (uint8_t)(k.sq_end - 1);
	run(b.p, whole, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 2));	/* gocbRef still whole */
	ics_log_free(&log);
	bytes_free(&b);
}

struct bad_case {
	const char *why;
	size_t at;		/* overwrite here ... */
	uint8_t value;		/* ... with this */
	size_t msgs, idents;
};

/* One octet changed at a time. */
Test(goose, refuses_what_is_not_a_goose_pdu)
{
	struct bytes b = { 0 };
	struct goose_marks k = goose_build(&b, &TRIP);
	const struct bad_case cases[] = {
		{ "Length below the 8-octet header", 3, 7, 0, 0 },
		{ "Length 0", 3, 0, 0, 0 },
		{ "gseMngtPdu [APPLICATION 0]", 8, 0x60, 0, 0 },
		{ "a primitive [APPLICATION 1]", 8, 0x41, 0, 0 },
		{ "a universal SEQUENCE", 8, 0x30, 0, 0 },
		{ "indefinite length", 9, 0x80, 0, 0 },
		{ "length of length 5", 9, 0x85, 0, 0 },
		{ "gocbRef with a constructed tag", 10, 0xa0, 1, 0 },
		{ "stNum negative", k.sq_end - 4, 0x80, 0, 1 },
		{ "sqNum of 0 octets", k.sq_end - 2, 0, 0, 1 },
		{ "sqNum as [7]", k.sq_end - 3, 0x87, 0, 1 },
	};

	cr_assert(eq(u8, b.p[k.sq_end - 3], 0x86));	/* sqNum tag, 1 octet */
	cr_assert(eq(u8, b.p[k.sq_end - 6], 0x85));	/* stNum tag, 1 octet */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct bad_case *c = &cases[i];
		uint8_t saved = b.p[c->at];
		struct ics_log log = { 0 };

		b.p[c->at] = c->value;
		cr_assert(eq(u32, run(b.p, b.len, &log), (uint32_t)b.len), "%s", c->why);
		cr_assert(eq(sz, log.nmsgs, c->msgs), "%s", c->why);
		cr_assert(eq(sz, log.nidents, c->idents), "%s", c->why);
		b.p[c->at] = saved;
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/*
 * A frame cut after n octets: the message only once sqNum is whole, with
 * the right numbers; the name only once gocbRef is whole; all bytes
 * consumed (EtherType: nothing is kept for a next segment).
 */
Test(goose, truncated_at_every_octet_reports_only_whole_fields)
{
	struct bytes b = { 0 };
	struct goose_marks k = goose_build(&b, &TRIP);

	for (size_t n = 0; n < b.len; n++) {
		struct ics_log log = { 0 };

		cr_assert(eq(u32, run(b.p, n, &log), (uint32_t)n));
		cr_assert(eq(sz, log.nmsgs, n >= k.sq_end ? 1 : 0), "n=%zu", n);
		cr_assert(eq(sz, log.nidents, n >= k.gocb_end ? 1 : 0), "n=%zu", n);
		if (log.nmsgs) {
			cr_assert(eq(u32, log.msgs[0].m.seq[0], 7));
			cr_assert(eq(u32, log.msgs[0].m.seq[1], 42));
		}
		if (log.nidents)
			cr_assert(same(log.idents[0].value, TRIP.gocb_ref));
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/* ---------------------------------------------------------------- corpus */

enum { T_APPID = 1, T_ST, T_SQ, T_GOCB, T_SIM, T_SBIT, T_NFIELDS = T_SBIT };

static bool tshark_true(const char *cell)
{
	return !strcmp(cell, "1") || !strcmp(cell, "True");
}

/*
 * Every GOOSE frame tshark decodes gives one message with its APPID,
 * stNum and sqNum, in the same frame, and its gocbRef as the sender's
 * name; simulated frames (either flag) are function 1.
 */
static void compare_with_tshark(const char *rel, size_t frames)
{
	static const char *const fields[T_NFIELDS] = {
		"goose.appid", "goose.stNum", "goose.sqNum", "goose.gocbRef",
		"goose.simulation", "goose.reserve1.s_bit",
	};
	const char *path = corpus_file(rel);
	struct tshark_rows t;
	struct ics_log log = { 0 };
	size_t simulated = 0;

	cr_assert(ics_run_file(path, &log));
	cr_assert(eq(sz, log.nmsgs, frames), "%s: only GOOSE", rel);
	cr_assert(eq(sz, ics_log_count(&log, ICS_GOOSE, -1), frames), "%s", rel);
	cr_assert(tshark_fields(path, "goose", NULL, fields, T_NFIELDS, &t));
	cr_assert(eq(sz, t.nrows, frames), "%s: tshark", rel);
	cr_assert(eq(sz, log.nidents, frames), "%s: one name a frame", rel);
	for (size_t i = 0; i < t.nrows; i++) {
		const struct ics_msg *m = &log.msgs[i].m;
		uint64_t frame = strtoull(tshark_cell(&t, i, 0), NULL, 10);

		cr_assert(eq(u64, log.msgs[i].frame, frame), "%s row %zu", rel, i);
		cr_assert(eq(u32, m->unit, (uint32_t)strtoul(tshark_cell(&t, i, T_APPID), NULL, 0)),
			  "%s frame %llu", rel, (unsigned long long)frame);
		cr_assert(eq(u32, m->seq[0], (uint32_t)strtoul(tshark_cell(&t, i, T_ST), NULL, 10)),
			  "%s frame %llu", rel, (unsigned long long)frame);
		cr_assert(eq(u32, m->seq[1], (uint32_t)strtoul(tshark_cell(&t, i, T_SQ), NULL, 10)),
			  "%s frame %llu", rel, (unsigned long long)frame);
		cr_assert(eq(u64, log.idents[i].frame, frame));
		cr_assert(same(log.idents[i].value, tshark_cell(&t, i, T_GOCB)));
		simulated += tshark_true(tshark_cell(&t, i, T_SIM)) ||
			     tshark_true(tshark_cell(&t, i, T_SBIT));
	}
	cr_assert(eq(sz, ics_log_count(&log, ICS_GOOSE, 1), simulated), "%s", rel);
	cr_assert(eq(sz, ics_log_count(&log, ICS_GOOSE, 0), frames - simulated), "%s", rel);
	tshark_rows_free(&t);
	ics_log_free(&log);
}

Test(goose, small_sample_matches_tshark)
{
	compare_with_tshark("ics/iec61850/GOOSE.pcap", 8);
}

/* Priority-tagged (VLAN 0) frames from three IEDs. */
Test(goose, three_publishers_match_tshark)
{
	compare_with_tshark("ics/iec61850/Sample_File_GOOSE.pcap", 451);
}

/* GOOSE among MMS, SNMP and others: only the GOOSE frames give messages
 * of this protocol (the SNMP ones are test_snmp's). */
Test(goose, goose_beside_mms_matches_tshark)
{
	const char *path = corpus_file("ics/iec61850/Sample_File_MMS_and_GOOSE.pcap");
	static const char *const fields[] = { "goose.stNum", "goose.sqNum", "goose.gocbRef" };
	struct tshark_rows t;
	struct ics_log log = { 0 };
	size_t k = 0;

	cr_assert(tshark_fields(path, "goose", NULL, fields, 3, &t));
	cr_assert(ics_run_file(path, &log));
	cr_assert(eq(sz, t.nrows, 34));
	cr_assert(eq(sz, ics_log_count(&log, ICS_GOOSE, 0), 34));
	for (size_t i = 0; i < log.nmsgs; i++) {
		const struct ics_msg *m = &log.msgs[i].m;

		if (m->proto != ICS_GOOSE)
			continue;
		cr_assert(eq(u64, log.msgs[i].frame, strtoull(tshark_cell(&t, k, 0), NULL, 10)));
		cr_assert(eq(u32, m->seq[0], (uint32_t)strtoul(tshark_cell(&t, k, 1), NULL, 10)));
		cr_assert(eq(u32, m->seq[1], (uint32_t)strtoul(tshark_cell(&t, k, 2), NULL, 10)));
		k++;
	}
	cr_assert(eq(sz, k, 34));
	tshark_rows_free(&t);
	ics_log_free(&log);
}

/*
 * malformed/GOOSE_truncated.pcap: a whole frame (147 octets captured of
 * 147) whose Length says 145 and goosePdu 134 octets while 133 and 125
 * follow: the BER runs out inside allData.  tshark shows every field up to
 * numDatSetEntries and then "Malformed Packet"; the message is reported
 * from those whole fields (stNum 1, sqNum 10), nothing from allData.
 */
Test(goose, truncated_pdu_in_the_corpus_reports_its_whole_fields)
{
	compare_with_tshark("malformed/GOOSE_truncated.pcap", 1);
}
