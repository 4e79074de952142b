/*
 * Tests of the simulator's mirror views (samples/mirror_*.c) through its
 * binary ($TAPSIGHT_SIM), independently of the analyser: tshark and
 * libpcap read the captures; truth-views.csv and truth-frames.csv say what
 * each view should hold.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/csvread.h"
#include "tests/support/sim_run.h"

#define TSHARK SIM_TSHARK
#define SIM_START_NS 1715666400000000000ull	/* the simulator's fixed epoch */

static void need_tshark(void)
{
	if (access(TSHARK, X_OK) != 0)
		cr_skip_test("mirrors: %s not installed: tshark is the oracle of these tests", TSHARK);
}

/* Runs a shell command and reads one unsigned number from its output. */
static unsigned long shell_count(const char *cmd)
{
	unsigned long n = 0;
	FILE *p = popen(cmd, "r");

	cr_assert(ne(ptr, p, NULL));
	cr_assert(eq(int, fscanf(p, "%lu", &n), 1), "no number from: %s", cmd);
	cr_assert(eq(int, pclose(p), 0));
	return n;
}

static size_t view_row(const struct csv_table *v, const char *name)
{
	for (size_t r = 1; r < v->rows; r++)
		if (strcmp(csv_table_get(v, r, "view"), name) == 0)
			return r;
	cr_assert(false, "view %s not in truth-views.csv", name);
	return 0;
}

static unsigned long cell_ul(const struct csv_table *v, size_t r, const char *col)
{
	const char *s = csv_table_get(v, r, col);

	cr_assert(ne(ptr, (void *)s, NULL), "no column %s", col);
	return strtoul(s, NULL, 10);
}

static void read_views(size_t slot, struct csv_table *v)
{
	char path[128];

	snprintf(path, sizeof path, "%s/truth-views.csv", sim_dirs[slot]);
	cr_assert(eq(int, csv_table_read(v, path), 0));
}

TestSuite(mirrors, .fini = sim_cleanup);

/* One case per view: its name in truth-views.csv and its files. */
struct view_case {
	char view[16];
	char files[2][32];	/* arrays: Criterion copies parameters across processes */
};

static const struct view_case views[] = {
	{ "tap2", { "tap-rx.pcapng", "tap-tx.pcapng" } },
	{ "span", { "span.pcapng", "" } },
	{ "span-rx", { "span-rx.pcap.gz", "" } },
	{ "rspan", { "rspan.pcapng", "" } },
	{ "erspan2", { "erspan.pcapng", "" } },
	{ "erspan3", { "erspan3.pcapng.zst", "" } },
	{ "vswitch", { "vswitch.pcapng", "" } },
};

ParameterizedTestParameters(mirrors, frame_count_matches_truth_row)
{
	return cr_make_param_array(struct view_case, views, sizeof views / sizeof views[0]);
}

/* Records in the files = frames = wire_frames - dropped + duplicated -
 * tunnel_lost, and the file column names the files. */
ParameterizedTest(const struct view_case *vc, mirrors, frame_count_matches_truth_row)
{
	struct csv_table v = { 0 };
	unsigned long got = 0;
	char cmd[512], want_files[80];
	size_t r;

	need_tshark();
	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	read_views(0, &v);
	r = view_row(&v, vc->view);
	for (size_t i = 0; i < 2; i++) {
		if (!vc->files[i][0])
			continue;
		snprintf(cmd, sizeof cmd, TSHARK " -r '%s/%s' -T fields -e frame.number 2>/dev/null | wc -l",
			 sim_dirs[0], vc->files[i]);
		got += shell_count(cmd);
	}
	snprintf(want_files, sizeof want_files, "%s%s%s", vc->files[0], vc->files[1][0] ? ";" : "", vc->files[1]);
	cr_expect(eq(str, (char *)csv_table_get(&v, r, "file"), want_files));
	cr_expect(gt(ulong, got, 100));
	cr_expect(eq(ulong, got, cell_ul(&v, r, "frames")));
	cr_expect(eq(ulong, got, cell_ul(&v, r, "wire_frames") - cell_ul(&v, r, "dropped") +
				     cell_ul(&v, r, "duplicated") - cell_ul(&v, r, "tunnel_lost")));
	csv_table_free(&v);
}

ParameterizedTestParameters(mirrors, file_dissects_cleanly)
{
	return cr_make_param_array(struct view_case, views, sizeof views / sizeof views[0]);
}

/* No malformed frame and no error-severity expert finding (FCS checked):
 * no mirror view but the TAPs carries damaged frames, and the TAP views of
 * the default scenario see none (the damaged link is not theirs). */
