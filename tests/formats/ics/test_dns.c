/*
 * test_dns.c - formats/ics/dns.c: DNS (RFC 1035 4.1-4.2, RFC 3596) and
 * mDNS (RFC 6762) on hand-built messages, name compression and its abuse,
 * TCP framing and reassembly, every truncation, and real captures against
 * tshark's dns and mdns dissectors.
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

extern const struct ics_dissector ics_dns;

TestSuite(dns);

static const uint8_t PLC_IP[4] = { 192, 168, 10, 200 };
static const uint8_t PLC_IP6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0xc8 };

#define QR	0x8000u
#define T_A	1
#define T_NS	2
#define T_CNAME	5
#define T_PTR	12
#define T_AAAA	28
#define T_SRV	33
#define HERE	12	/* offset of the first question's name */

/* A name in labels (RFC 1035 3.1); "" is the root. */
static void name(struct bytes *b, const char *dotted)
{
	while (*dotted) {
		size_t n = strcspn(dotted, ".");

		bytes_u8(b, (uint8_t)n);
		bytes_put(b, dotted, n);
		dotted += n + (dotted[n] == '.');
	}
	bytes_u8(b, 0);
}

static void header(struct bytes *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		   uint16_t ns, uint16_t ar)
{
	bytes_u16(b, id, BE);
	bytes_u16(b, flags, BE);
	bytes_u16(b, qd, BE);
	bytes_u16(b, an, BE);
	bytes_u16(b, ns, BE);
	bytes_u16(b, ar, BE);
}

static void question(struct bytes *b, const char *n, uint16_t type, uint16_t klass)
{
	name(b, n);
	bytes_u16(b, type, BE);
	bytes_u16(b, klass, BE);
}

/* A record named n, or (n NULL) by a pointer to offset at. */
static void rr(struct bytes *b, const char *n, uint16_t at, uint16_t type, uint16_t klass,
	       const void *rdata, size_t len)
{
	if (n)
		name(b, n);
	else
		bytes_u16(b, (uint16_t)(0xc000u | at), BE);
	bytes_u16(b, type, BE);
	bytes_u16(b, klass, BE);
	bytes_u32(b, 300, BE);
	bytes_u16(b, (uint16_t)len, BE);
	bytes_put(b, rdata, len);
}

/* A record whose data is a name (PTR, CNAME, NS). */
static void rr_name(struct bytes *b, const char *n, uint16_t type, const char *target)
{
	struct bytes t = { 0 };

	name(&t, target);
	rr(b, n, HERE, type, 1, t.p, t.len);
	bytes_free(&t);
}

static uint32_t run(const struct bytes *b, const struct tp_packet *pkt, struct ics_log *log)
{
	return ics_run_bytes(&ics_dns, pkt, -1, b->p, b->len, log);
}

static void assert_msg(const struct ics_log *log, size_t i, uint8_t proto, uint16_t function,
		       enum ics_kind kind, bool exception)
{
	const struct ics_msg *m = &log->msgs[i].m;

	cr_assert(i < log->nmsgs);
	cr_assert(eq(u8, m->proto, proto));
	cr_assert(eq(u16, m->function, function));
	cr_assert(eq(u8, m->kind, kind));
	cr_assert(eq(int, m->exception, exception));
	cr_assert(not(m->has_unit));
	cr_assert(eq(u8, m->nseq, 0));
}

/* Dissects b (carried by pkt, or NULL): one message as given, no
 * identity; frees b. */
static void names_nothing(struct bytes *b, const struct tp_packet *pkt, uint8_t proto,
			  uint16_t function, enum ics_kind kind, bool exception)
{
	struct ics_log log = { 0 };

	run(b, pkt, &log);
	assert_msg(&log, 0, proto, function, kind, exception);
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(b);
}

static void assert_name(const struct ics_log *log, size_t i, const char *value,
			uint8_t version, const uint8_t *ip)
{
	const struct ics_logged_ident *e = &log->idents[i];

	cr_assert(i < log->nidents, "identity %zu of %zu", i, log->nidents);
	cr_assert(eq(u8, e->id.field, ICS_F_NAME));
	cr_assert(eq(u8, e->id.subject, version ? ICS_SUBJECT_GIVEN : ICS_SUBJECT_SENDER));
	cr_assert(not(e->id.has_mac));
	cr_assert(eq(u8, e->id.ip_version, version));
	if (version)
		cr_assert(eq(int, memcmp(e->id.ip, ip, version == 4 ? 4 : 16), 0));
	cr_assert(eq(str, (char *)e->value, (char *)value));
	cr_assert(eq(u32, e->id.len, (uint32_t)strlen(value)));
}

/* The samples' exchange (samples/it/build_dns.c): an A query, its answer
 * by a pointer to the question's name. */
