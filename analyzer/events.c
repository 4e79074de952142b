/*
 * events.c - names of the fidelity findings; see events.h.
 */
#include "analyzer/events.h"

const char *event_kind_name(enum event_kind k)
{
	static const char *const names[EV_KIND_COUNT] = {
		[EV_CAPTURE_DROPS] = "capture_drops",	[EV_TCP_GAP] = "tcp_gap",
		[EV_TUNNEL_SEQ_GAP] = "tunnel_seq_gap",	[EV_ICS_SEQ_GAP] = "ics_seq_gap",
		[EV_ICS_UNANSWERED] = "ics_unanswered",	[EV_ICS_UNASKED] = "ics_unasked",
		[EV_ONE_SIDED_FLOW] = "one_sided_flow",	[EV_FCS_ERROR] = "fcs_error",
		[EV_LINK_ERROR] = "link_error",		[EV_RUNT] = "runt",
		[EV_OVERSIZE] = "oversize",		[EV_SNAPLEN_CUT] = "snaplen_cut",
		[EV_ERSPAN_TRUNCATED] = "erspan_truncated", [EV_IP_CHECKSUM] = "ip_checksum",
		[EV_L4_CHECKSUM] = "l4_checksum",	[EV_MALFORMED] = "malformed",
		[EV_DUPLICATE] = "duplicate",		[EV_TS_BACKWARDS] = "ts_backwards",
		[EV_TS_SILENCE] = "ts_silence",		[EV_CYCLE_JITTER] = "cycle_jitter",
	};
	return (unsigned)k < EV_KIND_COUNT && names[k] ? names[k] : "";
}
