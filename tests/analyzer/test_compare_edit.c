/*
 * test_compare_edit.c - the cross-view comparison (issue #7) against copies
 * of a capture modified by Debian's wireshark tools: compared with itself a
 * capture is identical in every figure; compared with a copy whose frames
 * were deleted (editcap N M-K), shifted (editcap -t), cut short (editcap
 * -s), tagged (802.1Q, written here: what an RSPAN adds) or doubled
 * (mergecap), the comparison reports exactly the change made.
 *
 * The expected figures are computed here from the definitions of the
 * comparison (its spec, and analyzer/compare.h), from the bytes of the
 * files the tool reads:
 *   - spec_of() fingerprints a frame as the spec lists (IP: version,
 *     addresses, protocol, IPv4 ID and total length or IPv6 payload
 *     length and flow label, fragment field; the transport header; the
 *     first 32 payload bytes where no transport checksum covers them.
 *     Other frames: the EtherType, the length after the MACs and tags, the
 *     first 256 bytes after the EtherType) and names its flow, one
 *     direction (protocol, addresses, ports; MAC pair and EtherType);
 *   - model_run() aligns the views by those fingerprints within the
 *     100 ms window, each view's stamps corrected by the shift it was
 *     given, and counts what comparison.csv and missed.csv should say.
 *     A missed reference packet is loss when the view had carried a
 *     packet of its flow by then; the designs below keep every missed
 *     packet clear of the edge (the view's first packet of the flow is
 *     before it, or more than two windows after it, or never), which the
 *     model asserts.
 * All copies keep the original's stamps (after the shift), so delays,
 * inter-arrival distortion and drift are 0 and nothing is reordered.
 *
 * The first cases build their capture by hand (no corpus needed); the
 * corpus cases repeat the simple edits on real captures of several kinds.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/csvread.h"
#include "tests/support/frames.h"
#include "tests/support/pcapedit.h"

#define WINDOW_NS INT64_C(100000000)	/* the default match window */
#define SHIFT_NS INT64_C(3500000000)	/* editcap -t 3.5 */
#define MAX_VIEWS 3
#define UNION SIZE_MAX
#define PATH_SIZE 512

/* ---- the working folder, the tools, the tables ---- */

static char work[64];
static struct csv_table cmp, missed, assets;
static char context[160];	/* what is compared, for the messages */

static void setup(void)
{
	snprintf(work, sizeof work, "/tmp/tapsight-edit-XXXXXX");
	cr_assert(mkdtemp(work) != NULL);
}

static void path_in(char out[PATH_SIZE], const char *name)
{
	snprintf(out, PATH_SIZE, "%s/%s", work, name);
}

