/*
 * modbus.c - Modbus/TCP: MBAP header, function codes, exception responses,
 * Read Device Identification, and Schneider UMAS carried by FC 90.
 *
 * References:
 *   Modbus Application Protocol Specification V1.1b3 (2012): 4.1 (PDU, 253
 *     bytes at most), 5 (function code categories: public 1-64, 73-99,
 *     111-127; user-defined 65-72, 100-110), 6.1-6.21 (the public
 *     functions), 6.8 (FC 8 diagnostics sub-functions), 6.21 (FC 43 / MEI 14
 *     Read Device Identification: objects 0x00-0x06), 7 (exception
 *     responses: function code + 0x80, exception code), Annex A (function
 *     codes reserved for legacy products, 90 among them).
 *   Modbus Messaging on TCP/IP Implementation Guide V1.0b (2006): 3.1.3
 *     (MBAP header: transaction id, protocol id 0, length of unit id + PDU,
 *     unit id; ADU at most 260 bytes, so length 2..254).
 *   UMAS (Schneider Electric Unity, FC 90): no public specification; the
 *     layout and sub-function codes below are those reverse engineered in
 *     L. Rosa, "The Unity (UMAS) protocol", parts I-III (University of
 *     Leon, CICLAB, 2017): 0x20-0x25 memory/variable reads and writes,
 *     0x30-0x32 program transfer PC -> PLC, 0x33-0x35 PLC -> PC, 0x40 start
 *     and 0x41 stop the PLC.
 *
 * ADU (big-endian):
 *
 *   0        2        4        6      7    8
 *   +--------+--------+--------+------+----+------------------+
 *   | trans  | proto  | length | unit | fc | data (length-2)  |
 *   +--------+--------+--------+------+----+------------------+
 *                0     unit..end: 2..254
 *
 * UMAS inside the PDU (no public specification):
 *
 *   request:  | fc 0x5a | session key (1) | UMAS function (1) | data ... |
 *   response: | fc 0x5a | session key (1) | 0xfe ok / 0xfd error | data |
 *
 * One ics_msg per ADU.  function = the PDU's function code, without 0x80
 * for an exception response (which sets exception); FC 43 and FC 90 keep
 * 43 and 90 (the MEI type and the UMAS function only decide the actions).
 * transaction = MBAP transaction id, unit = unit id.  Whether an ADU is a
 * request or a response is told by its direction (x->to_server): the bytes
 * alone are ambiguous (FC 5 and 6 answers echo the request).  With no
 * direction, an exception or a longer-than-request 43/14 PDU is a
 * response; anything else is kind OTHER without roles.
 *
 * Actions are set on requests only (a response acknowledges the act; the
 * flow counts each act once): reads, writes (FC 5, 6, 15, 16, 21, 22, 23),
 * FC 8 restart-communications and force-listen-only as stop/start, FC 8
 * counter clears as writes, and UMAS program transfer / start / stop.
 *
 * Identities: the objects of a 43/14 response, of the sender (the server
 * answering): VendorName -> vendor, ProductCode -> product_code,
 * MajorMinorRevision -> firmware, ProductName -> product, ModelName ->
 * model, UserApplicationName -> name.  VendorUrl and the private objects
 * (0x80-0xff) have no field in ics.h and are not reported.
 *
 * Detection on other ports (first payload of a TCP or UDP flow): whole
 * ADUs end to end, each with protocol id 0, a length of 2..254, a known
 * function code (public or UMAS), and an exception exactly function|0x80
 * with a defined exception code.
 */
#include "formats/ics/ics.h"

#define MBAP_LEN	7	/* transaction, protocol, length, unit */
#define LEN_MIN		2	/* unit id + function code */
#define LEN_MAX		254	/* 260-byte ADU */

#define FC_EXCEPTION	0x80u
#define FC_DIAGNOSTICS	8
#define FC_MEI		43
#define FC_UMAS		90
#define MEI_DEVICE_ID	14

/* Public function codes (6.1-6.21) and UMAS, as function_name() says them. */
static const char *const fc_names[128] = {
	[1] = "read_coils",
	[2] = "read_discrete_inputs",
	[3] = "read_holding_registers",
	[4] = "read_input_registers",
	[5] = "write_single_coil",
	[6] = "write_single_register",
	[7] = "read_exception_status",
	[8] = "diagnostics",
	[11] = "get_comm_event_counter",
	[12] = "get_comm_event_log",
	[15] = "write_multiple_coils",
	[16] = "write_multiple_registers",
	[17] = "report_server_id",
	[20] = "read_file_record",
	[21] = "write_file_record",
	[22] = "mask_write_register",
	[23] = "read_write_multiple_registers",
	[24] = "read_fifo_queue",
	[43] = "encapsulated_interface_transport",
	[90] = "umas",
};

