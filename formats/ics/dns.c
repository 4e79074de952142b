/*
 * dns.c - PLACEHOLDER: being written; consumes its bytes unread.
 */
#include "formats/ics/ics.h"

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	(void)x;
	return c.left;
}

const struct ics_dissector ics_dns = {
	.name = "dns",
	.proto = ICS_DNS,
	.tcp_ports = { 53 },
	.udp_ports = { 53, 5353 },
	.ethertype = 0,
	.snap_oui = 0,
	.snap_pid = 0,
	.dissect = dissect,
};