/* Runs a shell command; its exit status. */
static int shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int shell(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n, st;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	cr_assert(lt(int, n, (int)sizeof cmd));
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A wireshark tool that must succeed (editcap, mergecap). */
#define TOOL(...) cr_assert(eq(int, shell(__VA_ARGS__), 0), "wireshark-common installed?")

/* WORK/name: orig as editcap wrote it with these options (before the
 * files) and frames to delete (after them). */
static const char *editcap(const char *name, const char *options, const char *orig, const char *frames)
{
	static char path[4][PATH_SIZE];
	static unsigned next;
	char *p = path[next++ % 4];

	path_in(p, name);
	TOOL("editcap %s '%s' '%s' %s", options, orig, p, frames);
	return p;
}

/* tapsight -q -o WORK/out ARGS, stderr in WORK/err; its exit status, and
 * on success its comparison.csv, missed.csv and assets.csv read. */
static int tapsight(const char *args)
{
	const char *bin = getenv("TAPSIGHT_BIN") ? getenv("TAPSIGHT_BIN") : "build/release/tapsight";
	char path[PATH_SIZE];
	int st;

	csv_table_free(&cmp);
	csv_table_free(&missed);
	csv_table_free(&assets);
	cr_assert(eq(int, shell("rm -rf '%s/out'", work), 0));
	st = shell("'%s' -q -o '%s/out' %s 2>'%s/err'", bin, work, args, work);
	if (st != 0)
		return st;
	path_in(path, "out/comparison.csv");
	cr_assert(eq(int, csv_table_read(&cmp, path), 0), "%s", path);
	path_in(path, "out/missed.csv");
	cr_assert(eq(int, csv_table_read(&missed, path), 0), "%s", path);
	path_in(path, "out/assets.csv");
	cr_assert(eq(int, csv_table_read(&assets, path), 0), "%s", path);
	return 0;
}

static size_t row_of(const struct csv_table *t, const char *view)
{
	for (size_t r = 1; r < t->rows; r++)
		if (strcmp(csv_table_get(t, r, "view"), view) == 0)
			return r;
	cr_assert(false, "no row of view %s", view);
	return 0;
}

static const char *cell(const struct csv_table *t, size_t r, const char *col)
{
	const char *s = csv_table_get(t, r, col);

	cr_assert(s != NULL, "no column %s", col);
	return s;
}

/* ---- what the spec fingerprints ---- */

struct spec {
	uint64_t key;		/* the fingerprint, hashed */
	uint64_t flow;		/* one direction of its flow, hashed; 0: none */
	bool damaged;		/* a runt or oversize Ethernet frame */
};

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * UINT64_C(1099511628211);
	return h;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

struct key {
	uint8_t b[512];
	size_t n;
};

static void put(struct key *k, const void *p, size_t n)
{
	cr_assert(le(sz, k->n + n, sizeof k->b));
	memcpy(k->b + k->n, p, n);
	k->n += n;
}

/* The IP packet at p[at, n): false when it is not one (or too short). */
static bool spec_ip(const uint8_t *p, size_t n, size_t at, struct spec *s)
{
	struct key k = { .n = 0 }, f = { .n = 0 };
	size_t l4, end, hdr = 0;
	uint8_t proto;
	bool first = true, covered = false;

	if (at + 20 <= n && p[at] >> 4 == 4) {
		size_t ihl = (p[at] & 15u) * 4u;

		if (ihl < 20 || at + ihl > n)
			return false;
		proto = p[at + 9];
		put(&k, p + at, 1);
		put(&k, p + at + 2, 4);		/* total length, identification */
		put(&k, (const uint8_t[]){ p[at + 6] & 0x3f, p[at + 7] }, 2);	/* MF, offset */
		put(&k, p + at + 12, 8);	/* addresses */
		put(&f, p + at + 12, 8);
		first = (be16(p + at + 6) & 0x1fff) == 0;
		l4 = at + ihl;
		end = at + be16(p + at + 2);
	} else if (at + 40 <= n && p[at] >> 4 == 6) {
		put(&k, (const uint8_t[]){ 6, p[at + 1] & 15, p[at + 2], p[at + 3] }, 4);	/* flow label */
		put(&k, p + at + 4, 2);		/* payload length */
		put(&k, p + at + 8, 32);
		put(&f, p + at + 8, 32);
		proto = p[at + 6];
		l4 = at + 40;
		end = l4 + be16(p + at + 4);
		/* Hop-by-hop, routing, fragment and destination options headers. */
		while ((proto == 0 || proto == 43 || proto == 44 || proto == 60) && l4 + 8 <= n) {
			uint8_t next = p[l4];

			if (proto == 44)
				first = (be16(p + l4 + 2) & 0xfff8) == 0;
			l4 += proto == 44 ? 8u : (p[l4 + 1] + 1u) * 8u;
			proto = next;
		}
	} else {
		return false;
	}
	put(&k, &proto, 1);
	put(&f, &proto, 1);
	if (first && proto == 6 && l4 + 20 <= n)
		hdr = (p[l4 + 12] >> 4) * 4u;
	else if (first && (proto == 17 || proto == 1 || proto == 58))
		hdr = 8;
	if (hdr && l4 + hdr <= n) {
		put(&k, p + l4, hdr);
		covered = !(proto == 17 && be16(p + l4 + 6) == 0);
	} else {
		hdr = 0;
	}
	put(&f, (proto == 6 || proto == 17) && hdr ? p + l4 : (const uint8_t[4]){ 0 }, 4);
	if (!covered) {
		size_t from = l4 + hdr, to = end < n ? end : n;	/* padding is not payload */

		if (from < to)
			put(&k, p + from, to - from < 32 ? to - from : 32);
	}
	s->key = fnv(k.b, k.n);
	s->flow = fnv(f.b, f.n) | 1u;
	return true;
}

/* Ethernet (with 802.1Q/802.1ad tags) and Linux cooked captures (v1). */
static struct spec spec_of(int linktype, const struct pcapedit_frame *fr)
{
	static const uint8_t no_mac[6];
	const uint8_t *p = fr->data, *src, *dst;
	size_t n = fr->caplen, at, tags = 0;
	struct spec s = { .flow = 0 };
	struct key k = { .n = 0 }, f = { .n = 0 };
	uint16_t type;
	uint32_t wire;

	if (linktype == 1 && n >= 14) {
		dst = p;
		src = p + 6;
		type = be16(p + 12);
		for (at = 14; (type == 0x8100 || type == 0x88a8) && at + 4 <= n; at += 4, tags++)
			type = be16(p + at + 2);
		s.damaged = fr->origlen < 60 || fr->origlen > 1514 + 4 * tags;
	} else if (linktype == 113 && n >= 16) {
		src = be16(p + 2) == 1 && be16(p + 4) == 6 ? p + 6 : NULL;	/* ARPHRD_ETHER */
		dst = no_mac;
		type = be16(p + 14);
		at = 16;
	} else {
		s.key = fnv(p, n) ^ fr->origlen;
		return s;
	}
	if ((type == 0x0800 || type == 0x86dd) && spec_ip(p, n, at, &s))
		return s;
	if (type <= 1500)
		type = 0;	/* an 802.3 length: no type */
	wire = fr->origlen - (uint32_t)at;
	put(&k, &type, 2);
	put(&k, &wire, 4);
	put(&k, p + at, n - at < 256 ? n - at : 256);
	s.key = fnv(k.b, k.n);
	if (src) {
		put(&f, src, 6);
		put(&f, dst, 6);
		put(&f, &type, 2);
		s.flow = fnv(f.b, f.n) | 1u;
	}
	return s;
}

/* ---- the views and the model of their comparison ---- */

struct view {
	char label[32];
	char path[PATH_SIZE];		/* as given to tapsight */
	int64_t shift_ns;		/* what the copy added to every stamp */
	struct pcapedit cap;
	struct spec *sp;		/* per frame */
};

static struct view views[MAX_VIEWS];
static size_t nviews;

static void view_clear(struct view *v)
{
	pcapedit_free(&v->cap);
	free(v->sp);
	*v = (struct view){ .sp = NULL };
}

static void teardown(void)
{
	for (size_t v = 0; v < MAX_VIEWS; v++)
		view_clear(&views[v]);
	nviews = 0;
	csv_table_free(&cmp);
	csv_table_free(&missed);
	csv_table_free(&assets);
	if (work[0] && shell("rm -rf '%s'", work) != 0)
		cr_log_warn("could not remove %s", work);
}

TestSuite(compare_edit, .init = setup, .fini = teardown);

/* View v (a new one, or in place of one) is label=path, read back from the
 * file and fingerprinted; shift_ns is what the copy added to the stamps. */
static void view_set(size_t v, const char *label, const char *path, int64_t shift_ns)
{
	struct view *w = &views[v];

	cr_assert(lt(sz, v, MAX_VIEWS));
	view_clear(w);
	nviews = v + 1 > nviews ? v + 1 : nviews;
	snprintf(w->label, sizeof w->label, "%s", label);
	snprintf(w->path, sizeof w->path, "%s", path);
	w->shift_ns = shift_ns;
	cr_assert(pcapedit_read(&w->cap, path));
	w->sp = calloc(w->cap.n ? w->cap.n : 1, sizeof *w->sp);
	cr_assert(w->sp != NULL);
	for (size_t i = 0; i < w->cap.n; i++)
		w->sp[i] = spec_of(w->cap.linktype, &w->cap.f[i]);
}

/* comparison.csv's counts of one view, in its column order. */
#define COUNTS(X) X(ref_frames) X(frames) X(matched) X(missed) X(missed_bursts) X(missed_in_seen_flows) \
	X(extra) X(duplicates) X(damaged_passed) X(damaged_dropped) X(reordered) X(flows_ref) X(flows_seen) \
	X(flows_missed)
#define FIELD(name) uint64_t name;
#define COLUMN(name) { #name, offsetof(struct figures, name) },

struct figures {
	COUNTS(FIELD)
	int64_t offset_ns;
};

static const struct {
	const char *name;
	size_t off;
} count_cols[] = { COUNTS(COLUMN) };

/* A run of lost reference packets: records first..last of view src. */
struct burst {
	size_t view, src, first, last;
	uint64_t packets;
};

/* A frame --write-missed (missed) or --write-extra writes for view. */
struct out_frame {
	size_t view, src, rec;
	bool missed;
};

struct model {
	size_t ref;			/* a view, or UNION */
	struct figures fig[MAX_VIEWS], uni;
	struct burst bursts[64];
	size_t nbursts;
	struct out_frame *out;
	size_t nout;
};

/* A record of a view, in the pass's order: corrected stamp, then view. */
struct rec {
	int64_t t;
	size_t view, i;
};

/* A distinct packet: its first copy in each view that holds it. */
struct entry {
	uint64_t key, flow, order;	/* order: rank in the reference, from 1 */
	int64_t anchor;
	unsigned have;
	size_t copy[MAX_VIEWS];
};

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->view != y->view)
		return x->view < y->view ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int64_t corrected(size_t v, size_t i)
{
	return views[v].cap.f[i].ts_ns - views[v].shift_ns;
}

