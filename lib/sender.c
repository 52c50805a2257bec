/*
 * sender.c - the sender analyzer: a display name that carries another
 * address or a protected person's name, From against the envelope sender,
 * Reply-To against From, and an internal From arriving from outside
 * (categories spoof.display_name, spoof.envelope_mismatch, spoof.reply_to,
 * spoof.internal_from_outside).
 *
 * Relies on the message model (message.h), the envelope (envelope.h),
 * libpsl through domain.c for organisational domains, text_nfkc() for
 * full-width forms and ICU's case folding for name comparison.  Every
 * check leans towards silence: mailing lists, forwarders (SRS), the null
 * sender, newsletters and same-organisation subdomains are business as
 * usual.  Details name addresses and domains only, cleaned of control
 * characters, never body text.  With a thread history (history.h), a
 * display name is also compared with the names of known correspondents.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/ucasemap.h>
#include <unicode/uidna.h>

#include "analyzer.h"
#include "domain.h"
#include "history.h"
#include "text.h"

/* Addresses of one header looked at; more is an attack on us, not mail. */
#define SENDER_ADDR_MAX 32
/* A display name longer than this is cut before normalisation. */
#define SENDER_NAME_MAX 1024
/* Room for a domain or an address in a detail. */
#define SENDER_BUF 256
/* Addresses of a known name looked at; a name seen at more than
 * SENDER_NAME_ORGS organisations is common ("Support"), not a person. */
#define SENDER_NAME_ADDRS 16
#define SENDER_NAME_ORGS 2

/* Scores: a signal that legitimate mail also shows (ESP bounce addresses,
 * list Reply-To) stays below the tag threshold (5) on its own; a signal
 * that is the attack itself (another address or a protected person's name
 * in the display name, our own domain from outside) tags on its own but
 * needs a second signal to reach quarantine (10). */
static const emg_symbol_t sender_symbols[] = {
	{"SPOOF_DISPLAY_NAME_ADDR", "spoof.display_name", 5.0,
	 EMG_ACTION_ACCEPT,
	 "The From display name carries an address of another organisation"},
	{"SPOOF_DISPLAY_NAME_KNOWN", "spoof.display_name", 5.0,
	 EMG_ACTION_ACCEPT,
	 "The From display name is a KnownNames person, the address is not "
	 "internal"},
	{"SPOOF_ENVELOPE_MISMATCH", "spoof.envelope_mismatch", 1.5,
	 EMG_ACTION_ACCEPT,
	 "From and envelope sender belong to unrelated organisational domains"},
	{"SPOOF_REPLY_TO_DOMAIN", "spoof.reply_to", 2.0, EMG_ACTION_ACCEPT,
	 "Reply-To points to another organisational domain than From"},
	{"SPOOF_REPLY_TO_FREEMAIL", "spoof.reply_to", 4.0, EMG_ACTION_ACCEPT,
	 "A business From with a free-mail Reply-To"},
	{"SPOOF_REPLY_TO_NEWSLETTER", "spoof.reply_to", 0.5, EMG_ACTION_ACCEPT,
	 "A newsletter or list (List-Unsubscribe) whose Reply-To is another "
	 "domain"},
	{"SPOOF_INTERNAL_FROM_OUTSIDE", "spoof.internal_from_outside", 6.0,
	 EMG_ACTION_ACCEPT,
	 "An internal From address sent by an outside, unauthenticated client"},
};

/* Per-scanner state: ICU's case mapper and IDNA converter, and the
 * KnownNames, normalised. */
typedef struct sender_state {
	UCaseMap *csm;
	UIDNA *idna;
	emg_strlist_t known; /* same order as cfg->known_names */
} sender_state_t;

/* One check's view: the scan and this scanner's state (may be NULL). */
typedef struct sender_ctx {
	emg_scan_t *scan;
	const sender_state_t *st;
} sender_ctx_t;

/* ---- helpers ------------------------------------------------------------- */

