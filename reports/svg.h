/*
 * svg.h - charts for the HTML report, as inline <svg> elements.
 *
 * Each function writes one element
 *
 *   <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 H" class="chart"
 *        role="img" font-size="11" id="ID" aria-labelledby="ID-title">
 *     <title id="ID-title">TITLE</title> ... </svg>
 *
 * to f.  ID is the caller's prefix, unique in the report (the chart's own
 * ids are built from it).  The viewBox is fixed (800 wide, the height from
 * the content), so the chart scales with the CSS width of its container.
 * The title is the accessible name and tooltip; the report gives the
 * visible heading or caption.
 *
 * Nothing refers outside the element: no href, no image, no font, no
 * script, no style="" attribute (the report's Content-Security-Policy
 * forbids them).  Colours come from class names, defined by the CSS that
 * svg_style() writes for the report's <style> element; the few
 * presentation attributes used (fill="none", text-anchor, font-size) are
 * not styles in the CSP's sense.  Every string (title, labels, value
 * texts) is written through html_str(): sanitised and escaped, so labels
 * may come straight from a capture.  Coordinates of non-finite or
 * impossible values are clamped: "nan" and "inf" never appear.
 *
 * Empty input (nothing to draw) gives a short chart that says "no data"
 * (class "nodata").  Every chart is bounded (the SVG_MAX_* below); what is
 * left out is counted in a text line of class "note".
 *
 * Classes (all defined by svg_style()):
 *   series-0 .. series-7   the palette (Okabe-Ito, colour-blind safe; lines
 *                          also differ by dash pattern, for grey print);
 *                          series i uses series-(i % 8), with "area"
 *                          (timeline) or "line" (CDF curve, legend line)
 *   axis, grid             axis lines, light grid lines
 *   tick, label, sublabel, value, note, nodata   texts
 *   band                   a marked interval on the timeline (red)
 *   bar                    a horizontal bar
 *   node + known | rogue | unknown | unmonitored    a graph node (circle);
 *                          "key" + the same in the graph's legend
 *   edge, arrow, edge-label                         a graph edge
 */
#ifndef TP_SVG_H
#define TP_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SVG_MAX_ROWS 32		/* timeline rows */
#define SVG_MAX_SERIES 16	/* CDF curves */
#define SVG_MAX_POINTS 1000	/* points per row or curve (more are averaged / sampled) */
#define SVG_MAX_BARS 100
#define SVG_MAX_NODES 64
#define SVG_MAX_EDGES 256

/* The CSS rules for the classes above (to go inside the report's <style>). */
void svg_style(FILE *f);

/* A marked interval [start_ns, end_ns] on a timeline row. */
struct svg_band {
	size_t row;
	int64_t start_ns, end_ns;
};

/*
 * Frames over time, one row per series (small multiples sharing the time
 * axis and the rate scale): row r has ncounts[r] buckets counts[r][i] of
 * frames in [t0_ns + i x width_ns, + width_ns) (counts[r] NULL: none;
 * labels NULL: no labels), drawn as a filled step
 * area (<path class="area series-R">) of the rate in frames per second,
 * with the row's label above it.  Rows of more than SVG_MAX_POINTS buckets
 * are drawn in groups of buckets (their mean rate).  Bands are drawn as
 * <rect class="band"> over their row, at least one unit (a pixel at the
 * natural size) wide so a single missed frame shows; bands that touch the
 * same pixel columns merge into one rect; bands outside the span or for a
 * row not drawn are left out.  The time axis is in UTC: HH:MM:SS (with
 * fractions when the ticks are closer than a second) and the date in the
 * axis caption, or "YYYY-MM-DD HH:MM" ticks when the span exceeds a day.
 * "no data" when no row has a bucket or width_ns <= 0.
 */
void svg_timeline(FILE *f, const char *id, const char *title, int64_t t0_ns, int64_t width_ns,
		  const char *const *labels, const uint64_t *const *counts, const size_t *ncounts,
		  size_t nrows, const struct svg_band *bands, size_t nbands);

/*
 * Distributions as cumulative curves: series i is n points (value_ns[k],
 * fraction[k]) of the fraction of values <= value_ns[k], sorted by value,
 * drawn as a step line (<path class="line series-I">) over a log x axis
 * in ns (whole decades from the smallest value to the largest, ticks "1 ns"
 * .. "10 us" .. "1 s") and a y axis 0..100 %, with a legend of labels
 * below.  Values below 1 ns are drawn at 1 ns, fractions clamped to [0, 1],
 * points with a NaN or infinity left out; a series with no point left
 * keeps its legend line but draws no curve.  "no data" when no series has
 * a point.
 */
struct svg_cdf {
	const char *label;
	const double *value_ns;
	const double *fraction;
	size_t n;
};
void svg_cdf(FILE *f, const char *id, const char *title, const struct svg_cdf *s, size_t n);

/*
 * Horizontal bars, one per label, in the given order: the label on a line
 * above its bar (<rect class="bar">), the bar's length proportional to
 * values[i] (negative or non-finite as 0), and value_texts[i] after it
 * (value_texts or an entry NULL: the value with k/M/G).  "no data" when
 * n is 0.
 */
void svg_bars(FILE *f, const char *id, const char *title, const char *const *labels,
	      const double *values, const char *const *value_texts, size_t n);

/*
 * Who talks to whom: nodes (<circle class="node KLASS">, KLASS one of
 * "known", "rogue", "unknown", "unmonitored"; anything else, or NULL, is
 * "unknown") on a circle, or on two rings when there are more than 16,
 * each with its label and sublabel (e.g. IP, vendor) beside it; edges
 * from -> to as lines with an arrowhead (<path class="edge">, the
 * marker's id is ID-arrow) and their label at the middle (class
 * "edge-label"); parallel edges curve apart.  A legend of the node classes
 * is at the top.  The first SVG_MAX_NODES nodes and the first
 * SVG_MAX_EDGES edges between them are drawn; edges to a node not drawn,
 * to no node, or to themselves are left out, all counted in the note.
 * "no data" when nn is 0.
 */
struct svg_node {
	const char *label, *sublabel, *klass;
};
struct svg_edge {
	size_t from, to;
	const char *label;
};
void svg_graph(FILE *f, const char *id, const char *title, const struct svg_node *nodes, size_t nn,
	       const struct svg_edge *edges, size_t ne);

#endif
