/*
 * csvread.h - read a CSV file back in tests, through libcsv's parser.
 */
#ifndef TP_TEST_CSVREAD_H
#define TP_TEST_CSVREAD_H

#include <stddef.h>

struct csv_table {
	char **cells;		/* row-major, NUL-terminated copies */
	size_t ncells, cap;
	size_t rows, cols;	/* cols: cells in the header row */
	size_t row_cells;	/* cells in the row being read */
	int ragged;		/* a row had another count of cells than the header */
};

/* Parses path strictly; returns 0, or -1 if it cannot be read or parsed. */
int csv_table_read(struct csv_table *t, const char *path);
/* Cell of row (0 = header) under the named column, or NULL. */
const char *csv_table_get(const struct csv_table *t, size_t row, const char *column);
void csv_table_free(struct csv_table *t);

#endif