/* Copy S into BUF for a detail: control characters become '?', and a cut
 * never splits a UTF-8 sequence.  Returns BUF. */
static const char *
sender_clean(const char *s, char *buf, size_t buflen)
{
	size_t i = 0;

	for (; s != NULL && s[i] != '\0' && i + 1 < buflen; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	/* Cut before the lead byte of a sequence that did not fit. */
	if (s != NULL && s[i] != '\0')
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
	buf[i] = '\0';
	return buf;
}

/* Bytes of an invisible character (U+200B..U+200D, U+2060, U+FEFF) at S,
 * or 0.  Attackers put them into names to dodge exact matches. */
static size_t
sender_invisible(const unsigned char *s)
{
	if (s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0x8b && s[2] <= 0x8d)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0xa0)
		return 3;
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return 3;
	return 0;
}

/* Case-fold S in place into a new string with ICU (ASCII only without a
 * mapper).  Takes ownership of S; NULL when out of memory. */
static char *
sender_casefold(UCaseMap *csm, char *s, size_t len)
{
	if (csm == NULL) {
		for (size_t i = 0; i < len; i++)
			s[i] = (char)tolower((unsigned char)s[i]);
		return s;
	}
	if (len > INT32_MAX / 4) {
		free(s);
		return NULL;
	}
	/* Folding rarely grows text (ß -> ss); one retry covers the rest. */
	int32_t cap = (int32_t)len * 3 + 16;
	for (int tries = 0; tries < 2; tries++) {
		UErrorCode err = U_ZERO_ERROR;
		char *out = malloc((size_t)cap);
		if (out == NULL)
			break;
		int32_t n = ucasemap_utf8FoldCase(csm, out, cap, s, (int32_t)len,
		                                  &err);
		if (U_SUCCESS(err) && n < cap) {
			out[n] = '\0';
			free(s);
			return out;
		}
		free(out);
		if (err != U_BUFFER_OVERFLOW_ERROR)
			return s; /* keep the unfolded text rather than fail */
		cap = n + 1;
	}
	free(s);
	return NULL;
}

/* A name for comparison: NFKC (full-width to plain), case-folded, without
 * blanks, quotes and invisible characters.  NULL when out of memory. */
static char *
sender_fold_name(UCaseMap *csm, const char *name)
{
	size_t len = strnlen(name, SENDER_NAME_MAX), n = 0;
	char *nf = text_nfkc(name, len, &len);

	if (nf == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t skip = sender_invisible((const unsigned char *)nf + i);
		if (skip == 0 && (isspace((unsigned char)nf[i]) || nf[i] == '"' ||
		                  nf[i] == '\''))
			skip = 1;
		if (skip > 0) {
			i += skip;
			continue;
		}
		nf[n++] = nf[i++];
	}
	nf[n] = '\0';
	return sender_casefold(csm, nf, n);
}

/* The organisational domain of D into BUF (empty for NULL).  A U-label
 * domain is first written as A-labels, so that "pаrtner.test" in From and
 * "xn--prtner-3nf.test" in the envelope are the same organisation. */
static const char *
sender_org(const sender_ctx_t *c, const char *d, char *buf)
{
	char ascii[SENDER_BUF];

	buf[0] = '\0';
	if (d == NULL)
		return buf;
	bool plain = true;
	for (const char *p = d; *p != '\0'; p++)
		plain &= (unsigned char)*p < 0x80;
	if (!plain && c->st != NULL && c->st->idna != NULL) {
		UErrorCode err = U_ZERO_ERROR;
		UIDNAInfo info = UIDNA_INFO_INITIALIZER;
		int32_t n = uidna_nameToASCII_UTF8(c->st->idna, d, -1, ascii,
		                                   (int32_t)sizeof(ascii), &info,
		                                   &err);
		if (U_SUCCESS(err) && info.errors == 0 && n > 0 &&
		    n < (int32_t)sizeof(ascii)) {
			ascii[n] = '\0';
			d = ascii;
		}
	}
	return domain_org(c->scan->psl, d, buf, SENDER_BUF);
}

