/*
 * build_dnp3.c - a DNP3 master polling an outstation over TCP port 20000.
 * IEEE 1815-2012: 9.2 data link frame (header block and 16-octet data
 * blocks, each followed by its CRC), 8.2 transport header, 4.2 application
 * header; IEEE 1815 annex E (DNP3 over IP, port 20000).
 *
 * Timeline: ARP, handshake, a class 0 poll (read g60v1) every 2 s answered
 * with binary inputs (g1v2) and 16-bit analogues (g30v2), and every 9 s an
 * unsolicited response with an analogue change event (g32v2) that the
 * master confirms.
 */
#include "samples/sim.h"

#define DNP3_MASTER_ADDR 1
#define DNP3_OUTSTATION_ADDR 10

/* 9.2.7: CRC-16 with polynomial 0x3D65, processed LSB first (reflected
 * 0xA6BC), initial value 0, result complemented, sent low byte first. */
static unsigned dnp3_crc(const uint8_t *b, size_t n)
{
	unsigned crc = 0;

	for (size_t i = 0; i < n; i++) {
		crc ^= b[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xa6bcu : crc >> 1;
	}
	return ~crc & 0xffff;
}

/* Wraps transport + application bytes (at most 250: one segment) into a
 * link frame: DIR set from master, PRM = 1, FC 4 unconfirmed user data. */
static void link_frame(struct sim_buf *out, bool from_master, const struct sim_buf *user)
{
	size_t hdr_at = out->len;
	unsigned dst = from_master ? DNP3_OUTSTATION_ADDR : DNP3_MASTER_ADDR;
	unsigned src = from_master ? DNP3_MASTER_ADDR : DNP3_OUTSTATION_ADDR;

	buf_u8(out, 0x05);
	buf_u8(out, 0x64);
	buf_u8(out, (unsigned)(5 + user->len));	/* 9.2.4.1.3: ctrl, dest, src, data */
	buf_u8(out, (from_master ? 0x80u : 0x00u) | 0x40u | 0x04u);
	buf_le16(out, dst);
	buf_le16(out, src);
	buf_le16(out, dnp3_crc(out->b + hdr_at, 8));
	for (size_t at = 0; at < user->len; at += 16) {
		size_t n = user->len - at < 16 ? user->len - at : 16;

		buf_bytes(out, user->b + at, n);
		buf_le16(out, dnp3_crc(user->b + at, n));
	}
}

struct dnp3_session {
	struct sim_plant *pl;
	struct sim_tcp tcp;
	unsigned tseq[2];	/* transport sequence per side */
	unsigned app_seq, unsol_seq;
	int16_t analog[3];
	bool binary[4];
};

static void send_apdu(struct dnp3_session *s, int side, uint64_t t, const struct sim_buf *apdu)
{
	struct sim_buf user = { 0 }, frame = { 0 };

	/* 8.2.1: FIN and FIR set (one segment), 6-bit sequence. */
	buf_u8(&user, 0xc0u | (s->tseq[side]++ & 0x3fu));
	buf_bytes(&user, apdu->b, apdu->len);
	link_frame(&frame, side == 0, &user);
	tcp_send(s->pl, &s->tcp, side, t, TCP_PSH | TCP_ACK, &frame, "dnp3");
}

static void class0_poll(struct dnp3_session *s, uint64_t t)
{
	struct sim_buf q = { 0 }, r = { 0 };
	unsigned seq = s->app_seq++ & 0x0f;

	buf_u8(&q, 0xc0u | seq);	/* 4.2.2.4: FIR, FIN, sequence */
	buf_u8(&q, 0x01);		/* READ */
	buf_u8(&q, 60);			/* g60v1: class 0 data, all objects */
	buf_u8(&q, 1);
	buf_u8(&q, 0x06);
	send_apdu(s, 0, t, &q);

	buf_u8(&r, 0xc0u | seq);
	buf_u8(&r, 0x81);		/* RESPONSE */
	buf_u8(&r, 0x00);		/* IIN1 */
	buf_u8(&r, 0x00);		/* IIN2 */
	buf_u8(&r, 1);			/* g1v2: binary input with flags */
	buf_u8(&r, 2);
	buf_u8(&r, 0x00);		/* 1-octet start and stop */
	buf_u8(&r, 0);
	buf_u8(&r, 3);
	for (unsigned i = 0; i < 4; i++)
		buf_u8(&r, 0x01u | (s->binary[i] ? 0x80u : 0u));	/* ONLINE, state */
	buf_u8(&r, 30);			/* g30v2: 16-bit analogue with flag */
	buf_u8(&r, 2);
	buf_u8(&r, 0x00);
	buf_u8(&r, 0);
	buf_u8(&r, 2);
	for (unsigned i = 0; i < 3; i++) {
		buf_u8(&r, 0x01);
		buf_le16(&r, (uint16_t)s->analog[i]);
	}
	send_apdu(s, 1, t + 8 * SIM_NS_PER_MS + sim_rng_below(&s->pl->rng, 4 * SIM_NS_PER_MS), &r);
}

static void unsolicited(struct dnp3_session *s, uint64_t t, unsigned index)
{
	struct sim_buf u = { 0 }, c = { 0 };
	unsigned seq = s->unsol_seq++ & 0x0f;

	buf_u8(&u, 0xf0u | seq);	/* FIR, FIN, CON, UNS */
	buf_u8(&u, 0x82);		/* UNSOLICITED_RESPONSE */
	buf_u8(&u, 0x00);
	buf_u8(&u, 0x00);
	buf_u8(&u, 32);			/* g32v2: 16-bit analogue change event */
	buf_u8(&u, 2);
	buf_u8(&u, 0x17);		/* 1-octet count, 1-octet index prefix */
	buf_u8(&u, 1);
	buf_u8(&u, index);
	buf_u8(&u, 0x01);
	buf_le16(&u, (uint16_t)s->analog[index]);
	send_apdu(s, 1, t, &u);

	buf_u8(&c, 0xd0u | seq);	/* FIR, FIN, UNS: confirm of that sequence */
	buf_u8(&c, 0x00);		/* CONFIRM */
	send_apdu(s, 0, t + 3 * SIM_NS_PER_MS + sim_rng_below(&s->pl->rng, 2 * SIM_NS_PER_MS), &c);
}

void dnp3_scenario(struct sim_plant *pl, struct sim_device *master, struct sim_device *outstation,
		   unsigned cport, uint64_t t0)
{
	struct dnp3_session s = { .pl = pl, .analog = { 412, -17, 2301 }, .binary = { true, false, true, false } };
	uint64_t t, next_unsol = t0 + 9 * SIM_NS_PER_S + 500 * SIM_NS_PER_MS;

	arp_exchange(pl, t0, master, outstation);
	tcp_open(pl, &s.tcp, master, outstation, cport, 20000, "dnp3");
	t = tcp_handshake(pl, &s.tcp, t0 + SIM_NS_PER_MS);
	for (; t < pl->duration_ns; t += 2 * SIM_NS_PER_S) {
		class0_poll(&s, t);
		if (next_unsol < t + 2 * SIM_NS_PER_S) {
			unsigned i = (unsigned)sim_rng_below(&pl->rng, 3);

			s.analog[i] = (int16_t)(s.analog[i] + 25);
			s.binary[i] = !s.binary[i];
			unsolicited(&s, next_unsol, i);
			next_unsol += 9 * SIM_NS_PER_S;
		}
	}
}
