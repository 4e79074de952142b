/*
 * test_assets.c - devices from packets (analyzer/assets.c): keyed on MAC or
 * IP, routers, bindings, facts, roles, peers, views and the inventory, on
 * packets built by hand.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "analyzer/assets.h"
#include "tests/support/check.h"

static const uint8_t mac_a[6] = { 0x00, 0x80, 0xf4, 0x00, 0x00, 0x0a };	/* Schneider */
static const uint8_t mac_b[6] = { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x0b };	/* Siemens */
static const uint8_t mac_r[6] = { 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01 };	/* Cisco router */
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct tp_packet pkt(const uint8_t *src_mac, const uint8_t *dst_mac, uint32_t src_ip,
			    uint32_t dst_ip, int64_t ts)
{
	struct tp_packet p;

	memset(&p, 0, sizeof p);
	p.ts_ns = ts;
	if (src_mac) {
		p.has_mac = true;
		memcpy(p.src_mac, src_mac, 6);
		memcpy(p.dst_mac, dst_mac, 6);
	}
	if (src_ip) {
		p.ip_version = 4;
		for (int i = 0; i < 4; i++) {
			p.src_ip[i] = (uint8_t)(src_ip >> (24 - 8 * i));
			p.dst_ip[i] = (uint8_t)(dst_ip >> (24 - 8 * i));
		}
	}
	return p;
}

