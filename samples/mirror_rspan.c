/*
 * mirror_rspan.c - RSPAN: the source switch mirrors the same ports as
 * span.pcapng, but into a remote VLAN (999) that a trunk carries to another
 * switch, where the sensor sits.  Each copy carries an IEEE 802.1Q tag
 * (TPID 0x8100, PCP 0, VID 999) after the MAC addresses and a recomputed
 * FCS; the trunk hop adds 20 us +/- 5 us (never reordering: a FIFO).  The
 * sensor has its own clock.
 */
#include <stdlib.h>
#include <string.h>

#include "samples/sim.h"

#define RSPAN_VLAN 999u
#define RSPAN_PORTS ((1u << 2) | (1u << 3) | (1u << 4))

int mirror_rspan(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt)
{
	const struct span_cfg cfg = {
		.rx_ports = RSPAN_PORTS, .tx_ports = RSPAN_PORTS, .rate_bps = pl->par.span_rate_bps,
		.buffer_bytes = 32768, .extra_bytes = 4, .hop_ns = 15000, .hop_jitter_ns = 10000,
		.reorder_ppm = 1000, .seed = 0x5253504e,
	};
	struct pcapng_writer w;
	struct mirror_copy *cp;
	size_t n;
	char path[4096];
	int rc;

	*vt = (struct sim_view_truth){ .name = "rspan", .file = "rspan.pcapng", .method = "rspan-vlan-999",
				       .offset_ns = -2750000, .drift_ppm = 35.0, .delay_ns = 20000,
				       .jitter_ns = 5000 };
	if (mirror_path(path, sizeof path, dir, vt->file) != 0 || span_run(pl, &cfg, &cp, &n, vt) != 0)
		return -1;
	if (pcapng_open(&w, path, "rspan0", "RSPAN VLAN 999 of ports 2-4 (hmi-01, plc-01, plc-02)") != 0) {
		free(cp);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sim_frame *f = &pl->wire.frames[cp[i].frame];
		uint8_t b[SIM_MAX_FRAME + 4];
		size_t body = f->len - 4u, len = body + 4;
		uint32_t fcs;

		memcpy(b, f->bytes, 12);
		b[12] = 0x81;
		b[13] = 0x00;
		b[14] = (uint8_t)(RSPAN_VLAN >> 8);
		b[15] = (uint8_t)RSPAN_VLAN;
		memcpy(b + 16, f->bytes + 12, body - 12);
		fcs = wire_fcs(b, len);
		b[len] = (uint8_t)fcs;
		b[len + 1] = (uint8_t)(fcs >> 8);
		b[len + 2] = (uint8_t)(fcs >> 16);
		b[len + 3] = (uint8_t)(fcs >> 24);
		uint64_t ts = mirror_clock(pl, cp[i].t_ns, vt->offset_ns, 35000);

		pcapng_write_epb(&w, ts, b, (uint32_t)len + 4, (uint32_t)len + 4, MIRROR_EPB_FCSLEN(4));
		truth_view_saw(vt, pl, f, ts);
	}
	mirror_isb(&w, pl, vt->offset_ns, 35000, 0);	/* drops upstream: unseen */
	rc = pcapng_close(&w);
	free(cp);
	return rc;
}
