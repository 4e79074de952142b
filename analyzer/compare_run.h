/*
 * compare_run.h - the comparison pass: every view read again, all together
 * in time order, through analyzer/compare.h; missed.csv and the pcaps of
 * --write-missed and --write-extra are written as it goes, comparison.csv
 * at the end, once the assets are known.
 *
 * The views are read twice: the first COMPARE_SAMPLE packets of each for
 * the first clock offsets, then everything.  Standard input cannot be read
 * again: a run reading it makes no comparison (and says so).
 */
#ifndef TP_COMPARE_RUN_H
#define TP_COMPARE_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/assets.h"
#include "analyzer/cli.h"
#include "analyzer/compare.h"
#include "analyzer/filter.h"
#include "analyzer/progress.h"

struct comparison;

/* Runs the pass when cfg has two views or more; NULL when there is nothing
 * to compare or it could not run (a message on stderr, *failed set when
 * that is an error: an output could not be written, out of memory). */
struct comparison *comparison_run(const struct tp_config *cfg, struct filter *filter, struct progress *progress,
				  bool *failed);

/* The reference's label ("union" for the union of all views). */
const char *comparison_reference(const struct comparison *cmp);

/* For the HTML report (valid until comparison_free): the reference's view
 * index, or COMPARE_UNION; a view's figures and distributions; the first
 * COMPARISON_KEPT_BURSTS missed bursts of all views, in the order found. */
#define COMPARISON_KEPT_BURSTS 2000
size_t comparison_reference_view(const struct comparison *cmp);
const struct compare_result *comparison_result(const struct comparison *cmp, size_t view);
const struct quantile *comparison_distribution(const struct comparison *cmp, size_t view, bool iat);
const struct compare_burst *comparison_bursts(const struct comparison *cmp, size_t *n);

/* The pcaps --write-missed and --write-extra wrote (up to max paths). */
size_t comparison_files(const struct comparison *cmp, const char **paths, size_t max);

/* Counts the assets each view saw (assets may be NULL), ranks the views and
 * writes comparison.csv; false with a message in err on failure. */
bool comparison_write(struct comparison *cmp, const struct assets *assets, char *err, size_t errlen);

void comparison_free(struct comparison *cmp);

#endif
