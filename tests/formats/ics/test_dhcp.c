/*
 * test_dhcp.c - formats/ics/dhcp.c: DHCP (RFC 2131, RFC 2132, RFC 4702)
 * and BOOTP (RFC 951) on hand-built messages, every truncation, and real
 * captures against tshark's dhcp dissector.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "tests/support/bytes.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

#define BE	true

extern const struct ics_dissector ics_dhcp;

TestSuite(dhcp);

static const uint8_t CLIENT_MAC[6] = { 0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56 };
static const uint8_t ZERO[16];
static const uint8_t CLIENT_IP[4] = { 192, 168, 10, 50 };
static const uint8_t SERVER_IP[4] = { 192, 168, 10, 254 };
static const uint8_t COOKIE[4] = { 99, 130, 83, 99 };

#define XID	0x3cfef3b6u

/* The fixed part (RFC 2131 figure 1) for an Ethernet client, sname and
 * file empty, then the magic cookie unless cookie is false. */
static void bootp(struct bytes *b, uint8_t op, const uint8_t ciaddr[4], const uint8_t yiaddr[4],
		  bool cookie)
{
	bytes_u8(b, op);
	bytes_u8(b, 1);		/* htype Ethernet */
	bytes_u8(b, 6);
	bytes_u8(b, 0);		/* hops */
	bytes_u32(b, XID, BE);
	bytes_u16(b, 0, BE);	/* secs */
	bytes_u16(b, 0, BE);	/* flags */
	bytes_put(b, ciaddr, 4);
	bytes_put(b, yiaddr, 4);
	bytes_put(b, op == 2 ? SERVER_IP : ZERO, 4);	/* siaddr */
	bytes_put(b, ZERO, 4);				/* giaddr */
	bytes_put(b, CLIENT_MAC, 6);
	bytes_zeros(b, 10 + 64 + 128);
	if (cookie)
		bytes_put(b, COOKIE, 4);
}

static void opt(struct bytes *b, uint8_t code, const void *v, size_t n)
{
	bytes_u8(b, code);
	bytes_u8(b, (uint8_t)n);
	bytes_put(b, v, n);
}

static void opt_type(struct bytes *b, uint8_t type)
{
	opt(b, 53, &type, 1);
}

static void run(const struct bytes *b, struct ics_log *log)
{
	cr_assert(eq(u32, ics_run_bytes(&ics_dhcp, NULL, -1, b->p, b->len, log), (uint32_t)b->len));
}

static void assert_msg(const struct ics_log *log, uint16_t function, uint8_t op, bool exception)
{
	const struct ics_msg *m = &log->msgs[0].m;

	cr_assert(eq(sz, log->nmsgs, 1));
	cr_assert(eq(u8, m->proto, ICS_DHCP));
	cr_assert(eq(u16, m->function, function));
	cr_assert(eq(u8, m->kind, op == 1 ? ICS_KIND_REQUEST : ICS_KIND_RESPONSE));
	cr_assert(eq(u8, m->sender_role, op == 1 ? ICS_ROLE_CLIENT : ICS_ROLE_SERVER));
	cr_assert(eq(u8, m->receiver_role, op == 1 ? ICS_ROLE_SERVER : ICS_ROLE_CLIENT));
	cr_assert(eq(int, m->exception, exception));
	cr_assert(eq(u8, m->actions, 0));
	cr_assert(m->has_transaction);
	cr_assert(eq(u32, m->transaction, XID));
}

/* Identity i is about the client's MAC: field, value (NULL: none) and ip
 * (NULL: none). */
