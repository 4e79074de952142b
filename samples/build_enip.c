/*
 * build_enip.c - an EtherNet/IP scanner and an I/O adapter.
 * ODVA CIP Networks Library Vol. 2 (EtherNet/IP adaptation) 2-3
 * (encapsulation header, all little-endian), 2-4.2 ListIdentity with the CIP
 * Identity item 0x0C, 2-4.4 RegisterSession, 2-4.7 SendRRData, 2-6 common
 * packet format (items 0x0000, 0x00B2, 0x8002, 0x00B1); Vol. 1 3-5.4.1
 * (Forward_Open, service 0x54, Connection Manager class 6) and 3-4.1.1
 * (class 1 transport: 16-bit sequence count in the connected data).
 *
 *   encapsulation | command | length | session | status | context[8] | options |
 *
 * Timeline: ListIdentity broadcast on UDP 44818 and the adapter's answer,
 * TCP 44818, RegisterSession, ForwardOpen through SendRRData, then class 1
 * cyclic I/O on UDP 2222 in both directions every RPI.
 */
#include <string.h>

#include "samples/sim.h"

enum {
	ENIP_PORT = 44818,
	ENIP_IO_PORT = 2222,
	ENIP_LIST_IDENTITY = 0x0063,
	ENIP_REGISTER_SESSION = 0x0065,
	ENIP_SEND_RR_DATA = 0x006f,
	CPF_NULL = 0x0000,
	CPF_IDENTITY = 0x000c,
	CPF_UNCONNECTED = 0x00b2,
	CPF_CONNECTED = 0x00b1,
	CPF_SEQ_ADDRESS = 0x8002,
	ENIP_RPI_US = 100000,	/* requested packet interval: 100 ms */
	ENIP_IO_BYTES = 8,
};

struct enip_ids {
	uint16_t vendor, type, product;
	uint8_t major, minor;
	uint32_t serial;
};

static void encap(struct sim_buf *p, unsigned cmd, uint32_t session, uint64_t context)
{
	buf_le16(p, cmd);
	buf_le16(p, 0);		/* length after the header, patched by encap_done */
	buf_le32(p, session);
	buf_le32(p, 0);		/* status: success */
	buf_le32(p, (uint32_t)context);
	buf_le32(p, (uint32_t)(context >> 32));
	buf_le32(p, 0);		/* options */
}

static void encap_done(struct sim_buf *p)
{
	unsigned n = (unsigned)(p->len - 24);

	p->b[2] = (uint8_t)(n & 0xff);
	p->b[3] = (uint8_t)(n >> 8);
}

/* 2-4.3.2: the identity item; the socket address is big-endian (sockaddr). */
static void identity_item(struct sim_buf *p, const struct sim_device *d, const struct enip_ids *id)
{
	size_t at, n = strlen(d->model);

	buf_le16(p, 1);		/* item count */
	buf_le16(p, CPF_IDENTITY);
	at = p->len;
	buf_le16(p, 0);
	buf_le16(p, 1);		/* encapsulation protocol version */
	buf_be16(p, 2);		/* AF_INET */
	buf_be16(p, ENIP_PORT);
	buf_bytes(p, d->ip, 4);
	buf_zeros(p, 8);
	buf_le16(p, id->vendor);
	buf_le16(p, id->type);
	buf_le16(p, id->product);
	buf_u8(p, id->major);
	buf_u8(p, id->minor);
	buf_le16(p, 0x0030);	/* status: owned? no; configured; run */
	buf_le32(p, id->serial);
	if (n > 32)
		n = 32;
	buf_u8(p, (unsigned)n);
	buf_bytes(p, d->model, n);
	buf_u8(p, 0x03);	/* state: operational */
	n = p->len - at - 2;
	p->b[at] = (uint8_t)(n & 0xff);
	p->b[at + 1] = (uint8_t)(n >> 8);
}

