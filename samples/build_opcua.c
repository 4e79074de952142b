/*
 * build_opcua.c - a historian opening an OPC UA binary connection to a PLC.
 * OPC 10000-6 (UA Part 6: Mappings) 7.1.2 (HEL, ACK), 6.7.2 (OPN message
 * chunk with the asymmetric security header), 5.2 (built-in types, all
 * little-endian), 6.7.2.2 (MSG chunk with the symmetric security header);
 * OPC 10000-4 5.5.2 (OpenSecureChannel), 5.10.2 (Read), 7.29 (ReadValueId),
 * 7.33/7.34 (request and response headers); OPC 10000-6 5.2.2.17 (DataValue).
 *
 *   chunk | type[3] | 'F' | size(le32, whole chunk) | body |
 *   MSG body | channel id | token id | sequence no | request id | service |
 *
 * Timeline: TCP 4840, HEL/ACK, OPN (policy None, mode None) and its answer,
 * then one ReadRequest of a tag's Value every second, each answered by a
 * ReadResponse with a Double.  No session is created: the historian reads
 * on the bare channel (a real server would answer BadSessionIdInvalid; the
 * sample keeps the exchange short and tshark dissects it all the same).
 */
#include <stdio.h>
#include <string.h>

#include "samples/sim.h"

enum {
	OPCUA_PORT = 4840,
	ID_OPEN_SECURE_CHANNEL_REQ = 446,	/* ..._Encoding_DefaultBinary */
	ID_OPEN_SECURE_CHANNEL_RSP = 449,
	ID_READ_REQ = 631,			/* ReadRequest_Encoding_DefaultBinary */
	ID_READ_RSP = 634,			/* ReadResponse_Encoding_DefaultBinary */
	SECURITY_MODE_NONE = 1,
	TOKEN_ID = 1,				/* the token the OPN answer issues */
	FIRST_SEQUENCE = 51,			/* sequence number of the OPN chunks */
	ATTRIBUTE_VALUE = 13,			/* Part 6 A.1, AttributeId Value */
	TIMESTAMPS_SOURCE = 0,			/* TimestampsToReturn: Source */
	VARIANT_DOUBLE = 11,			/* built-in type id of Double */
	DATAVALUE_VALUE = 0x01,			/* DataValue encoding mask bits */
	DATAVALUE_SOURCE_TIMESTAMP = 0x04,
	DATAVALUE_SERVER_TIMESTAMP = 0x08,
};

/* The historian's tag on the S7 PLC's server (namespace 2, string id). */
#define READ_TAG "Boiler1.SteamTemperature"
#define READ_PERIOD_NS SIM_NS_PER_S

/* 5.2.2.15: DateTime, 100 ns ticks since 1601-01-01. */
static void ua_datetime(struct sim_buf *p, uint64_t unix_ns)
{
	uint64_t ticks = (unix_ns / 100) + 11644473600ull * 10000000ull;

	buf_le32(p, (uint32_t)ticks);
	buf_le32(p, (uint32_t)(ticks >> 32));
}

/* 5.2.2.5: Double, IEEE 754 binary64 sent least significant byte first. */
static void ua_double(struct sim_buf *p, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof bits);
	buf_le32(p, (uint32_t)bits);
	buf_le32(p, (uint32_t)(bits >> 32));
}

/* 5.2.2.4: String, Int32 length then UTF-8; -1 is null. */
static void ua_string(struct sim_buf *p, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	buf_le32(p, s ? (uint32_t)n : 0xffffffffu);
	if (s)
		buf_bytes(p, s, n);
}

static void chunk(struct sim_buf *p, const char *type)
{
	buf_bytes(p, type, 3);
	buf_u8(p, 'F');		/* final chunk */
	buf_le32(p, 0);		/* size, patched by chunk_done */
}

static void chunk_done(struct sim_buf *p)
{
	uint32_t n = (uint32_t)p->len;

	for (int i = 0; i < 4; i++)
		p->b[4 + i] = (uint8_t)(n >> (8 * i));
}

/* 6.7.2.3 asymmetric header (policy None: no certificates), 6.7.2.4
 * sequence header, then the four-byte NodeId of the encoded service. */
