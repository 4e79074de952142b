/*
 * test_pcapng.c - formats/pcapng.c on hand-built files.
 *
 * Every file is spelled out block by block with the builders below, in
 * either byte order, and read back through tp_capture_open()/next() as the
 * analyser reads it.  Expected values come from draft-ietf-opsawg-pcapng
 * (section numbers next to each case), never from the reader's own output.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "formats/capture.h"
#include "tests/support/bytes.h"

#define SHB	0x0A0D0D0Au
#define IDB	0x00000001u
#define PB	0x00000002u
#define SPB	0x00000003u
#define NRB	0x00000004u
#define ISB	0x00000005u
#define EPB	0x00000006u
#define DSB	0x0000000Au
#define CB	0x00000BADu
#define CB_NOCOPY 0x40000BADu

#define LE	false
#define BE	true

#define LINKTYPE_NULL		0
#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101

#define T0_S	1700000000ull		/* 2023-11-14T22:13:20Z */
#define T0_US	(T0_S * 1000000ull)

static void cleanup(void)
{
	tmpfile_cleanup();
}

TestSuite(pcapng, .fini = cleanup);

/* 64 bytes of packet data: 0, 1, 2, ... */
static const uint8_t frame[64] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
	48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
};

/* ---- builders (3.1: type, length, body padded to 4, length again) ---- */

static size_t blk_begin(struct bytes *b, uint32_t type, bool big)
{
	size_t start = b->len;

	bytes_u32(b, type, big);
	bytes_u32(b, 0, big);	/* patched by blk_end */
	return start;
}

static void blk_end(struct bytes *b, size_t start, bool big)
{
	uint32_t len;

	bytes_pad4(b);
	len = (uint32_t)(b->len - start + 4);
	bytes_u32(b, len, big);
	bytes_set_u32(b, start + 4, len, big);
}

/* Options (3.5): code, length, value padded to 4. */
static void opt(struct bytes *b, uint16_t code, const void *v, uint16_t len, bool big)
{
	bytes_u16(b, code, big);
	bytes_u16(b, len, big);
	bytes_put(b, v, len);
	bytes_pad4(b);
}

static void opt_u8(struct bytes *b, uint16_t code, uint8_t v, bool big)
{
	opt(b, code, &v, 1, big);
}

static void opt_u32(struct bytes *b, uint16_t code, uint32_t v, bool big)
{
	bytes_u16(b, code, big);
	bytes_u16(b, 4, big);
	bytes_u32(b, v, big);
}

static void opt_u64(struct bytes *b, uint16_t code, uint64_t v, bool big)
{
	bytes_u16(b, code, big);
	bytes_u16(b, 8, big);
	bytes_u64(b, v, big);
}

static void opt_str(struct bytes *b, uint16_t code, const char *s, bool big)
{
	opt(b, code, s, (uint16_t)strlen(s), big);
}

static void opt_end(struct bytes *b, bool big)
{
	bytes_u32(b, 0, big);
}

/* SHB (4.1) of a given version, with one comment. */
static void shb_version(struct bytes *b, bool big, uint16_t major, uint16_t minor)
{
	size_t s = blk_begin(b, SHB, big);

	bytes_u32(b, 0x1A2B3C4Du, big);
	bytes_u16(b, major, big);
	bytes_u16(b, minor, big);
	bytes_u64(b, UINT64_MAX, big);	/* section length -1: not given */
	opt_str(b, 1, "built by test_pcapng", big);
	opt_end(b, big);
	blk_end(b, s, big);
}

static void shb(struct bytes *b, bool big)
{
	shb_version(b, big, 1, 0);
}

/* IDB (4.2); add options, then blk_end. */
static size_t idb_begin(struct bytes *b, bool big, uint16_t linktype, uint32_t snaplen)
{
	size_t s = blk_begin(b, IDB, big);

	bytes_u16(b, linktype, big);
	bytes_u16(b, 0, big);
	bytes_u32(b, snaplen, big);
	return s;
}

static void idb(struct bytes *b, bool big, uint16_t linktype, uint32_t snaplen)
{
	blk_end(b, idb_begin(b, big, linktype, snaplen), big);
}

/* EPB (4.3); add options, then blk_end. */
static size_t epb_begin(struct bytes *b, bool big, uint32_t iface, uint64_t ts,
			uint32_t caplen, uint32_t origlen)
{
	size_t s = blk_begin(b, EPB, big);

	bytes_u32(b, iface, big);
	bytes_u32(b, (uint32_t)(ts >> 32), big);
	bytes_u32(b, (uint32_t)ts, big);
	bytes_u32(b, caplen, big);
	bytes_u32(b, origlen, big);
	bytes_put(b, frame, caplen);
	bytes_pad4(b);
	return s;
}

static void epb(struct bytes *b, bool big, uint32_t iface, uint64_t ts, uint32_t caplen)
{
	blk_end(b, epb_begin(b, big, iface, ts, caplen, caplen), big);
}

/* Obsolete Packet Block (Appendix A); add options, then blk_end. */
static size_t pb_begin(struct bytes *b, bool big, uint16_t iface, uint16_t drops, uint64_t ts,
		       uint32_t caplen, uint32_t origlen)
{
	size_t s = blk_begin(b, PB, big);

	bytes_u16(b, iface, big);
	bytes_u16(b, drops, big);
	bytes_u32(b, (uint32_t)(ts >> 32), big);
	bytes_u32(b, (uint32_t)ts, big);
	bytes_u32(b, caplen, big);
	bytes_u32(b, origlen, big);
	bytes_put(b, frame, caplen);
	bytes_pad4(b);
	return s;
}

