/*
 * test_nbns.c - formats/ics/nbns.c: the NetBIOS name service (RFC 1002
 * 4.2, names first-level encoded per RFC 1001 14.1) on hand-built packets,
 * every truncation, and real captures against tshark's nbns dissector.
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

extern const struct ics_dissector ics_nbns;

TestSuite(nbns);

static const uint8_t PLC_IP[4] = { 192, 168, 10, 200 };
static const uint8_t PLC2_IP[4] = { 192, 168, 11, 200 };
static const uint8_t PLC_MAC[6] = { 0x00, 0x0e, 0x8c, 0xab, 0xcd, 0xef };

#define T_NB		0x20
#define T_NBSTAT	0x21
#define B_FLAG		0x0010u
#define GROUP		0x8000u
#define HERE		12

/* A NetBIOS name first-level encoded (RFC 1001 14.1): 15 bytes padded
 * with spaces and the suffix, as 32 letters, then scope labels. */
static void nb_name(struct bytes *b, const char *name, uint8_t suffix, const char *scope)
{
	uint8_t raw[16];
	size_t n = strlen(name);

	memset(raw, ' ', 15);
	memcpy(raw, name, n < 15 ? n : 15);
	raw[15] = suffix;
	bytes_u8(b, 32);
	for (int i = 0; i < 16; i++) {
		bytes_u8(b, (uint8_t)('A' + (raw[i] >> 4)));
		bytes_u8(b, (uint8_t)('A' + (raw[i] & 15)));
	}
	if (scope) {
		bytes_u8(b, (uint8_t)strlen(scope));
		bytes_put(b, scope, strlen(scope));
	}
	bytes_u8(b, 0);
}

static void header(struct bytes *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		   uint16_t ns, uint16_t ar)
{
	const uint16_t w[6] = { id, flags, qd, an, ns, ar };

	for (int i = 0; i < 6; i++)
		bytes_u16(b, w[i], BE);
}

static void type_class(struct bytes *b, uint16_t type)
{
	bytes_u16(b, type, BE);
	bytes_u16(b, 1, BE);	/* IN */
}

/* After a record's name: type NB, class, TTL and RDATA of len bytes. */
static void nb_rdata(struct bytes *b, const void *data, size_t len)
{
	type_class(b, T_NB);
	bytes_u32(b, 300000, BE);
	bytes_u16(b, (uint16_t)len, BE);
	bytes_put(b, data, len);
}

/* An NB record by a pointer to the question (or name first when name),
 * with n entries of NB_FLAGS and address. */
static void nb_record(struct bytes *b, const char *name, uint8_t suffix, size_t n,
		      const uint16_t *flags, const uint8_t (*addr)[4])
{
	if (name)
		nb_name(b, name, suffix, NULL);
	else
		bytes_u16(b, 0xc000u | HERE, BE);
	nb_rdata(b, NULL, 0);
	b->p[b->len - 2] = (uint8_t)(6 * n >> 8);
	b->p[b->len - 1] = (uint8_t)(6 * n);
	for (size_t i = 0; i < n; i++) {
		bytes_u16(b, flags[i], BE);
		bytes_put(b, addr[i], 4);
	}
}

/* A registration-like request: the name asked for, then its NB record in
 * the additional section (RFC 1002 4.2.2). */
static void claim(struct bytes *b, unsigned opcode, const char *name, uint8_t suffix,
		  uint16_t nb_flags)
{
	header(b, 0x8001, (uint16_t)(opcode << 11 | 0x0100 | B_FLAG), 1, 0, 0, 1);
	nb_name(b, name, suffix, NULL);
	type_class(b, T_NB);
	nb_record(b, NULL, 0, 1, &nb_flags, &PLC_IP);
}

static void run(const struct bytes *b, const struct tp_packet *pkt, struct ics_log *log)
{
	cr_assert(eq(u32, ics_run_bytes(&ics_nbns, pkt, -1, b->p, b->len, log), (uint32_t)b->len));
}

