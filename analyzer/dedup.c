/*
 * dedup.c - duplicates within a time window; see dedup.h.
 *
 * Fingerprints.  Each packet gets up to three 64-bit hashes:
 *   whole   the frame as captured (FCS excluded) and its original length;
 *   frame   the innermost frame (what the innermost tunnel carries, or the
 *           frame itself): its MAC addresses and what follows its VLAN
 *           tags, up to the end of its IP packet (padding and trailers
 *           left out; for non-IP frames trailing zero bytes are left out,
 *           as padding grows when a tag is taken off a short frame).  A
 *           Linux cooked or BSD loopback header is left out too: it names
 *           the capturing interface, not the packet;
 *   packet  the innermost IP packet without its TTL / hop limit and IPv4
 *           header checksum (RFC 791 3.1, RFC 8200 3: what a router
 *           changes), up to its end.
 * The IP packet's bytes after its first 12 (IPv4) or 8 (IPv6) bytes are
 * hashed once and that hash enters all three, so a frame is read once.
 * Hashes are built from 8-byte words, each step x -> (rotl(x) ^ w) * K a
 * bijection of x for a given word, so two byte strings of one length that
 * differ in a single word never collide; every range ends with its length,
 * so the segmentation is part of the hash.  A packet is a duplicate of the
 * nearest remembered packet within the window with an equal fingerprint,
 * tried in the order whole, frame, packet; the kind follows from which one
 * matched and from the two packets' tunnels, tags, TTLs and MACs.
 *
 * Memory.  The remembered packets sit in a ring in arrival order, indexed
 * by a 64-bit id that only grows (slot = id & mask), linked newest first
 * in one chained hash table by their most general fingerprint only (the
 * IP packet's, else the frame's: every duplicate shares it), the others
 * compared along the chain.  Forgetting
 * the oldest packet is moving the tail id: a chain ends at the first id
 * below the tail, so nothing is unlinked and the tables never need a
 * sweep.  Links keep the id's low 32 bits, read back as the latest id
 * with those bits: fewer than 2^32 packets are ever remembered, so a live
 * id reads back right; a link older than that may read back as some live
 * packet of another chain, which can only be taken for a match if its
 * fingerprint is equal (so it belongs in this chain anyway): a missed
 * match at worst, never a false one.  Packets are forgotten once older
 * than the newest time seen minus two windows (one window of slack for
 * timestamps that step back), or when the ring is full at DEDUP_MAX_HELD;
 * it grows (doubling) while the packets of the window do not fit.  Walks
 * along a chain stop after DEDUP_MAX_WALK links whatever the input.
 * Times from a capture are hostile: differences are taken without signed
 * overflow.
 */
#include "analyzer/dedup.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/cursor.h"

#define DEDUP_MIN_HELD 1024u	/* first ring size (a power of two) */
#define DEDUP_MAX_WALK 64	/* links followed per lookup */

enum fp { FP_WHOLE, FP_FRAME, FP_PACKET, FP_COUNT };

/* Entry flags. */
#define E_TUNNEL	0x01u	/* carried by a tunnel */
#define E_IP		0x02u	/* has the packet fingerprint */
#define E_GRE_SEQ	0x04u	/* gre_seq is set */
#define E_ETH		0x08u	/* the innermost frame has MAC addresses */
#define E_COOKED	0x10u	/* a Linux cooked or loopback header was left out */

struct entry {
	int64_t ts_ns;
	uint64_t frame;
	uint64_t h[FP_COUNT];
	uint32_t next;			/* the next older id in the same bucket (low bits) */
	uint32_t capture;
	uint32_t tags;			/* hash of the innermost frame's VLAN tags */
	uint32_t macs;			/* hash of its MAC addresses */
	uint32_t gre_seq;
	uint16_t vid[2];		/* its first two VLAN ids, for the detail */
	uint8_t ntags;
	uint8_t ttl;
	uint8_t flags;			/* E_* */
};

