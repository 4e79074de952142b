/*
 * mirror_tap2.c - a non-aggregating TAP on one link (hmi-01's, switch port
 * 2): the TAP splits the two directions onto two sensor ports, so two
 * files that together are one view (DESIGN.md, "Background"):
 *   tap-rx.pcapng  what the device sends (frames entering port 2)
 *   tap-tx.pcapng  what it receives (frames the switch sends out port 2)
 * Like any TAP it keeps the timing, the FCS and damaged frames.  The wire
 * truth has one time per frame; both files use it.
 */
#include <stdio.h>

#include "samples/sim.h"

#define TAP2_PORT 2u

static uint32_t damage_flags(const struct sim_frame *f)
{
	uint32_t fl = 0;

	if (f->damage)
		fl |= MIRROR_EPB_CRC_ERROR;
	if (f->damage == SIM_DAMAGE_RUNT)
		fl |= MIRROR_EPB_TOO_SHORT;
	return fl;
}

int mirror_tap2(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt)
{
	struct pcapng_writer rx, tx;
	char prx[4096], ptx[4096];
	int rc;

	*vt = (struct sim_view_truth){ .name = "tap2", .file = "tap-rx.pcapng;tap-tx.pcapng",
				       .method = "tap-non-aggregating" };
	if (mirror_path(prx, sizeof prx, dir, "tap-rx.pcapng") != 0 ||
	    mirror_path(ptx, sizeof ptx, dir, "tap-tx.pcapng") != 0)
		return -1;
	if (pcapng_open(&rx, prx, "tap-rx", "non-aggregating TAP on port 2 (hmi-01): frames it sends") != 0)
		return -1;
	if (pcapng_open(&tx, ptx, "tap-tx", "non-aggregating TAP on port 2 (hmi-01): frames it receives") != 0) {
		pcapng_close(&rx);
		return -1;
	}
	for (size_t i = 0; i < pl->wire.n; i++) {
		const struct sim_frame *f = &pl->wire.frames[i];

		if (f->in_port == TAP2_PORT) {
			pcapng_write_epb(&rx, f->ts_ns, f->bytes, f->len, f->len,
					 MIRROR_EPB_INBOUND | MIRROR_EPB_FCSLEN(4) | damage_flags(f));
		} else if (f->out_ports & (1u << TAP2_PORT)) {
			pcapng_write_epb(&tx, f->ts_ns, f->bytes, f->len, f->len,
					 MIRROR_EPB_OUTBOUND | MIRROR_EPB_FCSLEN(4) | damage_flags(f));
		} else {
			continue;
		}
		truth_view_saw(vt, pl, f, f->ts_ns);
		vt->wire_frames++;
		vt->written++;
		vt->damaged_passed += f->damage != 0;
	}
	mirror_isb(&rx, pl, 0, 0, 0);
	mirror_isb(&tx, pl, 0, 0, 0);
	rc = pcapng_close(&rx);
	return pcapng_close(&tx) != 0 ? -1 : rc;
}