/* Common packet format of SendRRData: null address, unconnected data. */
static void rr_data(struct sim_buf *p, const struct sim_buf *cip)
{
	buf_le32(p, 0);		/* interface handle: CIP */
	buf_le16(p, 10);	/* timeout, s */
	buf_le16(p, 2);
	buf_le16(p, CPF_NULL);
	buf_le16(p, 0);
	buf_le16(p, CPF_UNCONNECTED);
	buf_le16(p, (unsigned)cip->len);
	buf_bytes(p, cip->b, cip->len);
}

/* Network connection parameters (Vol. 1 3-5.4.1.1): point to point,
 * scheduled priority, fixed size. */
static unsigned ncp(unsigned size)
{
	return 0x4000u | 0x0800u | size;
}

static void forward_open(struct sim_buf *p, uint32_t ot_id, uint32_t to_id, unsigned conn_serial,
			 const struct enip_ids *orig)
{
	buf_u8(p, 0x54);
	buf_u8(p, 2);		/* path size in words */
	buf_bytes(p, "\x20\x06\x24\x01", 4);	/* class 6, instance 1 */
	buf_u8(p, 0x0a);	/* priority / time tick */
	buf_u8(p, 0x0e);	/* timeout ticks */
	buf_le32(p, ot_id);
	buf_le32(p, to_id);
	buf_le16(p, conn_serial);
	buf_le16(p, orig->vendor);
	buf_le32(p, orig->serial);
	buf_u8(p, 2);		/* timeout multiplier: x16 */
	buf_zeros(p, 3);
	buf_le32(p, ENIP_RPI_US);
	buf_le16(p, ncp(2 + 4 + ENIP_IO_BYTES));	/* sequence count, run/idle, data */
	buf_le32(p, ENIP_RPI_US);
	buf_le16(p, ncp(2 + ENIP_IO_BYTES));
	buf_u8(p, 0x01);	/* transport: class 1, cyclic, client */
	buf_u8(p, 4);		/* connection path size in words */
	/* Assembly class 4: configuration 1, consumed 150, produced 100. */
	buf_bytes(p, "\x20\x04\x24\x01\x2c\x96\x2c\x64", 8);
}

static void forward_open_reply(struct sim_buf *p, uint32_t ot_id, uint32_t to_id, unsigned conn_serial,
			       const struct enip_ids *orig)
{
	buf_u8(p, 0xd4);
	buf_u8(p, 0);
	buf_u8(p, 0);		/* general status: success */
	buf_u8(p, 0);
	buf_le32(p, ot_id);
	buf_le32(p, to_id);
	buf_le16(p, conn_serial);
	buf_le16(p, orig->vendor);
	buf_le32(p, orig->serial);
	buf_le32(p, ENIP_RPI_US);	/* actual packet intervals */
	buf_le32(p, ENIP_RPI_US);
	buf_u8(p, 0);		/* application reply size */
	buf_u8(p, 0);
}

/* Class 1 packet: sequenced address item and connected data item. */
static void io_packet(struct sim_buf *p, uint32_t conn_id, uint32_t enc_seq, unsigned cip_seq, bool run_idle,
		      const uint8_t *data)
{
	buf_le16(p, 2);
	buf_le16(p, CPF_SEQ_ADDRESS);
	buf_le16(p, 8);
	buf_le32(p, conn_id);
	buf_le32(p, enc_seq);
	buf_le16(p, CPF_CONNECTED);
	buf_le16(p, 2 + (run_idle ? 4 : 0) + ENIP_IO_BYTES);
	buf_le16(p, cip_seq);
	if (run_idle)
		buf_le32(p, 1);	/* run/idle header: run */
	buf_bytes(p, data, ENIP_IO_BYTES);
}