struct dedup {
	int64_t window_ns;
	event_fn *ev;
	void *ctx;
	struct entry *ring;
	uint32_t *heads;		/* nbuckets ids (low bits): chain heads */
	uint32_t cap;			/* ring slots, a power of two */
	uint32_t nbuckets;		/* per table: 2 x cap */
	uint64_t next_id;		/* the next packet's id (ids start at 1) */
	uint64_t tail_id;		/* the oldest id remembered */
	bool have_ts;
	int64_t newest_ns;		/* the latest time seen */
	struct dedup_result r;
	uint64_t listed[DUP_KIND_COUNT];
	uint64_t unlisted[DUP_KIND_COUNT];
	struct event first_unlisted[DUP_KIND_COUNT];
	bool finished;
};

/* ------------------------------------------------------------- hashing */

#define HASH_K UINT64_C(0x9e3779b97f4a7c15)	/* 2^64 / golden ratio, odd */
#define SEED_BODY UINT64_C(0x243f6a8885a308d3)	/* digits of pi: any constants do */
#define SEED_WHOLE UINT64_C(0x13198a2e03707344)
#define SEED_FRAME UINT64_C(0xa4093822299f31d0)
#define SEED_PACKET UINT64_C(0x082efa98ec4e6c89)
#define SEED_TAGS UINT64_C(0x452821e638d01377)

static inline uint64_t step(uint64_t x, uint64_t w)
{
	return ((x << 23 | x >> 41) ^ w) * HASH_K;
}

/* MurmurHash3's finaliser: every input bit reaches every output bit, so
 * the low bits index the tables. */
static inline uint64_t fmix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ x >> 33;
}

/* n bytes at p, which the caller has bounds-checked (inside the frame).
 * Long ranges run four independent lanes, folded in at the end. */
static uint64_t hash_range(uint64_t x, const uint8_t *p, uint32_t n)
{
	uint32_t i = 0;

	if (n >= 64) {
		uint64_t l1 = x ^ 1, l2 = x ^ 2, l3 = x ^ 3;

		for (; n - i >= 32; i += 32) {
			x = step(x, tp_load_le64(p + i));
			l1 = step(l1, tp_load_le64(p + i + 8));
			l2 = step(l2, tp_load_le64(p + i + 16));
			l3 = step(l3, tp_load_le64(p + i + 24));
		}
		x = step(step(step(x, l1), l2), l3);
	}
	for (; n - i >= 8; i += 8)
		x = step(x, tp_load_le64(p + i));
	if (i < n) {
		unsigned rest = n - i;
		uint64_t w = 0;

		/* The last 8 bytes, shifted to keep the rest; or byte by byte
		 * (fewer than 8 in all). */
		if (n >= 8)
			w = tp_load_le64(p + n - 8) >> (64 - 8 * rest);
		else
			for (unsigned k = 0; k < rest; k++)
				w |= (uint64_t)p[i + k] << (8 * k);
		x = step(x, w);
	}
	return step(x, n);
}

/* ---------------------------------------------------------- the frame */

/* Where the parts of a packet are (offsets into pkt->data), with
 * s <= t <= b0 <= end <= len. */
struct shape {
	uint32_t s;		/* the innermost frame's start */
	uint32_t t;		/* after its MAC addresses and VLAN tags (its EtherType) */
	uint32_t b0, end;	/* the body hashed once: the IP packet past its
				 * first 12 (IPv4) / 8 (IPv6) bytes, or the rest of
				 * a non-IP frame; [end, len) is padding or trailer */
	uint32_t ip;		/* the innermost IP header (has_ip) */
	bool eth, has_ip, v4;
	bool cooked;		/* a Linux cooked / loopback header before s */
	uint8_t ntags;
	uint16_t vid[2];
};

static bool is_tunnel_layer(uint8_t p)
{
	return p == TP_PROTO_GRE || p == TP_PROTO_ERSPAN || p == TP_PROTO_VXLAN ||
	       p == TP_PROTO_GENEVE || p == TP_PROTO_MPLS;
}

static bool is_ip_layer(uint8_t p)
{
	return p == TP_PROTO_IPV4 || p == TP_PROTO_IPV6;
}

/* The first layer of the innermost frame: past the last tunnel header
 * (IP in IP: the inner IP header), or past a Linux cooked / loopback
 * header; its offset in *s. */
