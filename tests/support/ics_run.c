/*
 * ics_run.c - see ics_run.h.
 */
#include "tests/support/ics_run.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/flow.h"
#include "analyzer/ics_flow.h"
#include "formats/capture.h"

static void log_message(void *ctx, const struct ics_msg *m)
{
	struct ics_log *log = ctx;

	if ((log->nmsgs & (log->nmsgs - 1)) == 0) {	/* 0, 1, 2, 4...: double */
		log->msgs = realloc(log->msgs, (log->nmsgs ? 2 * log->nmsgs : 1) * sizeof *log->msgs);
		cr_assert(log->msgs != NULL);
	}
	log->msgs[log->nmsgs].frame = log->frame;
	log->msgs[log->nmsgs].m = *m;
	log->nmsgs++;
}

static void log_identity(void *ctx, const struct ics_ident *id)
{
	struct ics_log *log = ctx;
	struct ics_logged_ident *e;
	size_t n = id->len < ICS_LOG_VALUE ? id->len : ICS_LOG_VALUE;

	if ((log->nidents & (log->nidents - 1)) == 0) {
		log->idents = realloc(log->idents,
				      (log->nidents ? 2 * log->nidents : 1) * sizeof *log->idents);
		cr_assert(log->idents != NULL);
	}
	e = &log->idents[log->nidents++];
	e->frame = log->frame;
	e->id = *id;
	if (n)
		memcpy(e->value, id->value, n);
	e->value[n] = '\0';
	e->id.value = NULL;	/* read value: the log moves when it grows */
}

struct ics_sink ics_log_sink(struct ics_log *log)
{
	return (struct ics_sink){ log_message, log_identity, log };
}

static void on_flow(void *ctx, struct flow *f)
{
	(void)ctx;
	ics_flow_free(f);
}

bool ics_run_file(const char *path, struct ics_log *log)
{
	struct tp_stream_opts opts = { 0 };
	struct flow_opts fo = { .tcp_timeout_ns = 86400LL * 1000000000,
				.udp_timeout_ns = 86400LL * 1000000000,
				.other_timeout_ns = 86400LL * 1000000000 };
	struct ics_sink sink = ics_log_sink(log);
	struct tp_capture *c;
	struct flow_table *t;
	struct tp_record rec;
	struct tp_packet pkt;
	char err[512];

	opts.no_hash = true;
	if (tp_capture_open(&c, path, &opts, err, sizeof err) != TP_OPEN_OK) {
		cr_log_warn("%s", err);
		return false;
	}
	t = flow_table_new(&fo, on_flow, NULL);
	cr_assert(t);
	while (tp_capture_next(c, &rec) == TP_READ_OK) {
		struct flow *f;

		tp_decode(&pkt, &rec);
		log->frame = rec.frame;
		f = flow_table_add(t, &pkt, 0, rec.frame);
		if (f)
			ics_flow_packet(f, &pkt, rec.frame, &sink);
	}
	flow_table_flush(t);
	flow_table_free(t);
	tp_capture_close(c, NULL, NULL);
	return true;
}

uint32_t ics_run_bytes(const struct ics_dissector *d, const struct tp_packet *pkt, int to_server,
		       const void *p, size_t n, struct ics_log *log)
{
	static struct tp_packet empty;
	struct ics_sink sink = ics_log_sink(log);
	struct ics_ctx x = { pkt ? pkt : &empty, to_server, &sink };
	uint8_t *copy = malloc(n ? n : 1);	/* exactly n bytes: ASan sees any overread */
	uint32_t used;

	cr_assert(copy);
	if (n)
		memcpy(copy, p, n);
	log->frame = 0;
	used = d->dissect(&x, tp_cursor_make(copy, n));
	free(copy);
	/* Values were copied by log_identity; nothing points into copy. */
	return used;
}

size_t ics_log_count(const struct ics_log *log, enum ics_proto proto, long function)
{
	size_t n = 0;

	for (size_t i = 0; i < log->nmsgs; i++)
		n += log->msgs[i].m.proto == proto &&
		     (function < 0 || log->msgs[i].m.function == (uint16_t)function);
	return n;
}

const struct ics_logged_ident *ics_log_ident(const struct ics_log *log, enum ics_proto proto,
					     enum ics_field field)
{
	for (size_t i = 0; i < log->nidents; i++)
		if (log->idents[i].id.proto == proto && log->idents[i].id.field == field)
			return &log->idents[i];
	return NULL;
}

void ics_log_free(struct ics_log *log)
{
	free(log->msgs);
	free(log->idents);
	memset(log, 0, sizeof *log);
}
