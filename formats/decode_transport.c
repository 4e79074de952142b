/*
 * decode_transport.c - TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792) and
 * ICMPv6 (RFC 4443) headers of the innermost IP packet.
 *
 * Each decoder gets a cursor over the IP payload as captured (already limited
 * to what the IP header declares) and the declared length, wire_len.  A
 * header the capture cut is truncated; a header the declared length cannot
 * hold is malformed.  Checksums are verified only over whole segments of
 * unfragmented packets: a cut or partial segment has no verdict
 * (TP_CKSUM_UNCHECKED), never a wrong one.
 *
 * UDP hands the payload of the tunnel ports to the tunnel decoders; an ICMP
 * error's quoted header is read best effort into pkt->quoted and never
 * touches the packet's own IP or transport fields.
 */
#include <string.h>

#include "formats/decode_internal.h"

#define TCP_MIN_HDR	20u
#define UDP_HDR		8u
#define ICMP_HDR	8u	/* type, code, checksum and 4 bytes that depend on the type */

/* TCP options: RFC 9293 3.2 (EOL, NOP, MSS), RFC 7323 (window scale,
 * timestamps), RFC 2018 (SACK-permitted, SACK). */
#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2
#define TCPOPT_WSCALE	3
#define TCPOPT_SACK_OK	4
#define TCPOPT_SACK	5
#define TCPOPT_TS	8
#define TCP_MAX_WSCALE	14	/* RFC 7323 2.3: larger shifts are used as 14 */

/* Tunnels over UDP, by destination port (IANA). */
#define PORT_VXLAN	4789	/* RFC 7348 */
#define PORT_GENEVE	6081	/* RFC 8926 */
#define PORT_MPLS	6635	/* RFC 7510 */

/* IP protocol numbers (IANA), for the quoted headers. */
enum {
	PROTO_HOPOPTS = 0, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ROUTING = 43,
	PROTO_FRAGMENT = 44, PROTO_AH = 51, PROTO_ICMPV6 = 58, PROTO_DSTOPTS = 60,
	PROTO_MH = 135, PROTO_HIP = 139, PROTO_SHIM6 = 140
};

/* The transport checksum over a whole segment: pseudo-header, then the
 * header and the payload (the header length is even, so the sum chains). */
static void check_sum(struct tp_packet *pkt, uint32_t sum)
{
	if (decode_fold(sum) == 0xffffu) {
		pkt->l4_cksum = TP_CKSUM_OK;
		pkt->flags |= TP_PKT_L4_CKSUM_OK;
	} else {
		pkt->l4_cksum = TP_CKSUM_BAD;
		pkt->flags |= TP_PKT_L4_CKSUM_BAD;
	}
}

static void set_payload(struct tp_packet *pkt, struct tp_cursor c, uint32_t wire_len)
{
	pkt->payload = c.p;
	pkt->payload_len = (uint32_t)c.left;
	pkt->payload_wire_len = wire_len;
}

/* ---- TCP ---- */

/*
 * Every option but EOL and NOP has a length byte counting the kind and
 * itself, at least 2 and within the header (RFC 9293 3.2); a known option
 * of the wrong length is malformed too and its value is not kept.  The
 * walk goes on after a bad known option (its length still says where the
 * next one starts) and stops at a bad length.  Each turn consumes at least
 * one byte of at most 40.
 */
static void tcp_options(struct decoder *d, struct tp_cursor o)
{
	struct tp_packet *pkt = d->pkt;

	while (o.left) {
		uint8_t kind = tp_u8(&o);

		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP)
			continue;
		uint8_t len = tp_u8(&o);
		if (o.short_read || len < 2 || len - 2u > o.left) {
			decode_malformed(d, TP_MALFORMED_TCP_OPTION);
			return;
		}
		struct tp_cursor v = tp_sub(&o, len - 2u);
		bool ok = true;

		switch (kind) {
		case TCPOPT_MSS:
			if ((ok = len == 4))
				pkt->mss = tp_be16(&v);
			break;
		case TCPOPT_WSCALE:
			if ((ok = len == 3)) {
				uint8_t shift = tp_u8(&v);
				pkt->wscale = shift > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : shift;
			}
			break;
		case TCPOPT_SACK_OK:
			if ((ok = len == 2))
				pkt->sack_permitted = true;
			break;
		case TCPOPT_SACK:
			/* n blocks of two 32-bit edges; 40 bytes hold at most 4. */
			if ((ok = len >= 10 && (len - 2u) % 8 == 0)) {
				pkt->nsack = 0;
				while (v.left >= 8 && pkt->nsack < 4) {
					pkt->sack[pkt->nsack][0] = tp_be32(&v);
					pkt->sack[pkt->nsack][1] = tp_be32(&v);
					pkt->nsack++;
				}
			}
			break;
		case TCPOPT_TS:
			if ((ok = len == 10)) {
				pkt->has_tcp_ts = true;
				pkt->tsval = tp_be32(&v);
				pkt->tsecr = tp_be32(&v);
			}
			break;
		default:
			break;
		}
		if (!ok)
			decode_malformed(d, TP_MALFORMED_TCP_OPTION);
	}
}

