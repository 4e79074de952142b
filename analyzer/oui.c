/*
 * oui.c - MAC vendors; see oui.h.
 */
#include "analyzer/oui.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/table.h"

/* Assignments are kept as the top `bits` of the address in a uint64_t. */
struct oui_entry {
	uint64_t prefix;
	uint32_t name;		/* offset in names */
};

struct oui_list {
	struct oui_entry *e;
	size_t n, cap;
};

struct oui_table {
	char *dir;			/* where the registry is read from, on first need */
	bool loaded;
	struct oui_list lists[3];	/* MA-S (36 bits), MA-M (28), MA-L (24) */
	char *names;
	size_t names_len, names_cap;
};

static const unsigned list_bits[3] = { 36, 28, 24 };

/* Vendors of OT networks, by the names their users know them by: the MA-L
 * assignments of Debian's ieee-data 20220827 whose organisation is one of
 * about forty automation, power and building-control makers (and Cisco's
 * and Dell's first), sorted by OUI for bsearch. */
static const struct builtin {
	uint32_t oui;
	const char *name;
} builtin[] = {
	{ 0x00000a, "Omron" },
	{ 0x00000c, "Cisco" },
	{ 0x000023, "ABB" },
	{ 0x000054, "Schneider Electric" },
	{ 0x000064, "Yokogawa" },
	{ 0x0000bc, "Rockwell Automation" },
	{ 0x000105, "Beckhoff" },
	{ 0x000123, "Schneider Electric" },
	{ 0x0001e3, "Siemens" },
	{ 0x000201, "ifm electronic" },
	{ 0x00022c, "ABB" },
	{ 0x000248, "Pilz" },
	{ 0x0002a2, "Hilscher" },
	{ 0x0002a3, "Hitachi Energy" },
	{ 0x00032c, "ABB" },
	{ 0x000519, "Siemens" },
	{ 0x00054b, "Eaton" },
	{ 0x000594, "HMS Industrial Networks" },
	{ 0x0005e4, "Red Lion" },
	{ 0x00064a, "Honeywell" },
	{ 0x000671, "Softing" },
	{ 0x000677, "SICK" },
	{ 0x000705, "Endress+Hauser" },
	{ 0x000746, "Turck" },
	{ 0x000768, "Danfoss" },
	{ 0x00077c, "Westermo" },
	{ 0x000781, "Itron" },
	{ 0x0007af, "Red Lion" },
	{ 0x000858, "NovaTech" },
	{ 0x000a13, "Honeywell" },
	{ 0x000a66, "Mitsubishi Electric" },
	{ 0x000a86, "Lenze" },
	{ 0x000adc, "Siemens RUGGEDCOM" },
	{ 0x000b2d, "Danfoss" },
	{ 0x000ba3, "Siemens" },
	{ 0x000c02, "ABB" },
	{ 0x000c62, "ABB" },
	{ 0x000c81, "Schneider Electric" },
	{ 0x000cc1, "Eaton" },
	{ 0x000cde, "ABB" },
	{ 0x000d41, "Siemens" },
	{ 0x000d8d, "ProSoft Technology" },
	{ 0x000d97, "ABB" },
	{ 0x000e8c, "Siemens" },
	{ 0x000ef0, "Festo" },
	{ 0x000f28, "Itron" },
	{ 0x000f93, "Landis+Gyr" },
	{ 0x00108d, "Johnson Controls" },
	{ 0x001100, "Schneider Electric" },
	{ 0x001112, "Honeywell" },
	{ 0x001133, "Siemens" },
	{ 0x0011b4, "Westermo" },
	{ 0x001293, "ABB" },
	{ 0x001324, "Schneider Electric" },
	{ 0x001345, "Eaton" },
	{ 0x001347, "Red Lion" },
	{ 0x001386, "ABB" },
	{ 0x0013d5, "Siemens RUGGEDCOM" },
	{ 0x001422, "Dell" },
	{ 0x00145a, "Westermo" },
	{ 0x00157e, "Weidmüller" },
	{ 0x001864, "Eaton" },
	{ 0x001928, "Siemens" },
	{ 0x001a7c, "Hirschmann" },
	{ 0x001b08, "Danfoss" },
	{ 0x001b1b, "Siemens" },
	{ 0x001b45, "ABB" },
	{ 0x001c01, "ABB" },
	{ 0x001c64, "Landis+Gyr" },
	{ 0x001d9c, "Rockwell Automation" },
	{ 0x001e1e, "Honeywell" },
	{ 0x001ff8, "Siemens" },
	{ 0x00203d, "Honeywell" },
	{ 0x002085, "Eaton" },
	{ 0x0020b5, "Yaskawa" },
	{ 0x0021c1, "ABB" },
	{ 0x002209, "Omron" },
	{ 0x00226a, "Honeywell" },
	{ 0x0022d5, "Eaton" },
	{ 0x0022e5, "Emerson" },
	{ 0x002459, "ABB" },
	{ 0x0025a7, "Itron" },
	{ 0x002692, "Mitsubishi Electric" },
	{ 0x003011, "HMS Industrial Networks" },
	{ 0x003056, "HMS Industrial Networks" },
	{ 0x0030a7, "SEL (Schweitzer Engineering Laboratories)" },
	{ 0x0030af, "Honeywell" },
	{ 0x0030de, "WAGO" },
	{ 0x004003, "Emerson" },
	{ 0x004084, "Honeywell" },
	{ 0x0040ae, "Delta Controls" },
	{ 0x006041, "Yokogawa" },
	{ 0x006065, "B&R" },
	{ 0x0060c8, "KUKA" },
	{ 0x0060da, "Red Lion" },
	{ 0x008063, "Hirschmann" },
	{ 0x008099, "Eaton" },
	{ 0x0080a7, "Honeywell" },
	{ 0x0080f4, "Schneider Electric" },
	{ 0x009030, "Honeywell" },
	{ 0x00904f, "ABB" },
	{ 0x00909d, "NovaTech" },
	{ 0x0090e8, "Moxa" },
	{ 0x00a01d, "Red Lion" },
	{ 0x00a045, "Phoenix Contact" },
	{ 0x00c0e4, "Siemens" },
	{ 0x00d026, "Hirschmann" },
	{ 0x00e0e4, "FANUC" },
	{ 0x080006, "Siemens" },
	{ 0x080019, "GE" },
	{ 0x086195, "Rockwell Automation" },
	{ 0x0c2369, "Honeywell" },
	{ 0x104b46, "Mitsubishi Electric" },
	{ 0x10dffc, "Siemens" },
	{ 0x144146, "Honeywell" },
	{ 0x184c08, "Rockwell Automation" },
	{ 0x20443a, "Schneider Electric" },
	{ 0x208756, "Siemens" },
	{ 0x20a8b9, "Siemens" },
	{ 0x286336, "Siemens" },
	{ 0x289edf, "Danfoss" },
	{ 0x28e98e, "Mitsubishi Electric" },
	{ 0x301389, "Siemens" },
	{ 0x30b216, "Hitachi Energy" },
	{ 0x30be3b, "Mitsubishi Electric" },
	{ 0x30eb5a, "Landis+Gyr" },
	{ 0x34c0f9, "Rockwell Automation" },
	{ 0x384b24, "Siemens" },
	{ 0x38e08e, "Mitsubishi Electric" },
	{ 0x3cf7d1, "Omron" },
	{ 0x404101, "Rockwell Automation" },
	{ 0x40ecf8, "Siemens" },
	{ 0x4cbcb4, "ABB" },
	{ 0x5031ad, "ABB" },
	{ 0x54f876, "ABB" },
	{ 0x58528a, "Mitsubishi Electric" },
	{ 0x58570d, "Danfoss" },
	{ 0x5c2167, "Rockwell Automation" },
	{ 0x5c8816, "Rockwell Automation" },
	{ 0x60391f, "ABB" },
	{ 0x6401fb, "Landis+Gyr" },
	{ 0x646038, "Hirschmann" },
	{ 0x681fd8, "Siemens" },
	{ 0x683e02, "Siemens" },
	{ 0x68c8eb, "Rockwell Automation" },
	{ 0x74731d, "ifm electronic" },
	{ 0x74f661, "Schneider Electric" },
	{ 0x789f87, "Siemens" },
	{ 0x78ab60, "ABB" },
	{ 0x803b2a, "ABB" },
	{ 0x807a7f, "ABB" },
	{ 0x883f99, "Siemens" },
	{ 0x884b39, "Siemens" },
	{ 0x90837a, "GE" },
	{ 0x942e17, "Schneider Electric" },
	{ 0x94b8c5, "Siemens RUGGEDCOM" },
	{ 0x94ca0f, "Honeywell" },
	{ 0x9803a0, "ABB" },
	{ 0x98387d, "Itron" },
	{ 0x98b177, "Landis+Gyr" },
	{ 0xa0b086, "Hirschmann" },
	{ 0xa8741d, "Phoenix Contact" },
	{ 0xac6417, "Siemens" },
	{ 0xac7713, "Honeywell" },
	{ 0xacd364, "ABB" },
	{ 0xb0495f, "Omron" },
	{ 0xb42330, "Itron" },
	{ 0xb4b15a, "Siemens" },
	{ 0xb89be4, "ABB" },
	{ 0xc035c5, "ProSoft Technology" },
	{ 0xc4b512, "GE" },
	{ 0xc4efda, "Honeywell" },
	{ 0xcc3f1d, "HMS Industrial Networks" },
	{ 0xd00aab, "Yokogawa" },
	{ 0xd4f527, "Siemens" },
	{ 0xd806d1, "Honeywell" },
	{ 0xd828c9, "GE" },
	{ 0xd89341, "GE" },
	{ 0xdc0575, "Siemens" },
	{ 0xdcb3b4, "Honeywell" },
	{ 0xe002a5, "ABB" },
	{ 0xe49069, "Rockwell Automation" },
	{ 0xec1c5d, "Siemens" },
	{ 0xec74ba, "Hirschmann" },
	{ 0xece555, "Hirschmann" },
	{ 0xf05494, "Honeywell" },
	{ 0xf45433, "Rockwell Automation" },
};

