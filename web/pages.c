/*
 * pages.c - the pages of emguard-web (the contract is in the issue 7
 * notes): the frame every page shares, login, the list with its filters
 * and paging, the release and delete confirmations and actions, the audit
 * log and the error page; and the small pieces the message page
 * (page_message.c) shares with them.
 *
 * Everything that comes from a message or a client (subjects, addresses,
 * header lines, attachment names, findings' details, query values) goes
 * through html_text() or html_url(); the mail's body is never shown and
 * a page loads nothing but /style.css.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "release.h"
#include "web.h"

#define PAGES_AUDIT_PAGES 200 /* pages of the audit log */
#define PAGES_ARGS_MAX 16     /* query arguments kept by the switch */
#define PAGES_QUERY_MAX 256   /* a search text or symbol */
#define PAGES_RCPTS_SHOWN 3   /* recipients named in the list */

/* ---- small pieces, most shared with page_message.c (web.h) -------------- */

void
pages_time(html_t *h, int64_t at)
{
	char buf[32];
	struct tm tm;
	time_t t = (time_t)at;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, sizeof(buf), "%lld", (long long)at);
	html_raw(h, buf);
}

static const char *
pages_score_class(const web_req_t *r, double score)
{
	if (score >= r->cfg->threshold_reject)
		return "score-high";
	if (score >= r->cfg->threshold_quarantine)
		return "score-mid";
	return "score-low";
}

void
pages_score_badge(html_t *h, const web_req_t *r, double score)
{
	html_fmt(h, "<span class=\"badge %s\">%.1f</span>",
	         pages_score_class(r, score), score);
}

void
pages_action_badge(html_t *h, const web_req_t *r, const char *verdict)
{
	bool reject = strcmp(verdict, "reject") == 0;
	html_raw(h, reject ? "<span class=\"badge action-reject\">"
	                   : "<span class=\"badge action-quarantine\">");
	html_text(h, i18n_verdict(r->lang, verdict));
	html_raw(h, "</span>");
}

static void
pages_csrf_field(html_t *h, const web_req_t *r)
{
	html_fmt(h, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
	         r->csrf);
}

void
pages_div(html_t *h, const char *id, const char *headline, const char *detail)
{
	html_fmt(h, "<div id=\"%s\" role=\"%s\">", id,
	         strcmp(id, "error") == 0 ? "alert" : "status");
	html_wrap(h, "<p>", headline, "</p>");
	if (detail != NULL && *detail != '\0')
		html_wrap(h, "<p class=\"muted\">", detail, "</p>");
	html_raw(h, "</div>\n");
}

/* A paragraph of TEXT with CLASS ("" for none). */
void
pages_para(html_t *h, const char *cls, const char *text)
{
	if (*cls != '\0')
		html_fmt(h, "<p class=\"%s\">", cls);
	else
		html_raw(h, "<p>");
	html_text(h, text);
	html_raw(h, "</p>\n");
}

const char *
pages_subject(const web_req_t *r, const emg_qentry_t *e)
{
	return e->subject[0] != '\0' ? e->subject : i18n(r->lang, M_NO_SUBJECT);
}

const char *
pages_sender(const emg_qentry_t *e)
{
	return e->from_header[0] != '\0' ? e->from_header : e->mail_from;
}

void
pages_dt(html_t *h, web_lang_t l, web_msg_t label)
{
	html_wrap(h, "<dt>", i18n(l, label), "</dt><dd>");
}

/* A <dt> and a <dd> holding TEXT. */
void
pages_dl_row(html_t *h, web_lang_t l, web_msg_t label, const char *text)
{
	pages_dt(h, l, label);
	html_text(h, text);
	html_raw(h, "</dd>\n");
}

void
pages_rcpts(html_t *h, web_lang_t l, const emg_qentry_t *e)
{
	pages_dt(h, l, M_ENV_RCPTS);
	for (size_t i = 0; i < e->n_rcpts; i++) {
		html_raw(h, i > 0 ? ", " : "");
		html_text(h, e->rcpts[i]);
	}
	html_raw(h, "</dd>\n");
}

/* ---- the frame ---------------------------------------------------------- */

typedef struct pages_switch {
	html_t *h;
	unsigned n;
} pages_switch_t;

static enum MHD_Result
pages_switch_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                 const char *value)
{
	pages_switch_t *sw = cls;
	if (strcmp(key, "lang") == 0 || strcmp(key, "done") == 0)
		return MHD_YES;
	if (sw->n++ >= PAGES_ARGS_MAX)
		return MHD_NO;
	html_url(sw->h, key);
	html_raw(sw->h, "=");
	html_url(sw->h, value != NULL ? value : "");
	html_raw(sw->h, "&amp;");
	return MHD_YES;
}