void decode_tcp(struct decoder *d, struct tp_cursor c, uint32_t wire_len)
{
	struct tp_packet *pkt = d->pkt;
	const uint8_t *start = c.p;
	size_t caplen = c.left;

	pkt->l4_cksum = TP_CKSUM_UNCHECKED;
	pkt->mss = 0;
	pkt->wscale = 0xff;
	pkt->sack_permitted = false;
	pkt->nsack = 0;
	pkt->has_tcp_ts = false;
	pkt->tsval = pkt->tsecr = 0;

	/* Whatever of the fixed header was captured is kept (a short read
	 * gives 0 and the fields after it stay 0). */
	struct tp_cursor h = c;
	pkt->sport = tp_be16(&h);
	pkt->dport = tp_be16(&h);
	pkt->seq = tp_be32(&h);
	pkt->ack = tp_be32(&h);
	uint8_t offset = tp_u8(&h);	/* data offset, then reserved bits and AE */
	pkt->tcp_flags = tp_u8(&h);
	pkt->window = tp_be16(&h);
	size_t hlen = (size_t)(offset >> 4) * 4u;

	/* A header that does not fit in the segment is malformed, except in
	 * a first fragment, where it goes on in the next one (RFC 1858 calls
	 * such tiny fragments an attack: the fields seen are kept, no more). */
	bool fragment = (pkt->flags & TP_PKT_FRAGMENT) != 0;
	if (caplen < TCP_MIN_HDR) {
		if (wire_len >= TCP_MIN_HDR)
			decode_truncated(d, TP_PROTO_TCP);
		else if (!fragment)
			decode_malformed(d, TP_MALFORMED_TCP_HEADER_LEN);
		return;
	}
	if (hlen < TCP_MIN_HDR || (hlen > wire_len && !fragment)) {
		decode_malformed(d, TP_MALFORMED_TCP_HEADER_LEN);
		return;
	}
	if (hlen > wire_len)
		return;
	if (caplen < hlen) {
		decode_truncated(d, TP_PROTO_TCP);
		return;
	}
	if (!decode_layer(d, TP_PROTO_TCP, start, hlen))
		return;
	const uint8_t *hdr = tp_take(&c, hlen);

	if (hlen > TCP_MIN_HDR)
		tcp_options(d, tp_cursor_make(hdr + TCP_MIN_HDR, hlen - TCP_MIN_HDR));

	uint32_t payload_wire = wire_len - (uint32_t)hlen;
	set_payload(pkt, c, payload_wire);

	/* RFC 9293 3.1: the checksum covers the pseudo-header, the header and
	 * all the data; it can be judged only when all of it is here. */
	if (pkt->payload_len == payload_wire && !(pkt->flags & TP_PKT_FRAGMENT)) {
		uint32_t sum = decode_pseudo_sum(pkt, PROTO_TCP, wire_len);

		sum = decode_sum(sum, hdr, hlen);
		sum = decode_sum(sum, tp_take(&c, c.left), payload_wire);
		check_sum(pkt, sum);
	}
}

/* ---- UDP ---- */

