/*
 * html_report.h - report.html: one self-contained file an investigator
 * opens, prints and attaches to a case file.
 *
 * No external resource (styles, script and charts inline; a strict
 * Content-Security-Policy that allows only the page's own style and script,
 * by their SHA-256), readable without the script (it only sorts tables),
 * printable.  Sections: the evidence, the verdict per view, the mirror
 * comparison, capture quality, assets and their visibility, flows, the
 * run.  Every string that came from a capture or a file name is escaped.
 */
#ifndef TP_HTML_REPORT_H
#define TP_HTML_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/assets.h"
#include "analyzer/capture_stats.h"
#include "analyzer/cli.h"
#include "analyzer/compare_run.h"
#include "analyzer/flow.h"
#include "analyzer/quality.h"
#include "analyzer/timeline.h"

#define REPORT_TOP_FLOWS 25	/* conversations listed, by bytes */
#define REPORT_MAX_ASSETS 500	/* devices listed (rogue, unmonitored and ICS ones first) */

/* What the report keeps of one view while the run goes on. */
struct report_view {
	bool has_quality;
	struct view_quality quality;
	struct timeline timeline;	/* analysed records over time */
};

/* One of the largest flows (a copy: the flow table frees its own). */
struct report_flow {
	size_t view;
	struct flow flow;		/* app cleared */
	const char *app;		/* the protocol its dissector read, or NULL */
	uint64_t bytes;			/* both directions */
};

struct report {
	const struct tp_config *cfg;
	int64_t started_ns, finished_ns;	/* wall clock, UTC */
	const struct capture_stats *captures;
	size_t ncaptures;
	struct report_view *views;		/* cfg->nviews */
	struct report_flow top[REPORT_TOP_FLOWS];	/* by bytes, largest first */
	size_t ntop;
	uint64_t flows;				/* flows seen, all views */
	const struct assets *assets;		/* NULL with --flows-only / --ingest-only */
	const struct comparison *comparison;	/* NULL with fewer than two views */
};

/* Keeps f among the largest flows when it is one (view: its view). */
void report_flow_seen(struct report *r, size_t view, const struct flow *f);

/* Writes dir/report.html (through a temporary file); false and a message
 * in err on failure. */
bool html_report_write(const char *dir, const struct report *r, char *err, size_t errlen);

#endif
