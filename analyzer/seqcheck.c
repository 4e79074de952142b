/*
 * seqcheck.c - sequence evidence of loss; see seqcheck.h.
 *
 * Counters.  A counter is followed by position: a 64-bit number that grows
 * by the counter's step, so wrap-around at the counter's width (6, 4, 15,
 * 16 or 32 bits) is handled once, in units(), where the difference to the
 * highest value seen is read as signed, modulo the width.  Beside the
 * highest value a counter keeps a bitmap of which of the 64 positions
 * below it were seen, and up to two runs of missing positions not yet
 * final.  A value
 *   - one step ahead is in order; k steps ahead leaves k - 1 missing (a run,
 *     cited at this frame), up to the counter's cap;
 *   - equal to one already seen is a duplicate;
 *   - behind, within the counter's window, and not seen is reordering: it
 *     fills its run, which is reported only with what stayed missing;
 *   - farther off either way (more than cap ahead, more than window
 *     behind, or before the first value) is a stray: ignored, unless the
 *     next value follows it, which makes it a restart (RFC 3550 appendix
 *     A.1 does the same for RTP).  So a restart (a publisher rebooted, a
 *     session reset, a new counter base) counts one reset and nothing lost,
 *     and no jump ever counts more than cap values missing.
 * A run is final once the highest position is a window past its end, a
 * second of view time after the frame that opened it, when a third run
 * needs its slot, or at the end; then its event is emitted with what is
 * still missing.
 *
 * Counters, their keys and their rules:
 *   GRE        per session: outer source and destination addresses, GRE
 *              version, encapsulation, GRE key (PPTP's enhanced GRE,
 *              version 1: the call id, as the key's upper half is the
 *              payload length), ERSPAN II/III session id.  32 bits, window
 *              63, cap 4096 (RFC 2890 section 2.2; ERSPAN numbers its
 *              packets with the GRE sequence).
 *   DNP3       per link: IP source and destination, ports, destination
 *              address (unit; IEEE 1815-2012).  Three counters:
 *                transport sequence (8.2, 6 bits, window 7, cap 24): read
 *                  for duplicates, reordering and restarts only.  A message
 *                  is counted at the FIN segment of its fragment, so a step
 *                  of d means d - k segments lost when the fragment had k
 *                  segments, and k is not in the message (fragments of 2 to
 *                  9 segments are common in responses);
 *                application sequence of requests (4.2.2.4.3: the master
 *                  numbers each new request one more; a retry repeats it: a
 *                  duplicate), 4 bits, window 3, cap 6;
 *                application sequence of unsolicited responses (their own
 *                  sequence in the outstation), 4 bits, window 3, cap 6.
 *              Solicited responses echo their request's sequence and
 *              CONFIRMs echo what they confirm: not counters.
 *   IEC 104    per direction of the TCP connection (IEC 60870-5-104 5.2):
 *              N(S) of I-format APDUs, 15 bits, window 63, cap 4096.  The
 *              N(R) of an I or S APDU says the peer's I-frames up to
 *              N(R) - 1 arrived: when that is beyond the highest N(S) seen
 *              from the peer, the ones in between are missing too (a
 *              "claim": they still count as reordered if they come late).
 *   GOOSE      per publisher MAC and APPID (IEC 61850-8-1 18.1): stNum, 32
 *              bits, window 4, cap 64; sqNum, window 16, cap 4096.  With
 *              stNum unchanged, sqNum counts retransmissions; stNum k ahead
 *              means k - 1 state changes never seen (each at least one
 *              message) and the new state's sqNum starts again at 0 (or 1:
 *              Ed.1 devices; the base is learned from the first state
 *              change that shows it), so a first sqNum above the base means
 *              that many retransmissions missing.  A new state whose sqNum
 *              is more than 64 above the base is taken as a device that
 *              does not restart sqNum.  The tail of a state (its last
 *              retransmissions) leaves no trace.
 *   CIP I/O    per connection id (unit) and IP direction: the CPF sequenced
 *              address item's sequence number, bumped on every datagram
 *              (ODVA Vol. 2 2-6.2.3), 32 bits, window 63, cap 4096.  The
 *              16-bit class 1 sequence count (seq[1]) only changes with new
 *              data, so repeats are normal there: not used.
 *   PROFINET   per source MAC, destination MAC and frame id class: the
 *              16-bit cycle counter, in units of 31.25 us, steps by
 *              SendClockFactor x ReductionRatio per frame; the step is the
 *              smallest positive step among the stream's first 8 (no gap
 *              is counted while it is learned), then gaps are counted in
 *              steps (window 16, cap 1024 or half the counter's range).
 *   Modbus     requests matched to responses on (canonical flow,
 *              transaction id, unit id).  A request with no response
 *              within the timeout (5 s of view time) is unanswered, and so
 *              is one whose transaction id is reused by a new request
 *              before any response.  A response with no request pending
 *              is unasked, except within the timeout of the view's start
 *              (its request may predate the capture: counted, no event);
 *              requests younger than the timeout when the view ends are
 *              counted, no event (the response may have come after the
 *              capture stopped).  The same request or response again within
 *              5 ms is a duplicate.
 *
 * Storage.  Streams, sessions and requests live in tables: a pool of
 * fixed-size entries that doubles up to its ceiling and recycles through a
 * free list, a chained hash whose buckets double (load factor 1), and
 * intrusive lists ordered by activity (streams: least recently used first,
 * evicted after 10 minutes idle or when the table is full; requests: one
 * list waiting, one answered, each in time order, so expiry reads list
 * heads only).  Sessions are never evicted: a view carries a handful; past
 * max_sessions their packets are only counted.  "Now" is the largest
 * timestamp seen, so a merged view stepping back in time expires nothing.
 */
#include "analyzer/seqcheck.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/hash.h"
#include "formats/cursor.h"

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)
#define DEFAULT_TIMEOUT (5 * NS_PER_S)
#define DEFAULT_STREAMS 65536
#define DEFAULT_PENDING 65536
#define DEFAULT_SESSIONS 4096
#define STREAM_IDLE (600 * NS_PER_S)
#define SETTLE_NS NS_PER_S		/* a run is final this long after it opened */
#define DUP_NS (5 * NS_PER_MS)		/* Modbus: the same message again */
#define START_POS (UINT64_C(1) << 40)	/* first position: room to step back */
#define NIL UINT32_MAX
#define RUNS 2
#define LEARN 8				/* steps a stepped counter learns from */
#define GOOSE_FRESH_CAP 64
#define KEY_TUNNEL 0xff			/* key.kind of a GRE session (else enum ics_proto) */


