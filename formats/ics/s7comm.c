/*
 * s7comm.c - Siemens S7 communication (S7comm, protocol id 0x32) and the
 * S7comm-plus header (0x72) on ISO-on-TCP: TPKT, COTP, the S7 header, job
 * functions, userdata groups and the SZL module and component
 * identification.
 *
 * References:
 *   RFC 1006 section 6: TPKT (version 3, reserved 0, 16-bit length of the
 *     whole packet, header included).
 *   ISO 8073 / ITU-T X.224 (11/1995) 13.2 (TPDU structure, length
 *     indicator LI, 255 reserved), 13.3 CR, 13.4 CC, 13.3.4 parameters
 *     (TSAPs 0xc1/0xc2, TPDU size 0xc0), 13.7 DT (EOT bit, class 0 header
 *     without destination reference), 6.3 segmenting of a TSDU into DT
 *     TPDUs with EOT set on the last one.
 *   S7comm and S7comm-plus have no public specification.  The layouts
 *     below were learnt from Wireshark's packet-s7comm.c and
 *     packet-s7comm_szl_ids.c and from the s7commwireshark plugin's
 *     packet-s7comm_plus.c (read, not copied), and checked on the corpus
 *     captures (tests/formats/ics/test_s7comm.c).
 *   Siemens, "System Software for S7-300/400, System and Standard
 *     Functions", chapter "System Status Lists (SSL)": SSL-ID W#16#xy11
 *     (module identification: index 0x0001 module, 0x0006 basic hardware,
 *     0x0007 basic firmware "V x.y.z") and W#16#xy1C (component
 *     identification).  SSL is SZL in German, as the protocol names it.
 *
 *   TPKT     | 03 | 00 | length (be16, whole packet) |
 *   COTP DT  | LI=02 | F0 | EOT(0x80) + TPDU-NR |            class 0
 *   S7       | 32 | ROSCTR | redundancy id (be16) | PDU reference (be16) |
 *            | parameter length (be16) | data length (be16) |
 *            | error class | error code |           ROSCTR 2 and 3 only
 *            | parameter ... | data ... |
 *   ROSCTR: 1 job, 2 ack, 3 ack_data, 7 userdata.
 *   Job/ack_data parameter: | function | ...
 *     PI service (0x28): | 28 | 7 unknown | block length (be16) | block |
 *                        | name length | name ("_INSE", "P_PROGRAM"...) |
 *     PLC stop (0x29):   | 29 | 5 unknown | name length | name |
 *   Userdata parameter:
 *     | 00 01 12 | length (4 or 8) | method | type(4 bits) group(4 bits) |
 *     | subfunction | sequence | [data unit reference | last data unit |
 *     | error code (be16)]                                  length 8 only
 *     type: 0 push, 4 request, 8 response (NC: 3, 7, 0xb).
 *   Userdata data: | return code (0xff ok) | transport size | length (be16) | ...
 *   SZL answer (group 4, subfunction 1, response):
 *     | SZL id | index | record length | record count | records ... |
 *     xy11 record (28): | index | MLFB (20) | BGTyp | Ausbg | Ausbe |
 *                       index 7: Ausbg = 'V' << 8 | x, Ausbe = y << 8 | z
 *     xy1C record (34): | index | 32 bytes |: 1 automation system name (24),
 *                       2 module name (24), 3 plant designation (32),
 *                       5 serial number (24), 7 module type name (32),
 *                       9 manufacturer id (be16, PROFIBUS/PI numbering).
 *   S7comm-plus: | 72 | version (1, 2, 3; 0xff keep-alive) | data length (be16) |
 *                | [digest length | digest]            version 3 only
 *                | opcode | ... | trailer 72 version 00 00 |
 *     opcode 0x31 request, 0x32 (0x02) response: | 0000 | function (be16) |
 *     | 0000 | sequence number (be16) | ...; 0x33 notification.
 *
 * Messages: one per S7 PDU and one per S7comm-plus PDU whose opcode can be
 * read.  COTP CR/CC/DR/DC are not messages: they are transport connection
 * management that IEC 61850 MMS on the same port shares, and tshark counts
 * them as cotp, not s7comm.  A TSDU segmented into several DT TPDUs (EOT
 * clear) is put together: when the bytes end before the DT with EOT, the
 * return value keeps the whole TSDU for the next segment.
 *
 * `function`, for ICS_S7COMM:
 *   0x0000-0x00ff  the parameter's function code of a job, ack or ack_data
 *                  (0x04 read var, 0x05 write var, 0x1a-0x1f download and
 *                  upload, 0x28 PI service, 0x29 PLC stop, 0xf0 setup)
 *   0x0100         an ack (or a job/ack_data) without parameter part
 *   0x1000 | group << 8 | subfunction   userdata (0x1401 read SZL)
 * for ICS_S7COMM_PLUS:
 *   the 16-bit function code of a request or response (0x054c
 *   GetMultiVariables), 0x0033 a notification, 0x00ff a keep-alive.
 *
 * kind: jobs and userdata requests are requests, ack, ack_data and
 * userdata responses are responses, userdata push and S7comm-plus
 * notifications unsolicited.  Roles: the port 102 side (or the flow's
 * responder) is the server, whatever the PDU: in a block download the PLC
 * sends the jobs 0x1b and 0x1c and the programming device acknowledges
 * them (step7_s300_download.pcapng); only when the direction is unknown
 * does the PDU type decide (a job or request comes from the client).
 * transaction =
 * PDU reference (S7comm-plus: sequence number).  exception: ack/ack_data
 * with an error class or code, userdata with a parameter error code.
 * Actions are flagged on requests only, so that they count operations.
 *
 * Identities come from SZL answers, whose subject is their sender (the
 * PLC): model (MLFB of xy11 index 1), firmware (xy11 index 7, "V3.2.6"),
 * names (xy1C 1-3), serial (xy1C 5), product (xy1C 7, the module type
 * name), vendor id (xy1C 9: 42 = 0x002a is Siemens in the PI numbering).
 * No vendor name is made up: the device never sends one (xy1C index 4 is a
 * copyright line, "Original Siemens Equipment").  Fixed-width fields lose
 * their padding (trailing NULs and blanks) and are not emitted when empty.
 * A multi-part answer (data unit reference set) yields the records whole
 * in its first part; the later parts carry no SZL header and are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ics/ics.h"

#define TPKT_VERSION	3
#define TPKT_HEADER	4
#define TPKT_MIN	7	/* header + LI + code + one more COTP octet */

