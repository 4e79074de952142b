/*
 * progress.h - one progress line on stderr while captures are read.
 *
 * "  412 MB of 1.10 GB  37%  805 MB/s  ETA 0:01", redrawn at most four
 * times a second, only when stderr is a terminal.  Without a known total
 * (standard input) it shows bytes and rate only.
 */
#ifndef TP_PROGRESS_H
#define TP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool enabled;
	uint64_t total;		/* stored bytes of all inputs; 0 if unknown */
	double start, last;	/* monotonic seconds */
	bool drawn;
};

void progress_start(struct progress *p, uint64_t total, bool enabled);
void progress_update(struct progress *p, uint64_t done);
void progress_end(struct progress *p);

#endif
