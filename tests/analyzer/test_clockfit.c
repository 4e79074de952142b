/*
 * Tests of analyzer/clockfit.c: synthetic clocks (a known offset and drift
 * under one-sided delays drawn from a seeded generator) whose line is the
 * truth, small random clouds checked against a brute force over all pairs
 * of points, and hand-built degenerate inputs.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "analyzer/clockfit.h"

#define US INT64_C(1000)
#define MS INT64_C(1000000)
#define S INT64_C(1000000000)
#define EPOCH (INT64_C(1700000000) * S)	/* November 2023: stamps as captures hold them */

#define MAX_POINTS 20000
#define OFFSET_TOL_NS 1000.0		/* the fitted offset within 1 us of the truth */
#define SLOPE_TOL_PPM 0.1

static struct clock_point pts[MAX_POINTS];

/* splitmix64: a fixed sequence per seed. */
static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double unit(uint64_t *s)
{
	return (double)(rng(s) >> 11) * 0x1p-53;
}

/* ------------------------------------------------------------------ */
/* Synthetic clocks */

enum delay_kind {
	UNIFORM,		/* uniform in [0, scale) */
	EXPONENTIAL,		/* exponential of mean scale */
	BURSTS,			/* uniform in [0, scale), 1 to 50 ms more in bursts over 20% of the span */
};

#define BURSTS_N 4		/* one in each quarter of the span, a twentieth of it long */

struct fit_case {
	char why[48];
	enum delay_kind kind;
	int64_t span_ns;
	size_t n;
	int64_t scale_ns;
	uint64_t seed;
};

/* What the points were made of. */
struct truth {
	int64_t t_first;
	double offset_ns;		/* at t_first, the smallest delay drawn included */
	double slope;
};

/* The line the points were made on, the smallest delay included. */
static double truth_at(const struct truth *tr, int64_t t)
{
	return tr->offset_ns + tr->slope * (double)(t - tr->t_first);
}

static bool in_burst(const int64_t *start, int64_t len, int64_t t)
{
	for (int b = 0; b < BURSTS_N; b++)
		if (t >= start[b] && t < start[b] + len)
			return true;
	return false;
}

/* pts[0..k->n): one point in each n-th of the span, at a random ns in it:
 * y = offset + slope (t - t_first) + fastest path + delay. */
static struct truth make_points(const struct fit_case *k)
{
	uint64_t s = k->seed;
	struct truth tr;
	int64_t offset, path, min_delay = INT64_MAX, burst_start[BURSTS_N], burst_len = k->span_ns / 20;

	tr.t_first = EPOCH + (int64_t)(rng(&s) % (uint64_t)S);
	tr.slope = (unit(&s) * 100 - 50) * 1e-6;
	offset = (int64_t)(rng(&s) % (uint64_t)(100 * MS + 1)) - 50 * MS;
	path = 2 * US + (int64_t)(rng(&s) % (uint64_t)(8 * US));
	for (int b = 0; b < BURSTS_N; b++)
		burst_start[b] = tr.t_first + b * (k->span_ns / 4) + (int64_t)(unit(&s) * 4 * (double)burst_len);
	cr_assert(le(sz, k->n, MAX_POINTS));
	for (size_t i = 0; i < k->n; i++) {
		int64_t t = tr.t_first + (int64_t)((long double)k->span_ns * (i + unit(&s)) / k->n);
		double u = unit(&s);
		double d = k->kind == EXPONENTIAL ? -log1p(-u) * (double)k->scale_ns : u * (double)k->scale_ns;
		int64_t delay = path + llround(d);

		if (k->kind == BURSTS && in_burst(burst_start, burst_len, t))
			delay += MS + llround(unit(&s) * 49 * MS);
		if (delay < min_delay)
			min_delay = delay;
		pts[i].t_ns = t;
		pts[i].y_ns = offset + llround(tr.slope * (double)(t - tr.t_first)) + delay;
	}
	tr.offset_ns = (double)(offset + min_delay);
	return tr;
}

