/*
 * test_decode_transport.c - formats/decode_transport.c on hand-built frames:
 * TCP header and options (RFC 9293, RFC 7323, RFC 2018), UDP lengths and
 * checksums (RFC 768), the tunnel ports, ICMP and ICMPv6 (RFC 792,
 * RFC 4443) with their quoted headers.
 *
 * Frames are spelled out field by field (tests/support/bytes.h) and decoded
 * through tp_decode().  Expected checksums come from the textbook RFC 1071
 * loop below, never from the code under test.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>

#include <string.h>

#include "formats/packet.h"
#include "tests/support/bytes.h"
#include "tests/support/frames.h"
#include "tests/support/check.h"

#define BE	true

#define LT_ETHERNET	1
#define LT_RAW		101

#define ET_IPV4		0x0800
#define ET_IPV6		0x86dd

TestSuite(decode_transport);

static const uint8_t A4[4] = { 192, 168, 10, 1 };	/* HMI */
static const uint8_t B4[4] = { 192, 168, 10, 200 };	/* PLC */
static const uint8_t R4[4] = { 192, 168, 10, 254 };	/* router */
static const uint8_t O4[4] = { 172, 16, 0, 1 };		/* tunnel ends */
static const uint8_t P4[4] = { 172, 16, 0, 2 };
static const uint8_t A6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a };
static const uint8_t B6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b };
static const uint8_t R6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe };

static const uint8_t DATA[12] = { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10 };	/* Modbus read */


static uint32_t ref_pseudo(bool v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			   uint32_t len)
{
	size_t n = v6 ? 16 : 4;

	return frame_sum(frame_sum(0, src, n), dst, n) + proto + (len >> 16) + (len & 0xffff);
}

/* Writes the checksum at seg[at] so that seg sums right with the pseudo-
 * header (proto 0: none, as for ICMPv4). */
static void set_cksum(struct bytes *b, size_t start, size_t at, bool v6, const uint8_t *src,
		      const uint8_t *dst, uint8_t proto)
{
	uint32_t sum = proto ? ref_pseudo(v6, src, dst, proto, (uint32_t)(b->len - start)) : 0;

	b->p[at] = b->p[at + 1] = 0;
	uint16_t ck = (uint16_t)~frame_fold(frame_sum(sum, b->p + start, b->len - start));
	b->p[at] = (uint8_t)(ck >> 8);
	b->p[at + 1] = (uint8_t)ck;
}


/* ---- frame builders ---- */

static void eth(struct bytes *b, uint16_t type)
{
	static const uint8_t mac[12] = { 0x00, 0x1b, 0x1b, 0, 0, 2, 0x00, 0x0e, 0x8c, 0, 0, 1 };

	bytes_put(b, mac, 12);
	bytes_u16(b, type, BE);
}

/* IPv4 with n bytes of options (a multiple of 4) and flags/offset word. */
static void ipv4(struct bytes *b, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		 uint16_t frag, const uint8_t *opts, size_t optlen, const uint8_t *payload,
		 size_t n)
{
	size_t start = b->len, hlen = 20 + optlen;

	bytes_u8(b, (uint8_t)(0x40 | hlen / 4));
	bytes_u8(b, 0);
	bytes_u16(b, (uint16_t)(hlen + n), BE);
	bytes_u16(b, 0x4242, BE);
	bytes_u16(b, frag, BE);
	bytes_u8(b, 64);
	bytes_u8(b, proto);
	bytes_u16(b, 0, BE);
	bytes_put(b, src, 4);
	bytes_put(b, dst, 4);
	bytes_put(b, opts, optlen);
	uint16_t ck = (uint16_t)~frame_fold(frame_sum(0, b->p + start, hlen));
	b->p[start + 10] = (uint8_t)(ck >> 8);
	b->p[start + 11] = (uint8_t)ck;
	bytes_put(b, payload, n);
}

static void ipv6(struct bytes *b, uint8_t nh, const uint8_t *src, const uint8_t *dst,
		 const uint8_t *payload, size_t n)
{
	bytes_u32(b, 0x60000000u, BE);
	bytes_u16(b, (uint16_t)n, BE);
	bytes_u8(b, nh);
	bytes_u8(b, 64);
	bytes_put(b, src, 16);
	bytes_put(b, dst, 16);
	bytes_put(b, payload, n);
}

/* An IP packet of either version around a payload. */
static void ip(struct bytes *b, bool v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	       const struct bytes *payload)
{
	if (v6)
		ipv6(b, proto, src, dst, payload->p, payload->len);
	else
		ipv4(b, src, dst, proto, 0, NULL, 0, payload->p, payload->len);
}

struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint8_t doff;			/* 0: from optlen */
	const uint8_t *opts;
	size_t optlen;
};

/* TCP with a right checksum over (v6, src, dst). */
static void tcp(struct bytes *b, bool v6, const uint8_t *src, const uint8_t *dst,
		const struct tcp_hdr *t, const uint8_t *data, size_t n)
{
	size_t at = b->len;

	bytes_u16(b, t->sport, BE);
	bytes_u16(b, t->dport, BE);
	bytes_u32(b, t->seq, BE);
	bytes_u32(b, t->ack, BE);
	bytes_u8(b, (uint8_t)((t->doff ? t->doff : 5 + t->optlen / 4) << 4));
	bytes_u8(b, t->flags);
	bytes_u16(b, t->window, BE);
	bytes_u16(b, 0, BE);
	bytes_u16(b, 0, BE);
	bytes_put(b, t->opts, t->optlen);
	bytes_put(b, data, n);
	set_cksum(b, at, at + 16, v6, src, dst, 6);
}

