/*
 * test_lldp.c - formats/ics/lldp.c: LLDPDUs built TLV by TLV (IEEE
 * 802.1AB-2016 clause 8: the mandatory three, names, descriptions,
 * management addresses, LLDP-MED inventory, shutdown, bad orders and
 * lengths, every truncation), and the LLDP of the shared corpus against
 * tshark's lldp dissector.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

#define BE true

extern const struct ics_dissector ics_lldp;

TestSuite(lldp);

static const uint8_t SRC_MAC[6] = { 0x00, 0x80, 0xf4, 0x12, 0x34, 0x56 };

/* ------------------------------------------------------------ builders */

/* 8.4.1: 7-bit type, 9-bit length; sub (when >= 0) is a subtype octet
 * counted in the length. */
static void tlv(struct bytes *b, unsigned type, int sub, const void *v, size_t n)
{
	size_t len = n + (sub >= 0);

	bytes_u16(b, (uint16_t)(type << 9 | (len & 0x1ff)), BE);
	if (sub >= 0)
		bytes_u8(b, (uint8_t)sub);
	bytes_put(b, v, n);
}

/* 8.5.9: address string length, IANA family, address, interface numbering
 * (2: ifIndex) and number, OID length 0. */
static void mgmt(struct bytes *b, uint8_t family, const uint8_t *addr, size_t n)
{
	struct bytes v = { 0 };

	bytes_u8(&v, (uint8_t)(n + 1));
	bytes_u8(&v, family);
	bytes_put(&v, addr, n);
	bytes_u8(&v, 2);
	bytes_u32(&v, 3, BE);
	bytes_u8(&v, 0);
	tlv(b, 8, -1, v.p, v.len);
	bytes_free(&v);
}

/* TIA-1057 inventory: OUI 00-12-BB, subtype, string. */
static void med(struct bytes *b, uint8_t subtype, const char *s)
{
	struct bytes v = { 0 };

	bytes_put(&v, "\x00\x12\xbb", 3);
	bytes_u8(&v, subtype);
	bytes_put(&v, s, strlen(s));
	tlv(b, 127, -1, v.p, v.len);
	bytes_free(&v);
}

static const uint8_t IP4[4] = { 192, 168, 1, 239 };
static const uint8_t IP6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a };

struct marks {
	size_t ttl_end, name_end, descr_end, v4_end, v6_end;
};

/* The LLDPDU of a station like the plant's IEDs, plus addresses. */
static struct marks station(struct bytes *b, uint16_t ttl)
{
	static const uint8_t caps[4] = { 0x00, 0x80, 0x00, 0x80 };
	struct marks k;

	tlv(b, 1, 4, SRC_MAC, 6);
	tlv(b, 2, 5, "eth0", 4);
	tlv(b, 3, -1, (const uint8_t[]){ (uint8_t)(ttl >> 8), (uint8_t)ttl }, 2);
	k.ttl_end = b->len;
	tlv(b, 4, -1, "Ethernet port 1 (process network)", 33);
	tlv(b, 5, -1, "ied-q1", 6);
	k.name_end = b->len;
	tlv(b, 6, -1, "ABB REF615\r\nfirmware 5.0", 24);
	k.descr_end = b->len;
	tlv(b, 7, -1, caps, 4);
	mgmt(b, 1, IP4, 4);
	k.v4_end = b->len;
	mgmt(b, 2, IP6, 16);
	k.v6_end = b->len;
	tlv(b, 0, -1, NULL, 0);
	return k;
}

static struct tp_packet from_mac(void)
{
	struct tp_packet p;

	memset(&p, 0, sizeof p);
	p.has_mac = true;
	memcpy(p.src_mac, SRC_MAC, 6);
	return p;
}

/* Identities of a field, counted. */
static size_t count_field(const struct ics_log *log, enum ics_field f)
{
	size_t n = 0;

	for (size_t i = 0; i < log->nidents; i++)
		n += log->idents[i].id.field == f;
	return n;
}