void decode_udp(struct decoder *d, struct tp_cursor c, uint32_t wire_len)
{
	struct tp_packet *pkt = d->pkt;
	const uint8_t *start = c.p;
	bool fragment = (pkt->flags & TP_PKT_FRAGMENT) != 0;

	pkt->l4_cksum = TP_CKSUM_UNCHECKED;
	struct tp_cursor h = c;
	pkt->sport = tp_be16(&h);
	pkt->dport = tp_be16(&h);
	if (c.left < UDP_HDR) {
		if (wire_len >= UDP_HDR)
			decode_truncated(d, TP_PROTO_UDP);
		else if (!fragment)
			decode_malformed(d, TP_MALFORMED_UDP_LEN);
		return;
	}
	if (!decode_layer(d, TP_PROTO_UDP, start, UDP_HDR))
		return;

	const uint8_t *hdr = tp_take(&c, UDP_HDR);
	h = tp_cursor_make(hdr, UDP_HDR);
	tp_skip(&h, 4);
	uint32_t len = tp_be16(&h);
	uint16_t cksum = tp_be16(&h);

	/* RFC 2675 section 4: over an IPv6 jumbogram the UDP length is 0
	 * and the IP payload length stands for it. */
	if (len == 0 && pkt->ip_version == 6 && wire_len > 0xffffu)
		len = wire_len;
	if (len < UDP_HDR) {
		decode_malformed(d, TP_MALFORMED_UDP_LEN);
		return;
	}
	/* RFC 768: a UDP length shorter than the IP payload is legal (the
	 * rest is not the datagram's); a longer one is malformed, except in
	 * a first fragment, where it covers the datagram the fragments make.
	 * Either way only this packet's bytes are read. */
	bool len_ok = len <= wire_len;
	if (!len_ok && !fragment)
		decode_malformed(d, TP_MALFORMED_UDP_LEN);
	uint32_t own = len_ok ? len : wire_len;
	struct tp_cursor payload = tp_sub(&c, own - UDP_HDR);
	set_payload(pkt, payload, own - UDP_HDR);

	if (len_ok && !fragment && payload.left == own - UDP_HDR) {
		if (cksum != 0) {
			uint32_t sum = decode_pseudo_sum(pkt, PROTO_UDP, len);

			sum = decode_sum(sum, hdr, UDP_HDR);
			sum = decode_sum(sum, payload.p, payload.left);
			check_sum(pkt, sum);
		} else if (pkt->ip_version == 6 && pkt->dport != PORT_VXLAN &&
			   pkt->dport != PORT_GENEVE && pkt->dport != PORT_MPLS) {
			/* RFC 768: 0 means "not computed", which IPv6 forbids
			 * (RFC 8200 8.1) except for tunnels (RFC 6935, 6936). */
			pkt->l4_cksum = TP_CKSUM_BAD;
			pkt->flags |= TP_PKT_L4_CKSUM_BAD;
		}
	}

	switch (pkt->dport) {
	case PORT_VXLAN:
		decode_vxlan(d, payload);
		break;
	case PORT_GENEVE:
		decode_geneve(d, payload);
		break;
	case PORT_MPLS:
		decode_mpls(d, payload);
		break;
	default:
		break;
	}
}

/* ---- ICMP and ICMPv6 ---- */

/* Error messages quote the packet that caused them (RFC 792; RFC 4443
 * section 2.1: types below 128). */
