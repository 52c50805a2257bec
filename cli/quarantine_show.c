/*
 * quarantine_show.c - how `emguard quarantine list --json` and `show`
 * print an entry: the entry as one line of JSON, and for people the
 * envelope and verdict, the findings with the library's explanation of
 * each symbol, the attachment tree and the header block.  Everything that
 * comes from the message goes through termsafe.c.  The stored report is
 * read back by common/report_json.c, as emguard-web reads it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "emguard.h"
#include "quarantine_show.h"
#include "report_json.h"
#include "termsafe.h"

/* Nesting of the attachment tree shown. */
#define QSHOW_MAX_DEPTH 32

/* ---- JSON --------------------------------------------------------------- */

static void
qj_add_str(json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, json_object_new_string(s ? s : ""));
}

/* Entry E as one line of JSON: every field, the arrival time as RFC 3339
 * UTC and as Unix seconds, the symbols as an array, and the scan report
 * (null when it does not parse). */
void
qshow_entry_json(const emg_qentry_t *e)
{
	char when[64], score[32];
	time_t t = (time_t)e->arrived;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		when[0] = '\0';
	json_object *o = json_object_new_object();
	if (o == NULL)
		return;
	qj_add_str(o, "id", e->id);
	qj_add_str(o, "arrived", when);
	json_object_object_add(o, "arrived_epoch",
	                       json_object_new_int64(e->arrived));
	qj_add_str(o, "status", emg_qstatus_name(e->status));
	qj_add_str(o, "mail_from", e->mail_from);
	json_object *rcpts = json_object_new_array();
	for (size_t i = 0; i < e->n_rcpts; i++)
		json_object_array_add(rcpts,
		                      json_object_new_string(e->rcpts[i]));
	json_object_object_add(o, "rcpts", rcpts);
	qj_add_str(o, "client_ip", e->client_ip);
	qj_add_str(o, "helo", e->helo);
	qj_add_str(o, "from", e->from_header);
	qj_add_str(o, "subject", e->subject);
	qj_add_str(o, "message_id", e->message_id);
	snprintf(score, sizeof(score), "%.1f", e->score);
	json_object_object_add(o, "score",
	                       json_object_new_double_s(e->score, score));
	qj_add_str(o, "action", e->action);
	qj_add_str(o, "reason", e->reason);
	json_object *syms = json_object_new_array();
	for (const char *p = e->symbols; *p != '\0';) {
		size_t n = strcspn(p, ",");
		json_object_array_add(syms,
		                      json_object_new_string_len(p, (int)n));
		p += n + (p[n] == ',');
	}
	json_object_object_add(o, "symbols", syms);
	qj_add_str(o, "host", e->host);
	json_object_object_add(o, "size",
	                       json_object_new_int64((int64_t)e->size));
	qj_add_str(o, "sha256", e->sha256);
	json_object_object_add(o, "report", report_json_parse(e->report_json));
	puts(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* "Label:" in a 14-column field, then S neutralised. */
static void
qshow_field(const char *label, const char *s)
{
	printf("  %-12s", label);
	termsafe_puts(stdout, s);
	fputc('\n', stdout);
}

/* The library's description of SYMBOL, or NULL. */
static const char *
qshow_symbol_help(const char *symbol)
{
	const char *name, *cat, *desc;
	double score;
	/* bounded: the library's symbol table */
	for (size_t i = 0; emg_symbol_at(i, &name, &cat, &score, &desc); i++)
		if (strcmp(name, symbol) == 0)
			return desc;
	return NULL;
}

static void
qshow_findings(json_object *rep)
{
	json_object *arr;
	size_t n = report_json_array(rep, "findings", &arr);
	printf("\nFindings (%zu)\n", n);
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(arr, i);
		char score[32];
		snprintf(score, sizeof(score), "%+.1f",
		         report_json_num(f, "score"));
		const char *sym = report_json_str(f, "symbol");
		printf("  %6s  ", score);
		termsafe_puts(stdout, sym);
		fputs("  ", stdout);
		termsafe_puts(stdout, report_json_str(f, "category"));
		fputc('\n', stdout);
		const char *help = qshow_symbol_help(sym);
		const char *lines[] = {help ? help : "",
		                       report_json_str(f, "detail"),
		                       report_json_str(f, "object")};
		for (int k = 0; k < 3; k++) {
			if (lines[k][0] == '\0')
				continue;
			fputs(k == 2 ? "          in: " : "          ", stdout);
			termsafe_puts(stdout, lines[k]);
			fputc('\n', stdout);
		}
	}
}

/* One node of the attachment tree and its children, DEPTH deep (the
 * reader bounds the depth too). */
static void
qshow_node(json_object *a, int depth)
{
	/* "container": what the node was taken out of */
	static const char *const texts[] = {"container", "encryption",
	                                    "opened_with"};
	static const char *const labels[] = {"from", "encryption",
	                                     "opened with"};
	static const char *const flags[] = {"encrypted", "password_failed",
	                                    "unsafe_name"};
	printf("%*s- ", 2 + 2 * depth, "");
	const char *name = report_json_str(a, "name"),
	           *type = report_json_str(a, "type");
	termsafe_puts(stdout, name[0] ? name : "(no name)");
	fputs("  ", stdout);
	termsafe_puts(stdout, type);
	const char *declared = report_json_str(a, "declared_type");
	if (declared[0] && strcmp(declared, type) != 0) {
		fputs(" (declared ", stdout);
		termsafe_puts(stdout, declared);
		fputc(')', stdout);
	}
	json_object *v = report_json_get(a, "size");
	if (json_object_is_type(v, json_type_int))
		printf(", %" PRId64 " bytes", json_object_get_int64(v));
	v = report_json_get(a, "full_size");
	if (json_object_is_type(v, json_type_int))
		printf(" (%" PRId64 " unpacked)", json_object_get_int64(v));
	for (int i = 0; i < 3; i++)
		if (report_json_str(a, texts[i])[0]) {
			printf(", %s ", labels[i]);
			termsafe_puts(stdout, report_json_str(a, texts[i]));
		}
	for (int i = 0; i < 3; i++)
		if (report_json_bool(a, flags[i]))
			printf(", %s", flags[i]);
	json_object *arr;
	size_t n = report_json_array(a, "findings", &arr);
	for (size_t i = 0; i < n; i++) {
		json_object *sym = json_object_array_get_idx(arr, i);
		fputs(i == 0 ? "  [" : ", ", stdout);
		termsafe_puts(stdout, json_object_is_type(sym, json_type_string)
		                          ? json_object_get_string(sym)
		                          : "?");
		fputs(i + 1 == n ? "]" : "", stdout);
	}
	printf("\n%*ssha256 ", 4 + 2 * depth, "");
	termsafe_puts(stdout, report_json_str(a, "sha256"));
	fputc('\n', stdout);
	n = report_json_array(a, "children", &arr);
	if (n > 0 && depth + 1 >= QSHOW_MAX_DEPTH) {
		printf("%*s(deeper levels not shown)\n", 4 + 2 * depth, "");
		return;
	}
	for (size_t i = 0; i < n; i++)
		qshow_node(json_object_array_get_idx(arr, i), depth + 1);
}

static void
qshow_attachments(json_object *rep)
{
	json_object *arr;
	size_t n = report_json_array(rep, "attachments", &arr);
	printf("\nAttachments (%zu)\n", n);
	for (size_t i = 0; i < n; i++)
		qshow_node(json_object_array_get_idx(arr, i), 0);
}

/* The header block of DATA, one unfolded field a line: a continuation
 * line's leading blanks become one space. */
void
qshow_headers(const char *data, size_t len)
{
	fputs("\nHeaders\n", stdout);
	size_t i = 0;
	bool open = false;
	/* bounded by LEN: every round takes one line */
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - data) : len;
		size_t stop = end > i && data[end - 1] == '\r' ? end - 1 : end;
		if (stop == i)
			break; /* the empty line ends the header block */
		bool cont = data[i] == ' ' || data[i] == '\t';
		if (cont && open) {
			size_t k = i;
			while (k < stop && (data[k] == ' ' || data[k] == '\t'))
				k++;
			fputc(' ', stdout);
			termsafe_write(stdout, data + k, stop - k);
		} else {
			fputs(open ? "\n  " : "  ", stdout);
			termsafe_write(stdout, data + i, stop - i);
			open = true;
		}
		i = end + 1;
	}
	if (open)
		fputc('\n', stdout);
}

