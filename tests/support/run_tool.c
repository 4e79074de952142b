/* run_tool.c - see run_tool.h. */
#include "tests/support/run_tool.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const tool_demo_inputs[TOOL_DEMO_INPUTS][2] = {
	{ "tap", "tap.pcapng" },	{ "tap2", "tap-rx.pcapng" },	{ "tap2", "tap-tx.pcapng" },
	{ "span", "span.pcapng" },	{ "span-rx", "span-rx.pcap.gz" }, { "rspan", "rspan.pcapng" },
	{ "erspan2", "erspan.pcapng" }, { "erspan3", "erspan3.pcapng.zst" },
	{ "vswitch", "vswitch.pcapng" },
};

const char *const tool_csvs[TOOL_CSVS] = {
	"captures.csv", "flows.csv", "ics.csv",	       "assets.csv",   "quality.csv",
	"events.csv",	"comparison.csv", "missed.csv", "manifest.csv",
};

/* The html.parser script of tool_html_events(). */
static const char html_events_py[] =
	"import sys\n"
	"from html.parser import HTMLParser\n"
	"VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source',\n"
	"        'track', 'wbr'}\n"
	"def norm(s):\n"
	"    return ' '.join(s.split())\n"
	"class Events(HTMLParser):\n"
	"    def __init__(self):\n"
	"        super().__init__(convert_charrefs=True)\n"
	"        self.text = ''\n"
	"    def flush(self):\n"
	"        if norm(self.text):\n"
	"            print('T', norm(self.text))\n"
	"        self.text = ''\n"
	"    def handle_starttag(self, tag, attrs):\n"
	"        self.flush()\n"
	"        print('S', tag)\n"
	"        for k, v in sorted(attrs, key=lambda a: a[0]):\n"
	"            print('A', k + '=' + norm(v or ''))\n"
	"    def handle_startendtag(self, tag, attrs):\n"
	"        self.handle_starttag(tag, attrs)\n"
	"        if tag not in VOID:\n"
	"            print('E', tag)\n"
	"    def handle_endtag(self, tag):\n"
	"        self.flush()\n"
	"        if tag not in VOID:\n"
	"            print('E', tag)\n"
	"    def handle_data(self, d):\n"
	"        self.text += d\n"
	"    def handle_decl(self, d):\n"
	"        self.flush()\n"
	"        print('D', d.lower())\n"
	"sys.stdout.reconfigure(encoding='utf-8')\n"
	"p = Events()\n"
	"p.feed(open(sys.argv[1], encoding='utf-8', errors='strict').read())\n"
	"p.close()\n"
	"p.flush()\n";

const char *tool_bin(void)
{
	const char *bin = getenv("TAPSIGHT_BIN");

	return bin && *bin ? bin : "build/release/tapsight";
}

int tool_exec(const char *const *argv)
{
	pid_t pid = fork();
	int st;

	if (pid < 0) {
		cr_log_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			cr_log_error("waitpid: %s", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(st)) {
		cr_log_error("%s: killed by signal %d", argv[0], WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		return -1;
	}
	return WEXITSTATUS(st);
}

int tool_demo(const char *sim, const char *out, const char *const *opts, size_t nopts)
{
	enum { MAX_OPTS = 16 };
	const char *argv[4 + MAX_OPTS + TOOL_DEMO_INPUTS + 1];
	char inputs[TOOL_DEMO_INPUTS][512];
	size_t n = 0;

	cr_assert(nopts <= MAX_OPTS);
	argv[n++] = tool_bin();
	argv[n++] = "-q";
	argv[n++] = "-o";
	argv[n++] = out;
	for (size_t i = 0; i < nopts; i++)
		argv[n++] = opts[i];
	for (size_t i = 0; i < TOOL_DEMO_INPUTS; i++) {
		snprintf(inputs[i], sizeof inputs[i], "%s=%s/%s", tool_demo_inputs[i][0], sim,
			 tool_demo_inputs[i][1]);
		argv[n++] = inputs[i];
	}
	argv[n] = NULL;
	return tool_exec(argv);
}

/* Reads f to its end into a NUL-terminated buffer. */
static char *slurp(FILE *f, size_t *len)
{
	size_t n = 0, cap = 1 << 16, got;
	char *buf = malloc(cap);

	while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			char *more = realloc(buf, cap * 2);

			if (!more) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = more;
			cap *= 2;
		}
	}
	if (buf)
		buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *tool_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f)
		return NULL;
	buf = slurp(f, len);
	fclose(f);
	return buf;
}

char *tool_output(const char *cmd, size_t *len, int *status)
{
	FILE *p = popen(cmd, "r");
	char *out;
	int st;

	if (!p) {
		cr_log_error("popen %s: %s", cmd, strerror(errno));
		*status = -1;
		return NULL;
	}
	out = slurp(p, len);
	st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

char *tool_python(const char *script, const char *args)
{
	char path[] = "/tmp/tapsight-py-XXXXXX", cmd[8192];
	int fd = mkstemp(path), st;
	size_t n = strlen(script);
	char *out = NULL;

	if (fd < 0 || write(fd, script, n) != (ssize_t)n) {
		cr_log_error("cannot write the script %s", path);
	} else {
		snprintf(cmd, sizeof cmd, "python3 '%s' %s", path, args);
		out = tool_output(cmd, NULL, &st);
		if (st != 0) {
			cr_log_error("%s failed (status %d)", cmd, st);
			free(out);
			out = NULL;
		}
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return out;
}

char *tool_html_events(const char *path)
{
	char args[4200];

	snprintf(args, sizeof args, "'%s'", path);
	return tool_python(html_events_py, args);
}

bool tool_sha256sum(const char *path, char hex[65])
{
	char cmd[4200], *out;
	int st;
	bool ok;

	snprintf(cmd, sizeof cmd, "sha256sum < '%s'", path);
	out = tool_output(cmd, NULL, &st);
	ok = st == 0 && out && strlen(out) >= 64 && strspn(out, "0123456789abcdef") == 64;
	if (ok) {
		memcpy(hex, out, 64);
		hex[64] = '\0';
	} else {
		cr_log_error("%s failed", cmd);
	}
	free(out);
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

size_t tool_list_dir(const char *dir, char (*names)[256], size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return SIZE_MAX;
	while ((e = readdir(d)) && n < max)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			snprintf(names[n++], sizeof names[0], "%s", e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], by_name);
	return n;
}
