/*
 * test_pcap.c - formats/pcap.c on hand-built files.
 *
 * Every file is spelled out field by field (tests/support/bytes.h) in the
 * byte order under test and read back through tp_capture_open()/next(), as
 * the analyser reads it.  Expected values come from draft-ietf-opsawg-pcap
 * (sections 4 and 5) and libpcap's sf-pcap.c rules, never from the
 * reader's own output.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "formats/capture.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"

#define LE	false
#define BE	true

#define MAGIC_US	0xa1b2c3d4u
#define MAGIC_NS	0xa1b23c4du
#define MAGIC_MOD	0xa1b2cd34u	/* Kuznetsov's modified pcap */

#define LINKTYPE_ETHERNET	1u
#define LINKTYPE_RAW		101u
#define LINKTYPE_LINUX_SLL	113u

#define T0_S	1700000000u	/* 2023-11-14T22:13:20Z */

static void cleanup(void)
{
	tmpfile_cleanup();
}

TestSuite(pcap, .fini = cleanup);


/* ---- builders (draft-ietf-opsawg-pcap sections 4 and 5) ---- */

static void file_header(struct bytes *b, uint32_t magic, bool big, uint16_t major,
			uint16_t minor, uint32_t snaplen, uint32_t ltword)
{
	bytes_u32(b, magic, big);
	bytes_u16(b, major, big);
	bytes_u16(b, minor, big);
	bytes_u32(b, 0, big);		/* Reserved1 (thiszone) */
	bytes_u32(b, 0, big);		/* Reserved2 (sigfigs) */
	bytes_u32(b, snaplen, big);
	bytes_u32(b, ltword, big);
}

/* The usual header: version 2.4, snaplen 65535, Ethernet. */
static void header24(struct bytes *b, uint32_t magic, bool big)
{
	file_header(b, magic, big, 2, 4, 65535, LINKTYPE_ETHERNET);
}

/* Record header with the two length fields in file order, then caplen
 * bytes of data: seed, seed + 1, ... */
static void record_raw(struct bytes *b, bool big, uint32_t sec, uint32_t frac, uint32_t len1,
		       uint32_t len2, uint32_t datalen, uint8_t seed)
{
	bytes_u32(b, sec, big);
	bytes_u32(b, frac, big);
	bytes_u32(b, len1, big);
	bytes_u32(b, len2, big);
	for (uint32_t i = 0; i < datalen; i++)
		bytes_u8(b, (uint8_t)(seed + i));
}

static void record(struct bytes *b, bool big, uint32_t sec, uint32_t frac, uint32_t caplen,
		   uint32_t origlen, uint8_t seed)
{
	record_raw(b, big, sec, frac, caplen, origlen, caplen, seed);
}

/* ---- reading ---- */

/* What a test keeps of a record (its bytes are borrowed). */
struct got {
	int64_t ts_ns;
	uint32_t caplen, origlen, interface;
	uint16_t linktype;
	int8_t fcs_len;
	uint64_t offset, frame;
	uint8_t first, last;	/* first and last data bytes (0 when empty) */
	bool pattern_ok;	/* data is first, first + 1, ... */
};

static void keep(struct got *g, const struct tp_record *r)
{
	g->ts_ns = r->ts_ns;
	g->caplen = r->caplen;
	g->origlen = r->origlen;
	g->interface = r->interface;
	g->linktype = r->linktype;
	g->fcs_len = r->fcs_len;
	g->offset = r->offset;
	g->frame = r->frame;
	g->first = r->caplen ? r->data[0] : 0;
	g->last = r->caplen ? r->data[r->caplen - 1] : 0;
	g->pattern_ok = true;
	for (uint32_t i = 0; i < r->caplen; i++)
		g->pattern_ok &= r->data[i] == (uint8_t)(g->first + i);
}

/* Reads every record (at most max kept); returns the final status. */
static enum tp_read_status read_all(struct tp_capture *c, struct got *g, size_t max, size_t *n)
{
	struct tp_record r;
	enum tp_read_status st;

	*n = 0;
	while ((st = tp_capture_next(c, &r)) == TP_READ_OK) {
		if (*n < max)
			keep(&g[*n], &r);
		++*n;
	}
	return st;
}

