/*
 * test_enip.c - formats/ics/enip.c: EtherNet/IP encapsulation (ODVA CIP
 * Vol. 2 ch. 2), CIP explicit messages (Vol. 1 2-4, Appendix A, 3-5.4) and
 * class 0/1 I/O on UDP 2222, on hand-built messages (every byte of them
 * cut off in turn) and on the corpus, checked against tshark.
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

#define LE false
#define BE true

extern const struct ics_dissector ics_enip;

TestSuite(enip);

/* ---- packets ---- */

static struct tp_packet packet(uint8_t ip_proto, uint16_t sport, uint16_t dport, bool group)
{
	static const uint8_t a[4] = { 192, 168, 1, 10 }, b[4] = { 192, 168, 1, 20 };
	struct tp_packet p;

	memset(&p, 0, sizeof p);
	p.has_mac = true;
	p.src_mac[5] = 1;
	p.dst_mac[5] = 2;
	p.ip_version = 4;
	p.ip_proto = ip_proto;
	memcpy(p.src_ip, a, 4);
	memcpy(p.dst_ip, b, 4);
	if (group) {
		memset(p.dst_mac, 0xff, 6);
		memset(p.dst_ip, 0xff, 4);
	}
	p.sport = sport;
	p.dport = dport;
	return p;
}

static struct tp_packet tcp_to_server(void)
{
	return packet(6, 50000, 44818, false);
}

/* ---- builders ---- */

static size_t encap(struct bytes *b, uint16_t cmd, uint32_t session, uint32_t status, uint32_t ctx)
{
	size_t at = b->len;

	bytes_u16(b, cmd, LE);
	bytes_u16(b, 0, LE);	/* length: encap_done */
	bytes_u32(b, session, LE);
	bytes_u32(b, status, LE);
	bytes_u32(b, ctx, LE);
	bytes_u32(b, 0x5f5f5f5f, LE);
	bytes_u32(b, 0, LE);	/* options */
	return at;
}

static void encap_done(struct bytes *b, size_t at)
{
	size_t n = b->len - at - 24;

	b->p[at + 2] = (uint8_t)n;
	b->p[at + 3] = (uint8_t)(n >> 8);
}

/* SendRRData: null address item, unconnected data item. */
static void rr_data(struct bytes *b, const struct bytes *cip)
{
	bytes_u32(b, 0, LE);
	bytes_u16(b, 10, LE);
	bytes_u16(b, 2, LE);
	bytes_u16(b, 0x0000, LE);
	bytes_u16(b, 0, LE);
	bytes_u16(b, 0x00b2, LE);
	bytes_u16(b, (uint16_t)cip->len, LE);
	bytes_put(b, cip->p, cip->len);
}

/* SendUnitData: connected address item, connected data item. */
static void unit_data(struct bytes *b, uint32_t conn, uint16_t seq, const struct bytes *cip)
{
	bytes_u32(b, 0, LE);
	bytes_u16(b, 0, LE);
	bytes_u16(b, 2, LE);
	bytes_u16(b, 0x00a1, LE);
	bytes_u16(b, 4, LE);
	bytes_u32(b, conn, LE);
	bytes_u16(b, 0x00b1, LE);
	bytes_u16(b, (uint16_t)(cip->len + 2), LE);
	bytes_u16(b, seq, LE);
	bytes_put(b, cip->p, cip->len);
}

static void whole_rr(struct bytes *b, uint32_t ctx, const struct bytes *cip)
{
	size_t at = encap(b, 0x006f, 0x11223344, 0, ctx);

	rr_data(b, cip);
	encap_done(b, at);
}

static void cip_request(struct bytes *b, uint8_t svc, const char *path, size_t pathlen,
			const void *data, size_t n)
{
	bytes_u8(b, svc);
	bytes_u8(b, (uint8_t)(pathlen / 2));
	bytes_put(b, path, pathlen);
	bytes_put(b, data, n);
}

static void cip_reply(struct bytes *b, uint8_t svc, uint8_t status, const void *data, size_t n)
{
	bytes_u8(b, svc | 0x80);
	bytes_u8(b, 0);
	bytes_u8(b, status);
	bytes_u8(b, 0);
	bytes_put(b, data, n);
}

/* Multiple_Service_Packet data around n embedded services. */
static void msp_data(struct bytes *b, const struct bytes *svcs, size_t n)
{
	size_t off = 2 + 2 * n;

	bytes_u16(b, (uint16_t)n, LE);
	for (size_t i = 0; i < n; i++) {
		bytes_u16(b, (uint16_t)off, LE);
		off += svcs[i].len;
	}
	for (size_t i = 0; i < n; i++)
		bytes_put(b, svcs[i].p, svcs[i].len);
}

#define MR_PATH "\x20\x02\x24\x01"	/* Message Router, instance 1 */
#define CM_PATH "\x20\x06\x24\x01"	/* Connection Manager, instance 1 */
#define ID_PATH "\x20\x01\x24\x01"	/* Identity, instance 1 */

/* The ListIdentity reply of build_enip.c's adapter, and of a 1756-ENBT. */
static void list_identity_reply(struct bytes *b, const char *name)
{
	size_t at = encap(b, 0x0063, 0, 0, 0x30303031), item;

	bytes_u16(b, 1, LE);
	bytes_u16(b, 0x000c, LE);
	item = b->len;
	bytes_u16(b, 0, LE);
	bytes_u16(b, 1, LE);		/* encapsulation version */
	bytes_u16(b, 2, BE);		/* sin_family */
	bytes_u16(b, 44818, BE);
	bytes_put(b, "\xc0\xa8\x01\x14", 4);
	bytes_zeros(b, 8);
	bytes_u16(b, 1, LE);		/* vendor */
	bytes_u16(b, 0x0c, LE);		/* device type */
	bytes_u16(b, 58, LE);		/* product code */
	bytes_u8(b, 4);
	bytes_u8(b, 3);			/* revision 4.03 */
	bytes_u16(b, 0x0030, LE);
	bytes_u32(b, 0x00524d8e, LE);
	bytes_u8(b, (uint8_t)strlen(name));
	bytes_put(b, name, strlen(name));
	bytes_u8(b, 3);			/* state */
	b->p[item] = (uint8_t)(b->len - item - 2);
	encap_done(b, at);
}

/* ---- checks ---- */

