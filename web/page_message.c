/*
 * page_message.c - the message page of emguard-web (/m/ID): why a mail
 * was held, in plain words per category of findings and then each
 * finding, the envelope, the attachment tree, the header block of the
 * original bytes, the entry's audit trail and the release and delete
 * buttons.  Opening it writes one "view" line to the audit trail per
 * session and entry.
 *
 * The scan report comes from the store as JSON (read by
 * report_json_parse(), common/report_json.c); a report that does not
 * parse is shown as none: the page then gives the entry's short reason
 * and no attachments.  Everything from the message goes through
 * html_text() or html_url(); the body is never shown.
 */
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define MSGPAGE_ATT_DEPTH 16   /* nesting of the attachment tree shown */
#define MSGPAGE_AUDIT_ROWS 100 /* audit lines on a message page */

/* <section id=ID><h2>TITLE</h2>: closed by the caller. */
static void
msgpage_section(html_t *h, web_lang_t l, const char *id, web_msg_t title)
{
	html_fmt(h, "<section id=\"%s\">\n", id);
	html_wrap(h, "<h2>", i18n(l, title), "</h2>\n");
}

static void
msgpage_findings(html_t *h, const web_req_t *r, const pages_groups_t *gs)
{
	web_lang_t l = r->lang;
	html_raw(h, "<ul id=\"findings\">\n");
	for (size_t i = 0; i < gs->n; i++) {
		const pages_group_t *g = &gs->g[i];
		html_wrap(h,
		          "<li class=\"category-group\">"
		          "<h3 class=\"category\" data-category=\"",
		          g->category, "\">");
		html_text(h, i18n_category(l, g->category));
		html_raw(h, "</h3>\n<ul>\n");
		for (size_t k = 0; k < gs->n_findings; k++) {
			json_object *f =
			    json_object_array_get_idx(gs->findings, k);
			if (strcmp(report_json_str(f, "category"),
			           g->category) != 0)
				continue;
			double score = report_json_num(f, "score");
			html_raw(h, score > 0 ? "<li class=\"finding\""
			                      : "<li class=\"finding trust\"");
			html_wrap(h, " data-symbol=\"",
			          report_json_str(f, "symbol"), "\"><code>");
			html_text(h, report_json_str(f, "symbol"));
			html_fmt(h,
			         "</code> <span class=\"badge points\">%+.1f"
			         "</span> ",
			         score);
			html_text(h, report_json_str(f, "detail"));
			if (report_json_str(f, "object")[0] != '\0') {
				html_wrap(h, " <span class=\"muted\">(",
				          report_json_str(f, "object"),
				          ")</span>");
			}
			html_raw(h, "</li>\n");
		}
		html_raw(h, "</ul></li>\n");
	}
	html_raw(h, "</ul>\n");
}

static void
msgpage_why(html_t *h, const web_req_t *r, const emg_qentry_t *e,
            json_object *report)
{
	web_lang_t l = r->lang;
	pages_groups_t gs;
	msgpage_section(h, l, "why", M_WHY);
	html_raw(h, "<p class=\"summary\">");
	html_text(h, i18n(l, M_WHY_SCORE_1));
	pages_score_badge(h, r, e->score);
	html_text(h, i18n(l, M_WHY_SCORE_2));
	html_raw(h, "</p>\n");
	pages_group(report, &gs);
	if (gs.n > 0) {
		if (gs.g[0].sum > 0) {
			html_raw(h, "<p class=\"main-reason\">");
			html_text(h, i18n(l, M_WHY_MAIN));
			html_text(h, i18n_category(l, gs.g[0].category));
			html_raw(h, "</p>\n");
		}
		pages_para(h, "advice", i18n(l, M_WHY_ADVICE));
		msgpage_findings(h, r, &gs);
	} else {
		pages_para(h, "",
		           e->reason[0] ? e->reason : i18n(l, M_WHY_NONE));
		html_raw(h, "<ul id=\"findings\"></ul>\n");
	}
	html_raw(h, "</section>\n");
}

