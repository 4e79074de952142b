/*
 * test_flows_corpus.c - flows.csv (analyzer/flow.c, reports/flows_csv.c,
 * with the decoder of formats/decode*.c underneath) against tshark, over the
 * shared corpus of real public captures.
 *
 * The corpus is $TAPSIGHT_CAPTURES, or ../shared/captures from the top of
 * the repository (where the suite runs); the binary is $TAPSIGHT_BIN, or
 * build/release/tapsight.  The corpus is never copied into the project:
 * every test here skips, saying so, when it is absent.
 *
 * The oracle is Wireshark 4.0's tshark, run once per capture:
 *
 *   tshark -n -r FILE -T fields -e frame.number -e frame.len -e frame.protocols
 *          -e ip.src ... -z conv,tcp -z conv,udp
 *
 * which prints one line of fields per frame and then the two conversation
 * tables.  A table row reads
 *
 *   A:port <-> B:port   F1 N1 unit   F2 N2 unit   F N unit   start duration
 *
 * where the first pair of columns ("<-") counts the frames and bytes B sent
 * to A, the second ("->") those A sent to B (checked on modbusSmall.pcap:
 * the client, A, sent the 6 frames of 418 bytes in "->").  Bytes are frame
 * lengths (frame.len, the original length) printed by Wireshark's
 * format_size(): exact below 10000 ("8580 bytes"), else truncated to whole
 * kB, MB, ... ("230 kB" is 230000 to 230999 bytes).  Frames are exact.
 * Conversations are keyed on address/port pairs and on tcp.stream or
 * udp.stream: one pair can take several rows.
 *
 * The per-frame lines give the same conversations exactly: every TCP or UDP
 * header tshark dissects outside an ICMP error is one frame of the
 * conversation between the IP header around it and its ports.  The test
 * sums those, checks the sums against the tables (frames equal, bytes within
 * what the table prints), and then compares flows.csv with the exact sums.
 *
 * Differences by design, each turned into an expectation per frame and
 * checked (never ignored):
 *
 *  (a) Tunnels carried by UDP that tapsight opens (VXLAN, Geneve, MPLS over
 *      UDP: tshark dissects a UDP header followed by vxlan, geneve or mpls):
 *      tshark lists the outer UDP conversation and the inner ones; tapsight
 *      keys each frame on its inner packet only, so the outer frames are not
 *      in any tcp/udp flow.  GRE, ERSPAN and MPLS are not UDP: tshark's
 *      tables already show the inner conversations there.
 *  (b) tshark splits one address/port pair into several rows by tcp.stream
 *      or udp.stream (a port reused after a close; SNMP's first request in
 *      Sample_File_MMS_and_GOOSE.pcap gets a udp.stream of its own); rows of
 *      either side with the same pair are summed before comparing, and the
 *      row counts are only logged.
 *  (c) IP fragments: tshark reassembles and counts the datagram once, at
 *      the frame that completed it, with that frame's length; tapsight does
 *      not reassemble and counts the first fragment (the only one with the
 *      transport header), with its length.  Same frames, bytes differ by
 *      len(first fragment) - len(completing fragment) per datagram
 *      (erspan.pcap: its outer IPv4 packets are fragmented).
 *  (d) ICMP errors quoting a UDP or TCP header: tshark does not count them
 *      in conv,udp/conv,tcp (checked: gre-sample.pcap frames 34, 36), and
 *      tapsight keys them as ICMP flows, so neither side has them.
 *  (e) Idle timeouts: tapsight ends a flow idle for more than 300 s (TCP) or
 *      60 s (UDP); tshark never does.  The comparison runs tapsight with
 *      --tcp-timeout/--udp-timeout/--other-timeout 86400, the longest it
 *      takes.  Flows idle for longer still are split, and summed as in (b)
 *      (profinet_io_cm_connect.pcapng joins captures from 2013 to 2021:
 *      44 rows in flows.csv for tshark's 38).
 *  (f) Encapsulations tapsight does not open (PPPoE, PPP in GRE, 802.1ah
 *      PBB, Cisco FabricPath, NFLOG, NSH over VXLAN-GPE, ...): tapsight
 *      stops at them, so the TCP/UDP conversations tshark finds inside are
 *      not flows.  A frame counts for tapsight only when every protocol
 *      tshark names before its transport header is one tapsight walks
 *      through (decoded_by_tapsight()).
 *  (g) tshark's tables leave out a TCP or UDP header its dissector gave up
 *      on ("[Malformed Packet: UDP]": the IPv4 total lengths inside
 *      FabricPath in cisco-fabric-path.pcap), though it prints its fields;
 *      the test reads them so (frame_walk()), and tapsight does not open
 *      FabricPath anyway.
 *
 * encapsulated_captures_give_inner_flows checks, with the same per-frame
 * fields, that every IP flow of the ERSPAN, GRE, VXLAN, Geneve, MPLS and
 * QinQ captures is keyed on the innermost IP header tapsight opens, with the
 * outermost tunnel as its encap and the frame's VLAN ids.
 *
 * gaps_match_tshark_lost_segments_after_editcap deletes data segments with
 * editcap and checks gaps, gap_bytes and the ws_* columns against tshark's
 * tcp.analysis.lost_segment and ack_lost_segment (see `deletions`).
 *
 * A test walks every file and collects every disagreement before it fails,
 * so one run shows them all.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/bytes.h"
#include "tests/support/csvread.h"

TestSuite(flows_corpus, .fini = tmpfile_cleanup);

#define MAX_FILES		256
/* ics/ and encap/ hold 97 captures and tshark lists 818 conversation rows
 * in them: fewer means the walk or a parser lost its way. */
#define MIN_FILES_COMPARED	90
#define MIN_CONVERSATIONS	600
#define MAX_REPORTED		400	/* problems listed in full; the rest counted */
/* tshark counts every frame: duplicates are kept in flows here (by
 * default tapsight leaves packets seen again within 10 ms out of them). */
#define NO_TIMEOUT		"--tcp-timeout 86400 --udp-timeout 86400 --other-timeout 86400 " \
				"--keep-duplicates"

/* ------------------------------------------------------------ plumbing */

static void format_whole(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void format_whole(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < len, "too long for %zu bytes: %s", len, buf);
}

static const char *corpus_dir(void)
{
	const char *d = getenv("TAPSIGHT_CAPTURES");

	return d && *d ? d : "../shared/captures";
}

static const char *tapsight_bin(void)
{
	const char *b = getenv("TAPSIGHT_BIN");

	return b && *b ? b : "build/release/tapsight";
}

static void need_corpus(void)
{
	struct stat st;

	if (stat(corpus_dir(), &st) != 0 || !S_ISDIR(st.st_mode))
		cr_skip_test("flows_corpus: %s not found (set TAPSIGHT_CAPTURES to the shared "
			     "captures)", corpus_dir());
}

/* Characters that would need more quoting than '...' in a shell command. */
static bool shell_safe(const char *s)
{
	return !strpbrk(s, "'\n\r");
}

static int rel_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

struct file_list {
	char rel[MAX_FILES][256];	/* path under the corpus, sorted */
	size_t n;
};

static void walk(struct file_list *fl, const char *rel)
{
	char path[1024];
	struct dirent *e;
	DIR *d;

	format_whole(path, sizeof path, "%s/%s", corpus_dir(), rel);
	d = opendir(path);
	cr_assert(d != NULL, "%s: %s", path, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char child[256], full[1300];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		format_whole(child, sizeof child, "%s/%s", rel, e->d_name);
		format_whole(full, sizeof full, "%s/%s", corpus_dir(), child);
		cr_assert(stat(full, &st) == 0, "%s: %s", full, strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			walk(fl, child);
			continue;
		}
		cr_assert(fl->n < MAX_FILES, "more than %d files under %s", MAX_FILES, path);
		cr_assert(shell_safe(child), "%s: a name these tests cannot quote", child);
		memcpy(fl->rel[fl->n++], child, sizeof child);
	}
	closedir(d);
}

