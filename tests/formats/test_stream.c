/*
 * test_stream.c - formats/stream.c: decompression, blocks, spill, SHA-256.
 *
 * The compressed inputs are made here with the libraries themselves from
 * deterministic pseudo-random data (words from a small vocabulary, so it
 * compresses) a few MiB long, so that 1 MiB blocks and the 1 MiB stored
 * reads are crossed many times.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <errno.h>
#include <lzma.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "formats/stream.h"
#include "tests/support/bytes.h"

TestSuite(stream, .fini = tmpfile_cleanup);

/* 3 MiB and an odd tail: not a multiple of any block or chunk size. */
#define DATA_LEN ((size_t)3 * 1024 * 1024 + 12345)

static const size_t odd_chunks[] = { 1, 7, 16, 1500, 65537 };

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Text-like bytes: compressible, yet never the same long run twice. */
static void make_data(struct bytes *b, size_t n, uint64_t seed)
{
	static const char *const words[] = {
		"modbus ", "goose ", "dnp3 ", "plc-", "0x", "read ", "write ",
		"coil ", "register ", "span ", "tap ", "\r\n", "\x00\x01", "ff ",
	};
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	while (b->len < n) {
		uint64_t r = rng_next(&x);
		const char *w = words[r % (sizeof words / sizeof words[0])];
		size_t wl = strlen(w) ? strlen(w) : 1;

		if ((r >> 8) % 4 == 0) {
			uint8_t raw = (uint8_t)(r >> 16);

			bytes_put(b, &raw, 1);
		} else {
			bytes_put(b, w, wl < n - b->len ? wl : n - b->len);
		}
	}
}

static void gzip_member(struct bytes *out, const uint8_t *p, size_t n)
{
	z_stream z = { 0 };
	uint8_t buf[65536];
	int ret;

	cr_assert(eq(int, deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
		     Z_OK));
	z.next_in = (uint8_t *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = buf;
		z.avail_out = sizeof buf;
		ret = deflate(&z, Z_FINISH);
		bytes_put(out, buf, sizeof buf - z.avail_out);
	} while (ret == Z_OK);
	cr_assert(eq(int, ret, Z_STREAM_END));
	deflateEnd(&z);
}

static void zstd_frame(struct bytes *out, const uint8_t *p, size_t n)
{
	size_t bound = ZSTD_compressBound(n);
	uint8_t *buf = malloc(bound);
	size_t got = ZSTD_compress(buf, bound, p, n, 3);

	cr_assert(not(ZSTD_isError(got)));
	bytes_put(out, buf, got);
	free(buf);
}

static void xz_stream(struct bytes *out, const uint8_t *p, size_t n)
{
	size_t bound = lzma_stream_buffer_bound(n), pos = 0;
	uint8_t *buf = malloc(bound);

	cr_assert(eq(int, lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, NULL, p, n, buf, &pos, bound),
		     LZMA_OK));
	bytes_put(out, buf, pos);
	free(buf);
}

static void sha256(const uint8_t *p, size_t n, uint8_t md[32])
{
	unsigned len = 0;

	cr_assert(eq(int, EVP_Digest(p, n, md, &len, EVP_sha256(), NULL), 1));
	cr_assert(eq(u32, len, 32));
}

struct result {
	struct bytes data;
	const char *error;	/* copy of tp_stream_error(), or NULL */
	bool truncated;
	uint64_t end_offset;
	uint8_t sha[32];
	uint64_t stored;
	bool finish_ok;
	enum tp_compression comp;
};

static char error_copy[256];

/*
 * Reads the whole stream asking for sizes from chunks in turn; when the
 * stream ends short, takes what is left.  Checks the offset and that a
 * pointer from need() survives advance().
 */
static struct result read_with(const char *path, size_t block, bool threaded,
			       const size_t *chunks, size_t nchunks)
{
	struct tp_stream_opts opts = { .block_size = block, .threaded = threaded };
	char err[256] = "";
	struct tp_stream *s = tp_stream_open(path, &opts, err, sizeof err);
	struct result r = { 0 };
	size_t i = 0;

	cr_assert(not(eq(ptr, s, NULL)), "open %s: %s", path, err);
	r.comp = tp_stream_compression(s);
	for (;;) {
		size_t want = chunks[i++ % nchunks], avail = 0;
		const uint8_t *p = tp_stream_need(s, want, &avail);

		cr_assert(eq(u64, tp_stream_offset(s), r.data.len));
		if (!p) {
			cr_assert(lt(sz, avail, want));
			if (!avail)
				break;
			p = tp_stream_need(s, avail, NULL);
			cr_assert(not(eq(ptr, (void *)(uintptr_t)p, NULL)));
			want = avail;
		}
		cr_assert(eq(sz, avail, want));
		bytes_put(&r.data, p, want);
		tp_stream_advance(s, want);
		/* Still valid after advance(): compare with what was copied. */
		cr_assert(eq(int, memcmp(p, r.data.p + r.data.len - want, want), 0));
	}
	r.end_offset = tp_stream_offset(s);
	if (tp_stream_error(s)) {
		snprintf(error_copy, sizeof error_copy, "%s", tp_stream_error(s));
		r.error = error_copy;
	}
	r.truncated = tp_stream_error_truncated(s);
	r.finish_ok = tp_stream_finish(s, r.sha, &r.stored);
	tp_stream_close(s);
	return r;
}

