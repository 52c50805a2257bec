/*
 * domain.c - domain names: organisational (registrable) domains through
 * libpsl, subdomain tests and list lookups (see domain.h).
 *
 * Relies on libpsl.  The PSL context belongs to the scanner (psl_latest());
 * when a caller has none, libpsl's read-only built-in list is used.  Names
 * come from mail headers, so they are capped at DOMAIN_MAX bytes, and a
 * name that is not a domain is answered with itself lowercased rather than
 * an error.
 */
#include "domain.h"
#include "netaddr.h"

#include <ctype.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 1035 caps a name at 253 octets; leave room for a trailing dot. */
#define DOMAIN_MAX 255

/* Copy D into BUF lowercased, without surrounding blanks and a trailing
 * root dot.  Non-ASCII labels are lowercased through libpsl when it can.
 * Returns the length, or 0 when nothing usable is left. */
static size_t
domain_normalise(const char *d, char *buf, size_t buflen)
{
	bool ascii = true;
	size_t len = 0;

	while (isspace((unsigned char)*d))
		d++;
	for (; d[len] != '\0' && len + 1 < buflen && len < DOMAIN_MAX; len++) {
		unsigned char c = (unsigned char)d[len];
		buf[len] = (char)tolower(c);
		if (c >= 0x80)
			ascii = false;
	}
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '.' || isspace((unsigned char)buf[len - 1])))
		buf[--len] = '\0';
	if (!ascii && len > 0) {
		char *lower = NULL;
		if (psl_str_to_utf8lower(buf, "utf-8", NULL, &lower) ==
		        PSL_SUCCESS &&
		    lower != NULL && strlen(lower) < buflen) {
			strcpy(buf, lower);
			len = strlen(buf);
		}
		psl_free_string(lower);
	}
	return len;
}

/* Without a usable PSL, the last two labels are the best guess. */
static const char *
domain_last_two_labels(const char *d)
{
	const char *last = strrchr(d, '.');
	if (last == NULL)
		return d;
	for (const char *p = last - 1; p >= d; p--)
		if (*p == '.')
			return p + 1;
	return d;
}

/* An address literal has no organisation; libpsl would cut "192.0.2.1"
 * down to "2.1". */
static bool
domain_is_address(const char *d)
{
	emg_cidr_t c;
	return strchr(d, '/') == NULL && netaddr_parse_cidr(d, &c) == 0;
}

const char *
domain_org(const struct psl_ctx_st *psl, const char *domain, char *buf,
           size_t buflen)
{
	char norm[DOMAIN_MAX + 1];
	const char *org;

	if (buf == NULL || buflen == 0)
		return buf;
	buf[0] = '\0';
	if (domain == NULL ||
	    domain_normalise(domain, norm, sizeof(norm)) == 0)
		return buf;
	if (psl == NULL)
		psl = psl_builtin();
	if (domain_is_address(norm))
		org = norm;
	else if (psl != NULL)
		org = psl_registrable_domain(psl, norm);
	else
		org = domain_last_two_labels(norm);
	if (org == NULL)
		org = norm;
	size_t len = strlen(org);
	if (len >= buflen)
		len = buflen - 1;
	memcpy(buf, org, len);
	buf[len] = '\0';
	return buf;
}

bool
domain_is_or_sub(const char *d, const char *parent)
{
	char dn[DOMAIN_MAX + 1], pn[DOMAIN_MAX + 1];

	if (d == NULL || parent == NULL)
		return false;
	/* A list entry may be written ".example.test" to mean subdomains. */
	while (*parent == '.')
		parent++;
	size_t dl = domain_normalise(d, dn, sizeof(dn));
	size_t pl = domain_normalise(parent, pn, sizeof(pn));
	if (dl == 0 || pl == 0 || dl < pl)
		return false;
	if (strcmp(dn + (dl - pl), pn) != 0)
		return false;
	return dl == pl || dn[dl - pl - 1] == '.';
}

bool
domain_in_list(const struct psl_ctx_st *psl, const char *d,
               const emg_strlist_t *list)
{
	char org[DOMAIN_MAX + 1];

	if (d == NULL || list == NULL || list->n == 0)
		return false;
	domain_org(psl, d, org, sizeof(org));
	for (size_t i = 0; i < list->n; i++) {
		if (domain_is_or_sub(d, list->v[i]))
			return true;
		if (org[0] != '\0' && domain_is_or_sub(org, list->v[i]))
			return true;
	}
	return false;
}
