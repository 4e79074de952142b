/*
 * test_decode.c - formats/decode.c: tp_decode() on hand-built frames, for
 * the link layers (Ethernet with and without FCS, VLAN tag stacks, LLC/SNAP,
 * Linux SLL and SLL2, BSD null/loopback, raw IP), MPLS, the limits on depth
 * and the name tables.
 *
 * Every frame is spelled out field by field; expected values come from the
 * specifications cited in decode.c and, for the FCS byte order, the null
 * header quirks and the MPLS pseudowire guess, from what tshark 4.0 says
 * of the same bytes (tshark -o eth.fcs:TRUE -o eth.check_fcs:TRUE -V),
 * never from the decoder's own output.  The IP and transport layers come
 * from decode_ip.c and decode_transport.c: here they only show where the
 * link layer handed the packet on.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <string.h>

#include "formats/packet.h"
#include "tests/support/bytes.h"
#include "tests/support/frames.h"
#include "tests/support/check.h"

#define BE	true

#define LINKTYPE_NULL		0
#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101
#define LINKTYPE_LOOP		108
#define LINKTYPE_LINUX_SLL	113
#define LINKTYPE_IPV4		228
#define LINKTYPE_IPV6		229
#define LINKTYPE_LINUX_SLL2	276

#define IP_A	0x0a000001u	/* 10.0.0.1 */
#define IP_B	0x0a000002u	/* 10.0.0.2 */

static const uint8_t MAC_DST[6] = { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x02 };
static const uint8_t MAC_SRC[6] = { 0x00, 0x0e, 0x8c, 0x00, 0x00, 0x01 };
static const uint8_t V4_A[4] = { 10, 0, 0, 1 };

static struct tp_packet pkt;

TestSuite(decode);

/* ---- builders ---- */

#define MEM(p, n) ((struct cr_mem){ .data = (p), .size = (n) })

static void eth(struct bytes *b, uint16_t type)
{
	frame_eth(b, MAC_DST, MAC_SRC, type);
}
/* IPv4 header (RFC 791) with a right checksum; payload bytes follow. */
/* UDP header (RFC 768), checksum 0 (none). */
/* ---- decoding and checking ---- */

static uint32_t decode_as(const struct bytes *b, uint16_t linktype, uint32_t caplen,
			  uint32_t origlen, int8_t fcs_len)
{
	struct tp_record rec = {
		.data = b->p, .caplen = caplen, .origlen = origlen,
		.linktype = linktype, .fcs_len = fcs_len, .frame = 1,
	};

	return tp_decode(&pkt, &rec);
}

static uint32_t decode_eth(const struct bytes *b)
{
	return decode_as(b, LINKTYPE_ETHERNET, (uint32_t)b->len, (uint32_t)b->len, -1);
}
/* ---- link types, spelled out byte by byte ---- */

/* An IPv4 header 10.0.0.1 -> 10.0.0.2, protocol 253 (experimentation,
 * RFC 3692: no transport decoder), total length 20, right checksum. */
#define V4 "\x45\x00\x00\x14\x00\x01\x00\x00\x40\xfd\x65\xea\x0a\x00\x00\x01\x0a\x00\x00\x02"
/* An IPv6 header 2001:db8::1 -> 2001:db8::2, no next header (59). */
#define V6 "\x60\x00\x00\x00\x00\x00\x3b\x40" \
	"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" \
	"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02"
#define SLL_ADDR "\x00\x0e\x8c\x00\x00\x01\x00\x00"

struct link_case {
	char why[96];
	uint16_t linktype;
	uint8_t bytes[96];
	uint32_t len;
	uint8_t layers[4];	/* enum tp_proto */
	uint8_t nlayers;
	uint8_t ip_version;
	uint8_t malformed;	/* enum tp_malformed */
};

