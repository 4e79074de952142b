/*
 * test_bacnet.c - formats/ics/bacnet.c: BACnet/IP (ASHRAE 135-2020 Annex J
 * BVLL, clause 6 NPDU, clause 20 APDU), on hand-built messages (every byte
 * of them cut off in turn) and on the corpus, checked against tshark.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "tests/support/bytes.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

#define BE true

extern const struct ics_dissector ics_bacnet;

TestSuite(bacnet);

/* ---- packets ---- */

/* A datagram between two B/IP devices; whether it is a broadcast is the
 * BVLC function's to say, not the addresses'. */
static struct tp_packet packet(void)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	struct tp_packet p;

	memset(&p, 0, sizeof p);
	p.has_mac = true;
	p.src_mac[5] = 1;
	p.dst_mac[5] = 2;
	p.ip_version = 4;
	p.ip_proto = 17;
	memcpy(p.src_ip, a, 4);
	memcpy(p.dst_ip, b, 4);
	p.sport = p.dport = 47808;
	return p;
}

/* ---- builders ---- */

/* BVLC and a local NPDU (no DNET/SNET). */
static void bvlc(struct bytes *b, uint8_t fn, uint8_t control)
{
	bytes_u8(b, 0x81);
	bytes_u8(b, fn);
	bytes_u16(b, 0, BE);	/* bvlc_done */
	bytes_u8(b, 0x01);
	bytes_u8(b, control);
}

static void bvlc_done(struct bytes *b)
{
	b->p[2] = (uint8_t)(b->len >> 8);
	b->p[3] = (uint8_t)b->len;
}

static void object_id(struct bytes *b, uint8_t tag, unsigned type, uint32_t instance)
{
	bytes_u8(b, tag);
	bytes_u32(b, (uint32_t)type << 22 | instance, BE);
}

/* A character string application tag (20.2.9): set, then bytes. */
static void app_string(struct bytes *b, uint8_t set, const void *s, size_t n)
{
	if (n + 1 < 5) {
		bytes_u8(b, (uint8_t)(0x70 | (n + 1)));
	} else {
		bytes_u8(b, 0x75);
		bytes_u8(b, (uint8_t)(n + 1));
	}
	bytes_u8(b, set);
	bytes_put(b, s, n);
}

/* The simulator's I-Am (build_bacnet.c). */
static void i_am(struct bytes *b, uint32_t instance, uint8_t vendor)
{
	bvlc(b, 0x0b, 0x00);
	bytes_u8(b, 0x10);
	bytes_u8(b, 0x00);
	object_id(b, 0xc4, 8, instance);
	bytes_u8(b, 0x22);
	bytes_u16(b, 1476, BE);
	bytes_u8(b, 0x91);
	bytes_u8(b, 0x00);
	bytes_u8(b, 0x21);
	bytes_u8(b, vendor);
	bvlc_done(b);
}

/* A ReadProperty request and its ACK with a string (build_bacnet.c). */
static void read_property(struct bytes *q, struct bytes *r, uint8_t invoke, unsigned type,
			  uint32_t instance, uint8_t prop, uint8_t set, const char *value, size_t n)
{
	bvlc(q, 0x0a, 0x04);
	bytes_put(q, "\x00\x05", 2);
	bytes_u8(q, invoke);
	bytes_u8(q, 12);
	object_id(q, 0x0c, type, instance);
	bytes_u8(q, 0x19);
	bytes_u8(q, prop);
	bvlc_done(q);

	bvlc(r, 0x0a, 0x00);
	bytes_u8(r, 0x30);
	bytes_u8(r, invoke);
	bytes_u8(r, 12);
	object_id(r, 0x0c, type, instance);
	bytes_u8(r, 0x19);
	bytes_u8(r, prop);
	bytes_u8(r, 0x3e);
	app_string(r, set, value, n);
	bytes_u8(r, 0x3f);
	bvlc_done(r);
}

/* A Complex-ACK of ReadProperty around a value the caller writes. */
static void rp_ack_open(struct bytes *r, unsigned type, uint32_t instance, uint8_t prop)
{
	bvlc(r, 0x0a, 0x00);
	bytes_u8(r, 0x30);
	bytes_u8(r, 1);
	bytes_u8(r, 12);
	object_id(r, 0x0c, type, instance);
	bytes_u8(r, 0x19);
	bytes_u8(r, prop);
	bytes_u8(r, 0x3e);
}

static void rp_ack_close(struct bytes *r)
{
	bytes_u8(r, 0x3f);
	bvlc_done(r);
}

/* A confirmed request of service sc around data. */
static void confirmed(struct bytes *b, uint8_t invoke, uint8_t sc, const void *data, size_t n)
{
	bvlc(b, 0x0a, 0x04);
	bytes_u8(b, 0x00);
	bytes_u8(b, 0x05);
	bytes_u8(b, invoke);
	bytes_u8(b, sc);
	bytes_put(b, data, n);
	bvlc_done(b);
}

/* ---- checks ---- */

static const struct ics_msg *run_one(const struct bytes *b, struct ics_log *log)
{
	struct tp_packet p = packet();

	cr_assert(eq(u32, ics_run_bytes(&ics_bacnet, &p, -1, b->p, b->len, log), (uint32_t)b->len));
	cr_assert(eq(sz, log->nmsgs, 1));
	return &log->msgs[0].m;
}

static void expect_msg(const struct ics_msg *m, uint16_t function, uint8_t kind, uint8_t actions,
		       bool exception)
{
	cr_expect(eq(u8, m->proto, ICS_BACNET));
	cr_expect(eq(u16, m->function, function));
	cr_expect(eq(u8, m->kind, kind));
	cr_expect(eq(u8, m->actions, actions), "function 0x%x", function);
	cr_expect(eq(int, m->exception, exception), "function 0x%x", function);
}

static void expect_ident(const struct ics_log *log, enum ics_field f, const char *value)
{
	const struct ics_logged_ident *id = ics_log_ident(log, ICS_BACNET, f);

	cr_assert(id != NULL, "no identity %s", ics_field_name(f));
	cr_expect(eq(str, (char *)id->value, (char *)value), "%s", ics_field_name(f));
}