static const struct tcp_hdr PSH_ACK = { 50000, 502, 1000, 2000, 0x18, 8192, 0, NULL, 0 };

/* UDP with the given length field (0: the right one) and a right checksum
 * over the length field's bytes. */
static void udp_len(struct bytes *b, bool v6, const uint8_t *src, const uint8_t *dst,
		    uint16_t sport, uint16_t dport, uint16_t len, const uint8_t *data, size_t n)
{
	size_t at = b->len;

	bytes_u16(b, sport, BE);
	bytes_u16(b, dport, BE);
	bytes_u16(b, len ? len : (uint16_t)(8 + n), BE);
	bytes_u16(b, 0, BE);
	bytes_put(b, data, n);
	size_t covered = len && len < 8 + n ? len : 8 + n;
	uint32_t sum = ref_pseudo(v6, src, dst, 17, (uint32_t)covered);
	uint16_t ck = (uint16_t)~frame_fold(frame_sum(sum, b->p + at, covered));
	if (ck == 0)
		ck = 0xffff;	/* RFC 768: a computed 0 is sent as all ones */
	b->p[at + 6] = (uint8_t)(ck >> 8);
	b->p[at + 7] = (uint8_t)ck;
}

static void udp(struct bytes *b, bool v6, const uint8_t *src, const uint8_t *dst,
		uint16_t sport, uint16_t dport, const uint8_t *data, size_t n)
{
	udp_len(b, v6, src, dst, sport, dport, 0, data, n);
}

/* ICMP / ICMPv6 message with a right checksum (RFC 792; RFC 4443 2.3). */
static void icmp(struct bytes *b, bool v6, const uint8_t *src, const uint8_t *dst, uint8_t type,
		 uint8_t code, uint32_t rest, const uint8_t *body, size_t n)
{
	size_t at = b->len;

	bytes_u8(b, type);
	bytes_u8(b, code);
	bytes_u16(b, 0, BE);
	bytes_u32(b, rest, BE);
	bytes_put(b, body, n);
	set_cksum(b, at, at + 2, v6, src, dst, v6 ? 58 : 0);
}

static uint32_t decode_cut(struct tp_packet *pkt, uint16_t linktype, const struct bytes *b,
			   size_t caplen)
{
	struct tp_record rec;

	memset(&rec, 0, sizeof rec);
	rec.data = b->p;
	rec.caplen = (uint32_t)caplen;
	rec.origlen = (uint32_t)b->len;
	rec.linktype = linktype;
	rec.fcs_len = 0;
	rec.frame = 1;
	return tp_decode(pkt, &rec);
}

static uint32_t decode(struct tp_packet *pkt, uint16_t linktype, const struct bytes *b)
{
	return decode_cut(pkt, linktype, b, b->len);
}


/* ---- TCP header and options ---- */

Test(decode_transport, tcp_syn_with_every_option)
{
	/* as Linux sends a SYN: MSS, SACK permitted, timestamps, NOP, WS */
	static const uint8_t opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x12, 0x34,
					  0, 0, 0, 0, 1, 3, 3, 7 };
	struct tcp_hdr t = { 50000, 502, 0xfffffff0u, 0, 0x02, 64240, 0, opts, sizeof opts };
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, &t, NULL, 0);
	eth(&f, ET_IPV4);
	ip(&f, false, A4, B4, 6, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.nlayers, 3));
	cr_assert(eq(u8, pkt.layers[2].proto, TP_PROTO_TCP));
	cr_assert(eq(u32, pkt.layers[2].len, 40));
	cr_assert(eq(u16, pkt.sport, 50000));
	cr_assert(eq(u16, pkt.dport, 502));
	cr_assert(eq(u32, pkt.seq, 0xfffffff0u));
	cr_assert(eq(u32, pkt.ack, 0));
	cr_assert(eq(u8, pkt.tcp_flags, 0x02));
	cr_assert(eq(u16, pkt.window, 64240));
	cr_assert(eq(u16, pkt.mss, 1460));
	cr_assert(eq(u8, pkt.wscale, 7));
	cr_assert(pkt.sack_permitted);
	cr_assert(pkt.has_tcp_ts);
	cr_assert(eq(u32, pkt.tsval, 0x1234));
	cr_assert(eq(u32, pkt.tsecr, 0));
	cr_assert(eq(u8, pkt.nsack, 0));
	cr_assert(eq(u32, pkt.payload_len, 0));
	cr_assert(eq(u32, pkt.payload_wire_len, 0));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, tcp_absent_options_read_as_absent)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, &PSH_ACK, DATA, sizeof DATA);
	ip(&f, false, A4, B4, 6, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u16, pkt.mss, 0));
	cr_assert(eq(u8, pkt.wscale, 0xff));
	cr_assert(not(pkt.sack_permitted));
	cr_assert(not(pkt.has_tcp_ts));
	cr_assert(eq(u32, pkt.payload_len, sizeof DATA));
	cr_assert(eq(u32, pkt.payload_wire_len, sizeof DATA));
	cr_assert(eq(ptr, (void *)pkt.payload, f.p + 40));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, tcp_sack_blocks_and_timestamps)
{
	/* NOP NOP TS, NOP NOP SACK with 3 blocks: 40 bytes (RFC 2018 3) */
	static const uint8_t opts[40] = {
		1, 1, 8, 10, 0, 0, 0, 100, 0, 0, 0, 200,
		1, 1, 5, 26,
		0, 0, 0x10, 0, 0, 0, 0x20, 0,
		0, 0, 0x30, 0, 0, 0, 0x40, 0,
		0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10,
	};
	struct tcp_hdr t = { 502, 50000, 1, 0x1000, 0x10, 1000, 0, opts, sizeof opts };
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, B4, A4, &t, NULL, 0);
	ip(&f, false, B4, A4, 6, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.nsack, 3));
	cr_assert(eq(u32, pkt.sack[0][0], 0x1000));
	cr_assert(eq(u32, pkt.sack[0][1], 0x2000));
	cr_assert(eq(u32, pkt.sack[1][0], 0x3000));
	cr_assert(eq(u32, pkt.sack[1][1], 0x4000));
	cr_assert(eq(u32, pkt.sack[2][0], 0xfffffff0u));	/* wraps */
	cr_assert(eq(u32, pkt.sack[2][1], 0x10));
	cr_assert(eq(u32, pkt.tsval, 100));
	cr_assert(eq(u32, pkt.tsecr, 200));
	cr_assert(eq(u8, pkt.wscale, 0xff));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, tcp_four_sack_blocks)
{
	static uint8_t opts[36] = { 1, 1, 5, 34 };
	struct tcp_hdr t = { 502, 50000, 1, 1, 0x10, 1000, 0, opts, sizeof opts };
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	for (int i = 0; i < 8; i++)
		opts[4 + 4 * i + 3] = (uint8_t)(i + 1);
	tcp(&seg, false, B4, A4, &t, NULL, 0);
	ip(&f, false, B4, A4, 6, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.nsack, 4));
	cr_assert(eq(u32, pkt.sack[3][0], 7));
	cr_assert(eq(u32, pkt.sack[3][1], 8));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, tcp_window_scale_above_14_counts_as_14)
{
	/* RFC 7323 2.3 */
	static const uint8_t opts[4] = { 3, 3, 15, 0 };
	struct tcp_hdr t = { 502, 50000, 1, 1, 0x12, 1000, 0, opts, sizeof opts };
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, B4, A4, &t, NULL, 0);
	ip(&f, false, B4, A4, 6, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.wscale, 14));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, tcp_all_eight_flags)
{
	struct tcp_hdr t = { 1, 65535, 0xdeadbeefu, 0xfeedfaceu, 0xff, 0xffff, 0, NULL, 0 };
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, &t, NULL, 0);
	ip(&f, false, A4, B4, 6, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.tcp_flags, 0xff));	/* FIN..CWR, ECE and CWR included */
	cr_assert(eq(u32, pkt.seq, 0xdeadbeefu));
	cr_assert(eq(u32, pkt.ack, 0xfeedfaceu));
	cr_assert(eq(u16, pkt.window, 0xffff));
	cr_assert(eq(u16, pkt.sport, 1));
	cr_assert(eq(u16, pkt.dport, 65535));
	bytes_free(&seg);
	bytes_free(&f);
}

