/*
 * sim.h - the plant simulator's model: the wire truth (frames), devices on
 * switch ports, packet builders and the outputs.
 *
 * Layout of samples/:
 *   sim.h            this model (frames, devices, builders, outputs)
 *   main.c           command line
 *   plant.c          devices, switch ports and the timeline of the scenario
 *   wire.c           the wire truth: frames in time order, switch forwarding, FCS
 *   net.c            Ethernet / IPv4 / UDP / TCP framing with checksums
 *   build_<proto>.c  one application-layer builder per ICS protocol
 *   it/build_<p>.c   the IT protocols (ARP, DHCP, DNS, NTP, LLDP)
 *   pcapng_write.c   our own little-endian pcapng writer
 *   mirror_tap.c     the aggregating TAP view (a mirror renders the wire truth)
 *   truth.c          ground-truth CSV files
 *
 * The simulator shares no code with the analyser (formats/, analyzer/): the
 * samples are an independent truth.  Everything is deterministic from the
 * seed: own PRNG, fixed epoch, no clock, no rand().
 */
#ifndef TP_SIM_H
#define TP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Start of the simulated day: 2024-05-14T06:00:00Z, in seconds since 1970. */
#define SIM_EPOCH_S 1715666400ull
#define SIM_NS_PER_MS 1000000ull
#define SIM_NS_PER_S 1000000000ull

/* IEEE 802.3 clause 3.2.8: 1518 bytes with FCS (we use no jumbo frames). */
#define SIM_MAX_FRAME 1518
#define SIM_MIN_FRAME 64	/* with FCS; shorter is a runt (802.3 4.2.4.2.2) */
#define SIM_MAX_PORTS 24	/* switch ports 1..24 */
#define SIM_MAX_DEVICES 32
#define SIM_MAX_FRAMES 2000000	/* ceiling of the wire list */
/* Ceiling of a view's list of records: a mirror of three ports copies a
 * frame three times at most (in on one, flooded out of the two others). */
#define SIM_MAX_COPIES (3 * SIM_MAX_FRAMES)

/* ---- PRNG: splitmix64 (Steele, Lea, Flood 2014), deterministic per seed. */
struct sim_rng {
	uint64_t state;
};

static inline uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0); the modulo bias is irrelevant for jitter. */
static inline uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	return n ? sim_rng_next(r) % n : 0;
}

/* ---- Byte builder: a bounded buffer; overflow is sticky and a bug. */
struct sim_buf {
	uint8_t b[SIM_MAX_FRAME];
	size_t len;
	bool overflow;
};

void buf_u8(struct sim_buf *p, unsigned v);
void buf_be16(struct sim_buf *p, unsigned v);
void buf_be24(struct sim_buf *p, uint32_t v);
void buf_be32(struct sim_buf *p, uint32_t v);
void buf_le16(struct sim_buf *p, unsigned v);
void buf_le32(struct sim_buf *p, uint32_t v);
void buf_bytes(struct sim_buf *p, const void *v, size_t n);
void buf_zeros(struct sim_buf *p, size_t n);
void buf_str(struct sim_buf *p, const char *s);	/* without the NUL */
/* Writes a big-endian 16-bit value at an earlier offset (length patching). */
void buf_put_be16_at(struct sim_buf *p, size_t at, unsigned v);

/* ---- Frames: the wire truth. */
enum sim_damage {
	SIM_DAMAGE_NONE = 0,
	SIM_DAMAGE_BAD_FCS,	/* bits flipped on the wire: FCS does not match */
	SIM_DAMAGE_RUNT,	/* collision fragment: < 64 bytes, bad FCS */
};

struct sim_frame {
	uint64_t ts_ns;		/* since 1970, first bit on the wire */
	uint64_t seq;		/* creation order: ties in time stay stable */
	uint32_t out_ports;	/* bit n = leaves on switch port n; 0 = dropped */
	uint16_t len;		/* bytes including the 4-byte FCS */
	uint8_t in_port;	/* switch port it entered on */
	uint8_t damage;		/* enum sim_damage */
	const char *proto;	/* static name: "modbus", "goose", ... */
	uint8_t *bytes;		/* owned: len bytes, FCS last (little-endian) */
};

/* The list of every frame on the plant's wires; sorted once complete. */
struct sim_wire {
	struct sim_frame *frames;
	size_t n, cap;
	uint64_t next_seq;
	bool full;		/* SIM_MAX_FRAMES reached: frames were refused */
};

/* Ethernet FCS (802.3 3.2.9): CRC-32 of the frame, sent least significant
 * byte first; zlib's crc32 is that CRC. */