static void list_folders(struct file_list *fl, const char *const *folders, size_t n)
{
	fl->n = 0;
	for (size_t i = 0; i < n; i++)
		walk(fl, folders[i]);
	qsort(fl->rel, fl->n, sizeof fl->rel[0], rel_cmp);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static char *slurp(const char *path);

/*
 * Runs the shell commands at most `jobs` at a time (tshark costs a fraction
 * of a second of start-up per file); each must exit 0.  A command that fails
 * is named with what it wrote to its file of error messages, errs[i] (the
 * sanitizers' reports, for tapsight under SAN=1).
 */
static void run_all(char *const *cmds, const char *const *errs, size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t jobs = cpus < 2 ? 2 : cpus > 4 ? 4 : (size_t)cpus;
	pid_t *pids = calloc(n ? n : 1, sizeof *pids);
	size_t next = 0, running = 0;

	cr_assert(pids != NULL);
	while (next < n || running > 0) {
		int st;
		pid_t p;

		while (running < jobs && next < n) {
			p = fork();
			cr_assert(p >= 0, "fork: %s", strerror(errno));
			if (p == 0) {
				execl("/bin/sh", "sh", "-c", cmds[next], (char *)NULL);
				_exit(127);
			}
			pids[next++] = p;
			running++;
		}
		p = waitpid(-1, &st, 0);
		cr_assert(p > 0, "waitpid: %s", strerror(errno));
		running--;
		for (size_t i = 0; i < next; i++) {
			bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
			char *said;

			if (pids[i] != p || ok)
				continue;
			said = errs && errs[i] ? slurp(errs[i]) : NULL;
			cr_assert(ok, "failed (status %d): %s\n%.4000s", st, cmds[i], said ? said : "");
		}
	}
	free(pids);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct bytes b = { 0 };
	char buf[65536];
	size_t n;

	cr_assert(f != NULL, "%s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		bytes_put(&b, buf, n);
	fclose(f);
	bytes_u8(&b, 0);
	return (char *)b.p;
}

/* Splits s in place at sep; an empty s gives no fields. */
static size_t split(char *s, char sep, char **out, size_t max)
{
	size_t n = 0;

	if (!*s)
		return 0;
	for (;;) {
		char *e = strchr(s, sep);

		cr_assert(n < max, "more than %zu fields in \"%s\"", max, s);
		out[n++] = s;
		if (!e)
			return n;
		*e = '\0';
		s = e + 1;
	}
}

/* The next line of a buffer read whole (CR and LF cut), or NULL at the end. */
static char *next_line(char **cursor)
{
	char *s = *cursor, *e;

	if (!s || !*s)
		return NULL;
	e = strchr(s, '\n');
	if (e) {
		*e = '\0';
		*cursor = e + 1;
	} else {
		*cursor = s + strlen(s);
	}
	if (*s && s[strlen(s) - 1] == '\r')
		s[strlen(s) - 1] = '\0';
	return s;
}

static uint64_t parse_u64(const char *s, bool *ok)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end || errno || *s == '-')
		*ok = false;
	return v;
}

/* ------------------------------------------------------------ reporting */

struct report {
	struct bytes text;
	size_t problems;
};