static void opn_head(struct sim_buf *p, uint32_t channel, unsigned node_id)
{
	chunk(p, "OPN");
	buf_le32(p, channel);
	ua_string(p, "http://opcfoundation.org/UA/SecurityPolicy#None");
	buf_le32(p, 0xffffffffu);	/* sender certificate: null */
	buf_le32(p, 0xffffffffu);	/* receiver thumbprint: null */
	buf_le32(p, FIRST_SEQUENCE);	/* sequence number */
	buf_le32(p, 1);			/* request id */
	buf_u8(p, 0x01);		/* NodeId four-byte encoding, namespace 0 */
	buf_u8(p, 0);
	buf_le16(p, node_id);
}

/* 6.7.2.2 symmetric header (the token), 6.7.2.4 sequence header, then the
 * four-byte NodeId of the encoded service. */
static void msg_head(struct sim_buf *p, uint32_t channel, uint32_t seq, uint32_t request_id,
		     unsigned node_id)
{
	chunk(p, "MSG");
	buf_le32(p, channel);
	buf_le32(p, TOKEN_ID);
	buf_le32(p, seq);
	buf_le32(p, request_id);
	buf_u8(p, 0x01);
	buf_u8(p, 0);
	buf_le16(p, node_id);
}

/* Part 4 5.10.2: ReadRequest of one node's Value. */
static void read_request(struct sim_buf *p, uint32_t channel, uint32_t seq, uint32_t handle, uint64_t now_ns)
{
	msg_head(p, channel, seq, handle, ID_READ_REQ);
	buf_u8(p, 0x00);	/* authentication token: null NodeId (no session) */
	buf_u8(p, 0x00);
	ua_datetime(p, now_ns);
	buf_le32(p, handle);	/* request handle */
	buf_le32(p, 0);		/* return diagnostics: none */
	ua_string(p, NULL);	/* audit entry id */
	buf_le32(p, 5000);	/* timeout hint, ms */
	buf_bytes(p, "\x00\x00\x00", 3);	/* additional header: empty */
	ua_double(p, 0.0);	/* maxAge: read the current value */
	buf_le32(p, TIMESTAMPS_SOURCE);
	buf_le32(p, 1);		/* nodesToRead: one ReadValueId (7.29) */
	buf_u8(p, 0x03);	/* NodeId string encoding */
	buf_le16(p, 2);		/* namespace index */
	ua_string(p, READ_TAG);
	buf_le32(p, ATTRIBUTE_VALUE);
	ua_string(p, NULL);	/* index range */
	buf_le16(p, 0);		/* data encoding: null QualifiedName */
	ua_string(p, NULL);
}

/* Part 4 5.10.2: ReadResponse with one Double DataValue. */
static void read_response(struct sim_buf *p, uint32_t channel, uint32_t seq, uint32_t handle, uint64_t now_ns,
			  uint64_t sampled_ns, double value)
{
	msg_head(p, channel, seq, handle, ID_READ_RSP);
	ua_datetime(p, now_ns);
	buf_le32(p, handle);	/* request handle */
	buf_le32(p, 0);		/* service result: Good */
	buf_u8(p, 0x00);	/* service diagnostics: empty */
	buf_le32(p, 0xffffffffu);	/* string table: null */
	buf_bytes(p, "\x00\x00\x00", 3);	/* additional header: empty */
	buf_le32(p, 1);		/* results: one DataValue */
	buf_u8(p, DATAVALUE_VALUE | DATAVALUE_SOURCE_TIMESTAMP | DATAVALUE_SERVER_TIMESTAMP);
	buf_u8(p, VARIANT_DOUBLE);
	ua_double(p, value);
	ua_datetime(p, sampled_ns);
	ua_datetime(p, now_ns);
	buf_le32(p, 0);		/* diagnostic infos: empty */
}