/* Dissects b: one message, no name; frees b. */
static void names_nothing(struct bytes *b)
{
	struct ics_log log = { 0 };

	run(b, NULL, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(b);
}

static void assert_msg(const struct ics_log *log, uint16_t function, enum ics_kind kind,
		       bool exception, enum ics_role receiver)
{
	const struct ics_msg *m = &log->msgs[0].m;

	cr_assert(eq(sz, log->nmsgs, 1));
	cr_assert(eq(u8, m->proto, ICS_NBNS));
	cr_assert(eq(u16, m->function, function));
	cr_assert(eq(u8, m->kind, kind));
	cr_assert(eq(int, m->exception, exception));
	cr_assert(eq(u8, m->actions, 0));
	cr_assert(eq(u8, m->sender_role,
		     kind == ICS_KIND_REQUEST ? ICS_ROLE_CLIENT : ICS_ROLE_SERVER));
	cr_assert(eq(u8, m->receiver_role, receiver));
	cr_assert(m->has_transaction);
}

/* Identity i: name for ip (NULL: of the sender). */
static void assert_name(const struct ics_log *log, size_t i, const char *name, const uint8_t *ip)
{
	const struct ics_logged_ident *e = &log->idents[i];

	cr_assert(i < log->nidents, "identity %zu of %zu", i, log->nidents);
	cr_assert(eq(u8, e->id.proto, ICS_NBNS));
	cr_assert(eq(u8, e->id.field, ICS_F_NAME));
	cr_assert(eq(u8, e->id.subject, ip ? ICS_SUBJECT_GIVEN : ICS_SUBJECT_SENDER));
	cr_assert(eq(u8, e->id.ip_version, ip ? 4 : 0));
	if (ip)
		cr_assert(eq(int, memcmp(e->id.ip, ip, 4), 0));
	cr_assert(eq(u32, e->id.len, (uint32_t)strlen(name)));
	cr_assert(eq(str, (char *)e->value, (char *)name));
}

/* A broadcast query, and a WINS server's positive answer with two
 * addresses (RFC 1002 4.2.13) by a name with a scope. */
Test(nbns, query_and_answer)
{
	static const uint16_t flags[2] = { 0x6000, 0x6000 };
	static const uint8_t addrs[2][4] = { { 192, 168, 10, 200 }, { 192, 168, 11, 200 } };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	header(&b, 0x1234, 0x0110, 1, 0, 0, 0);
	nb_name(&b, "PLC-01", 0x20, NULL);
	type_class(&b, T_NB);
	run(&b, NULL, &log);
	assert_msg(&log, 0, ICS_KIND_REQUEST, false, ICS_ROLE_NONE);
	cr_assert(eq(u32, log.msgs[0].m.transaction, 0x1234));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);

	header(&b, 0x1234, 0x8500, 0, 1, 0, 0);
	nb_name(&b, "PLC-01", 0x20, "plant");
	type_class(&b, T_NB);
	bytes_u32(&b, 0, BE);
	bytes_u16(&b, 12, BE);
	for (int i = 0; i < 2; i++) {
		bytes_u16(&b, flags[i], BE);
		bytes_put(&b, addrs[i], 4);
	}
	run(&b, NULL, &log);
	assert_msg(&log, 0, ICS_KIND_RESPONSE, false, ICS_ROLE_CLIENT);
	cr_assert(eq(sz, log.nidents, 2));
	assert_name(&log, 0, "PLC-01", PLC_IP);
	assert_name(&log, 1, "PLC-01", PLC2_IP);
	ics_log_free(&log);
	bytes_free(&b);
}

/* Registration (5), release (6), refresh (8, 9), multi-homed (15): the
 * sender's own name; unicast to a server: the receiver is a server. */