/* Had view v carried a packet of flow by t?  Asserts the design keeps
 * clear of the edge: its first packet of the flow is not within two
 * windows after t. */
static bool carried(size_t v, uint64_t flow, int64_t t)
{
	int64_t first = INT64_MAX;

	cr_assert(ne(u64, flow, 0), "design: a missed packet without a flow");
	for (size_t i = 0; i < views[v].cap.n; i++)
		if (views[v].sp[i].flow == flow && corrected(v, i) < first)
			first = corrected(v, i);
	cr_assert(first <= t || first > t + 2 * WINDOW_NS,
		  "design: view %s first carries the flow %" PRId64 " ns after a packet it lacks", views[v].label,
		  first - t);
	return first <= t;
}

static void burst_end(struct model *m, struct burst *open)
{
	if (open->packets) {
		cr_assert(lt(sz, m->nbursts, sizeof m->bursts / sizeof m->bursts[0]));
		m->bursts[m->nbursts++] = *open;
		m->fig[open->view].missed_bursts++;
	}
	open->packets = 0;
}

/* One reference packet view v lost: a run goes on while its source (the
 * capture a missed.csv row names) stays the same. */
static void burst_add(struct model *m, struct burst *open, size_t v, size_t src, size_t rec)
{
	if (open->packets && open->src != src)
		burst_end(m, open);
	if (!open->packets)
		*open = (struct burst){ v, src, rec, rec, 0 };
	open->last = rec;
	open->packets++;
}

static void out_add(struct model *m, struct out_frame f)
{
	m->out = realloc(m->out, (m->nout + 1) * sizeof *m->out);
	cr_assert(m->out != NULL);
	m->out[m->nout++] = f;
}

/* Each view's flows: counted against the reference's. */
static void model_flows(struct model *m, unsigned ref_mask)
{
	struct { uint64_t flow; unsigned mask; } fl[512];
	size_t n = 0;

	for (size_t v = 0; v < nviews; v++) {
		for (size_t i = 0; i < views[v].cap.n; i++) {
			uint64_t flow = views[v].sp[i].flow;
			size_t j = 0;

			if (!flow)
				continue;
			while (j < n && fl[j].flow != flow)
				j++;
			if (j == n) {
				cr_assert(lt(sz, n, sizeof fl / sizeof fl[0]));
				fl[n++].flow = flow;
				fl[j].mask = 0;
			}
			fl[j].mask |= 1u << v;
		}
	}
	for (size_t j = 0; j < n; j++) {
		m->uni.flows_ref += (fl[j].mask & ref_mask) != 0;
		for (size_t v = 0; v < nviews; v++) {
			m->fig[v].flows_ref += (fl[j].mask & ref_mask) != 0;
			m->fig[v].flows_seen += fl[j].mask >> v & 1u;
			m->fig[v].flows_missed += (fl[j].mask & ref_mask) && !(fl[j].mask >> v & 1u);
		}
	}
	m->uni.flows_seen = m->uni.flows_ref;
}

/* Each view's reference packets out of the reference's order. */
static void model_order(struct model *m, const struct entry *e, size_t ne, size_t *const ent_of[MAX_VIEWS])
{
	for (size_t v = 0; v < nviews; v++) {
		uint64_t max = 0;

		for (size_t i = 0; v != m->ref && i < views[v].cap.n; i++) {
			size_t x = ent_of[v][i];

			if (x >= ne || !e[x].order || e[x].copy[v] != i)
				continue;
			if (e[x].order < max)
				m->fig[v].reordered++;
			else
				max = e[x].order;
		}
	}
}

