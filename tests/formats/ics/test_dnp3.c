/*
 * test_dnp3.c - formats/ics/dnp3.c: link frames and CRCs, transport
 * segments put together (TCP return contract, datagrams), the application
 * header, actions, IIN exceptions, device attributes, detection; and the
 * corpus of real captures against tshark.
 *
 * Frames are built here with the CRC of IEEE 1815-2012 9.2 written out
 * below (the textbook bitwise loop), never with the code under test.
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

#define LE false

extern const struct ics_dissector ics_dnp3;

TestSuite(dnp3);

static const struct tp_packet TCP = { .ip_version = 4, .ip_proto = 6, .sport = 50201, .dport = 20000 };
static const struct tp_packet UDP = { .ip_version = 4, .ip_proto = 17, .sport = 50201, .dport = 20000 };

#define MASTER		1
#define OUTSTATION	10
#define CTL_MASTER	0xc4	/* DIR, PRM, unconfirmed user data */
#define CTL_OUTSTATION	0x44	/* PRM, unconfirmed user data */

static uint16_t ref_crc(const uint8_t *p, size_t n)
{
	unsigned crc = 0;

	for (size_t i = 0; i < n; i++)
		for (int k = 0, b = p[i]; k < 8; k++, b >>= 1)
			crc = ((crc ^ (unsigned)b) & 1u) ? (crc >> 1) ^ 0xa6bcu : crc >> 1;
	return (uint16_t)~crc;
}

/* A link frame around n octets of user data. */
static void link_frame(struct bytes *b, uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *user,
		       size_t n)
{
	size_t at = b->len;

	bytes_u8(b, 0x05);
	bytes_u8(b, 0x64);
	bytes_u8(b, (uint8_t)(5 + n));
	bytes_u8(b, ctrl);
	bytes_u16(b, dst, LE);
	bytes_u16(b, src, LE);
	bytes_u16(b, ref_crc(b->p + at, 8), LE);
	for (size_t i = 0; i < n; i += 16) {
		size_t k = n - i < 16 ? n - i : 16;

		bytes_put(b, user + i, k);
		bytes_u16(b, ref_crc(user + i, k), LE);
	}
}

/* A transport segment (header th) of app octets in one frame. */
static void segment(struct bytes *b, bool from_master, uint8_t th, const uint8_t *app, size_t n)
{
	uint8_t user[250];

	cr_assert(le(sz, n, 249));
	user[0] = th;
	if (n)
		memcpy(user + 1, app, n);
	link_frame(b, from_master ? CTL_MASTER : CTL_OUTSTATION, from_master ? OUTSTATION : MASTER,
		   from_master ? MASTER : OUTSTATION, user, n + 1);
}

/* A whole fragment in one segment: FIR, FIN, transport sequence tseq. */
static void single(struct bytes *b, bool from_master, uint8_t tseq, const uint8_t *app, size_t n)
{
	segment(b, from_master, (uint8_t)(0xc0 | tseq), app, n);
}

static void run(const struct tp_packet *pkt, const struct bytes *b, size_t n, struct ics_log *log,
		uint32_t want_used)
{
	cr_assert(eq(u32, ics_run_bytes(&ics_dnp3, pkt, -1, b->p, n, log), want_used));
}

/* The single message of a fragment sent in one frame. */
static struct ics_msg one(bool from_master, const uint8_t *app, size_t n)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	struct ics_msg m;

	single(&b, from_master, 5, app, n);
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 1));
	m = log.msgs[0].m;
	ics_log_free(&log);
	bytes_free(&b);
	return m;
}

/* ---- application messages ---- */

Test(dnp3, read_request_fields_roles_and_sender_address)
{
	static const uint8_t app[] = { 0xc3, 0x01, 60, 1, 0x06 };	/* read class 0 */
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	struct ics_msg m;

	single(&b, true, 17, app, sizeof app);
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 1));
	m = log.msgs[0].m;
	cr_assert(eq(u8, m.proto, ICS_DNP3));
	cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u16, m.function, 1));
	cr_assert(eq(u8, m.actions, ICS_ACT_READ));
	cr_assert(not(m.exception));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_MASTER));
	cr_assert(eq(u8, m.receiver_role, ICS_ROLE_OUTSTATION));
	cr_assert(m.has_transaction);
	cr_assert(eq(u32, m.transaction, 3));
	cr_assert(m.has_unit);
	cr_assert(eq(u32, m.unit, OUTSTATION));
	cr_assert(eq(u8, m.nseq, 2));
	cr_assert(eq(u32, m.seq[0], 17));
	cr_assert(eq(u32, m.seq[1], 3));
	cr_assert(eq(sz, log.nidents, 1));
	cr_assert(eq(u8, log.idents[0].id.field, ICS_F_DEVICE_ID));
	cr_assert(eq(u8, log.idents[0].id.subject, ICS_SUBJECT_SENDER));
	cr_assert(eq(str, log.idents[0].value, "1"));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(dnp3, response_and_unsolicited_come_from_the_outstation)
{
	static const uint8_t rsp[] = { 0xc3, 0x81, 0x00, 0x00 };
	static const uint8_t uns[] = { 0xf4, 0x82, 0x00, 0x00, 32, 2, 0x17, 1, 0, 1, 0x10, 0 };
	struct ics_msg m = one(false, rsp, sizeof rsp);

	cr_assert(eq(u8, m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u16, m.function, 129));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_OUTSTATION));
	cr_assert(eq(u8, m.receiver_role, ICS_ROLE_MASTER));
	cr_assert(eq(u32, m.unit, MASTER));
	cr_assert(eq(u8, m.actions, 0));
	m = one(false, uns, sizeof uns);
	cr_assert(eq(u8, m.kind, ICS_KIND_UNSOLICITED));
	cr_assert(eq(u16, m.function, 130));
	cr_assert(eq(u32, m.seq[1], 4));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_OUTSTATION));
}

