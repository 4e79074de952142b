/*
 * dnp3.c - DNP3 over TCP and UDP: link frames and their CRCs, transport
 * segments put together into application fragments, the application
 * header (function, sequence, internal indications) and a few objects.
 *
 * References: IEEE 1815-2012 (DNP3)
 *   9.2 (data link frame): a header block - start octets 0x05 0x64, length,
 *     control, destination, source (little-endian), CRC - then the user data
 *     in blocks of 16 octets (the last one shorter), each followed by its
 *     CRC.  Length counts control, addresses and user data: 5..255.
 *     Control: DIR (sent by the master), PRM (primary station), FCB,
 *     FCV/DFC, function (primary: 0 reset link states, 2 test link states,
 *     3 confirmed and 4 unconfirmed user data, 9 request link status;
 *     secondary: 0 ACK, 1 NACK, 11 link status, 15 not supported).  CRC-16,
 *     polynomial 0x3D65 taken LSB first, initial 0, complemented, sent low
 *     octet first.
 *   8.2 (transport header): FIN, FIR and a 6-bit sequence; a segment with
 *     FIR starts a fragment (and discards an unfinished one), each next
 *     segment's sequence is one more (mod 64), FIN ends it.
 *   4.2.2 (application header): 4.2.2.4 control (FIR, FIN, CON, UNS, 4-bit
 *     sequence), 4.2.2.5 function code, 4.2.2.6 internal indications IIN1,
 *     IIN2 in responses (129-131): IIN2.0 function code not supported,
 *     IIN2.1 object unknown, IIN2.2 parameter error; 4.2.2.7 object headers
 *     (group, variation, qualifier with its prefix and range codes, range).
 *   Annex A object library: group 0 device attributes (data type, length,
 *     value; variations 242 software version, 247 user-assigned device name,
 *     248 serial number, 250 product name and model, 252 manufacturer's
 *     name, all visible strings); group 70 file control (variation 3 file
 *     command: name offset, name size, creation time, permissions,
 *     authentication key, file size, then the operational mode at octet 20:
 *     1 read, 2 write, 3 append; variation 5 file transport: file data).
 *   IEEE 1815 annex on networking: TCP and UDP port 20000, link frames
 *   carried unchanged.
 *
 * What is emitted:
 *   - One ics_msg per application fragment, at the link frame that
 *     completes it (transport FIN), as tshark counts dnp3.al.func.  On TCP,
 *     when the bytes end inside a fragment whose frames so far are valid,
 *     dissect() returns the offset of its first frame: the caller keeps the
 *     rest and calls again with the next segment.  A datagram (UDP) cannot
 *     be joined to the next one without state: a fragment it leaves
 *     unfinished is counted at its first segment, from the application
 *     header that segment carries; so is a fragment whose FIN is not within
 *     64 KiB of frames after its first.  A fragment broken off (a new FIR, a
 *     sequence jump, a frame in between that cannot be read) is not
 *     counted; transport segments without FIR have no message of their own.
 *   - One ics_msg per link frame that carries no transport segment (link
 *     status keep-alives, resets, ACK/NACK), so a link that only keeps
 *     alive is seen: kind request (PRM) or response, exception for NACK and
 *     not supported.
 *   - A frame whose header CRC is wrong is not DNP3: the rest of the bytes
 *     is consumed.  A frame whose data block CRC is wrong is dropped (no
 *     message); the next frame is read.
 *
 * Fields: function = the application function code (0..255); link frames
 * without a segment: 0x100 + link function for a primary frame, 0x110 +
 * link function for a secondary one.  transaction = application sequence;
 * seq[0] = transport sequence of the segment it is counted at (the FIN's,
 * or the first's), seq[1] = application sequence; unit = destination address.  Roles: a
 * function 1..128 comes from the master, 129 and up from the outstation,
 * CONFIRM and link frames by their DIR bit.  kind: requests 1..128,
 * response 129 and 131, unsolicited 130, CONFIRM other.  exception: a
 * response with IIN2.0, IIN2.1 or IIN2.2.  Actions (requests only): read
 * (1, 28, 25 opening a file for reading), write (2, 9-10, 15, 19-22), control (3-6), stop/start (13, 14,
 * 16-18), program for file writes (25 opened for write or append, 2 with
 * file data g70v5, 27 delete) and 31 (activates configuration downloaded
 * as files or strings).
 *
 * Identities: the source address as the sender's device_id (each message);
 * from responses whose objects start with group 0, its attributes of the
 * sender (vendor, model, firmware, serial, name).  Objects after the first
 * non-group-0 header are not walked (their sizes depend on the group).
 *
 * Detection on other ports: the payload starts with a header block whose
 * start octets, length (5 or more) and CRC are right.
 */