/* a is b, but for counters b has and a, from fewer bytes, has not. */
static bool msg_eq(const struct ics_msg *a, const struct ics_msg *b)
{
	return a->proto == b->proto && a->kind == b->kind && a->function == b->function &&
	       a->actions == b->actions && a->exception == b->exception &&
	       a->sender_role == b->sender_role && a->receiver_role == b->receiver_role &&
	       a->has_transaction == b->has_transaction &&
	       (!a->has_transaction || a->transaction == b->transaction) &&
	       a->has_unit == b->has_unit && (!a->has_unit || a->unit == b->unit) &&
	       a->nseq <= b->nseq && (a->nseq < 1 || a->seq[0] == b->seq[0]) &&
	       (a->nseq < 2 || a->seq[1] == b->seq[1]);
}

static const struct ics_logged_msg *nth(const struct ics_log *log, enum ics_proto proto, size_t n)
{
	for (size_t i = 0; i < log->nmsgs; i++)
		if (log->msgs[i].m.proto == proto && n-- == 0)
			return &log->msgs[i];
	return NULL;
}

static void check_msg(const struct ics_log *log, enum ics_proto proto, size_t n, uint16_t function,
		      uint8_t kind, uint8_t actions, bool exception)
{
	const struct ics_logged_msg *m = nth(log, proto, n);

	cr_assert(m != NULL, "no message %zu of proto %d", n, proto);
	cr_expect(eq(u16, m->m.function, function));
	cr_expect(eq(u8, m->m.kind, kind));
	cr_expect(eq(u8, m->m.actions, actions));
	cr_expect(eq(int, m->m.exception, exception));
}

static void expect_ident(const struct ics_log *log, enum ics_field f, const char *value)
{
	const struct ics_logged_ident *id = ics_log_ident(log, ICS_ENIP, f);

	cr_assert(id != NULL, "no identity %s", ics_field_name(f));
	cr_expect(eq(str, (char *)id->value, (char *)value), "%s", ics_field_name(f));
	cr_expect(eq(u8, id->id.subject, ICS_SUBJECT_SENDER));
}

/*
 * Every prefix of p: nothing reported that the whole does not report; on a
 * stream, the return is the last PDU boundary at or below n (bounds: the
 * PDU starts and the total) and the messages are those of the PDUs before
 * it; elsewhere everything is consumed.
 */
static void check_prefixes(const struct tp_packet *pkt, int to_server, const struct bytes *b,
			   const size_t *bounds, size_t nbounds)
{
	struct ics_log full = { 0 };
	bool stream = pkt->ip_proto == 6;

	cr_assert(eq(u32, ics_run_bytes(&ics_enip, pkt, to_server, b->p, b->len, &full),
		     (uint32_t)b->len));
	for (size_t n = 0; n < b->len; n++) {
		struct ics_log part = { 0 }, upto = { 0 };
		uint32_t used = ics_run_bytes(&ics_enip, pkt, to_server, b->p, n, &part);

		cr_assert(le(sz, part.nmsgs, full.nmsgs), "n=%zu", n);
		for (size_t i = 0; i < part.nmsgs; i++) {
			bool found = false;

			for (size_t j = 0; j < full.nmsgs && !found; j++)
				found = msg_eq(&part.msgs[i].m, &full.msgs[j].m);
			cr_assert(found, "n=%zu: message %zu is not the whole's", n, i);
		}
		for (size_t i = 0; i < part.nidents; i++) {
			bool found = false;

			for (size_t j = 0; j < full.nidents && !found; j++)
				found = part.idents[i].id.field == full.idents[j].id.field &&
					!strcmp(part.idents[i].value, full.idents[j].value);
			cr_assert(found, "n=%zu: identity %zu is not the whole's", n, i);
		}
		if (stream) {
			size_t keep = 0;

			for (size_t k = 0; k < nbounds; k++)
				if (bounds[k] <= n)
					keep = bounds[k];
			cr_assert(eq(u32, used, (uint32_t)keep), "n=%zu", n);
			ics_run_bytes(&ics_enip, pkt, to_server, b->p, keep, &upto);
			cr_assert(eq(sz, part.nmsgs, upto.nmsgs), "n=%zu", n);
			cr_assert(eq(sz, part.nidents, upto.nidents), "n=%zu", n);
		} else {
			cr_assert(eq(u32, used, (uint32_t)n), "n=%zu", n);
		}
		ics_log_free(&part);
		ics_log_free(&upto);
	}
	ics_log_free(&full);
}

/* ---- encapsulation ---- */

Test(enip, list_identity_request_and_reply)
{
	struct tp_packet q = packet(17, 44818, 44818, true), r = packet(17, 44818, 44818, false);
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = encap(&b, 0x0063, 0, 0, 0x30303031);

	encap_done(&b, at);
	ics_run_bytes(&ics_enip, &q, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	check_msg(&log, ICS_ENIP, 0, 0x0063, ICS_KIND_REQUEST, 0, false);
	cr_expect(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_CLIENT));
	cr_expect(eq(u8, log.msgs[0].m.receiver_role, ICS_ROLE_NONE));
	cr_expect(eq(u32, log.msgs[0].m.transaction, 0x30303031));
	ics_log_free(&log);

	b.len = 0;
	list_identity_reply(&b, "1756-ENBT/A");
	ics_run_bytes(&ics_enip, &r, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	check_msg(&log, ICS_ENIP, 0, 0x0063, ICS_KIND_RESPONSE, 0, false);
	cr_expect(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_SERVER));
	cr_expect(eq(u8, log.msgs[0].m.receiver_role, ICS_ROLE_CLIENT));
	cr_assert(eq(sz, log.nidents, 7));
	expect_ident(&log, ICS_F_VENDOR_ID, "1");
	expect_ident(&log, ICS_F_VENDOR, "Rockwell Automation/Allen-Bradley");
	expect_ident(&log, ICS_F_DEVICE_TYPE, "12");
	expect_ident(&log, ICS_F_PRODUCT_CODE, "58");
	expect_ident(&log, ICS_F_FIRMWARE, "4.03");
	expect_ident(&log, ICS_F_SERIAL, "0x00524d8e");
	expect_ident(&log, ICS_F_PRODUCT, "1756-ENBT/A");
	ics_log_free(&log);
	bytes_free(&b);
}

Test(enip, list_identity_reply_cut_anywhere_names_nothing)
{
	struct tp_packet r = packet(17, 44818, 44818, false);
	struct bytes b = { 0 };
	const size_t bounds[] = { 0 };

	list_identity_reply(&b, "1756-ENBT/A");
	check_prefixes(&r, -1, &b, bounds, 1);
	for (size_t n = 0; n < b.len; n++) {
		struct ics_log log = { 0 };

		ics_run_bytes(&ics_enip, &r, -1, b.p, n, &log);
		cr_assert(eq(sz, log.nidents, 0), "n=%zu", n);
		cr_assert(eq(sz, log.nmsgs, n >= 24), "n=%zu", n);
		ics_log_free(&log);
	}
	/* Over TCP the same bytes are kept until the whole message is there. */
	r = tcp_to_server();
	check_prefixes(&r, 0, &b, bounds, 1);
	bytes_free(&b);
}