static struct tp_capture *open_bytes_opts(const void *p, size_t len,
					  const struct tp_stream_opts *o)
{
	struct tp_capture *c = NULL;
	char err[256] = "";

	cr_assert(eq(int, tp_capture_open(&c, tmpfile_write(0, p, len), o, err, sizeof err),
		     TP_OPEN_OK), "%s", err);
	return c;
}

static struct tp_capture *open_bytes(const struct bytes *b)
{
	return open_bytes_opts(b->p, b->len, NULL);
}

/* ---- the four magic variants ---- */

struct magic_case {
	char why[96];
	uint32_t magic;
	bool big;
	uint32_t snaplen, linktype;
	uint32_t frac[2];		/* sub-second field of each record */
	int64_t ts_ns[2];		/* expected */
	uint8_t tsresol;
};

ParameterizedTestParameters(pcap, reads_all_four_magic_variants)
{
	static struct magic_case cases[] = {
		{ "microseconds, little-endian", MAGIC_US, LE, 65535, LINKTYPE_ETHERNET,
		  { 123456, 999999 },
		  { T0_S * 1000000000ll + 123456000, 4294967295ll * 1000000000 + 999999000 }, 6 },
		{ "microseconds, big-endian", MAGIC_US, BE, 1514, LINKTYPE_RAW,
		  { 1, 0 },
		  { T0_S * 1000000000ll + 1000, 4294967295ll * 1000000000 }, 6 },
		{ "nanoseconds, little-endian", MAGIC_NS, LE, 262144, LINKTYPE_LINUX_SLL,
		  { 123456789, 999999999 },
		  { T0_S * 1000000000ll + 123456789, 4294967295ll * 1000000000 + 999999999 }, 9 },
		{ "nanoseconds, big-endian", MAGIC_NS, BE, 96, LINKTYPE_ETHERNET,
		  { 1, 7 },
		  { T0_S * 1000000000ll + 1, 4294967295ll * 1000000000 + 7 }, 9 },
	};

	return cr_make_param_array(struct magic_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct magic_case *k, pcap, reads_all_four_magic_variants)
{
	struct bytes b = { 0 };
	struct got g[3];
	struct tp_capture *c;
	const struct tp_capture_info *info;
	size_t n;

	file_header(&b, k->magic, k->big, 2, 4, k->snaplen, k->linktype);
	record(&b, k->big, T0_S, k->frac[0], 60, 1514, 0x10);
	/* Seconds are unsigned (section 5): 0xffffffff is 2106, not 1969. */
	record(&b, k->big, 0xffffffffu, k->frac[1], 42, 42, 0x80);
	c = open_bytes(&b);
	info = tp_capture_info(c);
	cr_assert(eq(int, info->format, TP_FORMAT_PCAP), "%s", k->why);
	cr_assert(eq(u16, info->version_major, 2));
	cr_assert(eq(u16, info->version_minor, 4));
	cr_assert(eq(u32, info->sections, 1));
	cr_assert(eq(u32, info->interface_count, 1));
	cr_assert(eq(u16, info->interfaces[0].linktype, k->linktype), "%s", k->why);
	cr_assert(eq(u32, info->interfaces[0].snaplen, k->snaplen), "%s", k->why);
	cr_assert(eq(i8, info->interfaces[0].fcs_len, -1));
	cr_assert(eq(u8, info->interfaces[0].tsresol, k->tsresol), "%s", k->why);
	cr_assert(eq(int, read_all(c, g, 3, &n), TP_READ_END), "%s", k->why);
	cr_assert(eq(sz, n, 2), "%s", k->why);
	cr_assert(eq(i64, g[0].ts_ns, k->ts_ns[0]), "%s", k->why);
	cr_assert(eq(i64, g[1].ts_ns, k->ts_ns[1]), "%s", k->why);
	cr_assert(eq(u32, g[0].caplen, 60));
	cr_assert(eq(u32, g[0].origlen, 1514));
	cr_assert(eq(u32, g[1].caplen, 42));
	cr_assert(eq(u32, g[1].origlen, 42));
	cr_assert(eq(u16, g[0].linktype, k->linktype));
	cr_assert(eq(u16, g[1].linktype, k->linktype));
	cr_assert(eq(u32, g[0].interface, 0));
	cr_assert(eq(u8, g[0].first, 0x10));
	cr_assert(eq(u8, g[1].first, 0x80));
	cr_assert(g[0].pattern_ok && g[1].pattern_ok, "%s", k->why);
	cr_assert(eq(u64, g[0].offset, 24));
	cr_assert(eq(u64, g[1].offset, 24 + 16 + 60));
	cr_assert(eq(u64, g[0].frame, 1));
	cr_assert(eq(u64, g[1].frame, 2));
	cr_assert(tp_capture_error(c) == NULL);
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- the link-type word: FCS bits and reserved bits ---- */

struct ltword_case {
	char why[96];
	uint32_t word;
	uint16_t linktype;
	int8_t fcs_len;
};

ParameterizedTestParameters(pcap, link_type_word_gives_link_type_and_fcs_length)
{
	static struct ltword_case cases[] = {
		{ "plain Ethernet: FCS unknown", 0x00000001u, 1, -1 },
		{ "P set, length 0: known to have no FCS", 0x04000001u, 1, 0 },
		{ "P set, 2 words: a 4-byte Ethernet FCS", 0x24000001u, 1, 4 },
		{ "P set, 1 word: a 2-byte FCS", 0x14000001u, 1, 2 },
		{ "P set, 15 words: the largest, 30 bytes", 0xf4000001u, 1, 30 },
		{ "FCS length without P means nothing (tcpdump's gre-heapoverflow-1.pcap)",
		  0x30000001u, 1, -1 },
		{ "R bit is ignored (draft: MUST be ignored)", 0x08000001u, 1, -1 },
		{ "Reserved3 is ignored (libpcap's linktype-reserved-field-not-zero.pcap)",
		  0x00300000u, 0, -1 },
		{ "every reserved bit and P with 2 words", 0x2fff0071u, 113, 4 },
		{ "the largest 16-bit link type", 0x0000ffffu, 0xffff, -1 },
	};

	return cr_make_param_array(struct ltword_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct ltword_case *k, pcap, link_type_word_gives_link_type_and_fcs_length)
{
	struct bytes b = { 0 };
	struct got g[1];
	struct tp_capture *c;
	const struct tp_capture_info *info;
	size_t n;

	file_header(&b, MAGIC_US, LE, 2, 4, 65535, k->word);
	record(&b, LE, T0_S, 0, 64, 64, 0);
	c = open_bytes(&b);
	info = tp_capture_info(c);
	cr_assert(eq(u16, info->interfaces[0].linktype, k->linktype), "%s", k->why);
	cr_assert(eq(i8, info->interfaces[0].fcs_len, k->fcs_len), "%s", k->why);
	cr_assert(eq(int, read_all(c, g, 1, &n), TP_READ_END), "%s", k->why);
	cr_assert(eq(sz, n, 1));
	cr_assert(eq(u16, g[0].linktype, k->linktype), "%s", k->why);
	cr_assert(eq(i8, g[0].fcs_len, k->fcs_len), "%s", k->why);
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcap, fcs_bits_read_in_big_endian_files_too)
{
	struct bytes b = { 0 };
	struct tp_capture *c;

	file_header(&b, MAGIC_NS, BE, 2, 4, 65535, 0x24000001u);
	c = open_bytes(&b);
	cr_assert(eq(u16, tp_capture_info(c)->interfaces[0].linktype, 1));
	cr_assert(eq(i8, tp_capture_info(c)->interfaces[0].fcs_len, 4));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- versions, and where they put caplen ---- */

struct version_case {
	char why[96];
	uint16_t major, minor;
	uint32_t len1, len2;		/* the two length fields as stored */
	enum tp_read_status status;	/* of the first next() */
	uint32_t caplen, origlen;	/* expected when read */
};

ParameterizedTestParameters(pcap, versions_and_length_order)
{
	static struct version_case cases[] = {
		{ "2.4: caplen then origlen", 2, 4, 60, 1514, TP_READ_OK, 60, 1514 },
		{ "2.4 keeps caplen > origlen as stored", 2, 4, 80, 60, TP_READ_OK, 80, 60 },
		{ "2.3 written in the new order", 2, 3, 60, 1514, TP_READ_OK, 60, 1514 },
		{ "2.3 written in the old order: the smaller is caplen", 2, 3, 1514, 60,
		  TP_READ_OK, 60, 1514 },
		{ "2.2: origlen then caplen (libpcap swaps before 2.3)", 2, 2, 82, 68,
		  TP_READ_OK, 68, 82 },
		{ "2.2 swaps even when that makes caplen the larger", 2, 2, 60, 80,
		  TP_READ_OK, 80, 60 },
		{ "2.0: the oldest accepted, old order", 2, 0, 1514, 60, TP_READ_OK, 60, 1514 },
		{ "543.0 (DG/UX tcpdump): old order", 543, 0, 1514, 60, TP_READ_OK, 60, 1514 },
		{ "2.5 is unknown", 2, 5, 60, 60, TP_READ_CORRUPT, 0, 0 },
		{ "1.4 is archaic (libpcap's pcap-invalid-version-1.pcap)", 1, 4, 60, 60,
		  TP_READ_CORRUPT, 0, 0 },
		{ "3.0 is unknown", 3, 0, 60, 60, TP_READ_CORRUPT, 0, 0 },
		{ "543.1 is unknown", 543, 1, 60, 60, TP_READ_CORRUPT, 0, 0 },
	};

	return cr_make_param_array(struct version_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct version_case *k, pcap, versions_and_length_order)
{
	struct bytes b = { 0 };
	struct got g[2];
	struct tp_capture *c;
	size_t n;
	uint32_t datalen = k->status == TP_READ_OK ? k->caplen : 0;

	file_header(&b, MAGIC_US, LE, k->major, k->minor, 65535, LINKTYPE_ETHERNET);
	record_raw(&b, LE, T0_S, 0, k->len1, k->len2, datalen, 1);
	c = open_bytes(&b);
	cr_assert(eq(int, tp_capture_info(c)->format, TP_FORMAT_PCAP));
	cr_assert(eq(u16, tp_capture_info(c)->version_major, k->major), "%s", k->why);
	cr_assert(eq(u16, tp_capture_info(c)->version_minor, k->minor), "%s", k->why);
	cr_assert(eq(int, read_all(c, g, 2, &n),
		     k->status == TP_READ_OK ? TP_READ_END : k->status), "%s", k->why);
	cr_assert(eq(sz, n, k->status == TP_READ_OK), "%s", k->why);
	cr_assert(eq(u32, n ? g[0].caplen : 0, k->caplen), "%s", k->why);
	cr_assert(eq(u32, n ? g[0].origlen : 0, k->origlen), "%s", k->why);
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcap, bad_version_is_corrupt_at_byte_4_and_sticky)
{
	struct bytes b = { 0 };
	struct tp_record r;
	struct tp_capture *c;

	file_header(&b, MAGIC_US, BE, 2, 5, 65535, LINKTYPE_ETHERNET);
	record(&b, BE, T0_S, 0, 60, 60, 0);
	c = open_bytes(&b);
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_CORRUPT));
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_CORRUPT));
	cr_assert(same(tp_capture_error(c),
		       "corrupt at byte 4 (frame 1): unsupported pcap version 2.5 (2.0 to 2.4 are known)"));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- timestamps ---- */

Test(pcap, sub_second_field_out_of_range_carries_into_seconds)
{
	/* Seen in fuzzed and old files (tcpdump's timestamp_invalid_nano.pcap):
	 * the field is added as it stands. */
	struct bytes b = { 0 };
	struct got g[2];
	struct tp_capture *c;
	size_t n;

	header24(&b, MAGIC_US, LE);
	record(&b, LE, 10, 1500000, 4, 4, 0);		/* 1.5 s of microseconds */
	record(&b, LE, 10, 0xffffffffu, 4, 4, 0);	/* the largest field */
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, g, 2, &n), TP_READ_END));
	cr_assert(eq(i64, g[0].ts_ns, 11500000000ll));
	cr_assert(eq(i64, g[1].ts_ns, 10000000000ll + 4294967295ll * 1000));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcap, timestamp_zero_is_the_epoch)
{
	struct bytes b = { 0 };
	struct got g[1];
	struct tp_capture *c;
	size_t n;

	header24(&b, MAGIC_NS, BE);
	record(&b, BE, 0, 0, 1, 1, 0);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, g, 1, &n), TP_READ_END));
	cr_assert(eq(i64, g[0].ts_ns, 0));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- the modified pcap (Kuznetsov): 24-byte record headers ---- */

