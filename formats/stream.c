/*
 * stream.c - bytes of one capture file, decompressed, in large blocks.
 *
 * Stages, each a loop over large pieces, never over records:
 *
 *   read     one read() of a large chunk of stored bytes, fed to SHA-256
 *            at once (so the digest covers the bytes as stored);
 *   inflate  decompress into a block of opts.block_size bytes (a plain
 *            file is read straight into the block instead);
 *   parse    tp_stream_need()/tp_stream_advance(), which only move a
 *            pointer through the current block.
 *
 * Without opts.threaded the caller runs read and inflate itself when its
 * block is used up.  With it, a worker thread inflates into a ring of
 * RING_BLOCKS blocks, and for compressed files a reader thread reads and
 * hashes into a ring of STORED_SLOTS chunks, so that the hash, the inflate
 * and the parse each get a core when there are cores to give.  A ring hands
 * over whole blocks under one mutex/condvar round trip per block.
 *
 * The parser holds exactly one block and gives it back on the need() after
 * it is used up, which is what keeps a pointer from need() valid across
 * advance().  A request that straddles the end of a block is copied into
 * the spill buffer, which grows (geometrically, up to TP_STREAM_MAX_NEED)
 * only as bytes actually arrive: a truncated file that declares a 15 MB
 * record costs what it holds, not what it claims.  Once the spill is used
 * up the view returns to the rest of the block, without copying.
 *
 * Faults: each stage keeps its own message, and the next stage takes it
 * over only once it has used every byte that came before it, so nothing
 * decompressed before a fault is lost and no message is shared by two
 * threads while both run.
 */
#include "formats/stream.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lzma.h>
#include <openssl/evp.h>
#include <zstd.h>
#ifdef TP_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

#define DEFAULT_BLOCK ((size_t)1 << 20)
/* Tiny blocks are allowed so tests can cross many boundaries; huge ones
 * would defeat the memory bound. */
#define MIN_BLOCK ((size_t)64)
#define MAX_BLOCK ((size_t)16 << 20)
/* The worker fills one block while two wait and the parser reads a fourth. */
#define RING_BLOCKS 4
/* One read() of stored bytes for a compressed file: compressed bytes are
 * dense, so half a MiB is still a few MiB of output. */
#define IN_SIZE ((size_t)512 << 10)
#define STORED_SLOTS 4
#define RING_MAX 4
#define SPILL_MIN ((size_t)64 << 10)
/* Enough for xz -9e (a 64 MiB dictionary); more is refused, not swapped. */
#define XZ_MEMLIMIT ((uint64_t)128 << 20)
/* Magic bytes are at most this long (xz). */
#define SNIFF_BYTES 6

enum stage_state {
	P_RUN,		/* more blocks may come */
	P_END,		/* clean end of the data */
	P_FAIL,		/* stopped on the fault in perr */
};

struct ring_slot {
	uint8_t *data;	/* slot_size bytes, allocated when first filled */
	size_t len;
};

/*
 * Slots go round in order: the producer fills slot head, the consumer takes
 * slot tail and holds it until its next take.  One producer, one consumer.
 */
struct ring {
	struct ring_slot slot[RING_MAX];
	unsigned n, head, tail, filled;
	bool held;		/* the consumer holds the slot before tail */
	bool done;		/* the producer will publish nothing more */
	bool stop;		/* finish/close: both sides quit */
	bool sync;		/* mu and the conditions are initialised */
	pthread_mutex_t mu;
	pthread_cond_t can_fill, can_take;
};

struct tp_stream {
	/*
	 * Parser's view, first so the hot path touches one cache line: the
	 * bytes [pos, end) are ready; view_start is the first byte of the
	 * buffer the view is in and view_base its decompressed offset.
	 */
	const uint8_t *pos, *end;
	const uint8_t *view_start;
	uint64_t view_base;
	bool in_spill;		/* the view is the spill; held_* the block's rest */
	size_t spill_tail_held;	/* the spill's last bytes that copy those just
				 * before held_pos in the held block */
	bool at_end;		/* no block will come any more */
	const uint8_t *held_pos, *held_end;
	uint8_t *spill;
	size_t spill_cap;
	char err[256];		/* the parser's copy of the fault */
	bool err_truncated;

	/* Read stage: whoever calls read_hashed() (one thread at a time). */
	int fd;
	bool own_fd;
	int64_t stored_size;
	bool r_eof;		/* read() said end of file, or failed */
	bool read_failed;
	char rerr[200];
	uint64_t stored_total;
	_Atomic uint64_t stored_read;	/* stored_total for other threads */
	EVP_MD_CTX *sha;
	bool no_hash;		/* opts.no_hash: the digest is not computed */