Test(dnp3, confirm_roles_follow_the_dir_bit)
{
	static const uint8_t con[] = { 0xd4, 0x00 };
	struct ics_msg m = one(true, con, sizeof con);

	cr_assert(eq(u8, m.kind, ICS_KIND_OTHER));
	cr_assert(eq(u16, m.function, 0));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_MASTER));
	m = one(false, con, sizeof con);
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_OUTSTATION));
	cr_assert(eq(u8, m.receiver_role, ICS_ROLE_MASTER));
}

/* 4.2.2.7: IIN2.0-2.2 are errors; IIN1 and the other IIN2 bits are not. */
Test(dnp3, iin2_error_bits_make_an_exception)
{
	static const uint8_t iin[][2] = { { 0x00, 0x01 }, { 0x00, 0x02 }, { 0x00, 0x04 },
					  { 0x00, 0x06 }, { 0xff, 0x00 }, { 0x00, 0x08 },
					  { 0x00, 0x10 }, { 0x00, 0x20 } };
	static const bool want[] = { true, true, true, true, false, false, false, false };

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		uint8_t rsp[] = { 0xc0, 0x81, iin[i][0], iin[i][1] };
		uint8_t uns[] = { 0xf0, 0x82, iin[i][0], iin[i][1] };

		cr_assert(eq(int, one(false, rsp, sizeof rsp).exception, want[i]), "case %zu", i);
		cr_assert(eq(int, one(false, uns, sizeof uns).exception, want[i]), "case %zu", i);
	}
}

struct action_case {
	uint8_t app[40];
	size_t n;
	uint8_t actions;
};

/* g70v3 file command of mode m, qualifier 0x5b: count 1, object size 26. */
#define OPEN_FILE(m)                                                                      \
	{ 0xc1, 25, 70, 3, 0x5b, 1, 26, 0, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
	  0, 0, 0, 0, m, 0, 0, 1, 1, 0 }

static const struct action_case ACTIONS[] = {
	{ { 0xc1, 2, 80, 1, 0x00, 7, 7, 0 }, 8, ICS_ACT_WRITE },	/* clear restart IIN */
	{ { 0xc1, 2, 70, 5, 0x5b, 1, 8, 0 }, 8, ICS_ACT_WRITE | ICS_ACT_PROGRAM },
	{ { 0xc1, 3, 12, 1, 0x17, 1, 0 }, 7, ICS_ACT_CONTROL },
	{ { 0xc1, 4, 12, 1, 0x17, 1, 0 }, 7, ICS_ACT_CONTROL },
	{ { 0xc1, 5, 12, 1, 0x17, 1, 0 }, 7, ICS_ACT_CONTROL },
	{ { 0xc1, 6, 41, 2, 0x17, 1, 0 }, 7, ICS_ACT_CONTROL },
	{ { 0xc1, 7, 20, 0, 0x06 }, 5, 0 },					/* freeze */
	{ { 0xc1, 9, 20, 0, 0x06 }, 5, ICS_ACT_WRITE },				/* freeze, clear */
	{ { 0xc1, 13 }, 2, ICS_ACT_STOPSTART },
	{ { 0xc1, 14 }, 2, ICS_ACT_STOPSTART },
	{ { 0xc1, 16 }, 2, ICS_ACT_STOPSTART },
	{ { 0xc1, 17 }, 2, ICS_ACT_STOPSTART },
	{ { 0xc1, 18 }, 2, ICS_ACT_STOPSTART },
	{ { 0xc1, 20, 60, 2, 0x06 }, 5, ICS_ACT_WRITE },
	{ { 0xc1, 21, 60, 2, 0x06 }, 5, ICS_ACT_WRITE },
	{ { 0xc1, 22 }, 2, ICS_ACT_WRITE },
	{ { 0xc1, 23 }, 2, 0 },							/* delay measure */
	{ OPEN_FILE(1), 34, ICS_ACT_READ },
	{ OPEN_FILE(2), 34, ICS_ACT_WRITE | ICS_ACT_PROGRAM },
	{ OPEN_FILE(3), 34, ICS_ACT_WRITE | ICS_ACT_PROGRAM },
	{ OPEN_FILE(0), 34, 0 },
	{ OPEN_FILE(2), 29, 0 },						/* mode cut off */
	{ { 0xc1, 25, 70, 2, 0x5b }, 5, 0 },					/* not a command */
	{ { 0xc1, 26, 70, 4, 0x5b }, 5, 0 },					/* close */
	{ { 0xc1, 27, 70, 3, 0x5b }, 5, ICS_ACT_WRITE | ICS_ACT_PROGRAM },	/* delete */
	{ { 0xc1, 28, 70, 3, 0x5b }, 5, ICS_ACT_READ },				/* file info */
	{ { 0xc1, 31, 70, 8, 0x5b }, 5, ICS_ACT_WRITE | ICS_ACT_PROGRAM },	/* activate */
	{ { 0xc1, 33 }, 2, 0 },							/* auth, no ack */
	{ { 0xc1, 100 }, 2, 0 },						/* undefined */
};

