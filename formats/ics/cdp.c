/*
 * cdp.c - Cisco Discovery Protocol advertisements (LLC SNAP, OUI 00-00-0C,
 * protocol id 0x2000): one message per frame, and what the sender says
 * about itself.
 *
 * No public specification: the layout below is the one Cisco documents in
 * its configuration guides and that tcpdump (print-cdp.c) and Wireshark
 * (packet-cdp.c) decode; the TLV type numbers are theirs.
 *
 *   802.3 header (length) | LLC AA AA 03 | SNAP 00 00 0C 20 00 | CDP | pad
 *
 *   0               1               2               3
 *   +---------------+---------------+-------------------------------+
 *   | version (1,2) | TTL (seconds) | checksum (RFC 1071 style)     |
 *   +---------------+---------------+-------------------------------+
 *   | type                          | length (4 + value)            |
 *   +-------------------------------+-------------------------------+
 *   | value ...                     (TLVs until the end of the PDU)
 *
 *   TLV 0x0001 Device ID          string
 *       0x0002 Addresses          count (4 octets), then per address:
 *                                 protocol type (1: NLPID, 2: 802.2),
 *                                 protocol length, protocol (NLPID 0xCC =
 *                                 IPv4; 802.2 AA AA 03 00 00 00 86 DD =
 *                                 IPv6), address length (2), address
 *       0x0003 Port ID            string
 *       0x0004 Capabilities       32-bit mask
 *       0x0005 Software Version   string (the "show version" banner)
 *       0x0006 Platform           string
 *       0x000a Native VLAN        16 bits
 *       0x0014 System Name        string
 *       0x0016 Management Address as 0x0002
 *
 * The PDU ends where the 802.3 length says (Ethernet padding follows):
 * when the bytes given are those after the frame's SNAP header, that
 * length is read from the frame; otherwise the walk stops at the first TLV
 * shorter than its own header, which zero padding is.  The checksum is not
 * checked (tshark shows it; a bad one does not make the PDU unreadable).
 *
 * function: the CDP version (1 "cdp_v1", 2 "cdp_v2"); kind ANNOUNCE, no
 * roles.  A message is reported when the 4-octet header is whole and the
 * version is 1 or 2; TLVs are read as far as they are whole.
 *
 * Identities of the sender: Device ID and System Name ICS_F_NAME; Port ID
 * ICS_F_PORT; Platform ICS_F_MODEL ("cisco WS-C3550-24"); Software
 * Version ICS_F_SYSDESCR: it is the text SNMP's sysDescr.0 gives on the
 * same device, with the firmware version inside a free-form banner that
 * is not parsed; each IPv4 or IPv6 entry of Addresses and Management
 * Address (0.0.0.0 and :: skipped: no address) as ICS_F_ADDRESS with
 * ICS_SUBJECT_GIVEN, bound to the frame's source MAC.
 */
#include <string.h>

#include "formats/ics/ics.h"

#define CDP_HEADER	4u
#define SNAP_HEADER	8	/* LLC 3 + OUI 3 + protocol id 2 */
#define ETH_MAX_LENGTH	1500

enum cdp_tlv {
	CDP_DEVICE_ID = 0x0001,
	CDP_ADDRESSES = 0x0002,
	CDP_PORT_ID = 0x0003,
	CDP_SOFTWARE = 0x0005,
	CDP_PLATFORM = 0x0006,
	CDP_SYSTEM_NAME = 0x0014,
	CDP_MGMT_ADDRESS = 0x0016,
};

#define NLPID		1	/* protocol types of an address entry */
#define IEEE_802_2	2

static const uint8_t nlpid_ip[1] = { 0xcc };
static const uint8_t snap_ipv6[8] = { 0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd };

/*
 * The CDP PDU's length from the 802.3 length field, when c starts right
 * after the frame's SNAP header and an Ethernet or VLAN header holding that
 * field comes just before the LLC; 0 when unknown.
 */