Test(dns, a_query_and_answer)
{
	struct bytes q = { 0 }, r = { 0 };
	struct ics_log log = { 0 };
	const struct ics_msg *m;

	header(&q, 0x1234, 0x0100, 1, 0, 0, 0);
	question(&q, "historian.plant.local", T_A, 1);
	cr_assert(eq(u32, run(&q, NULL, &log), (uint32_t)q.len));
	assert_msg(&log, 0, ICS_DNS, T_A, ICS_KIND_REQUEST, false);
	m = &log.msgs[0].m;
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_CLIENT));
	cr_assert(eq(u8, m->receiver_role, ICS_ROLE_SERVER));
	cr_assert(m->has_transaction);
	cr_assert(eq(u32, m->transaction, 0x1234));
	cr_assert(eq(u8, m->actions, 0));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);

	header(&r, 0x1234, 0x8180, 1, 1, 0, 0);
	question(&r, "historian.plant.local", T_A, 1);
	rr(&r, NULL, HERE, T_A, 1, PLC_IP, 4);
	cr_assert(eq(u32, run(&r, NULL, &log), (uint32_t)r.len));
	assert_msg(&log, 0, ICS_DNS, T_A, ICS_KIND_RESPONSE, false);
	m = &log.msgs[0].m;
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_SERVER));
	cr_assert(eq(u8, m->receiver_role, ICS_ROLE_CLIENT));
	cr_assert(eq(u32, m->transaction, 0x1234));
	cr_assert(eq(sz, log.nidents, 1));
	cr_assert(eq(u8, log.idents[0].id.proto, ICS_DNS));
	assert_name(&log, 0, "historian.plant.local", 4, PLC_IP);
	ics_log_free(&log);
	bytes_free(&q);
	bytes_free(&r);
}

/* The A record's own name counts (the end of a CNAME chain); CNAME and
 * NS records, authority and additional sections give nothing in DNS. */
Test(dns, cname_chain_and_sections)
{
	static const uint8_t glue[4] = { 10, 0, 0, 53 };
	struct bytes r = { 0 };
	struct ics_log log = { 0 };

	header(&r, 7, 0x8180, 1, 3, 1, 1);
	question(&r, "www.plant.local", T_AAAA, 1);
	rr_name(&r, NULL, T_CNAME, "web.plant.local");
	rr(&r, "web.plant.local", 0, T_AAAA, 1, PLC_IP6, 16);
	rr(&r, "web.plant.local", 0, T_A, 1, PLC_IP, 4);
	rr_name(&r, "plant.local", T_NS, "ns.plant.local");
	rr(&r, "ns.plant.local", 0, T_A, 1, glue, 4);
	cr_assert(eq(u32, run(&r, NULL, &log), (uint32_t)r.len));
	assert_msg(&log, 0, ICS_DNS, T_AAAA, ICS_KIND_RESPONSE, false);
	cr_assert(eq(sz, log.nidents, 2));
	assert_name(&log, 0, "web.plant.local", 6, PLC_IP6);
	assert_name(&log, 1, "web.plant.local", 4, PLC_IP);
	ics_log_free(&log);
	bytes_free(&r);
}

/* RFC 1035 3.5, RFC 3596 2.5: the PTR target names the address its
 * record's name spells; zones and malformed names give nothing. */
Test(dns, reverse_pointers)
{
	static const char v6[] = "8.c.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.IP6.ARPA";
	static const char *const bad[] = {
		"10.168.192.in-addr.arpa",		/* a zone: 3 labels */
		"1.200.10.168.192.in-addr.arpa",	/* 5 labels */
		"256.10.168.192.in-addr.arpa",		/* not an octet */
		"2x0.10.168.192.in-addr.arpa",
		"0200.10.168.192.in-addr.arpa",		/* 4 digits */
		"8.c.a.0.ip6.arpa",			/* too few nibbles */
		"200.10.168.192.in-addr.arpa.example",
	};
	struct bytes r = { 0 };
	struct ics_log log = { 0 };

	header(&r, 9, 0x8180, 0, 2, 0, 0);
	rr_name(&r, "200.10.168.192.In-Addr.Arpa", T_PTR, "plc.plant.local");
	rr_name(&r, v6, T_PTR, "plc6.plant.local");
	cr_assert(eq(u32, run(&r, NULL, &log), (uint32_t)r.len));
	assert_msg(&log, 0, ICS_DNS, T_PTR, ICS_KIND_RESPONSE, false);	/* no question: the record's */
	cr_assert(eq(sz, log.nidents, 2));
	assert_name(&log, 0, "plc.plant.local", 4, PLC_IP);
	assert_name(&log, 1, "plc6.plant.local", 6, PLC_IP6);
	ics_log_free(&log);
	bytes_free(&r);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		header(&r, 9, 0x8180, 0, 1, 0, 0);
		rr_name(&r, bad[i], T_PTR, "x.plant.local");
		run(&r, NULL, &log);
		cr_assert(eq(sz, log.nmsgs, 1), "%s", bad[i]);
		cr_assert(eq(sz, log.nidents, 0), "%s", bad[i]);
		ics_log_free(&log);
		bytes_free(&r);
	}
}

