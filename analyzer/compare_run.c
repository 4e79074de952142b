/*
 * compare_run.c - the comparison pass; see compare_run.h.
 */
#include "analyzer/compare_run.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/compare.h"
#include "analyzer/merge.h"
#include "formats/packet.h"
#include "reports/comparison_csv.h"

/* One pcap being written: a temporary name, renamed when complete. */
struct dump {
	char path[4096], tmp[4160];
	pcap_t *dead;
	pcap_dumper_t *d;
	int linktype;
	uint64_t written, skipped;	/* skipped: another link type than the file's */
	bool failed;
};

/* A view being read. */
struct source {
	const char **paths;
	bool *from_dir;
	size_t n;
	struct merge *m;
	struct tp_record rec;
	size_t input;
	bool live;			/* rec holds its next record */
};

struct comparison {
	const struct tp_config *cfg;
	size_t reference;		/* view index or COMPARE_UNION */
	struct compare *c;
	struct source *src;		/* one per view */
	struct csv_out *missed;
	struct dump *dumps;		/* [view][0 missed, 1 extra] */
	struct compare_burst *kept;	/* the first bursts, for the report */
	size_t nkept;
	bool failed;
};

const char *comparison_reference(const struct comparison *cmp)
{
	return cmp->reference == COMPARE_UNION ? "union" : cmp->cfg->views[cmp->reference];
}

/* --reference, else a view labelled tap, else the union. */
static size_t pick_reference(const struct tp_config *cfg)
{
	for (size_t v = 0; v < cfg->nviews; v++)
		if (strcmp(cfg->views[v], cfg->reference ? cfg->reference : "tap") == 0)
			return v;
	return COMPARE_UNION;
}

/* FILE, or with several compared views FILE with -LABEL before its
 * extension (missed.pcap -> missed-span.pcap). */
static void dump_path(char *out, size_t n, const char *file, const char *label, bool several)
{
	const char *dot = strrchr(file, '.'), *slash = strrchr(file, '/');

	if (!several)
		snprintf(out, n, "%s", file);
	else if (dot && (!slash || dot > slash) && dot != file && dot[-1] != '/')
		snprintf(out, n, "%.*s-%s%s", (int)(dot - file), file, label, dot);
	else
		snprintf(out, n, "%s-%s", file, label);
}

static void dump_frame(struct dump *d, const struct tp_record *rec)
{
	struct pcap_pkthdr h;
	uint32_t fcs;

	if (d->failed)
		return;
	if (!d->d) {
		const char *slash = strrchr(d->path, '/');
		int dir = slash ? (int)(slash - d->path + 1) : 0;

		/* Hidden beside it, as csv.c's temporary files. */
		snprintf(d->tmp, sizeof d->tmp, "%.*s.%s.tmp-%ld", dir, d->path, d->path + dir, (long)getpid());
		d->linktype = rec->linktype;
		d->dead = pcap_open_dead_with_tstamp_precision(rec->linktype, 262144, PCAP_TSTAMP_PRECISION_NANO);
		if (!d->dead || !(d->d = pcap_dump_open(d->dead, d->tmp))) {
			fprintf(stderr, "tapsight: %s: cannot write: %s\n", d->path,
				d->dead ? pcap_geterr(d->dead) : "out of memory");
			d->failed = true;
			return;
		}
	}
	if (rec->linktype != d->linktype || !rec->data) {
		d->skipped++;
		return;
	}
	h.ts.tv_sec = rec->ts_ns / 1000000000;
	h.ts.tv_usec = rec->ts_ns % 1000000000;	/* nanoseconds: the file says so */
	if (h.ts.tv_usec < 0) {
		h.ts.tv_sec--;
		h.ts.tv_usec += 1000000000;
	}
	/* A pcap of link type 1 says nothing of an FCS: leave it out. */
	fcs = rec->fcs_len > 0 && (uint32_t)rec->fcs_len <= rec->caplen ? (uint32_t)rec->fcs_len : 0;
	h.caplen = rec->caplen - fcs;
	h.len = rec->origlen >= fcs ? rec->origlen - fcs : h.caplen;
	pcap_dump((u_char *)d->d, &h, rec->data);
	d->written++;
}

