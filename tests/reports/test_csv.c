/* Tests of reports/csv.c: quoting, sanitising, formula neutralising, times. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/csv.h"
#include "tests/support/bytes.h"
#include "tests/support/csvread.h"

/* Arrays, not pointers: Criterion runs each case in a new process. */
struct sanitize_case {
	char why[64];
	char in[32];
	size_t len;
	bool hostile;
	char want[48];
};

#define CASE(why, in, hostile, want) { why, in, sizeof(in) - 1, hostile, want }

ParameterizedTestParameters(csv, sanitizes_cells)
{
	static struct sanitize_case cases[] = {
		CASE("plain text is kept", "PLC-1 main", true, "PLC-1 main"),
		CASE("= starts a formula", "=1+2", true, "'=1+2"),
		CASE("+ starts a formula", "+cmd", true, "'+cmd"),
		CASE("- starts a formula", "-2+3", true, "'-2+3"),
		CASE("@ starts a formula", "@SUM(A1)", true, "'@SUM(A1)"),
		CASE("tab starts a formula, and is escaped", "\t=x", true, "'\\x09=x"),
		CASE("CR starts a formula, and is escaped", "\r=x", true, "'\\x0d=x"),
		CASE("a lone - (standard input) is no formula", "-", true, "-"),
		CASE("our own text is not neutralised", "-o", false, "-o"),
		CASE("valid UTF-8 is kept", "S\xc3\xa4ule \xe2\x82\xac", true, "S\xc3\xa4ule \xe2\x82\xac"),
		CASE("invalid UTF-8 is escaped", "a\xff\xc3", true, "a\\xff\\xc3"),
		CASE("overlong UTF-8 is escaped", "\xc0\xaf", true, "\\xc0\\xaf"),
		CASE("a surrogate is escaped", "\xed\xa0\x80", true, "\\xed\\xa0\\x80"),
		CASE("control bytes are escaped", "a\nb\0c", true, "a\\x0ab\\x00c"),
		CASE("a backslash in hostile text is escaped", "a\\b", true, "a\\x5cb"),
		CASE("quotes pass (libcsv doubles them)", "say \"hi\"", true, "say \"hi\""),
	};
	return cr_make_param_array(struct sanitize_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(struct sanitize_case *c, csv, sanitizes_cells)
{
	char out[128];
	size_t n = csv_sanitize(out, sizeof out, (const uint8_t *)c->in, c->len, c->hostile);

	cr_assert(eq(str, out, (char *)c->want), "%s", c->why);
	cr_assert(eq(sz, n, strlen(c->want)), "%s", c->why);
}

Test(csv, sanitize_reports_the_length_it_needs_when_the_buffer_is_short)
{
	char out[4];
	size_t n = csv_sanitize(out, sizeof out, (const uint8_t *)"=abcdef", 7, true);

	cr_assert(eq(sz, n, 8));
	cr_assert(eq(str, out, "'=a"));
}

struct ts_case {
	int64_t ns;
	char want[40];
};

ParameterizedTestParameters(csv, formats_iso8601_utc_with_nanoseconds)
{
	static struct ts_case cases[] = {
		{ 0, "1970-01-01T00:00:00.000000000Z" },
		{ -1, "1969-12-31T23:59:59.999999999Z" },
		{ 1234567890123456789LL, "2009-02-13T23:31:30.123456789Z" },
		{ 4294967295LL * 1000000000LL, "2106-02-07T06:28:15.000000000Z" },
		{ 1795760080000000001LL, "2026-11-27T06:14:40.000000001Z" },
	};
	return cr_make_param_array(struct ts_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(struct ts_case *c, csv, formats_iso8601_utc_with_nanoseconds)
{
	char buf[64];

	tp_format_ts(buf, sizeof buf, c->ns);
	cr_assert(eq(str, buf, (char *)c->want));
}

static const char *const columns[] = { "name", "count", "when" };
static const char *const row_names[] = { "=HYPERLINK(\"x\")", "a,b \"q\"", "S\xc3\xa4ule" };

static void write_sample(const char *dir, bool bom)
{
	char err[256];
	struct csv_out *o = csv_open(dir, "t.csv", columns, 3, bom, err, sizeof err);

	cr_assert(not(eq(ptr, o, NULL)), "%s", err);
	for (int i = 0; i < 3; i++) {
		csv_hostile(o, (const uint8_t *)row_names[i], strlen(row_names[i]));
		csv_u64(o, (uint64_t)i * 1000);
		csv_ts(o, (int64_t)i);
		csv_end_row(o);
	}
	cr_assert(csv_close(o, err, sizeof err), "%s", err);
}

static const char *const want_cells[] = {
	"name", "count", "when",
	"'=HYPERLINK(\"x\")", "0", "1970-01-01T00:00:00.000000000Z",
	"a,b \"q\"", "1000", "1970-01-01T00:00:00.000000001Z",
	"S\xc3\xa4ule", "2000", "1970-01-01T00:00:00.000000002Z",
};

static void cleanup(void)
{
	tmpfile_cleanup();
}

Test(csv, reads_back_through_libcsv_with_identical_cells, .fini = cleanup)
{
	const char *dir = tmpdir_make();
	char path[256], buf[4096];
	struct csv_table t;
	FILE *f;
	size_t n;

	write_sample(dir, false);
	snprintf(path, sizeof path, "%s/t.csv", dir);
	cr_assert(eq(int, csv_table_read(&t, path), 0));
	cr_assert(eq(sz, t.rows, 4));
	cr_assert(eq(sz, t.ncells, 12));
	cr_assert(eq(int, t.ragged, 0));
	for (size_t i = 0; i < 12; i++)
		cr_assert(eq(str, t.cells[i], (char *)want_cells[i]), "cell %zu", i);
	csv_table_free(&t);
	/* RFC 4180 line ends, and no temporary file left behind. */
	f = fopen(path, "rb");
	cr_assert(not(eq(ptr, f, NULL)));
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	cr_assert(not(eq(ptr, memmem(buf, n, "\r\n", 2), NULL)));
	snprintf(path, sizeof path, "ls -A '%s' | grep -c . | grep -qx 1", dir);
	cr_assert(eq(int, system(path), 0));
}

Test(csv, reads_back_through_python_csv_with_identical_cells, .fini = cleanup)
{
	const char *dir = tmpdir_make();
	char cmd[512], line[256];
	FILE *py;
	size_t i = 0;

	write_sample(dir, true);
	/* utf-8-sig takes the byte-order mark off, as Excel does. */
	snprintf(cmd, sizeof cmd,
		 "python3 -c 'import csv,sys\n"
		 "for row in csv.reader(open(sys.argv[1], newline=\"\", encoding=\"utf-8-sig\")):\n"
		 "    [print(c) for c in row]' '%s/t.csv'",
		 dir);
	py = popen(cmd, "r");
	cr_assert(not(eq(ptr, py, NULL)));
	while (fgets(line, sizeof line, py)) {
		line[strcspn(line, "\n")] = '\0';
		cr_assert(lt(sz, i, 12));
		cr_assert(eq(str, line, (char *)want_cells[i]), "cell %zu", i);
		i++;
	}
	cr_assert(eq(int, pclose(py), 0));
	cr_assert(eq(sz, i, 12));
}

Test(csv, open_fails_with_a_message_when_the_folder_is_missing)
{
	char err[256] = "";
	struct csv_out *o = csv_open("/nonexistent/folder", "t.csv", columns, 3, false, err,
				     sizeof err);

	cr_assert(eq(ptr, o, NULL));
	cr_assert(not(eq(ptr, strstr(err, "/nonexistent/folder"), NULL)));
}