/* RCODE != 0 is an exception (NXDOMAIN too), and its records count for
 * nothing; queries' records (mDNS known answers) neither. */
Test(dns, negative_responses)
{
	struct bytes r = { 0 };

	for (uint16_t rcode = 1; rcode <= 5; rcode++) {
		header(&r, 3, (uint16_t)(0x8180 | rcode), 1, 1, 0, 0);
		question(&r, "wpad.plant.local", T_A, 1);
		rr(&r, NULL, HERE, T_A, 1, PLC_IP, 4);
		names_nothing(&r, NULL, ICS_DNS, T_A, ICS_KIND_RESPONSE, true);
	}
	header(&r, 3, 0x0100, 1, 1, 0, 0);
	question(&r, "wpad.plant.local", T_A, 1);
	rr(&r, NULL, HERE, T_A, 1, PLC_IP, 4);
	names_nothing(&r, NULL, ICS_DNS, T_A, ICS_KIND_REQUEST, false);
}

/* RFC 2136: UPDATE (opcode 5) writes; RFC 1996 NOTIFY (4). */
Test(dns, other_opcodes)
{
	struct bytes r = { 0 };
	struct ics_log log = { 0 };

	header(&r, 5, 5u << 11, 1, 0, 1, 0);	/* zone, prerequisites, update */
	question(&r, "plant.local", 6, 1);
	rr(&r, "hmi.plant.local", 0, T_A, 1, PLC_IP, 4);
	run(&r, NULL, &log);
	assert_msg(&log, 0, ICS_DNS, 0xff05, ICS_KIND_REQUEST, false);
	cr_assert(eq(u8, log.msgs[0].m.actions, ICS_ACT_WRITE));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	r.p[2] |= 0x80;	/* its response: no write */
	run(&r, NULL, &log);
	assert_msg(&log, 0, ICS_DNS, 0xff05, ICS_KIND_RESPONSE, false);
	cr_assert(eq(u8, log.msgs[0].m.actions, 0));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	r.p[2] = 4u << 3;
	run(&r, NULL, &log);
	assert_msg(&log, 0, ICS_DNS, 0xff04, ICS_KIND_REQUEST, false);
	ics_log_free(&log);
	bytes_free(&r);
	/* No question, no record: function 0. */
	header(&r, 5, 0x8180, 0, 0, 0, 0);
	run(&r, NULL, &log);
	assert_msg(&log, 0, ICS_DNS, 0, ICS_KIND_RESPONSE, false);
	ics_log_free(&log);
	bytes_free(&r);
}

static struct tp_packet mdns_packet(bool multicast)
{
	struct tp_packet pkt = { .ip_version = 4, .ip_proto = 17, .sport = 5353, .dport = 5353 };
	static const uint8_t group[4] = { 224, 0, 0, 251 };

	memcpy(pkt.src_ip, PLC_IP, 4);
	if (multicast)
		memcpy(pkt.dst_ip, group, 4);
	else
		memcpy(pkt.dst_ip, PLC_IP, 4);
	return pkt;
}

/*
 * RFC 6762: a query (QU bit in its class), an announcement to the group
 * with no question (function: the first record's type), cache-flush bits,
 * the host's addresses in the additional section, the SRV target as the
 * sender's host name; authority records of a probe give nothing.
 */