Test(dnp3, request_actions_by_function_and_file_mode)
{
	for (size_t i = 0; i < sizeof ACTIONS / sizeof ACTIONS[0]; i++) {
		struct ics_msg m = one(true, ACTIONS[i].app, ACTIONS[i].n);

		cr_assert(eq(u16, m.function, ACTIONS[i].app[1]), "case %zu", i);
		cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST), "case %zu", i);
		cr_assert(eq(u8, m.actions, ACTIONS[i].actions), "case %zu", i);
	}
}

Test(dnp3, cut_application_header_gives_no_message)
{
	static const uint8_t ac_only[] = { 0xc0 };
	static const uint8_t rsp_no_iin[] = { 0xc0, 0x81, 0x00 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	single(&b, true, 0, ac_only, sizeof ac_only);
	single(&b, false, 0, rsp_no_iin, sizeof rsp_no_iin);
	single(&b, false, 1, NULL, 0);	/* transport header alone */
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 0));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- device attributes (group 0) ---- */

/* Appends a g0 attribute object: qualifier 0x00 start = stop = 0. */
static void attribute(struct bytes *b, uint8_t variation, uint8_t type, const char *value)
{
	bytes_u8(b, 0);
	bytes_u8(b, variation);
	bytes_u8(b, 0x00);
	bytes_u8(b, 0);
	bytes_u8(b, 0);
	bytes_u8(b, type);
	bytes_u8(b, (uint8_t)strlen(value));
	bytes_put(b, value, strlen(value));
}

/* The objects of a response to a read of g0v254. */
static void attributes(struct bytes *b)
{
	attribute(b, 252, 1, "SEL");
	attribute(b, 250, 1, "SEL-3505 RTAC");
	attribute(b, 243, 1, "rev B");		/* hardware version: no field */
	attribute(b, 242, 1, "R148-V2");
	attribute(b, 248, 2, "1234");		/* not a visible string */
	attribute(b, 247, 1, "rtu-dnp3");
}

static void assert_ident(const struct ics_log *log, enum ics_field f, const char *want)
{
	const struct ics_logged_ident *id = ics_log_ident(log, ICS_DNP3, f);

	cr_assert(ne(ptr, (void *)id, NULL), "no %s", ics_field_name(f));
	cr_assert(eq(str, (char *)id->value, (char *)want));
	cr_assert(eq(u8, id->id.subject, ICS_SUBJECT_SENDER));
}

Test(dnp3, device_attributes_are_identities_of_the_outstation)
{
	static const uint8_t head[] = { 0xc2, 0x81, 0x00, 0x00 };
	static const uint8_t after[] = { 30, 2, 0x00, 0, 0, 1, 0, 0,	/* g30v2: stops the walk */
					 0, 252, 0x00, 0, 0, 1, 1, 'X' };
	struct bytes app = { 0 }, b = { 0 };
	struct ics_log log = { 0 };

	bytes_put(&app, head, sizeof head);
	attributes(&app);
	bytes_put(&app, after, sizeof after);
	single(&b, false, 3, app.p, app.len);
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 5));	/* device id and four attributes */
	assert_ident(&log, ICS_F_DEVICE_ID, "10");
	assert_ident(&log, ICS_F_VENDOR, "SEL");
	assert_ident(&log, ICS_F_MODEL, "SEL-3505 RTAC");
	assert_ident(&log, ICS_F_FIRMWARE, "R148-V2");
	assert_ident(&log, ICS_F_NAME, "rtu-dnp3");
	ics_log_free(&log);
	bytes_free(&app);
	bytes_free(&b);
}

Test(dnp3, device_attribute_counts_and_lengths_are_bounded)
{
	/* Qualifier 0x01 range 0..0xfffe: one object there, then one whose
	 * length overruns; then a 4-octet count qualifier of 2^32-1. */
	static const uint8_t app[] = { 0xc2, 0x81, 0, 0, 0, 252, 0x01, 0, 0, 0xfe, 0xff,
				       1, 2, 'A', 'B', 1, 200, 'C' };
	static const uint8_t app2[] = { 0xc2, 0x81, 0, 0, 0, 247, 0x09, 0xff, 0xff, 0xff, 0xff,
					1, 1, 'n' };
	static const uint8_t bad_range[] = { 0xc2, 0x81, 0, 0, 0, 252, 0x00, 5, 4, 1, 1, 'Z' };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	single(&b, false, 1, app, sizeof app);
	single(&b, false, 2, app2, sizeof app2);
	single(&b, false, 3, bad_range, sizeof bad_range);
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 3));
	cr_assert(eq(sz, log.nidents, 5));
	assert_ident(&log, ICS_F_VENDOR, "AB");
	assert_ident(&log, ICS_F_NAME, "n");
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- link frames ---- */