struct tcp_option_case {
	char why[64];
	uint8_t opts[8];
};

ParameterizedTestParameters(decode_transport, tcp_bad_option_is_malformed)
{
	static struct tcp_option_case cases[] = {
		{ "length 0", { 1, 1, 30, 0, 0, 0, 0, 0 } },
		{ "length 1", { 30, 1, 0, 0, 0, 0, 0, 0 } },
		{ "length past the header", { 1, 1, 1, 1, 30, 5, 0, 0 } },
		{ "kind with no room for its length", { 1, 1, 1, 1, 1, 1, 1, 30 } },
		{ "MSS of 3 bytes", { 2, 3, 5, 1, 1, 1, 1, 0 } },
		{ "window scale of 4 bytes", { 3, 4, 7, 0, 0, 0, 0, 0 } },
		{ "SACK permitted of 3 bytes", { 4, 3, 0, 0, 0, 0, 0, 0 } },
		{ "SACK of 6 bytes", { 5, 6, 0, 0, 0, 1, 0, 0 } },
		{ "timestamps of 8 bytes", { 8, 8, 0, 0, 0, 1, 0, 0 } },
	};

	return cr_make_param_array(struct tcp_option_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct tcp_option_case *k, decode_transport, tcp_bad_option_is_malformed)
{
	struct tcp_hdr t = PSH_ACK;
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	t.opts = k->opts;
	t.optlen = 8;
	tcp(&seg, false, A4, B4, &t, DATA, sizeof DATA);
	ip(&f, false, A4, B4, 6, &seg);
	/* the data offset still says where the data starts */
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_MALFORMED | TP_PKT_L4_CKSUM_OK),
		  "%s", k->why);
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_TCP_OPTION), "%s", k->why);
	cr_assert(eq(u32, pkt.payload_len, sizeof DATA), "%s", k->why);
	/* a value of the wrong length is not kept */
	cr_assert(eq(u16, pkt.mss, 0), "%s", k->why);
	cr_assert(eq(u8, pkt.wscale, 0xff), "%s", k->why);
	cr_assert(eq(u8, pkt.nsack, 0), "%s", k->why);
	cr_assert(not(pkt.has_tcp_ts), "%s", k->why);
	bytes_free(&seg);
	bytes_free(&f);
}

struct doff_case {
	char why[64];
	uint8_t doff;
	size_t data;		/* bytes after the 20-byte fixed header */
};

