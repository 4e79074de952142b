/*
 * test_opcua.c - formats/ics/opcua.c: UA TCP and UA Secure Conversation
 * chunks (OPC 10000-6 6.7, 7.1), the TCP return contract and chunked
 * messages, service ids and their kinds, actions and faults, encrypted
 * bodies, the endpoint, security, product and name identities, detection;
 * and the corpus of real captures against tshark.
 *
 * Messages are spelled out field by field below (all little-endian, as
 * OPC 10000-6 5.2 says), never produced by the code under test.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

#define LE false

extern const struct ics_dissector ics_opcua;

TestSuite(opcua);

static const struct tp_packet TCP = { .ip_version = 4, .ip_proto = 6, .sport = 50000,
				      .dport = 4840 };

/* Function codes of the messages without a service (see opcua.c). */
enum { HEL = 0xF001, ACK, ERR, RHE, OPN, CLO };

#define POLICY_NONE	"http://opcfoundation.org/UA/SecurityPolicy#None"
#define POLICY_256	"http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256"
#define URL		"opc.tcp://plc1:4840"

/* ---- builders ---- */

/* Starts a chunk; chunk_end() writes its MessageSize. */
static size_t chunk(struct bytes *b, const char *type, char final)
{
	size_t at = b->len;

	bytes_put(b, type, 3);
	bytes_u8(b, (uint8_t)final);
	bytes_u32(b, 0, LE);
	return at;
}

static void chunk_end(struct bytes *b, size_t at)
{
	bytes_set_u32(b, at + 4, (uint32_t)(b->len - at), LE);
}

/* String (5.2.2.4); NULL is the null string. */
static void str(struct bytes *b, const char *s)
{
	bytes_u32(b, s ? (uint32_t)strlen(s) : 0xffffffffu, LE);
	if (s)
		bytes_put(b, s, strlen(s));
}

/* A four-byte NodeId of namespace 0. */
static void node4(struct bytes *b, uint16_t id)
{
	bytes_u8(b, 0x01);
	bytes_u8(b, 0);
	bytes_u16(b, id, LE);
}

static void hel(struct bytes *b, const char *url)
{
	size_t at = chunk(b, "HEL", 'F');

	bytes_u32(b, 0, LE);
	bytes_u32(b, 65536, LE);
	bytes_u32(b, 65536, LE);
	bytes_u32(b, 0, LE);
	bytes_u32(b, 0, LE);
	str(b, url);
	chunk_end(b, at);
}

static void ack(struct bytes *b)
{
	size_t at = chunk(b, "ACK", 'F');

	bytes_u32(b, 0, LE);
	bytes_u32(b, 65536, LE);
	bytes_u32(b, 65536, LE);
	bytes_u32(b, 0x400000, LE);
	bytes_u32(b, 64, LE);
	chunk_end(b, at);
}

/* RequestHeader (Part 4 7.33), an empty one. */
static void request_header(struct bytes *b, uint32_t handle)
{
	bytes_u8(b, 0x00);		/* authenticationToken: null NodeId */
	bytes_u8(b, 0x00);
	bytes_u64(b, 0x01d5ee2a3b4c5d6eull, LE);
	bytes_u32(b, handle, LE);
	bytes_u32(b, 0, LE);		/* returnDiagnostics */
	str(b, NULL);			/* auditEntryId */
	bytes_u32(b, 10000, LE);	/* timeoutHint */
	bytes_put(b, "\x00\x00\x00", 3);	/* additionalHeader: null, no body */
}

/* ResponseHeader (Part 4 7.34) with a serviceResult. */
static void response_header(struct bytes *b, uint32_t handle, uint32_t result)
{
	bytes_u64(b, 0x01d5ee2a3b4c5d6eull, LE);
	bytes_u32(b, handle, LE);
	bytes_u32(b, result, LE);
	bytes_u8(b, 0x00);		/* serviceDiagnostics: empty */
	bytes_u32(b, 0xffffffffu, LE);	/* stringTable: null */
	bytes_put(b, "\x00\x00\x00", 3);
}

/* OPN with policy None: the OpenSecureChannel request (mode) or response. */
static void opn_plain(struct bytes *b, bool request, uint32_t request_id, uint32_t mode)
{
	size_t at = chunk(b, "OPN", 'F');

	bytes_u32(b, request ? 0 : 7, LE);	/* secureChannelId */
	str(b, POLICY_NONE);
	str(b, NULL);				/* senderCertificate */
	str(b, NULL);				/* receiverCertificateThumbprint */
	bytes_u32(b, 51, LE);			/* sequenceNumber */
	bytes_u32(b, request_id, LE);
	if (request) {
		node4(b, 446);
		request_header(b, 1);
		bytes_u32(b, 0, LE);		/* clientProtocolVersion */
		bytes_u32(b, 0, LE);		/* requestType: issue */
		bytes_u32(b, mode, LE);
		str(b, NULL);			/* clientNonce */
		bytes_u32(b, 3600000, LE);
	} else {
		node4(b, 449);
		response_header(b, 1, 0);
		bytes_u32(b, 0, LE);
		bytes_u32(b, 7, LE);		/* securityToken */
		bytes_u32(b, 1, LE);
		bytes_u64(b, 0, LE);
		bytes_u32(b, 3600000, LE);
		str(b, NULL);
	}
	chunk_end(b, at);
}

/* OPN under another policy: certificates, then encrypted bytes. */
static void opn_encrypted(struct bytes *b, uint32_t channel)
{
	size_t at = chunk(b, "OPN", 'F');

	bytes_u32(b, channel, LE);
	str(b, POLICY_256);
	str(b, "0\x82\x03N certificate");
	str(b, "thumbprint..........");
	for (int i = 0; i < 64; i++)
		bytes_u8(b, (uint8_t)(0x9d * i + 0x31));
	chunk_end(b, at);
}

/* MSG (or CLO) chunk head: symmetric header, sequence header, NodeId. */
static size_t msg(struct bytes *b, const char *type, char final, uint32_t request_id,
		  uint16_t service)
{
	size_t at = chunk(b, type, final);

	bytes_u32(b, 7, LE);		/* secureChannelId */
	bytes_u32(b, 1, LE);		/* tokenId */
	bytes_u32(b, 52 + request_id, LE);
	bytes_u32(b, request_id, LE);
	node4(b, service);
	return at;
}

static void read_request(struct bytes *b, uint32_t request_id)
{
	size_t at = msg(b, "MSG", 'F', request_id, 631);

	request_header(b, request_id);
	bytes_u64(b, 0, LE);		/* maxAge */
	bytes_u32(b, 0, LE);		/* timestampsToReturn */
	bytes_u32(b, 1, LE);		/* nodesToRead */
	bytes_u8(b, 0x03);
	bytes_u16(b, 2, LE);
	str(b, "Boiler1.SteamTemperature");
	bytes_u32(b, 13, LE);
	str(b, NULL);
	bytes_u16(b, 0, LE);
	str(b, NULL);
	chunk_end(b, at);
}