static void
msgpage_envelope(html_t *h, const web_req_t *r, const emg_qentry_t *e)
{
	web_lang_t l = r->lang;
	msgpage_section(h, l, "envelope", M_ENVELOPE);
	html_raw(h, "<dl class=\"envelope\">\n");
	pages_dl_row(h, l, M_ENV_FROM_HEADER, e->from_header);
	pages_dl_row(h, l, M_ENV_MAIL_FROM,
	             e->mail_from[0] ? e->mail_from : "<>");
	pages_rcpts(h, l, e);
	pages_dt(h, l, M_ENV_ARRIVED);
	pages_time(h, e->arrived);
	html_raw(h, "</dd>\n");
	pages_dl_row(h, l, M_ENV_CLIENT, e->client_ip);
	pages_dl_row(h, l, M_ENV_HELO, e->helo);
	pages_dl_row(h, l, M_ENV_MESSAGE_ID, e->message_id);
	pages_dt(h, l, M_ENV_SIZE);
	html_fmt(h, "%llu</dd>\n", (unsigned long long)e->size);
	pages_dt(h, l, M_ENV_SHA256);
	html_wrap(h, "<code>", e->sha256, "</code></dd>\n");
	pages_dl_row(h, l, M_ENV_HOST, e->host);
	pages_dt(h, l, M_ENV_STATUS);
	html_fmt(h, "<span id=\"status\" data-status=\"%s\">",
	         emg_qstatus_name(e->status));
	html_text(h, i18n_status(l, e->status));
	html_raw(h, "</span></dd>\n</dl>\n</section>\n");
}

/* Attachment A and, DEPTH deep, what was taken out of it (the tokener's
 * depth bound holds too, but the page indents far less). */
static void
msgpage_attachment(html_t *h, json_object *a, unsigned depth)
{
	json_object *arr;
	html_wrap(h, "<li class=\"attachment\"><span class=\"att-name\">",
	          report_json_str(a, "name"), "</span> <span class=\"muted\">");
	html_text(h, report_json_str(a, "type"));
	html_fmt(h, ", %.0f B</span>", report_json_num(a, "size"));
	size_t n = report_json_array(a, "findings", &arr);
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(f, json_type_string))
			continue;
		html_wrap(h, " <code class=\"att-finding\">",
		          report_json_string(f), "</code>");
	}
	n = report_json_array(a, "children", &arr);
	if (n > 0 && depth < MSGPAGE_ATT_DEPTH) {
		html_raw(h, "\n<ul>\n");
		for (size_t i = 0; i < n; i++)
			msgpage_attachment(h, json_object_array_get_idx(arr, i),
			                   depth + 1);
		html_raw(h, "</ul>");
	}
	html_raw(h, "</li>\n");
}

static void
msgpage_attachments(html_t *h, web_lang_t l, json_object *report)
{
	json_object *arr;
	size_t n = report_json_array(report, "attachments", &arr);
	msgpage_section(h, l, "attachments", M_ATTACHMENTS);
	if (n == 0) {
		pages_para(h, "muted", i18n(l, M_NO_ATTACHMENTS));
	} else {
		html_raw(h, "<ul>\n");
		for (size_t i = 0; i < n; i++)
			msgpage_attachment(h, json_object_array_get_idx(arr, i),
			                   0);
		html_raw(h, "</ul>\n");
	}
	html_raw(h, "</section>\n");
}

/* The header block of the original bytes: up to the first empty line. */
static void
msgpage_headers(html_t *h, web_req_t *r, const emg_qentry_t *e)
{
	web_lang_t l = r->lang;
	void *data = NULL;
	size_t len = 0;
	msgpage_section(h, l, "headers", M_HEADERS);
	pages_para(h, "muted", i18n(l, M_BODY_NOT_SHOWN));
	if (e->status == EMG_QSTATUS_DELETED ||
	    emg_quarantine_read(r->q, e->id, &data, &len) != EMG_OK) {
		pages_para(h, "", i18n(l, M_HEADERS_GONE));
		html_raw(h, "</section>\n");
		return;
	}
	const char *text = data;
	size_t end = 0;
	while (end < len && end < WEB_HEADERS_MAX) {
		const char *nl = memchr(text + end, '\n', len - end);
		size_t line =
		    nl != NULL ? (size_t)(nl - (text + end)) + 1 : len - end;
		if (line == 1 || (line == 2 && text[end] == '\r'))
			break;
		end += line;
	}
	if (end > WEB_HEADERS_MAX)
		end = WEB_HEADERS_MAX;
	html_raw(h, "<pre>");
	html_textn(h, text, end);
	html_raw(h, "</pre>\n</section>\n");
	free(data);
}

