/*
 * test_seqcheck.c - sequence evidence of loss (analyzer/seqcheck.c).
 *
 * Hand-built: ics_msg structs and packets made here (GRE and ERSPAN frames
 * built byte by byte and decoded), for each counter: gaps, wrap-around,
 * duplicates, reordering, restarts and strays, the Modbus pairing and its
 * edges, and the table ceilings.
 *
 * Real captures, read as the engine reads them (capture, decode, flow
 * table, the real dissectors through analyzer/ics_flow.c; run_file() does
 * what ics_run_file() does, as the keys need each message's packet):
 *   - the simulator: ERSPAN gaps equal truth-views.csv tunnel_lost, each
 *     event at the frame after its hole (tshark's gre.sequence_number); on
 *     the TAP the only ICS gaps are the damaged frames truth-frames.csv
 *     lists; on SPAN and ERSPAN the gaps are bounded by the copies the
 *     truth says the mirror dropped; the vSwitch's reordering is not loss;
 *     on a lossy ERSPAN the Modbus pairing equals the one computed from
 *     tshark's fields;
 *   - the corpus: GRE sessions and sequences, IEC 104 N(S), DNP3, GOOSE and
 *     Modbus against tshark, and gaps made by deleting frames with editcap
 *     (the deleted frames are the truth).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/flow.h"
#include "analyzer/ics_flow.h"
#include "analyzer/seqcheck.h"
#include "formats/capture.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/csvread.h"
#include "tests/support/frames.h"
#include "tests/support/sim_run.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void cleanup(void)
{
	sim_cleanup();
	tmpfile_cleanup();
}

TestSuite(seqcheck, .fini = cleanup);

/* ------------------------------------------------------------ findings */

#define MAX_EVENTS 8192
static struct event events[MAX_EVENTS];
static size_t nevents;

static void keep(void *ctx, const struct event *e)
{
	(void)ctx;
	cr_assert(lt(sz, nevents, MAX_EVENTS));
	events[nevents++] = *e;
}

static size_t count_of(enum event_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < nevents; i++)
		n += events[i].kind == k;
	return n;
}

static uint64_t sum_of(enum event_kind k)
{
	uint64_t n = 0;

	for (size_t i = 0; i < nevents; i++)
		n += events[i].kind == k ? events[i].count : 0;
	return n;
}

/* The i-th event of kind k. */
static const struct event *nth(enum event_kind k, size_t i)
{
	for (size_t j = 0; j < nevents; j++)
		if (events[j].kind == k && i-- == 0)
			return &events[j];
	cr_assert(false, "no such event %s", event_kind_name(k));
	return NULL;
}

/* The event of kind k at frame (events come when a gap is final, not in
 * frame order). */
static const struct event *at_frame(enum event_kind k, uint64_t frame)
{
	for (size_t j = 0; j < nevents; j++)
		if (events[j].kind == k && events[j].frame == frame)
			return &events[j];
	cr_assert(false, "no event %s at frame %lu", event_kind_name(k), (unsigned long)frame);
	return NULL;
}

static bool has(const char *detail, const char *part)
{
	bool ok = strstr(detail, part) != NULL;

	if (!ok)
		cr_log_error("\"%s\" lacks \"%s\"", detail, part);
	return ok;
}

/* The i-th event of kind k: at frame, standing for count, its detail
 * holding part. */
static void expect_event(enum event_kind k, size_t i, uint64_t frame, uint64_t count,
			 const char *part)
{
	const struct event *e = nth(k, i);

	cr_expect(eq(u64, e->frame, frame), "%s %zu", event_kind_name(k), i);
	cr_expect(eq(u64, e->count, count), "%s %zu", event_kind_name(k), i);
	cr_expect(has(e->detail, part));
}

static struct seqcheck *make(const struct seqcheck_opts *o)
{
	struct seqcheck *s = seqcheck_new(o, keep, NULL);

	nevents = 0;
	cr_assert(ne(ptr, s, NULL));
	return s;
}

/* ---------------------------------------------------- hand-built input */

static const uint8_t mac_a[6] = { 0x00, 0x21, 0xc1, 0x00, 0x00, 0x0a };
static const uint8_t mac_b[6] = { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x0b };
static const uint8_t mac_c[6] = { 0x00, 0x0e, 0x8c, 0x00, 0x00, 0x0c };
static const uint8_t goose_dst[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };

static struct tp_packet ip_pkt(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			       int64_t ts)
{
	struct tp_packet p;