Test(dnp3, link_frames_without_data_are_messages_of_their_own)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	link_frame(&b, 0xc9, OUTSTATION, MASTER, NULL, 0);	/* request link status */
	link_frame(&b, 0x0b, MASTER, OUTSTATION, NULL, 0);	/* link status */
	link_frame(&b, 0x01, MASTER, OUTSTATION, NULL, 0);	/* NACK */
	link_frame(&b, 0x0f, MASTER, OUTSTATION, NULL, 0);	/* not supported */
	link_frame(&b, 0xc0, OUTSTATION, MASTER, NULL, 0);	/* reset link states */
	link_frame(&b, 0x00, MASTER, OUTSTATION, NULL, 0);	/* ACK */
	link_frame(&b, 0x44, MASTER, OUTSTATION, NULL, 0);	/* user data, empty */
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 7));
	cr_assert(eq(u16, log.msgs[0].m.function, 0x109));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_MASTER));
	cr_assert(eq(u32, log.msgs[0].m.unit, OUTSTATION));
	cr_assert(not(log.msgs[0].m.has_transaction));
	cr_assert(eq(u8, log.msgs[0].m.nseq, 0));
	cr_assert(eq(u16, log.msgs[1].m.function, 0x11b));
	cr_assert(eq(u8, log.msgs[1].m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, log.msgs[1].m.sender_role, ICS_ROLE_OUTSTATION));
	cr_assert(not(log.msgs[1].m.exception));
	cr_assert(log.msgs[2].m.exception);
	cr_assert(log.msgs[3].m.exception);
	cr_assert(eq(u16, log.msgs[4].m.function, 0x100));
	cr_assert(eq(u16, log.msgs[5].m.function, 0x110));
	cr_assert(not(log.msgs[5].m.exception));
	cr_assert(eq(u16, log.msgs[6].m.function, 0x104));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DNP3, 0x109), "link_request_link_status"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DNP3, 0x11b), "link_status"));
	cr_assert(eq(sz, log.nidents, 7));
	ics_log_free(&log);
	bytes_free(&b);
}

/* User data of 5 to 250 octets, around the 16-octet block boundaries: one
 * message each, the frame consumed whole; a bad CRC in the last block
 * drops the frame. */
Test(dnp3, user_data_lengths_up_to_the_maximum)
{
	static const size_t sizes[] = { 5, 15, 16, 17, 32, 33, 249, 250 };
	uint8_t app[249] = { 0xc0, 0x81, 0x00, 0x00 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t user = sizes[i], blocks = (user + 15) / 16;
		struct bytes b = { 0 };
		struct ics_log log = { 0 };

		single(&b, false, 1, app, user - 1);
		cr_assert(eq(sz, b.len, 10 + user + 2 * blocks));
		run(&TCP, &b, b.len, &log, (uint32_t)b.len);
		cr_assert(eq(sz, log.nmsgs, 1), "user data %zu", user);
		ics_log_free(&log);
		b.p[b.len - 3] ^= 0x80;
		run(&TCP, &b, b.len, &log, (uint32_t)b.len);
		cr_assert(eq(sz, log.nmsgs, 0), "user data %zu", user);
		ics_log_free(&log);
		bytes_free(&b);
	}
}

Test(dnp3, bad_header_crc_or_start_or_length_is_not_dnp3)
{
	static const uint8_t app[] = { 0xc0, 0x01 };
	struct bytes good = { 0 };

	single(&good, true, 0, app, sizeof app);
	for (size_t at = 0; at < 10; at++) {
		struct bytes b = { 0 };
		struct ics_log log = { 0 };

		bytes_put(&b, good.p, good.len);
		bytes_put(&b, good.p, good.len);
		b.p[at] ^= 0x10;	/* start, length, control, addresses or CRC */
		run(&TCP, &b, b.len, &log, (uint32_t)b.len);
		cr_assert(eq(sz, log.nmsgs, 0), "octet %zu", at);
		ics_log_free(&log);
		bytes_free(&b);
	}
	bytes_free(&good);
}

Test(dnp3, length_below_five_is_not_dnp3)
{
	uint8_t hdr[10] = { 0x05, 0x64, 4, 0xc9, 10, 0, 1, 0 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	uint16_t crc = ref_crc(hdr, 8);

	hdr[8] = (uint8_t)crc;
	hdr[9] = (uint8_t)(crc >> 8);
	bytes_put(&b, hdr, sizeof hdr);
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 0));
	cr_assert(not(ics_dnp3.detect(hdr, sizeof hdr, true)));
	/* Cut after the length octet: already known bad, nothing kept. */
	run(&TCP, &b, 3, &log, 3);
	ics_log_free(&log);
	bytes_free(&b);
}

Test(dnp3, bad_data_crc_drops_that_frame_only)
{
	static const uint8_t app[] = { 0xc0, 0x01, 60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06,
				       60, 1, 0x06, 0, 0, 0, 0 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	single(&b, true, 0, app, sizeof app);	/* two data blocks */
	single(&b, true, 1, app, sizeof app);
	b.p[10 + 16 + 2] ^= 0x01;		/* second block of the first frame */
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u32, log.msgs[0].m.seq[0], 1));
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- fragments over several frames ---- */

/* A response of three segments (tseq 62, 63, 0: the sequence wraps); the
 * attributes sit in the second and third.  ends[] after each frame. */
static void three_segments(struct bytes *b, size_t ends[3])
{
	static const uint8_t head[] = { 0xc9, 0x81, 0x00, 0x00 };
	struct bytes app = { 0 };

	bytes_put(&app, head, sizeof head);
	attributes(&app);
	cr_assert(gt(sz, app.len, 4 + 16));
	segment(b, false, 0x40 | 62, app.p, 4);
	ends[0] = b->len;
	segment(b, false, 63, app.p + 4, 16);
	ends[1] = b->len;
	segment(b, false, 0x80, app.p + 20, app.len - 20);
	ends[2] = b->len;
	bytes_free(&app);
}

