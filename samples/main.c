/*
 * main.c - tapsight-sim: renders the simulated plant and its ground truth.
 *
 *   tapsight-sim [--seed N] [--duration SECONDS] [--span-mbps N]
 *                [--tunnel-loss PERMILLE] [--poll-ms N] [--vswitch-drops N]
 *                [--no-copies] -o DIR
 *
 * Exit status: 0 written, 1 could not write the outputs, 2 bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "samples/sim.h"

#define DEFAULT_SEED 1
#define DEFAULT_DURATION_S 60
#define MAX_DURATION_S 3600
/* Bounds of the knobs: a mirror port from 10 Mbit/s to 100 Gbit/s; tunnel
 * loss up to half the packets; polls from 20 ms (a 10 ms poll over an hour
 * would pass SIM_MAX_FRAMES) to a minute; sensor drops within the half of
 * the bulk burst after the point where the VM's buffer overflows. */
#define MIN_SPAN_MBPS 10
#define MAX_SPAN_MBPS 100000
#define MAX_TUNNEL_LOSS_PERMILLE 500
#define MIN_POLL_MS 20
#define MAX_POLL_MS 60000
#define MAX_VSWITCH_DROPS 100

static void usage(FILE *f)
{
	fputs("usage: tapsight-sim [--seed N] [--duration SECONDS] [--span-mbps N]\n"
	      "                    [--tunnel-loss PERMILLE] [--poll-ms N] [--vswitch-drops N]\n"
	      "                    [--no-copies] -o DIR\n"
	      "Simulates an OT plant behind one switch and writes, into DIR:\n"
	      "  tap.pcapng          every wire frame as an aggregating TAP sees it\n"
	      "  tap-rx.pcapng, tap-tx.pcapng   a non-aggregating TAP on the HMI's link\n"
	      "  span.pcapng         SPAN of ports 2-4, RX and TX (drops, delay, duplicates)\n"
	      "  span-rx.pcap.gz     SPAN of ports 2-4, RX only, classic pcap\n"
	      "  rspan.pcapng        RSPAN: remote VLAN 999, one more hop\n"
	      "  erspan.pcapng       ERSPAN type II to a collector (GRE over IPv4)\n"
	      "  erspan3.pcapng.zst  ERSPAN type III, with timestamps\n"
	      "  vswitch.pcapng      a vSwitch promiscuous port group (ports 2 and 6)\n"
	      "  truth-frames.csv    one row per wire frame (ports, protocol, damage)\n"
	      "  truth-assets.csv    one row per device, rogue included\n"
	      "  inventory.csv       the known-asset inventory (no rogue)\n"
	      "  truth-views.csv     what each view should carry\n"
	      "  truth-visibility.csv  per view and device: frames it sent that the view holds\n"
	      "  truth-copies.csv    per view and record: the wire frame and the stamp written\n"
	      "Options:\n"
	      "  --seed N               PRNG seed (default 1)\n"
	      "  --duration SECONDS     length of the run, 1..3600 (default 60)\n"
	      "  --span-mbps N          SPAN/RSPAN mirror port capacity, 10..100000 Mbit/s\n"
	      "                         (default 100: the bulk burst overflows it)\n"
	      "  --tunnel-loss PERMILLE ERSPAN packets lost in transit, 0..500 per mille\n"
	      "                         (default 3 = 0.3%; shows as GRE sequence gaps)\n"
	      "  --poll-ms N            Modbus/TCP polling period, 20..60000 ms (default 100)\n"
	      "  --vswitch-drops N      frames the vSwitch sensor VM's capture loses in the\n"
	      "                         bulk burst, 0..100 (default 6; in its pcapng ISB)\n"
	      "  --no-copies            do not write truth-copies.csv (a row per record: an\n"
	      "                         hour-long run writes millions)\n", f);
}

/* Strict unsigned decimal in [lo, hi]; returns -1 on anything else. */
static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Parses the value of a numeric knob; prints why and returns -1 if bad. */
static int knob(const char *name, const char *s, uint64_t lo, uint64_t hi, const char *unit, uint64_t *out)
{
	if (parse_u64(s, lo, hi, out) == 0)
		return 0;
	fprintf(stderr, "tapsight-sim: %s: want %" PRIu64 "..%" PRIu64 " %s, got %s\n", name, lo, hi, unit, s);
	return -1;
}

