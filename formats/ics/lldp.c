/*
 * lldp.c - LLDP advertisements (EtherType 0x88CC): one message per LLDPDU,
 * and what the sender says about itself.
 *
 * References: IEEE 802.1AB-2016 clause 8 (8.4 the LLDPDU: Chassis ID, Port
 * ID and Time To Live TLVs first, in that order, End last; 8.5 the basic
 * TLVs: 8.5.2 Chassis ID, 8.5.3 Port ID, 8.5.4 TTL, 8.5.5 Port
 * Description, 8.5.6 System Name, 8.5.7 System Description, 8.5.8 System
 * Capabilities, 8.5.9 Management Address; 8.6 organizationally specific
 * TLVs); 9.2.7.7.1 (an LLDPDU whose first three TLVs are not those is
 * discarded); ANSI/TIA-1057 (LLDP-MED) 10.2.6 inventory TLVs (OUI
 * 00-12-BB, subtypes 5 to 11); IANA Address Family Numbers (1 IPv4,
 * 2 IPv6) for management and network addresses.
 *
 *   TLV: | type (7 bits) | length (9 bits) | value (length octets) |
 *
 * function: 0 "lldpdu", 1 "lldpdu_shutdown" (TTL 0, 9.2.6.2: the sender
 * withdraws what it said).  kind ANNOUNCE, no roles.  A message is
 * reported when the Chassis ID, Port ID and TTL TLVs are whole and valid;
 * the other TLVs are read as far as they are whole (a TLV cut by the end of
 * the bytes ends the walk).
 *
 * Identities of the sender:
 *   Port ID           ICS_F_PORT: the bytes of string subtypes (1 interface
 *                     alias, 2 port component, 5 interface name, 6 agent
 *                     circuit id, 7 locally assigned); a MAC address
 *                     (subtype 3) as "00:0e:8c:ef:75:c9", a network address
 *                     (subtype 4) as dotted IPv4 or IPv6 text
 *   System Name       ICS_F_NAME
 *   System Description ICS_F_SYSDESCR
 *   LLDP-MED inventory firmware and software revision ICS_F_FIRMWARE,
 *                     serial number ICS_F_SERIAL, manufacturer ICS_F_VENDOR,
 *                     model name ICS_F_MODEL
 *   Management Address ICS_F_ADDRESS, ICS_SUBJECT_GIVEN: the frame's source
 *                     MAC with the IPv4 or IPv6 address (an all-zero
 *                     address, as PROFINET switches send when they have
 *                     none, is not one and is skipped)
 * The Chassis ID is checked, not reported: it is a MAC address (often not
 * the source MAC of the port that sent the frame) or a name chosen by the
 * device, for which ics.h has no field.  Port Description and System
 * Capabilities have no field either.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "formats/ics/ics.h"

enum lldp_tlv {
	LLDP_END, LLDP_CHASSIS_ID, LLDP_PORT_ID, LLDP_TTL, LLDP_PORT_DESCR, LLDP_SYS_NAME,
	LLDP_SYS_DESCR, LLDP_SYS_CAPS, LLDP_MGMT_ADDR, LLDP_ORG = 127
};

enum lldp_function { LLDP_FN_LLDPDU, LLDP_FN_SHUTDOWN };

#define PORT_ID_MAC	3
#define PORT_ID_ADDR	4
#define IANA_IPV4	1
#define IANA_IPV6	2
#define TIA_OUI		0x0012bbu

struct tlv {
	unsigned type;
	uint32_t len;
	struct tp_cursor val;
};

/* The next whole TLV; false at the end of the bytes or at a cut TLV. */
static bool next_tlv(struct tp_cursor *c, struct tlv *t)
{
	uint16_t h = tp_be16(c);

	if (c->short_read)
		return false;
	t->type = h >> 9;
	t->len = h & 0x1ffu;
	if (c->left < t->len)
		return false;
	t->val = tp_sub(c, t->len);
	return true;
}

/* An IPv4 or IPv6 address of IANA family fam, n octets, into ip[16]. */
static bool read_ip(struct tp_cursor *v, uint8_t fam, size_t n, uint8_t ip[16], uint8_t *version)
{
	const uint8_t *p;

	if (!((fam == IANA_IPV4 && n == 4) || (fam == IANA_IPV6 && n == 16)))
		return false;
	p = tp_take(v, n);
	if (!p)
		return false;
	memset(ip, 0, 16);
	memcpy(ip, p, n);
	*version = fam == IANA_IPV4 ? 4 : 6;
	return true;
}

