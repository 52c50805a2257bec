/*
 * netaddr.h - IPv4/IPv6 addresses and CIDR networks, for InternalNetworks and
 * for the client addresses found in Received lines.
 */
#ifndef EMG_NETADDR_H
#define EMG_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct emg_cidr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];    /* network byte order; IPv4 in the first 4 bytes */
	unsigned prefix;     /* prefix length in bits */
} emg_cidr_t;

/* Parse "192.0.2.0/24", "2001:db8::/32" or a bare address (full prefix).
 * Also accepts "[addr]" and "IPv6:addr" as written in Received lines.
 * Returns 0, or -1 when TEXT is not an address. */
int netaddr_parse_cidr(const char *text, emg_cidr_t *out);
/* True when the address text IP lies in one of the N networks.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match IPv4 networks. */
bool netaddr_in_list(const char *ip, const emg_cidr_t *nets, size_t n);

#endif