static void build_modified(struct bytes *b, bool big)
{
	file_header(b, MAGIC_MOD, big, 2, 4, 2048, LINKTYPE_RAW);
	for (int i = 0; i < 3; i++) {
		bytes_u32(b, T0_S + (uint32_t)i, big);
		bytes_u32(b, 250000, big);
		bytes_u32(b, 20u + (uint32_t)i, big);	/* caplen */
		bytes_u32(b, 40u + (uint32_t)i, big);	/* origlen */
		bytes_u32(b, 3, big);			/* ifindex */
		bytes_u16(b, 0x0800, big);		/* protocol */
		bytes_u8(b, 4);				/* pkt_type: outgoing */
		bytes_u8(b, 0);				/* pad */
		for (uint32_t j = 0; j < 20u + (uint32_t)i; j++)
			bytes_u8(b, (uint8_t)(0x40 * i + j));
	}
}

static void check_modified(bool big)
{
	struct bytes b = { 0 };
	struct got g[4];
	struct tp_capture *c;
	size_t n;

	build_modified(&b, big);
	c = open_bytes(&b);
	cr_assert(eq(u16, tp_capture_info(c)->interfaces[0].linktype, LINKTYPE_RAW));
	cr_assert(eq(u8, tp_capture_info(c)->interfaces[0].tsresol, 6));
	cr_assert(eq(int, read_all(c, g, 4, &n), TP_READ_END));
	cr_assert(eq(sz, n, 3));
	cr_assert(eq(i64, g[2].ts_ns, (T0_S + 2) * 1000000000ll + 250000000));
	cr_assert(eq(u32, g[2].caplen, 22));
	cr_assert(eq(u32, g[2].origlen, 42));
	cr_assert(eq(u8, g[2].first, 0x80));
	cr_assert(g[0].pattern_ok && g[1].pattern_ok && g[2].pattern_ok);
	cr_assert(eq(u64, g[1].offset, 24 + 24 + 20));
	cr_assert(eq(u64, g[2].offset, 24 + 24 + 20 + 24 + 21));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcap, reads_modified_pcap_little_endian)
{
	check_modified(LE);
}

