/*
 * test_quality.c - quality.csv and events.csv of the simulated plant's
 * views, against the simulator's truth (truth-views.csv, truth-frames.csv).
 *
 * Exact where the evidence is the frames themselves (damage, the mirror's
 * own marks, the sensor's counters); bounded where a kind of evidence can
 * only see part of the loss (stated at each check).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/csvread.h"
#include "tests/support/sim_run.h"

static const char *const views[][2] = {
	{ "tap", "tap.pcapng" },	{ "tap2", "tap-rx.pcapng" },	{ "tap2", "tap-tx.pcapng" },
	{ "span", "span.pcapng" },	{ "span-rx", "span-rx.pcap.gz" }, { "rspan", "rspan.pcapng" },
	{ "erspan2", "erspan.pcapng" }, { "erspan3", "erspan3.pcapng.zst" },
	{ "vswitch", "vswitch.pcapng" },
};

static struct csv_table quality, events, truth, frames;

static void run_once(void)
{
	const char *bin = getenv("TAPSIGHT_BIN") ? getenv("TAPSIGHT_BIN") : "build/release/tapsight";
	char cmd[4096], path[256];
	size_t n;

	cr_assert(eq(int, sim_run(0, 5, 60), 0));
	n = (size_t)snprintf(cmd, sizeof cmd, "'%s' -q -o '%s/report'", bin, sim_dirs[0]);
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
		n += (size_t)snprintf(cmd + n, sizeof cmd - n, " %s='%s/%s'", views[i][0], sim_dirs[0],
				      views[i][1]);
	cr_assert(lt(sz, n, sizeof cmd));
	cr_assert(eq(int, system(cmd), 0), "%s", cmd);
	snprintf(path, sizeof path, "%s/report/quality.csv", sim_dirs[0]);
	cr_assert(eq(int, csv_table_read(&quality, path), 0));
	snprintf(path, sizeof path, "%s/report/events.csv", sim_dirs[0]);
	cr_assert(eq(int, csv_table_read(&events, path), 0));
	sim_path(path, sizeof path, 0, "truth-views.csv");
	cr_assert(eq(int, csv_table_read(&truth, path), 0));
	sim_path(path, sizeof path, 0, "truth-frames.csv");
	cr_assert(eq(int, csv_table_read(&frames, path), 0));
}

static void teardown(void)
{
	csv_table_free(&quality);
	csv_table_free(&events);
	csv_table_free(&truth);
	csv_table_free(&frames);
	sim_cleanup();
}

TestSuite(quality, .init = run_once, .fini = teardown);

static size_t row_of(const struct csv_table *t, const char *view)
{
	for (size_t r = 1; r < t->rows; r++)
		if (strcmp(csv_table_get(t, r, "view"), view) == 0)
			return r;
	cr_assert(false, "view %s missing", view);
	return 0;
}

static unsigned long cell(const struct csv_table *t, size_t r, const char *col)
{
	const char *s = csv_table_get(t, r, col);

	cr_assert(s != NULL, "no column %s", col);
	return strtoul(s, NULL, 10);
}

/* Events of one kind in one view. */
static unsigned long events_of(const char *view, const char *kind)
{
	unsigned long n = 0;

	for (size_t r = 1; r < events.rows; r++)
		n += strcmp(csv_table_get(&events, r, "view"), view) == 0 &&
		     strcmp(csv_table_get(&events, r, "kind"), kind) == 0;
	return n;
}

/* What the events of one kind in one view stand for (their count
 * column: past its first 1000 events, a check lists the rest in one). */
static unsigned long events_count(const char *view, const char *kind)
{
	unsigned long n = 0;

	for (size_t r = 1; r < events.rows; r++)
		if (strcmp(csv_table_get(&events, r, "view"), view) == 0 &&
		    strcmp(csv_table_get(&events, r, "kind"), kind) == 0)
			n += strtoul(csv_table_get(&events, r, "count"), NULL, 10);
	return n;
}

Test(quality, one_row_per_view_with_all_its_frames)
{
	cr_assert(eq(sz, quality.rows - 1, 8));
	for (size_t t = 1; t < truth.rows; t++) {
		const char *view = csv_table_get(&truth, t, "view");

		cr_expect(eq(ulong, cell(&quality, row_of(&quality, view), "frames"), cell(&truth, t, "frames")),
			  "%s", view);
	}
}

/* Damage: a TAP passes every damaged frame, a switch's mirrors none; the
 * truth says which frames were damaged and how (bad FCS, or a runt:
 * shorter than 64 bytes, its FCS bad too); the TAP writes a CRC error flag
 * on each (epb_flags).  Each damaged frame is one event of each kind. */