static void read_response(struct bytes *b, uint32_t request_id, uint32_t result)
{
	size_t at = msg(b, "MSG", 'F', request_id, 634);

	response_header(b, request_id, result);
	bytes_u32(b, 1, LE);		/* results */
	bytes_u8(b, 0x01);
	bytes_u8(b, 11);
	bytes_u64(b, 0x4066c00000000000ull, LE);
	bytes_u32(b, 0, LE);		/* diagnosticInfos */
	chunk_end(b, at);
}

/* A request of a service whose body is only a request header. */
static void service_request(struct bytes *b, uint32_t request_id, uint16_t service)
{
	size_t at = msg(b, "MSG", 'F', request_id, service);

	request_header(b, request_id);
	bytes_u32(b, 0, LE);
	chunk_end(b, at);
}

struct endpoint {
	const char *url, *product, *name, *policy;
	uint32_t mode;
};

/* ApplicationDescription (Part 4 7.2). */
static void application(struct bytes *b, const char *uri, const char *product, const char *name)
{
	str(b, uri);
	str(b, product);
	bytes_u8(b, name ? 0x03 : 0x00);	/* LocalizedText: locale and text */
	if (name) {
		str(b, "en");
		str(b, name);
	}
	bytes_u32(b, 0, LE);			/* applicationType: server */
	str(b, NULL);
	str(b, NULL);
	bytes_u32(b, 1, LE);			/* discoveryUrls */
	str(b, URL);
}

/* EndpointDescription[] (Part 4 7.14). */
static void endpoints(struct bytes *b, const struct endpoint *e, size_t n)
{
	bytes_u32(b, (uint32_t)n, LE);
	for (size_t i = 0; i < n; i++) {
		str(b, e[i].url);
		application(b, "urn:plc1:server", e[i].product, e[i].name);
		str(b, "certificate bytes");
		bytes_u32(b, e[i].mode, LE);
		str(b, e[i].policy);
		bytes_u32(b, 2, LE);		/* userIdentityTokens */
		for (int t = 0; t < 2; t++) {
			str(b, t ? "username" : "anonymous");
			bytes_u32(b, (uint32_t)t, LE);
			str(b, NULL);
			str(b, NULL);
			str(b, t ? POLICY_256 : NULL);
		}
		str(b, "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary");
		bytes_u8(b, (uint8_t)i);
	}
}

static void get_endpoints_response(struct bytes *b, const struct endpoint *e, size_t n)
{
	size_t at = msg(b, "MSG", 'F', 2, 431);

	response_header(b, 2, 0);
	endpoints(b, e, n);
	chunk_end(b, at);
}

static void create_session_request(struct bytes *b, const char *product, const char *name)
{
	size_t at = msg(b, "MSG", 'F', 3, 461);

	request_header(b, 3);
	application(b, "urn:historian:client", product, name);
	str(b, NULL);				/* serverUri */
	str(b, URL);				/* endpointUrl */
	str(b, "Session1");
	str(b, "nonce-nonce-nonce-nonce-nonce-32");
	str(b, NULL);				/* clientCertificate */
	bytes_u64(b, 0x40f0000000000000ull, LE);
	bytes_u32(b, 0, LE);
	chunk_end(b, at);
}

static void create_session_response(struct bytes *b, const struct endpoint *e, size_t n)
{
	size_t at = msg(b, "MSG", 'F', 3, 464);

	response_header(b, 3, 0);
	bytes_put(b, "\x02\x01\x00\x10\x27\x00\x00", 7);	/* sessionId: numeric */
	bytes_u8(b, 0x04);				/* authenticationToken: guid */
	bytes_u16(b, 1, LE);
	bytes_zeros(b, 16);
	bytes_u64(b, 0x40f0000000000000ull, LE);	/* revisedSessionTimeout */
	str(b, "server nonce");
	str(b, "server certificate");
	endpoints(b, e, n);
	bytes_u32(b, 0, LE);				/* serverSoftwareCertificates */
	str(b, NULL);					/* serverSignature */
	str(b, NULL);
	bytes_u32(b, 0, LE);
	chunk_end(b, at);
}

static const struct endpoint THREE[] = {
	{ URL, "urn:vendor:product", "PLC1 Server", POLICY_NONE, 1 },
	{ URL, "urn:vendor:product", "PLC1 Server", POLICY_256, 2 },
	{ "opc.tcp://10.0.0.5:4840", "urn:vendor:product", "PLC1 Server", POLICY_256, 3 },
};

/* ---- running ---- */

/* Dissects b, which must be consumed whole. */
static void run(const struct bytes *b, int to_server, struct ics_log *log)
{
	uint32_t used = ics_run_bytes(&ics_opcua, &TCP, to_server, b->p, b->len, log);

	cr_assert(eq(u32, used, (uint32_t)b->len));
}

/* The only message of b. */
static struct ics_msg one(const struct bytes *b, int to_server)
{
	struct ics_log log = { 0 };
	struct ics_msg m;

	run(b, to_server, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	m = log.msgs[0].m;
	ics_log_free(&log);
	return m;
}

/* The identities of field, in order, as "subject:value" joined by '|'. */
static const char *idents(const struct ics_log *log, enum ics_field f)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < log->nidents; i++) {
		const struct ics_logged_ident *e = &log->idents[i];

		if (e->id.field != f)
			continue;
		cr_assert(eq(u8, e->id.proto, ICS_OPCUA));
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%c:%s", n ? "|" : "",
				      "SRG"[e->id.subject], e->value);
		cr_assert(lt(sz, n, sizeof buf));
	}
	return buf;
}

/* ---- UA Connection Protocol ---- */

