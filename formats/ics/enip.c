/*
 * enip.c - EtherNet/IP: encapsulation commands, the CIP services they carry
 * (explicit messaging) and class 0/1 cyclic I/O on UDP 2222.
 *
 * ODVA, The CIP Networks Library:
 *   Vol. 2 (EtherNet/IP Adaptation of CIP) 2-3 encapsulation header (all
 *     fields little-endian), 2-3.2 status codes, 2-4 commands (2-4.2
 *     ListIdentity and the CIP Identity item 0x0C, 2-4.3 ListInterfaces,
 *     2-4.4 RegisterSession, 2-4.5 UnRegisterSession, 2-4.6 ListServices,
 *     2-4.7 SendRRData, 2-4.8 SendUnitData), 2-6 common packet format
 *     (2-6.2 address items 0x0000, 0x00A1, 0x8002; 2-6.3 data items 0x00B1,
 *     0x00B2; 2-6.3.3 sockaddr info items), 3-2/3-3 UDP port 2222 for
 *     class 0/1 I/O.
 *   Vol. 1 2-4 Message Router request/response format, Appendix A common
 *     services (A-4.10 Multiple_Service_Packet), Appendix B general status,
 *     Appendix C-1.4 segment encoding (EPATH), 3-5.4 Connection Manager
 *     services (Forward_Open, Large_Forward_Open, Forward_Close,
 *     Unconnected_Send), 3-4.1.1 class 1 sequence count.
 *
 *   encapsulation (24 bytes, little-endian):
 *     | command:2 | length:2 | session:4 | status:4 | sender context:8 | options:4 |
 *   CPF:  | item count:2 | { type:2 | length:2 | data } ... |
 *   CIP request:  | service:1 | path words:1 | path | data |
 *   CIP response: | service|0x80:1 | 0:1 | general status:1 | ext words:1 | ext | data |
 *
 * Messages and their `function`:
 *   ICS_ENIP    one per encapsulation message: function = the command
 *               (0x0063 ListIdentity, 0x0065 RegisterSession, 0x006F
 *               SendRRData, 0x0070 SendUnitData, ...); exception when the
 *               status is not 0; transaction = the low 32 bits of the sender
 *               context (LE).  Kind: ListIdentity/ListServices/
 *               ListInterfaces by length (0 = request), RegisterSession by
 *               session (0 = request), Send*Data by the CIP R bit, else by
 *               the side (to_server); NOP/UnRegisterSession are requests.
 *   ICS_CIP     one per CIP service: function = service code without the
 *               response bit (0x80), which gives the kind; exception when the
 *               general status is not 0.  A Multiple_Service_Packet (0x0A)
 *               is one message for itself and one per embedded service, an
 *               Unconnected_Send (0x52 to the Connection Manager, class 6)
 *               one for itself and one for the embedded request: the way
 *               Wireshark counts cip.sc.  transaction = the connected data
 *               item's sequence count (SendUnitData) or the encapsulation's
 *               sender context (SendRRData).  Codes 0x4B-0x63 are object
 *               specific and a response does not say the object: names are
 *               the Connection Manager's (class 6) or Rockwell Logix tag
 *               services' (0x4C read_tag, ...; other classes use the codes
 *               for other things), and 0x4E/0x52, common as both, are named
 *               "forward_close_or_read_modify_write_tag" and
 *               "unconnected_send_or_read_tag_fragmented".  Actions look at
 *               the request path (class 6, class 0x6B/0x6C or a symbolic
 *               segment) before trusting a code.
 *   ICS_CIP_IO  one per class 0/1 datagram, kind publish, function 0
 *               ("cyclic_io"); unit = connection id, seq[0] = sequenced
 *               address item sequence, seq[1] = the first 16 bits of the
 *               connected data item after a sequenced address item (the
 *               class 1 sequence count: class 0 has none, and which class
 *               a connection uses is only in the Forward_Open, which may
 *               not be in the capture; class 1 is what nearly every
 *               EtherNet/IP I/O connection uses).
 *
 * Roles: explicit messaging client/server (request sender = client).  I/O:
 * O->T data is always unicast to the target's port 2222, T->O data unicast
 * or multicast to the originator's port (2222 unless its Forward_Open said
 * otherwise).  So: a multicast/broadcast destination means an adapter
 * sending (receiver none); a datagram from a port other than 2222 to 2222
 * is the scanner's, from 2222 to another port the adapter's; 2222 to 2222
 * unicast is either direction: roles none.
 *
 * Actions (requests only, so a request/reply pair counts once): read for
 * Get_Attribute_*, Get_Member and Logix read tag services; write for
 * Set_Attribute_*, Create, Delete, Apply_Attributes, Restore, Set/Insert/
 * Remove_Member and Logix write tag services; stop_start for Reset (0x05),
 * Start (0x06), Stop (0x07).  Program download in Logix uses vendor services
 * with no public definition: not flagged.
 *
 * Identities, from the ListIdentity reply's CIP Identity item (subject: the
 * replying device): vendor_id, vendor (for a few common vendor ids),
 * device_type, product_code, firmware as "%u.%02u" of major and minor
 * revision ("4.03", "5.11") and serial as "0x%08x", both as Wireshark shows
 * them, and product (the product name bytes).
 *
 * A header is a known command with options 0; other bytes are consumed
 * unread (on TCP up to the end of what the caller has, so a stream joined
 * in the middle of a message starts over at the next segment).  On TCP a
 * message is read once whole; a datagram cut short (snaplen) still gives
 * its message from the whole header, but no CPF item that is cut (I/O: the
 * items' leading fields that are there).
 *
 * Detect (other ports): a whole encapsulation message with a known command,
 * length = the rest of the payload, status 0 and options 0; or, on UDP, a
 * CPF of two items: a sequenced address item of 8 bytes and a connected
 * data item that ends the datagram.
 */