#include "formats/ics/ics.h"

#define START		0x0564u
#define HDR_LEN		10	/* start, length, control, dst, src, CRC */
#define LEN_MIN		5	/* control and addresses */
#define BLOCK		16
#define USER_MAX	250	/* 255 - 5 */

#define CTL_DIR		0x80u
#define CTL_PRM		0x40u
#define CTL_FUNC	0x0fu
#define LINK_NACK	1
#define LINK_CONFIRMED	3
#define LINK_UNCONFIRMED 4
#define LINK_NOT_SUPPORTED 15
#define LINK_PRIMARY	0x100u	/* function of a link frame without a segment */
#define LINK_SECONDARY	0x110u

#define TH_FIN		0x80u
#define TH_FIR		0x40u
#define TH_SEQ		0x3fu
#define AC_SEQ		0x0fu

#define FC_CONFIRM	0
#define FC_WRITE	2
#define FC_OPEN_FILE	25
#define FC_RESPONSE	129
#define FC_UNSOLICITED	130
#define FC_AUTH_RESPONSE 131
#define IIN2_ERRORS	0x07u

#define FRAG_KEEP	4096	/* fragment octets kept for the objects */
#define FRAG_SPAN	65536	/* octets of frames searched for a fragment's FIN */

struct frame {
	uint8_t ctrl;
	uint16_t dst, src;
	uint32_t n;			/* user data octets */
	uint8_t data[USER_MAX];
};

struct fragment {
	uint32_t len;			/* octets kept in buf */
	uint8_t tseq;			/* transport sequence it is counted with */
	uint8_t buf[FRAG_KEEP];
};

/* 9.2: CRC over a cursor's bytes (reflected 0x3D65 = 0xA6BC). */
static uint16_t crc16(struct tp_cursor c)
{
	unsigned crc = 0;

	while (c.left) {
		crc ^= tp_u8(&c);
		for (int k = 0; k < 8; k++)
			crc = (crc & 1u) ? (crc >> 1) ^ 0xa6bcu : crc >> 1;
	}
	return (uint16_t)~crc;
}

/* A whole header block at c's start: start octets, length, CRC. */
static bool header_ok(struct tp_cursor c)
{
	struct tp_cursor h = tp_sub(&c, 8);
	uint16_t crc = tp_le16(&c);

	return !c.short_read && crc16(h) == crc && tp_be16(&h) == START && tp_u8(&h) >= LEN_MIN;
}

enum frame_rc { FRAME_OK, FRAME_SHORT, FRAME_BAD, FRAME_CORRUPT };

/*
 * Reads the link frame at c's start into f and moves c past it (OK,
 * CORRUPT: a data block's CRC is wrong); leaves c where it is when the
 * bytes end inside a frame that still could be valid (SHORT) or are no
 * DNP3 frame (BAD).
 */
static enum frame_rc read_frame(struct tp_cursor *c, struct frame *f)
{
	struct tp_cursor h = *c;
	uint8_t b0 = tp_u8(&h), b1 = tp_u8(&h), len = tp_u8(&h);
	bool corrupt = false;
	uint32_t n, size;