/* True when D1 and D2 share their organisational domain. */
static bool
sender_same_org(const sender_ctx_t *c, const char *d1, const char *d2)
{
	char o1[SENDER_BUF], o2[SENDER_BUF];
	sender_org(c, d1, o1);
	sender_org(c, d2, o2);
	return o1[0] != '\0' && strcmp(o1, o2) == 0;
}

/* The first From address that has a domain, or NULL. */
static const emg_address_t *
sender_from(const emg_message_t *msg)
{
	for (size_t i = 0; i < msg->from.n && i < SENDER_ADDR_MAX; i++)
		if (msg->from.v[i].addr != NULL && msg->from.v[i].domain != NULL &&
		    msg->from.v[i].domain[0] != '\0')
			return &msg->from.v[i];
	return NULL;
}

/* True for a message sent through a mailing list. */
static bool
sender_is_list(const emg_message_t *msg)
{
	return message_header(msg, "List-Id") != NULL ||
	       message_header(msg, "List-Post") != NULL;
}

/* ---- spoof.display_name -------------------------------------------------- */

static bool
sender_local_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("._%+-!#$&*=^~", c) != NULL);
}

static bool
sender_domain_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-';
}

/* Find, from *POS on in S, the next thing that looks like an address
 * ("user@host.tld", delimited by anything an address cannot hold: blanks,
 * <>, quotes, 「」, parentheses) and copy it to BUF.  Returns false when
 * there is none. */
static bool
sender_next_addr(const char *s, size_t *pos, char *buf, size_t buflen)
{
	const char *at;

	while ((at = strchr(s + *pos, '@')) != NULL) {
		size_t a = (size_t)(at - s), l = a, r = a + 1;
		*pos = a + 1;
		while (l > 0 && sender_local_char((unsigned char)s[l - 1]))
			l--;
		while (l < a && s[l] == '.')
			l++;
		while (sender_domain_char((unsigned char)s[r]))
			r++;
		while (r > a + 1 && (s[r - 1] == '.' || s[r - 1] == '-'))
			r--;
		const char *dot = memchr(at + 1, '.', r - a - 1);
		if (l == a || dot == NULL || r - l >= buflen)
			continue;
		/* The last label must look like a TLD, not "x@1.2". */
		const char *tld = at + 1;
		for (const char *p = at + 1; p < s + r; p++)
			if (*p == '.')
				tld = p + 1;
		if (s + r - tld < 2 || !isalpha((unsigned char)*tld))
			continue;
		memcpy(buf, s + l, r - l);
		buf[r - l] = '\0';
		return true;
	}
	return false;
}

/* Emit SPOOF_DISPLAY_NAME_ADDR when A's display name names an address of
 * another organisation.  Sets *fired. */
static emg_status_t
sender_display_addr(const sender_ctx_t *c, const emg_address_t *a, bool *fired)
{
	emg_scan_t *scan = c->scan;
	size_t len, pos = 0;
	char *nf = text_nfkc(a->display, strnlen(a->display, SENDER_NAME_MAX),
	                     &len);
	char found[SENDER_BUF];
	emg_status_t st = EMG_OK;

	if (nf == NULL)
		return EMG_ENOMEM;
	for (unsigned n = 0; n < SENDER_ADDR_MAX &&
	                     sender_next_addr(nf, &pos, found, sizeof(found));
	     n++) {
		if (strcasecmp(found, a->addr) == 0)
			continue;
		/* "sales@example.test" <noreply@example.test>: same sender. */
		if (sender_same_org(c, strrchr(found, '@') + 1, a->domain))
			continue;
		char c1[SENDER_BUF], c2[SENDER_BUF];
		st = scan_emit(scan, "SPOOF_DISPLAY_NAME_ADDR",
		               "display name names %s, the sender is %s",
		               sender_clean(found, c1, sizeof(c1)),
		               sender_clean(a->addr, c2, sizeof(c2)));
		*fired = true;
		break;
	}
	free(nf);
	return st;
}

