/*
 * authres.c - the spoof.auth_fail analyzer: SPF, DKIM and DMARC failures
 * reported in Authentication-Results headers (RFC 8601) by one of our own
 * TrustedAuthservIDs, and such headers forged by the sender.
 *
 * Relies on envelope.c (Received line parsing) and netaddr.c
 * (InternalNetworks) to tell our own headers from ones that came with the
 * message: ours sit above the topmost Received line whose client is
 * outside InternalNetworks.  The parser is a small bounded scanner over
 * the header value: comments, quoted strings and unknown clauses are
 * skipped, nothing in a header can make it fail or loop.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "authres.h"
#include "envelope.h"
#include "netaddr.h"
#include "strlist.h"

/* ---- lexing ----------------------------------------------------------- */

/* Skip blanks and (nested) comments; an unclosed comment ends the value. */
static void authres_skip_cfws(const char **pp)
{
	const char *p = *pp;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			break;
		unsigned long depth = 0;

		do {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			p++;
		} while (*p != '\0' && depth > 0);
	}
	*pp = p;
}

/* Append C to BUF (LEN bytes) at *O, cutting silently at the end. */
static void authres_put(char *buf, size_t len, size_t *o, char c)
{
	if (*o + 1 < len)
		buf[(*o)++] = c;
}

/* A quoted string starting at the '"' under *PP, unescaped into BUF. */
static void authres_read_quoted(const char **pp, char *buf, size_t len)
{
	const char *p = *pp + 1;
	size_t o = 0;

	while (*p != '\0' && *p != '"') {
		if (*p == '\\' && p[1] != '\0')
			p++;
		authres_put(buf, len, &o, *p++);
	}
	if (*p == '"')
		p++;
	buf[o] = '\0';
	*pp = p;
}

/* A keyword (letters, digits, '-', '_'), lowercased into BUF. */
static size_t authres_read_keyword(const char **pp, char *buf, size_t len)
{
	const char *p = *pp;
	size_t o = 0, n = 0;

	while (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
		authres_put(buf, len, &o, (char)tolower((unsigned char)*p++));
		n++;
	}
	buf[o] = '\0';
	*pp = p;
	return n;
}

/* A value: a quoted string or a run up to a blank, ';' or '('. */
static size_t authres_read_value(const char **pp, char *buf, size_t len)
{
	const char *p, *start;
	size_t o = 0;

	authres_skip_cfws(pp);
	p = start = *pp;
	if (*p == '"') {
		authres_read_quoted(pp, buf, len);
		return (size_t)(*pp - start);
	}
	while (*p != '\0' && *p != ';' && *p != '(' && *p != '"' &&
	       !isspace((unsigned char)*p))
		authres_put(buf, len, &o, *p++);
	buf[o] = '\0';
	*pp = p;
	return (size_t)(p - start);
}

/* Move to the next ';' outside comments and quoted strings. */
static void authres_skip_clause(const char **pp)
{
	const char *p = *pp;
	char junk[8];

	while (*p != '\0' && *p != ';') {
		if (*p == '(')
			authres_skip_cfws(&p);
		else if (*p == '"')
			authres_read_quoted(&p, junk, sizeof(junk));
		else
			p++;
	}
	*pp = p;
}

/* ---- parsing ---------------------------------------------------------- */

/* The properties after "method=result", up to the next ';'.  R may be
 * NULL when the result did not fit: the text is consumed all the same. */
static void authres_parse_props(const char **pp, authres_t *out,
                                authres_result_t *r)
{
	const char *p = *pp;

	for (;;) {
		char k1[32], k2[32], v[192];
		const char *before;

		authres_skip_cfws(&p);
		if (*p == '\0' || *p == ';')
			break;
		before = p;
		authres_read_keyword(&p, k1, sizeof(k1));
		authres_skip_cfws(&p);
		k2[0] = '\0';
		bool named = k1[0] != '\0';
		if (*p == '.') {
			p++;
			authres_skip_cfws(&p);
			named = authres_read_keyword(&p, k2, sizeof(k2)) > 0 && named;
			authres_skip_cfws(&p);
		}
		if (*p != '=' || !named) {
			/* Not a property: step over one value of junk. */
			if (p == before && authres_read_value(&p, v, sizeof(v)) == 0)
				p++;
			continue;
		}
		p++;
		authres_read_value(&p, v, sizeof(v));
		if (r == NULL || r->n_props == AUTHRES_MAX_PROPS) {
			out->dropped++;
			continue;
		}
		authres_prop_t *pr = &r->props[r->n_props++];
		/* "reason=" and "action=" have no ptype. */
		snprintf(pr->ptype, sizeof(pr->ptype), "%s", k2[0] ? k1 : "");
		snprintf(pr->name, sizeof(pr->name), "%s", k2[0] ? k2 : k1);
		snprintf(pr->value, sizeof(pr->value), "%s", v);
	}
	*pp = p;
}

