/*
 * clockfit.c - the lower envelope of (t, y) points; see clockfit.h.
 *
 * Stamps are int64_t ns, so a difference of two needs 65 bits and a
 * product of two differences 129: the turns of the hull compare
 * |dy1| x dt2 with |dy2| x dt1 as unsigned 128-bit products, signs apart.
 * The line found is then written in long double (64-bit mantissa: the
 * stamps themselves are exact in it).
 */
#include "analyzer/clockfit.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

/* The slope from a to b, t_a < t_b, exactly: dy / dt as a sign and two
 * magnitudes (dy and dt each fit in 64 unsigned bits). */
struct rise {
	int sign;			/* of y_b - y_a: -1, 0, 1 */
	uint64_t dy, dt;
};

static uint64_t abs_diff(int64_t a, int64_t b)
{
	return a >= b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

static struct rise rise_of(const struct clock_point *a, const struct clock_point *b)
{
	struct rise r = { (b->y_ns > a->y_ns) - (b->y_ns < a->y_ns), abs_diff(b->y_ns, a->y_ns),
			  (uint64_t)b->t_ns - (uint64_t)a->t_ns };

	return r;
}

/* -1, 0, 1 as slope r < = > slope s. */
static int rise_cmp(struct rise r, struct rise s)
{
	unsigned __int128 mr, ms;

	if (r.sign != s.sign)
		return r.sign < s.sign ? -1 : 1;
	mr = (unsigned __int128)r.dy * s.dt;
	ms = (unsigned __int128)s.dy * r.dt;
	if (mr == ms)
		return 0;
	return (mr < ms ? -1 : 1) * r.sign;
}

static long double diff_ld(int64_t a, int64_t b)
{
	return (long double)((__int128)a - b);
}

/* The line through a and b (t_a < t_b), or the level of a alone (b NULL),
 * written with its offset at t0. */
static void line_through(const struct clock_point *a, const struct clock_point *b, int64_t t0,
			 struct clock_line *out)
{
	long double slope = b ? diff_ld(b->y_ns, a->y_ns) / diff_ld(b->t_ns, a->t_ns) : 0;

	out->t0_ns = t0;
	out->slope = (double)slope;
	out->offset_ns = (double)((long double)a->y_ns + slope * diff_ld(t0, a->t_ns));
}

bool clockfit_lower(const struct clock_point *p, size_t n, int64_t t0_ns, struct clock_line *out)
{
	size_t *hull, m = 0, k;
	__int128 sum_t = 0;

	if (n == 0)
		return false;
	hull = malloc(n * sizeof *hull);
	if (!hull)
		return false;
	/* Andrew's monotone chain, lower half: the slopes along the hull
	 * strictly increase.  Of points at one t only the lowest can be on
	 * it: a lower one replaces the top (what the top removed lies above
	 * the new point's edges too). */
	for (size_t i = 0; i < n; i++) {
		assert(i == 0 || p[i - 1].t_ns <= p[i].t_ns);
		sum_t += p[i].t_ns;
		if (m > 0 && p[hull[m - 1]].t_ns == p[i].t_ns) {
			if (p[hull[m - 1]].y_ns <= p[i].y_ns)
				continue;
			m--;
		}
		while (m >= 2 && rise_cmp(rise_of(&p[hull[m - 2]], &p[hull[m - 1]]),
					  rise_of(&p[hull[m - 1]], &p[i])) >= 0)
			m--;
		hull[m++] = i;
	}
	/* The edge whose span holds the mean t: the first whose right end
	 * is at or after it (t x n >= sum of t, exactly). */
	for (k = 0; k + 2 < m && (__int128)p[hull[k + 1]].t_ns * (__int128)n < sum_t; k++)
		;
	line_through(&p[hull[k]], m >= 2 ? &p[hull[k + 1]] : NULL, t0_ns, out);
	free(hull);
	return true;
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The lower median of v[0..n), n >= 1 (sorts v). */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, double_cmp);
	return v[(n - 1) / 2];
}

/* y = level + slope (t - t_first). */
struct median_line {
	int64_t t_first;
	double slope, level;
};

static double residual(const struct median_line *m, const struct clock_point *q)
{
	return (double)((long double)q->y_ns - m->level - (long double)m->slope * diff_ld(q->t_ns, m->t_first));
}

/* The Theil-Sen line of p[0..n), n >= 2, with v (n doubles) to work in:
 * the median slope of the pairs i, i + ceil(n/2), then the median level. */
static struct median_line theil_sen(const struct clock_point *p, size_t n, double *v)
{
	struct median_line m = { p[0].t_ns, 0, 0 };
	size_t half = (n + 1) / 2, nslopes = 0;

	for (size_t i = 0; i + half < n; i++)
		if (p[i + half].t_ns != p[i].t_ns)
			v[nslopes++] = (double)(diff_ld(p[i + half].y_ns, p[i].y_ns) /
						diff_ld(p[i + half].t_ns, p[i].t_ns));
	if (nslopes > 0)
		m.slope = median(v, nslopes);
	for (size_t i = 0; i < n; i++)
		v[i] = residual(&m, &p[i]);
	m.level = median(v, n);
	return m;
}

bool clockfit_lower_robust(const struct clock_point *p, size_t n, int64_t t0_ns, struct clock_line *out,
			   size_t *dropped)
{
	struct median_line m;
	struct clock_point *kept;
	size_t ndrop = 0, nkept = 0;
	double *v, limit;
	bool ok;

	if (dropped)
		*dropped = 0;
	if (n < 3)
		return clockfit_lower(p, n, t0_ns, out);
	v = malloc(n * sizeof *v);
	if (!v)
		return false;
	m = theil_sen(p, n, v);
	for (size_t i = 0; i < n; i++)
		v[i] = fabs(residual(&m, &p[i]));
	limit = CLOCKFIT_OUTLIER_K * median(v, n);
	free(v);
	if (limit < CLOCKFIT_OUTLIER_MIN_NS)
		limit = CLOCKFIT_OUTLIER_MIN_NS;

	/* At least half the points are within the median absolute residual:
	 * some are always kept. */
	for (size_t i = 0; i < n; i++)
		ndrop += residual(&m, &p[i]) < -limit;
	if (ndrop == 0)
		return clockfit_lower(p, n, t0_ns, out);
	kept = malloc((n - ndrop) * sizeof *kept);
	if (!kept)
		return false;
	for (size_t i = 0; i < n; i++)
		if (residual(&m, &p[i]) >= -limit)
			kept[nkept++] = p[i];
	ok = clockfit_lower(kept, nkept, t0_ns, out);
	free(kept);
	if (ok && dropped)
		*dropped = ndrop;
	return ok;
}

double clock_line_at(const struct clock_line *l, int64_t t_ns)
{
	return (double)((long double)l->offset_ns + (long double)l->slope * diff_ld(t_ns, l->t0_ns));
}
