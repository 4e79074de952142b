/*
 * ics.h - ICS/SCADA and identity-revealing IT protocols: one dissector per
 * file in formats/ics/, each exporting one descriptor, all listed in the
 * table of ics.c.
 *
 * A dissector reads the application bytes of one packet (a TCP segment's or
 * UDP datagram's payload, or the bytes after an EtherType) through the
 * cursor and reports what it understood to a sink, as
 *
 *   messages:    one per PDU: protocol, function or command, request or
 *                response, exception, what it does (write, program download,
 *                firmware, stop/start), the roles of sender and receiver, and
 *                the protocol's sequence counters;
 *   identities:  facts about a device: vendor, product, model, firmware,
 *                serial, names, addresses.  Strings are the bytes as sent,
 *                with their length (never assumed to be text): they are
 *                sanitised only when written out.
 *
 * Dissectors keep no state: what spans packets (TCP PDUs split across
 * segments) is put together by the caller (analyzer/ics_flow.c), which is
 * why dissect() says how many bytes of whole PDUs it consumed.
 */
#ifndef TP_ICS_H
#define TP_ICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/cursor.h"
#include "formats/packet.h"

/* Protocols of messages and identities.  A dissector may report more than
 * one (EtherNet/IP: encapsulation, CIP, cyclic I/O). */
enum ics_proto {
	ICS_NONE,
	ICS_MODBUS,
	ICS_DNP3,
	ICS_S7COMM,
	ICS_S7COMM_PLUS,
	ICS_ENIP,		/* EtherNet/IP encapsulation commands */
	ICS_CIP,		/* CIP services carried by EtherNet/IP */
	ICS_CIP_IO,		/* class 0/1 cyclic I/O (UDP 2222) */
	ICS_BACNET,
	ICS_IEC104,
	ICS_OPCUA,
	ICS_PROFINET_DCP,
	ICS_PROFINET_RT,	/* cyclic real-time frames */
	ICS_GOOSE,
	ICS_ARP,
	ICS_DHCP,
	ICS_DNS,
	ICS_MDNS,
	ICS_NBNS,
	ICS_LLDP,
	ICS_CDP,
	ICS_SNMP,
	ICS_PROTO_COUNT
};

/* What the message is. */
enum ics_kind {
	ICS_KIND_OTHER,
	ICS_KIND_REQUEST,
	ICS_KIND_RESPONSE,
	ICS_KIND_UNSOLICITED,	/* DNP3 unsolicited response, IEC 104 spontaneous data */
	ICS_KIND_PUBLISH,	/* GOOSE, cyclic I/O, PROFINET RT: sent to whoever listens */
	ICS_KIND_ANNOUNCE,	/* LLDP, CDP, I-Am, DCP Hello, gratuitous ARP */
	ICS_KIND_COUNT
};

/* Roles a device takes in a protocol. */
enum ics_role {
	ICS_ROLE_NONE,
	ICS_ROLE_CLIENT,
	ICS_ROLE_SERVER,
	ICS_ROLE_MASTER,	/* DNP3 master, IEC 104 controlling station */
	ICS_ROLE_OUTSTATION,	/* DNP3 outstation, IEC 104 controlled station */
	ICS_ROLE_SCANNER,	/* EtherNet/IP I/O originator */
	ICS_ROLE_ADAPTER,	/* EtherNet/IP I/O target */
	ICS_ROLE_PUBLISHER,	/* GOOSE */
	ICS_ROLE_IO_CONTROLLER,	/* PROFINET */
	ICS_ROLE_IO_DEVICE,	/* PROFINET */
	ICS_ROLE_COUNT
};

/* What a message does, as an investigator wants it flagged. */
#define ICS_ACT_READ		0x01u
#define ICS_ACT_WRITE		0x02u	/* writes values, settings or names */
#define ICS_ACT_PROGRAM		0x04u	/* program/logic download, upload or delete */
#define ICS_ACT_FIRMWARE	0x08u	/* firmware update */
#define ICS_ACT_STOPSTART	0x10u	/* run, stop, restart, reset */
#define ICS_ACT_CONTROL		0x20u	/* commands an output (operate, select/execute) */

