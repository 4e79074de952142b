/*
 * svg.c - see svg.h.
 *
 * Plain geometry in a fixed 800-unit-wide viewBox: each chart computes
 * its height from what it draws, prints coordinates with one decimal
 * (through coord(), which never prints a non-finite number) and leaves
 * every colour to the CSS classes.  Texts go through html_str().
 */
#include "reports/svg.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/html.h"

#define W 800.0

/* Okabe & Ito's colour-blind-safe palette (yellow darkened for white paper). */
static const char *const palette[8] = {
	"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8a7a00", "#444444",
};
static const char *const dashes[8] = { "none", "6 3", "2 2", "8 3 2 3", "4 4", "1 3", "10 4", "6 2 2 2" };

static const char *const node_classes[] = { "known", "rogue", "unknown", "unmonitored" };

void svg_style(FILE *f)
{
	fputs("svg.chart{display:block;width:100%;height:auto;max-width:60rem;"
	      "font-family:system-ui,sans-serif;break-inside:avoid}\n"
	      ".chart text{fill:#222}.chart .tick,.chart .sublabel,.chart .note{fill:#555}\n"
	      ".chart .nodata{fill:#777;font-style:italic}\n"
	      ".chart .axis{stroke:#444}.chart .grid{stroke:#ddd}\n"
	      ".chart .band{fill:#d00;fill-opacity:.6}.chart .bar{fill:#0072b2}\n"
	      ".chart .line{stroke-width:1.5}.chart .area{fill-opacity:.35;stroke-width:1}\n"
	      ".chart .node,.chart .key{stroke:#333;stroke-width:1}\n"
	      ".chart .known{fill:#009e73}.chart .rogue{fill:#d00;stroke:#000;stroke-width:3}\n"
	      ".chart .unknown{fill:#bbb}.chart .unmonitored{fill:#fff;stroke-dasharray:2 2}\n"
	      ".chart .edge{stroke:#888;stroke-width:1}.chart .arrow{fill:#888}\n"
	      ".chart .edge-label{font-size:9px;paint-order:stroke;stroke:#fff;stroke-width:3px}\n",
	      f);
	for (int i = 0; i < 8; i++)
		fprintf(f, ".chart .series-%d{fill:%s;stroke:%s;stroke-dasharray:%s}\n", i, palette[i],
			palette[i], dashes[i]);
	/* Only lines are dashed; areas stay solid. */
	fputs(".chart .area{stroke-dasharray:none}.chart .line{fill:none}\n", f);
}

/* ---- writing ---- */

static void coord(FILE *f, double v)
{
	if (!isfinite(v))
		v = 0;
	fprintf(f, "%.1f", v < -1e6 ? -1e6 : v > 1e6 ? 1e6 : v);
}

static void open_chart(FILE *f, const char *id, const char *title, double h)
{
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 800 ", f);
	coord(f, h);
	fputs("\" class=\"chart\" role=\"img\" font-size=\"11\" id=\"", f);
	html_attr(f, id);
	fputs("\" aria-labelledby=\"", f);
	html_attr(f, id);
	fputs("-title\"><title id=\"", f);
	html_attr(f, id);
	fputs("-title\">", f);
	html_str(f, title);
	fputs("</title>\n", f);
}

/* A coordinate attribute: ' name="12.5"'. */
static void attr(FILE *f, const char *name, double v)
{
	fprintf(f, " %s=\"", name);
	coord(f, v);
	putc('"', f);
}

static void text(FILE *f, double x, double y, const char *klass, const char *anchor, const char *s)
{
	fputs("<text", f);
	attr(f, "x", x);
	attr(f, "y", y);
	fprintf(f, " class=\"%s\"", klass);
	if (anchor)
		fprintf(f, " text-anchor=\"%s\"", anchor);
	putc('>', f);
	html_str(f, s);
	fputs("</text>\n", f);
}