int main(int argc, char **argv)
{
	uint64_t seed = DEFAULT_SEED, duration = DEFAULT_DURATION_S, v;
	struct sim_params par;
	const char *dir = NULL;
	static struct sim_plant pl;	/* large: keep it off the stack */
	struct sim_view_truth views[8] = { 0 };	/* zeroed: a failed run frees them all */
	size_t nviews = 0;
	int rc = 0;

	sim_params_default(&par);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--seed") && i + 1 < argc) {
			if (parse_u64(argv[++i], 0, UINT64_MAX, &seed) != 0) {
				fprintf(stderr, "tapsight-sim: --seed: not an unsigned integer: %s\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--duration") && i + 1 < argc) {
			if (parse_u64(argv[++i], 1, MAX_DURATION_S, &duration) != 0) {
				fprintf(stderr, "tapsight-sim: --duration: want 1..%d seconds, got %s\n",
					MAX_DURATION_S, argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--span-mbps") && i + 1 < argc) {
			if (knob(a, argv[++i], MIN_SPAN_MBPS, MAX_SPAN_MBPS, "Mbit/s", &v) != 0)
				return 2;
			par.span_rate_bps = v * 1000000;
		} else if (!strcmp(a, "--tunnel-loss") && i + 1 < argc) {
			if (knob(a, argv[++i], 0, MAX_TUNNEL_LOSS_PERMILLE, "per mille", &v) != 0)
				return 2;
			par.tunnel_loss_ppm = (uint32_t)(v * 1000);
		} else if (!strcmp(a, "--poll-ms") && i + 1 < argc) {
			if (knob(a, argv[++i], MIN_POLL_MS, MAX_POLL_MS, "ms", &v) != 0)
				return 2;
			par.poll_ns = v * SIM_NS_PER_MS;
		} else if (!strcmp(a, "--vswitch-drops") && i + 1 < argc) {
			if (knob(a, argv[++i], 0, MAX_VSWITCH_DROPS, "frames", &v) != 0)
				return 2;
			par.vswitch_drops = (uint32_t)v;
		} else if (!strcmp(a, "--no-copies")) {
			par.no_copies = true;
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			dir = argv[++i];
		} else {
			fprintf(stderr, "tapsight-sim: unexpected argument: %s\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!dir) {
		usage(stderr);
		return 2;
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "tapsight-sim: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (plant_build(&pl, &par, seed, duration) != 0) {
		fprintf(stderr, "tapsight-sim: out of memory or over %d frames\n", SIM_MAX_FRAMES);
		plant_free(&pl);
		return 1;
	}
	/* mirrors: the bulk burst joins the wire truth before any view. */
	bulk_burst(&pl);
	if (pl.wire.full) {
		fprintf(stderr, "tapsight-sim: out of memory or over %d frames\n", SIM_MAX_FRAMES);
		plant_free(&pl);
		return 1;
	}
	if (mirror_tap(&pl, dir, &views[nviews++]) != 0 || mirror_tap2(&pl, dir, &views[nviews++]) != 0 ||
	    mirror_span(&pl, dir, &views[nviews++]) != 0 || mirror_span_rx(&pl, dir, &views[nviews++]) != 0 ||
	    mirror_rspan(&pl, dir, &views[nviews++]) != 0 ||
	    mirror_erspan(&pl, dir, &views[(nviews += 2) - 2]) != 0 ||
	    mirror_vswitch(&pl, dir, &views[nviews++]) != 0 ||
	    truth_write_frames(&pl, dir) != 0 ||
	    truth_write_assets(&pl, dir) != 0 || truth_write_inventory(&pl, dir) != 0 ||
	    truth_write_views(views, nviews, dir) != 0 ||
	    truth_write_visibility(&pl, views, nviews, dir) != 0 ||
	    (!par.no_copies && truth_write_copies(views, nviews, dir) != 0)) {
		fprintf(stderr, "tapsight-sim: %s: could not write the outputs: %s\n", dir, strerror(errno));
		rc = 1;
	}
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
		truth_view_free(&views[i]);
	plant_free(&pl);
	return rc;
}
