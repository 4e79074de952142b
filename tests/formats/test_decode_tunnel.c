/*
 * test_decode_tunnel.c - formats/decode_tunnel.c: GRE (RFC 2784, 2890,
 * 1701 routing, PPTP's version 1), ERSPAN type I, II and III
 * (draft-foschiano-erspan-03 sections 4.2-4.3), VXLAN (RFC 7348) and
 * Geneve (RFC 8926) on hand-built frames, the limit on tunnels, and a deep
 * mirror frame cut at every byte.
 *
 * The ERSPAN frames were also written to a pcap and read back with tshark
 * 4.0 (-T fields -e erspan.spanid -e erspan.vlan -e erspan.timestamp
 * -e erspan.hw -e erspan.gra -e erspan.bso -e gre.sequence_number ...):
 * the values asserted here are the ones tshark printed.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>

#include <stdio.h>
#include <string.h>

#include "formats/packet.h"
#include "tests/support/bytes.h"
#include "tests/support/frames.h"

#define BE	true

#define LINKTYPE_ETHERNET	1

#define OUTER_A	0xc0000201u	/* 192.0.2.1: the mirror */
#define OUTER_B	0xc0000202u	/* 192.0.2.2: the sensor */
#define INNER_A	0x0a000001u	/* 10.0.0.1 */
#define INNER_B	0x0a000002u	/* 10.0.0.2 */

#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_GRE_	47

static const uint8_t MAC_DST[6] = { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x02 };
static const uint8_t MAC_SRC[6] = { 0x00, 0x0e, 0x8c, 0x00, 0x00, 0x01 };
static const uint8_t IN_DST[6] = { 0x00, 0x80, 0xf4, 0x00, 0x00, 0x0b };
static const uint8_t IN_SRC[6] = { 0x08, 0x00, 0x06, 0x00, 0x00, 0x0a };
static const uint8_t V4_INNER_A[4] = { 10, 0, 0, 1 };
static const uint8_t V4_INNER_B[4] = { 10, 0, 0, 2 };
static const uint8_t V4_OUTER_A[4] = { 192, 0, 2, 1 };

static struct tp_packet pkt;

TestSuite(decode_tunnel);

#define MEM(p, n) ((struct cr_mem){ .data = (p), .size = (n) })

/* ---- builders ---- */

/* A 20-byte TCP header (RFC 9293 section 3.1), SYN. */
static void tcp(struct bytes *b, uint16_t sport, uint16_t dport)
{
	bytes_u16(b, sport, BE);
	bytes_u16(b, dport, BE);
	bytes_u32(b, 1000, BE);
	bytes_u32(b, 0, BE);
	bytes_u8(b, 0x50);
	bytes_u8(b, 0x02);
	bytes_u16(b, 8192, BE);
	bytes_u16(b, 0, BE);
	bytes_u16(b, 0, BE);
}

/* The mirrored frame every tunnel below carries: Ethernet, IPv4
 * 10.0.0.1 -> 10.0.0.2, UDP 20000 -> 502 with 4 bytes: 46 bytes. */
#define INNER_LEN (14 + 20 + 8 + 4)
static void inner_frame(struct bytes *b)
{
	frame_eth(b, IN_DST, IN_SRC, 0x0800);
	frame_ipv4(b, IPPROTO_UDP_, INNER_A, INNER_B, 8 + 4);
	frame_udp(b, 20000, 502, 4);
	bytes_put(b, "\x00\x01\x00\x00", 4);
}

/* Ethernet and IPv4 from the mirror to the sensor carrying `payload`
 * bytes of protocol proto. */
static void outer(struct bytes *b, uint8_t proto, size_t payload)
{
	frame_eth(b, MAC_DST, MAC_SRC, 0x0800);
	frame_ipv4(b, proto, OUTER_A, OUTER_B, payload);
}

/* ERSPAN type II header (draft-foschiano-erspan-03 section 4.2). */
static void erspan2(struct bytes *b, uint16_t vlan, uint8_t cos, uint8_t en, bool t,
		    uint16_t session, uint32_t index)
{
	bytes_u32(b, 1u << 28 | (uint32_t)vlan << 16 | (uint32_t)cos << 13 |
		  (uint32_t)en << 11 | (uint32_t)t << 10 | session, BE);
	bytes_u32(b, index, BE);
}

