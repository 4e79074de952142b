/*
 * bacnet.c - BACnet/IP: BVLC, NPDU (network layer messages) and APDU
 * (confirmed and unconfirmed services, ACKs, errors, segments).
 *
 * ANSI/ASHRAE 135-2020: Annex J.2 BVLL (type 0x81, function, length of the
 * whole BVLC, big-endian; J.2.9 Forwarded-NPDU carries the originator's
 * B/IP address), 6.2 NPDU (version 1, control, DNET/DLEN/DADR, SNET/SLEN/
 * SADR, hop count), 6.4 network layer messages, 20.1 APDU (20.1.2
 * Confirmed-Request ... 20.1.9 Abort), 20.2 tag encoding (20.2.9 character
 * strings, 20.2.14 object identifiers), 21 service choices, 12.11 Device
 * object properties, 15.5 ReadProperty, 15.7 ReadPropertyMultiple, 15.9
 * WriteProperty, 15.10 WritePropertyMultiple, 16.1 DeviceCommunication-
 * Control, 16.4 ReinitializeDevice, 16.10 Who-Is/I-Am, 14.2 AtomicWriteFile,
 * 19.1 backup and restore.
 *
 *   | 0x81 | function | length:2 | [original source B/IP address:6] | NPDU |
 *   NPDU: | 0x01 | control | [DNET:2 DLEN:1 DADR] | [SNET:2 SLEN:1 SADR] | [hops] |
 *         then a network layer message (control bit 7) or an APDU
 *
 * `function` of an ICS_BACNET message:
 *   0x000-0x0FF  confirmed service choice: Confirmed-Request, Simple-ACK,
 *                Complex-ACK, and Error (which names the service that
 *                failed: kind response, exception set)
 *   0x100-0x1FF  0x100 | unconfirmed service choice
 *   0x200 reject, 0x201 abort, 0x202 segment_ack (PDUs without a service)
 *   0x300-0x3FF  0x300 | network layer message type (no APDU)
 *   0x400-0x4FF  0x400 | BVLC function, for BVLL messages without an NPDU
 *                (Result, Register-Foreign-Device, Read-BDT, ...)
 * Every segment of a segmented request or ACK is one message (each carries
 * the service choice); only an unsegmented one or the first segment is
 * looked into.  transaction = invoke id (confirmed PDUs).
 *
 * Kinds and roles: Confirmed-Request client -> server; ACKs, Error, Reject
 * server -> client; Segment-ACK and Abort by their SRV bit.  I-Am and
 * I-Have announce, unconfirmed notifications are unsolicited (both from the
 * server side), other unconfirmed services are requests; the receiver role
 * is none for a broadcast (Original-Broadcast-NPDU, Forwarded-NPDU,
 * Distribute-Broadcast-To-Network).
 *
 * Actions (requests only, first segment only):
 *   read        ReadProperty(-Conditional, -Multiple), ReadRange,
 *               AtomicReadFile, GetAlarmSummary, GetEnrollmentSummary,
 *               GetEventInformation, BVLC Read-BDT/Read-FDT
 *   write       WriteProperty(-Multiple), Add/RemoveListElement,
 *               Create/DeleteObject, AtomicWriteFile, (UTC)Time-
 *               Synchronization, WriteGroup, You-Are, BVLC Write-BDT and
 *               Delete-FDT-Entry, Initialize-Routing-Table with entries
 *   control     a write of present-value (85) to an analog, binary or
 *               multi-state output (objects 1, 4, 14): that commands an
 *               output; LifeSafetyOperation
 *   program     AtomicWriteFile: file writes are how a configuration (the
 *               controller's program) is restored (19.1) and how vendors
 *               load firmware and programs; ReinitializeDevice with a
 *               backup or restore state (states 2-6: configuration upload
 *               or download)
 *   stop_start  ReinitializeDevice cold/warm start and activate-changes;
 *               DeviceCommunicationControl (it stops or restarts the
 *               device's communication: no output is commanded, so not
 *               control)
 *
 * Identities of the device that speaks (I-Am: device instance ->
 * device_id, vendor id -> vendor_id; ReadProperty and ReadPropertyMultiple
 * ACKs of the Device object: object-name -> name, model-name -> model,
 * vendor-name -> vendor, vendor-identifier -> vendor_id, object-identifier
 * -> device_id, firmware-revision and application-software-version ->
 * firmware).  The subject is the sender, the Forwarded-NPDU originator's
 * address, or the NPDU source (SADR) when it is a B/IP address (6 bytes
 * ending in a port 0xBAC0-0xBACF); a device behind a router on another
 * kind of network (MS/TP SADR) has no address an identity can name, so its
 * facts are left out.  Character strings are given in UTF-8 when the device
 * sent UCS-2, UCS-4 or ISO 8859-1 (the characters unchanged; at most 512
 * bytes), else as sent; an empty string is no fact.  A datagram cut short
 * still gives the messages whose headers are whole, and only values that
 * are whole (to their closing tag in an ACK) as identities.
 *
 * Detect (UDP on other ports): type 0x81, a known function, the length is
 * the datagram's, and an NPDU of version 1 with no reserved control bits,
 * or the fixed length of the BVLL message.  BACnet/IPv6 (type 0x82, Annex
 * U) and BACnet over 802.2 LLC are not read.
 */
