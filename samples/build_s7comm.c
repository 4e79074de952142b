/*
 * build_s7comm.c - an engineering workstation talking S7comm to a Siemens PLC.
 * RFC 1006 section 6 (TPKT on TCP 102); ISO 8073 / X.224 13.3 (CR), 13.4
 * (CC) and 13.7 (DT) TPDUs with the TSAP parameters of 13.3.4; S7comm has no
 * public specification: the layouts below follow Wireshark's packet-s7comm.c
 * and packet-s7comm_szl_ids.c (SZL 0x0011 module identification).
 *
 *   TPKT   | 03 | 00 | length(be16, whole packet) |
 *   COTP   | LI | F0 (DT) | 80 (EOT, TPDU 0) |
 *   S7     | 32 | ROSCTR | 0000 | PDU ref | param len | data len | [err class, err code]
 *
 * Timeline: ARP, TCP handshake, COTP CR/CC, setup communication, one SZL
 * read (userdata, CPU functions, 0x0011 index 0), then a read of DB1 bytes
 * 0..7 every 500 ms.
 */
#include <string.h>

#include "samples/sim.h"

enum {
	S7_JOB = 1,		/* ROSCTR values, packet-s7comm.c */
	S7_ACK_DATA = 3,
	S7_USERDATA = 7,
	S7_FN_READ_VAR = 0x04,
	S7_FN_SETUP = 0xf0,
	S7_AREA_DB = 0x84,
};

struct s7_session {
	struct sim_plant *pl;
	struct sim_tcp tcp;
	uint16_t pdu_ref;
	uint8_t db[8];		/* the PLC's DB1 bytes 0..7 */
};

/* TPKT (RFC 1006 6) and a COTP DT TPDU (X.224 13.7, class 0: no TPDU
 * number, EOT set); lengths patched by s7_done. */
static void s7_header(struct sim_buf *p, unsigned rosctr, unsigned ref)
{
	buf_u8(p, 3);
	buf_u8(p, 0);
	buf_be16(p, 0);
	buf_u8(p, 2);
	buf_u8(p, 0xf0);
	buf_u8(p, 0x80);
	buf_u8(p, 0x32);	/* S7 protocol id */
	buf_u8(p, rosctr);
	buf_be16(p, 0);
	buf_be16(p, ref);
	buf_be16(p, 0);		/* parameter length, offset 13 */
	buf_be16(p, 0);		/* data length, offset 15 */
	if (rosctr == 2 || rosctr == S7_ACK_DATA) {
		buf_u8(p, 0);	/* error class: none */
		buf_u8(p, 0);
	}
}

static void s7_done(struct sim_buf *p, size_t param_len)
{
	size_t hdr = 7 + ((p->b[8] == 2 || p->b[8] == S7_ACK_DATA) ? 12 : 10);

	buf_put_be16_at(p, 2, (unsigned)p->len);
	buf_put_be16_at(p, 13, (unsigned)param_len);
	buf_put_be16_at(p, 15, (unsigned)(p->len - hdr - param_len));
}

static uint64_t exchange_as(struct s7_session *s, uint64_t t, const struct sim_buf *req, const struct sim_buf *rsp,
			    const char *proto)
{
	uint64_t tr = t + 1500000 + sim_rng_below(&s->pl->rng, 2500000);	/* CPU cycle */

	tcp_send(s->pl, &s->tcp, 0, t, TCP_PSH | TCP_ACK, req, proto);
	tcp_send(s->pl, &s->tcp, 1, tr, TCP_PSH | TCP_ACK, rsp, proto);
	return tr;
}

static uint64_t exchange(struct s7_session *s, uint64_t t, const struct sim_buf *req, const struct sim_buf *rsp)
{
	return exchange_as(s, t, req, rsp, "s7comm");
}

/* X.224 13.3 / 13.4: CR from the workstation (TSAP 0x0100: PG), CC from
 * the PLC (TSAP 0x0102: rack 0, slot 2); TPDU size 1024 (code 0x0a). */