/* ------------------------------------------------------------ counters */

enum spec_id {
	SP_NONE,
	SP_GRE,
	SP_DNP3_TRANSPORT,
	SP_DNP3_REQUEST,
	SP_DNP3_UNSOL,
	SP_IEC104,
	SP_GOOSE_ST,
	SP_GOOSE_SQ,
	SP_CIP_IO,
	SP_PROFINET,
};

struct spec {
	const char *name;	/* "N(S)" */
	const char *unit;	/* what a missing value is: "I-frames" */
	uint8_t bits;
	uint8_t window;		/* positions behind the highest still reordering: < 64,
				 * the bits of counter.seen */
	uint32_t cap;		/* most positions missing in one step */
	bool stepped;		/* learns its step (PROFINET) */
};

static const struct spec specs[] = {
	[SP_GRE] = { "GRE sequence", "packets", 32, 63, 4096, false },
	[SP_DNP3_TRANSPORT] = { "transport sequence", "segments", 6, 7, 24, false },
	[SP_DNP3_REQUEST] = { "request sequence", "requests", 4, 3, 6, false },
	[SP_DNP3_UNSOL] = { "unsolicited sequence", "unsolicited responses", 4, 3, 6, false },
	[SP_IEC104] = { "N(S)", "I-frames", 15, 63, 4096, false },
	[SP_GOOSE_ST] = { "stNum", "state changes (a message each at least)", 32, 4, 64, false },
	[SP_GOOSE_SQ] = { "sqNum", "retransmissions", 32, 16, 4096, false },
	[SP_CIP_IO] = { "sequence", "I/O packets", 32, 63, 4096, false },
	[SP_PROFINET] = { "cycle counter", "cycles", 16, 16, 1024, true },
};

/* The counters of a stream, by protocol. */
#define MAX_COUNTERS 3
static const uint8_t proto_specs[ICS_PROTO_COUNT][MAX_COUNTERS] = {
	[ICS_DNP3] = { SP_DNP3_TRANSPORT, SP_DNP3_REQUEST, SP_DNP3_UNSOL },
	[ICS_IEC104] = { SP_IEC104 },
	[ICS_GOOSE] = { SP_GOOSE_ST, SP_GOOSE_SQ },
	[ICS_CIP_IO] = { SP_CIP_IO },
	[ICS_PROFINET_RT] = { SP_PROFINET },
};

enum note { NOTE_NONE, NOTE_CLAIM, NOTE_FRESH };

/* Positions [start, start + len) missing, not final yet. */
struct run {
	uint64_t start;
	uint32_t len, filled;
	uint32_t before, after;	/* the values around it as sent */
	uint32_t capture;
	bool used;
	uint8_t note;		/* enum note */
	uint64_t frame;
	int64_t ts;
};

struct counter {
	bool init, probing;
	uint8_t learn;		/* steps learned from (stepped counters) */
	uint32_t last;		/* the value at position hi */
	uint32_t probe;		/* the last stray: a restart continues from it */
	uint32_t step;		/* stepped counters: raw step, 0 unknown */
	uint64_t hi;
	uint64_t seen;		/* bit i: position hi - i was seen */
	struct run run[RUNS];
};

/* How a value is read. */
enum how {
	HOW_SEEN,	/* sent, and seen here */
	HOW_CLAIM,	/* everything up to it was sent; it is not seen here */
	HOW_NOGAP,	/* seen; the positions it skips may be its own (DNP3 segments) */
	HOW_LEVEL,	/* a level that repeats (GOOSE stNum): the same again is normal */
};

enum outcome { OUT_INIT, OUT_NEXT, OUT_SAME, OUT_DUP, OUT_BACK, OUT_STRAY, OUT_RESTART };

/* ------------------------------------------------------------- tables */

/* Who a stream, session or request belongs to; zero-filled, compared whole. */
struct key {
	uint8_t kind;		/* enum ics_proto, or KEY_TUNNEL */
	uint8_t ip_version;	/* 4, 6; 0: addr holds MACs */
	uint8_t l4;		/* IP protocol; tunnels: GRE version */
	uint8_t extra;		/* tunnels: encap */
	uint32_t unit;
	uint16_t port[2];	/* tunnels: ERSPAN session id, has key */
	uint8_t addr[2][16];	/* source, destination (Modbus: canonical order) */
};

enum { LIST_A, LIST_B, LIST_FREE = 0xff };

struct slot {
	struct key key;
	uint32_t next;		/* in its bucket's chain, or the free list */
	uint32_t older, newer;	/* in its list */
	uint8_t list;
	uint64_t hash;
};

struct table {
	size_t stride;
	uint8_t *pool;
	uint32_t cap, top, count, max, free;
	uint32_t *bucket;
	uint32_t nbucket;		/* a power of two, or 0 */
	uint32_t oldest[2], newest[2];
};

struct stream {
	struct slot h;
	int64_t last_ts;
	uint8_t sq_base;		/* GOOSE: 0 or 1, 0xff unknown */
	struct counter c[MAX_COUNTERS];
};

struct session {
	struct slot h;
	struct seqcheck_session pub;
	struct counter c;
};

struct pending {
	struct slot h;
	int64_t req_ts, resp_ts;
	uint64_t frame;
	uint32_t capture;
	uint8_t function;
	uint8_t from;		/* the requester: 0 or 1, its address in key.addr */
};

struct seqcheck {
	event_fn *emit;
	void *ctx;
	int64_t timeout;
	bool started, finished;
	int64_t start_ts, now;
	struct table streams, sessions, pending;
	struct seqcheck_stats stats;
};

static struct slot *slot_at(const struct table *t, uint32_t i)
{
	return (struct slot *)(void *)(t->pool + (size_t)i * t->stride);
}

static void table_init(struct table *t, size_t stride, size_t max)
{
	memset(t, 0, sizeof *t);
	t->stride = stride;
	t->max = max > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)max;
	t->free = NIL;
	for (int l = 0; l < 2; l++)
		t->oldest[l] = t->newest[l] = NIL;
}

static void table_free(struct table *t)
{
	free(t->pool);
	free(t->bucket);
	t->pool = NULL;
	t->bucket = NULL;
}

/* Key hash: 64-bit words mixed as in splitmix64, with a fixed seed (the
 * output never depends on the hash, only on the packets). */
static uint64_t key_hash(const struct key *k)
{
	return hash_key(k, sizeof *k);
}

