/*
 * test_decode_ip.c - formats/decode_ip.c on hand-built frames: IPv4 header,
 * options, checksum, lengths and fragments (RFC 791), IPv6 extension header
 * chains and fragments (RFC 8200), IP in IP, and the Internet checksum
 * (RFC 1071) itself.
 *
 * Frames are spelled out field by field (tests/support/bytes.h) and decoded
 * through tp_decode(), as the analyser decodes them.  Expected checksums
 * come from the textbook RFC 1071 loop below, never from the code under
 * test; expected fields from the RFCs.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>

#include <string.h>

#include "formats/decode_internal.h"
#include "formats/packet.h"
#include "tests/support/bytes.h"
#include "tests/support/frames.h"
#include "tests/support/check.h"

#define BE	true

#define LT_ETHERNET	1
#define LT_RAW		101

#define ET_IPV4		0x0800
#define ET_IPV6		0x86dd

TestSuite(decode_ip);

static const uint8_t A4[4] = { 192, 168, 10, 1 };
static const uint8_t B4[4] = { 192, 168, 10, 200 };
static const uint8_t C4[4] = { 10, 1, 2, 3 };
static const uint8_t D4[4] = { 10, 9, 8, 7 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a };
static const uint8_t B6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b };
static const uint8_t F6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f };


static uint32_t ref_pseudo(bool v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			   uint32_t len)
{
	size_t n = v6 ? 16 : 4;

	return frame_sum(frame_sum(0, src, n), dst, n) + proto + (len >> 16) + (len & 0xffff);
}


/* ---- frame builders ---- */

struct ip4 {
	const uint8_t *src, *dst;
	uint8_t proto;
	uint16_t id, frag;		/* flags and offset word */
	const uint8_t *opts;
	size_t optlen;			/* a multiple of 4 */
	int total_delta;		/* added to the right total length */
	uint8_t ihl_override;		/* 0: from optlen; IHL 0 is written 0x10 */
	uint8_t version;		/* 0: 4 */
	bool bad_cksum;
};

static void eth(struct bytes *b, uint16_t type)
{
	static const uint8_t dst[6] = { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x02 };
	static const uint8_t src[6] = { 0x00, 0x0e, 0x8c, 0x00, 0x00, 0x01 };

	bytes_put(b, dst, 6);
	bytes_put(b, src, 6);
	bytes_u16(b, type, BE);
}

static void ipv4(struct bytes *b, const struct ip4 *h, const uint8_t *payload, size_t n)
{
	uint8_t hdr[60];
	size_t hlen = 20 + h->optlen;
	uint16_t total = (uint16_t)((int)(hlen + n) + h->total_delta);
	uint8_t ihl = h->ihl_override ? (h->ihl_override & 0x0f) : (uint8_t)(hlen / 4);

	hdr[0] = (uint8_t)((h->version ? h->version : 4) << 4 | ihl);
	hdr[1] = 0;
	hdr[2] = (uint8_t)(total >> 8);
	hdr[3] = (uint8_t)total;
	hdr[4] = (uint8_t)(h->id >> 8);
	hdr[5] = (uint8_t)h->id;
	hdr[6] = (uint8_t)(h->frag >> 8);
	hdr[7] = (uint8_t)h->frag;
	hdr[8] = 64;
	hdr[9] = h->proto;
	hdr[10] = hdr[11] = 0;
	memcpy(hdr + 12, h->src, 4);
	memcpy(hdr + 16, h->dst, 4);
	if (h->optlen)
		memcpy(hdr + 20, h->opts, h->optlen);
	uint16_t ck = (uint16_t)~frame_fold(frame_sum(0, hdr, hlen));
	if (h->bad_cksum)
		ck ^= 0x0101;
	hdr[10] = (uint8_t)(ck >> 8);
	hdr[11] = (uint8_t)ck;
	bytes_put(b, hdr, hlen);
	bytes_put(b, payload, n);
}

static void ipv6(struct bytes *b, uint8_t nh, const uint8_t *src, const uint8_t *dst,
		 const uint8_t *payload, size_t n, int plen_delta)
{
	bytes_u32(b, 0x60000000u, BE);
	bytes_u16(b, (uint16_t)((int)n + plen_delta), BE);
	bytes_u8(b, nh);
	bytes_u8(b, 255);
	bytes_put(b, src, 16);
	bytes_put(b, dst, 16);
	bytes_put(b, payload, n);
}

/* UDP with a right checksum over (v6, src, dst) and the given length field
 * (0: the right one). */
static void udp(struct bytes *b, bool v6, const uint8_t *src, const uint8_t *dst,
		uint16_t sport, uint16_t dport, const uint8_t *data, size_t n)
{
	size_t at = b->len;
	uint16_t len = (uint16_t)(8 + n);

	bytes_u16(b, sport, BE);
	bytes_u16(b, dport, BE);
	bytes_u16(b, len, BE);
	bytes_u16(b, 0, BE);
	bytes_put(b, data, n);
	uint16_t ck = (uint16_t)~frame_fold(frame_sum(ref_pseudo(v6, src, dst, 17, len), b->p + at,
						   b->len - at));
	if (ck == 0)
		ck = 0xffff;	/* RFC 768: a computed 0 is sent as all ones */
	b->p[at + 6] = (uint8_t)(ck >> 8);
	b->p[at + 7] = (uint8_t)ck;
}