/* The link to the same page in the other language, its arguments kept. */
static void
pages_lang_switch(html_t *h, const web_req_t *r)
{
	web_lang_t other = r->lang == LANG_EN ? LANG_JA : LANG_EN;
	const char *path = r->url;
	if (r->post && strcmp(path, "/logout") == 0)
		path = "/";
	html_wrap(h, "<a id=\"lang-switch\" href=\"", path, "?");
	if (!r->post) {
		pages_switch_t sw = {.h = h};
		MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND,
		                          pages_switch_arg, &sw);
	}
	html_fmt(h, "lang=%s\" hreflang=\"%s\" lang=\"%s\">", i18n_code(other),
	         i18n_code(other), i18n_code(other));
	html_text(h, i18n(r->lang, M_LANG_OTHER));
	html_raw(h, "</a>\n");
}

void
page_begin(html_t *h, const web_req_t *r, const char *title)
{
	web_lang_t l = r->lang;
	html_fmt(h,
	         "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	         "<meta charset=\"utf-8\">\n"
	         "<meta name=\"viewport\" content=\"width=device-width, "
	         "initial-scale=1\">\n"
	         "<meta name=\"referrer\" content=\"no-referrer\">\n<title>",
	         i18n_code(l));
	html_text(h, title);
	html_wrap(h, " - ", i18n(l, M_PRODUCT),
	          "</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n"
	          "</head>\n<body>\n<header class=\"top\">\n"
	          "<a class=\"product\" href=\"/\">");
	html_text(h, i18n(l, M_PRODUCT));
	html_raw(h, "</a>\n");
	if (r->authed) {
		html_wrap(h, "<nav><a id=\"nav-list\" href=\"/\">",
		          i18n(l, M_NAV_LIST),
		          "</a> <a id=\"nav-audit\" href=\"/audit\">");
		html_text(h, i18n(l, M_NAV_AUDIT));
		html_raw(h, "</a></nav>\n");
	}
	html_raw(h, "<div class=\"who\">\n");
	if (r->authed) {
		html_wrap(h, "<span class=\"user\">", i18n(l, M_SIGNED_IN_AS),
		          " <strong id=\"user\">");
		html_text(h, r->user);
		html_raw(h, "</strong></span>\n");
	}
	pages_lang_switch(h, r);
	if (r->authed) {
		html_raw(h, "<form id=\"logout\" method=\"post\" "
		            "action=\"/logout\">");
		pages_csrf_field(h, r);
		html_wrap(h, "<button type=\"submit\">", i18n(l, M_LOGOUT),
		          "</button></form>\n");
	}
	html_raw(h, "</div>\n</header>\n<main>\n");
}

void
page_end(html_t *h)
{
	html_raw(h, "</main>\n</body>\n</html>\n");
}

enum MHD_Result
page_error(web_req_t *r, unsigned status, web_msg_t what)
{
	html_t h = {0};
	page_begin(&h, r, i18n(r->lang, M_ERR_TITLE));
	html_fmt(&h, "<h1>%u ", status);
	html_text(&h, i18n(r->lang, M_ERR_TITLE));
	html_raw(&h, "</h1>\n");
	pages_div(&h, "error", i18n(r->lang, what), NULL);
	if (r->authed) {
		html_raw(&h, "<p><a href=\"/\">");
		html_text(&h, i18n(r->lang, M_BACK_TO_LIST));
	} else {
		html_raw(&h, "<p><a href=\"/login\">");
		html_text(&h, i18n(r->lang, M_LOGIN_TITLE));
	}
	html_raw(&h, "</a></p>\n");
	page_end(&h);
	return web_send_page(r, status, &h);
}

/* ---- login -------------------------------------------------------------- */

