/*
 * quarantine.c - the milter's side of the emguard quarantine: storing a
 * quarantined message (QuarantineMode store and both) and checking the
 * release token of a message that comes back released.
 *
 * Storing: the entry is made from the bytes the milter received (the
 * header block as the MTA handed it over, then the body), the envelope,
 * the report and the short reasons, by "milter@HOST".  actions.c tells the
 * MTA to discard the message only after emg_quarantine_put returned
 * EMG_OK, which means the bytes and the index row are durable: a message
 * is never dropped before it is safely stored.  A message past
 * LimitMessageSize was not kept whole and is never stored cut.
 *
 * Handles come from the snapshot's pool (snapshot.c): one store connection
 * per thread at a time, opened when a message first needs one.  The store
 * reconnects to PostgreSQL once by itself; a handle on which a call still
 * failed is closed instead of going back to the pool, so that the next
 * message opens a fresh one.
 *
 * Release tokens fail closed: a token that cannot be checked (no store, no
 * Message-ID) counts as invalid, and the message is judged as any other.
 *
 * At start-up the milter makes index and files agree after a crash
 * (emg_quarantine_recover: the store's lock keeps it off the files of puts
 * in flight in other processes).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "milter.h"

/* "milter@" and a host name (HOST_NAME_MAX is 64 on Linux). */
#define QUARANTINE_ACTOR_MAX 300

static pthread_once_t quarantine_actor_once = PTHREAD_ONCE_INIT;
static char quarantine_actor_name[QUARANTINE_ACTOR_MAX];

static void
quarantine_actor_init(void)
{
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	snprintf(quarantine_actor_name, sizeof(quarantine_actor_name),
	         "milter@%s", host);
}

/* Who stores entries in the audit trail: "milter@HOSTNAME". */
static const char *
quarantine_actor(void)
{
	pthread_once(&quarantine_actor_once, quarantine_actor_init);
	return quarantine_actor_name;
}

/* Why the last call on Q failed with ST. */
static const char *
quarantine_why(const emg_quarantine_t *q, emg_status_t st)
{
	const char *why = emg_quarantine_error(q);
	return why != NULL && *why != '\0' ? why : emg_strerror(st);
}

/* Copy address S into DST without the angle brackets the MTA passes
 * ("<a@b>" -> "a@b", "<>" -> ""); returns the end of the copy, past its
 * NUL.  DST has room for strlen(S) + 1. */
static char *
quarantine_addr(char *dst, const char *s)
{
	size_t len = strlen(s);
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return dst + len + 1;
}

/* The envelope of C's message as the quarantine keeps it: addresses
 * without angle brackets.  *MEM holds the copies; free it after use. */
static emg_status_t
quarantine_envelope(const milter_conn_t *c, emg_envelope_t *env, void **mem)
{
	const milter_msg_t *m = &c->msg;
	/* at most CALLBACKS_MAX_RCPTS addresses of CALLBACKS_NAME_MAX bytes:
	 * no sum below can overflow */
	size_t bytes = m->n_rcpts * sizeof(char *) +
	               (m->mail_from ? strlen(m->mail_from) + 1 : 0);
	for (size_t i = 0; i < m->n_rcpts; i++)
		bytes += strlen(m->rcpts[i]) + 1;
	milter_envelope(c, env);
	if ((*mem = malloc(bytes ? bytes : 1)) == NULL)
		return EMG_ENOMEM;
	const char **rcpts = *mem;
	char *at = (char *)(rcpts + m->n_rcpts);
	for (size_t i = 0; i < m->n_rcpts; i++) {
		rcpts[i] = at;
		at = quarantine_addr(at, m->rcpts[i]);
	}
	env->rcpts = rcpts;
	if (m->mail_from != NULL) {
		env->mail_from = at;
		quarantine_addr(at, m->mail_from);
	}
	return EMG_OK;
}

static double
quarantine_ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

emg_status_t
quarantine_store(milter_conn_t *c, const emg_report_t *report,
                 const char *reason, milter_outcome_t *out)
{
	char *id = out->quarantine_id, *err = out->error;
	size_t errlen = sizeof(out->error);
	double *ms = &out->store_ms;
	milter_msg_t *m = &c->msg;
	uint64_t kept = (uint64_t)m->buf.len + m->buf.file_len;
	id[0] = '\0';
	*ms = 0;
	if (m->error[0] != '\0') {
		snprintf(err, errlen, "not stored: %.200s", m->error);
		return EMG_EIO;
	}
	if (kept < m->buf.offered) {
		snprintf(err, errlen,
		         "not stored: %llu bytes, past LimitMessageSize "
		         "(%llu kept)",
		         (unsigned long long)m->buf.offered,
		         (unsigned long long)kept);
		return EMG_ELIMIT;
	}
	const void *data = NULL;
	size_t len = 0;
	char why[512] = "";
	emg_envelope_t env;
	void *env_mem = NULL;
	emg_status_t st = msgbuf_view(&m->buf, &data, &len, why, sizeof(why));
	if (st == EMG_OK &&
	    (st = quarantine_envelope(c, &env, &env_mem)) != EMG_OK)
		snprintf(why, sizeof(why), "out of memory");
	if (st != EMG_OK) {
		snprintf(err, errlen, "not stored: %.200s", why);
		return st;
	}
	emg_quarantine_t *q = NULL;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = snapshot_quarantine_get(m->snap, &q, why, sizeof(why));
	if (st == EMG_OK)
		st = emg_quarantine_put(q, data, len, &env, report, reason,
		                        quarantine_actor(), id);
	*ms = quarantine_ms_since(&t0);
	free(env_mem);
	if (st != EMG_OK) {
		if (q == NULL)
			snprintf(err, errlen, "cannot open the quarantine: %.200s",
			         why);
		else
			snprintf(err, errlen, "quarantine store failed: %.200s",
			         quarantine_why(q, st));
		id[0] = '\0';
		emg_quarantine_close(q); /* the next message opens a new one */
		return st;
	}
	out->resent = emg_quarantine_put_resent(q);
	snapshot_quarantine_put(m->snap, q);
	return EMG_OK;
}