ParameterizedTestParameters(decode, link_types)
{
	static struct link_case cases[] = {
		{ "null, AF_INET written little-endian", LINKTYPE_NULL,
		  "\x02\x00\x00\x00" V4, 24, { TP_PROTO_NULL, TP_PROTO_IPV4 }, 2, 4 },
		{ "null, AF_INET written big-endian", LINKTYPE_NULL,
		  "\x00\x00\x00\x02" V4, 24, { TP_PROTO_NULL, TP_PROTO_IPV4 }, 2, 4 },
		{ "null, AF_INET6 24 (NetBSD, OpenBSD)", LINKTYPE_NULL,
		  "\x18\x00\x00\x00" V6, 44, { TP_PROTO_NULL, TP_PROTO_IPV6 }, 2, 6 },
		{ "null, AF_INET6 28 (FreeBSD) big-endian", LINKTYPE_NULL,
		  "\x00\x00\x00\x1c" V6, 44, { TP_PROTO_NULL, TP_PROTO_IPV6 }, 2, 6 },
		{ "null, AF_INET6 30 (Darwin)", LINKTYPE_NULL,
		  "\x1e\x00\x00\x00" V6, 44, { TP_PROTO_NULL, TP_PROTO_IPV6 }, 2, 6 },
		{ "loop, AF_INET in network order", LINKTYPE_LOOP,
		  "\x00\x00\x00\x02" V4, 24, { TP_PROTO_NULL, TP_PROTO_IPV4 }, 2, 4 },
		{ "loop, AF_INET written little-endian all the same", LINKTYPE_LOOP,
		  "\x02\x00\x00\x00" V4, 24, { TP_PROTO_NULL, TP_PROTO_IPV4 }, 2, 4 },
		{ "null holding an EtherType beside junk (tshark: Type IPv4)", LINKTYPE_NULL,
		  "\x0f\x00\x08\x00" V4, 24, { TP_PROTO_NULL, TP_PROTO_IPV4 }, 2, 4 },
		{ "null, an address family with no decoder (7)", LINKTYPE_NULL,
		  "\x07\x00\x00\x00" V4, 24, { TP_PROTO_NULL }, 1, 0 },
		{ "raw IPv4", LINKTYPE_RAW, V4, 20, { TP_PROTO_IPV4 }, 1, 4 },
		{ "raw IPv6", LINKTYPE_RAW, V6, 40, { TP_PROTO_IPV6 }, 1, 6 },
		{ "old DLT_RAW 12, IPv4", 12, V4, 20, { TP_PROTO_IPV4 }, 1, 4 },
		{ "old DLT_RAW 14, IPv6", 14, V6, 40, { TP_PROTO_IPV6 }, 1, 6 },
		{ "raw, version 5 is neither", LINKTYPE_RAW,
		  "\x55\x00\x00\x14", 4, { 0 }, 0, 0, TP_MALFORMED_IP_VERSION },
		{ "LINKTYPE_IPV4", LINKTYPE_IPV4, V4, 20, { TP_PROTO_IPV4 }, 1, 4 },
		{ "LINKTYPE_IPV6", LINKTYPE_IPV6, V6, 40, { TP_PROTO_IPV6 }, 1, 6 },
		{ "SLL, IPv4", LINKTYPE_LINUX_SLL,
		  "\x00\x00\x00\x01\x00\x06" SLL_ADDR "\x08\x00" V4, 36,
		  { TP_PROTO_SLL, TP_PROTO_IPV4 }, 2, 4 },
		{ "SLL, 802.1Q tag put back by libpcap", LINKTYPE_LINUX_SLL,
		  "\x00\x00\x00\x01\x00\x06" SLL_ADDR "\x81\x00" "\x00\x64\x08\x00" V4, 40,
		  { TP_PROTO_SLL, TP_PROTO_VLAN, TP_PROTO_IPV4 }, 3, 4 },
		{ "SLL, 802.2 LLC (protocol 4)", LINKTYPE_LINUX_SLL,
		  "\x00\x00\x00\x01\x00\x06" SLL_ADDR "\x00\x04" "\x42\x42\x03\x00", 20,
		  { TP_PROTO_SLL, TP_PROTO_LLC }, 2, 0 },
		{ "SLL, Novell raw 802.3 (protocol 1): no decoder", LINKTYPE_LINUX_SLL,
		  "\x00\x00\x00\x01\x00\x06" SLL_ADDR "\x00\x01" "\xff\xff\x00\x20", 20,
		  { TP_PROTO_SLL }, 1, 0 },
		{ "SLL2, IPv6", LINKTYPE_LINUX_SLL2,
		  "\x86\xdd\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06" SLL_ADDR V6, 60,
		  { TP_PROTO_SLL2, TP_PROTO_IPV6 }, 2, 6 },
		{ "a link type with no decoder (USER0, 147)", 147, V4, 20, { 0 }, 0, 0 },
	};

	return cr_make_param_array(struct link_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct link_case *k, decode, link_types)
{
	struct bytes b = { 0 };

	cr_log_info("%s", k->why);
	bytes_put(&b, k->bytes, k->len);
	decode_as(&b, k->linktype, k->len, k->len, -1);
	cr_expect(frame_layers_are(&pkt, k->layers, k->nlayers));
	cr_expect(eq(u8, pkt.ip_version, k->ip_version));
	cr_expect(eq(u8, pkt.malformed, k->malformed));
	cr_expect(eq(u32, pkt.flags & TP_PKT_TRUNCATED, 0));
	cr_expect(eq(u16, pkt.linktype, k->linktype));
	bytes_free(&b);
}

Test(decode, ipv4_addresses_after_a_null_header)
{
	struct bytes b = { 0 };

	bytes_put(&b, "\x00\x00\x00\x02" V4, 24);
	decode_as(&b, LINKTYPE_NULL, 24, 24, -1);
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_A, 4)));
	cr_assert(not(pkt.has_mac));
	bytes_free(&b);
}

