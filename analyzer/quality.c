/*
 * quality.c - a view's fidelity; see quality.h.
 */
#include "analyzer/quality.h"

#include "analyzer/dedup.h"
#include "analyzer/ics_flow.h"
#include "analyzer/seqcheck.h"
#include "analyzer/timing.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINKTYPE_ETHERNET	1
#define ETH_MIN_WIRE		60	/* bytes without FCS (IEEE 802.3 minimum 64 with it) */
#define ETH_MAX_WIRE		1514	/* without FCS, untagged */
#define MAX_VLAN_IDS		8	/* distinct VLAN ids counted for the RSPAN test */
#define DAMAGED_SENDERS		16	/* senders whose damaged frames are remembered */

struct quality {
	struct view_quality r;
	event_fn *emit;
	void *ctx;
	struct ts_stats ts;		/* the timestamps, in view order */
	struct dedup *dedup;		/* NULL: no duplicate check */
	struct seqcheck *seq;		/* tunnel and ICS counters */
	/* Damaged frames not yet matched with a counter gap, by sender MAC:
	 * a gap its next message reveals is that damage, not loss. */
	struct { uint8_t mac[6]; uint32_t frames; } damaged_by[DAMAGED_SENDERS];
	const struct tp_packet *msg_pkt;	/* the packet of the message being checked */
	/* What the mirror shows of itself. */
	uint64_t packets;
	uint64_t encap[TP_ENCAP_COUNT];
	uint64_t tagged;
	uint16_t vlan_ids[MAX_VLAN_IDS];
	uint64_t vlan_frames[MAX_VLAN_IDS];
	uint64_t inbound, outbound;	/* pcapng epb_flags direction */
	uint32_t inputs;		/* captures in the view (largest index + 1) */
	bool record_damaged;		/* the record being decoded carried link errors */
	uint8_t erspan_version;
	uint16_t erspan_session;
};

static void add_loss(struct quality *q, int64_t ts, uint64_t size);

/* Of an ICS counter gap revealed by a message from pkt's sender, the
 * values its damaged frames account for (and those frames are used up). */
static uint64_t damaged_values(struct quality *q, const struct tp_packet *pkt, uint64_t gap)
{
	for (int i = 0; pkt && pkt->has_mac && i < DAMAGED_SENDERS; i++) {
		uint64_t n;

		if (!q->damaged_by[i].frames || memcmp(q->damaged_by[i].mac, pkt->src_mac, 6) != 0)
			continue;
		n = gap < q->damaged_by[i].frames ? gap : q->damaged_by[i].frames;
		q->damaged_by[i].frames -= (uint32_t)n;
		return n;
	}
	return 0;
}