static uint32_t table_find(const struct table *t, const struct key *k, uint64_t h)
{
	if (!t->nbucket)
		return NIL;
	for (uint32_t i = t->bucket[h & (t->nbucket - 1)]; i != NIL; i = slot_at(t, i)->next) {
		const struct slot *s = slot_at(t, i);

		if (s->hash == h && !memcmp(&s->key, k, sizeof *k))
			return i;
	}
	return NIL;
}

static bool table_rehash(struct table *t, uint32_t n)
{
	uint32_t *b = malloc((size_t)n * sizeof *b);

	if (!b)
		return false;
	for (uint32_t i = 0; i < n; i++)
		b[i] = NIL;
	for (uint32_t i = 0; i < t->top; i++) {
		struct slot *s = slot_at(t, i);

		if (s->list == LIST_FREE)
			continue;
		s->next = b[s->hash & (n - 1)];
		b[s->hash & (n - 1)] = i;
	}
	free(t->bucket);
	t->bucket = b;
	t->nbucket = n;
	return true;
}

static void list_push(struct table *t, uint8_t l, uint32_t i)
{
	struct slot *s = slot_at(t, i);

	s->list = l;
	s->older = t->newest[l];
	s->newer = NIL;
	if (t->newest[l] != NIL)
		slot_at(t, t->newest[l])->newer = i;
	else
		t->oldest[l] = i;
	t->newest[l] = i;
}

static void list_unlink(struct table *t, uint32_t i)
{
	struct slot *s = slot_at(t, i);
	uint8_t l = s->list;

	if (s->older != NIL)
		slot_at(t, s->older)->newer = s->newer;
	else
		t->oldest[l] = s->newer;
	if (s->newer != NIL)
		slot_at(t, s->newer)->older = s->older;
	else
		t->newest[l] = s->older;
}

/* Moves i to the newest end of list l. */
static void list_touch(struct table *t, uint8_t l, uint32_t i)
{
	if (t->newest[slot_at(t, i)->list] == i && slot_at(t, i)->list == l)
		return;
	list_unlink(t, i);
	list_push(t, l, i);
}

/* A new zero-filled entry with key k at the newest end of list l; NIL when
 * the table is full or memory is short.  Entry pointers taken before are
 * invalid after (the pool may move). */
static uint32_t table_add(struct table *t, const struct key *k, uint64_t h, uint8_t l)
{
	struct slot *s;
	uint32_t i;

	if (t->count >= t->max)
		return NIL;
	if (t->count + 1 > t->nbucket && !table_rehash(t, t->nbucket ? 2 * t->nbucket : 64))
		return NIL;
	if (t->free != NIL) {
		i = t->free;
		t->free = slot_at(t, i)->next;
	} else {
		if (t->top == t->cap) {
			uint32_t cap = t->cap ? 2 * t->cap : 64;
			uint8_t *p;

			if (cap > t->max)
				cap = t->max;
			p = realloc(t->pool, (size_t)cap * t->stride);
			if (!p)
				return NIL;
			t->pool = p;
			t->cap = cap;
		}
		i = t->top++;
	}
	s = slot_at(t, i);
	memset(s, 0, t->stride);
	s->key = *k;
	s->hash = h;
	s->next = t->bucket[h & (t->nbucket - 1)];
	t->bucket[h & (t->nbucket - 1)] = i;
	list_push(t, l, i);
	t->count++;
	return i;
}

static void table_del(struct table *t, uint32_t i)
{
	struct slot *s = slot_at(t, i);
	uint32_t *p = &t->bucket[s->hash & (t->nbucket - 1)];

	while (*p != i)
		p = &slot_at(t, *p)->next;
	*p = s->next;
	list_unlink(t, i);
	s->list = LIST_FREE;
	s->next = t->free;
	t->free = i;
	t->count--;
}

/* ------------------------------------------------------------- events */

static void emit(struct seqcheck *s, uint8_t kind, uint32_t capture, uint64_t frame, int64_t ts,
		 uint64_t count, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void emit(struct seqcheck *s, uint8_t kind, uint32_t capture, uint64_t frame, int64_t ts,
		 uint64_t count, const char *fmt, ...)
{
	struct event e = { .kind = kind, .capture = capture, .frame = frame, .ts_ns = ts,
			   .count = count };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.detail, sizeof e.detail, fmt, ap);
	va_end(ap);
	if (s->emit)
		s->emit(s->ctx, &e);
}

static void addr_text(char *out, size_t n, uint8_t ip_version, const uint8_t *a, uint16_t port,
		      bool with_port)
{
	char ip[INET6_ADDRSTRLEN];

	if (ip_version == 0) {
		snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
		return;
	}
	if (!inet_ntop(ip_version == 4 ? AF_INET : AF_INET6, a, ip, sizeof ip))
		snprintf(ip, sizeof ip, "?");
	if (!with_port)
		snprintf(out, n, "%s", ip);
	else if (ip_version == 4)
		snprintf(out, n, "%s:%u", ip, port);
	else
		snprintf(out, n, "[%s]:%u", ip, port);
}

/* "iec104 10.0.0.1:2404 > 10.0.0.2:1075", "goose 00:21:c1:14:a8:1f appid
 * 0x3001", "erspan2 192.168.1.172 > 192.168.1.249 session 101"... */
#define ADDR_TEXT 56	/* "[IPv6]:port" */
#define KEY_TEXT 192

static void key_text(char *out, size_t n, const struct key *k)
{
	char a[ADDR_TEXT], b[ADDR_TEXT];
	bool ports = k->kind != KEY_TUNNEL && k->ip_version;

	addr_text(a, sizeof a, k->ip_version, k->addr[0], k->port[0], ports);
	addr_text(b, sizeof b, k->ip_version, k->addr[1], k->port[1], ports);
	switch (k->kind) {
	case KEY_TUNNEL: {
		const char *encap = tp_encap_name((enum tp_encap)k->extra);
		char more[24] = "";

		if (k->extra == TP_ENCAP_ERSPAN2 || k->extra == TP_ENCAP_ERSPAN3)
			snprintf(more, sizeof more, " session %u", k->port[0]);
		else if (k->port[1])
			snprintf(more, sizeof more, " key 0x%" PRIx32, k->unit);
		snprintf(out, n, "%s%s %s > %s%s", *encap ? encap : "gre",
			 k->l4 == 1 ? " v1" : "", a, b, more);
		return;
	}
	case ICS_GOOSE:
		snprintf(out, n, "goose %s appid 0x%04" PRIx32, a, k->unit);
		return;
	case ICS_DNP3:
		snprintf(out, n, "dnp3 %s > %s to address %" PRIu32, a, b, k->unit);
		return;
	case ICS_CIP_IO:
		snprintf(out, n, "cip-io %s > %s connection 0x%08" PRIx32, a, b, k->unit);
		return;
	case ICS_PROFINET_RT:
		snprintf(out, n, "profinet-rt %s > %s class 0x%04" PRIx32, a, b, k->unit);
		return;
	default:
		snprintf(out, n, "%s %s > %s", ics_proto_name((enum ics_proto)k->kind), a, b);
		return;
	}
}