ParameterizedTestParameters(decode_transport, tcp_bad_data_offset_is_malformed)
{
	static struct doff_case cases[] = {
		{ "data offset 0", 0x10, 12 },	/* 0x10: written as 0 */
		{ "data offset 4", 4, 12 },
		{ "data offset 15, segment of 32 bytes", 15, 12 },
		{ "data offset 6, segment of 20 bytes", 6, 0 },
	};

	return cr_make_param_array(struct doff_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct doff_case *k, decode_transport, tcp_bad_data_offset_is_malformed)
{
	struct tcp_hdr t = PSH_ACK;
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	t.doff = k->doff & 0x0f ? k->doff : 0;
	tcp(&seg, false, A4, B4, &t, DATA, k->data);
	if (k->doff == 0x10)
		seg.p[12] = 0;
	ip(&f, false, A4, B4, 6, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_MALFORMED), "%s", k->why);
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_TCP_HEADER_LEN), "%s", k->why);
	cr_assert(eq(u8, pkt.nlayers, 1), "%s", k->why);
	cr_assert(eq(u16, pkt.sport, 50000), "%s", k->why);	/* fixed fields kept */
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, tcp_segment_shorter_than_a_header)
{
	/* 12 bytes of IP payload, all captured: no TCP header fits */
	struct bytes f = { 0 };
	struct tp_packet pkt;

	ipv4(&f, A4, B4, 6, 0, NULL, 0, DATA, sizeof DATA);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_TCP_HEADER_LEN));
	/* the same cut by the snaplen from a 40-byte segment is truncated */
	struct bytes seg = { 0 }, g = { 0 };
	tcp(&seg, false, A4, B4, &PSH_ACK, NULL, 0);
	ip(&g, false, A4, B4, 6, &seg);
	cr_assert(eq(u32, decode_cut(&pkt, LT_RAW, &g, 32), TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_TCP));
	bytes_free(&seg);
	bytes_free(&g);
	bytes_free(&f);
}

Test(decode_transport, tcp_header_cut_keeps_the_fields_captured)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, &PSH_ACK, DATA, sizeof DATA);
	ip(&f, false, A4, B4, 6, &seg);
	cr_assert(eq(u32, decode_cut(&pkt, LT_RAW, &f, 20 + 10), TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_TCP));
	cr_assert(eq(u16, pkt.sport, 50000));
	cr_assert(eq(u16, pkt.dport, 502));
	cr_assert(eq(u32, pkt.seq, 1000));
	cr_assert(eq(u32, pkt.ack, 0));		/* cut inside it */
	cr_assert(eq(u8, pkt.nlayers, 1));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, tcp_header_split_over_fragments_is_not_malformed)
{
	/* RFC 1858 "tiny fragment": the first fragment holds 8 bytes of TCP */
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, &PSH_ACK, DATA, sizeof DATA);
	ipv4(&f, A4, B4, 6, 0x2000, NULL, 0, seg.p, 8);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_FRAGMENT));
	cr_assert(eq(u16, pkt.sport, 50000));
	cr_assert(eq(u16, pkt.dport, 502));
	cr_assert(eq(u32, pkt.seq, 1000));
	cr_assert(eq(u8, pkt.nlayers, 1));
	bytes_free(&seg);
	bytes_free(&f);
}


/* ---- checksums ---- */

struct cksum_case {
	char why[48];
	bool v6;
	uint8_t proto;
	bool corrupt;
	uint32_t flags;
	uint8_t verdict;
};

ParameterizedTestParameters(decode_transport, checksums_over_ipv4_and_ipv6)
{
	static struct cksum_case cases[] = {
		{ "TCP over IPv4", false, 6, false, TP_PKT_L4_CKSUM_OK, TP_CKSUM_OK },
		{ "TCP over IPv4, a bit flipped", false, 6, true, TP_PKT_L4_CKSUM_BAD, TP_CKSUM_BAD },
		{ "TCP over IPv6", true, 6, false, TP_PKT_L4_CKSUM_OK, TP_CKSUM_OK },
		{ "TCP over IPv6, a bit flipped", true, 6, true, TP_PKT_L4_CKSUM_BAD, TP_CKSUM_BAD },
		{ "UDP over IPv4", false, 17, false, TP_PKT_L4_CKSUM_OK, TP_CKSUM_OK },
		{ "UDP over IPv4, a bit flipped", false, 17, true, TP_PKT_L4_CKSUM_BAD, TP_CKSUM_BAD },
		{ "UDP over IPv6", true, 17, false, TP_PKT_L4_CKSUM_OK, TP_CKSUM_OK },
		{ "UDP over IPv6, a bit flipped", true, 17, true, TP_PKT_L4_CKSUM_BAD, TP_CKSUM_BAD },
	};

	return cr_make_param_array(struct cksum_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct cksum_case *k, decode_transport, checksums_over_ipv4_and_ipv6)
{
	/* odd length: the last byte is padded on the right (RFC 1071 4.1) */
	static const uint8_t data[13] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	const uint8_t *src = k->v6 ? A6 : A4, *dst = k->v6 ? B6 : B4;
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	if (k->proto == 6)
		tcp(&seg, k->v6, src, dst, &PSH_ACK, data, sizeof data);
	else
		udp(&seg, k->v6, src, dst, 20000, 20000, data, sizeof data);
	seg.p[seg.len - 1] ^= (uint8_t)(k->corrupt ? 0x04 : 0);
	eth(&f, k->v6 ? ET_IPV6 : ET_IPV4);
	ip(&f, k->v6, src, dst, k->proto, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), k->flags), "%s", k->why);
	cr_assert(eq(u8, pkt.l4_cksum, k->verdict), "%s", k->why);
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, tcp_cut_by_the_snaplen_is_not_checked)
{
	static uint8_t data[1400];
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	memset(data, 0x5a, sizeof data);
	tcp(&seg, false, A4, B4, &PSH_ACK, data, sizeof data);
	eth(&f, ET_IPV4);
	ip(&f, false, A4, B4, 6, &seg);
	cr_assert(eq(u32, decode_cut(&pkt, LT_ETHERNET, &f, 96), 0));
	cr_assert(eq(u8, pkt.l4_cksum, TP_CKSUM_UNCHECKED));
	cr_assert(eq(u32, pkt.payload_len, 96 - 54));
	cr_assert(eq(u32, pkt.payload_wire_len, 1400));
	cr_assert(eq(u32, pkt.seq, 1000));
	/* whole, it checks */
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, tcp_in_a_first_fragment_is_not_checked)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, &PSH_ACK, DATA, sizeof DATA);
	ipv4(&f, A4, B4, 6, 0x2000, NULL, 0, seg.p, seg.len);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_FRAGMENT));
	cr_assert(eq(u8, pkt.l4_cksum, TP_CKSUM_UNCHECKED));
	cr_assert(eq(u16, pkt.dport, 502));
	bytes_free(&seg);
	bytes_free(&f);
}

