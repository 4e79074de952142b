/*
 * fuzz_capture.c - one fuzz target for the whole ingest and decode chain.
 *
 * The input is a file: stream (compression detection and decompression),
 * the pcap/pcapng readers, the decoder, the flow table, the ICS dissectors
 * (with TCP reassembly), the assets, the fidelity checks and the comparison
 * of views (the capture against itself) all run on it,
 * as tapsight would.  Built with clang's libFuzzer by `make fuzz`; with gcc,
 * the main() below replays files given on the command line (a regression
 * run).  Inputs reach the stream through a memfd, so nothing touches disk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/assets.h"
#include "analyzer/compare.h"
#include "analyzer/flow.h"
#include "analyzer/ics_flow.h"
#include "analyzer/quality.h"
#include "formats/capture.h"
#include "formats/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one run keeps: the packet being dissected and where its findings go. */
struct run {
	struct assets *assets;
	struct quality *quality;
	const struct tp_packet *pkt;
	uint64_t frame;
};

static void on_flow(void *ctx, struct flow *f)
{
	struct run *r = ctx;

	ics_flow_finish(f);
	quality_flow(r->quality, f);
	ics_flow_free(f);
}

static void on_message(void *ctx, const struct ics_msg *m)
{
	struct run *r = ctx;

	assets_message(r->assets, r->pkt, m);
	quality_message(r->quality, 0, r->frame, r->pkt, m);
}

static void on_identity(void *ctx, const struct ics_ident *id)
{
	struct run *r = ctx;

	assets_identity(r->assets, r->pkt, id);
}

static void on_compare_frame(void *ctx, size_t view, bool missed, const struct tp_record *rec)
{
	(void)ctx;
	(void)view;
	(void)missed;
	(void)rec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tp_stream_opts opts = { .block_size = 4096 };
	struct flow_opts fo = { .max_flows = 64 };
	struct tp_capture *c;
	struct tp_record rec;
	struct tp_packet pkt;
	struct flow_table *flows;
	char path[64], err[512];
	int fd = memfd_create("fuzz", 0);

	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (tp_capture_open(&c, path, &opts, err, sizeof err) == TP_OPEN_OK) {
		struct run r = { assets_new(1, NULL), quality_new(NULL, NULL, 0), &pkt, 0 };
		struct ics_sink sink = { on_message, on_identity, &r };
		/* The capture compared with itself, frames kept as for --write-missed. */
		struct compare_opts co = { .nviews = 2, .reference = 0, .on_frame = on_compare_frame };
		struct compare *cmp = compare_new(&co);
		static const char *const labels[] = { "a", "b" };

		flows = r.assets && r.quality ? flow_table_new(&fo, on_flow, &r) : NULL;
		for (int n = 0; flows && n < 100000 && tp_capture_next(c, &rec) == TP_READ_OK; n++) {
			struct flow *f;

			tp_decode(&pkt, &rec);
			r.frame = rec.frame;
			if (cmp) {
				if (n < 16)
					compare_sample(cmp, (size_t)n & 1u, &rec, &pkt);
				else if (n == 16)
					compare_start(cmp);
				compare_packet(cmp, 0, 0, &rec, &pkt);
				compare_packet(cmp, 1, 0, &rec, &pkt);
			}
			quality_record(r.quality, 0, &rec);
			if (quality_packet(r.quality, 0, rec.frame, &pkt))
				continue;
			f = flow_table_add(flows, &pkt, 0, rec.frame);
			if (f && !(pkt.flags & TP_PKT_FCS_BAD)) {
				assets_packet(r.assets, 0, &pkt, f->hint, f->last_side);
				ics_flow_packet(f, &pkt, rec.frame, &sink);
			}
		}
		if (flows) {
			flow_table_flush(flows);
			flow_table_free(flows);
		}
		if (cmp) {
			compare_finish(cmp);
			compare_rank(cmp, labels);
			compare_free(cmp);
		}
		if (r.quality)
			quality_finish(r.quality, "fuzz");
		if (r.assets)
			assets_finish(r.assets, NULL);
		assets_free(r.assets);
		quality_free(r.quality);
		tp_capture_close(c, NULL, NULL);
	}
	close(fd);
	return 0;
}

#ifndef TP_LIBFUZZER
/* Replays each file named on the command line. */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long len;

		if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)len + 1))) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			if (f)
				fclose(f);
			return 1;
		}
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			fclose(f);
			free(buf);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
	}
	printf("replayed %d input%s\n", argc - 1, argc == 2 ? "" : "s");
	return 0;
}
#endif
