/*
 * build_iec104.c - an IEC 60870-5-104 master and controlled station.
 * IEC 60870-5-104:2006 5 (APCI: start 0x68, length, four control octets;
 * I, S and U formats), 5.2 (N(S)/N(R)), 5.3 (STARTDT, TESTFR), 9.6
 * (ASDU addressing: 2-octet COT with originator, 2-octet common address,
 * 3-octet IOA); IEC 60870-5-101 7.2 and 7.3 (type identifications).
 *
 * Timeline: ARP, handshake, STARTDT act/con, a general interrogation (act
 * con, measured floats and single points, act term) acknowledged by an
 * S-frame, then spontaneous floats every 5 s, each acknowledged, and a
 * TESTFR act/con every 20 s (t3 idle timer).
 */
#include <string.h>

#include "samples/sim.h"

#define IEC104_CA 1

struct iec104_session {
	struct sim_plant *pl;
	struct sim_tcp tcp;
	unsigned ns[2];		/* I-frames sent per side (mod 32768) */
	float value[4];
	bool point[3];
};

static void u_frame(struct iec104_session *s, int side, uint64_t t, unsigned c1)
{
	struct sim_buf p = { 0 };

	buf_u8(&p, 0x68);
	buf_u8(&p, 4);
	buf_u8(&p, c1);
	buf_u8(&p, 0);
	buf_u8(&p, 0);
	buf_u8(&p, 0);
	tcp_send(s->pl, &s->tcp, side, t, TCP_PSH | TCP_ACK, &p, "iec104");
}

static void s_frame(struct iec104_session *s, int side, uint64_t t)
{
	struct sim_buf p = { 0 };

	buf_u8(&p, 0x68);
	buf_u8(&p, 4);
	buf_u8(&p, 0x01);
	buf_u8(&p, 0x00);
	buf_le16(&p, (s->ns[!side] & 0x7fffu) << 1);	/* N(R) */
	tcp_send(s->pl, &s->tcp, side, t, TCP_PSH | TCP_ACK, &p, "iec104");
}

/* ASDU header: type, VSQ, COT (cause, originator 0), common address. */
static void asdu(struct sim_buf *a, unsigned type, bool sq, unsigned n, unsigned cot)
{
	buf_u8(a, type);
	buf_u8(a, (sq ? 0x80u : 0u) | n);
	buf_u8(a, cot);
	buf_u8(a, 0);
	buf_le16(a, IEC104_CA);
}

static void ioa(struct sim_buf *a, uint32_t v)
{
	buf_u8(a, v & 0xff);
	buf_u8(a, (v >> 8) & 0xff);
	buf_u8(a, (v >> 16) & 0xff);
}

static void float_le(struct sim_buf *a, float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);	/* 101 7.2.6.8: IEEE 754 short, LSB first */
	buf_le32(a, u);
}

static void i_frame(struct iec104_session *s, int side, uint64_t t, const struct sim_buf *a)
{
	struct sim_buf p = { 0 };

	buf_u8(&p, 0x68);
	buf_u8(&p, (unsigned)(4 + a->len));
	buf_le16(&p, (s->ns[side] & 0x7fffu) << 1);
	buf_le16(&p, (s->ns[!side] & 0x7fffu) << 1);
	buf_bytes(&p, a->b, a->len);
	s->ns[side]++;
	tcp_send(s->pl, &s->tcp, side, t, TCP_PSH | TCP_ACK, &p, "iec104");
}

static uint64_t interrogation(struct iec104_session *s, uint64_t t)
{
	struct sim_buf a = { 0 };

	asdu(&a, 100, false, 1, 6);	/* C_IC_NA_1, activation */
	ioa(&a, 0);
	buf_u8(&a, 20);			/* QOI: station interrogation */
	i_frame(s, 0, t, &a);
	t += 4 * SIM_NS_PER_MS;
	a.len = 0;
	asdu(&a, 100, false, 1, 7);	/* activation confirmation */
	ioa(&a, 0);
	buf_u8(&a, 20);
	i_frame(s, 1, t, &a);
	t += 2 * SIM_NS_PER_MS;
	a.len = 0;
	asdu(&a, 13, true, 4, 20);	/* M_ME_NC_1, sequence, interrogated */
	ioa(&a, 1001);
	for (unsigned i = 0; i < 4; i++) {
		float_le(&a, s->value[i]);
		buf_u8(&a, 0x00);	/* QDS good */
	}
	i_frame(s, 1, t, &a);
	t += 1 * SIM_NS_PER_MS;
	a.len = 0;
	asdu(&a, 1, true, 3, 20);	/* M_SP_NA_1, sequence, interrogated */
	ioa(&a, 2001);
	for (unsigned i = 0; i < 3; i++)
		buf_u8(&a, s->point[i] ? 1 : 0);
	i_frame(s, 1, t, &a);
	t += 1 * SIM_NS_PER_MS;
	a.len = 0;
	asdu(&a, 100, false, 1, 10);	/* activation termination */
	ioa(&a, 0);
	buf_u8(&a, 20);
	i_frame(s, 1, t, &a);
	t += 20 * SIM_NS_PER_MS;
	s_frame(s, 0, t);
	return t;
}

void iec104_scenario(struct sim_plant *pl, struct sim_device *master, struct sim_device *rtu,
		     unsigned cport, uint64_t t0)
{
	struct iec104_session s = { .pl = pl, .value = { 49.98f, 10.52f, 231.4f, 0.97f },
				    .point = { true, false, true } };
	uint64_t t, next_test;

	arp_exchange(pl, t0, master, rtu);
	tcp_open(pl, &s.tcp, master, rtu, cport, 2404, "iec104");
	t = tcp_handshake(pl, &s.tcp, t0 + SIM_NS_PER_MS);
	u_frame(&s, 0, t, 0x07);			/* STARTDT act */
	u_frame(&s, 1, t + 3 * SIM_NS_PER_MS, 0x0b);	/* STARTDT con */
	t = interrogation(&s, t + 10 * SIM_NS_PER_MS);
	next_test = t + 20 * SIM_NS_PER_S;
	for (t += 5 * SIM_NS_PER_S; t < pl->duration_ns; t += 5 * SIM_NS_PER_S) {
		struct sim_buf a = { 0 };
		unsigned i = (unsigned)sim_rng_below(&pl->rng, 4);

		if (t >= next_test) {
			u_frame(&s, 0, t - SIM_NS_PER_S, 0x43);	/* TESTFR act */
			u_frame(&s, 1, t - SIM_NS_PER_S + 2 * SIM_NS_PER_MS, 0x83);
			next_test += 20 * SIM_NS_PER_S;
		}
		s.value[i] += 0.25f;
		asdu(&a, 13, false, 1, 3);	/* M_ME_NC_1, spontaneous */
		ioa(&a, 1001 + i);
		float_le(&a, s.value[i]);
		buf_u8(&a, 0x00);
		i_frame(&s, 1, t, &a);
		s_frame(&s, 0, t + 30 * SIM_NS_PER_MS);
	}
}