	memset(&p, 0, sizeof p);
	p.ts_ns = ts;
	p.ip_version = 4;
	p.ip_proto = 6;
	for (int i = 0; i < 4; i++) {
		p.src_ip[i] = (uint8_t)(src >> (24 - 8 * i));
		p.dst_ip[i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	p.sport = sport;
	p.dport = dport;
	return p;
}

static struct tp_packet mac_pkt(const uint8_t *src, const uint8_t *dst, int64_t ts)
{
	struct tp_packet p;

	memset(&p, 0, sizeof p);
	p.ts_ns = ts;
	p.has_mac = true;
	memcpy(p.src_mac, src, 6);
	memcpy(p.dst_mac, dst, 6);
	return p;
}

static struct ics_msg msg(uint8_t proto, uint8_t kind, uint16_t function, uint32_t unit,
			  uint8_t nseq, uint32_t s0, uint32_t s1)
{
	return (struct ics_msg){ .proto = proto, .kind = kind, .function = function,
				 .has_unit = true, .unit = unit, .has_transaction = true,
				 .transaction = s1, .nseq = nseq, .seq = { s0, s1 } };
}

/* One ERSPAN II packet (GRE with S, then the 8-byte type II header:
 * version 1, VLAN, session id, index) carrying a 60-byte frame. */
static void erspan2(struct bytes *b, uint32_t outer_src, uint16_t session, uint32_t seq)
{
	frame_eth(b, mac_b, mac_a, 0x0800);
	frame_ipv4(b, 47, outer_src, IP(192, 168, 100, 50), 8 + 8 + 60);
	bytes_u16(b, 0x1000, true);	/* RFC 2890: S */
	bytes_u16(b, 0x88be, true);
	bytes_u32(b, seq, true);
	bytes_u16(b, 0x1000 | 7, true);	/* version 1, VLAN 7 */
	bytes_u16(b, session & 0x3ffu, true);
	bytes_u32(b, 3, true);		/* index */
	frame_eth(b, mac_b, mac_a, 0x88b5);
	bytes_zeros(b, 46);
}

/* PPTP's enhanced GRE (RFC 2637 4.1): K, S, version 1, PPP; the key is the
 * payload length and the call id. */
static void pptp(struct bytes *b, uint16_t call_id, uint16_t payload, uint32_t seq)
{
	frame_eth(b, mac_b, mac_a, 0x0800);
	frame_ipv4(b, 47, IP(20, 0, 0, 2), IP(20, 0, 0, 1), 12u + payload);
	bytes_u16(b, 0x3001, true);
	bytes_u16(b, 0x880b, true);
	bytes_u16(b, payload, true);
	bytes_u16(b, call_id, true);
	bytes_u32(b, seq, true);
	bytes_zeros(b, payload);
}

/* GRE with a key and a sequence number carrying an Ethernet frame (RFC
 * 2890, transparent Ethernet bridging). */
static void gre_key(struct bytes *b, uint32_t key, uint32_t seq)
{
	frame_eth(b, mac_b, mac_a, 0x0800);
	frame_ipv4(b, 47, IP(10, 9, 0, 1), IP(10, 9, 0, 2), 12 + 60);
	bytes_u16(b, 0x3000, true);
	bytes_u16(b, 0x6558, true);
	bytes_u32(b, key, true);
	bytes_u32(b, seq, true);
	frame_eth(b, mac_b, mac_a, 0x88b5);
	bytes_zeros(b, 46);
}

/* Decodes b as an Ethernet frame and hands it to seqcheck_tunnel. */
static void tunnel(struct seqcheck *s, struct bytes *b, int64_t ts, uint64_t frame)
{
	struct tp_record rec = { .data = b->p, .caplen = (uint32_t)b->len,
				 .origlen = (uint32_t)b->len, .linktype = 1, .fcs_len = 0,
				 .ts_ns = ts, .frame = frame };
	struct tp_packet pkt;

	tp_decode(&pkt, &rec);
	cr_assert(pkt.gre_has_seq);
	seqcheck_tunnel(s, &pkt, 0, frame);
	bytes_free(b);
}

/* ----------------------------------------------------------------- GRE */

Test(seqcheck, gre_gaps_duplicates_reordering_across_the_wrap)
{
	static const uint32_t seq[] = { 0xfffffffd, 0xfffffffe, 0xffffffff, 0, 2, 2, 5, 4, 6 };
	struct seqcheck *s = make(NULL);
	const struct seqcheck_session *se;
	const struct seqcheck_stats *st;

	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		struct bytes b = { 0 };

		erspan2(&b, IP(10, 0, 0, 1), 100, seq[i]);
		tunnel(s, &b, (int64_t)i * MS, i + 1);
	}
	seqcheck_finish(s);
	st = seqcheck_stats(s);
	cr_assert(eq(sz, seqcheck_sessions(s), 1));
	se = seqcheck_session(s, 0);
	cr_expect(eq(u8, se->encap, TP_ENCAP_ERSPAN2));
	cr_expect(eq(u16, se->span_id, 100));
	cr_expect(eq(u8, se->src[3], 1));
	cr_expect(eq(u8, se->dst[3], 50));
	cr_expect(eq(u32, se->first_seq, 0xfffffffd));
	cr_expect(eq(u32, se->last_seq, 6));
	cr_expect(eq(u64, se->seen, 9));
	cr_expect(eq(u64, se->c.duplicates, 1));	/* 2 again */
	cr_expect(eq(u64, se->c.reordered, 1));		/* 4 after 5 */
	cr_expect(eq(u64, se->c.missing, 2));		/* 1 and 3 */
	cr_expect(eq(u64, se->expected, 10));		/* 0xfffffffd .. 6 */
	cr_expect(eq(u64, st->tunnel_seen, 9));
	cr_expect(eq(u64, st->tunnel_expected, 10));
	cr_expect(eq(u64, st->tunnel.missing, 2));
	cr_expect(eq(u64, st->tunnel.gaps, 2));
	cr_assert(eq(sz, count_of(EV_TUNNEL_SEQ_GAP), 2));
	expect_event(EV_TUNNEL_SEQ_GAP, 0, 5, 1,
		     "erspan2 10.0.0.1 > 192.168.100.50 session 100: GRE sequence 2 after 0: 1 packets missing");
	cr_expect(eq(i64, nth(EV_TUNNEL_SEQ_GAP, 0)->ts_ns, 4 * MS));
	expect_event(EV_TUNNEL_SEQ_GAP, 1, 7, 1,
		     "GRE sequence 5 after 2: 1 packets missing (1 more came late)");
	seqcheck_free(s);
}

Test(seqcheck, gre_sessions_by_outer_addresses_span_id_key_and_pptp_call_id)
{
	struct seqcheck *s = make(NULL);
	uint64_t frame = 0;

	for (uint32_t i = 0; i < 3; i++) {
		struct bytes b[5] = { { 0 } };

		erspan2(&b[0], IP(10, 0, 0, 1), 100, 50 + i);
		erspan2(&b[1], IP(10, 0, 0, 2), 100, 900 + i);
		erspan2(&b[2], IP(10, 0, 0, 1), 101, 7 + i);
		pptp(&b[3], 7, (uint16_t)(20 + 10 * i), i);	/* the key changes, the call does not */
		gre_key(&b[4], 42, 1000 + i);
		for (int j = 0; j < 5; j++) {
			frame++;
			tunnel(s, &b[j], (int64_t)frame * MS, frame);
		}
	}
	seqcheck_finish(s);
	cr_assert(eq(sz, seqcheck_sessions(s), 5));
	cr_expect(eq(u64, seqcheck_stats(s)->tunnel.missing, 0));
	cr_expect(eq(u64, seqcheck_stats(s)->tunnel.streams, 5));
	for (size_t i = 0; i < 5; i++) {
		cr_expect(eq(u64, seqcheck_session(s, i)->seen, 3));
		cr_expect(eq(u64, seqcheck_session(s, i)->expected, 3));
		cr_expect(eq(u64, seqcheck_session(s, i)->first_frame, i + 1));
	}
	cr_expect(eq(u8, seqcheck_session(s, 1)->src[3], 2));
	cr_expect(eq(u16, seqcheck_session(s, 2)->span_id, 101));
	cr_expect(eq(u8, seqcheck_session(s, 3)->gre_version, 1));
	cr_expect(eq(u8, seqcheck_session(s, 3)->encap, TP_ENCAP_NONE));
	cr_expect(seqcheck_session(s, 3)->has_key);
	cr_expect(eq(u32, seqcheck_session(s, 3)->key, 7));
	cr_expect(eq(u8, seqcheck_session(s, 4)->encap, TP_ENCAP_GRE));
	cr_expect(eq(u32, seqcheck_session(s, 4)->key, 42));
	cr_expect(eq(ptr, (void *)seqcheck_session(s, 5), NULL));
	cr_expect(eq(sz, nevents, 0));
	seqcheck_free(s);
}

/* A value too far off is a stray unless the next one follows it: then it
 * is a restart, and neither counts anything missing.  The cap (4096
 * missing in one step) is the boundary. */
Test(seqcheck, gre_restarts_strays_and_the_cap)
{
	static const uint32_t seq[] = {
		100, 101, 102, 5000000, 103, 104,	/* a stray */
		0, 1, 2,				/* a restart: back to 0 */
		4099,					/* 4096 missing: the cap, counted */
		8197, 8198,				/* 4097 ahead: a restart */
	};
	struct seqcheck *s = make(NULL);
	const struct seqcheck_session *se;

	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		struct bytes b = { 0 };

		erspan2(&b, IP(10, 0, 0, 1), 5, seq[i]);
		tunnel(s, &b, (int64_t)i * MS, i + 1);
	}
	seqcheck_finish(s);
	se = seqcheck_session(s, 0);
	cr_expect(eq(u64, se->c.strays, 3));	/* 5000000, 0, 8197 */
	cr_expect(eq(u64, se->c.resets, 2));	/* at 1 and at 8198 */
	cr_expect(eq(u64, se->c.missing, 4096));
	cr_assert(eq(sz, count_of(EV_TUNNEL_SEQ_GAP), 1));
	expect_event(EV_TUNNEL_SEQ_GAP, 0, 10, 4096, "GRE sequence 4099 after 2: 4096 packets missing");
	cr_expect(eq(u32, se->last_seq, 8198));
	seqcheck_free(s);
}

/* 63 behind the highest is still reordering (it fills its gap), 64 behind
 * is a stray. */
Test(seqcheck, gre_reordering_reaches_63_behind)
{
	static const uint32_t seq[] = { 100, 200, 137, 136, 201 };
	struct seqcheck *s = make(NULL);
	const struct seqcheck_session *se;

	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		struct bytes b = { 0 };

		erspan2(&b, IP(10, 0, 0, 1), 5, seq[i]);
		tunnel(s, &b, (int64_t)i * MS, i + 1);
	}
	seqcheck_finish(s);
	se = seqcheck_session(s, 0);
	cr_expect(eq(u64, se->c.reordered, 1));
	cr_expect(eq(u64, se->c.strays, 1));
	cr_expect(eq(u64, se->c.missing, 98));
	expect_event(EV_TUNNEL_SEQ_GAP, 0, 2, 98,
		     "GRE sequence 200 after 100: 98 packets missing (1 more came late)");
	seqcheck_free(s);
}

/* ------------------------------------------------------------- IEC 104 */

#define IFRAME(ns, nr) msg(ICS_IEC104, ICS_KIND_UNSOLICITED, 36, 1, 2, ns, nr)
#define SFRAME(nr) msg(ICS_IEC104, ICS_KIND_OTHER, 0x200, 0, 2, 0, nr)

static void feed(struct seqcheck *s, const struct tp_packet *p, struct ics_msg m, uint64_t frame)
{
	seqcheck_ics(s, p, &m, 0, frame);
}

Test(seqcheck, iec104_ns_gaps_wrap_and_acknowledged_iframes_never_seen)
{
	struct seqcheck *s = make(NULL);
	struct tp_packet a = ip_pkt(IP(10, 0, 0, 2), 2404, IP(10, 0, 0, 1), 40000, 0);
	struct tp_packet b = ip_pkt(IP(10, 0, 0, 1), 40000, IP(10, 0, 0, 2), 2404, 0);
	const struct seqcheck_counts *c;

	feed(s, &a, IFRAME(32766, 0), 1);
	feed(s, &a, IFRAME(32767, 0), 2);
	feed(s, &a, IFRAME(1, 0), 3);		/* 0 missing, across the wrap */
	feed(s, &b, IFRAME(0, 2), 4);		/* b's own N(S) starts */
	feed(s, &b, SFRAME(4), 5);		/* b got a's 2 and 3: never seen */
	feed(s, &a, IFRAME(3, 1), 6);		/* 3 after all: late */
	feed(s, &a, IFRAME(4, 1), 7);
	feed(s, &b, SFRAME(5), 8);		/* nothing new */
	feed(s, &a, msg(ICS_IEC104, ICS_KIND_REQUEST, 0x110, 0, 0, 0, 0), 9);	/* U format */
	seqcheck_finish(s);
	c = &seqcheck_stats(s)->ics[ICS_IEC104];
	cr_expect(eq(u64, c->streams, 2));
	cr_expect(eq(u64, c->values, 6));	/* N(S) read: 5 of a, 1 of b */
	cr_expect(eq(u64, c->missing, 2));
	cr_expect(eq(u64, c->gaps, 2));
	cr_expect(eq(u64, c->reordered, 1));
	cr_assert(eq(sz, count_of(EV_ICS_SEQ_GAP), 2));
	expect_event(EV_ICS_SEQ_GAP, 0, 3, 1,
		     "iec104 10.0.0.2:2404 > 10.0.0.1:40000: N(S) 1 after 32767: 1 I-frames missing");
	expect_event(EV_ICS_SEQ_GAP, 1, 5, 1,
		     "the peer acknowledged N(S) 3, the last seen was 1: 1 I-frames missing (1 more came late)");
	seqcheck_free(s);
}