/* Emit SPOOF_DISPLAY_NAME_KNOWN when A's display name is a KnownNames
 * entry and the address is outside InternalDomains. */
static emg_status_t
sender_display_known(const sender_ctx_t *c, const emg_address_t *a,
                     bool *fired)
{
	emg_scan_t *scan = c->scan;
	const sender_state_t *st = c->st;
	const emg_config_t *cfg = scan->cfg;

	/* The person writing from home ground: our domains, or a protected
	 * partner's (whose look-alikes lookalike.c catches). */
	if (cfg->known_names.n == 0 ||
	    domain_in_list(scan->psl, a->domain, &cfg->internal_domains) ||
	    domain_in_list(scan->psl, a->domain, &cfg->protected_domains))
		return EMG_OK;
	char *name = sender_fold_name(st ? st->csm : NULL, a->display);
	if (name == NULL)
		return EMG_ENOMEM;
	emg_status_t rc = EMG_OK;
	for (size_t i = 0; name[0] != '\0' && i < cfg->known_names.n; i++) {
		char *k = st && i < st->known.n
		              ? st->known.v[i]
		              : sender_fold_name(NULL, cfg->known_names.v[i]);
		bool match = k != NULL && strcmp(name, k) == 0;
		if (!(st && i < st->known.n))
			free(k);
		if (!match)
			continue;
		char c1[SENDER_BUF], c2[SENDER_BUF];
		rc = scan_emit(scan, "SPOOF_DISPLAY_NAME_KNOWN",
		               "display name is KnownNames entry \"%s\", the "
		               "address %s is not in InternalDomains or "
		               "ProtectedDomains",
		               sender_clean(cfg->known_names.v[i], c1, sizeof(c1)),
		               sender_clean(a->addr, c2, sizeof(c2)));
		*fired = true;
		break;
	}
	free(name);
	return rc;
}

/* How the history's addresses for a display name relate to the sender. */
typedef struct sender_name_seen {
	bool own;          /* the sender's address or organisation is there */
	size_t orgs;       /* other organisations seen with the name */
	char other[SENDER_BUF]; /* the most recent such address */
} sender_name_seen_t;

/* Sort ADDRS (the history's addresses for A's name) into *SEEN.  In a
 * free-mail domain only the exact address is the sender's own. */
static void
sender_name_addrs(const sender_ctx_t *c, const emg_address_t *a,
                  const emg_strlist_t *addrs, sender_name_seen_t *seen)
{
	char orgs[SENDER_NAME_ORGS + 1][SENDER_BUF];
	bool freemail = domain_in_list(c->scan->psl, a->domain,
	                               &c->scan->cfg->freemail_domains);

	for (size_t i = 0; i < addrs->n && i < SENDER_NAME_ADDRS; i++) {
		const char *at = strrchr(addrs->v[i], '@');
		if (at == NULL)
			continue;
		if (strcasecmp(addrs->v[i], a->addr) == 0 ||
		    (!freemail && sender_same_org(c, at + 1, a->domain))) {
			seen->own = true;
			continue;
		}
		char org[SENDER_BUF];
		sender_org(c, at + 1, org);
		bool dup = false;
		for (size_t k = 0; k < seen->orgs; k++)
			dup |= strcmp(orgs[k], org) == 0;
		if (dup || seen->orgs > SENDER_NAME_ORGS)
			continue;
		memcpy(orgs[seen->orgs++], org, sizeof(org));
		if (seen->other[0] == '\0')
			sender_clean(addrs->v[i], seen->other,
			             sizeof(seen->other));
	}
}

/* Emit SPOOF_DISPLAY_NAME_HISTORY when the history knows A's display name
 * only at other organisations: Emotet writes under the name of someone
 * we corresponded with, from an address of its own.  The symbol is
 * declared in thread.c's table for now, beside the other history
 * findings, so that this table keeps the symbols test_sender counts. */
