/*
 * test_report_html.c - report.html of the simulated plant, as `make demo`
 * writes it (every view, with the inventory), read as written and as
 * headless Chromium renders it (issue #8: every section and chart there,
 * no request leaving the page).
 *
 * Chromium (Debian's, /usr/bin/chromium) runs with exactly the issue's
 * flags and --dump-dom; the network test adds --log-net-log and
 * --enable-logging, which only record.  What is expected comes from the
 * simulator's truth (truth-assets.csv, truth-views.csv), the command line
 * (the views, tap the reference) and the oracles (sha256sum, OpenSSL's
 * SHA-256, python3's html.parser and json).  Each check that a browser
 * did not do something (request, run a script) is paired with a control
 * page on which the same check sees it done.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/csvread.h"
#include "tests/support/run_tool.h"
#include "tests/support/sim_run.h"

#define CHROMIUM "/usr/bin/chromium"
#define CHROMIUM_FLAGS \
	"--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking " \
	"--disable-component-update --disable-sync"
#define MAX_FLOWS 64

/* The demo's views in command-line order; tap is the reference. */
static const char *const views[TOOL_DEMO_VIEWS] = {
	"tap", "tap2", "span", "span-rx", "rspan", "erspan2", "erspan3", "vswitch",
};

/* A device the inventory lists and no view sees: marked unmonitored. */
#define GHOST_NAME "ghost-01"
#define GHOST_LINE "\"" GHOST_NAME "\",\"02:00:00:00:0a:99\",\"10.10.0.199\",\"Nobody\",\"none\",\"plc\",99\n"

/* Prints the URL of every request a page made (an initiator that is an
 * origin, or the page's file:// network isolation key); the browser's own
 * requests (update checks despite the flags) have none.  Then the count
 * of requests seen, to show the log was read. */
static const char netlog_py[] =
	"import json, sys\n"
	"d = json.load(open(sys.argv[1]))\n"
	"types = {v: k for k, v in d['constants']['logEventTypes'].items()}\n"
	"n = 0\n"
	"for e in d['events']:\n"
	"    p = e.get('params') or {}\n"
	"    if types.get(e['type']) != 'URL_REQUEST_START_JOB' or 'url' not in p:\n"
	"        continue\n"
	"    n += 1\n"
	"    if p.get('initiator') != 'not an origin' or 'file://' in p.get('network_isolation_key', ''):\n"
	"        print('page', p['url'])\n"
	"print('requests', n)\n";

static char out_dir[128], report[160], url[200];
static char *html;
static struct csv_table truth_assets, truth_views, missed;

static void write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert(f != NULL, "%s", path);
	cr_assert(eq(sz, fwrite(s, 1, n, f), n));
	cr_assert(eq(int, fclose(f), 0));
}

static void run_once(void)
{
	char inv[160], path[200], *text;
	size_t n;
	const char *opts[2] = { "--inventory", inv };

	cr_assert(eq(int, sim_run(0, 5, 60), 0));
	sim_path(path, sizeof path, 0, "inventory.csv");
	text = tool_read(path, &n);
	cr_assert(text != NULL);
	sim_path(inv, sizeof inv, 0, "inventory-ghost.csv");
	text = realloc(text, n + sizeof GHOST_LINE);
	cr_assert(text != NULL);
	memcpy(text + n, GHOST_LINE, sizeof GHOST_LINE);
	write_file(inv, text, n + sizeof GHOST_LINE - 1);
	free(text);
	sim_path(out_dir, sizeof out_dir, 0, "report");
	cr_assert(eq(int, tool_demo(sim_dirs[0], out_dir, opts, 2), 0));
	snprintf(report, sizeof report, "%s/report.html", out_dir);
	snprintf(url, sizeof url, "file://%s", report);
	cr_assert(eq(int, report[0], '/'), "a file URL wants an absolute path");
	html = tool_read(report, NULL);
	cr_assert(html != NULL);
	sim_path(path, sizeof path, 0, "truth-assets.csv");
	cr_assert(eq(int, csv_table_read(&truth_assets, path), 0));
	sim_path(path, sizeof path, 0, "truth-views.csv");
	cr_assert(eq(int, csv_table_read(&truth_views, path), 0));
	snprintf(path, sizeof path, "%s/missed.csv", out_dir);
	cr_assert(eq(int, csv_table_read(&missed, path), 0));
}

