/*
 * opcua.c - OPC UA binary (UA TCP / UA Secure Conversation): one message per
 * OPC UA message, the server's endpoint URL, security policy and mode,
 * product URI and application name.
 *
 * References (OPC 10000 v1.05 numbering):
 *   OPC 10000-6 (Part 6, Mappings)
 *     5.2.2.4 String and ByteString, 5.2.2.9 NodeId, 5.2.2.12 DiagnosticInfo,
 *     5.2.2.14 LocalizedText, 5.2.2.15 ExtensionObject, 5.2.5 arrays (all
 *     little-endian; a length of -1 is null);
 *     6.7.2.2 message header, 6.7.2.3 security headers (asymmetric for OPN,
 *     symmetric for MSG and CLO), 6.7.2.4 sequence header, 6.7.3 chunks
 *     (IsFinal C, F and A = abort), 6.7.4 OpenSecureChannel;
 *     7.1.2 UA Connection Protocol: 7.1.2.3 Hello, 7.1.2.4 Acknowledge,
 *     7.1.2.5 Error, 7.1.2.6 ReverseHello.
 *   OPC 10000-4 (Part 4, Services)
 *     5.5.4 GetEndpoints, 5.6.2 OpenSecureChannel, 5.7.2 CreateSession;
 *     7.2 ApplicationDescription, 7.14 EndpointDescription,
 *     7.20 MessageSecurityMode, 7.33 RequestHeader, 7.34 ResponseHeader,
 *     7.42 UserTokenPolicy; the service encoding ids are the
 *     *_Encoding_DefaultBinary NodeIds of the standard NodeSet.
 *
 *   chunk  | type[3] | IsFinal | MessageSize le32 (whole chunk) | body |
 *   HEL    | version | recv buf | send buf | max msg | max chunks | EndpointUrl |
 *   OPN    | channel | policy URI | sender cert | receiver thumbprint |
 *            sequence no | request id | service NodeId | request/response |
 *   MSG/CLO| channel | token id | sequence no | request id | NodeId | ... |
 *            (from the sequence header on, encrypted under SignAndEncrypt;
 *             OPN from its sequence header on, under any policy but None)
 *
 * function:
 *   MSG chunks: the numeric id of the service's encoding NodeId (631
 *     ReadRequest, 634 ReadResponse, 397 ServiceFault...); 0 when the body
 *     is encrypted or its NodeId is not a namespace-0 service encoding.
 *   the other message types: 0xF001 HEL, 0xF002 ACK, 0xF003 ERR, 0xF004 RHE,
 *     0xF005 OPN (request and response), 0xF006 CLO.
 *
 * Chunks: one message per OPC UA message.  The intermediate chunks ('C')
 * of a message are kept (dissect() returns where they start) until its
 * final chunk ('F', or 'A' for an aborted message, reported as an
 * exception) arrives, and the message is reported with the service of its
 * first chunk.  A message whose chunks exceed HOLD_MAX is not kept: its
 * intermediate chunks are passed over silently and its final chunk is
 * reported on its own (function 0, most likely, as its body does not start
 * with a NodeId).
 *
 * Encryption is told by content: a MSG body whose NodeId is a known service
 * is plain (SecurityMode None or Sign); anything else is counted with
 * function 0, its kind from the direction, and no request id.
 *
 * Identities:
 *   HEL EndpointUrl, GetEndpoints and CreateSession requests' EndpointUrl:
 *     ICS_F_ENDPOINT of the receiver (the server);
 *   ReverseHello EndpointUrl: ICS_F_ENDPOINT of the sender (the server);
 *   OPN request: ICS_F_SECURITY of the receiver: the client chooses the
 *     policy for this server and the server runs the channel with it.  The
 *     value is the policy URI as sent, followed by a space and the mode name
 *     ("None", "Sign", "SignAndEncrypt", "Invalid" or a number) when the
 *     body can be read (policy None).  OPN responses repeat the policy and
 *     report none (a request the server refuses is answered with ERR);
 *   GetEndpoints and CreateSession responses, per EndpointDescription:
 *     ICS_F_ENDPOINT (EndpointUrl), ICS_F_SECURITY ("<policy URI> <mode>"),
 *     ICS_F_PRODUCT (server ProductUri), ICS_F_NAME (server ApplicationName
 *     text), all of the sender; a value equal to the previous endpoint's is
 *     not repeated;
 *   CreateSession request: ICS_F_PRODUCT and ICS_F_NAME of the client
 *     (sender) from its ClientDescription.
 *   Null and empty strings are no facts and are not reported.  Service
 *   bodies are read only in messages of one chunk: a chunk of a longer
 *   message ends in its signature and padding, not in the next field.
 *
 * Actions (requests only): ReadRequest, HistoryReadRequest: read;
 * WriteRequest, HistoryUpdateRequest, Add/DeleteNodes, Add/DeleteReferences:
 * write; CallRequest: control (a method may do anything).
 */
