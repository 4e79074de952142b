/* Tests of analyzer/flow.c: keys, originator, TCP analysis, expiry, emission. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "analyzer/flow.h"
#include "tests/support/check.h"

#define S_ INT64_C(1000000000)
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

/* ------------------------------------------------------------------ */
/* Packets built by hand: only the fields the flow table reads. */

static void set_ip(uint8_t out[16], const char *text, int *version)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) == 1) {
		*version = 4;
		return;
	}
	cr_assert(eq(int, inet_pton(AF_INET6, text, out), 1), "bad address %s", text);
	*version = 6;
}

/* The MAC of a host: 02:00:00:00:00:<last byte of its address>. */
static void host_mac(uint8_t mac[6], const uint8_t ip[16], int version)
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 0, 0 };

	memcpy(mac, base, 6);
	mac[5] = ip[version == 4 ? 3 : 15];
}

static void add_layer(struct tp_packet *p, enum tp_proto proto, uint32_t len)
{
	p->layers[p->nlayers].proto = (uint8_t)proto;
	p->layers[p->nlayers].len = len;
	p->nlayers++;
}

static struct tp_packet ip_packet(int64_t ts, uint8_t proto, const char *src, uint16_t sport,
				  const char *dst, uint16_t dport, uint32_t payload)
{
	struct tp_packet p;
	int v = 0;

	memset(&p, 0, sizeof p);
	set_ip(p.src_ip, src, &v);
	set_ip(p.dst_ip, dst, &v);
	p.ts_ns = ts;
	p.ip_version = (uint8_t)v;
	p.ip_proto = proto;
	p.has_mac = true;
	host_mac(p.src_mac, p.src_ip, v);
	host_mac(p.dst_mac, p.dst_ip, v);
	p.ethertype = v == 4 ? 0x0800 : 0x86dd;
	add_layer(&p, TP_PROTO_ETHERNET, 14);
	add_layer(&p, v == 4 ? TP_PROTO_IPV4 : TP_PROTO_IPV6, v == 4 ? 20 : 40);
	if (proto == 6) {
		add_layer(&p, TP_PROTO_TCP, 20);
		p.window = 1000;
	} else if (proto == 17) {
		add_layer(&p, TP_PROTO_UDP, 8);
	} else if (proto == 1) {
		add_layer(&p, TP_PROTO_ICMP, 8);
	}
	if (proto == 6 || proto == 17) {
		p.sport = sport;
		p.dport = dport;
	}
	p.payload_wire_len = payload;
	p.wire_len = 14 + (v == 4 ? 20 : 40) + (proto == 6 ? 20 : 8) + payload;
	p.len = p.wire_len;
	return p;
}

static struct tp_packet udp(int64_t ts, const char *src, uint16_t sport, const char *dst,
			    uint16_t dport, uint32_t payload)
{
	return ip_packet(ts, 17, src, sport, dst, dport, payload);
}

static struct tp_packet tcp(int64_t ts, const char *src, uint16_t sport, const char *dst,
			    uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
			    uint32_t payload)
{
	struct tp_packet p = ip_packet(ts, 6, src, sport, dst, dport, payload);

	p.tcp_flags = flags;
	p.seq = seq;
	p.ack = ack;
	return p;
}

static struct tp_packet l2(int64_t ts, uint8_t src_last, uint8_t dst_last, uint16_t ethertype)
{
	struct tp_packet p;

	memset(&p, 0, sizeof p);
	p.ts_ns = ts;
	p.has_mac = true;
	p.src_mac[0] = p.dst_mac[0] = 0x02;
	p.src_mac[5] = src_last;
	p.dst_mac[5] = dst_last;
	p.ethertype = ethertype;
	p.wire_len = p.len = 60;
	add_layer(&p, TP_PROTO_ETHERNET, 14);
	return p;
}

/* ------------------------------------------------------------------ */
/* A table whose emitted flows are kept, in order. */

#define MAX_GOT 64

static struct flow got[MAX_GOT];
static size_t ngot;
static uint64_t nemitted;

static void keep(void *ctx, struct flow *f)
{
	(void)ctx;
	if (ngot < MAX_GOT)
		got[ngot++] = *f;
	nemitted++;
}

static struct flow_table *table(const struct flow_opts *opts)
{
	struct flow_table *t = flow_table_new(opts, keep, NULL);

	ngot = 0;
	nemitted = 0;
	cr_assert(not(eq(ptr, t, NULL)));
	return t;
}

static void add(struct flow_table *t, struct tp_packet p)
{
	static uint64_t frame;

	cr_assert(flow_table_add(t, &p, 0, ++frame) != NULL);
}

/* Flushes and frees t, and returns the one flow it must have held. */
static const struct flow *only_flow(struct flow_table *t)
{
	cr_assert(eq(sz, flow_table_active(t), 1));
	flow_table_flush(t);
	flow_table_free(t);
	cr_assert(eq(sz, ngot, 1));
	return &got[0];
}

static uint64_t sum(const struct flow *f, size_t offset)
{
	uint64_t a = 0, b = 0;

	memcpy(&a, (const char *)&f->dir[0] + offset, sizeof a);
	memcpy(&b, (const char *)&f->dir[1] + offset, sizeof b);
	return a + b;
}

#define SUM(f, field) sum(f, offsetof(struct flow_dir, field))

/* ------------------------------------------------------------------ */
/* Keys. */