/* ------------------------------------------------------- counter logic */

/* Where counter findings go. */
struct cctx {
	struct seqcheck *s;
	const struct spec *sp;
	struct seqcheck_counts *cnt, *total;	/* total may be NULL */
	const struct key *key;
	uint8_t ev;		/* EV_TUNNEL_SEQ_GAP or EV_ICS_SEQ_GAP */
	uint8_t note;		/* for runs opened by this value (NOTE_FRESH) */
	uint32_t capture;
	uint64_t frame;
	int64_t ts;
};

#define BUMP(cc, field, n)                                  \
	do {                                                \
		(cc)->cnt->field += (n);                    \
		if ((cc)->total)                            \
			(cc)->total->field += (n);          \
	} while (0)

static uint32_t counter_mask(const struct spec *sp)
{
	return sp->bits >= 32 ? UINT32_MAX : (UINT32_C(1) << sp->bits) - 1;
}

/* v - last modulo the width, as signed. */
static int64_t raw_delta(const struct spec *sp, uint32_t last, uint32_t v)
{
	uint32_t mask = counter_mask(sp), d = (v - last) & mask;

	return d > mask / 2 ? (int64_t)d - (int64_t)mask - 1 : (int64_t)d;
}

/* The same in positions (steps). */
static int64_t units(const struct spec *sp, const struct counter *c, int64_t d)
{
	int64_t st = sp->stepped ? (int64_t)c->step : 1;

	if (st <= 1)
		return d;
	return d >= 0 ? (d + st / 2) / st : -((-d + st / 2) / st);
}

/* Most positions missing in one step: the spec's cap, or less when the
 * counter's range is small (a step of half the range or more reads as a
 * step back). */
static uint64_t counter_cap(const struct spec *sp, const struct counter *c)
{
	uint64_t half = ((uint64_t)counter_mask(sp) + 1) / 2;

	if (sp->stepped && c->step > 1)
		half /= c->step;
	return half < 2 ? 0 : sp->cap < half - 2 ? sp->cap : half - 2;
}

static void counter_start(struct counter *c, uint32_t v, bool seen)
{
	memset(c, 0, sizeof *c);
	c->init = true;
	c->last = v;
	c->hi = START_POS;
	c->seen = seen;
}

static void run_final(struct cctx *cc, struct run *r)
{
	uint32_t lost = r->len - r->filled;
	char who[KEY_TEXT], late[40] = "";

	r->used = false;
	if (!lost)
		return;
	BUMP(cc, missing, lost);
	BUMP(cc, gaps, 1);
	key_text(who, sizeof who, cc->key);
	if (r->filled)
		snprintf(late, sizeof late, " (%" PRIu32 " more came late)", r->filled);
	switch (r->note) {
	case NOTE_CLAIM:
		emit(cc->s, cc->ev, r->capture, r->frame, r->ts, lost,
		     "%s: the peer acknowledged %s %" PRIu32 ", the last seen was %" PRIu32
		     ": %" PRIu32 " %s missing%s", who, cc->sp->name, r->after, r->before, lost,
		     cc->sp->unit, late);
		break;
	case NOTE_FRESH:
		emit(cc->s, cc->ev, r->capture, r->frame, r->ts, lost,
		     "%s: %s %" PRIu32 " first of a new state, %" PRIu32 " expected: %" PRIu32
		     " %s missing%s", who, cc->sp->name, r->after, r->before + 1, lost, cc->sp->unit,
		     late);
		break;
	default:
		emit(cc->s, cc->ev, r->capture, r->frame, r->ts, lost,
		     "%s: %s %" PRIu32 " after %" PRIu32 ": %" PRIu32 " %s missing%s", who,
		     cc->sp->name, r->after, r->before, lost, cc->sp->unit, late);
		break;
	}
}

/* Makes final the runs a window behind the highest position or older than
 * SETTLE_NS (all of them when all). */
static void runs_settle(struct cctx *cc, struct counter *c, bool all)
{
	for (int i = 0; i < RUNS; i++) {
		struct run *r = &c->run[i];

		if (r->used && (all || c->hi - (r->start + r->len - 1) >= cc->sp->window ||
				cc->s->now - r->ts >= SETTLE_NS))
			run_final(cc, r);
	}
}

static void run_add(struct cctx *cc, struct counter *c, uint64_t len, uint32_t after, bool claim)
{
	struct run *r = !c->run[0].used ? &c->run[0] : &c->run[1];

	if (r->used)	/* both taken: the older one is final */
		run_final(cc, r = c->run[0].start < c->run[1].start ? &c->run[0] : &c->run[1]);
	*r = (struct run){ .start = c->hi + 1, .len = (uint32_t)len, .before = c->last,
			   .after = after, .capture = cc->capture, .used = true,
			   .note = claim ? NOTE_CLAIM : cc->note, .frame = cc->frame, .ts = cc->ts };
}

/* A late value at pos fills the run it is in. */
static void run_fill(struct counter *c, uint64_t pos)
{
	for (int i = 0; i < RUNS; i++) {
		struct run *r = &c->run[i];

		if (r->used && pos >= r->start && pos - r->start < r->len && r->filled < r->len) {
			r->filled++;
			return;
		}
	}
}

/* A value out of range: a stray, or a restart when it follows the last
 * stray (RFC 3550 A.1). */
static enum outcome counter_stray(struct cctx *cc, struct counter *c, uint32_t v, enum how how)
{
	const struct spec *sp = cc->sp;

	if (how == HOW_CLAIM)
		return OUT_STRAY;
	if (c->probing) {
		uint32_t d = (v - c->probe) & counter_mask(sp);
		uint32_t most = sp->stepped ? (c->step ? c->step : UINT16_MAX) : 1;

		if (how == HOW_LEVEL ? d <= 1 : d >= 1 && d <= most) {
			runs_settle(cc, c, true);
			BUMP(cc, resets, 1);
			counter_start(c, v, true);
			return OUT_RESTART;
		}
	}
	c->probing = true;
	c->probe = v;
	BUMP(cc, strays, 1);
	return OUT_STRAY;
}