	/* Inflate stage. */
	enum tp_compression comp;
	size_t block_size;
	uint8_t *first;		/* IN_SIZE: the bytes read at open, then scratch */
	uint8_t *in;		/* stored bytes [in_pos, in_len) not yet inflated */
	size_t in_pos, in_len;
	uint64_t in_base;	/* stored offset of in[0] */
	bool in_eof;		/* no stored bytes will come any more */
	enum stage_state pstate;
	char perr[256];
	bool ptruncated;
	bool member_done;	/* gzip: between members */
#ifdef TP_HAVE_ISAL
	struct inflate_state *isal;
#else
	z_stream *zs;
#endif
	ZSTD_DStream *zstd;
	size_t zstd_last;	/* last ZSTD_decompressStream() answer; 0 = frame done */
	lzma_stream *xz;

	/* Threads and the rings between the stages. */
	struct ring blocks;	/* inflate -> parse */
	struct ring stored;	/* read -> inflate (threaded, compressed only) */
	bool use_reader;
	bool worker_running, reader_running;
	pthread_t worker, reader;
	bool finished, finish_ok;
	uint8_t digest[32];
};

/* ---- rings ------------------------------------------------------------ */

static bool ring_init(struct ring *r, unsigned n, bool sync)
{
	r->n = n;
	if (!sync)
		return true;
	if (pthread_mutex_init(&r->mu, NULL) != 0)
		return false;
	if (pthread_cond_init(&r->can_fill, NULL) != 0) {
		pthread_mutex_destroy(&r->mu);
		return false;
	}
	if (pthread_cond_init(&r->can_take, NULL) != 0) {
		pthread_cond_destroy(&r->can_fill);
		pthread_mutex_destroy(&r->mu);
		return false;
	}
	r->sync = true;
	return true;
}

static void ring_destroy(struct ring *r)
{
	for (unsigned i = 0; i < RING_MAX; i++)
		free(r->slot[i].data);
	if (r->sync) {
		pthread_cond_destroy(&r->can_take);
		pthread_cond_destroy(&r->can_fill);
		pthread_mutex_destroy(&r->mu);
	}
}

/* Producer: the next slot to fill once one is free, or NULL on stop.  Only
 * the producer touches it until ring_publish(). */
static struct ring_slot *ring_slot_to_fill(struct ring *r)
{
	struct ring_slot *slot = NULL;

	pthread_mutex_lock(&r->mu);
	while (!r->stop && r->filled + r->held >= r->n)
		pthread_cond_wait(&r->can_fill, &r->mu);
	if (!r->stop)
		slot = &r->slot[r->head];
	pthread_mutex_unlock(&r->mu);
	return slot;
}

/* Producer: hands over len bytes of the slot (none if 0); last says no
 * more will follow. */
static void ring_publish(struct ring *r, size_t len, bool last)
{
	pthread_mutex_lock(&r->mu);
	if (len) {
		r->slot[r->head].len = len;
		r->head = (r->head + 1) % r->n;
		r->filled++;
	}
	if (last)
		r->done = true;
	pthread_cond_signal(&r->can_take);
	pthread_mutex_unlock(&r->mu);
}

/* Consumer: gives back the slot it held and waits for the next; NULL once
 * the producer is done and everything was taken, or on stop. */
static struct ring_slot *ring_take(struct ring *r)
{
	struct ring_slot *slot = NULL;

	pthread_mutex_lock(&r->mu);
	if (r->held) {
		r->held = false;
		pthread_cond_signal(&r->can_fill);
	}
	while (!r->stop && !r->filled && !r->done)
		pthread_cond_wait(&r->can_take, &r->mu);
	if (!r->stop && r->filled) {
		slot = &r->slot[r->tail];
		r->tail = (r->tail + 1) % r->n;
		r->filled--;
		r->held = true;
	}
	pthread_mutex_unlock(&r->mu);
	return slot;
}

static void ring_stop(struct ring *r)
{
	if (!r->sync)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_broadcast(&r->can_fill);
	pthread_cond_broadcast(&r->can_take);
	pthread_mutex_unlock(&r->mu);
}

/* ---- read stage ------------------------------------------------------- */

/*
 * One read() into buf, hashed as it arrives.  Returns the byte count, 0 at
 * the end of the file, or -1 after a read error (described in rerr).
 */
