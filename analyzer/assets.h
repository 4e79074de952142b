/*
 * assets.h - the devices the captures show, with what they are, what they
 * do, and which view saw them.
 *
 * While the views are read, every packet's sender is counted as an
 * endpoint (its MAC and IP as the packet shows them) per view, and the ICS
 * dissectors' messages (roles, protocols, peers) and identities (vendor,
 * product, firmware, names, MAC-IP bindings) are attached to endpoints.
 * assets_finish() then makes one asset per device:
 *
 *   - keyed on its MAC where the capture sees the device's own segment: the
 *     IPs a MAC sends from are that device's, unless it sends from more than
 *     ROUTER_IPS addresses (a router forwarding others' packets): then only
 *     the addresses bound to it by ARP, DHCP, LLDP or DCP stay with it, and
 *     each other address is an asset of its own, keyed on the IP;
 *   - keyed on its IP when no MAC is seen (raw IP captures) or behind a router;
 *   - an asset has sent at least one frame: addresses only ever written to
 *     (scan targets, names in DNS answers) are not assets, though facts
 *     about them join the asset that owns them.
 *
 * With an inventory, each asset is matched to its entry (by MAC, else by
 * IP); entries never matched become assets that no view saw.
 *
 * Frames with a bad FCS are not given to the assets (their addresses
 * cannot be trusted).  Memory grows with endpoints and facts, not frames.
 */
#ifndef TP_ASSETS_H
#define TP_ASSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/inventory.h"
#include "analyzer/oui.h"
#include "formats/ics/ics.h"
#include "formats/packet.h"

#define ROUTER_IPS 3		/* more source IPs than this behind one MAC: a router */
#define ASSET_MAX_FACT 256	/* bytes kept of one identity value */
#define ASSET_MAX_FACTS 64	/* distinct facts kept per endpoint */

/* One identity fact, bytes as sent (sanitised only on output). */
struct asset_fact {
	uint8_t proto;		/* enum ics_proto */
	uint8_t field;		/* enum ics_field */
	uint16_t len;
	uint8_t value[ASSET_MAX_FACT];
};

struct asset_view {
	uint64_t frames;	/* frames it sent that the view holds */
	int64_t first_ts;	/* the first of them */
};

enum asset_status {
	ASSET_NO_INVENTORY,	/* no inventory was given */
	ASSET_KNOWN,		/* seen, and in the inventory */
	ASSET_NOT_IN_INVENTORY,	/* seen, not in the inventory: a possible rogue */
	ASSET_NEVER_SEEN,	/* in the inventory, seen by no view */
};

struct asset {
	bool has_mac;
	uint8_t mac[6];
	uint8_t ip_version;		/* of ip; 0 for none */
	uint8_t ip[16];			/* the address it sent most frames from */
	size_t nips;			/* every address it sent from or was bound to */
	uint8_t (*ips)[17];		/* version byte, then 16 bytes */
	const char *vendor;		/* from the MAC's OUI; "" unknown */
	bool routed;			/* keyed on IP behind a router's MAC */
	uint32_t protocols;		/* bit per enum ics_proto it spoke */
	uint16_t roles[ICS_PROTO_COUNT];	/* bit per enum ics_role, per protocol */
	size_t nfacts;
	struct asset_fact *facts;
	size_t npeers;
	size_t *peers;			/* indexes of assets it exchanged ICS messages with */
	int64_t first_ts, last_ts;
	uint64_t frames;
	struct asset_view *views;	/* one per view */
	const struct inventory_entry *inventory;	/* NULL when not in it */
	enum asset_status status;
};

struct assets;

struct assets *assets_new(size_t nviews, struct oui_table *oui);

/* A packet of view `view` (not one with a bad FCS).  hints (or NULL) are
 * two words the caller keeps per flow, 0 at first, and side the flow side
 * that sent pkt: assets_packet() keeps each side's endpoint there, to find
 * the packet's ends again without a lookup. */
void assets_packet(struct assets *a, size_t view, const struct tp_packet *pkt, uint32_t hints[2],
		   int side);
/* What a dissector said about pkt. */
void assets_message(struct assets *a, const struct tp_packet *pkt, const struct ics_msg *m);
void assets_identity(struct assets *a, const struct tp_packet *pkt, const struct ics_ident *id);

/* Makes the assets (inv may be NULL); call once, after the last packet. */
bool assets_finish(struct assets *a, const struct inventory *inv);

size_t assets_count(const struct assets *a);
const struct asset *assets_get(const struct assets *a, size_t i);	/* sorted by IP, then MAC */

void assets_free(struct assets *a);

const char *asset_status_name(enum asset_status s);	/* "known", "not in inventory", ... */

#endif