static emg_status_t
sender_display_history(const sender_ctx_t *c, const emg_address_t *a)
{
	emg_scan_t *scan = c->scan;
	emg_strlist_t addrs = {0};
	sender_name_seen_t seen = {0};

	if (scan->history == NULL || sender_is_list(scan->msg) ||
	    domain_in_list(scan->psl, a->domain, &scan->cfg->internal_domains))
		return EMG_OK;
	emg_status_t st = history_addresses_for_name(
	    scan->history, a->display, SENDER_NAME_ADDRS, &addrs);
	if (st == EMG_OK)
		sender_name_addrs(c, a, &addrs, &seen);
	strlist_free(&addrs);
	if (st != EMG_OK) /* a store error is not the sender's fault */
		return st == EMG_ENOMEM ? st : EMG_OK;
	if (seen.own || seen.orgs == 0 || seen.orgs > SENDER_NAME_ORGS)
		return EMG_OK;
	char c1[SENDER_BUF], c2[SENDER_BUF];
	return scan_emit(scan, "SPOOF_DISPLAY_NAME_HISTORY",
	                 "display name \"%s\" is known from the history as %s, "
	                 "the sender is %s",
	                 sender_clean(a->display, c1, sizeof(c1)), seen.other,
	                 sender_clean(a->addr, c2, sizeof(c2)));
}

static emg_status_t
sender_check_display(const sender_ctx_t *c)
{
	emg_scan_t *scan = c->scan;
	const emg_addrlist_t *from = &scan->msg->from;
	bool addr_fired = false, known_fired = false, history_done = false;
	emg_status_t rc = EMG_OK;

	for (size_t i = 0; rc == EMG_OK && i < from->n && i < SENDER_ADDR_MAX;
	     i++) {
		const emg_address_t *a = &from->v[i];
		if (a->display == NULL || a->display[0] == '\0' ||
		    a->addr == NULL || a->domain == NULL)
			continue;
		if (!addr_fired)
			rc = sender_display_addr(c, a, &addr_fired);
		if (rc == EMG_OK && !known_fired)
			rc = sender_display_known(c, a, &known_fired);
		/* Once: the first named From, unless KnownNames spoke. */
		if (rc == EMG_OK && !known_fired && !history_done) {
			rc = sender_display_history(c, a);
			history_done = true;
		}
	}
	return rc;
}

/* ---- spoof.envelope_mismatch --------------------------------------------- */

/* The original sender's domain encoded in an SRS address (RFC-less but
 * universal: "SRS0=hash=tt=orig.domain=local@fwd",
 * "SRS1=hash=fwd1==hash=tt=orig.domain=local@fwd2"), into BUF.  Returns
 * false when MAIL_FROM is not SRS. */
static bool
sender_srs_domain(const char *mail_from, char *buf, size_t buflen)
{
	const char *p;
	int skip;

	if (strncasecmp(mail_from, "SRS0", 4) == 0 &&
	    (mail_from[4] == '=' || mail_from[4] == '-' || mail_from[4] == '+')) {
		p = mail_from + 5;
		skip = 2; /* hash, timestamp */
	} else if (strncasecmp(mail_from, "SRS1", 4) == 0 &&
	           (p = strstr(mail_from, "==")) != NULL) {
		p += 2;
		skip = 2;
	} else {
		return false;
	}
	for (; skip > 0 && p != NULL; skip--)
		if ((p = strchr(p, '=')) != NULL)
			p++;
	const char *end = p ? strchr(p, '=') : NULL;
	buf[0] = '\0';
	if (end != NULL && (size_t)(end - p) < buflen) {
		memcpy(buf, p, (size_t)(end - p));
		buf[end - p] = '\0';
	}
	return true;
}

