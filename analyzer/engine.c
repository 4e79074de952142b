/*
 * engine.c - reads every view and writes the reports; see engine.h.
 */
#include "analyzer/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer/assets.h"
#include "analyzer/capture_stats.h"
#include "analyzer/compare.h"
#include "analyzer/compare_run.h"
#include "analyzer/filter.h"
#include "analyzer/flow.h"
#include "analyzer/ics_flow.h"
#include "analyzer/inventory.h"
#include "analyzer/merge.h"
#include "analyzer/oui.h"
#include "analyzer/progress.h"
#include "analyzer/quality.h"
#include "analyzer/timeline.h"
#include "formats/packet.h"
#include "reports/assets_csv.h"
#include "reports/captures_csv.h"
#include "reports/flows_csv.h"
#include "reports/html_report.h"
#include "reports/ics_csv.h"
#include "reports/manifest.h"
#include "reports/quality_csv.h"

/* A view of more captures than this is read without a worker thread per
 * capture and with smaller blocks, to keep memory bounded. */
#define THREADED_MAX 8

/* What lives for the whole run. */
struct run {
	const struct tp_config *cfg;
	struct filter *filter;		/* -f, or NULL */
	struct flows_csv *flows_out;	/* NULL with --ingest-only */
	struct ics_csv *ics_out;	/* ditto */
	struct csv_out *quality_out;	/* ditto */
	struct csv_out *events_out;	/* ditto */
	struct assets *assets;		/* ditto */
	struct oui_table *oui;
	struct inventory inventory;	/* empty without --inventory */
	struct comparison *comparison;	/* NULL: fewer than two views, or none made */
	struct report report;		/* what report.html shows */
	char **outputs;			/* files written, for the manifest */
	size_t noutputs;
	struct progress progress;
	uint64_t done_bytes;		/* stored bytes of the views already read */
};

/* What lives while one view is read. */
struct view_run {
	struct run *run;
	const char *view;
	size_t view_index;
	const struct tp_packet *pkt;	/* being dissected */
	uint32_t input;			/* ... its capture */
	uint64_t frame;			/* ... and frame */
	const char **paths;		/* of its captures, by input index */
	struct capture_stats *rows;	/* this view's rows */
	struct quality *quality;	/* NULL with --flows-only */
};

static void on_capture_done(void *ctx, size_t input, struct tp_capture *c)
{
	struct view_run *vr = ctx;

	capture_stats_snapshot(&vr->rows[input], c);
}

static void on_flow(void *ctx, struct flow *f)
{
	struct view_run *vr = ctx;

	flows_csv_row(vr->run->flows_out, vr->view, vr->paths[f->first_capture], f);
	report_flow_seen(&vr->run->report, vr->view_index, f);
	ics_flow_finish(f);
	ics_csv_rows(vr->run->ics_out, vr->view, vr->paths[f->first_capture], f);
	if (vr->quality)
		quality_flow(vr->quality, f);
	ics_flow_free(f);
}

static void on_event(void *ctx, const struct event *e)
{
	struct view_run *vr = ctx;

	if (vr->run->events_out)
		events_csv_row(vr->run->events_out, vr->view, vr->paths[e->capture], e);
}

static void on_ics_message(void *ctx, const struct ics_msg *m)
{
	struct view_run *vr = ctx;

	assets_message(vr->run->assets, vr->pkt, m);
	if (vr->quality)
		quality_message(vr->quality, vr->input, vr->frame, vr->pkt, m);
}

static void on_ics_identity(void *ctx, const struct ics_ident *id)
{
	struct view_run *vr = ctx;

	assets_identity(vr->run->assets, vr->pkt, id);
}

/* A decoded packet: its flow, its sender's visibility, its ICS messages.
 * Frames with a bad FCS count in their flow but say nothing of devices. */
static void analyse(struct view_run *vr, struct flow_table *flows, const struct tp_packet *pkt,
		    size_t input, uint64_t frame, const struct ics_sink *sink)
{
	struct flow *f;

	if (vr->quality && quality_packet(vr->quality, (uint32_t)input, frame, pkt) &&
	    !vr->run->cfg->keep_duplicates)
		return;	/* a duplicate: counted in quality.csv only */
	f = flow_table_add(flows, pkt, (uint32_t)input, frame);
	if (f && f->new_gap_bytes && vr->quality)
		quality_tcp_gap(vr->quality, (uint32_t)input, frame, pkt->ts_ns, f->new_gap_bytes);
	if (!vr->run->assets || (pkt->flags & TP_PKT_FCS_BAD))
		return;
	assets_packet(vr->run->assets, vr->view_index, pkt, f ? f->hint : NULL, f ? f->last_side : 0);
	if (f) {
		vr->pkt = pkt;
		vr->input = (uint32_t)input;
		vr->frame = frame;
		ics_flow_packet(f, pkt, frame, sink);
	}
}