#define COTP_CODE_MASK	0xf0
#define COTP_CR		0xe0
#define COTP_CC		0xd0
#define COTP_DT		0xf0
#define COTP_EOT	0x80
#define COTP_LI_RESERVED 255
#define COTP_P_CALLING	0xc1
#define COTP_P_CALLED	0xc2

#define S7_ID		0x32
#define S7P_ID		0x72
#define S7_JOB		1
#define S7_ACK		2
#define S7_ACK_DATA	3
#define S7_USERDATA	7

#define S7_FN_READ_VAR	0x04
#define S7_FN_WRITE_VAR	0x05
#define S7_FN_REQ_DOWNLOAD 0x1a
#define S7_FN_END_UPLOAD 0x1f
#define S7_FN_PI	0x28
#define S7_FN_PLC_STOP	0x29
#define S7_FN_NONE	0x0100
#define S7_FN_USERDATA	0x1000

#define S7_UD_PARAM_LONG 8	/* parameter length with data unit and error fields */
#define S7_UD_GROUP_TIS	1
#define S7_UD_GROUP_CYCLIC 2
#define S7_UD_GROUP_BLOCK 3
#define S7_UD_GROUP_CPU	4
#define S7_UD_GROUP_TIME 7
#define S7_UD_SZL_READ	1
#define S7_RET_OK	0xff

#define SZL_XY11	0x11
#define SZL_XY1C	0x1c
#define SZL_XY11_LEN	28
#define SZL_XY1C_LEN	34
#define SZL_MLFB_LEN	20