Test(enip, list_identity_reply_with_an_error_status_is_an_exception)
{
	struct tp_packet r = packet(17, 44818, 44818, false);
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	list_identity_reply(&b, "X");
	b.p[8] = 0x01;	/* status: invalid or unsupported command */
	ics_run_bytes(&ics_enip, &r, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_expect(log.msgs[0].m.exception);
	cr_expect(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(enip, register_session_request_and_reply)
{
	struct tp_packet q = tcp_to_server(), r = packet(6, 44818, 50000, false);
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = encap(&b, 0x0065, 0, 0, 7);

	bytes_u16(&b, 1, LE);
	bytes_u16(&b, 0, LE);
	encap_done(&b, at);
	/* Content decides even when the side is unknown: session 0 asks. */
	ics_run_bytes(&ics_enip, &q, -1, b.p, b.len, &log);
	b.p[4] = 0x01;
	ics_run_bytes(&ics_enip, &r, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	check_msg(&log, ICS_ENIP, 0, 0x0065, ICS_KIND_REQUEST, 0, false);
	check_msg(&log, ICS_ENIP, 1, 0x0065, ICS_KIND_RESPONSE, 0, false);
	cr_expect(eq(u8, log.msgs[1].m.sender_role, ICS_ROLE_SERVER));
	cr_expect(eq(u32, log.msgs[1].m.transaction, 7));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(enip, commands_without_cip)
{
	struct tp_packet q = tcp_to_server();
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	uint16_t cmds[] = { 0x0004, 0x0064, 0x0066, 0x0000, 0x0072 };
	size_t at;

	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		at = encap(&b, cmds[i], 1, 0, 0);
		encap_done(&b, at);
	}
	cr_assert(eq(u32, ics_run_bytes(&ics_enip, &q, 0, b.p, b.len, &log), (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 5));
	check_msg(&log, ICS_ENIP, 0, 0x0004, ICS_KIND_REQUEST, 0, false);
	check_msg(&log, ICS_ENIP, 1, 0x0064, ICS_KIND_REQUEST, 0, false);
	check_msg(&log, ICS_ENIP, 2, 0x0066, ICS_KIND_REQUEST, 0, false);
	check_msg(&log, ICS_ENIP, 3, 0x0000, ICS_KIND_REQUEST, 0, false);
	check_msg(&log, ICS_ENIP, 4, 0x0072, ICS_KIND_RESPONSE, 0, false);	/* to_server 0 */
	ics_log_free(&log);
	bytes_free(&b);
}

Test(enip, unknown_command_on_tcp_is_consumed_unread)
{
	struct tp_packet q = tcp_to_server();
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = encap(&b, 0x0099, 0, 0, 0);

	encap_done(&b, at);
	at = encap(&b, 0x0066, 0, 0, 0);	/* a good one after it is not looked for */
	encap_done(&b, at);
	cr_assert(eq(u32, ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log), (uint32_t)b.len));
	cr_expect(eq(sz, log.nmsgs, 0));
	/* A known command with options: not a header either. */
	b.p[0] = 0x66;
	b.p[20] = 0x01;
	cr_assert(eq(u32, ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log), (uint32_t)b.len));
	cr_expect(eq(sz, log.nmsgs, 0));
	/* Two bytes of a header that cannot be one: consumed too. */
	cr_expect(eq(u32, ics_run_bytes(&ics_enip, &q, 1, "\x99\x00", 2, &log), 2));
	/* ... but two of one that can be: kept. */
	cr_expect(eq(u32, ics_run_bytes(&ics_enip, &q, 1, "\x6f\x00", 2, &log), 0));
	cr_expect(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(enip, lengths_zero_and_largest)
{
	struct tp_packet q = tcp_to_server();
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = encap(&b, 0x006f, 1, 0, 0);	/* SendRRData of no data */

	encap_done(&b, at);
	at = encap(&b, 0x006f, 1, 0, 0);
	b.p[at + 2] = b.p[at + 3] = 0xff;	/* 65535 bytes announced */
	bytes_zeros(&b, 100);
	cr_assert(eq(u32, ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log), 24));
	cr_assert(eq(sz, log.nmsgs, 1));
	check_msg(&log, ICS_ENIP, 0, 0x006f, ICS_KIND_REQUEST, 0, false);
	ics_log_free(&log);
	/* The same cut on UDP: shown from its header, nothing from its data. */
	q = packet(17, 50000, 44818, false);
	cr_assert(eq(u32, ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log), (uint32_t)b.len));
	cr_expect(eq(sz, ics_log_count(&log, ICS_ENIP, 0x006f), 2));
	cr_expect(eq(sz, ics_log_count(&log, ICS_CIP, -1), 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- CIP ---- */

/* build_enip.c: RegisterSession, then Forward_Open through SendRRData. */
Test(enip, forward_open_as_the_simulator_sends_it)
{
	struct tp_packet q = tcp_to_server(), r = packet(6, 44818, 50000, false);
	struct bytes cip = { 0 }, b = { 0 };
	struct ics_log log = { 0 };
	static const uint8_t fo[] = {
		0x0a, 0x0e, 0, 0, 0, 0, 0x02, 0, 0x5c, 0x0b, 0x42, 0, 1, 0, 0xc3, 0xb2, 0xa1,
		0x60, 2, 0, 0, 0, 0xa0, 0x86, 1, 0, 0x0e, 0x48, 0xa0, 0x86, 1, 0, 0x0a, 0x48,
		0x01, 4, 0x20, 0x04, 0x24, 0x01, 0x2c, 0x96, 0x2c, 0x64,
	};
	static const uint8_t reply[26] = { 1, 0, 0x2e, 0x1f, 2, 0, 0x5c, 0x0b, 0x42 };

	cip_request(&cip, 0x54, CM_PATH, 4, fo, sizeof fo);
	whole_rr(&b, 9, &cip);
	ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log);
	b.len = cip.len = 0;
	cip_reply(&cip, 0x54, 0, reply, sizeof reply);
	whole_rr(&b, 9, &cip);
	ics_run_bytes(&ics_enip, &r, 0, b.p, b.len, &log);

	cr_assert(eq(sz, log.nmsgs, 4));
	cr_expect(eq(u8, log.msgs[0].m.proto, ICS_ENIP));
	cr_expect(eq(u8, log.msgs[1].m.proto, ICS_CIP));
	check_msg(&log, ICS_ENIP, 0, 0x006f, ICS_KIND_REQUEST, 0, false);
	check_msg(&log, ICS_CIP, 0, 0x54, ICS_KIND_REQUEST, 0, false);
	check_msg(&log, ICS_ENIP, 1, 0x006f, ICS_KIND_RESPONSE, 0, false);
	check_msg(&log, ICS_CIP, 1, 0x54, ICS_KIND_RESPONSE, 0, false);
	cr_expect(eq(u8, log.msgs[1].m.sender_role, ICS_ROLE_CLIENT));
	cr_expect(eq(u8, log.msgs[1].m.receiver_role, ICS_ROLE_SERVER));
	cr_expect(eq(u8, log.msgs[3].m.sender_role, ICS_ROLE_SERVER));
	cr_expect(eq(u32, log.msgs[3].m.transaction, 9));
	cr_expect(eq(str, (char *)ics_function_name(ICS_CIP, 0x54), "forward_open"));
	cr_expect(eq(str, (char *)ics_function_name(ICS_ENIP, 0x6f), "send_rr_data"));
	ics_log_free(&log);
	bytes_free(&cip);
	bytes_free(&b);
}

Test(enip, common_services_and_their_actions)
{
	static const struct {
		uint8_t svc;
		uint8_t actions;
	} cases[] = {
		{ 0x01, ICS_ACT_READ },	     { 0x0e, ICS_ACT_READ },	  { 0x03, ICS_ACT_READ },
		{ 0x10, ICS_ACT_WRITE },     { 0x02, ICS_ACT_WRITE },	  { 0x04, ICS_ACT_WRITE },
		{ 0x08, ICS_ACT_WRITE },     { 0x09, ICS_ACT_WRITE },	  { 0x15, ICS_ACT_WRITE },
		{ 0x05, ICS_ACT_STOPSTART }, { 0x06, ICS_ACT_STOPSTART }, { 0x07, ICS_ACT_STOPSTART },
		{ 0x4c, 0 },		     { 0x4d, 0 },		  { 0x11, 0 },
	};
	struct tp_packet q = tcp_to_server();

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes cip = { 0 }, b = { 0 };
		struct ics_log log = { 0 };

		cip_request(&cip, cases[i].svc, ID_PATH "\x30\x07", 6, "\x01\x02", 2);
		whole_rr(&b, 1, &cip);
		ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log);
		cr_assert(eq(sz, ics_log_count(&log, ICS_CIP, -1), 1));
		check_msg(&log, ICS_CIP, 0, cases[i].svc, ICS_KIND_REQUEST, cases[i].actions, false);
		ics_log_free(&log);
		bytes_free(&cip);
		bytes_free(&b);
	}
	cr_expect(eq(str, (char *)ics_function_name(ICS_CIP, 0x10), "set_attribute_single"));
	cr_expect(eq(str, (char *)ics_function_name(ICS_CIP, 0x05), "reset"));
	cr_expect(eq(ptr, (void *)ics_function_name(ICS_CIP, 0x7f), NULL));
}

Test(enip, logix_tag_services_by_symbolic_path)
{
	struct tp_packet q = tcp_to_server();
	struct bytes cip = { 0 }, b = { 0 };
	struct ics_log log = { 0 };

	/* Write_Tag "Valve_1" (odd length: padded), Read_Tag_Fragmented
	 * "Level", Read_Modify_Write_Tag to symbol instance 0x6b/5. */
	cip_request(&cip, 0x4d, "\x91\x07Valve_1\x00", 10, "\xc1\x00\x01\x00\x01\x00", 6);
	whole_rr(&b, 1, &cip);
	cip.len = 0;
	cip_request(&cip, 0x52, "\x91\x05Level\x00", 8, "\x01\x00\x00\x00\x00\x00", 6);
	whole_rr(&b, 2, &cip);
	cip.len = 0;
	cip_request(&cip, 0x4e, "\x20\x6b\x24\x05", 4, "\x02\x00\x01\x00", 4);
	whole_rr(&b, 3, &cip);
	ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log);
	cr_assert(eq(sz, ics_log_count(&log, ICS_CIP, -1), 3));
	check_msg(&log, ICS_CIP, 0, 0x4d, ICS_KIND_REQUEST, ICS_ACT_WRITE, false);
	check_msg(&log, ICS_CIP, 1, 0x52, ICS_KIND_REQUEST, ICS_ACT_READ, false);
	check_msg(&log, ICS_CIP, 2, 0x4e, ICS_KIND_REQUEST, ICS_ACT_WRITE, false);
	ics_log_free(&log);
	bytes_free(&cip);
	bytes_free(&b);
}

Test(enip, unconnected_send_carries_one_more_request)
{
	struct tp_packet q = tcp_to_server();
	struct bytes inner = { 0 }, data = { 0 }, cip = { 0 }, b = { 0 };
	struct ics_log log = { 0 };

	cip_request(&inner, 0x01, ID_PATH, 4, "\x00", 1);	/* 7 bytes: padded */
	bytes_u8(&data, 0x0a);
	bytes_u8(&data, 0xf0);
	bytes_u16(&data, (uint16_t)inner.len, LE);
	bytes_put(&data, inner.p, inner.len);
	bytes_u8(&data, 0);	/* pad */
	bytes_put(&data, "\x01\x00\x01\x00", 4);	/* route: backplane, slot 0 */
	cip_request(&cip, 0x52, CM_PATH, 4, data.p, data.len);
	whole_rr(&b, 1, &cip);
	ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log);
	cr_assert(eq(sz, ics_log_count(&log, ICS_CIP, -1), 2));
	check_msg(&log, ICS_CIP, 0, 0x52, ICS_KIND_REQUEST, 0, false);
	check_msg(&log, ICS_CIP, 1, 0x01, ICS_KIND_REQUEST, ICS_ACT_READ, false);
	ics_log_free(&log);

	/* Its message size beyond the data: the embedded request is not read. */
	b.len = cip.len = 0;
	data.p[2] = 0x40;
	cip_request(&cip, 0x52, CM_PATH, 4, data.p, data.len);
	whole_rr(&b, 1, &cip);
	ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log);
	cr_expect(eq(sz, ics_log_count(&log, ICS_CIP, -1), 1));
	ics_log_free(&log);
	bytes_free(&inner);
	bytes_free(&data);
	bytes_free(&cip);
	bytes_free(&b);
}

