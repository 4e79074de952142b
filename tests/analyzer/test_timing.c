/*
 * Tests of analyzer/timing.c: hand-built timestamp sequences with known
 * answers, hand-built capture files read back, the plant simulator against
 * its truth files, and real captures against tshark.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/timing.h"
#include "formats/capture.h"
#include "formats/packet.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/csvread.h"
#include "tests/support/pcapfile.h"
#include "tests/support/sim_run.h"

#define US INT64_C(1000)
#define MS INT64_C(1000000)
#define S INT64_C(1000000000)

/* ------------------------------------------------------------------ */
/* The events a run reported: the first MAX_GOT kept, all counted. */

#define MAX_GOT 1100

static struct event got[MAX_GOT];
static size_t ngot;
static uint64_t nevents[EV_KIND_COUNT], counts[EV_KIND_COUNT];

static void keep(void *ctx, const struct event *e)
{
	(void)ctx;
	cr_assert(lt(int, e->kind, EV_KIND_COUNT));
	if (ngot < MAX_GOT)
		got[ngot++] = *e;
	nevents[e->kind]++;
	counts[e->kind] += e->count;
}

static void reset_events(void)
{
	ngot = 0;
	memset(nevents, 0, sizeof nevents);
	memset(counts, 0, sizeof counts);
}

/* The n-th event kept of a kind (0-based), or NULL. */
static const struct event *nth_event(enum event_kind k, size_t n)
{
	for (size_t i = 0; i < ngot; i++)
		if (got[i].kind == k && n-- == 0)
			return &got[i];
	return NULL;
}

/* The frame of the first event of a kind, 0 with none. */
static uint64_t first_frame(enum event_kind k)
{
	const struct event *e = nth_event(k, 0);

	return e ? e->frame : 0;
}

/* The events of kind k: cap listed one by one, then one for the rest,
 * at the first not listed (frame); their counts add up to total. */
static const struct event *capped(enum event_kind k, uint64_t cap, uint64_t total, uint64_t frame)
{
	const struct event *last = nth_event(k, cap);

	cr_assert(eq(u64, nevents[k], cap + 1));
	cr_assert(eq(u64, counts[k], total));
	cr_assert(not(eq(ptr, (void *)last, NULL)));
	cr_assert(eq(u64, last->count, total - cap));
	cr_assert(eq(u64, last->frame, frame));
	return last;
}

/* A view of one capture fed with ts[0..n), frames numbered from 1. */
static const struct ts_result *feed(struct ts_stats *s, const int64_t *ts, size_t n)
{
	reset_events();
	ts_stats_init(s, keep, NULL);
	for (size_t i = 0; i < n; i++)
		ts_stats_add(s, ts[i], false, 0, i + 1);
	return ts_stats_finish(s);
}

/* ------------------------------------------------------------------ */
/* Resolution */

/* Parameters are copied into the test's process: text inline, no
 * pointers (the addresses differ there). */
struct res_case {
	char why[64];
	int64_t ts[6];
	size_t n;
	uint64_t res_ns;
	int bits;
	char text[16];
};

/* floor(k x 1e9 / 2^n): what formats/pcapng.c makes of k / 2^n s. */
#define BIN(sec, k, n) ((sec) * S + (int64_t)(((k) * 1000000000ull) >> (n)))

static struct res_case res_cases[] = {
	{ "whole seconds", { 1 * S, 2 * S, 7 * S }, 3, 1000000000, 0, "1 s" },
	{ "milliseconds", { 1 * S + 1 * MS, 1 * S + 2 * MS, 3 * S }, 3, 1000000, -1, "1 ms" },
	{ "tens of microseconds", { 1 * S + 10 * US, 1 * S + 990 * US }, 2, 10000, -1, "10 us" },
	{ "microseconds", { 1 * S + 1 * US, 1 * S + 2 * US, 5 * US }, 3, 1000, -1, "1 us" },
	{ "one nanosecond value is enough", { 1 * S + 1 * US, 1 * S + 2 * US + 1 }, 2, 1, -1, "1 ns" },
	{ "before 1970", { -1 * MS, -3 * MS }, 2, 1000000, -1, "1 ms" },
	{ "half seconds: a binary grid coarser than 100 ms", { S / 2, 3 * S / 2 }, 2, 100000000, 1,
	  "2^-1 s" },
	{ "2^-20 s ticks (odd counts)", { BIN(5, 1ull, 20), BIN(5, 3ull, 20), BIN(6, 12345ull, 20) }, 3, 1,
	  20, "2^-20 s" },
	{ "2^-24 s ticks, the finest recognised", { BIN(5, 1ull, 24), BIN(5, 77777ull, 24) }, 2, 1, 24,
	  "2^-24 s" },
	{ "2^-25 s ticks are not told from nanoseconds", { BIN(5, 1ull, 25), BIN(5, 3ull, 25),
	  BIN(5, 77777ull, 25), BIN(5, 1234567ull, 25) }, 4, 1, -1, "1 ns" },
	{ "no record", { 0 }, 0, 0, -1, "none" },
};

ParameterizedTestParameters(timing, resolution)
{
	return cr_make_param_array(struct res_case, res_cases, sizeof res_cases / sizeof res_cases[0]);
}

ParameterizedTest(struct res_case *k, timing, resolution)
{
	struct ts_stats s;
	const struct ts_result *r = feed(&s, k->ts, k->n);
	char text[32];

	cr_assert(eq(u64, r->res_ns, k->res_ns), "%s", k->why);
	cr_assert(eq(int, r->res_bits, k->bits), "%s", k->why);
	cr_assert(same(ts_resolution_text(text, sizeof text, r->res_ns, r->res_bits), k->text), "%s",
		  k->why);
}

