/*
 * test_capture.c - formats/capture.c: choosing a reader, naming what is not
 * a capture, frame numbers, sticky status, the error format, the digest on
 * close, and tp_reader_short().
 *
 * The readers themselves are tested in test_pcap.c and test_pcapng.c; here
 * they only need to be recognised.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "formats/reader.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"

#define LE	false
#define BE	true

static void cleanup(void)
{
	tmpfile_cleanup();
}

TestSuite(capture, .fini = cleanup);


/* A classic pcap file (version 2.4, Ethernet) of n records of 20 bytes. */
static void small_pcap(struct bytes *b, bool big, int n)
{
	bytes_u32(b, 0xa1b2c3d4u, big);
	bytes_u16(b, 2, big);
	bytes_u16(b, 4, big);
	bytes_zeros(b, 8);
	bytes_u32(b, 65535, big);
	bytes_u32(b, 1, big);
	for (int i = 0; i < n; i++) {
		bytes_u32(b, 1700000000u + (uint32_t)i, big);
		bytes_u32(b, 0, big);
		bytes_u32(b, 20, big);
		bytes_u32(b, 20, big);
		for (int j = 0; j < 20; j++)
			bytes_u8(b, (uint8_t)(i + j));
	}
}

/* A pcapng file of one SHB and one IDB (draft-ietf-opsawg-pcapng 4.1, 4.2). */
static void small_pcapng(struct bytes *b, bool big)
{
	bytes_u32(b, 0x0A0D0D0Au, big);
	bytes_u32(b, 28, big);
	bytes_u32(b, 0x1A2B3C4Du, big);
	bytes_u16(b, 1, big);
	bytes_u16(b, 0, big);
	bytes_u64(b, UINT64_MAX, big);	/* section length unknown */
	bytes_u32(b, 28, big);
	bytes_u32(b, 1, big);		/* IDB */
	bytes_u32(b, 20, big);
	bytes_u16(b, 1, big);		/* Ethernet */
	bytes_u16(b, 0, big);
	bytes_u32(b, 0, big);		/* snaplen */
	bytes_u32(b, 20, big);
}

static size_t gzip_buf(const void *in, size_t len, uint8_t *out, size_t cap)
{
	z_stream z = { 0 };

	cr_assert(eq(int, deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK));
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	cr_assert(eq(int, deflate(&z, Z_FINISH), Z_STREAM_END));
	deflateEnd(&z);
	return cap - z.avail_out;
}

/* ---- choosing the reader ---- */

struct format_case {
	char why[96];
	bool pcapng, big;
};

ParameterizedTestParameters(capture, chooses_the_reader_by_the_first_bytes)
{
	static struct format_case cases[] = {
		{ "pcap, little-endian", false, LE },
		{ "pcap, big-endian", false, BE },
		{ "pcapng, little-endian", true, LE },
		{ "pcapng, big-endian", true, BE },
	};

	return cr_make_param_array(struct format_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct format_case *k, capture, chooses_the_reader_by_the_first_bytes)
{
	struct bytes b = { 0 };
	struct tp_capture *c = NULL;
	struct tp_record r;
	char err[256] = "";

	if (k->pcapng)
		small_pcapng(&b, k->big);
	else
		small_pcap(&b, k->big, 0);
	cr_assert(eq(int, tp_capture_open(&c, tmpfile_write(0, b.p, b.len), NULL, err, sizeof err),
		     TP_OPEN_OK), "%s: %s", k->why, err);
	cr_assert(eq(int, tp_capture_info(c)->format,
		     k->pcapng ? TP_FORMAT_PCAPNG : TP_FORMAT_PCAP), "%s", k->why);
	cr_assert(eq(int, tp_capture_info(c)->compression, TP_COMPRESSION_NONE));
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_END), "%s", k->why);
	/* pcapng learns its interfaces as it reads. */
	cr_assert(eq(u32, tp_capture_info(c)->interface_count, 1), "%s", k->why);
	cr_assert(not(eq(ptr, tp_capture_stream(c), NULL)));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

/* ---- what is not a capture ---- */

struct foreign_case {
	char why[96];
	char bytes[40];
	size_t len;
	bool gzip;			/* store the bytes gzip-compressed */
	enum tp_open_status status;
	char message[128];		/* after "<path>: " */
};

