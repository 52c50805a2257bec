/*
 * thread.c - the thread analyzer: replies that do not belong to the
 * conversation they claim to continue.  Emotet steals real threads from a
 * victim's mailbox and answers inside them from another address, quoting
 * the genuine text under the real correspondent's name.
 *
 *   hijack.reply_without_thread   a reply prefix (Re:, AW:, 返信: ...)
 *                                 without In-Reply-To or References;
 *                                 more when the body quotes an original
 *   hijack.unknown_thread         references the history does not know
 *                                 from a domain it does, or a parent we
 *                                 sent to other people (a stolen thread);
 *                                 a known reply from the exact address we
 *                                 wrote to earns trust (a negative score)
 *   hijack.quoted_sender_mismatch the quoted original (quote.c) names the
 *                                 sender's display name with another
 *                                 address, or does not name the sender
 *
 * The table also declares sender.c's SPOOF_DISPLAY_NAME_HISTORY (a known
 * correspondent's name from another address).
 *
 * Relies on the message model, quote.c, libpsl through domain.c and the
 * correspondence history (history.h), which may be absent: then only the
 * checks that need none run, and a zero-score finding says so.  Absence
 * of a Message-ID in the history counts only on a warm store.  Mailing
 * lists, our own people and a customer's first mail are left alone.
 * Details name addresses, domains and body line numbers, never body text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer.h"
#include "domain.h"
#include "history.h"
#include "quote.h"
#include "text.h"

/* References looked up per message (In-Reply-To first). */
#define THREAD_REFS_MAX 32
/* Room for an address, a domain or a Message-ID in a detail. */
#define THREAD_BUF 256
/* Subject bytes read for the prefix. */
#define THREAD_SUBJECT_MAX 1024
/* Gateway and list tags ("[EXTERNAL]", "[ml:123]") skipped before it. */
#define THREAD_TAGS_MAX 3
#define THREAD_TAG_LEN 64
/* Addresses of a From header looked at. */
#define THREAD_ADDR_MAX 32
/* A display name key shorter than this matches too much. */
#define THREAD_NAME_MIN 2
/* Organisations of quoted participants named in a detail. */
#define THREAD_ORGS_SHOWN 3

/* Scores: a reply prefix alone is weak (people retype subjects, Outlook
 * forwards carry no References); a quote under it is what a forged reply
 * looks like.  A thread stolen from a third party or a quoted name under
 * another address tags on its own; together they quarantine.  The trust
 * is rspamd's REPLY: enough to offset one weak signal, never a force. */
static const emg_symbol_t thread_symbols[] = {
	{"THREAD_REPLY_NO_REFS", "hijack.reply_without_thread", 2.0,
	 EMG_ACTION_ACCEPT,
	 "A reply subject (Re:, AW:, 返信: ...) without In-Reply-To or "
	 "References"},
	{"THREAD_REPLY_NO_REFS_QUOTED", "hijack.reply_without_thread", 4.0,
	 EMG_ACTION_ACCEPT,
	 "A reply subject without In-Reply-To or References whose body quotes "
	 "an original message"},
	{"THREAD_FORWARD_NO_REFS", "hijack.reply_without_thread", 1.0,
	 EMG_ACTION_ACCEPT,
	 "A forward subject (Fw:, Fwd:, WG:, 転送:) without In-Reply-To or "
	 "References"},
	{"THREAD_UNKNOWN_REFS", "hijack.unknown_thread", 4.0, EMG_ACTION_ACCEPT,
	 "None of the referenced Message-IDs is in the history, although the "
	 "sender's organisation is"},
	{"THREAD_STOLEN", "hijack.unknown_thread", 6.0, EMG_ACTION_ACCEPT,
	 "The message replied to was exchanged with other people, never with "
	 "the sender or its organisation"},
	{"THREAD_HISTORY_NOT_USED", "hijack.unknown_thread", 0.0,
	 EMG_ACTION_ACCEPT,
	 "Information: the thread history was not consulted (no store, cold "
	 "store or store error)"},
	{"THREAD_KNOWN_REPLY", "hijack.unknown_thread", -3.0, EMG_ACTION_ACCEPT,
	 "Trust: a reply from the exact address we wrote to, inside a thread "
	 "we started"},
	{"THREAD_QUOTED_NAME_MISMATCH", "hijack.quoted_sender_mismatch", 5.0,
	 EMG_ACTION_ACCEPT,
	 "The sender's display name is a quoted participant whose address "
	 "belongs to another organisation"},
	{"THREAD_QUOTED_NOT_PARTICIPANT", "hijack.quoted_sender_mismatch", 2.0,
	 EMG_ACTION_ACCEPT,
	 "The sender is neither among the quoted participants nor in their "
	 "organisations"},
	/* Emitted by sender.c (the display-name checks live there); kept
	 * here with the other history findings until sender's table takes
	 * it.  A common name at two companies is not an attack: alone it
	 * stays below the tag threshold. */
	{"SPOOF_DISPLAY_NAME_HISTORY", "spoof.display_name", 4.0,
	 EMG_ACTION_ACCEPT,
	 "The From display name is a known correspondent's (thread history) "
	 "at another organisation"},
};