static ssize_t read_hashed(struct tp_stream *s, uint8_t *buf, size_t cap)
{
	ssize_t r;

	if (s->r_eof)
		return s->read_failed ? -1 : 0;
	do
		r = read(s->fd, buf, cap);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		char msg[128];
		const char *m = strerror_r(errno, msg, sizeof msg);

		snprintf(s->rerr, sizeof s->rerr, "read error at stored byte %" PRIu64 ": %s",
			 s->stored_total, m);
		s->r_eof = true;
		s->read_failed = true;
		return -1;
	}
	if (r == 0) {
		s->r_eof = true;
		return 0;
	}
	if (!s->no_hash && EVP_DigestUpdate(s->sha, buf, (size_t)r) != 1) {
		snprintf(s->rerr, sizeof s->rerr, "SHA-256 failed at stored byte %" PRIu64,
			 s->stored_total);
		s->r_eof = true;
		s->read_failed = true;
		return -1;
	}
	s->stored_total += (uint64_t)r;
	atomic_store_explicit(&s->stored_read, s->stored_total, memory_order_relaxed);
	return r;
}

static void *reader_main(void *arg)
{
	struct tp_stream *s = arg;
	struct ring_slot *c;
	ssize_t r;

	while ((c = ring_slot_to_fill(&s->stored))) {
		if (!c->data)
			c->data = malloc(IN_SIZE);
		if (!c->data) {
			snprintf(s->rerr, sizeof s->rerr, "out of memory at stored byte %" PRIu64,
				 s->stored_total);
			s->read_failed = s->r_eof = true;
			r = -1;
		} else {
			r = read_hashed(s, c->data, IN_SIZE);
		}
		ring_publish(&s->stored, r > 0 ? (size_t)r : 0, r <= 0);
		if (r <= 0)
			break;
	}
	return NULL;
}

/* ---- inflate stage ---------------------------------------------------- */

static void producer_fail(struct tp_stream *s, bool truncated, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void producer_fail(struct tp_stream *s, bool truncated, const char *fmt, ...)
{
	va_list ap;

	if (s->pstate == P_FAIL)
		return;		/* the first fault is the one to report */
	va_start(ap, fmt);
	vsnprintf(s->perr, sizeof s->perr, fmt, ap);
	va_end(ap);
	s->ptruncated = truncated;
	s->pstate = P_FAIL;
}

/* The stored bytes ended: a read error becomes this stage's fault. */
static void input_ended(struct tp_stream *s, bool failed)
{
	s->in_eof = true;
	if (failed)
		producer_fail(s, false, "%s", s->rerr);
}

/* Makes stored bytes available in [in_pos, in_len): false when none are
 * left (or the read failed: pstate says so). */
static bool refill(struct tp_stream *s)
{
	if (s->in_pos < s->in_len)
		return true;
	if (s->in_eof)
		return false;
	s->in_base += s->in_len;
	s->in_pos = s->in_len = 0;
	if (s->use_reader) {
		struct ring_slot *c = ring_take(&s->stored);

		if (!c) {
			/* ring_take() ordered the reader's last writes
			 * before this point. */
			input_ended(s, s->read_failed);
			return false;
		}
		s->in = c->data;
		s->in_len = c->len;
		return true;
	}
	ssize_t r = read_hashed(s, s->first, IN_SIZE);
	if (r <= 0) {
		input_ended(s, r < 0);
		return false;
	}
	s->in = s->first;
	s->in_len = (size_t)r;
	return true;
}

static uint64_t stored_pos(const struct tp_stream *s)
{
	return s->in_base + s->in_pos;
}

static void fail_corrupt(struct tp_stream *s, const char *why)
{
	producer_fail(s, false, "%s data corrupt at stored byte %" PRIu64 ": %s",
		      tp_compression_name(s->comp), stored_pos(s), why);
}

static void fail_truncated(struct tp_stream *s)
{
	producer_fail(s, true, "%s stream ends early at stored byte %" PRIu64 " (truncated file)",
		      tp_compression_name(s->comp), stored_pos(s));
}

/* End of the stored bytes with nothing pending: a clean end, unless a
 * fault was already recorded. */
static void producer_end(struct tp_stream *s)
{
	if (s->pstate == P_RUN)
		s->pstate = P_END;
}

/*
 * A decoder given input and room for output must use some of one or fill
 * some of the other; if it does neither twice running, something is wrong
 * with it or with us, and looping on would hang.
 */
static bool stalled(struct tp_stream *s, size_t used, size_t made, unsigned *stalls)
{
	if (used || made || s->in_pos == s->in_len) {
		*stalls = 0;
		return false;
	}
	if (++*stalls < 2)
		return false;
	fail_corrupt(s, "the decoder makes no progress");
	return true;
}

/* A plain file is read straight into the block: the only copy is read()'s. */
static size_t plain_fill(struct tp_stream *s, uint8_t *out, size_t cap)
{
	size_t len = 0;

	/* The bytes read to recognise the format come first. */
	if (s->in_pos < s->in_len) {
		size_t take = s->in_len - s->in_pos;

		if (take > cap)
			take = cap;
		memcpy(out, s->in + s->in_pos, take);
		s->in_pos += take;
		len = take;
	}
	while (len < cap) {
		ssize_t r = read_hashed(s, out + len, cap - len);

		if (r <= 0) {
			input_ended(s, r < 0);
			producer_end(s);
			break;
		}
		len += (size_t)r;
	}
	return len;
}

/*
 * After one gzip member, more stored bytes must be another member (RFC 1952
 * section 2.2 allows any number); anything else is refused rather than
 * skipped, as the digest and the evidence would then disagree.
 */
static bool gzip_next_member_ok(struct tp_stream *s)
{
	const uint8_t *p = s->in + s->in_pos;
	size_t left = s->in_len - s->in_pos;

	if (p[0] == 0x1f && (left < 2 || p[1] == 0x8b))
		return true;
	fail_corrupt(s, "bytes after the end of a gzip member are not another member");
	return false;
}

#ifdef TP_HAVE_ISAL
static const char *isal_error_name(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid deflate code";
	case ISAL_INVALID_LOOKBACK: return "distance too far back";
	case ISAL_INVALID_WRAPPER: return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
	case ISAL_INCORRECT_CHECKSUM: return "CRC or length mismatch";
	case ISAL_NEED_DICT: return "needs a preset dictionary";
	default: return "inflate failed";
	}
}