Test(timing, records_without_timestamp_are_left_out)
{
	struct ts_stats s;
	const struct ts_result *r;

	ts_stats_init(&s, NULL, NULL);
	ts_stats_add(&s, 10 * S, false, 0, 1);
	ts_stats_add(&s, 10 * S + 1, true, 0, 2);	/* an SPB: nothing to say */
	ts_stats_add(&s, 9 * S, false, 0, 3);
	r = ts_stats_finish(&s);
	cr_assert(eq(u64, r->records, 2));
	cr_assert(eq(u64, r->no_timestamp, 1));
	cr_assert(eq(u64, r->res_ns, 1000000000));
	cr_assert(eq(u64, r->backwards, 1));
	cr_assert(eq(i64, r->backwards_max_ns, S));
	cr_assert(eq(u64, r->backwards_max.frame, 3));
}

struct claim_case {
	uint8_t tsresol;
	char text[16];
};

static struct claim_case claim_cases[] = {
	{ 6, "1 us" }, { 9, "1 ns" }, { 3, "1 ms" }, { 0, "1 s" }, { 12, "1 ns" }, { 0x94, "2^-20 s" },
	{ 0x80, "1 s" },
};

ParameterizedTestParameters(timing, claimed_resolution)
{
	return cr_make_param_array(struct claim_case, claim_cases,
				   sizeof claim_cases / sizeof claim_cases[0]);
}

ParameterizedTest(struct claim_case *k, timing, claimed_resolution)
{
	uint64_t ns;
	int bits;
	char text[32];

	ts_resolution_claimed(k->tsresol, &ns, &bits);
	cr_assert(same(ts_resolution_text(text, sizeof text, ns, bits), k->text), "tsresol 0x%02x",
		  k->tsresol);
}

/* ------------------------------------------------------------------ */
/* Steps back and equal stamps */

Test(timing, steps_back_each_an_event)
{
	static const int64_t ts[] = { 10, 20, 15, 30, 5, 5, 40 };
	struct ts_stats s;
	const struct ts_result *r = feed(&s, ts, 7);
	const struct event *e;

	cr_assert(eq(u64, r->records, 7));
	cr_assert(eq(u64, r->backwards, 2));
	cr_assert(eq(i64, r->backwards_max_ns, 25));
	cr_assert(eq(u64, r->backwards_max.frame, 5));
	cr_assert(eq(i64, r->backwards_max.ts_ns, 5));
	cr_assert(eq(u64, nevents[EV_TS_BACKWARDS], 2));
	e = nth_event(EV_TS_BACKWARDS, 0);
	cr_assert(eq(u64, e->frame, 3));
	cr_assert(eq(i64, e->ts_ns, 15));
	cr_assert(eq(u64, e->count, 1));
	cr_assert(same(e->detail, "5 ns earlier than the record before it (input 0, frame 2)"));
	cr_assert(eq(u64, nth_event(EV_TS_BACKWARDS, 1)->frame, 5));
	/* 5, 5 after the step back is a run; the steps are no gaps. */
	cr_assert(eq(u64, r->equal_runs, 1));
	cr_assert(eq(u64, r->equal_longest, 2));
	cr_assert(eq(u64, r->equal_longest_at.frame, 5));
	cr_assert(eq(i64, r->max_gap_ns, 35));
	cr_assert(eq(u64, r->max_gap_at.frame, 7));
}

Test(timing, steps_back_listed_up_to_the_cap_then_counted)
{
	enum { STEPS = TS_MAX_EVENTS + 1500 };
	struct ts_stats s;
	const struct ts_result *r;
	const struct event *last;

	reset_events();
	ts_stats_init(&s, keep, NULL);
	for (uint64_t i = 0; i < STEPS; i++) {
		ts_stats_add(&s, 1000 * (int64_t)i + 500, false, 1, 2 * i + 1);
		ts_stats_add(&s, 1000 * (int64_t)i, false, 1, 2 * i + 2);	/* 500 ns back */
	}
	r = ts_stats_finish(&s);
	cr_assert(eq(u64, r->backwards, STEPS));
	last = capped(EV_TS_BACKWARDS, TS_MAX_EVENTS, STEPS, 2 * TS_MAX_EVENTS + 2);
	cr_assert(eq(u32, last->capture, 1));
	cr_assert(same(last->detail, "1500 more records earlier than the record before them from this"
				     " frame on, counted but not listed (the first 1000 are)"));
}

Test(timing, runs_of_equal_stamps)
{
	static const int64_t ts[] = { 1, 1, 1, 2, 2, 3, 3, 3, 3, 4 };
	struct ts_stats s;
	const struct ts_result *r = feed(&s, ts, 10);

	cr_assert(eq(u64, r->equal_runs, 3));
	cr_assert(eq(u64, r->equal_records, 6));
	cr_assert(eq(u64, r->equal_longest, 4));
	cr_assert(eq(u64, r->equal_longest_at.frame, 6));
	cr_assert(eq(u64, r->backwards, 0));
	cr_assert(eq(u64, ngot, 0));
}

Test(timing, extreme_stamps_saturate)
{
	static const int64_t ts[] = { INT64_MAX, INT64_MIN, INT64_MAX };
	struct ts_stats s;
	const struct ts_result *r = feed(&s, ts, 3);

	cr_assert(eq(u64, r->backwards, 1));
	cr_assert(eq(i64, r->backwards_max_ns, INT64_MAX));
	cr_assert(eq(i64, r->max_gap_ns, INT64_MAX));
	cr_assert(eq(u64, r->silences, 0));	/* two gaps: too few to know what is usual */
}

/* ------------------------------------------------------------------ */
/* Silences */

/* ts[] of n records: every gap 1 ms, but gap number at is big. */
static size_t steady(int64_t *ts, size_t n, size_t at, int64_t big)
{
	int64_t t = 1700000000 * S;

	for (size_t i = 0; i < n; i++) {
		ts[i] = t;
		t += i + 1 == at ? big : MS;
	}
	return n;
}

struct silence_case {
	char why[64];
	size_t records, at;	/* the gap ends at record at (0-based): frame at + 1 */
	int64_t gap;
	uint64_t silences;
	uint64_t frame;		/* of the silence event; 0: none */
};