/* SPB (4.4): original length, then `stored` bytes of data. */
static void spb(struct bytes *b, bool big, uint32_t origlen, uint32_t stored)
{
	size_t s = blk_begin(b, SPB, big);

	bytes_u32(b, origlen, big);
	bytes_put(b, frame, stored);
	blk_end(b, s, big);
}

/* ISB (4.6); add options, then blk_end. */
static size_t isb_begin(struct bytes *b, bool big, uint32_t iface, uint64_t ts)
{
	size_t s = blk_begin(b, ISB, big);

	bytes_u32(b, iface, big);
	bytes_u32(b, (uint32_t)(ts >> 32), big);
	bytes_u32(b, (uint32_t)ts, big);
	return s;
}

/* NRB (4.5): one IPv4 record and nrb_record_end. */
static void nrb(struct bytes *b, bool big)
{
	static const uint8_t rec[] = { 192, 168, 0, 1, 'p', 'l', 'c', '1', 0 };
	size_t s = blk_begin(b, NRB, big);

	opt(b, 1, rec, sizeof rec, big);	/* records have the option layout */
	opt_end(b, big);
	blk_end(b, s, big);
}

/* Any block with `body` bytes of body (custom blocks start with a PEN). */
static void raw_block(struct bytes *b, bool big, uint32_t type, size_t body)
{
	size_t s = blk_begin(b, type, big);

	bytes_u32(b, 32473, big);	/* a PEN, for custom blocks */
	bytes_zeros(b, body > 4 ? body - 4 : 0);
	blk_end(b, s, big);
}

/* ---- reading ---- */

static struct tp_capture *open_bytes(const struct bytes *b)
{
	struct tp_stream_opts o = { 0 };
	struct tp_capture *c = NULL;
	char err[256] = "";
	enum tp_open_status os;

	os = tp_capture_open(&c, tmpfile_write(0, b->p, b->len), &o, err, sizeof err);
	cr_assert(eq(int, os, TP_OPEN_OK), "open: %s", err);
	return c;
}

/*
 * Reads every record; keeps a copy of the first max (pointers cleared: they
 * are valid only until the next call).  Returns the final status.
 */
static enum tp_read_status read_all(struct tp_capture *c, struct tp_record *out, size_t max,
				    size_t *n)
{
	struct tp_record rec;
	enum tp_read_status st;

	*n = 0;
	while ((st = tp_capture_next(c, &rec)) == TP_READ_OK) {
		if (*n < max) {
			out[*n] = rec;
			out[*n].data = NULL;
			out[*n].comment = NULL;
		}
		(*n)++;
	}
	return st;
}

/* True if err names byte offset off ("... at byte 123 (frame ...)"). */
static bool names_offset(const char *err, uint64_t off)
{
	char want[40];
	const char *at;

	if (!err)
		return false;
	snprintf(want, sizeof want, "byte %" PRIu64, off);
	at = strstr(err, want);
	return at && !(at[strlen(want)] >= '0' && at[strlen(want)] <= '9');
}

/* ---- basic reading, both byte orders ---- */

static void check_basic(bool big)
{
	struct bytes b = { 0 };
	struct tp_record rec;
	struct tp_capture *c;
	const struct tp_capture_info *info;
	size_t first;

	shb(&b, big);
	idb(&b, big, LINKTYPE_ETHERNET, 65535);
	first = b.len;
	epb(&b, big, 0, T0_US + 250000, 60);
	blk_end(&b, epb_begin(&b, big, 0, T0_US + 500001, 42, 1514), big);

	c = open_bytes(&b);
	info = tp_capture_info(c);
	cr_assert(eq(int, info->format, TP_FORMAT_PCAPNG));
	cr_assert(eq(u16, info->version_major, 1));
	cr_assert(eq(u16, info->version_minor, 0));

	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_OK));
	cr_assert(eq(i64, rec.ts_ns, (int64_t)(T0_S * 1000000000ull + 250000000ull)));
	cr_assert(eq(u32, rec.caplen, 60));
	cr_assert(eq(u32, rec.origlen, 60));
	cr_assert(eq(int, memcmp(rec.data, frame, 60), 0));
	cr_assert(eq(u16, rec.linktype, LINKTYPE_ETHERNET));
	cr_assert(eq(u32, rec.interface, 0));
	cr_assert(eq(i8, rec.fcs_len, -1));
	cr_assert(not(rec.has_flags));
	cr_assert(not(rec.has_drop_count));
	cr_assert(rec.comment == NULL);
	cr_assert(eq(u32, rec.comments, 0));
	cr_assert(eq(u64, rec.offset, first));
	cr_assert(eq(u64, rec.frame, 1));

	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_OK));
	cr_assert(eq(i64, rec.ts_ns, (int64_t)(T0_S * 1000000000ull + 500001000ull)));
	cr_assert(eq(u32, rec.caplen, 42));
	cr_assert(eq(u32, rec.origlen, 1514));
	cr_assert(eq(int, memcmp(rec.data, frame, 42), 0));
	cr_assert(eq(u64, rec.frame, 2));

	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_END));
	cr_assert(tp_capture_error(c) == NULL);
	info = tp_capture_info(c);
	cr_assert(eq(u32, info->sections, 1));
	cr_assert(eq(u32, info->interface_count, 1));
	cr_assert(eq(u32, info->interfaces[0].snaplen, 65535));
	cr_assert(eq(u8, info->interfaces[0].tsresol, 6));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, reads_little_endian_section)
{
	check_basic(LE);
}