struct udp_zero_case {
	char why[64];
	bool v6;
	uint16_t dport;
	uint32_t flags;
	uint8_t verdict;
};

ParameterizedTestParameters(decode_transport, udp_zero_checksum)
{
	static struct udp_zero_case cases[] = {
		{ "IPv4: not computed", false, 2222, 0, TP_CKSUM_UNCHECKED },
		{ "IPv6: forbidden (RFC 8200 8.1)", true, 2222, TP_PKT_L4_CKSUM_BAD, TP_CKSUM_BAD },
		{ "IPv6 to the Geneve port: allowed (RFC 6935)", true, 6081, 0, TP_CKSUM_UNCHECKED },
	};

	return cr_make_param_array(struct udp_zero_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct udp_zero_case *k, decode_transport, udp_zero_checksum)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	bytes_u16(&seg, 20000, BE);
	bytes_u16(&seg, k->dport, BE);
	bytes_u16(&seg, 8 + 4, BE);
	bytes_u16(&seg, 0, BE);
	bytes_u32(&seg, 0, BE);	/* too short for a Geneve header: stops there */
	ip(&f, k->v6, k->v6 ? A6 : A4, k->v6 ? B6 : B4, 17, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), k->flags), "%s", k->why);
	cr_assert(eq(u8, pkt.l4_cksum, k->verdict), "%s", k->why);
	bytes_free(&seg);
	bytes_free(&f);
}

struct udp_len_case {
	char why[64];
	uint16_t len;			/* the length field */
	uint32_t flags;
	uint8_t malformed;
	uint32_t payload_len;
};

ParameterizedTestParameters(decode_transport, udp_length_field)
{
	/* 8 + 12 bytes of UDP in the IP payload */
	static struct udp_len_case cases[] = {
		{ "right", 20, TP_PKT_L4_CKSUM_OK, 0, 12 },
		{ "7", 7, TP_PKT_MALFORMED, TP_MALFORMED_UDP_LEN, 0 },
		{ "0 over IPv4", 0x8000, TP_PKT_MALFORMED, TP_MALFORMED_UDP_LEN, 0 },	/* see below */
		{ "beyond the IP payload", 21, TP_PKT_MALFORMED, TP_MALFORMED_UDP_LEN, 12 },
		{ "shorter than the IP payload: legal", 16, TP_PKT_L4_CKSUM_OK, 0, 8 },
		{ "header only", 8, TP_PKT_L4_CKSUM_OK, 0, 0 },
	};

	return cr_make_param_array(struct udp_len_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct udp_len_case *k, decode_transport, udp_length_field)
{
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	/* 0x8000 stands for a length field of 0 (0 means "right" to udp_len) */
	udp_len(&seg, false, A4, B4, 20000, 2222, k->len == 0x8000 ? 7 : k->len, DATA,
		sizeof DATA);
	if (k->len == 0x8000)
		seg.p[4] = seg.p[5] = 0;
	ip(&f, false, A4, B4, 17, &seg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), k->flags), "%s", k->why);
	cr_assert(eq(u8, pkt.malformed, k->malformed), "%s", k->why);
	cr_assert(eq(u32, pkt.payload_len, k->payload_len), "%s", k->why);
	cr_assert(eq(u16, pkt.dport, 2222), "%s", k->why);
	bytes_free(&seg);
	bytes_free(&f);
}

Test(decode_transport, udp_header_cut_or_too_short)
{
	struct bytes f = { 0 }, seg = { 0 }, g = { 0 };
	struct tp_packet pkt;

	/* 6 bytes of IP payload, all captured */
	ipv4(&f, A4, B4, 17, 0, NULL, 0, DATA, 6);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_MALFORMED));
	cr_assert(eq(u8, pkt.malformed, TP_MALFORMED_UDP_LEN));
	/* 6 bytes captured of a 20-byte datagram */
	udp(&seg, false, A4, B4, 20000, 2222, DATA, sizeof DATA);
	ip(&g, false, A4, B4, 17, &seg);
	cr_assert(eq(u32, decode_cut(&pkt, LT_RAW, &g, 26), TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_UDP));
	bytes_free(&seg);
	bytes_free(&g);
	bytes_free(&f);
}


/* ---- tunnel ports ---- */

