/*
 * filter.h - the -f EXPR frame filter: BPF in tcpdump syntax, by libpcap.
 *
 * The expression is compiled once per link type met (pcap_compile on a
 * pcap_open_dead handle of that link type) and run on every frame with
 * pcap_offline_filter().  A capture holds few link types, so the programs
 * are kept in a small array.
 */
#ifndef TP_FILTER_H
#define TP_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "formats/record.h"

struct filter;

/* Compiles expr for Ethernet to check it; NULL with libpcap's message in
 * err when it is not a valid expression. */
struct filter *filter_new(const char *expr, char *err, size_t errlen);

/* True when the frame passes.  A link type the expression cannot be
 * compiled for passes nothing (a note is printed once, unless quiet). */
bool filter_match(struct filter *f, const struct tp_record *rec, bool quiet);

void filter_free(struct filter *f);

#endif