static unsigned inner_start(const struct tp_packet *pkt, unsigned n, uint32_t *s, bool cooked)
{
	const struct tp_layer *l = pkt->layers;
	unsigned first = 0;
	bool prev_ip = false;

	*s = 0;
	if (pkt->encap != TP_ENCAP_NONE) {
		for (unsigned i = 0; i < n; i++) {
			if (is_tunnel_layer(l[i].proto)) {
				first = i + 1;
				*s = l[i].offset + l[i].len;
				prev_ip = false;
			} else if (is_ip_layer(l[i].proto)) {
				if (prev_ip) {
					first = i;
					*s = l[i].offset;
				}
				prev_ip = true;
			} else if (l[i].proto != TP_PROTO_IPV6_EXT) {
				prev_ip = false;
			}
		}
	} else if (cooked) {
		first = 1;
		*s = l[0].offset + l[0].len;
	}
	if (first < n)
		*s = l[first].offset;
	return first;
}

static void shape_of(const struct tp_packet *pkt, struct shape *sh)
{
	const struct tp_layer *l = pkt->layers;
	const uint8_t *p = pkt->data;
	uint32_t len = pkt->len;
	unsigned n = pkt->nlayers < TP_MAX_LAYERS ? pkt->nlayers : TP_MAX_LAYERS;
	unsigned first, ip_i = n;

	sh->cooked = pkt->encap == TP_ENCAP_NONE && n &&
		     (l[0].proto == TP_PROTO_SLL || l[0].proto == TP_PROTO_SLL2 || l[0].proto == TP_PROTO_NULL);
	first = inner_start(pkt, n, &sh->s, sh->cooked);

	if (sh->s > len)
		sh->s = len;
	sh->t = sh->s;
	sh->ntags = 0;
	sh->vid[0] = sh->vid[1] = 0;
	sh->eth = first < n && l[first].proto == TP_PROTO_ETHERNET && l[first].offset == sh->s &&
		  len - sh->s >= 14;
	if (sh->eth) {
		sh->t = sh->s + 12;
		/* decode.c records each tag from its TCI: the type after it
		 * is 2 bytes on, and within the frame. */
		for (unsigned i = first + 1; i < n && l[i].proto == TP_PROTO_VLAN; i++) {
			if (sh->ntags < 2)
				sh->vid[sh->ntags] = tp_load_be16(p + l[i].offset) & 0x0fff;
			if (sh->ntags < UINT8_MAX)
				sh->ntags++;
			sh->t = l[i].offset + 2;
		}
	}
	if (pkt->ip_version)
		for (unsigned i = n; i-- > first;)
			if (is_ip_layer(l[i].proto)) {
				if (l[i].offset == pkt->ip_offset && l[i].offset >= sh->t)
					ip_i = i;
				break;
			}
	sh->has_ip = ip_i < n;
	if (sh->has_ip) {
		uint32_t ip = l[ip_i].offset, total;

		sh->v4 = l[ip_i].proto == TP_PROTO_IPV4;
		sh->ip = ip;
		/* A recorded header is whole: 20 or 40 bytes at least. */
		sh->b0 = ip + (sh->v4 ? 12 : 8);
		total = sh->v4 ? tp_load_be16(p + ip + 2) : tp_load_be16(p + ip + 4);
		/* IPv4 total 0 (segmentation offload) and an IPv6 jumbogram
		 * say nothing: the packet runs to the end of the frame. */
		if (total == 0)
			sh->end = len;
		else
			sh->end = len - ip < total + (sh->v4 ? 0u : 40u) ? len : ip + total + (sh->v4 ? 0u : 40u);
	} else {
		sh->b0 = sh->eth ? sh->t : sh->s;
		sh->end = len;
		/* Bounded by the frame: each pass takes a byte off. */
		while (sh->end > sh->b0 && p[sh->end - 1] == 0)
			sh->end--;
	}
	if (sh->end < sh->b0)
		sh->end = sh->b0;
}

/* The fingerprints of a packet and what its entry keeps besides, into
 * f (every field but ts_ns, frame, capture and next). */
