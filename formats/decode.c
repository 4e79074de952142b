/*
 * decode.c - tp_decode(): link layers, VLAN tag stacks, LLC/SNAP and MPLS,
 * the dispatch on EtherType, and the bookkeeping every decoder file shares
 * (layers, truncation, malformation, tunnels).
 *
 * References:
 *   Ethernet, 802.3 length/type      IEEE 802.3-2018 section 3.2.6
 *   FCS (CRC-32)                     IEEE 802.3-2018 section 3.2.9
 *   802.1Q / 802.1ad tags            IEEE 802.1Q-2018 section 9.5-9.6
 *   LLC, SNAP                        IEEE 802.2 section 3.2; IEEE 802-2014
 *                                    clause 10 (SNAP); RFC 1042 (OUI 0)
 *   MPLS label stack                 RFC 3032 section 2.1
 *   PW control word                  RFC 4385 section 3; RFC 4448 section 4.6
 *   G-ACh (first nibble 1)           RFC 5586 section 2
 *   Link types                       https://www.tcpdump.org/linktypes.html
 *                                    (draft-ietf-opsawg-pcaplinktype)
 *   Linux cooked v1 / v2             linktypes/LINKTYPE_LINUX_SLL{,2}.html
 *
 * Every header is read through a cursor (formats/cursor.h).  A header is
 * recorded as a layer only when all of it was captured; when it was not,
 * decode_truncated() names it and decoding stops there.  Depth is bounded
 * by the layer table, TP_MAX_VLANS tags, TP_MAX_MPLS labels and
 * TP_MAX_TUNNELS tunnels, so no frame can make the recursion between the
 * decoder files (Ethernet -> IP -> GRE -> Ethernet ...) go deep.
 *
 * Speed: tp_decode() runs once per frame.  It allocates nothing and resets
 * only the parts of the packet that are not governed by a count (layers[]
 * and mpls[] beyond nlayers/nmpls are left as they were: read them only up
 * to their count).
 */
#include "formats/decode_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#ifdef TP_HAVE_ISAL
#include <isa-l/crc.h>
#endif

/* Link types (https://www.tcpdump.org/linktypes.html). */
#define LINKTYPE_NULL		0
#define LINKTYPE_ETHERNET	1
#define DLT_RAW_BSDI		12	/* old DLT_RAW values some systems wrote */
#define DLT_RAW_OPENBSD		14
#define LINKTYPE_RAW		101
#define LINKTYPE_LOOP		108
#define LINKTYPE_LINUX_SLL	113
#define LINKTYPE_IPV4		228
#define LINKTYPE_IPV6		229
#define LINKTYPE_LINUX_SLL2	276

/* EtherTypes (IEEE Registration Authority). */
#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_ARP		0x0806
#define ETHERTYPE_TEB		0x6558	/* transparent Ethernet bridging (RFC 1701) */
#define ETHERTYPE_8021Q		0x8100
#define ETHERTYPE_IPV6		0x86dd
#define ETHERTYPE_MPLS		0x8847
#define ETHERTYPE_MPLS_MC	0x8848
#define ETHERTYPE_8021AD	0x88a8
#define ETHERTYPE_QINQ_OLD	0x9100	/* pre-802.1ad vendor S-tag */

#define ETH_HLEN		14
#define ETH_MAX_LENGTH		1500	/* 802.3 length field, section 3.2.6 */
#define ETH_MIN_TYPE		0x0600	/* 1536: smallest EtherType */
#define VLAN_HLEN		4	/* TCI + inner type; the TPID is the outer type */
#define SLL_HLEN		16
#define SLL2_HLEN		20
#define NULL_HLEN		4
#define MPLS_LSE_LEN		4
#define PW_CW_LEN		4

/* BSD address families in the null/loopback header (LINKTYPE_NULL). */
#define BSD_AF_INET		2
#define BSD_AF_INET6_BSD	24	/* NetBSD, OpenBSD, BSD/OS */
#define BSD_AF_INET6_FREEBSD	28	/* FreeBSD, DragonFly */
#define BSD_AF_INET6_DARWIN	30	/* macOS, iOS */

/* Linux cooked capture: ARPHRD_ type and the special protocol values
 * (linux/if_ether.h) used when the payload has no EtherType. */