	if ((c->left >= 1 && b0 != 0x05) || (c->left >= 2 && b1 != 0x64) ||
	    (c->left >= 3 && len < LEN_MIN))
		return FRAME_BAD;
	if (c->left < HDR_LEN)
		return FRAME_SHORT;
	if (!header_ok(*c))
		return FRAME_BAD;
	n = len - LEN_MIN;
	size = HDR_LEN + n + 2u * ((n + BLOCK - 1) / BLOCK);
	if (c->left < size)
		return FRAME_SHORT;
	f->ctrl = tp_u8(&h);
	f->dst = tp_le16(&h);
	f->src = tp_le16(&h);
	tp_skip(&h, 2);
	f->n = 0;
	while (f->n < n) {
		struct tp_cursor blk = tp_sub(&h, n - f->n < BLOCK ? n - f->n : BLOCK);

		corrupt |= crc16(blk) != tp_le16(&h);
		while (blk.left)
			f->data[f->n++] = tp_u8(&blk);
	}
	tp_skip(c, size);
	return corrupt ? FRAME_CORRUPT : FRAME_OK;
}

/* A primary user-data frame carries a transport segment. */
static bool has_segment(const struct frame *f)
{
	uint8_t fn = f->ctrl & CTL_FUNC;

	return (f->ctrl & CTL_PRM) && (fn == LINK_CONFIRMED || fn == LINK_UNCONFIRMED) && f->n;
}

/* The segment's octets after its transport header, into the fragment. */
static void fragment_add(struct fragment *fr, const struct frame *f)
{
	struct tp_cursor s = tp_cursor_make(f->data, f->n);

	fr->tseq = tp_u8(&s) & TH_SEQ;
	while (s.left && fr->len < FRAG_KEEP)
		fr->buf[fr->len++] = tp_u8(&s);
}

enum frag_rc { FRAG_DONE, FRAG_MORE, FRAG_ABORTED, FRAG_FAR };

/*
 * first has FIR without FIN; c is after it.  Looks through the frames that
 * follow for the segments of the same source and destination, in sequence,
 * to the FIN.  Frames of other stations and link frames are stepped over,
 * for FRAG_SPAN octets at most (FAR): the bytes kept for a fragment on TCP
 * and searched again with each segment stay bounded.
 */
static enum frag_rc fragment_rest(struct fragment *fr, const struct frame *first,
				  struct tp_cursor c)
{
	const uint32_t start = c.left;
	struct frame f;

	for (;;) {
		uint8_t th;

		if (start - c.left > FRAG_SPAN)
			return FRAG_FAR;
		if (!c.left)
			return FRAG_MORE;
		switch (read_frame(&c, &f)) {
		case FRAME_SHORT:
			return FRAG_MORE;
		case FRAME_BAD:
			return FRAG_ABORTED;
		case FRAME_CORRUPT:
			continue;	/* if it was ours, the sequence breaks next */
		case FRAME_OK:
			break;
		}
		if (!has_segment(&f) || f.src != first->src || f.dst != first->dst)
			continue;
		th = f.data[0];
		if ((th & TH_FIR) || (th & TH_SEQ) != ((fr->tseq + 1u) & TH_SEQ))
			return FRAG_ABORTED;
		fragment_add(fr, &f);
		if (th & TH_FIN)
			return FRAG_DONE;
	}
}

/* What a request does, by function code (4.2.2.5). */
static const uint8_t fc_actions[32] = {
	[1] = ICS_ACT_READ,
	[2] = ICS_ACT_WRITE,
	[3] = ICS_ACT_CONTROL,		/* select */
	[4] = ICS_ACT_CONTROL,		/* operate */
	[5] = ICS_ACT_CONTROL,		/* direct operate */
	[6] = ICS_ACT_CONTROL,		/* ... no acknowledgment */
	[9] = ICS_ACT_WRITE,		/* freeze and clear counters */
	[10] = ICS_ACT_WRITE,
	[13] = ICS_ACT_STOPSTART,	/* cold restart */
	[14] = ICS_ACT_STOPSTART,	/* warm restart */
	[15] = ICS_ACT_WRITE,		/* initialize data */
	[16] = ICS_ACT_STOPSTART,	/* initialize application */
	[17] = ICS_ACT_STOPSTART,	/* start application */
	[18] = ICS_ACT_STOPSTART,	/* stop application */
	[19] = ICS_ACT_WRITE,		/* save configuration */
	[20] = ICS_ACT_WRITE,		/* enable unsolicited */
	[21] = ICS_ACT_WRITE,		/* disable unsolicited */
	[22] = ICS_ACT_WRITE,		/* assign class */
	[27] = ICS_ACT_WRITE | ICS_ACT_PROGRAM,	/* delete file */
	[28] = ICS_ACT_READ,		/* get file info */
	[31] = ICS_ACT_WRITE | ICS_ACT_PROGRAM,	/* activate configuration */
};

