/*
 * dedup.h - the same packet seen again within a short window, and why.
 *
 * One struct dedup per view is handed every decoded packet in view order
 * (the view's captures merged in timestamp order; a file may still step
 * back a little) and says whether it is a copy of a packet seen at most
 * window_ns before (or after, for a small step back), and of which kind:
 *
 *   identical  the same frame: the same bytes (a SPAN session mirroring
 *              RX and TX of two ports copies a frame crossing them twice;
 *              RSPAN likewise, both copies in the remote VLAN), or the
 *              same bytes up to the end of the IP packet with only the
 *              Ethernet padding or a trailer after it differing, or the
 *              same packet under another capture link header (Linux
 *              cooked, BSD loopback: one host capturing on two interfaces),
 *              or the same frame but for the IPv4 header checksum (a
 *              host capturing its own packet before and after the NIC
 *              filled the checksum in);
 *   vlan       the same frame but for its 802.1Q/802.1ad tags: seen on an
 *              access port and on a trunk, or once with an RSPAN tag;
 *   routed     the same IP packet but for the TTL / hop limit (and the
 *              IPv4 header checksum) and the link header: seen before and
 *              after a router (or, with the same TTL, with other MAC
 *              addresses: a multicast packet two routers forwarded);
 *   tunnel     the same frame or packet inside tunnel packets (GRE, ERSPAN,
 *              VXLAN, Geneve, MPLS, IP in IP) whose outer headers differ
 *              but for a GRE sequence number: the tunnel sending a packet
 *              again, or a frame seen both plain and tunnelled.  Two tunnel
 *              packets with different GRE sequence numbers carrying one
 *              frame are two copies the mirror made (RX and TX of two
 *              mirrored ports): identical (or vlan), as on a SPAN port.
 *
 * Non-IP frames (GOOSE, ARP, LLDP, PROFINET) are identical, vlan or tunnel
 * duplicates, never routed ones.  What is not a duplicate: two datagrams a
 * host sent with the same payload (their IPv4 ID differs), TCP keepalives
 * and retransmissions (IP ID, TCP timestamps), a snaplen-cut copy and a
 * whole one.  What cannot be told from a copy: a host that sends the very
 * same bytes twice within the window (IPv6; IPv4 with ID 0, as Linux
 * sends unconnected UDP with DF and TCP resets; gratuitous ARP bursts):
 * these are counted, as editcap -w counts them.
 *
 * Frames with a bad FCS are neither checked nor remembered (DUP_NONE): their
 * bytes are not the frame that was sent, so sameness proves nothing, and
 * they are already counted as damaged (EV_FCS_ERROR); a good copy of the
 * same frame is then compared with the good frames only.
 *
 * Every packet checked is remembered, duplicates too, so the third copy of
 * a frame is a duplicate of the second (a frame copied n times counts n - 1
 * duplicates), and the frame returned is the nearest earlier copy.
 *
 * Memory: the fingerprints (three 64-bit hashes) of the packets of the last
 * two windows (one of slack for timestamps that step back), under 100
 * bytes each with their hash tables, in a ring that grows with the packet
 * rate up to DEDUP_MAX_HELD packets (under 27 MB; two 10 ms windows at 13
 * million packets per second); beyond, the oldest are forgotten early
 * (dedup_result.window_cut counts them).  Cost: one pass over each frame's
 * bytes (the IP packet's bytes are hashed once and shared by the three
 * fingerprints) and three lookups: about 50 ns a frame on the simulated
 * plant's small frames, 80 ns at 500 bytes a frame.
 * A duplicate reported on equal hashes without the bytes being compared:
 * two different packets are taken for copies with odds of about 2^-64 each.
 *
 * Events: each duplicate is an EV_DUPLICATE at its frame, citing the copy
 * it repeats in the detail ("same bytes as frame 17, 2.000 us later");
 * at most DEDUP_MAX_EVENTS of each kind are listed one by one, the rest
 * are counted and dedup_finish() reports them in one more event of that
 * kind, at the first one not listed, whose count says how many it stands
 * for (so the counts of the events add up to the figures).
 */
#ifndef TP_DEDUP_H
#define TP_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"
#include "formats/packet.h"

#define DEDUP_WINDOW_NS INT64_C(10000000)	/* default window: 10 ms */
#define DEDUP_MAX_HELD (1u << 18)		/* packets remembered at most */
#define DEDUP_MAX_EVENTS 1000u			/* listed per kind and view */

enum dup_kind { DUP_NONE, DUP_IDENTICAL, DUP_VLAN, DUP_ROUTED, DUP_TUNNEL, DUP_KIND_COUNT };

struct dedup_result {
	uint64_t packets;			/* packets checked, bad FCS included */
	uint64_t bad_fcs;			/* ... of which left out for their bad FCS */
	uint64_t dups[DUP_KIND_COUNT];		/* duplicates by kind; [DUP_NONE]: the others */
	uint64_t duplicates;			/* sum of the kinds but DUP_NONE */
	uint64_t window_cut;			/* forgotten before their window ended */
	size_t max_held;			/* packets remembered at once, at most */
};

struct dedup;

/*
 * A view's duplicate finder.  window_ns <= 0 takes DEDUP_WINDOW_NS.  ev
 * (may be NULL) receives the EV_DUPLICATE events, with ctx.  NULL when out
 * of memory.
 */
struct dedup *dedup_new(int64_t window_ns, event_fn *ev, void *ctx);

/*
 * pkt, decoded from frame `frame` (1-based) of the view's input `capture`:
 * DUP_NONE, or the kind of duplicate it is of an earlier packet within the
 * window, whose capture and frame are then returned in *first_capture and
 * *first_frame (either may be NULL; untouched for DUP_NONE).  pkt is
 * remembered either way (unless its FCS is bad); its bytes are not kept.
 */
enum dup_kind dedup_check(struct dedup *d, const struct tp_packet *pkt, uint32_t capture,
			  uint64_t frame, uint32_t *first_capture, uint64_t *first_frame);

/* Reports the events not listed and returns the figures (owned by d).
 * Checking after it is a bug; calling it again returns the same figures. */
const struct dedup_result *dedup_finish(struct dedup *d);

/* Packets remembered now (bounded by the window and DEDUP_MAX_HELD). */
size_t dedup_held(const struct dedup *d);

/* "identical", "vlan", "routed", "tunnel"; "" for DUP_NONE. */
const char *dup_kind_name(enum dup_kind k);

/* NULL is harmless. */
void dedup_free(struct dedup *d);

#endif
