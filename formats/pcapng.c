/*
 * pcapng.c - reader for pcapng files, every section and byte order.
 *
 * Reference: draft-ietf-opsawg-pcapng ("PCAP Now Generic (pcapng) Capture
 * File Format"): 3.1 general block structure, 3.4 physical layout, 3.5
 * options, 4.1 SHB, 4.2 IDB, 4.3 EPB (4.3.1 flags word), 4.4 SPB, 4.5 NRB,
 * 4.6 ISB, 4.7 DSB, 4.8 custom block, Appendix A the obsolete Packet Block.
 *
 * Every block has the same frame:
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +---------------------------------------------------------------+
 *   0 |                          Block Type                           |
 *   4 |                      Block Total Length                       |
 *   8 /                   Block Body (padded to 32 bits)              /
 *     |                      Block Total Length                       |
 *     +---------------------------------------------------------------+
 *
 * Design:
 * - A block is checked as a frame (length >= 12, a multiple of 4, at most
 *   TP_MAX_BLOCK, trailing length equal to the leading one) before its
 *   bytes are asked of the stream, then asked for whole, once.  The stream
 *   is asked for the block plus the next block's 12-byte header, which is
 *   kept in `peek`, so a file of EPBs costs one tp_stream_need() per block.
 * - Byte order belongs to a section: each SHB carries its own byte-order
 *   magic (4.1), and a file may switch order at every SHB (concatenated
 *   captures).  The SHB's own length is read in the order its magic gives.
 * - Interface ids restart at 0 in each section (4.2), but tp_record.interface
 *   counts interfaces across the whole file, as Wireshark's wiretap and
 *   capinfos ("Interface #n") number them: all IDBs go into one array, and
 *   a section remembers the index of its first.  (tshark 4.0 shows
 *   frame.interface_id relative to the section, next to
 *   frame.section_number.)
 *   The array grows only on an IDB, up to TP_MAX_INTERFACES; nothing is
 *   allocated per packet.
 * - Every block consumed is at least 12 bytes, so the block loop always
 *   moves forward; option loops consume at least 4 bytes per turn.
 *
 * Decisions (each also commented where it is made):
 * - An option whose value runs past the options area of its block is
 *   CORRUPT, as Wireshark ("Not enough data to handle option") and libpcap
 *   treat it.  A known option with an unexpected length (if_tsresol of 2
 *   bytes, ...) is ignored, the block is kept.
 * - An SPB has no timestamp (4.4).  It gets the timestamp of the previous
 *   packet record of the file (0 if it is the first), so a merge by time
 *   keeps it in place; Wireshark and capinfos treat it as "no time".
 * - Timestamps are converted to nanoseconds in 128-bit arithmetic, exactly
 *   (truncated toward zero below 1 ns), then if_tsoffset is added; a result
 *   outside int64_t (before 1677 or after 2262) saturates to INT64_MIN or
 *   INT64_MAX.
 * - An ISB for an interface the section did not describe is ignored (its
 *   counters cannot be attached anywhere); an EPB, PB or SPB for one is
 *   CORRUPT (its link type is unknown, so its bytes cannot be decoded).
 * - ISB counters: each keeps the last value any ISB gave for it (see
 *   pcapng_isb()).
 */
#include "formats/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/cursor.h"

/* Block types (11.1, 4.8). */
#define PCAPNG_SHB		0x0A0D0D0Au	/* a palindrome: same in both orders */
#define PCAPNG_IDB		0x00000001u
#define PCAPNG_PB		0x00000002u	/* obsolete, Appendix A */
#define PCAPNG_SPB		0x00000003u
#define PCAPNG_NRB		0x00000004u
#define PCAPNG_ISB		0x00000005u
#define PCAPNG_EPB		0x00000006u
#define PCAPNG_DSB		0x0000000Au
#define PCAPNG_CB_COPY		0x00000BADu
#define PCAPNG_CB_NOCOPY	0x40000BADu
#define PCAPNG_JOURNAL		0x00000009u	/* systemd journal export */