#define ARPHRD_ETHER		1
#define LINUX_SLL_P_802_3	0x0001	/* Novell "raw 802.3": IPX, no LLC */
#define LINUX_SLL_P_802_2	0x0004	/* 802.2 LLC header follows */

/* MPLS reserved labels (RFC 3032 section 2.1). */
#define MPLS_LABEL_IPV4_NULL	0
#define MPLS_LABEL_IPV6_NULL	2

/* ---------------------------------------------------------------- names */

struct tok {
	unsigned value;
	const char *name;
};

static const struct tok proto_names[] = {
	{ TP_PROTO_NONE, "none" },
	{ TP_PROTO_ETHERNET, "ethernet" },
	{ TP_PROTO_VLAN, "vlan" },
	{ TP_PROTO_LLC, "llc" },
	{ TP_PROTO_SLL, "sll" },
	{ TP_PROTO_SLL2, "sll2" },
	{ TP_PROTO_NULL, "null" },
	{ TP_PROTO_MPLS, "mpls" },
	{ TP_PROTO_ARP, "arp" },
	{ TP_PROTO_IPV4, "ipv4" },
	{ TP_PROTO_IPV6, "ipv6" },
	{ TP_PROTO_IPV6_EXT, "ipv6 extension" },
	{ TP_PROTO_GRE, "gre" },
	{ TP_PROTO_ERSPAN, "erspan" },
	{ TP_PROTO_VXLAN, "vxlan" },
	{ TP_PROTO_GENEVE, "geneve" },
	{ TP_PROTO_TCP, "tcp" },
	{ TP_PROTO_UDP, "udp" },
	{ TP_PROTO_ICMP, "icmp" },
	{ TP_PROTO_ICMPV6, "icmpv6" },
};

static const struct tok encap_names[] = {
	{ TP_ENCAP_NONE, "" },
	{ TP_ENCAP_GRE, "gre" },
	{ TP_ENCAP_ERSPAN1, "erspan1" },
	{ TP_ENCAP_ERSPAN2, "erspan2" },
	{ TP_ENCAP_ERSPAN3, "erspan3" },
	{ TP_ENCAP_VXLAN, "vxlan" },
	{ TP_ENCAP_GENEVE, "geneve" },
	{ TP_ENCAP_MPLS, "mpls" },
	{ TP_ENCAP_IPIP, "ipip" },
};

static const struct tok malformed_names[] = {
	{ TP_MALFORMED_NONE, "" },
	{ TP_MALFORMED_TOO_DEEP, "too deep" },
	{ TP_MALFORMED_IP_VERSION, "bad ip version" },
	{ TP_MALFORMED_IP_HEADER_LEN, "bad ip header length" },
	{ TP_MALFORMED_IP_TOTAL_LEN, "bad ip total length" },
	{ TP_MALFORMED_IP_OPTION, "bad ip option" },
	{ TP_MALFORMED_IPV6_EXT, "bad ipv6 extension header" },
	{ TP_MALFORMED_TCP_HEADER_LEN, "bad tcp header length" },
	{ TP_MALFORMED_TCP_OPTION, "bad tcp option" },
	{ TP_MALFORMED_UDP_LEN, "bad udp length" },
	{ TP_MALFORMED_GRE, "bad gre header" },
	{ TP_MALFORMED_ERSPAN, "bad erspan header" },
	{ TP_MALFORMED_LINK, "bad link header" },
};

/* The name of value, or "unknown-0xNN" in a per-thread buffer that the
 * next call for an unknown value overwrites. */
static const char *tok_name(const struct tok *t, size_t n, unsigned value)
{
	static _Thread_local char unknown[24];

	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	snprintf(unknown, sizeof unknown, "unknown-0x%02x", value);
	return unknown;
}

#define TOK_NAME(table, v) tok_name(table, sizeof table / sizeof table[0], (unsigned)(v))

const char *tp_proto_name(enum tp_proto p)
{
	return TOK_NAME(proto_names, p);
}

const char *tp_encap_name(enum tp_encap e)
{
	return TOK_NAME(encap_names, e);
}

const char *tp_malformed_name(enum tp_malformed m)
{
	return TOK_NAME(malformed_names, m);
}

/* ---------------------------------------------------------- bookkeeping */

