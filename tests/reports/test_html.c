/* Tests of reports/html.c: escaping, hostile bytes, numbers, times, durations. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/html.h"
#include "tests/support/check.h"

/* What one call wrote, through a memory FILE; the caller frees it. */
#define CAPTURE(out, call)                                            \
	do {                                                          \
		size_t len_;                                          \
		FILE *f = open_memstream(&(out), &len_);              \
		cr_assert(not(eq(ptr, f, NULL)));                     \
		call;                                                 \
		cr_assert(eq(int, fclose(f), 0));                     \
	} while (0)

/* Arrays, not pointers: Criterion runs each case in a new process. */
struct bytes_case {
	char why[64];
	char in[40];
	size_t len;
	char want[96];
};

#define CASE(why, in, want) { why, in, sizeof(in) - 1, want }

ParameterizedTestParameters(html, escapes_and_sanitises_capture_bytes)
{
	static struct bytes_case cases[] = {
		CASE("plain text is kept", "PLC-1 main", "PLC-1 main"),
		CASE("& < > \" ' are entities", "a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&#39;f"),
		CASE("a script is text", "<script>alert(1)</script>",
		     "&lt;script&gt;alert(1)&lt;/script&gt;"),
		CASE("an attribute breakout is text", "\" onload=\"x", "&quot; onload=&quot;x"),
		CASE("an entity is not decoded", "&lt;b&gt;", "&amp;lt;b&amp;gt;"),
		CASE("a formula stays text, not prefixed", "=1+1", "=1+1"),
		CASE("+ - @ are not prefixed either", "-2+3", "-2+3"),
		CASE("a leading apostrophe is the text's own", "'=x", "&#39;=x"),
		CASE("a tab before a formula is escaped, not prefixed", "\t=x", "\\x09=x"),
		CASE("control bytes are \\xHH", "a\nb\0c\x7f", "a\\x0ab\\x00c\\x7f"),
		CASE("invalid UTF-8 is \\xHH", "a\xff\xc3", "a\\xff\\xc3"),
		CASE("overlong UTF-8 is \\xHH", "\xc0\xbc", "\\xc0\\xbc"),
		CASE("a backslash is \\x5c, so escapes stay unambiguous", "a\\x41", "a\\x5cx41"),
		CASE("valid UTF-8 is kept", "S\xc3\xa4ule \xe2\x82\xac", "S\xc3\xa4ule \xe2\x82\xac"),
		CASE("a right-to-left override is \\xHH", "abc\xe2\x80\xaegpj.exe",
		     "abc\\xe2\\x80\\xaegpj.exe"),
		CASE("a bidi isolate is \\xHH", "\xe2\x81\xa6x", "\\xe2\\x81\\xa6x"),
		CASE("U+FFFE (not XML) is \\xHH", "a\xef\xbf\xbe", "a\\xef\\xbf\\xbe"),
		CASE("a mark just outside the ranges is kept", "\xe2\x80\xaf\xe2\x81\xa5",
		     "\xe2\x80\xaf\xe2\x81\xa5"),
		CASE("empty is empty", "", ""),
	};
	return cr_make_param_array(struct bytes_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(struct bytes_case *c, html, escapes_and_sanitises_capture_bytes)
{
	char *out = NULL;

	CAPTURE(out, html_bytes(f, (const uint8_t *)c->in, c->len));
	cr_assert(same(out, c->want), "%s", c->why);
	free(out);
}

Test(html, str_and_attr_sanitise_like_bytes)
{
	char *s = NULL, *a = NULL;

	CAPTURE(s, html_str(f, "<b>\x01=x"));
	CAPTURE(a, html_attr(f, "\"'><script>"));
	cr_assert(same(s, "&lt;b&gt;\\x01=x"));
	cr_assert(same(a, "&quot;&#39;&gt;&lt;script&gt;"));
	free(s);
	free(a);
}

Test(html, text_escapes_our_own_text_and_keeps_its_newlines)
{
	char *out = NULL;

	CAPTURE(out, html_text(f, "a & b <i>\"x\" 'y'\n\\z"));
	cr_assert(same(out, "a &amp; b &lt;i&gt;&quot;x&quot; &#39;y&#39;\n\\z"));
	free(out);
}

Test(html, null_strings_write_nothing)
{
	char *out = NULL;

	CAPTURE(out, (html_text(f, NULL), html_str(f, NULL), html_attr(f, NULL)));
	cr_assert(same(out, ""));
	free(out);
}

Test(html, long_hostile_text_is_escaped_whole)
{
	static uint8_t in[3000];
	char *out = NULL;

	for (size_t i = 0; i < sizeof in; i++)
		in[i] = i % 3 == 0 ? '<' : i % 3 == 1 ? 0x01 : 'a';
	CAPTURE(out, html_bytes(f, in, sizeof in));
	/* 1000 x ("&lt;" "\x01" "a") */
	cr_assert(eq(sz, strlen(out), 1000 * (4 + 4 + 1)));
	cr_assert(eq(ptr, strchr(out, '<'), NULL));
	cr_assert(same(out + strlen(out) - 9, "&lt;\\x01a"));
	free(out);
}

struct num_case {
	uint64_t v;
	char want[48];
};

ParameterizedTestParameters(html, groups_digits_by_three_with_narrow_spaces)
{
	static struct num_case cases[] = {
		{ 0, "0" },
		{ 999, "999" },
		{ 1000, "1\xe2\x80\xaf" "000" },
		{ 1234567, "1\xe2\x80\xaf" "234\xe2\x80\xaf" "567" },
		{ 100000, "100\xe2\x80\xaf" "000" },
		{ UINT64_MAX, "18\xe2\x80\xaf" "446\xe2\x80\xaf" "744\xe2\x80\xaf" "073\xe2\x80\xaf"
			      "709\xe2\x80\xaf" "551\xe2\x80\xaf" "615" },
	};
	return cr_make_param_array(struct num_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(struct num_case *c, html, groups_digits_by_three_with_narrow_spaces)
{
	char *out = NULL;

	CAPTURE(out, html_num(f, c->v));
	cr_assert(same(out, c->want));
	free(out);
}

Test(html, writes_times_as_iso8601_utc_like_the_csv_files)
{
	char *out = NULL;

	CAPTURE(out, html_ts(f, -1));
	cr_assert(same(out, "1969-12-31T23:59:59.999999999Z"));
	free(out);
}

struct duration_case {
	double ns;
	char want[24];
};

ParameterizedTestParameters(html, writes_durations_with_units)
{
	static struct duration_case cases[] = {
		{ 0, "0 ns" },
		{ 850, "850 ns" },
		{ 999.4, "999 ns" },
		{ 999.6, "1.0 us" },		/* the unit after rounding */
		{ 35000, "35.0 us" },
		{ 999949, "999.9 us" },
		{ 999960, "1.000 ms" },
		{ 1234000, "1.234 ms" },
		{ 999999600, "1.000 s" },
		{ 2e9, "2.000 s" },
		{ 3600e9, "3600.000 s" },
		{ -1500, "-1.5 us" },		/* a delay may be negative */
		{ -0.2, "0 ns" },		/* but never "-0" */
		{ NAN, "n/a" },
		{ INFINITY, "n/a" },
		{ -INFINITY, "n/a" },
	};
	return cr_make_param_array(struct duration_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(struct duration_case *c, html, writes_durations_with_units)
{
	char *out = NULL;

	CAPTURE(out, html_duration(f, c->ns));
	cr_assert(same(out, c->want), "%g ns", c->ns);
	free(out);
}
