/*
 * corpus.c - see corpus.h.
 */
#include "tests/support/corpus.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

const char *corpus_dir(void)
{
	const char *d = getenv("TAPSIGHT_CAPTURES");

	return d && *d ? d : "../shared/captures";
}

const char *corpus_file(const char *rel)
{
	static char path[4096];
	struct stat st;

	if (stat(corpus_dir(), &st) != 0 || !S_ISDIR(st.st_mode))
		cr_skip_test("%s not found (set TAPSIGHT_CAPTURES to the shared captures)",
			     corpus_dir());
	snprintf(path, sizeof path, "%s/%s", corpus_dir(), rel);
	if (stat(path, &st) != 0)
		cr_skip_test("%s is not in the corpus", path);
	return path;
}

/* Shell words we build are quoted with single quotes; refuse the rest. */
static bool quotable(const char *s)
{
	return s && !strchr(s, '\'');
}

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		cr_assert(*buf);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

bool tshark_fields(const char *path, const char *filter, const char *extra,
		   const char *const *fields, size_t nfields, struct tshark_rows *out)
{
	char *cmd = NULL, *text = NULL;
	size_t clen = 0, ccap = 0, tlen = 0, tcap = 0, rows = 0;
	char chunk[65536];
	FILE *p;
	size_t n;

	memset(out, 0, sizeof *out);
	if (!quotable(path) || (filter && !quotable(filter)))
		return false;
	append(&cmd, &clen, &ccap, "tshark -n -r '");
	append(&cmd, &clen, &ccap, path);
	append(&cmd, &clen, &ccap, "' ");
	if (filter) {
		append(&cmd, &clen, &ccap, "-Y '");
		append(&cmd, &clen, &ccap, filter);
		append(&cmd, &clen, &ccap, "' ");
	}
	if (extra) {
		append(&cmd, &clen, &ccap, extra);
		append(&cmd, &clen, &ccap, " ");
	}
	append(&cmd, &clen, &ccap,
	       "-T fields -E separator=/t -E occurrence=a -E aggregator=, -e frame.number");
	for (size_t i = 0; i < nfields; i++) {
		cr_assert(quotable(fields[i]));
		append(&cmd, &clen, &ccap, " -e '");
		append(&cmd, &clen, &ccap, fields[i]);
		append(&cmd, &clen, &ccap, "'");
	}
	append(&cmd, &clen, &ccap, " 2>/dev/null");
	p = popen(cmd, "r");
	if (!p) {
		cr_log_warn("cannot run: %s", cmd);
		free(cmd);
		return false;
	}
	append(&text, &tlen, &tcap, "");
	while ((n = fread(chunk, 1, sizeof chunk - 1, p)) > 0) {
		chunk[n] = '\0';
		append(&text, &tlen, &tcap, chunk);
	}
	if (pclose(p) != 0) {
		cr_log_warn("tshark failed: %s", cmd);
		free(cmd);
		free(text);
		return false;
	}
	free(cmd);
	for (size_t i = 0; i < tlen; i++)
		rows += text[i] == '\n';
	out->nfields = nfields + 1;
	out->cells = calloc(rows * out->nfields + 1, sizeof *out->cells);
	cr_assert(out->cells);
	out->text = text;
	for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		char *cell = line;

		*nl = '\0';
		for (size_t f = 0; f < out->nfields; f++) {
			char *tab = cell ? strchr(cell, '\t') : NULL;

			if (tab)
				*tab = '\0';
			out->cells[out->nrows * out->nfields + f] = cell ? cell : (char *)"";
			cell = tab ? tab + 1 : NULL;
		}
		out->nrows++;
	}
	return true;
}

const char *tshark_cell(const struct tshark_rows *t, size_t row, size_t field)
{
	if (row >= t->nrows || field >= t->nfields)
		return "";
	return t->cells[row * t->nfields + field];
}

void tshark_rows_free(struct tshark_rows *t)
{
	free(t->cells);
	free(t->text);
	memset(t, 0, sizeof *t);
}