Test(seqcheck, iec104_reordering_and_duplicates_are_not_loss)
{
	struct seqcheck *s = make(NULL);
	struct tp_packet a = ip_pkt(IP(10, 0, 0, 2), 2404, IP(10, 0, 0, 1), 40000, 0);
	static const uint32_t ns[] = { 10, 12, 11, 13, 13, 14 };
	const struct seqcheck_counts *c;

	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
		feed(s, &a, IFRAME(ns[i], 0), i + 1);
	seqcheck_finish(s);
	c = &seqcheck_stats(s)->ics[ICS_IEC104];
	cr_expect(eq(u64, c->missing, 0));
	cr_expect(eq(u64, c->reordered, 1));
	cr_expect(eq(u64, c->duplicates, 1));
	cr_expect(eq(sz, nevents, 0));
	seqcheck_free(s);
}

/* ---------------------------------------------------------------- DNP3 */

#define DNP3(kind, fn, unit, tseq, aseq) msg(ICS_DNP3, kind, fn, unit, 2, tseq, aseq)

Test(seqcheck, dnp3_request_and_unsolicited_sequences_per_link)
{
	struct seqcheck *s = make(NULL);
	struct tp_packet m = ip_pkt(IP(10, 0, 0, 5), 40001, IP(10, 0, 0, 41), 20000, 0);
	struct tp_packet o = ip_pkt(IP(10, 0, 0, 41), 20000, IP(10, 0, 0, 5), 40001, 0);
	const struct seqcheck_counts *c;

	/* master to outstation 10: requests 14, 15, 0, (1 lost), 2, 2 again */
	feed(s, &m, DNP3(ICS_KIND_REQUEST, 1, 10, 60, 14), 1);
	feed(s, &o, DNP3(ICS_KIND_RESPONSE, 129, 1, 20, 14), 2);	/* 3 segments */
	feed(s, &m, DNP3(ICS_KIND_REQUEST, 1, 10, 61, 15), 3);
	feed(s, &m, DNP3(ICS_KIND_REQUEST, 1, 11, 5, 3), 4);		/* outstation 11: its own */
	feed(s, &o, DNP3(ICS_KIND_RESPONSE, 129, 1, 23, 15), 5);	/* 3 segments: no loss */
	feed(s, &m, DNP3(ICS_KIND_REQUEST, 1, 10, 62, 0), 6);
	feed(s, &m, DNP3(ICS_KIND_REQUEST, 1, 11, 6, 4), 7);
	feed(s, &m, DNP3(ICS_KIND_REQUEST, 1, 10, 0, 2), 8);		/* request 1 missing */
	feed(s, &m, DNP3(ICS_KIND_REQUEST, 1, 10, 1, 2), 9);		/* retry: duplicate */
	/* outstation's unsolicited responses 5, 6, (7 lost), 8; the master
	 * confirms (echo: not a counter); link frames have no sequences */
	feed(s, &o, DNP3(ICS_KIND_UNSOLICITED, 130, 1, 24, 5), 10);
	feed(s, &m, DNP3(ICS_KIND_OTHER, 0, 10, 2, 5), 11);
	feed(s, &o, DNP3(ICS_KIND_UNSOLICITED, 130, 1, 25, 6), 12);
	feed(s, &o, DNP3(ICS_KIND_UNSOLICITED, 130, 1, 27, 8), 13);
	feed(s, &o, msg(ICS_DNP3, ICS_KIND_REQUEST, 0x109, 1, 0, 0, 0), 14);
	seqcheck_finish(s);
	c = &seqcheck_stats(s)->ics[ICS_DNP3];
	cr_expect(eq(u64, c->streams, 3));
	cr_expect(eq(u64, c->missing, 2));
	cr_expect(eq(u64, c->duplicates, 1));
	cr_assert(eq(sz, count_of(EV_ICS_SEQ_GAP), 2));
	expect_event(EV_ICS_SEQ_GAP, 0, 8, 1,
		     "dnp3 10.0.0.5:40001 > 10.0.0.41:20000 to address 10: request sequence 2 after 0: 1 requests missing");
	expect_event(EV_ICS_SEQ_GAP, 1, 13, 1, "unsolicited sequence 8 after 6: 1 unsolicited");
	seqcheck_free(s);
}

/* 4 bits leave little room: 6 requests missing is the most one step can
 * show; a step back of 4 or more is a stray, confirmed as a restart by the
 * next request. */
Test(seqcheck, dnp3_application_sequence_limits)
{
	struct seqcheck *s = make(NULL);
	struct tp_packet m = ip_pkt(IP(10, 0, 0, 5), 40001, IP(10, 0, 0, 41), 20000, 0);
	static const uint32_t seq[] = { 3, 9, 2, 3, 9 };	/* +6, -7 stray, +1 restart, +6 */
	const struct seqcheck_counts *c;

	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++)
		feed(s, &m, DNP3(ICS_KIND_REQUEST, 1, 10, (uint32_t)i, seq[i]), i + 1);
	seqcheck_finish(s);
	c = &seqcheck_stats(s)->ics[ICS_DNP3];
	cr_expect(eq(u64, c->missing, 10));
	cr_expect(eq(u64, c->strays, 1));
	cr_expect(eq(u64, c->resets, 1));
	seqcheck_free(s);
}

/* --------------------------------------------------------------- GOOSE */

#define GOOSE(appid, st, sq) msg(ICS_GOOSE, ICS_KIND_PUBLISH, 0, appid, 2, st, sq)

Test(seqcheck, goose_retransmissions_state_changes_and_a_publisher_restart)
{
	struct seqcheck *s = make(NULL);
	struct tp_packet a = mac_pkt(mac_a, goose_dst, 0);
	static const uint32_t seq[][2] = {
		{ 7, 0 }, { 7, 1 }, { 7, 1 }, { 7, 3 },	/* a copy again; sqNum 2 missing */
		{ 8, 0 }, { 8, 1 },			/* a state change */
		{ 10, 2 }, { 10, 3 },			/* state 9 missing; 10's sqNum 0 and 1 */
		{ 1, 0 }, { 1, 1 }, { 1, 2 },		/* the publisher restarted */
	};
	const struct seqcheck_counts *c;

	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++)
		feed(s, &a, GOOSE(0x3001, seq[i][0], seq[i][1]), i + 1);
	seqcheck_finish(s);
	c = &seqcheck_stats(s)->ics[ICS_GOOSE];
	cr_expect(eq(u64, c->streams, 1));
	cr_expect(eq(u64, c->missing, 4));
	cr_expect(eq(u64, c->gaps, 3));
	cr_expect(eq(u64, c->duplicates, 1));
	cr_expect(eq(u64, c->strays, 1));
	cr_expect(eq(u64, c->resets, 1));
	cr_assert(eq(sz, count_of(EV_ICS_SEQ_GAP), 3));
	expect_event(EV_ICS_SEQ_GAP, 0, 4, 1,
		     "goose 00:21:c1:00:00:0a appid 0x3001: sqNum 3 after 1: 1 retransmissions missing");
	expect_event(EV_ICS_SEQ_GAP, 1, 7, 1, "stNum 10 after 8: 1 state changes");
	expect_event(EV_ICS_SEQ_GAP, 2, 7, 2,
		     "sqNum 2 first of a new state, 0 expected: 2 retransmissions missing");
	seqcheck_free(s);
}

/* Ed.1 publishers start a state at sqNum 1: learned from the first state
 * change that shows it; publishers are told apart by MAC and APPID. */
Test(seqcheck, goose_sqnum_base_1_and_publishers_apart)
{
	struct seqcheck *s = make(NULL);
	struct tp_packet a = mac_pkt(mac_a, goose_dst, 0);
	struct tp_packet b = mac_pkt(mac_b, goose_dst, 0);

	feed(s, &b, GOOSE(0x3002, 10, 1), 1);
	feed(s, &a, GOOSE(0x3002, 500, 0), 2);
	feed(s, &b, GOOSE(0x3002, 10, 2), 3);
	feed(s, &a, GOOSE(0x3003, 1, 0), 4);
	feed(s, &b, GOOSE(0x3002, 11, 1), 5);	/* base 1 */
	feed(s, &b, GOOSE(0x3002, 11, 2), 6);
	feed(s, &b, GOOSE(0x3002, 12, 2), 7);	/* 12's sqNum 1 missing */
	seqcheck_finish(s);
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_GOOSE].streams, 3));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_GOOSE].missing, 1));
	cr_assert(eq(sz, count_of(EV_ICS_SEQ_GAP), 1));
	expect_event(EV_ICS_SEQ_GAP, 0, 7, 1, "sqNum 2 first of a new state, 1 expected");
	seqcheck_free(s);
}

/* ------------------------------------------------- CIP I/O and PROFINET */

Test(seqcheck, cip_io_per_connection_and_direction)
{
	struct seqcheck *s = make(NULL);
	struct tp_packet ot = ip_pkt(IP(10, 0, 0, 24), 2222, IP(10, 0, 0, 61), 2222, 0);
	struct tp_packet to = ip_pkt(IP(10, 0, 0, 61), 2222, IP(10, 0, 0, 24), 2222, 0);
	static const uint32_t seq[] = { 1, 2, 3, 6, 7 };

	ot.ip_proto = to.ip_proto = 17;
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		feed(s, &ot, msg(ICS_CIP_IO, ICS_KIND_PUBLISH, 0, 0x1000, 2, seq[i], 9), 2 * i + 1);
		feed(s, &to, msg(ICS_CIP_IO, ICS_KIND_PUBLISH, 0, 0x2000, 1, 100 + (uint32_t)i, 0),
		     2 * i + 2);
	}
	/* the same connection id the other way: another stream */
	feed(s, &to, msg(ICS_CIP_IO, ICS_KIND_PUBLISH, 0, 0x1000, 1, 1000, 0), 11);
	seqcheck_finish(s);
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_CIP_IO].streams, 3));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_CIP_IO].missing, 2));
	cr_assert(eq(sz, count_of(EV_ICS_SEQ_GAP), 1));
	expect_event(EV_ICS_SEQ_GAP, 0, 7, 2,
		     "cip-io 10.0.0.24:2222 > 10.0.0.61:2222 connection 0x00001000: sequence 6 after 3: 2 I/O packets missing");
	seqcheck_free(s);
}

