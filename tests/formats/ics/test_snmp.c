/*
 * test_snmp.c - formats/ics/snmp.c: SNMP v1, v2c and v3 messages built
 * byte by byte (every PDU type with its kind, roles and actions, the
 * system group identities of responses, bad BER, every truncation), and
 * the SNMP of the shared corpus against tshark's snmp dissector.
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

extern const struct ics_dissector ics_snmp;

TestSuite(snmp);

/* ------------------------------------------------------------ builders */

/* A constructed value: tag and a two-octet long-form length (X.690
 * 8.1.3.5) patched by close_con() once its contents are written. */
static size_t open_con(struct bytes *b, uint8_t tag)
{
	bytes_u8(b, tag);
	bytes_u8(b, 0x82);
	bytes_u16(b, 0, BE);
	return b->len;
}

static void close_con(struct bytes *b, size_t start)
{
	size_t n = b->len - start;

	b->p[start - 2] = (uint8_t)(n >> 8);
	b->p[start - 1] = (uint8_t)n;
}

/* A primitive value of fewer than 128 octets. */
static void prim(struct bytes *b, uint8_t tag, const void *v, size_t n)
{
	bytes_u8(b, tag);
	bytes_u8(b, (uint8_t)n);
	bytes_put(b, v, n);
}

/* INTEGER, minimal two's complement (X.690 8.3.2). */
static void integer(struct bytes *b, int32_t v)
{
	uint8_t o[4] = { (uint8_t)((uint32_t)v >> 24), (uint8_t)((uint32_t)v >> 16),
			 (uint8_t)((uint32_t)v >> 8), (uint8_t)v };
	size_t at = 0;

	while (at < 3 && ((o[at] == 0 && !(o[at + 1] & 0x80)) ||
			  (o[at] == 0xff && (o[at + 1] & 0x80))))
		at++;
	prim(b, 0x02, o + at, 4 - at);
}

#define OID(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof (const uint8_t[]){ __VA_ARGS__ }

static const uint8_t SYS_DESCR_0[] = { 0x2b, 6, 1, 2, 1, 1, 1, 0 };
static const uint8_t SYS_NAME_0[] = { 0x2b, 6, 1, 2, 1, 1, 5, 0 };
static const uint8_t IF_DESCR_1[] = { 0x2b, 6, 1, 2, 1, 2, 2, 1, 2, 1 };

struct varbind {
	const uint8_t *oid;
	size_t oid_len;
	uint8_t type;		/* 0x04 OCTET STRING, 0x05 NULL, 0x80 noSuchObject ... */
	const char *value;
};

struct pdu {
	uint8_t tag;		/* 0xa0 + PDU type */
	int32_t request_id, error_status;
	const struct varbind *vb;
	size_t nvb;
};

/* Where things end, for the truncation tests. */
struct marks {
	size_t header_end;	/* after error-index */
	size_t vb_end[4];
};

static void varbinds(struct bytes *b, const struct pdu *p, struct marks *k)
{
	size_t list = open_con(b, 0x30);

	for (size_t i = 0; i < p->nvb; i++) {
		size_t vb = open_con(b, 0x30);
		const char *v = p->vb[i].value ? p->vb[i].value : "";

		prim(b, 0x06, p->vb[i].oid, p->vb[i].oid_len);
		prim(b, p->vb[i].type, v, strlen(v));
		close_con(b, vb);
		k->vb_end[i] = b->len;
	}
	close_con(b, list);
}

static void pdu(struct bytes *b, const struct pdu *p, struct marks *k)
{
	size_t at = open_con(b, p->tag);

	integer(b, p->request_id);
	integer(b, p->error_status);
	integer(b, 0);
	k->header_end = b->len;
	varbinds(b, p, k);
	close_con(b, at);
}

/* v1 (0) or v2c (1) message. */
static struct marks message(struct bytes *b, int version, const char *community,
			    const struct pdu *p)
{
	struct marks k = { 0 };
	size_t msg = open_con(b, 0x30);

	integer(b, version);
	prim(b, 0x04, community, strlen(community));
	pdu(b, p, &k);
	close_con(b, msg);
	return k;
}

