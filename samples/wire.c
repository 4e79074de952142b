/*
 * wire.c - the wire truth: bounded byte builder, the Ethernet FCS, and the
 * list of every frame with the switch port it entered on and left by.
 *
 * Frames are produced protocol by protocol (each scenario writes its whole
 * timeline) and sorted once by (time, creation order), so a mirror renders
 * one time-ordered stream.  Memory is bounded by SIM_MAX_FRAMES.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "samples/sim.h"

void buf_u8(struct sim_buf *p, unsigned v)
{
	if (p->len >= sizeof p->b) {
		p->overflow = true;
		return;
	}
	p->b[p->len++] = (uint8_t)v;
}

void buf_be16(struct sim_buf *p, unsigned v)
{
	buf_u8(p, (v >> 8) & 0xff);
	buf_u8(p, v & 0xff);
}

void buf_be24(struct sim_buf *p, uint32_t v)
{
	buf_u8(p, (v >> 16) & 0xff);
	buf_be16(p, v & 0xffff);
}

void buf_be32(struct sim_buf *p, uint32_t v)
{
	buf_be16(p, v >> 16);
	buf_be16(p, v & 0xffff);
}

void buf_le16(struct sim_buf *p, unsigned v)
{
	buf_u8(p, v & 0xff);
	buf_u8(p, (v >> 8) & 0xff);
}

void buf_le32(struct sim_buf *p, uint32_t v)
{
	buf_le16(p, v & 0xffff);
	buf_le16(p, v >> 16);
}

void buf_bytes(struct sim_buf *p, const void *v, size_t n)
{
	if (n == 0)
		return;	/* v may be NULL then: memcpy must not see it */
	if (n > sizeof p->b - p->len) {
		p->overflow = true;
		return;
	}
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

void buf_zeros(struct sim_buf *p, size_t n)
{
	if (n > sizeof p->b - p->len) {
		p->overflow = true;
		return;
	}
	memset(p->b + p->len, 0, n);
	p->len += n;
}

void buf_str(struct sim_buf *p, const char *s)
{
	buf_bytes(p, s, strlen(s));
}

void buf_put_be16_at(struct sim_buf *p, size_t at, unsigned v)
{
	if (at + 2 > p->len) {
		p->overflow = true;
		return;
	}
	p->b[at] = (uint8_t)(v >> 8);
	p->b[at + 1] = (uint8_t)v;
}

uint32_t wire_fcs(const uint8_t *b, size_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)n);
}

/* Ports whose link is up at time t (offset from the start). */
static uint32_t ports_up(const struct sim_plant *pl, uint64_t t)
{
	uint32_t m = 0;

	for (size_t i = 0; i < pl->ndev; i++)
		if (pl->dev[i].link_up_ns <= t)
			m |= 1u << pl->dev[i].port;
	return m;
}

/* 802.1D-2004 7.12.6: frames to 01-80-C2-00-00-00..0F are never relayed. */
static bool link_local(const uint8_t *dst)
{
	static const uint8_t pfx[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };

	return memcmp(dst, pfx, 5) == 0 && dst[5] <= 0x0f;
}

static uint32_t forward(const struct sim_plant *pl, uint64_t t, uint8_t in_port, const uint8_t *dst)
{
	const struct sim_device *d;

	if (link_local(dst))
		return 0;
	if (!(dst[0] & 1)) {
		d = plant_device_by_mac(pl, dst);
		if (d && d->link_up_ns <= t)
			return d->port == in_port ? 0 : 1u << d->port;
	}
	/* Broadcast, multicast (no IGMP/GMRP snooping) and unknown unicast. */
	return ports_up(pl, t) & ~(1u << in_port);
}

void wire_emit(struct sim_plant *pl, uint64_t t, const struct sim_device *src,
	       const struct sim_buf *eth, const char *proto, enum sim_damage damage)
{
	struct sim_wire *w = &pl->wire;
	struct sim_frame *f;
	size_t n;
	uint32_t fcs;
	uint8_t *b;

	if (eth->overflow || eth->len < 14 || eth->len > SIM_MAX_FRAME - 4)
		abort();	/* a builder bug, never input */
	if (t >= pl->duration_ns || t < src->link_up_ns)
		return;
	if (w->n >= SIM_MAX_FRAMES) {
		w->full = true;
		return;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;
		struct sim_frame *nf = realloc(w->frames, cap * sizeof *nf);

		if (!nf) {
			w->full = true;
			return;
		}
		w->frames = nf;
		w->cap = cap;
	}
	/* 802.3 4.2.3.3: pad the data to 46 bytes, so 60 before the FCS. */
	n = eth->len < 60 ? 60 : eth->len;
	if (damage == SIM_DAMAGE_RUNT)
		n = eth->len < 36 ? eth->len : 36;	/* fragment cut by a collision */
	b = calloc(1, n + 4);
	if (!b) {
		w->full = true;
		return;
	}
	memcpy(b, eth->b, eth->len < n ? eth->len : n);
	fcs = wire_fcs(b, n);
	if (damage == SIM_DAMAGE_BAD_FCS)
		b[n / 2] ^= 0x10;	/* one bit flipped after the FCS was computed */
	if (damage == SIM_DAMAGE_RUNT)
		fcs ^= 0x5a5a5a5au;
	b[n] = (uint8_t)fcs;
	b[n + 1] = (uint8_t)(fcs >> 8);
	b[n + 2] = (uint8_t)(fcs >> 16);
	b[n + 3] = (uint8_t)(fcs >> 24);

	f = &w->frames[w->n++];
	f->ts_ns = pl->start_ns + t;
	f->seq = w->next_seq++;
	f->in_port = src->port;
	/* A store-and-forward switch checks the FCS and drops bad frames. */
	f->out_ports = damage ? 0 : forward(pl, t, src->port, eth->b);
	f->len = (uint16_t)(n + 4);
	f->damage = (uint8_t)damage;
	f->proto = proto;
	f->bytes = b;
}

static int frame_cmp(const void *a, const void *b)
{
	const struct sim_frame *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void wire_sort(struct sim_wire *w)
{
	if (w->n)
		qsort(w->frames, w->n, sizeof *w->frames, frame_cmp);
}

void wire_free(struct sim_wire *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->frames[i].bytes);
	free(w->frames);
	memset(w, 0, sizeof *w);
}