Test(flow, keys_both_directions_of_ipv4_into_one_flow)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;
	uint8_t lo[4] = { 10, 0, 0, 1 }, hi[4] = { 10, 0, 0, 2 };

	add(t, udp(1 * S_, "10.0.0.2", 5000, "10.0.0.1", 47808, 10));
	add(t, udp(2 * S_, "10.0.0.1", 47808, "10.0.0.2", 5000, 20));
	add(t, udp(3 * S_, "10.0.0.2", 5000, "10.0.0.1", 47808, 30));
	f = only_flow(t);
	/* Canonical order: the smaller address first. */
	cr_assert(eq(int, memcmp(f->key.addr[0], lo, 4), 0));
	cr_assert(eq(int, memcmp(f->key.addr[1], hi, 4), 0));
	cr_assert(eq(u16, f->key.port[0], 47808));
	cr_assert(eq(u16, f->key.port[1], 5000));
	cr_assert(eq(u64, f->dir[1].frames, 2));
	cr_assert(eq(u64, f->dir[1].payload_bytes, 40));
	cr_assert(eq(u64, f->dir[1].bytes, 2 * 42 + 40));
	cr_assert(eq(u64, f->dir[0].frames, 1));
	cr_assert(eq(i64, f->dir[1].first_ts, 1 * S_));
	cr_assert(eq(i64, f->dir[1].last_ts, 3 * S_));
	cr_assert(eq(i64, f->dir[0].first_ts, 2 * S_));
	/* The client of BACnet's port is the originator. */
	cr_assert(eq(u8, f->orig, 1));
}

Test(flow, keys_equal_addresses_by_port)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, udp(1 * S_, "10.0.0.1", 6000, "10.0.0.1", 5000, 0));
	add(t, udp(2 * S_, "10.0.0.1", 5000, "10.0.0.1", 6000, 0));
	f = only_flow(t);
	cr_assert(eq(u16, f->key.port[0], 5000));
	cr_assert(eq(u16, f->key.port[1], 6000));
	cr_assert(eq(u64, f->dir[0].frames, 1));
	cr_assert(eq(u64, f->dir[1].frames, 1));
}

Test(flow, keys_both_directions_of_ipv6_into_one_flow)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;
	uint8_t lo[16];
	int v;

	add(t, tcp(1 * S_, "fe80::20", 40000, "fe80::1:10", 4840, SYN, 7, 0, 0));
	add(t, tcp(2 * S_, "fe80::1:10", 4840, "fe80::20", 40000, SYN | ACK, 99, 8, 0));
	f = only_flow(t);
	set_ip(lo, "fe80::20", &v);
	cr_assert(eq(u8, f->key.ip_version, 6));
	cr_assert(eq(int, memcmp(f->key.addr[0], lo, 16), 0));
	cr_assert(eq(u64, f->dir[0].frames, 1));
	cr_assert(eq(u64, f->dir[1].frames, 1));
	cr_assert(eq(u8, f->orig, 0));
	cr_assert(same(f->history, "Sh"));
	cr_assert(eq(u8, f->tcp_state, FLOW_TCP_SYN_RECEIVED));
}

Test(flow, keys_other_protocols_and_later_fragments_without_ports)
{
	struct flow_table *t = table(NULL);
	struct tp_packet frag = udp(2 * S_, "10.0.0.1", 5000, "10.0.0.2", 20000, 100);

	add(t, udp(1 * S_, "10.0.0.1", 5000, "10.0.0.2", 20000, 1472));
	/* A second fragment: no transport header, so no ports. */
	frag.flags = TP_PKT_FRAGMENT;
	frag.frag_offset = 1480;
	frag.nlayers = 2;
	add(t, frag);
	add(t, ip_packet(3 * S_, 1, "10.0.0.1", 0, "10.0.0.2", 0, 56));
	cr_assert(eq(sz, flow_table_active(t), 3));
	flow_table_flush(t);
	flow_table_free(t);
	cr_assert(eq(sz, ngot, 3));
	cr_assert(eq(u16, got[1].key.port[0], 0));
	cr_assert(eq(u16, got[1].key.port[1], 0));
	cr_assert(eq(u8, got[1].key.proto, 17));
	cr_assert(eq(u8, got[2].key.proto, 1));
}

Test(flow, keys_layer2_flows_on_mac_pair_and_ethertype)
{
	struct flow_table *t = table(NULL);

	add(t, l2(1 * S_, 9, 1, 0x88b8));	/* GOOSE */
	add(t, l2(2 * S_, 1, 9, 0x88b8));	/* the other way: same flow */
	add(t, l2(3 * S_, 9, 1, 0x8892));	/* PROFINET RT: another flow */
	cr_assert(eq(sz, flow_table_active(t), 2));
	flow_table_flush(t);
	flow_table_free(t);
	cr_assert(eq(sz, ngot, 2));
	cr_assert(eq(u8, got[0].key.kind, FLOW_L2));
	cr_assert(eq(u16, got[0].key.ethertype, 0x88b8));
	cr_assert(eq(u8, got[0].key.mac[0][5], 1));
	cr_assert(eq(u8, got[0].key.mac[1][5], 9));
	cr_assert(eq(u64, got[0].dir[0].frames, 1));
	cr_assert(eq(u64, got[0].dir[1].frames, 1));
	cr_assert(eq(u8, got[0].orig, 1));
	cr_assert(eq(u8, got[0].mac_seen, 3));
	cr_assert(eq(u16, got[1].key.ethertype, 0x8892));
}

