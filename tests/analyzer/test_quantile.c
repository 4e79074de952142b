/*
 * Tests of analyzer/quantile.c: seeded streams of values against an exact
 * sort of the same values (nearest rank), bin boundaries across the whole
 * uint64_t range, and merging.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/quantile.h"

#define MAX_VALUES 100000

static uint64_t values[MAX_VALUES], sorted[MAX_VALUES];
static struct quantile q, part[3];

/* xorshift64*: a fixed sequence per (non-zero) seed. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(0x2545f4914f6cdd1d);
}

enum value_kind {
	SMALL,			/* uniform in [0, 300): across the end of the exact bins */
	ANY_MAGNITUDE,		/* a random value shifted right by 0 to 63 bits: 0 .. 2^64 - 1 */
	DELAYS,			/* exponential, mean 50 us */
	NARROW,			/* 1 s + [0, 5000): a few bins, read within [min, max] */
	TOP,			/* within 10^6 of UINT64_MAX */
};

struct stream_case {
	char why[32];
	enum value_kind kind;
	size_t n;
	uint64_t seed;
};

static uint64_t draw(enum value_kind kind, uint64_t *s)
{
	uint64_t r = next(s);

	switch (kind) {
	case SMALL:
		return r % 300;
	case ANY_MAGNITUDE:
		return r >> (next(s) % 64);
	case DELAYS:
		return (uint64_t)llround(-log1p(-(double)(r >> 11) * 0x1p-53) * 50000);
	case NARROW:
		return 1000000000 + r % 5000;
	case TOP:
		return UINT64_MAX - r % 1000000;
	}
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t abs_diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Percentiles in hundredths: p = pt / 100. */
static const unsigned pts_of_percent[] = { 0, 1, 10, 100, 500, 1000, 2500, 5000, 7500, 9000, 9500, 9900, 9990,
					   9999, 10000 };

static struct stream_case stream_cases[] = {
	{ "one small value", SMALL, 1, 1 },
	{ "two small values", SMALL, 2, 2 },
	{ "three values", ANY_MAGNITUDE, 3, 3 },
	{ "ten values", DELAYS, 10, 4 },
	{ "small values", SMALL, 1000, 5 },
	{ "small values", SMALL, MAX_VALUES, 6 },
	{ "any magnitude", ANY_MAGNITUDE, 1000, 7 },
	{ "any magnitude", ANY_MAGNITUDE, MAX_VALUES, 8 },
	{ "delays", DELAYS, 1000, 9 },
	{ "delays", DELAYS, MAX_VALUES, 10 },
	{ "narrow", NARROW, 1000, 11 },
	{ "narrow", NARROW, MAX_VALUES, 12 },
	{ "top of the range", TOP, 1000, 13 },
	{ "top of the range", TOP, MAX_VALUES, 14 },
};

ParameterizedTestParameters(quantile, against_exact_sort)
{
	return cr_make_param_array(struct stream_case, stream_cases, sizeof stream_cases / sizeof stream_cases[0]);
}

/* Every hundredth of a percent in the list and every whole percent: the
 * value of the nearest rank within 1/128 of it (exact below 128), never
 * decreasing with p. */
ParameterizedTest(struct stream_case *k, quantile, against_exact_sort)
{
	uint64_t s = k->seed, prev = 0;
	size_t npt = sizeof pts_of_percent / sizeof pts_of_percent[0];

	quantile_init(&q);
	for (size_t i = 0; i < k->n; i++) {
		sorted[i] = draw(k->kind, &s);
		quantile_add(&q, sorted[i]);
	}
	qsort(sorted, k->n, sizeof sorted[0], u64_cmp);
	cr_assert(eq(u64, q.n, k->n));
	cr_assert(eq(u64, q.min, sorted[0]));
	cr_assert(eq(u64, q.max, sorted[k->n - 1]));
	cr_assert(eq(u64, quantile_get(&q, 0), sorted[0]), "%s: p0 is the minimum", k->why);
	cr_assert(eq(u64, quantile_get(&q, 100), sorted[k->n - 1]), "%s: p100 is the maximum", k->why);
	for (size_t j = 0; j < npt + 101; j++) {
		uint64_t pt = j < npt ? pts_of_percent[j] : 100 * (j - npt);
		uint64_t rank = pt == 0 ? 1 : (pt * k->n + 9999) / 10000;
		uint64_t want = sorted[rank - 1], got = quantile_get(&q, (double)pt / 100);

		cr_assert(le(u64, abs_diff(got, want), want / 128), "%s: p%.2f got %llu want %llu", k->why,
			  (double)pt / 100, (unsigned long long)got, (unsigned long long)want);
		cr_assert(ge(u64, got, j == npt ? 0 : prev), "%s: p%.2f", k->why, (double)pt / 100);
		prev = got;
	}
}

/* A lone value just below, at and above every power of two: it is every
 * percentile; with 0 and UINT64_MAX around it, the median is its bin's
 * middle, within 1/128 of it. */
Test(quantile, every_octave_boundary)
{
	for (int b = 0; b < 64; b++)
		for (int d = -1; d <= 1; d++) {
			uint64_t v = (UINT64_C(1) << b) + (uint64_t)(int64_t)d;

			quantile_init(&q);
			quantile_add(&q, v);
			cr_assert(eq(u64, quantile_get(&q, 0), v));
			cr_assert(eq(u64, quantile_get(&q, 37.5), v));
			cr_assert(eq(u64, quantile_get(&q, 100), v));
			quantile_add(&q, 0);
			quantile_add(&q, UINT64_MAX);
			cr_assert(le(u64, abs_diff(quantile_get(&q, 50), v), v / 128), "2^%d%+d", b, d);
		}
}

/* 1000 and 1007 share the bin [1000, 1008): a rank inside is read as its
 * middle, 1003; the ends are exact. */
Test(quantile, read_as_the_bin_middle)
{
	quantile_init(&q);
	quantile_add(&q, 1000);
	quantile_add(&q, 1001);
	quantile_add(&q, 1007);
	quantile_add(&q, 1007);
	cr_assert(eq(u64, quantile_get(&q, 0), 1000));
	cr_assert(eq(u64, quantile_get(&q, 50), 1003));
	cr_assert(eq(u64, quantile_get(&q, 75), 1003));
	cr_assert(eq(u64, quantile_get(&q, 100), 1007));
}

/* A bin's middle beyond the largest value is read as the largest. */
Test(quantile, never_outside_min_max)
{
	quantile_init(&q);
	for (int i = 0; i < 10; i++)
		quantile_add(&q, 1000 + (uint64_t)(i % 2));
	cr_assert(eq(u64, quantile_get(&q, 50), 1001));
	cr_assert(eq(u64, quantile_get(&q, 20), 1001));
	cr_assert(eq(u64, quantile_get(&q, 0), 1000));
}

Test(quantile, empty)
{
	quantile_init(&q);
	cr_assert(eq(u64, q.n, 0));
	cr_assert(eq(u64, q.min, UINT64_MAX));
	cr_assert(eq(u64, q.max, 0));
	cr_assert(eq(u64, quantile_get(&q, 0), 0));
	cr_assert(eq(u64, quantile_get(&q, 50), 0));
	cr_assert(eq(u64, quantile_get(&q, 100), 0));
}

/* p below 0 and NaN are 0, above 100 is 100; a p so small its rank is
 * below 1 is rank 1. */
Test(quantile, p_out_of_range)
{
	quantile_init(&q);
	for (uint64_t v = 1; v <= 1000; v++)
		quantile_add(&q, v * 1000);
	cr_assert(eq(u64, quantile_get(&q, -5), 1000));
	cr_assert(eq(u64, quantile_get(&q, NAN), 1000));
	cr_assert(eq(u64, quantile_get(&q, 1e-9), 1000));
	cr_assert(eq(u64, quantile_get(&q, 150), 1000000));
	cr_assert(eq(u64, quantile_get(&q, INFINITY), 1000000));
}

/* Nearest rank: p50 of 1..4 is rank 2, p50.1 rank 3, p25 rank 1. */
Test(quantile, nearest_rank)
{
	quantile_init(&q);
	for (uint64_t v = 1; v <= 4; v++)
		quantile_add(&q, v);
	cr_assert(eq(u64, quantile_get(&q, 25), 1));
	cr_assert(eq(u64, quantile_get(&q, 25.1), 2));
	cr_assert(eq(u64, quantile_get(&q, 50), 2));
	cr_assert(eq(u64, quantile_get(&q, 50.1), 3));
	cr_assert(eq(u64, quantile_get(&q, 99.9), 4));
}

/* Three streams merged (and an empty one both ways) are the histogram of
 * all their values, byte for byte. */
Test(quantile, merge_is_adding_all)
{
	struct quantile empty;
	uint64_t s = 77;

	quantile_init(&q);
	quantile_init(&empty);
	for (int i = 0; i < 3; i++)
		quantile_init(&part[i]);
	for (size_t i = 0; i < MAX_VALUES; i++) {
		values[i] = draw((enum value_kind)(i % 5), &s);
		quantile_add(&q, values[i]);
		quantile_add(&part[i % 3], values[i]);
	}
	quantile_merge(&part[0], &part[1]);
	quantile_merge(&part[0], &part[2]);
	quantile_merge(&part[0], &empty);
	cr_assert(eq(int, memcmp(&part[0], &q, sizeof q), 0));
	quantile_merge(&empty, &q);
	cr_assert(eq(int, memcmp(&empty, &q, sizeof q), 0));
}

Test(quantile, fixed_size_under_64_kb)
{
	cr_assert(lt(sz, sizeof(struct quantile), 65536));
}