static void teardown(void)
{
	free(html);
	csv_table_free(&truth_assets);
	csv_table_free(&truth_views);
	csv_table_free(&missed);
	sim_cleanup();
}

TestSuite(report_html, .init = run_once, .fini = teardown);

static void need_chromium(void)
{
	if (access(CHROMIUM, X_OK) != 0)
		cr_skip_test("%s not found: the Debian package chromium renders the report (make deps "
			     "installs it)", CHROMIUM);
}

/* The DOM headless Chromium dumps once page (a file URL) has loaded;
 * extra: more flags (logging only); its standard error goes to log. */
static char *render(const char *page, const char *extra, const char *log)
{
	char cmd[2048], *dom;
	int st;

	snprintf(cmd, sizeof cmd, "timeout 60 %s " CHROMIUM_FLAGS " %s --dump-dom '%s' 2>'%s'", CHROMIUM, extra,
		 page, log);
	dom = tool_output(cmd, NULL, &st);
	cr_assert(eq(int, st, 0), "%s", cmd);
	cr_assert(dom && strstr(dom, "</html>"), "%s dumped no page", cmd);
	return dom;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A copy of the part of page from the first `from` to the next `to`
 * (included); NULL when absent. */
static char *part(const char *page, const char *from, const char *to)
{
	const char *a = strstr(page, from), *b = a ? strstr(a, to) : NULL;

	return b ? strndup(a, (size_t)(b - a) + strlen(to)) : NULL;
}

/* The <svg> element whose id is id. */
static char *chart(const char *page, const char *id)
{
	char want[64];

	snprintf(want, sizeof want, " id=\"%s\"", id);
	for (const char *p = strstr(page, "<svg"); p; p = strstr(p + 1, "<svg")) {
		const char *end = strchr(p, '>');

		if (end && memmem(p, (size_t)(end - p), want, strlen(want)))
			return part(p, "<svg", "</svg>");
	}
	return NULL;
}

/* The texts of the elements of class klass, in order, joined by '|'. */
static void texts(const char *s, const char *klass, char *buf, size_t n)
{
	char attr[64];
	size_t used = 0;

	snprintf(attr, sizeof attr, "class=\"%s\"", klass);
	buf[0] = '\0';
	for (const char *p = strstr(s, attr); p && used < n; p = strstr(p + 1, attr)) {
		const char *t = strchr(p, '>'), *e = t ? strchr(t, '<') : NULL;

		if (e)
			used += (size_t)snprintf(buf + used, n - used, "%s%.*s", used ? "|" : "", (int)(e - t - 1),
						 t + 1);
	}
}

/* Is text the whole text of an element of class klass? */
static bool has_text(const char *s, const char *klass, const char *text)
{
	char all[8192], framed[8200], want[256];

	texts(s, klass, all, sizeof all);
	snprintf(framed, sizeof framed, "|%s|", all);
	snprintf(want, sizeof want, "|%s|", text);
	return strstr(framed, want) != NULL;
}

static void join(char *buf, size_t n, const char *const *names, size_t count_, const char *skip)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < count_; i++)
		if (!skip || strcmp(names[i], skip) != 0)
			used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "|" : "", names[i]);
}

/* Is the chart inside the section? */
static bool chart_in(const char *page, const char *id, const char *section)
{
	char open[64], *sec, *c;
	bool in;

	snprintf(open, sizeof open, "<section id=\"%s\">", section);
	sec = part(page, open, "</section>");
	c = sec ? chart(sec, id) : NULL;
	in = c != NULL;
	free(sec);
	free(c);
	return in;
}

