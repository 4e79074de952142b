/* frames.c - see frames.h. */
#include "tests/support/frames.h"

void frame_eth(struct bytes *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	bytes_put(b, dst, 6);
	bytes_put(b, src, 6);
	bytes_u16(b, type, true);
}

void frame_tag(struct bytes *b, uint16_t tci, uint16_t next)
{
	bytes_u16(b, tci, true);
	bytes_u16(b, next, true);
}

void frame_ipv4(struct bytes *b, uint8_t proto, uint32_t src, uint32_t dst, size_t payload)
{
	size_t at = b->len;
	uint32_t sum = 0;

	bytes_u8(b, 0x45);
	bytes_u8(b, 0);
	bytes_u16(b, (uint16_t)(20 + payload), true);
	bytes_u16(b, 0x1234, true);
	bytes_u16(b, 0, true);
	bytes_u8(b, 64);
	bytes_u8(b, proto);
	bytes_u16(b, 0, true);
	bytes_u32(b, src, true);
	bytes_u32(b, dst, true);
	/* RFC 1071, written out here independently of the decoder's sum. */
	for (size_t i = 0; i < 20; i += 2)
		sum += (uint32_t)b->p[at + i] << 8 | b->p[at + i + 1];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	b->p[at + 10] = (uint8_t)(~sum >> 8);
	b->p[at + 11] = (uint8_t)~sum;
}

void frame_udp(struct bytes *b, uint16_t sport, uint16_t dport, size_t payload)
{
	bytes_u16(b, sport, true);
	bytes_u16(b, dport, true);
	bytes_u16(b, (uint16_t)(8 + payload), true);
	bytes_u16(b, 0, true);
}