#include "formats/ics/ics.h"

#include <stdio.h>

enum {
	BACNET_PORT = 47808,
	BVLC_TYPE = 0x81,
	TAG_DEPTH_MAX = 16,
	STRING_MAX = 512,	/* UTF-8 bytes kept of a converted string */
	INSTANCE_ANY = 0x3fffff,
};

/* BVLC functions (J.2). */
enum {
	BVLC_RESULT = 0x00,
	BVLC_WRITE_BDT = 0x01,
	BVLC_READ_BDT = 0x02,
	BVLC_READ_BDT_ACK = 0x03,
	BVLC_FORWARDED_NPDU = 0x04,
	BVLC_REGISTER_FD = 0x05,
	BVLC_READ_FDT = 0x06,
	BVLC_READ_FDT_ACK = 0x07,
	BVLC_DELETE_FDT_ENTRY = 0x08,
	BVLC_DISTRIBUTE_BROADCAST = 0x09,
	BVLC_ORIGINAL_UNICAST = 0x0a,
	BVLC_ORIGINAL_BROADCAST = 0x0b,
	BVLC_SECURE_BVLL = 0x0c,
};

/* APDU types (20.1.1). */
enum {
	PDU_CONFIRMED = 0,
	PDU_UNCONFIRMED = 1,
	PDU_SIMPLE_ACK = 2,
	PDU_COMPLEX_ACK = 3,
	PDU_SEGMENT_ACK = 4,
	PDU_ERROR = 5,
	PDU_REJECT = 6,
	PDU_ABORT = 7,
};

/* Function values (see above). */
enum {
	FN_UNCONFIRMED = 0x100,
	FN_REJECT = 0x200,
	FN_ABORT = 0x201,
	FN_SEGMENT_ACK = 0x202,
	FN_NETWORK = 0x300,
	FN_BVLC = 0x400,
};

/* Confirmed (21) and unconfirmed service choices used here. */
enum {
	SC_GET_ALARM_SUMMARY = 3,
	SC_GET_ENROLLMENT_SUMMARY = 4,
	SC_ATOMIC_READ_FILE = 6,
	SC_ATOMIC_WRITE_FILE = 7,
	SC_ADD_LIST_ELEMENT = 8,
	SC_REMOVE_LIST_ELEMENT = 9,
	SC_CREATE_OBJECT = 10,
	SC_DELETE_OBJECT = 11,
	SC_READ_PROPERTY = 12,
	SC_READ_PROPERTY_CONDITIONAL = 13,
	SC_READ_PROPERTY_MULTIPLE = 14,
	SC_WRITE_PROPERTY = 15,
	SC_WRITE_PROPERTY_MULTIPLE = 16,
	SC_DEVICE_COMMUNICATION_CONTROL = 17,
	SC_REINITIALIZE_DEVICE = 20,
	SC_READ_RANGE = 26,
	SC_LIFE_SAFETY_OPERATION = 27,
	SC_GET_EVENT_INFORMATION = 29,
	UC_I_AM = 0,
	UC_I_HAVE = 1,
	UC_COV_NOTIFICATION = 2,
	UC_EVENT_NOTIFICATION = 3,
	UC_TIME_SYNCHRONIZATION = 6,
	UC_UTC_TIME_SYNCHRONIZATION = 9,
	UC_WRITE_GROUP = 10,
	UC_COV_NOTIFICATION_MULTIPLE = 11,
	UC_AUDIT_NOTIFICATION = 12,
	UC_YOU_ARE = 14,
};

/* Objects and properties (12, 21). */
enum {
	OBJ_ANALOG_OUTPUT = 1,
	OBJ_BINARY_OUTPUT = 4,
	OBJ_DEVICE = 8,
	OBJ_MULTI_STATE_OUTPUT = 14,
	PROP_APPLICATION_SOFTWARE_VERSION = 12,
	PROP_FIRMWARE_REVISION = 44,
	PROP_MODEL_NAME = 70,
	PROP_OBJECT_IDENTIFIER = 75,
	PROP_OBJECT_NAME = 77,
	PROP_PRESENT_VALUE = 85,
	PROP_VENDOR_IDENTIFIER = 120,
	PROP_VENDOR_NAME = 121,
};

/* Application tags (20.2.1.4). */
enum {
	APP_UNSIGNED = 2,
	APP_CHARACTER_STRING = 7,
	APP_ENUMERATED = 9,
	APP_OBJECT_ID = 12,
};

/* Whose facts a PDU's identities are. */
struct origin {
	bool known;		/* false: behind a router, no address to name */
	bool given;		/* true: ip below, else the sender */
	uint8_t ip[4];
};

