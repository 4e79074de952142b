/*
 * arp.c - ARP (EtherType 0x0806): one message per packet, and the MAC/IPv4
 * binding its sender states about itself.
 *
 * RFC 826 ("Packet format": hrd, pro, hln, pln, op, sha, spa, tha, tpa);
 * RFC 903 (RARP, op 3/4); RFC 2390 7.1 (InARP, op 8/9); RFC 5227 2.1.1
 * (probes: sender IP 0.0.0.0) and 2.3/2.4 (announcements: sender IP equal
 * to the target IP); RFC 5227 3 (a reply may be broadcast).
 * ics_payload() hands over the ARP header itself.
 *
 * function: the opcode: 1 "request", 2 "reply", 3 "rarp_request",
 *   4 "rarp_reply", 8 "inarp_request", 9 "inarp_reply".
 * kind: requests (1, 3, 8) REQUEST, replies (2, 4, 9) RESPONSE, others
 *   OTHER; a gratuitous ARP (request or reply whose sender and target IP are
 *   the same, or a reply sent to the broadcast MAC) ANNOUNCE.
 * No actions, no roles, no transaction.
 *
 * Identities, for Ethernet/IPv4 only (hrd 1, pro 0x0800, hln 6, pln 4):
 * ICS_F_ADDRESS (subject GIVEN, no value) binding sha to spa whatever the
 * opcode, unless spa is 0.0.0.0 (a probe) or 255.255.255.255, or sha is zero
 * or a group MAC; a RARP reply also binds tha to tpa (the address the
 * server hands out).  The target of a request is what is asked for, never
 * bound.
 */
#include "formats/ics/ics.h"

#include <string.h>

#define HRD_ETHERNET	1
#define PRO_IPV4	0x0800

enum { OP_REQUEST = 1, OP_REPLY, OP_RARP_REQUEST, OP_RARP_REPLY, OP_INARP_REQUEST = 8,
       OP_INARP_REPLY };

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const struct tp_packet *pkt = x->pkt;
	uint32_t total = c.left;
	uint16_t hrd = tp_be16(&c), pro = tp_be16(&c);
	uint8_t hln = tp_u8(&c), pln = tp_u8(&c);
	uint16_t op = tp_be16(&c);
	const uint8_t *sha = tp_take(&c, hln), *spa = tp_take(&c, pln);
	const uint8_t *tha = tp_take(&c, hln), *tpa = tp_take(&c, pln);
	bool eth_ipv4 = hrd == HRD_ETHERNET && pro == PRO_IPV4 && hln == 6 && pln == 4;
	uint8_t smac[6], sip[4], tmac[6], tip[4];
	struct ics_msg m = { .proto = ICS_ARP, .function = op };

	if (c.short_read)
		return total;
	switch (op) {
	case OP_REQUEST:
	case OP_RARP_REQUEST:
	case OP_INARP_REQUEST:
		m.kind = ICS_KIND_REQUEST;
		break;
	case OP_REPLY:
	case OP_RARP_REPLY:
	case OP_INARP_REPLY:
		m.kind = ICS_KIND_RESPONSE;
		break;
	default:
		m.kind = ICS_KIND_OTHER;
		break;
	}
	if (!eth_ipv4) {
		ics_emit(x, &m);
		return total;
	}
	memcpy(smac, sha, 6);
	memcpy(sip, spa, 4);
	memcpy(tmac, tha, 6);
	memcpy(tip, tpa, 4);
	if ((op == OP_REQUEST || op == OP_REPLY) && tp_load_be32(sip) &&
	    (!memcmp(sip, tip, 4) ||
	     (op == OP_REPLY && (!memcmp(tmac, broadcast, 6) ||
				 (pkt->has_mac && !memcmp(pkt->dst_mac, broadcast, 6))))))
		m.kind = ICS_KIND_ANNOUNCE;
	ics_emit(x, &m);
	ics_ident_binding(x, ICS_ARP, smac, 4, sip);
	if (op == OP_RARP_REPLY)
		ics_ident_binding(x, ICS_ARP, tmac, 4, tip);
	return total;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	(void)proto;
	switch (function) {
	case OP_REQUEST: return "request";
	case OP_REPLY: return "reply";
	case OP_RARP_REQUEST: return "rarp_request";
	case OP_RARP_REPLY: return "rarp_reply";
	case OP_INARP_REQUEST: return "inarp_request";
	case OP_INARP_REPLY: return "inarp_reply";
	default: return NULL;
	}
}

const struct ics_dissector ics_arp = {
	.name = "arp",
	.proto = ICS_ARP,
	.ethertype = 0x0806,
	.detect = NULL,
	.dissect = dissect,
	.function_name = function_name,
};