bool decode_layer(struct decoder *d, enum tp_proto proto, const uint8_t *at, size_t hdr_len)
{
	struct tp_packet *pkt = d->pkt;
	struct tp_layer *l;

	if (pkt->nlayers >= TP_MAX_LAYERS) {
		decode_malformed(d, TP_MALFORMED_TOO_DEEP);
		return false;
	}
	l = &pkt->layers[pkt->nlayers++];
	l->proto = (uint8_t)proto;
	l->offset = (uint32_t)(at - d->frame);
	l->len = (uint32_t)hdr_len;
	return true;
}

void decode_truncated(struct decoder *d, enum tp_proto proto)
{
	struct tp_packet *pkt = d->pkt;

	/* Decoding stops at the first cut, so the first one is the one. */
	if (!(pkt->flags & TP_PKT_TRUNCATED)) {
		pkt->flags |= TP_PKT_TRUNCATED;
		pkt->truncated_in = (uint8_t)proto;
	}
}

void decode_malformed(struct decoder *d, enum tp_malformed why)
{
	struct tp_packet *pkt = d->pkt;

	pkt->flags |= TP_PKT_MALFORMED;
	if (pkt->malformed == TP_MALFORMED_NONE)
		pkt->malformed = (uint8_t)why;
}

/*
 * Zeroes n bytes in pieces of at most 64: gcc -O2 stores those with a few
 * vector moves, but turns one larger memset into "rep stos", whose start-up
 * cost was a tenth of the time a frame takes to decode.  n is a constant
 * at every call, so the loop unrolls.
 */
static inline void zero(void *p, size_t n)
{
	unsigned char *b = p;

	for (; n > 64; n -= 64, b += 64)
		memset(b, 0, 64);
	memset(b, 0, n);
}

/*
 * Forgets the network and transport fields (ip_version to the end of the
 * packet), so that what an inner packet does not set reads as absent.
 */
static void reset_inner(struct tp_packet *pkt)
{
	zero(&pkt->ip_version, sizeof *pkt - offsetof(struct tp_packet, ip_version));
	pkt->wscale = 0xff;
}

bool decode_tunnel_enter(struct decoder *d, enum tp_encap encap)
{
	struct tp_packet *pkt = d->pkt;

	if (d->tunnels >= TP_MAX_TUNNELS) {
		decode_malformed(d, TP_MALFORMED_TOO_DEEP);
		return false;
	}
	d->tunnels++;
	if (pkt->encap == TP_ENCAP_NONE)
		pkt->encap = (uint8_t)encap;
	/* The transport verdicts were about the outer packet; damage found so
	 * far (truncation, malformation, FCS, a bad outer IPv4 checksum, the
	 * ERSPAN T bit) stays, as it is damage to this frame. */
	pkt->flags &= ~(TP_PKT_L4_CKSUM_BAD | TP_PKT_L4_CKSUM_OK | TP_PKT_FRAGMENT |
			TP_PKT_ICMP_QUOTE);
	reset_inner(pkt);
	return true;
}

/* ------------------------------------------------------------ EtherType */

/*
 * A header of proto does not fit in c, the bytes its carrier gives it.
 * When c runs to the end of the captured bytes and the frame was longer
 * on the wire (or the mirror cut it, ERSPAN's T bit), the capture cut it:
 * truncated.  Otherwise the frame or its carrier is shorter than the
 * header (a runt, a length field too small): malformed, for why.
 */
static void short_header(struct decoder *d, struct tp_cursor c, enum tp_proto proto,
			 enum tp_malformed why)
{
	const struct tp_packet *pkt = d->pkt;
	bool at_end = !c.p || (size_t)(c.p - d->frame) + c.left == pkt->len;

	if (at_end && (pkt->len < pkt->wire_len || (pkt->flags & TP_PKT_ERSPAN_TRUNC)))
		decode_truncated(d, proto);
	else if (why != TP_MALFORMED_NONE)
		decode_malformed(d, why);
}

/*
 * A VLAN tag stack (IEEE 802.1Q-2018 section 9.6): while *type is a tag
 * protocol identifier, reads the 2-byte TCI and the next type.  Each tag is
 * a layer; its VLAN id is kept in pkt->vlans.  Returns false when decoding
 * must stop (cut, or more tags than TP_MAX_VLANS).
 */