struct ics_msg {
	uint8_t proto;		/* enum ics_proto */
	uint8_t kind;		/* enum ics_kind */
	uint16_t function;	/* the protocol's own code: see the dissector's file */
	uint8_t actions;	/* ICS_ACT_* */
	bool exception;		/* an exception, error or negative response */
	uint8_t sender_role;	/* enum ics_role */
	uint8_t receiver_role;	/* enum ics_role (NONE for multicast) */
	/* Request/response pairing: Modbus transaction id, DNP3 application
	 * sequence, S7 PDU reference, BACnet invoke id, OPC UA request id, ... */
	bool has_transaction;
	uint32_t transaction;
	/* Modbus unit id, DNP3 destination address, IEC 104 common address. */
	bool has_unit;
	uint32_t unit;
	/* The protocol's own counters, for loss measurement; meanings:
	 *   DNP3        seq[0] transport sequence (6 bits), seq[1] application (4 bits)
	 *   IEC 104     seq[0] N(S), seq[1] N(R) (I format; S format: nseq 2 with
	 *               seq[0] 0, unused; U format: nseq 0)
	 *   GOOSE       seq[0] stNum, seq[1] sqNum
	 *   CIP I/O     seq[0] CPF sequenced address item sequence, seq[1] CIP sequence count
	 *   PROFINET RT seq[0] cycle counter */
	uint8_t nseq;		/* how many of seq[] are set, from the first */
	uint32_t seq[2];
};

/* Facts about devices. */
enum ics_field {
	ICS_F_VENDOR,		/* vendor name as the device says it */
	ICS_F_VENDOR_ID,	/* numeric vendor id (CIP, BACnet, PROFINET) */
	ICS_F_PRODUCT,		/* product name */
	ICS_F_PRODUCT_CODE,	/* product code (Modbus ProductCode, CIP product code) */
	ICS_F_MODEL,		/* model or order number (S7 MLFB, BACnet model-name) */
	ICS_F_FIRMWARE,		/* firmware or revision */
	ICS_F_SERIAL,		/* serial number */
	ICS_F_DEVICE_TYPE,	/* CIP device type, PROFINET device id, ... */
	ICS_F_NAME,		/* host, station, system or object name */
	ICS_F_DEVICE_ID,	/* BACnet device instance, DNP3 address, IEC 104 common address */
	ICS_F_PORT,		/* LLDP/CDP port id: the switch port a device hangs on */
	ICS_F_SYSDESCR,		/* LLDP/CDP/SNMP system description */
	ICS_F_VENDOR_CLASS,	/* DHCP option 60 */
	ICS_F_ENDPOINT,		/* OPC UA endpoint URL */
	ICS_F_SECURITY,		/* OPC UA security policy and mode */
	ICS_F_ADDRESS,		/* no value: mac and ip belong to one device (ARP, DHCP, LLDP) */
	ICS_F_COUNT
};

/* Whose fact it is. */
enum ics_subject {
	ICS_SUBJECT_SENDER,	/* the packet's source (MAC and IP) */
	ICS_SUBJECT_RECEIVER,	/* the packet's destination */
	ICS_SUBJECT_GIVEN,	/* the mac and/or ip in the identity itself */
};

struct ics_ident {
	uint8_t proto;		/* enum ics_proto */
	uint8_t field;		/* enum ics_field */
	uint8_t subject;	/* enum ics_subject */
	bool has_mac;		/* ICS_SUBJECT_GIVEN */
	uint8_t mac[6];
	uint8_t ip_version;	/* ICS_SUBJECT_GIVEN: 4, 6, or 0 for none */
	uint8_t ip[16];
	const uint8_t *value;	/* borrowed: valid during the call only */
	uint32_t len;
};

