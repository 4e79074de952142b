/*
 * inventory.h - the known-asset inventory an investigator brings
 * (--inventory FILE): a CSV file with a header row naming its columns.
 *
 *   name     the asset's name (any text)
 *   mac      its MAC address: 00:80:f4:12:b9:15, 00-80-F4-12-B9-15 or 0080.f412.b915
 *   ip       its IPv4 or IPv6 address
 *   vendor, model, role, port   free text, carried into assets.csv
 *
 * Column names are matched case-insensitively, in any order; other columns
 * are ignored; a row needs a mac or an ip.  A row that cannot be used is
 * reported with its line number and skipped.
 */
#ifndef TP_INVENTORY_H
#define TP_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inventory_entry {
	size_t line;
	char *name, *vendor, *model, *role, *port;	/* "" when absent */
	bool has_mac;
	uint8_t mac[6];
	uint8_t ip_version;	/* 0 when absent */
	uint8_t ip[16];
};

struct inventory {
	struct inventory_entry *entries;
	size_t n;
	size_t bad_rows;
};

/* Called for each row skipped, with "FILE:LINE: why". */
typedef void inventory_warn_fn(void *ctx, const char *msg);

/* Reads path; warn (NULL: print to stderr) hears of rows skipped.  False,
 * with err set, when the file cannot be read, is not CSV, or its header has
 * neither a mac nor an ip column. */
bool inventory_read(const char *path, struct inventory *inv, inventory_warn_fn *warn, void *ctx,
		    char *err, size_t errlen);

void inventory_free(struct inventory *inv);

/* Parsers shared with the tests: true when s is a whole MAC / IP address. */
bool parse_mac(const char *s, uint8_t mac[6]);
bool parse_ip(const char *s, uint8_t *version, uint8_t ip[16]);

#endif