static size_t gzip_fill(struct tp_stream *s, uint8_t *out, size_t cap)
{
	struct inflate_state *st = s->isal;
	size_t len = 0;
	unsigned stalls = 0;

	while (len < cap && s->pstate == P_RUN) {
		if (!refill(s) && s->pstate != P_RUN)
			break;
		if (s->member_done) {
			if (s->in_pos == s->in_len) {
				producer_end(s);
				break;
			}
			if (!gzip_next_member_ok(s))
				break;
			isal_inflate_reset(st);
			st->crc_flag = ISAL_GZIP;
			s->member_done = false;
		}
		size_t in_left = s->in_len - s->in_pos;
		st->next_in = s->in + s->in_pos;
		st->avail_in = (uint32_t)in_left;
		st->next_out = out + len;
		st->avail_out = (uint32_t)(cap - len);
		int ret = isal_inflate(st);
		size_t used = in_left - st->avail_in;
		size_t made = (cap - len) - st->avail_out;

		s->in_pos += used;
		len += made;
		if (ret < 0 || ret == ISAL_NEED_DICT) {
			fail_corrupt(s, isal_error_name(ret));
			break;
		}
		if (st->block_state == ISAL_BLOCK_FINISH)
			s->member_done = true;
		else if (!used && !made && s->in_pos == s->in_len && s->in_eof)
			fail_truncated(s);
		else if (stalled(s, used, made, &stalls))
			break;
	}
	return len;
}
#else
static size_t gzip_fill(struct tp_stream *s, uint8_t *out, size_t cap)
{
	z_stream *z = s->zs;
	size_t len = 0;
	unsigned stalls = 0;

	while (len < cap && s->pstate == P_RUN) {
		if (!refill(s) && s->pstate != P_RUN)
			break;
		if (s->member_done) {
			if (s->in_pos == s->in_len) {
				producer_end(s);
				break;
			}
			if (!gzip_next_member_ok(s))
				break;
			if (inflateReset(z) != Z_OK) {
				fail_corrupt(s, "inflateReset failed");
				break;
			}
			s->member_done = false;
		}
		size_t in_left = s->in_len - s->in_pos;
		z->next_in = s->in + s->in_pos;
		z->avail_in = (uInt)in_left;
		z->next_out = out + len;
		z->avail_out = (uInt)(cap - len);
		int ret = inflate(z, Z_NO_FLUSH);
		size_t used = in_left - z->avail_in;
		size_t made = (cap - len) - z->avail_out;

		s->in_pos += used;
		len += made;
		if (ret == Z_STREAM_END) {
			s->member_done = true;
		} else if (ret == Z_OK || ret == Z_BUF_ERROR) {
			if (!used && !made && s->in_pos == s->in_len && s->in_eof)
				fail_truncated(s);
			else if (stalled(s, used, made, &stalls))
				break;
		} else if (ret == Z_MEM_ERROR) {
			producer_fail(s, false, "out of memory while decompressing gzip");
		} else {
			fail_corrupt(s, ret == Z_NEED_DICT ? "needs a preset dictionary"
				     : z->msg ? z->msg : "inflate failed");
		}
	}
	return len;
}
#endif

/* Frames follow one another (RFC 8878 section 3.1); the decoder starts the
 * next one by itself and skips skippable frames. */
