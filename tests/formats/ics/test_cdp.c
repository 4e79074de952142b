/*
 * test_cdp.c - formats/ics/cdp.c: CDP advertisements built byte by byte
 * (header, the identity TLVs, address lists, bad versions and lengths,
 * every truncation), whole 802.3/LLC/SNAP frames with Ethernet padding
 * through the decoder, and the CDP of the shared corpus against tshark's
 * cdp dissector.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "formats/packet.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

#define BE true

extern const struct ics_dissector ics_cdp;

TestSuite(cdp);

static const uint8_t CDP_MAC[6] = { 0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc };
static const uint8_t V4[4] = { 10, 118, 10, 1 };
static const uint8_t V6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t MGMT[4] = { 10, 0, 0, 1 };
/* What the decoder gives for a frame from a 2811 router. */
static const struct tp_packet SENDER = { .has_mac = true,
					 .src_mac = { 0x00, 0x13, 0xc3, 0xdf, 0xae, 0x18 } };
static const uint8_t SNAP_IPV6[8] = { 0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd };

#define SOFTWARE "Cisco IOS Software, 2800 Software (C2800NM-ADVIPSERVICESK9-M), " \
		 "Version 12.4(24)T, RELEASE SOFTWARE (fc1)\nTechnical Support: " \
		 "http://www.cisco.com/techsupport"

/* ------------------------------------------------------------ builders */

static void cdp_tlv(struct bytes *b, uint16_t type, const void *v, size_t n)
{
	bytes_u16(b, type, BE);
	bytes_u16(b, (uint16_t)(n + 4), BE);
	bytes_put(b, v, n);
}

/* Address entries: NLPID IPv4, or 802.2 SNAP IPv6. */
static void entry_v4(struct bytes *b, const uint8_t ip[4])
{
	bytes_put(b, "\x01\x01\xcc\x00\x04", 5);
	bytes_put(b, ip, 4);
}

static void entry_v6(struct bytes *b, const uint8_t ip[16])
{
	bytes_u8(b, 2);
	bytes_u8(b, sizeof SNAP_IPV6);
	bytes_put(b, SNAP_IPV6, sizeof SNAP_IPV6);
	bytes_u16(b, 16, BE);
	bytes_put(b, ip, 16);
}

struct marks {
	size_t header_end, name_end, soft_end, platform_end, addr_end, port_end, sysname_end,
		mgmt_end;
};

/* A router's advertisement, as a 2811 sends it, plus System Name. */
static struct marks router(struct bytes *b, uint8_t version)
{
	struct bytes a = { 0 };
	struct marks k;

	bytes_u8(b, version);
	bytes_u8(b, 180);
	bytes_u16(b, 0xbae2, BE);	/* checksum: not checked */
	k.header_end = b->len;
	cdp_tlv(b, 0x0001, "R1", 2);
	k.name_end = b->len;
	cdp_tlv(b, 0x0005, SOFTWARE, strlen(SOFTWARE));
	k.soft_end = b->len;
	cdp_tlv(b, 0x0006, "Cisco 2811", 10);
	k.platform_end = b->len;
	bytes_u32(&a, 2, BE);
	entry_v4(&a, V4);
	entry_v6(&a, V6);
	cdp_tlv(b, 0x0002, a.p, a.len);
	k.addr_end = b->len;
	cdp_tlv(b, 0x0003, "FastEthernet0/0", 15);
	k.port_end = b->len;
	cdp_tlv(b, 0x0004, "\x00\x00\x00\x29", 4);
	cdp_tlv(b, 0x000a, "\x00\x01", 2);	/* native VLAN 1 */
	cdp_tlv(b, 0x0014, "R1.plant.local", 14);
	k.sysname_end = b->len;
	a.len = 0;
	bytes_u32(&a, 1, BE);
	entry_v4(&a, MGMT);
	cdp_tlv(b, 0x0016, a.p, a.len);
	k.mgmt_end = b->len;
	bytes_free(&a);
	return k;
}

/* The i-th identity of field f reported for frame (0: ics_run_bytes). */
static const struct ics_logged_ident *nth(const struct ics_log *log, uint64_t frame,
					  enum ics_field f, size_t i)
{
	for (size_t j = 0; j < log->nidents; j++)
		if (log->idents[j].frame == frame && log->idents[j].id.field == f && i-- == 0)
			return &log->idents[j];
	return NULL;
}