Test(decode_transport, udp_to_the_vxlan_port_opens_the_tunnel)
{
	struct bytes inner = { 0 }, seg = { 0 }, vx = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, &PSH_ACK, DATA, sizeof DATA);
	eth(&inner, ET_IPV4);
	ip(&inner, false, A4, B4, 6, &seg);
	bytes_u32(&vx, 0x08000000u, BE);	/* I flag (RFC 7348 5) */
	bytes_u32(&vx, 0x00123400u, BE);	/* VNI 0x1234 */
	bytes_put(&vx, inner.p, inner.len);
	struct bytes u = { 0 };
	udp(&u, false, O4, P4, 55555, 4789, vx.p, vx.len);
	eth(&f, ET_IPV4);
	ip(&f, false, O4, P4, 17, &u);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_VXLAN));
	cr_assert(eq(u32, pkt.vni, 0x1234));
	cr_assert(same_bytes(pkt.src_ip, (uint8_t[4]){ 192, 168, 10, 1 }, 4));
	cr_assert(eq(u16, pkt.dport, 502));
	cr_assert(eq(u32, pkt.payload_len, sizeof DATA));
	bytes_free(&inner);
	bytes_free(&seg);
	bytes_free(&vx);
	bytes_free(&u);
	bytes_free(&f);
}

Test(decode_transport, udp_to_the_mpls_port_carries_labels)
{
	/* RFC 7510: MPLS in UDP, one label (bottom of stack), then IPv4 */
	struct bytes seg = { 0 }, inner = { 0 }, m = { 0 }, u = { 0 }, f = { 0 };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 20000, 20000, DATA, sizeof DATA);
	ip(&inner, false, A4, B4, 17, &seg);
	bytes_u32(&m, 1000u << 12 | 0x100 | 64, BE);
	bytes_put(&m, inner.p, inner.len);
	udp(&u, false, O4, P4, 49152, 6635, m.p, m.len);
	ip(&f, false, O4, P4, 17, &u);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.encap, TP_ENCAP_MPLS));
	cr_assert(eq(u8, pkt.nmpls, 1));
	cr_assert(eq(u32, pkt.mpls[0], 1000));
	cr_assert(same_bytes(pkt.dst_ip, (uint8_t[4]){ 192, 168, 10, 200 }, 4));
	cr_assert(eq(u16, pkt.dport, 20000));
	bytes_free(&seg);
	bytes_free(&inner);
	bytes_free(&m);
	bytes_free(&u);
	bytes_free(&f);
}


/* ---- ICMP ---- */

Test(decode_transport, icmp_echo)
{
	static const uint8_t ping[32] = "abcdefghijklmnopqrstuvwabcdefghi";
	struct bytes msg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	icmp(&msg, false, A4, B4, 8, 0, 0x00010007u, ping, sizeof ping);
	eth(&f, ET_IPV4);
	ip(&f, false, A4, B4, 1, &msg);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.icmp_type, 8));
	cr_assert(eq(u8, pkt.icmp_code, 0));
	cr_assert(eq(u8, pkt.ip_proto, 1));
	cr_assert(eq(u16, pkt.sport, 0));
	cr_assert(eq(u8, pkt.nlayers, 3));
	cr_assert(eq(u8, pkt.layers[2].proto, TP_PROTO_ICMP));
	cr_assert(eq(u32, pkt.layers[2].len, 8));
	cr_assert(eq(u32, pkt.payload_len, 32));
	cr_assert(eq(u32, pkt.payload_wire_len, 32));

	f.p[f.len - 1] ^= 1;
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f), TP_PKT_L4_CKSUM_BAD));
	cr_assert(eq(u8, pkt.l4_cksum, TP_CKSUM_BAD));
	bytes_free(&msg);
	bytes_free(&f);
}

Test(decode_transport, icmp_port_unreachable_quotes_the_udp_packet)
{
	/* B4 answers a BACnet datagram from A4 it has no listener for. */
	struct bytes seg = { 0 }, orig = { 0 }, msg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 47809, 47808, DATA, sizeof DATA);
	ip(&orig, false, A4, B4, 17, &seg);
	icmp(&msg, false, B4, A4, 3, 3, 0, orig.p, 28);	/* header + 8 bytes */
	eth(&f, ET_IPV4);
	ip(&f, false, B4, A4, 1, &msg);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f),
		     TP_PKT_L4_CKSUM_OK | TP_PKT_ICMP_QUOTE));
	cr_assert(eq(u8, pkt.icmp_type, 3));
	cr_assert(eq(u8, pkt.icmp_code, 3));
	cr_assert(eq(u8, pkt.quoted.ip_version, 4));
	cr_assert(eq(u8, pkt.quoted.ip_proto, 17));
	cr_assert(same_bytes(pkt.quoted.src_ip, (uint8_t[4]){ 192, 168, 10, 1 }, 4));
	cr_assert(same_bytes(pkt.quoted.dst_ip, (uint8_t[4]){ 192, 168, 10, 200 }, 4));
	cr_assert(eq(u16, pkt.quoted.sport, 47809));
	cr_assert(eq(u16, pkt.quoted.dport, 47808));
	/* the packet's own fields are the ICMP message's */
	cr_assert(same_bytes(pkt.src_ip, (uint8_t[4]){ 192, 168, 10, 200 }, 4));
	cr_assert(same_bytes(pkt.dst_ip, (uint8_t[4]){ 192, 168, 10, 1 }, 4));
	cr_assert(eq(u8, pkt.ip_proto, 1));
	cr_assert(eq(u16, pkt.sport, 0));
	cr_assert(eq(u16, pkt.dport, 0));
	cr_assert(eq(u8, pkt.ip_cksum, TP_CKSUM_OK));
	bytes_free(&seg);
	bytes_free(&orig);
	bytes_free(&msg);
	bytes_free(&f);
}