static uint32_t pdu_len(const struct tp_packet *pkt, struct tp_cursor c)
{
	const struct tp_layer *llc, *prev;
	struct tp_cursor f;
	uint16_t len;

	if (pkt->nlayers < 2 || !pkt->data)
		return 0;
	llc = &pkt->layers[pkt->nlayers - 1];
	prev = &pkt->layers[pkt->nlayers - 2];
	if (llc->proto != TP_PROTO_LLC || llc->len != SNAP_HEADER ||
	    (prev->proto != TP_PROTO_ETHERNET && prev->proto != TP_PROTO_VLAN) ||
	    prev->len < 2 || prev->offset + prev->len != llc->offset ||
	    llc->offset + SNAP_HEADER > pkt->len || c.p != pkt->data + llc->offset + SNAP_HEADER)
		return 0;
	f = tp_cursor_make(pkt->data, pkt->len);
	tp_skip(&f, llc->offset - 2);
	len = tp_be16(&f);
	if (f.short_read || len > ETH_MAX_LENGTH || len < SNAP_HEADER)
		return 0;
	return (uint32_t)len - SNAP_HEADER;
}

/* Whether an address entry's protocol field is exactly want. */
static bool is_proto(struct tp_cursor proto, const uint8_t *want, size_t n)
{
	const uint8_t *p = proto.left == n ? tp_take(&proto, n) : NULL;

	return p && memcmp(p, want, n) == 0;
}

/* Addresses and Management Address: count, then the entries. */
static void addresses(const struct ics_ctx *x, struct tp_cursor v)
{
	uint32_t count = tp_be32(&v);

	while (count-- && v.left && !v.short_read) {
		uint8_t version;
		uint8_t ptype = tp_u8(&v), plen = tp_u8(&v);
		struct tp_cursor proto = tp_sub(&v, plen);
		uint16_t alen = tp_be16(&v);
		struct tp_cursor addr = tp_sub(&v, alen);
		const uint8_t *p;

		if (v.short_read)
			return;	/* an entry cut short: nothing of it is used */
		if (ptype == NLPID && alen == 4 && is_proto(proto, nlpid_ip, sizeof nlpid_ip))
			version = 4;
		else if (ptype == IEEE_802_2 && alen == 16 &&
			 is_proto(proto, snap_ipv6, sizeof snap_ipv6))
			version = 6;
		else
			continue;
		p = tp_take(&addr, alen);
		if (p && x->pkt->has_mac)
			ics_ident_binding(x, ICS_CDP, x->pkt->src_mac, version, p);
	}
}

/* The identity a string TLV gives, or ICS_F_COUNT for none. */
static enum ics_field string_field(uint16_t type)
{
	switch (type) {
	case CDP_DEVICE_ID:
	case CDP_SYSTEM_NAME:
		return ICS_F_NAME;
	case CDP_PORT_ID:
		return ICS_F_PORT;
	case CDP_PLATFORM:
		return ICS_F_MODEL;
	case CDP_SOFTWARE:
		return ICS_F_SYSDESCR;
	default:
		return ICS_F_COUNT;
	}
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t all = c.left;
	uint32_t len = pdu_len(x->pkt, c);
	struct ics_msg m = { .proto = ICS_CDP, .kind = ICS_KIND_ANNOUNCE };
	uint8_t version;

	if (len)
		c = tp_sub(&c, len);
	version = tp_u8(&c);
	tp_skip(&c, 3);	/* TTL, checksum */
	if (c.short_read || version < 1 || version > 2)
		return all;
	m.function = version;
	ics_emit(x, &m);
	while (c.left >= CDP_HEADER) {
		uint16_t type = tp_be16(&c), tlen = tp_be16(&c);
		enum ics_field f;
		struct tp_cursor v;

		if (tlen < CDP_HEADER || c.left < tlen - CDP_HEADER)
			break;	/* padding, or a TLV cut short */
		v = tp_sub(&c, tlen - CDP_HEADER);
		f = string_field(type);
		if (type == CDP_ADDRESSES || type == CDP_MGMT_ADDRESS)
			addresses(x, v);
		else if (f != ICS_F_COUNT && v.left)
			ics_ident_bytes(x, ICS_CDP, f, tp_take(&v, v.left), tlen - CDP_HEADER);
	}
	return all;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	static const char *const names[3] = { NULL, "cdp_v1", "cdp_v2" };

	return proto == ICS_CDP && function < 3 ? names[function] : NULL;
}

const struct ics_dissector ics_cdp = {
	.name = "cdp",
	.proto = ICS_CDP,
	.snap_oui = 0x00000c,
	.snap_pid = 0x2000,
	.dissect = dissect,
	.function_name = function_name,
};
