/* Tests of reports/flows_csv.c: flows.csv cells, read back through libcsv. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "reports/flows_csv.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/csvread.h"

#define S_ INT64_C(1000000000)
#define T0 (INT64_C(1795760080) * S_)	/* 2026-11-27T06:14:40Z */

static void cleanup(void)
{
	tmpfile_cleanup();
}

static const char *const header[] = {
	"view", "proto", "orig_ip", "orig_port", "resp_ip", "resp_port", "orig_mac",
	"resp_mac", "vlans", "encap", "first_ts", "last_ts", "duration_s", "orig_frames",
	"orig_bytes", "resp_frames", "resp_bytes", "tcp_history", "gap_bytes", "gaps",
	"retransmissions", "first_capture", "first_frame", "orig_payload_bytes",
	"resp_payload_bytes", "out_of_order", "zero_windows", "tcp_state", "ethertype",
	"ip_version", "ws_lost_segments", "ws_ack_lost_segments",
};
#define NCOLS (sizeof header / sizeof *header)

/* An IPv6 Modbus/TCP flow whose originator is canonical side 1. */
static struct flow tcp6_flow(void)
{
	struct flow f;

	memset(&f, 0, sizeof f);
	f.key.kind = FLOW_IP;
	f.key.ip_version = 6;
	f.key.proto = 6;
	inet_pton(AF_INET6, "2001:db8::5", f.key.addr[0]);
	inet_pton(AF_INET6, "2001:db8::a:1", f.key.addr[1]);
	f.key.port[0] = 502;
	f.key.port[1] = 40000;
	memcpy(f.key.mac[0], "\x00\x1b\x1b\x01\x02\x03", 6);
	memcpy(f.key.mac[1], "\xaa\xbb\xcc\xdd\xee\xff", 6);
	f.mac_seen = 3;
	f.orig = 1;
	f.dir[1].frames = 6;
	f.dir[1].bytes = 600;
	f.dir[1].payload_bytes = 24;
	f.dir[0].frames = 4;
	f.dir[0].bytes = 400;
	f.dir[0].payload_bytes = 22;
	f.dir[1].gaps = 1;
	f.dir[1].gap_bytes = 100;
	f.dir[0].gaps = 2;
	f.dir[0].gap_bytes = 1460;
	f.dir[1].retransmissions = 3;
	f.dir[0].out_of_order = 1;
	f.dir[0].zero_windows = 2;
	f.dir[1].ws_lost_segments = 1;
	f.dir[0].ws_ack_lost_segments = 2;
	f.first_ts = T0;
	f.last_ts = T0 + 1500000000;
	f.tcp_state = FLOW_TCP_CLOSED;
	snprintf(f.history, sizeof f.history, "ShADadFf");
	f.encap = TP_ENCAP_ERSPAN2;
	f.nvlans = 2;
	f.vlans[0] = 10;
	f.vlans[1] = 20;
	f.first_frame = 17;
	return f;
}

/* A GOOSE publication: layer 2, keyed on MACs and EtherType. */
static struct flow goose_flow(void)
{
	struct flow f;

	memset(&f, 0, sizeof f);
	f.key.kind = FLOW_L2;
	f.key.ethertype = 0x88b8;
	memcpy(f.key.mac[0], "\x01\x0c\xcd\x01\x00\x01", 6);
	memcpy(f.key.mac[1], "\x00\x50\xc2\x4f\x90\x01", 6);
	f.mac_seen = 3;
	f.orig = 1;
	f.dir[1].frames = 3;
	f.dir[1].bytes = 300;
	f.first_ts = T0;
	f.last_ts = T0 + 2 * S_ + 5;
	return f;
}

/* SCTP over IPv4, no MAC seen (a raw IP capture). */
static struct flow sctp_flow(void)
{
	struct flow f;

	memset(&f, 0, sizeof f);
	f.key.kind = FLOW_IP;
	f.key.ip_version = 4;
	f.key.proto = 132;
	inet_pton(AF_INET, "192.0.2.1", f.key.addr[0]);
	inet_pton(AF_INET, "192.0.2.200", f.key.addr[1]);
	f.dir[0].frames = 1;
	f.dir[0].bytes = 98;
	f.first_ts = f.last_ts = T0;
	f.first_frame = 1;
	return f;
}

static void write_flows(const char *dir)
{
	char err[256] = "";
	struct flows_csv *o = flows_csv_open(dir, false, err, sizeof err);
	struct flow a = tcp6_flow(), b = goose_flow(), c = sctp_flow();

	cr_assert(not(eq(ptr, o, NULL)), "%s", err);
	flows_csv_row(o, "tap", "caps/plant.pcapng", &a);
	flows_csv_row(o, "=span", "-evil.pcap", &b);
	flows_csv_row(o, "tap", "caps/plant.pcapng", &c);
	cr_assert(flows_csv_close(o, err, sizeof err), "%s", err);
}

static void read_back(struct csv_table *t)
{
	const char *dir = tmpdir_make();
	char path[256];

	write_flows(dir);
	snprintf(path, sizeof path, "%s/flows.csv", dir);
	cr_assert(eq(int, csv_table_read(t, path), 0));
	cr_assert(eq(sz, t->rows, 4));
	cr_assert(eq(sz, t->cols, NCOLS));
	cr_assert(eq(int, t->ragged, 0));
}