static void assert_ident(const struct ics_log *log, size_t i, enum ics_field f, const char *value,
			 const uint8_t *ip)
{
	const struct ics_logged_ident *e = &log->idents[i];

	cr_assert(i < log->nidents, "identity %zu of %zu", i, log->nidents);
	cr_assert(eq(u8, e->id.proto, ICS_DHCP));
	cr_assert(eq(u8, e->id.field, f));
	cr_assert(eq(u8, e->id.subject, ICS_SUBJECT_GIVEN));
	cr_assert(e->id.has_mac);
	cr_assert(eq(int, memcmp(e->id.mac, CLIENT_MAC, 6), 0));
	cr_assert(eq(u8, e->id.ip_version, ip ? 4 : 0));
	if (ip)
		cr_assert(eq(int, memcmp(e->id.ip, ip, 4), 0));
	cr_assert(eq(u32, e->id.len, value ? (uint32_t)strlen(value) : 0));
	if (value)
		cr_assert(eq(str, (char *)e->value, (char *)value));
}

/* The fixed part and the cookie, then the message type. */
static void dhcp(struct bytes *b, uint8_t op, const uint8_t ciaddr[4], const uint8_t yiaddr[4],
		 uint8_t type)
{
	bootp(b, op, ciaddr, yiaddr, true);
	opt_type(b, type);
}

/* Ends b's options, dissects it, checks the message and the number of
 * identities, and frees b; the caller looks at the identities in log. */
static void finish(struct bytes *b, struct ics_log *log, uint16_t function, bool exception,
		   size_t nidents)
{
	uint8_t op = b->p[0];

	bytes_u8(b, 255);
	run(b, log);
	assert_msg(log, function, op, exception);
	cr_assert(eq(sz, log->nidents, nidents));
	bytes_free(b);
}

/* The samples' DORA (samples/it/build_dhcp.c): names from the client,
 * the requested address in REQUEST, the address in ACK, none in OFFER. */
Test(dhcp, dora)
{
	static const uint8_t client_id[7] = { 1, 0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56 };
	static const uint8_t mask[4] = { 255, 255, 255, 0 };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	dhcp(&b, 1, ZERO, ZERO, 1);
	opt(&b, 61, client_id, 7);
	opt(&b, 12, "LAPTOP-7QK2M", 12);
	opt(&b, 60, "MSFT 5.0", 8);
	finish(&b, &log, 1, false, 2);
	assert_ident(&log, 0, ICS_F_NAME, "LAPTOP-7QK2M", NULL);
	assert_ident(&log, 1, ICS_F_VENDOR_CLASS, "MSFT 5.0", NULL);
	ics_log_free(&log);

	dhcp(&b, 2, ZERO, CLIENT_IP, 2);
	opt(&b, 54, SERVER_IP, 4);
	opt(&b, 1, mask, 4);
	finish(&b, &log, 2, false, 0);
	ics_log_free(&log);

	dhcp(&b, 1, ZERO, ZERO, 3);
	opt(&b, 12, "LAPTOP-7QK2M", 12);
	opt(&b, 50, CLIENT_IP, 4);
	opt(&b, 54, SERVER_IP, 4);
	finish(&b, &log, 3, false, 2);
	assert_ident(&log, 0, ICS_F_NAME, "LAPTOP-7QK2M", NULL);
	assert_ident(&log, 1, ICS_F_ADDRESS, NULL, CLIENT_IP);
	ics_log_free(&log);

	dhcp(&b, 2, ZERO, CLIENT_IP, 5);
	opt(&b, 54, SERVER_IP, 4);
	opt(&b, 60, "PXEClient", 9);	/* a server's: not the client's class */
	finish(&b, &log, 5, false, 1);
	assert_ident(&log, 0, ICS_F_ADDRESS, NULL, CLIENT_IP);
	ics_log_free(&log);
}

/* ciaddr of a client's message is its address (RFC 2131 4.4.1); the
 * requested address of a DECLINE is someone else's; NAK is negative. */
Test(dhcp, inform_decline_nak)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	dhcp(&b, 1, CLIENT_IP, ZERO, 8);
	finish(&b, &log, 8, false, 1);
	assert_ident(&log, 0, ICS_F_ADDRESS, NULL, CLIENT_IP);
	ics_log_free(&log);

	dhcp(&b, 1, ZERO, ZERO, 4);
	opt(&b, 50, CLIENT_IP, 4);
	finish(&b, &log, 4, false, 0);
	ics_log_free(&log);

	dhcp(&b, 2, ZERO, ZERO, 6);
	finish(&b, &log, 6, true, 0);
	ics_log_free(&log);
}