static enum outcome counter_feed(struct cctx *cc, struct counter *c, uint32_t v, enum how how)
{
	const struct spec *sp = cc->sp;
	int64_t d, k;

	if (how != HOW_CLAIM && how != HOW_LEVEL)
		BUMP(cc, values, 1);
	if (!c->init) {
		if (how == HOW_CLAIM)
			return OUT_STRAY;	/* nothing to measure from */
		counter_start(c, v, true);
		return OUT_INIT;
	}
	runs_settle(cc, c, false);
	d = raw_delta(sp, c->last, v);
	if (sp->stepped && c->learn < LEARN) {
		/* The step is the smallest forward step while learning; no gap
		 * counts meanwhile. */
		if (d > 0 && d <= UINT16_MAX) {
			if (!c->step || d < c->step)
				c->step = (uint32_t)d;
			c->learn++;
			k = 1;
			how = how == HOW_CLAIM ? how : HOW_NOGAP;
		} else {
			k = d > 0 ? 1 : d < 0 ? -1 : 0;
		}
	} else {
		k = units(sp, c, d);
	}

	if (k > 0 && (uint64_t)k - 1 <= counter_cap(sp, c)) {
		uint64_t miss = how == HOW_CLAIM ? (uint64_t)k : how == HOW_NOGAP ? 0 : (uint64_t)k - 1;

		c->probing = false;
		if (miss)
			run_add(cc, c, miss, v, how == HOW_CLAIM);
		c->seen = k >= 64 ? 0 : c->seen << k;
		if (how == HOW_NOGAP)
			c->seen |= k >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << k) - 1;
		else if (how != HOW_CLAIM)
			c->seen |= 1;
		c->hi += (uint64_t)k;
		c->last = v;
		runs_settle(cc, c, false);
		return OUT_NEXT;
	}
	if (k <= 0 && -k <= sp->window && c->hi + (uint64_t)k >= START_POS) {
		uint64_t back = (uint64_t)-k;

		c->probing = false;
		if (how == HOW_CLAIM || (how == HOW_LEVEL && !back))
			return OUT_SAME;
		if ((c->seen >> back) & 1) {
			if (how == HOW_LEVEL) {	/* an older state again, after a newer one */
				BUMP(cc, reordered, 1);
				return OUT_BACK;
			}
			BUMP(cc, duplicates, 1);
			return OUT_DUP;
		}
		c->seen |= UINT64_C(1) << back;
		run_fill(c, c->hi - back);
		BUMP(cc, reordered, 1);
		return back ? OUT_BACK : OUT_SAME;
	}
	return counter_stray(cc, c, v, how);
}

/* ------------------------------------------------------------ streams */

static void cctx_stream(struct cctx *cc, struct seqcheck *s, struct stream *st, int j)
{
	uint8_t proto = st->h.key.kind;

	*cc = (struct cctx){ .s = s, .sp = &specs[proto_specs[proto][j]],
			     .cnt = &s->stats.ics[proto], .key = &st->h.key, .ev = EV_ICS_SEQ_GAP };
}

/* The stream's open runs become final. */
static void stream_settle(struct seqcheck *s, struct stream *st)
{
	for (int j = 0; j < MAX_COUNTERS; j++) {
		struct cctx cc;

		if (!proto_specs[st->h.key.kind][j])
			continue;
		cctx_stream(&cc, s, st, j);
		runs_settle(&cc, &st->c[j], true);
	}
}

/* ... and it is forgotten. */
static void stream_drop(struct seqcheck *s, uint32_t i)
{
	stream_settle(s, (struct stream *)(void *)slot_at(&s->streams, i));
	table_del(&s->streams, i);
}

/* An unanswered request (ev EV_ICS_UNANSWERED, from its requester) or an
 * unasked response (EV_ICS_UNASKED, from its sender) of key k. */
static void modbus_event(struct seqcheck *s, uint8_t ev, const struct key *k, uint8_t function,
			 int from, uint32_t capture, uint64_t frame, int64_t ts, const char *why)
{
	const char *fn = ics_function_name(ICS_MODBUS, function);
	char a[ADDR_TEXT], b[ADDR_TEXT], f[24];

	if (!fn) {
		snprintf(f, sizeof f, "function %u", function);
		fn = f;
	}
	addr_text(a, sizeof a, k->ip_version, k->addr[from], k->port[from], true);
	addr_text(b, sizeof b, k->ip_version, k->addr[!from], k->port[!from], true);
	if (ev == EV_ICS_UNANSWERED)
		s->stats.modbus.unanswered++;
	else
		s->stats.modbus.unasked++;
	emit(s, ev, capture, frame, ts, 1,
	     "modbus %s %s (transaction %" PRIu32 ", unit %" PRIu32 ") %s > %s: %s", fn,
	     ev == EV_ICS_UNANSWERED ? "request" : "response", k->unit >> 8, k->unit & 0xff, a, b,
	     why);
}

static void unanswered(struct seqcheck *s, const struct pending *p, const char *why)
{
	modbus_event(s, EV_ICS_UNANSWERED, &p->h.key, p->function, p->from, p->capture, p->frame,
		     p->req_ts, why);
}

/* Time moves to ts: requests past the timeout, answers past the duplicate
 * window and streams idle too long leave. */
static void advance(struct seqcheck *s, int64_t ts)
{
	struct table *pt = &s->pending, *tt = &s->streams;
	char why[48];

	if (!s->started) {
		s->started = true;
		s->start_ts = s->now = ts;
	}
	if (ts > s->now)
		s->now = ts;
	while (pt->oldest[LIST_A] != NIL) {
		struct pending *p = (struct pending *)(void *)slot_at(pt, pt->oldest[LIST_A]);

		if (s->now - p->req_ts < s->timeout)
			break;
		snprintf(why, sizeof why, "no response within %" PRId64 " ms",
			 s->timeout / NS_PER_MS);
		unanswered(s, p, why);
		table_del(&s->pending, pt->oldest[LIST_A]);
	}
	while (pt->oldest[LIST_B] != NIL) {
		struct pending *p = (struct pending *)(void *)slot_at(pt, pt->oldest[LIST_B]);

		if (s->now - p->resp_ts < DUP_NS)
			break;
		table_del(&s->pending, pt->oldest[LIST_B]);
	}
	while (tt->oldest[LIST_A] != NIL) {
		struct stream *st = (struct stream *)(void *)slot_at(tt, tt->oldest[LIST_A]);

		if (s->now - st->last_ts < STREAM_IDLE)
			break;
		s->stats.streams_evicted++;
		stream_drop(s, tt->oldest[LIST_A]);
	}
}

