/*
 * pcap.c - reader for classic pcap files (libpcap "savefiles"), and the
 * "modified" pcap of Alexey Kuznetsov's patched libpcap.
 *
 * Reference: draft-ietf-opsawg-pcap ("PCAP Capture File Format"), section 4
 * (file header) and 5 (packet record); pcap-savefile(5); the link-type word
 * as libpcap's pcap/pcap.h defines LT_FCS_LENGTH_PRESENT and LT_FCS_LENGTH.
 *
 * File header, 24 bytes, every field in the byte order the magic shows:
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +---------------------------------------------------------------+
 *   0 |         Magic: a1b2c3d4 (s + us) or a1b23c4d (s + ns)         |
 *   4 |        Major version          |        Minor version          |
 *   8 |                  Reserved1 (was thiszone)                     |
 *  12 |                  Reserved2 (was sigfigs)                      |
 *  16 |                            SnapLen                            |
 *  20 |FCS len|R|P|     Reserved3     |        Link-layer type        |
 *     +---------------------------------------------------------------+
 *
 * (The draft numbers bits from the most significant: "FCS len" is bits
 * 28-31 of the value, R bit 27, P bit 26, Reserved3 bits 16-25.)
 *
 * Packet record: a 16-byte header - seconds, microseconds or nanoseconds,
 * captured length, original length - then the captured bytes, unpadded.
 * The modified format (magic a1b2cd34, microseconds) adds 8 bytes to the
 * record header: interface index (4), protocol (2), packet type (1), pad
 * (1), which we skip (libpcap's struct pcap_sf_patched_pkthdr).
 *
 * Design:
 * - One tp_stream_need() per record: the stream is asked for this record
 *   and the next record's header, so the next call already knows how long
 *   its record is.  Nothing is allocated per record; the record points
 *   into the stream's block.  The record offset is counted here, not asked
 *   of the stream.
 * - The checks a record costs are the ceiling on its captured length and
 *   the short-read test; everything else is loads and arithmetic.
 * - A fault names the offset of the record's header (of the field, in the
 *   file header), so "truncated at byte N" is where the damaged record
 *   starts; the reason gives the field and the numbers.
 *
 * Decisions (each also commented where it is made):
 * - Versions 2.0 to 2.4 and 543.0 (DG/UX tcpdump) are read, as libpcap
 *   reads them; 2.0-2.2 and 543.0 store origlen before caplen, 2.3 may or
 *   may not.  Anything else is CORRUPT at byte 4.
 * - Reserved1/Reserved2 (thiszone, sigfigs), R and Reserved3 are ignored, as
 *   the draft requires of readers (Wireshark refuses a non-zero Reserved3;
 *   we would rather deliver the evidence).  thiszone is not added to the
 *   timestamps, as neither libpcap nor Wireshark add it (tcptrace's
 *   pcap_v2.2.dmp has -18000 there and UTC timestamps).
 * - The modified pcap (a1b2cd34) is read, with its 24-byte record headers,
 *   as libpcap reads it (fpcap's fritzbox-ip.pcap is one); Wireshark's
 *   heuristics for other patched variants with the same magic are not.
 * - A captured length above max(snaplen, 262144) is CORRUPT (262144 is
 *   libpcap's MAXIMUM_SNAPLEN); between snaplen and that, the record is
 *   delivered whole (libpcap cuts it to snaplen: we keep the evidence).
 *   Never above PCAP_MAX_CAPLEN, just under TP_MAX_CAPLEN.
 * - caplen > origlen is delivered as it is (the analyzer may flag it).
 * - A sub-second field out of range (>= 10^6 us or 10^9 ns, seen in fuzzed
 *   and old files) is added as it is: the timestamp moves on into the next
 *   seconds, which is what the field literally says.
 */
#include "formats/reader.h"

#include <stdio.h>
#include <stdlib.h>

#include "formats/cursor.h"

#define PCAP_FILE_HEADER	24u
#define PCAP_RECORD_HEADER	16u

#define PCAP_MAGIC_US		0xa1b2c3d4u
#define PCAP_MAGIC_NS		0xa1b23c4du
#define PCAP_MAGIC_US_SWAPPED	0xd4c3b2a1u	/* the same, little-endian */
#define PCAP_MAGIC_NS_SWAPPED	0x4d3cb2a1u
#define PCAP_MAGIC_MOD		0xa1b2cd34u	/* Kuznetsov's modified pcap */
#define PCAP_MAGIC_MOD_SWAPPED	0x34cdb2a1u
#define PCAP_MOD_RECORD_HEADER	24u

/* The link-type word (draft section 4, libpcap pcap/pcap.h). */
#define PCAP_LT_LINKTYPE(w)	((w) & 0x0000ffffu)
#define PCAP_LT_FCS_PRESENT(w)	((w) & 0x04000000u)
#define PCAP_LT_FCS_LEN(w)	(((w) & 0xf0000000u) >> 28)	/* 16-bit words */