Test(quality, damage_equals_the_truth_exactly)
{
	unsigned long bad_fcs = 0, runts = 0;

	for (size_t r = 1; r < frames.rows; r++) {
		bad_fcs += strcmp(csv_table_get(&frames, r, "damaged"), "bad_fcs") == 0;
		runts += strcmp(csv_table_get(&frames, r, "damaged"), "runt") == 0;
	}
	cr_assert(gt(ulong, bad_fcs + runts, 0), "the sample has damaged frames");
	for (size_t t = 1; t < truth.rows; t++) {
		const char *view = csv_table_get(&truth, t, "view");
		size_t q = row_of(&quality, view);
		unsigned long passed = cell(&truth, t, "damaged_passed");

		cr_expect(eq(ulong, cell(&quality, q, "damaged_frames"), passed), "%s", view);
		if (strcmp(view, "tap") == 0) {
			cr_expect(eq(ulong, passed, bad_fcs + runts));
			cr_expect(eq(ulong, cell(&quality, q, "fcs_errors"), bad_fcs + runts));
			cr_expect(eq(ulong, cell(&quality, q, "runts"), runts));
			cr_expect(eq(ulong, cell(&quality, q, "link_errors"), bad_fcs + runts));
			cr_expect(eq(ulong, events_of(view, "fcs_error"), bad_fcs + runts));
			cr_expect(eq(ulong, events_of(view, "runt"), runts));
		} else {
			cr_expect(eq(ulong, cell(&quality, q, "fcs_errors"), 0), "%s", view);
			cr_expect(eq(ulong, events_of(view, "fcs_error"), 0), "%s", view);
		}
		/* The simulator writes whole frames with right checksums. */
		cr_expect(eq(ulong, cell(&quality, q, "truncated"), 0), "%s", view);
		cr_expect(eq(ulong, cell(&quality, q, "checksum_errors"), 0), "%s", view);
		cr_expect(eq(ulong, cell(&quality, q, "malformed"), 0), "%s", view);
	}
}

/* The sensor's own counters: only the vSwitch's VM capture drops frames
 * after receiving them (its ISB isb_ifdrop); the switch's and the tunnel's
 * losses happen upstream, where no sensor counter sees them. */
Test(quality, sensor_drops_equal_the_truth)
{
	for (size_t t = 1; t < truth.rows; t++) {
		const char *view = csv_table_get(&truth, t, "view");

		cr_expect(eq(ulong, cell(&quality, row_of(&quality, view), "isb_drops"),
			     cell(&truth, t, "sensor_dropped")), "%s", view);
	}
}

/* TCP: no mirror of the simulation loses a TCP segment whole (the SPAN
 * drops fall on the UDP bulk burst, and a SPAN that copies a frame twice
 * rarely loses both copies), so acknowledged-but-unseen bytes can only be
 * zero, while every view sees acknowledged TCP data. */
Test(quality, tcp_evidence_is_measured_and_sees_no_loss)
{
	for (size_t t = 1; t < truth.rows; t++) {
		const char *view = csv_table_get(&truth, t, "view");
		size_t q = row_of(&quality, view);

		cr_expect(gt(ulong, cell(&quality, q, "tcp_acked_bytes"), 1000), "%s", view);
		cr_expect(eq(ulong, cell(&quality, q, "tcp_gap_bytes"), 0), "%s", view);
	}
}

/* RX-only mirroring: the HMI's and SCADA's questions to the gateway (DNS,
 * NTP) enter mirrored ports, the answers enter the gateway's port, which
 * is not mirrored; with RX and TX both mirrored, answers leave on a
 * mirrored port and no flow is one-sided. */
Test(quality, rx_only_span_shows_one_sided_flows)
{
	cr_expect(gt(ulong, cell(&quality, row_of(&quality, "span-rx"), "one_sided_flows"), 0));
	cr_expect(eq(ulong, cell(&quality, row_of(&quality, "span"), "one_sided_flows"), 0));
	cr_expect(eq(ulong, cell(&quality, row_of(&quality, "tap"), "one_sided_flows"), 0));
	cr_expect(eq(ulong, events_of("span-rx", "one_sided_flow"),
		     cell(&quality, row_of(&quality, "span-rx"), "one_sided_flows")));
}

/* What the mirror looks like, from the capture alone, for each method. */
Test(quality, each_view_looks_like_its_mirror)
{
	static const char *const want[][2] = {
		{ "tap-aggregating", "tap" },
		{ "tap-non-aggregating", "tap (non-aggregating)" },
		{ "span-rx-tx", "span" },
		{ "span-rx", "span (one direction) or asymmetric path" },
		{ "rspan-vlan-999", "rspan" },
		{ "vswitch-promiscuous", "host or vswitch capture" },
	};

	for (size_t t = 1; t < truth.rows; t++) {
		const char *method = csv_table_get(&truth, t, "method");
		const char *got = csv_table_get(&quality, row_of(&quality, csv_table_get(&truth, t, "view")),
						"looks_like");

		if (strncmp(method, "erspan-type-ii ", 15) == 0)
			cr_expect(eq(str, (char *)got, "erspan type ii"));
		else if (strncmp(method, "erspan-type-iii ", 16) == 0)
			cr_expect(eq(str, (char *)got, "erspan type iii"));
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
			if (strcmp(method, want[i][0]) == 0)
				cr_expect(eq(str, (char *)got, (char *)want[i][1]), "%s", method);
		cr_expect(strstr(csv_table_get(&quality, row_of(&quality, csv_table_get(&truth, t, "view")),
					       "verdict"),
				 got) != NULL);
	}
}