static size_t how_many(const struct ics_log *log, enum ics_field f)
{
	size_t n = 0;

	while (nth(log, 0, f, n))
		n++;
	return n;
}

/* ---------------------------------------------------------- hand-built */

Test(cdp, reports_one_announcement_and_the_senders_identity)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };
	const struct ics_msg *m;
	const struct ics_ident *a;

	router(&b, 2);
	cr_assert(eq(u32, ics_run_bytes(&ics_cdp, &SENDER, -1, b.p, b.len, &log), (uint32_t)b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	m = &log.msgs[0].m;
	cr_assert(eq(u8, m->proto, ICS_CDP));
	cr_assert(eq(u8, m->kind, ICS_KIND_ANNOUNCE));
	cr_assert(eq(u16, m->function, 2));
	cr_assert(same(ics_function_name(ICS_CDP, 2), "cdp_v2"));
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_NONE));
	cr_assert(not(m->has_transaction || m->has_unit || m->nseq || m->actions || m->exception));
	cr_assert(eq(sz, log.nidents, 8));
	cr_assert(same(log.idents[0].value, "R1"));
	cr_assert(eq(u8, log.idents[0].id.field, ICS_F_NAME));
	cr_assert(eq(u8, log.idents[0].id.subject, ICS_SUBJECT_SENDER));
	cr_assert(same(ics_log_ident(&log, ICS_CDP, ICS_F_SYSDESCR)->value, SOFTWARE));
	cr_assert(same(ics_log_ident(&log, ICS_CDP, ICS_F_MODEL)->value, "Cisco 2811"));
	cr_assert(same(ics_log_ident(&log, ICS_CDP, ICS_F_PORT)->value, "FastEthernet0/0"));
	cr_assert(eq(sz, how_many(&log, ICS_F_NAME), 2));
	cr_assert(same(log.idents[6].value, "R1.plant.local"));
	cr_assert(eq(sz, how_many(&log, ICS_F_ADDRESS), 3));
	a = &nth(&log, 0, ICS_F_ADDRESS, 0)->id;
	cr_assert(eq(u8, a->subject, ICS_SUBJECT_GIVEN));
	cr_assert(a->has_mac);
	cr_assert(same_bytes(a->mac, SENDER.src_mac, 6));
	cr_assert(eq(u8, a->ip_version, 4));
	cr_assert(same_bytes(a->ip, (const uint8_t[16]){ 10, 118, 10, 1 }, 16));
	a = &nth(&log, 0, ICS_F_ADDRESS, 1)->id;
	cr_assert(eq(u8, a->ip_version, 6));
	cr_assert(same_bytes(a->ip, V6, 16));
	a = &nth(&log, 0, ICS_F_ADDRESS, 2)->id;
	cr_assert(same_bytes(a->ip, (const uint8_t[16]){ 10, 0, 0, 1 }, 16));
	ics_log_free(&log);
	bytes_free(&b);
}

/* Versions 1 and 2 only; the 4-octet header whole. */
Test(cdp, version_is_the_function_and_others_are_refused)
{
	struct ics_log log = { 0 };

	for (unsigned v = 0; v < 4; v++) {
		struct bytes b = { 0 };

		router(&b, (uint8_t)v);
		ics_run_bytes(&ics_cdp, NULL, -1, b.p, b.len, &log);
		bytes_free(&b);
	}
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(u16, log.msgs[0].m.function, 1));
	cr_assert(eq(u16, log.msgs[1].m.function, 2));
	cr_assert(same(ics_function_name(ICS_CDP, 1), "cdp_v1"));
	cr_assert(same(ics_function_name(ICS_CDP, 3), NULL));
	cr_assert(same(ics_function_name(ICS_LLDP, 1), "lldpdu_shutdown"));
	ics_log_free(&log);
}

/* Entries that are not IPv4/IPv6, or name no address, bind nothing; a
 * count larger than the entries stops at the end of the TLV; an entry cut
 * short is not used. */
