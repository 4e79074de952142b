/*
 * run_tool.h - run the tapsight binary and the oracles of its reports in
 * tests, and read back what they wrote.
 *
 * The binary is $TAPSIGHT_BIN (default build/release/tapsight).  It is run
 * by fork and exec, without a shell, so paths may hold any byte a file name
 * can; the oracles (sha256sum, python3, chromium) through the shell.  The
 * helpers return what they read or ran and leave the asserting to the
 * tests; what they return is malloc'd and the caller's to free.
 */
#ifndef TP_TEST_RUN_TOOL_H
#define TP_TEST_RUN_TOOL_H

#include <stdbool.h>
#include <stddef.h>

/* The simulated plant's captures as `make demo` gives them: one labelled
 * view per mirror (the non-aggregating TAP's RX and TX files are one view),
 * tap first: label, file in the simulator's folder. */
#define TOOL_DEMO_INPUTS 9
#define TOOL_DEMO_VIEWS 8
extern const char *const tool_demo_inputs[TOOL_DEMO_INPUTS][2];

/* The CSV files a full run over two views or more writes. */
#define TOOL_CSVS 9
extern const char *const tool_csvs[TOOL_CSVS];

/* $TAPSIGHT_BIN, default build/release/tapsight. */
const char *tool_bin(void);

/* Runs argv[0] with argv (NULL-terminated), standard input from
 * /dev/null; returns its exit status, or -1 (logged) when it did not exit. */
int tool_exec(const char *const *argv);

/*
 * Runs tapsight -q -o OUT OPTS... LABEL=SIM/FILE... over the demo's inputs
 * in sim (a folder of tapsight-sim's output); returns its exit status.
 */
int tool_demo(const char *sim, const char *out, const char *const *opts, size_t nopts);

/* The whole file, NUL-terminated after its *len bytes; NULL when it cannot
 * be read. */
char *tool_read(const char *path, size_t *len);

/* What a shell command line writes on standard output (NUL-terminated,
 * *len bytes; len may be NULL), its exit status in *status. */
char *tool_output(const char *cmd, size_t *len, int *status);

/* What python3 running script with args (shell words, quoted by the
 * caller) writes on standard output; NULL, logged, when it fails. */
char *tool_python(const char *script, const char *args);

/*
 * An HTML file as python3's html.parser reads it, one event a line:
 *   D doctype    S tag    A name=value (each attribute of the S before,
 *   by name)    T text    E tag
 * with whitespace runs in texts and values made one space and empty texts
 * left out; a void element (meta, img...) has no E, any other element
 * written self-closed (<rect/>) gets one, as a browser's DOM has it.  NULL,
 * logged, when the file is not UTF-8 or python3 fails.
 */
char *tool_html_events(const char *path);

/* SHA-256 of the file as sha256sum prints it (64 hex digits); false,
 * logged, when sha256sum fails. */
bool tool_sha256sum(const char *path, char hex[65]);

/* Names of the entries of dir, hidden ones included (not . and ..), sorted;
 * returns how many (at most max), or SIZE_MAX when dir cannot be read. */
size_t tool_list_dir(const char *dir, char (*names)[256], size_t max);

#endif