/* Delays as the caller's per-second minima have them (tens of us above the
 * fastest path); the fit can be no better than the lowest points let it:
 * its error grows with the delays' scale over the points in the span. */
static struct fit_case fit_cases[] = {
	{ "uniform 20 us, 1 s", UNIFORM, 1 * S, 20000, 20 * US, 1 },
	{ "uniform 20 us, 1 s", UNIFORM, 1 * S, 20000, 20 * US, 2 },
	{ "uniform 20 us, 1 s", UNIFORM, 1 * S, 20000, 20 * US, 3 },
	{ "uniform 50 us, 1 h", UNIFORM, 3600 * S, 3600, 50 * US, 4 },
	{ "uniform 50 us, 1 h", UNIFORM, 3600 * S, 3600, 50 * US, 5 },
	{ "uniform 50 us, 1 h", UNIFORM, 3600 * S, 3600, 50 * US, 6 },
	{ "exponential 20 us, 1 min", EXPONENTIAL, 60 * S, 6000, 20 * US, 7 },
	{ "exponential 20 us, 1 min", EXPONENTIAL, 60 * S, 6000, 20 * US, 8 },
	{ "exponential 20 us, 1 min", EXPONENTIAL, 60 * S, 6000, 20 * US, 9 },
	{ "exponential 50 us, 1 h", EXPONENTIAL, 3600 * S, 3600, 50 * US, 10 },
	{ "exponential 50 us, 1 h", EXPONENTIAL, 3600 * S, 3600, 50 * US, 11 },
	{ "exponential 50 us, 1 h", EXPONENTIAL, 3600 * S, 3600, 50 * US, 12 },
	{ "bursts over 20 us, 1 s", BURSTS, 1 * S, 20000, 20 * US, 13 },
	{ "bursts over 20 us, 1 s", BURSTS, 1 * S, 20000, 20 * US, 14 },
	{ "bursts over 10 us, 10 min", BURSTS, 600 * S, 600, 10 * US, 15 },
	{ "bursts over 10 us, 10 min", BURSTS, 600 * S, 600, 10 * US, 16 },
	{ "bursts over 10 us, 1 h", BURSTS, 3600 * S, 3600, 10 * US, 17 },
	{ "bursts over 10 us, 1 h", BURSTS, 3600 * S, 3600, 10 * US, 18 },
};

ParameterizedTestParameters(clockfit, synthetic_clock)
{
	return cr_make_param_array(struct fit_case, fit_cases, sizeof fit_cases / sizeof fit_cases[0]);
}

ParameterizedTest(struct fit_case *k, clockfit, synthetic_clock)
{
	struct truth tr = make_points(k);
	struct clock_line l, r;
	size_t dropped;

	cr_assert(clockfit_lower(pts, k->n, tr.t_first, &l));
	cr_assert(clockfit_lower_robust(pts, k->n, tr.t_first, &r, &dropped));
	cr_log_info("clockfit %s seed %llu: offset %+.1f ns, slope %+.5f ppm; robust %+.1f ns, %+.5f ppm, "
		    "%zu dropped", k->why, (unsigned long long)k->seed, l.offset_ns - tr.offset_ns,
		    (l.slope - tr.slope) * 1e6, r.offset_ns - tr.offset_ns, (r.slope - tr.slope) * 1e6, dropped);
	cr_assert(eq(i64, l.t0_ns, tr.t_first));
	cr_assert(le(dbl, fabs(l.offset_ns - tr.offset_ns), OFFSET_TOL_NS), "%s", k->why);
	cr_assert(le(dbl, fabs(l.slope - tr.slope) * 1e6, SLOPE_TOL_PPM), "%s", k->why);
	cr_assert(le(dbl, fabs(r.offset_ns - tr.offset_ns), OFFSET_TOL_NS), "%s", k->why);
	cr_assert(le(dbl, fabs(r.slope - tr.slope) * 1e6, SLOPE_TOL_PPM), "%s", k->why);
	cr_assert(eq(sz, dropped, 0), "%s", k->why);
}