/* One PDU's context. */
struct pdu {
	const struct ics_ctx *x;
	struct origin from;
	bool group;		/* a broadcast (BVLC function) */
};

/* A tag (20.2.1). */
enum tag_kind { TAG_DATA, TAG_OPEN, TAG_CLOSE };

struct tag {
	uint8_t number;
	bool context;
	uint8_t kind;		/* enum tag_kind */
	uint8_t lvt;		/* application boolean: its value */
	struct tp_cursor value;
};

/* ---- names ---- */

static const char *confirmed_name(unsigned sc)
{
	static const char *const names[] = {
		"acknowledge_alarm", "confirmed_cov_notification", "confirmed_event_notification",
		"get_alarm_summary", "get_enrollment_summary", "subscribe_cov", "atomic_read_file",
		"atomic_write_file", "add_list_element", "remove_list_element", "create_object",
		"delete_object", "read_property", "read_property_conditional",
		"read_property_multiple", "write_property", "write_property_multiple",
		"device_communication_control", "confirmed_private_transfer",
		"confirmed_text_message", "reinitialize_device", "vt_open", "vt_close", "vt_data",
		"authenticate", "request_key", "read_range", "life_safety_operation",
		"subscribe_cov_property", "get_event_information",
		"subscribe_cov_property_multiple", "confirmed_cov_notification_multiple",
		"confirmed_audit_notification", "audit_log_query",
	};
	return sc < sizeof names / sizeof names[0] ? names[sc] : NULL;
}

static const char *unconfirmed_name(unsigned sc)
{
	static const char *const names[] = {
		"i_am", "i_have", "unconfirmed_cov_notification", "unconfirmed_event_notification",
		"unconfirmed_private_transfer", "unconfirmed_text_message", "time_synchronization",
		"who_has", "who_is", "utc_time_synchronization", "write_group",
		"unconfirmed_cov_notification_multiple", "unconfirmed_audit_notification",
		"who_am_i", "you_are",
	};
	return sc < sizeof names / sizeof names[0] ? names[sc] : NULL;
}

static const char *network_name(unsigned type)
{
	static const char *const names[] = {
		"who_is_router_to_network", "i_am_router_to_network",
		"i_could_be_router_to_network", "reject_message_to_network",
		"router_busy_to_network", "router_available_to_network",
		"initialize_routing_table", "initialize_routing_table_ack",
		"establish_connection_to_network", "disconnect_connection_to_network",
		"challenge_request", "security_payload", "security_response", "request_key_update",
		"update_key_set", "update_distribution_key", "request_master_key",
		"set_master_key", "what_is_network_number", "network_number_is",
	};
	if (type < sizeof names / sizeof names[0])
		return names[type];
	return type >= 0x80 ? "proprietary_network_message" : NULL;
}

static const char *bvlc_name(unsigned fn)
{
	static const char *const names[] = {
		"bvlc_result", "write_broadcast_distribution_table",
		"read_broadcast_distribution_table", "read_broadcast_distribution_table_ack",
		"forwarded_npdu", "register_foreign_device", "read_foreign_device_table",
		"read_foreign_device_table_ack", "delete_foreign_device_table_entry",
		"distribute_broadcast_to_network", "original_unicast_npdu",
		"original_broadcast_npdu", "secure_bvll",
	};
	return fn < sizeof names / sizeof names[0] ? names[fn] : NULL;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	if (proto != ICS_BACNET)
		return NULL;
	switch (function & 0xff00) {
	case 0x000:
		return confirmed_name(function);
	case FN_UNCONFIRMED:
		return unconfirmed_name(function & 0xff);
	case FN_NETWORK:
		return network_name(function & 0xff);
	case FN_BVLC:
		return bvlc_name(function & 0xff);
	default:
		break;
	}
	switch (function) {
	case FN_REJECT: return "reject";
	case FN_ABORT: return "abort";
	case FN_SEGMENT_ACK: return "segment_ack";
	default: return NULL;
	}
}

/* ---- tags (20.2) ---- */

static bool read_tag(struct tp_cursor *c, struct tag *t)
{
	uint8_t b = tp_u8(c);
	uint32_t len;

	t->number = b >> 4;
	t->context = (b & 0x08) != 0;
	t->lvt = b & 7;
	t->kind = TAG_DATA;
	t->value = tp_cursor_make(NULL, 0);
	if (t->number == 15)
		t->number = tp_u8(c);
	if (t->context && t->lvt == 6) {
		t->kind = TAG_OPEN;
		return !c->short_read;
	}
	if (t->context && t->lvt == 7) {
		t->kind = TAG_CLOSE;
		return !c->short_read;
	}
	if (!t->context && t->number == 1)
		return !c->short_read;	/* boolean: the value is the LVT */
	len = t->lvt;
	if (len == 5) {
		len = tp_u8(c);
		if (len == 254)
			len = tp_be16(c);
		else if (len == 255)
			len = tp_be32(c);
	}
	if (c->short_read || c->left < len)
		return false;
	t->value = tp_sub(c, len);
	return true;
}