static int by_oui(const void *key, const void *entry)
{
	uint32_t k = *(const uint32_t *)key, e = ((const struct builtin *)entry)->oui;

	return k < e ? -1 : k > e;
}

static const char *builtin_vendor(uint32_t oui)
{
	const struct builtin *b = bsearch(&oui, builtin, sizeof builtin / sizeof builtin[0],
					  sizeof builtin[0], by_oui);

	return b ? b->name : NULL;
}

static int by_prefix(const void *a, const void *b)
{
	const struct oui_entry *x = a, *y = b;

	return x->prefix < y->prefix ? -1 : x->prefix > y->prefix;
}

/* "Siemens AG," -> "Siemens AG": registry names carry stray blanks and commas. */
static size_t tidy(const char *s, size_t len)
{
	while (len && (isspace((unsigned char)s[len - 1]) || s[len - 1] == ','))
		len--;
	return len;
}

static bool add_name(struct oui_table *t, const char *s, uint32_t *at)
{
	size_t len = tidy(s, strlen(s));

	if (t->names_len + len + 1 > t->names_cap) {
		size_t cap = t->names_cap ? t->names_cap * 2 : 1 << 20;
		char *n;

		while (cap < t->names_len + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX || !(n = realloc(t->names, cap)))
			return false;
		t->names = n;
		t->names_cap = cap;
	}
	*at = (uint32_t)t->names_len;
	memcpy(t->names + t->names_len, s, len);
	t->names[t->names_len + len] = '\0';
	t->names_len += len + 1;
	return true;
}