static struct silence_case silence_cases[] = {
	{ "2 s among 1 ms gaps", 300, 150, 2 * S, 1, 151 },
	{ "during the warm-up: judged when it ends", 300, 20, 2 * S, 1, 21 },
	{ "in a short capture: judged at the finish", 40, 20, 2 * S, 1, 21 },
	{ "exactly the floor is no silence", 300, 150, TS_SILENCE_FLOOR_NS, 0, 0 },
	{ "1 ns over the floor is", 300, 150, TS_SILENCE_FLOOR_NS + 1, 1, 151 },
	{ "fewer than TS_MIN_GAPS other gaps: not judged", TS_MIN_GAPS, 5, 100 * S, 0, 0 },
	{ "TS_MIN_GAPS other gaps: judged", TS_MIN_GAPS + 2, 5, 100 * S, 1, 6 },
};

ParameterizedTestParameters(timing, silence)
{
	return cr_make_param_array(struct silence_case, silence_cases,
				   sizeof silence_cases / sizeof silence_cases[0]);
}

ParameterizedTest(struct silence_case *k, timing, silence)
{
	static int64_t ts[400];
	struct ts_stats s;
	const struct ts_result *r = feed(&s, ts, steady(ts, k->records, k->at, k->gap));

	cr_assert(eq(u64, r->silences, k->silences), "%s", k->why);
	cr_assert(eq(u64, nevents[EV_TS_SILENCE], k->silences), "%s", k->why);
	cr_assert(eq(u64, counts[EV_TS_SILENCE], k->silences), "%s", k->why);
	cr_assert(eq(u64, first_frame(EV_TS_SILENCE), k->frame), "%s", k->why);
	cr_assert(eq(i64, r->max_gap_ns, k->gap), "%s", k->why);
	cr_assert(eq(u64, r->max_gap_at.frame, k->at + 1), "%s", k->why);
	cr_assert(eq(i64, r->max_gap_at.ts_ns, ts[k->at]), "%s", k->why);
}

Test(timing, silence_detail)
{
	static int64_t ts[300];
	struct ts_stats s;

	feed(&s, ts, steady(ts, 300, 150, 2500 * MS));
	/* 1 ms falls in the bin [917504, 1048576) of middle 983040 ns. */
	cr_assert(same(nth_event(EV_TS_SILENCE, 0)->detail,
		       "no record for 2.500 s before this one (99% of gaps under 983.040 us;"
		       " silence: over 1.000 s)"));
}

/* 99 gaps of 1 ms and one of 2 s: the 99th percentile is the 99th gap
 * (nearest rank), 1 ms (its bin's middle). */
Test(timing, percentiles_by_nearest_rank)
{
	static int64_t ts[101];
	struct ts_stats s;
	const struct ts_result *r = feed(&s, ts, steady(ts, 101, 100, 2 * S));

	cr_assert(eq(u64, r->silences, 1));
	cr_assert(eq(i64, r->gap_median_ns, 983040));
	cr_assert(eq(i64, r->gap_p99_ns, 983040));
	cr_assert(eq(i64, r->silence_ns, TS_SILENCE_FLOOR_NS));
}

/* A pause of 2 s among 1 ms gaps is a silence; a second one, when the
 * first makes 1% of the gaps before it, is the traffic's rhythm. */
Test(timing, a_second_pause_may_be_the_rhythm)
{
	static int64_t ts[101];
	struct ts_stats s;
	const struct ts_result *r;

	steady(ts, 101, 60, 2 * S);
	ts[100] += 2 * S - MS;	/* gap 100, the last, is 2 s too */
	r = feed(&s, ts, 101);
	cr_assert(eq(u64, r->silences, 1));
	cr_assert(eq(u64, first_frame(EV_TS_SILENCE), 61));
	/* 10 x the middle of 2 s's bin [1879048192, 2147483648). */
	cr_assert(eq(i64, r->silence_ns, INT64_C(20132659200)));
}

/* Polls every 5 s, each a burst of 10 frames 1 ms apart: a tenth of the
 * gaps are 5 s, the rhythm of the traffic, not silences; a 100 s pause
 * is one. */
Test(timing, pauses_between_bursts_are_the_rhythm)
{
	static int64_t ts[1000];
	struct ts_stats s;
	const struct ts_result *r;
	int64_t t = 0;

	for (size_t i = 0; i < 1000; i++) {
		ts[i] = t;
		t += i == 700 ? 100 * S : i % 10 == 9 ? 5 * S : MS;
	}
	r = feed(&s, ts, 1000);
	cr_assert(eq(u64, r->silences, 1));
	cr_assert(eq(u64, nth_event(EV_TS_SILENCE, 0)->frame, 702));
	cr_assert(gt(i64, r->silence_ns, 10 * 4 * S));
	cr_assert(lt(i64, r->silence_ns, 10 * 6 * S));
}

Test(timing, silences_listed_up_to_the_cap_then_counted)
{
	enum { SILENCES = TS_MAX_EVENTS + 200, EVERY = 101 };
	struct ts_stats s;
	const struct ts_result *r;
	int64_t t = 0;
	uint64_t frame = 0;

	reset_events();
	ts_stats_init(&s, keep, NULL);
	/* 100 gaps of 1 ms, then one of 2 s: fewer than 1% of the gaps. */
	for (uint64_t i = 0; i < (uint64_t)SILENCES * EVERY; i++) {
		ts_stats_add(&s, t, false, 0, ++frame);
		t += i % EVERY == EVERY - 1 ? 2 * S : MS;
	}
	ts_stats_add(&s, t, false, 0, ++frame);
	r = ts_stats_finish(&s);
	cr_assert(eq(u64, r->silences, SILENCES));
	capped(EV_TS_SILENCE, TS_MAX_EVENTS, SILENCES, (uint64_t)(TS_MAX_EVENTS + 1) * EVERY + 1);
}