static struct result read_all(const char *path, bool threaded)
{
	return read_with(path, 0, threaded, odd_chunks, 5);
}

/* got is the start of want (memcmp may not see NULL, even for 0 bytes). */
static bool is_prefix(const struct bytes *got, const struct bytes *want)
{
	return got->len <= want->len && (!got->len || !memcmp(got->p, want->p, got->len));
}

static void assert_same(const struct bytes *got, const struct bytes *want)
{
	cr_assert(eq(sz, got->len, want->len));
	cr_assert(is_prefix(got, want));
}

/* Reads path threaded and inline, with two block sizes; all must equal want. */
static void assert_reads_back(const char *path, const struct bytes *stored,
			      const struct bytes *want, enum tp_compression comp)
{
	static const struct {
		size_t block;
		bool threaded;
	} ways[] = { { 0, false }, { 0, true }, { 4096, false }, { 4096, true } };
	uint8_t md[32];

	sha256(stored->p, stored->len, md);
	for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
		struct result r = read_with(path, ways[i].block, ways[i].threaded, odd_chunks, 5);

		cr_assert(eq(int, r.comp, comp));
		assert_same(&r.data, want);
		cr_assert(eq(ptr, (void *)(uintptr_t)r.error, NULL), "%s", r.error);
		cr_assert(eq(u64, r.end_offset, want->len));
		cr_assert(r.finish_ok);
		cr_assert(eq(u64, r.stored, stored->len));
		cr_assert(eq(int, memcmp(r.sha, md, 32), 0));
		bytes_free(&r.data);
	}
}

Test(stream, plain_file_reads_back_exactly_threaded_or_not)
{
	struct bytes data = { 0 };

	make_data(&data, DATA_LEN, 1);
	assert_reads_back(tmpfile_write(0, data.p, data.len), &data, &data, TP_COMPRESSION_NONE);
	bytes_free(&data);
}

Test(stream, gzip_file_decompresses_to_the_original)
{
	struct bytes data = { 0 }, gz = { 0 };

	make_data(&data, DATA_LEN, 2);
	gzip_member(&gz, data.p, data.len);
	assert_reads_back(tmpfile_write(0, gz.p, gz.len), &gz, &data, TP_COMPRESSION_GZIP);
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, zstd_file_decompresses_to_the_original)
{
	struct bytes data = { 0 }, zs = { 0 };

	make_data(&data, DATA_LEN, 3);
	zstd_frame(&zs, data.p, data.len);
	assert_reads_back(tmpfile_write(0, zs.p, zs.len), &zs, &data, TP_COMPRESSION_ZSTD);
	bytes_free(&data);
	bytes_free(&zs);
}

Test(stream, xz_file_decompresses_to_the_original)
{
	struct bytes data = { 0 }, xz = { 0 };

	make_data(&data, DATA_LEN, 4);
	xz_stream(&xz, data.p, data.len);
	assert_reads_back(tmpfile_write(0, xz.p, xz.len), &xz, &data, TP_COMPRESSION_XZ);
	bytes_free(&data);
	bytes_free(&xz);
}