Test(pcap, reads_modified_pcap_big_endian)
{
	check_modified(BE);
}

/* ---- caplen ceilings ---- */

struct ceiling_case {
	char why[96];
	uint32_t snaplen, caplen;
	bool write_data;		/* the file holds the caplen bytes */
	enum tp_read_status status;
	char error[128];		/* expected tp_capture_error(), "" if none */
};

ParameterizedTestParameters(pcap, caplen_ceilings)
{
	static struct ceiling_case cases[] = {
		{ "caplen = snaplen", 1514, 1514, true, TP_READ_END, "" },
		{ "caplen > snaplen is tolerated as libpcap does (Solaris bufmod)",
		  68, 1514, true, TP_READ_END, "" },
		{ "up to libpcap's 262144 whatever the snaplen", 65535, 262144, true,
		  TP_READ_END, "" },
		{ "262145 with snaplen 65535 is corrupt", 65535, 262145, false, TP_READ_CORRUPT,
		  "corrupt at byte 24 (frame 1): record caplen 262145 exceeds the largest accepted, "
		  "262144 (snaplen 65535)" },
		{ "a larger snaplen raises the ceiling", 1000000, 300000, true, TP_READ_END, "" },
		{ "but only to the snaplen", 1000000, 1000001, false, TP_READ_CORRUPT,
		  "corrupt at byte 24 (frame 1): record caplen 1000001 exceeds the largest accepted, "
		  "1000000 (snaplen 1000000)" },
		{ "a huge snaplen stops under TP_MAX_CAPLEN", 0xffffffffu, TP_MAX_CAPLEN, false,
		  TP_READ_CORRUPT,
		  "corrupt at byte 24 (frame 1): record caplen 16777216 exceeds the largest accepted, "
		  "16777168 (snaplen 4294967295)" },
		{ "snaplen 0 (some writers) means libpcap's maximum", 0, 262144, true, TP_READ_END,
		  "" },
		{ "0xffffffff is refused before anything is read", 65535, 0xffffffffu, false,
		  TP_READ_CORRUPT,
		  "corrupt at byte 24 (frame 1): record caplen 4294967295 exceeds the largest "
		  "accepted, 262144 (snaplen 65535)" },
		{ "an empty record is fine", 65535, 0, true, TP_READ_END, "" },
	};

	return cr_make_param_array(struct ceiling_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct ceiling_case *k, pcap, caplen_ceilings)
{
	struct bytes b = { 0 };
	struct got g[1];
	struct tp_capture *c;
	size_t n;

	file_header(&b, MAGIC_US, LE, 2, 4, k->snaplen, LINKTYPE_ETHERNET);
	record_raw(&b, LE, T0_S, 0, k->caplen, k->caplen, k->write_data ? k->caplen : 0, 0);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, g, 1, &n), k->status), "%s", k->why);
	cr_assert(eq(sz, n, k->status == TP_READ_END), "%s", k->why);
	cr_assert(eq(u32, n ? g[0].caplen : 0, k->status == TP_READ_END ? k->caplen : 0));
	cr_assert(same(tp_capture_error(c), k->error[0] ? k->error : NULL), "%s", k->why);
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcap, bad_caplen_after_good_records_keeps_them_and_names_the_record)
{
	struct bytes b = { 0 };
	struct got g[3];
	struct tp_capture *c;
	size_t n;

	header24(&b, MAGIC_US, BE);
	record(&b, BE, T0_S, 0, 60, 60, 0);
	record(&b, BE, T0_S, 1, 30, 30, 0);
	record_raw(&b, BE, T0_S, 2, 0x7fffffffu, 60, 0, 0);	/* at 24 + 76 + 46 = 146 */
	record(&b, BE, T0_S, 3, 60, 60, 0);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, g, 3, &n), TP_READ_CORRUPT));
	cr_assert(eq(sz, n, 2));
	cr_assert(same(tp_capture_error(c),
		       "corrupt at byte 146 (frame 3): record caplen 2147483647 exceeds the largest "
		       "accepted, 262144 (snaplen 65535)"));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- truncation at every byte ---- */

