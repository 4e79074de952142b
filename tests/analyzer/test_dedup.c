/*
 * test_dedup.c - duplicates within a window (analyzer/dedup.c), against
 * independent truths:
 *   - hand-built frames, in pairs: each kind (identical, vlan, routed,
 *     tunnel) and the near misses that are not duplicates;
 *   - the plant simulator: its SPAN, RSPAN and ERSPAN views duplicate
 *     frames that cross two mirrored ports, and truth-views.csv says how
 *     many extra copies each view holds (`duplicated`); the TAP views hold
 *     none;
 *   - real captures: the identical duplicates against editcap -w 0.01
 *     (Wireshark's editcap drops a frame whose MD5 and length equal those
 *     of a frame at most 10 ms before it), and the routed copies of
 *     compressed/hardware_dups.dmp.gz (both sides of a router) against
 *     tshark's fields.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/dedup.h"
#include "formats/capture.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/csvread.h"
#include "tests/support/frames.h"
#include "tests/support/sim_run.h"

#define T0 INT64_C(1700000000000000000)
#define US INT64_C(1000)
#define MS INT64_C(1000000)

/* ------------------------------------------------------ hand-built frames */

static const uint8_t mac_hmi[6] = { 0x00, 0x0c, 0x29, 0x00, 0x00, 0x02 };
static const uint8_t mac_plc[6] = { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x03 };
static const uint8_t mac_r_in[6] = { 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01 };	/* a router's two ports */
static const uint8_t mac_r_out[6] = { 0x00, 0x00, 0x0c, 0x00, 0x00, 0x02 };
static const uint8_t mac_sw[6] = { 0x00, 0x00, 0x0c, 0x9f, 0xf0, 0x01 };	/* an ERSPAN source */
static const uint8_t mac_col[6] = { 0x00, 0x14, 0x22, 0x55, 0x00, 0x50 };	/* its collector */

enum body { UDP4, UDP6, TCP4, ARP, GOOSE };

/* One frame, described by what varies between copies.  Zero is the
 * default of each field. */
struct spec {
	uint8_t body;		/* enum body */
	uint8_t ntags;
	uint16_t vid[2];
	bool router;		/* the router's MACs instead of the hosts' */
	uint8_t ttl;		/* 0: 64 */
	uint16_t ip_id;
	uint8_t fill;		/* payload byte */
	uint8_t payload;	/* payload bytes (0: 4) */
	uint8_t trailer;	/* nonzero: 4 bytes of it after the padding */
	uint32_t gre_seq;	/* nonzero: inside ERSPAN II with this GRE sequence */
	uint32_t snap;		/* nonzero: bytes captured */
	bool bad_fcs;		/* a wrong FCS follows */
	bool no_cksum;		/* IPv4 checksum 0: left to the NIC (offload) */
};

/* Rewrites an IPv4 header's ID and TTL and its checksum (RFC 791 3.1). */
static void ipv4_patch(struct bytes *b, size_t at, uint16_t id, uint8_t ttl)
{
	uint16_t sum;

	b->p[at + 4] = (uint8_t)(id >> 8);
	b->p[at + 5] = (uint8_t)id;
	b->p[at + 8] = ttl;
	b->p[at + 10] = b->p[at + 11] = 0;
	sum = (uint16_t)~frame_fold(frame_sum(0, b->p + at, 20));
	b->p[at + 10] = (uint8_t)(sum >> 8);
	b->p[at + 11] = (uint8_t)sum;
}

static void inner_frame(struct bytes *b, const struct spec *sp)
{
	static const uint16_t types[] = { [UDP4] = 0x0800, [UDP6] = 0x86dd, [TCP4] = 0x0800,
					  [ARP] = 0x0806, [GOOSE] = 0x88b8 };
	size_t start = b->len, at;
	uint16_t type = types[sp->body];
	uint8_t ttl = sp->ttl ? sp->ttl : 64;
	size_t payload = sp->payload ? sp->payload : 4;

	frame_eth(b, sp->router ? mac_r_out : mac_plc, sp->router ? mac_r_in : mac_hmi,
		  sp->ntags ? 0x8100 : type);
	for (unsigned i = 0; i < sp->ntags; i++)
		frame_tag(b, sp->vid[i], i + 1 < sp->ntags ? 0x8100 : type);
	at = b->len;
	switch (sp->body) {
	case UDP4:
		frame_ipv4(b, 17, 0x0a000005, 0x0a000006, 8 + payload);
		ipv4_patch(b, at, sp->ip_id, ttl);
		b->p[at + 10] = sp->no_cksum ? 0 : b->p[at + 10];
		b->p[at + 11] = sp->no_cksum ? 0 : b->p[at + 11];
		frame_udp(b, 50000, 47808, payload);
		break;
	case TCP4:		/* a keepalive: ACK, one byte below the next sequence */
		frame_ipv4(b, 6, 0x0a000005, 0x0a000006, 20 + payload);
		ipv4_patch(b, at, sp->ip_id, ttl);
		bytes_u16(b, 50000, true);
		bytes_u16(b, 502, true);
		bytes_u32(b, 999, true);
		bytes_u32(b, 2000, true);
		bytes_u16(b, 0x5010, true);
		bytes_u16(b, 8192, true);
		bytes_u32(b, 0, true);
		break;
	case UDP6:
		bytes_u32(b, 0x60000000, true);
		bytes_u16(b, (uint16_t)(8 + payload), true);
		bytes_u8(b, 17);
		bytes_u8(b, ttl);
		for (int i = 0; i < 2; i++) {
			bytes_u32(b, 0xfd000000, true);
			bytes_zeros(b, 11);
			bytes_u8(b, (uint8_t)(5 + i));
		}
		frame_udp(b, 50000, 47808, payload);
		break;
	case ARP:		/* RFC 826 request */
		bytes_u16(b, 1, true);
		bytes_u16(b, 0x0800, true);
		bytes_u8(b, 6);
		bytes_u8(b, 4);
		bytes_u16(b, 1, true);
		bytes_put(b, sp->router ? mac_r_in : mac_hmi, 6);
		bytes_u32(b, 0x0a000005, true);
		bytes_zeros(b, 6);
		bytes_u32(b, 0x0a000000u | sp->fill, true);
		payload = 0;
		break;
	default:		/* GOOSE (IEC 61850-8-1 C.2): APPID, length, reserved */
		bytes_u16(b, 0x0001, true);
		bytes_u16(b, (uint16_t)(8 + payload), true);
		bytes_u32(b, 0, true);
		break;
	}
	for (size_t i = 0; i < payload; i++)
		bytes_u8(b, sp->fill);
	if (b->len - start < 60)
		bytes_zeros(b, 60 - (b->len - start));
	for (int i = 0; sp->trailer && i < 4; i++)
		bytes_u8(b, sp->trailer);
}

