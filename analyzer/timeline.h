/*
 * timeline.h - frames over time, in a fixed number of buckets.
 *
 * A view's records are counted in buckets of width_ns from its first
 * record; when a record falls past the last bucket, the width doubles and
 * neighbouring buckets merge, so TIMELINE_BUCKETS counters cover a capture
 * of any length (a minute in 10 ms buckets... a year in about a day's) and
 * the report can draw the rate over time.  Records before the first (a
 * stamp stepping back) count in the first bucket.
 */
#ifndef TP_TIMELINE_H
#define TP_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMELINE_BUCKETS 512
#define TIMELINE_FIRST_WIDTH_NS INT64_C(10000000)	/* 10 ms */

struct timeline {
	bool started;
	int64_t t0_ns, width_ns;
	size_t n;			/* buckets in use */
	size_t last;			/* the bucket counted last, and its start */
	int64_t last_start;
	uint64_t counts[TIMELINE_BUCKETS];
};

void timeline_add(struct timeline *t, int64_t ts_ns);

/* The frames of t in the buckets [t0_ns + i x width_ns, + width_ns) for i
 * in [0, n): out[i] (a bucket of t overlapping two of them counts in the
 * one holding its start). */
void timeline_resample(const struct timeline *t, int64_t t0_ns, int64_t width_ns, uint64_t *out, size_t n);

#endif