typedef enum thread_prefix {
	THREAD_PREFIX_NONE,
	THREAD_PREFIX_REPLY,
	THREAD_PREFIX_FORWARD,
} thread_prefix_t;

/* Reply and forward prefixes, after NFKC (Ｒｅ： is Re:), compared ASCII
 * case-insensitively.  "fwd" before "fw". */
static const struct {
	const char *word;
	thread_prefix_t kind;
} thread_prefixes[] = {
	{"re", THREAD_PREFIX_REPLY},   {"aw", THREAD_PREFIX_REPLY},
	{"sv", THREAD_PREFIX_REPLY},   {"返信", THREAD_PREFIX_REPLY},
	{"fwd", THREAD_PREFIX_FORWARD}, {"fw", THREAD_PREFIX_FORWARD},
	{"wg", THREAD_PREFIX_FORWARD}, {"転送", THREAD_PREFIX_FORWARD},
};

/* One message's view: the scan, the history (may be NULL), the sender
 * and its organisation, the parsed quote. */
typedef struct thread_ctx {
	emg_scan_t *scan;
	history_t *h;
	const emg_address_t *from;
	char from_org[THREAD_BUF];
	bool from_freemail; /* an organisation of strangers: exact match only */
	quote_result_t *quote;
	char refs[THREAD_REFS_MAX][THREAD_BUF]; /* without <>, parent first */
	size_t n_refs;
} thread_ctx_t;

/* ---- helpers ------------------------------------------------------------- */

/* S for a detail in BUF: at most BUFLEN-1 bytes, cut before a UTF-8 lead
 * byte that did not fit, control characters as '?'.  Returns BUF. */
static const char *
thread_safe(const char *s, char *buf, size_t buflen)
{
	int n = snprintf(buf, buflen, "%s", s != NULL ? s : "");
	size_t len = strlen(buf);

	if (n > 0 && (size_t)n > len && len > 0) {
		/* Cut: drop the last character when it lost bytes. */
		size_t lead = len - 1;
		while (lead > 0 && len - lead < 4 &&
		       ((unsigned char)buf[lead] & 0xc0) == 0x80)
			lead--;
		unsigned char b = (unsigned char)buf[lead];
		size_t seq = b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
		if (lead + seq > len)
			buf[lead] = '\0';
	}
	for (char *p = buf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return buf;
}

/* The domain of address ADDR, "" when it has none. */
static const char *
thread_domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at != NULL ? at + 1 : "";
}

/* True when ADDR is the sender, or of the sender's organisation (unless
 * that is a free-mail provider, whose users are strangers to each
 * other). */
static bool
thread_same_party(const thread_ctx_t *c, const char *addr)
{
	char org[THREAD_BUF];

	if (addr == NULL || addr[0] == '\0')
		return false;
	if (strcasecmp(addr, c->from->addr) == 0)
		return true;
	if (c->from_freemail || c->from_org[0] == '\0')
		return false;
	domain_org(c->scan->psl, thread_domain_of(addr), org, sizeof(org));
	return strcmp(org, c->from_org) == 0;
}

