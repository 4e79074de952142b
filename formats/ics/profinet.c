/*
 * profinet.c - PROFINET on Ethernet (EtherType 0x8892): DCP identify, hello,
 * get and set with the device's name, type, vendor and device ids, role and
 * IP address; cyclic real-time frames with their cycle counter; alarms;
 * time synchronisation (PTCP) and fragments as bare messages.
 *
 * References: IEC 61158-6-10 (Type 10 = PROFINET IO application layer
 * protocol; the PI "PROFINET IO" specification v2.3 has the same syntax):
 *   the FrameID table (coding of the field FrameID), APDU_Status
 *   (CycleCounter, DataStatus, TransferStatus) of the cyclic RTC-PDU,
 *   RTA-PDU header (alarms), and DCP: DCP-UC/MC-Header, DCP block
 *   (Option, Suboption, DCPBlockLength, BlockInfo or BlockQualifier, data,
 *   padded to an even length), the options IP (1), Device properties (2),
 *   DHCP (3), Control (5), DeviceInitiative (6).  The standard is not
 *   public; the layouts were checked against the corpus with tshark.
 *
 *   frame    | FrameID be16 | ... |
 *   DCP      | FrameID | ServiceID | ServiceType | Xid be32 |
 *              ResponseDelay/reserved be16 | DCPDataLength be16 | blocks |
 *   block    | Option | Suboption | DCPBlockLength be16 | value | pad to even |
 *              value: identify response, get response, hello:
 *                       BlockInfo be16, data (Control/Response: option,
 *                       suboption, BlockError, no BlockInfo);
 *                     set request: BlockQualifier be16, data;
 *                     identify request: data (a filter); get request:
 *                       Option/Suboption pairs without lengths
 *   cyclic   | FrameID | C-SDU (>= 40 bytes) | CycleCounter be16 |
 *              DataStatus | TransferStatus |
 *   RTA      | FrameID | AlarmDstEndpoint be16 | AlarmSrcEndpoint be16 |
 *              PDUType (version << 4 | type) | AddFlags | SendSeqNum be16 |
 *              AckSeqNum be16 | VarPartLen be16 | ... |
 *
 * ICS_PROFINET_DCP messages (FrameID 0xFEFC hello, 0xFEFD get/set,
 * 0xFEFE identify request, 0xFEFF identify response): function = ServiceID
 * (3 get, 4 set, 5 identify, 6 hello; 1 and 2 manufacturer specific);
 * transaction = Xid; kind request or response from ServiceType (hello:
 * announce); exception when ServiceType says "request not supported" or a
 * Control/Response block carries a BlockError.  Get requests read; set
 * requests write (name, IP, ...), and stop/start as well when they reset to
 * factory settings (Control 5 and 6).  The sender's role comes from its
 * DeviceRole block: IO-Controller (bit 1) before IO-Device (bit 0); a
 * supervisor alone has no role here.
 *
 * Identities, of the sender, from identify responses, hello and get
 * responses only (an identify request's blocks are filters naming the
 * device looked for, and a set request does not prove that the target
 * took the value): NameOfStation -> ICS_F_NAME, DeviceVendorValue (type of
 * station, e.g. "SCALANCE X-200") -> ICS_F_PRODUCT, DeviceID -> its
 * VendorID as ICS_F_VENDOR_ID and DeviceID as ICS_F_DEVICE_TYPE (decimal,
 * as ics_ident_number writes numbers: 0x002A is "42"), IP parameter or full
 * IP suite -> ICS_F_ADDRESS binding the frame's source MAC to the IP
 * (ICS_SUBJECT_GIVEN; 0.0.0.0, "no address", is not reported).
 *
 * ICS_PROFINET_RT messages: function = the first FrameID of the cyclic
 * range for cyclic frames (the FrameIDs themselves are allocated per
 * connection): 0x0100 RT_CLASS_3 (0x0100-0x0FFF), 0x8000 RT_CLASS_1/2
 * (0x8000-0xBFFF), 0xC000 RT_CLASS_1 legacy (0xC000-0xFBFF); kind publish,
 * seq[0] = CycleCounter, exception when DataStatus says the data are not
 * valid or TransferStatus is not 0.  Who is IO controller and who IO
 * device cannot be told from one frame: roles are left unset.  Every other
 * FrameID is its own function: 0xFC01 alarm high and 0xFE01 alarm low
 * (Data-RTA: unsolicited, transaction SendSeqNum; ACK and NACK: response,
 * transaction AckSeqNum; ERR: exception), 0xFE02 RSI, PTCP 0x0020-0x0021,
 * 0x0080-0x0081, 0xFF00-0xFF43, fragments 0xFF80-0xFF8F, reserved IDs
 * (kind other).
 */