/* libpcap's MAXIMUM_SNAPLEN: the largest record it accepts for most link
 * types whatever the header's snaplen says. */
#define PCAP_LIBPCAP_MAX_SNAPLEN	262144u

/* The largest record we accept: the stream hands out at most
 * TP_STREAM_MAX_NEED contiguous bytes, and we ask for the record with its
 * header and the next record's header. */
#define PCAP_MAX_CAPLEN		(TP_STREAM_MAX_NEED - 2 * PCAP_MOD_RECORD_HEADER)

_Static_assert(PCAP_MAX_CAPLEN <= TP_MAX_CAPLEN, "pcap ceiling above the project's");
_Static_assert(PCAP_LIBPCAP_MAX_SNAPLEN <= PCAP_MAX_CAPLEN, "libpcap ceiling too high");

/* Where caplen and origlen sit in a record header (draft section 5 vs
 * the pre-2.3 layout; see pcap_open). */
enum pcap_lengths {
	PCAP_LENGTHS_NORMAL,	/* caplen at 8, origlen at 12 */
	PCAP_LENGTHS_SWAPPED,	/* origlen at 8, caplen at 12 */
	PCAP_LENGTHS_MAYBE,	/* 2.3: swapped if the normal reading has caplen > origlen */
};

struct pcap {
	bool big;			/* fields are big-endian */
	uint32_t hdr_len;		/* record header: 16, or 24 (modified pcap) */
	enum pcap_lengths lengths;
	uint32_t frac_ns;		/* nanoseconds per unit of the sub-second field */
	uint32_t ceiling;		/* largest caplen accepted */
	uint64_t offset;		/* decompressed offset of the next record */
	bool have_next;			/* next_caplen was read with the previous record */
	uint32_t next_caplen;
	struct tp_interface iface;
	struct tp_record proto;		/* the fields every record shares */
};


static bool pcap_probe(const uint8_t *head, size_t n)
{
	uint32_t m;

	if (n < 4)
		return false;
	m = tp_load_be32(head);
	return m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS || m == PCAP_MAGIC_MOD ||
	       m == PCAP_MAGIC_US_SWAPPED || m == PCAP_MAGIC_NS_SWAPPED ||
	       m == PCAP_MAGIC_MOD_SWAPPED;
}

static void pcap_free(void *state)
{
	free(state);
}

static void *pcap_open(struct tp_stream *s, struct tp_capture_info *info,
		       enum tp_read_status *status, struct tp_fault *fault)
{
	struct pcap *st;
	const uint8_t *p;
	size_t avail = 0;
	uint32_t magic, snaplen, word;
	uint16_t major, minor;
	bool nano;

	info->format = TP_FORMAT_PCAP;
	p = tp_stream_need(s, PCAP_FILE_HEADER, &avail);
	if (!p) {
		/* A file that stops inside its header is never a clean end. */
		*status = tp_reader_short(s, fault, 0, "file header", PCAP_FILE_HEADER,
					  avail, false);
		return NULL;
	}
	st = calloc(1, sizeof *st);
	if (!st) {
		*status = tp_reader_corrupt(fault, 0, "out of memory");
		return NULL;
	}

	/* The magic, read big-endian, tells the byte order of everything else. */
	magic = tp_load_be32(p);
	st->big = magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS || magic == PCAP_MAGIC_MOD;
	st->hdr_len = magic == PCAP_MAGIC_MOD || magic == PCAP_MAGIC_MOD_SWAPPED ?
		      PCAP_MOD_RECORD_HEADER : PCAP_RECORD_HEADER;
	nano = magic == PCAP_MAGIC_NS || magic == PCAP_MAGIC_NS_SWAPPED;
	st->frac_ns = nano ? 1 : 1000;

	major = tp_load16(p + 4, st->big);
	minor = tp_load16(p + 6, st->big);
	info->version_major = major;
	info->version_minor = minor;
	/*
	 * libpcap (sf-pcap.c, pcap_check_header) reads 2.0-2.4 and 543.0, the
	 * version DG/UX tcpdump wrote.  caplen and origlen were exchanged at
	 * 2.3 to match the BPF header, but some 2.3 files were written in the
	 * old order: for those the smaller value is the captured length.
	 */
	if (major == 2 && minor <= 4) {
		st->lengths = minor < 3 ? PCAP_LENGTHS_SWAPPED
			    : minor == 3 ? PCAP_LENGTHS_MAYBE : PCAP_LENGTHS_NORMAL;
	} else if (major == 543 && minor == 0) {
		st->lengths = PCAP_LENGTHS_SWAPPED;
	} else {
		*status = tp_reader_corrupt(fault, 4,
				       "unsupported pcap version %u.%u (2.0 to 2.4 are known)",
				       (unsigned)major, (unsigned)minor);
		free(st);
		return NULL;
	}

	/* Reserved1 (thiszone) and Reserved2 (sigfigs) at 8 and 12: the draft
	 * says readers MUST ignore them; writers have always put 0 there. */
	snaplen = tp_load32(p + 16, st->big);
	word = tp_load32(p + 20, st->big);