/* TCP with options (a multiple of 4 bytes) and a right checksum. */
static void tcp(struct bytes *b, bool v6, const uint8_t *src, const uint8_t *dst,
		const uint8_t *opts, size_t optlen, const uint8_t *data, size_t n)
{
	size_t at = b->len;

	bytes_u16(b, 50000, BE);
	bytes_u16(b, 502, BE);		/* Modbus/TCP */
	bytes_u32(b, 1000, BE);
	bytes_u32(b, 2000, BE);
	bytes_u8(b, (uint8_t)((5 + optlen / 4) << 4));
	bytes_u8(b, 0x18);		/* PSH ACK */
	bytes_u16(b, 8192, BE);
	bytes_u16(b, 0, BE);
	bytes_u16(b, 0, BE);
	bytes_put(b, opts, optlen);
	bytes_put(b, data, n);
	uint16_t ck = (uint16_t)~frame_fold(frame_sum(ref_pseudo(v6, src, dst, 6,
							     (uint32_t)(b->len - at)),
						  b->p + at, b->len - at));
	b->p[at + 16] = (uint8_t)(ck >> 8);
	b->p[at + 17] = (uint8_t)ck;
}

static uint32_t decode_lens(struct tp_packet *pkt, uint16_t linktype, const struct bytes *b,
			    size_t caplen, size_t origlen)
{
	struct tp_record rec;

	memset(&rec, 0, sizeof rec);
	rec.data = b->p;
	rec.caplen = (uint32_t)caplen;
	rec.origlen = (uint32_t)origlen;
	rec.linktype = linktype;
	rec.fcs_len = 0;
	rec.frame = 1;
	return tp_decode(pkt, &rec);
}

/* The first caplen bytes of a frame of b->len bytes. */
static uint32_t decode_cut(struct tp_packet *pkt, uint16_t linktype, const struct bytes *b,
			   size_t caplen)
{
	return decode_lens(pkt, linktype, b, caplen, b->len);
}

static uint32_t decode(struct tp_packet *pkt, uint16_t linktype, const struct bytes *b)
{
	return decode_cut(pkt, linktype, b, b->len);
}

static const uint8_t DATA[12] = { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10 };	/* Modbus read */


/* ---- the checksum against the textbook loop ---- */

Test(decode_ip, sum_matches_rfc1071_loop_for_every_length_and_alignment)
{
	static uint8_t buf[2100];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;	/* deterministic bytes */
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t start = 0; start < 8; start++) {
		for (size_t n = 0; n <= 2048; n += (n < 80 ? 1 : 37)) {
			uint16_t want = frame_fold(frame_sum(0, buf + start, n));
			uint16_t got = decode_fold(decode_sum(0, buf + start, n));

			cr_assert(eq(u16, got, want), "start %zu, %zu bytes", start, n);
			/* a running sum carried in (a pseudo-header) */
			want = frame_fold(frame_sum(0x3fffd, buf + start, n));
			got = decode_fold(decode_sum(0x3fffd, buf + start, n));
			cr_assert(eq(u16, got, want), "start %zu, %zu bytes + sum", start, n);
		}
	}
}

Test(decode_ip, sum_of_all_ones_bytes_keeps_every_carry)
{
	static uint8_t ones[65536];

	memset(ones, 0xff, sizeof ones);
	/* every word 0xffff: the one's-complement sum stays 0xffff ("-0") */
	cr_assert(eq(u16, decode_fold(decode_sum(0, ones, sizeof ones)), 0xffff));
	cr_assert(eq(u16, decode_fold(decode_sum(0xffffffffu, ones, 65535)),
		     frame_fold(frame_sum(0xffff + 0xffff, ones, 65535))));
	cr_assert(eq(u16, decode_fold(decode_sum(0, ones, 0)), 0));
	cr_assert(eq(u16, decode_fold(0x1fffe), 0xffff));
}


/* ---- IPv4 ---- */

Test(decode_ip, ipv4_fields_from_an_ethernet_frame)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 17, .id = 0x1234, .frag = 0x4000 };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 47808, 47808, DATA, sizeof DATA);	/* BACnet/IP */
	eth(&f, ET_IPV4);
	ipv4(&f, &h, seg.p, seg.len);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.ip_version, 4));
	cr_assert(same_bytes(pkt.src_ip, (uint8_t[16]){ 192, 168, 10, 1 }, 16));
	cr_assert(same_bytes(pkt.dst_ip, (uint8_t[16]){ 192, 168, 10, 200 }, 16));
	cr_assert(eq(u8, pkt.ip_proto, 17));
	cr_assert(eq(u8, pkt.ttl, 64));
	cr_assert(eq(u16, pkt.ip_id, 0x1234));
	cr_assert(eq(u16, pkt.frag_offset, 0));
	cr_assert(not(pkt.more_fragments));	/* DF alone is no fragment */
	cr_assert(eq(u8, pkt.ip_cksum, TP_CKSUM_OK));
	cr_assert(eq(u32, pkt.ip_offset, 14));
	cr_assert(eq(u8, pkt.nlayers, 3));
	cr_assert(eq(u8, pkt.layers[1].proto, TP_PROTO_IPV4));
	cr_assert(eq(u32, pkt.layers[1].offset, 14));
	cr_assert(eq(u32, pkt.layers[1].len, 20));
	cr_assert(eq(u8, pkt.layers[2].proto, TP_PROTO_UDP));
	cr_assert(eq(u32, pkt.layers[2].offset, 34));
	cr_assert(eq(u16, pkt.sport, 47808));
	cr_assert(eq(u32, pkt.payload_len, sizeof DATA));
	cr_assert(eq(u32, pkt.payload_wire_len, sizeof DATA));
	cr_assert(eq(ptr, (void *)pkt.payload, f.p + 42));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ipv4_options_are_walked_and_counted_in_the_header)
{
	/* Record route (7, room for 2 addresses = 11 bytes), router alert
	 * (RFC 2113, 4 bytes), NOP, EOL: 16 bytes (RFC 791 3.1). */
	static const uint8_t opts[16] = { 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0,
					  148, 4, 0, 0, 1 };
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 6, .opts = opts, .optlen = sizeof opts };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, NULL, 0, DATA, sizeof DATA);
	eth(&f, ET_IPV4);
	ipv4(&f, &h, seg.p, seg.len);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_NONE));
	cr_assert(eq(u32, pkt.layers[1].len, 36));
	cr_assert(eq(u8, pkt.ip_cksum, TP_CKSUM_OK));
	cr_assert(eq(u32, pkt.layers[2].offset, 14 + 36));
	cr_assert(eq(u16, pkt.dport, 502));
	/* no source route: the pseudo-header destination is the header's */
	cr_assert(same_bytes(pkt.pseudo_dst, (uint8_t[4]){ 192, 168, 10, 200 }, 4));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ipv4_source_route_under_way_puts_final_hop_in_pseudo_header)
{
	/* LSRR (RFC 791 3.1) with 2 hops still to go: pointer 4 names the
	 * first; the sender put the final destination D4 last and computed
	 * the TCP checksum over it; the header's destination is the next
	 * router. */
	static const uint8_t opts[12] = { 131, 11, 4, 10, 1, 2, 3, 10, 9, 8, 7, 0 };
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 6, .opts = opts, .optlen = sizeof opts };
	struct tp_packet pkt;

	tcp(&seg, false, A4, D4, NULL, 0, DATA, sizeof DATA);
	ipv4(&f, &h, seg.p, seg.len);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(same_bytes(pkt.dst_ip, (uint8_t[4]){ 192, 168, 10, 200 }, 4));
	cr_assert(same_bytes(pkt.pseudo_dst, (uint8_t[4]){ 10, 9, 8, 7 }, 4));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ipv4_source_route_done_keeps_header_destination)
{
	/* pointer 12 > length 11: both hops were visited (RFC 791 3.1); the
	 * destination field now holds the final destination. */
	static const uint8_t opts[12] = { 137, 11, 12, 10, 1, 2, 3, 10, 9, 8, 7, 0 };
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 6, .opts = opts, .optlen = sizeof opts };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, NULL, 0, DATA, sizeof DATA);
	ipv4(&f, &h, seg.p, seg.len);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(same_bytes(pkt.pseudo_dst, (uint8_t[4]){ 192, 168, 10, 200 }, 4));
	bytes_free(&seg);
	bytes_free(&f);
}

