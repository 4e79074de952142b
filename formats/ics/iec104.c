/*
 * iec104.c - IEC 60870-5-104 telecontrol on TCP: APCI frames (I, S, U) and
 * the data unit identifier of the ASDU.
 *
 * References:
 *   IEC 60870-5-104:2006 5.1 (APDU: start 0x68, length of the APDU after
 *     the length octet, 4..253, four control octets), 5.1 figures 6-8 (I,
 *     S and U formats), 5.2 (N(S), N(R): 15-bit send and receive sequence
 *     numbers), 5.3 (U format: STARTDT, STOPDT, TESTFR, act and con),
 *     9.1 (ASDU: cause of transmission two octets with the originator
 *     address, common address two octets, IOA three octets).
 *   IEC 60870-5-101:2003 7.2.1 (type identification, table 8 monitor and
 *     table 9 control direction, 14 parameter, 16 file transfer), 7.2.2
 *     (variable structure qualifier: SQ, number of objects), 7.2.3 (cause
 *     of transmission: T test bit, P/N negative confirm, cause 0..63;
 *     table 14), 7.2.4 (common address: 0 unused, 0xffff global).
 *
 *   APCI  | 68 | length | control 1 | control 2 | control 3 | control 4 |
 *     I:  | N(S) << 1 (le16, bit 0 = 0) | N(R) << 1 (le16, bit 0 = 0) |
 *     S:  | 01 | 00 | N(R) << 1 (le16) |
 *     U:  | TESTFR con/act, STOPDT con/act, STARTDT con/act bits 7..2, 11 | 00 00 00 |
 *   ASDU  | type id | SQ(1) number(7) | T(1) P/N(1) cause(6) | originator |
 *         | common address (le16) | objects: IOA (le24) + elements ... |
 *
 * Bytes before a start octet (noise between APDUs) are skipped, as
 * Wireshark does; so is a start octet whose length is out of 4..253.  One
 * message per APDU; an I-format APDU whose ASDU is shorter than its 6-octet
 * data unit identifier is malformed and reported as nothing.
 *
 * `function`: the type identification for I format (1..255); 0x100 | the
 * U-format function bits (control 1 >> 2: 0x101 STARTDT act, 0x102 STARTDT
 * con, 0x104 STOPDT act, 0x108 STOPDT con, 0x110 TESTFR act, 0x120 TESTFR
 * con; other combinations are kept as sent); 0x200 for S format.
 *
 * seq: the slots keep their meaning: seq[0] N(S), seq[1] N(R).  I format
 * sets both (nseq 2); S format has no N(S): nseq 2, seq[0] 0 (unused),
 * seq[1] N(R); U format none (nseq 0).
 *
 * Roles: master (controlling station) and outstation (controlled station),
 * by content where it decides (commands with cause activation,
 * deactivation or request come from the master; confirmations, monitor
 * data and interrogated data from the outstation; STARTDT/STOPDT act from
 * the master, con from the outstation), else by direction (the outstation
 * serves port 2404).  Kind: commands and U act are requests,
 * confirmations (act/deact con, act term, unknown type/cause/address),
 * U con and interrogated or requested data are responses, periodic,
 * background, spontaneous, initialised and return information data are
 * unsolicited, S format and the rest other.  unit: the common address; the
 * outstation's common address is its ICS_F_DEVICE_ID when it sends (not
 * 0 or the global 0xffff).  exception: P/N set, or causes 44-47 (unknown
 * type, cause, common address, IOA).
 *
 * Actions, on master requests (activation or request) without the test
 * bit (a test ASDU does not act on the process): control for single,
 * double, regulating step and bitstring commands (45-47, 51, 58-60, 64);
 * write for set points (48-50, 61-63), clock synchronisation (103) and
 * parameter loading (110-113); read for interrogation, counter
 * interrogation and read (100-102); stop_start for reset process (105).
 * The test bit has no field of its own in struct ics_msg.
 */
#include "formats/ics/ics.h"

#define APCI_START	0x68
#define APDU_MIN	4
#define APDU_MAX	253
#define DUI_LEN		6	/* type, VSQ, COT, originator, common address */

#define FN_U		0x100
#define FN_S		0x200

#define U_ACT_BITS	0x15	/* STARTDT, STOPDT, TESTFR act (control 1 >> 2) */
#define U_CON_BITS	0x2a
#define U_START_STOP	0x0f	/* STARTDT and STOPDT act/con */

#define COT_TEST	0x80
#define COT_NEGATIVE	0x40
#define COT_CAUSE	0x3f

