/*
 * ics_csv.c - ics.csv; see ics_csv.h.
 */
#include "reports/ics_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/ics_flow.h"
#include "reports/csv.h"
#include "reports/flows_csv.h"

static const char *const columns[] = {
	"view", "protocol", "transport", "orig_ip", "orig_port", "resp_ip", "resp_port",
	"orig_mac", "resp_mac", "orig_role", "resp_role", "first_ts", "last_ts", "messages",
	"requests", "responses", "exceptions", "reads", "writes", "program", "firmware",
	"stop_start", "control", "functions", "cyclic_messages", "period_ns", "jitter_mad_ns",
	"jitter_p99_ns", "jitter_max_ns", "first_capture", "first_frame",
};

struct ics_csv {
	struct csv_out *out;
	struct csv_cell functions;	/* the functions cell, put together */
};

struct ics_csv *ics_csv_open(const char *dir, bool bom, char *err, size_t errlen)
{
	struct ics_csv *o = calloc(1, sizeof *o);

	if (!o) {
		snprintf(err, errlen, "%s/ics.csv: out of memory", dir);
		return NULL;
	}
	o->out = csv_open(dir, "ics.csv", columns, sizeof columns / sizeof *columns, bom, err, errlen);
	if (!o->out) {
		free(o);
		return NULL;
	}
	return o;
}

static int by_function(const void *x, const void *y)
{
	const struct ics_count *a = x, *b = y;

	if (a->function != b->function)
		return a->function < b->function ? -1 : 1;
	return (int)a->kind - (int)b->kind;
}

static const char *const kind_words[ICS_KIND_COUNT][2] = {
	{ "other", "other" },		{ "request", "requests" },
	{ "response", "responses" },	{ "unsolicited", "unsolicited" },
	{ "publication", "publications" }, { "announcement", "announcements" },
};


/* "read_holding_registers: 120 requests, 119 responses, 1 exception; ..." */
static void functions(struct csv_cell *cell, const struct ics_flow *st, uint8_t proto)
{
	struct ics_count *c = malloc((st->ncounts ? st->ncounts : 1) * sizeof *c);
	size_t n = 0;

	if (!c)
		return;
	for (size_t i = 0; i < st->ncounts; i++)
		if (st->counts[i].proto == proto)
			c[n++] = st->counts[i];
	qsort(c, n, sizeof *c, by_function);
	for (size_t i = 0; i < n;) {
		uint64_t by_kind[ICS_KIND_COUNT] = { 0 }, exceptions = 0;
		const char *name = ics_function_name(proto, c[i].function);
		char item[160];
		size_t j = i;
		bool first = true;

		for (; j < n && c[j].function == c[i].function; j++) {
			by_kind[c[j].kind < ICS_KIND_COUNT ? c[j].kind : 0] += c[j].messages;
			exceptions += c[j].exceptions;
		}
		if (name)
			snprintf(item, sizeof item, "%s:", name);
		else
			snprintf(item, sizeof item, "function_%u:", c[i].function);
		csv_cell_sep(cell);
		csv_cell_str(cell, item);
		for (int k = 0; k < ICS_KIND_COUNT; k++) {
			if (!by_kind[k])
				continue;
			snprintf(item, sizeof item, "%s %llu %s", first ? "" : ",",
				 (unsigned long long)by_kind[k], kind_words[k][by_kind[k] != 1]);
			csv_cell_str(cell, item);
			first = false;
		}
		if (exceptions) {
			snprintf(item, sizeof item, ", %llu exception%s", (unsigned long long)exceptions,
				 exceptions == 1 ? "" : "s");
			csv_cell_str(cell, item);
		}
		i = j;
	}
	if (st->counts_full) {
		csv_cell_sep(cell);
		csv_cell_str(cell, "(more functions not counted)");
	}
	free(c);
}

static const char *transport(const struct flow *f)
{
	if (f->key.kind == FLOW_L2)
		return "l2";
	return f->key.proto == 6 ? "tcp" : f->key.proto == 17 ? "udp" : "ip";
}

void ics_csv_rows(struct ics_csv *o, const char *view, const char *capture_path, const struct flow *f)
{
	const struct ics_flow *st = ics_flow_of(f);

	if (!o || !st)
		return;
	for (size_t i = 0; i < st->nprotos; i++) {
		const struct ics_proto_stats *ps = &st->protos[i];
		bool orig_is_client = ps->client_side == f->orig;
		uint8_t orig_role = 0, resp_role = 0;

		if (ps->client_known) {
			orig_role = orig_is_client ? ps->client_role : ps->server_role;
			resp_role = orig_is_client ? ps->server_role : ps->client_role;
		}
		csv_hostile(o->out, (const uint8_t *)view, strlen(view));
		csv_text(o->out, ics_proto_name((enum ics_proto)ps->proto));
		csv_text(o->out, transport(f));
		flows_csv_ends(o->out, f);
		csv_text(o->out, ics_role_name((enum ics_role)orig_role));
		csv_text(o->out, ics_role_name((enum ics_role)resp_role));
		csv_ts(o->out, ps->first_ts);
		csv_ts(o->out, ps->last_ts);
		csv_u64(o->out, ps->messages);
		csv_u64(o->out, ps->requests);
		csv_u64(o->out, ps->responses);
		csv_u64(o->out, ps->exceptions);
		for (int a = 0; a < 6; a++)
			csv_u64(o->out, ps->actions[a]);
		functions(&o->functions, st, ps->proto);
		csv_cell_write(o->out, &o->functions);
		csv_u64(o->out, ps->period.messages);
		if (ps->period.intervals >= 2) {
			csv_i64(o->out, ps->period.median_ns);
			csv_i64(o->out, ps->period.mad_ns);
			csv_i64(o->out, ps->period.p99_ns);
			csv_i64(o->out, ps->period.max_ns);
		} else {
			for (int k = 0; k < 4; k++)
				csv_empty(o->out);
		}
		csv_hostile(o->out, (const uint8_t *)capture_path, strlen(capture_path));
		csv_u64(o->out, ps->first_frame);
		csv_end_row(o->out);
	}
}

bool ics_csv_close(struct ics_csv *o, char *err, size_t errlen)
{
	bool ok;

	if (!o)
		return false;
	ok = csv_close(o->out, err, errlen);
	csv_cell_free(&o->functions);
	free(o);
	return ok;
}