void
qshow_entry(const emg_qentry_t *e, const char *arrived)
{
	char size[96];
	printf("Entry %s\n", e->id);
	qshow_field("Status:", emg_qstatus_name(e->status));
	qshow_field("Arrived:", arrived);
	qshow_field("Stored on:", e->host);
	snprintf(size, sizeof(size), "%" PRIu64 " bytes, sha256 %s", e->size,
	         e->sha256);
	qshow_field("Size:", size);
	fputs("\nEnvelope\n", stdout);
	qshow_field("MAIL FROM:", e->mail_from[0] ? e->mail_from : "<>");
	for (size_t i = 0; i < e->n_rcpts; i++)
		qshow_field(i == 0 ? "RCPT TO:" : "", e->rcpts[i]);
	qshow_field("Client:", e->client_ip);
	qshow_field("HELO:", e->helo);
	fputs("\nVerdict\n", stdout);
	snprintf(size, sizeof(size), "%.1f", e->score);
	qshow_field("Score:", size);
	qshow_field("Action:", e->action);
	qshow_field("Reason:", e->reason);
	qshow_field("From:", e->from_header);
	qshow_field("Subject:", e->subject);
	qshow_field("Message-ID:", e->message_id);
}

bool
qshow_report(const char *report_json)
{
	json_object *rep = report_json_parse(report_json);
	bool ok = rep != NULL || report_json == NULL || report_json[0] == '\0';
	if (!ok)
		fputs("\n(the stored scan report does not parse)\n", stdout);
	qshow_findings(rep);
	qshow_attachments(rep);
	json_object_put(rep);
	return ok;
}