static size_t zstd_fill(struct tp_stream *s, uint8_t *out, size_t cap)
{
	size_t len = 0;
	unsigned stalls = 0;

	while (len < cap && s->pstate == P_RUN) {
		if (!refill(s) && s->pstate != P_RUN)
			break;
		/* Called again with no input, the decoder would ask for the
		 * next frame's header: the last answer is the one that counts. */
		if (s->in_pos == s->in_len && s->in_eof && s->zstd_last == 0) {
			producer_end(s);
			break;
		}
		ZSTD_inBuffer ib = { s->in, s->in_len, s->in_pos };
		ZSTD_outBuffer ob = { out, cap, len };
		size_t ret = ZSTD_decompressStream(s->zstd, &ob, &ib);
		size_t used = ib.pos - s->in_pos, made = ob.pos - len;
		bool progress = used || made;

		s->in_pos = ib.pos;
		len = ob.pos;
		if (ZSTD_isError(ret)) {
			fail_corrupt(s, ZSTD_getErrorName(ret));
			break;
		}
		s->zstd_last = ret;
		if (s->in_pos == s->in_len && s->in_eof && ret != 0 && !progress)
			fail_truncated(s);
		else if (stalled(s, used, made, &stalls))
			break;
	}
	return len;
}

static const char *xz_error_name(lzma_ret ret)
{
	switch (ret) {
	case LZMA_FORMAT_ERROR: return "not in .xz format";
	case LZMA_OPTIONS_ERROR: return "unsupported compression options";
	case LZMA_DATA_ERROR: return "corrupt data";
	case LZMA_MEM_ERROR: return "out of memory";
	default: return "decoder failed";
	}
}

static size_t xz_fill(struct tp_stream *s, uint8_t *out, size_t cap)
{
	lzma_stream *x = s->xz;
	size_t len = 0;
	unsigned stalls = 0;

	while (len < cap && s->pstate == P_RUN) {
		if (!refill(s) && s->pstate != P_RUN)
			break;
		/* With LZMA_CONCATENATED only FINISH tells the decoder that the
		 * last stream should be complete now. */
		lzma_action action = s->in_pos == s->in_len && s->in_eof ? LZMA_FINISH : LZMA_RUN;
		size_t in_left = s->in_len - s->in_pos;
		x->next_in = s->in + s->in_pos;
		x->avail_in = in_left;
		x->next_out = out + len;
		x->avail_out = cap - len;
		lzma_ret ret = lzma_code(x, action);
		size_t used = in_left - x->avail_in;
		size_t made = (cap - len) - x->avail_out;

		s->in_pos += used;
		len += made;
		if (ret == LZMA_STREAM_END) {
			producer_end(s);
		} else if (ret == LZMA_OK || ret == LZMA_BUF_ERROR) {
			if (action == LZMA_FINISH && !used && !made)
				fail_truncated(s);
			else if (stalled(s, used, made, &stalls))
				break;
		} else if (ret == LZMA_MEMLIMIT_ERROR) {
			producer_fail(s, false, "xz data at stored byte %" PRIu64 " needs %" PRIu64
				      " MiB of memory to decompress, more than the %" PRIu64
				      " MiB limit", stored_pos(s),
				      (lzma_memusage(x) + ((uint64_t)1 << 20) - 1) >> 20,
				      XZ_MEMLIMIT >> 20);
		} else {
			fail_corrupt(s, xz_error_name(ret));
		}
	}
	return len;
}

/* Fills one block; returns its length, 0 only once pstate is final. */
static size_t produce(struct tp_stream *s, struct ring_slot *b)
{
	if (s->pstate != P_RUN)
		return 0;
	if (!b->data) {
		b->data = malloc(s->block_size);
		if (!b->data) {
			producer_fail(s, false, "out of memory for a %zu byte block", s->block_size);
			return 0;
		}
	}
	switch (s->comp) {
	case TP_COMPRESSION_GZIP: return gzip_fill(s, b->data, s->block_size);
	case TP_COMPRESSION_ZSTD: return zstd_fill(s, b->data, s->block_size);
	case TP_COMPRESSION_XZ: return xz_fill(s, b->data, s->block_size);
	case TP_COMPRESSION_NONE: break;
	}
	return plain_fill(s, b->data, s->block_size);
}

static void *worker_main(void *arg)
{
	struct tp_stream *s = arg;
	struct ring_slot *b;

	while ((b = ring_slot_to_fill(&s->blocks))) {
		size_t len = produce(s, b);
		bool last = s->pstate != P_RUN;

		ring_publish(&s->blocks, len, last);
		if (last)
			break;
	}
	return NULL;
}

/* ---- parse stage ------------------------------------------------------ */

static void reach_end(struct tp_stream *s)
{
	s->at_end = true;
	if (s->pstate == P_FAIL && !s->err[0]) {
		memcpy(s->err, s->perr, sizeof s->err);
		s->err_truncated = s->ptruncated;
	}
}

/*
 * Gives back the held block and takes the next one into held_pos/held_end.
 * False when no block will come.
 */