Test(pcapng, reads_big_endian_section)
{
	check_basic(BE);
}

Test(pcapng, accepts_version_1_2)
{
	struct bytes b = { 0 };
	struct tp_record recs[2];
	struct tp_capture *c;
	size_t n;

	shb_version(&b, LE, 1, 2);
	idb(&b, LE, LINKTYPE_ETHERNET, 0);
	epb(&b, LE, 0, T0_US, 60);
	c = open_bytes(&b);
	cr_assert(eq(u16, tp_capture_info(c)->version_minor, 2));
	cr_assert(eq(int, read_all(c, recs, 2, &n), TP_READ_END));
	cr_assert(eq(sz, n, 1));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, rejects_version_0_1)
{
	/* malformed/pcapng-invalid-vers-1.pcapng: Wireshark and libpcap
	 * refuse a section of version 0.1 (4.1: major 1). */
	struct bytes b = { 0 };
	struct tp_record r[1];
	struct tp_capture *c;
	size_t n;

	shb_version(&b, LE, 0, 1);
	idb(&b, LE, LINKTYPE_ETHERNET, 0);
	epb(&b, LE, 0, T0_US, 60);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 1, &n), TP_READ_CORRUPT));
	cr_assert(eq(sz, n, 0));
	cr_assert(ne(ptr, strstr(tp_capture_error(c), "version 0.1"), NULL), "%s",
		  tp_capture_error(c));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- timestamps (4.2 if_tsresol, if_tsoffset) ---- */

/* One EPB of `units` on an interface with the given options; its ts_ns. */
static int64_t ts_of(bool big, int tsresol, bool has_offset, int64_t offset_s, uint64_t units)
{
	struct bytes b = { 0 };
	struct tp_record rec;
	struct tp_capture *c;
	size_t s;
	int64_t ts;

	shb(&b, big);
	s = idb_begin(&b, big, LINKTYPE_ETHERNET, 0);
	if (tsresol >= 0)
		opt_u8(&b, 9, (uint8_t)tsresol, big);
	if (has_offset)
		opt_u64(&b, 14, (uint64_t)offset_s, big);
	opt_end(&b, big);
	blk_end(&b, s, big);
	epb(&b, big, 0, units, 60);
	c = open_bytes(&b);
	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_OK));
	ts = rec.ts_ns;
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
	return ts;
}

Test(pcapng, default_resolution_is_microseconds)
{
	cr_assert(eq(i64, ts_of(LE, -1, false, 0, T0_US + 1), (int64_t)(T0_US * 1000 + 1000)));
}

Test(pcapng, decimal_resolution_nanoseconds)
{
	cr_assert(eq(i64, ts_of(LE, 9, false, 0, 1700000000123456789ull),
		     (int64_t)1700000000123456789ll));
	cr_assert(eq(i64, ts_of(BE, 9, false, 0, 1700000000123456789ull),
		     (int64_t)1700000000123456789ll));
}

Test(pcapng, decimal_resolution_finer_than_nanoseconds_truncates)
{
	/* 10^-12 s: 1.5 ns and a bit -> 1 ns. */
	cr_assert(eq(i64, ts_of(LE, 12, false, 0, 1999), 1));
	/* 10^-3 s and 1 s. */
	cr_assert(eq(i64, ts_of(LE, 3, false, 0, 1500), 1500000000ll));
	cr_assert(eq(i64, ts_of(LE, 0, false, 0, 7), 7000000000ll));
}

Test(pcapng, binary_resolution_2_pow_minus_20)
{
	/* 0x80|20: units of 2^-20 s.  Half a second is 2^19 units; one unit
	 * is 953.674... ns, truncated to 953. */
	uint64_t base = T0_S << 20;

	cr_assert(eq(i64, ts_of(LE, 0x80 | 20, false, 0, base + (1u << 19)),
		     (int64_t)(T0_S * 1000000000ull + 500000000ull)));
	cr_assert(eq(i64, ts_of(BE, 0x80 | 20, false, 0, base + 1),
		     (int64_t)(T0_S * 1000000000ull + 953ull)));
	/* 3 units: 2861.02... ns. */
	cr_assert(eq(i64, ts_of(LE, 0x80 | 20, false, 0, base + 3),
		     (int64_t)(T0_S * 1000000000ull + 2861ull)));
}

Test(pcapng, tsoffset_adds_seconds_both_signs)
{
	cr_assert(eq(i64, ts_of(LE, 6, true, 3600, T0_US),
		     (int64_t)((T0_S + 3600) * 1000000000ull)));
	cr_assert(eq(i64, ts_of(BE, 9, true, -7200, T0_S * 1000000000ull + 5),
		     (int64_t)((T0_S - 7200) * 1000000000ull + 5)));
}

Test(pcapng, timestamp_beyond_int64_saturates)
{
	/* 2^64-1 microseconds is about 584,000 years. */
	cr_assert(eq(i64, ts_of(LE, 6, false, 0, UINT64_MAX), INT64_MAX));
	cr_assert(eq(i64, ts_of(LE, 9, true, INT64_MIN, 0), INT64_MIN));
	/* year 2107 (beyond 32-bit seconds) is fine. */
	cr_assert(eq(i64, ts_of(LE, 6, false, 0, 4354819200ull * 1000000ull),
		     (int64_t)4354819200ll * 1000000000ll));
}

/* ---- interfaces and sections ---- */

