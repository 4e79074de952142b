/*
 * dhcp.c - DHCP and BOOTP (UDP 67/68): one message per packet, and the
 * client's names, vendor class and addresses.
 *
 * RFC 2131 2 (format, figure 1; 236 bytes before the options), 3 (magic
 * cookie 99.130.83.99), 4.1 (options field, then file, then sname when
 * overloaded), 4.3.1-4.3.2 (yiaddr of DHCPACK, requested address of
 * DHCPREQUEST), 4.4.1 (ciaddr); RFC 951 3 (BOOTP: a 64-byte vend field,
 * 300 bytes in all); RFC 2132 3.14 (host name, 12), 9.1 (requested IP
 * address, 50), 9.3 (option overload, 52), 9.6 (message type, 53), 9.13
 * (vendor class identifier, 60); RFC 4702 2 (client FQDN, 81: flags,
 * RCODE1, RCODE2, name; E bit: the name in DNS wire format, else ASCII),
 * 2.1 (partial names).  An option met again is not joined to the first
 * (RFC 3396 long options): the first one counts.
 *
 * function: the message type (option 53): 1 "discover", 2 "offer",
 *   3 "request", 4 "decline", 5 "ack", 6 "nak", 7 "release", 8 "inform",
 *   9-18 (RFC 3203, 4388, 6926, 7724); 0 "bootp" without option 53.
 * kind: op 1 (BOOTREQUEST) request from a client to a server, op 2
 *   (BOOTREPLY) response from a server.  exception: DHCPNAK.  No actions.
 * transaction: xid.
 *
 * A message is emitted when its fixed part is whole and its type is known:
 * option 53 read, or the options ended by the end option (no option 53:
 * plain BOOTP with RFC 1497 vendor extensions), or with no magic cookie at
 * least RFC 951's 300 bytes.  Identities come with their message only.
 *
 * Identities, all about the client, subject GIVEN with mac = chaddr, only
 * when chaddr is Ethernet (htype 1, hlen 6) and not zero:
 *   host name (12), either side (a server may name the client): ICS_F_NAME;
 *   client FQDN (81) name part, either side: ICS_F_NAME;
 *   vendor class identifier (60), from clients only (PXE servers answer
 *     "PXEClient"): ICS_F_VENDOR_CLASS;
 *   ICS_F_ADDRESS (ip as well, no value) binding chaddr to
 *     - ciaddr of a client's message (RFC 2131 4.4.1: filled in only when
 *       the client holds that address: renewing, informing, releasing),
 *     - the requested address (50) of a DHCPREQUEST (a DHCPDECLINE's is an
 *       address the client found taken by someone else: never bound),
 *     - yiaddr of a DHCPACK, or of a plain BOOTP reply (never of an OFFER:
 *       only offered).
 * The server identifier (54) is the server's own IP, the packet's sender:
 * nothing to add.
 *
 * No content detection: DHCP is found by its ports only.
 */
#include "formats/ics/ics.h"

#include <string.h>

#include "formats/ics/dns_name.h"

#define BOOTREQUEST	1
#define BOOTREPLY	2
#define HTYPE_ETHERNET	1
#define MAGIC_COOKIE	0x63825363u
#define BOOTP_MIN_LEN	300u	/* RFC 951: 236 + the 64-byte vend field */

#define O_PAD		0
#define O_HOSTNAME	12
#define O_REQUESTED_IP	50
#define O_OVERLOAD	52
#define O_MSG_TYPE	53
#define O_VENDOR_CLASS	60
#define O_CLIENT_FQDN	81
#define O_END		255

#define FQDN_E		0x04u	/* RFC 4702 2.1: canonical wire format */

enum { T_BOOTP, T_DISCOVER, T_OFFER, T_REQUEST, T_DECLINE, T_ACK, T_NAK, T_RELEASE, T_INFORM };

/* What the options say. */
struct options {
	bool has_type, ended;
	uint8_t type, overload;
	struct tp_cursor host, vclass, fqdn, requested;	/* empty when absent */
};

static void keep_first(struct tp_cursor *slot, struct tp_cursor v)
{
	if (!slot->p)
		*slot = v;
}

/* Walks one options area (RFC 2132 2); main: the options field, where
 * the end option counts and overload may be set. */
static void walk(struct tp_cursor c, bool main, struct options *o)
{
	while (c.left) {
		uint8_t code = tp_u8(&c);
		struct tp_cursor v;

		if (code == O_PAD)
			continue;
		if (code == O_END) {
			o->ended |= main;
			return;
		}
		v = tp_sub(&c, tp_u8(&c));
		if (c.short_read)
			return;	/* an option cut short: not used */
		switch (code) {
		case O_MSG_TYPE:
			if (v.left == 1 && !o->has_type) {
				o->has_type = true;
				o->type = tp_u8(&v);
			}
			break;
		case O_OVERLOAD:
			if (main && v.left == 1)
				o->overload = tp_u8(&v);
			break;
		case O_HOSTNAME:
			keep_first(&o->host, v);
			break;
		case O_VENDOR_CLASS:
			keep_first(&o->vclass, v);
			break;
		case O_CLIENT_FQDN:
			keep_first(&o->fqdn, v);
			break;
		case O_REQUESTED_IP:
			if (v.left == 4)
				keep_first(&o->requested, v);
			break;
		default:
			break;
		}
	}
}

