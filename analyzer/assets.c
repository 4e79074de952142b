/*
 * assets.c - devices, their identity and their visibility; see assets.h.
 */
#include "analyzer/assets.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/hash.h"

/* What a packet shows of one end: its MAC and IP, either may be absent.
 * Keys sort (memcmp) MAC-less first, then by MAC, then by IP: the
 * endpoints of one MAC are neighbours. */
struct ep_key {
	uint8_t has_mac;
	uint8_t mac[6];
	uint8_t ip_version;
	uint8_t ip[16];
};

struct endpoint {
	struct ep_key key;
	bool bound;			/* an ARP/DHCP/LLDP/DCP binding named this pair */
	uint64_t frames;
	int64_t first_ts, last_ts;
	struct asset_view *views;	/* allocated with its first frame */
	uint32_t protocols;
	uint16_t roles[ICS_PROTO_COUNT];
	uint16_t nfacts, capfacts;
	struct asset_fact *facts;
	size_t asset;			/* assets_finish(): its asset, or SIZE_MAX */
};

struct edge {
	uint32_t from, to;		/* endpoints */
	uint8_t proto;
};

/* Open addressing over entry indexes + 1 (0 = empty). */
struct index {
	uint32_t *slots;
	size_t cap;		/* a power of two */
};

struct assets {
	size_t nviews;
	struct oui_table *oui;		/* NULL: the built-in table only */
	struct endpoint *eps;
	size_t neps, capeps;
	struct index ep_index;
	uint32_t recent[2];		/* the last two endpoints found, + 1 (0: none) */
	/* The packet last given to assets_packet(), whose messages follow:
	 * its sender's and receiver's endpoints + 1 (0: not looked up). */
	const struct tp_packet *cur;
	int64_t cur_ts;
	uint32_t cur_sender, cur_receiver;
	struct edge *edges;
	size_t nedges, capedges;
	struct edge recent_edges[2];	/* the last two edges met: a request and its answer */
	struct index edge_index;
	struct asset *assets;
	size_t nassets;
	bool failed;			/* out of memory: results incomplete */
};

/* Finds the entry whose key is `key` (eq says), or the empty slot for it. */
typedef bool key_eq_fn(const struct assets *a, uint32_t entry, const void *key);

static uint32_t *index_slot(const struct assets *a, const struct index *ix, uint64_t h, const void *key,
			    key_eq_fn *eq)
{
	size_t mask = ix->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask)
		if (!ix->slots[i] || eq(a, ix->slots[i] - 1, key))
			return &ix->slots[i];
}

/* Makes room for one more entry (load at most 1/2); rehash needs each
 * entry's hash. */
typedef uint64_t entry_hash_fn(const struct assets *a, uint32_t entry);

