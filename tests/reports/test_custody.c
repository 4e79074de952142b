/*
 * test_custody.c - the chain of custody (issue #8): manifest.csv against
 * sha256sum, stat and `tapsight --version`; inputs only ever read;
 * outputs written under temporary names and renamed when complete, so a
 * run killed mid-way leaves no half report under a final name.
 *
 * The run is `make demo`'s over the simulated plant (every view, the
 * inventory).  Whether the tool writes to its inputs is watched with
 * inotify (a process that opens a file for writing and closes it raises
 * IN_CLOSE_WRITE even when it writes nothing; root ignores chmod 0444, so
 * the read-only copies alone would prove nothing here); a control write
 * shows the watch sees one.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/csvread.h"
#include "tests/support/run_tool.h"
#include "tests/support/sim_run.h"

#define MAX_FILES 64
#define DEADLINE_MS 10000

/* What a run writes under its final names. */
static const char *const finals[] = {
	"captures.csv", "flows.csv",	  "ics.csv",	"assets.csv",	"quality.csv",
	"events.csv",	"comparison.csv", "missed.csv", "report.html", "manifest.csv",
};

static char out[128], inventory[128];
static struct csv_table manifest;
static int64_t before_ns, after_ns;

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void run_once(void)
{
	char path[200];
	const char *opts[2] = { "--inventory", inventory };

	cr_assert(eq(int, sim_run(0, 5, 60), 0));
	sim_path(inventory, sizeof inventory, 0, "inventory.csv");
	sim_path(out, sizeof out, 0, "report");
	before_ns = now_ns();
	cr_assert(eq(int, tool_demo(sim_dirs[0], out, opts, 2), 0));
	after_ns = now_ns();
	snprintf(path, sizeof path, "%s/manifest.csv", out);
	cr_assert(eq(int, csv_table_read(&manifest, path), 0));
	cr_assert(eq(sz, manifest.cols, 5));
}

static void teardown(void)
{
	csv_table_free(&manifest);
	sim_cleanup();
}

TestSuite(custody, .init = run_once, .fini = teardown);

/* The manifest row of kind and name (0 if none); cell c of row r. */
static size_t row(const struct csv_table *m, const char *kind, const char *name)
{
	for (size_t r = 1; r < m->rows; r++)
		if (strcmp(m->cells[r * 5], kind) == 0 && strcmp(m->cells[r * 5 + 1], name) == 0)
			return r;
	return 0;
}

static const char *cell(const struct csv_table *m, size_t r, const char *column)
{
	return csv_table_get(m, r, column);
}

static size_t rows_of(const struct csv_table *m, const char *kind)
{
	size_t n = 0;

	for (size_t r = 1; r < m->rows; r++)
		n += strcmp(m->cells[r * 5], kind) == 0;
	return n;
}

/* The row of path (kind input or output) holds its size and the SHA-256
 * sha256sum gives. */
static void hashed(const struct csv_table *m, const char *kind, const char *path)
{
	size_t r = row(m, kind, path);
	char hex[65], size[32];
	struct stat st;

	cr_expect(not(eq(sz, r, 0)), "manifest.csv has no %s row for %s", kind, path);
	if (!r)
		return;
	cr_assert(eq(int, stat(path, &st), 0), "%s", path);
	cr_assert(tool_sha256sum(path, hex));
	snprintf(size, sizeof size, "%lld", (long long)st.st_size);
	cr_expect(eq(str, (char *)cell(m, r, "bytes"), size), "%s", path);
	cr_expect(eq(str, (char *)cell(m, r, "sha256"), hex), "%s", path);
}

Test(custody, manifest_hashes_every_capture_as_sha256sum_does)
{
	for (size_t i = 0; i < TOOL_DEMO_INPUTS; i++) {
		char path[200];
		size_t r;

		sim_path(path, sizeof path, 0, tool_demo_inputs[i][1]);
		hashed(&manifest, "input", path);
		r = row(&manifest, "input", path);
		cr_expect(r && strcmp(cell(&manifest, r, "value"), tool_demo_inputs[i][0]) == 0, "%s: its view",
			  path);
	}
	cr_expect(eq(sz, rows_of(&manifest, "input"), TOOL_DEMO_INPUTS + 1), "the captures and the inventory");
}

/* The inventory is read by the run and changes its reports (rogue and
 * unmonitored devices): an input like the captures. */
Test(custody, manifest_hashes_the_inventory_as_an_input)
{
	hashed(&manifest, "input", inventory);
}

/* Every file in the output folder but the manifest has its output row, and
 * every output row names a file there. */