/* The first object header of a request: group, variation, qualifier. */
static bool first_object(struct tp_cursor *a, uint8_t group, uint8_t variation)
{
	uint8_t g = tp_u8(a), v = tp_u8(a);

	tp_skip(a, 1);
	return !a->short_read && g == group && v == variation;
}

static uint8_t request_actions(uint8_t fc, struct tp_cursor a)
{
	uint8_t act = fc < sizeof fc_actions ? fc_actions[fc] : 0;
	uint16_t mode;

	switch (fc) {
	case FC_WRITE:	/* file data written to the outstation */
		if (first_object(&a, 70, 5))
			act |= ICS_ACT_PROGRAM;
		break;
	case FC_OPEN_FILE:
		/* g70v3, qualifier 0x5b: count (1), object size (2), object. */
		if (!first_object(&a, 70, 3) || !tp_skip(&a, 3 + 20))
			break;
		mode = tp_le16(&a);
		if (a.short_read)
			break;
		if (mode == 1)
			act |= ICS_ACT_READ;
		else if (mode == 2 || mode == 3)
			act |= ICS_ACT_WRITE | ICS_ACT_PROGRAM;
		break;
	default:
		break;
	}
	return act;
}

/* 4.2.2.7: objects in the range of a qualifier; false for the codes that
 * carry no count (all, virtual addresses) or a stop before its start. */
static bool range_count(struct tp_cursor *a, uint8_t q, uint32_t *count)
{
	uint32_t start, stop;

	switch (q & 0x0fu) {
	case 0x0:
		start = tp_u8(a);
		stop = tp_u8(a);
		break;
	case 0x1:
		start = tp_le16(a);
		stop = tp_le16(a);
		break;
	case 0x2:
		start = tp_le32(a);
		stop = tp_le32(a);
		break;
	case 0x7:
	case 0xb:
		*count = tp_u8(a);
		return !a->short_read;
	case 0x8:
		*count = tp_le16(a);
		return !a->short_read;
	case 0x9:
		*count = tp_le32(a);
		return !a->short_read;
	default:
		return false;
	}
	*count = stop - start + 1u;
	return !a->short_read && stop >= start && *count;
}

/* 4.2.2.7: octets of the prefix before each object. */
static uint32_t prefix_len(uint8_t q)
{
	static const uint8_t len[8] = { 0, 1, 2, 4, 1, 2, 4, 0 };

	return len[(q >> 4) & 7u];
}

/* Annex A, group 0: the attributes with a field (all visible strings). */
static const struct {
	uint8_t variation, field;
} attribute_fields[] = {
	{ 242, ICS_F_FIRMWARE },	/* manufacturer's software version */
	{ 247, ICS_F_NAME },		/* user-assigned device name */
	{ 248, ICS_F_SERIAL },		/* device serial number */
	{ 250, ICS_F_MODEL },		/* product name and model */
	{ 252, ICS_F_VENDOR },		/* manufacturer's name */
};

/* The attribute of a variation as bytes of the sender, if it has a field. */
static void attribute(const struct ics_ctx *x, uint8_t variation, const uint8_t *v, uint8_t len)
{
	for (size_t i = 0; i < sizeof attribute_fields / sizeof attribute_fields[0]; i++)
		if (attribute_fields[i].variation == variation)
			ics_ident_bytes(x, ICS_DNP3, (enum ics_field)attribute_fields[i].field, v,
					len);
}

