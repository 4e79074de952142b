/*
 * mirror_span.c - a switch SPAN session (local mirror port), and the queue
 * model that RSPAN and ERSPAN reuse (DESIGN.md, "Background").
 *
 * A switch copies each frame that enters an RX-mirrored port or leaves a
 * TX-mirrored port to the mirror port, at low priority:
 *   - a frame that enters one mirrored port and leaves another is copied
 *     twice (RX copy ~2 us after the frame, each TX copy ~5 us + 1 us per
 *     port after it); a flood is copied once per mirrored egress port;
 *   - damaged frames (bad FCS, runts) are discarded by the store-and-forward
 *     check before any copy is made;
 *   - the mirror port drains at its own rate through a small buffer: a copy
 *     that does not fit is dropped (loss comes in bursts under load), the
 *     others wait their turn (delay and jitter grow with the load);
 *   - now and then two consecutive copies leave swapped (reordering);
 *   - the sensor stamps with its own clock (offset and drift).
 *
 * Outputs: span.pcapng (RX+TX of the HMI and both PLC ports) and
 * span-rx.pcap.gz (RX only of the same ports, classic pcap via libpcap,
 * microsecond stamps, FCS stripped as most capture cards do, gzipped).
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "samples/sim.h"

#define SPAN_PORTS ((1u << 2) | (1u << 3) | (1u << 4))	/* hmi-01, plc-01, plc-02 */
#define RX_COPY_NS 2000u
#define TX_COPY_NS 5000u
#define TX_COPY_STEP_NS 1000u
#define PREAMBLE_IFG 20u	/* 802.3: 8 bytes preamble+SFD, 12 bytes gap */
#define SWAP_WINDOW_NS 200000u	/* copies this close may leave swapped */

int mirror_path(char *out, size_t n, const char *dir, const char *name)
{
	int k = snprintf(out, n, "%s/%s", dir, name);

	return (k < 0 || (size_t)k >= n) ? -1 : 0;
}

uint64_t mirror_clock(const struct sim_plant *pl, uint64_t t_ns, int64_t offset_ns, int64_t drift_ppb)
{
	/* t - start stays under an hour (3.6e12 ns): times 1e5 ppb fits. */
	int64_t rel = (int64_t)(t_ns - pl->start_ns);

	return (uint64_t)((int64_t)t_ns + offset_ns + rel / 1000 * drift_ppb / 1000000);
}

void mirror_isb(struct pcapng_writer *w, const struct sim_plant *pl, int64_t offset_ns, int64_t drift_ppb,
		uint64_t ifdrop)
{
	pcapng_write_isb(w, mirror_clock(pl, pl->start_ns, offset_ns, drift_ppb),
			 mirror_clock(pl, pl->start_ns + pl->duration_ns, offset_ns, drift_ppb), ifdrop);
}

uint64_t mirror_count_reordered(const struct mirror_copy *c, size_t n)
{
	uint64_t r = 0;
	uint32_t max = 0;

	for (size_t i = 0; i < n; i++) {
		if (i && c[i].order < max)
			r++;
		if (!i || c[i].order > max)
			max = c[i].order;
	}
	return r;
}

