/*
 * domain.h - domain names: organisational domains through libpsl, subdomain
 * tests, free-mail lookup.
 */
#ifndef EMG_DOMAIN_H
#define EMG_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "strlist.h"

struct psl_ctx_st;

/* The registrable (organisational) domain of DOMAIN, lowercased, into BUF:
 * "mail.example.co.jp" -> "example.co.jp".  When DOMAIN is itself a public
 * suffix or not a domain, BUF gets DOMAIN lowercased.  Returns BUF. */
const char *domain_org(const struct psl_ctx_st *psl, const char *domain,
                       char *buf, size_t buflen);
/* True when D equals PARENT or is a subdomain of it (case-insensitive). */
bool domain_is_or_sub(const char *d, const char *parent);
/* True when D or its organisational domain is in LIST, or D is a subdomain
 * of an entry of LIST. */
bool domain_in_list(const struct psl_ctx_st *psl, const char *d,
                    const emg_strlist_t *list);

#endif