static void msp_services(struct bytes *svcs)
{
	cip_request(&svcs[0], 0x0e, ID_PATH "\x30\x07", 6, NULL, 0);
	cip_request(&svcs[1], 0x10, "\x20\xf5\x24\x01\x30\x05", 6, "\x00\x00\x00\x00", 4);
	cip_request(&svcs[2], 0x4c, "\x91\x03Tag\x00", 6, "\x01\x00", 2);
}

Test(enip, multiple_service_packet_one_message_each_in_send_unit_data)
{
	struct tp_packet q = tcp_to_server(), r = packet(6, 44818, 50000, false);
	struct bytes svcs[3] = { { 0 } }, data = { 0 }, cip = { 0 }, b = { 0 };
	struct ics_log log = { 0 };
	size_t at;

	msp_services(svcs);
	msp_data(&data, svcs, 3);
	cip_request(&cip, 0x0a, MR_PATH, 4, data.p, data.len);
	at = encap(&b, 0x0070, 1, 0, 0);
	unit_data(&b, 0x11223344, 0x0102, &cip);
	encap_done(&b, at);
	ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log);

	cr_assert(eq(sz, ics_log_count(&log, ICS_ENIP, 0x0070), 1));
	cr_assert(eq(sz, ics_log_count(&log, ICS_CIP, -1), 4));
	check_msg(&log, ICS_CIP, 0, 0x0a, ICS_KIND_REQUEST, 0, false);
	check_msg(&log, ICS_CIP, 1, 0x0e, ICS_KIND_REQUEST, ICS_ACT_READ, false);
	check_msg(&log, ICS_CIP, 2, 0x10, ICS_KIND_REQUEST, ICS_ACT_WRITE, false);
	check_msg(&log, ICS_CIP, 3, 0x4c, ICS_KIND_REQUEST, ICS_ACT_READ, false);
	for (size_t i = 1; i < log.nmsgs; i++)
		cr_expect(eq(u32, log.msgs[i].m.transaction, 0x0102));
	ics_log_free(&log);

	/* The reply: one service failed, so the packet says 0x1E. */
	for (int i = 0; i < 3; i++)
		svcs[i].len = 0;
	cip_reply(&svcs[0], 0x0e, 0, "\x0c\x00", 2);
	cip_reply(&svcs[1], 0x10, 0x0f, NULL, 0);	/* privilege violation */
	cip_reply(&svcs[2], 0x4c, 0, "\xc1\x00\x01", 3);
	data.len = cip.len = b.len = 0;
	msp_data(&data, svcs, 3);
	cip_reply(&cip, 0x0a, 0x1e, data.p, data.len);
	at = encap(&b, 0x0070, 1, 0, 0);
	unit_data(&b, 0x55667788, 0x0102, &cip);
	encap_done(&b, at);
	ics_run_bytes(&ics_enip, &r, 0, b.p, b.len, &log);
	cr_assert(eq(sz, ics_log_count(&log, ICS_CIP, -1), 4));
	check_msg(&log, ICS_CIP, 0, 0x0a, ICS_KIND_RESPONSE, 0, true);
	check_msg(&log, ICS_CIP, 1, 0x0e, ICS_KIND_RESPONSE, 0, false);
	check_msg(&log, ICS_CIP, 2, 0x10, ICS_KIND_RESPONSE, 0, true);
	check_msg(&log, ICS_CIP, 3, 0x4c, ICS_KIND_RESPONSE, 0, false);
	check_msg(&log, ICS_ENIP, 0, 0x0070, ICS_KIND_RESPONSE, 0, false);
	ics_log_free(&log);
	for (int i = 0; i < 3; i++)
		bytes_free(&svcs[i]);
	bytes_free(&data);
	bytes_free(&cip);
	bytes_free(&b);
}

