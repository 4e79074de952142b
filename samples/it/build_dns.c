/*
 * build_dns.c - one DNS A query and its answer (RFC 1035 4.1: header,
 * question, answer with a compression pointer to the question's name).
 */
#include <string.h>

#include "samples/sim.h"

static void qname(struct sim_buf *p, const char *name)
{
	while (*name) {
		size_t n = strcspn(name, ".");

		if (n > 63)
			n = 63;	/* RFC 1035 2.3.4: labels of 63 octets or less */
		buf_u8(p, (unsigned)n);
		buf_bytes(p, name, n);
		name += n;
		if (*name == '.')
			name++;
	}
	buf_u8(p, 0);
}

void dns_query(struct sim_plant *pl, uint64_t t, struct sim_device *client, struct sim_device *server,
	       const char *name, const uint8_t answer[4])
{
	struct sim_buf q = { 0 }, r = { 0 };
	unsigned id = (unsigned)sim_rng_below(&pl->rng, 65536);
	unsigned sport = 49152 + (unsigned)sim_rng_below(&pl->rng, 16384);

	buf_be16(&q, id);
	buf_be16(&q, 0x0100);	/* standard query, recursion desired */
	buf_be16(&q, 1);
	buf_be16(&q, 0);
	buf_be16(&q, 0);
	buf_be16(&q, 0);
	qname(&q, name);
	buf_be16(&q, 1);	/* A */
	buf_be16(&q, 1);	/* IN */
	net_udp(pl, t, client, server, client->ip, NULL, sport, 53, &q, "dns");

	buf_bytes(&r, q.b, q.len);
	r.b[2] = 0x81;		/* response, RD, RA, no error */
	r.b[3] = 0x80;
	r.b[7] = 1;		/* one answer */
	buf_be16(&r, 0xc00c);	/* pointer to the name at offset 12 */
	buf_be16(&r, 1);
	buf_be16(&r, 1);
	buf_be32(&r, 300);
	buf_be16(&r, 4);
	buf_bytes(&r, answer, 4);
	net_udp(pl, t + 400000 + sim_rng_below(&pl->rng, 200000), server, client, server->ip, NULL, 53, sport,
		&r, "dns");
}