Test(stream, gzip_concatenated_members_read_as_one)
{
	struct bytes data = { 0 }, gz = { 0 };
	size_t cut1 = 1000, cut2 = 1500000;

	/* As `cat a.gz b.gz c.gz` makes: three members, one a tiny one. */
	make_data(&data, DATA_LEN, 5);
	gzip_member(&gz, data.p, cut1);
	gzip_member(&gz, data.p + cut1, cut2 - cut1);
	gzip_member(&gz, data.p + cut2, data.len - cut2);
	assert_reads_back(tmpfile_write(0, gz.p, gz.len), &gz, &data, TP_COMPRESSION_GZIP);
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, gzip_empty_member_between_members_is_skipped)
{
	struct bytes data = { 0 }, gz = { 0 };

	make_data(&data, 5000, 6);
	gzip_member(&gz, data.p, 2000);
	gzip_member(&gz, data.p, 0);
	gzip_member(&gz, data.p + 2000, 3000);
	assert_reads_back(tmpfile_write(0, gz.p, gz.len), &gz, &data, TP_COMPRESSION_GZIP);
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, zstd_concatenated_frames_read_as_one)
{
	struct bytes data = { 0 }, zs = { 0 };
	size_t cut = 2000000;

	make_data(&data, DATA_LEN, 7);
	zstd_frame(&zs, data.p, cut);
	zstd_frame(&zs, data.p + cut, data.len - cut);
	assert_reads_back(tmpfile_write(0, zs.p, zs.len), &zs, &data, TP_COMPRESSION_ZSTD);
	bytes_free(&data);
	bytes_free(&zs);
}

Test(stream, xz_concatenated_streams_read_as_one)
{
	struct bytes data = { 0 }, xz = { 0 };
	size_t cut = 700000;

	make_data(&data, 1500000, 8);
	xz_stream(&xz, data.p, cut);
	xz_stream(&xz, data.p + cut, data.len - cut);
	assert_reads_back(tmpfile_write(0, xz.p, xz.len), &xz, &data, TP_COMPRESSION_XZ);
	bytes_free(&data);
	bytes_free(&xz);
}

Test(stream, gzip_optional_header_fields_are_skipped)
{
	struct bytes data = { 0 }, gz = { 0 };
	uint8_t extra[] = { 'T', 'S', 4, 0, 1, 2, 3, 4 };
	char name[] = "capture.pcap", comment[] = "mirror port 7";
	gz_header h = { .extra = extra, .extra_len = sizeof extra, .name = (Bytef *)name,
			.comment = (Bytef *)comment, .hcrc = 1, .os = 3 };
	z_stream z = { 0 };
	uint8_t buf[65536];
	int ret;

	/* FEXTRA, FNAME, FCOMMENT and FHCRC all set (RFC 1952 section 2.3.1). */
	make_data(&data, 200000, 24);
	cr_assert(eq(int, deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
		     Z_OK));
	cr_assert(eq(int, deflateSetHeader(&z, &h), Z_OK));
	z.next_in = data.p;
	z.avail_in = (uInt)data.len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof buf;
		ret = deflate(&z, Z_FINISH);
		bytes_put(&gz, buf, sizeof buf - z.avail_out);
	} while (ret == Z_OK);
	deflateEnd(&z);
	cr_assert(eq(u8, gz.p[3], 0x1e));
	gzip_member(&gz, data.p, 0);
	assert_reads_back(tmpfile_write(0, gz.p, gz.len), &gz, &data, TP_COMPRESSION_GZIP);
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, need_spans_block_boundaries_in_odd_sizes)
{
	static const size_t sizes[] = { 16, 1500, 1, 65537, 7, 4095, 4097, 300000 };
	struct bytes data = { 0 }, gz = { 0 };

	/* Blocks of 1000 bytes: nearly every request straddles one or more. */
	make_data(&data, 1000000, 9);
	gzip_member(&gz, data.p, data.len);
	const char *plain = tmpfile_write(0, data.p, data.len);
	const char *zipped = tmpfile_write(1, gz.p, gz.len);
	struct result r[4] = {
		read_with(plain, 1000, false, sizes, 8),
		read_with(plain, 1000, true, sizes, 8),
		read_with(zipped, 1000, false, sizes, 8),
		read_with(zipped, 1000, true, sizes, 8),
	};
	for (int i = 0; i < 4; i++) {
		assert_same(&r[i].data, &data);
		bytes_free(&r[i].data);
	}
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, need_grows_a_request_step_by_step)
{
	struct bytes data = { 0 };
	struct tp_stream_opts opts = { .block_size = 4096 };
	char err[256];

	/* A reader that asks for a header, then for header and body, then
	 * more, without advancing: each answer starts at the same byte. */
	make_data(&data, 100000, 10);
	struct tp_stream *s = tp_stream_open(tmpfile_write(0, data.p, data.len), &opts, err,
					     sizeof err);
	cr_assert(not(eq(ptr, s, NULL)));
	tp_stream_advance(s, 0);
	cr_assert(not(eq(ptr, (void *)(uintptr_t)tp_stream_need(s, 4000, NULL), NULL)));
	tp_stream_advance(s, 4000);
	for (size_t n = 16; n <= 90000; n = n * 3 + 1) {
		const uint8_t *p = tp_stream_need(s, n, NULL);

		cr_assert(not(eq(ptr, (void *)(uintptr_t)p, NULL)));
		cr_assert(eq(int, memcmp(p, data.p + 4000, n), 0));
		cr_assert(eq(u64, tp_stream_offset(s), 4000));
	}
	tp_stream_advance(s, 10);
	cr_assert(eq(u64, tp_stream_offset(s), 4010));
	const uint8_t *p = tp_stream_need(s, 20000, NULL);
	cr_assert(eq(int, memcmp(p, data.p + 4010, 20000), 0));
	tp_stream_close(s);
	bytes_free(&data);
}

