/* Tests of reports/svg.c: every chart well-formed, escaped, bounded, never "nan". */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/svg.h"
#include "tests/support/bytes.h"

#define HOSTILE "<script>alert(\"x\")</script>&'\x01\xff"
#define HOSTILE_ESCAPED "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;\\x01\\xff"

static void cleanup(void)
{
	tmpfile_cleanup();
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static bool has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

static bool lacks(const char *s, const char *needle)
{
	return !has(s, needle);
}

/* What every chart must be: one <svg> element that is well-formed XML, with
 * its title, no live markup or reference, and no number that is not one. */
static void check_chart(const char *svg)
{
	static const char head[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 800 ";
	char cmd[512], id[32], want[160];
	const char *path = tmpfile_write(0, svg, strlen(svg));

	snprintf(cmd, sizeof cmd,
		 "python3 -c 'import sys,xml.etree.ElementTree as E; E.parse(sys.argv[1])' '%s'", path);
	cr_assert(eq(int, system(cmd), 0), "not well-formed XML:\n%s", svg);
	cr_assert(eq(int, strncmp(svg, head, strlen(head)), 0));
	cr_assert(eq(int, sscanf(strstr(svg, " id=\"") ? strstr(svg, " id=\"") : "", " id=\"%31[^\"]", id), 1));
	snprintf(want, sizeof want, "id=\"%s\" aria-labelledby=\"%s-title\"><title id=\"%s-title\">",
		 id, id, id);
	cr_assert(has(svg, want), "%s", svg);
	cr_assert(eq(sz, count(svg, "<svg"), 1));
	cr_assert(lacks(svg, "<script"));
	cr_assert(lacks(svg, "style="));
	cr_assert(lacks(svg, "href"));
	cr_assert(lacks(svg, "nan") && lacks(svg, "NAN") && lacks(svg, "inf") && lacks(svg, "INF"),
		  "%s", svg);
	cr_assert(eq(str, (char *)svg + strlen(svg) - 7, "</svg>\n"));
}

/* The chart under test is written to canvas(); drawn() closes it, checks it
 * (check_chart) and returns its text, for the test to free. */
static FILE *mem;
static char *mem_buf;
static size_t mem_len;

static FILE *canvas(void)
{
	mem = open_memstream(&mem_buf, &mem_len);
	cr_assert(not(eq(ptr, mem, NULL)));
	return mem;
}

static char *drawn(void)
{
	cr_assert(eq(int, fclose(mem), 0));
	check_chart(mem_buf);
	return mem_buf;
}

/* ---- timeline ---- */

#define T0 INT64_C(1795760080000000000)	/* 2026-11-27T06:14:40Z */
#define SEC INT64_C(1000000000)

static const uint64_t ramp[60] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
				   19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
				   35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,
				   51, 52, 53, 54, 55, 56, 57, 58, 59 };

Test(svg, timeline_draws_a_row_per_view_and_every_band, .fini = cleanup)
{
	const char *labels[] = { "tap", "span", "erspan" };
	const uint64_t *counts[] = { ramp, ramp, ramp };
	size_t n[] = { 60, 60, 30 };
	/* Row 1: two bands far apart; row 2: a single missed frame (zero long). */
	struct svg_band bands[] = {
		{ 1, T0 + 2 * SEC, T0 + 3 * SEC },
		{ 1, T0 + 40 * SEC, T0 + 41 * SEC },
		{ 2, T0 + 10 * SEC, T0 + 10 * SEC },
	};
	char *svg;

	svg_timeline(canvas(), "tl", "Frames over time", T0, SEC, labels, counts, n, 3, bands, 3);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "<path class=\"area series-"), 3));
	cr_assert(has(svg, "class=\"area series-0\"") && has(svg, "class=\"area series-2\""));
	cr_assert(eq(sz, count(svg, "class=\"band\""), 3));
	cr_assert(has(svg, "width=\"1.0\" height=\"36.0\" class=\"band\""), "the lone frame shows");
	cr_assert(has(svg, ">tap</text>") && has(svg, ">erspan</text>"));
	cr_assert(has(svg, ">59/s</text>"), "the shared peak rate");
	/* Ticks every 10 s in UTC, the date in the caption. */
	cr_assert(has(svg, ">06:14:50</text>") && has(svg, ">06:15:30</text>"), "%s", svg);
	cr_assert(has(svg, ">time (UTC), 2026-11-27</text>"));
	free(svg);
}