Test(opcua, hello_names_the_servers_endpoint)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	hel(&b, URL);
	run(&b, 1, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u8, log.msgs[0].m.proto, ICS_OPCUA));
	cr_assert(eq(u16, log.msgs[0].m.function, HEL));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_CLIENT));
	cr_assert(eq(u8, log.msgs[0].m.receiver_role, ICS_ROLE_SERVER));
	cr_assert(not(log.msgs[0].m.has_transaction));
	cr_assert(eq(sz, log.nidents, 1));
	cr_assert(same(idents(&log, ICS_F_ENDPOINT), "R:" URL));
	cr_assert(same(ics_function_name(ICS_OPCUA, HEL), "hello"));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, hello_with_null_or_bad_url_reports_no_endpoint)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at;

	hel(&b, NULL);
	at = chunk(&b, "HEL", 'F');		/* a length past the chunk */
	bytes_zeros(&b, 20);
	bytes_u32(&b, 100, LE);
	bytes_put(&b, "opc.tcp://x", 11);
	chunk_end(&b, at);
	run(&b, 1, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, acknowledge_error_and_reverse_hello)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at;

	ack(&b);
	at = chunk(&b, "ERR", 'F');
	bytes_u32(&b, 0x807f0000u, LE);		/* Bad_TcpEndpointUrlInvalid */
	str(&b, "no such endpoint");
	chunk_end(&b, at);
	at = chunk(&b, "RHE", 'F');
	str(&b, "urn:plc1:server");
	str(&b, URL);
	chunk_end(&b, at);
	run(&b, 0, &log);
	cr_assert(eq(sz, log.nmsgs, 3));
	cr_assert(eq(u16, log.msgs[0].m.function, ACK));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_SERVER));
	cr_assert(not(log.msgs[0].m.exception));
	cr_assert(eq(u16, log.msgs[1].m.function, ERR));
	cr_assert(eq(u8, log.msgs[1].m.kind, ICS_KIND_RESPONSE));
	cr_assert(log.msgs[1].m.exception);
	cr_assert(eq(u16, log.msgs[2].m.function, RHE));
	cr_assert(eq(u8, log.msgs[2].m.kind, ICS_KIND_ANNOUNCE));
	cr_assert(eq(u8, log.msgs[2].m.sender_role, ICS_ROLE_SERVER));
	cr_assert(same(idents(&log, ICS_F_ENDPOINT), "S:" URL));
	cr_assert(same(ics_function_name(ICS_OPCUA, ERR), "error"));
	cr_assert(same(ics_function_name(ICS_OPCUA, RHE), "reverse_hello"));
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- secure channel ---- */

Test(opcua, open_request_with_policy_none_tells_policy_and_mode_of_the_server)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	opn_plain(&b, true, 1, 1);
	opn_plain(&b, false, 1, 0);
	run(&b, -1, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(u16, log.msgs[0].m.function, OPN));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_CLIENT));
	cr_assert(log.msgs[0].m.has_transaction);
	cr_assert(eq(u32, log.msgs[0].m.transaction, 1));
	cr_assert(eq(u16, log.msgs[1].m.function, OPN));
	cr_assert(eq(u8, log.msgs[1].m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, log.msgs[1].m.sender_role, ICS_ROLE_SERVER));
	/* Only the request tells it; the response repeats the policy. */
	cr_assert(same(idents(&log, ICS_F_SECURITY), "R:" POLICY_NONE " None"));
	cr_assert(same(ics_function_name(ICS_OPCUA, OPN), "open_secure_channel"));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, open_request_mode_names_and_numbers)
{
	static const char *const want[] = { "Invalid", "None", "Sign", "SignAndEncrypt", "9" };

	for (uint32_t mode = 0; mode < 5; mode++) {
		struct bytes b = { 0 };
		struct ics_log log = { 0 };
		char expect[200];

		opn_plain(&b, true, 1, mode == 4 ? 9 : mode);
		run(&b, 1, &log);
		snprintf(expect, sizeof expect, "R:%s %s", POLICY_NONE, want[mode]);
		cr_assert(same(idents(&log, ICS_F_SECURITY), expect));
		ics_log_free(&log);
		bytes_free(&b);
	}
}

Test(opcua, encrypted_open_is_counted_by_direction_with_its_policy_alone)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	struct ics_msg m;

	opn_encrypted(&b, 0);
	run(&b, 1, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	m = log.msgs[0].m;
	cr_assert(eq(u16, m.function, OPN));
	cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST));
	cr_assert(not(m.has_transaction));
	cr_assert(same(idents(&log, ICS_F_SECURITY), "R:" POLICY_256));
	ics_log_free(&log);

	m = one(&b, 0);
	cr_assert(eq(u8, m.kind, ICS_KIND_RESPONSE));
	/* Direction unknown: channel 0 is a new channel's request. */
	m = one(&b, -1);
	cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST));
	bytes_free(&b);
	opn_encrypted(&b, 0x1234);
	m = one(&b, -1);
	cr_assert(eq(u8, m.kind, ICS_KIND_OTHER));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_NONE));
	bytes_free(&b);
}

Test(opcua, close_is_a_client_request)
{
	struct bytes b = { 0 };
	struct ics_msg m;
	size_t at = msg(&b, "CLO", 'F', 9, 452);

	request_header(&b, 9);
	chunk_end(&b, at);
	m = one(&b, -1);
	cr_assert(eq(u16, m.function, CLO));
	cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_CLIENT));
	cr_assert(m.has_transaction);
	cr_assert(eq(u32, m.transaction, 9));
	cr_assert(same(ics_function_name(ICS_OPCUA, CLO), "close_secure_channel"));
	bytes_free(&b);
}

/* ---- services ---- */

Test(opcua, read_request_and_response)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	read_request(&b, 52);
	read_response(&b, 52, 0);
	run(&b, -1, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(u16, log.msgs[0].m.function, 631));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, log.msgs[0].m.actions, ICS_ACT_READ));
	cr_assert(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_CLIENT));
	cr_assert(eq(u8, log.msgs[0].m.receiver_role, ICS_ROLE_SERVER));
	cr_assert(log.msgs[0].m.has_transaction);
	cr_assert(eq(u32, log.msgs[0].m.transaction, 52));
	cr_assert(eq(u16, log.msgs[1].m.function, 634));
	cr_assert(eq(u8, log.msgs[1].m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, log.msgs[1].m.actions, 0));
	cr_assert(not(log.msgs[1].m.exception));
	cr_assert(eq(u8, log.msgs[1].m.sender_role, ICS_ROLE_SERVER));
	cr_assert(eq(u32, log.msgs[1].m.transaction, 52));
	cr_assert(eq(sz, log.nidents, 0));
	cr_assert(same(ics_function_name(ICS_OPCUA, 631), "read_request"));
	cr_assert(same(ics_function_name(ICS_OPCUA, 634), "read_response"));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, request_actions)
{
	static const struct {
		uint16_t service;
		uint8_t actions;
		const char *name;
	} cases[] = {
		{ 673, ICS_ACT_WRITE, "write_request" },
		{ 700, ICS_ACT_WRITE, "history_update_request" },
		{ 488, ICS_ACT_WRITE, "add_nodes_request" },
		{ 494, ICS_ACT_WRITE, "add_references_request" },
		{ 500, ICS_ACT_WRITE, "delete_nodes_request" },
		{ 506, ICS_ACT_WRITE, "delete_references_request" },
		{ 712, ICS_ACT_CONTROL, "call_request" },
		{ 664, ICS_ACT_READ, "history_read_request" },
		{ 527, 0, "browse_request" },
		{ 826, 0, "publish_request" },
		{ 461, 0, "create_session_request" },
		{ 12211, 0, "register_server2_request" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes b = { 0 };
		struct ics_msg m;

		service_request(&b, 5, cases[i].service);
		m = one(&b, 1);
		cr_assert(eq(u16, m.function, cases[i].service));
		cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST));
		cr_assert(eq(u8, m.actions, cases[i].actions), "service %u", cases[i].service);
		cr_assert(same(ics_function_name(ICS_OPCUA, cases[i].service), cases[i].name));
		bytes_free(&b);
	}
	cr_assert(same(ics_function_name(ICS_OPCUA, 676), "write_response"));
	cr_assert(same(ics_function_name(ICS_OPCUA, 12212), "register_server2_response"));
	cr_assert(same(ics_function_name(ICS_OPCUA, 397), "service_fault"));
	cr_assert(same(ics_function_name(ICS_OPCUA, 0), NULL));
	cr_assert(same(ics_function_name(ICS_OPCUA, 632), NULL));
	cr_assert(same(ics_function_name(ICS_OPCUA, 0xF007), NULL));
}

