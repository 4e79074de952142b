/*
 * goose.c - PLACEHOLDER: being written; consumes its bytes unread.
 */
#include "formats/ics/ics.h"

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	(void)x;
	return c.left;
}

const struct ics_dissector ics_goose = {
	.name = "goose",
	.proto = ICS_GOOSE,
	.tcp_ports = { 0 },
	.udp_ports = { 0 },
	.ethertype = 0x88b8,
	.snap_oui = 0,
	.snap_pid = 0,
	.dissect = dissect,
};