/* The cycle counter steps by 32 (1 ms at 31.25 us): learned from the first
 * 8 steps (a loss among them is not counted), then gaps are in cycles,
 * across the 16-bit wrap. */
Test(seqcheck, profinet_cycle_counter_learns_its_step)
{
	struct seqcheck *s = make(NULL);
	struct tp_packet a = mac_pkt(mac_a, mac_b, 0);
	struct tp_packet other = mac_pkt(mac_a, mac_c, 0);
	static const uint32_t cc[] = {
		0xff00, 0xff20, 0xff60, 0xff80, 0xffa0, 0xffc0, 0xffe0, 0x0000, 0x0020,	/* learning */
		0x0040, 0x00c0,		/* 3 cycles missing */
		0x00e0, 0x00e0,		/* a duplicate */
		0x0120,			/* 1 missing */
	};
	uint64_t frame = 0;

	for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
		feed(s, &a, msg(ICS_PROFINET_RT, ICS_KIND_PUBLISH, 0x8000, 0, 1, cc[i], 0), ++frame);
		feed(s, &other, msg(ICS_PROFINET_RT, ICS_KIND_PUBLISH, 0x8000, 0, 1, 7 * (uint32_t)i, 0),
		     ++frame);
	}
	seqcheck_finish(s);
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_PROFINET_RT].streams, 2));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_PROFINET_RT].missing, 4));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_PROFINET_RT].duplicates, 1));
	cr_assert(eq(sz, count_of(EV_ICS_SEQ_GAP), 2));
	expect_event(EV_ICS_SEQ_GAP, 0, 21, 3,
		     "profinet-rt 00:21:c1:00:00:0a > 00:1b:1b:00:00:0b class 0x8000: cycle counter 192 after 64: 3 cycles missing");
	expect_event(EV_ICS_SEQ_GAP, 1, 27, 1, "cycle counter 288 after 224: 1 cycles missing");
	seqcheck_free(s);
}

/* -------------------------------------------------------------- Modbus */

#define MB(k, fn, tid, u) \
	((struct ics_msg){ .proto = ICS_MODBUS, .kind = (k), .function = (fn), \
			   .has_transaction = true, .transaction = (tid), .has_unit = true, .unit = (u) })

Test(seqcheck, modbus_requests_and_responses_paired_on_flow_transaction_and_unit)
{
	struct seqcheck *s = make(NULL);
	const struct seqcheck_modbus *mb;
	uint64_t frame = 0;
	struct tp_packet q, r;

#define AT(t)                                                                    \
	(q = ip_pkt(IP(10, 0, 0, 10), 50000, IP(10, 0, 0, 21), 502, (t)),          \
	 r = ip_pkt(IP(10, 0, 0, 21), 502, IP(10, 0, 0, 10), 50000, (t)))
	AT(0);
	feed(s, &r, MB(ICS_KIND_RESPONSE, 3, 99, 1), ++frame);	/* 1: asked before the view */
	AT(6 * SEC);
	feed(s, &q, MB(ICS_KIND_REQUEST, 3, 1, 1), ++frame);	/* 2 */
	AT(6 * SEC + 10 * MS);
	feed(s, &r, MB(ICS_KIND_RESPONSE, 3, 1, 1), ++frame);	/* 3: answered */
	AT(6 * SEC + 20 * MS);
	feed(s, &q, MB(ICS_KIND_REQUEST, 3, 2, 1), ++frame);	/* 4: never answered */
	AT(6 * SEC + 30 * MS);
	feed(s, &q, MB(ICS_KIND_REQUEST, 16, 3, 1), ++frame);	/* 5 */
	AT(6 * SEC + 31 * MS);
	feed(s, &q, MB(ICS_KIND_REQUEST, 16, 3, 1), ++frame);	/* 6: the same again */
	AT(6 * SEC + 40 * MS);
	feed(s, &r, MB(ICS_KIND_RESPONSE, 16, 3, 1), ++frame);	/* 7 */
	AT(6 * SEC + 41 * MS);
	feed(s, &r, MB(ICS_KIND_RESPONSE, 16, 3, 1), ++frame);	/* 8: the same again */
	AT(7 * SEC);
	feed(s, &r, MB(ICS_KIND_RESPONSE, 3, 50, 1), ++frame);	/* 9: unasked */
	AT(8 * SEC);
	feed(s, &q, MB(ICS_KIND_REQUEST, 3, 7, 1), ++frame);	/* 10: given up */
	AT(8 * SEC + 100 * MS);
	feed(s, &q, MB(ICS_KIND_REQUEST, 3, 7, 1), ++frame);	/* 11: its id again */
	AT(8 * SEC + 200 * MS);
	feed(s, &r, MB(ICS_KIND_RESPONSE, 3, 7, 1), ++frame);	/* 12 */
	AT(9 * SEC);
	feed(s, &q, MB(ICS_KIND_REQUEST, 3, 9, 1), ++frame);	/* 13: unit 1 */
	feed(s, &r, MB(ICS_KIND_RESPONSE, 3, 9, 2), ++frame);	/* 14: unit 2: not its answer */
	AT(20 * SEC);
	feed(s, &q, MB(ICS_KIND_REQUEST, 3, 10, 1), ++frame);	/* 15: pending at the end */
	seqcheck_finish(s);
#undef AT
	mb = &seqcheck_stats(s)->modbus;
	cr_expect(eq(u64, mb->requests, 8));
	cr_expect(eq(u64, mb->responses, 7));
	cr_expect(eq(u64, mb->answered, 3));
	cr_expect(eq(u64, mb->duplicates, 2));
	cr_expect(eq(u64, mb->unanswered, 3));
	cr_expect(eq(u64, mb->unasked, 2));
	cr_expect(eq(u64, mb->unasked_at_start, 1));
	cr_expect(eq(u64, mb->pending_at_end, 1));
	cr_assert(eq(sz, count_of(EV_ICS_UNANSWERED), 3));
	cr_assert(eq(sz, count_of(EV_ICS_UNASKED), 2));
	expect_event(EV_ICS_UNASKED, 0, 9, 1,
		     "modbus read_holding_registers response (transaction 50, unit 1) 10.0.0.21:502 > 10.0.0.10:50000: to no request seen");
	expect_event(EV_ICS_UNANSWERED, 0, 10, 1,
		     "a new request with its transaction id came first (frame 11)");
	expect_event(EV_ICS_UNASKED, 1, 14, 1, "(transaction 9, unit 2)");
	cr_expect(eq(i64, nth(EV_ICS_UNANSWERED, 1)->ts_ns, 6 * SEC + 20 * MS));
	expect_event(EV_ICS_UNANSWERED, 1, 4, 1,
		     "modbus read_holding_registers request (transaction 2, unit 1) 10.0.0.10:50000 > 10.0.0.21:502: no response within 5000 ms");
	expect_event(EV_ICS_UNANSWERED, 2, 13, 1, "(transaction 9, unit 1)");
	seqcheck_free(s);
}

/* --------------------------------------------------------------- bounds */

/* max_streams: the least recently used stream leaves, its open gap
 * reported then; streams idle for 10 minutes leave too. */
Test(seqcheck, streams_evicted_report_their_gaps)
{
	struct seqcheck_opts o = { .max_streams = 2 };
	struct seqcheck *s = make(&o);
	struct tp_packet a = mac_pkt(mac_a, goose_dst, 0), b = mac_pkt(mac_b, goose_dst, 0);
	struct tp_packet c = mac_pkt(mac_c, goose_dst, 0);

	feed(s, &a, GOOSE(1, 1, 0), 1);
	feed(s, &a, GOOSE(1, 1, 2), 2);		/* open: 1 missing */
	feed(s, &b, GOOSE(1, 1, 0), 3);
	cr_expect(eq(sz, nevents, 0));
	feed(s, &c, GOOSE(1, 1, 0), 4);		/* a leaves */
	cr_assert(eq(sz, nevents, 1));
	cr_expect(eq(u64, events[0].frame, 2));
	cr_expect(eq(u64, seqcheck_stats(s)->streams_evicted, 1));
	feed(s, &b, GOOSE(1, 1, 2), 5);		/* b: 1 missing, open */
	c.ts_ns = 601 * SEC;
	feed(s, &c, GOOSE(1, 1, 1), 6);		/* b idle for 10 minutes: leaves */
	cr_assert(eq(sz, nevents, 2));
	cr_expect(eq(u64, events[1].frame, 5));
	cr_expect(eq(u64, seqcheck_stats(s)->streams_evicted, 3));	/* a; c and b idle */
	seqcheck_finish(s);
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_GOOSE].missing, 2));
	seqcheck_free(s);
}