/* An empty element <TAG NAME="V"... class="KLASS"/> of n coordinates. */
static void element(FILE *f, const char *tag, const char *const *names, const double *v, size_t n,
		    const char *klass)
{
	fprintf(f, "<%s", tag);
	for (size_t i = 0; i < n; i++)
		attr(f, names[i], v[i]);
	fprintf(f, " class=\"%s\"/>\n", klass);
}

static void line(FILE *f, double x1, double y1, double x2, double y2, const char *klass)
{
	static const char *const names[] = { "x1", "y1", "x2", "y2" };

	element(f, "line", names, (const double[]){ x1, y1, x2, y2 }, 4, klass);
}

static void rect(FILE *f, double x, double y, double w, double h, const char *klass)
{
	static const char *const names[] = { "x", "y", "width", "height" };

	element(f, "rect", names, (const double[]){ x, y, w, h }, 4, klass);
}

/* A circle of class "PREFIX KLASS". */
static void circle(FILE *f, double x, double y, double r, const char *prefix, const char *klass)
{
	static const char *const names[] = { "cx", "cy", "r" };
	char both[64];

	snprintf(both, sizeof both, "%s %s", prefix, klass);
	element(f, "circle", names, (const double[]){ x, y, r }, 3, both);
}

/* One path command letter and its coordinate(s): "H12.5", "L1.0 2.0". */
static void cmd(FILE *f, char c, double a)
{
	putc(c, f);
	coord(f, a);
}

static void cmd2(FILE *f, char c, double a, double b)
{
	cmd(f, c, a);
	cmd(f, ' ', b);
}

static void no_data(FILE *f, const char *id, const char *title)
{
	open_chart(f, id, title, 40);
	text(f, W / 2, 24, "nodata", "middle", "no data");
	fputs("</svg>\n", f);
}

/* "N more rows not drawn" and the like, when n > 0. */
static void note(FILE *f, double y, size_t n, const char *what)
{
	char buf[96];

	if (!n)
		return;
	snprintf(buf, sizeof buf, "%zu more %s not drawn", n, what);
	text(f, 8, y, "note", NULL, buf);
}

/* ---- numbers ---- */

static double finite_or_zero(double v)
{
	return isfinite(v) ? v : 0;
}

/* 950, 1.5k, 12.3k, 4.56M, 7.89G (3 significant digits; whole numbers
 * beyond the last suffix, so never an exponent above 1). */
static void format_count(char *buf, size_t len, double v)
{
	static const char suffix[] = " kMGTPE";
	size_t s = 0;

	v = finite_or_zero(v);
	if (v < 0)
		v = 0;
	while (v >= 999.5 && s + 2 < sizeof suffix) {
		v /= 1000;
		s++;
	}
	snprintf(buf, len, v >= 999.5 ? "%.0f%c" : "%.3g%c", v, suffix[s]);
	if (!s)
		buf[strcspn(buf, " ")] = '\0';
}

/* 10^e ns as "1 ns", "10 us", "100 ms", "1 s", "1000 s". */
static void format_decade(char *buf, size_t len, int e)
{
	static const char *const units[] = { "ns", "us", "ms", "s" };
	int u = e / 3 < 3 ? e / 3 : 3;

	snprintf(buf, len, "%.0f %s", pow(10, e - 3 * u), units[u]);
}

/* A time tick: "HH:MM:SS" (+ fraction digits), or "YYYY-MM-DD HH:MM". */
static void format_time(char *buf, size_t len, int64_t ns, int frac_digits, bool date)
{
	int64_t sec = ns / 1000000000;
	long frac = (long)(ns % 1000000000);
	time_t t;
	struct tm tm;

	/* Rounded down, so times before 1970 come out right. */
	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	if (date) {
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
		return;
	}
	strftime(buf, len, "%H:%M:%S", &tm);
	if (frac_digits) {
		char digits[24];
		size_t used = strlen(buf);

		snprintf(digits, sizeof digits, ".%09ld", frac);
		digits[1 + frac_digits] = '\0';
		if (used + 2 + (size_t)frac_digits <= len)
			memcpy(buf + used, digits, 2 + (size_t)frac_digits);
	}
}