/* RFC 4702 2: flags, RCODE1, RCODE2, then the name: in DNS wire format
 * with E (whole or partial, 2.1), else ASCII. */
Test(dhcp, client_fqdn)
{
	static const uint8_t wire[] = { 0x05, 0, 0, 4, 'p', 'l', 'c', '1', 5, 'p', 'l', 'a',
					'n', 't', 0 };
	static const uint8_t partial[] = { 0x04, 0, 0, 4, 'p', 'l', 'c', '2' };
	static const uint8_t ascii[] = { 0x00, 0, 0, 'h', 'm', 'i', '.', 'p', 'l', 'a', 'n', 't' };
	static const uint8_t bad[] = { 0x04, 0, 0, 9, 'x' };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	dhcp(&b, 1, ZERO, ZERO, 3);
	opt(&b, 81, wire, sizeof wire);
	finish(&b, &log, 3, false, 1);
	assert_ident(&log, 0, ICS_F_NAME, "plc1.plant", NULL);
	ics_log_free(&log);

	/* From the server too: the name it will use for the client. */
	dhcp(&b, 2, ZERO, ZERO, 2);
	opt(&b, 81, partial, sizeof partial);
	finish(&b, &log, 2, false, 1);
	assert_ident(&log, 0, ICS_F_NAME, "plc2", NULL);
	ics_log_free(&log);

	dhcp(&b, 1, ZERO, ZERO, 1);
	opt(&b, 81, ascii, sizeof ascii);
	opt(&b, 81, wire, sizeof wire);	/* a second one: RFC 3396 not joined, the first counts */
	finish(&b, &log, 1, false, 1);
	assert_ident(&log, 0, ICS_F_NAME, "hmi.plant", NULL);
	ics_log_free(&log);

	/* A label overrunning the option, or no name at all: nothing. */
	dhcp(&b, 1, ZERO, ZERO, 1);
	opt(&b, 81, bad, sizeof bad);
	opt(&b, 12, "", 0);
	finish(&b, &log, 1, false, 0);
	ics_log_free(&log);
}

/* RFC 2131 4.1, RFC 2132 9.3: options go on in file (1), sname (2) or
 * both (3: file first); an overload option there means nothing. */
Test(dhcp, option_overload)
{
	static const uint8_t file_opts[] = { 53, 1, 3, 52, 1, 2, 12, 3, 'p', 'l', 'c', 255 };
	static const uint8_t sname_opts[] = { 60, 4, 'a', 'c', 'm', 'e', 12, 3, 'x', 'x', 'x', 255 };

	for (uint8_t overload = 1; overload <= 3; overload++) {
		struct bytes b = { 0 };
		struct ics_log log = { 0 };

		bootp(&b, 1, ZERO, ZERO, true);
		memcpy(b.p + 108, file_opts, sizeof file_opts);		/* file at 108 */
		memcpy(b.p + 44, sname_opts, sizeof sname_opts);	/* sname at 44 */
		opt(&b, 52, &overload, 1);
		bytes_u8(&b, 255);
		run(&b, &log);
		if (overload == 2) {
			/* sname only: no type, but the options ended: BOOTP. */
			assert_msg(&log, 0, 1, false);
			cr_assert(eq(sz, log.nidents, 2));
			assert_ident(&log, 0, ICS_F_NAME, "xxx", NULL);
			assert_ident(&log, 1, ICS_F_VENDOR_CLASS, "acme", NULL);
		} else {
			assert_msg(&log, 3, 1, false);
			cr_assert(eq(sz, log.nidents, overload == 3 ? 2 : 1));
			assert_ident(&log, 0, ICS_F_NAME, "plc", NULL);	/* file's first */
			if (overload == 3)
				assert_ident(&log, 1, ICS_F_VENDOR_CLASS, "acme", NULL);
		}
		ics_log_free(&log);
		bytes_free(&b);
	}
}

