/*
 * mirror_vswitch.c - a vSwitch port group in promiscuous mode (ESXi,
 * Hyper-V): the sensor VM sees only the frames of its port group (here the
 * ports of hmi-01 and scada-01), both directions, each frame once (the
 * vSwitch delivers a frame to the promiscuous port once, not per port),
 * never a damaged one (the physical NIC drops it), stamped when the host
 * schedules the sensor VM: 0-2 ms late, so frames may come out of order.
 * The VM's capture (tcpdump in the guest) cannot keep up with the bulk
 * burst: its buffer overflows once, mid-burst, and loses a run of
 * consecutive frames (pl->par.vswitch_drops).  Those are absent from the
 * file; the guest's libpcap knows them, so the ISB's ifdrop counts them.
 */
#include <stdlib.h>
#include <string.h>

#include "samples/sim.h"

#define VSWITCH_PORTS ((1u << 2) | (1u << 6))	/* hmi-01, scada-01 */
#define VSWITCH_JITTER_NS (2 * SIM_NS_PER_MS)
/* The overflow starts at this bulk frame, in the order the VM receives. */
#define VSWITCH_DROP_AT 100u

static int copy_cmp(const void *a, const void *b)
{
	const struct mirror_copy *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int mirror_vswitch(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt)
{
	struct sim_rng rng = { 0x76737774 };
	struct pcapng_writer w;
	struct mirror_copy *cp;
	size_t n = 0, bulk = 0, kept = 0;
	char path[4096];
	int rc;

	*vt = (struct sim_view_truth){ .name = "vswitch", .file = "vswitch.pcapng", .method = "vswitch-promiscuous",
				       .offset_ns = 41000000, .drift_ppm = -50.0, .delay_ns = 0,
				       .jitter_ns = VSWITCH_JITTER_NS };
	if (mirror_path(path, sizeof path, dir, vt->file) != 0)
		return -1;
	cp = calloc(pl->wire.n ? pl->wire.n : 1, sizeof *cp);
	if (!cp)
		return -1;
	for (size_t i = 0; i < pl->wire.n; i++) {
		const struct sim_frame *f = &pl->wire.frames[i];

		if (!((VSWITCH_PORTS >> f->in_port) & 1u) && !(f->out_ports & VSWITCH_PORTS))
			continue;
		if (f->damage) {
			vt->damaged_dropped++;
			continue;
		}
		cp[n].t_ns = f->ts_ns + sim_rng_below(&rng, VSWITCH_JITTER_NS + 1);
		cp[n].frame = (uint32_t)i;
		cp[n].order = (uint32_t)n;
		n++;
	}
	qsort(cp, n, sizeof *cp, copy_cmp);
	vt->wire_frames = n;
	/* The sensor's loss: a run of bulk frames, out of the received order
	 * (so after the jitter), before counting what was reordered. */
	for (size_t i = 0; i < n; i++) {
		bool is_bulk = strcmp(pl->wire.frames[cp[i].frame].proto, "bulk") == 0;

		if (is_bulk && bulk++ >= VSWITCH_DROP_AT && vt->sensor_dropped < pl->par.vswitch_drops) {
			vt->sensor_dropped++;
			continue;
		}
		cp[kept++] = cp[i];
	}
	n = kept;
	vt->written = n;
	vt->reordered = mirror_count_reordered(cp, n);
	if (pcapng_open(&w, path, "vswitch0", "promiscuous port group: hmi-01 and scada-01") != 0) {
		free(cp);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sim_frame *f = &pl->wire.frames[cp[i].frame];
		uint64_t ts = mirror_clock(pl, cp[i].t_ns, vt->offset_ns, -50000);

		pcapng_write_epb(&w, ts, f->bytes, f->len, f->len, MIRROR_EPB_FCSLEN(4));
		truth_view_saw(vt, pl, f, ts);
	}
	mirror_isb(&w, pl, vt->offset_ns, -50000, vt->sensor_dropped);
	rc = pcapng_close(&w);
	free(cp);
	return rc;
}