/* True when ADDR belongs to InternalDomains: our own people. */
static bool
thread_internal(const thread_ctx_t *c, const char *addr)
{
	const char *d = thread_domain_of(addr);
	return d[0] != '\0' &&
	       domain_in_list(c->scan->psl, d, &c->scan->cfg->internal_domains);
}

/* The first From address with a domain, or NULL. */
static const emg_address_t *
thread_from(const emg_message_t *msg)
{
	for (size_t i = 0; i < msg->from.n && i < THREAD_ADDR_MAX; i++)
		if (msg->from.v[i].addr != NULL && msg->from.v[i].domain != NULL &&
		    msg->from.v[i].domain[0] != '\0')
			return &msg->from.v[i];
	return NULL;
}

/* Add Message-ID ID (with or without <>) to the references once. */
static void
thread_add_ref(thread_ctx_t *c, const char *id)
{
	size_t len;

	if (id == NULL || c->n_refs >= THREAD_REFS_MAX)
		return;
	if (*id == '<')
		id++;
	len = strcspn(id, ">");
	if (len == 0 || len >= THREAD_BUF)
		return;
	for (size_t i = 0; i < c->n_refs; i++)
		if (strncmp(c->refs[i], id, len) == 0 && c->refs[i][len] == '\0')
			return;
	memcpy(c->refs[c->n_refs], id, len);
	c->refs[c->n_refs++][len] = '\0';
}

/* The references, the direct parent first: In-Reply-To, else the last
 * References entry; then the rest of References, newest first. */
static void
thread_collect_refs(thread_ctx_t *c)
{
	const emg_message_t *msg = c->scan->msg;

	thread_add_ref(c, msg->in_reply_to);
	for (size_t i = msg->references.n; i > 0; i--)
		thread_add_ref(c, msg->references.v[i - 1]);
}

/* ---- hijack.reply_without_thread ------------------------------------------ */

/* The prefix of SUBJECT into *KIND and its word into WORD. */
static emg_status_t
thread_subject_prefix(const char *subject, thread_prefix_t *kind, char *word,
                      size_t wordlen)
{
	size_t len;

	*kind = THREAD_PREFIX_NONE;
	word[0] = '\0';
	if (subject == NULL)
		return EMG_OK;
	char *nf = text_nfkc(subject, strnlen(subject, THREAD_SUBJECT_MAX), &len);
	if (nf == NULL)
		return EMG_ENOMEM;
	const char *p = nf + strspn(nf, " \t");
	for (int t = 0; t < THREAD_TAGS_MAX && *p == '['; t++) {
		const char *close = memchr(p, ']', strnlen(p, THREAD_TAG_LEN));
		if (close == NULL)
			break;
		p = close + 1 + strspn(close + 1, " \t");
	}
	for (size_t i = 0; i < sizeof(thread_prefixes) / sizeof(thread_prefixes[0]);
	     i++) {
		size_t n = strlen(thread_prefixes[i].word);
		if (strncasecmp(p, thread_prefixes[i].word, n) != 0)
			continue;
		const char *q = p + n;
		/* Re[2]: and Re(2): count replies; "Re :" is French. */
		if ((*q == '[' || *q == '(') && strspn(q + 1, "0123456789") > 0) {
			q += 1 + strspn(q + 1, "0123456789");
			q += (*q == ']' || *q == ')');
		}
		q += strspn(q, " ");
		if (*q != ':')
			continue;
		*kind = thread_prefixes[i].kind;
		snprintf(word, wordlen, "%.*s", (int)(q - p + 1), p);
		break;
	}
	free(nf);
	return EMG_OK;
}

/* Where the quote was seen, for a detail: "Outlook header block",
 * "attribution line 12". */
static void
thread_quote_where(const quote_result_t *q, char *buf, size_t buflen)
{
	if (q->n > 0)
		snprintf(buf, buflen, "%s at body line %u",
		         q->p[0].form == QUOTE_FORM_HEADER ? "a quoted header block"
		                                           : "an attribution line",
		         q->p[0].line);
	else if (q->n_blocks > 0 || q->n_attributions > 0)
		snprintf(buf, buflen, "a quoted header");
	else
		snprintf(buf, buflen, "%u '>' lines", q->quoted_lines);
}

