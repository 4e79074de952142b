/*
 * main.c - tapsight-sim: renders the simulated plant and its ground truth.
 *
 *   tapsight-sim [--seed N] [--duration SECONDS] -o DIR
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

static void usage(FILE *f)
{
	fputs("usage: tapsight-sim [--seed N] [--duration SECONDS] -o DIR\n"
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
	      "Defaults: --seed 1 --duration 60 (1..3600 s).\n", f);
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

int main(int argc, char **argv)
{
	uint64_t seed = DEFAULT_SEED, duration = DEFAULT_DURATION_S;
	const char *dir = NULL;
	static struct sim_plant pl;	/* large: keep it off the stack */
	struct sim_view_truth views[8];
	size_t nviews = 0;
	int rc = 0;

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
	if (plant_build(&pl, seed, duration) != 0) {
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
	    truth_write_views(views, nviews, dir) != 0) {
		fprintf(stderr, "tapsight-sim: %s: could not write the outputs: %s\n", dir, strerror(errno));
		rc = 1;
	}
	plant_free(&pl);
	return rc;
}
