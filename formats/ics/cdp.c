/*
 * cdp.c - PLACEHOLDER: being written; consumes its bytes unread.
 */
#include "formats/ics/ics.h"

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	(void)x;
	return c.left;
}

const struct ics_dissector ics_cdp = {
	.name = "cdp",
	.proto = ICS_CDP,
	.tcp_ports = { 0 },
	.udp_ports = { 0 },
	.ethertype = 0,
	.snap_oui = 0x00000c,
	.snap_pid = 0x2000,
	.dissect = dissect,
};
