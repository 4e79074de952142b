/*
 * timing.h - how a view kept time, and the period of cyclic streams.
 *
 * struct ts_stats, one per view, is handed every record in view order (the
 * captures of a view merged in timestamp order: a single file can still
 * step back) and measures:
 *   - the resolution the timestamps really have: the largest power of ten
 *     of nanoseconds (1 ns .. 1 s) dividing every one of them, and, when a
 *     clock counts in binary fractions (pcapng if_tsresol 0x80|n), the
 *     smallest n such that every fraction of a second is a multiple of
 *     2^-n s to within the nanosecond the readers round to (n <= 24: beyond,
 *     2^-n s is too close to 1 ns to tell a binary clock from a decimal
 *     one).  Both are kept from the first record: one value off the grid
 *     is enough to make it finer.
 *   - steps back: records earlier than the record before them (count,
 *     largest step and where), one EV_TS_BACKWARDS event each;
 *   - runs of identical timestamps (two or more consecutive records with
 *     the same stamp): how many, how many records repeat the stamp before
 *     them, the longest run and where it starts;
 *   - silences: gaps longer than max(TS_SILENCE_K x the 99th percentile
 *     of the gaps so far, TS_SILENCE_FLOOR_NS), one EV_TS_SILENCE event
 *     each.  The gaps (steps back left out) go into a histogram with four
 *     bins per octave (a percentile is read as its bin's middle: within
 *     12.5%), read again every TS_RENEW gaps and whenever a gap crosses
 *     the threshold.  A gap is judged against the gaps before it, once
 *     TS_MIN_GAPS are known; gaps over the floor met before TS_WARMUP gaps
 *     wait (at most TS_WARMUP of them) and are judged when the warm-up
 *     ends, or at the finish, each against all the other gaps.  So the
 *     threshold is that of its time: long gaps at the start of a capture
 *     may be its rhythm then, and the same gaps a silence later, once the
 *     traffic is busy.
 *     Why the 99th percentile and not the median: ICS traffic comes in
 *     bursts (a poll, its answer, the ACKs, then nothing until the next
 *     poll), so the median is the gap inside a burst, and 100 x the median
 *     flags every pause between polls (in the shared corpus, 80 "silences"
 *     in an MMS capture polled every 2 s, 67 in a DNP3 one); 10 x the 99th
 *     percentile flags only pauses far longer than the traffic's rhythm
 *     (the 20-30 s pauses of a BACnet capture otherwise busy every 60 ms).
 *     The floor keeps sub-second pauses out: a mirror losing less than a
 *     second shows in the cyclic streams and the sequence numbers instead.
 * Records without a timestamp (pcapng SPB) are counted and left out of
 * every figure.  Events: at most TS_MAX_EVENTS of each kind per view are
 * listed one by one; the rest are counted, and ts_stats_finish() reports
 * them in one more event of the same kind, at the first one not listed,
 * whose count says how many it stands for (so the counts of a kind's events
 * always add up to the figure).
 *
 * struct cycle, one per cyclic stream (the caller keeps it per flow and
 * protocol, and decides which messages make the cycle: the requests of a
 * polling client, GOOSE publications, CIP I/O, PROFINET RT, IEC 104 TESTFR
 * act), is handed each message's time and measures the period: the median
 * interval, and its jitter as the median (MAD), 99th percentile and largest
 * absolute deviation of the intervals from that median.  Intervals are kept
 * in a reservoir of at most CYCLE_SAMPLE (Vitter's algorithm R with a fixed
 * seed: a uniform sample of the whole stream, the same on every run); the
 * median, MAD and p99 come from the sample, the largest deviation from the
 * exact smallest and largest interval.  An interval whose deviation from the
 * current estimate of the median exceeds max(CYCLE_K_MAD x MAD, median /
 * CYCLE_FRAC) is an EV_CYCLE_JITTER event; the estimate is made once
 * CYCLE_WARMUP intervals are known (the earlier ones are not judged), again
 * each time their number doubles, then every CYCLE_REESTIMATE intervals.
 * At most CYCLE_MAX_EVENTS are listed per stream, the rest reported as
 * above by cycle_finish().
 *
 * Costs: ts_stats holds no pointer and allocates nothing (about 4 KB);
 * ts_stats_add() is a few comparisons, at most two divisions while the
 * resolution is still coarse, and a histogram increment (about 7 ns a
 * record).  A cycle allocates its sample as it grows (64 intervals,
 * doubling to CYCLE_SAMPLE, 32 KB); cycle_add() costs a few ns, plus the
 * sorts of the estimates (about 35 ns a message on a long stream).
 */