/* Reads a data tag of the given class and number. */
static bool expect_tag(struct tp_cursor *c, bool context, uint8_t number, struct tag *t)
{
	return read_tag(c, t) && t->kind == TAG_DATA && t->context == context &&
	       t->number == number;
}

static bool expect_bracket(struct tp_cursor *c, uint8_t kind, uint8_t number)
{
	struct tag t;

	return read_tag(c, &t) && t.kind == kind && t.number == number;
}

/* Skips tags to the closing tag that matches an opening one already read. */
static bool skip_constructed(struct tp_cursor *c)
{
	int depth = 1;
	struct tag t;

	while (depth > 0) {
		if (!read_tag(c, &t))
			return false;
		if (t.kind == TAG_OPEN && ++depth > TAG_DEPTH_MAX)
			return false;
		if (t.kind == TAG_CLOSE)
			depth--;
	}
	return true;
}

/* An unsigned of 1-4 bytes (20.2.4); false when longer or empty. */
static bool tag_unsigned(const struct tag *t, uint32_t *v)
{
	struct tp_cursor c = t->value;

	if (c.left < 1 || c.left > 4)
		return false;
	*v = 0;
	while (c.left)
		*v = *v << 8 | tp_u8(&c);
	return true;
}

static bool tag_object_id(const struct tag *t, uint32_t *type, uint32_t *instance)
{
	struct tp_cursor c = t->value;
	uint32_t v = tp_be32(&c);

	if (c.short_read || c.left)
		return false;
	*type = v >> 22;
	*instance = v & INSTANCE_ANY;
	return true;
}

/* ---- identities ---- */

static void ident(const struct pdu *u, enum ics_field f, const void *value, size_t len)
{
	struct ics_ident id = {
		.proto = ICS_BACNET,
		.field = (uint8_t)f,
		.subject = ICS_SUBJECT_SENDER,
		.value = value,
		.len = (uint32_t)len,
	};

	if (!u->from.known)
		return;
	if (u->from.given) {
		id.subject = ICS_SUBJECT_GIVEN;
		id.ip_version = 4;
		for (int i = 0; i < 4; i++)
			id.ip[i] = u->from.ip[i];
	}
	ics_ident(u->x, &id);
}

static void ident_number(const struct pdu *u, enum ics_field f, uint32_t v)
{
	char buf[16];
	int n = snprintf(buf, sizeof buf, "%u", (unsigned)v);

	ident(u, f, buf, n > 0 ? (size_t)n : 0);
}

/* Appends code point cp in UTF-8 when it fits. */
static bool put_utf8(char *out, size_t *n, uint32_t cp)
{
	uint8_t b[4];
	size_t k;

	if (cp >= 0xd800 && cp < 0xe000)
		cp = 0xfffd;
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 3;
	} else if (cp < 0x110000) {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 4;
	} else {
		return put_utf8(out, n, 0xfffd);
	}
	if (*n + k > STRING_MAX)
		return false;
	for (size_t i = 0; i < k; i++)
		out[(*n)++] = (char)b[i];
	return true;
}

/* A character string value (20.2.9) as an identity; an empty one says
 * nothing. */
static void ident_string(const struct pdu *u, enum ics_field f, const struct tag *t)
{
	struct tp_cursor c = t->value;
	uint8_t set = tp_u8(&c);
	char out[STRING_MAX];
	size_t n = 0;
	uint32_t width = set == 3 ? 4 : set == 4 ? 2 : set == 5 ? 1 : 0;

	if (c.short_read)
		return;
	if (set == 1)
		tp_skip(&c, 2);	/* IBM/Microsoft DBCS: code page */
	if (!width) {
		uint32_t len = c.left;
		const uint8_t *p = tp_take(&c, len);

		if (!c.short_read && len)
			ident(u, f, p, len);
		return;
	}
	while (c.left >= width) {
		uint32_t cp = width == 4 ? tp_be32(&c) : width == 2 ? tp_be16(&c) : tp_u8(&c);

		if (!put_utf8(out, &n, cp))
			break;
	}
	if (n)
		ident(u, f, out, n);
}

/* The Device object properties kept, and the facts they are. */
static int device_fact(uint32_t prop)
{
	switch (prop) {
	case PROP_OBJECT_NAME: return ICS_F_NAME;
	case PROP_MODEL_NAME: return ICS_F_MODEL;
	case PROP_VENDOR_NAME: return ICS_F_VENDOR;
	case PROP_FIRMWARE_REVISION: return ICS_F_FIRMWARE;
	case PROP_APPLICATION_SOFTWARE_VERSION: return ICS_F_FIRMWARE;
	case PROP_VENDOR_IDENTIFIER: return ICS_F_VENDOR_ID;
	case PROP_OBJECT_IDENTIFIER: return ICS_F_DEVICE_ID;
	default: return -1;
	}
}