static enum MHD_Result
pages_login_form(web_req_t *r, unsigned status, const char *error,
                 const char *user)
{
	web_lang_t l = r->lang;
	char token[WEB_TOKEN_LEN + 1];
	if (!web_login_form_token(r, token))
		return page_error(r, 503, M_ERR_STORE);
	html_t h = {0};
	page_begin(&h, r, i18n(l, M_LOGIN_TITLE));
	html_wrap(&h,
	          "<form id=\"login\" class=\"login\" method=\"post\" "
	          "action=\"/login\">\n<h1>",
	          i18n(l, M_LOGIN_TITLE), "</h1>\n");
	html_fmt(&h, "<input type=\"hidden\" name=\"login_token\" "
	             "value=\"%s\">\n", token);
	if (error != NULL)
		pages_div(&h, "error", error, NULL);
	html_raw(&h, "<label>");
	html_text(&h, i18n(l, M_LOGIN_USER));
	html_fmt(&h,
	         "<input name=\"user\" autocomplete=\"username\" "
	         "maxlength=\"%d\" required autofocus value=\"",
	         WEB_USER_MAX - 1);
	html_text(&h, user);
	html_wrap(&h, "\"></label>\n<label>", i18n(l, M_LOGIN_PASSWORD),
	          "<input type=\"password\" name=\"password\" "
	          "autocomplete=\"current-password\" required></label>\n"
	          "<button id=\"login-submit\" type=\"submit\">");
	html_text(&h, i18n(l, M_LOGIN_SUBMIT));
	html_raw(&h, "</button>\n</form>\n");
	page_end(&h);
	return web_send_page(r, status, &h);
}

enum MHD_Result
page_login(web_req_t *r, unsigned status, const char *error)
{
	return pages_login_form(r, status, error, "");
}

enum MHD_Result
page_login_post(web_req_t *r)
{
	char user[WEB_USER_MAX], password[WEB_PASSWORD_MAX];
	if (!web_login_form_ok(r)) {
		web_log("refused a login without its form's token from %s",
		        r->client);
		return pages_login_form(r, 403,
		                        i18n(r->lang, M_LOGIN_FORM_STALE), "");
	}
	if (!web_form(r, "user", user, sizeof(user)) ||
	    !web_form(r, "password", password, sizeof(password)) ||
	    user[0] == '\0')
		return pages_login_form(r, 200, i18n(r->lang, M_LOGIN_BAD), "");
	web_login_result_t res = web_login(r, user, password);
	explicit_bzero(password, sizeof(password));
	switch (res) {
	case WEB_LOGIN_OK: return web_send_redirect(r, "/");
	case WEB_LOGIN_LIMITED:
		return pages_login_form(r, 429, i18n(r->lang, M_LOGIN_LIMITED),
		                        user);
	case WEB_LOGIN_ERROR:
		return pages_login_form(r, 503, i18n(r->lang, M_ERR_STORE),
		                        user);
	default:
		return pages_login_form(r, 200, i18n(r->lang, M_LOGIN_BAD),
		                        user);
	}
}

enum MHD_Result
page_logout(web_req_t *r)
{
	web_logout(r);
	return web_send_redirect(r, "/login");
}

/* ---- the report of an entry --------------------------------------------- */

void
pages_group(json_object *report, pages_groups_t *out)
{
	size_t n = report_json_array(report, "findings", &out->findings);
	out->n = 0;
	out->n_findings = n < PAGES_FINDINGS_MAX ? n : PAGES_FINDINGS_MAX;
	for (size_t k = 0; k < out->n_findings; k++) {
		json_object *f = json_object_array_get_idx(out->findings, k);
		const char *cat = report_json_str(f, "category");
		size_t i = 0;
		while (i < out->n && strcmp(out->g[i].category, cat) != 0)
			i++;
		if (i == out->n) {
			if (out->n == PAGES_GROUPS_MAX)
				continue;
			out->g[out->n++] = (pages_group_t){.category = cat};
		}
		out->g[i].sum += report_json_num(f, "score");
	}
	/* insertion sort, stable: equal sums keep the report's order */
	for (size_t i = 1; i < out->n; i++) {
		pages_group_t tmp = out->g[i];
		size_t j = i;
		for (; j > 0 && out->g[j - 1].sum < tmp.sum; j--)
			out->g[j] = out->g[j - 1];
		out->g[j] = tmp;
	}
}

/* The short reason of a list row: the heaviest category's label. */
static void
pages_row_reason(html_t *h, const web_req_t *r, const emg_qentry_t *e)
{
	json_object *report = report_json_parse(e->report_json);
	pages_groups_t gs;
	pages_group(report, &gs);
	if (gs.n > 0 && gs.g[0].sum > 0) {
		html_text(h, i18n_category_label(r->lang, gs.g[0].category));
		if (gs.n > 1 && gs.g[1].sum > 0)
			html_text(h, i18n(r->lang, M_MORE_REASONS));
	} else
		html_text(h, e->reason);
	json_object_put(report);
}

/* ---- the list ----------------------------------------------------------- */

