/*
 * ics.c - the table of dissectors, how a packet finds its dissector, and the
 * names and helpers the dissectors share; see ics.h.
 */
#include "formats/ics/ics.h"

#include <stdio.h>
#include <string.h>

extern const struct ics_dissector ics_modbus, ics_dnp3, ics_s7comm, ics_enip, ics_bacnet,
	ics_iec104, ics_opcua, ics_profinet, ics_goose, ics_arp, ics_dhcp, ics_dns, ics_nbns,
	ics_lldp, ics_cdp, ics_snmp;

/* Content detection tries them in this order: the most specific first. */
const struct ics_dissector *const ics_dissectors[] = {
	&ics_modbus, &ics_dnp3, &ics_s7comm, &ics_enip, &ics_iec104, &ics_opcua, &ics_bacnet,
	&ics_profinet, &ics_goose,
	&ics_arp, &ics_dhcp, &ics_dns, &ics_nbns, &ics_lldp, &ics_cdp, &ics_snmp,
};
const size_t ics_ndissectors = sizeof ics_dissectors / sizeof ics_dissectors[0];

static bool has_port(const uint16_t *ports, uint16_t port)
{
	for (size_t i = 0; i < ICS_MAX_PORTS && ports[i]; i++)
		if (ports[i] == port)
			return true;
	return false;
}

/* Which port of a TCP/UDP packet names a dissector: the destination's
 * first (a client writes to the server's well-known port). */
static const struct ics_dissector *by_transport_port(const struct tp_packet *pkt, int *to_server)
{
	bool tcp = pkt->ip_proto == 6;

	for (int pass = 0; pass < 2; pass++) {
		uint16_t port = pass == 0 ? pkt->dport : pkt->sport;
		uint16_t other = pass == 0 ? pkt->sport : pkt->dport;

		for (size_t i = 0; i < ics_ndissectors; i++) {
			const struct ics_dissector *d = ics_dissectors[i];
			const uint16_t *ports = tcp ? d->tcp_ports : d->udp_ports;

			if (!has_port(ports, port))
				continue;
			/* Both ends on the protocol's ports (DNS 53 <-> 53,
			 * BACnet 47808 <-> 47808): the content decides. */
			*to_server = has_port(ports, other) ? -1 : pass == 0;
			return d;
		}
	}
	return NULL;
}

/* The last link-layer header of a frame without IP. */
static const struct tp_layer *last_link_layer(const struct tp_packet *pkt)
{
	return pkt->nlayers ? &pkt->layers[pkt->nlayers - 1] : NULL;
}

const struct ics_dissector *ics_by_port(const struct tp_packet *pkt, int *to_server)
{
	const struct tp_layer *last;

	*to_server = -1;
	if (pkt->ip_version) {
		if (pkt->ip_proto != 6 && pkt->ip_proto != 17)
			return NULL;
		return by_transport_port(pkt, to_server);
	}
	if (pkt->ethertype) {
		for (size_t i = 0; i < ics_ndissectors; i++)
			if (ics_dissectors[i]->ethertype == pkt->ethertype)
				return ics_dissectors[i];
		return NULL;
	}
	last = last_link_layer(pkt);
	if (last && last->proto == TP_PROTO_LLC && last->len == 8) {
		/* SNAP: DSAP, SSAP, control, OUI, protocol id. */
		struct tp_cursor c = tp_cursor_make(pkt->data + last->offset, last->len);
		uint32_t oui;
		uint16_t pid;

		tp_skip(&c, 3);
		oui = (uint32_t)tp_u8(&c) << 16;
		oui |= tp_be16(&c);
		pid = tp_be16(&c);
		for (size_t i = 0; !c.short_read && i < ics_ndissectors; i++) {
			const struct ics_dissector *d = ics_dissectors[i];

			if ((d->snap_oui || d->snap_pid) && d->snap_oui == oui && d->snap_pid == pid)
				return d;
		}
	}
	return NULL;
}

const struct ics_dissector *ics_by_content(const struct tp_packet *pkt)
{
	bool tcp = pkt->ip_proto == 6;

	if (!pkt->ip_version || (pkt->ip_proto != 6 && pkt->ip_proto != 17) || !pkt->payload_len)
		return NULL;
	for (size_t i = 0; i < ics_ndissectors; i++) {
		const struct ics_dissector *d = ics_dissectors[i];

		if (d->detect && d->detect(pkt->payload, pkt->payload_len, tcp))
			return d;
	}
	return NULL;
}

struct tp_cursor ics_payload(const struct tp_packet *pkt)
{
	const struct tp_layer *last;
	uint32_t at;

	if (pkt->ip_version)
		return tp_cursor_make(pkt->payload, pkt->payload ? pkt->payload_len : 0);
	last = last_link_layer(pkt);
	if (!last || (pkt->flags & TP_PKT_TRUNCATED))
		return tp_cursor_make(NULL, 0);
	/* ARP is a layer of the decoder's own: hand over its header. */
	at = last->proto == TP_PROTO_ARP ? last->offset : last->offset + last->len;
	if (at > pkt->len)
		return tp_cursor_make(NULL, 0);
	return tp_cursor_make(pkt->data + at, pkt->len - at);
}