/* Completes a pcap; false if it could not be written. */
static bool dump_close(struct dump *d, bool quiet)
{
	bool ok;

	if (d->path[0] && !d->d && !d->failed) {
		/* Nothing to write: an empty capture says so better than none. */
		struct tp_record none = { .linktype = 1 };

		dump_frame(d, &none);
		d->skipped = 0;
	}
	ok = !d->failed;

	if (d->d) {
		ok = pcap_dump_flush(d->d) == 0 && ok;
		pcap_dump_close(d->d);
		ok = ok && rename(d->tmp, d->path) == 0;
		if (!ok) {
			fprintf(stderr, "tapsight: %s: could not be written\n", d->path);
			unlink(d->tmp);
		}
		if (d->skipped && !quiet)
			fprintf(stderr, "tapsight: note: %s: %llu frames of other link types left out (a pcap "
				"holds one)\n", d->path, (unsigned long long)d->skipped);
	}
	if (d->dead)
		pcap_close(d->dead);
	return ok;
}

static void on_burst(void *ctx, const struct compare_burst *b)
{
	struct comparison *cmp = ctx;

	missed_csv_row(cmp->missed, cmp->cfg->views[b->view], comparison_reference(cmp),
		       cmp->src[b->source_view].paths[b->capture], b);
	if (cmp->nkept < COMPARISON_KEPT_BURSTS &&
	    (cmp->kept || (cmp->kept = malloc(COMPARISON_KEPT_BURSTS * sizeof *cmp->kept))))
		cmp->kept[cmp->nkept++] = *b;
}

size_t comparison_files(const struct comparison *cmp, const char **paths, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cmp->cfg->nviews * 2 && n < max; i++)
		if (cmp->dumps[i].path[0] && !cmp->dumps[i].failed)
			paths[n++] = cmp->dumps[i].path;
	return n;
}

size_t comparison_reference_view(const struct comparison *cmp)
{
	return cmp->reference;
}

const struct compare_result *comparison_result(const struct comparison *cmp, size_t view)
{
	return compare_result(cmp->c, view);
}

const struct quantile *comparison_distribution(const struct comparison *cmp, size_t view, bool iat)
{
	return compare_distribution(cmp->c, view, iat);
}

const struct compare_burst *comparison_bursts(const struct comparison *cmp, size_t *n)
{
	*n = cmp->nkept;
	return cmp->kept;
}

static void on_frame(void *ctx, size_t view, bool missed, const struct tp_record *rec)
{
	struct comparison *cmp = ctx;
	struct dump *d = &cmp->dumps[view * 2 + !missed];

	if (d->path[0])
		dump_frame(d, rec);
}

/* The next record of view v that passes the filter. */
static void advance(struct comparison *cmp, size_t v, struct filter *filter)
{
	struct source *s = &cmp->src[v];

	while ((s->live = merge_next(s->m, &s->rec, &s->input)))
		if (!filter || filter_match(filter, &s->rec, true))
			return;
}

static bool open_sources(struct comparison *cmp, bool threaded)
{
	struct tp_stream_opts opts = { .no_hash = true, .threaded = threaded, .block_size = threaded ? 0 : 256 * 1024 };

	for (size_t v = 0; v < cmp->cfg->nviews; v++) {
		struct source *s = &cmp->src[v];

		merge_free(s->m);
		if (!(s->m = merge_new(s->paths, s->from_dir, s->n, &opts, NULL, NULL)))
			return false;
	}
	return true;
}

/* First clock offsets from the first packets of each view. */
static void sample(struct comparison *cmp, struct filter *filter)
{
	struct tp_packet pkt;

	for (size_t v = 0; v < cmp->cfg->nviews; v++) {
		for (advance(cmp, v, filter); cmp->src[v].live; advance(cmp, v, filter)) {
			tp_decode(&pkt, &cmp->src[v].rec);
			if (!compare_sample(cmp->c, v, &cmp->src[v].rec, &pkt))
				break;
		}
	}
	compare_start(cmp->c);
}

