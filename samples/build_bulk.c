/*
 * build_bulk.c - a short burst of bulk UDP (a file transfer, a backup, a
 * historian catch-up) from the HMI to plc-01, near full gigabit rate.  It
 * is there for the mirrors: both ends are SPAN-mirrored, so each frame is
 * copied twice to a 100 Mbit/s mirror port, which must drop and delay.
 */
#include <string.h>

#include "samples/sim.h"

#define BULK_FRAMES 200u
#define BULK_GAP_NS 15000u	/* 1442-byte frames every 15 us: ~770 Mbit/s */
#define BULK_PAYLOAD 1400u
#define BULK_SPORT 50110u
#define BULK_DPORT 50111u

static struct sim_device *by_name(struct sim_plant *pl, const char *name)
{
	for (size_t i = 0; i < pl->ndev; i++)
		if (strcmp(pl->dev[i].name, name) == 0)
			return &pl->dev[i];
	return NULL;
}

void bulk_burst(struct sim_plant *pl)
{
	struct sim_device *hmi = by_name(pl, "hmi-01"), *plc = by_name(pl, "plc-01");
	uint64_t t = pl->duration_ns / 3 + 7 * SIM_NS_PER_MS;

	if (!hmi || !plc)
		return;
	for (uint32_t i = 0; i < BULK_FRAMES; i++) {
		struct sim_buf p = { 0 };

		buf_be32(&p, i);	/* block number, then a fixed pattern */
		for (uint32_t j = 4; j < BULK_PAYLOAD; j++)
			buf_u8(&p, (j * 7 + i) & 0xff);
		net_udp(pl, t + (uint64_t)i * BULK_GAP_NS, hmi, plc, hmi->ip, plc->ip, BULK_SPORT, BULK_DPORT, &p,
			"bulk");
	}
	wire_sort(&pl->wire);
}
