/*
 * decode_internal.h - how the decoder's files hand a frame to each other.
 *
 * tp_decode() (decode.c) starts at the link layer; each layer records
 * itself, fills its fields in the packet and hands the rest of the bytes,
 * as a cursor limited to what the layer says it carries, to the next:
 *
 *   decode.c            link layers: Ethernet, 802.1Q/802.1ad, LLC/SNAP,
 *                       Linux SLL/SLL2, BSD null, raw IP; MPLS; dispatch
 *                       on EtherType
 *   decode_tunnel.c     GRE, ERSPAN I/II/III, VXLAN, Geneve
 *   decode_ip.c         IPv4 (options, checksum, fragments), IPv6
 *                       (extension headers, fragments); IP protocol dispatch
 *   decode_transport.c  TCP (options, checksum), UDP (checksum, tunnel
 *                       ports), ICMP and ICMPv6 (quoted headers)
 *
 * Depth is bounded: every layer goes through decode_layer(), which refuses
 * more than TP_MAX_LAYERS, and tunnels through decode_tunnel_enter(), which
 * refuses more than TP_MAX_TUNNELS.
 */
#ifndef TP_DECODE_INTERNAL_H
#define TP_DECODE_INTERNAL_H

#include "formats/cursor.h"
#include "formats/packet.h"

struct decoder {
	struct tp_packet *pkt;
	const uint8_t *frame;	/* start of the frame: layer offsets are from here */
	uint8_t tunnels;	/* tunnels entered */
	uint8_t mpls_depth;
};

/*
 * Records a layer whose header starts at `at` and is hdr_len bytes long.
 * Returns false (and marks the packet malformed, TOO_DEEP) when the layer
 * table is full: the caller stops decoding.
 */
bool decode_layer(struct decoder *d, enum tp_proto proto, const uint8_t *at, size_t hdr_len);

/* The snaplen cut the frame inside a header of this protocol. */
void decode_truncated(struct decoder *d, enum tp_proto proto);

/* The bytes contradict a specification (the first reason is kept). */
void decode_malformed(struct decoder *d, enum tp_malformed why);

/*
 * A tunnel begins: records the encapsulation (the outermost one is kept in
 * pkt->encap) and forgets the outer network and transport fields, so the
 * packet describes the inner packet, or no IP packet at all if the inner
 * one is cut short.  Returns false when there are too many tunnels.
 */
bool decode_tunnel_enter(struct decoder *d, enum tp_encap encap);

/* Hand-offs (each takes the bytes starting at its own header). */
void decode_ethertype(struct decoder *d, uint16_t ethertype, struct tp_cursor c);
void decode_ethernet(struct decoder *d, struct tp_cursor c);
void decode_mpls(struct decoder *d, struct tp_cursor c);
void decode_ipv4(struct decoder *d, struct tp_cursor c);
void decode_ipv6(struct decoder *d, struct tp_cursor c);
void decode_gre(struct decoder *d, struct tp_cursor c);
void decode_vxlan(struct decoder *d, struct tp_cursor c);
void decode_geneve(struct decoder *d, struct tp_cursor c);

/*
 * After an IP header: `proto` is the IP protocol of the payload in c.
 * ip_payload_wire_len is the payload length the IP header declares (for
 * transport lengths and checksums over whole segments).  A fragment other
 * than the first carries no transport header.
 */
void decode_ip_payload(struct decoder *d, uint8_t proto, struct tp_cursor c,
		       uint32_t ip_payload_wire_len);

/* Transport layers (decode_transport.c). */
void decode_tcp(struct decoder *d, struct tp_cursor c, uint32_t wire_len);
void decode_udp(struct decoder *d, struct tp_cursor c, uint32_t wire_len);
void decode_icmp(struct decoder *d, struct tp_cursor c, uint32_t wire_len, bool v6);

/*
 * The Internet checksum (RFC 1071) of n bytes, folded, not complemented,
 * added to sum.  decode_ip.c provides it with the pseudo-header helper.
 */
uint32_t decode_sum(uint32_t sum, const uint8_t *p, size_t n);
uint16_t decode_fold(uint32_t sum);
/* Sum of the TCP/UDP/ICMPv6 pseudo-header of the packet's current IP header. */
uint32_t decode_pseudo_sum(const struct tp_packet *pkt, uint8_t proto, uint32_t len);

#endif