#include "formats/ics/ics.h"

#include <stdio.h>
#include <string.h>

enum {
	FN_HEL = 0xF001,
	FN_ACK,
	FN_ERR,
	FN_RHE,
	FN_OPN,
	FN_CLO,
};

#define HOLD_MAX	(128u * 1024u)	/* chunks of one message kept together, at most
					 * (the caller keeps up to 256 KiB) */
#define CHUNK_MAX	(16u * 1024u * 1024u)	/* a larger MessageSize is not OPC UA */
#define DIAG_DEPTH	16	/* nested DiagnosticInfos followed */
#define POLICY_NONE	"http://opcfoundation.org/UA/SecurityPolicy#None"
#define HEADER_LEN	8

/* Message types: name, function, smallest chunk. */
static const struct {
	char name[3];
	uint16_t function;
	uint8_t min;
} types[] = {
	{ { 'H', 'E', 'L' }, FN_HEL, 32 },	/* header, 5 UInt32, EndpointUrl */
	{ { 'A', 'C', 'K' }, FN_ACK, 28 },	/* header, 5 UInt32 */
	{ { 'E', 'R', 'R' }, FN_ERR, 16 },	/* header, Error, Reason */
	{ { 'R', 'H', 'E' }, FN_RHE, 16 },	/* header, ServerUri, EndpointUrl */
	{ { 'O', 'P', 'N' }, FN_OPN, 32 },	/* header, channel, 3 strings, sequence */
	{ { 'C', 'L', 'O' }, FN_CLO, 24 },	/* header, channel, token, sequence */
	{ { 'M', 'S', 'G' }, 0, 24 },
};

enum { T_HEL, T_ACK, T_ERR, T_RHE, T_OPN, T_CLO, T_MSG, T_COUNT };

/* Services: the request and response encoding ids, names, request actions. */
struct service {
	uint16_t request, response;
	const char *request_name, *response_name;
	uint8_t actions;
};