/* ---- timeline ---- */

#define TL_ML 64.0		/* left margin: the rate ticks */
#define TL_PW (W - TL_ML - 36)	/* plot width (room for the last tick's label) */
#define TL_COLS 700		/* pixel columns for the bands: TL_PW */
#define TL_MT 6.0
#define TL_RH 58.0		/* row: label line, area, gap */
#define TL_AREA_TOP 18.0
#define TL_AH 36.0		/* area height */

/* The mean rate (per second) of group j of k buckets. */
static double group_rate(const uint64_t *c, size_t n, size_t j, size_t k, double bucket_s)
{
	size_t end = (j + 1) * k < n ? (j + 1) * k : n;
	double sum = 0;

	for (size_t i = j * k; i < end; i++)
		sum += (double)c[i];
	return end > j * k ? sum / ((double)(end - j * k) * bucket_s) : 0;
}

/* Tick steps of a time axis, in ns. */
static const int64_t time_steps[] = {
	1, 2, 5, 10, 20, 50, 100, 200, 500,
	1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
	1000000, 2000000, 5000000, 10000000, 20000000, 50000000, 100000000, 200000000, 500000000,
	INT64_C(1000000000), INT64_C(2000000000), INT64_C(5000000000), INT64_C(10000000000),
	INT64_C(15000000000), INT64_C(30000000000), INT64_C(60000000000), INT64_C(120000000000),
	INT64_C(300000000000), INT64_C(600000000000), INT64_C(900000000000),
	INT64_C(1800000000000), INT64_C(3600000000000), INT64_C(7200000000000),
	INT64_C(10800000000000), INT64_C(21600000000000), INT64_C(43200000000000),
	INT64_C(86400000000000), INT64_C(172800000000000), INT64_C(604800000000000),
	INT64_C(2592000000000000), INT64_C(7776000000000000), INT64_C(31536000000000000),
	INT64_C(315360000000000000), INT64_C(3153600000000000000),
};

/* Vertical grid lines and UTC labels under them, from t0 over span ns. */
static void time_axis(FILE *f, int64_t t0, double span, double top, double bottom)
{
	size_t s = 0, nsteps = sizeof time_steps / sizeof *time_steps;
	int64_t step, t, rem, add;
	bool date = span > 86400e9;
	int frac = 0;
	char buf[48];

	/* At most 7 ticks: 100 units apart at least, room for "HH:MM:SS.mmmuuu". */
	while (s + 1 < nsteps && (double)time_steps[s] * 6 < span)
		s++;
	step = time_steps[s];
	for (int64_t d = 1000000000; d > step && d > 1; d /= 1000)
		frac += 3;
	/* The first multiple of step at or after t0, without overflowing. */
	rem = t0 % step;
	add = rem > 0 ? step - rem : -rem;
	t = t0 <= INT64_MAX - add ? t0 + add : INT64_MAX;
	for (int i = 0; i < 8 && t != INT64_MAX && (double)t - (double)t0 <= span; i++) {
		double x = TL_ML + ((double)t - (double)t0) / span * TL_PW;

		line(f, x, top, x, bottom + 4, "grid");
		format_time(buf, sizeof buf, t, frac, date);
		text(f, x, bottom + 16, "tick", "middle", buf);
		if (t > INT64_MAX - step)
			break;
		t += step;
	}
	if (date) {
		snprintf(buf, sizeof buf, "time (UTC)");
	} else {
		memcpy(buf, "time (UTC), ", 12);
		format_time(buf + 12, sizeof buf - 12, t0, 0, true);
		buf[22] = '\0';		/* the date only */
	}
	text(f, TL_ML + TL_PW, bottom + 30, "tick", "end", buf);
}

/* Marks the pixel columns the bands cover in each drawn row, then draws
 * one rect per run of marked columns: the output stays bounded however
 * many bands there are, and a band never vanishes below a pixel. */