Test(flow, ignores_packets_with_nothing_to_key_on)
{
	struct flow_table *t = table(NULL);
	struct tp_packet p;

	memset(&p, 0, sizeof p);
	cr_assert(flow_table_add(t, &p, 0, 1) == NULL);
	cr_assert(eq(sz, flow_table_active(t), 0));
	flow_table_free(t);
}

/* ------------------------------------------------------------------ */
/* Originator. */

struct orig_case {
	char why[64];
	uint8_t flags[3];		/* TCP flags of up to 3 packets; 0xff = UDP */
	uint16_t sport[3], dport[3];	/* the sender is 10.0.0.<sport % 2 ? 1 : 2> */
	int npackets;
	char want_orig_ip[16];
	char want_history[16];
};

ParameterizedTestParameters(flow, chooses_the_originator)
{
	static struct orig_case cases[] = {
		{ "the sender of a SYN", { SYN }, { 40001 }, { 502 }, 1, "10.0.0.1", "S" },
		{ "a SYN from a server port still wins", { SYN }, { 502 }, { 40001 }, 1,
		  "10.0.0.2", "S" },
		{ "the receiver of a SYN+ACK", { SYN | ACK }, { 502 }, { 40001 }, 1, "10.0.0.1",
		  "^h" },
		{ "the client of a server port", { ACK }, { 502 }, { 40001 }, 1, "10.0.0.1",
		  "^a" },
		{ "the client of an ICS port above 1024", { ACK }, { 20000 }, { 40001 }, 1,
		  "10.0.0.1", "^a" },
		{ "the first sender when both ports are servers", { 0xff }, { 47808 },
		  { 47808 }, 1, "10.0.0.2", "" },
		{ "the first sender when neither is", { ACK }, { 40001 }, { 50001 }, 1,
		  "10.0.0.1", "A" },
		{ "a later SYN flips it", { ACK, SYN }, { 40001, 50002 }, { 50002, 40001 }, 2,
		  "10.0.0.2", "a^S" },
		{ "a later SYN after a port guess", { ACK, SYN }, { 40001, 502 }, { 502, 40001 },
		  2, "10.0.0.2", "a^S" },
		{ "a SYN confirming the port guess", { ACK, SYN }, { 502, 40001 }, { 40001, 502 },
		  2, "10.0.0.1", "^aS" },
	};
	return cr_make_param_array(struct orig_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(struct orig_case *c, flow, chooses_the_originator)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;
	char ip[INET_ADDRSTRLEN];

	for (int i = 0; i < c->npackets; i++) {
		const char *src = c->sport[i] % 2 ? "10.0.0.1" : "10.0.0.2";
		const char *dst = c->sport[i] % 2 ? "10.0.0.2" : "10.0.0.1";

		if (c->flags[i] == 0xff)
			add(t, udp((i + 1) * S_, src, c->sport[i], dst, c->dport[i], 0));
		else
			add(t, tcp((i + 1) * S_, src, c->sport[i], dst, c->dport[i], c->flags[i],
				   1000u * (unsigned)i, 0, 0));
	}
	f = only_flow(t);
	inet_ntop(AF_INET, f->key.addr[f->orig], ip, sizeof ip);
	cr_assert(eq(str, ip, c->want_orig_ip), "%s", c->why);
	cr_assert(eq(str, (char *)f->history, c->want_history), "%s", c->why);
}

struct port_case {
	uint16_t port;
};

ParameterizedTestParameters(flow, takes_the_client_of_every_server_port_for_originator)
{
	static struct port_case cases[] = {
		{ 102 }, { 443 }, { 502 }, { 1023 }, { 1089 }, { 1883 }, { 2222 }, { 2404 },
		{ 3389 }, { 4840 }, { 5432 }, { 8080 }, { 8883 }, { 18246 }, { 20000 },
		{ 34962 }, { 34964 }, { 44818 }, { 47808 }, { 48898 }, { 55003 },
	};
	return cr_make_param_array(struct port_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(struct port_case *c, flow, takes_the_client_of_every_server_port_for_originator)
{
	struct flow_table *t = table(NULL);

	/* The server speaks first; 1024 and 60000 are no server ports. */
	add(t, udp(1 * S_, "10.0.0.1", c->port, "10.0.0.2", 60000, 8));
	add(t, udp(2 * S_, "10.0.0.3", 1024, "10.0.0.2", 60000, 8));
	flow_table_flush(t);
	flow_table_free(t);
	cr_assert(eq(sz, ngot, 2));
	cr_assert(eq(u8, got[0].orig, 1), "port %u", c->port);
	cr_assert(eq(u8, got[1].orig, 1), "port 1024 is no server port");
}

Test(flow, takes_the_originator_of_icmp_from_echo)
{
	struct flow_table *t = table(NULL);
	struct tp_packet reply = ip_packet(1 * S_, 1, "10.0.0.1", 0, "10.0.0.2", 0, 56);
	const struct flow *f;

	reply.icmp_type = 0;	/* an echo reply seen first: its receiver asked */
	add(t, reply);
	f = only_flow(t);
	cr_assert(eq(u8, f->orig, 1));
	cr_assert(same(f->history, "^d"));
}

/* ------------------------------------------------------------------ */
/* TCP: history, state, sequence analysis. */

#define C_ "10.0.0.1", 40000, "10.0.0.2", 502
#define S2C "10.0.0.2", 502, "10.0.0.1", 40000

Test(flow, records_zeek_history_of_a_whole_connection)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, SYN, 100, 0, 0));
	add(t, tcp(2 * S_, S2C, SYN | ACK, 900, 101, 0));
	add(t, tcp(3 * S_, C_, ACK, 101, 901, 0));
	add(t, tcp(4 * S_, C_, ACK | PSH, 101, 901, 12));
	add(t, tcp(5 * S_, S2C, ACK, 901, 113, 0));
	add(t, tcp(6 * S_, S2C, ACK | PSH, 901, 113, 11));
	add(t, tcp(7 * S_, C_, ACK, 113, 912, 0));
	add(t, tcp(8 * S_, C_, FIN | ACK, 113, 912, 0));
	add(t, tcp(9 * S_, S2C, FIN | ACK, 912, 114, 0));
	add(t, tcp(10 * S_, C_, ACK, 114, 913, 0));
	f = only_flow(t);
	/* Zeek's own example of a normal connection (conn.log docs). */
	cr_assert(same(f->history, "ShADadFf"));
	cr_assert(eq(u8, f->tcp_state, FLOW_TCP_CLOSED));
	cr_assert(eq(u32, flow_orig(f)->isn, 100));
	cr_assert(eq(u32, flow_resp(f)->isn, 900));
	cr_assert(eq(u32, flow_orig(f)->next_seq, 114));
	cr_assert(eq(u32, flow_resp(f)->next_seq, 913));
	cr_assert(eq(u32, flow_orig(f)->max_ack, 913));
	cr_assert(eq(u64, flow_orig(f)->payload_bytes, 12));
	cr_assert(eq(u64, flow_resp(f)->payload_bytes, 11));
	cr_assert(eq(u64, SUM(f, retransmissions), 0));
	cr_assert(eq(u64, SUM(f, gaps), 0));
	cr_assert(eq(u64, SUM(f, gap_bytes), 0));
	cr_assert(flow_orig(f)->fin && flow_resp(f)->fin && flow_orig(f)->syn);
}