Test(cdp, address_entries_are_read_within_their_tlv)
{
	struct bytes b = { 0 }, a = { 0 };
	struct ics_log log = { 0 };
	const uint8_t zero[16] = { 0 };

	bytes_put(&b, "\x02\xb4\x00\x00", 4);
	bytes_u32(&a, 1000, BE);			/* far more than there are */
	entry_v4(&a, zero);				/* 0.0.0.0 */
	entry_v6(&a, zero);				/* :: */
	bytes_put(&a, "\x01\x01\x81\x00\x04\x0a\x00\x00\x02", 9);	/* NLPID CLNS */
	bytes_put(&a, "\x01\x02\xcc\xcc\x00\x04\x0a\x00\x00\x03", 10);	/* protocol of 2 */
	bytes_put(&a, "\x01\x01\xcc\x00\x10", 5);	/* IPv4 of 16 octets */
	bytes_put(&a, V6, 16);
	entry_v4(&a, V4);				/* the one to keep */
	bytes_put(&a, "\x01\x01\xcc\x00\x04\x0a\x00", 7);	/* cut short */
	cdp_tlv(&b, 0x0002, a.p, a.len);
	a.len = 0;
	bytes_u32(&a, 0, BE);				/* count 0, an entry anyway */
	entry_v4(&a, MGMT);
	cdp_tlv(&b, 0x0016, a.p, a.len);
	cdp_tlv(&b, 0x0016, "\x00\x00", 2);		/* count cut short */
	ics_run_bytes(&ics_cdp, &SENDER, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 1));
	cr_assert(same_bytes(nth(&log, 0, ICS_F_ADDRESS, 0)->id.ip, (const uint8_t[16]){ 10, 118, 10, 1 }, 16));
	ics_log_free(&log);
	/* Without a source MAC there is nothing to bind the address to. */
	ics_run_bytes(&ics_cdp, NULL, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&a);
	bytes_free(&b);
}

/* A TLV shorter than its header (zero padding) or longer than the bytes
 * ends the walk; an empty string is no identity. */
Test(cdp, tlv_walk_stops_at_bad_lengths)
{
	struct bytes b = { 0 };
	struct ics_log log = { 0 };

	bytes_put(&b, "\x02\xb4\x00\x00", 4);
	cdp_tlv(&b, 0x0001, "", 0);
	cdp_tlv(&b, 0x0003, "Gi0/1", 5);
	bytes_put(&b, "\x00\x01\x00\x03", 4);		/* length 3 */
	cdp_tlv(&b, 0x0001, "after", 5);
	ics_run_bytes(&ics_cdp, NULL, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(sz, log.nidents, 1));
	cr_assert(same(log.idents[0].value, "Gi0/1"));
	bytes_free(&b);
	bytes_put(&b, "\x02\xb4\x00\x00", 4);
	bytes_put(&b, "\x00\x01\x00\x09SW1", 7);	/* 9 declared, 7 there */
	ics_run_bytes(&ics_cdp, NULL, -1, b.p, b.len, &log);
	cr_assert(eq(sz, log.nmsgs, 2));
	cr_assert(eq(sz, log.nidents, 1));
	ics_log_free(&log);
	bytes_free(&b);
}

/* An 802.3 frame (optionally tagged) carrying LLC SNAP and a CDP PDU,
 * then padding that looks like a Device ID TLV. */
static void frame(struct bytes *f, bool tagged, const struct bytes *pdu)
{
	bytes_put(f, CDP_MAC, 6);
	bytes_put(f, SENDER.src_mac, 6);
	if (tagged) {
		bytes_u16(f, 0x8100, BE);
		bytes_u16(f, 0x0064, BE);
	}
	bytes_u16(f, (uint16_t)(8 + pdu->len), BE);
	bytes_put(f, "\xaa\xaa\x03\x00\x00\x0c\x20\x00", 8);
	bytes_put(f, pdu->p, pdu->len);
	bytes_put(f, "\x00\x01\x00\x08PAD!", 8);
	bytes_zeros(f, 20);
}

/* The PDU ends where the 802.3 length says: the decoder's frame, found by
 * its SNAP protocol, read through ics_payload(). */