/* The pass over the views, by the spec. */
static void model_run(struct model *m, size_t ref)
{
	size_t total = 0, nr = 0, ne = 0, *ent_of[MAX_VIEWS] = { NULL };
	size_t anchor = ref == UNION ? 0 : ref;
	unsigned ref_mask = ref == UNION ? (1u << nviews) - 1 : 1u << ref;
	struct burst open[MAX_VIEWS] = { { .packets = 0 } };
	struct rec *r;
	struct entry *e;
	uint64_t rank = 0;

	*m = (struct model){ .ref = ref };
	for (size_t v = 0; v < nviews; v++)
		total += views[v].cap.n;
	r = calloc(total + 1, sizeof *r);
	e = calloc(total + 1, sizeof *e);
	cr_assert(r && e);
	for (size_t v = 0; v < nviews; v++) {
		ent_of[v] = calloc(views[v].cap.n + 1, sizeof *ent_of[v]);
		cr_assert(ent_of[v] != NULL);
		for (size_t i = 0; i < views[v].cap.n; i++) {
			r[nr++] = (struct rec){ corrected(v, i), v, i };
			m->fig[v].frames++;
			m->fig[v].damaged_passed += views[v].sp[i].damaged;
			m->fig[v].offset_ns = views[v].shift_ns - views[anchor].shift_ns;
		}
	}
	qsort(r, nr, sizeof *r, rec_cmp);
	/* A record matches the packet of its fingerprint within the window
	 * that its view does not hold yet; else it is a duplicate of one it
	 * holds, or a new packet.  Packets of one fingerprint are more than a
	 * window apart, so at most one is within the window behind. */
	for (size_t k = 0; k < nr; k++) {
		const struct spec *s = &views[r[k].view].sp[r[k].i];
		size_t x = ne;
		unsigned bit = 1u << r[k].view;

		while (x > 0 && !(e[x - 1].key == s->key) && e[x - 1].anchor >= r[k].t - WINDOW_NS)
			x--;
		if (x > 0 && e[x - 1].key == s->key && e[x - 1].anchor >= r[k].t - WINDOW_NS) {
			x--;
			if (e[x].have & bit) {
				m->fig[r[k].view].duplicates++;
				ent_of[r[k].view][r[k].i] = SIZE_MAX;
				continue;
			}
		} else {
			x = ne++;
			e[x] = (struct entry){ .key = s->key, .flow = s->flow, .anchor = r[k].t };
		}
		e[x].have |= bit;
		e[x].copy[r[k].view] = r[k].i;
		ent_of[r[k].view][r[k].i] = x;
	}
	/* The packets, in the order they were first seen. */
	for (size_t x = 0; x < ne; x++) {
		bool damaged = false;
		size_t src = anchor;

		for (size_t v = 0; v < nviews; v++)
			damaged |= (e[x].have >> v & 1u) && views[v].sp[e[x].copy[v]].damaged;
		while (ref == UNION && !(e[x].have >> src & 1u))
			src++;
		if (e[x].have & ref_mask)
			e[x].order = ++rank;
		for (size_t v = 0; v < nviews; v++) {
			bool held = e[x].have >> v & 1u;

			if (v == ref)
				continue;
			if (!e[x].order) {
				m->fig[v].extra += held;
				if (held)
					out_add(m, (struct out_frame){ v, v, e[x].copy[v], false });
			} else if (held) {
				m->fig[v].matched++;
				burst_end(m, &open[v]);
			} else {
				m->fig[v].missed++;
				m->fig[v].damaged_dropped += damaged;
				if (damaged || !carried(v, e[x].flow, e[x].anchor))
					continue;
				m->fig[v].missed_in_seen_flows++;
				burst_add(m, &open[v], v, src, e[x].copy[src]);
				out_add(m, (struct out_frame){ v, src, e[x].copy[src], true });
			}
		}
	}
	for (size_t v = 0; v < nviews; v++) {
		burst_end(m, &open[v]);
		m->fig[v].ref_frames = rank;
	}
	m->uni = (struct figures){ .ref_frames = rank, .frames = rank, .matched = rank };
	if (ref != UNION)
		m->fig[ref].matched = rank;
	model_flows(m, ref_mask);
	model_order(m, e, ne, ent_of);
	for (size_t v = 0; v < nviews; v++)
		free(ent_of[v]);
	free(r);
	free(e);
}

static void model_free(struct model *m)
{
	free(m->out);
	m->out = NULL;
}

/* ---- comparison.csv, missed.csv and the pcaps against the model ---- */

/* Assets of assets.csv seen by view (label), or by any view ("union"). */
static bool asset_seen(size_t row, const char *label)
{
	char col[64];
	bool any = false;

	for (size_t v = 0; v < nviews && strcmp(label, "union") == 0; v++)
		any |= asset_seen(row, views[v].label);
	snprintf(col, sizeof col, "seen_%s", label);
	return any || (csv_table_get(&assets, row, col) && strcmp(csv_table_get(&assets, row, col), "yes") == 0);
}

static void expect_cell(size_t r, const char *label, const char *col, const char *want)
{
	cr_expect(same(cell(&cmp, r, col), want), "%s: view %s, %s", context, label, col);
}

static void expect_u64(size_t r, const char *label, const char *col, uint64_t want)
{
	char s[32];

	snprintf(s, sizeof s, "%" PRIu64, want);
	expect_cell(r, label, col, s);
}

/* Every figure of one row: the counts, the clock (exact: every copy keeps
 * the stamps it was given), the timing (0: no copy delays one packet more
 * than another) and the assets of assets.csv. */
static void expect_row(const char *label, const char *ref_label, const struct figures *want)
{
	static const char *const zero_cols[] = {
		"delay_p50_ns", "delay_p95_ns", "delay_p99_ns", "delay_max_ns",
		"iat_distortion_p50_ns", "iat_distortion_p99_ns", "iat_distortion_max_ns",
	};
	size_t r = row_of(&cmp, label);
	uint64_t a_ref = 0, a_seen = 0, a_missed = 0;
	char s[32];

	expect_cell(r, label, "reference", ref_label);
	for (size_t c = 0; c < sizeof count_cols / sizeof count_cols[0]; c++)
		expect_u64(r, label, count_cols[c].name,
			   *(const uint64_t *)(const void *)((const char *)want + count_cols[c].off));
	snprintf(s, sizeof s, "%" PRId64, want->offset_ns);
	expect_cell(r, label, "offset_ns", s);
	expect_cell(r, label, "drift_ppm", "0.000");
	for (size_t c = 0; c < sizeof zero_cols / sizeof zero_cols[0]; c++)
		expect_cell(r, label, zero_cols[c], "0");
	for (size_t a = 1; a < assets.rows; a++) {
		bool in_ref = asset_seen(a, ref_label), seen = asset_seen(a, label);

		a_ref += in_ref;
		a_seen += seen;
		a_missed += in_ref && !seen;
	}
	expect_u64(r, label, "assets_ref", a_ref);
	expect_u64(r, label, "assets_seen", a_seen);
	expect_u64(r, label, "assets_missed", a_missed);
	cr_expect(ne(sz, strlen(cell(&cmp, r, "verdict")), 0), "%s: view %s, a verdict", context, label);
}

static void iso(char out[48], int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	char day[32];
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 48, "%s.%09dZ", day, (int)(ns % 1000000000));
}

/* missed.csv: one row per burst, naming the capture and frames (from 1)
 * of the view that holds it. */
static void expect_missed(const struct model *m, const char *ref_label)
{
	cr_expect(eq(sz, missed.rows - 1, m->nbursts), "%s: missed.csv rows", context);
	for (size_t b = 0; b < m->nbursts; b++) {
		const struct burst *bu = &m->bursts[b];
		const struct view *src = &views[bu->src];
		char first[32], want[48];
		size_t r = 1;

		snprintf(first, sizeof first, "%zu", bu->first + 1);
		while (r < missed.rows && (strcmp(cell(&missed, r, "view"), views[bu->view].label) != 0 ||
					   strcmp(cell(&missed, r, "first_frame"), first) != 0))
			r++;
		cr_assert(lt(sz, r, missed.rows), "%s: no missed.csv row: view %s, first_frame %s", context,
			  views[bu->view].label, first);
		cr_expect(same(cell(&missed, r, "reference"), ref_label));
		cr_expect(same(cell(&missed, r, "capture"), src->path));
		snprintf(want, sizeof want, "%zu", bu->last + 1);
		cr_expect(same(cell(&missed, r, "last_frame"), want), "burst from %s", first);
		snprintf(want, sizeof want, "%" PRIu64, bu->packets);
		cr_expect(same(cell(&missed, r, "packets"), want), "burst from %s", first);
		iso(want, src->cap.f[bu->first].ts_ns);
		cr_expect(same(cell(&missed, r, "first_ts"), want), "burst from %s", first);
		iso(want, src->cap.f[bu->last].ts_ns);
		cr_expect(same(cell(&missed, r, "last_ts"), want), "burst from %s", first);
	}
}

