/*
 * nbns.c - NetBIOS name service (UDP 137): one message per packet, and the
 * machine names its records give to addresses.
 *
 * RFC 1002 4.2.1 (header, as DNS's: 4.2.1.1 flags, 4.2.1.2 question,
 * 4.2.1.3 resource record), 4.2.2-4.2.16 (registration, release, WACK,
 * refresh, query responses: NB records of NB_FLAGS and NB_ADDRESS),
 * 4.2.17-4.2.18 (node status request and response); RFC 1001 14.1 (the
 * first-level encoding: 16 bytes as 32 letters 'A'-'P') and 14.2 (the
 * second level: a DNS name, compression pointers allowed in responses).
 *
 * function: the opcode (RFC 1002 4.2.1.1): 0 "query", 5 "registration",
 *   6 "release", 7 "wack", 8 "refresh", 9 "refresh_alt" (what Windows
 *   sends), 15 "multihomed_registration"; except a node status query or
 *   response (opcode 0, question or record of type NBSTAT 0x21: what
 *   "nbtstat -A" and network scanners send), which is 0x21 "node_status".
 * kind: R bit 0 request, 1 response.  exception: RCODE != 0.
 * roles: requests from a client to a server (none when broadcast, B bit),
 *   responses from a server.  transaction: NAME_TRN_ID.
 *
 * Identities: the machine's own names only: unique names (G bit clear)
 * whose 16th byte (the name type, left out of the value) is 0x00
 * (workstation) or 0x20 (server); group names (workgroups, domains) and
 * service names (0x03 messenger may be a user name) are left out.  The value
 * is the first 15 bytes less the space padding; the scope is left out.
 *   NB records (type 0x20) of answers and additional records, in every
 *   message (registrations, refreshes and releases carry the sender's own
 *   name and address; query and registration responses the owner's):
 *   the name, for each NB_ADDRESS (ICS_F_NAME, subject GIVEN ip);
 *   node status responses: the names in the node's table (ICS_F_NAME of the
 *   sender) and its UNIT_ID, the adapter's MAC (ICS_F_ADDRESS with the
 *   sender's IPv4 address), when not zero.
 *
 * No content detection: NBNS is found by its port only.
 */
#include "formats/ics/ics.h"

#include <string.h>

#include "formats/ics/dns_name.h"

#define OP_QUERY	0
#define T_NB		0x20
#define T_NBSTAT	0x21
#define C_IN		1
#define F_BROADCAST	0x0010u		/* NM_FLAGS B */
#define NB_GROUP	0x8000u		/* NB_FLAGS / NAME_FLAGS G */
#define NB_NAME_LEN	16

/* A NetBIOS name: up to 15 bytes less trailing spaces, and its type. */
struct nb_name {
	uint8_t text[NB_NAME_LEN - 1];
	uint32_t len;
	uint8_t suffix;
};

/* The name from 16 raw bytes (RFC 1002 4.2.18 NODE_NAME). */
static void nb_from_raw(const uint8_t *raw, struct nb_name *nb)
{
	memcpy(nb->text, raw, sizeof nb->text);
	nb->len = sizeof nb->text;
	while (nb->len && nb->text[nb->len - 1] == ' ')
		nb->len--;
	nb->suffix = raw[NB_NAME_LEN - 1];
}

/* The name a first-level encoded label spells (RFC 1001 14.1); false
 * when the first label is not 32 letters 'A'-'P'. */
