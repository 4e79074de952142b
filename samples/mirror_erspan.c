/*
 * mirror_erspan.c - ERSPAN sessions from the plant switch (192.168.100.1)
 * to a collector (192.168.100.50), mirroring ports 2-4 RX and TX like SPAN
 * (same queue model, 1 Gbit/s uplink, 64 KiB), each copy (without its FCS)
 * in GRE (RFC 2784/2890, S bit and a sequence number) in IPv4, as an
 * Ethernet frame on the collector's link (draft-foschiano-erspan-03):
 *
 *   type II  GRE 0x88BE, 8 bytes:  Ver=1(4) VLAN(12) | COS(3) En(2) T(1)
 *            Session(10) | Reserved(12) Index(20)          -> erspan.pcapng
 *   type III GRE 0x22EB, 12 bytes: Ver=2(4) VLAN(12) | COS(3) BSO(2) T(1)
 *            Session(10) | Timestamp(32) | SGT(16) P(1) FT(5) HW ID(6)
 *            D(1) Gra(2) O(1)  (Gra=01: 100 ns units, O=0: no platform
 *            subheader)                               -> erspan3.pcapng.zst
 *
 * A few tunnel packets are lost on the way (gaps in the GRE sequence).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "samples/sim.h"

#define ERSPAN_PORTS ((1u << 2) | (1u << 3) | (1u << 4))
#define ERSPAN_OVERHEAD (14u + 20u + 8u)	/* outer Ethernet, IPv4, GRE with sequence */
#define ERSPAN_MAX (SIM_MAX_FRAME + ERSPAN_OVERHEAD + 12u + 4u)

static const uint8_t switch_mac[6] = { 0x00, 0x00, 0x0c, 0x9f, 0xf0, 0x01 };
static const uint8_t collector_mac[6] = { 0x00, 0x14, 0x22, 0x55, 0x00, 0x50 };
static const uint8_t switch_ip[4] = { 192, 168, 100, 1 };
static const uint8_t collector_ip[4] = { 192, 168, 100, 50 };

/* Not a sim_buf: an ERSPAN packet is a whole frame plus the tunnel's
 * headers, more than SIM_MAX_FRAME. */
struct obuf {
	uint8_t b[ERSPAN_MAX];
	size_t len;
};

static void o8(struct obuf *o, unsigned v)
{
	if (o->len < sizeof o->b)
		o->b[o->len++] = (uint8_t)v;
}

static void o16(struct obuf *o, unsigned v)
{
	o8(o, v >> 8);
	o8(o, v);
}

static void o32(struct obuf *o, uint32_t v)
{
	o16(o, v >> 16);
	o16(o, v & 0xffff);
}

static void obytes(struct obuf *o, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		o8(o, b[i]);
}

struct erspan_session {
	const char *name, *file, *descr;
	int type;		/* 2 or 3 */
	unsigned session;
	uint64_t seed;
	int64_t offset_ns, drift_ppb;
};

static int write_session(const struct sim_plant *pl, const struct erspan_session *s, const char *path,
			 struct sim_view_truth *vt)
{
	const struct span_cfg cfg = {
		.rx_ports = ERSPAN_PORTS, .tx_ports = ERSPAN_PORTS, .rate_bps = 1000000000,
		.buffer_bytes = 65536, .extra_bytes = ERSPAN_OVERHEAD + (s->type == 2 ? 8 : 12),
		.hop_ns = 40000, .hop_jitter_ns = 20000, .reorder_ppm = 0, .seed = s->seed,
	};
	struct sim_rng loss = { s->seed ^ 0x6c6f7373 };
	struct pcapng_writer w;
	struct mirror_copy *cp;
	size_t n;
	uint16_t ip_id = (uint16_t)s->seed;
	int rc;

	*vt = (struct sim_view_truth){ .name = s->name, .file = s->file, .method = s->descr,
				       .offset_ns = s->offset_ns, .drift_ppm = (double)s->drift_ppb / 1000.0,
				       .delay_ns = 50000, .jitter_ns = 10000 };
	if (span_run(pl, &cfg, &cp, &n, vt) != 0)
		return -1;
	if (pcapng_open(&w, path, "erspan0", s->descr) != 0) {
		free(cp);
		return -1;
	}
	vt->tunnel_frames = n;
	vt->written = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sim_frame *f = &pl->wire.frames[cp[i].frame];
		struct obuf o = { .len = 0 };
		size_t ip_at;
		unsigned csum;
		uint32_t fcs;
		uint64_t ts;
		/* The switch stamps the type III header with its own 100 ns clock. */
		uint32_t ts100 = (uint32_t)((cp[i].t_ns - pl->start_ns) / 100);