Test(dnp3, fragment_over_tcp_segments_is_kept_until_its_fin)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t end[3];

	three_segments(&b, end);
	run(&TCP, &b, end[0], &log, 0);
	run(&TCP, &b, end[1], &log, 0);
	run(&TCP, &b, end[2] - 1, &log, 0);
	cr_assert(eq(sz, log.nmsgs, 0));
	run(&TCP, &b, end[2], &log, (uint32_t)end[2]);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u16, log.msgs[0].m.function, 129));
	cr_assert(eq(u32, log.msgs[0].m.seq[0], 0));	/* the FIN segment's */
	cr_assert(eq(u32, log.msgs[0].m.seq[1], 9));
	cr_assert(eq(sz, log.nidents, 5));
	assert_ident(&log, ICS_F_NAME, "rtu-dnp3");
	ics_log_free(&log);
	bytes_free(&b);
}

Test(dnp3, fragment_in_datagrams_is_counted_at_its_first_segment)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t end[3];

	three_segments(&b, end);
	run(&UDP, &b, end[0], &log, (uint32_t)end[0]);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u32, log.msgs[0].m.seq[0], 62));
	cr_assert(eq(sz, log.nidents, 1));	/* no attribute in the first segment */
	ics_log_free(&log);
	/* The next datagrams continue it: no message of their own. */
	run(&UDP, &(struct bytes){ b.p + end[0], end[1] - end[0], 0 }, end[1] - end[0], &log,
	    (uint32_t)(end[1] - end[0]));
	run(&UDP, &(struct bytes){ b.p + end[1], end[2] - end[1], 0 }, end[2] - end[1], &log,
	    (uint32_t)(end[2] - end[1]));
	cr_assert(eq(sz, log.nmsgs, 0));
	/* A datagram holding all three is one fragment. */
	run(&UDP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 5));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(dnp3, other_stations_and_link_frames_between_segments_are_stepped_over)
{
	static const uint8_t first[] = { 0xc1, 0x81, 0, 0 };
	static const uint8_t rest[] = { 1, 2, 0x00, 0, 0, 0x81 };
	static const uint8_t other[] = { 0xc5, 0x01 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	segment(&b, false, 0x40 | 7, first, sizeof first);
	link_frame(&b, 0x49, MASTER, OUTSTATION, NULL, 0);	/* link status request */
	{
		uint8_t user[3] = { 0xc0 | 20, other[0], other[1] };

		link_frame(&b, CTL_OUTSTATION, 3, 4, user, 3);	/* 4 -> 3: another pair */
	}
	segment(&b, false, 0x80 | 8, rest, sizeof rest);
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 3));
	cr_assert(eq(u16, log.msgs[0].m.function, 129));	/* counted at its first frame */
	cr_assert(eq(u32, log.msgs[0].m.seq[0], 8));
	cr_assert(eq(u16, log.msgs[1].m.function, 0x109));
	cr_assert(eq(u16, log.msgs[2].m.function, 1));
	cr_assert(eq(u32, log.msgs[2].m.unit, 3));
	ics_log_free(&log);
	bytes_free(&b);
}

/* The FIN is looked for through 64 KiB of frames: past that the fragment
 * is counted from its first segment, and nothing is kept. */