static bool next_block(struct tp_stream *s)
{
	struct ring_slot *b;
	size_t len;

	if (s->at_end)
		return false;
	if (s->worker_running) {
		/* ring_take() orders the worker's last writes (pstate, perr)
		 * before reach_end() reads them. */
		b = ring_take(&s->blocks);
		len = b ? b->len : 0;
	} else {
		b = &s->blocks.slot[0];
		len = produce(s, b);
	}
	if (!len) {
		reach_end(s);
		return false;
	}
	s->held_pos = b->data;
	s->held_end = b->data + len;
	s->spill_tail_held = 0;
	return true;
}

/* Where the view points before there is any block (never dereferenced). */
static const uint8_t no_bytes[1];

static uint64_t view_end_offset(const struct tp_stream *s)
{
	return s->view_base + (uint64_t)(s->end - s->view_start);
}

/* The view becomes the held block's rest (which starts where the view ends). */
static void view_held(struct tp_stream *s)
{
	s->view_base = view_end_offset(s);
	s->view_start = s->pos = s->held_pos;
	s->end = s->held_end;
	s->held_pos = s->held_end;
	s->in_spill = false;
}

/* Makes the spill hold at least want bytes (want <= n <= MAX_NEED). */
static bool spill_grow(struct tp_stream *s, size_t want, size_t n)
{
	size_t cap = s->spill_cap ? s->spill_cap : SPILL_MIN;
	uint8_t *p;

	while (cap < want)
		cap *= 2;
	if (cap > TP_STREAM_MAX_NEED)
		cap = TP_STREAM_MAX_NEED;
	p = realloc(s->spill, cap);
	if (!p) {
		if (!s->err[0])
			snprintf(s->err, sizeof s->err, "out of memory for a %zu byte record", n);
		s->at_end = true;
		return false;
	}
	s->spill = p;
	s->spill_cap = cap;
	return true;
}

/*
 * Moves up to n - (bytes in view) bytes from the held block to the end of
 * the spill, growing it only by what is really there.
 */
static bool spill_take(struct tp_stream *s, size_t n)
{
	size_t have = (size_t)(s->end - s->pos);
	size_t take = (size_t)(s->held_end - s->held_pos);

	if (take > n - have)
		take = n - have;
	if (s->pos != s->spill) {
		s->view_base += (uint64_t)(s->pos - s->spill);
		memmove(s->spill, s->pos, have);
	}
	if (have + take > s->spill_cap && !spill_grow(s, have + take, n)) {
		s->pos = s->view_start = s->spill;
		s->end = s->spill + have;
		return false;
	}
	memcpy(s->spill + have, s->held_pos, take);
	s->held_pos += take;
	s->spill_tail_held = take;
	s->pos = s->view_start = s->spill;
	s->end = s->spill + have + take;
	return true;
}

static const uint8_t *need_slow(struct tp_stream *s, size_t n, size_t *avail)
{
	size_t have;

	if (n > TP_STREAM_MAX_NEED) {
		/* The reader should have refused such a length itself; a
		 * fault with a reason beats a crash or a silent end. */
		if (!s->err[0])
			snprintf(s->err, sizeof s->err,
				 "a record of %zu bytes is larger than the %u byte limit", n,
				 TP_STREAM_MAX_NEED);
		if (avail)
			*avail = 0;
		return NULL;
	}
	for (;;) {
		have = (size_t)(s->end - s->pos);
		if (have >= n) {
			if (avail)
				*avail = n;
			return s->pos;
		}
		if (!s->in_spill) {
			if (!have) {
				if (!next_block(s))
					break;
				view_held(s);
				continue;
			}
			/* Straddles the end of the block: the rest of the
			 * block goes to the spill, then more from the next. */
			if (!s->spill && !spill_grow(s, SPILL_MIN, n))
				break;
			s->view_base += (uint64_t)(s->pos - s->view_start);
			s->held_pos = s->pos;
			s->held_end = s->end;
			s->view_start = s->pos = s->end = s->spill;
			s->in_spill = true;
			s->spill_tail_held = 0;
		} else if (have && have <= s->spill_tail_held && s->held_pos < s->held_end) {
			/* What is left in the spill is a copy of the held block's
			 * bytes just before held_pos (a reader that asks for a
			 * record and the next header leaves such a tail): read
			 * the block in place again instead of copying every
			 * following record through the spill.  Only when the
			 * block has bytes beyond, or this would go round. */
			s->view_base += (uint64_t)(s->pos - s->view_start);
			s->view_start = s->pos = s->held_pos - have;
			s->end = s->held_end;
			s->held_pos = s->held_end;
			s->in_spill = false;
			s->spill_tail_held = 0;
			continue;
		} else if (!have) {
			view_held(s);
			continue;
		} else if (s->held_pos == s->held_end && !next_block(s)) {
			break;
		}
		if (!spill_take(s, n))
			break;
	}
	if (avail)
		*avail = have;
	return NULL;
}

