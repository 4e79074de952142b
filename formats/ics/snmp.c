/*
 * snmp.c - SNMP v1, v2c and v3 messages (UDP 161 agent, 162 notification
 * receiver): one message per datagram, and the agent's sysDescr.0 and
 * sysName.0 from its responses.
 *
 * References: RFC 1157 section 4 (v1 Message, PDUs, Trap-PDU); RFC 3416
 * section 3 (the PDUs of v2: GetBulkRequest, InformRequest, SNMPv2-Trap,
 * Report) and 4.2 (who sends them); RFC 3417 section 8 (BER, definite
 * lengths only); RFC 3412 section 6 (the v3 message: msgGlobalData,
 * msgSecurityParameters, ScopedPduData); RFC 3418 section 2 (sysDescr
 * 1.3.6.1.2.1.1.1, sysName 1.3.6.1.2.1.1.5).  BER: X.690 (see ber.h).
 *
 *   Message ::= SEQUENCE { version INTEGER (0 v1, 1 v2c), community
 *                          OCTET STRING, data PDUs }
 *   PDU     ::= [0..3, 5..8] IMPLICIT SEQUENCE { request-id, error-status
 *               (GetBulk: non-repeaters), error-index (GetBulk:
 *               max-repetitions), variable-bindings SEQUENCE OF
 *               SEQUENCE { name OID, value } }
 *   Trap-PDU ::= [4] IMPLICIT SEQUENCE { enterprise OID, agent-addr,
 *               generic-trap, specific-trap, time-stamp, variable-bindings }
 *   SNMPv3Message ::= SEQUENCE { msgVersion INTEGER (3), msgGlobalData
 *               SEQUENCE { msgID, msgMaxSize, msgFlags, msgSecurityModel },
 *               msgSecurityParameters OCTET STRING, msgData CHOICE {
 *               plaintext SEQUENCE { contextEngineID, contextName, data
 *               PDUs }, encryptedPDU OCTET STRING } }
 *
 * function: the PDU's context tag number, as tshark's snmp.data: 0
 * get_request, 1 get_next_request, 2 response, 3 set_request, 4 trap (v1),
 * 5 get_bulk_request, 6 inform_request, 7 snmpv2_trap, 8 report; 0x100
 * encrypted_pdu for a v3 message whose PDU is encrypted.
 *
 * Roles (RFC 3416 4.2, RFC 3413): the agent (command responder,
 * notification originator) is the server, the manager the client.
 * Requests go client to server (get*: READ, set: WRITE); responses and
 * reports server to client, except a response sent from port 162, which
 * answers an inform at the manager (client to server); traps (kind
 * UNSOLICITED) and informs (kind REQUEST: they are confirmed) go from the
 * agent to the manager.  An encrypted v3 PDU (kind OTHER) takes its roles
 * from the ports.  exception: a response's error-status is not 0.
 * transaction: request-id (v1, v2c), msgID (v3).
 *
 * The community is never reported.  v3 messages are counted, their
 * variable bindings are not read.  A message is reported when the PDU's
 * header fields are whole (request-id, error-status, error-index; for a
 * v1 trap nothing more than its tag); variable bindings are read as far as
 * they are whole.
 */
#include "formats/ics/ber.h"
#include "formats/ics/ics.h"

#define SNMP_PORT	161
#define SNMP_TRAP_PORT	162

enum snmp_pdu {
	SNMP_GET, SNMP_GET_NEXT, SNMP_RESPONSE, SNMP_SET, SNMP_TRAP_V1, SNMP_GET_BULK,
	SNMP_INFORM, SNMP_TRAP_V2, SNMP_REPORT, SNMP_PDU_COUNT,
	SNMP_ENCRYPTED = 0x100
};

/* system group objects, instance 0 (RFC 3418), as BER OID contents. */
static const uint8_t oid_sys_descr[] = { 0x2b, 6, 1, 2, 1, 1, 1, 0 };
static const uint8_t oid_sys_name[] = { 0x2b, 6, 1, 2, 1, 1, 5, 0 };

/* Reads the next TLV and says whether it is a whole one of cls/tag. */
static bool read_is(struct tp_cursor *c, struct ber_tlv *t, unsigned cls, uint32_t tag)
{
	return ber_read(c, t) && ber_is(t, cls, tag);
}

static bool read_int(struct tp_cursor *c, int64_t *v)
{
	struct ber_tlv t;

	return read_is(c, &t, BER_UNIVERSAL, BER_INTEGER) && ber_int(&t, v);
}

/* sysDescr.0 and sysName.0 in the variable bindings of a response. */
static void read_varbinds(const struct ics_ctx *x, struct tp_cursor c)
{
	struct ber_tlv list, vb, name, value;

	if (!ber_read(&c, &list) || list.cls != BER_UNIVERSAL || list.tag != BER_SEQUENCE ||
	    !list.constructed)
		return;
	while (list.val.left && ber_read(&list.val, &vb)) {
		struct tp_cursor v = vb.val;
		enum ics_field f;

		if (vb.cls != BER_UNIVERSAL || vb.tag != BER_SEQUENCE || !vb.constructed ||
		    !read_is(&v, &name, BER_UNIVERSAL, BER_OID) ||
		    !read_is(&v, &value, BER_UNIVERSAL, BER_OCTET_STRING) || !value.len)
			continue;
		if (ber_equals(&name, oid_sys_descr, sizeof oid_sys_descr))
			f = ICS_F_SYSDESCR;
		else if (ber_equals(&name, oid_sys_name, sizeof oid_sys_name))
			f = ICS_F_NAME;
		else
			continue;
		ics_ident_bytes(x, ICS_SNMP, f, ber_bytes(&value), value.len);
	}
}

