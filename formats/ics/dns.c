/*
 * dns.c - DNS (UDP/TCP 53) and multicast DNS (UDP 5353): one message per
 * DNS message, and the names its answers give to addresses.
 *
 * RFC 1035 4.1 (message format), 4.1.4 (compression), 4.2.2 (TCP: a 2-byte
 * length before each message), 3.5 (IN-ADDR.ARPA); RFC 3596 2.1-2.5 (AAAA,
 * IP6.ARPA); RFC 2782 (SRV); RFC 1996 (NOTIFY, opcode 4); RFC 2136 2.2
 * (UPDATE, opcode 5); RFC 6762 5.4 (the unicast-response bit of a
 * question's class), 6 (responses carry no questions), 10.2 (the
 * cache-flush bit of a record's class), 18 (header fields).
 *
 * Messages are ICS_MDNS when either port is 5353, else ICS_DNS.
 *
 * function: for a standard query (opcode 0) the type of the first question,
 *   or of the first record when there is no question (mDNS responses), 0
 *   when the message has neither: 1 "a", 28 "aaaa", 12 "ptr", 33 "srv"...
 *   Other opcodes are 0xff00 | opcode: 0xff04 "notify", 0xff05 "update"
 *   (types 0xff00-0xfffe are private use, RFC 6895 3.1, never queried).
 * kind: QR 0 request, 1 response; an mDNS response sent to a multicast
 *   address is an announcement (it tells every listener, RFC 6762 6).
 * exception: RCODE != 0, NXDOMAIN included (a negative response).
 * actions: an UPDATE request writes (RFC 2136 changes the zone).
 * roles: DNS client (queries) and server; none for mDNS.
 * transaction: the DNS id; for mDNS only when not 0 (RFC 6762 18.1).
 *
 * Identities (ICS_F_NAME), from responses with RCODE 0 only, from the
 * answer section (and for mDNS the additional section too: RFC 6763 12
 * puts the host's addresses there; authority records of mDNS probes are
 * only proposed, RFC 6762 8.2), class IN (mDNS: cache-flush bit masked):
 *   A / AAAA: the record's name, for that address (subject GIVEN ip);
 *   PTR under in-addr.arpa / ip6.arpa: the target name, for the address
 *     spelled by the record's name (GIVEN ip);
 *   mDNS SRV: the target is the sender's own host name (a device announces
 *     its own services; RFC 6763 5).
 * Questions, and the known answers in mDNS queries (RFC 6762 7.1: what the
 * asker has cached), give none.
 *
 * No content detection: DNS is found by its ports only (a DNS header is 12
 * bytes of nearly anything).
 */
#include "formats/ics/ics.h"

#include <string.h>

#include "formats/ics/dns_name.h"

#define T_A	1
#define T_PTR	12
#define T_AAAA	28
#define T_SRV	33
#define C_IN	1
#define OP_QUERY	0
#define OP_UPDATE	5

#define MDNS_PORT	5353
#define DNS_HEADER_LEN	12

static bool is_mdns(const struct tp_packet *pkt)
{
	return pkt->sport == MDNS_PORT || pkt->dport == MDNS_PORT;
}

static bool multicast_dst(const struct tp_packet *pkt)
{
	return (pkt->ip_version == 4 && (pkt->dst_ip[0] & 0xf0) == 0xe0) ||
	       (pkt->ip_version == 6 && pkt->dst_ip[0] == 0xff);
}

/* The value of a decimal label of 1-3 digits up to 255, or -1. */
static int octet_label(const uint8_t *s, uint32_t n)
{
	int v = 0;

	if (!n || n > 3)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 255 ? v : -1;
}

