/*
 * cli.c - parse the command line into a tp_config; see cli.h.
 *
 * A "LABEL=PATH" argument is read as a label only when LABEL is a valid
 * label and the whole argument is not itself an existing path, so a file
 * whose name holds '=' can still be given as it is.  Folders are recursed
 * in byte order of names, without following symbolic links to folders
 * (no loops), at most FOLDER_DEPTH deep.
 */
#include "analyzer/cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FOLDER_DEPTH 32

static const char usage_text[] =
	"usage: tapsight [OPTIONS] [LABEL=]PATH...\n"
	"\n"
	"Reads pcap and pcapng captures (plain, gzip, zstd or xz) taken through\n"
	"traffic mirrors and writes reports on what each view saw.\n"
	"\n"
	"  PATH            a capture file, - for standard input, or a folder\n"
	"                  (recursed; files in name order; non-captures skipped)\n"
	"  LABEL=PATH      captures with the same LABEL form one view, read in\n"
	"                  timestamp order (a TAP's RX and TX files, rotated files);\n"
	"                  without a label each capture is its own view\n"
	"\n"
	"options:\n"
	"  -o, --output DIR  write the reports into DIR (default ./tapsight-report)\n"
	"  -q, --quiet       no progress line and no notes on stderr\n"
	"      --ingest-only read and hash the captures, write captures.csv only\n"
	"      --flows-only  decode and flows only: no ICS dissection and no assets\n"
	"                    (ics.csv and assets.csv are not written)\n"
	"      --bom         begin each CSV file with a UTF-8 byte-order mark (Excel)\n"
	"      --no-hash     skip SHA-256 (triage only: no chain of custody)\n"
	"  -f, --filter EXPR only frames matching this BPF expression (tcpdump\n"
	"                    syntax) are analysed; captures.csv still counts all\n"
	"      --inventory FILE  known assets (CSV with a header: name, mac, ip,\n"
	"                    vendor, model, role, port): marks known assets no view\n"
	"                    saw and seen assets missing from it\n"
	"      --dup-window MS    a packet seen again within MS milliseconds is a\n"
	"                    duplicate (default 10; 0 turns the check off)\n"
	"      --keep-duplicates  count duplicates in flows and assets too (they are\n"
	"                    left out by default, and counted in quality.csv)\n"
	"      --oui-dir DIR the IEEE registry's oui.csv, mam.csv, oui36.csv for MAC\n"
	"                    vendors (default /usr/share/ieee-data, package ieee-data)\n"
	"      --reference LABEL  the view the others are compared with (default: the\n"
	"                    view labelled tap if any, else the union of all views)\n"
	"      --match-window MS  copies of a packet stamped this far apart (clocks\n"
	"                    corrected) still match across views (default 100)\n"
	"      --write-missed FILE  pcap of the reference's frames a view missed (with\n"
	"                    several views: FILE-LABEL, e.g. missed-span.pcap)\n"
	"      --write-extra FILE   pcap of a view's frames the reference lacks\n"
	"      --tcp-timeout SECONDS    idle time that ends a TCP flow (300)\n"
	"      --udp-timeout SECONDS    ... a UDP flow (60)\n"
	"      --other-timeout SECONDS  ... any other flow (60)\n"
	"  -h, --help        this text\n"
	"  -V, --version     the version\n"
	"\n"
	"outputs (in DIR): report.html, the whole report in one self-contained page\n"
	"to read, print or attach (no network needed); manifest.csv, the chain of\n"
	"custody (SHA-256 of every input and output, options, times); captures.csv,\n"
	"one row per capture (hash, format, link types, time span, faults, drops);\n"
	"flows.csv, one row per bidirectional flow; ics.csv, one row per flow and\n"
	"ICS/IT protocol (messages by function, writes, program downloads,\n"
	"stop/start); assets.csv, one row per device\n"
	"(vendor, names, roles, identity, visibility per view); quality.csv and\n"
	"events.csv, the fidelity of each view; with two views or more,\n"
	"comparison.csv (each view against the reference) and missed.csv (what\n"
	"each missed, frame ranges).  README.md documents every column.\n"
	"\n"
	"exit status: 0 done, 1 error (nothing could be read, or an output could\n"
	"not be written), 2 usage error.\n"
	"\n"
	"examples:\n"
	"  tapsight capture.pcapng.gz\n"
	"  tapsight -o case42 tap=tap-rx.pcap tap=tap-tx.pcap span=span.pcap.zst\n"
	"  zcat old.pcap.gz | tapsight -\n";

