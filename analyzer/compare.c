/*
 * compare.c - views aligned packet by packet; see compare.h.
 *
 * The packets of the last window wait in `entries`, one per distinct packet
 * (its fingerprint, the corrected stamp of its first copy, which views hold
 * it and each one's copy), chained by fingerprint and queued in the order
 * they were made.  Once an entry is older than the window it is retired (no
 * copy can match it any more), then settled: that is when it counts as
 * matched, missed or extra for each view, and when its matched pairs go to
 * the clock fit and the delays.  Entries are made in the order of their
 * first copy, which may be another view's; the reference's packets are
 * settled in the reference's own order (a heap on their rank), so runs of
 * missed packets and consecutive pairs are the reference's.  Reordering is
 * judged in each view's own order: a ring of its records' reference ranks,
 * read from the oldest as soon as the ranks are known.
 */
#include "analyzer/compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/clockfit.h"
#include "analyzer/hash.h"
#include "analyzer/quality.h"
#include "analyzer/timing.h"

#define NS_PER_S INT64_C(1000000000)
#define NIL UINT32_MAX
#define RANK_PENDING 0
#define RANK_NONE UINT64_MAX
#define PAYLOAD_KEY 32u		/* payload bytes fingerprinted where no checksum covers them */
#define FRAME_KEY 256u		/* bytes of a non-IP frame fingerprinted after its EtherType:
				 * past GOOSE's names to its counters */

/* A view's copy of a packet. */
struct copy {
	int64_t ts;		/* as the view stamped it */
	uint64_t frame;
	uint64_t seq;		/* its rank in the view's records */
	uint32_t capture;
	bool damaged;
	struct tp_record *saved;	/* kept for on_frame, else NULL */
};

struct entry {
	uint64_t fp, flow;
	int64_t anchor;		/* corrected stamp of the first copy */
	uint64_t have;		/* bit per view holding it */
	uint64_t rank;		/* its place in the reference, from 1 (0: not known yet) */
	uint32_t next;		/* fingerprint chain */
};

/* One second of reference time holding matched pairs: the smallest stamp
 * difference in it. */
struct bin {
	int64_t sec;		/* since the reference's first packet (floor) */
	int64_t t, diff;	/* the reference stamp of that pair, and the difference */
};

/* A matched pair waiting for its delay to be measured. */
struct pair {
	int64_t t, diff;	/* reference stamp; view stamp minus reference stamp */
	bool follows;		/* the reference packet before it was held too */
};

struct view_state {
	struct compare_result r;
	int64_t offset;			/* current clock correction */
	uint64_t seq;			/* records so far */
	uint64_t max_rank;		/* largest reference rank received so far */
	/* The reference rank of each of its records from the oldest not yet
	 * judged for order: RANK_PENDING until its packet is settled,
	 * RANK_NONE for duplicates and extra packets. */
	uint64_t *ranks;
	size_t ranks_cap, ranks_head, ranks_len;
	uint64_t ranks_seq;		/* the record of ranks[ranks_head] */
	bool prev_held;			/* the last retired reference packet was held */
	bool in_burst;
	struct compare_burst burst;
	struct bin *bins;		/* the seconds holding pairs, in order (never more than
					 * the pairs: bogus stamps years apart cost nothing) */
	size_t nbins, bins_cap;
	struct pair *pairs;
	size_t npairs, pairs_cap;
	bool measuring;
	int64_t fitted_to;		/* seconds before it are measured */
	bool have_iat;
	int64_t prev_delay;
	struct quantile delay, iat;
	struct { uint64_t fp; int64_t ts; } *sample;
	size_t nsample;
};

struct compare {
	struct compare_opts o;
	size_t anchor;			/* the clock every other is measured against */
	bool failed;			/* memory ran out somewhere */
	struct view_state *v;
	/* entries: a pool with free list, queued in order of creation */
	struct entry *e;
	struct copy *copies;		/* nviews per entry */
	uint32_t cap, nfree, *free;
	uint32_t *queue, qhead, qlen;
	uint32_t *bucket, nbuckets;
	uint64_t ranks;			/* reference ranks given so far */
	uint64_t next_rank;		/* the next to settle */
	uint32_t *heap, nheap;		/* retired entries waiting for their turn, by rank */
	bool have_base;
	int64_t base;			/* the reference's first packet stamp */
	/* flows (one direction each): open addressing on a 64-bit key, with
	 * the views that carried a packet of it */
	uint64_t *fkey, *fmask;
	size_t fcap, fcount;
	uint64_t ref_frames;
};