/* Offsets into the offset table, past the end, or going back, and counts
 * larger than the data: the services from there on are not read. */
Test(enip, multiple_service_packet_bad_offsets_and_counts)
{
	static const struct {
		const char *data;
		size_t n;
		size_t embedded;
	} cases[] = {
		{ "\x01\x00\x02\x00\x0e\x02\x20\x01\x24\x01", 10, 0 },	/* offset in the table */
		{ "\x01\x00\x40\x00\x0e\x02\x20\x01\x24\x01", 10, 0 },	/* beyond the data */
		{ "\x02\x00\x06\x00\x04\x00\x0e\x00\x0e\x00", 10, 0 },	/* going back */
		{ "\xe8\x03\x06\x00", 4, 0 },				/* 1000 services */
		{ "\x02\x00\x06\x00\x08\x00\x0e\x00\x0e\x00", 10, 2 },	/* two, no path */
		{ "\x00\x00", 2, 0 },					/* none */
		{ "", 0, 0 },
	};
	struct tp_packet q = tcp_to_server();

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes cip = { 0 }, b = { 0 };
		struct ics_log log = { 0 };

		cip_request(&cip, 0x0a, MR_PATH, 4, cases[i].data, cases[i].n);
		whole_rr(&b, 1, &cip);
		ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log);
		cr_expect(eq(sz, ics_log_count(&log, ICS_CIP, -1), 1 + cases[i].embedded), "case %zu",
			  i);
		ics_log_free(&log);
		bytes_free(&cip);
		bytes_free(&b);
	}
}

Test(enip, nesting_is_bounded)
{
	struct tp_packet q = tcp_to_server();
	struct bytes cip = { 0 }, b = { 0 };
	struct ics_log log = { 0 };

	/* Ten Multiple_Service_Packets, each the only service of the last. */
	cip_request(&cip, 0x0e, ID_PATH, 4, NULL, 0);
	for (int i = 0; i < 10; i++) {
		struct bytes data = { 0 }, outer = { 0 };

		msp_data(&data, &cip, 1);
		cip_request(&outer, 0x0a, MR_PATH, 4, data.p, data.len);
		bytes_free(&cip);
		cip = outer;
		bytes_free(&data);
	}
	whole_rr(&b, 1, &cip);
	ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log);
	cr_expect(eq(sz, ics_log_count(&log, ICS_CIP, -1), 5));	/* depth 0..4 */
	ics_log_free(&log);
	bytes_free(&cip);
	bytes_free(&b);
}

Test(enip, error_status_and_short_cip_headers)
{
	struct tp_packet r = packet(6, 44818, 50000, false);
	struct bytes cip = { 0 }, b = { 0 };
	struct ics_log log = { 0 };

	bytes_put(&cip, "\x8e\x00\x05\x01\x00\x00", 6);	/* path destination unknown, ext */
	whole_rr(&b, 1, &cip);
	cip.len = 0;
	bytes_put(&cip, "\x8e\x00\x05\x02\x00\x00", 6);	/* ext status words beyond the item */
	whole_rr(&b, 1, &cip);
	cip.len = 0;
	bytes_put(&cip, "\x0e\x03\x20\x01", 4);		/* path beyond the item */
	whole_rr(&b, 1, &cip);
	ics_run_bytes(&ics_enip, &r, 0, b.p, b.len, &log);
	cr_expect(eq(sz, ics_log_count(&log, ICS_ENIP, -1), 3));
	cr_assert(eq(sz, ics_log_count(&log, ICS_CIP, -1), 1));
	check_msg(&log, ICS_CIP, 0, 0x0e, ICS_KIND_RESPONSE, 0, true);
	ics_log_free(&log);
	bytes_free(&cip);
	bytes_free(&b);
}