bool cli_valid_label(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* Index of the view called name, adding it if new; SIZE_MAX when out of memory. */
static size_t view_index(struct tp_config *cfg, const char *name, size_t n)
{
	char **views;

	for (size_t i = 0; i < cfg->nviews; i++)
		if (strlen(cfg->views[i]) == n && memcmp(cfg->views[i], name, n) == 0)
			return i;
	views = realloc(cfg->views, (cfg->nviews + 1) * sizeof *views);
	if (!views)
		return SIZE_MAX;
	cfg->views = views;
	if (!(views[cfg->nviews] = dup_n(name, n)))
		return SIZE_MAX;
	return cfg->nviews++;
}

/* A view named after the file; a second file of the same name gets "#2". */
static size_t unlabeled_view(struct tp_config *cfg, const char *path)
{
	const char *base = strrchr(path, '/');
	char name[300];

	base = base && base[1] ? base + 1 : path;
	if (strcmp(path, "-") == 0)
		base = "stdin";
	snprintf(name, sizeof name, "%s", base);
	for (unsigned k = 2;; k++) {
		bool taken = false;

		for (size_t i = 0; i < cfg->nviews; i++)
			taken |= strcmp(cfg->views[i], name) == 0;
		if (!taken)
			return view_index(cfg, name, strlen(name));
		snprintf(name, sizeof name, "%s#%u", base, k);
	}
}

static bool add_input(struct tp_config *cfg, const char *path, size_t view, bool from_dir)
{
	struct tp_input *in = realloc(cfg->inputs, (cfg->ninputs + 1) * sizeof *in);

	if (!in || view == SIZE_MAX)
		return false;
	cfg->inputs = in;
	in[cfg->ninputs].path = dup_n(path, strlen(path));
	in[cfg->ninputs].view = view;
	in[cfg->ninputs].from_directory = from_dir;
	if (!in[cfg->ninputs].path)
		return false;
	cfg->ninputs++;
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every regular file under dir, in name order.  label NULL: each file
 * is its own view. */
static bool add_folder(struct tp_config *cfg, const char *dir, const char *label, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	bool ok = true;

	if (depth > FOLDER_DEPTH) {
		fprintf(stderr, "tapsight: %s: folders nested deeper than %d, not read\n", dir,
			FOLDER_DEPTH);
		return true;
	}
	if (!(d = opendir(dir))) {
		fprintf(stderr, "tapsight: %s: %s\n", dir, strerror(errno));
		return false;
	}
	while ((e = readdir(d))) {
		char **more;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		more = realloc(names, (n + 1) * sizeof *names);
		if (!more || !(more[n] = dup_n(e->d_name, strlen(e->d_name)))) {
			names = more ? more : names;
			ok = false;
			break;
		}
		names = more;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n && ok; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(len);
		struct stat st;

		if (!path) {
			ok = false;
			break;
		}
		snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			ok = add_folder(cfg, path, label, depth + 1);
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			size_t view = label ? view_index(cfg, label, strlen(label))
					    : unlabeled_view(cfg, path);
			ok = add_input(cfg, path, view, true);
		}
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ok;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static enum cli_result add_argument(struct tp_config *cfg, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *path = arg;
	char *label = NULL;
	struct stat st;
	bool ok;

	if (eq && cli_valid_label(arg, (size_t)(eq - arg)) && !(exists(arg) && !exists(eq + 1))) {
		label = dup_n(arg, (size_t)(eq - arg));
		path = eq + 1;
		if (!label)
			return CLI_ERROR;
	}
	if (!*path) {
		fprintf(stderr, "tapsight: %s: empty path\n", arg);
		free(label);
		return CLI_USAGE;
	}
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		ok = add_folder(cfg, path, label, 0);
	} else {
		size_t view = label ? view_index(cfg, label, strlen(label)) : unlabeled_view(cfg, path);
		ok = add_input(cfg, path, view, false);
	}
	free(label);
	return ok ? CLI_RUN : CLI_ERROR;
}

/* Seconds, with decimals, from 1 ms to a day, into nanoseconds. */
static bool parse_seconds(const char *s, int64_t *ns)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0.001 && v <= 86400))
		return false;
	*ns = (int64_t)(v * 1e9 + 0.5);
	return true;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (!(s = malloc(len)))
		return NULL;
	s[0] = '\0';
	for (int i = 0, at = 0; i < argc; i++)
		at += snprintf(s + at, len - (size_t)at, "%s%s", i ? " " : "", argv[i]);
	return s;
}

/* --reference must name one of the views. */
static enum cli_result check_reference(const struct tp_config *cfg)
{
	if (!cfg->reference)
		return CLI_RUN;
	for (size_t i = 0; i < cfg->nviews; i++)
		if (strcmp(cfg->views[i], cfg->reference) == 0)
			return CLI_RUN;
	fprintf(stderr, "tapsight: --reference %s: no view has that label (views:", cfg->reference);
	for (size_t i = 0; i < cfg->nviews; i++)
		fprintf(stderr, " %s", cfg->views[i]);
	fputs(")\n", stderr);
	return CLI_USAGE;
}