#include "formats/ics/ics.h"

#include <stdio.h>
#include <string.h>

enum {
	ENIP_PORT = 44818,
	ENIP_IO_PORT = 2222,
	ENIP_HEADER = 24,
	CIP_DEPTH_MAX = 4,	/* Multiple_Service_Packet / Unconnected_Send nesting */
};

/* Encapsulation commands (Vol. 2 2-3.1). */
enum {
	CMD_NOP = 0x0000,
	CMD_LIST_SERVICES = 0x0004,
	CMD_LIST_IDENTITY = 0x0063,
	CMD_LIST_INTERFACES = 0x0064,
	CMD_REGISTER_SESSION = 0x0065,
	CMD_UNREGISTER_SESSION = 0x0066,
	CMD_SEND_RR_DATA = 0x006f,
	CMD_SEND_UNIT_DATA = 0x0070,
	CMD_INDICATE_STATUS = 0x0072,
	CMD_CANCEL = 0x0073,
	CMD_START_DTLS = 0x00c8,
};

/* CPF item types (Vol. 2 2-6). */
enum {
	CPF_NULL = 0x0000,
	CPF_IDENTITY = 0x000c,
	CPF_CONNECTED_ADDRESS = 0x00a1,
	CPF_CONNECTED_DATA = 0x00b1,
	CPF_UNCONNECTED_DATA = 0x00b2,
	CPF_SEQUENCED_ADDRESS = 0x8002,
};

/* CIP services (Vol. 1 Appendix A; 3-5.4 Connection Manager). */
enum {
	SVC_GET_ATTRIBUTES_ALL = 0x01,
	SVC_SET_ATTRIBUTES_ALL = 0x02,
	SVC_GET_ATTRIBUTE_LIST = 0x03,
	SVC_SET_ATTRIBUTE_LIST = 0x04,
	SVC_RESET = 0x05,
	SVC_START = 0x06,
	SVC_STOP = 0x07,
	SVC_CREATE = 0x08,
	SVC_DELETE = 0x09,
	SVC_MULTIPLE_SERVICE_PACKET = 0x0a,
	SVC_APPLY_ATTRIBUTES = 0x0d,
	SVC_GET_ATTRIBUTE_SINGLE = 0x0e,
	SVC_SET_ATTRIBUTE_SINGLE = 0x10,
	SVC_RESTORE = 0x15,
	SVC_GET_MEMBER = 0x18,
	SVC_SET_MEMBER = 0x19,
	SVC_INSERT_MEMBER = 0x1a,
	SVC_REMOVE_MEMBER = 0x1b,
	/* Object specific: Logix tag services (symbol class 0x6B, template 0x6C). */
	SVC_READ_TAG = 0x4c,
	SVC_WRITE_TAG = 0x4d,
	SVC_READ_MODIFY_WRITE_TAG = 0x4e,	/* Connection Manager: Forward_Close */
	SVC_READ_TAG_FRAGMENTED = 0x52,	/* Connection Manager: Unconnected_Send */
	SVC_WRITE_TAG_FRAGMENTED = 0x53,
	SVC_GET_INSTANCE_ATTRIBUTE_LIST = 0x55,
	SVC_UNCONNECTED_SEND = 0x52,
};

