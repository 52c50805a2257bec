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
report_json_score(double v)
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
report_json_str(const char *s)
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
report_json_node_findings(const emg_report_t *r, const emg_attachment_t *a)
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
report_json_walk_fields(json_object *o, const emg_attachment_t *a)
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
		                       report_json_str(a->opened_with));
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
report_json_attachment(const emg_report_t *r, const emg_attachment_t *a)
{
	json_object *o = json_object_new_object();
	if (o == NULL)
		return NULL;
	json_object_object_add(o, "name", report_json_str(a->name));
	json_object_object_add(o, "type", report_json_str(a->real_type));
	json_object_object_add(o, "declared_type",
	                       report_json_str(a->declared_type));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)a->size));
	json_object_object_add(o, "sha256", json_object_new_string(a->sha256));
	report_json_walk_fields(o, a);
	json_object *findings = report_json_node_findings(r, a);
	if (findings != NULL)
		json_object_object_add(o, "findings", findings);
	if (a->n_children > 0) {
		json_object *kids = json_object_new_array();
		for (size_t i = 0; i < a->n_children; i++)
			json_object_array_add(kids, report_json_attachment(
			                                    r, a->children[i]));
		json_object_object_add(o, "children", kids);
	}
	return o;
}

static json_object *
report_json_findings(const emg_report_t *r)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < r->n_findings; i++) {
		const emg_finding_t *f = &r->findings[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "symbol",
		                       json_object_new_string(f->symbol));
		json_object_object_add(o, "category",
		                       json_object_new_string(f->category));
		json_object_object_add(o, "score", report_json_score(f->score));
		json_object_object_add(o, "detail",
		                       report_json_str(f->detail ? f->detail : ""));
		if (f->object != NULL)
			json_object_object_add(o, "object",
			                       report_json_str(f->object));
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
	                       report_json_str(m ? m->message_id : NULL));
	json_object_object_add(root, "from", report_json_str(r->from));
	json_object_object_add(root, "subject", report_json_str(r->subject));
	json_object_object_add(root, "score", report_json_score(r->score));
	json_object_object_add(root, "action", json_object_new_string(
	                                               emg_action_name(r->action)));
	json_object_object_add(root, "findings", report_json_findings(r));
	json_object *atts = json_object_new_array();
	for (size_t i = 0; m != NULL && i < m->n_attachments; i++)
		json_object_array_add(atts, report_json_attachment(
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