/* ---------------------------------------------------------- hand-built */

Test(lldp, reports_one_announcement_and_the_senders_identity)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	struct tp_packet pkt = from_mac();
	const struct ics_logged_ident *a;
	const struct ics_msg *m;

	station(&b, 120);
	cr_assert(eq(u32, ics_run_bytes(&ics_lldp, &pkt, -1, b.p, b.len, &log), (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	m = &log.msgs[0].m;
	cr_assert(eq(u8, m->proto, ICS_LLDP));
	cr_assert(eq(u8, m->kind, ICS_KIND_ANNOUNCE));
	cr_assert(eq(u16, m->function, 0));
	cr_assert(same(ics_function_name(ICS_LLDP, 0), "lldpdu"));
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_NONE));
	cr_assert(eq(u8, m->actions, 0));
	cr_assert(not(m->has_transaction || m->has_unit || m->nseq));
	cr_assert(eq(sz, log.nidents, 5));
	cr_assert(same(ics_log_ident(&log, ICS_LLDP, ICS_F_PORT)->value, "eth0"));
	cr_assert(same(ics_log_ident(&log, ICS_LLDP, ICS_F_NAME)->value, "ied-q1"));
	cr_assert(same(ics_log_ident(&log, ICS_LLDP, ICS_F_SYSDESCR)->value,
		       "ABB REF615\r\nfirmware 5.0"));
	cr_assert(eq(u8, ics_log_ident(&log, ICS_LLDP, ICS_F_NAME)->id.subject,
		     ICS_SUBJECT_SENDER));
	a = ics_log_ident(&log, ICS_LLDP, ICS_F_ADDRESS);
	cr_assert(eq(u8, a->id.subject, ICS_SUBJECT_GIVEN));
	cr_assert(a->id.has_mac);
	cr_assert(same_bytes(a->id.mac, SRC_MAC, 6));
	cr_assert(eq(u8, a->id.ip_version, 4));
	cr_assert(same_bytes(a->id.ip, (const uint8_t[16]){ 192, 168, 1, 239 }, 16));
	cr_assert(eq(u32, a->id.len, 0));
	a++;
	cr_assert(eq(u8, a->id.field, ICS_F_ADDRESS));
	cr_assert(eq(u8, a->id.ip_version, 6));
	cr_assert(same_bytes(a->id.ip, IP6, 16));
	ics_log_free(&log);
	bytes_free(&b);
}

/* 9.2.6.2: TTL 0 withdraws the sender's information. */
Test(lldp, ttl_zero_is_a_shutdown)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	station(&b, 0);
	ics_run_bytes(&ics_lldp, NULL, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u16, log.msgs[0].m.function, 1));
	cr_assert(same(ics_function_name(ICS_LLDP, 1), "lldpdu_shutdown"));
	cr_assert(same(ics_function_name(ICS_LLDP, 2), NULL));
	/* no source MAC known: the management addresses bind nothing */
	cr_assert(eq(sz, count_field(&log, ICS_F_ADDRESS), 0));
	cr_assert(eq(sz, count_field(&log, ICS_F_NAME), 1));
	ics_log_free(&log);
	bytes_free(&b);
}

struct port_case {
	const char *why;
	uint8_t subtype;
	const uint8_t *id;
	size_t n;
	const char *want;	/* NULL: no port identity */
	size_t want_len;
};

#define ID(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof (const uint8_t[]){ __VA_ARGS__ }