/* Duplicates: a SPAN (and RSPAN, ERSPAN) session copies a frame crossing
 * two mirrored ports twice; the truth counts the copies made.  A copy the
 * mirror dropped (queue, tunnel) leaves nothing to be a duplicate of, or
 * no duplicate, so what the view shows lies between duplicated - dropped
 * - tunnel_lost and duplicated; views that copy nothing twice show none. */
Test(quality, duplicates_are_the_copies_the_mirrors_made)
{
	for (size_t t = 1; t < truth.rows; t++) {
		const char *view = csv_table_get(&truth, t, "view");
		size_t q = row_of(&quality, view);
		unsigned long got = cell(&quality, q, "duplicates"), made = cell(&truth, t, "duplicated");
		unsigned long lost = cell(&truth, t, "dropped") + cell(&truth, t, "tunnel_lost");

		cr_expect(le(ulong, got, made), "%s", view);
		cr_expect(ge(ulong, got + lost, made), "%s", view);
		cr_expect(eq(ulong, cell(&quality, q, "dup_identical"), got), "%s: all identical copies", view);
		cr_expect(eq(ulong, events_count(view, "duplicate"), got), "%s", view);
		if (!made)
			cr_expect(eq(ulong, got, 0), "%s", view);
	}
}

/* Timestamps: the simulator's sensors stamp in ns (pcapng) or µs (the
 * classic pcap of span-rx), and none steps back: reordered copies are
 * written in order of their (later) stamps. */
Test(quality, timestamp_resolution_as_written)
{
	for (size_t t = 1; t < truth.rows; t++) {
		const char *view = csv_table_get(&truth, t, "view");
		size_t q = row_of(&quality, view);

		cr_expect(eq(ulong, cell(&quality, q, "ts_resolution_ns"), strcmp(view, "span-rx") ? 1 : 1000),
			  "%s", view);
		cr_expect(eq(ulong, cell(&quality, q, "ts_backwards"), 0), "%s", view);
		cr_expect(eq(ulong, events_of(view, "ts_backwards"), 0), "%s", view);
	}
}

/* Tunnel sequence numbers: every ERSPAN packet the tunnel lost is a gap in
 * its GRE sequence, exactly; views without a tunnel have none. */
Test(quality, tunnel_gaps_equal_the_packets_the_tunnel_lost)
{
	for (size_t t = 1; t < truth.rows; t++) {
		const char *view = csv_table_get(&truth, t, "view");
		size_t q = row_of(&quality, view);

		cr_expect(eq(ulong, cell(&quality, q, "tunnel_seq_gaps"), cell(&truth, t, "tunnel_lost")), "%s",
			  view);
		cr_expect(eq(ulong, cell(&quality, q, "tunnel_expected"), cell(&truth, t, "tunnel_frames")),
			  "%s", view);
		cr_expect(eq(ulong, events_count(view, "tunnel_seq_gap"), cell(&truth, t, "tunnel_lost")), "%s",
			  view);
	}
}

/* ICS counters: the GOOSE publisher's damaged frames are lost to every
 * view but the TAP's (a switch drops them), so each of those views shows
 * at least one GOOSE gap and no more gaps than its lost copies and damaged
 * frames allow.  The TAP passes them damaged: their counters cannot be
 * read, but the gaps they leave are the damage it shows, not loss
 * (ics_damaged_values, exactly the damaged GOOSE frames), and it loses
 * nothing. */
Test(quality, ics_counter_gaps_see_the_damaged_link)
{
	unsigned long damaged = 0;

	for (size_t r = 1; r < frames.rows; r++)
		damaged += strcmp(csv_table_get(&frames, r, "protocol"), "goose") == 0 &&
			   strcmp(csv_table_get(&frames, r, "damaged"), "none") != 0;
	cr_assert(gt(ulong, damaged, 0));
	for (size_t t = 1; t < truth.rows; t++) {
		const char *view = csv_table_get(&truth, t, "view");
		size_t q = row_of(&quality, view);
		unsigned long gaps = cell(&quality, q, "ics_seq_gaps");

		unsigned long on_wire = cell(&quality, q, "ics_damaged_values");

		if (strcmp(view, "span-rx") == 0)
			continue;	/* RX only of ports 2-4: the IED's frames never enter them */
		cr_expect(eq(ulong, events_count(view, "ics_seq_gap"), gaps + on_wire), "%s", view);
		if (cell(&truth, t, "damaged_passed")) {
			cr_expect(eq(ulong, gaps, 0), "%s loses nothing", view);
			cr_expect(eq(ulong, on_wire, damaged), "%s", view);
			continue;
		}
		cr_expect(eq(ulong, on_wire, 0), "%s passes no damaged frame", view);
		cr_expect(ge(ulong, gaps, 1), "%s", view);
		cr_expect(le(ulong, gaps, damaged + cell(&truth, t, "dropped") + cell(&truth, t, "tunnel_lost") +
						 cell(&truth, t, "sensor_dropped")), "%s", view);
	}
}
