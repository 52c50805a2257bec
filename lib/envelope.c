/*
 * envelope.c - the SMTP envelope of a scan (see envelope.h).
 *
 * The MTA or the command line gives what it knows; what is missing is
 * derived from the headers our own MTA wrote on top of the message:
 * Return-Path (the sender), Delivered-To / X-Original-To (the recipient)
 * and the first Received line, from the top, whose client lies outside
 * InternalNetworks.  Received lines below that one were written by hosts we
 * do not control and are never believed.
 *
 * The Received parser knows the "from" clauses of Postfix, Sendmail, Exim,
 * Exchange / Office 365, qmail, IronPort and fetchmail.  It relies on
 * netaddr.c for addresses; input is hostile, so every token is
 * length-capped and a line without a usable address is simply skipped.
 */
#include "envelope.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "netaddr.h"

/* A token longer than this is neither an address nor a host name. */
#define ENVELOPE_TOKEN_MAX 255
/* Received lines examined when deriving the client. */
#define ENVELOPE_RECEIVED_MAX 100

/* Where a candidate address was found; lower is more trustworthy.  The
 * comment is what the receiving MTA looked up itself; the first token is
 * the client's own claim (HELO) with Postfix and Sendmail. */
enum {
	RCVD_IP_COMMENT = 1,
	RCVD_IP_TOPLEVEL = 2,
	RCVD_IP_FIRST = 3,
	RCVD_IP_NONE = 4,
};

typedef struct envelope_rcvd {
	const char *p;      /* read position in the header value */
	unsigned depth;     /* comment nesting */
	bool helo_next;     /* the previous token was "HELO" / "EHLO" */
	bool seen_first;    /* the first top-level token has been read */
	int ip_rank;        /* RCVD_IP_* of the best address so far */
} envelope_rcvd_t;

/* Copy at most BUFLEN-1 bytes of S (LEN bytes) into BUF. */
static void
envelope_copy(char *buf, size_t buflen, const char *s, size_t len)
{
	if (buflen == 0)
		return;
	if (len >= buflen)
		len = buflen - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
}

/* One step of envelope_rcvd_token(): (size_t)-1 for an empty token. */
static size_t
envelope_rcvd_step(envelope_rcvd_t *r, char *tok, size_t toklen)
{
	static const char *const clause_end[] = {"by", "with", "id", "via",
	                                         "for"};

	for (;;) {
		while (isspace((unsigned char)*r->p))
			r->p++;
		if (*r->p == '(') {
			r->depth++;
			r->p++;
			continue;
		}
		if (*r->p == ')') {
			if (r->depth > 0)
				r->depth--;
			r->p++;
			continue;
		}
		if (*r->p == ';' && r->depth > 0) {
			r->p++;
			continue;
		}
		break;
	}
	if (*r->p == '\0' || *r->p == ';')
		return 0;
	size_t len = strcspn(r->p, " \t\r\n();");
	envelope_copy(tok, toklen, r->p, len);
	r->p += len;
	/* IronPort and others quote the greeting: ("EHLO name"). */
	if (tok[0] == '"')
		memmove(tok, tok + 1, strlen(tok));
	size_t tl = strlen(tok);
	if (tl > 0 && tok[tl - 1] == '"')
		tok[--tl] = '\0';
	if (tl == 0)
		return (size_t)-1;
	if (r->depth == 0)
		for (size_t i = 0; i < sizeof(clause_end) / sizeof(*clause_end);
		     i++)
			if (strcasecmp(tok, clause_end[i]) == 0)
				return 0;
	return len;
}

/* The next token of the "from" clause into TOK.  Returns its length, or 0
 * at the end of the clause (";", or "by"/"with"/... outside comments). */
static size_t
envelope_rcvd_token(envelope_rcvd_t *r, char *tok, size_t toklen)
{
	size_t len;

	/* Each step consumes input, so this ends with the value. */
	while ((len = envelope_rcvd_step(r, tok, toklen)) == (size_t)-1)
		;
	return len;
}

/* When TOK holds an address ("192.0.2.1", "[192.0.2.1]:25",
 * "[IPv6:2001:db8::1]", "user@192.0.2.1"), write it in canonical form
 * into IP and return 0. */
static int
envelope_token_ip(const char *tok, char *ip, size_t iplen)
{
	char buf[ENVELOPE_TOKEN_MAX + 1];
	const char *at = strrchr(tok, '@');
	emg_cidr_t c;

	if (at != NULL)
		tok = at + 1;
	envelope_copy(buf, sizeof(buf), tok, strlen(tok));
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (close == NULL)
			return -1;
		close[1] = '\0';
	}
	if (strchr(buf, '/') != NULL || netaddr_parse_cidr(buf, &c) != 0)
		return -1;
	char out[INET6_ADDRSTRLEN];
	if (inet_ntop(c.family, c.addr, out, sizeof(out)) == NULL)
		return -1;
	envelope_copy(ip, iplen, out, strlen(out));
	return 0;
}