/* ------------------------------------------------------------------ */
/* Cycles */

/* The figures the slow way: sort the intervals, take the median (the
 * floor of the mean of the middle two), sort the deviations. */
struct figures {
	int64_t median, mad, p99, max;
};

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t floor_mean(int64_t a, int64_t b)
{
	__int128 s = (__int128)a + b;

	return (int64_t)(s >= 0 ? s / 2 : -((-s + 1) / 2));
}

#define MAX_TIMES 20000

static int64_t scratch[MAX_TIMES];

static struct figures naive(const int64_t *times, size_t n)
{
	int64_t *iv = scratch;
	struct figures f = { 0, 0, 0, 0 };
	size_t k = n - 1;

	cr_assert(n >= 2 && n <= MAX_TIMES);
	for (size_t i = 0; i < k; i++)
		iv[i] = times[i + 1] - times[i];
	qsort(iv, k, sizeof *iv, cmp64);
	f.median = floor_mean(iv[(k - 1) / 2], iv[k / 2]);
	for (size_t i = 0; i < k; i++)
		iv[i] = iv[i] > f.median ? iv[i] - f.median : f.median - iv[i];
	qsort(iv, k, sizeof *iv, cmp64);
	f.mad = floor_mean(iv[(k - 1) / 2], iv[k / 2]);
	f.p99 = iv[(k * 99 + 99) / 100 - 1];
	f.max = iv[k - 1];
	return f;
}

static void cycle_feed(struct cycle *c, const int64_t *times, size_t n, struct cycle_result *r)
{
	reset_events();
	cycle_init(c, "test", keep, NULL);
	for (size_t i = 0; i < n; i++)
		cycle_add(c, times[i], 0, i + 1);
	cycle_finish(c, r);
}

struct cycle_case {
	char why[64];
	int64_t times[8];
	size_t n;
	struct figures want;
};

static struct cycle_case cycle_cases[] = {
	{ "odd count", { 0, 100, 200, 310, 400, 500 }, 6, { 100, 0, 10, 10 } },
	{ "even count: the middle two", { 0, 10, 30, 60, 100 }, 5, { 25, 10, 15, 15 } },
	{ "one interval", { 5, 12 }, 2, { 7, 0, 0, 0 } },
	{ "a step back", { 0, 10, 5 }, 3, { 2, 7, 8, 8 } },
};

ParameterizedTestParameters(cycle, figures)
{
	return cr_make_param_array(struct cycle_case, cycle_cases, sizeof cycle_cases / sizeof cycle_cases[0]);
}

ParameterizedTest(struct cycle_case *k, cycle, figures)
{
	struct cycle c;
	struct cycle_result r;
	struct figures slow = naive(k->times, k->n);

	cycle_feed(&c, k->times, k->n, &r);
	cr_assert(eq(u64, r.messages, k->n), "%s", k->why);
	cr_assert(eq(u64, r.intervals, k->n - 1), "%s", k->why);
	cr_assert(eq(u32, r.sampled, k->n - 1), "%s", k->why);
	cr_assert(eq(i64, r.median_ns, k->want.median), "%s", k->why);
	cr_assert(eq(i64, r.mad_ns, k->want.mad), "%s", k->why);
	cr_assert(eq(i64, r.p99_ns, k->want.p99), "%s", k->why);
	cr_assert(eq(i64, r.max_ns, k->want.max), "%s", k->why);
	/* The slow way agrees with the hand. */
	cr_assert(eq(i64, slow.median, k->want.median), "%s", k->why);
	cr_assert(eq(i64, slow.mad, k->want.mad), "%s", k->why);
	cr_assert(eq(i64, slow.p99, k->want.p99), "%s", k->why);
	cr_assert(eq(i64, slow.max, k->want.max), "%s", k->why);
}

Test(cycle, no_interval)
{
	static const int64_t one[] = { 42 };
	struct cycle c;
	struct cycle_result r;

	cycle_feed(&c, NULL, 0, &r);
	cr_assert(eq(u64, r.messages, 0));
	cr_assert(eq(u64, r.intervals, 0));
	cycle_feed(&c, one, 1, &r);
	cr_assert(eq(u64, r.messages, 1));
	cr_assert(eq(u64, r.intervals, 0));
	cr_assert(eq(u32, r.sampled, 0));
	cr_assert(eq(i64, r.median_ns, 0));
	cycle_free(&c);
	cycle_free(&c);
	cycle_free(NULL);
}

/* Intervals 1000 + d for d = -100..100 in a scrambled order: median 1000,
 * deviations 0, 1, 1, 2, 2, ... 100, 100 (rank r: r / 2). */
Test(cycle, spread_of_201_intervals)
{
	static int64_t times[202];
	struct cycle c;
	struct cycle_result r;

	times[0] = 0;
	for (int i = 0; i < 201; i++)
		times[i + 1] = times[i] + 1000 + ((i * 37) % 201 - 100);
	cycle_feed(&c, times, 202, &r);
	cr_assert(eq(i64, r.median_ns, 1000));
	cr_assert(eq(i64, r.mad_ns, 50));		/* rank 101 */
	cr_assert(eq(i64, r.p99_ns, 99));		/* rank ceil(198.99) = 199 */
	cr_assert(eq(i64, r.max_ns, 100));
	cr_assert(eq(u64, r.outliers, 0));	/* none is CYCLE_K_MAD x MAD = 400 off */
}

/* Beyond CYCLE_SAMPLE intervals the figures come from a sample; the
 * largest deviation stays exact. */