Test(stream, sha256_of_abc_is_the_standard_vector)
{
	static const uint8_t want[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde,
		0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	struct result r = read_all(tmpfile_write(0, "abc", 3), false);

	cr_assert(eq(u64, r.stored, 3));
	cr_assert(eq(int, memcmp(r.sha, want, 32), 0));
	bytes_free(&r.data);
}

Test(stream, finish_after_a_partial_read_hashes_the_whole_file)
{
	struct bytes data = { 0 }, gz = { 0 };
	uint8_t md_plain[32], md_gz[32], got[32];
	uint64_t stored = 0;
	char err[256];

	make_data(&data, DATA_LEN, 11);
	gzip_member(&gz, data.p, data.len);
	sha256(data.p, data.len, md_plain);
	sha256(gz.p, gz.len, md_gz);
	const char *paths[2] = { tmpfile_write(0, data.p, data.len), tmpfile_write(1, gz.p, gz.len) };
	const uint8_t *mds[2] = { md_plain, md_gz };
	const size_t sizes[2] = { data.len, gz.len };

	for (int i = 0; i < 4; i++) {
		struct tp_stream_opts opts = { .threaded = i >= 2 };
		struct tp_stream *s = tp_stream_open(paths[i % 2], &opts, err, sizeof err);

		cr_assert(not(eq(ptr, s, NULL)));
		cr_assert(not(eq(ptr, (void *)(uintptr_t)tp_stream_need(s, 100, NULL), NULL)));
		tp_stream_advance(s, 100);
		cr_assert(tp_stream_finish(s, got, &stored));
		cr_assert(eq(u64, stored, sizes[i % 2]));
		cr_assert(eq(u64, tp_stream_stored_read(s), sizes[i % 2]));
		cr_assert(eq(int, memcmp(got, mds[i % 2], 32), 0));
		tp_stream_close(s);
	}
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, finish_without_any_read_hashes_the_whole_file)
{
	struct bytes data = { 0 };
	struct tp_stream_opts opts = { .threaded = true };
	uint8_t md[32], got[32];
	uint64_t stored = 0;
	char err[256];

	make_data(&data, DATA_LEN, 12);
	sha256(data.p, data.len, md);
	struct tp_stream *s = tp_stream_open(tmpfile_write(0, data.p, data.len), &opts, err,
					     sizeof err);
	cr_assert(tp_stream_finish(s, got, &stored));
	cr_assert(eq(u64, stored, data.len));
	cr_assert(eq(int, memcmp(got, md, 32), 0));
	cr_assert(eq(ptr, (void *)(uintptr_t)tp_stream_need(s, 1, NULL), NULL));
	tp_stream_close(s);
	bytes_free(&data);
}

Test(stream, close_without_finish_stops_the_worker)
{
	struct bytes data = { 0 };
	struct tp_stream_opts opts = { .threaded = true, .block_size = 4096 };
	char err[256];

	make_data(&data, DATA_LEN, 13);
	struct tp_stream *s = tp_stream_open(tmpfile_write(0, data.p, data.len), &opts, err,
					     sizeof err);
	cr_assert(not(eq(ptr, (void *)(uintptr_t)tp_stream_need(s, 10000, NULL), NULL)));
	tp_stream_close(s);
	tp_stream_close(NULL);
	bytes_free(&data);
}

/* Reads a gzip file cut at cut bytes; checks what came out is a prefix. */
static struct result read_cut(const struct bytes *data, const struct bytes *stored, size_t cut,
			      bool threaded)
{
	struct result r = read_all(tmpfile_write(2, stored->p, cut), threaded);

	cr_assert(is_prefix(&r.data, data));
	cr_assert(eq(u64, r.stored, cut));
	cr_assert(r.finish_ok);
	return r;
}

Test(stream, truncated_gzip_reports_an_early_end_after_every_byte_before_it)
{
	struct bytes data = { 0 }, gz = { 0 };

	make_data(&data, DATA_LEN, 14);
	gzip_member(&gz, data.p, data.len);
	for (int t = 0; t < 2; t++) {
		struct result r = read_cut(&data, &gz, gz.len / 2, t);

		cr_assert(not(eq(ptr, (void *)(uintptr_t)r.error, NULL)));
		cr_assert(r.truncated);
		cr_assert(not(eq(ptr, strstr(r.error, "ends early at stored byte"), NULL)), "%s",
			  r.error);
		/* Deflate is a stream: nearly all of the first half came out. */
		cr_assert(gt(sz, r.data.len, data.len / 3));
		bytes_free(&r.data);
	}
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, gzip_cut_inside_its_trailer_or_header_is_truncated)
{
	struct bytes data = { 0 }, gz = { 0 };

	make_data(&data, 100000, 15);
	gzip_member(&gz, data.p, data.len);
	const size_t cuts[] = { 2, 5, 10, gz.len - 4, gz.len - 1 };
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		struct result r = read_cut(&data, &gz, cuts[i], false);

		cr_assert(r.truncated, "cut at %zu: %s", cuts[i], r.error ? r.error : "no error");
		bytes_free(&r.data);
	}
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, truncated_zstd_and_xz_report_an_early_end)
{
	struct bytes data = { 0 }, zs = { 0 }, xz = { 0 };

	make_data(&data, 1000000, 16);
	zstd_frame(&zs, data.p, data.len);
	xz_stream(&xz, data.p, data.len);
	const struct bytes *files[2] = { &zs, &xz };
	for (int i = 0; i < 4; i++) {
		struct result r = read_cut(&data, files[i % 2], files[i % 2]->len - 3, i >= 2);

		cr_assert(r.truncated, "%s", r.error ? r.error : "no error");
		bytes_free(&r.data);
	}
	bytes_free(&data);
	bytes_free(&zs);
	bytes_free(&xz);
}

