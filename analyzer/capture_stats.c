/* capture_stats.c - see capture_stats.h. */
#include "analyzer/capture_stats.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

void capture_stats_linktype_name(char *buf, size_t len, uint16_t linktype)
{
	/* LINKTYPE_ and DLT_ values agree except for a few old ones. */
	const char *name = pcap_datalink_val_to_name(linktype);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "LINKTYPE_%u", linktype);
}

void capture_stats_tsresol_name(char *buf, size_t len, uint8_t tsresol)
{
	static const char *const decimal[] = { "s", "ds", "cs", "ms", "100us", "10us", "us",
					       "100ns", "10ns", "ns", "100ps", "10ps", "ps" };

	if (tsresol & 0x80)
		snprintf(buf, len, "2^-%u s", tsresol & 0x7fu);
	else if (tsresol < sizeof decimal / sizeof *decimal)
		snprintf(buf, len, "%s", decimal[tsresol]);
	else
		snprintf(buf, len, "1e-%u s", tsresol);
}

/* Appends item to a ";"-separated list unless it is already there. */
static void add_distinct(char *list, size_t len, const char *item)
{
	size_t n = strlen(item), used = strlen(list);
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l == n && memcmp(p, item, n) == 0)
			return;
		p += l + (end ? 1 : 0);
	}
	if (used + n + 2 > len)
		return;	/* the cell is full; a capture with hundreds of link types is rare */
	snprintf(list + used, len - used, "%s%s", used ? ";" : "", item);
}

void capture_stats_snapshot(struct capture_stats *s, struct tp_capture *c)
{
	const struct tp_capture_info *info = tp_capture_info(c);
	char buf[64];

	s->opened = true;
	s->format = tp_format_name(info->format);
	s->compression = tp_compression_name(info->compression);
	s->link_types[0] = s->snaplen[0] = s->ts_resolution[0] = '\0';
	s->has_isb_drops = false;
	s->isb_drops = 0;
	for (uint32_t i = 0; i < info->interface_count; i++) {
		const struct tp_interface *ifc = &info->interfaces[i];

		capture_stats_linktype_name(buf, sizeof buf, ifc->linktype);
		add_distinct(s->link_types, sizeof s->link_types, buf);
		snprintf(buf, sizeof buf, "%u", ifc->snaplen);
		add_distinct(s->snaplen, sizeof s->snaplen, buf);
		capture_stats_tsresol_name(buf, sizeof buf, ifc->tsresol);
		add_distinct(s->ts_resolution, sizeof s->ts_resolution, buf);
		if (ifc->isb.seen && (ifc->isb.has_ifdrop || ifc->isb.has_osdrop)) {
			s->has_isb_drops = true;
			s->isb_drops += ifc->isb.ifdrop + ifc->isb.osdrop;
		}
	}
}

void capture_stats_finish(struct capture_stats *s, const struct merge_input *in)
{
	/* Something was read: a record, or at least a whole valid file. */
	s->readable = in->open_status == TP_OPEN_OK &&
		      (s->frames > 0 || in->end_status == TP_READ_END);
	s->bytes = in->stored_bytes;
	s->hashed = in->hashed;
	memcpy(s->sha256, in->sha256, sizeof s->sha256);
	if (in->open_status != TP_OPEN_OK)
		snprintf(s->status, sizeof s->status, "%s", in->open_error);
	else if (in->error[0])
		snprintf(s->status, sizeof s->status, "%s", in->error);
	else
		snprintf(s->status, sizeof s->status, "ok");
}