/* The frame as a sensor recorded it: in ERSPAN type II when gre_seq is
 * set (draft-foschiano-erspan-03 4.1; GRE with a sequence number, RFC
 * 2890), then its FCS when bad_fcs. */
static void build(struct bytes *b, const struct spec *sp)
{
	struct bytes in = { 0 };

	inner_frame(&in, sp);
	if (sp->gre_seq) {
		size_t at;

		frame_eth(b, mac_col, mac_sw, 0x0800);
		at = b->len;
		frame_ipv4(b, 47, 0xc0a86401, 0xc0a86432, 8 + 8 + in.len);
		ipv4_patch(b, at, (uint16_t)sp->gre_seq, 255);
		bytes_u16(b, 0x1000, true);	/* S: a sequence number follows */
		bytes_u16(b, 0x88be, true);
		bytes_u32(b, sp->gre_seq, true);
		bytes_u16(b, 1u << 12 | 1u, true);	/* version 1 (type II), VLAN 1 */
		bytes_u16(b, 100, true);		/* session 100 */
		bytes_u32(b, 2, true);			/* index: port 2 */
	}
	bytes_put(b, in.p, in.len);
	bytes_free(&in);
	if (sp->bad_fcs)
		bytes_u32(b, 0xdeadbeef, true);
}

static void decode(struct tp_packet *pkt, const struct bytes *b, const struct spec *sp, int64_t ts)
{
	struct tp_record rec = { .data = b->p, .ts_ns = ts, .caplen = (uint32_t)b->len,
				 .origlen = (uint32_t)b->len, .linktype = 1, .fcs_len = sp->bad_fcs ? 4 : 0,
				 .frame = 1 };

	if (sp->snap)
		rec.caplen = sp->snap;
	tp_decode(pkt, &rec);
}

/* The default frame (a UDP datagram), built into b and decoded at T0. */
static void plain_frame(struct bytes *b, struct tp_packet *pkt)
{
	const struct spec sp = { 0 };

	build(b, &sp);
	decode(pkt, b, &sp, T0);
}

/* Builds, decodes and checks one frame. */
static enum dup_kind check(struct dedup *d, const struct spec *sp, int64_t ts, uint64_t frame,
			   uint64_t *first_frame)
{
	struct bytes b = { 0 };
	struct tp_packet pkt;
	enum dup_kind k;

	build(&b, sp);
	decode(&pkt, &b, sp, ts);
	cr_assert(eq(u32, pkt.flags & TP_PKT_MALFORMED, 0), "frame %llu is malformed",
		  (unsigned long long)frame);
	k = dedup_check(d, &pkt, 0, frame, NULL, first_frame);
	bytes_free(&b);
	return k;
}

struct pair_case {
	char why[96];
	struct spec a, b;
	int64_t dt;		/* b's time after a's */
	int want;		/* enum dup_kind of b */
};

#define V1(v) .ntags = 1, .vid = { v }
#define ERSPAN(seq) .gre_seq = (seq)