struct option_case {
	char why[64];
	uint8_t opts[8];
};

ParameterizedTestParameters(decode_ip, ipv4_bad_option_length_is_malformed)
{
	static struct option_case cases[] = {
		{ "length 0", { 1, 68, 0, 0, 0, 0, 0, 0 } },
		{ "length 1", { 130, 1, 0, 0, 0, 0, 0, 0 } },
		{ "length past the header", { 1, 1, 68, 7, 1, 0, 0, 0 } },
		{ "type with no room for its length", { 1, 1, 1, 1, 1, 1, 1, 7 } },
	};

	return cr_make_param_array(struct option_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct option_case *k, decode_ip, ipv4_bad_option_length_is_malformed)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 17, .opts = k->opts, .optlen = 8 };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 20000, 2222, DATA, sizeof DATA);
	ipv4(&f, &h, seg.p, seg.len);
	uint32_t flags = decode(&pkt, LT_RAW, &f);
	cr_assert(eq(u32, flags, TP_PKT_MALFORMED | TP_PKT_L4_CKSUM_OK), "%s", k->why);
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_IP_OPTION), "%s", k->why);
	/* the IHL still says where the payload starts */
	cr_assert(eq(u16, pkt.dport, 2222), "%s", k->why);
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ipv4_bad_header_checksum)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 17, .bad_cksum = true };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 20000, 2222, DATA, sizeof DATA);
	ipv4(&f, &h, seg.p, seg.len);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_IP_CKSUM_BAD | TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.ip_cksum, TP_CKSUM_BAD));
	bytes_free(&seg);
	bytes_free(&f);
}

struct header_case {
	char why[72];
	uint8_t version, ihl;
	size_t optlen;
	int total_delta;
	size_t cut;			/* bytes captured of the IP packet, 0: all */
	uint32_t flags;			/* expected */
	uint8_t malformed, truncated_in;
	uint8_t ip_version;		/* expected: fields kept? */
	uint8_t nlayers;
};