const uint8_t *tp_stream_need(struct tp_stream *s, size_t n, size_t *avail)
{
	/* The hot path: the bytes are in the current block. */
	if ((size_t)(s->end - s->pos) >= n) {
		if (avail)
			*avail = n;
		return s->pos;
	}
	return need_slow(s, n, avail);
}

void tp_stream_advance(struct tp_stream *s, size_t n)
{
	assert(n <= (size_t)(s->end - s->pos));
	if (n > (size_t)(s->end - s->pos))
		n = (size_t)(s->end - s->pos);
	s->pos += n;
}

uint64_t tp_stream_offset(const struct tp_stream *s)
{
	return s->view_base + (uint64_t)(s->pos - s->view_start);
}

uint64_t tp_stream_stored_read(const struct tp_stream *s)
{
	return atomic_load_explicit(&s->stored_read, memory_order_relaxed);
}

int64_t tp_stream_stored_size(const struct tp_stream *s)
{
	return s->stored_size;
}

enum tp_compression tp_stream_compression(const struct tp_stream *s)
{
	return s->comp;
}

const char *tp_compression_name(enum tp_compression c)
{
	switch (c) {
	case TP_COMPRESSION_NONE: return "none";
	case TP_COMPRESSION_GZIP: return "gzip";
	case TP_COMPRESSION_ZSTD: return "zstd";
	case TP_COMPRESSION_XZ: return "xz";
	}
	return "unknown";
}

const char *tp_stream_error(const struct tp_stream *s)
{
	return s->err[0] ? s->err : NULL;
}

bool tp_stream_error_truncated(const struct tp_stream *s)
{
	return s->err[0] && s->err_truncated;
}

/* ---- open, finish, close ---------------------------------------------- */