Test(seqcheck, pending_requests_and_sessions_have_ceilings)
{
	struct seqcheck_opts o = { .max_pending = 2, .max_sessions = 1 };
	struct seqcheck *s = make(&o);
	struct tp_packet q = ip_pkt(IP(10, 0, 0, 10), 50000, IP(10, 0, 0, 21), 502, 0);
	struct bytes b1 = { 0 }, b2 = { 0 };

	for (uint32_t tid = 1; tid <= 3; tid++)
		feed(s, &q, MB(ICS_KIND_REQUEST, 3, tid, 1), tid);
	cr_expect(eq(u64, seqcheck_stats(s)->modbus.dropped, 1));
	q.ts_ns = 10 * SEC;
	feed(s, &q, MB(ICS_KIND_REQUEST, 3, 4, 1), 4);
	cr_expect(eq(u64, seqcheck_stats(s)->modbus.unanswered, 2));	/* 2 and 3 */
	erspan2(&b1, IP(10, 0, 0, 1), 1, 0);
	tunnel(s, &b1, 11 * SEC, 5);
	erspan2(&b2, IP(10, 0, 0, 1), 2, 0);
	tunnel(s, &b2, 11 * SEC, 6);
	cr_expect(eq(sz, seqcheck_sessions(s), 1));
	cr_expect(eq(u64, seqcheck_stats(s)->sessions_over, 1));
	seqcheck_finish(s);
	seqcheck_free(s);
}

Test(seqcheck, free_null_is_harmless)
{
	seqcheck_free(NULL);
}

/* -------------------------------------------------- real captures, runs */

struct view_run {
	struct seqcheck *s;
	const struct tp_packet *pkt;
	uint64_t frame;
};

static int64_t first_ts, last_ts;	/* of the capture run_file read */

static void on_message(void *ctx, const struct ics_msg *m)
{
	struct view_run *v = ctx;

	seqcheck_ics(v->s, v->pkt, m, 0, v->frame);
}

static void on_flow(void *ctx, struct flow *f)
{
	(void)ctx;
	ics_flow_free(f);
}

/* Reads path as the engine does: every packet to seqcheck_tunnel, every
 * ICS message of an undamaged frame to seqcheck_ics; then finishes. */
static struct seqcheck *run_file(const char *path)
{
	struct tp_stream_opts opts = { .no_hash = true };
	struct flow_opts fo = { 0 };
	struct view_run v = { make(NULL), NULL, 0 };
	struct ics_sink sink = { on_message, NULL, &v };
	struct tp_capture *c;
	struct flow_table *t;
	struct tp_record rec;
	struct tp_packet pkt;
	char err[512];

	cr_assert(eq(int, tp_capture_open(&c, path, &opts, err, sizeof err), TP_OPEN_OK), "%s", err);
	t = flow_table_new(&fo, on_flow, NULL);
	cr_assert(ne(ptr, t, NULL));
	first_ts = last_ts = 0;
	while (tp_capture_next(c, &rec) == TP_READ_OK) {
		struct flow *f;

		tp_decode(&pkt, &rec);
		first_ts = rec.frame == 1 ? pkt.ts_ns : first_ts;
		last_ts = pkt.ts_ns > last_ts ? pkt.ts_ns : last_ts;
		seqcheck_tunnel(v.s, &pkt, 0, rec.frame);
		f = flow_table_add(t, &pkt, 0, rec.frame);
		if (f && !(pkt.flags & TP_PKT_FCS_BAD)) {
			v.pkt = &pkt;
			v.frame = rec.frame;
			ics_flow_packet(f, &pkt, rec.frame, &sink);
		}
	}
	flow_table_flush(t);
	flow_table_free(t);
	tp_capture_close(c, NULL, NULL);
	seqcheck_finish(v.s);
	return v.s;
}

static void need_tshark(void)
{
	if (access(SIM_TSHARK, X_OK) != 0 || access("/usr/bin/editcap", X_OK) != 0)
		cr_skip_test("tshark and editcap are the oracles of this test");
}

static struct tshark_rows tshark(const char *path, const char *filter,
				 const char *const *fields, size_t n)
{
	struct tshark_rows t;

	cr_assert(tshark_fields(path, filter, NULL, fields, n, &t), "tshark on %s", path);
	return t;
}

/* The first value of an aggregated cell ("1,2" -> 1). */
static unsigned long first_ul(const char *cell)
{
	return strtoul(cell, NULL, 0);
}

/* Nanoseconds from tshark's frame.time_epoch ("1715666400.010000000"). */
static int64_t epoch_ns(const char *cell)
{
	const char *dot = strchr(cell, '.');
	int64_t ns = (int64_t)strtoll(cell, NULL, 10) * SEC, scale = SEC / 10;

	for (const char *p = dot ? dot + 1 : ""; *p >= '0' && *p <= '9' && scale; p++, scale /= 10)
		ns += (*p - '0') * scale;
	return ns;
}

/* editcap in out <frames>: the frames deleted are the truth. */
static const char *delete_frames(const char *in, const char *frames)
{
	static char out[512];
	char cmd[1400];

	snprintf(out, sizeof out, "%s/edited.pcap", tmpdir_make());
	snprintf(cmd, sizeof cmd, "editcap '%s' '%s' %s >/dev/null 2>&1", in, out, frames);
	cr_assert(eq(int, system(cmd), 0), "%s", cmd);
	return out;
}

/* The simulator's lossy variant: a slow SPAN port, 5 % of ERSPAN packets
 * lost, Modbus polled every 20 ms. */
static void sim_lossy(size_t slot)
{
	char cmd[512];

	snprintf(sim_dirs[slot], sizeof sim_dirs[slot], "/tmp/tapsight-sim-XXXXXX");
	cr_assert(ne(ptr, mkdtemp(sim_dirs[slot]), NULL));
	snprintf(cmd, sizeof cmd,
		 "'%s' --seed 3 --duration 30 --span-mbps 10 --tunnel-loss 50 --poll-ms 20 -o '%s'",
		 sim_bin(), sim_dirs[slot]);
	cr_assert(eq(int, system(cmd), 0), "%s", cmd);
}

static unsigned long truth_view(size_t slot, const char *view, const char *column)
{
	struct csv_table v = { 0 };
	char path[128];
	unsigned long n = 0;
	bool found = false;

	sim_path(path, sizeof path, slot, "truth-views.csv");
	cr_assert(eq(int, csv_table_read(&v, path), 0));
	for (size_t r = 1; r < v.rows; r++)
		if (!strcmp(csv_table_get(&v, r, "view"), view)) {
			n = strtoul(csv_table_get(&v, r, column), NULL, 10);
			found = true;
		}
	csv_table_free(&v);
	cr_assert(found, "no view %s", view);
	return n;
}

/* --------------------------------------------------- simulator: tunnels */

/* truth-views.csv: tunnel_lost, tunnel_frames and frames per ERSPAN view;
 * each gap cited at the frame after its hole, where tshark's
 * gre.sequence_number steps by the event's count + 1. */
static void check_erspan(size_t slot, const char *view, const char *file)
{
	static const char *const f[] = { "gre.sequence_number" };
	struct tshark_rows t;
	struct seqcheck *s;
	const struct seqcheck_stats *st;
	char path[128];

	sim_path(path, sizeof path, slot, file);
	s = run_file(path);
	st = seqcheck_stats(s);
	cr_expect(eq(sz, seqcheck_sessions(s), 1));
	cr_expect(eq(u64, st->tunnel.missing, truth_view(slot, view, "tunnel_lost")), "%s", view);
	cr_expect(eq(u64, st->tunnel_seen, truth_view(slot, view, "frames")), "%s", view);
	cr_expect(eq(u64, st->tunnel_expected, truth_view(slot, view, "tunnel_frames")), "%s", view);
	cr_expect(eq(u64, st->tunnel.duplicates + st->tunnel.reordered + st->tunnel.resets, 0));
	cr_expect(eq(sz, count_of(EV_TUNNEL_SEQ_GAP), st->tunnel.gaps));
	cr_expect(eq(u64, sum_of(EV_TUNNEL_SEQ_GAP), st->tunnel.missing));
	t = tshark(path, NULL, f, 1);
	cr_assert(eq(sz, t.nrows, st->tunnel_seen));	/* every frame is ERSPAN */
	for (size_t i = 0; i < nevents; i++) {
		const struct event *e = &events[i];

		if (e->kind != EV_TUNNEL_SEQ_GAP)
			continue;
		cr_assert(gt(u64, e->frame, 1));
		cr_expect(eq(u64, (first_ul(tshark_cell(&t, e->frame - 1, 1)) -
				   first_ul(tshark_cell(&t, e->frame - 2, 1)) - 1) & 0xffffffffu,
			     e->count), "%s frame %lu", view, (unsigned long)e->frame);
	}
	tshark_rows_free(&t);
	seqcheck_free(s);
}

Test(seqcheck, sim_erspan_gaps_are_the_tunnel_packets_the_truth_lost)
{
	need_tshark();
	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	sim_lossy(1);
	check_erspan(0, "erspan2", "erspan.pcapng");
	check_erspan(0, "erspan3", "erspan3.pcapng.zst");
	check_erspan(1, "erspan2", "erspan.pcapng");
	check_erspan(1, "erspan3", "erspan3.pcapng.zst");
}

/* ------------------------------------------------ simulator: ICS, TAP */

