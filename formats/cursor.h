/*
 * cursor.h - the only way capture bytes are read.
 *
 * A cursor is a window (pointer + bytes left) over borrowed bytes.  Every read
 * names its width and byte order.  A read past the end returns 0, reads
 * nothing and sets the sticky `short_read` flag, so a parser can read a whole
 * header and check the flag once.  Comparisons are made on the checked side
 * (`left < n`), never by forming `p + n` first.
 *
 * The tp_load_* helpers read from a pointer the caller has already bounds-
 * checked (for example a record header obtained from tp_stream_need()); they
 * exist for hot paths and go through memcpy-free shifts of unsigned bytes.
 */
#ifndef TP_CURSOR_H
#define TP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 16 bytes, so a cursor passes between decoders in two registers; no
 * frame or block is near 4 GiB (see TP_MAX_CAPLEN, TP_MAX_BLOCK). */
struct tp_cursor {
	const uint8_t *p;
	uint32_t left;
	bool short_read;
};

static inline struct tp_cursor tp_cursor_make(const void *p, size_t n)
{
	struct tp_cursor c = { (const uint8_t *)p, p ? (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n) : 0,
			       false };
	return c;
}

static inline uint16_t tp_load_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static inline uint16_t tp_load_le16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}
static inline uint32_t tp_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t tp_load_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t tp_load_be64(const uint8_t *p)
{
	return (uint64_t)tp_load_be32(p) << 32 | tp_load_be32(p + 4);
}
static inline uint64_t tp_load_le64(const uint8_t *p)
{
	return (uint64_t)tp_load_le32(p + 4) << 32 | tp_load_le32(p);
}

/* Reads of a byte order chosen at run time (pcap and pcapng sections). */
static inline uint16_t tp_load16(const uint8_t *p, bool big)
{
	return big ? tp_load_be16(p) : tp_load_le16(p);
}
static inline uint32_t tp_load32(const uint8_t *p, bool big)
{
	return big ? tp_load_be32(p) : tp_load_le32(p);
}
static inline uint64_t tp_load64(const uint8_t *p, bool big)
{
	return big ? tp_load_be64(p) : tp_load_le64(p);
}

/* Returns the current position and moves past n bytes, or NULL (and marks
 * the cursor) when fewer than n bytes are left. */
static inline const uint8_t *tp_take(struct tp_cursor *c, size_t n)
{
	const uint8_t *p;

	if (c->left < n) {
		c->short_read = true;
		c->left = 0;
		return NULL;
	}
	p = c->p;
	if (n) {	/* NULL + 0 is undefined behaviour too */
		c->p += n;
		c->left -= (uint32_t)n;
	}
	return p;
}

static inline bool tp_skip(struct tp_cursor *c, size_t n)
{
	return tp_take(c, n) != NULL;
}

static inline uint8_t tp_u8(struct tp_cursor *c)
{
	const uint8_t *p = tp_take(c, 1);
	return p ? p[0] : 0;
}
static inline uint16_t tp_be16(struct tp_cursor *c)
{
	const uint8_t *p = tp_take(c, 2);
	return p ? tp_load_be16(p) : 0;
}
static inline uint16_t tp_le16(struct tp_cursor *c)
{
	const uint8_t *p = tp_take(c, 2);
	return p ? tp_load_le16(p) : 0;
}
static inline uint32_t tp_be32(struct tp_cursor *c)
{
	const uint8_t *p = tp_take(c, 4);
	return p ? tp_load_be32(p) : 0;
}
static inline uint32_t tp_le32(struct tp_cursor *c)
{
	const uint8_t *p = tp_take(c, 4);
	return p ? tp_load_le32(p) : 0;
}
static inline uint64_t tp_be64(struct tp_cursor *c)
{
	const uint8_t *p = tp_take(c, 8);
	return p ? tp_load_be64(p) : 0;
}
static inline uint64_t tp_le64(struct tp_cursor *c)
{
	const uint8_t *p = tp_take(c, 8);
	return p ? tp_load_le64(p) : 0;
}
static inline uint16_t tp_u16(struct tp_cursor *c, bool big)
{
	return big ? tp_be16(c) : tp_le16(c);
}
static inline uint32_t tp_u32(struct tp_cursor *c, bool big)
{
	return big ? tp_be32(c) : tp_le32(c);
}
static inline uint64_t tp_u64(struct tp_cursor *c, bool big)
{
	return big ? tp_be64(c) : tp_le64(c);
}

/*
 * A sub-cursor over the next n bytes (or fewer, if fewer are left: the
 * parent is then marked short).  The parent moves past them, so an inner
 * parser can never read the outer structure's trailer.
 */
static inline struct tp_cursor tp_sub(struct tp_cursor *c, size_t n)
{
	uint32_t take = c->left < n ? c->left : (uint32_t)n;
	struct tp_cursor sub = tp_cursor_make(c->p, take);

	if (take < n)
		c->short_read = true;
	if (take) {
		c->p += take;
		c->left -= take;
	}
	return sub;
}

#endif
