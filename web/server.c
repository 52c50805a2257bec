/*
 * server.c - emguard-web's HTTP side on libmicrohttpd: the daemon and its
 * pool of quarantine handles, request bodies, routing, the security
 * headers of every response, sessions, CSRF tokens and the login limits.
 *
 * Threads: libmicrohttpd runs a small pool of threads (web_start_t.threads)
 * and calls server_access() on them.  A quarantine handle serves one
 * thread at a time, so each request borrows one from a mutex-protected
 * pool for its duration.  Sessions and login limits are bounded in-memory
 * tables behind their own mutexes: a restart logs everyone out.
 *
 * Safety: every response, errors included, carries the
 * Content-Security-Policy and the other headers of server_headers(); a
 * request without a session gets 303 /login (GET) or 403 (POST); every
 * POST but the login needs the session's CSRF token, compared in constant
 * time, and the login needs the login form's token (an HMAC, under a key
 * made at start, of a nonce in a SameSite=Strict cookie: a signed double
 * submit, so that no other site can log a browser in as its own account);
 * a session ends after WebSessionTimeout idle and WebSessionLifetime after
 * its login; a POST that a browser marks as cross-site (Sec-Fetch-Site) is
 * refused before anything else; bodies larger than WEB_BODY_MAX get 413.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "web.h"

#define SERVER_SESSIONS_MAX 1024
#define SERVER_LIMITS_MAX 2048
#define SERVER_LIMIT_FAILURES 5                /* failures in the window */
#define SERVER_LIMIT_WINDOW_MS (5 * 60 * 1000) /* ... then blocked as long */
#define SERVER_VIEWED_MAX 16 /* entries a session remembers having viewed */
#define SERVER_QPOOL_MAX 16
/* Connections at once from one address: a browser opens six; one client
 * cannot hold all 256 (slowloris).  Behind a reverse proxy every user
 * shares the proxy's address, so the proxy's own limits matter there. */
#define SERVER_PER_ADDRESS_MAX 32
#define SERVER_LOG_PATH_MAX 160

#define SERVER_CSP                                                             \
	"default-src 'none'; style-src 'self'; img-src 'self'; "               \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

typedef struct server_session {
	bool used;
	char id[WEB_TOKEN_LEN + 1];
	char csrf[WEB_TOKEN_LEN + 1];
	char user[WEB_USER_MAX];
	uint64_t last_ms;    /* monotonic */
	uint64_t created_ms; /* monotonic: the login */
	bool flash_set, flash_error;
	char flash_id[EMG_QID_MAX];
	char flash[WEB_FLASH_MAX];
	char viewed[SERVER_VIEWED_MAX][EMG_QID_MAX];
	unsigned viewed_next;
} server_session_t;

typedef struct server_limit {
	bool used;
	char key[WEB_USER_MAX + 8]; /* "a:ADDRESS" or "u:NAME" */
	unsigned failures;
	uint64_t first_ms, blocked_until_ms;
} server_limit_t;

struct web_server {
	struct MHD_Daemon *daemon;
	emg_config_t *cfg;
	bool tls;
	char *cert_pem, *key_pem; /* kept for the daemon's life */

	pthread_mutex_t qmu;
	pthread_cond_t qcv;
	emg_quarantine_t *idle[SERVER_QPOOL_MAX];
	size_t n_idle, n_open, max_open;

	pthread_mutex_t smu;
	server_session_t *sessions; /* SERVER_SESSIONS_MAX */

	pthread_mutex_t lmu;
	server_limit_t *limits; /* SERVER_LIMITS_MAX */

	/* signs the login form's token (web_login_form_token); new at every
	 * start, so a form from before a restart is refused */
	unsigned char login_key[32];
};

static uint64_t
server_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Milliseconds from THEN to NOW; 0 when another thread, which read the
 * clock later, stored a THEN after this thread's NOW. */
static uint64_t
server_elapsed(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

void
web_log(const char *fmt, ...)
{
	char line[1024];
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z",
	         localtime_r(&now, &tm));
	fprintf(stderr, "%s %s: %s\n", stamp, WEB_NAME, line);
}

/* S cut to N bytes with everything but printable ASCII as '?': request
 * paths and user names come from the client. */
