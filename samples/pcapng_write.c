/*
 * pcapng_write.c - the simulator's own pcapng writer (draft-ietf-opsawg-
 * pcapng: 4.1 SHB, 4.2 IDB, 4.3 EPB, 4.6 ISB), always little-endian, one
 * section and one interface: LINKTYPE_ETHERNET with if_tsresol = 9 (nanoseconds) and
 * if_fcslen = 4 (frames keep their FCS).
 */
#include <string.h>

#include "samples/sim.h"

static void put(struct pcapng_writer *w, const void *b, size_t n)
{
	if (!w->failed && fwrite(b, 1, n, w->f) != n)
		w->failed = true;
}

static void u16(struct pcapng_writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(w, b, 2);
}

static void u32(struct pcapng_writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	put(w, b, 4);
}

static void u64(struct pcapng_writer *w, uint64_t v)
{
	u32(w, (uint32_t)v);
	u32(w, (uint32_t)(v >> 32));
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void pad(struct pcapng_writer *w, size_t n)
{
	static const uint8_t z[4];

	put(w, z, pad4(n) - n);
}

static size_t opt_size(size_t n)
{
	return 4 + pad4(n);
}

static void opt(struct pcapng_writer *w, uint16_t code, const void *v, size_t n)
{
	u16(w, code);
	u16(w, (uint16_t)n);
	put(w, v, n);
	pad(w, n);
}

int pcapng_open(struct pcapng_writer *w, const char *path, const char *if_name, const char *if_descr)
{
	static const char appl[] = "tapsight-sim " TP_VERSION;
	uint8_t tsresol = 9, fcslen = 4;
	uint32_t len;

	memset(w, 0, sizeof *w);
	w->f = fopen(path, "wb");
	if (!w->f)
		return -1;
	/* SHB: type, length, byte-order magic, version 1.0, section length
	 * unknown (-1), shb_userappl (4), opt_endofopt. */
	len = (uint32_t)(28 + opt_size(sizeof appl - 1) + 4);
	u32(w, 0x0a0d0d0a);
	u32(w, len);
	u32(w, 0x1a2b3c4d);
	u16(w, 1);
	u16(w, 0);
	u32(w, 0xffffffff);
	u32(w, 0xffffffff);
	opt(w, 4, appl, sizeof appl - 1);
	u32(w, 0);
	u32(w, len);
	/* IDB: linktype 1, snaplen 0 (no limit), if_name (2), if_description
	 * (3), if_tsresol (9), if_fcslen (13), opt_endofopt. */
	len = (uint32_t)(20 + opt_size(strlen(if_name)) + opt_size(strlen(if_descr)) + opt_size(1) +
			 opt_size(1) + 4);
	u32(w, 1);
	u32(w, len);
	u16(w, 1);
	u16(w, 0);
	u32(w, 0);
	opt(w, 2, if_name, strlen(if_name));
	opt(w, 3, if_descr, strlen(if_descr));
	opt(w, 9, &tsresol, 1);
	opt(w, 13, &fcslen, 1);
	u32(w, 0);
	u32(w, len);
	return w->failed ? -1 : 0;
}

void pcapng_write_epb(struct pcapng_writer *w, uint64_t ts_ns, const uint8_t *b, uint32_t caplen,
		      uint32_t origlen, uint32_t flags)
{
	uint32_t len = (uint32_t)(28 + pad4(caplen) + opt_size(4) + 4 + 4);

	u32(w, 6);
	u32(w, len);
	u32(w, 0);	/* interface 0 */
	u32(w, (uint32_t)(ts_ns >> 32));
	u32(w, (uint32_t)ts_ns);
	u32(w, caplen);
	u32(w, origlen);
	put(w, b, caplen);
	pad(w, caplen);
	u16(w, 2);	/* epb_flags */
	u16(w, 4);
	u32(w, flags);
	u32(w, 0);	/* opt_endofopt */
	u32(w, len);
	if (!w->records || ts_ns < w->first_ns)
		w->first_ns = ts_ns;
	if (!w->records || ts_ns > w->last_ns)
		w->last_ns = ts_ns;
	w->records++;
}

/* Timestamps in options (isb_starttime/endtime) use the EPB's layout: the
 * high 32 bits first, each half in the section's byte order (4.6). */
static void opt_ts(struct pcapng_writer *w, uint16_t code, uint64_t ts_ns)
{
	u16(w, code);
	u16(w, 8);
	u32(w, (uint32_t)(ts_ns >> 32));
	u32(w, (uint32_t)ts_ns);
}

static void opt_u64(struct pcapng_writer *w, uint16_t code, uint64_t v)
{
	u16(w, code);
	u16(w, 8);
	u64(w, v);
}

void pcapng_write_isb(struct pcapng_writer *w, uint64_t start_ns, uint64_t end_ns, uint64_t ifdrop)
{
	/* 12 bytes of framing, interface id, timestamp, five 8-byte options
	 * (4 + 8 each) and opt_endofopt. */
	const uint32_t len = 12 + 4 + 8 + 5 * 12 + 4;

	/* A sensor cannot stamp a record outside its own capture: widen the
	 * window when delay or jitter pushed a record past the nominal end. */
	if (w->records && w->first_ns < start_ns)
		start_ns = w->first_ns;
	if (w->records && w->last_ns > end_ns)
		end_ns = w->last_ns;
	u32(w, 5);
	u32(w, len);
	u32(w, 0);	/* interface 0 */
	u32(w, (uint32_t)(end_ns >> 32));	/* the statistics are taken at the end */
	u32(w, (uint32_t)end_ns);
	opt_ts(w, 2, start_ns);	/* isb_starttime */
	opt_ts(w, 3, end_ns);	/* isb_endtime */
	opt_u64(w, 4, w->records + ifdrop);	/* isb_ifrecv: delivered + dropped */
	opt_u64(w, 5, ifdrop);	/* isb_ifdrop */
	opt_u64(w, 7, 0);	/* isb_osdrop: counted in ifdrop, never twice */
	u32(w, 0);	/* opt_endofopt */
	u32(w, len);
}

int pcapng_close(struct pcapng_writer *w)
{
	int rc = w->failed ? -1 : 0;

	if (w->f && fclose(w->f) != 0)
		rc = -1;
	w->f = NULL;
	return rc;
}