/* Does a row <tr class="klass"> hold a cell whose whole text is text? */
static bool row_with(const char *page, const char *klass, const char *text)
{
	char open[64], cell[128];
	bool found = false;

	snprintf(open, sizeof open, "<tr class=\"%s\">", klass);
	snprintf(cell, sizeof cell, "<td>%s</td>", text);
	for (const char *p = strstr(page, open); p && !found; p = strstr(p + 1, open)) {
		const char *end = strstr(p, "</tr>");

		found = end && memmem(p, (size_t)(end - p), cell, strlen(cell));
	}
	return found;
}

/* Does the truth's protocol list name an ICS protocol (not the IT ones,
 * not a port scan)? */
static bool speaks_ics(const char *protocols)
{
	static const char *const ics[] = {
		"modbus-", "dnp3-", "iec104-", "goose-", "s7comm-", "opcua-", "enip-", "cip-", "bacnet-",
	};

	for (size_t i = 0; i < sizeof ics / sizeof *ics; i++)
		if (strstr(protocols, ics[i]))
			return true;
	return false;
}

/* The chart id (the caller frees it): n of its elements begin with
 * element, and its labels are the views in order (but skip). */
static char *chart_with(const char *page, const char *id, const char *element, size_t n, const char *skip)
{
	char *c = chart(page, id), want[512], got[8192];

	cr_assert(c != NULL, "no %s chart", id);
	cr_expect(eq(sz, count(c, element), n), "%s: %s", id, element);
	join(want, sizeof want, views, TOOL_DEMO_VIEWS, skip);
	texts(c, "label", got, sizeof got);
	cr_expect(eq(str, got, want), "%s: labels", id);
	return c;
}

Test(report_html, chromium_renders_every_section)
{
	static const char *const ids[] = {
		"summary", "evidence", "verdicts", "comparison", "quality", "assets", "flows", "run",
	};
	char *dom;

	need_chromium();
	dom = render(url, "", "/dev/null");
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		char want[64];

		snprintf(want, sizeof want, "<section id=\"%s\">", ids[i]);
		cr_expect(eq(sz, count(dom, want), 1), "section %s", ids[i]);
	}
	free(dom);
}

/* Each chart in its section with what it must draw: the timeline a row per
 * view and the lost packets marked; a CDF curve per view compared with the
 * reference; a loss bar per view; a node per ICS device of the truth and
 * an edge for each ICS protocol a truth device is the client of. */