Test(cycle, long_streams_are_sampled)
{
	struct cycle c;
	struct cycle_result r;
	int64_t t = 0;

	reset_events();
	cycle_init(&c, NULL, keep, NULL);
	for (uint64_t i = 0; i < 3 * CYCLE_SAMPLE; i++) {
		cycle_add(&c, t, 0, i + 1);
		t += 100 * MS + (int64_t)(i % 7) * US;	/* 100 ms + 0..6 us */
		if (i == 2 * CYCLE_SAMPLE + 3)
			t += 5 * US;	/* 100 ms + 10 us once: the sample may well miss it */
	}
	cr_assert(le(u32, c.cap, CYCLE_SAMPLE));
	cycle_finish(&c, &r);
	cr_assert(eq(u64, r.intervals, 3 * CYCLE_SAMPLE - 1));
	cr_assert(eq(u32, r.sampled, CYCLE_SAMPLE));
	cr_assert(eq(i64, r.median_ns, 100 * MS + 3 * US));
	cr_assert(eq(i64, r.max_ns, 7 * US));
	cr_assert(eq(u64, ngot, 0));
	cr_assert(eq(ptr, c.iv, NULL));
}

Test(cycle, outliers_late_and_early)
{
	static int64_t times[120];
	struct cycle c;
	struct cycle_result r;
	const struct event *e;

	times[0] = 0;
	for (size_t i = 1; i < 120; i++)
		times[i] = times[i - 1] + 100 * MS + (int64_t)(i % 5) * 100 * US;
	for (size_t i = 61; i < 120; i++)
		times[i] += 150 * MS;	/* interval 60 is 250 ms */
	for (size_t i = 91; i < 120; i++)
		times[i] -= 70 * MS;	/* interval 90 is 30.1 ms */
	cycle_feed(&c, times, 120, &r);
	cr_assert(eq(u64, r.outliers, 2));
	cr_assert(eq(u64, nevents[EV_CYCLE_JITTER], 2));
	e = nth_event(EV_CYCLE_JITTER, 0);
	cr_assert(eq(u64, e->frame, 62));	/* the message that ends it */
	cr_assert(eq(i64, e->ts_ns, times[61]));
	cr_assert(eq(u64, e->count, 1));
	/* Intervals 100.0 .. 100.4 ms, median 100.2 ms, MAD 100 us. */
	cr_assert(same(e->detail, "test: 250.100 ms after the previous message, period 100.200 ms"
				  " (MAD 100.000 us): 149.900 ms late"));
	e = nth_event(EV_CYCLE_JITTER, 1);
	cr_assert(eq(u64, e->frame, 92));
	cr_assert(same(e->detail, "test: 30.100 ms after the previous message, period 100.200 ms"
				  " (MAD 100.000 us): 70.100 ms early"));
}

Test(cycle, no_outlier_before_the_warmup)
{
	static int64_t times[CYCLE_WARMUP];
	struct cycle c;
	struct cycle_result r;

	for (size_t i = 1; i < CYCLE_WARMUP; i++)
		times[i] = times[i - 1] + (i == 5 ? 900 * MS : 100 * MS);
	cycle_feed(&c, times, CYCLE_WARMUP, &r);
	cr_assert(eq(u64, r.outliers, 0));
	cr_assert(eq(i64, r.max_ns, 800 * MS));
}

Test(cycle, outliers_listed_up_to_the_cap_then_counted)
{
	enum { OUTLIERS = CYCLE_MAX_EVENTS + 250, EVERY = 50 };
	struct cycle c;
	struct cycle_result r;
	int64_t t = 0;
	uint64_t frame = 0;

	reset_events();
	cycle_init(&c, "poll", keep, NULL);
	for (uint64_t i = 0; i < (uint64_t)OUTLIERS * EVERY; i++) {
		cycle_add(&c, t, 2, ++frame);
		t += i % EVERY == EVERY - 1 ? 300 * MS : 100 * MS;
	}
	cycle_finish(&c, &r);
	cr_assert(eq(u64, r.outliers, OUTLIERS - 1));	/* the last long one has no end */
	cr_assert(same(capped(EV_CYCLE_JITTER, CYCLE_MAX_EVENTS, OUTLIERS - 1,
			      (uint64_t)(CYCLE_MAX_EVENTS + 1) * EVERY + 1)->detail,
		       "249 more intervals of poll far off the period from this frame on, counted"
		       " but not listed (the first 100 are)"));
}

/* ------------------------------------------------------------------ */
/* Hand-built files read back */

/* "sec.frac" as tshark prints it, in ns (exactly; frac padded to 9). */
static int64_t parse_ns(const char *s)
{
	int neg = *s == '-';
	int64_t sec = 0, frac = 0;
	int digits = 0;

	s += neg;
	for (; *s >= '0' && *s <= '9'; s++)
		sec = sec * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			if (digits < 9) {
				frac = frac * 10 + (*s - '0');
				digits++;
			}
	for (; digits < 9; digits++)
		frac *= 10;
	return neg ? -(sec * S + frac) : sec * S + frac;
}

/* What tshark says of a file's timing: steps back (frame.time_delta < 0),
 * runs of equal stamps (frame.time_delta == 0), and the resolution (the
 * largest power of ten dividing every frame.time_epoch). */
struct tshark_timing {
	uint64_t records, backwards, equal_runs, equal_records, equal_longest;
	int64_t backwards_max;
	uint64_t res_ns;
};

static bool tshark_timing(const char *path, struct tshark_timing *t)
{
	static const char *const fields[] = { "frame.time_epoch", "frame.time_delta" };
	struct tshark_rows rows;
	uint64_t run = 1;

	memset(t, 0, sizeof *t);
	if (!tshark_fields(path, NULL, NULL, fields, 2, &rows))
		return false;
	t->records = rows.nrows;
	t->res_ns = rows.nrows ? 1000000000 : 0;
	for (size_t i = 0; i < rows.nrows; i++) {
		int64_t epoch = parse_ns(tshark_cell(&rows, i, 1));
		int64_t delta = parse_ns(tshark_cell(&rows, i, 2));

		while (t->res_ns > 1 && epoch % (int64_t)t->res_ns)
			t->res_ns /= 10;
		if (i && delta < 0) {
			t->backwards++;
			if (-delta > t->backwards_max)
				t->backwards_max = -delta;
		}
		run = i && delta == 0 ? run + 1 : 1;
		t->equal_records += run > 1;
		t->equal_runs += run == 2;
		if (run > 1 && run > t->equal_longest)
			t->equal_longest = run;
	}
	tshark_rows_free(&rows);
	return true;
}