static enum tp_compression sniff(const uint8_t *p, size_t n)
{
	static const uint8_t gz[] = { 0x1f, 0x8b };
	static const uint8_t zst[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const uint8_t xz[] = { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 };

	if (n >= sizeof gz && !memcmp(p, gz, sizeof gz))
		return TP_COMPRESSION_GZIP;
	if (n >= sizeof zst && !memcmp(p, zst, sizeof zst))
		return TP_COMPRESSION_ZSTD;
	if (n >= sizeof xz && !memcmp(p, xz, sizeof xz))
		return TP_COMPRESSION_XZ;
	return TP_COMPRESSION_NONE;
}

static bool decoder_init(struct tp_stream *s)
{
	switch (s->comp) {
	case TP_COMPRESSION_NONE:
		return true;
	case TP_COMPRESSION_GZIP:
		s->member_done = true;	/* the first member starts like the next */
#ifdef TP_HAVE_ISAL
		s->isal = malloc(sizeof *s->isal);
		if (!s->isal)
			return false;
		isal_inflate_init(s->isal);
		return true;
#else
		s->zs = calloc(1, sizeof *s->zs);
		if (!s->zs)
			return false;
		if (inflateInit2(s->zs, 16 + MAX_WBITS) != Z_OK) {
			free(s->zs);
			s->zs = NULL;
			return false;
		}
		return true;
#endif
	case TP_COMPRESSION_ZSTD:
		/* The default window limit (2^27) stands: larger needs
		 * --long=28 or more at compression time, and that much memory. */
		s->zstd_last = 1;	/* a frame is expected */
		s->zstd = ZSTD_createDStream();
		return s->zstd && !ZSTD_isError(ZSTD_initDStream(s->zstd));
	case TP_COMPRESSION_XZ: {
		lzma_stream init = LZMA_STREAM_INIT;

		s->xz = malloc(sizeof *s->xz);
		if (!s->xz)
			return false;
		*s->xz = init;
		if (lzma_stream_decoder(s->xz, XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK) {
			free(s->xz);
			s->xz = NULL;
			return false;
		}
		return true;
	}
	}
	return false;
}

static void decoder_free(struct tp_stream *s)
{
#ifdef TP_HAVE_ISAL
	free(s->isal);
#else
	if (s->zs)
		inflateEnd(s->zs);
	free(s->zs);
#endif
	ZSTD_freeDStream(s->zstd);
	if (s->xz)
		lzma_end(s->xz);
	free(s->xz);
}

/*
 * With threads: a worker for the inflate stage, and for a compressed file
 * a reader for the read stage.  Any failure leaves the inline mode, which
 * is slower but not wrong.
 */
static void start_threads(struct tp_stream *s)
{
	if (s->comp != TP_COMPRESSION_NONE && ring_init(&s->stored, STORED_SLOTS, true)) {
		if (pthread_create(&s->reader, NULL, reader_main, s) == 0)
			s->reader_running = s->use_reader = true;
	}
	if (!ring_init(&s->blocks, RING_BLOCKS, true))
		goto inline_mode;
	if (pthread_create(&s->worker, NULL, worker_main, s) != 0)
		goto inline_mode;
	s->worker_running = true;
	return;

inline_mode:
	/* The reader, if it runs, goes on feeding the inline inflate. */
	s->blocks.n = 1;
}

static void stop_threads(struct tp_stream *s)
{
	ring_stop(&s->blocks);
	ring_stop(&s->stored);
	if (s->worker_running)
		pthread_join(s->worker, NULL);
	if (s->reader_running)
		pthread_join(s->reader, NULL);
	s->worker_running = s->reader_running = false;
}

struct tp_stream *tp_stream_open(const char *path, const struct tp_stream_opts *opts,
				 char *err, size_t errlen)
{
	struct tp_stream *s;
	struct stat st;
	const char *name = strcmp(path, "-") ? path : "standard input";

	s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	s->fd = -1;
	s->pos = s->end = s->view_start = no_bytes;
	atomic_init(&s->stored_read, 0);
	s->block_size = opts && opts->block_size ? opts->block_size : DEFAULT_BLOCK;
	s->no_hash = opts && opts->no_hash;
	if (s->block_size < MIN_BLOCK)
		s->block_size = MIN_BLOCK;
	if (s->block_size > MAX_BLOCK)
		s->block_size = MAX_BLOCK;
	(void)ring_init(&s->blocks, 1, false);

	if (!strcmp(path, "-")) {
		s->fd = STDIN_FILENO;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			goto fail;
		}
		s->own_fd = true;
	}
	if (fstat(s->fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a capture file", name);
		goto fail;
	}
	s->stored_size = S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
	if (S_ISREG(st.st_mode) && !s->own_fd) {
		/* "-" redirected from a file someone already read into. */
		off_t at = lseek(s->fd, 0, SEEK_CUR);

		if (at > 0 && at <= st.st_size)
			s->stored_size -= (int64_t)at;
	}
	if (S_ISREG(st.st_mode))
		(void)posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	s->first = malloc(IN_SIZE);
	s->sha = EVP_MD_CTX_new();
	if (!s->first || !s->sha || EVP_DigestInit_ex(s->sha, EVP_sha256(), NULL) != 1) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}

	/* The magic bytes decide, never the name; a pipe may deliver them in
	 * pieces. */
	s->in = s->first;
	while (s->in_len < SNIFF_BYTES) {
		ssize_t r = read_hashed(s, s->first + s->in_len, IN_SIZE - s->in_len);

		if (r < 0) {
			snprintf(err, errlen, "%s: %s", name, s->rerr);
			goto fail;
		}
		if (r == 0)
			break;
		s->in_len += (size_t)r;
	}
	s->comp = sniff(s->first, s->in_len);
	if (!decoder_init(s)) {
		snprintf(err, errlen, "%s: cannot start the %s decoder (out of memory)", name,
			 tp_compression_name(s->comp));
		goto fail;
	}
	if (opts && opts->threaded)
		start_threads(s);
	return s;

fail:
	tp_stream_close(s);
	return NULL;
}

bool tp_stream_finish(struct tp_stream *s, uint8_t sha256[32], uint64_t *stored_bytes)
{
	unsigned md_len = 0;

	/* A second call is a caller's slip: it gets the same answer. */
	if (!s->finished) {
		stop_threads(s);
		s->at_end = true;
		/* The rest of the file is hashed, not decompressed; the first
		 * buffer is free once the threads are gone. */
		while (!s->no_hash && read_hashed(s, s->first, IN_SIZE) > 0)
			;
		s->finish_ok = !s->read_failed && !s->no_hash;
		if (!s->finish_ok && !s->err[0])
			snprintf(s->err, sizeof s->err, "%s", s->rerr);
		if (EVP_DigestFinal_ex(s->sha, s->digest, &md_len) != 1 || md_len != 32) {
			memset(s->digest, 0, sizeof s->digest);
			s->finish_ok = false;
		}
		s->finished = true;
	}
	if (sha256)
		memcpy(sha256, s->digest, sizeof s->digest);
	if (stored_bytes)
		*stored_bytes = s->stored_total;
	return s->finish_ok;
}

void tp_stream_close(struct tp_stream *s)
{
	if (!s)
		return;
	stop_threads(s);
	ring_destroy(&s->blocks);
	ring_destroy(&s->stored);
	free(s->spill);
	free(s->first);
	EVP_MD_CTX_free(s->sha);
	decoder_free(s);
	if (s->own_fd)
		close(s->fd);
	free(s);
}