static bool index_reserve(struct index *ix, size_t n, const struct assets *a, entry_hash_fn *hash)
{
	size_t cap = ix->cap ? ix->cap : 256;
	uint32_t *slots;

	if ((n + 1) * 2 <= ix->cap)
		return true;
	while ((n + 1) * 2 > cap)
		cap *= 2;
	slots = calloc(cap, sizeof *slots);
	if (!slots)
		return false;
	for (size_t i = 0; i < ix->cap; i++) {
		size_t j;

		if (!ix->slots[i])
			continue;
		for (j = hash(a, ix->slots[i] - 1) & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = ix->slots[i];
	}
	free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
	return true;
}

/* Keys are 24 bytes: three word compares. */
static bool ep_eq(const struct assets *a, uint32_t e, const void *key)
{
	uint64_t x[3], y[3];

	memcpy(x, &a->eps[e].key, sizeof x);
	memcpy(y, key, sizeof y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

static uint64_t ep_hash(const struct assets *a, uint32_t e)
{
	return hash_key(&a->eps[e].key, sizeof a->eps[e].key);
}

static bool edge_eq(const struct assets *a, uint32_t e, const void *key)
{
	const struct edge *x = &a->edges[e], *y = key;

	return x->from == y->from && x->to == y->to && x->proto == y->proto;
}

static uint64_t edge_hash_of(const struct edge *e)
{
	uint32_t k[4] = { e->from, e->to, e->proto, 0 };

	return hash_key(k, sizeof k);
}

static uint64_t edge_hash(const struct assets *a, uint32_t e)
{
	return edge_hash_of(&a->edges[e]);
}

struct assets *assets_new(size_t nviews, struct oui_table *oui)
{
	struct assets *a = calloc(1, sizeof *a);

	if (a) {
		a->nviews = nviews;
		a->oui = oui;
	}
	return a;
}

static bool unicast_mac(const uint8_t mac[6])
{
	return !(mac[0] & 0x01);
}

/* An address a device can send from (not unspecified, multicast or broadcast). */
static bool unicast_ip(uint8_t version, const uint8_t ip[16])
{
	static const uint8_t zero[16];

	if (version == 4)
		return memcmp(ip, zero, 4) != 0 && ip[0] < 224;
	if (version == 6)
		return memcmp(ip, zero, 16) != 0 && ip[0] != 0xff;
	return false;
}

static struct ep_key make_key(bool has_mac, const uint8_t *mac, uint8_t ip_version, const uint8_t *ip)
{
	struct ep_key k = { 0 };

	if (has_mac && unicast_mac(mac)) {
		k.has_mac = 1;
		memcpy(k.mac, mac, 6);
	}
	if (ip && unicast_ip(ip_version, ip)) {
		k.ip_version = ip_version;
		memcpy(k.ip, ip, ip_version == 4 ? 4 : 16);
	}
	return k;
}

static struct ep_key sender_key(const struct tp_packet *pkt)
{
	return make_key(pkt->has_mac, pkt->src_mac, pkt->ip_version, pkt->src_ip);
}

static struct ep_key receiver_key(const struct tp_packet *pkt)
{
	return make_key(pkt->has_mac, pkt->dst_mac, pkt->ip_version, pkt->dst_ip);
}

/* The endpoint of key, created when missing; NULL for an empty key or when
 * out of memory. */
static struct endpoint *endpoint(struct assets *a, const struct ep_key *key)
{
	uint64_t h;
	uint32_t *slot;
	struct endpoint *e;

	if (!key->has_mac && !key->ip_version)
		return NULL;
	/* A packet's sender and receiver are asked for again by its
	 * messages, and the next packet is often the answer. */
	for (int i = 0; i < 2; i++)
		if (a->recent[i] && ep_eq(a, a->recent[i] - 1, key)) {
			e = &a->eps[a->recent[i] - 1];
			if (i) {
				a->recent[1] = a->recent[0];
				a->recent[0] = (uint32_t)(e - a->eps) + 1;
			}
			return e;
		}
	if (!index_reserve(&a->ep_index, a->neps, a, ep_hash)) {
		a->failed = true;
		return NULL;
	}
	h = hash_key(key, sizeof *key);
	slot = index_slot(a, &a->ep_index, h, key, ep_eq);
	a->recent[1] = a->recent[0];
	if (*slot) {
		a->recent[0] = *slot;
		return &a->eps[*slot - 1];
	}
	if (a->neps == a->capeps) {
		size_t cap = a->capeps ? a->capeps * 2 : 256;
		struct endpoint *n = cap > UINT32_MAX - 1 ? NULL : realloc(a->eps, cap * sizeof *n);

		if (!n) {
			a->failed = true;
			return NULL;
		}
		a->eps = n;
		a->capeps = cap;
	}
	e = &a->eps[a->neps];
	memset(e, 0, sizeof *e);
	e->key = *key;
	e->asset = SIZE_MAX;
	*slot = (uint32_t)++a->neps;
	a->recent[0] = *slot;
	return e;
}

/* Is hint (endpoint + 1) the end with this MAC and IP?  Only a MAC and
 * IP endpoint is confirmed so: anything else takes the lookup. */
static bool hint_is(const struct assets *a, uint32_t hint, bool has_mac, const uint8_t *mac,
		    uint8_t ip_version, const uint8_t *ip)
{
	const struct ep_key *k;

	if (!hint || hint > a->neps || !has_mac)
		return false;
	k = &a->eps[hint - 1].key;
	return k->has_mac && k->ip_version == ip_version && memcmp(k->mac, mac, 6) == 0 &&
	       memcmp(k->ip, ip, 16) == 0;
}

void assets_packet(struct assets *a, size_t view, const struct tp_packet *pkt, uint32_t hints[2],
		   int side)
{
	struct endpoint *e;

	if (hints && hint_is(a, hints[side], pkt->has_mac, pkt->src_mac, pkt->ip_version, pkt->src_ip)) {
		e = &a->eps[hints[side] - 1];
	} else {
		struct ep_key key = sender_key(pkt);

		e = endpoint(a, &key);
		if (hints)
			hints[side] = e ? (uint32_t)(e - a->eps) + 1 : 0;
	}

	a->cur = pkt;
	a->cur_ts = pkt->ts_ns;
	a->cur_sender = e ? (uint32_t)(e - a->eps) + 1 : 0;
	a->cur_receiver = hints && hint_is(a, hints[!side], pkt->has_mac, pkt->dst_mac, pkt->ip_version,
					     pkt->dst_ip) ? hints[!side] : 0;
	if (!e || view >= a->nviews)
		return;
	if (!e->views && !(e->views = calloc(a->nviews, sizeof *e->views))) {
		a->failed = true;
		return;
	}
	if (!e->frames || pkt->ts_ns < e->first_ts)
		e->first_ts = pkt->ts_ns;
	if (!e->frames || pkt->ts_ns > e->last_ts)
		e->last_ts = pkt->ts_ns;
	e->frames++;
	if (!e->views[view].frames || pkt->ts_ns < e->views[view].first_ts)
		e->views[view].first_ts = pkt->ts_ns;
	e->views[view].frames++;
}

static void add_edge(struct assets *a, uint32_t from, uint32_t to, uint8_t proto)
{
	struct edge k = { from, to, proto };
	uint32_t *slot;

	for (int i = 0; i < 2 && a->nedges; i++) {
		const struct edge *r = &a->recent_edges[i];

		if (r->from == from && r->to == to && r->proto == proto)
			return;
	}
	a->recent_edges[1] = a->recent_edges[0];
	a->recent_edges[0] = k;

	if (!index_reserve(&a->edge_index, a->nedges, a, edge_hash)) {
		a->failed = true;
		return;
	}
	slot = index_slot(a, &a->edge_index, edge_hash_of(&k), &k, edge_eq);
	if (*slot)
		return;
	if (a->nedges == a->capedges) {
		size_t cap = a->capedges ? a->capedges * 2 : 64;
		struct edge *n = realloc(a->edges, cap * sizeof *n);

		if (!n) {
			a->failed = true;
			return;
		}
		a->edges = n;
		a->capedges = cap;
	}
	a->edges[a->nedges] = k;
	*slot = (uint32_t)++a->nedges;
}

/* The endpoint of pkt's sender (or receiver), looked up once per packet. */
static struct endpoint *end_of(struct assets *a, const struct tp_packet *pkt, bool receiver)
{
	bool current = pkt == a->cur && pkt->ts_ns == a->cur_ts;
	uint32_t *cached = receiver ? &a->cur_receiver : &a->cur_sender;
	struct ep_key key;
	struct endpoint *e;

	if (current && *cached)
		return &a->eps[*cached - 1];
	key = receiver ? receiver_key(pkt) : sender_key(pkt);
	e = endpoint(a, &key);
	if (current && e)
		*cached = (uint32_t)(e - a->eps) + 1;
	return e;
}

void assets_message(struct assets *a, const struct tp_packet *pkt, const struct ics_msg *m)
{
	struct endpoint *s = end_of(a, pkt, false), *r;
	uint32_t si;

	if (!s || m->proto >= ICS_PROTO_COUNT)
		return;
	si = (uint32_t)(s - a->eps);
	s->protocols |= 1u << m->proto;
	if (m->sender_role && m->sender_role < ICS_ROLE_COUNT)
		s->roles[m->proto] |= (uint16_t)(1u << m->sender_role);
	if (!(r = end_of(a, pkt, true)))
		return;
	s = &a->eps[si];	/* endpoint() may have moved the table */
	r->protocols |= 1u << m->proto;
	if (m->receiver_role && m->receiver_role < ICS_ROLE_COUNT)
		r->roles[m->proto] |= (uint16_t)(1u << m->receiver_role);
	add_edge(a, si, (uint32_t)(r - a->eps), m->proto);
}

static void add_fact(struct assets *a, struct endpoint *e, uint8_t proto, uint8_t field,
		     const uint8_t *value, size_t len)
{
	struct asset_fact *f;

	if (len > ASSET_MAX_FACT)
		len = ASSET_MAX_FACT;
	for (size_t i = 0; i < e->nfacts; i++)
		if (e->facts[i].proto == proto && e->facts[i].field == field && e->facts[i].len == len &&
		    (!len || memcmp(e->facts[i].value, value, len) == 0))
			return;
	if (e->nfacts == ASSET_MAX_FACTS)
		return;
	if (e->nfacts == e->capfacts) {
		uint16_t cap = e->capfacts ? (uint16_t)(e->capfacts * 2) : 4;
		struct asset_fact *n = realloc(e->facts, cap * sizeof *n);

		if (!n) {
			a->failed = true;
			return;
		}
		e->facts = n;
		e->capfacts = cap;
	}
	f = &e->facts[e->nfacts++];
	f->proto = proto;
	f->field = field;
	f->len = (uint16_t)len;
	if (len)
		memcpy(f->value, value, len);
}

void assets_identity(struct assets *a, const struct tp_packet *pkt, const struct ics_ident *id)
{
	struct ep_key key;
	struct endpoint *e;

	if (id->subject == ICS_SUBJECT_SENDER || id->subject == ICS_SUBJECT_RECEIVER) {
		e = end_of(a, pkt, id->subject == ICS_SUBJECT_RECEIVER);
	} else {
		key = make_key(id->has_mac, id->mac, id->ip_version, id->ip);
		e = endpoint(a, &key);
	}
	if (!e)
		return;
	if (id->field == ICS_F_ADDRESS) {
		e->bound = key.has_mac && key.ip_version;
		return;
	}
	if (id->field < ICS_F_COUNT)
		add_fact(a, e, id->proto, id->field, id->value, id->value ? id->len : 0);
}

/* ---- assets_finish() ---- */

static int ep_cmp(const void *x, const void *y)
{
	const struct endpoint *const *a = x, *const *b = y;

	return memcmp(&(*a)->key, &(*b)->key, sizeof(struct ep_key));
}

static struct asset *new_asset(struct assets *a, size_t *cap)
{
	struct asset *as;

	if (a->nassets == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct asset *n = realloc(a->assets, c * sizeof *n);

		if (!n)
			return NULL;
		a->assets = n;
		*cap = c;
	}
	as = &a->assets[a->nassets];
	memset(as, 0, sizeof *as);
	as->views = calloc(a->nviews ? a->nviews : 1, sizeof *as->views);
	if (!as->views)
		return NULL;
	as->vendor = "";
	a->nassets++;
	return as;
}

static bool has_ip(const struct asset *as, uint8_t version, const uint8_t ip[16])
{
	for (size_t i = 0; i < as->nips; i++)
		if (as->ips[i][0] == version && memcmp(as->ips[i] + 1, ip, 16) == 0)
			return true;
	return false;
}

static bool add_ip(struct asset *as, uint8_t version, const uint8_t ip[16])
{
	uint8_t (*n)[17];

	if (!version || has_ip(as, version, ip))
		return true;
	n = realloc(as->ips, (as->nips + 1) * sizeof *n);
	if (!n)
		return false;
	as->ips = n;
	as->ips[as->nips][0] = version;
	memcpy(as->ips[as->nips] + 1, ip, 16);
	as->nips++;
	return true;
}

/* The asset owning an IP: sorted (version, ip, asset) rows. */
struct ip_owner {
	uint8_t ip[17];
	size_t asset;
};

static int owner_cmp(const void *x, const void *y)
{
	return memcmp(((const struct ip_owner *)x)->ip, ((const struct ip_owner *)y)->ip, 17);
}

static size_t owner_of(const struct ip_owner *o, size_t n, uint8_t version, const uint8_t ip[16])
{
	struct ip_owner k;
	const struct ip_owner *hit;

	k.ip[0] = version;
	memcpy(k.ip + 1, ip, 16);
	hit = bsearch(&k, o, n, sizeof *o, owner_cmp);
	return hit ? hit->asset : SIZE_MAX;
}

/* Counts e's frames, roles and facts into asset `ai`. */
static bool merge_into(struct assets *a, size_t ai, struct endpoint *e)
{
	struct asset *as = &a->assets[ai];

	e->asset = ai;
	if (e->frames) {
		if (!as->frames || e->first_ts < as->first_ts)
			as->first_ts = e->first_ts;
		if (!as->frames || e->last_ts > as->last_ts)
			as->last_ts = e->last_ts;
		as->frames += e->frames;
		for (size_t v = 0; e->views && v < a->nviews; v++) {
			struct asset_view *av = &as->views[v];

			if (e->views[v].frames && (!av->frames || e->views[v].first_ts < av->first_ts))
				av->first_ts = e->views[v].first_ts;
			av->frames += e->views[v].frames;
		}
	}
	as->protocols |= e->protocols;
	for (int p = 0; p < ICS_PROTO_COUNT; p++)
		as->roles[p] |= e->roles[p];
	for (size_t i = 0; i < e->nfacts; i++) {
		const struct asset_fact *f = &e->facts[i];
		bool dup = false;
		struct asset_fact *n;

		for (size_t j = 0; j < as->nfacts && !dup; j++)
			dup = as->facts[j].proto == f->proto && as->facts[j].field == f->field &&
			      as->facts[j].len == f->len && memcmp(as->facts[j].value, f->value, f->len) == 0;
		if (dup)
			continue;
		if (!(n = realloc(as->facts, (as->nfacts + 1) * sizeof *n)))
			return false;
		as->facts = n;
		as->facts[as->nfacts++] = *f;
	}
	return (e->key.ip_version && e->frames) || e->bound ? add_ip(as, e->key.ip_version, e->key.ip)
							     : true;
}

/* The address an asset sent most frames from becomes its ip. */
static void main_ip(struct assets *a)
{
	uint64_t *best = calloc(a->nassets ? a->nassets : 1, sizeof *best);

	if (!best) {
		a->failed = true;
		return;
	}
	for (size_t i = 0; i < a->neps; i++) {
		const struct endpoint *e = &a->eps[i];
		struct asset *as;

		if (e->asset == SIZE_MAX || !e->key.ip_version)
			continue;
		as = &a->assets[e->asset];
		if (!as->ip_version || e->frames > best[e->asset]) {
			best[e->asset] = e->frames;
			as->ip_version = e->key.ip_version;
			memcpy(as->ip, e->key.ip, 16);
		}
	}
	free(best);
}

static int asset_cmp(const void *x, const void *y)
{
	const struct asset *a = x, *b = y;

	if (!!a->ip_version != !!b->ip_version)
		return a->ip_version ? -1 : 1;
	if (a->ip_version != b->ip_version)
		return a->ip_version < b->ip_version ? -1 : 1;
	if (a->ip_version) {
		int c = memcmp(a->ip, b->ip, 16);

		if (c)
			return c;
	}
	if (a->has_mac != b->has_mac)
		return a->has_mac ? -1 : 1;
	return memcmp(a->mac, b->mac, 6);
}

/* Sorts the assets and redirects endpoints to their new places. */
static bool sort_assets(struct assets *a)
{
	size_t *where;

	for (size_t i = 0; i < a->nassets; i++)
		a->assets[i].npeers = i;	/* the old index rides along */
	if (a->nassets)	/* qsort(NULL, 0, ...) is undefined */
		qsort(a->assets, a->nassets, sizeof *a->assets, asset_cmp);
	where = malloc((a->nassets ? a->nassets : 1) * sizeof *where);
	if (!where)
		return false;
	for (size_t i = 0; i < a->nassets; i++) {
		where[a->assets[i].npeers] = i;
		a->assets[i].npeers = 0;
	}
	for (size_t i = 0; i < a->neps; i++)
		if (a->eps[i].asset != SIZE_MAX)
			a->eps[i].asset = where[a->eps[i].asset];
	free(where);
	return true;
}

struct pair {
	size_t x, y;
};

static int pair_cmp(const void *p, const void *q)
{
	const struct pair *a = p, *b = q;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	return a->y < b->y ? -1 : a->y > b->y;
}

/* Each asset's peers, from the edges between endpoints: both directions
 * of every edge, sorted and made unique (a server may have thousands). */
static bool peers(struct assets *a)
{
	struct pair *p = malloc((a->nedges ? 2 * a->nedges : 1) * sizeof *p);
	size_t n = 0;

	if (!p)
		return false;
	for (size_t i = 0; i < a->nedges; i++) {
		size_t x = a->eps[a->edges[i].from].asset, y = a->eps[a->edges[i].to].asset;

		if (x == SIZE_MAX || y == SIZE_MAX || x == y)
			continue;
		p[n++] = (struct pair){ x, y };
		p[n++] = (struct pair){ y, x };
	}
	if (n)
		qsort(p, n, sizeof *p, pair_cmp);
	for (size_t i = 0; i < n;) {
		struct asset *as = &a->assets[p[i].x];
		size_t j = i, k = 0;

		while (j < n && p[j].x == p[i].x)
			j++;
		if (!(as->peers = malloc((j - i) * sizeof *as->peers))) {
			free(p);
			return false;
		}
		for (size_t m = i; m < j; m++)
			if (!k || as->peers[k - 1] != p[m].y)
				as->peers[k++] = p[m].y;
		as->npeers = k;
		i = j;
	}
	free(p);
	return true;
}

static void match_inventory(struct assets *a, const struct inventory *inv, bool *used)
{
	for (size_t i = 0; i < a->nassets; i++) {
		struct asset *as = &a->assets[i];

		as->status = inv ? ASSET_NOT_IN_INVENTORY : ASSET_NO_INVENTORY;
		for (size_t k = 0; inv && k < inv->n && !as->inventory; k++) {
			const struct inventory_entry *e = &inv->entries[k];
			bool hit = e->has_mac ? as->has_mac && memcmp(e->mac, as->mac, 6) == 0
					      : e->ip_version && has_ip(as, e->ip_version, e->ip);

			if (hit) {
				as->inventory = e;
				as->status = ASSET_KNOWN;
				used[k] = true;
			}
		}
	}
}

static bool never_seen(struct assets *a, const struct inventory *inv, const bool *used, size_t *cap)
{
	for (size_t k = 0; inv && k < inv->n; k++) {
		const struct inventory_entry *e = &inv->entries[k];
		struct asset *as;

		if (used[k])
			continue;
		if (!(as = new_asset(a, cap)))
			return false;
		as->has_mac = e->has_mac;
		memcpy(as->mac, e->mac, 6);
		as->ip_version = e->ip_version;
		memcpy(as->ip, e->ip, 16);
		if (!add_ip(as, e->ip_version, e->ip))
			return false;
		as->vendor = e->has_mac ? oui_vendor(a->oui, e->mac) : "";
		as->inventory = e;
		as->status = ASSET_NEVER_SEEN;
	}
	return true;
}

/* One asset per MAC that sent frames (byk: endpoints with a MAC, sorted
 * by key); returns false when out of memory. */
static bool mac_assets(struct assets *a, struct endpoint **byk, size_t n, size_t *cap)
{
	for (size_t i = 0; i < n;) {
		size_t j = i, sources = 0, ai;
		bool sent = false, router;
		struct asset *as;

		while (j < n && memcmp(byk[j]->key.mac, byk[i]->key.mac, 6) == 0) {
			sent |= byk[j]->frames > 0;
			sources += byk[j]->frames > 0 && byk[j]->key.ip_version;
			j++;
		}
		if (!sent) {
			i = j;
			continue;
		}
		router = sources > ROUTER_IPS;
		if (!(as = new_asset(a, cap)))
			return false;
		ai = a->nassets - 1;
		as->has_mac = true;
		memcpy(as->mac, byk[i]->key.mac, 6);
		as->vendor = oui_vendor(a->oui, as->mac);
		for (size_t k = i; k < j; k++) {
			struct endpoint *e = byk[k];

			/* A router's frames from others' addresses are theirs;
			 * what is only said of its MAC with another IP waits. */
			if (e->key.ip_version && ((router && !e->bound) || (!e->frames && !e->bound)))
				continue;
			if (!merge_into(a, ai, e))
				return false;
		}
		i = j;
	}
	return true;
}

static int by_ip(const void *x, const void *y)
{
	const struct endpoint *const *a = x, *const *b = y;
	int c = (int)(*a)->key.ip_version - (int)(*b)->key.ip_version;

	return c ? c : memcmp((*a)->key.ip, (*b)->key.ip, 16);
}

/* The sorted table of every asset's addresses. */
static struct ip_owner *owners_of(const struct assets *a, size_t *n)
{
	struct ip_owner *o;
	size_t k = 0;

	for (size_t i = 0; i < a->nassets; i++)
		k += a->assets[i].nips;
	if (!(o = malloc((k ? k : 1) * sizeof *o)))
		return NULL;
	k = 0;
	for (size_t i = 0; i < a->nassets; i++)
		for (size_t j = 0; j < a->assets[i].nips; j++) {
			memcpy(o[k].ip, a->assets[i].ips[j], 17);
			o[k++].asset = i;
		}
	qsort(o, k, sizeof *o, owner_cmp);
	*n = k;
	return o;
}

/* Senders without a MAC of their own (raw IP links, or behind a router):
 * the asset that owns the address, else one asset per address. */
static bool ip_assets(struct assets *a, struct endpoint **list, size_t *cap)
{
	size_t nowners = 0, n = 0;
	struct ip_owner *owners = owners_of(a, &nowners);

	if (!owners)
		return false;
	for (size_t i = 0; i < a->neps; i++) {
		struct endpoint *e = &a->eps[i];
		size_t ai;

		if (e->asset != SIZE_MAX || !e->key.ip_version || !e->frames)
			continue;
		ai = owner_of(owners, nowners, e->key.ip_version, e->key.ip);
		if (ai != SIZE_MAX) {
			if (!merge_into(a, ai, e)) {
				free(owners);
				return false;
			}
		} else {
			list[n++] = e;
		}
	}
	free(owners);
	qsort(list, n, sizeof *list, by_ip);
	for (size_t i = 0; i < n;) {
		struct asset *as = new_asset(a, cap);
		size_t j = i;

		if (!as)
			return false;
		as->ip_version = list[i]->key.ip_version;
		memcpy(as->ip, list[i]->key.ip, 16);
		for (; j < n && by_ip(&list[j], &list[i]) == 0; j++) {
			as = &a->assets[a->nassets - 1];
			as->routed |= list[j]->key.has_mac;
			if (!merge_into(a, a->nassets - 1, list[j]))
				return false;
		}
		i = j;
	}
	return true;
}

static int by_mac(const void *x, const void *y)
{
	const struct asset *const *a = x, *const *b = y;

	return memcmp((*a)->mac, (*b)->mac, 6);
}

/* What is only said about an address (facts, roles as a receiver, a
 * binding) joins the asset that owns it, by IP, else by MAC. */
static bool said_of(struct assets *a)
{
	size_t nowners = 0, nmacs = 0;
	struct ip_owner *owners = owners_of(a, &nowners);
	struct asset **macs = malloc((a->nassets ? a->nassets : 1) * sizeof *macs);
	bool ok = owners && macs;

	for (size_t i = 0; ok && i < a->nassets; i++)
		if (a->assets[i].has_mac)
			macs[nmacs++] = &a->assets[i];
	if (ok)
		qsort(macs, nmacs, sizeof *macs, by_mac);
	for (size_t i = 0; ok && i < a->neps; i++) {
		struct endpoint *e = &a->eps[i];
		size_t ai = SIZE_MAX;

		if (e->asset != SIZE_MAX)
			continue;
		if (e->key.ip_version)
			ai = owner_of(owners, nowners, e->key.ip_version, e->key.ip);
		if (ai == SIZE_MAX && e->key.has_mac && !e->key.ip_version) {
			struct asset k, *kp = &k, **hit;

			memcpy(k.mac, e->key.mac, 6);
			hit = bsearch(&kp, macs, nmacs, sizeof *macs, by_mac);
			ai = hit ? (size_t)(*hit - a->assets) : SIZE_MAX;
		}
		if (ai != SIZE_MAX)
			ok = merge_into(a, ai, e);
	}
	free(owners);
	free(macs);
	return ok;
}

/* EtherNet/IP cyclic I/O between two ports 2222 does not say who is the
 * scanner: the device that opened CIP connections as a client (Forward
 * Open) is; the one that served them is the adapter. */
static void io_roles(struct assets *a)
{
	for (size_t i = 0; i < a->nassets; i++) {
		struct asset *as = &a->assets[i];

		if (!(as->protocols & (1u << ICS_CIP_IO)) || as->roles[ICS_CIP_IO])
			continue;
		if (as->roles[ICS_CIP] & (1u << ICS_ROLE_CLIENT))
			as->roles[ICS_CIP_IO] |= 1u << ICS_ROLE_SCANNER;
		else if (as->roles[ICS_CIP] & (1u << ICS_ROLE_SERVER))
			as->roles[ICS_CIP_IO] |= 1u << ICS_ROLE_ADAPTER;
	}
}

bool assets_finish(struct assets *a, const struct inventory *inv)
{
	struct endpoint **byk = malloc((a->neps ? a->neps : 1) * sizeof *byk);
	size_t cap = 0, first_mac = 0;
	bool *used = calloc(inv && inv->n ? inv->n : 1, sizeof *used);
	bool ok = byk && used;

	for (size_t i = 0; ok && i < a->neps; i++)
		byk[i] = &a->eps[i];
	if (ok)
		qsort(byk, a->neps, sizeof *byk, ep_cmp);
	/* Sorted by key, MAC-less endpoints come first. */
	while (ok && first_mac < a->neps && !byk[first_mac]->key.has_mac)
		first_mac++;
	ok = ok && mac_assets(a, byk + first_mac, a->neps - first_mac, &cap);
	ok = ok && ip_assets(a, byk, &cap) && said_of(a);
	if (ok) {
		main_ip(a);
		io_roles(a);
	}
	ok = ok && sort_assets(a) && peers(a);
	if (ok) {
		match_inventory(a, inv, used);
		ok = never_seen(a, inv, used, &cap);
	}
	free(byk);
	free(used);
	if (!ok)
		a->failed = true;
	return !a->failed;
}

size_t assets_count(const struct assets *a)
{
	return a->nassets;
}

const struct asset *assets_get(const struct assets *a, size_t i)
{
	return i < a->nassets ? &a->assets[i] : NULL;
}

void assets_free(struct assets *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->neps; i++) {
		free(a->eps[i].views);
		free(a->eps[i].facts);
	}
	for (size_t i = 0; i < a->nassets; i++) {
		free(a->assets[i].ips);
		free(a->assets[i].facts);
		free(a->assets[i].peers);
		free(a->assets[i].views);
	}
	free(a->eps);
	free(a->ep_index.slots);
	free(a->edges);
	free(a->edge_index.slots);
	free(a->assets);
	free(a);
}

const char *asset_status_name(enum asset_status s)
{
	switch (s) {
	case ASSET_KNOWN:
		return "known";
	case ASSET_NOT_IN_INVENTORY:
		return "not in inventory";
	case ASSET_NEVER_SEEN:
		return "never seen";
	default:
		return "";
	}
}
