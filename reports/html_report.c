/*
 * html_report.c - report.html; see html_report.h.
 *
 * The page is written top to bottom in one pass.  Its style (ours plus the
 * charts' classes from svg.h) and its script are constant strings; the
 * Content-Security-Policy names their SHA-256, so the browser runs nothing
 * else and loads nothing at all.  Tables are plain HTML: the script only
 * sorts them when a header is clicked (numbers by their data-v value).
 */
#include "reports/html_report.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/compare.h"
#include "analyzer/ics_flow.h"
#include "analyzer/quantile.h"
#include "formats/ics/ics.h"
#include "reports/addr.h"
#include "reports/csv.h"
#include "reports/html.h"
#include "reports/svg.h"

#define CDF_POINTS 201		/* percentiles drawn per distribution: every half per cent */
#define MAX_BANDS 2000		/* missed bursts marked on the timeline */

static const char page_style[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1200px;"
	"padding:1em 2em;color:#1b1b1b;line-height:1.4}"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ccc;padding-bottom:.2em;margin-top:2em}"
	"nav a{margin-right:1em}table{border-collapse:collapse;margin:.5em 0 1em;font-size:.85em}"
	"th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#f0f0f0;cursor:pointer}td.n{text-align:right;white-space:nowrap}"
	"td.hash,td.path{font-family:ui-monospace,monospace;word-break:break-all}td.hash{font-size:.75em;min-width:33ch}"
	"td.path{min-width:14em}"
	"tr.rogue td{background:#fde2e2}tr.unmonitored td{background:#fff4d6}td.unseen{color:#999}"
	"td.bad{color:#a40000;font-weight:bold}p.verdict{margin:.2em 0 .8em}.looks{color:#555}"
	"figure{margin:1em 0}figcaption{font-size:.85em;color:#555}svg.chart{width:100%;height:auto}"
	"dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}"
	"code{font-family:ui-monospace,monospace;word-break:break-all}"
	".scroll{overflow-x:auto}"
	"@media print{body{max-width:none;padding:0;font-size:10pt}nav{display:none}"
	"section{break-inside:auto}figure,tr{break-inside:avoid}th{cursor:auto}.scroll{overflow:visible}}";

static const char page_script[] =
	"document.querySelectorAll('table.sortable th').forEach(function(th){"
	"th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],"
	"i=Array.prototype.indexOf.call(th.parentNode.children,th),d=th.getAttribute('data-dir')==='a'?'d':'a';"
	"th.setAttribute('data-dir',d);var r=Array.prototype.slice.call(b.rows);r.sort(function(x,y){"
	"var p=x.cells[i],q=y.cells[i],a=p.getAttribute('data-v'),c=q.getAttribute('data-v'),s;"
	"if(a!==null&&c!==null)s=parseFloat(a)-parseFloat(c);else s=p.textContent.localeCompare(q.textContent);"
	"return d==='a'?s:-s});r.forEach(function(x){b.appendChild(x)})})});";

/* ---- small writers ---- */

static void th(FILE *f, const char *s)
{
	fputs("<th>", f);
	html_text(f, s);
	fputs("</th>", f);
}

static void heads(FILE *f, const char *const *names, size_t n)
{
	fputs("<thead><tr>", f);
	for (size_t i = 0; i < n; i++)
		th(f, names[i]);
	fputs("</tr></thead><tbody>\n", f);
}

static void td_num(FILE *f, uint64_t v)
{
	fprintf(f, "<td class=\"n\" data-v=\"%llu\">", (unsigned long long)v);
	html_num(f, v);
	fputs("</td>", f);
}

static void td_dur(FILE *f, double ns)
{
	fprintf(f, "<td class=\"n\" data-v=\"%.0f\">", ns == ns ? ns : 0);
	html_duration(f, ns);
	fputs("</td>", f);
}

static void td_pct(FILE *f, double fraction)
{
	if (fraction < 0) {
		fputs("<td class=\"n\" data-v=\"-1\">n/a</td>", f);
		return;
	}
	fprintf(f, "<td class=\"n\" data-v=\"%.6f\">%.3f%%</td>", fraction, 100 * fraction);
}

/* Our own text. */
static void td_text(FILE *f, const char *s)
{
	fputs("<td>", f);
	html_text(f, s);
	fputs("</td>", f);
}

/* Text from a capture, a file name or the command line. */
static void td_str(FILE *f, const char *klass, const char *s)
{
	if (klass)
		fprintf(f, "<td class=\"%s\">", klass);
	else
		fputs("<td>", f);
	html_str(f, s);
	fputs("</td>", f);
}

static void td_ts(FILE *f, int64_t ns, bool known)
{
	fputs("<td class=\"n\">", f);
	if (known)
		html_ts(f, ns);
	fputs("</td>", f);
}

static void section(FILE *f, const char *id, const char *title)
{
	fprintf(f, "<section id=\"%s\"><h2>", id);
	html_text(f, title);
	fputs("</h2>\n", f);
}

static void para(FILE *f, const char *s)
{
	fputs("<p>", f);
	html_text(f, s);
	fputs("</p>\n", f);
}

/* ---- the evidence ---- */