Test(stream, corrupt_gzip_block_type_names_the_stored_byte)
{
	struct bytes data = { 0 }, gz = { 0 };

	make_data(&data, 100000, 17);
	gzip_member(&gz, data.p, data.len);
	/* zlib's gzip header is 10 bytes; BTYPE 11 is reserved (RFC 1951 3.2.3). */
	gz.p[10] |= 0x06;
	struct result r = read_all(tmpfile_write(0, gz.p, gz.len), false);

	cr_assert(not(eq(ptr, (void *)(uintptr_t)r.error, NULL)));
	cr_assert(not(r.truncated));
	cr_assert(not(eq(ptr, strstr(r.error, "gzip data corrupt at stored byte"), NULL)), "%s",
		  r.error);
	cr_assert(eq(sz, r.data.len, 0));
	bytes_free(&r.data);
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, gzip_crc_mismatch_is_an_error_after_all_the_data)
{
	struct bytes data = { 0 }, gz = { 0 };

	make_data(&data, DATA_LEN, 18);
	gzip_member(&gz, data.p, data.len);
	gz.p[gz.len - 8] ^= 0x01;	/* CRC32, RFC 1952 section 2.2 */
	for (int t = 0; t < 2; t++) {
		struct result r = read_all(tmpfile_write(0, gz.p, gz.len), t);

		cr_assert(not(eq(ptr, (void *)(uintptr_t)r.error, NULL)));
		cr_assert(not(r.truncated));
		cr_assert(not(eq(ptr, strstr(r.error, "stored byte"), NULL)), "%s", r.error);
		assert_same(&r.data, &data);
		bytes_free(&r.data);
	}
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, bytes_after_a_gzip_member_that_are_not_a_member_are_an_error)
{
	struct bytes data = { 0 }, gz = { 0 };

	make_data(&data, 100000, 19);
	gzip_member(&gz, data.p, data.len);
	bytes_put(&gz, "garbage!", 8);
	struct result r = read_all(tmpfile_write(0, gz.p, gz.len), false);

	cr_assert(not(eq(ptr, (void *)(uintptr_t)r.error, NULL)));
	cr_assert(not(r.truncated));
	cr_assert(not(eq(ptr, strstr(r.error, "stored byte"), NULL)), "%s", r.error);
	assert_same(&r.data, &data);
	bytes_free(&r.data);
	bytes_free(&data);
	bytes_free(&gz);
}