void enip_scenario(struct sim_plant *pl, struct sim_device *scanner, struct sim_device *adapter,
		   unsigned cport, uint64_t t0)
{
	static const uint8_t all[4] = { 255, 255, 255, 255 };
	const struct enip_ids scan_id = { 1, 0x0e, 166, 33, 11, 0x60a1b2c3 };
	const struct enip_ids io_id = { 1, 0x0c, 140, 5, 11, 0x40c0ffee };
	struct sim_tcp tcp;
	struct sim_buf q = { 0 }, r = { 0 }, cip = { 0 };
	uint64_t ctx = 0x3130303030303030ull, t;
	uint32_t session = 0x1d00a001u, ot_id = 0x1f2e0001u, to_id = 0x0b5c0002u;
	uint32_t seq[2] = { 1, 1 };
	uint8_t in[ENIP_IO_BYTES] = { 0 }, out[ENIP_IO_BYTES] = { 0 };
	unsigned cseq[2] = { 1, 1 };

	encap(&q, ENIP_LIST_IDENTITY, 0, ctx);
	encap_done(&q);
	net_udp(pl, t0, scanner, NULL, scanner->ip, all, ENIP_PORT, ENIP_PORT, &q, "enip");
	encap(&r, ENIP_LIST_IDENTITY, 0, ctx);
	identity_item(&r, adapter, &io_id);
	encap_done(&r);
	t = t0 + 800000 + sim_rng_below(&pl->rng, 400000);
	arp_exchange(pl, t, adapter, scanner);
	net_udp(pl, t + 500000, adapter, scanner, adapter->ip, NULL, ENIP_PORT, ENIP_PORT, &r, "enip");

	t = t0 + 20 * SIM_NS_PER_MS;
	tcp_open(pl, &tcp, scanner, adapter, cport, ENIP_PORT, "enip");
	t = tcp_handshake(pl, &tcp, t);
	q.len = r.len = 0;
	encap(&q, ENIP_REGISTER_SESSION, 0, ++ctx);
	buf_le16(&q, 1);	/* protocol version */
	buf_le16(&q, 0);	/* options */
	encap_done(&q);
	encap(&r, ENIP_REGISTER_SESSION, session, ctx);
	buf_le16(&r, 1);
	buf_le16(&r, 0);
	encap_done(&r);
	tcp_send(pl, &tcp, 0, t, TCP_PSH | TCP_ACK, &q, "enip");
	t += 700000 + sim_rng_below(&pl->rng, 300000);
	tcp_send(pl, &tcp, 1, t, TCP_PSH | TCP_ACK, &r, "enip");

	t += 2 * SIM_NS_PER_MS;
	q.len = r.len = 0;
	forward_open(&cip, 0, to_id, 0x0042, &scan_id);
	encap(&q, ENIP_SEND_RR_DATA, session, ++ctx);
	rr_data(&q, &cip);
	encap_done(&q);
	cip.len = 0;
	forward_open_reply(&cip, ot_id, to_id, 0x0042, &scan_id);
	encap(&r, ENIP_SEND_RR_DATA, session, ctx);
	rr_data(&r, &cip);
	encap_done(&r);
	tcp_send(pl, &tcp, 0, t, TCP_PSH | TCP_ACK, &q, "enip");
	t += 1500000 + sim_rng_below(&pl->rng, 500000);
	tcp_send(pl, &tcp, 1, t, TCP_PSH | TCP_ACK, &r, "enip");

	/* Both ends produce on their own RPI timer; each jitters a little. */
	for (t += 5 * SIM_NS_PER_MS; t < pl->duration_ns; t += (uint64_t)ENIP_RPI_US * 1000) {
		uint64_t a = t + sim_rng_below(&pl->rng, 300000);
		uint64_t b = t + 20 * SIM_NS_PER_MS + sim_rng_below(&pl->rng, 300000);

		out[0] = (uint8_t)cseq[0];
		in[sim_rng_below(&pl->rng, ENIP_IO_BYTES)] ^= (uint8_t)(1u << sim_rng_below(&pl->rng, 8));
		q.len = r.len = 0;
		io_packet(&q, ot_id, seq[0]++, cseq[0]++ & 0xffff, true, out);
		io_packet(&r, to_id, seq[1]++, cseq[1]++ & 0xffff, false, in);
		net_udp(pl, a, scanner, adapter, scanner->ip, NULL, ENIP_IO_PORT, ENIP_IO_PORT, &q, "enip");
		net_udp(pl, b, adapter, scanner, adapter->ip, NULL, ENIP_IO_PORT, ENIP_IO_PORT, &r, "enip");
	}
}
