/*
 * callbacks.c - the libmilter callbacks: per-connection context, the
 * message and its envelope rebuilt from the SMTP session, the scan at end
 * of message, and the log line.
 *
 * Every step before end of message always continues, so negotiation asks
 * the MTA not to wait for those replies (SMFIP_NR_*) and not to send what
 * is never used (DATA, unknown commands): a message then costs one round
 * trip.  The price is that an early step cannot refuse anything, so a
 * failure while receiving (out of memory, a spill file that cannot be
 * written) is kept in the message and answered at end of message under
 * OnError.  A connection whose context could not even be allocated is
 * negotiated without SMFIP_NR_*, so that each step can answer tempfail.
 *
 * Headers arrive verbatim (SMFIP_HDR_LEADSPC): the rebuilt header block
 * keeps the original spacing, and a changed Subject keeps its bytes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>

#include "milter.h"
#include "subject.h"

/* Most recipients kept for the scan (the rest are only counted), and
 * the longest address or name kept: far above what MTAs let through. */
#define CALLBACKS_MAX_RCPTS 10000
#define CALLBACKS_NAME_MAX 1024

const char *const milter_hdr_names[MILTER_N_HDRS] = {
    "X-Emguard-Score",
    "X-Emguard-Action",
    "X-Emguard-Symbols",
};

static const unsigned long callbacks_actions =
    SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST;
static const unsigned long callbacks_steps =
    SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_CONN | SMFIP_NR_HELO |
    SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH |
    SMFIP_NR_BODY | SMFIP_HDR_LEADSPC;

/* ---- context ------------------------------------------------------------- */

/* The connection's context, made now when negotiation could not. */
static milter_conn_t *
callbacks_conn(SMFICTX *ctx)
{
	milter_conn_t *c = smfi_getpriv(ctx);
	if (c != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_msg(LOG_ERR, "out of memory for a connection context");
		return NULL;
	}
	smfi_setpriv(ctx, c);
	return c;
}