Test(report_html, chromium_renders_every_chart_with_its_elements)
{
	static const char *const client_roles[] = {
		"modbus-client", "dnp3-master", "iec104-master", "s7comm-client", "enip-scanner", "opcua-client",
		"bacnet-client",
	};
	char *dom, *c;
	unsigned long lost = 0;
	size_t ics_devices = 0;

	need_chromium();
	dom = render(url, "", "/dev/null");
	cr_expect(chart_in(dom, "timeline", "comparison") && chart_in(dom, "delay", "comparison") &&
		  chart_in(dom, "iat", "comparison") && chart_in(dom, "loss", "quality") &&
		  chart_in(dom, "map", "assets"));

	c = chart_with(dom, "timeline", "<path class=\"area series-", TOOL_DEMO_VIEWS, NULL);
	for (size_t r = 1; r < truth_views.rows; r++)
		lost += strtoul(csv_table_get(&truth_views, r, "dropped"), NULL, 10) +
			strtoul(csv_table_get(&truth_views, r, "tunnel_lost"), NULL, 10);
	cr_assert(gt(ulong, lost, 0), "the plant's mirrors lose packets");
	cr_expect(ge(sz, count(c, "class=\"band\""), 1));
	cr_expect(le(sz, count(c, "class=\"band\""), missed.rows - 1), "bands merge, never split, bursts");
	free(c);
	free(chart_with(dom, "delay", "<path class=\"line series-", TOOL_DEMO_VIEWS - 1, "tap"));
	free(chart_with(dom, "iat", "<path class=\"line series-", TOOL_DEMO_VIEWS - 1, "tap"));
	free(chart_with(dom, "loss", "class=\"bar\"", TOOL_DEMO_VIEWS, NULL));

	c = chart(dom, "map");
	cr_assert(c != NULL, "no map");
	for (size_t r = 1; r < truth_assets.rows; r++) {
		const char *name = csv_table_get(&truth_assets, r, "name");
		const char *protocols = csv_table_get(&truth_assets, r, "protocols");

		if (!speaks_ics(protocols))
			continue;
		ics_devices++;
		cr_expect(has_text(c, "label", name), "%s (%s) is not on the map", name, protocols);
		for (size_t k = 0; k < sizeof client_roles / sizeof *client_roles; k++) {
			char proto[16];

			if (!strstr(protocols, client_roles[k]))
				continue;
			snprintf(proto, sizeof proto, "%.*s", (int)strcspn(client_roles[k], "-"), client_roles[k]);
			cr_expect(has_text(c, "edge-label", proto), "no %s edge from %s", proto, name);
		}
	}
	cr_assert(ge(sz, ics_devices, 10), "the plant has its ICS devices");
	cr_expect(ge(sz, count(c, "class=\"node "), ics_devices));
	free(c);
	free(dom);
}

/* Rogue devices (truth: rogue) and unmonitored ones (the inventory's ghost)
 * are marked in the assets table, which has a column per view. */
Test(report_html, chromium_renders_rogue_and_unmonitored_assets_marked)
{
	char *dom, *sec;
	size_t rogues = 0;

	need_chromium();
	dom = render(url, "", "/dev/null");
	sec = part(dom, "<section id=\"assets\">", "</section>");
	cr_assert(sec != NULL);
	for (size_t r = 1; r < truth_assets.rows; r++) {
		if (strcmp(csv_table_get(&truth_assets, r, "rogue"), "yes") != 0)
			continue;
		rogues++;
		cr_expect(row_with(sec, "rogue", csv_table_get(&truth_assets, r, "ip")), "%s",
			  csv_table_get(&truth_assets, r, "name"));
	}
	cr_assert(eq(sz, rogues, 1), "the plant has its rogue laptop");
	cr_expect(row_with(sec, "unmonitored", GHOST_NAME));
	for (size_t v = 0; v < TOOL_DEMO_VIEWS; v++) {
		char th[64];

		snprintf(th, sizeof th, "<th>%s</th>", views[v]);
		cr_expect(eq(sz, count(sec, th), 1), "column of view %s", views[v]);
	}
	free(sec);
	free(dom);
}

/* The summary names what stands out: the truth's rogue device (by its IP),
 * the inventory's ghost (seen by no view), and every view that lost
 * packets of the traffic it carries, as comparison.csv counts them. */
Test(report_html, chromium_renders_a_summary_of_what_stands_out)
{
	struct csv_table cmp = { 0 };
	char *dom, *sec, path[300];
	size_t lossy = 0;

	need_chromium();
	dom = render(url, "", "/dev/null");
	sec = part(dom, "<section id=\"summary\">", "</section>");
	cr_assert(sec != NULL);
	for (size_t r = 1; r < truth_assets.rows; r++)
		if (strcmp(csv_table_get(&truth_assets, r, "rogue"), "yes") == 0)
			cr_expect(strstr(sec, csv_table_get(&truth_assets, r, "ip")) != NULL, "the rogue's IP");
	cr_expect(strstr(sec, GHOST_NAME) != NULL, "the unmonitored device");
	snprintf(path, sizeof path, "%s/comparison.csv", out_dir);
	cr_assert(eq(int, csv_table_read(&cmp, path), 0));
	for (size_t r = 1; r < cmp.rows; r++) {
		char want[128];

		if (strcmp(csv_table_get(&cmp, r, "missed_in_seen_flows"), "0") == 0)
			continue;
		lossy++;
		snprintf(want, sizeof want, "%s lost %s packets", csv_table_get(&cmp, r, "view"),
			 csv_table_get(&cmp, r, "missed_in_seen_flows"));
		cr_expect(strstr(sec, want) != NULL, "%s", want);
	}
	cr_expect(ge(sz, lossy, 1), "the SPAN views lose packets");
	csv_table_free(&cmp);
	free(sec);
	free(dom);
}

