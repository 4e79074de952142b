/*
 * quality.h - how far one view can be trusted: what it dropped, damaged,
 * duplicated and retimed, from every kind of evidence the capture holds,
 * each finding an event at its frame (events.h), summed into one row of
 * quality.csv with the mirror it most probably came through and a verdict
 * in plain words.
 *
 * Evidence of loss, each reported on its own:
 *   capture counters   pcapng epb_dropcount and ISB ifdrop + osdrop: what
 *                      the sensor itself says it lost
 *   TCP                payload acknowledged by the peer but never seen (gap
 *                      bytes over acknowledged bytes, as Zeek's
 *                      capture-loss): loss on the mirror, since the sender
 *                      never had to send it again; per flow and for the view
 *   tunnels            GRE/ERSPAN sequence numbers skipped (seqcheck.c)
 *   ICS counters       DNP3, IEC 104, GOOSE, CIP I/O, PROFINET counters
 *                      skipped, Modbus requests unanswered (seqcheck.c)
 *   one-sided flows    TCP flows whose packets acknowledge a peer the view
 *                      never shows (RX-only mirroring, asymmetric paths)
 * Loss events close together (less than BURST_GAP_NS apart) form bursts.
 */
#ifndef TP_QUALITY_H
#define TP_QUALITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"
#include "analyzer/flow.h"
#include "formats/ics/ics.h"
#include "formats/packet.h"
#include "formats/record.h"

#define BURST_GAP_NS	1000000000LL	/* loss events closer than this: one burst */
#define MAX_BURSTS	64		/* bursts kept per view; later ones merge into the last */

struct loss_burst {
	int64_t start_ns, end_ns;
	uint64_t events;	/* loss events in it */
	uint64_t size;		/* what they say was lost (bytes for TCP, frames otherwise) */
};

/* One row of quality.csv (the counts); see quality_csv.h for the columns. */
struct view_quality {
	uint64_t frames;
	/* loss */
	bool has_isb_drops;
	uint64_t isb_drops, epb_drops;
	uint64_t tcp_acked_bytes, tcp_gap_bytes;
	uint64_t tcp_retransmissions;	/* loss on the network: the sender sent again */
	uint64_t tunnel_expected, tunnel_seq_gaps;	/* packets the sequence numbers say were sent, missing */
	uint64_t ics_seq_gaps, ics_unanswered, ics_unasked;
	/* Counter values skipped where the sender's damaged frames passed (a
	 * TAP copies them; their counters cannot be read): damage on the wire,
	 * left out of ics_seq_gaps and of the loss. */
	uint64_t ics_damaged_values;
	uint64_t ics_seq_values;	/* counter values read, for the rate */
	uint64_t one_sided_flows;
	size_t nbursts;
	struct loss_burst bursts[MAX_BURSTS];
	double loss_estimate;		/* fraction, -1 when nothing could measure it */
	char loss_basis[64];		/* which evidence the estimate rests on */
	/* damage */
	uint64_t damaged_frames;	/* frames with any of the next four */
	uint64_t fcs_errors, link_errors, runts, oversize, truncated, erspan_truncated;
	uint64_t ip_checksum_errors, l4_checksum_errors, malformed;
	/* duplicates (filled by the dedup check) */
	uint64_t duplicates;
	uint64_t dup_identical, dup_vlan, dup_routed, dup_tunnel;
	/* timing (filled by the timestamp check) */
	int64_t ts_resolution_ns;	/* 0 when unknown */
	uint64_t ts_backwards;
	int64_t ts_largest_back_ns;
	uint64_t ts_identical_runs, ts_silences;
	int64_t ts_longest_silence_ns;
	uint64_t cyclic_streams;	/* ICS flows polled with 10+ intervals */
	int64_t cyclic_jitter_p99_ns;	/* the largest p99 jitter among them */
	/* the mirror */
	char looks_like[48];
	char evidence[256];
	char verdict[768];
};

struct quality;

/* A view's quality; events go to emit (which may be NULL); packets seen
 * again within dup_window_ns are duplicates (0: 10 ms; < 0: no check). */
struct quality *quality_new(event_fn *emit, void *ctx, int64_t dup_window_ns);

/* Every record of the view, in view order (input = capture index). */
void quality_record(struct quality *q, uint32_t input, const struct tp_record *rec);
/* Every decoded packet: damage, and whether it duplicates one seen within
 * the window (true: the caller leaves it out of flows and assets). */
bool quality_packet(struct quality *q, uint32_t input, uint64_t frame, const struct tp_packet *pkt);
/* Every ICS message of the packet last given to quality_packet(). */
void quality_message(struct quality *q, uint32_t input, uint64_t frame, const struct tp_packet *pkt,
		     const struct ics_msg *m);
/* A TCP flow's packet revealed gap bytes (flow.new_gap_bytes). */
void quality_tcp_gap(struct quality *q, uint32_t input, uint64_t frame, int64_t ts_ns, uint32_t bytes);
/* Other loss evidence found elsewhere (tunnel and ICS sequence checks):
 * counted into the bursts. */
void quality_loss_event(struct quality *q, const struct event *e);
/* A flow as it ends: acknowledged and missing TCP bytes, one-sidedness. */
void quality_flow(struct quality *q, const struct flow *f);

/* Capture counters the readers kept (the ISBs of each capture). */
void quality_isb_drops(struct quality *q, uint64_t drops);

/* Ends the view: loss estimate, mirror, verdict.  view is its label. */
const struct view_quality *quality_finish(struct quality *q, const char *view);

/* Of a plain Ethernet frame (no tunnel): -1 a runt, 1 oversize, 0 neither. */
int frame_size_fault(const struct tp_packet *pkt);

/* A frame that is not what was sent: link-layer error flags, a bad FCS, a
 * runt or oversize frame (the damage quality.csv counts in damaged_frames). */
bool frame_damaged(const struct tp_record *rec, const struct tp_packet *pkt);

/* The counts so far, for the checks that fill their own fields. */
struct view_quality *quality_counts(struct quality *q);

void quality_free(struct quality *q);

#endif