Test(decode, sll_gives_the_sender_mac_and_the_ethertype)
{
	static const uint8_t zero[6];
	struct bytes b = { 0 };

	bytes_put(&b, "\x00\x04\x00\x01\x00\x06" SLL_ADDR "\x08\x00" V4, 36);
	decode_as(&b, LINKTYPE_LINUX_SLL, 36, 36, -1);
	cr_assert(pkt.has_mac);
	cr_assert(eq(mem, MEM(pkt.src_mac, 6), MEM(MAC_SRC, 6)));
	cr_assert(eq(mem, MEM(pkt.dst_mac, 6), MEM(zero, 6)));	/* SLL has none */
	cr_assert(eq(u16, pkt.ethertype, 0x0800));
	cr_assert(frame_layer_is(&pkt, 0, TP_PROTO_SLL, 0, 16));
	cr_assert(frame_layer_is(&pkt, 1, TP_PROTO_IPV4, 16, 20));
	bytes_free(&b);
}

Test(decode, sll2_header_is_20_bytes)
{
	struct bytes b = { 0 };

	bytes_put(&b, "\x08\x00\x00\x00\x00\x00\x00\x05\x00\x01\x04\x06" SLL_ADDR V4, 40);
	decode_as(&b, LINKTYPE_LINUX_SLL2, 40, 40, -1);
	cr_assert(frame_layer_is(&pkt, 0, TP_PROTO_SLL2, 0, 20));
	cr_assert(frame_layer_is(&pkt, 1, TP_PROTO_IPV4, 20, 20));
	cr_assert(eq(mem, MEM(pkt.src_mac, 6), MEM(MAC_SRC, 6)));
	cr_assert(eq(u16, pkt.ethertype, 0x0800));
	bytes_free(&b);
}

/* ---- Ethernet ---- */

Test(decode, ethernet_ipv4_udp)
{
	struct bytes b = { 0 };

	eth(&b, 0x0800);
	frame_ipv4(&b, 17, IP_A, IP_B, 8 + 4);
	frame_udp(&b, 20000, 502, 4);
	bytes_put(&b, "abcd", 4);
	cr_assert(eq(u32, decode_eth(&b), 0));
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP));
	cr_assert(frame_layer_is(&pkt, 0, TP_PROTO_ETHERNET, 0, 14));
	cr_assert(frame_layer_is(&pkt, 1, TP_PROTO_IPV4, 14, 20));
	cr_assert(pkt.has_mac);
	cr_assert(eq(mem, MEM(pkt.dst_mac, 6), MEM(MAC_DST, 6)));
	cr_assert(eq(mem, MEM(pkt.src_mac, 6), MEM(MAC_SRC, 6)));
	cr_assert(eq(u16, pkt.ethertype, 0x0800));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	cr_assert(eq(u8, pkt.nvlans, 0));
	cr_assert(eq(u16, pkt.dport, 502));
	cr_assert(eq(u32, pkt.len, 46));
	cr_assert(eq(u32, pkt.wire_len, 46));
	cr_assert(eq(ptr, (void *)pkt.data, b.p));
	bytes_free(&b);
}

/* ---- FCS ---- */

/*
 * A 60-byte frame (Ethernet, IPv4, UDP 1 -> 2, zero padding) and its FCS
 * as sent: tshark -o eth.fcs:TRUE -o eth.check_fcs:TRUE shows these bytes
 * as "eth.fcs 0x0b2c8541, good"; zlib's crc32() of the frame is 0x41852c0b,
 * sent least significant byte first.
 */
static void frame_60(struct bytes *b)
{
	eth(b, 0x0800);
	frame_ipv4(b, 17, IP_A, IP_B, 8);
	frame_udp(b, 1, 2, 0);
	bytes_zeros(b, 60 - b->len);
}

Test(decode, fcs_good_is_cut_off_and_checked)
{
	struct bytes b = { 0 };

	frame_60(&b);
	bytes_put(&b, "\x0b\x2c\x85\x41", 4);
	decode_as(&b, LINKTYPE_ETHERNET, 64, 64, 4);
	cr_assert(eq(u32, pkt.flags & (TP_PKT_HAS_FCS | TP_PKT_FCS_BAD), TP_PKT_HAS_FCS));
	cr_assert(eq(u32, pkt.fcs, 0x0b2c8541));
	cr_assert(eq(u32, pkt.len, 60));
	cr_assert(eq(u32, pkt.wire_len, 60));
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_IPV4, TP_PROTO_UDP));
	bytes_free(&b);
}