enum {
	CLASS_CONNECTION_MANAGER = 0x06,
	CLASS_LOGIX_SYMBOL = 0x6b,
	CLASS_LOGIX_TEMPLATE = 0x6c,
	GENSTAT_EMBEDDED_ERROR = 0x1e,
};

struct encap {
	uint16_t cmd, len;
	uint32_t session, status, context;
};

/* What a request path says, as far as actions need it. */
struct cip_path {
	bool has_class;
	uint32_t class_id;
	bool symbolic;		/* ANSI extended symbol segment: a Logix tag name */
};

/* What a CIP message inherits from the item that carries it. */
struct cip_env {
	const struct ics_ctx *x;
	bool has_transaction;
	uint32_t transaction;
};

static bool known_command(uint16_t cmd)
{
	switch (cmd) {
	case CMD_NOP:
	case CMD_LIST_SERVICES:
	case CMD_LIST_IDENTITY:
	case CMD_LIST_INTERFACES:
	case CMD_REGISTER_SESSION:
	case CMD_UNREGISTER_SESSION:
	case CMD_SEND_RR_DATA:
	case CMD_SEND_UNIT_DATA:
	case CMD_INDICATE_STATUS:
	case CMD_CANCEL:
	case CMD_START_DTLS:
		return true;
	default:
		return false;
	}
}

/* Sent to a group: a multicast or broadcast MAC or IP destination. */
static bool to_group(const struct tp_packet *p)
{
	if (p->has_mac && (p->dst_mac[0] & 1))
		return true;
	if (p->ip_version == 4)
		return p->dst_ip[0] >= 224;
	return p->ip_version == 6 && p->dst_ip[0] == 0xff;
}

static void set_roles(struct ics_msg *m, bool from_client, bool group)
{
	m->sender_role = from_client ? ICS_ROLE_CLIENT : ICS_ROLE_SERVER;
	m->receiver_role = group ? ICS_ROLE_NONE : from_client ? ICS_ROLE_SERVER : ICS_ROLE_CLIENT;
}

/* ---- names ---- */

static const char *command_name(uint16_t cmd)
{
	switch (cmd) {
	case CMD_NOP: return "nop";
	case CMD_LIST_SERVICES: return "list_services";
	case CMD_LIST_IDENTITY: return "list_identity";
	case CMD_LIST_INTERFACES: return "list_interfaces";
	case CMD_REGISTER_SESSION: return "register_session";
	case CMD_UNREGISTER_SESSION: return "unregister_session";
	case CMD_SEND_RR_DATA: return "send_rr_data";
	case CMD_SEND_UNIT_DATA: return "send_unit_data";
	case CMD_INDICATE_STATUS: return "indicate_status";
	case CMD_CANCEL: return "cancel";
	case CMD_START_DTLS: return "start_dtls";
	default: return NULL;
	}
}