typedef struct pages_filter {
	const char *q, *status, *symbol, *action, *since;
	unsigned page;
} pages_filter_t;

static const char *
pages_arg(const web_req_t *r, const char *name)
{
	const char *v = web_arg(r, name);
	return v != NULL && strlen(v) <= PAGES_QUERY_MAX ? v : "";
}

static unsigned
pages_page(const web_req_t *r, unsigned last)
{
	const char *v = web_arg(r, "page");
	unsigned long n = v != NULL ? strtoul(v, NULL, 10) : 1;
	return n < 1 ? 1 : n > last ? last : (unsigned)n;
}

/* "YYYY-MM-DD" as the Unix time of that local midnight. */
static bool
pages_date(const char *s, int64_t *out)
{
	struct tm tm = {.tm_isdst = -1};
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    strspn(s, "0123456789-") != 10 ||
	    sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) !=
	        3 ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_year < 1970)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t;
	return true;
}

/* The list's URL with its filters and PAGE, into an attribute. */
static void
pages_list_url(html_t *h, const pages_filter_t *f, unsigned page)
{
	const char *names[] = {"q", "status", "symbol", "action", "since"};
	const char *values[] = {f->q, f->status, f->symbol, f->action,
	                        f->since};
	html_raw(h, "/?");
	for (size_t i = 0; i < 5; i++) {
		if (values[i][0] == '\0')
			continue;
		html_fmt(h, "%s=", names[i]);
		html_url(h, values[i]);
		html_raw(h, "&amp;");
	}
	html_fmt(h, "page=%u", page);
}

static void
pages_option(html_t *h, const char *value, const char *label,
             const char *current)
{
	html_fmt(h, "<option value=\"%s\"%s>", value,
	         strcmp(value, current) == 0 ? " selected" : "");
	html_text(h, label);
	html_raw(h, "</option>");
}

static void
pages_input(html_t *h, web_lang_t l, web_msg_t label, const char *name,
            const char *value, const char *extra)
{
	html_raw(h, "<label>");
	html_text(h, i18n(l, label));
	html_fmt(h, "<input name=\"%s\" %s value=\"", name, extra);
	html_text(h, value);
	html_raw(h, "\"></label>\n");
}

static void
pages_filter_form(html_t *h, const web_req_t *r, const pages_filter_t *f)
{
	web_lang_t l = r->lang;
	html_raw(h, "<form id=\"filter\" class=\"filter\" method=\"get\" "
	            "action=\"/\">\n");
	pages_input(h, l, M_FILTER_Q, "q", f->q, "type=\"search\"");
	html_wrap(h, "<label>", i18n(l, M_FILTER_STATUS),
	          "<select name=\"status\">");
	pages_option(h, "held", i18n_status(l, EMG_QSTATUS_HELD), f->status);
	pages_option(h, "released", i18n_status(l, EMG_QSTATUS_RELEASED),
	             f->status);
	pages_option(h, "deleted", i18n_status(l, EMG_QSTATUS_DELETED),
	             f->status);
	pages_option(h, "all", i18n(l, M_STATUS_ALL), f->status);
	html_raw(h, "</select></label>\n");
	pages_input(h, l, M_FILTER_SYMBOL, "symbol", f->symbol,
	            "placeholder=\"VBA_AUTOEXEC\" size=\"16\"");
	html_wrap(h, "<label>", i18n(l, M_FILTER_ACTION),
	          "<select name=\"action\">");
	pages_option(h, "", i18n(l, M_FILTER_ANY), f->action);
	pages_option(h, "quarantine", i18n_verdict(l, "quarantine"), f->action);
	pages_option(h, "reject", i18n_verdict(l, "reject"), f->action);
	html_raw(h, "</select></label>\n");
	pages_input(h, l, M_FILTER_SINCE, "since", f->since,
	            "type=\"date\" placeholder=\"2026-01-31\"");
	html_wrap(h, "<button id=\"filter-submit\" type=\"submit\">",
	          i18n(l, M_FILTER_SUBMIT), "</button>\n</form>\n");
}