Test(flows_csv, writes_the_columns_in_order, .fini = cleanup)
{
	struct csv_table t;

	read_back(&t);
	for (size_t i = 0; i < NCOLS; i++)
		cr_assert(same(t.cells[i], header[i]), "column %zu", i);
	csv_table_free(&t);
}

struct cell {
	const char *column, *want;
};

static void check_row(const struct csv_table *t, size_t row, const struct cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert(same(csv_table_get(t, row, cells[i].column), cells[i].want), "row %zu, %s",
			  row, cells[i].column);
}

Test(flows_csv, writes_a_tcp_flow_from_its_originator, .fini = cleanup)
{
	static const struct cell want[] = {
		{ "view", "tap" },
		{ "proto", "tcp" },
		{ "orig_ip", "2001:db8::a:1" },
		{ "orig_port", "40000" },
		{ "resp_ip", "2001:db8::5" },
		{ "resp_port", "502" },
		{ "orig_mac", "aa:bb:cc:dd:ee:ff" },
		{ "resp_mac", "00:1b:1b:01:02:03" },
		{ "vlans", "10;20" },
		{ "encap", "erspan2" },
		{ "first_ts", "2026-11-27T06:14:40.000000000Z" },
		{ "last_ts", "2026-11-27T06:14:41.500000000Z" },
		{ "duration_s", "1.500000000" },
		{ "orig_frames", "6" },
		{ "orig_bytes", "600" },
		{ "resp_frames", "4" },
		{ "resp_bytes", "400" },
		{ "tcp_history", "ShADadFf" },
		{ "gap_bytes", "1560" },
		{ "gaps", "3" },
		{ "retransmissions", "3" },
		{ "first_capture", "caps/plant.pcapng" },
		{ "first_frame", "17" },
		{ "orig_payload_bytes", "24" },
		{ "resp_payload_bytes", "22" },
		{ "out_of_order", "1" },
		{ "zero_windows", "2" },
		{ "tcp_state", "closed" },
		{ "ethertype", "" },
		{ "ip_version", "6" },
		{ "ws_lost_segments", "1" },
		{ "ws_ack_lost_segments", "2" },
	};
	struct csv_table t;

	read_back(&t);
	check_row(&t, 1, want, sizeof want / sizeof *want);
	csv_table_free(&t);
}

Test(flows_csv, writes_a_layer2_flow_without_ports_and_neutralises_names, .fini = cleanup)
{
	static const struct cell want[] = {
		{ "view", "'=span" },
		{ "proto", "l2" },
		{ "orig_ip", "" },
		{ "orig_port", "" },
		{ "resp_ip", "" },
		{ "resp_port", "" },
		{ "orig_mac", "00:50:c2:4f:90:01" },
		{ "resp_mac", "01:0c:cd:01:00:01" },
		{ "vlans", "" },
		{ "encap", "" },
		{ "duration_s", "2.000000005" },
		{ "orig_frames", "3" },
		{ "resp_frames", "0" },
		{ "tcp_history", "" },
		{ "gap_bytes", "" },
		{ "gaps", "" },
		{ "retransmissions", "" },
		{ "first_capture", "'-evil.pcap" },
		{ "tcp_state", "" },
		{ "ethertype", "0x88b8" },
		{ "ip_version", "" },
		{ "ws_lost_segments", "" },
	};
	struct csv_table t;

	read_back(&t);
	check_row(&t, 2, want, sizeof want / sizeof *want);
	csv_table_free(&t);
}

Test(flows_csv, writes_other_protocols_by_number_and_unseen_macs_empty, .fini = cleanup)
{
	static const struct cell want[] = {
		{ "proto", "132" },
		{ "orig_ip", "192.0.2.1" },
		{ "orig_port", "" },
		{ "resp_ip", "192.0.2.200" },
		{ "orig_mac", "" },
		{ "resp_mac", "" },
		{ "duration_s", "0.000000000" },
		{ "ip_version", "4" },
	};
	struct csv_table t;

	read_back(&t);
	check_row(&t, 3, want, sizeof want / sizeof *want);
	csv_table_free(&t);
}

Test(flows_csv, writes_numbers_plain_and_text_quoted, .fini = cleanup)
{
	const char *dir = tmpdir_make();
	char path[256], buf[4096];
	FILE *f;
	size_t n;

	write_flows(dir);
	snprintf(path, sizeof path, "%s/flows.csv", dir);
	f = fopen(path, "rb");
	cr_assert(not(eq(ptr, f, NULL)));
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	cr_assert(not(eq(ptr, strstr(buf, ",40000,\"2001:db8::5\",502,"), NULL)));
	cr_assert(not(eq(ptr, strstr(buf, "Z,1.500000000,6,600,"), NULL)));
	cr_assert(not(eq(ptr, strstr(buf, ",\"10;20\",\"erspan2\","), NULL)));
}

Test(flows_csv, open_fails_with_a_message_when_the_folder_is_missing)
{
	char err[256] = "";

	cr_assert(eq(ptr, flows_csv_open("/nonexistent/folder", false, err, sizeof err), NULL));
	cr_assert(not(eq(ptr, strstr(err, "/nonexistent/folder"), NULL)));
	cr_assert(not(flows_csv_close(NULL, err, sizeof err)));
}
