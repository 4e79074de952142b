/*
 * decode_tunnel.c - the tunnels a mirrored frame travels in: GRE, ERSPAN
 * type I, II and III, VXLAN and Geneve.
 *
 * References:
 *   GRE                 RFC 2784 section 2; RFC 2890 section 2 (key,
 *                       sequence); RFC 1701 section 2.1 (routing)
 *   Enhanced GRE (PPTP) RFC 2637 section 4.1
 *   ERSPAN              draft-foschiano-erspan-03 (type II section 4.2,
 *                       type III section 4.3 with the platform-specific
 *                       subheader); tcpdump print-erspan.c and Wireshark's
 *                       packet-erspan.c for what real devices send
 *   VXLAN               RFC 7348 section 5
 *   Geneve              RFC 8926 section 3.4-3.5
 *
 * A tunnel is entered (decode_tunnel_enter) once its own header is whole
 * and says what it carries: the packet then describes the inner frame.  A
 * tunnel whose payload we cannot decode (GRE keepalives, PPTP's PPP, an
 * unknown Geneve protocol) is recorded as a layer but not entered, so the
 * packet stays the outer IP packet and keeps its flow.
 *
 * The tunnel fields of the packet (gre_*, erspan, vni) describe the
 * outermost tunnel of each kind, except that the GRE fields are those of
 * the GRE header carrying the outermost ERSPAN when there is one: ERSPAN's
 * sequence number is the GRE sequence number.
 */
#include "formats/decode_internal.h"

/* GRE flags and version (RFC 2784 section 2, RFC 2890 section 2, RFC 2637
 * section 4.1). */
#define GRE_C		0x8000u	/* checksum present */
#define GRE_R		0x4000u	/* routing present (RFC 1701) */
#define GRE_K		0x2000u	/* key present */
#define GRE_S		0x1000u	/* sequence number present */
#define GRE_A		0x0080u	/* acknowledgment present (version 1) */
#define GRE_VER_MASK	0x0007u

#define GRE_PROTO_ERSPAN2	0x88be	/* ERSPAN type I (no S bit) and II */
#define GRE_PROTO_ERSPAN3	0x22eb
#define ETHERTYPE_TEB		0x6558	/* transparent Ethernet bridging */

#define ERSPAN2_HLEN		8
#define ERSPAN3_HLEN		12
#define ERSPAN3_SUBHDR_LEN	8	/* platform-specific subheader, O bit */
#define ERSPAN_VER_II		1	/* Ver field of type II */
#define ERSPAN_VER_III		2	/* Ver field of type III */
#define ERSPAN3_FT_ETHERNET	0	/* frame type: Ethernet */
#define ERSPAN3_FT_IP		2	/* frame type: IP packet */

#define VXLAN_HLEN		8
#define VXLAN_FLAG_I		0x08	/* the VNI is valid */

#define GENEVE_HLEN		8

/*
 * A header of proto does not fit in c: truncated when c runs to the end
 * of the captured bytes of a frame the capture (or the mirror: ERSPAN's T
 * bit) cut short; otherwise what carries it is too short for it:
 * malformed for why, or nothing when why is NONE (a UDP port is only a
 * hint that a tunnel header follows).
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

/* Was a layer of this kind met before the one being decoded? */
static bool seen(const struct tp_packet *pkt, enum tp_proto proto)
{
	for (unsigned i = 0; i < pkt->nlayers; i++)
		if (pkt->layers[i].proto == proto)
			return true;
	return false;
}

/*
 * The EtherTypes decode_ethertype() decodes (keep in step with it): a
 * tunnel carrying anything else is not entered.
 */
