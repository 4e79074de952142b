/*
 * table.h - CSV files given to tapsight (the known-asset inventory, the IEEE
 * OUI registry), read through libcsv's parser (RFC 4180, quoted fields may
 * hold commas and line breaks).
 *
 * table_read() streams a file and hands over one row at a time with the
 * line it starts on, so a bad row can be reported as "file:line".
 */
#ifndef TP_TABLE_H
#define TP_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#define TABLE_MAX_FIELDS 64	/* fields kept per row; more are counted, not kept */
#define TABLE_MAX_FIELD 4096	/* bytes kept per field */

struct table_row {
	size_t line;		/* 1-based line the row starts on */
	size_t nfields;		/* as in the file (may exceed TABLE_MAX_FIELDS) */
	const char *fields[TABLE_MAX_FIELDS];	/* NUL-terminated, cut at TABLE_MAX_FIELD */
};

/* Returns false to stop reading. */
typedef bool table_row_fn(void *ctx, const struct table_row *row);

/* Reads path row by row.  Returns false with a message in err when the file
 * cannot be read or is not well-formed CSV (unterminated quote...). */
bool table_read(const char *path, table_row_fn *fn, void *ctx, char *err, size_t errlen);

/* The index of column name in a header row (case-insensitive, trimmed), or -1. */
int table_column(const struct table_row *header, const char *name);

#endif