static void fingerprint(const struct tp_packet *pkt, struct entry *f)
{
	const uint8_t *p = pkt->data;
	struct shape sh;
	uint64_t body, x;
	uint8_t flags = 0;

	shape_of(pkt, &sh);
	body = hash_range(SEED_BODY, p + sh.b0, sh.end - sh.b0);

	x = hash_range(SEED_WHOLE, p, sh.b0);
	x = hash_range(step(x, body), p + sh.end, pkt->len - sh.end);
	f->h[FP_WHOLE] = fmix(step(x, pkt->wire_len));

	f->tags = f->macs = 0;
	if (sh.eth) {
		x = hash_range(SEED_FRAME, p + sh.s, 12);
		x = hash_range(x, p + sh.t, sh.b0 - sh.t);
		/* Only compared for equality: a plain multiply will do. */
		f->macs = (uint32_t)((tp_load_le64(p + sh.s) ^ (uint64_t)tp_load_le32(p + sh.s + 8) << 17) *
				     HASH_K >> 32);
		if (sh.ntags)
			f->tags = (uint32_t)hash_range(SEED_TAGS, p + sh.s + 12, sh.t - sh.s - 12);
		flags |= E_ETH;
	} else {
		x = hash_range(SEED_FRAME, p + sh.s, sh.b0 - sh.s);
	}
	f->h[FP_FRAME] = fmix(step(x, body));

	f->h[FP_PACKET] = 0;
	f->ttl = 0;
	if (sh.has_ip) {
		/* IPv4: version..fragment offset, protocol (TTL at 8, checksum
		 * at 10-11 left out); IPv6: all but the hop limit at 7. */
		x = hash_range(SEED_PACKET, p + sh.ip, sh.v4 ? 8 : 7);
		if (sh.v4)
			x = step(x, p[sh.ip + 9]);
		f->h[FP_PACKET] = fmix(step(x, body));
		flags |= E_IP;
		f->ttl = pkt->ttl;
	}
	if (pkt->encap != TP_ENCAP_NONE)
		flags |= E_TUNNEL;
	if (sh.cooked)
		flags |= E_COOKED;
	f->gre_seq = 0;
	if (pkt->gre_has_seq) {
		flags |= E_GRE_SEQ;
		f->gre_seq = pkt->gre_seq;
	}
	f->flags = flags;
	f->ntags = sh.ntags;
	f->vid[0] = sh.vid[0];
	f->vid[1] = sh.vid[1];
}

/* ------------------------------------------------------------- memory */

static struct entry *slot(const struct dedup *d, uint64_t id)
{
	return &d->ring[id & (d->cap - 1)];
}

/* The latest id whose low 32 bits are low (see the top comment). */
static uint64_t full_id(const struct dedup *d, uint32_t low)
{
	return d->next_id - (uint32_t)((uint32_t)d->next_id - low);
}

/* The most general fingerprint a packet has: its IP packet's, else its
 * frame's.  Equal bytes make equal frames and equal frames equal packets,
 * so every duplicate of a packet shares it: entries are linked by it only,
 * and the more specific fingerprints are compared along its chain. */
static enum fp general(const struct entry *e)
{
	return (e->flags & E_IP) ? FP_PACKET : FP_FRAME;
}

static void link_entry(struct dedup *d, uint64_t id)
{
	struct entry *e = slot(d, id);
	enum fp k = general(e);
	uint32_t *hd = &d->heads[e->h[k] & (d->nbuckets - 1)];

	e->next = *hd;
	*hd = (uint32_t)id;
}

/* Doubles the ring and the tables; false (and nothing changed) when out
 * of memory. */
static bool grow(struct dedup *d)
{
	uint32_t cap = d->cap * 2, nb = cap * 2;
	struct entry *ring = calloc(cap, sizeof *ring);
	uint32_t *heads = calloc(nb, sizeof *heads);

	if (!ring || !heads) {
		free(ring);
		free(heads);
		return false;
	}
	for (uint64_t id = d->tail_id; id < d->next_id; id++)
		ring[id & (cap - 1)] = *slot(d, id);
	free(d->ring);
	free(d->heads);
	d->ring = ring;
	d->heads = heads;
	d->cap = cap;
	d->nbuckets = nb;
	/* Oldest first, so each chain is rebuilt newest first. */
	for (uint64_t id = d->tail_id; id < d->next_id; id++)
		link_entry(d, id);
	return true;
}