static const struct pair_case pairs[] = {
	/* The kinds. */
	{ "a SPAN copy: the same bytes", { 0 }, { 0 }, 2 * US, DUP_IDENTICAL },
	{ "the same bytes at the end of the window", { 0 }, { 0 }, 10 * MS, DUP_IDENTICAL },
	{ "the same bytes stamped a little earlier", { 0 }, { 0 }, -3 * US, DUP_IDENTICAL },
	{ "the same IPv6 bytes", { .body = UDP6 }, { .body = UDP6 }, 1 * US, DUP_IDENTICAL },
	{ "the same GOOSE frame", { .body = GOOSE, .payload = 80 }, { .body = GOOSE, .payload = 80 },
	  1 * US, DUP_IDENTICAL },
	{ "the same frame with another trailer after the packet", { .trailer = 0xaa },
	  { .trailer = 0xbb }, 1 * US, DUP_IDENTICAL },
	{ "the same frame, once with its IPv4 checksum left to the NIC", { .no_cksum = true }, { 0 }, 0,
	  DUP_IDENTICAL },
	{ "RSPAN: both copies in VLAN 999", { V1(999) }, { V1(999) }, 1 * US, DUP_IDENTICAL },
	{ "untagged then tagged (padding shrinks by the tag)", { 0 }, { V1(999) }, 20 * US, DUP_VLAN },
	{ "VLAN 10 then VLAN 20", { V1(10) }, { V1(20) }, 20 * US, DUP_VLAN },
	{ "one tag then two (QinQ)", { V1(10) }, { .ntags = 2, .vid = { 100, 10 } }, 20 * US, DUP_VLAN },
	{ "an ARP request untagged then tagged", { .body = ARP }, { .body = ARP, V1(10) }, 20 * US,
	  DUP_VLAN },
	{ "before and after a router: TTL and MACs", { 0 }, { .router = true, .ttl = 63 }, 700 * US,
	  DUP_ROUTED },
	{ "IPv6 before and after a router", { .body = UDP6 }, { .body = UDP6, .router = true, .ttl = 63 },
	  700 * US, DUP_ROUTED },
	{ "a router between two VLANs of a trunk", { V1(10) }, { V1(20), .router = true, .ttl = 63 },
	  100 * US, DUP_ROUTED },
	{ "the same TTL with other MACs", { 0 }, { .router = true }, 100 * US, DUP_ROUTED },
	{ "one inner frame in two ERSPAN packets: the mirror's two copies", { ERSPAN(100) }, { ERSPAN(101) },
	  3 * US, DUP_IDENTICAL },
	{ "a frame, then its ERSPAN copy", { 0 }, { ERSPAN(7) }, 50 * US, DUP_TUNNEL },
	{ "one ARP request in two ERSPAN packets", { .body = ARP, ERSPAN(5) }, { .body = ARP, ERSPAN(6) },
	  3 * US, DUP_IDENTICAL },
	{ "one ERSPAN packet twice", { ERSPAN(100) }, { ERSPAN(100) }, 3 * US, DUP_IDENTICAL },
	/* Near misses. */
	{ "past the window", { 0 }, { 0 }, 10 * MS + 1, DUP_NONE },
	{ "two polls with one payload: the IP ID differs", { .ip_id = 1 }, { .ip_id = 2 }, 1 * US,
	  DUP_NONE },
	{ "two TCP keepalives", { .body = TCP4, .ip_id = 1, .payload = 1 },
	  { .body = TCP4, .ip_id = 2, .payload = 1 }, 1 * US, DUP_NONE },
	{ "one payload byte differs", { .fill = 1 }, { .fill = 2 }, 1 * US, DUP_NONE },
	{ "a routed copy whose payload differs", { .fill = 1 }, { .fill = 2, .router = true, .ttl = 63 },
	  1 * US, DUP_NONE },
	{ "IPv6 datagrams with other payloads", { .body = UDP6, .fill = 1 }, { .body = UDP6, .fill = 2 },
	  1 * US, DUP_NONE },
	{ "ARP from other MACs is no routed copy", { .body = ARP }, { .body = ARP, .router = true },
	  1 * US, DUP_NONE },
	{ "two GOOSE publications", { .body = GOOSE, .payload = 80, .fill = 1 },
	  { .body = GOOSE, .payload = 80, .fill = 2 }, 1 * US, DUP_NONE },
	{ "a snaplen-cut copy of a whole frame", { .payload = 100 }, { .payload = 100, .snap = 64 },
	  1 * US, DUP_NONE },
	{ "a copy with a bad FCS", { 0 }, { .bad_fcs = true }, 1 * US, DUP_NONE },
	{ "ERSPAN copies of two frames", { ERSPAN(100), .fill = 1 }, { ERSPAN(101), .fill = 2 }, 3 * US,
	  DUP_NONE },
};

ParameterizedTestParameters(dedup, pairs)
{
	return cr_make_param_array(struct pair_case, pairs, sizeof pairs / sizeof pairs[0]);
}

ParameterizedTest(const struct pair_case *c, dedup, pairs)
{
	struct dedup *d = dedup_new(0, NULL, NULL);
	uint64_t first = 0;

	cr_assert(d != NULL);
	cr_assert(eq(int, check(d, &c->a, T0, 1, NULL), DUP_NONE), "%s", c->why);
	cr_expect(eq(int, check(d, &c->b, T0 + c->dt, 2, &first), c->want), "%s", c->why);
	cr_expect(eq(u64, first, c->want == DUP_NONE ? 0 : 1), "%s", c->why);
	dedup_free(d);
}

/* -------------------------------------------------------- behaviours */

struct sink {
	size_t n;
	struct event ev[8];
	uint64_t events, count;
};

static void collect(void *ctx, const struct event *e)
{
	struct sink *s = ctx;

	if (s->n < 8)
		s->ev[s->n++] = *e;
	s->events++;
	s->count += e->count;
}

