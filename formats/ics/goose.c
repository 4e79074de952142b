/*
 * goose.c - IEC 61850 GOOSE publications (EtherType 0x88B8), one message
 * per frame with the state and sequence numbers and the control block name.
 *
 * References: IEC 61850-8-1 Ed.2 (2011) clause 18 (GOOSE mapping) and
 * Annex A (the ISO/IEC 8802-3 frame: APPID, Length, Reserved 1, Reserved 2,
 * then the BER-encoded APDU; the ASN.1 of IECGoosePdu); 8.1.3.7 (UtcTime);
 * Ed.2 Annex A: bit 15 of Reserved 1 is the Simulate bit.  BER: ITU-T X.690
 * (see ber.h).
 *
 *   0               1               2               3
 *   +-------------------------------+-------------------------------+
 *   | APPID                         | Length (8 + APDU, octets)     |
 *   +-+-----------------------------+-------------------------------+
 *   |S| Reserved 1                  | Reserved 2                    |
 *   +-+-----------------------------+-------------------------------+
 *   | 0x61 goosePdu [APPLICATION 1] IMPLICIT SEQUENCE ...
 *       [0] gocbRef VisibleString       [6] sqNum INTEGER
 *       [1] timeAllowedtoLive INTEGER   [7] simulation (Ed.1: test) BOOLEAN
 *       [2] datSet VisibleString        [8] confRev INTEGER
 *       [3] goID VisibleString OPTIONAL [9] ndsCom BOOLEAN
 *       [4] t UtcTime (8 octets)        [10] numDatSetEntries INTEGER
 *       [5] stNum INTEGER               [11] allData SEQUENCE OF Data
 *
 * What is reported, per frame whose goosePdu holds a whole stNum and sqNum
 * (the frame may end later, inside allData: the message is then built from
 * bytes that are all there, as tshark also shows the fields):
 *   kind PUBLISH, sender publisher, receiver none (multicast), actions 0,
 *   unit = APPID, seq[0] = stNum, seq[1] = sqNum;
 *   function 0 "goose", or 1 "goose_simulated" when the frame is marked as
 *   simulated or test (Reserved 1 bit 15, or the [7] BOOLEAN TRUE): struct
 *   ics_msg has no flag for it, so the function carries it (still kind
 *   PUBLISH, actions 0).  A frame cut between sqNum and [7] is judged by
 *   its Reserved 1 bit alone.
 * Identity of the sender: a whole, non-empty gocbRef as ICS_F_NAME (its
 * logical-device prefix is the IED's name plus the LD instance), also when
 * the frame ends before sqNum.  goID, datSet and confRev name
 * the data set, not the device, and are not reported.
 */
#include "formats/ics/ber.h"
#include "formats/ics/ics.h"

#define GOOSE_HEADER	8
#define GOOSE_SIMULATE	0x8000u	/* Reserved 1 */

enum goose_function { GOOSE_FN_PUBLISH, GOOSE_FN_SIMULATED };

/* The fields of a goosePdu that are reported, each set when read whole. */
struct goose_pdu {
	const uint8_t *gocb_ref;
	uint32_t gocb_ref_len;
	bool seen_gocb_ref, has_st, has_sq, simulation;
	uint32_t st_num, sq_num;
};

/* An INT32U field (stNum, sqNum): up to five octets, not negative. */
static bool read_u32(const struct ber_tlv *t, uint32_t *out)
{
	int64_t v;

	if (!ber_int(t, &v) || v < 0 || v > (int64_t)UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Walks the elements of the goosePdu as far as they are whole; the first
 * occurrence of a tag counts. */
static void read_pdu(struct tp_cursor c, struct goose_pdu *g)
{
	struct ber_tlv t;

	while (c.left && ber_read(&c, &t)) {
		if (t.cls != BER_CONTEXT || t.constructed || t.truncated)
			continue;	/* allData [11] is constructed; unknown tags */
		switch (t.tag) {
		case 0:
			if (!g->seen_gocb_ref) {
				g->seen_gocb_ref = true;
				g->gocb_ref = ber_bytes(&t);	/* NULL when empty */
				g->gocb_ref_len = t.len;
			}
			break;
		case 5:
			if (!g->has_st)
				g->has_st = read_u32(&t, &g->st_num);
			break;
		case 6:
			if (!g->has_sq)
				g->has_sq = read_u32(&t, &g->sq_num);
			break;
		case 7: {
			bool b = false;

			g->simulation |= ber_bool(&t, &b) && b;
			break;
		}
		default:
			break;
		}
	}
}

static uint32_t dissect(const struct ics_ctx *x, struct tp_cursor c)
{
	const uint32_t all = c.left;
	uint16_t appid, length, reserved1;
	struct goose_pdu g = { 0 };
	struct tp_cursor apdu;
	struct ber_tlv pdu;

	appid = tp_be16(&c);
	length = tp_be16(&c);
	reserved1 = tp_be16(&c);
	tp_skip(&c, 2);	/* Reserved 2: security (Ed.2), unused here */
	if (c.short_read || length < GOOSE_HEADER)
		return all;
	/* The APDU as declared: Ethernet padding after it is not read. */
	apdu = tp_sub(&c, length - GOOSE_HEADER);
	if (!ber_read(&apdu, &pdu) || pdu.cls != BER_APPLICATION || pdu.tag != 1 ||
	    !pdu.constructed)
		return all;	/* not a goosePdu (0x61) */
	read_pdu(pdu.val, &g);
	if (g.gocb_ref)
		ics_ident_bytes(x, ICS_GOOSE, ICS_F_NAME, g.gocb_ref, g.gocb_ref_len);
	if (g.has_st && g.has_sq) {
		struct ics_msg m = {
			.proto = ICS_GOOSE,
			.kind = ICS_KIND_PUBLISH,
			.function = (g.simulation || (reserved1 & GOOSE_SIMULATE)) ?
				    GOOSE_FN_SIMULATED : GOOSE_FN_PUBLISH,
			.sender_role = ICS_ROLE_PUBLISHER,
			.receiver_role = ICS_ROLE_NONE,
			.has_unit = true,
			.unit = appid,
			.nseq = 2,
			.seq = { g.st_num, g.sq_num },
		};

		ics_emit(x, &m);
	}
	return all;
}

static const char *function_name(uint8_t proto, uint16_t function)
{
	static const char *const names[] = { [GOOSE_FN_PUBLISH] = "goose",
					     [GOOSE_FN_SIMULATED] = "goose_simulated" };

	return proto == ICS_GOOSE && function < 2 ? names[function] : NULL;
}

const struct ics_dissector ics_goose = {
	.name = "goose",
	.proto = ICS_GOOSE,
	.ethertype = 0x88b8,
	.dissect = dissect,
	.function_name = function_name,
};
