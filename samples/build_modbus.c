/*
 * build_modbus.c - an HMI polling a PLC over Modbus/TCP.
 * Modbus Application Protocol Specification V1.1b3: 6.3 (FC 3 read holding
 * registers), 6.12 (FC 16 write multiple registers), 6.21 (FC 43 / MEI 14
 * read device identification), 7 (exception responses); Modbus Messaging on
 * TCP/IP Implementation Guide V1.0b 3.1.3 (MBAP header).
 *
 * Timeline: ARP, TCP handshake, one device identification request, then a
 * read of 10 holding registers every poll (100 ms unless --poll-ms), a
 * write of 2 registers every 10th poll, and every 70th poll a read of an
 * unmapped address that the PLC answers with exception 02 (illegal data
 * address).
 */
#include "samples/sim.h"

struct mb_session {
	struct sim_plant *pl;
	struct sim_tcp tcp;
	uint16_t tid;
	uint8_t unit;
	uint16_t regs[16];	/* the PLC's holding registers 0..15 */
};

static void mbap(struct sim_buf *p, unsigned tid, unsigned unit)
{
	buf_be16(p, tid);
	buf_be16(p, 0);		/* protocol identifier: Modbus */
	buf_be16(p, 0);		/* length, patched by mbap_done */
	buf_u8(p, unit);
}

static void mbap_done(struct sim_buf *p)
{
	buf_put_be16_at(p, 4, (unsigned)(p->len - 6));	/* unit id + PDU */
}

/* Request at t, response after the PLC's scan delay; returns the time of
 * the response. */
static uint64_t exchange(struct mb_session *s, uint64_t t, const struct sim_buf *req, const struct sim_buf *rsp)
{
	uint64_t tr = t + 2000000 + sim_rng_below(&s->pl->rng, 3000000);	/* 2-5 ms */

	tcp_send(s->pl, &s->tcp, 0, t, TCP_PSH | TCP_ACK, req, "modbus");
	tcp_send(s->pl, &s->tcp, 1, tr, TCP_PSH | TCP_ACK, rsp, "modbus");
	return tr;
}

static void read_holding(struct mb_session *s, uint64_t t, unsigned addr, unsigned qty, bool mapped)
{
	struct sim_buf q = { 0 }, r = { 0 };

	mbap(&q, s->tid, s->unit);
	buf_u8(&q, 3);
	buf_be16(&q, addr);
	buf_be16(&q, qty);
	mbap_done(&q);
	mbap(&r, s->tid, s->unit);
	if (mapped) {
		buf_u8(&r, 3);
		buf_u8(&r, qty * 2);
		for (unsigned i = 0; i < qty; i++)
			buf_be16(&r, s->regs[(addr + i) % 16]);
	} else {
		buf_u8(&r, 0x83);	/* 7: function code with the high bit set */
		buf_u8(&r, 0x02);	/* illegal data address */
	}
	mbap_done(&r);
	exchange(s, t, &q, &r);
	s->tid++;
}

static void write_multiple(struct mb_session *s, uint64_t t, unsigned addr, const uint16_t *v, unsigned qty)
{
	struct sim_buf q = { 0 }, r = { 0 };

	mbap(&q, s->tid, s->unit);
	buf_u8(&q, 16);
	buf_be16(&q, addr);
	buf_be16(&q, qty);
	buf_u8(&q, qty * 2);
	for (unsigned i = 0; i < qty; i++) {
		buf_be16(&q, v[i]);
		s->regs[(addr + i) % 16] = v[i];
	}
	mbap_done(&q);
	mbap(&r, s->tid, s->unit);
	buf_u8(&r, 16);
	buf_be16(&r, addr);
	buf_be16(&r, qty);
	mbap_done(&r);
	exchange(s, t, &q, &r);
	s->tid++;
}

/* 6.21: basic device identification, streamed access from object 0. */
static void read_device_id(struct mb_session *s, uint64_t t, const struct sim_device *plc)
{
	struct sim_buf q = { 0 }, r = { 0 };
	const char *obj[3] = { plc->vendor, plc->model, "V3.20" };

	mbap(&q, s->tid, s->unit);
	buf_u8(&q, 0x2b);
	buf_u8(&q, 0x0e);	/* MEI type: read device identification */
	buf_u8(&q, 0x01);	/* read device id code: basic */
	buf_u8(&q, 0x00);	/* object id: VendorName */
	mbap_done(&q);
	mbap(&r, s->tid, s->unit);
	buf_u8(&r, 0x2b);
	buf_u8(&r, 0x0e);
	buf_u8(&r, 0x01);
	buf_u8(&r, 0x01);	/* conformity level: basic, stream only */
	buf_u8(&r, 0x00);	/* more follows: no */
	buf_u8(&r, 0x00);	/* next object id */
	buf_u8(&r, 3);
	for (unsigned i = 0; i < 3; i++) {
		size_t n = 0;

		while (obj[i][n] && n < 64)
			n++;
		buf_u8(&r, i);
		buf_u8(&r, (unsigned)n);
		buf_bytes(&r, obj[i], n);
	}
	mbap_done(&r);
	exchange(s, t, &q, &r);
	s->tid++;
}

void modbus_scenario(struct sim_plant *pl, struct sim_device *hmi, struct sim_device *plc,
		     unsigned cport, uint64_t t0)
{
	struct mb_session s = { .pl = pl, .tid = 1, .unit = 1 };
	uint64_t t, tick = 0;

	for (unsigned i = 0; i < 16; i++)
		s.regs[i] = (uint16_t)(1000 + 37 * i);
	arp_exchange(pl, t0, hmi, plc);
	tcp_open(pl, &s.tcp, hmi, plc, cport, 502, "modbus");
	t = tcp_handshake(pl, &s.tcp, t0 + 1000000);
	read_device_id(&s, t, plc);
	/* The schedule counts polls: at the default 100 ms period the write
	 * comes every second and the unmapped read every 7 s. */
	for (t = t0 + pl->par.poll_ns; t < pl->duration_ns; t += pl->par.poll_ns, tick++) {
		uint64_t at = t + sim_rng_below(&pl->rng, 500000);	/* HMI timer jitter */

		/* The process drifts a little between polls. */
		s.regs[tick % 10] = (uint16_t)(s.regs[tick % 10] + sim_rng_below(&pl->rng, 7) - 3);
		if (tick % 70 == 35)
			read_holding(&s, at, 9000, 4, false);
		else if (tick % 10 == 5) {
			uint16_t v[2] = { (uint16_t)(tick / 10), (uint16_t)(500 + tick % 100) };

			write_multiple(&s, at, 10, v, 2);
		} else
			read_holding(&s, at, 0, 10, true);
	}
}