Test(svg, timeline_merges_overlapping_bands_and_drops_the_rest, .fini = cleanup)
{
	const char *labels[] = { "a" };
	const uint64_t *counts[] = { ramp };
	size_t n[] = { 60 };
	struct svg_band bands[] = {
		{ 0, T0 + 5 * SEC, T0 + 8 * SEC },
		{ 0, T0 + 7 * SEC, T0 + 9 * SEC },	/* overlaps the first */
		{ 0, T0 + 20 * SEC, T0 + 19 * SEC },	/* backwards: still a band */
		{ 1, T0 + 5 * SEC, T0 + 8 * SEC },	/* no such row */
		{ 0, T0 - 9 * SEC, T0 - 5 * SEC },	/* before the span */
		{ 0, T0 + 99 * SEC, T0 + 100 * SEC },	/* after it */
		{ 0, T0 - 9 * SEC, T0 },		/* ends where it starts: drawn */
	};
	char *svg;

	svg_timeline(canvas(), "tl", "t", T0, SEC, labels, counts, n, 1, bands, 7);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "class=\"band\""), 3), "%s", svg);
	free(svg);
}

Test(svg, timeline_without_data_says_so, .fini = cleanup)
{
	const char *labels[] = { "a", "b" };
	const uint64_t *counts[] = { ramp, NULL };
	size_t none[] = { 0, 5 }, some[] = { 60, 0 };
	char *empty, *zero_width, *no_rows;

	svg_timeline(canvas(), "e", "t", T0, SEC, labels, counts, none, 2, NULL, 0);
	empty = drawn();
	svg_timeline(canvas(), "z", "t", T0, 0, labels, counts, some, 2, NULL, 0);
	zero_width = drawn();
	svg_timeline(canvas(), "n", "t", T0, SEC, NULL, NULL, NULL, 0, NULL, 0);
	no_rows = drawn();
	cr_assert(has(empty, ">no data</text>"));
	cr_assert(has(zero_width, ">no data</text>"));
	cr_assert(has(no_rows, ">no data</text>"));
	free(empty);
	free(zero_width);
	free(no_rows);
}

Test(svg, timeline_of_one_bucket_and_of_silence, .fini = cleanup)
{
	static const uint64_t zeros[4];
	const char *labels[] = { "one", "silent", "missing" };
	const uint64_t *counts[] = { ramp + 7, zeros, NULL };
	size_t n[] = { 1, 4, 0 };
	char *svg;

	svg_timeline(canvas(), "tl", "t", T0, 10 * INT64_C(1000000), labels, counts, n, 3, NULL, 0);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "<path class=\"area series-"), 2));
	cr_assert(has(svg, ">700/s</text>"), "7 frames in 10 ms");
	cr_assert(has(svg, ">06:14:40.000</text>"), "sub-second ticks have milliseconds");
	free(svg);
}

Test(svg, timeline_is_bounded_in_rows_and_points, .fini = cleanup)
{
	enum { ROWS = 1000, BUCKETS = 100000 };
	const char **labels = calloc(ROWS, sizeof *labels);
	const uint64_t **counts = calloc(ROWS, sizeof *counts);
	size_t *n = calloc(ROWS, sizeof *n);
	uint64_t *big = calloc(BUCKETS, sizeof *big);
	struct svg_band *bands = calloc(BUCKETS, sizeof *bands);
	char *svg;

	cr_assert(labels && counts && n && big && bands);
	for (size_t i = 0; i < BUCKETS; i++) {
		big[i] = i % 2 ? UINT64_MAX : 0;
		bands[i] = (struct svg_band){ i % ROWS, T0 + (int64_t)i * SEC, T0 + (int64_t)i * SEC };
	}
	for (size_t r = 0; r < ROWS; r++) {
		labels[r] = "row";
		counts[r] = big;
		n[r] = BUCKETS;
	}
	svg_timeline(canvas(), "tl", "t", T0, SEC, labels, counts, n, ROWS, bands, BUCKETS);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "<path class=\"area series-"), SVG_MAX_ROWS));
	cr_assert(has(svg, ">968 more rows not drawn</text>"));
	/* A row's path has at most SVG_MAX_POINTS steps; a band at most a rect per column. */
	cr_assert(lt(sz, strlen(svg), (size_t)SVG_MAX_ROWS * (SVG_MAX_POINTS * 16 + 700 * 70)));
	cr_assert(has(svg, ">2026-11-28 00:00</text>"), "a span over a day has dated ticks");
	free(svg);
	free(labels);
	free(counts);
	free(n);
	free(big);
	free(bands);
}