static const struct service services[] = {
	{ 410, 413, "test_stack_request", "test_stack_response", 0 },
	{ 416, 419, "test_stack_ex_request", "test_stack_ex_response", 0 },
	{ 422, 425, "find_servers_request", "find_servers_response", 0 },
	{ 428, 431, "get_endpoints_request", "get_endpoints_response", 0 },
	{ 437, 440, "register_server_request", "register_server_response", 0 },
	{ 446, 449, "open_secure_channel_request", "open_secure_channel_response", 0 },
	{ 452, 455, "close_secure_channel_request", "close_secure_channel_response", 0 },
	{ 461, 464, "create_session_request", "create_session_response", 0 },
	{ 467, 470, "activate_session_request", "activate_session_response", 0 },
	{ 473, 476, "close_session_request", "close_session_response", 0 },
	{ 479, 482, "cancel_request", "cancel_response", 0 },
	{ 488, 491, "add_nodes_request", "add_nodes_response", ICS_ACT_WRITE },
	{ 494, 497, "add_references_request", "add_references_response", ICS_ACT_WRITE },
	{ 500, 503, "delete_nodes_request", "delete_nodes_response", ICS_ACT_WRITE },
	{ 506, 509, "delete_references_request", "delete_references_response", ICS_ACT_WRITE },
	{ 527, 530, "browse_request", "browse_response", 0 },
	{ 533, 536, "browse_next_request", "browse_next_response", 0 },
	{ 554, 557, "translate_browse_paths_to_node_ids_request",
	  "translate_browse_paths_to_node_ids_response", 0 },
	{ 560, 563, "register_nodes_request", "register_nodes_response", 0 },
	{ 566, 569, "unregister_nodes_request", "unregister_nodes_response", 0 },
	{ 615, 618, "query_first_request", "query_first_response", 0 },
	{ 621, 624, "query_next_request", "query_next_response", 0 },
	{ 631, 634, "read_request", "read_response", ICS_ACT_READ },
	{ 664, 667, "history_read_request", "history_read_response", ICS_ACT_READ },
	{ 673, 676, "write_request", "write_response", ICS_ACT_WRITE },
	{ 700, 703, "history_update_request", "history_update_response", ICS_ACT_WRITE },
	{ 712, 715, "call_request", "call_response", ICS_ACT_CONTROL },
	{ 751, 754, "create_monitored_items_request", "create_monitored_items_response", 0 },
	{ 763, 766, "modify_monitored_items_request", "modify_monitored_items_response", 0 },
	{ 769, 772, "set_monitoring_mode_request", "set_monitoring_mode_response", 0 },
	{ 775, 778, "set_triggering_request", "set_triggering_response", 0 },
	{ 781, 784, "delete_monitored_items_request", "delete_monitored_items_response", 0 },
	{ 787, 790, "create_subscription_request", "create_subscription_response", 0 },
	{ 793, 796, "modify_subscription_request", "modify_subscription_response", 0 },
	{ 799, 802, "set_publishing_mode_request", "set_publishing_mode_response", 0 },
	{ 826, 829, "publish_request", "publish_response", 0 },
	{ 832, 835, "republish_request", "republish_response", 0 },
	{ 841, 844, "transfer_subscriptions_request", "transfer_subscriptions_response", 0 },
	{ 847, 850, "delete_subscriptions_request", "delete_subscriptions_response", 0 },
	{ 12208, 12209, "find_servers_on_network_request", "find_servers_on_network_response",
	  0 },
	{ 12211, 12212, "register_server2_request", "register_server2_response", 0 },
};

#define ID_SERVICE_FAULT	397
#define ID_GET_ENDPOINTS_REQ	428
#define ID_GET_ENDPOINTS_RSP	431
#define ID_OPN_REQ		446
#define ID_OPN_RSP		449
#define ID_CREATE_SESSION_REQ	461
#define ID_CREATE_SESSION_RSP	464

/* The service of an encoding id; *response says which side it is. */
static const struct service *service_of(uint32_t id, bool *response)
{
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
		if (services[i].request == id || services[i].response == id) {
			*response = services[i].response == id;
			return &services[i];
		}
	}
	return NULL;
}

static bool known_id(uint32_t id)
{
	bool response;

	return id == ID_SERVICE_FAULT || service_of(id, &response);
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	static const char *const fixed[] = {
		"hello", "acknowledge", "error", "reverse_hello", "open_secure_channel",
		"close_secure_channel",
	};
	const struct service *s;
	bool response;

	if (proto != ICS_OPCUA)
		return NULL;
	if (function >= FN_HEL && function <= FN_CLO)
		return fixed[function - FN_HEL];
	if (function == ID_SERVICE_FAULT)
		return "service_fault";
	s = service_of(function, &response);
	return s ? (response ? s->response_name : s->request_name) : NULL;
}

/* ---- built-in types (Part 6 5.2) ---- */

static void fail(struct tp_cursor *c)
{
	c->short_read = true;
	c->left = 0;
}

/* String or ByteString: the bytes, or NULL for null, empty or bad (a bad
 * length marks the cursor). */