/* Every record of path through a ts_stats of its own (capture 0). */
static const struct ts_result *read_file(struct ts_stats *s, const char *path)
{
	struct tp_capture *c;
	struct tp_record rec;
	char err[256];

	reset_events();
	cr_assert(eq(int, tp_capture_open(&c, path, NULL, err, sizeof err), TP_OPEN_OK), "%s: %s", path,
		  err);
	ts_stats_init(s, keep, NULL);
	while (tp_capture_next(c, &rec) == TP_READ_OK)
		ts_stats_add(s, rec.ts_ns, rec.no_timestamp, 0, rec.frame);
	tp_capture_close(c, NULL, NULL);
	return ts_stats_finish(s);
}

static void agrees_with_tshark(const char *path, const struct ts_result *r)
{
	struct tshark_timing t;

	cr_assert(tshark_timing(path, &t), "tshark on %s", path);
	cr_assert(eq(u64, r->records, t.records), "%s", path);
	cr_assert(eq(u64, r->backwards, t.backwards), "%s", path);
	cr_assert(eq(i64, r->backwards_max_ns, t.backwards_max), "%s", path);
	cr_assert(eq(u64, r->equal_runs, t.equal_runs), "%s", path);
	cr_assert(eq(u64, r->equal_records, t.equal_records), "%s", path);
	cr_assert(eq(u64, r->equal_longest, t.equal_longest), "%s", path);
	cr_assert(eq(u64, r->res_ns, t.res_ns), "%s", path);
}

static void cleanup(void)
{
	tmpfile_cleanup();
	sim_cleanup();
}

TestSuite(timing_files, .fini = cleanup);

/* A classic pcap (microseconds) whose clock steps back twice. */
Test(timing_files, pcap_with_steps_back)
{
	static const uint32_t usec[][2] = { { 100, 0 }, { 100, 500 }, { 100, 200 }, { 100, 900 },
					    { 99, 999999 }, { 99, 999999 }, { 101, 0 } };
	struct bytes b = { 0 };
	struct ts_stats s;
	const struct ts_result *r;
	const char *path;

	pcapfile_header(&b, false, false, 65535, 1);
	for (size_t i = 0; i < sizeof usec / sizeof usec[0]; i++)
		pcapfile_record(&b, false, usec[i][0], usec[i][1], 60, (uint8_t)i);
	path = tmpfile_write(0, b.p, b.len);
	bytes_free(&b);
	r = read_file(&s, path);
	cr_assert(eq(u64, r->records, 7));
	cr_assert(eq(u64, r->backwards, 2));
	cr_assert(eq(i64, r->backwards_max_ns, 901 * US));	/* 100.000900 -> 99.999999 */
	cr_assert(eq(u64, r->backwards_max.frame, 5));
	cr_assert(eq(u64, nth_event(EV_TS_BACKWARDS, 0)->frame, 3));
	cr_assert(eq(u64, r->equal_runs, 1));
	cr_assert(eq(u64, r->res_ns, 1000));
	agrees_with_tshark(path, r);
}

static void pcapng_block_end(struct bytes *b, size_t start)
{
	bytes_pad4(b);
	bytes_u32(b, 0, false);
	bytes_set_u32(b, start + 4, (uint32_t)(b->len - start), false);
	bytes_set_u32(b, b->len - 4, (uint32_t)(b->len - start), false);
}

/* pcapng (draft-ietf-opsawg-pcapng 4.1-4.3): SHB, an IDB with if_tsresol
 * 0x94 (2^-20 s), and EPBs at k / 2^20 s for odd k. */
Test(timing_files, pcapng_binary_resolution)
{
	static const uint64_t ticks[] = { (UINT64_C(1700000000) << 20) + 1, (UINT64_C(1700000000) << 20) + 3,
					  (UINT64_C(1700000001) << 20) + 777777 };
	static const uint8_t frame[60];
	struct bytes b = { 0 };
	struct ts_stats s;
	const struct ts_result *r;
	char text[32];
	size_t at;

	at = b.len;	/* SHB */
	bytes_u32(&b, 0x0a0d0d0a, false);
	bytes_u32(&b, 0, false);
	bytes_u32(&b, 0x1a2b3c4d, false);
	bytes_u16(&b, 1, false);
	bytes_u16(&b, 0, false);
	bytes_u64(&b, UINT64_MAX, false);
	pcapng_block_end(&b, at);
	at = b.len;	/* IDB */
	bytes_u32(&b, 1, false);
	bytes_u32(&b, 0, false);
	bytes_u16(&b, 1, false);	/* LINKTYPE_ETHERNET */
	bytes_u16(&b, 0, false);
	bytes_u32(&b, 65535, false);
	bytes_u16(&b, 9, false);	/* if_tsresol */
	bytes_u16(&b, 1, false);
	bytes_u8(&b, 0x94);
	bytes_pad4(&b);
	bytes_u32(&b, 0, false);	/* opt_endofopt */
	pcapng_block_end(&b, at);
	for (size_t i = 0; i < sizeof ticks / sizeof ticks[0]; i++) {
		at = b.len;	/* EPB */
		bytes_u32(&b, 6, false);
		bytes_u32(&b, 0, false);
		bytes_u32(&b, 0, false);
		bytes_u32(&b, (uint32_t)(ticks[i] >> 32), false);
		bytes_u32(&b, (uint32_t)ticks[i], false);
		bytes_u32(&b, sizeof frame, false);
		bytes_u32(&b, sizeof frame, false);
		bytes_put(&b, frame, sizeof frame);
		pcapng_block_end(&b, at);
	}
	r = read_file(&s, tmpfile_write(0, b.p, b.len));
	bytes_free(&b);
	cr_assert(eq(u64, r->records, 3));
	cr_assert(eq(int, r->res_bits, 20));
	cr_assert(same(ts_resolution_text(text, sizeof text, r->res_ns, r->res_bits), "2^-20 s"));
}

