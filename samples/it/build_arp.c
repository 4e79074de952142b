/*
 * build_arp.c - ARP (RFC 826) requests, replies and gratuitous announcements
 * (RFC 5227 2.4) for Ethernet/IPv4.
 */
#include "samples/sim.h"

static const uint8_t zero_mac[6];

static void arp(struct sim_plant *pl, uint64_t t, const struct sim_device *src, const uint8_t dst_mac[6],
		unsigned op, const uint8_t tha[6], const uint8_t tpa[4])
{
	struct sim_buf p = { 0 };

	buf_be16(&p, 1);	/* htype Ethernet */
	buf_be16(&p, 0x0800);	/* ptype IPv4 */
	buf_u8(&p, 6);
	buf_u8(&p, 4);
	buf_be16(&p, op);
	buf_bytes(&p, src->mac, 6);
	buf_bytes(&p, src->ip, 4);
	buf_bytes(&p, tha, 6);
	buf_bytes(&p, tpa, 4);
	net_l2(pl, t, src, dst_mac, 0x0806, &p, "arp");
}

void arp_exchange(struct sim_plant *pl, uint64_t t, struct sim_device *from, const struct sim_device *to)
{
	arp(pl, t, from, net_broadcast, 1, zero_mac, to->ip);
	arp(pl, t + 40000 + sim_rng_below(&pl->rng, 60000), to, from->mac, 2, from->mac, from->ip);
}

/* RFC 5227 2.4: an announcement is a request whose sender and target
 * protocol addresses are both the sender's own. */
void arp_gratuitous(struct sim_plant *pl, uint64_t t, struct sim_device *dev)
{
	arp(pl, t, dev, net_broadcast, 1, zero_mac, dev->ip);
}