/* CPF item counts and lengths beyond the data: nothing read from them. */
Test(enip, cpf_counts_and_lengths_that_overrun)
{
	struct tp_packet q = tcp_to_server();
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = encap(&b, 0x006f, 1, 0, 0);

	bytes_u32(&b, 0, LE);
	bytes_u16(&b, 0, LE);
	bytes_u16(&b, 0xffff, LE);	/* 65535 items */
	bytes_put(&b, "\x00\x00\x00\x00\xb2\x00\x06\x00\x0e\x02\x20\x01\x24\x01", 14);
	encap_done(&b, at);
	at = encap(&b, 0x006f, 1, 0, 0);
	bytes_u32(&b, 0, LE);
	bytes_u16(&b, 0, LE);
	bytes_u16(&b, 2, LE);
	bytes_put(&b, "\x00\x00\x00\x00\xb2\x00\x07\x00\x0e\x02\x20\x01\x24\x01", 14);
	encap_done(&b, at);	/* its data item says 7 bytes, 6 follow */
	cr_assert(eq(u32, ics_run_bytes(&ics_enip, &q, 1, b.p, b.len, &log), (uint32_t)b.len));
	cr_expect(eq(sz, ics_log_count(&log, ICS_ENIP, -1), 2));
	cr_expect(eq(sz, ics_log_count(&log, ICS_CIP, -1), 1));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(enip, several_pdus_in_a_segment_cut_at_every_byte)
{
	struct tp_packet q = tcp_to_server();
	struct bytes svcs[3] = { { 0 } }, data = { 0 }, cip = { 0 }, b = { 0 };
	size_t bounds[4], at;

	bounds[0] = 0;
	at = encap(&b, 0x0065, 0, 0, 1);
	bytes_u32(&b, 1, LE);
	encap_done(&b, at);
	bounds[1] = b.len;
	msp_services(svcs);
	msp_data(&data, svcs, 3);
	cip_request(&cip, 0x0a, MR_PATH, 4, data.p, data.len);
	at = encap(&b, 0x0070, 1, 0, 0);
	unit_data(&b, 0x11223344, 7, &cip);
	encap_done(&b, at);
	bounds[2] = b.len;
	cip.len = 0;
	cip_request(&cip, 0x05, ID_PATH, 4, NULL, 0);
	whole_rr(&b, 2, &cip);
	bounds[3] = b.len;
	check_prefixes(&q, 1, &b, bounds, 4);
	/* The same bytes as one datagram: everything consumed every time. */
	q = packet(17, 50000, 44818, false);
	check_prefixes(&q, 1, &b, bounds, 4);
	for (int i = 0; i < 3; i++)
		bytes_free(&svcs[i]);
	bytes_free(&data);
	bytes_free(&cip);
	bytes_free(&b);
}

/* ---- class 0/1 I/O ---- */

static void io_datagram(struct bytes *b, uint32_t conn, uint32_t seq, uint16_t cseq)
{
	bytes_u16(b, 2, LE);
	bytes_u16(b, 0x8002, LE);
	bytes_u16(b, 8, LE);
	bytes_u32(b, conn, LE);
	bytes_u32(b, seq, LE);
	bytes_u16(b, 0x00b1, LE);
	bytes_u16(b, 2 + 4 + 8, LE);
	bytes_u16(b, cseq, LE);
	bytes_u32(b, 1, LE);	/* run/idle */
	bytes_zeros(b, 8);
}

Test(enip, cyclic_io_counters_and_roles)
{
	static const struct {
		uint16_t sport, dport;
		bool group;
		uint8_t sender, receiver;
	} cases[] = {
		{ 2222, 2222, false, ICS_ROLE_NONE, ICS_ROLE_NONE },
		{ 2222, 2222, true, ICS_ROLE_ADAPTER, ICS_ROLE_NONE },
		{ 49152, 2222, false, ICS_ROLE_SCANNER, ICS_ROLE_ADAPTER },
		{ 2222, 49152, false, ICS_ROLE_ADAPTER, ICS_ROLE_SCANNER },
	};
	struct bytes b = { 0 };

	io_datagram(&b, 0x1f2e0001, 73321448, 0x0102);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tp_packet p = packet(17, cases[i].sport, cases[i].dport, cases[i].group);
		struct ics_log log = { 0 };
		const struct ics_msg *m;

		cr_assert(eq(u32, ics_run_bytes(&ics_enip, &p, -1, b.p, b.len, &log), (uint32_t)b.len));
		cr_assert(eq(sz, log.nmsgs, 1));
		m = &log.msgs[0].m;
		cr_expect(eq(u8, m->proto, ICS_CIP_IO));
		cr_expect(eq(u8, m->kind, ICS_KIND_PUBLISH));
		cr_expect(eq(u16, m->function, 0));
		cr_expect(m->has_unit);
		cr_expect(eq(u32, m->unit, 0x1f2e0001));
		cr_expect(eq(u8, m->nseq, 2));
		cr_expect(eq(u32, m->seq[0], 73321448));
		cr_expect(eq(u32, m->seq[1], 0x0102));
		cr_expect(eq(u8, m->sender_role, cases[i].sender), "case %zu", i);
		cr_expect(eq(u8, m->receiver_role, cases[i].receiver), "case %zu", i);
		ics_log_free(&log);
	}
	cr_expect(eq(str, (char *)ics_function_name(ICS_CIP_IO, 0), "cyclic_io"));
	bytes_free(&b);
}

Test(enip, cyclic_io_cut_at_every_byte)
{
	struct tp_packet p = packet(17, 2222, 2222, false);
	struct bytes b = { 0 };
	const size_t bounds[] = { 0 };

	io_datagram(&b, 0x1f2e0001, 5, 6);
	check_prefixes(&p, -1, &b, bounds, 1);
	for (size_t n = 0; n < b.len; n++) {
		struct ics_log log = { 0 };

		ics_run_bytes(&ics_enip, &p, -1, b.p, n, &log);
		cr_assert(eq(sz, log.nmsgs, n >= 14), "n=%zu", n);
		if (log.nmsgs)
			cr_assert(eq(u8, log.msgs[0].m.nseq, n >= 18 + 2 ? 2 : 1), "n=%zu", n);
		ics_log_free(&log);
	}
	bytes_free(&b);
}

