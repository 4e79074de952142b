/*
 * opcua.c - PLACEHOLDER: being written; consumes its bytes unread.
 */
#include "formats/ics/ics.h"

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	(void)x;
	return c.left;
}

const struct ics_dissector ics_opcua = {
	.name = "opcua",
	.proto = ICS_OPCUA,
	.tcp_ports = { 4840 },
	.udp_ports = { 0 },
	.ethertype = 0,
	.snap_oui = 0,
	.snap_pid = 0,
	.dissect = dissect,
};