/* Forgets what the window (and its slack for steps back) no longer
 * reaches, and makes room for one more: returns the slot of the id
 * next_id, which is not linked yet. */
static struct entry *make_room(struct dedup *d, int64_t ts_ns)
{
	int64_t horizon;

	if (!d->have_ts || ts_ns > d->newest_ns)
		d->newest_ns = ts_ns;
	d->have_ts = true;
	horizon = d->newest_ns < INT64_MIN + 2 * d->window_ns ? INT64_MIN : d->newest_ns - 2 * d->window_ns;
	while (d->tail_id < d->next_id && slot(d, d->tail_id)->ts_ns < horizon)
		d->tail_id++;
	if (d->next_id - d->tail_id >= d->cap && (d->cap >= DEDUP_MAX_HELD || !grow(d))) {
		d->tail_id++;
		d->r.window_cut++;
	}
	return slot(d, d->next_id);
}

/* Makes the entry of next_id, filled in, a remembered packet. */
static void remember(struct dedup *d, int64_t ts_ns, uint32_t capture, uint64_t frame)
{
	struct entry *e = slot(d, d->next_id);

	e->ts_ns = ts_ns;
	e->frame = frame;
	e->capture = capture;
	link_entry(d, d->next_id++);
	if (d->next_id - d->tail_id > d->r.max_held)
		d->r.max_held = (size_t)(d->next_id - d->tail_id);
}

/* |a - b| <= w, for any a and b. */
static bool within(int64_t a, int64_t b, int64_t w)
{
	uint64_t dt = a >= b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;

	return dt <= (uint64_t)w;
}

/* The nearest remembered packet within the window that f duplicates, by
 * its most specific fingerprint that matches (whole, frame, packet), in
 * *matched; NULL when none does. */
static const struct entry *lookup(const struct dedup *d, const struct entry *f, int64_t ts_ns,
				  enum fp *matched)
{
	enum fp k = general(f);
	uint64_t h = f->h[k];
	uint64_t id = full_id(d, d->heads[h & (d->nbuckets - 1)]);
	const struct entry *by_frame = NULL, *by_packet = NULL;

	for (int walk = 0; walk < DEDUP_MAX_WALK && id >= d->tail_id && id < d->next_id; walk++) {
		const struct entry *e = slot(d, id);

		if (e->h[k] == h && general(e) == k && within(ts_ns, e->ts_ns, d->window_ns)) {
			if (e->h[FP_WHOLE] == f->h[FP_WHOLE]) {
				*matched = FP_WHOLE;
				return e;
			}
			if (!by_frame && e->h[FP_FRAME] == f->h[FP_FRAME])
				by_frame = e;
			if (!by_packet)
				by_packet = e;
		}
		/* Links go to older ids; one that does not is stale. */
		if (full_id(d, e->next) >= id)
			break;
		id = full_id(d, e->next);
	}
	*matched = by_frame ? FP_FRAME : FP_PACKET;
	return by_frame ? by_frame : by_packet;
}

/* --------------------------------------------------------------- kinds */

/* The same link header (MACs and tags, or none): two frames whose IP
 * packets match but for the TTL and checksum, with the same TTL, differ
 * in the IPv4 header checksum alone (one captured before the NIC filled
 * it in: checksum offload). */
static bool same_link(const struct entry *f, const struct entry *e)
{
	if ((f->flags ^ e->flags) & E_ETH)
		return false;
	return !(e->flags & E_ETH) || (f->macs == e->macs && f->tags == e->tags && f->ntags == e->ntags);
}

/* Two tunnel packets numbered apart carry two copies the mirror made (RX
 * and TX of two mirrored ports): double mirroring, not the tunnel sending
 * one packet again (which keeps its sequence number). */
static bool mirrored_twice(const struct entry *f, const struct entry *e)
{
	return (f->flags & e->flags & E_TUNNEL) && (f->flags & e->flags & E_GRE_SEQ) &&
	       f->gre_seq != e->gre_seq;
}

static enum dup_kind classify(const struct entry *f, const struct entry *e, enum fp matched)
{
	bool tunnel = (f->flags | e->flags) & E_TUNNEL;

