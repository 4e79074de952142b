/*
 * table.c - CSV input through libcsv; see table.h.
 */
#include "formats/table.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct reader {
	table_row_fn *fn;
	void *ctx;
	size_t line;		/* line being fed to the parser */
	size_t row_start;	/* line the current row began on */
	bool between_rows;	/* the last row is complete */
	bool stop;
	struct table_row row;
	char *store;		/* TABLE_MAX_FIELDS fields of TABLE_MAX_FIELD + 1 bytes */
};

static void on_field(void *data, size_t len, void *priv)
{
	struct reader *r = priv;
	size_t i = r->row.nfields++;

	if (i < TABLE_MAX_FIELDS) {
		char *dst = r->store + i * (TABLE_MAX_FIELD + 1);

		if (len > TABLE_MAX_FIELD)
			len = TABLE_MAX_FIELD;
		if (len)
			memcpy(dst, data, len);
		dst[len] = '\0';
		r->row.fields[i] = dst;
	}
}

static void on_row(int c, void *priv)
{
	struct reader *r = priv;

	(void)c;
	r->row.line = r->row_start;
	for (size_t i = r->row.nfields; i < TABLE_MAX_FIELDS; i++)
		r->row.fields[i] = "";
	if (!r->stop && !r->fn(r->ctx, &r->row))
		r->stop = true;
	r->row.nfields = 0;
	r->between_rows = true;
}

/* libcsv skips blank lines; a row begins on the first line with more. */
static bool blank(const char *line, ssize_t n)
{
	return strspn(line, "\r\n") == (size_t)n;
}

bool table_read(const char *path, table_row_fn *fn, void *ctx, char *err, size_t errlen)
{
	struct reader r = { .fn = fn, .ctx = ctx, .between_rows = true };
	struct csv_parser p;
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool ok = true;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	r.store = malloc(TABLE_MAX_FIELDS * (TABLE_MAX_FIELD + 1));
	if (!r.store || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(r.store);
		fclose(f);
		return false;
	}
	while (!r.stop && (n = getline(&line, &cap, f)) > 0) {
		r.line++;
		if (r.between_rows && !blank(line, n)) {
			r.row_start = r.line;
			r.between_rows = false;
		}
		if (csv_parse(&p, line, (size_t)n, on_field, on_row, &r) != (size_t)n) {
			snprintf(err, errlen, "%s: line %zu: %s", path, r.line, csv_strerror(csv_error(&p)));
			ok = false;
			break;
		}
	}
	if (ok && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ok = false;
	}
	if (ok && !r.stop && csv_fini(&p, on_field, on_row, &r) != 0) {
		snprintf(err, errlen, "%s: line %zu: %s", path, r.line, csv_strerror(csv_error(&p)));
		ok = false;
	}
	csv_free(&p);
	free(line);
	free(r.store);
	fclose(f);
	return ok;
}

int table_column(const struct table_row *header, const char *name)
{
	for (size_t i = 0; i < header->nfields && i < TABLE_MAX_FIELDS; i++) {
		const char *s = header->fields[i];
		size_t len;

		if (strncmp(s, "\xef\xbb\xbf", 3) == 0)	/* a BOM from Excel */
			s += 3;
		while (isspace((unsigned char)*s))
			s++;
		len = strlen(s);
		while (len && isspace((unsigned char)s[len - 1]))
			len--;
		if (len == strlen(name) && strncasecmp(s, name, len) == 0)
			return (int)i;
	}
	return -1;
}