static emg_status_t
thread_check_prefix(thread_ctx_t *c)
{
	const emg_message_t *msg = c->scan->msg;
	thread_prefix_t kind;
	char word[THREAD_BUF], where[THREAD_BUF];

	if (msg->in_reply_to != NULL || msg->references.n > 0)
		return EMG_OK;
	emg_status_t st = thread_subject_prefix(msg->subject, &kind, word,
	                                        sizeof(word));
	if (st != EMG_OK || kind == THREAD_PREFIX_NONE)
		return st;
	char w[THREAD_BUF];
	thread_safe(word, w, sizeof(w));
	if (kind == THREAD_PREFIX_FORWARD)
		return scan_emit(c->scan, "THREAD_FORWARD_NO_REFS",
		                 "subject starts with \"%s\", no In-Reply-To or "
		                 "References", w);
	if (!c->quote->quotes_original)
		return scan_emit(c->scan, "THREAD_REPLY_NO_REFS",
		                 "subject starts with \"%s\", no In-Reply-To or "
		                 "References", w);
	thread_quote_where(c->quote, where, sizeof(where));
	return scan_emit(c->scan, "THREAD_REPLY_NO_REFS_QUOTED",
	                 "subject starts with \"%s\", no In-Reply-To or "
	                 "References; the body quotes an original (%s)",
	                 w, where);
}

/* ---- hijack.unknown_thread ----------------------------------------------- */

/* What the references tell about the sender. */
typedef struct thread_refs_seen {
	bool any_known;
	bool involves_sender;    /* a known one from or to the sender's party */
	bool parent_known;
	bool parent_outbound;
	bool wrote_to_sender;    /* a known one we sent to the exact address */
	char parent_peer[THREAD_BUF]; /* its first recipient, or its sender */
} thread_refs_seen_t;

/* Look up every reference into *SEEN.  A store error ends the walk. */
static emg_status_t
thread_lookup_refs(thread_ctx_t *c, thread_refs_seen_t *seen)
{
	for (size_t i = 0; i < c->n_refs; i++) {
		history_ref_t r = {0};
		emg_status_t st = history_lookup_message(c->h, c->refs[i], &r);
		if (st != EMG_OK) {
			history_ref_free(&r);
			return st;
		}
		if (r.known) {
			bool party = thread_same_party(c, r.from_addr);
			for (size_t k = 0; !party && k < r.rcpts.n; k++)
				party = thread_same_party(c, r.rcpts.v[k]);
			seen->any_known = true;
			seen->involves_sender |= party;
			seen->wrote_to_sender |=
			    r.outbound && strlist_has_nocase(&r.rcpts, c->from->addr);
			if (i == 0) {
				seen->parent_known = true;
				seen->parent_outbound = r.outbound;
				thread_safe(r.outbound && r.rcpts.n > 0
				                ? r.rcpts.v[0]
				                : r.from_addr,
				            seen->parent_peer,
				            sizeof(seen->parent_peer));
			}
		}
		history_ref_free(&r);
	}
	return EMG_OK;
}

/* True when no attachment could carry a score of its own: the trust of a
 * known reply must never pull an attachment verdict down.  The attachment
 * analyzers run after this one, so it cannot look at their findings;
 * forced actions win in report_finish() in any case. */
static bool
thread_no_risky_attachment(const emg_message_t *msg)
{
	for (size_t i = 0; i < msg->n_attachments; i++) {
		const emg_attachment_t *a = msg->attachments[i];
		if (a == NULL || a->real_type == NULL ||
		    strncmp(a->real_type, "image/", 6) != 0 || a->encrypted ||
		    a->n_children > 0 || a->problems.n > 0)
			return false;
	}
	return true;
}