#define PCAPNG_BOM		0x1A2B3C4Du	/* byte-order magic (4.1) */
#define PCAPNG_HDR		12u		/* type + length + first body word */

/* Smallest total length of each block that has a fixed part. */
#define PCAPNG_SHB_MIN		28u	/* 12 + magic 4 + versions 4 + section length 8 */
#define PCAPNG_IDB_MIN		20u	/* 12 + link type 2 + reserved 2 + snaplen 4 */
#define PCAPNG_EPB_MIN		32u	/* 12 + interface 4 + ts 8 + caplen 4 + origlen 4 */
#define PCAPNG_PB_MIN		32u	/* 12 + interface 2 + drops 2 + ts 8 + lens 8 */
#define PCAPNG_SPB_MIN		16u	/* 12 + origlen 4 */
#define PCAPNG_ISB_MIN		24u	/* 12 + interface 4 + ts 8 */

/* Option codes (3.5, 4.2, 4.3, 4.6). */
#define OPT_ENDOFOPT		0
#define OPT_COMMENT		1
#define IF_TSRESOL		9
#define IF_FCSLEN		13
#define IF_TSOFFSET		14
#define EPB_FLAGS		2	/* also pack_flags of the PB */
#define EPB_DROPCOUNT		4
#define ISB_IFRECV		4
#define ISB_IFDROP		5
#define ISB_FILTERACCEPT	6
#define ISB_OSDROP		7
#define ISB_USRDELIV		8

#define NS_PER_S		1000000000u

struct pcapng {
	struct tp_interface *ifs;	/* every IDB of the file, in file order */
	uint32_t if_count, if_cap;
	uint32_t section_base;		/* index in ifs of this section's interface 0 */
	uint32_t sections;		/* SHBs seen */
	bool big;			/* byte order of the current section */
	bool have_peek;			/* peek holds the next block's first bytes */
	uint8_t peek[PCAPNG_HDR];
	int64_t last_ts_ns;		/* of the previous packet record, for SPBs */
	uint32_t frames_skipped;	/* blocks Wireshark numbers, since the last record */
	enum tp_read_status status;	/* sticky once not OK */
	struct tp_fault fault;		/* the fault behind a sticky status */
};

/* One block, checked as a frame; p points at its type field. */
struct pcapng_block {
	uint32_t type;
	uint32_t len;
	uint64_t offset;
	const uint8_t *p;
	bool big;
};

struct pcapng_opt {
	uint16_t code;
	uint16_t len;
	const uint8_t *val;
};


static const char *pcapng_block_name(uint32_t type)
{
	switch (type) {
	case PCAPNG_SHB: return "section header block";
	case PCAPNG_IDB: return "interface description block";
	case PCAPNG_PB: return "packet block";
	case PCAPNG_SPB: return "simple packet block";
	case PCAPNG_NRB: return "name resolution block";
	case PCAPNG_ISB: return "interface statistics block";
	case PCAPNG_EPB: return "enhanced packet block";
	case PCAPNG_DSB: return "decryption secrets block";
	case PCAPNG_CB_COPY:
	case PCAPNG_CB_NOCOPY: return "custom block";
	default: return "block";
	}
}

/*
 * Reads the next block whole and moves the stream past it.  On TP_READ_OK,
 * b->p holds b->len bytes, valid until the next tp_stream_need().  The frame
 * is checked (3.1) before the stream is asked for the block, so a hostile
 * length never makes the stream buffer more than TP_MAX_BLOCK.
 */
static enum tp_read_status pcapng_read_block(struct pcapng *st, struct tp_stream *s,
					     struct pcapng_block *b, struct tp_fault *fault)
{
	const uint8_t *p;
	size_t avail = 0, want;
	uint32_t trailer;

