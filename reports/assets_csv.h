/*
 * assets_csv.h - assets.csv: one row per asset (analyzer/assets.h).
 *
 * Columns (stable; documented in README.md):
 * mac,ip,other_ips,vendor,names,roles,protocols,identity,peers,first_ts,
 * last_ts,frames,in_inventory,status,inventory_name,inventory_role,
 * then per view V, in the order given: seen_V,frames_V,first_ts_V
 *
 * vendor comes from the MAC's OUI; names, identity and the rest from what
 * the dissectors read, "; "-separated: roles as "modbus:server",
 * identity as "modbus vendor=Schneider Electric".  in_inventory is
 * yes/no (empty without --inventory); peers lists 32 at most, then
 * "(N more)"; status is known, not in inventory,
 * never seen (or empty).  frames_V counts the frames the asset sent that
 * view V holds; seen_V is yes when there is at least one.
 */
#ifndef TP_ASSETS_CSV_H
#define TP_ASSETS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/assets.h"

bool assets_csv_write(const char *dir, bool bom, const struct assets *a, char *const *views,
		      size_t nviews, bool have_inventory, char *err, size_t errlen);

#endif