/* One false match 5 ms below the rest, in the middle of an hour: the plain
 * envelope bends down to it, the robust one drops it. */
Test(clockfit, false_match_below_is_dropped_by_the_robust_fit)
{
	static const struct fit_case k = { "uniform 10 us, 1 h", UNIFORM, 3600 * S, 3600, 10 * US, 21 };
	struct truth tr = make_points(&k);
	struct clock_line l, r;
	size_t dropped;

	pts[1800].y_ns -= 5 * MS;
	cr_assert(clockfit_lower(pts, k.n, tr.t_first, &l));
	cr_assert(ge(dbl, fabs(clock_line_at(&l, pts[1800].t_ns) - truth_at(&tr, pts[1800].t_ns)), 4.0 * MS));
	cr_assert(clockfit_lower_robust(pts, k.n, tr.t_first, &r, &dropped));
	cr_assert(eq(sz, dropped, 1));
	cr_assert(le(dbl, fabs(r.offset_ns - tr.offset_ns), OFFSET_TOL_NS));
	cr_assert(le(dbl, fabs(r.slope - tr.slope) * 1e6, SLOPE_TOL_PPM));
}

/* Three false matches, one at each end and one within, 2 to 40 ms below
 * the line, among bursts. */
Test(clockfit, false_matches_at_the_ends_are_dropped_by_the_robust_fit)
{
	static const struct fit_case k = { "bursts over 10 us, 10 min", BURSTS, 600 * S, 600, 10 * US, 22 };
	struct truth tr = make_points(&k);
	struct clock_line r;
	size_t dropped;

	pts[0].y_ns = llround(truth_at(&tr, pts[0].t_ns)) - 2 * MS;
	pts[300].y_ns = llround(truth_at(&tr, pts[300].t_ns)) - 40 * MS;
	pts[599].y_ns = llround(truth_at(&tr, pts[599].t_ns)) - 3 * MS;
	cr_assert(clockfit_lower_robust(pts, k.n, tr.t_first, &r, &dropped));
	cr_assert(eq(sz, dropped, 3));
	cr_assert(le(dbl, fabs(r.offset_ns - tr.offset_ns), OFFSET_TOL_NS));
	cr_assert(le(dbl, fabs(r.slope - tr.slope) * 1e6, SLOPE_TOL_PPM));
}

/* ------------------------------------------------------------------ */
/* Random clouds against a brute force */

#define CLOUD_N 40
#define CLOUDS 300

/* Whether the line through a and b (t_a < t_b) is under or on every
 * point (small values: exact in int64_t). */
static bool under_all(const struct clock_point *a, const struct clock_point *b, const struct clock_point *p,
		      size_t n)
{
	int64_t dt = b->t_ns - a->t_ns, dy = b->y_ns - a->y_ns;

	for (size_t i = 0; i < n; i++)
		if ((p[i].y_ns - a->y_ns) * dt < dy * (p[i].t_ns - a->t_ns))
			return false;
	return true;
}

/* The highest value at mean t of the lines through two points under all
 * of them (of the lowest point's level when all t are equal). */
static double brute_best(const struct clock_point *p, size_t n, double mean_t)
{
	double best = -INFINITY;
	int64_t min_y = INT64_MAX;

	for (size_t i = 0; i < n; i++) {
		min_y = p[i].y_ns < min_y ? p[i].y_ns : min_y;
		for (size_t j = 0; j < n; j++)
			if (p[i].t_ns < p[j].t_ns && under_all(&p[i], &p[j], p, n)) {
				double v = (double)p[i].y_ns + (double)(p[j].y_ns - p[i].y_ns) *
					   (mean_t - (double)p[i].t_ns) / (double)(p[j].t_ns - p[i].t_ns);
				best = v > best ? v : best;
			}
	}
	return best == -INFINITY ? (double)min_y : best;
}