static void
server_loggable(const char *s, char *out, size_t n)
{
	size_t i = 0;
	for (; s != NULL && s[i] != '\0' && i + 1 < n; i++)
		out[i] = s[i] > 0x20 && s[i] < 0x7F ? s[i] : '?';
	out[i] = '\0';
}

/* ---- quarantine handles ------------------------------------------------- */

emg_quarantine_t *
web_quarantine(web_req_t *r)
{
	if (r->q != NULL)
		return r->q;
	web_server_t *s = r->srv;
	pthread_mutex_lock(&s->qmu);
	while (s->n_idle == 0 && s->n_open >= s->max_open)
		pthread_cond_wait(&s->qcv, &s->qmu);
	if (s->n_idle > 0) {
		r->q = s->idle[--s->n_idle];
		pthread_mutex_unlock(&s->qmu);
		return r->q;
	}
	s->n_open++;
	pthread_mutex_unlock(&s->qmu);
	char err[512] = "";
	emg_status_t st = emg_quarantine_open(s->cfg, &r->q, err, sizeof(err));
	if (st != EMG_OK) {
		web_log("cannot open the quarantine: %s",
		        err[0] ? err : emg_strerror(st));
		r->q = NULL;
		pthread_mutex_lock(&s->qmu);
		s->n_open--;
		pthread_cond_signal(&s->qcv);
		pthread_mutex_unlock(&s->qmu);
	}
	return r->q;
}

void
web_quarantine_failed(web_req_t *r, const char *what)
{
	if (r->q == NULL)
		return;
	web_log("%s: %s", what, emg_quarantine_error(r->q));
	r->q_broken = true;
}

/* Give the request's handle back to the pool (or close it). */
static void
server_quarantine_put(web_req_t *r)
{
	if (r->q == NULL)
		return;
	web_server_t *s = r->srv;
	pthread_mutex_lock(&s->qmu);
	if (r->q_broken || s->n_idle >= SERVER_QPOOL_MAX) {
		emg_quarantine_close(r->q);
		s->n_open--;
	} else
		s->idle[s->n_idle++] = r->q;
	pthread_cond_signal(&s->qcv);
	pthread_mutex_unlock(&s->qmu);
	r->q = NULL;
}

bool
web_tls(const web_req_t *r)
{
	return r->srv->tls;
}

/* ---- tokens and sessions ------------------------------------------------ */

/* 32 random bytes as 64 lower-case hex digits. */
static bool
server_token(char out[WEB_TOKEN_LEN + 1])
{
	unsigned char raw[WEB_TOKEN_LEN / 2];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return false;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof(raw));
	return true;
}

static bool
server_token_shaped(const char *s)
{
	if (s == NULL || strlen(s) != WEB_TOKEN_LEN)
		return false;
	return strspn(s, "0123456789abcdef") == WEB_TOKEN_LEN;
}

/* The cookies' names: under HTTPS with the prefixes that make browsers
 * refuse them from plain HTTP or another (sub)domain, so that a network
 * attacker cannot plant a session or a login nonce. */
static const char *
server_session_cookie(const web_server_t *s)
{
	return s->tls ? "__Host-emguard_session" : "emguard_session";
}

static const char *
server_login_cookie(const web_server_t *s)
{
	return s->tls ? "__Secure-emguard_login" : "emguard_login";
}

/* The session whose id is SID, or NULL; under smu. */
static server_session_t *
server_session_find(web_server_t *s, const char *sid)
{
	server_session_t *found = NULL;
	/* every slot is compared: the time does not tell which matched */
	for (size_t i = 0; i < SERVER_SESSIONS_MAX; i++) {
		server_session_t *ss = &s->sessions[i];
		if (ss->used && CRYPTO_memcmp(ss->id, sid, WEB_TOKEN_LEN) == 0)
			found = ss;
	}
	return found;
}

/* Find the request's session by its cookie and fill R's user and token;
 * one idle past WebSessionTimeout, or older than WebSessionLifetime however
 * busy (a stolen cookie is not good for ever), is ended. */