static void
pages_list_row(html_t *h, const web_req_t *r, const emg_qentry_t *e)
{
	/* ids are the store's; percent-encoding keeps any other inert */
	html_raw(h, "<tr class=\"entry\" data-id=\"");
	html_url(h, e->id);
	html_raw(h, "\"><td class=\"arrived\">");
	pages_time(h, e->arrived);
	html_raw(h, "</td><td class=\"score\">");
	pages_score_badge(h, r, e->score);
	html_raw(h, "</td><td class=\"action col-action\">");
	pages_action_badge(h, r, e->action);
	html_raw(h, "</td><td class=\"from\">");
	html_text(h, pages_sender(e));
	html_raw(h, "</td><td class=\"subject\"><a class=\"entry-link\" "
	            "href=\"/m/");
	html_url(h, e->id);
	html_raw(h, "\">");
	html_text(h, pages_subject(r, e));
	html_raw(h, "</a></td><td class=\"rcpt col-rcpt\">");
	for (size_t i = 0; i < e->n_rcpts && i < PAGES_RCPTS_SHOWN; i++) {
		html_raw(h, i > 0 ? ", " : "");
		html_text(h, e->rcpts[i]);
	}
	if (e->n_rcpts > PAGES_RCPTS_SHOWN)
		html_fmt(h, " +%zu", e->n_rcpts - PAGES_RCPTS_SHOWN);
	html_wrap(h, "</td><td class=\"status col-status\">",
	          i18n_status(r->lang, e->status),
	          "</td><td class=\"reason col-reason\">");
	pages_row_reason(h, r, e);
	html_raw(h, "</td></tr>\n");
}

static void
pages_th(html_t *h, web_lang_t l, const char *cls, web_msg_t m)
{
	html_fmt(h, "<th class=\"%s\" scope=\"col\">", cls);
	html_wrap(h, "", i18n(l, m), "</th>");
}

static void
pages_list_table(html_t *h, const web_req_t *r, emg_qentry_t **list, size_t n)
{
	web_lang_t l = r->lang;
	html_raw(h, "<table id=\"entries\">\n<thead><tr>");
	pages_th(h, l, "arrived", M_COL_ARRIVED);
	pages_th(h, l, "score", M_COL_SCORE);
	pages_th(h, l, "col-action", M_COL_ACTION);
	pages_th(h, l, "from", M_COL_FROM);
	pages_th(h, l, "subject", M_COL_SUBJECT);
	pages_th(h, l, "col-rcpt", M_COL_RCPT);
	pages_th(h, l, "col-status", M_COL_STATUS);
	pages_th(h, l, "col-reason", M_COL_REASON);
	html_raw(h, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++)
		pages_list_row(h, r, list[i]);
	html_raw(h, "</tbody>\n</table>\n");
	if (n == 0)
		pages_para(h, "muted", i18n(l, M_EMPTY_LIST));
}

/* Previous and next links; PREV_URL/NEXT_URL write a page's address. */
static void
pages_pager(html_t *h, web_lang_t l, unsigned page, bool has_next,
            const pages_filter_t *f, uint64_t pages)
{
	html_raw(h, "<div class=\"pager\">");
	if (page > 1) {
		html_raw(h, "<a id=\"page-prev\" rel=\"prev\" href=\"");
		if (f != NULL)
			pages_list_url(h, f, page - 1);
		else
			html_fmt(h, "/audit?page=%u", page - 1);
		html_raw(h, "\">");
	} else
		html_raw(h, "<span class=\"disabled\">");
	html_text(h, i18n(l, M_PAGE_PREV));
	html_raw(h, page > 1 ? "</a>" : "</span>");
	html_raw(h, " <span class=\"page\">");
	html_text(h, i18n(l, M_PAGE_OF));
	if (pages > 0)
		html_fmt(h, " %u / %llu", page, (unsigned long long)pages);
	else
		html_fmt(h, " %u", page);
	html_raw(h, "</span> ");
	if (has_next) {
		html_raw(h, "<a id=\"page-next\" rel=\"next\" href=\"");
		if (f != NULL)
			pages_list_url(h, f, page + 1);
		else
			html_fmt(h, "/audit?page=%u", page + 1);
		html_raw(h, "\">");
	} else
		html_raw(h, "<span class=\"disabled\">");
	html_text(h, i18n(l, M_PAGE_NEXT));
	html_raw(h, has_next ? "</a>" : "</span>");
	html_raw(h, "</div>\n");
}

/* The query's filters into F and QF; false (with a message) when one is
 * malformed and left out. */
