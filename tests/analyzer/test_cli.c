/*
 * Tests of the command line (analyzer/cli.c, analyzer/engine.c) through the
 * built binary: exit statuses, views, folders, and captures.csv.
 * The binary is the one of the build variant under test ($TAPSIGHT_BIN).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zlib.h>

#include "analyzer/cli.h"
#include "tests/support/csvread.h"
#include "tests/support/pcapfile.h"

static char out_dir[300];
static char err_text[8192];

static void remove_out(void)
{
	char cmd[sizeof out_dir * 2 + 32];

	if (out_dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.err'", out_dir, out_dir);
		if (system(cmd) != 0)
			cr_log_warn("could not remove %s", out_dir);
		out_dir[0] = '\0';
	}
}

static void cleanup(void)
{
	tmpfile_cleanup();
	remove_out();
}

/* Runs tapsight with args (shell words) and -o into a fresh folder; returns
 * its exit status and keeps its stderr in err_text. */
static int run(const char *args)
{
	const char *bin = getenv("TAPSIGHT_BIN");
	char cmd[4096], err_path[400];
	FILE *f;
	size_t n;
	int st;

	if (!bin)
		bin = "build/release/tapsight";
	remove_out();
	/* Inside the test's folder when it has one (tmpdir_make keeps one). */
	snprintf(out_dir, sizeof out_dir, "/tmp/tapsight-out-XXXXXX");
	cr_assert(not(eq(ptr, mkdtemp(out_dir), NULL)));
	snprintf(err_path, sizeof err_path, "%s.err", out_dir);
	snprintf(cmd, sizeof cmd, "%s -o '%s' %s >/dev/null 2>'%s'", bin, out_dir, args,
		 err_path);
	st = system(cmd);
	f = fopen(err_path, "r");
	n = f ? fread(err_text, 1, sizeof err_text - 1, f) : 0;
	err_text[n] = '\0';
	if (f)
		fclose(f);
	int exited = WIFEXITED(st);

	cr_assert(exited, "%s", cmd);
	return WEXITSTATUS(st);
}

static void read_captures(struct csv_table *t)
{
	char path[400];

	snprintf(path, sizeof path, "%s/captures.csv", out_dir);
	cr_assert(eq(int, csv_table_read(t, path), 0), "%s", path);
	cr_assert(eq(int, t->ragged, 0));
}

static void write_file(const char *path, const struct bytes *b)
{
	FILE *f = fopen(path, "wb");

	cr_assert(not(eq(ptr, f, NULL)), "%s", path);
	cr_assert(eq(sz, fwrite(b->p, 1, b->len, f), b->len));
	fclose(f);
}

/* A small pcap with n records, one a second from second `start`. */
static void small_capture(struct bytes *b, uint32_t start, int n)
{
	pcapfile_header(b, false, false, 65535, 1);
	for (int i = 0; i < n; i++)
		pcapfile_record(b, false, start + (uint32_t)i, 500000, 64, (uint8_t)i);
}

Test(cli, help_and_version_exit_0)
{
	const char *bin = getenv("TAPSIGHT_BIN") ? getenv("TAPSIGHT_BIN") : "build/release/tapsight";
	char cmd[512];

	snprintf(cmd, sizeof cmd, "%s --help | grep -q 'usage: tapsight'", bin);
	cr_assert(eq(int, system(cmd), 0));
	snprintf(cmd, sizeof cmd, "%s --version | grep -qE '^tapsight [0-9]+\\.[0-9]+'", bin);
	cr_assert(eq(int, system(cmd), 0));
}

Test(cli, usage_errors_exit_2, .fini = cleanup)
{
	cr_assert(eq(int, run(""), 2));
	cr_assert(not(eq(ptr, strstr(err_text, "no capture"), NULL)));
	cr_assert(eq(int, run("--no-such-option x.pcap"), 2));
	cr_assert(eq(int, run("- -"), 2));
}

Test(cli, nothing_readable_exits_1_with_the_reason, .fini = cleanup)
{
	cr_assert(eq(int, run("/nonexistent/file.pcap"), 1));
	cr_assert(not(eq(ptr, strstr(err_text, "/nonexistent/file.pcap"), NULL)));
}