static int by_t(const void *a, const void *b)
{
	const struct clock_point *x = a, *y = b;

	return (x->t_ns > y->t_ns) - (x->t_ns < y->t_ns);
}

/* Clouds of 1 to 40 points on a 30 x 1000 grid (many equal t): the fit is
 * under every point and as high at the mean t as the best pair allows. */
Test(clockfit, random_clouds_agree_with_brute_force)
{
	uint64_t s = 99;

	for (int c = 0; c < CLOUDS; c++) {
		size_t n = 1 + rng(&s) % CLOUD_N;
		double mean_t = 0;
		struct clock_line l;

		for (size_t i = 0; i < n; i++) {
			pts[i].t_ns = (int64_t)(rng(&s) % 30);
			pts[i].y_ns = (int64_t)(rng(&s) % 1000) - 500;
			mean_t += (double)pts[i].t_ns / (double)n;
		}
		qsort(pts, n, sizeof pts[0], by_t);
		cr_assert(clockfit_lower(pts, n, 0, &l));
		for (size_t i = 0; i < n; i++)
			cr_assert(le(dbl, clock_line_at(&l, pts[i].t_ns), (double)pts[i].y_ns + 1e-9),
				  "cloud %d point %zu", c, i);
		cr_assert(le(dbl, fabs(clock_line_at(&l, 0) + l.slope * mean_t - brute_best(pts, n, mean_t)), 1e-9),
			  "cloud %d", c);
	}
}

/* ------------------------------------------------------------------ */
/* Degenerate inputs */

Test(clockfit, no_point_is_no_line)
{
	struct clock_line l = { 7, 8.0, 9.0 };

	cr_assert(not(clockfit_lower(pts, 0, 0, &l)));
	cr_assert(not(clockfit_lower_robust(pts, 0, 0, &l, NULL)));
	cr_assert(eq(i64, l.t0_ns, 7));
	cr_assert(eq(dbl, l.offset_ns, 8.0));
	cr_assert(eq(dbl, l.slope, 9.0));
}

Test(clockfit, one_point_is_a_level)
{
	static const struct clock_point p[] = { { EPOCH, -1234567 } };
	struct clock_line l;

	cr_assert(clockfit_lower(p, 1, EPOCH + 3600 * S, &l));
	cr_assert(eq(i64, l.t0_ns, EPOCH + 3600 * S));
	cr_assert(eq(dbl, l.offset_ns, -1234567.0));
	cr_assert(eq(dbl, l.slope, 0.0));
}

Test(clockfit, two_points_are_their_line)
{
	static const struct clock_point p[] = { { EPOCH, 5 * MS }, { EPOCH + 10 * S, 5 * MS + 200 * US } };
	struct clock_line l;

	cr_assert(clockfit_lower(p, 2, EPOCH, &l));
	cr_assert(eq(dbl, l.offset_ns, 5.0 * MS));
	cr_assert(le(dbl, fabs(l.slope - 20e-6), 1e-15));
	cr_assert(le(dbl, fabs(clock_line_at(&l, EPOCH + 10 * S) - (5.0 * MS + 200 * US)), 1e-6));
}

Test(clockfit, points_at_one_t_are_their_lowest)
{
	static const struct clock_point p[] = { { 50 * S, 30 }, { 50 * S, -20 }, { 50 * S, 10 }, { 50 * S, -20 } };
	struct clock_line l;

	cr_assert(clockfit_lower(p, 4, 0, &l));
	cr_assert(eq(dbl, l.offset_ns, -20.0));
	cr_assert(eq(dbl, l.slope, 0.0));
}

/* Equal t at both ends: only the lowest of each counts. */
Test(clockfit, equal_t_keeps_the_lowest)
{
	static const struct clock_point p[] = {
		{ 0, 50 }, { 0, 20 }, { 0, 90 }, { 1000, 30 }, { 1000, 10 }, { 1000, 70 },
	};
	struct clock_line l;

	cr_assert(clockfit_lower(p, 6, 0, &l));
	cr_assert(eq(dbl, l.offset_ns, 20.0));
	cr_assert(le(dbl, fabs(l.slope + 0.01), 1e-15));
}

