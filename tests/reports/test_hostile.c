/*
 * test_hostile.c - a capture whose device strings are attacks on the
 * reader of the reports (issue #8): HTML and script for report.html,
 * spreadsheet formulas for the CSV files, control bytes and invalid UTF-8
 * for both.
 *
 * The capture is built here byte by byte (classic pcap, Ethernet): each
 * payload is the host name (DHCP option 12) of a device of its own, so
 * every payload is some device's name, and the payloads also ride in DHCP
 * vendor classes (60), LLDP (port id, port description, system name and
 * description), a Modbus/TCP Read Device Identification answer (43/14),
 * an NBNS registration, a DNS answer, an mDNS announcement and an
 * EtherNet/IP ListIdentity reply; the capture's own file name is one too
 * (it names the view).  The formats follow the dissectors' references
 * (formats/ics/dhcp.c, lldp.c, modbus.c, nbns.c, dns.c, enip.c).
 *
 * What the reports must show is spelled out by hand for each payload:
 * csv.h and html.h say control bytes, invalid UTF-8 and backslashes read
 * \xHH; a CSV cell that begins with the payload begins with ' when the
 * payload begins with = + - @ tab or CR.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/bytes.h"
#include "tests/support/csvread.h"
#include "tests/support/frames.h"
#include "tests/support/pcapfile.h"
#include "tests/support/run_tool.h"

struct payload {
	const char *raw;	/* as sent */
	size_t len;
	const char *text;	/* as the reports show it */
	bool formula;		/* begins with = + - @ tab or CR */
};

#define PAYLOAD(raw, text, formula) { raw, sizeof raw - 1, text, formula }

static const struct payload payloads[] = {
	PAYLOAD("<script>alert(1)</script>", "<script>alert(1)</script>", false),
	PAYLOAD("\"><img src=x onerror=alert(1)>", "\"><img src=x onerror=alert(1)>", false),
	PAYLOAD("=HYPERLINK(\"http://x\",\"y\")", "=HYPERLINK(\"http://x\",\"y\")", true),
	PAYLOAD("+1+1", "+1+1", true),
	PAYLOAD("-2+3", "-2+3", true),
	PAYLOAD("@SUM(A1)", "@SUM(A1)", true),
	PAYLOAD("\tTAB=1+1", "\\x09TAB=1+1", true),
	PAYLOAD("\rCR=1+1", "\\x0dCR=1+1", true),
	PAYLOAD("&amp;", "&amp;", false),
	PAYLOAD("ctl\x01\x1b[31m\x7f bad\xff\xfe\xc0\xaf\\ ok\xc3\xa9", "ctl\\x01\\x1b[31m\\x7f bad\\xff\\xfe\\xc0\\xaf\\x5c ok\xc3\xa9",
		false),
	PAYLOAD("nul\0after", "nul\\x00after", false),
};
#define NPAYLOADS (sizeof payloads / sizeof *payloads)

/* The capture's file name: its view's name. */
#define FILE_NAME "=HYPERLINK(\"http:x\",\"y\")<img src=x onerror=alert(2)>.pcap"

/* Devices, by the last byte of their MAC (02:00:5e:10:00:N) and IP
 * (10.99.0.N).  DHCP clients are DHCP_FIRST + payload. */
enum {
	GATEWAY = 1, DHCP_FIRST = 10, LLDP_DEV = 30, MB_CLIENT = 40, MB_SERVER = 41, NBNS_DEV = 50,
	DNS_SERVER = 53, DNS_CLIENT = 60, MDNS_DEV = 70, ENIP_ADAPTER = 80, ENIP_SCANNER = 81,
};

/* What assets.csv must say: the device's cell in column is the payload
 * (whole), or holds prefix and the payload. */
struct fact {
	unsigned dev;
	const char *column, *prefix;
	size_t payload;
	bool whole;
};