/* a - b, or the nearest int64 when that overflows (bogus stamps). */
static int64_t sub_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* x rounded, within int64 (a line fitted to bogus stamps can leave it). */
static int64_t round_i64(double x)
{
	if (!(x > -9.2e18))
		return x != x ? 0 : -INT64_C(9200000000000000000);
	if (x > 9.2e18)
		return INT64_C(9200000000000000000);
	return (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
}

/* ---- fingerprints ---- */

static void put(uint8_t *k, size_t *n, const void *p, size_t len)
{
	memcpy(k + *n, p, len);
	*n += len;
}

/* The innermost transport header as captured, or NULL. */
static const struct tp_layer *transport(const struct tp_packet *p)
{
	for (int i = p->nlayers - 1; i >= 0; i--) {
		uint8_t pr = p->layers[i].proto;

		if (pr == TP_PROTO_TCP || pr == TP_PROTO_UDP || pr == TP_PROTO_ICMP || pr == TP_PROTO_ICMPV6)
			return &p->layers[i];
		if (pr == TP_PROTO_IPV4 || pr == TP_PROTO_IPV6 || pr == TP_PROTO_IPV6_EXT)
			return NULL;
	}
	return NULL;
}

/* Where the innermost frame's payload starts: after its link header and
 * tags (LLC/SNAP, if any, is payload); *llc tells an 802.3 frame. */
static uint32_t link_end(const struct tp_packet *p, bool *llc)
{
	uint32_t end = 0;

	*llc = false;
	for (int i = 0; i < p->nlayers; i++) {
		uint8_t pr = p->layers[i].proto;

		if (pr == TP_PROTO_ETHERNET || pr == TP_PROTO_VLAN || pr == TP_PROTO_SLL || pr == TP_PROTO_SLL2 ||
		    pr == TP_PROTO_NULL)
			end = p->layers[i].offset + p->layers[i].len;
		*llc |= pr == TP_PROTO_LLC;
	}
	return end <= p->len ? end : p->len;
}

static uint64_t fingerprint(const struct tp_packet *p, const struct tp_record *rec, uint64_t *flow)
{
	uint8_t k[16 * 2 + 32 + 64 + FRAME_KEY];
	size_t n = 0;

	if (p->ip_version && !(p->flags & TP_PKT_MALFORMED)) {
		const struct tp_layer *l4 = transport(p);
		bool covered = false;
		uint8_t f[40];
		size_t fn = 0;

		put(k, &n, &p->ip_version, 1);
		put(k, &n, &p->ip_proto, 1);
		put(k, &n, p->src_ip, 16);
		put(k, &n, p->dst_ip, 16);
		put(k, &n, p->ip_version == 4 ? (const void *)&p->ip_id : (const void *)&p->frag_id, 4);
		put(k, &n, &p->frag_offset, 2);
		put(k, &n, &p->more_fragments, 1);
		put(k, &n, &p->payload_wire_len, 4);
		if (l4 && l4->offset + l4->len <= p->len) {
			uint32_t len = l4->len < 60 ? l4->len : 60;

			put(k, &n, p->data + l4->offset, len);
			/* A UDP checksum of zero covers nothing (IPv4 lets it be omitted). */
			covered = !(l4->proto == TP_PROTO_UDP && len >= 8 && p->data[l4->offset + 6] == 0 &&
				    p->data[l4->offset + 7] == 0);
		}
		if (!covered && p->payload) {
			uint32_t len = p->payload_len < PAYLOAD_KEY ? p->payload_len : PAYLOAD_KEY;

			put(k, &n, p->payload, len);
		}
		/* The flow, one direction of it: a mirror may carry one only. */
		put(f, &fn, &p->ip_proto, 1);
		put(f, &fn, p->src_ip, 16);
		put(f, &fn, p->dst_ip, 16);
		put(f, &fn, &p->sport, 2);
		put(f, &fn, &p->dport, 2);
		*flow = hash_key(f, fn) | 1u;	/* 0 stands for none */
		return hash_key(k, n);
	}
	if (p->has_mac && p->nlayers) {
		bool llc;
		uint32_t end = link_end(p, &llc), len = p->len - end, wire = p->wire_len > end ? p->wire_len - end : 0;
		uint16_t type = llc ? 0 : p->ethertype;	/* 802.3: a length, no type */
		uint8_t f[14];
		size_t fn = 0;

		put(k, &n, &type, 2);
		put(k, &n, &wire, 4);
		put(k, &n, p->data + end, len < FRAME_KEY ? len : FRAME_KEY);
		put(f, &fn, p->src_mac, 6);
		put(f, &fn, p->dst_mac, 6);
		put(f, &fn, &type, 2);
		*flow = hash_key(f, fn) | 1u;
		return hash_key(k, n);
	}
	/* Not decoded that far: the record's bytes. */
	*flow = 0;
	return hash_key(rec->data, rec->caplen) ^ rec->origlen;
}

/* ---- flows ---- */

static bool flows_grow(struct compare *c)
{
	size_t cap = c->fcap ? c->fcap * 2 : 1024;
	uint64_t *key = calloc(cap, sizeof *key), *mask = calloc(cap, sizeof *mask);

	if (!key || !mask) {
		free(key);
		free(mask);
		return false;
	}
	for (size_t i = 0; i < c->fcap; i++) {
		size_t j;

		if (!c->fmask[i])
			continue;
		for (j = c->fkey[i] & (cap - 1); mask[j]; j = (j + 1) & (cap - 1))
			;
		key[j] = c->fkey[i];
		mask[j] = c->fmask[i];
	}
	free(c->fkey);
	free(c->fmask);
	c->fkey = key;
	c->fmask = mask;
	c->fcap = cap;
	return true;
}

/* The slot of flow key (made when add), or SIZE_MAX. */
static size_t flow_slot(struct compare *c, uint64_t key, bool add)
{
	size_t j;

	if (add && (c->fcount + 1) * 2 > c->fcap && !flows_grow(c)) {
		c->failed = true;
		return SIZE_MAX;
	}
	if (!c->fcap)
		return SIZE_MAX;
	for (j = key & (c->fcap - 1); c->fmask[j]; j = (j + 1) & (c->fcap - 1))
		if (c->fkey[j] == key)
			return j;
	if (!add)
		return SIZE_MAX;
	c->fkey[j] = key;
	c->fcount++;
	return j;
}

/* ---- entries ---- */

static bool entries_grow(struct compare *c)
{
	uint32_t cap = c->cap ? c->cap * 2 : 4096, nv = (uint32_t)c->o.nviews;
	struct entry *e = realloc(c->e, cap * sizeof *e);
	struct copy *cp;
	uint32_t *fr, *q, *b;

	if (!e)
		return false;
	c->e = e;
	if (!(cp = realloc(c->copies, (size_t)cap * nv * sizeof *cp)))
		return false;
	c->copies = cp;
	if (!(fr = realloc(c->free, cap * sizeof *fr)))
		return false;
	c->free = fr;
	if (!(fr = realloc(c->heap, cap * sizeof *fr)))
		return false;
	c->heap = fr;
	if (!(q = malloc(cap * sizeof *q)) || !(b = malloc(2 * (size_t)cap * sizeof *b))) {
		free(q);
		return false;
	}
	for (uint32_t i = 0; i < c->qlen; i++)
		q[i] = c->queue[(c->qhead + i) % c->cap];
	free(c->queue);
	c->queue = q;
	c->qhead = 0;
	for (uint32_t i = cap; i-- > c->cap;)
		c->free[c->nfree++] = i;
	free(c->bucket);
	c->bucket = b;
	c->nbuckets = 2 * cap;
	memset(b, 0xff, c->nbuckets * sizeof *b);
	for (uint32_t i = 0; i < c->qlen; i++) {
		uint32_t x = q[i], h = (uint32_t)(c->e[x].fp & (c->nbuckets - 1));

		c->e[x].next = b[h];
		b[h] = x;
	}
	c->cap = cap;
	return true;
}

static struct copy *copy_of(const struct compare *c, uint32_t x, size_t v)
{
	return &c->copies[(size_t)x * c->o.nviews + v];
}

static void unlink_entry(struct compare *c, uint32_t x)
{
	uint32_t *p = &c->bucket[c->e[x].fp & (c->nbuckets - 1)];

	while (*p != x)
		p = &c->e[*p].next;
	*p = c->e[x].next;
}

static struct tp_record *save_record(const struct tp_record *rec)
{
	struct tp_record *s = malloc(sizeof *s + rec->caplen);

	if (!s)
		return NULL;
	*s = *rec;
	memcpy(s + 1, rec->data, rec->caplen);
	s->data = (const uint8_t *)(s + 1);
	s->comment = NULL;
	s->comment_len = 0;
	return s;
}

/* ---- per view ---- */

/* Room for one more element in a growing array of n; false (and the
 * comparison marked incomplete) when memory runs out. */
static bool room(struct compare *c, void **array, size_t *cap, size_t n, size_t size)
{
	size_t want = *cap ? *cap * 2 : 256;
	void *p;

	if (n < *cap)
		return true;
	if (!(p = realloc(*array, want * size))) {
		c->failed = true;
		return false;
	}
	*array = p;
	*cap = want;
	return true;
}

static int64_t second_of(const struct compare *c, int64_t t)
{
	int64_t d = sub_sat(t, c->base);

	return d >= 0 ? d / NS_PER_S : -((-d - 1) / NS_PER_S) - 1;
}

/* The first bin of second sec or later. */
static size_t bin_from(const struct view_state *vs, int64_t sec)
{
	size_t lo = 0, hi = vs->nbins;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vs->bins[mid].sec < sec)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Keeps the smallest difference of each second. */
static void bin_add(struct compare *c, struct view_state *vs, int64_t sec, int64_t t, int64_t diff)
{
	size_t i;

	if (vs->nbins && vs->bins[vs->nbins - 1].sec >= sec) {
		i = bin_from(vs, sec);
		if (i < vs->nbins && vs->bins[i].sec == sec && diff < vs->bins[i].diff)
			vs->bins[i] = (struct bin){ sec, t, diff };
		return;	/* a late pair of a second never seen: left out of the fit */
	}
	if (vs->nbins)
		vs->offset = vs->bins[vs->nbins - 1].diff;	/* a second complete: follow the clock */
	if (!room(c, (void **)&vs->bins, &vs->bins_cap, vs->nbins, sizeof *vs->bins))
		return;
	vs->bins[vs->nbins++] = (struct bin){ sec, t, diff };
}

/* The clock line over the seconds [from, to) that hold a pair. */
static bool fit_bins(const struct compare *c, const struct view_state *vs, int64_t from, int64_t to,
		     struct clock_line *line)
{
	size_t i = bin_from(vs, from), j = bin_from(vs, to), n = 0;
	struct clock_point *pts;
	bool ok;

	if (i >= j || !(pts = malloc((j - i) * sizeof *pts)))
		return false;
	for (; i < j; i++)
		pts[n++] = (struct clock_point){ vs->bins[i].t, vs->bins[i].diff };
	ok = clockfit_lower_robust(pts, n, c->base, line, NULL);
	free(pts);
	return ok;
}

/* Measures the delays of the pairs before second `upto`, against the line
 * fitted over their neighbourhood. */
static void measure(struct compare *c, struct view_state *vs, int64_t upto)
{
	int64_t lo = vs->fitted_to - COMPARE_SEGMENT_S;
	int64_t hi = upto < INT64_MAX - COMPARE_SEGMENT_S ? upto + COMPARE_SEGMENT_S : INT64_MAX;
	struct clock_line line;
	size_t kept = 0;
	bool have = fit_bins(c, vs, lo, hi, &line);

	for (size_t i = 0; i < vs->npairs; i++) {
		struct pair *p = &vs->pairs[i];
		int64_t d;

		if (second_of(c, p->t) >= upto) {
			vs->pairs[kept++] = *p;
			continue;
		}
		/* Below the envelope: within rounding, or faster than a reference
		 * that is no TAP (bursts it queued are left out of the fit). */
		d = have ? sub_sat(p->diff, round_i64(clock_line_at(&line, p->t))) : 0;
		quantile_add(&vs->delay, d > 0 ? (uint64_t)d : 0);
		if (p->follows && vs->have_iat)
			quantile_add(&vs->iat, d > vs->prev_delay ? (uint64_t)d - (uint64_t)vs->prev_delay
							    : (uint64_t)vs->prev_delay - (uint64_t)d);
		vs->have_iat = true;
		vs->prev_delay = d;
	}
	vs->npairs = kept;
	vs->fitted_to = upto;
}

/* A matched pair, as its entry retires (in reference order, near enough). */
static void add_pair(struct compare *c, struct view_state *vs, int64_t t_ref, int64_t ts_view, bool follows)
{
	int64_t diff = sub_sat(ts_view, t_ref), sec = second_of(c, t_ref);

	bin_add(c, vs, sec, t_ref, diff);
	if (!vs->measuring) {
		vs->measuring = true;
		vs->fitted_to = sec;
	}
	if (!room(c, (void **)&vs->pairs, &vs->pairs_cap, vs->npairs, sizeof *vs->pairs))
		return;
	vs->pairs[vs->npairs++] = (struct pair){ t_ref, diff, follows };
	/* Measure what has neighbours on both sides: up to a segment ago. */
	if (sec >= vs->fitted_to + 2 * COMPARE_SEGMENT_S)
		measure(c, vs, sec - COMPARE_SEGMENT_S);
}

static void flush_burst(struct compare *c, struct view_state *vs)
{
	if (!vs->in_burst)
		return;
	vs->in_burst = false;
	vs->r.missed_bursts++;
	if (c->o.on_burst)
		c->o.on_burst(c->o.ctx, &vs->burst);
}

/* A reference packet of a flow view carried by then, missed. */
static void lost(struct compare *c, size_t v, size_t src, const struct copy *cp)
{
	struct view_state *vs = &c->v[v];
	struct compare_burst *b = &vs->burst;

	vs->r.missed_in_seen_flows++;
	if (vs->in_burst && b->source_view == src && b->capture == cp->capture) {
		b->last_frame = cp->frame;
		b->last_ts = cp->ts;
		b->packets++;
		return;
	}
	flush_burst(c, vs);
	vs->in_burst = true;
	*b = (struct compare_burst){ v, src, cp->capture, cp->frame, cp->frame, cp->ts, cp->ts, 1 };
}

/* Records the reference rank of view v's record seq (RANK_NONE: it has
 * none), then judges the records whose ranks are all known, in the view's
 * order: one is late if the reference holds it before one received earlier. */
static void rank_known(struct compare *c, size_t v, uint64_t seq, uint64_t rank)
{
	struct view_state *vs = &c->v[v];
	size_t i;

	if (seq < vs->ranks_seq || seq - vs->ranks_seq >= vs->ranks_len)
		return;
	i = (vs->ranks_head + (size_t)(seq - vs->ranks_seq)) % vs->ranks_cap;
	vs->ranks[i] = rank;
	while (vs->ranks_len && vs->ranks[vs->ranks_head] != RANK_PENDING) {
		uint64_t r = vs->ranks[vs->ranks_head];

		if (r != RANK_NONE && r < vs->max_rank)
			vs->r.reordered++;
		else if (r != RANK_NONE)
			vs->max_rank = r;
		vs->ranks_head = (vs->ranks_head + 1) % vs->ranks_cap;
		vs->ranks_len--;
		vs->ranks_seq++;
	}
}

/* A new record of view v (its seq is the next one): its rank slot. */
static void rank_slot(struct compare *c, size_t v)
{
	struct view_state *vs = &c->v[v];

	if (vs->ranks_len == vs->ranks_cap) {
		size_t cap = vs->ranks_cap ? vs->ranks_cap * 2 : 1024;
		uint64_t *r = malloc(cap * sizeof *r);

		if (!r) {
			c->failed = true;
			vs->ranks_seq++;	/* this record goes unjudged */
			return;
		}
		for (size_t i = 0; i < vs->ranks_len; i++)
			r[i] = vs->ranks[(vs->ranks_head + i) % vs->ranks_cap];
		free(vs->ranks);
		vs->ranks = r;
		vs->ranks_cap = cap;
		vs->ranks_head = 0;
	}
	vs->ranks[(vs->ranks_head + vs->ranks_len++) % vs->ranks_cap] = RANK_PENDING;
}

/* An entry's figures, once it has left the window: in the reference's
 * order for the packets the reference holds. */
static void settle(struct compare *c, uint32_t x)
{
	struct entry *e = &c->e[x];
	size_t nv = c->o.nviews, ref = c->o.reference, src = 0;
	bool in_ref = e->rank != 0, damaged = false;
	size_t slot = SIZE_MAX;

	for (size_t v = 0; v < nv; v++)
		if (e->have >> v & 1u)
			damaged |= copy_of(c, x, v)->damaged;
	if (ref != COMPARE_UNION)
		src = ref;
	else
		while (!(e->have >> src & 1u))
			src++;
	if (in_ref)
		c->ref_frames++;
	for (size_t v = 0; v < nv; v++) {
		struct view_state *vs = &c->v[v];
		struct copy *cp = copy_of(c, x, v);
		bool held = e->have >> v & 1u;

		if (v == ref)
			continue;
		if (!in_ref) {
			if (held) {
				vs->r.extra++;
				rank_known(c, v, cp->seq, RANK_NONE);
				if (c->o.on_frame && cp->saved)
					c->o.on_frame(c->o.ctx, v, false, cp->saved);
			}
			continue;
		}
		if (!held) {
			vs->r.missed++;
			vs->r.damaged_dropped += damaged;
			vs->prev_held = false;
			if (damaged)
				continue;	/* a switch drops those by design: not loss */
			if (slot == SIZE_MAX && e->flow)
				slot = flow_slot(c, e->flow, false);
			if (slot != SIZE_MAX && !(c->fmask[slot] >> v & 1u))
				continue;	/* a flow it has not carried: outside its scope */
			lost(c, v, src, copy_of(c, x, src));
			if (c->o.on_frame && copy_of(c, x, src)->saved)
				c->o.on_frame(c->o.ctx, v, true, copy_of(c, x, src)->saved);
			continue;
		}
		flush_burst(c, vs);
		vs->r.matched++;
		if (v != c->anchor && (e->have >> c->anchor & 1u))
			add_pair(c, vs, copy_of(c, x, c->anchor)->ts, cp->ts, vs->prev_held);
		vs->prev_held = true;
	}
	for (size_t v = 0; v < nv; v++) {
		free(copy_of(c, x, v)->saved);
		copy_of(c, x, v)->saved = NULL;
	}
	c->free[c->nfree++] = x;
}

static void heap_push(struct compare *c, uint32_t x)
{
	uint32_t i = c->nheap++;

	while (i && c->e[c->heap[(i - 1) / 2]].rank > c->e[x].rank) {
		c->heap[i] = c->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	c->heap[i] = x;
}

static uint32_t heap_pop(struct compare *c)
{
	uint32_t top = c->heap[0], last = c->heap[--c->nheap], i = 0;

	for (;;) {
		uint32_t k = 2 * i + 1;

		if (k >= c->nheap)
			break;
		if (k + 1 < c->nheap && c->e[c->heap[k + 1]].rank < c->e[c->heap[k]].rank)
			k++;
		if (c->e[c->heap[k]].rank >= c->e[last].rank)
			break;
		c->heap[i] = c->heap[k];
		i = k;
	}
	if (c->nheap)
		c->heap[i] = last;
	return top;
}

/* The oldest entry leaves the window: no copy can match it any more.  The
 * reference's packets are settled in its order (entries are made in the
 * order of their first copy, which may be another view's); the others at
 * once. */
static void retire(struct compare *c)
{
	uint32_t x = c->queue[c->qhead];

	c->qhead = (c->qhead + 1) % c->cap;
	c->qlen--;
	unlink_entry(c, x);
	if (!c->e[x].rank) {
		settle(c, x);
		return;
	}
	heap_push(c, x);
	while (c->nheap && c->e[c->heap[0]].rank <= c->next_rank + 1) {
		c->next_rank = c->e[c->heap[0]].rank;
		settle(c, heap_pop(c));
	}
}

/* ---- interface ---- */

struct compare *compare_new(const struct compare_opts *o)
{
	struct compare *c;

	if (o->nviews < 2 || o->nviews > COMPARE_MAX_VIEWS ||
	    (o->reference != COMPARE_UNION && o->reference >= o->nviews) || !(c = calloc(1, sizeof *c)))
		return NULL;
	c->o = *o;
	if (c->o.window_ns <= 0)
		c->o.window_ns = COMPARE_WINDOW_NS;
	c->anchor = o->reference == COMPARE_UNION ? 0 : o->reference;
	if (!(c->v = calloc(o->nviews, sizeof *c->v)) || !entries_grow(c) || !flows_grow(c)) {
		compare_free(c);
		return NULL;
	}
	for (size_t v = 0; v < o->nviews; v++) {
		quantile_init(&c->v[v].delay);
		quantile_init(&c->v[v].iat);
		c->v[v].ranks_seq = 1;	/* records count from 1 */
	}
	return c;
}

bool compare_sample(struct compare *c, size_t view, const struct tp_record *rec, const struct tp_packet *pkt)
{
	struct view_state *vs = &c->v[view];
	uint64_t flow;

	if (vs->nsample >= COMPARE_SAMPLE)
		return false;
	if (!vs->sample && !(vs->sample = malloc(COMPARE_SAMPLE * sizeof *vs->sample))) {
		c->failed = true;
		return false;
	}
	vs->sample[vs->nsample].fp = fingerprint(pkt, rec, &flow);
	vs->sample[vs->nsample++].ts = rec->ts_ns;
	return vs->nsample < COMPARE_SAMPLE;
}

static int cmp_sample(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_point(const void *a, const void *b)
{
	const struct clock_point *x = a, *y = b;

	return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

void compare_start(struct compare *c)
{
	struct view_state *a = &c->v[c->anchor];
	struct clock_point *pts = malloc(COMPARE_SAMPLE * sizeof *pts);

	if (a->sample)
		qsort(a->sample, a->nsample, sizeof *a->sample, cmp_sample);
	for (size_t v = 0; pts && a->sample && v < c->o.nviews; v++) {
		struct view_state *vs = &c->v[v];
		struct clock_line line;
		size_t n = 0;

		if (v == c->anchor || !vs->sample)
			continue;
		for (size_t i = 0; i < vs->nsample; i++) {
			size_t lo = 0, hi = a->nsample;

			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (a->sample[mid].fp < vs->sample[i].fp)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < a->nsample && a->sample[lo].fp == vs->sample[i].fp)
				pts[n++] = (struct clock_point){ a->sample[lo].ts, sub_sat(vs->sample[i].ts, a->sample[lo].ts) };
		}
		/* The clock under the delays at the first shared packet: a median
		 * would carry the queueing of the sample into every stamp. */
		qsort(pts, n, sizeof *pts, cmp_point);
		if (n && clockfit_lower_robust(pts, n, pts[0].t_ns, &line, NULL))
			vs->offset = round_i64(line.offset_ns);
	}
	for (size_t v = 0; v < c->o.nviews; v++) {
		free(c->v[v].sample);
		c->v[v].sample = NULL;
	}
	free(pts);
}

int64_t compare_corrected(const struct compare *c, size_t view, int64_t ts_ns)
{
	return sub_sat(ts_ns, c->v[view].offset);
}

void compare_packet(struct compare *c, size_t view, uint32_t capture, const struct tp_record *rec,
		    const struct tp_packet *pkt)
{
	struct view_state *vs = &c->v[view];
	int64_t t = compare_corrected(c, view, rec->ts_ns), w = c->o.window_ns;
	int64_t from = sub_sat(t, w), to = sub_sat(t, -w), old = sub_sat(from, w / 2);
	uint64_t flow = 0, fp = fingerprint(pkt, rec, &flow), bit = UINT64_C(1) << view;
	bool damaged = frame_damaged(rec, pkt), dup = false;
	uint32_t x, found = NIL;
	size_t slot;
	struct copy *cp;

	vs->r.frames++;
	vs->seq++;
	vs->r.damaged_passed += damaged;
	if (view == c->anchor && !c->have_base) {
		c->have_base = true;
		c->base = rec->ts_ns;
	}
	/* Older than the window, with slack for stamps that step back. */
	while (c->qlen && (c->e[c->queue[c->qhead]].anchor < old || c->qlen >= COMPARE_MAX_HELD))
		retire(c);
	if (flow && (slot = flow_slot(c, flow, true)) != SIZE_MAX)
		c->fmask[slot] |= bit;
	for (x = c->bucket[fp & (c->nbuckets - 1)]; x != NIL; x = c->e[x].next) {
		struct entry *e = &c->e[x];

		if (e->fp != fp || e->anchor < from || e->anchor > to)
			continue;
		if (!(e->have & bit)) {
			if (found == NIL || e->anchor < c->e[found].anchor)
				found = x;
		} else {
			dup = true;
		}
	}
	if (view != c->o.reference)
		rank_slot(c, view);
	if (found == NIL && dup) {
		vs->r.duplicates++;
		rank_known(c, view, vs->seq, RANK_NONE);
		return;
	}
	if (found == NIL) {
		if (!c->nfree && !entries_grow(c)) {
			c->failed = true;
			return;
		}
		found = c->free[--c->nfree];
		c->e[found] = (struct entry){ fp, flow, t, 0, 0, c->bucket[fp & (c->nbuckets - 1)] };
		memset(copy_of(c, found, 0), 0, c->o.nviews * sizeof *cp);
		c->bucket[fp & (c->nbuckets - 1)] = found;
		c->queue[(c->qhead + c->qlen++) % c->cap] = found;
		if (c->o.reference == COMPARE_UNION)
			c->e[found].rank = ++c->ranks;
	}
	cp = copy_of(c, found, view);
	*cp = (struct copy){ rec->ts_ns, rec->frame, vs->seq, capture, damaged, NULL };
	if (c->o.on_frame && !(cp->saved = save_record(rec)))
		c->failed = true;
	c->e[found].have |= bit;
	if (view == c->o.reference) {
		c->e[found].rank = ++c->ranks;
		for (size_t v = 0; v < c->o.nviews; v++)
			if (v != view && (c->e[found].have >> v & 1u))
				rank_known(c, v, copy_of(c, found, v)->seq, c->ranks);
	} else if (c->e[found].rank) {
		rank_known(c, view, vs->seq, c->e[found].rank);
	}
}

bool compare_finish(struct compare *c)
{
	size_t nv = c->o.nviews, ref = c->o.reference;
	uint64_t ref_mask = 0;

	while (c->qlen)
		retire(c);
	while (c->nheap)	/* ranks whose packet never left the window: none, but be sure */
		settle(c, heap_pop(c));
	for (size_t v = 0; v < nv; v++)
		ref_mask |= (ref == COMPARE_UNION || v == ref) ? UINT64_C(1) << v : 0;
	for (size_t v = 0; v < nv; v++) {
		struct view_state *vs = &c->v[v];
		struct compare_result *r = &vs->r;
		struct clock_line line;

		flush_burst(c, vs);
		measure(c, vs, INT64_MAX);
		r->ref_frames = c->ref_frames;
		if (v == ref) {
			r->matched = c->ref_frames;
			r->clock_known = true;
		} else if (v == c->anchor) {
			r->clock_known = true;	/* the union's clock */
		} else if (fit_bins(c, vs, INT64_MIN, INT64_MAX, &line)) {
			r->clock_known = true;
			r->offset_ns = round_i64(line.offset_ns);
			r->drift_ppm = line.slope * 1e6;
		}
		r->delay_p50_ns = quantile_get(&vs->delay, 50);
		r->delay_p95_ns = quantile_get(&vs->delay, 95);
		r->delay_p99_ns = quantile_get(&vs->delay, 99);
		r->delay_max_ns = quantile_get(&vs->delay, 100);
		r->iat_p50_ns = quantile_get(&vs->iat, 50);
		r->iat_p99_ns = quantile_get(&vs->iat, 99);
		r->iat_max_ns = quantile_get(&vs->iat, 100);
		for (size_t s = 0; s < c->fcap; s++) {
			bool seen = c->fmask[s] >> v & 1u, in_ref = c->fmask[s] & ref_mask;

			r->flows_ref += in_ref;
			r->flows_seen += seen;
			r->flows_missed += in_ref && !seen;
		}
	}
	return !c->failed;
}

struct compare_result *compare_result(struct compare *c, size_t view)
{
	return &c->v[view].r;
}

const struct quantile *compare_distribution(const struct compare *c, size_t view, bool iat)
{
	return iat ? &c->v[view].iat : &c->v[view].delay;
}

/* ---- ranking and verdicts ---- */

/* Share of the traffic a view carries that it lost. */
static double loss_share(const struct compare_result *r)
{
	uint64_t carried = r->matched + r->missed_in_seen_flows;

	return carried ? (double)r->missed_in_seen_flows / (double)carried : 0;
}

static double coverage(const struct compare_result *r)
{
	return r->ref_frames ? (double)r->matched / (double)r->ref_frames : 0;
}

/* Negative when x is the more faithful view. */
static int cmp_views(const struct compare_result *x, const struct compare_result *y)
{
	double lx = loss_share(x), ly = loss_share(y), cx = coverage(x), cy = coverage(y);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	if (cx != cy)
		return cx > cy ? -1 : 1;
	if (x->damaged_passed != y->damaged_passed)
		return x->damaged_passed > y->damaged_passed ? -1 : 1;
	return x->iat_p99_ns < y->iat_p99_ns ? -1 : x->iat_p99_ns > y->iat_p99_ns;
}

#define SAY(...) (n += (size_t)snprintf(b + n, n < len ? len - n : 0, __VA_ARGS__), n = n < len ? n : len)

static void verdict(const struct compare_result *r, const char *label, char *b, size_t len)
{
	size_t n = 0;
	char x[32], y[32];

	SAY("%s: holds %llu of %llu reference packets (%.1f%%)", label, (unsigned long long)r->matched,
	    (unsigned long long)r->ref_frames, 100 * coverage(r));
	if (r->missed_in_seen_flows)
		SAY("; lost %.2f%% of the traffic it carries (%llu packets) in %llu burst%s", 100 * loss_share(r),
		    (unsigned long long)r->missed_in_seen_flows, (unsigned long long)r->missed_bursts,
		    r->missed_bursts == 1 ? "" : "s");
	else
		SAY("; lost nothing of the traffic it carries");
	if (r->flows_missed)
		SAY("; %llu of %llu flows not carried at all (outside its scope)", (unsigned long long)r->flows_missed,
		    (unsigned long long)r->flows_ref);
	if (r->extra)
		SAY("; %llu packets the reference lacks", (unsigned long long)r->extra);
	if (r->duplicates)
		SAY("; %llu duplicates (%.1f%% of its frames)", (unsigned long long)r->duplicates,
		    r->frames ? 100.0 * (double)r->duplicates / (double)r->frames : 0);
	if (r->damaged_passed)
		SAY("; kept %llu damaged frames", (unsigned long long)r->damaged_passed);
	if (r->damaged_dropped)
		SAY("; dropped %llu damaged frames", (unsigned long long)r->damaged_dropped);
	if (r->reordered)
		SAY("; %llu packets reordered", (unsigned long long)r->reordered);
	if (r->clock_known && (r->offset_ns || r->drift_ppm != 0)) {
		duration_words(x, sizeof x, (double)r->offset_ns);
		SAY("; clock %s%s, %+.3f ppm", r->offset_ns >= 0 ? "+" : "", x, r->drift_ppm);
	}
	if (r->delay_max_ns) {
		duration_words(x, sizeof x, (double)r->delay_p99_ns);
		duration_words(y, sizeof y, (double)r->iat_p99_ns);
		SAY("; delay p99 %s above its fastest copy, gaps between packets off by %s (p99)", x, y);
	}
	if (r->assets_missed)
		SAY("; misses %llu of %llu assets", (unsigned long long)r->assets_missed,
		    (unsigned long long)r->assets_ref);
}

void compare_rank(struct compare *c, const char *const *labels)
{
	size_t nv = c->o.nviews, order[COMPARE_MAX_VIEWS], n = 0;
	size_t ref = c->o.reference;
	char *b;
	size_t len;

	for (size_t v = 0; v < nv; v++) {
		size_t i = n++;

		while (i && cmp_views(&c->v[v].r, &c->v[order[i - 1]].r) < 0) {
			order[i] = order[i - 1];
			i--;
		}
		order[i] = v;
	}
	for (size_t i = 0; i < n; i++) {
		struct compare_result *r = &c->v[order[i]].r;

		r->rank = (unsigned)i + 1;
		if (order[i] != ref)
			verdict(r, labels[order[i]], r->verdict, sizeof r->verdict);
	}
	if (ref == COMPARE_UNION)
		return;
	b = c->v[ref].r.verdict;
	len = sizeof c->v[ref].r.verdict;
	n = 0;
	SAY("%s: the reference", labels[ref]);
	if (c->v[ref].r.damaged_passed)
		SAY(" (it kept %llu damaged frames)", (unsigned long long)c->v[ref].r.damaged_passed);
	SAY("; ranking:");
	for (size_t i = 0; i < nv; i++)
		SAY(" %zu. %s", i + 1, labels[order[i]]);
	for (size_t i = 0; i < nv; i++) {
		const struct compare_result *r = &c->v[order[i]].r;

		if (order[i] == ref)
			continue;
		SAY("; recommended besides it: %s (%s)", labels[order[i]],
		    r->missed_in_seen_flows ? "the least loss on what it carries" : "no loss on what it carries");
		break;
	}
}

void compare_free(struct compare *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; c->queue && i < c->qlen; i++)
		for (size_t v = 0; v < c->o.nviews; v++)
			free(copy_of(c, c->queue[(c->qhead + i) % c->cap], v)->saved);
	for (size_t v = 0; c->v && v < c->o.nviews; v++) {
		free(c->v[v].bins);
		free(c->v[v].pairs);
		free(c->v[v].sample);
		free(c->v[v].ranks);
	}
	free(c->v);
	free(c->e);
	free(c->copies);
	free(c->free);
	free(c->heap);
	free(c->queue);
	free(c->bucket);
	free(c->fkey);
	free(c->fmask);
	free(c);
}