ParameterizedTestParameters(capture, names_what_is_not_a_capture)
{
	static struct foreign_case cases[] = {
		{ "empty file", "", 0, false, TP_OPEN_NOT_CAPTURE, "empty file, not a capture" },
		{ "one byte", "\xa1", 1, false, TP_OPEN_NOT_CAPTURE, "not a capture (only 1 byte)" },
		{ "three bytes of a pcap magic", "\xa1\xb2\xc3", 3, false, TP_OPEN_NOT_CAPTURE,
		  "not a capture (only 3 bytes)" },
		{ "an HTML page", "<html><body>404</body></html>\n", 30, false,
		  TP_OPEN_NOT_CAPTURE, "not a pcap or pcapng file (first bytes 3c 68 74 6d)" },
		{ "four bytes of text", "abcd", 4, false, TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (first bytes 61 62 63 64)" },
		{ "an HTML page, gzip-compressed", "<html><body>404</body></html>\n", 30, true,
		  TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (first bytes 3c 68 74 6d, gzip-compressed)" },
		{ "Sun snoop", "snoop\0\0\0\0\0\0\2\0\0\0\4", 16, false, TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (Sun snoop is not supported)" },
		{ "Network Monitor 1.x", "RTSS\1\1\1\0", 8, false, TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (Microsoft Network Monitor 1.x is not supported)" },
		{ "Network Monitor 2.x", "GMBU\0\2\1\0", 8, false, TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (Microsoft Network Monitor 2.x is not supported)" },
		{ "NetXRay 2.x", "XCP\0002.001", 10, false, TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (NetXRay 2.x / Windows Sniffer is not supported)" },
		{ "DOS Sniffer", "TRSNIFF data    \x1a\2\0", 19, false, TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (Network General Sniffer (DOS) is not supported)" },
		{ "Navtel pcap", "\xa1\x2b\x3c\x4d\0\2\0\4", 8, false, TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (Navtel pcap (magic a12b3c4d) is not supported)" },
		{ "bzip2", "BZh91AY&SY", 10, false, TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (bzip2-compressed data is not supported)" },
		{ "Endace ERF (the first record of tcptrace's eth.erf)",
		  "\x00\x11\x53\x18\xa2\x58\x26\x3b\x02\x00\x00\x48\x00\x00\x00\x42", 16, false,
		  TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (looks like Endace ERF, which is not supported)" },
		{ "Endace ERF, gzip-compressed",
		  "\x00\x11\x53\x18\xa2\x58\x26\x3b\x02\x00\x00\x48\x00\x00\x00\x42", 16, true,
		  TP_OPEN_NOT_CAPTURE,
		  "not a pcap or pcapng file (looks like Endace ERF, gzip-compressed, which is not "
		  "supported)" },
	};

	return cr_make_param_array(struct foreign_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct foreign_case *k, capture, names_what_is_not_a_capture)
{
	static uint8_t packed[512];
	struct tp_capture *c = (struct tp_capture *)&c;	/* must be reset to NULL */
	char err[256] = "", expect[512];
	const char *path;

	if (k->gzip)
		path = tmpfile_write(0, packed, gzip_buf(k->bytes, k->len, packed, sizeof packed));
	else
		path = tmpfile_write(0, k->bytes, k->len);
	cr_assert(eq(int, tp_capture_open(&c, path, NULL, err, sizeof err), k->status), "%s: %s",
		  k->why, err);
	cr_assert(eq(ptr, c, NULL), "%s", k->why);
	snprintf(expect, sizeof expect, "%s: %s", path, k->message);
	cr_assert(eq(str, err, expect), "%s", k->why);
}

Test(capture, missing_file_fails_naming_it)
{
	struct tp_capture *c = NULL;
	char err[256] = "";
	const char *path = "/nonexistent/tapsight/x.pcap";

	cr_assert(eq(int, tp_capture_open(&c, path, NULL, err, sizeof err), TP_OPEN_FAILED));
	cr_assert(eq(ptr, c, NULL));
	cr_assert(not(eq(ptr, strstr(err, path), NULL)), "%s", err);
}

Test(capture, corrupt_gzip_header_fails_with_the_stream_message)
{
	/* gzip magic, then a compression method that does not exist. */
	static const uint8_t bad[] = { 0x1f, 0x8b, 0x77, 0x00, 0, 0, 0, 0, 0, 3, 'x', 'y', 'z' };
	struct tp_capture *c = NULL;
	char err[256] = "";
	const char *path = tmpfile_write(0, bad, sizeof bad);

	cr_assert(eq(int, tp_capture_open(&c, path, NULL, err, sizeof err), TP_OPEN_FAILED),
		  "%s", err);
	cr_assert(eq(ptr, c, NULL));
	cr_assert(eq(int, strncmp(err, path, strlen(path)), 0), "%s", err);
	cr_assert(gt(sz, strlen(err), strlen(path) + 2), "%s", err);
	cr_assert(eq(ptr, strstr(err, "empty"), NULL), "%s", err);
}

/* ---- frames, status, errors ---- */

Test(capture, numbers_frames_from_1_and_keeps_the_end_sticky)
{
	struct bytes b = { 0 };
	struct tp_capture *c = NULL;
	struct tp_record r;
	char err[256];

	small_pcap(&b, LE, 3);
	cr_assert(eq(int, tp_capture_open(&c, tmpfile_write(0, b.p, b.len), NULL, err, sizeof err),
		     TP_OPEN_OK));
	for (uint64_t f = 1; f <= 3; f++) {
		cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_OK));
		cr_assert(eq(u64, r.frame, f));
		cr_assert(eq(u64, r.offset, 24 + (f - 1) * 36));
		cr_assert(eq(u32, r.caplen, 20));
		cr_assert(eq(u8, r.data[0], (uint8_t)(f - 1)));
	}
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_END));
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_END));
	cr_assert(tp_capture_error(c) == NULL);
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(capture, truncation_error_names_byte_and_next_frame_and_is_sticky)
{
	struct bytes b = { 0 };
	struct tp_capture *c = NULL;
	struct tp_record r;
	char err[256];
	const char *want = "truncated at byte 96 (frame 3): file ends inside record data (5 of 20 bytes)";

	small_pcap(&b, BE, 3);
	b.len -= 15;	/* the third record keeps 5 of its 20 data bytes */
	cr_assert(eq(int, tp_capture_open(&c, tmpfile_write(0, b.p, b.len), NULL, err, sizeof err),
		     TP_OPEN_OK));
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_OK));
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_OK));
	cr_assert(tp_capture_error(c) == NULL);
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_TRUNCATED));
	cr_assert(same(tp_capture_error(c), want));
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_TRUNCATED));
	cr_assert(same(tp_capture_error(c), want));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(capture, header_fault_keeps_the_capture_open_with_its_format)
{
	struct bytes b = { 0 };
	struct tp_capture *c = NULL;
	struct tp_record r;
	char err[256];

	small_pcap(&b, LE, 0);
	b.len = 20;
	cr_assert(eq(int, tp_capture_open(&c, tmpfile_write(0, b.p, b.len), NULL, err, sizeof err),
		     TP_OPEN_OK), "%s", err);
	cr_assert(eq(int, tp_capture_info(c)->format, TP_FORMAT_PCAP));
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_TRUNCATED));
	cr_assert(same(tp_capture_error(c),
		       "truncated at byte 0 (frame 1): file ends inside file header (20 of 24 bytes)"));
	cr_assert(eq(int, tp_capture_next(c, &r), TP_READ_TRUNCATED));
	tp_capture_close(c, NULL, NULL);
	bytes_free(&b);
}