/* RFC 951: no cookie, a 64-byte vend field: function 0; a reply's yiaddr
 * is the client's.  Without cookie and shorter than 300: not BOOTP. */
Test(dhcp, plain_bootp)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	bootp(&b, 2, ZERO, CLIENT_IP, false);
	bytes_zeros(&b, 64);
	run(&b, &log);
	assert_msg(&log, 0, 2, false);
	cr_assert(eq(sz, log.nidents, 1));
	assert_ident(&log, 0, ICS_F_ADDRESS, NULL, CLIENT_IP);
	ics_log_free(&log);
	b.len = 299;
	run(&b, &log);
	cr_assert(eq(sz, log.nmsgs, 0));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* A message's host name, then the same message as op 3, as another
 * hardware type, with a zero chaddr. */
Test(dhcp, not_bootp_or_no_client_mac)
{
	static const struct {
		uint8_t op, htype, mac0;
		size_t nmsgs, nidents;
	} cases[] = { { 1, 1, 0x00, 1, 1 }, { 3, 1, 0x00, 0, 0 }, { 1, 6, 0x00, 1, 0 },
		      { 1, 1, 0xff, 1, 0 } };
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	dhcp(&b, 1, ZERO, ZERO, 1);
	opt(&b, 12, "plc", 3);
	bytes_u8(&b, 255);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		b.p[0] = cases[i].op;
		b.p[1] = cases[i].htype;
		if (cases[i].mac0)
			memset(b.p + 28, 0, 6);
		run(&b, &log);
		cr_assert(eq(sz, log.nmsgs, cases[i].nmsgs), "case %zu", i);
		cr_assert(eq(sz, log.nidents, cases[i].nidents), "case %zu", i);
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/* An option overrunning the message is not used; the type before it is. */
Test(dhcp, option_overrunning)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	dhcp(&b, 1, ZERO, ZERO, 1);
	bytes_u8(&b, 12);
	bytes_u8(&b, 200);
	bytes_put(&b, "plc", 3);
	run(&b, &log);
	assert_msg(&log, 1, 1, false);
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&b);
	/* A type of 2 bytes is no type: no end option, so no message. */
	bootp(&b, 1, ZERO, ZERO, true);
	opt(&b, 53, "\x01\x01", 2);
	run(&b, &log);
	cr_assert(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/*
 * Every cut of a REQUEST with host name, vendor class and requested
 * address: nothing until option 53 is whole, then the message, and each
 * identity once its option is whole; all consumed.
 */
Test(dhcp, truncated_at_every_byte)
{
	struct bytes b = { 0 };
	struct ics_log full = { 0 }, log = { 0 };
	size_t type_end, host_end, vclass_end, req_end;

	bootp(&b, 1, CLIENT_IP, ZERO, true);
	opt(&b, 12, "PLC-1", 5);
	host_end = b.len;
	opt_type(&b, 3);
	type_end = b.len;
	opt(&b, 60, "acme", 4);
	vclass_end = b.len;
	opt(&b, 50, CLIENT_IP, 4);
	req_end = b.len;
	bytes_u8(&b, 255);
	run(&b, &full);
	cr_assert(eq(sz, full.nidents, 4));	/* name, class, ciaddr, requested */
	for (size_t n = 0; n < b.len; n++) {
		size_t want = 0;

		cr_assert(eq(u32, ics_run_bytes(&ics_dhcp, NULL, -1, b.p, n, &log), (uint32_t)n));
		if (n < type_end) {
			cr_assert(eq(sz, log.nmsgs, 0), "cut at %zu", n);
			cr_assert(eq(sz, log.nidents, 0), "cut at %zu", n);
			continue;
		}
		cr_assert(eq(sz, log.nmsgs, 1));
		cr_assert(eq(int, memcmp(&log.msgs[0].m, &full.msgs[0].m, sizeof full.msgs[0].m), 0));
		want = (n >= host_end) + (n >= vclass_end) + 1 + (n >= req_end);
		cr_assert(eq(sz, log.nidents, want), "cut at %zu", n);
		for (size_t i = 0, j = 0; i < log.nidents; i++, j++) {
			while (j < full.nidents && (full.idents[j].id.field != log.idents[i].id.field ||
						    strcmp(full.idents[j].value, log.idents[i].value) ||
						    memcmp(full.idents[j].id.ip, log.idents[i].id.ip, 4)))
				j++;
			cr_assert(j < full.nidents, "cut at %zu: identity %zu not in the whole", n, i);
		}
		ics_log_free(&log);
	}
	ics_log_free(&full);
	bytes_free(&b);
}

Test(dhcp, function_names)
{
	static const char *const names[] = { "bootp", "discover", "offer", "request", "decline",
					     "ack", "nak", "release", "inform" };

	for (uint16_t i = 0; i < 9; i++)
		cr_assert(eq(str, (char *)ics_function_name(ICS_DHCP, i), (char *)names[i]));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DHCP, 9), "force_renew"));
	cr_assert(eq(str, (char *)ics_function_name(ICS_DHCP, 18), "tls"));
	cr_assert(ics_function_name(ICS_DHCP, 19) == NULL);
}