/* ERSPAN type III header (section 4.3); the O bit is set by the caller. */
static void erspan3(struct bytes *b, uint16_t vlan, uint8_t bso, bool t, uint16_t session,
		    uint32_t timestamp, uint16_t sgt, uint8_t ft, uint8_t hw, bool dir,
		    uint8_t gra, bool o)
{
	bytes_u32(b, 2u << 28 | (uint32_t)vlan << 16 | (uint32_t)bso << 11 |
		  (uint32_t)t << 10 | session, BE);
	bytes_u32(b, timestamp, BE);
	bytes_u16(b, sgt, BE);
	bytes_u16(b, (uint16_t)(ft << 10 | hw << 4 | dir << 3 | gra << 1 | o), BE);
}

/* ---- decoding and checking ---- */

static uint32_t decode_cut(const struct bytes *b, uint32_t caplen)
{
	struct tp_record rec = {
		.data = b->p, .caplen = caplen, .origlen = (uint32_t)b->len,
		.linktype = LINKTYPE_ETHERNET, .fcs_len = -1, .frame = 1,
	};

	return tp_decode(&pkt, &rec);
}

static uint32_t decode_eth(const struct bytes *b)
{
	return decode_cut(b, (uint32_t)b->len);
}

/* The packet describes the mirrored frame of inner_frame(). */
static void assert_inner_frame(void)
{
	cr_assert(eq(mem, MEM(pkt.dst_mac, 6), MEM(IN_DST, 6)));
	cr_assert(eq(mem, MEM(pkt.src_mac, 6), MEM(IN_SRC, 6)));
	cr_assert(eq(u8, pkt.ip_version, 4));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_INNER_A, 4)));
	cr_assert(eq(mem, MEM(pkt.dst_ip, 4), MEM(V4_INNER_B, 4)));
	cr_assert(eq(u16, pkt.sport, 20000));
	cr_assert(eq(u16, pkt.dport, 502));
	cr_assert(eq(u32, pkt.payload_len, 4));
}

/* ---- GRE ---- */

Test(decode_tunnel, gre_with_key_and_sequence_carries_ipv4)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 12 + 20 + 8 + 4);
	bytes_put(&b, "\x30\x00\x08\x00", 4);	/* K, S; IPv4 */
	bytes_u32(&b, 0x01020304, BE);
	bytes_u32(&b, 42, BE);
	frame_ipv4(&b, IPPROTO_UDP_, INNER_A, INNER_B, 8 + 4);
	frame_udp(&b, 20000, 502, 4);
	bytes_zeros(&b, 4);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE, TP_PROTO_IPV4,
			 TP_PROTO_UDP));
	cr_assert(frame_layer_is(&pkt, 2, TP_PROTO_GRE, 34, 12));
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_IPV4, 46, 20));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_GRE));
	cr_assert(pkt.gre_has_key);
	cr_assert(pkt.gre_has_seq);
	cr_assert(eq(u32, pkt.gre_key, 0x01020304));
	cr_assert(eq(u32, pkt.gre_seq, 42));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_INNER_A, 4)));
	cr_assert(eq(u16, pkt.dport, 502));
	cr_assert(eq(u32, pkt.ip_offset, 46));
	/* No inner Ethernet: the outer frame's addresses stay. */
	cr_assert(eq(mem, MEM(pkt.src_mac, 6), MEM(MAC_SRC, 6)));
	cr_assert(eq(u32, pkt.flags & (TP_PKT_TRUNCATED | TP_PKT_MALFORMED), 0));
	bytes_free(&b);
}

Test(decode_tunnel, gre_checksum_word_comes_before_the_key)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 12 + 20);
	bytes_put(&b, "\xa0\x00\x08\x00", 4);	/* C, K */
	bytes_put(&b, "\x12\x34\x00\x00", 4);	/* checksum, reserved1 */
	bytes_u32(&b, 7, BE);
	frame_ipv4(&b, 253, INNER_A, INNER_B, 0);
	decode_eth(&b);
	cr_assert(frame_layer_is(&pkt, 2, TP_PROTO_GRE, 34, 12));
	cr_assert(eq(u32, pkt.gre_key, 7));
	cr_assert(not(pkt.gre_has_seq));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_INNER_A, 4)));
	bytes_free(&b);
}

/* RFC 1701 section 2.1-2.2: R brings the checksum/offset word and a list
 * of source route entries ending with address family 0, length 0. */