ParameterizedTestParameters(decode_ip, ipv4_header_lengths)
{
	static struct header_case cases[] = {
		{ "IHL 4", 4, 4, 0, 0, 0, TP_PKT_MALFORMED, TP_MALFORMED_IP_HEADER_LEN, 0, 0, 0 },
		{ "IHL 0", 4, 0x10, 0, 0, 0, TP_PKT_MALFORMED, TP_MALFORMED_IP_HEADER_LEN, 0, 0, 0 },
		{ "version 5", 5, 5, 0, 0, 0, TP_PKT_MALFORMED, TP_MALFORMED_IP_VERSION, 0, 0, 0 },
		{ "total 19 cannot hold a header", 4, 0, 0, -(8 + 12 + 1), 0,
		  TP_PKT_MALFORMED, TP_MALFORMED_IP_TOTAL_LEN, 0, 4, 0 },
		{ "total 0 (TSO on the capturing host): the frame is the packet", 4, 0, 0,
		  -(20 + 8 + 12), 0, TP_PKT_MALFORMED | TP_PKT_L4_CKSUM_OK,
		  TP_MALFORMED_IP_TOTAL_LEN, 0, 4, 2 },
		{ "total 20 below IHL 6", 4, 0, 4, -(4 + 8 + 12), 0,
		  TP_PKT_MALFORMED, TP_MALFORMED_IP_HEADER_LEN, 0, 4, 0 },
		{ "header cut after 19 bytes", 4, 0, 0, 0, 19,
		  TP_PKT_TRUNCATED, 0, TP_PROTO_IPV4, 0, 0 },
		{ "header cut after 1 byte", 4, 0, 0, 0, 1,
		  TP_PKT_TRUNCATED, 0, TP_PROTO_IPV4, 0, 0 },
		{ "options cut", 4, 0, 8, 0, 24,
		  TP_PKT_TRUNCATED, 0, TP_PROTO_IPV4, 4, 0 },
		{ "UDP header cut", 4, 0, 0, 0, 25,
		  TP_PKT_TRUNCATED, 0, TP_PROTO_UDP, 4, 1 },
		{ "UDP payload cut: not a header, no checksum", 4, 0, 0, 0, 30,
		  0, 0, 0, 4, 2 },
		{ "whole", 4, 0, 0, 0, 0, TP_PKT_L4_CKSUM_OK, 0, 0, 4, 2 },
	};

	return cr_make_param_array(struct header_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct header_case *k, decode_ip, ipv4_header_lengths)
{
	static const uint8_t nops[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 17, .opts = nops, .optlen = k->optlen,
			 .total_delta = k->total_delta, .ihl_override = k->ihl,
			 .version = k->version };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 20000, 2222, DATA, sizeof DATA);
	ipv4(&f, &h, seg.p, seg.len);
	decode_cut(&pkt, LT_RAW, &f, k->cut ? k->cut : f.len);
	cr_assert(eq(u32, pkt.flags, k->flags), "%s", k->why);
	cr_assert(eq(u8, pkt.malformed, k->malformed), "%s", k->why);
	cr_assert(eq(u8, pkt.truncated_in, k->truncated_in), "%s", k->why);
	cr_assert(eq(u8, pkt.ip_version, k->ip_version), "%s", k->why);
	cr_assert(eq(u8, pkt.nlayers, k->nlayers), "%s", k->why);
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ipv4_total_length_beyond_capture_keeps_wire_lengths)
{
	/* A 1400-byte datagram cut to 64 bytes by the snaplen. */
	static uint8_t data[1372];
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 17 };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 20000, 2222, data, sizeof data);
	eth(&f, ET_IPV4);
	ipv4(&f, &h, seg.p, seg.len);
	cr_assert(eq(u32, decode_cut(&pkt, LT_ETHERNET, &f, 64), 0));
	cr_assert(eq(u32, pkt.payload_len, 64 - 42));
	cr_assert(eq(u32, pkt.payload_wire_len, 1372));
	cr_assert(eq(u8, pkt.l4_cksum, TP_CKSUM_UNCHECKED));
	cr_assert(eq(u8, pkt.ip_cksum, TP_CKSUM_OK));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ethernet_padding_is_not_payload)
{
	/* 4 bytes of UDP data: the frame is padded to 60 bytes with bytes
	 * that would spoil the checksum if they were summed. */
	static const uint8_t data[4] = { 0xde, 0xad, 0xbe, 0xef };
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 17 };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 20000, 2222, data, sizeof data);
	eth(&f, ET_IPV4);
	ipv4(&f, &h, seg.p, seg.len);
	while (f.len < 60)
		bytes_u8(&f, 0xaa);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u32, pkt.payload_len, 4));
	cr_assert(eq(u32, pkt.payload_wire_len, 4));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ipv6_trailer_is_not_payload)
{
	static const uint8_t data[2] = { 0x12, 0x34 };
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	udp(&seg, true, A6, B6, 319, 319, data, sizeof data);	/* PTP event */
	eth(&f, ET_IPV6);
	ipv6(&f, 17, A6, B6, seg.p, seg.len, 0);
	bytes_u32(&f, 0xaaaaaaaau, BE);	/* a trailer, e.g. a switch timestamp */
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u32, pkt.payload_len, 2));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ipv4_first_fragment_has_the_transport_header)
{
	/* 1480 of a 3000-byte UDP datagram: the UDP length covers the whole
	 * datagram, which is legal in the first fragment. */
	static uint8_t data[1472];
	struct bytes f = { 0 }, seg = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 17, .id = 7, .frag = 0x2000 };
	struct tp_packet pkt;

	bytes_u16(&seg, 20000, BE);
	bytes_u16(&seg, 2222, BE);
	bytes_u16(&seg, 3000, BE);
	bytes_u16(&seg, 0x1234, BE);
	bytes_put(&seg, data, sizeof data);
	ipv4(&f, &h, seg.p, seg.len);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_FRAGMENT));
	cr_assert(pkt.more_fragments);
	cr_assert(eq(u16, pkt.frag_offset, 0));
	cr_assert(eq(u16, pkt.sport, 20000));
	cr_assert(eq(u16, pkt.dport, 2222));
	cr_assert(eq(u8, pkt.l4_cksum, TP_CKSUM_UNCHECKED));
	cr_assert(eq(u32, pkt.payload_len, 1472));
	cr_assert(eq(u8, pkt.nlayers, 2));
	bytes_free(&seg);
	bytes_free(&f);
}

struct frag_case {
	char why[48];
	uint16_t frag;
	bool mf;
	uint16_t offset;
};

