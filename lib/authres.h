/*
 * authres.h - Authentication-Results (RFC 8601) parsing, for the
 * spoof.auth_fail analyzer in authres.c.
 *
 * The parser is exposed for the table-driven tests.  It is bounded: a
 * header holds at most AUTHRES_MAX_RESULTS results of at most
 * AUTHRES_MAX_PROPS properties each; what does not fit is counted in
 * `dropped` and ignored.  Values longer than their field are cut.
 */
#ifndef EMG_AUTHRES_H
#define EMG_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer.h"

#define AUTHRES_MAX_RESULTS 16
#define AUTHRES_MAX_PROPS 6

typedef struct authres_prop {
	char ptype[32];  /* lowercased "smtp", "header", ...; "" for a bare
	                  * "reason=" or "action=" */
	char name[32];   /* lowercased property, e.g. "mailfrom", "from" */
	char value[192]; /* unquoted, as written */
} authres_prop_t;

typedef struct authres_result {
	char method[24];  /* lowercased, e.g. "spf", "dkim", "dmarc" */
	char result[24];  /* lowercased, e.g. "pass", "fail", "softfail" */
	authres_prop_t props[AUTHRES_MAX_PROPS];
	size_t n_props;
} authres_result_t;

typedef struct authres {
	char authserv_id[256]; /* lowercased */
	unsigned version;      /* 1 when not given */
	bool none;             /* "; none": no authentication was done */
	authres_result_t res[AUTHRES_MAX_RESULTS];
	size_t n;
	size_t dropped; /* results and properties that did not fit */
} authres_t;

/* Parse one Authentication-Results header value.  Returns 0, or -1 when
 * there is no authserv-id (Office 365 writes none): OUT then holds what
 * could be read, but nothing in it is to be believed.  Malformed result
 * clauses are skipped, never fatal. */
int authres_parse(const char *value, authres_t *out);

/* The value of property "PTYPE.NAME" (e.g. "header.from") of R, or NULL. */
const char *authres_prop(const authres_result_t *r, const char *ptype,
                         const char *name);

#endif
