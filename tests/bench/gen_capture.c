/*
 * gen_capture.c - deterministic synthetic capture for benchmarks and demos.
 *
 * Writes a classic pcap (little-endian, LINKTYPE_ETHERNET, snaplen 65535,
 * microsecond or, with --nanosecond, nanosecond timestamps) that looks like a
 * small plant network seen from a mirror port on the core switch:
 *
 *   OT zone 10.10/16  12 PLCs, 4 HMIs: Modbus/TCP polling (tcp/502), PLC web
 *                     pages from stacks with MSS 536 (tcp/80), syslog to the
 *                     IT log server (udp/514), ARP
 *   IT zone 10.20/16  16 workstations; web, file, DNS and log servers: HTTP
 *                     (tcp/80, tcp/8080), DNS (udp/53), ARP
 *   outside           8 hosts on the documentation prefixes: TLS (tcp/443)
 *
 * Every frame is valid Ethernet/IPv4/TCP or UDP (or ARP), with correct IPv4,
 * TCP and UDP checksums (RFC 791, 793, 768).  TCP flows open with a
 * handshake, keep sequence and acknowledgement numbers consistent, are acked
 * every second segment and close with FINs; Modbus, DNS, HTTP and syslog
 * payloads parse.  Payloads mix token text (compresses like HTML and logs)
 * with pseudo-random bytes (TLS records, binary downloads), so gzip -6 sees
 * about 2.5x and zstd -3 about 2.6x, not the 100x of zero-filled synthetic
 * captures.  By count about
 * half the frames are 60-100 bytes, a quarter 400-600 and a quarter 1514
 * (an IMIX-like mix); --stats prints what was written.
 *
 * Churn mode (--flows N) writes instead N short flows among 65536 clients
 * and 352 servers, each a distinct 5-tuple, a bounded number open at once:
 * the load for flow tables (see "churn mode" below).
 *
 * Determinism: everything comes from one splitmix64 stream seeded by --seed,
 * and the stop conditions only cut that stream, so with the same seed a
 * smaller --bytes or --packets gives a byte-exact prefix of a larger run,
 * and --nanosecond gives the same packets with finer timestamps.  In churn
 * mode the same options give the same bytes too.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PCAP_HDR_LEN	24u
#define REC_HDR_LEN	16u
#define ETH_HDR_LEN	14u
#define IP_HDR_LEN	20u
#define TCP_HDR_LEN	20u
#define UDP_HDR_LEN	8u
#define ARP_LEN		28u
#define ETH_MIN_FRAME	60u	/* without the FCS, as capture NICs hand it over */
#define MAX_FRAME	1600u	/* largest frame we build is 1514 */
#define MSS_ETH		1460u	/* 1500 MTU - IPv4 - TCP */
#define MSS_SMALL	536u	/* RFC 879 default, kept by small embedded stacks */
#define OUT_BUF_SIZE	(4u << 20)
#define START_SEC	1709532000u	/* 2024-03-04 06:00:00 UTC */

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u

#define IPPROTO_TCP_ 6u
#define IPPROTO_UDP_ 17u

/* ---- pseudo-random numbers ------------------------------------------- */

/* splitmix64: one 64-bit word of state, fast, good enough for traffic. */
struct rng {
	uint64_t state;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift; the bias is below 2^-32 * n. */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

/* Uniform in [lo, hi], both included. */
static uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* ---- byte writers ---------------------------------------------------- */

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * RFC 1071 Internet checksum.  Native 32-bit words are summed into a 64-bit
 * accumulator and folded; by the byte-order independence of the one's
 * complement sum (RFC 1071 section 2(B)) the folded value, stored back in
 * native order, is the right checksum on any host, so no swapping is needed.
 * Every call but the last must cover an even number of bytes.
 */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	uint32_t w;
	uint16_t h;