/* The pcap --write-missed (missed) or --write-extra wrote for view v:
 * exactly the frames the model lists, in its order, byte for byte. */
static void expect_written(const struct model *m, size_t v, bool missed_frames, const char *path)
{
	struct pcapedit got = { .n = 0 };
	size_t k = 0, want = 0;

	for (size_t j = 0; j < m->nout; j++)
		want += m->out[j].view == v && m->out[j].missed == missed_frames;
	cr_assert(pcapedit_read(&got, path));
	cr_assert(eq(sz, got.n, want), "%s: %s: frames written", context, path);
	for (size_t j = 0; j < m->nout; j++) {
		const struct out_frame *o = &m->out[j];
		char what[PATH_SIZE + 64];

		if (o->view != v || o->missed != missed_frames)
			continue;
		snprintf(what, sizeof what, "%s: frame %zu, from %s", path, k + 1, views[o->src].label);
		cr_expect(pcapedit_same(&got.f[k++], &views[o->src].cap.f[o->rec], what));
	}
	pcapedit_free(&got);
}

/* comparison.csv and missed.csv against the model: the reference's row
 * first, then the views in command-line order. */
static void expect_model(const struct model *m)
{
	const char *ref_label = m->ref == UNION ? "union" : views[m->ref].label;

	cr_assert(eq(sz, cmp.rows, nviews + 1 + (m->ref == UNION)), "one row per view (and the union)");
	cr_expect(same(cell(&cmp, 1, "view"), ref_label), "the reference first");
	for (size_t v = 0, r = 2; v < nviews; v++)
		if (v != m->ref)
			cr_expect(same(cell(&cmp, r++, "view"), views[v].label), "command-line order");
	if (m->ref == UNION)
		expect_row("union", "union", &m->uni);
	for (size_t v = 0; v < nviews; v++)
		expect_row(views[v].label, ref_label, &m->fig[v]);
	expect_missed(m, ref_label);
}

/* Runs tapsight over the views (label=path, in order) against reference
 * ref (--reference unless it is the view labelled tap, or the union) and
 * checks everything against the model; with pcap_option (--write-missed
 * or --write-extra, or NULL) writing WORK/written.pcap, checks the pcap of
 * every compared view (written-LABEL.pcap when there are several). */
static void compare_views(struct model *m, size_t ref, const char *pcap_option)
{
	size_t compared = nviews - (ref != UNION);
	char args[4096], path[PATH_SIZE], name[64];
	size_t n = 0;

	if (ref != UNION && strcmp(views[ref].label, "tap") != 0)
		n += (size_t)snprintf(args + n, sizeof args - n, " --reference %s", views[ref].label);
	path_in(path, "written.pcap");
	if (pcap_option)
		n += (size_t)snprintf(args + n, sizeof args - n, " %s '%s'", pcap_option, path);
	for (size_t v = 0; v < nviews; v++)
		n += (size_t)snprintf(args + n, sizeof args - n, " %s='%s'", views[v].label, views[v].path);
	cr_assert(lt(sz, n, sizeof args));
	snprintf(context, sizeof context, "%s vs %s", strrchr(views[0].path, '/') + 1,
		 strrchr(views[nviews - 1].path, '/') + 1);
	cr_assert(eq(int, tapsight(args), 0), "tapsight %s", args);
	model_run(m, ref);
	expect_model(m);
	for (size_t v = 0; pcap_option && v < nviews; v++) {
		if (v == ref)
			continue;
		snprintf(name, sizeof name, "written-%.31s.pcap", views[v].label);
		if (compared > 1)
			path_in(path, name);
		expect_written(m, v, strcmp(pcap_option, "--write-missed") == 0, path);
	}
}

/* tap=orig against label=copy, which shifted the stamps by shift_ns. */
static void compare_copy(struct model *m, const char *orig, const char *label, const char *copy, int64_t shift_ns,
			 const char *pcap_option)
{
	view_set(0, "tap", orig, 0);
	view_set(1, label, copy, shift_ns);
	compare_views(m, 0, pcap_option);
}

/* ---- the hand-built capture ---- */

/*
 * 400 frames, 25 ms apart (plus a few ns: stamps in nanoseconds), of a
 * small plant; every frame is unique (IP IDs, sequence numbers and
 * counters change), so it has no duplicate of its own.  By i % 10:
 *   0, 5  UDP plc -> io 2222, checksummed, 100 bytes (cyclic I/O)
 *   1     UDP io -> plc 2222, no checksum: its first 32 of 60 bytes count
 *   2, 6  TCP hmi -> plc 502, 12 bytes (a Modbus request)
 *   3, 7  TCP plc -> hmi, 120 bytes (its answer)
 *   4, 9  GOOSE (EtherType 0x88b8) ied -> 01:0c:cd:01:00:01, 72 bytes
 *         with a counter in them
 *   8     ARP request, broadcast, from plc (i / 10 even) or hmi (odd), for
 *         a new address each time (padded to 60 bytes)
 * except every i % 50 == 25: SNMP trap (UDP 162) agent -> manager, a flow
 * of 8 packets no other frame shares, its hosts in no other frame.
 * Flows, one direction: 8; assets (senders): plc, io, hmi, ied, agent.
 */
#define N_BUILT 400
#define T0_NS (INT64_C(1700000000) * 1000000000 + 123456789)
#define GAP_NS INT64_C(25000000)
#define VLAN_TCI ((3u << 13) | 100u)

struct host {
	uint8_t mac[6];
	uint32_t ip;
};

static const struct host plc = { { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x01 }, 0x0a000001 },
			 io = { { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x02 }, 0x0a000002 },
			 hmi = { { 0x00, 0x0c, 0x29, 0x00, 0x00, 0x03 }, 0x0a000003 },
			 ied = { { 0x00, 0x30, 0xa7, 0x00, 0x00, 0x04 }, 0 },
			 agent = { { 0x00, 0x0c, 0x29, 0x00, 0x00, 0x05 }, 0x0a000005 },
			 manager = { { 0x00, 0x0c, 0x29, 0x00, 0x00, 0x06 }, 0x0a000006 };