Test(decode_tunnel, gre_rfc1701_routing_is_skipped)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 20 + 20);
	bytes_put(&b, "\x40\x00\x08\x00", 4);	/* R */
	bytes_put(&b, "\x00\x00\x00\x00", 4);	/* checksum, offset */
	bytes_put(&b, "\x08\x00\x00\x04", 4);	/* SRE: IP, offset 0, length 4 */
	bytes_put(&b, "\xc0\x00\x02\x09", 4);
	bytes_put(&b, "\x00\x00\x00\x00", 4);	/* end of the list */
	frame_ipv4(&b, 253, INNER_A, INNER_B, 0);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE, TP_PROTO_IPV4));
	cr_assert(frame_layer_is(&pkt, 2, TP_PROTO_GRE, 34, 20));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_INNER_A, 4)));
	bytes_free(&b);
}

/* RFC 2637 section 4.1: K (payload length, call id), S, A, version 1. */
Test(decode_tunnel, pptp_enhanced_gre_is_recorded_not_entered)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 16 + 4);
	bytes_put(&b, "\x30\x81\x88\x0b", 4);
	bytes_put(&b, "\x00\x04\x40\x00", 4);	/* payload length 4, call id 0x4000 */
	bytes_u32(&b, 5, BE);			/* sequence */
	bytes_u32(&b, 4, BE);			/* acknowledgment */
	bytes_put(&b, "\xff\x03\xc0\x21", 4);	/* PPP LCP */
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE));
	cr_assert(frame_layer_is(&pkt, 2, TP_PROTO_GRE, 34, 16));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	cr_assert(eq(u32, pkt.gre_key, 0x00044000));
	cr_assert(eq(u32, pkt.gre_seq, 5));
	/* Still the outer packet, keyed on its own addresses. */
	cr_assert(eq(u8, pkt.ip_version, 4));
	cr_assert(eq(u8, pkt.ip_proto, IPPROTO_GRE_));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_OUTER_A, 4)));
	cr_assert(eq(u32, pkt.flags & TP_PKT_MALFORMED, 0));
	bytes_free(&b);
}

Test(decode_tunnel, gre_version_2_is_malformed)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 4 + 20);
	bytes_put(&b, "\x00\x02\x08\x00", 4);
	frame_ipv4(&b, 253, INNER_A, INNER_B, 0);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_GRE));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	bytes_free(&b);
}

Test(decode_tunnel, gre_keepalive_with_no_payload_decoder_is_not_entered)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 8);
	bytes_put(&b, "\x20\x00\x00\x00", 4);	/* K; protocol 0 */
	bytes_u32(&b, 1, BE);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_OUTER_A, 4)));
	cr_assert(eq(u32, pkt.flags & (TP_PKT_MALFORMED | TP_PKT_TRUNCATED), 0));
	bytes_free(&b);
}

Test(decode_tunnel, gre_transparent_ethernet_bridging)
{
	struct bytes b = { 0 };

	frame_eth(&b, MAC_DST, MAC_SRC, 0x8100);
	frame_tag(&b, 999, 0x0800);			/* an RSPAN-like outer tag */
	frame_ipv4(&b, IPPROTO_GRE_, OUTER_A, OUTER_B, 8 + INNER_LEN + 4);
	bytes_put(&b, "\x20\x00\x65\x58", 4);	/* K; 0x6558 */
	bytes_u32(&b, 0x2a, BE);
	frame_eth(&b, IN_DST, IN_SRC, 0x8100);
	frame_tag(&b, 10, 0x0800);
	frame_ipv4(&b, IPPROTO_UDP_, INNER_A, INNER_B, 8 + 4);
	frame_udp(&b, 20000, 502, 4);
	bytes_put(&b, "\x00\x01\x00\x00", 4);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_VLAN, TP_PROTO_IPV4, TP_PROTO_GRE,
			 TP_PROTO_ETHERNET, TP_PROTO_VLAN, TP_PROTO_IPV4, TP_PROTO_UDP));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_GRE));
	cr_assert(eq(u32, pkt.gre_key, 0x2a));
	cr_assert(eq(u8, pkt.nvlans, 2));
	cr_assert(eq(u16, pkt.vlans[0], 999));
	cr_assert(eq(u16, pkt.vlans[1], 10));
	assert_inner_frame();
	bytes_free(&b);
}

/* ---- ERSPAN ---- */