#define S7P_V3		3
#define S7P_KEEPALIVE	0xff
#define S7P_REQ		0x31
#define S7P_RES		0x32
#define S7P_NOTIFY	0x33
#define S7P_RES2	0x02
#define S7P_SETMULTIVAR	0x0542
#define S7P_GETMULTIVAR	0x054c
#define S7P_GETVARSUBSTR 0x0586
#define S7P_EXPLORE	0x04bb

/* The largest TSDU put together: an S7 header and two 16-bit lengths. */
#define S7_MAX_TSDU	(12u + 2u * 65535u)

enum tpkt_result { TPKT_OK, TPKT_PARTIAL, TPKT_BAD };

/* One TPKT from c: its COTP TPDU in *tpdu.  PARTIAL when c ends inside a
 * TPKT whose header is right so far; BAD when c cannot start a TPKT. */
static enum tpkt_result tpkt_next(struct tp_cursor *c, struct tp_cursor *tpdu)
{
	struct tp_cursor h = *c;
	uint8_t version = tp_u8(&h);
	uint8_t reserved = tp_u8(&h);
	uint16_t len = tp_be16(&h);

	if (c->left >= 1 && version != TPKT_VERSION)
		return TPKT_BAD;
	if (c->left >= 2 && reserved != 0)
		return TPKT_BAD;
	if (h.short_read)
		return TPKT_PARTIAL;
	if (len < TPKT_MIN)
		return TPKT_BAD;
	if (c->left < len)
		return TPKT_PARTIAL;
	tp_skip(c, TPKT_HEADER);
	*tpdu = tp_sub(c, len - TPKT_HEADER);
	return TPKT_OK;
}

struct cotp {
	uint8_t code;		/* TPDU code (high nibble) */
	bool eot;		/* DT: last TPDU of the TSDU */
	struct tp_cursor fixed;	/* the header after the code octet */
	struct tp_cursor data;	/* user data */
};

static bool cotp_parse(struct tp_cursor tpdu, struct cotp *t)
{
	uint8_t li = tp_u8(&tpdu);

	if (li < 2 || li == COTP_LI_RESERVED || tpdu.left < li)
		return false;
	t->fixed = tp_sub(&tpdu, li);
	t->code = tp_u8(&t->fixed) & COTP_CODE_MASK;
	t->data = tpdu;
	t->eot = false;
	if (t->code == COTP_DT) {
		struct tp_cursor f = t->fixed;

		if (li >= 4)	/* classes 1-4: destination reference first */
			tp_skip(&f, 2);
		t->eot = (tp_u8(&f) & COTP_EOT) != 0;
	}
	return true;
}

/* ---- roles, names ---- */

/* The port 102 side (or the flow's responder) is the server; when the
 * direction is unknown, the PDU type says who sent it. */
static void roles(const struct ics_ctx *x, struct ics_msg *m, bool from_client)
{
	if (x->to_server >= 0)
		from_client = x->to_server == 1;
	m->sender_role = from_client ? ICS_ROLE_CLIENT : ICS_ROLE_SERVER;
	m->receiver_role = from_client ? ICS_ROLE_SERVER : ICS_ROLE_CLIENT;
}

static bool name_is(const uint8_t *p, size_t n, const char *s)
{
	return p && n == strlen(s) && memcmp(p, s, n) == 0;
}

/* What a PI service does, by its name. */
static uint8_t pi_actions(const uint8_t *name, size_t n)
{
	if (name_is(name, n, "_INSE") || name_is(name, n, "_DELE") ||
	    name_is(name, n, "_MODU"))	/* activate, delete, copy RAM to ROM */
		return ICS_ACT_PROGRAM;
	if (name_is(name, n, "P_PROGRAM"))	/* start (hot/cold) or stop */
		return ICS_ACT_STOPSTART;
	return 0;
}

static uint8_t job_actions(uint8_t function, struct tp_cursor param)
{
	uint8_t len;

	switch (function) {
	case S7_FN_READ_VAR:
		return ICS_ACT_READ;
	case S7_FN_WRITE_VAR:
		return ICS_ACT_WRITE;
	case S7_FN_PLC_STOP:
		return ICS_ACT_STOPSTART;
	case S7_FN_PI:
		tp_skip(&param, 8);		/* function, 7 unknown */
		tp_skip(&param, tp_be16(&param));	/* parameter block */
		len = tp_u8(&param);
		return pi_actions(tp_take(&param, len), len);
	default:
		return function >= S7_FN_REQ_DOWNLOAD && function <= S7_FN_END_UPLOAD ?
			       ICS_ACT_PROGRAM : 0;
	}
}