/* The group 0 objects at the start of a response's object data. */
static void device_attributes(const struct ics_ctx *x, struct tp_cursor a)
{
	while (a.left) {
		uint8_t g = tp_u8(&a), v = tp_u8(&a), q = tp_u8(&a);
		uint32_t count;

		if (a.short_read || g != 0 || v == 0 || v >= 254 || (q >> 4) == 7 ||
		    !range_count(&a, q, &count))
			return;
		for (uint32_t i = 0; i < count && a.left; i++) {
			uint8_t type, len;
			const uint8_t *value;

			tp_skip(&a, prefix_len(q));
			type = tp_u8(&a);
			len = tp_u8(&a);
			value = tp_take(&a, len);
			if (!value || a.short_read)
				return;	/* cut: nothing of it */
			if (type == 1)	/* visible string */
				attribute(x, v, value, len);
		}
	}
}

static uint8_t role_by_dir(const struct frame *f, bool sender)
{
	return ((f->ctrl & CTL_DIR) != 0) == sender ? ICS_ROLE_MASTER : ICS_ROLE_OUTSTATION;
}

static uint8_t app_kind(uint8_t fc)
{
	if (fc == FC_CONFIRM)
		return ICS_KIND_OTHER;
	if (fc < FC_RESPONSE)
		return ICS_KIND_REQUEST;
	if (fc == FC_UNSOLICITED)
		return ICS_KIND_UNSOLICITED;
	return fc == FC_RESPONSE || fc == FC_AUTH_RESPONSE ? ICS_KIND_RESPONSE : ICS_KIND_OTHER;
}

static void device_id(const struct ics_ctx *x, const struct frame *f)
{
	ics_ident_number(x, ICS_DNP3, ICS_F_DEVICE_ID, f->src);
}

/* One application fragment; f is its first frame. */
static void app_message(const struct ics_ctx *x, const struct frame *f, const struct fragment *fr)
{
	struct tp_cursor a = tp_cursor_make(fr->buf, fr->len);
	uint8_t ac = tp_u8(&a), fc = tp_u8(&a), iin2 = 0;
	bool response = fc >= FC_RESPONSE && fc <= FC_AUTH_RESPONSE;
	struct ics_msg m = {
		.proto = ICS_DNP3,
		.kind = app_kind(fc),
		.function = fc,
		.has_transaction = true,
		.transaction = ac & AC_SEQ,
		.has_unit = true,
		.unit = f->dst,
		.nseq = 2,
		.seq = { fr->tseq, ac & AC_SEQ },
	};

	if (response) {
		tp_skip(&a, 1);	/* IIN1: status, no error */
		iin2 = tp_u8(&a);
	}
	if (a.short_read)
		return;	/* the header is cut: no message from missing octets */
	m.exception = (iin2 & IIN2_ERRORS) != 0;
	if (fc == FC_CONFIRM) {
		m.sender_role = role_by_dir(f, true);
		m.receiver_role = role_by_dir(f, false);
	} else {
		m.sender_role = fc < FC_RESPONSE ? ICS_ROLE_MASTER : ICS_ROLE_OUTSTATION;
		m.receiver_role = fc < FC_RESPONSE ? ICS_ROLE_OUTSTATION : ICS_ROLE_MASTER;
	}
	if (m.kind == ICS_KIND_REQUEST)
		m.actions = request_actions(fc, a);
	ics_emit(x, &m);
	device_id(x, f);
	if (response)
		device_attributes(x, a);
}