static void report_add(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report_add(struct report *r, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	r->problems++;
	if (r->problems > MAX_REPORTED)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	bytes_put(&r->text, "\n  ", 3);
	bytes_put(&r->text, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void report_done(struct report *r, const char *what)
{
	bytes_u8(&r->text, 0);
	cr_expect(r->problems == 0, "%zu %s:%s%s", r->problems, what, (const char *)r->text.p,
		  r->problems > MAX_REPORTED ? "\n  ... (only the first ones listed)" : "");
	bytes_free(&r->text);
}

/* ------------------------------------------------------------ endpoints */

struct endpoint {
	uint8_t family;		/* 4 or 6; 0 = none */
	uint8_t addr[16];
	uint16_t port;
};

static bool parse_ip(const char *s, struct endpoint *e)
{
	memset(e->addr, 0, sizeof e->addr);
	e->family = 0;
	if (inet_pton(AF_INET, s, e->addr) == 1)
		e->family = 4;
	else if (inet_pton(AF_INET6, s, e->addr) == 1)
		e->family = 6;
	return e->family != 0;
}

static int ep_cmp(const struct endpoint *a, const struct endpoint *b)
{
	int c = (int)a->family - (int)b->family;

	if (!c)
		c = memcmp(a->addr, b->addr, sizeof a->addr);
	if (!c)
		c = (int)a->port - (int)b->port;
	return c;
}

static void ep_str(const struct endpoint *e, bool port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (e->family)
		inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->addr, a, sizeof a);
	if (port)
		snprintf(buf, len, e->family == 6 ? "[%s]:%u" : "%s:%u", a, (unsigned)e->port);
	else
		snprintf(buf, len, "%s", a);
}

/* A conversation: a transport protocol and two endpoints, smaller first. */
struct conv_key {
	uint8_t proto;		/* 6 or 17 */
	struct endpoint ep[2];
};

/* Orders the endpoints; returns the side of `src` (0 or 1). */
static int key_make(struct conv_key *k, uint8_t proto, const struct endpoint *src,
		    const struct endpoint *dst)
{
	bool swap = ep_cmp(src, dst) > 0;

	k->proto = proto;
	k->ep[0] = swap ? *dst : *src;
	k->ep[1] = swap ? *src : *dst;
	return swap ? 1 : 0;
}

static bool key_eq(const struct conv_key *a, const struct conv_key *b)
{
	return a->proto == b->proto && ep_cmp(&a->ep[0], &b->ep[0]) == 0 &&
	       ep_cmp(&a->ep[1], &b->ep[1]) == 0;
}

static void key_str(const struct conv_key *k, char *buf, size_t len)
{
	char a[64], b[64];

	ep_str(&k->ep[0], true, a, sizeof a);
	ep_str(&k->ep[1], true, b, sizeof b);
	snprintf(buf, len, "%s %s <-> %s", k->proto == 6 ? "tcp" : "udp", a, b);
}

/* ------------------------------------------------------ tshark, per frame */

/*
 * The fields printed per frame (-E occurrence=a: every layer's value, joined
 * by commas, outermost first).  F_* name the columns.
 */
static const char *const frame_fields[] = {
	"frame.number", "frame.len", "frame.protocols", "ip.src", "ip.dst", "ipv6.src",
	"ipv6.dst", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
	"ip.frag_offset", "ip.flags.mf", "ipv6.fraghdr.offset", "ipv6.fraghdr.more",
	"ip.fragment", "ipv6.fragment", "erspan.version", "vlan.id", "ieee8021ad.id",
	"tcp.stream", "udp.stream", "_ws.malformed",
};
enum {
	F_NUMBER, F_LEN, F_PROTOCOLS, F_IP_SRC, F_IP_DST, F_IP6_SRC, F_IP6_DST, F_TCP_SPORT,
	F_TCP_DPORT, F_UDP_SPORT, F_UDP_DPORT, F_FRAG_OFF, F_FRAG_MF, F_FRAG6_OFF, F_FRAG6_MORE,
	F_FRAGMENTS, F_FRAGMENTS6, F_ERSPAN_VERSION, F_VLAN_ID, F_8021AD_ID, F_TCP_STREAM,
	F_UDP_STREAM, F_MALFORMED, F_COUNT
};

#define MAX_TOKENS	256
#define MAX_VALUES	16

/* One field's values, one per layer. */
struct values {
	char *v[MAX_VALUES];
	size_t n;
};

struct tshark_frame {
	uint64_t number, len;
	char *tok[MAX_TOKENS];	/* frame.protocols split at ':' */
	const char *malformed;	/* "[Malformed Packet: TCP]" where dissection stopped */
	size_t ntok;
	struct values f[F_COUNT];
};

/* Splits a per-frame line (in place); false if it is not one. */
static bool frame_parse(char *line, struct tshark_frame *fr)
{
	char *cols[F_COUNT + 1];
	bool ok = true;

	memset(fr, 0, sizeof *fr);
	if (split(line, '\t', cols, F_COUNT + 1) != F_COUNT)
		return false;
	fr->number = parse_u64(cols[F_NUMBER], &ok);
	fr->len = parse_u64(cols[F_LEN], &ok);
	for (size_t i = 0; i < F_COUNT; i++)
		if (i != F_PROTOCOLS && i != F_MALFORMED)
			fr->f[i].n = split(cols[i], ',', fr->f[i].v, MAX_VALUES);
	fr->malformed = cols[F_MALFORMED];
	fr->ntok = split(cols[F_PROTOCOLS], ':', fr->tok, MAX_TOKENS);
	return ok && fr->number > 0;
}

static const char *value(const struct tshark_frame *fr, int field, size_t i)
{
	return i < fr->f[field].n ? fr->f[field].v[i] : NULL;
}

/*
 * The protocols (frame.protocols names) tapsight's decoder walks through to
 * reach an inner packet: link layers, VLAN tags, LLC/SNAP, MPLS (with the
 * pseudowire control word), IPv4, IPv6 and its extension headers, GRE,
 * ERSPAN, VXLAN, Geneve (formats/decode*.c).  Anything else ends what
 * tapsight sees of a frame: by design, not every encapsulation is a mirror
 * encapsulation tapsight opens (difference (f)).
 */
static bool decoded_by_tapsight(const char *tok)
{
	static const char *const walked[] = {
		"eth", "ethertype", "vlan", "ieee8021ad", "llc", "sll", "null", "raw", "ip",
		"ipv6", "mpls", "pwethheuristic", "pwethcw", "gre", "erspan", "vxlan", "geneve",
	};

	for (size_t i = 0; i < sizeof walked / sizeof walked[0]; i++)
		if (strcmp(tok, walked[i]) == 0)
			return true;
	return strncmp(tok, "ipv6.", 5) == 0;	/* extension headers */
}

/* A UDP header followed by one of these is a tunnel tapsight opens
 * (formats/decode_transport.c: VXLAN 4789, Geneve 6081, MPLS 6635). */
static bool udp_tunnel(const char *next)
{
	return next && (strcmp(next, "vxlan") == 0 || strcmp(next, "geneve") == 0 ||
			strcmp(next, "mpls") == 0);
}

/* Any IP layer of the frame is a first fragment (offset 0, more to come). */
static bool first_fragment(const struct tshark_frame *fr)
{
	for (size_t i = 0; i < fr->f[F_FRAG_OFF].n; i++) {
		const char *mf = value(fr, F_FRAG_MF, i);

		if (strcmp(fr->f[F_FRAG_OFF].v[i], "0") == 0 && mf && strcmp(mf, "1") == 0)
			return true;
	}
	for (size_t i = 0; i < fr->f[F_FRAG6_OFF].n; i++) {
		const char *more = value(fr, F_FRAG6_MORE, i);

		if (strcmp(fr->f[F_FRAG6_OFF].v[i], "0") == 0 && more && strcmp(more, "1") == 0)
			return true;
	}
	return false;
}

/* One TCP or UDP header of a frame as tshark's conversation tables count it. */
struct transport {
	struct conv_key key;
	int side;		/* the sender's side in key */
	bool counted;		/* tapsight counts it in this conversation */
	bool tunnel;		/* ... not, because it carries a tunnel tapsight opens */
	bool in_table;		/* tshark's table counts it */
};

/* A frame as tapsight should see it. */
struct frame_view {
	/* Every TCP/UDP header outside an ICMP error, outermost first. */
	struct transport t[4];
	size_t nt;
	bool bad;		/* fields tshark printed that this test cannot follow */
	/* The innermost IP header tapsight reaches (encapsulated_*). */
	bool has_ip;
	struct endpoint ip_src, ip_dst;	/* ports 0 */
	char stopped_at[32];	/* what ended tapsight's walk before the end, if anything */
	char encap[16];		/* the outermost tunnel entered, as tp_encap_name() names it */
	uint16_t vlans[8];	/* VLAN ids met, outermost first */
	size_t nvlans;
};

static bool endpoint_of(const struct tshark_frame *fr, bool v6, size_t ip, bool src,
			struct endpoint *e)
{
	const char *a = value(fr, v6 ? (src ? F_IP6_SRC : F_IP6_DST) : (src ? F_IP_SRC : F_IP_DST),
			      ip);

	e->port = 0;
	return a && parse_ip(a, e);
}

/* Names the outermost tunnel entered at token k (tunnel tokens only). */
static const char *tunnel_name(const struct tshark_frame *fr, size_t k)
{
	const char *tok = fr->tok[k];
	const char *next = k + 1 < fr->ntok ? fr->tok[k + 1] : "";

	if (strcmp(tok, "gre") == 0) {
		const char *ver = value(fr, F_ERSPAN_VERSION, 0);

		/* decode_gre() enters a GRE tunnel only for a payload it decodes;
		 * ERSPAN type I has no header of its own, so no version. */
		if (strcmp(next, "erspan") == 0)
			return !ver ? "erspan1" : strcmp(ver, "1") == 0 ? "erspan2" : "erspan3";
		return decoded_by_tapsight(next) ? "gre" : NULL;
	}
	if (strcmp(tok, "mpls") == 0)
		return "mpls";
	if (strcmp(tok, "udp") == 0 && udp_tunnel(*next ? next : NULL))
		return next;
	return NULL;
}

/*
 * Walks frame.protocols as tapsight's decoder walks the frame, noting every
 * transport header tshark's tables count.  With at_fragments, the walk stops
 * at a later fragment (offset > 0), as tapsight's does: that is the frame as
 * tapsight keys it.  Without, it goes on into what tshark reassembled: that
 * is what tapsight sees of the datagram in its first fragment.
 */
static void frame_walk(const struct tshark_frame *fr, struct frame_view *v, bool at_fragments)
{
	size_t n4 = 0, n6 = 0, nfrag6 = 0, ntcp = 0, nudp = 0, nvlan = 0, nad = 0, ip_idx = 0;
	bool have_ip = false, ip_v6 = false, sees = true;
	const char *prev = "";

	memset(v, 0, sizeof *v);
	for (size_t k = 0; k < fr->ntok; prev = fr->tok[k], k++) {
		const char *tok = fr->tok[k];
		bool is_ip = strcmp(tok, "ip") == 0, is_ip6 = strcmp(tok, "ipv6") == 0;
		bool tcp = strcmp(tok, "tcp") == 0;
		const char *tunnel = sees ? tunnel_name(fr, k) : NULL;

		if (strcmp(tok, "icmp") == 0 || strcmp(tok, "icmpv6") == 0)
			break;	/* (d): what follows is quoted */
		if (tunnel && !*v->encap)
			snprintf(v->encap, sizeof v->encap, "%s", tunnel);
		if (tunnel)
			v->has_ip = false;	/* decode_tunnel_enter() forgets the outer packet */
		if (is_ip || is_ip6) {
			const char *off = is_ip ? value(fr, F_FRAG_OFF, n4) : NULL;

			if (sees && have_ip && !*v->encap &&
			    (strcmp(prev, "ip") == 0 || strcmp(prev, "ipv6") == 0 ||
			     strncmp(prev, "ipv6.", 5) == 0))
				snprintf(v->encap, sizeof v->encap, "ipip");
			ip_v6 = is_ip6;
			ip_idx = is_ip6 ? n6++ : n4++;
			have_ip = true;
			if (sees) {
				v->has_ip = endpoint_of(fr, ip_v6, ip_idx, true, &v->ip_src) &&
					    endpoint_of(fr, ip_v6, ip_idx, false, &v->ip_dst);
				v->bad |= !v->has_ip;
				if (at_fragments && off && strcmp(off, "0") != 0) {
					sees = false;	/* (c) */
					snprintf(v->stopped_at, sizeof v->stopped_at, "fragment");
				}
			}
			continue;
		}
		if (strcmp(tok, "ipv6.fraghdr") == 0) {
			const char *off = value(fr, F_FRAG6_OFF, nfrag6++);

			if (sees && at_fragments && off && strcmp(off, "0") != 0) {
				sees = false;
				snprintf(v->stopped_at, sizeof v->stopped_at, "fragment");
			}
			continue;
		}
		if (tcp || strcmp(tok, "udp") == 0) {
			size_t t = tcp ? ntcp++ : nudp++;
			const char *sp = value(fr, tcp ? F_TCP_SPORT : F_UDP_SPORT, t);
			const char *dp = value(fr, tcp ? F_TCP_DPORT : F_UDP_DPORT, t);
			struct transport *tr = &v->t[v->nt];
			struct endpoint src, dst;
			bool ok = true;

			if (!have_ip || !sp || !dp || v->nt == sizeof v->t / sizeof v->t[0] ||
			    !endpoint_of(fr, ip_v6, ip_idx, true, &src) ||
			    !endpoint_of(fr, ip_v6, ip_idx, false, &dst)) {
				v->bad = true;
				break;
			}
			src.port = (uint16_t)parse_u64(sp, &ok);
			dst.port = (uint16_t)parse_u64(dp, &ok);
			v->bad |= !ok;
			tr->side = key_make(&tr->key, tcp ? 6 : 17, &src, &dst);
			tr->tunnel = sees && tunnel;		/* (a) */
			/* tshark's tables leave out a header its dissector gave
			 * up on (cisco-fabric-path.pcap: IPv4 total lengths
			 * beyond the frame inside FabricPath). */
			tr->in_table = fr->f[tcp ? F_TCP_STREAM : F_UDP_STREAM].n > 0 &&
				       !strstr(fr->malformed, tcp ? "Malformed Packet: TCP]"
								  : "Malformed Packet: UDP]");
			tr->counted = sees && !tunnel;
			v->nt++;
			if (sees && !tunnel) {
				sees = false;	/* the payload: nothing inside is opened (f) */
				snprintf(v->stopped_at, sizeof v->stopped_at, "%s payload", tok);
			}
			continue;
		}
		if (strcmp(tok, "vlan") == 0 || strcmp(tok, "ieee8021ad") == 0) {
			bool q = strcmp(tok, "vlan") == 0;
			const char *id = q ? value(fr, F_VLAN_ID, nvlan++) : value(fr, F_8021AD_ID, nad++);
			bool ok = id != NULL;

			if (sees && ok && v->nvlans < sizeof v->vlans / sizeof v->vlans[0])
				v->vlans[v->nvlans++] = (uint16_t)parse_u64(id, &ok);
			v->bad |= sees && !ok;
		}
		if (sees && !decoded_by_tapsight(tok)) {
			sees = false;	/* (f) */
			snprintf(v->stopped_at, sizeof v->stopped_at, "%s", tok);
		}
	}
}

/* ----------------------------------------------------- tshark, the tables */

struct conv {
	struct conv_key key;
	/* tshark's table rows (b) */
	unsigned rows;
	uint64_t row_frames[2], row_lo[2], row_hi[2];
	/* tshark's frames, summed: must agree with the rows */
	uint64_t all_frames[2], all_bytes[2];
	/* what tapsight should count */
	uint64_t want_frames[2];
	int64_t want_bytes[2];
	unsigned tunnel, unopened, fragments;	/* frames adjusted, by reason */
	/* flows.csv */
	unsigned our_rows;
	uint64_t our_frames[2], our_bytes[2];
};

struct convs {
	struct conv *v;
	size_t n, cap;
};

static struct conv *conv_get(struct convs *cs, const struct conv_key *k)
{
	for (size_t i = 0; i < cs->n; i++)
		if (key_eq(&cs->v[i].key, k))
			return &cs->v[i];
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 64;
		cs->v = realloc(cs->v, cs->cap * sizeof *cs->v);
		cr_assert(cs->v != NULL);
	}
	memset(&cs->v[cs->n], 0, sizeof cs->v[0]);
	cs->v[cs->n].key = *k;
	return &cs->v[cs->n++];
}

/* "230 kB" as an interval of byte counts (Wireshark's format_size, SI). */
static bool size_interval(const char *num, const char *unit, uint64_t *lo, uint64_t *hi)
{
	static const struct {
		const char *unit;
		uint64_t scale;
	} units[] = {
		{ "bytes", 1 }, { "kB", 1000 }, { "MB", 1000000 }, { "GB", 1000000000 },
		{ "TB", 1000000000000ull },
	};
	char digits[32];
	size_t n = 0;
	bool ok = true;
	uint64_t v;

	for (const char *p = num; *p && n + 1 < sizeof digits; p++)
		if (*p != ',')	/* thousands grouping, in case a locale adds it */
			digits[n++] = *p;
	digits[n] = '\0';
	v = parse_u64(digits, &ok);
	for (size_t i = 0; ok && i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(unit, units[i].unit) != 0)
			continue;
		*lo = v * units[i].scale;
		*hi = *lo + units[i].scale - 1;
		return true;
	}
	return false;
}

