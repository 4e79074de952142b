/*
 * seqcheck.h - sequence evidence of loss: counters that senders number
 * their packets with, read for the values a view never carried.
 *
 *   tunnels  the GRE sequence number of each GRE/ERSPAN session (outer
 *            source and destination, GRE key, ERSPAN session id);
 *   ICS      DNP3 application sequences of requests and of unsolicited
 *            responses (the transport sequence shows duplicates and
 *            reordering only: see seqcheck.c), IEC 104 N(S) (and N(R):
 *            acknowledged I-frames never seen), GOOSE stNum/sqNum,
 *            EtherNet/IP class 1 CPF sequence numbers, PROFINET RT cycle
 *            counters, each per sender (see seqcheck.c for the keys);
 *   Modbus   requests no response answered, responses to no request seen,
 *            matched on (flow, transaction id, unit id).
 *
 * Every finding is an event (EV_TUNNEL_SEQ_GAP, EV_ICS_SEQ_GAP,
 * EV_ICS_UNANSWERED, EV_ICS_UNASKED) whose count is how many values,
 * packets or messages are missing, at the frame that revealed it (the first
 * after a gap; the request left unanswered; the response nobody asked for).
 * A gap is reported once it is final: when the counter has moved a reorder
 * window past it, a second of view time later, or at seqcheck_finish();
 * values that arrive late meanwhile are reordering, not loss.  So events
 * may come a little after frames cited by later events.
 *
 * Memory is bounded by live state: streams idle for 10 minutes are
 * dropped, and the stream, pending-request and session tables have
 * ceilings (struct seqcheck_opts).  Nothing is allocated per packet but a
 * new stream, request or session, and those come from pools.
 */
#ifndef TP_SEQCHECK_H
#define TP_SEQCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"
#include "formats/ics/ics.h"
#include "formats/packet.h"

struct seqcheck_opts {
	int64_t response_timeout_ns;	/* Modbus: 0 = 5 s of view time */
	size_t max_streams;		/* ICS counter streams: 0 = 65536 */
	size_t max_pending;		/* Modbus requests awaiting a response: 0 = 65536 */
	size_t max_sessions;		/* tunnel sessions: 0 = 4096 */
};

/* What one kind of counter showed. */
struct seqcheck_counts {
	uint64_t streams;	/* senders (sessions) whose counter was followed */
	uint64_t values;	/* counter values read (a message may carry several) */
	uint64_t missing;	/* values skipped and never seen (events' counts summed) */
	uint64_t gaps;		/* events: runs of missing values */
	uint64_t duplicates;	/* a value seen again */
	uint64_t reordered;	/* a value that came after a later one */
	uint64_t resets;	/* restarts: a jump too big for loss, confirmed by the next value */
	uint64_t strays;	/* values too far off to be loss or reordering, not confirmed */
};

/* One GRE/ERSPAN session, in order first seen.  Its counts are final after
 * seqcheck_finish(). */
struct seqcheck_session {
	uint8_t encap;		/* enum tp_encap (NONE: GRE not entered, e.g. PPTP) */
	uint8_t gre_version;	/* 0, or 1 (PPTP enhanced GRE: key = call id) */
	uint8_t ip_version;	/* of the outer header: 4 or 6 (0: none found) */
	uint8_t src[16], dst[16];	/* outer addresses */
	bool has_key;
	uint32_t key;		/* GRE key (version 1: the call id) */
	uint16_t span_id;	/* ERSPAN II/III session id */
	uint32_t first_capture;
	uint64_t first_frame;
	uint32_t first_seq, last_seq;	/* first read, highest read */
	uint64_t seen;		/* packets with a sequence number */
	uint64_t expected;	/* seen - duplicates + missing, set by seqcheck_finish() */
	struct seqcheck_counts c;	/* c.streams is 1 */
};

struct seqcheck_modbus {
	uint64_t requests, responses;
	uint64_t answered;
	uint64_t unanswered;	/* events: no response within the timeout */
	uint64_t unasked;	/* events: a response to no request seen */
	uint64_t duplicates;	/* the same request or response again within 5 ms */
	uint64_t pending_at_end;	/* younger than the timeout when the view ended: no event */
	uint64_t unasked_at_start;	/* within the timeout of the view's start: no event */
	uint64_t dropped;	/* pending requests forgotten because the table was full */
};

struct seqcheck_stats {
	struct seqcheck_counts tunnel;		/* all sessions */
	uint64_t tunnel_seen, tunnel_expected;	/* summed over sessions (expected: at finish) */
	uint64_t sessions_over;			/* packets of sessions past max_sessions */
	struct seqcheck_counts ics[ICS_PROTO_COUNT];	/* by enum ics_proto */
	struct seqcheck_modbus modbus;
	uint64_t streams_evicted;		/* idle or pushed out by max_streams */
	uint64_t no_memory;			/* messages skipped: no memory for their state */
};

struct seqcheck;

/* opts may be NULL (defaults).  emit is called with ctx for each finding.
 * NULL when out of memory. */
struct seqcheck *seqcheck_new(const struct seqcheck_opts *opts, event_fn *emit, void *ctx);

/* Every packet of the view, in view order, before its ICS messages (it
 * keeps the view's clock and start; cheap when the packet has no GRE
 * sequence number). */
void seqcheck_tunnel(struct seqcheck *s, const struct tp_packet *pkt, uint32_t capture,
		     uint64_t frame);

/* Every ICS message, with the packet that carried it. */
void seqcheck_ics(struct seqcheck *s, const struct tp_packet *pkt, const struct ics_msg *m,
		  uint32_t capture, uint64_t frame);

/* The end of the view: gaps still open become final, requests older than
 * the timeout unanswered.  Call once, before reading the results. */
void seqcheck_finish(struct seqcheck *s);

const struct seqcheck_stats *seqcheck_stats(const struct seqcheck *s);
size_t seqcheck_sessions(const struct seqcheck *s);
const struct seqcheck_session *seqcheck_session(const struct seqcheck *s, size_t i);

void seqcheck_free(struct seqcheck *s);

#endif