const char *ics_proto_name(enum ics_proto p)
{
	static const char *const names[ICS_PROTO_COUNT] = {
		[ICS_NONE] = "",		[ICS_MODBUS] = "modbus",
		[ICS_DNP3] = "dnp3",		[ICS_S7COMM] = "s7comm",
		[ICS_S7COMM_PLUS] = "s7comm-plus", [ICS_ENIP] = "enip",
		[ICS_CIP] = "cip",		[ICS_CIP_IO] = "cip-io",
		[ICS_BACNET] = "bacnet",	[ICS_IEC104] = "iec104",
		[ICS_OPCUA] = "opcua",		[ICS_PROFINET_DCP] = "profinet-dcp",
		[ICS_PROFINET_RT] = "profinet-rt", [ICS_GOOSE] = "goose",
		[ICS_ARP] = "arp",		[ICS_DHCP] = "dhcp",
		[ICS_DNS] = "dns",		[ICS_MDNS] = "mdns",
		[ICS_NBNS] = "nbns",		[ICS_LLDP] = "lldp",
		[ICS_CDP] = "cdp",		[ICS_SNMP] = "snmp",
	};
	return (unsigned)p < ICS_PROTO_COUNT ? names[p] : "";
}

const char *ics_kind_name(enum ics_kind k)
{
	static const char *const names[ICS_KIND_COUNT] = {
		"other", "request", "response", "unsolicited", "publish", "announce",
	};
	return (unsigned)k < ICS_KIND_COUNT ? names[k] : "";
}

const char *ics_role_name(enum ics_role r)
{
	static const char *const names[ICS_ROLE_COUNT] = {
		"", "client", "server", "master", "outstation", "scanner", "adapter", "publisher",
		"io-controller", "io-device",
	};
	return (unsigned)r < ICS_ROLE_COUNT ? names[r] : "";
}

const char *ics_field_name(enum ics_field f)
{
	static const char *const names[ICS_F_COUNT] = {
		"vendor", "vendor_id", "product", "product_code", "model", "firmware", "serial",
		"device_type", "name", "device_id", "port", "sysdescr", "vendor_class", "endpoint",
		"security", "address",
	};
	return (unsigned)f < ICS_F_COUNT ? names[f] : "";
}

/* The dissector that reports a protocol: its main one, or the one whose
 * file also reports it. */
static const struct ics_dissector *owner_of(enum ics_proto p)
{
	switch (p) {
	case ICS_S7COMM_PLUS:
		return &ics_s7comm;
	case ICS_CIP:
	case ICS_CIP_IO:
		return &ics_enip;
	case ICS_PROFINET_RT:
		return &ics_profinet;
	case ICS_MDNS:
		return &ics_dns;
	default:
		for (size_t i = 0; i < ics_ndissectors; i++)
			if (ics_dissectors[i]->proto == p)
				return ics_dissectors[i];
		return NULL;
	}
}

const char *ics_function_name(enum ics_proto p, uint16_t function)
{
	const struct ics_dissector *d = owner_of(p);

	return d && d->function_name ? d->function_name((uint8_t)p, function) : NULL;
}

void ics_emit(const struct ics_ctx *x, const struct ics_msg *m)
{
	if (x->sink && x->sink->message)
		x->sink->message(x->sink->ctx, m);
}

void ics_ident(const struct ics_ctx *x, const struct ics_ident *id)
{
	if (x->sink && x->sink->identity)
		x->sink->identity(x->sink->ctx, id);
}

void ics_ident_bytes(const struct ics_ctx *x, uint8_t proto, enum ics_field f, const void *value,
		     size_t len)
{
	struct ics_ident id = {
		.proto = proto,
		.field = (uint8_t)f,
		.subject = ICS_SUBJECT_SENDER,
		.value = value,
		.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len,
	};

	ics_ident(x, &id);
}

void ics_ident_binding(const struct ics_ctx *x, uint8_t proto, const uint8_t *mac, uint8_t ip_version,
		       const uint8_t *ip)
{
	static const uint8_t zero[16], bcast4[4] = { 255, 255, 255, 255 };
	size_t n = ip_version == 4 ? 4 : ip_version == 6 ? 16 : 0;
	struct ics_ident id = { .proto = proto, .field = ICS_F_ADDRESS, .subject = ICS_SUBJECT_GIVEN,
				.has_mac = true, .ip_version = ip_version };

	if (!mac || !n || (mac[0] & 1) || !memcmp(mac, zero, 6) || !memcmp(ip, zero, n) ||
	    (n == 4 && !memcmp(ip, bcast4, 4)))
		return;
	memcpy(id.mac, mac, 6);
	memcpy(id.ip, ip, n);
	ics_ident(x, &id);
}

void ics_ident_number(const struct ics_ctx *x, uint8_t proto, enum ics_field f, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);

	ics_ident_bytes(x, proto, f, buf, n > 0 ? (size_t)n : 0);
}