/* tshark: "gre:erspan:eth:ethertype:ip:udp", ERSPAN type I (GRE flags 0). */
Test(decode_tunnel, erspan_type_1_has_no_header)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 4 + INNER_LEN);
	bytes_put(&b, "\x00\x00\x88\xbe", 4);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE, TP_PROTO_ERSPAN,
			 TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP));
	cr_assert(frame_layer_is(&pkt, 2, TP_PROTO_GRE, 34, 4));
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_ERSPAN, 38, 0));
	cr_assert(frame_layer_is(&pkt, 4, TP_PROTO_ETHERNET, 38, 14));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_ERSPAN1));
	cr_assert(eq(u8, pkt.erspan.version, 0));
	cr_assert(not(pkt.gre_has_seq));
	assert_inner_frame();
	bytes_free(&b);
}

/*
 * tshark on these bytes: gre.sequence_number 16909060, erspan.version 1,
 * erspan.vlan 123, erspan.cos 5, erspan.encap 3, erspan.truncated 1,
 * erspan.spanid 341, erspan.index 703710.
 */
Test(decode_tunnel, erspan_type_2)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 8 + 8 + INNER_LEN);
	bytes_put(&b, "\x10\x00\x88\xbe", 4);	/* S */
	bytes_u32(&b, 0x01020304, BE);
	erspan2(&b, 123, 5, 3, true, 341, 0xabcde);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE, TP_PROTO_ERSPAN,
			 TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP));
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_ERSPAN, 42, 8));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_ERSPAN2));
	cr_assert(pkt.gre_has_seq);
	cr_assert(eq(u32, pkt.gre_seq, 16909060));
	cr_assert(eq(u8, pkt.erspan.version, 1));
	cr_assert(eq(u16, pkt.erspan.session, 341));
	cr_assert(eq(u16, pkt.erspan.vlan, 123));
	cr_assert(eq(u8, pkt.erspan.cos, 5));
	cr_assert(eq(u8, pkt.erspan.en, 3));
	cr_assert(pkt.erspan.truncated);
	cr_assert(eq(u32, pkt.erspan.index, 703710));
	cr_assert(eq(u32, pkt.flags & TP_PKT_ERSPAN_TRUNC, TP_PKT_ERSPAN_TRUNC));
	cr_assert(eq(u32, pkt.flags & (TP_PKT_TRUNCATED | TP_PKT_MALFORMED), 0));
	assert_inner_frame();
	bytes_free(&b);
}

/*
 * tshark: erspan.version 2, erspan.vlan 77, erspan.bso 3, erspan.spanid
 * 1023, erspan.timestamp 3735928559, erspan.sgt 4369, erspan.ft 0,
 * erspan.hw 42, erspan.direction 1 (egress), erspan.gra 1, erspan.o 0.
 */
Test(decode_tunnel, erspan_type_3)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 8 + 12 + INNER_LEN);
	bytes_put(&b, "\x10\x00\x22\xeb", 4);
	bytes_u32(&b, 9, BE);
	erspan3(&b, 77, 3, false, 1023, 0xdeadbeef, 0x1111, 0, 42, true, 1, false);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE, TP_PROTO_ERSPAN,
			 TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP));
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_ERSPAN, 42, 12));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_ERSPAN3));
	cr_assert(eq(u32, pkt.gre_seq, 9));
	cr_assert(eq(u8, pkt.erspan.version, 2));
	cr_assert(eq(u16, pkt.erspan.session, 1023));
	cr_assert(eq(u16, pkt.erspan.vlan, 77));
	cr_assert(eq(u8, pkt.erspan.bso, 3));
	cr_assert(eq(u32, pkt.erspan.timestamp, 3735928559u));
	cr_assert(eq(u8, pkt.erspan.hw_id, 42));
	cr_assert(pkt.erspan.direction);
	cr_assert(eq(u8, pkt.erspan.granularity, 1));
	cr_assert(not(pkt.erspan.truncated));
	cr_assert(eq(u32, pkt.flags & TP_PKT_ERSPAN_TRUNC, 0));
	assert_inner_frame();
	bytes_free(&b);
}

/* The O bit adds an 8-byte platform-specific subheader (tshark:
 * erspan.o 1, erspan.platid 3); the frame follows it. */