#include "formats/ics/ics.h"

#include <string.h>

#define ETHERTYPE_PROFINET	0x8892

#define FRAME_DCP_HELLO		0xFEFC
#define FRAME_DCP_IDENT_RSP	0xFEFF
#define FRAME_ALARM_HIGH	0xFC01
#define FRAME_ALARM_LOW		0xFE01

#define CLASS_3		0x0100
#define CLASS_1_2	0x8000
#define CLASS_1		0xC000

enum { SVC_GET = 3, SVC_SET = 4, SVC_IDENTIFY = 5, SVC_HELLO = 6 };

enum { OPT_IP = 1, OPT_DEVICE = 2, OPT_CONTROL = 5 };
enum { IP_PARAMETER = 2, IP_FULL_SUITE = 3 };
enum { DEV_TYPE_OF_STATION = 1, DEV_NAME = 2, DEV_ID = 3, DEV_ROLE = 4 };
enum { CTL_RESPONSE = 4, CTL_FACTORY_SETTINGS = 5, CTL_RESET_TO_FACTORY = 6 };

#define ROLE_IO_DEVICE		0x01
#define ROLE_IO_CONTROLLER	0x02

static const char *function_name(uint8_t proto, uint16_t function)
{
	static const char *const dcp[] = {
		NULL, "manufacturer_specific", "manufacturer_specific", "get", "set", "identify",
		"hello",
	};
	static const struct {
		uint16_t first, last;
		const char *name;
	} rt[] = {
		{ CLASS_3, CLASS_3, "rt_class_3" },
		{ CLASS_1_2, CLASS_1_2, "rt_class_1_2" },
		{ CLASS_1, CLASS_1, "rt_class_1_legacy" },
		{ 0x0020, 0x0021, "ptcp_rtsync_with_follow_up" },
		{ 0x0080, 0x0081, "ptcp_rtsync" },
		{ FRAME_ALARM_HIGH, FRAME_ALARM_HIGH, "alarm_high" },
		{ FRAME_ALARM_LOW, FRAME_ALARM_LOW, "alarm_low" },
		{ 0xFE02, 0xFE02, "rsi" },
		{ 0xFF00, 0xFF01, "ptcp_announce" },
		{ 0xFF20, 0xFF21, "ptcp_follow_up" },
		{ 0xFF40, 0xFF40, "ptcp_delay_request" },
		{ 0xFF41, 0xFF41, "ptcp_delay_response_with_follow_up" },
		{ 0xFF42, 0xFF42, "ptcp_delay_follow_up" },
		{ 0xFF43, 0xFF43, "ptcp_delay_response" },
		{ 0xFF80, 0xFF8F, "fragment" },
	};

	if (proto == ICS_PROFINET_DCP)
		return function < sizeof dcp / sizeof dcp[0] ? dcp[function] : NULL;
	if (proto != ICS_PROFINET_RT)
		return NULL;
	for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++)
		if (function >= rt[i].first && function <= rt[i].last)
			return rt[i].name;
	return NULL;
}

/* ---- DCP ---- */

struct block {
	uint8_t option, suboption;
	struct tp_cursor value;
};

/* The next whole block of blocks (and its padding); false at the end or
 * when the block is cut. */
static bool next_block(struct tp_cursor *blocks, struct block *b)
{
	uint16_t len;

	if (blocks->left < 4)
		return false;
	b->option = tp_u8(blocks);
	b->suboption = tp_u8(blocks);
	len = tp_be16(blocks);
	b->value = tp_sub(blocks, len);
	if (blocks->short_read)
		return false;
	if (len & 1)
		tp_skip(blocks, blocks->left ? 1 : 0);	/* the last block may go unpadded */
	return true;
}