/* Three records of 60, 0 and 17 bytes; ends[] receives each record's end. */
static void build_three(struct bytes *b, uint32_t magic, bool big, size_t ends[3])
{
	header24(b, magic, big);
	record(b, big, T0_S, 1, 60, 60, 0x11);
	ends[0] = b->len;
	record(b, big, T0_S + 1, 2, 0, 64, 0);
	ends[1] = b->len;
	record(b, big, T0_S + 2, 3, 17, 1514, 0x33);
	ends[2] = b->len;
}

static void check_truncation(uint32_t magic, bool big, const struct tp_stream_opts *o)
{
	struct bytes b = { 0 };
	size_t ends[3];

	build_three(&b, magic, big, ends);
	/* Below 4 bytes the file is not recognised (see test_capture.c). */
	for (size_t cut = 4; cut <= b.len; cut++) {
		struct tp_capture *c = open_bytes_opts(b.p, cut, o);
		struct got g[4];
		size_t n, want = 0, start = 24;
		bool boundary = cut == 24;
		char expect[160];
		const char *err;

		for (size_t i = 0; i < 3; i++) {
			want += ends[i] <= cut;
			boundary |= ends[i] == cut;
			if (ends[i] <= cut)
				start = ends[i];
		}
		cr_assert(eq(int, read_all(c, g, 4, &n),
			     boundary ? TP_READ_END : TP_READ_TRUNCATED), "cut %zu", cut);
		cr_assert(eq(sz, n, want), "cut %zu", cut);
		for (size_t i = 0; i < n; i++) {
			cr_assert(eq(u64, g[i].frame, i + 1), "cut %zu", cut);
			cr_assert(g[i].pattern_ok, "cut %zu", cut);
		}
		err = tp_capture_error(c);
		cr_assert(eq(int, err != NULL, !boundary), "cut %zu", cut);
		/* The message names the start of the broken record (or the
		 * file header) and the frame it would have been. */
		snprintf(expect, sizeof expect, "truncated at byte %zu (frame %zu): file ends inside ",
			 cut < 24 ? (size_t)0 : start, n + 1);
		cr_assert(err == NULL || strncmp(err, expect, strlen(expect)) == 0,
			  "cut %zu: %s", cut, err);
		tp_capture_close(c, NULL, NULL);
	}
	bytes_free(&b);
}

