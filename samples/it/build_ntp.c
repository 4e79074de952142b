/*
 * build_ntp.c - NTPv4 client/server exchanges (RFC 5905 7.3: 48-octet
 * header; timestamps are seconds since 1900 and a 32-bit fraction).
 */
#include "samples/sim.h"

#define NTP_UNIX_OFFSET 2208988800ull	/* 1900-01-01 to 1970-01-01, RFC 5905 6 */

static void ntp_ts(struct sim_buf *p, uint64_t ns)
{
	buf_be32(p, (uint32_t)(ns / SIM_NS_PER_S + NTP_UNIX_OFFSET));
	buf_be32(p, (uint32_t)(((ns % SIM_NS_PER_S) << 32) / SIM_NS_PER_S));
}

void ntp_scenario(struct sim_plant *pl, struct sim_device *client, struct sim_device *server,
		  uint64_t t0, uint64_t every_ns)
{
	unsigned sport = 123;

	arp_exchange(pl, t0, client, server);
	for (uint64_t t = t0 + SIM_NS_PER_MS; t < pl->duration_ns; t += every_ns) {
		struct sim_buf q = { 0 }, r = { 0 };
		uint64_t tx = pl->start_ns + t, rx = tx + 180000 + sim_rng_below(&pl->rng, 40000);

		buf_u8(&q, 0x23);	/* LI 0, VN 4, mode 3 (client) */
		buf_u8(&q, 0);
		buf_u8(&q, 6);
		buf_u8(&q, 0xec);	/* precision 2^-20 */
		buf_zeros(&q, 4 + 4 + 4 + 8 + 8 + 8);
		ntp_ts(&q, tx);
		net_udp(pl, t, client, server, client->ip, NULL, sport, 123, &q, "ntp");

		buf_u8(&r, 0x24);	/* LI 0, VN 4, mode 4 (server) */
		buf_u8(&r, 1);		/* stratum 1: GPS receiver */
		buf_u8(&r, 6);
		buf_u8(&r, 0xec);
		buf_be32(&r, 0);	/* root delay */
		buf_be32(&r, 0x00000010);	/* root dispersion */
		buf_str(&r, "GPS");
		buf_u8(&r, 0);
		ntp_ts(&r, rx - 16 * SIM_NS_PER_S);	/* reference time */
		ntp_ts(&r, tx);			/* origin: the client's transmit */
		ntp_ts(&r, rx);
		ntp_ts(&r, rx + 20000);
		net_udp(pl, rx - pl->start_ns + 20000, server, client, server->ip, NULL, 123, sport, &r, "ntp");
	}
}
