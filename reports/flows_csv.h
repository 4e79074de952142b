/*
 * flows_csv.h - flows.csv: one row per flow, written as flows are emitted.
 *
 * Columns (stable; documented in README.md):
 * view,proto,orig_ip,orig_port,resp_ip,resp_port,orig_mac,resp_mac,vlans,
 * encap,first_ts,last_ts,duration_s,orig_frames,orig_bytes,resp_frames,
 * resp_bytes,tcp_history,gap_bytes,gaps,retransmissions,first_capture,
 * first_frame,orig_payload_bytes,resp_payload_bytes,out_of_order,
 * zero_windows,tcp_state,ethertype,ip_version,ws_lost_segments,
 * ws_ack_lost_segments
 *
 * proto is "tcp", "udp", "icmp", "icmpv6", another IP protocol's number, or
 * "l2" for flows keyed on MAC addresses and EtherType.  Ports are empty for
 * protocols without ports; MACs are empty when never seen; vlans are the
 * distinct ids joined by ";"; duration_s has 9 decimals.  Counts of both
 * directions are summed.  ws_lost_segments and ws_ack_lost_segments are what
 * Wireshark 4.0 would flag (tcp.analysis.lost_segment, ack_lost_segment),
 * for checking against tshark; gaps and gap_bytes are ours (analyzer/flow.c).
 */
#ifndef TP_FLOWS_CSV_H
#define TP_FLOWS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/flow.h"

struct flows_csv;

/* Creates dir/flows.csv (completed by flows_csv_close).  NULL and a message
 * in err on failure. */
struct flows_csv *flows_csv_open(const char *dir, bool bom, char *err, size_t errlen);

/* One row; view and capture_path are text from the command line or a file
 * name, written as hostile text. */
void flows_csv_row(struct flows_csv *o, const char *view, const char *capture_path,
		   const struct flow *f);

/* The six cells of a flow's two ends, as flows.csv has them:
 * orig_ip,orig_port,resp_ip,resp_port,orig_mac,resp_mac (ics.csv too). */
struct csv_out;
void flows_csv_ends(struct csv_out *o, const struct flow *f);

/* Completes the file and renames it into place; false and a message if
 * anything failed.  Frees o (NULL is harmless and false). */
bool flows_csv_close(struct flows_csv *o, char *err, size_t errlen);

#endif