static void
server_session_load(web_req_t *r)
{
	const char *sid = MHD_lookup_connection_value(
	    r->conn, MHD_COOKIE_KIND, server_session_cookie(r->srv));
	if (!server_token_shaped(sid))
		return;
	web_server_t *s = r->srv;
	pthread_mutex_lock(&s->smu);
	uint64_t now = server_now_ms();
	server_session_t *ss = server_session_find(s, sid);
	if (ss != NULL && (server_elapsed(now, ss->last_ms) >
	                       r->cfg->web_session_timeout_ms ||
	                   server_elapsed(now, ss->created_ms) >
	                       r->cfg->web_session_lifetime_ms)) {
		OPENSSL_cleanse(ss, sizeof(*ss));
		ss = NULL;
		r->clear_session_cookie = true;
	}
	if (ss != NULL) {
		ss->last_ms = now;
		r->authed = true;
		memcpy(r->sid, ss->id, sizeof(r->sid));
		memcpy(r->csrf, ss->csrf, sizeof(r->csrf));
		memcpy(r->user, ss->user, sizeof(r->user));
	}
	pthread_mutex_unlock(&s->smu);
}

/* A new session for USER; the least recently used one makes room. */
static bool
server_session_new(web_req_t *r, const char *user)
{
	uint64_t now = server_now_ms();
	server_session_t fresh = {
	    .used = true, .last_ms = now, .created_ms = now};
	if (!server_token(fresh.id) || !server_token(fresh.csrf))
		return false;
	snprintf(fresh.user, sizeof(fresh.user), "%s", user);
	web_server_t *s = r->srv;
	pthread_mutex_lock(&s->smu);
	server_session_t *slot = &s->sessions[0];
	for (size_t i = 0; i < SERVER_SESSIONS_MAX && slot->used; i++) {
		server_session_t *ss = &s->sessions[i];
		if (!ss->used || ss->last_ms < slot->last_ms)
			slot = ss;
	}
	*slot = fresh;
	pthread_mutex_unlock(&s->smu);
	r->authed = true;
	memcpy(r->sid, fresh.id, sizeof(r->sid));
	memcpy(r->csrf, fresh.csrf, sizeof(r->csrf));
	memcpy(r->user, fresh.user, sizeof(r->user));
	r->set_session_cookie = true;
	OPENSSL_cleanse(&fresh, sizeof(fresh));
	return true;
}

void
web_logout(web_req_t *r)
{
	if (r->authed) {
		pthread_mutex_lock(&r->srv->smu);
		server_session_t *ss = server_session_find(r->srv, r->sid);
		if (ss != NULL)
			OPENSSL_cleanse(ss, sizeof(*ss));
		pthread_mutex_unlock(&r->srv->smu);
	}
	r->authed = false;
	r->clear_session_cookie = true;
}

void
web_flash_set(web_req_t *r, bool error, const char *id, const char *text)
{
	pthread_mutex_lock(&r->srv->smu);
	server_session_t *ss = server_session_find(r->srv, r->sid);
	if (ss != NULL) {
		ss->flash_set = true;
		ss->flash_error = error;
		snprintf(ss->flash_id, sizeof(ss->flash_id), "%s", id);
		snprintf(ss->flash, sizeof(ss->flash), "%s", text);
	}
	pthread_mutex_unlock(&r->srv->smu);
}

bool
web_flash_take(web_req_t *r, const char *id, bool *error, char *text,
               size_t len)
{
	bool found = false;
	pthread_mutex_lock(&r->srv->smu);
	server_session_t *ss = server_session_find(r->srv, r->sid);
	if (ss != NULL && ss->flash_set && strcmp(ss->flash_id, id) == 0) {
		found = true;
		*error = ss->flash_error;
		snprintf(text, len, "%s", ss->flash);
		ss->flash_set = false;
	}
	pthread_mutex_unlock(&r->srv->smu);
	return found;
}

bool
web_first_view(web_req_t *r, const char *id)
{
	bool first = true;
	pthread_mutex_lock(&r->srv->smu);
	server_session_t *ss = server_session_find(r->srv, r->sid);
	for (size_t i = 0; ss != NULL && i < SERVER_VIEWED_MAX; i++)
		if (strcmp(ss->viewed[i], id) == 0)
			first = false;
	if (ss != NULL && first) {
		snprintf(ss->viewed[ss->viewed_next], EMG_QID_MAX, "%s", id);
		ss->viewed_next = (ss->viewed_next + 1) % SERVER_VIEWED_MAX;
	}
	pthread_mutex_unlock(&r->srv->smu);
	return first;
}