static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		     goose_dst[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };

static void eth(struct bytes *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type, bool tagged)
{
	frame_eth(b, dst, src, tagged ? 0x8100 : type);
	if (tagged)
		frame_tag(b, VLAN_TCI, type);
}

/* The IPv4 header with its own identification (frame_ipv4() writes one ID). */
static size_t ipv4(struct bytes *b, uint8_t proto, const struct host *src, const struct host *dst, size_t payload,
		   uint16_t id)
{
	size_t at = b->len;
	uint16_t sum;

	frame_ipv4(b, proto, src->ip, dst->ip, payload);
	b->p[at + 4] = (uint8_t)(id >> 8);
	b->p[at + 5] = (uint8_t)id;
	b->p[at + 10] = b->p[at + 11] = 0;
	sum = (uint16_t)~frame_fold(frame_sum(0, b->p + at, 20));
	b->p[at + 10] = (uint8_t)(sum >> 8);
	b->p[at + 11] = (uint8_t)sum;
	return at;
}

/* n payload bytes: a 32-bit counter, then a pattern. */
static void payload(struct bytes *b, size_t n, uint32_t counter)
{
	bytes_u32(b, counter, true);
	for (size_t i = 4; i < n; i++)
		bytes_u8(b, (uint8_t)(i * 7 + 3));
}

/* The transport checksum of the segment from l4 to the end, over the
 * IPv4 pseudo-header (RFC 768, RFC 793), written at l4 + at. */
static void l4_sum(struct bytes *b, size_t ip, size_t l4, size_t at)
{
	uint32_t sum = frame_sum(0, b->p + ip + 12, 8) + b->p[ip + 9] + (uint32_t)(b->len - l4);
	uint16_t c = (uint16_t)~frame_fold(frame_sum(sum, b->p + l4, b->len - l4));

	c = c ? c : 0xffff;
	b->p[l4 + at] = (uint8_t)(c >> 8);
	b->p[l4 + at + 1] = (uint8_t)c;
}

static void udp(struct bytes *b, const struct host *src, const struct host *dst, uint16_t port, size_t n,
		bool checksum, size_t i, bool tagged)
{
	size_t ip;

	eth(b, dst->mac, src->mac, 0x0800, tagged);
	ip = ipv4(b, 17, src, dst, 8 + n, (uint16_t)(0x4000 + i));
	frame_udp(b, port, port, n);
	payload(b, n, (uint32_t)i);
	if (checksum)
		l4_sum(b, ip, ip + 20, 6);
}

static void tcp(struct bytes *b, const struct host *src, const struct host *dst, bool request, size_t i,
		bool tagged)
{
	size_t ip, n = request ? 12 : 120;

	eth(b, dst->mac, src->mac, 0x0800, tagged);
	ip = ipv4(b, 6, src, dst, 20 + n, (uint16_t)(0x4000 + i));
	bytes_u16(b, request ? 49152 : 502, true);
	bytes_u16(b, request ? 502 : 49152, true);
	bytes_u32(b, (uint32_t)(1000 + (request ? 12 : 120) * i), true);	/* seq */
	bytes_u32(b, (uint32_t)(5000 + i), true);				/* ack */
	bytes_u16(b, 0x5018, true);	/* 20-byte header, PSH ACK */
	bytes_u16(b, 8192, true);	/* window */
	bytes_u32(b, 0, true);		/* checksum, urgent pointer */
	payload(b, n, (uint32_t)i);
	l4_sum(b, ip, ip + 20, 16);
}

static void built_frame(struct bytes *b, size_t i, bool tagged)
{
	const struct host *asker = (i / 10) % 2 ? &hmi : &plc;

	if (i % 50 == 25) {
		udp(b, &agent, &manager, 162, 50, true, i, tagged);
		return;
	}
	switch (i % 10) {
	case 0: case 5:
		udp(b, &plc, &io, 2222, 100, true, i, tagged);
		break;
	case 1:
		udp(b, &io, &plc, 2222, 60, false, i, tagged);
		break;
	case 2: case 6:
		tcp(b, &hmi, &plc, true, i, tagged);
		break;
	case 3: case 7:
		tcp(b, &plc, &hmi, false, i, tagged);
		break;
	case 8:
		eth(b, broadcast, asker->mac, 0x0806, tagged);
		bytes_put(b, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8);
		bytes_put(b, asker->mac, 6);
		bytes_u32(b, asker->ip, true);
		bytes_zeros(b, 6);
		bytes_u32(b, 0x0a000100 + (uint32_t)(i / 10), true);
		break;
	default:
		eth(b, goose_dst, ied.mac, 0x88b8, tagged);
		bytes_u16(b, 0x0001, true);	/* APPID */
		bytes_u16(b, 58, true);		/* length */
		bytes_u32(b, 0, true);		/* reserved */
		payload(b, 50, (uint32_t)i);	/* 72 bytes: whole within the snaplen of 86 */
		break;
	}
	if (b->len < 60u + 4u * tagged)
		bytes_zeros(b, 60u + 4u * tagged - b->len);	/* Ethernet padding */
}

/* Writes the built capture (tagged: an 802.1Q tag in every frame) to
 * WORK/name; its path. */
static const char *built_write(const char *name, bool tagged)
{
	static char path[2][PATH_SIZE];
	char *p = path[tagged];
	struct pcapedit c = { .linktype = 1 };

	for (size_t i = 0; i < N_BUILT; i++) {
		struct bytes b = { 0 };

		built_frame(&b, i, tagged);
		pcapedit_add(&c, T0_NS + (int64_t)i * GAP_NS + (int64_t)(i * 7919 % 1000), b.p, (uint32_t)b.len,
			     (uint32_t)b.len);
		bytes_free(&b);
	}
	path_in(p, name);
	cr_assert(pcapedit_write(&c, p));
	pcapedit_free(&c);
	return p;
}

/*
 * The deletions (editcap's frame numbers, from 1) and what each is:
 *   19       hmi's first ARP request: its flow is carried from frame 39,
 *            500 ms later: not carried by then, outside the view's scope
 *   26 76 126 176 226 276 326 376   every SNMP trap: a flow never carried
 *   73-75    lost (a burst of 3: 76 after it is out of scope, no part of it)
 *   121-130  lost but 126 (the trap): one burst of 9, from 121 to 130
 *   201      lost alone
 *   398-400  lost, the last frames (a burst of 3 ended by the end)
 * 25 deleted: 16 lost in 4 bursts, 9 outside the scope.
 */