Test(svg, timeline_survives_extreme_times, .fini = cleanup)
{
	const char *labels[] = { "far" };
	const uint64_t *counts[] = { ramp };
	size_t n[] = { 4 };
	struct svg_band bands[] = { { 0, INT64_MIN, INT64_MAX } };
	char *late, *early;

	svg_timeline(canvas(), "l", "t", INT64_MAX / 2, INT64_MAX / 4, labels, counts, n, 1, bands, 1);
	late = drawn();
	svg_timeline(canvas(), "e", "t", INT64_MIN, INT64_MAX / 4, labels, counts, n, 1, bands, 1);
	early = drawn();
	cr_assert(eq(sz, count(late, "class=\"band\""), 1));
	free(late);
	free(early);
}

Test(svg, timeline_escapes_hostile_labels_and_title, .fini = cleanup)
{
	const char *labels[] = { HOSTILE };
	const uint64_t *counts[] = { ramp };
	size_t n[] = { 60 };
	char *svg;

	svg_timeline(canvas(), "tl", HOSTILE, T0, SEC, labels, counts, n, 1, NULL, 0);
	svg = drawn();
	cr_assert(eq(sz, count(svg, HOSTILE_ESCAPED), 2), "%s", svg);
	free(svg);
}

/* ---- cumulative distributions ---- */

static const double values[] = { 800, 5000, 20000, 1e6 };
static const double fractions[] = { 0.1, 0.5, 0.9, 1.0 };

Test(svg, cdf_draws_a_curve_per_series_over_decades, .fini = cleanup)
{
	struct svg_cdf s[] = {
		{ "tap -> span delay", values, fractions, 4 },
		{ "jitter", values + 1, fractions + 1, 3 },
	};
	char *svg;

	svg_cdf(canvas(), "cdf", "Delay", s, 2);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "<path class=\"line series-"), 2));
	cr_assert(has(svg, "class=\"line series-1\""));
	cr_assert(has(svg, ">tap -&gt; span delay</text>") && has(svg, ">jitter</text>"));
	/* Decades 100 ns .. 1 ms (the smallest value 800 ns, the largest 1 ms). */
	cr_assert(has(svg, ">100 ns</text>") && has(svg, ">1 us</text>") && has(svg, ">1 ms</text>"));
	cr_assert(lacks(svg, ">10 ns</text>") && lacks(svg, ">10 ms</text>"));
	cr_assert(has(svg, ">0%</text>") && has(svg, ">100%</text>"));
	free(svg);
}

Test(svg, cdf_leaves_out_nan_and_clamps_the_impossible, .fini = cleanup)
{
	static const double bad_v[] = { NAN, -5, 0.2, INFINITY, 300 };
	static const double bad_f[] = { 0.1, -1, 0.3, 0.5, NAN };
	static const double nan_v[] = { NAN, NAN };
	struct svg_cdf s[] = {
		{ "bad", bad_v, bad_f, 5 },
		{ "all not-a-number", nan_v, fractions, 2 },
		{ "none", NULL, NULL, 0 },
	};
	char *svg;

	svg_cdf(canvas(), "cdf", "t", s, 3);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "<path class=\"line series-"), 1), "%s", svg);
	cr_assert(has(svg, ">all not-a-number</text>") && has(svg, ">none</text>"), "legends stay");
	cr_assert(has(svg, ">1 ns</text>"), "below 1 ns is 1 ns");
	free(svg);
}

Test(svg, cdf_of_equal_values_spans_a_decade, .fini = cleanup)
{
	static const double same_v[] = { 1000, 1000, 1000 };
	struct svg_cdf s[] = { { "flat", same_v, fractions, 3 } };
	char *svg;

	svg_cdf(canvas(), "cdf", "t", s, 1);
	svg = drawn();
	cr_assert(has(svg, ">1 us</text>") && has(svg, ">10 us</text>"));
	cr_assert(eq(sz, count(svg, "<path class=\"line series-0\""), 1));
	free(svg);
}

Test(svg, cdf_without_points_says_no_data, .fini = cleanup)
{
	static const double nan_v[] = { NAN };
	struct svg_cdf s[] = { { "x", nan_v, fractions, 1 }, { "y", values, fractions, 0 } };
	char *none, *nan;

	svg_cdf(canvas(), "a", "t", NULL, 0);
	none = drawn();
	svg_cdf(canvas(), "b", "t", s, 2);
	nan = drawn();
	cr_assert(has(none, ">no data</text>") && has(nan, ">no data</text>"));
	free(none);
	free(nan);
}