static emg_status_t
sender_check_envelope(const sender_ctx_t *c, const emg_address_t *from)
{
	emg_scan_t *scan = c->scan;
	const emg_env_t *env = scan->env;
	const emg_message_t *msg = scan->msg;
	const char *edom = env->mail_from_domain;
	char srs[SENDER_BUF];

	/* Unknown envelope and the null sender (bounces) say nothing. */
	if (env->mail_from == NULL || env->mail_from[0] == '\0' || edom == NULL ||
	    edom[0] == '\0')
		return EMG_OK;
	if (sender_same_org(c, from->domain, edom) || sender_is_list(msg) ||
	    domain_in_list(scan->psl, edom, &scan->cfg->forwarders))
		return EMG_OK;
	for (size_t i = 0; i < msg->sender.n && i < SENDER_ADDR_MAX; i++)
		if (sender_same_org(c, msg->sender.v[i].domain, edom))
			return EMG_OK;
	/* A forwarder rewrote the sender: judge the original one. */
	if (sender_srs_domain(env->mail_from, srs, sizeof(srs)) &&
	    (srs[0] == '\0' || sender_same_org(c, from->domain, srs)))
		return EMG_OK;

	char o1[SENDER_BUF], o2[SENDER_BUF], c1[SENDER_BUF], c2[SENDER_BUF];
	return scan_emit(scan, "SPOOF_ENVELOPE_MISMATCH",
	                 "From %s (organisation %s), envelope sender %s "
	                 "(organisation %s)",
	                 sender_clean(from->addr, c1, sizeof(c1)),
	                 sender_clean(sender_org(c, from->domain, o1), o1,
	                              sizeof(o1)),
	                 sender_clean(env->mail_from, c2, sizeof(c2)),
	                 sender_clean(sender_org(c, edom, o2), o2,
	                              sizeof(o2)));
}

/* ---- spoof.reply_to ------------------------------------------------------ */

/* The domain of a List-Post "<mailto:list@host>" or List-Id
 * "Name <list.host>" value into BUF (empty when there is none). */
static void
sender_list_domain(const char *v, bool post, char *buf, size_t buflen)
{
	buf[0] = '\0';
	if (v == NULL || (v = strchr(v, '<')) == NULL)
		return;
	v++;
	if (post) {
		const char *at = strchr(v, '@');
		if (at == NULL)
			return;
		v = at + 1;
	}
	size_t len = strcspn(v, ">?");
	if (len < buflen) {
		memcpy(buf, v, len);
		buf[len] = '\0';
	}
}

/* True when a list's Reply-To points back to the list (reply-to munging):
 * the list's own domain, or the envelope sender's, is not a spoof. */
static bool
sender_reply_is_list(const sender_ctx_t *c, const char *rdom)
{
	emg_scan_t *scan = c->scan;
	char d[SENDER_BUF];

	if (!sender_is_list(scan->msg))
		return false;
	sender_list_domain(message_header(scan->msg, "List-Post"), true, d,
	                   sizeof(d));
	if (d[0] != '\0' && sender_same_org(c, rdom, d))
		return true;
	sender_list_domain(message_header(scan->msg, "List-Id"), false, d,
	                   sizeof(d));
	if (d[0] != '\0' && sender_same_org(c, rdom, d))
		return true;
	return scan->env->mail_from_domain != NULL &&
	       sender_same_org(c, rdom, scan->env->mail_from_domain);
}

static emg_status_t
sender_check_reply_to(const sender_ctx_t *c, const emg_address_t *from)
{
	emg_scan_t *scan = c->scan;
	const emg_addrlist_t *rt = &scan->msg->reply_to;
	const emg_config_t *cfg = scan->cfg;

	for (size_t i = 0; i < rt->n && i < SENDER_ADDR_MAX; i++) {
		const emg_address_t *r = &rt->v[i];
		if (r->addr == NULL || r->domain == NULL || r->domain[0] == '\0' ||
		    sender_same_org(c, r->domain, from->domain) ||
		    domain_in_list(scan->psl, r->domain, &cfg->internal_domains) ||
		    sender_reply_is_list(c, r->domain))
			continue;
		const char *sym = "SPOOF_REPLY_TO_DOMAIN";
		if (domain_in_list(scan->psl, r->domain, &cfg->freemail_domains) &&
		    !domain_in_list(scan->psl, from->domain,
		                    &cfg->freemail_domains))
			sym = "SPOOF_REPLY_TO_FREEMAIL";
		else if (message_header(scan->msg, "List-Unsubscribe") != NULL ||
		         sender_is_list(scan->msg))
			sym = "SPOOF_REPLY_TO_NEWSLETTER";
		char c1[SENDER_BUF], c2[SENDER_BUF];
		return scan_emit(scan, sym, "Reply-To %s, From %s",
		                 sender_clean(r->addr, c1, sizeof(c1)),
		                 sender_clean(from->addr, c2, sizeof(c2)));
	}
	return EMG_OK;
}