ParameterizedTestParameters(decode_ip, ipv4_later_fragment_has_no_transport_header)
{
	static struct frag_case cases[] = {
		{ "middle fragment", 0x2000 | 185, true, 1480 },
		{ "last fragment", 370, false, 2960 },
		{ "largest offset", 0x1fff, false, 65528 },
	};

	return cr_make_param_array(struct frag_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct frag_case *k, decode_ip, ipv4_later_fragment_has_no_transport_header)
{
	/* Bytes that would read as a UDP header with ports 0x1111. */
	static uint8_t data[40];
	struct bytes f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 17, .id = 7, .frag = k->frag };
	struct tp_packet pkt;

	memset(data, 0x11, sizeof data);
	ipv4(&f, &h, data, sizeof data);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_FRAGMENT), "%s", k->why);
	cr_assert(eq(u8, pkt.more_fragments, k->mf), "%s", k->why);
	cr_assert(eq(u16, pkt.frag_offset, k->offset), "%s", k->why);
	cr_assert(eq(u8, pkt.ip_proto, 17), "%s", k->why);
	cr_assert(eq(u16, pkt.sport, 0), "%s", k->why);
	cr_assert(eq(u8, pkt.nlayers, 1), "%s", k->why);
	cr_assert(eq(u32, pkt.payload_len, 40), "%s", k->why);
	cr_assert(eq(u32, pkt.payload_wire_len, 40), "%s", k->why);
	cr_assert(eq(ptr, (void *)pkt.payload, f.p + 20), "%s", k->why);
	bytes_free(&f);
}


/* ---- IPv6 ---- */

/* Generic extension header (RFC 8200 4.3): next, length in 8-byte units
 * beyond the first, then PadN to fill. */
static void ext(struct bytes *b, uint8_t next, uint8_t units)
{
	size_t fill = (size_t)units * 8 + 6;

	bytes_u8(b, next);
	bytes_u8(b, units);
	bytes_u8(b, 1);			/* PadN (RFC 8200 4.2) */
	bytes_u8(b, (uint8_t)(fill - 2));
	bytes_zeros(b, fill - 2);
}

static void frag6(struct bytes *b, uint8_t next, uint16_t offset, bool m, uint32_t id)
{
	bytes_u8(b, next);
	bytes_u8(b, 0);
	bytes_u16(b, (uint16_t)(offset | (m ? 1 : 0)), BE);
	bytes_u32(b, id, BE);
}

/* Routing header type 2 (RFC 6275 6.4) carrying one address. */
static void rh2(struct bytes *b, uint8_t next, uint8_t segments_left, const uint8_t *addr)
{
	bytes_u8(b, next);
	bytes_u8(b, 2);
	bytes_u8(b, 2);
	bytes_u8(b, segments_left);
	bytes_zeros(b, 4);
	bytes_put(b, addr, 16);
}

Test(decode_ip, ipv6_extension_chain_to_tcp)
{
	struct bytes pay = { 0 }, f = { 0 };
	struct tp_packet pkt;

	ext(&pay, 43, 0);			/* hop-by-hop, 8 bytes */
	rh2(&pay, 60, 0, F6);			/* routing, done: 24 bytes */
	ext(&pay, 51, 1);			/* destination options, 16 bytes */
	/* AH (RFC 4302 2.2): length 4 = 6 words - 2, so 24 bytes */
	bytes_u8(&pay, 6);
	bytes_u8(&pay, 4);
	bytes_zeros(&pay, 22);
	tcp(&pay, true, A6, B6, NULL, 0, DATA, sizeof DATA);
	eth(&f, ET_IPV6);
	ipv6(&f, 0, A6, B6, pay.p, pay.len, 0);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.ip_version, 6));
	cr_assert(same_bytes(pkt.src_ip, A6, 16));
	cr_assert(same_bytes(pkt.dst_ip, B6, 16));
	cr_assert(same_bytes(pkt.pseudo_dst, B6, 16));
	cr_assert(eq(u8, pkt.ttl, 255));
	cr_assert(eq(u8, pkt.ip_proto, 6));
	cr_assert(eq(u8, pkt.nlayers, 7));
	cr_assert(eq(u8, pkt.layers[1].proto, TP_PROTO_IPV6));
	cr_assert(eq(u8, pkt.layers[2].proto, TP_PROTO_IPV6_EXT));
	cr_assert(eq(u32, pkt.layers[2].len, 8));
	cr_assert(eq(u32, pkt.layers[3].len, 24));
	cr_assert(eq(u32, pkt.layers[4].len, 16));
	cr_assert(eq(u32, pkt.layers[5].len, 24));
	cr_assert(eq(u8, pkt.layers[6].proto, TP_PROTO_TCP));
	cr_assert(eq(u32, pkt.layers[6].offset, 14 + 40 + 72));
	cr_assert(eq(u16, pkt.dport, 502));
	bytes_free(&pay);
	bytes_free(&f);
}

Test(decode_ip, ipv6_routing_header_under_way_puts_final_hop_in_pseudo_header)
{
	/* RFC 8200 8.1: with segments left the checksum is over the final
	 * destination, the last address of the routing header. */
	struct bytes pay = { 0 }, f = { 0 }, seg = { 0 };
	struct tp_packet pkt;

	rh2(&pay, 17, 1, F6);
	udp(&seg, true, A6, F6, 20000, 2222, DATA, sizeof DATA);
	bytes_put(&pay, seg.p, seg.len);
	ipv6(&f, 43, A6, B6, pay.p, pay.len, 0);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(same_bytes(pkt.dst_ip, B6, 16));
	cr_assert(same_bytes(pkt.pseudo_dst, F6, 16));
	bytes_free(&seg);
	bytes_free(&pay);
	bytes_free(&f);
}

Test(decode_ip, ipv6_segment_routing_header_final_segment_is_list_0)
{
	/* RFC 8754 2: Segment List[0] is the last segment. */
	struct bytes pay = { 0 }, f = { 0 }, seg = { 0 };
	struct tp_packet pkt;

	bytes_u8(&pay, 17);
	bytes_u8(&pay, 4);		/* two segments: 8 + 32 bytes */
	bytes_u8(&pay, 4);		/* type 4 */
	bytes_u8(&pay, 1);		/* segments left */
	bytes_u8(&pay, 1);		/* last entry */
	bytes_zeros(&pay, 3);
	bytes_put(&pay, F6, 16);
	bytes_put(&pay, B6, 16);
	udp(&seg, true, A6, F6, 20000, 2222, DATA, sizeof DATA);
	bytes_put(&pay, seg.p, seg.len);
	ipv6(&f, 43, A6, B6, pay.p, pay.len, 0);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(same_bytes(pkt.pseudo_dst, F6, 16));
	bytes_free(&seg);
	bytes_free(&pay);
	bytes_free(&f);
}