/* Take in one token of the clause: a HELO name, or a candidate address. */
static void
envelope_rcvd_take(envelope_rcvd_t *r, const char *tok, char *ip,
                   size_t iplen, char *helo, size_t helolen, bool *have_helo)
{
	bool first = r->depth == 0 && !r->seen_first;

	if (r->depth == 0)
		r->seen_first = true;
	if (r->helo_next || strncasecmp(tok, "helo=", 5) == 0) {
		/* qmail/IronPort "(HELO name)", Exim "helo=name": a claim. */
		const char *name = r->helo_next ? tok : tok + 5;
		envelope_copy(helo, helolen, name, strlen(name));
		*have_helo = true;
		r->helo_next = false;
		return;
	}
	if (r->depth > 0 && (strcasecmp(tok, "HELO") == 0 ||
	                     strcasecmp(tok, "EHLO") == 0)) {
		r->helo_next = true;
		return;
	}
	if (first && !*have_helo)
		envelope_copy(helo, helolen, tok, strlen(tok));
	int rank = r->depth > 0 ? RCVD_IP_COMMENT
	                        : first ? RCVD_IP_FIRST : RCVD_IP_TOPLEVEL;
	char cand[INET6_ADDRSTRLEN];
	if (rank < r->ip_rank &&
	    envelope_token_ip(tok, cand, sizeof(cand)) == 0) {
		envelope_copy(ip, iplen, cand, strlen(cand));
		r->ip_rank = rank;
	}
}

int
envelope_parse_received(const char *value, char *ip, size_t iplen,
                        char *helo, size_t helolen)
{
	envelope_rcvd_t r = {.ip_rank = RCVD_IP_NONE};
	char tok[ENVELOPE_TOKEN_MAX + 1];
	bool have_helo = false;

	if (iplen > 0)
		ip[0] = '\0';
	if (helolen > 0)
		helo[0] = '\0';
	if (value == NULL)
		return -1;
	while (isspace((unsigned char)*value))
		value++;
	if (strncasecmp(value, "from", 4) != 0 ||
	    !(isspace((unsigned char)value[4]) || value[4] == '(' ||
	      value[4] == '['))
		return -1;
	r.p = value + 4;
	while (envelope_rcvd_token(&r, tok, sizeof(tok)) > 0)
		envelope_rcvd_take(&r, tok, ip, iplen, helo, helolen,
		                   &have_helo);
	return r.ip_rank == RCVD_IP_NONE ? -1 : 0;
}

/* True when IP is the local host or in InternalNetworks. */
static bool
envelope_ip_internal(const char *ip, const emg_config_t *cfg)
{
	static const emg_cidr_t loopback[] = {
		{.family = AF_INET, .addr = {127}, .prefix = 8},
		{.family = AF_INET6, .addr = {[15] = 1}, .prefix = 128},
	};

	if (netaddr_in_list(ip, loopback, 2))
		return true;
	return cfg != NULL &&
	       netaddr_in_list(ip, cfg->internal_networks,
	                       cfg->n_internal_networks);
}

/* The addr-spec of a Return-Path / Delivered-To / MAIL FROM value:
 * "<a@b>" -> "a@b", "<>" -> "", "a@b" -> "a@b".  NULL when out of
 * memory. */
static char *
envelope_addr_spec(const char *v)
{
	const char *lt = strchr(v, '<');
	size_t len;

	if (lt != NULL) {
		v = lt + 1;
		len = strcspn(v, ">");
	} else {
		while (isspace((unsigned char)*v))
			v++;
		len = strcspn(v, " \t\r\n");
	}
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*v)) {
		v++;
		len--;
	}
	return strndup(v, len);
}

/* Copy S into *DST unless S is NULL.  Returns -1 when out of memory. */
static int
envelope_dup(char **dst, const char *s)
{
	if (s == NULL)
		return 0;
	*dst = strdup(s);
	return *dst != NULL ? 0 : -1;
}

/* Add the addr-spec of TEXT ("Name <a@b>", "<a@b>", "a@b") to the
 * recipients, unless it is empty.  Returns 0, or -1 when out of memory. */
static int
envelope_add_rcpt(emg_env_t *out, const char *text)
{
	char *a = envelope_addr_spec(text);
	if (a == NULL)
		return -1;
	int rc = a[0] != '\0' ? strlist_add(&out->rcpts, a, (size_t)-1) : 0;
	free(a);
	return rc;
}

/* Copy what the MTA or the command line gave. */
static int
envelope_copy_given(const emg_envelope_t *g, emg_env_t *out)
{
	if (g->mail_from != NULL &&
	    (out->mail_from = envelope_addr_spec(g->mail_from)) == NULL)
		return -1;
	for (size_t i = 0; g->rcpts != NULL && i < g->n_rcpts; i++)
		if (g->rcpts[i] != NULL && envelope_add_rcpt(out, g->rcpts[i]) != 0)
			return -1;
	if (g->client_ip != NULL && g->client_ip[0] != '\0') {
		char canon[INET6_ADDRSTRLEN];
		/* The milter's macros write "[192.0.2.1]" or "IPv6:...". */
		const char *ip = envelope_token_ip(g->client_ip, canon,
		                                   sizeof(canon)) == 0
		                     ? canon
		                     : g->client_ip;
		if (envelope_dup(&out->client_ip, ip) != 0 ||
		    envelope_dup(&out->helo, g->helo) != 0)
			return -1;
	}
	if (g->auth_user != NULL && g->auth_user[0] != '\0' &&
	    envelope_dup(&out->auth_user, g->auth_user) != 0)
		return -1;
	return 0;
}