static int hex_digit(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Whether n ends in suffix (lower case), ASCII letters in either case;
 * *head is then the length before it. */
static bool ends_with_nocase(const struct dns_name *n, const char *suffix, uint32_t *head)
{
	uint32_t k = (uint32_t)strlen(suffix);

	if (n->len < k)
		return false;
	*head = n->len - k;
	for (uint32_t i = 0; i < k; i++) {
		uint8_t ch = n->text[*head + i];

		if ((ch >= 'A' && ch <= 'Z' ? ch + 32 : ch) != (uint8_t)suffix[i])
			return false;
	}
	return true;
}

/*
 * The address a reverse-mapping name spells: "4.3.2.1.in-addr.arpa" is
 * 1.2.3.4 (RFC 1035 3.5), 32 nibbles then "ip6.arpa" an IPv6 address
 * (RFC 3596 2.5).  Returns the IP version, or 0 when the name is no full
 * address (a zone's name, say).
 */
static uint8_t reverse_address(const struct dns_name *n, uint8_t ip[16])
{
	uint32_t head, at = 0;

	memset(ip, 0, 16);
	if (ends_with_nocase(n, ".in-addr.arpa", &head)) {
		for (int i = 3; i >= 0; i--) {
			uint32_t end = at;
			int v;

			while (end < head && n->text[end] != '.')
				end++;
			if ((i > 0) != (end < head) || (v = octet_label(n->text + at, end - at)) < 0)
				return 0;
			ip[i] = (uint8_t)v;
			at = end + 1;
		}
		return 4;
	}
	if (ends_with_nocase(n, ".ip6.arpa", &head) && head == 63) {
		for (int i = 31; i >= 0; i--, at += 2) {
			int v = hex_digit(n->text[at]);

			if (v < 0 || (i > 0 && n->text[at + 1] != '.'))
				return 0;
			ip[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
		}
		return 6;
	}
	return 0;
}

static void name_for(const struct ics_ctx *x, uint8_t proto, const struct dns_name *name,
		     uint8_t version, const uint8_t *ip)
{
	struct ics_ident id = {
		.proto = proto,
		.field = ICS_F_NAME,
		.subject = ICS_SUBJECT_GIVEN,
		.ip_version = version,
		.value = name->text,
		.len = name->len,
	};

	if (!name->len)
		return;
	memcpy(id.ip, ip, version == 4 ? 4 : 16);
	ics_ident(x, &id);
}

/* The identity one record gives, if any. */
static void record(const struct ics_ctx *x, uint8_t proto, const struct tp_cursor *msg,
		   struct dns_rr *rr)
{
	uint16_t klass = proto == ICS_MDNS ? rr->klass & 0x7fffu : rr->klass;
	struct dns_name target;
	uint8_t ip[16];
	uint8_t version;

	if (klass != C_IN)
		return;
	switch (rr->type) {
	case T_A:
	case T_AAAA:
		if (rr->rdata.left != (rr->type == T_A ? 4u : 16u))
			return;
		name_for(x, proto, &rr->name, rr->type == T_A ? 4 : 6, rr->rdata.p);
		break;
	case T_PTR:
		if ((version = reverse_address(&rr->name, ip)) &&
		    dns_name_read(&rr->rdata, msg, false, &target))
			name_for(x, proto, &target, version, ip);
		break;
	case T_SRV:
		tp_skip(&rr->rdata, 6);	/* priority, weight, port */
		if (proto == ICS_MDNS && dns_name_read(&rr->rdata, msg, false, &target) &&
		    target.len)
			ics_ident_bytes(x, proto, ICS_F_NAME, target.text, target.len);
		break;
	default:
		break;
	}
}

/* One DNS message (without the TCP length).  Emits nothing when its
 * header, or the name and type of its first entry, are cut. */
static void message(const struct ics_ctx *x, uint8_t proto, struct tp_cursor msg)
{
	struct tp_cursor c = msg;
	struct dns_header h;
	struct dns_rr rr;
	uint16_t type;
	unsigned opcode, nrr;
	bool response;
	struct ics_msg m = { .proto = proto };

	if (!dns_header_read(&c, &h) || !dns_first_type(c, &msg, &h, &type))
		return;
	opcode = DNS_OPCODE(h.flags);
	response = h.flags & DNS_QR;
	m.function = opcode == OP_QUERY ? type : (uint16_t)(0xff00u | opcode);
	m.exception = DNS_RCODE(h.flags) != 0;
	m.actions = opcode == OP_UPDATE && !response ? ICS_ACT_WRITE : 0;
	m.transaction = h.id;
	if (proto == ICS_MDNS) {
		m.kind = !response ? ICS_KIND_REQUEST
			 : multicast_dst(x->pkt) ? ICS_KIND_ANNOUNCE : ICS_KIND_RESPONSE;
		m.has_transaction = h.id != 0;
	} else {
		m.kind = response ? ICS_KIND_RESPONSE : ICS_KIND_REQUEST;
		m.sender_role = response ? ICS_ROLE_SERVER : ICS_ROLE_CLIENT;
		m.receiver_role = response ? ICS_ROLE_CLIENT : ICS_ROLE_SERVER;
		m.has_transaction = true;
	}
	ics_emit(x, &m);

	if (!response || DNS_RCODE(h.flags) || opcode != OP_QUERY)
		return;
	for (unsigned i = 0; i < h.count[DNS_QD]; i++)
		if (!dns_rr_read(&c, &msg, true, &rr))
			return;
	nrr = (unsigned)h.count[DNS_AN] + h.count[DNS_NS] + h.count[DNS_AR];
	for (unsigned i = 0; i < nrr && c.left; i++) {
		bool answer = i < h.count[DNS_AN];
		bool additional = i >= (unsigned)h.count[DNS_AN] + h.count[DNS_NS];

		if (!dns_rr_read(&c, &msg, false, &rr))
			return;
		if (answer || (additional && proto == ICS_MDNS))
			record(x, proto, &msg, &rr);
	}
}

/* A plausible header: a known opcode (RFC 6895 2.2: 0-2, 4-6). */
static bool header_ok(struct tp_cursor c)
{
	unsigned opcode;

	tp_skip(&c, 2);
	opcode = DNS_OPCODE(tp_be16(&c));
	return c.short_read || (opcode <= 6 && opcode != 3);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	uint8_t proto = is_mdns(x->pkt) ? ICS_MDNS : ICS_DNS;
	uint32_t total = c.left;

	if (x->pkt->ip_proto != 6) {
		message(x, proto, c);
		return total;
	}
	/* TCP: messages after their 2-byte length (RFC 1035 4.2.2). */
	while (c.left) {
		uint32_t start = total - c.left;
		uint16_t len;

		if (c.left < 2)
			return start;
		len = tp_be16(&c);
		if (len < DNS_HEADER_LEN || !header_ok(c))
			return total;	/* not DNS: nothing to keep */
		if (c.left < len)
			return start;	/* the next segment continues it */
		message(x, proto, tp_sub(&c, len));
	}
	return total;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	(void)proto;
	switch (function) {
	case 1: return "a";
	case 2: return "ns";
	case 5: return "cname";
	case 6: return "soa";
	case 12: return "ptr";
	case 13: return "hinfo";
	case 15: return "mx";
	case 16: return "txt";
	case 28: return "aaaa";
	case 33: return "srv";
	case 35: return "naptr";
	case 43: return "ds";
	case 47: return "nsec";
	case 48: return "dnskey";
	case 64: return "svcb";
	case 65: return "https";
	case 251: return "ixfr";
	case 252: return "axfr";
	case 255: return "any";
	case 257: return "caa";
	case 0xff01: return "iquery";
	case 0xff02: return "status";
	case 0xff04: return "notify";
	case 0xff05: return "update";
	case 0xff06: return "dso";
	default: return NULL;
	}
}

const struct ics_dissector ics_dns = {
	.name = "dns",
	.proto = ICS_DNS,
	.tcp_ports = { 53 },
	.udp_ports = { 53, MDNS_PORT },
	.detect = NULL,
	.dissect = dissect,
	.function_name = function_name,
};