static struct flow_table *view_flows(struct view_run *vr)
{
	const struct tp_config *cfg = vr->run->cfg;
	struct flow_opts fo = {
		.tcp_timeout_ns = cfg->tcp_timeout_ns,
		.udp_timeout_ns = cfg->udp_timeout_ns,
		.other_timeout_ns = cfg->other_timeout_ns,
	};

	return vr->run->flows_out ? flow_table_new(&fo, on_flow, vr) : NULL;
}

static uint64_t total_size(const struct tp_config *cfg)
{
	uint64_t total = 0;

	for (size_t i = 0; i < cfg->ninputs; i++) {
		struct stat st;

		if (strcmp(cfg->inputs[i].path, "-") == 0)
			return 0;	/* unknown: progress shows bytes and rate only */
		if (stat(cfg->inputs[i].path, &st) == 0 && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	return total;
}

static void report_input(const struct tp_config *cfg, const struct merge_input *in)
{
	if (in->open_status != TP_OPEN_OK) {
		/* A folder holds all sorts of files: a quiet note for those. */
		if (in->from_directory && in->open_status == TP_OPEN_NOT_CAPTURE) {
			if (!cfg->quiet)
				fprintf(stderr, "tapsight: note: skipped %s\n", in->open_error);
		} else {
			fprintf(stderr, "tapsight: %s\n", in->open_error);
		}
	} else if (in->error[0]) {
		fprintf(stderr, "tapsight: %s: %s\n", in->path, in->error);
	}
}

/* Reads one view; returns its rows' count (rows of skipped folder files
 * are dropped). */
static size_t run_view(struct run *run, size_t view, struct capture_stats *rows)
{
	const struct tp_config *cfg = run->cfg;
	size_t n = 0, kept = 0, input;
	const char **paths;
	bool *from_dir;
	struct tp_stream_opts opts = { 0 };
	struct view_run vr = { .run = run, .view = cfg->views[view], .view_index = view, .rows = rows };
	struct ics_sink sink = { on_ics_message, on_ics_identity, &vr };
	struct merge *m = NULL;
	struct flow_table *flows = NULL;
	struct tp_record rec;
	struct tp_packet pkt;
	uint64_t count = 0;

	n = cli_view_inputs(cfg, view, &paths, &from_dir);
	vr.paths = paths;
	for (size_t i = 0; i < n; i++) {
		memset(&rows[i], 0, sizeof rows[i]);
		rows[i].view = cfg->views[view];
		rows[i].path = paths[i];
	}
	opts.threaded = n <= THREADED_MAX;
	opts.block_size = n <= THREADED_MAX ? 0 : 256 * 1024;
	opts.no_hash = cfg->no_hash;
	if (paths && from_dir)
		m = merge_new(paths, from_dir, n, &opts, on_capture_done, &vr);
	if (m && run->quality_out &&
	    !(vr.quality = quality_new(on_event, &vr, cfg->dup_window_ns))) {
		merge_free(m);
		m = NULL;
	}
	if (m && run->flows_out && !(flows = view_flows(&vr))) {
		merge_free(m);
		m = NULL;
	}
	if (!m) {
		fprintf(stderr, "tapsight: out of memory\n");
		free(paths);
		free(from_dir);
		return 0;
	}
	while (merge_next(m, &rec, &input)) {
		capture_stats_observe(&rows[input], &rec);
		if (!rec.no_timestamp)
			timeline_add(&run->report.views[view].timeline, rec.ts_ns);
		if ((++count & 0xfff) == 0)
			progress_update(&run->progress, run->done_bytes + merge_stored_read(m));
		if (!flows || (run->filter && !filter_match(run->filter, &rec, cfg->quiet)))
			continue;
		if (vr.quality)
			quality_record(vr.quality, (uint32_t)input, &rec);
		tp_decode(&pkt, &rec);
		analyse(&vr, flows, &pkt, input, rec.frame, &sink);
	}
	if (flows) {
		flow_table_flush(flows);
		flow_table_free(flows);
	}
	run->done_bytes += merge_stored_read(m);
	progress_end(&run->progress);
	for (size_t i = 0; i < n; i++) {
		const struct merge_input *in = merge_input(m, i);

		report_input(cfg, in);
		capture_stats_finish(&rows[i], in);
		if (vr.quality && rows[i].has_isb_drops)
			quality_isb_drops(vr.quality, rows[i].isb_drops);
		if (in->from_directory && in->open_status == TP_OPEN_NOT_CAPTURE)
			continue;
		if (kept != i)
			rows[kept] = rows[i];
		kept++;
	}
	if (vr.quality) {
		const struct view_quality *q = quality_finish(vr.quality, vr.view);

		quality_csv_row(run->quality_out, vr.view, q);
		run->report.views[view].quality = *q;
		run->report.views[view].has_quality = true;
		quality_free(vr.quality);
	}
	merge_free(m);
	free(paths);
	free(from_dir);
	return kept;
}

static bool make_dir(const char *dir)
{
	char path[4096];
	size_t len = strlen(dir);
	struct stat st;

	if (len >= sizeof path)
		return false;
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return false;
		path[i] = i == len ? '\0' : '/';
	}
	if (stat(dir, &st) != 0)
		return false;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return false;
	}
	return true;
}