static const uint8_t *ua_string(struct tp_cursor *c, uint32_t *len)
{
	int32_t n = (int32_t)tp_le32(c);
	const uint8_t *p;

	*len = 0;
	if (c->short_read || n == -1)
		return NULL;
	if (n < 0) {
		fail(c);
		return NULL;
	}
	p = tp_take(c, (uint32_t)n);
	if (p)
		*len = (uint32_t)n;
	return n ? p : NULL;
}

static void skip_string(struct tp_cursor *c)
{
	uint32_t len;

	ua_string(c, &len);
}

/* An array's length: -1 (null) reads as 0; other negatives are bad. */
static uint32_t ua_array(struct tp_cursor *c)
{
	int32_t n = (int32_t)tp_le32(c);

	if (n < -1)
		fail(c);
	return n < 0 || c->short_read ? 0 : (uint32_t)n;
}

static void skip_strings(struct tp_cursor *c)
{
	for (uint32_t n = ua_array(c); n && c->left; n--)
		skip_string(c);
}

/* NodeId (5.2.2.9), or ExpandedNodeId (5.2.2.10) when expanded. */
static void skip_nodeid(struct tp_cursor *c, bool expanded)
{
	uint8_t e = tp_u8(c);

	if (!expanded && (e & 0xc0))
		fail(c);
	switch (e & 0x3f) {
	case 0x00:
		tp_skip(c, 1);
		break;
	case 0x01:
		tp_skip(c, 3);
		break;
	case 0x02:
		tp_skip(c, 6);
		break;
	case 0x03:
	case 0x05:
		tp_skip(c, 2);
		skip_string(c);
		break;
	case 0x04:
		tp_skip(c, 18);
		break;
	default:
		fail(c);
		return;
	}
	if (e & 0x80)
		skip_string(c);		/* NamespaceUri */
	if (e & 0x40)
		tp_skip(c, 4);		/* ServerIndex */
}

/* The numeric id of a namespace-0 numeric NodeId (the service's type id),
 * or 0. */
static uint32_t numeric_nodeid(struct tp_cursor *c)
{
	switch (tp_u8(c)) {
	case 0x00:
		return tp_u8(c);
	case 0x01:
		return tp_u8(c) == 0 ? tp_le16(c) : 0;
	case 0x02:
		return tp_le16(c) == 0 ? tp_le32(c) : 0;
	default:
		return 0;
	}
}

/* DiagnosticInfo (5.2.2.12); the inner ones are followed, DIAG_DEPTH deep. */
static void skip_diagnostic(struct tp_cursor *c)
{
	for (int depth = 0; depth < DIAG_DEPTH; depth++) {
		uint8_t mask = tp_u8(c);

		for (int bit = 0; bit < 4; bit++)	/* SymbolicId, NamespaceUri, */
			if (mask & (1u << bit))		/* LocalizedText, Locale */
				tp_skip(c, 4);
		if (mask & 0x10)
			skip_string(c);			/* AdditionalInfo */
		if (mask & 0x20)
			tp_skip(c, 4);			/* InnerStatusCode */
		if (!(mask & 0x40) || c->short_read)
			return;
	}
	fail(c);
}

/* ExtensionObject (5.2.2.15). */
static void skip_extension(struct tp_cursor *c)
{
	uint8_t body;

	skip_nodeid(c, false);
	body = tp_u8(c);
	if (body == 1 || body == 2)
		skip_string(c);
	else if (body)
		fail(c);
}

/* RequestHeader (Part 4 7.33). */
static void skip_request_header(struct tp_cursor *c)
{
	skip_nodeid(c, false);		/* authenticationToken */
	tp_skip(c, 16);			/* timestamp, requestHandle, returnDiagnostics */
	skip_string(c);			/* auditEntryId */
	tp_skip(c, 4);			/* timeoutHint */
	skip_extension(c);		/* additionalHeader */
}

/* ResponseHeader (Part 4 7.34); returns the serviceResult. */
static uint32_t response_header(struct tp_cursor *c)
{
	uint32_t result;

	tp_skip(c, 12);			/* timestamp, requestHandle */
	result = tp_le32(c);
	skip_diagnostic(c);
	skip_strings(c);		/* stringTable */
	skip_extension(c);
	return result;
}