/* A link frame without a transport segment. */
static void link_message(const struct ics_ctx *x, const struct frame *f)
{
	bool primary = (f->ctrl & CTL_PRM) != 0;
	uint8_t fn = f->ctrl & CTL_FUNC;
	struct ics_msg m = {
		.proto = ICS_DNP3,
		.kind = primary ? ICS_KIND_REQUEST : ICS_KIND_RESPONSE,
		.function = (uint16_t)((primary ? LINK_PRIMARY : LINK_SECONDARY) | fn),
		.exception = !primary && (fn == LINK_NACK || fn == LINK_NOT_SUPPORTED),
		.sender_role = role_by_dir(f, true),
		.receiver_role = role_by_dir(f, false),
		.has_unit = true,
		.unit = f->dst,
	};

	ics_emit(x, &m);
	device_id(x, f);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	bool tcp = x->pkt && x->pkt->ip_proto == 6;
	uint32_t total = c.left;
	struct frame f;
	struct fragment fr;

	while (c.left) {
		uint32_t at = total - c.left;
		uint8_t th;

		switch (read_frame(&c, &f)) {
		case FRAME_SHORT:
			return tcp ? at : total;
		case FRAME_BAD:
			return total;
		case FRAME_CORRUPT:
			continue;
		case FRAME_OK:
			break;
		}
		if (!has_segment(&f)) {
			link_message(x, &f);
			continue;
		}
		th = f.data[0];
		if (!(th & TH_FIR))
			continue;	/* counted with its fragment's first segment */
		fr.len = 0;
		fragment_add(&fr, &f);
		if (!(th & TH_FIN)) {
			enum frag_rc rc = fragment_rest(&fr, &f, c);

			if (rc == FRAG_ABORTED)
				continue;
			if (rc == FRAG_MORE && tcp)
				return at;
			/* DONE; MORE in a datagram, or FAR: from what there is */
		}
		app_message(x, &f, &fr);
	}
	return total;
}

/* A link header with its CRC right at the payload's start. */
static bool detect(const uint8_t *p, uint32_t len, bool tcp)
{
	(void)tcp;
	return header_ok(tp_cursor_make(p, len));
}

static const char *const app_names[] = {
	"confirm", "read", "write", "select", "operate", "direct_operate", "direct_operate_nr",
	"immediate_freeze", "immediate_freeze_nr", "freeze_and_clear", "freeze_and_clear_nr",
	"freeze_at_time", "freeze_at_time_nr", "cold_restart", "warm_restart", "initialize_data",
	"initialize_application", "start_application", "stop_application", "save_configuration",
	"enable_unsolicited", "disable_unsolicited", "assign_class", "delay_measurement",
	"record_current_time", "open_file", "close_file", "delete_file", "get_file_info",
	"authenticate_file", "abort_file", "activate_config", "authenticate_request",
	"authenticate_request_no_ack",
};

static const char *const response_names[] = {
	"response", "unsolicited_response", "authenticate_response",
};

static const char *const link_names[32] = {
	[0x00] = "link_reset_link_states",
	[0x01] = "link_reset_user_process",
	[0x02] = "link_test_link_states",
	[0x03] = "link_confirmed_user_data",
	[0x04] = "link_unconfirmed_user_data",
	[0x09] = "link_request_link_status",
	[0x10] = "link_ack",
	[0x11] = "link_nack",
	[0x1b] = "link_status",
	[0x1e] = "link_not_functioning",
	[0x1f] = "link_not_supported",
};

static const char *function_name(uint8_t proto, uint16_t function)
{
	const size_t napp = sizeof app_names / sizeof app_names[0];
	const size_t nrsp = sizeof response_names / sizeof response_names[0];

	if (proto != ICS_DNP3)
		return NULL;
	if (function < napp)
		return app_names[function];
	if (function >= FC_RESPONSE && function < FC_RESPONSE + nrsp)
		return response_names[function - FC_RESPONSE];
	if (function >= LINK_PRIMARY && function < LINK_PRIMARY + 32)
		return link_names[function - LINK_PRIMARY];
	return NULL;
}

const struct ics_dissector ics_dnp3 = {
	.name = "dnp3",
	.proto = ICS_DNP3,
	.tcp_ports = { 20000 },
	.udp_ports = { 20000 },
	.detect = detect,
	.dissect = dissect,
	.function_name = function_name,
};