/* The stream of k (made when create), as the most recently used. */
static struct stream *stream_get(struct seqcheck *s, const struct key *k, bool create, int64_t ts)
{
	struct table *t = &s->streams;
	uint64_t h = key_hash(k);
	uint32_t i = table_find(t, k, h);
	struct stream *st;

	if (i == NIL) {
		if (!create)
			return NULL;
		if (t->count >= t->max && t->oldest[LIST_A] != NIL) {
			s->stats.streams_evicted++;
			stream_drop(s, t->oldest[LIST_A]);
		}
		i = table_add(t, k, h, LIST_A);
		if (i == NIL) {
			s->stats.no_memory++;
			return NULL;
		}
		st = (struct stream *)(void *)slot_at(t, i);
		st->sq_base = 0xff;
		s->stats.ics[k->kind].streams++;
	} else {
		list_touch(t, LIST_A, i);
		st = (struct stream *)(void *)slot_at(t, i);
	}
	if (ts > st->last_ts)
		st->last_ts = ts;
	return st;
}

/* ---------------------------------------------------------------- keys */

static bool key_ip(struct key *k, const struct tp_packet *pkt, uint8_t proto, uint32_t unit)
{
	memset(k, 0, sizeof *k);
	if (pkt->ip_version != 4 && pkt->ip_version != 6)
		return false;
	k->kind = proto;
	k->ip_version = pkt->ip_version;
	k->l4 = pkt->ip_proto;
	k->unit = unit;
	k->port[0] = pkt->sport;
	k->port[1] = pkt->dport;
	memcpy(k->addr[0], pkt->src_ip, 16);
	memcpy(k->addr[1], pkt->dst_ip, 16);
	return true;
}

static bool key_mac(struct key *k, const struct tp_packet *pkt, uint8_t proto, uint32_t unit,
		    bool with_dst)
{
	memset(k, 0, sizeof *k);
	if (!pkt->has_mac)
		return false;
	k->kind = proto;
	k->unit = unit;
	memcpy(k->addr[0], pkt->src_mac, 6);
	if (with_dst)
		memcpy(k->addr[1], pkt->dst_mac, 6);
	return true;
}

/* The same stream seen from the other end. */
static void key_reverse(struct key *r, const struct key *k)
{
	*r = *k;
	r->port[0] = k->port[1];
	r->port[1] = k->port[0];
	memcpy(r->addr[0], k->addr[1], 16);
	memcpy(r->addr[1], k->addr[0], 16);
}

/* ------------------------------------------------------------- tunnels */

/* The session key: the outer IP header before the first GRE layer, the
 * GRE version from its header. */
static void key_tunnel(struct key *k, const struct tp_packet *pkt)
{
	int ip = -1, gre = -1;

	memset(k, 0, sizeof *k);
	k->kind = KEY_TUNNEL;
	k->extra = pkt->encap;
	for (int i = 0; i < pkt->nlayers && i < TP_MAX_LAYERS; i++) {
		if (pkt->layers[i].proto == TP_PROTO_GRE) {
			gre = i;
			break;
		}
		if (pkt->layers[i].proto == TP_PROTO_IPV4 || pkt->layers[i].proto == TP_PROTO_IPV6)
			ip = i;
	}
	if (gre >= 0 && pkt->layers[gre].offset < pkt->len) {
		struct tp_cursor c = tp_cursor_make(pkt->data + pkt->layers[gre].offset,
						    pkt->len - pkt->layers[gre].offset);

		tp_skip(&c, 1);
		k->l4 = tp_u8(&c) & 7u;
	}
	if (ip >= 0 && pkt->layers[ip].offset < pkt->len) {
		bool v4 = pkt->layers[ip].proto == TP_PROTO_IPV4;
		struct tp_cursor c = tp_cursor_make(pkt->data + pkt->layers[ip].offset,
						    pkt->len - pkt->layers[ip].offset);
		const uint8_t *a;

		tp_skip(&c, v4 ? 12 : 8);
		a = tp_take(&c, v4 ? 8 : 32);
		if (a) {
			k->ip_version = v4 ? 4 : 6;
			memcpy(k->addr[0], a, v4 ? 4 : 16);
			memcpy(k->addr[1], a + (v4 ? 4 : 16), v4 ? 4 : 16);
		}
	}
	if (pkt->gre_has_key) {
		k->port[1] = 1;
		k->unit = k->l4 == 1 ? pkt->gre_key & 0xffffu : pkt->gre_key;
	}
	if (pkt->encap == TP_ENCAP_ERSPAN2 || pkt->encap == TP_ENCAP_ERSPAN3)
		k->port[0] = pkt->erspan.session;
}

void seqcheck_tunnel(struct seqcheck *s, const struct tp_packet *pkt, uint32_t capture,
		     uint64_t frame)
{
	struct table *t = &s->sessions;
	struct session *se;
	struct cctx cc;
	struct key k;
	uint64_t h;
	uint32_t i;

	if (!s->started) {
		s->started = true;
		s->start_ts = s->now = pkt->ts_ns;
	}
	if (pkt->ts_ns > s->now)
		s->now = pkt->ts_ns;	/* expiry waits for the next message */
	if (!pkt->gre_has_seq)
		return;
	advance(s, pkt->ts_ns);
	key_tunnel(&k, pkt);
	h = key_hash(&k);
	i = table_find(t, &k, h);
	if (i == NIL) {
		i = table_add(t, &k, h, LIST_A);
		if (i == NIL) {
			s->stats.sessions_over++;
			return;
		}
		se = (struct session *)(void *)slot_at(t, i);
		se->pub = (struct seqcheck_session){
			.encap = pkt->encap, .gre_version = k.l4, .ip_version = k.ip_version,
			.has_key = pkt->gre_has_key, .key = k.unit, .span_id = k.port[0],
			.first_capture = capture, .first_frame = frame, .first_seq = pkt->gre_seq,
			.c.streams = 1,
		};
		memcpy(se->pub.src, k.addr[0], 16);
		memcpy(se->pub.dst, k.addr[1], 16);
		s->stats.tunnel.streams++;
	}
	se = (struct session *)(void *)slot_at(t, i);
	cc = (struct cctx){ .s = s, .sp = &specs[SP_GRE], .cnt = &se->pub.c,
			    .total = &s->stats.tunnel, .key = &se->h.key, .ev = EV_TUNNEL_SEQ_GAP,
			    .capture = capture, .frame = frame, .ts = pkt->ts_ns };
	counter_feed(&cc, &se->c, pkt->gre_seq, HOW_SEEN);
	se->pub.seen++;
	se->pub.last_seq = se->c.last;
	s->stats.tunnel_seen++;
}