	b->offset = tp_stream_offset(s);
	if (!st->have_peek) {
		p = tp_stream_need(s, PCAPNG_HDR, &avail);
		if (!p)
			return tp_reader_short(s, fault, b->offset, "block header",
					       PCAPNG_HDR, avail, true);
		memcpy(st->peek, p, PCAPNG_HDR);	/* a copy; read below through tp_load */
	}
	st->have_peek = false;

	b->big = st->big;
	b->type = tp_load32(st->peek, b->big);
	if (b->type == PCAPNG_SHB) {
		/* A new section states its own byte order (4.1); its length is
		 * already written in that order. */
		uint32_t bom = tp_load_be32(st->peek + 8);

		if (bom == PCAPNG_BOM)
			b->big = true;
		else if (bom == 0x4D3C2B1Au)
			b->big = false;
		else
			return tp_reader_corrupt(fault, b->offset + 8,
					      "section header byte-order magic 0x%08x is not 0x1a2b3c4d",
					      (unsigned)bom);
	}
	b->len = tp_load32(st->peek + 4, b->big);
	if (b->len < 12 || b->len % 4 != 0)
		return tp_reader_corrupt(fault, b->offset,
				      "%s length %u is not a multiple of 4 of at least 12",
				      pcapng_block_name(b->type), (unsigned)b->len);
	if (b->len > TP_MAX_BLOCK)
		return tp_reader_corrupt(fault, b->offset, "%s length %u exceeds the limit %u",
				      pcapng_block_name(b->type), (unsigned)b->len,
				      (unsigned)TP_MAX_BLOCK);

	/* Ask for the next block's header too: one need() per block. */
	want = b->len <= TP_STREAM_MAX_NEED - PCAPNG_HDR ? b->len + PCAPNG_HDR : b->len;
	p = tp_stream_need(s, want, &avail);
	if (!p && want > b->len && avail >= b->len) {
		want = b->len;	/* the last block, or one before a short tail */
		p = tp_stream_need(s, want, &avail);
	}
	if (!p)
		return tp_reader_short(s, fault, b->offset, pcapng_block_name(b->type),
				       b->len, avail, false);
	trailer = tp_load32(p + b->len - 4, b->big);
	if (trailer != b->len)
		return tp_reader_corrupt(fault, b->offset,
				      "%s trailing length %u differs from its length %u",
				      pcapng_block_name(b->type), (unsigned)trailer,
				      (unsigned)b->len);
	if (want > b->len) {
		memcpy(st->peek, p + b->len, PCAPNG_HDR);
		st->have_peek = true;
	}
	b->p = p;
	tp_stream_advance(s, b->len);
	return TP_READ_OK;
}

/*
 * Options area of a block: from `start` bytes into the block up to the
 * trailing length.  The caller has checked start <= len - 4.
 */
static struct tp_cursor pcapng_options_area(const struct pcapng_block *b, size_t start)
{
	return tp_cursor_make(b->p + start, b->len - 4 - start);
}

/*
 * Next option (3.5).  Returns 1 with *o filled, 0 at opt_endofopt or the
 * end of the area (fewer than 4 bytes left: some writers omit
 * opt_endofopt), or -1 when the value overruns the area, with *o->val
 * pointing at the option header.
 */
static int pcapng_next_opt(struct tp_cursor *c, bool big, struct pcapng_opt *o)
{
	const uint8_t *at = c->p;
	size_t padded;

	if (c->left < 4)
		return 0;
	o->code = tp_u16(c, big);
	o->len = tp_u16(c, big);
	if (o->code == OPT_ENDOFOPT)
		return 0;
	padded = ((size_t)o->len + 3) & ~(size_t)3;
	if (c->left < padded) {
		o->val = at;
		return -1;
	}
	o->val = tp_take(c, padded);
	return 1;
}

static enum tp_read_status pcapng_opt_overrun(struct tp_fault *fault,
					      const struct pcapng_block *b,
					      const struct pcapng_opt *o)
{
	return tp_reader_corrupt(fault, b->offset + (uint64_t)(o->val - b->p),
			      "option %u of length %u overruns its %s",
			      (unsigned)o->code, (unsigned)o->len, pcapng_block_name(b->type));
}