Test(opcua, service_fault_and_bad_results_are_exceptions)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = msg(&b, "MSG", 'F', 8, 397);

	response_header(&b, 8, 0x80250000u);	/* Bad_SessionIdInvalid */
	chunk_end(&b, at);
	read_response(&b, 9, 0x80340000u);	/* Bad_NodeIdUnknown */
	read_response(&b, 10, 0x40000000u);	/* Uncertain: no exception */
	run(&b, 1, &log);
	cr_assert(eq(sz, log.nmsgs, 3));
	cr_assert(eq(u16, log.msgs[0].m.function, 397));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_RESPONSE));
	cr_assert(log.msgs[0].m.exception);
	cr_assert(log.msgs[1].m.exception);
	cr_assert(not(log.msgs[2].m.exception));
	/* The content beats the direction (to_server said 1). */
	cr_assert(eq(u8, log.msgs[2].m.sender_role, ICS_ROLE_SERVER));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, node_id_encodings_of_the_service)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = chunk(&b, "MSG", 'F');

	bytes_put(&b, "\x07\0\0\0\x01\0\0\0\x33\0\0\0\x01\0\0\0", 16);
	bytes_u8(&b, 0x02);				/* numeric, namespace 0 */
	bytes_u16(&b, 0, LE);
	bytes_u32(&b, 673, LE);
	request_header(&b, 1);
	chunk_end(&b, at);
	at = chunk(&b, "MSG", 'F');
	bytes_put(&b, "\x07\0\0\0\x01\0\0\0\x34\0\0\0\x02\0\0\0", 16);
	bytes_u8(&b, 0x01);				/* four-byte, namespace 2: not a service */
	bytes_u8(&b, 2);
	bytes_u16(&b, 631, LE);
	request_header(&b, 2);
	chunk_end(&b, at);
	at = chunk(&b, "MSG", 'F');
	bytes_put(&b, "\x07\0\0\0\x01\0\0\0\x35\0\0\0\x03\0\0\0", 16);
	bytes_u8(&b, 0x00);				/* two-byte: no service is < 256 */
	bytes_u8(&b, 200);
	chunk_end(&b, at);
	run(&b, 1, &log);
	cr_assert(eq(sz, log.nmsgs, 3));
	cr_assert(eq(u16, log.msgs[0].m.function, 673));
	cr_assert(eq(u8, log.msgs[0].m.actions, ICS_ACT_WRITE));
	cr_assert(eq(u16, log.msgs[1].m.function, 0));
	cr_assert(not(log.msgs[1].m.has_transaction));
	cr_assert(eq(u16, log.msgs[2].m.function, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, encrypted_messages_are_counted_without_function)
{
	struct bytes b = { 0 };
	struct ics_msg m;
	size_t at = chunk(&b, "MSG", 'F');

	bytes_u32(&b, 7, LE);
	bytes_u32(&b, 1, LE);
	for (int i = 0; i < 80; i++)
		bytes_u8(&b, (uint8_t)(0x6b * i + 0x5c));
	chunk_end(&b, at);
	m = one(&b, 1);
	cr_assert(eq(u16, m.function, 0));
	cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST));
	cr_assert(not(m.has_transaction));
	cr_assert(eq(u8, m.actions, 0));
	m = one(&b, 0);
	cr_assert(eq(u8, m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_SERVER));
	m = one(&b, -1);
	cr_assert(eq(u8, m.kind, ICS_KIND_OTHER));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_NONE));
	bytes_free(&b);
}

/* ---- identities from services ---- */

Test(opcua, get_endpoints_response_tells_endpoints_security_product_and_name)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	get_endpoints_response(&b, THREE, 3);
	run(&b, 0, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u16, log.msgs[0].m.function, 431));
	/* A value equal to the previous endpoint's is not repeated. */
	cr_assert(same(idents(&log, ICS_F_ENDPOINT), "S:" URL "|S:opc.tcp://10.0.0.5:4840"));
	cr_assert(same(idents(&log, ICS_F_SECURITY),
		       "S:" POLICY_NONE " None|S:" POLICY_256 " Sign|S:" POLICY_256
		       " SignAndEncrypt"));
	cr_assert(same(idents(&log, ICS_F_PRODUCT), "S:urn:vendor:product"));
	cr_assert(same(idents(&log, ICS_F_NAME), "S:PLC1 Server"));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, get_endpoints_null_strings_and_request_url)
{
	static const struct endpoint bare[] = { { NULL, NULL, NULL, NULL, 1 } };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = msg(&b, "MSG", 'F', 2, 428);

	request_header(&b, 2);
	str(&b, URL);
	bytes_u32(&b, 0, LE);			/* localeIds */
	bytes_u32(&b, 0, LE);			/* profileUris */
	chunk_end(&b, at);
	get_endpoints_response(&b, bare, 1);
	run(&b, -1, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST));
	cr_assert(same(idents(&log, ICS_F_ENDPOINT), "R:" URL));
	cr_assert(eq(sz, log.nidents, 1));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, create_session_tells_client_product_and_server_endpoints)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	create_session_request(&b, "urn:vendor:historian", "Plant Historian");
	create_session_response(&b, THREE, 2);
	run(&b, -1, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(u16, log.msgs[0].m.function, 461));
	cr_assert(eq(u16, log.msgs[1].m.function, 464));
	cr_assert(same(idents(&log, ICS_F_PRODUCT), "S:urn:vendor:historian|S:urn:vendor:product"));
	cr_assert(same(idents(&log, ICS_F_NAME), "S:Plant Historian|S:PLC1 Server"));
	cr_assert(same(idents(&log, ICS_F_ENDPOINT), "R:" URL "|S:" URL));
	cr_assert(same(idents(&log, ICS_F_SECURITY),
		       "S:" POLICY_NONE " None|S:" POLICY_256 " Sign"));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, malformed_bodies_give_the_message_and_no_identities)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = msg(&b, "MSG", 'F', 2, 431);

	/* An endpoint count far beyond the bytes. */
	response_header(&b, 2, 0);
	bytes_u32(&b, 0x7fffffff, LE);
	str(&b, URL);
	chunk_end(&b, at);
	/* DiagnosticInfo nested deeper than followed. */
	at = msg(&b, "MSG", 'F', 3, 431);
	bytes_zeros(&b, 16);
	for (int i = 0; i < 40; i++)
		bytes_u8(&b, 0x40);
	bytes_u8(&b, 0);
	bytes_u32(&b, 0xffffffffu, LE);
	bytes_put(&b, "\0\0\0", 3);
	endpoints(&b, THREE, 1);
	chunk_end(&b, at);
	/* A negative string length. */
	at = msg(&b, "MSG", 'F', 4, 461);
	request_header(&b, 4);
	str(&b, "urn:x");
	bytes_u32(&b, 0xfffffffbu, LE);
	chunk_end(&b, at);
	/* A bad ExtensionObject body encoding in the request header. */
	at = msg(&b, "MSG", 'F', 5, 428);
	bytes_put(&b, "\x00\x00", 2);
	bytes_zeros(&b, 16);
	str(&b, NULL);
	bytes_u32(&b, 0, LE);
	bytes_put(&b, "\x00\x00\x07", 3);
	str(&b, URL);
	chunk_end(&b, at);
	run(&b, 0, &log);
	cr_assert(eq(sz, log.nmsgs, 4));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- chunks and the TCP contract ---- */