static void
msgpage_trail(html_t *h, web_req_t *r, const char *id)
{
	web_lang_t l = r->lang;
	emg_qaudit_t *lines = NULL;
	size_t n = 0;
	msgpage_section(h, l, "audit-trail", M_AUDIT_TRAIL);
	if (emg_quarantine_audit(r->q, id, MSGPAGE_AUDIT_ROWS, &lines, &n) !=
	    EMG_OK)
		web_quarantine_failed(r, "reading an audit trail");
	if (n == 0)
		pages_para(h, "muted", i18n(l, M_NO_AUDIT));
	html_raw(h, "<ul class=\"trail\">\n");
	for (size_t i = 0; i < n; i++) {
		html_raw(h, "<li>");
		pages_time(h, lines[i].at);
		html_wrap(h, " <strong>", i18n_audit_action(l, lines[i].action),
		          "</strong> ");
		html_text(h, lines[i].actor);
		if (lines[i].detail[0] != '\0') {
			html_wrap(h, " <span class=\"muted\">", lines[i].detail,
			          "</span>");
		}
		html_raw(h, "</li>\n");
	}
	html_raw(h, "</ul>\n</section>\n");
	emg_qaudit_list_free(lines, n);
}

/* The result of a release or delete that redirected here (?done=). */
static void
msgpage_done(html_t *h, web_req_t *r, const char *id)
{
	const char *done = web_arg(r, "done");
	char detail[WEB_FLASH_MAX] = "";
	bool error = true;
	web_msg_t headline;
	if (done == NULL)
		return;
	if (strcmp(done, "released") == 0)
		headline = M_RELEASED;
	else if (strcmp(done, "release-failed") == 0)
		headline = M_RELEASE_FAILED;
	else if (strcmp(done, "delete-failed") == 0)
		headline = M_DELETE_FAILED;
	else
		return;
	bool kept = web_flash_take(r, id, &error, detail, sizeof(detail));
	if (headline == M_RELEASED && kept && error)
		headline = M_RELEASE_FAILED; /* a hand-made ?done=released */
	if (headline == M_RELEASED)
		pages_div(h, "flash", i18n(r->lang, headline), detail);
	else
		pages_div(h, "error", i18n(r->lang, headline), detail);
}

static void
msgpage_buttons(html_t *h, const web_req_t *r, const emg_qentry_t *e)
{
	web_lang_t l = r->lang;
	html_raw(h, "<div class=\"actions\">");
	if (e->status != EMG_QSTATUS_DELETED) {
		html_raw(h, "<a id=\"release-button\" class=\"button\" "
		            "href=\"/m/");
		html_url(h, e->id);
		html_raw(h, "/release\">");
		html_text(h, i18n(l, M_RELEASE));
		html_raw(h, "</a><a id=\"delete-button\" class=\"button "
		            "secondary\" href=\"/m/");
		html_url(h, e->id);
		html_raw(h, "/delete\">");
		html_text(h, i18n(l, M_DELETE));
		html_raw(h, "</a>");
	}
	html_wrap(h, "<a class=\"button secondary\" href=\"/\">",
	          i18n(l, M_BACK_TO_LIST), "</a></div>\n");
}

enum MHD_Result
page_message(web_req_t *r, const char *id)
{
	enum MHD_Result ret = MHD_NO;
	emg_qentry_t *e = pages_entry(r, id, &ret);
	if (e == NULL)
		return ret;
	char actor[WEB_USER_MAX + 8];
	pages_actor(r, actor, sizeof(actor));
	if (web_first_view(r, id) &&
	    emg_quarantine_audit_add(r->q, id, actor, "view", "") != EMG_OK)
		web_quarantine_failed(r, "recording a view");
	json_object *report = report_json_parse(e->report_json);
	html_t h = {0};
	page_begin(&h, r, pages_subject(r, e));
	msgpage_done(&h, r, id);
	html_wrap(&h, "<h1 id=\"subject\">", pages_subject(r, e),
	          "</h1>\n<p class=\"badges\">");
	pages_score_badge(&h, r, e->score);
	html_raw(&h, " ");
	pages_action_badge(&h, r, e->action);
	html_wrap(&h, " <span class=\"badge\">",
	          i18n_status(r->lang, e->status), "</span> ");
	html_text(&h, pages_sender(e));
	html_raw(&h, "</p>\n");
	msgpage_buttons(&h, r, e);
	msgpage_why(&h, r, e, report);
	msgpage_envelope(&h, r, e);
	msgpage_attachments(&h, r->lang, report);
	msgpage_headers(&h, r, e);
	msgpage_trail(&h, r, id);
	page_end(&h);
	json_object_put(report);
	emg_qentry_free(e);
	return web_send_page(r, 200, &h);
}
