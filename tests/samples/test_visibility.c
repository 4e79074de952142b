/*
 * test_visibility.c - the assets tapsight finds in the samples, against the
 * simulator's ground truth: every device it put on the wire, with its
 * vendor, roles and identity; the rogue laptop flagged as not in the
 * inventory and unseen by the SPAN views; and per view and device, the
 * frames it sent that the view holds (truth-visibility.csv) exactly.
 *
 * The whole chain runs: tapsight-sim writes the views, the tapsight binary
 * reads them all (one view per mirror, as `make demo` does) with the
 * simulator's inventory.csv, and assets.csv is read back.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/support/csvread.h"
#include "tests/support/sim_run.h"

static const char *const views[][2] = {
	{ "tap", "tap.pcapng" },	{ "tap2", "tap-rx.pcapng" },	{ "tap2", "tap-tx.pcapng" },
	{ "span", "span.pcapng" },	{ "span-rx", "span-rx.pcap.gz" }, { "rspan", "rspan.pcapng" },
	{ "erspan2", "erspan.pcapng" }, { "erspan3", "erspan3.pcapng.zst" },
	{ "vswitch", "vswitch.pcapng" },
};

static struct csv_table assets, truth, seen;
static char out_dir[128];

static void run_once(void)
{
	const char *bin = getenv("TAPSIGHT_BIN") ? getenv("TAPSIGHT_BIN") : "build/release/tapsight";
	char cmd[4096], path[256];
	size_t n;

	cr_assert(eq(int, sim_run(0, 7, 60), 0));
	snprintf(out_dir, sizeof out_dir, "%s/report", sim_dirs[0]);
	/* The truth counts every copy a mirror made: duplicates are kept. */
	n = (size_t)snprintf(cmd, sizeof cmd, "'%s' -q -o '%s' --keep-duplicates --inventory '%s/inventory.csv'",
			     bin, out_dir, sim_dirs[0]);
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
		n += (size_t)snprintf(cmd + n, sizeof cmd - n, " %s='%s/%s'", views[i][0], sim_dirs[0],
				      views[i][1]);
	cr_assert(lt(sz, n, sizeof cmd));
	cr_assert(eq(int, system(cmd), 0), "%s", cmd);
	snprintf(path, sizeof path, "%s/assets.csv", out_dir);
	cr_assert(eq(int, csv_table_read(&assets, path), 0));
	sim_path(path, sizeof path, 0, "truth-assets.csv");
	cr_assert(eq(int, csv_table_read(&truth, path), 0));
	sim_path(path, sizeof path, 0, "truth-visibility.csv");
	cr_assert(eq(int, csv_table_read(&seen, path), 0));
}

static void teardown(void)
{
	csv_table_free(&assets);
	csv_table_free(&truth);
	csv_table_free(&seen);
	sim_cleanup();
}

TestSuite(visibility, .init = run_once, .fini = teardown);