struct load {
	struct oui_table *t;
	bool header_seen;
	int col_assign, col_name;
	bool failed;
};

static bool on_registry_row(void *ctx, const struct table_row *row)
{
	struct load *ld = ctx;
	const char *hex;
	size_t digits;
	uint64_t v = 0;
	struct oui_list *l;
	int which;

	if (!ld->header_seen) {
		ld->header_seen = true;
		ld->col_assign = table_column(row, "Assignment");
		ld->col_name = table_column(row, "Organization Name");
		return ld->col_assign >= 0 && ld->col_name >= 0;
	}
	hex = row->fields[ld->col_assign];
	digits = strlen(hex);
	which = digits == 9 ? 0 : digits == 7 ? 1 : digits == 6 ? 2 : -1;
	if (which < 0 || (size_t)ld->col_name >= row->nfields)
		return true;	/* not an assignment: skipped */
	for (size_t i = 0; i < digits; i++) {
		int c = tolower((unsigned char)hex[i]);

		if (!isxdigit(c))
			return true;
		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	l = &ld->t->lists[which];
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		struct oui_entry *e = realloc(l->e, cap * sizeof *e);

		if (!e) {
			ld->failed = true;
			return false;
		}
		l->e = e;
		l->cap = cap;
	}
	l->e[l->n].prefix = v;
	if (!add_name(ld->t, row->fields[ld->col_name], &l->e[l->n].name)) {
		ld->failed = true;
		return false;
	}
	l->n++;
	return true;
}

