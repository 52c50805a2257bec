/*
 * report.c - the scan report: findings, total score and action, rendered as
 * one line of JSON (json-c) or as text for people.
 *
 * Text output goes to terminals: every control character that comes from a
 * message (names, subjects, details) is replaced, so a hostile subject cannot
 * move the cursor or retitle the terminal.
 */
#include "report.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "config.h"
#include "text.h"

emg_status_t
report_new(emg_report_t **out)
{
	emg_report_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return EMG_ENOMEM;
	*out = r;
	return EMG_OK;
}

static bool
report_same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

emg_status_t
report_add(emg_report_t *r, const emg_symbol_t *sym, double score, char *detail,
           const emg_attachment_t *att)
{
	const char *object = att != NULL ? attachment_label(att) : NULL;
	for (size_t i = 0; i < r->n_findings; i++) {
		const emg_finding_t *f = &r->findings[i];
		if (f->symbol == sym->name && report_same(f->detail, detail) &&
		    report_same(f->object, object)) {
			free(detail);
			return EMG_OK;
		}
	}
	char *obj = NULL;
	if (object != NULL && (obj = strdup(object)) == NULL) {
		free(detail);
		return EMG_ENOMEM;
	}
	if (r->n_findings == r->cap_findings) {
		size_t cap = r->cap_findings ? r->cap_findings * 2 : 8;
		emg_finding_t *v = realloc(r->findings, cap * sizeof(*v));
		if (v == NULL) {
			free(detail);
			free(obj);
			return EMG_ENOMEM;
		}
		r->findings = v;
		r->cap_findings = cap;
	}
	r->findings[r->n_findings++] = (emg_finding_t){
		.symbol = sym->name,
		.category = sym->category,
		.score = score,
		.detail = detail,
		.force = sym->force,
		.object = obj,
	};
	return EMG_OK;
}

void
report_finish(emg_report_t *r, const emg_config_t *cfg)
{
	double total = 0;
	emg_action_t forced = EMG_ACTION_ACCEPT;
	for (size_t i = 0; i < r->n_findings; i++) {
		total += r->findings[i].score;
		if (r->findings[i].force > forced)
			forced = r->findings[i].force;
	}
	/* Two decimals are all a person reads; rounding here keeps JSON and
	 * text in agreement. */
	r->score = round(total * 100.0) / 100.0;
	r->action = policy_action_for(cfg, r->score);
	if (forced > r->action)
		r->action = forced;
}

double emg_report_score(const emg_report_t *r) { return r->score; }
emg_action_t emg_report_action(const emg_report_t *r) { return r->action; }
size_t emg_report_finding_count(const emg_report_t *r) { return r->n_findings; }

bool
emg_report_outbound(const emg_report_t *r)
{
	return r != NULL && r->outbound;
}

const char *
emg_report_message_id(const emg_report_t *r)
{
	return r->msg != NULL ? r->msg->message_id : NULL;
}

const emg_finding_t *
emg_report_finding(const emg_report_t *r, size_t i)
{
	return i < r->n_findings ? &r->findings[i] : NULL;
}

bool
emg_report_has(const emg_report_t *r, const char *symbol)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].symbol, symbol) == 0)
			return true;
	return false;
}

void
emg_report_free(emg_report_t *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_findings; i++) {
		free((char *)r->findings[i].detail);
		free((char *)r->findings[i].object);
	}
	free(r->findings);
	message_free(r->msg);
	free(r->subject);
	free(r->from);
	free(r);
}

/* ---- JSON ---------------------------------------------------------------- */

/* A double that serialises with at most two decimals ("14.5", not
 * "14.500000000000002"). */
