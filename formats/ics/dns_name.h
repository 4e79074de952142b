/*
 * dns_name.h - the DNS message layout shared by dns.c (DNS, mDNS), nbns.c
 * (NetBIOS name service) and dhcp.c (client FQDN option): header, domain
 * names with compression, questions and resource records.
 *
 * RFC 1035 4.1.1 (header), 4.1.2 (question), 4.1.3 (resource record),
 * 4.1.4 (message compression), 2.3.4 (size limits); RFC 1002 4.2.1 uses the
 * same layout for NBNS.
 *
 * Names are given as their labels joined by '.' ("" for the root), the
 * label bytes as sent (not sanitised: a label holding a '.' reads as two).
 */
#ifndef TP_ICS_DNS_NAME_H
#define TP_ICS_DNS_NAME_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "formats/cursor.h"

#define DNS_NAME_MAX	255u	/* RFC 1035 2.3.4: octets of a name on the wire */
#define DNS_NAME_HOPS	32u	/* compression pointers followed in one name */

/* Flags word (RFC 1035 4.1.1; NBNS the same, RFC 1002 4.2.1.1). */
#define DNS_QR		0x8000u
#define DNS_OPCODE(f)	(((f) >> 11) & 0xfu)
#define DNS_RCODE(f)	((f) & 0xfu)

struct dns_name {
	uint32_t len;
	uint8_t text[DNS_NAME_MAX];	/* at most 253 used: 255 less the root and one length */
};

/* Header counts, in order. */
enum { DNS_QD, DNS_AN, DNS_NS, DNS_AR };

struct dns_header {
	uint16_t id, flags;
	uint16_t count[4];
};

/* A question (ttl 0, rdata empty) or a resource record. */
struct dns_rr {
	struct dns_name name;
	uint16_t type, klass;
	uint32_t ttl;
	struct tp_cursor rdata;
};

/*
 * Reads the name at c into n and moves c past it (past the first pointer
 * when compressed).  Pointers are offsets into msg, the whole message
 * (NULL: no pointers allowed).  With partial, a name may end with the bytes
 * instead of the root label (RFC 4702 2.1).  False for a cut name, label
 * types 01 and 10 (RFC 1035 4.1.4; RFC 6891 retired extended labels), a
 * pointer outside msg, more than DNS_NAME_HOPS pointers (loops) or more
 * than DNS_NAME_MAX octets.
 */
static inline bool dns_name_read(struct tp_cursor *c, const struct tp_cursor *msg, bool partial,
				 struct dns_name *n)
{
	struct tp_cursor at = *c;
	bool jumped = false;
	unsigned hops = 0, wire = 1;	/* the root label's byte */

	n->len = 0;
	for (;;) {
		const uint8_t *label;
		uint8_t b;

		if (partial && !jumped && !at.left)
			break;
		b = tp_u8(&at);
		if (at.short_read)
			return false;
		if (!b)
			break;
		if ((b & 0xc0) == 0xc0) {
			uint16_t off = (uint16_t)((b & 0x3fu) << 8 | tp_u8(&at));

			if (at.short_read || !msg || off >= msg->left || ++hops > DNS_NAME_HOPS)
				return false;
			if (!jumped)
				*c = at;
			jumped = true;
			at = *msg;
			tp_skip(&at, off);
			continue;
		}
		if (b & 0xc0)
			return false;
		wire += 1u + b;
		if (wire > DNS_NAME_MAX || !(label = tp_take(&at, b)))
			return false;
		if (n->len)
			n->text[n->len++] = '.';
		memcpy(n->text + n->len, label, b);
		n->len += b;
	}
	if (!jumped)
		*c = at;
	return true;
}

static inline bool dns_header_read(struct tp_cursor *c, struct dns_header *h)
{
	h->id = tp_be16(c);
	h->flags = tp_be16(c);
	for (int i = 0; i < 4; i++)
		h->count[i] = tp_be16(c);
	return !c->short_read;
}

/* Reads a question (RFC 1035 4.1.2) or, unless question, a resource record
 * (4.1.3) whose rdata becomes a window of rdlength bytes.  False when cut. */
static inline bool dns_rr_read(struct tp_cursor *c, const struct tp_cursor *msg, bool question,
			       struct dns_rr *rr)
{
	if (!dns_name_read(c, msg, false, &rr->name))
		return false;
	rr->type = tp_be16(c);
	rr->klass = tp_be16(c);
	rr->ttl = 0;
	rr->rdata = tp_cursor_make(NULL, 0);
	if (!question) {
		uint16_t rdlength;

		rr->ttl = tp_be32(c);
		rdlength = tp_be16(c);
		if (c->short_read)
			return false;
		rr->rdata = tp_sub(c, rdlength);
	}
	return !c->short_read;
}

/*
 * The type of the message's first entry: its first question's, or when it
 * has none (mDNS responses, NBNS responses) its first record's; 0 when it
 * has no entry.  c is just past the header.  False when that entry is cut.
 */
static inline bool dns_first_type(struct tp_cursor c, const struct tp_cursor *msg,
				  const struct dns_header *h, uint16_t *type)
{
	struct dns_rr rr;

	*type = 0;
	if (!h->count[DNS_QD] && !h->count[DNS_AN] && !h->count[DNS_NS] && !h->count[DNS_AR])
		return true;
	/* Name and type are enough: a record's ttl may be cut. */
	if (!dns_name_read(&c, msg, false, &rr.name))
		return false;
	*type = tp_be16(&c);
	return !c.short_read;
}

#endif
