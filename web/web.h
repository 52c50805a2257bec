/*
 * web.h - emguard-web, the quarantine web page for IT staff: the
 * declarations shared by the server (server.c: daemon, routing, sessions,
 * CSRF, login limits), the fields of a POST form (form.c), the pages
 * (pages.c; the message page in page_message.c), the texts in Japanese
 * and English (i18n.c), the bounded HTML output buffer (html.c) and the
 * stylesheet (style.c).  An entry's stored report is read with
 * common/report_json.h.
 *
 * Every page is rendered on the server into an html_t; nothing from a
 * message reaches the page except through html_text(), which escapes it.
 */
#ifndef EMG_WEB_H
#define EMG_WEB_H

#include <json-c/json.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "emguard.h"
#include "report_json.h"

#define WEB_NAME "emguard-web"
#define WEB_BODY_MAX 16384      /* a POST body; larger: 413 */
#define WEB_PAGE_MAX (4u << 20) /* a rendered page; larger: 500 */
#define WEB_PAGE_SIZE 50        /* rows of the list and audit pages */
#define WEB_PAGE_LAST 10000     /* highest page number accepted */
#define WEB_TOKEN_LEN 64        /* session id, CSRF token: 32 bytes hex */
#define WEB_USER_MAX 64         /* a user name with its NUL */
#define WEB_PASSWORD_MAX 1024   /* a password with its NUL */
#define WEB_FLASH_MAX 640       /* a result shown after a redirect */
#define WEB_HEADERS_MAX 65536   /* header block shown on a message page */

/* ---- html.c: the output buffer ---------------------------------------------
 * Appends never fail: past WEB_PAGE_MAX (or when memory runs out) the
 * buffer stops growing and remembers it, and the page is not sent. */
typedef struct html {
	char *buf;
	size_t len, cap;
	bool overflow;
} html_t;

