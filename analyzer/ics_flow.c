/*
 * ics_flow.c - the ICS side of a flow; see ics_flow.h.
 */
#include "analyzer/ics_flow.h"

#include <stdlib.h>
#include <string.h>

/* What a dissector's messages are counted into, then passed on. */
struct relay {
	struct ics_flow *st;
	const struct flow *f;
	const struct tp_packet *pkt;
	uint64_t frame;
	const struct ics_sink *next;
};

int ics_action_index(unsigned act)
{
	for (int i = 0; i < 6; i++)
		if (act == 1u << i)
			return i;
	return -1;
}

const char *ics_action_name(unsigned act)
{
	static const char *const names[6] = { "reads", "writes", "program", "firmware",
					      "stop_start", "control" };
	int i = ics_action_index(act);

	return i >= 0 ? names[i] : "";
}

static struct ics_proto_stats *proto_stats(struct ics_flow *st, uint8_t proto)
{
	const size_t max = sizeof st->protos / sizeof st->protos[0];

	for (size_t i = 0; i < st->nprotos; i++)
		if (st->protos[i].proto == proto)
			return &st->protos[i];
	if (st->nprotos == max)
		return NULL;
	memset(&st->protos[st->nprotos], 0, sizeof st->protos[0]);
	st->protos[st->nprotos].proto = proto;
	cycle_init(&st->protos[st->nprotos].cycle[0], NULL, NULL, NULL);
	cycle_init(&st->protos[st->nprotos].cycle[1], NULL, NULL, NULL);
	return &st->protos[st->nprotos++];
}

static bool counts_it(const struct ics_count *c, const struct ics_msg *m)
{
	return c->proto == m->proto && c->function == m->function && c->kind == m->kind;
}

static struct ics_count *count_of(struct ics_flow *st, const struct ics_msg *m)
{
	/* Polls repeat: the last function counted is the likeliest. */
	if (st->last_count < st->ncounts && counts_it(&st->counts[st->last_count], m))
		return &st->counts[st->last_count];
	for (size_t i = 0; i < st->ncounts; i++)
		if (counts_it(&st->counts[i], m)) {
			st->last_count = (uint16_t)i;
			return &st->counts[i];
		}
	if (st->ncounts == ICS_MAX_COUNTS) {
		st->counts_full = true;
		return NULL;
	}
	if (st->ncounts == st->ncap) {
		uint16_t cap = st->ncap ? (uint16_t)(st->ncap * 2) : 8;
		struct ics_count *n = realloc(st->counts, cap * sizeof *n);

		if (!n)
			return NULL;
		st->counts = n;
		st->ncap = cap;
	}
	memset(&st->counts[st->ncounts], 0, sizeof st->counts[0]);
	st->counts[st->ncounts].proto = m->proto;
	st->counts[st->ncounts].function = m->function;
	st->counts[st->ncounts].kind = m->kind;
	return &st->counts[st->ncounts++];
}

static bool is_client_role(uint8_t r)
{
	return r == ICS_ROLE_CLIENT || r == ICS_ROLE_MASTER || r == ICS_ROLE_SCANNER ||
	       r == ICS_ROLE_IO_CONTROLLER;
}