static const char *cip_name(uint16_t svc)
{
	static const char *const common[0x1d] = {
		[0x01] = "get_attributes_all",	 [0x02] = "set_attributes_all",
		[0x03] = "get_attribute_list",	 [0x04] = "set_attribute_list",
		[0x05] = "reset",		 [0x06] = "start",
		[0x07] = "stop",		 [0x08] = "create",
		[0x09] = "delete",		 [0x0a] = "multiple_service_packet",
		[0x0d] = "apply_attributes",	 [0x0e] = "get_attribute_single",
		[0x10] = "set_attribute_single", [0x11] = "find_next_object_instance",
		[0x14] = "error_response",	 [0x15] = "restore",
		[0x16] = "save",		 [0x17] = "nop",
		[0x18] = "get_member",		 [0x19] = "set_member",
		[0x1a] = "insert_member",	 [0x1b] = "remove_member",
		[0x1c] = "group_sync",
	};

	if (svc < sizeof common / sizeof common[0])
		return common[svc];
	switch (svc) {
	/* Both the Connection Manager's (class 6, Vol. 1 3-5.4) and a Logix
	 * tag service, and both are common: the name says so. */
	case 0x4e: return "forward_close_or_read_modify_write_tag";
	case 0x52: return "unconnected_send_or_read_tag_fragmented";
	/* Connection Manager. */
	case 0x54: return "forward_open";
	case 0x56: return "get_connection_data";
	case 0x57: return "search_connection_data";
	case 0x5a: return "get_connection_owner";
	case 0x5b: return "large_forward_open";
	/* Logix tag services where the Connection Manager defines none. */
	case 0x4b: return "execute_pccc";
	case 0x4c: return "read_tag";
	case 0x4d: return "write_tag";
	case 0x53: return "write_tag_fragmented";
	case 0x55: return "get_instance_attribute_list";
	default: return NULL;
	}
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	switch (proto) {
	case ICS_ENIP:
		return command_name(function);
	case ICS_CIP:
		return cip_name(function);
	case ICS_CIP_IO:
		return function == 0 ? "cyclic_io" : NULL;
	default:
		return NULL;
	}
}

/* ODVA vendor ids of common automation vendors (the ODVA vendor list). */
static const char *vendor_name(uint16_t id)
{
	switch (id) {
	case 1: return "Rockwell Automation/Allen-Bradley";
	case 5: return "Rockwell Automation/Reliance Elec.";
	case 26: return "Festo";
	case 40: return "WAGO Corporation";
	case 43: return "BALLUFF";
	case 46: return "ABB, Inc.";
	case 47: return "Omron Corporation";
	case 48: return "TURCK";
	case 57: return "Pepperl+Fuchs";
	case 68: return "Eaton Electrical";
	case 82: return "Mitsubishi Electric Automation, Inc.";
	case 90: return "HMS Networks";
	case 108: return "Beckhoff Automation";
	case 145: return "Siemens Energy & Automation/Drives";
	case 161: return "Mitsubishi Electric Corporation";
	case 243: return "Schneider Electric";
	case 255: return "Bosch Rexroth";
	case 283: return "Hilscher GmbH";
	case 309: return "ProSoft Technology";
	case 315: return "SEW Eurodrive GmbH";
	default: return NULL;
	}
}

/* ---- CIP ---- */

/* Walks an EPATH (Vol. 1 C-1.4) for its first class and any symbolic
 * segment; stops at the first segment it does not know. */
static struct cip_path parse_path(struct tp_cursor p)
{
	struct cip_path r = { 0 };

	while (p.left && !p.short_read) {
		uint8_t seg = tp_u8(&p);

		if (seg == 0x91) {		/* ANSI extended symbol */
			uint8_t n = tp_u8(&p);

			r.symbolic = true;
			tp_skip(&p, n + (n & 1u));
		} else if ((seg & 0xe0) == 0x20) {	/* logical */
			uint8_t type = (seg >> 2) & 7, format = seg & 3;
			uint32_t v;

			if (type == 5) {	/* special: electronic key */
				tp_skip(&p, 1 + 8);
				continue;
			}
			if (format == 0) {
				v = tp_u8(&p);
			} else if (format == 1) {
				tp_skip(&p, 1);
				v = tp_le16(&p);
			} else if (format == 2) {
				tp_skip(&p, 1);
				v = tp_le32(&p);
			} else {
				break;
			}
			if (type == 0 && !r.has_class && !p.short_read) {
				r.has_class = true;
				r.class_id = v;
			}
		} else if ((seg & 0xe0) == 0x00) {	/* port */
			uint8_t size = seg & 0x10 ? tp_u8(&p) : 1;

			if ((seg & 0x0f) == 0x0f)
				tp_skip(&p, 2);
			tp_skip(&p, size);
			if ((seg & 0x10) && (size & 1u))
				tp_skip(&p, 1);
		} else if (seg == 0x80) {		/* simple data segment */
			tp_skip(&p, 2u * tp_u8(&p));
		} else {
			break;
		}
	}
	return r;
}