/* Points on one line (and some above it): the line itself. */
Test(clockfit, collinear_points_are_their_line)
{
	struct clock_line l;

	for (size_t i = 0; i < 1000; i++) {
		pts[i].t_ns = EPOCH + (int64_t)i * 7 * MS;
		pts[i].y_ns = -3 * MS - (int64_t)i * 7 * 30 + (i % 3 == 0 ? 0 : (int64_t)i * US);	/* -30 ppm */
	}
	cr_assert(clockfit_lower(pts, 1000, EPOCH, &l));
	cr_assert(le(dbl, fabs(l.offset_ns + 3.0 * MS), 1e-6));
	cr_assert(le(dbl, fabs(l.slope + 30e-6), 1e-15));
}

/* The mean t on a vertex: either edge beside it is the answer; the line
 * touches the vertex. */
Test(clockfit, mean_on_a_vertex)
{
	static const struct clock_point p[] = { { 0, 10 }, { 5, 1 }, { 10, 10 } };
	struct clock_line l;

	cr_assert(clockfit_lower(p, 3, 0, &l));
	cr_assert(le(dbl, fabs(clock_line_at(&l, 5) - 1.0), 1e-12));
	cr_assert(le(dbl, fabs(fabs(l.slope) - 1.8), 1e-15));
}

/* Stamps and differences at the ends of int64_t: the turns are exact, no
 * overflow (UBSan), the line passes through the hull's points. */
Test(clockfit, extreme_values)
{
	static const struct clock_point p[] = {
		{ INT64_MIN, INT64_MAX }, { INT64_MIN, INT64_MAX - 1 }, { -1, INT64_MIN + 1 }, { 0, INT64_MIN },
		{ 1, INT64_MIN + 1 }, { INT64_MAX, INT64_MAX },
	};
	struct clock_line l;

	cr_assert(clockfit_lower(p, 6, 0, &l));
	/* mean t about -2^63 / 6: on the edge from (INT64_MIN, INT64_MAX - 1) to (0, INT64_MIN) */
	cr_assert(le(dbl, fabs(l.offset_ns - (double)INT64_MIN), 1e3));
	cr_assert(le(dbl, fabs(l.slope + 2.0), 1e-15));
	cr_assert(le(dbl, fabs(clock_line_at(&l, INT64_MIN) - (double)INT64_MAX) / 0x1p63, 1e-15));
	cr_assert(clockfit_lower_robust(p, 6, INT64_MAX, &l, NULL));
}

/* A point 1 ns below the chord of two others 2^62 ns apart is a vertex:
 * a double cross product (products near 2^124) could not see it. */
Test(clockfit, exact_turns)
{
	static const int64_t T = INT64_C(1) << 62;
	static const struct clock_point p[] = { { -T, -T }, { 0, -1 }, { T, T } };
	struct clock_line l;

	cr_assert(clockfit_lower(p, 3, 0, &l));
	cr_assert(eq(dbl, l.offset_ns, -1.0));
}

Test(clockfit, line_value)
{
	static const struct clock_line l = { EPOCH, -250.5, 40e-6 };

	cr_assert(eq(dbl, clock_line_at(&l, EPOCH), -250.5));
	cr_assert(le(dbl, fabs(clock_line_at(&l, EPOCH + 3600 * S) - (-250.5 + 144e6)), 1e-6));
	cr_assert(le(dbl, fabs(clock_line_at(&l, EPOCH - 1 * S) - (-250.5 - 40e3)), 1e-6));
	cr_assert(le(dbl, fabs(clock_line_at(&(struct clock_line){ INT64_MIN, 0, 1 }, INT64_MAX) - 0x1p64), 1e3));
}
