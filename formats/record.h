/*
 * record.h - one frame of a capture, as the readers deliver it.
 *
 * Everything a record points to is borrowed from the reader and stays valid
 * until the next tp_capture_next() on the same capture; copy what you keep.
 */
#ifndef TP_RECORD_H
#define TP_RECORD_H

#include <stdbool.h>
#include <stdint.h>

/* pcapng epb_flags (draft-ietf-opsawg-pcapng, section 4.3.1). */
#define TP_FLAG_DIR_MASK	0x00000003u	/* 0 unknown, 1 inbound, 2 outbound */
#define TP_FLAG_RECEPTION_MASK	0x0000001cu	/* >> 2: unicast, multicast, ... */
#define TP_FLAG_FCSLEN_MASK	0x000001e0u	/* >> 5: FCS length in bytes */
#define TP_FLAG_LL_ERRORS_MASK	0xffff0000u	/* link-layer error bits */
#define TP_FLAG_ERR_CRC		0x01000000u	/* bit 24: CRC error */

struct tp_record {
	const uint8_t *data;	/* caplen bytes */
	int64_t ts_ns;		/* nanoseconds since 1970-01-01T00:00:00Z */
	bool no_timestamp;	/* the file gave none (pcapng SPB): ts_ns is the
				 * previous record's, to keep its place in time */
	uint32_t caplen;	/* bytes captured */
	uint32_t origlen;	/* bytes on the wire */
	uint32_t interface;	/* 0-based, counted across all sections of the file */
	uint16_t linktype;	/* LINKTYPE_* value */
	int8_t fcs_len;		/* FCS bytes at the end of data; -1 unknown */
	bool has_flags;		/* epb_flags present */
	uint32_t flags;		/* epb_flags, 0 when absent */
	bool has_drop_count;	/* epb_dropcount present */
	uint64_t drop_count;	/* epb_dropcount */
	const uint8_t *comment;	/* first opt_comment, not NUL-terminated; NULL if none */
	uint32_t comment_len;
	uint32_t comments;	/* how many opt_comment options the record had */
	uint64_t offset;	/* byte offset of the record in the decompressed file */
	uint64_t frame;		/* 1-based, as Wireshark numbers frames */
	uint32_t frames_before;	/* blocks Wireshark numbers as frames though they
				 * hold no packet (pcapng custom and systemd
				 * journal blocks) since the previous record */
};

#endif