static const struct fact facts[] = {
	{ LLDP_DEV, "names", "", 2, true },
	{ LLDP_DEV, "identity", "lldp port=", 1, false },
	{ LLDP_DEV, "identity", "lldp sysdescr=", 9, false },
	{ MB_SERVER, "names", "", 1, true },
	{ MB_SERVER, "identity", "modbus vendor=", 0, false },
	{ MB_SERVER, "identity", "modbus product_code=", 3, false },
	{ MB_SERVER, "identity", "modbus firmware=", 4, false },
	{ MB_SERVER, "identity", "modbus product=", 5, false },
	{ MB_SERVER, "identity", "modbus model=", 6, false },
	{ NBNS_DEV, "names", "", 5, true },
	{ DNS_CLIENT, "names", "", 2, true },
	{ MDNS_DEV, "names", "", 7, true },
	{ ENIP_ADAPTER, "identity", "enip product=", 0, false },
};

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t lldp_group[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
static const uint8_t mdns_group[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

static char capture[256], out[256];
static struct csv_table assets, captures;
static char *events;

static void mac_of(uint8_t mac[6], unsigned dev)
{
	static const uint8_t base[5] = { 0x02, 0x00, 0x5e, 0x10, 0x00 };

	memcpy(mac, base, 5);
	mac[4] = (uint8_t)(dev >> 8);
	mac[5] = (uint8_t)dev;
}

static uint32_t ip_of(unsigned dev)
{
	return 0x0a630000u | dev;
}

/* Appends frame as one record, a millisecond after the last, padded to
 * Ethernet's 60 bytes. */
static void record(struct bytes *pcap, struct bytes *frame)
{
	static uint32_t ms;

	if (frame->len < 60)
		bytes_zeros(frame, 60 - frame->len);
	ms++;
	bytes_u32(pcap, 1700000000u + ms / 1000, false);
	bytes_u32(pcap, ms % 1000 * 1000, false);
	bytes_u32(pcap, (uint32_t)frame->len, false);
	bytes_u32(pcap, (uint32_t)frame->len, false);
	bytes_put(pcap, frame->p, frame->len);
	bytes_free(frame);
}

/* A UDP datagram from device src (IPv4, no checksum, RFC 768). */
static void udp(struct bytes *pcap, unsigned src, const uint8_t dmac[6], uint32_t dip, uint16_t sport,
		uint16_t dport, struct bytes *data)
{
	struct bytes f = { 0 };
	uint8_t smac[6];

	mac_of(smac, src);
	frame_eth(&f, dmac, smac, 0x0800);
	frame_ipv4(&f, 17, ip_of(src), dip, 8 + data->len);
	frame_udp(&f, sport, dport, data->len);
	bytes_put(&f, data->p, data->len);
	bytes_free(data);
	record(pcap, &f);
}

/* A UDP datagram between two devices. */
static void udp_to(struct bytes *pcap, unsigned src, unsigned dst, uint16_t sport, uint16_t dport,
		   struct bytes *data)
{
	uint8_t dmac[6];

	mac_of(dmac, dst);
	udp(pcap, src, dmac, ip_of(dst), sport, dport, data);
}

/* A TCP segment (RFC 9293 3.1) with its checksum over the pseudo-header. */
static void tcp(struct bytes *pcap, unsigned src, unsigned dst, uint16_t sport, uint16_t dport, uint32_t seq,
		uint32_t ack, uint8_t flags, const struct bytes *data)
{
	struct bytes f = { 0 }, pseudo = { 0 };
	uint8_t smac[6], dmac[6];
	size_t at;
	uint16_t sum;

	mac_of(smac, src);
	mac_of(dmac, dst);
	frame_eth(&f, dmac, smac, 0x0800);
	frame_ipv4(&f, 6, ip_of(src), ip_of(dst), 20 + data->len);
	at = f.len;
	bytes_u16(&f, sport, true);
	bytes_u16(&f, dport, true);
	bytes_u32(&f, seq, true);
	bytes_u32(&f, ack, true);
	bytes_u8(&f, 5 << 4);
	bytes_u8(&f, flags);
	bytes_u16(&f, 65535, true);
	bytes_u16(&f, 0, true);	/* checksum, below */
	bytes_u16(&f, 0, true);
	bytes_put(&f, data->p, data->len);
	bytes_u32(&pseudo, ip_of(src), true);
	bytes_u32(&pseudo, ip_of(dst), true);
	bytes_u16(&pseudo, 6, true);
	bytes_u16(&pseudo, (uint16_t)(20 + data->len), true);
	sum = (uint16_t)~frame_fold(frame_sum(frame_sum(0, pseudo.p, pseudo.len), f.p + at, 20 + data->len));
	f.p[at + 16] = (uint8_t)(sum >> 8);
	f.p[at + 17] = (uint8_t)sum;
	bytes_free(&pseudo);
	record(pcap, &f);
}

static void put_payload(struct bytes *b, size_t i)
{
	bytes_put(b, payloads[i].raw, payloads[i].len);
}

/* A DHCPREQUEST of a renewing client (RFC 2131 4.4.5: ciaddr its
 * address) with its host name (12) and vendor class (60), RFC 2132. */
static void dhcp_request(struct bytes *pcap, unsigned dev, size_t name, size_t vclass)
{
	struct bytes m = { 0 };
	uint8_t mac[6];

	mac_of(mac, dev);
	bytes_u8(&m, 1);		/* op BOOTREQUEST */
	bytes_u8(&m, 1);		/* htype Ethernet */
	bytes_u8(&m, 6);		/* hlen */
	bytes_u8(&m, 0);		/* hops */
	bytes_u32(&m, 0x1000u + dev, true);
	bytes_u32(&m, 0, true);		/* secs, flags */
	bytes_u32(&m, ip_of(dev), true);	/* ciaddr */
	bytes_zeros(&m, 12);		/* yiaddr, siaddr, giaddr */
	bytes_put(&m, mac, 6);
	bytes_zeros(&m, 10 + 64 + 128);	/* chaddr padding, sname, file */
	bytes_u32(&m, 0x63825363u, true);
	bytes_put(&m, "\x35\x01\x03", 3);	/* message type REQUEST */
	bytes_u8(&m, 12);
	bytes_u8(&m, (uint8_t)payloads[name].len);
	put_payload(&m, name);
	bytes_u8(&m, 60);
	bytes_u8(&m, (uint8_t)payloads[vclass].len);
	put_payload(&m, vclass);
	bytes_u8(&m, 255);
	udp_to(pcap, dev, GATEWAY, 68, 67, &m);
}

/* An LLDP TLV (IEEE 802.1AB-2016 8.4): type 7 bits, length 9 bits. */
static void tlv(struct bytes *b, unsigned type, const void *v, size_t n)
{
	bytes_u16(b, (uint16_t)(type << 9 | n), true);
	bytes_put(b, v, n);
}

static void lldp(struct bytes *pcap, unsigned dev)
{
	struct bytes f = { 0 }, v = { 0 };
	uint8_t mac[6];

	mac_of(mac, dev);
	frame_eth(&f, lldp_group, mac, 0x88cc);
	bytes_u8(&v, 4);	/* chassis id: MAC address */
	bytes_put(&v, mac, 6);
	tlv(&f, 1, v.p, v.len);
	bytes_free(&v);
	bytes_u8(&v, 7);	/* port id: locally assigned */
	put_payload(&v, 1);
	tlv(&f, 2, v.p, v.len);
	bytes_free(&v);
	tlv(&f, 3, "\x00\x78", 2);	/* TTL 120 s */
	tlv(&f, 4, payloads[0].raw, payloads[0].len);	/* port description */
	tlv(&f, 5, payloads[2].raw, payloads[2].len);	/* system name */
	tlv(&f, 6, payloads[9].raw, payloads[9].len);	/* system description */
	tlv(&f, 0, NULL, 0);
	record(pcap, &f);
}

/* Modbus/TCP (MBAP: transaction, protocol 0, length, unit) Read Device
 * Identification, 43/14 (Modbus Application Protocol v1.1b3 6.21), over a
 * whole TCP connection: the server names itself with the payloads. */
static void modbus(struct bytes *pcap)
{
	static const struct { uint8_t id; size_t payload; } objects[] = {
		{ 0, 0 }, { 1, 3 }, { 2, 4 }, { 4, 5 }, { 5, 6 }, { 6, 1 },	/* vendor .. user application name */
	};
	struct bytes none = { 0 }, req = { 0 }, pdu = { 0 }, rsp = { 0 };
	const uint32_t c = 1000, s = 5000;

	tcp(pcap, MB_CLIENT, MB_SERVER, 49152, 502, c, 0, 0x02, &none);
	tcp(pcap, MB_SERVER, MB_CLIENT, 502, 49152, s, c + 1, 0x12, &none);
	tcp(pcap, MB_CLIENT, MB_SERVER, 49152, 502, c + 1, s + 1, 0x10, &none);
	bytes_put(&req, "\x00\x01\x00\x00\x00\x05\x01\x2b\x0e\x02\x00", 11);
	tcp(pcap, MB_CLIENT, MB_SERVER, 49152, 502, c + 1, s + 1, 0x18, &req);
	bytes_put(&pdu, "\x2b\x0e\x02\x02\x00\x00", 6);	/* MEI 14, code 2, level 2, no more */
	bytes_u8(&pdu, sizeof objects / sizeof *objects);
	for (size_t i = 0; i < sizeof objects / sizeof *objects; i++) {
		bytes_u8(&pdu, objects[i].id);
		bytes_u8(&pdu, (uint8_t)payloads[objects[i].payload].len);
		put_payload(&pdu, objects[i].payload);
	}
	bytes_put(&rsp, "\x00\x01\x00\x00", 4);
	bytes_u16(&rsp, (uint16_t)(1 + pdu.len), true);
	bytes_u8(&rsp, 1);
	bytes_put(&rsp, pdu.p, pdu.len);
	tcp(pcap, MB_SERVER, MB_CLIENT, 502, 49152, s + 1, c + 1 + (uint32_t)req.len, 0x18, &rsp);
	tcp(pcap, MB_CLIENT, MB_SERVER, 49152, 502, c + 1 + (uint32_t)req.len, s + 1 + (uint32_t)rsp.len, 0x10,
	    &none);
	bytes_free(&req);
	bytes_free(&pdu);
	bytes_free(&rsp);
}

/* A NetBIOS name, first-level encoded (RFC 1001 14.1): 15 bytes padded
 * with spaces and the type 0x00 (workstation), as 32 letters A-P. */
static void nb_name(struct bytes *b, size_t payload)
{
	uint8_t raw[16];

	memset(raw, ' ', 15);
	memcpy(raw, payloads[payload].raw, payloads[payload].len);
	raw[15] = 0x00;
	bytes_u8(b, 32);
	for (int i = 0; i < 16; i++) {
		bytes_u8(b, (uint8_t)('A' + (raw[i] >> 4)));
		bytes_u8(b, (uint8_t)('A' + (raw[i] & 15)));
	}
	bytes_u8(b, 0);
}

/* A name registration request, broadcast (RFC 1002 4.2.2): the question
 * and the NB record of the sender's name and address. */
static void nbns(struct bytes *pcap, unsigned dev)
{
	struct bytes m = { 0 };

	bytes_put(&m, "\x42\x42\x29\x10\x00\x01\x00\x00\x00\x00\x00\x01", 12);
	nb_name(&m, 5);
	bytes_put(&m, "\x00\x20\x00\x01", 4);			/* NB, IN */
	bytes_put(&m, "\xc0\x0c\x00\x20\x00\x01\x00\x04\x93\xe0\x00\x06\x00\x00", 14);
	bytes_u32(&m, ip_of(dev), true);
	udp(pcap, dev, broadcast, ip_of(dev) | 0xff, 137, 137, &m);
}

/* A one-label DNS name (RFC 1035 3.1). */
static void dns_name(struct bytes *b, size_t payload)
{
	bytes_u8(b, (uint8_t)payloads[payload].len);
	put_payload(b, payload);
	bytes_u8(b, 0);
}

/* A query for an A record, and the answer naming the client's address. */
static void dns(struct bytes *pcap)
{
	struct bytes q = { 0 }, a = { 0 };

	bytes_put(&q, "\x00\x07\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	dns_name(&q, 2);
	bytes_put(&q, "\x00\x01\x00\x01", 4);
	bytes_put(&a, "\x00\x07\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00", 12);
	bytes_put(&a, q.p + 12, q.len - 12);
	bytes_put(&a, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04", 12);
	bytes_u32(&a, ip_of(DNS_CLIENT), true);
	udp_to(pcap, DNS_CLIENT, DNS_SERVER, 53000, 53, &q);
	udp_to(pcap, DNS_SERVER, DNS_CLIENT, 53, 53000, &a);
}

/* An mDNS announcement of the sender's own A record (RFC 6762 8.3). */
static void mdns(struct bytes *pcap, unsigned dev)
{
	struct bytes m = { 0 };

	bytes_put(&m, "\x00\x00\x84\x00\x00\x00\x00\x01\x00\x00\x00\x00", 12);
	dns_name(&m, 7);
	bytes_put(&m, "\x00\x01\x80\x01\x00\x00\x00\x78\x00\x04", 10);	/* A, cache-flush IN, 120 s */
	bytes_u32(&m, ip_of(dev), true);
	udp(pcap, dev, mdns_group, 0xe00000fbu, 5353, 5353, &m);
}

/* EtherNet/IP encapsulation header (CIP Vol. 2 2-3, little-endian). */
static void encap(struct bytes *b, uint16_t cmd, size_t len)
{
	bytes_u16(b, cmd, false);
	bytes_u16(b, (uint16_t)len, false);
	bytes_zeros(b, 4 + 4 + 8 + 4);	/* session, status, context, options */
}

/* ListIdentity (CIP Vol. 2 2-4.2) and its reply, whose Identity item
 * (0x0C) names the product with a payload. */
static void enip(struct bytes *pcap)
{
	struct bytes req = { 0 }, item = { 0 }, rsp = { 0 };

	encap(&req, 0x0063, 0);
	udp_to(pcap, ENIP_SCANNER, ENIP_ADAPTER, 50001, 44818, &req);
	bytes_u16(&item, 1, false);			/* encapsulation version */
	bytes_u16(&item, 2, true);			/* sockaddr: AF_INET, big-endian */
	bytes_u16(&item, 44818, true);
	bytes_u32(&item, ip_of(ENIP_ADAPTER), true);
	bytes_zeros(&item, 8);
	bytes_u16(&item, 1, false);			/* vendor */
	bytes_u16(&item, 0x0c, false);			/* device type */
	bytes_u16(&item, 0x36, false);			/* product code */
	bytes_put(&item, "\x14\x0b\x30\x00", 4);	/* revision 20.11, status */
	bytes_u32(&item, 0x12345678u, false);		/* serial */
	bytes_u8(&item, (uint8_t)payloads[0].len);
	put_payload(&item, 0);
	bytes_u8(&item, 3);				/* state */
	encap(&rsp, 0x0063, 6 + item.len);
	bytes_u16(&rsp, 1, false);			/* CPF: one item */
	bytes_u16(&rsp, 0x0c, false);
	bytes_u16(&rsp, (uint16_t)item.len, false);
	bytes_put(&rsp, item.p, item.len);
	bytes_free(&item);
	udp_to(pcap, ENIP_ADAPTER, ENIP_SCANNER, 44818, 50001, &rsp);
}

static void run_once(void)
{
	const char *dir = tmpdir_make();
	struct bytes pcap = { 0 };
	char path[300];
	FILE *f;

	pcapfile_header(&pcap, false, false, 65535, 1);
	for (size_t i = 0; i < NPAYLOADS; i++)
		dhcp_request(&pcap, DHCP_FIRST + (unsigned)i, i, (i + 1) % NPAYLOADS);
	lldp(&pcap, LLDP_DEV);
	modbus(&pcap);
	nbns(&pcap, NBNS_DEV);
	dns(&pcap);
	mdns(&pcap, MDNS_DEV);
	enip(&pcap);
	snprintf(capture, sizeof capture, "%s/%s", dir, FILE_NAME);
	f = fopen(capture, "wb");
	cr_assert(f != NULL);
	cr_assert(eq(sz, fwrite(pcap.p, 1, pcap.len, f), pcap.len));
	cr_assert(eq(int, fclose(f), 0));
	bytes_free(&pcap);
	snprintf(out, sizeof out, "%s/report", dir);
	cr_assert(eq(int, tool_exec((const char *const[]){ tool_bin(), "-q", "-o", out, capture, NULL }), 0));
	snprintf(path, sizeof path, "%s/assets.csv", out);
	cr_assert(eq(int, csv_table_read(&assets, path), 0));
	snprintf(path, sizeof path, "%s/captures.csv", out);
	cr_assert(eq(int, csv_table_read(&captures, path), 0));
	snprintf(path, sizeof path, "%s/report.html", out);
	events = tool_html_events(path);
	cr_assert(events != NULL, "report.html is not UTF-8 that html.parser reads");
}

static void teardown(void)
{
	csv_table_free(&assets);
	csv_table_free(&captures);
	free(events);
	tmpfile_cleanup();
}

TestSuite(hostile, .init = run_once, .fini = teardown);

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Is want inside one of the page's texts? */
static bool in_a_text(const char *want)
{
	for (const char *l = events; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n');
		size_t n = end ? (size_t)(end - l) : strlen(l);

		if (strncmp(l, "T ", 2) == 0 && memmem(l + 2, n - 2, want, strlen(want)))
			return true;
	}
	return false;
}

/* The page's only script is its own, and no element or attribute of a
 * payload became markup. */
Test(hostile, html_holds_no_markup_from_the_capture)
{
	cr_assert(gt(sz, count(events, "\nS td\n"), 20), "the page has its tables");
	cr_expect(eq(sz, count(events, "\nS script\n"), 1));
	cr_expect(eq(sz, count(events, "\nS img\n"), 0));
	cr_expect(eq(sz, count(events, "\nA on"), 0), "an event handler attribute");
	cr_expect(eq(sz, count(events, "\nA src="), 0));
}

/* Each payload (every one is a device's name) reads in the page as the
 * text it is, and so does the view the file name gave. */
Test(hostile, html_shows_each_payload_as_text)
{
	for (size_t i = 0; i < NPAYLOADS; i++)
		cr_expect(in_a_text(payloads[i].text), "payload %zu: %s", i, payloads[i].text);
	cr_expect(in_a_text(FILE_NAME));
}

/* No cell of any CSV file begins a formula: text never begins with = + @
 * tab or CR, and a cell that begins with - is a number. */
Test(hostile, csv_cells_never_begin_a_formula)
{
	char names[32][256];
	size_t n = tool_list_dir(out, names, 32), files = 0;

	cr_assert(lt(sz, n, 32));
	for (size_t i = 0; i < n; i++) {
		char path[600];
		struct csv_table t;

		if (!strstr(names[i], ".csv"))
			continue;
		files++;
		snprintf(path, sizeof path, "%s/%.255s", out, names[i]);
		cr_assert(eq(int, csv_table_read(&t, path), 0), "%s is not strict RFC 4180", names[i]);
		for (size_t c = 0; c < t.ncells; c++) {
			const char *s = t.cells[c];
			bool text_safe = !s[0] || !strchr("=+@\t\r", s[0]);
			char *end;

			cr_expect(text_safe, "%s: cell %zu: %s", names[i], c, s);
			if (s[0] == '-' && s[1]) {
				(void)strtod(s, &end);
				cr_expect(eq(int, *end, 0), "%s: cell %zu: %s", names[i], c, s);
			}
		}
		csv_table_free(&t);
	}
	cr_assert(ge(sz, files, 7), "captures, flows, ics, assets, quality, events, manifest");
}

/* The assets.csv row of a device (by MAC). */
static size_t row_of(unsigned dev)
{
	char mac[18];

	snprintf(mac, sizeof mac, "02:00:5e:10:00:%02x", dev);
	for (size_t r = 1; r < assets.rows; r++)
		if (strcmp(csv_table_get(&assets, r, "mac"), mac) == 0)
			return r;
	cr_assert(false, "no device %s in assets.csv", mac);
	return 0;
}

/* A payload as a whole cell: prefixed with ' when it begins a formula. */
static bool whole_cell(const char *cell, size_t payload)
{
	const struct payload *p = &payloads[payload];

	if (p->formula && cell[0] != '\'')
		return false;
	return strcmp(cell + p->formula, p->text) == 0;
}

/* Every payload reaches assets.csv intact but for the \xHH of its bytes
 * and, at the start of a cell, the ' before a formula. */
Test(hostile, csv_keeps_each_payload_intact_after_the_apostrophe)
{
	for (size_t i = 0; i < NPAYLOADS; i++) {
		size_t r = row_of(DHCP_FIRST + (unsigned)i), v = (i + 1) % NPAYLOADS;
		char want[256];

		cr_expect(whole_cell(csv_table_get(&assets, r, "names"), i), "payload %zu: %s", i,
			  csv_table_get(&assets, r, "names"));
		snprintf(want, sizeof want, "dhcp vendor_class=%s", payloads[v].text);
		cr_expect(not(eq(ptr, strstr(csv_table_get(&assets, r, "identity"), want), NULL)), "%s in %s", want,
			  csv_table_get(&assets, r, "identity"));
	}
	for (size_t i = 0; i < sizeof facts / sizeof *facts; i++) {
		const char *cell = csv_table_get(&assets, row_of(facts[i].dev), facts[i].column);
		char want[256];

		cr_assert(cell != NULL);
		snprintf(want, sizeof want, "%s%s", facts[i].prefix, payloads[facts[i].payload].text);
		if (facts[i].whole)
			cr_expect(whole_cell(cell, facts[i].payload), "device %u %s: %s", facts[i].dev,
				  facts[i].column, cell);
		else
			cr_expect(not(eq(ptr, strstr(cell, want), NULL)), "device %u %s: %s not in %s", facts[i].dev,
				  facts[i].column, want, cell);
	}
	cr_expect(eq(str, (char *)csv_table_get(&captures, 1, "view"), "'" FILE_NAME));
}

/* A crowd: 600 devices (more than the report lists), each sending one
 * datagram: the report lists 500 of them (REPORT_MAX_ASSETS) and says
 * where the others are. */
Test(hostile, a_crowd_of_devices_is_listed_in_part)
{
	const char *dir = tmpdir_make();
	struct bytes pcap = { 0 };
	char path[300], *html;
	size_t len, rows = 0;
	FILE *f;

	pcapfile_header(&pcap, false, false, 65535, 1);
	for (unsigned d = 1000; d < 1600; d++) {
		struct bytes data = { 0 };

		bytes_zeros(&data, 20);
		udp_to(&pcap, d, d + 1, 40000, 9999, &data);
	}
	snprintf(path, sizeof path, "%s/crowd.pcap", dir);
	f = fopen(path, "wb");
	cr_assert(f != NULL);
	cr_assert(eq(sz, fwrite(pcap.p, 1, pcap.len, f), pcap.len));
	cr_assert(eq(int, fclose(f), 0));
	bytes_free(&pcap);
	snprintf(out, sizeof out, "%s/crowd", dir);
	cr_assert(eq(int, tool_exec((const char *const[]){ tool_bin(), "-q", "-o", out, path, NULL }), 0));
	snprintf(path, sizeof path, "%s/report.html", out);
	html = tool_read(path, &len);
	cr_assert(html != NULL);
	for (const char *p = html; (p = strstr(p, "<tr class=\"")) != NULL; p++)
		rows++;
	cr_expect(eq(sz, rows, 500), "asset rows in the report");
	cr_expect(strstr(html, "The first 500 of 600 devices; every one is in assets.csv.") != NULL, "%.200s",
		  strstr(html, "The first") ? strstr(html, "The first") : "(no note)");
	free(html);
}