enum cause {
	COT_PERIODIC = 1,
	COT_BACKGROUND = 2,
	COT_SPONTANEOUS = 3,
	COT_INITIALISED = 4,
	COT_REQUEST = 5,
	COT_ACT = 6,
	COT_ACTCON = 7,
	COT_DEACT = 8,
	COT_DEACTCON = 9,
	COT_ACTTERM = 10,
	COT_RETREM = 11,
	COT_RETLOC = 12,
	COT_INROGEN = 20,
	COT_REQCO4 = 41,
	COT_UNKNOWN_TYPE = 44,
	COT_UNKNOWN_IOA = 47,
};

#define CA_UNUSED	0
#define CA_GLOBAL	0xffff

/* First type identification of the control direction (IEC 60870-5-101
 * table 9). */
#define TYPE_CONTROL	45

static void set_roles(struct ics_msg *m, int from_master)
{
	if (from_master < 0)
		return;
	m->sender_role = from_master ? ICS_ROLE_MASTER : ICS_ROLE_OUTSTATION;
	m->receiver_role = from_master ? ICS_ROLE_OUTSTATION : ICS_ROLE_MASTER;
}

static uint8_t command_actions(uint8_t type)
{
	switch (type) {
	case 45: case 46: case 47: case 51:
	case 58: case 59: case 60: case 64:
		return ICS_ACT_CONTROL;
	case 48: case 49: case 50:
	case 61: case 62: case 63:
	case 103:
	case 110: case 111: case 112: case 113:
		return ICS_ACT_WRITE;
	case 100: case 101: case 102:
		return ICS_ACT_READ;
	case 105:
		return ICS_ACT_STOPSTART;
	default:
		return 0;
	}
}

/* Kind and whether the master sent it (-1: the content does not say). */
static int classify(uint8_t type, uint8_t cause, uint8_t *kind)
{
	switch (cause) {
	case COT_ACT:
	case COT_DEACT:
		*kind = ICS_KIND_REQUEST;
		return 1;
	case COT_REQUEST:	/* a read command, or the data it asked for */
		*kind = type >= TYPE_CONTROL ? ICS_KIND_REQUEST : ICS_KIND_RESPONSE;
		return type >= TYPE_CONTROL;
	case COT_ACTCON:
	case COT_DEACTCON:
	case COT_ACTTERM:
		*kind = ICS_KIND_RESPONSE;
		return 0;
	case COT_PERIODIC:
	case COT_BACKGROUND:
	case COT_SPONTANEOUS:
	case COT_INITIALISED:
	case COT_RETREM:
	case COT_RETLOC:
		*kind = ICS_KIND_UNSOLICITED;
		return 0;
	default:
		if ((cause >= COT_INROGEN && cause <= COT_REQCO4) ||
		    (cause >= COT_UNKNOWN_TYPE && cause <= COT_UNKNOWN_IOA)) {
			*kind = ICS_KIND_RESPONSE;
			return 0;
		}
		*kind = ICS_KIND_OTHER;
		return -1;
	}
}

static void i_format(const struct ics_ctx *x, struct ics_msg *m, struct tp_cursor asdu)
{
	uint8_t type = tp_u8(&asdu);
	uint8_t cot, cause, kind;
	uint16_t ca;
	int from_master;

	tp_skip(&asdu, 1);	/* variable structure qualifier */
	cot = tp_u8(&asdu);
	tp_skip(&asdu, 1);	/* originator address */
	ca = tp_le16(&asdu);
	if (asdu.short_read)
		return;
	cause = cot & COT_CAUSE;
	from_master = classify(type, cause, &kind);
	m->function = type;
	m->kind = kind;
	m->has_unit = true;
	m->unit = ca;
	m->exception = (cot & COT_NEGATIVE) ||
		       (cause >= COT_UNKNOWN_TYPE && cause <= COT_UNKNOWN_IOA);
	if (from_master < 0 && x->to_server >= 0)
		from_master = x->to_server;
	set_roles(m, from_master);
	if (kind == ICS_KIND_REQUEST && cause != COT_DEACT && !(cot & COT_TEST))
		m->actions = command_actions(type);
	ics_emit(x, m);
	if (from_master == 0 && ca != CA_UNUSED && ca != CA_GLOBAL)
		ics_ident_number(x, ICS_IEC104, ICS_F_DEVICE_ID, ca);
}