static uint8_t userdata_actions(uint8_t group, uint8_t sub)
{
	switch (group) {
	case S7_UD_GROUP_TIS:	/* programmer commands */
		switch (sub) {
		case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x10: case 0x11:
		case 0x13:	/* block/variable status, stacks, job list */
			return ICS_ACT_READ;
		case 0x08:	/* modify variable */
			return ICS_ACT_WRITE;
		case 0x09:	/* force: overrides inputs/outputs */
			return ICS_ACT_WRITE | ICS_ACT_CONTROL;
		case 0x0b:	/* exit HOLD */
			return ICS_ACT_STOPSTART;
		case 0x0c:	/* memory reset: clears the user program */
			return ICS_ACT_PROGRAM;
		default:
			return 0;
		}
	case S7_UD_GROUP_CYCLIC:	/* cyclic and change-driven reads */
		return sub == 0x01 || sub == 0x05 || sub == 0x07 || sub == 0x08 ? ICS_ACT_READ : 0;
	case S7_UD_GROUP_BLOCK:	/* list blocks, block info */
		return ICS_ACT_READ;
	case S7_UD_GROUP_CPU:
		return sub == S7_UD_SZL_READ || sub == 0x13 ? ICS_ACT_READ : 0;
	case S7_UD_GROUP_TIME:	/* 1, 3 read clock; 2, 4 set clock */
		return sub == 0x01 || sub == 0x03 ? ICS_ACT_READ :
		       sub == 0x02 || sub == 0x04 ? ICS_ACT_WRITE : 0;
	default:
		return 0;
	}
}

/* ---- SZL identification ---- */

/* A fixed-width string field of r, without its padding (trailing NULs and
 * blanks); not emitted when empty or cut short. */
static void ident_field(const struct ics_ctx *x, enum ics_field f, struct tp_cursor *r,
			size_t width)
{
	struct tp_cursor v = tp_sub(r, width);
	const uint8_t *p = v.p;
	size_t n = 0;

	for (size_t i = 1; v.left; i++) {
		uint8_t ch = tp_u8(&v);

		if (ch && ch != ' ')
			n = i;
	}
	if (n && !r->short_read)
		ics_ident_bytes(x, ICS_S7COMM, f, p, n);
}

static void szl_xy11(const struct ics_ctx *x, struct tp_cursor r)
{
	uint16_t index = tp_be16(&r);
	struct tp_cursor mlfb = r;
	uint16_t ausbg, ausbe;
	char fw[24];
	int n;

	tp_skip(&r, SZL_MLFB_LEN + 2);	/* MLFB, BGTyp */
	ausbg = tp_be16(&r);
	ausbe = tp_be16(&r);
	if (r.short_read)
		return;
	if (index == 0x0001)
		ident_field(x, ICS_F_MODEL, &mlfb, SZL_MLFB_LEN);
	if (index == 0x0007) {
		n = snprintf(fw, sizeof fw, "%c%u.%u.%u", ausbg >> 8, ausbg & 0xffu, ausbe >> 8,
			     ausbe & 0xffu);
		if (n > 0 && (size_t)n < sizeof fw)
			ics_ident_bytes(x, ICS_S7COMM, ICS_F_FIRMWARE, fw, (size_t)n);
	}
}

static void szl_xy1c(const struct ics_ctx *x, struct tp_cursor r)
{
	uint16_t index = tp_be16(&r);
	uint16_t vendor;

	switch (index) {
	case 0x0001:	/* name of the automation system */
	case 0x0002:	/* name of the module */
		ident_field(x, ICS_F_NAME, &r, 24);
		break;
	case 0x0003:	/* plant designation */
		ident_field(x, ICS_F_NAME, &r, 32);
		break;
	case 0x0005:
		ident_field(x, ICS_F_SERIAL, &r, 24);
		break;
	case 0x0007:	/* module type name */
		ident_field(x, ICS_F_PRODUCT, &r, 32);
		break;
	case 0x0009:	/* manufacturer id, profile id, profile type */
		vendor = tp_be16(&r);
		if (!r.short_read && vendor)
			ics_ident_number(x, ICS_S7COMM, ICS_F_VENDOR_ID, vendor);
		break;
	default:
		break;
	}
}

