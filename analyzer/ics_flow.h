/*
 * ics_flow.h - the ICS side of a flow: which dissector reads it, the bytes
 * of a TCP PDU that continues in the next segment, and the counts of its
 * messages per protocol and function (one row of ics.csv each).
 *
 * The state hangs on flow->app, and only on flows a dissector reads: a flow
 * is given a dissector by its ports or EtherType, or else by the content of
 * its first payload.  PDUs split across TCP segments are put together when
 * the segments follow each other in sequence and were captured whole; a
 * gap or a cut segment drops what was kept (the PDU is lost, the flow goes
 * on at the next PDU boundary the dissector finds).  A segment the flow
 * table counted as a retransmission is not dissected again (as Wireshark
 * does not): a write sent twice by TCP is one write.
 */
#ifndef TP_ICS_FLOW_H
#define TP_ICS_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/flow.h"
#include "analyzer/timing.h"
#include "formats/ics/ics.h"

#define ICS_CARRY_MAX	(256u * 1024u)	/* largest PDU put together (OPC UA chunks) */
#define ICS_MAX_COUNTS	256		/* distinct (protocol, function, kind) counted per flow */

/* Messages of one protocol, function and kind on one flow. */
struct ics_count {
	uint8_t proto;		/* enum ics_proto */
	uint8_t kind;		/* enum ics_kind */
	uint16_t function;
	uint8_t actions;	/* ICS_ACT_* seen with it */
	uint64_t messages;
	uint64_t exceptions;
};

/* Per protocol on one flow. */
struct ics_proto_stats {
	uint8_t proto;
	uint8_t client_side;		/* flow side (0/1) in the client/master/scanner role, */
	bool client_known;		/* when a message said so */
	uint8_t client_role, server_role;	/* enum ics_role */
	uint64_t messages, requests, responses, exceptions;
	uint64_t actions[6];		/* messages per ICS_ACT_ bit, in bit order */
	int64_t first_ts, last_ts;
	uint64_t first_frame;
	/* The cyclic streams, per flow side: the client's requests (polls) or
	 * each side's publications; period and jitter of the busier one once
	 * ics_flow_finish() ran. */
	struct cycle cycle[2];
	struct cycle_result period;
	bool polled;			/* the stream is a client's requests */
};

struct ics_carry {
	uint8_t *buf;
	uint32_t len;
	uint32_t next_seq;	/* the sequence number the kept bytes continue at */
};

struct ics_flow {
	const struct ics_dissector *dissector;
	int8_t server_side;		/* flow side on the well-known port; -1 unknown */
	uint64_t retransmissions[2];	/* the flow's count per side when last seen */
	struct ics_carry carry[2];	/* per flow side */
	uint16_t ncounts;
	uint16_t last_count;		/* the entry counted last */
	bool counts_full;		/* more distinct functions than ICS_MAX_COUNTS */
	struct ics_count *counts;	/* ncounts, grown as needed */
	uint16_t ncap;
	uint8_t nprotos;
	struct ics_proto_stats protos[4];	/* protocols seen on the flow */
};

/*
 * Dissects pkt, the last packet given to the flow table for f (f->last_side
 * sent it), frame `frame`: finds the dissector when f has none yet, counts
 * the messages on f and passes messages and identities on to sink (which
 * may be NULL).  Returns f's dissector, or NULL.
 */
const struct ics_dissector *ics_flow_packet(struct flow *f, const struct tp_packet *pkt,
					    uint64_t frame, const struct ics_sink *sink);

/* f's ICS state, or NULL. */
static inline const struct ics_flow *ics_flow_of(const struct flow *f)
{
	return f->app;
}

/* f->app_flags: no dissector reads this flow (its ports and its first
 * payload were tried). */
#define ICS_FLOW_NONE 0x01u

/* Computes the periods of f's cyclic streams (call once, as f ends). */
void ics_flow_finish(struct flow *f);

/* Frees f's ICS state (from the flow table's emit callback). */
void ics_flow_free(struct flow *f);

/* Index of a single ICS_ACT_ bit in ics_proto_stats.actions. */
int ics_action_index(unsigned act);
const char *ics_action_name(unsigned act);	/* "writes", "program", ... */

#endif