/* 8.5.3.2: strings as sent, addresses as text. */
Test(lldp, port_id_by_subtype)
{
	const struct port_case cases[] = {
		{ "interface alias", 1, ID('1', '9'), "19", 2 },
		{ "MAC address", 3, ID(0x28, 0x80, 0x88, 0xe3, 0xcb, 0x3b), "28:80:88:e3:cb:3b", 17 },
		{ "MAC address of 5 octets", 3, ID(0x28, 0x80, 0x88, 0xe3, 0xcb), NULL, 0 },
		{ "IPv4 address", 4, ID(1, 192, 168, 1, 2), "192.168.1.2", 11 },
		{ "IPv6 address", 4, ID(2, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a),
		  "fd00::a", 7 },
		{ "IPv4 family, 3 octets", 4, ID(1, 192, 168, 1), NULL, 0 },
		{ "unknown family", 4, ID(6, 0, 1, 2, 3, 4, 5), NULL, 0 },
		{ "interface name", 5, ID('p', 'o', 'r', 't', '-', '0', '0', '1'), "port-001", 8 },
		{ "locally assigned, binary", 7, ID(0x01, 0x00, 0xff), "\x01\x00\xff", 3 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct port_case *c = &cases[i];
		struct bytes b = { 0 };
		struct ics_log log = { 0 };
		const struct ics_logged_ident *p;

		tlv(&b, 1, 4, SRC_MAC, 6);
		tlv(&b, 2, c->subtype, c->id, c->n);
		tlv(&b, 3, -1, "\x00\x78", 2);
		ics_run_bytes(&ics_lldp, NULL, -1, b.p, b.len, &log);
		cr_assert(eq(sz, log.nmsgs, 1), "%s", c->why);
		p = ics_log_ident(&log, ICS_LLDP, ICS_F_PORT);
		cr_assert(eq(int, p != NULL, c->want != NULL), "%s", c->why);
		if (p) {
			cr_assert(eq(u32, p->id.len, (uint32_t)c->want_len), "%s", c->why);
			cr_assert(same_bytes((const uint8_t *)p->value, (const uint8_t *)c->want,
					     c->want_len), "%s", c->why);
		}
		ics_log_free(&log);
		bytes_free(&b);
	}
}

/* An all-zero address is none; a MAC family or a length that does not
 * fit its family is skipped. */
Test(lldp, management_addresses_that_are_not_ip_are_skipped)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	struct tp_packet pkt = from_mac();
	const uint8_t zero[16] = { 0 };

	tlv(&b, 1, 7, "SCALANCE", 8);
	tlv(&b, 2, 7, "port-004", 8);
	tlv(&b, 3, -1, "\x00\x14", 2);
	mgmt(&b, 1, zero, 4);
	mgmt(&b, 2, zero, 16);
	mgmt(&b, 6, SRC_MAC, 6);
	mgmt(&b, 1, IP6, 16);
	mgmt(&b, 2, IP4, 4);
	tlv(&b, 8, -1, "\x05", 1);	/* cut after the length */
	tlv(&b, 8, -1, "\x05\x01\xc0\xa8", 4);	/* address longer than the TLV */
	ics_run_bytes(&ics_lldp, &pkt, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, count_field(&log, ICS_F_ADDRESS), 0));
	cr_assert(eq(sz, log.nidents, 1));	/* the port */
	ics_log_free(&log);
	bytes_free(&b);
}

