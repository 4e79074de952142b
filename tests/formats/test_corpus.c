/*
 * test_corpus.c - the capture readers (formats/capture.c, pcap.c, pcapng.c,
 * stream.c) and the binary against capinfos, over the shared corpus of real
 * public captures.
 *
 * The corpus is $TAPSIGHT_CAPTURES, or ../shared/captures from the top of
 * the repository (where the suite runs).  It is not part of the project and
 * never copied into it: every test here skips, saying so, when it is absent.
 *
 * The oracle is Wireshark 4.0's capinfos, run once over many files
 * (`capinfos -M -T -r -t -c -a -e -S f1 f2 ...`: one tab-separated row per file
 * with its type, packet count and earliest and latest time as seconds, each
 * printed at the precision of the packet it came from).  Where capinfos
 * cannot be the oracle, tshark's per-packet times are, for the reasons given
 * at span_needs_tshark().
 *
 * A test walks every file and collects every disagreement before it fails,
 * so one run shows them all.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "formats/capture.h"
#include "tests/support/bytes.h"
#include "tests/support/csvread.h"

TestSuite(corpus, .fini = tmpfile_cleanup);

#define NS_PER_S		1000000000LL
#define CORPUS_MAX_FILES	1024
/* No capture in the corpus comes near this many records: a reader that
 * gets here is going round in circles. */
#define HANG_GUARD		10000000u
/* What the corpus holds today (README.md): a walk that finds fewer has
 * lost its way, and the tests would pass on nothing. */
#define MIN_CAPTURES		150
#define MIN_MALFORMED		24
#define MIN_COMPRESSED		10

/* ---------------------------------------------------------------- corpus */

/* A time as capinfos or tshark printed it: seconds and `digits` decimals. */
struct printed_time {
	bool known;		/* a number (not "n/a") */
	bool bad;		/* neither a number nor "n/a" */
	__int128 ns;		/* the printed value in nanoseconds */
	int digits;		/* decimals printed, 0-9 */
};

/* What the earliest and latest timestamps should be. */
struct span {
	bool timed;		/* false: no packet of the file has a timestamp */
	bool bad;		/* the oracle printed something we cannot read */
	__int128 first, last;	/* nanoseconds */
	int first_digits, last_digits;
	uint64_t untimed;	/* packets without a timestamp */
	const char *source;	/* "capinfos" or "tshark" */
};

struct corpus_file {
	char rel[256];		/* path under the corpus folder */
	bool malformed;		/* under malformed/ */
	/* MANIFEST.tsv */
	bool listed;
	char sha256[65];
	uint64_t bytes;
	/* capinfos */
	bool ci_row;		/* it printed a row */
	char ci_type[32];	/* short file type: pcap, nsecpcap, pcapng, erf, ... */
	uint64_t ci_frames;
	struct printed_time ci_first, ci_last;
	char ci_err[512];	/* what it said on stderr about this file */
	/* tshark, where capinfos cannot be the oracle (span_needs_tshark) */
	bool want_tshark;
	struct span tshark;
};

static char corpus[512];
static struct corpus_file files[CORPUS_MAX_FILES];
static size_t nfiles;

/* snprintf that fails the test rather than cut a path or a command short. */
static void format_whole(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void format_whole(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < len, "too long for %zu bytes: %s", len, buf);
}

static const char *corpus_dir(void)
{
	const char *d = getenv("TAPSIGHT_CAPTURES");

	return d && *d ? d : "../shared/captures";
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct corpus_file *)a)->rel, ((const struct corpus_file *)b)->rel);
}

static struct corpus_file *corpus_find(const char *rel)
{
	struct corpus_file key;

	if (strlen(rel) >= sizeof key.rel)
		return NULL;
	snprintf(key.rel, sizeof key.rel, "%s", rel);
	return bsearch(&key, files, nfiles, sizeof files[0], file_cmp);
}

/* Characters that would need more quoting than '...' in a shell command,
 * or that would break capinfos' tab-separated rows. */
static bool shell_safe(const char *s)
{
	return !strpbrk(s, "'\t\n\r");
}

static void corpus_walk(const char *rel)
{
	char path[1024];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof path, "%s%s%s", corpus, *rel ? "/" : "", rel);
	d = opendir(path);
	cr_assert(d != NULL, "%s: %s", path, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char child[256], full[1300];
		struct stat st;
		bool is_file;
		int n;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n = snprintf(child, sizeof child, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		cr_assert(n > 0 && (size_t)n < sizeof child, "path too long: %s/%s", rel,
			  e->d_name);
		snprintf(full, sizeof full, "%s/%s", corpus, child);
		cr_assert(stat(full, &st) == 0, "%s: %s", full, strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			corpus_walk(child);
			continue;
		}
		/* The corpus' own documentation is not evidence. */
		if (!*rel && (strcmp(child, "README.md") == 0 || strcmp(child, "MANIFEST.tsv") == 0))
			continue;
		is_file = S_ISREG(st.st_mode);
		cr_assert(is_file, "%s: neither a file nor a folder", full);
		cr_assert(nfiles < CORPUS_MAX_FILES, "more than %d files in %s",
			  CORPUS_MAX_FILES, corpus);
		cr_assert(shell_safe(child), "%s: a name these tests cannot quote", child);
		snprintf(files[nfiles].rel, sizeof files[nfiles].rel, "%s", child);
		files[nfiles].malformed = strncmp(child, "malformed/", 10) == 0;
		nfiles++;
	}
	closedir(d);
}