/* ----------------------------------------------------------------- ICS */

static void check_counter(struct seqcheck *s, struct stream *st, int j, uint32_t v, enum how how,
			uint32_t capture, uint64_t frame, int64_t ts)
{
	struct cctx cc;

	cctx_stream(&cc, s, st, j);
	cc.capture = capture;
	cc.frame = frame;
	cc.ts = ts;
	counter_feed(&cc, &st->c[j], v, how);
}

static void check_dnp3(struct seqcheck *s, const struct tp_packet *pkt, const struct ics_msg *m,
		     uint32_t capture, uint64_t frame)
{
	struct stream *st;
	struct key k;

	if (m->function >= 0x100 || m->nseq < 2 || !key_ip(&k, pkt, ICS_DNP3, m->unit))
		return;
	st = stream_get(s, &k, true, pkt->ts_ns);
	if (!st)
		return;
	check_counter(s, st, 0, m->seq[0] & 0x3fu, HOW_NOGAP, capture, frame, pkt->ts_ns);
	if (m->kind == ICS_KIND_REQUEST)
		check_counter(s, st, 1, m->seq[1] & 0xfu, HOW_SEEN, capture, frame, pkt->ts_ns);
	else if (m->kind == ICS_KIND_UNSOLICITED)
		check_counter(s, st, 2, m->seq[1] & 0xfu, HOW_SEEN, capture, frame, pkt->ts_ns);
}

static void check_iec104(struct seqcheck *s, const struct tp_packet *pkt, const struct ics_msg *m,
		       uint32_t capture, uint64_t frame)
{
	bool iframe = m->function < 0x100;
	struct stream *st;
	struct key k, r;

	if (m->nseq < 2 || (!iframe && m->function != 0x200) ||
	    !key_ip(&k, pkt, ICS_IEC104, 0))
		return;
	if (iframe) {
		st = stream_get(s, &k, true, pkt->ts_ns);
		if (!st)
			return;
		check_counter(s, st, 0, m->seq[0] & 0x7fffu, HOW_SEEN, capture, frame, pkt->ts_ns);
	}
	/* N(R): the peer's I-frames below it arrived. */
	key_reverse(&r, &k);
	st = stream_get(s, &r, false, pkt->ts_ns);
	if (st)
		check_counter(s, st, 0, (m->seq[1] - 1u) & 0x7fffu, HOW_CLAIM, capture, frame,
			    pkt->ts_ns);
}

static void check_goose(struct seqcheck *s, const struct tp_packet *pkt, const struct ics_msg *m,
		      uint32_t capture, uint64_t frame)
{
	uint32_t stnum = m->seq[0], sq = m->seq[1];
	struct stream *st;
	struct cctx cc;
	struct key k;
	uint64_t hi;

	if (m->nseq < 2 || !key_mac(&k, pkt, ICS_GOOSE, m->unit, false))
		return;
	st = stream_get(s, &k, true, pkt->ts_ns);
	if (!st)
		return;
	cctx_stream(&cc, s, st, 0);
	cc.capture = capture;
	cc.frame = frame;
	cc.ts = pkt->ts_ns;
	hi = st->c[0].hi;
	switch (counter_feed(&cc, &st->c[0], stnum, HOW_LEVEL)) {
	case OUT_INIT:
	case OUT_RESTART:
		cctx_stream(&cc, s, st, 1);
		runs_settle(&cc, &st->c[1], true);
		st->c[1].init = false;
		break;
	case OUT_NEXT: {
		uint8_t base;

		if (sq == 0)
			st->sq_base = 0;
		else if (sq == 1 && st->sq_base == 0xff && st->c[0].hi - hi == 1)
			st->sq_base = 1;
		base = st->sq_base == 1 ? 1 : 0;
		cctx_stream(&cc, s, st, 1);
		runs_settle(&cc, &st->c[1], true);
		if (sq - base <= GOOSE_FRESH_CAP) {
			counter_start(&st->c[1], base - 1u, true);	/* as if base - 1 was seen */
			cc.note = NOTE_FRESH;
		} else {
			st->c[1].init = false;
		}
		break;
	}
	case OUT_SAME:
		cctx_stream(&cc, s, st, 1);
		break;
	default:	/* an older state, or a stray */
		return;
	}
	cc.capture = capture;
	cc.frame = frame;
	cc.ts = pkt->ts_ns;
	counter_feed(&cc, &st->c[1], sq, HOW_SEEN);
}

static void check_cip_io(struct seqcheck *s, const struct tp_packet *pkt, const struct ics_msg *m,
		       uint32_t capture, uint64_t frame)
{
	struct stream *st;
	struct key k;

	if (m->nseq < 1 || !m->has_unit || !key_ip(&k, pkt, ICS_CIP_IO, m->unit))
		return;
	st = stream_get(s, &k, true, pkt->ts_ns);
	if (st)
		check_counter(s, st, 0, m->seq[0], HOW_SEEN, capture, frame, pkt->ts_ns);
}

static void check_profinet(struct seqcheck *s, const struct tp_packet *pkt, const struct ics_msg *m,
			 uint32_t capture, uint64_t frame)
{
	struct stream *st;
	struct key k;

	if (m->nseq < 1 || m->kind != ICS_KIND_PUBLISH ||
	    !key_mac(&k, pkt, ICS_PROFINET_RT, m->function, true))
		return;
	st = stream_get(s, &k, true, pkt->ts_ns);
	if (st)
		check_counter(s, st, 0, m->seq[0] & 0xffffu, HOW_SEEN, capture, frame, pkt->ts_ns);
}

/* -------------------------------------------------------------- Modbus */