static uint8_t cip_actions(uint8_t svc, const struct cip_path *path)
{
	bool logix = path->symbolic ||
		     (path->has_class && (path->class_id == CLASS_LOGIX_SYMBOL ||
					  path->class_id == CLASS_LOGIX_TEMPLATE));

	switch (svc) {
	case SVC_GET_ATTRIBUTES_ALL:
	case SVC_GET_ATTRIBUTE_LIST:
	case SVC_GET_ATTRIBUTE_SINGLE:
	case SVC_GET_MEMBER:
		return ICS_ACT_READ;
	case SVC_SET_ATTRIBUTES_ALL:
	case SVC_SET_ATTRIBUTE_LIST:
	case SVC_SET_ATTRIBUTE_SINGLE:
	case SVC_CREATE:
	case SVC_DELETE:
	case SVC_APPLY_ATTRIBUTES:
	case SVC_RESTORE:
	case SVC_SET_MEMBER:
	case SVC_INSERT_MEMBER:
	case SVC_REMOVE_MEMBER:
		return ICS_ACT_WRITE;
	case SVC_RESET:
	case SVC_START:
	case SVC_STOP:
		return ICS_ACT_STOPSTART;
	case SVC_READ_TAG:
	case SVC_READ_TAG_FRAGMENTED:
	case SVC_GET_INSTANCE_ATTRIBUTE_LIST:
		return logix ? ICS_ACT_READ : 0;
	case SVC_WRITE_TAG:
	case SVC_READ_MODIFY_WRITE_TAG:
	case SVC_WRITE_TAG_FRAGMENTED:
		return logix ? ICS_ACT_WRITE : 0;
	default:
		return 0;
	}
}

static void cip_message(const struct cip_env *env, struct tp_cursor m, int depth);

/* Multiple_Service_Packet data (request or reply): a count, offsets from
 * the count, the services; offsets must climb past the offset table. */
static void multiple_services(const struct cip_env *env, struct tp_cursor d, int depth)
{
	const struct tp_cursor base = d;
	uint16_t n = tp_le16(&d);
	uint32_t low = 2u + 2u * n;	/* past the offset table */

	for (uint32_t i = 0; i < n && !d.short_read; i++) {
		uint32_t off = tp_le16(&d), end;
		struct tp_cursor next = d, at = base, svc;

		end = i + 1 < n ? tp_le16(&next) : base.left;
		if (d.short_read || next.short_read || off < low || off > end || end > base.left)
			return;
		low = off;
		tp_skip(&at, off);
		svc = tp_sub(&at, end - off);
		cip_message(env, svc, depth + 1);
	}
}

/* Unconnected_Send request data (Vol. 1 3-5.4.5): the embedded request. */
static void unconnected_send(const struct cip_env *env, struct tp_cursor d, int depth)
{
	uint16_t size;
	struct tp_cursor inner;

	tp_skip(&d, 2);		/* priority/time tick, timeout ticks */
	size = tp_le16(&d);
	inner = tp_sub(&d, size);
	if (!d.short_read)
		cip_message(env, inner, depth + 1);
}

/* One CIP request or response (Vol. 1 2-4). */
static void cip_message(const struct cip_env *env, struct tp_cursor m, int depth)
{
	struct ics_msg msg = {
		.proto = ICS_CIP,
		.has_transaction = env->has_transaction,
		.transaction = env->transaction,
	};
	uint8_t sc, svc;
	bool group = to_group(env->x->pkt);

	if (depth > CIP_DEPTH_MAX)
		return;
	sc = tp_u8(&m);
	svc = sc & 0x7f;
	msg.function = svc;
	if (sc & 0x80) {
		uint8_t status;

		tp_skip(&m, 1);	/* reserved */
		status = tp_u8(&m);
		tp_skip(&m, 2u * tp_u8(&m));
		if (m.short_read)
			return;
		msg.kind = ICS_KIND_RESPONSE;
		msg.exception = status != 0;
		set_roles(&msg, false, group);
		ics_emit(env->x, &msg);
		if (svc == SVC_MULTIPLE_SERVICE_PACKET &&
		    (status == 0 || status == GENSTAT_EMBEDDED_ERROR))
			multiple_services(env, m, depth);
	} else {
		uint8_t words = tp_u8(&m);
		struct tp_cursor raw = tp_sub(&m, 2u * words);
		struct cip_path path;

		if (m.short_read)
			return;
		path = parse_path(raw);
		msg.kind = ICS_KIND_REQUEST;
		msg.actions = cip_actions(svc, &path);
		set_roles(&msg, true, group);
		ics_emit(env->x, &msg);
		if (svc == SVC_MULTIPLE_SERVICE_PACKET)
			multiple_services(env, m, depth);
		else if (svc == SVC_UNCONNECTED_SEND && path.has_class &&
			 path.class_id == CLASS_CONNECTION_MANAGER)
			unconnected_send(env, m, depth);
	}
}

