/* pcapfile.c - see pcapfile.h. */
#include "tests/support/pcapfile.h"

void pcapfile_header(struct bytes *b, bool big, bool nano, uint32_t snaplen, uint32_t linktype)
{
	bytes_u32(b, nano ? 0xa1b23c4d : 0xa1b2c3d4, big);
	bytes_u16(b, 2, big);
	bytes_u16(b, 4, big);
	bytes_u32(b, 0, big);	/* thiszone */
	bytes_u32(b, 0, big);	/* sigfigs */
	bytes_u32(b, snaplen, big);
	bytes_u32(b, linktype, big);
}

void pcapfile_record(struct bytes *b, bool big, uint32_t sec, uint32_t frac, uint32_t len,
		     uint8_t seed)
{
	bytes_u32(b, sec, big);
	bytes_u32(b, frac, big);
	bytes_u32(b, len, big);
	bytes_u32(b, len, big);
	for (uint32_t i = 0; i < len; i++)
		bytes_u8(b, (uint8_t)(seed + i * 7));
}
