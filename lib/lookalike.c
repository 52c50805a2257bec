/*
 * lookalike.c - the spoof.lookalike_domain analyzer: From, Reply-To and
 * envelope domains that imitate an InternalDomains or ProtectedDomains
 * entry ("exarnple.co.jp", "example-co.jp", "xn--exmple-cua.co.jp").
 *
 * Relies on ICU (UTS #39 skeletons through uspoof, IDNA through UTS #46)
 * and libpsl through domain.c (registrable domains).  The guarded domains
 * are prepared once per scanner thread in init(); a check then costs one
 * IDNA decode and one skeleton per message domain.  Names longer than
 * LOOKALIKE_MAX bytes are not domains and are skipped, never truncated into
 * a false match.
 */
#include <libpsl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include "domain.h"
#include "lookalike.h"

#define LOOKALIKE_MAX 256    /* bytes of a domain name, Unicode form */
#define LOOKALIKE_SKEL 1024  /* a skeleton may be longer than its name */
#define LOOKALIKE_CP 64      /* code points of a label for edit distance */

/* One domain prepared for comparison. */
typedef struct lookalike_name {
	char given[LOOKALIKE_MAX]; /* as written, lowercased (A-labels kept) */
	char text[LOOKALIKE_MAX];  /* Unicode form (xn-- labels decoded) */
	char org[LOOKALIKE_MAX];   /* registrable domain of text */
	size_t label_len;          /* bytes of org's first label */
	char skel[LOOKALIKE_SKEL]; /* UTS #39 skeleton of org, marks dropped */
	char lskel[LOOKALIKE_SKEL]; /* the same of org's first label */
	int32_t cp[LOOKALIKE_CP];  /* the first label's code points */
	size_t ncp;                /* 0 when the label is too long */
	bool idn;                  /* non-ASCII or xn-- labels */
	bool internal;             /* from InternalDomains */
} lookalike_name;

struct lookalike_state {
	lookalike_name *g; /* guarded domains, one per organisation */
	size_t n;
	USpoofChecker *spoof;
	UIDNA *idna;
	const psl_ctx_t *psl;
	psl_ctx_t *psl_owned;
};

/* ---- preparing names -------------------------------------------------- */