static bool vlan_tags(struct decoder *d, uint16_t *type, struct tp_cursor *c)
{
	struct tp_packet *pkt = d->pkt;

	/* Each pass consumes 4 bytes and pkt->nvlans bounds the passes. */
	while (*type == ETHERTYPE_8021Q || *type == ETHERTYPE_8021AD ||
	       *type == ETHERTYPE_QINQ_OLD) {
		const uint8_t *at = c->p;
		uint16_t tci;

		if (c->left < VLAN_HLEN) {
			short_header(d, *c, TP_PROTO_VLAN, TP_MALFORMED_LINK);
			return false;
		}
		if (pkt->nvlans >= TP_MAX_VLANS) {
			decode_malformed(d, TP_MALFORMED_TOO_DEEP);
			return false;
		}
		tci = tp_be16(c);
		*type = tp_be16(c);
		if (!decode_layer(d, TP_PROTO_VLAN, at, VLAN_HLEN))
			return false;
		pkt->vlans[pkt->nvlans++] = tci & 0x0fff;	/* VID: low 12 bits */
	}
	return true;
}

/* EtherTypes that make an Ethernet header after a PW control word likely. */
static bool ethertype_known(uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
	case ETHERTYPE_ARP:
	case ETHERTYPE_8021Q:
	case ETHERTYPE_8021AD:
	case ETHERTYPE_QINQ_OLD:
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return true;
	default:
		return false;
	}
}

/* ARP (RFC 826): recorded, not decoded further. */
static void decode_arp(struct decoder *d, struct tp_cursor c)
{
	const struct tp_cursor start = c;
	uint8_t hln, pln;

	tp_skip(&c, 4);		/* hardware type, protocol type */
	hln = tp_u8(&c);
	pln = tp_u8(&c);
	tp_skip(&c, 2);		/* opcode */
	tp_skip(&c, 2u * hln + 2u * pln);	/* sender and target addresses */
	if (c.short_read) {
		short_header(d, start, TP_PROTO_ARP, TP_MALFORMED_LINK);
		return;
	}
	decode_layer(d, TP_PROTO_ARP, start.p, 8u + 2u * hln + 2u * pln);
}

/*
 * The dispatch on a (non-tag) EtherType.  It and ethernet_payload() take
 * the cursor by address: a cursor is 24 bytes, passed on the stack, and
 * every copy on the way from the link layer to IP costs a store-forwarding
 * stall, so the common path makes one copy, into decode_ipv4().
 */
static inline void ethertype_dispatch(struct decoder *d, uint16_t ethertype,
				      const struct tp_cursor *c)
{
	switch (ethertype) {
	case ETHERTYPE_IPV4:
		decode_ipv4(d, *c);
		break;
	case ETHERTYPE_IPV6:
		decode_ipv6(d, *c);
		break;
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		decode_mpls(d, *c);
		break;
	case ETHERTYPE_ARP:
		decode_arp(d, *c);
		break;
	case ETHERTYPE_TEB:
		decode_ethernet(d, *c);
		break;
	default:
		/* ERSPAN (0x88be, 0x22eb) is a GRE protocol, handled in
		 * decode_gre(); anything else has no decoder here. */
		break;
	}
}

void decode_ethertype(struct decoder *d, uint16_t ethertype, struct tp_cursor c)
{
	if (vlan_tags(d, &ethertype, &c))
		ethertype_dispatch(d, ethertype, &c);
}

/*
 * 802.2 LLC (IEEE 802.2 section 3.2): DSAP, SSAP and a control field of 1
 * byte (U format: low bits 11) or 2 (I and S formats); SNAP (DSAP = SSAP =
 * 0xAA, UI) adds an OUI and a protocol id, which is an EtherType when the
 * OUI is 00-00-00 (RFC 1042) or 00-00-F8 (802.1H bridge tunnel).
 */
