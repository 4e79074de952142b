/* html.c - see html.h. */
#include "reports/html.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/timing.h"
#include "reports/csv.h"

/* The three-byte UTF-8 characters html.h promises to show as \xHH:
 * bidirectional overrides and isolates, and U+FFFE / U+FFFF. */
static bool deceptive(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;

	if (n < 3)
		return false;
	return (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0xaa && u[2] <= 0xae) ||
	       (u[0] == 0xe2 && u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9) ||
	       (u[0] == 0xef && u[1] == 0xbf && (u[2] == 0xbe || u[2] == 0xbf));
}

/* Writes p[0..n) with the five special characters as entities; hostile
 * text also gets its deceptive characters as \xHH. */
static void escape(FILE *f, const char *p, size_t n, bool hostile)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;		/* start of the bytes not written yet */

	for (size_t i = 0; i < n; i++) {
		const char *ent = NULL;

		switch (p[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default:
			if (!hostile || !deceptive(p + i, n - i))
				continue;
		}
		fwrite(p + run, 1, i - run, f);
		if (ent) {
			fputs(ent, f);
		} else {
			for (int k = 0; k < 3; k++, i++)
				fprintf(f, "\\x%c%c", hex[(unsigned char)p[i] >> 4], hex[p[i] & 15]);
			i--;
		}
		run = i + 1;
	}
	fwrite(p + run, 1, n - run, f);
}

void html_text(FILE *f, const char *s)
{
	if (s)
		escape(f, s, strlen(s), false);
}

void html_bytes(FILE *f, const uint8_t *s, size_t n)
{
	char small[512], *buf = small;
	size_t need = csv_sanitize(small, sizeof small, s, n, true), skip;

	if (need >= sizeof small) {
		buf = malloc(need + 1);
		if (!buf) {
			fputs("(out of memory)", f);
			return;
		}
		csv_sanitize(buf, need + 1, s, n, true);
	}
	/* Hostile sanitising escapes backslashes (so \xHH stays unambiguous)
	 * but also puts an apostrophe before a formula: take that off.  An
	 * apostrophe that begins the text itself is kept. */
	skip = need && buf[0] == '\'' && s[0] != '\'';
	escape(f, buf + skip, need - skip, true);
	if (buf != small)
		free(buf);
}

void html_str(FILE *f, const char *s)
{
	if (s)
		html_bytes(f, (const uint8_t *)s, strlen(s));
}

void html_attr(FILE *f, const char *s)
{
	html_str(f, s);
}

void html_num(FILE *f, uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			fputs("\xe2\x80\xaf", f);
		putc(digits[i], f);
	}
}

void html_ts(FILE *f, int64_t ns)
{
	char buf[64];

	tp_format_ts(buf, sizeof buf, ns);
	fputs(buf, f);
}

void html_duration(FILE *f, double ns)
{
	char buf[48];

	fputs(duration_words(buf, sizeof buf, ns), f);
}