struct state_case {
	int npackets;
	uint8_t want;
};

ParameterizedTestParameters(flow, follows_the_tcp_states)
{
	static struct state_case cases[] = {
		{ 1, FLOW_TCP_SYN_SENT }, { 2, FLOW_TCP_SYN_RECEIVED }, { 3, FLOW_TCP_ESTABLISHED },
		{ 4, FLOW_TCP_CLOSING }, { 5, FLOW_TCP_CLOSED }, { 6, FLOW_TCP_CLOSED },
	};
	return cr_make_param_array(struct state_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(struct state_case *c, flow, follows_the_tcp_states)
{
	struct flow_table *t = table(NULL);
	struct tp_packet p[] = {
		tcp(1 * S_, C_, SYN, 100, 0, 0),
		tcp(2 * S_, S2C, SYN | ACK, 900, 101, 0),
		tcp(3 * S_, C_, ACK, 101, 901, 0),
		tcp(4 * S_, C_, FIN | ACK, 101, 901, 0),
		tcp(5 * S_, S2C, FIN | ACK, 901, 102, 0),
		tcp(6 * S_, C_, ACK, 102, 902, 0),
	};

	for (int i = 0; i < c->npackets; i++)
		add(t, p[i]);
	cr_assert(eq(u8, only_flow(t)->tcp_state, c->want), "after %d packets", c->npackets);
}

Test(flow, records_a_reset_and_closes)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, SYN, 100, 0, 0));
	add(t, tcp(2 * S_, S2C, RST | ACK, 0, 101, 0));
	f = only_flow(t);
	cr_assert(same(f->history, "Sr"));
	cr_assert(eq(u8, f->tcp_state, FLOW_TCP_CLOSED));
	cr_assert(flow_resp(f)->rst);
}

Test(flow, midstream_flows_say_so)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, S2C, ACK | PSH, 5000, 7000, 9));
	add(t, tcp(2 * S_, C_, ACK | PSH, 7000, 5009, 12));
	f = only_flow(t);
	cr_assert(same(f->history, "^dD"));
	cr_assert(eq(u8, f->tcp_state, FLOW_TCP_MIDSTREAM));
	/* Relative numbers as Wireshark's: the first byte seen is 1. */
	cr_assert(eq(u32, flow_resp(f)->isn, 4999));
}

Test(flow, counts_a_retransmission)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, S2C, ACK, 901, 201, 0));
	add(t, tcp(3 * S_, C_, ACK | PSH, 101, 901, 100));	/* the same bytes again */
	add(t, tcp(4 * S_, C_, ACK | PSH, 151, 901, 100));	/* half old, half new */
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->retransmissions, 2));
	cr_assert(eq(u64, flow_resp(f)->retransmissions, 0));
	cr_assert(eq(u64, SUM(f, gaps), 0));
	cr_assert(same(f->history, "DaT"));
	cr_assert(eq(u32, flow_orig(f)->next_seq, 251));
}

Test(flow, keep_alives_are_no_retransmissions)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, C_, ACK, 200, 901, 1));	/* one byte at next_seq - 1 */
	add(t, tcp(3 * S_, C_, ACK, 200, 901, 0));
	f = only_flow(t);
	cr_assert(eq(u64, SUM(f, retransmissions), 0));
}

Test(flow, counts_a_syn_sent_again_as_a_retransmission)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, SYN, 100, 0, 0));
	add(t, tcp(4 * S_, C_, SYN, 100, 0, 0));
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->retransmissions, 1));
	cr_assert(same(f->history, "S"));
}