static size_t asset_row(const char *mac)
{
	for (size_t r = 1; r < assets.rows; r++)
		if (strcmp(csv_table_get(&assets, r, "mac"), mac) == 0)
			return r;
	return 0;
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/* A truth protocol token ("modbus-client") as assets.csv's role. */
static const char *role_of(const char *token)
{
	static const char *const map[][2] = {
		{ "modbus-client", "modbus:client" },	{ "modbus-server", "modbus:server" },
		{ "dnp3-master", "dnp3:master" },	{ "dnp3-outstation", "dnp3:outstation" },
		{ "iec104-master", "iec104:master" },	{ "iec104-slave", "iec104:outstation" },
		{ "s7comm-client", "s7comm:client" },	{ "s7comm-server", "s7comm:server" },
		{ "opcua-client", "opcua:client" },	{ "opcua-server", "opcua:server" },
		{ "bacnet-client", "bacnet:client" },	{ "bacnet-server", "bacnet:server" },
		{ "goose-publisher", "goose:publisher" }, { "enip-scanner", "cip:client" },
		{ "enip-adapter", "cip:server" },	{ "cip-io-originator", "cip-io:scanner" },
		{ "cip-io-target", "cip-io:adapter" },	{ "dhcp-server", "dhcp:server" },
		{ "dhcp-client", "dhcp:client" },	{ "dns-server", "dns:server" },
		{ "dns-client", "dns:client" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(token, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* Every device the simulator put on the wire is an asset with its vendor,
 * address, roles and the identity its protocols reveal. */
Test(visibility, every_device_is_found_with_vendor_roles_and_identity)
{
	for (size_t t = 1; t < truth.rows; t++) {
		const char *name = csv_table_get(&truth, t, "name");
		const char *mac = csv_table_get(&truth, t, "mac");
		const char *protocols = csv_table_get(&truth, t, "protocols");
		const char *model = csv_table_get(&truth, t, "model");
		size_t r = asset_row(mac);
		char tokens[256], *save = NULL;

		cr_assert(gt(sz, r, 0), "%s (%s) is not in assets.csv", name, mac);
		cr_expect(eq(str, (char *)csv_table_get(&assets, r, "ip"), (char *)csv_table_get(&truth, t, "ip")),
			  "%s", name);
		if (strcmp(csv_table_get(&truth, t, "rogue"), "yes") == 0) {
			cr_expect(eq(str, (char *)csv_table_get(&assets, r, "vendor"), "locally administered"));
		} else {
			cr_expect(contains_nocase(csv_table_get(&assets, r, "vendor"),
						  csv_table_get(&truth, t, "vendor")),
				  "%s: vendor %s, truth %s", name, csv_table_get(&assets, r, "vendor"),
				  csv_table_get(&truth, t, "vendor"));
		}
		snprintf(tokens, sizeof tokens, "%s", protocols);
		for (char *tok = strtok_r(tokens, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			const char *role = role_of(tok);

			if (role)
				cr_expect(strstr(csv_table_get(&assets, r, "roles"), role) != NULL,
					  "%s: role %s not in \"%s\"", name, role, csv_table_get(&assets, r, "roles"));
			if (strcmp(tok, "lldp") == 0) {
				/* LLDP: system name and description (the model). */
				cr_expect(strstr(csv_table_get(&assets, r, "names"), name) != NULL,
					  "%s: names \"%s\"", name, csv_table_get(&assets, r, "names"));
				cr_expect(strstr(csv_table_get(&assets, r, "identity"), model) != NULL,
					  "%s: identity \"%s\"", name, csv_table_get(&assets, r, "identity"));
			}
		}
	}
}

static const char *identity_of(const char *name)
{
	for (size_t t = 1; t < truth.rows; t++)
		if (strcmp(csv_table_get(&truth, t, "name"), name) == 0)
			return csv_table_get(&assets, asset_row(csv_table_get(&truth, t, "mac")), "identity");
	cr_assert(false, "%s not in the truth", name);
	return "";
}

/* What the ICS protocols themselves reveal (checked by hand against
 * samples/build_*.c): Modbus device identification (vendor, product code,
 * revision), the S7 module's order number and firmware (SZL 0x0011), the
 * adapter's ListIdentity product name, the BACnet device's model-name, the
 * EWS's DHCP host name. */
Test(visibility, identity_read_from_the_ics_protocols)
{
	cr_expect(strstr(identity_of("plc-01"), "modbus vendor=Schneider Electric") != NULL, "%s",
		  identity_of("plc-01"));
	cr_expect(strstr(identity_of("plc-01"), "modbus product_code=BMX P34 2020") != NULL, "%s",
		  identity_of("plc-01"));
	cr_expect(strstr(identity_of("plc-01"), "modbus firmware=V3.20") != NULL, "%s", identity_of("plc-01"));
	cr_expect(strstr(identity_of("plc-s7"), "s7comm model=6ES7 515-2AM01-0AB0") != NULL, "%s",
		  identity_of("plc-s7"));
	cr_expect(strstr(identity_of("plc-s7"), "s7comm firmware=") != NULL, "%s", identity_of("plc-s7"));
	cr_expect(strstr(identity_of("io-ab"), "enip product=1734-AENTR POINT I/O") != NULL, "%s",
		  identity_of("io-ab"));
	cr_expect(strstr(identity_of("bac-ahu1"), "bacnet model=eBCON DSC-1616E") != NULL, "%s",
		  identity_of("bac-ahu1"));
	cr_expect(strstr(identity_of("bac-ahu1"), "bacnet device_id=71001") != NULL, "%s",
		  identity_of("bac-ahu1"));
	for (size_t t = 1; t < truth.rows; t++)
		if (strcmp(csv_table_get(&truth, t, "name"), "ews-01") == 0)
			cr_expect(strstr(csv_table_get(&assets, asset_row(csv_table_get(&truth, t, "mac")), "names"),
					 "ews-01") != NULL);
}

/* The rogue laptop: not in the inventory, seen by the TAP only. */
Test(visibility, the_rogue_laptop_is_flagged_and_invisible_to_the_span_views)
{
	size_t r = 0, known = 0, rogues = 0;

	for (size_t t = 1; t < truth.rows; t++)
		if (strcmp(csv_table_get(&truth, t, "rogue"), "yes") == 0)
			r = asset_row(csv_table_get(&truth, t, "mac"));
	cr_assert(gt(sz, r, 0));
	cr_expect(eq(str, (char *)csv_table_get(&assets, r, "in_inventory"), "no"));
	cr_expect(eq(str, (char *)csv_table_get(&assets, r, "status"), "not in inventory"));
	cr_expect(eq(str, (char *)csv_table_get(&assets, r, "seen_tap"), "yes"));
	cr_expect(eq(str, (char *)csv_table_get(&assets, r, "seen_span"), "no"));
	cr_expect(eq(str, (char *)csv_table_get(&assets, r, "seen_span-rx"), "no"));
	cr_expect(eq(str, (char *)csv_table_get(&assets, r, "seen_rspan"), "no"));
	/* Everyone else is known; nothing unknown but the rogue. */
	for (size_t a = 1; a < assets.rows; a++) {
		known += strcmp(csv_table_get(&assets, a, "status"), "known") == 0;
		rogues += strcmp(csv_table_get(&assets, a, "status"), "not in inventory") == 0;
	}
	cr_expect(eq(sz, rogues, 1));
	cr_expect(eq(sz, known, truth.rows - 2));
	cr_expect(eq(sz, assets.rows - 1, truth.rows - 1), "one asset per device, no more");
}

/* Per view and device: frames it sent that the view holds, and the first
 * one's time, exactly as the simulator wrote them. */
Test(visibility, frames_per_view_and_device_equal_the_truth)
{
	size_t checked = 0;

	for (size_t s = 1; s < seen.rows; s++) {
		const char *view = csv_table_get(&seen, s, "view");
		const char *device = csv_table_get(&seen, s, "device");
		size_t r = asset_row(csv_table_get(&seen, s, "mac"));
		char col[64];
		const char *want = csv_table_get(&seen, s, "frames");

		cr_assert(gt(sz, r, 0), "%s", device);
		snprintf(col, sizeof col, "frames_%s", view);
		cr_assert(csv_table_get(&assets, r, col) != NULL, "no column %s", col);
		cr_expect(eq(str, (char *)csv_table_get(&assets, r, col), (char *)want), "%s in %s", device, view);
		snprintf(col, sizeof col, "seen_%s", view);
		cr_expect(eq(str, (char *)csv_table_get(&assets, r, col), strcmp(want, "0") ? "yes" : "no"));
		snprintf(col, sizeof col, "first_ts_%s", view);
		cr_expect(eq(str, (char *)csv_table_get(&assets, r, col), (char *)csv_table_get(&seen, s, "first_ts")),
			  "%s in %s", device, view);
		checked++;
	}
	cr_expect(eq(sz, checked, 8 * (truth.rows - 1)));
}
