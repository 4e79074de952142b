/*
 * flow.c - the flow table of one view.
 *
 * Storage.  Flows live in nodes carved from fixed-size slabs and recycled
 * through a free list, so a packet allocates nothing unless it starts a
 * flow, and a new flow costs a pointer pop.  Nodes are found through a
 * chained hash table whose bucket array doubles (load factor 1) up to the
 * power of two above max_flows.  The hash (as Suricata's FlowGetHash, over
 * the canonical key) is seeded with a fixed constant: output must be
 * byte-identical from run to run, and it does not depend on the hash anyway
 * (see Emission).  A node is 536 bytes on x86-64 (struct flow 416).  When
 * the table empties (after a flush) the slabs go back to the allocator, so
 * memory follows the peak of active flows since the table was last empty.
 *
 * Keys.  IP flows are keyed on the innermost IP header: version, protocol,
 * and the two (address, port) endpoints in canonical order, smaller first
 * (the address in network byte order, then the port), so both directions of a
 * conversation meet in one flow.  Only TCP and UDP have ports; ICMP and
 * every other protocol key with ports 0 (ICMP ids and types are not part of
 * the key: all ICMP between two hosts is one flow).  IP fragments other than
 * the first carry no transport header and are keyed with ports 0 too, so
 * they form a flow of their own beside the one of their first fragment (no
 * reassembly; a fragmented TCP segment is counted, not sequence-analysed).  VLAN ids are not part of the key: the same addresses in two
 * VLANs are one flow, whose vlans list shows both.  Frames without an IP
 * header but with a MAC header (GOOSE, PROFINET RT, ARP, LLDP...) are keyed
 * on the MAC pair, in canonical order, and the EtherType.
 *
 * Expiry (the model is softflowd's EXPIRY tree, made cheaper): each flow sits
 * in one of four intrusive doubly-linked lists, TCP, closed TCP, UDP and
 * other, and moves to the tail of its list on every packet, so every list is
 * ordered by last activity and its head is the next flow to expire.  "Now"
 * is the largest timestamp seen so far: merged captures may step back in
 * time, and a step back must neither expire anything nor reorder a list.  A
 * flow idle for longer than its list's timeout (last activity + timeout <
 * now; by default TCP 300 s, closed TCP 5 s, UDP 60 s, other 60 s) is
 * evicted before the packet is looked up, so a packet after the timeout
 * starts a new flow.  Each list keeps its head's deadline, so the
 * per-packet check reads no cold memory.  When max_flows are active, a new
 * flow first evicts the least recently active one of all lists.
 *
 * Emission.  Evicted flows go to the callback at once, in order of deadline
 * (then creation id) when several expire at one packet; flow_table_flush()
 * hands out the rest by first packet time, then creation id.  Both orders
 * depend only on the packets, never on addresses or the hash.
 *
 * Originator.  Evidence has a rank and the strongest seen so far decides:
 * 3, the sender of a SYN without ACK; 2, the receiver of a SYN+ACK (and the
 * sender of an ICMP/ICMPv6 echo request, the receiver of an echo reply);
 * 1, for TCP and UDP, the client of a server port (below 1024 or in
 * server_ports[]) when only one of the two ports is one; 0, the sender of
 * the first packet.  When the originator is not the first packet's sender,
 * the history holds '^' (Zeek's "direction flipped" mark); a later flip
 * re-cases the letters already recorded so upper case stays the originator.
 *
 * TCP.  History letters follow Zeek's conn.log (update_history in Zeek's
 * TCP analyzer): per packet, SYN+FIN+RST bits > 1 give 'I' (FIN and RST)
 * or 'Q'; one bit gives 'S' (SYN), 'H' (SYN+ACK), 'F' or 'R'; none gives
 * 'D' with payload, else 'A' with ACK.  Further 'C' bad checksum, 'T'
 * retransmission with payload, 'G' gap, 'W' zero window, '^' flipped.  Each
 * letter is recorded once per direction (Zeek repeats some; we do not).
 * Other IP flows get 'D' (payload) and 'C' only; layer-2 flows none.  A
 * SYN without ACK whose sequence number differs from that side's ISN starts
 * a new flow after emitting the old one (port reuse, as Wireshark does).
 * See tcp_sequence() for the exact definitions of gaps, retransmissions,
 * out-of-order segments and zero windows.
 */
#include "analyzer/flow.h"

#include <stdlib.h>
#include <string.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

#define NS_PER_S INT64_C(1000000000)
#define DEFAULT_TCP_TIMEOUT (300 * NS_PER_S)
#define DEFAULT_UDP_TIMEOUT (60 * NS_PER_S)
#define DEFAULT_OTHER_TIMEOUT (60 * NS_PER_S)
/* Both FINs or a RST were seen: wait only for the last ACK and stray
 * retransmissions, so a new connection on the same ports starts afresh. */
#define DEFAULT_TCP_CLOSED_TIMEOUT (5 * NS_PER_S)
#define DEFAULT_MAX_FLOWS ((size_t)4 << 20)

#define HOLES 4			/* gaps remembered per side, to be filled late */
#define SLAB_NODES 256		/* nodes per slab: ~120 KB */
#define MIN_BUCKETS 64
#define HASH_SEED UINT64_C(0x7461707369676874)	/* "tapsight": fixed, for determinism */

enum flow_class { CLASS_TCP, CLASS_TCP_CLOSED, CLASS_UDP, CLASS_OTHER, CLASS_COUNT };

/* Originator evidence, weakest first. */
enum { RANK_FIRST, RANK_PORT, RANK_SYNACK, RANK_SYN };