static bool inner_known(uint16_t type)
{
	switch (type) {
	case 0x0800:	/* IPv4 */
	case 0x86dd:	/* IPv6 */
	case 0x0806:	/* ARP */
	case 0x8100:	/* 802.1Q */
	case 0x88a8:	/* 802.1ad */
	case 0x9100:	/* old QinQ */
	case 0x8847:	/* MPLS */
	case 0x8848:	/* MPLS multicast */
	case ETHERTYPE_TEB:
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------------- ERSPAN */

/*
 * ERSPAN type II (draft-foschiano-erspan-03 section 4.2):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Ver  |          VLAN         | COS | En|T|    Session ID     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      Reserved         |                  Index                |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * ERSPAN type III (section 4.3):
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Ver  |          VLAN         | COS |BSO|T|    Session ID     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                          Timestamp                            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   Platform-specific subheader (8 bytes, when O is set)       |
 *
 * The Ver field decides the layout whichever GRE protocol carried it, as
 * Wireshark does; a Ver that is neither 1 nor 2 is malformed.  Type III
 * carries an Ethernet frame (FT 0) or an IP packet (FT 2); other frame
 * types are not decoded.
 */
static void decode_erspan(struct decoder *d, struct tp_cursor c, uint16_t gre_proto, bool first)
{
	struct tp_packet *pkt = d->pkt;
	struct tp_erspan *e = &pkt->erspan;
	const struct tp_cursor start = c;
	const uint8_t *at = c.p;
	struct tp_cursor peek = c;
	uint32_t w0, w1;
	uint16_t w2 = 0;
	unsigned ver, ft = ERSPAN3_FT_ETHERNET;
	size_t hlen;

	/* The version, when it was captured, names the encapsulation. */
	ver = c.left >= 1 ? (unsigned)tp_u8(&peek) >> 4 : 0;
	if (ver != ERSPAN_VER_II && ver != ERSPAN_VER_III)
		ver = gre_proto == GRE_PROTO_ERSPAN3 ? ERSPAN_VER_III : ERSPAN_VER_II;
	if (!decode_tunnel_enter(d, ver == ERSPAN_VER_III ? TP_ENCAP_ERSPAN3 : TP_ENCAP_ERSPAN2))
		return;
	if (c.left < 4) {
		short_header(d, start, TP_PROTO_ERSPAN, TP_MALFORMED_ERSPAN);
		return;
	}
	w0 = tp_be32(&c);
	if (w0 >> 28 != ERSPAN_VER_II && w0 >> 28 != ERSPAN_VER_III) {
		decode_malformed(d, TP_MALFORMED_ERSPAN);
		return;
	}
	w1 = tp_be32(&c);
	hlen = ERSPAN2_HLEN;
	if (ver == ERSPAN_VER_III) {
		w2 = (uint16_t)tp_be32(&c);	/* SGT is the high half */
		hlen = ERSPAN3_HLEN;
		ft = w2 >> 10 & 0x1f;
	}
	if (c.short_read) {
		short_header(d, start, TP_PROTO_ERSPAN, TP_MALFORMED_ERSPAN);
		return;
	}

	/* The fixed header is whole: its fields are kept even if the
	 * platform-specific subheader was cut, as the session and sequence
	 * are what loss on the mirror path is counted by. */
	if (first) {
		e->version = (uint8_t)ver;
		e->vlan = w0 >> 16 & 0x0fff;
		e->cos = w0 >> 13 & 0x07;
		e->truncated = w0 & 0x0400;
		e->session = w0 & 0x03ff;
		if (ver == ERSPAN_VER_II) {
			e->en = w0 >> 11 & 0x03;
			e->index = w1 & 0xfffff;
		} else {
			e->bso = w0 >> 11 & 0x03;
			e->timestamp = w1;
			e->hw_id = w2 >> 4 & 0x3f;
			e->direction = w2 & 0x0008;
			e->granularity = w2 >> 1 & 0x03;
		}
	}
	if (ver == ERSPAN_VER_III && (w2 & 0x0001)) {
		hlen += ERSPAN3_SUBHDR_LEN;
		if (!tp_skip(&c, ERSPAN3_SUBHDR_LEN)) {
			short_header(d, start, TP_PROTO_ERSPAN, TP_MALFORMED_ERSPAN);
			return;
		}
	}
	if (w0 & 0x0400)	/* T: the mirror cut the frame to fit */
		pkt->flags |= TP_PKT_ERSPAN_TRUNC;
	if (!decode_layer(d, TP_PROTO_ERSPAN, at, hlen))
		return;

	if (ft == ERSPAN3_FT_ETHERNET) {
		decode_ethernet(d, c);
	} else if (ft == ERSPAN3_FT_IP) {
		peek = c;
		if (c.left == 0)
			short_header(d, c, TP_PROTO_NONE, TP_MALFORMED_NONE);
		else if (tp_u8(&peek) >> 4 == 6)
			decode_ipv6(d, c);
		else
			decode_ipv4(d, c);
	}
}

/* ---------------------------------------------------------------- GRE */

/*
 * GRE (RFC 2784 section 2.1, RFC 2890 section 2):
 *
 *   |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
 *   |      Checksum (optional)      |  Offset / Reserved1 (optional)|
 *   |                         Key (optional)                        |
 *   |                 Sequence Number (optional)                    |
 *   |          Routing (optional, RFC 1701: a list of SREs)         |
 *
 * RFC 2784 would have a receiver drop a packet with R, s or Recur set
 * unless it implements RFC 1701; we do: the checksum/offset word is
 * present when C or R is, and R adds source route entries (address
 * family(2), offset(1), length(1), information) ending with family 0 and
 * length 0.  Version 1 is PPTP's enhanced GRE (RFC 2637 section 4.1: key =
 * payload length and call id, optional acknowledgment): recorded, not
 * entered, as its PPP payload is not decoded here.  Versions 2-7 do not
 * exist.
 */
void decode_gre(struct decoder *d, struct tp_cursor c)
{
	struct tp_packet *pkt = d->pkt;
	const struct tp_cursor start = c;
	const uint8_t *at = c.p;
	uint16_t fv, proto;
	uint32_t key = 0, seq = 0;
	bool erspan, first_erspan;

	fv = tp_be16(&c);
	proto = tp_be16(&c);
	if (c.short_read) {
		short_header(d, start, TP_PROTO_GRE, TP_MALFORMED_GRE);
		return;
	}
	if ((fv & GRE_VER_MASK) > 1) {
		decode_malformed(d, TP_MALFORMED_GRE);
		return;
	}
	if (fv & (GRE_C | GRE_R))
		tp_skip(&c, 4);
	if (fv & GRE_K)
		key = tp_be32(&c);
	if (fv & GRE_S)
		seq = tp_be32(&c);
	if ((fv & GRE_VER_MASK) == 1 && (fv & GRE_A))
		tp_skip(&c, 4);
	if (fv & GRE_R) {
		/* Each entry takes at least 4 bytes: the cursor bounds the
		 * loop. */
		while (!c.short_read) {
			uint16_t af = tp_be16(&c);
			uint8_t sre_len;

			tp_skip(&c, 1);		/* SRE offset */
			sre_len = tp_u8(&c);
			if (af == 0 && sre_len == 0)
				break;
			tp_skip(&c, sre_len);
		}
	}
	if (c.short_read) {
		short_header(d, start, TP_PROTO_GRE, TP_MALFORMED_GRE);
		return;
	}

	erspan = (fv & GRE_VER_MASK) == 0 &&
		 (proto == GRE_PROTO_ERSPAN2 || proto == GRE_PROTO_ERSPAN3);
	first_erspan = erspan && !seen(pkt, TP_PROTO_ERSPAN);
	if (!seen(pkt, TP_PROTO_GRE) || first_erspan) {
		pkt->gre_has_key = fv & GRE_K;
		pkt->gre_has_seq = fv & GRE_S;
		pkt->gre_key = key;
		pkt->gre_seq = seq;
	}
	if (!decode_layer(d, TP_PROTO_GRE, at, start.left - c.left))
		return;
	if ((fv & GRE_VER_MASK) == 1)
		return;

	if (proto == GRE_PROTO_ERSPAN2 && !(fv & GRE_S)) {
		/* ERSPAN type I: no sequence number and no ERSPAN header, the
		 * mirrored frame follows the GRE header (4 bytes as sent).  It
		 * is recorded as an ERSPAN layer of no bytes, so that the
		 * layers say ERSPAN. */
		if (!decode_tunnel_enter(d, TP_ENCAP_ERSPAN1))
			return;
		if (!decode_layer(d, TP_PROTO_ERSPAN, c.p, 0))
			return;
		if (first_erspan)
			pkt->erspan.version = 0;
		decode_ethernet(d, c);
		return;
	}
	if (erspan) {
		decode_erspan(d, c, proto, first_erspan);
		return;
	}
	if (!inner_known(proto))
		return;
	if (!decode_tunnel_enter(d, TP_ENCAP_GRE))
		return;
	if (proto == ETHERTYPE_TEB)
		decode_ethernet(d, c);
	else
		decode_ethertype(d, proto, c);
}

/* -------------------------------------------------------------- VXLAN */

/*
 * VXLAN (RFC 7348 section 5): flags(8, I = 0x08), reserved(24), VNI(24),
 * reserved(8), then an Ethernet frame.  Without the I flag the VNI is not
 * valid and reads as 0; the frame is decoded all the same, as Wireshark
 * does (the reserved bits "MUST be ignored on receipt").
 */
void decode_vxlan(struct decoder *d, struct tp_cursor c)
{
	struct tp_packet *pkt = d->pkt;
	const uint8_t *at = c.p;
	uint8_t flags;
	uint32_t vni;
	bool first;

	if (c.left < VXLAN_HLEN) {
		short_header(d, c, TP_PROTO_VXLAN, TP_MALFORMED_NONE);
		return;
	}
	flags = tp_u8(&c);
	tp_skip(&c, 3);
	vni = tp_be32(&c) >> 8;
	first = !seen(pkt, TP_PROTO_VXLAN) && !seen(pkt, TP_PROTO_GENEVE);
	if (!decode_layer(d, TP_PROTO_VXLAN, at, VXLAN_HLEN))
		return;
	if (!decode_tunnel_enter(d, TP_ENCAP_VXLAN))
		return;
	if (first)
		pkt->vni = flags & VXLAN_FLAG_I ? vni : 0;
	decode_ethernet(d, c);
}

/* ------------------------------------------------------------- Geneve */

/*
 * Geneve (RFC 8926 section 3.4):
 *
 *   |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *   |        Virtual Network Identifier (VNI)       |    Reserved   |
 *   |                    Variable-Length Options                    |
 *
 * Opt Len counts 4-byte words (at most 63, so 252 bytes of options).  A
 * version other than 0 has a header we do not know (section 3.4: such
 * packets are dropped): its first 8 bytes are recorded and nothing more.
 * Protocol Type 0x6558 is an Ethernet frame; other values are EtherTypes.
 */
void decode_geneve(struct decoder *d, struct tp_cursor c)
{
	struct tp_packet *pkt = d->pkt;
	const struct tp_cursor start = c;
	const uint8_t *at = c.p;
	uint8_t b0;
	uint16_t proto;
	uint32_t vni;
	size_t hlen;
	bool first;

	if (c.left < GENEVE_HLEN) {
		short_header(d, c, TP_PROTO_GENEVE, TP_MALFORMED_NONE);
		return;
	}
	b0 = tp_u8(&c);
	tp_skip(&c, 1);
	proto = tp_be16(&c);
	vni = tp_be32(&c) >> 8;
	if (b0 >> 6 != 0) {
		decode_layer(d, TP_PROTO_GENEVE, at, GENEVE_HLEN);
		return;
	}
	hlen = GENEVE_HLEN + 4u * (b0 & 0x3f);
	if (!tp_skip(&c, hlen - GENEVE_HLEN)) {
		short_header(d, start, TP_PROTO_GENEVE, TP_MALFORMED_NONE);
		return;
	}
	first = !seen(pkt, TP_PROTO_VXLAN) && !seen(pkt, TP_PROTO_GENEVE);
	if (!decode_layer(d, TP_PROTO_GENEVE, at, hlen))
		return;
	if (first)
		pkt->vni = vni;
	if (!inner_known(proto))
		return;
	if (!decode_tunnel_enter(d, TP_ENCAP_GENEVE))
		return;
	if (proto == ETHERTYPE_TEB)
		decode_ethernet(d, c);
	else
		decode_ethertype(d, proto, c);
}