/* v3 message (RFC 3412 6): p in clear, or (p NULL) an encrypted PDU. */
static void message_v3(struct bytes *b, int32_t msg_id, const struct pdu *p)
{
	struct marks k;
	size_t msg = open_con(b, 0x30), global;

	integer(b, 3);
	global = open_con(b, 0x30);
	integer(b, msg_id);
	integer(b, 65507);
	prim(b, 0x04, p ? "\x04" : "\x07", 1);	/* reportable, or auth+priv */
	integer(b, 3);				/* USM */
	close_con(b, global);
	prim(b, 0x04, "\x30\x00", 2);		/* USM parameters, empty */
	if (p) {
		size_t scoped = open_con(b, 0x30);

		prim(b, 0x04, "\x80\x00\x1f\x88\x04", 5);	/* contextEngineID */
		prim(b, 0x04, "", 0);				/* contextName */
		pdu(b, p, &k);
		close_con(b, scoped);
	} else {
		prim(b, 0x04, "\x9d\x3c\x11\x52\x07\xa1\xb9\x40", 8);
	}
	close_con(b, msg);
}

static const struct varbind SYSTEM[] = {
	{ OID(0x2b, 6, 1, 2, 1, 1, 1, 0), 0x04, "Schneider Electric BMX P34 2020 V3.20" },
	{ OID(0x2b, 6, 1, 2, 1, 1, 5, 0), 0x04, "plc-01" },
	{ IF_DESCR_1, sizeof IF_DESCR_1, 0x04, "eth0" },
};

static struct tp_packet ports(uint16_t sport, uint16_t dport)
{
	struct tp_packet p;

	memset(&p, 0, sizeof p);
	p.sport = sport;
	p.dport = dport;
	return p;
}

static void run(const struct tp_packet *pkt, const struct bytes *b, struct ics_log *log)
{
	cr_assert(eq(u32, ics_run_bytes(&ics_snmp, pkt, -1, b->p, b->len, log), (uint32_t)b->len));
}

/* The one message logged is function, kind, sender, receiver. */
static void expect_one(const struct ics_log *log, uint16_t function, uint8_t kind,
		       uint8_t sender, uint8_t receiver)
{
	const struct ics_msg *m = &log->msgs[log->nmsgs - 1].m;

	cr_assert(eq(u8, m->proto, ICS_SNMP));
	cr_assert(eq(u16, m->function, function));
	cr_assert(eq(u8, m->kind, kind), "function %u", function);
	cr_assert(eq(u8, m->sender_role, sender), "function %u", function);
	cr_assert(eq(u8, m->receiver_role, receiver), "function %u", function);
}

/* ---------------------------------------------------------- hand-built */

struct type_case {
	uint8_t tag;
	uint8_t kind, sender, receiver, actions;
	const char *name;
};