Test(dedup, events_cite_the_copy_they_repeat_in_plain_words)
{
	struct sink s = { 0 };
	struct dedup *d = dedup_new(0, collect, &s);
	const struct dedup_result *r;

	cr_assert(eq(int, check(d, &(struct spec){ 0 }, T0, 17, NULL), DUP_NONE));
	cr_assert(eq(int, check(d, &(struct spec){ 0 }, T0 + 2 * US, 18, NULL), DUP_IDENTICAL));
	cr_assert(eq(int, check(d, &(struct spec){ V1(999) }, T0 + 22500, 19, NULL), DUP_VLAN));
	cr_assert(eq(int, check(d, &(struct spec){ .router = true, .ttl = 63 }, T0 + 700 * US, 20, NULL),
		     DUP_ROUTED));
	cr_assert(eq(int, check(d, &(struct spec){ ERSPAN(100), .fill = 9 }, T0 + MS, 21, NULL), DUP_NONE));
	cr_assert(eq(int, check(d, &(struct spec){ ERSPAN(101), .fill = 9 }, T0 + MS + 3 * US, 22, NULL),
		     DUP_IDENTICAL));
	r = dedup_finish(d);
	cr_assert(eq(sz, s.n, 4));
	cr_expect(eq(u8, s.ev[0].kind, EV_DUPLICATE));
	cr_expect(eq(u64, s.ev[0].frame, 18));
	cr_expect(eq(i64, s.ev[0].ts_ns, T0 + 2 * US));
	cr_expect(eq(u64, s.ev[0].count, 1));
	cr_expect(same(s.ev[0].detail, "same bytes as frame 17, 2.000 us later"));
	cr_expect(same(s.ev[1].detail, "same frame as frame 18 but for its VLAN tags (999 here, none there), "
				       "20.500 us later"));
	cr_expect(same(s.ev[2].detail, "same IP packet as frame 19 but for the TTL (63 here, 64 there) and "
				       "MAC addresses, 677.500 us later: before and after a router"));
	cr_expect(same(s.ev[3].detail, "same frame as frame 21, a second copy the mirror sent through its "
				       "tunnel (GRE sequence 101 here, 100 there), 3.000 us later"));
	cr_expect(eq(u64, r->packets, 6));
	cr_expect(eq(u64, r->duplicates, 4));
	cr_expect(eq(u64, r->dups[DUP_NONE], 2));
	cr_expect(eq(u64, r->dups[DUP_IDENTICAL], 2));
	cr_expect(eq(u64, r->dups[DUP_VLAN], 1));
	cr_expect(eq(u64, r->dups[DUP_ROUTED], 1));
	cr_expect(eq(u64, r->dups[DUP_TUNNEL], 0));
	dedup_free(d);
}

Test(dedup, a_third_copy_repeats_the_second_and_another_input_is_named)
{
	struct sink s = { 0 };
	struct dedup *d = dedup_new(0, collect, &s);
	struct bytes b = { 0 };
	struct tp_packet pkt;
	uint32_t cap = 9;
	uint64_t frame = 0;

	plain_frame(&b, &pkt);
	cr_assert(eq(int, dedup_check(d, &pkt, 0, 5, &cap, &frame), DUP_NONE));
	cr_expect(eq(u32, cap, 9));
	pkt.ts_ns = T0 + 8 * MS;
	cr_assert(eq(int, dedup_check(d, &pkt, 1, 3, &cap, &frame), DUP_IDENTICAL));
	cr_expect(eq(u32, cap, 0));
	cr_expect(eq(u64, frame, 5));
	/* 16 ms after the first: within the window of the second only. */
	pkt.ts_ns = T0 + 16 * MS;
	cr_assert(eq(int, dedup_check(d, &pkt, 0, 6, &cap, &frame), DUP_IDENTICAL));
	cr_expect(eq(u32, cap, 1));
	cr_expect(eq(u64, frame, 3));
	cr_assert(eq(sz, s.n, 2));
	cr_expect(same(s.ev[0].detail, "same bytes as frame 5 of input 0, 8000.000 us later"));
	cr_expect(same(s.ev[1].detail, "same bytes as frame 3 of input 1, 8000.000 us later"));
	cr_expect(eq(u64, dedup_finish(d)->dups[DUP_IDENTICAL], 2));
	bytes_free(&b);
	dedup_free(d);
}

Test(dedup, a_bad_fcs_frame_is_neither_checked_nor_remembered)
{
	struct dedup *d = dedup_new(0, NULL, NULL);
	uint64_t first = 0;

	cr_assert(eq(int, check(d, &(struct spec){ .bad_fcs = true }, T0, 1, NULL), DUP_NONE));
	cr_assert(eq(int, check(d, &(struct spec){ .bad_fcs = true }, T0 + US, 2, NULL), DUP_NONE));
	cr_assert(eq(int, check(d, &(struct spec){ 0 }, T0 + 2 * US, 3, NULL), DUP_NONE));
	cr_assert(eq(int, check(d, &(struct spec){ .bad_fcs = true }, T0 + 3 * US, 4, NULL), DUP_NONE));
	cr_assert(eq(int, check(d, &(struct spec){ 0 }, T0 + 4 * US, 5, &first), DUP_IDENTICAL));
	cr_expect(eq(u64, first, 3));
	cr_expect(eq(u64, dedup_finish(d)->bad_fcs, 3));
	cr_expect(eq(sz, dedup_held(d), 2));
	dedup_free(d);
}

Test(dedup, the_window_is_an_option)
{
	struct dedup *d = dedup_new(1 * US, NULL, NULL);

	cr_assert(eq(int, check(d, &(struct spec){ 0 }, T0, 1, NULL), DUP_NONE));
	cr_expect(eq(int, check(d, &(struct spec){ 0 }, T0 + US, 2, NULL), DUP_IDENTICAL));
	cr_expect(eq(int, check(d, &(struct spec){ 0 }, T0 + 2 * US + 1, 3, NULL), DUP_NONE));
	dedup_free(d);
}