/* The TAP holds every wire frame (truth: dropped 0), so the only messages
 * missing are those the wire damaged (truth-frames.csv): GOOSE frames
 * with a bad FCS or cut short, which the analyser does not read.  One is
 * a gap unless it was the last retransmission of its state (the next
 * message, by tshark, starts a state: sqNum 0). */
static void check_tap(size_t slot)
{
	static const char *const f[] = { "goose.sqNum" };
	struct csv_table tf = { 0 };
	struct tshark_rows t;
	struct seqcheck *s;
	const struct seqcheck_stats *st;
	size_t want = 0, e = 0;
	char path[128];

	sim_path(path, sizeof path, slot, "truth-frames.csv");
	cr_assert(eq(int, csv_table_read(&tf, path), 0));
	sim_path(path, sizeof path, slot, "tap.pcapng");
	s = run_file(path);
	st = seqcheck_stats(s);
	t = tshark(path, "goose", f, 1);
	for (size_t r = 1; r < tf.rows; r++) {
		unsigned long index = strtoul(csv_table_get(&tf, r, "index"), NULL, 10);

		if (strcmp(csv_table_get(&tf, r, "damaged"), "none") != 0) {
			size_t next = 0;

			cr_assert(same(csv_table_get(&tf, r, "protocol"), "goose"));
			while (next < t.nrows && first_ul(tshark_cell(&t, next, 0)) <= index)
				next++;
			cr_assert(lt(sz, next, t.nrows));
			if (first_ul(tshark_cell(&t, next, 1)) == 0)
				continue;
			want++;
			cr_expect(eq(u64, nth(EV_ICS_SEQ_GAP, e++)->frame,
				     first_ul(tshark_cell(&t, next, 0))));
		}
	}
	cr_expect(gt(sz, want, 0));
	cr_expect(eq(u64, st->ics[ICS_GOOSE].missing, want));
	cr_expect(eq(sz, count_of(EV_ICS_SEQ_GAP), want));
	for (int p = 0; p < ICS_PROTO_COUNT; p++)
		cr_expect(eq(u64, p == ICS_GOOSE ? 0 : st->ics[p].missing, 0), "%s",
			  ics_proto_name((enum ics_proto)p));
	cr_expect(gt(u64, st->ics[ICS_DNP3].values + st->ics[ICS_IEC104].values, 0));
	cr_expect(gt(u64, st->ics[ICS_CIP_IO].values, 0));
	cr_expect(gt(u64, st->modbus.answered, 0));
	cr_expect(eq(u64, st->modbus.answered, st->modbus.requests));
	cr_expect(eq(u64, st->modbus.unanswered + st->modbus.unasked + st->modbus.unasked_at_start +
				  st->modbus.pending_at_end + st->modbus.duplicates, 0));
	tshark_rows_free(&t);
	csv_table_free(&tf);
	seqcheck_free(s);
}

Test(seqcheck, sim_tap_misses_only_the_messages_the_wire_damaged)
{
	need_tshark();
	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	sim_lossy(1);
	check_tap(0);
	check_tap(1);
}

/* ------------------------------------------------ simulator: ICS, SPAN */

/* Copies of a wire frame a SPAN of ports 2-4 (RX and TX) makes: one if it
 * enters a mirrored port, one per mirrored port it leaves by; none when
 * damaged (the switch drops it first; samples/mirror_span.c). */
static unsigned span_copies(const struct csv_table *tf, size_t r)
{
	const char *out = csv_table_get(tf, r, "out_ports");
	unsigned in = (unsigned)strtoul(csv_table_get(tf, r, "in_port"), NULL, 10), n = 0;

	if (strcmp(csv_table_get(tf, r, "damaged"), "none") != 0)
		return 0;
	n += in >= 2 && in <= 4;
	for (const char *p = out; *p;) {
		char *end;
		unsigned long port = strtoul(p, &end, 10);

		n += port >= 2 && port <= 4;
		p = *end ? end + 1 : end;
	}
	return n;
}

struct copies {
	unsigned long wire, damaged, copies, fewest;
};

static struct copies truth_copies(const struct csv_table *tf, const char *proto)
{
	struct copies c = { 0, 0, 0, ~0ul };

	for (size_t r = 1; r < tf->rows; r++) {
		unsigned n;

		if (strcmp(csv_table_get(tf, r, "protocol"), proto) != 0)
			continue;
		n = span_copies(tf, r);
		c.wire++;
		c.damaged += strcmp(csv_table_get(tf, r, "damaged"), "none") != 0;
		c.copies += n;
		if (n && n < c.fewest)
			c.fewest = n;
	}
	return c;
}

/* What SPAN (and ERSPAN, the same session sent through a lossy tunnel)
 * dropped is known from the truth per protocol: the copies the truth says
 * the session makes, less the frames tshark finds in the view.  A message
 * is missing only when every copy of it was dropped (or the wire damaged
 * it), so gaps <= damaged + dropped / fewest copies; a Modbus request or
 * response left unpaired means its partner was lost likewise.  GOOSE is
 * flooded to all three ports: its duplicates are the view's GOOSE frames
 * less the distinct (stNum, sqNum) among them. */
static void check_span(size_t slot, const char *file)
{
	static const char *const f[] = { "goose.stNum", "goose.sqNum" };
	struct csv_table tf = { 0 };
	struct tshark_rows g, mb;
	struct copies cg, cm;
	struct seqcheck *s;
	const struct seqcheck_stats *st;
	char path[128];
	size_t distinct = 0;

	sim_path(path, sizeof path, slot, "truth-frames.csv");
	cr_assert(eq(int, csv_table_read(&tf, path), 0));
	cg = truth_copies(&tf, "goose");
	cm = truth_copies(&tf, "modbus");
	sim_path(path, sizeof path, slot, file);
	s = run_file(path);
	st = seqcheck_stats(s);
	g = tshark(path, "goose", f, 2);
	/* Copies, all of them: tshark does not dissect "retransmissions". */
	mb = tshark(path, "tcp.port == 502 && tcp.len > 0", NULL, 0);
	cr_assert(eq(u64, cg.fewest, 3));
	cr_assert(eq(u64, cm.fewest, 2));
	cr_assert(le(sz, g.nrows, cg.copies));
	cr_assert(le(sz, mb.nrows, cm.copies));
	cr_log_info("%s: goose %zu of %lu copies, missing %lu; modbus %zu of %lu, unpaired %lu",
		    file, g.nrows, cg.copies, (unsigned long)st->ics[ICS_GOOSE].missing, mb.nrows,
		    cm.copies, (unsigned long)(st->modbus.unanswered + st->modbus.unasked));
	cr_expect(le(u64, st->ics[ICS_GOOSE].missing,
		     cg.damaged + (cg.copies - g.nrows) / cg.fewest), "%s", file);
	cr_expect(le(u64, st->modbus.unanswered + st->modbus.unasked,
		     (cm.copies - mb.nrows) / cm.fewest), "%s", file);
	for (size_t i = 0; i < g.nrows; i++) {
		bool again = false;

		for (size_t j = 0; j < i; j++)
			again |= !strcmp(tshark_cell(&g, i, 1), tshark_cell(&g, j, 1)) &&
				 !strcmp(tshark_cell(&g, i, 2), tshark_cell(&g, j, 2));
		distinct += !again;
	}
	cr_expect(eq(u64, st->ics[ICS_GOOSE].duplicates, g.nrows - distinct), "%s", file);
	tshark_rows_free(&g);
	tshark_rows_free(&mb);
	csv_table_free(&tf);
	seqcheck_free(s);
}

Test(seqcheck, sim_span_gaps_within_what_the_truth_dropped)
{
	need_tshark();
	sim_lossy(0);
	check_span(0, "span.pcapng");
	check_span(0, "erspan.pcapng");
}

/* The vSwitch view reorders frames (truth: reordered) and its sensor
 * drops a few (sensor_dropped): reordering must not read as loss, so the
 * gaps stay within the frames it lost and the damaged ones. */
Test(seqcheck, sim_vswitch_reordering_is_not_loss)
{
	struct csv_table tf = { 0 };
	struct seqcheck *s;
	const struct seqcheck_stats *st;
	char path[128];
	uint64_t missing = 0;

	sim_lossy(0);
	sim_path(path, sizeof path, 0, "truth-frames.csv");
	cr_assert(eq(int, csv_table_read(&tf, path), 0));
	sim_path(path, sizeof path, 0, "vswitch.pcapng");
	s = run_file(path);
	st = seqcheck_stats(s);
	for (int p = 0; p < ICS_PROTO_COUNT; p++)
		missing += st->ics[p].missing;
	cr_assert(gt(u64, truth_view(0, "vswitch", "reordered"), 0));
	cr_expect(gt(u64, st->ics[ICS_DNP3].values + st->ics[ICS_IEC104].values, 0));
	cr_expect(le(u64, missing + st->modbus.unanswered + st->modbus.unasked,
		     truth_view(0, "vswitch", "sensor_dropped") + truth_copies(&tf, "goose").damaged));
	csv_table_free(&tf);
	seqcheck_free(s);
}

/* On a lossy ERSPAN view, the Modbus pairing equals the one computed from
 * tshark's fields: requests (client port, transaction, unit) without a
 * response in the view, responses without a request, each split at 5 s
 * from the view's end and start. */
struct mb_key {
	uint64_t key;
	int64_t ts;
};