/*
 * Units since the epoch at the interface's if_tsresol (4.2: 10^-n, or
 * 2^-n when bit 7 is set; default 10^-6), plus if_tsoffset seconds, in
 * nanoseconds.  128-bit arithmetic cannot overflow here (units * 10^9 <
 * 2^94); the final value saturates to the int64_t range.
 */
static int64_t pcapng_ts_ns(const struct tp_interface *ifc, uint64_t units)
{
	unsigned __int128 ns;
	__int128 t;
	unsigned r = ifc->tsresol;

	if (r == 6) {
		ns = (unsigned __int128)units * 1000u;
	} else if (r & 0x80) {
		ns = ((unsigned __int128)units * NS_PER_S) >> (r & 0x7f);
	} else if (r <= 9) {
		unsigned __int128 mul = 1;

		for (unsigned i = r; i < 9; i++)
			mul *= 10;
		ns = (unsigned __int128)units * mul;
	} else if (r - 9 > 19) {
		ns = 0;	/* 10^20 units per ns: any 64-bit count is below 1 ns */
	} else {
		uint64_t div = 1;

		for (unsigned i = 9; i < r; i++)
			div *= 10;
		ns = units / div;
	}
	t = (__int128)ns + (__int128)ifc->tsoffset_s * NS_PER_S;
	if (t > INT64_MAX)
		return INT64_MAX;
	if (t < INT64_MIN)
		return INT64_MIN;
	return (int64_t)t;
}

static void pcapng_publish(const struct pcapng *st, struct tp_capture_info *info)
{
	info->sections = st->sections;
	info->interface_count = st->if_count;
	info->interfaces = st->ifs;
}

/* SHB (4.1): starts a section, with its byte order and version. */
static enum tp_read_status pcapng_shb(struct pcapng *st, const struct pcapng_block *b,
				      struct tp_capture_info *info, struct tp_fault *fault)
{
	struct tp_cursor c;
	struct pcapng_opt o;
	uint16_t major, minor;
	int r;

	if (b->len < PCAPNG_SHB_MIN)
		return tp_reader_corrupt(fault, b->offset, "section header block length %u is below %u",
				      (unsigned)b->len, PCAPNG_SHB_MIN);
	major = tp_load16(b->p + 12, b->big);
	minor = tp_load16(b->p + 14, b->big);
	/* 1.0 is current; 1.2 was written by some old tools and is read by
	 * libpcap and Wireshark.  The section length (may be -1) is not used:
	 * blocks are read in order, never skipped by it. */
	if (major != 1 || (minor != 0 && minor != 2))
		return tp_reader_corrupt(fault, b->offset + 12, "unsupported pcapng version %u.%u",
				      (unsigned)major, (unsigned)minor);
	/* shb_hardware, shb_os, shb_userappl, comments: only checked. */
	c = pcapng_options_area(b, PCAPNG_SHB_MIN - 4);
	while ((r = pcapng_next_opt(&c, b->big, &o)) > 0)
		;
	if (r < 0)
		return pcapng_opt_overrun(fault, b, &o);

	if (st->sections == 0) {
		info->version_major = major;
		info->version_minor = minor;
	}
	st->sections++;
	st->big = b->big;
	st->section_base = st->if_count;
	return TP_READ_OK;
}

/* IDB (4.2): one more interface, numbered across the whole file. */
static enum tp_read_status pcapng_idb(struct pcapng *st, const struct pcapng_block *b,
				      struct tp_fault *fault)
{
	struct tp_interface ifc = { 0 };
	struct tp_cursor c;
	struct pcapng_opt o;
	int r;