/* The reply of a step before end of message: none when negotiated away. */
static sfsistat
callbacks_next(const milter_conn_t *c, unsigned long no_reply)
{
	return (c->steps & no_reply) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static char *
callbacks_dup(const char *s)
{
	return s != NULL ? strndup(s, CALLBACKS_NAME_MAX) : NULL;
}

/* Keep the first failure of the message for end of message. */
static void
callbacks_fail(milter_msg_t *m, const char *why)
{
	if (m->error[0] == '\0')
		snprintf(m->error, sizeof(m->error), "%s", why);
}

/* Forget the message (end, abort, or a new MAIL FROM). */
static void
callbacks_msg_reset(milter_conn_t *c)
{
	milter_msg_t *m = &c->msg;
	if (!c->in_msg)
		return;
	msgbuf_free(&m->buf);
	for (size_t i = 0; i < m->n_rcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->mail_from);
	free(m->auth_user);
	free(m->subject);
	free(m->release_token);
	snapshot_unref(m->snap);
	*m = (milter_msg_t){.buf = {.fd = -1}};
	c->in_msg = false;
}

/* Start a message on the current configuration snapshot. */
static void
callbacks_msg_start(milter_conn_t *c)
{
	milter_msg_t *m = &c->msg;
	callbacks_msg_reset(c);
	c->in_msg = true;
	m->snap = snapshot_current();
	msgbuf_init(&m->buf, m->snap->set.buffer_size, m->snap->set.message_max,
	            m->snap->set.tmpdir);
}

/* Append LEN bytes to the message; a failure is kept for end of message. */
static void
callbacks_append(milter_msg_t *m, const void *data, size_t len)
{
	char err[200] = "";
	if (m->error[0] == '\0' &&
	    msgbuf_append(&m->buf, data, len, err, sizeof(err)) != EMG_OK)
		callbacks_fail(m, err[0] ? err : "out of memory");
}

/* Append S to the message with every line end made CRLF: MTAs hand folded
 * header values over with LF line ends, the scanner reads the message as
 * it was on the wire. */
static void
callbacks_append_crlf(milter_msg_t *m, const char *s)
{
	while (*s != '\0' && m->error[0] == '\0') {
		size_t n = strcspn(s, "\n");
		if (s[n] == '\0') {
			callbacks_append(m, s, n);
			return;
		}
		callbacks_append(m, s, n > 0 && s[n - 1] == '\r' ? n - 1 : n);
		callbacks_append(m, "\r\n", 2);
		s += n + 1;
	}
}

/* ---- connection ---------------------------------------------------------- */

static sfsistat
callbacks_negotiate(SMFICTX *ctx, unsigned long actions, unsigned long steps,
                    unsigned long f2, unsigned long f3, unsigned long *pactions,
                    unsigned long *psteps, unsigned long *pf2,
                    unsigned long *pf3)
{
	*pactions = actions & callbacks_actions;
	*pf2 = *pf3 = 0;
	milter_conn_t *c = callbacks_conn(ctx);
	if (c == NULL) {
		*psteps = steps & (SMFIP_NOUNKNOWN | SMFIP_NODATA);
		return SMFIS_CONTINUE;
	}
	c->steps = steps & callbacks_steps;
	*psteps = c->steps;
	if ((actions & SMFIF_QUARANTINE) == 0)
		log_msg(LOG_WARNING, "the MTA cannot quarantine: quarantine "
		                     "verdicts will be answered with tempfail");
	if (actions & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT,
		                "{daemon_name} {client_addr}");
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "{auth_authen}");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

static sfsistat
callbacks_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	milter_conn_t *c = callbacks_conn(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	const void *bin = NULL;
	int family = addr != NULL ? addr->sa_family : AF_UNSPEC;
	if (family == AF_INET)
		bin =
		    &((const struct sockaddr_in *)(const void *)addr)->sin_addr;
	else if (family == AF_INET6)
		bin = &((const struct sockaddr_in6 *)(const void *)addr)
		           ->sin6_addr;
	c->client_ip[0] = '\0';
	if (bin == NULL || inet_ntop(family, bin, c->client_ip,
	                             sizeof(c->client_ip)) == NULL) {
		const char *mac = smfi_getsymval(ctx, "{client_addr}");
		snprintf(c->client_ip, sizeof(c->client_ip), "%s",
		         mac ? mac : "");
	}
	free(c->daemon_name);
	c->daemon_name = callbacks_dup(smfi_getsymval(ctx, "{daemon_name}"));
	return callbacks_next(c, SMFIP_NR_CONN);
}

static sfsistat
callbacks_helo(SMFICTX *ctx, char *name)
{
	milter_conn_t *c = callbacks_conn(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	free(c->helo);
	c->helo = callbacks_dup(name);
	return callbacks_next(c, SMFIP_NR_HELO);
}

/* ---- envelope ------------------------------------------------------------ */

static sfsistat
callbacks_envfrom(SMFICTX *ctx, char **argv)
{
	milter_conn_t *c = callbacks_conn(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	callbacks_msg_start(c);
	milter_msg_t *m = &c->msg;
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");
	m->mail_from = callbacks_dup(argv[0] ? argv[0] : "");
	if (auth != NULL && *auth != '\0')
		m->auth_user = callbacks_dup(auth);
	if (m->mail_from == NULL || (auth && *auth && m->auth_user == NULL))
		callbacks_fail(m, "out of memory");
	return callbacks_next(c, SMFIP_NR_MAIL);
}

static sfsistat
callbacks_envrcpt(SMFICTX *ctx, char **argv)
{
	milter_conn_t *c = callbacks_conn(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	milter_msg_t *m = &c->msg;
	if (!c->in_msg || argv[0] == NULL)
		return callbacks_next(c, SMFIP_NR_RCPT);
	m->rcpts_seen++;
	if (m->n_rcpts == CALLBACKS_MAX_RCPTS)
		return callbacks_next(c, SMFIP_NR_RCPT);
	if (m->n_rcpts == m->cap_rcpts) {
		size_t cap = m->cap_rcpts ? m->cap_rcpts * 2 : 8;
		char **v = realloc(m->rcpts, cap * sizeof(*v));
		if (v == NULL) {
			callbacks_fail(m, "out of memory");
			return callbacks_next(c, SMFIP_NR_RCPT);
		}
		m->rcpts = v;
		m->cap_rcpts = cap;
	}
	if ((m->rcpts[m->n_rcpts] = callbacks_dup(argv[0])) == NULL)
		callbacks_fail(m, "out of memory");
	else
		m->n_rcpts++;
	return callbacks_next(c, SMFIP_NR_RCPT);
}

/* ---- content ------------------------------------------------------------- */

/* Keep the value of the release header, unfolded and trimmed; a value
 * longer than any token is kept empty (invalid). */
static void
callbacks_keep_token(milter_msg_t *m, const char *value)
{
	size_t len = strlen(value);
	if (len > CALLBACKS_NAME_MAX)
		len = 0;
	char *token = malloc(len + 1);
	if (token == NULL) {
		callbacks_fail(m, "out of memory");
		return;
	}
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		if (value[i] != '\r' && value[i] != '\n' &&
		    (o > 0 || (value[i] != ' ' && value[i] != '\t')))
			token[o++] = value[i];
	while (o > 0 && (token[o - 1] == ' ' || token[o - 1] == '\t'))
		o--;
	token[o] = '\0';
	m->release_token = token;
}

static sfsistat
callbacks_header(SMFICTX *ctx, char *name, char *value)
{
	milter_conn_t *c = callbacks_conn(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	milter_msg_t *m = &c->msg;
	if (!c->in_msg)
		return callbacks_next(c, SMFIP_NR_HDR);
	for (int i = 0; i < MILTER_N_HDRS; i++)
		if (strcasecmp(name, milter_hdr_names[i]) == 0)
			m->forged[i]++;
	if (strcasecmp(name, EMG_RELEASE_HEADER) == 0 &&
	    m->release_headers++ == 0)
		callbacks_keep_token(m, value);
	if (!m->subject_seen && strcasecmp(name, "Subject") == 0) {
		m->subject_seen = true;
		if (strlen(value) <= SUBJECT_RAW_MAX &&
		    (m->subject = strdup(value)) == NULL)
			callbacks_fail(m, "out of memory");
	}
	callbacks_append(m, name, strlen(name));
	/* Without SMFIP_HDR_LEADSPC the MTA has eaten the blank. */
	if (c->steps & SMFIP_HDR_LEADSPC)
		callbacks_append(m, ":", 1);
	else
		callbacks_append(m, ": ", 2);
	callbacks_append_crlf(m, value);
	callbacks_append(m, "\r\n", 2);
	return callbacks_next(c, SMFIP_NR_HDR);
}

static sfsistat
callbacks_eoh(SMFICTX *ctx)
{
	milter_conn_t *c = callbacks_conn(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (c->in_msg)
		callbacks_append(&c->msg, "\r\n", 2);
	return callbacks_next(c, SMFIP_NR_EOH);
}

static sfsistat
callbacks_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	milter_conn_t *c = callbacks_conn(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (c->in_msg)
		callbacks_append(&c->msg, chunk, len);
	return callbacks_next(c, SMFIP_NR_BODY);
}

/* ---- end of message ------------------------------------------------------ */

void
milter_envelope(const milter_conn_t *c, emg_envelope_t *env)
{
	const milter_msg_t *m = &c->msg;
	*env = (emg_envelope_t){
	    .mail_from = m->mail_from,
	    .rcpts = (const char *const *)m->rcpts,
	    .n_rcpts = m->n_rcpts,
	    .client_ip = c->client_ip[0] ? c->client_ip : NULL,
	    .helo = c->helo,
	    .auth_user = m->auth_user,
	};
}

/* Scan the message; *REPORT is NULL and WHY says why when it failed. */
static void
callbacks_scan(milter_conn_t *c, emg_report_t **report, char *why,
               size_t whylen, unsigned *ms)
{
	milter_msg_t *m = &c->msg;
	const void *data = NULL;
	size_t len = 0;
	*report = NULL;
	if (m->error[0] != '\0') {
		snprintf(why, whylen, "%s", m->error);
		return;
	}
	if (msgbuf_view(&m->buf, &data, &len, why, whylen) != EMG_OK)
		return;
	emg_scanner_t *sc = NULL;
	if (snapshot_scanner_get(m->snap, &sc, why, whylen) != EMG_OK)
		return;
	emg_envelope_t env;
	milter_envelope(c, &env);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	emg_status_t st = emg_scan(sc, data, len, &env, report);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snapshot_scanner_put(m->snap, sc);
	*ms = (unsigned)((t1.tv_sec - t0.tv_sec) * 1000 +
	                 (t1.tv_nsec - t0.tv_nsec) / 1000000);
	if (st != EMG_OK)
		snprintf(why, whylen, "scan failed: %s", emg_strerror(st));
}

static sfsistat
callbacks_eom(SMFICTX *ctx)
{
	milter_conn_t *c = callbacks_conn(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (!c->in_msg) /* no MAIL FROM seen: nothing to scan, still answer */
		callbacks_msg_start(c);
	milter_msg_t *m = &c->msg;
	emg_report_t *report = NULL;
	char why[256] = "";
	unsigned ms = 0;
	callbacks_scan(c, &report, why, sizeof(why), &ms);

	milter_outcome_t out;
	sfsistat reply = actions_apply(ctx, c, report, &out);
	const char *qid = smfi_getsymval(ctx, "i");
	/* the library judged the envelope (client_ip, auth_user) against
	 * InternalNetworks; a scan that failed has no report, hence no
	 * direction */
	bool outbound = emg_report_outbound(report);
	char extra[128] = "";
	if (out.quarantine_id[0] != '\0')
		snprintf(extra, sizeof(extra),
		         " quarantine_id=%s%s store_ms=%.1f", out.quarantine_id,
		         out.resent ? " resent=yes" : "", out.store_ms);
	else if (out.released[0] != '\0')
		snprintf(extra, sizeof(extra), " released=%s", out.released);
	else if (out.fallback != NULL)
		snprintf(extra, sizeof(extra), " fallback=%s", out.fallback);
	if (why[0] == '\0')
		snprintf(why, sizeof(why), "%s", out.error);
	log_msg(LOG_INFO,
	        "%s: from=%s rcpts=%zu size=%llu score=%.2f action=%s "
	        "symbols=%s scan_ms=%u%s%s%s%s",
	        qid ? qid : "NOQUEUE", m->mail_from ? m->mail_from : "<>",
	        m->rcpts_seen, (unsigned long long)m->buf.offered, out.score,
	        out.action, out.symbols[0] ? out.symbols : "-", ms, extra,
	        outbound ? " outbound" : "", why[0] ? " error=" : "", why);
	/* quarantined or rejected mail is never learnt as trusted */
	if (report != NULL && (strcmp(out.action, "accept") == 0 ||
	                       strcmp(out.action, "tag") == 0))
		history_learn(m->snap, report);
	emg_report_free(report);
	callbacks_msg_reset(c);
	return reply;
}

static sfsistat
callbacks_abort(SMFICTX *ctx)
{
	milter_conn_t *c = smfi_getpriv(ctx);
	if (c != NULL)
		callbacks_msg_reset(c);
	return SMFIS_CONTINUE;
}

static sfsistat
callbacks_close(SMFICTX *ctx)
{
	milter_conn_t *c = smfi_getpriv(ctx);
	if (c == NULL)
		return SMFIS_CONTINUE;
	callbacks_msg_reset(c);
	free(c->helo);
	free(c->daemon_name);
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = MILTER_NAME,
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags =
        SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
    .xxfi_connect = callbacks_connect,
    .xxfi_helo = callbacks_helo,
    .xxfi_envfrom = callbacks_envfrom,
    .xxfi_envrcpt = callbacks_envrcpt,
    .xxfi_header = callbacks_header,
    .xxfi_eoh = callbacks_eoh,
    .xxfi_body = callbacks_body,
    .xxfi_eom = callbacks_eom,
    .xxfi_abort = callbacks_abort,
    .xxfi_close = callbacks_close,
    .xxfi_negotiate = callbacks_negotiate,
};
