/*
 * Tests of the plant simulator (samples/) through its binary ($TAPSIGHT_SIM):
 * tshark dissects every frame of tap.pcapng cleanly except the frames the
 * truth marks as damaged; runs are deterministic per seed; the TAP carries
 * exactly the wire truth; the protocols of the scenario are all there.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/csvread.h"
#include "tests/support/sim_run.h"

#define TSHARK SIM_TSHARK

static void need_tshark(void)
{
	if (access(TSHARK, X_OK) != 0)
		cr_skip_test("samples: %s not installed: tshark is the oracle of these tests", TSHARK);
}

TestSuite(samples, .fini = sim_cleanup);

Test(samples, help_and_bad_usage)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "'%s' --help >/dev/null", sim_bin());
	cr_assert(eq(int, WEXITSTATUS(system(cmd)), 0));
	snprintf(cmd, sizeof cmd, "'%s' --seed x -o /tmp 2>/dev/null", sim_bin());
	cr_assert(eq(int, WEXITSTATUS(system(cmd)), 2));
	snprintf(cmd, sizeof cmd, "'%s' --duration 5 2>/dev/null", sim_bin());
	cr_assert(eq(int, WEXITSTATUS(system(cmd)), 2));
	snprintf(cmd, sizeof cmd, "'%s' -o /nonexistent/a/b 2>/dev/null", sim_bin());
	cr_assert(eq(int, WEXITSTATUS(system(cmd)), 1));
}

/* The knobs are parsed strictly and range-checked: exit 2, nothing run. */
Test(samples, bad_option_values_exit_2)
{
	static const char *const bad[] = {
		"--span-mbps 0",	 "--span-mbps 9",	 "--span-mbps 100001", "--span-mbps 1e3",
		"--span-mbps -100",	 "--span-mbps ''",	 "--tunnel-loss 501",  "--tunnel-loss 0.3",
		"--tunnel-loss +3",	 "--poll-ms 19",	 "--poll-ms 60001",    "--poll-ms 100ms",
		"--vswitch-drops 101", "--vswitch-drops x", "--poll-ms 99999999999999999999999",
	};
	char cmd[512];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(cmd, sizeof cmd, "'%s' %s -o /tmp/tapsight-sim-never 2>/dev/null", sim_bin(), bad[i]);
		cr_expect(eq(int, WEXITSTATUS(system(cmd)), 2), "%s", bad[i]);
	}
	snprintf(cmd, sizeof cmd, "'%s' --help | grep -q -- --tunnel-loss", sim_bin());
	cr_expect(eq(int, WEXITSTATUS(system(cmd)), 0), "--help lists the knobs");
	cr_expect(eq(int, access("/tmp/tapsight-sim-never", F_OK), -1));
}

/* (a) No malformed frame and no error-severity expert finding except on the
 * frames the truth marks damaged, and every damaged frame is flagged.  The
 * only warnings allowed are the RSTs of the rogue laptop's port scan. */
Test(samples, tshark_dissects_every_frame_cleanly_except_damaged)
{
	struct csv_table t = { 0 };
	char path[128], cmd[512], line[4096];
	size_t frames = 0, damaged_flagged = 0, damaged_truth = 0, unexpected = 0;
	FILE *p;

	need_tshark();
	cr_assert(eq(int, sim_run(0, 1, 60), 0));
	sim_path(path, sizeof path, 0, "truth-frames.csv");
	cr_assert(eq(int, csv_table_read(&t, path), 0));
	for (size_t r = 1; r < t.rows; r++)
		damaged_truth += strcmp(csv_table_get(&t, r, "damaged"), "none") != 0;
	snprintf(cmd, sizeof cmd,
		 TSHARK " -o eth.check_fcs:TRUE -r '%s/tap.pcapng' -T fields -E separator=/t -E occurrence=a "
		 "-e frame.number -e _ws.malformed -e _ws.expert.severity -e tcp.flags.reset 2>/dev/null",
		 sim_dirs[0]);
	p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	while (fgets(line, sizeof line, p)) {
		char *f[4] = { line, NULL, NULL, NULL };
		size_t n = 1;
		unsigned long num;
		const char *dmg;
		bool bad, warn;

		for (char *c = line; *c && n < 4; c++)
			if (*c == '\t') {
				*c = '\0';
				f[n++] = c + 1;
			}
		cr_assert(eq(sz, n, 4), "tshark line with %zu fields", n);
		line[strcspn(line, "\n")] = '\0';
		f[3][strcspn(f[3], "\n")] = '\0';
		num = strtoul(f[0], NULL, 10);
		frames++;
		dmg = csv_table_get(&t, num, "damaged");
		cr_assert(ne(ptr, (void *)dmg, NULL), "frame %lu not in the truth", num);
		bad = f[1][0] != '\0' || strstr(f[2], "8388608") != NULL;
		warn = strstr(f[2], "6291456") != NULL;
		if (strcmp(dmg, "none") != 0) {
			damaged_flagged += bad;
		} else if (bad || (warn && strcmp(f[3], "1") != 0 && strcmp(f[3], "True") != 0)) {
			cr_log_error("frame %lu: malformed '%s', severities '%s'", num, f[1], f[2]);
			unexpected++;
		}
	}
	cr_assert(eq(int, pclose(p), 0));
	cr_expect(eq(sz, unexpected, 0));
	cr_expect(ne(sz, damaged_truth, 0));
	cr_expect(eq(sz, damaged_flagged, damaged_truth));
	cr_expect(eq(sz, frames, t.rows - 1));
	csv_table_free(&t);
}

