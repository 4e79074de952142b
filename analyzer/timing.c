/*
 * timing.c - a view's clock (resolution, steps back, equal stamps,
 * silences) and the period of cyclic streams; see timing.h for what is
 * measured and the constants.
 *
 * Arithmetic on timestamps saturates: a hostile file can hold stamps at
 * both ends of the int64_t range, and their difference must not overflow.
 */
#include "analyzer/timing.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S UINT64_C(1000000000)
#define CYCLE_FIRST_ALLOC 64u

enum { LIST_BACKWARDS, LIST_SILENCE };

/* a - b, saturated to +-INT64_MAX (so that its negation exists). */
static int64_t sat_sub(int64_t a, int64_t b)
{
	int64_t d;

	if (__builtin_sub_overflow(a, b, &d))
		return a < b ? -INT64_MAX : INT64_MAX;
	return d < -INT64_MAX ? -INT64_MAX : d;
}

/* |a - b| without overflow. */
static uint64_t abs_diff(int64_t a, int64_t b)
{
	return a >= b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

static int64_t clamp_u64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* "850 ns", "12.345 us", "1.234 ms", "2.500 s" (truncated, not rounded). */
static const char *duration_text(char *out, size_t n, uint64_t ns)
{
	static const struct {
		uint64_t below, unit;
		const char *name;
	} scale[] = {
		{ 1000, 1, "ns" },
		{ 1000000, 1000, "us" },
		{ NS_PER_S, 1000000, "ms" },
		{ UINT64_MAX, NS_PER_S, "s" },
	};
	size_t i = 0;

	while (ns >= scale[i].below && i + 1 < sizeof scale / sizeof scale[0])
		i++;
	if (i == 0)
		snprintf(out, n, "%" PRIu64 " ns", ns);
	else
		snprintf(out, n, "%" PRIu64 ".%03" PRIu64 " %s", ns / scale[i].unit,
			 ns % scale[i].unit / (scale[i].unit / 1000), scale[i].name);
	return out;
}

const char *duration_words(char *buf, size_t n, double ns)
{
	/* Each unit from where the one below would round to 1000. */
	static const struct { double from, div; int decimals; const char *name; } units[] = {
		{ 999999.5e3, 1e9, 3, "s" },
		{ 999.95e3, 1e6, 3, "ms" },
		{ 999.5, 1e3, 1, "us" },
		{ 0, 1, 0, "ns" },
	};
	double mag = fabs(ns), v, scale;
	size_t u = 0;

	if (!isfinite(ns)) {
		snprintf(buf, n, "n/a");
		return buf;
	}
	while (mag < units[u].from)
		u++;
	scale = pow(10, units[u].decimals);
	v = round(ns / units[u].div * scale) / scale;
	if (v == 0)
		v = 0;		/* no "-0 ns" for a tiny negative delay */
	snprintf(buf, n, "%.*f %s", units[u].decimals, v, units[u].name);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Resolution */

/* f (a fraction of a second, in ns) is k / 2^n s, converted to ns with an
 * error under 1 ns (pcapng.c truncates; others may round): then
 * f x 2^n = k x 1e9 + e with |e| < 2^n. */
static bool on_binary_grid(uint64_t f, int n)
{
	uint64_t rem = (f << n) % NS_PER_S, tol = UINT64_C(1) << n;

	return rem < tol || rem > NS_PER_S - tol;
}

static void resolution_add(struct ts_result *r, int64_t ts)
{
	while (r->res_ns > 1 && ts % (int64_t)r->res_ns != 0)
		r->res_ns /= 10;
	if (r->res_bits >= 0) {
		int64_t f = ts % (int64_t)NS_PER_S;
		uint64_t frac = (uint64_t)(f < 0 ? f + (int64_t)NS_PER_S : f);

		while (r->res_bits <= TS_BITS_MAX && !on_binary_grid(frac, r->res_bits))
			r->res_bits++;
		if (r->res_bits > TS_BITS_MAX)
			r->res_bits = -1;
	}
}

const char *ts_resolution_text(char *out, size_t n, uint64_t pow10_ns, int bits)
{
	static const char *const names[] = { "1 ns", "10 ns", "100 ns", "1 us", "10 us",
					     "100 us", "1 ms", "10 ms", "100 ms", "1 s" };
	uint64_t p = 1;
	size_t i = 0;

	/* The binary grid when it is the coarser: 2^-bits s > pow10_ns ns
	 * (pow10_ns < 2^30, so beyond 2^-33 s it is not). */
	if (bits >= 0 && (pow10_ns == 0 || (bits < 34 && (pow10_ns << bits) < NS_PER_S))) {
		if (bits)
			snprintf(out, n, "2^-%d s", bits);
		else
			snprintf(out, n, "1 s");
		return out;
	}
	while (p < pow10_ns && i + 1 < sizeof names / sizeof names[0]) {
		p *= 10;
		i++;
	}
	snprintf(out, n, "%s", pow10_ns && p == pow10_ns ? names[i] : "none");
	return out;
}

void ts_resolution_claimed(uint8_t tsresol, uint64_t *pow10_ns, int *bits)
{
	*pow10_ns = 1;
	*bits = -1;
	if (tsresol & 0x80) {
		*pow10_ns = 0;
		*bits = tsresol & 0x7f;
		return;
	}
	for (unsigned i = tsresol; i < 9; i++)
		*pow10_ns *= 10;
}

/* ------------------------------------------------------------------ */
/* Events, listed up to a cap */

static void emit(event_fn *ev, void *ctx, enum event_kind kind, const struct ts_where *at,
		 uint64_t count, const char *detail)
{
	struct event e = { .kind = (uint8_t)kind, .capture = at->capture, .frame = at->frame,
			   .ts_ns = at->ts_ns, .count = count };

	if (!ev)
		return;
	snprintf(e.detail, sizeof e.detail, "%s", detail);
	ev(ctx, &e);
}

/* Whether the next event of a list may be listed; counts it otherwise. */
static bool may_list(uint64_t *listed, uint64_t *unlisted, struct ts_where *first_unlisted,
		     uint64_t cap, const struct ts_where *at)
{
	if (*listed < cap) {
		++*listed;
		return true;
	}
	if (!(*unlisted)++)
		*first_unlisted = *at;
	return false;
}

static void emit_unlisted(event_fn *ev, void *ctx, enum event_kind kind, uint64_t unlisted,
			  const struct ts_where *first, uint64_t cap, const char *what)
{
	char d[200];

	if (!unlisted)
		return;
	snprintf(d, sizeof d, "%" PRIu64 " more %.100s from this frame on, counted but not listed"
		 " (the first %" PRIu64 " are)", unlisted, what, cap);
	emit(ev, ctx, kind, first, unlisted, d);
}

/* ------------------------------------------------------------------ */
/* Silences: a histogram of gaps */

/* 0..7 ns exactly, then four bins per octave by the two bits below the top
 * one: bin widths are a quarter of their octave. */
static unsigned hist_bin(uint64_t g)
{
	unsigned msb;

	if (g < 8)
		return (unsigned)g;
	msb = 63u - (unsigned)__builtin_clzll(g);
	return 8 + (msb - 3) * 4 + (unsigned)((g >> (msb - 2)) & 3);
}

static int64_t hist_middle(unsigned b)
{
	unsigned msb, sub;
	uint64_t low, width;

	if (b < 8)
		return b;
	msb = 3 + (b - 8) / 4;
	sub = (b - 8) % 4;
	width = UINT64_C(1) << (msb - 2);
	low = (4 + sub) * width;
	return clamp_u64(low + width / 2);
}

/* The gap of rank ceil(pct% of them) (nearest rank), 0 with none. */
static int64_t gap_percentile(const struct ts_stats *s, unsigned pct)
{
	uint64_t cum = 0;

	for (unsigned b = 0; b < TS_HIST_BINS; b++) {
		cum += s->hist[b];
		if (s->hist_n && cum * 100 >= s->hist_n * pct)
			return hist_middle(b);
	}
	return 0;
}

static int64_t silence_threshold(const struct ts_stats *s)
{
	int64_t u = gap_percentile(s, 99);
	int64_t t = u > INT64_MAX / TS_SILENCE_K ? INT64_MAX : u * TS_SILENCE_K;

	return t > TS_SILENCE_FLOOR_NS ? t : TS_SILENCE_FLOOR_NS;
}

static void hist_add(struct ts_stats *s, int64_t gap, int64_t n)
{
	s->hist[hist_bin((uint64_t)gap)] += (uint64_t)n;
	s->hist_n += (uint64_t)n;
}

/* Judges gap (ending at at) against the threshold, once enough other gaps
 * are known, then counts it. */
static void judge_gap(struct ts_stats *s, int64_t gap, const struct ts_where *at)
{
	char d[200], a[32], b[32], c[32];

	if (s->hist_n >= TS_MIN_GAPS && gap > s->threshold_ns) {
		s->threshold_ns = silence_threshold(s);	/* the latest word */
		if (gap > s->threshold_ns) {
			s->r.silences++;
			if (may_list(&s->listed[LIST_SILENCE], &s->unlisted[LIST_SILENCE],
				     &s->first_unlisted[LIST_SILENCE], TS_MAX_EVENTS, at)) {
				snprintf(d, sizeof d, "no record for %s before this one (99%% of gaps"
					 " under %s; silence: over %s)",
					 duration_text(a, sizeof a, (uint64_t)gap),
					 duration_text(b, sizeof b, (uint64_t)gap_percentile(s, 99)),
					 duration_text(c, sizeof c, (uint64_t)s->threshold_ns));
				emit(s->ev, s->ctx, EV_TS_SILENCE, at, 1, d);
			}
		}
	}
	hist_add(s, gap, 1);
}

/* The threshold anew.  The first time, the gaps kept meanwhile are judged,
 * each against all the others. */
static void renew_threshold(struct ts_stats *s)
{
	for (uint32_t i = 0; i < s->npending; i++)
		hist_add(s, s->pending[i].gap_ns, 1);
	for (uint32_t i = 0; i < s->npending; i++) {
		hist_add(s, s->pending[i].gap_ns, -1);
		s->threshold_ns = silence_threshold(s);
		judge_gap(s, s->pending[i].gap_ns, &s->pending[i].at);
	}
	s->npending = 0;
	s->threshold_ns = silence_threshold(s);
}

/* A step forward (or none) of gap ns, ending at at. */
static void gap_add(struct ts_stats *s, int64_t gap, const struct ts_where *at)
{
	if (gap > s->r.max_gap_ns) {
		s->r.max_gap_ns = gap;
		s->r.max_gap_at = *at;
	}
	if (gap <= TS_SILENCE_FLOOR_NS) {
		hist_add(s, gap, 1);
	} else if (s->threshold_ns) {
		judge_gap(s, gap, at);
	} else {
		/* Warming up: at most TS_WARMUP gaps come before the end of it. */
		assert(s->npending < TS_WARMUP);
		s->pending[s->npending++] = (struct ts_pending){ gap, *at };
	}
	if (++s->gaps == s->next_renew) {
		renew_threshold(s);
		s->next_renew += TS_RENEW;
	}
}

/* ------------------------------------------------------------------ */
/* ts_stats */

void ts_stats_init(struct ts_stats *s, event_fn *ev, void *ctx)
{
	memset(s, 0, sizeof *s);
	s->ev = ev;
	s->ctx = ctx;
	s->r.res_bits = -1;
	s->next_renew = TS_WARMUP;
}

static void backwards(struct ts_stats *s, int64_t step, const struct ts_where *at)
{
	char d[200], a[32];

	s->r.backwards++;
	if (step > s->r.backwards_max_ns) {
		s->r.backwards_max_ns = step;
		s->r.backwards_max = *at;
	}
	if (!may_list(&s->listed[LIST_BACKWARDS], &s->unlisted[LIST_BACKWARDS],
		      &s->first_unlisted[LIST_BACKWARDS], TS_MAX_EVENTS, at))
		return;
	snprintf(d, sizeof d, "%s earlier than the record before it (input %" PRIu32 ", frame %" PRIu64 ")",
		 duration_text(a, sizeof a, (uint64_t)step), s->prev.capture, s->prev.frame);
	emit(s->ev, s->ctx, EV_TS_BACKWARDS, at, 1, d);
}

static void equal_stamp(struct ts_stats *s)
{
	struct ts_result *r = &s->r;

	r->equal_records++;
	if (++s->run == 2) {
		r->equal_runs++;
		s->run_start = s->prev;
	}
	if (s->run > r->equal_longest) {
		r->equal_longest = s->run;
		r->equal_longest_at = s->run_start;
	}
}

void ts_stats_add(struct ts_stats *s, int64_t ts_ns, bool no_timestamp, uint32_t capture,
		  uint64_t frame)
{
	struct ts_where at = { capture, frame, ts_ns };
	struct ts_result *r = &s->r;

	assert(!s->finished);
	if (no_timestamp) {
		r->no_timestamp++;
		return;
	}
	if (!r->records++) {
		r->first_ns = ts_ns;
		r->res_ns = NS_PER_S;
		r->res_bits = 0;
	}
	r->last_ns = ts_ns;
	resolution_add(r, ts_ns);
	if (s->have_prev) {
		int64_t step = sat_sub(ts_ns, s->prev.ts_ns);

		if (step < 0) {
			backwards(s, -step, &at);
		} else {
			if (step == 0)
				equal_stamp(s);
			gap_add(s, step, &at);
		}
		if (step != 0)
			s->run = 1;
	} else {
		s->run = 1;
	}
	s->prev = at;
	s->have_prev = true;
}

const struct ts_result *ts_stats_finish(struct ts_stats *s)
{
	if (s->finished)
		return &s->r;
	s->finished = true;
	renew_threshold(s);	/* judges what still waits, if the warm-up never ended */
	s->r.gap_median_ns = gap_percentile(s, 50);
	s->r.gap_p99_ns = gap_percentile(s, 99);
	s->r.silence_ns = s->threshold_ns;
	emit_unlisted(s->ev, s->ctx, EV_TS_BACKWARDS, s->unlisted[LIST_BACKWARDS],
		      &s->first_unlisted[LIST_BACKWARDS], TS_MAX_EVENTS,
		      "records earlier than the record before them");
	emit_unlisted(s->ev, s->ctx, EV_TS_SILENCE, s->unlisted[LIST_SILENCE],
		      &s->first_unlisted[LIST_SILENCE], TS_MAX_EVENTS, "silences");
	return &s->r;
}

/* ------------------------------------------------------------------ */
/* Cycles */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The middle of sorted x[0..n) (n > 0): the mean of the two middle values
 * when n is even, rounded down. */
static int64_t sorted_median(const int64_t *x, uint32_t n)
{
	int64_t lo = x[(n - 1) / 2], hi = x[n / 2];

	return lo + (int64_t)(((uint64_t)hi - (uint64_t)lo) / 2);
}

/* Deviations |x - m| of sorted x[0..n) from m, visited in increasing
 * order by walking outwards from m; want[] are 1-based ranks, increasing,
 * at most n; got[] their deviations. */
static void deviation_ranks(const int64_t *x, uint32_t n, int64_t m, const uint32_t *want,
			    uint64_t *got, size_t nwant)
{
	uint32_t j = 0, k = 0;
	size_t w = 0;
	int64_t i;

	while (j < n && x[j] <= m)
		j++;
	i = (int64_t)j - 1;
	while (w < nwant && k < n) {
		uint64_t dl = i >= 0 ? abs_diff(m, x[i]) : UINT64_MAX;
		uint64_t dr = j < n ? abs_diff(x[j], m) : UINT64_MAX;
		uint64_t d;

		if (dl <= dr) {
			d = dl;
			i--;
		} else {
			d = dr;
			j++;
		}
		k++;
		while (w < nwant && want[w] == k)
			got[w++] = d;
	}
}

/* Median, MAD and p99 of the deviations, from the sample (sorted here). */
static void sample_figures(struct cycle *c, int64_t *median, int64_t *mad, int64_t *p99)
{
	uint32_t n = c->held, want[3];
	uint64_t got[3] = { 0, 0, 0 };

	qsort(c->iv, n, sizeof *c->iv, cmp_i64);
	*median = sorted_median(c->iv, n);
	want[0] = (n + 1) / 2;				/* the lower middle... */
	want[1] = n / 2 + 1;				/* ...the upper one (the same when n is odd) */
	want[2] = (uint32_t)(((uint64_t)n * 99 + 99) / 100);	/* ceil(0.99 n) >= want[1] */
	deviation_ranks(c->iv, n, *median, want, got, 3);
	*mad = clamp_u64(got[0] + (got[1] - got[0]) / 2);
	*p99 = clamp_u64(got[2]);
}

void cycle_init(struct cycle *c, const char *label, event_fn *ev, void *ctx)
{
	memset(c, 0, sizeof *c);
	c->label = label;
	c->ev = ev;
	c->ctx = ctx;
	c->rng = UINT64_C(0x9e3779b97f4a7c15);
	c->next_estimate = CYCLE_WARMUP;
}

/* xorshift64*, fixed seed: the same sample on every run. */
static uint64_t cycle_random(struct cycle *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * UINT64_C(0x2545f4914f6cdd1d);
}

static bool sample_grow(struct cycle *c)
{
	uint32_t cap = c->cap ? c->cap * 2 : CYCLE_FIRST_ALLOC;
	int64_t *iv;

	if (cap > CYCLE_SAMPLE)
		return false;
	iv = realloc(c->iv, cap * sizeof *iv);
	if (!iv)
		return false;	/* the sample stays as large as it is */
	c->iv = iv;
	c->cap = cap;
	return true;
}

/* Algorithm R: the first intervals fill the sample; then interval number
 * seen (0-based) replaces a random one with chance held / (seen + 1).
 * Sorting the sample in between does not matter: slots are drawn
 * uniformly. */
static void sample_put(struct cycle *c, int64_t iv, uint64_t seen)
{
	uint64_t j;

	if (seen == c->held && (c->held < c->cap || sample_grow(c))) {
		c->iv[c->held++] = iv;
		return;
	}
	j = (uint64_t)(((unsigned __int128)cycle_random(c) * (seen + 1)) >> 64);
	if (j < c->held)
		c->iv[j] = iv;
}

static void estimate(struct cycle *c)
{
	int64_t median, mad, p99, limit;

	sample_figures(c, &median, &mad, &p99);
	c->est_median = median;
	c->est_mad = mad;
	c->est_limit = 0;
	if (median > 0) {
		limit = mad > INT64_MAX / CYCLE_K_MAD ? INT64_MAX : mad * CYCLE_K_MAD;
		if (limit < median / CYCLE_FRAC)
			limit = median / CYCLE_FRAC;
		c->est_limit = limit > 0 ? limit : 1;
	}
	c->next_estimate = c->next_estimate < CYCLE_SAMPLE ? c->next_estimate * 2
							  : c->next_estimate + CYCLE_REESTIMATE;
}

static void outlier(struct cycle *c, int64_t iv, const struct ts_where *at)
{
	char d[200], a[32], b[32], m[32], off[32];
	uint64_t unlisted = c->outliers - c->listed;

	c->outliers++;
	if (c->listed >= CYCLE_MAX_EVENTS) {
		if (!unlisted)
			c->first_unlisted = *at;
		return;
	}
	c->listed++;
	snprintf(d, sizeof d, "%s%s%s %s the previous message, period %s (MAD %s): %s %s",
		 c->label ? c->label : "", c->label ? ": " : "",
		 duration_text(a, sizeof a, abs_diff(iv, 0)), iv < 0 ? "before" : "after",
		 duration_text(b, sizeof b, (uint64_t)c->est_median),
		 duration_text(m, sizeof m, (uint64_t)c->est_mad),
		 duration_text(off, sizeof off, abs_diff(iv, c->est_median)),
		 iv > c->est_median ? "late" : "early");
	emit(c->ev, c->ctx, EV_CYCLE_JITTER, at, 1, d);
}

void cycle_add(struct cycle *c, int64_t ts_ns, uint32_t capture, uint64_t frame)
{
	struct ts_where at = { capture, frame, ts_ns };

	if (c->messages++) {
		int64_t iv = sat_sub(ts_ns, c->last.ts_ns);
		uint64_t seen = c->messages - 2;	/* intervals before this one */

		if (!seen || iv < c->min_iv)
			c->min_iv = iv;
		if (!seen || iv > c->max_iv)
			c->max_iv = iv;
		if (c->est_limit && abs_diff(iv, c->est_median) > (uint64_t)c->est_limit)
			outlier(c, iv, &at);
		sample_put(c, iv, seen);
		if (seen + 1 == c->next_estimate && c->held)
			estimate(c);
	}
	c->last = at;
}

void cycle_finish(struct cycle *c, struct cycle_result *r)
{
	const char *label = c->label;
	event_fn *ev = c->ev;
	void *ctx = c->ctx;

	memset(r, 0, sizeof *r);
	r->messages = c->messages;
	r->intervals = c->messages ? c->messages - 1 : 0;
	r->outliers = c->outliers;
	if (c->held) {
		uint64_t above, below;

		r->sampled = c->held;
		sample_figures(c, &r->median_ns, &r->mad_ns, &r->p99_ns);
		above = abs_diff(c->max_iv, r->median_ns);
		below = abs_diff(c->min_iv, r->median_ns);
		r->max_ns = clamp_u64(above > below ? above : below);
	}
	if (c->outliers > c->listed) {
		char what[160];

		snprintf(what, sizeof what, "intervals%s%s far off the period", label ? " of " : "",
			 label ? label : "");
		emit_unlisted(ev, ctx, EV_CYCLE_JITTER, c->outliers - c->listed, &c->first_unlisted,
			      CYCLE_MAX_EVENTS, what);
	}
	cycle_free(c);
	cycle_init(c, label, ev, ctx);
}

void cycle_free(struct cycle *c)
{
	if (!c)
		return;
	free(c->iv);
	c->iv = NULL;
	c->held = c->cap = 0;
}