/* The recipient from the topmost Delivered-To, else X-Original-To. */
static int
envelope_derive_rcpt(const emg_message_t *msg, emg_env_t *out)
{
	static const char *const names[] = {"Delivered-To", "X-Original-To"};

	for (size_t i = 0; i < 2; i++) {
		const char *v = message_header(msg, names[i]);
		if (v == NULL)
			continue;
		if (envelope_add_rcpt(out, v) != 0)
			return -1;
		if (out->rcpts.n > 0) {
			out->derived |= ENV_DERIVED_RCPTS;
			return 0;
		}
	}
	return 0;
}

/* Client address and HELO from the Received chain, from the top: the first
 * hop whose client is outside, else the topmost hop with an address. */
static int
envelope_derive_client(const emg_message_t *msg, const emg_config_t *cfg,
                       emg_env_t *out)
{
	char ip[INET6_ADDRSTRLEN], helo[ENVELOPE_TOKEN_MAX + 1];
	char top_ip[INET6_ADDRSTRLEN] = "", top_helo[ENVELOPE_TOKEN_MAX + 1];
	const emg_header_t *h;
	bool found = false;

	for (size_t i = 0; i < ENVELOPE_RECEIVED_MAX &&
	                   (h = message_header_nth(msg, "Received", i)) != NULL;
	     i++) {
		if (envelope_parse_received(h->value, ip, sizeof(ip), helo,
		                            sizeof(helo)) != 0)
			continue;
		if (top_ip[0] == '\0') {
			strcpy(top_ip, ip);
			strcpy(top_helo, helo);
		}
		if (!envelope_ip_internal(ip, cfg)) {
			found = true;
			break;
		}
	}
	if (!found) {
		if (top_ip[0] == '\0')
			return 0;
		strcpy(ip, top_ip);
		strcpy(helo, top_helo);
	}
	out->client_ip = strdup(ip);
	out->helo = strdup(helo);
	if (out->client_ip == NULL || out->helo == NULL)
		return -1;
	out->derived |= ENV_DERIVED_CLIENT;
	return 0;
}

/* Fill the fields that follow from the others. */
static int
envelope_finish(const emg_config_t *cfg, emg_env_t *out)
{
	if (out->mail_from != NULL) {
		const char *at = strrchr(out->mail_from, '@');
		if (at != NULL && at[1] != '\0') {
			size_t len = strlen(at + 1);
			while (len > 0 && at[len] == '.')
				len--;
			if ((out->mail_from_domain = strndup(at + 1, len)) ==
			    NULL)
				return -1;
			for (char *p = out->mail_from_domain; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
	}
	/* The session's client is inside only when InternalNetworks says so
	 * (its default holds loopback): an MX that receives through a local
	 * content filter or a test rig on 127.0.0.1 lists loopback out.  The
	 * Received chain, in contrast, always counts a loopback hop as ours. */
	out->client_internal =
		out->client_ip != NULL && cfg != NULL &&
		netaddr_in_list(out->client_ip, cfg->internal_networks,
		                cfg->n_internal_networks);
	out->outbound = out->client_internal || out->auth_user != NULL;
	return 0;
}

emg_status_t
envelope_build(const emg_envelope_t *given, const emg_message_t *msg,
               const emg_config_t *cfg, emg_env_t *out)
{
	int rc = 0;

	if (out == NULL)
		return EMG_EINVAL;
	memset(out, 0, sizeof(*out));
	if (given != NULL)
		rc = envelope_copy_given(given, out);
	if (rc == 0 && msg != NULL && out->mail_from == NULL) {
		const char *rp = message_header(msg, "Return-Path");
		if (rp != NULL) {
			out->mail_from = envelope_addr_spec(rp);
			if (out->mail_from == NULL)
				rc = -1;
			else
				out->derived |= ENV_DERIVED_MAIL_FROM;
		}
	}
	if (rc == 0 && msg != NULL && out->rcpts.n == 0)
		rc = envelope_derive_rcpt(msg, out);
	if (rc == 0 && msg != NULL && out->client_ip == NULL)
		rc = envelope_derive_client(msg, cfg, out);
	if (rc == 0)
		rc = envelope_finish(cfg, out);
	if (rc != 0) {
		envelope_free(out);
		return EMG_ENOMEM;
	}
	return EMG_OK;
}

void
envelope_free(emg_env_t *env)
{
	if (env == NULL)
		return;
	free(env->mail_from);
	free(env->mail_from_domain);
	strlist_free(&env->rcpts);
	free(env->client_ip);
	free(env->helo);
	free(env->auth_user);
	memset(env, 0, sizeof(*env));
}