	if (b->len < PCAPNG_IDB_MIN)
		return tp_reader_corrupt(fault, b->offset,
				      "interface description block length %u is below %u",
				      (unsigned)b->len, PCAPNG_IDB_MIN);
	if (st->if_count >= TP_MAX_INTERFACES)
		return tp_reader_corrupt(fault, b->offset, "more than %u interfaces",
				      (unsigned)TP_MAX_INTERFACES);
	ifc.linktype = tp_load16(b->p + 8, b->big);
	ifc.snaplen = tp_load32(b->p + 12, b->big);
	ifc.fcs_len = -1;
	ifc.tsresol = 6;
	ifc.section = st->sections - 1;

	c = pcapng_options_area(b, PCAPNG_IDB_MIN - 4);
	while ((r = pcapng_next_opt(&c, b->big, &o)) > 0) {
		if (o.code == IF_TSRESOL && o.len == 1)
			ifc.tsresol = o.val[0];
		else if (o.code == IF_FCSLEN && o.len == 1)
			/* int8_t field: a length above 127 bytes is nonsense, so unknown. */
			ifc.fcs_len = o.val[0] <= 127 ? (int8_t)o.val[0] : -1;
		else if (o.code == IF_TSOFFSET && o.len == 8)
			ifc.tsoffset_s = (int64_t)tp_load64(o.val, b->big);
	}
	if (r < 0)
		return pcapng_opt_overrun(fault, b, &o);

	if (st->if_count == st->if_cap) {
		uint32_t cap = st->if_cap ? st->if_cap * 2 : 8;
		struct tp_interface *ifs;

		if (cap > TP_MAX_INTERFACES)
			cap = TP_MAX_INTERFACES;
		ifs = realloc(st->ifs, (size_t)cap * sizeof *ifs);
		if (!ifs)
			return tp_reader_corrupt(fault, b->offset,
					      "out of memory for %u interfaces", (unsigned)cap);
		st->ifs = ifs;
		st->if_cap = cap;
	}
	st->ifs[st->if_count++] = ifc;
	return TP_READ_OK;
}

/* Global index of a section-relative interface id, or UINT32_MAX. */
static uint32_t pcapng_iface(const struct pcapng *st, uint32_t id)
{
	if (id >= st->if_count - st->section_base)
		return UINT32_MAX;
	return st->section_base + id;
}

static void pcapng_record_clear(struct tp_record *rec, const struct pcapng_block *b)
{
	rec->has_flags = false;
	rec->flags = 0;
	rec->has_drop_count = false;
	rec->drop_count = 0;
	rec->comment = NULL;
	rec->comment_len = 0;
	rec->comments = 0;
	rec->offset = b->offset;
	rec->no_timestamp = false;
}

/*
 * EPB (4.3) and the obsolete PB (Appendix A): same layout but for the
 * interface id (32 bits in the EPB; 16 bits + a 16-bit drops count in the
 * PB), and pack_flags is epb_flags under another name.
 */
static enum tp_read_status pcapng_epb(struct pcapng *st, const struct pcapng_block *b,
				      struct tp_record *rec, struct tp_fault *fault)
{
	const struct tp_interface *ifc;
	const uint8_t *p = b->p;
	struct tp_cursor c;
	struct pcapng_opt o;
	uint32_t id, gi, caplen, flags_fcs = 0;
	uint64_t units;
	int r;

