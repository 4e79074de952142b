/*
 * comparison_csv.c - comparison.csv and missed.csv; see comparison_csv.h.
 */
#include "reports/comparison_csv.h"

#include <stdio.h>
#include <string.h>

static const char *const comparison_columns[] = {
	"view", "reference", "ref_frames", "frames", "matched", "missed", "missed_bursts", "missed_in_seen_flows",
	"extra", "duplicates", "damaged_passed", "damaged_dropped", "reordered", "offset_ns", "drift_ppm",
	"delay_p50_ns", "delay_p95_ns", "delay_p99_ns", "delay_max_ns", "iat_distortion_p50_ns",
	"iat_distortion_p99_ns", "iat_distortion_max_ns", "flows_ref", "flows_seen", "flows_missed", "assets_ref",
	"assets_seen", "assets_missed", "rank", "verdict",
};

static const char *const missed_columns[] = {
	"view", "reference", "capture", "first_frame", "last_frame", "first_ts", "last_ts", "packets",
};

struct csv_out *comparison_csv_open(const char *dir, bool bom, char *err, size_t errlen)
{
	return csv_open(dir, "comparison.csv", comparison_columns,
			sizeof comparison_columns / sizeof *comparison_columns, bom, err, errlen);
}

struct csv_out *missed_csv_open(const char *dir, bool bom, char *err, size_t errlen)
{
	return csv_open(dir, "missed.csv", missed_columns, sizeof missed_columns / sizeof *missed_columns, bom, err,
			errlen);
}

void comparison_csv_row(struct csv_out *o, const char *view, const char *reference, const struct compare_result *r)
{
	char num[32];

	csv_hostile(o, (const uint8_t *)view, strlen(view));
	csv_hostile(o, (const uint8_t *)reference, strlen(reference));
	csv_u64(o, r->ref_frames);
	csv_u64(o, r->frames);
	csv_u64(o, r->matched);
	csv_u64(o, r->missed);
	csv_u64(o, r->missed_bursts);
	csv_u64(o, r->missed_in_seen_flows);
	csv_u64(o, r->extra);
	csv_u64(o, r->duplicates);
	csv_u64(o, r->damaged_passed);
	csv_u64(o, r->damaged_dropped);
	csv_u64(o, r->reordered);
	if (r->clock_known) {
		csv_i64(o, r->offset_ns);
		snprintf(num, sizeof num, "%.3f", r->drift_ppm);
		csv_raw(o, strcmp(num, "-0.000") ? num : "0.000");	/* a tiny negative drift is none */
	} else {
		csv_empty(o);
		csv_empty(o);
	}
	csv_u64(o, r->delay_p50_ns);
	csv_u64(o, r->delay_p95_ns);
	csv_u64(o, r->delay_p99_ns);
	csv_u64(o, r->delay_max_ns);
	csv_u64(o, r->iat_p50_ns);
	csv_u64(o, r->iat_p99_ns);
	csv_u64(o, r->iat_max_ns);
	csv_u64(o, r->flows_ref);
	csv_u64(o, r->flows_seen);
	csv_u64(o, r->flows_missed);
	csv_u64(o, r->assets_ref);
	csv_u64(o, r->assets_seen);
	csv_u64(o, r->assets_missed);
	csv_u64(o, r->rank);
	csv_hostile(o, (const uint8_t *)r->verdict, strlen(r->verdict));	/* holds view labels */
	csv_end_row(o);
}

void missed_csv_row(struct csv_out *o, const char *view, const char *reference, const char *capture_path,
		    const struct compare_burst *b)
{
	csv_hostile(o, (const uint8_t *)view, strlen(view));
	csv_hostile(o, (const uint8_t *)reference, strlen(reference));
	csv_hostile(o, (const uint8_t *)capture_path, strlen(capture_path));
	csv_u64(o, b->first_frame);
	csv_u64(o, b->last_frame);
	csv_ts(o, b->first_ts);
	csv_ts(o, b->last_ts);
	csv_u64(o, b->packets);
	csv_end_row(o);
}
