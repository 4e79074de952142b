/*
 * enip.c - PLACEHOLDER: being written; consumes its bytes unread.
 */
#include "formats/ics/ics.h"

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	(void)x;
	return c.left;
}

const struct ics_dissector ics_enip = {
	.name = "enip",
	.proto = ICS_ENIP,
	.tcp_ports = { 44818 },
	.udp_ports = { 44818, 2222 },
	.ethertype = 0,
	.snap_oui = 0,
	.snap_pid = 0,
	.dissect = dissect,
};