static void draw_bands(FILE *f, int64_t t0, double span, size_t rows, const struct svg_band *bands,
		       size_t nbands)
{
	unsigned char cols[SVG_MAX_ROWS][TL_COLS];	/* 22 KB */

	memset(cols, 0, sizeof cols);
	for (size_t b = 0; b < nbands; b++) {
		double s = (double)bands[b].start_ns - (double)t0, e = (double)bands[b].end_ns - (double)t0;
		size_t c0, c1;

		if (e < s) {
			double tmp = s;

			s = e;
			e = tmp;
		}
		if (bands[b].row >= rows || e < 0 || s > span)
			continue;
		s = s < 0 ? 0 : s;
		e = e > span ? span : e;
		c0 = (size_t)floor(s / span * TL_COLS);
		c1 = (size_t)ceil(e / span * TL_COLS);
		c0 = c0 < TL_COLS ? c0 : TL_COLS - 1;
		c1 = c1 > c0 ? (c1 < TL_COLS ? c1 : TL_COLS) : c0 + 1;
		memset(&cols[bands[b].row][c0], 1, c1 - c0);
	}
	for (size_t r = 0; r < rows; r++) {
		const unsigned char *c = cols[r];

		for (size_t i = 0; i < TL_COLS;) {
			size_t j = i;

			if (!c[i]) {
				i++;
				continue;
			}
			while (j < TL_COLS && c[j])
				j++;
			rect(f, TL_ML + (double)i, TL_MT + (double)r * TL_RH + TL_AREA_TOP, (double)(j - i),
			     TL_AH, "band");
			i = j;
		}
	}
}

void svg_timeline(FILE *f, const char *id, const char *title, int64_t t0_ns, int64_t width_ns,
		  const char *const *labels, const uint64_t *const *counts, const size_t *ncounts,
		  size_t nrows, const struct svg_band *bands, size_t nbands)
{
	size_t rows = nrows < SVG_MAX_ROWS ? nrows : SVG_MAX_ROWS, maxn = 0, k;
	double peak = 0, bucket_s = (double)width_ns / 1e9, span, bottom;
	char buf[48];

	for (size_t r = 0; r < rows; r++)
		if (counts[r] && ncounts[r] > maxn)
			maxn = ncounts[r];
	if (!maxn || width_ns <= 0) {
		no_data(f, id, title);
		return;
	}
	span = (double)width_ns * (double)maxn;
	k = (maxn + SVG_MAX_POINTS - 1) / SVG_MAX_POINTS;
	for (size_t r = 0; r < rows; r++)
		for (size_t j = 0; counts[r] && j * k < ncounts[r]; j++) {
			double v = group_rate(counts[r], ncounts[r], j, k, bucket_s);

			peak = v > peak ? v : peak;
		}
	if (!(peak > 0))
		peak = 1;
	bottom = TL_MT + (double)rows * TL_RH;
	open_chart(f, id, title, bottom + (nrows > rows ? 52 : 38));
	time_axis(f, t0_ns, span, TL_MT, bottom);
	format_count(buf, sizeof buf, peak);
	snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "/s");
	for (size_t r = 0; r < rows; r++) {
		double top = TL_MT + (double)r * TL_RH + TL_AREA_TOP, base = top + TL_AH;

		text(f, TL_ML, top - 6, "label", NULL, labels ? labels[r] : NULL);
		text(f, TL_ML - 4, top + 8, "tick", "end", buf);
		text(f, TL_ML - 4, base, "tick", "end", "0");
		line(f, TL_ML, base, TL_ML + TL_PW, base, "axis");
		if (!counts[r] || !ncounts[r])
			continue;
		fprintf(f, "<path class=\"area series-%zu\" d=\"", r % 8);
		cmd2(f, 'M', TL_ML, base);
		for (size_t j = 0; j * k < ncounts[r]; j++) {
			size_t end = (j + 1) * k < ncounts[r] ? (j + 1) * k : ncounts[r];

			cmd(f, 'V', base - group_rate(counts[r], ncounts[r], j, k, bucket_s) / peak * TL_AH);
			cmd(f, 'H', TL_ML + (double)end / (double)maxn * TL_PW);
		}
		cmd(f, 'V', base);
		fputs("Z\"/>\n", f);
	}
	draw_bands(f, t0_ns, span, rows, bands, nbands);
	note(f, bottom + 46, nrows - rows, "rows");
	fputs("</svg>\n", f);
}