/* ---- encapsulation ---- */

/* The ListIdentity reply's CIP Identity item (Vol. 2 2-4.2.3). */
static void identity_item(const struct ics_ctx *x, struct tp_cursor it)
{
	uint16_t vendor, type, product;
	uint8_t major, minor, namelen;
	uint32_t serial;
	const uint8_t *name;
	const char *vname;
	char buf[24];
	int n;

	tp_skip(&it, 2 + 16);	/* encapsulation version, socket address */
	vendor = tp_le16(&it);
	type = tp_le16(&it);
	product = tp_le16(&it);
	major = tp_u8(&it);
	minor = tp_u8(&it);
	tp_skip(&it, 2);	/* status */
	serial = tp_le32(&it);
	namelen = tp_u8(&it);
	name = tp_take(&it, namelen);
	if (it.short_read)
		return;
	ics_ident_number(x, ICS_ENIP, ICS_F_VENDOR_ID, vendor);
	vname = vendor_name(vendor);
	if (vname)
		ics_ident_bytes(x, ICS_ENIP, ICS_F_VENDOR, vname, strlen(vname));
	ics_ident_number(x, ICS_ENIP, ICS_F_DEVICE_TYPE, type);
	ics_ident_number(x, ICS_ENIP, ICS_F_PRODUCT_CODE, product);
	n = snprintf(buf, sizeof buf, "%u.%02u", major, minor);
	ics_ident_bytes(x, ICS_ENIP, ICS_F_FIRMWARE, buf, n > 0 ? (size_t)n : 0);
	n = snprintf(buf, sizeof buf, "0x%08x", (unsigned)serial);
	ics_ident_bytes(x, ICS_ENIP, ICS_F_SERIAL, buf, n > 0 ? (size_t)n : 0);
	ics_ident_bytes(x, ICS_ENIP, ICS_F_PRODUCT, name, namelen);
}

/* The kind of the first CIP message a CPF carries (0 when none). */
static uint8_t cpf_cip_kind(struct tp_cursor cpf)
{
	uint16_t count = tp_le16(&cpf);

	for (uint16_t i = 0; i < count && cpf.left; i++) {
		uint16_t type = tp_le16(&cpf), len = tp_le16(&cpf);
		struct tp_cursor it = tp_sub(&cpf, len);

		if (cpf.short_read)
			return 0;
		if (type == CPF_CONNECTED_DATA)
			tp_skip(&it, 2);
		if (type == CPF_CONNECTED_DATA || type == CPF_UNCONNECTED_DATA) {
			uint8_t sc = tp_u8(&it);

			if (it.short_read)
				return 0;
			return sc & 0x80 ? ICS_KIND_RESPONSE : ICS_KIND_REQUEST;
		}
	}
	return 0;
}

/* The items of a CPF: identities and CIP messages. */
static void cpf_items(const struct ics_ctx *x, const struct encap *e, struct tp_cursor cpf)
{
	uint16_t count = tp_le16(&cpf);

	for (uint16_t i = 0; i < count && cpf.left; i++) {
		uint16_t type = tp_le16(&cpf), len = tp_le16(&cpf);
		struct tp_cursor it = tp_sub(&cpf, len);
		struct cip_env env = { x, true, e->context };

		if (cpf.short_read)
			return;		/* an item cut short: nothing from it */
		switch (type) {
		case CPF_IDENTITY:
			if (e->cmd == CMD_LIST_IDENTITY)
				identity_item(x, it);
			break;
		case CPF_CONNECTED_DATA:
			env.transaction = tp_le16(&it);
			if (!it.short_read)
				cip_message(&env, it, 0);
			break;
		case CPF_UNCONNECTED_DATA:
			cip_message(&env, it, 0);
			break;
		default:
			break;
		}
	}
}