Test(opcua, several_messages_in_one_segment)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	hel(&b, URL);
	opn_plain(&b, true, 1, 1);
	read_request(&b, 2);
	read_request(&b, 3);
	run(&b, 1, &log);
	cr_assert(eq(sz, log.nmsgs, 4));
	cr_assert(eq(u16, log.msgs[3].m.function, 631));
	cr_assert(eq(u32, log.msgs[3].m.transaction, 3));
	ics_log_free(&log);
	bytes_free(&b);
}

/* Every field equal (memcmp would compare the padding too). */
static bool same_msg(const struct ics_msg *a, const struct ics_msg *b)
{
	return a->proto == b->proto && a->kind == b->kind && a->function == b->function &&
	       a->actions == b->actions && a->exception == b->exception &&
	       a->sender_role == b->sender_role && a->receiver_role == b->receiver_role &&
	       a->has_transaction == b->has_transaction && a->transaction == b->transaction &&
	       a->has_unit == b->has_unit && a->unit == b->unit && a->nseq == b->nseq &&
	       a->seq[0] == b->seq[0] && a->seq[1] == b->seq[1];
}

/* The messages used by the truncation tests. */
static void samples(struct bytes *b, size_t *ends, size_t *n)
{
	size_t at;

	*n = 0;
	hel(b, URL);
	ends[(*n)++] = b->len;
	ack(b);
	ends[(*n)++] = b->len;
	opn_plain(b, true, 1, 1);
	ends[(*n)++] = b->len;
	opn_plain(b, false, 1, 0);
	ends[(*n)++] = b->len;
	create_session_request(b, "urn:vendor:historian", "Plant Historian");
	ends[(*n)++] = b->len;
	create_session_response(b, THREE, 3);
	ends[(*n)++] = b->len;
	get_endpoints_response(b, THREE, 2);
	ends[(*n)++] = b->len;
	read_request(b, 7);
	ends[(*n)++] = b->len;
	read_response(b, 7, 0);
	ends[(*n)++] = b->len;
	/* A message in three chunks. */
	at = msg(b, "MSG", 'C', 8, 673);
	request_header(b, 8);
	chunk_end(b, at);
	at = msg(b, "MSG", 'C', 8, 0);
	chunk_end(b, at);
	at = msg(b, "MSG", 'F', 8, 0);
	chunk_end(b, at);
	ends[(*n)++] = b->len;
	at = chunk(b, "ERR", 'F');
	bytes_u32(b, 0x80010000u, LE);
	str(b, "bye");
	chunk_end(b, at);
	ends[(*n)++] = b->len;
}

Test(opcua, truncated_at_every_byte_keeps_the_cut_message)
{
	struct bytes b = { 0 };
	struct ics_log full = { 0 };
	size_t ends[16], n;

	samples(&b, ends, &n);
	run(&b, 1, &full);
	cr_assert(eq(sz, full.nmsgs, n));
	for (size_t cut = 0; cut < b.len; cut++) {
		struct ics_log log = { 0 };
		uint32_t used = ics_run_bytes(&ics_opcua, &TCP, 1, b.p, cut, &log);
		size_t whole = 0, start = 0;

		while (whole < n && ends[whole] <= cut)
			start = ends[whole++];
		/* Whole messages are reported as from the whole bytes, the cut
		 * one not at all, and dissect() returns where it starts. */
		cr_assert(eq(u32, used, (uint32_t)start), "cut at %zu", cut);
		cr_assert(eq(sz, log.nmsgs, whole), "cut at %zu", cut);
		for (size_t i = 0; i < whole; i++)
			cr_assert(same_msg(&log.msgs[i].m, &full.msgs[i].m));
		for (size_t i = 0; i < log.nidents; i++) {
			cr_assert(lt(sz, i, full.nidents));
			cr_assert(eq(u8, log.idents[i].id.field, full.idents[i].id.field));
			cr_assert(same(log.idents[i].value, full.idents[i].value));
		}
		ics_log_free(&log);
	}
	ics_log_free(&full);
	bytes_free(&b);
}