Test(decode_tunnel, erspan_type_3_with_platform_subheader)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 4 + 20 + INNER_LEN);
	bytes_put(&b, "\x00\x00\x22\xeb", 4);	/* type III needs no S bit */
	erspan3(&b, 5, 0, true, 2, 123456, 0, 0, 1, false, 3, true);
	bytes_put(&b, "\x0c\x00\x00\x05\x00\x01\xe2\x40", 8);	/* Platf ID 3 */
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_ERSPAN, 38, 20));
	cr_assert(frame_layer_is(&pkt, 4, TP_PROTO_ETHERNET, 58, 14));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_ERSPAN3));
	cr_assert(not(pkt.gre_has_seq));
	cr_assert(eq(u16, pkt.erspan.session, 2));
	cr_assert(eq(u32, pkt.erspan.timestamp, 123456));
	cr_assert(eq(u8, pkt.erspan.granularity, 3));
	cr_assert(eq(u8, pkt.erspan.hw_id, 1));
	cr_assert(pkt.erspan.truncated);
	cr_assert(eq(u32, pkt.flags & TP_PKT_ERSPAN_TRUNC, TP_PKT_ERSPAN_TRUNC));
	assert_inner_frame();
	bytes_free(&b);
}

/* Frame type 7 is not Ethernet (tshark shows "data", as for the corpus'
 * erspan-type-iii-ft-7.pcap). */
Test(decode_tunnel, erspan_type_3_unknown_frame_type_stops)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 8 + 12 + INNER_LEN);
	bytes_put(&b, "\x10\x00\x22\xeb", 4);
	bytes_u32(&b, 1, BE);
	erspan3(&b, 1, 0, false, 101, 0, 0, 7, 32, false, 0, false);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE, TP_PROTO_ERSPAN));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_ERSPAN3));
	cr_assert(eq(u16, pkt.erspan.session, 101));
	cr_assert(eq(u8, pkt.ip_version, 0));
	cr_assert(eq(u32, pkt.flags & (TP_PKT_TRUNCATED | TP_PKT_MALFORMED), 0));
	bytes_free(&b);
}

Test(decode_tunnel, erspan_unknown_version_is_malformed)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 8 + 8 + INNER_LEN);
	bytes_put(&b, "\x10\x00\x88\xbe", 4);
	bytes_u32(&b, 1, BE);
	bytes_u32(&b, 3u << 28 | 5, BE);
	bytes_u32(&b, 0, BE);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_ERSPAN));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_ERSPAN2));
	bytes_free(&b);
}

/* Wireshark lays the header out by its Ver field whatever the GRE
 * protocol: a type III header under 0x88be is read as type III. */
Test(decode_tunnel, erspan_version_field_decides_the_layout)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 8 + 12 + INNER_LEN);
	bytes_put(&b, "\x10\x00\x88\xbe", 4);
	bytes_u32(&b, 1, BE);
	erspan3(&b, 1, 0, false, 7, 99, 0, 0, 0, false, 0, false);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_ERSPAN, 42, 12));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_ERSPAN3));
	cr_assert(eq(u32, pkt.erspan.timestamp, 99));
	assert_inner_frame();
	bytes_free(&b);
}

/* The fixed type III header is whole, the subheader is cut: the session
 * and sequence (what loss is counted by) are kept. */
Test(decode_tunnel, erspan_fields_kept_when_the_subheader_is_cut)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 8 + 20 + INNER_LEN);
	bytes_put(&b, "\x10\x00\x22\xeb", 4);
	bytes_u32(&b, 77, BE);
	erspan3(&b, 1, 0, false, 600, 5, 0, 0, 0, false, 0, true);
	bytes_zeros(&b, 8);
	inner_frame(&b);
	decode_cut(&b, 34 + 8 + 12 + 4);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_GRE));
	cr_assert(eq(u32, pkt.flags & TP_PKT_TRUNCATED, TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_ERSPAN));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_ERSPAN3));
	cr_assert(eq(u16, pkt.erspan.session, 600));
	cr_assert(eq(u32, pkt.gre_seq, 77));
	cr_assert(eq(u8, pkt.ip_version, 0));
	bytes_free(&b);
}

/* The mirror cut the frame (T) to 10 bytes and said so: truncated, though
 * the capture has every byte; without T the same bytes are a runt. */
Test(decode_tunnel, erspan_t_bit_makes_a_short_inner_frame_truncated)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 8 + 8 + 10);
	bytes_put(&b, "\x10\x00\x88\xbe", 4);
	bytes_u32(&b, 1, BE);
	erspan2(&b, 0, 0, 0, true, 1, 0);
	bytes_put(&b, IN_DST, 6);
	bytes_put(&b, IN_SRC, 4);
	decode_eth(&b);
	cr_assert(eq(u32, pkt.flags & (TP_PKT_TRUNCATED | TP_PKT_MALFORMED), TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_ETHERNET));

	b.p[34 + 8 + 2] &= (uint8_t)~0x04;	/* clear T */
	decode_eth(&b);
	cr_assert(eq(u32, pkt.flags & (TP_PKT_TRUNCATED | TP_PKT_MALFORMED), TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_LINK));
	bytes_free(&b);
}

