/*
 * build_dhcp.c - DHCP (RFC 2131 3.1: DISCOVER, OFFER, REQUEST, ACK) over
 * BOOTP (RFC 951) with options from RFC 2132.  The client sets no
 * broadcast flag, so the server answers to its MAC and offered address.
 */
#include <string.h>

#include "samples/sim.h"

static const uint8_t ip_zero[4];
static const uint8_t ip_bcast[4] = { 255, 255, 255, 255 };

static void bootp(struct sim_buf *p, unsigned op, uint32_t xid, const uint8_t yiaddr[4],
		  const uint8_t siaddr[4], const uint8_t chaddr[6], unsigned msg_type)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };	/* RFC 2131 3 */

	buf_u8(p, op);
	buf_u8(p, 1);		/* htype Ethernet */
	buf_u8(p, 6);
	buf_u8(p, 0);
	buf_be32(p, xid);
	buf_be16(p, 0);		/* secs */
	buf_be16(p, 0);		/* flags */
	buf_bytes(p, ip_zero, 4);	/* ciaddr */
	buf_bytes(p, yiaddr, 4);
	buf_bytes(p, siaddr, 4);
	buf_bytes(p, ip_zero, 4);	/* giaddr */
	buf_bytes(p, chaddr, 6);
	buf_zeros(p, 10 + 64 + 128);	/* chaddr padding, sname, file */
	buf_bytes(p, cookie, 4);
	buf_u8(p, 53);
	buf_u8(p, 1);
	buf_u8(p, msg_type);
}

/* Host name (option 12): the device's name; vendor class (60): Windows'. */
static void client_opts(struct sim_buf *p, const struct sim_device *c)
{
	static const char vendor_class[] = "MSFT 5.0";
	static const uint8_t prl[] = { 1, 3, 6, 15, 42 };
	size_t host = strlen(c->name);

	buf_u8(p, 61);		/* client identifier: htype + MAC */
	buf_u8(p, 7);
	buf_u8(p, 1);
	buf_bytes(p, c->mac, 6);
	buf_u8(p, 12);
	buf_u8(p, (unsigned)host);
	buf_bytes(p, c->name, host);
	buf_u8(p, 60);
	buf_u8(p, sizeof vendor_class - 1);
	buf_bytes(p, vendor_class, sizeof vendor_class - 1);
	buf_u8(p, 55);
	buf_u8(p, sizeof prl);
	buf_bytes(p, prl, sizeof prl);
}

static void server_opts(struct sim_buf *p, const struct sim_device *s)
{
	static const uint8_t mask[4] = { 255, 255, 255, 0 };

	buf_u8(p, 54);
	buf_u8(p, 4);
	buf_bytes(p, s->ip, 4);
	buf_u8(p, 51);
	buf_u8(p, 4);
	buf_be32(p, 86400);
	buf_u8(p, 1);
	buf_u8(p, 4);
	buf_bytes(p, mask, 4);
	buf_u8(p, 3);
	buf_u8(p, 4);
	buf_bytes(p, s->ip, 4);
	buf_u8(p, 6);
	buf_u8(p, 4);
	buf_bytes(p, s->ip, 4);
	buf_u8(p, 255);
}

uint64_t dhcp_dora(struct sim_plant *pl, uint64_t t, struct sim_device *client, struct sim_device *server)
{
	uint32_t xid = (uint32_t)sim_rng_next(&pl->rng);
	struct sim_buf p = { 0 };

	bootp(&p, 1, xid, ip_zero, ip_zero, client->mac, 1);
	client_opts(&p, client);
	buf_u8(&p, 255);
	net_udp(pl, t, client, NULL, ip_zero, ip_bcast, 68, 67, &p, "dhcp");

	t += 3 * SIM_NS_PER_MS + sim_rng_below(&pl->rng, SIM_NS_PER_MS);
	p = (struct sim_buf){ 0 };
	bootp(&p, 2, xid, client->ip, server->ip, client->mac, 2);
	server_opts(&p, server);
	net_udp(pl, t, server, client, server->ip, NULL, 67, 68, &p, "dhcp");

	t += 2 * SIM_NS_PER_MS + sim_rng_below(&pl->rng, SIM_NS_PER_MS);
	p = (struct sim_buf){ 0 };
	bootp(&p, 1, xid, ip_zero, ip_zero, client->mac, 3);
	client_opts(&p, client);
	buf_u8(&p, 50);		/* requested address */
	buf_u8(&p, 4);
	buf_bytes(&p, client->ip, 4);
	buf_u8(&p, 54);
	buf_u8(&p, 4);
	buf_bytes(&p, server->ip, 4);
	buf_u8(&p, 255);
	net_udp(pl, t, client, NULL, ip_zero, ip_bcast, 68, 67, &p, "dhcp");

	t += 2 * SIM_NS_PER_MS + sim_rng_below(&pl->rng, SIM_NS_PER_MS);
	p = (struct sim_buf){ 0 };
	bootp(&p, 2, xid, client->ip, server->ip, client->mac, 5);
	server_opts(&p, server);
	net_udp(pl, t, server, client, server->ip, NULL, 67, 68, &p, "dhcp");
	return t + SIM_NS_PER_MS;
}