static json_object *
report_out_score(double v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%.2f", v);
	/* Trim trailing zeros but keep one digit after the point. */
	size_t n = strlen(buf);
	while (n > 3 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[--n] = '\0';
	return json_object_new_double_s(v, buf);
}

/* A JSON string that is valid UTF-8 whatever the message held: names and
 * subjects come from hostile input, and a JSON Lines consumer rejects a line
 * with broken UTF-8. */
static json_object *
report_out_str(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t len = strlen(s);
	if (text_valid_utf8(s, len))
		return json_object_new_string(s);
	char *fixed = text_utf8_repair(s, len);
	if (fixed == NULL)
		return NULL;
	json_object *o = json_object_new_string(fixed);
	free(fixed);
	return o;
}

/* The symbols of R's findings about node A. */
static json_object *
report_out_node_findings(const emg_report_t *r, const emg_attachment_t *a)
{
	json_object *arr = NULL;
	const char *label = attachment_label(a);
	for (size_t i = 0; i < r->n_findings; i++) {
		const emg_finding_t *f = &r->findings[i];
		if (f->object == NULL || strcmp(f->object, label) != 0)
			continue;
		if (arr == NULL && (arr = json_object_new_array()) == NULL)
			return NULL;
		json_object_array_add(arr, json_object_new_string(f->symbol));
	}
	return arr;
}

/* What the walker learnt about node A: only the members that apply, so
 * that a plain attachment stays a short line. */
static void
report_out_walk_fields(json_object *o, const emg_attachment_t *a)
{
	if (a->container != NULL)
		json_object_object_add(o, "container",
		                       json_object_new_string(a->container));
	if (a->encrypted) {
		json_object_object_add(o, "encrypted",
		                       json_object_new_boolean(1));
		if (a->enc_method != NULL)
			json_object_object_add(
			    o, "encryption", json_object_new_string(a->enc_method));
	}
	if (a->opened_with != NULL)
		json_object_object_add(o, "opened_with",
		                       report_out_str(a->opened_with));
	if (a->password_failed)
		json_object_object_add(o, "password_failed",
		                       json_object_new_boolean(1));
	if (a->unsafe_name)
		json_object_object_add(o, "unsafe_name",
		                       json_object_new_boolean(1));
	if (a->inflated)
		json_object_object_add(o, "full_size",
		                       json_object_new_int64((int64_t)a->full_size));
}

/* The attachment tree.  Its depth is bounded by LimitMimeDepth plus
 * LimitArchiveDepth, so plain recursion is bounded too. */
static json_object *
report_out_attachment(const emg_report_t *r, const emg_attachment_t *a)
{
	json_object *o = json_object_new_object();
	if (o == NULL)
		return NULL;
	json_object_object_add(o, "name", report_out_str(a->name));
	json_object_object_add(o, "type", report_out_str(a->real_type));
	json_object_object_add(o, "declared_type",
	                       report_out_str(a->declared_type));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)a->size));
	json_object_object_add(o, "sha256", json_object_new_string(a->sha256));
	report_out_walk_fields(o, a);
	json_object *findings = report_out_node_findings(r, a);
	if (findings != NULL)
		json_object_object_add(o, "findings", findings);
	if (a->n_children > 0) {
		json_object *kids = json_object_new_array();
		for (size_t i = 0; i < a->n_children; i++)
			json_object_array_add(kids, report_out_attachment(
			                                    r, a->children[i]));
		json_object_object_add(o, "children", kids);
	}
	return o;
}

static json_object *
report_out_findings(const emg_report_t *r)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < r->n_findings; i++) {
		const emg_finding_t *f = &r->findings[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "symbol",
		                       json_object_new_string(f->symbol));
		json_object_object_add(o, "category",
		                       json_object_new_string(f->category));
		json_object_object_add(o, "score", report_out_score(f->score));
		json_object_object_add(o, "detail",
		                       report_out_str(f->detail ? f->detail : ""));
		if (f->object != NULL)
			json_object_object_add(o, "object",
			                       report_out_str(f->object));
		json_object_array_add(arr, o);
	}
	return arr;
}

emg_status_t
emg_report_json(const emg_report_t *r, const char *file, char **out)
{
	json_object *root = json_object_new_object();
	if (root == NULL)
		return EMG_ENOMEM;
	const emg_message_t *m = r->msg;
	if (file != NULL)
		json_object_object_add(root, "file", json_object_new_string(file));
	json_object_object_add(root, "message_id",
	                       report_out_str(m ? m->message_id : NULL));
	json_object_object_add(root, "from", report_out_str(r->from));
	json_object_object_add(root, "subject", report_out_str(r->subject));
	json_object_object_add(root, "score", report_out_score(r->score));
	json_object_object_add(root, "action", json_object_new_string(
	                                               emg_action_name(r->action)));
	json_object_object_add(root, "findings", report_out_findings(r));
	json_object *atts = json_object_new_array();
	for (size_t i = 0; m != NULL && i < m->n_attachments; i++)
		json_object_array_add(atts, report_out_attachment(
		                                r, m->attachments[i]));
	json_object_object_add(root, "attachments", atts);

	const char *s = json_object_to_json_string_ext(
	    root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = s != NULL ? strdup(s) : NULL;
	json_object_put(root);
	return *out != NULL ? EMG_OK : EMG_ENOMEM;
}

/* ---- text -------------------------------------------------------------- */

/* Print S with C0 controls, DEL and the C1 range (UTF-8 C2 80..9F)
 * replaced by '?', so that message content cannot drive the terminal. */
static void
report_put_safe(FILE *fp, const char *s)
{
	s = s ? s : "";
	char *fixed = NULL;
	if (!text_valid_utf8(s, strlen(s)) &&
	    (fixed = text_utf8_repair(s, strlen(s))) != NULL)
		s = fixed;
	const unsigned char *p = (const unsigned char *)s;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			fputc('?', fp);
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fputc('?', fp);
			p++;
		} else {
			fputc(*p, fp);
		}
	}
	free(fixed);
}