Test(nbns, claims_give_the_senders_name)
{
	static const unsigned ops[] = { 5, 6, 8, 9, 15 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		claim(&b, ops[i], "HMI-7", 0x00, 0x0000);
		run(&b, NULL, &log);
		assert_msg(&log, (uint16_t)ops[i], ICS_KIND_REQUEST, false, ICS_ROLE_NONE);
		cr_assert(eq(sz, log.nidents, 1));
		assert_name(&log, 0, "HMI-7", PLC_IP);
		ics_log_free(&log);
		b.p[3] &= (uint8_t)~B_FLAG;	/* to a WINS server */
		run(&b, NULL, &log);
		assert_msg(&log, (uint16_t)ops[i], ICS_KIND_REQUEST, false, ICS_ROLE_SERVER);
		ics_log_free(&log);
		bytes_free(&b);
	}
}

/* Group names, service names (<03>, <1B>...), empty names, 0.0.0.0 and
 * 255.255.255.255 name no machine. */
Test(nbns, names_that_are_not_the_machines)
{
	static const uint16_t zero_flags[1] = { 0 };
	static const uint8_t zero[1][4] = { { 0, 0, 0, 0 } };
	static const uint8_t bcast[1][4] = { { 255, 255, 255, 255 } };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	claim(&b, 5, "WORKGROUP", 0x00, GROUP);
	claim(&b, 5, "OPERATOR", 0x03, 0);
	claim(&b, 5, "PLANT", 0x1b, 0);
	claim(&b, 5, "", 0x20, 0);
	for (size_t at = 0, n; at < b.len; at += n) {
		n = b.len / 4;
		cr_assert(eq(u32, ics_run_bytes(&ics_nbns, NULL, -1, b.p + at, n, &log), (uint32_t)n));
	}
	cr_assert(eq(sz, log.nmsgs, 4));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);

	header(&b, 1, 0x8500, 0, 2, 0, 0);
	nb_record(&b, "PLC-01", 0x00, 1, zero_flags, zero);
	nb_record(&b, "PLC-01", 0x00, 1, zero_flags, bcast);
	names_nothing(&b);
}

/* A name that is not 32 letters 'A'-'P', NB data not a multiple of 6
 * (WACK's 2 bytes, RFC 1002 4.2.16), authority records: nothing. */