static void decode_llc(struct decoder *d, struct tp_cursor c)
{
	struct tp_packet *pkt = d->pkt;
	const struct tp_cursor start = c;
	const uint8_t *at = c.p;
	uint8_t dsap, ssap, ctl;
	size_t hlen = 3;

	dsap = tp_u8(&c);
	ssap = tp_u8(&c);
	ctl = tp_u8(&c);
	if (c.short_read) {
		short_header(d, start, TP_PROTO_LLC, TP_MALFORMED_LINK);
		return;
	}
	if ((ctl & 0x03) != 0x03) {
		tp_skip(&c, 1);
		hlen = 4;
	} else if (dsap == 0xaa && ssap == 0xaa && ctl == 0x03) {
		uint32_t oui;
		uint16_t type;

		oui = (uint32_t)tp_u8(&c) << 16;
		oui |= tp_be16(&c);
		type = tp_be16(&c);
		if (c.short_read) {
			short_header(d, start, TP_PROTO_LLC, TP_MALFORMED_LINK);
			return;
		}
		if (!decode_layer(d, TP_PROTO_LLC, at, 8))
			return;
		if (oui == 0x000000 || oui == 0x0000f8) {
			pkt->ethertype = type;
			decode_ethertype(d, type, c);
		}
		return;
	}
	if (c.short_read) {
		short_header(d, start, TP_PROTO_LLC, TP_MALFORMED_LINK);
		return;
	}
	decode_layer(d, TP_PROTO_LLC, at, hlen);
}

/*
 * What follows the addresses of an Ethernet frame or the header of a Linux
 * cooked capture: VLAN tags, then an EtherType or (Ethernet only) an 802.3
 * length.  Sets pkt->ethertype for the innermost frame.
 */
static inline void ethernet_payload(struct decoder *d, uint16_t type, struct tp_cursor *c)
{
	struct tp_packet *pkt = d->pkt;

	if (!vlan_tags(d, &type, c))
		return;
	if (type <= ETH_MAX_LENGTH) {
		/* An 802.3 length: the LLC PDU is that long; what follows is
		 * padding.  A PDU too short for DSAP, SSAP and control cannot
		 * be LLC.  DSAP = SSAP = 0xFF is Novell's "raw 802.3" IPX,
		 * which has no LLC header at all. */
		struct tp_cursor pdu = tp_sub(c, type);

		pkt->ethertype = 0;	/* no type: the length is not one */
		if (type < 3) {
			decode_malformed(d, TP_MALFORMED_LINK);
			return;
		}
		struct tp_cursor peek = pdu;

		if (tp_be16(&peek) == 0xffff)
			return;
		decode_llc(d, pdu);
		return;
	}
	pkt->ethertype = type;
	/* 1501-1535 is neither a length nor a type (802.3 section 3.2.6):
	 * nothing to decode, and the dispatch knows no such type. */
	ethertype_dispatch(d, type, c);
}

/* Ethernet II / 802.3 MAC header (IEEE 802.3 section 3.2).  tp_decode()
 * calls it inline, by address, for the reason ethertype_dispatch() gives. */
static inline void ethernet(struct decoder *d, struct tp_cursor *c)
{
	struct tp_packet *pkt = d->pkt;
	const uint8_t *at = c->p;
	const uint8_t *dst, *src;
	uint16_t type;

	if (c->left < ETH_HLEN) {
		short_header(d, *c, TP_PROTO_ETHERNET, TP_MALFORMED_LINK);
		return;
	}
	dst = tp_take(c, 6);
	src = tp_take(c, 6);
	type = tp_be16(c);
	if (!decode_layer(d, TP_PROTO_ETHERNET, at, ETH_HLEN))
		return;
	/* An inner frame (ERSPAN, VXLAN, GRE bridging) replaces the outer
	 * one: the packet describes the mirrored frame. */
	pkt->has_mac = true;
	memcpy(pkt->dst_mac, dst, 6);
	memcpy(pkt->src_mac, src, 6);
	ethernet_payload(d, type, c);
}

void decode_ethernet(struct decoder *d, struct tp_cursor c)
{
	ethernet(d, &c);
}

/* --------------------------------------------------------------- MPLS */

/*
 * What an MPLS label stack carries is not said anywhere in it (RFC 3032
 * section 2.2: the label's binding says).  The explicit-null labels say it
 * (section 2.1); otherwise guess from the first nibble, as Wireshark does:
 *   label 0 / 2 (explicit null)  IPv4 / IPv6
 *   nibble 4 / 6                 IPv4 / IPv6
 *   nibble 1                     G-ACh (RFC 5586): stop
 *   otherwise                    an Ethernet pseudowire (RFC 4448), with a
 *                                4-byte control word (first nibble 0,
 *                                RFC 4385) when the EtherType after a
 *                                control word is a known one and the one
 *                                without is not; Ethernet needs 14 bytes.
 * An Ethernet destination MAC that starts with 4 or 6 is misread as IP,
 * as Wireshark misreads it too.
 */
