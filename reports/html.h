/*
 * html.h - text written safely into an HTML (or inline SVG) document.
 *
 * Every function escapes & < > " ' as &amp; &lt; &gt; &quot; &#39;, so what
 * it writes is safe both between tags and inside a double-quoted attribute
 * value, and is well-formed XML as well as HTML.  Text that came from a
 * capture or a file name (html_bytes, html_str, html_attr) is first made
 * clean UTF-8 by csv_sanitize(), exactly as the CSV files show it: control
 * characters, invalid UTF-8 and backslashes as \xHH, but with no apostrophe
 * before a formula ("=1+1" stays "=1+1": HTML has no formulas).  It also
 * writes as \xHH the characters that could make text read other than it is:
 * the bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069,
 * the "Trojan Source" trick) and the non-characters U+FFFE and U+FFFF
 * (which XML forbids).
 *
 * Numbers and times come out in fixed formats, independent of the locale.
 * Write errors are left in the FILE for the caller's ferror().
 */
#ifndef TP_HTML_H
#define TP_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Our own text (NUL-terminated; NULL writes nothing), escaped only: a
 * newline stays a newline. */
void html_text(FILE *f, const char *s);

/* n bytes from a capture or a file name: sanitised, then escaped. */
void html_bytes(FILE *f, const uint8_t *s, size_t n);

/* A NUL-terminated string from a capture (NULL writes nothing):
 * html_bytes(s, strlen(s)). */
void html_str(FILE *f, const char *s);

/* An attribute value, to go inside double quotes, of any origin:
 * sanitised and escaped as html_str (no control character survives
 * attribute-value normalisation unseen). */
void html_attr(FILE *f, const char *s);

/* 1234567 as "1 234 567", the groups of three digits separated by
 * U+202F NARROW NO-BREAK SPACE (SI style; never breaks across lines). */
void html_num(FILE *f, uint64_t v);

/* ISO 8601 UTC with nanoseconds, as tp_format_ts():
 * "2026-11-27T06:54:40.123456789Z". */
void html_ts(FILE *f, int64_t ns);

/* A duration (or signed delay) in ns with a unit: "850 ns", "35.0 us",
 * "1.234 ms", "2.000 s"; the unit is chosen after rounding (999.96 ns is
 * "1.0 us").  NaN and infinities are written "n/a". */
void html_duration(FILE *f, double ns);

#endif
