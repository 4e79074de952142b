/*
 * compare.h - several views of the same traffic, aligned packet by packet
 * and scored against a reference (one view, or the union of all).
 *
 * Every record gets a fingerprint of what a mirror does not change:
 *   IP packets (the innermost, after tunnels, tags and labels): version,
 *   addresses, protocol, IPv4 ID and total length or IPv6 payload length,
 *   fragment offset; the transport header (TCP ports, sequence, ack,
 *   flags, window, checksum; UDP ports, length, checksum; ICMP type, code,
 *   checksum and the rest of its header); payload bytes (at most the first
 *   32 captured) only where no transport checksum stands for them.
 *   Other frames: the EtherType (0 for an 802.3 length), the length after
 *   it, and at most the first 256 bytes after it (LLC/SNAP included: past
 *   the names of a GOOSE message to its counters).
 * TTL, IPv4 header checksum, MACs, VLAN tags, tunnel headers, padding and
 * the FCS are left out, and the payload is represented by its checksum,
 * so RSPAN tags, ERSPAN or GRE wrapping, routing and a shorter snaplen do
 * not break a match.  Records that cannot be decoded that far are hashed
 * whole.
 *
 * compare_packet() must be called in time order over all views, each view's
 * stamps corrected by compare_offset(): the views are read together, so
 * memory holds the packets of one match window (and the matched pairs of
 * a few tens of seconds for the delay fit), not the captures.  Two records
 * match when their fingerprints are equal and their corrected stamps are
 * within the window.  A reference packet is matched at most once per view;
 * a view's further copies within the window are its duplicates; a view's
 * packet that matches no reference packet is extra (none in the union).
 * Byte-identical packets sent twice within the window cannot be told from
 * copies and count as duplicates (as editcap -D counts them).
 *
 * Clocks: a first estimate of each view's offset comes from a sample of
 * its first packets (compare_sample(), before the pass); during the pass
 * the offset follows the lower envelope of the matched pairs' stamp
 * differences, one point per second of reference time (the fastest copy
 * of each second), so drift never walks a view out of the window.  At the
 * end the offset and drift are the lower-envelope fit of those points
 * (clockfit.h): a constant path delay cannot be told from a clock offset,
 * so the offset includes the fastest path.  Delays are measured above
 * that envelope, fitted again every COMPARE_SEGMENT_S seconds over the
 * neighbouring seconds (clocks wander), and inter-arrival distortion is
 * |gap in the view - gap in the reference| over consecutive reference
 * packets both held.
 */
#ifndef TP_COMPARE_H
#define TP_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/quantile.h"
#include "formats/packet.h"
#include "formats/record.h"

#define COMPARE_UNION SIZE_MAX			/* reference: the union of all views */
#define COMPARE_MAX_VIEWS 64			/* views a comparison can hold */
#define COMPARE_WINDOW_NS INT64_C(100000000)	/* default match window: 100 ms */
#define COMPARE_SAMPLE 20000u			/* first packets per view for the first offset */
#define COMPARE_SEGMENT_S 10			/* seconds of delays fitted at once */
#define COMPARE_MAX_HELD (1u << 20)		/* packets waiting at most (stamps that step back
						 * hold them): beyond, the oldest are settled early */

/* Figures of one view against the reference. */
struct compare_result {
	uint64_t ref_frames;		/* distinct packets of the reference */
	uint64_t frames;		/* records of this view */
	uint64_t matched, missed;
	/* Of the missed: those of a flow (one direction) the view had already
	 * carried a packet of by then (within a window), damaged ones aside
	 * (a switch drops them by design: damaged_dropped): loss; the others
	 * are traffic outside its scope (ports not mirrored, one direction).
	 * Bursts are runs of lost packets, out-of-scope ones skipped. */
	uint64_t missed_in_seen_flows, missed_bursts;
	uint64_t extra, duplicates;
	uint64_t damaged_passed, damaged_dropped;
	uint64_t reordered;
	bool clock_known;		/* a fit was made: offset and drift mean something */
	int64_t offset_ns;		/* at the reference's first packet */
	double drift_ppm;
	uint64_t delay_p50_ns, delay_p95_ns, delay_p99_ns, delay_max_ns;
	uint64_t iat_p50_ns, iat_p99_ns, iat_max_ns;
	uint64_t flows_ref, flows_seen, flows_missed;	/* each direction counted apart */
	uint64_t assets_ref, assets_seen, assets_missed;	/* filled by the caller (assets.h) */
	unsigned rank;			/* 1 = the most faithful (compare_rank) */
	char verdict[640];
};

/* A run of reference packets one view lost (consecutive but for packets
 * outside its scope, which neither extend nor end a run). */
struct compare_burst {
	size_t view;			/* the view that missed them */
	size_t source_view;		/* the view holding them: the reference, or for the
					 * union the view of the burst's first packet */
	uint32_t capture;		/* its input index within source_view */
	uint64_t first_frame, last_frame;	/* in that capture */
	int64_t first_ts, last_ts;	/* as that view stamped them */
	uint64_t packets;
};

typedef void compare_burst_fn(void *ctx, const struct compare_burst *b);

/* A frame to write out: one the reference holds and `view` lost (missed =
 * true; not those outside its scope), or one `view` holds that the
 * reference lacks. */
typedef void compare_frame_fn(void *ctx, size_t view, bool missed, const struct tp_record *rec);

struct compare_opts {
	size_t nviews;			/* 2 .. COMPARE_MAX_VIEWS */
	size_t reference;		/* a view index, or COMPARE_UNION */
	int64_t window_ns;		/* <= 0: COMPARE_WINDOW_NS */
	compare_burst_fn *on_burst;	/* may be NULL */
	compare_frame_fn *on_frame;	/* NULL: frames are not kept */
	void *ctx;
};

struct compare;

struct compare *compare_new(const struct compare_opts *o);

/* Before the pass: the first COMPARE_SAMPLE packets of each view (returns
 * false once it has enough of this view). */
bool compare_sample(struct compare *c, size_t view, const struct tp_record *rec, const struct tp_packet *pkt);

/* Ends the sampling: first offsets from the samples. */
void compare_start(struct compare *c);

/* The stamp view's records are ordered by: ts minus its clock offset. */
int64_t compare_corrected(const struct compare *c, size_t view, int64_t ts_ns);

/* One record of view (decoded into pkt), in corrected time order;
 * capture is its input index within the view. */
void compare_packet(struct compare *c, size_t view, uint32_t capture, const struct tp_record *rec,
		    const struct tp_packet *pkt);

/* Ends the pass and fills the figures; false when memory ran out at some
 * point (figures are then incomplete). */
bool compare_finish(struct compare *c);

/* The figures of view (the caller may fill the assets_* fields). */
struct compare_result *compare_result(struct compare *c, size_t view);

/* The delays (iat false) or inter-arrival distortions (iat true) of view's
 * matched packets, in ns (valid after compare_finish). */
const struct quantile *compare_distribution(const struct compare *c, size_t view, bool iat);

/* Ranks the views and writes each one's verdict in words; labels name the
 * views.  The views are ranked by the share of the traffic they carry that
 * they lost, then by how much of the reference they carry, then by the
 * damaged frames they kept (a forensic copy keeps them), then by their
 * timing (inter-arrival distortion p99).  The reference's verdict carries
 * the ranking and a recommendation. */
void compare_rank(struct compare *c, const char *const *labels);

void compare_free(struct compare *c);

#endif