Test(flow, counts_a_lost_segment_as_a_gap_of_its_bytes)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	/* 101..200 seen, 201..300 not captured, 301.. seen. */
	add(t, tcp(2 * S_, C_, ACK | PSH, 301, 901, 100));
	add(t, tcp(3 * S_, S2C, ACK, 901, 401, 0));
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->gaps, 1));
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 100));
	cr_assert(eq(u64, flow_resp(f)->gaps, 0));
	cr_assert(same(f->history, "DGa"));
	/* Wireshark flags the jump, and again the ACK over the hole. */
	cr_assert(eq(u32, flow_orig(f)->ws_lost_segments, 1));
	cr_assert(eq(u32, flow_orig(f)->ws_ack_lost_segments, 1));
}

Test(flow, counts_data_acknowledged_but_never_seen_once)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, S2C, ACK, 901, 501, 0));		/* acks 300 bytes unseen */
	add(t, tcp(3 * S_, C_, ACK | PSH, 501, 901, 100));	/* resumes there */
	add(t, tcp(4 * S_, S2C, ACK, 901, 601, 0));
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->gaps, 1));
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 300));
	cr_assert(eq(u64, SUM(f, retransmissions), 0));
	/* tshark 4.0.17 flags frames 2 and 4 "ACKed segment that wasn't
	 * captured" and frame 3 "previous segment not captured". */
	cr_assert(eq(u32, flow_orig(f)->ws_ack_lost_segments, 2));
	cr_assert(eq(u32, flow_orig(f)->ws_lost_segments, 1));
}

Test(flow, one_hole_seen_in_two_steps_is_one_gap)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, S2C, ACK, 901, 251, 0));		/* half of 201..300 acked */
	add(t, tcp(3 * S_, C_, ACK | PSH, 301, 901, 100));	/* then the data after it */
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->gaps, 1));
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 100));
	/* tshark 4.0.17: frame 2 ack_lost_segment, frame 3 lost_segment. */
	cr_assert(eq(u32, flow_orig(f)->ws_ack_lost_segments, 1));
	cr_assert(eq(u32, flow_orig(f)->ws_lost_segments, 1));
}

Test(flow, reproduces_wiresharks_flags_for_acks_from_a_silent_peer)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, S2C, ACK | PSH, 901, 301, 10));	/* flagged */
	add(t, tcp(3 * S_, S2C, ACK | PSH, 911, 401, 10));	/* the client said nothing since */
	add(t, tcp(4 * S_, C_, ACK | PSH, 401, 921, 100));	/* lost_segment */
	add(t, tcp(5 * S_, S2C, ACK | PSH, 921, 601, 10));	/* flagged: below it a hole */
	f = only_flow(t);
	/* As tshark 4.0.17 flags the same packets (frames 2, 4 and 5). */
	cr_assert(eq(u32, flow_orig(f)->ws_ack_lost_segments, 2));
	cr_assert(eq(u32, flow_orig(f)->ws_lost_segments, 1));
	/* Ours: 201..400 (acked in two steps), then 501..600. */
	cr_assert(eq(u64, flow_orig(f)->gaps, 2));
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 300));
}

Test(flow, a_late_segment_fills_its_gap_and_counts_out_of_order)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, C_, ACK | PSH, 301, 901, 100));
	add(t, tcp(3 * S_, C_, ACK | PSH, 201, 901, 50));	/* the lower half */
	add(t, tcp(4 * S_, C_, ACK | PSH, 251, 901, 50));	/* and the rest */
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->gaps, 0));
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 0));
	cr_assert(eq(u64, flow_orig(f)->out_of_order, 2));
	cr_assert(eq(u64, flow_orig(f)->retransmissions, 0));
}

Test(flow, data_sent_again_fills_earlier_gaps_too)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, C_, ACK | PSH, 401, 901, 100));	/* 201..400 unseen */
	add(t, tcp(3 * S_, C_, ACK | PSH, 601, 901, 100));	/* 501..600 unseen */
	cr_assert(eq(u64, nemitted, 0));
	/* The network lost them before the capture point: sent again. */
	add(t, tcp(4 * S_, C_, ACK | PSH, 201, 901, 100));
	add(t, tcp(5 * S_, C_, ACK | PSH, 501, 901, 100));
	add(t, tcp(6 * S_, C_, ACK | PSH, 501, 901, 100));	/* and once more */
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->gaps, 1));		/* 301..400 */
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 100));
	cr_assert(eq(u64, flow_orig(f)->out_of_order, 2));
	cr_assert(eq(u64, flow_orig(f)->retransmissions, 1));
	cr_assert(eq(u32, flow_orig(f)->ws_lost_segments, 2));
}

Test(flow, a_segment_inside_a_gap_splits_it)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, C_, ACK | PSH, 501, 901, 100));	/* 201..500 unseen */
	add(t, tcp(3 * S_, C_, ACK | PSH, 301, 901, 100));	/* 301..400 turns up */
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->gaps, 2));
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 200));
	cr_assert(eq(u64, flow_orig(f)->out_of_order, 1));
}

Test(flow, remembers_the_last_four_gaps_only)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	for (uint32_t i = 1; i <= 5; i++)	/* five gaps of 100 bytes */
		add(t, tcp((1 + i) * S_, C_, ACK | PSH, 101 + 200 * i, 901, 100));
	add(t, tcp(7 * S_, C_, ACK | PSH, 201, 901, 100));	/* the first: forgotten */
	add(t, tcp(8 * S_, C_, ACK | PSH, 401, 901, 100));	/* the second: remembered */
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->gaps, 4));
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 400));
	cr_assert(eq(u64, flow_orig(f)->retransmissions, 1));
	cr_assert(eq(u64, flow_orig(f)->out_of_order, 1));
}