/* A Device object property value (one application tag) as fact f. */
static void device_property(const struct pdu *u, int f, const struct tag *v)
{
	uint32_t n, type, instance;

	if (v->context)
		return;
	if (f == ICS_F_VENDOR_ID) {
		if (v->number == APP_UNSIGNED && tag_unsigned(v, &n))
			ident_number(u, ICS_F_VENDOR_ID, n);
	} else if (f == ICS_F_DEVICE_ID) {
		if (v->number == APP_OBJECT_ID && tag_object_id(v, &type, &instance) &&
		    type == OBJ_DEVICE)
			ident_number(u, ICS_F_DEVICE_ID, instance);
	} else if (v->number == APP_CHARACTER_STRING) {
		ident_string(u, (enum ics_field)f, v);
	}
}

/* The value between opening and closing tag `number` (already past the
 * opening one): a single application tag for the properties we keep. */
static bool property_value(const struct pdu *u, struct tp_cursor *c, uint8_t number, bool device,
			   uint32_t prop, bool indexed)
{
	struct tp_cursor start = *c;
	int f = device ? device_fact(prop) : -1;
	struct tag v;

	if (f >= 0 && !indexed && read_tag(c, &v) && v.kind == TAG_DATA) {
		struct tp_cursor after = *c;

		if (expect_bracket(&after, TAG_CLOSE, number)) {
			device_property(u, f, &v);
			*c = after;
			return true;
		}
	}
	*c = start;
	return skip_constructed(c);
}

/* ReadProperty-ACK (15.5.1.3). */
static void read_property_ack(const struct pdu *u, struct tp_cursor c)
{
	struct tag t;
	uint32_t type, instance, prop;
	bool indexed = false;

	if (!expect_tag(&c, true, 0, &t) || !tag_object_id(&t, &type, &instance) ||
	    !expect_tag(&c, true, 1, &t) || !tag_unsigned(&t, &prop) || !read_tag(&c, &t))
		return;
	if (t.kind == TAG_DATA && t.context && t.number == 2) {
		indexed = true;
		if (!read_tag(&c, &t))
			return;
	}
	if (t.kind == TAG_OPEN && t.number == 3)
		property_value(u, &c, 3, type == OBJ_DEVICE, prop, indexed);
}

/* ReadPropertyMultiple-ACK (15.7.1.3): results of each object. */
static void read_property_multiple_ack(const struct pdu *u, struct tp_cursor c)
{
	struct tag t;

	while (c.left) {
		uint32_t type, instance;

		if (!expect_tag(&c, true, 0, &t) || !tag_object_id(&t, &type, &instance) ||
		    !expect_bracket(&c, TAG_OPEN, 1))
			return;
		for (;;) {
			uint32_t prop;
			bool indexed = false;

			if (!read_tag(&c, &t))
				return;
			if (t.kind == TAG_CLOSE && t.number == 1)
				break;
			if (t.kind != TAG_DATA || !t.context || t.number != 2 ||
			    !tag_unsigned(&t, &prop) || !read_tag(&c, &t))
				return;
			if (t.kind == TAG_DATA && t.context && t.number == 3) {
				indexed = true;
				if (!read_tag(&c, &t))
					return;
			}
			if (t.kind != TAG_OPEN)
				return;
			if (t.number == 4) {
				if (!property_value(u, &c, 4, type == OBJ_DEVICE, prop, indexed))
					return;
			} else if (t.number != 5 || !skip_constructed(&c)) {
				return;	/* property access error is 5 */
			}
		}
	}
}

/* I-Am (16.10.3): device identifier, max APDU, segmentation, vendor id. */
static void i_am(const struct pdu *u, struct tp_cursor c)
{
	struct tag t;
	uint32_t type, instance, vendor;

	if (!expect_tag(&c, false, APP_OBJECT_ID, &t) || !tag_object_id(&t, &type, &instance) ||
	    type != OBJ_DEVICE)
		return;
	ident_number(u, ICS_F_DEVICE_ID, instance);
	if (expect_tag(&c, false, APP_UNSIGNED, &t) && expect_tag(&c, false, APP_ENUMERATED, &t) &&
	    expect_tag(&c, false, APP_UNSIGNED, &t) && tag_unsigned(&t, &vendor))
		ident_number(u, ICS_F_VENDOR_ID, vendor);
}

/* ---- actions of requests ---- */

static bool commands_output(uint32_t type, uint32_t prop)
{
	return prop == PROP_PRESENT_VALUE &&
	       (type == OBJ_ANALOG_OUTPUT || type == OBJ_BINARY_OUTPUT ||
		type == OBJ_MULTI_STATE_OUTPUT);
}