static void inventory_warning(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "tapsight: warning: %s\n", msg);
}

/* The reports of the analysis proper (all but captures.csv). */
static bool open_analysis(struct run *run, char *err, size_t errlen)
{
	const struct tp_config *cfg = run->cfg;

	if (cfg->flows_only)
		return (run->flows_out = flows_csv_open(cfg->out_dir, cfg->bom, err, errlen)) != NULL;
	if (!(run->quality_out = quality_csv_open(cfg->out_dir, cfg->bom, err, errlen)) ||
	    !(run->events_out = events_csv_open(cfg->out_dir, cfg->bom, err, errlen)))
		return false;
	if (cfg->inventory && !inventory_read(cfg->inventory, &run->inventory, inventory_warning, NULL,
					      err, errlen))
		return false;
	if (!(run->oui = oui_load(cfg->oui_dir)) || !(run->assets = assets_new(cfg->nviews, run->oui))) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (cfg->oui_dir && !oui_registry_size(run->oui) && !cfg->quiet)
		fprintf(stderr, "tapsight: note: no IEEE registry in %s: MAC vendors from the built-in "
			"table only\n", cfg->oui_dir);	/* asked for: read now, to say so */
	return (run->flows_out = flows_csv_open(cfg->out_dir, cfg->bom, err, errlen)) &&
	       (run->ics_out = ics_csv_open(cfg->out_dir, cfg->bom, err, errlen));
}

/* Writes assets.csv and completes the others; frees what open_analysis
 * made.  False with a message in err when a report could not be written. */
/* Notes a file this run wrote (name in the output folder, or a path). */
static void output_done(struct run *run, const char *name, bool in_dir)
{
	size_t len = strlen(run->cfg->out_dir) + strlen(name) + 2;
	char **more = realloc(run->outputs, (run->noutputs + 1) * sizeof *more);
	char *path = malloc(len);

	if (more)
		run->outputs = more;
	if (!more || !path) {
		free(path);
		fprintf(stderr, "tapsight: out of memory: manifest.csv will miss %s\n", name);
		return;
	}
	snprintf(path, len, "%s%s%s", in_dir ? run->cfg->out_dir : "", in_dir ? "/" : "", name);
	run->outputs[run->noutputs++] = path;
}

static bool close_analysis(struct run *run, char *err, size_t errlen)
{
	const struct tp_config *cfg = run->cfg;
	bool ok = err != NULL;
	char more[512];

	if (ok && run->assets) {
		if (!assets_finish(run->assets, cfg->inventory ? &run->inventory : NULL))
			fprintf(stderr, "tapsight: out of memory: assets.csv is incomplete\n");
		ok = assets_csv_write(cfg->out_dir, cfg->bom, run->assets, cfg->views, cfg->nviews,
				      cfg->inventory != NULL, err, errlen);
	}
	if (run->comparison && !comparison_write(run->comparison, run->assets, ok ? err : more,
						 ok ? errlen : sizeof more))
		ok = false;
	if (err) {
		run->report.assets = run->assets;
		run->report.comparison = run->comparison;
		run->report.finished_ns = manifest_now_ns();
		if (!html_report_write(cfg->out_dir, &run->report, ok ? err : more, ok ? errlen : sizeof more))
			ok = false;
		else
			output_done(run, "report.html", true);
	}
	if (run->comparison) {
		const char *pcaps[2 * COMPARE_MAX_VIEWS];
		size_t n = comparison_files(run->comparison, pcaps, sizeof pcaps / sizeof *pcaps);

		output_done(run, "comparison.csv", true);
		output_done(run, "missed.csv", true);
		for (size_t i = 0; i < n; i++)
			output_done(run, pcaps[i], false);
	}
	comparison_free(run->comparison);
	run->comparison = NULL;
	if (run->flows_out && !flows_csv_close(run->flows_out, ok ? err : more, ok ? errlen : sizeof more))
		ok = false;
	if (run->ics_out && !ics_csv_close(run->ics_out, ok ? err : more, ok ? errlen : sizeof more))
		ok = false;
	if (run->quality_out && !csv_close(run->quality_out, ok ? err : more, ok ? errlen : sizeof more))
		ok = false;
	if (run->events_out && !csv_close(run->events_out, ok ? err : more, ok ? errlen : sizeof more))
		ok = false;
	assets_free(run->assets);
	oui_free(run->oui);
	inventory_free(&run->inventory);
	run->flows_out = NULL;
	run->ics_out = NULL;
	run->quality_out = NULL;
	run->events_out = NULL;
	run->assets = NULL;
	run->oui = NULL;
	return ok;
}

