/*
 * test_table.c - CSV input (formats/table.c): rows, quoting, line numbers,
 * header lookup, malformed files.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "formats/table.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"

struct seen {
	size_t rows;
	size_t lines[8], nfields[8];
	char cells[8][4][64];
	size_t stop_after;	/* 0: never */
};

static bool collect(void *ctx, const struct table_row *row)
{
	struct seen *s = ctx;

	if (s->rows < 8) {
		s->lines[s->rows] = row->line;
		s->nfields[s->rows] = row->nfields;
		for (size_t i = 0; i < 4; i++)
			snprintf(s->cells[s->rows][i], 64, "%s", row->fields[i]);
	}
	s->rows++;
	return !s->stop_after || s->rows < s->stop_after;
}

TestSuite(table, .fini = tmpfile_cleanup);

Test(table, quoted_fields_keep_commas_quotes_and_line_breaks)
{
	static const char text[] = "name,mac\r\n"
				   "\"plc, north\",\"00:80:f4:00:00:01\"\r\n"
				   "\"say \"\"hi\"\"\",x\n"
				   "\"two\nlines\",y\n"
				   "last,z";
	struct seen s = { 0 };
	char err[256];

	cr_assert(table_read(tmpfile_write(0, text, strlen(text)), collect, &s, err, sizeof err), "%s", err);
	cr_assert(eq(sz, s.rows, 5));
	cr_expect(same(s.cells[1][0], "plc, north"));
	cr_expect(same(s.cells[1][1], "00:80:f4:00:00:01"));
	cr_expect(same(s.cells[2][0], "say \"hi\""));
	cr_expect(same(s.cells[3][0], "two\nlines"));
	cr_expect(same(s.cells[4][0], "last"));
	cr_expect(same(s.cells[4][1], "z"));
	/* Rows are named by the line they start on. */
	cr_expect(eq(sz, s.lines[0], 1));
	cr_expect(eq(sz, s.lines[1], 2));
	cr_expect(eq(sz, s.lines[2], 3));
	cr_expect(eq(sz, s.lines[3], 4));
	cr_expect(eq(sz, s.lines[4], 6));
	cr_expect(eq(sz, s.nfields[4], 2));
	/* Fields past the row's own read as empty. */
	cr_expect(same(s.cells[4][2], ""));
}

Test(table, header_columns_are_found_in_any_case_with_blanks_and_a_bom)
{
	static const char text[] = "\xef\xbb\xbf" "Name , MAC,ip\n";
	struct seen s = { 0 };
	char err[256];
	struct table_row row = { .nfields = 3, .fields = { "\xef\xbb\xbf" "Name ", " MAC", "ip" } };

	cr_assert(table_read(tmpfile_write(0, text, strlen(text)), collect, &s, err, sizeof err));
	cr_expect(eq(int, table_column(&row, "name"), 0));
	cr_expect(eq(int, table_column(&row, "mac"), 1));
	cr_expect(eq(int, table_column(&row, "ip"), 2));
	cr_expect(eq(int, table_column(&row, "vendor"), -1));
	cr_expect(eq(int, table_column(&row, "ma"), -1));
}

Test(table, an_unterminated_quote_is_an_error_with_its_line)
{
	static const char text[] = "a,b\nc,\"d\n";
	struct seen s = { 0 };
	char err[256] = "";

	cr_expect(not(table_read(tmpfile_write(0, text, strlen(text)), collect, &s, err, sizeof err)));
	cr_expect(strstr(err, "line 2") != NULL, "%s", err);
}

Test(table, a_stray_quote_inside_a_field_is_an_error)
{
	static const char text[] = "a,b\nc\"d,e\n";
	struct seen s = { 0 };
	char err[256] = "";

	cr_expect(not(table_read(tmpfile_write(0, text, strlen(text)), collect, &s, err, sizeof err)));
	cr_expect(strstr(err, "line 2") != NULL, "%s", err);
}

Test(table, the_callback_stops_the_reading)
{
	static const char text[] = "1\n2\n3\n4\n";
	struct seen s = { .stop_after = 2 };
	char err[256];

	cr_assert(table_read(tmpfile_write(0, text, strlen(text)), collect, &s, err, sizeof err));
	cr_expect(eq(sz, s.rows, 2));
}

Test(table, a_missing_file_says_so)
{
	struct seen s = { 0 };
	char err[256] = "";

	cr_expect(not(table_read("/nonexistent/inventory.csv", collect, &s, err, sizeof err)));
	cr_expect(strstr(err, "/nonexistent/inventory.csv") != NULL, "%s", err);
}

Test(table, long_fields_are_cut_and_wide_rows_counted)
{
	char text[TABLE_MAX_FIELD + 200 + 3 * (TABLE_MAX_FIELDS + 10)];
	size_t n = 0;
	struct seen s = { 0 };
	char err[256];

	memset(text, 'x', TABLE_MAX_FIELD + 100);
	n = TABLE_MAX_FIELD + 100;
	for (int i = 0; i < TABLE_MAX_FIELDS + 9; i++) {
		text[n++] = ',';
		text[n++] = 'y';
	}
	text[n++] = '\n';
	cr_assert(table_read(tmpfile_write(0, text, n), collect, &s, err, sizeof err), "%s", err);
	cr_assert(eq(sz, s.rows, 1));
	cr_expect(eq(sz, s.nfields[0], TABLE_MAX_FIELDS + 10));
}