Test(dns, mdns)
{
	static const uint8_t srv[] = { 0, 0, 0, 0, 0x01, 0xf6, 6, 'p', 'l', 'c', '-', '4', '2',
				       5, 'l', 'o', 'c', 'a', 'l', 0 };
	struct tp_packet group = mdns_packet(true), unicast = mdns_packet(false);
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	const struct ics_msg *m;

	header(&b, 0, 0, 1, 0, 0, 0);
	question(&b, "_http._tcp.local", T_PTR, 0x8001);
	run(&b, &group, &log);
	assert_msg(&log, 0, ICS_MDNS, T_PTR, ICS_KIND_REQUEST, false);
	m = &log.msgs[0].m;
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_NONE));
	cr_assert(eq(u8, m->receiver_role, ICS_ROLE_NONE));
	cr_assert(not(m->has_transaction));
	ics_log_free(&log);
	bytes_free(&b);

	header(&b, 0, 0x8400, 0, 2, 0, 2);
	rr_name(&b, "_http._tcp.local", T_PTR, "plc-42._http._tcp.local");
	rr(&b, "plc-42._http._tcp.local", 0, T_SRV, 0x8001, srv, sizeof srv);
	rr(&b, "plc-42.local", 0, T_A, 0x8001, PLC_IP, 4);
	rr(&b, "plc-42.local", 0, T_AAAA, 0x8001, PLC_IP6, 16);
	run(&b, &group, &log);
	assert_msg(&log, 0, ICS_MDNS, T_PTR, ICS_KIND_ANNOUNCE, false);
	cr_assert(eq(sz, log.nidents, 3));
	cr_assert(eq(u8, log.idents[0].id.proto, ICS_MDNS));
	assert_name(&log, 0, "plc-42.local", 0, NULL);	/* SRV target: the sender's */
	assert_name(&log, 1, "plc-42.local", 4, PLC_IP);
	assert_name(&log, 2, "plc-42.local", 6, PLC_IP6);
	ics_log_free(&log);
	/* Unicast (a reply to a QU question or a legacy query): a response. */
	b.p[1] = 0x2a;	/* id 42 */
	run(&b, &unicast, &log);
	assert_msg(&log, 0, ICS_MDNS, T_PTR, ICS_KIND_RESPONSE, false);
	cr_assert(log.msgs[0].m.has_transaction);
	cr_assert(eq(u32, log.msgs[0].m.transaction, 42));
	cr_assert(eq(sz, log.nidents, 3));
	ics_log_free(&log);
	bytes_free(&b);

	/* A probe: the proposed records are in the authority section. */
	header(&b, 0, 0, 1, 0, 1, 0);
	question(&b, "plc-42.local", 255, 0x8001);
	rr(&b, NULL, HERE, T_A, 1, PLC_IP, 4);
	names_nothing(&b, &group, ICS_MDNS, 255, ICS_KIND_REQUEST, false);

	/* Authority records of a response are not the host's either. */
	header(&b, 0, 0x8400, 0, 0, 1, 0);
	rr(&b, "plc-42.local", 0, T_A, 0x8001, PLC_IP, 4);
	names_nothing(&b, &group, ICS_MDNS, T_A, ICS_KIND_ANNOUNCE, false);

	/* The cache-flush bit is no class in plain DNS; SRV is not read there. */
	header(&b, 1, 0x8180, 0, 2, 0, 0);
	rr(&b, "plc-42.local", 0, T_A, 0x8001, PLC_IP, 4);
	rr(&b, "plc-42._http._tcp.local", 0, T_SRV, 1, srv, sizeof srv);
	names_nothing(&b, NULL, ICS_DNS, T_A, ICS_KIND_RESPONSE, false);
}

/* Records with wrong sizes, classes or names give nothing. */
Test(dns, odd_records)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	header(&b, 1, 0x8180, 0, 5, 0, 0);
	rr(&b, "a.plant.local", 0, T_A, 1, PLC_IP, 3);
	rr(&b, "b.plant.local", 0, T_AAAA, 1, PLC_IP6, 4);
	rr(&b, "c.plant.local", 0, T_A, 3, PLC_IP, 4);	/* CHAOS */
	rr(&b, "", 0, T_A, 1, PLC_IP, 4);		/* the root: no name */
	rr(&b, "e.plant.local", 0, T_A, 1, PLC_IP, 4);
	run(&b, NULL, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 1));
	assert_name(&log, 0, "e.plant.local", 4, PLC_IP);
	ics_log_free(&log);
	bytes_free(&b);
}

/*
 * RFC 1035 4.1.4 abused: a pointer to itself, a loop of two, a pointer
 * beyond the message, label types 01 and 10, a name over 255 octets: the
 * name is refused (no message when it is the first question's; the
 * records stop there otherwise).  A chain of pointers is followed.
 */