	/* PCAPNG_PB_MIN == PCAPNG_EPB_MIN */
	if (b->len < PCAPNG_EPB_MIN)
		return tp_reader_corrupt(fault, b->offset, "%s length %u is below %u",
				      pcapng_block_name(b->type), (unsigned)b->len, PCAPNG_EPB_MIN);
	pcapng_record_clear(rec, b);
	if (b->type == PCAPNG_EPB) {
		id = tp_load32(p + 8, b->big);
	} else {
		uint16_t drops = tp_load16(p + 10, b->big);

		id = tp_load16(p + 8, b->big);
		/* 0xFFFF: "not available" (Appendix A). */
		rec->has_drop_count = drops != 0xFFFF;
		rec->drop_count = rec->has_drop_count ? drops : 0;
	}
	gi = pcapng_iface(st, id);
	if (gi == UINT32_MAX)
		return tp_reader_corrupt(fault, b->offset,
				      "%s names interface %u but section %u describes %u",
				      pcapng_block_name(b->type), (unsigned)id,
				      (unsigned)(st->sections - 1),
				      (unsigned)(st->if_count - st->section_base));
	ifc = &st->ifs[gi];
	units = (uint64_t)tp_load32(p + 12, b->big) << 32 | tp_load32(p + 16, b->big);
	caplen = tp_load32(p + 20, b->big);
	if (caplen > b->len - PCAPNG_EPB_MIN)
		return tp_reader_corrupt(fault, b->offset,
				      "%s captured length %u exceeds its %u bytes of data",
				      pcapng_block_name(b->type), (unsigned)caplen,
				      (unsigned)(b->len - PCAPNG_EPB_MIN));
	rec->data = p + 28;
	rec->caplen = caplen;
	rec->origlen = tp_load32(p + 24, b->big);
	rec->interface = gi;
	rec->linktype = ifc->linktype;
	rec->ts_ns = pcapng_ts_ns(ifc, units);

	/* caplen <= len - 32 and len - 32 is a multiple of 4, so the padded
	 * data still leaves the trailing length. */
	c = pcapng_options_area(b, 28 + (((size_t)caplen + 3) & ~(size_t)3));
	while ((r = pcapng_next_opt(&c, b->big, &o)) > 0) {
		if (o.code == OPT_COMMENT) {
			if (rec->comments++ == 0) {
				rec->comment = o.val;
				rec->comment_len = o.len;
			}
		} else if (o.code == EPB_FLAGS && o.len == 4) {
			rec->has_flags = true;
			rec->flags = tp_load32(o.val, b->big);
			flags_fcs = (rec->flags & TP_FLAG_FCSLEN_MASK) >> 5;
		} else if (o.code == EPB_DROPCOUNT && o.len == 8 && b->type == PCAPNG_EPB) {
			rec->has_drop_count = true;
			rec->drop_count = tp_load64(o.val, b->big);
		}
		/* epb_hash, epb_packetid, epb_queue, epb_verdict, custom
		 * options (2988/2989/19372/19373): not needed, skipped. */
	}
	if (r < 0)
		return pcapng_opt_overrun(fault, b, &o);
	/* 4.3.1: an FCS length of 0 in the flags means "not available". */
	rec->fcs_len = flags_fcs ? (int8_t)flags_fcs : ifc->fcs_len;
	st->last_ts_ns = rec->ts_ns;
	return TP_READ_OK;
}

/* SPB (4.4): interface 0 of the section, no timestamp, no options. */
static enum tp_read_status pcapng_spb(struct pcapng *st, const struct pcapng_block *b,
				      struct tp_record *rec, struct tp_fault *fault)
{
	const struct tp_interface *ifc;
	uint32_t gi, caplen, room;

	if (b->len < PCAPNG_SPB_MIN)
		return tp_reader_corrupt(fault, b->offset, "simple packet block length %u is below %u",
				      (unsigned)b->len, PCAPNG_SPB_MIN);
	gi = pcapng_iface(st, 0);
	if (gi == UINT32_MAX)
		return tp_reader_corrupt(fault, b->offset,
				      "simple packet block in section %u, which describes no interface",
				      (unsigned)(st->sections - 1));
	ifc = &st->ifs[gi];
	pcapng_record_clear(rec, b);
	rec->origlen = tp_load32(b->p + 8, b->big);
	/* 4.4: the captured length is the smaller of the original length and
	 * the snaplen; the block's room bounds it as well (padding included,
	 * as Wireshark does). A snaplen of 0 means no limit. */
	room = b->len - PCAPNG_SPB_MIN;
	caplen = rec->origlen < room ? rec->origlen : room;
	if (ifc->snaplen && ifc->snaplen < caplen)
		caplen = ifc->snaplen;
	rec->data = b->p + 12;
	rec->caplen = caplen;
	rec->interface = gi;
	rec->linktype = ifc->linktype;
	rec->fcs_len = ifc->fcs_len;
	/* No timestamp in an SPB: keep the previous record's, so the frame
	 * stays in place when views are merged in time order. */
	rec->ts_ns = st->last_ts_ns;
	rec->no_timestamp = true;
	return TP_READ_OK;
}