static const struct asset *find_ip(const struct assets *a, uint32_t ip)
{
	for (size_t i = 0; i < assets_count(a); i++) {
		const struct asset *as = assets_get(a, i);
		uint32_t v = (uint32_t)as->ip[0] << 24 | (uint32_t)as->ip[1] << 16 |
			     (uint32_t)as->ip[2] << 8 | as->ip[3];

		if (as->ip_version == 4 && v == ip)
			return as;
	}
	return NULL;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

Test(assets, a_mac_owns_the_addresses_it_sends_from_with_per_view_counts)
{
	struct assets *a = assets_new(2, NULL);
	struct tp_packet p;
	const struct asset *as;

	for (int i = 0; i < 3; i++) {
		p = pkt(mac_a, mac_b, IP(10, 0, 0, 5), IP(10, 0, 0, 6), 1000 + i);
		assets_packet(a, 0, &p, NULL, 0);
	}
	p = pkt(mac_a, mac_b, IP(10, 0, 0, 5), IP(10, 0, 0, 6), 900);
	assets_packet(a, 1, &p, NULL, 0);
	p = pkt(mac_a, bcast, 0, 0, 2000);	/* ARP, GOOSE...: no IP */
	assets_packet(a, 1, &p, NULL, 0);
	cr_assert(assets_finish(a, NULL));
	cr_assert(eq(sz, assets_count(a), 1));
	as = assets_get(a, 0);
	cr_expect(as->has_mac);
	cr_expect(same_bytes(as->mac, mac_a, 6));
	cr_expect(eq(u8, as->ip_version, 4));
	cr_expect(eq(u8, as->ip[3], 5));
	cr_expect(eq(sz, as->nips, 1));
	cr_expect(same(as->vendor, "Schneider Electric"));
	cr_expect(eq(u64, as->frames, 5));
	cr_expect(eq(i64, as->first_ts, 900));
	cr_expect(eq(i64, as->last_ts, 2000));
	cr_expect(eq(u64, as->views[0].frames, 3));
	cr_expect(eq(i64, as->views[0].first_ts, 1000));
	cr_expect(eq(u64, as->views[1].frames, 2));
	cr_expect(eq(i64, as->views[1].first_ts, 900));
	cr_expect(eq(int, as->status, ASSET_NO_INVENTORY));
	assets_free(a);
}

Test(assets, a_router_keeps_its_bound_address_and_the_rest_are_devices_behind_it)
{
	struct assets *a = assets_new(1, NULL);
	struct tp_packet p;
	struct ics_ident bind = { .proto = ICS_ARP, .field = ICS_F_ADDRESS, .subject = ICS_SUBJECT_GIVEN,
				  .has_mac = true, .ip_version = 4, .ip = { 10, 0, 0, 1 } };
	const struct asset *r;

	memcpy(bind.mac, mac_r, 6);
	for (int host = 1; host <= ROUTER_IPS + 2; host++) {
		p = pkt(mac_r, mac_a, IP(192, 168, 9, host), IP(10, 0, 0, 5), host);
		assets_packet(a, 0, &p, NULL, 0);
	}
	p = pkt(mac_r, mac_a, IP(10, 0, 0, 1), IP(10, 0, 0, 5), 100);
	assets_packet(a, 0, &p, NULL, 0);
	p = pkt(mac_r, bcast, 0, 0, 101);
	assets_identity(a, &p, &bind);
	cr_assert(assets_finish(a, NULL));
	cr_assert(eq(sz, assets_count(a), ROUTER_IPS + 3));
	r = find_ip(a, IP(10, 0, 0, 1));
	cr_assert(r != NULL);
	cr_expect(r->has_mac);
	cr_expect(eq(sz, r->nips, 1));
	cr_expect(eq(u64, r->frames, 1));
	for (int host = 1; host <= ROUTER_IPS + 2; host++) {
		const struct asset *behind = find_ip(a, IP(192, 168, 9, host));

		cr_assert(behind != NULL, "192.168.9.%d", host);
		cr_expect(not(behind->has_mac));
		cr_expect(behind->routed);
		cr_expect(eq(u64, behind->frames, 1));
	}
	assets_free(a);
}

Test(assets, a_host_with_few_addresses_is_not_a_router)
{
	struct assets *a = assets_new(1, NULL);
	struct tp_packet p;

	for (int host = 1; host <= ROUTER_IPS; host++) {
		p = pkt(mac_a, mac_b, IP(10, 0, 0, host), IP(10, 0, 0, 99), host);
		assets_packet(a, 0, &p, NULL, 0);
	}
	cr_assert(assets_finish(a, NULL));
	cr_assert(eq(sz, assets_count(a), 1));
	cr_expect(eq(sz, assets_get(a, 0)->nips, ROUTER_IPS));
	assets_free(a);
}

Test(assets, facts_join_their_device_and_addresses_only_named_are_not_devices)
{
	struct assets *a = assets_new(1, NULL);
	struct tp_packet p = pkt(mac_a, mac_b, IP(10, 0, 0, 5), IP(10, 0, 0, 6), 1);
	struct ics_ident vendor = { .proto = ICS_MODBUS, .field = ICS_F_VENDOR, .subject = ICS_SUBJECT_SENDER,
				    .value = (const uint8_t *)"Schneider\0Electric", .len = 18 };
	struct ics_ident dns_known = { .proto = ICS_DNS, .field = ICS_F_NAME, .subject = ICS_SUBJECT_GIVEN,
				       .ip_version = 4, .ip = { 10, 0, 0, 5 },
				       .value = (const uint8_t *)"plc-01.plant", .len = 12 };
	struct ics_ident dns_far = dns_known;
	struct ics_ident dhcp_name = { .proto = ICS_DHCP, .field = ICS_F_NAME, .subject = ICS_SUBJECT_GIVEN,
				       .has_mac = true, .value = (const uint8_t *)"PLC01", .len = 5 };
	const struct asset *as;

	dns_far.ip[3] = 77;
	memcpy(dhcp_name.mac, mac_a, 6);
	assets_packet(a, 0, &p, NULL, 0);
	assets_identity(a, &p, &vendor);
	assets_identity(a, &p, &vendor);	/* said twice, kept once */
	assets_identity(a, &p, &dns_known);
	assets_identity(a, &p, &dns_far);
	assets_identity(a, &p, &dhcp_name);
	cr_assert(assets_finish(a, NULL));
	cr_assert(eq(sz, assets_count(a), 1), "10.0.0.77 was only named, never seen");
	as = assets_get(a, 0);
	cr_assert(eq(sz, as->nfacts, 3));
	for (size_t i = 0; i < as->nfacts; i++) {
		const struct asset_fact *f = &as->facts[i];

		if (f->proto == ICS_MODBUS) {
			cr_expect(eq(u8, f->field, ICS_F_VENDOR));
			cr_expect(eq(u16, f->len, 18), "bytes kept whole, NUL included");
			cr_expect(same_bytes(f->value, (const uint8_t *)"Schneider\0Electric", 18));
		} else if (f->proto == ICS_DNS) {
			cr_expect(same_bytes(f->value, (const uint8_t *)"plc-01.plant", 12));
		} else {
			cr_expect(eq(u8, f->proto, ICS_DHCP));
			cr_expect(same_bytes(f->value, (const uint8_t *)"PLC01", 5));
		}
	}
	assets_free(a);
}

Test(assets, roles_protocols_and_peers_come_from_messages)
{
	struct assets *a = assets_new(1, NULL);
	struct tp_packet req = pkt(mac_a, mac_b, IP(10, 0, 0, 5), IP(10, 0, 0, 6), 1);
	struct tp_packet resp = pkt(mac_b, mac_a, IP(10, 0, 0, 6), IP(10, 0, 0, 5), 2);
	struct tp_packet scan = pkt(mac_a, mac_b, IP(10, 0, 0, 5), IP(10, 0, 0, 99), 3);
	struct ics_msg m = { .proto = ICS_MODBUS, .kind = ICS_KIND_REQUEST, .sender_role = ICS_ROLE_CLIENT,
			     .receiver_role = ICS_ROLE_SERVER };
	const struct asset *client, *server;

	assets_packet(a, 0, &req, NULL, 0);
	assets_message(a, &req, &m);
	assets_packet(a, 0, &resp, NULL, 0);
	m.kind = ICS_KIND_RESPONSE;
	m.sender_role = ICS_ROLE_SERVER;
	m.receiver_role = ICS_ROLE_CLIENT;
	assets_message(a, &resp, &m);
	/* A request to an address that never answers makes no device. */
	assets_packet(a, 0, &scan, NULL, 0);
	m = (struct ics_msg){ .proto = ICS_S7COMM, .kind = ICS_KIND_REQUEST, .sender_role = ICS_ROLE_CLIENT,
			      .receiver_role = ICS_ROLE_SERVER };
	assets_message(a, &scan, &m);
	cr_assert(assets_finish(a, NULL));
	cr_assert(eq(sz, assets_count(a), 2));
	client = find_ip(a, IP(10, 0, 0, 5));
	server = find_ip(a, IP(10, 0, 0, 6));
	cr_assert(client != NULL && server != NULL);
	cr_expect(eq(u32, client->protocols, (1u << ICS_MODBUS) | (1u << ICS_S7COMM)));
	cr_expect(eq(u16, client->roles[ICS_MODBUS], 1u << ICS_ROLE_CLIENT));
	cr_expect(eq(u16, server->roles[ICS_MODBUS], 1u << ICS_ROLE_SERVER));
	cr_expect(eq(u32, server->protocols, 1u << ICS_MODBUS));
	cr_assert(eq(sz, client->npeers, 1));
	cr_expect(eq(ptr, (void *)assets_get(a, client->peers[0]), (void *)server));
	cr_assert(eq(sz, server->npeers, 1));
	cr_expect(eq(ptr, (void *)assets_get(a, server->peers[0]), (void *)client));
	assets_free(a);
}

Test(assets, raw_ip_senders_join_the_mac_that_owns_their_address)
{
	struct assets *a = assets_new(2, NULL);
	struct tp_packet eth = pkt(mac_a, mac_b, IP(10, 0, 0, 5), IP(10, 0, 0, 6), 1);
	struct tp_packet raw = pkt(NULL, NULL, IP(10, 0, 0, 5), IP(10, 0, 0, 6), 2);
	struct tp_packet raw_other = pkt(NULL, NULL, IP(10, 0, 0, 8), IP(10, 0, 0, 6), 3);
	const struct asset *as;

	assets_packet(a, 0, &eth, NULL, 0);
	assets_packet(a, 1, &raw, NULL, 0);
	assets_packet(a, 1, &raw, NULL, 0);
	assets_packet(a, 1, &raw_other, NULL, 0);
	cr_assert(assets_finish(a, NULL));
	cr_assert(eq(sz, assets_count(a), 2));
	as = find_ip(a, IP(10, 0, 0, 5));
	cr_assert(as != NULL);
	cr_expect(as->has_mac);
	cr_expect(eq(u64, as->views[0].frames, 1));
	cr_expect(eq(u64, as->views[1].frames, 2));
	as = find_ip(a, IP(10, 0, 0, 8));
	cr_assert(as != NULL);
	cr_expect(not(as->has_mac));
	cr_expect(not(as->routed));
	assets_free(a);
}

Test(assets, the_inventory_marks_known_rogue_and_never_seen_devices)
{
	struct assets *a = assets_new(1, NULL);
	struct tp_packet pa = pkt(mac_a, mac_b, IP(10, 0, 0, 5), IP(10, 0, 0, 6), 1);
	struct tp_packet pb = pkt(mac_b, mac_a, IP(10, 0, 0, 6), IP(10, 0, 0, 5), 2);
	struct inventory_entry entries[3] = {
		{ .name = "plc-a", .has_mac = true },
		{ .name = "by-ip", .ip_version = 4, .ip = { 10, 0, 0, 6 } },
		{ .name = "quiet-rtu", .has_mac = true, .mac = { 0x00, 0x30, 0xa7, 1, 2, 3 }, .ip_version = 4,
		  .ip = { 10, 0, 0, 41 } },
	};
	struct inventory inv = { entries, 3, 0 };
	struct tp_packet pc = pkt(mac_r, mac_a, IP(10, 0, 0, 66), IP(10, 0, 0, 5), 3);
	const struct asset *as;

	memcpy(entries[0].mac, mac_a, 6);
	assets_packet(a, 0, &pa, NULL, 0);
	assets_packet(a, 0, &pb, NULL, 0);
	assets_packet(a, 0, &pc, NULL, 0);
	cr_assert(assets_finish(a, &inv));
	cr_assert(eq(sz, assets_count(a), 4));
	as = find_ip(a, IP(10, 0, 0, 5));
	cr_expect(eq(int, as->status, ASSET_KNOWN));
	cr_expect(eq(ptr, (void *)as->inventory, (void *)&entries[0]));
	as = find_ip(a, IP(10, 0, 0, 6));
	cr_expect(eq(int, as->status, ASSET_KNOWN), "matched by IP");
	as = find_ip(a, IP(10, 0, 0, 66));
	cr_expect(eq(int, as->status, ASSET_NOT_IN_INVENTORY));
	cr_expect(eq(ptr, (void *)as->inventory, NULL));
	as = find_ip(a, IP(10, 0, 0, 41));
	cr_assert(as != NULL);
	cr_expect(eq(int, as->status, ASSET_NEVER_SEEN));
	cr_expect(eq(u64, as->frames, 0));
	cr_expect(eq(u64, as->views[0].frames, 0));
	cr_expect(same(as->vendor, "SEL (Schweitzer Engineering Laboratories)"));
	assets_free(a);
}

Test(assets, broadcast_and_unspecified_addresses_are_nobody)
{
	struct assets *a = assets_new(1, NULL);
	struct tp_packet dhcp = pkt(mac_a, bcast, IP(0, 0, 0, 0), IP(255, 255, 255, 255), 1);
	struct tp_packet bogus = pkt(bcast, mac_a, IP(224, 0, 0, 1), IP(10, 0, 0, 5), 2);

	assets_packet(a, 0, &dhcp, NULL, 0);
	assets_packet(a, 0, &bogus, NULL, 0);	/* neither a unicast MAC nor a unicast IP */
	cr_assert(assets_finish(a, NULL));
	cr_assert(eq(sz, assets_count(a), 1));
	cr_expect(eq(u8, assets_get(a, 0)->ip_version, 0));
	cr_expect(same_bytes(assets_get(a, 0)->mac, mac_a, 6));
	assets_free(a);
}

/* Cyclic I/O between two ports 2222 names no roles; the device that opened
 * the CIP connection as a client is the scanner, its server the adapter. */
Test(assets, cyclic_io_roles_follow_who_opened_the_cip_connection)
{
	struct assets *a = assets_new(1, NULL);
	struct tp_packet open = pkt(mac_a, mac_b, IP(10, 0, 0, 24), IP(10, 0, 0, 61), 1);
	struct tp_packet io = pkt(mac_b, mac_a, IP(10, 0, 0, 61), IP(10, 0, 0, 24), 2);
	struct ics_msg fo = { .proto = ICS_CIP, .kind = ICS_KIND_REQUEST, .sender_role = ICS_ROLE_CLIENT,
			      .receiver_role = ICS_ROLE_SERVER, .function = 0x54 };
	struct ics_msg cyclic = { .proto = ICS_CIP_IO, .kind = ICS_KIND_PUBLISH };

	assets_packet(a, 0, &open, NULL, 0);
	assets_message(a, &open, &fo);
	assets_packet(a, 0, &io, NULL, 0);
	assets_message(a, &io, &cyclic);
	cr_assert(assets_finish(a, NULL));
	cr_expect(eq(u16, find_ip(a, IP(10, 0, 0, 24))->roles[ICS_CIP_IO], 1u << ICS_ROLE_SCANNER));
	cr_expect(eq(u16, find_ip(a, IP(10, 0, 0, 61))->roles[ICS_CIP_IO], 1u << ICS_ROLE_ADAPTER));
	assets_free(a);
}

Test(assets, no_packets_no_assets_and_the_inventory_all_unseen)
{
	struct assets *a = assets_new(2, NULL);
	struct inventory_entry e = { .name = "plc", .ip_version = 4, .ip = { 10, 0, 0, 1 } };
	struct inventory inv = { &e, 1, 0 };

	cr_assert(assets_finish(a, NULL));
	cr_expect(eq(sz, assets_count(a), 0));
	assets_free(a);
	a = assets_new(2, NULL);
	cr_assert(assets_finish(a, &inv));
	cr_assert(eq(sz, assets_count(a), 1));
	cr_expect(eq(int, assets_get(a, 0)->status, ASSET_NEVER_SEEN));
	assets_free(a);
}