/* Times from a capture are hostile: the ends of the range neither
 * overflow (UBSan) nor make copies of frames centuries apart. */
Test(dedup, extreme_times_are_far_apart)
{
	struct dedup *d = dedup_new(INT64_MAX, NULL, NULL);
	struct dedup *w = dedup_new(0, NULL, NULL);

	cr_assert(eq(int, check(d, &(struct spec){ 0 }, INT64_MIN, 1, NULL), DUP_NONE));
	cr_expect(eq(int, check(d, &(struct spec){ 0 }, INT64_MAX, 2, NULL), DUP_NONE));
	cr_expect(eq(int, check(d, &(struct spec){ 0 }, INT64_MIN, 3, NULL), DUP_NONE));
	cr_assert(eq(int, check(w, &(struct spec){ 0 }, INT64_MAX, 1, NULL), DUP_NONE));
	cr_expect(eq(int, check(w, &(struct spec){ 0 }, INT64_MIN, 2, NULL), DUP_NONE));
	cr_expect(eq(int, check(w, &(struct spec){ 0 }, INT64_MIN + 1, 3, NULL), DUP_IDENTICAL));
	dedup_free(d);
	dedup_free(w);
}

/* Beyond DEDUP_MAX_EVENTS of a kind, one event stands for the rest, at
 * the first not listed; the events' counts add up to the figure. */
Test(dedup, events_past_the_cap_are_summed_in_one)
{
	struct sink s = { 0 };
	struct dedup *d = dedup_new(0, collect, &s);
	struct bytes b = { 0 };
	struct tp_packet pkt;
	const struct dedup_result *r;

	plain_frame(&b, &pkt);
	for (uint64_t i = 0; i <= DEDUP_MAX_EVENTS + 5; i++) {
		pkt.ts_ns = T0 + (int64_t)i * US;
		dedup_check(d, &pkt, 0, i + 1, NULL, NULL);
	}
	cr_expect(eq(u64, s.events, DEDUP_MAX_EVENTS));
	r = dedup_finish(d);
	cr_expect(eq(u64, s.events, DEDUP_MAX_EVENTS + 1));
	cr_expect(eq(u64, s.count, r->dups[DUP_IDENTICAL]));
	cr_expect(eq(u64, r->dups[DUP_IDENTICAL], DEDUP_MAX_EVENTS + 5));
	cr_expect(eq(u64, s.ev[7].frame, 9));
	dedup_finish(d);	/* again: nothing more */
	cr_expect(eq(u64, s.events, DEDUP_MAX_EVENTS + 1));
	bytes_free(&b);
	dedup_free(d);
}

/* n distinct packets (a counter in the payload), step_ns apart. */
static const struct dedup_result *feed_distinct(struct dedup *d, uint32_t n, int64_t step_ns)
{
	const struct spec sp = { .payload = 40 };
	struct bytes b = { 0 };
	struct tp_packet pkt;

	build(&b, &sp);
	decode(&pkt, &b, &sp, T0);
	for (uint32_t i = 0; i < n; i++) {
		/* The payload's last bytes (pkt points into b). */
		memcpy(b.p + b.len - 8, &i, sizeof i);
		pkt.ts_ns = T0 + (int64_t)i * step_ns;
		dedup_check(d, &pkt, 0, i + 1, NULL, NULL);
	}
	bytes_free(&b);
	return dedup_finish(d);
}

/* Distinct packets 1 us apart for 200 ms: what is held is bounded by the
 * window (two windows with the slack for steps back), not by their number. */
Test(dedup, memory_is_bounded_by_the_window)
{
	struct dedup *d = dedup_new(0, NULL, NULL);
	const struct dedup_result *r = feed_distinct(d, 200000, US);

	cr_expect(eq(u64, r->duplicates, 0));
	cr_expect(le(sz, r->max_held, 2 * 10000 + 2));
	cr_expect(le(sz, dedup_held(d), 2 * 10000 + 2));
	cr_expect(eq(u64, r->window_cut, 0));
	dedup_free(d);
}

/* A flood at one instant: the ring stops at DEDUP_MAX_HELD and forgets
 * the oldest early, saying how many. */
Test(dedup, a_flood_is_held_to_the_ceiling)
{
	struct dedup *d = dedup_new(0, NULL, NULL);
	const struct dedup_result *r = feed_distinct(d, DEDUP_MAX_HELD + 1000, 0);

	cr_expect(eq(u64, r->duplicates, 0));
	cr_expect(eq(sz, r->max_held, DEDUP_MAX_HELD));
	cr_expect(eq(u64, r->window_cut, 1000));
	dedup_free(d);
}

Test(dedup, kind_names)
{
	cr_expect(same(dup_kind_name(DUP_NONE), ""));
	cr_expect(same(dup_kind_name(DUP_IDENTICAL), "identical"));
	cr_expect(same(dup_kind_name(DUP_VLAN), "vlan"));
	cr_expect(same(dup_kind_name(DUP_ROUTED), "routed"));
	cr_expect(same(dup_kind_name(DUP_TUNNEL), "tunnel"));
	cr_expect(same(dup_kind_name(DUP_KIND_COUNT), ""));
	dedup_free(NULL);
}

/* ------------------------------------------------------ reading views */

struct view_count {
	uint64_t frames;
	uint64_t kinds[DUP_KIND_COUNT];
};