Test(dns, compression_abuse)
{
	static const uint8_t self[] = { 0xc0, 12 };
	static const uint8_t loop[] = { 1, 'a', 0xc0, 16, 1, 'b', 0xc0, 12 };
	static const uint8_t beyond[] = { 0xc0, 0xff };
	static const uint8_t ext[] = { 0x41, 'a', 0 };
	static const uint8_t rsv[] = { 0x81, 'a', 0 };
	static const uint8_t *const bad[] = { self, loop, beyond, ext, rsv };
	static const size_t len[] = { sizeof self, sizeof loop, sizeof beyond, sizeof ext, sizeof rsv };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	for (size_t i = 0; i < 5; i++) {
		header(&b, 1, 0x8180, 1, 0, 0, 0);
		bytes_put(&b, bad[i], len[i]);
		bytes_u16(&b, T_A, BE);
		bytes_u16(&b, 1, BE);
		cr_assert(eq(u32, run(&b, NULL, &log), (uint32_t)b.len));
		cr_assert(eq(sz, log.nmsgs, 0), "case %zu", i);
		ics_log_free(&log);
		bytes_free(&b);
	}

	/* 127 labels of 1: 255 octets, the most; 128: 257, refused. */
	for (int labels = 127; labels <= 128; labels++) {
		header(&b, 1, 0x8180, 1, 0, 0, 0);
		for (int i = 0; i < labels; i++)
			bytes_put(&b, "\x01x", 2);
		bytes_u8(&b, 0);
		bytes_u32(&b, 0x00010001, BE);
		run(&b, NULL, &log);
		cr_assert(eq(sz, log.nmsgs, labels == 127 ? 1 : 0));
		ics_log_free(&log);
		bytes_free(&b);
	}

	/* A pointer to a name ending in a pointer; a bad record stops the rest. */
	header(&b, 1, 0x8180, 1, 3, 0, 0);
	question(&b, "plant.local", T_A, 1);			/* 12..24 */
	bytes_put(&b, "\x03plc\xc0\x0c", 6);			/* 29: plc.plant.local */
	bytes_u16(&b, T_A, BE);
	bytes_u16(&b, 1, BE);
	bytes_u32(&b, 60, BE);
	bytes_u16(&b, 4, BE);
	bytes_put(&b, PLC_IP, 4);
	bytes_put(&b, "\x02io\xc0\x1d", 5);			/* io.plc.plant.local */
	bytes_u16(&b, T_A, BE);
	bytes_u16(&b, 1, BE);
	bytes_u32(&b, 60, BE);
	bytes_u16(&b, 4, BE);
	bytes_put(&b, PLC_IP, 4);
	rr(&b, NULL, 0x3fff, T_A, 1, PLC_IP, 4);		/* beyond */
	rr(&b, "late.plant.local", 0, T_A, 1, PLC_IP, 4);	/* not reached (count 3) */
	run(&b, NULL, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 2));
	assert_name(&log, 0, "plc.plant.local", 4, PLC_IP);
	assert_name(&log, 1, "io.plc.plant.local", 4, PLC_IP);
	ics_log_free(&log);
	bytes_free(&b);
}