/* MANIFEST.tsv: path, sha256, bytes, ... with a header row. */
static void manifest_load(void)
{
	char path[600];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool header = true;
	FILE *f;

	snprintf(path, sizeof path, "%s/MANIFEST.tsv", corpus);
	f = fopen(path, "r");
	cr_assert(f != NULL, "%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) > 0) {
		char *tab1, *tab2, *tab3;
		struct corpus_file *cf;

		if (header) {
			cr_assert(strncmp(line, "path\tsha256\tbytes\t", 18) == 0,
				  "%s: unexpected header: %s", path, line);
			header = false;
			continue;
		}
		tab1 = strchr(line, '\t');
		tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		tab3 = tab2 ? strchr(tab2 + 1, '\t') : NULL;
		cr_assert(tab3 != NULL, "%s: short line: %s", path, line);
		*tab1 = *tab2 = *tab3 = '\0';
		cf = corpus_find(line);
		if (!cf)
			continue;	/* listed but absent: the walk is the truth */
		cf->listed = true;
		snprintf(cf->sha256, sizeof cf->sha256, "%s", tab1 + 1);
		cf->bytes = strtoull(tab2 + 1, NULL, 10);
	}
	free(line);
	fclose(f);
}

/* "1340954.905298858" -> value and decimals; "n/a" -> unknown. */
static struct printed_time parse_printed_time(const char *s)
{
	struct printed_time t = { 0 };
	bool neg = false;
	__int128 sec = 0, frac = 0;
	const char *p = s;
	int digits = 0;

	if (strcmp(s, "n/a") == 0)
		return t;
	if (*p == '-') {
		neg = true;
		p++;
	}
	if (*p < '0' || *p > '9') {
		t.bad = true;
		return t;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		sec = sec * 10 + (*p - '0');
		if (sec > (__int128)1 << 80) {
			t.bad = true;
			return t;
		}
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++digits > 9) {
				t.bad = true;
				return t;
			}
			frac = frac * 10 + (*p - '0');
		}
		if (digits == 0) {
			t.bad = true;
			return t;
		}
	}
	if (*p != '\0') {
		/* capinfos prints "1418145370.-2147483648" for a nanosecond
		 * field out of range. */
		t.bad = true;
		return t;
	}
	for (int i = digits; i < 9; i++)
		frac *= 10;
	t.known = true;
	t.digits = digits;
	t.ns = (neg ? -1 : 1) * (sec * NS_PER_S + frac);
	return t;
}

/* Appends to f->ci_err, keeping what fits. */
static void ci_err_add(struct corpus_file *f, const char *line)
{
	size_t used = strlen(f->ci_err);

	snprintf(f->ci_err + used, sizeof f->ci_err - used, "%s%s", used ? " " : "", line);
}

/*
 * One capinfos over every file of the corpus (malformed/ too).  Rows on
 * stdout start with the name as given; errors on stderr name the file in
 * double quotes, continuation lines follow the line that named it.
 */
static void capinfos_load(const char *tmp)
{
	size_t cap = 4096, len = 0, rows = 0;
	char *cmd = malloc(cap), *line = NULL, *cur_name = NULL;
	char err_path[600];
	struct corpus_file *cur = NULL;
	size_t lcap = 0;
	ssize_t n;
	FILE *p;
	bool ran;
	int st;

	cr_assert(cmd != NULL);
	format_whole(err_path, sizeof err_path, "%s/capinfos.err", tmp);
	len = (size_t)snprintf(cmd, cap, "cd '%s' && exec capinfos -M -T -r -t -c -a -e -S", corpus);
	for (size_t i = 0; i <= nfiles; i++) {
		char word[600];
		size_t wl;

		if (i < nfiles)
			wl = (size_t)snprintf(word, sizeof word, " '%s'", files[i].rel);
		else
			wl = (size_t)snprintf(word, sizeof word, " 2>'%s'", err_path);
		if (len + wl + 1 > cap) {
			cap = 2 * (len + wl + 1);
			cmd = realloc(cmd, cap);
			cr_assert(cmd != NULL);
		}
		memcpy(cmd + len, word, wl + 1);
		len += wl;
	}
	p = popen(cmd, "r");
	cr_assert(p != NULL, "popen: %s", strerror(errno));
	while ((n = getline(&line, &lcap, p)) > 0) {
		char *field[5];
		struct corpus_file *f;
		int k = 0;

		line[strcspn(line, "\r\n")] = '\0';
		field[k++] = line;
		for (char *q = line; *q && k < 5; q++)
			if (*q == '\t') {
				*q = '\0';
				field[k++] = q + 1;
			}
		cr_assert(k == 5, "capinfos row with %d fields: %s", k, line);
		f = corpus_find(field[0]);
		cr_assert(f != NULL, "capinfos row for a file we did not ask about: %s", field[0]);
		f->ci_row = true;
		snprintf(f->ci_type, sizeof f->ci_type, "%s", field[1]);
		f->ci_frames = strtoull(field[2], NULL, 10);
		f->ci_first = parse_printed_time(field[3]);
		f->ci_last = parse_printed_time(field[4]);
		rows++;
	}
	st = pclose(p);
	/* capinfos exits 1 or 2 when some file had an error; 126/127 means
	 * the shell could not run it at all. */
	ran = WIFEXITED(st) && WEXITSTATUS(st) < 126;
	cr_assert(ran,
		  "capinfos could not be run (is wireshark-common installed?): %s", cmd);
	cr_assert(rows > 0, "capinfos printed no rows: %s", cmd);
	free(cmd);

	p = fopen(err_path, "r");
	cr_assert(p != NULL, "%s: %s", err_path, strerror(errno));
	while ((n = getline(&line, &lcap, p)) > 0) {
		char *open, *close;

		line[strcspn(line, "\r\n")] = '\0';
		open = strchr(line, '"');
		close = open ? strchr(open + 1, '"') : NULL;
		if (close) {
			free(cur_name);
			cur_name = strndup(open + 1, (size_t)(close - open - 1));
			cr_assert(cur_name != NULL);
			cur = corpus_find(cur_name);
		}
		if (cur)
			ci_err_add(cur, line);
	}
	free(cur_name);
	free(line);
	fclose(p);
}