/* Every PDU type of v2c, from the agent's port or to it as it goes. */
Test(snmp, reports_each_pdu_type_with_its_kind_roles_and_actions)
{
	const struct type_case cases[] = {
		{ 0xa0, ICS_KIND_REQUEST, ICS_ROLE_CLIENT, ICS_ROLE_SERVER, ICS_ACT_READ, "get_request" },
		{ 0xa1, ICS_KIND_REQUEST, ICS_ROLE_CLIENT, ICS_ROLE_SERVER, ICS_ACT_READ,
		  "get_next_request" },
		{ 0xa2, ICS_KIND_RESPONSE, ICS_ROLE_SERVER, ICS_ROLE_CLIENT, 0, "response" },
		{ 0xa3, ICS_KIND_REQUEST, ICS_ROLE_CLIENT, ICS_ROLE_SERVER, ICS_ACT_WRITE, "set_request" },
		{ 0xa5, ICS_KIND_REQUEST, ICS_ROLE_CLIENT, ICS_ROLE_SERVER, ICS_ACT_READ,
		  "get_bulk_request" },
		{ 0xa6, ICS_KIND_REQUEST, ICS_ROLE_SERVER, ICS_ROLE_CLIENT, 0, "inform_request" },
		{ 0xa7, ICS_KIND_UNSOLICITED, ICS_ROLE_SERVER, ICS_ROLE_CLIENT, 0, "snmpv2_trap" },
		{ 0xa8, ICS_KIND_RESPONSE, ICS_ROLE_SERVER, ICS_ROLE_CLIENT, 0, "report" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct type_case *c = &cases[i];
		/* error-status 3 is GetBulk's non-repeaters: no exception */
		struct pdu p = { c->tag, 0x1234567, c->tag == 0xa5 ? 3 : 0, SYSTEM, 1 };
		bool to_agent = c->sender == ICS_ROLE_CLIENT;
		bool notification = c->tag == 0xa6 || c->tag == 0xa7;
		struct tp_packet pkt = notification ? ports(40000, 162) :
				       to_agent	    ? ports(40000, 161) : ports(161, 40000);
		struct bytes b = { 0 };
		struct ics_log log = { 0 };
		const struct ics_msg *m;

		message(&b, 1, "public", &p);
		run(&pkt, &b, &log);
		cr_assert(eq(sz, log.nmsgs, 1), "%s", c->name);
		expect_one(&log, c->tag & 0x1f, c->kind, c->sender, c->receiver);
		m = &log.msgs[0].m;
		cr_assert(same(ics_function_name(ICS_SNMP, m->function), c->name));
		cr_assert(eq(u8, m->actions, c->actions), "%s", c->name);
		cr_assert(not(m->exception), "%s", c->name);
		cr_assert(m->has_transaction);
		cr_assert(eq(u32, m->transaction, 0x1234567));
		cr_assert(not(m->has_unit));
		cr_assert(eq(u8, m->nseq, 0));
		/* sysDescr.0 is in every one: only the response reports it */
		cr_assert(eq(sz, log.nidents, c->tag == 0xa2), "%s", c->name);
		ics_log_free(&log);
		bytes_free(&b);
	}
	cr_assert(same(ics_function_name(ICS_SNMP, 4), "trap"));
	cr_assert(same(ics_function_name(ICS_SNMP, 9), NULL));
	cr_assert(same(ics_function_name(ICS_SNMP, 0x100), "encrypted_pdu"));
}

/* RFC 3418: sysDescr.0 and sysName.0 of the responder; other objects and
 * the community are not identities. */
Test(snmp, response_gives_the_agents_description_and_name)
{
	struct pdu p = { 0xa2, 99, 0, SYSTEM, 3 };
	struct tp_packet pkt = ports(161, 51000);
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	const struct ics_logged_ident *d, *n;

	message(&b, 0, "s3cret", &p);
	run(&pkt, &b, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 2));
	d = ics_log_ident(&log, ICS_SNMP, ICS_F_SYSDESCR);
	n = ics_log_ident(&log, ICS_SNMP, ICS_F_NAME);
	cr_assert(d != NULL && n != NULL);
	cr_assert(same(d->value, "Schneider Electric BMX P34 2020 V3.20"));
	cr_assert(same(n->value, "plc-01"));
	cr_assert(eq(u8, d->id.subject, ICS_SUBJECT_SENDER));
	cr_assert(eq(u8, n->id.subject, ICS_SUBJECT_SENDER));
	ics_log_free(&log);
	bytes_free(&b);
}

/* Only the exact instances, with an OCTET STRING value that is not
 * empty. */