/* Where a dissector reports; both callbacks are optional. */
struct ics_sink {
	void (*message)(void *ctx, const struct ics_msg *m);
	void (*identity)(void *ctx, const struct ics_ident *id);
	void *ctx;
};

/* What a dissector is given besides the bytes. */
struct ics_ctx {
	const struct tp_packet *pkt;
	/* 1: sent to the server (the well-known port's side, or the flow's
	 * responder); 0: sent to the client; -1: unknown (decide from content). */
	int to_server;
	const struct ics_sink *sink;
};

/* Where a dissector is looked for. */
#define ICS_MAX_PORTS 4

struct ics_dissector {
	const char *name;		/* "modbus" */
	uint8_t proto;			/* main enum ics_proto */
	uint16_t tcp_ports[ICS_MAX_PORTS];	/* well-known ports; 0 ends the list */
	uint16_t udp_ports[ICS_MAX_PORTS];
	uint16_t ethertype;		/* 0: none */
	uint32_t snap_oui;		/* LLC SNAP OUI and protocol id (CDP: */
	uint16_t snap_pid;		/* 0x00000c, 0x2000); both 0: none */
	/* Conservative content test for TCP/UDP payloads on other ports (the
	 * first payload of a flow); NULL when the protocol is found by port or
	 * EtherType only. */
	bool (*detect)(const uint8_t *p, uint32_t len, bool tcp);
	/* Dissects c (the application bytes) and returns how many bytes of
	 * whole PDUs it consumed: less than c.left only when TCP bytes end in
	 * the first part of a PDU that the next segment continues (the caller
	 * keeps the rest and calls again with more).  Bytes that cannot be the
	 * protocol's are consumed (returned) so they are not kept. */
	uint32_t (*dissect)(const struct ics_ctx *x, struct tp_cursor c);
	/* "read_holding_registers" for a message's function, or NULL. */
	const char *(*function_name)(uint8_t proto, uint16_t function);
};

/* The table, in ics.c. */
extern const struct ics_dissector *const ics_dissectors[];
extern const size_t ics_ndissectors;

/*
 * The dissector for pkt by its ports (destination first), EtherType or SNAP
 * protocol, then (payload_first) by content; NULL when none.  *to_server is
 * set as struct ics_ctx says (-1 unless a single well-known port decides).
 */
const struct ics_dissector *ics_by_port(const struct tp_packet *pkt, int *to_server);
const struct ics_dissector *ics_by_content(const struct tp_packet *pkt);

/* The application bytes ics dissectors read: the transport payload, or for
 * a frame without IP the bytes after its EtherType (or SNAP header). */
struct tp_cursor ics_payload(const struct tp_packet *pkt);

/* Names for reports. */
const char *ics_proto_name(enum ics_proto p);		/* "modbus", "cip-io", ... */
const char *ics_kind_name(enum ics_kind k);		/* "request", ... */
const char *ics_role_name(enum ics_role r);		/* "client", "outstation", ... */
const char *ics_field_name(enum ics_field f);		/* "vendor", "port", ... */
/* The function's name from its dissector, or NULL. */
const char *ics_function_name(enum ics_proto p, uint16_t function);

/* For dissectors: report a message (proto and roles as given). */
void ics_emit(const struct ics_ctx *x, const struct ics_msg *m);
/* ... an identity of the sender, as bytes or as a decimal number. */
void ics_ident_bytes(const struct ics_ctx *x, uint8_t proto, enum ics_field f, const void *value,
		     size_t len);
void ics_ident_number(const struct ics_ctx *x, uint8_t proto, enum ics_field f, uint64_t v);
/* ... that mac and ip belong to one device (ICS_F_ADDRESS); nothing when
 * mac is NULL, zero or a group address, or ip is unspecified or the IPv4
 * broadcast address. */
void ics_ident_binding(const struct ics_ctx *x, uint8_t proto, const uint8_t *mac, uint8_t ip_version,
		       const uint8_t *ip);
/* ... any identity (subject and addresses filled in by the caller). */
void ics_ident(const struct ics_ctx *x, const struct ics_ident *id);

#endif
