/*
 * pcapedit.h - a capture held whole in memory, to build and edit it the
 * way editcap and mergecap do, and to compare the frames a tool wrote
 * with the ones it was given.
 *
 * Read through libpcap (classic pcap, or pcapng with one link type), with
 * nanosecond stamps; written as a little-endian classic pcap with
 * nanosecond stamps.  The frames own their bytes; pcapedit_free() releases
 * them (and is harmless on an empty capture).
 */
#ifndef TP_TEST_PCAPEDIT_H
#define TP_TEST_PCAPEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pcapedit_frame {
	int64_t ts_ns;
	uint32_t caplen, origlen;
	uint8_t *data;		/* caplen bytes */
};

struct pcapedit {
	int linktype;
	struct pcapedit_frame *f;
	size_t n, cap;
};

/* Appends path's frames to c (zeroed, or of the same link type); false,
 * with the reason logged, when libpcap cannot read it. */
bool pcapedit_read(struct pcapedit *c, const char *path);
/* Appends a copy of caplen bytes as one frame. */
void pcapedit_add(struct pcapedit *c, int64_t ts_ns, const void *data, uint32_t caplen, uint32_t origlen);
/* Writes c to path; false (logged) when it cannot. */
bool pcapedit_write(const struct pcapedit *c, const char *path);
/* Same stamp, lengths and bytes; logs the first difference, naming what. */
bool pcapedit_same(const struct pcapedit_frame *got, const struct pcapedit_frame *want, const char *what);
void pcapedit_free(struct pcapedit *c);

#endif