struct oui_table *oui_load(const char *dir)
{
	struct oui_table *t = calloc(1, sizeof *t);

	if (t && !(t->dir = strdup(dir ? dir : OUI_DEFAULT_DIR))) {
		free(t);
		t = NULL;
	}
	return t;
}

/* Reads the registry (40k rows, ~15 ms): only when the built-in table
 * does not know a MAC.  Out of memory leaves it empty. */
static void load_registry(struct oui_table *t)
{
	static const char *const files[] = { "oui36.csv", "mam.csv", "oui.csv" };

	t->loaded = true;
	for (size_t i = 0; i < 3; i++) {
		char path[4096], err[256];
		struct load ld = { .t = t };

		snprintf(path, sizeof path, "%s/%s", t->dir, files[i]);
		/* A missing or unreadable file leaves the built-in table. */
		(void)table_read(path, on_registry_row, &ld, err, sizeof err);
		if (ld.failed)
			break;
	}
	for (size_t i = 0; i < 3; i++)
		if (t->lists[i].n)	/* qsort(NULL, 0, ...) is undefined */
			qsort(t->lists[i].e, t->lists[i].n, sizeof *t->lists[i].e, by_prefix);
}

static const char *registry_vendor(struct oui_table *t, const uint8_t mac[6])
{
	uint64_t addr = 0;

	if (!t->loaded)
		load_registry(t);
	for (int i = 0; i < 6; i++)
		addr = addr << 8 | mac[i];
	for (size_t i = 0; i < 3; i++) {
		const struct oui_list *l = &t->lists[i];
		struct oui_entry key = { .prefix = addr >> (48 - list_bits[i]) };
		const struct oui_entry *e;

		if (!l->n)
			continue;
		e = bsearch(&key, l->e, l->n, sizeof *l->e, by_prefix);
		if (e)
			return t->names + e->name;
	}
	return NULL;
}

const char *oui_vendor(struct oui_table *t, const uint8_t mac[6])
{
	uint32_t oui = (uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2];
	const char *v;

	if (mac[0] & 0x02)	/* the U/L bit: no vendor assigned it */
		return "locally administered";
	if ((v = builtin_vendor(oui)))
		return v;
	if (t && (v = registry_vendor(t, mac)))
		return v;
	return "";
}

unsigned long oui_registry_size(struct oui_table *t)
{
	if (t && !t->loaded)
		load_registry(t);
	return t ? (unsigned long)(t->lists[0].n + t->lists[1].n + t->lists[2].n) : 0;
}

void oui_free(struct oui_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < 3; i++)
		free(t->lists[i].e);
	free(t->names);
	free(t->dir);
	free(t);
}