static bool
pages_list_filters(const web_req_t *r, pages_filter_t *f, emg_qfilter_t *qf)
{
	bool good = true;
	f->q = pages_arg(r, "q");
	f->status = pages_arg(r, "status");
	f->symbol = pages_arg(r, "symbol");
	f->action = pages_arg(r, "action");
	f->since = pages_arg(r, "since");
	f->page = pages_page(r, WEB_PAGE_LAST);
	*qf = (emg_qfilter_t){.status = EMG_QSTATUS_HELD,
	                      .limit = WEB_PAGE_SIZE,
	                      .offset = (size_t)(f->page - 1) * WEB_PAGE_SIZE};
	if (strcmp(f->status, "released") == 0)
		qf->status = EMG_QSTATUS_RELEASED;
	else if (strcmp(f->status, "deleted") == 0)
		qf->status = EMG_QSTATUS_DELETED;
	else if (strcmp(f->status, "all") == 0)
		qf->status = -1;
	else
		f->status = "held";
	if (strcmp(f->action, "quarantine") == 0 ||
	    strcmp(f->action, "reject") == 0)
		qf->action = f->action;
	else
		f->action = "";
	qf->text = f->q[0] != '\0' ? f->q : NULL;
	qf->symbol = f->symbol[0] != '\0' ? f->symbol : NULL;
	if (f->since[0] != '\0' && !pages_date(f->since, &qf->since)) {
		f->since = "";
		good = false;
	}
	return good;
}

enum MHD_Result
page_list(web_req_t *r)
{
	web_lang_t l = r->lang;
	pages_filter_t f;
	emg_qfilter_t qf;
	bool good = pages_list_filters(r, &f, &qf);
	emg_quarantine_t *q = web_quarantine(r);
	emg_qentry_t **list = NULL;
	size_t n = 0;
	uint64_t total = 0;
	if (q == NULL)
		return page_error(r, 503, M_ERR_STORE);
	if (emg_quarantine_list(q, &qf, &list, &n, &total) != EMG_OK) {
		web_quarantine_failed(r, "listing the quarantine");
		return page_error(r, 503, M_ERR_STORE);
	}
	html_t h = {0};
	page_begin(&h, r, i18n(l, M_LIST_TITLE));
	html_wrap(&h, "<h1>", i18n(l, M_LIST_TITLE), "</h1>\n");
	const char *done = web_arg(r, "done");
	if (done != NULL && strcmp(done, "deleted") == 0)
		pages_div(&h, "flash", i18n(l, M_DELETED), NULL);
	if (!good)
		pages_div(&h, "error", i18n(l, M_FILTER_BAD_SINCE), NULL);
	pages_filter_form(&h, r, &f);
	html_fmt(&h, "<p class=\"count\"><span id=\"total\">%llu</span> ",
	         (unsigned long long)total);
	html_text(&h, i18n(l, M_TOTAL));
	html_raw(&h, "</p>\n");
	pages_list_table(&h, r, list, n);
	uint64_t pages = (total + WEB_PAGE_SIZE - 1) / WEB_PAGE_SIZE;
	pages_pager(&h, l, f.page, f.page < pages && f.page < WEB_PAGE_LAST, &f,
	            pages);
	page_end(&h);
	emg_qentry_list_free(list, n);
	return web_send_page(r, 200, &h);
}

/* ---- an entry, its release and delete ----------------------------------- */

/* The entry ID for a page: 404 or 503 answered when it is NULL. */
emg_qentry_t *
pages_entry(web_req_t *r, const char *id, enum MHD_Result *answered)
{
	emg_quarantine_t *q = web_quarantine(r);
	emg_qentry_t *e = NULL;
	if (q == NULL) {
		*answered = page_error(r, 503, M_ERR_STORE);
		return NULL;
	}
	emg_status_t st = emg_quarantine_get(q, id, &e);
	if (st == EMG_EINVAL) {
		*answered = page_error(r, 404, M_ERR_NOT_FOUND);
		return NULL;
	}
	if (st != EMG_OK) {
		web_quarantine_failed(r, "reading an entry");
		*answered = page_error(r, 503, M_ERR_STORE);
		return NULL;
	}
	return e;
}

void
pages_actor(const web_req_t *r, char *out, size_t len)
{
	snprintf(out, len, "web:%s", r->user);
}

/* The confirmation form of a release (RELEASE) or deletion of E, with
 * ERROR above it when a first try was refused. */