static uint8_t encap_kind(const struct ics_ctx *x, const struct encap *e, struct tp_cursor cpf)
{
	uint8_t k;

	switch (e->cmd) {
	case CMD_LIST_IDENTITY:
	case CMD_LIST_SERVICES:
	case CMD_LIST_INTERFACES:
		return e->len ? ICS_KIND_RESPONSE : ICS_KIND_REQUEST;
	case CMD_REGISTER_SESSION:
		return e->session ? ICS_KIND_RESPONSE : ICS_KIND_REQUEST;
	case CMD_NOP:
	case CMD_UNREGISTER_SESSION:
		return ICS_KIND_REQUEST;
	case CMD_SEND_RR_DATA:
	case CMD_SEND_UNIT_DATA:
		if ((k = cpf_cip_kind(cpf)) != 0)
			return k;
		break;
	default:
		break;
	}
	if (x->to_server >= 0)
		return x->to_server ? ICS_KIND_REQUEST : ICS_KIND_RESPONSE;
	return ICS_KIND_OTHER;
}

/* One encapsulation message whose header is whole; body holds what of its
 * data was captured (whole: all of it). */
static void encap_message(const struct ics_ctx *x, const struct encap *e, struct tp_cursor body)
{
	struct ics_msg msg = {
		.proto = ICS_ENIP,
		.function = e->cmd,
		.exception = e->status != 0,
		.has_transaction = true,
		.transaction = e->context,
	};
	struct tp_cursor cpf = body;

	if (e->cmd == CMD_SEND_RR_DATA || e->cmd == CMD_SEND_UNIT_DATA)
		tp_skip(&cpf, 4 + 2);	/* interface handle, timeout */
	msg.kind = encap_kind(x, e, cpf);
	if (msg.kind != ICS_KIND_OTHER)
		set_roles(&msg, msg.kind == ICS_KIND_REQUEST, to_group(x->pkt));
	ics_emit(x, &msg);
	switch (e->cmd) {
	case CMD_LIST_IDENTITY:
	case CMD_SEND_RR_DATA:
	case CMD_SEND_UNIT_DATA:
		if (e->status == 0 && !cpf.short_read)
			cpf_items(x, e, cpf);
		break;
	default:
		break;
	}
}

/* ---- class 0/1 I/O ---- */

/* A CPF as I/O datagrams carry it: 1-3 items, the first an address item. */
static bool looks_io(struct tp_cursor c)
{
	uint16_t count = tp_le16(&c), type = tp_le16(&c);

	return !c.short_read && count >= 1 && count <= 3 &&
	       (type == CPF_SEQUENCED_ADDRESS || type == CPF_CONNECTED_ADDRESS);
}

static bool is_io(const struct ics_ctx *x, struct tp_cursor c)
{
	const struct tp_packet *p = x->pkt;

	if (p->ip_proto == 17) {
		if (p->sport == ENIP_PORT || p->dport == ENIP_PORT)
			return false;
		if (p->sport == ENIP_IO_PORT || p->dport == ENIP_IO_PORT)
			return true;
	} else if (p->ip_proto == 6) {
		return false;
	}
	return looks_io(c);
}

static void io_roles(const struct tp_packet *p, struct ics_msg *m)
{
	if (to_group(p)) {
		m->sender_role = ICS_ROLE_ADAPTER;
	} else if (p->dport == ENIP_IO_PORT && p->sport != ENIP_IO_PORT) {
		m->sender_role = ICS_ROLE_SCANNER;
		m->receiver_role = ICS_ROLE_ADAPTER;
	} else if (p->sport == ENIP_IO_PORT && p->dport != ENIP_IO_PORT) {
		m->sender_role = ICS_ROLE_ADAPTER;
		m->receiver_role = ICS_ROLE_SCANNER;
	}
}