Test(cli, writes_one_row_per_capture_with_its_sha256, .fini = cleanup)
{
	const char *dir = tmpdir_make();
	char path[400], args[1000], hex[65];
	struct bytes b = { 0 };
	struct csv_table t;
	unsigned char md[32];
	unsigned int mdlen;

	small_capture(&b, 1700000000, 3);
	snprintf(path, sizeof path, "%s/a.pcap", dir);
	write_file(path, &b);
	EVP_Digest(b.p, b.len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(args, sizeof args, "'%s'", path);
	cr_assert(eq(int, run(args), 0), "%s", err_text);
	read_captures(&t);
	cr_assert(eq(sz, t.rows, 2));
	cr_assert(eq(str, (char *)csv_table_get(&t, 0, "view"), "view"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "view"), "a.pcap"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "path"), path));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "sha256"), hex));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "bytes"), "264"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "format"), "pcap"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "compression"), "none"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "link_types"), "EN10MB"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "snaplen"), "65535"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "ts_resolution"), "us"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "frames"), "3"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "first_ts"), "2023-11-14T22:13:20.500000000Z"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "last_ts"), "2023-11-14T22:13:22.500000000Z"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "ts_backwards"), "0"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "isb_drops"), ""));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "status"), "ok"));
	csv_table_free(&t);
	bytes_free(&b);
}

/* A folder: files in name order (sub-folders too), each its own view,
 * non-captures skipped with a note. */
Test(cli, reads_a_folder_in_name_order_and_skips_non_captures, .fini = cleanup)
{
	const char *dir = tmpdir_make();
	char path[400], args[600];
	struct bytes b = { 0 };
	struct csv_table t;
	static const char *const names[] = { "b.pcap", "sub/c.pcap", "a.pcap" };
	FILE *f;

	small_capture(&b, 1000, 2);
	snprintf(path, sizeof path, "%s/sub", dir);
	cr_assert(eq(int, mkdir(path, 0777), 0));
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		write_file(path, &b);
	}
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	f = fopen(path, "w");
	fputs("case notes, not a capture\n", f);
	fclose(f);
	snprintf(args, sizeof args, "'%s'", dir);
	cr_assert(eq(int, run(args), 0), "%s", err_text);
	cr_assert(not(eq(ptr, strstr(err_text, "notes.txt"), NULL)), "%s", err_text);
	read_captures(&t);
	cr_assert(eq(sz, t.rows, 4));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "view"), "a.pcap"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 2, "view"), "b.pcap"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 3, "view"), "c.pcap"));
	snprintf(path, sizeof path, "%s/sub/c.pcap", dir);
	cr_assert(eq(str, (char *)csv_table_get(&t, 3, "path"), path));
	csv_table_free(&t);
	bytes_free(&b);
}

/* Captures with one label are one view; a truncated one keeps its good
 * records and says where it broke. */
Test(cli, labels_group_captures_and_truncation_is_reported, .fini = cleanup)
{
	const char *dir = tmpdir_make();
	char a[400], b_path[400], args[1000];
	struct bytes b = { 0 };
	struct csv_table t;

	small_capture(&b, 1000, 3);
	snprintf(a, sizeof a, "%s/rx.pcap", dir);
	write_file(a, &b);
	b.len -= 10;	/* cut inside the last record */
	snprintf(b_path, sizeof b_path, "%s/tx.pcap", dir);
	write_file(b_path, &b);
	snprintf(args, sizeof args, "tap='%s' tap='%s'", a, b_path);
	cr_assert(eq(int, run(args), 0), "%s", err_text);
	read_captures(&t);
	cr_assert(eq(sz, t.rows, 3));
	cr_assert(eq(str, (char *)csv_table_get(&t, 1, "view"), "tap"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 2, "view"), "tap"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 2, "frames"), "2"));
	/* The third record starts at 24 + 2 * 80 = 184. */
	cr_assert(eq(str, (char *)csv_table_get(&t, 2, "status"),
		     "truncated at byte 184 (frame 3): file ends inside record data (54 of 64 bytes)"),
		  "status: %s", csv_table_get(&t, 2, "status"));
	cr_assert(not(eq(ptr, strstr(err_text, "truncated at byte 184"), NULL)), "%s", err_text);
	csv_table_free(&t);
	bytes_free(&b);
}