/* ---- login limits ------------------------------------------------------- */

/* How much a slot is worth keeping: a free slot nothing, a stale one
 * little (the older the less), one that blocks now the most. */
static uint64_t
server_limit_worth(const server_limit_t *l, uint64_t now)
{
	if (!l->used)
		return 0;
	if (l->blocked_until_ms > now)
		return UINT64_MAX / 2 + l->blocked_until_ms / 2;
	return 1 + l->first_ms / 2;
}

/* The limit entry of KEY, made when MAKE in the slot worth least; under
 * lmu. */
static server_limit_t *
server_limit_find(web_server_t *s, const char *key, bool make, uint64_t now)
{
	server_limit_t *victim = &s->limits[0];
	for (size_t i = 0; i < SERVER_LIMITS_MAX; i++) {
		server_limit_t *l = &s->limits[i];
		if (l->used && strcmp(l->key, key) == 0)
			return l;
		if (server_limit_worth(l, now) <
		    server_limit_worth(victim, now))
			victim = l;
	}
	if (!make)
		return NULL;
	*victim = (server_limit_t){.used = true, .first_ms = now};
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	return victim;
}

static bool
server_limited(web_server_t *s, const char *key, uint64_t now)
{
	pthread_mutex_lock(&s->lmu);
	server_limit_t *l = server_limit_find(s, key, false, now);
	bool blocked = l != NULL && now < l->blocked_until_ms;
	pthread_mutex_unlock(&s->lmu);
	return blocked;
}

static void
server_limit_fail(web_server_t *s, const char *key, uint64_t now)
{
	pthread_mutex_lock(&s->lmu);
	server_limit_t *l = server_limit_find(s, key, true, now);
	if (server_elapsed(now, l->first_ms) > SERVER_LIMIT_WINDOW_MS) {
		l->failures = 0;
		l->first_ms = now;
	}
	if (++l->failures >= SERVER_LIMIT_FAILURES)
		l->blocked_until_ms = now + SERVER_LIMIT_WINDOW_MS;
	pthread_mutex_unlock(&s->lmu);
}

static void
server_limit_clear(web_server_t *s, const char *key, uint64_t now)
{
	pthread_mutex_lock(&s->lmu);
	server_limit_t *l = server_limit_find(s, key, false, now);
	if (l != NULL)
		*l = (server_limit_t){0};
	pthread_mutex_unlock(&s->lmu);
}

web_login_result_t
web_login(web_req_t *r, const char *user, const char *password)
{
	char by_addr[sizeof(((server_limit_t *)0)->key)];
	char by_user[sizeof(by_addr)];
	char shown[WEB_USER_MAX];
	uint64_t now = server_now_ms();
	snprintf(by_addr, sizeof(by_addr), "a:%s", r->client);
	snprintf(by_user, sizeof(by_user), "u:%s", user);
	server_loggable(user, shown, sizeof(shown));
	if (server_limited(r->srv, by_addr, now) ||
	    server_limited(r->srv, by_user, now)) {
		web_log("login refused (too many failures) for %s from %s",
		        shown, r->client);
		return WEB_LOGIN_LIMITED;
	}
	emg_quarantine_t *q = web_quarantine(r);
	bool ok = false;
	if (q == NULL)
		return WEB_LOGIN_ERROR;
	if (emg_user_verify(q, user, password, &ok) != EMG_OK) {
		web_quarantine_failed(r, "checking a password");
		return WEB_LOGIN_ERROR;
	}
	if (!ok) {
		server_limit_fail(r->srv, by_addr, now);
		server_limit_fail(r->srv, by_user, now);
		web_log("login failed for %s from %s", shown, r->client);
		return WEB_LOGIN_BAD;
	}
	server_limit_clear(r->srv, by_user, now);
	if (r->authed)
		web_logout(r); /* a login always starts a fresh session */
	if (!server_session_new(r, user))
		return WEB_LOGIN_ERROR;
	web_log("login of %s from %s", shown, r->client);
	return WEB_LOGIN_OK;
}

