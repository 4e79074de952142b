/*
 * capture.h - open any capture file and read its records.
 *
 * tp_capture_open() opens a stream (formats/stream.h), looks at the first
 * decompressed bytes and hands the file to the first reader in the table of
 * formats (capture.c) that recognises them: classic pcap (formats/pcap.c) or
 * pcapng (formats/pcapng.c).  Formats that are recognised but unsupported
 * (Endace ERF, Sun snoop, ...) are named in the error.
 *
 * A reader delivers every good record before a fault, then returns
 * TP_READ_TRUNCATED (the file ends inside a record) or TP_READ_CORRUPT (bytes
 * contradict the format), with a message that gives the byte offset and the
 * frame number.  Declared lengths are checked against fixed ceilings before
 * anything is allocated, and every record moves the file forward, so no
 * input can make a reader allocate absurdly or loop forever.
 */
#ifndef TP_CAPTURE_H
#define TP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/record.h"
#include "formats/stream.h"

/* Ceilings on what a file may declare. */
#define TP_MAX_CAPLEN		(16u * 1024 * 1024)	/* one frame */
#define TP_MAX_BLOCK		TP_STREAM_MAX_NEED	/* one pcapng block */
#define TP_MAX_INTERFACES	65536u			/* IDBs in one file */

enum tp_read_status {
	TP_READ_OK,		/* *rec holds a record */
	TP_READ_END,		/* clean end of file */
	TP_READ_TRUNCATED,	/* the file ends inside a record or block */
	TP_READ_CORRUPT,	/* the bytes contradict the format */
};

enum tp_open_status {
	TP_OPEN_OK,
	TP_OPEN_NOT_CAPTURE,	/* readable, but not a pcap or pcapng file */
	TP_OPEN_FAILED,		/* could not be opened or read at all */
};

enum tp_format {
	TP_FORMAT_PCAP,
	TP_FORMAT_PCAPNG,
};

/* Interface Statistics Block counters (pcapng section 4.6); each present
 * only if its has_ flag is set. */
struct tp_isb {
	bool seen;
	int64_t ts_ns;
	bool has_ifrecv, has_ifdrop, has_filteraccept, has_osdrop, has_usrdeliv;
	uint64_t ifrecv, ifdrop, filteraccept, osdrop, usrdeliv;
};

/* One interface (pcapng IDB; classic pcap has exactly one). */
struct tp_interface {
	uint16_t linktype;
	uint32_t snaplen;
	int8_t fcs_len;		/* if_fcslen or the pcap header FCS bits; -1 unknown */
	uint8_t tsresol;	/* if_tsresol byte as in the file: 6 = us, 9 = ns, 0x80|n = 2^-n */
	int64_t tsoffset_s;	/* if_tsoffset, seconds */
	uint32_t section;	/* 0-based section (SHB) the interface belongs to */
	struct tp_isb isb;	/* the last ISB seen for this interface */
};

struct tp_capture_info {
	enum tp_format format;
	enum tp_compression compression;
	uint16_t version_major, version_minor;
	uint32_t sections;	/* SHBs seen so far (1 for pcap) */
	uint32_t interface_count;
	const struct tp_interface *interfaces;	/* valid until the next tp_capture_next() */
};

struct tp_capture;

/*
 * Opens path ("-" = standard input).  On TP_OPEN_OK *out is the capture; on
 * failure *out is NULL and err holds a message such as
 * "x.erf: not a pcap or pcapng file (Endace ERF is not supported)".
 */
enum tp_open_status tp_capture_open(struct tp_capture **out, const char *path,
				    const struct tp_stream_opts *opts, char *err, size_t errlen);

/* Reads the next record.  On TRUNCATED or CORRUPT, tp_capture_error() tells
 * why; later calls keep returning the same status. */
enum tp_read_status tp_capture_next(struct tp_capture *c, struct tp_record *rec);

/* "truncated at byte N (frame F): reason" / "corrupt at byte N (frame F): reason",
 * or NULL while there was no fault. */
const char *tp_capture_error(const struct tp_capture *c);

const struct tp_capture_info *tp_capture_info(const struct tp_capture *c);
const char *tp_format_name(enum tp_format f);	/* "pcap", "pcapng" */

/* The underlying stream (progress, compression). */
struct tp_stream *tp_capture_stream(struct tp_capture *c);

/* Hashes the rest of the file (see tp_stream_finish), then closes it.
 * Returns true when sha256 is the digest of the whole file (false after a
 * read error, or when the stream was opened with no_hash).  When sha256
 * and stored_bytes are both NULL the rest of the file is not read.
 * NULL c is harmless. */
bool tp_capture_close(struct tp_capture *c, uint8_t sha256[32], uint64_t *stored_bytes);

#endif