static void damaged_frame(struct quality *q, const struct tp_packet *pkt)
{
	int free_slot = -1;

	if (!pkt->has_mac)
		return;
	for (int i = 0; i < DAMAGED_SENDERS; i++) {
		if (q->damaged_by[i].frames && !memcmp(q->damaged_by[i].mac, pkt->src_mac, 6)) {
			q->damaged_by[i].frames++;
			return;
		}
		if (!q->damaged_by[i].frames && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		memcpy(q->damaged_by[free_slot].mac, pkt->src_mac, 6);
		q->damaged_by[free_slot].frames = 1;
	}
}

/* Counter gaps are losses, but for the values damaged frames of the same
 * sender account for: into the bursts, then out as events. */
static void on_seq_event(void *ctx, const struct event *e)
{
	struct quality *q = ctx;
	struct event copy;
	uint64_t damaged;

	if (e->kind == EV_ICS_SEQ_GAP && (damaged = damaged_values(q, q->msg_pkt, e->count))) {
		size_t n = strlen(e->detail);

		q->r.ics_damaged_values += damaged;
		copy = *e;
		snprintf(copy.detail + n, sizeof copy.detail - n, "; %llu in damaged frames the sender sent: "
			 "damage on the wire, not loss", (unsigned long long)damaged);
		e = &copy;
		if (damaged < e->count)
			add_loss(q, e->ts_ns, e->count - damaged);
	} else if (e->kind == EV_TUNNEL_SEQ_GAP || e->kind == EV_ICS_SEQ_GAP) {
		add_loss(q, e->ts_ns, e->count);
	}
	if (q->emit)
		q->emit(q->ctx, e);
}

struct quality *quality_new(event_fn *emit, void *ctx, int64_t dup_window_ns)
{
	struct quality *q = calloc(1, sizeof *q);

	if (!q)
		return NULL;
	q->emit = emit;
	q->ctx = ctx;
	q->r.loss_estimate = -1;
	ts_stats_init(&q->ts, emit, ctx);
	if ((dup_window_ns >= 0 && !(q->dedup = dedup_new(dup_window_ns, emit, ctx))) ||
	    !(q->seq = seqcheck_new(NULL, on_seq_event, q))) {
		quality_free(q);
		return NULL;
	}
	return q;
}

struct view_quality *quality_counts(struct quality *q)
{
	return &q->r;
}

static void emit(struct quality *q, enum event_kind kind, uint32_t input, uint64_t frame, int64_t ts,
		 uint64_t count, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void emit(struct quality *q, enum event_kind kind, uint32_t input, uint64_t frame, int64_t ts,
		 uint64_t count, const char *fmt, ...)
{
	struct event e = { .kind = (uint8_t)kind, .capture = input, .frame = frame, .ts_ns = ts,
			   .count = count };
	va_list ap;

	if (!q->emit)
		return;
	va_start(ap, fmt);
	vsnprintf(e.detail, sizeof e.detail, fmt, ap);
	va_end(ap);
	q->emit(q->ctx, &e);
}

void quality_record(struct quality *q, uint32_t input, const struct tp_record *rec)
{
	q->r.frames++;
	q->record_damaged = false;
	ts_stats_add(&q->ts, rec->ts_ns, rec->no_timestamp, input, rec->frame);
	if (input + 1 > q->inputs)
		q->inputs = input + 1;
	if (rec->has_drop_count && rec->drop_count) {
		q->r.epb_drops += rec->drop_count;
		emit(q, EV_CAPTURE_DROPS, input, rec->frame, rec->ts_ns, rec->drop_count,
		     "the sensor says it dropped %llu packets before this one (epb_dropcount)",
		     (unsigned long long)rec->drop_count);
	}
	if (rec->has_flags) {
		uint32_t dir = rec->flags & TP_FLAG_DIR_MASK;

		q->inbound += dir == 1;
		q->outbound += dir == 2;
		if (rec->flags & TP_FLAG_LL_ERRORS_MASK) {
			q->r.link_errors++;
			q->record_damaged = true;
			emit(q, EV_LINK_ERROR, input, rec->frame, rec->ts_ns, 1,
			     "link-layer error flags 0x%04x (epb_flags)%s",
			     (unsigned)(rec->flags >> 16), (rec->flags & TP_FLAG_ERR_CRC) ? ": CRC error" : "");
		}
	}
	if (rec->caplen < rec->origlen) {
		q->r.truncated++;
		emit(q, EV_SNAPLEN_CUT, input, rec->frame, rec->ts_ns, rec->origlen - rec->caplen,
		     "captured %u of %u bytes", rec->caplen, rec->origlen);
	}
}

static void count_vlan(struct quality *q, uint16_t id)
{
	for (int i = 0; i < MAX_VLAN_IDS; i++) {
		if (q->vlan_frames[i] && q->vlan_ids[i] != id)
			continue;
		q->vlan_ids[i] = id;
		q->vlan_frames[i]++;
		return;
	}
}

int frame_size_fault(const struct tp_packet *pkt)
{
	if (pkt->linktype != LINKTYPE_ETHERNET || pkt->encap || !pkt->wire_len)
		return 0;
	if (pkt->wire_len < ETH_MIN_WIRE)
		return -1;
	return pkt->wire_len > ETH_MAX_WIRE + 4u * pkt->nvlans;
}

bool frame_damaged(const struct tp_record *rec, const struct tp_packet *pkt)
{
	return (rec->has_flags && (rec->flags & TP_FLAG_LL_ERRORS_MASK)) || (pkt->flags & TP_PKT_FCS_BAD) ||
	       frame_size_fault(pkt) != 0;
}

bool quality_packet(struct quality *q, uint32_t input, uint64_t frame, const struct tp_packet *pkt)
{
	uint32_t f = pkt->flags;
	int64_t ts = pkt->ts_ns;
	bool damaged = q->record_damaged;

	q->packets++;
	q->encap[pkt->encap < TP_ENCAP_COUNT ? pkt->encap : 0]++;
	if (pkt->encap == TP_ENCAP_ERSPAN2 || pkt->encap == TP_ENCAP_ERSPAN3) {
		q->erspan_version = pkt->encap == TP_ENCAP_ERSPAN2 ? 2 : 3;
		q->erspan_session = pkt->erspan.session;
	}
	if (pkt->nvlans) {
		q->tagged++;
		count_vlan(q, pkt->vlans[0]);
	}
	if (f & TP_PKT_FCS_BAD) {
		damaged = true;
		q->r.fcs_errors++;
		emit(q, EV_FCS_ERROR, input, frame, ts, 1, "FCS 0x%08x is wrong", pkt->fcs);
	}
	switch (frame_size_fault(pkt)) {
	case -1:
		damaged = true;
		q->r.runts++;
		emit(q, EV_RUNT, input, frame, ts, 1, "%u bytes on the wire (without FCS): a runt", pkt->wire_len);
		break;
	case 1:
		damaged = true;
		q->r.oversize++;
		emit(q, EV_OVERSIZE, input, frame, ts, 1, "%u bytes on the wire, more than %u", pkt->wire_len,
		     ETH_MAX_WIRE + 4u * pkt->nvlans);
		break;
	default:
		break;
	}
	q->r.damaged_frames += damaged;
	if (damaged)
		damaged_frame(q, pkt);
	q->record_damaged = false;
	if (f & TP_PKT_ERSPAN_TRUNC) {
		q->r.erspan_truncated++;
		emit(q, EV_ERSPAN_TRUNCATED, input, frame, ts, 1,
		     "ERSPAN session %u cut the mirrored frame (T bit)", pkt->erspan.session);
	}
	if (f & TP_PKT_IP_CKSUM_BAD) {
		q->r.ip_checksum_errors++;
		emit(q, EV_IP_CHECKSUM, input, frame, ts, 1, "IPv4 header checksum wrong");
	}
	if (f & TP_PKT_L4_CKSUM_BAD) {
		q->r.l4_checksum_errors++;
		emit(q, EV_L4_CHECKSUM, input, frame, ts, 1, "%s checksum wrong",
		     pkt->ip_proto == 6 ? "TCP" : pkt->ip_proto == 17 ? "UDP" : "ICMP");
	}
	if (f & TP_PKT_MALFORMED) {
		q->r.malformed++;
		emit(q, EV_MALFORMED, input, frame, ts, 1, "%s",
		     tp_malformed_name((enum tp_malformed)pkt->malformed));
	}
	seqcheck_tunnel(q->seq, pkt, input, frame);
	if (q->dedup) {
		uint32_t first_capture;
		uint64_t first_frame;

		return dedup_check(q->dedup, pkt, input, frame, &first_capture, &first_frame) != DUP_NONE;
	}
	return false;
}

/* A loss at ts of `size` (bytes or frames) joins the last burst or opens one. */
static void add_loss(struct quality *q, int64_t ts, uint64_t size)
{
	struct view_quality *r = &q->r;
	struct loss_burst *b = r->nbursts ? &r->bursts[r->nbursts - 1] : NULL;

	if (!b || (ts - b->end_ns > BURST_GAP_NS && r->nbursts < MAX_BURSTS)) {
		b = &r->bursts[r->nbursts++];
		b->start_ns = b->end_ns = ts;
		b->events = 0;
		b->size = 0;
	}
	if (ts < b->start_ns)
		b->start_ns = ts;
	if (ts > b->end_ns)
		b->end_ns = ts;
	b->events++;
	b->size += size;
}

void quality_message(struct quality *q, uint32_t input, uint64_t frame, const struct tp_packet *pkt,
		     const struct ics_msg *m)
{
	q->msg_pkt = pkt;
	seqcheck_ics(q->seq, pkt, m, input, frame);
	q->msg_pkt = NULL;
}

void quality_tcp_gap(struct quality *q, uint32_t input, uint64_t frame, int64_t ts_ns, uint32_t bytes)
{
	add_loss(q, ts_ns, bytes);
	emit(q, EV_TCP_GAP, input, frame, ts_ns, bytes,
	     "%u bytes of TCP payload acknowledged or skipped but never seen", bytes);
}

void quality_loss_event(struct quality *q, const struct event *e)
{
	add_loss(q, e->ts_ns, e->count);
}

/* A UDP service that always answers a unicast request (DNS, NTP, SNMP):
 * requests seen without a single answer say the view misses a direction. */
static bool answering_udp(const struct flow *f, int asked)
{
	uint16_t port = f->key.port[asked];
	const uint8_t *a = f->key.addr[asked];
	bool unicast = f->key.ip_version == 4 ? a[0] < 224 && a[3] != 255 : a[0] != 0xff;

	return unicast && (port == 53 || port == 123 || port == 161);
}

/* The ICS polling streams of a flow (their periods are known once the
 * flow's ICS side is finished). */
static void cyclic(struct view_quality *r, const struct flow *f)
{
	const struct ics_flow *st = ics_flow_of(f);

	for (size_t i = 0; st && i < st->nprotos; i++) {
		const struct cycle_result *c = &st->protos[i].period;

		if (c->intervals < 10 || !st->protos[i].polled)
			continue;	/* polls only: publications burst on purpose */
		r->cyclic_streams++;
		if (c->p99_ns > r->cyclic_jitter_p99_ns)
			r->cyclic_jitter_p99_ns = c->p99_ns;
	}
}

void quality_flow(struct quality *q, const struct flow *f)
{
	struct view_quality *r = &q->r;

	cyclic(r, f);
	if (f->key.kind == FLOW_IP && f->key.proto == 17) {
		for (int s = 0; s < 2; s++)
			if (f->dir[s].frames && !f->dir[!s].frames && answering_udp(f, !s)) {
				r->one_sided_flows++;
				emit(q, EV_ONE_SIDED_FLOW, f->first_capture, f->first_frame, f->first_ts,
				     f->dir[s].frames, "%llu requests to UDP port %u and no answer seen",
				     (unsigned long long)f->dir[s].frames, f->key.port[!s]);
			}
		return;
	}
	if (f->key.kind != FLOW_IP || f->key.proto != 6)
		return;
	for (int s = 0; s < 2; s++) {
		const struct flow_dir *d = &f->dir[s], *peer = &f->dir[!s];

		/* Bytes of s's stream its peer acknowledged (32-bit sequence
		 * space: a flow longer than 4 GiB counts modulo). */
		if (d->seq_init && peer->ack_init) {
			uint32_t acked = peer->max_ack - (d->isn + 1);

			if (acked < (1u << 31))
				r->tcp_acked_bytes += acked;
		}
		r->tcp_gap_bytes += d->gap_bytes;
		r->tcp_retransmissions += d->retransmissions;
	}
	/* One side only, and that side acknowledges data of a peer the view
	 * never shows. */
	for (int s = 0; s < 2; s++)
		if (f->dir[s].frames && !f->dir[!s].frames && f->dir[s].ack_init &&
		    f->dir[s].max_ack != 0 && !(f->history[0] == 'S' && f->history[1] == '\0')) {
			r->one_sided_flows++;
			emit(q, EV_ONE_SIDED_FLOW, f->first_capture, f->first_frame, f->first_ts,
			     f->dir[s].frames, "TCP flow seen one way only: %llu frames acknowledge a peer "
			     "never seen", (unsigned long long)f->dir[s].frames);
		}
}

void quality_isb_drops(struct quality *q, uint64_t drops)
{
	q->r.has_isb_drops = true;
	q->r.isb_drops += drops;
}

/* The largest of the loss rates the evidence gives, and which; when none
 * sees loss, every kind that could have. */
static void consider(struct view_quality *r, double v, const char *name, double *best, char *seen,
		     size_t cap)
{
	size_t n = strlen(seen);

	snprintf(seen + n, cap - n, "%s%s", n ? "; " : "", name);
	if (v > *best) {
		*best = v;
		snprintf(r->loss_basis, sizeof r->loss_basis, "%s", name);
	}
}

static void loss_estimate(struct view_quality *r)
{
	double best = -1;
	char seen[sizeof r->loss_basis] = "";

	r->loss_basis[0] = '\0';
	if (r->has_isb_drops || r->epb_drops) {
		uint64_t d = r->isb_drops > r->epb_drops ? r->isb_drops : r->epb_drops;

		consider(r, (double)d / (double)(r->frames + d), "sensor counters", &best, seen, sizeof seen);
	}
	if (r->tcp_acked_bytes)
		consider(r, (double)r->tcp_gap_bytes / (double)r->tcp_acked_bytes, "TCP", &best, seen,
			 sizeof seen);
	if (r->tunnel_expected)
		consider(r, (double)r->tunnel_seq_gaps / (double)r->tunnel_expected, "tunnel sequence",
			 &best, seen, sizeof seen);
	if (r->ics_seq_values)
		consider(r, (double)r->ics_seq_gaps / (double)(r->ics_seq_values + r->ics_seq_gaps),
			 "ICS counters", &best, seen, sizeof seen);
	if (best <= 0)
		snprintf(r->loss_basis, sizeof r->loss_basis, "%s", seen);
	r->loss_estimate = best > 1 ? 1 : best;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* The mirror this view most probably came through, from what it shows of
 * itself: tunnels, a remote VLAN on every frame, damaged frames passed,
 * duplicates, one-sided flows, direction flags, sensor drops. */
static void mirror_guess(struct quality *q)
{
	struct view_quality *r = &q->r;
	uint64_t n = q->packets ? q->packets : 1;
	uint64_t damaged = r->damaged_frames;
	uint64_t top = 0;
	uint16_t top_id = 0;
	const char *like;
	char ev[256];

	for (int i = 0; i < MAX_VLAN_IDS; i++)
		if (q->vlan_frames[i] > top) {
			top = q->vlan_frames[i];
			top_id = q->vlan_ids[i];
		}
	if (q->encap[TP_ENCAP_ERSPAN2] + q->encap[TP_ENCAP_ERSPAN3] + q->encap[TP_ENCAP_ERSPAN1] >= n / 2) {
		like = q->erspan_version == 3 ? "erspan type iii" : q->erspan_version == 2 ? "erspan type ii"
											   : "erspan type i";
		snprintf(ev, sizeof ev, "%.0f%% of frames in ERSPAN (session %u)",
			 pct(q->encap[TP_ENCAP_ERSPAN1] + q->encap[TP_ENCAP_ERSPAN2] + q->encap[TP_ENCAP_ERSPAN3], n),
			 q->erspan_session);
	} else if (q->encap[TP_ENCAP_GRE] >= n / 2) {
		like = "gre tunnel";
		snprintf(ev, sizeof ev, "%.0f%% of frames in GRE", pct(q->encap[TP_ENCAP_GRE], n));
	} else if (q->encap[TP_ENCAP_VXLAN] + q->encap[TP_ENCAP_GENEVE] >= n / 2) {
		like = "virtual overlay (vxlan/geneve)";
		snprintf(ev, sizeof ev, "%.0f%% of frames in VXLAN or Geneve",
			 pct(q->encap[TP_ENCAP_VXLAN] + q->encap[TP_ENCAP_GENEVE], n));
	} else if (top * 100 >= n * 95 && q->tagged) {
		like = "rspan";
		snprintf(ev, sizeof ev, "VLAN %u on %.0f%% of frames (a remote SPAN VLAN)", top_id, pct(top, n));
	} else if (q->inputs == 2 && q->inbound && q->outbound) {
		like = "tap (non-aggregating)";
		snprintf(ev, sizeof ev, "two captures, one per direction (%llu inbound, %llu outbound)",
			 (unsigned long long)q->inbound, (unsigned long long)q->outbound);
	} else if (damaged && !r->duplicates) {
		like = "tap";
		snprintf(ev, sizeof ev, "%llu damaged frames passed, no duplicate: a passive TAP copies "
			 "everything, a switch drops bad frames", (unsigned long long)damaged);
	} else if (r->duplicates * 1000 >= n * 5) {
		like = "span";
		snprintf(ev, sizeof ev, "%.1f%% of frames duplicated (a frame copied on RX and TX of two "
			 "mirrored ports)%s", pct(r->duplicates, n), r->nbursts ? ", loss in bursts" : "");
	} else if (r->one_sided_flows) {
		like = "span (one direction) or asymmetric path";
		snprintf(ev, sizeof ev, "%llu flows seen one way only", (unsigned long long)r->one_sided_flows);
	} else if ((r->has_isb_drops && r->isb_drops) || r->epb_drops) {
		like = "host or vswitch capture";
		snprintf(ev, sizeof ev, "the capturing host itself dropped %llu packets",
			 (unsigned long long)(r->isb_drops > r->epb_drops ? r->isb_drops : r->epb_drops));
	} else {
		like = "tap or span";
		snprintf(ev, sizeof ev, "no damage, duplicate, tunnel or tag tells them apart");
	}
	snprintf(r->looks_like, sizeof r->looks_like, "%s", like);
	snprintf(r->evidence, sizeof r->evidence, "%s", ev);
}

static void append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

/* "2024-05-14 06:02:10": to the second, for a sentence. */
static void utc(char *buf, size_t len, int64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "?");
}

static const char *resolution_name(int64_t ns)
{
	switch (ns) {
	case 1:
		return "ns";
	case 10:
	case 100:
		return ns == 10 ? "10 ns" : "100 ns";
	case 1000:
		return "µs";
	case 10000:
	case 100000:
		return ns == 10000 ? "10 µs" : "100 µs";
	case 1000000:
		return "ms";
	case 1000000000:
		return "s";
	default:
		return NULL;
	}
}

/* "span: about 2.1% of TCP payload lost, in 3 bursts between 10:02:10 and
 * 10:05:40 UTC; 3.4% of frames duplicated; no damaged frame passed; ..." */
static void verdict(struct quality *q, const char *view)
{
	struct view_quality *r = &q->r;
	char *v = r->verdict;
	size_t cap = sizeof r->verdict;
	uint64_t damaged = r->damaged_frames;

	v[0] = '\0';
	append(v, cap, "%s (looks like %s): ", view, r->looks_like);
	if (r->loss_estimate > 0) {
		append(v, cap, "about %.2g%% lost (%s)", 100 * r->loss_estimate, r->loss_basis);
	} else if (r->loss_estimate == 0) {
		append(v, cap, "no loss seen (%s)", r->loss_basis);
	} else {
		append(v, cap, "loss not measurable (no TCP, tunnel or ICS counters)");
	}
	if (r->nbursts) {
		char a[32], b[32];

		utc(a, sizeof a, r->bursts[0].start_ns);
		utc(b, sizeof b, r->bursts[r->nbursts - 1].end_ns);
		append(v, cap, ", in %zu burst%s between %s and %s UTC", r->nbursts,
		       r->nbursts == 1 ? "" : "s", a, b);
	}
	if (r->tcp_retransmissions)
		append(v, cap, "; %llu TCP retransmissions (loss on the network, before the mirror)",
		       (unsigned long long)r->tcp_retransmissions);
	if (r->ics_seq_gaps || r->ics_unanswered)
		append(v, cap, "; ICS counters skip %llu values, %llu requests unanswered",
		       (unsigned long long)r->ics_seq_gaps, (unsigned long long)r->ics_unanswered);
	if (r->ics_damaged_values)
		append(v, cap, "; %llu ICS counter values lost to damage on the wire (the frames passed damaged)",
		       (unsigned long long)r->ics_damaged_values);
	if (r->one_sided_flows)
		append(v, cap, "; %llu flows seen one way only", (unsigned long long)r->one_sided_flows);
	if (r->duplicates)
		append(v, cap, "; %.2g%% of frames duplicated", pct(r->duplicates, r->frames));
	else
		append(v, cap, "; no duplicate");
	if (damaged)
		append(v, cap, "; %llu damaged frames passed", (unsigned long long)damaged);
	else
		append(v, cap, "; no damaged frame passed");
	if (r->truncated)
		append(v, cap, "; %llu frames cut by the snaplen", (unsigned long long)r->truncated);
	if (r->ts_resolution_ns && resolution_name(r->ts_resolution_ns))
		append(v, cap, "; timestamps in %s", resolution_name(r->ts_resolution_ns));
	if (r->ts_backwards)
		append(v, cap, "; %llu timestamps go backwards", (unsigned long long)r->ts_backwards);
	if (r->cyclic_streams)
		append(v, cap, "; %llu polling streams, jitter p99 up to %.3g ms",
		       (unsigned long long)r->cyclic_streams, (double)r->cyclic_jitter_p99_ns / 1e6);
}

/* What the timestamps themselves say. */
static void timing(struct quality *q)
{
	const struct ts_result *t = ts_stats_finish(&q->ts);
	struct view_quality *r = &q->r;

	r->ts_resolution_ns = (int64_t)t->res_ns;
	r->ts_backwards = t->backwards;
	r->ts_largest_back_ns = t->backwards_max_ns;
	r->ts_identical_runs = t->equal_runs;
	r->ts_silences = t->silences;
	r->ts_longest_silence_ns = t->silences ? t->max_gap_ns : 0;
}

/* What the duplicate check found. */
static void duplicates(struct quality *q)
{
	const struct dedup_result *d = q->dedup ? dedup_finish(q->dedup) : NULL;
	struct view_quality *r = &q->r;

	if (!d)
		return;
	r->duplicates = d->duplicates;
	r->dup_identical = d->dups[DUP_IDENTICAL];
	r->dup_vlan = d->dups[DUP_VLAN];
	r->dup_routed = d->dups[DUP_ROUTED];
	r->dup_tunnel = d->dups[DUP_TUNNEL];
}

/* What the tunnel and ICS counters say. */
static void sequences(struct quality *q)
{
	const struct seqcheck_stats *s;
	struct view_quality *r = &q->r;

	seqcheck_finish(q->seq);
	s = seqcheck_stats(q->seq);
	r->tunnel_expected = s->tunnel_expected;
	r->tunnel_seq_gaps = s->tunnel.missing;
	for (int p = 0; p < ICS_PROTO_COUNT; p++) {
		r->ics_seq_gaps += s->ics[p].missing;
		r->ics_seq_values += s->ics[p].values;
	}
	r->ics_seq_gaps -= r->ics_damaged_values < r->ics_seq_gaps ? r->ics_damaged_values : r->ics_seq_gaps;
	r->ics_unanswered = s->modbus.unanswered;
	r->ics_unasked = s->modbus.unasked;
}

const struct view_quality *quality_finish(struct quality *q, const char *view)
{
	timing(q);
	duplicates(q);
	sequences(q);
	loss_estimate(&q->r);
	mirror_guess(q);
	verdict(q, view);
	return &q->r;
}

void quality_free(struct quality *q)
{
	if (q) {
		dedup_free(q->dedup);
		seqcheck_free(q->seq);
	}
	free(q);
}