/* Lowercase, strip blanks and root dots; reject what is not a host name. */
static int lookalike_clean(const char *in, char *out, size_t outlen)
{
	size_t len = 0;

	while (*in == ' ' || *in == '\t')
		in++;
	for (; in[len] != '\0'; len++) {
		unsigned char c = (unsigned char)in[len];

		if (len + 1 >= outlen || c <= ' ' || c == '@' || c == '[' ||
		    c == '/' || c == ':')
			return -1;
		out[len] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	while (len > 0 && out[len - 1] == '.')
		len--;
	out[len] = '\0';
	/* A single label is not a domain anyone can register. */
	if (len == 0 || strchr(out, '.') == NULL || out[0] == '.')
		return -1;
	return 0;
}

static bool lookalike_needs_idna(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return true;
	return strncmp(s, "xn--", 4) == 0 || strstr(s, ".xn--") != NULL;
}

/* The Unicode form of an IDN, mapped per UTS #46.  On failure the given
 * form is kept: a broken A-label still gets the plain comparisons. */
static void lookalike_to_unicode(const lookalike_state *st, lookalike_name *n)
{
	UIDNAInfo info = UIDNA_INFO_INITIALIZER;
	UErrorCode err = U_ZERO_ERROR;
	int32_t len;

	strcpy(n->text, n->given);
	if (!n->idn)
		return;
	len = uidna_nameToUnicodeUTF8(st->idna, n->given, -1, n->text,
	                              (int32_t)sizeof(n->text) - 1, &info,
	                              &err);
	if (U_FAILURE(err) || len <= 0 || len >= (int32_t)sizeof(n->text))
		strcpy(n->text, n->given);
	else
		n->text[len] = '\0';
}

/* The UTS #39 skeleton of LEN bytes of S into OUT, without combining
 * marks, so that "exämple" and "example" compare equal as well.  OUT is
 * empty when the skeleton cannot be had. */
static void lookalike_skeleton(const lookalike_state *st, const char *s,
                               int32_t len, char *out, size_t outlen)
{
	char raw[LOOKALIKE_SKEL];
	UErrorCode err = U_ZERO_ERROR;
	int32_t rlen, i = 0;
	size_t o = 0;

	out[0] = '\0';
	rlen = uspoof_getSkeletonUTF8(st->spoof, 0, s, len, raw,
	                              (int32_t)sizeof(raw), &err);
	if (U_FAILURE(err) || rlen <= 0 || rlen >= (int32_t)sizeof(raw) ||
	    (size_t)rlen >= outlen)
		return;
	while (i < rlen) {
		int32_t start = i;
		UChar32 c;

		U8_NEXT(raw, i, rlen, c);
		if (c >= 0 && u_charType(c) == U_NON_SPACING_MARK)
			continue;
		memcpy(out + o, raw + start, (size_t)(i - start));
		o += (size_t)(i - start);
	}
	out[o] = '\0';
}

/* The code points of the registrable label, for the edit distance. */
static void lookalike_codepoints(lookalike_name *n)
{
	int32_t i = 0, len = (int32_t)n->label_len;

	n->ncp = 0;
	while (i < len) {
		UChar32 c;

		if (n->ncp == LOOKALIKE_CP) {
			n->ncp = 0;
			return;
		}
		U8_NEXT(n->org, i, len, c);
		n->cp[n->ncp++] = c;
	}
}

/* Fill N from the domain name IN; SKELETON asks for skeletons even of an
 * ASCII name.  Returns -1 when IN is not a domain. */
static int lookalike_prepare(const lookalike_state *st, const char *in,
                             lookalike_name *n, bool skeleton)
{
	if (in == NULL || lookalike_clean(in, n->given, sizeof(n->given)) < 0)
		return -1;
	n->idn = lookalike_needs_idna(n->given);
	lookalike_to_unicode(st, n);
	domain_org(st->psl, n->text, n->org, sizeof(n->org));
	if (n->org[0] == '\0')
		return -1;
	n->label_len = strcspn(n->org, ".");
	lookalike_codepoints(n);
	n->skel[0] = n->lskel[0] = '\0';
	/* Between ASCII names a skeleton only finds what the substitutions
	 * find (rn/m, vv/w, cl/d, 0/o, 1/l), at most of the cost of a check. */
	if (!skeleton && !lookalike_needs_idna(n->text))
		return 0;
	lookalike_skeleton(st, n->org, -1, n->skel, sizeof(n->skel));
	lookalike_skeleton(st, n->org, (int32_t)n->label_len, n->lskel,
	                   sizeof(n->lskel));
	return 0;
}

/* ---- the comparisons -------------------------------------------------- */

unsigned lookalike_distance(const int32_t *a, size_t alen, const int32_t *b,
                            size_t blen, unsigned max)
{
	unsigned rows[3][LOOKALIKE_CP + 1];
	unsigned *pp = rows[0], *p = rows[1], *c = rows[2];

	if (alen > LOOKALIKE_CP || blen > LOOKALIKE_CP)
		return max + 1;
	if ((alen > blen ? alen - blen : blen - alen) > max)
		return max + 1;
	for (size_t j = 0; j <= blen; j++)
		p[j] = (unsigned)j;
	for (size_t i = 1; i <= alen; i++) {
		unsigned best = c[0] = (unsigned)i;

		for (size_t j = 1; j <= blen; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = p[j - 1] + cost;

			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			/* A swap of two neighbours counts as one edit. */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
		unsigned *t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[blen] > max ? max + 1 : p[blen];
}

/* Substitutions that read alike in most fonts, each in one bit. */
static const struct {
	const char *from, *to, *name;
} lookalike_subst[] = {
	{"rn", "m", "rn/m"}, {"vv", "w", "vv/w"}, {"cl", "d", "cl/d"},
	{"0", "o", "0/o"},   {"1", "l", "1/l"},
};

/* The rule of lookalike_subst that starts at IN, or -1. */
static int lookalike_subst_at(const char *in)
{
	switch (in[0]) {
	case 'r':
		return in[1] == 'n' ? 0 : -1;
	case 'v':
		return in[1] == 'v' ? 1 : -1;
	case 'c':
		return in[1] == 'l' ? 2 : -1;
	case '0':
		return 3;
	case '1':
		return 4;
	default:
		return -1;
	}
}

/* IN with every look-alike sequence replaced; MASK gets the rules used. */
static void lookalike_fold(const char *in, char *out, size_t outlen,
                           unsigned *mask)
{
	size_t o = 0;

	*mask = 0;
	while (*in != '\0' && o + 1 < outlen) {
		int r = lookalike_subst_at(in);

		if (r < 0) {
			out[o++] = *in++;
			continue;
		}
		out[o++] = lookalike_subst[r].to[0];
		in += strlen(lookalike_subst[r].from);
		*mask |= 1u << r;
	}
	out[o] = '\0';
}

static bool lookalike_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* rn/m, vv/w, cl/d, 0/o, 1/l: the method name into BUF, or NULL. */
static const char *lookalike_by_subst(const lookalike_name *c,
                                      const lookalike_name *g, char *buf,
                                      size_t buflen)
{
	char fc[LOOKALIKE_MAX], fg[LOOKALIKE_MAX];
	unsigned mc, mg, diff;
	size_t o = 0;

	if (!lookalike_ascii(c->text) || !lookalike_ascii(g->org))
		return NULL;
	lookalike_fold(g->org, fg, sizeof(fg), &mg);
	lookalike_fold(c->org, fc, sizeof(fc), &mc);
	/* "partner.c0.jp" has the registrable domain "c0.jp". */
	if (strcmp(fc, fg) != 0) {
		lookalike_fold(c->text, fc, sizeof(fc), &mc);
		if (strcmp(fc, fg) != 0)
			return NULL;
	}
	diff = (mc ^ mg) ? (mc ^ mg) : (mc | mg);
	buf[0] = '\0';
	for (size_t r = 0; r < sizeof(lookalike_subst) / sizeof(lookalike_subst[0]);
	     r++) {
		if (!(diff & (1u << r)) || o + 16 >= buflen)
			continue;
		o += (size_t)snprintf(buf + o, buflen - o, "%s%s", o ? ", " : "",
		                      lookalike_subst[r].name);
	}
	if (o + 16 < buflen)
		snprintf(buf + o, buflen - o, " substitution");
	return buf;
}

/* S without '-' and '.'; counts of each into *HY and *DOTS. */
static void lookalike_strip(const char *s, char *out, size_t outlen,
                            unsigned *hy, unsigned *dots)
{
	size_t o = 0;

	*hy = *dots = 0;
	for (; *s != '\0' && o + 1 < outlen; s++) {
		if (*s == '-')
			(*hy)++;
		else if (*s == '.')
			(*dots)++;
		else
			out[o++] = *s;
	}
	out[o] = '\0';
}

/* partner-co.jp against partner.co.jp: the same letters, other separators.
 * The whole name counts too, since a dot inserted into the guarded label
 * ("examp.le.test") moves the registrable domain. */
static const char *lookalike_by_separator(const lookalike_name *c,
                                          const lookalike_name *g)
{
	char sc[LOOKALIKE_MAX], sg[LOOKALIKE_MAX];
	unsigned hc, dc, hg, dg;

	lookalike_strip(g->org, sg, sizeof(sg), &hg, &dg);
	lookalike_strip(c->org, sc, sizeof(sc), &hc, &dc);
	if (strcmp(sc, sg) != 0) {
		lookalike_strip(c->text, sc, sizeof(sc), &hc, &dc);
		if (strcmp(sc, sg) != 0)
			return NULL;
	}
	if (hc > hg && dc < dg)
		return "hyphen in place of a dot";
	if (hc > hg)
		return "hyphen inserted";
	if (dc > dg)
		return "dot inserted";
	if (dc < dg)
		return "dot removed";
	return hc < hg ? "hyphen removed" : "hyphen moved";
}

/* example-corp.test against example.test: the guarded name as one
 * hyphenated word of the label.  Only for names of 5 letters and more,
 * since short ones ("abc") are common words inside unrelated names. */
static const char *lookalike_by_combo(const lookalike_name *c,
                                      const lookalike_name *g)
{
	const char *p = c->org, *end = c->org + c->label_len;

	if (g->ncp < 5 || memchr(p, '-', c->label_len) == NULL)
		return NULL;
	while (p < end) {
		size_t w = strcspn(p, "-.");

		if (p + w > end)
			w = (size_t)(end - p);
		if (w == g->label_len && memcmp(p, g->org, w) == 0)
			return "hyphenated word added";
		p += w + 1;
	}
	return NULL;
}

/* example.co.jp against example.jp.  Names under 4 letters are left out:
 * "abc.com" and "abc.co.jp" are as likely two unrelated firms. */
static const char *lookalike_by_suffix(const lookalike_name *c,
                                       const lookalike_name *g)
{
	if (g->ncp < 4 || c->label_len != g->label_len ||
	    memcmp(c->org, g->org, c->label_len) != 0)
		return NULL;
	if (strcmp(c->org + c->label_len, g->org + g->label_len) == 0)
		return NULL;
	return "same name under another public suffix";
}

/* Edit distance on the registrable label, bounded by the label's length:
 * under 5 letters no distance is trusted, 5-7 letters allow one edit, 8
 * and more two.  Short names are common words: one edit turns "bank"
 * into "band" or "bark", two turn "example" into "sample", all of them
 * real and unrelated domains.  Look-alikes of short names are still
 * caught by the skeleton, the substitutions and the separators. */
static const char *lookalike_by_distance(const lookalike_name *c,
                                         const lookalike_name *g, char *buf,
                                         size_t buflen)
{
	unsigned max, d;

	if (c->ncp == 0 || g->ncp < 5)
		return NULL;
	max = g->ncp < 8 || c->ncp < 8 ? 1 : 2;
	d = lookalike_distance(c->cp, c->ncp, g->cp, g->ncp, max);
	if (d == 0 || d > max)
		return NULL;
	snprintf(buf, buflen, "edit distance %u", d);
	return buf;
}

/* The first method by which C imitates G, or NULL. */
static const char *lookalike_compare(const lookalike_name *c,
                                     const lookalike_name *g, char *buf,
                                     size_t buflen)
{
	const char *m;

	if ((m = lookalike_by_subst(c, g, buf, buflen)) != NULL)
		return m;
	if ((m = lookalike_by_separator(c, g)) != NULL)
		return m;
	if ((m = lookalike_by_combo(c, g)) != NULL)
		return m;
	if ((m = lookalike_by_suffix(c, g)) != NULL)
		return m;
	if (c->skel[0] != '\0' && strcmp(c->skel, g->skel) == 0)
		return "confusable characters, UTS #39 skeleton";
	if (g->ncp >= 4 && c->lskel[0] != '\0' &&
	    strcmp(c->lskel, g->lskel) == 0)
		return "confusable characters under another public suffix";
	return lookalike_by_distance(c, g, buf, buflen);
}

/* True when C is a guarded domain, a subdomain of one, or shares an
 * organisational domain with one. */
static bool lookalike_is_guarded(const lookalike_state *st,
                                 const lookalike_name *c)
{
	for (size_t i = 0; i < st->n; i++) {
		const lookalike_name *g = &st->g[i];

		if (strcmp(c->org, g->org) == 0 ||
		    domain_is_or_sub(c->text, g->text) ||
		    domain_is_or_sub(c->given, g->given))
			return true;
	}
	return false;
}

int lookalike_match(const lookalike_state *st, const char *domain, char *why,
                    size_t whylen)
{
	lookalike_name *c;
	char mbuf[128];
	int found = 0;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (st == NULL || st->n == 0 || domain == NULL)
		return 0;
	/* Too big for the stack of a milter thread. */
	c = malloc(sizeof(*c));
	if (c == NULL)
		return 0;
	if (lookalike_prepare(st, domain, c, false) == 0 &&
	    !lookalike_is_guarded(st, c)) {
		for (size_t i = 0; i < st->n && !found; i++) {
			const lookalike_name *g = &st->g[i];
			const char *m = lookalike_compare(c, g, mbuf, sizeof(mbuf));

			if (m == NULL)
				continue;
			found = 1;
			if (why == NULL || whylen == 0)
				break;
			if (strcmp(c->given, c->text) != 0)
				snprintf(why, whylen, "%s (%s) looks like %s (%s%s)",
				         c->given, c->text, g->text,
				         c->idn ? "IDN, " : "", m);
			else
				snprintf(why, whylen, "%s looks like %s (%s%s)",
				         c->given, g->text, c->idn ? "IDN, " : "", m);
		}
	}
	free(c);
	return found;
}

/* ---- the state -------------------------------------------------------- */

/* Add the entries of LIST, one per organisational domain. */
static emg_status_t lookalike_add_list(lookalike_state *st,
                                       const emg_strlist_t *list,
                                       bool internal)
{
	for (size_t i = 0; list != NULL && i < list->n; i++) {
		lookalike_name *g = &st->g[st->n];
		bool dup = false;

		if (lookalike_prepare(st, list->v[i], g, true) < 0)
			continue;
		for (size_t j = 0; j < st->n && !dup; j++)
			dup = strcmp(st->g[j].org, g->org) == 0;
		if (dup)
			continue;
		g->internal = internal;
		st->n++;
	}
	return EMG_OK;
}

/* ICU and libpsl objects; ERR names the one that failed. */
static emg_status_t lookalike_open_deps(lookalike_state *st, char *err,
                                        size_t errlen)
{
	UErrorCode e = U_ZERO_ERROR;

	st->spoof = uspoof_open(&e);
	if (U_FAILURE(e)) {
		snprintf(err, errlen, "ICU uspoof_open: %s", u_errorName(e));
		return EMG_EDEP;
	}
	e = U_ZERO_ERROR;
	st->idna = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_UNICODE, &e);
	if (U_FAILURE(e)) {
		snprintf(err, errlen, "ICU uidna_openUTS46: %s", u_errorName(e));
		return EMG_EDEP;
	}
	/* The built-in list is read-only and shared; the scanner's own
	 * context is not reachable from init(). */
	st->psl = psl_builtin();
	if (st->psl == NULL)
		st->psl = st->psl_owned = psl_latest(NULL);
	if (st->psl == NULL) {
		snprintf(err, errlen, "libpsl: no public suffix list");
		return EMG_EDEP;
	}
	return EMG_OK;
}

emg_status_t lookalike_state_new(const emg_strlist_t *internal,
                                 const emg_strlist_t *protected_domains,
                                 lookalike_state **out, char *err,
                                 size_t errlen)
{
	size_t n = (internal ? internal->n : 0) +
	           (protected_domains ? protected_domains->n : 0);
	lookalike_state *st;
	emg_status_t rc;

	*out = NULL;
	if (n > SIZE_MAX / sizeof(lookalike_name))
		return EMG_ENOMEM;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return EMG_ENOMEM;
	st->g = calloc(n ? n : 1, sizeof(lookalike_name));
	if (st->g == NULL) {
		free(st);
		return EMG_ENOMEM;
	}
	rc = lookalike_open_deps(st, err, errlen);
	if (rc == EMG_OK)
		rc = lookalike_add_list(st, internal, true);
	if (rc == EMG_OK)
		rc = lookalike_add_list(st, protected_domains, false);
	if (rc != EMG_OK) {
		lookalike_state_free(st);
		return rc;
	}
	*out = st;
	return EMG_OK;
}

void lookalike_state_free(lookalike_state *st)
{
	if (st == NULL)
		return;
	if (st->spoof != NULL)
		uspoof_close(st->spoof);
	if (st->idna != NULL)
		uidna_close(st->idna);
	if (st->psl_owned != NULL)
		psl_free(st->psl_owned);
	free(st->g);
	free(st);
}

/* ---- the analyzer ----------------------------------------------------- */

static const emg_symbol_t lookalike_symbols[] = {
	{"SPOOF_LOOKALIKE_DOMAIN", "spoof.lookalike_domain", 7.0,
	 EMG_ACTION_ACCEPT,
	 "From domain imitates an internal or protected domain"},
	{"SPOOF_LOOKALIKE_REPLY_TO", "spoof.lookalike_domain", 5.0,
	 EMG_ACTION_ACCEPT,
	 "Reply-To domain imitates an internal or protected domain"},
	{"SPOOF_LOOKALIKE_ENVELOPE", "spoof.lookalike_domain", 4.0,
	 EMG_ACTION_ACCEPT,
	 "Envelope sender domain imitates an internal or protected domain"},
};

static emg_status_t lookalike_init(const emg_config_t *cfg, void **state,
                                   char *err, size_t errlen)
{
	lookalike_state *st = NULL;
	emg_status_t rc;

	*state = NULL;
	if (cfg->internal_domains.n == 0 && cfg->protected_domains.n == 0)
		return EMG_OK;
	rc = lookalike_state_new(&cfg->internal_domains,
	                         &cfg->protected_domains, &st, err, errlen);
	if (rc == EMG_OK)
		*state = st;
	return rc;
}

static void lookalike_fini(void *state)
{
	lookalike_state_free(state);
}

/* Check one domain and report it under SYMBOL. */
static emg_status_t lookalike_check_one(emg_scan_t *scan,
                                        const lookalike_state *st,
                                        const char *symbol, const char *what,
                                        const char *domain)
{
	char why[3 * LOOKALIKE_MAX];

	if (domain == NULL || domain[0] == '\0' ||
	    !lookalike_match(st, domain, why, sizeof(why)))
		return EMG_OK;
	return scan_emit(scan, symbol, "%s domain %s", what, why);
}

static emg_status_t lookalike_check(emg_scan_t *scan, void *state)
{
	const lookalike_state *st = state;
	const emg_message_t *m = scan->msg;
	emg_status_t rc = EMG_OK;

	if (st == NULL || st->n == 0)
		return EMG_OK;
	for (size_t i = 0; m != NULL && i < m->from.n && rc == EMG_OK; i++)
		rc = lookalike_check_one(scan, st, "SPOOF_LOOKALIKE_DOMAIN",
		                         "From", m->from.v[i].domain);
	for (size_t i = 0; m != NULL && i < m->reply_to.n && rc == EMG_OK; i++)
		rc = lookalike_check_one(scan, st, "SPOOF_LOOKALIKE_REPLY_TO",
		                         "Reply-To", m->reply_to.v[i].domain);
	if (rc == EMG_OK && scan->env != NULL)
		rc = lookalike_check_one(scan, st, "SPOOF_LOOKALIKE_ENVELOPE",
		                         "Envelope sender",
		                         scan->env->mail_from_domain);
	return rc;
}

const emg_analyzer_t lookalike_analyzer = {
	.name = "lookalike",
	.symbols = lookalike_symbols,
	.n_symbols = sizeof(lookalike_symbols) / sizeof(lookalike_symbols[0]),
	.init = lookalike_init,
	.fini = lookalike_fini,
	.check = lookalike_check,
};
