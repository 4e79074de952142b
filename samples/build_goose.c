/*
 * build_goose.c - an IEC 61850 GOOSE publisher (IEC 61850-8-1 Ed.2, 15 and
 * annex A: EtherType 0x88B8, APPID, length, two reserved words, then the
 * BER-encoded [APPLICATION 1] goosePdu).
 *
 * Retransmission (61850-8-1 15.2.3): after a state change stNum increases,
 * sqNum restarts at 0 and the message repeats at 2, 4, 8 ... ms until the
 * 1 s heartbeat; timeAllowedtoLive tells subscribers to expect the next one
 * within twice the current interval.  A few frames on this link are damaged
 * (bad FCS and one runt), as from a failing patch cable.
 */
#include <string.h>

#include "samples/sim.h"

static const uint8_t goose_dst[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };

/* X.690 8.1.3: definite length, short or long form. */
static void ber_len(struct sim_buf *p, size_t n)
{
	if (n < 0x80)
		buf_u8(p, (unsigned)n);
	else if (n < 0x100) {
		buf_u8(p, 0x81);
		buf_u8(p, (unsigned)n);
	} else {
		buf_u8(p, 0x82);
		buf_be16(p, (unsigned)n);
	}
}

static void ber_tlv(struct sim_buf *p, unsigned tag, const void *v, size_t n)
{
	buf_u8(p, tag);
	ber_len(p, n);
	buf_bytes(p, v, n);
}

/* X.690 8.3: minimal two's complement; an unsigned value whose top bit is
 * set gets a leading zero octet. */
static void ber_uint(struct sim_buf *p, unsigned tag, uint32_t v)
{
	uint8_t b[5];
	size_t n = 0;

	b[0] = 0;
	for (int i = 3; i >= 0; i--) {
		uint8_t x = (uint8_t)(v >> (8 * i));

		if (n == 0 && x == 0 && i > 0)
			continue;
		if (n == 0 && (x & 0x80))
			b[n++] = 0;
		b[n++] = x;
	}
	ber_tlv(p, tag, b, n);
}

static void ber_bool(struct sim_buf *p, unsigned tag, bool v)
{
	uint8_t b = v ? 0xff : 0x00;

	ber_tlv(p, tag, &b, 1);
}

struct goose_state {
	uint32_t st_num, sq_num;
	bool breaker_closed;
	bool trip;
	uint64_t change_ns;	/* wall time of the last state change */
};

static void goose_frame(struct sim_plant *pl, const struct sim_device *ied, uint64_t t,
			const struct goose_state *st, uint32_t tal_ms, enum sim_damage damage)
{
	struct sim_buf data = { 0 }, pdu = { 0 }, body = { 0 }, p = { 0 };
	uint8_t utc[8];
	uint64_t ts = st->change_ns;
	uint32_t sec = (uint32_t)(ts / SIM_NS_PER_S);
	uint64_t frac = ((ts % SIM_NS_PER_S) << 24) / SIM_NS_PER_S;
	uint8_t pos[2] = { 6, 0 };	/* Dbpos bit-string: 2 bits, padded */

	/* allData: breaker position (Dbpos), its quality, trip, an analogue. */
	pos[1] = st->breaker_closed ? 0x80 : 0x40;	/* on = 10, off = 01 */
	ber_tlv(&data, 0x84, pos, 2);
	{
		uint8_t q[3] = { 3, 0x00, 0x00 };	/* Quality: 13 bits, good */

		ber_tlv(&data, 0x84, q, 3);
	}
	ber_bool(&data, 0x83, st->trip);
	ber_uint(&data, 0x85, 1180 + (st->st_num % 5));

	/* 61850-8-1 8.1.3.7: UtcTime = seconds, fraction (24 bits), quality. */
	utc[0] = (uint8_t)(sec >> 24);
	utc[1] = (uint8_t)(sec >> 16);
	utc[2] = (uint8_t)(sec >> 8);
	utc[3] = (uint8_t)sec;
	utc[4] = (uint8_t)(frac >> 16);
	utc[5] = (uint8_t)(frac >> 8);
	utc[6] = (uint8_t)frac;
	utc[7] = 0x0a;	/* clock synchronised, 10 bits of accuracy */

	ber_tlv(&pdu, 0x80, "REF615_Q1CTRL/LLN0$GO$gcbTrip", 29);
	ber_uint(&pdu, 0x81, tal_ms);
	ber_tlv(&pdu, 0x82, "REF615_Q1CTRL/LLN0$dsTrip", 25);
	ber_tlv(&pdu, 0x83, "Q1_TRIP", 7);
	ber_tlv(&pdu, 0x84, utc, 8);
	ber_uint(&pdu, 0x85, st->st_num);
	ber_uint(&pdu, 0x86, st->sq_num);
	ber_bool(&pdu, 0x87, false);	/* simulation */
	ber_uint(&pdu, 0x88, 1);	/* confRev */
	ber_bool(&pdu, 0x89, false);	/* ndsCom */
	ber_uint(&pdu, 0x8a, 4);	/* numDatSetEntries */
	ber_tlv(&pdu, 0xab, data.b, data.len);

	ber_tlv(&body, 0x61, pdu.b, pdu.len);

	net_eth(&p, goose_dst, ied->mac, 0x88b8);
	buf_be16(&p, 0x0001);	/* APPID */
	buf_be16(&p, (unsigned)(8 + body.len));
	buf_be16(&p, 0);	/* reserved 1 */
	buf_be16(&p, 0);	/* reserved 2 */
	buf_bytes(&p, body.b, body.len);
	wire_emit(pl, t, ied, &p, "goose", damage);
}

void goose_scenario(struct sim_plant *pl, struct sim_device *ied, uint64_t t0)
{
	struct goose_state st = { .st_num = 1, .breaker_closed = true };
	/* State changes: a trip, then the breaker re-closed by the operator. */
	uint64_t changes[2] = { pl->duration_ns / 4, pl->duration_ns * 3 / 5 };
	size_t next_change = 0;
	uint64_t t = t0, interval = 1000;	/* ms */
	unsigned heartbeats = 0;

	st.change_ns = pl->start_ns + t0;
	while (t < pl->duration_ns) {
		enum sim_damage dmg = SIM_DAMAGE_NONE;
		uint64_t next = t + interval * SIM_NS_PER_MS;

		if (next_change < 2 && next > changes[next_change]) {
			next = changes[next_change++];
			goose_frame(pl, ied, t, &st, (uint32_t)(2 * interval), SIM_DAMAGE_NONE);
			st.st_num++;
			st.sq_num = 0;
			st.trip = next_change == 1;
			st.breaker_closed = next_change != 1;
			st.change_ns = pl->start_ns + next;
			t = next;
			interval = 2;
			continue;
		}
		if (interval == 1000 && ++heartbeats % 9 == 4)
			dmg = heartbeats % 27 == 13 ? SIM_DAMAGE_RUNT : SIM_DAMAGE_BAD_FCS;
		goose_frame(pl, ied, t, &st, (uint32_t)(2 * interval), dmg);
		st.sq_num++;
		t = next;
		if (interval < 1000)
			interval = interval * 2 > 1000 ? 1000 : interval * 2;
	}
}