Test(cli, reads_standard_input_and_gzip_by_content, .fini = cleanup)
{
	const char *dir = tmpdir_make();
	char path[400], args[1000];
	struct bytes b = { 0 };
	struct csv_table t;
	gzFile gz;

	small_capture(&b, 1000, 4);
	snprintf(path, sizeof path, "%s/capture.bin", dir);	/* no telling name */
	gz = gzopen(path, "wb");
	cr_assert(eq(int, gzwrite(gz, b.p, (unsigned)b.len), (int)b.len));
	gzclose(gz);
	snprintf(args, sizeof args, "'%s' - < '%s'", path, path);
	cr_assert(eq(int, run(args), 0), "%s", err_text);
	read_captures(&t);
	cr_assert(eq(sz, t.rows, 3));
	for (size_t row = 1; row <= 2; row++) {
		cr_assert(eq(str, (char *)csv_table_get(&t, row, "compression"), "gzip"));
		cr_assert(eq(str, (char *)csv_table_get(&t, row, "frames"), "4"));
		cr_assert(eq(str, (char *)csv_table_get(&t, row, "sha256"),
			     (char *)csv_table_get(&t, 1, "sha256")));
	}
	cr_assert(eq(str, (char *)csv_table_get(&t, 2, "view"), "stdin"));
	cr_assert(eq(str, (char *)csv_table_get(&t, 2, "path"), "-"));
	csv_table_free(&t);
	bytes_free(&b);
}

Test(cli, labels_are_words_of_64_characters_at_most)
{
	cr_assert(cli_valid_label("tap", 3));
	cr_assert(cli_valid_label("span-rx_1.a", 11));
	cr_assert(not(cli_valid_label("", 0)));
	cr_assert(not(cli_valid_label("a/b", 3)));
	cr_assert(not(cli_valid_label("a b", 3)));
	cr_assert(not(cli_valid_label("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 65)));
}

Test(cli, a_bad_filter_is_a_usage_error_with_libpcaps_message, .fini = cleanup)
{
	const char *dir = tmpdir_make();
	char path[400], args[600];
	struct bytes b = { 0 };

	small_capture(&b, 1000, 2);
	snprintf(path, sizeof path, "%s/a.pcap", dir);
	write_file(path, &b);
	snprintf(args, sizeof args, "-f 'tcp port' '%s'", path);
	cr_assert(eq(int, run(args), 2));
	cr_assert(not(eq(ptr, strstr(err_text, "syntax error"), NULL)), "%s", err_text);
	bytes_free(&b);
}

Test(cli, ingest_only_writes_no_flows_table, .fini = cleanup)
{
	const char *dir = tmpdir_make();
	char path[400], args[600];
	struct bytes b = { 0 };
	struct stat st;

	small_capture(&b, 1000, 2);
	snprintf(path, sizeof path, "%s/a.pcap", dir);
	write_file(path, &b);
	snprintf(args, sizeof args, "'%s'", path);
	cr_assert(eq(int, run(args), 0), "%s", err_text);
	snprintf(path, sizeof path, "%s/flows.csv", out_dir);
	cr_assert(eq(int, stat(path, &st), 0));
	snprintf(path, sizeof path, "%s/a.pcap", dir);
	snprintf(args, sizeof args, "--ingest-only '%s'", path);
	cr_assert(eq(int, run(args), 0), "%s", err_text);
	snprintf(path, sizeof path, "%s/flows.csv", out_dir);
	cr_assert(not(eq(int, stat(path, &st), 0)));
	bytes_free(&b);
}

Test(cli, timeouts_must_be_seconds, .fini = cleanup)
{
	cr_assert(eq(int, run("--tcp-timeout abc x.pcap"), 2));
	cr_assert(eq(int, run("--udp-timeout 0 x.pcap"), 2));
}
