/*
 * packet.h - a frame decoded: its layers, the mirror encapsulation that
 * carried it, and the fields of the innermost network and transport headers.
 *
 * tp_decode() walks the frame from its link layer inwards, through VLAN tag
 * stacks, LLC/SNAP, MPLS and tunnels (GRE, ERSPAN I/II/III, VXLAN, Geneve,
 * IP in IP), to the innermost IP packet and its TCP, UDP, ICMP or ICMPv6
 * header.  It never reads past the captured length: a frame cut by the
 * snaplen is decoded as far as it goes and marked TP_PKT_TRUNCATED; bytes
 * that contradict a specification mark it TP_PKT_MALFORMED with a reason.
 *
 * Everything points into the record's bytes (borrowed; valid as long as the
 * record is) or is copied into the packet; a packet holds no allocation.
 * The decoder keeps no state between frames.
 */
#ifndef TP_PACKET_H
#define TP_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/record.h"

#define TP_MAX_LAYERS	24	/* layers recorded; deeper frames are malformed */
#define TP_MAX_VLANS	8	/* tags kept (outermost first) */
#define TP_MAX_MPLS	8	/* labels kept */
#define TP_MAX_TUNNELS	4	/* tunnels opened before giving up */

/* Layers, in the order met. */
enum tp_proto {
	TP_PROTO_NONE,
	TP_PROTO_ETHERNET,
	TP_PROTO_VLAN,		/* one 802.1Q or 802.1ad tag */
	TP_PROTO_LLC,		/* 802.2 LLC, and SNAP when present */
	TP_PROTO_SLL,		/* Linux cooked v1 */
	TP_PROTO_SLL2,		/* Linux cooked v2 */
	TP_PROTO_NULL,		/* BSD null/loopback */
	TP_PROTO_MPLS,		/* one label stack entry */
	TP_PROTO_ARP,
	TP_PROTO_IPV4,
	TP_PROTO_IPV6,		/* fixed header */
	TP_PROTO_IPV6_EXT,	/* one extension header */
	TP_PROTO_GRE,
	TP_PROTO_ERSPAN,
	TP_PROTO_VXLAN,
	TP_PROTO_GENEVE,
	TP_PROTO_TCP,
	TP_PROTO_UDP,
	TP_PROTO_ICMP,
	TP_PROTO_ICMPV6,
	TP_PROTO_COUNT
};

struct tp_layer {
	uint8_t proto;		/* enum tp_proto */
	uint32_t offset;	/* where its header starts in the frame */
	uint32_t len;		/* header length as captured */
};

/* How the frame reached the sensor, when a tunnel carried it (outermost). */
enum tp_encap {
	TP_ENCAP_NONE,
	TP_ENCAP_GRE,		/* GRE carrying a frame or packet, not ERSPAN */
	TP_ENCAP_ERSPAN1,
	TP_ENCAP_ERSPAN2,
	TP_ENCAP_ERSPAN3,
	TP_ENCAP_VXLAN,
	TP_ENCAP_GENEVE,
	TP_ENCAP_MPLS,		/* MPLS labels before the inner packet */
	TP_ENCAP_IPIP,		/* IPv4/IPv6 in IPv4/IPv6 */
	TP_ENCAP_COUNT
};

/* Packet flags. */
#define TP_PKT_TRUNCATED	0x0001u	/* cut by the snaplen inside a header */
#define TP_PKT_MALFORMED	0x0002u	/* bytes contradict a spec: see malformed */
#define TP_PKT_HAS_FCS		0x0004u	/* the captured bytes end in an FCS */
#define TP_PKT_FCS_BAD		0x0008u	/* ... and it does not match */
#define TP_PKT_IP_CKSUM_BAD	0x0010u	/* IPv4 header checksum wrong */
#define TP_PKT_L4_CKSUM_BAD	0x0020u	/* TCP/UDP/ICMP checksum wrong (checked only when whole) */
#define TP_PKT_L4_CKSUM_OK	0x0040u	/* ... checked and right */
#define TP_PKT_FRAGMENT		0x0080u	/* an IP fragment (transport only in the first) */
#define TP_PKT_ERSPAN_TRUNC	0x0100u	/* ERSPAN II/III truncation bit: the mirror cut it */
#define TP_PKT_ICMP_QUOTE	0x0200u	/* an ICMP error quoting a packet: see quoted */

/* Why a packet is malformed (the first reason met). */
enum tp_malformed {
	TP_MALFORMED_NONE,
	TP_MALFORMED_TOO_DEEP,		/* more layers, tags, labels or tunnels than allowed */
	TP_MALFORMED_IP_VERSION,	/* version field contradicts the EtherType */
	TP_MALFORMED_IP_HEADER_LEN,	/* IHL < 5, or beyond the total length */
	TP_MALFORMED_IP_TOTAL_LEN,	/* total/payload length shorter than the header, 0,
					 * or beyond the end of a frame captured whole */
	TP_MALFORMED_IP_OPTION,		/* option length overruns the header */
	TP_MALFORMED_IPV6_EXT,		/* extension header overruns the packet */
	TP_MALFORMED_TCP_HEADER_LEN,	/* data offset < 5, or beyond the segment */
	TP_MALFORMED_TCP_OPTION,	/* option length 0/1 or overrunning */
	TP_MALFORMED_UDP_LEN,		/* UDP length < 8 or beyond the IP payload */
	TP_MALFORMED_GRE,		/* unknown GRE version or reserved bits */
	TP_MALFORMED_ERSPAN,		/* bad ERSPAN version */
	TP_MALFORMED_LINK,		/* link header impossible (SLL, null, LLC) */
	TP_MALFORMED_COUNT
};

