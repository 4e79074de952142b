/*
 * capture.c - open any capture file and read its records (see capture.h).
 *
 * The formats are one table of readers (reader.h).  tp_capture_open() asks
 * the stream for the first decompressed bytes, hands them to each reader's
 * probe and opens the file with the first that recognises them.  A capture
 * file in a format we do not read is named when its magic is known, so the
 * user learns "this is a snoop file", not just "not a capture".
 *
 * After the open, this file numbers frames from 1, keeps the final status
 * sticky and turns a reader's fault (offset + reason) into the one message
 * format of capture.h.  A fault in the file header still gives an open
 * capture whose first tp_capture_next() returns it, so the caller knows the
 * format and reports the fault like any other.
 */
#include "formats/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/cursor.h"

/* The formats we read, tried in order. */
static const struct tp_reader *const capture_readers[] = {
	&tp_pcap_reader,
	&tp_pcapng_reader,
};

/* Enough bytes for every probe and for naming the formats below. */
#define CAPTURE_PEEK	16u

/*
 * Formats recognised only to be named.  Magic numbers from Wireshark's
 * wiretap (snoop.c, netmon.c, netxray.c, ngsniffer.c) and libpcap's
 * sf-pcap.c (Navtel's pcap magic; Kuznetsov's modified pcap, a1b2cd34, is
 * read by pcap.c).
 */
struct capture_magic {
	const char *magic;
	size_t len;
	const char *name;
};

static const struct capture_magic capture_foreign[] = {
	{ "snoop\0\0\0", 8, "Sun snoop" },
	{ "RTSS", 4, "Microsoft Network Monitor 1.x" },
	{ "GMBU", 4, "Microsoft Network Monitor 2.x" },
	{ "XCP\0", 4, "NetXRay 2.x / Windows Sniffer" },
	{ "VL\0\0", 4, "NetXRay 1.x" },
	{ "TRSNIFF data", 12, "Network General Sniffer (DOS)" },
	{ "\xa1\x2b\x3c\x4d", 4, "Navtel pcap (magic a12b3c4d)" },
	{ "\x4d\x3c\x2b\xa1", 4, "Navtel pcap (magic a12b3c4d)" },
	/* Compressions the stream does not undo. */
	{ "BZh", 3, "bzip2-compressed data" },
	{ "\x04\x22\x4d\x18", 4, "LZ4-compressed data" },
	{ "PK\x03\x04", 4, "a ZIP archive" },
	{ "7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive" },
};

struct tp_capture {
	struct tp_stream *stream;
	const struct tp_reader *reader;
	void *state;			/* the reader's; NULL after a header fault */
	struct tp_capture_info info;
	enum tp_read_status status;	/* TP_READ_OK until the end or a fault, then sticky */
	uint64_t frames;		/* records delivered */
	struct tp_fault fault;
	char error[256];
};

const char *tp_format_name(enum tp_format f)
{
	switch (f) {
	case TP_FORMAT_PCAP:
		return "pcap";
	case TP_FORMAT_PCAPNG:
		return "pcapng";
	}
	return "unknown";
}