/* One resinfo after its ';': "method[/version]=result props...". */
static void authres_parse_resinfo(const char **pp, authres_t *out)
{
	const char *p = *pp;
	char method[24], result[24];
	authres_result_t *r = NULL;

	authres_skip_cfws(&p);
	if (authres_read_keyword(&p, method, sizeof(method)) == 0)
		goto done;
	authres_skip_cfws(&p);
	if (strcmp(method, "none") == 0 && (*p == '\0' || *p == ';')) {
		out->none = true;
		goto done;
	}
	if (*p == '/') {
		p++;
		authres_skip_cfws(&p);
		while (isdigit((unsigned char)*p))
			p++;
		authres_skip_cfws(&p);
	}
	/* Anything else (SpamAssassin's leading "header.From=...") is not
	 * a result; the caller skips the clause. */
	if (*p != '=')
		goto done;
	p++;
	authres_skip_cfws(&p);
	if (authres_read_keyword(&p, result, sizeof(result)) == 0)
		goto done;
	if (out->n < AUTHRES_MAX_RESULTS) {
		r = &out->res[out->n++];
		memcpy(r->method, method, sizeof(method));
		memcpy(r->result, result, sizeof(result));
	} else {
		out->dropped++;
	}
	authres_parse_props(&p, out, r);
done:
	*pp = p;
}

/* The authserv-id and the optional version.  Returns -1 without an id. */
static int authres_parse_id(const char **pp, authres_t *out)
{
	const char *p = *pp;
	size_t o = 0;

	authres_skip_cfws(&p);
	if (*p == '"') {
		authres_read_quoted(&p, out->authserv_id,
		                    sizeof(out->authserv_id));
	} else {
		while (*p != '\0' && *p != ';' && *p != '(' &&
		       !isspace((unsigned char)*p))
			authres_put(out->authserv_id, sizeof(out->authserv_id),
			            &o, (char)tolower((unsigned char)*p++));
		out->authserv_id[o] = '\0';
	}
	/* "spf=pass ..." with no id at all. */
	if (out->authserv_id[0] == '\0' || strchr(out->authserv_id, '=') != NULL)
		return -1;
	authres_skip_cfws(&p);
	if (isdigit((unsigned char)*p)) {
		unsigned long v = 0;

		while (isdigit((unsigned char)*p)) {
			if (v < 1000)
				v = v * 10 + (unsigned long)(*p - '0');
			p++;
		}
		out->version = (unsigned)v;
	}
	*pp = p;
	return 0;
}

int authres_parse(const char *value, authres_t *out)
{
	const char *p = value;

	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->version = 1;
	if (value == NULL)
		return -1;
	/* Office 365 writes no authserv-id at all.  Its results are parsed
	 * all the same, but the header can never be trusted. */
	if (authres_parse_id(&p, out) < 0) {
		out->authserv_id[0] = '\0';
		p = value;
		authres_parse_resinfo(&p, out);
		rc = -1;
	}
	for (;;) {
		authres_skip_cfws(&p);
		if (*p == '\0')
			break;
		if (*p != ';') {
			authres_skip_clause(&p);
			continue;
		}
		p++;
		authres_parse_resinfo(&p, out);
	}
	return rc;
}

const char *authres_prop(const authres_result_t *r, const char *ptype,
                         const char *name)
{
	for (size_t i = 0; i < r->n_props; i++)
		if (strcmp(r->props[i].ptype, ptype) == 0 &&
		    strcmp(r->props[i].name, name) == 0)
			return r->props[i].value;
	return NULL;
}

/* ---- the analyzer ----------------------------------------------------- */