int engine_run(const struct tp_config *cfg)
{
	struct capture_stats *rows = calloc(cfg->ninputs ? cfg->ninputs : 1, sizeof *rows);
	struct run run = { .cfg = cfg };
	size_t nrows = 0, readable = 0;
	char err[512];
	int status = 0;

	run.report.cfg = cfg;
	run.report.started_ns = manifest_now_ns();
	run.report.views = calloc(cfg->nviews ? cfg->nviews : 1, sizeof *run.report.views);
	if (!rows || !run.report.views) {
		fprintf(stderr, "tapsight: out of memory\n");
		free(rows);
		free(run.report.views);
		return 1;
	}
	if (cfg->filter && !(run.filter = filter_new(cfg->filter, err, sizeof err))) {
		fprintf(stderr, "tapsight: bad filter expression: %s\n", err);
		free(rows);
		free(run.report.views);
		return 2;
	}
	if (!make_dir(cfg->out_dir)) {
		fprintf(stderr, "tapsight: %s: cannot create the output folder: %s\n", cfg->out_dir,
			strerror(errno));
		filter_free(run.filter);
		free(rows);
		free(run.report.views);
		return 1;
	}
	if (!cfg->ingest_only && !open_analysis(&run, err, sizeof err)) {
		fprintf(stderr, "tapsight: %s\n", err);
		close_analysis(&run, NULL, 0);
		filter_free(run.filter);
		free(rows);
		free(run.report.views);
		return 1;
	}
	progress_start(&run.progress, total_size(cfg), !cfg->quiet);
	for (size_t v = 0; v < cfg->nviews; v++)
		nrows += run_view(&run, v, rows + nrows);
	progress_end(&run.progress);
	if (!cfg->ingest_only) {
		bool failed;

		progress_start(&run.progress, total_size(cfg), !cfg->quiet);
		run.comparison = comparison_run(cfg, run.filter, &run.progress, &failed);
		status = failed ? 1 : status;
	}
	for (size_t i = 0; i < nrows; i++)
		readable += rows[i].readable;
	if (!captures_csv_write(cfg->out_dir, cfg->bom, rows, nrows, err, sizeof err)) {
		fprintf(stderr, "tapsight: %s\n", err);
		status = 1;
	} else {
		output_done(&run, "captures.csv", true);
	}
	if (!cfg->ingest_only) {
		static const char *const full[] = { "flows.csv", "ics.csv", "assets.csv", "quality.csv", "events.csv" };

		for (size_t i = 0; i < (cfg->flows_only ? 1 : sizeof full / sizeof *full); i++)
			output_done(&run, full[i], true);	/* the manifest skips any not written */
	}
	run.report.captures = rows;
	run.report.ncaptures = nrows;
	if (!close_analysis(&run, err, sizeof err)) {
		fprintf(stderr, "tapsight: %s\n", err);
		status = 1;
	}
	if (!manifest_write(cfg, run.report.started_ns, manifest_now_ns(), rows, nrows,
			    (const char *const *)run.outputs, run.noutputs, err, sizeof err)) {
		fprintf(stderr, "tapsight: %s\n", err);
		status = 1;
	}
	for (size_t i = 0; i < run.noutputs; i++)
		free(run.outputs[i]);
	free(run.outputs);
	if (readable == 0) {
		fprintf(stderr, "tapsight: nothing could be read from the %zu input%s\n",
			cfg->ninputs, cfg->ninputs == 1 ? "" : "s");
		status = 1;
	}
	if (!cfg->quiet && status == 0)
		fprintf(stderr, "tapsight: %zu capture%s read; reports in %s/\n", readable,
			readable == 1 ? "" : "s", cfg->out_dir);
	filter_free(run.filter);
	free(rows);
	free(run.report.views);
	return status;
}