	for (; n >= 4; p += 4, n -= 4) {
		memcpy(&w, p, 4);
		sum += w;
	}
	if (n >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint8_t last[2] = { p[0], 0 };

		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

/* Folds and complements; the result goes into the packet with memcpy. */
static uint16_t csum_finish(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ---- text payloads --------------------------------------------------- */

/*
 * Token text: words of HTML, plant jargon and numbers drawn with a skewed
 * (roughly Zipf) distribution, so deflate finds short matches and a skewed
 * alphabet - about what logs and web pages give - but no long repeats.
 * TOKEN_NUMBER stands for a run of random digits.
 */
#define TOKEN_NUMBER 3u
static const char *const tokens[] = {
	"</td><td class=\"value\">", " ", "<tr><td class=\"tag\">", "#",
	"</td></tr>\n", "the ", "value ", "status ", "</td><td>", "\n",
	"OK ", "pump ", "valve ", "level ", "alarm ", "and ",
	"<div class=\"row\">", "</div>\n", "pressure ", "temperature ",
	"flow ", "setpoint ", ": ", ", ", "running ", "stopped ", "tank ",
	"line ", "station ", "motor ", "speed ", " bar", " degC", " kPa",
	" rpm", " m3/h", "high ", "low ", "reset ", "mode ", "auto ",
	"manual ", "of ", "to ", "for ", "in ", "is ", "with ", "at ",
	"from ", "<span class=\"state\">", "</span>", "<a href=\"/plant/",
	".html\">", "</a>", "<li>", "</li>\n", "error ", "warning ",
	"operator ", "batch ", "report ", "average ", "total ", "shift ",
	"login ", "user ", "; ", ".", "  ", "=", "interlock ", "feeder ",
	"boiler ", "chlorine ", "dosing ", "<table class=\"grid\">",
	"</table>\n", "acknowledged ", "communication ", "timeout ",
};
#define N_TOKENS (sizeof tokens / sizeof tokens[0])

struct token {
	char s[32];	/* padded so short copies can move 32 bytes at once */
	uint8_t len;
};

static struct token token_slot[N_TOKENS];
static uint8_t token_pick[256];	/* one random byte -> token index */

static void tokens_init(void)
{
	for (size_t i = 0; i < N_TOKENS; i++) {
		size_t n = strlen(tokens[i]);

		memset(token_slot[i].s, ' ', sizeof token_slot[i].s);
		memcpy(token_slot[i].s, tokens[i], n);
		token_slot[i].len = (uint8_t)n;
	}
	/* Index ~ N * (i/256)^2: early tokens get many slots, late ones few. */
	for (unsigned i = 0; i < 256; i++)
		token_pick[i] = (uint8_t)((size_t)i * i * N_TOKENS / (256u * 256u));
}

/* Bytes of each payload type generated, for --stats. */
static uint64_t text_bytes, random_bytes;

/* Writes exactly n bytes of token text. */
static void fill_text(struct rng *r, uint8_t *dst, size_t n)
{
	size_t i = 0;

	text_bytes += n;

	while (i < n) {
		uint64_t bits = rng_next(r);

		for (int k = 0; k < 8 && i < n; k++, bits >>= 8) {
			unsigned t = token_pick[bits & 0xff];

			if (t == TOKEN_NUMBER) {
				uint32_t v = (uint32_t)(rng_next(r) >> 40);
				uint8_t digits[10];
				size_t nd = 0;

				do {
					digits[nd++] = (uint8_t)('0' + v % 10);
					v /= 10;
				} while (v && nd < 5);
				while (nd && i < n)
					dst[i++] = digits[--nd];
				if (i < n)
					dst[i++] = ' ';
			} else if (n - i >= sizeof token_slot[t].s) {
				memcpy(dst + i, token_slot[t].s, sizeof token_slot[t].s);
				i += token_slot[t].len;
			} else {
				size_t m = token_slot[t].len;

				if (m > n - i)
					m = n - i;
				memcpy(dst + i, token_slot[t].s, m);
				i += m;
			}
		}
	}
}

/* Writes exactly n pseudo-random bytes (ciphertext, compressed files). */
static void fill_random(struct rng *r, uint8_t *dst, size_t n)
{
	random_bytes += n;
	for (; n >= 8; dst += 8, n -= 8) {
		uint64_t v = rng_next(r);

		memcpy(dst, &v, 8);
	}
	if (n) {
		uint64_t v = rng_next(r);

		memcpy(dst, &v, n);
	}
}

/* ---- the network ----------------------------------------------------- */

enum zone { ZONE_OT, ZONE_IT, ZONE_OUT, ZONE_COUNT };

struct host {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t ttl;		/* as seen at the mirror port */
	uint8_t zone;
	uint16_t ip_id;		/* next IPv4 identification */
	uint16_t next_port;	/* churn mode: next ephemeral port it uses */
	uint16_t port_uses;	/* churn mode: client ports used so far */
	char name[16];
};

/* Host plan: fixed, so tests and demos can name addresses. */
#define N_PLC		12u
#define N_HMI		4u
#define N_WS		16u
#define N_EXT		8u
#define HOST_PLC	0u
#define HOST_HMI	(HOST_PLC + N_PLC)
#define HOST_WS		(HOST_HMI + N_HMI)
#define HOST_WEB	(HOST_WS + N_WS)
#define HOST_FILE	(HOST_WEB + 1)
#define HOST_DNS	(HOST_FILE + 1)
#define HOST_LOG	(HOST_DNS + 1)
#define HOST_EXT	(HOST_LOG + 1)
#define HOST_GW_OT	(HOST_EXT + N_EXT)
#define HOST_GW_IT	(HOST_GW_OT + 1)
#define N_HOSTS		(HOST_GW_IT + 1)

static const uint32_t ext_ips[N_EXT] = {
	0xcb00710a, 0xcb007119, 0xcb00714d,	/* 203.0.113.10 .25 .77 */
	0xc6336405, 0xc6336450, 0xc63364c8,	/* 198.51.100.5 .80 .200 */
	0xc000020f, 0xc0000263,			/* 192.0.2.15 .99 */
};

enum kind { K_MODBUS, K_PLCWEB, K_HTTP, K_TLS, K_DNS, K_SYSLOG, K_ARP, K_COUNT };

/* slots: flows of the kind alive at once; weight: per mille of packets. */
struct kind_desc {
	const char *name;
	unsigned slots;
	unsigned weight;
};

static const struct kind_desc kinds[K_COUNT] = {
	[K_MODBUS] = { "modbus", N_HMI * N_PLC, 250 },
	[K_PLCWEB] = { "plc-web", 8, 280 },
	[K_HTTP] = { "http", 16, 300 },
	[K_TLS] = { "tls", 24, 50 },
	[K_DNS] = { "dns", 16, 60 },
	[K_SYSLOG] = { "syslog", N_PLC, 50 },
	[K_ARP] = { "arp", 1, 10 },
};

enum state {
	ST_SYN, ST_SYNACK, ST_HSACK, ST_REQ, ST_RESP, ST_ACK,
	ST_FIN_C, ST_FIN_S, ST_LAST_ACK,
	ST_DONE,	/* churn mode: the flow has sent its last packet */
};

enum body { BODY_TEXT, BODY_RANDOM };

struct modbus_poll {
	uint8_t fc;
	uint16_t addr, qty;
};

/* One conversation; side 0 is the client, side 1 the server. */
struct flow {
	uint8_t kind, state, proto, body;
	uint32_t host[2];	/* indices into gen.hosts */
	uint16_t port[2];
	uint16_t mss;		/* segment size the server sends */
	uint32_t seq[2];	/* next sequence number each side sends */
	uint32_t rounds;	/* request/response rounds left */
	uint32_t resp_len, resp_off, unacked;
	/* Modbus/TCP: the request being answered and the polling plan */
	uint16_t txn, addr, qty, value;
	uint8_t unit, fc, poll_next;
	struct modbus_poll poll[3];
	/* HTTP: response header, sent first */
	uint16_t hdr_len;
	char hdr[176];
	/* DNS */
	uint16_t dns_id;
	uint8_t name_i;
	/* churn mode: response size cap (0: the kind's usual) and path RTT */
	uint16_t seg_cap;
	uint32_t rtt_us;
};

#define N_FLOWS 125u

struct out {
	int fd;
	uint8_t *buf;
	size_t len;
	uint64_t total;
};

struct gen {
	struct rng rng;
	struct host *hosts;	/* N_HOSTS, then the churn mode's hosts */
	uint32_t n_hosts;
	struct flow flows[N_FLOWS];
	struct churn *churn;	/* NULL but in churn mode */
	unsigned kind_first[K_COUNT];
	uint16_t kind_cum[K_COUNT];	/* cumulative weights */
	uint8_t gw_mac[ZONE_COUNT][6];
	uint64_t now_ns;
	/* statistics for --stats */
	uint64_t packets, frame_bytes, opened[K_COUNT];
	uint64_t size_class[3];
};

static void host_set(struct gen *g, uint32_t i, uint32_t ip, unsigned zone,
		     unsigned ttl, const char *name)
{
	struct host *h = &g->hosts[i];

	assert(i < g->n_hosts);
	h->ip = ip;
	h->zone = (uint8_t)zone;
	h->ttl = (uint8_t)ttl;
	h->ip_id = (uint16_t)rng_next(&g->rng);
	/* 02: locally administered; then zone and the host number, whose
	 * bits above 16 (churn mode's clients) go into the third byte. */
	h->mac[0] = 0x02;
	h->mac[1] = 0x54;
	h->mac[2] = (uint8_t)(0x53 + (i >> 16));
	h->mac[3] = (uint8_t)zone;
	h->mac[4] = (uint8_t)(i >> 8);
	h->mac[5] = (uint8_t)i;
	snprintf(h->name, sizeof h->name, "%s", name);
}

static void hosts_init(struct gen *g)
{
	char name[16];

	for (unsigned i = 0; i < N_PLC; i++) {
		snprintf(name, sizeof name, "plc-%02u", i + 1);
		host_set(g, HOST_PLC + i, 0x0a0a010bu + i, ZONE_OT, 64, name);
	}
	for (unsigned i = 0; i < N_HMI; i++) {
		snprintf(name, sizeof name, "hmi-%02u", i + 1);
		host_set(g, HOST_HMI + i, 0x0a0a0215u + i, ZONE_OT, 128, name);
	}
	for (unsigned i = 0; i < N_WS; i++) {
		snprintf(name, sizeof name, "ws-%02u", i + 1);
		host_set(g, HOST_WS + i, 0x0a140065u + i, ZONE_IT,
			 i % 4 ? 128 : 64, name);
	}
	host_set(g, HOST_WEB, 0x0a14010au, ZONE_IT, 64, "web");
	host_set(g, HOST_FILE, 0x0a140114u, ZONE_IT, 64, "files");
	host_set(g, HOST_DNS, 0x0a140135u, ZONE_IT, 64, "dns");
	host_set(g, HOST_LOG, 0x0a14010eu, ZONE_IT, 64, "syslog");
	for (unsigned i = 0; i < N_EXT; i++) {
		snprintf(name, sizeof name, "ext-%u", i + 1);
		/* Seen after a dozen hops from a Linux or Windows sender. */
		host_set(g, HOST_EXT + i, ext_ips[i], ZONE_OUT, i % 3 ? 52 : 116, name);
	}
	host_set(g, HOST_GW_OT, 0x0a0a0001u, ZONE_OT, 255, "gw-ot");
	host_set(g, HOST_GW_IT, 0x0a140001u, ZONE_IT, 255, "gw-it");
	memcpy(g->gw_mac[ZONE_OT], g->hosts[HOST_GW_OT].mac, 6);
	memcpy(g->gw_mac[ZONE_IT], g->hosts[HOST_GW_IT].mac, 6);
	/* Outside traffic enters through the IT router. */
	memcpy(g->gw_mac[ZONE_OUT], g->hosts[HOST_GW_IT].mac, 6);
}

/* ---- DNS names ------------------------------------------------------- */

struct dns_name {
	const char *name;
	uint32_t ip;
};

static const struct dns_name dns_names[] = {
	{ "historian.plant.example", 0x0a140120u },
	{ "scada01.plant.example", 0x0a0a0215u },
	{ "files.corp.example", 0x0a140114u },
	{ "intranet.corp.example", 0x0a14010au },
	{ "update.vendor.example", 0xcb00710au },
	{ "time.example.net", 0xc6336405u },
	{ "mail.corp.example", 0x0a140119u },
	{ "licence.vendor.example", 0xc000020fu },
	{ "wpad.corp.example", 0x0a14010au },
	{ "cdn.example.com", 0xcb00714du },
};
#define N_DNS_NAMES (sizeof dns_names / sizeof dns_names[0])

/* RFC 1035 section 3.1: a name as length-prefixed labels. */
static size_t dns_put_name(uint8_t *p, const char *name)
{
	size_t out = 0;

	while (*name) {
		size_t n = strcspn(name, ".");

		p[out++] = (uint8_t)n;
		memcpy(p + out, name, n);
		out += n;
		name += n;
		if (*name == '.')
			name++;
	}
	p[out++] = 0;
	return out;
}

/* ---- frames ---------------------------------------------------------- */

static uint8_t *l4_payload(uint8_t *frame, unsigned proto)
{
	return frame + ETH_HDR_LEN + IP_HDR_LEN +
	       (proto == IPPROTO_TCP_ ? TCP_HDR_LEN : UDP_HDR_LEN);
}

/*
 * Ethernet and IPv4 headers for a packet from side dir of flow f; the layer-4
 * header and payload (l4_len bytes) are already in place.  Frames that cross
 * zones carry the router's MAC on the far side.  Returns the frame length.
 */
static size_t put_eth_ipv4(struct gen *g, uint8_t *frame, const struct flow *f,
			   unsigned dir, size_t l4_len)
{
	struct host *src = &g->hosts[f->host[dir]];
	const struct host *dst = &g->hosts[f->host[!dir]];
	uint8_t *ip = frame + ETH_HDR_LEN;
	uint16_t ck;

	if (src->zone == dst->zone) {
		memcpy(frame, dst->mac, 6);
		memcpy(frame + 6, src->mac, 6);
	} else if (src->zone == ZONE_OUT) {
		memcpy(frame, dst->mac, 6);
		memcpy(frame + 6, g->gw_mac[ZONE_OUT], 6);
	} else {
		memcpy(frame, g->gw_mac[src->zone], 6);
		memcpy(frame + 6, src->mac, 6);
	}
	put_be16(frame + 12, 0x0800);

	ip[0] = 0x45;
	ip[1] = 0;
	put_be16(ip + 2, (uint32_t)(IP_HDR_LEN + l4_len));
	put_be16(ip + 4, src->ip_id++);
	/* TCP stacks set DF for path MTU discovery (RFC 1191); UDP here not. */
	put_be16(ip + 6, f->proto == IPPROTO_TCP_ ? 0x4000 : 0);
	ip[8] = src->ttl;
	ip[9] = f->proto;
	put_be16(ip + 10, 0);
	put_be32(ip + 12, src->ip);
	put_be32(ip + 16, dst->ip);
	ck = csum_finish(csum_add(0, ip, IP_HDR_LEN));
	memcpy(ip + 10, &ck, 2);
	return ETH_HDR_LEN + IP_HDR_LEN + l4_len;
}

/* Sum of the IPv4 pseudo-header (RFC 793 section 3.1, RFC 768). */
static uint64_t pseudo_sum(const struct gen *g, const struct flow *f,
			   unsigned dir, size_t l4_len)
{
	uint8_t ph[12];

	put_be32(ph, g->hosts[f->host[dir]].ip);
	put_be32(ph + 4, g->hosts[f->host[!dir]].ip);
	ph[8] = 0;
	ph[9] = f->proto;
	put_be16(ph + 10, (uint32_t)l4_len);
	return csum_add(0, ph, sizeof ph);
}

/*
 * TCP segment from side dir with len payload bytes already at
 * l4_payload(frame).  A SYN carries only an MSS option (it has no payload,
 * so the option cannot overwrite one).  Advances the sender's sequence.
 */
static size_t tcp_send(struct gen *g, struct flow *f, uint8_t *frame,
		       unsigned dir, unsigned flags, size_t len)
{
	uint8_t *th = frame + ETH_HDR_LEN + IP_HDR_LEN;
	size_t hlen = TCP_HDR_LEN;
	uint16_t ck;

	if (flags & TCP_SYN) {
		th[20] = 2;	/* kind: maximum segment size */
		th[21] = 4;
		put_be16(th + 22, dir ? f->mss : MSS_ETH);
		hlen += 4;
	}
	put_be16(th, f->port[dir]);
	put_be16(th + 2, f->port[!dir]);
	put_be32(th + 4, f->seq[dir]);
	put_be32(th + 8, flags & TCP_ACK ? f->seq[!dir] : 0);
	th[12] = (uint8_t)(hlen / 4 << 4);
	th[13] = (uint8_t)flags;
	put_be16(th + 14, dir ? 29200 : 64240);
	put_be16(th + 16, 0);
	put_be16(th + 18, 0);
	ck = csum_finish(csum_add(pseudo_sum(g, f, dir, hlen + len), th, hlen + len));
	memcpy(th + 16, &ck, 2);
	f->seq[dir] += (uint32_t)len + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0);
	return put_eth_ipv4(g, frame, f, dir, hlen + len);
}

/* UDP datagram from side dir with len payload bytes already in place. */
static size_t udp_send(struct gen *g, struct flow *f, uint8_t *frame,
		       unsigned dir, size_t len)
{
	uint8_t *uh = frame + ETH_HDR_LEN + IP_HDR_LEN;
	size_t ulen = UDP_HDR_LEN + len;
	uint16_t ck;

	put_be16(uh, f->port[dir]);
	put_be16(uh + 2, f->port[!dir]);
	put_be16(uh + 4, (uint32_t)ulen);
	put_be16(uh + 6, 0);
	ck = csum_finish(csum_add(pseudo_sum(g, f, dir, ulen), uh, ulen));
	if (ck == 0)
		ck = 0xffff;	/* RFC 768: zero means "no checksum" */
	memcpy(uh + 6, &ck, 2);
	return put_eth_ipv4(g, frame, f, dir, ulen);
}

/* ---- flows ----------------------------------------------------------- */

static uint16_t ephemeral_port(struct gen *g, const struct host *h)
{
	/* Linux and Windows default ranges; TTL tells the two apart. */
	if (h->ttl <= 64)
		return (uint16_t)rng_range(&g->rng, 32768, 60999);
	return (uint16_t)rng_range(&g->rng, 49152, 65535);
}

static bool same_tuple(const struct flow *a, const struct flow *b)
{
	return a->proto == b->proto && a->host[0] == b->host[0] &&
	       a->host[1] == b->host[1] && a->port[0] == b->port[0] &&
	       a->port[1] == b->port[1];
}

/* Picks a client port no other live flow uses with the same peers. */
static void pick_client_port(struct gen *g, struct flow *f)
{
	bool clash;

	do {
		f->port[0] = ephemeral_port(g, &g->hosts[f->host[0]]);
		clash = false;
		for (unsigned i = 0; i < N_FLOWS; i++)
			if (&g->flows[i] != f && same_tuple(&g->flows[i], f))
				clash = true;
	} while (clash);
}

/* Unit id, first transaction id and the three polls a Modbus client repeats. */
static void modbus_plan(struct rng *r, struct flow *f)
{
	f->unit = rng_below(r, 4) ? 1 : 255;
	f->txn = (uint16_t)rng_next(r);
	for (unsigned i = 0; i < 3; i++) {
		f->poll[i].fc = rng_below(r, 3) ? 3 : 4;
		f->poll[i].addr = (uint16_t)rng_below(r, 10000);
		f->poll[i].qty = (uint16_t)rng_range(r, 1, 8);
	}
}

/* (Re)starts slot f as a new flow of its kind. */
static void flow_open(struct gen *g, struct flow *f, unsigned slot_in_kind)
{
	struct rng *r = &g->rng;
	unsigned kind = f->kind;

	memset(f, 0, sizeof *f);
	f->kind = (uint8_t)kind;
	f->proto = IPPROTO_TCP_;
	f->state = ST_SYN;
	f->mss = MSS_ETH;
	f->seq[0] = (uint32_t)rng_next(r);
	f->seq[1] = (uint32_t)rng_next(r);
	g->opened[kind]++;

	switch (kind) {
	case K_MODBUS:
		/* Every HMI polls every PLC over one long-lived connection. */
		f->host[0] = HOST_HMI + slot_in_kind / N_PLC;
		f->host[1] = HOST_PLC + slot_in_kind % N_PLC;
		f->port[1] = 502;
		f->rounds = rng_range(r, 2000, 40000);
		modbus_plan(r, f);
		break;
	case K_PLCWEB:
		f->host[0] = HOST_HMI + rng_below(r, N_HMI);
		f->host[1] = HOST_PLC + rng_below(r, N_PLC);
		f->port[1] = 80;
		f->mss = MSS_SMALL;
		f->rounds = rng_range(r, 50, 500);	/* an HMI refreshing a page */
		break;
	case K_HTTP:
		f->host[0] = HOST_WS + rng_below(r, N_WS);
		f->host[1] = rng_below(r, 10) < 7 ? HOST_WEB : HOST_FILE;
		f->port[1] = f->host[1] == HOST_WEB ? 80 : 8080;
		f->rounds = rng_range(r, 10, 100);
		break;
	case K_TLS:
		f->host[0] = HOST_WS + rng_below(r, N_WS);
		f->host[1] = HOST_EXT + rng_below(r, N_EXT);
		f->port[1] = 443;
		f->rounds = rng_range(r, 2, 40);
		break;
	case K_DNS:
		f->proto = IPPROTO_UDP_;
		f->host[0] = HOST_WS + slot_in_kind % N_WS;
		f->host[1] = HOST_DNS;
		f->port[1] = 53;
		f->rounds = rng_range(r, 100, 3000);
		break;
	case K_SYSLOG:
		f->proto = IPPROTO_UDP_;
		f->host[0] = HOST_PLC + slot_in_kind % N_PLC;
		f->host[1] = HOST_LOG;
		f->port[0] = 514;	/* BSD syslog senders often use 514 too */
		f->port[1] = 514;
		f->rounds = rng_range(r, 100, 100000);
		return;
	case K_ARP:
		/* Two hosts of one zone; host[] here is not a flow tuple. */
		f->proto = 0;
		if (rng_below(r, 2)) {
			f->host[0] = rng_below(r, N_PLC + N_HMI);
			f->host[1] = HOST_GW_OT;
		} else {
			f->host[0] = HOST_WS + rng_below(r, N_WS + 4);
			f->host[1] = HOST_WS + rng_below(r, N_WS + 4);
			if (f->host[1] == f->host[0])
				f->host[1] = HOST_GW_IT;
		}
		return;
	}
	pick_client_port(g, f);
}

/*
 * A flow has sent its last packet: the steady mode reuses its slot for a new
 * flow of the same kind, the churn mode retires it.
 */
static void flow_finish(struct gen *g, struct flow *f, unsigned slot)
{
	if (g->churn)
		f->state = ST_DONE;
	else
		flow_open(g, f, slot);
}

/* ---- application payloads ------------------------------------------- */

/*
 * Response length for a bulk transfer: whole segments plus a tail of at
 * least 64 bytes, so no segment is tiny (a TLS record needs its 5-byte
 * header and some data).
 */
static uint32_t bulk_len(struct rng *r, uint32_t mss, uint32_t max_segs)
{
	return rng_below(r, max_segs) * mss + rng_range(r, 64, mss);
}

/* The flow's own cap on response segments if it has one, else usual. */
static uint32_t seg_limit(const struct flow *f, uint32_t usual)
{
	return f->seg_cap ? f->seg_cap : usual;
}

static size_t http_request(struct gen *g, struct flow *f, uint8_t *p)
{
	static const char *const dirs[] = { "plant", "static", "reports", "trend",
					    "alarms", "docs", "api" };
	static const char *const agents[] = {
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36",
	};
	struct rng *r = &g->rng;
	const struct host *srv = &g->hosts[f->host[1]];
	char cookie[97];
	size_t clen = rng_range(r, 16, 96);
	int n;
	uint32_t body_len;
	const char *type;

	for (size_t i = 0; i < clen; i++)
		cookie[i] = "0123456789abcdef"[rng_below(r, 16)];
	cookie[clen] = '\0';
	n = snprintf((char *)p, 512,
		     "GET /%s/%u/%s%u.html HTTP/1.1\r\n"
		     "Host: %s.plant.example\r\n"
		     "User-Agent: %s\r\n"
		     "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
		     "Accept-Language: en-US,en;q=0.5\r\n"
		     "Connection: keep-alive\r\n"
		     "Cookie: sid=%s\r\n\r\n",
		     dirs[rng_below(r, 7)], rng_below(r, 100), dirs[rng_below(r, 7)],
		     rng_below(r, 1000), srv->name, agents[f->host[0] & 1], cookie);

	/* Pages are text; the file server also hands out binary blobs. */
	if (f->kind == K_PLCWEB) {
		f->body = BODY_TEXT;
		body_len = bulk_len(r, f->mss, seg_limit(f, 24));
	} else if (f->host[1] == HOST_FILE) {
		f->body = rng_below(r, 5) ? BODY_TEXT : BODY_RANDOM;
		body_len = bulk_len(r, f->mss, seg_limit(f, 200));
	} else {
		f->body = rng_below(r, 20) ? BODY_TEXT : BODY_RANDOM;
		body_len = bulk_len(r, f->mss, seg_limit(f, 40));
	}
	type = f->body == BODY_TEXT ? "text/html; charset=utf-8" : "application/octet-stream";
	f->hdr_len = (uint16_t)snprintf(f->hdr, sizeof f->hdr,
				    "HTTP/1.1 200 OK\r\n"
				    "Server: %s\r\n"
				    "Content-Type: %s\r\n"
				    "Content-Length: %" PRIu32 "\r\n"
				    "Connection: keep-alive\r\n\r\n",
				    f->kind == K_PLCWEB ? "PLC-HTTPD/2.1" : "nginx/1.22.1",
				    type, body_len);
	f->resp_len = f->hdr_len + body_len;
	return (size_t)n;
}

static size_t modbus_request(struct gen *g, struct flow *f, uint8_t *p)
{
	struct rng *r = &g->rng;

	/* Modbus Messaging on TCP/IP Implementation Guide V1.0b, 3.1.3: MBAP. */
	f->txn++;
	put_be16(p, f->txn);
	put_be16(p + 2, 0);
	put_be16(p + 4, 6);
	p[6] = f->unit;
	if (rng_below(r, 20) == 0) {
		/* Modbus Application Protocol V1.1b3, 6.6: write single register */
		f->fc = 6;
		f->addr = f->poll[0].addr;
		f->value = (uint16_t)rng_below(r, 1000);
		p[7] = 6;
		put_be16(p + 8, f->addr);
		put_be16(p + 10, f->value);
		f->resp_len = 12;
	} else {
		/* 6.3 / 6.4: read holding / input registers */
		const struct modbus_poll *q = &f->poll[f->poll_next++ % 3];

		f->fc = q->fc;
		f->addr = q->addr;
		f->qty = q->qty;
		p[7] = q->fc;
		put_be16(p + 8, q->addr);
		put_be16(p + 10, q->qty);
		f->resp_len = 9 + 2u * q->qty;
	}
	return 12;
}

static void modbus_response(struct gen *g, const struct flow *f, uint8_t *p)
{
	put_be16(p, f->txn);
	put_be16(p + 2, 0);
	put_be16(p + 4, f->resp_len - 6);
	p[6] = f->unit;
	p[7] = f->fc;
	if (f->fc == 6) {
		put_be16(p + 8, f->addr);
		put_be16(p + 10, f->value);
		return;
	}
	p[8] = (uint8_t)(2 * f->qty);
	for (unsigned i = 0; i < f->qty; i++)
		put_be16(p + 9 + 2 * i, rng_below(&g->rng, 1000));
}

/* TLS 1.2 application_data record (RFC 5246 section 6.2) filling len bytes. */
static void tls_record(struct gen *g, uint8_t *p, size_t len)
{
	p[0] = 23;
	p[1] = 3;
	p[2] = 3;
	put_be16(p + 3, (uint32_t)(len - 5));
	fill_random(&g->rng, p + 5, len - 5);
}

/* Fills the client's request and sets up the response it asks for. */
static size_t request_fill(struct gen *g, struct flow *f, uint8_t *p)
{
	size_t n;

	switch (f->kind) {
	case K_MODBUS:
		return modbus_request(g, f, p);
	case K_TLS:
		n = rng_range(&g->rng, 120, 700);
		tls_record(g, p, n);
		f->resp_len = bulk_len(&g->rng, f->mss, seg_limit(f, 100));
		return n;
	default:
		return http_request(g, f, p);
	}
}

/* Fills the server's next segment of n bytes. */
static void response_fill(struct gen *g, struct flow *f, uint8_t *p, size_t n)
{
	size_t off = f->resp_off;

	switch (f->kind) {
	case K_MODBUS:
		modbus_response(g, f, p);
		return;
	case K_TLS:
		tls_record(g, p, n);
		return;
	default:
		if (off < f->hdr_len) {
			size_t h = f->hdr_len - off;

			if (h > n)
				h = n;
			memcpy(p, f->hdr + off, h);
			p += h;
			n -= h;
		}
		if (f->body == BODY_TEXT)
			fill_text(&g->rng, p, n);
		else
			fill_random(&g->rng, p, n);
	}
}

/* ---- one packet per flow kind ---------------------------------------- */

static size_t tcp_step(struct gen *g, struct flow *f, uint8_t *frame, unsigned slot)
{
	uint8_t *pl = l4_payload(frame, IPPROTO_TCP_);
	size_t n, len;

	switch (f->state) {
	case ST_SYN:
		f->state = ST_SYNACK;
		return tcp_send(g, f, frame, 0, TCP_SYN, 0);
	case ST_SYNACK:
		f->state = ST_HSACK;
		return tcp_send(g, f, frame, 1, TCP_SYN | TCP_ACK, 0);
	case ST_HSACK:
		f->state = ST_REQ;
		return tcp_send(g, f, frame, 0, TCP_ACK, 0);
	case ST_REQ:
		n = request_fill(g, f, pl);
		f->resp_off = 0;
		f->unacked = 0;
		f->state = ST_RESP;
		return tcp_send(g, f, frame, 0, TCP_PSH | TCP_ACK, n);
	case ST_RESP:
		n = f->resp_len - f->resp_off;
		if (n > f->mss)
			n = f->mss;
		response_fill(g, f, pl, n);
		f->resp_off += (uint32_t)n;
		f->unacked++;
		if (f->resp_off == f->resp_len) {
			/* The next request or the FIN acks the tail. */
			len = tcp_send(g, f, frame, 1, TCP_PSH | TCP_ACK, n);
			f->state = --f->rounds ? ST_REQ : ST_FIN_C;
			return len;
		}
		if (f->unacked >= 2)	/* RFC 1122 4.2.3.2: ack every second */
			f->state = ST_ACK;
		return tcp_send(g, f, frame, 1, TCP_ACK, n);
	case ST_ACK:
		f->unacked = 0;
		f->state = ST_RESP;
		return tcp_send(g, f, frame, 0, TCP_ACK, 0);
	case ST_FIN_C:
		f->state = ST_FIN_S;
		return tcp_send(g, f, frame, 0, TCP_FIN | TCP_ACK, 0);
	case ST_FIN_S:
		f->state = ST_LAST_ACK;
		return tcp_send(g, f, frame, 1, TCP_FIN | TCP_ACK, 0);
	default:
		len = tcp_send(g, f, frame, 0, TCP_ACK, 0);
		flow_finish(g, f, slot);
		return len;
	}
}

/* RFC 1035 section 4.1: a standard A query, then its answer. */
static size_t dns_step(struct gen *g, struct flow *f, uint8_t *frame, unsigned slot)
{
	uint8_t *p = l4_payload(frame, IPPROTO_UDP_);
	const struct dns_name *d;
	size_t n;
	unsigned dir = f->state;

	if (dir == 0) {
		f->dns_id = (uint16_t)rng_next(&g->rng);
		f->name_i = (uint8_t)rng_below(&g->rng, N_DNS_NAMES);
	}
	d = &dns_names[f->name_i];
	put_be16(p, f->dns_id);
	put_be16(p + 2, dir ? 0x8180 : 0x0100);	/* response+RD+RA : RD */
	put_be16(p + 4, 1);
	put_be16(p + 6, dir);
	put_be16(p + 8, 0);
	put_be16(p + 10, 0);
	n = 12 + dns_put_name(p + 12, d->name);
	put_be16(p + n, 1);	/* type A */
	put_be16(p + n + 2, 1);	/* class IN */
	n += 4;
	if (dir) {
		put_be16(p + n, 0xc00c);	/* pointer to the question name */
		put_be16(p + n + 2, 1);
		put_be16(p + n + 4, 1);
		put_be32(p + n + 6, 300);
		put_be16(p + n + 10, 4);
		put_be32(p + n + 12, d->ip);
		n += 16;
	}
	n = udp_send(g, f, frame, dir, n);
	f->state = (uint8_t)!dir;
	if (dir && --f->rounds == 0)
		flow_finish(g, f, slot);
	return n;
}

/* RFC 3164 BSD syslog line from a PLC. */
static size_t syslog_step(struct gen *g, struct flow *f, uint8_t *frame, unsigned slot)
{
	static const char *const tags[] = { "RUNTIME", "IOSCAN", "COMM", "SAFETY" };
	char *p = (char *)l4_payload(frame, IPPROTO_UDP_);
	time_t t = (time_t)(g->now_ns / 1000000000u);
	struct tm tm;
	char stamp[20];
	size_t n, body;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
	n = (size_t)snprintf(p, 128, "<%u>%s %s %s[%u]: ",
			     16u * 8 + rng_range(&g->rng, 3, 6), stamp,
			     g->hosts[f->host[0]].name, tags[rng_below(&g->rng, 4)],
			     100u + slot);
	body = rng_range(&g->rng, 40, 480);
	fill_text(&g->rng, (uint8_t *)p + n, body);
	n = udp_send(g, f, frame, 0, n + body);
	if (--f->rounds == 0)
		flow_open(g, f, slot);
	return n;
}

/* RFC 826 request (broadcast), then the reply. */
static size_t arp_step(struct gen *g, struct flow *f, uint8_t *frame, unsigned slot)
{
	const struct host *a = &g->hosts[f->host[0]];
	const struct host *b = &g->hosts[f->host[1]];
	const struct host *s = f->state ? b : a;
	const struct host *t = f->state ? a : b;
	uint8_t *p = frame + ETH_HDR_LEN;

	if (f->state)
		memcpy(frame, a->mac, 6);
	else
		memset(frame, 0xff, 6);
	memcpy(frame + 6, s->mac, 6);
	put_be16(frame + 12, 0x0806);
	put_be16(p, 1);
	put_be16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put_be16(p + 6, f->state ? 2 : 1);
	memcpy(p + 8, s->mac, 6);
	put_be32(p + 14, s->ip);
	if (f->state)
		memcpy(p + 18, t->mac, 6);
	else
		memset(p + 18, 0, 6);
	put_be32(p + 24, t->ip);
	if (f->state)
		flow_open(g, f, slot);
	else
		f->state = 1;
	return ETH_HDR_LEN + ARP_LEN;
}

/* Zero padding up to the Ethernet minimum; returns the padded length. */
static size_t pad_frame(uint8_t *frame, size_t len)
{
	if (len < ETH_MIN_FRAME) {
		memset(frame + len, 0, ETH_MIN_FRAME - len);
		len = ETH_MIN_FRAME;
	}
	return len;
}

/* Writes the next frame at frame; returns its length (padded to 60). */
static size_t next_frame(struct gen *g, uint8_t *frame)
{
	unsigned w = rng_below(&g->rng, 1000), k = 0, slot;
	struct flow *f;
	size_t len;

	while (k + 1 < K_COUNT && w >= g->kind_cum[k])
		k++;
	slot = rng_below(&g->rng, kinds[k].slots);
	f = &g->flows[g->kind_first[k] + slot];
	switch (k) {
	case K_DNS:
		len = dns_step(g, f, frame, slot);
		break;
	case K_SYSLOG:
		len = syslog_step(g, f, frame, slot);
		break;
	case K_ARP:
		len = arp_step(g, f, frame, slot);
		break;
	default:
		len = tcp_step(g, f, frame, slot);
	}
	return pad_frame(frame, len);
}

/*
 * Gap to the next packet: 40% back to back (1-20 us, a 1514-byte frame takes
 * 12 us at 1 Gbit/s), the rest log-uniform between 32 us and 4 ms.  Never
 * below 1 us, so microsecond timestamps still strictly increase.
 */
static uint64_t next_gap_ns(struct rng *r)
{
	uint64_t x = rng_next(r);
	unsigned e;

	if ((x & 0xff) < 102)
		return 1000 + (x >> 8) % 19000;
	e = 5 + (unsigned)((x >> 8) % 7);
	return ((1ull << e) + (x >> 16) % (1ull << e)) * 1000 + (x >> 40) % 1000;
}

/* ---- churn mode: many short flows ------------------------------------- */

/*
 * --flows N: instead of 125 long conversations restarted in place, N short
 * ones - a handshake, one to four requests, a FIN close; or a DNS query and
 * its answer - from 65536 clients to a pool of 352 servers.  New flows
 * start --flow-rate times a second (uniform gaps), and each paces its own
 * packets by its path's round-trip time, the server's work and the user's
 * think time; a binary heap of pending packets, one per live flow, puts
 * them in time order.  No flow lives a minute, so at any moment about
 * rate x mean lifetime flows are open (a few thousand by default) however
 * long the capture: the workload of a flow table that must keep only live
 * flows.  Every client takes its ephemeral ports in turn, so no 5-tuple is
 * reused and each flow is a distinct conversation for any tool.
 */

/* Hosts after the steady plan: servers, then clients (OT ones first). */
#define CH_N_PLC	256u
#define CH_N_WEB	32u
#define CH_N_DNS	4u
#define CH_N_EXT	60u
#define CH_N_OT_CLIENT	8192u
#define CH_N_CLIENT	65536u
#define CH_PLC		N_HOSTS
#define CH_WEB		(CH_PLC + CH_N_PLC)
#define CH_DNS		(CH_WEB + CH_N_WEB)
#define CH_EXT		(CH_DNS + CH_N_DNS)
#define CH_CLIENT	(CH_EXT + CH_N_EXT)
#define CH_N_HOSTS	(CH_CLIENT + CH_N_CLIENT)
/* Below the smallest ephemeral range (16384), so a client's ports never wrap. */
#define CH_PORT_USES_MAX 16000u
/* Ample for the OT clients' share: 8192 x 16000 ports, a quarter of flows. */
#define CH_MAX_FLOWS	100000000u
#define CH_DEFAULT_RATE	500u

/* Share of new flows, per mille. */
struct churn_share {
	uint8_t kind;
	uint16_t weight;
};

static const struct churn_share churn_mix[] = {
	{ K_MODBUS, 200 }, { K_PLCWEB, 50 }, { K_HTTP, 250 }, { K_TLS, 150 }, { K_DNS, 350 },
};
#define N_CHURN_MIX (sizeof churn_mix / sizeof churn_mix[0])

struct churn_event {
	uint64_t t_ns;
	uint64_t order;		/* ties go to the first scheduled: deterministic */
	uint32_t flow;		/* index in churn.pool */
};

struct churn {
	uint64_t target;		/* flows to open */
	uint32_t mean_gap_ns;		/* between two flow starts */
	uint64_t next_open_ns;
	uint64_t opened, closed, active, max_active, order;
	struct flow *pool;		/* cap slots, used of them ever handed out */
	uint32_t *free_slot;		/* n_free retired slots, reused first */
	struct churn_event *heap;	/* min-heap on (t_ns, order) */
	uint32_t cap, used, n_free, heap_len;
};

static bool event_before(const struct churn_event *a, const struct churn_event *b)
{
	return a->t_ns != b->t_ns ? a->t_ns < b->t_ns : a->order < b->order;
}

/* The heap never outgrows the pool: one pending packet per live flow. */
static void heap_push(struct churn *c, uint64_t t_ns, uint32_t flow)
{
	struct churn_event e = { t_ns, c->order++, flow };
	uint32_t i = c->heap_len++;

	while (i > 0) {
		uint32_t up = (i - 1) / 2;

		if (!event_before(&e, &c->heap[up]))
			break;
		c->heap[i] = c->heap[up];
		i = up;
	}
	c->heap[i] = e;
}

static struct churn_event heap_pop(struct churn *c)
{
	struct churn_event top = c->heap[0], last = c->heap[--c->heap_len];
	uint32_t i = 0, n = c->heap_len;

	if (n == 0)
		return top;
	for (;;) {
		uint32_t kid = 2 * i + 1;

		if (kid >= n)
			break;
		if (kid + 1 < n && event_before(&c->heap[kid + 1], &c->heap[kid]))
			kid++;
		if (!event_before(&c->heap[kid], &last))
			break;
		c->heap[i] = c->heap[kid];
		i = kid;
	}
	c->heap[i] = last;
	return top;
}

/*
 * A pool slot for a new flow: a retired one, else a fresh one, doubling the
 * pool, its free list and the heap when full.  Pointers into the pool are
 * stale after a call.  UINT32_MAX when out of memory (nothing is lost: an
 * array that did grow is kept, cap only rises once all three have).
 */
static uint32_t churn_slot(struct churn *c)
{
	if (c->n_free)
		return c->free_slot[--c->n_free];
	if (c->used == c->cap) {
		uint32_t cap = c->cap ? 2 * c->cap : 1024;
		struct flow *pool = realloc(c->pool, cap * sizeof *pool);
		uint32_t *free_slot;
		struct churn_event *heap;

		if (!pool)
			return UINT32_MAX;
		c->pool = pool;
		free_slot = realloc(c->free_slot, cap * sizeof *free_slot);
		if (!free_slot)
			return UINT32_MAX;
		c->free_slot = free_slot;
		heap = realloc(c->heap, cap * sizeof *heap);
		if (!heap)
			return UINT32_MAX;
		c->heap = heap;
		c->cap = cap;
	}
	return c->used++;
}

static void churn_free(struct churn *c)
{
	free(c->pool);
	free(c->free_slot);
	free(c->heap);
}

/* Microseconds, log-uniform over [2^lo, 2^hi): mostly quick, sometimes slow. */
static uint64_t log_uniform_us(struct rng *r, unsigned lo, unsigned hi)
{
	unsigned e = lo + rng_below(r, hi - lo);

	return (1ull << e) + rng_below(r, 1u << e);
}

/* A client of one zone; the lesser of two draws, so some are busier. */
static uint32_t churn_client(struct gen *g, bool ot)
{
	uint32_t first = CH_CLIENT + (ot ? 0 : CH_N_OT_CLIENT);
	uint32_t n = ot ? CH_N_OT_CLIENT : CH_N_CLIENT - CH_N_OT_CLIENT;
	uint32_t a = rng_below(&g->rng, n), b = rng_below(&g->rng, n);
	uint32_t i = a < b ? a : b;

	/* One that has used its ports up hands over (CH_MAX_FLOWS bounds this). */
	while (g->hosts[first + i].port_uses >= CH_PORT_USES_MAX)
		i = (i + 1) % n;
	return first + i;
}

/* The client's next ephemeral port, in turn as Linux and Windows hand them out. */
static uint16_t churn_port(struct host *h)
{
	uint16_t port = h->next_port;
	uint16_t lo = h->ttl <= 64 ? 32768 : 49152, hi = h->ttl <= 64 ? 60999 : 65535;

	h->next_port = port >= hi ? lo : (uint16_t)(port + 1);
	h->port_uses++;
	return port;
}

/* Servers and clients after the steady plan; their addresses are fixed. */
static void churn_hosts_init(struct gen *g)
{
	static const uint32_t ext_nets[3] = { 0xcb007100u, 0xc6336400u, 0xc0000200u };
	char name[16];

	for (uint32_t i = 0; i < CH_N_PLC; i++) {
		snprintf(name, sizeof name, "plc-%03u", (unsigned)i + 1);
		/* 10.10.16.20 - 10.10.19.83 */
		host_set(g, CH_PLC + i, 0x0a0a0000u | (16 + i / 64) << 8 | (20 + i % 64),
			 ZONE_OT, 64, name);
	}
	for (uint32_t i = 0; i < CH_N_WEB; i++) {
		snprintf(name, sizeof name, "web-%02u", (unsigned)i + 1);
		host_set(g, CH_WEB + i, 0x0a14010au + i, ZONE_IT, 64, name);
	}
	for (uint32_t i = 0; i < CH_N_DNS; i++) {
		snprintf(name, sizeof name, "dns-%u", (unsigned)i + 1);
		host_set(g, CH_DNS + i, 0x0a140235u + i, ZONE_IT, 64, name);
	}
	for (uint32_t i = 0; i < CH_N_EXT; i++) {
		snprintf(name, sizeof name, "ext-%02u", (unsigned)i + 1);
		host_set(g, CH_EXT + i, ext_nets[i % 3] | (10 + i / 3), ZONE_OUT,
			 i % 3 ? 52 : 116, name);
	}
	/* 10.128.0.10 - 10.131.255.73: 1024 subnets of 64; the first 128 are OT. */
	for (uint32_t i = 0; i < CH_N_CLIENT; i++) {
		bool ot = i < CH_N_OT_CLIENT;
		struct host *h = &g->hosts[CH_CLIENT + i];

		host_set(g, CH_CLIENT + i,
			 0x0a000000u | (128 + (i >> 14)) << 16 | ((i >> 6) & 0xff) << 8 | (10 + (i & 63)),
			 ot ? ZONE_OT : ZONE_IT, ot || i % 4 ? 128 : 64, "client");
		h->next_port = ephemeral_port(g, h);
	}
}

static void churn_init(struct gen *g, struct churn *c, uint64_t flows, uint32_t rate)
{
	memset(c, 0, sizeof *c);
	c->target = flows;
	c->mean_gap_ns = 1000000000u / rate;
	c->next_open_ns = g->now_ns;
	g->churn = c;
	churn_hosts_init(g);
}

/* Starts a new flow whose first packet goes out at t_ns; false when out of memory. */
static bool churn_open(struct gen *g, struct churn *c, uint64_t t_ns)
{
	struct rng *r = &g->rng;
	uint32_t idx = churn_slot(c), w = rng_below(r, 1000), m = 0;
	struct flow *f;
	unsigned rtt_lo, rtt_hi;

	if (idx == UINT32_MAX)
		return false;
	while (m + 1 < N_CHURN_MIX && w >= churn_mix[m].weight)
		w -= churn_mix[m++].weight;
	f = &c->pool[idx];
	memset(f, 0, sizeof *f);
	f->kind = churn_mix[m].kind;
	f->proto = IPPROTO_TCP_;
	f->state = ST_SYN;
	f->mss = MSS_ETH;
	f->seq[0] = (uint32_t)rng_next(r);
	f->seq[1] = (uint32_t)rng_next(r);
	g->opened[f->kind]++;

	switch (f->kind) {
	case K_MODBUS:
		/* An HMI or historian that connects, polls a few times, hangs up. */
		f->host[0] = churn_client(g, true);
		f->host[1] = CH_PLC + rng_below(r, CH_N_PLC);
		f->port[1] = 502;
		f->rounds = rng_range(r, 1, 4);
		modbus_plan(r, f);
		break;
	case K_PLCWEB:
		f->host[0] = churn_client(g, true);
		f->host[1] = CH_PLC + rng_below(r, CH_N_PLC);
		f->port[1] = 80;
		f->mss = MSS_SMALL;
		f->rounds = rng_range(r, 1, 2);
		f->seg_cap = 6;
		break;
	case K_HTTP:
		f->host[0] = churn_client(g, false);
		f->host[1] = CH_WEB + rng_below(r, CH_N_WEB);
		f->port[1] = f->host[1] % 2 ? 8080 : 80;
		f->rounds = rng_range(r, 1, 2);
		f->seg_cap = 4;
		break;
	case K_TLS:
		f->host[0] = churn_client(g, false);
		f->host[1] = CH_EXT + rng_below(r, CH_N_EXT);
		f->port[1] = 443;
		f->rounds = rng_range(r, 1, 2);
		f->seg_cap = 4;
		break;
	default:
		f->proto = IPPROTO_UDP_;
		f->host[0] = churn_client(g, false);
		f->host[1] = CH_DNS + rng_below(r, CH_N_DNS);
		f->port[1] = 53;
		f->rounds = 1;
		break;
	}
	f->port[0] = churn_port(&g->hosts[f->host[0]]);
	/* Round trip: 0.1-2 ms in the office, 0.25-8 ms to slow PLC stacks, 8-130 ms outside. */
	switch (g->hosts[f->host[1]].zone) {
	case ZONE_OT:
		rtt_lo = 8;
		rtt_hi = 13;
		break;
	case ZONE_OUT:
		rtt_lo = 13;
		rtt_hi = 17;
		break;
	default:
		rtt_lo = 7;
		rtt_hi = 11;
	}
	f->rtt_us = (uint32_t)log_uniform_us(r, rtt_lo, rtt_hi);
	heap_push(c, t_ns, idx);
	c->opened++;
	if (++c->active > c->max_active)
		c->max_active = c->active;
	return true;
}

/*
 * Time from the packet a flow just sent (from state was) to its next one.
 * The longest waits - a think time and a keep-alive for web flows, three
 * poll intervals for Modbus - add up to under 51 s: no flow lives a minute,
 * so tools with a 60 s status interval report each flow once.
 */
static uint64_t churn_delay_ns(struct gen *g, const struct flow *f, unsigned was)
{
	struct rng *r = &g->rng;
	uint64_t half_rtt = f->rtt_us / 2 + 1, us;

	if (f->proto == IPPROTO_UDP_)
		return log_uniform_us(r, 6, 15) * 1000 + rng_below(r, 1000);	/* cache or recursion */
	switch (f->state) {
	case ST_REQ:
		if (was == ST_HSACK)
			us = rng_range(r, 20, 300);	/* the client speaks first */
		else if (f->kind == K_MODBUS)
			us = log_uniform_us(r, 16, 21);	/* poll interval, 65 ms - 2 s */
		else
			us = log_uniform_us(r, 14, 24);	/* think time, 16 ms - 17 s */
		break;
	case ST_RESP:
		if (was == ST_REQ)
			us = log_uniform_us(r, 6, 14);	/* server work, 64 us - 16 ms */
		else if (was == ST_ACK)
			us = half_rtt;			/* the ack opens the window */
		else
			us = rng_range(r, 12, 120);	/* back to back */
		break;
	case ST_FIN_C:
		/* The client hangs up: Modbus at once, browsers after a keep-alive. */
		if (f->kind == K_MODBUS)
			us = log_uniform_us(r, 9, 14);	/* 0.5 - 16 ms */
		else if (f->kind == K_PLCWEB)
			us = log_uniform_us(r, 14, 20);	/* 16 ms - 1 s */
		else
			us = log_uniform_us(r, 17, 25);	/* 0.13 - 33 s */
		break;
	default:
		us = half_rtt + rng_range(r, 0, 50);	/* the peer answers */
	}
	return us * 1000 + rng_below(r, 1000);
}

/*
 * Writes the next frame in time order at frame and sets g->now_ns to its
 * time.  Returns its length (padded to 60), 0 when every flow has closed, or
 * SIZE_MAX when out of memory.
 */
static size_t churn_next_frame(struct gen *g, uint8_t *frame)
{
	struct churn *c = g->churn;
	struct churn_event ev;
	struct flow *f;
	unsigned was;
	size_t len;

	while (c->opened < c->target &&
	       (c->heap_len == 0 || c->next_open_ns <= c->heap[0].t_ns)) {
		if (!churn_open(g, c, c->next_open_ns))
			return SIZE_MAX;
		c->next_open_ns += 1 + rng_below(&g->rng, 2 * c->mean_gap_ns);
	}
	if (c->heap_len == 0)
		return 0;
	ev = heap_pop(c);
	g->now_ns = ev.t_ns;
	f = &c->pool[ev.flow];
	was = f->state;
	if (f->proto == IPPROTO_UDP_)
		len = dns_step(g, f, frame, 0);
	else
		len = tcp_step(g, f, frame, 0);
	if (f->state == ST_DONE) {
		c->free_slot[c->n_free++] = ev.flow;
		c->active--;
		c->closed++;
	} else {
		heap_push(c, ev.t_ns + churn_delay_ns(g, f, was), ev.flow);
	}
	return pad_frame(frame, len);
}

static bool gen_init(struct gen *g, uint64_t seed, bool churn)
{
	unsigned first = 0, cum = 0;

	memset(g, 0, sizeof *g);
	g->rng.state = seed;
	g->now_ns = (uint64_t)START_SEC * 1000000000u;
	g->n_hosts = churn ? CH_N_HOSTS : N_HOSTS;
	g->hosts = calloc(g->n_hosts, sizeof *g->hosts);
	if (!g->hosts)
		return false;
	tokens_init();
	hosts_init(g);
	if (churn)
		return true;	/* churn_init() opens the flows */
	for (unsigned k = 0; k < K_COUNT; k++) {
		assert(first + kinds[k].slots <= N_FLOWS);
		g->kind_first[k] = first;
		cum += kinds[k].weight;
		g->kind_cum[k] = (uint16_t)cum;
		for (unsigned s = 0; s < kinds[k].slots; s++) {
			g->flows[first + s].kind = (uint8_t)k;
			flow_open(g, &g->flows[first + s], s);
		}
		first += kinds[k].slots;
	}
	return true;
}

/* ---- output ---------------------------------------------------------- */

static bool write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static bool out_flush(struct out *o)
{
	bool ok = write_all(o->fd, o->buf, o->len);

	o->len = 0;
	return ok;
}

/* ---- command line ---------------------------------------------------- */

static void usage(FILE *to)
{
	fputs("usage: gen_capture [options] -o PATH\n"
	      "Write a deterministic synthetic Ethernet capture (classic pcap) of\n"
	      "Modbus/TCP, HTTP, TLS, DNS, syslog and ARP traffic among 46 hosts.\n"
	      "\n"
	      "  -o, --output PATH   file to write ('-' for standard output)\n"
	      "  -b, --bytes N       stop before the file would exceed N bytes\n"
	      "                      (default 10M); suffixes k M G are powers of 1000\n"
	      "  -n, --packets N     stop after N packets (default: no limit)\n"
	      "  -s, --seed S        seed of the pseudo-random stream (default 1)\n"
	      "      --nanosecond    nanosecond timestamps (magic 0xa1b23c4d)\n"
	      "      --flows N       churn mode: N short TCP and UDP flows among\n"
	      "                      65536 clients and 352 servers, each a distinct\n"
	      "                      5-tuple, then stop (--bytes: no limit unless given)\n"
	      "      --flow-rate R   churn mode: new flows per second (default 500)\n"
	      "      --stats         print a summary of what was written on stderr\n"
	      "  -h, --help          show this help\n"
	      "\n"
	      "The same options give the same bytes; a smaller --bytes or --packets\n"
	      "gives a prefix of a larger run.  Exit status: 0 written, 1 I/O error,\n"
	      "2 usage error.\n", to);
}

/* Decimal with an optional k/M/G suffix (powers of 1000). */
static bool parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end == 'k' || *end == 'K')
		mul = 1000;
	else if (*end == 'M')
		mul = 1000000;
	else if (*end == 'G')
		mul = 1000000000;
	if (mul != 1)
		end++;
	if (*end || v > UINT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

int main(int argc, char **argv)
{
	enum { OPT_NANO = 256, OPT_STATS, OPT_FLOWS, OPT_FLOW_RATE };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "packets", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "nanosecond", no_argument, NULL, OPT_NANO },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "flow-rate", required_argument, NULL, OPT_FLOW_RATE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	uint64_t max_bytes = 10000000, max_packets = UINT64_MAX, seed = 1;
	uint64_t churn_flows = 0, flow_rate = CH_DEFAULT_RATE;
	bool nano = false, stats = false, ok = true, remove_on_error = false, bytes_set = false;
	struct gen *g;
	struct churn churn;
	struct out o = { -1, NULL, 0, 0 };
	struct timespec t0, t1;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "o:b:n:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			path = optarg;
			break;
		case 'b':
			if (!parse_count(optarg, &max_bytes) || max_bytes < PCAP_HDR_LEN) {
				fprintf(stderr, "gen_capture: --bytes: want a number >= %u, got '%s'\n",
					PCAP_HDR_LEN, optarg);
				return 2;
			}
			bytes_set = true;
			break;
		case 'n':
			if (!parse_count(optarg, &max_packets)) {
				fprintf(stderr, "gen_capture: --packets: not a number: '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (!parse_count(optarg, &seed)) {
				fprintf(stderr, "gen_capture: --seed: not a number: '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_NANO:
			nano = true;
			break;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_FLOWS:
			if (!parse_count(optarg, &churn_flows) || churn_flows < 1 ||
			    churn_flows > CH_MAX_FLOWS) {
				fprintf(stderr, "gen_capture: --flows: want 1 to %u, got '%s'\n",
					CH_MAX_FLOWS, optarg);
				return 2;
			}
			break;
		case OPT_FLOW_RATE:
			/* At least one a second keeps the gaps within 32 bits of ns. */
			if (!parse_count(optarg, &flow_rate) || flow_rate < 1 || flow_rate > 1000000) {
				fprintf(stderr, "gen_capture: --flow-rate: want 1 to 1000000, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path || optind != argc) {
		fputs(path ? "gen_capture: unexpected argument\n" : "gen_capture: -o PATH is required\n",
		      stderr);
		usage(stderr);
		return 2;
	}
	/* A churn capture ends when its flows do, unless told otherwise. */
	if (churn_flows && !bytes_set)
		max_bytes = UINT64_MAX;

	g = malloc(sizeof *g);
	o.buf = malloc(OUT_BUF_SIZE);
	if (!g || !o.buf) {
		fputs("gen_capture: out of memory\n", stderr);
		free(g);
		free(o.buf);
		return 1;
	}
	if (strcmp(path, "-") == 0) {
		o.fd = STDOUT_FILENO;
	} else {
		struct stat st;

		o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (o.fd < 0) {
			fprintf(stderr, "gen_capture: %s: %s\n", path, strerror(errno));
			free(g);
			free(o.buf);
			return 1;
		}
		/* Only a regular file is removed after a failed write, never a device. */
		remove_on_error = fstat(o.fd, &st) == 0 && S_ISREG(st.st_mode);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!gen_init(g, seed, churn_flows > 0)) {
		fputs("gen_capture: out of memory\n", stderr);
		if (o.fd != STDOUT_FILENO)
			close(o.fd);
		if (remove_on_error)
			unlink(path);
		free(g->hosts);
		free(g);
		free(o.buf);
		return 1;
	}
	if (churn_flows)
		churn_init(g, &churn, churn_flows, (uint32_t)flow_rate);

	/* pcap file header: magic, 2.4, thiszone, sigfigs, snaplen, linktype */
	put_le32(o.buf, nano ? 0xa1b23c4du : 0xa1b2c3d4u);
	put_le16(o.buf + 4, 2);
	put_le16(o.buf + 6, 4);
	put_le32(o.buf + 8, 0);
	put_le32(o.buf + 12, 0);
	put_le32(o.buf + 16, 65535);
	put_le32(o.buf + 20, 1);
	o.len = o.total = PCAP_HDR_LEN;

	while (g->packets < max_packets) {
		uint8_t *rec;
		size_t flen, rlen;

		if (OUT_BUF_SIZE - o.len < REC_HDR_LEN + MAX_FRAME && !out_flush(&o)) {
			err = errno;
			ok = false;
			break;
		}
		rec = o.buf + o.len;
		if (g->churn) {
			flen = churn_next_frame(g, rec + REC_HDR_LEN);
			if (flen == 0)
				break;	/* every flow has closed */
			if (flen == SIZE_MAX) {
				err = ENOMEM;
				ok = false;
				break;
			}
		} else {
			flen = next_frame(g, rec + REC_HDR_LEN);
			g->now_ns += next_gap_ns(&g->rng);
		}
		rlen = REC_HDR_LEN + flen;
		if (o.total + rlen > max_bytes)
			break;
		put_le32(rec, (uint32_t)(g->now_ns / 1000000000u));
		put_le32(rec + 4, (uint32_t)(nano ? g->now_ns % 1000000000u
						  : g->now_ns % 1000000000u / 1000u));
		put_le32(rec + 8, (uint32_t)flen);
		put_le32(rec + 12, (uint32_t)flen);
		o.len += rlen;
		o.total += rlen;
		g->packets++;
		g->frame_bytes += flen;
		g->size_class[flen <= 128 ? 0 : flen < 1200 ? 1 : 2]++;
	}
	if (ok && !out_flush(&o)) {
		err = errno;
		ok = false;
	}
	if (o.fd != STDOUT_FILENO && close(o.fd) != 0 && ok) {
		err = errno;
		ok = false;
	}
	if (!ok) {
		fprintf(stderr, "gen_capture: writing %s: %s\n", path, strerror(err));
		if (remove_on_error)
			unlink(path);
	} else if (stats) {
		uint64_t p = g->packets ? g->packets : 1, flows = 0;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		for (unsigned k = 0; k < K_COUNT; k++)
			if (k != K_ARP)
				flows += g->opened[k];
		fprintf(stderr,
			"gen_capture: %" PRIu64 " bytes, %" PRIu64 " packets, mean frame %.1f bytes\n"
			"gen_capture: frames <=128: %.1f%%, 129-1199: %.1f%%, >=1200: %.1f%%\n"
			"gen_capture: file bytes: %.1f%% token text, %.1f%% random payload\n"
			"gen_capture: %" PRIu64 " flows, %.1f s of traffic, written in %.2f s\n",
			o.total, g->packets, (double)g->frame_bytes / (double)p,
			100.0 * (double)g->size_class[0] / (double)p,
			100.0 * (double)g->size_class[1] / (double)p,
			100.0 * (double)g->size_class[2] / (double)p,
			100.0 * (double)text_bytes / (double)o.total,
			100.0 * (double)random_bytes / (double)o.total,
			flows, (double)(g->now_ns - (uint64_t)START_SEC * 1000000000u) / 1e9,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		fputs("gen_capture: flows by kind:", stderr);
		for (unsigned k = 0; k < K_COUNT; k++)
			if (k != K_ARP)
				fprintf(stderr, " %s %" PRIu64, kinds[k].name, g->opened[k]);
		fputc('\n', stderr);
		if (g->churn)
			fprintf(stderr, "gen_capture: churn: %" PRIu64 " flows closed, at most %" PRIu64
				" open at once, %" PRIu64 " new a second\n",
				churn.closed, churn.max_active, flow_rate);
	}
	if (g->churn)
		churn_free(g->churn);
	free(g->hosts);
	free(g);
	free(o.buf);
	return ok ? 0 : 1;
}
