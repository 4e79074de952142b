/* bytes.c - see bytes.h. */
#include "tests/support/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void grow(struct bytes *b, size_t n)
{
	if (b->cap - b->len >= n)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (!b->p)
		abort();
	b->cap = cap;
}

void bytes_free(struct bytes *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void bytes_put(struct bytes *b, const void *src, size_t n)
{
	if (!n)
		return;
	grow(b, n);
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

void bytes_u8(struct bytes *b, uint8_t v)
{
	bytes_put(b, &v, 1);
}

static void put_uint(struct bytes *b, uint64_t v, int width, bool big)
{
	uint8_t tmp[8];

	for (int i = 0; i < width; i++) {
		int shift = big ? 8 * (width - 1 - i) : 8 * i;
		tmp[i] = (uint8_t)(v >> shift);
	}
	bytes_put(b, tmp, (size_t)width);
}

void bytes_u16(struct bytes *b, uint16_t v, bool big)
{
	put_uint(b, v, 2, big);
}

void bytes_u32(struct bytes *b, uint32_t v, bool big)
{
	put_uint(b, v, 4, big);
}

void bytes_u64(struct bytes *b, uint64_t v, bool big)
{
	put_uint(b, v, 8, big);
}

void bytes_zeros(struct bytes *b, size_t n)
{
	grow(b, n);
	memset(b->p + b->len, 0, n);
	b->len += n;
}

void bytes_pad4(struct bytes *b)
{
	bytes_zeros(b, (4 - b->len % 4) % 4);
}

void bytes_set_u32(struct bytes *b, size_t offset, uint32_t v, bool big)
{
	struct bytes tmp = { 0 };

	put_uint(&tmp, v, 4, big);
	if (offset + 4 <= b->len)
		memcpy(b->p + offset, tmp.p, 4);
	bytes_free(&tmp);
}

static char tmp_paths[8][64];
static char tmp_dir[64];

const char *tmpfile_write(int slot, const void *p, size_t n)
{
	char *path = tmp_paths[slot & 7];
	FILE *f;
	int fd;

	if (path[0])
		unlink(path);
	snprintf(path, sizeof tmp_paths[0], "/tmp/tapsight-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	f = fdopen(fd, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		abort();
	return path;
}

const char *tmpdir_make(void)
{
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/tapsight-testdir-XXXXXX");
	if (!mkdtemp(tmp_dir))
		abort();
	return tmp_dir;
}

void tmpfile_cleanup(void)
{
	for (int i = 0; i < 8; i++) {
		if (tmp_paths[i][0])
			unlink(tmp_paths[i]);
		tmp_paths[i][0] = '\0';
	}
	if (tmp_dir[0]) {
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmp_dir);
		tmp_dir[0] = '\0';
	}
}