static bool icmp_is_error(uint8_t type, bool v6)
{
	if (v6)
		return type >= 1 && type <= 4;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * The quoted packet: "the internet header plus the first 64 bits of the
 * original datagram's data" (RFC 792), "as much of the invoking packet as
 * possible" (RFC 4443 section 3.1).  Best effort over what was captured:
 * whatever is missing stays zero.  IPv6 extension headers are walked, at
 * most 8, to find the transport ports.
 */
static void icmp_quote(struct tp_packet *pkt, struct tp_cursor q, bool v6)
{
	struct tp_cursor peek = q;
	uint8_t version = (uint8_t)(tp_u8(&peek) >> 4);
	uint8_t proto;
	bool ports = true;	/* false once the transport header cannot follow */

	if (peek.short_read || version != (v6 ? 6 : 4))
		return;
	if (!v6) {
		struct tp_cursor h = tp_sub(&q, 20);
		uint8_t vihl = tp_u8(&h);

		tp_skip(&h, 5);
		uint16_t frag = tp_be16(&h);
		tp_skip(&h, 1);
		proto = tp_u8(&h);
		tp_skip(&h, 2);
		const uint8_t *src = tp_take(&h, 4), *dst = tp_take(&h, 4);
		if (h.short_read)
			return;
		memcpy(pkt->quoted.src_ip, src, 4);
		memcpy(pkt->quoted.dst_ip, dst, 4);
		size_t hlen = (size_t)(vihl & 0x0fu) * 4u;
		/* Ports only after a sane header, in the first fragment. */
		if (hlen < 20 || !tp_skip(&q, hlen - 20) || (frag & 0x1fffu))
			ports = false;
	} else {
		struct tp_cursor h = tp_sub(&q, 40);

		tp_skip(&h, 6);
		proto = tp_u8(&h);
		tp_skip(&h, 1);
		const uint8_t *src = tp_take(&h, 16), *dst = tp_take(&h, 16);
		if (h.short_read)
			return;
		memcpy(pkt->quoted.src_ip, src, 16);
		memcpy(pkt->quoted.dst_ip, dst, 16);
		for (int n = 0; n < 8 && ports; n++) {
			struct tp_cursor e = q;
			uint8_t next = tp_u8(&e), ext_len = tp_u8(&e);
			size_t len;

			if (proto == PROTO_HOPOPTS || proto == PROTO_ROUTING ||
			    proto == PROTO_DSTOPTS || proto == PROTO_MH || proto == PROTO_HIP ||
			    proto == PROTO_SHIM6)
				len = ((size_t)ext_len + 1) * 8;	/* RFC 8200 4.3 */
			else if (proto == PROTO_AH)
				len = ((size_t)ext_len + 2) * 4;	/* RFC 4302 2.2 */
			else if (proto == PROTO_FRAGMENT)
				len = 8;				/* RFC 8200 4.5 */
			else
				break;
			/* A later fragment has no transport header. */
			if (proto == PROTO_FRAGMENT && (tp_be16(&e) & 0xfff8u))
				ports = false;
			/* The quote may end inside the chain. */
			if (e.short_read || !tp_skip(&q, len))
				ports = false;
			else
				proto = next;
		}
	}
	pkt->quoted.ip_version = version;
	pkt->quoted.ip_proto = proto;
	pkt->flags |= TP_PKT_ICMP_QUOTE;
	if (ports && (proto == PROTO_TCP || proto == PROTO_UDP) && q.left >= 4) {
		pkt->quoted.sport = tp_be16(&q);
		pkt->quoted.dport = tp_be16(&q);
	}
}

void decode_icmp(struct decoder *d, struct tp_cursor c, uint32_t wire_len, bool v6)
{
	struct tp_packet *pkt = d->pkt;
	enum tp_proto proto = v6 ? TP_PROTO_ICMPV6 : TP_PROTO_ICMP;
	const uint8_t *start = c.p;
	size_t caplen = c.left;

	pkt->l4_cksum = TP_CKSUM_UNCHECKED;
	pkt->sport = pkt->dport = 0;
	memset(&pkt->quoted, 0, sizeof pkt->quoted);

	struct tp_cursor h = c;
	pkt->icmp_type = tp_u8(&h);
	pkt->icmp_code = tp_u8(&h);
	if (caplen < ICMP_HDR) {
		/* Every message has its 8 header bytes (RFC 792, RFC 4443
		 * 2.1); a message declared shorter is odd but has no field
		 * left to misread, so only a capture cut is reported. */
		if (wire_len >= ICMP_HDR)
			decode_truncated(d, proto);
		return;
	}
	if (!decode_layer(d, proto, start, ICMP_HDR))
		return;

	/* RFC 792: the checksum covers the whole message; RFC 4443 2.3
	 * adds the IPv6 pseudo-header. */
	const uint8_t *all = tp_take(&c, caplen);
	if (caplen == wire_len && !(pkt->flags & TP_PKT_FRAGMENT)) {
		uint32_t sum = v6 ? decode_pseudo_sum(pkt, PROTO_ICMPV6, wire_len) : 0;

		check_sum(pkt, decode_sum(sum, all, caplen));
	}

	struct tp_cursor body = tp_cursor_make(all, caplen);
	tp_skip(&body, ICMP_HDR);
	set_payload(pkt, body, wire_len - ICMP_HDR);
	if (icmp_is_error(pkt->icmp_type, v6))
		icmp_quote(pkt, body, v6);
}