void opcua_scenario(struct sim_plant *pl, struct sim_device *client, struct sim_device *server,
		    unsigned cport, uint64_t t0)
{
	struct sim_tcp tcp;
	struct sim_buf q = { 0 }, r = { 0 };
	char url[64];
	uint32_t channel = 0x00010000u + (uint32_t)sim_rng_below(&pl->rng, 0xffff);
	uint64_t t;

	snprintf(url, sizeof url, "opc.tcp://%u.%u.%u.%u:%u", server->ip[0], server->ip[1], server->ip[2],
		 server->ip[3], OPCUA_PORT);
	arp_exchange(pl, t0, client, server);
	tcp_open(pl, &tcp, client, server, cport, OPCUA_PORT, "opcua");
	t = tcp_handshake(pl, &tcp, t0 + 1000000);

	chunk(&q, "HEL");
	buf_le32(&q, 0);	/* protocol version */
	buf_le32(&q, 65536);	/* receive buffer size */
	buf_le32(&q, 65536);	/* send buffer size */
	buf_le32(&q, 0);	/* max message size: no limit */
	buf_le32(&q, 0);	/* max chunk count: no limit */
	ua_string(&q, url);
	chunk_done(&q);
	chunk(&r, "ACK");
	buf_le32(&r, 0);
	buf_le32(&r, 65536);
	buf_le32(&r, 65536);
	buf_le32(&r, 4194304);
	buf_le32(&r, 64);
	chunk_done(&r);
	tcp_send(pl, &tcp, 0, t, TCP_PSH | TCP_ACK, &q, "opcua");
	t += 800000 + sim_rng_below(&pl->rng, 400000);
	tcp_send(pl, &tcp, 1, t, TCP_PSH | TCP_ACK, &r, "opcua");

	t += 1 * SIM_NS_PER_MS;
	q.len = r.len = 0;
	opn_head(&q, 0, ID_OPEN_SECURE_CHANNEL_REQ);
	buf_u8(&q, 0x00);	/* authentication token: null NodeId */
	buf_u8(&q, 0x00);
	ua_datetime(&q, pl->start_ns + t);
	buf_le32(&q, 1);	/* request handle */
	buf_le32(&q, 0);	/* return diagnostics */
	ua_string(&q, NULL);	/* audit entry id */
	buf_le32(&q, 10000);	/* timeout hint, ms */
	buf_bytes(&q, "\x00\x00\x00", 3);	/* additional header: empty */
	buf_le32(&q, 0);	/* client protocol version */
	buf_le32(&q, 0);	/* request type: issue */
	buf_le32(&q, SECURITY_MODE_NONE);
	buf_le32(&q, 0);	/* client nonce: empty */
	buf_le32(&q, 3600000);	/* requested lifetime, ms */
	chunk_done(&q);
	tcp_send(pl, &tcp, 0, t, TCP_PSH | TCP_ACK, &q, "opcua");
	t += 1500000 + sim_rng_below(&pl->rng, 1000000);

	opn_head(&r, channel, ID_OPEN_SECURE_CHANNEL_RSP);
	ua_datetime(&r, pl->start_ns + t);
	buf_le32(&r, 1);	/* request handle */
	buf_le32(&r, 0);	/* service result: Good */
	buf_u8(&r, 0x00);	/* service diagnostics: empty */
	buf_le32(&r, 0xffffffffu);	/* string table: null */
	buf_bytes(&r, "\x00\x00\x00", 3);
	buf_le32(&r, 0);	/* server protocol version */
	buf_le32(&r, channel);	/* security token: channel, token, created, lifetime */
	buf_le32(&r, 1);
	ua_datetime(&r, pl->start_ns + t);
	buf_le32(&r, 3600000);
	buf_le32(&r, 0);	/* server nonce: empty */
	chunk_done(&r);
	tcp_send(pl, &tcp, 1, t, TCP_PSH | TCP_ACK, &r, "opcua");

	/* The polling has its own generator, seeded by the channel id, so the
	 * rest of the plant draws the same numbers it drew before it. */
	{
		struct sim_rng rng = { channel };
		uint32_t seq = FIRST_SEQUENCE, handle = 1;
		double temp = 182.0;

		for (uint64_t tr = t + READ_PERIOD_NS; tr < pl->duration_ns; tr += READ_PERIOD_NS) {
			uint64_t ta = tr + 1 * SIM_NS_PER_MS + sim_rng_below(&rng, 2 * SIM_NS_PER_MS);

			seq++;
			handle++;
			temp += ((double)sim_rng_below(&rng, 201) - 100.0) / 100.0;
			q.len = r.len = 0;
			read_request(&q, channel, seq, handle, pl->start_ns + tr);
			chunk_done(&q);
			tcp_send(pl, &tcp, 0, tr, TCP_PSH | TCP_ACK, &q, "opcua");
			read_response(&r, channel, seq, handle, pl->start_ns + ta,
				      pl->start_ns + ta - 500 * SIM_NS_PER_MS, temp);
			chunk_done(&r);
			tcp_send(pl, &tcp, 1, ta, TCP_PSH | TCP_ACK, &r, "opcua");
		}
	}
}