static bool parse_table_endpoint(char *s, struct endpoint *e)
{
	char *colon = strrchr(s, ':');
	bool ok = true;

	if (!colon)
		return false;
	*colon = '\0';
	e->port = (uint16_t)parse_u64(colon + 1, &ok);
	return ok && parse_ip(s, e);
}

/* One row of a conversation table, added to its conversation. */
static bool table_row(struct convs *cs, uint8_t proto, char *line)
{
	char *t[16];
	size_t n = 0;
	struct endpoint a, b;
	struct conv_key k;
	uint64_t f_ba, f_ab, lo_ba, hi_ba, lo_ab, hi_ab;
	bool ok = true;
	struct conv *c;
	int side_a;

	for (char *p = line; *p && n < 16;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		t[n++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (n < 12 || strcmp(t[1], "<->") != 0 || !parse_table_endpoint(t[0], &a) ||
	    !parse_table_endpoint(t[2], &b))
		return false;
	f_ba = parse_u64(t[3], &ok);
	f_ab = parse_u64(t[6], &ok);
	if (!ok || !size_interval(t[4], t[5], &lo_ba, &hi_ba) ||
	    !size_interval(t[7], t[8], &lo_ab, &hi_ab))
		return false;
	side_a = key_make(&k, proto, &a, &b);
	c = conv_get(cs, &k);
	c->rows++;
	c->row_frames[side_a] += f_ab;	/* "->": A to B */
	c->row_lo[side_a] += lo_ab;
	c->row_hi[side_a] += hi_ab;
	c->row_frames[!side_a] += f_ba;	/* "<-": B to A */
	c->row_lo[!side_a] += lo_ba;
	c->row_hi[!side_a] += hi_ba;
	return true;
}

/* What one tshark run over one capture says. */
struct oracle {
	struct convs convs;
	uint64_t frames;
	size_t table_rows;
	size_t bad_lines;	/* per-frame lines this test cannot follow */
	uint64_t first_bad;
	/* frame number -> length, and whether it is a first fragment */
	uint32_t *len;
	bool *first_frag;
	size_t nlen;
	/* frame number -> what tapsight sees of it (encapsulated_*) */
	struct frame_view *views;
	uint64_t reassembled, incomplete;
};

static void oracle_free(struct oracle *o)
{
	free(o->convs.v);
	free(o->len);
	free(o->first_frag);
	free(o->views);
	memset(o, 0, sizeof *o);
}

static void oracle_note_frame(struct oracle *o, const struct tshark_frame *fr)
{
	if (fr->number >= o->nlen) {
		size_t n = o->nlen ? o->nlen : 1024;

		while (n <= fr->number)
			n *= 2;
		o->len = realloc(o->len, n * sizeof *o->len);
		o->first_frag = realloc(o->first_frag, n * sizeof *o->first_frag);
		o->views = realloc(o->views, n * sizeof *o->views);
		cr_assert(o->len && o->first_frag && o->views);
		memset(o->len + o->nlen, 0, (n - o->nlen) * sizeof *o->len);
		memset(o->first_frag + o->nlen, 0, (n - o->nlen) * sizeof *o->first_frag);
		memset(o->views + o->nlen, 0, (n - o->nlen) * sizeof *o->views);
		o->nlen = n;
	}
	o->len[fr->number] = (uint32_t)fr->len;
	o->first_frag[fr->number] = first_fragment(fr);
}

/*
 * The first fragment of the datagram a frame completed (tshark names the
 * fragments' frames in ip.fragment), or 0 if the frame completed none.
 */
static uint64_t reassembled_from(const struct oracle *o, const struct tshark_frame *fr)
{
	for (int f = F_FRAGMENTS; f <= F_FRAGMENTS6; f++) {
		for (size_t i = 0; i < fr->f[f].n; i++) {
			bool ok = true;
			uint64_t n = parse_u64(fr->f[f].v[i], &ok);

			if (ok && n < o->nlen && n != fr->number && o->first_frag[n])
				return n;
		}
	}
	return 0;
}

static void oracle_frame(struct oracle *o, struct tshark_frame *fr)
{
	struct frame_view whole;
	uint64_t first;

	oracle_note_frame(o, fr);
	frame_walk(fr, &o->views[fr->number], true);
	frame_walk(fr, &whole, false);
	o->frames++;
	if ((whole.bad || o->views[fr->number].bad) && !o->bad_lines++)
		o->first_bad = fr->number;
	first = reassembled_from(o, fr);
	if (first) {
		/* (c): tapsight sees the datagram's headers in its first
		 * fragment, as tshark does in the reassembled one. */
		o->reassembled++;
		o->views[first] = whole;
	} else if (fr->f[F_FRAGMENTS].n + fr->f[F_FRAGMENTS6].n > 0) {
		o->incomplete++;
	}
	for (size_t i = 0; i < whole.nt; i++) {
		const struct transport *t = &whole.t[i];
		struct conv *c = conv_get(&o->convs, &t->key);

		c->all_frames[t->side] += t->in_table;
		c->all_bytes[t->side] += t->in_table ? fr->len : 0;
		c->tunnel += t->tunnel;
		c->unopened += !t->counted && !t->tunnel;
		if (!t->counted)
			continue;
		c->want_frames[t->side]++;
		c->want_bytes[t->side] += first ? (int64_t)o->len[first] : (int64_t)fr->len;
		c->fragments += first != 0;
	}
}

/* The tshark command for one capture, output to `out`. */
static void tshark_command(char *cmd, size_t len, const char *capture, const char *out,
			   bool tables)
{
	char fields[1024] = "";
	size_t n = 0;

	for (size_t i = 0; i < F_COUNT; i++) {
		int w = snprintf(fields + n, sizeof fields - n, " -e %s", frame_fields[i]);

		cr_assert(w > 0 && (size_t)w < sizeof fields - n);
		n += (size_t)w;
	}
	format_whole(cmd, len,
		     "LC_ALL=C exec tshark -n -r '%s' -T fields -E separator=/t -E occurrence=a "
		     "-E aggregator=, -E quote=n%s%s > '%s' 2> '%s.err'",
		     capture, fields, tables ? " -z conv,tcp -z conv,udp" : "", out, out);
}

/* Reads what tshark_command() wrote. */
static void oracle_load(struct oracle *o, const char *path)
{
	char *text = slurp(path), *cur = text, *line;
	bool tables = false;
	uint8_t proto = 0;

	memset(o, 0, sizeof *o);
	while ((line = next_line(&cur)) != NULL) {
		struct tshark_frame fr;

		if (line[0] == '=') {
			tables = true;
			continue;
		}
		if (!tables) {
			bool ok = frame_parse(line, &fr);

			cr_assert(ok, "%s: not a line of frame fields: %s", path, line);
			oracle_frame(o, &fr);
			continue;
		}
		if (strstr(line, "TCP Conversations"))
			proto = 6;
		else if (strstr(line, "UDP Conversations"))
			proto = 17;
		else if (strstr(line, "<->")) {
			bool ok = proto && table_row(&o->convs, proto, line);

			cr_assert(ok, "%s: a conversation row this test cannot read: %s", path, line);
			o->table_rows++;
		}
	}
	free(text);
}

/* ------------------------------------------------------------ flows.csv */

static const char *cell(const struct csv_table *t, size_t row, const char *col)
{
	const char *s = csv_table_get(t, row, col);

	cr_assert(s != NULL, "flows.csv has no column %s", col);
	return s;
}

static uint64_t cell_u64(const struct csv_table *t, size_t row, const char *col)
{
	bool ok = true;
	const char *s = cell(t, row, col);
	uint64_t v = parse_u64(s, &ok);

	cr_assert(ok, "flows.csv row %zu: %s is \"%s\"", row, col, s);
	return v;
}

/* The endpoints of a flows.csv row (ports 0 when empty). */
static bool row_endpoints(const struct csv_table *t, size_t row, struct endpoint *orig,
			  struct endpoint *resp)
{
	const char *op = cell(t, row, "orig_port"), *rp = cell(t, row, "resp_port");
	bool ok = true;

	if (!parse_ip(cell(t, row, "orig_ip"), orig) || !parse_ip(cell(t, row, "resp_ip"), resp))
		return false;
	orig->port = *op ? (uint16_t)parse_u64(op, &ok) : 0;
	resp->port = *rp ? (uint16_t)parse_u64(rp, &ok) : 0;
	return ok;
}

static void read_report(struct csv_table *t, const char *dir, const char *name)
{
	char path[600];

	format_whole(path, sizeof path, "%s/%s", dir, name);
	cr_assert(csv_table_read(t, path) == 0, "%s: unreadable CSV", path);
	cr_assert(t->rows >= 1 && !t->ragged, "%s: no header, or ragged rows", path);
}

/* The view each capture got (captures.csv: view, path). */
static const char *view_of(const struct csv_table *caps, const char *rel)
{
	size_t rl = strlen(rel);

	for (size_t r = 1; r < caps->rows; r++) {
		const char *p = cell(caps, r, "path");
		size_t pl = strlen(p);

		if (pl >= rl + 1 && strcmp(p + pl - rl, rel) == 0 && p[pl - rl - 1] == '/')
			return cell(caps, r, "view");
	}
	return NULL;
}

/* ------------------------------------------- conversations against tshark */

static void compare_bytes(struct report *r, const char *rel, const char *what, const char *key,
			  int side, uint64_t got, uint64_t lo, uint64_t hi)
{
	char want[64];

	if (got >= lo && got <= hi)
		return;
	if (lo == hi)
		snprintf(want, sizeof want, "%" PRIu64, lo);
	else
		snprintf(want, sizeof want, "%" PRIu64 "..%" PRIu64, lo, hi);
	report_add(r, "%s: %s%s: side %d sent %" PRIu64 " bytes, want %s", rel, what, key, side,
		   got, want);
}

/*
 * Checks tshark's per-frame sums against its own tables (this test's reading
 * of tshark), then flows.csv against what tapsight should count.
 */
static size_t compare_file(struct report *r, const char *rel, struct oracle *o,
			   const struct csv_table *flows, const char *view)
{
	size_t ours_rows = 0, compared = 0, tunnel = 0, unopened = 0, frag = 0;

	if (o->bad_lines)
		report_add(r, "%s: %zu frames whose fields this test cannot follow (first: frame %"
			   PRIu64 ")", rel, o->bad_lines, o->first_bad);
	if (o->incomplete)
		report_add(r, "%s: %" PRIu64 " reassembled frames whose first fragment is unknown",
			   rel, o->incomplete);
	for (size_t row = 1; row < flows->rows; row++) {
		const char *proto = cell(flows, row, "proto");
		struct endpoint orig, resp;
		struct conv_key k;
		struct conv *c;
		int side;

		if (strcmp(cell(flows, row, "view"), view) != 0 ||
		    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
			continue;
		ours_rows++;
		if (!row_endpoints(flows, row, &orig, &resp)) {
			report_add(r, "%s: flows.csv row %zu: unreadable endpoints", rel, row);
			continue;
		}
		side = key_make(&k, strcmp(proto, "tcp") == 0 ? 6 : 17, &orig, &resp);
		c = conv_get(&o->convs, &k);
		c->our_rows++;
		c->our_frames[side] += cell_u64(flows, row, "orig_frames");
		c->our_bytes[side] += cell_u64(flows, row, "orig_bytes");
		c->our_frames[!side] += cell_u64(flows, row, "resp_frames");
		c->our_bytes[!side] += cell_u64(flows, row, "resp_bytes");
	}
	for (size_t i = 0; i < o->convs.n; i++) {
		const struct conv *c = &o->convs.v[i];
		bool tshark_has = c->all_frames[0] + c->all_frames[1] > 0;
		bool want = c->want_frames[0] + c->want_frames[1] > 0;
		char key[200];

		key_str(&c->key, key, sizeof key);
		tunnel += c->tunnel > 0;
		unopened += c->unopened > 0;
		frag += c->fragments > 0;
		/* This test's reading of tshark: frames and tables agree. */
		for (int s = 0; s < 2; s++) {
			if (c->all_frames[s] != c->row_frames[s])
				report_add(r, "%s: tshark %s: side %d: %" PRIu64 " frames by its per-frame"
					   " fields, %" PRIu64 " in its table (this test misreads tshark)",
					   rel, key, s, c->all_frames[s], c->row_frames[s]);
			compare_bytes(r, rel, "tshark (its fields against its table) ", key, s,
				      c->all_bytes[s], c->row_lo[s], c->row_hi[s]);
		}
		if (!tshark_has && !c->our_rows)
			continue;
		compared += want || c->our_rows;
		if (want && !c->our_rows) {
			report_add(r, "%s: %s: missing from flows.csv (tshark: %" PRIu64 "+%" PRIu64
				   " frames)", rel, key, c->want_frames[0], c->want_frames[1]);
			continue;
		}
		if (!want && c->our_rows) {
			report_add(r, "%s: %s: in flows.csv (%" PRIu64 "+%" PRIu64 " frames) but not "
				   "expected (tshark: %" PRIu64 "+%" PRIu64 " frames, %u carrying a "
				   "tunnel, %u inside an encapsulation tapsight does not open)",
				   rel, key, c->our_frames[0], c->our_frames[1], c->all_frames[0],
				   c->all_frames[1], c->tunnel, c->unopened);
			continue;
		}
		if (!want)
			continue;	/* (a), (f): expected absent, and absent */
		for (int s = 0; s < 2; s++) {
			if (c->our_frames[s] != c->want_frames[s])
				report_add(r, "%s: %s: side %d sent %" PRIu64 " frames, want %" PRIu64
					   " (tshark %" PRIu64 ")", rel, key, s, c->our_frames[s],
					   c->want_frames[s], c->all_frames[s]);
			compare_bytes(r, rel, "", key, s, c->our_bytes[s], (uint64_t)c->want_bytes[s],
				      (uint64_t)c->want_bytes[s]);
		}
	}
	cr_log_info("flows_corpus: %s: %zu tcp/udp conversations compared (tshark: %zu rows; "
		    "flows.csv: %zu rows); by design: %zu outer tunnel, %zu not opened, %zu with "
		    "reassembled fragments", rel, compared, o->table_rows, ours_rows, tunnel, unopened,
		    frag);
	return compared;
}

/*
 * Runs tapsight once over the folders (one view per file) and tshark once per
 * capture, side by side.  Leaves the reports in dir/report and tshark's
 * output in dir/N.txt (N = index in fl).
 */
static void run_tapsight_and_tshark(const struct file_list *fl, const char *const *folders,
				    size_t nfolders, const char *options, const char *dir,
				    bool tables)
{
	size_t n = fl->n + 1;
	char **cmds = calloc(n, sizeof *cmds), **errs = calloc(n, sizeof *errs);
	char inputs[2048] = "";

	cr_assert(cmds != NULL && errs != NULL);
	for (size_t i = 0; i < nfolders; i++) {
		size_t used = strlen(inputs);
		int w = snprintf(inputs + used, sizeof inputs - used, " '%s/%s'", corpus_dir(),
				 folders[i]);

		cr_assert(w > 0 && (size_t)w < sizeof inputs - used);
	}
	for (size_t i = 0; i < n; i++) {
		cmds[i] = malloc(4096);
		errs[i] = malloc(700);
		cr_assert(cmds[i] != NULL && errs[i] != NULL);
	}
	/* tapsight first: it starts while the first tsharks run. */
	format_whole(errs[0], 700, "%s/tapsight.err", dir);
	format_whole(cmds[0], 4096, "exec '%s' -q --no-hash %s -o '%s/report'%s 2> '%s'",
		     tapsight_bin(), options, dir, inputs, errs[0]);
	for (size_t i = 0; i < fl->n; i++) {
		char capture[600], out[600];

		format_whole(capture, sizeof capture, "%s/%s", corpus_dir(), fl->rel[i]);
		format_whole(out, sizeof out, "%s/%zu.txt", dir, i);
		format_whole(errs[i + 1], 700, "%s.err", out);
		tshark_command(cmds[i + 1], 4096, capture, out, tables);
	}
	run_all(cmds, (const char *const *)errs, n);
	for (size_t i = 0; i < n; i++) {
		free(cmds[i]);
		free(errs[i]);
	}
	free(cmds);
	free(errs);
}

Test(flows_corpus, tcp_and_udp_conversations_match_tshark)
{
	static const char *const folders[] = { "ics", "encap" };
	static struct file_list fl;
	struct report r = { 0 };
	struct csv_table flows, caps;
	size_t conversations = 0, files = 0;
	const char *dir;
	char report_dir[300];

	need_corpus();
	list_folders(&fl, folders, 2);
	dir = tmpdir_make();
	run_tapsight_and_tshark(&fl, folders, 2, NO_TIMEOUT, dir, true);
	format_whole(report_dir, sizeof report_dir, "%s/report", dir);
	read_report(&flows, report_dir, "flows.csv");
	read_report(&caps, report_dir, "captures.csv");
	for (size_t i = 0; i < fl.n; i++) {
		const char *view = view_of(&caps, fl.rel[i]);
		struct oracle o;
		char out[600];

		if (!view) {
			report_add(&r, "%s: not in captures.csv", fl.rel[i]);
			continue;
		}
		cr_expect(strcmp(view, base_name(fl.rel[i])) == 0, "%s: view \"%s\"", fl.rel[i],
			  view);
		format_whole(out, sizeof out, "%s/%zu.txt", dir, i);
		oracle_load(&o, out);
		conversations += compare_file(&r, fl.rel[i], &o, &flows, view);
		files++;
		oracle_free(&o);
	}
	cr_log_info("flows_corpus: %zu captures, %zu tcp/udp conversations compared with tshark",
		    files, conversations);
	csv_table_free(&flows);
	csv_table_free(&caps);
	report_done(&r, "differences between flows.csv and tshark's conversations");
	cr_assert(files >= MIN_FILES_COMPARED, "only %zu captures compared", files);
	cr_assert(conversations >= MIN_CONVERSATIONS, "only %zu conversations compared",
		  conversations);
}

/* ------------------------------------------------- encapsulations, inner */

static bool same_pair(const struct endpoint *a, const struct endpoint *b,
		      const struct endpoint *c, const struct endpoint *d)
{
	return (ep_cmp(a, c) == 0 && ep_cmp(b, d) == 0) || (ep_cmp(a, d) == 0 && ep_cmp(b, c) == 0);
}

/* The distinct ids of a view, in order, as flows.csv joins them (";"). */
static void vlans_text(const struct frame_view *v, char *buf, size_t len)
{
	size_t used = 0, kept = 0;
	uint16_t seen[8];

	buf[0] = '\0';
	for (size_t i = 0; i < v->nvlans; i++) {
		bool dup = false;

		for (size_t j = 0; j < kept; j++)
			dup |= seen[j] == v->vlans[i];
		if (dup || kept == 4)	/* FLOW_MAX_VLANS */
			continue;
		seen[kept++] = v->vlans[i];
		used += (size_t)snprintf(buf + used, len - used, "%s%u", used ? ";" : "",
					 (unsigned)v->vlans[i]);
	}
}

struct pair_seen {
	struct endpoint a, b;
	bool in_flows;
	uint64_t frame;		/* the first frame with it */
};

/*
 * Every IP flow of an encapsulated capture against tshark's frames: the row's
 * first frame, as tapsight should see it (frame_walk()), has the row's two
 * addresses, its encapsulation and its VLAN ids; and every address pair
 * tapsight should see in some frame is a flow.  Counts rows per encap name.
 */
static size_t check_inner(struct report *r, const char *rel, const struct oracle *o,
			  const struct csv_table *flows, const char *view, size_t *per_encap,
			  const char *const *encaps, size_t nencaps)
{
	struct pair_seen *pairs = NULL;
	size_t npairs = 0, rows = 0, tunnelled = 0;

	for (uint64_t f = 1; f < o->nlen && f <= o->frames; f++) {
		const struct frame_view *v = &o->views[f];
		bool known = false;

		if (!v->has_ip)
			continue;
		for (size_t i = 0; i < npairs && !known; i++)
			known = same_pair(&pairs[i].a, &pairs[i].b, &v->ip_src, &v->ip_dst);
		if (known)
			continue;
		pairs = realloc(pairs, (npairs + 1) * sizeof *pairs);
		cr_assert(pairs != NULL);
		pairs[npairs++] = (struct pair_seen){ .a = v->ip_src, .b = v->ip_dst, .frame = f };
	}
	for (size_t row = 1; row < flows->rows; row++) {
		const struct frame_view *v;
		struct endpoint orig, resp;
		char vl[64], a[64], b[64], want_a[64], want_b[64];
		const char *encap, *vlans;
		bool ok = true, pair_ok;
		uint64_t first;

		if (strcmp(cell(flows, row, "view"), view) != 0 || !*cell(flows, row, "orig_ip"))
			continue;
		rows++;
		first = parse_u64(cell(flows, row, "first_frame"), &ok);
		if (!ok || !row_endpoints(flows, row, &orig, &resp) || first == 0 ||
		    first >= o->nlen || first > o->frames) {
			report_add(r, "%s: flows.csv row %zu: unreadable, or first_frame \"%s\" not "
				   "in the capture", rel, row, cell(flows, row, "first_frame"));
			continue;
		}
		orig.port = resp.port = 0;
		v = &o->views[first];
		encap = cell(flows, row, "encap");
		vlans = cell(flows, row, "vlans");
		ep_str(&orig, false, a, sizeof a);
		ep_str(&resp, false, b, sizeof b);
		if (!v->has_ip) {
			report_add(r, "%s: flow %s <-> %s (%s): its first frame %" PRIu64 " has no IP "
				   "header tapsight should reach (%s)", rel, a, b,
				   cell(flows, row, "proto"), first,
				   *v->stopped_at ? v->stopped_at : "tshark finds none");
			continue;
		}
		ep_str(&v->ip_src, false, want_a, sizeof want_a);
		ep_str(&v->ip_dst, false, want_b, sizeof want_b);
		pair_ok = same_pair(&orig, &resp, &v->ip_src, &v->ip_dst);
		if (!pair_ok)
			report_add(r, "%s: flow %s <-> %s (%s): its first frame %" PRIu64 " is %s -> %s "
				   "in its innermost IP header tapsight opens", rel, a, b,
				   cell(flows, row, "proto"), first, want_a, want_b);
		if (strcmp(encap, v->encap) != 0)
			report_add(r, "%s: flow %s <-> %s (%s): encap \"%s\", want \"%s\" (frame %"
				   PRIu64 ")", rel, a, b, cell(flows, row, "proto"), encap, v->encap,
				   first);
		vlans_text(v, vl, sizeof vl);
		if (strncmp(vlans, vl, strlen(vl)) != 0 ||
		    (vlans[strlen(vl)] != '\0' && vlans[strlen(vl)] != ';'))
			report_add(r, "%s: flow %s <-> %s (%s): vlans \"%s\" do not begin with those of "
				   "its first frame %" PRIu64 ", \"%s\"", rel, a, b,
				   cell(flows, row, "proto"), vlans, first, vl);
		for (size_t i = 0; i < npairs; i++)
			pairs[i].in_flows |= same_pair(&pairs[i].a, &pairs[i].b, &orig, &resp);
		tunnelled += *encap != '\0';
		for (size_t i = 0; pair_ok && i < nencaps; i++)
			per_encap[i] += strcmp(encap, encaps[i]) == 0;
	}
	for (size_t i = 0; i < npairs; i++) {
		char a[64], b[64];

		if (pairs[i].in_flows)
			continue;
		ep_str(&pairs[i].a, false, a, sizeof a);
		ep_str(&pairs[i].b, false, b, sizeof b);
		report_add(r, "%s: no flow for %s <-> %s (frame %" PRIu64 " and later, encap \"%s\")",
			   rel, a, b, pairs[i].frame, o->views[pairs[i].frame].encap);
	}
	cr_log_info("flows_corpus: %s: %zu IP flows (%zu tunnelled), %zu address pairs in "
		    "tshark's frames", rel, rows, tunnelled, npairs);
	free(pairs);
	return rows;
}

Test(flows_corpus, encapsulated_captures_give_inner_flows)
{
	static const char *const folders[] = {
		"encap/erspan", "encap/gre", "encap/vxlan", "encap/geneve", "encap/mpls",
		"encap/qinq",
	};
	static const char *const encaps[] = { "erspan1", "erspan2", "erspan3", "gre", "vxlan",
					      "geneve", "mpls" };
	static struct file_list fl;
	size_t per_encap[7] = { 0 };
	struct report r = { 0 };
	struct csv_table flows, caps;
	size_t rows = 0;
	const char *dir;
	char report_dir[300];

	need_corpus();
	list_folders(&fl, folders, sizeof folders / sizeof folders[0]);
	dir = tmpdir_make();
	run_tapsight_and_tshark(&fl, folders, sizeof folders / sizeof folders[0], "", dir, false);
	format_whole(report_dir, sizeof report_dir, "%s/report", dir);
	read_report(&flows, report_dir, "flows.csv");
	read_report(&caps, report_dir, "captures.csv");
	for (size_t i = 0; i < fl.n; i++) {
		const char *view = view_of(&caps, fl.rel[i]);
		struct oracle o;
		char out[600];

		if (!view) {
			report_add(&r, "%s: not in captures.csv", fl.rel[i]);
			continue;
		}
		format_whole(out, sizeof out, "%s/%zu.txt", dir, i);
		oracle_load(&o, out);
		if (o.bad_lines)
			report_add(&r, "%s: %zu frames whose fields this test cannot follow (first: "
				   "frame %" PRIu64 ")", fl.rel[i], o.bad_lines, o.first_bad);
		rows += check_inner(&r, fl.rel[i], &o, &flows, view, per_encap, encaps,
				    sizeof encaps / sizeof encaps[0]);
		oracle_free(&o);
	}
	csv_table_free(&flows);
	csv_table_free(&caps);
	report_done(&r, "flows of encapsulated captures not on their inner addresses");
	for (size_t i = 0; i < sizeof encaps / sizeof encaps[0]; i++) {
		cr_log_info("flows_corpus: encap %s: %zu flows checked", encaps[i], per_encap[i]);
		cr_expect(per_encap[i] > 0, "no flow with encap %s was checked", encaps[i]);
	}
	cr_assert(rows >= 50, "only %zu IP flows checked in %zu captures", rows, fl.n);
}

/* ------------------------------------------------------- gaps, editcap */

/*
 * Captures with long request/response TCP conversations, data both ways and
 * no lost segment by tshark, and the frames deleted from them (tshark's
 * numbers in the original).  Each run of deleted frames contiguous in one
 * side's sequence space is one hole:
 *
 *   genisys.pcap (one conversation, a pure ACK after each segment, then
 *   strict request/response): 8 (client, 5 bytes, its pure ACK kept);
 *   18 (server, 117 bytes); 980 and 982 (client, 5 + 5 bytes contiguous,
 *   the server's 981 between them acknowledging the first: one hole that
 *   the peer acknowledges half of first).
 *
 *   dnp3_example.pcap (11 conversations): 5 (292 bytes, its sender goes on
 *   at frame 6 before the peer acknowledges); 8 and 9 (292 + 68 bytes,
 *   back to back: one hole); 13 (the other side, 18 bytes); 296 (stream 1,
 *   35 bytes); 331 and 333 (stream 2, 35 + 35 bytes contiguous, 332
 *   between them acknowledging the first).
 */
struct deletion {
	const char *rel;
	uint64_t frames[8];
	size_t n;
};

static const struct deletion deletions[] = {
	{ "ics/other/genisys.pcap", { 8, 18, 980, 982 }, 4 },
	{ "ics/dnp3/dnp3_example.pcap", { 5, 8, 9, 13, 296, 331, 333 }, 7 },
};

static const char *const seg_fields[] = {
	"frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
	"tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.analysis.lost_segment",
	"tcp.analysis.ack_lost_segment",
};
enum { S_NUMBER, S_IP_SRC, S_IP_DST, S_IP6_SRC, S_IP6_DST, S_SPORT, S_DPORT, S_SEQ, S_ACK, S_LEN,
       S_LOST, S_ACK_LOST, S_COUNT };

struct segment {
	uint64_t number;
	struct conv_key key;
	int side;
	uint32_t seq, ack, len;
	bool lost, ack_lost;
};

struct segments {
	struct segment *v;
	size_t n;
};

static void segments_load(struct segments *ss, const char *path)
{
	char *text = slurp(path), *cur = text, *line;

	memset(ss, 0, sizeof *ss);
	while ((line = next_line(&cur)) != NULL) {
		char *c[S_COUNT + 1];
		struct endpoint src, dst;
		struct segment *s;
		bool ok = true, v6;

		cr_assert(split(line, '\t', c, S_COUNT + 1) == S_COUNT, "%s: %s", path, line);
		if (!*c[S_SPORT])
			continue;	/* not TCP */
		v6 = !*c[S_IP_SRC];
		ok = strchr(c[S_SPORT], ',') == NULL && strchr(c[S_IP_SRC], ',') == NULL;
		cr_assert(ok, "%s: a tunnel in frame %s", path, c[S_NUMBER]);
		ok = parse_ip(c[v6 ? S_IP6_SRC : S_IP_SRC], &src) &&
		     parse_ip(c[v6 ? S_IP6_DST : S_IP_DST], &dst);
		src.port = (uint16_t)parse_u64(c[S_SPORT], &ok);
		dst.port = (uint16_t)parse_u64(c[S_DPORT], &ok);
		ss->v = realloc(ss->v, (ss->n + 1) * sizeof *ss->v);
		cr_assert(ss->v != NULL);
		s = &ss->v[ss->n++];
		s->number = parse_u64(c[S_NUMBER], &ok);
		s->side = key_make(&s->key, 6, &src, &dst);
		s->seq = (uint32_t)parse_u64(c[S_SEQ], &ok);
		s->ack = (uint32_t)parse_u64(c[S_ACK], &ok);
		s->len = (uint32_t)parse_u64(c[S_LEN], &ok);
		s->lost = *c[S_LOST] != '\0';
		s->ack_lost = *c[S_ACK_LOST] != '\0';
		cr_assert(ok, "%s: frame %s: unreadable fields", path, c[S_NUMBER]);
	}
	free(text);
}

static const struct segment *segment_of(const struct segments *ss, uint64_t number)
{
	for (size_t i = 0; i < ss->n; i++)
		if (ss->v[i].number == number)
			return &ss->v[i];
	return NULL;
}

/* A run of deleted bytes in one side's sequence space: [start, end). */
struct hole {
	struct conv_key key;
	int side;
	uint32_t start, end;
	unsigned lost, ack_lost;	/* tshark's findings that name it */
	char frames[128];		/* ... on these frames of the edited capture */
};

static void hole_note(struct hole *h, const char *what, uint64_t frame)
{
	size_t used = strlen(h->frames);

	snprintf(h->frames + used, sizeof h->frames - used, "%s%s %" PRIu64, used ? ", " : "",
		 what, frame);
}

/* (int32_t) difference: sequence numbers compare modulo 2^32 (RFC 793). */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* What the edited capture's tshark and flows.csv say of one conversation. */
struct gap_conv {
	struct conv_key key;
	unsigned holes, reported;
	uint64_t hole_bytes;
	unsigned lost, ack_lost, flagged;	/* tshark: flags, and packets flagged */
	unsigned our_rows;
	uint64_t gaps, gap_bytes, ws_lost, ws_ack_lost;
};

static struct gap_conv *gap_conv_get(struct gap_conv *gc, size_t *n, size_t cap,
				     const struct conv_key *k)
{
	for (size_t i = 0; i < *n; i++)
		if (key_eq(&gc[i].key, k))
			return &gc[i];
	bool room = *n < cap;

	cr_assert(room, "more than %zu conversations", cap);
	memset(&gc[*n], 0, sizeof gc[0]);
	gc[*n].key = *k;
	return &gc[(*n)++];
}

#define MAX_GAP_CONVS 64

static size_t check_gaps(struct report *r, const struct deletion *del, const char *dir,
			 size_t index, const struct csv_table *flows, size_t *holes_total)
{
	struct segments orig, edited;
	struct hole holes[8];
	struct gap_conv gc[MAX_GAP_CONVS];
	size_t nholes = 0, ngc = 0;
	const char *view = base_name(del->rel);
	char path[600];

	format_whole(path, sizeof path, "%s/orig%zu.txt", dir, index);
	segments_load(&orig, path);
	format_whole(path, sizeof path, "%s/edited%zu.txt", dir, index);
	segments_load(&edited, path);

	/* The capture is as the test says: no lost segment, and the deleted
	 * frames carry data.  Holes: contiguous runs of deleted bytes. */
	for (size_t i = 0; i < orig.n; i++) {
		bool clean = !orig.v[i].lost && !orig.v[i].ack_lost;

		cr_assert(clean, "%s: tshark finds a lost segment at frame %" PRIu64
			  " before any deletion", del->rel, orig.v[i].number);
	}
	for (size_t i = 0; i < del->n; i++) {
		const struct segment *s = segment_of(&orig, del->frames[i]);
		bool merged = false;

		cr_assert(s && s->len > 0, "%s: frame %" PRIu64 " is not a TCP segment with data",
			  del->rel, del->frames[i]);
		for (size_t h = 0; h < nholes; h++) {
			if (!key_eq(&holes[h].key, &s->key) || holes[h].side != s->side ||
			    holes[h].end != s->seq)
				continue;
			holes[h].end += s->len;
			merged = true;
		}
		if (merged)
			continue;
		cr_assert(nholes < sizeof holes / sizeof holes[0]);
		holes[nholes++] = (struct hole){ .key = s->key, .side = s->side, .start = s->seq,
						 .end = s->seq + s->len };
	}
	for (size_t i = 0; i < edited.n; i++)
		gap_conv_get(gc, &ngc, MAX_GAP_CONVS, &edited.v[i].key);
	for (size_t h = 0; h < nholes; h++) {
		struct gap_conv *c = gap_conv_get(gc, &ngc, MAX_GAP_CONVS, &holes[h].key);

		c->holes++;
		c->hole_bytes += holes[h].end - holes[h].start;
	}

	/* tshark's findings in the edited capture, each to the hole it names:
	 * a lost_segment is on the sender's first segment after the hole (it
	 * starts at the hole's end); an ack_lost_segment is on a peer's ACK
	 * beyond the hole's start (the latest such hole of that side). */
	for (size_t i = 0; i < edited.n; i++) {
		const struct segment *s = &edited.v[i];
		struct gap_conv *c = gap_conv_get(gc, &ngc, MAX_GAP_CONVS, &s->key);
		struct hole *named = NULL;

		c->lost += s->lost;
		c->ack_lost += s->ack_lost;
		c->flagged += s->lost || s->ack_lost;
		if (s->lost) {
			for (size_t h = 0; h < nholes; h++)
				if (key_eq(&holes[h].key, &s->key) && holes[h].side == s->side &&
				    holes[h].end == s->seq)
					named = &holes[h];
			if (named) {
				named->lost++;
				hole_note(named, "lost", s->number);
			} else {
				report_add(r, "%s: tshark: frame %" PRIu64 " \"previous segment not "
					   "captured\" names no hole this test made", del->rel, s->number);
			}
		}
		named = NULL;
		if (s->ack_lost) {
			for (size_t h = 0; h < nholes; h++)
				if (key_eq(&holes[h].key, &s->key) && holes[h].side != s->side &&
				    seq_after(s->ack, holes[h].start) &&
				    (!named || seq_after(holes[h].start, named->start)))
					named = &holes[h];
			if (named) {
				named->ack_lost++;
				hole_note(named, "ack_lost", s->number);
			} else {
				report_add(r, "%s: tshark: frame %" PRIu64 " \"ACKed segment that wasn't "
					   "captured\" names no hole this test made", del->rel, s->number);
			}
		}
	}
	/* The relation this test states: tshark reports every hole exactly
	 * once as lost_segment and once or twice as ack_lost_segment (the
	 * peer's first ACK beyond it, and again its next ACK once the sender
	 * went on, as Wireshark moves maxseqtobeacked up only when a segment
	 * starts exactly there).  tapsight counts each hole once. */
	for (size_t h = 0; h < nholes; h++) {
		struct gap_conv *c = gap_conv_get(gc, &ngc, MAX_GAP_CONVS, &holes[h].key);
		char key[200];

		key_str(&holes[h].key, key, sizeof key);
		c->reported += holes[h].lost + holes[h].ack_lost > 0;
		cr_log_info("flows_corpus: %s: %s: hole [%" PRIu32 ", %" PRIu32 ") of side %d: tshark "
			    "flags %s", del->rel, key, holes[h].start, holes[h].end, holes[h].side,
			    holes[h].frames);
		if (holes[h].lost != 1 || holes[h].ack_lost < 1 || holes[h].ack_lost > 2)
			report_add(r, "%s: %s: tshark flags the hole [%" PRIu32 ", %" PRIu32 ") of side "
				   "%d %u times as lost_segment and %u times as ack_lost_segment "
				   "(the test expects 1 and 1-2)", del->rel, key, holes[h].start,
				   holes[h].end, holes[h].side, holes[h].lost, holes[h].ack_lost);
	}

	for (size_t row = 1; row < flows->rows; row++) {
		struct endpoint o, p;
		struct conv_key k;
		struct gap_conv *c;

		if (strcmp(cell(flows, row, "view"), view) != 0 ||
		    strcmp(cell(flows, row, "proto"), "tcp") != 0)
			continue;
		cr_assert(row_endpoints(flows, row, &o, &p), "flows.csv row %zu", row);
		key_make(&k, 6, &o, &p);
		c = gap_conv_get(gc, &ngc, MAX_GAP_CONVS, &k);
		c->our_rows++;
		c->gaps += cell_u64(flows, row, "gaps");
		c->gap_bytes += cell_u64(flows, row, "gap_bytes");
		c->ws_lost += cell_u64(flows, row, "ws_lost_segments");
		c->ws_ack_lost += cell_u64(flows, row, "ws_ack_lost_segments");
	}
	for (size_t i = 0; i < ngc; i++) {
		const struct gap_conv *c = &gc[i];
		char key[200];

		key_str(&c->key, key, sizeof key);
		if (!c->our_rows) {
			report_add(r, "%s: %s: missing from flows.csv", del->rel, key);
			continue;
		}
		if (c->gaps != c->reported)
			report_add(r, "%s: %s: gaps %" PRIu64 ", want %u: the holes tshark reports "
				   "(%u lost_segment + %u ack_lost_segment flags on %u packets)",
				   del->rel, key, c->gaps, c->reported, c->lost, c->ack_lost,
				   c->flagged);
		if (c->gap_bytes != c->hole_bytes)
			report_add(r, "%s: %s: gap_bytes %" PRIu64 ", want %" PRIu64 " (the deleted "
				   "segments' tcp.len)", del->rel, key, c->gap_bytes, c->hole_bytes);
		if (c->ws_lost != c->lost || c->ws_ack_lost != c->ack_lost)
			report_add(r, "%s: %s: ws_lost_segments %" PRIu64 " and ws_ack_lost_segments %"
				   PRIu64 ", tshark flags %u and %u", del->rel, key, c->ws_lost,
				   c->ws_ack_lost, c->lost, c->ack_lost);
		if (c->holes)
			cr_log_info("flows_corpus: %s: %s: %u holes (%" PRIu64 " bytes); tshark flags "
				    "%u packets (%u lost_segment, %u ack_lost_segment); tapsight: "
				    "gaps %" PRIu64 ", gap_bytes %" PRIu64, del->rel, key, c->holes,
				    c->hole_bytes, c->flagged, c->lost, c->ack_lost, c->gaps,
				    c->gap_bytes);
	}
	*holes_total += nholes;
	free(orig.v);
	free(edited.v);
	return ngc;
}

Test(flows_corpus, gaps_match_tshark_lost_segments_after_editcap)
{
	size_t nd = sizeof deletions / sizeof deletions[0];
	char *cmds[8];
	char inputs[2048] = "", report_dir[300], tapsight_err[400];
	const char *errs[1] = { tapsight_err };
	struct report r = { 0 };
	struct csv_table flows;
	size_t n = 0, convs = 0, holes = 0;
	const char *dir;

	need_corpus();
	dir = tmpdir_make();
	for (size_t i = 0; i < 2 * nd + 1; i++) {
		cmds[i] = malloc(4096);
		cr_assert(cmds[i] != NULL);
	}
	/* Pass 1: tshark on the originals; editcap. */
	for (size_t i = 0; i < nd; i++) {
		char frames[256] = "", fields[512] = "";
		size_t used = 0;

		for (size_t f = 0; f < deletions[i].n; f++)
			used += (size_t)snprintf(frames + used, sizeof frames - used, " %" PRIu64,
						 deletions[i].frames[f]);
		used = 0;
		for (size_t f = 0; f < S_COUNT; f++)
			used += (size_t)snprintf(fields + used, sizeof fields - used, " -e %s",
						 seg_fields[f]);
		format_whole(cmds[n++], 4096,
			     "LC_ALL=C exec tshark -n -r '%s/%s' -T fields -E separator=/t "
			     "-E occurrence=a -E aggregator=,%s > '%s/orig%zu.txt' 2>/dev/null",
			     corpus_dir(), deletions[i].rel, fields, dir, i);
		format_whole(cmds[n++], 4096,
			     "editcap '%s/%s' '%s/%s'%s && LC_ALL=C exec tshark -n -r '%s/%s' -T fields "
			     "-E separator=/t -E occurrence=a -E aggregator=,%s > '%s/edited%zu.txt' "
			     "2>/dev/null", corpus_dir(), deletions[i].rel, dir,
			     base_name(deletions[i].rel), frames, dir, base_name(deletions[i].rel),
			     fields, dir, i);
		used = strlen(inputs);
		used += (size_t)snprintf(inputs + used, sizeof inputs - used, " '%s/%s'", dir,
					 base_name(deletions[i].rel));
		cr_assert(used < sizeof inputs);
	}
	run_all(cmds, NULL, n);
	/* Pass 2: tapsight over the edited captures. */
	format_whole(tapsight_err, sizeof tapsight_err, "%s/tapsight.err", dir);
	format_whole(cmds[0], 4096, "exec '%s' -q --no-hash %s -o '%s/report'%s 2> '%s'",
		     tapsight_bin(), NO_TIMEOUT, dir, inputs, tapsight_err);
	run_all(cmds, errs, 1);
	for (size_t i = 0; i < 2 * nd + 1; i++)
		free(cmds[i]);

	format_whole(report_dir, sizeof report_dir, "%s/report", dir);
	read_report(&flows, report_dir, "flows.csv");
	for (size_t i = 0; i < nd; i++)
		convs += check_gaps(&r, &deletions[i], dir, i, &flows, &holes);
	csv_table_free(&flows);
	report_done(&r, "differences between tapsight's gaps and tshark's lost segments");
	cr_assert(holes >= 8 && convs >= 12, "only %zu holes in %zu conversations", holes, convs);
}