Test(opcua, intermediate_chunks_make_one_message_with_the_first_chunks_service)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = msg(&b, "MSG", 'C', 8, 673);

	request_header(&b, 8);
	chunk_end(&b, at);
	at = msg(&b, "MSG", 'F', 8, 631);	/* a continuation that looks like a read */
	chunk_end(&b, at);
	run(&b, 1, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u16, log.msgs[0].m.function, 673));
	cr_assert(eq(u8, log.msgs[0].m.actions, ICS_ACT_WRITE));
	cr_assert(not(log.msgs[0].m.exception));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, aborted_messages_are_exceptions)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = msg(&b, "MSG", 'C', 8, 673);

	request_header(&b, 8);
	chunk_end(&b, at);
	at = chunk(&b, "MSG", 'A');		/* abort: error and reason */
	bytes_put(&b, "\x07\0\0\0\x01\0\0\0\x40\0\0\0\x08\0\0\0", 16);
	bytes_u32(&b, 0x80080000u, LE);
	str(&b, "too large");
	chunk_end(&b, at);
	at = chunk(&b, "MSG", 'A');		/* an abort alone */
	bytes_put(&b, "\x07\0\0\0\x01\0\0\0\x41\0\0\0\x09\0\0\0", 16);
	bytes_u32(&b, 0x80080000u, LE);
	str(&b, NULL);
	chunk_end(&b, at);
	run(&b, 1, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(u16, log.msgs[0].m.function, 673));
	cr_assert(log.msgs[0].m.exception);
	cr_assert(eq(u16, log.msgs[1].m.function, 0));
	cr_assert(log.msgs[1].m.exception);
	cr_assert(eq(u8, log.msgs[1].m.kind, ICS_KIND_REQUEST));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, intermediate_chunks_without_a_final_one_are_passed_over)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at = msg(&b, "MSG", 'C', 8, 673);

	chunk_end(&b, at);
	hel(&b, URL);				/* not a MSG: the message ended */
	run(&b, 1, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u16, log.msgs[0].m.function, HEL));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, chunks_beyond_the_hold_limit_are_not_kept)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	size_t at;
	uint32_t used;

	/* 40 intermediate chunks of 4 KiB (160 KiB), then part of the next. */
	for (int i = 0; i < 40; i++) {
		at = msg(&b, "MSG", 'C', 8, i ? 0 : 673);
		bytes_zeros(&b, 4096 - (b.len - at));
		chunk_end(&b, at);
	}
	at = b.len;
	msg(&b, "MSG", 'C', 8, 0);
	bytes_set_u32(&b, at + 4, 4096, LE);
	used = ics_run_bytes(&ics_opcua, &TCP, 1, b.p, b.len, &log);
	cr_assert(eq(u32, used, (uint32_t)at));
	cr_assert(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	/* Under the limit, the whole run is kept. */
	used = ics_run_bytes(&ics_opcua, &TCP, 1, b.p, 4096 * 3 + 100, &log);
	cr_assert(eq(u32, used, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, a_chunk_larger_than_the_hold_limit_is_reported_from_its_start)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	uint32_t used;
	size_t at;

	read_request(&b, 4);
	at = b.len;
	msg(&b, "MSG", 'F', 5, 634);
	response_header(&b, 5, 0);
	bytes_set_u32(&b, at + 4, 1u << 20, LE);	/* 1 MiB, 1 KiB of it here */
	bytes_zeros(&b, 1024);
	used = ics_run_bytes(&ics_opcua, &TCP, 0, b.p, b.len, &log);
	cr_assert(eq(u32, used, (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(u16, log.msgs[1].m.function, 634));
	ics_log_free(&log);
	/* An intermediate one is left to its final chunk. */
	b.p[at + 3] = 'C';
	used = ics_run_bytes(&ics_opcua, &TCP, 0, b.p, b.len, &log);
	cr_assert(eq(u32, used, (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(opcua, bytes_that_are_not_opcua_are_consumed)
{
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\n\r\n",
		"HELC\x20\0\0\0",				/* C only for MSG */
		"MSGX\x20\0\0\0",				/* no such IsFinal */
		"MSGF\x17\0\0\0",				/* shorter than a MSG */
		"ACKF\x10\0\0\0",
		"MSGF\0\0\0\x02",				/* 32 MiB */
		"msgF\x20\0\0\0",
	};
	static const size_t len[] = { 18, 8, 8, 8, 8, 8, 8 };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ics_log log = { 0 };
		uint32_t used = ics_run_bytes(&ics_opcua, &TCP, 1, bad[i], len[i], &log);

		cr_assert(eq(u32, used, (uint32_t)len[i]), "case %zu", i);
		cr_assert(eq(sz, log.nmsgs, 0));
		ics_log_free(&log);
	}
}

Test(opcua, a_header_cut_short_is_kept)
{
	static const char *const part[] = { "M", "MS", "MSG", "MSGC", "MSGF\x20", "OPNF\x20\0\0" };

	for (size_t i = 0; i < sizeof part / sizeof part[0]; i++) {
		struct ics_log log = { 0 };
		uint32_t used = ics_run_bytes(&ics_opcua, &TCP, 1, part[i], strlen(part[i]) + (i == 5),
					      &log);

		cr_assert(eq(u32, used, 0), "case %zu", i);
		cr_assert(eq(sz, log.nmsgs, 0));
		ics_log_free(&log);
	}
}

Test(opcua, garbage_never_crashes)
{
	struct bytes b = { 0 };
	size_t ends[16], n;
	uint32_t rng = 0x2545f491u;

	samples(&b, ends, &n);
	for (int round = 0; round < 3000; round++) {
		uint8_t *copy = malloc(b.len);
		struct ics_log log = { 0 };
		size_t len = b.len;

		cr_assert(copy != NULL);
		memcpy(copy, b.p, b.len);
		for (int k = 0; k < 8; k++) {
			rng = rng * 1103515245u + 12345u;
			copy[(rng >> 8) % b.len] = (uint8_t)(rng >> 24);
		}
		if (round % 3 == 0) {
			rng = rng * 1103515245u + 12345u;
			len = (rng >> 8) % b.len;
		}
		ics_run_bytes(&ics_opcua, &TCP, (int)(round % 3) - 1, copy, len, &log);
		ics_log_free(&log);
		free(copy);
	}
	bytes_free(&b);
}

/* ---- detection ---- */

Test(opcua, detect_is_conservative)
{
	struct bytes b = { 0 };
	size_t at;

	hel(&b, URL);
	cr_assert(ics_opcua.detect(b.p, (uint32_t)b.len, true));
	cr_assert(not(ics_opcua.detect(b.p, (uint32_t)b.len, false)));
	cr_assert(not(ics_opcua.detect(b.p, (uint32_t)b.len - 1, true)));
	b.p[b.len - 1] = 'x';			/* still exact: fine */
	cr_assert(ics_opcua.detect(b.p, (uint32_t)b.len, true));
	bytes_set_u32(&b, 28, 5, LE);		/* url length disagrees */
	cr_assert(not(ics_opcua.detect(b.p, (uint32_t)b.len, true)));
	bytes_free(&b);

	hel(&b, URL);
	bytes_set_u32(&b, 12, 1024, LE);	/* receive buffer below 8192 */
	cr_assert(not(ics_opcua.detect(b.p, (uint32_t)b.len, true)));
	bytes_free(&b);

	at = chunk(&b, "RHE", 'F');
	str(&b, "urn:plc1");
	str(&b, URL);
	chunk_end(&b, at);
	cr_assert(ics_opcua.detect(b.p, (uint32_t)b.len, true));
	bytes_free(&b);

	read_request(&b, 3);			/* a capture that starts mid-connection */
	cr_assert(ics_opcua.detect(b.p, (uint32_t)b.len, true));
	read_request(&b, 4);
	cr_assert(ics_opcua.detect(b.p, (uint32_t)b.len, true));
	cr_assert(ics_opcua.detect(b.p, (uint32_t)b.len - 100, true));	/* 2nd header there */
	b.p[b.len / 2] ^= 0xff;
	bytes_free(&b);

	read_request(&b, 3);
	bytes_put(&b, "xyz", 3);
	cr_assert(not(ics_opcua.detect(b.p, (uint32_t)b.len, true)));
	cr_assert(not(ics_opcua.detect((const uint8_t *)"GET / HTTP/1.0\r\n\r\n", 18, true)));
	cr_assert(not(ics_opcua.detect((const uint8_t *)"MSGF", 4, true)));
	cr_assert(not(ics_opcua.detect(NULL, 0, true)));
	bytes_free(&b);
}

/* ---- the corpus against tshark ---- */

/* tshark's message types per frame, and every node id, with our log. */
struct corpus_case {
	const char *rel;
	const char *extra;	/* tshark options */
	size_t nmsgs;		/* OPC UA messages, checked by hand */
};

static size_t split(const char *cell, char parts[][256], size_t max)
{
	size_t n = 0;

	while (*cell && n < max) {
		const char *comma = strchr(cell, ',');
		size_t len = comma ? (size_t)(comma - cell) : strlen(cell);

		cr_assert(lt(sz, len, 256));
		memcpy(parts[n], cell, len);
		parts[n++][len] = '\0';
		cell = comma ? comma + 1 : cell + len;
	}
	return n;
}

static uint16_t type_function(const char *type)
{
	static const char *const names[] = { "HEL", "ACK", "ERR", "RHE", "OPN", "CLO" };

	for (int i = 0; i < 6; i++)
		if (!strcmp(type, names[i]))
			return (uint16_t)(HEL + i);
	cr_assert(same(type, "MSG"));
	return 0;
}

/* The identities of field our log has in frame, as above. */
static const char *frame_idents(const struct ics_log *log, uint64_t frame, enum ics_field f)
{
	struct ics_log sub = { 0 };
	const char *s;

	sub.idents = log->idents;
	for (size_t i = 0; i < log->nidents; i++) {
		if (log->idents[i].frame == frame) {
			sub.idents = &log->idents[i];
			while (i + sub.nidents < log->nidents &&
			       log->idents[i + sub.nidents].frame == frame)
				sub.nidents++;
			break;
		}
	}
	s = idents(&sub, f);
	return s;
}

static const char *mode_name(const char *hex)
{
	static const char *const modes[] = { "Invalid", "None", "Sign", "SignAndEncrypt" };
	unsigned long v = strtoul(hex, NULL, 16);

	return v < 4 ? modes[v] : "?";
}

/*
 * Compares a capture with tshark: per frame, the OPC UA messages (one per
 * chunk type tshark lists), their functions (MSG: the service node id;
 * OPN/CLO: our 0xF00x code, tshark's 446/449/452 being their bodies), and
 * the identities: HEL endpoint, OPN request policy and mode, and in
 * GetEndpoints/CreateSession frames the EndpointUrl, ProductUri,
 * ApplicationName (opcua.loctext.Text: the only LocalizedTexts of those
 * services) and MessageSecurityMode lists, repeated values dropped as ours
 * are.  tshark lists every SecurityPolicyUri of a response together (the
 * endpoints' and their user token policies'): our policies must be among
 * them, and the full lists are checked by hand in the tests below.
 */
static void compare_with_tshark(const struct corpus_case *cc, struct ics_log *log)
{
	static const char *const fields[] = {
		"opcua.transport.type", "opcua.servicenodeid.numeric", "tcp.srcport",
		"opcua.transport.endpoint", "opcua.security.spu", "opcua.MessageSecurityMode",
		"opcua.EndpointUrl", "opcua.ProductUri", "opcua.loctext.Text",
		"opcua.SecurityPolicyUri",
	};
	const char *path = corpus_file(cc->rel);
	struct tshark_rows t;
	size_t total = 0, ours = 0, li = 0, idents_want = 0, idents_ours = 0;
	static char types[32][256], ids[32][256], list[64][256], modes[64][256];

	cr_assert(ics_run_file(path, log));
	cr_assert(tshark_fields(path, "opcua", cc->extra, fields, 10, &t));
	for (size_t i = 0; i < log->nmsgs; i++)
		ours += log->msgs[i].m.proto == ICS_OPCUA;
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		size_t nt = split(tshark_cell(&t, r, 1), types, 32);
		size_t ni = split(tshark_cell(&t, r, 2), ids, 32), k = 0;
		bool from_server = !strcmp(tshark_cell(&t, r, 3), "4840");
		char want[2048];
		size_t n, nm, w;

		/* Our messages of this frame, in order, one per tshark PDU. */
		while (li < log->nmsgs && log->msgs[li].frame < frame)
			cr_assert(eq(u8, log->msgs[li++].m.proto, ICS_NONE), "frame %llu",
				  (unsigned long long)log->msgs[li - 1].frame);
		for (size_t p = 0; p < nt; p++, li++) {
			uint16_t fn = type_function(types[p]);
			const struct ics_msg *m;

			cr_assert(lt(sz, li, log->nmsgs), "frame %llu", (unsigned long long)frame);
			cr_assert(eq(u64, log->msgs[li].frame, frame));
			m = &log->msgs[li].m;
			if (fn == HEL || fn == ACK || fn == ERR || fn == RHE) {
				cr_assert(eq(u16, m->function, fn));
				continue;
			}
			/* OPN, CLO and MSG carry a node id when tshark reads one. */
			if (fn) {
				cr_assert(eq(u16, m->function, fn));
				if (k < ni && (!strcmp(ids[k], "446") || !strcmp(ids[k], "449") ||
					       !strcmp(ids[k], "452")))
					k++;
				else
					cr_assert(not(m->has_transaction), "frame %llu",
						  (unsigned long long)frame);
				continue;
			}
			cr_assert(lt(sz, k, ni), "frame %llu", (unsigned long long)frame);
			cr_assert(eq(u16, m->function, (uint16_t)strtoul(ids[k++], NULL, 10)), "frame %llu",
				  (unsigned long long)frame);
			cr_assert(eq(u8, m->kind, from_server ? ICS_KIND_RESPONSE : ICS_KIND_REQUEST));
		}
		cr_assert(eq(sz, k, ni), "frame %llu", (unsigned long long)frame);
		total += nt;

		/* HEL: the endpoint of the receiver. */
		snprintf(want, sizeof want, "%s%s", *tshark_cell(&t, r, 4) ? "R:" : "",
			 tshark_cell(&t, r, 4));
		if (nt == 1 && !strcmp(types[0], "HEL")) {
			cr_assert(same(frame_idents(log, frame, ICS_F_ENDPOINT), want));
			idents_want += *want != '\0';
		}
		/* OPN request: "policy mode" of the receiver. */
		if (nt == 1 && !strcmp(types[0], "OPN") && !from_server) {
			nm = split(tshark_cell(&t, r, 6), modes, 64);
			snprintf(want, sizeof want, "R:%s%s%s", tshark_cell(&t, r, 5), nm ? " " : "",
				 nm ? mode_name(modes[0]) : "");
			cr_assert(same(frame_idents(log, frame, ICS_F_SECURITY), want));
			idents_want++;
		}
		if (ni != 1 || (strcmp(ids[0], "428") && strcmp(ids[0], "431") &&
				strcmp(ids[0], "461") && strcmp(ids[0], "464")))
			continue;
		/* GetEndpoints and CreateSession: requests tell the endpoint of the
		 * receiver and the client's own product and name; responses the
		 * sender's endpoints. */
		for (int f = 0; f < 3; f++) {
			static const enum ics_field field[] = { ICS_F_ENDPOINT, ICS_F_PRODUCT, ICS_F_NAME };
			const char *who = from_server ? "S:" : (f ? "S:" : "R:");

			n = split(tshark_cell(&t, r, 7 + (size_t)f), list, 64);
			want[0] = '\0';
			w = 0;
			for (size_t i = 0; i < n; i++)
				if ((!i || strcmp(list[i], list[i - 1])) && ++idents_want)
					w += (size_t)snprintf(want + w, sizeof want - w, "%s%s%s",
							      w ? "|" : "", who, list[i]);
			cr_assert(same(frame_idents(log, frame, field[f]), want), "frame %llu",
				  (unsigned long long)frame);
		}
		if (from_server) {
			const char *sec = frame_idents(log, frame, ICS_F_SECURITY);
			size_t np = split(tshark_cell(&t, r, 10), list, 64);
			char one_sec[512];
			const char *s = sec;

			nm = split(tshark_cell(&t, r, 6), modes, 64);
			for (size_t i = 0; i < nm; i++) {
				const char *bar = strchr(s, '|');
				size_t len = bar ? (size_t)(bar - s) : strlen(s);
				const char *space;
				bool found = false;

				cr_assert(lt(sz, len, sizeof one_sec));
				memcpy(one_sec, s, len);
				one_sec[len] = '\0';
				space = strrchr(one_sec, ' ');
				cr_assert(space != NULL, "frame %llu", (unsigned long long)frame);
				cr_assert(same(space + 1, mode_name(modes[i])));
				for (size_t j = 0; j < np; j++)
					found |= strlen(list[j]) == (size_t)(space - one_sec - 2) &&
						 !strncmp(list[j], one_sec + 2, strlen(list[j]));
				cr_assert(found, "frame %llu: %s", (unsigned long long)frame, one_sec);
				s = bar ? bar + 1 : s + len;
				idents_want++;
			}
			cr_assert(eq(str, (char *)s, ""));
		}
	}
	while (li < log->nmsgs)
		cr_assert(eq(u8, log->msgs[li++].m.proto, ICS_NONE));
	cr_assert(eq(sz, total, ours));
	cr_assert(eq(sz, ours, cc->nmsgs));
	/* ... and no identity besides those. */
	for (size_t i = 0; i < log->nidents; i++)
		idents_ours += log->idents[i].id.proto == ICS_OPCUA;
	cr_assert(eq(sz, idents_ours, idents_want));
	cr_log_info("%s: %zu messages, %zu identities, as tshark", cc->rel, ours, idents_ours);
	tshark_rows_free(&t);
}

static size_t count_fn(const struct ics_log *log, long function)
{
	return ics_log_count(log, ICS_OPCUA, function);
}

/*
 * open62541 client and server on loopback, two connections: GetEndpoints,
 * sessions, subscriptions, reads, writes, a method call and AddNodes; one
 * segment (frame 81) holds three PublishRequests.
 */
Test(opcua, corpus_open62541_mainloop)
{
	static const struct corpus_case cc = { "ics/opcua/open62541_client-server_mainloop.pcap",
					       NULL, 66 + 2 };
	struct ics_log log = { 0 };

	compare_with_tshark(&cc, &log);
	cr_assert(eq(sz, count_fn(&log, 826), 11));
	cr_assert(eq(sz, count_fn(&log, 673), 2));
	cr_assert(eq(sz, count_fn(&log, 712), 1));
	cr_assert(eq(sz, count_fn(&log, 488), 4));
	cr_assert(eq(sz, count_fn(&log, CLO), 2));
	ics_log_free(&log);
}

Test(opcua, corpus_open62541_create_monitored_items)
{
	static const struct corpus_case cc = {
		"ics/opcua/open62541_create_monitored_items.pcap", NULL, 28
	};
	struct ics_log log = { 0 };

	compare_with_tshark(&cc, &log);
	cr_assert(eq(sz, count_fn(&log, 751), 2));
	ics_log_free(&log);
}

/*
 * A Softing gateway and a SiLab client.  The 13990-byte CreateSession
 * response (frames 12-30) arrives in order, but the client's ACKs run
 * ahead of it in the capture, so tshark's sequence analysis calls frames
 * 26 and 30 spurious retransmissions and leaves the response out of
 * reassembly.  With that analysis off (tcp.analyze_sequence_numbers) tshark
 * reassembles it in frame 30 as we do.  Hand-checked, its 7 endpoints:
 * None/None, then Sign and SignAndEncrypt with Basic128Rsa15, Basic256 and
 * Basic256Sha256.
 */
Test(opcua, corpus_with_gap)
{
	static const struct corpus_case cc = { "ics/opcua/opcua_with-gap.pcap",
					       "-o tcp.analyze_sequence_numbers:FALSE", 172 };
	struct ics_log log = { 0 };
	const char *p = "http://opcfoundation.org/UA/SecurityPolicy#";
	char want[1024];

	compare_with_tshark(&cc, &log);
	snprintf(want, sizeof want,
		 "S:%sNone None|S:%sBasic128Rsa15 Sign|S:%sBasic256 Sign|S:%sBasic256Sha256 Sign|"
		 "S:%sBasic128Rsa15 SignAndEncrypt|S:%sBasic256 SignAndEncrypt|"
		 "S:%sBasic256Sha256 SignAndEncrypt", p, p, p, p, p, p, p);
	cr_assert(same(frame_idents(&log, 30, ICS_F_SECURITY), want));
	cr_assert(same(frame_idents(&log, 30, ICS_F_PRODUCT), "S:urn:Softing:SoftingOPCUAGateway"));
	cr_assert(same(frame_idents(&log, 10, ICS_F_NAME), "S:SiLab OPC UA Server-Client"));
	cr_assert(eq(sz, count_fn(&log, 464), 1));
	ics_log_free(&log);
}

/*
 * python-opcua: a first connection with policy None, then a channel opened
 * with Basic256Sha256 (both OPN bodies encrypted: no node id, function
 * OPN, policy alone) whose messages are only signed (mode Sign), so their
 * services are read.  Hand-checked, the server's endpoints: None/None,
 * Basic256Sha256 SignAndEncrypt, Basic256Sha256 Sign.
 */
Test(opcua, corpus_python_encrypted)
{
	static const struct corpus_case cc = {
		"ics/opcua/python_opcua-client-server_encrypted.pcap", NULL, 17
	};
	struct ics_log log = { 0 };
	const char *p = "http://opcfoundation.org/UA/SecurityPolicy#";
	char want[512];

	compare_with_tshark(&cc, &log);
	cr_assert(eq(sz, count_fn(&log, OPN), 4));
	cr_assert(same(frame_idents(&log, 31, ICS_F_SECURITY), "R:" POLICY_256));
	cr_assert(same(frame_idents(&log, 33, ICS_F_SECURITY), ""));
	snprintf(want, sizeof want, "S:%sNone None|S:%sBasic256Sha256 SignAndEncrypt|"
		 "S:%sBasic256Sha256 Sign", p, p, p);
	cr_assert(same(frame_idents(&log, 15, ICS_F_SECURITY), want));
	cr_assert(same(frame_idents(&log, 37, ICS_F_SECURITY), want));
	ics_log_free(&log);
}