uint32_t wire_fcs(const uint8_t *b, size_t n);
void wire_sort(struct sim_wire *w);
void wire_free(struct sim_wire *w);

/* ---- Devices and the plant. */
struct sim_device {
	const char *name;
	const char *vendor;
	const char *model;
	const char *role;	/* e.g. "PLC" */
	const char *protocols;	/* e.g. "modbus/tcp server" */
	uint8_t mac[6];
	uint8_t ip[4];
	uint8_t port;		/* switch port */
	bool rogue;
	uint64_t link_up_ns;	/* offset from the start; 0 = from the start */
	uint16_t ip_id;		/* next IPv4 identification */
	uint8_t ttl;
};

/* The knobs of the command line; sim_params_default() gives the plant the
 * samples were made with (same bytes as before the knobs existed). */
struct sim_params {
	uint64_t span_rate_bps;		/* SPAN and RSPAN mirror port capacity */
	uint32_t tunnel_loss_ppm;	/* ERSPAN packets lost between switch and collector */
	uint64_t poll_ns;		/* Modbus/TCP polling period of the HMI */
	uint32_t vswitch_drops;		/* frames the vSwitch sensor VM's capture loses */
	bool no_copies;			/* --no-copies: no per-record truth (truth-copies.csv) */
};

void sim_params_default(struct sim_params *p);

struct sim_plant {
	struct sim_params par;
	struct sim_device dev[SIM_MAX_DEVICES];
	size_t ndev;
	struct sim_wire wire;
	struct sim_rng rng;
	uint64_t start_ns;	/* SIM_EPOCH_S in ns */
	uint64_t duration_ns;
};

/* Emits one frame into the wire truth: pads to 60 bytes, appends the FCS,
 * forwards like a learning switch that knows every device (unicast to its
 * port, broadcast/multicast flooded to the ports up at that time, 802.1D
 * link-local 01:80:C2:00:00:0x and damaged frames not forwarded).  t is
 * the offset from the start; frames at or after the end are dropped. */
void wire_emit(struct sim_plant *pl, uint64_t t, const struct sim_device *src,
	       const struct sim_buf *eth, const char *proto, enum sim_damage damage);

/* ---- Network framing (net.c). */
extern const uint8_t net_broadcast[6];

/* Ethernet II header into p. */
void net_eth(struct sim_buf *p, const uint8_t dst[6], const uint8_t src[6], unsigned type);
/* The Internet checksum (RFC 1071) of n bytes, complemented: the value of
 * an IPv4 header checksum field. */
unsigned net_checksum(const uint8_t *b, size_t n);
/* Layer-2 frame with the given payload. */
void net_l2(struct sim_plant *pl, uint64_t t, const struct sim_device *src, const uint8_t dst[6],
	    unsigned type, const struct sim_buf *payload, const char *proto);
/* UDP/IPv4 datagram between devices; dst NULL means broadcast (dst_ip used). */
void net_udp(struct sim_plant *pl, uint64_t t, struct sim_device *src, const struct sim_device *dst,
	     const uint8_t src_ip[4], const uint8_t dst_ip[4], unsigned sport, unsigned dport,
	     const struct sim_buf *payload, const char *proto);

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

/* One TCP connection; side 0 is the client, side 1 the server. */
struct sim_tcp {
	struct sim_device *dev[2];
	uint16_t port[2];
	uint32_t seq[2];	/* next sequence number each side sends */
	const char *proto;	/* name of the payload's protocol */
};

void tcp_open(struct sim_plant *pl, struct sim_tcp *c, struct sim_device *client, struct sim_device *server,
	      unsigned cport, unsigned sport, const char *proto);
/* Three-way handshake from t; returns the time after it. */
uint64_t tcp_handshake(struct sim_plant *pl, struct sim_tcp *c, uint64_t t);
/* Sends payload (may be NULL) from side with flags (ACK added once the
 * handshake is done); advances that side's sequence number. */
void tcp_send(struct sim_plant *pl, struct sim_tcp *c, int side, uint64_t t, unsigned flags,
	      const struct sim_buf *payload, const char *proto);
/* A bare segment with explicit numbers (port scans, resets). */
void tcp_segment(struct sim_plant *pl, uint64_t t, struct sim_device *src, const struct sim_device *dst,
		 unsigned sport, unsigned dport, uint32_t seq, uint32_t ack, unsigned flags,
		 const struct sim_buf *payload, const char *proto);

/* ---- Scenario pieces (one per protocol file); each writes its frames. */
void arp_exchange(struct sim_plant *pl, uint64_t t, struct sim_device *from, const struct sim_device *to);
void arp_gratuitous(struct sim_plant *pl, uint64_t t, struct sim_device *dev);
void modbus_scenario(struct sim_plant *pl, struct sim_device *hmi, struct sim_device *plc,
		     unsigned cport, uint64_t t0);