/* TIA-1057 10.2.6.2-10.2.6.6. */
Test(lldp, med_inventory_gives_vendor_model_serial_and_firmware)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	tlv(&b, 1, 4, SRC_MAC, 6);
	tlv(&b, 2, 3, SRC_MAC, 6);
	tlv(&b, 3, -1, "\x00\x78", 2);
	med(&b, 5, "HW 2");			/* hardware revision: no field */
	med(&b, 6, "FW 1.2");
	med(&b, 7, "SW 3.4.5");
	med(&b, 8, "SN0042");
	med(&b, 9, "Hirschmann");
	med(&b, 10, "RSP35");
	med(&b, 11, "asset 17");		/* no field */
	med(&b, 9, "");				/* empty: nothing */
	tlv(&b, 127, -1, "\x00\x80\xc2\x01\x00\x01", 6);	/* 802.1 PVID */
	tlv(&b, 127, -1, "\x00\x12", 2);	/* too short for OUI and subtype */
	ics_run_bytes(&ics_lldp, NULL, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nidents, 6));
	cr_assert(same(log.idents[0].value, "00:80:f4:12:34:56"));
	cr_assert(eq(u8, log.idents[1].id.field, ICS_F_FIRMWARE));
	cr_assert(same(log.idents[1].value, "FW 1.2"));
	cr_assert(eq(u8, log.idents[2].id.field, ICS_F_FIRMWARE));
	cr_assert(same(log.idents[2].value, "SW 3.4.5"));
	cr_assert(same(ics_log_ident(&log, ICS_LLDP, ICS_F_SERIAL)->value, "SN0042"));
	cr_assert(same(ics_log_ident(&log, ICS_LLDP, ICS_F_VENDOR)->value, "Hirschmann"));
	cr_assert(same(ics_log_ident(&log, ICS_LLDP, ICS_F_MODEL)->value, "RSP35"));
	ics_log_free(&log);
	bytes_free(&b);
}

/* 9.2.7.7.1: Chassis ID, Port ID, TTL first, in that order and of valid
 * lengths, or the LLDPDU is discarded; nothing after End is read. */
Test(lldp, refuses_lldpdus_without_the_mandatory_tlvs)
{
	struct bytes cases[8] = { 0 };
	uint8_t long_id[300];
	struct ics_log log = { 0 };

	memset(long_id, 'x', sizeof long_id);
	tlv(&cases[0], 2, 5, "eth0", 4);			/* port first */
	tlv(&cases[1], 1, 4, NULL, 0);				/* chassis: subtype only */
	tlv(&cases[1], 2, 5, "eth0", 4);
	tlv(&cases[1], 3, -1, "\x00\x78", 2);
	tlv(&cases[2], 1, 7, long_id, 256);			/* chassis of 257 */
	tlv(&cases[2], 2, 5, "eth0", 4);
	tlv(&cases[2], 3, -1, "\x00\x78", 2);
	tlv(&cases[3], 1, 4, SRC_MAC, 6);
	tlv(&cases[3], 2, 5, "eth0", 4);
	tlv(&cases[3], 0, -1, NULL, 0);				/* no TTL */
	tlv(&cases[4], 1, 4, SRC_MAC, 6);
	tlv(&cases[4], 2, 5, "eth0", 4);
	tlv(&cases[4], 3, -1, "\x78", 1);			/* TTL of 1 */
	tlv(&cases[5], 1, 4, SRC_MAC, 6);
	tlv(&cases[5], 3, -1, "\x00\x78", 2);			/* port and TTL swapped */
	tlv(&cases[5], 2, 5, "eth0", 4);
	tlv(&cases[6], 1, 4, SRC_MAC, 6);
	tlv(&cases[6], 2, 5, long_id, 300);			/* port of 301 */
	tlv(&cases[6], 3, -1, "\x00\x78", 2);
	tlv(&cases[7], 1, 4, SRC_MAC, 6);
	tlv(&cases[7], 2, 7, NULL, 0);				/* port: subtype only */
	tlv(&cases[7], 3, -1, "\x00\x78", 2);
	for (size_t i = 0; i < 8; i++) {
		tlv(&cases[i], 5, -1, "name", 4);
		cr_assert(eq(u32, ics_run_bytes(&ics_lldp, NULL, -1, cases[i].p, cases[i].len, &log),
			     (uint32_t)cases[i].len));
		cr_assert(eq(sz, log.nmsgs, 0), "case %zu", i);
		cr_assert(eq(sz, log.nidents, 0), "case %zu", i);
		bytes_free(&cases[i]);
	}
	/* End, then a System Name that is not part of the LLDPDU */
	tlv(&cases[0], 1, 4, SRC_MAC, 6);
	tlv(&cases[0], 2, 3, SRC_MAC, 6);
	tlv(&cases[0], 3, -1, "\x00\x78", 2);
	tlv(&cases[0], 0, -1, NULL, 0);
	tlv(&cases[0], 5, -1, "after end", 9);
	ics_run_bytes(&ics_lldp, NULL, -1, cases[0].p, cases[0].len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, count_field(&log, ICS_F_NAME), 0));
	ics_log_free(&log);
	bytes_free(&cases[0]);
}

