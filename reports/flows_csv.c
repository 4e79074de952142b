/* flows_csv.c - see flows_csv.h. */
#include "reports/flows_csv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/addr.h"
#include "reports/csv.h"

struct flows_csv {
	struct csv_out *out;
};

static const char *const columns[] = {
	"view", "proto", "orig_ip", "orig_port", "resp_ip", "resp_port", "orig_mac",
	"resp_mac", "vlans", "encap", "first_ts", "last_ts", "duration_s", "orig_frames",
	"orig_bytes", "resp_frames", "resp_bytes", "tcp_history", "gap_bytes", "gaps",
	"retransmissions", "first_capture", "first_frame", "orig_payload_bytes",
	"resp_payload_bytes", "out_of_order", "zero_windows", "tcp_state", "ethertype",
	"ip_version", "ws_lost_segments", "ws_ack_lost_segments",
};

struct flows_csv *flows_csv_open(const char *dir, bool bom, char *err, size_t errlen)
{
	struct flows_csv *o = calloc(1, sizeof *o);

	if (!o) {
		snprintf(err, errlen, "%s/flows.csv: out of memory", dir);
		return NULL;
	}
	o->out = csv_open(dir, "flows.csv", columns, sizeof columns / sizeof *columns, bom, err,
			  errlen);
	if (!o->out) {
		free(o);
		return NULL;
	}
	return o;
}

static void text_or_empty(struct csv_out *o, const char *s)
{
	if (s && *s)
		csv_text(o, s);
	else
		csv_empty(o);
}

static void proto_cell(struct csv_out *o, const struct flow_key *k)
{
	if (k->kind == FLOW_L2)
		csv_text(o, "l2");
	else if (k->proto == 6)
		csv_text(o, "tcp");
	else if (k->proto == 17)
		csv_text(o, "udp");
	else if (k->proto == 1)
		csv_text(o, "icmp");
	else if (k->proto == 58)
		csv_text(o, "icmpv6");
	else
		csv_u64(o, k->proto);
}

static void ip_cell(struct csv_out *o, const struct flow_key *k, int side)
{
	char buf[ADDR_TEXT_MAX];

	if (k->kind == FLOW_IP && *addr_ip_text(buf, k->ip_version, k->addr[side]))
		csv_text(o, buf);
	else
		csv_empty(o);
}

static void port_cell(struct csv_out *o, const struct flow_key *k, int side)
{
	if (k->kind == FLOW_IP && (k->proto == 6 || k->proto == 17))
		csv_u64(o, k->port[side]);
	else
		csv_empty(o);
}

/* A row per flow: formatted by hand, as printf would cost more than the
 * rest of the row. */
static const char hex_digits[] = "0123456789abcdef";

static void mac_cell(struct csv_out *o, const struct flow *f, int side)
{
	char buf[18];

	if (f->mac_seen & (1u << side))
		csv_text(o, addr_mac_text(buf, f->key.mac[side]));
	else
		csv_empty(o);
}

void flows_csv_ends(struct csv_out *o, const struct flow *f)
{
	int os = f->orig, rs = !f->orig;

	ip_cell(o, &f->key, os);
	port_cell(o, &f->key, os);
	ip_cell(o, &f->key, rs);
	port_cell(o, &f->key, rs);
	mac_cell(o, f, os);
	mac_cell(o, f, rs);
}

/* Writes v in decimal at p; returns the end. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void vlans_cell(struct csv_out *o, const struct flow *f)
{
	char buf[FLOW_MAX_VLANS * 6 + 1], *p = buf;

	for (size_t i = 0; i < f->nvlans && i < FLOW_MAX_VLANS; i++) {
		if (i)
			*p++ = ';';
		p = put_u64(p, f->vlans[i]);
	}
	*p = '\0';
	text_or_empty(o, buf);
}

/* Seconds with 9 decimals, a plain number: last_ts >= first_ts always holds. */
static void duration_cell(struct csv_out *o, const struct flow *f)
{
	uint64_t ns = (uint64_t)f->last_ts - (uint64_t)f->first_ts, frac = ns % 1000000000u;
	char buf[32], *p = put_u64(buf, ns / 1000000000u);

	*p++ = '.';
	for (int i = 8; i >= 0; i--) {
		p[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	p[9] = '\0';
	csv_raw(o, buf);
}

/* A TCP count summed over both directions; empty for other protocols. */
static void tcp_sum(struct csv_out *o, bool tcp, uint64_t a, uint64_t b)
{
	if (tcp)
		csv_u64(o, a + b);
	else
		csv_empty(o);
}

void flows_csv_row(struct flows_csv *o, const char *view, const char *capture_path,
		   const struct flow *f)
{
	struct csv_out *c = o->out;
	const struct flow_key *k = &f->key;
	const struct flow_dir *org = flow_orig(f), *rsp = flow_resp(f);
	const struct flow_dir *d = f->dir;
	bool tcp = k->kind == FLOW_IP && k->proto == 6;
	char buf[8];

	/* Views and file names are chosen by whoever made the evidence. */
	csv_hostile(c, (const uint8_t *)view, view ? strlen(view) : 0);
	proto_cell(c, k);
	flows_csv_ends(c, f);
	vlans_cell(c, f);
	text_or_empty(c, tp_encap_name((enum tp_encap)f->encap));
	csv_ts(c, f->first_ts);
	csv_ts(c, f->last_ts);
	duration_cell(c, f);
	csv_u64(c, org->frames);
	csv_u64(c, org->bytes);
	csv_u64(c, rsp->frames);
	csv_u64(c, rsp->bytes);
	text_or_empty(c, f->history);
	tcp_sum(c, tcp, d[0].gap_bytes, d[1].gap_bytes);
	tcp_sum(c, tcp, d[0].gaps, d[1].gaps);
	tcp_sum(c, tcp, d[0].retransmissions, d[1].retransmissions);
	csv_hostile(c, (const uint8_t *)capture_path, capture_path ? strlen(capture_path) : 0);
	csv_u64(c, f->first_frame);
	csv_u64(c, org->payload_bytes);
	csv_u64(c, rsp->payload_bytes);
	tcp_sum(c, tcp, d[0].out_of_order, d[1].out_of_order);
	tcp_sum(c, tcp, d[0].zero_windows, d[1].zero_windows);
	text_or_empty(c, flow_tcp_state_name((enum flow_tcp_state)f->tcp_state));
	if (k->kind == FLOW_L2) {
		buf[0] = '0';
		buf[1] = 'x';
		for (int i = 0; i < 4; i++)
			buf[2 + i] = hex_digits[(k->ethertype >> (12 - 4 * i)) & 15];
		buf[6] = '\0';
		csv_text(c, buf);
		csv_empty(c);
	} else {
		csv_empty(c);
		csv_u64(c, k->ip_version);
	}
	tcp_sum(c, tcp, d[0].ws_lost_segments, d[1].ws_lost_segments);
	tcp_sum(c, tcp, d[0].ws_ack_lost_segments, d[1].ws_ack_lost_segments);
	csv_end_row(c);
}

bool flows_csv_close(struct flows_csv *o, char *err, size_t errlen)
{
	bool ok;

	if (!o)
		return false;
	ok = csv_close(o->out, err, errlen);
	free(o);
	return ok;
}
