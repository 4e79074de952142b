/*
 * merge.h - the captures of one view, read as one stream in timestamp order.
 *
 * A k-way merge over a binary heap keyed on (timestamp, input index): records
 * come out in timestamp order, and records with equal timestamps in the
 * order the inputs were given, each capture's own order kept.  A capture
 * whose timestamps go backwards is still read in its own file order (the
 * heap holds one record per capture).
 *
 * Inputs are opened lazily: before the merge starts, each file is opened
 * only long enough to learn its first timestamp, then closed; it is opened
 * again when the merge reaches that time, and closed at its end.  A ring
 * buffer's rotated files, which do not overlap, are thus read one or two at
 * a time, and memory does not grow with their number.  Standard input cannot
 * be read twice and is kept open from the start.
 */
#ifndef TP_MERGE_H
#define TP_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/capture.h"

/* What became of one input; valid after merge_input_done() was called for it. */
struct merge_input {
	const char *path;		/* borrowed from the caller */
	bool from_directory;		/* found by recursing a folder: skip quietly if no capture */
	enum tp_open_status open_status;
	char open_error[320];
	enum tp_read_status end_status;	/* END, TRUNCATED or CORRUPT once read to its end */
	char error[320];		/* tp_capture_error(), or "" */
	bool hashed;			/* sha256 covers the whole file */
	uint8_t sha256[32];
	uint64_t stored_bytes;
	bool done;			/* read to its end, or failed */
};

/* Called once per input that opened as a capture, after its last record and
 * just before it is closed, so the caller can take what it needs from it
 * (tp_capture_info() is valid only until then). */
typedef void merge_done_fn(void *ctx, size_t input, struct tp_capture *c);

struct merge;

struct merge *merge_new(const char *const *paths, const bool *from_directory, size_t n,
			const struct tp_stream_opts *opts, merge_done_fn *done, void *ctx);

/* The next record of the view, and which input it came from.  Returns false
 * at the end of every input.  rec stays valid until the next call. */
bool merge_next(struct merge *m, struct tp_record *rec, size_t *input);

const struct merge_input *merge_input(const struct merge *m, size_t i);
size_t merge_count(const struct merge *m);

/* Stored bytes read so far over all inputs (for progress). */
uint64_t merge_stored_read(const struct merge *m);

/* Closes whatever is open (hashing the rest of each file) and frees. */
void merge_free(struct merge *m);

#endif
