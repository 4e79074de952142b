/*
 * net.c - Ethernet II, IPv4 (RFC 791), UDP (RFC 768) and TCP (RFC 9293)
 * framing with correct header checksums (RFC 1071), on top of wire_emit.
 */
#include <string.h>

#include "samples/sim.h"

const uint8_t net_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void net_eth(struct sim_buf *p, const uint8_t dst[6], const uint8_t src[6], unsigned type)
{
	buf_bytes(p, dst, 6);
	buf_bytes(p, src, 6);
	buf_be16(p, type);
}

void net_l2(struct sim_plant *pl, uint64_t t, const struct sim_device *src, const uint8_t dst[6],
	    unsigned type, const struct sim_buf *payload, const char *proto)
{
	struct sim_buf p = { 0 };

	net_eth(&p, dst, src->mac, type);
	buf_bytes(&p, payload->b, payload->len);
	wire_emit(pl, t, src, &p, proto, SIM_DAMAGE_NONE);
}

/* RFC 1071 one's-complement sum, continued over several pieces. */
static uint32_t sum16(uint32_t acc, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		acc += (uint32_t)b[n - 1] << 8;
	return acc;
}

static unsigned fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return ~acc & 0xffff;
}

unsigned net_checksum(const uint8_t *b, size_t n)
{
	return fold(sum16(0, b, n));
}

/* Builds Ethernet + IPv4 + the transport segment (whose checksum field is
 * at csum_at inside seg) and emits it. */
static void ip_emit(struct sim_plant *pl, uint64_t t, struct sim_device *src, const uint8_t dst_mac[6],
		    const uint8_t src_ip[4], const uint8_t dst_ip[4], unsigned ipproto,
		    struct sim_buf *seg, size_t csum_at, const char *proto)
{
	struct sim_buf p = { 0 };
	uint8_t pseudo[12];
	size_t ip_at;
	unsigned c;

	memcpy(pseudo, src_ip, 4);
	memcpy(pseudo + 4, dst_ip, 4);
	pseudo[8] = 0;
	pseudo[9] = (uint8_t)ipproto;
	pseudo[10] = (uint8_t)(seg->len >> 8);
	pseudo[11] = (uint8_t)seg->len;
	c = fold(sum16(sum16(0, pseudo, sizeof pseudo), seg->b, seg->len));
	if (ipproto == 17 && c == 0)
		c = 0xffff;	/* RFC 768: a computed zero is sent as all ones */
	seg->b[csum_at] = (uint8_t)(c >> 8);
	seg->b[csum_at + 1] = (uint8_t)c;

	net_eth(&p, dst_mac, src->mac, 0x0800);
	ip_at = p.len;
	buf_u8(&p, 0x45);
	buf_u8(&p, 0);
	buf_be16(&p, (unsigned)(20 + seg->len));
	buf_be16(&p, src->ip_id++);
	buf_be16(&p, 0x4000);	/* DF, as most embedded stacks send */
	buf_u8(&p, src->ttl);
	buf_u8(&p, ipproto);
	buf_be16(&p, 0);
	buf_bytes(&p, src_ip, 4);
	buf_bytes(&p, dst_ip, 4);
	buf_put_be16_at(&p, ip_at + 10, fold(sum16(0, p.b + ip_at, 20)));
	buf_bytes(&p, seg->b, seg->len);
	wire_emit(pl, t, src, &p, proto, SIM_DAMAGE_NONE);
}

void net_udp(struct sim_plant *pl, uint64_t t, struct sim_device *src, const struct sim_device *dst,
	     const uint8_t src_ip[4], const uint8_t dst_ip[4], unsigned sport, unsigned dport,
	     const struct sim_buf *payload, const char *proto)
{
	struct sim_buf seg = { 0 };

	buf_be16(&seg, sport);
	buf_be16(&seg, dport);
	buf_be16(&seg, (unsigned)(8 + payload->len));
	buf_be16(&seg, 0);
	buf_bytes(&seg, payload->b, payload->len);
	ip_emit(pl, t, src, dst ? dst->mac : net_broadcast, src_ip, dst ? dst->ip : dst_ip, 17, &seg, 6, proto);
}

void tcp_segment(struct sim_plant *pl, uint64_t t, struct sim_device *src, const struct sim_device *dst,
		 unsigned sport, unsigned dport, uint32_t seq, uint32_t ack, unsigned flags,
		 const struct sim_buf *payload, const char *proto)
{
	struct sim_buf seg = { 0 };
	bool mss = (flags & TCP_SYN) != 0;

	buf_be16(&seg, sport);
	buf_be16(&seg, dport);
	buf_be32(&seg, seq);
	buf_be32(&seg, (flags & TCP_ACK) ? ack : 0);
	buf_u8(&seg, (mss ? 6u : 5u) << 4);
	buf_u8(&seg, flags);
	buf_be16(&seg, (flags & TCP_RST) ? 0 : 8192);
	buf_be16(&seg, 0);
	buf_be16(&seg, 0);
	if (mss) {	/* RFC 9293 3.7.1: MSS option in the SYN */
		buf_u8(&seg, 2);
		buf_u8(&seg, 4);
		buf_be16(&seg, 1460);
	}
	if (payload)
		buf_bytes(&seg, payload->b, payload->len);
	ip_emit(pl, t, src, dst->mac, src->ip, dst->ip, 6, &seg, 16, proto);
}

void tcp_open(struct sim_plant *pl, struct sim_tcp *c, struct sim_device *client, struct sim_device *server,
	      unsigned cport, unsigned sport, const char *proto)
{
	c->dev[0] = client;
	c->dev[1] = server;
	c->port[0] = (uint16_t)cport;
	c->port[1] = (uint16_t)sport;
	c->seq[0] = (uint32_t)sim_rng_next(&pl->rng);
	c->seq[1] = (uint32_t)sim_rng_next(&pl->rng);
	c->proto = proto;
}

void tcp_send(struct sim_plant *pl, struct sim_tcp *c, int side, uint64_t t, unsigned flags,
	      const struct sim_buf *payload, const char *proto)
{
	int o = !side;
	size_t n = payload ? payload->len : 0;

	tcp_segment(pl, t, c->dev[side], c->dev[o], c->port[side], c->port[o], c->seq[side], c->seq[o],
		    flags, payload, proto);
	c->seq[side] += (uint32_t)n + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
}

uint64_t tcp_handshake(struct sim_plant *pl, struct sim_tcp *c, uint64_t t)
{
	tcp_send(pl, c, 0, t, TCP_SYN, NULL, "tcp");
	t += 120000 + sim_rng_below(&pl->rng, 80000);
	tcp_send(pl, c, 1, t, TCP_SYN | TCP_ACK, NULL, "tcp");
	t += 60000 + sim_rng_below(&pl->rng, 40000);
	tcp_send(pl, c, 0, t, TCP_ACK, NULL, "tcp");
	return t + 200000;
}