/* The data of a read-SZL answer. */
static void szl_answer(const struct ics_ctx *x, struct tp_cursor data)
{
	uint8_t ret = tp_u8(&data);
	struct tp_cursor d;
	uint16_t id, len, count;
	bool xy11;

	tp_skip(&data, 1);	/* transport size */
	d = tp_sub(&data, tp_be16(&data));
	if (data.short_read || ret != S7_RET_OK)
		return;
	id = tp_be16(&d);
	tp_skip(&d, 2);		/* index */
	len = tp_be16(&d);
	count = tp_be16(&d);
	xy11 = (id & 0xff) == SZL_XY11 && len == SZL_XY11_LEN;
	if (d.short_read || (!xy11 && ((id & 0xff) != SZL_XY1C || len != SZL_XY1C_LEN)))
		return;
	for (uint16_t i = 0; i < count && d.left >= len; i++) {
		if (xy11)
			szl_xy11(x, tp_sub(&d, len));
		else
			szl_xy1c(x, tp_sub(&d, len));
	}
}

/* ---- S7 PDUs ---- */

static void userdata(const struct ics_ctx *x, struct ics_msg *m, struct tp_cursor param,
		     struct tp_cursor data)
{
	uint8_t plen, type, group, sub, unit_ref = 0, last = 0;
	uint16_t error = 0;

	tp_skip(&param, 3);	/* parameter head */
	plen = tp_u8(&param);
	tp_skip(&param, 1);	/* method */
	type = tp_u8(&param);
	sub = tp_u8(&param);
	tp_skip(&param, 1);	/* sequence number */
	if (plen >= S7_UD_PARAM_LONG) {
		unit_ref = tp_u8(&param);
		last = tp_u8(&param);
		error = tp_be16(&param);
	}
	if (param.short_read)
		return;
	group = type & 0x0f;
	type >>= 4;
	m->function = (uint16_t)(S7_FN_USERDATA | group << 8 | sub);
	m->exception = error != 0;
	switch (type) {
	case 0x4:
	case 0x7:
		m->kind = ICS_KIND_REQUEST;
		m->actions = userdata_actions(group, sub);
		roles(x, m, true);
		break;
	case 0x8:
	case 0xb:
		m->kind = ICS_KIND_RESPONSE;
		roles(x, m, false);
		break;
	case 0x0:
	case 0x3:
		m->kind = ICS_KIND_UNSOLICITED;
		roles(x, m, false);
		break;
	default:
		m->kind = ICS_KIND_OTHER;
		if (x->to_server >= 0)
			roles(x, m, true);
		break;
	}
	ics_emit(x, m);
	/* The last part of a multi-part answer has no SZL header. */
	if (m->kind == ICS_KIND_RESPONSE && group == S7_UD_GROUP_CPU && sub == S7_UD_SZL_READ &&
	    !m->exception && !(unit_ref && !last))
		szl_answer(x, data);
}

