/*
 * cli.h - the command line: options, and inputs grouped into views.
 *
 *   tapsight [OPTIONS] [LABEL=]PATH...
 *
 * A PATH is a capture file, "-" (standard input) or a folder (recursed,
 * files in name order).  Captures given the same LABEL form one view; a
 * capture without a label is a view of its own, named after its file.
 */
#ifndef TP_CLI_H
#define TP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tp_input {
	char *path;
	size_t view;		/* index into tp_config.views */
	bool from_directory;	/* found inside a folder given on the command line */
};

struct tp_config {
	const char *out_dir;	/* -o, default ./tapsight-report */
	bool quiet;		/* -q: no progress line, no notes */
	bool ingest_only;	/* --ingest-only: captures.csv only */
	bool flows_only;	/* --flows-only: no ICS dissection, no assets */
	bool bom;		/* --bom: UTF-8 byte-order mark on CSV files */
	bool no_hash;		/* --no-hash: skip SHA-256 (faster triage) */
	const char *filter;	/* -f: BPF expression, or NULL */
	const char *inventory;	/* --inventory: known-asset CSV, or NULL */
	int64_t dup_window_ns;	/* --dup-window: 0 default (10 ms), -1 no check */
	bool keep_duplicates;	/* --keep-duplicates: count them in flows and assets too */
	const char *reference;	/* --reference: a view label, or NULL (tap, else the union) */
	int64_t match_window_ns;	/* --match-window: 0 default (100 ms) */
	const char *write_missed;	/* --write-missed: pcap path, or NULL */
	const char *write_extra;	/* --write-extra: pcap path, or NULL */
	const char *oui_dir;	/* --oui-dir: IEEE registry folder, or NULL (default) */
	int64_t tcp_timeout_ns, udp_timeout_ns, other_timeout_ns;	/* 0 = default */
	struct tp_input *inputs;
	size_t ninputs;
	char **views;		/* labels, in order of first appearance */
	size_t nviews;
	char *command_line;	/* as given, for the record */
};

enum cli_result {
	CLI_RUN,	/* run with the configuration */
	CLI_EXIT_OK,	/* --help or --version was printed */
	CLI_USAGE,	/* usage error, message printed: exit 2 */
	CLI_ERROR,	/* could not read an input folder, out of memory: exit 1 */
};

enum cli_result cli_parse(int argc, char **argv, struct tp_config *cfg);
/* The captures of a view: their paths (borrowed from cfg) and whether each
 * was found in a folder, in two arrays to free(); 0 with NULLs possible
 * when out of memory. */
size_t cli_view_inputs(const struct tp_config *cfg, size_t view, const char ***paths, bool **from_dir);

void cli_free(struct tp_config *cfg);

/* True if s is a valid view label: 1-64 of [A-Za-z0-9_.-]. */
bool cli_valid_label(const char *s, size_t n);

#endif