Test(stream, corrupt_zstd_and_xz_are_errors_not_truncation)
{
	struct bytes data = { 0 }, zs = { 0 }, xz = { 0 };

	make_data(&data, 1000000, 20);
	zstd_frame(&zs, data.p, data.len);
	xz_stream(&xz, data.p, data.len);
	for (size_t i = zs.len / 2; i < zs.len / 2 + 64; i++)
		zs.p[i] ^= 0x5a;
	for (size_t i = xz.len / 2; i < xz.len / 2 + 64; i++)
		xz.p[i] ^= 0x5a;
	const char *paths[2] = { tmpfile_write(0, zs.p, zs.len), tmpfile_write(1, xz.p, xz.len) };
	for (int i = 0; i < 2; i++) {
		struct result r = read_all(paths[i], false);

		cr_assert(not(eq(ptr, (void *)(uintptr_t)r.error, NULL)));
		cr_assert(not(r.truncated));
		cr_assert(not(eq(ptr, strstr(r.error, "corrupt at stored byte"), NULL)), "%s",
			  r.error);
		/* Blocks are checked at their end, so the bytes delivered
		 * before the fault may be garbage: only their count is bounded. */
		cr_assert(le(sz, r.data.len, data.len));
		bytes_free(&r.data);
	}
	bytes_free(&data);
	bytes_free(&zs);
	bytes_free(&xz);
}

/* Reads a little-endian xz variable-length integer (xz file format 1.4). */
static size_t skip_xz_varint(const uint8_t *p, size_t at)
{
	while (p[at] & 0x80)
		at++;
	return at + 1;
}

Test(stream, xz_needing_more_memory_than_the_limit_is_refused)
{
	struct bytes data = { 0 }, xz = { 0 };

	/*
	 * A dictionary of 4 GiB, as a hostile or exotic file could declare:
	 * patch the LZMA2 dictionary byte (xz file format 5.3.1) in the first
	 * block header to 40 and fix the header CRC32.
	 */
	make_data(&data, 10000, 25);
	xz_stream(&xz, data.p, data.len);
	size_t hdr = 12, hsize = ((size_t)xz.p[hdr] + 1) * 4, at = hdr + 2;
	if (xz.p[hdr + 1] & 0x40)
		at = skip_xz_varint(xz.p, at);
	if (xz.p[hdr + 1] & 0x80)
		at = skip_xz_varint(xz.p, at);
	cr_assert(eq(u8, xz.p[at], 0x21));	/* LZMA2 */
	cr_assert(eq(u8, xz.p[at + 1], 1));
	xz.p[at + 2] = 40;
	bytes_set_u32(&xz, hdr + hsize - 4, (uint32_t)crc32(0, xz.p + hdr, (uInt)(hsize - 4)),
		      false);
	for (int t = 0; t < 2; t++) {
		struct result r = read_all(tmpfile_write(0, xz.p, xz.len), t);

		cr_assert(not(eq(ptr, (void *)(uintptr_t)r.error, NULL)));
		cr_assert(not(r.truncated));
		cr_assert(not(eq(ptr, strstr(r.error, "MiB limit"), NULL)), "%s", r.error);
		cr_assert(eq(sz, r.data.len, 0));
		cr_assert(r.finish_ok);
		cr_assert(eq(u64, r.stored, xz.len));
	}
	bytes_free(&data);
	bytes_free(&xz);
}

Test(stream, empty_file_is_a_clean_end_with_the_empty_digest)
{
	static const uint8_t empty_sha[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8,
		0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
		0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};

	for (int t = 0; t < 2; t++) {
		struct result r = read_all(tmpfile_write(0, "", 0), t);

		cr_assert(eq(int, r.comp, TP_COMPRESSION_NONE));
		cr_assert(eq(sz, r.data.len, 0));
		cr_assert(eq(ptr, (void *)(uintptr_t)r.error, NULL));
		cr_assert(eq(u64, r.stored, 0));
		cr_assert(eq(int, memcmp(r.sha, empty_sha, 32), 0));
	}
}

Test(stream, files_shorter_than_a_magic_number_are_plain)
{
	static const uint8_t one[1] = { 0x1f }, four[4] = { 0xfd, 0x37, 0x7a, 0x58 };
	struct bytes want = { 0 };

	bytes_put(&want, one, 1);
	assert_reads_back(tmpfile_write(0, one, 1), &want, &want, TP_COMPRESSION_NONE);
	bytes_free(&want);
	bytes_put(&want, four, 4);
	assert_reads_back(tmpfile_write(0, four, 4), &want, &want, TP_COMPRESSION_NONE);
	bytes_free(&want);
}