/* ------------------------------------------------------------------ */
/* The plant simulator */

/* Runs the simulator into sim_dirs[slot] (removed by sim_cleanup) with
 * --poll-ms poll_ms. */
static void sim_poll(size_t slot, unsigned seed, unsigned duration, unsigned poll_ms)
{
	char cmd[512];

	snprintf(sim_dirs[slot], sizeof sim_dirs[slot], "/tmp/tapsight-sim-XXXXXX");
	cr_assert(not(eq(ptr, mkdtemp(sim_dirs[slot]), NULL)));
	snprintf(cmd, sizeof cmd, "'%s' --seed %u --duration %u --poll-ms %u -o '%s' >/dev/null", sim_bin(),
		 seed, duration, poll_ms, sim_dirs[slot]);
	cr_assert(eq(int, system(cmd), 0), "%s", cmd);
}

/* truth-frames.csv's "2024-05-14T06:00:00.201428833Z" in ns. */
static int64_t truth_time(const char *iso)
{
	struct tm tm;
	const char *dot;

	memset(&tm, 0, sizeof tm);
	dot = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
	cr_assert(not(eq(ptr, (void *)dot, NULL)), "%s", iso);
	return (int64_t)timegm(&tm) * S + (*dot == '.' ? parse_ns(dot) : 0);
}

#define MAX_POLLS 2000

/* The times of the HMI's Modbus requests to the PLC on switch port
 * plc_port (a row of truth-frames.csv each, the device identification
 * request of 65 bytes + FCS left out: it precedes the polling). */
static size_t truth_polls(const char *dir, const char *plc_port, int64_t *times)
{
	struct csv_table t;
	char path[256];
	size_t n = 0;

	snprintf(path, sizeof path, "%s/truth-frames.csv", dir);
	cr_assert(eq(int, csv_table_read(&t, path), 0), "%s", path);
	for (size_t row = 1; row < t.rows && n < MAX_POLLS; row++)
		if (!strcmp(csv_table_get(&t, row, "protocol"), "modbus") &&
		    !strcmp(csv_table_get(&t, row, "in_port"), "2") &&
		    !strcmp(csv_table_get(&t, row, "out_ports"), plc_port) &&
		    strcmp(csv_table_get(&t, row, "length"), "69"))
			times[n++] = truth_time(csv_table_get(&t, row, "ts"));
	csv_table_free(&t);
	return n;
}

/* The largest gap between two wire frames of truth-frames.csv. */
static int64_t truth_max_gap(const char *dir)
{
	struct csv_table t;
	char path[256];
	int64_t *ts = scratch, max = 0;
	size_t n;

	snprintf(path, sizeof path, "%s/truth-frames.csv", dir);
	cr_assert(eq(int, csv_table_read(&t, path), 0), "%s", path);
	n = t.rows - 1;
	cr_assert(le(sz, n, MAX_TIMES));
	for (size_t row = 1; row < t.rows; row++)
		ts[row - 1] = truth_time(csv_table_get(&t, row, "ts"));
	qsort(ts, n, sizeof *ts, cmp64);
	for (size_t i = 1; i < n; i++)
		if (ts[i] - ts[i - 1] > max)
			max = ts[i] - ts[i - 1];
	csv_table_free(&t);
	return max;
}

/* The HMI's Modbus requests (TCP from cport to 502 with a PDU, the
 * device identification, function 0x2b, left out) in the TAP's capture,
 * through one cycle. */
static void tap_polls(const char *dir, uint16_t cport, struct cycle_result *r, int64_t *times,
		      size_t *n)
{
	struct tp_capture *c;
	struct tp_record rec;
	struct tp_packet pkt;
	struct cycle cy;
	char path[256], err[256];

	snprintf(path, sizeof path, "%s/tap.pcapng", dir);
	cr_assert(eq(int, tp_capture_open(&c, path, NULL, err, sizeof err), TP_OPEN_OK), "%s", err);
	reset_events();
	cycle_init(&cy, "modbus requests", keep, NULL);
	*n = 0;
	while (tp_capture_next(c, &rec) == TP_READ_OK) {
		tp_decode(&pkt, &rec);
		if (pkt.ip_proto == 6 && pkt.sport == cport && pkt.dport == 502 && pkt.payload_len >= 8 &&
		    pkt.payload[7] != 0x2b) {
			cycle_add(&cy, rec.ts_ns, 0, rec.frame);
			if (*n < MAX_POLLS)
				times[(*n)++] = rec.ts_ns;
		}
	}
	tp_capture_close(c, NULL, NULL);
	cycle_finish(&cy, r);
}

/* samples/build_modbus.c polls at t0 + k x poll + U[0, 0.5 ms): every
 * interval lies within poll +- 0.5 ms, so no deviation from the median
 * reaches 1 ms, and the median of a few hundred is within 0.1 ms of the
 * poll (its standard error is about 0.25 ms / sqrt(n)).  The TAP writes
 * the wire's times (truth-views.csv: offset 0, drift 0): the figures equal
 * those of truth-frames.csv's requests, to the nanosecond. */