/* The captures of a view merged in timestamp order (ties: input order),
 * decoded and checked. */
static void count_view(const char *const *paths, size_t n, int64_t window_ns, struct view_count *vc)
{
	const struct tp_stream_opts opts = { .no_hash = true };
	struct tp_capture *cap[2] = { NULL, NULL };
	struct tp_record rec[2];
	bool have[2] = { false, false };
	struct dedup *d = dedup_new(window_ns, NULL, NULL);
	struct tp_packet pkt;
	char err[512];

	cr_assert(n <= 2 && d != NULL);
	memset(vc, 0, sizeof *vc);
	for (size_t i = 0; i < n; i++) {
		cr_assert(eq(int, tp_capture_open(&cap[i], paths[i], &opts, err, sizeof err), TP_OPEN_OK), "%s",
			  err);
		have[i] = tp_capture_next(cap[i], &rec[i]) == TP_READ_OK;
	}
	while (have[0] || have[1]) {
		size_t i = !have[0] || (have[1] && rec[1].ts_ns < rec[0].ts_ns);

		tp_decode(&pkt, &rec[i]);
		vc->kinds[dedup_check(d, &pkt, (uint32_t)i, rec[i].frame, NULL, NULL)]++;
		vc->frames++;
		have[i] = tp_capture_next(cap[i], &rec[i]) == TP_READ_OK;
	}
	for (size_t i = 0; i < n; i++)
		tp_capture_close(cap[i], NULL, NULL);
	dedup_free(d);
}

static uint64_t dups_of(const struct view_count *vc)
{
	return vc->frames - vc->kinds[DUP_NONE];
}

/* ----------------------------------------------------------- simulator */

/* Runs the simulator with extra options into sim_dirs[slot]. */
static void sim_with(size_t slot, const char *args)
{
	char cmd[512];

	snprintf(sim_dirs[slot], sizeof sim_dirs[slot], "/tmp/tapsight-sim-XXXXXX");
	cr_assert(mkdtemp(sim_dirs[slot]) != NULL);
	snprintf(cmd, sizeof cmd, "'%s' %s -o '%s' >/dev/null", sim_bin(), args, sim_dirs[slot]);
	cr_assert(eq(int, system(cmd), 0), "%s", cmd);
}

static uint64_t cell_u64(const struct csv_table *t, size_t row, const char *col)
{
	const char *v = csv_table_get(t, row, col);

	cr_assert(v != NULL, "no column %s", col);
	return strtoull(v, NULL, 10);
}

/* Every view of a run: its duplicates by kind, beside its truth row. */
struct sim_view {
	char name[16];
	struct view_count vc;
	uint64_t duplicated, dropped, tunnel_lost;
};

static size_t sim_views(size_t slot, struct sim_view *v, size_t max)
{
	struct csv_table t = { 0 };
	char path[256];
	size_t n = 0;

	sim_path(path, sizeof path, slot, "truth-views.csv");
	cr_assert(eq(int, csv_table_read(&t, path), 0));
	for (size_t row = 1; row < t.rows && n < max; row++, n++) {
		char files[256], full[2][256];
		const char *paths[2] = { full[0], full[1] };
		size_t nf = 0;

		snprintf(v[n].name, sizeof v[n].name, "%s", csv_table_get(&t, row, "view"));
		snprintf(files, sizeof files, "%s", csv_table_get(&t, row, "file"));
		for (char *f = files, *semi; f && nf < 2; f = semi ? semi + 1 : NULL, nf++) {
			semi = strchr(f, ';');
			if (semi)
				*semi = '\0';
			sim_path(full[nf], sizeof full[nf], slot, f);
		}
		count_view(paths, nf, 0, &v[n].vc);
		cr_assert(eq(u64, v[n].vc.frames, cell_u64(&t, row, "frames")), "%s", v[n].name);
		v[n].duplicated = cell_u64(&t, row, "duplicated");
		v[n].dropped = cell_u64(&t, row, "dropped");
		v[n].tunnel_lost = cell_u64(&t, row, "tunnel_lost");
	}
	csv_table_free(&t);
	return n;
}

static const struct sim_view *view_named(const struct sim_view *v, size_t n, const char *name)
{
	size_t i = 0;

	while (i < n && strcmp(v[i].name, name) != 0)
		i++;
	cr_assert(lt(sz, i, n), "no view %s", name);
	return &v[i];
}

static void sim_fini(void)
{
	sim_cleanup();
}

/*
 * With a mirror port fast enough to drop nothing, every extra copy a SPAN
 * or RSPAN session made is in its file: the duplicates found are exactly
 * truth's `duplicated`, all identical (the RSPAN copies both carry the
 * remote VLAN's tag).  The TAPs, the RX-only SPAN and the vSwitch copy no
 * frame twice: none.  ERSPAN's uplink still drops in the bulk burst and
 * loses tunnel packets: a frame whose copies were all lost counts no
 * duplicate, so the count lies between duplicated - dropped - tunnel_lost
 * and duplicated, all identical (the mirror's two copies of a frame go
 * through the tunnel with different GRE sequence numbers).
 */