/* WriteProperty (15.9.1.1): object, property. */
static uint8_t write_property_actions(struct tp_cursor c)
{
	struct tag t;
	uint32_t type, instance, prop;

	if (expect_tag(&c, true, 0, &t) && tag_object_id(&t, &type, &instance) &&
	    expect_tag(&c, true, 1, &t) && tag_unsigned(&t, &prop) && commands_output(type, prop))
		return ICS_ACT_WRITE | ICS_ACT_CONTROL;
	return ICS_ACT_WRITE;
}

/* WritePropertyMultiple (15.10.1.1): a list of objects, each a list of
 * property values. */
static uint8_t write_property_multiple_actions(struct tp_cursor c)
{
	struct tag t;

	while (c.left) {
		uint32_t type, instance, prop;

		if (!expect_tag(&c, true, 0, &t) || !tag_object_id(&t, &type, &instance) ||
		    !expect_bracket(&c, TAG_OPEN, 1))
			break;
		for (;;) {
			if (!read_tag(&c, &t))
				return ICS_ACT_WRITE;
			if (t.kind == TAG_CLOSE && t.number == 1)
				break;
			if (t.kind == TAG_DATA && t.context && t.number == 0) {
				if (tag_unsigned(&t, &prop) && commands_output(type, prop))
					return ICS_ACT_WRITE | ICS_ACT_CONTROL;
			} else if (t.kind == TAG_OPEN) {
				if (!skip_constructed(&c))
					return ICS_ACT_WRITE;
			} else if (t.kind != TAG_DATA) {
				return ICS_ACT_WRITE;
			}
		}
	}
	return ICS_ACT_WRITE;
}

/* ReinitializeDevice (16.4.1.1): reinitialized state of device. */
static uint8_t reinitialize_actions(struct tp_cursor c)
{
	struct tag t;
	uint32_t state;

	if (expect_tag(&c, true, 0, &t) && tag_unsigned(&t, &state) && state >= 2 && state <= 6)
		return ICS_ACT_PROGRAM;	/* start/end backup, start/end/abort restore */
	return ICS_ACT_STOPSTART;
}

static uint8_t confirmed_actions(uint8_t sc, struct tp_cursor c)
{
	switch (sc) {
	case SC_GET_ALARM_SUMMARY:
	case SC_GET_ENROLLMENT_SUMMARY:
	case SC_ATOMIC_READ_FILE:
	case SC_READ_PROPERTY:
	case SC_READ_PROPERTY_CONDITIONAL:
	case SC_READ_PROPERTY_MULTIPLE:
	case SC_READ_RANGE:
	case SC_GET_EVENT_INFORMATION:
		return ICS_ACT_READ;
	case SC_ADD_LIST_ELEMENT:
	case SC_REMOVE_LIST_ELEMENT:
	case SC_CREATE_OBJECT:
	case SC_DELETE_OBJECT:
		return ICS_ACT_WRITE;
	case SC_ATOMIC_WRITE_FILE:
		return ICS_ACT_WRITE | ICS_ACT_PROGRAM;
	case SC_WRITE_PROPERTY:
		return write_property_actions(c);
	case SC_WRITE_PROPERTY_MULTIPLE:
		return write_property_multiple_actions(c);
	case SC_DEVICE_COMMUNICATION_CONTROL:
		return ICS_ACT_STOPSTART;
	case SC_REINITIALIZE_DEVICE:
		return reinitialize_actions(c);
	case SC_LIFE_SAFETY_OPERATION:
		return ICS_ACT_CONTROL;
	default:
		return 0;
	}
}

/* ---- messages ---- */

static void emit(const struct pdu *u, struct ics_msg *m)
{
	m->proto = ICS_BACNET;
	switch (m->kind) {
	case ICS_KIND_REQUEST:
		m->sender_role = ICS_ROLE_CLIENT;
		m->receiver_role = u->group ? ICS_ROLE_NONE : ICS_ROLE_SERVER;
		break;
	case ICS_KIND_RESPONSE:
		m->sender_role = ICS_ROLE_SERVER;
		m->receiver_role = u->group ? ICS_ROLE_NONE : ICS_ROLE_CLIENT;
		break;
	case ICS_KIND_ANNOUNCE:
	case ICS_KIND_UNSOLICITED:
		m->sender_role = ICS_ROLE_SERVER;
		m->receiver_role = u->group ? ICS_ROLE_NONE : ICS_ROLE_CLIENT;
		break;
	default:
		break;
	}
	ics_emit(u->x, m);
}

static void unconfirmed(const struct pdu *u, struct tp_cursor c)
{
	struct ics_msg m = { .kind = ICS_KIND_REQUEST };
	uint8_t sc = tp_u8(&c);

	if (c.short_read)
		return;
	m.function = (uint16_t)(FN_UNCONFIRMED | sc);
	switch (sc) {
	case UC_I_AM:
	case UC_I_HAVE:
		m.kind = ICS_KIND_ANNOUNCE;
		break;
	case UC_COV_NOTIFICATION:
	case UC_EVENT_NOTIFICATION:
	case UC_COV_NOTIFICATION_MULTIPLE:
	case UC_AUDIT_NOTIFICATION:
		m.kind = ICS_KIND_UNSOLICITED;
		break;
	case UC_TIME_SYNCHRONIZATION:
	case UC_UTC_TIME_SYNCHRONIZATION:
	case UC_WRITE_GROUP:
	case UC_YOU_ARE:
		m.actions = ICS_ACT_WRITE;
		break;
	default:
		break;
	}
	emit(u, &m);
	if (sc == UC_I_AM)
		i_am(u, c);
}