Test(stream, short_need_reports_the_bytes_there_without_a_huge_buffer)
{
	struct bytes data = { 0 };
	struct tp_stream_opts opts = { .block_size = 512 };
	size_t avail = 0;
	char err[256];

	/* A 1 KiB file whose reader believes a 15 MB record is coming. */
	make_data(&data, 1024, 21);
	struct tp_stream *s = tp_stream_open(tmpfile_write(0, data.p, data.len), &opts, err,
					     sizeof err);
	tp_stream_advance(s, 0);
	cr_assert(eq(ptr, (void *)(uintptr_t)tp_stream_need(s, 15000000, &avail), NULL));
	cr_assert(eq(sz, avail, 1024));
	cr_assert(eq(ptr, (void *)(uintptr_t)tp_stream_error(s), NULL));
	const uint8_t *p = tp_stream_need(s, 1024, &avail);
	cr_assert(eq(int, memcmp(p, data.p, 1024), 0));
	tp_stream_advance(s, 1024);
	cr_assert(eq(ptr, (void *)(uintptr_t)tp_stream_need(s, 1, &avail), NULL));
	cr_assert(eq(sz, avail, 0));
	tp_stream_close(s);
	bytes_free(&data);
}

Test(stream, need_beyond_the_limit_is_a_fault_not_a_crash)
{
	size_t avail = 1;
	char err[256];
	struct tp_stream *s = tp_stream_open(tmpfile_write(0, "abcdef", 6), NULL, err, sizeof err);

	cr_assert(eq(ptr, (void *)(uintptr_t)tp_stream_need(s, TP_STREAM_MAX_NEED + 1, &avail),
		     NULL));
	cr_assert(eq(sz, avail, 0));
	cr_assert(not(eq(ptr, (void *)(uintptr_t)tp_stream_error(s), NULL)));
	cr_assert(not(tp_stream_error_truncated(s)));
	tp_stream_close(s);
}

Test(stream, finish_twice_gives_the_same_digest)
{
	uint8_t a[32], b[32];
	uint64_t na = 0, nb = 0;
	char err[256];
	struct tp_stream *s = tp_stream_open(tmpfile_write(0, "abc", 3), NULL, err, sizeof err);

	cr_assert(tp_stream_finish(s, a, &na));
	cr_assert(tp_stream_finish(s, b, &nb));
	cr_assert(eq(int, memcmp(a, b, 32), 0));
	cr_assert(eq(u64, na, nb));
	tp_stream_close(s);
}

Test(stream, sizes_are_known_for_files)
{
	struct bytes data = { 0 };
	char err[256];

	make_data(&data, 5000, 22);
	struct tp_stream *s = tp_stream_open(tmpfile_write(0, data.p, data.len), NULL, err,
					     sizeof err);
	cr_assert(eq(i64, tp_stream_stored_size(s), 5000));
	cr_assert(eq(int, strcmp(tp_compression_name(tp_stream_compression(s)), "none"), 0));
	cr_assert(eq(int, strcmp(tp_compression_name(TP_COMPRESSION_XZ), "xz"), 0));
	tp_stream_close(s);
	bytes_free(&data);
}

struct progress_watch {
	const struct tp_stream *s;
	_Atomic bool stop;
	bool went_back;
	uint64_t last;
};

static void *watch_progress(void *arg)
{
	struct progress_watch *w = arg;

	while (!atomic_load(&w->stop)) {
		uint64_t now = tp_stream_stored_read(w->s);

		w->went_back |= now < w->last;
		w->last = now;
	}
	return NULL;
}

Test(stream, stored_read_can_be_watched_from_another_thread)
{
	struct bytes data = { 0 }, zs = { 0 };
	struct tp_stream_opts opts = { .threaded = true, .block_size = 65536 };
	char err[256];
	pthread_t th;

	make_data(&data, DATA_LEN, 26);
	zstd_frame(&zs, data.p, data.len);
	struct tp_stream *s = tp_stream_open(tmpfile_write(0, zs.p, zs.len), &opts, err,
					     sizeof err);
	struct progress_watch w = { .s = s };
	cr_assert(eq(int, pthread_create(&th, NULL, watch_progress, &w), 0));
	const uint8_t *p = tp_stream_need(s, data.len, NULL);
	cr_assert(eq(int, memcmp(p, data.p, data.len), 0));
	tp_stream_advance(s, data.len);
	cr_assert(eq(ptr, (void *)(uintptr_t)tp_stream_need(s, 1, NULL), NULL));
	atomic_store(&w.stop, true);
	pthread_join(th, NULL);
	cr_assert(not(w.went_back));
	cr_assert(eq(u64, tp_stream_stored_read(s), zs.len));
	tp_stream_close(s);
	bytes_free(&data);
	bytes_free(&zs);
}

struct pipe_writer {
	int fd;
	const struct bytes *b;
	size_t piece;
};

