/*
 * assets_csv.c - assets.csv; see assets_csv.h.
 */
#include "reports/assets_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/addr.h"
#include "reports/csv.h"

static const char *const fixed[] = {
	"mac", "ip", "other_ips", "vendor", "names", "roles", "protocols", "identity", "peers",
	"first_ts", "last_ts", "frames", "in_inventory", "status", "inventory_name", "inventory_role",
};
#define NFIXED (sizeof fixed / sizeof *fixed)

/* Peers listed in a cell: a server may have thousands, and a spreadsheet
 * cell holds 32,767 characters at most. */
#define MAX_PEERS_LISTED 32

static const char *ip_text(char *buf, const uint8_t v17[17])
{
	return addr_ip_text(buf, v17[0], v17 + 1);
}

static void write_row(struct csv_out *o, const struct assets *a, const struct asset *as, size_t nviews,
		      bool have_inventory, struct csv_cell *c)
{
	char buf[ADDR_TEXT_MAX];

	if (as->has_mac)
		csv_text(o, addr_mac_text(buf, as->mac));
	else
		csv_empty(o);
	if (as->ip_version)
		csv_text(o, addr_ip_text(buf, as->ip_version, as->ip));
	else
		csv_empty(o);
	for (size_t i = 0; i < as->nips; i++) {
		if (as->ips[i][0] == as->ip_version && memcmp(as->ips[i] + 1, as->ip, 16) == 0)
			continue;
		csv_cell_sep(c);
		csv_cell_str(c, ip_text(buf, as->ips[i]));
	}
	csv_cell_write(o, c);
	csv_text(o, as->vendor);
	/* Names, deduplicated across protocols. */
	for (size_t i = 0; i < as->nfacts; i++) {
		const struct asset_fact *f = &as->facts[i];
		bool dup = false;

		if (f->field != ICS_F_NAME)
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = as->facts[j].field == ICS_F_NAME && as->facts[j].len == f->len &&
			      memcmp(as->facts[j].value, f->value, f->len) == 0;
		if (!dup) {
			csv_cell_sep(c);
			csv_cell_put(c, f->value, f->len);
		}
	}
	csv_cell_write(o, c);
	for (int p = 0; p < ICS_PROTO_COUNT; p++)
		for (int r = 1; r < ICS_ROLE_COUNT; r++)
			if (as->roles[p] & (1u << r)) {
				csv_cell_sep(c);
				csv_cell_str(c, ics_proto_name((enum ics_proto)p));
				csv_cell_str(c, ":");
				csv_cell_str(c, ics_role_name((enum ics_role)r));
			}
	csv_cell_write(o, c);
	for (int p = 1; p < ICS_PROTO_COUNT; p++)
		if (as->protocols & (1u << p)) {
			csv_cell_sep(c);
			csv_cell_str(c, ics_proto_name((enum ics_proto)p));
		}
	csv_cell_write(o, c);
	for (size_t i = 0; i < as->nfacts; i++) {
		const struct asset_fact *f = &as->facts[i];

		if (f->field == ICS_F_NAME || f->field == ICS_F_ADDRESS)
			continue;
		csv_cell_sep(c);
		csv_cell_str(c, ics_proto_name((enum ics_proto)f->proto));
		csv_cell_str(c, " ");
		csv_cell_str(c, ics_field_name((enum ics_field)f->field));
		csv_cell_str(c, "=");
		csv_cell_put(c, f->value, f->len);
	}
	csv_cell_write(o, c);
	for (size_t i = 0; i < as->npeers; i++) {
		const struct asset *peer = assets_get(a, as->peers[i]);

		if (i == MAX_PEERS_LISTED) {
			snprintf(buf, sizeof buf, "; (%zu more)", as->npeers - i);
			csv_cell_str(c, buf);
			break;
		}
		csv_cell_sep(c);
		if (peer->ip_version)
			csv_cell_str(c, addr_ip_text(buf, peer->ip_version, peer->ip));
		else if (peer->has_mac)
			csv_cell_str(c, addr_mac_text(buf, peer->mac));
	}
	csv_cell_write(o, c);
	if (as->frames) {
		csv_ts(o, as->first_ts);
		csv_ts(o, as->last_ts);
	} else {
		csv_empty(o);
		csv_empty(o);
	}
	csv_u64(o, as->frames);
	if (have_inventory)
		csv_text(o, as->inventory ? "yes" : "no");
	else
		csv_empty(o);
	csv_text(o, asset_status_name(as->status));
	if (as->inventory) {
		csv_hostile(o, (const uint8_t *)as->inventory->name, strlen(as->inventory->name));
		csv_hostile(o, (const uint8_t *)as->inventory->role, strlen(as->inventory->role));
	} else {
		csv_empty(o);
		csv_empty(o);
	}
	for (size_t v = 0; v < nviews; v++) {
		csv_text(o, as->views[v].frames ? "yes" : "no");
		csv_u64(o, as->views[v].frames);
		if (as->views[v].frames)
			csv_ts(o, as->views[v].first_ts);
		else
			csv_empty(o);
	}
	csv_end_row(o);
}

bool assets_csv_write(const char *dir, bool bom, const struct assets *a, char *const *views,
		      size_t nviews, bool have_inventory, char *err, size_t errlen)
{
	size_t ncols = NFIXED + 3 * nviews;
	char **names = calloc(ncols, sizeof *names);
	struct csv_cell c = { 0 };
	struct csv_out *o = NULL;
	bool ok = names != NULL;

	for (size_t i = 0; ok && i < NFIXED; i++)
		ok = (names[i] = strdup(fixed[i])) != NULL;
	for (size_t v = 0; ok && v < nviews; v++) {
		static const char *const prefix[3] = { "seen_", "frames_", "first_ts_" };

		for (int k = 0; ok && k < 3; k++) {
			size_t n = strlen(prefix[k]) + strlen(views[v]) + 1;
			char *s = malloc(n);

			if ((ok = s != NULL)) {
				snprintf(s, n, "%s%s", prefix[k], views[v]);
				names[NFIXED + 3 * v + (size_t)k] = s;
			}
		}
	}
	if (!ok)
		snprintf(err, errlen, "%s/assets.csv: out of memory", dir);
	else
		o = csv_open(dir, "assets.csv", (const char *const *)names, ncols, bom, err, errlen);
	for (size_t i = 0; o && i < assets_count(a); i++)
		write_row(o, a, assets_get(a, i), nviews, have_inventory, &c);
	ok = o && csv_close(o, err, errlen);
	if (o && c.failed) {
		snprintf(err, errlen, "%s/assets.csv: out of memory", dir);
		ok = false;
	}
	for (size_t i = 0; names && i < ncols; i++)
		free(names[i]);
	free(names);
	csv_cell_free(&c);
	return ok;
}