static void on_message(void *ctx, const struct ics_msg *m)
{
	struct relay *r = ctx;
	struct ics_proto_stats *ps = proto_stats(r->st, m->proto);
	struct ics_count *c = count_of(r->st, m);

	if (ps) {
		if (!ps->messages) {
			ps->first_ts = r->pkt->ts_ns;
			ps->first_frame = r->frame;
		}
		ps->last_ts = r->pkt->ts_ns;
		ps->messages++;
		ps->requests += m->kind == ICS_KIND_REQUEST;
		ps->responses += m->kind == ICS_KIND_RESPONSE;
		ps->exceptions += m->exception;
		for (int i = 0; m->actions >> i; i++)
			ps->actions[i] += (m->actions >> i) & 1u;
		/* Polls and publications repeat on a clock. */
		if (m->kind == ICS_KIND_PUBLISH ||
		    (m->kind == ICS_KIND_REQUEST && is_client_role(m->sender_role))) {
			cycle_add(&ps->cycle[r->f->last_side], r->pkt->ts_ns, 0, r->frame);
			ps->polled |= m->kind == ICS_KIND_REQUEST;
		}
		if (!ps->client_known && (is_client_role(m->sender_role) ||
					  is_client_role(m->receiver_role))) {
			bool sender_is_client = is_client_role(m->sender_role);

			ps->client_known = true;
			ps->client_side = sender_is_client ? r->f->last_side : !r->f->last_side;
			ps->client_role = sender_is_client ? m->sender_role : m->receiver_role;
			ps->server_role = sender_is_client ? m->receiver_role : m->sender_role;
		}
	}
	if (c) {
		c->messages++;
		c->exceptions += m->exception;
		c->actions |= m->actions;
	}
	if (r->next && r->next->message)
		r->next->message(r->next->ctx, m);
}

static void on_identity(void *ctx, const struct ics_ident *id)
{
	struct relay *r = ctx;

	if (r->next && r->next->identity)
		r->next->identity(r->next->ctx, id);
}

static void carry_drop(struct ics_carry *k)
{
	free(k->buf);
	memset(k, 0, sizeof *k);
}

/* Keeps the n bytes at p, the start of a PDU the next segment continues. */
static void carry_keep(struct ics_carry *k, const uint8_t *p, uint32_t n, uint32_t next_seq)
{
	uint8_t *buf;

	if (n > ICS_CARRY_MAX) {
		carry_drop(k);
		return;
	}
	buf = malloc(n ? n : 1);
	if (!buf) {
		carry_drop(k);
		return;
	}
	memcpy(buf, p, n);
	free(k->buf);
	k->buf = buf;
	k->len = n;
	k->next_seq = next_seq;
}

static uint32_t dissect(const struct ics_dissector *d, const struct ics_ctx *x, const uint8_t *p,
			uint32_t n)
{
	uint32_t used = d->dissect(x, tp_cursor_make(p, n));

	return used > n ? n : used;
}

/* A TCP segment's payload, with what was kept from the last one. */
static void tcp_payload(struct ics_flow *st, const struct ics_ctx *x, const struct tp_packet *pkt,
			int side)
{
	struct ics_carry *k = &st->carry[side];
	bool whole = pkt->payload_len == pkt->payload_wire_len;
	uint32_t end = pkt->seq + pkt->payload_len;
	uint32_t used;

	if (k->buf && (pkt->seq != k->next_seq || !whole))
		carry_drop(k);	/* a gap or a cut segment */
	if (k->buf && k->len + pkt->payload_len > ICS_CARRY_MAX)
		carry_drop(k);	/* a PDU too large to keep: this segment alone */
	if (k->buf) {
		uint32_t total = k->len + pkt->payload_len;
		uint8_t *joined = realloc(k->buf, total);

		if (!joined) {
			carry_drop(k);
			return;
		}
		memcpy(joined + k->len, pkt->payload, pkt->payload_len);
		k->buf = joined;
		k->len = total;
		used = dissect(st->dissector, x, joined, total);
		if (used < total) {
			memmove(joined, joined + used, total - used);
			k->len = total - used;
			k->next_seq = end;
		} else {
			carry_drop(k);
		}
		return;
	}
	used = dissect(st->dissector, x, pkt->payload, pkt->payload_len);
	if (used < pkt->payload_len && whole)
		carry_keep(k, pkt->payload + used, pkt->payload_len - used, end);
}

