/*
 * quantile.h - percentiles of a stream of non-negative values (ns) in a
 * fixed-size log-linear histogram, after HdrHistogram.
 *
 * Values below QUANTILE_EXACT (128) have a bin each; above, every octave
 * [2^k, 2^(k+1)) is cut into QUANTILE_PER_OCTAVE (64) equal bins, so a bin
 * is at most 1/64 of its lower bound wide, and its middle is within 1/128
 * (0.8%) of any value in it.  The whole uint64_t range takes 3776 bins
 * (30 KB): no allocation, no limit to set beforehand, and an add is an
 * index computed from the highest set bit (no floating point, no loop).
 * Two histograms merge by adding their counts, exactly as if every value
 * had been added to one.
 *
 * A percentile is the nearest rank (the value of rank ceil(p/100 x n),
 * rank 1 for p = 0), read as the middle of its bin and kept within
 * [min, max]: so the 0th percentile is the exact minimum and the 100th the
 * exact maximum.
 */
#ifndef TP_QUANTILE_H
#define TP_QUANTILE_H

#include <stdint.h>

#define QUANTILE_EXACT 128u		/* values below have a bin each */
#define QUANTILE_SUB_BITS 6		/* 2^6 bins per octave above */
#define QUANTILE_PER_OCTAVE (1u << QUANTILE_SUB_BITS)
/* Octaves 2^7 .. 2^63, each QUANTILE_PER_OCTAVE bins, after the exact ones. */
#define QUANTILE_BINS (QUANTILE_EXACT + (64u - 7u) * QUANTILE_PER_OCTAVE)

struct quantile {
	uint64_t counts[QUANTILE_BINS];
	uint64_t n;			/* values added */
	uint64_t min, max;		/* exact; UINT64_MAX and 0 while empty */
};

void quantile_init(struct quantile *q);

void quantile_add(struct quantile *q, uint64_t v);

/* The nearest-rank percentile p (clamped to [0, 100], NaN as 0; p counts
 * to a millionth of a percent), read as the middle of its bin, never
 * outside [min, max]; 0 when empty. */
uint64_t quantile_get(const struct quantile *q, double p);

/* Adds every value of from to into (from is left as it was). */
void quantile_merge(struct quantile *into, const struct quantile *from);

#endif