typedef struct report_colors {
	const char *bold, *red, *yellow, *green, *dim, *off;
} report_colors_t;

static const char *
report_action_color(const report_colors_t *c, emg_action_t a)
{
	switch (a) {
	case EMG_ACTION_ACCEPT: return c->green;
	case EMG_ACTION_TAG: return c->yellow;
	default: return c->red;
	}
}

static void
report_text_attachment(FILE *fp, const emg_attachment_t *a, unsigned indent,
                       const report_colors_t *c)
{
	fprintf(fp, "%*s- ", (int)(4 + 2 * indent), "");
	report_put_safe(fp, a->name ? a->name : "(no name)");
	fprintf(fp, "  %s", a->real_type ? a->real_type : "?");
	if (a->declared_type != NULL && a->real_type != NULL &&
	    strcmp(a->declared_type, a->real_type) != 0) {
		fputs(" (declared ", fp);
		report_put_safe(fp, a->declared_type);
		fputc(')', fp);
	}
	fprintf(fp, "  %zu bytes  %ssha256 %.16s…%s\n", a->size, c->dim,
	        a->sha256, c->off);
	for (size_t i = 0; i < a->n_children && indent < 32; i++)
		report_text_attachment(fp, a->children[i], indent + 1, c);
}

emg_status_t
emg_report_text(const emg_report_t *r, const char *file, bool color, FILE *fp)
{
	static const report_colors_t on = {"\033[1m", "\033[31m", "\033[33m",
	                                   "\033[32m", "\033[2m", "\033[0m"};
	static const report_colors_t off = {"", "", "", "", "", ""};
	const report_colors_t *c = color ? &on : &off;
	const emg_message_t *m = r->msg;

	fprintf(fp, "%s", c->bold);
	report_put_safe(fp, file ? file : "(message)");
	fprintf(fp, "%s  %s%s%s  score %.2f\n", c->off,
	        report_action_color(c, r->action), emg_action_name(r->action),
	        c->off, r->score);
	if (r->from != NULL) {
		fputs("  From:    ", fp);
		report_put_safe(fp, r->from);
		fputc('\n', fp);
	}
	if (r->subject != NULL) {
		fputs("  Subject: ", fp);
		report_put_safe(fp, r->subject);
		fputc('\n', fp);
	}
	if (m != NULL && m->message_id != NULL) {
		fputs("  Msg-ID:  ", fp);
		report_put_safe(fp, m->message_id);
		fputc('\n', fp);
	}
	for (size_t i = 0; i < r->n_findings; i++) {
		const emg_finding_t *f = &r->findings[i];
		fprintf(fp, "  %s%+6.2f%s  %s  %s%s%s\n      ",
		        f->score > 0 ? c->yellow : c->dim, f->score, c->off,
		        f->symbol, c->dim, f->category, c->off);
		report_put_safe(fp, f->detail);
		fputc('\n', fp);
	}
	if (m != NULL && m->n_attachments > 0) {
		fputs("  Attachments:\n", fp);
		for (size_t i = 0; i < m->n_attachments; i++)
			report_text_attachment(fp, m->attachments[i], 0, c);
	}
	return ferror(fp) ? EMG_EIO : EMG_OK;
}

/* ---- thread history --------------------------------------------------------
 *
 * The public face of the history store (history.h is internal: the shared
 * library exports emg_* only) and the entry it records, taken from the
 * parsed message a report carries or from a raw message's header block.
 * Appended here because report.c owns that message; the section's includes
 * are therefore its own.  The subject is stored NFKC-normalised with its
 * reply and forward prefixes removed, so that "Ｒｅ：Re: 見積" and "見積"
 * are one thread.
 */
#include <gmime/gmime.h>
#include <strings.h>
#include <time.h>