#define CUT_FRAMES "19 26 73-76 121-130 176 201 226 276 326 376 398-400"
#define CUT_DELETED 25
#define CUT_LOST 16

static const char *built_cut(void)
{
	return editcap("cut.pcap", "", built_write("built.pcap", false), CUT_FRAMES);
}

Test(compare_edit, built_capture_against_itself_is_identical_in_every_figure)
{
	const char *orig = built_write("built.pcap", false);
	struct model m;

	compare_copy(&m, orig, "span", orig, 0, NULL);
	/* What the model says, spelled out. */
	cr_assert(eq(u64, m.fig[1].matched, N_BUILT));
	cr_assert(eq(u64, m.fig[1].missed + m.fig[1].extra + m.fig[1].duplicates, 0));
	cr_assert(eq(u64, m.fig[1].flows_ref, 8));
	cr_expect(same(cell(&cmp, row_of(&cmp, "span"), "assets_seen"), "5"));
	cr_expect(same(cell(&cmp, row_of(&cmp, "tap"), "rank"), "1"));
	cr_expect(same(cell(&cmp, row_of(&cmp, "span"), "rank"), "2"));
	model_free(&m);
}

Test(compare_edit, deleted_frames_are_missed_and_lost_only_where_the_flow_was_carried)
{
	const char *orig = built_write("built.pcap", false), *cut = built_cut();
	struct model m;

	compare_copy(&m, orig, "span", cut, 0, "--write-missed");
	cr_assert(eq(sz, views[1].cap.n, N_BUILT - CUT_DELETED));
	cr_assert(eq(u64, m.fig[1].missed, CUT_DELETED));
	cr_assert(eq(u64, m.fig[1].missed_in_seen_flows, CUT_LOST));
	cr_assert(eq(u64, m.fig[1].missed_bursts, 4));
	cr_assert(eq(u64, m.fig[1].flows_missed, 1));
	cr_assert(eq(sz, m.bursts[0].last + 1, 75));
	cr_assert(eq(sz, m.bursts[1].first + 1, 121));
	cr_assert(eq(sz, m.bursts[1].last + 1, 130));
	cr_assert(eq(u64, m.bursts[1].packets, 9));
	/* The SNMP agent sent nothing else. */
	cr_expect(same(cell(&cmp, row_of(&cmp, "span"), "assets_missed"), "1"));
	cr_expect(same(cell(&cmp, row_of(&cmp, "span"), "rank"), "2"));
	model_free(&m);
}

Test(compare_edit, shifted_copy_has_the_shift_as_clock_offset_and_matches_everything)
{
	const char *orig = built_write("built.pcap", false);
	struct model m;

	compare_copy(&m, orig, "span", editcap("shifted.pcap", "-t 3.5", orig, ""), SHIFT_NS, NULL);
	cr_assert(eq(i64, views[1].cap.f[0].ts_ns - views[0].cap.f[0].ts_ns, SHIFT_NS));
	cr_assert(eq(u64, m.fig[1].matched, N_BUILT));
	cr_assert(eq(i64, m.fig[1].offset_ns, SHIFT_NS));
	model_free(&m);
}

/* 14 + 20 + 20 + 32: the headers of a TCP segment and 32 payload bytes
 * (the non-IP frames, whose first 256 bytes count, are shorter). */
Test(compare_edit, copy_cut_to_86_bytes_matches_everything)
{
	const char *orig = built_write("built.pcap", false);
	struct model m;
	size_t shorter = 0;

	compare_copy(&m, orig, "span", editcap("snap.pcap", "-s 86", orig, ""), 0, NULL);
	for (size_t i = 0; i < views[1].cap.n; i++)
		shorter += views[1].cap.f[i].caplen < views[1].cap.f[i].origlen;
	cr_assert(eq(sz, shorter, N_BUILT - 200), "frames cut: all but the TCP requests, ARP and GOOSE");
	cr_assert(eq(u64, m.fig[1].matched, N_BUILT));
	model_free(&m);
}

Test(compare_edit, vlan_tagged_copy_matches_everything)
{
	const char *orig = built_write("built.pcap", false), *tagged = built_write("tagged.pcap", true);
	struct model m;

	compare_copy(&m, orig, "rspan", tagged, 0, NULL);
	cr_assert(eq(u64, m.fig[1].matched, N_BUILT));
	model_free(&m);
}

Test(compare_edit, copy_merged_with_itself_has_every_frame_once_more_as_duplicate)
{
	const char *orig = built_write("built.pcap", false);
	char doubled[PATH_SIZE];
	struct model m;

	path_in(doubled, "doubled.pcapng");
	TOOL("mergecap -w '%s' '%s' '%s'", doubled, orig, orig);
	compare_copy(&m, orig, "span", doubled, 0, NULL);
	cr_assert(eq(sz, views[1].cap.n, 2 * N_BUILT));
	cr_assert(eq(u64, m.fig[1].matched, N_BUILT));
	cr_assert(eq(u64, m.fig[1].duplicates, N_BUILT));
	model_free(&m);
}

Test(compare_edit, original_against_the_cut_copy_as_reference_has_the_deleted_as_extra)
{
	const char *orig = built_write("built.pcap", false), *cut = built_cut();
	struct model m;

	view_set(0, "full", orig, 0);
	view_set(1, "cut", cut, 0);
	compare_views(&m, 1, "--write-extra");
	cr_assert(eq(u64, m.fig[0].extra, CUT_DELETED));
	cr_assert(eq(u64, m.fig[0].matched, N_BUILT - CUT_DELETED));
	cr_assert(eq(u64, m.fig[0].missed, 0));
	cr_assert(eq(u64, m.fig[0].flows_seen, m.fig[0].flows_ref + 1));
	model_free(&m);
}

/*
 * Three copies, none labelled tap: the reference is the union.  Each lacks
 * a run of 10 and all lack 301-305; m3 also lacks every SNMP trap (a flow
 * it never carries).  A run one view lacks is named in missed.csv by the
 * first view that holds it, in that copy's own frame numbers.
 */