/* ---- identities ---- */

struct value {
	const uint8_t *p;
	uint32_t len;
};

static void ident(const struct ics_ctx *x, enum ics_field f, enum ics_subject who,
		  const uint8_t *v, uint32_t len)
{
	struct ics_ident id = { .proto = ICS_OPCUA, .field = (uint8_t)f, .subject = (uint8_t)who,
				.value = v, .len = len };

	if (v && len)
		ics_ident(x, &id);
}

/* ... unless it equals the previous value; prev becomes this one. */
static void ident_new(const struct ics_ctx *x, enum ics_field f, struct value *prev,
		      const uint8_t *v, uint32_t len)
{
	if (v && len && !(prev->len == len && memcmp(prev->p, v, len) == 0))
		ident(x, f, ICS_SUBJECT_SENDER, v, len);
	prev->p = v;
	prev->len = len;
}

/* "<policy URI> <mode>" (the URI alone when mode < 0). */
static void security(const struct ics_ctx *x, enum ics_subject who, const uint8_t *policy,
		     uint32_t len, int64_t mode)
{
	static const char *const modes[] = { "Invalid", "None", "Sign", "SignAndEncrypt" };
	char buf[320], num[16];
	const char *name = num;
	size_t n = len;

	if (!policy || !len)
		return;
	if (mode >= 0 && len <= sizeof buf - sizeof num - 1) {
		if (mode < 4)
			name = modes[mode];
		else
			snprintf(num, sizeof num, "%u", (unsigned)mode);
		memcpy(buf, policy, len);
		buf[len] = ' ';
		memcpy(buf + len + 1, name, strlen(name));
		n = len + 1 + strlen(name);
		policy = (const uint8_t *)buf;
	}
	ident(x, ICS_F_SECURITY, who, policy, (uint32_t)n);
}

/* ApplicationDescription (Part 4 7.2): the product URI and the name. */
static void application(struct tp_cursor *c, struct value *product, struct value *name)
{
	uint8_t mask;

	skip_string(c);				/* applicationUri */
	product->p = ua_string(c, &product->len);
	mask = tp_u8(c);			/* applicationName: LocalizedText */
	if (mask & 0x01)
		skip_string(c);			/* locale */
	name->p = NULL;
	name->len = 0;
	if (mask & 0x02)
		name->p = ua_string(c, &name->len);
	tp_skip(c, 4);				/* applicationType */
	skip_string(c);				/* gatewayServerUri */
	skip_string(c);				/* discoveryProfileUri */
	skip_strings(c);			/* discoveryUrls */
}

/* EndpointDescription[] (Part 4 7.14) of the sender. */
static void endpoints(const struct ics_ctx *x, struct tp_cursor *c)
{
	struct value prev_url = { 0 }, prev_product = { 0 }, prev_name = { 0 }, prev_policy = { 0 };
	uint32_t prev_mode = 0;

	for (uint32_t n = ua_array(c); n && c->left; n--) {
		struct value url, product, name, policy;
		uint32_t mode;

		url.p = ua_string(c, &url.len);
		application(c, &product, &name);
		skip_string(c);				/* serverCertificate */
		mode = tp_le32(c);
		policy.p = ua_string(c, &policy.len);
		for (uint32_t t = ua_array(c); t && c->left; t--) {	/* UserTokenPolicy */
			skip_string(c);			/* policyId */
			tp_skip(c, 4);			/* tokenType */
			skip_string(c);			/* issuedTokenType */
			skip_string(c);			/* issuerEndpointUrl */
			skip_string(c);			/* securityPolicyUri */
		}
		skip_string(c);				/* transportProfileUri */
		tp_skip(c, 1);				/* securityLevel */
		if (c->short_read)
			return;
		ident_new(x, ICS_F_ENDPOINT, &prev_url, url.p, url.len);
		if (mode != prev_mode || policy.len != prev_policy.len ||
		    (policy.len && memcmp(policy.p, prev_policy.p, policy.len) != 0))
			security(x, ICS_SUBJECT_SENDER, policy.p, policy.len, mode);
		prev_policy = policy;
		prev_mode = mode;
		ident_new(x, ICS_F_PRODUCT, &prev_product, product.p, product.len);
		ident_new(x, ICS_F_NAME, &prev_name, name.p, name.len);
	}
}