Test(decode_ip, ipv6_first_fragment_goes_on_later_fragment_stops)
{
	struct bytes pay = { 0 }, f = { 0 };
	struct tp_packet pkt;

	ext(&pay, 44, 0);
	frag6(&pay, 17, 0, true, 0xcafe0001u);
	bytes_u16(&pay, 20000, BE);
	bytes_u16(&pay, 2222, BE);
	bytes_u16(&pay, 3000, BE);
	bytes_u16(&pay, 0x5555, BE);
	bytes_zeros(&pay, 64);
	ipv6(&f, 0, A6, B6, pay.p, pay.len, 0);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_FRAGMENT));
	cr_assert(eq(u32, pkt.frag_id, 0xcafe0001u));
	cr_assert(eq(u16, pkt.frag_offset, 0));
	cr_assert(pkt.more_fragments);
	cr_assert(eq(u8, pkt.ip_proto, 17));
	cr_assert(eq(u16, pkt.dport, 2222));
	cr_assert(eq(u8, pkt.l4_cksum, TP_CKSUM_UNCHECKED));
	cr_assert(eq(u8, pkt.nlayers, 4));
	bytes_free(&pay);
	bytes_free(&f);

	/* the next fragment: 1448 bytes on, no UDP header */
	struct bytes pay2 = { 0 }, f2 = { 0 };

	frag6(&pay2, 17, 1448, false, 0xcafe0001u);
	bytes_zeros(&pay2, 24);
	ipv6(&f2, 44, A6, B6, pay2.p, pay2.len, 0);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f2), TP_PKT_FRAGMENT));
	cr_assert(eq(u16, pkt.frag_offset, 1448));
	cr_assert(not(pkt.more_fragments));
	cr_assert(eq(u8, pkt.ip_proto, 17));
	cr_assert(eq(u16, pkt.dport, 0));
	cr_assert(eq(u8, pkt.nlayers, 2));
	cr_assert(eq(u32, pkt.payload_len, 24));
	cr_assert(eq(ptr, (void *)pkt.payload, f2.p + 48));
	bytes_free(&pay2);
	bytes_free(&f2);
}

Test(decode_ip, ipv6_atomic_fragment_is_no_fragment)
{
	/* RFC 6946: offset 0 and M 0 is a whole packet. */
	struct bytes pay = { 0 }, f = { 0 }, seg = { 0 };
	struct tp_packet pkt;

	frag6(&pay, 17, 0, false, 99);
	udp(&seg, true, A6, B6, 20000, 2222, DATA, sizeof DATA);
	bytes_put(&pay, seg.p, seg.len);
	ipv6(&f, 44, A6, B6, pay.p, pay.len, 0);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u32, pkt.frag_id, 99));
	bytes_free(&seg);
	bytes_free(&pay);
	bytes_free(&f);
}

struct chain_case {
	char why[64];
	int headers;			/* destination options headers */
	uint32_t flags;
	uint8_t malformed;
	uint8_t ip_proto;
};

ParameterizedTestParameters(decode_ip, ipv6_extension_headers_are_bounded)
{
	static struct chain_case cases[] = {
		{ "8 headers", 8, TP_PKT_L4_CKSUM_OK, 0, 17 },
		{ "9 headers", 9, TP_PKT_MALFORMED, TP_MALFORMED_TOO_DEEP, 60 },
		{ "20 headers", 20, TP_PKT_MALFORMED, TP_MALFORMED_TOO_DEEP, 60 },
	};

	return cr_make_param_array(struct chain_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct chain_case *k, decode_ip, ipv6_extension_headers_are_bounded)
{
	struct bytes pay = { 0 }, f = { 0 }, seg = { 0 };
	struct tp_packet pkt;

	for (int i = 0; i < k->headers; i++)
		ext(&pay, i + 1 < k->headers ? 60 : 17, 0);
	udp(&seg, true, A6, B6, 20000, 2222, DATA, sizeof DATA);
	bytes_put(&pay, seg.p, seg.len);
	ipv6(&f, 60, A6, B6, pay.p, pay.len, 0);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), k->flags), "%s", k->why);
	cr_assert(eq(u8, pkt.malformed, k->malformed), "%s", k->why);
	bytes_free(&seg);
	bytes_free(&pay);
	bytes_free(&f);
}

struct ext_len_case {
	char why[64];
	int plen_delta;
	size_t cut;			/* of the IPv6 packet; 0 = all */
	uint32_t flags;
	uint8_t malformed, truncated_in;
};