/* Sequence numbers [lo, hi) of a gap that later segments may still fill. */
struct hole {
	uint32_t lo, hi;
};

/* What a lookup reads (hash, chain, key) shares the first cache line. */
struct flow_node {
	uint32_t hash;
	uint8_t cls;			/* enum flow_class: the list it is in */
	uint8_t orig_rank;
	uint8_t first_sender;		/* side that sent the first packet */
	uint8_t hist_len;		/* strlen(f.history) */
	struct flow_node *hnext;	/* hash chain; free list when unused */
	struct flow f;			/* the callback gets &node->f */
	struct flow_node *prev, *next;	/* expiry list */
	int64_t touch;			/* "now" at its last packet: the list order */
	uint32_t hist_seen[2];		/* history letters recorded, per side: bit letter-'A' */
	uint8_t nholes[2];
	struct hole holes[2][HOLES];	/* per side, oldest first */
};

struct expiry_list {
	struct flow_node *head, *tail;
	int64_t timeout;
	int64_t deadline;		/* head's touch + timeout; INT64_MAX when empty */
};

struct flow_table {
	flow_emit_fn *emit;
	void *ctx;
	size_t max_flows;
	struct expiry_list lists[CLASS_COUNT];
	struct flow_node **buckets;
	size_t nbuckets, max_buckets;	/* powers of two */
	struct flow_node *free_nodes;
	struct flow_node **slabs;
	size_t nslabs, slabs_cap;
	size_t active;
	uint64_t emitted, next_id;
	int64_t now;
	bool started;
};

/* ------------------------------------------------------------------ */
/* Sequence numbers: RFC 793 arithmetic modulo 2^32. */

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* ------------------------------------------------------------------ */
/* Keys and hashing. */

/* Server ports at or above 1024, ICS and common IT ones: sorted, for the
 * binary search below. */
static const uint16_t server_ports[] = {
	1089, 1090, 1091,	/* Foundation Fieldbus HSE */
	1433,			/* MS SQL */
	1521,			/* Oracle */
	1883,			/* MQTT */
	1911,			/* Niagara Fox */
	1962,			/* PC WORX */
	2222,			/* EtherNet/IP implicit I/O */
	2404,			/* IEC 60870-5-104 */
	2455,			/* CODESYS */
	3306,			/* MySQL */
	3389,			/* RDP */
	4000,			/* Emerson ROC */
	4840, 4843,		/* OPC UA, OPC UA over TLS */
	4911,			/* Niagara Fox TLS */
	5006, 5007,		/* MELSEC */
	5094,			/* HART-IP */
	5432,			/* PostgreSQL */
	5683,			/* CoAP */
	5900,			/* VNC */
	8080, 8443,		/* HTTP alternates */
	8883,			/* MQTT over TLS */
	9600,			/* OMRON FINS */
	18245, 18246,		/* GE SRTP */
	20000,			/* DNP3 */
	20547,			/* ProConOS */
	34962, 34963, 34964,	/* PROFINET */
	44818,			/* EtherNet/IP */
	47808,			/* BACnet/IP */
	48898,			/* Beckhoff ADS */
	55000, 55001, 55002, 55003,	/* FL-net */
};

