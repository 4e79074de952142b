/*
 * frames.h - headers of hand-built frames for the decoder's tests.
 */
#ifndef TP_TEST_FRAMES_H
#define TP_TEST_FRAMES_H

#include "formats/packet.h"
#include "tests/support/bytes.h"

/* Ethernet II header (IEEE 802.3 clause 3.1.1). */
void frame_eth(struct bytes *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
/* One 802.1Q tag after its TPID: TCI (PCP 3, DEI 1, VID 12) and the next
 * type (IEEE 802.1Q-2018 section 9.6). */
void frame_tag(struct bytes *b, uint16_t tci, uint16_t next);
/* IPv4 header (RFC 791) with a right checksum; payload bytes follow. */
void frame_ipv4(struct bytes *b, uint8_t proto, uint32_t src, uint32_t dst, size_t payload);
/* UDP header (RFC 768), checksum 0 (none). */
void frame_udp(struct bytes *b, uint16_t sport, uint16_t dport, size_t payload);

/* The Internet checksum by the textbook loop of RFC 1071 4.1, written
 * independently of the decoder's: add n bytes to sum, then fold (not
 * complemented). */
uint32_t frame_sum(uint32_t sum, const uint8_t *p, size_t n);
uint16_t frame_fold(uint32_t sum);

/* The packet's layers are exactly want (logs both lists when not). */
bool frame_layers_are(const struct tp_packet *pkt, const uint8_t *want, size_t n);
#define LAYERS(...) frame_layers_are(&pkt, (const uint8_t[]){ __VA_ARGS__ }, \
				     sizeof (const uint8_t[]){ __VA_ARGS__ })
/* Layer i is proto at offset with header length len (logs when not). */
bool frame_layer_is(const struct tp_packet *pkt, unsigned i, enum tp_proto proto, uint32_t offset,
		    uint32_t len);

#endif