Test(flow, data_seen_after_its_ack_fills_the_gap)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	/* A mirror that delivers the ACK before the data it acknowledges. */
	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, S2C, ACK, 901, 301, 0));
	add(t, tcp(3 * S_, C_, ACK | PSH, 201, 901, 100));
	f = only_flow(t);
	cr_assert(eq(u64, flow_orig(f)->gaps, 0));
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 0));
	cr_assert(eq(u64, flow_orig(f)->out_of_order, 1));
	cr_assert(eq(u32, flow_orig(f)->ws_ack_lost_segments, 1));
	cr_assert(eq(u32, flow_orig(f)->ws_lost_segments, 0));
}

Test(flow, a_reset_beyond_next_seq_is_no_gap)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;

	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, tcp(2 * S_, C_, RST, 5000, 0, 0));
	f = only_flow(t);
	cr_assert(eq(u64, SUM(f, gaps), 0));
	cr_assert(eq(u32, flow_orig(f)->ws_lost_segments, 0));
}

Test(flow, counts_zero_windows_but_not_on_syn_fin_rst)
{
	struct flow_table *t = table(NULL);
	struct tp_packet p[] = {
		tcp(1 * S_, C_, SYN, 100, 0, 0),
		tcp(2 * S_, S2C, SYN | ACK, 900, 101, 0),
		tcp(3 * S_, S2C, ACK, 901, 101, 0),
		tcp(4 * S_, S2C, ACK, 901, 101, 0),
		tcp(5 * S_, S2C, FIN | ACK, 901, 101, 0),
	};
	const struct flow *f;

	for (size_t i = 0; i < 5; i++) {
		p[i].window = 0;
		add(t, p[i]);
	}
	f = only_flow(t);
	cr_assert(eq(u64, flow_resp(f)->zero_windows, 2));
	cr_assert(eq(u64, flow_orig(f)->zero_windows, 0));
	cr_assert(same(f->history, "Shawf"));
}

Test(flow, a_zero_window_probe_does_not_move_next_seq)
{
	struct flow_table *t = table(NULL);
	struct tp_packet closed = tcp(2 * S_, S2C, ACK, 901, 201, 0);
	const struct flow *f;

	closed.window = 0;
	add(t, tcp(1 * S_, C_, ACK | PSH, 101, 901, 100));
	add(t, closed);
	add(t, tcp(3 * S_, C_, ACK, 201, 901, 1));		/* the probe */
	add(t, tcp(4 * S_, C_, ACK | PSH, 201, 901, 100));	/* the window opened */
	f = only_flow(t);
	cr_assert(eq(u32, flow_orig(f)->next_seq, 301));
	cr_assert(eq(u64, flow_orig(f)->retransmissions, 0));
	cr_assert(eq(u64, flow_resp(f)->zero_windows, 1));
}

Test(flow, marks_bad_checksums)
{
	struct flow_table *t = table(NULL);
	struct tp_packet bad = udp(1 * S_, "10.0.0.1", 5000, "10.0.0.2", 161, 20);
	const struct flow *f;

	bad.flags |= TP_PKT_L4_CKSUM_BAD;
	add(t, bad);
	add(t, udp(2 * S_, "10.0.0.2", 161, "10.0.0.1", 5000, 20));
	f = only_flow(t);
	cr_assert(same(f->history, "CDd"));
}

Test(flow, compares_sequence_numbers_across_the_wrap)
{
	struct flow_table *t = table(NULL);
	const struct flow *f;
	uint32_t isn = 0xffffffc0u;	/* 64 below 2^32 */

	add(t, tcp(1 * S_, C_, SYN, isn, 0, 0));
	add(t, tcp(2 * S_, S2C, SYN | ACK, 900, isn + 1, 0));
	add(t, tcp(3 * S_, C_, ACK | PSH, isn + 1, 901, 100));		/* crosses 2^32 */
	add(t, tcp(4 * S_, C_, ACK | PSH, isn + 1, 901, 100));		/* retransmitted */
	add(t, tcp(5 * S_, C_, ACK | PSH, isn + 201, 901, 100));	/* 100 lost */
	add(t, tcp(6 * S_, S2C, ACK, 901, isn + 401, 0));		/* 100 acked unseen */
	f = only_flow(t);
	cr_assert(eq(u32, flow_orig(f)->next_seq, isn + 301));
	cr_assert(eq(u64, flow_orig(f)->retransmissions, 1));
	cr_assert(eq(u64, flow_orig(f)->gaps, 2));
	cr_assert(eq(u64, flow_orig(f)->gap_bytes, 200));
	cr_assert(eq(u32, flow_orig(f)->gap_mark, isn + 401));
}

Test(flow, a_new_syn_on_used_ports_starts_another_flow)
{
	struct flow_table *t = table(NULL);

	add(t, tcp(1 * S_, C_, SYN, 100, 0, 0));
	add(t, tcp(2 * S_, S2C, SYN | ACK, 900, 101, 0));
	add(t, tcp(3 * S_, C_, RST, 101, 0, 0));
	add(t, tcp(4 * S_, C_, SYN, 5000, 0, 0));
	cr_assert(eq(sz, ngot, 1));
	cr_assert(same(got[0].history, "ShR"));
	cr_assert(eq(sz, flow_table_active(t), 1));
	flow_table_flush(t);
	flow_table_free(t);
	cr_assert(eq(sz, ngot, 2));
	cr_assert(same(got[1].history, "S"));
	cr_assert(eq(u64, got[1].id, got[0].id + 1));
}

