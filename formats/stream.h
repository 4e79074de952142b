/*
 * stream.h - bytes of one capture file, decompressed, in large blocks.
 *
 * A stream opens a path (or "-" for standard input) read-only, recognises
 * the compression from the first stored bytes (gzip, including concatenated
 * members; zstd; xz; otherwise plain), and hands the decompressed bytes to a
 * reader through tp_stream_need()/tp_stream_advance().  The SHA-256 of the
 * bytes as stored is computed as they pass, with OpenSSL's libcrypto.
 *
 * With opts.threaded, a worker thread reads, hashes and decompresses into a
 * small ring of blocks while the caller parses, so the hash and the inflate
 * run on the second core (for a compressed file a second helper thread does
 * the read and the hash, so that they overlap the inflate).  Memory is
 * bounded: the ring plus one spill buffer for a record that straddles two
 * blocks (at most TP_STREAM_MAX_NEED bytes).  There is one read() per block,
 * never one per record.
 */
#ifndef TP_STREAM_H
#define TP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest contiguous span a reader may ask for (a pcapng block). */
#define TP_STREAM_MAX_NEED (16u * 1024 * 1024)

enum tp_compression {
	TP_COMPRESSION_NONE,
	TP_COMPRESSION_GZIP,
	TP_COMPRESSION_ZSTD,
	TP_COMPRESSION_XZ,
};

struct tp_stream_opts {
	size_t block_size;	/* decompressed block size; 0 = default (1 MiB) */
	bool threaded;		/* read, hash and decompress on a worker thread */
	bool no_hash;		/* skip SHA-256 (finish() then reads no further and returns false) */
};

struct tp_stream;

/*
 * Opens path ("-" = standard input) read-only.  Returns NULL and writes a
 * message naming the file into err on failure (no such file, a directory,
 * permission, out of memory).  Compression is detected here, so a corrupt
 * compressed header is reported by tp_stream_error() later, not by open.
 */
struct tp_stream *tp_stream_open(const char *path, const struct tp_stream_opts *opts,
				 char *err, size_t errlen);

/*
 * Returns a pointer to the next n decompressed bytes without consuming them,
 * or NULL when the stream ends (or fails) before n bytes; *avail (if not NULL)
 * receives how many bytes were actually available from the current position
 * (n itself on success; fewer than n, possibly 0, with NULL).
 * The pointer stays valid until the next call of tp_stream_need() or
 * tp_stream_close(); tp_stream_advance() does not invalidate it.
 * n must be at most TP_STREAM_MAX_NEED.
 */
const uint8_t *tp_stream_need(struct tp_stream *s, size_t n, size_t *avail);

/* Consumes n bytes (n no more than the last successful need). */
void tp_stream_advance(struct tp_stream *s, size_t n);

/* Offset of the current position in the decompressed bytes. */
uint64_t tp_stream_offset(const struct tp_stream *s);

/* Stored bytes read from the file so far (safe to call from any thread;
 * used for progress). */
uint64_t tp_stream_stored_read(const struct tp_stream *s);

/* Size of the stored file when it is a regular file, else -1. */
int64_t tp_stream_stored_size(const struct tp_stream *s);

enum tp_compression tp_stream_compression(const struct tp_stream *s);
const char *tp_compression_name(enum tp_compression c);	/* "none", "gzip", ... */

/*
 * NULL while all is well.  After a need() returned NULL it tells why the
 * bytes ended if that was not a clean end of file: an I/O error, or a
 * compressed stream that is corrupt or ends early (with the stored offset).
 * tp_stream_error_truncated() says whether the fault was an early end.
 */
const char *tp_stream_error(const struct tp_stream *s);
bool tp_stream_error_truncated(const struct tp_stream *s);

/*
 * Reads whatever stored bytes the reader did not ask for (without
 * decompressing them), so the digest covers the whole file, and writes the
 * SHA-256 of all stored bytes.  Returns false if the file could not be read
 * to its end (the digest then covers what was read).  Call at most once.
 */
bool tp_stream_finish(struct tp_stream *s, uint8_t sha256[32], uint64_t *stored_bytes);

/* Closes the file and frees everything; NULL is harmless. */
void tp_stream_close(struct tp_stream *s);

#endif