enum tp_cksum { TP_CKSUM_UNCHECKED, TP_CKSUM_OK, TP_CKSUM_BAD };

struct tp_erspan {
	uint8_t version;	/* 1 (type II: version field 1), 2 (type III); 0 = type I */
	uint16_t session;	/* span id, 10 bits */
	uint16_t vlan;		/* original VLAN (type II) */
	uint8_t cos;
	uint8_t en;		/* encapsulation type of the original frame */
	bool truncated;		/* T bit */
	uint32_t timestamp;	/* type III: 32 bits in units of granularity */
	uint8_t granularity;	/* type III gra: 0 100 µs, 1 100 ns, 2 IEEE 1588, 3 platform */
	uint8_t hw_id;		/* type III hardware id, 6 bits */
	bool direction;		/* type III D bit: 1 = egress */
	uint8_t bso;		/* type III bad/short/oversized: 0 good or unknown,
				 * 1 short, 2 oversized, 3 bad (CRC or alignment) */
	uint32_t index;		/* type II index: the mirrored port, 20 bits */
};

struct tp_packet {
	const uint8_t *data;	/* the frame, without a trailing FCS */
	uint32_t len;		/* captured bytes, FCS excluded */
	uint32_t wire_len;	/* original length, FCS excluded */
	int64_t ts_ns;
	uint16_t linktype;

	uint32_t flags;		/* TP_PKT_* */
	uint8_t malformed;	/* enum tp_malformed */
	uint8_t truncated_in;	/* enum tp_proto of the layer the snaplen cut */

	uint8_t nlayers;
	struct tp_layer layers[TP_MAX_LAYERS];

	uint32_t fcs;		/* as captured, when TP_PKT_HAS_FCS */

	/* Mirror encapsulation: the outermost tunnel, with its fields. */
	uint8_t encap;		/* enum tp_encap */
	bool gre_has_key, gre_has_seq;
	uint32_t gre_key, gre_seq;	/* ERSPAN II/III sequence is the GRE sequence */
	struct tp_erspan erspan;
	uint32_t vni;		/* VXLAN / Geneve */
	uint8_t nmpls;
	uint32_t mpls[TP_MAX_MPLS];	/* label values, outermost first */

	/* Every VLAN id met, outermost first, across all Ethernet headers
	 * (an RSPAN tag stays here, so the remote VLAN can be recognised). */
	uint8_t nvlans;
	uint16_t vlans[TP_MAX_VLANS];

	/* The innermost Ethernet (or SLL) header. */
	bool has_mac;
	uint8_t src_mac[6], dst_mac[6];
	uint16_t ethertype;	/* of the innermost frame, after tags and SNAP */

	/* The innermost IP header. */
	uint8_t ip_version;	/* 4, 6, or 0 when there is none */
	uint8_t src_ip[16], dst_ip[16];	/* IPv4 in the first 4 bytes, the rest zero */
	uint8_t ip_proto;	/* IPv4 protocol / IPv6 last next header */
	uint8_t ttl;		/* TTL / hop limit */
	uint16_t ip_id;		/* IPv4 identification */
	uint32_t frag_id;	/* IPv6 fragment identification */
	uint16_t frag_offset;	/* in bytes */
	bool more_fragments;
	uint8_t ip_cksum;	/* enum tp_cksum (IPv4) */
	uint32_t ip_offset;	/* where the innermost IP header starts */
	uint8_t pseudo_dst[16];	/* the destination transport checksums cover: dst_ip,
				 * or the final hop of a source route still under way
				 * (IPv4 LSRR/SSRR, IPv6 routing header: RFC 8200 8.1) */

	/* The transport header of the innermost IP packet. */
	uint16_t sport, dport;	/* 0 for ICMP */
	uint8_t l4_cksum;	/* enum tp_cksum */
	uint8_t tcp_flags;	/* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
	uint32_t seq, ack;
	uint16_t window;	/* as on the wire, unscaled */
	uint16_t mss;		/* 0 = absent */
	uint8_t wscale;		/* 0xff = absent */
	bool sack_permitted;
	uint8_t nsack;
	uint32_t sack[4][2];	/* left, right edges */
	bool has_tcp_ts;
	uint32_t tsval, tsecr;
	uint8_t icmp_type, icmp_code;

	/* An ICMP/ICMPv6 error's quoted header (TP_PKT_ICMP_QUOTE). */
	struct {
		uint8_t ip_version, ip_proto;
		uint8_t src_ip[16], dst_ip[16];
		uint16_t sport, dport;
	} quoted;

	/* Transport payload. */
	const uint8_t *payload;
	uint32_t payload_len;		/* captured */
	uint32_t payload_wire_len;	/* from the IP and transport lengths */
};

/*
 * Decodes rec into pkt.  Every field is reset first, except the entries of
 * layers[] and mpls[] past nlayers and nmpls (read them only up to their
 * counts: a full reset of those arrays per frame costs).  fcs_len is taken from the
 * record (link type, pcapng if_fcslen/epb_flags, pcap header FCS bits):
 * when it is positive and the frame is whole, the FCS is checked and cut
 * off.  Returns pkt->flags.
 */
uint32_t tp_decode(struct tp_packet *pkt, const struct tp_record *rec);

/* Names for reports: "ethernet", "erspan2", "truncated ip header"... */
const char *tp_proto_name(enum tp_proto p);
const char *tp_encap_name(enum tp_encap e);		/* "" for none */
const char *tp_malformed_name(enum tp_malformed m);

#endif