/* ------------------------------------------------------------------ */
/* VLANs, MACs, encapsulation. */

Test(flow, keeps_distinct_vlans_in_order_first_seen)
{
	struct flow_table *t = table(NULL);
	struct tp_packet p = udp(1 * S_, "10.0.0.1", 5000, "10.0.0.2", 2222, 0);
	static const uint16_t tags[][3] = { { 10, 20 }, { 20, 10 }, { 30, 40, 50 } };
	static const uint8_t ntags[] = { 2, 2, 3 };
	const struct flow *f;

	p.encap = TP_ENCAP_ERSPAN2;
	for (size_t i = 0; i < 3; i++) {
		p.nvlans = ntags[i];
		memcpy(p.vlans, tags[i], sizeof tags[i]);
		add(t, p);
		p.encap = TP_ENCAP_NONE;
	}
	f = only_flow(t);
	cr_assert(eq(u8, f->nvlans, 4));
	cr_assert(eq(u16, f->vlans[0], 10));
	cr_assert(eq(u16, f->vlans[1], 20));
	cr_assert(eq(u16, f->vlans[2], 30));
	cr_assert(eq(u16, f->vlans[3], 40));
	cr_assert(eq(u8, f->encap, TP_ENCAP_ERSPAN2));
}

Test(flow, remembers_each_sides_mac)
{
	struct flow_table *t = table(NULL);
	struct tp_packet p = udp(1 * S_, "10.0.0.1", 5000, "10.0.0.2", 2222, 0);
	const struct flow *f;

	add(t, p);
	flow_table_flush(t);
	cr_assert(eq(u8, got[0].mac_seen, 3));	/* the receiver's from the destination */
	cr_assert(eq(u8, got[0].key.mac[1][5], 2));
	ngot = 0;
	p.has_mac = false;
	add(t, p);
	f = only_flow(t);
	cr_assert(eq(u8, f->mac_seen, 0));
}

/* ------------------------------------------------------------------ */
/* Expiry and emission. */

Test(flow, expires_idle_flows_at_their_timeouts_in_deadline_order)
{
	struct flow_table *t = table(NULL);

	add(t, tcp(0, C_, ACK, 1, 1, 0));					/* until 300 s */
	add(t, udp(10 * S_, "10.0.0.1", 5000, "10.0.0.2", 161, 0));		/* until 70 s */
	add(t, ip_packet(20 * S_, 1, "10.0.0.1", 0, "10.0.0.2", 0, 8));	/* until 80 s */
	add(t, udp(70 * S_, "10.0.0.9", 5000, "10.0.0.2", 161, 0));
	cr_assert(eq(sz, ngot, 0), "idle for exactly the timeout is kept");
	add(t, udp(300 * S_ + 1, "10.0.0.7", 5000, "10.0.0.2", 161, 0));
	cr_assert(eq(sz, ngot, 4));
	cr_assert(eq(u8, got[0].key.proto, 17));	/* deadline 70 s */
	cr_assert(eq(i64, got[0].first_ts, 10 * S_));
	cr_assert(eq(u8, got[1].key.proto, 1));		/* 80 s */
	cr_assert(eq(u8, got[2].key.proto, 17));	/* 130 s */
	cr_assert(eq(i64, got[2].first_ts, 70 * S_));
	cr_assert(eq(u8, got[3].key.proto, 6));		/* 300 s */
	cr_assert(eq(sz, flow_table_active(t), 1));
	cr_assert(eq(u64, flow_table_emitted(t), 4));
	flow_table_free(t);
}

Test(flow, a_packet_after_the_timeout_starts_a_new_flow)
{
	struct flow_opts o = { .udp_timeout_ns = 5 * S_ };
	struct flow_table *t = table(&o);

	add(t, udp(0, "10.0.0.1", 5000, "10.0.0.2", 161, 0));
	add(t, udp(5 * S_, "10.0.0.1", 5000, "10.0.0.2", 161, 0));
	add(t, udp(10 * S_ + 1, "10.0.0.1", 5000, "10.0.0.2", 161, 0));
	cr_assert(eq(sz, ngot, 1));
	cr_assert(eq(u64, got[0].dir[0].frames, 2));
	cr_assert(eq(i64, got[0].last_ts, 5 * S_));
	flow_table_flush(t);
	flow_table_free(t);
	cr_assert(eq(sz, ngot, 2));
	cr_assert(eq(i64, got[1].first_ts, 10 * S_ + 1));
}

Test(flow, closed_tcp_flows_expire_sooner)
{
	struct flow_table *t = table(NULL);

	add(t, tcp(0, C_, SYN, 100, 0, 0));
	add(t, tcp(1 * S_, S2C, RST | ACK, 0, 101, 0));
	add(t, udp(6 * S_, "10.0.0.9", 5000, "10.0.0.2", 161, 0));
	cr_assert(eq(sz, ngot, 0));
	add(t, udp(6 * S_ + 1, "10.0.0.9", 5000, "10.0.0.2", 161, 0));
	cr_assert(eq(sz, ngot, 1));
	cr_assert(eq(u8, got[0].tcp_state, FLOW_TCP_CLOSED));
	flow_table_flush(t);
	flow_table_free(t);
}