Test(dnp3, fragment_whose_fin_is_far_is_counted_from_its_first_segment)
{
	static const uint8_t first[] = { 0xc1, 0x81, 0, 0 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t links = 65536 / 10 + 1;

	segment(&b, false, 0x40 | 7, first, sizeof first);
	for (size_t i = 0; i < links; i++)
		link_frame(&b, 0x49, 3, 4, NULL, 0);
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 1 + links));
	cr_assert(eq(u16, log.msgs[0].m.function, 129));
	cr_assert(eq(u32, log.msgs[0].m.seq[0], 7));
	ics_log_free(&log);
	/* Within the span, the bytes are kept waiting for the FIN. */
	run(&TCP, &b, b.len - 20, &log, 0);
	cr_assert(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(dnp3, broken_off_fragments_are_not_counted)
{
	static const uint8_t app[] = { 0xc1, 0x81, 0, 0 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	segment(&b, false, 0x40 | 1, app, sizeof app);	/* FIR ... */
	segment(&b, false, 0x40 | 2, app, sizeof app);	/* ... a new FIR: the first is dropped */
	segment(&b, false, 0x80 | 4, app, sizeof app);	/* sequence 4, not 3: dropped too */
	segment(&b, false, 0x80 | 5, app, sizeof app);	/* FIN without FIR: continuation */
	segment(&b, false, 0xc0 | 6, app, sizeof app);	/* whole */
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u32, log.msgs[0].m.seq[0], 6));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(dnp3, garbage_after_a_first_segment_breaks_it_off)
{
	static const uint8_t app[] = { 0xc1, 0x81, 0, 0 };
	static const uint8_t junk[] = { 'H', 'T', 'T', 'P' };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	segment(&b, false, 0x40 | 1, app, sizeof app);
	bytes_put(&b, junk, sizeof junk);
	run(&TCP, &b, b.len, &log, (uint32_t)b.len);
	cr_assert(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/*
 * Every prefix of: a link status request, a read request, the three-segment
 * response with its attributes, an unsolicited response.  TCP: messages
 * only from whole fragments, and dissect() returns the start of the frame
 * the bytes end in, or of the fragment's first frame.  UDP: all consumed;
 * the fragment is counted once its first frame is whole, with the
 * attributes whole in the frames it has.
 */
Test(dnp3, truncated_at_every_byte)
{
	static const uint8_t rd[] = { 0xc9, 0x01, 0, 254, 0x06 };
	static const uint8_t uns[] = { 0xf1, 0x82, 0x00, 0x00 };
	struct bytes b = { 0 };
	struct ics_log full = { 0 };
	size_t link_end, read_end, seg[3], end;

	link_frame(&b, 0xc9, OUTSTATION, MASTER, NULL, 0);
	link_end = b.len;
	single(&b, true, 0, rd, sizeof rd);
	read_end = b.len;
	three_segments(&b, seg);
	single(&b, false, 1, uns, sizeof uns);
	end = b.len;
	run(&TCP, &b, b.len, &full, (uint32_t)b.len);
	cr_assert(eq(sz, full.nmsgs, 4));
	cr_assert(eq(sz, full.nidents, 8));
	for (size_t n = 0; n < end; n++) {
		struct ics_log tcp = { 0 }, udp = { 0 };
		size_t msgs = (n >= link_end) + (n >= read_end) + (n >= seg[2]);
		size_t kept = n >= seg[2] ? seg[2] : n >= read_end ? read_end : n >= link_end ? link_end : 0;

		run(&TCP, &b, n, &tcp, (uint32_t)kept);
		cr_assert(eq(sz, tcp.nmsgs, msgs), "n=%zu", n);
		cr_assert(eq(sz, tcp.nidents, msgs + (n >= seg[2] ? 4 : 0)), "n=%zu", n);
		for (size_t k = 0; k < tcp.nidents; k++)
			cr_assert(eq(str, tcp.idents[k].value, full.idents[k].value), "n=%zu", n);
		run(&UDP, &b, n, &udp, (uint32_t)n);
		cr_assert(eq(sz, udp.nmsgs, msgs + (n >= seg[0] && n < seg[2])), "n=%zu", n);
		/* Before the third frame, the second holds the whole vendor. */
		cr_assert(eq(sz, udp.nidents, udp.nmsgs + (n >= seg[2] ? 4 : n >= seg[1])),
			  "n=%zu", n);
		ics_log_free(&tcp);
		ics_log_free(&udp);
	}
	ics_log_free(&full);
	bytes_free(&b);
}

/* ---- detection and names ---- */

Test(dnp3, detect_wants_a_header_with_its_crc)
{
	static const uint8_t app[] = { 0xc0, 0x01, 60, 1, 0x06 };
	struct bytes b = { 0 };

	single(&b, true, 0, app, sizeof app);
	cr_assert(ics_dnp3.detect(b.p, (uint32_t)b.len, true));
	cr_assert(ics_dnp3.detect(b.p, (uint32_t)b.len, false));
	cr_assert(ics_dnp3.detect(b.p, 10, true));	/* the header block alone */
	cr_assert(not(ics_dnp3.detect(b.p, 9, true)));
	cr_assert(not(ics_dnp3.detect(b.p, 0, true)));
	b.p[9] ^= 1;
	cr_assert(not(ics_dnp3.detect(b.p, (uint32_t)b.len, true)));
	b.p[9] ^= 1;
	b.p[0] = 0x06;
	cr_assert(not(ics_dnp3.detect(b.p, (uint32_t)b.len, true)));
	bytes_free(&b);
}

Test(dnp3, descriptor_and_function_names)
{
	static const struct {
		uint16_t function;
		const char *name;
	} names[] = {
		{ 0, "confirm" }, { 1, "read" }, { 2, "write" }, { 3, "select" }, { 4, "operate" },
		{ 5, "direct_operate" }, { 13, "cold_restart" }, { 18, "stop_application" },
		{ 25, "open_file" }, { 33, "authenticate_request_no_ack" }, { 129, "response" },
		{ 130, "unsolicited_response" }, { 131, "authenticate_response" },
		{ 0x100, "link_reset_link_states" }, { 0x110, "link_ack" },
		{ 0x11f, "link_not_supported" },
	};
	static const uint16_t unknown[] = { 34, 128, 132, 255, 0x105, 0x112, 0x120, 0xffff };

	cr_assert(eq(u16, ics_dnp3.tcp_ports[0], 20000));
	cr_assert(eq(u16, ics_dnp3.udp_ports[0], 20000));
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		cr_assert(eq(str, (char *)ics_function_name(ICS_DNP3, names[i].function),
			     (char *)names[i].name));
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		cr_assert(eq(ptr, (void *)ics_function_name(ICS_DNP3, unknown[i]), NULL), "%u",
			  unknown[i]);
	cr_assert(eq(ptr, (void *)ics_dnp3.function_name(ICS_MODBUS, 1), NULL));
}

/* ---- real captures against tshark ---- */

/* What tshark says of one message we should emit. */
struct expect {
	uint64_t frame;
	uint16_t function;
	bool app;		/* an application fragment (else a link frame) */
	bool known;		/* tshark dissected the application header */
	uint32_t aseq, tseq, src, dst;
	bool exception, dir;
	int file_mode;		/* OPEN_FILE's mode, or -1 */
};

/* A fragment counted by us at another frame than tshark's. */
struct moved {
	uint64_t tshark, ours;
};

/* A frame where tshark's transport reassembly fails and ours does not:
 * the function of the fragment it completes. */
struct fixed {
	uint64_t frame;
	uint16_t function;
};

struct corpus_case {
	const char *rel;
	size_t app;		/* fragments tshark dissects (dnp3.al.func) */
	size_t link;		/* link frames without a transport segment */
	struct moved moved[2];
	struct fixed fixed[5];
};

enum { F_FUNC = 1, F_ASEQ, F_TSEQ, F_SRC, F_DST, F_IIN, F_PRI, F_SEC, F_TR, F_DIR, F_MODE, NF };

static uint32_t cell_u32(const struct tshark_rows *t, size_t r, size_t f)
{
	return (uint32_t)strtoul(tshark_cell(t, r, f), NULL, 0);
}

static size_t row_of(const struct tshark_rows *t, uint64_t frame)
{
	size_t r = 0;

	while (r < t->nrows && strtoull(tshark_cell(t, r, 0), NULL, 10) != frame)
		r++;
	cr_assert(lt(sz, r, t->nrows), "frame %llu is not DNP3 for tshark",
		  (unsigned long long)frame);
	return r;
}

/* The expected message of row r, or false when the row has none. */
static bool expect_row(const struct corpus_case *k, const struct tshark_rows *t, size_t r,
		       struct expect *e)
{
	const char *func = tshark_cell(t, r, F_FUNC), *mode = tshark_cell(t, r, F_MODE);

	*e = (struct expect){
		.frame = strtoull(tshark_cell(t, r, 0), NULL, 10),
		.app = *tshark_cell(t, r, F_TR) != '\0',
		.known = *func != '\0',
		.aseq = cell_u32(t, r, F_ASEQ),
		.tseq = cell_u32(t, r, F_TSEQ),
		.src = cell_u32(t, r, F_SRC),
		.dst = cell_u32(t, r, F_DST),
		.exception = (cell_u32(t, r, F_IIN) & 0x07u) != 0,
		.dir = cell_u32(t, r, F_DIR) != 0,
		.file_mode = *mode ? (int)strtol(mode, NULL, 0) : -1,
	};
	if (!e->app) {
		const char *pri = tshark_cell(t, r, F_PRI);

		e->function = (uint16_t)(*pri ? 0x100u | cell_u32(t, r, F_PRI)
					      : 0x110u | cell_u32(t, r, F_SEC));
		return true;
	}
	for (size_t i = 0; i < sizeof k->fixed / sizeof k->fixed[0]; i++)
		if (k->fixed[i].frame == e->frame) {
			e->function = k->fixed[i].function;
			e->known = false;	/* its sequence and IIN are not tshark's */
			return true;
		}
	if (!e->known)
		return false;	/* a segment of a fragment counted elsewhere */
	e->function = (uint16_t)cell_u32(t, r, F_FUNC);
	for (size_t i = 0; i < sizeof k->moved / sizeof k->moved[0]; i++)
		if (k->moved[i].tshark == e->frame) {
			e->frame = k->moved[i].ours;
			e->tseq = cell_u32(t, row_of(t, e->frame), F_TSEQ);
		}
	return true;
}

static void check_message(const char *rel, const struct ics_logged_msg *got, const struct expect *e)
{
	const struct ics_msg *m = &got->m;
	unsigned long long f = (unsigned long long)e->frame;

	cr_assert(eq(u64, got->frame, e->frame), "%s: message at frame %llu, tshark's at %llu", rel,
		  (unsigned long long)got->frame, f);
	cr_assert(eq(u16, m->function, e->function), "%s frame %llu", rel, f);
	cr_assert(eq(u32, m->unit, e->dst), "%s frame %llu", rel, f);
	cr_assert(eq(u8, m->sender_role, e->dir ? ICS_ROLE_MASTER : ICS_ROLE_OUTSTATION),
		  "%s frame %llu", rel, f);
	cr_assert(eq(u8, m->nseq, e->app ? 2 : 0), "%s frame %llu", rel, f);
	if (e->app)
		cr_assert(eq(u32, m->seq[0], e->tseq), "%s frame %llu", rel, f);
	if (e->known) {
		cr_assert(eq(u32, m->transaction, e->aseq), "%s frame %llu", rel, f);
		cr_assert(eq(u32, m->seq[1], e->aseq), "%s frame %llu", rel, f);
		cr_assert(eq(int, m->exception, e->exception), "%s frame %llu", rel, f);
	}
	if (e->file_mode == 1)
		cr_assert(eq(u8, m->actions, ICS_ACT_READ), "%s frame %llu", rel, f);
	if (e->file_mode == 2 || e->file_mode == 3)
		cr_assert(eq(u8, m->actions, ICS_ACT_WRITE | ICS_ACT_PROGRAM), "%s frame %llu", rel, f);
}

/* The sender's address identity that follows each message. */
static void check_device_ids(const char *rel, const struct ics_log *log, const struct expect *e,
			     size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < log->nidents; i++) {
		const struct ics_logged_ident *id = &log->idents[i];
		char want[16];

		if (id->id.proto != ICS_DNP3 || id->id.field != ICS_F_DEVICE_ID)
			continue;
		cr_assert(lt(sz, k, n), "%s: more device ids than messages", rel);
		snprintf(want, sizeof want, "%u", e[k].src);
		cr_assert(eq(u64, id->frame, e[k].frame), "%s", rel);
		cr_assert(eq(str, (char *)id->value, want), "%s frame %llu", rel,
			  (unsigned long long)e[k].frame);
		k++;
	}
	cr_assert(eq(sz, k, n), "%s", rel);
}

/*
 * Runs a capture and compares our DNP3 messages, in order, with what
 * tshark dissects in each frame: application function, application and
 * transport sequence, destination, IIN exception and direction; a link
 * frame's function; and the source address identities.
 */
static void corpus_run(const struct corpus_case *k)
{
	static const char *const fields[NF - 1] = {
		"dnp3.al.func", "dnp3.al.seq", "dnp3.tr.seq", "dnp3.src", "dnp3.dst",
		"dnp3.al.iin", "dnp3.ctl.prifunc", "dnp3.ctl.secfunc", "dnp3.tr.ctl",
		"dnp3.ctl.dir", "dnp3.al.file.mode",
	};
	const char *path = corpus_file(k->rel);
	struct ics_log log = { 0 };
	struct tshark_rows t;
	struct expect *e;
	size_t n = 0, app = 0, link = 0, got = 0;

	cr_assert(ics_run_file(path, &log));
	cr_assert(tshark_fields(path, "dnp3", NULL, fields, NF - 1, &t));
	e = calloc(t.nrows + 1, sizeof *e);
	cr_assert(ne(ptr, e, NULL));
	for (size_t r = 0; r < t.nrows; r++) {
		struct expect x;

		app += *tshark_cell(&t, r, F_FUNC) != '\0';
		if (!expect_row(k, &t, r, &x))
			continue;
		link += !x.app;
		/* In frame order: a moved fragment goes back to its first frame. */
		size_t at = n++;

		for (; at > 0 && e[at - 1].frame > x.frame; at--)
			e[at] = e[at - 1];
		e[at] = x;
	}
	cr_assert(eq(sz, app, k->app), "%s", k->rel);
	cr_assert(eq(sz, link, k->link), "%s", k->rel);
	for (size_t i = 0; i < log.nmsgs; i++) {
		if (log.msgs[i].m.proto != ICS_DNP3)
			continue;
		cr_assert(lt(sz, got, n), "%s: frame %llu has a message tshark has not", k->rel,
			  (unsigned long long)log.msgs[i].frame);
		check_message(k->rel, &log.msgs[i], &e[got++]);
	}
	cr_assert(eq(sz, got, n), "%s", k->rel);
	check_device_ids(k->rel, &log, e, n);
	free(e);
	tshark_rows_free(&t);
	ics_log_free(&log);
}

/* Zeek's trace: requests of many functions, responses with IIN2 errors,
 * unsolicited responses; one frame each. */
Test(dnp3, corpus_dnp3)
{
	corpus_run(&(struct corpus_case){ .rel = "ics/dnp3/dnp3.pcap", .app = 115 });
}

/*
 * ICSNPP: 100 fragments over several frames (FIR, ..., FIN) among
 * one-frame exchanges.  tshark 4.0 stumbles where the outstation's
 * transport sequence wraps from 63 to 0 (IEEE 1815 8.2 counts modulo 64):
 * it does not join the four fragments whose FIN has sequence 0 (responses
 * in frames 17-18, 113-114, 209-210; an unsolicited response in 808-810:
 * no dnp3.al.func), and it reads the one-frame response of frame 311
 * (sequence 0 after 63) as a CONFIRM with control 0x00, while its bytes
 * say c8 81: a response, as in frame 309.  We count all five as their
 * bytes say: 733 fragments against tshark's 728.
 */
Test(dnp3, corpus_dnp3_example)
{
	corpus_run(&(struct corpus_case){
		.rel = "ics/dnp3/dnp3_example.pcap", .app = 728,
		.fixed = { { 18, 129 }, { 114, 129 }, { 210, 129 }, { 311, 129 }, { 810, 130 } } });
}

/* Open (mode read), read of file data, close; a response of four frames. */
Test(dnp3, corpus_dnp3_file_read)
{
	corpus_run(&(struct corpus_case){ .rel = "ics/dnp3/dnp3_file_read.pcap", .app = 11 });
}

/*
 * DNP3 over UDP: link status keep-alives, then a read answered with two
 * fragments of 9 and 7 datagrams.  tshark joins datagrams and counts each
 * at its FIN (frames 14 and 21); a datagram is dissected alone here, so
 * each is counted at its FIR (frames 6 and 15) with that segment's
 * transport sequence.
 */
Test(dnp3, corpus_dnp3_udp_read)
{
	corpus_run(&(struct corpus_case){ .rel = "ics/dnp3/dnp3_udp_read.pcap", .app = 3, .link = 6,
					  .moved = { { 14, 6 }, { 21, 15 } } });
}

/* A class read and its response of two frames. */
Test(dnp3, corpus_read_and_response)
{
	corpus_run(&(struct corpus_case){ .rel = "ics/dnp3/read_and_response.pcap", .app = 2 });
}

/* A direct operate whose CROB object is malformed but whose CRCs are right:
 * still one control request. */
Test(dnp3, corpus_malformed_crob)
{
	corpus_run(&(struct corpus_case){
		.rel = "malformed/direct_operate_crob_malform_but_good_crc.pcap", .app = 1 });
}
