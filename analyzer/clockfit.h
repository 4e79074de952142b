/*
 * clockfit.h - the clock line under a cloud of one-sided delays.
 *
 * Two sensors stamp the same packets.  For each packet both hold, t is the
 * reference's stamp and y the view's stamp minus t (ns):
 *   y = offset + slope x (t - t0) + path delay,
 * where the path delay is never below its minimum (queueing only adds).  A
 * least-squares line would sit in the middle of the delays and follow their
 * bursts; the line that matters runs under them.  The fit is the lower
 * envelope of Moon, Skelly and Towsley ("Estimation and removal of clock
 * skew from network delay measurements", INFOCOM 1999, section III): the
 * line under or on every point that minimises the sum of y_i - line(t_i).
 * That sum is n x (mean y - line(mean t)), so the line is the highest one
 * at the mean of the t_i: an edge of the lower convex hull of the points,
 * the one whose t-span holds that mean (or a vertex, with the slope of
 * either edge beside it).  The offset it gives includes the fastest path
 * delay: a constant delay cannot be told from a clock offset.
 *
 * The hull is Andrew's monotone chain over points sorted by t, O(n); the
 * turns are decided exactly (128-bit products), so stamps days apart in
 * ns and differences of seconds lose nothing.  One point, or all points at
 * one t: slope 0 and offset the smallest y.
 *
 * Robustness: every point bounds the line from above, so a single point
 * far BELOW the others (a false match, a clock step back) pulls the whole
 * envelope down to it, and tilts it.  Points far ABOVE (queueing, bursts)
 * do no harm.  clockfit_lower_robust() drops the points far below a
 * Theil-Sen line (median of the slopes of the pairs i, i + ceil(n/2)) before
 * fitting: those whose residual is below -max(CLOCKFIT_OUTLIER_K x the
 * median absolute residual, CLOCKFIT_OUTLIER_MIN_NS).  With few points that
 * median is itself noisy and a genuine low point may go: in simulation
 * about 1% of 10-point clouds lost one, none of 24 points or more.
 *
 * Accuracy is what the lowest points allow: the error grows with the
 * spread of the delays over the number of points (tests/analyzer/
 * test_clockfit.c measures it).
 */
#ifndef TP_CLOCKFIT_H
#define TP_CLOCKFIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOCKFIT_OUTLIER_K 10				/* x the median absolute residual */
#define CLOCKFIT_OUTLIER_MIN_NS INT64_C(1000)	/* but at least 1 us below the line */

/* One packet both sensors hold: the reference's stamp and the view's
 * stamp minus it. */
struct clock_point {
	int64_t t_ns;
	int64_t y_ns;
};

/* y = offset_ns + slope x (t - t0_ns); slope is dimensionless (ns per ns:
 * x 1e6 for ppm). */
struct clock_line {
	int64_t t0_ns;
	double offset_ns;
	double slope;
};

/* The lower envelope of p[0..n), sorted by t (ties allowed), written to
 * *out with its offset at t0_ns.  False when n is 0 or memory runs out
 * (*out untouched). */
bool clockfit_lower(const struct clock_point *p, size_t n, int64_t t0_ns, struct clock_line *out);

/* The same after dropping the points far below a Theil-Sen line (see
 * above); *dropped (may be NULL) gets how many were dropped.  Fewer than 3
 * points: none is dropped. */
bool clockfit_lower_robust(const struct clock_point *p, size_t n, int64_t t0_ns, struct clock_line *out,
			   size_t *dropped);

/* The line's value at t. */
double clock_line_at(const struct clock_line *l, int64_t t_ns);

#endif