/* ---- query arguments and CSRF ------------------------------------------- */

const char *
web_arg(const web_req_t *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	                                   name);
}

bool
web_csrf_ok(const web_req_t *r)
{
	char token[WEB_TOKEN_LEN + 2];
	if (!r->authed || !web_form(r, "csrf", token, sizeof(token)) ||
	    strlen(token) != WEB_TOKEN_LEN)
		return false;
	return CRYPTO_memcmp(token, r->csrf, WEB_TOKEN_LEN) == 0;
}

/* HMAC-SHA256 of NONCE under the server's login key, as hex. */
static bool
server_login_mac(const web_server_t *s, const char *nonce,
                 char out[WEB_TOKEN_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (HMAC(EVP_sha256(), s->login_key, (int)sizeof(s->login_key),
	         (const unsigned char *)nonce, WEB_TOKEN_LEN, md,
	         &len) == NULL ||
	    len * 2 != WEB_TOKEN_LEN)
		return false;
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	OPENSSL_cleanse(md, sizeof(md));
	return true;
}

bool
web_login_form_token(web_req_t *r, char out[WEB_TOKEN_LEN + 1])
{
	const char *nonce = MHD_lookup_connection_value(
	    r->conn, MHD_COOKIE_KIND, server_login_cookie(r->srv));
	if (server_token_shaped(nonce)) { /* other tabs keep working */
		memcpy(r->login_nonce, nonce, sizeof(r->login_nonce));
	} else {
		if (!server_token(r->login_nonce))
			return false;
		r->set_login_cookie = true;
	}
	return server_login_mac(r->srv, r->login_nonce, out);
}

bool
web_login_form_ok(const web_req_t *r)
{
	const char *nonce = MHD_lookup_connection_value(
	    r->conn, MHD_COOKIE_KIND, server_login_cookie(r->srv));
	char token[WEB_TOKEN_LEN + 2], want[WEB_TOKEN_LEN + 1];
	if (!server_token_shaped(nonce) ||
	    !web_form(r, "login_token", token, sizeof(token)) ||
	    strlen(token) != WEB_TOKEN_LEN ||
	    !server_login_mac(r->srv, nonce, want))
		return false;
	bool ok = CRYPTO_memcmp(token, want, WEB_TOKEN_LEN) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

/* ---- responses ---------------------------------------------------------- */

static void
server_headers(web_req_t *r, struct MHD_Response *resp, const char *type)
{
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Content-Security-Policy", SERVER_CSP);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->srv->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security",
		                        "max-age=31536000");
	const char *secure = r->srv->tls ? "; Secure" : "";
	char cookie[256];
	if (r->set_session_cookie) {
		snprintf(cookie, sizeof(cookie),
		         "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
		         server_session_cookie(r->srv), r->sid, secure);
		MHD_add_response_header(resp, "Set-Cookie", cookie);
		OPENSSL_cleanse(cookie, sizeof(cookie));
	} else if (r->clear_session_cookie) {
		snprintf(cookie, sizeof(cookie),
		         "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
		         server_session_cookie(r->srv), secure);
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	}
	if (r->set_login_cookie) { /* for the login form's token only */
		snprintf(cookie, sizeof(cookie),
		         "%s=%s; Path=/login; HttpOnly; SameSite=Strict%s",
		         server_login_cookie(r->srv), r->login_nonce, secure);
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	}
	if (r->lang_from_query) {
		snprintf(cookie, sizeof(cookie),
		         "emguard_lang=%s; Path=/; Max-Age=31536000; HttpOnly; "
		         "SameSite=Strict%s",
		         i18n_code(r->lang), secure);
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	}
}

/* Queue BODY (LEN bytes; taken when OWNED, else static) with STATUS. */
static enum MHD_Result
server_send(web_req_t *r, unsigned status, const char *type, char *body,
            size_t len, bool owned, const char *location)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	server_headers(r, resp, type);
	if (location != NULL)
		MHD_add_response_header(resp, "Location", location);
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	char method[16], path[SERVER_LOG_PATH_MAX], user[WEB_USER_MAX];
	server_loggable(r->method, method, sizeof(method));
	server_loggable(r->url, path, sizeof(path));
	server_loggable(r->authed ? r->user : "-", user, sizeof(user));
	web_log("%s %s %u %s %s", method, path, status, user, r->client);
	return ret;
}

