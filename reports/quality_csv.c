/*
 * quality_csv.c - quality.csv and events.csv; see quality_csv.h.
 */
#include "reports/quality_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/csv.h"

static const char *const quality_columns[] = {
	"view", "looks_like", "evidence", "frames", "isb_drops", "epb_drops", "tcp_acked_bytes",
	"tcp_gap_bytes", "tcp_retransmissions", "tunnel_expected", "tunnel_seq_gaps", "ics_seq_gaps", "ics_unanswered",
	"ics_unasked", "ics_damaged_values", "one_sided_flows", "loss_estimate", "loss_basis", "loss_bursts",
	"damaged_frames", "fcs_errors",
	"link_errors", "runts", "oversize", "truncated", "erspan_truncated", "checksum_errors",
	"ip_checksum_errors", "l4_checksum_errors", "malformed", "duplicates", "dup_identical",
	"dup_vlan", "dup_routed", "dup_tunnel", "ts_resolution_ns", "ts_backwards",
	"ts_largest_back_ns", "ts_identical_runs", "ts_silences", "ts_longest_silence_ns",
	"cyclic_streams", "cyclic_jitter_p99_ns", "verdict",
};

static const char *const event_columns[] = {
	"view", "capture", "frame", "ts", "kind", "count", "detail",
};

struct csv_out *quality_csv_open(const char *dir, bool bom, char *err, size_t errlen)
{
	return csv_open(dir, "quality.csv", quality_columns, sizeof quality_columns / sizeof *quality_columns,
			bom, err, errlen);
}

struct csv_out *events_csv_open(const char *dir, bool bom, char *err, size_t errlen)
{
	return csv_open(dir, "events.csv", event_columns, sizeof event_columns / sizeof *event_columns, bom,
			err, errlen);
}

/* "2024-05-14T06:00:30.1Z..2024-05-14T06:00:31.2Z: 5 events, 1460 lost; ..." */
static void bursts_cell(struct csv_out *out, const struct view_quality *q)
{
	char buf[MAX_BURSTS * 110], a[40], b[40];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < q->nbursts && n < sizeof buf; i++) {
		const struct loss_burst *x = &q->bursts[i];
		int k;

		tp_format_ts(a, sizeof a, x->start_ns);
		tp_format_ts(b, sizeof b, x->end_ns);
		k = snprintf(buf + n, sizeof buf - n, "%s%s..%s: %llu events, %llu lost", i ? "; " : "", a, b,
			     (unsigned long long)x->events, (unsigned long long)x->size);
		if (k < 0)
			break;
		n += (size_t)k;
	}
	csv_text(out, buf);
}

void quality_csv_row(struct csv_out *out, const char *view, const struct view_quality *q)
{	char num[32];

	csv_hostile(out, (const uint8_t *)view, strlen(view));
	csv_text(out, q->looks_like);
	csv_text(out, q->evidence);
	csv_u64(out, q->frames);
	if (q->has_isb_drops)
		csv_u64(out, q->isb_drops);
	else
		csv_empty(out);
	csv_u64(out, q->epb_drops);
	csv_u64(out, q->tcp_acked_bytes);
	csv_u64(out, q->tcp_gap_bytes);
	csv_u64(out, q->tcp_retransmissions);
	csv_u64(out, q->tunnel_expected);
	csv_u64(out, q->tunnel_seq_gaps);
	csv_u64(out, q->ics_seq_gaps);
	csv_u64(out, q->ics_unanswered);
	csv_u64(out, q->ics_unasked);
	csv_u64(out, q->ics_damaged_values);
	csv_u64(out, q->one_sided_flows);
	if (q->loss_estimate >= 0) {
		snprintf(num, sizeof num, "%.6f", q->loss_estimate);
		csv_raw(out, num);
	} else {
		csv_empty(out);
	}
	csv_text(out, q->loss_basis);
	bursts_cell(out, q);
	csv_u64(out, q->damaged_frames);
	csv_u64(out, q->fcs_errors);
	csv_u64(out, q->link_errors);
	csv_u64(out, q->runts);
	csv_u64(out, q->oversize);
	csv_u64(out, q->truncated);
	csv_u64(out, q->erspan_truncated);
	csv_u64(out, q->ip_checksum_errors + q->l4_checksum_errors);
	csv_u64(out, q->ip_checksum_errors);
	csv_u64(out, q->l4_checksum_errors);
	csv_u64(out, q->malformed);
	csv_u64(out, q->duplicates);
	csv_u64(out, q->dup_identical);
	csv_u64(out, q->dup_vlan);
	csv_u64(out, q->dup_routed);
	csv_u64(out, q->dup_tunnel);
	if (q->ts_resolution_ns)
		csv_i64(out, q->ts_resolution_ns);
	else
		csv_empty(out);
	csv_u64(out, q->ts_backwards);
	csv_i64(out, q->ts_largest_back_ns);
	csv_u64(out, q->ts_identical_runs);
	csv_u64(out, q->ts_silences);
	csv_i64(out, q->ts_longest_silence_ns);
	csv_u64(out, q->cyclic_streams);
	csv_i64(out, q->cyclic_jitter_p99_ns);
	csv_hostile(out, (const uint8_t *)q->verdict, strlen(q->verdict));
	csv_end_row(out);
}

void events_csv_row(struct csv_out *out, const char *view, const char *capture_path,
		    const struct event *e)
{
	csv_hostile(out, (const uint8_t *)view, strlen(view));
	csv_hostile(out, (const uint8_t *)capture_path, strlen(capture_path));
	csv_u64(out, e->frame);
	csv_ts(out, e->ts_ns);
	csv_text(out, event_kind_name((enum event_kind)e->kind));
	csv_u64(out, e->count);
	csv_hostile(out, (const uint8_t *)e->detail, strnlen(e->detail, sizeof e->detail));
	csv_end_row(out);
}