Test(pcap, truncated_at_every_offset_microseconds_little_endian)
{
	check_truncation(MAGIC_US, LE, NULL);
}

Test(pcap, truncated_at_every_offset_nanoseconds_big_endian)
{
	check_truncation(MAGIC_NS, BE, NULL);
}

Test(pcap, truncated_at_every_offset_with_tiny_stream_blocks)
{
	/* Records straddle the stream's blocks at every position. */
	struct tp_stream_opts o = { .block_size = 16 };

	check_truncation(MAGIC_US, LE, &o);
}

Test(pcap, truncated_at_every_offset_threaded_stream)
{
	struct tp_stream_opts o = { .block_size = 64, .threaded = true };

	check_truncation(MAGIC_NS, LE, &o);
}

Test(pcap, truncation_messages_name_what_was_cut)
{
	struct bytes b = { 0 };
	size_t ends[3];
	struct tp_capture *c;
	struct got g[3];
	size_t n;

	build_three(&b, MAGIC_US, LE, ends);
	c = open_bytes_opts(b.p, 10, NULL);
	cr_assert(eq(int, read_all(c, g, 3, &n), TP_READ_TRUNCATED));
	cr_assert(same(tp_capture_error(c),
		       "truncated at byte 0 (frame 1): file ends inside file header (10 of 24 bytes)"));
	tp_capture_close(c, NULL, NULL);

	c = open_bytes_opts(b.p, ends[0] + 5, NULL);
	cr_assert(eq(int, read_all(c, g, 3, &n), TP_READ_TRUNCATED));
	cr_assert(same(tp_capture_error(c),
		       "truncated at byte 100 (frame 2): file ends inside record header (5 of 16 bytes)"));
	tp_capture_close(c, NULL, NULL);

	c = open_bytes_opts(b.p, ends[2] - 1, NULL);
	cr_assert(eq(int, read_all(c, g, 3, &n), TP_READ_TRUNCATED));
	cr_assert(same(tp_capture_error(c),
		       "truncated at byte 116 (frame 3): file ends inside record data (16 of 17 bytes)"));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcap, header_only_file_is_an_empty_capture)
{
	struct bytes b = { 0 };
	struct got g[1];
	struct tp_capture *c;
	size_t n;

	header24(&b, MAGIC_US, LE);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, g, 1, &n), TP_READ_END));
	cr_assert(eq(sz, n, 0));
	cr_assert(tp_capture_error(c) == NULL);
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- compressed files give the records of the plain one ---- */

