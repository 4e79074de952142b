/*
 * test_inventory.c - the known-asset inventory (analyzer/inventory.c).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/inventory.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"

TestSuite(inventory, .fini = tmpfile_cleanup);

struct warnings {
	size_t n;
	char msg[8][256];
};

static void keep_warning(void *ctx, const char *msg)
{
	struct warnings *w = ctx;

	if (w->n < 8)
		snprintf(w->msg[w->n], sizeof w->msg[0], "%s", msg);
	w->n++;
}

Test(inventory, mac_addresses_in_the_three_usual_spellings)
{
	uint8_t mac[6];
	static const uint8_t want[6] = { 0x00, 0x80, 0xf4, 0x12, 0xb9, 0x15 };

	cr_assert(parse_mac("00:80:f4:12:b9:15", mac));
	cr_expect(same_bytes(mac, want, 6));
	cr_assert(parse_mac("00-80-F4-12-B9-15", mac));
	cr_expect(same_bytes(mac, want, 6));
	cr_assert(parse_mac("0080.f412.b915", mac));
	cr_expect(same_bytes(mac, want, 6));
	cr_assert(parse_mac("0080f412b915", mac));
	cr_expect(same_bytes(mac, want, 6));
	cr_expect(not(parse_mac("00:80:f4:12:b9", mac)));
	cr_expect(not(parse_mac("00:80:f4:12:b9:15:00", mac)));
	cr_expect(not(parse_mac("00:80-f4:12:b9:15", mac)));
	cr_expect(not(parse_mac("0:080:f4:12:b9:15", mac)));
	cr_expect(not(parse_mac("00:80:f4:12:b9:1g", mac)));
	cr_expect(not(parse_mac("00:80:f4:12:b9:15:", mac)));
	cr_expect(not(parse_mac("", mac)));
}

Test(inventory, ip_addresses_of_both_versions)
{
	uint8_t v, ip[16];
	static const uint8_t v4[4] = { 10, 10, 0, 21 };

	cr_assert(parse_ip("10.10.0.21", &v, ip));
	cr_expect(eq(u8, v, 4));
	cr_expect(same_bytes(ip, v4, 4));
	cr_assert(parse_ip("fe80::1", &v, ip));
	cr_expect(eq(u8, v, 6));
	cr_expect(eq(u8, ip[0], 0xfe));
	cr_expect(eq(u8, ip[15], 1));
	cr_expect(not(parse_ip("10.10.0.256", &v, ip)));
	cr_expect(not(parse_ip("plc-01", &v, ip)));
}

Test(inventory, rows_are_read_by_column_name_and_bad_rows_reported_by_line)
{
	static const char text[] = "IP,Name,role,extra,MAC\n"
				   "10.10.0.21,plc-01,plc,x,00:80:f4:12:b9:15\n"
				   "\n"
				   "10.10.0.300,bad-ip,plc,x,\n"
				   ",no-address,plc,x,\n"
				   "10.10.0.22,\"plc-02, north\",plc,x,zz:80:f4:12:b9:16\n"
				   "fe80::5,hmi,hmi,x,\n"
				   ",switch,,x,00-00-0C-00-00-01\n";
	struct inventory inv;
	struct warnings w = { 0 };
	char err[256];
	const char *path = tmpfile_write(0, text, strlen(text));

	cr_assert(inventory_read(path, &inv, keep_warning, &w, err, sizeof err), "%s", err);
	cr_assert(eq(sz, inv.n, 3));
	cr_expect(same(inv.entries[0].name, "plc-01"));
	cr_expect(same(inv.entries[0].role, "plc"));
	cr_expect(same(inv.entries[0].vendor, ""));
	cr_expect(inv.entries[0].has_mac);
	cr_expect(eq(u8, inv.entries[0].ip_version, 4));
	cr_expect(eq(sz, inv.entries[0].line, 2));
	cr_expect(same(inv.entries[1].name, "hmi"));
	cr_expect(not(inv.entries[1].has_mac));
	cr_expect(eq(u8, inv.entries[1].ip_version, 6));
	cr_expect(same(inv.entries[2].name, "switch"));
	cr_expect(eq(u8, inv.entries[2].ip_version, 0));
	cr_expect(eq(u8, inv.entries[2].mac[2], 0x0c));
	cr_assert(eq(sz, w.n, 3));
	cr_expect(eq(sz, inv.bad_rows, 3));
	cr_expect(strstr(w.msg[0], ":4: not an IP address: \"10.10.0.300\"") != NULL, "%s", w.msg[0]);
	cr_expect(strstr(w.msg[1], ":5: neither a MAC nor an IP address") != NULL, "%s", w.msg[1]);
	cr_expect(strstr(w.msg[2], ":6: not a MAC address: \"zz:80:f4:12:b9:16\"") != NULL, "%s",
		  w.msg[2]);
	inventory_free(&inv);
}

Test(inventory, a_header_without_addresses_is_refused)
{
	static const char text[] = "name,vendor\nplc-01,Schneider\n";
	struct inventory inv;
	char err[256] = "";

	cr_expect(not(inventory_read(tmpfile_write(0, text, strlen(text)), &inv, NULL, NULL, err,
				      sizeof err)));
	cr_expect(strstr(err, "neither a mac nor an ip column") != NULL, "%s", err);
	cr_expect(eq(sz, inv.n, 0));
}

Test(inventory, a_file_that_is_not_csv_is_refused_with_its_line)
{
	static const char text[] = "name,ip\nplc,\"10.0.0.1\n";
	struct inventory inv;
	char err[256] = "";

	cr_expect(not(inventory_read(tmpfile_write(0, text, strlen(text)), &inv, NULL, NULL, err,
				      sizeof err)));
	cr_expect(strstr(err, "line 2") != NULL, "%s", err);
}