#ifndef TP_TIMING_H
#define TP_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"

#define TS_MAX_EVENTS 1000u			/* listed per kind and view */
#define TS_SILENCE_K 10				/* x the 99th percentile gap */
#define TS_SILENCE_FLOOR_NS INT64_C(1000000000)	/* never a silence below 1 s */
#define TS_WARMUP 64u				/* gaps before the percentile is trusted */
#define TS_RENEW 256u				/* gaps between two readings of it */
#define TS_MIN_GAPS 16u				/* other gaps known before one is judged */
#define TS_HIST_BINS 252u			/* 0..7 ns exact, then 4 per octave */
#define TS_BITS_MAX 24				/* finest binary grid recognised */

/* A frame of a view. */
struct ts_where {
	uint32_t capture;	/* input index within the view */
	uint64_t frame;		/* 1-based, in that capture */
	int64_t ts_ns;
};

struct ts_result {
	uint64_t records;		/* records with a timestamp */
	uint64_t no_timestamp;		/* records without one, left out */
	int64_t first_ns, last_ns;	/* of the first and last records */
	uint64_t res_ns;		/* power of ten dividing every stamp: 1 .. 1e9; 0: no record */
	int res_bits;			/* n: every fraction is k x 2^-n s; -1: none up to TS_BITS_MAX */
	uint64_t backwards;		/* records earlier than the one before */
	int64_t backwards_max_ns;	/* the largest such step, as a positive amount */
	struct ts_where backwards_max;	/* the record that stepped back the most */
	uint64_t equal_runs;		/* runs of >= 2 records with one timestamp */
	uint64_t equal_records;		/* records with the same stamp as the one before */
	uint64_t equal_longest;		/* records in the longest run (0: no run) */
	struct ts_where equal_longest_at;	/* its first record */
	int64_t max_gap_ns;		/* the largest step forward (0: none) */
	struct ts_where max_gap_at;	/* the record after it */
	int64_t gap_median_ns;		/* median step forward at the end (histogram bin middle) */
	int64_t gap_p99_ns;		/* its 99th percentile (idem) */
	int64_t silence_ns;		/* the silence threshold at the end */
	uint64_t silences;		/* gaps over the threshold of their time */
};

struct ts_pending {
	int64_t gap_ns;
	struct ts_where at;
};

struct ts_stats {
	struct ts_result r;
	event_fn *ev;
	void *ctx;
	bool have_prev;
	struct ts_where prev;
	uint64_t run;			/* records in the current run of equal stamps */
	struct ts_where run_start;	/* its first record */
	uint64_t gaps;			/* steps forward (or none) seen */
	uint64_t hist_n;		/* of them in the histogram */
	uint64_t next_renew;		/* gaps count at which the threshold is renewed */
	int64_t threshold_ns;		/* 0 while warming up */
	uint64_t hist[TS_HIST_BINS];
	uint32_t npending;
	struct ts_pending pending[TS_WARMUP];
	uint64_t listed[2];		/* events listed: backwards, silences */
	uint64_t unlisted[2];
	struct ts_where first_unlisted[2];
	bool finished;
};

