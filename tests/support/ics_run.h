/*
 * ics_run.h - run ICS dissectors in tests and keep what they report.
 *
 * ics_run_file() reads a capture the way the analyser does (capture,
 * decode, flow table, analyzer/ics_flow.c: dissector choice by port or
 * content, TCP PDUs put together across segments) and logs every message
 * and identity with its frame number.  ics_run_bytes() hands bytes straight
 * to one dissector, for hand-built messages.
 */
#ifndef TP_TEST_ICS_RUN_H
#define TP_TEST_ICS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/ics/ics.h"

#define ICS_LOG_VALUE 512	/* value bytes kept per identity */

struct ics_logged_msg {
	uint64_t frame;		/* 1-based, 0 for ics_run_bytes() */
	struct ics_msg m;
};

struct ics_logged_ident {
	uint64_t frame;
	struct ics_ident id;	/* id.value is NULL: read value */
	char value[ICS_LOG_VALUE + 1];	/* NUL-terminated copy (first ICS_LOG_VALUE bytes) */
};

struct ics_log {
	size_t nmsgs, nidents;
	struct ics_logged_msg *msgs;
	struct ics_logged_ident *idents;
	uint64_t frame;		/* the frame being dissected */
};

/* A sink that appends to log. */
struct ics_sink ics_log_sink(struct ics_log *log);

/* Runs a whole capture; returns false when it cannot be opened. */
bool ics_run_file(const char *path, struct ics_log *log);

/* Dissects n bytes with d, as if carried by pkt (NULL: an empty packet);
 * returns what dissect() returned. */
uint32_t ics_run_bytes(const struct ics_dissector *d, const struct tp_packet *pkt, int to_server,
		       const void *p, size_t n, struct ics_log *log);

/* Messages of proto (and function, unless function < 0). */
size_t ics_log_count(const struct ics_log *log, enum ics_proto proto, long function);
/* The first identity of proto and field (NULL if none). */
const struct ics_logged_ident *ics_log_ident(const struct ics_log *log, enum ics_proto proto,
					     enum ics_field field);

void ics_log_free(struct ics_log *log);

#endif