Test(decode_transport, icmpv6_destination_unreachable_quotes_tcp)
{
	struct bytes seg = { 0 }, orig = { 0 }, msg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, true, A6, B6, &PSH_ACK, DATA, sizeof DATA);
	ip(&orig, true, A6, B6, 6, &seg);
	/* RFC 4443 3.1: as much of the invoking packet as fits */
	icmp(&msg, true, R6, A6, 1, 3, 0, orig.p, orig.len);
	eth(&f, ET_IPV6);
	ip(&f, true, R6, A6, 58, &msg);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f),
		     TP_PKT_L4_CKSUM_OK | TP_PKT_ICMP_QUOTE));
	cr_assert(eq(u8, pkt.layers[2].proto, TP_PROTO_ICMPV6));
	cr_assert(eq(u8, pkt.icmp_type, 1));
	cr_assert(eq(u8, pkt.icmp_code, 3));
	cr_assert(eq(u8, pkt.quoted.ip_version, 6));
	cr_assert(eq(u8, pkt.quoted.ip_proto, 6));
	cr_assert(same_bytes(pkt.quoted.src_ip, A6, 16));
	cr_assert(same_bytes(pkt.quoted.dst_ip, B6, 16));
	cr_assert(eq(u16, pkt.quoted.sport, 50000));
	cr_assert(eq(u16, pkt.quoted.dport, 502));
	cr_assert(same_bytes(pkt.src_ip, R6, 16));
	cr_assert(eq(u8, pkt.ip_proto, 58));

	/* the pseudo-header is summed: the same message to another
	 * destination does not check */
	memcpy(f.p + 14 + 24, B6, 16);
	cr_assert(eq(u32, decode(&pkt, LT_ETHERNET, &f),
		     TP_PKT_L4_CKSUM_BAD | TP_PKT_ICMP_QUOTE));
	bytes_free(&seg);
	bytes_free(&orig);
	bytes_free(&msg);
	bytes_free(&f);
}

Test(decode_transport, icmpv6_packet_too_big_walks_quoted_extension_headers)
{
	struct bytes seg = { 0 }, pay = { 0 }, orig = { 0 }, msg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	udp(&seg, true, A6, B6, 2404, 2404, DATA, sizeof DATA);
	bytes_u8(&pay, 44);		/* hop-by-hop: PadN */
	bytes_u8(&pay, 0);
	bytes_u8(&pay, 1);
	bytes_u8(&pay, 4);
	bytes_zeros(&pay, 4);
	bytes_u8(&pay, 17);		/* fragment, offset 0, M */
	bytes_u8(&pay, 0);
	bytes_u16(&pay, 1, BE);
	bytes_u32(&pay, 77, BE);
	bytes_put(&pay, seg.p, seg.len);
	ipv6(&orig, 0, A6, B6, pay.p, pay.len);
	icmp(&msg, true, R6, A6, 2, 0, 1280, orig.p, orig.len);
	ip(&f, true, R6, A6, 58, &msg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK | TP_PKT_ICMP_QUOTE));
	cr_assert(eq(u8, pkt.quoted.ip_proto, 17));
	cr_assert(eq(u16, pkt.quoted.sport, 2404));
	cr_assert(eq(u16, pkt.quoted.dport, 2404));
	bytes_free(&seg);
	bytes_free(&pay);
	bytes_free(&orig);
	bytes_free(&msg);
	bytes_free(&f);
}

struct quote_case {
	char why[64];
	size_t quoted;			/* bytes of the original packet quoted */
	size_t cut;			/* of the frame; 0 = whole */
	uint32_t flags;
	uint8_t ip_proto;		/* expected quoted fields */
	uint8_t src0;
	uint16_t sport, dport;
};

ParameterizedTestParameters(decode_transport, icmp_time_exceeded_with_a_cut_quote)
{
	/* the original: IPv4 (20) + UDP 47809 -> 47808 (8) + 12 bytes */
	static struct quote_case cases[] = {
		{ "header + 8 bytes", 28, 0, TP_PKT_L4_CKSUM_OK | TP_PKT_ICMP_QUOTE,
		  17, 192, 47809, 47808 },
		{ "header + 2 bytes: no ports", 22, 0, TP_PKT_L4_CKSUM_OK | TP_PKT_ICMP_QUOTE,
		  17, 192, 0, 0 },
		{ "header alone", 20, 0, TP_PKT_L4_CKSUM_OK | TP_PKT_ICMP_QUOTE, 17, 192, 0, 0 },
		{ "12 bytes of header: no quote", 12, 0, TP_PKT_L4_CKSUM_OK, 0, 0, 0, 0 },
		{ "nothing quoted", 0, 0, TP_PKT_L4_CKSUM_OK, 0, 0, 0, 0 },
		{ "snaplen cut in the quoted UDP header", 28, 20 + 8 + 23, TP_PKT_ICMP_QUOTE,
		  17, 192, 0, 0 },
		{ "snaplen cut in the quoted IP header", 28, 20 + 8 + 19, 0, 0, 0, 0, 0 },
		{ "snaplen cut before the quote", 28, 20 + 8, 0, 0, 0, 0, 0 },
	};

	return cr_make_param_array(struct quote_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct quote_case *k, decode_transport, icmp_time_exceeded_with_a_cut_quote)
{
	struct bytes seg = { 0 }, orig = { 0 }, msg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 47809, 47808, DATA, sizeof DATA);
	ip(&orig, false, A4, B4, 17, &seg);
	icmp(&msg, false, R4, A4, 11, 0, 0, orig.p, k->quoted);
	ip(&f, false, R4, A4, 1, &msg);
	cr_assert(eq(u32, decode_cut(&pkt, LT_RAW, &f, k->cut ? k->cut : f.len), k->flags),
		  "%s", k->why);
	cr_assert(eq(u8, pkt.icmp_type, 11), "%s", k->why);
	cr_assert(eq(u8, pkt.quoted.ip_proto, k->ip_proto), "%s", k->why);
	cr_assert(eq(u8, pkt.quoted.src_ip[0], k->src0), "%s", k->why);
	cr_assert(eq(u16, pkt.quoted.sport, k->sport), "%s", k->why);
	cr_assert(eq(u16, pkt.quoted.dport, k->dport), "%s", k->why);
	cr_assert(same_bytes(pkt.src_ip, (uint8_t[4]){ 192, 168, 10, 254 }, 4), "%s", k->why);
	bytes_free(&seg);
	bytes_free(&orig);
	bytes_free(&msg);
	bytes_free(&f);
}

