/*
 * addr.h - addresses as text for the reports.
 */
#ifndef TP_ADDR_H
#define TP_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_TEXT_MAX 46	/* INET6_ADDRSTRLEN */

/* "10.10.0.5", "fe80::1"; "" for version 0.  buf holds ADDR_TEXT_MAX. */
const char *addr_ip_text(char buf[ADDR_TEXT_MAX], uint8_t version, const uint8_t *ip);

/* "00:80:f4:12:b9:15"; buf holds 18. */
const char *addr_mac_text(char buf[18], const uint8_t mac[6]);

#endif