/* One APDU: the control octets and the ASDU. */
static void apdu(const struct ics_ctx *x, struct tp_cursor a)
{
	struct ics_msg m = { .proto = ICS_IEC104 };
	uint16_t c12 = tp_le16(&a);
	uint16_t c34 = tp_le16(&a);
	uint8_t bits;
	int from_master = -1;

	if (a.short_read)
		return;
	if (!(c12 & 1)) {	/* I format */
		m.nseq = 2;
		m.seq[0] = c12 >> 1;
		m.seq[1] = c34 >> 1;
		i_format(x, &m, a);
		return;
	}
	if ((c12 & 3) == 1) {	/* S format */
		m.function = FN_S;
		m.nseq = 2;
		m.seq[1] = c34 >> 1;
	} else {		/* U format */
		bits = (uint8_t)((c12 & 0xff) >> 2);
		m.function = (uint16_t)(FN_U | bits);
		if (bits && !(bits & U_CON_BITS))
			m.kind = ICS_KIND_REQUEST;
		else if (bits && !(bits & U_ACT_BITS))
			m.kind = ICS_KIND_RESPONSE;
		if (bits && !(bits & ~U_START_STOP) && m.kind != ICS_KIND_OTHER)
			from_master = m.kind == ICS_KIND_REQUEST;
	}
	if (from_master < 0)
		from_master = x->to_server;
	set_roles(&m, from_master);
	ics_emit(x, &m);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t total = c.left;

	while (c.left) {
		struct tp_cursor at = c;
		uint8_t start = tp_u8(&at);
		uint8_t len = tp_u8(&at);

		if (start != APCI_START) {
			tp_skip(&c, 1);		/* noise */
			continue;
		}
		if (at.short_read)
			return total - c.left;	/* a start octet, its length next time */
		if (len < APDU_MIN || len > APDU_MAX) {
			tp_skip(&c, 1);
			continue;
		}
		if (at.left < len)
			return total - c.left;	/* the APDU continues */
		tp_skip(&c, 2);
		apdu(x, tp_sub(&c, len));
	}
	return total;
}

static const char *const type_names[128] = {
	/* monitor direction (IEC 60870-5-101 table 8) */
	[1] = "single_point",			/* M_SP_NA_1 */
	[2] = "single_point_time24",		/* M_SP_TA_1 */
	[3] = "double_point",			/* M_DP_NA_1 */
	[4] = "double_point_time24",		/* M_DP_TA_1 */
	[5] = "step_position",			/* M_ST_NA_1 */
	[6] = "step_position_time24",		/* M_ST_TA_1 */
	[7] = "bitstring32",			/* M_BO_NA_1 */
	[8] = "bitstring32_time24",		/* M_BO_TA_1 */
	[9] = "measured_normalized",		/* M_ME_NA_1 */
	[10] = "measured_normalized_time24",	/* M_ME_TA_1 */
	[11] = "measured_scaled",		/* M_ME_NB_1 */
	[12] = "measured_scaled_time24",	/* M_ME_TB_1 */
	[13] = "measured_float",		/* M_ME_NC_1 */
	[14] = "measured_float_time24",		/* M_ME_TC_1 */
	[15] = "integrated_totals",		/* M_IT_NA_1 */
	[16] = "integrated_totals_time24",	/* M_IT_TA_1 */
	[17] = "protection_event_time24",	/* M_EP_TA_1 */
	[18] = "protection_start_events_time24",	/* M_EP_TB_1 */
	[19] = "protection_output_circuit_time24",	/* M_EP_TC_1 */
	[20] = "packed_single_points",		/* M_PS_NA_1 */
	[21] = "measured_normalized_no_quality",	/* M_ME_ND_1 */
	[30] = "single_point_time56",		/* M_SP_TB_1 */
	[31] = "double_point_time56",		/* M_DP_TB_1 */
	[32] = "step_position_time56",		/* M_ST_TB_1 */
	[33] = "bitstring32_time56",		/* M_BO_TB_1 */
	[34] = "measured_normalized_time56",	/* M_ME_TD_1 */
	[35] = "measured_scaled_time56",	/* M_ME_TE_1 */
	[36] = "measured_float_time56",		/* M_ME_TF_1 */
	[37] = "integrated_totals_time56",	/* M_IT_TB_1 */
	[38] = "protection_event_time56",	/* M_EP_TD_1 */
	[39] = "protection_start_events_time56",	/* M_EP_TE_1 */
	[40] = "protection_output_circuit_time56",	/* M_EP_TF_1 */
	/* control direction (table 9) */
	[45] = "single_command",		/* C_SC_NA_1 */
	[46] = "double_command",		/* C_DC_NA_1 */
	[47] = "regulating_step_command",	/* C_RC_NA_1 */
	[48] = "setpoint_normalized",		/* C_SE_NA_1 */
	[49] = "setpoint_scaled",		/* C_SE_NB_1 */
	[50] = "setpoint_float",		/* C_SE_NC_1 */
	[51] = "bitstring32_command",		/* C_BO_NA_1 */
	[58] = "single_command_time56",		/* C_SC_TA_1 */
	[59] = "double_command_time56",		/* C_DC_TA_1 */
	[60] = "regulating_step_command_time56",	/* C_RC_TA_1 */
	[61] = "setpoint_normalized_time56",	/* C_SE_TA_1 */
	[62] = "setpoint_scaled_time56",	/* C_SE_TB_1 */
	[63] = "setpoint_float_time56",		/* C_SE_TC_1 */
	[64] = "bitstring32_command_time56",	/* C_BO_TA_1 */
	/* system information (tables 10, 11) */
	[70] = "end_of_initialization",		/* M_EI_NA_1 */
	[100] = "interrogation",		/* C_IC_NA_1 */
	[101] = "counter_interrogation",	/* C_CI_NA_1 */
	[102] = "read",				/* C_RD_NA_1 */
	[103] = "clock_sync",			/* C_CS_NA_1 */
	[104] = "test",				/* C_TS_NA_1 */
	[105] = "reset_process",		/* C_RP_NA_1 */
	[106] = "delay_acquisition",		/* C_CD_NA_1 */
	[107] = "test_time56",			/* C_TS_TA_1 */
	/* parameters (table 12) */
	[110] = "parameter_normalized",		/* P_ME_NA_1 */
	[111] = "parameter_scaled",		/* P_ME_NB_1 */
	[112] = "parameter_float",		/* P_ME_NC_1 */
	[113] = "parameter_activation",		/* P_AC_NA_1 */
	/* file transfer (table 13) */
	[120] = "file_ready",			/* F_FR_NA_1 */
	[121] = "section_ready",		/* F_SR_NA_1 */
	[122] = "call_directory_select_file",	/* F_SC_NA_1 */
	[123] = "last_section",			/* F_LS_NA_1 */
	[124] = "ack_file",			/* F_AF_NA_1 */
	[125] = "segment",			/* F_SG_NA_1 */
	[126] = "directory",			/* F_DR_TA_1 */
	[127] = "query_log",			/* F_SC_NB_1 */
};