Test(cdp, ethernet_padding_after_the_pdu_is_not_read)
{
	for (int tagged = 0; tagged < 2; tagged++) {
		struct bytes pdu = { 0 }, f = { 0 };
		struct ics_log log = { 0 };
		struct ics_sink sink = ics_log_sink(&log);
		struct tp_packet pkt;
		struct tp_record rec = { 0 };
		struct ics_ctx x = { &pkt, -1, &sink };
		int to_server;

		bytes_put(&pdu, "\x02\xb4\x00\x00", 4);
		cdp_tlv(&pdu, 0x0001, "SW1", 3);
		frame(&f, tagged, &pdu);
		rec.data = f.p;
		rec.caplen = rec.origlen = (uint32_t)f.len;
		rec.linktype = 1;
		tp_decode(&pkt, &rec);
		cr_assert(ics_by_port(&pkt, &to_server) == &ics_cdp, "tagged=%d", tagged);
		cr_assert(eq(u32, ics_cdp.dissect(&x, ics_payload(&pkt)), (uint32_t)(f.len - 14 - 8 - 4 * tagged)));
		cr_assert(eq(sz, log.nmsgs, 1));
		cr_assert(eq(sz, log.nidents, 1), "tagged=%d", tagged);
		cr_assert(same(log.idents[0].value, "SW1"));
		/* The same bytes without the frame around them: padding read. */
		ics_run_bytes(&ics_cdp, NULL, -1, f.p + 22 + 4 * tagged, f.len - 22 - 4 * tagged,
			      &log);
		cr_assert(eq(sz, log.nidents, 3));
		cr_assert(same(log.idents[2].value, "PAD!"));
		ics_log_free(&log);
		bytes_free(&pdu);
		bytes_free(&f);
	}
}

/*
 * A PDU cut after n octets: the message once the header is whole, each
 * identity once its TLV is; all bytes consumed.
 */
Test(cdp, truncated_at_every_octet_reports_only_whole_tlvs)
{
	struct bytes b = { 0 };
	struct marks k = router(&b, 2);

	for (size_t n = 0; n < b.len; n++) {
		struct ics_log log = { 0 };

		cr_assert(eq(u32, ics_run_bytes(&ics_cdp, &SENDER, -1, b.p, n, &log), (uint32_t)n));
		cr_assert(eq(sz, log.nmsgs, n >= k.header_end), "n=%zu", n);
		cr_assert(eq(sz, how_many(&log, ICS_F_NAME),
			     (size_t)(n >= k.name_end) + (n >= k.sysname_end)), "n=%zu", n);
		cr_assert(eq(sz, how_many(&log, ICS_F_SYSDESCR), n >= k.soft_end), "n=%zu", n);
		cr_assert(eq(sz, how_many(&log, ICS_F_MODEL), n >= k.platform_end), "n=%zu", n);
		cr_assert(eq(sz, how_many(&log, ICS_F_PORT), n >= k.port_end), "n=%zu", n);
		cr_assert(eq(sz, how_many(&log, ICS_F_ADDRESS),
			     (size_t)(n >= k.addr_end) * 2 + (n >= k.mgmt_end)), "n=%zu", n);
		ics_log_free(&log);
	}
	bytes_free(&b);
}

/* ---------------------------------------------------------------- corpus */

enum { T_NAME = 1, T_PORT, T_PLATFORM, T_SOFTWARE, T_ADDR, T_GRE, T_NFIELDS = T_GRE };

/* The value of the first identity of f in frame, "" if none. */
static const char *value_in(const struct ics_log *log, uint64_t frame, enum ics_field f)
{
	const struct ics_logged_ident *id = nth(log, frame, f, 0);

	return id ? id->value : "";
}

/* Our IPv4 addresses of frame, comma-separated; tshark's without 0.0.0.0. */
static void addresses_of(const struct ics_log *log, uint64_t frame, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < log->nidents && o < cap; i++) {
		const struct ics_ident *id = &log->idents[i].id;

		if (log->idents[i].frame == frame && id->field == ICS_F_ADDRESS && id->ip_version == 4)
			o += (size_t)snprintf(out + o, cap - o, "%s%u.%u.%u.%u", o ? "," : "",
					      id->ip[0], id->ip[1], id->ip[2], id->ip[3]);
	}
}

static void without_zero(const char *list, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	while (*list && o < cap) {
		size_t n = strcspn(list, ",");

		if (n != 7 || memcmp(list, "0.0.0.0", 7) != 0)
			o += (size_t)snprintf(out + o, cap - o, "%s%.*s", o ? "," : "", (int)n, list);
		list += n + (list[n] == ',');
	}
}