static int mb_cmp(const void *a, const void *b)
{
	const struct mb_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static bool mb_has(const struct mb_key *k, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && k[lo].key == key;
}

#define MB_MAX 16384
static struct mb_key mb_req[MB_MAX], mb_resp[MB_MAX];

Test(seqcheck, sim_erspan_modbus_pairs_match_tshark)
{
	static const char *const f[] = { "frame.time_epoch", "tcp.srcport", "tcp.dstport",
					 "mbtcp.trans_id", "mbtcp.unit_id" };
	size_t nreq = 0, nresp = 0;
	uint64_t unans = 0, end = 0, unasked = 0, start = 0;
	struct tshark_rows t;
	struct seqcheck *s;
	const struct seqcheck_modbus *mb;
	char path[128];

	need_tshark();
	sim_lossy(0);
	sim_path(path, sizeof path, 0, "erspan.pcapng");
	s = run_file(path);
	mb = &seqcheck_stats(s)->modbus;
	t = tshark(path, "mbtcp", f, 5);
	for (size_t r = 0; r < t.nrows; r++) {
		int64_t ts = epoch_ns(tshark_cell(&t, r, 1));
		unsigned long sport = first_ul(tshark_cell(&t, r, 2));
		unsigned long dport = first_ul(tshark_cell(&t, r, 3));
		const char *tid = tshark_cell(&t, r, 4), *unit = tshark_cell(&t, r, 5);

		for (;;) {	/* one ADU per value of the aggregated cells */
			bool req = dport == 502;
			uint64_t key = (uint64_t)(req ? sport : dport) << 32 |
				       strtoul(tid, NULL, 10) << 8 | strtoul(unit, NULL, 10);

			cr_assert(lt(sz, req ? nreq : nresp, MB_MAX));
			if (req)
				mb_req[nreq++] = (struct mb_key){ key, ts };
			else
				mb_resp[nresp++] = (struct mb_key){ key, ts };
			tid = strchr(tid, ',');
			unit = strchr(unit, ',');
			if (!tid || !unit)
				break;
			tid++;
			unit++;
		}
	}
	qsort(mb_req, nreq, sizeof mb_req[0], mb_cmp);
	qsort(mb_resp, nresp, sizeof mb_resp[0], mb_cmp);
	for (size_t i = 0; i < nreq; i++)
		if ((!i || mb_req[i].key != mb_req[i - 1].key) && !mb_has(mb_resp, nresp, mb_req[i].key)) {
			end += last_ts - mb_req[i].ts < 5 * SEC;
			unans += last_ts - mb_req[i].ts >= 5 * SEC;
		}
	for (size_t i = 0; i < nresp; i++)
		if ((!i || mb_resp[i].key != mb_resp[i - 1].key) && !mb_has(mb_req, nreq, mb_resp[i].key)) {
			start += mb_resp[i].ts - first_ts < 5 * SEC;
			unasked += mb_resp[i].ts - first_ts >= 5 * SEC;
		}
	cr_log_info("erspan modbus: unanswered %lu + %lu at the end, unasked %lu + %lu at the start",
		    (unsigned long)unans, (unsigned long)end, (unsigned long)unasked, (unsigned long)start);
	cr_expect(gt(u64, unans + unasked, 0));
	cr_expect(eq(u64, mb->unanswered, unans));
	cr_expect(eq(u64, mb->pending_at_end, end));
	cr_expect(eq(u64, mb->unasked, unasked));
	cr_expect(eq(u64, mb->unasked_at_start, start));
	cr_expect(eq(sz, count_of(EV_ICS_UNANSWERED), unans));
	cr_expect(eq(sz, count_of(EV_ICS_UNASKED), unasked));
	tshark_rows_free(&t);
	seqcheck_free(s);
}

/* -------------------------------------------------------------- corpus */

/* Gaps per GRE session (outer source and destination) computed from
 * tshark's gre.sequence_number; sessions counted the same way. */
static uint64_t tshark_gre_gaps(const char *path, size_t *sessions, size_t *packets)
{
	static const char *const f[] = { "ip.src", "ip.dst", "gre.sequence_number" };
	struct tshark_rows t = tshark(path, "gre.sequence_number", f, 3);
	char keys[16][80];
	unsigned long last[16];
	uint64_t gaps = 0;

	*sessions = 0;
	*packets = t.nrows;
	for (size_t r = 0; r < t.nrows; r++) {
		unsigned long seq = first_ul(tshark_cell(&t, r, 3));
		char key[80];
		size_t i = 0;

		snprintf(key, sizeof key, "%.*s>%.*s", (int)strcspn(tshark_cell(&t, r, 1), ","),
			 tshark_cell(&t, r, 1), (int)strcspn(tshark_cell(&t, r, 2), ","),
			 tshark_cell(&t, r, 2));
		while (i < *sessions && strcmp(keys[i], key) != 0)
			i++;
		if (i == *sessions) {
			cr_assert(lt(sz, i, 16));
			snprintf(keys[(*sessions)++], sizeof keys[0], "%s", key);
		} else if (seq > last[i]) {
			gaps += seq - last[i] - 1;
		}
		last[i] = seq;
	}
	tshark_rows_free(&t);
	return gaps;
}

Test(seqcheck, corpus_gre_sessions_and_sequences_match_tshark)
{
	static const char *const files[] = {
		"encap/erspan/erspan-type-ii-3.pcap", "encap/erspan/erspan-type-iii-ft-7.pcap",
		"encap/erspan/erspanII.pcap", "encap/erspan/erspan-type-ii-1.pcap",
		"encap/gre/GrePackets.cap",	/* PPTP: both directions, varying keys */
	};

	need_tshark();
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const char *path = corpus_file(files[i]);
		size_t sessions, packets;
		uint64_t gaps = tshark_gre_gaps(path, &sessions, &packets);
		struct seqcheck *s = run_file(path);

		cr_expect(eq(sz, seqcheck_sessions(s), sessions), "%s", files[i]);
		cr_expect(eq(u64, seqcheck_stats(s)->tunnel_seen, packets), "%s", files[i]);
		cr_expect(eq(u64, seqcheck_stats(s)->tunnel.missing, gaps), "%s", files[i]);
		seqcheck_free(s);
	}
}

/* Frames deleted by editcap are the gaps, cited at the frame after each
 * hole (new numbering), as tshark's sequence numbers show. */
Test(seqcheck, corpus_gre_frames_deleted_are_the_gaps)
{
	const char *path;
	struct seqcheck *s;
	size_t sessions, packets;

	need_tshark();
	path = delete_frames(corpus_file("encap/erspan/erspan-type-ii-3.pcap"), "5 20-22");
	s = run_file(path);
	cr_expect(eq(u64, tshark_gre_gaps(path, &sessions, &packets), 4));
	cr_expect(eq(u64, seqcheck_stats(s)->tunnel.missing, 4));
	cr_assert(eq(sz, count_of(EV_TUNNEL_SEQ_GAP), 2));
	expect_event(EV_TUNNEL_SEQ_GAP, 0, 5, 1, "GRE sequence 106959 after 106957");	/* was frame 6 */
	expect_event(EV_TUNNEL_SEQ_GAP, 1, 19, 3,	/* was 23 */
		     "erspan2 192.168.1.172 > 192.168.1.249 session 101: GRE sequence 106976 after 106972: 3 packets missing");
	seqcheck_free(s);
}

/* IEC 104 I-frames from tshark: how many (iec60870_104.type 0), and the
 * N(S) gaps per direction computed from iec60870_104.tx.  Frames tshark
 * finds malformed are left out: I-frames too short for their data unit
 * identifier, which the dissector reports as nothing (iec104.c). */
static uint64_t tshark_104_gaps(const char *path, uint64_t *iframes)
{
	static const char *const f[] = { "tcp.srcport", "tcp.dstport", "iec60870_104.type",
					 "iec60870_104.tx" };
	struct tshark_rows t = tshark(path, "iec60870_104 && !_ws.malformed", f, 4);
	unsigned long dir[32][3];	/* sport, dport, last N(S) + 1 (0: none) */
	size_t ndir = 0;
	uint64_t gaps = 0;

	*iframes = 0;
	for (size_t r = 0; r < t.nrows; r++) {
		unsigned long sp = first_ul(tshark_cell(&t, r, 1)), dp = first_ul(tshark_cell(&t, r, 2));
		const char *type = tshark_cell(&t, r, 3), *tx = tshark_cell(&t, r, 4);
		size_t d = 0;

		while (d < ndir && (dir[d][0] != sp || dir[d][1] != dp))
			d++;
		if (d == ndir) {
			cr_assert(lt(sz, d, 32));
			dir[ndir][0] = sp;
			dir[ndir][1] = dp;
			dir[ndir++][2] = 0;
		}
		for (const char *p = type; (p = strstr(p, "0x00000000")); p++)
			++*iframes;
		for (const char *p = tx; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] != 0)) {
			unsigned long ns = strtoul(p, NULL, 10);
			unsigned long step = dir[d][2] ? ((ns + 32768 - (dir[d][2] - 1)) & 0x7fff) : 1;

			if (step > 1 && step < 16384)
				gaps += step - 1;
			dir[d][2] = ns + 1;
		}
	}
	tshark_rows_free(&t);
	return gaps;
}