ParameterizedTestParameters(decode_ip, ipv6_extension_header_lengths)
{
	static struct ext_len_case cases[] = {
		/* payload: 8 + 16 (destination options) + 20 (UDP) */
		{ "fits", 0, 0, TP_PKT_L4_CKSUM_OK, 0, 0 },
		{ "payload length ends inside the second header", -21, 0,
		  TP_PKT_MALFORMED, TP_MALFORMED_IPV6_EXT, 0 },
		{ "payload length shorter than any header", -41, 0,
		  TP_PKT_MALFORMED, TP_MALFORMED_IPV6_EXT, 0 },
		{ "payload length 0, no jumbo option", -44, 0,
		  TP_PKT_MALFORMED, TP_MALFORMED_IPV6_EXT, 0 },
		{ "capture ends inside the second header", 0, 40 + 8 + 9,
		  TP_PKT_TRUNCATED, 0, TP_PROTO_IPV6_EXT },
		{ "capture ends after one byte of it", 0, 40 + 8 + 1,
		  TP_PKT_TRUNCATED, 0, TP_PROTO_IPV6_EXT },
		{ "fixed header cut", 0, 39, TP_PKT_TRUNCATED, 0, TP_PROTO_IPV6 },
	};

	return cr_make_param_array(struct ext_len_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct ext_len_case *k, decode_ip, ipv6_extension_header_lengths)
{
	static const uint8_t data[12] = { 0 };
	struct bytes pay = { 0 }, f = { 0 }, seg = { 0 };
	struct tp_packet pkt;

	ext(&pay, 60, 0);
	ext(&pay, 17, 1);
	udp(&seg, true, A6, B6, 20000, 2222, data, sizeof data);
	bytes_put(&pay, seg.p, seg.len);
	/* destination options first: a payload length of 0 is no jumbogram */
	ipv6(&f, 60, A6, B6, pay.p, pay.len, k->plen_delta);
	decode_cut(&pkt, LT_RAW, &f, k->cut ? k->cut : f.len);
	cr_assert(eq(u32, pkt.flags, k->flags), "%s", k->why);
	cr_assert(eq(u8, pkt.malformed, k->malformed), "%s", k->why);
	cr_assert(eq(u8, pkt.truncated_in, k->truncated_in), "%s", k->why);
	bytes_free(&seg);
	bytes_free(&pay);
	bytes_free(&f);
}

Test(decode_ip, ipv6_jumbogram_takes_the_captured_length)
{
	/* RFC 2675: payload length 0 and a hop-by-hop header (Jumbo Payload
	 * option 0xC2, 4-byte length) */
	struct bytes pay = { 0 }, f = { 0 }, seg = { 0 };
	struct tp_packet pkt;

	bytes_u8(&pay, 17);
	bytes_u8(&pay, 0);
	bytes_u8(&pay, 0xc2);
	bytes_u8(&pay, 4);
	bytes_u32(&pay, 8 + 20, BE);
	udp(&seg, true, A6, B6, 20000, 2222, DATA, sizeof DATA);
	bytes_put(&pay, seg.p, seg.len);
	ipv6(&f, 0, A6, B6, pay.p, pay.len, -(int)pay.len);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u16, pkt.dport, 2222));
	bytes_free(&seg);
	bytes_free(&pay);
	bytes_free(&f);
}

Test(decode_ip, esp_and_no_next_header_end_the_chain)
{
	static const uint8_t esp[16] = { 0, 0, 1, 0, 0, 0, 0, 1 };
	struct bytes pay = { 0 }, f = { 0 };
	struct tp_packet pkt;

	ext(&pay, 50, 0);
	bytes_put(&pay, esp, sizeof esp);
	ipv6(&f, 60, A6, B6, pay.p, pay.len, 0);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), 0));
	cr_assert(eq(u8, pkt.ip_proto, 50));
	cr_assert(eq(u8, pkt.nlayers, 2));
	cr_assert(eq(u32, pkt.payload_len, 16));
	bytes_free(&pay);
	bytes_free(&f);

	struct bytes f2 = { 0 };
	ipv6(&f2, 59, A6, B6, esp, sizeof esp, 0);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f2), 0));
	cr_assert(eq(u8, pkt.ip_proto, 59));
	cr_assert(eq(u8, pkt.nlayers, 1));
	bytes_free(&f2);
}

Test(decode_ip, version_contradicting_the_ethertype_is_malformed)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 17 };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 20000, 2222, DATA, sizeof DATA);
	eth(&f, ET_IPV6);
	ipv4(&f, &h, seg.p, seg.len);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_IP_VERSION));
	cr_assert(eq(u8, pkt.ip_version, 0));
	bytes_free(&seg);
	bytes_free(&f);
}


/* ---- IP in IP ---- */

Test(decode_ip, ipv4_in_ipv4_describes_the_inner_packet)
{
	struct bytes seg = { 0 }, inner = { 0 }, f = { 0 };
	struct ip4 in = { .src = C4, .dst = D4, .proto = 17, .id = 2 };
	struct ip4 out = { .src = A4, .dst = B4, .proto = 4, .id = 1 };
	struct tp_packet pkt;

	udp(&seg, false, C4, D4, 20000, 20000, DATA, sizeof DATA);
	ipv4(&inner, &in, seg.p, seg.len);
	eth(&f, ET_IPV4);
	ipv4(&f, &out, inner.p, inner.len);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_IPIP));
	cr_assert(same_bytes(pkt.src_ip, (uint8_t[4]){ 10, 1, 2, 3 }, 4));
	cr_assert(same_bytes(pkt.dst_ip, (uint8_t[4]){ 10, 9, 8, 7 }, 4));
	cr_assert(eq(u16, pkt.ip_id, 2));
	cr_assert(eq(u32, pkt.ip_offset, 34));
	cr_assert(eq(u8, pkt.nlayers, 4));
	cr_assert(eq(u8, pkt.layers[2].proto, TP_PROTO_IPV4));
	bytes_free(&seg);
	bytes_free(&inner);
	bytes_free(&f);
}

Test(decode_ip, ipv6_in_ipv4_and_a_cut_inner_header)
{
	struct bytes seg = { 0 }, inner = { 0 }, f = { 0 };
	struct ip4 out = { .src = A4, .dst = B4, .proto = 41 };
	struct tp_packet pkt;

	udp(&seg, true, A6, B6, 20000, 2222, DATA, sizeof DATA);
	ipv6(&inner, 17, A6, B6, seg.p, seg.len, 0);
	ipv4(&f, &out, inner.p, inner.len);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_IPIP));
	cr_assert(eq(u8, pkt.ip_version, 6));
	cr_assert(same_bytes(pkt.src_ip, A6, 16));
	cr_assert(eq(u16, pkt.dport, 2222));

	/* cut inside the inner header: no IP packet is described */
	cr_assert(eq(u32, decode_cut(&pkt, LT_RAW, &f, 20 + 30), TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_IPV6));
	cr_assert(eq(u8, pkt.ip_version, 0));
	bytes_free(&seg);
	bytes_free(&inner);
	bytes_free(&f);
}