Test(nbns, records_that_name_nothing)
{
	static const uint16_t flags[1] = { 0 };
	static const uint8_t wack[2] = { 0x28, 0x00 };
	static const uint8_t entry[6] = { 0, 0, 192, 168, 10, 200 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	claim(&b, 5, "PLC-01", 0x00, 0);
	b.p[13] = 'Q';
	names_nothing(&b);

	header(&b, 1, 0x8000 | 7u << 11 | 0x0400, 0, 1, 0, 0);
	nb_name(&b, "PLC-01", 0x00, NULL);
	nb_rdata(&b, wack, sizeof wack);
	run(&b, NULL, &log);
	assert_msg(&log, 7, ICS_KIND_RESPONSE, false, ICS_ROLE_CLIENT);
	ics_log_free(&log);
	names_nothing(&b);

	/* an authority record (a redirect, RFC 1002 4.2.15) */
	header(&b, 1, 0x8500, 0, 0, 1, 0);
	nb_record(&b, "PLC-01", 0x00, 1, flags, &PLC_IP);
	names_nothing(&b);

	/* a label of 30 */
	header(&b, 1, 0x8500, 0, 1, 0, 0);
	bytes_u8(&b, 30);
	bytes_zeros(&b, 30);
	bytes_u8(&b, 0);
	nb_rdata(&b, entry, sizeof entry);
	names_nothing(&b);
}

/* A negative registration response (RFC 1002 4.2.6) names the owner. */
Test(nbns, conflict_names_the_owner)
{
	static const uint16_t flags[1] = { 0 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	header(&b, 1, 0x8000 | 5u << 11 | 0x0580 | 6, 0, 1, 0, 0);	/* CFT_ERR */
	nb_record(&b, "PLC-01", 0x00, 1, flags, &PLC2_IP);
	run(&b, NULL, &log);
	assert_msg(&log, 5, ICS_KIND_RESPONSE, true, ICS_ROLE_CLIENT);
	cr_assert(eq(sz, log.nidents, 1));
	assert_name(&log, 0, "PLC-01", PLC2_IP);
	ics_log_free(&log);
	bytes_free(&b);
}

/* RFC 1002 4.2.17-4.2.18: "*" asked for NBSTAT; the answer lists the
 * node's names (raw 16 bytes) and its UNIT_ID. */
static void node_status_response(struct bytes *b, const uint8_t unit[6], uint8_t nnames)
{
	static const struct {
		const char *name;
		uint8_t suffix;
		uint16_t flags;
	} names[3] = { { "PLC-01", 0x00, 0x0400 }, { "PLANT", 0x00, 0x8400 },
		       { "PLC-01", 0x20, 0x0400 } };
	size_t rdlen_at;

	header(b, 2, 0x8400, 0, 1, 0, 0);
	nb_name(b, "*", 0x00, NULL);
	type_class(b, T_NBSTAT);
	bytes_u32(b, 0, BE);
	rdlen_at = b->len;
	bytes_u16(b, 0, BE);
	bytes_u8(b, nnames);
	for (int i = 0; i < 3; i++) {
		char raw[16];

		memset(raw, ' ', 15);
		memcpy(raw, names[i].name, strlen(names[i].name));
		raw[15] = (char)names[i].suffix;
		bytes_put(b, raw, 16);
		bytes_u16(b, names[i].flags, BE);
	}
	bytes_put(b, unit, 6);
	bytes_zeros(b, 40);	/* the rest of the statistics */
	b->p[rdlen_at] = (uint8_t)((b->len - rdlen_at - 2) >> 8);
	b->p[rdlen_at + 1] = (uint8_t)(b->len - rdlen_at - 2);
}

Test(nbns, node_status)
{
	static const uint8_t zero[6];
	struct tp_packet pkt = { .ip_version = 4 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	const struct ics_logged_ident *e;

	header(&b, 2, 0x0000, 1, 0, 0, 0);
	nb_name(&b, "*", 0x00, NULL);
	type_class(&b, T_NBSTAT);
	run(&b, NULL, &log);
	assert_msg(&log, T_NBSTAT, ICS_KIND_REQUEST, false, ICS_ROLE_SERVER);
	ics_log_free(&log);
	bytes_free(&b);

	memcpy(pkt.src_ip, PLC_IP, 4);
	node_status_response(&b, PLC_MAC, 3);
	run(&b, &pkt, &log);
	assert_msg(&log, T_NBSTAT, ICS_KIND_RESPONSE, false, ICS_ROLE_CLIENT);
	cr_assert(eq(sz, log.nidents, 3));
	assert_name(&log, 0, "PLC-01", NULL);	/* the group name PLANT left out */
	assert_name(&log, 1, "PLC-01", NULL);
	e = &log.idents[2];
	cr_assert(eq(u8, e->id.field, ICS_F_ADDRESS));
	cr_assert(eq(u8, e->id.subject, ICS_SUBJECT_GIVEN));
	cr_assert(e->id.has_mac);
	cr_assert(eq(int, memcmp(e->id.mac, PLC_MAC, 6), 0));
	cr_assert(eq(u8, e->id.ip_version, 4));
	cr_assert(eq(int, memcmp(e->id.ip, PLC_IP, 4), 0));
	ics_log_free(&log);
	bytes_free(&b);

	/* Samba's zero UNIT_ID, or no IPv4 sender: no binding. */
	node_status_response(&b, zero, 3);
	run(&b, &pkt, &log);
	cr_assert(eq(sz, log.nidents, 2));
	ics_log_free(&log);
	bytes_free(&b);
	node_status_response(&b, PLC_MAC, 3);
	run(&b, NULL, &log);
	cr_assert(eq(sz, log.nidents, 2));
	ics_log_free(&log);
	bytes_free(&b);
	/* A count of names beyond the data: a broken record, nothing read. */
	node_status_response(&b, PLC_MAC, 200);
	run(&b, &pkt, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* Every cut of a registration: nothing until the question's name and type
 * are whole, then the message, and the name once its record is whole. */
Test(nbns, truncated_at_every_byte)
{
	struct bytes b = { 0 };
	struct ics_log full = { 0 }, log = { 0 };
	size_t type_end = 12 + 34 + 2;

	claim(&b, 5, "PLC-01", 0x20, 0);
	run(&b, NULL, &full);
	cr_assert(eq(sz, full.nidents, 1));
	for (size_t n = 0; n < b.len; n++) {
		cr_assert(eq(u32, ics_run_bytes(&ics_nbns, NULL, -1, b.p, n, &log), (uint32_t)n));
		cr_assert(eq(sz, log.nmsgs, n >= type_end ? 1 : 0), "cut at %zu", n);
		if (log.nmsgs)
			cr_assert(eq(int, memcmp(&log.msgs[0].m, &full.msgs[0].m, sizeof log.msgs[0].m), 0));
		cr_assert(eq(sz, log.nidents, 0), "cut at %zu", n);
		ics_log_free(&log);
	}
	ics_log_free(&full);
	bytes_free(&b);
}

/* Counts beyond the data; a compression loop in the question. */
Test(nbns, bounds)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	claim(&b, 5, "PLC-01", 0x20, 0);
	b.p[5] = 0xff;	/* 255 questions */
	b.p[11] = 0xff;
	run(&b, NULL, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);

	header(&b, 1, 0, 1, 0, 0, 0);
	bytes_u16(&b, 0xc000 | HERE, BE);
	type_class(&b, T_NB);
	run(&b, NULL, &log);
	cr_assert(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(nbns, function_names)
{
	cr_assert(eq(str, (char *)ics_function_name(ICS_NBNS, 0), "query"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_NBNS, 5), "registration"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_NBNS, 6), "release"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_NBNS, 7), "wack"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_NBNS, 8), "refresh"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_NBNS, 9), "refresh_alt"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_NBNS, 15), "multihomed_registration"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_NBNS, 0x21), "node_status"));
	cr_assert(ics_function_name(ICS_NBNS, 1) == NULL);
}

