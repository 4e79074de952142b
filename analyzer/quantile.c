/*
 * quantile.c - the log-linear histogram of quantile.h.
 *
 * Bin numbering: a value v >= 128 in octave k (2^k <= v < 2^(k+1)) is cut
 * by s = k - 6 bits, leaving m = v >> s in [64, 128); its bin is 64 s + m,
 * which runs on from the exact bins (v < 128: bin v) without a gap: octave
 * 7 starts at bin 128, octave 63 ends at bin 3775.  Back from a bin b >= 128:
 * s = b / 64 - 1, the bin holds [(b % 64 + 64) << s, + 2^s).
 */
#include "analyzer/quantile.h"

#include <string.h>

_Static_assert(QUANTILE_EXACT == 2 * QUANTILE_PER_OCTAVE, "the bin numbering needs 128 = 2 x 64");
_Static_assert(QUANTILE_BINS == QUANTILE_PER_OCTAVE * (63 - QUANTILE_SUB_BITS) + 2 * QUANTILE_PER_OCTAVE,
	       "bin_of(UINT64_MAX) is the last bin");

#define PERCENT_UNITS UINT64_C(100000000)	/* p counted in millionths of a percent */

static unsigned bin_of(uint64_t v)
{
	unsigned s;

	if (v < QUANTILE_EXACT)
		return (unsigned)v;
	s = (unsigned)(63 - __builtin_clzll(v)) - QUANTILE_SUB_BITS;
	return QUANTILE_PER_OCTAVE * s + (unsigned)(v >> s);
}

/* The middle of bin b (its lower bound plus half its width, rounded down). */
static uint64_t bin_middle(unsigned b)
{
	unsigned s;

	if (b < QUANTILE_EXACT)
		return b;
	s = b / QUANTILE_PER_OCTAVE - 1;
	return ((uint64_t)(b % QUANTILE_PER_OCTAVE + QUANTILE_PER_OCTAVE) << s) + ((UINT64_C(1) << s) - 1) / 2;
}

void quantile_init(struct quantile *q)
{
	memset(q, 0, sizeof *q);
	q->min = UINT64_MAX;
}

void quantile_add(struct quantile *q, uint64_t v)
{
	q->counts[bin_of(v)]++;
	q->n++;
	if (v < q->min)
		q->min = v;
	if (v > q->max)
		q->max = v;
}

/* ceil(p / 100 x n), at least 1, with p in millionths of a percent. */
static uint64_t rank_of(double p, uint64_t n)
{
	uint64_t units, rank;

	if (!(p > 0))
		return 1;
	units = p >= 100 ? PERCENT_UNITS : (uint64_t)(p * 1e6 + 0.5);
	rank = (uint64_t)(((unsigned __int128)units * n + PERCENT_UNITS - 1) / PERCENT_UNITS);
	return rank ? rank : 1;
}

uint64_t quantile_get(const struct quantile *q, double p)
{
	uint64_t rank, seen = 0, v;
	unsigned b = 0;

	if (q->n == 0)
		return 0;
	rank = rank_of(p, q->n);
	if (rank == 1)
		return q->min;
	if (rank == q->n)
		return q->max;
	while (seen + q->counts[b] < rank)
		seen += q->counts[b++];
	v = bin_middle(b);
	return v < q->min ? q->min : v > q->max ? q->max : v;
}

void quantile_merge(struct quantile *into, const struct quantile *from)
{
	for (unsigned b = 0; b < QUANTILE_BINS; b++)
		into->counts[b] += from->counts[b];
	into->n += from->n;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}