Test(decode, fcs_in_the_wrong_byte_order_is_bad)
{
	struct bytes b = { 0 };

	frame_60(&b);
	bytes_put(&b, "\x41\x85\x2c\x0b", 4);
	decode_as(&b, LINKTYPE_ETHERNET, 64, 64, 4);
	cr_assert(eq(u32, pkt.flags & (TP_PKT_HAS_FCS | TP_PKT_FCS_BAD),
		     TP_PKT_HAS_FCS | TP_PKT_FCS_BAD));
	cr_assert(eq(u32, pkt.fcs, 0x41852c0b));
	cr_assert(eq(u32, pkt.len, 60));
	bytes_free(&b);
}

Test(decode, fcs_bad_when_a_frame_byte_changed)
{
	struct bytes b = { 0 };

	frame_60(&b);
	bytes_put(&b, "\x0b\x2c\x85\x41", 4);
	b.p[59] ^= 0x01;	/* a padding bit flipped on the wire */
	decode_as(&b, LINKTYPE_ETHERNET, 64, 64, 4);
	cr_assert(eq(u32, pkt.flags & TP_PKT_FCS_BAD, TP_PKT_FCS_BAD));
	bytes_free(&b);
}

Test(decode, fcs_absent_from_a_frame_cut_by_the_snaplen)
{
	struct bytes b = { 0 };

	frame_60(&b);
	/* 64 bytes on the wire, FCS included; the snaplen kept 50. */
	decode_as(&b, LINKTYPE_ETHERNET, 50, 64, 4);
	cr_assert(eq(u32, pkt.flags & (TP_PKT_HAS_FCS | TP_PKT_FCS_BAD), 0));
	cr_assert(eq(u32, pkt.len, 50));
	cr_assert(eq(u32, pkt.wire_len, 60));
	cr_assert(eq(u32, pkt.fcs, 0));
	bytes_free(&b);
}

Test(decode, fcs_of_two_bytes_is_cut_off_unchecked)
{
	struct bytes b = { 0 };

	frame_60(&b);
	bytes_put(&b, "\xab\xcd", 2);
	decode_as(&b, LINKTYPE_ETHERNET, 62, 62, 2);
	cr_assert(eq(u32, pkt.flags & (TP_PKT_HAS_FCS | TP_PKT_FCS_BAD), TP_PKT_HAS_FCS));
	cr_assert(eq(u32, pkt.fcs, 0xabcd));
	cr_assert(eq(u32, pkt.len, 60));
	cr_assert(eq(u32, pkt.wire_len, 60));
	bytes_free(&b);
}

Test(decode, fcs_unknown_means_none)
{
	struct bytes b = { 0 };

	frame_60(&b);
	bytes_put(&b, "\x0b\x2c\x85\x41", 4);
	decode_as(&b, LINKTYPE_ETHERNET, 64, 64, -1);
	cr_assert(eq(u32, pkt.flags & (TP_PKT_HAS_FCS | TP_PKT_FCS_BAD), 0));
	cr_assert(eq(u32, pkt.len, 64));
	cr_assert(eq(u32, pkt.wire_len, 64));
	bytes_free(&b);
}

/* ---- VLAN tags ---- */

Test(decode, qinq_802_1ad_then_802_1q)
{
	struct bytes b = { 0 };

	eth(&b, 0x88a8);
	frame_tag(&b, 0x2064, 0x8100);	/* PCP 1, VID 100 */
	frame_tag(&b, 0x00c8, 0x0800);	/* VID 200 */
	frame_ipv4(&b, 17, IP_A, IP_B, 8);
	frame_udp(&b, 1, 2, 0);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_VLAN, TP_PROTO_VLAN, TP_PROTO_IPV4,
			 TP_PROTO_UDP));
	cr_assert(frame_layer_is(&pkt, 1, TP_PROTO_VLAN, 14, 4));
	cr_assert(frame_layer_is(&pkt, 2, TP_PROTO_VLAN, 18, 4));
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_IPV4, 22, 20));
	cr_assert(eq(u8, pkt.nvlans, 2));
	cr_assert(eq(u16, pkt.vlans[0], 100));
	cr_assert(eq(u16, pkt.vlans[1], 200));
	cr_assert(eq(u16, pkt.ethertype, 0x0800));
	cr_assert(eq(u8, pkt.ip_version, 4));
	bytes_free(&b);
}