	switch (matched) {
	case FP_WHOLE:
		return DUP_IDENTICAL;
	case FP_FRAME:
		if (tunnel && !mirrored_twice(f, e))
			return DUP_TUNNEL;
		return f->tags == e->tags && f->ntags == e->ntags ? DUP_IDENTICAL : DUP_VLAN;
	default:
		if (f->ttl != e->ttl)
			return DUP_ROUTED;
		/* The same TTL: no router between the two sightings. */
		if (tunnel)
			return DUP_TUNNEL;
		return ((f->flags | e->flags) & E_COOKED) || same_link(f, e) ? DUP_IDENTICAL : DUP_ROUTED;
	}
}

static void tags_text(char *out, size_t n, const struct entry *e)
{
	if (e->ntags == 0)
		snprintf(out, n, "none");
	else if (e->ntags == 1)
		snprintf(out, n, "%u", (unsigned)e->vid[0]);
	else
		snprintf(out, n, "%u.%u%s", (unsigned)e->vid[0], (unsigned)e->vid[1], e->ntags > 2 ? "..." : "");
}

/* "2.000 us later", "1.500 us earlier" (a step back). */
static void delay_text(char *out, size_t n, int64_t dt)
{
	uint64_t a = dt < 0 ? (uint64_t)0 - (uint64_t)dt : (uint64_t)dt;

	snprintf(out, n, "%" PRIu64 ".%03u us %s", a / 1000, (unsigned)(a % 1000), dt < 0 ? "earlier" : "later");
}

static void detail(char *out, size_t n, const struct entry *f, const struct entry *e, enum dup_kind kind,
		   enum fp matched, uint32_t capture, int64_t dt)
{
	char where[48], when[36], a[24], b[24];

	if (e->capture == capture)
		snprintf(where, sizeof where, "frame %" PRIu64, e->frame);
	else
		snprintf(where, sizeof where, "frame %" PRIu64 " of input %" PRIu32, e->frame, e->capture);
	delay_text(when, sizeof when, dt);
	switch (kind) {
	case DUP_IDENTICAL:
		if (matched == FP_WHOLE)
			snprintf(out, n, "same bytes as %s, %s", where, when);
		else if (mirrored_twice(f, e))
			snprintf(out, n, "same frame as %s, a second copy the mirror sent through its "
				 "tunnel (GRE sequence %" PRIu32 " here, %" PRIu32 " there), %s", where,
				 f->gre_seq, e->gre_seq, when);
		else if ((f->flags | e->flags) & E_COOKED)
			snprintf(out, n, "same packet as %s under another capture link header "
				 "(Linux cooked or loopback), %s", where, when);
		else if (matched == FP_PACKET)
			snprintf(out, n, "same frame as %s but for the IPv4 header checksum "
				 "(checksum offload), %s", where, when);
		else
			snprintf(out, n, "same frame as %s but for the bytes after its packet "
				 "(padding or trailer), %s", where, when);
		break;
	case DUP_VLAN:
		tags_text(a, sizeof a, f);
		tags_text(b, sizeof b, e);
		snprintf(out, n, "same frame as %s but for its VLAN tags (%s here, %s there), %s", where, a, b,
			 when);
		break;
	case DUP_ROUTED:
		if (f->ttl != e->ttl)
			snprintf(out, n, "same IP packet as %s but for the TTL (%u here, %u there)%s, %s: "
				 "before and after a router", where, (unsigned)f->ttl, (unsigned)e->ttl,
				 (f->flags & e->flags & E_ETH) && f->macs != e->macs ? " and MAC addresses" : "",
				 when);
		else
			snprintf(out, n, "same IP packet as %s, same TTL %u, with other MAC addresses or VLAN "
				 "tags, %s", where, (unsigned)e->ttl, when);
		break;
	default:
		if (f->flags & e->flags & E_GRE_SEQ)
			snprintf(out, n, "same inner %s as %s in another tunnel packet (GRE sequence %" PRIu32
				 " here, %" PRIu32 " there), %s", matched == FP_FRAME ? "frame" : "packet", where,
				 f->gre_seq, e->gre_seq, when);
		else
			snprintf(out, n, "same inner %s as %s with other outer headers, %s",
				 matched == FP_FRAME ? "frame" : "packet", where, when);
		break;
	}
}

