/*
 * events.h - findings about a capture's fidelity, each at one frame, so
 * every count in quality.csv can be traced to frames (events.csv).
 *
 * The fidelity checks (dedup.c, timing.c, seqcheck.c, quality.c) report
 * through an event_fn given to them when they are made; the reports keep or
 * count what they are handed.  detail is plain text written for people
 * ("N(S) 17 after 14: 2 I-frames missing").
 */
#ifndef TP_EVENTS_H
#define TP_EVENTS_H

#include <stdint.h>

enum event_kind {
	/* drops */
	EV_CAPTURE_DROPS,	/* pcapng epb_dropcount / ISB counters */
	EV_TCP_GAP,		/* payload acknowledged but never seen */
	EV_TUNNEL_SEQ_GAP,	/* GRE/ERSPAN sequence numbers skipped */
	EV_ICS_SEQ_GAP,		/* an ICS counter skipped values */
	EV_ICS_UNANSWERED,	/* a request no response answered */
	EV_ICS_UNASKED,		/* a response to no request seen */
	EV_ONE_SIDED_FLOW,	/* a flow seen in one direction only */
	/* damage */
	EV_FCS_ERROR,		/* FCS present and wrong */
	EV_LINK_ERROR,		/* pcapng epb_flags link-layer error bits */
	EV_RUNT,		/* shorter than 64 bytes on the wire (Ethernet) */
	EV_OVERSIZE,		/* longer than the largest frame (1518, +4 per tag) */
	EV_SNAPLEN_CUT,		/* captured fewer bytes than were on the wire */
	EV_ERSPAN_TRUNCATED,	/* the mirror cut the frame (ERSPAN T bit) */
	EV_IP_CHECKSUM,		/* IPv4 header checksum wrong */
	EV_L4_CHECKSUM,		/* TCP/UDP/ICMP checksum wrong */
	EV_MALFORMED,		/* header bytes contradict the spec */
	/* duplicates */
	EV_DUPLICATE,		/* the same packet again within the window */
	/* timing */
	EV_TS_BACKWARDS,	/* earlier than the frame before it */
	EV_TS_SILENCE,		/* a gap far longer than the usual inter-arrival */
	EV_CYCLE_JITTER,	/* a cyclic stream's period far off its median */
	EV_KIND_COUNT
};

struct event {
	uint8_t kind;		/* enum event_kind */
	uint32_t capture;	/* input index within the view */
	uint64_t frame;		/* 1-based, in that capture */
	int64_t ts_ns;
	uint64_t count;		/* how many things it stands for (frames lost, bytes missing...) */
	char detail[200];
};

typedef void event_fn(void *ctx, const struct event *e);

/* "tcp_gap", "duplicate", ... */
const char *event_kind_name(enum event_kind k);

#endif