Test(decode, triple_tag_with_the_old_9100_tpid)
{
	struct bytes b = { 0 };

	eth(&b, 0x9100);
	frame_tag(&b, 0x0fff, 0x88a8);	/* VID 4095 */
	frame_tag(&b, 0xe001, 0x8100);	/* PCP 7, VID 1 */
	frame_tag(&b, 0x1000, 0x0806);	/* DEI, VID 0 (priority tag) */
	bytes_put(&b, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);	/* ARP request */
	bytes_zeros(&b, 20);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_VLAN, TP_PROTO_VLAN, TP_PROTO_VLAN,
			 TP_PROTO_ARP));
	cr_assert(frame_layer_is(&pkt, 4, TP_PROTO_ARP, 26, 28));
	cr_assert(eq(u8, pkt.nvlans, 3));
	cr_assert(eq(u16, pkt.vlans[0], 4095));
	cr_assert(eq(u16, pkt.vlans[1], 1));
	cr_assert(eq(u16, pkt.vlans[2], 0));
	cr_assert(eq(u16, pkt.ethertype, 0x0806));
	cr_assert(eq(u32, pkt.flags, 0));
	bytes_free(&b);
}

Test(decode, eight_tags_fit)
{
	struct bytes b = { 0 };

	eth(&b, 0x8100);
	for (uint16_t i = 1; i < TP_MAX_VLANS; i++)
		frame_tag(&b, i, 0x8100);
	frame_tag(&b, TP_MAX_VLANS, 0x0800);
	frame_ipv4(&b, 253, IP_A, IP_B, 0);
	decode_eth(&b);
	cr_assert(eq(u8, pkt.nvlans, TP_MAX_VLANS));
	cr_assert(eq(u16, pkt.vlans[TP_MAX_VLANS - 1], TP_MAX_VLANS));
	cr_assert(eq(u8, pkt.nlayers, 1 + TP_MAX_VLANS + 1));
	cr_assert(eq(u32, pkt.flags & TP_PKT_MALFORMED, 0));
	bytes_free(&b);
}

Test(decode, more_tags_than_kept_is_too_deep)
{
	struct bytes b = { 0 };

	eth(&b, 0x8100);
	for (uint16_t i = 1; i <= TP_MAX_VLANS; i++)
		frame_tag(&b, i, 0x8100);
	frame_tag(&b, TP_MAX_VLANS + 1, 0x0800);
	frame_ipv4(&b, 253, IP_A, IP_B, 0);
	decode_eth(&b);
	cr_assert(eq(u32, pkt.flags & TP_PKT_MALFORMED, TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_TOO_DEEP));
	cr_assert(eq(u8, pkt.nvlans, TP_MAX_VLANS));
	cr_assert(eq(u8, pkt.nlayers, 1 + TP_MAX_VLANS));
	cr_assert(eq(u8, pkt.ip_version, 0));
	bytes_free(&b);
}

Test(decode, vlan_tag_cut_by_the_snaplen)
{
	struct bytes b = { 0 };

	eth(&b, 0x8100);
	frame_tag(&b, 100, 0x0800);
	frame_ipv4(&b, 253, IP_A, IP_B, 0);
	decode_as(&b, LINKTYPE_ETHERNET, 16, (uint32_t)b.len, -1);
	cr_assert(LAYERS(TP_PROTO_ETHERNET));
	cr_assert(eq(u32, pkt.flags, TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_VLAN));
	cr_assert(eq(u8, pkt.nvlans, 0));
	bytes_free(&b);
}

/* ---- 802.3 length, LLC, SNAP ---- */

Test(decode, llc_snap_rfc1042_carries_an_ethertype)
{
	struct bytes b = { 0 };

	eth(&b, 8 + 20);	/* an 802.3 length */
	bytes_put(&b, "\xaa\xaa\x03\x00\x00\x00\x08\x00", 8);
	frame_ipv4(&b, 253, IP_A, IP_B, 0);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_LLC, TP_PROTO_IPV4));
	cr_assert(frame_layer_is(&pkt, 1, TP_PROTO_LLC, 14, 8));
	cr_assert(eq(u16, pkt.ethertype, 0x0800));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_A, 4)));
	bytes_free(&b);
}

Test(decode, llc_snap_with_a_vendor_oui_stops_at_llc)
{
	struct bytes b = { 0 };

	eth(&b, 8 + 4);
	bytes_put(&b, "\xaa\xaa\x03\x00\x00\x0c\x20\x00", 8);	/* Cisco CDP */
	bytes_zeros(&b, 4);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_LLC));
	cr_assert(eq(u16, pkt.ethertype, 0));
	cr_assert(eq(u32, pkt.flags, 0));
	bytes_free(&b);
}