static void sha256_of(size_t slot, const char *name, char out[65])
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof cmd, "sha256sum '%s/%s'", sim_dirs[slot], name);
	p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	cr_assert(ne(ptr, fgets(out, 65, p), NULL));
	cr_assert(eq(int, pclose(p), 0));
}

/* (b) Same seed, byte-identical outputs; another seed, another capture. */
Test(samples, same_seed_gives_identical_files)
{
	static const char *const files[] = {
		"tap.pcapng", "truth-frames.csv", "truth-assets.csv", "inventory.csv", "truth-views.csv",
	};
	char a[65], b[65];

	cr_assert(eq(int, sim_run(0, 42, 20), 0));
	cr_assert(eq(int, sim_run(1, 42, 20), 0));
	cr_assert(eq(int, sim_run(2, 43, 20), 0));
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		sha256_of(0, files[i], a);
		sha256_of(1, files[i], b);
		cr_expect(eq(str, a, b), "%s differs between two runs with one seed", files[i]);
	}
	sha256_of(0, "tap.pcapng", a);
	sha256_of(2, "tap.pcapng", b);
	cr_expect(ne(str, a, b));
}

/* (c) The TAP carries every wire frame: pcapng records = truth rows = the
 * counts of the tap row in truth-views.csv. */
Test(samples, tap_frame_count_matches_truth)
{
	struct csv_table fr = { 0 }, v = { 0 }, inv = { 0 }, as = { 0 };
	char path[128], cmd[256];
	unsigned long n = 0, damaged = 0;
	FILE *p;

	need_tshark();
	cr_assert(eq(int, sim_run(0, 5, 30), 0));
	sim_path(path, sizeof path, 0, "truth-frames.csv");
	cr_assert(eq(int, csv_table_read(&fr, path), 0));
	sim_path(path, sizeof path, 0, "truth-views.csv");
	cr_assert(eq(int, csv_table_read(&v, path), 0));
	sim_path(path, sizeof path, 0, "inventory.csv");
	cr_assert(eq(int, csv_table_read(&inv, path), 0));
	sim_path(path, sizeof path, 0, "truth-assets.csv");
	cr_assert(eq(int, csv_table_read(&as, path), 0));
	snprintf(cmd, sizeof cmd, TSHARK " -r '%s/tap.pcapng' -T fields -e frame.number 2>/dev/null | wc -l",
		 sim_dirs[0]);
	p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	cr_assert(eq(int, fscanf(p, "%lu", &n), 1));
	cr_assert(eq(int, pclose(p), 0));
	for (size_t r = 1; r < fr.rows; r++)
		damaged += strcmp(csv_table_get(&fr, r, "damaged"), "none") != 0;

	cr_expect(n > 1000, "only %lu frames", n);
	cr_expect(eq(ulong, n, fr.rows - 1));
	cr_assert(ge(sz, v.rows, 2));	/* the tap, then the other mirrors */
	cr_expect(eq(str, (char *)csv_table_get(&v, 1, "view"), "tap"));
	cr_expect(eq(ulong, strtoul(csv_table_get(&v, 1, "frames"), NULL, 10), n));
	cr_expect(eq(ulong, strtoul(csv_table_get(&v, 1, "wire_frames"), NULL, 10), n));
	cr_expect(eq(str, (char *)csv_table_get(&v, 1, "dropped"), "0"));
	cr_expect(eq(str, (char *)csv_table_get(&v, 1, "duplicated"), "0"));
	cr_expect(eq(ulong, strtoul(csv_table_get(&v, 1, "damaged_passed"), NULL, 10), damaged));
	cr_expect(eq(str, (char *)csv_table_get(&v, 1, "damaged_dropped"), "0"));
	/* The inventory is every asset but the rogue. */
	cr_expect(eq(sz, inv.rows + 1, as.rows));
	csv_table_free(&fr);
	csv_table_free(&v);
	csv_table_free(&inv);
	csv_table_free(&as);
}

/* (d) Every implemented protocol is dissected as such by tshark, and the
 * count per protocol equals the truth's. */
struct proto_case {
	/* Arrays, not pointers: Criterion copies the parameters into the
	 * test's process, where pointers into our data may not hold. */
	char truth[16];		/* protocol column of truth-frames.csv */
	char filter[16];	/* tshark display filter */
};

