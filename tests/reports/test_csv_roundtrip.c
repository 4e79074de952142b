/*
 * test_csv_roundtrip.c - every CSV file of a run over the simulated
 * plant's views (as `make demo`), read back through two parsers written
 * apart: Python's csv module and libcsv's (issue #8); RFC 4180's shape;
 * the byte-order mark of --bom; byte-identical files for identical inputs
 * and options; every column documented in README.md.
 *
 * Three runs: a and b the same (output folders of the same length, so the
 * manifest differs only by the folder's name and the times), c with --bom.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/csvread.h"
#include "tests/support/run_tool.h"
#include "tests/support/sim_run.h"

#define BOM "\xef\xbb\xbf"

/* Each row as its cell count, then each cell as its UTF-8 length, ':',
 * the bytes and a newline: no cell can be mistaken for another.  Reads as
 * a spreadsheet user's script would: utf-8-sig, strict. */
static const char csv_py[] =
	"import csv, sys\n"
	"out = sys.stdout.buffer\n"
	"with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n"
	"    for row in csv.reader(f, strict=True):\n"
	"        out.write(b'%d\\n' % len(row))\n"
	"        for c in row:\n"
	"            b = c.encode('utf-8')\n"
	"            out.write(b'%d:' % len(b) + b + b'\\n')\n";

static char dir_a[128], dir_b[128], dir_c[128];

static void run_once(void)
{
	char inv[160];
	const char *opts[3] = { "--inventory", inv, "--bom" };

	cr_assert(eq(int, sim_run(0, 5, 60), 0));
	sim_path(inv, sizeof inv, 0, "inventory.csv");
	sim_path(dir_a, sizeof dir_a, 0, "run-a");
	sim_path(dir_b, sizeof dir_b, 0, "run-b");
	sim_path(dir_c, sizeof dir_c, 0, "run-c");
	cr_assert(eq(int, tool_demo(sim_dirs[0], dir_a, opts, 2), 0));
	cr_assert(eq(int, tool_demo(sim_dirs[0], dir_b, opts, 2), 0));
	cr_assert(eq(int, tool_demo(sim_dirs[0], dir_c, opts, 3), 0));
}

TestSuite(csv_roundtrip, .init = run_once, .fini = sim_cleanup);

static char *file(const char *dir, const char *name, size_t *len)
{
	char path[300];
	char *s;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	s = tool_read(path, len);
	cr_assert(s != NULL, "%s", path);
	return s;
}

/* Reads dir/name through libcsv, a byte-order mark taken off first (as
 * utf-8-sig does; libcsv reads it as part of the first cell). */
static void read_libcsv(struct csv_table *t, const char *dir, const char *name)
{
	char path[300];
	size_t n;
	char *s = file(dir, name, &n);

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n >= 3 && memcmp(s, BOM, 3) == 0) {
		FILE *f;

		snprintf(path, sizeof path, "%s/nobom-%s", sim_dirs[0], name);
		f = fopen(path, "wb");
		cr_assert(f != NULL);
		cr_assert(eq(sz, fwrite(s + 3, 1, n - 3, f), n - 3));
		cr_assert(eq(int, fclose(f), 0));
	}
	free(s);
	cr_assert(eq(int, csv_table_read(t, path), 0), "%s/%s is not strict RFC 4180 for libcsv", dir, name);
}