/* ---- real captures against tshark ---- */

static struct dhcp_capture {
	char rel[80];
	size_t frames, idents;	/* idents: counted by hand from tshark's fields */
} dhcp_captures[] = {
	{ "ics/profinet/profinet_io_cm_mixed_1.pcap", 62, 46 + 16 * 2 },	/* a switch, a laptop */
	{ "encap/sll/sll.pcap", 1, 3 },				/* INFORM with ciaddr */
	{ "encap/other/raw_ip.pcap", 2, 4 },			/* no link layer */
	{ "pcapng/pcapng-test-generator/output_le/basic/test001.pcapng", 4, 2 },	/* DORA */
	{ "pcapng/pcapng-test-generator/output_le/difficult/test202.pcapng", 6, 0 }, /* cut */
};

ParameterizedTestParameters(dhcp, against_tshark)
{
	return cr_make_param_array(struct dhcp_capture, dhcp_captures,
				   sizeof dhcp_captures / sizeof dhcp_captures[0]);
}

/* Asserts that frame has exactly one DHCP identity of field about mac,
 * with value (NULL: any) and ip (NULL: none); returns 1. */
static size_t expect_one(const struct ics_log *log, uint64_t frame, enum ics_field f,
			 const char *value, const char *ip, const uint8_t mac[6])
{
	uint8_t want[4] = { 0 };
	size_t n = 0;

	if (ip)
		cr_assert(inet_pton(AF_INET, ip, want) == 1);
	for (size_t i = 0; i < log->nidents; i++) {
		const struct ics_logged_ident *e = &log->idents[i];

		n += e->frame == frame && e->id.proto == ICS_DHCP && e->id.field == f &&
		     e->id.has_mac && !memcmp(e->id.mac, mac, 6) &&
		     (!value || !strcmp(e->value, value)) &&
		     e->id.ip_version == (ip ? 4 : 0) && (!ip || !memcmp(e->id.ip, want, 4));
	}
	cr_assert(eq(sz, n, 1), "frame %llu: %s %s %s", (unsigned long long)frame,
		  ics_field_name(f), value ? value : "", ip ? ip : "");
	return n;
}

/*
 * Per frame tshark calls DHCP: one message, function = option 53 (0 when
 * absent), kind by op; the client's host name, FQDN, vendor class (from
 * clients) and its bound addresses (ciaddr of a client's message, option
 * 50 of a REQUEST, yiaddr of an ACK), each once, and nothing else.
 * Explained difference: tshark dissects a message the snaplen cut inside
 * its fixed part (test202: 54 of 280 bytes captured); we emit nothing for
 * it (its type is in the missing bytes).
 */
