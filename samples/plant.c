/*
 * plant.c - the simulated plant: devices on the ports of one switch, and the
 * timeline of what each of them says.
 *
 *   port  device        role
 *      1  gw-01         router / firewall, DHCP, DNS and NTP server
 *      2  hmi-01        Modbus/TCP client polling plc-01 and plc-02
 *      3  plc-01        Modbus/TCP server
 *      4  plc-02        Modbus/TCP server
 *      5  ied-q1        IEC 61850 GOOSE publisher (the damaged link)
 *      6  scada-01      DNP3 and IEC 60870-5-104 master
 *      7  rtu-dnp3      DNP3 outstation
 *      8  rtu-104       IEC 60870-5-104 controlled station
 *      9  ews-01        engineering workstation: S7comm client, DHCP at boot
 *     10  plc-s7        Siemens S7-1500: S7comm and OPC UA server
 *     11  plc-ab        Rockwell ControlLogix: EtherNet/IP scanner
 *     12  io-ab         Rockwell POINT I/O: EtherNet/IP adapter, class 1 I/O
 *     13  bms-01        building management front end: BACnet/IP client
 *     14  bac-ahu1      Delta Controls AHU controller: BACnet/IP device 71001
 *     15  historian-01  OPC UA client of plc-s7 (its OPC UA server)
 *     16  rogue-laptop  appears halfway through: static address, port scan
 *                       of plc-s7 and plc-ab, no broadcast
 *
 * Every scenario writes its whole timeline into the wire list, which is
 * then sorted; all randomness comes from the seeded PRNG.
 */
#include <stdlib.h>
#include <string.h>

#include "samples/sim.h"

struct device_spec {
	const char *name, *vendor, *model, *role, *protocols;
	uint8_t oui[3];
	uint8_t host;	/* last octet of the IP, and of the MAC */
	uint8_t port;
	uint8_t ttl;
	bool rogue;
};

/* OUIs from the IEEE registry (as in Wireshark's manuf): Cisco 00:00:0C,
 * Dell 00:14:22, Schneider (Telemecanique) 00:80:F4, ABB Oy 00:21:C1,
 * SEL 00:30:A7, Hitachi Energy (ex ABB Power Grids) 00:02:A3, Siemens
 * 00:1B:1B, Rockwell 00:00:BC, Delta Controls 00:40:AE.  The rogue laptop
 * uses a randomised, locally administered MAC, as modern OSes do. */
static const struct device_spec specs[] = {
	{ "gw-01", "Cisco", "IR1101", "router", "arp dhcp-server dns-server ntp-server lldp",
	  { 0x00, 0x00, 0x0c }, 1, 1, 255, false },
	{ "hmi-01", "Dell", "OptiPlex 7090 (HMI)", "hmi", "modbus-client dns-client ntp-client",
	  { 0x00, 0x14, 0x22 }, 10, 2, 128, false },
	{ "plc-01", "Schneider Electric", "BMX P34 2020", "plc", "modbus-server lldp",
	  { 0x00, 0x80, 0xf4 }, 21, 3, 64, false },
	{ "plc-02", "Schneider Electric", "BME P58 2040", "plc", "modbus-server lldp",
	  { 0x00, 0x80, 0xf4 }, 22, 4, 64, false },
	{ "ied-q1", "ABB", "REF615", "ied", "goose-publisher lldp",
	  { 0x00, 0x21, 0xc1 }, 31, 5, 64, false },
	{ "scada-01", "Dell", "PowerEdge R450 (SCADA)", "scada-master", "dnp3-master iec104-master ntp-client",
	  { 0x00, 0x14, 0x22 }, 5, 6, 128, false },
	{ "rtu-dnp3", "SEL", "SEL-3505 RTAC", "rtu", "dnp3-outstation lldp",
	  { 0x00, 0x30, 0xa7 }, 41, 7, 64, false },
	{ "rtu-104", "Hitachi Energy", "RTU560", "rtu", "iec104-slave lldp",
	  { 0x00, 0x02, 0xa3 }, 42, 8, 64, false },
	{ "ews-01", "Dell", "Precision 3660 (TIA Portal)", "engineering-workstation", "s7comm-client dhcp-client",
	  { 0x00, 0x14, 0x22 }, 15, 9, 128, false },
	{ "plc-s7", "Siemens", "CPU 1515-2 PN (6ES7 515-2AM01-0AB0)", "plc", "s7comm-server opcua-server lldp",
	  { 0x00, 0x1b, 0x1b }, 23, 10, 30, false },
	{ "plc-ab", "Rockwell Automation", "1756-L83E ControlLogix", "plc", "enip-scanner cip-io-originator lldp",
	  { 0x00, 0x00, 0xbc }, 24, 11, 64, false },
	{ "io-ab", "Rockwell Automation", "1734-AENTR POINT I/O", "io-adapter", "enip-adapter cip-io-target",
	  { 0x00, 0x00, 0xbc }, 61, 12, 64, false },
	{ "bms-01", "Dell", "OptiPlex 7010 (BMS front end)", "bms-workstation", "bacnet-client",
	  { 0x00, 0x14, 0x22 }, 70, 13, 128, false },
	{ "bac-ahu1", "Delta Controls", "eBCON DSC-1616E", "building-controller", "bacnet-server",
	  { 0x00, 0x40, 0xae }, 71, 14, 64, false },
	{ "historian-01", "Dell", "PowerEdge R350 (Historian)", "historian", "opcua-client",
	  { 0x00, 0x14, 0x22 }, 50, 15, 128, false },
	{ "rogue-laptop", "unknown", "unknown", "unknown", "port-scan",
	  { 0x02, 0x5e, 0x3a }, 100, 16, 128, true },
};