#include "history.h"

#define REPORT_HISTORY_ID_MAX 998 /* an RFC 5322 line */
/* Prefixes stripped from one subject ("Re: Re: Fw: ..."). */
#define REPORT_HISTORY_MAX_PREFIXES 16
/* HistoryRetention's default, for a caller without a configuration. */
#define REPORT_HISTORY_RETENTION_DAYS 400

struct emg_history {
	history_t *store;
};

struct emg_history_entry {
	history_msg_t msg; /* points into the fields below */
	char *message_id, *from_addr, *from_name, *subject;
	char **rcpts;
	char **rcpt_names; /* parallel to rcpts; entries may be NULL */
	size_t n_rcpts;
	char **refs;
	size_t n_refs;
};

/* A copy of RAW with the angle brackets and blanks around it removed;
 * NULL in *OUT when nothing usable is left or it is longer than a line. */
static emg_status_t
report_history_id(const char *raw, char **out)
{
	*out = NULL;
	if (raw == NULL)
		return EMG_OK;
	size_t len = strlen(raw);
	while (len > 0 && (*raw == '<' || *raw == ' ' || *raw == '\t')) {
		raw++;
		len--;
	}
	while (len > 0 && (raw[len - 1] == '>' || raw[len - 1] == ' ' ||
	                   raw[len - 1] == '\t'))
		len--;
	if (len == 0 || len > REPORT_HISTORY_ID_MAX)
		return EMG_OK;
	if ((*out = strndup(raw, len)) == NULL)
		return EMG_ENOMEM;
	return EMG_OK;
}

/* A copy of ADDR with ASCII letters lowercased (history.h: addresses are
 * stored lowercased); NULL in *OUT for an empty address. */
static emg_status_t
report_history_addr(const char *addr, char **out)
{
	*out = NULL;
	if (addr == NULL || *addr == '\0')
		return EMG_OK;
	if ((*out = strdup(addr)) == NULL)
		return EMG_ENOMEM;
	for (char *p = *out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return EMG_OK;
}

/* Index of S in the N strings of V, or N. */
static size_t
report_history_find(char *const *v, size_t n, const char *s)
{
	size_t i = 0;
	while (i < n && strcmp(v[i], s) != 0)
		i++;
	return i;
}

/* The length of the reply or forward prefix at P ("Re:", "RE[2]:",
 * "Fwd :", "返信:"), or 0 when none starts there.  P is NFKC, so the
 * full-width forms ("Ｒｅ：") have become these. */
static size_t
report_history_prefix(const char *p)
{
	static const char *const words[] = {
	    "re", "fw",  "fwd",  "aw",   "wg",   "sv",   "vs",   "antw", "tr",
	    "rv", "enc", "返信", "転送", "回复", "回覆", "答复", "转发", "轉寄",
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		if (strncasecmp(p, words[i], n) != 0)
			continue;
		const char *q = p + n;
		if (*q == '[' || *q == '(') { /* Re[2]: Re(2): */
			char close = *q == '[' ? ']' : ')';
			const char *d = q + 1;
			while (d - q <= 4 && *d >= '0' && *d <= '9')
				d++;
			if (d == q + 1 || *d != close)
				continue;
			q = d + 1;
		}
		for (int blanks = 0; blanks < 3 && *q == ' '; blanks++)
			q++;
		if (*q == ':')
			return (size_t)(q + 1 - p);
	}
	return 0;
}

/* SUBJECT NFKC-normalised, its reply prefixes removed and its blanks
 * folded; NULL in *OUT when there is no subject. */
static emg_status_t
report_history_subject(const char *subject, char **out)
{
	*out = NULL;
	if (subject == NULL)
		return EMG_OK;
	size_t len = 0;
	char *nfkc = text_nfkc(subject, strlen(subject), &len);
	if (nfkc == NULL)
		return EMG_ENOMEM;
	const char *p = nfkc;
	for (int i = 0; i < REPORT_HISTORY_MAX_PREFIXES; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = report_history_prefix(p);
		if (n == 0)
			break;
		p += n;
	}
	char *s = malloc(strlen(p) + 1), *w = s;
	if (s == NULL) {
		free(nfkc);
		return EMG_ENOMEM;
	}
	for (; *p; p++) { /* bounded by the string */
		bool blank =
		    *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';
		if (!blank)
			*w++ = *p;
		else if (w > s && w[-1] != ' ')
			*w++ = ' ';
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	free(nfkc);
	*out = s;
	return EMG_OK;
}

/* Unix seconds of the Date header RAW; NOW when there is none, it cannot
 * be read, or it lies more than a day ahead (a forged date would otherwise
 * outlive every prune). */
static int64_t
report_history_date(const char *raw, int64_t now)
{
	if (raw == NULL)
		return now;
	GDateTime *dt = g_mime_utils_header_decode_date(raw);
	if (dt == NULL)
		return now;
	int64_t t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t <= 0 || t > now + 86400 ? now : t;
}

void
emg_history_entry_free(emg_history_entry_t *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n_rcpts; i++) {
		free(e->rcpts[i]);
		free(e->rcpt_names[i]);
	}
	for (size_t i = 0; i < e->n_refs; i++)
		free(e->refs[i]);
	free(e->rcpts);
	free(e->rcpt_names);
	free(e->refs);
	free(e->message_id);
	free(e->from_addr);
	free(e->from_name);
	free(e->subject);
	free(e);
}

/* Recipients (To, then Cc) of M with their display names into E: the
first HISTORY_MAX_RCPTS distinct addresses, as the store keeps them. */
static emg_status_t
report_history_rcpts(const emg_message_t *m, emg_history_entry_t *e)
{
	e->rcpts = calloc(HISTORY_MAX_RCPTS, sizeof(char *));
	e->rcpt_names = calloc(HISTORY_MAX_RCPTS, sizeof(char *));
	if (e->rcpts == NULL || e->rcpt_names == NULL)
		return EMG_ENOMEM;
	const emg_addrlist_t *lists[] = {&m->to, &m->cc};
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			if (e->n_rcpts == HISTORY_MAX_RCPTS)
				return EMG_OK;
			const emg_address_t *a = &lists[l]->v[i];
			char *addr;
			if (report_history_addr(a->addr, &addr) != EMG_OK)
				return EMG_ENOMEM;
			if (addr == NULL ||
			    report_history_find(e->rcpts, e->n_rcpts, addr) <
			        e->n_rcpts) {
				free(addr);
				continue;
			}
			e->rcpts[e->n_rcpts++] = addr;
			if (a->display != NULL && *a->display != '\0' &&
			    (e->rcpt_names[e->n_rcpts - 1] =
			         strdup(a->display)) == NULL)
				return EMG_ENOMEM;
		}
	return EMG_OK;
}