static const emg_symbol_t authres_symbols[] = {
	{"SPOOF_AUTH_DMARC_FAIL", "spoof.auth_fail", 5.0, EMG_ACTION_ACCEPT,
	 "Our Authentication-Results says DMARC fail: the From domain is not "
	 "authenticated"},
	{"SPOOF_AUTH_SPF_FAIL", "spoof.auth_fail", 3.0, EMG_ACTION_ACCEPT,
	 "Our Authentication-Results says SPF fail for the envelope sender"},
	{"SPOOF_AUTH_SPF_SOFTFAIL", "spoof.auth_fail", 1.5, EMG_ACTION_ACCEPT,
	 "Our Authentication-Results says SPF softfail for the envelope sender"},
	{"SPOOF_AUTH_DKIM_FAIL", "spoof.auth_fail", 2.0, EMG_ACTION_ACCEPT,
	 "Our Authentication-Results says DKIM fail and no signature passed"},
	{"SPOOF_AUTHRES_FORGED", "spoof.auth_fail", 4.0, EMG_ACTION_ACCEPT,
	 "An Authentication-Results header with our authserv-id came with the "
	 "message from outside"},
};

/* What the trusted headers said, gathered before anything is emitted. */
typedef struct authres_verdict {
	char dmarc[320], spf[320], softfail[320], dkim[320];
	bool dkim_pass;
} authres_verdict_t;

/* The loopback networks count as inside, as in envelope.c. */
static bool authres_ip_internal(const char *ip, const emg_config_t *cfg)
{
	static const emg_cidr_t loopback[] = {
		{.family = AF_INET, .addr = {127}, .prefix = 8},
		{.family = AF_INET6, .addr = {[15] = 1}, .prefix = 128},
	};

	return netaddr_in_list(ip, loopback, 2) ||
	       netaddr_in_list(ip, cfg->internal_networks,
	                       cfg->n_internal_networks);
}

/* Where our own headers end.  `outside` is the topmost Received whose
 * client is outside InternalNetworks: our MTA's own line.  `next` is the
 * Received below it, added by the previous hop (n_headers when none).
 * Milters such as OpenDKIM and OpenDMARC insert their Authentication-Results
 * right below our Received line (smfi_insheader index 1), so the block
 * between `outside` and `next` is ours too, unless our MTA already put
 * trusted headers above its Received line: an MTA adds them in one place,
 * so a second set lower down came with the message. */
typedef struct authres_zone {
	size_t outside;
	size_t next;
	bool ours_above;
} authres_zone_t;

static authres_zone_t authres_find_zone(const emg_scan_t *scan)
{
	const emg_message_t *m = scan->msg;
	authres_zone_t z = {m->n_headers, m->n_headers, false};
	char ip[64], helo[256];

	for (size_t i = 0; i < m->n_headers; i++) {
		const emg_header_t *h = &m->headers[i];

		if (h->name == NULL || strcasecmp(h->name, "Received") != 0)
			continue;
		if (z.outside < m->n_headers) {
			z.next = i;
			break;
		}
		if (envelope_parse_received(h->value, ip, sizeof(ip), helo,
		                            sizeof(helo)) == 0 &&
		    !authres_ip_internal(ip, scan->cfg))
			z.outside = i;
	}
	return z;
}

/* True when the trusted header at index I came with the message. */
static bool authres_forged_at(const authres_zone_t *z, size_t i)
{
	if (i < z->outside)
		return false;
	if (i < z->next)
		return z->ours_above;
	return true;
}

/* "spf=fail smtp.mailfrom=x@y (by mx.example.test)" into BUF, once. */
static void authres_describe(char *buf, size_t len, const authres_t *ar,
                             const authres_result_t *r,
                             const char *const *props)
{
	const char *v = NULL;
	size_t i;

	if (buf[0] != '\0')
		return;
	for (i = 0; props[i] != NULL; i += 2)
		if ((v = authres_prop(r, props[i], props[i + 1])) != NULL)
			break;
	if (v != NULL)
		snprintf(buf, len, "%s=%s %s.%s=%s (by %s)", r->method, r->result,
		         props[i], props[i + 1], v, ar->authserv_id);
	else
		snprintf(buf, len, "%s=%s (by %s)", r->method, r->result,
		         ar->authserv_id);
}