/* Kind, roles and actions of a PDU type. */
static void classify(const struct ics_ctx *x, struct ics_msg *m)
{
	bool from_trap_port = x->pkt->sport == SNMP_TRAP_PORT;

	m->sender_role = ICS_ROLE_CLIENT;
	m->receiver_role = ICS_ROLE_SERVER;
	switch (m->function) {
	case SNMP_GET:
	case SNMP_GET_NEXT:
	case SNMP_GET_BULK:
		m->kind = ICS_KIND_REQUEST;
		m->actions = ICS_ACT_READ;
		return;
	case SNMP_SET:
		m->kind = ICS_KIND_REQUEST;
		m->actions = ICS_ACT_WRITE;
		return;
	case SNMP_RESPONSE:
	case SNMP_REPORT:
		m->kind = ICS_KIND_RESPONSE;
		if (from_trap_port)
			return;
		break;
	case SNMP_TRAP_V1:
	case SNMP_TRAP_V2:
		m->kind = ICS_KIND_UNSOLICITED;
		break;
	case SNMP_INFORM:
		m->kind = ICS_KIND_REQUEST;
		break;
	default:	/* encrypted: by the ports */
		m->kind = ICS_KIND_OTHER;
		if (x->pkt->dport == SNMP_PORT || from_trap_port)
			return;
		if (x->pkt->sport != SNMP_PORT && x->pkt->dport != SNMP_TRAP_PORT) {
			m->sender_role = m->receiver_role = ICS_ROLE_NONE;
			return;
		}
		break;
	}
	m->sender_role = ICS_ROLE_SERVER;
	m->receiver_role = ICS_ROLE_CLIENT;
}

/*
 * The PDU at c: fills m and returns true when its header is whole; the
 * variable bindings of a response are read when identities is set.
 */
static bool read_pdu(const struct ics_ctx *x, struct tp_cursor *c, struct ics_msg *m,
		     bool identities)
{
	struct ber_tlv pdu;
	struct tp_cursor p;
	int64_t id, status, index;

	if (!ber_read(c, &pdu) || pdu.cls != BER_CONTEXT || !pdu.constructed ||
	    pdu.tag >= SNMP_PDU_COUNT)
		return false;
	m->function = (uint16_t)pdu.tag;
	if (pdu.tag == SNMP_TRAP_V1)
		return true;
	p = pdu.val;
	if (!read_int(&p, &id) || !read_int(&p, &status) || !read_int(&p, &index))
		return false;
	if (!m->has_transaction) {
		m->has_transaction = true;
		m->transaction = (uint32_t)id;
	}
	m->exception = pdu.tag == SNMP_RESPONSE && status != 0;
	if (identities && pdu.tag == SNMP_RESPONSE)
		read_varbinds(x, p);
	return true;
}

/* SNMPv3 (RFC 3412 6): msgID, and the PDU type when it is in clear. */
static bool read_v3(const struct ics_ctx *x, struct tp_cursor *c, struct ics_msg *m)
{
	struct ber_tlv global, params, data, skip;
	struct tp_cursor g;
	int64_t msg_id;

	if (!ber_read(c, &global) || global.cls != BER_UNIVERSAL || global.tag != BER_SEQUENCE ||
	    !global.constructed)
		return false;
	g = global.val;
	if (!read_int(&g, &msg_id) || !read_is(c, &params, BER_UNIVERSAL, BER_OCTET_STRING) ||
	    !ber_read(c, &data))
		return false;
	m->has_transaction = true;
	m->transaction = (uint32_t)msg_id;
	if (data.cls != BER_UNIVERSAL)
		return false;
	if (data.tag == BER_OCTET_STRING && !data.constructed) {
		m->function = SNMP_ENCRYPTED;
		return true;
	}
	if (data.tag != BER_SEQUENCE || !data.constructed ||
	    !read_is(&data.val, &skip, BER_UNIVERSAL, BER_OCTET_STRING) ||	/* engine id */
	    !read_is(&data.val, &skip, BER_UNIVERSAL, BER_OCTET_STRING))	/* context name */
		return false;
	return read_pdu(x, &data.val, m, false);
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t all = c.left;
	struct ics_msg m = { .proto = ICS_SNMP };
	struct ber_tlv msg, community;
	struct tp_cursor b;
	int64_t version;
	bool ok;

	if (!ber_read(&c, &msg) || msg.cls != BER_UNIVERSAL || msg.tag != BER_SEQUENCE ||
	    !msg.constructed)
		return all;
	b = msg.val;
	if (!read_int(&b, &version))
		return all;
	if (version == 0 || version == 1)
		ok = read_is(&b, &community, BER_UNIVERSAL, BER_OCTET_STRING) &&
		     read_pdu(x, &b, &m, true);
	else if (version == 3)
		ok = read_v3(x, &b, &m);
	else
		ok = false;	/* 2: the never-deployed v2u/v2* */
	if (!ok)
		return all;
	classify(x, &m);
	ics_emit(x, &m);
	return all;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	static const char *const names[SNMP_PDU_COUNT] = {
		"get_request",	    "get_next_request", "response",	  "set_request",
		"trap",		    "get_bulk_request", "inform_request", "snmpv2_trap",
		"report",
	};

	if (proto != ICS_SNMP)
		return NULL;
	if (function == SNMP_ENCRYPTED)
		return "encrypted_pdu";
	return function < SNMP_PDU_COUNT ? names[function] : NULL;
}

const struct ics_dissector ics_snmp = {
	.name = "snmp",
	.proto = ICS_SNMP,
	.udp_ports = { SNMP_PORT, SNMP_TRAP_PORT },
	.dissect = dissect,
	.function_name = function_name,
};