enum {
	GW, HMI, PLC1, PLC2, IED, SCADA, RTU_DNP3, RTU_104, EWS, PLC_S7, PLC_AB, IO_AB, BMS, BAC_CTL, HISTORIAN,
	ROGUE
};

const struct sim_device *plant_device_by_mac(const struct sim_plant *pl, const uint8_t mac[6])
{
	for (size_t i = 0; i < pl->ndev; i++)
		if (memcmp(pl->dev[i].mac, mac, 6) == 0)
			return &pl->dev[i];
	return NULL;
}

static void add_devices(struct sim_plant *pl)
{
	for (size_t i = 0; i < sizeof specs / sizeof specs[0] && i < SIM_MAX_DEVICES; i++) {
		const struct device_spec *s = &specs[i];
		struct sim_device *d = &pl->dev[pl->ndev++];

		d->name = s->name;
		d->vendor = s->vendor;
		d->model = s->model;
		d->role = s->role;
		d->protocols = s->protocols;
		memcpy(d->mac, s->oui, 3);
		d->mac[3] = (uint8_t)(0x10 + i);
		d->mac[4] = (uint8_t)sim_rng_below(&pl->rng, 256);
		d->mac[5] = s->host;
		d->ip[0] = 10;
		d->ip[1] = 10;
		d->ip[2] = 0;
		d->ip[3] = s->host;
		d->port = s->port;
		d->ttl = s->ttl;
		d->rogue = s->rogue;
		d->ip_id = (uint16_t)sim_rng_next(&pl->rng);
	}
}

/* Does target serve port (the rogue's scan finds it open)? */
static bool serves(const struct sim_device *target, uint16_t port)
{
	return port == 80 || (port == 102 && strstr(target->protocols, "s7comm-server")) ||
	       (port == 44818 && strstr(target->protocols, "enip"));
}

/* The rogue laptop: link up halfway on an unmonitored port, a static
 * address and a quiet approach: it learnt its targets' addresses by
 * listening (their gratuitous ARPs), sends no broadcast, and SYN-scans
 * common and ICS ports of the S7 and ControlLogix PLCs (nmap -sS style:
 * an open port answers SYN/ACK and gets a RST; a closed one answers
 * RST/ACK).  Each target first asks for the rogue's MAC (ARP) before
 * answering.  Nothing it sends enters or leaves the SPAN session's ports:
 * only the TAP sees it. */
static void rogue_scenario(struct sim_plant *pl, struct sim_device *rogue,
			   struct sim_device *const *targets, size_t ntargets)
{
	static const uint16_t ports[] = { 21, 22, 23, 80, 102, 443, 502, 1911, 2404, 20000, 44818, 47808 };
	uint64_t t = rogue->link_up_ns + 3500 * SIM_NS_PER_MS;
	unsigned sport = 40000 + (unsigned)sim_rng_below(&pl->rng, 20000);