static void lists_every_output(const char *dir, const struct csv_table *m)
{
	char names[MAX_FILES][256];
	size_t n = tool_list_dir(dir, names, MAX_FILES), files = 0;

	cr_assert(lt(sz, n, MAX_FILES));
	for (size_t i = 0; i < n; i++) {
		char path[512];

		if (strcmp(names[i], "manifest.csv") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%.255s", dir, names[i]);
		hashed(m, "output", path);
		files++;
	}
	cr_expect(eq(sz, rows_of(m, "output"), files));
}

Test(custody, manifest_lists_every_output_with_its_size_and_sha256sum)
{
	lists_every_output(out, &manifest);
	cr_expect(eq(sz, rows_of(&manifest, "output"), sizeof finals / sizeof *finals - 1));
}

/* --write-missed and --write-extra write a pcap per view compared (seven
 * views against tap: fourteen files), each an output of the run. */
Test(custody, manifest_lists_the_pcaps_of_write_missed_and_write_extra)
{
	char dir[160], missed[200], extra[200], path[200];
	const char *opts[6] = { "--inventory", inventory, "--write-missed", missed, "--write-extra", extra };
	struct csv_table m;

	sim_path(dir, sizeof dir, 0, "pcaps");
	snprintf(missed, sizeof missed, "%s/missed.pcap", dir);
	snprintf(extra, sizeof extra, "%s/extra.pcap", dir);
	cr_assert(eq(int, tool_demo(sim_dirs[0], dir, opts, 6), 0));
	snprintf(path, sizeof path, "%s/manifest.csv", dir);
	cr_assert(eq(int, csv_table_read(&m, path), 0));
	lists_every_output(dir, &m);
	csv_table_free(&m);
}

Test(custody, manifest_names_the_version_tapsight_prints)
{
	char cmd[300], want[64], *printed;
	size_t r = row(&manifest, "tool", "tapsight");
	int st;

	snprintf(cmd, sizeof cmd, "'%s' --version", tool_bin());
	printed = tool_output(cmd, NULL, &st);
	cr_assert(eq(int, st, 0));
	cr_assert(not(eq(sz, r, 0)), "no tool row");
	snprintf(want, sizeof want, "tapsight %s\n", cell(&manifest, r, "value"));
	cr_expect(eq(str, printed, want));
	free(printed);
}

/* ISO 8601 UTC with nanoseconds, "2026-11-27T06:54:40.123456789Z", as ns
 * since 1970; -1 when it is not that. */
static int64_t iso_ns(const char *s)
{
	struct tm tm = { 0 };
	unsigned frac;
	int used = 0;

	if (strlen(s) != 30 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%9u%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
				      &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac, &used) != 7 ||
	    used != 29 || s[29] != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000000 + frac;
}

/* Started and finished: ISO 8601 UTC, in order, and within the time the
 * test saw the run take. */
Test(custody, manifest_times_are_utc_in_order_within_the_run)
{
	size_t rs = row(&manifest, "run", "started"), rf = row(&manifest, "run", "finished");
	int64_t started, finished;

	cr_assert(rs && rf, "no started or finished row");
	started = iso_ns(cell(&manifest, rs, "value"));
	finished = iso_ns(cell(&manifest, rf, "value"));
	cr_assert(ge(i64, started, 0), "%s", cell(&manifest, rs, "value"));
	cr_assert(ge(i64, finished, 0), "%s", cell(&manifest, rf, "value"));
	cr_expect(le(i64, before_ns, started));
	cr_expect(le(i64, started, finished));
	cr_expect(le(i64, finished, after_ns));
}

/* What happened in the watched folder: a line per inotify event. */
static void drain(int fd, char *log, size_t n)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	size_t used = strlen(log);
	ssize_t got;

	while ((got = read(fd, buf, sizeof buf)) > 0)
		for (char *p = buf; p < buf + got;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			used += (size_t)snprintf(log + used, n - used, "%s 0x%x\n", e->len ? e->name : ".", e->mask);
			if (used >= n)
				return;
			p += sizeof *e + e->len;
		}
}

/* Copies of the inputs, read-only (0444), watched: the run does not open
 * one for writing, nor change one; their contents and times stay. */