/* A GRE header longer than the IP packet that carries it, in a frame
 * captured whole, is not a snaplen cut. */
Test(decode_tunnel, gre_header_beyond_its_ip_packet_is_malformed)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 6);
	bytes_put(&b, "\x30\x00\x08\x00\x00\x00", 6);	/* K and S need 8 more */
	bytes_zeros(&b, 20);				/* Ethernet trailer */
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4));
	cr_assert(eq(u32, pkt.flags & (TP_PKT_TRUNCATED | TP_PKT_MALFORMED), TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_GRE));
	bytes_free(&b);
}

/* The GRE fields are those of the GRE header that carries the ERSPAN,
 * whose sequence numbers the mirror's losses are counted by. */
Test(decode_tunnel, erspan_inside_gre_keeps_the_erspan_sequence)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_GRE_, 8 + 20 + 8 + 8 + INNER_LEN);
	bytes_put(&b, "\x20\x00\x08\x00", 4);	/* K; IPv4 */
	bytes_u32(&b, 0xfeed, BE);
	frame_ipv4(&b, IPPROTO_GRE_, OUTER_A, OUTER_B, 8 + 8 + INNER_LEN);
	bytes_put(&b, "\x10\x00\x88\xbe", 4);
	bytes_u32(&b, 1234, BE);
	erspan2(&b, 0, 0, 0, false, 55, 0);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_GRE));
	cr_assert(pkt.gre_has_seq);
	cr_assert(not(pkt.gre_has_key));
	cr_assert(eq(u32, pkt.gre_seq, 1234));
	cr_assert(eq(u16, pkt.erspan.session, 55));
	assert_inner_frame();
	bytes_free(&b);
}

/* ---- VXLAN and Geneve ---- */

Test(decode_tunnel, vxlan)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_UDP_, 8 + 8 + INNER_LEN);
	frame_udp(&b, 54321, 4789, 8 + INNER_LEN);
	bytes_put(&b, "\x08\x00\x00\x00\x12\x34\x56\x00", 8);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP, TP_PROTO_VXLAN,
			 TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP));
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_VXLAN, 42, 8));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_VXLAN));
	cr_assert(eq(u32, pkt.vni, 0x123456));
	assert_inner_frame();
	bytes_free(&b);
}

Test(decode_tunnel, vxlan_without_the_i_flag_has_no_vni)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_UDP_, 8 + 8 + INNER_LEN);
	frame_udp(&b, 54321, 4789, 8 + INNER_LEN);
	bytes_put(&b, "\x00\x00\x00\x00\x12\x34\x56\x00", 8);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_VXLAN));
	cr_assert(eq(u32, pkt.vni, 0));
	assert_inner_frame();
	bytes_free(&b);
}

Test(decode_tunnel, vxlan_in_vxlan_keeps_the_outer_vni)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_UDP_, 8 + 8 + 14 + 20 + 8 + 8 + INNER_LEN);
	frame_udp(&b, 1, 4789, 8 + 14 + 20 + 8 + 8 + INNER_LEN);
	bytes_put(&b, "\x08\x00\x00\x00\x00\x00\x01\x00", 8);
	frame_eth(&b, MAC_DST, MAC_SRC, 0x0800);
	frame_ipv4(&b, IPPROTO_UDP_, OUTER_A, OUTER_B, 8 + 8 + INNER_LEN);
	frame_udp(&b, 2, 4789, 8 + INNER_LEN);
	bytes_put(&b, "\x08\x00\x00\x00\x00\x00\x02\x00", 8);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(eq(u32, pkt.vni, 1));
	assert_inner_frame();
	bytes_free(&b);
}

/* Geneve with one 8-byte option and an Ethernet payload (tshark:
 * "udp:geneve:eth:ethertype:ip:udp", geneve.vni 0xabcdef). */