ParameterizedTest(const struct view_case *vc, mirrors, file_dissects_cleanly)
{
	char cmd[512];

	need_tshark();
	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	for (size_t i = 0; i < 2; i++) {
		if (!vc->files[i][0])
			continue;
		snprintf(cmd, sizeof cmd,
			 TSHARK " -o eth.check_fcs:TRUE -r '%s/%s' -T fields -E separator=/t -E occurrence=a "
			 "-e _ws.malformed -e _ws.expert.severity 2>/dev/null | "
			 "awk -F'\\t' '$1 != \"\" || $2 ~ /8388608/' | wc -l", sim_dirs[0], vc->files[i]);
		cr_expect(eq(ulong, shell_count(cmd), 0), "%s: malformed or error frames", vc->files[i]);
	}
}

/* Every RSPAN copy carries the remote VLAN's tag. */
Test(mirrors, rspan_frames_all_carry_vlan_999)
{
	char cmd[512];
	unsigned long all, tagged;

	need_tshark();
	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	snprintf(cmd, sizeof cmd, TSHARK " -r '%s/rspan.pcapng' -T fields -e frame.number 2>/dev/null | wc -l",
		 sim_dirs[0]);
	all = shell_count(cmd);
	snprintf(cmd, sizeof cmd,
		 TSHARK " -r '%s/rspan.pcapng' -Y 'vlan.id == 999 && eth.type == 0x8100' -T fields "
		 "-e frame.number 2>/dev/null | wc -l", sim_dirs[0]);
	tagged = shell_count(cmd);
	cr_expect(gt(ulong, all, 100));
	cr_expect(eq(ulong, tagged, all));
}

/* A capture in memory: nanosecond times and owned copies of the bytes. */
struct rec {
	uint64_t ts;
	uint64_t hash;
	uint32_t len;
	uint32_t idx;		/* record number - 1 */
	uint8_t *b;
};

static uint64_t fnv1a(const uint8_t *b, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static struct rec *read_capture(const char *path, size_t *n)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	struct pcap_pkthdr *h;
	const u_char *d;
	struct rec *r = NULL;
	size_t cap = 0;

	cr_assert(ne(ptr, p, NULL), "%s: %s", path, err);
	*n = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4096;
			r = realloc(r, cap * sizeof *r);
			cr_assert(ne(ptr, r, NULL));
		}
		r[*n].ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		r[*n].len = h->caplen;
		r[*n].hash = fnv1a(d, h->caplen);
		r[*n].idx = (uint32_t)*n;
		r[*n].b = malloc(h->caplen);
		cr_assert(ne(ptr, r[*n].b, NULL));
		memcpy(r[*n].b, d, h->caplen);
		(*n)++;
	}
	pcap_close(p);
	return r;
}

static void free_capture(struct rec *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].b);
	free(r);
}

