/* frames.c - see frames.h. */
#include "tests/support/frames.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>

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

uint32_t frame_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

uint16_t frame_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void layer_names(char *out, size_t n, const uint8_t *protos, size_t count)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < count && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ":" : "",
					 tp_proto_name((enum tp_proto)protos[i]));
}

bool frame_layers_are(const struct tp_packet *pkt, const uint8_t *want, size_t n)
{
	uint8_t got[TP_MAX_LAYERS];
	char gs[512], ws[512];
	bool ok = pkt->nlayers == n;

	for (size_t i = 0; i < pkt->nlayers; i++) {
		got[i] = pkt->layers[i].proto;
		ok = ok && (i >= n || got[i] == want[i]);
	}
	if (!ok) {
		layer_names(gs, sizeof gs, got, pkt->nlayers);
		layer_names(ws, sizeof ws, want, n);
		cr_log_error("layers\n  got  %s\n  want %s", gs, ws);
	}
	return ok;
}

bool frame_layer_is(const struct tp_packet *pkt, unsigned i, enum tp_proto proto, uint32_t offset,
		    uint32_t len)
{
	bool ok = i < pkt->nlayers && pkt->layers[i].proto == proto &&
		  pkt->layers[i].offset == offset && pkt->layers[i].len == len;

	if (!ok && i < pkt->nlayers)
		cr_log_error("layer %u: got %s@%u+%u, want %s@%u+%u", i,
			     tp_proto_name((enum tp_proto)pkt->layers[i].proto),
			     pkt->layers[i].offset, pkt->layers[i].len, tp_proto_name(proto),
			     offset, len);
	return ok;
}