/* Fold the results of one trusted header of ours into V. */
static void authres_collect(const authres_t *ar, authres_verdict_t *v)
{
	static const char *const spf_props[] = {"smtp", "mailfrom", "smtp",
	                                        "helo", NULL};
	static const char *const dkim_props[] = {"header", "d", "header", "i",
	                                         NULL};
	static const char *const dmarc_props[] = {"header", "from", NULL};

	for (size_t i = 0; i < ar->n; i++) {
		const authres_result_t *r = &ar->res[i];
		bool fail = strcmp(r->result, "fail") == 0 ||
		            strcmp(r->result, "hardfail") == 0;

		if (strcmp(r->method, "dmarc") == 0 && fail)
			authres_describe(v->dmarc, sizeof(v->dmarc), ar, r,
			                 dmarc_props);
		else if (strcmp(r->method, "spf") == 0 && fail)
			authres_describe(v->spf, sizeof(v->spf), ar, r, spf_props);
		else if (strcmp(r->method, "spf") == 0 &&
		         strcmp(r->result, "softfail") == 0)
			authres_describe(v->softfail, sizeof(v->softfail), ar, r,
			                 spf_props);
		else if (strcmp(r->method, "dkim") == 0 && fail)
			authres_describe(v->dkim, sizeof(v->dkim), ar, r,
			                 dkim_props);
		else if (strcmp(r->method, "dkim") == 0 &&
		         strcmp(r->result, "pass") == 0)
			v->dkim_pass = true;
	}
}

static emg_status_t authres_emit(emg_scan_t *scan, const authres_verdict_t *v)
{
	emg_status_t rc = EMG_OK;

	if (v->dmarc[0] != '\0')
		rc = scan_emit(scan, "SPOOF_AUTH_DMARC_FAIL", "%s", v->dmarc);
	if (rc == EMG_OK && v->spf[0] != '\0')
		rc = scan_emit(scan, "SPOOF_AUTH_SPF_FAIL", "%s", v->spf);
	else if (rc == EMG_OK && v->softfail[0] != '\0')
		rc = scan_emit(scan, "SPOOF_AUTH_SPF_SOFTFAIL", "%s", v->softfail);
	/* Mailing lists break one signature while another still passes. */
	if (rc == EMG_OK && v->dkim[0] != '\0' && !v->dkim_pass)
		rc = scan_emit(scan, "SPOOF_AUTH_DKIM_FAIL", "%s", v->dkim);
	return rc;
}

/* Parse header I into AR when it is an Authentication-Results header of
 * a trusted authserv-id. */
static bool authres_trusted_at(const emg_scan_t *scan, size_t i, authres_t *ar)
{
	const emg_header_t *h = &scan->msg->headers[i];

	if (h->name == NULL ||
	    strcasecmp(h->name, "Authentication-Results") != 0)
		return false;
	return authres_parse(h->raw ? h->raw : h->value, ar) >= 0 &&
	       strlist_has_nocase(&scan->cfg->trusted_authserv_ids,
	                          ar->authserv_id);
}

static emg_status_t authres_check(emg_scan_t *scan, void *state)
{
	const emg_message_t *m = scan->msg;
	authres_verdict_t v = {0};
	emg_status_t rc = EMG_OK;
	authres_zone_t zone;
	authres_t *ar;

	(void)state;
	if (m == NULL || scan->cfg->trusted_authserv_ids.n == 0)
		return EMG_OK;
	ar = malloc(sizeof(*ar));
	if (ar == NULL)
		return EMG_ENOMEM;
	zone = authres_find_zone(scan);
	/* First pass: does our MTA put trusted headers above its line? */
	for (size_t i = 0; i < zone.outside && i < m->n_headers; i++)
		if (authres_trusted_at(scan, i, ar))
			zone.ours_above = true;
	for (size_t i = 0; i < m->n_headers && rc == EMG_OK; i++) {
		if (!authres_trusted_at(scan, i, ar))
			continue;
		if (authres_forged_at(&zone, i))
			rc = scan_emit(scan, "SPOOF_AUTHRES_FORGED",
			               "Authentication-Results by %s (header %zu) "
			               "arrived with the message from outside "
			               "(below header %zu, our Received line)",
			               ar->authserv_id, i + 1, zone.outside + 1);
		else
			authres_collect(ar, &v);
	}
	free(ar);
	if (rc == EMG_OK)
		rc = authres_emit(scan, &v);
	return rc;
}

const emg_analyzer_t authres_analyzer = {
	.name = "authres",
	.symbols = authres_symbols,
	.n_symbols = sizeof(authres_symbols) / sizeof(authres_symbols[0]),
	.check = authres_check,
};