Test(pcapng, numbers_interfaces_across_sections_with_mixed_byte_orders)
{
	struct bytes b = { 0 };
	struct tp_record r[4];
	struct tp_capture *c;
	const struct tp_capture_info *info;
	size_t n;

	shb(&b, LE);					/* section 0 */
	idb(&b, LE, LINKTYPE_ETHERNET, 1500);		/* interface 0 */
	idb(&b, LE, LINKTYPE_NULL, 128);		/* interface 1 */
	epb(&b, LE, 1, T0_US + 1, 60);
	shb(&b, BE);					/* section 1 */
	idb(&b, BE, LINKTYPE_RAW, 9000);		/* interface 2 = id 0 */
	epb(&b, BE, 0, T0_US + 2, 40);
	shb(&b, LE);					/* section 2 */
	idb(&b, LE, LINKTYPE_NULL, 100);		/* interface 3 = id 0 */
	idb(&b, LE, LINKTYPE_ETHERNET, 200);		/* interface 4 = id 1 */
	epb(&b, LE, 1, T0_US + 3, 20);
	epb(&b, LE, 0, T0_US + 4, 24);

	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 4, &n), TP_READ_END));
	cr_assert(eq(sz, n, 4));
	cr_assert(eq(u32, r[0].interface, 1));
	cr_assert(eq(u16, r[0].linktype, LINKTYPE_NULL));
	cr_assert(eq(u32, r[1].interface, 2));
	cr_assert(eq(u16, r[1].linktype, LINKTYPE_RAW));
	cr_assert(eq(u32, r[1].caplen, 40));
	cr_assert(eq(i64, r[1].ts_ns, (int64_t)(T0_US + 2) * 1000));
	cr_assert(eq(u32, r[2].interface, 4));
	cr_assert(eq(u16, r[2].linktype, LINKTYPE_ETHERNET));
	cr_assert(eq(u32, r[3].interface, 3));
	cr_assert(eq(u16, r[3].linktype, LINKTYPE_NULL));

	info = tp_capture_info(c);
	cr_assert(eq(u32, info->sections, 3));
	cr_assert(eq(u32, info->interface_count, 5));
	cr_assert(eq(u32, info->interfaces[1].section, 0));
	cr_assert(eq(u32, info->interfaces[2].section, 1));
	cr_assert(eq(u32, info->interfaces[2].snaplen, 9000));
	cr_assert(eq(u32, info->interfaces[4].section, 2));
	cr_assert(eq(u32, info->interfaces[4].snaplen, 200));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, interface_ids_restart_in_each_section)
{
	/* Section 1 describes one interface: its EPB naming id 1 refers to
	 * nothing, although the file has two interfaces. */
	struct bytes b = { 0 };
	struct tp_record r[2];
	struct tp_capture *c;
	size_t n, bad;

	shb(&b, LE);
	idb(&b, LE, LINKTYPE_ETHERNET, 0);
	epb(&b, LE, 0, T0_US, 60);
	shb(&b, BE);
	idb(&b, BE, LINKTYPE_ETHERNET, 0);
	bad = b.len;
	epb(&b, BE, 1, T0_US, 60);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 2, &n), TP_READ_CORRUPT));
	cr_assert(eq(sz, n, 1));
	cr_assert(names_offset(tp_capture_error(c), bad), "%s", tp_capture_error(c));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, several_interfaces_keep_their_link_types_and_snaplens)
{
	struct bytes b = { 0 };
	struct tp_record r[4];
	struct tp_capture *c;
	const struct tp_capture_info *info;
	size_t n;

	shb(&b, BE);
	idb(&b, BE, LINKTYPE_ETHERNET, 96);
	idb(&b, BE, LINKTYPE_NULL, 0);
	idb(&b, BE, LINKTYPE_RAW, 262144);
	epb(&b, BE, 2, T0_US, 20);
	epb(&b, BE, 0, T0_US, 60);
	epb(&b, BE, 1, T0_US, 32);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 4, &n), TP_READ_END));
	cr_assert(eq(sz, n, 3));
	cr_assert(eq(u16, r[0].linktype, LINKTYPE_RAW));
	cr_assert(eq(u16, r[1].linktype, LINKTYPE_ETHERNET));
	cr_assert(eq(u16, r[2].linktype, LINKTYPE_NULL));
	info = tp_capture_info(c);
	cr_assert(eq(u32, info->interface_count, 3));
	cr_assert(eq(u32, info->interfaces[0].snaplen, 96));
	cr_assert(eq(u32, info->interfaces[1].snaplen, 0));
	cr_assert(eq(u32, info->interfaces[2].snaplen, 262144));
	cr_assert(eq(u16, info->interfaces[2].linktype, LINKTYPE_RAW));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, rejects_more_interfaces_than_the_ceiling)
{
	struct bytes b = { 0 };
	struct tp_record r[1];
	struct tp_capture *c;
	size_t n, bad = 0;

	shb(&b, LE);
	for (uint32_t i = 0; i <= TP_MAX_INTERFACES; i++) {
		bad = b.len;
		idb(&b, LE, LINKTYPE_ETHERNET, 0);
	}
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 1, &n), TP_READ_CORRUPT));
	cr_assert(eq(u32, tp_capture_info(c)->interface_count, TP_MAX_INTERFACES));
	cr_assert(names_offset(tp_capture_error(c), bad), "%s", tp_capture_error(c));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- statistics (4.6) ---- */