/* Counts far beyond the bytes: what is there is read, then the loop ends. */
Test(dns, counts_overrunning)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	header(&b, 1, 0x8180, 1, 0xffff, 0xffff, 0xffff);
	question(&b, "plc.plant.local", T_A, 1);
	rr(&b, NULL, HERE, T_A, 1, PLC_IP, 4);
	cr_assert(eq(u32, run(&b, NULL, &log), (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 1));
	ics_log_free(&log);
	bytes_free(&b);
	/* A header alone, or less. */
	header(&b, 1, 0, 0, 0, 0, 0);
	for (size_t n = 0; n <= b.len; n++) {
		cr_assert(eq(u32, ics_run_bytes(&ics_dns, NULL, -1, b.p, n, &log), (uint32_t)n));
		cr_assert(eq(sz, log.nmsgs, n == b.len ? 1 : 0));
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/*
 * Every cut of a response: no message until the first question's name and
 * type are whole, then the message as whole, and each identity once its
 * record is whole; all consumed (UDP).
 */
Test(dns, truncated_at_every_byte)
{
	struct bytes b = { 0 };
	struct ics_log full = { 0 }, log = { 0 };
	size_t type_end, end[3];

	header(&b, 0x4242, 0x8180, 1, 3, 0, 0);
	question(&b, "plc.plant.local", T_A, 1);
	type_end = b.len - 2;
	rr(&b, NULL, HERE, T_A, 1, PLC_IP, 4);
	end[0] = b.len;
	rr_name(&b, "200.10.168.192.in-addr.arpa", T_PTR, "plc.plant.local");
	end[1] = b.len;
	rr(&b, "plc6.plant.local", 0, T_AAAA, 1, PLC_IP6, 16);
	end[2] = b.len;
	run(&b, NULL, &full);
	cr_assert(eq(sz, full.nidents, 3));
	for (size_t n = 0; n < b.len; n++) {
		size_t want = (n >= end[0]) + (n >= end[1]) + (n >= end[2]);

		cr_assert(eq(u32, ics_run_bytes(&ics_dns, NULL, -1, b.p, n, &log), (uint32_t)n));
		cr_assert(eq(sz, log.nmsgs, n >= type_end ? 1 : 0), "cut at %zu", n);
		if (log.nmsgs)
			cr_assert(eq(int, memcmp(&log.msgs[0].m, &full.msgs[0].m, sizeof log.msgs[0].m), 0));
		cr_assert(eq(sz, log.nidents, want), "cut at %zu", n);
		for (size_t i = 0; i < want; i++) {
			cr_assert(eq(str, log.idents[i].value, full.idents[i].value));
			cr_assert(eq(int, memcmp(log.idents[i].id.ip, full.idents[i].id.ip, 16), 0));
		}
		ics_log_free(&log);
	}
	ics_log_free(&full);
	bytes_free(&b);
}

/* ---- TCP (RFC 1035 4.2.2) ---- */

static const struct tp_packet tcp_pkt = { .ip_version = 4, .ip_proto = 6, .sport = 53,
					  .dport = 40000 };

static void tcp_message(struct bytes *b, uint16_t id)
{
	struct bytes m = { 0 };

	header(&m, id, 0x8180, 1, 1, 0, 0);
	question(&m, "plc.plant.local", T_A, 1);
	rr(&m, NULL, HERE, T_A, 1, PLC_IP, 4);
	bytes_u16(b, (uint16_t)m.len, BE);
	bytes_put(b, m.p, m.len);
	bytes_free(&m);
}

/* Two messages in a segment, and every cut of them: whole messages are
 * read, the cut one is kept from its length on. */
Test(dns, tcp_messages_and_cuts)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t first;

	tcp_message(&b, 1);
	first = b.len;
	tcp_message(&b, 2);
	cr_assert(eq(u32, ics_run_bytes(&ics_dns, &tcp_pkt, 0, b.p, b.len, &log), (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(u32, log.msgs[1].m.transaction, 2));
	cr_assert(eq(sz, log.nidents, 2));
	ics_log_free(&log);
	for (size_t n = 0; n < b.len; n++) {
		uint32_t used = ics_run_bytes(&ics_dns, &tcp_pkt, 0, b.p, n, &log);

		cr_assert(eq(u32, used, n < first ? 0 : (uint32_t)first), "cut at %zu", n);
		cr_assert(eq(sz, log.nmsgs, n < first ? 0 : 1), "cut at %zu", n);
		cr_assert(eq(sz, log.nidents, n < first ? 0 : 1), "cut at %zu", n);
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/* A length below a header, or an unassigned opcode: not DNS, all consumed
 * (nothing kept), even after whole messages. */
Test(dns, tcp_not_dns)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	tcp_message(&b, 1);
	bytes_u16(&b, 11, BE);
	bytes_zeros(&b, 11);
	cr_assert(eq(u32, ics_run_bytes(&ics_dns, &tcp_pkt, 0, b.p, b.len, &log), (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	ics_log_free(&log);
	bytes_free(&b);

	bytes_u16(&b, 100, BE);
	header(&b, 1, 3u << 11, 1, 0, 0, 0);	/* opcode 3: unassigned; and cut */
	cr_assert(eq(u32, ics_run_bytes(&ics_dns, &tcp_pkt, 0, b.p, b.len, &log), (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(dns, function_names)
{
	cr_assert(eq(str, (char *)ics_function_name(ICS_DNS, 1), "a"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DNS, 28), "aaaa"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DNS, 12), "ptr"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DNS, 33), "srv"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DNS, 252), "axfr"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DNS, 255), "any"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DNS, 0xff05), "update"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_MDNS, 12), "ptr"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_MDNS, 0xff04), "notify"));
	cr_assert(ics_function_name(ICS_DNS, 0) == NULL);
	cr_assert(ics_function_name(ICS_DNS, 0xff03) == NULL);
}

/* ---- real captures against tshark ---- */

static struct dns_capture {
	char rel[64];
	size_t frames, names;	/* names: A, AAAA, PTR answers counted by hand */
} dns_captures[] = {
	{ "ics/modbus/modbusSmall.pcap", 6, 6 },	/* glue A records in additional */
	{ "ics/opcua/open62541_client-server_mainloop.pcap", 4, 0 },	/* ports 63974, 58543 */
	{ "ics/other/bsap-ip_example.pcap", 6, 0 },	/* mDNS queries, IPv4 and IPv6 */
	{ "encap/sll/sll.pcap", 22, 16 },		/* DNS and mDNS */
	{ "encap/erspan/erspan.pcap", 10, 0 },		/* NXDOMAIN, SERVFAIL */
	{ "encap/other/raw_ip.pcap", 6, 4 },
	{ "encap/vxlan/vxlan_nDPI.pcap", 8, 4 },	/* AAAA */
	{ "pcapng/many_interfaces-1.pcapng", 14, 16 },	/* PTR answers */
	{ "compressed/example.pcap.zst", 138, 122 },
};

ParameterizedTestParameters(dns, against_tshark)
{
	return cr_make_param_array(struct dns_capture, dns_captures,
				   sizeof dns_captures / sizeof dns_captures[0]);
}

/* The n-th (0-based) of tshark's comma-joined values, in buf. */
static const char *nth(const char *cell, size_t n, char *buf, size_t cap)
{
	size_t len;

	for (; n && cell; n--)
		cell = strchr(cell, ',') ? strchr(cell, ',') + 1 : NULL;
	if (!cell)
		return "";
	len = strcspn(cell, ",");
	len = len < cap - 1 ? len : cap - 1;
	memcpy(buf, cell, len);
	buf[len] = '\0';
	return buf;
}

/* The last of tshark's comma-joined values (the innermost header's). */
static const char *last_value(const char *cell)
{
	const char *comma = strrchr(cell, ',');

	return comma ? comma + 1 : cell;
}

static bool multicast(const char *ip)
{
	return !strncmp(ip, "224.", 4) || !strncmp(ip, "ff", 2);
}

/* Finds (and consumes: marks with field ICS_F_COUNT) the identity of frame
 * with value and address. */
static bool take_ident(struct ics_log *log, uint64_t frame, const char *value, const char *ip)
{
	uint8_t want[16] = { 0 };
	int v = strchr(ip, ':') ? 6 : 4;

	cr_assert(inet_pton(v == 6 ? AF_INET6 : AF_INET, ip, want) == 1, "%s", ip);
	for (size_t i = 0; i < log->nidents; i++) {
		struct ics_logged_ident *e = &log->idents[i];

		if (e->frame == frame && e->id.field == ICS_F_NAME &&
		    e->id.subject == ICS_SUBJECT_GIVEN && e->id.ip_version == v &&
		    !memcmp(e->id.ip, want, v == 6 ? 16 : 4) && !strcmp(e->value, value)) {
			e->id.field = ICS_F_COUNT;
			return true;
		}
	}
	return false;
}

/*
 * Per frame tshark calls DNS or mDNS: one message of the protocol by port,
 * function (first question's type, or first record's), kind (mDNS
 * responses to a group: announce), exception (RCODE); and for responses
 * with RCODE 0, each A / AAAA record and each in-addr.arpa PTR record of
 * the answers (mDNS: and additional records) as a name for its address,
 * nothing else.
 */
ParameterizedTest(const struct dns_capture *cap, dns, against_tshark)
{
	static const char *const fields[] = {
		"udp.srcport",	     "udp.dstport",	 "ip.dst",	     "ipv6.dst",
		"dns.flags.response", "dns.flags.opcode", "dns.flags.rcode", "dns.qry.type",
		"dns.count.answers", "dns.count.auth_rr", "dns.count.add_rr", "dns.resp.name",
		"dns.resp.type",      "dns.a",		 "dns.aaaa",	     "dns.ptr.domain_name",
	};
	const char *path = corpus_file(cap->rel);
	struct tshark_rows t;
	struct ics_log log = { 0 };
	size_t nmsg = 0, nnames = 0;
	char buf[2][300];

	cr_assert(tshark_fields(path, "dns || mdns", NULL, fields, 16, &t));
	cr_assert(ics_run_file(path, &log));
	cr_assert(eq(sz, t.nrows, cap->frames));
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		const char *sport = last_value(tshark_cell(&t, r, 1));
		const char *dport = last_value(tshark_cell(&t, r, 2));
		bool mdns = !strcmp(sport, "5353") || !strcmp(dport, "5353");
		const char *dst = last_value(*tshark_cell(&t, r, 4) ? tshark_cell(&t, r, 4)
								    : tshark_cell(&t, r, 3));
		bool response = !strcmp(tshark_cell(&t, r, 5), "1") ||
				!strcmp(tshark_cell(&t, r, 5), "True");
		unsigned opcode = (unsigned)strtoul(tshark_cell(&t, r, 6), NULL, 10);
		unsigned rcode = (unsigned)strtoul(tshark_cell(&t, r, 7), NULL, 10);
		unsigned an = (unsigned)strtoul(tshark_cell(&t, r, 9), NULL, 10);
		unsigned ns = (unsigned)strtoul(tshark_cell(&t, r, 10), NULL, 10);
		unsigned ar = (unsigned)strtoul(tshark_cell(&t, r, 11), NULL, 10);
		const char *qtype = tshark_cell(&t, r, 8), *types = tshark_cell(&t, r, 13);
		unsigned function = (unsigned)strtoul(*qtype ? qtype : types, NULL, 10);
		enum ics_kind kind = !response ? ICS_KIND_REQUEST
				     : mdns && multicast(dst) ? ICS_KIND_ANNOUNCE : ICS_KIND_RESPONSE;
		const struct ics_logged_msg *m = NULL;
		size_t found = 0, na = 0, naaaa = 0, nptr = 0;

		if (opcode)
			function = 0xff00u | opcode;
		for (size_t i = 0; i < log.nmsgs; i++)
			if (log.msgs[i].frame == frame &&
			    (log.msgs[i].m.proto == ICS_MDNS || log.msgs[i].m.proto == ICS_DNS)) {
				cr_assert(eq(u8, log.msgs[i].m.proto, mdns ? ICS_MDNS : ICS_DNS));
				m = &log.msgs[i];
				found++;
			}
		/* Explained difference: tshark also finds DNS on other ports by
		 * its heuristic (open62541: a resolver on 127.0.0.1 between ports
		 * 63974 and 58543); we find it by port only. */
		if (!mdns && strcmp(sport, "53") && strcmp(dport, "53")) {
			cr_assert(eq(sz, found, 0), "frame %llu", (unsigned long long)frame);
			continue;
		}
		nmsg++;
		cr_assert(eq(sz, found, 1), "frame %llu", (unsigned long long)frame);
		cr_assert(eq(u16, m->m.function, function), "frame %llu", (unsigned long long)frame);
		cr_assert(eq(u8, m->m.kind, kind), "frame %llu", (unsigned long long)frame);
		cr_assert(eq(int, m->m.exception, rcode != 0));
		if (!response || rcode || opcode)
			continue;
		for (unsigned k = 0; k < an + ns + ar; k++) {
			unsigned type = (unsigned)strtoul(nth(types, k, buf[0], sizeof buf[0]), NULL, 10);
			bool counted = k < an || (mdns && k >= an + ns);
			const char *owner = nth(tshark_cell(&t, r, 12), k, buf[0], sizeof buf[0]);
			const char *addr = NULL, *value = owner;
			unsigned o[4];
			char rev[32];

			if (type == T_A)
				addr = nth(tshark_cell(&t, r, 14), na++, buf[1], sizeof buf[1]);
			else if (type == T_AAAA)
				addr = nth(tshark_cell(&t, r, 15), naaaa++, buf[1], sizeof buf[1]);
			else if (type == T_PTR) {
				value = nth(tshark_cell(&t, r, 16), nptr++, buf[1], sizeof buf[1]);
				if (sscanf(owner, "%u.%u.%u.%u.in-addr.arpa", &o[3], &o[2], &o[1],
					   &o[0]) == 4 && o[0] < 256 && o[1] < 256 && o[2] < 256 &&
				    o[3] < 256) {
					snprintf(rev, sizeof rev, "%u.%u.%u.%u", o[0], o[1], o[2], o[3]);
					addr = rev;
				}
			}
			cr_assert(type != T_SRV || !mdns, "frame %llu: SRV not compared",
				  (unsigned long long)frame);
			if (!counted || !addr)
				continue;
			cr_assert(take_ident(&log, frame, value, addr), "frame %llu: %s %s",
				  (unsigned long long)frame, value, addr);
		}
	}
	cr_assert(eq(sz, ics_log_count(&log, ICS_DNS, -1) + ics_log_count(&log, ICS_MDNS, -1),
		     nmsg));
	for (size_t i = 0; i < log.nidents; i++)
		nnames += log.idents[i].id.field == ICS_F_COUNT;
	cr_assert(eq(sz, nnames, cap->names));
	for (size_t i = 0; i < log.nidents; i++)
		if (log.idents[i].id.proto == ICS_DNS || log.idents[i].id.proto == ICS_MDNS)
			cr_assert(eq(u8, log.idents[i].id.field, ICS_F_COUNT),
				  "frame %llu: %s beyond tshark's",
				  (unsigned long long)log.idents[i].frame, log.idents[i].value);
	tshark_rows_free(&t);
	ics_log_free(&log);
}

/* ---- a fuzzed capture (malformed/: no oracle, tshark reports errors) ---- */

/*
 * Ethereal's fuzz test output of 2006: DNS, NBNS, ARP and DHCP with bytes
 * flipped.  No comparison (tshark marks most frames malformed): it must go
 * through (ASan and UBSan clean in the SAN run), with names no longer than
 * a DNS name spelled out and messages no more than the frames.
 */
Test(dns, fuzzed_capture)
{
	const char *path = corpus_file("malformed/fuzz-2006-06-26-2594.pcap");
	struct ics_log log = { 0 };
	size_t n[ICS_PROTO_COUNT] = { 0 };

	cr_assert(ics_run_file(path, &log));
	for (size_t i = 0; i < log.nmsgs; i++)
		n[log.msgs[i].m.proto]++;
	cr_log_info("arp %zu dhcp %zu dns %zu mdns %zu nbns %zu, identities %zu", n[ICS_ARP],
		    n[ICS_DHCP], n[ICS_DNS], n[ICS_MDNS], n[ICS_NBNS], log.nidents);
	for (size_t i = 0; i < log.nidents; i++)
		cr_assert(log.idents[i].id.len <= 253);
	cr_assert(n[ICS_ARP] + n[ICS_DHCP] + n[ICS_DNS] + n[ICS_MDNS] + n[ICS_NBNS] <= 691);
	ics_log_free(&log);
}