static bool msg_eq(const struct ics_msg *a, const struct ics_msg *b)
{
	return a->proto == b->proto && a->kind == b->kind && a->function == b->function &&
	       a->actions == b->actions && a->exception == b->exception &&
	       a->sender_role == b->sender_role && a->receiver_role == b->receiver_role &&
	       a->has_transaction == b->has_transaction && a->transaction == b->transaction;
}

/*
 * Every prefix of b: everything consumed; no message the whole does not
 * have (an action may be missing when the bytes that show it are); no
 * identity the whole does not have, and each only once its bytes are all
 * there (ends: where each identity of the whole ends, in order).
 */
static void check_prefixes(const struct bytes *b, const size_t *ends, size_t nends)
{
	struct tp_packet p = packet();
	struct ics_log full = { 0 };

	ics_run_bytes(&ics_bacnet, &p, -1, b->p, b->len, &full);
	cr_assert(eq(sz, full.nidents, nends));
	for (size_t n = 0; n < b->len; n++) {
		struct ics_log part = { 0 };
		size_t due = 0;

		cr_assert(eq(u32, ics_run_bytes(&ics_bacnet, &p, -1, b->p, n, &part), (uint32_t)n));
		cr_assert(le(sz, part.nmsgs, full.nmsgs), "n=%zu", n);
		for (size_t i = 0; i < part.nmsgs; i++) {
			struct ics_msg m = part.msgs[i].m;

			m.actions |= full.msgs[i].m.actions;
			cr_assert(msg_eq(&m, &full.msgs[i].m), "n=%zu message %zu", n, i);
		}
		for (size_t k = 0; k < nends; k++)
			due += ends[k] <= n;
		cr_assert(eq(sz, part.nidents, due), "n=%zu", n);
		for (size_t i = 0; i < part.nidents; i++) {
			cr_assert(eq(u8, part.idents[i].id.field, full.idents[i].id.field));
			cr_assert(eq(str, part.idents[i].value, full.idents[i].value), "n=%zu", n);
		}
		ics_log_free(&part);
	}
	ics_log_free(&full);
}

/* ---- the simulator's conversation ---- */