Test(decode_ip, ipv4_total_length_beyond_a_whole_frame_is_malformed)
{
	/* The frame was captured whole, yet the IP header claims 10 more
	 * bytes: the packet was short on the wire.  The transport is judged
	 * on the bytes there. */
	struct bytes seg = { 0 }, f = { 0 };
	struct ip4 h = { .src = A4, .dst = B4, .proto = 6, .total_delta = 10 };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, NULL, 0, DATA, sizeof DATA);
	eth(&f, ET_IPV4);
	ipv4(&f, &h, seg.p, seg.len);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_MALFORMED | TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_IP_TOTAL_LEN));
	cr_assert(eq(u32, pkt.payload_wire_len, sizeof DATA));

	/* the same bytes as the start of a longer frame cut by the snaplen */
	cr_assert(eq(u32, decode_lens(&pkt, LT_ETHERNET, &f, f.len, f.len + 10), 0));
	cr_assert(eq(u32, pkt.payload_wire_len, sizeof DATA + 10));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ipv6_payload_length_beyond_a_whole_frame_is_malformed)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	udp(&seg, true, A6, B6, 20000, 2222, DATA, sizeof DATA);
	ipv6(&f, 17, A6, B6, seg.p, seg.len, 4);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_MALFORMED | TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_IP_TOTAL_LEN));
	/* cut by the snaplen: no fault, and the datagram (its UDP length) is
	 * all here */
	cr_assert(eq(u32, decode_lens(&pkt, LT_RAW, &f, f.len, f.len + 4), TP_PKT_L4_CKSUM_OK));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_ip, ip_in_ip_with_the_wrong_inner_version_stays_the_outer_packet)
{
	/* protocol 4 says IPv4, the inner header says 6: the tunnel is not
	 * entered and the outer addresses stay (they are the evidence). */
	struct bytes seg = { 0 }, inner = { 0 }, f = { 0 };
	struct ip4 out = { .src = A4, .dst = B4, .proto = 4 };
	struct tp_packet pkt;

	udp(&seg, true, A6, B6, 20000, 2222, DATA, sizeof DATA);
	ipv6(&inner, 17, A6, B6, seg.p, seg.len, 0);
	ipv4(&f, &out, inner.p, inner.len);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_IP_VERSION));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_NONE));
	cr_assert(eq(u8, pkt.ip_version, 4));
	cr_assert(same_bytes(pkt.src_ip, A4, 4));
	cr_assert(eq(u8, pkt.ip_proto, 4));
	cr_assert(eq(u32, pkt.payload_len, inner.len));

	/* nothing of the inner header captured: truncated, still outer */
	cr_assert(eq(u32, decode_cut(&pkt, LT_RAW, &f, 20), TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_IPV4));
	cr_assert(eq(u8, pkt.ip_version, 4));
	bytes_free(&seg);
	bytes_free(&inner);
	bytes_free(&f);
}


/* ---- every cut of an Ethernet / IPv6 / extension headers / UDP frame ---- */

Test(decode_ip, every_cut_of_an_ipv6_udp_frame_names_the_cut_layer)
{
	static const uint8_t data[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct bytes pay = { 0 }, f = { 0 }, seg = { 0 };
	struct tp_packet pkt;

	ext(&pay, 44, 1);			/* hop-by-hop, 16 bytes */
	frag6(&pay, 60, 0, false, 1);		/* atomic fragment, 8 bytes */
	ext(&pay, 17, 0);			/* destination options, 8 bytes */
	udp(&seg, true, A6, B6, 20000, 2222, data, sizeof data);
	bytes_put(&pay, seg.p, seg.len);
	eth(&f, ET_IPV6);
	ipv6(&f, 0, A6, B6, pay.p, pay.len, 0);

	/* layer ends: Ethernet 14, IPv6 54, extensions 70, 78, 86, UDP 94 */
	static const struct {
		size_t end;
		uint8_t proto;
	} ends[] = {
		{ 14, TP_PROTO_ETHERNET }, { 54, TP_PROTO_IPV6 }, { 70, TP_PROTO_IPV6_EXT },
		{ 78, TP_PROTO_IPV6_EXT }, { 86, TP_PROTO_IPV6_EXT }, { 94, TP_PROTO_UDP },
	};
	size_t e = 0;

	cr_assert(eq(sz, f.len, 104));
	for (size_t cut = 0; cut <= f.len; cut++) {
		while (e < 6 && cut >= ends[e].end)
			e++;
		decode_cut(&pkt, LT_ETHERNET, &f, cut);
		cr_assert(eq(u8, pkt.truncated_in, e < 6 ? ends[e].proto : TP_PROTO_NONE),
			  "cut at %zu", cut);
		cr_assert(eq(u32, pkt.flags & (TP_PKT_TRUNCATED | TP_PKT_MALFORMED),
			     e < 6 ? TP_PKT_TRUNCATED : 0), "cut at %zu", cut);
		cr_assert(eq(u8, pkt.nlayers, (uint8_t)e), "cut at %zu", cut);
		cr_assert(eq(u8, pkt.l4_cksum, cut == f.len ? TP_CKSUM_OK : TP_CKSUM_UNCHECKED),
			  "cut at %zu", cut);
		cr_assert(eq(u32, pkt.payload_len, e < 6 ? 0 : (uint32_t)(cut - 94)),
			  "cut at %zu", cut);
	}
	bytes_free(&seg);
	bytes_free(&pay);
	bytes_free(&f);
}