Test(enip, cyclic_io_without_an_address_item_is_not_shown)
{
	struct tp_packet p = packet(17, 2222, 2222, false);
	struct ics_log log = { 0 };

	ics_run_bytes(&ics_enip, &p, -1, "\x01\x00\xb1\x00\x02\x00\x01\x00", 8, &log);
	ics_run_bytes(&ics_enip, &p, -1, "\x00\x00", 2, &log);
	cr_expect(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
}

/* ---- detection ---- */

Test(enip, detect)
{
	struct bytes b = { 0 }, io = { 0 };
	size_t at = encap(&b, 0x0065, 0, 0, 0);

	bytes_u16(&b, 1, LE);
	bytes_u16(&b, 0, LE);
	encap_done(&b, at);
	cr_expect(ics_enip.detect(b.p, (uint32_t)b.len, true));
	cr_expect(ics_enip.detect(b.p, (uint32_t)b.len, false));
	cr_expect(not(ics_enip.detect(b.p, (uint32_t)b.len - 1, true)));	/* length */
	b.p[20] = 1;								/* options */
	cr_expect(not(ics_enip.detect(b.p, (uint32_t)b.len, true)));
	b.p[20] = 0;
	b.p[8] = 1;								/* status */
	cr_expect(not(ics_enip.detect(b.p, (uint32_t)b.len, true)));
	b.p[8] = 0;
	b.p[0] = 0x67;								/* command */
	cr_expect(not(ics_enip.detect(b.p, (uint32_t)b.len, true)));
	io_datagram(&io, 1, 2, 3);
	cr_expect(ics_enip.detect(io.p, (uint32_t)io.len, false));
	cr_expect(not(ics_enip.detect(io.p, (uint32_t)io.len, true)));
	cr_expect(not(ics_enip.detect(io.p, (uint32_t)io.len - 1, false)));
	cr_expect(not(ics_enip.detect((const uint8_t *)"GET / HTTP/1.1\r\nHost: plc\r\n\r\n", 29,
				       true)));
	cr_expect(not(ics_enip.detect(NULL, 0, true)));
	cr_expect(not(ics_enip.detect(io.p, 3, false)));
	bytes_free(&b);
	bytes_free(&io);
}

/* ---- the corpus, against tshark ---- */

/* Our messages of one proto in one frame, as tshark prints the field (hex
 * of 4 digits for commands, 2 for services), comma-separated. */
static void our_codes(const struct ics_log *log, size_t *at, uint64_t frame, enum ics_proto proto,
		      int digits, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	while (*at < log->nmsgs && log->msgs[*at].frame < frame)
		(*at)++;
	for (size_t i = *at; i < log->nmsgs && log->msgs[i].frame == frame; i++) {
		if (log->msgs[i].m.proto != proto)
			continue;
		n += (size_t)snprintf(out + n, cap - n, n ? "," : "");
		n += (size_t)snprintf(out + n, cap - n, "0x%0*x", digits, log->msgs[i].m.function);
		cr_assert(lt(sz, n, cap));
	}
}

/* Per frame: the encapsulation commands and CIP services we report are
 * tshark's enip.command and cip.sc, in order; our exceptions are its
 * non-zero enip.status and cip.genstat.  Returns the number of frames. */
static size_t compare_explicit(const char *path, const struct ics_log *log)
{
	static const char *const fields[] = { "enip.command", "cip.sc", "enip.status",
					      "cip.genstat" };
	struct tshark_rows t;
	size_t at_e = 0, at_c = 0, bad = 0, frames = 0, their_exc = 0, our_exc = 0;
	char *ours = malloc(1 << 16);

	cr_assert(ours != NULL);
	cr_assert(tshark_fields(path, "enip.command", NULL, fields, 4, &t));
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);

		our_codes(log, &at_e, frame, ICS_ENIP, 4, ours, 1 << 16);
		if (strcmp(ours, tshark_cell(&t, r, 1)) && bad++ < 5)
			cr_log_error("frame %llu: enip %s, tshark %s", (unsigned long long)frame,
				     ours, tshark_cell(&t, r, 1));
		our_codes(log, &at_c, frame, ICS_CIP, 2, ours, 1 << 16);
		if (strcmp(ours, tshark_cell(&t, r, 2)) && bad++ < 5)
			cr_log_error("frame %llu: cip %s, tshark %s", (unsigned long long)frame,
				     ours, tshark_cell(&t, r, 2));
		for (size_t f = 3; f <= 4; f++) {
			const char *s = tshark_cell(&t, r, f);

			while (*s) {
				char *end;

				their_exc += strtoul(s, &end, 16) != 0;
				s = *end ? end + 1 : end;
			}
		}
		frames++;
	}
	for (size_t i = 0; i < log->nmsgs; i++)
		our_exc += (log->msgs[i].m.proto == ICS_ENIP || log->msgs[i].m.proto == ICS_CIP) &&
			   log->msgs[i].m.exception;
	cr_expect(eq(sz, bad, 0), "%s: %zu frames differ from tshark", path, bad);
	cr_expect(eq(sz, our_exc, their_exc), "%s: exceptions", path);
	tshark_rows_free(&t);
	free(ours);
	return frames;
}

/* Per frame of I/O: the connection id and sequence, and our seq[1] is the
 * first 16 bits of the connected data (tshark shows cip.seq only when it saw
 * the Forward_Open, which none of these captures holds: cipio.data is the
 * whole item then). */
static size_t compare_io(const char *path, const struct ics_log *log)
{
	static const char *const fields[] = { "enip.cpf.sai.connid", "enip.cpf.sai.seq",
					      "cipio.data" };
	struct tshark_rows t;
	size_t m = 0, n = 0;

	cr_assert(tshark_fields(path, "enip.cpf.sai.connid", NULL, fields, 3, &t));
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		const char *data = tshark_cell(&t, r, 3);
		unsigned lo = 0, hi = 0;

		while (m < log->nmsgs &&
		       (log->msgs[m].frame < frame || log->msgs[m].m.proto != ICS_CIP_IO))
			m++;
		cr_assert(lt(sz, m, log->nmsgs), "frame %llu", (unsigned long long)frame);
		cr_assert(eq(u64, log->msgs[m].frame, frame));
		cr_expect(eq(u32, log->msgs[m].m.unit,
			     (uint32_t)strtoul(tshark_cell(&t, r, 1), NULL, 16)));
		cr_expect(eq(u32, log->msgs[m].m.seq[0],
			     (uint32_t)strtoul(tshark_cell(&t, r, 2), NULL, 10)));
		cr_assert(eq(int, sscanf(data, "%2x%2x", &lo, &hi), 2));
		cr_expect(eq(u8, log->msgs[m].m.nseq, 2));
		cr_expect(eq(u32, log->msgs[m].m.seq[1], hi << 8 | lo));
		m++;
		n++;
	}
	cr_expect(eq(sz, ics_log_count(log, ICS_CIP_IO, -1), n));
	tshark_rows_free(&t);
	return n;
}