Test(pcapng, isb_counters_attach_to_their_interface_last_value_wins)
{
	struct bytes b = { 0 };
	struct tp_record r[2];
	struct tp_capture *c;
	const struct tp_capture_info *info;
	const struct tp_isb *i0, *i1;
	size_t s, n;

	shb(&b, LE);
	idb(&b, LE, LINKTYPE_ETHERNET, 0);
	idb(&b, LE, LINKTYPE_ETHERNET, 0);
	epb(&b, LE, 0, T0_US, 60);
	s = isb_begin(&b, LE, 0, T0_US + 10);
	opt_u64(&b, 4, 5, LE);				/* isb_ifrecv */
	opt_end(&b, LE);
	blk_end(&b, s, LE);
	s = isb_begin(&b, LE, 1, T0_US + 20);
	opt_str(&b, 1, "stats", LE);
	opt_u64(&b, 2, T0_US, LE);			/* isb_starttime */
	opt_u64(&b, 3, T0_US + 20, LE);			/* isb_endtime */
	opt_u64(&b, 4, 100, LE);			/* isb_ifrecv */
	opt_u64(&b, 5, 11, LE);				/* isb_ifdrop */
	opt_u64(&b, 6, 90, LE);				/* isb_filteraccept */
	opt_u64(&b, 7, 42, LE);				/* isb_osdrop */
	opt_u64(&b, 8, 80, LE);				/* isb_usrdeliv */
	opt_end(&b, LE);
	blk_end(&b, s, LE);
	s = isb_begin(&b, LE, 0, T0_US + 30);
	opt_u64(&b, 5, 3, LE);				/* isb_ifdrop */
	opt_end(&b, LE);
	blk_end(&b, s, LE);
	s = isb_begin(&b, LE, 7, T0_US + 40);		/* no interface 7: ignored */
	opt_u64(&b, 5, 999, LE);
	opt_end(&b, LE);
	blk_end(&b, s, LE);
	blk_end(&b, isb_begin(&b, LE, 1, T0_US + 45), LE);	/* no counters: erases none */
	epb(&b, LE, 1, T0_US + 50, 60);

	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 2, &n), TP_READ_END));
	cr_assert(eq(sz, n, 2));
	info = tp_capture_info(c);
	i0 = &info->interfaces[0].isb;
	i1 = &info->interfaces[1].isb;
	cr_assert(i0->seen);
	cr_assert(eq(i64, i0->ts_ns, (int64_t)(T0_US + 30) * 1000));
	cr_assert(i0->has_ifrecv);			/* kept from the first ISB */
	cr_assert(eq(u64, i0->ifrecv, 5));
	cr_assert(i0->has_ifdrop);
	cr_assert(eq(u64, i0->ifdrop, 3));
	cr_assert(i1->seen);
	cr_assert(eq(i64, i1->ts_ns, (int64_t)(T0_US + 45) * 1000));
	cr_assert(i1->has_ifrecv && i1->has_ifdrop && i1->has_filteraccept && i1->has_osdrop &&
		  i1->has_usrdeliv);
	cr_assert(eq(u64, i1->ifrecv, 100));
	cr_assert(eq(u64, i1->ifdrop, 11));
	cr_assert(eq(u64, i1->filteraccept, 90));
	cr_assert(eq(u64, i1->osdrop, 42));
	cr_assert(eq(u64, i1->usrdeliv, 80));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- EPB options (4.3, 4.3.1) ---- */

/* True if the n bytes at p are exactly the string s (comments are not
 * NUL-terminated). */
static bool span_is(const uint8_t *p, uint32_t n, const char *s)
{
	return p && n == strlen(s) && memcmp(p, s, n) == 0;
}

static void check_epb_options(bool big)
{
	struct bytes b = { 0 };
	struct tp_record rec;
	struct tp_capture *c;
	size_t s;

	shb(&b, big);
	idb(&b, big, LINKTYPE_ETHERNET, 0);		/* 0: no if_fcslen */
	s = idb_begin(&b, big, LINKTYPE_ETHERNET, 0);	/* 1: if_fcslen 4 */
	opt_u8(&b, 13, 4, big);
	opt_end(&b, big);
	blk_end(&b, s, big);

	/* inbound, FCS length 4, CRC error; dropcount 7; two comments */
	s = epb_begin(&b, big, 0, T0_US, 64, 64);
	opt_str(&b, 1, "first", big);
	opt_u32(&b, 2, 0x1u | 4u << 5 | 0x01000000u, big);
	opt(&b, 3, "\x02\x01\x02\x03\x04", 5, big);	/* epb_hash: skipped */
	opt_u64(&b, 4, 7, big);
	opt_str(&b, 1, "second comment", big);
	opt(&b, 2988, "\0\0\x7e\xd9xyz", 7, big);	/* custom option: skipped */
	opt_end(&b, big);
	blk_end(&b, s, big);
	/* outbound, no FCS length in the flags: the interface's */
	s = epb_begin(&b, big, 1, T0_US, 60, 60);
	opt_u32(&b, 2, 0x2u, big);
	opt_end(&b, big);
	blk_end(&b, s, big);
	/* flags present but FCS length 0 on an interface without if_fcslen;
	 * no opt_endofopt (tolerated: the options end with the block) */
	s = epb_begin(&b, big, 0, T0_US, 60, 60);
	opt_u32(&b, 2, 0, big);
	blk_end(&b, s, big);

	c = open_bytes(&b);
	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_OK));
	cr_assert(rec.has_flags);
	cr_assert(eq(u32, rec.flags & TP_FLAG_DIR_MASK, 1));
	cr_assert(eq(u32, rec.flags & TP_FLAG_ERR_CRC, TP_FLAG_ERR_CRC));
	cr_assert(eq(i8, rec.fcs_len, 4));
	cr_assert(rec.has_drop_count);
	cr_assert(eq(u64, rec.drop_count, 7));
	cr_assert(eq(u32, rec.comments, 2));
	cr_assert(eq(u32, rec.comment_len, 5));
	cr_assert(span_is(rec.comment, rec.comment_len, "first"), "%.*s", (int)rec.comment_len,
		  (const char *)rec.comment);
	cr_assert(eq(int, memcmp(rec.data, frame, 64), 0));

	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_OK));
	cr_assert(rec.has_flags);
	cr_assert(eq(u32, rec.flags & TP_FLAG_DIR_MASK, 2));
	cr_assert(eq(u32, rec.flags & TP_FLAG_ERR_CRC, 0));
	cr_assert(eq(i8, rec.fcs_len, 4));
	cr_assert(not(rec.has_drop_count));
	cr_assert(eq(u32, rec.comments, 0));
	cr_assert(rec.comment == NULL);

	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_OK));
	cr_assert(rec.has_flags);
	cr_assert(eq(u32, rec.flags, 0));
	cr_assert(eq(i8, rec.fcs_len, -1));

	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_END));
	cr_assert(eq(i8, tp_capture_info(c)->interfaces[1].fcs_len, 4));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, epb_flags_dropcount_and_comments_little_endian)
{
	check_epb_options(LE);
}