/* The page is parsed as written: the DOM after load, the script run, is
 * the served markup event for event (no element moved or repaired, no
 * text turned into markup, nothing added). */
Test(report_html, chromium_dom_after_load_is_the_page_as_written)
{
	char path[200], *dom, *served, *loaded;
	size_t line = 1;

	need_chromium();
	dom = render(url, "", "/dev/null");
	sim_path(path, sizeof path, 0, "dom.html");
	write_file(path, dom, strlen(dom));
	served = tool_html_events(report);
	loaded = tool_html_events(path);
	cr_assert(served && loaded);
	cr_assert(gt(sz, count(served, "\nS "), 1000), "the page has its elements");
	for (size_t i = 0; served[i] && served[i] == loaded[i]; i++)
		line += served[i] == '\n';
	cr_expect(eq(str, served, loaded), "the DOM differs from the page at event %zu", line);
	free(served);
	free(loaded);
	free(dom);
}

/* The page's request URLs in Chromium's net log, and its console in log. */
static char *requests(const char *page, const char *name, char **console)
{
	char netlog[200], log[200], extra[512], args[256], *dom, *reqs;

	snprintf(netlog, sizeof netlog, "%s/%s.netlog.json", sim_dirs[0], name);
	snprintf(log, sizeof log, "%s/%s.stderr", sim_dirs[0], name);
	snprintf(extra, sizeof extra, "--log-net-log='%s' --enable-logging=stderr --v=0", netlog);
	dom = render(page, extra, log);
	free(dom);
	snprintf(args, sizeof args, "'%s'", netlog);
	reqs = tool_python(netlog_py, args);
	cr_assert(reqs != NULL, "the net log %s cannot be read", netlog);
	*console = tool_read(log, NULL);
	cr_assert(console[0] != NULL);
	return reqs;
}

/* No request left the page, and its CSP refused nothing (so it allowed
 * its own style and script).  The control page requests an image and
 * breaks its CSP: the same checks see both. */
Test(report_html, no_request_leaves_the_page)
{
	static const char control[] =
		"<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"script-src "
		"'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='\"><title>control</title></head>"
		"<body><img src=\"http://127.0.0.1:9/tapsight-canary.png\"><script>document.title='ran'</script>"
		"</body></html>\n";
	char path[200], page[220], *reqs, *console;

	need_chromium();
	sim_path(path, sizeof path, 0, "control.html");
	write_file(path, control, sizeof control - 1);
	snprintf(page, sizeof page, "file://%s", path);
	reqs = requests(page, "control", &console);
	cr_assert(strstr(reqs, "page http://127.0.0.1:9/tapsight-canary.png\n") != NULL,
		  "control: the net log does not show the page's request:\n%s", reqs);
	cr_assert(strstr(console, "Content Security Policy") != NULL, "control: no CSP violation logged");
	free(reqs);
	free(console);

	reqs = requests(url, "report", &console);
	cr_expect(eq(int, strncmp(reqs, "requests ", 9), 0), "requests from the page:\n%s", reqs);
	cr_expect(eq(ptr, strstr(console, "Content Security Policy"), NULL), "%s", console);
	free(reqs);
	free(console);
}

/* The flows table's bytes column (data-v of the second numeric cell of
 * each row), in row order. */