/* A response's block: its data after BlockInfo (Control/Response has none). */
static struct tp_cursor block_data(const struct block *b)
{
	struct tp_cursor d = b->value;

	if (!(b->option == OPT_CONTROL && b->suboption == CTL_RESPONSE))
		tp_skip(&d, 2);
	return d;
}

/* Role, exception and actions from the blocks, before the message goes. */
static void dcp_scan(struct ics_msg *m, struct tp_cursor blocks, bool response, bool facts,
		     bool set_request)
{
	struct block b;

	while (next_block(&blocks, &b)) {
		struct tp_cursor d = facts ? block_data(&b) : b.value;

		if (b.option == OPT_CONTROL && b.suboption == CTL_RESPONSE && response) {
			tp_skip(&d, 2);		/* the option and suboption answered */
			if (tp_u8(&d) != 0 && !d.short_read)
				m->exception = true;
		} else if (set_request && b.option == OPT_CONTROL &&
			   (b.suboption == CTL_FACTORY_SETTINGS ||
			    b.suboption == CTL_RESET_TO_FACTORY)) {
			m->actions |= ICS_ACT_STOPSTART;
		} else if (facts && b.option == OPT_DEVICE && b.suboption == DEV_ROLE) {
			uint8_t role = tp_u8(&d);

			if (d.short_read)
				continue;
			if (role & ROLE_IO_CONTROLLER)
				m->sender_role = ICS_ROLE_IO_CONTROLLER;
			else if (role & ROLE_IO_DEVICE)
				m->sender_role = ICS_ROLE_IO_DEVICE;
		}
	}
}

/* The sender's MAC is bound to its IP (the block's first four bytes). */
static void dcp_address(const struct ics_ctx *x, struct tp_cursor d)
{
	const uint8_t *ip = tp_take(&d, 4);

	if (ip && x->pkt->has_mac)
		ics_ident_binding(x, ICS_PROFINET_DCP, x->pkt->src_mac, 4, ip);
}

/* The sender's identities in a response's or hello's blocks. */
static void dcp_identities(const struct ics_ctx *x, struct tp_cursor blocks)
{
	struct block b;

	while (next_block(&blocks, &b)) {
		struct tp_cursor d = block_data(&b);
		uint32_t n = d.left;
		uint16_t vendor, device;

		if (d.short_read)
			continue;
		if (b.option == OPT_DEVICE && b.suboption == DEV_NAME && n) {
			ics_ident_bytes(x, ICS_PROFINET_DCP, ICS_F_NAME, tp_take(&d, n), n);
		} else if (b.option == OPT_DEVICE && b.suboption == DEV_TYPE_OF_STATION && n) {
			ics_ident_bytes(x, ICS_PROFINET_DCP, ICS_F_PRODUCT, tp_take(&d, n), n);
		} else if (b.option == OPT_DEVICE && b.suboption == DEV_ID) {
			vendor = tp_be16(&d);
			device = tp_be16(&d);
			if (d.short_read)
				continue;
			ics_ident_number(x, ICS_PROFINET_DCP, ICS_F_VENDOR_ID, vendor);
			ics_ident_number(x, ICS_PROFINET_DCP, ICS_F_DEVICE_TYPE, device);
		} else if (b.option == OPT_IP &&
			   (b.suboption == IP_PARAMETER || b.suboption == IP_FULL_SUITE)) {
			dcp_address(x, d);
		}
	}
}