/* The Message-ID of REPORT without its angle brackets, into BUF; false
 * when there is none. */
static bool
quarantine_message_id(const emg_report_t *report, char *buf, size_t len)
{
	const char *mid = emg_report_message_id(report);
	if (mid == NULL || *mid == '\0')
		return false;
	size_t n = strlen(mid);
	if (n >= 2 && mid[0] == '<' && mid[n - 1] == '>') {
		mid++;
		n -= 2;
	}
	if (n == 0 || n >= len)
		return false;
	memcpy(buf, mid, n);
	buf[n] = '\0';
	return true;
}

bool
quarantine_release_valid(milter_conn_t *c, const emg_report_t *report,
                         char id[EMG_QID_MAX], char *err, size_t errlen)
{
	milter_msg_t *m = &c->msg;
	char mid[1024];
	id[0] = '\0';
	if (m->release_token == NULL || *m->release_token == '\0') {
		snprintf(err, errlen, "release token: empty or too long");
		return false;
	}
	if (report == NULL ||
	    !quarantine_message_id(report, mid, sizeof(mid))) {
		snprintf(err, errlen, "release token: no Message-ID to check");
		return false;
	}
	const void *data = NULL;
	size_t len = 0;
	char oerr[512] = "";
	if (msgbuf_view(&m->buf, &data, &len, oerr, sizeof(oerr)) != EMG_OK) {
		snprintf(err, errlen,
		         "release token not checked (counted invalid): %s",
		         oerr);
		return false;
	}
	emg_quarantine_t *q = NULL;
	emg_status_t st =
	    snapshot_quarantine_get(m->snap, &q, oerr, sizeof(oerr));
	if (st != EMG_OK) {
		snprintf(err, errlen,
		         "release token not checked (counted invalid): cannot "
		         "open the quarantine: %s",
		         oerr);
		return false;
	}
	bool valid = false;
	st = emg_quarantine_release_verify(q, m->release_token, mid, data, len,
	                                   (int64_t)time(NULL), &valid, id);
	if (st != EMG_OK) {
		snprintf(err, errlen,
		         "release token not checked (counted invalid): %s",
		         quarantine_why(q, st));
		emg_quarantine_close(q);
		id[0] = '\0';
		return false;
	}
	snapshot_quarantine_put(m->snap, q);
	if (!valid) {
		snprintf(err, errlen, "release token invalid, removed");
		id[0] = '\0';
	}
	return valid;
}

void
quarantine_check(milter_snap_t *snap, bool at_start)
{
	const milter_settings_t *set = &snap->set;
	if (set->qmode == MILTER_QUARANTINE_HOLD)
		return;
	const char *mode =
	    set->qmode == MILTER_QUARANTINE_STORE ? "store" : "both";
	const char *fallback = set->qfallback_tempfail
	                           ? "answered with 451 4.3.0"
	                           : "held in the MTA queue";
	emg_quarantine_t *q = NULL;
	char err[512] = "";
	if (snapshot_quarantine_get(snap, &q, err, sizeof(err)) != EMG_OK) {
		log_msg(LOG_ERR,
		        "QuarantineMode %s: the quarantine does not work: %s; "
		        "until it does, quarantined mail is %s "
		        "(QuarantineFallback)",
		        mode, err, fallback);
		return;
	}
	log_msg(LOG_INFO,
	        "QuarantineMode %s: quarantined mail goes to the emguard "
	        "quarantine (%s); when storing fails it is %s",
	        mode, emg_quarantine_backend(q), fallback);
	uint64_t removed = 0, missing = 0;
	emg_status_t st =
	    at_start ? emg_quarantine_recover(q, &removed, &missing) : EMG_OK;
	if (st != EMG_OK) {
		log_msg(LOG_WARNING, "quarantine: recovery after a crash: %s",
		        quarantine_why(q, st));
		emg_quarantine_close(q);
		return;
	}
	if (removed > 0 || missing > 0)
		log_msg(LOG_WARNING,
		        "quarantine: recovery after a crash removed %llu "
		        "unfinished files; %llu entries lack their bytes",
		        (unsigned long long)removed,
		        (unsigned long long)missing);
	snapshot_quarantine_put(snap, q);
}