/* What a request of each public function code does (section 6). */
static const uint8_t fc_actions[128] = {
	[1] = ICS_ACT_READ,
	[2] = ICS_ACT_READ,
	[3] = ICS_ACT_READ,
	[4] = ICS_ACT_READ,
	[5] = ICS_ACT_WRITE,
	[6] = ICS_ACT_WRITE,
	[7] = ICS_ACT_READ,
	[11] = ICS_ACT_READ,
	[12] = ICS_ACT_READ,
	[15] = ICS_ACT_WRITE,
	[16] = ICS_ACT_WRITE,
	[17] = ICS_ACT_READ,
	[20] = ICS_ACT_READ,
	[21] = ICS_ACT_WRITE,
	[22] = ICS_ACT_WRITE,
	[23] = ICS_ACT_READ | ICS_ACT_WRITE,
	[24] = ICS_ACT_READ,
};

/* 6.8: sub-functions of FC 8 that act on the device. */
static uint8_t diagnostics_actions(struct tp_cursor pdu)
{
	uint16_t sub = tp_be16(&pdu);

	if (pdu.short_read)
		return 0;
	switch (sub) {
	case 0x0001:	/* restart communications option */
	case 0x0004:	/* force listen only mode */
		return ICS_ACT_STOPSTART;
	case 0x000a:	/* clear counters and diagnostic register */
	case 0x0014:	/* clear overrun counter and flag */
		return ICS_ACT_WRITE;
	default:
		return ICS_ACT_READ;
	}
}

/* UMAS sub-functions (Rosa, parts II and III). */
static uint8_t umas_actions(struct tp_cursor pdu)
{
	uint8_t fn;

	tp_skip(&pdu, 1);	/* session key */
	fn = tp_u8(&pdu);
	if (pdu.short_read)
		return 0;
	switch (fn) {
	case 0x20:	/* read memory block */
	case 0x22:	/* read variables */
	case 0x24:	/* read coils and registers */
		return ICS_ACT_READ;
	case 0x23:	/* write variables */
	case 0x25:	/* write coils and registers */
		return ICS_ACT_WRITE;
	case 0x30:	/* initialize program transfer PC -> PLC */
	case 0x31:	/* ... one block */
	case 0x32:	/* ... end */
	case 0x33:	/* initialize program transfer PLC -> PC */
	case 0x34:	/* ... one block */
	case 0x35:	/* ... end */
		return ICS_ACT_PROGRAM;
	case 0x40:	/* start PLC */
	case 0x41:	/* stop PLC */
		return ICS_ACT_STOPSTART;
	default:
		return 0;
	}
}

/* pdu: after the function code. */
static bool is_device_id(uint8_t fc, struct tp_cursor pdu)
{
	return fc == FC_MEI && tp_u8(&pdu) == MEI_DEVICE_ID;
}

/* pdu: after the function code. */
static uint8_t request_actions(uint8_t fc, struct tp_cursor pdu)
{
	if (fc & FC_EXCEPTION)
		return 0;
	switch (fc) {
	case FC_DIAGNOSTICS:
		return diagnostics_actions(pdu);
	case FC_MEI:
		return is_device_id(fc, pdu) ? ICS_ACT_READ : 0;
	case FC_UMAS:
		return umas_actions(pdu);
	default:
		return fc_actions[fc];
	}
}

/* 6.21: a 43/14 request is MEI type, read device id code and object id;
 * a response is longer. */
static bool is_device_id_response(uint8_t fc, struct tp_cursor pdu)
{
	return pdu.left > 3 && is_device_id(fc, pdu);
}

/* 6.21, object ids 0x00-0x06 (basic and regular): the field of each;
 * VendorUrl (0x03) has none. */
static const int8_t object_fields[7] = {
	ICS_F_VENDOR, ICS_F_PRODUCT_CODE, ICS_F_FIRMWARE, -1, ICS_F_PRODUCT, ICS_F_MODEL, ICS_F_NAME,
};

/* A 43/14 response after the function code: MEI type, read device id
 * code, conformity level, more follows, next object id, number of objects,
 * then id, length, value for each. */
static void device_id_objects(const struct ics_ctx *x, struct tp_cursor pdu)
{
	uint8_t n;

	tp_skip(&pdu, 5);
	n = tp_u8(&pdu);
	for (unsigned i = 0; i < n && pdu.left; i++) {
		uint8_t id = tp_u8(&pdu);
		uint8_t len = tp_u8(&pdu);
		const uint8_t *v = tp_take(&pdu, len);

		if (!v || pdu.short_read)
			return;	/* the object overruns the PDU: nothing of it */
		if (id < sizeof object_fields && object_fields[id] >= 0)
			ics_ident_bytes(x, ICS_MODBUS, (enum ics_field)object_fields[id], v, len);
	}
}