static void corpus_load(void)
{
	struct stat st;

	snprintf(corpus, sizeof corpus, "%s", corpus_dir());
	if (stat(corpus, &st) != 0 || !S_ISDIR(st.st_mode))
		cr_skip_test("corpus: %s not found (set TAPSIGHT_CAPTURES to the shared captures)",
			     corpus);
	cr_assert(shell_safe(corpus), "%s: a folder name these tests cannot quote", corpus);
	nfiles = 0;
	corpus_walk("");
	qsort(files, nfiles, sizeof files[0], file_cmp);
	manifest_load();
}

/* ------------------------------------------------------------ the oracle */

/* capinfos' short type names of the formats we read: the libpcap family
 * (pcap, nsecpcap, and the variants capinfos tells apart by their record
 * headers: modpcap, nokiapcap, ...) and pcapng. */
static bool ci_type_is_ours(const char *type)
{
	size_t n = strlen(type);

	return strcmp(type, "pcapng") == 0 || (n >= 4 && strcmp(type + n - 4, "pcap") == 0);
}

static bool ci_cut_short(const struct corpus_file *f)
{
	return strstr(f->ci_err, "cut short") != NULL;
}

static bool ci_damaged(const struct corpus_file *f)
{
	return strstr(f->ci_err, "damaged or corrupt") != NULL;
}

/* Saturates as pcapng.c does with a time outside int64_t nanoseconds. */
static int64_t saturate(__int128 ns)
{
	if (ns > INT64_MAX)
		return INT64_MAX;
	if (ns < INT64_MIN)
		return INT64_MIN;
	return (int64_t)ns;
}

#define SPAN_INT_LIMIT ((__int128)INT32_MAX * NS_PER_S)

/*
 * capinfos is the oracle for the time span, except in three cases, where
 * tshark's per-packet times are:
 * - capinfos prints "n/a" for both times as soon as one packet has no
 *   timestamp (an SPB, pcapng 4.4); the span of the packets that do have
 *   one is still well defined, and there is no span when none has one.
 * - Wireshark 4.0's nstime_cmp() returns (int)(a->secs - b->secs), so when
 *   two times of a file are 2^31 s or more apart, capinfos can keep the
 *   wrong one as earliest or latest (pcapng/pcapng-example.pcapng: its
 *   second interface's times are 2^64 us less a few minutes).
 * - A time beyond what int64_t nanoseconds hold (after 2262): the readers
 *   saturate it to INT64_MAX (formats/pcapng.c), capinfos does not.
 * our_first/our_last are what we read, used only to spot the second case.
 */
static bool span_needs_tshark(const struct corpus_file *f, bool have_ours, int64_t our_first,
			      int64_t our_last)
{
	__int128 a = f->ci_first.ns, b = f->ci_last.ns;

	if (f->ci_first.bad || f->ci_last.bad)
		return false;
	if (!f->ci_first.known || !f->ci_last.known)
		return f->ci_frames > 0;
	return a != saturate(a) || b != saturate(b) || b - a >= SPAN_INT_LIMIT ||
	       a - b >= SPAN_INT_LIMIT ||
	       (have_ours && (__int128)our_last - our_first >= SPAN_INT_LIMIT);
}

/*
 * Reads tshark's fields: the encapsulation (empty for records that are not
 * packets, such as pcapng custom blocks) and the time at 9 decimals (empty
 * for a packet without one).
 */
static void tshark_parse(struct corpus_file *f, FILE *p)
{
	struct span *sp = &f->tshark;
	char *line = NULL;
	size_t cap = 0;
	uint64_t packets = 0;

	memset(sp, 0, sizeof *sp);
	sp->source = "tshark";
	sp->first_digits = sp->last_digits = 9;
	while (getline(&line, &cap, p) > 0) {
		char *tab = strchr(line, '\t');
		struct printed_time t;

		line[strcspn(line, "\r\n")] = '\0';
		if (!tab) {
			sp->bad = true;
			continue;
		}
		*tab = '\0';
		if (!*line)
			continue;	/* not a packet */
		packets++;
		if (!tab[1]) {
			sp->untimed++;	/* a packet without a timestamp */
			continue;
		}
		t = parse_printed_time(tab + 1);
		if (!t.known) {
			sp->bad = true;
			continue;
		}
		t.ns = saturate(t.ns);
		if (!sp->timed || t.ns < sp->first)
			sp->first = t.ns;
		if (!sp->timed || t.ns > sp->last)
			sp->last = t.ns;
		sp->timed = true;
	}
	free(line);
	/* tshark and capinfos count packets alike: anything else means
	 * tshark did not read the file as capinfos did. */
	if (packets != f->ci_frames)
		sp->bad = true;
}

/*
 * tshark over every file marked want_tshark, a few at a time: each costs
 * a fraction of a second of start-up, and the corpus needs about twenty.
 */
static void tshark_load(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t jobs = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus;
	size_t i = 0;

	while (i < nfiles) {
		FILE *pipes[4];
		struct corpus_file *who[4];
		size_t n = 0;

		for (; i < nfiles && n < jobs; i++) {
			char cmd[1400];

			if (!files[i].want_tshark)
				continue;
			format_whole(cmd, sizeof cmd,
				     "cd '%s' && exec tshark -n -r '%s' -T fields "
				     "-e frame.encap_type -e frame.time_epoch 2>/dev/null",
				     corpus, files[i].rel);
			who[n] = &files[i];
			pipes[n] = popen(cmd, "r");
			cr_assert(pipes[n] != NULL, "popen: %s", strerror(errno));
			n++;
		}
		for (size_t k = 0; k < n; k++) {
			bool ran;
			int st;

			tshark_parse(who[k], pipes[k]);
			st = pclose(pipes[k]);
			ran = WIFEXITED(st) && WEXITSTATUS(st) == 0;
			cr_assert(ran, "tshark could not read %s (is tshark installed?)", who[k]->rel);
		}
	}
}