static void s7_pdu(const struct ics_ctx *x, struct tp_cursor c)
{
	struct ics_msg m = { .proto = ICS_S7COMM, .has_transaction = true };
	struct tp_cursor param, data, p;
	uint8_t rosctr, err_class = 0, err_code = 0;
	uint16_t parlg, datlg;

	tp_skip(&c, 1);		/* protocol id */
	rosctr = tp_u8(&c);
	tp_skip(&c, 2);		/* redundancy identification */
	m.transaction = tp_be16(&c);
	parlg = tp_be16(&c);
	datlg = tp_be16(&c);
	if (rosctr == S7_ACK || rosctr == S7_ACK_DATA) {
		err_class = tp_u8(&c);
		err_code = tp_u8(&c);
	}
	param = tp_sub(&c, parlg);
	data = tp_sub(&c, datlg);
	if (c.short_read)
		return;		/* shorter than its header says */
	p = param;
	m.function = param.left ? tp_u8(&p) : S7_FN_NONE;
	switch (rosctr) {
	case S7_JOB:
		m.kind = ICS_KIND_REQUEST;
		m.actions = job_actions((uint8_t)m.function, param);
		roles(x, &m, true);
		break;
	case S7_ACK:
	case S7_ACK_DATA:
		m.kind = ICS_KIND_RESPONSE;
		m.exception = err_class != 0 || err_code != 0;
		roles(x, &m, false);
		break;
	case S7_USERDATA:
		userdata(x, &m, param, data);
		return;
	default:
		return;
	}
	ics_emit(x, &m);
}

static void s7plus_pdu(const struct ics_ctx *x, struct tp_cursor c)
{
	struct ics_msg m = { .proto = ICS_S7COMM_PLUS };
	struct tp_cursor d;
	uint8_t version, opcode;
	uint16_t reserved1, reserved2;

	tp_skip(&c, 1);		/* protocol id */
	version = tp_u8(&c);
	if (c.short_read)
		return;
	if (version == S7P_KEEPALIVE) {
		m.function = S7P_KEEPALIVE;
		if (x->to_server >= 0)
			roles(x, &m, true);
		ics_emit(x, &m);
		return;
	}
	if (version < 1 || version > S7P_V3)
		return;
	d = tp_sub(&c, tp_be16(&c));
	if (version == S7P_V3)
		tp_skip(&d, tp_u8(&d));	/* integrity part: digest */
	opcode = tp_u8(&d);
	if (c.short_read || d.short_read)
		return;
	switch (opcode) {
	case S7P_REQ:
	case S7P_RES:
	case S7P_RES2:
		reserved1 = tp_be16(&d);
		m.function = tp_be16(&d);
		reserved2 = tp_be16(&d);
		m.transaction = tp_be16(&d);
		/* A later fragment of a long PDU starts with other data. */
		if (d.short_read || reserved1 || reserved2)
			return;
		m.has_transaction = true;
		m.kind = opcode == S7P_REQ ? ICS_KIND_REQUEST : ICS_KIND_RESPONSE;
		roles(x, &m, opcode == S7P_REQ);
		if (opcode == S7P_REQ && m.function == S7P_SETMULTIVAR)
			m.actions = ICS_ACT_WRITE;
		if (opcode == S7P_REQ &&
		    (m.function == S7P_GETMULTIVAR || m.function == S7P_GETVARSUBSTR ||
		     m.function == S7P_EXPLORE))
			m.actions = ICS_ACT_READ;
		break;
	case S7P_NOTIFY:
		m.function = S7P_NOTIFY;
		m.kind = ICS_KIND_UNSOLICITED;
		roles(x, &m, false);
		break;
	default:
		return;
	}
	ics_emit(x, &m);
}

/* A TSDU: what the DT TPDUs carry. */
static void tsdu(const struct ics_ctx *x, struct tp_cursor c)
{
	struct tp_cursor p = c;
	uint8_t id = tp_u8(&p);

	if (p.short_read)
		return;
	if (id == S7_ID)
		s7_pdu(x, c);
	else if (id == S7P_ID)
		s7plus_pdu(x, c);
}

/*
 * A TSDU segmented into DT TPDUs, from the one at *c (EOT clear) to the
 * first with EOT set.  PARTIAL when c ends first; otherwise *c moves past
 * the TPDUs used (or, when something else breaks the chain, to it).
 */
static enum tpkt_result segmented(const struct ics_ctx *x, struct tp_cursor *c)
{
	struct tp_cursor scan = *c, tpdu;
	struct cotp t;
	uint32_t total = 0;
	uint8_t *buf;
	size_t at = 0;