	/*
	 * Link-type word: the type in the low 16 bits; R and Reserved3 are
	 * ignored, as the draft requires (libpcap keeps bits 16-25 as part of
	 * the type, Wireshark refuses the file: see malformed/linktype-
	 * reserved-field-not-zero.pcap).  The FCS length counts 16-bit words
	 * and means something only when P is set; otherwise it is unknown
	 * (fuzzed files have FCS bits without P).
	 */
	st->iface.linktype = (uint16_t)PCAP_LT_LINKTYPE(word);
	st->iface.snaplen = snaplen;
	st->iface.fcs_len = PCAP_LT_FCS_PRESENT(word) ? (int8_t)(2 * PCAP_LT_FCS_LEN(word)) : -1;
	st->iface.tsresol = nano ? 9 : 6;
	st->iface.tsoffset_s = 0;
	st->iface.section = 0;

	/*
	 * libpcap refuses a record longer than MAXIMUM_SNAPLEN (262144) for
	 * most link types, but tolerates one longer than the header's snaplen
	 * (old Solaris bufmod wrote wrong snaplens).  We accept up to the
	 * larger of the two, so a file whose snaplen is honestly large (DBUS,
	 * USB) reads too, and never more than the stream can hold at once.
	 */
	st->ceiling = snaplen > PCAP_LIBPCAP_MAX_SNAPLEN ? snaplen : PCAP_LIBPCAP_MAX_SNAPLEN;
	if (st->ceiling > PCAP_MAX_CAPLEN)
		st->ceiling = PCAP_MAX_CAPLEN;

	st->proto.interface = 0;
	st->proto.linktype = st->iface.linktype;
	st->proto.fcs_len = st->iface.fcs_len;
	st->offset = PCAP_FILE_HEADER;

	info->sections = 1;
	info->interface_count = 1;
	info->interfaces = &st->iface;
	tp_stream_advance(s, PCAP_FILE_HEADER);
	return st;
}

/* The lengths of a record header, wherever the version puts them. */
static inline void pcap_lengths(const struct pcap *st, const uint8_t *h, uint32_t *caplen,
				uint32_t *origlen)
{
	uint32_t a = tp_load32(h + 8, st->big), b = tp_load32(h + 12, st->big);
	bool swap = st->lengths == PCAP_LENGTHS_SWAPPED ||
		    (st->lengths == PCAP_LENGTHS_MAYBE && a > b);

	*caplen = swap ? b : a;
	*origlen = swap ? a : b;
}

static enum tp_read_status pcap_next(void *state, struct tp_stream *s, struct tp_record *rec,
				     struct tp_capture_info *info, struct tp_fault *fault)
{
	struct pcap *st = state;
	const size_t hdr = st->hdr_len;
	const uint8_t *p;
	size_t avail = 0, want;
	uint32_t caplen, origlen;

	(void)info;
	if (!st->have_next) {
		p = tp_stream_need(s, hdr, &avail);
		if (!p)
			return tp_reader_short(s, fault, st->offset, "record header", hdr, avail,
					       true);
		pcap_lengths(st, p, &st->next_caplen, &origlen);
	}
	caplen = st->next_caplen;
	if (caplen > st->ceiling)
		return tp_reader_corrupt(fault, st->offset,
				    "record caplen %u exceeds the largest accepted, %u (snaplen %u)",
				    (unsigned)caplen, (unsigned)st->ceiling,
				    (unsigned)st->iface.snaplen);

	/* This record and the next one's header in one call; the ceiling
	 * keeps that within TP_STREAM_MAX_NEED. */
	want = hdr + caplen;
	p = tp_stream_need(s, want + hdr, &avail);
	if (p) {
		pcap_lengths(st, p + want, &st->next_caplen, &origlen);
		st->have_next = true;
	} else {
		/* The last record, or one followed by a short tail that the
		 * next call reports. */
		st->have_next = false;
		if (avail >= want)
			p = tp_stream_need(s, want, &avail);
		if (!p)	/* the header was whole: count the data */
			return tp_reader_short(s, fault, st->offset, "record data", caplen,
					       avail > hdr ? avail - hdr : 0, false);
	}

	pcap_lengths(st, p, &caplen, &origlen);
	*rec = st->proto;
	rec->data = p + hdr;
	/* Seconds are unsigned (draft section 5): files run to 2106. */
	rec->ts_ns = (int64_t)tp_load32(p, st->big) * 1000000000 +
		     (int64_t)tp_load32(p + 4, st->big) * st->frac_ns;
	rec->caplen = caplen;
	rec->origlen = origlen;
	rec->offset = st->offset;
	st->offset += want;
	tp_stream_advance(s, want);
	return TP_READ_OK;
}

const struct tp_reader tp_pcap_reader = {
	.name = "pcap",
	.format = TP_FORMAT_PCAP,
	.probe = pcap_probe,
	.open = pcap_open,
	.next = pcap_next,
	.free = pcap_free,
};