Test(decode, llc_stp_then_padding)
{
	struct bytes b = { 0 };

	eth(&b, 38);
	bytes_put(&b, "\x42\x42\x03", 3);	/* STP BPDU: U format, 1-byte control */
	bytes_zeros(&b, 35 + 8);		/* BPDU and padding to 60 */
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_LLC));
	cr_assert(frame_layer_is(&pkt, 1, TP_PROTO_LLC, 14, 3));
	cr_assert(eq(u16, pkt.ethertype, 0));
	bytes_free(&b);
}

Test(decode, llc_i_format_has_a_2_byte_control)
{
	struct bytes b = { 0 };

	eth(&b, 10);
	bytes_put(&b, "\xf0\xf0\x00\x02", 4);	/* NetBIOS, I format */
	bytes_zeros(&b, 6);
	decode_eth(&b);
	cr_assert(frame_layer_is(&pkt, 1, TP_PROTO_LLC, 14, 4));
	bytes_free(&b);
}

Test(decode, length_too_small_for_llc_is_malformed)
{
	struct bytes b = { 0 };

	eth(&b, 2);
	bytes_zeros(&b, 46);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET));
	cr_assert(eq(u32, pkt.flags, TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_LINK));
	bytes_free(&b);
}

Test(decode, novell_raw_802_3_has_no_llc)
{
	struct bytes b = { 0 };

	eth(&b, 30);
	bytes_put(&b, "\xff\xff\x00\x1e", 4);	/* IPX checksum 0xffff, length */
	bytes_zeros(&b, 26);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET));
	cr_assert(eq(u32, pkt.flags, 0));
	bytes_free(&b);
}

/* ---- short frames ---- */

Test(decode, runt_captured_whole_is_malformed)
{
	struct bytes b = { 0 };

	bytes_put(&b, MAC_DST, 6);
	bytes_put(&b, MAC_SRC, 4);
	decode_eth(&b);
	cr_assert(eq(u8, pkt.nlayers, 0));
	cr_assert(eq(u32, pkt.flags, TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_LINK));
	cr_assert(not(pkt.has_mac));
	bytes_free(&b);
}

Test(decode, ethernet_header_cut_by_the_snaplen)
{
	struct bytes b = { 0 };

	frame_60(&b);
	decode_as(&b, LINKTYPE_ETHERNET, 13, 60, -1);
	cr_assert(eq(u8, pkt.nlayers, 0));
	cr_assert(eq(u32, pkt.flags, TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_ETHERNET));
	bytes_free(&b);
}

Test(decode, nothing_captured_of_a_frame)
{
	struct tp_record rec = { .data = NULL, .caplen = 0, .origlen = 60,
				 .linktype = LINKTYPE_ETHERNET, .fcs_len = -1 };

	tp_decode(&pkt, &rec);
	cr_assert(eq(u8, pkt.nlayers, 0));
	cr_assert(eq(u32, pkt.flags, TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_ETHERNET));
}

Test(decode, empty_raw_frame_is_nothing)
{
	struct tp_record rec = { .data = NULL, .caplen = 0, .origlen = 0,
				 .linktype = LINKTYPE_RAW, .fcs_len = -1 };

	cr_assert(eq(u32, tp_decode(&pkt, &rec), 0));
	cr_assert(eq(u8, pkt.nlayers, 0));
}

Test(decode, sll_and_null_headers_cut_short)
{
	struct bytes b = { 0 };

	bytes_put(&b, "\x00\x00\x00\x01\x00\x06" SLL_ADDR "\x08\x00" V4, 36);
	decode_as(&b, LINKTYPE_LINUX_SLL, 15, 36, -1);
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_SLL));
	decode_as(&b, LINKTYPE_LINUX_SLL2, 19, 36, -1);
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_SLL2));
	decode_as(&b, LINKTYPE_NULL, 3, 36, -1);
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_NULL));
	decode_as(&b, LINKTYPE_NULL, 3, 3, -1);
	cr_assert(eq(u32, pkt.flags, TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_LINK));
	bytes_free(&b);
}

/* ---- MPLS ---- */

/* One label stack entry: label(20) TC(3) S(1) TTL(8), RFC 3032 2.1. */
static void lse(struct bytes *b, uint32_t label, bool bottom)
{
	bytes_u32(b, label << 12 | (bottom ? 0x100u : 0) | 64, BE);
}