static void mpls_payload(struct decoder *d, uint32_t label, struct tp_cursor c)
{
	struct tp_cursor peek;
	unsigned nibble;

	if (label == MPLS_LABEL_IPV4_NULL) {
		decode_ipv4(d, c);
		return;
	}
	if (label == MPLS_LABEL_IPV6_NULL) {
		decode_ipv6(d, c);
		return;
	}
	if (c.left == 0) {
		/* Nothing to guess from: cut here, or an empty payload. */
		short_header(d, c, TP_PROTO_NONE, TP_MALFORMED_NONE);
		return;
	}
	peek = c;
	nibble = tp_u8(&peek) >> 4;
	switch (nibble) {
	case 4:
		decode_ipv4(d, c);
		return;
	case 6:
		decode_ipv6(d, c);
		return;
	case 1:
		return;
	case 0:
		if (c.left >= PW_CW_LEN + ETH_HLEN) {
			uint16_t plain, after_cw;

			peek = c;
			tp_skip(&peek, 12);
			plain = tp_be16(&peek);
			tp_skip(&peek, PW_CW_LEN - 2);
			after_cw = tp_be16(&peek);
			if (ethertype_known(after_cw) && !ethertype_known(plain))
				tp_skip(&c, PW_CW_LEN);
		}
		break;
	default:
		break;
	}
	if (c.left < ETH_HLEN) {
		/* Too short for Ethernet: if it was cut, a pseudowire was. */
		short_header(d, c, TP_PROTO_ETHERNET, TP_MALFORMED_NONE);
		return;
	}
	decode_ethernet(d, c);
}

/* MPLS label stack (RFC 3032 section 2.1): Label(20) TC(3) S(1) TTL(8). */
void decode_mpls(struct decoder *d, struct tp_cursor c)
{
	struct tp_packet *pkt = d->pkt;
	uint32_t label = 0;
	bool bottom = false;
	bool entered = false;

	/* Each pass consumes 4 bytes; d->mpls_depth bounds the passes. */
	while (!bottom) {
		const uint8_t *at = c.p;
		uint32_t lse;

		if (c.left < MPLS_LSE_LEN) {
			short_header(d, c, TP_PROTO_MPLS, TP_MALFORMED_LINK);
			return;
		}
		if (d->mpls_depth >= TP_MAX_MPLS || pkt->nmpls >= TP_MAX_MPLS) {
			decode_malformed(d, TP_MALFORMED_TOO_DEEP);
			return;
		}
		lse = tp_be32(&c);
		if (!decode_layer(d, TP_PROTO_MPLS, at, MPLS_LSE_LEN))
			return;
		if (!entered) {
			if (!decode_tunnel_enter(d, TP_ENCAP_MPLS))
				return;
			entered = true;
		}
		d->mpls_depth++;
		label = lse >> 12;
		bottom = lse & 0x100;
		pkt->mpls[pkt->nmpls++] = label;
	}
	mpls_payload(d, label, c);
}

/* ---------------------------------------------------------- link layers */

/* Raw IP: the version nibble says which (LINKTYPE_RAW). */
static void decode_raw(struct decoder *d, struct tp_cursor c)
{
	struct tp_cursor peek = c;

	if (c.left == 0) {
		short_header(d, c, TP_PROTO_NONE, TP_MALFORMED_NONE);
		return;
	}
	switch (tp_u8(&peek) >> 4) {
	case 4:
		decode_ipv4(d, c);
		break;
	case 6:
		decode_ipv6(d, c);
		break;
	default:
		decode_malformed(d, TP_MALFORMED_IP_VERSION);
		break;
	}
}

/*
 * BSD null/loopback: a 4-byte address family.  LINKTYPE_NULL writes it in
 * the capturing host's byte order and LINKTYPE_LOOP in network order, but
 * files of both kinds exist written the other way, so a value with bits in
 * its upper half is read the other way round.  Some writers put an
 * EtherType there instead (with junk in the other half): like Wireshark,
 * a value above the largest 802.3 length is taken as one, from its low 16
 * bits.
 */
