/*
 * ber.h - a small reader of ASN.1 BER TLVs over the cursor, for the
 * dissectors that carry BER (goose.c, snmp.c).
 *
 * ITU-T X.690 (02/2021): 8.1.2 identifier octets (class, constructed bit,
 * tag number, high-tag-number form), 8.1.3 length octets (short form, long
 * form of up to four octets here; the indefinite form 8.1.3.6 is refused:
 * RFC 3417 section 8 and IEC 61850-8-1 Annex A use definite lengths only),
 * 8.3 INTEGER (two's complement, big-endian), 8.2 BOOLEAN.
 *
 * ber_read() never reads past the cursor.  A value longer than the bytes
 * left is given as what is there, with `truncated` set: a constructed value
 * can still be walked as far as it goes, while a primitive value must be
 * refused by the caller when truncated (it would be built from missing
 * bytes).
 */
#ifndef TP_ICS_BER_H
#define TP_ICS_BER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "formats/cursor.h"

/* Identifier classes (X.690 8.1.2.2, the top two bits). */
#define BER_UNIVERSAL	0u
#define BER_APPLICATION	1u
#define BER_CONTEXT	2u
#define BER_PRIVATE	3u

/* Universal tags used here (X.680 8.4). */
#define BER_INTEGER	2u
#define BER_OCTET_STRING 4u
#define BER_OID		6u
#define BER_SEQUENCE	16u

struct ber_tlv {
	uint8_t cls;		/* BER_UNIVERSAL ... BER_PRIVATE */
	bool constructed;
	uint32_t tag;		/* tag number, below 2^28 */
	uint32_t len;		/* declared length of the value */
	bool truncated;		/* fewer than len bytes were left: val holds those */
	struct tp_cursor val;	/* the value's bytes */
};

/*
 * Reads the TLV at the cursor into t and moves past it (past what is left
 * of it when truncated).  Returns false, with the cursor emptied, when no
 * identifier and length could be read whole or they are not valid BER of
 * the kind accepted here (indefinite length, a length of more than four
 * octets, a tag number of more than four octets); true otherwise, also for
 * a truncated value.
 */
static inline bool ber_read(struct tp_cursor *c, struct ber_tlv *t)
{
	uint8_t id, lb;

	memset(t, 0, sizeof *t);
	id = tp_u8(c);
	if (c->short_read)
		return false;
	t->cls = (uint8_t)(id >> 6);
	t->constructed = (id & 0x20u) != 0;
	t->tag = id & 0x1fu;
	if (t->tag == 0x1fu) {	/* 8.1.2.4: base 128, high bit = more */
		uint8_t b;
		int n = 0;

		t->tag = 0;
		do {
			b = tp_u8(c);
			t->tag = t->tag << 7 | (b & 0x7fu);
		} while ((b & 0x80u) && !c->short_read && ++n < 4);
		if (c->short_read || (b & 0x80u))
			goto bad;
	}
	lb = tp_u8(c);
	if (c->short_read)
		return false;
	if (lb < 0x80u) {
		t->len = lb;
	} else {
		unsigned n = lb & 0x7fu;

		if (n == 0 || n > 4)	/* indefinite, or more than 32 bits */
			goto bad;
		for (unsigned i = 0; i < n; i++)
			t->len = t->len << 8 | tp_u8(c);
		if (c->short_read)
			return false;
	}
	t->truncated = t->len > c->left;
	t->val = tp_sub(c, t->len);
	return true;
bad:
	c->left = 0;
	c->short_read = true;
	return false;
}

/* Whether t is a whole primitive value of this class and tag. */
static inline bool ber_is(const struct ber_tlv *t, unsigned cls, uint32_t tag)
{
	return t->cls == cls && t->tag == tag && !t->constructed && !t->truncated;
}

/*
 * An INTEGER's value (X.690 8.3: one to eight octets of two's complement;
 * a nine-octet unsigned 64-bit value with a leading zero octet is refused).
 * False when the length is 0 or more than 8, or the value is truncated.
 */
static inline bool ber_int(const struct ber_tlv *t, int64_t *out)
{
	struct tp_cursor v = t->val;
	uint64_t u;

	if (t->truncated || t->constructed || t->len == 0 || t->len > 8)
		return false;
	u = tp_u8(&v);
	u = (u & 0x80u) ? (UINT64_MAX << 8) | u : u;	/* sign extension */
	while (v.left && !v.short_read)
		u = u << 8 | tp_u8(&v);
	*out = (int64_t)u;
	return !v.short_read;
}

/* A BOOLEAN's value (X.690 8.2: one octet, zero is FALSE). */
static inline bool ber_bool(const struct ber_tlv *t, bool *out)
{
	struct tp_cursor v = t->val;

	if (t->truncated || t->constructed || t->len != 1)
		return false;
	*out = tp_u8(&v) != 0;
	return true;
}

/* Whether a whole value equals the n bytes of want (an OID, a name). */
static inline bool ber_equals(const struct ber_tlv *t, const uint8_t *want, size_t n)
{
	struct tp_cursor v = t->val;
	const uint8_t *p;

	if (t->truncated || t->len != n)
		return false;
	p = tp_take(&v, n);
	return p && (n == 0 || memcmp(p, want, n) == 0);
}

/* The value's bytes, for an identity (NULL when truncated or empty). */
static inline const uint8_t *ber_bytes(const struct ber_tlv *t)
{
	struct tp_cursor v = t->val;

	return t->truncated || !t->len ? NULL : tp_take(&v, t->len);
}

#endif