Test(seqcheck, corpus_iec104_ns_matches_tshark)
{
	static const char *const files[] = {
		"ics/iec104/090813_diverse.pcap", "ics/iec104/TestDissectIec104.pcap",
		"ics/iec104/IEC104.pcap",
	};

	need_tshark();
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const char *path = corpus_file(files[i]);
		uint64_t iframes, gaps = tshark_104_gaps(path, &iframes);
		struct seqcheck *s = run_file(path);

		cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_IEC104].values, iframes), "%s", files[i]);
		cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_IEC104].missing, gaps), "%s", files[i]);
		seqcheck_free(s);
	}
}

/* Deleting two I-frames, one each way: tshark's N(S) gaps and ours are the
 * two (the peer's N(R) acknowledging one of them first must not count it
 * twice). */
Test(seqcheck, corpus_iec104_iframes_deleted_are_the_gaps)
{
	static const char *const f[] = { "tcp.srcport", "iec60870_104.type" };
	const char *orig;
	struct tshark_rows t;
	char frames[64];
	unsigned long del[2] = { 0, 0 };
	int seen[2] = { 0, 0 };
	uint64_t iframes;
	struct seqcheck *s;
	const char *path;

	need_tshark();
	orig = corpus_file("ics/iec104/090813_diverse.pcap");
	t = tshark(orig, "iec60870_104", f, 2);
	for (size_t r = 0; r < t.nrows; r++) {
		int d = first_ul(tshark_cell(&t, r, 1)) == 2404;

		if (!strcmp(tshark_cell(&t, r, 2), "0x00000000") && ++seen[d] == 5)
			del[d] = first_ul(tshark_cell(&t, r, 0));	/* the 5th lone I-frame */
	}
	tshark_rows_free(&t);
	cr_assert(del[0] && del[1]);
	snprintf(frames, sizeof frames, "%lu %lu", del[0], del[1]);
	path = delete_frames(orig, frames);
	s = run_file(path);
	cr_expect(eq(u64, tshark_104_gaps(path, &iframes), 2));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_IEC104].missing, 2));
	cr_expect(eq(sz, count_of(EV_ICS_SEQ_GAP), 2));
	seqcheck_free(s);
}

/* Sample_File_GOOSE.pcap: nothing missing, every message read; deleting
 * frame 5 (stNum 36708, the only message of its state) and frame 8
 * (36710 sqNum 1, before sqNum 2) makes one state and one retransmission
 * missing.  GOOSE.pcap: the publisher restarts sqNum in the same state. */
Test(seqcheck, corpus_goose_matches_tshark_and_deleted_frames_are_the_gaps)
{
	static const char *const f[] = { "eth.src", "goose.stNum", "goose.sqNum" };
	const char *orig;
	struct tshark_rows t;
	struct seqcheck *s;

	need_tshark();
	orig = corpus_file("ics/iec61850/Sample_File_GOOSE.pcap");
	t = tshark(orig, "goose", f, 3);
	cr_assert(same(tshark_cell(&t, 3, 2), "36707"));
	cr_assert(same(tshark_cell(&t, 4, 2), "36708"));
	cr_assert(same(tshark_cell(&t, 5, 2), "36709"));
	cr_assert(same(tshark_cell(&t, 7, 3), "1"));
	cr_assert(same(tshark_cell(&t, 8, 3), "2"));
	cr_assert(same(tshark_cell(&t, 8, 1), tshark_cell(&t, 3, 1)));
	s = run_file(orig);
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_GOOSE].values, t.nrows));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_GOOSE].missing, 0));
	seqcheck_free(s);
	tshark_rows_free(&t);

	s = run_file(delete_frames(orig, "5 8"));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_GOOSE].missing, 2));
	cr_assert(eq(sz, count_of(EV_ICS_SEQ_GAP), 2));
	cr_expect(has(at_frame(EV_ICS_SEQ_GAP, 5)->detail,	/* was 6 */
		      "stNum 36709 after 36707: 1 state changes"));
	cr_expect(has(at_frame(EV_ICS_SEQ_GAP, 7)->detail,	/* was 9 */
		      "sqNum 2 after 0: 1 retransmissions missing"));
	seqcheck_free(s);

	s = run_file(corpus_file("ics/iec61850/GOOSE.pcap"));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_GOOSE].missing, 0));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_GOOSE].resets, 1));
	seqcheck_free(s);
}

/* dnp3_example.pcap: responses of two segments (tshark: FIR without FIN)
 * step the transport sequence by two, which is not loss.  dnp3.pcap:
 * deleting two unsolicited responses (application sequence 4 and 6, as
 * tshark reads them) leaves two gaps. */
Test(seqcheck, corpus_dnp3_fragments_and_deleted_unsolicited_responses)
{
	static const char *const fir[] = { "dnp3.tr.fir", "dnp3.tr.fin" };
	static const char *const f[] = { "dnp3.al.func", "dnp3.al.seq" };
	struct tshark_rows t;
	struct seqcheck *s;
	const char *orig;
	size_t first_only = 0;

	need_tshark();
	orig = corpus_file("ics/dnp3/dnp3_example.pcap");
	t = tshark(orig, "dnp3", fir, 2);
	for (size_t r = 0; r < t.nrows; r++)
		first_only += !strcmp(tshark_cell(&t, r, 1), "1") && !strcmp(tshark_cell(&t, r, 2), "0");
	tshark_rows_free(&t);
	cr_assert(gt(sz, first_only, 50));
	s = run_file(orig);
	cr_expect(gt(u64, seqcheck_stats(s)->ics[ICS_DNP3].values, 1000));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_DNP3].missing, 0));
	seqcheck_free(s);

	orig = corpus_file("ics/dnp3/dnp3.pcap");
	t = tshark(orig, "frame.number == 43 || frame.number == 46 || "
		   "frame.number == 49 || frame.number == 52", f, 2);
	cr_assert(eq(sz, t.nrows, 4));
	for (size_t r = 0; r < 4; r++) {
		cr_assert(same(tshark_cell(&t, r, 1), "130"));
		cr_assert(eq(u64, first_ul(tshark_cell(&t, r, 2)), 4 + r));
	}
	tshark_rows_free(&t);
	s = run_file(delete_frames(orig, "43 49"));
	cr_expect(eq(u64, seqcheck_stats(s)->ics[ICS_DNP3].missing, 2));
	cr_assert(eq(sz, count_of(EV_ICS_SEQ_GAP), 2));
	cr_expect(has(at_frame(EV_ICS_SEQ_GAP, 45)->detail,	/* was 46 */
		      "unsolicited sequence 5 after 3: 1 unsolicited responses missing"));
	cr_expect(has(at_frame(EV_ICS_SEQ_GAP, 50)->detail,	/* was 52 */
		      "unsolicited sequence 7 after 5"));
	seqcheck_free(s);
}

/* Wireshark pairs Modbus/TCP requests and responses (modbus.request_frame
 * in a response): its unanswered requests are ours (after the timeout or
 * at the end), its responses without a request ours (within the first
 * 5 s or after). */
static void check_modbus(const char *rel)
{
	static const char *const f[] = { "tcp.srcport", "tcp.dstport", "mbtcp.trans_id",
					 "modbus.request_frame" };
	const char *path = corpus_file(rel);
	struct tshark_rows t = tshark(path, "mbtcp", f, 4);
	size_t nreq = 0, nresp = 0;
	uint64_t unans = 0, unasked = 0;
	struct seqcheck *s = run_file(path);
	const struct seqcheck_modbus *mb = &seqcheck_stats(s)->modbus;

	for (size_t r = 0; r < t.nrows; r++) {
		bool req = first_ul(tshark_cell(&t, r, 2)) == 502;
		const char *tid = tshark_cell(&t, r, 3), *rf = tshark_cell(&t, r, 4);

		/* One ADU per value of tid; a response's request frames line
		 * up with them, or the cell is empty. */
		for (; *tid; tid += strcspn(tid, ",") + (tid[strcspn(tid, ",")] != 0)) {
			uint64_t frame = req ? first_ul(tshark_cell(&t, r, 0)) : strtoul(rf, NULL, 10);
			uint64_t key = frame << 16 | strtoul(tid, NULL, 10);

			cr_assert(lt(sz, req ? nreq : nresp, MB_MAX));
			if (req)
				mb_req[nreq++] = (struct mb_key){ key, 0 };
			else if (frame)
				mb_resp[nresp++] = (struct mb_key){ key, 0 };
			else
				unasked++;
			rf += strcspn(rf, ",") + (rf[strcspn(rf, ",")] != 0);
		}
	}
	qsort(mb_resp, nresp, sizeof mb_resp[0], mb_cmp);
	for (size_t i = 0; i < nreq; i++)
		unans += !mb_has(mb_resp, nresp, mb_req[i].key);
	cr_log_info("%s: %zu requests, %lu unanswered, %lu unasked", rel, nreq,
		    (unsigned long)unans, (unsigned long)unasked);
	cr_expect(eq(u64, mb->requests, nreq), "%s", rel);
	cr_expect(eq(u64, mb->unanswered + mb->pending_at_end, unans), "%s", rel);
	cr_expect(eq(u64, mb->unasked + mb->unasked_at_start, unasked), "%s", rel);
	tshark_rows_free(&t);
	seqcheck_free(s);
}

Test(seqcheck, corpus_modbus_pairs_match_wireshark)
{
	need_tshark();
	check_modbus("ics/modbus/ModbusTCP.pcap");
	check_modbus("ics/modbus/modbusSmall.pcap");
}
