/*
 * flow.h - bidirectional flows of one view.
 *
 * A flow is keyed on the canonical 5-tuple of the innermost IP packet (after
 * the mirror's encapsulation is taken off), so one conversation seen through
 * a TAP, RSPAN and ERSPAN is one flow in each view; packets without IP are
 * keyed on the MAC pair and EtherType.  The two endpoints are stored in
 * canonical order (the smaller (address, port) first) and `orig` says which
 * of them began the conversation: the sender of a SYN without ACK, else the
 * client of a well-known server port, else the sender of the first packet.
 *
 * Flows idle for longer than their protocol's timeout are evicted and handed
 * to the emit callback as time passes, so memory grows with active flows,
 * not with the capture; flow_table_flush() hands out the rest.  Expiry is
 * kept in per-protocol lists ordered by last activity, so eviction never
 * scans the table.
 */
#ifndef TP_FLOW_H
#define TP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/packet.h"

#define FLOW_MAX_VLANS 4	/* distinct VLAN ids remembered per flow */

enum flow_kind { FLOW_IP, FLOW_L2 };

struct flow_key {
	uint8_t kind;		/* enum flow_kind */
	uint8_t ip_version;	/* 4 or 6 (FLOW_IP) */
	uint8_t proto;		/* IP protocol (FLOW_IP) */
	uint16_t ethertype;	/* FLOW_L2 */
	uint8_t addr[2][16];	/* canonical order: addr[0]/port[0] <= addr[1]/port[1] */
	uint16_t port[2];
	uint8_t mac[2][6];	/* FLOW_L2: the key; FLOW_IP: as last seen (not part of the key) */
};

/* Per direction: side i sends; i is 0 or 1 in canonical order. */
struct flow_dir {
	uint64_t frames, bytes;		/* wire bytes (original length) */
	uint64_t payload_bytes;		/* transport payload, as on the wire */
	int64_t first_ts, last_ts;
	/* TCP sequence tracking (valid once seq_init). */
	bool seq_init;
	uint32_t isn;			/* the SYN's sequence number, or one below the first
					 * seen when the SYN was missed (as Wireshark's
					 * relative numbers: the first data byte is 1) */
	uint32_t next_seq;		/* highest seq + len seen */
	uint32_t max_ack;		/* highest ack this side sent (of the peer's data) */
	bool ack_init;
	uint64_t retransmissions;	/* segments with payload already seen */
	uint64_t out_of_order;		/* segments filling a hole */
	uint64_t gaps;			/* holes: data acknowledged or skipped but never seen */
	uint64_t gap_bytes;
	uint64_t zero_windows;
	bool fin, rst, syn;
	/* Gap accounting (see flow.c for the exact rules). */
	uint32_t gap_mark;		/* every sequence number below was seen or counted
					 * in gap_bytes */
	bool window_init;
	uint16_t window;		/* last window advertised, unscaled */
	/* Wireshark 4.0's own counts, for comparison with tshark (flow.c). */
	uint32_t ws_max_to_ack;		/* its "max seq to be acked" */
	uint32_t ws_last_ack;		/* the ack of this side's last segment */
	int8_t ws_dup_acks;		/* its duplicate-ACK count; -1 after an ack_lost */
	uint32_t ws_lost_segments;	/* frames it flags tcp.analysis.lost_segment */
	uint32_t ws_ack_lost_segments;	/* frames it flags tcp.analysis.ack_lost_segment */
};

enum flow_tcp_state {
	FLOW_TCP_NONE,		/* not TCP */
	FLOW_TCP_SYN_SENT,
	FLOW_TCP_SYN_RECEIVED,	/* SYN and SYN+ACK seen */
	FLOW_TCP_ESTABLISHED,
	FLOW_TCP_CLOSING,	/* one FIN */
	FLOW_TCP_CLOSED,	/* both FINs, or a RST */
	FLOW_TCP_MIDSTREAM,	/* no handshake seen */
};

struct flow {
	struct flow_key key;
	uint8_t orig;			/* index of the originator side */
	struct flow_dir dir[2];
	int64_t first_ts, last_ts;
	uint8_t tcp_state;		/* enum flow_tcp_state */
	char history[32];		/* Zeek conn.log style: upper case = originator */
	uint8_t encap;			/* enum tp_encap of its first packet */
	uint8_t nvlans;
	uint16_t vlans[FLOW_MAX_VLANS];	/* distinct ids, in order first seen */
	uint32_t first_capture;		/* as given to flow_table_add */
	uint64_t first_frame;
	uint64_t id;			/* creation order, for stable output */
	uint8_t mac_seen;		/* bit i set: key.mac[i] was seen */
	uint8_t last_side;		/* side that sent the last packet */
	uint32_t new_gap_bytes;		/* bytes of the gaps the last packet revealed */
	void *app;			/* the caller's per-flow state (NULL at first):
					 * its emit callback frees it */
	uint32_t hint[2];		/* the caller's per-side cache (0 at first) */
	uint8_t app_flags;		/* the caller's (0 at first) */
};

struct flow_opts {
	int64_t tcp_timeout_ns;		/* 0 = default 300 s */
	int64_t udp_timeout_ns;		/* 0 = default 60 s */
	int64_t other_timeout_ns;	/* 0 = default 60 s */
	size_t max_flows;		/* 0 = default 4 million; the oldest is evicted beyond */
	int64_t tcp_closed_timeout_ns;	/* 0 = default 5 s: after both FINs or a RST */
};

/* Called once per flow when it is evicted or flushed; f is valid only
 * during the call, which must not call back into the table, and frees
 * f->app. */
typedef void flow_emit_fn(void *ctx, struct flow *f);

struct flow_table;

struct flow_table *flow_table_new(const struct flow_opts *opts, flow_emit_fn *emit, void *ctx);

/*
 * Accounts one decoded packet (capture and frame name where it came from)
 * and returns its flow, valid until the next call.  First evicts the flows
 * that have been idle past their timeout at the packet's time.  Packets with
 * neither an IP header nor an Ethernet/SLL header (nothing to key on) are
 * ignored; returns NULL for them (and when no memory can be found for a new
 * flow even after evicting the oldest).
 */
struct flow *flow_table_add(struct flow_table *t, const struct tp_packet *pkt, uint32_t capture,
			    uint64_t frame);

/* Emits every flow still held, by first packet time then creation order. */
void flow_table_flush(struct flow_table *t);

size_t flow_table_active(const struct flow_table *t);
uint64_t flow_table_emitted(const struct flow_table *t);

void flow_table_free(struct flow_table *t);

/* "syn_sent", "established"...; "" for FLOW_TCP_NONE. */
const char *flow_tcp_state_name(enum flow_tcp_state s);

/* Originator and responder sides. */
static inline const struct flow_dir *flow_orig(const struct flow *f)
{
	return &f->dir[f->orig];
}
static inline const struct flow_dir *flow_resp(const struct flow *f)
{
	return &f->dir[!f->orig];
}

#endif