enum MHD_Result
web_send_page(web_req_t *r, unsigned status, html_t *page)
{
	if (page->overflow || page->buf == NULL) {
		static const char failed[] = "<!DOCTYPE html><title>500</title>"
		                             "<p>The page is too large.</p>\n";
		html_free(page);
		return server_send(r, 500, "text/html; charset=utf-8",
		                   (char *)failed, sizeof(failed) - 1, false,
		                   NULL);
	}
	char *buf = page->buf;
	size_t len = page->len;
	*page = (html_t){0};
	return server_send(r, status, "text/html; charset=utf-8", buf, len,
	                   true, NULL);
}

enum MHD_Result
web_send_redirect(web_req_t *r, const char *location)
{
	static const char body[] = "See other.\n";
	return server_send(r, 303, "text/plain; charset=utf-8", (char *)body,
	                   sizeof(body) - 1, false, location);
}

/* ---- routing ------------------------------------------------------------ */

/* The language: ?lang= (then kept in a cookie), the cookie, Japanese. */
static void
server_lang(web_req_t *r)
{
	const char *q = web_arg(r, "lang");
	const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
	                                            "emguard_lang");
	if (q != NULL && (strcmp(q, "en") == 0 || strcmp(q, "ja") == 0)) {
		r->lang = strcmp(q, "en") == 0 ? LANG_EN : LANG_JA;
		r->lang_from_query = true;
	} else
		r->lang = c != NULL && strcmp(c, "en") == 0 ? LANG_EN : LANG_JA;
}

/* 1 when the session's user still exists, 0 when not, -1 when the store
 * cannot say. */
static int
server_user_exists(web_req_t *r)
{
	emg_quarantine_t *q = web_quarantine(r);
	char **names = NULL;
	size_t n = 0;
	int found = 0;
	if (q == NULL)
		return -1;
	if (emg_user_list(q, &names, &n) != EMG_OK) {
		web_quarantine_failed(r, "listing the users");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], r->user) == 0)
			found = 1;
		free(names[i]);
	}
	free(names);
	return found;
}

/* An entry id as the store makes them: letters, digits, '-'. */
static bool
server_id_ok(const char *id, size_t len)
{
	if (len == 0 || len >= EMG_QID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '-'))
			return false;
	}
	return true;
}

/* /m/ID, /m/ID/release, /m/ID/delete. */
static enum MHD_Result
server_route_entry(web_req_t *r, const char *rest)
{
	const char *slash = strchr(rest, '/');
	size_t len = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	char id[EMG_QID_MAX];
	if (!server_id_ok(rest, len))
		return page_error(r, 404, M_ERR_NOT_FOUND);
	memcpy(id, rest, len);
	id[len] = '\0';
	if (slash == NULL)
		return r->post ? page_error(r, 405, M_ERR_METHOD)
		               : page_message(r, id);
	bool release = strcmp(slash, "/release") == 0;
	if (!release && strcmp(slash, "/delete") != 0)
		return page_error(r, 404, M_ERR_NOT_FOUND);
	if (!r->post)
		return page_confirm(r, id, release);
	return release ? page_release(r, id) : page_delete(r, id);
}