/* One ADU: unit id read, pdu holds the function code and its data. */
static void one_adu(const struct ics_ctx *x, uint16_t tid, uint8_t unit, struct tp_cursor pdu)
{
	uint8_t fc = tp_u8(&pdu);
	bool response = x->to_server == 0 ||
			(x->to_server < 0 && ((fc & FC_EXCEPTION) || is_device_id_response(fc, pdu)));
	struct ics_msg m = {
		.proto = ICS_MODBUS,
		.kind = ICS_KIND_OTHER,
		.function = fc & 0x7fu,
		.exception = (fc & FC_EXCEPTION) != 0,
		.has_transaction = true,
		.transaction = tid,
		.has_unit = true,
		.unit = unit,
	};

	if (x->to_server == 1) {
		m.kind = ICS_KIND_REQUEST;
		m.sender_role = ICS_ROLE_CLIENT;
		m.receiver_role = ICS_ROLE_SERVER;
		m.actions = request_actions(fc, pdu);
	} else if (response) {
		struct tp_cursor u = pdu;

		m.kind = ICS_KIND_RESPONSE;
		m.sender_role = ICS_ROLE_SERVER;
		m.receiver_role = ICS_ROLE_CLIENT;
		/* UMAS answers 0xfd after the session key on an error. */
		if (fc == FC_UMAS && tp_skip(&u, 1) && tp_u8(&u) == 0xfd && !u.short_read)
			m.exception = true;
	}
	ics_emit(x, &m);
	if (response && is_device_id(fc, pdu))
		device_id_objects(x, pdu);
}

/* The first bytes of an MBAP header cut by the segment's end: could they
 * start an ADU the next segment completes? */
static bool header_prefix_ok(struct tp_cursor c)
{
	uint16_t len;

	tp_skip(&c, 2);
	if (c.left < 2)
		return true;
	if (tp_be16(&c) != 0)
		return false;
	if (c.left < 2)
		return true;
	len = tp_be16(&c);
	return len >= LEN_MIN && len <= LEN_MAX;
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	bool tcp = x->pkt && x->pkt->ip_proto == 6;
	uint32_t total = c.left;

	while (c.left) {
		uint32_t at = total - c.left;
		uint16_t tid, pid, len;
		uint8_t unit;

		if (c.left < MBAP_LEN)
			return tcp && header_prefix_ok(c) ? at : total;
		tid = tp_be16(&c);
		pid = tp_be16(&c);
		len = tp_be16(&c);
		if (pid != 0 || len < LEN_MIN || len > LEN_MAX)
			return total;	/* not Modbus: nothing to keep */
		if (c.left < len)
			return tcp ? at : total;
		unit = tp_u8(&c);
		one_adu(x, tid, unit, tp_sub(&c, len - 1u));
	}
	return total;
}

/* Exception codes of section 7. */
static bool exception_code_ok(uint8_t code)
{
	return (code >= 1 && code <= 6) || code == 8 || code == 0x0a || code == 0x0b;
}

/*
 * The payload is whole ADUs end to end (at least one), each with protocol
 * id 0, a length in 2..254 and a known function code; an exception is
 * exactly function | 0x80 and a defined exception code.
 */
static bool detect(const uint8_t *p, uint32_t len, bool tcp)
{
	struct tp_cursor c = tp_cursor_make(p, len);

	(void)tcp;
	if (!c.left)
		return false;
	while (c.left) {
		struct tp_cursor pdu;
		uint16_t n;
		uint8_t fc;

		tp_skip(&c, 2);
		if (tp_be16(&c) != 0)
			return false;
		n = tp_be16(&c);
		if (c.short_read || n < LEN_MIN || n > LEN_MAX || c.left < n)
			return false;
		tp_skip(&c, 1);	/* unit */
		pdu = tp_sub(&c, n - 1u);
		fc = tp_u8(&pdu);
		if (!fc_names[fc & 0x7fu])
			return false;
		if ((fc & FC_EXCEPTION) && (pdu.left != 1 || !exception_code_ok(tp_u8(&pdu))))
			return false;
	}
	return true;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	if (proto != ICS_MODBUS || function >= 128)
		return NULL;
	return fc_names[function];
}

const struct ics_dissector ics_modbus = {
	.name = "modbus",
	.proto = ICS_MODBUS,
	.tcp_ports = { 502 },
	.detect = detect,
	.dissect = dissect,
	.function_name = function_name,
};