static uint64_t cotp_connect(struct s7_session *s, uint64_t t)
{
	struct sim_buf q = { 0 }, r = { 0 };

	for (int i = 0; i < 2; i++) {
		struct sim_buf *p = i ? &r : &q;

		buf_u8(p, 3);
		buf_u8(p, 0);
		buf_be16(p, 22);
		buf_u8(p, 17);				/* LI: header after this byte */
		buf_u8(p, i ? 0xd0 : 0xe0);		/* CC : CR */
		buf_be16(p, i ? 0x0001 : 0x0000);	/* destination reference */
		buf_be16(p, i ? 0x0044 : 0x0001);	/* source reference */
		buf_u8(p, 0x00);			/* class 0 */
		buf_u8(p, 0xc0);			/* TPDU size */
		buf_u8(p, 1);
		buf_u8(p, 0x0a);
		buf_u8(p, 0xc1);			/* calling TSAP */
		buf_u8(p, 2);
		buf_be16(p, 0x0100);
		buf_u8(p, 0xc2);			/* called TSAP */
		buf_u8(p, 2);
		buf_be16(p, 0x0102);
	}
	return exchange_as(s, t, &q, &r, "cotp");
}

/* Setup communication: one outstanding job each way, PDU size 480. */
static uint64_t setup_comm(struct s7_session *s, uint64_t t)
{
	struct sim_buf q = { 0 }, r = { 0 };

	for (int i = 0; i < 2; i++) {
		struct sim_buf *p = i ? &r : &q;

		s7_header(p, i ? S7_ACK_DATA : S7_JOB, s->pdu_ref);
		buf_u8(p, S7_FN_SETUP);
		buf_u8(p, 0);
		buf_be16(p, 1);
		buf_be16(p, 1);
		buf_be16(p, 480);
		s7_done(p, 8);
	}
	s->pdu_ref++;
	return exchange(s, t, &q, &r);
}

/* One 28-byte record of SZL 0x0011: index, MLFB (order number, 20 chars
 * padded with blanks), BGTyp, Ausbg, Ausbe. */
static void szl_0011_record(struct sim_buf *p, unsigned index, const char *mlfb, unsigned ausbg, unsigned ausbe)
{
	char pad[20];
	size_t n = strlen(mlfb);

	memset(pad, ' ', sizeof pad);
	memcpy(pad, mlfb, n < sizeof pad ? n : sizeof pad);
	buf_be16(p, index);
	buf_bytes(p, pad, sizeof pad);
	buf_be16(p, 0);
	buf_be16(p, ausbg);
	buf_be16(p, ausbe);
}

/* Userdata, function group 4 (CPU functions), subfunction 1 (read SZL),
 * SZL id 0x0011 index 0: the module identification. */