/* An APDU (20.1). */
static void apdu(const struct pdu *u, struct tp_cursor c)
{
	struct ics_msg m = { .has_transaction = true };
	uint8_t b0 = tp_u8(&c), type = b0 >> 4, sc;
	bool segmented = (b0 & 0x08) != 0, first = true;

	switch (type) {
	case PDU_CONFIRMED:
		tp_skip(&c, 1);	/* max segments, max APDU */
		m.transaction = tp_u8(&c);
		if (segmented) {
			first = tp_u8(&c) == 0;
			tp_skip(&c, 1);	/* proposed window size */
		}
		sc = tp_u8(&c);
		if (c.short_read)
			return;
		m.kind = ICS_KIND_REQUEST;
		m.function = sc;
		if (first)
			m.actions = confirmed_actions(sc, c);
		emit(u, &m);
		break;
	case PDU_UNCONFIRMED:
		unconfirmed(u, c);
		break;
	case PDU_SIMPLE_ACK:
	case PDU_COMPLEX_ACK:
	case PDU_ERROR:
		m.transaction = tp_u8(&c);
		if (type == PDU_COMPLEX_ACK && segmented) {
			first = tp_u8(&c) == 0;
			tp_skip(&c, 1);
		}
		sc = tp_u8(&c);
		if (c.short_read)
			return;
		m.kind = ICS_KIND_RESPONSE;
		m.function = sc;
		m.exception = type == PDU_ERROR;
		emit(u, &m);
		if (type == PDU_COMPLEX_ACK && first && sc == SC_READ_PROPERTY)
			read_property_ack(u, c);
		else if (type == PDU_COMPLEX_ACK && first && sc == SC_READ_PROPERTY_MULTIPLE)
			read_property_multiple_ack(u, c);
		break;
	case PDU_SEGMENT_ACK:
	case PDU_ABORT:
		m.transaction = tp_u8(&c);
		tp_skip(&c, type == PDU_SEGMENT_ACK ? 2 : 1);	/* seq, window / reason */
		if (c.short_read)
			return;
		m.kind = b0 & 0x01 ? ICS_KIND_RESPONSE : ICS_KIND_REQUEST;	/* SRV */
		m.function = type == PDU_ABORT ? FN_ABORT : FN_SEGMENT_ACK;
		m.exception = type == PDU_ABORT || (b0 & 0x02) != 0;	/* abort, NAK */
		emit(u, &m);
		break;
	case PDU_REJECT:
		m.transaction = tp_u8(&c);
		tp_skip(&c, 1);	/* reason */
		if (c.short_read)
			return;
		m.kind = ICS_KIND_RESPONSE;
		m.function = FN_REJECT;
		m.exception = true;
		emit(u, &m);
		break;
	default:
		break;
	}
}

/* A network layer message (6.4): its type and, for Initialize-Routing-
 * Table, whether it writes (ports > 0) or asks. */
static void network_message(const struct pdu *u, uint8_t type, struct tp_cursor c)
{
	struct ics_msg m = { .function = (uint16_t)(FN_NETWORK | type) };

	switch (type) {
	case 0x00: case 0x02: case 0x08: case 0x09: case 0x0a: case 0x0d: case 0x10: case 0x12:
		m.kind = ICS_KIND_REQUEST;
		break;
	case 0x06: {
		uint8_t ports = tp_u8(&c);

		m.kind = ICS_KIND_REQUEST;
		if (!c.short_read)
			m.actions = ports ? ICS_ACT_WRITE : ICS_ACT_READ;
		break;
	}
	case 0x01: case 0x04: case 0x05: case 0x13:
		m.kind = ICS_KIND_ANNOUNCE;
		break;
	case 0x03: case 0x07: case 0x0c:
		m.kind = ICS_KIND_RESPONSE;
		break;
	default:
		break;
	}
	emit(u, &m);
}

/* A B/IP address of 6 bytes: IPv4 and a port (a BACnet one, 0xBAC0-0xBACF,
 * unless any_port). */
static bool bip_address(struct tp_cursor a, bool any_port, uint8_t ip[4])
{
	const uint8_t *p = tp_take(&a, 4);
	uint16_t port = tp_be16(&a);

	if (a.short_read || a.left || (!any_port && (port & 0xfff0) != 0xbac0))
		return false;
	for (int i = 0; i < 4; i++)
		ip[i] = p[i];
	return true;
}