static void evidence(FILE *f, const struct report *r)
{
	static const char *const cols[] = {
		"view", "capture", "format", "compression", "stored bytes", "SHA-256", "frames", "first frame",
		"last frame", "link types", "status",
	};

	section(f, "evidence", "Evidence");
	para(f, "Each capture as read, in the order given: the SHA-256 is of the file as stored (compressed or "
		"not); first and last are the earliest and latest timestamps; a fault names the byte offset where "
		"reading stopped.  Every good frame before a fault was analysed.");
	fputs("<div class=\"scroll\"><table class=\"sortable\">", f);
	heads(f, cols, sizeof cols / sizeof *cols);
	for (size_t i = 0; i < r->ncaptures; i++) {
		const struct capture_stats *c = &r->captures[i];
		char hex[65];

		fputs("<tr>", f);
		td_str(f, NULL, c->view);
		td_str(f, "path", c->path);
		td_text(f, c->format ? c->format : "");
		td_text(f, c->compression ? c->compression : "");
		td_num(f, c->bytes);
		if (c->hashed) {
			for (size_t k = 0; k < 32; k++)
				snprintf(hex + 2 * k, 3, "%02x", c->sha256[k]);
			fprintf(f, "<td class=\"hash\">%s</td>", hex);
		} else {
			td_text(f, "not hashed (--no-hash)");
		}
		td_num(f, c->frames);
		td_ts(f, c->first_ts, c->timed > 0);
		td_ts(f, c->last_ts, c->timed > 0);
		td_text(f, c->link_types);
		td_str(f, strcmp(c->status, "ok") ? "bad" : NULL, c->status);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div></section>\n", f);
}

/* ---- the verdict per view ---- */

static void verdicts(FILE *f, const struct report *r)
{
	const struct tp_config *cfg = r->cfg;
	bool any = false;

	section(f, "verdicts", "Verdict per view");
	for (size_t v = 0; v < cfg->nviews; v++) {
		const struct report_view *rv = &r->views[v];

		if (!rv->has_quality)
			continue;
		any = true;
		fputs("<h3>", f);
		html_str(f, cfg->views[v]);
		fputs("</h3><p class=\"looks\">looks like ", f);
		html_text(f, rv->quality.looks_like);
		fputs(": ", f);
		html_str(f, rv->quality.evidence);	/* names a VLAN, a tunnel... */
		fputs("</p><p class=\"verdict\">", f);
		html_str(f, rv->quality.verdict);
		fputs("</p>\n", f);
		if (r->comparison) {
			fputs("<p class=\"verdict\">Against the reference: ", f);
			html_str(f, comparison_result(r->comparison, v)->verdict);
			fputs("</p>\n", f);
		}
	}
	if (!any)
		para(f, "No analysis was run (--ingest-only or --flows-only): only the evidence is reported.");
	fputs("</section>\n", f);
}

/* ---- the mirror comparison ---- */

/* Frames over time, one row per view, with what each lost marked. */
static void timeline_chart(FILE *f, const struct report *r)
{
	const struct tp_config *cfg = r->cfg;
	size_t nv = cfg->nviews < SVG_MAX_ROWS ? cfg->nviews : SVG_MAX_ROWS, nb = 0, nbands = 0;
	int64_t t0 = 0, t1 = 0, width;
	bool have = false;
	uint64_t **counts = calloc(nv ? nv : 1, sizeof *counts);
	size_t *ncounts = calloc(nv ? nv : 1, sizeof *ncounts);
	const struct compare_burst *bursts = r->comparison ? comparison_bursts(r->comparison, &nb) : NULL;
	struct svg_band *bands = calloc(nb ? nb : 1, sizeof *bands);

	for (size_t v = 0; v < nv; v++) {
		const struct timeline *t = &r->views[v].timeline;
		/* In 128 bits: bogus stamps may sit near either end of int64. */
		__int128 end = (__int128)t->t0_ns + (__int128)t->n * t->width_ns;

		if (!t->started)
			continue;
		if (end > INT64_MAX)
			end = INT64_MAX;
		t0 = have && t0 < t->t0_ns ? t0 : t->t0_ns;
		t1 = have && t1 > (int64_t)end ? t1 : (int64_t)end;
		have = true;
	}
	/* A common grid of about TIMELINE_BUCKETS buckets over every view. */
	width = have ? (int64_t)(((__int128)t1 - t0) / TIMELINE_BUCKETS + 1) : 0;
	for (size_t v = 0; counts && ncounts && have && v < nv; v++) {
		if ((counts[v] = malloc(TIMELINE_BUCKETS * sizeof **counts))) {
			timeline_resample(&r->views[v].timeline, t0, width, counts[v], TIMELINE_BUCKETS);
			ncounts[v] = TIMELINE_BUCKETS;
		}
	}
	for (size_t i = 0; bands && i < nb && nbands < MAX_BANDS; i++)
		bands[nbands++] = (struct svg_band){ bursts[i].view, bursts[i].first_ts, bursts[i].last_ts };
	fputs("<figure>", f);
	if (counts && ncounts && bands)
		svg_timeline(f, "timeline", "Frames per second over time, per view; red: packets the view lost",
			     t0, width, (const char *const *)cfg->views, (const uint64_t *const *)counts, ncounts,
			     nv, bands, nbands);
	fputs("<figcaption>Frames per second in each view over the capture (common time axis, UTC)", f);
	if (r->comparison)
		fputs("; red marks: runs of the reference's packets the view lost (missed.csv)", f);
	fputs(".</figcaption></figure>\n", f);
	for (size_t v = 0; counts && v < nv; v++)
		free(counts[v]);
	free(counts);
	free(ncounts);
	free(bands);
}

/* A distribution per compared view, as a cumulative curve. */
static void distribution_chart(FILE *f, const struct report *r, bool iat)
{
	const struct tp_config *cfg = r->cfg;
	size_t ref = comparison_reference_view(r->comparison), n = 0;
	struct svg_cdf series[SVG_MAX_SERIES];
	double *values = calloc(SVG_MAX_SERIES * CDF_POINTS, sizeof *values);
	double *fractions = calloc(CDF_POINTS, sizeof *fractions);

	for (size_t k = 0; fractions && k < CDF_POINTS; k++)
		fractions[k] = (double)k / (CDF_POINTS - 1);
	for (size_t v = 0; values && fractions && v < cfg->nviews && n < SVG_MAX_SERIES; v++) {
		const struct quantile *q = comparison_distribution(r->comparison, v, iat);

		if (v == ref || !q->n)
			continue;
		for (size_t k = 0; k < CDF_POINTS; k++)
			values[n * CDF_POINTS + k] = (double)quantile_get(q, 100.0 * fractions[k]);
		series[n] = (struct svg_cdf){ cfg->views[v], values + n * CDF_POINTS, fractions, CDF_POINTS };
		n++;
	}
	fputs("<figure>", f);
	if (iat)
		svg_cdf(f, "iat", "Inter-arrival distortion: how much the gap between consecutive packets changed",
			series, n);
	else
		svg_cdf(f, "delay", "Delay behind the reference, above each view's fastest path", series, n);
	fputs(iat ? "<figcaption>For consecutive reference packets both held: |gap in the view - gap in the "
		    "reference|, drift removed (the timing a forensic timeline relies on).</figcaption>"
		  : "<figcaption>Share of matched packets delayed by at most x, once the clock offset and drift "
		    "are removed (a constant path delay is part of the offset).</figcaption>", f);
	fputs("</figure>\n", f);
	free(values);
	free(fractions);
}

static void comparison(FILE *f, const struct report *r)
{
	static const char *const cols[] = {
		"rank", "view", "matched", "of reference", "missed", "lost", "bursts", "extra", "duplicates",
		"damaged kept", "damaged dropped", "reordered", "clock offset", "drift (ppm)", "delay p50",
		"delay p99", "delay max", "gap change p99", "flows seen", "flows missed", "assets seen", "assets missed",
	};
	const struct tp_config *cfg = r->cfg;

	section(f, "comparison", "Mirror comparison");
	if (!r->comparison) {
		para(f, cfg->nviews < 2 ? "One view: nothing to compare it with.  Give several labelled captures of "
					  "the same traffic (tap=... span=...) to compare mirrors."
					: "The views were not compared (see the run's messages).");
		timeline_chart(f, r);
		fputs("</section>\n", f);
		return;
	}
	fputs("<p>Every view against ", f);
	if (comparison_reference_view(r->comparison) == COMPARE_UNION)
		fputs("the union of all views (every distinct packet any view holds)", f);
	else {
		fputs("the reference view <strong>", f);
		html_str(f, comparison_reference(r->comparison));
		fputs("</strong>", f);
	}
	fputs(", packets matched by a fingerprint mirrors do not change.  Lost: missed packets of flows the view "
	      "carries (the others are outside its scope).  Clock offset and drift are measured under the "
	      "delays; delays are above the fastest path.  Details in comparison.csv and missed.csv.</p>\n", f);
	fputs("<div class=\"scroll\"><table class=\"sortable\">", f);
	heads(f, cols, sizeof cols / sizeof *cols);
	for (size_t v = 0; v < cfg->nviews; v++) {
		const struct compare_result *c = comparison_result(r->comparison, v);

		fputs("<tr>", f);
		td_num(f, c->rank);
		td_str(f, NULL, cfg->views[v]);
		td_num(f, c->matched);
		td_pct(f, c->ref_frames ? (double)c->matched / (double)c->ref_frames : -1);
		td_num(f, c->missed);
		td_num(f, c->missed_in_seen_flows);
		td_num(f, c->missed_bursts);
		td_num(f, c->extra);
		td_num(f, c->duplicates);
		td_num(f, c->damaged_passed);
		td_num(f, c->damaged_dropped);
		td_num(f, c->reordered);
		if (c->clock_known) {
			td_dur(f, (double)c->offset_ns);
			fprintf(f, "<td class=\"n\" data-v=\"%.3f\">%+.3f</td>", c->drift_ppm, c->drift_ppm);
		} else {
			td_text(f, "");
			td_text(f, "");
		}
		td_dur(f, (double)c->delay_p50_ns);
		td_dur(f, (double)c->delay_p99_ns);
		td_dur(f, (double)c->delay_max_ns);
		td_dur(f, (double)c->iat_p99_ns);
		td_num(f, c->flows_seen);
		td_num(f, c->flows_missed);
		td_num(f, c->assets_seen);
		td_num(f, c->assets_missed);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n<h3>In words, best first</h3><ol>\n", f);
	for (unsigned rank = 1; rank <= cfg->nviews; rank++)
		for (size_t v = 0; v < cfg->nviews; v++)
			if (comparison_result(r->comparison, v)->rank == rank) {
				fputs("<li>", f);
				html_str(f, comparison_result(r->comparison, v)->verdict);
				fputs("</li>\n", f);
			}
	fputs("</ol>\n", f);
	timeline_chart(f, r);
	distribution_chart(f, r, false);
	distribution_chart(f, r, true);
	fputs("</section>\n", f);
}

/* ---- capture quality ---- */

/* An h3 and the start of a sortable table with its header row. */
static void table_start(FILE *f, const char *title, const char *const *cols, size_t n)
{
	fputs("<h3>", f);
	html_text(f, title);
	fputs("</h3><div class=\"scroll\"><table class=\"sortable\">", f);
	heads(f, cols, n);
}

/* Starts view v's row (its label cell) when it has quality figures. */
static const struct view_quality *quality_row(FILE *f, const struct report *r, size_t v)
{
	if (!r->views[v].has_quality)
		return NULL;
	fputs("<tr>", f);
	td_str(f, NULL, r->cfg->views[v]);
	return &r->views[v].quality;
}

static void quality(FILE *f, const struct report *r)
{
	static const char *const loss_cols[] = {
		"view", "frames", "sensor drops (ISB)", "sensor drops (EPB)", "TCP bytes acked", "TCP gap bytes",
		"TCP retransmissions", "tunnel gaps", "ICS counter gaps", "ICS unanswered", "one-sided flows",
		"loss estimate", "basis",
	};
	static const char *const damage_cols[] = {
		"view", "damaged frames", "FCS errors", "link errors", "runts", "oversize", "snaplen cut",
		"ERSPAN cut", "IP checksum", "L4 checksum", "malformed", "duplicates", "identical", "VLAN only",
		"routed", "tunnel",
	};
	static const char *const timing_cols[] = {
		"view", "stamp resolution", "steps back", "largest step back", "equal-stamp runs", "silences",
		"longest silence", "polled streams", "polling jitter p99",
	};
	const struct tp_config *cfg = r->cfg;
	const char *labels[SVG_MAX_BARS];
	double values[SVG_MAX_BARS];
	char texts[SVG_MAX_BARS][48];
	const char *text_ptrs[SVG_MAX_BARS];
	size_t nbars = 0;

	section(f, "quality", "Capture quality");
	para(f, "Each kind of evidence on its own: the sensor's counters see what the capturing host dropped; TCP "
		"sees payload acknowledged but never shown (loss on the mirror) beside retransmissions (loss on the "
		"network); tunnel and ICS counters see what is missing from their streams.  Every count is traced "
		"to frames in events.csv.");
	table_start(f, "Loss", loss_cols, sizeof loss_cols / sizeof *loss_cols);
	for (size_t v = 0; v < cfg->nviews; v++) {
		const struct view_quality *q = quality_row(f, r, v);

		if (!q)
			continue;
		td_num(f, q->frames);
		if (q->has_isb_drops)
			td_num(f, q->isb_drops);
		else
			td_text(f, "");
		td_num(f, q->epb_drops);
		td_num(f, q->tcp_acked_bytes);
		td_num(f, q->tcp_gap_bytes);
		td_num(f, q->tcp_retransmissions);
		td_num(f, q->tunnel_seq_gaps);
		td_num(f, q->ics_seq_gaps);
		td_num(f, q->ics_unanswered);
		td_num(f, q->one_sided_flows);
		td_pct(f, q->loss_estimate);
		td_text(f, q->loss_basis);
		fputs("</tr>\n", f);
		if (nbars < SVG_MAX_BARS) {
			labels[nbars] = cfg->views[v];
			values[nbars] = q->loss_estimate > 0 ? 100 * q->loss_estimate : 0;
			snprintf(texts[nbars], sizeof texts[nbars], q->loss_estimate < 0 ? "not measurable" : "%.3f %%",
				 100 * q->loss_estimate);
			text_ptrs[nbars] = texts[nbars];
			nbars++;
		}
	}
	fputs("</tbody></table></div>\n<figure>", f);
	svg_bars(f, "loss", "Estimated loss per view (the largest rate any evidence gives)", labels, values,
		 text_ptrs, nbars);
	fputs("<figcaption>Estimated loss per view, in per cent.</figcaption></figure>\n", f);
	table_start(f, "Damage and duplicates", damage_cols, sizeof damage_cols / sizeof *damage_cols);
	for (size_t v = 0; v < cfg->nviews; v++) {
		const struct view_quality *q = quality_row(f, r, v);

		if (!q)
			continue;
		const uint64_t cells[] = {
			q->damaged_frames, q->fcs_errors, q->link_errors, q->runts, q->oversize, q->truncated,
			q->erspan_truncated, q->ip_checksum_errors, q->l4_checksum_errors, q->malformed, q->duplicates,
			q->dup_identical, q->dup_vlan, q->dup_routed, q->dup_tunnel,
		};
		for (size_t k = 0; k < sizeof cells / sizeof *cells; k++)
			td_num(f, cells[k]);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
	table_start(f, "Timing", timing_cols, sizeof timing_cols / sizeof *timing_cols);
	for (size_t v = 0; v < cfg->nviews; v++) {
		const struct view_quality *q = quality_row(f, r, v);

		if (!q)
			continue;
		if (q->ts_resolution_ns)
			td_dur(f, (double)q->ts_resolution_ns);
		else
			td_text(f, "");
		td_num(f, q->ts_backwards);
		td_dur(f, (double)q->ts_largest_back_ns);
		td_num(f, q->ts_identical_runs);
		td_num(f, q->ts_silences);
		td_dur(f, (double)q->ts_longest_silence_ns);
		td_num(f, q->cyclic_streams);
		td_dur(f, (double)q->cyclic_jitter_p99_ns);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div></section>\n", f);
}

/* ---- assets ---- */

/* The first fact of field about a (NULL: none). */
static const struct asset_fact *fact(const struct asset *a, enum ics_field field)
{
	for (size_t i = 0; i < a->nfacts; i++)
		if (a->facts[i].field == field && a->facts[i].len)
			return &a->facts[i];
	return NULL;
}

/* What to call a: its inventory name, else a name it gave (bytes, with
 * their length: a name may hold a NUL), else nothing. */
static const uint8_t *asset_name(const struct asset *a, size_t *len)
{
	const struct asset_fact *fa = fact(a, ICS_F_NAME);

	if (a->inventory && a->inventory->name && a->inventory->name[0]) {
		*len = strlen(a->inventory->name);
		return (const uint8_t *)a->inventory->name;
	}
	*len = fa ? fa->len : 0;
	return fa ? fa->value : (const uint8_t *)"";
}

/* The same as a C string for a chart label: control bytes (NUL too) as '?',
 * the chart escapes the rest. */
static void asset_label(char *buf, size_t n, const struct asset *a)
{
	size_t len, k = 0;
	const uint8_t *name = asset_name(a, &len);

	for (; k + 1 < n && k < len; k++)
		buf[k] = name[k] < 0x20 || name[k] == 0x7f ? '?' : (char)name[k];
	buf[k] = '\0';
}

static const char *asset_class(const struct asset *a)
{
	if (a->status == ASSET_NOT_IN_INVENTORY)
		return "rogue";
	if (a->status == ASSET_NEVER_SEEN)
		return "unmonitored";
	return a->status == ASSET_KNOWN ? "known" : "unknown";
}

/* Does a speak an ICS protocol (not only the IT ones that give it away)? */
static bool speaks_ics(const struct asset *a)
{
	return (a->protocols & ((1u << ICS_ARP) - 1u) & ~1u) != 0;
}

/* Roles that start the conversation: the arrow goes from them. */
static bool initiates(const struct asset *a, unsigned proto)
{
	unsigned r = a->roles[proto];

	return r & (1u << ICS_ROLE_CLIENT | 1u << ICS_ROLE_MASTER | 1u << ICS_ROLE_SCANNER |
		    1u << ICS_ROLE_IO_CONTROLLER | 1u << ICS_ROLE_PUBLISHER);
}

static void roles_text(FILE *f, const struct asset *a)
{
	bool first = true;

	for (unsigned p = 1; p < ICS_PROTO_COUNT; p++) {
		if (!a->roles[p])
			continue;
		for (unsigned k = 1; k < ICS_ROLE_COUNT; k++) {
			if (!(a->roles[p] & (1u << k)))
				continue;
			fprintf(f, "%s%s %s", first ? "" : ", ", ics_proto_name((enum ics_proto)p),
				ics_role_name((enum ics_role)k));
			first = false;
		}
	}
}

static void asset_map(FILE *f, const struct assets *as)
{
	size_t na = assets_count(as), nn = 0, ne = 0;
	size_t *node_of = calloc(na ? na : 1, sizeof *node_of);
	struct svg_node *nodes = calloc(SVG_MAX_NODES, sizeof *nodes);
	struct svg_edge *edges = calloc(SVG_MAX_EDGES, sizeof *edges);
	char (*names)[64] = calloc(SVG_MAX_NODES, sizeof *names), (*subs)[96] = calloc(SVG_MAX_NODES, sizeof *subs);
	char (*elabels)[40] = calloc(SVG_MAX_EDGES, sizeof *elabels);

	if (!node_of || !nodes || !edges || !names || !subs || !elabels)
		goto out;
	for (size_t i = 0; i < na; i++) {
		const struct asset *a = assets_get(as, i);
		char ip[ADDR_TEXT_MAX], mac[18];

		node_of[i] = SIZE_MAX;
		/* ICS devices, and whatever is not in the inventory (a scanner
		 * speaks no ICS protocol, and is the first thing to look at). */
		if ((!speaks_ics(a) && a->status != ASSET_NOT_IN_INVENTORY) || nn == SVG_MAX_NODES)
			continue;
		asset_label(names[nn], sizeof names[nn], a);
		addr_ip_text(ip, a->ip_version, a->ip);
		if (!names[nn][0])
			snprintf(names[nn], sizeof names[nn], "%s", ip[0] ? ip : a->has_mac ? addr_mac_text(mac, a->mac) : "?");
		/* Short, or the labels of the nodes on the left leave the chart. */
		snprintf(subs[nn], sizeof subs[nn], "%s%s%.16s%s", ip, ip[0] && a->vendor[0] ? ", " : "", a->vendor,
			 strlen(a->vendor) > 16 ? "\xe2\x80\xa6" : "");
		nodes[nn] = (struct svg_node){ names[nn], subs[nn], asset_class(a) };
		node_of[i] = nn++;
	}
	for (size_t i = 0; i < na; i++) {
		const struct asset *a = assets_get(as, i);

		for (size_t k = 0; node_of[i] != SIZE_MAX && k < a->npeers && ne < SVG_MAX_EDGES; k++) {
			size_t j = a->peers[k];
			const struct asset *b;
			uint32_t common;
			unsigned p;

			if (j >= na || node_of[j] == SIZE_MAX || j == i)
				continue;
			b = assets_get(as, j);
			common = a->protocols & b->protocols & ((1u << ICS_ARP) - 1u) & ~1u;
			if (!common)
				continue;
			for (p = 1; !(common & (1u << p)); p++)
				;
			/* One edge per pair, drawn from the side that starts the talk. */
			if (initiates(a, p) ? false : initiates(b, p) ? true : j < i)
				continue;
			snprintf(elabels[ne], sizeof elabels[ne], "%s", ics_proto_name((enum ics_proto)p));
			edges[ne] = (struct svg_edge){ node_of[i], node_of[j], elabels[ne] };
			ne++;
		}
	}
	fputs("<figure>", f);
	svg_graph(f, "map", "ICS assets and who talks to whom (arrows from the side that starts)", nodes, nn, edges,
		  ne);
	fputs("<figcaption>Devices that spoke an ICS protocol, and devices missing from the inventory; arrows "
	      "from the client, master, scanner or publisher; red: not in the inventory; amber: in the "
	      "inventory, seen by no view.</figcaption>"
	      "</figure>\n", f);
out:
	free(node_of);
	free(nodes);
	free(edges);
	free(names);
	free(subs);
	free(elabels);
}

/* The devices to list first: those missing from the inventory, then those
 * no view saw, then those speaking an ICS protocol, then the busiest. */
static int asset_weight(const struct asset *a)
{
	return a->status == ASSET_NOT_IN_INVENTORY ? 3 : a->status == ASSET_NEVER_SEEN ? 2 : speaks_ics(a);
}

/* A device's place in the list. */
struct listed {
	int weight;
	uint64_t frames;
	size_t index;
};

static int cmp_listed(const void *x, const void *y)
{
	const struct listed *a = x, *b = y;

	if (a->weight != b->weight)
		return b->weight - a->weight;
	if (a->frames != b->frames)
		return a->frames < b->frames ? 1 : -1;
	return a->index < b->index ? -1 : 1;	/* stable: the report is the same every run */
}

static void assets_section(FILE *f, const struct report *r)
{
	const struct tp_config *cfg = r->cfg;
	size_t na;
	struct listed *order;

	section(f, "assets", "Assets and their visibility");
	if (!r->assets) {
		para(f, "No asset inventory in this run (--flows-only or --ingest-only).");
		fputs("</section>\n", f);
		return;
	}
	na = assets_count(r->assets);
	if (!(order = malloc((na ? na : 1) * sizeof *order))) {
		para(f, "Out of memory: see assets.csv.");
		fputs("</section>\n", f);
		return;
	}
	for (size_t i = 0; i < na; i++) {
		const struct asset *a = assets_get(r->assets, i);

		order[i] = (struct listed){ asset_weight(a), a->frames, i };
	}
	qsort(order, na, sizeof *order, cmp_listed);
	para(f, "One row per device, with the frames it sent that each view holds (an empty cell: the view never "
		"saw it).  Red rows: devices missing from the inventory (possible rogues); amber rows: inventory "
		"devices no view saw.  Those come first, then the devices that speak an ICS protocol, then the "
		"busiest.");
	if (na > REPORT_MAX_ASSETS)
		fprintf(f, "<p>The first %d of %zu devices; every one is in assets.csv.</p>\n", REPORT_MAX_ASSETS, na);
	fputs("<div class=\"scroll\"><table class=\"sortable\"><thead><tr>", f);
	th(f, "device");
	th(f, "IP");
	th(f, "MAC");
	th(f, "vendor");
	th(f, "status");
	th(f, "roles");
	for (size_t v = 0; v < cfg->nviews; v++) {
		fputs("<th>", f);
		html_str(f, cfg->views[v]);
		fputs("</th>", f);
	}
	fputs("</tr></thead><tbody>\n", f);
	for (size_t i = 0; i < na && i < REPORT_MAX_ASSETS; i++) {
		const struct asset *a = assets_get(r->assets, order[i].index);
		char ip[ADDR_TEXT_MAX], mac[18];
		const char *klass = asset_class(a);
		size_t len;
		const uint8_t *name = asset_name(a, &len);

		fprintf(f, "<tr class=\"%s\"><td>", klass);
		html_bytes(f, name, len);
		fputs("</td>", f);
		td_text(f, addr_ip_text(ip, a->ip_version, a->ip));
		td_text(f, a->has_mac ? addr_mac_text(mac, a->mac) : "");
		td_str(f, NULL, a->vendor);
		td_text(f, a->status == ASSET_NO_INVENTORY ? "" : asset_status_name(a->status));
		fputs("<td>", f);
		roles_text(f, a);
		fputs("</td>", f);
		for (size_t v = 0; v < cfg->nviews; v++) {
			if (a->views[v].frames)
				td_num(f, a->views[v].frames);
			else
				fputs("<td class=\"unseen n\" data-v=\"0\">\xe2\x80\x94</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
	free(order);
	asset_map(f, r->assets);
	fputs("</section>\n", f);
}

/* ---- flows ---- */

void report_flow_seen(struct report *r, size_t view, const struct flow *f)
{
	uint64_t bytes = f->dir[0].bytes + f->dir[1].bytes;
	const struct ics_flow *ic = ics_flow_of(f);
	size_t i;

	r->flows++;
	if (r->ntop == REPORT_TOP_FLOWS && bytes <= r->top[REPORT_TOP_FLOWS - 1].bytes)
		return;
	i = r->ntop < REPORT_TOP_FLOWS ? r->ntop++ : REPORT_TOP_FLOWS - 1;
	for (; i && r->top[i - 1].bytes < bytes; i--)
		r->top[i] = r->top[i - 1];
	r->top[i] = (struct report_flow){ view, *f, ic && ic->dissector ? ic->dissector->name : NULL, bytes };
	r->top[i].flow.app = NULL;
}

/* "10.0.0.5:502", "fe80::1", "00:80:f4:12:b9:15" */
static void end_text(char *buf, size_t n, const struct flow *fl, int side)
{
	const struct flow_key *k = &fl->key;
	char ip[ADDR_TEXT_MAX], mac[18];

	if (k->kind == FLOW_L2)
		snprintf(buf, n, "%s", addr_mac_text(mac, k->mac[side]));
	else if (k->proto == 6 || k->proto == 17)
		snprintf(buf, n, k->ip_version == 6 ? "[%s]:%u" : "%s:%u", addr_ip_text(ip, k->ip_version, k->addr[side]),
			 k->port[side]);
	else
		snprintf(buf, n, "%s", addr_ip_text(ip, k->ip_version, k->addr[side]));
}

static void flows_section(FILE *f, const struct report *r)
{
	static const char *const cols[] = {
		"view", "protocol", "originator", "responder", "frames", "bytes", "first", "last", "duration",
		"history",
	};

	section(f, "flows", "Flows: the largest conversations");
	if (!r->flows) {
		para(f, "No flow in this run (--ingest-only).");
		fputs("</section>\n", f);
		return;
	}
	fprintf(f, "<p>The %zu largest of %llu flows by bytes (both directions); every flow is in flows.csv.</p>\n",
		r->ntop, (unsigned long long)r->flows);
	fputs("<div class=\"scroll\"><table class=\"sortable\">", f);
	heads(f, cols, sizeof cols / sizeof *cols);
	for (size_t i = 0; i < r->ntop; i++) {
		const struct flow *fl = &r->top[i].flow;
		char a[80], b[80], proto[48];
		static const char *const l4[] = { [1] = "icmp", [6] = "tcp", [17] = "udp", [58] = "icmpv6" };

		if (fl->key.kind == FLOW_L2)
			snprintf(proto, sizeof proto, "ethertype 0x%04x", fl->key.ethertype);
		else if (fl->key.proto < sizeof l4 / sizeof *l4 && l4[fl->key.proto])
			snprintf(proto, sizeof proto, "%s", l4[fl->key.proto]);
		else
			snprintf(proto, sizeof proto, "ip proto %u", fl->key.proto);
		if (r->top[i].app)
			snprintf(proto + strlen(proto), sizeof proto - strlen(proto), " (%s)", r->top[i].app);
		end_text(a, sizeof a, fl, fl->orig);
		end_text(b, sizeof b, fl, !fl->orig);
		fputs("<tr>", f);
		td_str(f, NULL, r->cfg->views[r->top[i].view]);
		td_text(f, proto);
		td_text(f, a);
		td_text(f, b);
		td_num(f, fl->dir[0].frames + fl->dir[1].frames);
		td_num(f, r->top[i].bytes);
		td_ts(f, fl->first_ts, true);
		td_ts(f, fl->last_ts, true);
		td_dur(f, (double)fl->last_ts - (double)fl->first_ts);	/* no overflow on bogus stamps */
		td_text(f, fl->history);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div></section>\n", f);
}

/* ---- the run ---- */

static void run_section(FILE *f, const struct report *r)
{
	const struct tp_config *cfg = r->cfg;

	section(f, "run", "The run");
	fputs("<dl><dt>tool</dt><dd>tapsight ", f);
	html_text(f, TP_VERSION);
	fputs("</dd><dt>command line</dt><dd><code>", f);
	html_str(f, cfg->command_line);
	fputs("</code></dd><dt>started</dt><dd>", f);
	html_ts(f, r->started_ns);
	fputs("</dd><dt>report written</dt><dd>", f);
	html_ts(f, r->finished_ns);
	fputs("</dd><dt>output folder</dt><dd><code>", f);
	html_str(f, cfg->out_dir);
	fputs("</code></dd><dt>views</dt><dd>", f);
	for (size_t v = 0; v < cfg->nviews; v++) {
		fputs(v ? ", " : "", f);
		html_str(f, cfg->views[v]);
	}
	fputs("</dd><dt>mode</dt><dd>", f);
	html_text(f, cfg->ingest_only ? "ingest only" : cfg->flows_only ? "flows only" : "full analysis");
	fputs("</dd><dt>filter</dt><dd><code>", f);
	html_str(f, cfg->filter ? cfg->filter : "none");
	fputs("</code></dd><dt>inventory</dt><dd><code>", f);
	html_str(f, cfg->inventory ? cfg->inventory : "none");
	fputs("</code></dd><dt>duplicate window</dt><dd>", f);
	if (cfg->dup_window_ns < 0)
		html_text(f, "off");
	else
		html_duration(f, cfg->dup_window_ns ? (double)cfg->dup_window_ns : 10e6);
	fputs("</dd><dt>comparison</dt><dd>reference ", f);
	html_str(f, r->comparison ? comparison_reference(r->comparison) : "none");
	fputs(", match window ", f);
	html_duration(f, cfg->match_window_ns ? (double)cfg->match_window_ns : (double)COMPARE_WINDOW_NS);
	fputs("</dd><dt>hashes</dt><dd>", f);
	html_text(f, cfg->no_hash ? "not computed (--no-hash): no chain of custody"
				  : "SHA-256 of every input and output in manifest.csv");
	fputs("</dd></dl></section>\n", f);
}

/* ---- the summary ---- */

#define SUMMARY_LIST 10	/* devices named in the summary */

/* "10.10.0.100 (02:5e:3a:1f:84:64)" for up to SUMMARY_LIST assets of a status. */
static size_t list_assets(FILE *f, const struct assets *as, enum asset_status status)
{
	size_t n = 0;

	for (size_t i = 0; as && i < assets_count(as); i++) {
		const struct asset *a = assets_get(as, i);
		char ip[ADDR_TEXT_MAX], mac[18];
		size_t len;
		const uint8_t *name;

		if (a->status != status)
			continue;
		if (n++ >= SUMMARY_LIST)
			continue;
		name = asset_name(a, &len);
		fputs(n > 1 ? ", " : "", f);
		if (len) {
			html_bytes(f, name, len);
			fputs(" ", f);
		}
		fputs("(", f);
		html_text(f, addr_ip_text(ip, a->ip_version, a->ip));
		if (a->has_mac) {
			fputs(a->ip_version ? ", " : "", f);
			html_text(f, addr_mac_text(mac, a->mac));
		}
		fputs(")", f);
	}
	if (n > SUMMARY_LIST)
		fprintf(f, " and %zu more", n - SUMMARY_LIST);
	return n;
}

/* What an investigator reads first: the evidence in one line, what
 * stands out, and where to look. */
static void summary(FILE *f, const struct report *r)
{
	const struct tp_config *cfg = r->cfg;
	uint64_t frames = 0, faults = 0;
	int64_t t0 = 0, t1 = 0;
	bool timed = false;

	for (size_t i = 0; i < r->ncaptures; i++) {
		const struct capture_stats *c = &r->captures[i];

		frames += c->frames;
		faults += strcmp(c->status, "ok") != 0;
		if (!c->timed)
			continue;
		t0 = timed && t0 < c->first_ts ? t0 : c->first_ts;
		t1 = timed && t1 > c->last_ts ? t1 : c->last_ts;
		timed = true;
	}
	section(f, "summary", "Summary");
	fputs("<ul>\n<li>", f);
	fprintf(f, "%zu capture%s in %zu view%s, ", r->ncaptures, r->ncaptures == 1 ? "" : "s", cfg->nviews,
		cfg->nviews == 1 ? "" : "s");
	html_num(f, frames);
	fputs(" frames", f);
	if (timed) {
		fputs(", from ", f);
		html_ts(f, t0);
		fputs(" to ", f);
		html_ts(f, t1);
	}
	fputs(faults ? "; " : ".", f);
	if (faults)
		fprintf(f, "<strong>%llu capture%s could not be read to the end</strong> (see Evidence).",
			(unsigned long long)faults, faults == 1 ? "" : "s");
	fputs("</li>\n", f);
	/* Loss: against the reference when there is one (every packet
	 * counted), else as each view's own evidence estimates it. */
	for (size_t v = 0; v < cfg->nviews; v++) {
		const struct view_quality *q = &r->views[v].quality;
		const struct compare_result *c = r->comparison ? comparison_result(r->comparison, v) : NULL;

		if (c && c->missed_in_seen_flows) {
			fputs("<li>", f);
			html_str(f, cfg->views[v]);
			fprintf(f, " lost %llu packets of the traffic it carries (%.2f%%) in %llu burst%s.</li>\n",
				(unsigned long long)c->missed_in_seen_flows,
				100.0 * (double)c->missed_in_seen_flows / (double)(c->matched + c->missed_in_seen_flows),
				(unsigned long long)c->missed_bursts, c->missed_bursts == 1 ? "" : "s");
		} else if (!c && r->views[v].has_quality && q->loss_estimate > 0) {
			fputs("<li>", f);
			html_str(f, cfg->views[v]);
			fprintf(f, " lost about %.2g%% (%s).</li>\n", 100 * q->loss_estimate, q->loss_basis);
		}
	}
	if (r->comparison) {
		size_t ref = comparison_reference_view(r->comparison);

		for (size_t v = 0; v < cfg->nviews; v++) {
			const struct compare_result *c = comparison_result(r->comparison, v);

			if (v == ref || c->rank != (ref == COMPARE_UNION ? 1u : 2u))
				continue;
			fputs("<li>Most faithful view besides the reference: <strong>", f);
			html_str(f, cfg->views[v]);
			fputs("</strong>; the ranking and each view's losses are under Mirror comparison.</li>\n", f);
		}
	}
	if (r->assets) {
		fputs("<li>", f);
		html_num(f, assets_count(r->assets));
		fputs(" devices.", f);
		fputs(" <strong>Not in the inventory:</strong> ", f);
		if (!list_assets(f, r->assets, ASSET_NOT_IN_INVENTORY))
			fputs(cfg->inventory ? "none" : "no inventory given (--inventory)", f);
		fputs(".", f);
		if (cfg->inventory) {
			fputs(" <strong>In the inventory, seen by no view:</strong> ", f);
			if (!list_assets(f, r->assets, ASSET_NEVER_SEEN))
				fputs("none", f);
			fputs(".", f);
		}
		fputs("</li>\n", f);
	}
	fputs("</ul></section>\n", f);
}

/* ---- the page ---- */

/* 'sha256-BASE64' of s, for the Content-Security-Policy. */
static bool csp_hash(char out[64], const char *s, size_t n)
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return false;
	memcpy(out, "sha256-", 7);
	EVP_EncodeBlock((unsigned char *)out + 7, md, 32);	/* 44 characters and a NUL */
	return true;
}

static void title(FILE *f, const struct report *r)
{
	const struct tp_config *cfg = r->cfg;

	fputs("tapsight report: ", f);
	for (size_t v = 0; v < cfg->nviews && v < 8; v++) {
		fputs(v ? ", " : "", f);
		html_str(f, cfg->views[v]);
	}
	if (cfg->nviews > 8)
		fprintf(f, " and %zu more views", cfg->nviews - 8);
}

static bool write_page(FILE *f, const struct report *r)
{
	char *style = NULL, style_hash[64], script_hash[64];
	size_t style_len = 0;
	FILE *s = open_memstream(&style, &style_len);

	if (!s)
		return false;
	fputs(page_style, s);
	svg_style(s);
	if (fclose(s) != 0 || !csp_hash(style_hash, style, style_len) ||
	    !csp_hash(script_hash, page_script, strlen(page_script))) {
		free(style);
		return false;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n", f);
	fprintf(f, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '%s'; "
		   "script-src '%s'; img-src 'none'; base-uri 'none'; form-action 'none'\">\n",
		style_hash, script_hash);
	fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	title(f, r);
	fputs("</title>\n<style>", f);
	fwrite(style, 1, style_len, f);
	fputs("</style>\n</head><body>\n<header><h1>", f);
	title(f, r);
	fputs("</h1>\n<nav><a href=\"#summary\">Summary</a><a href=\"#evidence\">Evidence</a><a href=\"#verdicts\">Verdicts</a>"
	      "<a href=\"#comparison\">Comparison</a><a href=\"#quality\">Quality</a><a href=\"#assets\">Assets</a>"
	      "<a href=\"#flows\">Flows</a><a href=\"#run\">Run</a></nav></header>\n<main>\n", f);
	summary(f, r);
	evidence(f, r);
	verdicts(f, r);
	comparison(f, r);
	quality(f, r);
	assets_section(f, r);
	flows_section(f, r);
	run_section(f, r);
	fputs("</main>\n<script>", f);
	fputs(page_script, f);
	fputs("</script>\n</body></html>\n", f);
	free(style);
	return true;
}

bool html_report_write(const char *dir, const struct report *r, char *err, size_t errlen)
{
	char path[4096], tmp[4200];
	FILE *f;
	bool ok;

	snprintf(path, sizeof path, "%s/report.html", dir);
	snprintf(tmp, sizeof tmp, "%s/.report.html.tmp-%ld", dir, (long)getpid());	/* as csv.c's */
	if (!(f = fopen(tmp, "wbx"))) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return false;
	}
	ok = write_page(f, r);
	ok = !ferror(f) && ok;
	ok = fclose(f) == 0 && ok;
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok) {
		snprintf(err, errlen, "%s: could not be written: %s", path, strerror(errno));
		unlink(tmp);
	}
	return ok;
}