		if (sim_rng_below(&loss, 1000000) < pl->par.tunnel_loss_ppm) {
			vt->tunnel_lost++;	/* sequence number i never arrives */
			continue;
		}
		obytes(&o, collector_mac, 6);
		obytes(&o, switch_mac, 6);
		o16(&o, 0x0800);
		ip_at = o.len;
		o8(&o, 0x45);
		o8(&o, 0);
		o16(&o, (unsigned)(20 + 8 + (s->type == 2 ? 8 : 12) + f->len - 4));
		o16(&o, ip_id++);
		o16(&o, 0x4000);
		o8(&o, 255);
		o8(&o, 47);	/* GRE */
		o16(&o, 0);
		obytes(&o, switch_ip, 4);
		obytes(&o, collector_ip, 4);
		csum = net_checksum(o.b + ip_at, 20);
		o.b[ip_at + 10] = (uint8_t)(csum >> 8);
		o.b[ip_at + 11] = (uint8_t)csum;
		o16(&o, 0x1000);	/* S: sequence number present */
		o16(&o, s->type == 2 ? 0x88be : 0x22eb);
		o32(&o, (uint32_t)i);
		/* Ver, VLAN 1 (the mirrored ports' access VLAN); COS 0, T 0. */
		o16(&o, (s->type == 2 ? 1u : 2u) << 12 | 1u);
		if (s->type == 2) {
			o16(&o, s->session);	/* En=0: frames were untagged */
			o32(&o, (uint32_t)f->in_port);	/* index: the source port */
		} else {
			o16(&o, s->session);		/* BSO 0: good frames only */
			o32(&o, ts100);
			o16(&o, 0);			/* SGT */
			/* P=1 (an Ethernet frame), FT=0 (Ethernet), HW ID 2 (bits 9-4),
			 * D=0 (ingress), Gra=01 (100 ns), O=0 (no subheader). */
			o16(&o, 1u << 15 | 0x2u << 4 | 1u << 1);
		}
		obytes(&o, f->bytes, f->len - 4u);
		fcs = wire_fcs(o.b, o.len);
		o8(&o, fcs);
		o8(&o, fcs >> 8);
		o8(&o, fcs >> 16);
		o8(&o, fcs >> 24);
		ts = mirror_clock(pl, cp[i].t_ns, s->offset_ns, s->drift_ppb);
		pcapng_write_epb(&w, ts, o.b, (uint32_t)o.len, (uint32_t)o.len, MIRROR_EPB_FCSLEN(4));
		truth_view_saw(vt, pl, f, ts);
		vt->written++;
	}
	/* Tunnel loss shows only as GRE sequence gaps, never as a capture drop. */
	mirror_isb(&w, pl, s->offset_ns, s->drift_ppb, 0);
	rc = pcapng_close(&w);
	free(cp);
	return rc;
}

/* Compresses the finished file in one frame (it is a few MB at most) and
 * removes it, as zstd --rm does; the output depends only on the input. */
static int zstd_file(const char *path, const char *zpath)
{
	FILE *f = fopen(path, "rb");
	long size;
	void *in = NULL, *out = NULL;
	size_t bound, got;
	int rc = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && size < (1L << 30) && fseek(f, 0, SEEK_SET) == 0) {
		bound = ZSTD_compressBound((size_t)size);
		in = malloc((size_t)size);
		out = malloc(bound);
		if (in && out && fread(in, 1, (size_t)size, f) == (size_t)size) {
			got = ZSTD_compress(out, bound, in, (size_t)size, 9);
			if (!ZSTD_isError(got)) {
				FILE *z = fopen(zpath, "wb");

				if (z) {
					rc = fwrite(out, 1, got, z) == got ? 0 : -1;
					if (fclose(z) != 0)
						rc = -1;
				}
			}
		}
	}
	fclose(f);
	free(in);
	free(out);
	if (rc == 0 && unlink(path) != 0)
		rc = -1;
	return rc;
}

int mirror_erspan(const struct sim_plant *pl, const char *dir, struct sim_view_truth vt[2])
{
	static const struct erspan_session s2 = {
		"erspan2", "erspan.pcapng", "erspan-type-ii session 100 of ports 2-4 to 192.168.100.50",
		2, 100, 0x45525332, 250000, 5000,
	};
	static const struct erspan_session s3 = {
		"erspan3", "erspan3.pcapng.zst", "erspan-type-iii session 200 of ports 2-4 to 192.168.100.50",
		3, 200, 0x45525333, -90000, -12000,
	};
	char path[4096], zpath[4096];

	if (mirror_path(path, sizeof path, dir, "erspan.pcapng") != 0 ||
	    write_session(pl, &s2, path, &vt[0]) != 0)
		return -1;
	if (mirror_path(path, sizeof path, dir, "erspan3.pcapng") != 0 ||
	    mirror_path(zpath, sizeof zpath, dir, "erspan3.pcapng.zst") != 0 ||
	    write_session(pl, &s3, path, &vt[1]) != 0)
		return -1;
	return zstd_file(path, zpath);
}