static void pcapng_isb_keep(bool *has, uint64_t *to, bool given, uint64_t v)
{
	if (given) {
		*has = true;
		*to = v;
	}
}

/*
 * ISB (4.6).  Counters count from the start of the capture, so the latest
 * value of each is the best one: a later ISB replaces the counters it
 * carries and leaves the others, so a closing ISB that carries only its
 * times (written by some tools, as in the pcapng-test-generator files)
 * does not erase the drop counts of an earlier one.
 */
static enum tp_read_status pcapng_isb(struct pcapng *st, const struct pcapng_block *b,
				      struct tp_fault *fault)
{
	struct tp_isb isb = { 0 };
	struct tp_isb *to;
	struct tp_cursor c;
	struct pcapng_opt o;
	uint32_t gi;
	int r;

	if (b->len < PCAPNG_ISB_MIN)
		return tp_reader_corrupt(fault, b->offset,
				      "interface statistics block length %u is below %u",
				      (unsigned)b->len, PCAPNG_ISB_MIN);
	c = pcapng_options_area(b, PCAPNG_ISB_MIN - 4);
	while ((r = pcapng_next_opt(&c, b->big, &o)) > 0) {
		uint64_t v;

		if (o.len != 8)
			continue;	/* comments, isb_starttime/endtime are 8 too */
		v = tp_load64(o.val, b->big);
		switch (o.code) {
		case ISB_IFRECV: isb.has_ifrecv = true; isb.ifrecv = v; break;
		case ISB_IFDROP: isb.has_ifdrop = true; isb.ifdrop = v; break;
		case ISB_FILTERACCEPT: isb.has_filteraccept = true; isb.filteraccept = v; break;
		case ISB_OSDROP: isb.has_osdrop = true; isb.osdrop = v; break;
		case ISB_USRDELIV: isb.has_usrdeliv = true; isb.usrdeliv = v; break;
		default: break;	/* isb_starttime/endtime (no field for them yet) */
		}
	}
	if (r < 0)
		return pcapng_opt_overrun(fault, b, &o);
	gi = pcapng_iface(st, tp_load32(b->p + 8, b->big));
	if (gi == UINT32_MAX)
		return TP_READ_OK;	/* nowhere to attach it: tolerated, see the top */
	to = &st->ifs[gi].isb;
	to->seen = true;
	to->ts_ns = pcapng_ts_ns(&st->ifs[gi],
				 (uint64_t)tp_load32(b->p + 12, b->big) << 32 |
				 tp_load32(b->p + 16, b->big));
	pcapng_isb_keep(&to->has_ifrecv, &to->ifrecv, isb.has_ifrecv, isb.ifrecv);
	pcapng_isb_keep(&to->has_ifdrop, &to->ifdrop, isb.has_ifdrop, isb.ifdrop);
	pcapng_isb_keep(&to->has_filteraccept, &to->filteraccept, isb.has_filteraccept,
			isb.filteraccept);
	pcapng_isb_keep(&to->has_osdrop, &to->osdrop, isb.has_osdrop, isb.osdrop);
	pcapng_isb_keep(&to->has_usrdeliv, &to->usrdeliv, isb.has_usrdeliv, isb.usrdeliv);
	return TP_READ_OK;
}

/* The first SHB, and the interface it is known by: "pcapng". */
static bool pcapng_probe(const uint8_t *head, size_t n)
{
	uint32_t bom;

	if (n < 4 || tp_load_be32(head) != PCAPNG_SHB)
		return false;
	if (n < PCAPNG_HDR)
		return true;	/* too short to tell: open() reports it truncated */
	bom = tp_load_be32(head + 8);
	return bom == PCAPNG_BOM || bom == 0x4D3C2B1Au;
}