	for (size_t i = 0; i < ntargets; i++) {
		for (size_t j = 0; j < sizeof ports / sizeof ports[0]; j++) {
			uint32_t seq = (uint32_t)sim_rng_next(&pl->rng);
			uint32_t srv = (uint32_t)sim_rng_next(&pl->rng);
			uint64_t tr = t + 150000 + sim_rng_below(&pl->rng, 100000);
			bool open = serves(targets[i], ports[j]);

			if (j == 0) {
				arp_exchange(pl, tr - 100000, targets[i], rogue);
				tr += 100000;
			}

			tcp_segment(pl, t, rogue, targets[i], sport, ports[j], seq, 0, TCP_SYN, NULL, "tcp");
			if (open) {
				tcp_segment(pl, tr, targets[i], rogue, ports[j], sport, srv, seq + 1,
					    TCP_SYN | TCP_ACK, NULL, "tcp");
				tcp_segment(pl, tr + 50000, rogue, targets[i], sport, ports[j], seq + 1, 0,
					    TCP_RST, NULL, "tcp");
			} else {
				tcp_segment(pl, tr, targets[i], rogue, ports[j], sport, 0, seq + 1,
					    TCP_RST | TCP_ACK, NULL, "tcp");
			}
			t += 1 * SIM_NS_PER_MS + sim_rng_below(&pl->rng, 500000);
		}
	}
}

void sim_params_default(struct sim_params *p)
{
	*p = (struct sim_params){ .span_rate_bps = 100000000, .tunnel_loss_ppm = 3000,
				  .poll_ns = 100 * SIM_NS_PER_MS, .vswitch_drops = 6 };
}

int plant_build(struct sim_plant *pl, const struct sim_params *par, uint64_t seed, uint64_t duration_s)
{
	struct sim_device *d;

	memset(pl, 0, sizeof *pl);
	pl->par = *par;
	pl->rng.state = seed;
	pl->start_ns = SIM_EPOCH_S * SIM_NS_PER_S;
	pl->duration_ns = duration_s * SIM_NS_PER_S;
	add_devices(pl);
	d = pl->dev;
	d[ROGUE].link_up_ns = pl->duration_ns / 2;

	/* Every device announces itself when the capture starts (its link is
	 * already up: the plant is running; these are periodic refreshes). */
	for (size_t i = 0; i < pl->ndev; i++)
		if (!d[i].rogue)
			arp_gratuitous(pl, 10 * SIM_NS_PER_MS * (i + 1), &d[i]);

	modbus_scenario(pl, &d[HMI], &d[PLC1], 49801, 200 * SIM_NS_PER_MS);
	modbus_scenario(pl, &d[HMI], &d[PLC2], 49802, 250 * SIM_NS_PER_MS);
	goose_scenario(pl, &d[IED], 50 * SIM_NS_PER_MS);
	dnp3_scenario(pl, &d[SCADA], &d[RTU_DNP3], 50201, 300 * SIM_NS_PER_MS);
	iec104_scenario(pl, &d[SCADA], &d[RTU_104], 50202, 350 * SIM_NS_PER_MS);
	s7comm_scenario(pl, &d[EWS], &d[PLC_S7], "6ES7 515-2AM01-0AB0", 50301, 400 * SIM_NS_PER_MS);
	enip_scenario(pl, &d[PLC_AB], &d[IO_AB], 50401, 450 * SIM_NS_PER_MS);
	bacnet_scenario(pl, &d[BMS], &d[BAC_CTL], 71001, 500 * SIM_NS_PER_MS);
	opcua_scenario(pl, &d[HISTORIAN], &d[PLC_S7], 50501, 2 * SIM_NS_PER_S + 300 * SIM_NS_PER_MS);
	ntp_scenario(pl, &d[HMI], &d[GW], 120 * SIM_NS_PER_MS, 16 * SIM_NS_PER_S);
	ntp_scenario(pl, &d[SCADA], &d[GW], 130 * SIM_NS_PER_MS, 16 * SIM_NS_PER_S);
	{
		static const uint8_t historian[4] = { 10, 10, 0, 50 };

		dns_query(pl, 2 * SIM_NS_PER_S + 100 * SIM_NS_PER_MS, &d[HMI], &d[GW], "historian.plant.local",
			  historian);
		dns_query(pl, pl->duration_ns * 2 / 3, &d[HMI], &d[GW], "historian.plant.local", historian);
	}
	for (size_t i = 0; i < pl->ndev; i++)
		if (strstr(d[i].protocols, "lldp"))
			lldp_scenario(pl, &d[i], (1 + i) * 1500 * SIM_NS_PER_MS);
	{
		struct sim_device *targets[2] = { &d[PLC_S7], &d[PLC_AB] };

		rogue_scenario(pl, &d[ROGUE], targets, 2);
		/* The engineering workstation gets its address by DHCP as it boots. */
		dhcp_dora(pl, 150 * SIM_NS_PER_MS, &d[EWS], &d[GW]);
	}
	if (pl->wire.full)
		return -1;
	wire_sort(&pl->wire);
	return 0;
}

void plant_free(struct sim_plant *pl)
{
	wire_free(&pl->wire);
}