Test(bacnet, who_is_and_i_am)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	const struct ics_msg *m;

	bvlc(&b, 0x0b, 0x00);
	bytes_put(&b, "\x10\x08", 2);
	bvlc_done(&b);
	m = run_one(&b, &log);
	expect_msg(m, 0x108, ICS_KIND_REQUEST, 0, false);
	cr_expect(eq(u8, m->sender_role, ICS_ROLE_CLIENT));
	cr_expect(eq(u8, m->receiver_role, ICS_ROLE_NONE));
	cr_expect(not(m->has_transaction));
	ics_log_free(&log);

	b.len = 0;
	i_am(&b, 1234, 8);
	m = run_one(&b, &log);
	expect_msg(m, 0x100, ICS_KIND_ANNOUNCE, 0, false);
	cr_expect(eq(u8, m->sender_role, ICS_ROLE_SERVER));
	cr_expect(eq(u8, m->receiver_role, ICS_ROLE_NONE));
	cr_assert(eq(sz, log.nidents, 2));
	expect_ident(&log, ICS_F_DEVICE_ID, "1234");
	expect_ident(&log, ICS_F_VENDOR_ID, "8");
	cr_expect(eq(u8, log.idents[0].id.subject, ICS_SUBJECT_SENDER));
	ics_log_free(&log);
	/* The same I-Am unicast (Original-Unicast-NPDU) answers someone. */
	b.p[1] = 0x0a;
	m = run_one(&b, &log);
	cr_expect(eq(u8, m->receiver_role, ICS_ROLE_CLIENT));
	cr_expect(eq(str, (char *)ics_function_name(ICS_BACNET, 0x100), "i_am"));
	cr_expect(eq(str, (char *)ics_function_name(ICS_BACNET, 0x108), "who_is"));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(bacnet, read_property_of_names)
{
	struct bytes q = { 0 }, r = { 0 };
	struct ics_log log = { 0 };
	const struct ics_msg *m;

	read_property(&q, &r, 7, 8, 1234, 77, 0, "AHU-3 controller", 16);
	m = run_one(&q, &log);
	expect_msg(m, 12, ICS_KIND_REQUEST, ICS_ACT_READ, false);
	cr_expect(m->has_transaction);
	cr_expect(eq(u32, m->transaction, 7));
	cr_expect(eq(u8, m->sender_role, ICS_ROLE_CLIENT));
	cr_expect(eq(u8, m->receiver_role, ICS_ROLE_SERVER));
	cr_expect(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	m = run_one(&r, &log);
	expect_msg(m, 12, ICS_KIND_RESPONSE, 0, false);
	cr_expect(eq(u32, m->transaction, 7));
	cr_expect(eq(u8, m->sender_role, ICS_ROLE_SERVER));
	cr_assert(eq(sz, log.nidents, 1));
	expect_ident(&log, ICS_F_NAME, "AHU-3 controller");
	ics_log_free(&log);

	q.len = r.len = 0;
	read_property(&q, &r, 8, 8, 1234, 70, 0, "eBCON", 5);
	run_one(&r, &log);
	expect_ident(&log, ICS_F_MODEL, "eBCON");
	cr_expect(eq(str, (char *)ics_function_name(ICS_BACNET, 12), "read_property"));
	ics_log_free(&log);
	bytes_free(&q);
	bytes_free(&r);
}

/* Strings in UCS-2 (as the JCI controller of bacnet_test.pcap sends them),
 * UCS-4 and ISO 8859-1 come out in UTF-8; UTF-8 and DBCS as sent. */
Test(bacnet, device_properties_and_character_sets)
{
	static const struct {
		uint8_t prop, set;
		const char *bytes;
		size_t n;
		enum ics_field field;
		const char *value;
	} cases[] = {
		{ 121, 4, "\x00J\x00" "C\x00I", 6, ICS_F_VENDOR, "JCI" },
		{ 44, 3, "\x00\x00\x00" "5\x00\x00\x00.\x00\x00\x00" "1", 12, ICS_F_FIRMWARE, "5.1" },
		{ 12, 5, "v\xe9r", 3, ICS_F_FIRMWARE, "v\xc3\xa9r" },
		{ 77, 0, "B\xc3\xbcro", 5, ICS_F_NAME, "B\xc3\xbcro" },
		{ 70, 1, "\x03\xa4" "AB", 4, ICS_F_MODEL, "AB" },
		{ 77, 4, "\x00" "A\xd8\x00", 4, ICS_F_NAME, "A\xef\xbf\xbd" },	/* lone surrogate */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes r = { 0 };
		struct ics_log log = { 0 };

		rp_ack_open(&r, 8, 500, cases[i].prop);
		app_string(&r, cases[i].set, cases[i].bytes, cases[i].n);
		rp_ack_close(&r);
		run_one(&r, &log);
		cr_assert(eq(sz, log.nidents, 1), "case %zu", i);
		cr_expect(eq(u8, log.idents[0].id.field, cases[i].field), "case %zu", i);
		cr_expect(eq(str, log.idents[0].value, (char *)cases[i].value), "case %zu", i);
		ics_log_free(&log);
		bytes_free(&r);
	}
}

/* A ReadProperty-ACK of one property with the value bytes given. */
static void ack(struct ics_log *log, unsigned type, uint32_t instance, uint8_t prop,
		const void *value, size_t n)
{
	struct tp_packet p = packet();
	struct bytes r = { 0 };

	rp_ack_open(&r, type, instance, prop);
	bytes_put(&r, value, n);
	rp_ack_close(&r);
	ics_run_bytes(&ics_bacnet, &p, -1, r.p, r.len, log);
	bytes_free(&r);
}

Test(bacnet, device_numbers_and_what_is_not_an_identity)
{
	struct ics_log log = { 0 };

	ack(&log, 8, 4194303, 120, "\x21\x05", 2);	/* vendor-identifier 5 */
	/* object-identifier: the real instance behind the wildcard 4194303 */
	ack(&log, 8, 4194303, 75, "\xc4\x02\x00\x01\xf4", 5);
	ack(&log, 0, 1, 77, "\x75\x0a\x00Zone temp", 12);	/* an analog input's name */
	ack(&log, 8, 500, 77, "\x71\x00", 2);		/* empty name */
	ack(&log, 8, 500, 77, "\x21\x05", 2);		/* not a string */
	ack(&log, 8, 500, 70, "\x72\x00" "A\x72\x00" "B", 6);	/* two values */
	ack(&log, 8, 500, 75, "\xc4\x00\x00\x01\xf4", 5);	/* another object's identifier */
	ack(&log, 8, 500, 120, "\x25\x05\x01\x02\x03\x04\x05", 7);	/* unsigned of 5 bytes */
	cr_expect(eq(sz, log.nmsgs, 8));
	cr_assert(eq(sz, log.nidents, 2));
	expect_ident(&log, ICS_F_VENDOR_ID, "5");
	expect_ident(&log, ICS_F_DEVICE_ID, "500");
	ics_log_free(&log);
}

Test(bacnet, array_index_is_not_a_whole_value)
{
	struct bytes r = { 0 };
	struct ics_log log = { 0 };

	bvlc(&r, 0x0a, 0x00);
	bytes_put(&r, "\x30\x01\x0c", 3);
	object_id(&r, 0x0c, 8, 5);
	bytes_put(&r, "\x19\x4d\x29\x01\x3e", 5);	/* object-name [1] */
	app_string(&r, 0, "X", 1);
	bytes_u8(&r, 0x3f);
	bvlc_done(&r);
	run_one(&r, &log);
	cr_expect(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&r);
}

static void rpm_ack(struct bytes *r)
{
	bvlc(r, 0x0a, 0x00);
	bytes_put(r, "\x30\x02\x0e", 3);
	object_id(r, 0x0c, 0, 3);		/* analog-input 3 first */
	bytes_u8(r, 0x1e);
	bytes_put(r, "\x29\x4d\x4e", 3);
	app_string(r, 0, "AI-3", 4);
	bytes_u8(r, 0x4f);
	bytes_u8(r, 0x1f);
	object_id(r, 0x0c, 8, 77);		/* then the device */
	bytes_u8(r, 0x1e);
	bytes_put(r, "\x29\x4d\x4e", 3);	/* object-name */
	app_string(r, 0, "Boiler-2", 8);
	bytes_u8(r, 0x4f);
	bytes_put(r, "\x29\x46\x5e", 3);	/* model-name: an error */
	bytes_put(r, "\x91\x02\x91\x20", 4);
	bytes_u8(r, 0x5f);
	bytes_put(r, "\x29\x4c\x39\x00\x4e", 5);	/* object-list[0] */
	bytes_put(r, "\x21\x02", 2);
	bytes_u8(r, 0x4f);
	bytes_put(r, "\x29\x79\x4e", 3);	/* vendor-name */
	app_string(r, 0, "Acme", 4);
	bytes_u8(r, 0x4f);
	bytes_put(r, "\x29\x2c\x4e", 3);	/* firmware-revision */
	app_string(r, 0, "1.0", 3);
	bytes_u8(r, 0x4f);
	bytes_u8(r, 0x1f);
	bvlc_done(r);
}

Test(bacnet, read_property_multiple_ack)
{
	struct bytes r = { 0 };
	struct ics_log log = { 0 };

	rpm_ack(&r);
	expect_msg(run_one(&r, &log), 14, ICS_KIND_RESPONSE, 0, false);
	cr_assert(eq(sz, log.nidents, 3));
	expect_ident(&log, ICS_F_NAME, "Boiler-2");
	expect_ident(&log, ICS_F_VENDOR, "Acme");
	expect_ident(&log, ICS_F_FIRMWARE, "1.0");
	ics_log_free(&log);
	bytes_free(&r);
}

/* ---- whose facts ---- */

Test(bacnet, identities_of_routed_and_forwarded_devices)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	static const uint8_t mstp[] = { 0x81, 0x0b, 0, 0, 0x01, 0x08, 0x00, 0x03, 0x01, 29 };
	static const uint8_t bip[] = { 0x81, 0x0b, 0, 0, 0x01, 0x08, 0x00, 0x01, 0x06,
				       192, 168, 0, 16, 0xba, 0xc0 };
	static const uint8_t eth[] = { 0x81, 0x0b, 0, 0, 0x01, 0x08, 0x00, 0x01, 0x06,
				       0x00, 0x1b, 0x1b, 1, 2, 3 };
	static const uint8_t fwd[] = { 0x81, 0x04, 0, 0, 172, 16, 5, 9, 0xba, 0xc1, 0x01, 0x00 };
	const uint8_t *heads[] = { mstp, bip, eth, fwd };
	const size_t lens[] = { sizeof mstp, sizeof bip, sizeof eth, sizeof fwd };
	const uint8_t given[][4] = { { 0 }, { 192, 168, 0, 16 }, { 0 }, { 172, 16, 5, 9 } };
	const size_t idents[] = { 0, 2, 0, 2 };

	for (size_t i = 0; i < 4; i++) {
		b.len = 0;
		bytes_put(&b, heads[i], lens[i]);
		bytes_put(&b, "\x10\x00", 2);
		object_id(&b, 0xc4, 8, 29);
		bytes_put(&b, "\x22\x01\xe0\x91\x00\x21\x2a", 7);
		bvlc_done(&b);
		run_one(&b, &log);
		cr_assert(eq(sz, log.nidents, idents[i]), "case %zu", i);
		for (size_t k = 0; k < log.nidents; k++) {
			cr_expect(eq(u8, log.idents[k].id.subject, ICS_SUBJECT_GIVEN));
			cr_expect(eq(u8, log.idents[k].id.ip_version, 4));
			cr_expect(not(log.idents[k].id.has_mac));
			cr_expect(eq(int, memcmp(log.idents[k].id.ip, given[i], 4), 0));
		}
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/* ---- actions ---- */

Test(bacnet, actions_of_requests)
{
	static const struct {
		uint8_t sc;
		const char *data;
		size_t n;
		uint8_t actions;
	} cases[] = {
		/* WriteProperty analog-output 1 present-value: commands an output. */
		{ 15, "\x0c\x00\x40\x00\x01\x19\x55\x3e\x44\x42\x20\x00\x00\x3f\x49\x08", 16,
		  ICS_ACT_WRITE | ICS_ACT_CONTROL },
		/* ... analog-value 1 present-value, and analog-output description. */
		{ 15, "\x0c\x00\x80\x00\x01\x19\x55\x3e\x44\x42\x20\x00\x00\x3f", 14, ICS_ACT_WRITE },
		{ 15, "\x0c\x00\x40\x00\x01\x19\x1c\x3e\x71\x00\x3f", 11, ICS_ACT_WRITE },
		/* WritePropertyMultiple: binary-value 2 out-of-service, then
		 * binary-output 3 present-value. */
		{ 16, "\x0c\x01\x40\x00\x02\x1e\x09\x51\x2e\x11\x2f\x1f"
		      "\x0c\x01\x00\x00\x03\x1e\x09\x55\x2e\x91\x01\x2f\x1f", 25,
		  ICS_ACT_WRITE | ICS_ACT_CONTROL },
		{ 16, "\x0c\x01\x40\x00\x02\x1e\x09\x51\x2e\x11\x2f\x1f", 12, ICS_ACT_WRITE },
		{ 20, "\x09\x01", 2, ICS_ACT_STOPSTART },	/* warmstart */
		{ 20, "\x09\x00\x1d\x00" "abc", 7, ICS_ACT_STOPSTART },	/* coldstart, password */
		{ 20, "\x09\x02", 2, ICS_ACT_PROGRAM },		/* startbackup */
		{ 20, "\x09\x04", 2, ICS_ACT_PROGRAM },		/* startrestore */
		{ 20, "\x09\x07", 2, ICS_ACT_STOPSTART },	/* activate-changes */
		{ 17, "\x19\x01", 2, ICS_ACT_STOPSTART },	/* DCC disable */
		{ 7, "\xc4\x02\x80\x00\x00\x0e\x31\x00\x65\x03\x00" "ab\x0f", 14,
		  ICS_ACT_WRITE | ICS_ACT_PROGRAM },
		{ 6, "\xc4\x02\x80\x00\x00\x0e\x31\x00\x21\x10\x0f", 11, ICS_ACT_READ },
		{ 14, "\x0c\x02\x00\x00\x05\x1e\x09\x4d\x1f", 9, ICS_ACT_READ },
		{ 26, "\x0c\x05\x00\x00\x01\x19\x83", 7, ICS_ACT_READ },
		{ 10, "\x0e\x09\x00\x1f\x1e\x1f", 6, ICS_ACT_WRITE },
		{ 11, "\xc4\x00\x00\x00\x01", 5, ICS_ACT_WRITE },
		{ 8, "", 0, ICS_ACT_WRITE },
		{ 27, "", 0, ICS_ACT_CONTROL },
		{ 5, "", 0, 0 },	/* SubscribeCOV */
		{ 0, "", 0, 0 },	/* AcknowledgeAlarm */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes b = { 0 };
		struct ics_log log = { 0 };

		confirmed(&b, 3, cases[i].sc, cases[i].data, cases[i].n);
		expect_msg(run_one(&b, &log), cases[i].sc, ICS_KIND_REQUEST, cases[i].actions,
			   false);
		ics_log_free(&log);
		bytes_free(&b);
	}
}

Test(bacnet, unconfirmed_services)
{
	static const struct {
		uint8_t sc;
		uint8_t kind, actions;
	} cases[] = {
		{ 1, ICS_KIND_ANNOUNCE, 0 },	  { 2, ICS_KIND_UNSOLICITED, 0 },
		{ 3, ICS_KIND_UNSOLICITED, 0 },	  { 6, ICS_KIND_REQUEST, ICS_ACT_WRITE },
		{ 7, ICS_KIND_REQUEST, 0 },	  { 9, ICS_KIND_REQUEST, ICS_ACT_WRITE },
		{ 10, ICS_KIND_REQUEST, ICS_ACT_WRITE }, { 14, ICS_KIND_REQUEST, ICS_ACT_WRITE },
		{ 0x7f, ICS_KIND_REQUEST, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes b = { 0 };
		struct ics_log log = { 0 };

		bvlc(&b, 0x0a, 0x00);
		bytes_u8(&b, 0x10);
		bytes_u8(&b, cases[i].sc);
		bvlc_done(&b);
		expect_msg(run_one(&b, &log), (uint16_t)(0x100 | cases[i].sc), cases[i].kind,
			   cases[i].actions, false);
		ics_log_free(&log);
		bytes_free(&b);
	}
	cr_expect(eq(ptr, (void *)ics_function_name(ICS_BACNET, 0x17f), NULL));
}

/* ---- replies, errors, segments ---- */

Test(bacnet, acks_errors_rejects_aborts_and_segment_acks)
{
	static const struct {
		const char *apdu;
		size_t n;
		uint16_t function;
		uint8_t kind;
		bool exception;
		uint8_t sender;
	} cases[] = {
		{ "\x20\x05\x0f", 3, 15, ICS_KIND_RESPONSE, false, ICS_ROLE_SERVER },
		{ "\x50\x05\x14\x91\x01\x91\x1a", 7, 20, ICS_KIND_RESPONSE, true, ICS_ROLE_SERVER },
		{ "\x60\x05\x09", 3, 0x200, ICS_KIND_RESPONSE, true, ICS_ROLE_SERVER },
		{ "\x71\x05\x04", 3, 0x201, ICS_KIND_RESPONSE, true, ICS_ROLE_SERVER },
		{ "\x70\x05\x04", 3, 0x201, ICS_KIND_REQUEST, true, ICS_ROLE_CLIENT },
		{ "\x40\x05\x01\x04", 4, 0x202, ICS_KIND_REQUEST, false, ICS_ROLE_CLIENT },
		{ "\x43\x05\x01\x04", 4, 0x202, ICS_KIND_RESPONSE, true, ICS_ROLE_SERVER },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes b = { 0 };
		struct ics_log log = { 0 };
		const struct ics_msg *m;

		bvlc(&b, 0x0a, 0x00);
		bytes_put(&b, cases[i].apdu, cases[i].n);
		bvlc_done(&b);
		m = run_one(&b, &log);
		expect_msg(m, cases[i].function, cases[i].kind, 0, cases[i].exception);
		cr_expect(eq(u8, m->sender_role, cases[i].sender), "case %zu", i);
		cr_expect(eq(u32, m->transaction, 5));
		ics_log_free(&log);
		bytes_free(&b);
	}
	cr_expect(eq(str, (char *)ics_function_name(ICS_BACNET, 0x200), "reject"));
	cr_expect(eq(str, (char *)ics_function_name(ICS_BACNET, 0x201), "abort"));
	cr_expect(eq(str, (char *)ics_function_name(ICS_BACNET, 0x202), "segment_ack"));
}

Test(bacnet, segmented_messages)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	struct tp_packet p = packet();

	/* WriteProperty to an output in two segments: one write, both shown. */
	bvlc(&b, 0x0a, 0x04);
	bytes_put(&b, "\x0c\x05\x09\x00\x02\x0f\x0c\x00\x40\x00\x01\x19\x55", 13);
	bvlc_done(&b);
	ics_run_bytes(&ics_bacnet, &p, -1, b.p, b.len, &log);
	b.len = 0;
	bvlc(&b, 0x0a, 0x04);
	bytes_put(&b, "\x08\x05\x09\x01\x02\x0f\x3e\x44\x42\x20\x00\x00\x3f", 13);
	bvlc_done(&b);
	ics_run_bytes(&ics_bacnet, &p, -1, b.p, b.len, &log);
	/* A ReadProperty-ACK of the device name: the first segment holds all of
	 * the value, the second segment is not looked into. */
	b.len = 0;
	bvlc(&b, 0x0a, 0x00);
	bytes_put(&b, "\x3c\x0a\x00\x02\x0c\x0c", 6);
	bytes_u32(&b, 8u << 22 | 9, BE);
	bytes_put(&b, "\x19\x4d\x3e", 3);
	app_string(&b, 0, "Chiller", 7);
	bytes_u8(&b, 0x3f);
	bvlc_done(&b);
	ics_run_bytes(&ics_bacnet, &p, -1, b.p, b.len, &log);
	b.p[8] = 0x01;	/* the same bytes as sequence 1 */
	ics_run_bytes(&ics_bacnet, &p, -1, b.p, b.len, &log);

	cr_assert(eq(sz, log.nmsgs, 4));
	expect_msg(&log.msgs[0].m, 15, ICS_KIND_REQUEST, ICS_ACT_WRITE | ICS_ACT_CONTROL, false);
	expect_msg(&log.msgs[1].m, 15, ICS_KIND_REQUEST, 0, false);
	expect_msg(&log.msgs[2].m, 12, ICS_KIND_RESPONSE, 0, false);
	expect_msg(&log.msgs[3].m, 12, ICS_KIND_RESPONSE, 0, false);
	cr_expect(eq(u32, log.msgs[3].m.transaction, 10));
	cr_assert(eq(sz, log.nidents, 1));
	expect_ident(&log, ICS_F_NAME, "Chiller");
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- network layer and BVLL ---- */

Test(bacnet, network_layer_messages)
{
	static const struct {
		const char *npdu;
		size_t n;
		uint16_t function;
		uint8_t kind, actions;
	} cases[] = {
		{ "\x01\x80\x00", 3, 0x300, ICS_KIND_REQUEST, 0 },
		{ "\x01\x80\x01\x00\x03\x00\x05", 7, 0x301, ICS_KIND_ANNOUNCE, 0 },
		{ "\x01\x80\x06\x00", 4, 0x306, ICS_KIND_REQUEST, ICS_ACT_READ },
		{ "\x01\x80\x06\x01\x00\x07\x01\x00", 8, 0x306, ICS_KIND_REQUEST, ICS_ACT_WRITE },
		{ "\x01\x80\x03\x01\x00\x07", 6, 0x303, ICS_KIND_RESPONSE, 0 },
		{ "\x01\x80\x85\x01\x04\xaa", 6, 0x385, ICS_KIND_OTHER, 0 },
		/* routed: DNET 5 (DADR 2 bytes), hop count, then the message */
		{ "\x01\xa0\x00\x05\x02\x10\x20\xff\x12", 9, 0x312, ICS_KIND_REQUEST, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes b = { 0 };
		struct ics_log log = { 0 };

		bytes_put(&b, "\x81\x0b\x00\x00", 4);
		bytes_put(&b, cases[i].npdu, cases[i].n);
		bvlc_done(&b);
		expect_msg(run_one(&b, &log), cases[i].function, cases[i].kind,
			   cases[i].actions, false);
		ics_log_free(&log);
		bytes_free(&b);
	}
	cr_expect(eq(str, (char *)ics_function_name(ICS_BACNET, 0x301), "i_am_router_to_network"));
	cr_expect(eq(str, (char *)ics_function_name(ICS_BACNET, 0x385),
		     "proprietary_network_message"));
	cr_expect(eq(ptr, (void *)ics_function_name(ICS_BACNET, 0x340), NULL));
}

Test(bacnet, bvll_messages)
{
	static const struct {
		const char *bvll;
		size_t n;
		uint16_t function;
		uint8_t kind, actions;
		bool exception;
	} cases[] = {
		{ "\x81\x00\x00\x06\x00\x00", 6, 0x400, ICS_KIND_RESPONSE, 0, false },
		{ "\x81\x00\x00\x06\x00\x30", 6, 0x400, ICS_KIND_RESPONSE, 0, true },
		{ "\x81\x05\x00\x06\x00\x10", 6, 0x405, ICS_KIND_REQUEST, 0, false },
		{ "\x81\x02\x00\x04", 4, 0x402, ICS_KIND_REQUEST, ICS_ACT_READ, false },
		{ "\x81\x06\x00\x04", 4, 0x406, ICS_KIND_REQUEST, ICS_ACT_READ, false },
		{ "\x81\x01\x00\x0e\x0a\x00\x00\x01\xba\xc0\xff\xff\xff\xff", 14, 0x401,
		  ICS_KIND_REQUEST, ICS_ACT_WRITE, false },
		{ "\x81\x08\x00\x0a\x0a\x00\x00\x01\xba\xc0", 10, 0x408, ICS_KIND_REQUEST,
		  ICS_ACT_WRITE, false },
		{ "\x81\x03\x00\x04", 4, 0x403, ICS_KIND_RESPONSE, 0, false },
		{ "\x81\x0c\x00\x05\x00", 5, 0x40c, ICS_KIND_REQUEST, 0, false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes b = { 0 };
		struct ics_log log = { 0 };

		bytes_put(&b, cases[i].bvll, cases[i].n);
		expect_msg(run_one(&b, &log), cases[i].function, cases[i].kind,
			   cases[i].actions, cases[i].exception);
		ics_log_free(&log);
		bytes_free(&b);
	}
	cr_expect(eq(str, (char *)ics_function_name(ICS_BACNET, 0x405), "register_foreign_device"));
}

Test(bacnet, what_is_not_bacnet_ip_is_consumed_unread)
{
	static const struct {
		const char *p;
		size_t n;
	} cases[] = {
		{ "\x82\x0b\x00\x08\x01\x00\x10\x08", 8 },	/* BACnet/IPv6 */
		{ "\x81\x0b\x00\x08\x02\x00\x10\x08", 8 },	/* NPDU version 2 */
		{ "\x81\x0b\x00\x03\x01\x00\x10\x08", 8 },	/* BVLC length < 4 */
		{ "\x81\x0d\x00\x04", 4 },			/* unknown function */
		{ "\x81\x0b\x00\x08\x01\x00\x80\x08", 8 },	/* APDU type 8 */
		{ "\x81\x0b\x00\x06\x01\x00", 6 },		/* no APDU */
		{ "\x81\x0b\x00\x07\x01\x00\x10", 7 },		/* no service choice */
		{ "\x81\x0a\x00\x08\x01\x00\x00\x05", 8 },	/* confirmed, cut */
		{ "\x81\x04\x00\x08\x0a\x00\x00\x01", 8 },	/* forwarded, address cut */
		{ "\x81\x0a\x00\x0b\x01\x20\x00\x05\xff\x10\x08", 11 },	/* DLEN overruns */
		{ "\x81\x0a\x00\x0b\x01\x08\x00\x05\x09\x10\x08", 11 },	/* SLEN overruns */
		{ "", 0 },
	};
	struct tp_packet p = packet();

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ics_log log = { 0 };

		cr_expect(eq(u32, ics_run_bytes(&ics_bacnet, &p, -1, cases[i].p, cases[i].n, &log),
			     (uint32_t)cases[i].n));
		cr_expect(eq(sz, log.nmsgs, 0), "case %zu", i);
		ics_log_free(&log);
	}
}

Test(bacnet, bvlc_length_bounds_the_npdu)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	/* An ACK whose BVLC length stops before the value's closing tag: the
	 * bytes after it are not the BVLC's. */
	rp_ack_open(&b, 8, 1, 77);
	app_string(&b, 0, "Name", 4);
	rp_ack_close(&b);
	b.p[3]--;
	run_one(&b, &log);
	cr_expect(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(bacnet, deep_constructed_values_are_bounded)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	rp_ack_open(&b, 8, 1, 76);
	for (int i = 0; i < 200; i++)
		bytes_u8(&b, 0x0e);
	for (int i = 0; i < 200; i++)
		bytes_u8(&b, 0x0f);
	rp_ack_close(&b);
	run_one(&b, &log);
	cr_expect(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- cut at every byte ---- */

Test(bacnet, i_am_cut_at_every_byte)
{
	struct bytes b = { 0 };
	size_t ends[2];

	i_am(&b, 1234, 8);
	ends[0] = 6 + 2 + 5;	/* the object identifier */
	ends[1] = b.len;	/* the vendor id, last */
	check_prefixes(&b, ends, 2);
	bytes_free(&b);
}

Test(bacnet, read_property_ack_cut_at_every_byte)
{
	struct bytes q = { 0 }, r = { 0 };
	const size_t none[1] = { 0 };
	size_t end;

	read_property(&q, &r, 1, 8, 1, 77, 4, "\x00N\x00m", 4);
	end = r.len;	/* the closing tag is the last byte */
	check_prefixes(&r, &end, 1);
	check_prefixes(&q, none, 0);
	bytes_free(&q);
	bytes_free(&r);
}

Test(bacnet, read_property_multiple_ack_cut_at_every_byte)
{
	struct bytes r = { 0 };
	size_t ends[3];

	rpm_ack(&r);
	/* Each value's closing tag 4 ends its identity: find them in order. */
	for (size_t i = 0, k = 0, opened = 0; i < r.len && k < 3; i++) {
		if (r.p[i] == 0x4e && i > 30)
			opened = 1;
		if (r.p[i] == 0x4f && opened) {
			if (r.p[i - 2] != 0x21)	/* not object-list's unsigned */
				ends[k++] = i + 1;
			opened = 0;
		}
	}
	check_prefixes(&r, ends, 3);
	bytes_free(&r);
}

Test(bacnet, forwarded_routed_i_am_cut_at_every_byte)
{
	struct bytes b = { 0 };
	static const uint8_t head[] = { 0x81, 0x04, 0, 0, 172, 16, 5, 9, 0xba, 0xc0,
					0x01, 0x28, 0x00, 0x09, 0x01, 0x07, 0x00, 0x02,
					0x06, 10, 0, 0, 7, 0xba, 0xc0, 0xfe };
	size_t ends[2];

	bytes_put(&b, head, sizeof head);
	bytes_put(&b, "\x10\x00", 2);
	object_id(&b, 0xc4, 8, 7);
	ends[0] = b.len;
	bytes_put(&b, "\x21\x32\x91\x03\x22\x01\x04", 7);
	ends[1] = b.len;
	bvlc_done(&b);
	check_prefixes(&b, ends, 2);
	bytes_free(&b);
}

/* ---- detection ---- */

Test(bacnet, detect)
{
	struct bytes b = { 0 };

	i_am(&b, 1, 2);
	cr_expect(ics_bacnet.detect(b.p, (uint32_t)b.len, false));
	cr_expect(not(ics_bacnet.detect(b.p, (uint32_t)b.len, true)));
	cr_expect(not(ics_bacnet.detect(b.p, (uint32_t)b.len - 1, false)));
	b.p[5] = 0x40;	/* reserved control bit */
	cr_expect(not(ics_bacnet.detect(b.p, (uint32_t)b.len, false)));
	b.p[5] = 0;
	b.p[4] = 2;
	cr_expect(not(ics_bacnet.detect(b.p, (uint32_t)b.len, false)));
	cr_expect(ics_bacnet.detect((const uint8_t *)"\x81\x00\x00\x06\x00\x00", 6, false));
	cr_expect(ics_bacnet.detect((const uint8_t *)"\x81\x02\x00\x04", 4, false));
	cr_expect(ics_bacnet.detect((const uint8_t *)"\x81\x04\x00\x0c\x0a\x00\x00\x01\xba\xc0\x01\x00",
				    12, false));
	cr_expect(not(ics_bacnet.detect((const uint8_t *)"\x81\x02\x00\x06\x00\x00", 6, false)));
	cr_expect(not(ics_bacnet.detect((const uint8_t *)"\x81\x01\x00\x07\x00\x00\x00", 7, false)));
	cr_expect(not(ics_bacnet.detect((const uint8_t *)"\x81\x0d\x00\x04", 4, false)));
	cr_expect(not(ics_bacnet.detect((const uint8_t *)"\x81", 1, false)));
	cr_expect(not(ics_bacnet.detect(NULL, 0, false)));
	bytes_free(&b);
}

/* ---- the corpus, against tshark ---- */

/* The function we give the frame tshark decoded as BACnet/IP, or -1. */
static long expected_function(const struct tshark_rows *t, size_t r)
{
	const char *bvlc = tshark_cell(t, r, 1), *net = tshark_cell(t, r, 2);
	const char *type = tshark_cell(t, r, 3);
	long fn = strtol(bvlc, NULL, 0);

	if (*type) {
		switch (strtol(type, NULL, 10)) {
		case 0: case 2: case 3: case 5:
			return strtol(tshark_cell(t, r, 4), NULL, 10);
		case 1:
			return 0x100 | strtol(tshark_cell(t, r, 5), NULL, 10);
		case 4: return 0x202;
		case 6: return 0x200;
		case 7: return 0x201;
		default: return -1;
		}
	}
	if (*net)
		return 0x300 | strtol(net, NULL, 0);
	if (*bvlc && fn != 0x04 && fn != 0x09 && fn != 0x0a && fn != 0x0b)
		return 0x400 | fn;
	return -1;
}

struct corpus_counts {
	size_t frames, llc, idents;
};

/*
 * Per frame: our one message is tshark's (function, invoke id); our
 * exceptions are its Error/Reject/Abort PDUs, BVLC-Result NAKs and
 * Segment-ACK NAKs; per I-Am our device_id and vendor_id are its
 * bacapp.instance_number and bacapp.vendor_identifier, unless the device
 * sits behind a router on a network without IP addresses (SNET with an
 * MS/TP SADR): then we name nobody.  tshark also decodes BACnet over
 * 802.2 LLC (frames without BVLC): tapsight reads BACnet/IP only, so those
 * frames must give no message; they are counted in llc.
 */
static struct corpus_counts compare_corpus(const char *path, const struct ics_log *log)
{
	static const char *const fields[] = {
		"bvlc.function", "bacnet.mesgtyp", "bacapp.type", "bacapp.confirmed_service",
		"bacapp.unconfirmed_service", "bacapp.invoke_id", "bvlc.result", "bacapp.NAK",
		"bacnet.snet", "bacnet.sadr_mstp", "bacapp.instance_number",
		"bacapp.vendor_identifier",
	};
	struct corpus_counts k = { 0 };
	struct tshark_rows t;
	size_t m = 0, id = 0, their_exc = 0, our_exc = 0, bad = 0;

	cr_assert(tshark_fields(path, "bvlc || bacnet", NULL, fields, 12, &t));
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		long want = expected_function(&t, r);
		const char *type = tshark_cell(&t, r, 3);
		size_t mine = 0;

		while (m < log->nmsgs && log->msgs[m].frame < frame)
			m++;
		while (id < log->nidents && log->idents[id].frame < frame)
			id++;
		for (size_t i = m; i < log->nmsgs && log->msgs[i].frame == frame; i++)
			mine += log->msgs[i].m.proto == ICS_BACNET;
		if (!*tshark_cell(&t, r, 1)) {
			k.llc++;
			cr_expect(eq(sz, mine, 0), "frame %llu", (unsigned long long)frame);
			continue;
		}
		k.frames++;
		if (mine != 1 || want < 0 || log->msgs[m].m.function != (uint16_t)want) {
			if (bad++ < 5)
				cr_log_error("frame %llu: %zu messages, function 0x%x, tshark 0x%lx",
					     (unsigned long long)frame, mine,
					     mine ? log->msgs[m].m.function : 0, want);
			continue;
		}
		if (*tshark_cell(&t, r, 6))
			cr_expect(eq(u32, log->msgs[m].m.transaction,
				     (uint32_t)strtoul(tshark_cell(&t, r, 6), NULL, 10)));
		their_exc += (*type && strtol(type, NULL, 10) >= 5) ||
			     strtol(tshark_cell(&t, r, 7), NULL, 0) != 0 ||
			     !strcmp(tshark_cell(&t, r, 8), "1") ||
			     !strcmp(tshark_cell(&t, r, 8), "True");
		our_exc += log->msgs[m].m.exception;
		if (want == 0x100) {	/* I-Am */
			bool routed = *tshark_cell(&t, r, 9) && *tshark_cell(&t, r, 10);
			char dev[16], ven[16];

			if (routed) {
				cr_expect(id >= log->nidents || log->idents[id].frame != frame,
					  "frame %llu", (unsigned long long)frame);
				continue;
			}
			snprintf(dev, sizeof dev, "%s", tshark_cell(&t, r, 11));
			snprintf(ven, sizeof ven, "%s", tshark_cell(&t, r, 12));
			cr_assert(lt(sz, id + 1, log->nidents), "frame %llu", (unsigned long long)frame);
			cr_expect(eq(u64, log->idents[id].frame, frame));
			cr_expect(eq(u8, log->idents[id].id.field, ICS_F_DEVICE_ID));
			cr_expect(eq(str, log->idents[id].value, dev));
			cr_expect(eq(u8, log->idents[id + 1].id.field, ICS_F_VENDOR_ID));
			cr_expect(eq(str, log->idents[id + 1].value, ven));
			k.idents += 2;
		}
	}
	cr_expect(eq(sz, bad, 0), "%s: %zu frames differ from tshark", path, bad);
	cr_expect(eq(sz, our_exc, their_exc), "%s: exceptions", path);
	cr_expect(eq(sz, ics_log_count(log, ICS_BACNET, -1), k.frames), "%s", path);
	tshark_rows_free(&t);
	return k;
}

/* Runs a capture of the corpus and compares it with tshark. */
static struct corpus_counts run_corpus(const char *rel, struct ics_log *log)
{
	const char *path = corpus_file(rel);

	cr_assert(ics_run_file(path, log));
	return compare_corpus(path, log);
}

static size_t bacnet_idents(const struct ics_log *log)
{
	size_t n = 0;

	for (size_t i = 0; i < log->nidents; i++)
		n += log->idents[i].id.proto == ICS_BACNET;
	return n;
}

Test(bacnet, corpus_services)
{
	struct ics_log log = { 0 };
	struct corpus_counts k = run_corpus("ics/bacnet/bacnet_services.pcap", &log);

	cr_expect(eq(sz, k.frames, 7049));
	cr_expect(eq(sz, k.llc, 109));	/* BACnet over 802.2 LLC: not read */
	/* Identities: the I-Ams of devices with an IP address only; the
	 * ReadProperty ACKs of device 29's names come from MS/TP SADR 29 behind
	 * the router 192.168.0.24. */
	cr_expect(eq(sz, k.idents, 44));
	cr_expect(eq(sz, bacnet_idents(&log), 44));
	cr_expect(eq(sz, ics_log_count(&log, ICS_BACNET, 15), 18));
	ics_log_free(&log);
}

/* The small captures: frames, identities (I-Am), and one function's count
 * (Reject, Abort, Segment-ACK) beside the comparison. */
Test(bacnet, corpus_error_reject_abort_and_segmented)
{
	static const struct {
		const char *rel;
		size_t frames, idents;
		uint16_t function;
		size_t count;
	} cases[] = {
		{ "ics/bacnet/bacnet_error_reject_abort.pcap", 45, 2, 0x200, 1 },
		{ "ics/bacnet/bacnet_error_reject_abort.pcap", 45, 2, 0x201, 1 },
		{ "ics/bacnet/bacnet_segmented_data.pcap", 20, 14, 0x202, 2 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ics_log log = { 0 };
		struct corpus_counts k = run_corpus(cases[i].rel, &log);

		cr_expect(eq(sz, k.frames, cases[i].frames), "%s", cases[i].rel);
		cr_expect(eq(sz, k.idents, cases[i].idents), "%s", cases[i].rel);
		cr_expect(eq(sz, ics_log_count(&log, ICS_BACNET, cases[i].function), cases[i].count));
		ics_log_free(&log);
	}
}

/*
 * A JCI NAE read by a workstation, plus BBMD traffic.  tshark has no field
 * for most property values (it prints them in its tree only): the names
 * below were read off `tshark -V` (UCS-2 strings), object-name also from
 * bacapp.object_name.
 */
Test(bacnet, corpus_test)
{
	static const char *const fields[] = { "bacapp.object_name" };
	struct ics_log log = { 0 };
	struct corpus_counts k = run_corpus("ics/bacnet/bacnet_test.pcap", &log);
	const char *path = corpus_file("ics/bacnet/bacnet_test.pcap");
	struct tshark_rows t;

	cr_expect(eq(sz, k.frames, 22));
	cr_expect(eq(sz, bacnet_idents(&log), 6));
	expect_ident(&log, ICS_F_DEVICE_ID, "500");	/* frame 4: object-identifier */
	expect_ident(&log, ICS_F_VENDOR_ID, "5");	/* frame 6 */
	expect_ident(&log, ICS_F_VENDOR, "JCI");	/* frame 8 */
	expect_ident(&log, ICS_F_FIRMWARE, "5.1.0.4400");	/* frame 10; frame 12 is empty */
	expect_ident(&log, ICS_F_MODEL, "MS-NAE4510-2");	/* frame 16 */
	cr_assert(tshark_fields(path, "bacapp.object_name", NULL, fields, 1, &t));
	cr_assert(eq(sz, t.nrows, 1));
	expect_ident(&log, ICS_F_NAME, tshark_cell(&t, 0, 1));	/* frame 14: KBRNAE */
	cr_expect(eq(u64, ics_log_ident(&log, ICS_BACNET, ICS_F_NAME)->frame,
		     strtoull(tshark_cell(&t, 0, 0), NULL, 10)));
	tshark_rows_free(&t);
	ics_log_free(&log);
}