/* A duration (or signed delay) in ns for people, written to buf: "850 ns",
 * "35.0 us", "1.234 ms", "2.000 s", the unit chosen after rounding (999.96
 * ns is "1.0 us"), never "-0"; "n/a" for NaN and infinities.  Returns buf.
 * (The events of this file keep their own fixed three decimals.) */
const char *duration_words(char *buf, size_t n, double ns);

/* Starts s; ev (may be NULL) receives the events, with ctx. */
void ts_stats_init(struct ts_stats *s, event_fn *ev, void *ctx);

/* One record, in view order: capture is its input index within the view,
 * frame its 1-based number there. */
void ts_stats_add(struct ts_stats *s, int64_t ts_ns, bool no_timestamp, uint32_t capture,
		  uint64_t frame);

/* Judges the silences still waiting, reports the events not listed, and
 * returns the figures (owned by s).  Adding after it is a bug; calling it
 * again returns the same figures. */
const struct ts_result *ts_stats_finish(struct ts_stats *s);

/*
 * A resolution in words, "1 ns", "100 us", "1 s", "2^-20 s", "none":
 * pow10_ns is a power of ten of nanoseconds (0: none), bits a binary grid
 * (-1: none).  The binary grid is named when it is the coarser of the two
 * (what the values show best).  Returns out.
 */
const char *ts_resolution_text(char *out, size_t n, uint64_t pow10_ns, int bits);

/* What a pcapng if_tsresol byte claims, in the terms above (6: 1000 ns;
 * 0x80|n: bits n; more than 9 decimal digits: 1 ns, what the readers
 * keep).  Classic pcap claims 6 or 9. */
void ts_resolution_claimed(uint8_t tsresol, uint64_t *pow10_ns, int *bits);

#define CYCLE_SAMPLE 4096u		/* intervals kept per stream */
#define CYCLE_WARMUP 16u		/* intervals before outliers are judged */
#define CYCLE_REESTIMATE 32768u	/* once the sample is full (a sort each time) */
#define CYCLE_K_MAD 8			/* outlier: deviation > 8 MAD ... */
#define CYCLE_FRAC 10			/* ... and > a tenth of the period */
#define CYCLE_MAX_EVENTS 100u		/* listed per stream */

struct cycle_result {
	uint64_t messages;		/* times given */
	uint64_t intervals;		/* messages - 1 (0 if none) */
	uint32_t sampled;		/* intervals the figures below come from */
	int64_t median_ns;		/* the period */
	int64_t mad_ns;			/* median |interval - period| */
	int64_t p99_ns;			/* 99th percentile of |interval - period| (nearest rank) */
	int64_t max_ns;			/* largest |interval - period| (exact) */
	uint64_t outliers;		/* intervals reported as EV_CYCLE_JITTER */
};

struct cycle {
	const char *label;		/* borrowed; starts each event's detail */
	event_fn *ev;
	void *ctx;
	int64_t *iv;			/* the sample of intervals */
	uint32_t held, cap;
	uint64_t messages;
	struct ts_where last;
	int64_t min_iv, max_iv;
	uint64_t rng;
	uint64_t next_estimate;		/* intervals count at which to estimate */
	int64_t est_median, est_mad, est_limit;	/* est_limit 0: not yet */
	uint64_t outliers;
	uint32_t listed;
	struct ts_where first_unlisted;
};

/* Starts c; label (may be NULL, borrowed: it must outlive c) names the
 * stream in the events' detail ("modbus requests"); ev may be NULL. */
void cycle_init(struct cycle *c, const char *label, event_fn *ev, void *ctx);

/* One message of the stream, in time order of the view. */
void cycle_add(struct cycle *c, int64_t ts_ns, uint32_t capture, uint64_t frame);

/* The figures (zeros when there is no interval); reports the events not
 * listed, frees the sample and leaves c as cycle_init() made it. */
void cycle_finish(struct cycle *c, struct cycle_result *r);

/* Frees the sample without figures or events; NULL and a finished or
 * freed cycle are harmless. */
void cycle_free(struct cycle *c);

#endif