Test(compare_edit, three_copies_without_a_tap_are_compared_with_their_union)
{
	const char *orig = built_write("built.pcap", false);
	static const char *const cuts[3] = { "41-50 301-305", "101-110 301-305",
					     "151-160 301-305 26 76 126 176 226 276 326 376" };
	static const char *const labels[3] = { "m1", "m2", "m3" };
	struct model m;

	for (size_t v = 0; v < 3; v++)
		view_set(v, labels[v], editcap(labels[v], "", orig, cuts[v]), 0);
	compare_views(&m, UNION, "--write-missed");
	cr_assert(eq(u64, m.uni.ref_frames, N_BUILT - 5));
	cr_assert(eq(u64, m.fig[2].missed, 18));
	cr_assert(eq(u64, m.fig[2].missed_in_seen_flows, 10));
	cr_assert(eq(sz, m.bursts[0].src, 1));
	cr_assert(eq(sz, m.bursts[0].first + 1, 41));	/* m1's run, in m2's numbers */
	cr_assert(eq(sz, m.bursts[1].src, 0));
	cr_assert(eq(sz, m.bursts[1].first + 1, 91));	/* m2's run, in m1's numbers */
	cr_expect(same(cell(&cmp, row_of(&cmp, "m3"), "rank"), "3"));
	model_free(&m);
}

/* ---- the corpus ---- */

struct corpus_case {
	char rel[96];		/* in the corpus */
	char cut[64];		/* editcap's frames to delete */
	unsigned snaplen;	/* headers + 32 bytes of payload (spec) */
	/* What the spec makes of them (the model must agree): the capture's
	 * own duplicates; of the cut copy, the missed reference packets, the
	 * lost ones, their bursts, the damaged ones. */
	uint64_t duplicates, missed, lost, bursts, damaged_dropped;
};

/*
 * An Ethernet ICS capture (MMS over TCP, GOOSE, SNMP, NTP...): its GOOSE
 * repeats within 100 ms differ in stNum/sqNum, within the 256 bytes a
 * non-IP fingerprint holds: no duplicate (editcap -w 0.1 removes none
 * either).  Cut: 60-69 lost (established flows); 85 a TCP flow's first
 * packet, its next 2.5 s later, and 96, 97 flows of one packet: outside
 * the scope; 180-181 GOOSE messages of a flow carried: lost, so 15 missed,
 * 12 lost in 2 bursts.  Snaplen 300: 18 + 256 bytes keep a GOOSE
 * fingerprint whole.
 *
 * 802.1Q-tagged ICMP and CDP (LLC/SNAP, 4 of them tagged; snaplen 300
 * holds the 18 + 256 bytes of a non-IP fingerprint).  Cut: 5-7 lost, 22 a
 * CDP frame alone in its flow.
 *
 * A pcapng with stamps in ns, HART-IP over TCP (two flows).  Cut: four
 * bursts, the last ended by the end of the capture.
 *
 * A Linux cooked capture of IPv6 (TCP with 12 bytes of options: 16 + 40 +
 * 32 + 32 = 120).  Cut: 1 an ICMPv6 flow of one packet; 5-6 lost.
 *
 * S7comm whose TCP ACKs from one side are 54 bytes (runts: damaged).  Cut:
 * 4 an ARP alone, 166 a SYN whose flow comes back (240) only 6 s later,
 * both outside the scope; 60-69 lost; 238 lost, 239 a runt (dropped, not
 * lost), 240: 15 missed, 11 lost in 2 bursts, 1 damaged dropped.
 */
ParameterizedTestParameters(compare_edit, corpus_capture_against_its_edited_copies)
{
	static struct corpus_case cases[] = {
		{ "ics/iec61850/Sample_File_MMS_and_GOOSE.pcap", "60-69 85 96-97 180-181", 300, 0, 15, 12, 2, 0 },
		{ "encap/vlan/VlanPackets.pcap", "5-7 22", 300, 0, 4, 3, 1, 0 },
		{ "ics/other/hart-ip_all_types_and_commands_sent.pcapng", "20-29 77 140 156-157", 86, 0, 14, 14, 4, 0 },
		{ "ics/other/c1222_over_ipv6.pcap", "1 5-6", 120, 0, 3, 2, 1, 0 },
		{ "ics/s7comm/s7comm_reading_plc_status.pcap", "4 60-69 166 238-240", 86, 0, 15, 11, 2, 1 },
	};

	return cr_make_param_array(struct corpus_case, cases, sizeof cases / sizeof cases[0]);
}

/* The capture against itself, against a copy with frames deleted (and
 * the pcap of what it lost), one shifted by 3.5 s and one cut to the
 * snaplen: each copy as editcap wrote it. */
ParameterizedTest(struct corpus_case *k, compare_edit, corpus_capture_against_its_edited_copies)
{
	const char *orig = corpus_file(k->rel);
	char snaplen[16];
	struct model m;

	compare_copy(&m, orig, "span", orig, 0, NULL);
	cr_assert(eq(u64, m.fig[0].duplicates, k->duplicates));
	model_free(&m);

	compare_copy(&m, orig, "span", editcap("cut", "", orig, k->cut), 0, "--write-missed");
	cr_assert(eq(u64, m.fig[1].missed, k->missed));
	cr_assert(eq(u64, m.fig[1].missed_in_seen_flows, k->lost));
	cr_assert(eq(u64, m.fig[1].missed_bursts, k->bursts));
	cr_assert(eq(u64, m.fig[1].damaged_dropped, k->damaged_dropped));
	model_free(&m);

	compare_copy(&m, orig, "span", editcap("shifted", "-t 3.5", orig, ""), SHIFT_NS, NULL);
	model_free(&m);

	snprintf(snaplen, sizeof snaplen, "-s %u", k->snaplen);
	compare_copy(&m, orig, "span", editcap("snap", snaplen, orig, ""), 0, NULL);
	model_free(&m);
}

/* ---- the command line ---- */

Test(compare_edit, reference_naming_no_view_is_a_usage_error_naming_it)
{
	const char *orig = built_write("built.pcap", false);
	char args[2 * PATH_SIZE + 64], err[PATH_SIZE], text[1024] = "";
	FILE *f;

	snprintf(args, sizeof args, "--reference nosuch tap='%s' span='%s'", orig, orig);
	cr_assert(eq(int, tapsight(args), 2));
	path_in(err, "err");
	f = fopen(err, "r");
	cr_assert(f != NULL);
	text[fread(text, 1, sizeof text - 1, f)] = '\0';
	fclose(f);
	cr_expect(strstr(text, "nosuch") != NULL, "stderr: %s", text);
}

Test(compare_edit, match_window_not_a_number_is_a_usage_error)
{
	const char *orig = built_write("built.pcap", false);
	char args[2 * PATH_SIZE + 64];

	snprintf(args, sizeof args, "--match-window abc tap='%s' span='%s'", orig, orig);
	cr_assert(eq(int, tapsight(args), 2));
}
