/*
 * capture_stats.h - what one capture file was: one row of captures.csv.
 *
 * Gathered while its records pass (frames, earliest and latest timestamp,
 * backward steps in file order), from its reader just before it is closed
 * (format, link types, snaplens, timestamp resolutions, ISB drops), and from
 * the merge when it is done (bytes, SHA-256, status).
 */
#ifndef TP_CAPTURE_STATS_H
#define TP_CAPTURE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/merge.h"
#include "formats/capture.h"

struct capture_stats {
	const char *view, *path;	/* borrowed from the configuration */
	uint64_t frames;
	uint64_t timed;			/* frames with a timestamp of their own */
	int64_t first_ts, last_ts;	/* earliest and latest, as capinfos reports them */
	int64_t prev_ts;		/* of the previous record in file order */
	uint64_t ts_backwards;		/* records earlier than the one before them */

	bool opened;			/* it was a capture */
	bool readable;			/* it gave a record, or was read whole */
	const char *format, *compression;
	char link_types[256];		/* "EN10MB;LINUX_SLL", in order of first interface */
	char snaplen[128];		/* distinct snaplens, ";"-separated */
	char ts_resolution[128];	/* "us", "ns", "2^-20 s", ... */
	bool has_isb_drops;
	uint64_t isb_drops;		/* sum over interfaces of the last ISB's ifdrop + osdrop */

	uint64_t bytes;			/* stored bytes */
	bool hashed;
	uint8_t sha256[32];
	char status[400];		/* "ok", "truncated at byte ...", "corrupt at byte ...", ... */
};

static inline void capture_stats_observe(struct capture_stats *s, const struct tp_record *r)
{
	s->frames++;
	/* A record without a time of its own (pcapng SPB) tells nothing of the span. */
	if (r->no_timestamp)
		return;
	if (s->timed++ == 0) {
		s->first_ts = s->last_ts = r->ts_ns;
	} else {
		if (r->ts_ns < s->prev_ts)
			s->ts_backwards++;
		if (r->ts_ns < s->first_ts)
			s->first_ts = r->ts_ns;
		if (r->ts_ns > s->last_ts)
			s->last_ts = r->ts_ns;
	}
	s->prev_ts = r->ts_ns;
}

/* Takes the reader's description of the file (call before it is closed). */
void capture_stats_snapshot(struct capture_stats *s, struct tp_capture *c);

/* Takes bytes, digest and status once the merge is done with the input. */
void capture_stats_finish(struct capture_stats *s, const struct merge_input *in);

/* Short names: "EN10MB" for link type 1, "us" for if_tsresol 6, ... */
void capture_stats_linktype_name(char *buf, size_t len, uint16_t linktype);
void capture_stats_tsresol_name(char *buf, size_t len, uint8_t tsresol);

#endif