/* The expected span of a capture capinfos read (tshark_load() first). */
static void expected_span(const struct corpus_file *f, struct span *sp)
{
	if (f->want_tshark) {
		*sp = f->tshark;
		return;
	}
	memset(sp, 0, sizeof *sp);
	sp->source = "capinfos";
	sp->bad = f->ci_first.bad || f->ci_last.bad;
	sp->timed = f->ci_first.known && f->ci_last.known;
	/* capinfos prints times only when every packet has one; when it
	 * prints none, tshark is asked (span_needs_tshark). */
	sp->untimed = 0;
	sp->first = f->ci_first.ns;
	sp->last = f->ci_last.ns;
	sp->first_digits = f->ci_first.digits;
	sp->last_digits = f->ci_last.digits;
}

/* ours, cut (toward minus infinity) to `digits` decimals of a second. */
static __int128 at_precision(int64_t ours, int digits)
{
	__int128 q = 1, v = ours, r;

	for (int i = digits; i < 9; i++)
		q *= 10;
	r = v % q;
	if (r < 0)
		r += q;
	return v - r;
}

static void fmt_ns(char *buf, size_t len, __int128 ns)
{
	__int128 sec = ns / NS_PER_S, frac = ns % NS_PER_S;

	if (frac < 0) {
		frac += NS_PER_S;
		sec -= 1;
	}
	if (sec > INT64_MAX || sec < INT64_MIN)
		snprintf(buf, len, "(beyond int64 seconds)");
	else
		snprintf(buf, len, "%" PRId64 ".%09" PRId64, (int64_t)sec, (int64_t)frac);
}

/* ------------------------------------------------------------ reporting */

struct report {
	struct bytes text;
	size_t problems;
};

