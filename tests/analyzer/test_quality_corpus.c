/*
 * test_quality_corpus.c - damage in real captures: tapsight's quality.csv
 * against tshark with checksum and FCS validation turned on
 * (-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE
 *  -o udp.check_checksum:TRUE -o eth.check_fcs:TRUE), frame by frame
 * counted: frames with a bad IPv4 header checksum, frames with a bad
 * TCP/UDP/ICMP checksum, frames with a bad FCS.  A capture without damage
 * must show none; one with (checksum offload on the capturing host, bit
 * errors) must show the same frames.  One difference by design: tapsight
 * does not reassemble IP fragments, so a transport header in a datagram of
 * several fragments is not checked; tshark checks it at the frame that
 * completes the datagram (ip.reassembled.length), which is left out of the
 * transport count (erspan.pcap: 16 such frames, its outer IPv4 packets are
 * fragmented).  Skipped without the shared corpus.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/bytes.h"
#include "tests/support/corpus.h"
#include "tests/support/csvread.h"

struct damage_case {
	char rel[64];	/* arrays: Criterion copies parameters between processes */
};

static const struct damage_case cases[] = {
	{ "encap/erspan/erspan-type-i-4.pcap" }, { "encap/erspan/erspan-type-ii-3.pcap" },
	{ "encap/erspan/erspan-type-iii-ft-7.pcap" }, { "encap/erspan/erspan.pcap" },
	{ "encap/erspan/gre-erspan3-dot1q.pcap" }, { "encap/geneve/geneve.pcap" },
	{ "encap/gre/gre-sample.pcap" }, { "encap/gre/gre-within-gre.pcap" },
	{ "encap/mpls/mixed-vlan-mpls.pcap" }, { "encap/mpls/mpls-over-udp.pcap" },
	{ "encap/qinq/802.1ad_QinQ.pcap" }, { "encap/qinq/http-qinq-0.pcap" },
	{ "encap/sll/sll.pcap" }, { "encap/sll/sll2.pcap" }, { "encap/vlan/http-vlan-0.pcap" },
	{ "encap/vlan/icmp_dot1q.pcap" }, { "encap/vxlan/vxlan.pcap" },
	{ "encap/vxlan/vxlan-encapsulated-http.pcap" }, { "encap/other/raw_ip.pcap" },
	{ "ics/modbus/modbusSmall.pcap" }, { "ics/modbus/modbus_example.pcap" },
	{ "ics/dnp3/dnp3.pcap" }, { "ics/s7comm/s7ident.pcap" }, { "ics/iec104/IEC104.pcap" },
	{ "ics/enip/enip_cip_example.pcap" }, { "ics/iec61850/GOOSE.pcap" },
	{ "ics/opcua/opcua_with-gap.pcap" },
};

ParameterizedTestParameters(quality_corpus, damage_equals_tshark)
{
	return cr_make_param_array(struct damage_case, cases, sizeof cases / sizeof cases[0]);
}

/* Does a tshark cell (comma-joined checksum.status values, 0 = bad) say bad? */
static bool says_bad(const char *cell)
{
	for (const char *p = cell; *p; p++)
		if (*p == '0' && (p == cell || p[-1] == ',') && (p[1] == ',' || p[1] == '\0'))
			return true;
	return false;
}

ParameterizedTest(const struct damage_case *c, quality_corpus, damage_equals_tshark)
{
	static const char *const fields[] = { "ip.checksum.status", "tcp.checksum.status",
					      "udp.checksum.status", "icmp.checksum.status",
					      "eth.fcs.status", "ip.reassembled.length" };
	const char *bin = getenv("TAPSIGHT_BIN") ? getenv("TAPSIGHT_BIN") : "build/release/tapsight";
	const char *path = corpus_file(c->rel);
	const char *dir = tmpdir_make();
	unsigned long ip = 0, l4 = 0, fcs = 0;
	struct tshark_rows t;
	struct csv_table q = { 0 };
	char cmd[1024], out[512];

	cr_assert(tshark_fields(path, NULL,
				"-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
				"-o udp.check_checksum:TRUE -o eth.check_fcs:TRUE",
				fields, 6, &t));
	for (size_t r = 0; r < t.nrows; r++) {
		ip += says_bad(tshark_cell(&t, r, 1));
		l4 += !*tshark_cell(&t, r, 6) &&
		      (says_bad(tshark_cell(&t, r, 2)) || says_bad(tshark_cell(&t, r, 3)) ||
		       says_bad(tshark_cell(&t, r, 4)));
		fcs += says_bad(tshark_cell(&t, r, 5));
	}
	tshark_rows_free(&t);
	snprintf(cmd, sizeof cmd, "'%s' -q --no-hash -o '%s' '%s'", bin, dir, path);
	cr_assert(eq(int, system(cmd), 0), "%s", cmd);
	snprintf(out, sizeof out, "%s/quality.csv", dir);
	cr_assert(eq(int, csv_table_read(&q, out), 0));
	cr_assert(eq(sz, q.rows, 2));
	cr_expect(eq(ulong, strtoul(csv_table_get(&q, 1, "ip_checksum_errors"), NULL, 10), ip), "%s", c->rel);
	cr_expect(eq(ulong, strtoul(csv_table_get(&q, 1, "l4_checksum_errors"), NULL, 10), l4), "%s", c->rel);
	cr_expect(eq(ulong, strtoul(csv_table_get(&q, 1, "fcs_errors"), NULL, 10), fcs), "%s", c->rel);
	csv_table_free(&q);
	tmpfile_cleanup();
}