static bool is_server_port(uint16_t port)
{
	size_t lo = 0, hi = sizeof server_ports / sizeof *server_ports;

	if (port > 0 && port < 1024)
		return true;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (server_ports[mid] == port)
			return true;
		if (server_ports[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool non_first_fragment(const struct tp_packet *p)
{
	return (p->flags & TP_PKT_FRAGMENT) && p->frag_offset > 0;
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17;
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = load64(p);
	const uint16_t one = 1;
	uint8_t little;

	memcpy(&little, &one, 1);
	return little ? __builtin_bswap64(v) : v;
}

/* memcmp's order on 4- or 16-byte addresses, without a call per packet. */
static int addr_cmp(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x = len == 4 ? be64(a) >> 32 : be64(a), y = len == 4 ? be64(b) >> 32 : be64(b);

	if (x == y && len == 16) {
		x = be64(a + 8);
		y = be64(b + 8);
	}
	return (x > y) - (x < y);
}

/* Bytes of the key compared and hashed for every flow; L2 flows add mac. */
#define KEY_CORE offsetof(struct flow_key, mac)

/*
 * Fills key (zeroed first, so padding compares equal) and *side, the
 * canonical index of the packet's sender.  False if nothing to key on.
 */
static bool make_key(const struct tp_packet *p, struct flow_key *key, int *side)
{
	memset(key, 0, sizeof *key);
	if (p->ip_version == 4 || p->ip_version == 6) {
		size_t alen = p->ip_version == 4 ? 4 : 16;
		uint16_t sp = 0, dp = 0;
		int cmp, s;

		if (has_ports(p->ip_proto) && !non_first_fragment(p)) {
			sp = p->sport;
			dp = p->dport;
		}
		cmp = addr_cmp(p->src_ip, p->dst_ip, alen);
		s = cmp > 0 || (cmp == 0 && sp > dp);
		key->kind = FLOW_IP;
		key->ip_version = p->ip_version;
		key->proto = p->ip_proto;
		if (alen == 4) {
			memcpy(key->addr[s], p->src_ip, 4);
			memcpy(key->addr[!s], p->dst_ip, 4);
		} else {
			memcpy(key->addr[s], p->src_ip, 16);
			memcpy(key->addr[!s], p->dst_ip, 16);
		}
		key->port[s] = sp;
		key->port[!s] = dp;
		*side = s;
		return true;
	}
	if (p->has_mac) {
		int s = memcmp(p->src_mac, p->dst_mac, 6) > 0;

		key->kind = FLOW_L2;
		key->ethertype = p->ethertype;
		memcpy(key->mac[s], p->src_mac, 6);
		memcpy(key->mac[!s], p->dst_mac, 6);
		*side = s;
		return true;
	}
	return false;
}

static uint64_t rotl64(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

/*
 * The key's words, each multiplied by its own odd constant and rotated by its
 * own amount (independent multiplies: they run in parallel), then Murmur3's
 * finaliser, so every bit of the key reaches the low bits that choose the
 * bucket.  IPv4 keys hash their 4-byte addresses only.
 */
static uint32_t key_hash(const struct flow_key *k)
{
	uint64_t tail = (uint64_t)k->port[0] | (uint64_t)k->port[1] << 16 |
			(uint64_t)k->proto << 32 | (uint64_t)k->ip_version << 40 |
			(uint64_t)k->kind << 48;
	uint64_t h = HASH_SEED ^ tail * UINT64_C(0x9e3779b97f4a7c15);

	if (k->kind == FLOW_L2) {
		uint64_t m0 = 0, m1 = 0;

		memcpy(&m0, k->mac[0], 6);
		memcpy(&m1, k->mac[1], 6);
		h ^= rotl64((m0 | (uint64_t)k->ethertype << 48) * UINT64_C(0xc2b2ae3d27d4eb4f), 23);
		h ^= rotl64(m1 * UINT64_C(0x165667b19e3779f9), 41);
	} else if (k->ip_version == 4) {
		uint32_t a0, a1;

		memcpy(&a0, k->addr[0], 4);
		memcpy(&a1, k->addr[1], 4);
		h ^= rotl64(((uint64_t)a0 | (uint64_t)a1 << 32) * UINT64_C(0xc2b2ae3d27d4eb4f), 23);
	} else {
		h ^= rotl64(load64(k->addr[0]) * UINT64_C(0xc2b2ae3d27d4eb4f), 23);
		h ^= rotl64(load64(k->addr[0] + 8) * UINT64_C(0x165667b19e3779f9), 41);
		h ^= rotl64(load64(k->addr[1]) * UINT64_C(0xd6e8feb86659fd93), 13);
		h ^= rotl64(load64(k->addr[1] + 8) * UINT64_C(0xff51afd7ed558ccd), 53);
	}
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (uint32_t)h;
}

static bool key_equal(const struct flow_key *a, const struct flow_key *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	uint64_t diff = 0;
	size_t i;

	for (i = 0; i + 8 <= KEY_CORE; i += 8)
		diff |= load64(x + i) ^ load64(y + i);
	for (; i < KEY_CORE; i++)
		diff |= (uint64_t)(x[i] ^ y[i]);
	if (diff)
		return false;
	return a->kind != FLOW_L2 || memcmp(a->mac, b->mac, sizeof a->mac) == 0;
}

/* ------------------------------------------------------------------ */
/* Nodes: slabs and a free list. */

static bool slab_grow(struct flow_table *t)
{
	struct flow_node *slab;

	if (t->nslabs == t->slabs_cap) {
		size_t cap = t->slabs_cap ? t->slabs_cap * 2 : 16;
		struct flow_node **s = realloc(t->slabs, cap * sizeof *s);

		if (!s)
			return false;
		t->slabs = s;
		t->slabs_cap = cap;
	}
	slab = malloc(SLAB_NODES * sizeof *slab);
	if (!slab)
		return false;
	t->slabs[t->nslabs++] = slab;
	for (size_t i = SLAB_NODES; i-- > 0;) {
		slab[i].hnext = t->free_nodes;
		t->free_nodes = &slab[i];
	}
	return true;
}

static struct flow_node *node_alloc(struct flow_table *t)
{
	struct flow_node *n;

	if (!t->free_nodes && !slab_grow(t))
		return NULL;
	n = t->free_nodes;
	t->free_nodes = n->hnext;
	return n;
}

static void node_free(struct flow_table *t, struct flow_node *n)
{
	n->hnext = t->free_nodes;
	t->free_nodes = n;
}

/* ------------------------------------------------------------------ */
/* Hash table. */

static struct flow_node *lookup(const struct flow_table *t, const struct flow_key *key,
				uint32_t hash)
{
	struct flow_node *n = t->buckets[hash & (t->nbuckets - 1)];

	while (n && (n->hash != hash || !key_equal(&n->f.key, key)))
		n = n->hnext;
	return n;
}

static void hash_insert(struct flow_table *t, struct flow_node *n)
{
	struct flow_node **b = &t->buckets[n->hash & (t->nbuckets - 1)];

	n->hnext = *b;
	*b = n;
}

static void hash_remove(struct flow_table *t, struct flow_node *n)
{
	struct flow_node **p = &t->buckets[n->hash & (t->nbuckets - 1)];

	while (*p != n)
		p = &(*p)->hnext;
	*p = n->hnext;
}

/* Doubles the buckets; on allocation failure chains just grow longer. */
static void hash_grow(struct flow_table *t)
{
	size_t nb = t->nbuckets * 2;
	struct flow_node **b = calloc(nb, sizeof *b);

	if (!b)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct flow_node *n = t->buckets[i], *next;

		for (; n; n = next) {
			next = n->hnext;
			n->hnext = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

/* ------------------------------------------------------------------ */
/* Expiry lists. */

static void list_append(struct expiry_list *l, struct flow_node *n)
{
	n->next = NULL;
	n->prev = l->tail;
	if (l->tail)
		l->tail->next = n;
	else {
		l->head = n;
		l->deadline = add_sat(n->touch, l->timeout);
	}
	l->tail = n;
}

static void list_remove(struct expiry_list *l, struct flow_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else {
		l->head = n->next;
		l->deadline = l->head ? add_sat(l->head->touch, l->timeout) : INT64_MAX;
	}
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
}

static enum flow_class class_of(const struct flow *f)
{
	if (f->key.kind == FLOW_IP && f->key.proto == 6)
		return f->tcp_state == FLOW_TCP_CLOSED ? CLASS_TCP_CLOSED : CLASS_TCP;
	if (f->key.kind == FLOW_IP && f->key.proto == 17)
		return CLASS_UDP;
	return CLASS_OTHER;
}

/* Marks n active now: the tail of its (possibly new) list. */
static void touch(struct flow_table *t, struct flow_node *n)
{
	enum flow_class cls = class_of(&n->f);
	struct expiry_list *l = &t->lists[cls];

	if (n->cls == cls && l->tail == n) {
		/* Already last: "now" is the latest time, so the order holds. */
		n->touch = t->now;
		if (l->head == n)
			l->deadline = add_sat(n->touch, l->timeout);
		return;
	}
	list_remove(&t->lists[n->cls], n);
	n->cls = (uint8_t)cls;
	n->touch = t->now;
	list_append(&t->lists[cls], n);
}

static void evict(struct flow_table *t, struct flow_node *n)
{
	list_remove(&t->lists[n->cls], n);
	hash_remove(t, n);
	t->active--;
	t->emitted++;
	t->emit(t->ctx, &n->f);
	node_free(t, n);
}

/* The list whose head expires first (ties: the older flow), or -1. */
static int earliest_list(const struct flow_table *t)
{
	int best = -1;

	for (int c = 0; c < CLASS_COUNT; c++) {
		const struct expiry_list *l = &t->lists[c];

		if (!l->head)
			continue;
		if (best < 0 || l->deadline < t->lists[best].deadline ||
		    (l->deadline == t->lists[best].deadline &&
		     l->head->f.id < t->lists[best].head->f.id))
			best = c;
	}
	return best;
}

static void expire(struct flow_table *t)
{
	for (;;) {
		int c = earliest_list(t);

		if (c < 0 || t->lists[c].deadline >= t->now)
			return;
		evict(t, t->lists[c].head);
	}
}

/* Evicts the least recently active flow of all lists. */
static void evict_oldest(struct flow_table *t)
{
	struct flow_node *oldest = NULL;

	for (int c = 0; c < CLASS_COUNT; c++) {
		struct flow_node *h = t->lists[c].head;

		if (h && (!oldest || h->touch < oldest->touch ||
			  (h->touch == oldest->touch && h->f.id < oldest->f.id)))
			oldest = h;
	}
	if (oldest)
		evict(t, oldest);
}

/* Gives the slabs back and shrinks the buckets once nothing is held. */
static void trim(struct flow_table *t)
{
	struct flow_node **b;

	if (t->active)
		return;
	for (size_t i = 0; i < t->nslabs; i++)
		free(t->slabs[i]);
	free(t->slabs);
	t->slabs = NULL;
	t->nslabs = t->slabs_cap = 0;
	t->free_nodes = NULL;
	if (t->nbuckets > MIN_BUCKETS && (b = calloc(MIN_BUCKETS, sizeof *b))) {
		free(t->buckets);
		t->buckets = b;
		t->nbuckets = MIN_BUCKETS;
	}
}

/* ------------------------------------------------------------------ */
/* History and originator. */

/* Records an upper-case letter once for this side. */
static void hist_add(struct flow_node *n, int side, char letter)
{
	uint32_t bit = 1u << (letter - 'A');

	if (n->hist_seen[side] & bit)
		return;
	n->hist_seen[side] |= bit;
	if (n->hist_len + 1u < sizeof n->f.history) {
		n->f.history[n->hist_len++] = side == n->f.orig ? letter
							       : (char)(letter - 'A' + 'a');
		n->f.history[n->hist_len] = '\0';
	}
}

/* Takes orig from evidence of this rank if it beats what decided it so far. */
static void set_orig(struct flow_node *n, int side, int rank)
{
	char *h = n->f.history;
	char *caret;

	if (rank <= n->orig_rank)
		return;
	n->orig_rank = (uint8_t)rank;
	if (side == n->f.orig)
		return;
	n->f.orig = (uint8_t)side;
	for (char *c = h; *c; c++)
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))
			*c ^= 0x20;
	caret = strchr(h, '^');
	if (side != n->first_sender && !caret) {
		if (n->hist_len + 1u < sizeof n->f.history) {
			h[n->hist_len++] = '^';
			h[n->hist_len] = '\0';
		}
	} else if (side == n->first_sender && caret) {
		memmove(caret, caret + 1, strlen(caret + 1) + 1);
		n->hist_len--;
	}
}

static uint8_t last_layer(const struct tp_packet *p)
{
	return p->nlayers ? p->layers[p->nlayers - 1].proto : TP_PROTO_NONE;
}

/* The TCP header was decoded whole, so seq, ack, flags and window hold. */
static bool tcp_header_ok(const struct tp_packet *p)
{
	return p->ip_proto == 6 && p->nlayers && last_layer(p) == TP_PROTO_TCP &&
	       p->layers[p->nlayers - 1].len >= 20 && !(p->flags & TP_PKT_FRAGMENT);
}

static void orig_evidence(struct flow_node *n, int s, const struct tp_packet *p, bool tcp)
{
	if (tcp) {
		uint8_t fl = p->tcp_flags & (TH_SYN | TH_ACK | TH_FIN | TH_RST);

		if (fl == TH_SYN)
			set_orig(n, s, RANK_SYN);
		else if (fl == (TH_SYN | TH_ACK))
			set_orig(n, !s, RANK_SYNACK);
	} else if ((p->ip_proto == 1 && last_layer(p) == TP_PROTO_ICMP) ||
		   (p->ip_proto == 58 && last_layer(p) == TP_PROTO_ICMPV6)) {
		bool v6 = p->ip_proto == 58;

		if (p->icmp_type == (v6 ? 128 : 8))
			set_orig(n, s, RANK_SYNACK);
		else if (p->icmp_type == (v6 ? 129 : 0))
			set_orig(n, !s, RANK_SYNACK);
	}
}

/* ------------------------------------------------------------------ */
/* TCP. */

/*
 * Counts the hole [from, to) in side's data as a gap, or as more of the
 * latest one when it continues it.  The last HOLES gaps are remembered so
 * late segments can fill them; an older one stays counted for good.
 */
static void open_gap(struct flow_node *n, int side, uint32_t from, uint32_t to)
{
	struct flow_dir *d = &n->f.dir[side];
	struct hole *h = n->holes[side];
	uint8_t k = n->nholes[side];

	d->gap_bytes += to - from;
	n->f.new_gap_bytes += to - from;
	if (k && h[k - 1].hi == from) {
		/* One hole, seen in two steps: an ACK for its first part,
		 * then a segment after it. */
		h[k - 1].hi = to;
		return;
	}
	d->gaps++;
	hist_add(n, side, 'G');
	if (k == HOLES) {
		memmove(h, h + 1, (HOLES - 1) * sizeof *h);
		k--;
	}
	h[k].lo = from;
	h[k].hi = to;
	n->nholes[side] = (uint8_t)(k + 1);
}

/*
 * A segment [seq, end) seen inside remembered gaps: those bytes were not lost
 * by the capture, only late (the mirror reordered them, or the network lost
 * the first copy before the capture point and this is the retransmission).
 * They leave gap_bytes; a gap filled whole leaves gaps, one filled in the
 * middle becomes two (or, without room, keeps its lower part and its upper
 * part stays counted).  True if any byte was filled.
 */
static bool fill_holes(struct flow_node *n, int side, uint32_t seq, uint32_t end)
{
	struct flow_dir *d = &n->f.dir[side];
	struct hole *h = n->holes[side];
	bool filled = false;

	for (uint8_t i = 0; i < n->nholes[side];) {
		uint32_t lo, hi;

		if (!seq_lt(seq, h[i].hi) || !seq_gt(end, h[i].lo)) {
			i++;
			continue;
		}
		filled = true;
		lo = seq_gt(seq, h[i].lo) ? seq : h[i].lo;
		hi = seq_lt(end, h[i].hi) ? end : h[i].hi;
		d->gap_bytes -= hi - lo;
		if (lo == h[i].lo && hi == h[i].hi) {
			memmove(&h[i], &h[i + 1], (size_t)(n->nholes[side] - i - 1) * sizeof *h);
			n->nholes[side]--;
			d->gaps--;
			continue;
		}
		if (lo == h[i].lo) {
			h[i].lo = hi;
		} else if (hi == h[i].hi) {
			h[i].hi = lo;
		} else if (n->nholes[side] < HOLES) {
			memmove(&h[i + 2], &h[i + 1], (size_t)(n->nholes[side] - i - 1) * sizeof *h);
			h[i + 1].lo = hi;
			h[i + 1].hi = h[i].hi;
			h[i].hi = lo;
			n->nholes[side]++;
			d->gaps++;
			i++;
		} else {
			h[i].hi = lo;
		}
		i++;
	}
	if (filled)
		d->out_of_order++;
	return filled;
}

/*
 * Wireshark counts duplicate ACKs (no data, no SYN/FIN/RST, a window that is
 * not 0 and the same as before, seq at next_seq, the same ack) and resets the
 * count when the ack moves; its ack_lost flag uses the count (ws_ack_lost).
 */
static void ws_dup_ack(struct flow_dir *d, const struct tp_packet *p, uint32_t next_seq,
		       bool zwp)
{
	if (!zwp && !p->payload_wire_len && p->window && d->window_init &&
	    p->window == d->window && p->seq == next_seq && p->ack == d->ws_last_ack &&
	    !(p->tcp_flags & (TH_SYN | TH_FIN | TH_RST)))
		d->ws_dup_acks = d->ws_dup_acks < 0 ? 1 : d->ws_dup_acks < 100 ? d->ws_dup_acks + 1
									   : 100;
	if (p->ack != d->ws_last_ack)
		d->ws_dup_acks = 0;
}

/*
 * Wireshark 4.0's "ACKed segment that wasn't captured", for an ACK of side r's
 * data above r's ws_max_to_ack: flagged at once when ws_max_to_ack is stuck
 * below a hole (below next_seq), which it then moves to next_seq; when the
 * ACK is above everything seen, flagged only if r sent a new ACK value since
 * the last such flag (r's duplicate-ACK count is 0), which parks the count
 * at -1, so a run of ACKs from a silent peer is flagged once.  Worked out
 * from tshark 4.0.17's output on captures with frames deleted by editcap.
 */
static void ws_ack_lost(struct flow_dir *r, uint32_t ack)
{
	if (!seq_gt(ack, r->ws_max_to_ack))
		return;
	if (seq_lt(r->ws_max_to_ack, r->next_seq)) {
		r->ws_max_to_ack = r->next_seq;
		r->ws_ack_lost_segments++;
		return;
	}
	if (r->ws_dup_acks == 0)
		r->ws_ack_lost_segments++;
	r->ws_dup_acks = -1;
}

/*
 * Sequence analysis of one segment from side s (d), whose peer is r.  The
 * lengths are payload_wire_len (what the IP header declares), as Wireshark's
 * tcp.len.  SYN and FIN occupy one sequence number each.
 *
 * next_seq: the highest seq + len (+1 for SYN or FIN) seen from d, set by its
 *   first segment of any kind; a zero-window probe (1 byte at next_seq while
 *   the peer's last window was 0) does not move it.  These are Wireshark's
 *   "nextseq" rules.
 * Gaps (gaps, gap_bytes, 'G'): bytes of d's stream that were never seen.
 *   gap_mark is the point below which everything was seen or already counted.
 *   - lost segment: a segment (not a RST) starting above next_seq; the bytes
 *     between gap_mark and seq are one gap (Wireshark flags the same segment
 *     "previous segment not captured");
 *   - acked unseen data: an ACK from r above gap_mark; the bytes from
 *     gap_mark to the ack are one gap and gap_mark moves to the ack, so a
 *     segment later seen at the acknowledged point opens no second gap
 *     (Wireshark: "ACKed segment that wasn't captured", which it may flag
 *     again for the same hole; see ws_* below).
 *   A gap that starts where the latest one ends is the same hole (an ACK for
 *   its first part, then a segment after it): bytes, but no second gap.  A
 *   segment later seen inside one of the last HOLES gaps fills it
 *   (fill_holes): its bytes leave gap_bytes and it counts as out_of_order, so
 *   data the network lost before the capture point and the sender sent again
 *   is no gap: gaps are what the capture never saw.  Wireshark counts such a
 *   segment as a (fast, spurious) retransmission, or out-of-order when it
 *   comes within 3 ms or the first RTT.  No limit applies to a gap's size: a
 *   sequence number 2^31 away still counts as ahead, as in Wireshark.
 * Retransmissions: a segment with payload, SYN or FIN that starts below
 *   next_seq and fills no gap (it brings nothing the capture had not seen); except a keep-alive (0 or 1 byte at
 *   next_seq - 1, no SYN/FIN/RST) and a segment of more than 1 byte at
 *   next_seq - 1 (a zero-window probe's byte sent again with new data), as
 *   Wireshark.  Unlike Wireshark, no timing test splits "out-of-order" from
 *   them, and a segment ending at or below the peer's ACK but starting at or
 *   above next_seq is no retransmission here.
 * Zero windows: window 0 on a segment without SYN, FIN or RST (Wireshark's
 *   tcp.analysis.zero_window), not counted on a zero-window probe.
 * ws_lost_segments and ws_ack_lost_segments reproduce Wireshark 4.0's
 *   tcp.analysis.lost_segment and ack_lost_segment flags so tshark can check
 *   us (equal on every TCP conversation of the shared corpus; tshark flags a
 *   reassembled IP datagram at its last fragment, we at its first): lost
 *   when seq > next_seq on a non-RST segment; ack-lost in ws_ack_lost().
 *   ws_max_to_ack follows next_seq only when a segment starts exactly at it,
 *   so it stays below a hole until the hole is filled.
 */
static void tcp_sequence(struct flow_node *n, int s, const struct tp_packet *p)
{
	struct flow_dir *d = &n->f.dir[s], *r = &n->f.dir[!s];
	uint8_t fl = p->tcp_flags;
	uint32_t seq = p->seq, len = p->payload_wire_len;
	uint32_t end = seq + len + !!(fl & TH_SYN) + !!(fl & TH_FIN);
	uint32_t seq_before = d->next_seq;
	bool zwp = false;

	if (!d->seq_init) {
		d->seq_init = true;
		d->isn = (fl & TH_SYN) ? seq : seq - 1;
		d->next_seq = d->gap_mark = d->ws_max_to_ack = end;
	} else {
		bool filled, at_mark = seq == d->ws_max_to_ack;

		zwp = len == 1 && seq == d->next_seq && r->window_init && r->window == 0;
		if (!zwp && !(fl & TH_RST) && seq_gt(seq, d->next_seq)) {
			d->ws_lost_segments++;
			if (seq_gt(seq, d->gap_mark))
				open_gap(n, s, d->gap_mark, seq);
		}
		filled = len && fill_holes(n, s, seq, seq + len);
		if (!filled && (len || (fl & (TH_SYN | TH_FIN))) && seq_lt(seq, d->next_seq)) {
			bool keepalive = len <= 1 && seq == d->next_seq - 1 &&
					 !(fl & (TH_SYN | TH_FIN | TH_RST));
			bool probe_resent = len > 1 && seq == d->next_seq - 1;

			if (!keepalive && !probe_resent) {
				d->retransmissions++;
				if (len)
					hist_add(n, s, 'T');
			}
		}
		if (!zwp) {
			if (seq_gt(end, d->next_seq))
				d->next_seq = end;
			if (at_mark)
				d->ws_max_to_ack = d->next_seq;
			if (seq_gt(d->next_seq, d->gap_mark))
				d->gap_mark = d->next_seq;
		}
	}
	if (!zwp && p->window == 0 && !(fl & (TH_SYN | TH_FIN | TH_RST))) {
		d->zero_windows++;
		hist_add(n, s, 'W');
	}
	ws_dup_ack(d, p, seq_before, zwp);
	if (fl & TH_ACK) {
		if (r->seq_init) {
			ws_ack_lost(r, p->ack);
			if (seq_gt(p->ack, r->gap_mark)) {
				open_gap(n, !s, r->gap_mark, p->ack);
				r->gap_mark = p->ack;
			}
		}
		if (!d->ack_init || seq_gt(p->ack, d->max_ack)) {
			d->max_ack = p->ack;
			d->ack_init = true;
		}
	}
	d->window = p->window;
	d->window_init = true;
	d->ws_last_ack = p->ack;
}

static void tcp_account(struct flow_node *n, int s, const struct tp_packet *p)
{
	struct flow *f = &n->f;
	uint8_t fl = p->tcp_flags;
	bool syn = fl & TH_SYN, fin = fl & TH_FIN, rst = fl & TH_RST, ack = fl & TH_ACK;
	int bits = syn + fin + rst;

	if (bits > 1)
		hist_add(n, s, fin && rst ? 'I' : 'Q');
	else if (syn)
		hist_add(n, s, ack ? 'H' : 'S');
	else if (fin)
		hist_add(n, s, 'F');
	else if (rst)
		hist_add(n, s, 'R');
	else if (p->payload_wire_len)
		hist_add(n, s, 'D');
	else if (ack)
		hist_add(n, s, 'A');

	if (syn)
		f->dir[s].syn = true;
	if (fin)
		f->dir[s].fin = true;
	if (rst)
		f->dir[s].rst = true;
	if (rst || (f->dir[0].fin && f->dir[1].fin))
		f->tcp_state = FLOW_TCP_CLOSED;
	else if (f->tcp_state == FLOW_TCP_CLOSED)
		;	/* stays closed: only its stragglers come now */
	else if (fin)
		f->tcp_state = FLOW_TCP_CLOSING;
	else if (syn && !ack && f->tcp_state == FLOW_TCP_NONE)
		f->tcp_state = FLOW_TCP_SYN_SENT;
	else if (syn && ack && (f->tcp_state == FLOW_TCP_NONE ||
				f->tcp_state == FLOW_TCP_SYN_SENT))
		f->tcp_state = FLOW_TCP_SYN_RECEIVED;
	else if (!syn && (f->tcp_state == FLOW_TCP_SYN_SENT ||
			  f->tcp_state == FLOW_TCP_SYN_RECEIVED))
		f->tcp_state = FLOW_TCP_ESTABLISHED;
	else if (f->tcp_state == FLOW_TCP_NONE)
		f->tcp_state = FLOW_TCP_MIDSTREAM;

	tcp_sequence(n, s, p);
}

/* Wireshark's port-reuse rule: a SYN without ACK whose sequence number is
 * not that side's ISN begins another connection on the same ports. */
static bool port_reused(const struct flow_node *n, int s, const struct tp_packet *p)
{
	const struct flow_dir *d = &n->f.dir[s];

	return (p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN && d->seq_init && p->seq != d->isn;
}

/* ------------------------------------------------------------------ */
/* Accounting. */

static void add_vlans(struct flow *f, const struct tp_packet *p)
{
	for (size_t i = 0; i < p->nvlans && i < TP_MAX_VLANS; i++) {
		size_t k = 0;

		while (k < f->nvlans && f->vlans[k] != p->vlans[i])
			k++;
		if (k == f->nvlans && f->nvlans < FLOW_MAX_VLANS)
			f->vlans[f->nvlans++] = p->vlans[i];
	}
}

static void account(struct flow_table *t, struct flow_node *n, int s,
		    const struct tp_packet *p)
{
	struct flow *f = &n->f;
	struct flow_dir *d = &f->dir[s];
	bool tcp = f->key.kind == FLOW_IP && tcp_header_ok(p);

	f->new_gap_bytes = 0;
	if (!d->frames) {
		d->first_ts = d->last_ts = p->ts_ns;
	} else {
		if (p->ts_ns < d->first_ts)
			d->first_ts = p->ts_ns;
		if (p->ts_ns > d->last_ts)
			d->last_ts = p->ts_ns;
	}
	if (p->ts_ns < f->first_ts)
		f->first_ts = p->ts_ns;
	if (p->ts_ns > f->last_ts)
		f->last_ts = p->ts_ns;
	d->frames++;
	d->bytes += p->wire_len;
	d->payload_bytes += p->payload_wire_len;
	if (p->nvlans)
		add_vlans(f, p);
	if (f->key.kind == FLOW_IP && p->has_mac) {
		memcpy(f->key.mac[s], p->src_mac, 6);
		f->mac_seen |= (uint8_t)(1u << s);
		/* The other side's own frames name it best; until it sends,
		 * take the destination address. */
		if (!f->dir[!s].frames) {
			memcpy(f->key.mac[!s], p->dst_mac, 6);
			f->mac_seen |= (uint8_t)(1u << !s);
		}
	}

	if (f->key.kind == FLOW_IP)
		orig_evidence(n, s, p, tcp);
	if (p->flags & TP_PKT_L4_CKSUM_BAD)
		hist_add(n, s, 'C');
	if (tcp)
		tcp_account(n, s, p);
	else if (f->key.kind == FLOW_IP && f->key.proto == 6) {
		/* No header to read (cut short, or a fragment): counted only. */
		if (f->tcp_state == FLOW_TCP_NONE)
			f->tcp_state = FLOW_TCP_MIDSTREAM;
	} else if (f->key.kind == FLOW_IP && p->payload_wire_len)
		hist_add(n, s, 'D');
	touch(t, n);
}

static struct flow_node *flow_create(struct flow_table *t, const struct flow_key *key,
				     uint32_t hash, int s, const struct tp_packet *p,
				     uint32_t capture, uint64_t frame)
{
	struct flow_node *n;
	struct flow *f;

	if (t->active >= t->max_flows)
		evict_oldest(t);
	n = node_alloc(t);
	if (!n && t->active) {
		/* Out of memory: make room as if the table were full. */
		evict_oldest(t);
		n = node_alloc(t);
	}
	if (!n)
		return NULL;
	memset(n, 0, sizeof *n);
	f = &n->f;
	f->key = *key;
	f->id = t->next_id++;
	f->first_ts = f->last_ts = p->ts_ns;
	f->first_capture = capture;
	f->first_frame = frame;
	f->encap = p->encap;
	f->orig = (uint8_t)s;
	n->first_sender = (uint8_t)s;
	if (key->kind == FLOW_L2)
		f->mac_seen = 3;
	if (key->kind == FLOW_IP && has_ports(key->proto)) {
		bool srv_dst = is_server_port(key->port[!s]), srv_src = is_server_port(key->port[s]);

		if (srv_dst != srv_src)
			set_orig(n, srv_dst ? s : !s, RANK_PORT);
	}
	n->hash = hash;
	n->touch = t->now;
	n->cls = (uint8_t)class_of(f);
	hash_insert(t, n);
	list_append(&t->lists[n->cls], n);
	t->active++;
	if (t->active > t->nbuckets && t->nbuckets < t->max_buckets)
		hash_grow(t);
	return n;
}

/* ------------------------------------------------------------------ */
/* Interface. */

struct flow_table *flow_table_new(const struct flow_opts *opts, flow_emit_fn *emit, void *ctx)
{
	struct flow_table *t = calloc(1, sizeof *t);
	static const struct flow_opts none;

	if (!opts)
		opts = &none;
	if (!t)
		return NULL;
	t->emit = emit;
	t->ctx = ctx;
	t->max_flows = opts->max_flows ? opts->max_flows : DEFAULT_MAX_FLOWS;
	t->lists[CLASS_TCP].timeout = opts->tcp_timeout_ns > 0 ? opts->tcp_timeout_ns
								 : DEFAULT_TCP_TIMEOUT;
	t->lists[CLASS_TCP_CLOSED].timeout = opts->tcp_closed_timeout_ns > 0
						     ? opts->tcp_closed_timeout_ns
						     : DEFAULT_TCP_CLOSED_TIMEOUT;
	t->lists[CLASS_UDP].timeout = opts->udp_timeout_ns > 0 ? opts->udp_timeout_ns
								 : DEFAULT_UDP_TIMEOUT;
	t->lists[CLASS_OTHER].timeout = opts->other_timeout_ns > 0 ? opts->other_timeout_ns
								     : DEFAULT_OTHER_TIMEOUT;
	for (int c = 0; c < CLASS_COUNT; c++)
		t->lists[c].deadline = INT64_MAX;
	t->max_buckets = MIN_BUCKETS;
	while (t->max_buckets < t->max_flows && t->max_buckets < ((size_t)1 << 30))
		t->max_buckets *= 2;
	t->nbuckets = MIN_BUCKETS;
	t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	return t;
}

struct flow *flow_table_add(struct flow_table *t, const struct tp_packet *pkt, uint32_t capture,
			    uint64_t frame)
{
	struct flow_key key;
	struct flow_node *n;
	uint32_t hash;
	int s;

	if (!make_key(pkt, &key, &s))
		return NULL;
	if (!t->started || pkt->ts_ns > t->now) {
		t->now = pkt->ts_ns;
		t->started = true;
	}
	expire(t);
	hash = key_hash(&key);
	n = lookup(t, &key, hash);
	if (n && key.proto == 6 && key.kind == FLOW_IP && tcp_header_ok(pkt) &&
	    port_reused(n, s, pkt)) {
		evict(t, n);
		n = NULL;
	}
	if (!n) {
		n = flow_create(t, &key, hash, s, pkt, capture, frame);
		if (!n)
			return NULL;
	}
	account(t, n, s, pkt);
	n->f.last_side = (uint8_t)s;
	return &n->f;
}

static int by_first_ts_then_id(const void *a, const void *b)
{
	const struct flow *x = &(*(struct flow_node *const *)a)->f;
	const struct flow *y = &(*(struct flow_node *const *)b)->f;

	if (x->first_ts != y->first_ts)
		return x->first_ts < y->first_ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void flow_table_flush(struct flow_table *t)
{
	struct flow_node **all;
	size_t k = 0;

	if (!t->active)
		return;
	all = malloc(t->active * sizeof *all);
	if (!all) {
		/* No room to sort: emit from the least recently active on. */
		while (t->active)
			evict_oldest(t);
		trim(t);
		return;
	}
	for (int c = 0; c < CLASS_COUNT; c++)
		for (struct flow_node *n = t->lists[c].head; n; n = n->next)
			all[k++] = n;
	qsort(all, k, sizeof *all, by_first_ts_then_id);
	for (size_t i = 0; i < k; i++)
		evict(t, all[i]);
	free(all);
	trim(t);
}

size_t flow_table_active(const struct flow_table *t)
{
	return t->active;
}

uint64_t flow_table_emitted(const struct flow_table *t)
{
	return t->emitted;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nslabs; i++)
		free(t->slabs[i]);
	free(t->slabs);
	free(t->buckets);
	free(t);
}

const char *flow_tcp_state_name(enum flow_tcp_state s)
{
	static const char *const names[] = {
		[FLOW_TCP_NONE] = "",
		[FLOW_TCP_SYN_SENT] = "syn_sent",
		[FLOW_TCP_SYN_RECEIVED] = "syn_received",
		[FLOW_TCP_ESTABLISHED] = "established",
		[FLOW_TCP_CLOSING] = "closing",
		[FLOW_TCP_CLOSED] = "closed",
		[FLOW_TCP_MIDSTREAM] = "midstream",
	};

	return (size_t)s < sizeof names / sizeof *names ? names[s] : "unknown";
}