/* The identities a service's body tells. */
static void service_identities(const struct ics_ctx *x, uint32_t id, struct tp_cursor b)
{
	struct value product, name, url;

	switch (id) {
	case ID_GET_ENDPOINTS_REQ:
		skip_request_header(&b);
		url.p = ua_string(&b, &url.len);
		if (!b.short_read)
			ident(x, ICS_F_ENDPOINT, ICS_SUBJECT_RECEIVER, url.p, url.len);
		break;
	case ID_GET_ENDPOINTS_RSP:
		response_header(&b);
		endpoints(x, &b);
		break;
	case ID_CREATE_SESSION_REQ:
		skip_request_header(&b);
		application(&b, &product, &name);
		skip_string(&b);			/* serverUri */
		url.p = ua_string(&b, &url.len);
		if (b.short_read)
			break;
		ident(x, ICS_F_PRODUCT, ICS_SUBJECT_SENDER, product.p, product.len);
		ident(x, ICS_F_NAME, ICS_SUBJECT_SENDER, name.p, name.len);
		ident(x, ICS_F_ENDPOINT, ICS_SUBJECT_RECEIVER, url.p, url.len);
		break;
	case ID_CREATE_SESSION_RSP:
		response_header(&b);
		skip_nodeid(&b, false);			/* sessionId */
		skip_nodeid(&b, false);			/* authenticationToken */
		tp_skip(&b, 8);				/* revisedSessionTimeout */
		skip_string(&b);			/* serverNonce */
		skip_string(&b);			/* serverCertificate */
		endpoints(x, &b);
		break;
	default:
		break;
	}
}

/* ---- messages ---- */

static struct ics_msg new_msg(uint16_t function)
{
	struct ics_msg m = { .proto = ICS_OPCUA, .function = function };

	return m;
}

static void set_kind(struct ics_msg *m, bool request)
{
	m->kind = request ? ICS_KIND_REQUEST : ICS_KIND_RESPONSE;
	m->sender_role = request ? ICS_ROLE_CLIENT : ICS_ROLE_SERVER;
	m->receiver_role = request ? ICS_ROLE_SERVER : ICS_ROLE_CLIENT;
}

/* Kind and roles from the direction, when the content does not tell. */
static void by_direction(const struct ics_ctx *x, struct ics_msg *m)
{
	if (x->to_server >= 0)
		set_kind(m, x->to_server == 1);
}

/* HEL, ACK, ERR, RHE (7.1.2). */
static void connection(const struct ics_ctx *x, int type, struct tp_cursor b)
{
	struct ics_msg m = new_msg(types[type].function);
	struct value url = { 0 };

	switch (type) {
	case T_HEL:
		set_kind(&m, true);
		tp_skip(&b, 20);
		url.p = ua_string(&b, &url.len);
		break;
	case T_ACK:
		set_kind(&m, false);
		break;
	case T_ERR:
		set_kind(&m, false);
		m.exception = true;
		break;
	default:	/* RHE: the server calls the client and announces itself */
		m.kind = ICS_KIND_ANNOUNCE;
		m.sender_role = ICS_ROLE_SERVER;
		m.receiver_role = ICS_ROLE_CLIENT;
		skip_string(&b);		/* ServerUri */
		url.p = ua_string(&b, &url.len);
		break;
	}
	ics_emit(x, &m);
	if (!b.short_read)
		ident(x, ICS_F_ENDPOINT, type == T_HEL ? ICS_SUBJECT_RECEIVER : ICS_SUBJECT_SENDER,
		      url.p, url.len);
}

