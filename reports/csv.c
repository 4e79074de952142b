/* csv.c - see csv.h. */
#include "reports/csv.h"

#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Cells are gathered here and written with one fwrite() per 64 KiB: a
 * flows table has millions of cells, and stdio per character is slow. */
#define CSV_BUF (64 * 1024)

struct csv_out {
	FILE *f;
	char buf[CSV_BUF];
	size_t used;
	size_t ncolumns;
	size_t cell;		/* cells written in the current row */
	bool failed;
	char *tmp_path, *final_path;
};

static void out_flush(struct csv_out *o)
{
	if (o->used && fwrite(o->buf, 1, o->used, o->f) != o->used)
		o->failed = true;
	o->used = 0;
}

static void out_put(struct csv_out *o, const void *p, size_t n)
{
	if (CSV_BUF - o->used < n) {
		out_flush(o);
		if (n > CSV_BUF) {
			if (fwrite(p, 1, n, o->f) != n)
				o->failed = true;
			return;
		}
	}
	memcpy(o->buf + o->used, p, n);
	o->used += n;
}

/* Room for n more bytes in the buffer (n <= CSV_BUF). */
static char *out_room(struct csv_out *o, size_t n)
{
	if (CSV_BUF - o->used < n)
		out_flush(o);
	return o->buf + o->used;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid.
 * Rejects overlongs, surrogates and code points above U+10FFFF. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static bool formula_start(const uint8_t *s, size_t n)
{
	if (!n)
		return false;
	/* A lone "-" (standard input) is no formula. */
	if (n == 1 && s[0] == '-')
		return false;
	return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
	       s[0] == '\r';
}

size_t csv_sanitize(char *dst, size_t len, const uint8_t *s, size_t n, bool hostile)
{
	size_t out = 0;

#define PUT(ch) do { if (out + 1 < len) dst[out] = (char)(ch); out++; } while (0)
	if (hostile && formula_start(s, n))
		PUT('\'');
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(s + i, n - i);

		if (l == 1 && s[i] >= 0x20 && s[i] != 0x7f && !(hostile && s[i] == '\\')) {
			PUT(s[i]);
		} else if (l > 1) {
			for (size_t k = 0; k < l; k++)
				PUT(s[i + k]);
		} else {
			static const char hex[] = "0123456789abcdef";

			l = 1;
			PUT('\\');
			PUT('x');
			PUT(hex[s[i] >> 4]);
			PUT(hex[s[i] & 15]);
		}
		i += l;
	}
	if (len)
		dst[out < len ? out : len - 1] = '\0';
#undef PUT
	return out;
}

static void sep(struct csv_out *o)
{
	if (o->cell++)
		out_put(o, ",", 1);
}

static void put_quoted(struct csv_out *o, const uint8_t *s, size_t n, bool hostile)
{
	char small[512];
	char *buf = small;
	size_t need = csv_sanitize(small, sizeof small, s, n, hostile);

	if (need >= sizeof small) {
		buf = malloc(need + 1);
		if (!buf) {
			o->failed = true;
			return;
		}
		csv_sanitize(buf, need + 1, s, n, hostile);
	}
	sep(o);
	/* libcsv's writer quotes the cell and doubles its quotes: at most
	 * 2 * need + 2 bytes. */
	if (2 * need + 2 <= CSV_BUF) {
		char *dst = out_room(o, 2 * need + 2);

		o->used += csv_write(dst, 2 * need + 2, buf, need);
	} else if (csv_fwrite(o->f, buf, need) != 0) {
		o->failed = true;
	}
	if (buf != small)
		free(buf);
}

void csv_text(struct csv_out *o, const char *s)
{
	put_quoted(o, (const uint8_t *)s, s ? strlen(s) : 0, false);
}

void csv_hostile(struct csv_out *o, const uint8_t *s, size_t n)
{
	put_quoted(o, s, n, true);
}

