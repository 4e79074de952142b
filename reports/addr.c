/*
 * addr.c - see addr.h.
 */
#include "reports/addr.h"

#include <arpa/inet.h>

static const char hex_digits[] = "0123456789abcdef";

const char *addr_ip_text(char buf[ADDR_TEXT_MAX], uint8_t version, const uint8_t *ip)
{
	buf[0] = '\0';
	if (version == 4) {
		/* Dotted quad by hand: glibc's inet_ntop goes through sprintf,
		 * which costs more than the rest of a flows.csv row. */
		char *p = buf;

		for (int i = 0; i < 4; i++) {
			unsigned v = ip[i];

			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
	} else if (version == 6 && !inet_ntop(AF_INET6, ip, buf, ADDR_TEXT_MAX)) {
		buf[0] = '\0';
	}
	return buf;
}

const char *addr_mac_text(char buf[18], const uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		buf[3 * i] = hex_digits[mac[i] >> 4];
		buf[3 * i + 1] = hex_digits[mac[i] & 15];
		buf[3 * i + 2] = i < 5 ? ':' : '\0';
	}
	return buf;
}