static const struct ics_dissector *find(const struct flow *f, const struct tp_packet *pkt,
					int *to_server)
{
	const struct ics_dissector *d = ics_by_port(pkt, to_server);

	if (d || !pkt->payload_len || !pkt->ip_version)
		return d;
	/* Content detection on the flow's first payload only. */
	if (f->dir[0].payload_bytes + f->dir[1].payload_bytes != pkt->payload_wire_len)
		return NULL;
	return ics_by_content(pkt);
}

const struct ics_dissector *ics_flow_packet(struct flow *f, const struct tp_packet *pkt,
					    uint64_t frame, const struct ics_sink *sink)
{
	struct ics_flow *st = f->app;
	int to_server = -1;

	if (st && pkt->ip_version && !pkt->payload_len) {
		/* A bare ACK, SYN or FIN: nothing to read, but a FIN sent again
		 * counts as a retransmission, which must not hide the next
		 * segment. */
		st->retransmissions[f->last_side] = f->dir[f->last_side].retransmissions;
		return st->dissector;
	}

	int side = f->last_side;
	struct relay r;
	struct ics_sink relay_sink = { on_message, on_identity, &r };
	struct ics_ctx x = { pkt, -1, &relay_sink };
	struct tp_cursor c;

	if (!st) {
		const struct ics_dissector *d;

		if (f->app_flags & ICS_FLOW_NONE)
			return NULL;
		if (!(d = find(f, pkt, &to_server))) {
			/* Ports name none and the first payload was no
			 * protocol's (or, without IP, its EtherType names
			 * none): the flow's later packets need no look.  LLC
			 * frames share one flow key (EtherType 0) whatever
			 * their SNAP protocol (CDP, VTP, DTP...): always looked at. */
			if (pkt->ip_version ? pkt->payload_len != 0 : pkt->ethertype != 0)
				f->app_flags |= ICS_FLOW_NONE;
			return NULL;
		}
		if (!(st = calloc(1, sizeof *st)))
			return NULL;
		st->dissector = d;
		/* A well-known port names the server for the flow's life. */
		st->server_side = (int8_t)(to_server < 0 ? -1 : to_server ? !side : side);
		st->retransmissions[0] = f->dir[0].retransmissions;
		st->retransmissions[1] = f->dir[1].retransmissions;
		f->app = st;
	}
	if (st->server_side >= 0)
		to_server = side != st->server_side;
	else if (pkt->ip_version && !(st->dissector->udp_ports[0] && pkt->ip_proto == 17 &&
				      pkt->sport == pkt->dport))
		to_server = side == f->orig;	/* found by content: the originator is the client */
	x.to_server = to_server;
	r = (struct relay){ st, f, pkt, frame, sink };
	c = ics_payload(pkt);
	if (!c.left)
		return st->dissector;
	if (pkt->ip_version && pkt->ip_proto == 6) {
		uint64_t retrans = f->dir[side].retransmissions;

		if (retrans != st->retransmissions[side]) {
			st->retransmissions[side] = retrans;
			return st->dissector;	/* bytes already dissected */
		}
		tcp_payload(st, &x, pkt, side);
	}
	else
		st->dissector->dissect(&x, c);
	return st->dissector;
}

void ics_flow_finish(struct flow *f)
{
	struct ics_flow *st = f->app;

	for (size_t i = 0; st && i < st->nprotos; i++) {
		struct ics_proto_stats *ps = &st->protos[i];
		struct cycle_result side[2];

		cycle_finish(&ps->cycle[0], &side[0]);
		cycle_finish(&ps->cycle[1], &side[1]);
		ps->period = side[side[1].messages > side[0].messages];
	}
}

void ics_flow_free(struct flow *f)
{
	struct ics_flow *st = f->app;

	if (!st)
		return;
	for (size_t i = 0; i < st->nprotos; i++) {
		cycle_free(&st->protos[i].cycle[0]);
		cycle_free(&st->protos[i].cycle[1]);
	}
	carry_drop(&st->carry[0]);
	carry_drop(&st->carry[1]);
	free(st->counts);
	free(st);
	f->app = NULL;
}