enum cli_result cli_parse(int argc, char **argv, struct tp_config *cfg)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ingest-only", no_argument, NULL, 'I' },
		{ "flows-only", no_argument, NULL, 'F' },
		{ "bom", no_argument, NULL, 'B' },
		{ "no-hash", no_argument, NULL, 'H' },
		{ "filter", required_argument, NULL, 'f' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "oui-dir", required_argument, NULL, 'u' },
		{ "dup-window", required_argument, NULL, 'D' },
		{ "keep-duplicates", no_argument, NULL, 'K' },
		{ "reference", required_argument, NULL, 'R' },
		{ "match-window", required_argument, NULL, 'M' },
		{ "write-missed", required_argument, NULL, 'm' },
		{ "write-extra", required_argument, NULL, 'e' },
		{ "tcp-timeout", required_argument, NULL, 'T' },
		{ "udp-timeout", required_argument, NULL, 'U' },
		{ "other-timeout", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, stdin_count = 0;

	memset(cfg, 0, sizeof *cfg);
	cfg->out_dir = "tapsight-report";
	cfg->command_line = join_args(argc, argv);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":o:qhVf:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			cfg->out_dir = optarg;
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'I':
			cfg->ingest_only = true;
			break;
		case 'F':
			cfg->flows_only = true;
			break;
		case 'B':
			cfg->bom = true;
			break;
		case 'H':
			cfg->no_hash = true;
			break;
		case 'f':
			cfg->filter = optarg;
			break;
		case 'i':
			cfg->inventory = optarg;
			break;
		case 'u':
			cfg->oui_dir = optarg;
			break;
		case 'D': {
			int64_t ns;

			/* 0 is allowed here (no check): the seconds parser wants 0.001+. */
			if (strcmp(optarg, "0") == 0) {
				cfg->dup_window_ns = -1;
			} else if (parse_seconds(optarg, &ns)) {
				cfg->dup_window_ns = ns / 1000;	/* given in ms */
			} else {
				fprintf(stderr, "tapsight: --dup-window %s: not a number of milliseconds\n",
					optarg);
				return CLI_USAGE;
			}
			break;
		}
		case 'K':
			cfg->keep_duplicates = true;
			break;
		case 'R':
			cfg->reference = optarg;
			break;
		case 'M':
			if (!parse_seconds(optarg, &cfg->match_window_ns)) {
				fprintf(stderr, "tapsight: --match-window %s: not a number of milliseconds\n", optarg);
				return CLI_USAGE;
			}
			cfg->match_window_ns /= 1000;	/* given in ms */
			break;
		case 'm':
			cfg->write_missed = optarg;
			break;
		case 'e':
			cfg->write_extra = optarg;
			break;
		case 'T':
		case 'U':
		case 'O': {
			int64_t *to = opt == 'T' ? &cfg->tcp_timeout_ns
				      : opt == 'U' ? &cfg->udp_timeout_ns : &cfg->other_timeout_ns;

			if (!parse_seconds(optarg, to)) {
				fprintf(stderr, "tapsight: %s: not a number of seconds (0.001 to 86400)\n",
					optarg);
				return CLI_USAGE;
			}
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("tapsight %s\n", TP_VERSION);
			return CLI_EXIT_OK;
		case ':':
			fprintf(stderr, "tapsight: option %s needs a value\n", argv[optind - 1]);
			fputs("Try 'tapsight --help'.\n", stderr);
			return CLI_USAGE;
		default:
			fprintf(stderr, "tapsight: unknown option %s\n", argv[optind - 1]);
			fputs("Try 'tapsight --help'.\n", stderr);
			return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("tapsight: no capture given\n", stderr);
		fputs("usage: tapsight [OPTIONS] [LABEL=]PATH...  (see tapsight --help)\n", stderr);
		return CLI_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		const char *path = eq && cli_valid_label(argv[i], (size_t)(eq - argv[i])) ? eq + 1
											  : argv[i];
		enum cli_result r;

		if (strcmp(path, "-") == 0 && ++stdin_count > 1) {
			fputs("tapsight: standard input (-) given more than once\n", stderr);
			return CLI_USAGE;
		}
		r = add_argument(cfg, argv[i]);
		if (r != CLI_RUN)
			return r;
	}
	return check_reference(cfg);
}

/* The captures of a view: their paths (borrowed from cfg) and whether each
 * was found in a folder, in two arrays to free(); NULL when out of memory. */
size_t cli_view_inputs(const struct tp_config *cfg, size_t view, const char ***paths, bool **from_dir)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->ninputs; i++)
		n += cfg->inputs[i].view == view;
	*paths = calloc(n ? n : 1, sizeof **paths);
	*from_dir = calloc(n ? n : 1, sizeof **from_dir);
	if (!*paths || !*from_dir)
		return 0;
	n = 0;
	for (size_t i = 0; i < cfg->ninputs; i++) {
		if (cfg->inputs[i].view != view)
			continue;
		(*paths)[n] = cfg->inputs[i].path;
		(*from_dir)[n++] = cfg->inputs[i].from_directory;
	}
	return n;
}

void cli_free(struct tp_config *cfg)
{
	for (size_t i = 0; i < cfg->ninputs; i++)
		free(cfg->inputs[i].path);
	for (size_t i = 0; i < cfg->nviews; i++)
		free(cfg->views[i]);
	free(cfg->inputs);
	free(cfg->views);
	free(cfg->command_line);
	memset(cfg, 0, sizeof *cfg);
}