Test(svg, cdf_is_bounded_and_escapes_labels, .fini = cleanup)
{
	enum { SERIES = 40, POINTS = 100000 };
	double *v = calloc(POINTS, sizeof *v), *fr = calloc(POINTS, sizeof *fr);
	struct svg_cdf s[SERIES];
	char *svg;

	cr_assert(v && fr);
	for (size_t i = 0; i < POINTS; i++) {
		v[i] = (double)(i + 1) * 1e13;		/* up to 1e18 ns and beyond */
		fr[i] = (double)(i + 1) / POINTS;
	}
	for (size_t i = 0; i < SERIES; i++)
		s[i] = (struct svg_cdf){ HOSTILE, v, fr, POINTS };
	svg_cdf(canvas(), "cdf", "t", s, SERIES);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "<path class=\"line series-"), SVG_MAX_SERIES));
	cr_assert(eq(sz, count(svg, HOSTILE_ESCAPED), SVG_MAX_SERIES));
	cr_assert(has(svg, ">24 more series not drawn</text>"));
	cr_assert(lt(sz, strlen(svg), (size_t)SVG_MAX_SERIES * (SVG_MAX_POINTS * 16 + 500) + 8000));
	free(svg);
	free(v);
	free(fr);
}

/* ---- bars ---- */

Test(svg, bars_draws_one_bar_per_label_with_its_text, .fini = cleanup)
{
	const char *labels[] = { "duplicates", "damaged", "dropped" };
	const double v[] = { 10, 0, 2.5 };
	const char *texts[] = { "10 frames", "none", NULL };
	char *svg;

	svg_bars(canvas(), "b", "Drops", labels, v, texts, 3);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "class=\"bar\""), 3));
	cr_assert(has(svg, ">10 frames</text>") && has(svg, ">none</text>"));
	cr_assert(has(svg, ">2.5</text>"), "no text: the value");
	cr_assert(has(svg, "width=\"674.0\" height=\"11.0\" class=\"bar\""), "the largest is full length");
	free(svg);
}

Test(svg, bars_clamp_impossible_values, .fini = cleanup)
{
	const double v[] = { NAN, INFINITY, -3, 0 };
	char *svg;

	svg_bars(canvas(), "b", "t", NULL, v, NULL, 4);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "width=\"0.0\" height=\"11.0\" class=\"bar\""), 4));
	free(svg);
}

Test(svg, bars_of_equal_values_are_equal, .fini = cleanup)
{
	const double v[] = { 1e6, 1e6 };
	char *svg;

	svg_bars(canvas(), "b", "t", NULL, v, NULL, 2);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "width=\"674.0\" height=\"11.0\" class=\"bar\""), 2));
	cr_assert(eq(sz, count(svg, ">1M</text>"), 2));
	free(svg);
}

Test(svg, bars_are_bounded_escaped_and_say_no_data, .fini = cleanup)
{
	enum { N = 1000 };
	const char **labels = calloc(N, sizeof *labels);
	double *v = calloc(N, sizeof *v);
	char *svg, *none;

	cr_assert(labels && v);
	for (size_t i = 0; i < N; i++) {
		labels[i] = HOSTILE;
		v[i] = (double)i;
	}
	svg_bars(canvas(), "b", "t", labels, v, labels, N);
	svg = drawn();
	svg_bars(canvas(), "n", "t", NULL, NULL, NULL, 0);
	none = drawn();
	cr_assert(eq(sz, count(svg, "class=\"bar\""), SVG_MAX_BARS));
	cr_assert(eq(sz, count(svg, HOSTILE_ESCAPED), 2 * SVG_MAX_BARS));
	cr_assert(has(svg, ">900 more bars not drawn</text>"));
	cr_assert(has(none, ">no data</text>"));
	free(svg);
	free(none);
	free(labels);
	free(v);
}

/* ---- graph ---- */

