/*
 * inventory.c - the known-asset inventory; see inventory.h.
 */
#include "analyzer/inventory.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/table.h"

enum col { COL_NAME, COL_MAC, COL_IP, COL_VENDOR, COL_MODEL, COL_ROLE, COL_PORT, NCOLS };

static const char *const col_names[NCOLS] = { "name", "mac", "ip", "vendor", "model", "role", "port" };

struct reader {
	const char *path;
	struct inventory *inv;
	inventory_warn_fn *warn;
	void *ctx;
	bool header_seen;
	int cols[NCOLS];
	bool failed;		/* out of memory */
};

static int hex_digit(int c)
{
	c = tolower(c);
	return isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

bool parse_mac(const char *s, uint8_t mac[6])
{
	int digits = 0;
	char sep = 0;

	/* Twelve hex digits, grouped by 2 (':' or '-') or by 4 ('.'), or bare. */
	for (const char *p = s; *p; p++) {
		int d = hex_digit((unsigned char)*p);

		if (d >= 0) {
			if (digits == 12)
				return false;
			if (digits % 2 == 0)
				mac[digits / 2] = 0;
			mac[digits / 2] = (uint8_t)(mac[digits / 2] << 4 | d);
			digits++;
			continue;
		}
		if (*p != ':' && *p != '-' && *p != '.')
			return false;
		if ((sep && *p != sep) || digits == 0 || p[1] == '\0')
			return false;
		sep = *p;
		if (digits % (sep == '.' ? 4 : 2) != 0)
			return false;
	}
	return digits == 12;
}

bool parse_ip(const char *s, uint8_t *version, uint8_t ip[16])
{
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, s, ip) == 1) {
		*version = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, ip) == 1) {
		*version = 6;
		return true;
	}
	return false;
}

/* The field trimmed of blanks, in a copy (NULL when out of memory). */
static char *field(const struct table_row *row, int col)
{
	const char *s = col >= 0 && (size_t)col < row->nfields ? row->fields[col] : "";
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

static void warn(struct reader *r, size_t line, const char *why, const char *value)
{
	char msg[1024];

	snprintf(msg, sizeof msg, "%s:%zu: %s%s%s%s, row skipped", r->path, line, why,
		 value ? " \"" : "", value ? value : "", value ? "\"" : "");
	r->inv->bad_rows++;
	if (r->warn)
		r->warn(r->ctx, msg);
	else
		fprintf(stderr, "tapsight: %s\n", msg);
}

static void entry_free(struct inventory_entry *e)
{
	free(e->name);
	free(e->vendor);
	free(e->model);
	free(e->role);
	free(e->port);
}

static bool blank_row(const struct table_row *row)
{
	for (size_t i = 0; i < row->nfields && i < TABLE_MAX_FIELDS; i++)
		for (const char *p = row->fields[i]; *p; p++)
			if (!isspace((unsigned char)*p))
				return false;
	return true;
}

static bool on_row(void *ctx, const struct table_row *row)
{
	struct reader *r = ctx;
	struct inventory_entry e = { .line = row->line };
	char *mac = NULL, *ip = NULL;
	struct inventory_entry *grown;

	if (!r->header_seen) {
		r->header_seen = true;
		for (int i = 0; i < NCOLS; i++)
			r->cols[i] = table_column(row, col_names[i]);
		return r->cols[COL_MAC] >= 0 || r->cols[COL_IP] >= 0;
	}
	if (blank_row(row))
		return true;
	mac = field(row, r->cols[COL_MAC]);
	ip = field(row, r->cols[COL_IP]);
	e.name = field(row, r->cols[COL_NAME]);
	e.vendor = field(row, r->cols[COL_VENDOR]);
	e.model = field(row, r->cols[COL_MODEL]);
	e.role = field(row, r->cols[COL_ROLE]);
	e.port = field(row, r->cols[COL_PORT]);
	if (!mac || !ip || !e.name || !e.vendor || !e.model || !e.role || !e.port) {
		r->failed = true;
	} else if (*mac && !(e.has_mac = parse_mac(mac, e.mac))) {
		warn(r, row->line, "not a MAC address:", mac);
	} else if (*ip && !parse_ip(ip, &e.ip_version, e.ip)) {
		warn(r, row->line, "not an IP address:", ip);
	} else if (!*mac && !*ip) {
		warn(r, row->line, "neither a MAC nor an IP address", NULL);
	} else if ((grown = realloc(r->inv->entries, (r->inv->n + 1) * sizeof *grown))) {
		r->inv->entries = grown;
		r->inv->entries[r->inv->n++] = e;
		free(mac);
		free(ip);
		return true;
	} else {
		r->failed = true;
	}
	entry_free(&e);
	free(mac);
	free(ip);
	return !r->failed;
}

bool inventory_read(const char *path, struct inventory *inv, inventory_warn_fn *warn_fn, void *ctx,
		    char *err, size_t errlen)
{
	struct reader r = { .path = path, .inv = inv, .warn = warn_fn, .ctx = ctx };

	memset(inv, 0, sizeof *inv);
	if (!table_read(path, on_row, &r, err, errlen)) {
		inventory_free(inv);
		return false;
	}
	if (r.failed) {
		snprintf(err, errlen, "%s: out of memory", path);
		inventory_free(inv);
		return false;
	}
	if (!r.header_seen || (r.cols[COL_MAC] < 0 && r.cols[COL_IP] < 0)) {
		snprintf(err, errlen, "%s: the header row names neither a mac nor an ip column", path);
		inventory_free(inv);
		return false;
	}
	return true;
}

void inventory_free(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++)
		entry_free(&inv->entries[i]);
	free(inv->entries);
	memset(inv, 0, sizeof *inv);
}