Test(flow, time_going_back_expires_nothing)
{
	struct flow_opts o = { .udp_timeout_ns = 10 * S_ };
	struct flow_table *t = table(&o);

	add(t, udp(100 * S_, "10.0.0.1", 5000, "10.0.0.2", 161, 0));
	add(t, udp(50 * S_, "10.0.0.3", 5000, "10.0.0.2", 161, 0));	/* a merged capture */
	add(t, udp(105 * S_, "10.0.0.1", 5000, "10.0.0.2", 161, 0));
	cr_assert(eq(sz, ngot, 0));
	/* The flow first seen at 50 s was active at "now", 100 s. */
	add(t, udp(110 * S_, "10.0.0.5", 5000, "10.0.0.2", 161, 0));
	cr_assert(eq(sz, ngot, 0));
	add(t, udp(110 * S_ + 1, "10.0.0.5", 5000, "10.0.0.2", 161, 0));
	cr_assert(eq(sz, ngot, 1));
	cr_assert(eq(i64, got[0].first_ts, 50 * S_));
	flow_table_flush(t);
	flow_table_free(t);
}

Test(flow, evicts_the_least_recently_active_when_full)
{
	struct flow_opts o = { .max_flows = 2 };
	struct flow_table *t = table(&o);

	add(t, udp(1 * S_, "10.0.0.1", 5000, "10.0.0.2", 161, 0));	/* A */
	add(t, ip_packet(2 * S_, 1, "10.0.0.3", 0, "10.0.0.2", 0, 8));	/* B */
	add(t, udp(3 * S_, "10.0.0.1", 5000, "10.0.0.2", 161, 0));	/* A again */
	add(t, udp(4 * S_, "10.0.0.4", 5000, "10.0.0.2", 161, 0));	/* C: B goes */
	cr_assert(eq(sz, ngot, 1));
	cr_assert(eq(u8, got[0].key.proto, 1));
	cr_assert(eq(sz, flow_table_active(t), 2));
	flow_table_flush(t);
	flow_table_free(t);
}

Test(flow, flushes_by_first_packet_then_creation)
{
	struct flow_table *t = table(NULL);

	add(t, udp(5 * S_, "10.0.0.1", 1, "10.0.0.2", 161, 0));	/* id 0 */
	add(t, udp(3 * S_, "10.0.0.1", 2, "10.0.0.2", 161, 0));	/* id 1 */
	add(t, udp(5 * S_, "10.0.0.1", 3, "10.0.0.2", 161, 0));	/* id 2 */
	add(t, udp(4 * S_, "10.0.0.1", 4, "10.0.0.2", 161, 0));	/* id 3 */
	flow_table_flush(t);
	cr_assert(eq(sz, ngot, 4));
	cr_assert(eq(u64, got[0].id, 1));
	cr_assert(eq(u64, got[1].id, 3));
	cr_assert(eq(u64, got[2].id, 0));
	cr_assert(eq(u64, got[3].id, 2));
	cr_assert(eq(sz, flow_table_active(t), 0));
	flow_table_flush(t);	/* nothing left: nothing more */
	cr_assert(eq(sz, ngot, 4));
	flow_table_free(t);
}

Test(flow, records_capture_and_frame_of_the_first_packet)
{
	struct flow_table *t = table(NULL);
	struct tp_packet p = udp(1 * S_, "10.0.0.1", 5000, "10.0.0.2", 161, 0);
	const struct flow *f;

	cr_assert(flow_table_add(t, &p, 3, 77) != NULL);
	p.ts_ns = 2 * S_;
	cr_assert(flow_table_add(t, &p, 4, 78) != NULL);
	f = only_flow(t);
	cr_assert(eq(u32, f->first_capture, 3));
	cr_assert(eq(u64, f->first_frame, 77));
}

Test(flow, holds_a_million_flows_and_lets_them_all_go)
{
	struct flow_table *t = table(NULL);
	struct tp_packet p = udp(0, "10.0.0.1", 1, "10.128.0.1", 2222, 0);
	const uint32_t n = 1000000;

	for (uint32_t i = 0; i < n; i++) {
		p.ts_ns = i;
		p.src_ip[1] = (uint8_t)(i >> 16);
		p.src_ip[2] = (uint8_t)(i >> 8);
		p.src_ip[3] = (uint8_t)i;
		cr_assert(flow_table_add(t, &p, 0, i + 1) != NULL);
	}
	cr_assert(eq(sz, flow_table_active(t), n));
	/* A minute of silence later, one packet expires them all. */
	p.ts_ns = 60 * S_ + n;
	p.src_ip[0] = 11;
	cr_assert(flow_table_add(t, &p, 0, n + 1) != NULL);
	cr_assert(eq(u64, nemitted, n));
	cr_assert(eq(sz, flow_table_active(t), 1));
	/* In order of their deadlines: first seen, first gone. */
	cr_assert(eq(i64, got[0].first_ts, 0));
	cr_assert(eq(i64, got[1].first_ts, 1));
	flow_table_flush(t);
	cr_assert(eq(u64, flow_table_emitted(t), n + 1));
	flow_table_free(t);
}

Test(flow, names_tcp_states)
{
	cr_assert(same(flow_tcp_state_name(FLOW_TCP_ESTABLISHED), "established"));
	cr_assert(same(flow_tcp_state_name(FLOW_TCP_NONE), ""));
	cr_assert(same(flow_tcp_state_name((enum flow_tcp_state)99), "unknown"));
}
