/*
 * build_bacnet.c - a building management workstation finding and reading a
 * BACnet/IP controller.
 * ANSI/ASHRAE 135-2020: J.2 (BVLC header, original-unicast 0x0A and
 * original-broadcast 0x0B), 6.2 (NPDU), 20.1 (APDU headers), 20.2 (tag
 * encoding of application and context tags), 16.10 (Who-Is, I-Am), 15.5
 * (ReadProperty and its complex ACK).
 *
 *   BVLC | 81 | function | length(be16, whole BVLC) |
 *   NPDU | 01 | control |
 *
 * Timeline: Who-Is broadcast every 30 s, the controller's I-Am broadcast,
 * then ReadProperty of object-name and model-name of its device object.
 */
#include <string.h>

#include "samples/sim.h"

enum {
	BACNET_PORT = 47808,	/* 0xBAC0, J.1 */
	BVLC_UNICAST = 0x0a,
	BVLC_BROADCAST = 0x0b,
	OBJ_DEVICE = 8,
	PROP_MODEL_NAME = 70,
	PROP_OBJECT_NAME = 77,
	SVC_READ_PROPERTY = 12,
	SVC_I_AM = 0,
	SVC_WHO_IS = 8,
	DELTA_CONTROLS = 8,	/* BACnet vendor identifier */
};

static void bvlc(struct sim_buf *p, unsigned fn, bool expect_reply)
{
	buf_u8(p, 0x81);
	buf_u8(p, fn);
	buf_be16(p, 0);				/* length, patched by bvlc_done */
	buf_u8(p, 0x01);			/* NPDU version */
	buf_u8(p, expect_reply ? 0x04 : 0x00);	/* 6.2.2: local, no DNET/SNET */
}

static void bvlc_done(struct sim_buf *p)
{
	buf_put_be16_at(p, 2, (unsigned)p->len);
}

/* 20.2.14: object identifier, 10-bit type and 22-bit instance. */
static uint32_t object_id(unsigned type, uint32_t instance)
{
	return (uint32_t)type << 22 | (instance & 0x3fffff);
}

/* 20.2.9: character string, encoding 0 (UTF-8), extended length. */
static void app_string(struct sim_buf *p, const char *s)
{
	size_t n = strlen(s);

	if (n > 200)
		n = 200;
	buf_u8(p, 0x75);	/* application tag 7, length in the next octet */
	buf_u8(p, (unsigned)n + 1);
	buf_u8(p, 0x00);
	buf_bytes(p, s, n);
}

static void who_is(struct sim_plant *pl, uint64_t t, struct sim_device *bms)
{
	static const uint8_t all[4] = { 255, 255, 255, 255 };
	struct sim_buf p = { 0 };

	bvlc(&p, BVLC_BROADCAST, false);
	buf_u8(&p, 0x10);	/* unconfirmed request */
	buf_u8(&p, SVC_WHO_IS);
	bvlc_done(&p);
	net_udp(pl, t, bms, NULL, bms->ip, all, BACNET_PORT, BACNET_PORT, &p, "bacnet");
}

static void i_am(struct sim_plant *pl, uint64_t t, struct sim_device *ctl, uint32_t instance)
{
	static const uint8_t all[4] = { 255, 255, 255, 255 };
	struct sim_buf p = { 0 };

	bvlc(&p, BVLC_BROADCAST, false);
	buf_u8(&p, 0x10);
	buf_u8(&p, SVC_I_AM);
	buf_u8(&p, 0xc4);	/* application tag 12: object identifier */
	buf_be32(&p, object_id(OBJ_DEVICE, instance));
	buf_u8(&p, 0x22);	/* unsigned, 2 octets: max APDU length accepted */
	buf_be16(&p, 1476);
	buf_u8(&p, 0x91);	/* enumerated: segmentation supported */
	buf_u8(&p, 0x00);	/* segmented-both */
	buf_u8(&p, 0x21);	/* unsigned: vendor identifier */
	buf_u8(&p, DELTA_CONTROLS);
	bvlc_done(&p);
	net_udp(pl, t, ctl, NULL, ctl->ip, all, BACNET_PORT, BACNET_PORT, &p, "bacnet");
}

static void read_property(struct sim_plant *pl, uint64_t t, struct sim_device *bms, struct sim_device *ctl,
			  uint32_t instance, unsigned invoke, unsigned prop, const char *value)
{
	struct sim_buf q = { 0 }, r = { 0 };

	bvlc(&q, BVLC_UNICAST, true);
	buf_u8(&q, 0x00);	/* confirmed request, unsegmented */
	buf_u8(&q, 0x05);	/* max segments unspecified, max APDU 1476 */
	buf_u8(&q, invoke);
	buf_u8(&q, SVC_READ_PROPERTY);
	buf_u8(&q, 0x0c);	/* context tag 0, 4 octets: object identifier */
	buf_be32(&q, object_id(OBJ_DEVICE, instance));
	buf_u8(&q, 0x19);	/* context tag 1, 1 octet: property identifier */
	buf_u8(&q, prop);
	bvlc_done(&q);

	bvlc(&r, BVLC_UNICAST, false);
	buf_u8(&r, 0x30);	/* complex ACK, unsegmented */
	buf_u8(&r, invoke);
	buf_u8(&r, SVC_READ_PROPERTY);
	buf_u8(&r, 0x0c);
	buf_be32(&r, object_id(OBJ_DEVICE, instance));
	buf_u8(&r, 0x19);
	buf_u8(&r, prop);
	buf_u8(&r, 0x3e);	/* opening tag 3: property value */
	app_string(&r, value);
	buf_u8(&r, 0x3f);
	bvlc_done(&r);

	net_udp(pl, t, bms, ctl, bms->ip, NULL, BACNET_PORT, BACNET_PORT, &q, "bacnet");
	net_udp(pl, t + 3000000 + sim_rng_below(&pl->rng, 4000000), ctl, bms, ctl->ip, NULL, BACNET_PORT,
		BACNET_PORT, &r, "bacnet");
}

void bacnet_scenario(struct sim_plant *pl, struct sim_device *bms, struct sim_device *ctl, uint32_t instance,
		     uint64_t t0)
{
	unsigned invoke = 1;
	uint64_t t;

	for (t = t0; t < pl->duration_ns; t += 30 * SIM_NS_PER_S) {
		uint64_t ta = t + 5 * SIM_NS_PER_MS + sim_rng_below(&pl->rng, 20 * SIM_NS_PER_MS);

		who_is(pl, t, bms);
		i_am(pl, ta, ctl, instance);
		if (t == t0) {
			arp_exchange(pl, ta + 50 * SIM_NS_PER_MS, bms, ctl);
			read_property(pl, ta + 60 * SIM_NS_PER_MS, bms, ctl, instance, invoke++, PROP_OBJECT_NAME,
				      ctl->name);
			read_property(pl, ta + 80 * SIM_NS_PER_MS, bms, ctl, instance, invoke++, PROP_MODEL_NAME,
				      ctl->model);
		}
	}
}