static enum MHD_Result
pages_confirm_form(web_req_t *r, const emg_qentry_t *e, bool release,
                   web_msg_t error, unsigned status)
{
	web_lang_t l = r->lang;
	html_t h = {0};
	web_msg_t title =
	    release ? M_CONFIRM_RELEASE_TITLE : M_CONFIRM_DELETE_TITLE;
	page_begin(&h, r, i18n(l, title));
	html_wrap(&h, "<h1>", i18n(l, title), "</h1>\n");
	if (error != M__COUNT)
		pages_div(&h, "error", i18n(l, error), NULL);
	html_raw(&h, "<section>\n<dl class=\"envelope\">\n");
	pages_dt(&h, l, M_COL_SUBJECT);
	html_wrap(&h, "<span id=\"subject\">", pages_subject(r, e),
	          "</span></dd>\n");
	pages_dl_row(&h, l, M_COL_FROM, pages_sender(e));
	pages_rcpts(&h, l, e);
	pages_dt(&h, l, M_COL_SCORE);
	pages_score_badge(&h, r, e->score);
	html_raw(&h, "</dd>\n</dl>\n<p>");
	html_text(&h, i18n(l, release ? M_CONFIRM_RELEASE_TEXT
	                              : M_CONFIRM_DELETE_TEXT));
	const char *verb = release ? "release" : "delete";
	html_fmt(&h,
	         "</p>\n<form id=\"confirm-%s\" class=\"confirm\" "
	         "method=\"post\" action=\"/m/",
	         verb);
	html_url(&h, e->id);
	html_fmt(&h, "/%s\">\n", verb);
	pages_csrf_field(&h, r);
	if (release) {
		html_wrap(&h, "\n<label>", i18n(l, M_CONFIRM_RELEASE_TO),
		          "<input name=\"to\" type=\"text\" "
		          "inputmode=\"email\" autocomplete=\"off\" "
		          "maxlength=\"254\"></label>\n");
		pages_para(&h, "muted", i18n(l, M_CONFIRM_RELEASE_TO_HINT));
	}
	html_raw(&h, release ? "<div class=\"actions\"><button id=\"confirm\" "
	                       "type=\"submit\">"
	                     : "<div class=\"actions\"><button id=\"confirm\" "
	                       "class=\"danger\" type=\"submit\">");
	html_text(&h, i18n(l, release ? M_CONFIRM_RELEASE_BUTTON
	                              : M_CONFIRM_DELETE_BUTTON));
	html_raw(&h, "</button><a class=\"button secondary\" href=\"/m/");
	html_url(&h, e->id);
	html_raw(&h, "\">");
	html_text(&h, i18n(l, M_CANCEL));
	html_raw(&h, "</a></div>\n</form>\n</section>\n");
	page_end(&h);
	return web_send_page(r, status, &h);
}

enum MHD_Result
page_confirm(web_req_t *r, const char *id, bool release)
{
	enum MHD_Result ret = MHD_NO;
	emg_qentry_t *e = pages_entry(r, id, &ret);
	if (e == NULL)
		return ret;
	if (e->status == EMG_QSTATUS_DELETED)
		ret = page_error(r, 409, M_CANNOT_CHANGE);
	else
		ret = pages_confirm_form(r, e, release, M__COUNT, 200);
	emg_qentry_free(e);
	return ret;
}

/* An address for "release to": one mailbox, no spaces or controls, no
 * leading '-' (it goes on a sendmail command line). */
static bool
pages_address_ok(const char *s)
{
	size_t len = strlen(s);
	const char *at = strrchr(s, '@');
	if (len < 3 || len > 254 || s[0] == '-' || at == NULL || at == s ||
	    at[1] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7F || strchr("<>(),;:\"\\[]", *p))
			return false;
	return true;
}

enum MHD_Result
page_release(web_req_t *r, const char *id)
{
	enum MHD_Result ret = MHD_NO;
	emg_qentry_t *e = pages_entry(r, id, &ret);
	if (e == NULL)
		return ret;
	/* as large as a body: a long address is refused, not dropped */
	char to[WEB_BODY_MAX + 1] = "";
	char actor[WEB_USER_MAX + 8], msg[RELEASE_MSG_MAX] = "", location[64];
	/* a "to" that cannot be read (a NUL byte) is refused below, never
	 * taken for an empty one, which means the original recipients */
	bool to_bad = !web_form(r, "to", to, sizeof(to)) &&
	              web_form_present(r, "to");
	size_t start = strspn(to, " \t"), end = strlen(to);
	while (end > start && (to[end - 1] == ' ' || to[end - 1] == '\t'))
		to[--end] = '\0';
	const char *rcpt = to + start;
	if (e->status == EMG_QSTATUS_DELETED) {
		emg_qentry_free(e);
		return page_error(r, 409, M_CANNOT_CHANGE);
	}
	if (to_bad || (*rcpt != '\0' && !pages_address_ok(rcpt))) {
		ret = pages_confirm_form(r, e, true, M_BAD_RCPT, 400);
		emg_qentry_free(e);
		return ret;
	}
	emg_qentry_free(e);
	pages_actor(r, actor, sizeof(actor));
	emg_status_t st =
	    release_entry(r->q, id, &rcpt, *rcpt != '\0' ? 1 : 0,
	                  r->cfg->release_method, actor, msg, sizeof(msg));
	web_log("release of %s by %s: %s", id, actor,
	        st == EMG_OK ? "done" : emg_strerror(st));
	web_flash_set(r, st != EMG_OK, id, msg);
	snprintf(location, sizeof(location), "/m/%s?done=%s", id,
	         st == EMG_OK ? "released" : "release-failed");
	return web_send_redirect(r, location);
}

