/*
 * timeline.c - frames over time; see timeline.h.
 */
#include "analyzer/timeline.h"

#include <string.h>

void timeline_add(struct timeline *t, int64_t ts_ns)
{
	uint64_t i;
	__int128 start;

	if (!t->started) {
		memset(t, 0, sizeof *t);
		t->started = true;
		t->t0_ns = ts_ns;
		t->width_ns = TIMELINE_FIRST_WIDTH_NS;
	}
	if (ts_ns <= t->t0_ns) {
		i = 0;
	} else if (ts_ns >= t->last_start && (uint64_t)ts_ns - (uint64_t)t->last_start < (uint64_t)t->width_ns) {
		i = t->last;	/* the bucket of the record before: no division */
	} else {
		uint64_t d = (uint64_t)ts_ns - (uint64_t)t->t0_ns;

		while ((i = d / (uint64_t)t->width_ns) >= TIMELINE_BUCKETS) {
			for (size_t k = 0; k < TIMELINE_BUCKETS / 2; k++)
				t->counts[k] = t->counts[2 * k] + t->counts[2 * k + 1];
			memset(t->counts + TIMELINE_BUCKETS / 2, 0, sizeof t->counts / 2);
			t->n = (t->n + 1) / 2;
			t->width_ns = t->width_ns > INT64_MAX / 2 ? INT64_MAX : t->width_ns * 2;
		}
	}
	t->counts[i]++;
	if (i + 1 > t->n)
		t->n = (size_t)i + 1;
	t->last = (size_t)i;
	start = (__int128)t->t0_ns + (__int128)i * t->width_ns;	/* bogus stamps: near either end */
	t->last_start = start > INT64_MAX ? INT64_MAX : (int64_t)start;
}

void timeline_resample(const struct timeline *t, int64_t t0_ns, int64_t width_ns, uint64_t *out, size_t n)
{
	memset(out, 0, n * sizeof *out);
	if (!t->started || width_ns <= 0)
		return;
	for (size_t i = 0; i < t->n; i++) {
		/* The bucket's start, as a 128-bit sum: stamps may be far apart. */
		__int128 start = (__int128)t->t0_ns + (__int128)i * t->width_ns, k;

		if (!t->counts[i] || start < t0_ns)
			continue;
		k = (start - t0_ns) / width_ns;
		if (k < (__int128)n)
			out[(size_t)k] += t->counts[i];
	}
}