static size_t flow_bytes(const char *page, double *v, size_t max)
{
	char *sec = part(page, "<section id=\"flows\">", "</section>");
	const char *body = sec ? strstr(sec, "<tbody>") : NULL;
	size_t n = 0;

	for (const char *r = body ? strstr(body, "<tr>") : NULL; r && n < max; r = strstr(r + 1, "<tr>")) {
		const char *a = strstr(r, "data-v=\""), *b = a ? strstr(a + 1, "data-v=\"") : NULL;

		if (b)
			v[n++] = strtod(b + 8, NULL);
	}
	free(sec);
	return n;
}

/* 'sha256-BASE64' of n bytes. */
static void csp_hash(char hash[64], const char *s, size_t n)
{
	unsigned char md[32];
	unsigned int len = 0;

	cr_assert(eq(int, EVP_Digest(s, n, md, &len, EVP_sha256(), NULL), 1));
	memcpy(hash, "sha256-", 7);
	EVP_EncodeBlock((unsigned char *)hash + 7, md, (int)len);
}

/* The page's own script sorts a table when a header is clicked: a probe
 * script, let in by adding its hash to the CSP, clicks the flows table's
 * bytes header; the rows, largest first as written, come out ascending. */
Test(report_html, script_sorts_a_table_when_a_header_is_clicked)
{
	static const char probe[] =
		"var h=document.querySelector('#flows thead th:nth-child(6)');h.click();"
		"document.body.setAttribute('data-probe',h.getAttribute('data-dir')||'none');";
	double written[MAX_FLOWS], sorted[MAX_FLOWS];
	char hash[64], path[200], page[220], *dom, *copy;
	const char *src = strstr(html, "script-src '"), *body = strstr(html, "</body>");
	size_t n, m, len = strlen(html) + 512;
	int k;

	need_chromium();
	cr_assert(src && body);
	n = flow_bytes(html, written, MAX_FLOWS);
	cr_assert(ge(sz, n, 2));
	cr_assert(gt(dbl, written[0], written[n - 1]), "the sort must show");
	for (size_t i = 1; i < n; i++)
		cr_assert(ge(dbl, written[i - 1], written[i]), "written largest first");
	csp_hash(hash, probe, strlen(probe));
	copy = malloc(len);
	cr_assert(copy != NULL);
	src += strlen("script-src ");
	k = snprintf(copy, len, "%.*s'%s' %.*s<script>%s</script>%s", (int)(src - html), html, hash,
		     (int)(body - src), src, probe, body);
	cr_assert(lt(sz, (size_t)k, len));
	sim_path(path, sizeof path, 0, "probe.html");
	write_file(path, copy, (size_t)k);
	free(copy);
	snprintf(page, sizeof page, "file://%s", path);
	dom = render(page, "", "/dev/null");
	cr_expect(not(eq(ptr, strstr(dom, "data-probe=\"a\""), NULL)), "the header did not sort (data-dir)");
	m = flow_bytes(dom, sorted, MAX_FLOWS);
	cr_assert(eq(sz, m, n));
	for (size_t i = 1; i < m; i++)
		cr_expect(le(dbl, sorted[i - 1], sorted[i]), "row %zu", i);
	cr_expect(eq(dbl, sorted[0], written[n - 1]));
	free(dom);
}

/* The text of the element <tag>...</tag> (exactly one in the page). */
static char *inline_text(const char *tag)
{
	char open[16], close_[16], *p;
	size_t n;

	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close_, sizeof close_, "</%s>", tag);
	cr_assert(eq(sz, count(html, open), 1), "one %s", open);
	p = part(html, open, close_);
	cr_assert(p != NULL);
	n = strlen(p) - strlen(open) - strlen(close_);
	memmove(p, p + strlen(open), n);
	p[n] = '\0';
	return p;
}

/* The CSP meta tag comes first in <head> after the charset, allows
 * nothing but the page's one style and one script, each by the SHA-256
 * of its text as written. */
