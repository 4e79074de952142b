/*
 * bytes.h - build capture files byte by byte in tests.
 *
 * A growable buffer with writers of a stated width and byte order, so test
 * cases spell out exactly the bytes a reader will see, plus helpers to put
 * them in a temporary file.
 */
#ifndef TP_TEST_BYTES_H
#define TP_TEST_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bytes {
	uint8_t *p;
	size_t len, cap;
};

void bytes_free(struct bytes *b);
void bytes_put(struct bytes *b, const void *src, size_t n);
void bytes_u8(struct bytes *b, uint8_t v);
void bytes_u16(struct bytes *b, uint16_t v, bool big);
void bytes_u32(struct bytes *b, uint32_t v, bool big);
void bytes_u64(struct bytes *b, uint64_t v, bool big);
void bytes_zeros(struct bytes *b, size_t n);
/* Pads with zeros to a multiple of 4 (pcapng). */
void bytes_pad4(struct bytes *b);
/* Overwrites a 32-bit value at offset (for lengths known only at the end). */
void bytes_set_u32(struct bytes *b, size_t offset, uint32_t v, bool big);

/*
 * Writes n bytes to a new temporary file and returns its path (static
 * storage, one per slot 0..7); the file is removed by tmpfile_cleanup().
 */
const char *tmpfile_write(int slot, const void *p, size_t n);
void tmpfile_cleanup(void);
/* A fresh empty temporary directory (removed recursively by cleanup). */
const char *tmpdir_make(void);

#endif