static void io_datagram(const struct ics_ctx *x, struct tp_cursor c)
{
	struct ics_msg msg = { .proto = ICS_CIP_IO, .kind = ICS_KIND_PUBLISH, .function = 0 };
	uint16_t count = tp_le16(&c);
	bool addressed = false;

	for (uint16_t i = 0; i < count && c.left; i++) {
		uint16_t type = tp_le16(&c), len = tp_le16(&c);
		struct tp_cursor it = tp_sub(&c, len);	/* a cut one: what is there */

		if (type == CPF_SEQUENCED_ADDRESS) {
			uint32_t conn = tp_le32(&it), seq = tp_le32(&it);

			if (it.short_read)
				return;
			addressed = true;
			msg.has_unit = true;
			msg.unit = conn;
			msg.nseq = 1;
			msg.seq[0] = seq;
		} else if (type == CPF_CONNECTED_ADDRESS) {
			uint32_t conn = tp_le32(&it);

			if (it.short_read)
				return;
			addressed = true;
			msg.has_unit = true;
			msg.unit = conn;
		} else if (type == CPF_CONNECTED_DATA && msg.nseq == 1) {
			uint16_t seq = tp_le16(&it);

			if (!it.short_read) {
				msg.nseq = 2;
				msg.seq[1] = seq;
			}
		}
		if (c.short_read)
			break;
	}
	if (!addressed)
		return;
	io_roles(x->pkt, &msg);
	ics_emit(x, &msg);
}

/* ---- entry points ---- */

/* Whether the first bytes of a header cut short can still be one. */
static bool header_start_ok(struct tp_cursor c)
{
	uint16_t cmd = tp_le16(&c);

	return c.short_read || known_command(cmd);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t total = c.left;
	bool stream = x->pkt->ip_proto == 6;

	if (!stream && is_io(x, c)) {
		io_datagram(x, c);
		return total;
	}
	while (c.left) {
		uint32_t start = total - c.left;
		struct tp_cursor h = c;
		struct encap e;
		uint32_t options;

		if (c.left < ENIP_HEADER)
			return stream && header_start_ok(c) ? start : total;
		e.cmd = tp_le16(&h);
		e.len = tp_le16(&h);
		e.session = tp_le32(&h);
		e.status = tp_le32(&h);
		e.context = tp_le32(&h);
		tp_skip(&h, 4);	/* upper half of the sender context */
		options = tp_le32(&h);
		/* A receiver discards a message with options (2-3.1): bytes with
		 * them are not a header here either (e.g. a stream joined in the
		 * middle, whose first bytes happen to be 00 00, a NOP). */
		if (!known_command(e.cmd) || options != 0)
			return total;
		if (h.left < e.len && stream)
			return start;	/* the rest comes with the next segment */
		encap_message(x, &e, tp_sub(&h, e.len));
		c = h;
	}
	return total;
}

static bool detect(const uint8_t *p, uint32_t len, bool tcp)
{
	struct tp_cursor c = tp_cursor_make(p, len);
	uint16_t cmd = tp_le16(&c), n = tp_le16(&c);
	uint32_t status, options;

	tp_skip(&c, 4);
	status = tp_le32(&c);
	tp_skip(&c, 8);
	options = tp_le32(&c);
	if (!c.short_read && known_command(cmd) && c.left == n && status == 0 && options == 0)
		return true;
	if (tcp)
		return false;
	/* Class 0/1 I/O: sequenced address item, connected data item. */
	c = tp_cursor_make(p, len);
	if (tp_le16(&c) != 2 || tp_le16(&c) != CPF_SEQUENCED_ADDRESS || tp_le16(&c) != 8)
		return false;
	tp_skip(&c, 8);
	if (tp_le16(&c) != CPF_CONNECTED_DATA)
		return false;
	n = tp_le16(&c);
	return !c.short_read && c.left == n;
}

const struct ics_dissector ics_enip = {
	.name = "enip",
	.proto = ICS_ENIP,
	.tcp_ports = { ENIP_PORT },
	.udp_ports = { ENIP_PORT, ENIP_IO_PORT },
	.detect = detect,
	.dissect = dissect,
	.function_name = function_name,
};
