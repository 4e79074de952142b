/* filter.c - see filter.h. */
#include "analyzer/filter.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Link types met in one run: a handful at most; beyond this, frames of
 * further link types are compiled for each time (slow but right). */
#define FILTER_PROGRAMS 32

struct program {
	uint16_t linktype;
	bool usable;		/* the expression compiled for this link type */
	struct bpf_program bpf;
};

struct filter {
	char *expr;
	struct program programs[FILTER_PROGRAMS];
	size_t count;
};

/* Compiles expr for a link type; false with libpcap's message. */
static bool compile(const char *expr, uint16_t linktype, struct bpf_program *bpf, char *err,
		    size_t errlen)
{
	/* Files store LINKTYPE_ values, pcap_open_dead() takes DLT_ ones; they
	 * differ for raw IP, whose DLT value depends on the platform. */
	int dlt = linktype == 101 ? DLT_RAW : linktype;
	/* Frames may be as long as the largest snaplen a reader accepts. */
	pcap_t *p = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
	bool ok;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	ok = pcap_compile(p, bpf, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (!ok)
		snprintf(err, errlen, "%s", pcap_geterr(p));
	pcap_close(p);
	return ok;
}

struct filter *filter_new(const char *expr, char *err, size_t errlen)
{
	struct filter *f = calloc(1, sizeof *f);
	struct bpf_program check;

	if (!f || !(f->expr = strdup(expr))) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!compile(expr, DLT_EN10MB, &check, err, errlen)) {
		filter_free(f);
		return NULL;
	}
	pcap_freecode(&check);
	return f;
}

static struct program *program_for(struct filter *f, uint16_t linktype, bool quiet)
{
	char err[PCAP_ERRBUF_SIZE + 64];
	struct program *p;

	for (size_t i = 0; i < f->count; i++)
		if (f->programs[i].linktype == linktype)
			return &f->programs[i];
	if (f->count == FILTER_PROGRAMS)
		return NULL;
	p = &f->programs[f->count++];
	p->linktype = linktype;
	p->usable = compile(f->expr, linktype, &p->bpf, err, sizeof err);
	if (!p->usable && !quiet)
		fprintf(stderr,
			"tapsight: note: filter does not apply to link type %u (%s): its frames are left out\n",
			linktype, err);
	return p;
}

bool filter_match(struct filter *f, const struct tp_record *rec, bool quiet)
{
	struct program *p = program_for(f, rec->linktype, quiet);
	struct pcap_pkthdr hdr;

	if (!p || !p->usable)
		return false;
	memset(&hdr, 0, sizeof hdr);
	hdr.caplen = rec->caplen;
	hdr.len = rec->origlen;
	return pcap_offline_filter(&p->bpf, &hdr, rec->data) != 0;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++)
		if (f->programs[i].usable)
			pcap_freecode(&f->programs[i].bpf);
	free(f->expr);
	free(f);
}
