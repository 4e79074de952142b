/*
 * build_lldp.c - LLDP advertisements (IEEE 802.1AB-2016 8: TLVs of a 7-bit
 * type and 9-bit length; chassis ID, port ID, TTL first, End last), sent
 * every 30 s (msgTxInterval, 9.2.5.7) to the nearest-bridge group address,
 * which the switch consumes and never relays.
 */
#include <string.h>

#include "samples/sim.h"

static const uint8_t lldp_dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };

static void tlv(struct sim_buf *p, unsigned type, const void *v, size_t n)
{
	buf_be16(p, (type << 9) | (unsigned)(n & 0x1ff));
	buf_bytes(p, v, n);
}

static void tlv_sub(struct sim_buf *p, unsigned type, unsigned subtype, const void *v, size_t n)
{
	buf_be16(p, (type << 9) | (unsigned)((n + 1) & 0x1ff));
	buf_u8(p, subtype);
	buf_bytes(p, v, n);
}

void lldp_scenario(struct sim_plant *pl, struct sim_device *dev, uint64_t t0)
{
	char port[16];
	struct sim_buf p = { 0 };
	uint8_t ttl[2] = { 0, 120 };
	uint8_t caps[4] = { 0x00, 0x80, 0x00, 0x80 };	/* station only */

	snprintf(port, sizeof port, "eth0");
	tlv_sub(&p, 1, 4, dev->mac, 6);		/* chassis ID: MAC address */
	tlv_sub(&p, 2, 5, port, strlen(port));	/* port ID: interface name */
	tlv(&p, 3, ttl, 2);
	tlv(&p, 4, "Ethernet port 1 (process network)", 33);
	tlv(&p, 5, dev->name, strlen(dev->name));
	tlv(&p, 6, dev->model, strlen(dev->model));
	tlv(&p, 7, caps, 4);
	tlv(&p, 0, NULL, 0);
	for (uint64_t t = t0; t < pl->duration_ns; t += 30 * SIM_NS_PER_S)
		net_l2(pl, t, dev, lldp_dst, 0x88cc, &p, "lldp");
}