Test(svg, graph_draws_nodes_by_class_and_edges_with_labels, .fini = cleanup)
{
	const struct svg_node nodes[] = {
		{ "PLC-1", "10.0.0.1", "known" },
		{ "HMI", "10.0.0.2 Siemens", "unmonitored" },
		{ "laptop", "10.0.0.66", "rogue" },
		{ "?", "10.0.0.9", "unknown" },
		{ "odd", "10.0.0.10", "not-a-class" },
		{ "none", NULL, NULL },
	};
	const struct svg_edge edges[] = {
		{ 1, 0, "modbus: client -> server" },
		{ 0, 1, "s7comm" },		/* the other way: curves apart */
		{ 1, 0, "dnp3" },
		{ 2, 0, "modbus" },
	};
	char *svg;

	svg_graph(canvas(), "g", "Who talks to whom", nodes, 6, edges, 4);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "<circle"), 6 + 4), "nodes and the legend");
	cr_assert(eq(sz, count(svg, "class=\"node known\""), 1));
	cr_assert(eq(sz, count(svg, "class=\"node rogue\""), 1));
	cr_assert(eq(sz, count(svg, "class=\"node unmonitored\""), 1));
	cr_assert(eq(sz, count(svg, "class=\"node unknown\""), 3));
	cr_assert(eq(sz, count(svg, "<path class=\"edge\""), 4));
	cr_assert(eq(sz, count(svg, "marker-end=\"url(#g-arrow)\""), 4));
	cr_assert(has(svg, "<marker id=\"g-arrow\""));
	cr_assert(has(svg, ">modbus: client -&gt; server</text>"));
	cr_assert(has(svg, ">10.0.0.2 Siemens</text>"));
	cr_assert(lacks(svg, "not drawn"));
	free(svg);
}

Test(svg, graph_leaves_out_edges_without_two_drawn_nodes, .fini = cleanup)
{
	const struct svg_node nodes[] = { { "a", "", "known" }, { "b", "", "known" } };
	const struct svg_edge edges[] = {
		{ 0, 0, "self" }, { 0, 2, "to nothing" }, { SIZE_MAX, 1, "from nothing" }, { 0, 1, "ok" },
	};
	char *svg;

	svg_graph(canvas(), "g", "t", nodes, 2, edges, 4);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "<path class=\"edge\""), 1));
	cr_assert(has(svg, ">not drawn: 0 of 2 nodes, 3 of 4 edges</text>"));
	free(svg);
}

Test(svg, graph_is_bounded_on_two_rings, .fini = cleanup)
{
	enum { NODES = 100, EDGES = 400 };
	struct svg_node *nodes = calloc(NODES, sizeof *nodes);
	struct svg_edge *edges = calloc(EDGES, sizeof *edges);
	char *svg;

	cr_assert(nodes && edges);
	for (size_t i = 0; i < NODES; i++)
		nodes[i] = (struct svg_node){ HOSTILE, HOSTILE, i % 2 ? "rogue" : HOSTILE };
	for (size_t i = 0; i < EDGES; i++)
		edges[i] = (struct svg_edge){ i % 60, (i * 7 + 1) % 60, HOSTILE };
	svg_graph(canvas(), "g", "t", nodes, NODES, edges, EDGES);
	svg = drawn();
	cr_assert(eq(sz, count(svg, "class=\"node "), SVG_MAX_NODES));
	cr_assert(eq(sz, count(svg, "class=\"node rogue\""), SVG_MAX_NODES / 2));
	cr_assert(eq(sz, count(svg, "<path class=\"edge\""), SVG_MAX_EDGES));
	cr_assert(eq(sz, count(svg, HOSTILE_ESCAPED), 2 * SVG_MAX_NODES + SVG_MAX_EDGES));
	cr_assert(has(svg, ">not drawn: 36 of 100 nodes, 144 of 400 edges</text>"));
	free(svg);
	free(nodes);
	free(edges);
}

Test(svg, graph_of_one_node_and_of_none, .fini = cleanup)
{
	const struct svg_node one[] = { { "alone", "10.0.0.1", "known" } };
	char *svg, *none;

	svg_graph(canvas(), "g", "t", one, 1, NULL, 0);
	svg = drawn();
	svg_graph(canvas(), "n", "t", NULL, 0, NULL, 0);
	none = drawn();
	cr_assert(eq(sz, count(svg, "class=\"node known\""), 1));
	cr_assert(has(none, ">no data</text>"));
	free(svg);
	free(none);
}

Test(svg, style_defines_every_class)
{
	static const char *const classes[] = {
		".series-0{", ".series-7{", ".area", ".line", ".axis", ".grid", ".tick", ".sublabel",
		".note", ".nodata", ".band", ".bar", ".node", ".key", ".known", ".rogue", ".unknown",
		".unmonitored", ".edge{", ".arrow", ".edge-label",
	};
	char *css;

	svg_style(canvas());
	cr_assert(eq(int, fclose(mem), 0));
	css = mem_buf;
	for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
		cr_assert(has(css, classes[i]), "%s", classes[i]);
	cr_assert(lacks(css, "url(") && lacks(css, "@import"), "nothing from elsewhere");
	free(css);
}