static void decode_null(struct decoder *d, struct tp_cursor c)
{
	const uint8_t *at = c.p;
	uint32_t af;

	if (c.left < NULL_HLEN) {
		short_header(d, c, TP_PROTO_NULL, TP_MALFORMED_LINK);
		return;
	}
	af = tp_le32(&c);
	if (af > 0xffff)
		af = __builtin_bswap32(af);
	if (!decode_layer(d, TP_PROTO_NULL, at, NULL_HLEN))
		return;
	if (af > ETH_MAX_LENGTH) {
		decode_ethertype(d, (uint16_t)af, c);
		return;
	}
	switch (af) {
	case BSD_AF_INET:
		decode_ipv4(d, c);
		break;
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		decode_ipv6(d, c);
		break;
	default:
		break;
	}
}

/*
 * The payload of a Linux cooked capture: an EtherType, or one of the
 * small values Linux uses for frames that have none (linux/if_ether.h).
 * With ARPHRD_IPGRE the protocol is the GRE protocol type, which for what
 * we decode is an EtherType too.
 */
static void sll_payload(struct decoder *d, uint16_t hatype, uint16_t halen,
			const uint8_t *addr, uint16_t protocol, struct tp_cursor c)
{
	struct tp_packet *pkt = d->pkt;

	/* SLL gives only the sender's address; the destination stays
	 * zero. */
	if (hatype == ARPHRD_ETHER && halen == 6) {
		pkt->has_mac = true;
		memcpy(pkt->src_mac, addr, 6);
		memset(pkt->dst_mac, 0, 6);
	}
	if (protocol >= ETH_MIN_TYPE) {
		ethernet_payload(d, protocol, &c);
		return;
	}
	pkt->ethertype = 0;
	if (protocol == LINUX_SLL_P_802_2)
		decode_llc(d, c);
	/* LINUX_SLL_P_802_3 (IPX), CAN and the rest: no decoder. */
}

/*
 * Linux cooked v1 (LINKTYPE_LINUX_SLL): packet type(2), ARPHRD type(2),
 * address length(2), address(8, zero-padded), protocol(2).
 */
static void decode_sll(struct decoder *d, struct tp_cursor c)
{
	const uint8_t *at = c.p;
	const uint8_t *addr;
	uint16_t hatype, halen, protocol;

	if (c.left < SLL_HLEN) {
		short_header(d, c, TP_PROTO_SLL, TP_MALFORMED_LINK);
		return;
	}
	tp_skip(&c, 2);		/* packet type */
	hatype = tp_be16(&c);
	halen = tp_be16(&c);
	addr = tp_take(&c, 8);
	protocol = tp_be16(&c);
	if (!decode_layer(d, TP_PROTO_SLL, at, SLL_HLEN))
		return;
	sll_payload(d, hatype, halen, addr, protocol, c);
}

/*
 * Linux cooked v2 (LINKTYPE_LINUX_SLL2): protocol(2), reserved(2),
 * interface index(4), ARPHRD type(2), packet type(1), address length(1),
 * address(8).
 */
static void decode_sll2(struct decoder *d, struct tp_cursor c)
{
	const uint8_t *at = c.p;
	const uint8_t *addr;
	uint16_t hatype, protocol;
	uint8_t halen;

	if (c.left < SLL2_HLEN) {
		short_header(d, c, TP_PROTO_SLL2, TP_MALFORMED_LINK);
		return;
	}
	protocol = tp_be16(&c);
	tp_skip(&c, 2 + 4);	/* reserved, interface index */
	hatype = tp_be16(&c);
	tp_skip(&c, 1);		/* packet type */
	halen = tp_u8(&c);
	addr = tp_take(&c, 8);
	if (!decode_layer(d, TP_PROTO_SLL2, at, SLL2_HLEN))
		return;
	sll_payload(d, hatype, halen, addr, protocol, c);
}

/* ---------------------------------------------------------------- FCS */