	for (;;) {
		struct tp_cursor before = scan;
		enum tpkt_result r = tpkt_next(&scan, &tpdu);

		if (r != TPKT_OK)
			return r;
		if (!cotp_parse(tpdu, &t) || t.code != COTP_DT) {
			*c = before;	/* the fragments so far are dropped */
			return TPKT_OK;
		}
		if (S7_MAX_TSDU - total < t.data.left) {
			*c = scan;	/* too long: dropped */
			return TPKT_OK;
		}
		total += t.data.left;
		if (t.eot)
			break;
	}
	buf = malloc(total ? total : 1);
	if (buf) {
		while (at < total && tpkt_next(c, &tpdu) == TPKT_OK && cotp_parse(tpdu, &t)) {
			uint32_t n = t.data.left;
			const uint8_t *p = tp_take(&t.data, n);

			if (n)
				memcpy(buf + at, p, n);
			at += n;
		}
		tsdu(x, tp_cursor_make(buf, total));
		free(buf);
	}
	*c = scan;
	return TPKT_OK;
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t total = c.left;

	while (c.left) {
		struct tp_cursor start = c, tpdu;
		struct cotp t;
		enum tpkt_result r = tpkt_next(&c, &tpdu);

		if (r == TPKT_OK && cotp_parse(tpdu, &t) && t.code == COTP_DT) {
			if (t.eot) {
				tsdu(x, t.data);
				continue;
			}
			c = start;
			r = segmented(x, &c);
		}
		if (r == TPKT_PARTIAL)
			return total - start.left;
		if (r == TPKT_BAD)
			return total;
	}
	return total;
}

/* ---- detection ---- */

/* CR or CC: class 0-4 and well-formed parameters with both TSAPs. */
static bool cotp_connect_ok(const struct cotp *t)
{
	struct tp_cursor f = t->fixed;
	bool calling = false, called = false;
	uint8_t class_opt;

	tp_skip(&f, 4);		/* destination and source references */
	class_opt = tp_u8(&f);
	if (f.short_read || class_opt >> 4 > 4 || t->data.left)
		return false;
	while (f.left) {
		uint8_t code = tp_u8(&f);
		uint8_t len = tp_u8(&f);

		if (!tp_skip(&f, len))
			return false;
		calling |= code == COTP_P_CALLING;
		called |= code == COTP_P_CALLED;
	}
	return calling && called;
}

/* An S7 PDU that fills its TSDU exactly, or an S7comm-plus PDU of
 * version 1-3 with its trailer. */
static bool s7_header_ok(struct tp_cursor c)
{
	uint8_t id = tp_u8(&c);
	uint8_t type = tp_u8(&c);	/* ROSCTR, or S7comm-plus version */
	uint32_t need;

	if (id == S7P_ID) {
		need = tp_be16(&c) + 4u;	/* data and trailer */
		return !c.short_read && type >= 1 && type <= S7P_V3 && c.left == need;
	}
	tp_skip(&c, 4);		/* redundancy id, PDU reference */
	need = tp_be16(&c);
	need += tp_be16(&c);
	if (type == S7_ACK || type == S7_ACK_DATA)
		need += 2;
	return id == S7_ID && !c.short_read && c.left == need &&
	       (type == S7_JOB || type == S7_ACK || type == S7_ACK_DATA || type == S7_USERDATA);
}

/* The first payload of a flow: exactly one TPKT holding a COTP connection
 * request/confirm with TSAPs, or a whole DT with an S7 header. */
static bool detect(const uint8_t *p, uint32_t len, bool tcp)
{
	struct tp_cursor c = tp_cursor_make(p, len), tpdu;
	struct cotp t;

	if (!tcp || tpkt_next(&c, &tpdu) != TPKT_OK || c.left || !cotp_parse(tpdu, &t))
		return false;
	switch (t.code) {
	case COTP_CR:
	case COTP_CC:
		return cotp_connect_ok(&t);
	case COTP_DT:
		return t.eot && s7_header_ok(t.data);
	default:
		return false;
	}
}

/* ---- names ---- */

struct fn_name {
	uint16_t function;
	const char *name;
};