Test(snmp, other_oids_and_values_are_not_identities)
{
	const struct varbind vb[] = {
		{ OID(0x2b, 6, 1, 2, 1, 1, 1), 0x04, "no instance" },
		{ OID(0x2b, 6, 1, 2, 1, 1, 1, 0, 1), 0x04, "too long" },
		{ OID(0x2b, 6, 1, 2, 1, 1, 5, 1), 0x04, "instance 1" },
		{ SYS_DESCR_0, sizeof SYS_DESCR_0, 0x80, "" },	/* noSuchObject */
	};
	const struct varbind empty[] = { { SYS_NAME_0, sizeof SYS_NAME_0, 0x04, "" },
					 { SYS_DESCR_0, sizeof SYS_DESCR_0, 0x05, "" } };
	struct pdu p = { 0xa2, 1, 0, vb, 4 }, q = { 0xa2, 2, 0, empty, 2 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	message(&b, 1, "public", &p);
	message(&b, 1, "public", &q);	/* a second message after the first: ignored */
	run(NULL, &b, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 0));
	bytes_free(&b);
	message(&b, 1, "public", &q);
	run(NULL, &b, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(snmp, error_status_of_a_response_is_an_exception)
{
	struct pdu p = { 0xa2, 7, 2, SYSTEM, 1 };	/* noSuchName */
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	message(&b, 0, "public", &p);
	run(NULL, &b, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(log.msgs[0].m.exception);
	ics_log_free(&log);
	bytes_free(&b);
}

/* A response sent from port 162 answers an inform: the manager sends it. */
Test(snmp, response_from_the_notification_port_comes_from_the_manager)
{
	struct pdu p = { 0xa2, 8, 0, NULL, 0 };
	struct tp_packet pkt = ports(162, 40000);
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	message(&b, 1, "public", &p);
	run(&pkt, &b, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	expect_one(&log, 2, ICS_KIND_RESPONSE, ICS_ROLE_CLIENT, ICS_ROLE_SERVER);
	ics_log_free(&log);
	bytes_free(&b);
}

/* RFC 1157 4.1.6: enterprise, agent-addr, generic, specific, time-stamp. */
Test(snmp, v1_trap_is_unsolicited_from_the_agent)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	struct tp_packet pkt = ports(1025, 162);
	size_t msg = open_con(&b, 0x30), trap;

	integer(&b, 0);
	prim(&b, 0x04, "public", 6);
	trap = open_con(&b, 0xa4);
	prim(&b, 0x06, (const uint8_t[]){ 0x2b, 6, 1, 4, 1, 3833 >> 7 | 0x80, 3833 & 0x7f }, 7);
	prim(&b, 0x40, "\xc0\xa8\x0a\x02", 4);
	integer(&b, 6);
	integer(&b, 17);
	prim(&b, 0x43, "\x01\x02", 2);
	prim(&b, 0x30, "", 0);
	close_con(&b, trap);
	close_con(&b, msg);
	run(&pkt, &b, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	expect_one(&log, 4, ICS_KIND_UNSOLICITED, ICS_ROLE_SERVER, ICS_ROLE_CLIENT);
	cr_assert(not(log.msgs[0].m.has_transaction));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* v3: counted; msgID pairs; a PDU in clear gives its type, never its
 * variable bindings; an encrypted one takes its roles from the ports. */
Test(snmp, v3_is_counted_without_content)
{
	struct pdu p = { 0xa2, 5, 0, SYSTEM, 2 };
	const struct tp_packet pk[4] = { ports(50000, 161), ports(161, 50000), ports(50000, 162),
					 ports(1000, 2000) };
	const uint8_t want[4][2] = { { ICS_ROLE_CLIENT, ICS_ROLE_SERVER },
				     { ICS_ROLE_SERVER, ICS_ROLE_CLIENT },
				     { ICS_ROLE_SERVER, ICS_ROLE_CLIENT },
				     { ICS_ROLE_NONE, ICS_ROLE_NONE } };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	message_v3(&b, 0x7fffffff, &p);
	run(&pk[1], &b, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u16, log.msgs[0].m.function, 2));
	cr_assert(eq(u32, log.msgs[0].m.transaction, 0x7fffffff));
	cr_assert(eq(sz, log.nidents, 0));
	bytes_free(&b);
	message_v3(&b, 77, NULL);
	for (int i = 0; i < 4; i++) {
		run(&pk[i], &b, &log);
		expect_one(&log, 0x100, ICS_KIND_OTHER, want[i][0], want[i][1]);
		cr_assert(eq(u32, log.msgs[log.nmsgs - 1].m.transaction, 77));
	}
	ics_log_free(&log);
	bytes_free(&b);
}

struct bad_case {
	const char *why;
	size_t at;
	uint8_t value;
};

/* One octet changed at a time in a v2c get-request. */
Test(snmp, refuses_what_is_not_an_snmp_message)
{
	struct pdu p = { 0xa0, 1, 0, SYSTEM, 1 };
	struct bytes b = { 0 };
	struct marks k = message(&b, 1, "public", &p);
	/* 30 82 LL LL | 02 01 01 | 04 06 public | a0 82 LL LL | 02 01 01 ... */
	const struct bad_case cases[] = {
		{ "a SET, not a SEQUENCE", 0, 0x31 },
		{ "indefinite length", 1, 0x80 },
		{ "length of length 5", 1, 0x85 },
		{ "version 2 (v2u)", 6, 2 },
		{ "version 4", 6, 4 },
		{ "version not an INTEGER", 4, 0x04 },
		{ "community not an OCTET STRING", 7, 0x16 },
		{ "PDU tag 9", 15, 0xa9 },
		{ "PDU universal", 15, 0x30 },
		{ "PDU primitive", 15, 0x80 },
		{ "request-id of 9 octets", 20, 9 },
		{ "error-index not an INTEGER", k.header_end - 3, 0x04 },
	};

	cr_assert(eq(u8, b.p[15], 0xa0));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ics_log log = { 0 };
		uint8_t *copy = malloc(b.len);

		cr_assert(copy != NULL);
		memcpy(copy, b.p, b.len);
		copy[cases[i].at] = cases[i].value;
		cr_assert(eq(u32, ics_run_bytes(&ics_snmp, NULL, -1, copy, b.len, &log),
			     (uint32_t)b.len), "%s", cases[i].why);
		cr_assert(eq(sz, log.nmsgs, 0), "%s", cases[i].why);
		ics_log_free(&log);
		free(copy);
	}
	bytes_free(&b);
}

/*
 * A response cut after n octets: the message once error-index is whole,
 * sysDescr.0 once its varbind is, sysName.0 likewise; all bytes consumed
 * (UDP: nothing is kept).
 */
Test(snmp, truncated_at_every_octet_reports_only_whole_fields)
{
	struct pdu p = { 0xa2, 4242, 0, SYSTEM, 3 };
	struct bytes b = { 0 };
	struct marks k = message(&b, 1, "public", &p);

	for (size_t n = 0; n < b.len; n++) {
		struct ics_log log = { 0 };
		const struct ics_logged_ident *d, *name;

		cr_assert(eq(u32, ics_run_bytes(&ics_snmp, NULL, -1, b.p, n, &log), (uint32_t)n));
		cr_assert(eq(sz, log.nmsgs, n >= k.header_end), "n=%zu", n);
		d = ics_log_ident(&log, ICS_SNMP, ICS_F_SYSDESCR);
		name = ics_log_ident(&log, ICS_SNMP, ICS_F_NAME);
		cr_assert(eq(int, d != NULL, n >= k.vb_end[0]), "n=%zu", n);
		cr_assert(eq(int, name != NULL, n >= k.vb_end[1]), "n=%zu", n);
		cr_assert(eq(sz, log.nidents, (n >= k.vb_end[0]) + (n >= k.vb_end[1])), "n=%zu", n);
		if (log.nmsgs)
			cr_assert(eq(u32, log.msgs[0].m.transaction, 4242));
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/* ---------------------------------------------------------------- corpus */

enum { T_DATA = 1, T_REQID, T_ERR, T_NAME, T_NFIELDS = T_NAME };

/*
 * Every SNMP datagram tshark decodes is one message in the same frame,
 * with tshark's PDU type (snmp.data), request-id and error-status; per
 * function counts agree.  Identities: tshark names no sysDescr.0 or
 * sysName.0 in these captures (checked below), and none are reported.
 */
static void compare_with_tshark(const char *rel, size_t datagrams, const size_t by_type[9])
{
	static const char *const fields[T_NFIELDS] = { "snmp.data", "snmp.request_id",
						       "snmp.error_status", "snmp.name" };
	const char *path = corpus_file(rel);
	struct tshark_rows t;
	struct ics_log log = { 0 };
	size_t k = 0;

	cr_assert(tshark_fields(path, "snmp", NULL, fields, T_NFIELDS, &t));
	cr_assert(ics_run_file(path, &log));
	cr_assert(eq(sz, t.nrows, datagrams), "%s: tshark", rel);
	cr_assert(eq(sz, ics_log_count(&log, ICS_SNMP, -1), datagrams), "%s", rel);
	for (long f = 0; f < 9; f++)
		cr_assert(eq(sz, ics_log_count(&log, ICS_SNMP, f), by_type[f]), "%s type %ld", rel, f);
	for (size_t i = 0; i < log.nmsgs; i++) {
		const struct ics_msg *m = &log.msgs[i].m;

		if (m->proto != ICS_SNMP)
			continue;
		cr_assert(eq(u64, log.msgs[i].frame, strtoull(tshark_cell(&t, k, 0), NULL, 10)));
		cr_assert(eq(u16, m->function, (uint16_t)strtol(tshark_cell(&t, k, T_DATA), NULL, 10)));
		cr_assert(eq(u32, m->transaction, (uint32_t)strtol(tshark_cell(&t, k, T_REQID), NULL, 10)));
		cr_assert(eq(int, m->exception, strcmp(tshark_cell(&t, k, T_ERR), "0") != 0));
		cr_assert(strstr(tshark_cell(&t, k, T_NAME), "1.3.6.1.2.1.1.1.0") == NULL);
		cr_assert(strstr(tshark_cell(&t, k, T_NAME), "1.3.6.1.2.1.1.5.0") == NULL);
		k++;
	}
	cr_assert(eq(sz, k, datagrams));
	for (size_t i = 0; i < log.nidents; i++)
		cr_assert(ne(u8, log.idents[i].id.proto, ICS_SNMP));
	tshark_rows_free(&t);
	ics_log_free(&log);
}

/* A manager polling ifOperStatus of two switches: 7 requests, 7 answers. */
Test(snmp, polling_beside_iec61850_matches_tshark)
{
	const size_t by_type[9] = { [0] = 7, [2] = 7 };

	compare_with_tshark("ics/iec61850/Sample_File_MMS_and_GOOSE.pcap", 14, by_type);
}

/* Linux cooked capture, zstd-compressed: two unanswered get-next. */
Test(snmp, get_next_in_a_cooked_capture_matches_tshark)
{
	const size_t by_type[9] = { [1] = 2 };

	compare_with_tshark("compressed/linux-cooked-unsw-nb15.pcap.zst", 2, by_type);
}