/* ---- real captures against tshark ---- */

static struct nbns_capture {
	char rel[64];
	size_t frames, names;	/* names: counted by hand from tshark's fields */
} nbns_captures[] = {
	{ "ics/profinet/profinet_io_cm_mixed_1.pcap", 731, 16 },	/* KW-VLIPC <00> <20> */
	{ "encap/erspan/erspan.pcap", 30, 0 },
	{ "encap/sll/sll.pcap", 3, 0 },
};

ParameterizedTestParameters(nbns, against_tshark)
{
	return cr_make_param_array(struct nbns_capture, nbns_captures,
				   sizeof nbns_captures / sizeof nbns_captures[0]);
}

#define MAX_VALUES	16

/* tshark's comma-joined values of a cell, copied into buf. */
struct values {
	char buf[512];
	const char *v[MAX_VALUES];
	size_t n;
};

static void split(const char *cell, struct values *out)
{
	char *save = NULL;

	snprintf(out->buf, sizeof out->buf, "%s", cell);
	out->n = 0;
	for (char *v = strtok_r(out->buf, ",", &save); v && out->n < MAX_VALUES;
	     v = strtok_r(NULL, ",", &save))
		out->v[out->n++] = v;
}

/*
 * Per frame tshark calls NBNS: one message, function = opcode (node status
 * by its type), kind, exception; for each NB record of the answers and
 * additional records a name (tshark's "NAME<xx>" less its type) for its
 * address when unique and of type 00 or 20, nothing else.
 */
