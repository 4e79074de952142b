/* Tests of analyzer/merge.c: the k-way merge of a view's captures. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/merge.h"
#include "tests/support/pcapfile.h"

static void cleanup(void)
{
	tmpfile_cleanup();
}

/* A pcap file (µs, little-endian) whose records have the given seconds. */
static const char *write_capture(int slot, const uint32_t *secs, size_t n)
{
	struct bytes b = { 0 };
	const char *path;

	pcapfile_header(&b, false, false, 65535, 1);
	for (size_t i = 0; i < n; i++)
		pcapfile_record(&b, false, secs[i], 0, 60, (uint8_t)i);
	path = tmpfile_write(slot, b.p, b.len);
	bytes_free(&b);
	return path;
}

struct got {
	size_t input;
	uint64_t frame;
	int64_t ts;
};

static size_t read_all(const char *const *paths, size_t n, bool threaded, struct got *out,
		       size_t max)
{
	struct tp_stream_opts opts = { .threaded = threaded };
	struct merge *m = merge_new(paths, NULL, n, &opts, NULL, NULL);
	struct tp_record rec;
	size_t input, k = 0;

	cr_assert(not(eq(ptr, m, NULL)));
	while (merge_next(m, &rec, &input)) {
		cr_assert(lt(sz, k, max));
		out[k].input = input;
		out[k].frame = rec.frame;
		out[k].ts = rec.ts_ns;
		k++;
	}
	merge_free(m);
	return k;
}

Test(merge, orders_by_timestamp_and_keeps_ties_in_input_order, .fini = cleanup)
{
	static const uint32_t a[] = { 10, 20, 30, 30 }, b[] = { 5, 20, 25 }, c[] = { 20, 40 };
	const char *paths[3];
	/* Expected (input, frame) in output order: ties at 20 go a, b, c. */
	static const struct got want[] = {
		{ 1, 1, 5 }, { 0, 1, 10 }, { 0, 2, 20 }, { 1, 2, 20 }, { 2, 1, 20 },
		{ 1, 3, 25 }, { 0, 3, 30 }, { 0, 4, 30 }, { 2, 2, 40 },
	};
	struct got got[16];

	paths[0] = write_capture(0, a, 4);
	paths[1] = write_capture(1, b, 3);
	paths[2] = write_capture(2, c, 2);
	for (int threaded = 0; threaded < 2; threaded++) {
		size_t n = read_all(paths, 3, threaded, got, 16);

		cr_assert(eq(sz, n, sizeof want / sizeof *want));
		for (size_t i = 0; i < n; i++) {
			cr_assert(eq(sz, got[i].input, want[i].input), "record %zu", i);
			cr_assert(eq(u64, got[i].frame, want[i].frame), "record %zu", i);
			cr_assert(eq(i64, got[i].ts, want[i].ts * 1000000000LL), "record %zu", i);
		}
	}
}

Test(merge, keeps_file_order_when_a_capture_goes_backwards, .fini = cleanup)
{
	static const uint32_t a[] = { 10, 8, 12 }, b[] = { 9 };
	const char *paths[2];
	struct got got[8];
	size_t n;

	paths[0] = write_capture(0, a, 3);
	paths[1] = write_capture(1, b, 1);
	n = read_all(paths, 2, false, got, 8);
	cr_assert(eq(sz, n, 4));
	/* b's 9 comes first; then a in its own order 10, 8, 12. */
	cr_assert(eq(sz, got[0].input, 1));
	cr_assert(eq(u64, got[1].frame, 1));
	cr_assert(eq(u64, got[2].frame, 2));
	cr_assert(eq(i64, got[2].ts, 8000000000LL));
	cr_assert(eq(u64, got[3].frame, 3));
}

/* More inputs than are kept open: rotated files are reopened lazily and
 * still come out in order, each whole. */
Test(merge, reads_many_rotated_files_in_order, .fini = cleanup)
{
	enum { FILES = 12, PER = 5 };
	char paths_store[FILES][64];
	const char *paths[FILES];
	struct got got[FILES * PER];
	size_t n;

	for (int f = 0; f < FILES; f++) {
		uint32_t secs[PER];
		/* Reverse name order from time order, so the merge must sort. */
		int start = (FILES - 1 - f) * PER;

		for (int i = 0; i < PER; i++)
			secs[i] = (uint32_t)(100 + start + i);
		snprintf(paths_store[f], sizeof paths_store[f], "%s", write_capture(f % 8, secs, PER));
		/* tmpfile_write reuses 8 slots; keep each file by renaming it. */
		char kept[64];
		snprintf(kept, sizeof kept, "%s-%d", paths_store[f], f);
		cr_assert(eq(int, rename(paths_store[f], kept), 0));
		snprintf(paths_store[f], sizeof paths_store[f], "%s", kept);
		paths[f] = paths_store[f];
	}
	n = read_all(paths, FILES, false, got, FILES * PER);
	cr_assert(eq(sz, n, FILES * PER));
	for (size_t i = 0; i < n; i++) {
		cr_assert(eq(i64, got[i].ts, (int64_t)(100 + i) * 1000000000LL));
		cr_assert(eq(sz, got[i].input, FILES - 1 - i / PER));
		cr_assert(eq(u64, got[i].frame, i % PER + 1));
	}
	for (int f = 0; f < FILES; f++)
		remove(paths_store[f]);
}

Test(merge, reports_inputs_that_are_not_captures_and_goes_on, .fini = cleanup)
{
	static const uint32_t a[] = { 1, 2 };
	static const char html[] = "<html><body>not a capture</body></html>\n";
	const char *paths[2];
	struct tp_stream_opts opts = { 0 };
	struct merge *m;
	struct tp_record rec;
	size_t input, count = 0;

	paths[0] = tmpfile_write(0, html, sizeof html - 1);
	paths[1] = write_capture(1, a, 2);
	m = merge_new(paths, NULL, 2, &opts, NULL, NULL);
	while (merge_next(m, &rec, &input))
		count++;
	cr_assert(eq(sz, count, 2));
	cr_assert(eq(int, merge_input(m, 0)->open_status, TP_OPEN_NOT_CAPTURE));
	cr_assert(not(eq(str, (char *)merge_input(m, 0)->open_error, "")));
	cr_assert(eq(int, merge_input(m, 1)->end_status, TP_READ_END));
	cr_assert(merge_input(m, 1)->hashed);
	merge_free(m);
}