static uint64_t read_szl(struct s7_session *s, uint64_t t, const char *order)
{
	struct sim_buf q = { 0 }, r = { 0 };

	s7_header(&q, S7_USERDATA, s->pdu_ref);
	buf_bytes(&q, "\x00\x01\x12", 3);	/* parameter head */
	buf_u8(&q, 4);				/* parameter length */
	buf_u8(&q, 0x11);			/* method: request */
	buf_u8(&q, 0x44);			/* type 4 (request), group 4 */
	buf_u8(&q, 0x01);			/* read SZL */
	buf_u8(&q, 0x00);			/* sequence number */
	buf_u8(&q, 0xff);			/* return code: success */
	buf_u8(&q, 0x09);			/* transport size: octet string */
	buf_be16(&q, 4);
	buf_be16(&q, 0x0011);
	buf_be16(&q, 0x0000);
	s7_done(&q, 8);

	s7_header(&r, S7_USERDATA, s->pdu_ref);
	buf_bytes(&r, "\x00\x01\x12", 3);
	buf_u8(&r, 8);
	buf_u8(&r, 0x12);			/* method: response */
	buf_u8(&r, 0x84);			/* type 8 (response), group 4 */
	buf_u8(&r, 0x01);
	buf_u8(&r, 0x01);			/* sequence number */
	buf_u8(&r, 0x00);			/* data unit reference */
	buf_u8(&r, 0x00);			/* last data unit: yes */
	buf_be16(&r, 0x0000);			/* error code */
	buf_u8(&r, 0xff);
	buf_u8(&r, 0x09);
	buf_be16(&r, 8 + 3 * 28);
	buf_be16(&r, 0x0011);
	buf_be16(&r, 0x0000);
	buf_be16(&r, 28);			/* LENTHDR: bytes per record */
	buf_be16(&r, 3);			/* N_DR */
	szl_0011_record(&r, 0x0001, order, 0x0000, 0x0003);	/* module */
	szl_0011_record(&r, 0x0006, order, 0x0000, 0x0003);	/* hardware */
	szl_0011_record(&r, 0x0007, "", ('V' << 8) | 2, 0x0901);	/* firmware V2.9.1 */
	s7_done(&r, 12);
	s->pdu_ref++;
	return exchange(s, t, &q, &r);
}

/* Read var: one S7ANY item, BYTE x 8 of DB1 from byte 0. */
static void read_db(struct s7_session *s, uint64_t t)
{
	struct sim_buf q = { 0 }, r = { 0 };

	s7_header(&q, S7_JOB, s->pdu_ref);
	buf_u8(&q, S7_FN_READ_VAR);
	buf_u8(&q, 1);			/* item count */
	buf_u8(&q, 0x12);		/* variable specification */
	buf_u8(&q, 10);			/* length of the address that follows */
	buf_u8(&q, 0x10);		/* syntax id: S7ANY */
	buf_u8(&q, 0x02);		/* transport size: BYTE */
	buf_be16(&q, sizeof s->db);
	buf_be16(&q, 1);		/* DB number */
	buf_u8(&q, S7_AREA_DB);
	buf_be24(&q, 0 << 3);		/* byte 0, bit 0 */
	s7_done(&q, 14);

	s7_header(&r, S7_ACK_DATA, s->pdu_ref);
	buf_u8(&r, S7_FN_READ_VAR);
	buf_u8(&r, 1);
	buf_u8(&r, 0xff);		/* return code: success */
	buf_u8(&r, 0x04);		/* transport size: BYTE/WORD/DWORD, length in bits */
	buf_be16(&r, 8 * sizeof s->db);
	buf_bytes(&r, s->db, sizeof s->db);
	s7_done(&r, 2);
	s->pdu_ref++;
	exchange(s, t, &q, &r);
}

void s7comm_scenario(struct sim_plant *pl, struct sim_device *ews, struct sim_device *plc,
		     const char *order, unsigned cport, uint64_t t0)
{
	struct s7_session s = { .pl = pl, .pdu_ref = 0x0100 };
	uint64_t t;

	for (unsigned i = 0; i < sizeof s.db; i++)
		s.db[i] = (uint8_t)(0x10 * i + 1);
	arp_exchange(pl, t0, ews, plc);
	tcp_open(pl, &s.tcp, ews, plc, cport, 102, "s7comm");
	t = tcp_handshake(pl, &s.tcp, t0 + 1000000);
	t = cotp_connect(&s, t) + 300000;
	t = setup_comm(&s, t) + 300000;
	read_szl(&s, t, order);
	for (t = t0 + 500 * SIM_NS_PER_MS; t < pl->duration_ns; t += 500 * SIM_NS_PER_MS) {
		s.db[sim_rng_below(&pl->rng, sizeof s.db)] ^= (uint8_t)(1u << sim_rng_below(&pl->rng, 8));
		read_db(&s, t + sim_rng_below(&pl->rng, 1000000));
	}
}
