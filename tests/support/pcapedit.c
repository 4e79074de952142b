/* pcapedit.c - see pcapedit.h. */
#include "tests/support/pcapedit.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/pcapfile.h"

void pcapedit_add(struct pcapedit *c, int64_t ts_ns, const void *data, uint32_t caplen, uint32_t origlen)
{
	struct pcapedit_frame *f;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->f = realloc(c->f, c->cap * sizeof *c->f);
		cr_assert(c->f != NULL);
	}
	f = &c->f[c->n++];
	*f = (struct pcapedit_frame){ ts_ns, caplen, origlen, malloc(caplen ? caplen : 1) };
	cr_assert(f->data != NULL);
	memcpy(f->data, data, caplen);
}

bool pcapedit_read(struct pcapedit *c, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (!p) {
		cr_log_error("%s: %s", path, err);
		return false;
	}
	if (c->n && c->linktype != pcap_datalink(p)) {
		cr_log_error("%s: link type %d, not %d", path, pcap_datalink(p), c->linktype);
		pcap_close(p);
		return false;
	}
	c->linktype = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1)
		pcapedit_add(c, (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec, data, h->caplen, h->len);
	if (rc != PCAP_ERROR_BREAK)
		cr_log_error("%s: %s", path, pcap_geterr(p));
	pcap_close(p);
	return rc == PCAP_ERROR_BREAK;
}

bool pcapedit_write(const struct pcapedit *c, const char *path)
{
	struct bytes b = { 0 };
	FILE *f;
	bool ok;

	pcapfile_header(&b, false, true, 262144, (uint32_t)c->linktype);
	for (size_t i = 0; i < c->n; i++) {
		const struct pcapedit_frame *fr = &c->f[i];

		bytes_u32(&b, (uint32_t)(fr->ts_ns / 1000000000), false);
		bytes_u32(&b, (uint32_t)(fr->ts_ns % 1000000000), false);
		bytes_u32(&b, fr->caplen, false);
		bytes_u32(&b, fr->origlen, false);
		bytes_put(&b, fr->data, fr->caplen);
	}
	ok = (f = fopen(path, "wb")) != NULL;
	ok = ok && fwrite(b.p, 1, b.len, f) == b.len;
	ok = (f && fclose(f) == 0) && ok;
	if (!ok)
		cr_log_error("%s: cannot write", path);
	bytes_free(&b);
	return ok;
}

bool pcapedit_same(const struct pcapedit_frame *got, const struct pcapedit_frame *want, const char *what)
{
	if (got->ts_ns != want->ts_ns || got->caplen != want->caplen || got->origlen != want->origlen) {
		cr_log_error("%s: got %lld ns, %u of %u bytes; want %lld ns, %u of %u bytes", what,
			     (long long)got->ts_ns, got->caplen, got->origlen, (long long)want->ts_ns,
			     want->caplen, want->origlen);
		return false;
	}
	for (uint32_t i = 0; i < got->caplen; i++) {
		if (got->data[i] != want->data[i]) {
			cr_log_error("%s: byte %u: got 0x%02x, want 0x%02x", what, i, got->data[i],
				     want->data[i]);
			return false;
		}
	}
	return true;
}

void pcapedit_free(struct pcapedit *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->f[i].data);
	free(c->f);
	*c = (struct pcapedit){ 0 };
}