/* OPN (6.7.2.3 asymmetric security header, 6.7.4). */
static void open_channel(const struct ics_ctx *x, struct tp_cursor b)
{
	struct ics_msg m = new_msg(FN_OPN);
	struct value policy;
	uint32_t channel = tp_le32(&b);
	int64_t mode = -1;
	bool plain;

	policy.p = ua_string(&b, &policy.len);
	skip_string(&b);			/* senderCertificate */
	skip_string(&b);			/* receiverCertificateThumbprint */
	plain = !b.short_read && policy.len == strlen(POLICY_NONE) &&
		memcmp(policy.p, POLICY_NONE, policy.len) == 0;
	if (plain) {
		uint32_t request_id, id;

		tp_skip(&b, 4);			/* sequenceNumber */
		request_id = tp_le32(&b);
		id = numeric_nodeid(&b);
		if (!b.short_read && (id == ID_OPN_REQ || id == ID_OPN_RSP)) {
			set_kind(&m, id == ID_OPN_REQ);
			m.has_transaction = true;
			m.transaction = request_id;
		}
		if (id == ID_OPN_REQ) {
			skip_request_header(&b);
			tp_skip(&b, 8);		/* clientProtocolVersion, requestType */
			mode = tp_le32(&b);
			if (b.short_read)
				mode = -1;
		}
	}
	if (!m.kind) {
		by_direction(x, &m);
		if (!m.kind && x->to_server < 0 && channel == 0)
			set_kind(&m, true);	/* a new channel has no id yet */
	}
	ics_emit(x, &m);
	if (m.kind == ICS_KIND_REQUEST && policy.p)
		security(x, ICS_SUBJECT_RECEIVER, policy.p, policy.len, mode);
}

/* MSG and CLO: b is the body of the message's first chunk; final is the
 * last chunk's IsFinal ('F' or 'A'); alone says the first chunk is the last
 * one too. */
static void secured(const struct ics_ctx *x, int type, struct tp_cursor b, uint8_t final,
		    bool alone)
{
	struct ics_msg m = new_msg(types[type].function);
	uint32_t request_id, id = 0;

	tp_skip(&b, 8);				/* secureChannelId, tokenId */
	tp_skip(&b, 4);				/* sequenceNumber */
	request_id = tp_le32(&b);
	if (!(alone && final == 'A'))		/* an abort chunk holds an error */
		id = numeric_nodeid(&b);
	if (b.short_read || !known_id(id))
		id = 0;
	if (type == T_MSG)
		m.function = (uint16_t)id;
	m.exception = final == 'A';
	if (id) {
		bool response = true;
		const struct service *s = service_of(id, &response);

		set_kind(&m, !response);
		m.has_transaction = true;
		m.transaction = request_id;
		if (response) {
			struct tp_cursor h = b;
			uint32_t result = response_header(&h);

			m.exception |= id == ID_SERVICE_FAULT || (!h.short_read && (result >> 31));
		} else {
			m.actions = s->actions;
		}
	} else if (type == T_CLO) {
		set_kind(&m, true);	/* only clients close channels */
	} else {
		by_direction(x, &m);
	}
	ics_emit(x, &m);
	/* A chunk of a longer message ends in its signature (and padding),
	 * not in the next field: only whole messages are read further. */
	if (id && final == 'F' && alone)
		service_identities(x, id, b);
}

/* ---- chunks ---- */

struct chunk {
	int type;
	uint8_t final;
	uint32_t size;
};

/* Reads the chunk header at c without moving it: 1 valid, 0 the bytes end
 * inside a header valid so far, -1 not OPC UA. */
static int peek_header(struct tp_cursor c, struct chunk *h)
{
	uint8_t name[3];
	uint32_t have = c.left < 3 ? c.left : 3;
	int type = -1;

	for (uint32_t i = 0; i < have; i++)
		name[i] = tp_u8(&c);
	for (int t = 0; t < T_COUNT && type < 0; t++)
		if (memcmp(types[t].name, name, have) == 0)
			type = t;
	if (type < 0)
		return -1;
	if (have < 3)
		return 0;
	if (!c.left)
		return 0;
	h->type = type;
	h->final = tp_u8(&c);
	if (h->final != 'F' && !(type == T_MSG && (h->final == 'C' || h->final == 'A')))
		return -1;
	if (c.left < 4)
		return 0;
	h->size = tp_le32(&c);
	return h->size >= types[type].min && h->size <= CHUNK_MAX ? 1 : -1;
}

