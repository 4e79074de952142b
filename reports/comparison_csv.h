/*
 * comparison_csv.h - comparison.csv, one row per view against the reference
 * (analyzer/compare.h), and missed.csv, one row per run of reference
 * packets a view missed, to open in Wireshark by frame range.
 *
 * comparison.csv columns (stable; documented in README.md):
 * view,reference,ref_frames,frames,matched,missed,missed_bursts,
 * missed_in_seen_flows,extra,duplicates,damaged_passed,damaged_dropped,
 * reordered,offset_ns,drift_ppm,delay_p50_ns,delay_p95_ns,delay_p99_ns,
 * delay_max_ns,iat_distortion_p50_ns,iat_distortion_p99_ns,
 * iat_distortion_max_ns,flows_ref,flows_seen,flows_missed,assets_ref,
 * assets_seen,assets_missed,rank,verdict
 *
 * missed.csv columns: view,reference,capture,first_frame,last_frame,
 * first_ts,last_ts,packets
 */
#ifndef TP_COMPARISON_CSV_H
#define TP_COMPARISON_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/compare.h"
#include "reports/csv.h"

/* Both files are opened and completed with reports/csv.h's csv_open() and
 * csv_close(); reference is a view label or "union". */
struct csv_out *comparison_csv_open(const char *dir, bool bom, char *err, size_t errlen);
void comparison_csv_row(struct csv_out *o, const char *view, const char *reference, const struct compare_result *r);

struct csv_out *missed_csv_open(const char *dir, bool bom, char *err, size_t errlen);
void missed_csv_row(struct csv_out *o, const char *view, const char *reference, const char *capture_path,
		    const struct compare_burst *b);

#endif