/*
 * Per frame tshark decodes as CDP and tapsight reaches: Device ID, Port
 * ID, Platform, Software Version (tshark splits it into lines, printed
 * comma-joined: our bytes with LF as a comma) and the IPv4 entries of
 * Addresses and Management Address (0.0.0.0 is not reported).  Frames
 * tshark finds in GRE with protocol type 0x2000 (CDP straight in GRE, no
 * Ethernet or LLC inside) are not reached: tapsight's decoder opens GRE
 * only for the frames and packets it mirrors (Ethernet, IP), so the frame
 * stays an IPv4/GRE packet and no CDP dissector is looked for.
 */
static void compare_with_tshark(const char *rel, size_t frames, size_t in_gre)
{
	static const char *const fields[T_NFIELDS] = { "cdp.deviceid", "cdp.portid",
						       "cdp.platform", "cdp.software_version",
						       "cdp.nrgyz.ip_address", "gre.proto" };
	const char *path = corpus_file(rel);
	struct tshark_rows t;
	struct ics_log log = { 0 };
	size_t reached = 0, gre = 0;

	cr_assert(tshark_fields(path, "cdp", NULL, fields, T_NFIELDS, &t));
	cr_assert(ics_run_file(path, &log));
	cr_assert(eq(sz, t.nrows, frames), "%s: tshark", rel);
	cr_assert(eq(sz, ics_log_count(&log, ICS_CDP, -1), frames - in_gre), "%s", rel);
	cr_assert(eq(sz, ics_log_count(&log, ICS_CDP, 2), frames - in_gre), "%s: all v2", rel);
	for (size_t r = 0; r < t.nrows; r++) {
		uint64_t frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		char soft[ICS_LOG_VALUE + 1], got[256], want[256];
		size_t i = 0;

		while (i < log.nmsgs && log.msgs[i].frame != frame)
			i++;
		if (!strcmp(tshark_cell(&t, r, T_GRE), "0x2000")) {
			cr_assert(eq(sz, i, log.nmsgs), "%s frame %llu: in GRE", rel,
				  (unsigned long long)frame);
			gre++;
			continue;
		}
		cr_assert(lt(sz, i, log.nmsgs), "%s frame %llu", rel, (unsigned long long)frame);
		reached++;
		cr_assert(same(value_in(&log, frame, ICS_F_NAME), tshark_cell(&t, r, T_NAME)));
		cr_assert(same(value_in(&log, frame, ICS_F_PORT), tshark_cell(&t, r, T_PORT)));
		cr_assert(same(value_in(&log, frame, ICS_F_MODEL), tshark_cell(&t, r, T_PLATFORM)));
		snprintf(soft, sizeof soft, "%s", value_in(&log, frame, ICS_F_SYSDESCR));
		for (char *p = soft; (p = strchr(p, '\n')) != NULL;)
			*p = ',';
		cr_assert(same(soft, tshark_cell(&t, r, T_SOFTWARE)));
		addresses_of(&log, frame, got, sizeof got);
		without_zero(tshark_cell(&t, r, T_ADDR), want, sizeof want);
		cr_assert(same(got, want), "%s frame %llu", rel, (unsigned long long)frame);
	}
	cr_assert(eq(sz, gre, in_gre), "%s", rel);
	cr_assert(eq(sz, reached, frames - in_gre), "%s", rel);
	tshark_rows_free(&t);
	ics_log_free(&log);
}

/* Two 2811s, two 1841s (802.1Q-tagged 802.3) and two 3550 switches that
 * advertise 0.0.0.0 as their address. */
Test(cdp, routers_and_switches_match_tshark)
{
	compare_with_tshark("encap/vlan/VlanPackets.pcap", 6, 0);
}

/* Frames 49 and 63 are CDP straight in GRE (protocol type 0x2000): tshark
 * counts 3, tapsight 1 (frame 86, an 802.3 frame), as explained above. */
Test(cdp, gre_capture_matches_tshark_except_cdp_in_gre)
{
	compare_with_tshark("encap/gre/various_gre.pcap", 3, 2);
}