/* Decimal digits of v, written backwards from end; returns the start. */
static char *digits(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void csv_u64(struct csv_out *o, uint64_t v)
{
	char tmp[24], *start = digits(tmp + sizeof tmp, v);

	sep(o);
	out_put(o, start, (size_t)(tmp + sizeof tmp - start));
}

void csv_i64(struct csv_out *o, int64_t v)
{
	char tmp[24], *start;
	/* Negate in unsigned arithmetic: -INT64_MIN does not fit an int64_t. */
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	start = digits(tmp + sizeof tmp, mag);
	if (v < 0)
		*--start = '-';
	sep(o);
	out_put(o, start, (size_t)(tmp + sizeof tmp - start));
}

void csv_raw(struct csv_out *o, const char *s)
{
	sep(o);
	out_put(o, s, strlen(s));
}

/* Writes v as exactly width digits ending at end; returns the start. */
static char *fixed_digits(char *end, uint64_t v, int width)
{
	while (width-- > 0) {
		*--end = (char)('0' + v % 10);
		v /= 10;
	}
	return end;
}

void tp_format_ts(char *buf, size_t len, int64_t ns)
{
	/* Floor division, so times before 1970 still come out right. */
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	char tmp[40], *end = tmp + sizeof tmp;
	time_t t;
	struct tm tm;

	if (frac < 0) {
		frac += 1000000000;
		sec -= 1;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		snprintf(buf, len, "invalid");
		return;
	}
	/* Built by hand: reports write millions of these, and printf is slow. */
	*--end = '\0';
	*--end = 'Z';
	end = fixed_digits(end, (uint64_t)frac, 9);
	*--end = '.';
	end = fixed_digits(end, (uint64_t)tm.tm_sec, 2);
	*--end = ':';
	end = fixed_digits(end, (uint64_t)tm.tm_min, 2);
	*--end = ':';
	end = fixed_digits(end, (uint64_t)tm.tm_hour, 2);
	*--end = 'T';
	end = fixed_digits(end, (uint64_t)tm.tm_mday, 2);
	*--end = '-';
	end = fixed_digits(end, (uint64_t)tm.tm_mon + 1, 2);
	*--end = '-';
	end = fixed_digits(end, (uint64_t)tm.tm_year + 1900, 4);
	if (len) {
		size_t n = (size_t)(tmp + sizeof tmp - end);	/* with the NUL */

		memcpy(buf, end, n < len ? n : len);
		buf[len - 1] = n <= len ? buf[len - 1] : '\0';
	}
}

void csv_ts(struct csv_out *o, int64_t ns)
{
	char buf[64];

	tp_format_ts(buf, sizeof buf, ns);
	csv_raw(o, buf);
}

void csv_hex(struct csv_out *o, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	sep(o);
	for (size_t i = 0; i < n; i++) {
		char pair[2] = { hex[p[i] >> 4], hex[p[i] & 15] };

		out_put(o, pair, 2);
	}
}

void csv_empty(struct csv_out *o)
{
	sep(o);
}

void csv_end_row(struct csv_out *o)
{
	/* A short row is our bug; pad it so the file stays rectangular. */
	while (o->cell < o->ncolumns)
		sep(o);
	out_put(o, "\r\n", 2);
	o->cell = 0;
}

static char *join_path(const char *dir, const char *prefix, const char *name, const char *suffix)
{
	size_t len = strlen(dir) + strlen(prefix) + strlen(name) + strlen(suffix) + 2;
	char *p = malloc(len);

	if (p)
		snprintf(p, len, "%s/%s%s%s", dir, prefix, name, suffix);
	return p;
}

struct csv_out *csv_open(const char *dir, const char *name, const char *const *columns,
			 size_t ncolumns, bool bom, char *err, size_t errlen)
{
	struct csv_out *o = calloc(1, sizeof *o);
	char suffix[32];

	snprintf(suffix, sizeof suffix, ".tmp-%ld", (long)getpid());
	if (!o || !(o->final_path = join_path(dir, "", name, "")) ||
	    !(o->tmp_path = join_path(dir, ".", name, suffix))) {
		snprintf(err, errlen, "%s/%s: out of memory", dir, name);
		goto fail;
	}
	o->f = fopen(o->tmp_path, "wbx");
	if (!o->f) {
		snprintf(err, errlen, "%s: %s", o->tmp_path, strerror(errno));
		goto fail;
	}
	o->ncolumns = ncolumns;
	if (bom)
		out_put(o, "\xef\xbb\xbf", 3);
	for (size_t i = 0; i < ncolumns; i++)
		csv_text(o, columns[i]);
	csv_end_row(o);
	return o;
fail:
	if (o) {
		free(o->final_path);
		free(o->tmp_path);
		free(o);
	}
	return NULL;
}

bool csv_close(struct csv_out *o, char *err, size_t errlen)
{
	bool ok;

	if (!o)
		return false;
	out_flush(o);
	ok = !o->failed;
	if (fflush(o->f) != 0 || ferror(o->f))
		ok = false;
	if (fclose(o->f) != 0)
		ok = false;
	if (ok && rename(o->tmp_path, o->final_path) != 0)
		ok = false;
	if (!ok) {
		snprintf(err, errlen, "%s: could not be written: %s", o->final_path, strerror(errno));
		unlink(o->tmp_path);
	}
	free(o->final_path);
	free(o->tmp_path);
	free(o);
	return ok;
}

void csv_cell_put(struct csv_cell *c, const void *p, size_t n)
{
	if (c->len + n > c->cap) {
		size_t cap = (c->len + n) * 2 + 64;
		uint8_t *b = realloc(c->b, cap);

		if (!b) {
			c->failed = true;
			return;
		}
		c->b = b;
		c->cap = cap;
	}
	if (n)
		memcpy(c->b + c->len, p, n);
	c->len += n;
}

void csv_cell_str(struct csv_cell *c, const char *s)
{
	csv_cell_put(c, s, strlen(s));
}

void csv_cell_sep(struct csv_cell *c)
{
	if (c->len)
		csv_cell_str(c, "; ");
}

void csv_cell_write(struct csv_out *o, struct csv_cell *c)
{
	csv_hostile(o, c->b ? c->b : (const uint8_t *)"", c->len);
	c->len = 0;
}

void csv_cell_free(struct csv_cell *c)
{
	free(c->b);
	memset(c, 0, sizeof *c);
}
