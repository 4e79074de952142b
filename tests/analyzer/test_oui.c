/*
 * test_oui.c - MAC vendors (analyzer/oui.c): the built-in OT table, a
 * registry folder built here (longest assignment wins), and Debian's
 * ieee-data when installed.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer/oui.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"

TestSuite(oui, .fini = tmpfile_cleanup);

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert(f != NULL);
	fputs(text, f);
	cr_assert(eq(int, fclose(f), 0));
}

Test(oui, the_built_in_table_answers_without_a_registry)
{
	struct oui_table *t = oui_load("/nonexistent");
	static const uint8_t schneider[6] = { 0x00, 0x80, 0xf4, 0x12, 0xb9, 0x15 };
	static const uint8_t sel[6] = { 0x00, 0x30, 0xa7, 0x16, 0xc0, 0x29 };
	static const uint8_t unknown[6] = { 0x00, 0x22, 0x72, 0, 0, 1 };
	static const uint8_t random_mac[6] = { 0x02, 0x5e, 0x3a, 0x1f, 0x84, 0x64 };

	cr_assert(t != NULL);
	cr_expect(eq(ulong, oui_registry_size(t), 0));
	cr_expect(same(oui_vendor(t, schneider), "Schneider Electric"));
	cr_expect(same(oui_vendor(t, sel), "SEL (Schweitzer Engineering Laboratories)"));
	cr_expect(same(oui_vendor(t, unknown), ""));
	cr_expect(same(oui_vendor(t, random_mac), "locally administered"));
	cr_expect(same(oui_vendor(NULL, schneider), "Schneider Electric"));
	oui_free(t);
}

Test(oui, the_longest_registry_assignment_wins)
{
	const char *dir = tmpdir_make();
	struct oui_table *t;
	static const uint8_t in_mas[6] = { 0x70, 0xb3, 0xd5, 0x12, 0x34, 0x56 };
	static const uint8_t in_mam[6] = { 0x70, 0xb3, 0xd5, 0x1f, 0xff, 0xff };
	static const uint8_t in_mal[6] = { 0x70, 0xb3, 0xd5, 0xff, 0x00, 0x00 };
	static const uint8_t other[6] = { 0x70, 0xb3, 0xd6, 0x00, 0x00, 0x00 };

	write_file(dir, "oui.csv", "Registry,Assignment,Organization Name,Organization Address\n"
				   "MA-L,70B3D5,\"IEEE Registration Authority  \",x\n"
				   "MA-L,ZZZZZZ,Not hex,x\n");
	write_file(dir, "mam.csv", "Registry,Assignment,Organization Name,Organization Address\n"
				   "MA-M,70B3D51,\"Plant Controls, Inc,\",x\n");
	write_file(dir, "oui36.csv", "Registry,Assignment,Organization Name,Organization Address\n"
				     "MA-S,70B3D5123,Tiny Sensor Co,x\n");
	t = oui_load(dir);
	cr_assert(t != NULL);
	cr_expect(eq(ulong, oui_registry_size(t), 3));
	cr_expect(same(oui_vendor(t, in_mas), "Tiny Sensor Co"));
	cr_expect(same(oui_vendor(t, in_mam), "Plant Controls, Inc"));
	cr_expect(same(oui_vendor(t, in_mal), "IEEE Registration Authority"));
	cr_expect(same(oui_vendor(t, other), ""));
	oui_free(t);
}

Test(oui, debian_ieee_data_is_read_when_installed)
{
	struct stat st;
	struct oui_table *t;
	static const uint8_t cisco[6] = { 0x00, 0x00, 0x0c, 1, 2, 3 };
	static const uint8_t amfd[6] = { 0x00, 0x22, 0x72, 1, 2, 3 };

	if (stat(OUI_DEFAULT_DIR "/oui.csv", &st) != 0)
		cr_skip_test("ieee-data is not installed (make deps installs it)");
	t = oui_load(NULL);
	cr_assert(t != NULL);
	cr_expect(gt(ulong, oui_registry_size(t), 30000));
	cr_expect(same(oui_vendor(t, cisco), "Cisco"), "the built-in name comes first");
	/* Checked by hand: MA-L,002272,American Micro-Fuel Device Corp.,... */
	cr_expect(same(oui_vendor(t, amfd), "American Micro-Fuel Device Corp."));
	oui_free(t);
}
