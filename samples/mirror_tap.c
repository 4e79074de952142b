/*
 * mirror_tap.c - the aggregating TAP view: a passive TAP copies every frame
 * of both directions exactly, with its timing, its FCS and its damage
 * (DESIGN.md, "Background").  Other mirrors (SPAN, RSPAN, ERSPAN, vSwitch)
 * are further mirror_<kind>.c files that render the same wire truth.
 */
#include <stdio.h>

#include "samples/sim.h"

/* pcapng epb_flags (draft-ietf-opsawg-pcapng 4.3.1): bits 0-1 direction
 * (1 = inbound), bits 5-8 FCS length, then link-layer errors: bit 24 CRC
 * error, bit 26 packet too short (bit 31 would be a symbol error). */
#define EPB_INBOUND 0x1u
#define EPB_FCSLEN(n) ((uint32_t)(n) << 5)
#define EPB_TOO_SHORT (1u << 26)
#define EPB_CRC_ERROR (1u << 24)

int mirror_tap(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt)
{
	struct pcapng_writer w;
	char path[4096];

	*vt = (struct sim_view_truth){ .name = "tap", .file = "tap.pcapng", .method = "tap-aggregating" };
	if (snprintf(path, sizeof path, "%s/tap.pcapng", dir) >= (int)sizeof path)
		return -1;
	if (pcapng_open(&w, path, "tap0", "aggregating TAP, both directions of every plant link") != 0)
		return -1;
	for (size_t i = 0; i < pl->wire.n; i++) {
		const struct sim_frame *f = &pl->wire.frames[i];
		/* Direction: as seen entering the switch on in_port. */
		uint32_t flags = EPB_INBOUND | EPB_FCSLEN(4);

		if (f->damage)
			flags |= EPB_CRC_ERROR;
		if (f->damage == SIM_DAMAGE_RUNT)
			flags |= EPB_TOO_SHORT;
		pcapng_write_epb(&w, f->ts_ns, f->bytes, f->len, f->len, flags);
		truth_view_saw(vt, pl, f, f->ts_ns);
		vt->written++;
		if (f->damage)
			vt->damaged_passed++;
	}
	vt->wire_frames = pl->wire.n;
	mirror_isb(&w, pl, 0, 0, 0);
	return pcapng_close(&w);
}