/*
 * A trailing FCS (fcs_len > 0, any link type) is in the captured bytes only
 * when the frame was captured whole: a snaplen cut takes the end, FCS first.  On the wire
 * the frame counts it either way, so wire_len loses it either way.
 *
 * The Ethernet FCS is the CRC-32 of IEEE 802.3 section 3.2.9, which is
 * zlib's crc32() of the frame without the FCS, sent least significant byte
 * first (checked against tshark -o eth.fcs:TRUE -o eth.check_fcs:TRUE).
 * pkt->fcs holds the bytes read in wire order, as Wireshark shows eth.fcs,
 * so a good frame has pkt->fcs == bswap32(crc32()).  A 2-byte FCS has no
 * Ethernet CRC to check it against: it is cut off and kept unchecked.
 */
/* CRC-32 as zlib computes it; ISA-L's folding (PCLMULQDQ) version when
 * built with it, several times faster on every frame that keeps its FCS. */
static uint32_t frame_crc32(const uint8_t *p, uint32_t n)
{
#ifdef TP_HAVE_ISAL
	return crc32_gzip_refl(0, p, n);
#else
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, n);
#endif
}

static void strip_fcs(struct tp_packet *pkt, const struct tp_record *rec)
{
	uint32_t fcs_len = (uint32_t)rec->fcs_len;

	if (pkt->wire_len >= fcs_len)
		pkt->wire_len -= fcs_len;
	if (rec->caplen < rec->origlen || rec->caplen < fcs_len)
		return;

	struct tp_cursor c = tp_cursor_make(rec->data, rec->caplen);
	const uint8_t *frame = tp_take(&c, rec->caplen - fcs_len);

	pkt->len = rec->caplen - fcs_len;
	pkt->flags |= TP_PKT_HAS_FCS;
	if (fcs_len == 4) {
		pkt->fcs = tp_be32(&c);
		if (rec->linktype == LINKTYPE_ETHERNET &&
		    __builtin_bswap32(frame_crc32(frame, pkt->len)) != pkt->fcs)
			pkt->flags |= TP_PKT_FCS_BAD;
	} else if (fcs_len == 2) {
		pkt->fcs = tp_be16(&c);
	}
}

/* ---------------------------------------------------------------- entry */

uint32_t tp_decode(struct tp_packet *pkt, const struct tp_record *rec)
{
	struct decoder d;
	struct tp_cursor c;

	/* Reset what is not governed by a count: the packet is ~600 bytes,
	 * of which layers[] and mpls[] are half. */
	pkt->data = rec->data;
	pkt->len = rec->caplen;
	pkt->wire_len = rec->origlen < rec->caplen ? rec->caplen : rec->origlen;
	pkt->ts_ns = rec->ts_ns;
	pkt->linktype = rec->linktype;
	pkt->flags = 0;
	pkt->malformed = TP_MALFORMED_NONE;
	pkt->truncated_in = TP_PROTO_NONE;
	pkt->nlayers = 0;
	memset(&pkt->fcs, 0, offsetof(struct tp_packet, mpls) - offsetof(struct tp_packet, fcs));
	zero(&pkt->nvlans, offsetof(struct tp_packet, ip_version) -
	     offsetof(struct tp_packet, nvlans));
	reset_inner(pkt);

	if (rec->fcs_len > 0)
		strip_fcs(pkt, rec);
	if (pkt->wire_len < pkt->len)
		pkt->wire_len = pkt->len;

	d.pkt = pkt;
	d.frame = rec->data;
	d.tunnels = 0;
	d.mpls_depth = 0;
	c = tp_cursor_make(rec->data, pkt->len);

	switch (rec->linktype) {
	case LINKTYPE_ETHERNET:
		ethernet(&d, &c);
		break;
	case LINKTYPE_NULL:
	case LINKTYPE_LOOP:
		decode_null(&d, c);
		break;
	case LINKTYPE_RAW:
	case DLT_RAW_BSDI:
	case DLT_RAW_OPENBSD:
		decode_raw(&d, c);
		break;
	case LINKTYPE_IPV4:
		decode_ipv4(&d, c);
		break;
	case LINKTYPE_IPV6:
		decode_ipv6(&d, c);
		break;
	case LINKTYPE_LINUX_SLL:
		decode_sll(&d, c);
		break;
	case LINKTYPE_LINUX_SLL2:
		decode_sll2(&d, c);
		break;
	default:
		/* No decoder for this link type: a packet without layers. */
		break;
	}
	return pkt->flags;
}
