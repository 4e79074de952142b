/*
 * captures_csv.h - captures.csv: one row per capture file.
 *
 * Columns (stable; documented in README.md):
 * view,path,bytes,sha256,format,compression,link_types,snaplen,
 * ts_resolution,frames,first_ts,last_ts,ts_backwards,isb_drops,status
 */
#ifndef TP_CAPTURES_CSV_H
#define TP_CAPTURES_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/capture_stats.h"

bool captures_csv_write(const char *dir, bool bom, const struct capture_stats *rows, size_t n,
			char *err, size_t errlen);

#endif