/* Judge the references against a warm history. */
static emg_status_t
thread_judge_refs(thread_ctx_t *c)
{
	thread_refs_seen_t seen = {0};
	char a1[THREAD_BUF], a2[THREAD_BUF], o1[THREAD_BUF];
	emg_status_t st = thread_lookup_refs(c, &seen);

	if (st == EMG_ENOMEM)
		return st;
	if (st != EMG_OK)
		return scan_emit(c->scan, "THREAD_HISTORY_NOT_USED",
		                 "history not used: lookup failed (%s)",
		                 emg_strerror(st));
	thread_safe(c->from->addr, a1, sizeof(a1));
	if (!seen.any_known) {
		bool known = false;
		if (c->from_org[0] == '\0' ||
		    history_domain_known(c->h, c->from_org, &known) != EMG_OK ||
		    !known)
			return EMG_OK; /* a new correspondent: nothing to expect */
		return scan_emit(c->scan, "THREAD_UNKNOWN_REFS",
		                 "none of the %zu referenced Message-IDs is in the "
		                 "history, which knows %s, the organisation of %s",
		                 c->n_refs,
		                 thread_safe(c->from_org, o1, sizeof(o1)), a1);
	}
	if (seen.parent_known && !seen.involves_sender)
		return scan_emit(c->scan, "THREAD_STOLEN",
		                 "In-Reply-To <%s> was %s %s; no known message of "
		                 "the thread was exchanged with %s or %s",
		                 thread_safe(c->refs[0], a2, sizeof(a2)),
		                 seen.parent_outbound ? "sent by us to"
		                                      : "received from",
		                 seen.parent_peer, a1,
		                 thread_safe(c->from_org, o1, sizeof(o1)));
	/* Trust: the reply continues a known message, and somewhere in the
	 * thread we wrote to this very address. */
	if (seen.parent_known && seen.wrote_to_sender &&
	    thread_no_risky_attachment(c->scan->msg))
		return scan_emit(c->scan, "THREAD_KNOWN_REPLY",
		                 "In-Reply-To <%s> is known and the thread holds "
		                 "our message to %s",
		                 thread_safe(c->refs[0], a2, sizeof(a2)), a1);
	return EMG_OK;
}

static emg_status_t
thread_check_history(thread_ctx_t *c)
{
	uint64_t count = 0;

	if (c->n_refs == 0)
		return EMG_OK;
	if (c->h == NULL)
		return scan_emit(c->scan, "THREAD_HISTORY_NOT_USED",
		                 "history not used: no DataStore open");
	emg_status_t st = history_count(c->h, &count);
	if (st == EMG_ENOMEM)
		return st;
	if (st != EMG_OK)
		return scan_emit(c->scan, "THREAD_HISTORY_NOT_USED",
		                 "history not used: store error (%s)",
		                 emg_strerror(st));
	/* Below HistoryMinMessages a store cannot tell "unknown" from "not
	 * yet learnt"; neither trust nor suspicion comes from it. */
	uint64_t min = c->scan->cfg->history_min_messages;
	if (count < min)
		return scan_emit(c->scan, "THREAD_HISTORY_NOT_USED",
		                 "history not used: cold store (%llu messages, "
		                 "HistoryMinMessages %llu)",
		                 (unsigned long long)count,
		                 (unsigned long long)min);
	return thread_judge_refs(c);
}

/* ---- hijack.quoted_sender_mismatch --------------------------------------- */

/* The organisations of the external quoted participants with an address,
 * for a detail: "partner.test, other.test". */