Test(decode_transport, icmp_error_quoting_a_later_fragment_has_no_ports)
{
	struct bytes orig = { 0 }, msg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	ipv4(&orig, A4, B4, 17, 185, NULL, 0, DATA, sizeof DATA);
	icmp(&msg, false, R4, A4, 11, 1, 0, orig.p, orig.len);
	ip(&f, false, R4, A4, 1, &msg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK | TP_PKT_ICMP_QUOTE));
	cr_assert(eq(u8, pkt.quoted.ip_proto, 17));
	cr_assert(eq(u16, pkt.quoted.sport, 0));
	bytes_free(&orig);
	bytes_free(&msg);
	bytes_free(&f);
}

Test(decode_transport, icmp_informational_messages_quote_nothing)
{
	/* an echo reply whose data happens to look like an IPv4 header */
	struct bytes seg = { 0 }, orig = { 0 }, msg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	udp(&seg, false, A4, B4, 47809, 47808, DATA, sizeof DATA);
	ip(&orig, false, A4, B4, 17, &seg);
	icmp(&msg, false, B4, A4, 0, 0, 0, orig.p, orig.len);
	ip(&f, false, B4, A4, 1, &msg);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &f), TP_PKT_L4_CKSUM_OK));
	cr_assert(eq(u8, pkt.quoted.ip_version, 0));
	bytes_free(&seg);
	bytes_free(&orig);
	bytes_free(&msg);
	bytes_free(&f);
}

Test(decode_transport, icmp_header_cut_or_message_too_short)
{
	struct bytes msg = { 0 }, f = { 0 }, g = { 0 };
	struct tp_packet pkt;

	icmp(&msg, false, A4, B4, 8, 0, 1, NULL, 0);
	ip(&f, false, A4, B4, 1, &msg);
	cr_assert(eq(u32, decode_cut(&pkt, LT_RAW, &f, 20 + 5), TP_PKT_TRUNCATED));
	cr_assert(eq(u8, pkt.truncated_in, TP_PROTO_ICMP));
	cr_assert(eq(u8, pkt.icmp_type, 8));
	/* a 4-byte message, whole: nothing cut, nothing checked */
	ipv4(&g, A4, B4, 1, 0, NULL, 0, msg.p, 4);
	cr_assert(eq(u32, decode(&pkt, LT_RAW, &g), 0));
	cr_assert(eq(u8, pkt.icmp_type, 8));
	bytes_free(&msg);
	bytes_free(&f);
	bytes_free(&g);
}


/* ---- every cut of an Ethernet / IPv4 with options / TCP with options ---- */

Test(decode_transport, every_cut_of_a_tcp_frame_names_the_cut_layer)
{
	static const uint8_t ipopts[8] = { 148, 4, 0, 0, 1, 1, 1, 0 };	/* router alert */
	static const uint8_t opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
					  0, 0, 0, 2, 1, 3, 3, 7 };
	struct tcp_hdr t = { 50000, 502, 1, 0, 0x02, 64240, 0, opts, sizeof opts };
	struct bytes seg = { 0 }, f = { 0 };
	struct tp_packet pkt;

	tcp(&seg, false, A4, B4, &t, DATA, sizeof DATA);
	eth(&f, ET_IPV4);
	ipv4(&f, A4, B4, 6, 0x4000, ipopts, sizeof ipopts, seg.p, seg.len);

	/* layer ends: Ethernet 14, IPv4 42, TCP 82; 12 bytes of data */
	static const struct {
		size_t end;
		uint8_t proto;
	} ends[] = { { 14, TP_PROTO_ETHERNET }, { 42, TP_PROTO_IPV4 }, { 82, TP_PROTO_TCP } };
	size_t e = 0;

	cr_assert(eq(sz, f.len, 94));
	for (size_t cut = 0; cut <= f.len; cut++) {
		while (e < 3 && cut >= ends[e].end)
			e++;
		decode_cut(&pkt, LT_ETHERNET, &f, cut);
		cr_assert(eq(u8, pkt.truncated_in, e < 3 ? ends[e].proto : TP_PROTO_NONE),
			  "cut at %zu", cut);
		cr_assert(eq(u32, pkt.flags & ~(uint32_t)TP_PKT_L4_CKSUM_OK,
			     e < 3 ? TP_PKT_TRUNCATED : 0), "cut at %zu", cut);
		cr_assert(eq(u8, pkt.nlayers, (uint8_t)e), "cut at %zu", cut);
		cr_assert(eq(u8, pkt.l4_cksum, cut == f.len ? TP_CKSUM_OK : TP_CKSUM_UNCHECKED),
			  "cut at %zu", cut);
		cr_assert(eq(u16, pkt.mss, e == 3 ? 1460 : 0), "cut at %zu", cut);
		cr_assert(eq(u32, pkt.payload_len, e == 3 ? (uint32_t)(cut - 82) : 0),
			  "cut at %zu", cut);
		/* the fixed IPv4 header is all it takes to know the addresses */
		cr_assert(eq(u8, pkt.ip_version, cut >= 34 ? 4 : 0), "cut at %zu", cut);
	}
	bytes_free(&seg);
	bytes_free(&f);
}