static void poll_period_is_the_simulators(const char *dir, int64_t poll)
{
	static const struct {
		uint16_t cport;
		const char *port;
	} plcs[] = { { 49801, "3" }, { 49802, "4" } };
	static int64_t truth[MAX_POLLS], seen[MAX_POLLS];

	for (size_t i = 0; i < 2; i++) {
		struct cycle_result r;
		struct figures f;
		size_t nt = truth_polls(dir, plcs[i].port, truth), ns;

		tap_polls(dir, plcs[i].cport, &r, seen, &ns);
		cr_assert(gt(sz, nt, 50));
		cr_assert(eq(sz, ns, nt));
		cr_assert(eq(u64, r.messages, nt));
		cr_assert(eq(int, memcmp(seen, truth, nt * sizeof *seen), 0));
		f = naive(truth, nt);
		cr_assert(eq(i64, r.median_ns, f.median));
		cr_assert(eq(i64, r.mad_ns, f.mad));
		cr_assert(eq(i64, r.p99_ns, f.p99));
		cr_assert(eq(i64, r.max_ns, f.max));
		cr_assert(lt(i64, r.median_ns > poll ? r.median_ns - poll : poll - r.median_ns, 100 * US),
			  "median %lld, poll %lld", (long long)r.median_ns, (long long)poll);
		cr_assert(lt(i64, r.max_ns, 1 * MS));
		/* The difference of two U[0, a) with a = 0.5 ms has a median
		 * absolute value of a (1 - 1 / sqrt 2) = 146 us. */
		cr_assert(gt(i64, r.mad_ns, 100 * US));
		cr_assert(lt(i64, r.mad_ns, 200 * US));
		cr_assert(eq(u64, r.outliers, 0));
		cr_log_info("poll %lld ns, port %s: %llu requests, median %lld ns, MAD %lld, p99 %lld,"
			    " max %lld", (long long)poll, plcs[i].port, (unsigned long long)r.messages,
			    (long long)r.median_ns, (long long)r.mad_ns, (long long)r.p99_ns,
			    (long long)r.max_ns);
	}
}

static void truth_view(const char *dir, const char *view, const char *column, const char *want)
{
	struct csv_table t;
	char path[256];
	bool found = false;

	snprintf(path, sizeof path, "%s/truth-views.csv", dir);
	cr_assert(eq(int, csv_table_read(&t, path), 0), "%s", path);
	for (size_t row = 1; row < t.rows; row++)
		if (!strcmp(csv_table_get(&t, row, "view"), view)) {
			cr_assert(same(csv_table_get(&t, row, column), want), "%s %s", view, column);
			found = true;
		}
	csv_table_free(&t);
	cr_assert(found, "%s", view);
}

Test(timing_files, sim_tap_poll_period)
{
	cr_assert(eq(int, sim_run(0, 3, 40), 0));
	truth_view(sim_dirs[0], "tap", "offset_ns", "0");
	truth_view(sim_dirs[0], "tap", "drift_ppm", "0.000");
	poll_period_is_the_simulators(sim_dirs[0], 100 * MS);
}

Test(timing_files, sim_tap_poll_period_changed)
{
	sim_poll(0, 5, 60, 250);
	poll_period_is_the_simulators(sim_dirs[0], 250 * MS);
}

/* Every mirror's file: resolution, steps back and equal stamps as tshark
 * sees them.  The simulator writes each file in time order (copies
 * reordered by a mirror keep increasing times: samples/mirror_span.c), so
 * its "reordered" column is no step back; span-rx is classic pcap in
 * microseconds, the others pcapng in nanoseconds.  The TAP's largest gap
 * is the wire's (it copies the wire's times), under a second: no
 * silence. */
Test(timing_files, sim_views)
{
	static const struct {
		const char *file;
		uint64_t res_ns;
	} files[] = {
		{ "tap.pcapng", 1 },	   { "tap-rx.pcapng", 1 }, { "tap-tx.pcapng", 1 },
		{ "span.pcapng", 1 },	   { "span-rx.pcap.gz", 1000 }, { "rspan.pcapng", 1 },
		{ "erspan.pcapng", 1 },	   { "erspan3.pcapng.zst", 1 }, { "vswitch.pcapng", 1 },
	};
	struct ts_stats s;
	const struct ts_result *r;
	char path[256];

	cr_assert(eq(int, sim_run(0, 7, 20), 0));
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		sim_path(path, sizeof path, 0, files[i].file);
		r = read_file(&s, path);
		cr_assert(eq(u64, r->res_ns, files[i].res_ns), "%s", files[i].file);
		cr_assert(eq(u64, r->backwards, 0), "%s", files[i].file);
		cr_assert(eq(u64, r->silences, 0), "%s", files[i].file);
		agrees_with_tshark(path, r);
	}
	sim_path(path, sizeof path, 0, "tap.pcapng");
	cr_assert(eq(i64, read_file(&s, path)->max_gap_ns, truth_max_gap(sim_dirs[0])));
}

/* ------------------------------------------------------------------ */
/* Real captures against tshark */

struct corpus_case {
	char rel[64];
};

/* Not pcapng/pcapng-example.pcapng: its frames 60-159 lie in the year
 * 2554, past the int64_t nanoseconds the readers saturate to. */
static struct corpus_case corpus_files[] = {
	{ "compressed/hardware_dups.dmp.gz" },	 /* 110 steps back (tcptrace's hardware duplicates) */
	{ "pcapng/many_interfaces-1.pcapng" },	 /* interfaces interleaved */
	{ "pcapng/timestamps/nanosecs.pcap" },	 /* 766 ns back */
	{ "encap/vxlan/vxlan-encapsulated-http.pcap" },
	{ "compressed/mpls-6in6-broken.pcap.gz" },	 /* whole seconds, runs of up to 569 */
	{ "ics/profinet/profinet_io_cm_connect.pcapng" },
	{ "ics/modbus/ModbusTCP.pcap" },		 /* 15387 frames, 60 runs */
};

ParameterizedTestParameters(timing_corpus, agrees_with_tshark)
{
	return cr_make_param_array(struct corpus_case, corpus_files,
				   sizeof corpus_files / sizeof corpus_files[0]);
}

ParameterizedTest(struct corpus_case *k, timing_corpus, agrees_with_tshark)
{
	struct ts_stats s;
	const char *path = corpus_file(k->rel);

	agrees_with_tshark(path, read_file(&s, path));
	cr_assert(eq(u64, counts[EV_TS_BACKWARDS], s.r.backwards));
}