ParameterizedTest(const struct dhcp_capture *cap, dhcp, against_tshark)
{
	static const char *const fields[] = {
		"dhcp.type",		"dhcp.option.dhcp",	    "dhcp.hw.mac_addr",
		"dhcp.ip.client",	"dhcp.ip.your",		    "dhcp.option.hostname",
		"dhcp.option.vendor_class_id", "dhcp.option.requested_ip_address", "dhcp.fqdn.name",
		"frame.cap_len",	"frame.len",
	};
	const char *path = corpus_file(cap->rel);
	struct tshark_rows t;
	struct ics_log log = { 0 };
	size_t nident = 0, nmsg = 0;

	cr_assert(tshark_fields(path, "dhcp", NULL, fields, 11, &t));
	cr_assert(ics_run_file(path, &log));
	cr_assert(eq(sz, t.nrows, cap->frames));
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		unsigned op = (unsigned)strtoul(tshark_cell(&t, r, 1), NULL, 10);
		const char *type = tshark_cell(&t, r, 2);
		unsigned function = (unsigned)strtoul(type, NULL, 10);
		const char *ciaddr = tshark_cell(&t, r, 4), *yiaddr = tshark_cell(&t, r, 5);
		const char *host = tshark_cell(&t, r, 6), *vclass = tshark_cell(&t, r, 7);
		const char *req = tshark_cell(&t, r, 8), *fqdn = tshark_cell(&t, r, 9);
		bool cut = strcmp(tshark_cell(&t, r, 10), tshark_cell(&t, r, 11)) != 0;
		uint8_t mac[6];
		size_t want = 0, found = 0;

		for (size_t i = 0; i < log.nmsgs; i++)
			if (log.msgs[i].frame == frame && log.msgs[i].m.proto == ICS_DHCP) {
				cr_assert(eq(u16, log.msgs[i].m.function, function));
				cr_assert(eq(u8, log.msgs[i].m.kind,
					     op == 1 ? ICS_KIND_REQUEST : ICS_KIND_RESPONSE));
				found++;
			}
		if (cut && !*type) {
			cr_assert(eq(sz, found, 0), "frame %llu", (unsigned long long)frame);
			continue;
		}
		cr_assert(eq(sz, found, 1), "frame %llu", (unsigned long long)frame);
		nmsg++;
		cr_assert(sscanf(tshark_cell(&t, r, 3), "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0],
				 &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) == 6);
		if (*host)
			want += expect_one(&log, frame, ICS_F_NAME, host, NULL, mac);
		if (*fqdn)
			want += expect_one(&log, frame, ICS_F_NAME, fqdn, NULL, mac);
		if (*vclass && op == 1)
			want += expect_one(&log, frame, ICS_F_VENDOR_CLASS, vclass, NULL, mac);
		if (op == 1 && strcmp(ciaddr, "0.0.0.0"))
			want += expect_one(&log, frame, ICS_F_ADDRESS, NULL, ciaddr, mac);
		if (function == 3 && *req && strcmp(req, "0.0.0.0"))
			want += expect_one(&log, frame, ICS_F_ADDRESS, NULL, req, mac);
		if (op == 2 && (function == 5 || function == 0) && strcmp(yiaddr, "0.0.0.0"))
			want += expect_one(&log, frame, ICS_F_ADDRESS, NULL, yiaddr, mac);
		nident += want;
	}
	cr_assert(eq(sz, ics_log_count(&log, ICS_DHCP, -1), nmsg));
	cr_assert(eq(sz, nident, cap->idents));
	for (size_t i = 0; i < log.nidents; i++)
		nident -= log.idents[i].id.proto == ICS_DHCP;
	cr_assert(eq(sz, nident, 0), "identities beyond tshark's");
	tshark_rows_free(&t);
	ics_log_free(&log);
}
