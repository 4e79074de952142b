/*
 * ics_csv.h - ics.csv: one row per flow and ICS or IT protocol, written as
 * flows are emitted.
 *
 * Columns (stable; documented in README.md):
 * view,protocol,transport,orig_ip,orig_port,resp_ip,resp_port,orig_mac,
 * resp_mac,orig_role,resp_role,first_ts,last_ts,messages,requests,responses,
 * exceptions,reads,writes,program,firmware,stop_start,control,functions,
 * cyclic_messages,period_ns,jitter_mad_ns,jitter_p99_ns,jitter_max_ns,
 * first_capture,first_frame
 *
 * orig and resp are the flow's originator and responder as in flows.csv;
 * their roles come from the messages ("client", "server", "master",
 * "outstation", ...).  The action columns count messages the dissector
 * flagged so (writes of values or settings, program download/upload/delete,
 * firmware, run/stop/restart, output commands).  functions lists each
 * function seen: "name: N request(s), M response(s), E exception(s)", in
 * function code order, separated by "; ".  The cyclic stream is the
 * client's requests (polls) or the publications (GOOSE, CIP I/O, PROFINET
 * RT): its period is the median interval, its jitter the median absolute
 * deviation from it, the 99th percentile and the largest deviation (empty
 * with fewer than two intervals).
 */
#ifndef TP_ICS_CSV_H
#define TP_ICS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/flow.h"

struct ics_csv;

struct ics_csv *ics_csv_open(const char *dir, bool bom, char *err, size_t errlen);

/* The rows of f's protocols (none when no dissector read it). */
void ics_csv_rows(struct ics_csv *o, const char *view, const char *capture_path, const struct flow *f);

/* Completes the file; false and a message if anything failed.  Frees o. */
bool ics_csv_close(struct ics_csv *o, char *err, size_t errlen);

#endif