static int by_hash_ts(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* Copies SPAN should make of a wire frame: RX of ports 2-4, TX of 2-4. */
static unsigned span_expected(const struct csv_table *fr, size_t row)
{
	const char *dmg = csv_table_get(fr, row, "damaged"), *outs = csv_table_get(fr, row, "out_ports");
	unsigned in = (unsigned)strtoul(csv_table_get(fr, row, "in_port"), NULL, 10), n = 0;

	if (strcmp(dmg, "none") != 0)
		return 0;
	n += in >= 2 && in <= 4;
	for (const char *s = outs; *s;) {
		char *end;
		unsigned long p = strtoul(s, &end, 10);

		n += p >= 2 && p <= 4;
		s = *end ? end + 1 : end;
	}
	return n;
}

/* span.pcapng, with the sensor clock undone, is the wire (tap.pcapng) seen
 * through the ports model: each record is a wire frame byte for byte, 2 us
 * to 5 ms after it; copies per frame never exceed the ports model, and the
 * copies missing are exactly the truth's drops. */
Test(mirrors, span_matches_wire_frames_after_clock_undo)
{
	struct csv_table v = { 0 }, fr = { 0 };
	struct rec *tap, *span, *idx;
	size_t ntap, nspan, r, unmatched = 0, too_many = 0, late = 0;
	unsigned *got;
	unsigned long expected = 0, copies = 0;
	char path[128];
	long double off, drift;

	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	read_views(0, &v);
	r = view_row(&v, "span");
	off = strtold(csv_table_get(&v, r, "offset_ns"), NULL);
	drift = strtold(csv_table_get(&v, r, "drift_ppm"), NULL) / 1e6L;
	snprintf(path, sizeof path, "%s/truth-frames.csv", sim_dirs[0]);
	cr_assert(eq(int, csv_table_read(&fr, path), 0));
	snprintf(path, sizeof path, "%s/tap.pcapng", sim_dirs[0]);
	tap = read_capture(path, &ntap);
	snprintf(path, sizeof path, "%s/span.pcapng", sim_dirs[0]);
	span = read_capture(path, &nspan);
	cr_assert(eq(sz, ntap, fr.rows - 1));
	idx = malloc(ntap * sizeof *idx);
	got = calloc(ntap, sizeof *got);
	cr_assert(ne(ptr, idx, NULL));
	cr_assert(ne(ptr, got, NULL));
	memcpy(idx, tap, ntap * sizeof *idx);
	qsort(idx, ntap, sizeof *idx, by_hash_ts);
	for (size_t i = 0; i < nspan; i++) {
		long double t = SIM_START_NS + ((long double)span[i].ts - off - SIM_START_NS) / (1.0L + drift);
		size_t lo = 0, hi = ntap, best = SIZE_MAX;

		while (lo < hi) {	/* first entry of this hash */
			size_t mid = lo + (hi - lo) / 2;

			if (idx[mid].hash < span[i].hash)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* The latest identical wire frame before the copy still owed one. */
		for (size_t j = lo; j < ntap && idx[j].hash == span[i].hash && (long double)idx[j].ts < t; j++)
			if (idx[j].len == span[i].len && memcmp(idx[j].b, span[i].b, span[i].len) == 0 &&
			    got[idx[j].idx] < span_expected(&fr, idx[j].idx + 1))
				best = j;
		if (best == SIZE_MAX) {
			cr_log_error("span record %zu (len %u) matches no wire frame", i + 1, span[i].len);
			unmatched++;
			continue;
		}
		got[idx[best].idx]++;
		late += t - (long double)idx[best].ts > 5e6L || t - (long double)idx[best].ts < 1e3L;
	}
	for (size_t i = 0; i < ntap; i++) {
		unsigned e = span_expected(&fr, i + 1);

		expected += e;
		copies += got[i];
		too_many += got[i] > e;
	}
	cr_expect(eq(sz, unmatched, 0));
	cr_expect(eq(sz, too_many, 0));
	cr_expect(eq(sz, late, 0));
	cr_expect(eq(ulong, copies, nspan));
	cr_expect(eq(ulong, expected, cell_ul(&v, r, "wire_frames") + cell_ul(&v, r, "duplicated")));
	cr_expect(eq(ulong, expected - copies, cell_ul(&v, r, "dropped")));
	cr_expect(gt(ulong, cell_ul(&v, r, "dropped"), 0), "the bulk burst should overload SPAN");
	cr_expect(gt(ulong, cell_ul(&v, r, "duplicated"), 0));
	free(got);
	free(idx);
	free_capture(tap, ntap);
	free_capture(span, nspan);
	csv_table_free(&fr);
	csv_table_free(&v);
}

static void sha256_of(size_t slot, const char *name, char out[65])
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof cmd, "sha256sum '%s/%s'", sim_dirs[slot], name);
	p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	cr_assert(ne(ptr, fgets(out, 65, p), NULL));
	cr_assert(eq(int, pclose(p), 0));
}

/* Same seed, byte-identical mirror outputs. */
Test(mirrors, same_seed_gives_identical_mirror_files)
{
	static const char *const files[] = {
		"tap-rx.pcapng", "tap-tx.pcapng", "span.pcapng", "span-rx.pcap.gz", "rspan.pcapng",
		"erspan.pcapng", "erspan3.pcapng.zst", "vswitch.pcapng", "truth-views.csv",
	};
	char a[65], b[65];

	cr_assert(eq(int, sim_run(0, 42, 20), 0));
	cr_assert(eq(int, sim_run(1, 42, 20), 0));
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		sha256_of(0, files[i], a);
		sha256_of(1, files[i], b);
		cr_expect(eq(str, a, b), "%s differs between two runs with one seed", files[i]);
	}
}

/* ERSPAN: tshark decodes every record as ERSPAN of the right type and
 * session (type II in erspan.pcapng, type III zstd-compressed), with the
 * mirrored Ethernet frame inside it dissected too. */
struct erspan_case {
	char file[32];
	char filter[128];
};

static const struct erspan_case erspans[] = {
	{ "erspan.pcapng",
	  "gre.proto == 0x88be && erspan.version == 1 && erspan.spanid == 100 && count(eth) == 2" },
	{ "erspan3.pcapng.zst",
	  "gre.proto == 0x22eb && erspan.version == 2 && erspan.spanid == 200 && count(eth) == 2" },
};

ParameterizedTestParameters(mirrors, erspan_decodes_with_session_id)
{
	return cr_make_param_array(struct erspan_case, erspans, sizeof erspans / sizeof erspans[0]);
}

ParameterizedTest(const struct erspan_case *ec, mirrors, erspan_decodes_with_session_id)
{
	char cmd[512];
	unsigned long all, good;

	need_tshark();
	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	snprintf(cmd, sizeof cmd, TSHARK " -r '%s/%s' -T fields -e frame.number 2>/dev/null | wc -l", sim_dirs[0],
		 ec->file);
	all = shell_count(cmd);
	snprintf(cmd, sizeof cmd, TSHARK " -r '%s/%s' -Y '%s' -T fields -e frame.number 2>/dev/null | wc -l",
		 sim_dirs[0], ec->file, ec->filter);
	good = shell_count(cmd);
	cr_expect(gt(ulong, all, 100));
	cr_expect(eq(ulong, good, all));
}