static void dcp(const struct ics_ctx *x, struct tp_cursor c)
{
	struct ics_msg m = { .proto = ICS_PROFINET_DCP };
	uint8_t service, type;
	uint32_t xid;
	struct tp_cursor blocks;
	bool response, facts, set_request;

	if (c.left < 10)
		return;				/* the header cut short */
	service = tp_u8(&c);
	type = tp_u8(&c);
	xid = tp_be32(&c);
	tp_skip(&c, 2);				/* ResponseDelay or reserved */
	blocks = tp_sub(&c, tp_be16(&c));	/* DCPDataLength (what is here of it) */
	response = type & 0x01;
	m.function = service;
	m.has_transaction = true;
	m.transaction = xid;
	m.exception = (type & 0x04) != 0;
	m.kind = service == SVC_HELLO ? ICS_KIND_ANNOUNCE
		 : response ? ICS_KIND_RESPONSE : ICS_KIND_REQUEST;
	facts = (response && (service == SVC_IDENTIFY || service == SVC_GET)) ||
		(service == SVC_HELLO && !response);
	set_request = service == SVC_SET && !response;
	if (set_request)
		m.actions = ICS_ACT_WRITE;
	else if (service == SVC_GET && !response)
		m.actions = ICS_ACT_READ;
	if (service != SVC_GET || response)
		dcp_scan(&m, blocks, response, facts, set_request);
	if (set_request && (m.actions & ICS_ACT_STOPSTART))
		m.actions |= ICS_ACT_WRITE;
	ics_emit(x, &m);
	if (facts)
		dcp_identities(x, blocks);
}

/* ---- real-time frames ---- */

/* The function of a non-DCP FrameID; *cyclic says it has APDU_Status. */
static uint16_t rt_function(uint16_t id, bool *cyclic)
{
	*cyclic = true;
	if (id >= 0x0100 && id <= 0x0FFF)
		return CLASS_3;
	if (id >= 0x8000 && id <= 0xBFFF)
		return CLASS_1_2;
	if (id >= 0xC000 && id <= 0xFBFF)
		return CLASS_1;
	*cyclic = false;
	return id;
}

static void alarm(struct ics_msg *m, struct tp_cursor c)
{
	uint8_t type;
	uint16_t send_seq, ack_seq;

	tp_skip(&c, 4);				/* AlarmDst/SrcEndpoint */
	type = tp_u8(&c) & 0x0f;
	tp_skip(&c, 1);				/* AddFlags */
	send_seq = tp_be16(&c);
	ack_seq = tp_be16(&c);
	if (c.short_read)
		return;
	m->has_transaction = true;
	switch (type) {
	case 1:					/* DATA-RTA-PDU */
		m->kind = ICS_KIND_UNSOLICITED;
		m->transaction = send_seq;
		break;
	case 2:					/* NACK-RTA-PDU */
	case 3:					/* ACK-RTA-PDU */
		m->kind = ICS_KIND_RESPONSE;
		m->transaction = ack_seq;
		break;
	default:				/* ERR-RTA-PDU, or unknown */
		m->exception = type == 4;
		m->has_transaction = false;
		break;
	}
}

static void realtime(const struct ics_ctx *x, uint16_t frame_id, struct tp_cursor c)
{
	struct ics_msg m = { .proto = ICS_PROFINET_RT };
	bool cyclic;

	m.function = rt_function(frame_id, &cyclic);
	if (cyclic) {
		m.kind = ICS_KIND_PUBLISH;
		/* APDU_Status ends the frame: not when the capture cut it. */
		if (c.left >= 4 && x->pkt->len >= x->pkt->wire_len) {
			uint8_t data_status, transfer_status;

			tp_skip(&c, c.left - 4);	/* C-SDU */
			m.seq[0] = tp_be16(&c);
			m.nseq = 1;
			data_status = tp_u8(&c);
			transfer_status = tp_u8(&c);
			m.exception = !(data_status & 0x04) || transfer_status != 0;
		}
	} else if (frame_id == FRAME_ALARM_HIGH || frame_id == FRAME_ALARM_LOW) {
		alarm(&m, c);
	}
	ics_emit(x, &m);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t total = c.left;
	uint16_t frame_id = tp_be16(&c);

	if (c.short_read)
		return total;
	if (frame_id >= FRAME_DCP_HELLO && frame_id <= FRAME_DCP_IDENT_RSP)
		dcp(x, c);
	else
		realtime(x, frame_id, c);
	return total;
}

const struct ics_dissector ics_profinet = {
	.name = "profinet",
	.proto = ICS_PROFINET_DCP,
	.ethertype = ETHERTYPE_PROFINET,
	.dissect = dissect,
	.function_name = function_name,
};