static void pass(struct comparison *cmp, struct filter *filter, struct progress *progress)
{
	size_t nv = cmp->cfg->nviews;
	struct tp_packet pkt;
	uint64_t count = 0;

	for (size_t v = 0; v < nv; v++)
		advance(cmp, v, filter);
	for (;;) {
		size_t best = SIZE_MAX;
		int64_t best_ts = 0;

		for (size_t v = 0; v < nv; v++) {
			int64_t t;

			if (!cmp->src[v].live)
				continue;
			t = compare_corrected(cmp->c, v, cmp->src[v].rec.ts_ns);
			if (best == SIZE_MAX || t < best_ts) {
				best = v;
				best_ts = t;
			}
		}
		if (best == SIZE_MAX)
			break;
		tp_decode(&pkt, &cmp->src[best].rec);
		compare_packet(cmp->c, best, (uint32_t)cmp->src[best].input, &cmp->src[best].rec, &pkt);
		if ((++count & 0xfff) == 0) {
			uint64_t done = 0;

			for (size_t v = 0; v < nv; v++)
				done += merge_stored_read(cmp->src[v].m);
			progress_update(progress, done);
		}
		advance(cmp, best, filter);
	}
	progress_end(progress);
}

static bool setup(struct comparison *cmp, char *err, size_t errlen)
{
	const struct tp_config *cfg = cmp->cfg;
	struct compare_opts o = {
		.nviews = cfg->nviews,
		.reference = cmp->reference,
		.window_ns = cfg->match_window_ns,
		.on_burst = on_burst,
		.on_frame = (cfg->write_missed || cfg->write_extra) ? on_frame : NULL,
		.ctx = cmp,
	};
	size_t compared = cfg->nviews - (cmp->reference != COMPARE_UNION);

	if (!(cmp->src = calloc(cfg->nviews, sizeof *cmp->src)) ||
	    !(cmp->dumps = calloc(cfg->nviews * 2, sizeof *cmp->dumps)) || !(cmp->c = compare_new(&o))) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (size_t v = 0; v < cfg->nviews; v++) {
		struct source *s = &cmp->src[v];

		s->n = cli_view_inputs(cfg, v, &s->paths, &s->from_dir);
		if (!s->paths || !s->from_dir) {
			snprintf(err, errlen, "out of memory");
			return false;
		}
		if (v == cmp->reference)
			continue;
		if (cfg->write_missed)
			dump_path(cmp->dumps[v * 2].path, sizeof cmp->dumps[v * 2].path, cfg->write_missed,
				  cfg->views[v], compared > 1);
		if (cfg->write_extra && cmp->reference != COMPARE_UNION)
			dump_path(cmp->dumps[v * 2 + 1].path, sizeof cmp->dumps[v * 2 + 1].path, cfg->write_extra,
				  cfg->views[v], compared > 1);
	}
	return (cmp->missed = missed_csv_open(cfg->out_dir, cfg->bom, err, errlen)) != NULL;
}