Test(pcapng, epb_flags_dropcount_and_comments_big_endian)
{
	check_epb_options(BE);
}

/* ---- SPB (4.4) and PB (Appendix A) ---- */

Test(pcapng, simple_packet_block_takes_previous_timestamp_and_snaplen)
{
	struct bytes b = { 0 };
	struct tp_record r[4];
	struct tp_capture *c;
	size_t n;

	shb(&b, BE);
	idb(&b, BE, LINKTYPE_ETHERNET, 50);
	spb(&b, BE, 60, 50);		/* first record: no time known yet: 0 */
	epb(&b, BE, 0, T0_US + 7, 50);
	spb(&b, BE, 1514, 50);		/* origlen 1514, snaplen 50 */
	spb(&b, BE, 30, 30);		/* origlen below snaplen; padded to 32 */
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 4, &n), TP_READ_END));
	cr_assert(eq(sz, n, 4));
	cr_assert(eq(i64, r[0].ts_ns, 0));
	cr_assert(eq(u32, r[0].caplen, 50));
	cr_assert(eq(u32, r[0].origlen, 60));
	cr_assert(eq(i64, r[2].ts_ns, (int64_t)(T0_US + 7) * 1000));
	cr_assert(eq(u32, r[2].caplen, 50));
	cr_assert(eq(u32, r[2].origlen, 1514));
	cr_assert(eq(u32, r[2].interface, 0));
	cr_assert(eq(u16, r[2].linktype, LINKTYPE_ETHERNET));
	cr_assert(not(r[2].has_flags));
	cr_assert(eq(i64, r[3].ts_ns, (int64_t)(T0_US + 7) * 1000));
	cr_assert(eq(u32, r[3].caplen, 30));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, simple_packet_block_without_interface_is_corrupt)
{
	struct bytes b = { 0 };
	struct tp_record r[1];
	struct tp_capture *c;
	size_t n, bad;

	shb(&b, LE);
	bad = b.len;
	spb(&b, LE, 60, 60);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 1, &n), TP_READ_CORRUPT));
	cr_assert(eq(sz, n, 0));
	cr_assert(names_offset(tp_capture_error(c), bad), "%s", tp_capture_error(c));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

static void check_packet_block(bool big)
{
	struct bytes b = { 0 };
	struct tp_record rec;
	struct tp_capture *c;
	size_t s;

	shb(&b, big);
	idb(&b, big, LINKTYPE_NULL, 0);
	idb(&b, big, LINKTYPE_ETHERNET, 0);
	s = pb_begin(&b, big, 1, 3, T0_US + 9, 60, 70);
	opt_u32(&b, 2, 0x1u | 2u << 5, big);		/* pack_flags */
	opt_str(&b, 1, "old", big);
	opt_end(&b, big);
	blk_end(&b, s, big);
	blk_end(&b, pb_begin(&b, big, 0, 0xFFFF, T0_US + 10, 4, 4), big);

	c = open_bytes(&b);
	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_OK));
	cr_assert(eq(u32, rec.interface, 1));
	cr_assert(eq(u16, rec.linktype, LINKTYPE_ETHERNET));
	cr_assert(eq(i64, rec.ts_ns, (int64_t)(T0_US + 9) * 1000));
	cr_assert(eq(u32, rec.caplen, 60));
	cr_assert(eq(u32, rec.origlen, 70));
	cr_assert(rec.has_drop_count);
	cr_assert(eq(u64, rec.drop_count, 3));
	cr_assert(rec.has_flags);
	cr_assert(eq(u32, rec.flags & TP_FLAG_DIR_MASK, 1));
	cr_assert(eq(i8, rec.fcs_len, 2));
	cr_assert(eq(u32, rec.comments, 1));
	cr_assert(span_is(rec.comment, rec.comment_len, "old"));
	cr_assert(eq(int, memcmp(rec.data, frame, 60), 0));
	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_OK));
	cr_assert(eq(u32, rec.interface, 0));
	cr_assert(not(rec.has_drop_count));		/* 0xFFFF: not available */
	cr_assert(eq(int, tp_capture_next(c, &rec), TP_READ_END));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, obsolete_packet_block_little_endian)
{
	check_packet_block(LE);
}

