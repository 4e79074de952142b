/*
 * hash.h - the hash of a fixed-size key for the analyser's tables (assets,
 * sequence checks): one multiply per 8-byte word, the last word padded
 * with zeros.  Keys come from hostile bytes, but the tables they index are
 * bounded and chained: a bad spread costs time, never memory.
 */
#ifndef TP_HASH_H
#define TP_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_key(const void *key, size_t n)
{
	const uint8_t *b = key;
	uint64_t h = UINT64_C(0x243f6a8885a308d3);

	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;

		memcpy(&w, b + i, n - i < 8 ? n - i : 8);
		h ^= w;
		h *= UINT64_C(0x9e3779b97f4a7c15);
		h ^= h >> 31;
	}
	return h;
}

#endif