void goose_scenario(struct sim_plant *pl, struct sim_device *ied, uint64_t t0);
void dnp3_scenario(struct sim_plant *pl, struct sim_device *master, struct sim_device *outstation,
		   unsigned cport, uint64_t t0);
void iec104_scenario(struct sim_plant *pl, struct sim_device *master, struct sim_device *rtu,
		     unsigned cport, uint64_t t0);
void lldp_scenario(struct sim_plant *pl, struct sim_device *dev, uint64_t t0);
void ntp_scenario(struct sim_plant *pl, struct sim_device *client, struct sim_device *server,
		  uint64_t t0, uint64_t every_ns);
void dns_query(struct sim_plant *pl, uint64_t t, struct sim_device *client, struct sim_device *server,
	       const char *name, const uint8_t answer[4]);
/* Full DORA exchange for a client that has no address yet; returns the
 * time after the ACK. */
uint64_t dhcp_dora(struct sim_plant *pl, uint64_t t, struct sim_device *client, struct sim_device *server);

/* protocols */
/* S7comm on ISO-on-TCP 102; order is the PLC's order number (MLFB) that
 * its SZL 0x0011 answer reports. */
void s7comm_scenario(struct sim_plant *pl, struct sim_device *ews, struct sim_device *plc,
		     const char *order, unsigned cport, uint64_t t0);
/* EtherNet/IP: ListIdentity, session, ForwardOpen, class 1 I/O on UDP 2222. */
void enip_scenario(struct sim_plant *pl, struct sim_device *scanner, struct sim_device *adapter,
		   unsigned cport, uint64_t t0);
/* BACnet/IP: Who-Is, I-Am of device instance, ReadProperty of its names. */
void bacnet_scenario(struct sim_plant *pl, struct sim_device *bms, struct sim_device *ctl, uint32_t instance,
		     uint64_t t0);
/* OPC UA binary on TCP 4840: HEL/ACK, OPN (policy None), then a Read of
 * one tag every second. */
void opcua_scenario(struct sim_plant *pl, struct sim_device *client, struct sim_device *server,
		    unsigned cport, uint64_t t0);

/* ---- Plant (plant.c). */
int plant_build(struct sim_plant *pl, const struct sim_params *par, uint64_t seed, uint64_t duration_s);
void plant_free(struct sim_plant *pl);
const struct sim_device *plant_device_by_mac(const struct sim_plant *pl, const uint8_t mac[6]);

/* ---- Outputs. */
struct pcapng_writer {
	FILE *f;
	bool failed;
	uint64_t records;		/* EPBs written, for the ISB */
	uint64_t first_ns, last_ns;	/* earliest and latest EPB stamp */
};

int pcapng_open(struct pcapng_writer *w, const char *path, const char *if_name, const char *if_descr);
/* flags: pcapng epb_flags word (direction, FCS length, link errors). */
void pcapng_write_epb(struct pcapng_writer *w, uint64_t ts_ns, const uint8_t *b, uint32_t caplen,
		      uint32_t origlen, uint32_t flags);
/* The closing Interface Statistics Block (4.6) with the counts the sensor
 * itself knows: isb_ifrecv = EPBs written + ifdrop, isb_ifdrop = frames its
 * capture lost (never the mirror's losses upstream, which it cannot see).
 * start/end are the sensor's clock at capture start and stop. */
void pcapng_write_isb(struct pcapng_writer *w, uint64_t start_ns, uint64_t end_ns, uint64_t ifdrop);
int pcapng_close(struct pcapng_writer *w);

/* One record a view wrote: which wire frame, stamped when (as written). */
struct sim_copy {
	uint64_t ts_ns;
	uint32_t frame;		/* index into the wire list */
};

/* Counts a view reports against the wire truth (truth-views.csv). */
struct sim_view_truth {
	const char *name;
	const char *file;
	const char *method;
	uint64_t wire_frames;	/* frames on the wire this view should carry */
	uint64_t written;
	uint64_t dropped, duplicated, damaged_passed, damaged_dropped, reordered;
	int64_t offset_ns;
	double drift_ppm;
	uint64_t delay_ns, jitter_ns;	/* fixed path delay and its jitter bound */
	uint64_t tunnel_frames, tunnel_lost;	/* ERSPAN: packets sent, lost in transit */
	uint64_t sensor_dropped;	/* lost by the sensor's own capture (its ISB ifdrop) */
	/* Per device (index into the plant's devices): the undamaged frames it
	 * sent that this view's files hold (every copy), and when the first of
	 * them was stamped (the view's clock). */
	uint64_t sent_by[SIM_MAX_DEVICES];
	uint64_t first_sent_ns[SIM_MAX_DEVICES];
	/* Every record in the order written (truth-copies.csv); owned, freed by
	 * truth_view_free().  copies_failed: out of memory or past
	 * SIM_MAX_COPIES, so the list is incomplete and is not written. */
	struct sim_copy *copies;
	size_t ncopies, copies_cap;
	bool copies_failed;
};