Test(capture, format_names)
{
	cr_assert(same(tp_format_name(TP_FORMAT_PCAP), "pcap"));
	cr_assert(same(tp_format_name(TP_FORMAT_PCAPNG), "pcapng"));
	cr_assert(same(tp_format_name((enum tp_format)99), "unknown"));
}

/* ---- close ---- */

static void sha256_of(const void *p, size_t n, uint8_t out[32])
{
	unsigned len = 0;

	cr_assert(eq(int, EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1));
	cr_assert(eq(u32, len, 32));
}

struct digest_case {
	char why[96];
	bool gzip;
	int read;	/* records read before closing */
};

ParameterizedTestParameters(capture, close_hashes_every_stored_byte)
{
	static struct digest_case cases[] = {
		{ "plain, nothing read", false, 0 },
		{ "plain, one record read", false, 1 },
		{ "plain, read to the end", false, 99 },
		{ "gzip: the digest is of the compressed bytes", true, 1 },
		{ "gzip, read to the end", true, 99 },
	};

	return cr_make_param_array(struct digest_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct digest_case *k, capture, close_hashes_every_stored_byte)
{
	static uint8_t packed[65536];
	struct bytes b = { 0 };
	struct tp_capture *c = NULL;
	struct tp_record r;
	uint8_t got[32], want[32];
	uint64_t stored = 0;
	const uint8_t *file;
	size_t len;
	char err[256];

	small_pcap(&b, LE, 500);
	file = b.p;
	len = b.len;
	if (k->gzip) {
		len = gzip_buf(b.p, b.len, packed, sizeof packed);
		file = packed;
	}
	sha256_of(file, len, want);
	cr_assert(eq(int, tp_capture_open(&c, tmpfile_write(0, file, len), NULL, err, sizeof err),
		     TP_OPEN_OK));
	for (int i = 0; i < k->read && tp_capture_next(c, &r) == TP_READ_OK; i++)
		;
	tp_capture_close(c, got, &stored);
	cr_assert(eq(u64, stored, len), "%s", k->why);
	cr_assert(eq(int, memcmp(got, want, 32), 0), "%s", k->why);
	bytes_free(&b);
}

Test(capture, close_of_null_is_harmless)
{
	tp_capture_close(NULL, NULL, NULL);
}

Test(capture, close_gives_the_digest_or_the_size_alone)
{
	struct bytes b = { 0 };
	struct tp_capture *c = NULL;
	uint64_t stored = 0;
	uint8_t got[32], want[32];
	char err[256];
	const char *path;

	small_pcap(&b, BE, 2);
	path = tmpfile_write(0, b.p, b.len);
	sha256_of(b.p, b.len, want);
	cr_assert(eq(int, tp_capture_open(&c, path, NULL, err, sizeof err), TP_OPEN_OK));
	tp_capture_close(c, NULL, &stored);
	cr_assert(eq(u64, stored, b.len));
	cr_assert(eq(int, tp_capture_open(&c, path, NULL, err, sizeof err), TP_OPEN_OK));
	tp_capture_close(c, got, NULL);
	cr_assert(eq(int, memcmp(got, want, 32), 0));
	bytes_free(&b);
}

/* ---- tp_reader_short ---- */

/* A stream over the n bytes, moved to its end. */
static struct tp_stream *stream_at_end(const void *p, size_t n, size_t len_to_consume)
{
	char err[256] = "";
	struct tp_stream *s = tp_stream_open(tmpfile_write(1, p, n), NULL, err, sizeof err);

	cr_assert(not(eq(ptr, s, NULL)), "%s", err);
	cr_assert(tp_stream_need(s, len_to_consume, NULL) != NULL);
	tp_stream_advance(s, len_to_consume);
	return s;
}

struct short_case {
	char why[96];
	char what[16];
	size_t need, avail;
	bool at_boundary;
	enum tp_read_status status;
	char reason[64];		/* "": fault left untouched */
};

ParameterizedTestParameters(capture, reader_short_classifies_a_short_read)
{
	static struct short_case cases[] = {
		{ "nothing left between records: a clean end", "record header", 16, 0, true,
		  TP_READ_END, "" },
		{ "nothing left where something must follow", "file header", 24, 0, false,
		  TP_READ_TRUNCATED, "file ends inside file header (0 of 24 bytes)" },
		{ "part of a header between records", "record header", 16, 5, true,
		  TP_READ_TRUNCATED, "file ends inside record header (5 of 16 bytes)" },
		{ "part of the data", "record data", 60, 59, false, TP_READ_TRUNCATED,
		  "file ends inside record data (59 of 60 bytes)" },
	};

	return cr_make_param_array(struct short_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct short_case *k, capture, reader_short_classifies_a_short_read)
{
	struct tp_fault fault = { .offset = 12345, .reason = "untouched" };
	struct tp_stream *s = stream_at_end("abcdefgh", 8, 8);

	cr_assert(eq(int, tp_reader_short(s, &fault, 40, k->what, k->need, k->avail,
					  k->at_boundary), k->status), "%s", k->why);
	cr_assert(eq(u64, fault.offset, k->reason[0] ? 40 : 12345), "%s", k->why);
	cr_assert(same(fault.reason, k->reason[0] ? k->reason : "untouched"), "%s", k->why);
	tp_stream_close(s);
}

Test(capture, reader_short_prefers_the_stream_fault)
{
	/* A gzip file cut in half: the stream knows why the bytes stopped,
	 * even at what looks like a record boundary. */
	static uint8_t packed[65536];
	struct bytes b = { 0 };
	struct tp_fault fault = { 0 };
	struct tp_stream *s;
	char err[256] = "";
	size_t len, avail = 0;
	const uint8_t *p;
	enum tp_read_status st;

	small_pcap(&b, LE, 500);
	len = gzip_buf(b.p, b.len, packed, sizeof packed);
	s = tp_stream_open(tmpfile_write(1, packed, len / 2), NULL, err, sizeof err);
	cr_assert(not(eq(ptr, s, NULL)), "%s", err);
	while ((p = tp_stream_need(s, 36, &avail)) != NULL)
		tp_stream_advance(s, 36);
	cr_assert(tp_stream_error(s) != NULL);
	st = tp_reader_short(s, &fault, 77, "record", 36, 0, true);
	cr_assert(eq(int, st, tp_stream_error_truncated(s) ? TP_READ_TRUNCATED : TP_READ_CORRUPT));
	cr_assert(eq(int, st, TP_READ_TRUNCATED));
	cr_assert(eq(u64, fault.offset, 77));
	cr_assert(eq(int, strncmp(fault.reason, tp_stream_error(s), sizeof fault.reason - 1), 0));
	tp_stream_close(s);
	bytes_free(&b);
}
