/*
 * merge.c - k-way merge of a view's captures; see merge.h for the design.
 */
#include "analyzer/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Up to this many captures are kept open from the peek on; more are closed
 * after it and reopened when the merge reaches them. */
#define MERGE_KEEP_OPEN 8

enum input_state { INPUT_PENDING, INPUT_OPEN, INPUT_DONE };

struct input {
	struct merge_input pub;
	enum input_state state;
	struct tp_capture *cap;
	struct tp_record rec;	/* the record waiting in the heap, when open */
	int64_t ts;		/* its heap key (first timestamp while pending) */
};

struct merge {
	struct input *in;
	size_t n;
	size_t *heap;		/* input indices */
	size_t heap_len;
	size_t last;		/* input of the record handed out last, or n */
	struct tp_stream_opts opts;
	merge_done_fn *done;
	void *ctx;
	uint64_t closed_bytes;	/* stored bytes of inputs already closed */
};

static bool before(const struct merge *m, size_t a, size_t b)
{
	const struct input *x = &m->in[a], *y = &m->in[b];

	return x->ts < y->ts || (x->ts == y->ts && a < b);
}

static void heap_push(struct merge *m, size_t i)
{
	size_t k = m->heap_len++;

	while (k > 0) {
		size_t parent = (k - 1) / 2;

		if (!before(m, i, m->heap[parent]))
			break;
		m->heap[k] = m->heap[parent];
		k = parent;
	}
	m->heap[k] = i;
}

static size_t heap_pop(struct merge *m)
{
	size_t top = m->heap[0], moved = m->heap[--m->heap_len], k = 0;

	for (;;) {
		size_t child = 2 * k + 1;

		if (child >= m->heap_len)
			break;
		if (child + 1 < m->heap_len && before(m, m->heap[child + 1], m->heap[child]))
			child++;
		if (!before(m, m->heap[child], moved))
			break;
		m->heap[k] = m->heap[child];
		k = child;
	}
	if (m->heap_len)
		m->heap[k] = moved;
	return top;
}

/* The input has no more records (or failed): let the caller look at it, hash
 * the rest of the file and close it. */
static void finish(struct merge *m, size_t i, enum tp_read_status st)
{
	struct input *in = &m->in[i];
	const char *err = tp_capture_error(in->cap);

	in->pub.end_status = st;
	snprintf(in->pub.error, sizeof in->pub.error, "%s", err ? err : "");
	if (m->done)
		m->done(m->ctx, i, in->cap);
	in->pub.hashed = tp_capture_close(in->cap, in->pub.sha256, &in->pub.stored_bytes);
	in->cap = NULL;
	in->pub.done = true;
	in->state = INPUT_DONE;
	m->closed_bytes += in->pub.stored_bytes;
}

/* Opens input i and reads its first record; false if it has none (then it
 * is finished, or failed to open). */
static bool open_first(struct merge *m, size_t i)
{
	struct input *in = &m->in[i];
	enum tp_read_status st;

	in->pub.open_status = tp_capture_open(&in->cap, in->pub.path, &m->opts,
					      in->pub.open_error, sizeof in->pub.open_error);
	if (in->pub.open_status != TP_OPEN_OK) {
		in->pub.done = true;
		in->state = INPUT_DONE;
		return false;
	}
	st = tp_capture_next(in->cap, &in->rec);
	if (st != TP_READ_OK) {
		finish(m, i, st);
		return false;
	}
	in->ts = in->rec.ts_ns;
	in->state = INPUT_OPEN;
	return true;
}

struct merge *merge_new(const char *const *paths, const bool *from_directory, size_t n,
			const struct tp_stream_opts *opts, merge_done_fn *done, void *ctx)
{
	struct merge *m = calloc(1, sizeof *m);

	if (!m || !(m->in = calloc(n ? n : 1, sizeof *m->in)) ||
	    !(m->heap = calloc(n ? n : 1, sizeof *m->heap))) {
		if (m)
			free(m->in);
		free(m);
		return NULL;
	}
	m->n = n;
	m->last = n;
	m->opts = *opts;
	m->done = done;
	m->ctx = ctx;
	for (size_t i = 0; i < n; i++) {
		struct input *in = &m->in[i];

		in->pub.path = paths[i];
		in->pub.from_directory = from_directory ? from_directory[i] : false;
		if (!open_first(m, i))
			continue;
		if (n > MERGE_KEEP_OPEN && strcmp(paths[i], "-") != 0) {
			/* Remember when it starts; read it again from there. */
			tp_capture_close(in->cap, NULL, NULL);
			in->cap = NULL;
			in->state = INPUT_PENDING;
		}
		heap_push(m, i);
	}
	return m;
}

bool merge_next(struct merge *m, struct tp_record *rec, size_t *input)
{
	if (m->last < m->n) {
		struct input *in = &m->in[m->last];
		enum tp_read_status st = tp_capture_next(in->cap, &in->rec);

		if (st == TP_READ_OK) {
			in->ts = in->rec.ts_ns;
			heap_push(m, m->last);
		} else {
			finish(m, m->last, st);
		}
		m->last = m->n;
	}
	while (m->heap_len) {
		size_t i = heap_pop(m);
		struct input *in = &m->in[i];

		if (in->state == INPUT_PENDING) {
			if (open_first(m, i))
				heap_push(m, i);
			continue;
		}
		*rec = in->rec;
		*input = i;
		m->last = i;
		return true;
	}
	return false;
}

const struct merge_input *merge_input(const struct merge *m, size_t i)
{
	return &m->in[i].pub;
}

size_t merge_count(const struct merge *m)
{
	return m->n;
}

uint64_t merge_stored_read(const struct merge *m)
{
	uint64_t total = m->closed_bytes;

	for (size_t i = 0; i < m->n; i++)
		if (m->in[i].cap)
			total += tp_stream_stored_read(tp_capture_stream(m->in[i].cap));
	return total;
}

void merge_free(struct merge *m)
{
	if (!m)
		return;
	/* Inputs still open (the caller stopped early) are finished as they are. */
	for (size_t i = 0; i < m->n; i++)
		if (m->in[i].cap)
			finish(m, i, TP_READ_END);
	free(m->in);
	free(m->heap);
	free(m);
}