Test(dedup, simulated_views_hold_the_copies_the_mirrors_made, .fini = sim_fini)
{
	struct sim_view v[10];
	size_t n;

	sim_with(0, "--seed 5 --duration 30 --span-mbps 100000");
	n = sim_views(0, v, 10);
	cr_assert(eq(sz, n, 8));
	for (size_t i = 0; i < n; i++)
		cr_log_info("%-8s frames %6llu duplicated %5llu found %5llu (identical %llu vlan %llu routed %llu "
			    "tunnel %llu)", v[i].name, (unsigned long long)v[i].vc.frames,
			    (unsigned long long)v[i].duplicated, (unsigned long long)dups_of(&v[i].vc),
			    (unsigned long long)v[i].vc.kinds[DUP_IDENTICAL],
			    (unsigned long long)v[i].vc.kinds[DUP_VLAN], (unsigned long long)v[i].vc.kinds[DUP_ROUTED],
			    (unsigned long long)v[i].vc.kinds[DUP_TUNNEL]);
	static const char *const exact[] = { "tap", "tap2", "span", "span-rx", "rspan", "vswitch" };
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
		const struct sim_view *w = view_named(v, n, exact[i]);

		cr_expect(eq(u64, w->dropped, 0), "%s", w->name);
		cr_expect(eq(u64, dups_of(&w->vc), w->duplicated), "%s", w->name);
		cr_expect(eq(u64, w->vc.kinds[DUP_IDENTICAL], w->duplicated), "%s", w->name);
	}
	cr_expect(gt(u64, view_named(v, n, "span")->duplicated, 0));
	static const char *const tunnels[] = { "erspan2", "erspan3" };
	for (size_t i = 0; i < 2; i++) {
		const struct sim_view *w = view_named(v, n, tunnels[i]);

		cr_expect(le(u64, dups_of(&w->vc), w->duplicated), "%s", w->name);
		cr_expect(ge(u64, dups_of(&w->vc) + w->dropped + w->tunnel_lost, w->duplicated), "%s", w->name);
		cr_expect(eq(u64, w->vc.kinds[DUP_IDENTICAL], dups_of(&w->vc)), "%s", w->name);
	}
}

/* At the default mirror rate the SPAN and RSPAN queues drop copies in the
 * bulk burst: between duplicated - dropped and duplicated. */
Test(dedup, simulated_span_with_drops_stays_within_truths_bounds, .fini = sim_fini)
{
	struct sim_view v[10];
	size_t n;

	sim_with(0, "--seed 2 --duration 30");
	n = sim_views(0, v, 10);
	static const char *const lossy[] = { "span", "rspan" };
	for (size_t i = 0; i < 2; i++) {
		const struct sim_view *w = view_named(v, n, lossy[i]);

		cr_expect(gt(u64, w->dropped, 0), "%s", w->name);
		cr_expect(le(u64, dups_of(&w->vc), w->duplicated), "%s", w->name);
		cr_expect(ge(u64, dups_of(&w->vc) + w->dropped, w->duplicated), "%s", w->name);
	}
	cr_expect(eq(u64, dups_of(&view_named(v, n, "tap")->vc), 0));
}

/* --------------------------------------------------------- real captures */

/* editcap -w 0.01: how many frames it drops as duplicates. */
static uint64_t editcap_dups(const char *path)
{
	const char *dir = tmpdir_make();
	char cmd[1024], line[512];
	unsigned long long seen = 0, skipped = 0;
	bool found = false;
	FILE *p;

	snprintf(cmd, sizeof cmd, "editcap -w 0.01 '%s' '%s/out.pcapng' 2>&1", path, dir);
	p = popen(cmd, "r");
	cr_assert(p != NULL);
	while (fgets(line, sizeof line, p))
		found |= sscanf(line, "%llu packet%*[s] seen, %llu packet", &seen, &skipped) == 2 ||
			 sscanf(line, "%llu packet seen, %llu packet", &seen, &skipped) == 2;
	cr_assert(eq(int, pclose(p), 0), "%s", cmd);
	cr_assert(found, "no count from %s", cmd);
	return skipped;
}

struct editcap_case {
	char rel[64];
	uint64_t extra;		/* identical duplicates editcap does not count (see below) */
};

/*
 * Our identical duplicates against editcap's (same bytes, same length, at
 * most 10 ms before).  Where they differ, and why:
 *   raw_ip.pcap: +1.  Frames 67 and 68 hold one packet, stamped alike,
 *     the first with IPv4 checksum 0 (the capturing host's NIC fills it
 *     in), the second with the checksum.
 *   nanosecs.pcap: +1.  Frame 2 repeats frame 1's bytes but is stamped
 *     0.766 us before it: editcap only looks back in time.
 *   many_interfaces-1.pcapng: +2.  Frames 3 and 4 (interface 10, BSD
 *     loopback link type) hold the IP packets of frames 1 and 2 (interface
 *     0, Ethernet), same TTL: one host captured them on two interfaces.
 *     The bytes differ by the link header, which editcap compares.
 * Not counted by editcap at all: the routed copies (q-in-q.pcap frame 4,
 * a SAP announcement two routers forwarded, TTL 5 in both, other source
 * MACs; the captures of the routed test below) and the tunnel kind
 * (vxlan_nDPI.pcap frame 55: the inner TCP reset of frame 54 again in a
 * packet whose outer IP ID is one more: a Linux host sends resets with IP
 * ID 0 and no options, so two resets it sent, in answer to two segments,
 * are the same bytes: a copy that cannot be told from a copy).
 */
