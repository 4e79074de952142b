/*
 * pcapfile.h - classic pcap files built record by record in tests.
 */
#ifndef TP_TEST_PCAPFILE_H
#define TP_TEST_PCAPFILE_H

#include "tests/support/bytes.h"

/* The 24-byte file header: µs (or ns) magic in the given byte order. */
void pcapfile_header(struct bytes *b, bool big, bool nano, uint32_t snaplen, uint32_t linktype);
/* One record whose data is len bytes of a pattern derived from seed. */
void pcapfile_record(struct bytes *b, bool big, uint32_t sec, uint32_t frac, uint32_t len,
		     uint8_t seed);

#endif