/* ---- spoof.internal_from_outside ----------------------------------------- */

static emg_status_t
sender_check_internal(const sender_ctx_t *c, const emg_address_t *from)
{
	emg_scan_t *scan = c->scan;
	const emg_env_t *env = scan->env;

	if (env->client_ip == NULL || env->client_internal ||
	    env->auth_user != NULL ||
	    !domain_in_list(scan->psl, from->domain,
	                    &scan->cfg->internal_domains))
		return EMG_OK;
	char c1[SENDER_BUF], c2[SENDER_BUF], c3[SENDER_BUF];
	return scan_emit(scan, "SPOOF_INTERNAL_FROM_OUTSIDE",
	                 "From %s is internal, the client %s (HELO %s) is "
	                 "outside InternalNetworks and not authenticated",
	                 sender_clean(from->addr, c1, sizeof(c1)),
	                 sender_clean(env->client_ip, c2, sizeof(c2)),
	                 sender_clean(env->helo ? env->helo : "unknown", c3,
	                              sizeof(c3)));
}

/* ---- the analyzer -------------------------------------------------------- */

static void
sender_fini(void *state)
{
	sender_state_t *st = state;
	if (st == NULL)
		return;
	if (st->csm != NULL)
		ucasemap_close(st->csm);
	if (st->idna != NULL)
		uidna_close(st->idna);
	strlist_free(&st->known);
	free(st);
}

static emg_status_t
sender_init(const emg_config_t *cfg, void **state, char *err, size_t errlen)
{
	sender_state_t *st = calloc(1, sizeof(*st));
	UErrorCode uerr = U_ZERO_ERROR;

	*state = NULL;
	if (st == NULL)
		return EMG_ENOMEM;
	st->csm = ucasemap_open("", 0, &uerr);
	if (U_SUCCESS(uerr))
		st->idna = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII, &uerr);
	if (U_FAILURE(uerr)) {
		snprintf(err, errlen, "ICU case map / IDNA: %s", u_errorName(uerr));
		sender_fini(st);
		return EMG_EDEP;
	}
	for (size_t i = 0; i < cfg->known_names.n; i++) {
		char *k = sender_fold_name(st->csm, cfg->known_names.v[i]);
		int rc = k != NULL ? strlist_add(&st->known, k, (size_t)-1) : -1;
		free(k);
		if (rc != 0) {
			sender_fini(st);
			return EMG_ENOMEM;
		}
	}
	*state = st;
	return EMG_OK;
}

static emg_status_t
sender_check(emg_scan_t *scan, void *state)
{
	const sender_ctx_t c = {.scan = scan, .st = state};
	const emg_address_t *from;
	emg_status_t st;

	if (scan->msg == NULL || scan->env == NULL)
		return EMG_OK;
	st = sender_check_display(&c);
	if (st != EMG_OK || (from = sender_from(scan->msg)) == NULL)
		return st;
	st = sender_check_envelope(&c, from);
	if (st == EMG_OK)
		st = sender_check_reply_to(&c, from);
	if (st == EMG_OK)
		st = sender_check_internal(&c, from);
	return st;
}

const emg_analyzer_t sender_analyzer = {
	.name = "sender",
	.symbols = sender_symbols,
	.n_symbols = sizeof(sender_symbols) / sizeof(sender_symbols[0]),
	.init = sender_init,
	.fini = sender_fini,
	.check = sender_check,
};
