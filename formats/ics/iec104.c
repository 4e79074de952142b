/*
 * iec104.c - PLACEHOLDER: being written; consumes its bytes unread.
 */
#include "formats/ics/ics.h"

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	(void)x;
	return c.left;
}

const struct ics_dissector ics_iec104 = {
	.name = "iec104",
	.proto = ICS_IEC104,
	.tcp_ports = { 2404 },
	.udp_ports = { 0 },
	.ethertype = 0,
	.snap_oui = 0,
	.snap_pid = 0,
	.dissect = dissect,
};