static void
thread_quoted_orgs(const thread_ctx_t *c, char *buf, size_t buflen)
{
	char orgs[THREAD_ORGS_SHOWN][THREAD_BUF], org[THREAD_BUF];
	size_t n = 0, off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->quote->n && n < THREAD_ORGS_SHOWN; i++) {
		const quote_participant_t *p = &c->quote->p[i];
		if (p->addr[0] == '\0' || thread_internal(c, p->addr))
			continue;
		domain_org(c->scan->psl, thread_domain_of(p->addr), org,
		           sizeof(org));
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= strcmp(orgs[k], org) == 0;
		if (!dup)
			memcpy(orgs[n++], org, sizeof(org));
	}
	for (size_t k = 0; k < n && off < buflen; k++) {
		char s[THREAD_BUF];
		int w = snprintf(buf + off, buflen - off, "%s%s", k ? ", " : "",
		                 thread_safe(orgs[k], s, sizeof(s)));
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static emg_status_t
thread_check_quote(thread_ctx_t *c)
{
	const quote_result_t *q = c->quote;
	const quote_participant_t *hit = NULL;
	char dkey[QUOTE_NAME_MAX], pkey[QUOTE_NAME_MAX];
	bool name_ok = false, participant = false, external = false;
	emg_status_t st;

	if (!q->quotes_original || q->n == 0)
		return EMG_OK;
	st = quote_name_key(c->from->display, dkey, sizeof(dkey));
	if (st != EMG_OK)
		return st;
	for (size_t i = 0; i < q->n; i++) {
		const quote_participant_t *p = &q->p[i];
		bool party = thread_same_party(c, p->addr);
		participant |= party;
		external |= p->addr[0] != '\0' && !thread_internal(c, p->addr);
		if (strlen(dkey) < THREAD_NAME_MIN || p->addr[0] == '\0')
			continue;
		if ((st = quote_name_key(p->name, pkey, sizeof(pkey))) != EMG_OK)
			return st;
		if (strcmp(dkey, pkey) != 0)
			continue;
		if (party)
			name_ok = true;
		else if (hit == NULL)
			hit = p;
	}
	char a1[THREAD_BUF], a2[THREAD_BUF], n1[THREAD_BUF];
	thread_safe(c->from->addr, a1, sizeof(a1));
	if (hit != NULL && !name_ok)
		return scan_emit(c->scan, "THREAD_QUOTED_NAME_MISMATCH",
		                 "display name \"%s\" is the quoted %s <%s> (body "
		                 "line %u); the sender is %s",
		                 thread_safe(c->from->display, n1, sizeof(n1)),
		                 hit->role == QUOTE_ROLE_FROM ? "author"
		                                              : "recipient",
		                 thread_safe(hit->addr, a2, sizeof(a2)), hit->line,
		                 a1);
	if (participant || name_ok || !external)
		return EMG_OK;
	thread_quoted_orgs(c, a2, sizeof(a2));
	return scan_emit(c->scan, "THREAD_QUOTED_NOT_PARTICIPANT",
	                 "the sender %s is not among the %zu quoted participants "
	                 "(organisations %s)",
	                 a1, q->n, a2);
}

/* ---- the analyzer -------------------------------------------------------- */

/* True for mail a list distributed: its replies thread on the list's
 * archive, not on our history. */
static bool
thread_is_list(const emg_message_t *msg)
{
	return message_header(msg, "List-Id") != NULL ||
	       message_header(msg, "List-Unsubscribe") != NULL ||
	       message_header(msg, "List-Post") != NULL;
}

static emg_status_t
thread_check(emg_scan_t *scan, void *state)
{
	(void)state;
	if (scan->msg == NULL)
		return EMG_OK;
	const emg_address_t *from = thread_from(scan->msg);
	/* A colleague forwarding a thread, a list, a message without a
	 * sender: nothing to judge. */
	if (from == NULL || thread_is_list(scan->msg) ||
	    domain_in_list(scan->psl, from->domain,
	                   &scan->cfg->internal_domains))
		return EMG_OK;

	thread_ctx_t *c = calloc(1, sizeof(*c));
	quote_result_t *q = malloc(sizeof(*q));
	emg_status_t st = EMG_ENOMEM;
	if (c == NULL || q == NULL)
		goto out;
	c->scan = scan;
	c->h = scan->history;
	c->from = from;
	c->quote = q;
	domain_org(scan->psl, from->domain, c->from_org, sizeof(c->from_org));
	c->from_freemail = domain_in_list(scan->psl, from->domain,
	                                  &scan->cfg->freemail_domains);
	thread_collect_refs(c);
	st = quote_parse(scan->msg->text, scan->msg->text ? scan->msg->text_len
	                                                  : 0,
	                 q);
	if (st == EMG_OK)
		st = thread_check_prefix(c);
	if (st == EMG_OK)
		st = thread_check_history(c);
	if (st == EMG_OK)
		st = thread_check_quote(c);
out:
	free(q);
	free(c);
	return st;
}

const emg_analyzer_t thread_analyzer = {
	.name = "thread",
	.symbols = thread_symbols,
	.n_symbols = sizeof(thread_symbols) / sizeof(thread_symbols[0]),
	.check = thread_check,
};
