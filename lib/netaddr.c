/*
 * netaddr.c - IPv4/IPv6 addresses and CIDR networks (see netaddr.h).
 *
 * Relies on inet_pton(3) only.  Input comes from the configuration
 * (InternalNetworks) and from Received lines written by other hosts, so
 * every string is length-capped and anything unexpected is "not an
 * address" (-1 / false), never an error.  IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d, as dual-stack MTAs log IPv4 clients) are compared as
 * IPv4 on either side.
 */
#include "netaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Longest text we accept: a full IPv6 address with an embedded IPv4 tail,
 * "[IPv6:" decoration, a zone and a prefix fit well inside this. */
#define NETADDR_TEXT_MAX 96

static const uint8_t netaddr_v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0,
                                                    0, 0, 0, 0, 0xff, 0xff};

/* Copy TEXT without surrounding blanks, brackets and an "IPv6:" tag into
 * BUF; split off "/prefix" into *PREFIX (NULL when absent).  Returns 0, or
 * -1 when the text is too long or badly bracketed. */
static int
netaddr_strip(const char *text, char *buf, size_t buflen, char **prefix)
{
	while (isspace((unsigned char)*text))
		text++;
	size_t len = strnlen(text, NETADDR_TEXT_MAX + 1);
	if (len > NETADDR_TEXT_MAX || len >= buflen)
		return -1;
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	memcpy(buf, text, len);
	buf[len] = '\0';

	char *p = buf;
	if (*p == '[') {
		char *close = strchr(p, ']');
		if (close == NULL)
			return -1;
		/* "[addr]/len" is not a form anyone writes; only "[addr]". */
		if (close[1] != '\0')
			return -1;
		*close = '\0';
		p++;
	}
	if (strncasecmp(p, "IPv6:", 5) == 0)
		p += 5;
	memmove(buf, p, strlen(p) + 1);

	*prefix = strchr(buf, '/');
	if (*prefix != NULL)
		*(*prefix)++ = '\0';
	/* A zone ("fe80::1%eth0") says which link, not which address. */
	char *zone = strchr(buf, '%');
	if (zone != NULL)
		*zone = '\0';
	return buf[0] != '\0' ? 0 : -1;
}

/* Parse a decimal prefix length of at most MAX bits. */
static int
netaddr_parse_prefix(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i = 0;

	if (s[0] == '\0')
		return -1;
	for (; s[i] != '\0'; i++) {
		if (!isdigit((unsigned char)s[i]) || i >= 3)
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Clear the host bits beyond PREFIX so that equal networks compare equal. */
static void
netaddr_mask(uint8_t *addr, size_t nbytes, unsigned prefix)
{
	for (size_t i = 0; i < nbytes; i++) {
		unsigned bit = (unsigned)i * 8;
		if (bit >= prefix)
			addr[i] = 0;
		else if (prefix - bit < 8)
			addr[i] &= (uint8_t)(0xff00u >> (prefix - bit));
	}
}

int
netaddr_parse_cidr(const char *text, emg_cidr_t *out)
{
	char buf[NETADDR_TEXT_MAX + 1];
	char *prefix = NULL;
	emg_cidr_t c;

	if (text == NULL || out == NULL)
		return -1;
	if (netaddr_strip(text, buf, sizeof(buf), &prefix) != 0)
		return -1;
	memset(&c, 0, sizeof(c));
	if (strchr(buf, ':') != NULL) {
		if (inet_pton(AF_INET6, buf, c.addr) != 1)
			return -1;
		c.family = AF_INET6;
		c.prefix = 128;
	} else {
		if (inet_pton(AF_INET, buf, c.addr) != 1)
			return -1;
		c.family = AF_INET;
		c.prefix = 32;
	}
	if (prefix != NULL &&
	    netaddr_parse_prefix(prefix, c.prefix, &c.prefix) != 0)
		return -1;
	netaddr_mask(c.addr, c.family == AF_INET ? 4 : 16, c.prefix);
	*out = c;
	return 0;
}

/* Rewrite an IPv4-mapped IPv6 address or network as IPv4 so that the two
 * spellings of one client compare equal.  A mapped network shorter than
 * /96 covers more than IPv4 space and stays IPv6. */
static void
netaddr_unmap(emg_cidr_t *c)
{
	if (c->family != AF_INET6 || c->prefix < 96 ||
	    memcmp(c->addr, netaddr_v4mapped_prefix, 12) != 0)
		return;
	memmove(c->addr, c->addr + 12, 4);
	memset(c->addr + 4, 0, 12);
	c->family = AF_INET;
	c->prefix -= 96;
}

/* True when the host address IP lies in NET (both already unmapped). */
static bool
netaddr_match(const emg_cidr_t *net, const emg_cidr_t *ip)
{
	if (net->family != ip->family)
		return false;
	unsigned full = net->prefix / 8, rest = net->prefix % 8;
	if (memcmp(net->addr, ip->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (net->addr[full] & mask) == (ip->addr[full] & mask);
}

bool
netaddr_in_list(const char *ip, const emg_cidr_t *nets, size_t n)
{
	emg_cidr_t host;

	if (ip == NULL || nets == NULL)
		return false;
	if (netaddr_parse_cidr(ip, &host) != 0)
		return false;
	/* A network in the list is not a client address. */
	if (host.prefix != (host.family == AF_INET ? 32u : 128u))
		return false;
	netaddr_unmap(&host);
	for (size_t i = 0; i < n; i++) {
		emg_cidr_t net = nets[i];
		netaddr_unmap(&net);
		if (netaddr_match(&net, &host))
			return true;
	}
	return false;
}