/* Add the reference RAW to E unless it is unusable, known or one too
 * many. */
static emg_status_t
report_history_ref(emg_history_entry_t *e, const char *raw)
{
	char *id;
	if (report_history_id(raw, &id) != EMG_OK)
		return EMG_ENOMEM;
	if (id == NULL || e->n_refs == HISTORY_MAX_REFS ||
	    report_history_find(e->refs, e->n_refs, id) < e->n_refs)
		free(id);
	else
		e->refs[e->n_refs++] = id;
	return EMG_OK;
}

/* References of M into E: In-Reply-To first (history.h), then the newest
 * of References, which lists the oldest first. */
static emg_status_t
report_history_refs(const emg_message_t *m, emg_history_entry_t *e)
{
	e->refs = calloc(HISTORY_MAX_REFS, sizeof(char *));
	if (e->refs == NULL || report_history_ref(e, m->in_reply_to) != EMG_OK)
		return EMG_ENOMEM;
	size_t n = m->references.n;
	for (size_t i = n; i > 0 && e->n_refs < HISTORY_MAX_REFS; i--)
		if (report_history_ref(e, m->references.v[i - 1]) != EMG_OK)
			return EMG_ENOMEM;
	return EMG_OK;
}

/* The entry of the parsed message M (NULL: nothing was parsed). */
static emg_status_t
report_history_entry(const emg_message_t *m, emg_history_entry_t **out)
{
	*out = NULL;
	char *id = NULL;
	if (m == NULL)
		return EMG_OK;
	if (report_history_id(m->message_id, &id) != EMG_OK)
		return EMG_ENOMEM;
	if (id == NULL) /* no Message-ID: nothing to key the entry on */
		return EMG_OK;
	emg_history_entry_t *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		free(id);
		return EMG_ENOMEM;
	}
	e->message_id = id;
	emg_status_t st = EMG_OK;
	if (m->from.n > 0) {
		const emg_address_t *f = &m->from.v[0];
		st = report_history_addr(f->addr, &e->from_addr);
		if (st == EMG_OK && f->display != NULL && *f->display != '\0' &&
		    (e->from_name = strdup(f->display)) == NULL)
			st = EMG_ENOMEM;
	}
	if (st == EMG_OK)
		st = report_history_subject(m->subject, &e->subject);
	if (st == EMG_OK)
		st = report_history_rcpts(m, e);
	if (st == EMG_OK)
		st = report_history_refs(m, e);
	if (st != EMG_OK) {
		emg_history_entry_free(e);
		return st;
	}
	e->msg = (history_msg_t){
	    .message_id = e->message_id,
	    .from_addr = e->from_addr,
	    .from_name = e->from_name,
	    .rcpts = (const char *const *)e->rcpts,
	    .n_rcpts = e->n_rcpts,
	    .rcpt_names = (const char *const *)e->rcpt_names,
	    .subject = e->subject,
	    .date = report_history_date(m->date, (int64_t)time(NULL)),
	    .refs = (const char *const *)e->refs,
	    .n_refs = e->n_refs,
	};
	*out = e;
	return EMG_OK;
}