static void *write_pipe(void *arg)
{
	struct pipe_writer *w = arg;
	size_t off = 0;

	/* Small writes: the reader sees the data in pieces. */
	while (off < w->b->len) {
		size_t n = w->b->len - off < w->piece ? w->b->len - off : w->piece;
		ssize_t r = write(w->fd, w->b->p + off, n);

		if (r <= 0 && errno != EINTR)
			break;
		off += r > 0 ? (size_t)r : 0;
	}
	close(w->fd);
	return NULL;
}

/* Makes fd 0 a pipe fed by a thread (each test runs in its own process,
 * so fd 0 is ours to replace). */
static pthread_t feed_stdin(struct pipe_writer *w)
{
	int fds[2];
	pthread_t th;

	cr_assert(eq(int, pipe(fds), 0));
	cr_assert(eq(int, dup2(fds[0], 0), 0));
	close(fds[0]);
	w->fd = fds[1];
	cr_assert(eq(int, pthread_create(&th, NULL, write_pipe, w), 0));
	return th;
}

Test(stream, standard_input_pipe_is_read_to_its_end)
{
	struct bytes data = { 0 }, gz = { 0 };
	uint8_t md[32];

	make_data(&data, 1000000, 23);
	gzip_member(&gz, data.p, data.len);
	sha256(gz.p, gz.len, md);
	struct pipe_writer w = { .b = &gz, .piece = 10000 };
	pthread_t th = feed_stdin(&w);

	char err[256];
	struct tp_stream_opts opts = { .threaded = true };
	struct tp_stream *s = tp_stream_open("-", &opts, err, sizeof err);
	cr_assert(not(eq(ptr, s, NULL)), "%s", err);
	cr_assert(eq(i64, tp_stream_stored_size(s), -1));
	cr_assert(eq(int, tp_stream_compression(s), TP_COMPRESSION_GZIP));
	const uint8_t *p = tp_stream_need(s, data.len, NULL);
	cr_assert(not(eq(ptr, (void *)(uintptr_t)p, NULL)));
	cr_assert(eq(int, memcmp(p, data.p, data.len), 0));
	uint8_t got[32];
	uint64_t stored = 0;
	cr_assert(tp_stream_finish(s, got, &stored));
	cr_assert(eq(u64, stored, gz.len));
	cr_assert(eq(int, memcmp(got, md, 32), 0));
	tp_stream_close(s);
	pthread_join(th, NULL);
	bytes_free(&data);
	bytes_free(&gz);
}

/*
 * Stored bytes arriving a few at a time put every header, trailer and
 * member boundary across two reads somewhere; the result must not change.
 */
Test(stream, compressed_bytes_in_tiny_reads_decode_the_same)
{
	struct bytes data = { 0 }, gz = { 0 }, zs = { 0 }, xz = { 0 };
	const struct bytes *files[3] = { &gz, &zs, &xz };

	make_data(&data, 20000, 27);
	for (size_t at = 0; at < data.len; at += 2000) {
		gzip_member(&gz, data.p + at, 2000);
		zstd_frame(&zs, data.p + at, 2000);
		xz_stream(&xz, data.p + at, 2000);
	}
	for (int i = 0; i < 6; i++) {
		struct pipe_writer w = { .b = files[i % 3], .piece = 1 + (size_t)i };
		pthread_t th = feed_stdin(&w);
		struct result r = read_all("-", i >= 3);

		pthread_join(th, NULL);
		assert_same(&r.data, &data);
		cr_assert(eq(ptr, (void *)(uintptr_t)r.error, NULL), "%s", r.error);
		cr_assert(eq(u64, r.stored, files[i % 3]->len));
		bytes_free(&r.data);
	}
	bytes_free(&data);
	bytes_free(&gz);
	bytes_free(&zs);
	bytes_free(&xz);
}

Test(stream, directory_is_refused_naming_it)
{
	char err[256] = "";
	const char *dir = tmpdir_make();

	cr_assert(eq(ptr, tp_stream_open(dir, NULL, err, sizeof err), NULL));
	cr_assert(not(eq(ptr, strstr(err, dir), NULL)), "%s", err);
	cr_assert(not(eq(ptr, strstr(err, "directory"), NULL)), "%s", err);
}

Test(stream, missing_file_is_refused_naming_it)
{
	char err[256] = "";
	const char *path = "/tmp/tapsight-test-no-such-file";

	cr_assert(eq(ptr, tp_stream_open(path, NULL, err, sizeof err), NULL));
	cr_assert(not(eq(ptr, strstr(err, path), NULL)), "%s", err);
	cr_assert(not(eq(ptr, strstr(err, strerror(ENOENT)), NULL)), "%s", err);
}