static void report_add(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report_add(struct report *r, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	bytes_put(&r->text, "\n  ", 3);
	bytes_put(&r->text, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	r->problems++;
}

/* Fails with every problem found, or passes. */
static void report_done(struct report *r, const char *what)
{
	bytes_u8(&r->text, 0);
	cr_expect(r->problems == 0, "%zu %s:%s", r->problems, what, (const char *)r->text.p);
	bytes_free(&r->text);
}

/* Adds a problem if the time ours does not print as want. */
static void check_time(struct report *r, const char *rel, const char *which, const struct span *sp,
		       __int128 want, int digits, int64_t ours)
{
	char w[64], o[64];

	if (at_precision(ours, digits) == want)
		return;
	fmt_ns(w, sizeof w, want);
	fmt_ns(o, sizeof o, ours);
	report_add(r, "%s: %s time %s, %s says %s (%d decimals)", rel, which, o, sp->source, w,
		   digits);
}

/* ------------------------------------------------------------- the reader */

struct summary {
	enum tp_open_status open;
	char open_err[600];
	enum tp_format format;
	enum tp_compression compression;
	enum tp_read_status end;
	char error[300];	/* tp_capture_error(), or "" */
	uint64_t frames;
	uint64_t timed;		/* records with a timestamp of their own */
	int64_t first, last;	/* earliest and latest of those; meaningful when timed > 0 */
	bool hung;		/* HANG_GUARD records and no end */
};

static void corpus_path(char *buf, size_t len, const struct corpus_file *f)
{
	format_whole(buf, len, "%s/%s", corpus, f->rel);
}

static void summarise(const char *path, struct summary *s)
{
	struct tp_stream_opts opts = { 0 };
	struct tp_capture *c = NULL;
	struct tp_record rec;
	const char *e;

	memset(s, 0, sizeof *s);
	s->open = tp_capture_open(&c, path, &opts, s->open_err, sizeof s->open_err);
	if (s->open != TP_OPEN_OK) {
		cr_assert(c == NULL, "%s: open failed but gave a capture", path);
		return;
	}
	s->format = tp_capture_info(c)->format;
	s->compression = tp_capture_info(c)->compression;
	for (;;) {
		s->end = tp_capture_next(c, &rec);
		if (s->end != TP_READ_OK)
			break;
		/* A record without a time of its own (pcapng SPB) carries the
		 * previous one's: it says nothing of the span. */
		if (!rec.no_timestamp) {
			if (s->timed == 0 || rec.ts_ns < s->first)
				s->first = rec.ts_ns;
			if (s->timed == 0 || rec.ts_ns > s->last)
				s->last = rec.ts_ns;
			s->timed++;
		}
		if (++s->frames >= HANG_GUARD) {
			s->hung = true;
			break;
		}
	}
	e = tp_capture_error(c);
	snprintf(s->error, sizeof s->error, "%s", e ? e : "");
	tp_capture_close(c, NULL, NULL);
}

static const char *read_status_name(enum tp_read_status st)
{
	switch (st) {
	case TP_READ_OK:
		return "OK";
	case TP_READ_END:
		return "END";
	case TP_READ_TRUNCATED:
		return "TRUNCATED";
	case TP_READ_CORRUPT:
		return "CORRUPT";
	}
	return "?";
}

static const char *open_status_name(enum tp_open_status st)
{
	switch (st) {
	case TP_OPEN_OK:
		return "OK";
	case TP_OPEN_NOT_CAPTURE:
		return "NOT_CAPTURE";
	case TP_OPEN_FAILED:
		return "FAILED";
	}
	return "?";
}

/* "truncated at byte N (frame F): ..." or "corrupt at byte N ...". */
static bool names_byte_offset(const char *msg)
{
	const char *at = strstr(msg, "at byte ");

	return at && at[8] >= '0' && at[8] <= '9';
}

static enum tp_compression compression_by_name(const char *rel)
{
	size_t n = strlen(rel);

	if (n > 3 && strcmp(rel + n - 3, ".gz") == 0)
		return TP_COMPRESSION_GZIP;
	if (n > 4 && strcmp(rel + n - 4, ".zst") == 0)
		return TP_COMPRESSION_ZSTD;
	return TP_COMPRESSION_NONE;
}

/*
 * A file capinfos does not read as pcap or pcapng (Endace ERF, and anything
 * it calls another format or no capture at all) must be turned away at the
 * open, named.  Returns true if it was one.
 */
static bool check_unsupported(struct report *r, const struct corpus_file *f,
			      const struct summary *s, size_t *unsupported)
{
	if (f->ci_row && ci_type_is_ours(f->ci_type))
		return false;
	if (!f->ci_row && !strstr(f->ci_err, "isn't a capture file in a format"))
		return false;	/* capinfos failed on a capture: not this case */
	(*unsupported)++;
	if (s->open != TP_OPEN_NOT_CAPTURE)
		report_add(r, "%s: capinfos type %s, expected TP_OPEN_NOT_CAPTURE, open gave %s",
			   f->rel, f->ci_row ? f->ci_type : "(none)", open_status_name(s->open));
	else if (!strstr(s->open_err, f->rel))
		report_add(r, "%s: the message does not name the file: %s", f->rel, s->open_err);
	else if (strcmp(f->ci_type, "erf") == 0 && !strstr(s->open_err, "ERF"))
		report_add(r, "%s: the message does not name Endace ERF: %s", f->rel, s->open_err);
	else
		cr_log_info("corpus: unsupported, skipped: %s (capinfos: %s): %s", f->rel,
			    f->ci_row ? f->ci_type : "not a capture", s->open_err);
	return true;
}

/* ----------------------------------------------------------------- tests */

/*
 * Every pcap and pcapng capture outside malformed/: the reader's frame
 * count and earliest/latest timestamps equal what capinfos reports, at the
 * precision it prints.  Files in other formats are named as unsupported.
 * A capture capinfos finds cut short must end TRUNCATED or CORRUPT, with
 * the records before the fault counted as capinfos counts them.
 */
Test(corpus, frame_counts_and_time_spans_match_capinfos)
{
	static struct summary sums[CORPUS_MAX_FILES];
	struct report r = { 0 };
	size_t compared = 0, unsupported = 0, tshark = 0;

	corpus_load();
	capinfos_load(tmpdir_make());
	/* Read everything first: which files need tshark depends on it. */
	for (size_t i = 0; i < nfiles; i++) {
		char path[1200];

		if (files[i].malformed)
			continue;
		corpus_path(path, sizeof path, &files[i]);
		summarise(path, &sums[i]);
		files[i].want_tshark = sums[i].open == TP_OPEN_OK && files[i].ci_row &&
				       ci_type_is_ours(files[i].ci_type) &&
				       span_needs_tshark(&files[i], sums[i].timed > 0,
							 sums[i].first, sums[i].last);
	}
	tshark_load();

	for (size_t i = 0; i < nfiles; i++) {
		const struct corpus_file *f = &files[i];
		const struct summary *s = &sums[i];
		struct span sp;

		if (f->malformed)
			continue;
		if (check_unsupported(&r, f, s, &unsupported))
			continue;
		if (!f->ci_row) {
			/* capinfos could not read a capture of the corpus at
			 * all: we must not call it a clean capture either. */
			if (s->open == TP_OPEN_OK && s->end == TP_READ_END)
				report_add(&r, "%s: capinfos failed (%s), we read it clean", f->rel,
					   f->ci_err);
			continue;
		}
		if (s->open != TP_OPEN_OK) {
			report_add(&r, "%s: capinfos reads it as %s, open gave %s: %s", f->rel,
				   f->ci_type, open_status_name(s->open), s->open_err);
			continue;
		}
		compared++;
		if (s->hung)
			report_add(&r, "%s: no end after %u records", f->rel, HANG_GUARD);
		if (s->format != (strcmp(f->ci_type, "pcapng") == 0 ? TP_FORMAT_PCAPNG : TP_FORMAT_PCAP))
			report_add(&r, "%s: format %s, capinfos says %s", f->rel,
				   tp_format_name(s->format), f->ci_type);
		if (s->compression != compression_by_name(f->rel))
			report_add(&r, "%s: compression %s", f->rel, tp_compression_name(s->compression));
		if (ci_cut_short(f) || ci_damaged(f)) {
			/* Broken on purpose: capinfos counts the packets before
			 * the fault, so do we; the end must say where. */
			if (s->end == TP_READ_END || !names_byte_offset(s->error))
				report_add(&r, "%s: capinfos: %s; we ended %s %s", f->rel, f->ci_err,
					   read_status_name(s->end), s->error);
		} else if (s->end != TP_READ_END) {
			report_add(&r, "%s: capinfos reads it clean, we ended %s: %s", f->rel,
				   read_status_name(s->end), s->error);
		}
		if (s->frames != f->ci_frames) {
			report_add(&r, "%s: %" PRIu64 " frames, capinfos says %" PRIu64, f->rel,
				   s->frames, f->ci_frames);
			continue;
		}
		expected_span(f, &sp);
		tshark += f->want_tshark;
		if (!sp.bad && s->frames - s->timed != sp.untimed)
			report_add(&r, "%s: %" PRIu64 " records without a timestamp, %s sees %" PRIu64,
				   f->rel, s->frames - s->timed, sp.source, sp.untimed);
		if (sp.bad) {
			report_add(&r, "%s: %s printed a time or count we cannot use", f->rel,
				   sp.source);
		} else if (!sp.timed) {
			char a[64], b[64];

			fmt_ns(a, sizeof a, s->first);
			fmt_ns(b, sizeof b, s->last);
			if (s->timed > 0)
				report_add(&r, "%s: no packet has a timestamp (%s), yet the reader "
					   "gives %s .. %s", f->rel, sp.source, a, b);
		} else if (s->timed == 0) {
			report_add(&r, "%s: every record came without a timestamp, %s has times",
				   f->rel, sp.source);
		} else {
			check_time(&r, f->rel, "first", &sp, sp.first, sp.first_digits, s->first);
			check_time(&r, f->rel, "last", &sp, sp.last, sp.last_digits, s->last);
		}
	}
	cr_log_info("corpus: %zu captures compared with capinfos (%zu of them timed by tshark), "
		    "%zu unsupported files skipped", compared, tshark, unsupported);
	report_done(&r, "disagreements with capinfos");
	cr_assert(compared >= MIN_CAPTURES, "only %zu captures compared", compared);
	cr_assert(unsupported >= 1, "Endace ERF (compressed/eth.erf.gz) was not seen");
}

/*
 * Every file of malformed/ ends: cleanly (broken only above the container,
 * e.g. a GOOSE PDU cut short inside a whole record), or TRUNCATED/CORRUPT
 * with the byte offset, or is turned away at the open with its name.  The
 * container verdict agrees with capinfos: a file capinfos finds cut short
 * or damaged does not end cleanly, and a file it reads clean that we read
 * clean has the same number of frames.
 */
Test(corpus, malformed_files_end_cleanly_with_a_byte_offset)
{
	struct report r = { 0 };
	size_t seen = 0;

	corpus_load();
	capinfos_load(tmpdir_make());
	for (size_t i = 0; i < nfiles; i++) {
		const struct corpus_file *f = &files[i];
		const char *ci = f->ci_err[0] ? f->ci_err : "capinfos: clean";
		struct summary s;
		char path[1200];

		if (!f->malformed)
			continue;
		seen++;
		corpus_path(path, sizeof path, f);
		summarise(path, &s);
		if (s.open != TP_OPEN_OK) {
			cr_log_info("corpus: %s: open %s: %s (%s)", f->rel,
				    open_status_name(s.open), s.open_err, ci);
			if (!strstr(s.open_err, f->rel))
				report_add(&r, "%s: the open message does not name the file: %s",
					   f->rel, s.open_err);
			continue;
		}
		cr_log_info("corpus: %s: %s after %" PRIu64 " frames%s%s (%s%s%" PRIu64
			    " packets)", f->rel, read_status_name(s.end), s.frames,
			    s.error[0] ? ": " : "", s.error, ci, f->ci_row ? ", " : ", no row, ",
			    f->ci_frames);
		if (s.hung) {
			report_add(&r, "%s: no end after %u records", f->rel, HANG_GUARD);
			continue;
		}
		if (s.end != TP_READ_END && !names_byte_offset(s.error))
			report_add(&r, "%s: ended %s without a byte offset: \"%s\"", f->rel,
				   read_status_name(s.end), s.error);
		if (s.end == TP_READ_END && (ci_cut_short(f) || ci_damaged(f)))
			report_add(&r, "%s: ended cleanly after %" PRIu64 " frames, capinfos: %s",
				   f->rel, s.frames, f->ci_err);
		if (s.end == TP_READ_END && f->ci_row && !f->ci_err[0] && s.frames != f->ci_frames)
			report_add(&r, "%s: ended cleanly after %" PRIu64 " frames, capinfos reads "
				   "%" PRIu64, f->rel, s.frames, f->ci_frames);
	}
	report_done(&r, "malformed files mishandled");
	cr_assert(seen >= MIN_MALFORMED, "only %zu files in malformed/", seen);
}

/* Decompresses f (gzip or zstd) into dir; out receives the file's path. */
static void decompress(const struct corpus_file *f, const char *dir, char *out, size_t len)
{
	char cmd[3000];
	const char *base = strrchr(f->rel, '/');
	bool ok;
	int st;

	format_whole(out, len, "%s/%s.plain", dir, base ? base + 1 : f->rel);
	format_whole(cmd, sizeof cmd, "%s < '%s/%s' > '%s'",
		 compression_by_name(f->rel) == TP_COMPRESSION_GZIP ? "gzip -dc" : "zstd -q -dc",
		 corpus, f->rel, out);
	st = system(cmd);
	ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	cr_assert(ok, "%s", cmd);
}

/* Compares the two captures record by record; adds what differs. */
static void compare_records(struct report *r, const char *rel, struct tp_capture *a,
			    struct tp_capture *b, uint64_t *records)
{
	struct tp_record ra, rb;
	enum tp_read_status sa, sb;
	const char *ea, *eb;

	for (uint64_t n = 0; n < HANG_GUARD; n++) {
		sa = tp_capture_next(a, &ra);
		sb = tp_capture_next(b, &rb);
		if (sa != sb) {
			report_add(r, "%s: record %" PRIu64 ": compressed %s, plain %s", rel, n + 1,
				   read_status_name(sa), read_status_name(sb));
			return;
		}
		if (sa != TP_READ_OK)
			break;
		(*records)++;
		if (ra.ts_ns != rb.ts_ns || ra.caplen != rb.caplen || ra.origlen != rb.origlen ||
		    ra.linktype != rb.linktype || ra.interface != rb.interface ||
		    ra.offset != rb.offset || ra.frame != rb.frame ||
		    ra.no_timestamp != rb.no_timestamp || ra.frames_before != rb.frames_before ||
		    memcmp(ra.data, rb.data, ra.caplen) != 0) {
			report_add(r, "%s: frame %" PRIu64 " differs: compressed ts %" PRId64
				   " caplen %u origlen %u linktype %u offset %" PRIu64
				   ", plain ts %" PRId64 " caplen %u origlen %u linktype %u offset %"
				   PRIu64, rel, n + 1, ra.ts_ns, ra.caplen, ra.origlen,
				   ra.linktype, ra.offset, rb.ts_ns, rb.caplen, rb.origlen,
				   rb.linktype, rb.offset);
			return;
		}
	}
	if (sa == TP_READ_OK) {
		report_add(r, "%s: no end after %u records", rel, HANG_GUARD);
		return;
	}
	ea = tp_capture_error(a);
	eb = tp_capture_error(b);
	if ((ea == NULL) != (eb == NULL) || (ea && strcmp(ea, eb) != 0))
		report_add(r, "%s: compressed ends \"%s\", plain \"%s\"", rel, ea ? ea : "",
			   eb ? eb : "");
}

/*
 * A compressed capture and its decompressed bytes give the same records,
 * the same end and the same fault message (offsets are in decompressed
 * bytes).  The compressed side is read with the worker thread, the plain
 * side without.
 */
Test(corpus, compressed_and_plain_give_the_same_records)
{
	struct report r = { 0 };
	const char *dir;
	size_t files_compared = 0;
	uint64_t records = 0;

	corpus_load();
	dir = tmpdir_make();
	for (size_t i = 0; i < nfiles; i++) {
		const struct corpus_file *f = &files[i];
		struct tp_stream_opts threaded = { .threaded = true }, plain_opts = { 0 };
		struct tp_capture *a = NULL, *b = NULL;
		enum tp_open_status oa, ob;
		char path[1200], plain[1200], ea[600], eb[600];

		if (compression_by_name(f->rel) == TP_COMPRESSION_NONE)
			continue;
		corpus_path(path, sizeof path, f);
		decompress(f, dir, plain, sizeof plain);
		oa = tp_capture_open(&a, path, &threaded, ea, sizeof ea);
		ob = tp_capture_open(&b, plain, &plain_opts, eb, sizeof eb);
		if (oa != ob) {
			report_add(&r, "%s: compressed open %s (%s), plain %s (%s)", f->rel,
				   open_status_name(oa), ea, open_status_name(ob), eb);
		} else if (oa == TP_OPEN_OK) {
			files_compared++;
			if (tp_capture_info(a)->compression != compression_by_name(f->rel))
				report_add(&r, "%s: compression %s", f->rel,
					   tp_compression_name(tp_capture_info(a)->compression));
			compare_records(&r, f->rel, a, b, &records);
		} else {
			cr_log_info("corpus: %s: not a capture, compressed or not: %s", f->rel, ea);
		}
		tp_capture_close(a, NULL, NULL);
		tp_capture_close(b, NULL, NULL);
		remove(plain);
	}
	cr_log_info("corpus: %zu compressed captures, %" PRIu64 " records compared",
		    files_compared, records);
	report_done(&r, "differences between compressed and plain");
	cr_assert(files_compared >= MIN_COMPRESSED, "only %zu compressed captures", files_compared);
}

/* Howard Hinnant's days_from_civil: days since 1970-01-01. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "2023-11-14T22:13:20.500000000Z" -> nanoseconds; false if not that shape. */
static bool parse_iso(const char *s, int64_t *ns)
{
	int year, used = -1;
	unsigned mon, day, hh, mm, ss;
	char frac[10];
	__int128 v;

	if (sscanf(s, "%d-%2u-%2uT%2u:%2u:%2u.%9[0-9]Z%n", &year, &mon, &day, &hh, &mm, &ss,
		   frac, &used) != 7 || used < 0 || s[used] != '\0' || strlen(frac) != 9 ||
	    mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return false;
	v = (__int128)days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
	v = v * NS_PER_S + strtoll(frac, NULL, 10);
	if (v != saturate(v))
		return false;
	*ns = (int64_t)v;
	return true;
}

/* The row of captures.csv whose path is corpus/rel, or 0. */
static size_t csv_row_of(const struct csv_table *t, const char *rel)
{
	size_t clen = strlen(corpus);

	for (size_t row = 1; row < t->rows; row++) {
		const char *p = csv_table_get(t, row, "path");

		if (p && strncmp(p, corpus, clen) == 0 && p[clen] == '/' &&
		    strcmp(p + clen + 1, rel) == 0)
			return row;
	}
	return 0;
}

/*
 * The binary, given the whole corpus folder (malformed/ included), exits 0
 * and writes one captures.csv row per capture: frames and first/last times
 * as capinfos (or tshark, as in the first test) has them, bytes and SHA-256
 * as MANIFEST.tsv has them.  Files that are not captures have no row.
 */
Test(corpus, the_binary_reports_what_capinfos_reports)
{
	static size_t rows[CORPUS_MAX_FILES];
	static struct {
		bool have, ok;	/* the row has times; they parse */
		int64_t first, last;
	} times[CORPUS_MAX_FILES];
	const char *bin = getenv("TAPSIGHT_BIN") ? getenv("TAPSIGHT_BIN") : "build/release/tapsight";
	struct report r = { 0 };
	struct csv_table t;
	const char *tmp;
	static char err_text[8192];
	char cmd[2400], out[700], err_path[700];
	size_t compared = 0, rows_seen = 0;
	bool ok;
	int st;

	corpus_load();
	tmp = tmpdir_make();
	capinfos_load(tmp);
	cr_assert(shell_safe(bin), "%s: a path these tests cannot quote", bin);
	format_whole(out, sizeof out, "%s/report", tmp);
	format_whole(err_path, sizeof err_path, "%s/stderr", tmp);
	format_whole(cmd, sizeof cmd, "'%s' -q -o '%s' '%s' > /dev/null 2> '%s'", bin, out, corpus,
		     err_path);
	st = system(cmd);
	ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok) {
		/* The folder goes with the test: show what the binary said. */
		FILE *e = fopen(err_path, "r");
		size_t n = e ? fread(err_text, 1, sizeof err_text - 1, e) : 0;

		err_text[n] = '\0';
		if (e)
			fclose(e);
	}
	cr_assert(ok, "%s: exit %d, stderr:\n%s", cmd, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
		  err_text);
	format_whole(cmd, sizeof cmd, "%s/captures.csv", out);
	cr_assert(csv_table_read(&t, cmd) == 0, "%s cannot be parsed", cmd);
	cr_assert(eq(int, t.ragged, 0), "%s: rows of different lengths", cmd);

	/* Every row: a corpus file, with the manifest's bytes and digest. */
	for (size_t row = 1; row < t.rows; row++) {
		const char *p = csv_table_get(&t, row, "path");
		const char *sha = csv_table_get(&t, row, "sha256");
		const char *bytes = csv_table_get(&t, row, "bytes");
		const char *status = csv_table_get(&t, row, "status");
		size_t clen = strlen(corpus);
		const struct corpus_file *f = NULL;

		if (p && strncmp(p, corpus, clen) == 0 && p[clen] == '/')
			f = corpus_find(p + clen + 1);
		if (!f) {
			report_add(&r, "row %zu: path %s is not a corpus file", row, p ? p : "(none)");
			continue;
		}
		rows_seen++;
		if (!f->listed)
			report_add(&r, "%s: not in MANIFEST.tsv", f->rel);
		else if (!sha || strcmp(sha, f->sha256) != 0 ||
			 !bytes || strtoull(bytes, NULL, 10) != f->bytes)
			report_add(&r, "%s: bytes %s sha256 %s, MANIFEST.tsv %" PRIu64 " %s", f->rel,
				   bytes ? bytes : "", sha ? sha : "", f->bytes, f->sha256);
		/* A broken capture keeps its row, and the row says where it broke. */
		if (f->malformed && (!status || (strcmp(status, "ok") != 0 &&
						 !names_byte_offset(status))))
			report_add(&r, "%s: status \"%s\" names no byte offset", f->rel,
				   status ? status : "");
	}

	/* Every capture outside malformed/: a row that agrees with capinfos.
	 * First the rows' times, which decide where tshark is needed. */
	for (size_t i = 0; i < nfiles; i++) {
		struct corpus_file *f = &files[i];
		size_t row = csv_row_of(&t, f->rel);
		const char *first = row ? csv_table_get(&t, row, "first_ts") : NULL;
		const char *last = row ? csv_table_get(&t, row, "last_ts") : NULL;

		rows[i] = row;
		times[i].have = first && last && *first && *last;
		times[i].ok = !times[i].have || (parse_iso(first, &times[i].first) &&
						 parse_iso(last, &times[i].last));
		f->want_tshark = row && !f->malformed && f->ci_row && ci_type_is_ours(f->ci_type) &&
				 times[i].ok &&
				 span_needs_tshark(f, times[i].have, times[i].first, times[i].last);
	}
	tshark_load();
	for (size_t i = 0; i < nfiles; i++) {
		const struct corpus_file *f = &files[i];
		bool ours = f->ci_row && ci_type_is_ours(f->ci_type);
		size_t row = rows[i];
		const char *frames, *first, *last, *status;
		struct span sp;

		if (f->malformed)
			continue;
		if (!ours) {
			if (row && (f->ci_row || strstr(f->ci_err, "isn't a capture file")))
				report_add(&r, "%s: not a pcap or pcapng file (capinfos: %s), yet a row",
					   f->rel, f->ci_row ? f->ci_type : f->ci_err);
			continue;
		}
		if (!row) {
			report_add(&r, "%s: no row in captures.csv", f->rel);
			continue;
		}
		compared++;
		frames = csv_table_get(&t, row, "frames");
		first = csv_table_get(&t, row, "first_ts");
		last = csv_table_get(&t, row, "last_ts");
		status = csv_table_get(&t, row, "status");
		if (!frames || strtoull(frames, NULL, 10) != f->ci_frames) {
			report_add(&r, "%s: frames %s, capinfos says %" PRIu64, f->rel,
				   frames ? frames : "", f->ci_frames);
			continue;
		}
		if ((ci_cut_short(f) || ci_damaged(f)) ? (!status || !names_byte_offset(status))
						       : (!status || strcmp(status, "ok") != 0))
			report_add(&r, "%s: status \"%s\" (capinfos: %s)", f->rel, status ? status : "",
				   f->ci_err[0] ? f->ci_err : "clean");
		if (!times[i].ok) {
			report_add(&r, "%s: first_ts %s last_ts %s: not ISO 8601 UTC with 9 decimals",
				   f->rel, first, last);
			continue;
		}
		expected_span(f, &sp);
		if (sp.bad)
			report_add(&r, "%s: %s printed a time or count we cannot use", f->rel,
				   sp.source);
		else if (sp.timed != times[i].have)
			report_add(&r, "%s: first_ts \"%s\" last_ts \"%s\", %s says %s", f->rel,
				   first ? first : "", last ? last : "", sp.source,
				   sp.timed ? "there are times" : "no packet has a time (n/a)");
		else if (sp.timed) {
			check_time(&r, f->rel, "first_ts", &sp, sp.first, sp.first_digits,
				   times[i].first);
			check_time(&r, f->rel, "last_ts", &sp, sp.last, sp.last_digits,
				   times[i].last);
		}
	}
	cr_log_info("corpus: tapsight wrote %zu rows for corpus files; %zu compared with capinfos",
		    rows_seen, compared);
	csv_table_free(&t);
	report_done(&r, "disagreements in captures.csv");
	cr_assert(compared >= MIN_CAPTURES, "only %zu captures compared", compared);
}