/*
 * An LLDPDU cut after n octets: the message and port once the TTL TLV is
 * whole, each other identity once its TLV is; all bytes consumed.
 */
Test(lldp, truncated_at_every_octet_reports_only_whole_tlvs)
{
	struct bytes b = { 0 };
	struct tp_packet pkt = from_mac();
	struct marks k = station(&b, 120);

	for (size_t n = 0; n < b.len; n++) {
		struct ics_log log = { 0 };

		cr_assert(eq(u32, ics_run_bytes(&ics_lldp, &pkt, -1, b.p, n, &log), (uint32_t)n));
		cr_assert(eq(sz, log.nmsgs, n >= k.ttl_end), "n=%zu", n);
		cr_assert(eq(sz, count_field(&log, ICS_F_PORT), n >= k.ttl_end), "n=%zu", n);
		cr_assert(eq(sz, count_field(&log, ICS_F_NAME), n >= k.name_end), "n=%zu", n);
		cr_assert(eq(sz, count_field(&log, ICS_F_SYSDESCR), n >= k.descr_end), "n=%zu", n);
		cr_assert(eq(sz, count_field(&log, ICS_F_ADDRESS),
			     (size_t)(n >= k.v4_end) + (n >= k.v6_end)), "n=%zu", n);
		if (count_field(&log, ICS_F_SYSDESCR))
			cr_assert(same(ics_log_ident(&log, ICS_LLDP, ICS_F_SYSDESCR)->value,
				       "ABB REF615\r\nfirmware 5.0"));
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/* ---------------------------------------------------------------- corpus */

enum { T_PORT = 1, T_PORT_MAC, T_NAME, T_DESCR, T_IP4, T_NFIELDS = T_IP4 };

/* The value of the first identity of field in frame, "" if none. */
static const char *ident_in(const struct ics_log *log, uint64_t frame, enum ics_field f)
{
	for (size_t i = 0; i < log->nidents; i++)
		if (log->idents[i].frame == frame && log->idents[i].id.field == f &&
		    log->idents[i].id.proto == ICS_LLDP)
			return log->idents[i].value;
	return "";
}

/* A value as tshark -T fields prints a string: CR, LF and tab escaped. */
static void tshark_escape(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s && o + 3 < cap; s++) {
		const char *e = *s == '\r' ? "\\r" : *s == '\n' ? "\\n" : *s == '\t' ? "\\t" : NULL;

		if (e) {
			memcpy(out + o, e, 2);
			o += 2;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

/* The IPv4 management addresses bound to the sender in frame, as tshark
 * lists them (comma-separated), 0.0.0.0 left out of tshark's list. */
static bool same_addresses(const struct ics_log *log, uint64_t frame, const char *tshark)
{
	char want[256] = "", got[256] = "";

	for (const char *tok = tshark; *tok;) {
		size_t n = strcspn(tok, ",");

		if (n != 7 || strncmp(tok, "0.0.0.0", 7))
			snprintf(want + strlen(want), sizeof want - strlen(want), "%s%.*s",
				 *want ? "," : "", (int)n, tok);
		tok += n + (tok[n] == ',');
	}
	for (size_t i = 0; i < log->nidents; i++) {
		const struct ics_ident *id = &log->idents[i].id;

		if (log->idents[i].frame == frame && id->field == ICS_F_ADDRESS && id->ip_version == 4)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%u.%u.%u.%u",
				 *got ? "," : "", id->ip[0], id->ip[1], id->ip[2], id->ip[3]);
	}
	return same(got, want);
}

/*
 * Every LLDPDU tshark decodes is one message in the same frame; per
 * frame, the port id (lldp.port.id, or lldp.port.id.mac for subtype 3),
 * system name and description, and the IPv4 management addresses (tshark
 * also lists 0.0.0.0, which names no address and is not reported) agree.
 */
static void compare_with_tshark(const char *rel, size_t frames)
{
	static const char *const fields[T_NFIELDS] = { "lldp.port.id", "lldp.port.id.mac",
						       "lldp.tlv.system.name", "lldp.tlv.system.desc",
						       "lldp.mgn.addr.ip4" };
	const char *path = corpus_file(rel);
	struct tshark_rows t;
	struct ics_log log = { 0 };
	size_t k = 0;

	cr_assert(tshark_fields(path, "lldp", NULL, fields, T_NFIELDS, &t));
	cr_assert(ics_run_file(path, &log));
	cr_assert(eq(sz, t.nrows, frames), "%s: tshark", rel);
	cr_assert(eq(sz, ics_log_count(&log, ICS_LLDP, -1), frames), "%s", rel);
	cr_assert(eq(sz, ics_log_count(&log, ICS_LLDP, 0), frames), "%s: no shutdown", rel);
	for (size_t i = 0; i < log.nmsgs; i++) {
		uint64_t frame = log.msgs[i].frame;
		const char *port;
		char name[ICS_LOG_VALUE * 2 + 1], descr[ICS_LOG_VALUE * 2 + 1];

		if (log.msgs[i].m.proto != ICS_LLDP)
			continue;
		port = *tshark_cell(&t, k, T_PORT) ? tshark_cell(&t, k, T_PORT) :
						     tshark_cell(&t, k, T_PORT_MAC);
		tshark_escape(ident_in(&log, frame, ICS_F_NAME), name, sizeof name);
		tshark_escape(ident_in(&log, frame, ICS_F_SYSDESCR), descr, sizeof descr);
		cr_assert(eq(u64, frame, strtoull(tshark_cell(&t, k, 0), NULL, 10)), "%s", rel);
		cr_assert(same(ident_in(&log, frame, ICS_F_PORT), port), "%s frame %llu", rel,
			  (unsigned long long)frame);
		cr_assert(same(name, tshark_cell(&t, k, T_NAME)));
		cr_assert(same(descr, tshark_cell(&t, k, T_DESCR)));
		cr_assert(same_addresses(&log, frame, tshark_cell(&t, k, T_IP4)), "%s frame %llu",
			  rel, (unsigned long long)frame);
		k++;
	}
	cr_assert(eq(sz, k, frames));
	tshark_rows_free(&t);
	ics_log_free(&log);
}

/* Two H3C switches seen through an ERSPAN type I mirror. */
Test(lldp, switches_behind_erspan_match_tshark)
{
	compare_with_tshark("encap/erspan/erspan-type-i-4.pcap", 5);
}

Test(lldp, beside_ethernet_ip_matches_tshark)
{
	compare_with_tshark("ics/enip/enip_cip_example.pcap", 2);
}

Test(lldp, beside_bsap_matches_tshark)
{
	compare_with_tshark("ics/other/bsap-ip_example.pcap", 34);
}

/* SCALANCE switches and a PROFINET device: chassis and port ids locally
 * assigned, management address 0.0.0.0 on the switches. */
Test(lldp, profinet_stations_match_tshark)
{
	compare_with_tshark("ics/profinet/profinet_io_cm_mixed_1.pcap", 201);
}

/* tcpdump's infinite-loop reproducer: an Application Protocol TLV of 263
 * octets and more of the same; one message, read to the end. */
Test(lldp, infinite_loop_reproducer_matches_tshark)
{
	compare_with_tshark("malformed/lldp-infinite-loop-1.pcap", 1);
}