/* U format, by function bit (control 1 >> 2). */
static const char *const u_names[6] = {
	"startdt_act", "startdt_con", "stopdt_act", "stopdt_con", "testfr_act", "testfr_con",
};

static const char *function_name(uint8_t proto, uint16_t function)
{
	if (proto != ICS_IEC104)
		return NULL;
	if (function == FN_S)
		return "s_format_ack";
	for (unsigned i = 0; i < sizeof u_names / sizeof u_names[0]; i++)
		if (function == (FN_U | 1u << i))
			return u_names[i];
	return function < sizeof type_names / sizeof type_names[0] ? type_names[function] : NULL;
}

/* A chain of well-formed APDUs filling the payload: U with one function,
 * S, or I with a known type, objects and a cause in 1..47. */
static bool detect(const uint8_t *p, uint32_t len, bool tcp)
{
	struct tp_cursor c = tp_cursor_make(p, len);

	if (!tcp || !len)
		return false;
	while (c.left) {
		uint8_t start = tp_u8(&c);
		uint8_t n = tp_u8(&c);
		struct tp_cursor a = tp_sub(&c, n);
		uint8_t c1 = tp_u8(&a), c2 = tp_u8(&a), c3 = tp_u8(&a), c4 = tp_u8(&a);
		uint8_t type = tp_u8(&a), vsq = tp_u8(&a), cause = tp_u8(&a) & COT_CAUSE;
		uint8_t bits = c1 >> 2;

		if (c.short_read || start != APCI_START || n < APDU_MIN || n > APDU_MAX || (c3 & 1))
			return false;
		if (!(c1 & 1)) {
			if (n < APDU_MIN + DUI_LEN || !function_name(ICS_IEC104, type) ||
			    !(vsq & 0x7f) || !cause || cause > COT_UNKNOWN_IOA)
				return false;
		} else if (n != APDU_MIN || c2 || ((c1 & 3) == 3 ? c3 || c4 || !bits ||
							       (bits & (bits - 1)) : c1 != 1)) {
			return false;
		}
	}
	return true;
}

const struct ics_dissector ics_iec104 = {
	.name = "iec104",
	.proto = ICS_IEC104,
	.tcp_ports = { 2404 },
	.detect = detect,
	.dissect = dissect,
	.function_name = function_name,
};