static const struct fn_name s7_names[] = {
	{ 0x00, "cpu_services" },
	{ 0x01, "mode_transition" },
	{ 0x04, "read_var" },
	{ 0x05, "write_var" },
	{ 0x1a, "request_download" },
	{ 0x1b, "download_block" },
	{ 0x1c, "download_ended" },
	{ 0x1d, "start_upload" },
	{ 0x1e, "upload" },
	{ 0x1f, "end_upload" },
	{ 0x28, "pi_service" },
	{ 0x29, "plc_stop" },
	{ 0xf0, "setup_communication" },
	{ S7_FN_NONE, "ack" },
	/* userdata: 0x1000 | group << 8 | subfunction */
	{ 0x1101, "block_status" },
	{ 0x1102, "variable_status" },
	{ 0x1103, "output_istack" },
	{ 0x1104, "output_bstack" },
	{ 0x1105, "output_lstack" },
	{ 0x1106, "time_measurement" },
	{ 0x1107, "force_selection" },
	{ 0x1108, "modify_variable" },
	{ 0x1109, "force" },
	{ 0x110a, "breakpoint" },
	{ 0x110b, "exit_hold" },
	{ 0x110c, "memory_reset" },
	{ 0x110d, "disable_job" },
	{ 0x110e, "enable_job" },
	{ 0x110f, "delete_job" },
	{ 0x1110, "read_job_list" },
	{ 0x1111, "read_job" },
	{ 0x1112, "replace_job" },
	{ 0x1113, "block_status_v2" },
	{ 0x1116, "flash_led" },
	{ 0x1201, "cyclic_transfer" },
	{ 0x1204, "cyclic_unsubscribe" },
	{ 0x1205, "change_driven_transfer" },
	{ 0x1207, "change_driven_transfer_modify" },
	{ 0x1208, "read_record" },
	{ 0x1301, "list_blocks" },
	{ 0x1302, "list_blocks_of_type" },
	{ 0x1303, "get_block_info" },
	{ 0x1401, "read_szl" },
	{ 0x1402, "message_service" },
	{ 0x1403, "diagnostic_message" },
	{ 0x1405, "alarm8_indication" },
	{ 0x1406, "notify_indication" },
	{ 0x1407, "alarm8_lock" },
	{ 0x1408, "alarm8_unlock" },
	{ 0x1409, "scan_indication" },
	{ 0x140b, "alarm_ack" },
	{ 0x140c, "alarm_ack_indication" },
	{ 0x140d, "alarm8_lock_indication" },
	{ 0x140e, "alarm8_unlock_indication" },
	{ 0x1410, "ar_send_indication" },
	{ 0x1411, "alarms_indication" },
	{ 0x1412, "alarmsq_indication" },
	{ 0x1413, "alarm_query" },
	{ 0x1416, "notify8_indication" },
	{ 0x1501, "plc_password" },
	{ 0x1701, "read_clock" },
	{ 0x1702, "set_clock" },
	{ 0x1703, "read_clock_following" },
	{ 0x1704, "set_clock2" },
};

static const struct fn_name s7plus_names[] = {
	{ S7P_NOTIFY, "notification" },
	{ S7P_KEEPALIVE, "keep_alive" },
	{ 0x04bb, "explore" },
	{ 0x04ca, "create_object" },
	{ 0x04d4, "delete_object" },
	{ 0x04f2, "set_variable" },
	{ 0x0524, "get_link" },
	{ 0x0542, "set_multi_variables" },
	{ 0x054c, "get_multi_variables" },
	{ 0x0556, "begin_sequence" },
	{ 0x0560, "end_sequence" },
	{ 0x056b, "invoke" },
	{ 0x0586, "get_var_sub_streamed" },
};

static const char *lookup(const struct fn_name *t, size_t n, uint16_t function)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].function == function)
			return t[i].name;
	return NULL;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	if (proto == ICS_S7COMM)
		return lookup(s7_names, sizeof s7_names / sizeof s7_names[0], function);
	if (proto == ICS_S7COMM_PLUS)
		return lookup(s7plus_names, sizeof s7plus_names / sizeof s7plus_names[0], function);
	return NULL;
}

const struct ics_dissector ics_s7comm = {
	.name = "s7comm",
	.proto = ICS_S7COMM,
	.tcp_ports = { 102 },
	.detect = detect,
	.dissect = dissect,
	.function_name = function_name,
};
