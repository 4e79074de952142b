/*
 * quality_csv.h - quality.csv, one row per view (analyzer/quality.h), and
 * events.csv, one row per finding, so every count can be traced to frames.
 *
 * quality.csv columns (stable; documented in README.md):
 * view,looks_like,evidence,frames,isb_drops,epb_drops,tcp_acked_bytes,
 * tcp_gap_bytes,tcp_retransmissions,tunnel_expected,tunnel_seq_gaps,ics_seq_gaps,ics_unanswered,
 * ics_unasked,ics_damaged_values,one_sided_flows,loss_estimate,loss_basis,loss_bursts,
 * damaged_frames,fcs_errors,link_errors,runts,oversize,truncated,erspan_truncated,
 * checksum_errors,ip_checksum_errors,l4_checksum_errors,malformed,
 * duplicates,dup_identical,dup_vlan,dup_routed,dup_tunnel,ts_resolution_ns,
 * ts_backwards,ts_largest_back_ns,ts_identical_runs,ts_silences,
 * ts_longest_silence_ns,cyclic_streams,cyclic_jitter_p99_ns,verdict
 *
 * events.csv columns: view,capture,frame,ts,kind,count,detail
 */
#ifndef TP_QUALITY_CSV_H
#define TP_QUALITY_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/events.h"
#include "analyzer/quality.h"
#include "reports/csv.h"

/* The two files, opened and completed with reports/csv.h's csv_open()
 * and csv_close(). */
struct csv_out *quality_csv_open(const char *dir, bool bom, char *err, size_t errlen);
void quality_csv_row(struct csv_out *o, const char *view, const struct view_quality *q);

struct csv_out *events_csv_open(const char *dir, bool bom, char *err, size_t errlen);
void events_csv_row(struct csv_out *o, const char *view, const char *capture_path,
		    const struct event *e);

#endif