/* The NPDU (6.2). */
static void npdu(struct pdu *u, struct tp_cursor c)
{
	uint8_t version = tp_u8(&c), control = tp_u8(&c);

	if (c.short_read || version != 1)
		return;
	if (control & 0x20) {
		tp_skip(&c, 2);
		tp_skip(&c, tp_u8(&c));
	}
	if (control & 0x08) {
		struct tp_cursor sadr;

		tp_skip(&c, 2);
		sadr = tp_sub(&c, tp_u8(&c));
		u->from.given = bip_address(sadr, false, u->from.ip);
		u->from.known = u->from.given;
	}
	if (control & 0x20)
		tp_skip(&c, 1);	/* hop count */
	if (c.short_read)
		return;
	if (control & 0x80) {
		uint8_t type = tp_u8(&c);

		if (type >= 0x80)
			tp_skip(&c, 2);	/* vendor id */
		if (!c.short_read)
			network_message(u, type, c);
		return;
	}
	apdu(u, c);
}

static void bvlc_message(const struct pdu *u, uint8_t fn, struct tp_cursor c)
{
	struct ics_msg m = { .function = (uint16_t)(FN_BVLC | fn), .kind = ICS_KIND_REQUEST };

	switch (fn) {
	case BVLC_RESULT: {
		uint16_t code = tp_be16(&c);

		m.kind = ICS_KIND_RESPONSE;
		m.exception = !c.short_read && code != 0;
		break;
	}
	case BVLC_READ_BDT_ACK:
	case BVLC_READ_FDT_ACK:
		m.kind = ICS_KIND_RESPONSE;
		break;
	case BVLC_READ_BDT:
	case BVLC_READ_FDT:
		m.actions = ICS_ACT_READ;
		break;
	case BVLC_WRITE_BDT:
	case BVLC_DELETE_FDT_ENTRY:
		m.actions = ICS_ACT_WRITE;
		break;
	default:
		break;
	}
	emit(u, &m);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t total = c.left;
	struct pdu u = { x, { true, false, { 0 } }, false };
	uint8_t type = tp_u8(&c), fn = tp_u8(&c);
	uint16_t len = tp_be16(&c);
	struct tp_cursor body;

	if (c.short_read || type != BVLC_TYPE || len < 4)
		return total;
	body = tp_sub(&c, len - 4u);
	/* Broadcasts: to every device, of the network or (forwarded by a
	 * BBMD, or to be) of the BACnet/IP internetwork (J.4). */
	u.group = fn == BVLC_ORIGINAL_BROADCAST || fn == BVLC_FORWARDED_NPDU ||
		  fn == BVLC_DISTRIBUTE_BROADCAST;
	switch (fn) {
	case BVLC_FORWARDED_NPDU:
		if (!bip_address(tp_sub(&body, 6), true, u.from.ip))
			return total;
		u.from.given = true;
		/* fall through */
	case BVLC_DISTRIBUTE_BROADCAST:
	case BVLC_ORIGINAL_UNICAST:
	case BVLC_ORIGINAL_BROADCAST:
		npdu(&u, body);
		break;
	default:
		if (fn <= BVLC_SECURE_BVLL)
			bvlc_message(&u, fn, body);
		break;
	}
	return total;
}

/* Whether len fits a BVLL message without an NPDU (J.2: fixed sizes, or
 * tables of 10-byte entries). */
static bool bvll_length_ok(uint8_t fn, uint32_t len)
{
	switch (fn) {
	case BVLC_RESULT:
	case BVLC_REGISTER_FD:
		return len == 6;
	case BVLC_READ_BDT:
	case BVLC_READ_FDT:
		return len == 4;
	case BVLC_DELETE_FDT_ENTRY:
		return len == 10;
	case BVLC_WRITE_BDT:
	case BVLC_READ_BDT_ACK:
	case BVLC_READ_FDT_ACK:
		return len >= 4 && (len - 4) % 10 == 0;
	default:
		return false;
	}
}

static bool detect(const uint8_t *p, uint32_t len, bool tcp)
{
	struct tp_cursor c = tp_cursor_make(p, len);
	uint8_t type = tp_u8(&c), fn = tp_u8(&c);
	uint16_t n = tp_be16(&c);
	uint8_t version, control;

	if (tcp || c.short_read || type != BVLC_TYPE || n != len)
		return false;
	switch (fn) {
	case BVLC_FORWARDED_NPDU:
		tp_skip(&c, 6);
		/* fall through */
	case BVLC_DISTRIBUTE_BROADCAST:
	case BVLC_ORIGINAL_UNICAST:
	case BVLC_ORIGINAL_BROADCAST:
		version = tp_u8(&c);
		control = tp_u8(&c);
		return !c.short_read && version == 1 && (control & 0x50) == 0;
	default:
		return bvll_length_ok(fn, len);
	}
}

const struct ics_dissector ics_bacnet = {
	.name = "bacnet",
	.proto = ICS_BACNET,
	.udp_ports = { BACNET_PORT },
	.detect = detect,
	.dissect = dissect,
	.function_name = function_name,
};
