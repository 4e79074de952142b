/*
 * truth.c - the ground truth as CSV (RFC 4180): one row per wire frame, per
 * device, per known asset, per view, per record a view wrote.  Text fields
 * are always quoted with inner quotes doubled; a cell starting with = + - @
 * TAB or CR gets a leading apostrophe so a spreadsheet does not run it as a
 * formula.
 * Times are ISO 8601 UTC with nine decimals.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "samples/sim.h"

static void csv_text(FILE *f, const char *s)
{
	fputc('"', f);
	if (s[0] && strchr("=+-@\t\r", s[0]))
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void iso_time(FILE *f, uint64_t ns)
{
	time_t sec = (time_t)(ns / SIM_NS_PER_S);
	struct tm tm;

	gmtime_r(&sec, &tm);
	fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRIu64 "Z", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (uint64_t)(ns % SIM_NS_PER_S));
}

static void mac_text(char out[18], const uint8_t m[6])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void ip_text(char out[16], const uint8_t ip[4])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

static const char *damage_name(unsigned d)
{
	switch (d) {
	case SIM_DAMAGE_NONE: return "none";
	case SIM_DAMAGE_BAD_FCS: return "bad_fcs";
	case SIM_DAMAGE_RUNT: return "runt";
	}
	return "unknown";
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return NULL;
	return fopen(path, "w");
}

static int close_checked(FILE *f)
{
	int bad = ferror(f);

	return (fclose(f) != 0 || bad) ? -1 : 0;
}

int truth_write_frames(const struct sim_plant *pl, const char *dir)
{
	FILE *f = open_in(dir, "truth-frames.csv");

	if (!f)
		return -1;
	fputs("index,ts,in_port,out_ports,length,protocol,damaged\n", f);
	for (size_t i = 0; i < pl->wire.n; i++) {
		const struct sim_frame *fr = &pl->wire.frames[i];
		char ports[SIM_MAX_PORTS * 3 + 1];
		size_t n = 0;

		ports[0] = '\0';
		for (unsigned p = 1; p <= SIM_MAX_PORTS; p++)
			if (fr->out_ports & (1u << p))
				n += (size_t)snprintf(ports + n, sizeof ports - n, "%s%u", n ? ";" : "", p);
		fprintf(f, "%zu,", i + 1);
		iso_time(f, fr->ts_ns);
		fprintf(f, ",%u,", fr->in_port);
		csv_text(f, ports);
		fprintf(f, ",%u,", fr->len);
		csv_text(f, fr->proto);
		fputc(',', f);
		csv_text(f, damage_name(fr->damage));
		fputc('\n', f);
	}
	return close_checked(f);
}

/* name,mac,ip,vendor,model,role: the columns the truth and the inventory share. */
static void device_columns(FILE *f, const struct sim_device *d)
{
	char mac[18], ip[16];

	mac_text(mac, d->mac);
	ip_text(ip, d->ip);
	csv_text(f, d->name);
	fputc(',', f);
	csv_text(f, mac);
	fputc(',', f);
	csv_text(f, ip);
	fputc(',', f);
	csv_text(f, d->vendor);
	fputc(',', f);
	csv_text(f, d->model);
	fputc(',', f);
	csv_text(f, d->role);
}

int truth_write_assets(const struct sim_plant *pl, const char *dir)
{
	FILE *f = open_in(dir, "truth-assets.csv");

	if (!f)
		return -1;
	fputs("name,mac,ip,vendor,model,role,protocols,port,rogue,link_up\n", f);
	for (size_t i = 0; i < pl->ndev; i++) {
		const struct sim_device *d = &pl->dev[i];

		device_columns(f, d);
		fputc(',', f);
		csv_text(f, d->protocols);
		fprintf(f, ",%u,%s,", d->port, d->rogue ? "yes" : "no");
		iso_time(f, pl->start_ns + d->link_up_ns);
		fputc('\n', f);
	}
	return close_checked(f);
}

int truth_write_inventory(const struct sim_plant *pl, const char *dir)
{
	FILE *f = open_in(dir, "inventory.csv");

	if (!f)
		return -1;
	fputs("name,mac,ip,vendor,model,role,port\n", f);
	for (size_t i = 0; i < pl->ndev; i++) {
		const struct sim_device *d = &pl->dev[i];

		if (d->rogue)
			continue;
		device_columns(f, d);
		fprintf(f, ",%u\n", d->port);
	}
	return close_checked(f);
}