static bool nb_decode(const struct dns_name *n, struct nb_name *nb)
{
	uint8_t raw[NB_NAME_LEN];

	if (n->len < 2 * NB_NAME_LEN || (n->len > 2 * NB_NAME_LEN && n->text[2 * NB_NAME_LEN] != '.'))
		return false;
	for (int i = 0; i < NB_NAME_LEN; i++) {
		uint8_t hi = n->text[2 * i], lo = n->text[2 * i + 1];

		if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
			return false;
		raw[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
	}
	nb_from_raw(raw, nb);
	return true;
}

static bool machine_name(const struct nb_name *nb, uint16_t flags)
{
	return !(flags & NB_GROUP) && (nb->suffix == 0x00 || nb->suffix == 0x20) && nb->len;
}

/* An NB record's entries (RFC 1002 4.2.2: NB_FLAGS, NB_ADDRESS). */
static void nb_record(const struct ics_ctx *x, const struct dns_rr *rr)
{
	struct tp_cursor rd = rr->rdata;
	struct nb_name nb;

	if (!rd.left || rd.left % 6 || !nb_decode(&rr->name, &nb))
		return;	/* WACK's RDATA is 2 bytes; no address */
	while (rd.left) {
		uint16_t flags = tp_be16(&rd);
		const uint8_t *addr = tp_take(&rd, 4);
		struct ics_ident id = {
			.proto = ICS_NBNS,
			.field = ICS_F_NAME,
			.subject = ICS_SUBJECT_GIVEN,
			.ip_version = 4,
			.value = nb.text,
			.len = nb.len,
		};
		uint32_t ip;

		if (!addr)
			return;
		memcpy(id.ip, addr, 4);
		ip = tp_load_be32(id.ip);
		if (machine_name(&nb, flags) && ip && ip != 0xffffffffu)
			ics_ident(x, &id);
	}
}

/* A node status response's RDATA (RFC 1002 4.2.18). */
static void nbstat_record(const struct ics_ctx *x, const struct dns_rr *rr)
{
	struct tp_cursor rd = rr->rdata;
	uint8_t nnames = tp_u8(&rd);
	const uint8_t *unit;

	if (rd.short_read || rd.left / (NB_NAME_LEN + 2) < nnames)
		return;	/* the names overrun the record: the rest is no statistics */
	for (unsigned i = 0; i < nnames; i++) {
		const uint8_t *p = tp_take(&rd, NB_NAME_LEN);
		uint16_t flags = tp_be16(&rd);
		uint8_t raw[NB_NAME_LEN];
		struct nb_name nb;

		if (rd.short_read)
			return;
		memcpy(raw, p, sizeof raw);
		nb_from_raw(raw, &nb);
		if (machine_name(&nb, flags))
			ics_ident_bytes(x, ICS_NBNS, ICS_F_NAME, nb.text, nb.len);
	}
	unit = tp_take(&rd, 6);
	if (x->pkt->ip_version == 4)
		ics_ident_binding(x, ICS_NBNS, unit, 4, x->pkt->src_ip);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const struct tp_cursor msg = c;
	struct dns_header h;
	struct dns_rr rr;
	uint16_t type;
	unsigned opcode, nrr;
	bool response;
	struct ics_msg m = { .proto = ICS_NBNS, .has_transaction = true };

	if (!dns_header_read(&c, &h) || !dns_first_type(c, &msg, &h, &type))
		return msg.left;
	opcode = DNS_OPCODE(h.flags);
	response = h.flags & DNS_QR;
	m.function = (uint16_t)(opcode == OP_QUERY && type == T_NBSTAT ? T_NBSTAT : opcode);
	m.kind = response ? ICS_KIND_RESPONSE : ICS_KIND_REQUEST;
	m.exception = DNS_RCODE(h.flags) != 0;
	m.transaction = h.id;
	m.sender_role = response ? ICS_ROLE_SERVER : ICS_ROLE_CLIENT;
	m.receiver_role = response ? ICS_ROLE_CLIENT
			  : h.flags & F_BROADCAST ? ICS_ROLE_NONE : ICS_ROLE_SERVER;
	ics_emit(x, &m);

	for (unsigned i = 0; i < h.count[DNS_QD]; i++)
		if (!dns_rr_read(&c, &msg, true, &rr))
			return msg.left;
	nrr = (unsigned)h.count[DNS_AN] + h.count[DNS_NS] + h.count[DNS_AR];
	for (unsigned i = 0; i < nrr && c.left; i++) {
		if (!dns_rr_read(&c, &msg, false, &rr))
			break;
		if (i >= h.count[DNS_AN] && i < (unsigned)h.count[DNS_AN] + h.count[DNS_NS])
			continue;	/* authority: the NBNS "redirect" records, RFC 1002 4.2.15 */
		if (rr.klass != C_IN)
			continue;
		if (rr.type == T_NB)
			nb_record(x, &rr);
		else if (rr.type == T_NBSTAT && response && !DNS_RCODE(h.flags))
			nbstat_record(x, &rr);
	}
	return msg.left;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	(void)proto;
	switch (function) {
	case 0: return "query";
	case 5: return "registration";
	case 6: return "release";
	case 7: return "wack";
	case 8: return "refresh";
	case 9: return "refresh_alt";
	case 15: return "multihomed_registration";
	case T_NBSTAT: return "node_status";
	default: return NULL;
	}
}

const struct ics_dissector ics_nbns = {
	.name = "nbns",
	.proto = ICS_NBNS,
	.udp_ports = { 137 },
	.detect = NULL,
	.dissect = dissect,
	.function_name = function_name,
};
