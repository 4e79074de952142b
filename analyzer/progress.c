/* progress.c - see progress.h. */
#include "analyzer/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void human(char *buf, size_t len, double bytes)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;

	while (bytes >= 1000 && u < 4) {
		bytes /= 1000;
		u++;
	}
	snprintf(buf, len, u && bytes < 10 ? "%.2f %s" : "%.0f %s", bytes, unit[u]);
}

void progress_start(struct progress *p, uint64_t total, bool enabled)
{
	p->enabled = enabled && isatty(STDERR_FILENO);
	p->total = total;
	p->start = p->last = now();
	p->drawn = false;
}

void progress_update(struct progress *p, uint64_t done)
{
	double t, rate;
	char d[32], tot[32], r[32];

	if (!p->enabled)
		return;
	t = now();
	if (t - p->last < 0.25)
		return;
	p->last = t;
	rate = (double)done / (t - p->start > 1e-9 ? t - p->start : 1e-9);
	human(d, sizeof d, (double)done);
	human(r, sizeof r, rate);
	if (p->total) {
		double pct = 100.0 * (double)done / (double)p->total;
		double eta = rate > 0 && p->total > done ? (double)(p->total - done) / rate : 0;

		human(tot, sizeof tot, (double)p->total);
		fprintf(stderr, "\r  %s of %s  %3.0f%%  %s/s  ETA %d:%02d   ", d, tot,
			pct > 100 ? 100 : pct, r, (int)eta / 60, (int)eta % 60);
	} else {
		fprintf(stderr, "\r  %s  %s/s   ", d, r);
	}
	p->drawn = true;
}

void progress_end(struct progress *p)
{
	if (p->enabled && p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = false;
}