int truth_write_views(const struct sim_view_truth *v, size_t n, const char *dir)
{
	FILE *f = open_in(dir, "truth-views.csv");

	if (!f)
		return -1;
	/* Columns (one row per view; file lists its captures, ';'-separated):
	 *   wire_frames     distinct wire frames the view should carry (before loss)
	 *   frames          records in its files
	 *   dropped         copies the mirror dropped (queue overflow)
	 *   duplicated      extra copies (a frame crossing two mirrored ports)
	 *   damaged_passed  damaged frames written; damaged_dropped: discarded
	 *   reordered       records received after one the mirror queued later
	 *   offset_ns, drift_ppm  the sensor clock: written = t + offset + drift
	 *                   x (t - start of the capture day's run)
	 *   delay_ns, jitter_ns   fixed path delay and jitter bound (queueing
	 *                   delay comes on top, growing with the load)
	 *   tunnel_frames, tunnel_lost  ERSPAN packets sent and lost in transit
	 *   sensor_dropped  frames the sensor's own capture lost after receiving
	 *                   them (its pcapng ISB isb_ifdrop; the mirror's drops
	 *                   upstream are invisible to it and stay in dropped)
	 * so frames = wire_frames - dropped + duplicated - tunnel_lost
	 *             - sensor_dropped. */
	fputs("view,file,method,wire_frames,frames,dropped,duplicated,damaged_passed,damaged_dropped,"
	      "reordered,offset_ns,drift_ppm,delay_ns,jitter_ns,tunnel_frames,tunnel_lost,sensor_dropped\n", f);
	for (size_t i = 0; i < n; i++) {
		csv_text(f, v[i].name);
		fputc(',', f);
		csv_text(f, v[i].file);
		fputc(',', f);
		csv_text(f, v[i].method);
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRId64 ",%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			v[i].wire_frames, v[i].written, v[i].dropped, v[i].duplicated, v[i].damaged_passed, v[i].damaged_dropped,
			v[i].reordered, v[i].offset_ns, v[i].drift_ppm, v[i].delay_ns, v[i].jitter_ns,
			v[i].tunnel_frames, v[i].tunnel_lost, v[i].sensor_dropped);
	}
	return close_checked(f);
}

/* Appends one record to the view's list; a failure marks the list
 * incomplete (and frees it) rather than leaving a file with rows missing. */
static void copies_add(struct sim_view_truth *vt, uint32_t frame, uint64_t ts_ns)
{
	if (vt->copies_failed)
		return;
	if (vt->ncopies == vt->copies_cap) {
		size_t cap = vt->copies_cap ? vt->copies_cap * 2 : 4096;
		struct sim_copy *nc;

		if (cap > SIM_MAX_COPIES)
			cap = SIM_MAX_COPIES;
		nc = cap > vt->copies_cap ? realloc(vt->copies, cap * sizeof *nc) : NULL;
		if (!nc) {
			free(vt->copies);
			vt->copies = NULL;
			vt->ncopies = vt->copies_cap = 0;
			vt->copies_failed = true;
			return;
		}
		vt->copies = nc;
		vt->copies_cap = cap;
	}
	vt->copies[vt->ncopies++] = (struct sim_copy){ ts_ns, frame };
}

void truth_view_saw(struct sim_view_truth *vt, const struct sim_plant *pl, const struct sim_frame *f,
		    uint64_t ts_ns)
{
	/* Every record, damaged ones too; the per-sender counts leave those out. */
	if (!pl->par.no_copies)
		copies_add(vt, (uint32_t)(f - pl->wire.frames), ts_ns);
	if (f->damage)
		return;
	for (size_t i = 0; i < pl->ndev; i++) {
		if (pl->dev[i].port != f->in_port)
			continue;
		if (!vt->sent_by[i] || ts_ns < vt->first_sent_ns[i])
			vt->first_sent_ns[i] = ts_ns;
		vt->sent_by[i]++;
		return;
	}
}

int truth_write_visibility(const struct sim_plant *pl, const struct sim_view_truth *v, size_t n,
			   const char *dir)
{
	FILE *f = open_in(dir, "truth-visibility.csv");

	if (!f)
		return -1;
	/* One row per view and device: the undamaged frames the device sent
	 * that the view's files hold (copies counted: a SPAN copies a frame
	 * that crosses two mirrored ports twice), and the first one's time as
	 * the view stamped it (empty when it holds none). */
	fputs("view,device,mac,frames,first_ts\n", f);
	for (size_t i = 0; i < n; i++) {
		for (size_t d = 0; d < pl->ndev; d++) {
			char mac[18];

			mac_text(mac, pl->dev[d].mac);
			csv_text(f, v[i].name);
			fputc(',', f);
			csv_text(f, pl->dev[d].name);
			fputc(',', f);
			csv_text(f, mac);
			fprintf(f, ",%" PRIu64 ",", v[i].sent_by[d]);
			if (v[i].sent_by[d])
				iso_time(f, v[i].first_sent_ns[d]);
			fputc('\n', f);
		}
	}
	return close_checked(f);
}

int truth_write_copies(const struct sim_view_truth *v, size_t n, const char *dir)
{
	FILE *f;

	for (size_t i = 0; i < n; i++)
		if (v[i].copies_failed) {
			errno = ENOMEM;	/* the list hit the allocator's or SIM_MAX_COPIES' limit */
			return -1;
		}
	f = open_in(dir, "truth-copies.csv");
	if (!f)
		return -1;
	/* Columns (one row per record a view wrote; each view's rows in the
	 * order its mirror wrote them, a view of two files interleaved):
	 *   index  the wire frame it is a copy of (1-based, as truth-frames.csv)
	 *   ts_ns  its stamp as written, ns since 1970 (the view's clock and
	 *          resolution; the TAPs stamp the wire time itself)
	 * Damaged frames are included (the TAPs pass them). */
	fputs("view,index,ts_ns\n", f);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i].ncopies; k++) {
			csv_text(f, v[i].name);
			fprintf(f, ",%" PRIu32 ",%" PRIu64 "\n", v[i].copies[k].frame + 1, v[i].copies[k].ts_ns);
		}
	return close_checked(f);
}

void truth_view_free(struct sim_view_truth *vt)
{
	free(vt->copies);
	vt->copies = NULL;
	vt->ncopies = vt->copies_cap = 0;
}