static const struct proto_case protos[] = {
	{ "arp", "arp" },
	{ "modbus", "mbtcp" },
	{ "goose", "goose" },
	{ "dhcp", "dhcp" },
	{ "dnp3", "dnp3" },
	{ "iec104", "104apci" },
	{ "lldp", "lldp" },
	{ "ntp", "ntp" },
	{ "dns", "dns" },
	{ "cotp", "cotp && !s7comm" },
	{ "s7comm", "s7comm" },
	{ "enip", "enip" },
	{ "bacnet", "bacapp" },
	{ "opcua", "opcua" },
};

ParameterizedTestParameters(samples, protocol_is_dissected)
{
	return cr_make_param_array(struct proto_case, protos, sizeof protos / sizeof protos[0]);
}

ParameterizedTest(const struct proto_case *pc, samples, protocol_is_dissected)
{
	struct csv_table t = { 0 };
	char path[128], cmd[512];
	unsigned long got = 0, want = 0;
	FILE *p;

	need_tshark();
	cr_assert(eq(int, sim_run(0, 3, 60), 0));
	sim_path(path, sizeof path, 0, "truth-frames.csv");
	cr_assert(eq(int, csv_table_read(&t, path), 0));
	for (size_t r = 1; r < t.rows; r++)
		want += strcmp(csv_table_get(&t, r, "protocol"), pc->truth) == 0 &&
			strcmp(csv_table_get(&t, r, "damaged"), "none") == 0;
	/* Damaged frames are left out: a runt may not dissect at all. */
	snprintf(cmd, sizeof cmd,
		 TSHARK " -o eth.check_fcs:TRUE -r '%s/tap.pcapng' -Y '%s && eth.fcs.status==1' "
		 "-T fields -e frame.number 2>/dev/null | wc -l", sim_dirs[0], pc->filter);
	p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	cr_assert(eq(int, fscanf(p, "%lu", &got), 1));
	cr_assert(eq(int, pclose(p), 0));
	cr_expect(ne(ulong, want, 0), "%s: no frame in the truth", pc->truth);
	cr_expect(eq(ulong, got, want), "%s: tshark %lu frames, truth %lu", pc->truth, got, want);
	csv_table_free(&t);
}

/* (e) The identities the new devices announce on the wire are the ones the
 * asset truth holds: tshark reads each back from tap.pcapng. */
struct identity_case {
	char filter[48];	/* display filter selecting the frame */
	char field[40];		/* tshark field to print */
	char want[40];		/* first occurrence, blanks trimmed */
};

static const struct identity_case identities[] = {
	{ "s7comm.szl.xy11.0001.anz", "s7comm.szl.xy11.0001.anz", "6ES7 515-2AM01-0AB0" },
	{ "enip.lir.name", "enip.lir.name", "1734-AENTR POINT I/O" },
	{ "enip.lir.name", "enip.lir.vendor", "0x0001" },
	{ "cip.cm.otrpi", "cip.cm.otrpi", "100000" },
	{ "bacapp.vendor_identifier", "bacapp.instance_number", "71001" },
	{ "bacapp.vendor_identifier", "bacapp.vendor_identifier", "8" },
	{ "opcua.transport.endpoint", "opcua.transport.endpoint", "opc.tcp://10.10.0.23:4840" },
};

ParameterizedTestParameters(samples, identity_on_the_wire)
{
	return cr_make_param_array(struct identity_case, identities, sizeof identities / sizeof identities[0]);
}

ParameterizedTest(const struct identity_case *ic, samples, identity_on_the_wire)
{
	char cmd[512], line[256] = "";
	FILE *p;
	size_t n;

	need_tshark();
	cr_assert(eq(int, sim_run(0, 3, 20), 0));
	snprintf(cmd, sizeof cmd,
		 TSHARK " -r '%s/tap.pcapng' -Y '%s' -T fields -E occurrence=f -e '%s' 2>/dev/null | head -1",
		 sim_dirs[0], ic->filter, ic->field);
	p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	cr_assert(eq(int, pclose(p), 0));
	n = strcspn(line, "\n");
	while (n > 0 && line[n - 1] == ' ')
		n--;
	line[n] = '\0';
	cr_expect(eq(str, line, (char *)ic->want), "%s: got '%s'", ic->field, line);
}

/* (f) The historian reads its tag: tshark sees the PLC's OPC UA
 * ReadResponse (ReadResponse_Encoding_DefaultBinary, ns=0;i=634). */
Test(samples, opcua_historian_gets_read_responses)
{
	char cmd[512];
	unsigned long got = 0;
	FILE *p;

	need_tshark();
	cr_assert(eq(int, sim_run(0, 3, 20), 0));
	snprintf(cmd, sizeof cmd,
		 TSHARK " -r '%s/tap.pcapng' -Y 'opcua.servicenodeid.numeric == 634' "
		 "-T fields -e frame.number 2>/dev/null | wc -l", sim_dirs[0]);
	p = popen(cmd, "r");
	cr_assert(ne(ptr, p, NULL));
	cr_assert(eq(int, fscanf(p, "%lu", &got), 1));
	cr_assert(eq(int, pclose(p), 0));
	cr_expect(gt(ulong, got, 0), "no OPC UA ReadResponse in tap.pcapng");
}