Test(pcapng, obsolete_packet_block_big_endian)
{
	check_packet_block(BE);
}

/* ---- blocks skipped (3.1: unknown blocks are skipped by length) ---- */

static void check_skips(bool big)
{
	struct bytes b = { 0 };
	struct tp_record r[3];
	struct tp_capture *c;
	size_t n;

	shb(&b, big);
	nrb(&b, big);
	raw_block(&b, big, CB, 12);
	idb(&b, big, LINKTYPE_ETHERNET, 0);
	epb(&b, big, 0, T0_US, 60);
	raw_block(&b, big, DSB, 16);
	raw_block(&b, big, CB_NOCOPY, 4);
	raw_block(&b, big, 0x12345678u, 0);		/* unknown, no body */
	raw_block(&b, big, 0x80000001u, 100);		/* local use */
	raw_block(&b, big, 0x00000000u, 8);		/* reserved */
	nrb(&b, big);
	epb(&b, big, 0, T0_US + 1, 61);
	raw_block(&b, big, CB, 4);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 3, &n), TP_READ_END));
	cr_assert(eq(sz, n, 2));
	cr_assert(eq(u32, r[1].caplen, 61));
	/* Wireshark numbers custom blocks as frames: one before each packet. */
	cr_assert(eq(u64, r[0].frame, 2));
	cr_assert(eq(u64, r[1].frame, 4));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, skips_nrb_dsb_custom_and_unknown_blocks_little_endian)
{
	check_skips(LE);
}

Test(pcapng, skips_nrb_dsb_custom_and_unknown_blocks_big_endian)
{
	check_skips(BE);
}

/* ---- corrupt blocks ---- */

enum bad_kind { BAD_LEN, BAD_TRAILER };

struct bad_case {
	const char *why;
	enum bad_kind kind;
	uint32_t value;
	bool big;
};

static const struct bad_case bad_cases[] = {
	{ "length not a multiple of 4", BAD_LEN, 34, LE },
	{ "length not a multiple of 4, big-endian", BAD_LEN, 33, BE },
	{ "length 0", BAD_LEN, 0, LE },
	{ "length below 12", BAD_LEN, 8, BE },
	{ "length above TP_MAX_BLOCK", BAD_LEN, TP_MAX_BLOCK + 4, LE },
	{ "length 0xFFFFFFFC", BAD_LEN, 0xFFFFFFFCu, BE },
	{ "trailing length differs", BAD_TRAILER, 36, LE },
	{ "trailing length differs, big-endian", BAD_TRAILER, 0x24000000u, BE },
};

Test(pcapng, rejects_bad_block_lengths_with_their_offset)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *k = &bad_cases[i];
		struct bytes b = { 0 };
		struct tp_record r[2];
		struct tp_capture *c;
		size_t n, bad;

		shb(&b, k->big);
		idb(&b, k->big, LINKTYPE_ETHERNET, 0);
		epb(&b, k->big, 0, T0_US, 60);
		bad = b.len;
		epb(&b, k->big, 0, T0_US, 20);		/* 52 bytes */
		epb(&b, k->big, 0, T0_US, 20);
		if (k->kind == BAD_LEN)
			bytes_set_u32(&b, bad + 4, k->value, k->big);
		else
			bytes_set_u32(&b, bad + 48, k->value, k->big);
		c = open_bytes(&b);
		cr_assert(eq(int, read_all(c, r, 2, &n), TP_READ_CORRUPT), "%s", k->why);
		cr_assert(eq(sz, n, 1), "%s", k->why);
		cr_assert(names_offset(tp_capture_error(c), bad), "%s: %s", k->why,
			  tp_capture_error(c));
		/* the fault is sticky */
		cr_assert(eq(int, tp_capture_next(c, &r[1]), TP_READ_CORRUPT), "%s", k->why);
		tp_capture_close(c, NULL, NULL);
		bytes_free(&b);
	}
}

Test(pcapng, rejects_captured_length_beyond_the_block)
{
	struct bytes b = { 0 };
	struct tp_record r[2];
	struct tp_capture *c;
	size_t n, bad;

	shb(&b, BE);
	idb(&b, BE, LINKTYPE_ETHERNET, 0);
	epb(&b, BE, 0, T0_US, 60);
	bad = b.len;
	epb(&b, BE, 0, T0_US, 20);
	bytes_set_u32(&b, bad + 20, 21, BE);	/* 21 > 20 bytes of room */
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 2, &n), TP_READ_CORRUPT));
	cr_assert(eq(sz, n, 1));
	cr_assert(names_offset(tp_capture_error(c), bad), "%s", tp_capture_error(c));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, rejects_option_overrunning_its_block)
{
	struct bytes b = { 0 };
	struct tp_record r[2];
	struct tp_capture *c;
	size_t n, s, opt_at;

	shb(&b, LE);
	idb(&b, LE, LINKTYPE_ETHERNET, 0);
	epb(&b, LE, 0, T0_US, 60);
	s = epb_begin(&b, LE, 0, T0_US, 60, 60);
	opt_at = b.len;
	opt_str(&b, 1, "abcd", LE);
	opt_end(&b, LE);
	blk_end(&b, s, LE);
	bytes_set_u32(&b, opt_at, 1u | 12u << 16, LE);	/* comment of 12 > 8 bytes left */
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 2, &n), TP_READ_CORRUPT));
	cr_assert(eq(sz, n, 1));
	cr_assert(names_offset(tp_capture_error(c), opt_at), "%s", tp_capture_error(c));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, rejects_section_header_option_overrunning_its_block)
{
	/* As malformed/shb-option-too-long.pcapng, but with a consistent
	 * trailing length, so the option itself is what is wrong. */
	struct bytes b = { 0 };
	struct tp_record r[1];
	struct tp_capture *c;
	size_t n, opt_at = 24;	/* type, length, magic, versions, section length */

	shb(&b, BE);
	idb(&b, BE, LINKTYPE_ETHERNET, 0);
	epb(&b, BE, 0, T0_US, 60);
	bytes_set_u32(&b, opt_at, 1u << 16 | 0x3030u, BE);	/* comment of 12336 bytes */
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 1, &n), TP_READ_CORRUPT));
	cr_assert(eq(sz, n, 0));
	cr_assert(names_offset(tp_capture_error(c), opt_at), "%s", tp_capture_error(c));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcapng, rejects_second_section_with_bad_byte_order_magic)
{
	struct bytes b = { 0 };
	struct tp_record r[2];
	struct tp_capture *c;
	size_t n, bad;

	shb(&b, LE);
	idb(&b, LE, LINKTYPE_ETHERNET, 0);
	epb(&b, LE, 0, T0_US, 60);
	bad = b.len;
	shb(&b, LE);
	bytes_set_u32(&b, bad + 8, 0x1A2B3C4Eu, LE);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 2, &n), TP_READ_CORRUPT));
	cr_assert(eq(sz, n, 1));
	cr_assert(names_offset(tp_capture_error(c), bad + 8), "%s", tp_capture_error(c));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- truncation at every byte ---- */

