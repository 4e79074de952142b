/* csvread.c - see csvread.h. */
#include "tests/support/csvread.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_field(void *s, size_t len, void *data)
{
	struct csv_table *t = data;
	char *copy = malloc(len + 1);

	if (!copy)
		abort();
	memcpy(copy, s, len);
	copy[len] = '\0';
	if (t->ncells == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cells = realloc(t->cells, t->cap * sizeof *t->cells);
		if (!t->cells)
			abort();
	}
	t->cells[t->ncells++] = copy;
	t->row_cells++;
}

static void on_row(int c, void *data)
{
	struct csv_table *t = data;

	(void)c;
	if (t->rows == 0)
		t->cols = t->row_cells;
	else if (t->row_cells != t->cols)
		t->ragged = 1;
	t->rows++;
	t->row_cells = 0;
}

int csv_table_read(struct csv_table *t, const char *path)
{
	struct csv_parser p;
	char buf[65536];
	size_t n;
	int rc = 0;
	FILE *f = fopen(path, "rb");

	memset(t, 0, sizeof *t);
	if (!f || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		if (f)
			fclose(f);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (csv_parse(&p, buf, n, on_field, on_row, t) != n)
			rc = -1;
	if (csv_fini(&p, on_field, on_row, t) != 0)
		rc = -1;
	csv_free(&p);
	fclose(f);
	return rc;
}

const char *csv_table_get(const struct csv_table *t, size_t row, const char *column)
{
	if (row >= t->rows)
		return NULL;
	for (size_t c = 0; c < t->cols; c++)
		if (strcmp(t->cells[c], column) == 0)
			return t->cells[row * t->cols + c];
	return NULL;
}

void csv_table_free(struct csv_table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}