struct client {
	const struct ics_ctx *x;
	uint8_t mac[6];
};

static void client_value(const struct client *cl, enum ics_field f, const void *value, uint32_t len)
{
	struct ics_ident id = {
		.proto = ICS_DHCP,
		.field = (uint8_t)f,
		.subject = ICS_SUBJECT_GIVEN,
		.has_mac = true,
		.value = value,
		.len = len,
	};

	if (!len)
		return;
	memcpy(id.mac, cl->mac, 6);
	ics_ident(cl->x, &id);
}

/* ICS_F_ADDRESS: the client's MAC with ip (4 bytes), unless 0.0.0.0. */
static void client_address(const struct client *cl, const uint8_t *ip)
{
	ics_ident_binding(cl->x, ICS_DHCP, cl->mac, 4, ip);
}

/* Option 81's name part. */
static void client_fqdn(const struct client *cl, struct tp_cursor v)
{
	uint8_t flags = tp_u8(&v);
	struct dns_name n;

	if (!tp_skip(&v, 2))	/* RCODE1, RCODE2 */
		return;
	if (!(flags & FQDN_E)) {
		client_value(cl, ICS_F_NAME, v.p, v.left);
		return;
	}
	if (dns_name_read(&v, NULL, true, &n))
		client_value(cl, ICS_F_NAME, n.text, n.len);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	static const uint8_t zero[6];
	uint32_t total = c.left;
	uint8_t op = tp_u8(&c), htype = tp_u8(&c), hlen = tp_u8(&c);
	const uint8_t *ciaddr, *yiaddr, *chaddr;
	struct tp_cursor sname, file, cookie;
	struct options o = { 0 };
	struct client cl = { .x = x };
	bool has_mac;
	struct ics_msg m = { .proto = ICS_DHCP, .has_transaction = true };

	tp_skip(&c, 1);		/* hops */
	m.transaction = tp_be32(&c);
	tp_skip(&c, 4);		/* secs, flags */
	ciaddr = tp_take(&c, 4);
	yiaddr = tp_take(&c, 4);
	tp_skip(&c, 8);		/* siaddr, giaddr */
	chaddr = tp_take(&c, 16);
	sname = tp_sub(&c, 64);
	file = tp_sub(&c, 128);
	if (c.short_read || (op != BOOTREQUEST && op != BOOTREPLY))
		return total;
	cookie = c;
	if (tp_be32(&cookie) == MAGIC_COOKIE && !cookie.short_read) {
		walk(cookie, true, &o);
		if (o.overload & 1)
			walk(file, false, &o);
		if (o.overload & 2)
			walk(sname, false, &o);
		if (!o.has_type && !o.ended)
			return total;	/* cut before its type */
	} else if (total < BOOTP_MIN_LEN) {
		return total;
	}

	m.function = o.type;
	m.kind = op == BOOTREQUEST ? ICS_KIND_REQUEST : ICS_KIND_RESPONSE;
	m.exception = o.type == T_NAK;
	m.sender_role = op == BOOTREQUEST ? ICS_ROLE_CLIENT : ICS_ROLE_SERVER;
	m.receiver_role = op == BOOTREQUEST ? ICS_ROLE_SERVER : ICS_ROLE_CLIENT;
	ics_emit(x, &m);

	memcpy(cl.mac, chaddr, 6);
	has_mac = htype == HTYPE_ETHERNET && hlen == 6 && memcmp(cl.mac, zero, 6) != 0;
	if (!has_mac)
		return total;
	client_value(&cl, ICS_F_NAME, o.host.p, o.host.left);
	if (o.fqdn.p)
		client_fqdn(&cl, o.fqdn);
	if (op == BOOTREQUEST) {
		client_value(&cl, ICS_F_VENDOR_CLASS, o.vclass.p, o.vclass.left);
		client_address(&cl, ciaddr);
		if (o.type == T_REQUEST && o.requested.p)
			client_address(&cl, o.requested.p);
	} else if (o.type == T_ACK || o.type == T_BOOTP) {
		client_address(&cl, yiaddr);
	}
	return total;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	static const char *const names[] = {
		"bootp", "discover", "offer", "request", "decline", "ack", "nak", "release",
		"inform", "force_renew", "lease_query", "lease_unassigned", "lease_unknown",
		"lease_active", "bulk_lease_query", "lease_query_done", "active_lease_query",
		"lease_query_status", "tls",
	};

	(void)proto;
	return function < sizeof names / sizeof names[0] ? names[function] : NULL;
}

const struct ics_dissector ics_dhcp = {
	.name = "dhcp",
	.proto = ICS_DHCP,
	.udp_ports = { 67, 68 },
	.detect = NULL,
	.dissect = dissect,
	.function_name = function_name,
};