static void capture_message(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void capture_message(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Endace ERF has no magic.  Its 16-byte record header ("Generic ERF
 * header" in Endace's ERF types reference) is a little-endian 64-bit
 * timestamp (seconds in the high half), type, flags, then big-endian rlen,
 * lctr, wlen.  We call a file ERF when the seconds fall between 1995 and
 * 2100, the type (less the extension-header bit 0x80) is one of the known
 * 1-48, the reserved flag bits are clear, the record is at least its
 * header long, and the header is not all text.  Only the error
 * message depends on it.
 */
static bool capture_looks_like_erf(const uint8_t *h, size_t n)
{
	uint32_t secs, type, rlen;

	bool text = true;

	if (n < 16)
		return false;
	/* A text file can pass the numeric checks; no ERF header is all text. */
	for (size_t i = 0; i < 16; i++)
		text &= (h[i] >= 0x20 && h[i] < 0x7f) || h[i] == '\n' || h[i] == '\t';
	/* Flags bits 6 and 7 are reserved (zero). */
	if (text || (h[9] & 0xc0u))
		return false;
	secs = tp_load_le32(h + 4);
	type = h[8] & 0x7fu;
	rlen = tp_load_be16(h + 10);
	return secs >= 788918400u && secs < 4102444800u && type >= 1 && type <= 48 &&
	       rlen >= 16;
}

/* Words the "not a capture" message for the n first bytes of path. */
static void capture_not_capture(const char *path, struct tp_stream *s, const uint8_t *head,
				size_t n, char *err, size_t errlen)
{
	enum tp_compression comp = tp_stream_compression(s);
	char via[48] = "";
	char hex[3 * 4] = "";
	size_t i, at = 0;

	if (comp != TP_COMPRESSION_NONE)
		snprintf(via, sizeof via, ", %s-compressed", tp_compression_name(comp));
	for (i = 0; i < sizeof capture_foreign / sizeof capture_foreign[0]; i++) {
		const struct capture_magic *m = &capture_foreign[i];

		if (n >= m->len && memcmp(head, m->magic, m->len) == 0) {
			capture_message(err, errlen,
					"%s: not a pcap or pcapng file (%s%s is not supported)",
					path, m->name, via);
			return;
		}
	}
	if (capture_looks_like_erf(head, n)) {
		capture_message(err, errlen,
				"%s: not a pcap or pcapng file (looks like Endace ERF%s, which is not supported)",
				path, via);
		return;
	}
	for (i = 0; i < n && i < 4; i++)
		at += (size_t)snprintf(hex + at, sizeof hex - at, "%s%02x", i ? " " : "", head[i]);
	capture_message(err, errlen, "%s: not a pcap or pcapng file (first bytes %s%s)", path,
			hex, via);
}

/* Formats c->error from c->fault for the status st. */
static void capture_fault(struct tp_capture *c, enum tp_read_status st)
{
	snprintf(c->error, sizeof c->error, "%s at byte %llu (frame %llu): %s",
		 st == TP_READ_TRUNCATED ? "truncated" : "corrupt",
		 (unsigned long long)c->fault.offset, (unsigned long long)c->frames + 1,
		 c->fault.reason);
}

enum tp_open_status tp_capture_open(struct tp_capture **out, const char *path,
				    const struct tp_stream_opts *opts, char *err, size_t errlen)
{
	struct tp_stream *s;
	struct tp_capture *c;
	const struct tp_reader *reader = NULL;
	const uint8_t *head;
	size_t n = 0, i;
	enum tp_read_status st = TP_READ_OK;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	s = tp_stream_open(path, opts, err, errlen);
	if (!s)
		return TP_OPEN_FAILED;

	/* The first bytes, or as many as there are. */
	head = tp_stream_need(s, CAPTURE_PEEK, &n);
	if (head)
		n = CAPTURE_PEEK;
	else if (n)
		head = tp_stream_need(s, n, NULL);
	if (!head || n < 4) {
		const char *why = tp_stream_error(s);

		if (why)
			capture_message(err, errlen, "%s: %s", path, why);
		else if (n == 0 && tp_stream_compression(s) != TP_COMPRESSION_NONE)
			capture_message(err, errlen, "%s: empty once decompressed (%s), not a capture",
					path, tp_compression_name(tp_stream_compression(s)));
		else if (n == 0)
			capture_message(err, errlen, "%s: empty file, not a capture", path);
		else
			capture_message(err, errlen, "%s: not a capture (only %zu byte%s)", path, n,
					n == 1 ? "" : "s");
		tp_stream_close(s);
		/* Bytes we could not read at all are a failure; a readable
		 * file too short to be a capture is not a capture. */
		return why ? TP_OPEN_FAILED : TP_OPEN_NOT_CAPTURE;
	}
	for (i = 0; i < sizeof capture_readers / sizeof capture_readers[0]; i++) {
		if (capture_readers[i]->probe(head, n)) {
			reader = capture_readers[i];
			break;
		}
	}
	if (!reader) {
		capture_not_capture(path, s, head, n, err, errlen);
		tp_stream_close(s);
		return TP_OPEN_NOT_CAPTURE;
	}

	c = calloc(1, sizeof *c);
	if (!c) {
		capture_message(err, errlen, "%s: out of memory", path);
		tp_stream_close(s);
		return TP_OPEN_FAILED;
	}
	c->stream = s;
	c->reader = reader;
	c->info.format = reader->format;
	c->info.compression = tp_stream_compression(s);
	c->state = reader->open(s, &c->info, &st, &c->fault);
	if (!c->state) {
		/* A header fault: kept open so the caller learns the format
		 * and gets the fault from the first tp_capture_next(). */
		c->status = st == TP_READ_OK || st == TP_READ_END ? TP_READ_CORRUPT : st;
		if (st == TP_READ_OK || st == TP_READ_END)
			snprintf(c->fault.reason, sizeof c->fault.reason,
				 "%s reader could not read the file header", reader->name);
		capture_fault(c, c->status);
	}
	/* The reader may have set these from the header; they are ours. */
	c->info.format = reader->format;
	c->info.compression = tp_stream_compression(s);
	*out = c;
	return TP_OPEN_OK;
}

enum tp_read_status tp_capture_next(struct tp_capture *c, struct tp_record *rec)
{
	enum tp_read_status st;

	if (c->status != TP_READ_OK)
		return c->status;
	st = c->reader->next(c->state, c->stream, rec, &c->info, &c->fault);
	if (st == TP_READ_OK) {
		c->frames += rec->frames_before;
		rec->frame = ++c->frames;
		return TP_READ_OK;
	}
	c->status = st;
	if (st != TP_READ_END)
		capture_fault(c, st);
	return st;
}

const char *tp_capture_error(const struct tp_capture *c)
{
	return c->status == TP_READ_TRUNCATED || c->status == TP_READ_CORRUPT ? c->error : NULL;
}

const struct tp_capture_info *tp_capture_info(const struct tp_capture *c)
{
	return &c->info;
}

struct tp_stream *tp_capture_stream(struct tp_capture *c)
{
	return c->stream;
}

bool tp_capture_close(struct tp_capture *c, uint8_t sha256[32], uint64_t *stored_bytes)
{
	bool whole = false;

	if (!c)
		return false;
	if (sha256 || stored_bytes) {
		uint8_t digest[32];
		uint64_t stored = 0;

		whole = tp_stream_finish(c->stream, digest, &stored);
		if (sha256)
			memcpy(sha256, digest, sizeof digest);
		if (stored_bytes)
			*stored_bytes = stored;
	}
	if (c->state)
		c->reader->free(c->state);
	tp_stream_close(c->stream);
	free(c);
	return whole;
}

enum tp_read_status tp_reader_short(struct tp_stream *s, struct tp_fault *fault,
				    uint64_t offset, const char *what, size_t need,
				    size_t avail, bool at_boundary)
{
	const char *why = tp_stream_error(s);

	if (why) {
		/* The stream, not the capture, broke: corrupt or early-ending
		 * compressed data, or an I/O error.  Only an early end is a
		 * truncation. */
		fault->offset = offset;
		snprintf(fault->reason, sizeof fault->reason, "%s", why);
		return tp_stream_error_truncated(s) ? TP_READ_TRUNCATED : TP_READ_CORRUPT;
	}
	if (avail == 0 && at_boundary)
		return TP_READ_END;
	fault->offset = offset;
	snprintf(fault->reason, sizeof fault->reason, "file ends inside %s (%zu of %zu bytes)",
		 what, avail, need);
	return TP_READ_TRUNCATED;
}

enum tp_read_status tp_reader_corrupt(struct tp_fault *fault, uint64_t offset, const char *fmt,
				      ...)
{
	va_list ap;

	fault->offset = offset;
	va_start(ap, fmt);
	vsnprintf(fault->reason, sizeof fault->reason, fmt, ap);
	va_end(ap);
	return TP_READ_CORRUPT;
}