enum MHD_Result
page_delete(web_req_t *r, const char *id)
{
	enum MHD_Result ret = MHD_NO;
	emg_qentry_t *e = pages_entry(r, id, &ret);
	if (e == NULL)
		return ret;
	bool deleted = e->status == EMG_QSTATUS_DELETED;
	emg_qentry_free(e);
	if (deleted)
		return page_error(r, 409, M_CANNOT_CHANGE);
	char actor[WEB_USER_MAX + 8], location[64];
	pages_actor(r, actor, sizeof(actor));
	if (emg_quarantine_set_status(r->q, id, EMG_QSTATUS_DELETED, actor,
	                              "deleted on the web page") != EMG_OK) {
		web_flash_set(r, true, id, emg_quarantine_error(r->q));
		web_quarantine_failed(r, "deleting an entry");
		snprintf(location, sizeof(location), "/m/%s?done=delete-failed",
		         id);
		return web_send_redirect(r, location);
	}
	web_log("delete of %s by %s", id, actor);
	return web_send_redirect(r, "/?done=deleted");
}

/* ---- the audit log ------------------------------------------------------ */

static void
pages_audit_row(html_t *h, web_lang_t l, const emg_qaudit_t *a)
{
	html_raw(h, "<tr class=\"audit\"><td class=\"time\">");
	pages_time(h, a->at);
	html_raw(h, "</td><td class=\"actor\">");
	html_text(h, a->actor);
	html_fmt(h, "</td><td class=\"action\" data-action=\"");
	html_text(h, a->action);
	html_wrap(h, "\">", i18n_audit_action(l, a->action),
	          "</td><td class=\"entry\">");
	if (a->id[0] != '\0') {
		html_raw(h, "<a href=\"/m/");
		html_url(h, a->id);
		html_wrap(h, "\">", a->id, "</a>");
	}
	html_wrap(h, "</td><td class=\"detail\">", a->detail, "</td></tr>\n");
}

enum MHD_Result
page_audit(web_req_t *r)
{
	web_lang_t l = r->lang;
	unsigned page = pages_page(r, PAGES_AUDIT_PAGES);
	size_t first = (size_t)(page - 1) * WEB_PAGE_SIZE;
	emg_quarantine_t *q = web_quarantine(r);
	emg_qaudit_t *lines = NULL;
	size_t n = 0;
	if (q == NULL)
		return page_error(r, 503, M_ERR_STORE);
	/* no offset in the API: read up to this page and one line more */
	if (emg_quarantine_audit(q, NULL, first + WEB_PAGE_SIZE + 1, &lines,
	                         &n) != EMG_OK) {
		web_quarantine_failed(r, "reading the audit log");
		return page_error(r, 503, M_ERR_STORE);
	}
	html_t h = {0};
	page_begin(&h, r, i18n(l, M_AUDIT_TITLE));
	html_wrap(&h, "<h1>", i18n(l, M_AUDIT_TITLE),
	          "</h1>\n<table id=\"audit\">\n<thead><tr>");
	pages_th(&h, l, "time", M_AUDIT_TIME);
	pages_th(&h, l, "actor", M_AUDIT_ACTOR);
	pages_th(&h, l, "action", M_AUDIT_ACTION);
	pages_th(&h, l, "entry", M_AUDIT_ENTRY);
	pages_th(&h, l, "detail", M_AUDIT_DETAIL);
	html_raw(&h, "</tr></thead>\n<tbody>\n");
	for (size_t i = first; i < n && i < first + WEB_PAGE_SIZE; i++)
		pages_audit_row(&h, l, &lines[i]);
	html_raw(&h, "</tbody>\n</table>\n");
	pages_pager(&h, l, page,
	            n > first + WEB_PAGE_SIZE && page < PAGES_AUDIT_PAGES, NULL,
	            0);
	page_end(&h);
	emg_qaudit_list_free(lines, n);
	return web_send_page(r, 200, &h);
}