/* The rest of a TLV's value as an identity, unless empty. */
static void whole_value(const struct ics_ctx *x, enum ics_field f, struct tp_cursor v)
{
	uint32_t n = v.left;
	const uint8_t *p = tp_take(&v, n);

	if (p && n)
		ics_ident_bytes(x, ICS_LLDP, f, p, n);
}

/* 8.5.3: the port id, as bytes or, for an address subtype, as text. */
static void port_id(const struct ics_ctx *x, struct tp_cursor v)
{
	uint8_t subtype = tp_u8(&v);
	char text[INET6_ADDRSTRLEN];
	const uint8_t *p;

	if (subtype == PORT_ID_MAC) {
		if (v.left != 6 || !(p = tp_take(&v, 6)))
			return;
		snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2],
			 p[3], p[4], p[5]);
		ics_ident_bytes(x, ICS_LLDP, ICS_F_PORT, text, strlen(text));
	} else if (subtype == PORT_ID_ADDR) {
		uint8_t fam = tp_u8(&v), ip[16], version;

		if (!read_ip(&v, fam, v.left, ip, &version) ||
		    !inet_ntop(version == 4 ? AF_INET : AF_INET6, ip, text, sizeof text))
			return;
		ics_ident_bytes(x, ICS_LLDP, ICS_F_PORT, text, strlen(text));
	} else if (!v.short_read) {
		whole_value(x, ICS_F_PORT, v);
	}
}

/* 8.5.9: address string length (1 + address), subtype, address, ... */
static void mgmt_addr(const struct ics_ctx *x, struct tp_cursor v)
{
	uint8_t len = tp_u8(&v), fam = tp_u8(&v), ip[16] = { 0 }, version = 0;

	if (!v.short_read && len >= 1 && x->pkt->has_mac &&
	    read_ip(&v, fam, (size_t)len - 1, ip, &version))
		ics_ident_binding(x, ICS_LLDP, x->pkt->src_mac, version, ip);
}

/* 8.6 with TIA-1057 10.2.6: the LLDP-MED inventory strings. */
static void org_tlv(const struct ics_ctx *x, struct tp_cursor v)
{
	uint32_t oui = (uint32_t)tp_u8(&v) << 16;
	uint8_t subtype;
	enum ics_field f;

	oui |= tp_be16(&v);
	subtype = tp_u8(&v);
	if (v.short_read || oui != TIA_OUI)
		return;
	switch (subtype) {
	case 6:	/* firmware revision */
	case 7:	/* software revision */
		f = ICS_F_FIRMWARE;
		break;
	case 8:
		f = ICS_F_SERIAL;
		break;
	case 9:
		f = ICS_F_VENDOR;
		break;
	case 10:
		f = ICS_F_MODEL;
		break;
	default:	/* 5 hardware revision, 11 asset id: no field */
		return;
	}
	whole_value(x, f, v);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t all = c.left;
	struct tlv chassis, port, ttl, t;
	struct ics_msg m = { .proto = ICS_LLDP, .kind = ICS_KIND_ANNOUNCE };

	/* 8.4, 9.2.7.7.1: Chassis ID (2..256), Port ID (2..256), TTL (2). */
	if (!next_tlv(&c, &chassis) || chassis.type != LLDP_CHASSIS_ID || chassis.len < 2 ||
	    chassis.len > 256 || !next_tlv(&c, &port) || port.type != LLDP_PORT_ID ||
	    port.len < 2 || port.len > 256 || !next_tlv(&c, &ttl) || ttl.type != LLDP_TTL ||
	    ttl.len < 2)
		return all;
	m.function = tp_be16(&ttl.val) == 0 ? LLDP_FN_SHUTDOWN : LLDP_FN_LLDPDU;
	ics_emit(x, &m);
	port_id(x, port.val);
	while (next_tlv(&c, &t) && t.type != LLDP_END) {
		switch (t.type) {
		case LLDP_SYS_NAME:
			whole_value(x, ICS_F_NAME, t.val);
			break;
		case LLDP_SYS_DESCR:
			whole_value(x, ICS_F_SYSDESCR, t.val);
			break;
		case LLDP_MGMT_ADDR:
			mgmt_addr(x, t.val);
			break;
		case LLDP_ORG:
			org_tlv(x, t.val);
			break;
		default:	/* port description, capabilities, reserved */
			break;
		}
	}
	return all;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	if (proto != ICS_LLDP || function > LLDP_FN_SHUTDOWN)
		return NULL;
	return function == LLDP_FN_SHUTDOWN ? "lldpdu_shutdown" : "lldpdu";
}

const struct ics_dissector ics_lldp = {
	.name = "lldp",
	.proto = ICS_LLDP,
	.ethertype = 0x88cc,
	.dissect = dissect,
	.function_name = function_name,
};