int mirror_tap(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt);

/* mirrors */
/* pcapng epb_flags (draft-ietf-opsawg-pcapng 4.3.1): bits 0-1 direction,
 * bits 5-8 FCS length, then link-layer errors: bit 24 CRC error, bit 26
 * packet too short (bit 31 would be a symbol error, bit 29 an SFD error). */
#define MIRROR_EPB_INBOUND 0x1u
#define MIRROR_EPB_OUTBOUND 0x2u
#define MIRROR_EPB_FCSLEN(n) ((uint32_t)(n) << 5)
#define MIRROR_EPB_TOO_SHORT (1u << 26)
#define MIRROR_EPB_CRC_ERROR (1u << 24)

/* One copy a switch mirror makes of a wire frame (mirror_span.c). */
struct mirror_copy {
	uint64_t t_ns;		/* true time: arrival at the mirror queue, then departure */
	uint32_t frame;		/* index into the wire list */
	uint32_t order;		/* rank of arrival at the queue */
};

/* A switch mirror session: which ports, and the mirror port's queue. */
struct span_cfg {
	uint32_t rx_ports, tx_ports;	/* bit n = port n mirrored in that direction */
	uint64_t rate_bps;		/* mirror port (or tunnel) rate */
	uint32_t buffer_bytes;		/* its queue */
	uint32_t extra_bytes;		/* what the mirror adds per copy (tag, tunnel) */
	uint64_t hop_ns, hop_jitter_ns;	/* path after the queue: delay + uniform jitter */
	uint32_t reorder_ppm;		/* chance of swapping a copy with the next one */
	uint64_t seed;
};

/* Runs a session over the wire truth: fills *out (owned, free()) with the
 * copies that reach the sensor, in the order it receives them, with true
 * departure times, and counts drops/duplicates/damage into *vt. */
int span_run(const struct sim_plant *pl, const struct span_cfg *c, struct mirror_copy **out, size_t *nout,
	     struct sim_view_truth *vt);
/* The sensor's clock: offset plus drift (parts per billion) since the start. */
uint64_t mirror_clock(const struct sim_plant *pl, uint64_t t_ns, int64_t offset_ns, int64_t drift_ppb);
/* The closing ISB of a view, its window on the sensor's clock: the whole
 * run, start to end.  ifdrop: frames the sensor's own capture lost. */
void mirror_isb(struct pcapng_writer *w, const struct sim_plant *pl, int64_t offset_ns, int64_t drift_ppb,
		uint64_t ifdrop);
/* Records received after one the mirror had queued later. */
uint64_t mirror_count_reordered(const struct mirror_copy *c, size_t n);
int mirror_path(char *out, size_t n, const char *dir, const char *name);

int mirror_tap2(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt);
int mirror_span(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt);
int mirror_span_rx(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt);
int mirror_rspan(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt);
int mirror_erspan(const struct sim_plant *pl, const char *dir, struct sim_view_truth vt[2]);
int mirror_vswitch(const struct sim_plant *pl, const char *dir, struct sim_view_truth *vt);
/* A burst of bulk UDP from the HMI to a PLC (build_bulk.c), appended to a
 * finished wire list which it sorts again: it overloads the SPAN port. */
void bulk_burst(struct sim_plant *pl);
/* end mirrors */

int truth_write_frames(const struct sim_plant *pl, const char *dir);
int truth_write_assets(const struct sim_plant *pl, const char *dir);
int truth_write_inventory(const struct sim_plant *pl, const char *dir);
int truth_write_views(const struct sim_view_truth *v, size_t n, const char *dir);
int truth_write_visibility(const struct sim_plant *pl, const struct sim_view_truth *v, size_t n,
			   const char *dir);
int truth_write_copies(const struct sim_view_truth *v, size_t n, const char *dir);
/* A mirror wrote wire frame f (in pl's wire list), stamped ts_ns: records
 * it and counts it for its sender. */
void truth_view_saw(struct sim_view_truth *vt, const struct sim_plant *pl, const struct sim_frame *f,
		    uint64_t ts_ns);
void truth_view_free(struct sim_view_truth *vt);

#endif
