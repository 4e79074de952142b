/*
 * csv.h - spreadsheet-safe CSV files, written through libcsv.
 *
 * One file is one table: a header row of stable column names, then rows of
 * cells.  Text cells go through csv_fwrite() (RFC 4180 quoting); numbers are
 * written plain; timestamps as ISO 8601 UTC with nanoseconds.  Lines end in
 * CRLF as RFC 4180 says.  Text is UTF-8: invalid bytes and control
 * characters are written as \xHH.  Text that came from a capture (or any
 * other hostile source) and begins with = + - @ tab or CR is prefixed with an
 * apostrophe so no spreadsheet takes it for a formula.
 *
 * A file is written under a temporary name in its folder and renamed when
 * csv_close() completes it, so an interrupted run never leaves half a table.
 */
#ifndef TP_CSV_H
#define TP_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct csv_out;

/* Creates dir/name (through a temporary file); bom begins it with a UTF-8
 * byte-order mark for Excel.  NULL and a message in err on failure. */
struct csv_out *csv_open(const char *dir, const char *name, const char *const *columns,
			 size_t ncolumns, bool bom, char *err, size_t errlen);

void csv_text(struct csv_out *o, const char *s);			/* our own text */
void csv_hostile(struct csv_out *o, const uint8_t *s, size_t n);	/* text from a capture or a file name */
void csv_u64(struct csv_out *o, uint64_t v);
void csv_i64(struct csv_out *o, int64_t v);
void csv_ts(struct csv_out *o, int64_t ns);	/* 2026-11-27T06:54:40.123456789Z */
void csv_hex(struct csv_out *o, const uint8_t *p, size_t n);
/* A cell written as it is, unquoted: only for our own plain numbers and
 * times ("1.500000000"), never for text. */
void csv_raw(struct csv_out *o, const char *s);
void csv_empty(struct csv_out *o);
void csv_end_row(struct csv_out *o);

/* A text cell put together piece by piece (joined lists, names); the
 * pieces may be bytes from a capture.  csv_cell_write() writes it as
 * hostile text and empties it for the next. */
struct csv_cell {
	uint8_t *b;
	size_t len, cap;
	bool failed;		/* out of memory: the cell lost pieces */
};

void csv_cell_put(struct csv_cell *c, const void *p, size_t n);
void csv_cell_str(struct csv_cell *c, const char *s);
void csv_cell_sep(struct csv_cell *c);	/* "; " unless the cell is empty */
void csv_cell_write(struct csv_out *o, struct csv_cell *c);
void csv_cell_free(struct csv_cell *c);

/* Completes the file and renames it into place; returns false (message in
 * err, temporary file removed) if anything failed to be written.  Frees o. */
bool csv_close(struct csv_out *o, char *err, size_t errlen);

/* Formats ns as ISO 8601 UTC with nanoseconds into buf (at least 40 bytes). */
void tp_format_ts(char *buf, size_t len, int64_t ns);

/* Writes the cell's text as it goes to the file (sanitised, neutralised when
 * hostile, not quoted) into dst; returns its length (may exceed len, as
 * snprintf).  Exposed for the HTML report and the tests. */
size_t csv_sanitize(char *dst, size_t len, const uint8_t *s, size_t n, bool hostile);

#endif