Test(decode_tunnel, geneve_with_options)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_UDP_, 8 + 16 + INNER_LEN);
	frame_udp(&b, 54321, 6081, 16 + INNER_LEN);
	bytes_put(&b, "\x02\x00\x65\x58\xab\xcd\xef\x00", 8);
	bytes_put(&b, "\x01\x02\x03\x01\x00\x00\x00\x01", 8);	/* one option */
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP, TP_PROTO_GENEVE,
			 TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP));
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_GENEVE, 42, 16));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_GENEVE));
	cr_assert(eq(u32, pkt.vni, 0xabcdef));
	assert_inner_frame();
	bytes_free(&b);
}

Test(decode_tunnel, geneve_carrying_ipv4)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_UDP_, 8 + 8 + 20);
	frame_udp(&b, 54321, 6081, 8 + 20);
	bytes_put(&b, "\x00\x00\x08\x00\x00\x00\x05\x00", 8);
	frame_ipv4(&b, 253, INNER_A, INNER_B, 0);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP, TP_PROTO_GENEVE,
			 TP_PROTO_IPV4));
	cr_assert(eq(u32, pkt.vni, 5));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_INNER_A, 4)));
	/* The inner packet has no Ethernet header: the outer one stays. */
	cr_assert(eq(mem, MEM(pkt.src_mac, 6), MEM(MAC_SRC, 6)));
	bytes_free(&b);
}

Test(decode_tunnel, geneve_unknown_protocol_is_not_entered)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_UDP_, 8 + 8 + 4);
	frame_udp(&b, 54321, 6081, 8 + 4);
	bytes_put(&b, "\x00\x00\x88\xb8\x00\x00\x05\x00", 8);	/* GOOSE */
	bytes_zeros(&b, 4);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP, TP_PROTO_GENEVE));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_OUTER_A, 4)));
	cr_assert(eq(u16, pkt.dport, 6081));
	bytes_free(&b);
}

Test(decode_tunnel, geneve_options_cut_by_the_snaplen)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_UDP_, 8 + 16 + INNER_LEN);
	frame_udp(&b, 54321, 6081, 16 + INNER_LEN);
	bytes_put(&b, "\x02\x00\x65\x58\xab\xcd\xef\x00", 8);
	bytes_zeros(&b, 8);
	inner_frame(&b);
	decode_cut(&b, 42 + 12);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_GENEVE));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	bytes_free(&b);
}

Test(decode_tunnel, geneve_version_1_is_not_read_past_its_first_word)
{
	struct bytes b = { 0 };

	outer(&b, IPPROTO_UDP_, 8 + 8 + INNER_LEN);
	frame_udp(&b, 54321, 6081, 8 + INNER_LEN);
	bytes_put(&b, "\x40\x00\x65\x58\x00\x00\x05\x00", 8);
	inner_frame(&b);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP, TP_PROTO_GENEVE));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	bytes_free(&b);
}

/* ---- depth ---- */

Test(decode_tunnel, more_tunnels_than_allowed_is_too_deep)
{
	struct bytes b = { 0 };
	const int n = TP_MAX_TUNNELS + 1;

	frame_eth(&b, MAC_DST, MAC_SRC, 0x0800);
	for (int i = 0; i < n; i++) {
		frame_ipv4(&b, IPPROTO_GRE_, OUTER_A, OUTER_B, (size_t)(n - i) * 24);
		bytes_put(&b, "\x00\x00\x08\x00", 4);
	}
	frame_ipv4(&b, 253, INNER_A, INNER_B, 0);
	decode_eth(&b);
	cr_assert(eq(u8, pkt.nlayers, 1 + 2 * n));
	cr_assert(eq(u8, pkt.layers[2 * n].proto, TP_PROTO_GRE));
	cr_assert(eq(u32, pkt.flags & TP_PKT_MALFORMED, TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_TOO_DEEP));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_GRE));
	bytes_free(&b);
}

Test(decode_tunnel, as_many_tunnels_as_allowed)
{
	struct bytes b = { 0 };
	const int n = TP_MAX_TUNNELS;

	frame_eth(&b, MAC_DST, MAC_SRC, 0x0800);
	for (int i = 0; i < n; i++) {
		frame_ipv4(&b, IPPROTO_GRE_, OUTER_A, OUTER_B, (size_t)(n - i) * 24);
		bytes_put(&b, "\x00\x00\x08\x00", 4);
	}
	frame_ipv4(&b, 253, INNER_A, INNER_B, 0);
	decode_eth(&b);
	cr_assert(eq(u8, pkt.nlayers, 1 + 2 * n + 1));
	cr_assert(eq(u32, pkt.flags & TP_PKT_MALFORMED, 0));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_INNER_A, 4)));
	bytes_free(&b);
}