static void pcapng_free(void *state)
{
	struct pcapng *st = state;

	if (!st)
		return;
	free(st->ifs);
	free(st);
}

static void *pcapng_open(struct tp_stream *s, struct tp_capture_info *info,
			 enum tp_read_status *status, struct tp_fault *fault)
{
	struct pcapng *st = calloc(1, sizeof *st);
	struct pcapng_block b;
	enum tp_read_status rs;
	const uint8_t *p;
	size_t avail = 0;

	if (!st) {
		*status = tp_reader_corrupt(fault, 0, "out of memory");
		return NULL;
	}
	st->status = TP_READ_OK;
	info->format = TP_FORMAT_PCAPNG;
	/* A file that ends before its first block header is truncated, never
	 * a clean end. */
	p = tp_stream_need(s, PCAPNG_HDR, &avail);
	if (!p) {
		rs = tp_reader_short(s, fault, tp_stream_offset(s), "section header block",
				     PCAPNG_HDR, avail, false);
		goto fail;
	}
	memcpy(st->peek, p, PCAPNG_HDR);
	st->have_peek = true;
	rs = pcapng_read_block(st, s, &b, fault);
	if (rs == TP_READ_OK && b.type != PCAPNG_SHB)	/* probe() saw one */
		rs = tp_reader_corrupt(fault, b.offset, "file does not start with a section header block");
	if (rs == TP_READ_OK)
		rs = pcapng_shb(st, &b, info, fault);
	if (rs != TP_READ_OK)
		goto fail;
	pcapng_publish(st, info);
	return st;
fail:
	*status = rs == TP_READ_END ? TP_READ_TRUNCATED : rs;
	pcapng_free(st);
	return NULL;
}

static enum tp_read_status pcapng_next(void *state, struct tp_stream *s, struct tp_record *rec,
				       struct tp_capture_info *info, struct tp_fault *fault)
{
	struct pcapng *st = state;
	enum tp_read_status rs;

	if (st->status != TP_READ_OK) {
		*fault = st->fault;
		return st->status;
	}
	/* Each turn consumes one block of at least 12 bytes. */
	for (;;) {
		struct pcapng_block b;
		bool got = false;

		rs = pcapng_read_block(st, s, &b, fault);
		if (rs == TP_READ_OK) {
			switch (b.type) {
			case PCAPNG_EPB:
			case PCAPNG_PB:
				rs = pcapng_epb(st, &b, rec, fault);
				got = true;
				break;
			case PCAPNG_SPB:
				rs = pcapng_spb(st, &b, rec, fault);
				got = true;
				break;
			case PCAPNG_IDB:
				rs = pcapng_idb(st, &b, fault);
				break;
			case PCAPNG_ISB:
				rs = pcapng_isb(st, &b, fault);
				break;
			case PCAPNG_SHB:
				rs = pcapng_shb(st, &b, info, fault);
				break;
			case PCAPNG_CB_COPY:
			case PCAPNG_CB_NOCOPY:
			case PCAPNG_JOURNAL:
				/* Skipped, but Wireshark gives these frame
				 * numbers of their own: count them, so frame
				 * numbers still open the right packet there. */
				st->frames_skipped++;
				break;
			default:
				/* NRB, DSB, reserved and local-use types:
				 * skipped whole, as 3.1 allows. */
				break;
			}
		}
		pcapng_publish(st, info);
		if (rs != TP_READ_OK) {
			st->status = rs;
			if (rs != TP_READ_END)
				st->fault = *fault;
			return rs;
		}
		if (got) {
			rec->frames_before = st->frames_skipped;
			st->frames_skipped = 0;
			return TP_READ_OK;
		}
	}
}

const struct tp_reader tp_pcapng_reader = {
	.name = "pcapng",
	.format = TP_FORMAT_PCAPNG,
	.probe = pcapng_probe,
	.open = pcapng_open,
	.next = pcapng_next,
	.free = pcapng_free,
};
