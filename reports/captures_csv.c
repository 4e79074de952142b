/* captures_csv.c - see captures_csv.h. */
#include "reports/captures_csv.h"

#include <string.h>

#include "reports/csv.h"

static const char *const columns[] = {
	"view", "path", "bytes", "sha256", "format", "compression", "link_types", "snaplen",
	"ts_resolution", "frames", "first_ts", "last_ts", "ts_backwards", "isb_drops", "status",
};

static void text_or_empty(struct csv_out *o, bool have, const char *s)
{
	if (have && s && *s)
		csv_text(o, s);
	else
		csv_empty(o);
}

bool captures_csv_write(const char *dir, bool bom, const struct capture_stats *rows, size_t n,
			char *err, size_t errlen)
{
	struct csv_out *o = csv_open(dir, "captures.csv", columns, sizeof columns / sizeof *columns,
				     bom, err, errlen);

	if (!o)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct capture_stats *r = &rows[i];

		/* File names (and views named after them) are chosen by whoever
		 * made the evidence: treat them as hostile. */
		csv_hostile(o, (const unsigned char *)r->view, strlen(r->view));
		csv_hostile(o, (const unsigned char *)r->path, strlen(r->path));
		csv_u64(o, r->bytes);
		if (r->hashed)
			csv_hex(o, r->sha256, sizeof r->sha256);
		else
			csv_empty(o);
		text_or_empty(o, r->opened, r->format);
		text_or_empty(o, r->opened, r->compression);
		text_or_empty(o, r->opened, r->link_types);
		text_or_empty(o, r->opened, r->snaplen);
		text_or_empty(o, r->opened, r->ts_resolution);
		csv_u64(o, r->frames);
		if (r->timed) {
			csv_ts(o, r->first_ts);
			csv_ts(o, r->last_ts);
		} else {
			csv_empty(o);
			csv_empty(o);
		}
		csv_u64(o, r->ts_backwards);
		if (r->has_isb_drops)
			csv_u64(o, r->isb_drops);
		else
			csv_empty(o);
		csv_hostile(o, (const unsigned char *)r->status, strlen(r->status));
		csv_end_row(o);
	}
	return csv_close(o, err, errlen);
}