static enum MHD_Result
server_route(web_req_t *r)
{
	const char *url = r->url;
	bool get = !r->post;
	server_lang(r);
	server_session_load(r);
	if (r->body_too_large)
		return page_error(r, 413, M_ERR_TOO_LARGE);
	if (get && strcmp(url, "/healthz") == 0) {
		static const char ok[] = "ok\n";
		return server_send(r, 200, "text/plain; charset=utf-8",
		                   (char *)ok, sizeof(ok) - 1, false, NULL);
	}
	if (get && strcmp(url, "/style.css") == 0)
		return server_send(r, 200, "text/css; charset=utf-8",
		                   (char *)web_style_css, strlen(web_style_css),
		                   false, NULL);
	const char *site = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                               "Sec-Fetch-Site");
	if (r->post && site != NULL && strcmp(site, "cross-site") == 0)
		return page_error(r, 403, M_ERR_CSRF);
	if (strcmp(url, "/login") == 0) {
		if (r->post)
			return page_login_post(r);
		return r->authed ? web_send_redirect(r, "/")
		                 : page_login(r, 200, NULL);
	}
	if (!r->authed)
		return get ? web_send_redirect(r, "/login")
		           : page_error(r, 403, M_ERR_FORBIDDEN);
	switch (server_user_exists(r)) {
	case 0: /* deleted with `emguard user delete` since the login */
		web_logout(r);
		return get ? web_send_redirect(r, "/login")
		           : page_error(r, 403, M_ERR_FORBIDDEN);
	case -1: return page_error(r, 503, M_ERR_STORE);
	}
	if (r->post && !web_csrf_ok(r)) {
		char user[WEB_USER_MAX];
		server_loggable(r->user, user, sizeof(user));
		web_log("refused a POST without the CSRF token of %s", user);
		return page_error(r, 403, M_ERR_CSRF);
	}
	if (strcmp(url, "/") == 0)
		return get ? page_list(r) : page_error(r, 405, M_ERR_METHOD);
	if (strcmp(url, "/audit") == 0)
		return get ? page_audit(r) : page_error(r, 405, M_ERR_METHOD);
	if (strcmp(url, "/logout") == 0)
		return r->post ? page_logout(r)
		               : page_error(r, 405, M_ERR_METHOD);
	if (strncmp(url, "/m/", 3) == 0)
		return server_route_entry(r, url + 3);
	return page_error(r, 404, M_ERR_NOT_FOUND);
}

/* The peer's numeric address into R->client. */
static void
server_client(web_req_t *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
	    r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(r->client, sizeof(r->client), "?");
	if (ci == NULL || ci->client_addr == NULL)
		return;
	socklen_t len = ci->client_addr->sa_family == AF_INET6
	                    ? sizeof(struct sockaddr_in6)
	                    : sizeof(struct sockaddr_in);
	getnameinfo(ci->client_addr, len, r->client, sizeof(r->client), NULL, 0,
	            NI_NUMERICHOST);
}

/* A new request: its state, and 413 at once when the announced body is
 * too large. */
static enum MHD_Result
server_begin(web_server_t *s, struct MHD_Connection *conn, const char *url,
             const char *method, void **con_cls)
{
	web_req_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MHD_NO;
	r->srv = s;
	r->cfg = s->cfg;
	r->conn = conn;
	r->url = url;
	r->method = method;
	r->post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	server_client(r);
	*con_cls = r;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	           strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	if (!get && !r->post) {
		server_lang(r);
		return page_error(r, 405, M_ERR_METHOD);
	}
	const char *cl = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && strtoull(cl, NULL, 10) > WEB_BODY_MAX) {
		server_lang(r);
		return page_error(r, 413, M_ERR_TOO_LARGE);
	}
	return MHD_YES;
}

static enum MHD_Result
server_access(void *cls, struct MHD_Connection *conn, const char *url,
              const char *method, const char *version, const char *upload_data,
              size_t *upload_size, void **con_cls)
{
	web_req_t *r = *con_cls;
	if (r == NULL)
		return server_begin(cls, conn, url, method, con_cls);
	if (*upload_size != 0) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->answered || r->body_too_large)
			return MHD_YES;
		if (!r->post || n > WEB_BODY_MAX - r->body_len) {
			r->body_too_large = r->post;
			return MHD_YES;
		}
		if (r->body == NULL &&
		    (r->body = malloc(WEB_BODY_MAX + 1)) == NULL)
			return MHD_NO;
		memcpy(r->body + r->body_len, upload_data, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
		return MHD_YES;
	}
	if (r->answered)
		return MHD_YES;
	if (r->post && !web_form_parse(r))
		return MHD_NO;
	return server_route(r);
}

static void
server_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                 enum MHD_RequestTerminationCode toe)
{
	web_req_t *r = *con_cls;
	if (r == NULL)
		return;
	server_quarantine_put(r);
	web_form_free(r);
	if (r->body != NULL) {
		OPENSSL_cleanse(r->body, r->body_len); /* may hold a password */
		free(r->body);
	}
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
	*con_cls = NULL;
}