/* Python's rows and cells of dir/name equal libcsv's, every byte. */
static void same_cells(const char *dir, const char *name)
{
	struct csv_table t;
	char path[300], args[320], *py, *p;
	size_t rows = 0, k = 0;

	read_libcsv(&t, dir, name);
	cr_expect(eq(int, t.ragged, 0), "%s: rows of unequal length", name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(args, sizeof args, "'%s'", path);
	py = tool_python(csv_py, args);
	cr_assert(py != NULL, "Python's csv module cannot read %s", path);
	for (p = py; *p; rows++) {
		size_t cells = strtoul(p, &p, 10);

		cr_assert(eq(int, *p++, '\n'));
		cr_assert(eq(sz, cells, t.cols), "%s row %zu", name, rows);
		for (size_t c = 0; c < cells; c++, k++) {
			size_t len = strtoul(p, &p, 10);

			cr_assert(eq(int, *p++, ':'));
			cr_assert(lt(sz, k, t.ncells), "%s: Python reads more cells", name);
			cr_assert(eq(sz, strlen(t.cells[k]), len), "%s row %zu cell %zu: %s", name, rows, c, t.cells[k]);
			cr_assert(eq(int, memcmp(p, t.cells[k], len), 0), "%s row %zu cell %zu: %s", name, rows, c,
				  t.cells[k]);
			p += len;
			cr_assert(eq(int, *p++, '\n'));
		}
	}
	cr_expect(eq(sz, rows, t.rows), "%s", name);
	cr_expect(eq(sz, k, t.ncells), "%s", name);
	cr_expect(gt(sz, rows, 1), "%s has rows under its header", name);
	free(py);
	csv_table_free(&t);
}

Test(csv_roundtrip, python_and_libcsv_read_the_same_cells)
{
	for (size_t i = 0; i < TOOL_CSVS; i++)
		same_cells(dir_a, tool_csvs[i]);
}

Test(csv_roundtrip, python_and_libcsv_read_the_same_cells_with_bom)
{
	for (size_t i = 0; i < TOOL_CSVS; i++)
		same_cells(dir_c, tool_csvs[i]);
}

/* RFC 4180 2.1-2.3: every line ends in CRLF, the last too, and the lines
 * are the rows (no cell holds a line break); the first is a header of
 * distinct, non-empty names. */
Test(csv_roundtrip, rfc4180_crlf_lines_under_a_header)
{
	for (size_t i = 0; i < TOOL_CSVS; i++) {
		const char *name = tool_csvs[i];
		size_t n, lines = 0;
		char *s = file(dir_a, name, &n);
		struct csv_table t;

		for (size_t k = 0; k < n; k++) {
			if (s[k] == '\r') {
				cr_assert(k + 1 < n && s[k + 1] == '\n', "%s: a CR without LF at byte %zu", name, k);
				lines++;
				k++;
			} else {
				cr_assert(not(eq(int, s[k], '\n')), "%s: an LF without CR at byte %zu", name, k);
			}
		}
		cr_expect(n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n', "%s: the last line has no CRLF", name);
		read_libcsv(&t, dir_a, name);
		cr_expect(eq(sz, lines, t.rows), "%s: lines are not rows", name);
		for (size_t c = 0; c < t.cols; c++) {
			cr_expect(not(eq(int, t.cells[c][0], 0)), "%s: empty column name %zu", name, c);
			for (size_t d = 0; d < c; d++)
				cr_expect(not(eq(str, t.cells[c], t.cells[d])), "%s: column %s twice", name, t.cells[c]);
		}
		csv_table_free(&t);
		free(s);
	}
}

/* --bom puts EF BB BF before each file and changes nothing else; without
 * it no file has one. */
Test(csv_roundtrip, bom_only_with_the_option_and_nothing_else_changes)
{
	for (size_t i = 0; i < TOOL_CSVS; i++) {
		const char *name = tool_csvs[i];
		size_t na, nc;
		char *a = file(dir_a, name, &na), *c = file(dir_c, name, &nc);

		cr_expect(na >= 3 && memcmp(a, BOM, 3) != 0, "%s: a BOM without --bom", name);
		cr_assert(nc >= 3 && memcmp(c, BOM, 3) == 0, "%s: no BOM with --bom", name);
		if (strcmp(name, "manifest.csv") != 0) {
			cr_expect(eq(sz, nc - 3, na), "%s", name);
			cr_expect(nc - 3 == na && memcmp(c + 3, a, na) == 0, "%s: --bom changed more than the BOM", name);
		}
		free(a);
		free(c);
	}
}

Test(csv_roundtrip, identical_runs_write_byte_identical_csv)
{
	for (size_t i = 0; i < TOOL_CSVS; i++) {
		const char *name = tool_csvs[i];
		size_t na, nb;
		char *a, *b;

		if (strcmp(name, "manifest.csv") == 0)
			continue;
		a = file(dir_a, name, &na);
		b = file(dir_b, name, &nb);
		cr_expect(na == nb && memcmp(a, b, na) == 0, "%s differs between identical runs", name);
		free(a);
		free(b);
	}
}

/* s with every dir in it written OUT. */
static void folder_out(char *buf, size_t n, const char *s, const char *dir)
{
	size_t used = 0, dl = strlen(dir);

	buf[0] = '\0';
	while (*s && used + 1 < n) {
		if (strncmp(s, dir, dl) == 0) {
			used += (size_t)snprintf(buf + used, n - used, "OUT");
			s += dl;
		} else {
			buf[used++] = *s++;
			buf[used] = '\0';
		}
	}
}

/* The manifests of identical runs differ only in the run's start and end,
 * the output folder's name and the hash of report.html (which shows the
 * start and end). */
Test(csv_roundtrip, identical_runs_write_the_same_manifest_but_times_and_folder)
{
	struct csv_table a, b;
	size_t times = 0;

	read_libcsv(&a, dir_a, "manifest.csv");
	read_libcsv(&b, dir_b, "manifest.csv");
	cr_assert(eq(sz, a.rows, b.rows));
	cr_assert(eq(sz, a.cols, 5));
	cr_assert(eq(sz, b.cols, 5));
	for (size_t r = 1; r < a.rows; r++) {
		const char *kind = a.cells[r * 5], *name = a.cells[r * 5 + 1];
		bool report = strcmp(kind, "output") == 0 && strstr(name, "/report.html");

		if (strcmp(kind, "run") == 0 && (strcmp(name, "started") == 0 || strcmp(name, "finished") == 0)) {
			cr_expect(eq(str, b.cells[r * 5 + 1], (char *)name));
			times++;
			continue;
		}
		for (size_t c = 0; c < 5; c++) {
			char ca[4096], cb[4096];

			if (report && c == 4)
				continue;
			folder_out(ca, sizeof ca, a.cells[r * 5 + c], dir_a);
			folder_out(cb, sizeof cb, b.cells[r * 5 + c], dir_b);
			cr_expect(eq(str, ca, cb), "manifest row %zu (%s %s) column %zu", r, kind, name, c);
		}
	}
	cr_expect(eq(sz, times, 2));
	csv_table_free(&a);
	csv_table_free(&b);
}

/* README.md's part about file name: from its "### name" heading (or, with
 * none, its first mention) to the next heading. */
static char *readme_part(const char *readme, const char *name)
{
	char head[64], mention[64];
	const char *a, *b, *h2;

	snprintf(head, sizeof head, "\n### %s", name);
	snprintf(mention, sizeof mention, "`%s`", name);
	a = strstr(readme, head);
	a = a ? a + 1 : strstr(readme, mention);
	cr_assert(a != NULL, "README.md does not describe %s", name);
	b = strstr(a + 1, "\n### ");
	h2 = strstr(a + 1, "\n## ");
	b = !b || (h2 && h2 < b) ? h2 : b;
	return strndup(a, b ? (size_t)(b - a) : strlen(a));
}

/* Is column documented in part: `column`, or one item of a `a,b,c` list? */
static bool documented(const char *part, const char *column)
{
	static const char *const forms[][2] = { { "`", "`" }, { "`", "," }, { ",", "," }, { ",", "`" } };

	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		char want[160];

		snprintf(want, sizeof want, "%s%s%s", forms[i][0], column, forms[i][1]);
		if (strstr(part, want))
			return true;
	}
	return false;
}

/* Every column of every file has its line in README.md (per-view columns
 * as the README writes them: seen_V for seen_tap). */
Test(csv_roundtrip, every_column_is_documented_in_the_readme)
{
	char *readme = tool_read("README.md", NULL);

	cr_assert(readme != NULL, "run from the top folder");
	for (size_t i = 0; i < TOOL_CSVS; i++) {
		char *part = readme_part(readme, tool_csvs[i]);
		struct csv_table t;

		read_libcsv(&t, dir_a, tool_csvs[i]);
		for (size_t c = 0; c < t.cols; c++) {
			char column[128];
			size_t len = strlen(t.cells[c]);

			snprintf(column, sizeof column, "%s", t.cells[c]);
			for (size_t k = 0; k < TOOL_DEMO_INPUTS; k++) {
				const char *v = tool_demo_inputs[k][0];
				size_t vl = strlen(v);

				if (len > vl + 1 && strcmp(t.cells[c] + len - vl, v) == 0 && t.cells[c][len - vl - 1] == '_')
					snprintf(column + len - vl, sizeof column - (len - vl), "V");
			}
			cr_expect(documented(part, column), "%s: column %s", tool_csvs[i], column);
		}
		csv_table_free(&t);
		free(part);
	}
	free(readme);
}
