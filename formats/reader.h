/*
 * reader.h - what a capture file format plugs into capture.c.
 *
 * Each format file (pcap.c, pcapng.c) exports one const descriptor; capture.c
 * lists them in one table and does the rest: opening the stream, choosing
 * the reader from the first bytes, numbering frames, and turning a fault into
 * "truncated at byte N (frame F): reason".
 */
#ifndef TP_READER_H
#define TP_READER_H

#include "formats/capture.h"

/* What went wrong, filled by a reader when it returns TRUNCATED or CORRUPT. */
struct tp_fault {
	uint64_t offset;	/* decompressed byte offset of the faulty record or field */
	char reason[160];	/* "record length 70000 exceeds snaplen 65535", ... */
};

struct tp_reader {
	const char *name;
	enum tp_format format;
	/* True if the first n (>= 4 when the file has 4 bytes) bytes look like this format. */
	bool (*probe)(const uint8_t *head, size_t n);
	/*
	 * Reads the file header.  Returns the reader's state, and fills info
	 * (format, version, sections, interfaces).  On a bad header, returns
	 * NULL with *status set to TRUNCATED or CORRUPT and fault filled; on
	 * out of memory, NULL with *status CORRUPT and a reason saying so.
	 */
	void *(*open)(struct tp_stream *s, struct tp_capture_info *info,
		      enum tp_read_status *status, struct tp_fault *fault);
	/* Next record (rec->frame is set by capture.c).  May update info. */
	enum tp_read_status (*next)(void *state, struct tp_stream *s, struct tp_record *rec,
				    struct tp_capture_info *info, struct tp_fault *fault);
	void (*free)(void *state);
};

/*
 * For a reader whose tp_stream_need() came back short: fills fault (at
 * offset) and returns the status.  If the stream failed (corrupt or early-
 * ending compressed data, I/O error) its message is used; otherwise the
 * reason is "file ends inside <what> (<avail> of <need> bytes)" and the
 * status TRUNCATED.  When avail is 0 and at_boundary is true, the file
 * simply ended between records: TP_READ_END, nothing filled.
 */
enum tp_read_status tp_reader_short(struct tp_stream *s, struct tp_fault *fault,
				    uint64_t offset, const char *what, size_t need,
				    size_t avail, bool at_boundary);

/* Fills fault with offset and a printf-style reason; returns TP_READ_CORRUPT. */
enum tp_read_status tp_reader_corrupt(struct tp_fault *fault, uint64_t offset, const char *fmt,
				      ...) __attribute__((format(printf, 3, 4)));

extern const struct tp_reader tp_pcap_reader;
extern const struct tp_reader tp_pcapng_reader;

#endif