/*
 * The first frames of a little-endian pcap, as a temporary file.  Under
 * AddressSanitizer every realloc copies, and the test log grows one entry
 * at a time (tests/support/ics_run.c): the 80,000 messages of
 * EthernetIP-CIP.pcap then take minutes, so the sanitizer build reads its
 * first frames only.
 */
static const char *first_frames(const char *path, size_t frames)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(4u << 20);
	size_t n, at = 24;
	const char *cut;

	cr_assert(f != NULL && buf != NULL);
	n = fread(buf, 1, 4u << 20, f);
	fclose(f);
	cr_assert(n >= 24 && buf[0] == 0xd4 && buf[1] == 0xc3);
	for (size_t i = 0; i < frames && at + 16 <= n; i++)
		at += 16 + (size_t)(buf[at + 8] | buf[at + 9] << 8 | buf[at + 10] << 16);
	cr_assert(le(sz, at, n));
	cut = tmpfile_write(0, buf, at);
	free(buf);
	return cut;
}

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER 1
#else
#define SANITIZER 0
#endif

/* Runs a capture of the corpus; returns its path. */
static const char *run_corpus(const char *rel, struct ics_log *log)
{
	const char *path = corpus_file(rel);

	cr_assert(ics_run_file(path, log));
	return path;
}

Test(enip, corpus_ethernetip_cip, .fini = tmpfile_cleanup)
{
	const char *path = corpus_file("ics/enip/EthernetIP-CIP.pcap");
	struct ics_log log = { 0 };

	if (SANITIZER)
		path = first_frames(path, 1500);
	cr_assert(ics_run_file(path, &log));
	if (SANITIZER) {
		cr_expect(gt(sz, compare_explicit(path, &log), 1000));
	} else {
		cr_expect(eq(sz, compare_explicit(path, &log), 7917));
		cr_expect(eq(sz, ics_log_count(&log, ICS_ENIP, 0x0070), 8361));
		cr_expect(eq(sz, ics_log_count(&log, ICS_ENIP, 0x006f), 438));
		cr_expect(eq(sz, ics_log_count(&log, ICS_CIP, 0x4c), 62140));
	}
	cr_expect(eq(sz, ics_log_count(&log, ICS_CIP_IO, -1), 0));
	ics_log_free(&log);
}

Test(enip, corpus_enip_cip_example)
{
	static const char *const fields[] = { "enip.lir.vendor", "enip.lir.devtype",
					      "enip.lir.prodcode", "enip.lir.revision",
					      "enip.lir.serial", "enip.lir.name" };
	struct ics_log log = { 0 };
	const char *path = run_corpus("ics/enip/enip_cip_example.pcap", &log);
	struct tshark_rows t;
	unsigned rev;
	char buf[32];
	size_t enip_idents = 0;

	cr_expect(eq(sz, compare_explicit(path, &log), 269));
	cr_expect(eq(sz, compare_io(path, &log), 398));

	/* The ListIdentity reply: every identity field as tshark has it. */
	cr_assert(tshark_fields(path, "enip.lir.vendor", NULL, fields, 6, &t));
	cr_assert(eq(sz, t.nrows, 1));
	for (size_t i = 0; i < log.nidents; i++) {
		if (log.idents[i].id.proto != ICS_ENIP)
			continue;	/* ARP, LLDP: other dissectors */
		cr_expect(eq(u64, log.idents[i].frame, strtoull(tshark_cell(&t, 0, 0), NULL, 10)));
		enip_idents++;
	}
	cr_expect(eq(sz, enip_idents, 7));
	snprintf(buf, sizeof buf, "%lu", strtoul(tshark_cell(&t, 0, 1), NULL, 0));	/* 0x0001 */
	expect_ident(&log, ICS_F_VENDOR_ID, buf);
	expect_ident(&log, ICS_F_VENDOR, "Rockwell Automation/Allen-Bradley");
	expect_ident(&log, ICS_F_DEVICE_TYPE, tshark_cell(&t, 0, 2));
	expect_ident(&log, ICS_F_PRODUCT_CODE, tshark_cell(&t, 0, 3));
	/* tshark reads the two revision bytes as one big-endian number, and
	 * shows major.minor as "%u.%02u". */
	rev = (unsigned)strtoul(tshark_cell(&t, 0, 4), NULL, 10);
	snprintf(buf, sizeof buf, "%u.%02u", rev >> 8, rev & 0xff);
	expect_ident(&log, ICS_F_FIRMWARE, buf);
	expect_ident(&log, ICS_F_SERIAL, tshark_cell(&t, 0, 5));
	expect_ident(&log, ICS_F_PRODUCT, tshark_cell(&t, 0, 6));
	cr_expect(eq(str, (char *)ics_log_ident(&log, ICS_ENIP, ICS_F_PRODUCT)->value,
		     "1756-ENBT/A"));
	tshark_rows_free(&t);
	ics_log_free(&log);
}

Test(enip, corpus_cip_io)
{
	struct ics_log log = { 0 };
	const char *path = run_corpus("ics/enip/cip_io.pcap", &log);

	cr_expect(eq(sz, compare_io(path, &log), 4));
	cr_expect(eq(sz, log.nmsgs, 4));
	/* 2222 to 2222 unicast: the direction is not in the bytes. */
	for (size_t i = 0; i < log.nmsgs; i++)
		cr_expect(eq(u8, log.msgs[i].m.sender_role, ICS_ROLE_NONE));
	ics_log_free(&log);
}

Test(enip, corpus_multiple_service_packet)
{
	struct ics_log log = { 0 };
	const char *path = run_corpus("ics/enip/multiple_service_packet_cip.pcapng", &log);

	cr_expect(eq(sz, compare_explicit(path, &log), 1));
	cr_expect(eq(sz, ics_log_count(&log, ICS_CIP, 0x0a), 1));
	cr_expect(eq(sz, ics_log_count(&log, ICS_CIP, 0x03), 11));	/* Get_Attribute_List */
	for (size_t i = 0; i < log.nmsgs; i++)
		if (log.msgs[i].m.function == 0x03)
			cr_expect(eq(u8, log.msgs[i].m.actions, ICS_ACT_READ));
	ics_log_free(&log);
}
