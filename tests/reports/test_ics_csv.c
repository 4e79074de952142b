/*
 * test_ics_csv.c - ics.csv end to end: the simulated plant's TAP view
 * through the tapsight binary, read back through libcsv, against tshark's
 * dissection of the same capture.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/corpus.h"
#include "tests/support/csvread.h"
#include "tests/support/sim_run.h"

static struct csv_table ics;
static char tap[160];

static void run_once(void)
{
	const char *bin = getenv("TAPSIGHT_BIN") ? getenv("TAPSIGHT_BIN") : "build/release/tapsight";
	char cmd[1024], path[256];

	cr_assert(eq(int, sim_run(0, 11, 30), 0));
	sim_path(tap, sizeof tap, 0, "tap.pcapng");
	snprintf(cmd, sizeof cmd, "'%s' -q -o '%s/report' tap='%s'", bin, sim_dirs[0], tap);
	cr_assert(eq(int, system(cmd), 0), "%s", cmd);
	snprintf(path, sizeof path, "%s/report/ics.csv", sim_dirs[0]);
	cr_assert(eq(int, csv_table_read(&ics, path), 0), "ics.csv is not strict RFC 4180");
	cr_assert(eq(int, ics.ragged, 0));
}

static void teardown(void)
{
	csv_table_free(&ics);
	sim_cleanup();
}

TestSuite(ics_csv, .init = run_once, .fini = teardown);

/* Messages of one function over the rows of a protocol, from the
 * functions cell ("name: 3 requests, 3 responses, 1 exception; ..."). */
static unsigned long function_messages(const char *protocol, const char *name, unsigned long *rows)
{
	unsigned long total = 0;

	*rows = 0;
	for (size_t r = 1; r < ics.rows; r++) {
		const char *cell = csv_table_get(&ics, r, "functions");
		const char *at;
		char want[96];

		if (strcmp(csv_table_get(&ics, r, "protocol"), protocol) != 0)
			continue;
		(*rows)++;
		snprintf(want, sizeof want, "%s:", name);
		if (!(at = strstr(cell, want)))
			continue;
		at += strlen(want);
		/* Counts until the next "; " item: "N kind" pairs, commas between. */
		while (*at && *at != ';') {
			char *end;
			unsigned long n = strtoul(at, &end, 10);

			if (end == at) {
				at++;
				continue;
			}
			if (strncmp(end, " exception", 10) != 0)
				total += n;
			at = end;
		}
	}
	return total;
}

/* tshark's count of Modbus PDUs with this function code (exceptions
 * included: tshark gives them the request's code). */
static unsigned long tshark_modbus(int code)
{
	static const char *const fields[] = { "modbus.func_code" };
	struct tshark_rows t;
	unsigned long n = 0;

	if (!tshark_fields(tap, "modbus", NULL, fields, 1, &t))
		cr_skip_test("tshark cannot be run (make deps installs it)");
	for (size_t r = 0; r < t.nrows; r++) {
		for (const char *p = tshark_cell(&t, r, 1); *p;) {
			char *end;
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			n += v == code;
			p = *end == ',' ? end + 1 : end;
		}
	}
	tshark_rows_free(&t);
	return n;
}

Test(ics_csv, modbus_functions_equal_tsharks_dissection)
{
	unsigned long rows, reads = function_messages("modbus", "read_holding_registers", &rows);
	unsigned long writes = function_messages("modbus", "write_multiple_registers", &rows);

	cr_expect(eq(ulong, rows, 2), "one row per HMI-PLC flow");
	cr_expect(gt(ulong, reads, 100));
	cr_expect(eq(ulong, reads, tshark_modbus(3)));
	cr_expect(eq(ulong, writes, tshark_modbus(16)));
	cr_expect(eq(ulong, function_messages("modbus", "encapsulated_interface_transport", &rows),
		     tshark_modbus(43)));
}

Test(ics_csv, counts_add_up_and_roles_are_named)
{
	for (size_t r = 1; r < ics.rows; r++) {
		unsigned long messages = strtoul(csv_table_get(&ics, r, "messages"), NULL, 10);
		unsigned long requests = strtoul(csv_table_get(&ics, r, "requests"), NULL, 10);
		unsigned long responses = strtoul(csv_table_get(&ics, r, "responses"), NULL, 10);
		const char *proto = csv_table_get(&ics, r, "protocol");

		cr_expect(ge(ulong, messages, requests + responses), "row %zu", r);
		cr_expect(gt(ulong, messages, 0));
		if (strcmp(proto, "modbus") == 0 || strcmp(proto, "s7comm") == 0 ||
		    strcmp(proto, "opcua") == 0) {
			cr_expect(eq(str, (char *)csv_table_get(&ics, r, "orig_role"), "client"));
			cr_expect(eq(str, (char *)csv_table_get(&ics, r, "resp_role"), "server"));
		}
		if (strcmp(proto, "dnp3") == 0) {
			cr_expect(eq(str, (char *)csv_table_get(&ics, r, "orig_role"), "master"));
			cr_expect(eq(str, (char *)csv_table_get(&ics, r, "resp_role"), "outstation"));
		}
	}
}