Test(custody, inputs_are_opened_read_only)
{
	char dir[160], cmd[1024], path[200], hex[TOOL_DEMO_INPUTS][65], log[4096] = "", result[160];
	const char *opts[2] = { "--inventory", inventory };
	struct stat st[TOOL_DEMO_INPUTS];
	int fd, wd;
	FILE *f;

	sim_path(dir, sizeof dir, 0, "read-only");
	snprintf(cmd, sizeof cmd, "mkdir '%s' && cd '%s' && cp *.pcap* '%s'/ && chmod 0444 '%s'/*", dir, sim_dirs[0],
		 dir, dir);
	cr_assert(eq(int, system(cmd), 0), "%s", cmd);
	for (size_t i = 0; i < TOOL_DEMO_INPUTS; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, tool_demo_inputs[i][1]);
		cr_assert(eq(int, stat(path, &st[i]), 0));
		cr_assert(tool_sha256sum(path, hex[i]));
	}
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	cr_assert(ge(int, fd, 0));
	wd = inotify_add_watch(fd, dir, IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVE);
	cr_assert(ge(int, wd, 0));
	sim_path(result, sizeof result, 0, "read-only-report");
	cr_assert(eq(int, tool_demo(dir, result, opts, 2), 0));
	drain(fd, log, sizeof log);
	cr_expect(eq(str, log, ""), "the run changed its inputs' folder:\n%s", log);
	for (size_t i = 0; i < TOOL_DEMO_INPUTS; i++) {
		struct stat now;
		char again[65];

		snprintf(path, sizeof path, "%s/%s", dir, tool_demo_inputs[i][1]);
		cr_assert(eq(int, stat(path, &now), 0));
		cr_assert(tool_sha256sum(path, again));
		cr_expect(eq(str, again, hex[i]), "%s", path);
		cr_expect(now.st_mtim.tv_sec == st[i].st_mtim.tv_sec && now.st_mtim.tv_nsec == st[i].st_mtim.tv_nsec,
			  "%s: mtime changed", path);
		cr_expect(eq(int, (int)(now.st_mode & 07777), 0444), "%s", path);
	}
	/* The control: a write in the folder is seen. */
	snprintf(path, sizeof path, "%s/control", dir);
	f = fopen(path, "w");
	cr_assert(f != NULL);
	fputs("x", f);
	cr_assert(eq(int, fclose(f), 0));
	drain(fd, log, sizeof log);
	cr_expect(not(eq(ptr, strstr(log, "control 0x8\n"), NULL)), "the watch missed a write:\n%s", log);
	close(fd);
}

/* Milliseconds since start. */
static long elapsed_ms(const struct timespec *start)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - start->tv_sec) * 1000 + (t.tv_nsec - start->tv_nsec) / 1000000;
}

/* Writes n bytes to the non-blocking fd, waiting for the reader; false
 * when the deadline passes. */
static bool write_all(int fd, const char *p, size_t n, const struct timespec *start)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		struct pollfd pf = { fd, POLLOUT, 0 };

		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			return false;
		} else if (elapsed_ms(start) > DEADLINE_MS) {
			return false;
		} else {
			poll(&pf, 1, 100);
		}
	}
	return true;
}

/* A run reading a capture from a FIFO is killed (SIGKILL) when half the
 * capture is written: no report is left under its final name, only
 * temporary files (or nothing). */
Test(custody, a_killed_run_leaves_no_report_under_a_final_name)
{
	char fifo[160], label[200], dir[160], tap[200], names[MAX_FILES][256];
	struct timespec start;
	size_t len, n;
	char *capture;
	bool killed;
	pid_t pid;
	int fd = -1, st;

	signal(SIGPIPE, SIG_IGN);
	sim_path(tap, sizeof tap, 0, "tap.pcapng");
	capture = tool_read(tap, &len);
	cr_assert(capture != NULL);
	cr_assert(gt(sz, len, 256 * 1024), "more than a pipe holds");
	sim_path(fifo, sizeof fifo, 0, "tap.fifo");
	cr_assert(eq(int, mkfifo(fifo, 0600), 0));
	snprintf(label, sizeof label, "tap=%s", fifo);
	sim_path(dir, sizeof dir, 0, "killed");
	pid = fork();
	cr_assert(ge(int, pid, 0));
	if (pid == 0) {
		execl(tool_bin(), tool_bin(), "-q", "-o", dir, label, (char *)NULL);
		_exit(127);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (fd < 0 && elapsed_ms(&start) < DEADLINE_MS)
		if ((fd = open(fifo, O_WRONLY | O_NONBLOCK)) < 0)
			poll(NULL, 0, 10);	/* ENXIO: the tool has not opened it yet */
	cr_assert(ge(int, fd, 0), "the tool never opened the FIFO");
	cr_assert(write_all(fd, capture, len / 2, &start), "the tool stopped reading");
	free(capture);
	kill(pid, SIGKILL);
	cr_assert(eq(int, waitpid(pid, &st, 0), pid));
	close(fd);
	killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	cr_assert(killed, "the run ended before it was killed");
	n = tool_list_dir(dir, names, MAX_FILES);
	cr_assert(lt(sz, n, MAX_FILES), "%s", dir);
	for (size_t i = 0; i < n; i++)
		cr_expect(not(eq(ptr, strstr(names[i], ".tmp-"), NULL)), "%s/%s", dir, names[i]);
	for (size_t i = 0; i < sizeof finals / sizeof *finals; i++) {
		char path[300];

		snprintf(path, sizeof path, "%s/%s", dir, finals[i]);
		cr_expect(not(eq(int, access(path, F_OK), 0)), "%s exists", path);
	}
}

Test(custody, a_completed_run_leaves_no_temporary_file)
{
	char names[MAX_FILES][256];
	size_t n = tool_list_dir(out, names, MAX_FILES);

	cr_assert(lt(sz, n, MAX_FILES));
	cr_expect(eq(sz, n, sizeof finals / sizeof *finals));
	for (size_t i = 0; i < n; i++)
		cr_expect(eq(ptr, strstr(names[i], ".tmp"), NULL), "%s/%s", out, names[i]);
}