/* Markup written by this program (never message content). */
void html_raw(html_t *h, const char *markup);
void html_rawn(html_t *h, const char *s, size_t n);
void html_fmt(html_t *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Text from anywhere: & < > " ' escaped, invalid UTF-8 and control
 * characters (but tab and line end) replaced by U+FFFD. */
void html_text(html_t *h, const char *s);
void html_textn(html_t *h, const char *s, size_t n);
/* Markup OPEN, TEXT escaped, markup CLOSE. */
void html_wrap(html_t *h, const char *open, const char *text,
               const char *close);
/* S percent-encoded for a URL query value (inside an attribute). */
void html_url(html_t *h, const char *s);
void html_free(html_t *h);

/* ---- i18n.c ------------------------------------------------------------- */
typedef enum web_lang { LANG_JA = 0, LANG_EN = 1 } web_lang_t;

typedef enum web_msg {
	M_PRODUCT,
	M_SUBTITLE,
	M_SIGNED_IN_AS,
	M_LOGOUT,
	M_LANG_OTHER,
	M_NAV_LIST,
	M_NAV_AUDIT,
	M_LOGIN_TITLE,
	M_LOGIN_USER,
	M_LOGIN_PASSWORD,
	M_LOGIN_SUBMIT,
	M_LOGIN_BAD,
	M_LOGIN_LIMITED,
	M_LOGIN_EXPIRED,
	M_LOGIN_FORM_STALE,
	M_LIST_TITLE,
	M_FILTER_Q,
	M_FILTER_STATUS,
	M_FILTER_SYMBOL,
	M_FILTER_ACTION,
	M_FILTER_SINCE,
	M_FILTER_SUBMIT,
	M_FILTER_ANY,
	M_FILTER_BAD_SINCE,
	M_STATUS_ALL,
	M_COL_ARRIVED,
	M_COL_SCORE,
	M_COL_ACTION,
	M_COL_FROM,
	M_COL_SUBJECT,
	M_COL_RCPT,
	M_COL_STATUS,
	M_COL_REASON,
	M_MORE_REASONS,
	M_TOTAL,
	M_PAGE_PREV,
	M_PAGE_NEXT,
	M_PAGE_OF,
	M_EMPTY_LIST,
	M_NO_SUBJECT,
	M_WHY,
	M_WHY_SCORE_1,
	M_WHY_SCORE_2,
	M_WHY_MAIN,
	M_WHY_ADVICE,
	M_WHY_NONE,
	M_FINDING_SCORE,
	M_ENVELOPE,
	M_ENV_MAIL_FROM,
	M_ENV_FROM_HEADER,
	M_ENV_RCPTS,
	M_ENV_CLIENT,
	M_ENV_HELO,
	M_ENV_ARRIVED,
	M_ENV_MESSAGE_ID,
	M_ENV_SIZE,
	M_ENV_SHA256,
	M_ENV_HOST,
	M_ENV_STATUS,
	M_ATTACHMENTS,
	M_NO_ATTACHMENTS,
	M_HEADERS,
	M_HEADERS_GONE,
	M_BODY_NOT_SHOWN,
	M_AUDIT_TRAIL,
	M_NO_AUDIT,
	M_RELEASE,
	M_DELETE,
	M_BACK_TO_LIST,
	M_CONFIRM_RELEASE_TITLE,
	M_CONFIRM_RELEASE_TEXT,
	M_CONFIRM_RELEASE_TO,
	M_CONFIRM_RELEASE_TO_HINT,
	M_CONFIRM_RELEASE_BUTTON,
	M_CONFIRM_DELETE_TITLE,
	M_CONFIRM_DELETE_TEXT,
	M_CONFIRM_DELETE_BUTTON,
	M_CANCEL,
	M_CANNOT_CHANGE,
	M_BAD_RCPT,
	M_RELEASED,
	M_RELEASE_FAILED,
	M_DELETED,
	M_DELETE_FAILED,
	M_AUDIT_TITLE,
	M_AUDIT_TIME,
	M_AUDIT_ACTOR,
	M_AUDIT_ACTION,
	M_AUDIT_ENTRY,
	M_AUDIT_DETAIL,
	M_ERR_NOT_FOUND,
	M_ERR_FORBIDDEN,
	M_ERR_CSRF,
	M_ERR_TOO_LARGE,
	M_ERR_METHOD,
	M_ERR_STORE,
	M_ERR_INTERNAL,
	M_ERR_TITLE,
	M__COUNT
} web_msg_t;

/* The text M in LANG; never NULL. */
const char *i18n(web_lang_t lang, web_msg_t m);
/* One plain sentence about CATEGORY for a person who is no mail expert;
 * a general sentence for a category this build does not know. */
const char *i18n_category(web_lang_t lang, const char *category);
/* A few words naming CATEGORY, for the list. */
const char *i18n_category_label(web_lang_t lang, const char *category);
/* True when CATEGORY has a sentence of its own. */
bool i18n_category_known(const char *category);
const char *i18n_status(web_lang_t lang, emg_qstatus_t status);
/* A verdict ("quarantine", "reject"): the word, or VERDICT itself. */
const char *i18n_verdict(web_lang_t lang, const char *verdict);
/* An audit action ("store", "release", ...): the word, or ACTION. */
const char *i18n_audit_action(web_lang_t lang, const char *action);
/* "ja" or "en". */
const char *i18n_code(web_lang_t lang);

/* ---- style.c ------------------------------------------------------------ */
extern const char web_style_css[];

/* ---- server.c: one request ---------------------------------------------- */
typedef struct web_server web_server_t;
typedef struct web_form web_form_t;

typedef struct web_req {
	web_server_t *srv;
	const emg_config_t *cfg;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	bool post;
	web_lang_t lang;
	bool lang_from_query; /* ?lang= given: remember it in a cookie */
	bool authed;
	char sid[WEB_TOKEN_LEN + 1];
	char user[WEB_USER_MAX];
	char csrf[WEB_TOKEN_LEN + 1];
	char client[64]; /* the peer's address, for limits and the log */
	bool set_session_cookie;
	bool clear_session_cookie;
	char login_nonce[WEB_TOKEN_LEN + 1]; /* the login form's cookie */
	bool set_login_cookie;
	char *body; /* the POST body, NUL-terminated */
	size_t body_len;
	bool body_too_large;
	web_form_t *form; /* its fields (form.c), once the body is whole */
	emg_quarantine_t
	    *q;        /* from the server's pool, while the request runs */
	bool q_broken; /* closed instead of reused */
	bool answered;
} web_req_t;

/* The quarantine for this request, or NULL when the store cannot be
 * opened (logged). */
emg_quarantine_t *web_quarantine(web_req_t *r);
/* Log why the last call on the request's quarantine failed, and do not
 * reuse the handle (a PostgreSQL connection may be broken). */
void web_quarantine_failed(web_req_t *r, const char *what);
/* True when the server speaks HTTPS. */
bool web_tls(const web_req_t *r);

/* Send PAGE (freed here) as text/html with STATUS. */
enum MHD_Result web_send_page(web_req_t *r, unsigned status, html_t *page);
/* 303 to LOCATION (a path on this server). */
enum MHD_Result web_send_redirect(web_req_t *r, const char *location);
/* The query argument NAME, or NULL. */
const char *web_arg(const web_req_t *r, const char *name);
/* ---- form.c: the fields of a POST body ----------------------------------- */
/* Decode R's whole body into R->form; false only when memory runs out.  A
 * body that is no form, or a broken one, gives no fields. */
bool web_form_parse(web_req_t *r);
void web_form_free(web_req_t *r);
/* The POST form field NAME, decoded, into OUT; false when absent, holding
 * a NUL byte or longer than OUTLEN - 1. */
bool web_form(const web_req_t *r, const char *name, char *out, size_t outlen);
/* The form has a field NAME, whatever its value. */
bool web_form_present(const web_req_t *r, const char *name);
/* The POST carries the session's CSRF token. */
bool web_csrf_ok(const web_req_t *r);
/* The token of a login form into OUT: an HMAC of the nonce in the
 * emguard_login cookie, which is set when the browser has none.  False
 * when no random bytes could be had. */
bool web_login_form_token(web_req_t *r, char out[WEB_TOKEN_LEN + 1]);
/* True when the POSTed login_token matches the emguard_login cookie. */
bool web_login_form_ok(const web_req_t *r);

typedef enum web_login_result {
	WEB_LOGIN_OK,
	WEB_LOGIN_BAD,     /* unknown user or wrong password */
	WEB_LOGIN_LIMITED, /* too many failures: 429 */
	WEB_LOGIN_ERROR,   /* the store failed */
} web_login_result_t;

/* Check USER and PASSWORD under the login limits; on WEB_LOGIN_OK a new
 * session is made and its cookie goes with the next response. */
web_login_result_t web_login(web_req_t *r, const char *user,
                             const char *password);
/* End the request's session; its cookie is cleared. */
void web_logout(web_req_t *r);
/* Keep a one-line result for entry ID to show after the redirect. */
void web_flash_set(web_req_t *r, bool error, const char *id, const char *text);
/* The result kept for ID (taken: shown once); false when none. */
bool web_flash_take(web_req_t *r, const char *id, bool *error, char *text,
                    size_t len);
/* True the first time this session views ID (recently): the audit gets
 * one "view" line per session and entry, not one per reload. */
bool web_first_view(web_req_t *r, const char *id);

/* A log line on stderr with the time. */
void web_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- server.c: the daemon ----------------------------------------------- */
typedef struct web_start {
	emg_config_t *cfg;              /* a reference is taken */
	int listen_fd;                  /* bound and listening */
	const char *cert_pem, *key_pem; /* both or neither: HTTPS */
	unsigned threads;
} web_start_t;

emg_status_t web_server_start(const web_start_t *how, web_server_t **out,
                              char *err, size_t errlen);
void web_server_stop(web_server_t *s);

/* ---- pages.c and page_message.c: the pages ------------------------------- */
enum MHD_Result page_login(web_req_t *r, unsigned status, const char *error);
enum MHD_Result page_login_post(web_req_t *r);
enum MHD_Result page_logout(web_req_t *r);
enum MHD_Result page_list(web_req_t *r);
enum MHD_Result page_confirm(web_req_t *r, const char *id, bool release);
enum MHD_Result page_release(web_req_t *r, const char *id);
enum MHD_Result page_delete(web_req_t *r, const char *id);
enum MHD_Result page_audit(web_req_t *r);
enum MHD_Result page_error(web_req_t *r, unsigned status, web_msg_t what);
/* page_message.c */
enum MHD_Result page_message(web_req_t *r, const char *id);

/* The frame of every page: <head>, the header with the user, the language
 * switch, the navigation and the logout form; then the page's TITLE. */
void page_begin(html_t *h, const web_req_t *r, const char *title);
void page_end(html_t *h);

/* ---- pages.c: pieces the message page shares with the others ------------ */
#define PAGES_FINDINGS_MAX 256 /* findings of a report read */
#define PAGES_GROUPS_MAX 64    /* categories among them */

/* A category of a report's findings and their summed score; the
 * findings themselves are looked up again when shown (a few dozen). */
typedef struct pages_group {
	const char *category; /* inside the report */
	double sum;
} pages_group_t;

typedef struct pages_groups {
	pages_group_t g[PAGES_GROUPS_MAX];
	size_t n;
	json_object *findings; /* the report's findings array, or NULL */
	size_t n_findings;     /* its first ones, at most PAGES_FINDINGS_MAX */
} pages_groups_t;

/* The categories of REPORT's findings (REPORT may be NULL), the heaviest
 * first; OUT points into REPORT. */
void pages_group(json_object *report, pages_groups_t *out);

/* AT (Unix seconds) as local "YYYY-MM-DD HH:MM". */
void pages_time(html_t *h, int64_t at);
/* SCORE in a badge coloured by the thresholds of r->cfg. */
void pages_score_badge(html_t *h, const web_req_t *r, double score);
/* VERDICT ("quarantine", "reject") in a badge, in r->lang. */
void pages_action_badge(html_t *h, const web_req_t *r, const char *verdict);
/* div#ID ("error": role alert, else status) with HEADLINE and, when not
 * empty, DETAIL. */
void pages_div(html_t *h, const char *id, const char *headline,
               const char *detail);
/* A paragraph of TEXT with CLASS ("" for none). */
void pages_para(html_t *h, const char *cls, const char *text);
/* E's subject, or the words for "no subject". */
const char *pages_subject(const web_req_t *r, const emg_qentry_t *e);
/* E's From: field, or its envelope sender when it has none. */
const char *pages_sender(const emg_qentry_t *e);
/* <dt>LABEL</dt><dd> of a definition list, the <dd> left open. */
void pages_dt(html_t *h, web_lang_t l, web_msg_t label);
/* A <dt> and a <dd> holding TEXT. */
void pages_dl_row(html_t *h, web_lang_t l, web_msg_t label, const char *text);
/* The <dt> and <dd> of E's envelope recipients. */
void pages_rcpts(html_t *h, web_lang_t l, const emg_qentry_t *e);
/* The entry ID for a page (free it with emg_qentry_free()); NULL with
 * the 404 or 503 page already answered in *ANSWERED. */
emg_qentry_t *pages_entry(web_req_t *r, const char *id,
                          enum MHD_Result *answered);
/* "web:USER", the actor of the audit trail. */
void pages_actor(const web_req_t *r, char *out, size_t len);

#endif