Test(decode, mpls_two_labels_to_ipv4)
{
	struct bytes b = { 0 };

	eth(&b, 0x8847);
	lse(&b, 16, false);
	lse(&b, 1048575, true);
	frame_ipv4(&b, 17, IP_A, IP_B, 8);
	frame_udp(&b, 1, 2, 0);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_MPLS, TP_PROTO_MPLS, TP_PROTO_IPV4,
			 TP_PROTO_UDP));
	cr_assert(frame_layer_is(&pkt, 2, TP_PROTO_MPLS, 18, 4));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_MPLS));
	cr_assert(eq(u8, pkt.nmpls, 2));
	cr_assert(eq(u32, pkt.mpls[0], 16));
	cr_assert(eq(u32, pkt.mpls[1], 1048575));
	cr_assert(eq(u8, pkt.ip_version, 4));
	cr_assert(eq(mem, MEM(pkt.src_ip, 4), MEM(V4_A, 4)));
	cr_assert(eq(u16, pkt.ethertype, 0x8847));
	bytes_free(&b);
}

Test(decode, mpls_ipv6_explicit_null)
{
	struct bytes b = { 0 };

	eth(&b, 0x8847);
	lse(&b, 2, true);
	bytes_put(&b, V6, 40);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_MPLS, TP_PROTO_IPV6));
	bytes_free(&b);
}

/*
 * An Ethernet pseudowire with a control word (RFC 4448 section 4.6) as in
 * the corpus' MplsPackets.pcap frame 2, where tshark says
 * "mpls:pwethheuristic:pwethcw:eth:ethertype:vlan": the EtherType after
 * the 4 control word bytes is a known one, the one without is not.
 */
Test(decode, mpls_ethernet_pseudowire_with_control_word)
{
	struct bytes b = { 0 };

	eth(&b, 0x8847);
	lse(&b, 18, false);
	lse(&b, 16, true);
	bytes_u32(&b, 0, BE);				/* control word */
	bytes_put(&b, "\xcc\x07\x0d\x08\x00\x00\xcc\x00\x0a\x64\x00\x00", 12);
	bytes_u16(&b, 0x8100, BE);
	frame_tag(&b, 10, 0x0800);
	frame_ipv4(&b, 253, IP_A, IP_B, 0);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_MPLS, TP_PROTO_MPLS, TP_PROTO_ETHERNET,
			 TP_PROTO_VLAN, TP_PROTO_IPV4));
	cr_assert(frame_layer_is(&pkt, 3, TP_PROTO_ETHERNET, 26, 14));
	cr_assert(eq(u8, pkt.src_mac[0], 0xcc));
	cr_assert(eq(u8, pkt.nvlans, 1));
	cr_assert(eq(u16, pkt.vlans[0], 10));
	bytes_free(&b);
}

Test(decode, mpls_ethernet_pseudowire_without_control_word)
{
	struct bytes b = { 0 };

	eth(&b, 0x8847);
	lse(&b, 100, true);
	eth(&b, 0x0800);	/* destination 00:1b:...: first nibble 0 */
	frame_ipv4(&b, 253, IP_A, IP_B, 0);
	decode_eth(&b);
	cr_assert(LAYERS(TP_PROTO_ETHERNET, TP_PROTO_MPLS, TP_PROTO_ETHERNET, TP_PROTO_IPV4));
	cr_assert(frame_layer_is(&pkt, 2, TP_PROTO_ETHERNET, 18, 14));
	bytes_free(&b);
}

Test(decode, mpls_more_labels_than_kept_is_too_deep)
{
	struct bytes b = { 0 };

	eth(&b, 0x8847);
	for (uint32_t i = 0; i < TP_MAX_MPLS; i++)
		lse(&b, 100 + i, false);
	lse(&b, 200, true);
	frame_ipv4(&b, 253, IP_A, IP_B, 0);
	decode_eth(&b);
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_TOO_DEEP));
	cr_assert(eq(u8, pkt.nmpls, TP_MAX_MPLS));
	cr_assert(eq(u32, pkt.mpls[TP_MAX_MPLS - 1], 100 + TP_MAX_MPLS - 1));
	cr_assert(eq(u8, pkt.nlayers, 1 + TP_MAX_MPLS));
	bytes_free(&b);
}

Test(decode, mpls_label_cut_by_the_snaplen)
{
	struct bytes b = { 0 };

	eth(&b, 0x8847);
	lse(&b, 16, true);
	frame_ipv4(&b, 253, IP_A, IP_B, 0);
	decode_as(&b, LINKTYPE_ETHERNET, 16, (uint32_t)b.len, -1);
	cr_assert(LAYERS(TP_PROTO_ETHERNET));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_MPLS));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	bytes_free(&b);
}

/* ---- limits and reuse ---- */

/*
 * Ethernet, 8 MPLS labels, IPv4, GRE to Ethernet, 8 VLAN tags, IPv4, GRE
 * to Ethernet, IPv4, UDP: 25 headers, one more than the layer table holds.
 */
