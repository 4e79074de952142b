/* Tests of analyzer/filter.c: BPF expressions on frames of several link types. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "analyzer/filter.h"
#include "tests/support/bytes.h"

/* IPv4 10.0.0.1:40000 -> 10.0.0.2:502, TCP SYN (checksums are not the
 * filter's business). */
static void ipv4_tcp(struct bytes *b)
{
	static const uint8_t ip[] = {
		0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	};
	static const uint8_t tcp[] = {
		0x9c, 0x40, 0x01, 0xf6, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	};

	bytes_put(b, ip, sizeof ip);
	bytes_put(b, tcp, sizeof tcp);
}

static struct tp_record record_of(const struct bytes *b, uint16_t linktype)
{
	struct tp_record rec;

	memset(&rec, 0, sizeof rec);
	rec.data = b->p;
	rec.caplen = rec.origlen = (uint32_t)b->len;
	rec.linktype = linktype;
	return rec;
}

Test(filter, matches_ethernet_frames_by_tcpdump_expression)
{
	static const uint8_t eth[] = { 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00 };
	struct bytes b = { 0 };
	char err[256];
	struct filter *yes, *no;
	struct tp_record rec;

	bytes_put(&b, eth, sizeof eth);
	ipv4_tcp(&b);
	rec = record_of(&b, 1);
	yes = filter_new("tcp port 502 and host 10.0.0.1", err, sizeof err);
	no = filter_new("udp or port 503", err, sizeof err);
	cr_assert(not(eq(ptr, yes, NULL)));
	cr_assert(not(eq(ptr, no, NULL)));
	cr_assert(filter_match(yes, &rec, true));
	cr_assert(not(filter_match(no, &rec, true)));
	filter_free(yes);
	filter_free(no);
	bytes_free(&b);
}

/* The same expression is compiled again for raw IP (LINKTYPE_RAW 101). */
Test(filter, compiles_for_each_link_type_met)
{
	static const uint8_t eth[] = { 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00 };
	struct bytes raw = { 0 }, ether = { 0 };
	char err[256];
	struct filter *f = filter_new("dst port 502", err, sizeof err);
	struct tp_record a, b;

	ipv4_tcp(&raw);
	bytes_put(&ether, eth, sizeof eth);
	ipv4_tcp(&ether);
	a = record_of(&raw, 101);
	b = record_of(&ether, 1);
	cr_assert(filter_match(f, &a, true));
	cr_assert(filter_match(f, &b, true));
	filter_free(f);
	bytes_free(&raw);
	bytes_free(&ether);
}

Test(filter, refuses_a_bad_expression_with_libpcaps_message)
{
	char err[256] = "";
	struct filter *f = filter_new("tcp port", err, sizeof err);

	cr_assert(eq(ptr, f, NULL));
	cr_assert(not(eq(ptr, strstr(err, "syntax error"), NULL)), "%s", err);
}

/* An expression that cannot apply to a link type lets none of its frames through. */
Test(filter, passes_nothing_where_the_expression_cannot_apply)
{
	struct bytes raw = { 0 };
	char err[256];
	struct filter *f = filter_new("ether host 00:01:02:03:04:05", err, sizeof err);
	struct tp_record rec;

	cr_assert(not(eq(ptr, f, NULL)), "%s", err);
	ipv4_tcp(&raw);
	rec = record_of(&raw, 101);
	cr_assert(not(filter_match(f, &rec, true)));
	filter_free(f);
	bytes_free(&raw);
}