/* A small file of every kind of block; ends[] receives each block's end. */
static size_t build_mixed(struct bytes *b, bool big, size_t *ends, bool *is_packet)
{
	size_t k = 0, s;

	shb(b, big);
	ends[k] = b->len, is_packet[k++] = false;
	idb(b, big, LINKTYPE_ETHERNET, 0);
	ends[k] = b->len, is_packet[k++] = false;
	epb(b, big, 0, T0_US, 17);
	ends[k] = b->len, is_packet[k++] = true;
	nrb(b, big);
	ends[k] = b->len, is_packet[k++] = false;
	s = epb_begin(b, big, 0, T0_US + 1, 5, 5);
	opt_str(b, 1, "c", big);
	opt_end(b, big);
	blk_end(b, s, big);
	ends[k] = b->len, is_packet[k++] = true;
	s = isb_begin(b, big, 0, T0_US + 2);
	opt_u64(b, 5, 1, big);
	opt_end(b, big);
	blk_end(b, s, big);
	ends[k] = b->len, is_packet[k++] = false;
	spb(b, big, 8, 8);
	ends[k] = b->len, is_packet[k++] = true;
	raw_block(b, big, 0x12345678u, 0);
	ends[k] = b->len, is_packet[k++] = false;
	epb(b, big, 0, T0_US + 3, 0);
	ends[k] = b->len, is_packet[k++] = true;
	return k;
}

static void check_truncation(bool big, size_t block_size, bool threaded)
{
	struct tp_stream_opts o = { .block_size = block_size, .threaded = threaded };
	struct bytes b = { 0 };
	size_t ends[16];
	bool is_packet[16];
	size_t blocks = build_mixed(&b, big, ends, is_packet);

	/* From 4 bytes on the file is known by its first block type. */
	for (size_t cut = 4; cut <= b.len; cut++) {
		struct tp_capture *c = NULL;
		struct tp_record r[8];
		char err[256] = "";
		size_t n, want = 0;
		bool boundary = false;
		enum tp_open_status os;

		for (size_t i = 0; i < blocks; i++) {
			want += is_packet[i] && ends[i] <= cut;
			boundary |= ends[i] == cut;
		}
		os = tp_capture_open(&c, tmpfile_write(0, b.p, cut), &o, err, sizeof err);
		cr_assert(eq(int, os, TP_OPEN_OK), "cut %zu: %s", cut, err);
		cr_assert(eq(int, read_all(c, r, 8, &n),
			     boundary ? TP_READ_END : TP_READ_TRUNCATED), "cut %zu", cut);
		cr_assert(eq(sz, n, want), "cut %zu", cut);
		cr_assert(eq(int, tp_capture_error(c) != NULL, !boundary), "cut %zu", cut);
		tp_capture_close(c, NULL, NULL);
	}
	bytes_free(&b);
}

Test(pcapng, truncated_at_every_offset_little_endian)
{
	check_truncation(LE, 0, false);
}

Test(pcapng, truncated_at_every_offset_big_endian)
{
	check_truncation(BE, 0, false);
}

Test(pcapng, truncated_at_every_offset_with_tiny_stream_blocks)
{
	/* Blocks straddle the stream's buffers at every position (the stream
	 * raises 16 to its smallest block). */
	check_truncation(LE, 16, false);
}

Test(pcapng, truncated_at_every_offset_threaded_stream)
{
	check_truncation(BE, 64, true);
}

Test(pcapng, truncation_names_the_block_offset)
{
	struct bytes b = { 0 };
	struct tp_record r[2];
	struct tp_capture *c;
	size_t n, at;

	shb(&b, LE);
	idb(&b, LE, LINKTYPE_ETHERNET, 0);
	epb(&b, LE, 0, T0_US, 60);
	at = b.len;
	epb(&b, LE, 0, T0_US, 60);
	b.len -= 10;
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, r, 2, &n), TP_READ_TRUNCATED));
	cr_assert(eq(sz, n, 1));
	cr_assert(names_offset(tp_capture_error(c), at), "%s", tp_capture_error(c));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}