static void check_modbus(struct seqcheck *s, const struct tp_packet *pkt, const struct ics_msg *m,
		       uint32_t capture, uint64_t frame)
{
	struct table *t = &s->pending;
	struct seqcheck_modbus *mb = &s->stats.modbus;
	bool request = m->kind == ICS_KIND_REQUEST;
	int64_t ts = pkt->ts_ns;
	struct pending *p;
	struct key k;
	uint64_t h;
	uint32_t i;
	int from;

	if ((!request && m->kind != ICS_KIND_RESPONSE) || !m->has_transaction || !m->has_unit ||
	    !key_ip(&k, pkt, ICS_MODBUS, (m->transaction & 0xffffu) << 8 | (m->unit & 0xffu)))
		return;
	/* Canonical order: both directions meet in one key. */
	from = memcmp(k.addr[0], k.addr[1], 16) > 0 ||
	       (!memcmp(k.addr[0], k.addr[1], 16) && k.port[0] > k.port[1]);
	if (from) {
		struct key r;

		key_reverse(&r, &k);
		k = r;
	}
	h = key_hash(&k);
	i = table_find(t, &k, h);
	p = i == NIL ? NULL : (struct pending *)(void *)slot_at(t, i);
	if (!request) {
		mb->responses++;
		if (p && p->h.list == LIST_A) {
			mb->answered++;
			p->resp_ts = ts;
			list_touch(t, LIST_B, i);
		} else if (p && ts - p->resp_ts < DUP_NS) {
			mb->duplicates++;
		} else if (p) {
			p->resp_ts = ts;
			list_touch(t, LIST_B, i);
			modbus_event(s, EV_ICS_UNASKED, &k, (uint8_t)m->function, from, capture,
				     frame, ts, "a second response to one request");
		} else if (ts - s->start_ts < s->timeout) {
			mb->unasked_at_start++;
		} else {
			modbus_event(s, EV_ICS_UNASKED, &k, (uint8_t)m->function, from, capture,
				     frame, ts, "to no request seen");
		}
		return;
	}
	mb->requests++;
	if (p && ts - p->req_ts < DUP_NS && p->function == (uint8_t)m->function &&
	    p->from == from) {
		mb->duplicates++;
		return;
	}
	if (p && p->h.list == LIST_A) {
		char why[80];

		snprintf(why, sizeof why,
			 "a new request with its transaction id came first (frame %" PRIu64 ")", frame);
		unanswered(s, p, why);
	}
	if (!p) {
		if (t->count >= t->max) {
			uint8_t l = t->oldest[LIST_B] != NIL ? LIST_B : LIST_A;

			mb->dropped += l == LIST_A;
			table_del(&s->pending, t->oldest[l]);
		}
		i = table_add(t, &k, h, LIST_A);
		if (i == NIL) {
			s->stats.no_memory++;
			return;
		}
		p = (struct pending *)(void *)slot_at(t, i);
	} else {
		list_touch(t, LIST_A, i);
	}
	p->from = (uint8_t)from;
	p->req_ts = ts;
	p->resp_ts = 0;
	p->frame = frame;
	p->capture = capture;
	p->function = (uint8_t)m->function;
}

void seqcheck_ics(struct seqcheck *s, const struct tp_packet *pkt, const struct ics_msg *m,
		  uint32_t capture, uint64_t frame)
{
	void (*fn)(struct seqcheck *, const struct tp_packet *, const struct ics_msg *, uint32_t,
		   uint64_t);

	switch (m->proto) {
	case ICS_MODBUS: fn = check_modbus; break;
	case ICS_DNP3: fn = check_dnp3; break;
	case ICS_IEC104: fn = check_iec104; break;
	case ICS_GOOSE: fn = check_goose; break;
	case ICS_CIP_IO: fn = check_cip_io; break;
	case ICS_PROFINET_RT: fn = check_profinet; break;
	default: return;
	}
	advance(s, pkt->ts_ns);
	fn(s, pkt, m, capture, frame);
}

/* ----------------------------------------------------------- lifetime */

struct seqcheck *seqcheck_new(const struct seqcheck_opts *opts, event_fn *emit_fn, void *ctx)
{
	struct seqcheck *s = calloc(1, sizeof *s);
	struct seqcheck_opts o = opts ? *opts : (struct seqcheck_opts){ 0 };

	if (!s)
		return NULL;
	s->emit = emit_fn;
	s->ctx = ctx;
	s->timeout = o.response_timeout_ns > 0 ? o.response_timeout_ns : DEFAULT_TIMEOUT;
	table_init(&s->streams, sizeof(struct stream), o.max_streams ? o.max_streams : DEFAULT_STREAMS);
	table_init(&s->sessions, sizeof(struct session),
		   o.max_sessions ? o.max_sessions : DEFAULT_SESSIONS);
	table_init(&s->pending, sizeof(struct pending), o.max_pending ? o.max_pending : DEFAULT_PENDING);
	return s;
}

void seqcheck_finish(struct seqcheck *s)
{
	struct table *t;

	if (s->finished)
		return;
	s->finished = true;
	advance(s, s->now);
	t = &s->pending;
	while (t->oldest[LIST_A] != NIL) {
		s->stats.modbus.pending_at_end++;
		table_del(&s->pending, t->oldest[LIST_A]);
	}
	t = &s->streams;
	for (uint32_t i = t->oldest[LIST_A]; i != NIL; i = slot_at(t, i)->newer)
		stream_settle(s, (struct stream *)(void *)slot_at(t, i));
	t = &s->sessions;
	for (uint32_t i = 0; i < t->top; i++) {
		struct session *se = (struct session *)(void *)slot_at(t, i);
		struct cctx cc = { .s = s, .sp = &specs[SP_GRE], .cnt = &se->pub.c,
				   .total = &s->stats.tunnel, .key = &se->h.key,
				   .ev = EV_TUNNEL_SEQ_GAP };

		runs_settle(&cc, &se->c, true);
		se->pub.expected = se->pub.seen - se->pub.c.duplicates + se->pub.c.missing;
		s->stats.tunnel_expected += se->pub.expected;
	}
}

const struct seqcheck_stats *seqcheck_stats(const struct seqcheck *s)
{
	return &s->stats;
}

size_t seqcheck_sessions(const struct seqcheck *s)
{
	return s->sessions.top;
}

const struct seqcheck_session *seqcheck_session(const struct seqcheck *s, size_t i)
{
	if (i >= s->sessions.top)
		return NULL;
	return &((const struct session *)(const void *)slot_at(&s->sessions, (uint32_t)i))->pub;
}

void seqcheck_free(struct seqcheck *s)
{
	if (!s)
		return;
	table_free(&s->streams);
	table_free(&s->sessions);
	table_free(&s->pending);
	free(s);
}