struct comparison *comparison_run(const struct tp_config *cfg, struct filter *filter, struct progress *progress,
				  bool *failed)
{
	struct comparison *cmp;
	char err[512], more[512];
	bool ok;

	*failed = false;
	if (cfg->nviews < 2 || cfg->ingest_only || cfg->flows_only)
		return NULL;
	for (size_t i = 0; i < cfg->ninputs; i++) {
		if (strcmp(cfg->inputs[i].path, "-") == 0) {
			if (!cfg->quiet)
				fputs("tapsight: note: no comparison of the views: standard input cannot be read "
				      "twice\n", stderr);
			return NULL;
		}
	}
	if (cfg->nviews > COMPARE_MAX_VIEWS) {
		fprintf(stderr, "tapsight: no comparison of the views: more than %d of them\n", COMPARE_MAX_VIEWS);
		return NULL;
	}
	if (!(cmp = calloc(1, sizeof *cmp))) {
		fputs("tapsight: out of memory\n", stderr);
		*failed = true;
		return NULL;
	}
	cmp->cfg = cfg;
	cmp->reference = pick_reference(cfg);
	ok = setup(cmp, err, sizeof err);
	if (ok && !open_sources(cmp, false))
		ok = !snprintf(err, sizeof err, "out of memory");
	if (ok) {
		sample(cmp, filter);
		/* Threaded readers only when there are few: a thread and 4 MiB each. */
		ok = open_sources(cmp, cfg->ninputs <= 8) || !snprintf(err, sizeof err, "out of memory");
	}
	if (ok) {
		pass(cmp, filter, progress);
		if (!compare_finish(cmp->c))
			fputs("tapsight: out of memory during the comparison: its figures are incomplete\n", stderr);
	}
	if (cmp->missed && !csv_close(cmp->missed, ok ? err : more, ok ? sizeof err : sizeof more))
		ok = false;
	cmp->missed = NULL;
	for (size_t i = 0; cmp->dumps && i < cfg->nviews * 2; i++)
		if (!dump_close(&cmp->dumps[i], cfg->quiet))
			*failed = true;
	if (!ok) {
		fprintf(stderr, "tapsight: comparison: %s\n", err);
		*failed = true;
		comparison_free(cmp);
		return NULL;
	}
	return cmp;
}

bool comparison_write(struct comparison *cmp, const struct assets *assets, char *err, size_t errlen)
{
	const struct tp_config *cfg = cmp->cfg;
	struct csv_out *o;
	size_t na = assets ? assets_count(assets) : 0;

	for (size_t v = 0; v < cfg->nviews; v++) {
		struct compare_result *r = compare_result(cmp->c, v);

		for (size_t i = 0; i < na; i++) {
			const struct asset *a = assets_get(assets, i);
			bool in_ref = false, seen = a->views[v].frames > 0;

			for (size_t u = 0; u < cfg->nviews; u++)
				if (cmp->reference == COMPARE_UNION || u == cmp->reference)
					in_ref |= a->views[u].frames > 0;
			r->assets_ref += in_ref;
			r->assets_seen += seen;
			r->assets_missed += in_ref && !seen;
		}
	}
	compare_rank(cmp->c, (const char *const *)cfg->views);
	if (!(o = comparison_csv_open(cfg->out_dir, cfg->bom, err, errlen)))
		return false;
	if (cmp->reference == COMPARE_UNION) {
		/* The union's own row: every figure of the reference, none of a view. */
		struct compare_result u = { .ref_frames = compare_result(cmp->c, 0)->ref_frames };

		u.frames = u.matched = u.ref_frames;
		u.clock_known = true;	/* its own clock: offset 0 */
		u.flows_ref = u.flows_seen = compare_result(cmp->c, 0)->flows_ref;
		u.assets_ref = u.assets_seen = compare_result(cmp->c, 0)->assets_ref;
		snprintf(u.verdict, sizeof u.verdict, "union: every distinct packet any view holds");
		comparison_csv_row(o, "union", "union", &u);
	} else {
		comparison_csv_row(o, cfg->views[cmp->reference], comparison_reference(cmp),
				   compare_result(cmp->c, cmp->reference));
	}
	for (size_t v = 0; v < cfg->nviews; v++)
		if (v != cmp->reference)
			comparison_csv_row(o, cfg->views[v], comparison_reference(cmp), compare_result(cmp->c, v));
	return csv_close(o, err, errlen);
}

void comparison_free(struct comparison *cmp)
{
	if (!cmp)
		return;
	for (size_t v = 0; cmp->src && v < cmp->cfg->nviews; v++) {
		merge_free(cmp->src[v].m);
		free(cmp->src[v].paths);
		free(cmp->src[v].from_dir);
	}
	free(cmp->src);
	free(cmp->dumps);
	free(cmp->kept);
	compare_free(cmp->c);
	free(cmp);
}