/* ---- every cut of a deep mirror frame ---- */

/*
 * Ethernet / 802.1Q / IPv4 / GRE (S) / ERSPAN II / Ethernet / 802.1Q /
 * IPv4 / TCP / 4 bytes of data, captured with every snaplen from 0 to the
 * whole frame.  The layers are exactly the headers that were captured
 * whole; a cut inside (or right before) a header marks the packet
 * truncated in that header; a cut in the data truncates nothing.
 */
Test(decode_tunnel, deep_frame_cut_at_every_byte)
{
	static const struct {
		uint8_t proto;
		uint32_t offset, len;
	} want[] = {
		{ TP_PROTO_ETHERNET, 0, 14 },
		{ TP_PROTO_VLAN, 14, 4 },
		{ TP_PROTO_IPV4, 18, 20 },
		{ TP_PROTO_GRE, 38, 8 },
		{ TP_PROTO_ERSPAN, 46, 8 },
		{ TP_PROTO_ETHERNET, 54, 14 },
		{ TP_PROTO_VLAN, 68, 4 },
		{ TP_PROTO_IPV4, 72, 20 },
		{ TP_PROTO_TCP, 92, 20 },
	};
	const size_t nwant = sizeof want / sizeof want[0];
	struct bytes b = { 0 };

	frame_eth(&b, MAC_DST, MAC_SRC, 0x8100);
	frame_tag(&b, 300, 0x0800);
	frame_ipv4(&b, IPPROTO_GRE_, OUTER_A, OUTER_B, 8 + 8 + 14 + 4 + 20 + 20 + 4);
	bytes_put(&b, "\x10\x00\x88\xbe", 4);
	bytes_u32(&b, 77, BE);
	erspan2(&b, 10, 0, 2, false, 5, 1);
	frame_eth(&b, IN_DST, IN_SRC, 0x8100);
	frame_tag(&b, 10, 0x0800);
	frame_ipv4(&b, IPPROTO_TCP_, INNER_A, INNER_B, 20 + 4);
	tcp(&b, 40000, 102);
	bytes_put(&b, "\x03\x00\x00\x04", 4);
	cr_assert(eq(sz, b.len, 116));

	for (uint32_t cut = 0; cut <= b.len; cut++) {
		size_t whole = 0;

		while (whole < nwant && want[whole].offset + want[whole].len <= cut)
			whole++;
		decode_cut(&b, cut);
		cr_assert(eq(u8, pkt.nlayers, whole), "cut at %u", cut);
		for (size_t i = 0; i < whole; i++) {
			cr_assert(eq(u8, pkt.layers[i].proto, want[i].proto), "cut at %u", cut);
			cr_assert(eq(u32, pkt.layers[i].offset, want[i].offset), "cut at %u", cut);
			cr_assert(eq(u32, pkt.layers[i].len, want[i].len), "cut at %u", cut);
		}
		cr_assert(eq(u32, pkt.flags & TP_PKT_MALFORMED, 0), "cut at %u: %s", cut,
			  tp_malformed_name((enum tp_malformed)pkt.malformed));
		if (whole < nwant) {
			cr_assert(eq(u32, pkt.flags & TP_PKT_TRUNCATED, TP_PKT_TRUNCATED),
				  "cut at %u", cut);
			cr_assert(eq(u8, pkt.truncated_in, want[whole].proto), "cut at %u: %s",
				  cut, tp_proto_name((enum tp_proto)pkt.truncated_in));
		} else {
			cr_assert(eq(u32, pkt.flags & TP_PKT_TRUNCATED, 0), "cut at %u", cut);
		}
		/* Once the ERSPAN header is in, its fields are. */
		cr_assert(eq(u16, pkt.erspan.session, cut >= 54 ? 5 : 0), "cut at %u", cut);
		cr_assert(eq(u8, pkt.encap, cut >= 46 ? TP_ENCAP_ERSPAN2 : TP_ENCAP_NONE),
			  "cut at %u", cut);
	}
	cr_assert(eq(u8, pkt.nvlans, 2));
	cr_assert(eq(u16, pkt.vlans[0], 300));
	cr_assert(eq(u16, pkt.vlans[1], 10));
	cr_assert(eq(u16, pkt.dport, 102));
	cr_assert(eq(u32, pkt.gre_seq, 77));
	bytes_free(&b);
}