static size_t gzip_bytes(const struct bytes *in, uint8_t *out, size_t cap)
{
	z_stream z = { 0 };

	cr_assert(eq(int, deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK));
	z.next_in = in->p;
	z.avail_in = (uInt)in->len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	cr_assert(eq(int, deflate(&z, Z_FINISH), Z_STREAM_END));
	deflateEnd(&z);
	return cap - z.avail_out;
}

static size_t zstd_bytes(const struct bytes *in, uint8_t *out, size_t cap)
{
	size_t n = ZSTD_compress(out, cap, in->p, in->len, 3);

	cr_assert(not(ZSTD_isError(n)));
	return n;
}

static size_t xz_bytes(const struct bytes *in, uint8_t *out, size_t cap)
{
	size_t pos = 0;

	cr_assert(eq(int, lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in->p, in->len, out,
						  &pos, cap), LZMA_OK));
	return pos;
}

struct compress_case {
	char why[96];
	enum tp_compression compression;
	bool threaded;
};

ParameterizedTestParameters(pcap, compressed_file_gives_the_plain_records)
{
	static struct compress_case cases[] = {
		{ "gzip", TP_COMPRESSION_GZIP, false },
		{ "zstd", TP_COMPRESSION_ZSTD, false },
		{ "xz", TP_COMPRESSION_XZ, false },
		{ "gzip, threaded", TP_COMPRESSION_GZIP, true },
		{ "zstd, threaded", TP_COMPRESSION_ZSTD, true },
		{ "xz, threaded", TP_COMPRESSION_XZ, true },
	};

	return cr_make_param_array(struct compress_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct compress_case *k, pcap, compressed_file_gives_the_plain_records)
{
	struct tp_stream_opts o = { .block_size = 64, .threaded = k->threaded };
	struct bytes b = { 0 };
	static uint8_t packed[4096];
	size_t ends[3], n_plain, n_packed, len;
	struct got plain[4], unpacked[4];
	struct tp_capture *c;

	build_three(&b, MAGIC_NS, BE, ends);
	c = open_bytes(&b);
	cr_assert(eq(int, read_all(c, plain, 4, &n_plain), TP_READ_END));
	tp_capture_close(c, NULL, NULL);

	len = k->compression == TP_COMPRESSION_GZIP ? gzip_bytes(&b, packed, sizeof packed)
	    : k->compression == TP_COMPRESSION_ZSTD ? zstd_bytes(&b, packed, sizeof packed)
						    : xz_bytes(&b, packed, sizeof packed);
	c = open_bytes_opts(packed, len, &o);
	cr_assert(eq(int, tp_capture_info(c)->compression, k->compression), "%s", k->why);
	cr_assert(eq(int, read_all(c, unpacked, 4, &n_packed), TP_READ_END), "%s: %s", k->why,
		  tp_capture_error(c));
	cr_assert(eq(sz, n_packed, 3), "%s", k->why);
	cr_assert(eq(sz, n_plain, 3));
	for (size_t i = 0; i < 3; i++) {
		cr_assert(eq(i64, unpacked[i].ts_ns, plain[i].ts_ns), "%s", k->why);
		cr_assert(eq(u32, unpacked[i].caplen, plain[i].caplen), "%s", k->why);
		cr_assert(eq(u32, unpacked[i].origlen, plain[i].origlen), "%s", k->why);
		cr_assert(eq(u64, unpacked[i].offset, plain[i].offset), "%s", k->why);
		cr_assert(eq(u64, unpacked[i].frame, plain[i].frame), "%s", k->why);
		cr_assert(eq(u8, unpacked[i].first, plain[i].first), "%s", k->why);
		cr_assert(eq(u8, unpacked[i].last, plain[i].last), "%s", k->why);
		cr_assert(unpacked[i].pattern_ok, "%s", k->why);
	}
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(pcap, cut_gzip_file_keeps_whole_records_and_reports_truncation)
{
	struct bytes b = { 0 };
	static uint8_t packed[8192];
	size_t len, n;
	struct got g[8];
	struct tp_capture *c;

	header24(&b, MAGIC_US, LE);
	for (int i = 0; i < 8; i++)
		record(&b, LE, T0_S, (uint32_t)i, 500, 500, (uint8_t)(i * 31));
	len = gzip_bytes(&b, packed, sizeof packed);
	c = open_bytes_opts(packed, len / 2, NULL);
	cr_assert(eq(int, read_all(c, g, 8, &n), TP_READ_TRUNCATED), "%s", tp_capture_error(c));
	cr_assert(lt(sz, n, 8));
	for (size_t i = 0; i < n; i++)
		cr_assert(g[i].pattern_ok);
	cr_assert(tp_capture_error(c) != NULL);
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}
