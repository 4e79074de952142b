/*
 * Tests of the simulator's mirror views (samples/mirror_*.c) through its
 * binary ($TAPSIGHT_SIM), independently of the analyser: tshark and
 * libpcap read the captures; truth-views.csv and truth-frames.csv say what
 * each view should hold.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
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
 * tunnel_lost - sensor_dropped, and the file column names the files. */
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
				     cell_ul(&v, r, "duplicated") - cell_ul(&v, r, "tunnel_lost") -
				     cell_ul(&v, r, "sensor_dropped")));
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

/* Bit-wise CRC-32 (IEEE 802.3 polynomial, reflected): slow but
 * independent of the simulator's table; frames are short and few. */
static uint32_t crc32_ieee(const uint8_t *b, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= b[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static uint32_t le32_at(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t be32_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* The last four bytes are a correct Ethernet FCS of the rest. */
static bool fcs_ok(const uint8_t *b, size_t len)
{
	return len >= 4 && crc32_ieee(b, len - 4) == le32_at(b + len - 4);
}

/* libpcap reads neither gzip nor zstd: decompress next to the original. */
static void view_file_path(char *out, size_t n, size_t slot, const char *name)
{
	char cmd[512];
	size_t k = strlen(name);
	const char *tool = NULL;

	if (k > 3 && strcmp(name + k - 3, ".gz") == 0)
		tool = "zcat";
	else if (k > 4 && strcmp(name + k - 4, ".zst") == 0)
		tool = "zstd -dcq";
	if (!tool) {
		snprintf(out, n, "%s/%s", sim_dirs[slot], name);
		return;
	}
	snprintf(out, n, "%s/%s.raw", sim_dirs[slot], name);
	snprintf(cmd, sizeof cmd, "%s '%s/%s' > '%s'", tool, sim_dirs[slot], name, out);
	cr_assert(eq(int, system(cmd), 0), "%s failed", cmd);
}

/* truth-frames.csv's ts (the simulated day, UTC) in ns since 1970. */
static uint64_t truth_ts(const struct csv_table *fr, size_t row)
{
	unsigned hh, mm, ss;
	unsigned long frac;

	cr_assert(eq(int, sscanf(csv_table_get(fr, row, "ts"), "2024-05-14T%u:%u:%u.%9luZ", &hh, &mm, &ss, &frac), 4));
	return SIM_START_NS + ((uint64_t)(hh - 6) * 3600 + mm * 60 + ss) * 1000000000ull + frac;
}

/* How each view renders a wire copy, and which copies it owes. */
enum view_kind { K_TAP2_RX, K_TAP2_TX, K_SPAN, K_SPAN_RX, K_RSPAN, K_ERSPAN2, K_ERSPAN3, K_VSWITCH };

static bool port_listed(const char *list, unsigned lo, unsigned hi, unsigned *count)
{
	unsigned n = 0;

	for (const char *s = list; *s;) {
		char *end;
		unsigned long p = strtoul(s, &end, 10);

		n += p >= lo && p <= hi;
		if (end == s)
			break;
		s = *end ? end + 1 : end;
	}
	if (count)
		*count = n;
	return n > 0;
}

/* Copies the view should make of wire frame (truth row) row. */
static unsigned copies_owed(enum view_kind k, const struct csv_table *fr, size_t row)
{
	const char *outs = csv_table_get(fr, row, "out_ports");
	unsigned in = (unsigned)strtoul(csv_table_get(fr, row, "in_port"), NULL, 10), n = 0;
	bool damaged = strcmp(csv_table_get(fr, row, "damaged"), "none") != 0;

	switch (k) {
	case K_TAP2_RX:	/* a TAP passes damaged frames too */
		return in == 2;
	case K_TAP2_TX:
		return in != 2 && port_listed(outs, 2, 2, NULL);
	case K_SPAN_RX:
		return !damaged && in >= 2 && in <= 4;
	case K_VSWITCH:	/* once per frame of the port group */
		return !damaged && (in == 2 || in == 6 || port_listed(outs, 2, 2, NULL) ||
				    port_listed(outs, 6, 6, NULL));
	default:	/* SPAN, RSPAN, ERSPAN: RX and TX of ports 2-4 */
		if (damaged)
			return 0;
		port_listed(outs, 2, 4, &n);
		return n + (in >= 2 && in <= 4);
	}
}

/* Turns a record into the wire frame it carries, without its FCS (kept in
 * fcs[] when the view keeps it); false when the wrapping is wrong. */
static bool unwrap(enum view_kind k, struct rec *r, bool *has_fcs, uint8_t fcs[4], uint32_t *gre_seq)
{
	size_t hdr = 0;

	*has_fcs = false;
	switch (k) {
	case K_SPAN_RX:	/* FCS stripped by the capture card */
		break;
	case K_RSPAN:	/* 802.1Q VID 999 after the MACs, FCS over the tagged frame */
		if (r->len < 20 || r->b[12] != 0x81 || r->b[13] != 0x00 || (((unsigned)r->b[14] << 8 | r->b[15]) & 0xfff) != 999 ||
		    !fcs_ok(r->b, r->len))
			return false;
		memmove(r->b + 12, r->b + 16, r->len - 16);
		r->len -= 8;
		break;
	case K_ERSPAN2:
	case K_ERSPAN3:	/* Ethernet, IPv4 (20), GRE with sequence (8), ERSPAN (8/12) */
		hdr = 14 + 20 + 8 + (k == K_ERSPAN2 ? 8u : 12u);
		if (r->len < hdr + 4 + 14 || r->b[12] != 0x08 || r->b[13] != 0x00 || r->b[14] != 0x45 ||
		    r->b[23] != 47 || r->b[34] != 0x10 || r->b[35] != 0x00 ||
		    r->b[36] != (k == K_ERSPAN2 ? 0x88 : 0x22) || r->b[37] != (k == K_ERSPAN2 ? 0xbe : 0xeb) ||
		    !fcs_ok(r->b, r->len))
			return false;
		*gre_seq = be32_at(r->b + 38);
		r->len -= (uint32_t)hdr + 4;
		memmove(r->b, r->b + hdr, r->len);
		break;
	default:	/* the frame as on the wire, FCS included */
		if (r->len < 4)
			return false;
		*has_fcs = true;
		r->len -= 4;
		memcpy(fcs, r->b + r->len, 4);
		break;
	}
	r->hash = fnv1a(r->b, r->len);
	return true;
}

struct match_case {
	char view[16];
	char files[2][32];
	int kinds[2];			/* enum view_kind per file */
	int64_t min_delay_ns, max_delay_ns;	/* after undoing the sensor clock */
};

/* Delays: TAPs exact; SPAN-like 2 us copy lag + queue (< 5 ms) + hop, less
 * 1 us for microsecond stamps; vSwitch 0-2 ms (1 us for clock rounding). */
static const struct match_case matches[] = {
	{ "tap2", { "tap-rx.pcapng", "tap-tx.pcapng" }, { K_TAP2_RX, K_TAP2_TX }, 0, 0 },
	{ "span", { "span.pcapng", "" }, { K_SPAN, 0 }, 1000, 5000000 },
	{ "span-rx", { "span-rx.pcap.gz", "" }, { K_SPAN_RX, 0 }, 900, 5000000 },
	{ "rspan", { "rspan.pcapng", "" }, { K_RSPAN, 0 }, 10000, 6000000 },
	{ "erspan2", { "erspan.pcapng", "" }, { K_ERSPAN2, 0 }, 20000, 6000000 },
	{ "erspan3", { "erspan3.pcapng.zst", "" }, { K_ERSPAN3, 0 }, 20000, 6000000 },
	{ "vswitch", { "vswitch.pcapng", "" }, { K_VSWITCH, 0 }, -1000, 2001000 },
};

ParameterizedTestParameters(mirrors, view_matches_wire_frames)
{
	return cr_make_param_array(struct match_case, matches, sizeof matches / sizeof matches[0]);
}

/* The wire: tap.pcapng, record i = truth-frames.csv row i + 1 (checked by
 * tap_is_the_wire).  Each record of the view, unwrapped and with the
 * sensor clock undone, is a wire frame byte for byte, within the view's
 * delay window, and no frame gets more copies than the view owes it; the
 * copies missing are exactly the truth's drops (and lost tunnel packets),
 * the copies owed are wire_frames + duplicated. */
ParameterizedTest(const struct match_case *mc, mirrors, view_matches_wire_frames)
{
	struct csv_table v = { 0 }, fr = { 0 };
	struct rec *tap, *idx;
	size_t ntap, r, unmatched = 0, bad_wrap = 0, too_many = 0, late = 0, nrec = 0, reordered = 0;
	size_t seq_gaps = 0, seq_back = 0, seq_n = 0;
	uint32_t *got, max_idx = 0;
	unsigned long owed = 0, copies = 0, owed_frames = 0;
	uint64_t last_seq = 0;
	char path[160];
	long double off, drift;

	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	read_views(0, &v);
	r = view_row(&v, mc->view);
	off = strtold(csv_table_get(&v, r, "offset_ns"), NULL);
	drift = strtold(csv_table_get(&v, r, "drift_ppm"), NULL) / 1e6L;
	snprintf(path, sizeof path, "%s/truth-frames.csv", sim_dirs[0]);
	cr_assert(eq(int, csv_table_read(&fr, path), 0));
	snprintf(path, sizeof path, "%s/tap.pcapng", sim_dirs[0]);
	tap = read_capture(path, &ntap);
	cr_assert(eq(sz, ntap, fr.rows - 1));
	idx = malloc(ntap * sizeof *idx);
	got = calloc(ntap, sizeof *got);
	cr_assert(ne(ptr, idx, NULL));
	cr_assert(ne(ptr, got, NULL));
	for (size_t i = 0; i < ntap; i++) {	/* index the wire by its bytes without FCS */
		cr_assert(ge(u32, tap[i].len, 4));
		tap[i].hash = fnv1a(tap[i].b, tap[i].len - 4);
	}
	memcpy(idx, tap, ntap * sizeof *idx);
	qsort(idx, ntap, sizeof *idx, by_hash_ts);
	for (size_t fi = 0; fi < 2 && mc->files[fi][0]; fi++) {
		enum view_kind k = (enum view_kind)mc->kinds[fi];
		struct rec *rec;
		size_t n;

		view_file_path(path, sizeof path, 0, mc->files[fi]);
		rec = read_capture(path, &n);
		nrec += n;
		max_idx = 0;
		for (size_t i = 0; i < n; i++) {
			long double t = SIM_START_NS + ((long double)rec[i].ts - off - SIM_START_NS) / (1.0L + drift);
			size_t lo = 0, hi = ntap, best = SIZE_MAX;
			bool best_in_window = false;
			uint8_t fcs[4];
			bool has_fcs;
			uint32_t seq = 0;

			if (!unwrap(k, &rec[i], &has_fcs, fcs, &seq)) {
				cr_log_error("%s record %zu: wrong wrapping", mc->files[fi], i + 1);
				bad_wrap++;
				continue;
			}
			if (k == K_ERSPAN2 || k == K_ERSPAN3) {	/* GRE sequence: only gaps, never back */
				if (seq_n && seq <= last_seq)
					seq_back++;
				else
					seq_gaps += seq - (seq_n ? last_seq + 1 : 0);
				last_seq = seq;
				seq_n++;
			}
			while (lo < hi) {	/* first entry of this hash */
				size_t mid = lo + (hi - lo) / 2;

				if (idx[mid].hash < rec[i].hash)
					lo = mid + 1;
				else
					hi = mid;
			}
			/* The latest identical wire frame not after the copy still
			 * owed one, preferring one within the delay window: a TCP
			 * retransmission is a second identical wire frame, and when
			 * the mirror dropped a copy of the first, the copy of the
			 * second must not be taken for the first's. */
			for (size_t j = lo; j < ntap && idx[j].hash == rec[i].hash &&
					    (long double)idx[j].ts <= t + 1000.0L; j++)
				if (idx[j].len - 4 == rec[i].len && memcmp(idx[j].b, rec[i].b, rec[i].len) == 0 &&
				    (!has_fcs || memcmp(idx[j].b + rec[i].len, fcs, 4) == 0) &&
				    got[idx[j].idx] < copies_owed(k, &fr, idx[j].idx + 1)) {
					long double delay = t - (long double)idx[j].ts;
					bool in_window = delay <= (long double)mc->max_delay_ns &&
							 delay >= (long double)mc->min_delay_ns;

					if (best == SIZE_MAX || in_window || !best_in_window) {
						best = j;
						best_in_window = in_window;
					}
				}
			if (best == SIZE_MAX) {
				cr_log_error("%s record %zu (len %u) matches no wire frame", mc->files[fi], i + 1,
					     rec[i].len);
				unmatched++;
				continue;
			}
			got[idx[best].idx]++;
			if (t - (long double)idx[best].ts > (long double)mc->max_delay_ns ||
			    t - (long double)idx[best].ts < (long double)mc->min_delay_ns)
				late++;
			if (i && idx[best].idx < max_idx)	/* received after a later wire frame */
				reordered++;
			if (idx[best].idx > max_idx)
				max_idx = idx[best].idx;
		}
		free_capture(rec, n);
	}
	for (size_t i = 0; i < ntap; i++) {
		unsigned e = 0;

		for (size_t fi = 0; fi < 2 && mc->files[fi][0]; fi++)
			e += copies_owed((enum view_kind)mc->kinds[fi], &fr, i + 1);
		owed += e;
		owed_frames += e > 0;
		copies += got[i];
		too_many += got[i] > e;
	}
	cr_expect(gt(sz, nrec, 100));
	cr_expect(eq(sz, bad_wrap, 0));
	cr_expect(eq(sz, unmatched, 0));
	cr_expect(eq(sz, too_many, 0));
	cr_expect(eq(sz, late, 0), "copies outside %lld..%lld ns after the wire", (long long)mc->min_delay_ns,
		  (long long)mc->max_delay_ns);
	cr_expect(eq(ulong, copies, nrec));
	cr_expect(eq(ulong, owed_frames, cell_ul(&v, r, "wire_frames")));
	cr_expect(eq(ulong, owed, cell_ul(&v, r, "wire_frames") + cell_ul(&v, r, "duplicated")));
	cr_expect(eq(ulong, owed - copies, cell_ul(&v, r, "dropped") + cell_ul(&v, r, "tunnel_lost") +
					      cell_ul(&v, r, "sensor_dropped")));
	if (mc->kinds[0] == K_ERSPAN2 || mc->kinds[0] == K_ERSPAN3) {
		cr_expect(eq(sz, seq_back, 0), "GRE sequence numbers went back");
		cr_expect(eq(ulong, seq_gaps + (cell_ul(&v, r, "tunnel_frames") - 1 - last_seq),
			     cell_ul(&v, r, "tunnel_lost")));
		cr_expect(eq(ulong, seq_n + seq_gaps + (cell_ul(&v, r, "tunnel_frames") - 1 - last_seq),
			     cell_ul(&v, r, "tunnel_frames")));
	}
	if (mc->kinds[0] == K_VSWITCH || mc->kinds[0] == K_TAP2_RX)	/* wire order is the mirror's order */
		cr_expect(eq(ulong, reordered, cell_ul(&v, r, "reordered")));
	free(got);
	free(idx);
	free_capture(tap, ntap);
	csv_table_free(&fr);
	csv_table_free(&v);
}

/* tap.pcapng is the wire truth itself: one record per truth-frames.csv row
 * in order, with its exact time and length, and a correct FCS exactly on
 * the frames the truth does not mark damaged. */
Test(mirrors, tap_is_the_wire)
{
	struct csv_table v = { 0 }, fr = { 0 };
	struct rec *tap;
	size_t ntap, r, bad_ts = 0, bad_len = 0, bad_fcs_state = 0, bad_fcs = 0;
	char path[160];

	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	read_views(0, &v);
	r = view_row(&v, "tap");
	snprintf(path, sizeof path, "%s/truth-frames.csv", sim_dirs[0]);
	cr_assert(eq(int, csv_table_read(&fr, path), 0));
	snprintf(path, sizeof path, "%s/tap.pcapng", sim_dirs[0]);
	tap = read_capture(path, &ntap);
	cr_assert(eq(sz, ntap, fr.rows - 1));
	for (size_t i = 0; i < ntap; i++) {
		bool damaged = strcmp(csv_table_get(&fr, i + 1, "damaged"), "none") != 0;

		bad_ts += tap[i].ts != truth_ts(&fr, i + 1);
		bad_len += tap[i].len != strtoul(csv_table_get(&fr, i + 1, "length"), NULL, 10);
		bad_fcs_state += fcs_ok(tap[i].b, tap[i].len) == damaged;
		bad_fcs += !fcs_ok(tap[i].b, tap[i].len);
	}
	cr_expect(eq(sz, bad_ts, 0));
	cr_expect(eq(sz, bad_len, 0));
	cr_expect(eq(sz, bad_fcs_state, 0), "FCS correct iff the truth says undamaged");
	cr_expect(eq(ulong, ntap, cell_ul(&v, r, "wire_frames")));
	cr_expect(eq(ulong, ntap, cell_ul(&v, r, "frames")));
	cr_expect(eq(ulong, bad_fcs, cell_ul(&v, r, "damaged_passed")));
	cr_expect(eq(ulong, 0, cell_ul(&v, r, "dropped") + cell_ul(&v, r, "duplicated") + cell_ul(&v, r, "reordered")));
	cr_expect(gt(sz, bad_fcs, 0), "the default scenario has damaged frames");
	free_capture(tap, ntap);
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

/* ERSPAN type III: the switch stamps each copy (32 bits, Gra=01: 100 ns
 * units).  In capture order the stamps never go back, and between any two
 * records they advance as the capture times do once the sensor's drift is
 * undone (within one tick each side and clock rounding: 250 ns). */
Test(mirrors, erspan3_timestamps_follow_capture_times)
{
	struct csv_table v = { 0 };
	struct rec *rec;
	size_t n, r, not_rising = 0, off_model = 0, bad_gra = 0;
	char path[160];
	long double drift;

	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	read_views(0, &v);
	r = view_row(&v, "erspan3");
	drift = strtold(csv_table_get(&v, r, "drift_ppm"), NULL) / 1e6L;
	view_file_path(path, sizeof path, 0, "erspan3.pcapng.zst");
	rec = read_capture(path, &n);
	cr_assert(gt(sz, n, 100));
	for (size_t i = 0; i < n; i++) {
		/* Outer Ethernet 14, IPv4 20, GRE 8; then Ver/VLAN, COS..Session,
		 * Timestamp, SGT, P/FT/HW ID/D/Gra/O. */
		cr_assert(ge(u32, rec[i].len, 14 + 20 + 8 + 12));
		bad_gra += (((unsigned)rec[i].b[53] >> 1) & 3u) != 1u;
		if (!i)
			continue;
		uint32_t d100 = be32_at(rec[i].b + 46) - be32_at(rec[i - 1].b + 46);	/* wraps mod 2^32 */
		long double dcap = (long double)(rec[i].ts - rec[i - 1].ts) / (1.0L + drift);

		not_rising += d100 > 0x80000000u;	/* equal is fine: copies < 100 ns apart */
		off_model += fabsl(dcap - (long double)d100 * 100.0L) > 250.0L;
	}
	{
		uint32_t d100 = be32_at(rec[n - 1].b + 46) - be32_at(rec[0].b + 46);
		long double dcap = (long double)(rec[n - 1].ts - rec[0].ts) / (1.0L + drift);

		cr_expect(le(ldbl, fabsl(dcap - (long double)d100 * 100.0L), 250.0L),
			  "first to last: stamps and capture times drift apart");
	}
	cr_expect(eq(sz, bad_gra, 0), "granularity not 100 ns");
	cr_expect(eq(sz, not_rising, 0));
	cr_expect(eq(sz, off_model, 0));
	free_capture(rec, n);
	csv_table_free(&v);
}

/* pcapng epb_flags of the TAP views, read by tshark: the documented
 * direction on every record (tap: inbound, as seen entering the switch;
 * tap-rx inbound; tap-tx outbound), FCS length 4, the CRC-error bit exactly
 * on the frames truth-frames.csv marks damaged and too-short on runts. */
struct flags_case {
	char file[32];
	int kind;		/* -1: every wire frame; else the enum view_kind of the file */
	unsigned direction;	/* 1 inbound, 2 outbound */
};

static const struct flags_case flag_cases[] = {
	{ "tap.pcapng", -1, 1 },
	{ "tap-rx.pcapng", K_TAP2_RX, 1 },
	{ "tap-tx.pcapng", K_TAP2_TX, 2 },
};

ParameterizedTestParameters(mirrors, tap_epb_flags_match_truth)
{
	return cr_make_param_array(struct flags_case, flag_cases, sizeof flag_cases / sizeof flag_cases[0]);
}

ParameterizedTest(const struct flags_case *fc, mirrors, tap_epb_flags_match_truth)
{
	struct csv_table fr = { 0 };
	char cmd[512], line[256];
	size_t row = 1, recs = 0, bad_dir = 0, bad_crc = 0, bad_short = 0, bad_fcslen = 0, damaged = 0;
	FILE *p;

	need_tshark();
	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	snprintf(cmd, sizeof cmd, "%s/truth-frames.csv", sim_dirs[0]);
	cr_assert(eq(int, csv_table_read(&fr, cmd), 0));
	snprintf(cmd, sizeof cmd,
		 TSHARK " -r '%s/%s' -T fields -E separator=, -e frame.packet_flags_direction "
		 "-e frame.packet_flags_fcs_length -e frame.packet_flags_crc_error "
		 "-e frame.packet_flags_packet_too_short_error 2>/dev/null", sim_dirs[0], fc->file);
	p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	while (fgets(line, sizeof line, p)) {
		unsigned long dir, fcslen, crc, tshort;
		const char *dmg;

		/* The next wire frame this file carries, in wire order. */
		while (row < fr.rows && fc->kind >= 0 && !copies_owed((enum view_kind)fc->kind, &fr, row))
			row++;
		cr_assert(lt(sz, row, fr.rows), "%s: more records than wire frames", fc->file);
		cr_assert(eq(int, sscanf(line, "%lx,%lx,%lu,%lu", &dir, &fcslen, &crc, &tshort), 4),
			  "tshark line: %s", line);
		dmg = csv_table_get(&fr, row, "damaged");
		damaged += strcmp(dmg, "none") != 0;
		bad_dir += dir != fc->direction;
		bad_fcslen += fcslen != 4;
		bad_crc += crc != (strcmp(dmg, "none") != 0);
		bad_short += tshort != (strcmp(dmg, "runt") == 0);
		recs++;
		row++;
	}
	cr_assert(eq(int, pclose(p), 0));
	cr_expect(gt(sz, recs, 100));
	cr_expect(eq(sz, bad_dir, 0));
	cr_expect(eq(sz, bad_fcslen, 0));
	cr_expect(eq(sz, bad_crc, 0), "CRC-error bit not exactly on the damaged frames");
	cr_expect(eq(sz, bad_short, 0), "too-short bit not exactly on the runts");
	if (fc->kind < 0)
		cr_expect(gt(sz, damaged, 0), "the default scenario has damaged frames on the wire");
	csv_table_free(&fr);
}

/* ---- Interface Statistics Blocks and the command line's knobs. */

/* Like sim_run, with extra options (trusted text from the tests). */
static int sim_run_opts(size_t slot, const char *opts)
{
	char cmd[512];
	int st;

	snprintf(sim_dirs[slot], sizeof sim_dirs[slot], "/tmp/tapsight-sim-XXXXXX");
	cr_assert(ne(ptr, mkdtemp(sim_dirs[slot]), NULL));
	snprintf(cmd, sizeof cmd, "'%s' --seed 1 --duration 20 %s -o '%s'", sim_bin(), opts, sim_dirs[slot]);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static uint64_t le64_at(const uint8_t *b)
{
	return (uint64_t)le32_at(b) | (uint64_t)le32_at(b + 4) << 32;
}

/* What one pcapng file (little-endian, as the simulator writes) says. */
struct isb_seen {
	size_t epbs, isbs;
	bool has_recv, has_drop, has_start, has_end;
	uint64_t ifrecv, ifdrop, osdrop, start_ns, end_ns, first_ns, last_ns;
};

static void walk_pcapng(const char *cmd, struct isb_seen *o)
{
	FILE *p = popen(cmd, "r");
	uint8_t *b = NULL;
	size_t n = 0, cap = 0, got;

	cr_assert(ne(ptr, p, NULL));
	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1u << 20;
			b = realloc(b, cap);
			cr_assert(ne(ptr, b, NULL));
		}
		got = fread(b + n, 1, cap - n, p);
		n += got;
	} while (got);
	cr_assert(eq(int, pclose(p), 0), "%s failed", cmd);
	memset(o, 0, sizeof *o);
	for (size_t at = 0; at + 12 <= n;) {
		uint32_t type = le32_at(b + at), len = le32_at(b + at + 4);

		cr_assert(len >= 12 && len % 4 == 0 && len <= n - at, "bad block at %zu", at);
		if (type == 6) {
			uint64_t ts = (uint64_t)le32_at(b + at + 12) << 32 | le32_at(b + at + 16);

			if (!o->epbs || ts < o->first_ns)
				o->first_ns = ts;
			if (!o->epbs || ts > o->last_ns)
				o->last_ns = ts;
			o->epbs++;
		} else if (type == 5) {
			cr_assert(eq(sz, o->isbs, 0), "one ISB expected");
			cr_expect(eq(u32, le32_at(b + at + 8), 0));	/* interface 0 */
			o->isbs++;
			for (size_t q = at + 20; q + 4 <= at + len - 4;) {
				unsigned code = b[q] | b[q + 1] << 8, olen = b[q + 2] | b[q + 3] << 8;

				if (code == 0)
					break;
				cr_assert(eq(uint, olen, 8), "ISB option %u is %u bytes", code, olen);
				if (code == 2 || code == 3) {	/* high word first, like the EPB */
					uint64_t t = (uint64_t)le32_at(b + q + 4) << 32 | le32_at(b + q + 8);

					if (code == 2)
						o->has_start = true, o->start_ns = t;
					else
						o->has_end = true, o->end_ns = t;
				} else if (code == 4) {
					o->has_recv = true;
					o->ifrecv = le64_at(b + q + 4);
				} else if (code == 5) {
					o->has_drop = true;
					o->ifdrop = le64_at(b + q + 4);
				} else if (code == 7) {
					o->osdrop = le64_at(b + q + 4);
				}
				q += 4 + ((olen + 3u) & ~3u);
			}
			cr_expect(eq(sz, at + len, n), "the ISB closes the file");
		}
		at += len;
	}
	free(b);
}

struct isb_case {
	char view[16];
	char file[32];
};

static const struct isb_case isb_cases[] = {
	{ "tap", "tap.pcapng" },	   { "tap2", "tap-rx.pcapng" },	  { "tap2", "tap-tx.pcapng" },
	{ "span", "span.pcapng" },	   { "rspan", "rspan.pcapng" },	  { "erspan2", "erspan.pcapng" },
	{ "erspan3", "erspan3.pcapng.zst" }, { "vswitch", "vswitch.pcapng" },
};

ParameterizedTestParameters(mirrors, isb_counts_what_the_sensor_knows)
{
	return cr_make_param_array(struct isb_case, isb_cases, sizeof isb_cases / sizeof isb_cases[0]);
}

/* Every pcapng view ends with one ISB: ifrecv = records + the sensor's own
 * drops, ifdrop = sensor_dropped of the truth (the mirror's and the
 * tunnel's losses happen upstream: the sensor cannot count them), and its
 * window holds every record. */
ParameterizedTest(const struct isb_case *ic, mirrors, isb_counts_what_the_sensor_knows)
{
	struct csv_table v = { 0 };
	struct isb_seen o;
	char cmd[512];
	size_t r;

	cr_assert(eq(int, sim_run(0, 1, 20), 0));
	read_views(0, &v);
	r = view_row(&v, ic->view);
	snprintf(cmd, sizeof cmd, "%s '%s/%s'", strstr(ic->file, ".zst") ? "zstd -dcq" : "cat", sim_dirs[0],
		 ic->file);
	walk_pcapng(cmd, &o);
	cr_assert(eq(sz, o.isbs, 1));
	cr_expect(gt(sz, o.epbs, 100));
	cr_expect(o.has_recv && o.has_drop && o.has_start && o.has_end);
	cr_expect(eq(u64, o.ifdrop, cell_ul(&v, r, "sensor_dropped")));
	cr_expect(eq(u64, o.ifrecv, o.epbs + o.ifdrop));
	cr_expect(eq(u64, o.osdrop, 0));
	cr_expect(le(u64, o.start_ns, o.first_ns));
	cr_expect(ge(u64, o.end_ns, o.last_ns));
	if (strcmp(ic->view, "vswitch") == 0)
		cr_expect(gt(u64, o.ifdrop, 0), "the VM loses frames in the bulk burst");
	else
		cr_expect(eq(u64, o.ifdrop, 0));
	csv_table_free(&v);
}

/* --vswitch-drops sets the VM's loss: the ISB and the truth follow. */
Test(mirrors, vswitch_drops_option)
{
	struct csv_table v = { 0 };
	struct isb_seen o;
	char cmd[512];
	size_t r;

	cr_assert(eq(int, sim_run_opts(1, "--vswitch-drops 17"), 0));
	read_views(1, &v);
	r = view_row(&v, "vswitch");
	snprintf(cmd, sizeof cmd, "cat '%s/vswitch.pcapng'", sim_dirs[1]);
	walk_pcapng(cmd, &o);
	cr_expect(eq(ulong, cell_ul(&v, r, "sensor_dropped"), 17));
	cr_expect(eq(u64, o.ifdrop, 17));
	cr_expect(eq(u64, o.ifrecv, o.epbs + 17));
	cr_expect(eq(ulong, o.epbs, cell_ul(&v, r, "frames")));
	cr_expect(eq(ulong, o.epbs, cell_ul(&v, r, "wire_frames") - 17));
	csv_table_free(&v);
}

/* --tunnel-loss 0: every ERSPAN packet arrives, GRE sequence numbers
 * 0, 1, 2, ... without a gap, and the truth says none was lost. */
Test(mirrors, no_tunnel_loss_no_gre_gaps)
{
	struct csv_table v = { 0 };
	char cmd[512], line[64];
	unsigned long want = 0, seq, gaps = 0, n = 0;
	FILE *p;

	need_tshark();
	cr_assert(eq(int, sim_run_opts(1, "--tunnel-loss 0"), 0));
	read_views(1, &v);
	cr_expect(eq(ulong, cell_ul(&v, view_row(&v, "erspan2"), "tunnel_lost"), 0));
	cr_expect(eq(ulong, cell_ul(&v, view_row(&v, "erspan3"), "tunnel_lost"), 0));
	snprintf(cmd, sizeof cmd, TSHARK " -r '%s/erspan.pcapng' -T fields -e gre.sequence_number 2>/dev/null",
		 sim_dirs[1]);
	p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	while (fgets(line, sizeof line, p)) {
		seq = strtoul(line, NULL, 10);
		gaps += seq != want;
		want = seq + 1;
		n++;
	}
	cr_assert(eq(int, pclose(p), 0));
	cr_expect(gt(ulong, n, 100));
	cr_expect(eq(ulong, gaps, 0));
	cr_expect(eq(ulong, n, cell_ul(&v, view_row(&v, "erspan2"), "tunnel_frames")));
	csv_table_free(&v);
}

/* A 1 Gbit/s mirror port absorbs more of the bulk burst than the default
 * 100 Mbit/s one: fewer SPAN (and RSPAN) drops. */
Test(mirrors, faster_span_port_drops_less)
{
	struct csv_table slow = { 0 }, fast = { 0 };

	cr_assert(eq(int, sim_run_opts(0, ""), 0));
	cr_assert(eq(int, sim_run_opts(1, "--span-mbps 1000"), 0));
	read_views(0, &slow);
	read_views(1, &fast);
	for (size_t i = 0; i < 3; i++) {
		static const char *const names[] = { "span", "span-rx", "rspan" };
		unsigned long d0 = cell_ul(&slow, view_row(&slow, names[i]), "dropped");
		unsigned long d1 = cell_ul(&fast, view_row(&fast, names[i]), "dropped");

		cr_expect(gt(ulong, d0, 0), "%s: the default port drops", names[i]);
		cr_expect(lt(ulong, d1, d0), "%s: %lu drops at 1 Gbit/s, %lu at 100 Mbit/s", names[i], d1, d0);
	}
	csv_table_free(&slow);
	csv_table_free(&fast);
}