static const struct editcap_case editcap_cases[] = {
	{ "ics/s7comm/s7comm_clean.pcap", 0 },
	{ "ics/profinet/profinet_io_cm_mixed_1.pcap", 0 },
	{ "artifacts/ssh-dups.pcap", 0 },
	{ "encap/qinq/pppoe-over-qinq.pcap", 0 },
	{ "encap/qinq/q-in-q.pcap", 0 },
	{ "encap/other/nflog-http.pcap", 0 },
	{ "ics/bacnet/bacnet_services.pcap", 0 },
	{ "encap/erspan/erspan.pcap", 0 },
	{ "pcapng/many_interfaces-1.pcapng", 2 },
	{ "compressed/hardware_dups.dmp.gz", 0 },
	{ "compressed/linux-cooked-unsw-nb15.pcap.zst", 0 },
	{ "compressed/example.pcap.zst", 0 },
	{ "encap/other/raw_ip.pcap", 1 },
	{ "pcapng/timestamps/nanosecs.pcap", 1 },
	{ "encap/vxlan/vxlan_nDPI.pcap", 0 },
	{ "encap/sll/sll.pcap", 0 },
	{ "ics/iec61850/Sample_File_GOOSE.pcap", 0 },
	{ "ics/enip/EthernetIP-CIP.pcap", 0 },
};

ParameterizedTestParameters(dedup_corpus, identical_equals_editcap)
{
	return cr_make_param_array(struct editcap_case, editcap_cases,
				   sizeof editcap_cases / sizeof editcap_cases[0]);
}

ParameterizedTest(const struct editcap_case *c, dedup_corpus, identical_equals_editcap, .fini = tmpfile_cleanup)
{
	const char *path = corpus_file(c->rel);
	const char *paths[1] = { path };
	struct view_count vc;
	uint64_t want = editcap_dups(path);

	count_view(paths, 1, 0, &vc);
	cr_log_info("%s: %llu frames, editcap %llu, identical %llu vlan %llu routed %llu tunnel %llu", c->rel,
		    (unsigned long long)vc.frames, (unsigned long long)want,
		    (unsigned long long)vc.kinds[DUP_IDENTICAL], (unsigned long long)vc.kinds[DUP_VLAN],
		    (unsigned long long)vc.kinds[DUP_ROUTED], (unsigned long long)vc.kinds[DUP_TUNNEL]);
	cr_expect(eq(u64, vc.kinds[DUP_IDENTICAL], want + c->extra), "%s", c->rel);
}

/*
 * Captures holding each datagram twice, on both sides of a router:
 *   hardware_dups.dmp.gz        a segment the packets cross twice (TTL 64
 *                               then 63, other MACs), snaplen 68;
 *   linux-cooked-unsw-nb15      a Linux router capturing on all its
 *                               interfaces (Linux cooked: TTL 63 in, 62 out);
 *   pcap_v2.2.dmp.gz            TTL 255 then 254, other MACs.
 * The oracle, from tshark's fields: a frame is a routed copy when a frame
 * before it, at most 10 ms away, has the same addresses, IP ID, length,
 * protocol and TCP sequence and acknowledgement numbers, and another TTL.
 */
struct routed_case {
	char rel[64];
	uint64_t at_least;	/* pairs the oracle must find */
};

static const struct routed_case routed_cases[] = {
	{ "compressed/hardware_dups.dmp.gz", 400 },
	{ "compressed/linux-cooked-unsw-nb15.pcap.zst", 400 },
	{ "compressed/pcap_v2.2.dmp.gz", 10 },
};

ParameterizedTestParameters(dedup_corpus, routed_copies_equal_tsharks_pairs)
{
	return cr_make_param_array(struct routed_case, routed_cases, sizeof routed_cases / sizeof routed_cases[0]);
}

ParameterizedTest(const struct routed_case *c, dedup_corpus, routed_copies_equal_tsharks_pairs)
{
	static const char *const fields[] = { "frame.time_epoch", "ip.src", "ip.dst", "ip.id", "ip.len",
					      "ip.proto", "tcp.seq_raw", "tcp.ack_raw", "ip.ttl" };
	const char *path = corpus_file(c->rel);
	const char *paths[1] = { path };
	struct tshark_rows t;
	struct view_count vc;
	uint64_t want = 0;

	cr_assert(tshark_fields(path, "ip", NULL, fields, 9, &t));
	for (size_t r = 0; r < t.nrows; r++) {
		double ts = strtod(tshark_cell(&t, r, 1), NULL);
		bool hit = false;

		/* Bounded: the rows before r. */
		for (size_t q = r; q-- > 0 && !hit;) {
			double dt = ts - strtod(tshark_cell(&t, q, 1), NULL);
			bool same_key = true;

			for (size_t f = 2; f <= 8; f++)
				same_key &= strcmp(tshark_cell(&t, q, f), tshark_cell(&t, r, f)) == 0;
			hit = dt <= 0.010 && dt >= -0.010 && same_key &&
			      strcmp(tshark_cell(&t, q, 9), tshark_cell(&t, r, 9)) != 0;
		}
		want += hit;
	}
	tshark_rows_free(&t);
	count_view(paths, 1, 0, &vc);
	cr_log_info("%s: %llu frames, tshark pairs %llu, routed %llu, all duplicates %llu", c->rel,
		    (unsigned long long)vc.frames, (unsigned long long)want,
		    (unsigned long long)vc.kinds[DUP_ROUTED], (unsigned long long)dups_of(&vc));
	cr_expect(ge(u64, want, c->at_least), "%s", c->rel);
	cr_expect(eq(u64, vc.kinds[DUP_ROUTED], want), "%s", c->rel);
}