/* ---- the daemon --------------------------------------------------------- */

static void
server_free(web_server_t *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_idle; i++)
		emg_quarantine_close(s->idle[i]);
	if (s->sessions != NULL)
		OPENSSL_cleanse(s->sessions,
		                SERVER_SESSIONS_MAX * sizeof(*s->sessions));
	free(s->sessions);
	free(s->limits);
	free(s->cert_pem);
	if (s->key_pem != NULL) {
		OPENSSL_cleanse(s->key_pem, strlen(s->key_pem));
		free(s->key_pem);
	}
	emg_config_unref(s->cfg);
	pthread_mutex_destroy(&s->qmu);
	pthread_cond_destroy(&s->qcv);
	pthread_mutex_destroy(&s->smu);
	pthread_mutex_destroy(&s->lmu);
	free(s);
}

/* Every text has its words, and every category the library knows has
 * its sentence: a gap is said at start, not found by a user. */
static bool
server_texts_complete(char *err, size_t errlen)
{
	for (int m = 0; m < M__COUNT; m++) {
		if (strcmp(i18n(LANG_JA, (web_msg_t)m), "?") == 0) {
			snprintf(err, errlen, "text %d has no translation", m);
			return false;
		}
	}
	const char *name, *category, *description;
	double score;
	for (size_t i = 0;
	     emg_symbol_at(i, &name, &category, &score, &description); i++)
		if (!i18n_category_known(category))
			web_log("category %s of %s has no sentence of its own: "
			        "a general one is shown",
			        category, name);
	return true;
}

emg_status_t
web_server_start(const web_start_t *how, web_server_t **out, char *err,
                 size_t errlen)
{
	*out = NULL;
	if (!server_texts_complete(err, errlen))
		return EMG_EINVAL;
	web_server_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return EMG_ENOMEM;
	pthread_mutex_init(&s->qmu, NULL);
	pthread_cond_init(&s->qcv, NULL);
	pthread_mutex_init(&s->smu, NULL);
	pthread_mutex_init(&s->lmu, NULL);
	s->cfg = emg_config_ref(how->cfg);
	s->max_open =
	    how->threads < SERVER_QPOOL_MAX ? how->threads : SERVER_QPOOL_MAX;
	s->sessions = calloc(SERVER_SESSIONS_MAX, sizeof(*s->sessions));
	s->limits = calloc(SERVER_LIMITS_MAX, sizeof(*s->limits));
	s->tls = how->cert_pem != NULL && how->key_pem != NULL;
	if (RAND_bytes(s->login_key, sizeof(s->login_key)) != 1) {
		snprintf(err, errlen, "no random bytes for the login key");
		server_free(s);
		return EMG_EIO;
	}
	if (s->sessions == NULL || s->limits == NULL ||
	    (s->tls && ((s->cert_pem = strdup(how->cert_pem)) == NULL ||
	                (s->key_pem = strdup(how->key_pem)) == NULL))) {
		server_free(s);
		return EMG_ENOMEM;
	}
	unsigned flags =
	    MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (s->tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen,
			         "this libmicrohttpd has no TLS support");
			server_free(s);
			return EMG_ECONFIG;
		}
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem tls[] = {
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert_pem},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, s->key_pem},
	    {MHD_OPTION_END, 0, NULL},
	};
	s->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, server_access, s, MHD_OPTION_LISTEN_SOCKET,
	    how->listen_fd, MHD_OPTION_THREAD_POOL_SIZE, how->threads,
	    MHD_OPTION_CONNECTION_LIMIT, 256,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, SERVER_PER_ADDRESS_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
	    MHD_OPTION_NOTIFY_COMPLETED, server_completed, s, MHD_OPTION_ARRAY,
	    s->tls ? tls : tls + 2, MHD_OPTION_END);
	if (s->daemon == NULL) {
		snprintf(err, errlen, "libmicrohttpd did not start%s",
		         s->tls ? " (check WebCertificate and WebKey)" : "");
		server_free(s);
		return EMG_EIO;
	}
	*out = s;
	return EMG_OK;
}

void
web_server_stop(web_server_t *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->daemon);
	server_free(s);
}