Test(report_html, csp_comes_first_and_names_its_style_and_script_by_hash)
{
	static const char head[] = "<head><meta charset=\"utf-8\">";
	static const char meta[] = "<meta http-equiv=\"Content-Security-Policy\" content=\"";
	const char *h = strstr(html, head), *c;
	char *style = inline_text("style"), *script = inline_text("script"), *csp, *save = NULL;
	char want_style[80], want_script[80], hash[64];
	size_t directives = 0;

	cr_assert(h != NULL, "<head> does not begin with the charset");
	c = h + strlen(head);
	c += strspn(c, " \t\r\n");
	cr_assert(eq(int, strncmp(c, meta, strlen(meta)), 0), "the CSP is not next: %.80s", c);
	c += strlen(meta);
	csp = strndup(c, strcspn(c, "\""));
	cr_expect(not(eq(ptr, strstr(csp, "default-src 'none'"), NULL)), "%s", csp);
	cr_assert(eq(sz, count(html, "<script"), 1));
	cr_assert(eq(sz, count(html, "<style"), 1));
	csp_hash(hash, style, strlen(style));
	snprintf(want_style, sizeof want_style, "style-src '%s'", hash);
	csp_hash(hash, script, strlen(script));
	snprintf(want_script, sizeof want_script, "script-src '%s'", hash);
	for (char *d = strtok_r(csp, ";", &save); d; d = strtok_r(NULL, ";", &save)) {
		size_t len;

		d += strspn(d, " ");
		len = strlen(d);
		while (len && d[len - 1] == ' ')
			d[--len] = '\0';
		directives++;
		if (strncmp(d, "style-src ", 10) == 0)
			cr_expect(eq(str, d, want_style));
		else if (strncmp(d, "script-src ", 11) == 0)
			cr_expect(eq(str, d, want_script));
		else
			cr_expect(eq(str, strchr(d, ' ') ? strchr(d, ' ') : d, " 'none'"), "%s", d);
	}
	cr_expect(ge(sz, directives, 3));
	free(csp);
	free(style);
	free(script);
}

/* No reference leaves the page: every src, href and url() is a fragment,
 * and nothing that loads (link, img, iframe, object, embed, base, @import)
 * is there at all. */
Test(report_html, refers_to_nothing_outside_itself)
{
	static const char *const refs[] = { "src=", "href=", "url(" };
	static const char *const loaders[] = {
		"<link", "<img", "<iframe", "<object", "<embed", "<base", "<audio", "<video", "<source",
		"@import", "srcset", "<form",
	};
	size_t fragments = 0;

	for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
		for (const char *p = strstr(html, refs[i]); p; p = strstr(p + 1, refs[i])) {
			const char *v = p + strlen(refs[i]);

			v += *v == '"';
			cr_expect(eq(int, *v, '#'), "%.60s", p);
			fragments++;
		}
	cr_assert(ge(sz, fragments, 7), "the navigation links to the sections");
	for (size_t i = 0; i < sizeof loaders / sizeof *loaders; i++)
		cr_expect(eq(ptr, strstr(html, loaders[i]), NULL), "%s", loaders[i]);
}

/* The evidence: each capture with the SHA-256 sha256sum gives. */
Test(report_html, evidence_shows_each_capture_with_its_sha256)
{
	char *sec = part(html, "<section id=\"evidence\">", "</section>");

	cr_assert(sec != NULL);
	for (size_t i = 0; i < TOOL_DEMO_INPUTS; i++) {
		char path[200], hex[65], cell[128];

		sim_path(path, sizeof path, 0, tool_demo_inputs[i][1]);
		cr_assert(tool_sha256sum(path, hex));
		snprintf(cell, sizeof cell, "<td class=\"hash\">%s</td>", hex);
		cr_expect(eq(sz, count(sec, cell), 1), "%s", path);
	}
	free(sec);
}