/* The body of the chunk at c (header skipped), c moved past it. */
static struct tp_cursor take_chunk(struct tp_cursor *c, const struct chunk *h)
{
	struct tp_cursor body = tp_sub(c, h->size);

	tp_skip(&body, HEADER_LEN);
	return body;
}

static void report(const struct ics_ctx *x, const struct chunk *h, struct tp_cursor body,
		   uint8_t final, bool alone)
{
	if (h->type == T_OPN)
		open_channel(x, body);
	else if (h->type == T_MSG || h->type == T_CLO)
		secured(x, h->type, body, final, alone);
	else
		connection(x, h->type, body);
}

/*
 * A message of intermediate chunks starting at c: reported with its final
 * chunk; returns false when the bytes end before it (keep them), true when
 * c has moved on (past the message, or past intermediate chunks that have
 * no final chunk here).
 */
static bool chunked(const struct ics_ctx *x, struct tp_cursor *c)
{
	struct tp_cursor q = *c;
	struct chunk first, h;

	peek_header(q, &first);
	for (;;) {
		int r = q.left ? peek_header(q, &h) : 0;

		if (r == 0 || (r == 1 && h.size > q.left)) {
			if (c->left <= HOLD_MAX)
				return false;
			*c = q;		/* too long to keep: pass the whole chunks */
			return true;
		}
		if (r < 0 || h.type != T_MSG) {
			*c = q;		/* no final chunk: pass the intermediate ones */
			return true;
		}
		if (h.final != 'C')
			break;
		take_chunk(&q, &h);
	}
	report(x, &first, take_chunk(c, &first), h.final, false);
	*c = q;
	take_chunk(c, &h);
	return true;
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t total = c.left;

	while (c.left) {
		uint32_t at = total - c.left;
		struct chunk h;
		int r = peek_header(c, &h);

		if (r < 0)
			return total;			/* not OPC UA: nothing kept */
		if (r == 0)
			return at;			/* a header cut short */
		if (h.size > c.left) {
			if (h.size <= HOLD_MAX)
				return at;		/* the rest comes next */
			/* Too large to keep: what is here, then nothing more
			 * (an intermediate chunk is left to its final one). */
			if (h.final != 'C')
				report(x, &h, take_chunk(&c, &h), h.final, true);
			return total;
		}
		if (h.type == T_MSG && h.final == 'C') {
			if (!chunked(x, &c))
				return at;
			continue;
		}
		report(x, &h, take_chunk(&c, &h), h.final, true);
	}
	return total;
}

/*
 * Content test for a flow's first payload: a whole chunk (or whole chunks)
 * with a valid header; a Hello or ReverseHello whose strings fill it exactly.
 */
static bool detect(const uint8_t *p, uint32_t len, bool tcp)
{
	struct tp_cursor c = tp_cursor_make(p, len);
	struct chunk h, next;
	struct tp_cursor b;

	if (!tcp || peek_header(c, &h) != 1 || h.size > len)
		return false;
	b = take_chunk(&c, &h);
	if (h.type == T_HEL) {
		uint32_t recv, send;

		tp_skip(&b, 4);			/* protocolVersion */
		recv = tp_le32(&b);
		send = tp_le32(&b);
		tp_skip(&b, 8);
		skip_string(&b);
		return !b.short_read && !b.left && recv >= 8192 && send >= 8192;
	}
	if (h.type == T_RHE) {
		skip_string(&b);
		skip_string(&b);
		return !b.short_read && !b.left;
	}
	return !c.left || peek_header(c, &next) >= 0;
}

const struct ics_dissector ics_opcua = {
	.name = "opcua",
	.proto = ICS_OPCUA,
	.tcp_ports = { 4840 },
	.detect = detect,
	.dissect = dissect,
	.function_name = function_name,
};
