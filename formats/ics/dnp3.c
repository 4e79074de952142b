/*
 * dnp3.c - PLACEHOLDER: being written; consumes its bytes unread.
 */
#include "formats/ics/ics.h"

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	(void)x;
	return c.left;
}

const struct ics_dissector ics_dnp3 = {
	.name = "dnp3",
	.proto = ICS_DNP3,
	.tcp_ports = { 20000 },
	.udp_ports = { 20000 },
	.ethertype = 0,
	.snap_oui = 0,
	.snap_pid = 0,
	.dissect = dissect,
};