ParameterizedTest(const struct nbns_capture *cap, nbns, against_tshark)
{
	static const char *const fields[] = {
		"nbns.flags.opcode", "nbns.flags.response", "nbns.flags.rcode", "nbns.count.queries",
		"nbns.count.auth_rr", "nbns.name", "nbns.type", "nbns.addr", "nbns.nb_flags.group",
	};
	const char *path = corpus_file(cap->rel);
	struct tshark_rows t;
	struct ics_log log = { 0 };
	size_t nident = 0;

	cr_assert(tshark_fields(path, "nbns", NULL, fields, 9, &t));
	cr_assert(ics_run_file(path, &log));
	cr_assert(eq(sz, t.nrows, cap->frames));
	cr_assert(eq(sz, ics_log_count(&log, ICS_NBNS, -1), t.nrows));
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		unsigned opcode = (unsigned)strtoul(tshark_cell(&t, r, 1), NULL, 10);
		bool response = !strcmp(tshark_cell(&t, r, 2), "1") ||
				!strcmp(tshark_cell(&t, r, 2), "True");
		unsigned rcode = (unsigned)strtoul(tshark_cell(&t, r, 3), NULL, 10);
		unsigned qd = (unsigned)strtoul(tshark_cell(&t, r, 4), NULL, 10);
		struct values names, types, addrs, groups;
		const struct ics_logged_msg *m = NULL;
		size_t found = 0, naddr = 0;
		unsigned first;

		split(tshark_cell(&t, r, 6), &names);
		split(tshark_cell(&t, r, 7), &types);
		split(tshark_cell(&t, r, 8), &addrs);
		split(tshark_cell(&t, r, 9), &groups);
		cr_assert(types.n > 0 && names.n == types.n);
		first = (unsigned)strtoul(types.v[0], NULL, 0);
		cr_assert(eq(str, (char *)tshark_cell(&t, r, 5), "0"), "authority records not compared");
		for (size_t i = 0; i < log.nmsgs; i++)
			if (log.msgs[i].frame == frame && log.msgs[i].m.proto == ICS_NBNS) {
				m = &log.msgs[i];
				found++;
			}
		cr_assert(eq(sz, found, 1), "frame %llu", (unsigned long long)frame);
		cr_assert(eq(u16, m->m.function, opcode == 0 && first == 0x21 ? 0x21 : opcode));
		cr_assert(eq(u8, m->m.kind, response ? ICS_KIND_RESPONSE : ICS_KIND_REQUEST));
		cr_assert(eq(int, m->m.exception, rcode != 0));
		/* Records after the questions; NB entries take addresses in order. */
		for (size_t k = qd; k < types.n; k++) {
			const char *name = names.v[k], *lt = strchr(name, '<');
			unsigned suffix = lt ? (unsigned)strtoul(lt + 1, NULL, 16) : 0x100;
			const char *addr, *group;
			uint8_t ip[4];

			if (strtoul(types.v[k], NULL, 0) != T_NB)
				continue;
			cr_assert(naddr < addrs.n && naddr < groups.n);
			group = groups.v[naddr];
			addr = addrs.v[naddr++];
			cr_assert(lt && inet_pton(AF_INET, addr, ip) == 1);
			if (!strcmp(group, "1") || !strcmp(group, "True") ||
			    (suffix != 0x00 && suffix != 0x20) || !strcmp(addr, "0.0.0.0"))
				continue;
			found = 0;
			for (size_t i = 0; i < log.nidents; i++) {
				const struct ics_logged_ident *e = &log.idents[i];

				found += e->frame == frame && e->id.proto == ICS_NBNS &&
					 e->id.field == ICS_F_NAME &&
					 e->id.subject == ICS_SUBJECT_GIVEN && e->id.ip_version == 4 &&
					 !memcmp(e->id.ip, ip, 4) && e->id.len == (size_t)(lt - name) &&
					 !strncmp(e->value, name, e->id.len);
			}
			cr_assert(eq(sz, found, 1), "frame %llu: %s", (unsigned long long)frame, name);
			nident++;
		}
	}
	cr_assert(eq(sz, nident, cap->names));
	for (size_t i = 0; i < log.nidents; i++)
		nident -= log.idents[i].id.proto == ICS_NBNS;
	cr_assert(eq(sz, nident, 0), "identities beyond tshark's");
	tshark_rows_free(&t);
	ics_log_free(&log);
}