emg_status_t
emg_history_entry_from_report(const emg_report_t *report,
                              emg_history_entry_t **out)
{
	if (out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	if (report == NULL)
		return EMG_EINVAL;
	return report_history_entry(report->msg, out);
}

emg_status_t
emg_history_entry_parse(const emg_config_t *cfg, const void *data, size_t len,
                        emg_history_entry_t **out)
{
	if (out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	if (cfg == NULL || (data == NULL && len > 0))
		return EMG_EINVAL;
	/* The header block and its blank line only: the body and the
	 * attachments are not needed, and parsing them is most of the cost. */
	const char *p = data;
	size_t hlen = len;
	for (size_t i = 0; i + 1 < len; i++)
		if (p[i] == '\n' &&
		    (p[i + 1] == '\n' ||
		     (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n'))) {
			hlen = i + 1;
			break;
		}
	emg_message_t *m = NULL;
	emg_status_t st =
	    message_parse(hlen > 0 ? p : "", hlen, &cfg->limits, NULL, &m);
	if (st != EMG_OK)
		return st;
	st = report_history_entry(m, out);
	message_free(m);
	return st;
}

emg_status_t
emg_history_open(const emg_config_t *cfg, emg_history_t **out, char *err,
                 size_t errlen)
{
	if (out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	if (cfg == NULL)
		return EMG_EINVAL;
	if (cfg->data_store == NULL || cfg->data_store[0] == '\0') {
		if (errlen > 0)
			snprintf(err, errlen, "no DataStore configured");
		return EMG_ECONFIG;
	}
	emg_history_t *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return EMG_ENOMEM;
	emg_status_t st = history_open(cfg->data_store, &h->store, err, errlen);
	if (st != EMG_OK) {
		free(h);
		return st;
	}
	*out = h;
	return EMG_OK;
}

void
emg_history_close(emg_history_t *h)
{
	if (h == NULL)
		return;
	history_close(h->store);
	free(h);
}

emg_status_t
emg_history_record(emg_history_t *h, const emg_history_entry_t *e,
                   bool outbound, bool *added)
{
	if (added != NULL)
		*added = false;
	if (h == NULL || e == NULL)
		return EMG_EINVAL;
	return history_record(h->store, &e->msg, outbound, added);
}

const char *
emg_history_error(const emg_history_t *h)
{
	return h != NULL ? history_error(h->store) : "no history handle";
}

emg_status_t
emg_history_batch_begin(emg_history_t *h)
{
	return h != NULL ? history_batch_begin(h->store) : EMG_EINVAL;
}

emg_status_t
emg_history_batch_commit(emg_history_t *h)
{
	return h != NULL ? history_batch_commit(h->store) : EMG_EINVAL;
}

void
emg_history_batch_abort(emg_history_t *h)
{
	if (h != NULL)
		history_batch_abort(h->store);
}

emg_status_t
emg_history_count(emg_history_t *h, uint64_t *messages)
{
	if (h == NULL || messages == NULL)
		return EMG_EINVAL;
	return history_count(h->store, messages);
}

emg_status_t
emg_history_prune(emg_history_t *h, int64_t before, uint64_t *removed)
{
	if (h == NULL || removed == NULL)
		return EMG_EINVAL;
	return history_prune(h->store, before, removed);
}

unsigned
emg_history_retention_days(const emg_config_t *cfg)
{
	return cfg != NULL ? cfg->history_retention_days
	                   : REPORT_HISTORY_RETENTION_DAYS;
}