/* ---- cumulative distributions ---- */

#define CDF_ML 44.0
#define CDF_PW (W - CDF_ML - 28)
#define CDF_MT 10.0
#define CDF_PH 220.0
#define CDF_MAX_NS 1e18		/* 31 years: the axis ends there */

/* Point k of s, clamped into the axes; false if it has a NaN or infinity. */
static bool cdf_point(const struct svg_cdf *s, size_t k, double *v, double *fr)
{
	*v = s->value_ns[k];
	*fr = s->fraction[k];
	if (!isfinite(*v) || !isfinite(*fr))
		return false;
	*v = *v < 1 ? 1 : *v > CDF_MAX_NS ? CDF_MAX_NS : *v;
	*fr = *fr < 0 ? 0 : *fr > 1 ? 1 : *fr;
	return true;
}

void svg_cdf(FILE *f, const char *id, const char *title, const struct svg_cdf *s, size_t n)
{
	size_t series = n < SVG_MAX_SERIES ? n : SVG_MAX_SERIES;
	double lo = INFINITY, hi = 0, v, fr, base = CDF_MT + CDF_PH;
	int dlo, dhi;
	char buf[32];

	for (size_t i = 0; i < series; i++)
		for (size_t k = 0; s[i].value_ns && s[i].fraction && k < s[i].n; k++)
			if (cdf_point(&s[i], k, &v, &fr)) {
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
	if (!(hi > 0)) {
		no_data(f, id, title);
		return;
	}
	dlo = (int)floor(log10(lo));
	dhi = (int)ceil(log10(hi));
	if (dhi <= dlo)
		dhi = dlo + 1;
	open_chart(f, id, title, base + 34 + 14 * (double)series + (n > series ? 16 : 0));
	for (int q = 0; q <= 4; q++) {
		double y = base - q / 4.0 * CDF_PH;

		line(f, CDF_ML, y, CDF_ML + CDF_PW, y, q ? "grid" : "axis");
		snprintf(buf, sizeof buf, "%d%%", q * 25);
		text(f, CDF_ML - 4, y + 4, "tick", "end", buf);
	}
	for (int d = dlo; d <= dhi; d++) {
		double x = CDF_ML + (double)(d - dlo) / (dhi - dlo) * CDF_PW;

		line(f, x, CDF_MT, x, base + 4, "grid");
		if (dhi - dlo <= 10 || (d - dlo) % 2 == 0) {
			format_decade(buf, sizeof buf, d);
			text(f, x, base + 16, "tick", "middle", buf);
		}
	}
	for (size_t i = 0; i < series; i++) {
		size_t stride = s[i].n > SVG_MAX_POINTS ? (s[i].n + SVG_MAX_POINTS - 1) / SVG_MAX_POINTS : 1;
		double y = base + 34 + 14 * (double)i;
		bool open = false;

		for (size_t k = 0; s[i].value_ns && s[i].fraction && k < s[i].n; k++) {
			if ((k % stride != stride - 1 && k + 1 != s[i].n) || !cdf_point(&s[i], k, &v, &fr))
				continue;
			if (!open) {
				fprintf(f, "<path class=\"line series-%zu\" fill=\"none\" d=\"", i % 8);
				cmd2(f, 'M', CDF_ML, base);
				open = true;
			}
			cmd(f, 'H', CDF_ML + (log10(v) - dlo) / (dhi - dlo) * CDF_PW);
			cmd(f, 'V', base - fr * CDF_PH);
		}
		if (open) {
			cmd(f, 'H', CDF_ML + CDF_PW);
			fputs("\"/>\n", f);
		}
		snprintf(buf, sizeof buf, "line series-%zu", i % 8);
		line(f, CDF_ML, y - 4, CDF_ML + 24, y - 4, buf);
		text(f, CDF_ML + 30, y, "label", NULL, s[i].label);
	}
	note(f, base + 34 + 14 * (double)series, n - series, "series");
	fputs("</svg>\n", f);
}

/* ---- bars ---- */

#define BAR_RH 30.0		/* label line, bar, gap */
#define BAR_W (W - 16 - 110)	/* the longest bar; room for its value text */

void svg_bars(FILE *f, const char *id, const char *title, const char *const *labels,
	      const double *values, const char *const *value_texts, size_t n)
{
	size_t rows = n < SVG_MAX_BARS ? n : SVG_MAX_BARS;
	double max = 0;
	char buf[32];

	if (!n) {
		no_data(f, id, title);
		return;
	}
	for (size_t i = 0; i < rows; i++)
		if (values[i] > max && isfinite(values[i]))
			max = values[i];
	open_chart(f, id, title, 8 + (double)rows * BAR_RH + (n > rows ? 16 : 0));
	for (size_t i = 0; i < rows; i++) {
		double v = values[i] > 0 && isfinite(values[i]) ? values[i] : 0;
		double y = 8 + (double)i * BAR_RH, w = max > 0 ? v / max * BAR_W : 0;
		const char *vt = value_texts ? value_texts[i] : NULL;

		if (!vt) {
			format_count(buf, sizeof buf, v);
			vt = buf;
		}
		text(f, 8, y + 10, "label", NULL, labels ? labels[i] : NULL);
		rect(f, 8, y + 14, w, 11, "bar");
		text(f, 8 + w + 4, y + 24, "value", NULL, vt);
	}
	note(f, 8 + (double)rows * BAR_RH + 8, n - rows, "bars");
	fputs("</svg>\n", f);
}

/* ---- graph ---- */

#define G_CX 400.0
#define G_CY 356.0
#define G_NODE_R 7.0

struct pt {
	double x, y;
};

/* p moved by d towards q. */
static struct pt toward(struct pt p, struct pt q, double d)
{
	double dx = q.x - p.x, dy = q.y - p.y, len = sqrt(dx * dx + dy * dy);

	if (len > 0) {
		p.x += dx / len * d;
		p.y += dy / len * d;
	}
	return p;
}

static const char *node_class(const char *k)
{
	for (size_t i = 0; k && i < sizeof node_classes / sizeof *node_classes; i++)
		if (strcmp(k, node_classes[i]) == 0)
			return node_classes[i];
	return "unknown";
}

/* Node i of n on one ring (n <= 16), or of two rings: the inner one holds
 * two fifths of them. */
static struct pt node_pos(size_t i, size_t n, double *angle)
{
	size_t inner = n > 16 ? n * 2 / 5 : 0, ring = i < inner ? inner : n - inner;
	size_t at = i < inner ? i : i - inner;
	double r = n > 16 ? (i < inner ? 150 : 270) : 230;

	*angle = -M_PI / 2 + 2 * M_PI * ((double)at + (i < inner ? 0.5 : 0)) / (double)ring;
	return (struct pt){ G_CX + r * cos(*angle), G_CY + r * sin(*angle) };
}

static void draw_node(FILE *f, const struct svg_node *node, struct pt p, double angle)
{
	double c = cos(angle), s = sin(angle), x = p.x + 12 * c, y = p.y;
	const char *anchor = c > 0.3 ? "start" : c < -0.3 ? "end" : "middle";

	/* Beside the node on the sides, above it at the top, below at the bottom. */
	y += s < -0.3 ? -22 : s > 0.3 ? 20 : 0;
	circle(f, p.x, p.y, G_NODE_R, "node", node_class(node->klass));
	text(f, x, y, "label", anchor, node->label);
	text(f, x, y + 12, "sublabel", anchor, node->sublabel);
}

void svg_graph(FILE *f, const char *id, const char *title, const struct svg_node *nodes, size_t nn,
	       const struct svg_edge *edges, size_t ne)
{
	size_t dn = nn < SVG_MAX_NODES ? nn : SVG_MAX_NODES, de = 0;
	struct pt pos[SVG_MAX_NODES], mid[SVG_MAX_EDGES];
	double angle[SVG_MAX_NODES];
	const char *label[SVG_MAX_EDGES];
	size_t pair[SVG_MAX_EDGES][2];

	if (!nn) {
		no_data(f, id, title);
		return;
	}
	open_chart(f, id, title, G_CY + 326);
	fputs("<defs><marker id=\"", f);
	html_attr(f, id);
	fputs("-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
	      "markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" class=\"arrow\"/>"
	      "</marker></defs>\n", f);
	for (size_t k = 0; k < sizeof node_classes / sizeof *node_classes; k++) {
		circle(f, 14 + 110 * (double)k, 14, 5, "key", node_classes[k]);
		text(f, 24 + 110 * (double)k, 18, "label", NULL, node_classes[k]);
	}
	for (size_t i = 0; i < dn; i++)
		pos[i] = node_pos(i, dn, &angle[i]);
	for (size_t e = 0; e < ne && de < SVG_MAX_EDGES; e++) {
		size_t a = edges[e].from, b = edges[e].to, lo = a < b ? a : b, hi = a < b ? b : a, k = 0;
		struct pt p, q, c;
		double dx, dy, len, off;

		if (a >= dn || b >= dn || a == b)
			continue;
		/* The k-th edge between the same two nodes bulges (k + 1) / 2 x 20
		 * units to one side or the other of the line lo -> hi (a quadratic
		 * curve reaches half way to its control point). */
		for (size_t j = 0; j < de; j++)
			k += pair[j][0] == lo && pair[j][1] == hi;
		off = (double)((k + 1) / 2) * 40 * (k % 2 ? 1 : -1);
		dx = pos[hi].x - pos[lo].x;
		dy = pos[hi].y - pos[lo].y;
		len = sqrt(dx * dx + dy * dy) + 1e-9;
		c = (struct pt){ (pos[lo].x + pos[hi].x) / 2 - dy / len * off,
				 (pos[lo].y + pos[hi].y) / 2 + dx / len * off };
		p = toward(pos[a], c, G_NODE_R + 2);
		q = toward(pos[b], c, G_NODE_R + 2);
		fputs("<path class=\"edge\" fill=\"none\" marker-end=\"url(#", f);
		html_attr(f, id);
		fputs("-arrow)\" d=\"", f);
		cmd2(f, 'M', p.x, p.y);
		cmd2(f, 'Q', c.x, c.y);
		cmd2(f, ' ', q.x, q.y);
		fputs("\"/>\n", f);
		pair[de][0] = lo;
		pair[de][1] = hi;
		label[de] = edges[e].label;
		mid[de++] = (struct pt){ 0.25 * p.x + 0.5 * c.x + 0.25 * q.x,
					 0.25 * p.y + 0.5 * c.y + 0.25 * q.y };
	}
	for (size_t i = 0; i < dn; i++)
		draw_node(f, &nodes[i], pos[i], angle[i]);
	for (size_t e = 0; e < de; e++)
		text(f, mid[e].x, mid[e].y + 3, "edge-label", "middle", label[e]);
	if (nn > dn || ne > de) {
		char buf[128];

		snprintf(buf, sizeof buf, "not drawn: %zu of %zu nodes, %zu of %zu edges", nn - dn, nn,
			 ne - de, ne);
		text(f, 8, G_CY + 320, "note", NULL, buf);
	}
	fputs("</svg>\n", f);
}