Test(decode, more_layers_than_the_table_holds_is_too_deep)
{
	struct bytes b = { 0 };

	eth(&b, 0x8847);
	for (uint32_t i = 0; i < TP_MAX_MPLS; i++)
		lse(&b, 100 + i, i == TP_MAX_MPLS - 1);
	frame_ipv4(&b, 47, IP_A, IP_B, 4 + 14 + 4 * TP_MAX_VLANS + 20 + 4 + 14 + 20 + 8);
	bytes_put(&b, "\x00\x00\x65\x58", 4);
	eth(&b, 0x8100);
	for (uint16_t i = 1; i < TP_MAX_VLANS; i++)
		frame_tag(&b, i, 0x8100);
	frame_tag(&b, TP_MAX_VLANS, 0x0800);
	frame_ipv4(&b, 47, IP_A, IP_B, 4 + 14 + 20 + 8);
	bytes_put(&b, "\x00\x00\x65\x58", 4);
	eth(&b, 0x0800);
	frame_ipv4(&b, 17, IP_A, IP_B, 8);
	frame_udp(&b, 1, 2, 0);
	decode_eth(&b);
	cr_assert(eq(u8, pkt.nlayers, TP_MAX_LAYERS));
	cr_assert(eq(u8, pkt.layers[TP_MAX_LAYERS - 1].proto, TP_PROTO_IPV4));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_TOO_DEEP));
	bytes_free(&b);
}

Test(decode, a_reused_packet_keeps_nothing_of_the_last_frame)
{
	struct bytes deep = { 0 }, flat = { 0 };

	eth(&deep, 0x8100);
	frame_tag(&deep, 7, 0x8847);
	lse(&deep, 16, true);
	frame_ipv4(&deep, 17, IP_A, IP_B, 8);
	frame_udp(&deep, 1, 2, 0);
	decode_as(&deep, LINKTYPE_ETHERNET, (uint32_t)deep.len, (uint32_t)deep.len + 4, 4);
	bytes_put(&flat, "\x07\x00\x00\x00", 4);	/* a family with no decoder */
	decode_as(&flat, LINKTYPE_NULL, 4, 4, -1);
	cr_assert(LAYERS(TP_PROTO_NULL));
	cr_assert(eq(u32, pkt.flags, 0));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	cr_assert(eq(u8, pkt.nvlans, 0));
	cr_assert(eq(u8, pkt.nmpls, 0));
	cr_assert(not(pkt.has_mac));
	cr_assert(eq(u16, pkt.ethertype, 0));
	cr_assert(eq(u8, pkt.ip_version, 0));
	cr_assert(eq(u16, pkt.sport, 0));
	cr_assert(eq(u8, pkt.wscale, 0xff));
	cr_assert(eq(u32, pkt.wire_len, 4));
	bytes_free(&deep);
	bytes_free(&flat);
}

/* ---- names ---- */

Test(decode, names)
{
	cr_assert(same(tp_proto_name(TP_PROTO_ETHERNET), "ethernet"));
	cr_assert(same(tp_proto_name(TP_PROTO_ERSPAN), "erspan"));
	cr_assert(same(tp_proto_name(TP_PROTO_ICMPV6), "icmpv6"));
	cr_assert(same(tp_proto_name(TP_PROTO_COUNT), "unknown-0x14"));
	cr_assert(same(tp_encap_name(TP_ENCAP_NONE), ""));
	cr_assert(same(tp_encap_name(TP_ENCAP_ERSPAN2), "erspan2"));
	cr_assert(same(tp_encap_name(TP_ENCAP_IPIP), "ipip"));
	cr_assert(same(tp_encap_name((enum tp_encap)200), "unknown-0xc8"));
	cr_assert(same(tp_malformed_name(TP_MALFORMED_NONE), ""));
	cr_assert(same(tp_malformed_name(TP_MALFORMED_TOO_DEEP), "too deep"));
	cr_assert(same(tp_malformed_name(TP_MALFORMED_LINK), "bad link header"));
	cr_assert(same(tp_malformed_name(TP_MALFORMED_COUNT), "unknown-0x0d"));
}

Test(decode, every_name_is_known)
{
	for (int p = 0; p < TP_PROTO_COUNT; p++)
		cr_expect(strncmp(tp_proto_name((enum tp_proto)p), "unknown", 7) != 0, "proto %d", p);
	for (int e = 0; e < TP_ENCAP_COUNT; e++)
		cr_expect(strncmp(tp_encap_name((enum tp_encap)e), "unknown", 7) != 0, "encap %d", e);
	for (int m = 0; m < TP_MALFORMED_COUNT; m++)
		cr_expect(strncmp(tp_malformed_name((enum tp_malformed)m), "unknown", 7) != 0,
			  "malformed %d", m);
}