static int copy_cmp(const void *a, const void *b)
{
	const struct mirror_copy *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static unsigned popcount32(uint32_t v)
{
	unsigned n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

int span_run(const struct sim_plant *pl, const struct span_cfg *c, struct mirror_copy **out, size_t *nout,
	     struct sim_view_truth *vt)
{
	struct sim_rng rng = { c->seed };
	struct mirror_copy *cp;
	size_t n = 0, k = 0;
	uint64_t free_at = 0, last = 0;

	*out = NULL;
	*nout = 0;
	/* First pass: how many copies, to allocate once. */
	for (size_t i = 0; i < pl->wire.n; i++) {
		const struct sim_frame *f = &pl->wire.frames[i];

		if (!f->damage)
			n += ((c->rx_ports >> f->in_port) & 1u) + popcount32(f->out_ports & c->tx_ports);
	}
	cp = calloc(n ? n : 1, sizeof *cp);
	if (!cp)
		return -1;
	for (size_t i = 0; i < pl->wire.n; i++) {
		const struct sim_frame *f = &pl->wire.frames[i];
		bool rx = (c->rx_ports >> f->in_port) & 1u;
		uint32_t tx = f->out_ports & c->tx_ports;
		unsigned copies = 0, step = 0;

		if (f->damage) {
			/* The FCS check runs before the mirror sees the frame. */
			vt->damaged_dropped += rx;	/* never forwarded: no TX copy */
			continue;
		}
		if (rx) {
			cp[k++] = (struct mirror_copy){ f->ts_ns + RX_COPY_NS, (uint32_t)i, 0 };
			copies++;
		}
		for (unsigned p = 1; p <= SIM_MAX_PORTS; p++)
			if (tx & (1u << p)) {
				cp[k++] = (struct mirror_copy){ f->ts_ns + TX_COPY_NS + TX_COPY_STEP_NS * step++,
								(uint32_t)i, 0 };
				copies++;
			}
		if (copies) {
			vt->wire_frames++;
			vt->duplicated += copies - 1;
		}
	}
	for (size_t i = 0; i < k; i++)
		cp[i].order = (uint32_t)i;	/* creation order breaks ties */
	qsort(cp, k, sizeof *cp, copy_cmp);
	for (size_t i = 0; i < k; i++)
		cp[i].order = (uint32_t)i;	/* now the arrival rank */

	/* The mirror port's FIFO: what is still queued at time a is the time
	 * left before it is free, times the rate. */
	n = 0;
	for (size_t i = 0; i < k; i++) {
		const struct sim_frame *f = &pl->wire.frames[cp[i].frame];
		uint64_t a = cp[i].t_ns, bytes = f->len + c->extra_bytes + PREAMBLE_IFG;
		uint64_t backlog = free_at > a ? (free_at - a) * c->rate_bps / 8 / SIM_NS_PER_S : 0;
		uint64_t start, t;

		if (backlog + bytes > c->buffer_bytes) {
			vt->dropped++;
			continue;
		}
		start = free_at > a ? free_at : a;
		free_at = start + bytes * 8 * SIM_NS_PER_S / c->rate_bps;
		t = start + c->hop_ns + sim_rng_below(&rng, c->hop_jitter_ns + 1);
		/* The path after the queue is a FIFO too: jitter never reorders. */
		if (n && t <= last)
			t = last + 100;
		last = t;
		cp[n] = cp[i];
		cp[n++].t_ns = t;
	}
	/* Rare swaps (a switch with several mirror queues): a copy is held
	 * back behind the next one, when that one follows closely (both are
	 * queued at once; a copy is never held through a quiet spell).  Times
	 * stay causal and in order: the next copy keeps its time, the held one
	 * leaves 100 ns after it. */
	for (size_t i = 0; i + 1 < n; i++)
		if (sim_rng_below(&rng, 1000000) < c->reorder_ppm &&
		    cp[i + 1].t_ns - cp[i].t_ns <= SWAP_WINDOW_NS &&
		    (i + 2 == n || cp[i + 2].t_ns > cp[i + 1].t_ns + 100)) {
			struct mirror_copy a = cp[i];

			cp[i] = cp[i + 1];
			cp[i + 1] = a;
			cp[i + 1].t_ns = cp[i].t_ns + 100;
			i++;
		}
	vt->reordered = mirror_count_reordered(cp, n);
	vt->written = n;
	*out = cp;
	*nout = n;
	return 0;
}

int mirror_span(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt)
{
	const struct span_cfg cfg = {
		.rx_ports = SPAN_PORTS, .tx_ports = SPAN_PORTS, .rate_bps = pl->par.span_rate_bps,
		.buffer_bytes = 32768, .reorder_ppm = 1000, .seed = 0x5350414e,
	};
	struct pcapng_writer w;
	struct mirror_copy *cp;
	size_t n;
	char path[4096];
	int rc;

	*vt = (struct sim_view_truth){ .name = "span", .file = "span.pcapng", .method = "span-rx-tx",
				       .offset_ns = 1234000, .drift_ppm = 20.0 };
	if (mirror_path(path, sizeof path, dir, vt->file) != 0 || span_run(pl, &cfg, &cp, &n, vt) != 0)
		return -1;
	if (pcapng_open(&w, path, "span0", "SPAN of ports 2-4 (hmi-01, plc-01, plc-02), RX and TX") != 0) {
		free(cp);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sim_frame *f = &pl->wire.frames[cp[i].frame];
		uint64_t ts = mirror_clock(pl, cp[i].t_ns, vt->offset_ns, 20000);

		pcapng_write_epb(&w, ts, f->bytes, f->len, f->len, MIRROR_EPB_FCSLEN(4));
		truth_view_saw(vt, pl, f, ts);
	}
	/* The SPAN queue's drops happen in the switch: the sensor counts none. */
	mirror_isb(&w, pl, vt->offset_ns, 20000, 0);
	rc = pcapng_close(&w);
	free(cp);
	return rc;
}

/* gzip the finished file into path.gz and remove it, as gzip(1) does;
 * zlib writes no time stamp in the header, so the bytes are reproducible. */
static int gzip_file(const char *path)
{
	char gz[4200];
	uint8_t buf[65536];
	FILE *in;
	gzFile out;
	size_t got;
	int rc = 0;

	if (snprintf(gz, sizeof gz, "%s.gz", path) >= (int)sizeof gz)
		return -1;
	in = fopen(path, "rb");
	if (!in)
		return -1;
	out = gzopen(gz, "wb9");
	if (!out) {
		fclose(in);
		return -1;
	}
	while ((got = fread(buf, 1, sizeof buf, in)) > 0)
		if (gzwrite(out, buf, (unsigned)got) != (int)got) {
			rc = -1;
			break;
		}
	if (ferror(in))
		rc = -1;
	fclose(in);
	if (gzclose(out) != Z_OK)
		rc = -1;
	if (rc == 0 && unlink(path) != 0)
		rc = -1;
	return rc;
}

/* RX only: a unicast frame between two mirrored ports is copied once (on
 * the port it enters), and floods are copied once, by their source port if
 * it is mirrored; what enters from unmirrored ports is never seen. */
int mirror_span_rx(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt)
{
	const struct span_cfg cfg = {
		.rx_ports = SPAN_PORTS, .tx_ports = 0, .rate_bps = pl->par.span_rate_bps,
		.buffer_bytes = 32768, .reorder_ppm = 1000, .seed = 0x53505258,
	};
	struct mirror_copy *cp;
	size_t n;
	char path[4096];
	pcap_t *pd;
	pcap_dumper_t *d;
	int rc = 0;

	*vt = (struct sim_view_truth){ .name = "span-rx", .file = "span-rx.pcap.gz", .method = "span-rx",
				       .offset_ns = -567000, .drift_ppm = -8.0 };
	if (mirror_path(path, sizeof path, dir, "span-rx.pcap") != 0 || span_run(pl, &cfg, &cp, &n, vt) != 0)
		return -1;
	pd = pcap_open_dead(DLT_EN10MB, 65535);
	d = pd ? pcap_dump_open(pd, path) : NULL;
	if (!d) {
		if (pd)
			pcap_close(pd);
		free(cp);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sim_frame *f = &pl->wire.frames[cp[i].frame];
		uint64_t ts = mirror_clock(pl, cp[i].t_ns, vt->offset_ns, -8000);
		struct pcap_pkthdr h = { 0 };

		h.ts.tv_sec = (time_t)(ts / SIM_NS_PER_S);
		h.ts.tv_usec = (suseconds_t)(ts % SIM_NS_PER_S / 1000);
		h.caplen = h.len = (bpf_u_int32)(f->len - 4u);	/* FCS stripped */
		pcap_dump((u_char *)d, &h, f->bytes);
		truth_view_saw(vt, pl, f, ts / 1000 * 1000);	/* as the file keeps it: us */
	}
	if (pcap_dump_flush(d) != 0)
		rc = -1;
	pcap_dump_close(d);
	pcap_close(pd);
	free(cp);
	return rc == 0 ? gzip_file(path) : -1;
}