static void report(struct dedup *d, const struct entry *f, const struct entry *e, enum dup_kind kind,
		   enum fp matched, uint32_t capture, uint64_t frame, int64_t ts_ns)
{
	if (!d->ev)
		return;

	struct event ev = { .kind = EV_DUPLICATE, .capture = capture, .frame = frame, .ts_ns = ts_ns, .count = 1 };

	if (d->listed[kind] >= DEDUP_MAX_EVENTS) {
		if (d->unlisted[kind]++ == 0)
			d->first_unlisted[kind] = ev;
		return;
	}
	d->listed[kind]++;
	detail(ev.detail, sizeof ev.detail, f, e, kind, matched, capture, ts_ns - e->ts_ns);
	d->ev(d->ctx, &ev);
}

/* ----------------------------------------------------------------- API */

struct dedup *dedup_new(int64_t window_ns, event_fn *ev, void *ctx)
{
	struct dedup *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->window_ns = window_ns > 0 ? window_ns : DEDUP_WINDOW_NS;
	/* Two windows must stay representable (newest - 2 x window). */
	if (d->window_ns > INT64_MAX / 4)
		d->window_ns = INT64_MAX / 4;
	d->ev = ev;
	d->ctx = ctx;
	d->cap = DEDUP_MIN_HELD;
	d->nbuckets = 2 * DEDUP_MIN_HELD;
	d->ring = calloc(d->cap, sizeof *d->ring);
	d->heads = calloc(d->nbuckets, sizeof *d->heads);
	d->next_id = d->tail_id = 1;
	if (!d->ring || !d->heads) {
		dedup_free(d);
		return NULL;
	}
	return d;
}

enum dup_kind dedup_check(struct dedup *d, const struct tp_packet *pkt, uint32_t capture,
			  uint64_t frame, uint32_t *first_capture, uint64_t *first_frame)
{
	struct entry *f;
	const struct entry *e = NULL;
	enum fp matched = FP_WHOLE;
	enum dup_kind kind = DUP_NONE;

	d->r.packets++;
	if (pkt->flags & TP_PKT_FCS_BAD) {
		d->r.bad_fcs++;
		d->r.dups[DUP_NONE]++;
		return DUP_NONE;
	}
	/* The new packet's entry, filled in before it is linked: it cannot
	 * be found by its own lookups. */
	f = make_room(d, pkt->ts_ns);
	fingerprint(pkt, f);
	e = lookup(d, f, pkt->ts_ns, &matched);
	if (e) {
		kind = classify(f, e, matched);
		if (first_capture)
			*first_capture = e->capture;
		if (first_frame)
			*first_frame = e->frame;
		d->r.duplicates++;
		report(d, f, e, kind, matched, capture, frame, pkt->ts_ns);
	}
	d->r.dups[kind]++;
	remember(d, pkt->ts_ns, capture, frame);
	return kind;
}

const struct dedup_result *dedup_finish(struct dedup *d)
{
	if (d->finished)
		return &d->r;
	d->finished = true;
	for (int k = DUP_NONE + 1; k < DUP_KIND_COUNT && d->ev; k++) {
		struct event ev = d->first_unlisted[k];

		if (!d->unlisted[k])
			continue;
		ev.count = d->unlisted[k];
		snprintf(ev.detail, sizeof ev.detail, "%" PRIu64 " more %s duplicates from here on, "
			 "not listed one by one", d->unlisted[k], dup_kind_name((enum dup_kind)k));
		d->ev(d->ctx, &ev);
	}
	return &d->r;
}

size_t dedup_held(const struct dedup *d)
{
	return (size_t)(d->next_id - d->tail_id);
}

const char *dup_kind_name(enum dup_kind k)
{
	static const char *const names[DUP_KIND_COUNT] = {
		[DUP_NONE] = "", [DUP_IDENTICAL] = "identical", [DUP_VLAN] = "vlan",
		[DUP_ROUTED] = "routed", [DUP_TUNNEL] = "tunnel",
	};

	return (unsigned)k < DUP_KIND_COUNT ? names[k] : "";
}

void dedup_free(struct dedup *d)
{
	if (!d)
		return;
	free(d->ring);
	free(d->heads);
	free(d);
}
