/*
 * quarantine_resend.c - recognising a message that is already in the
 * quarantine because its sender delivered it again.
 *
 * The milter answers a quarantined message only after its put returned.
 * When the milter dies, or the MTA's milter timeout fires, between the
 * commit and that answer, the MTA answers 4xx and the client sends the
 * same message again minutes or days later.  Storing it again would give
 * the quarantine two entries of one message, and releasing one would
 * leave the other to be released a second time.  So a put first looks
 * for an entry that is the same message: equal Message-ID, envelope
 * sender and recipients, not deleted, arrived within
 * QUARANTINE_RESEND_WINDOW, and equal bytes once the Received fields are
 * left out (the receiving MTA writes its own, with a new queue id, on
 * every try).  The put then returns that entry's id and adds a "resent"
 * audit line to it instead of storing a copy.
 *
 * The lookup costs one indexed query per put (quarantine_entry_message_id)
 * and reads candidates' bytes only when Message-ID and envelope already
 * match, at most QUARANTINE_RESEND_CANDIDATES of them.  A message without
 * a Message-ID is always a new entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "quarantine.h"

/* Postfix gives up on a message after 5 days (maximal_queue_lifetime). */
#define QUARANTINE_RESEND_WINDOW (5 * 86400)
#define QUARANTINE_RESEND_CANDIDATES 8
#define RESEND_STR(x) #x
#define RESEND_XSTR(x) RESEND_STR(x)

/* The end of the header line starting at P (after its LF), or END. */
static const char *
resend_line_end(const char *p, const char *end)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	return lf != NULL ? lf + 1 : end;
}

/* True when the header line [P, E) is a Received field's first line. */
static bool
resend_is_received(const char *p, const char *e)
{
	static const char name[] = "Received";
	size_t n = sizeof(name) - 1;

	if ((size_t)(e - p) <= n || strncasecmp(p, name, n) != 0)
		return false;
	p += n;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p < e && *p == ':';
}

/* SHA-256 of the LEN bytes at DATA without their Received fields (first
 * lines and continuation lines of the header block) into MD. */
static bool
resend_digest(const char *data, size_t len, unsigned char md[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const char *p = data, *end = data + len;
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	bool skipping = false;

	/* The header block: line by line up to the empty line. */
	while (ok && p < end) {
		const char *e = resend_line_end(p, end);
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
			break;
		if (*p != ' ' && *p != '\t')
			skipping = resend_is_received(p, e);
		if (!skipping)
			ok = EVP_DigestUpdate(ctx, p, (size_t)(e - p)) == 1;
		p = e;
	}
	/* The empty line and the body as they are. */
	if (ok && p < end)
		ok = EVP_DigestUpdate(ctx, p, (size_t)(end - p)) == 1;
	unsigned int mdlen = 0;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* The ids of the entries that may be M sent again, newest first. */
typedef struct resend_candidates {
	const quarantine_resend_t *m;
	char ids[QUARANTINE_RESEND_CANDIDATES][EMG_QID_MAX];
	size_t n;
} resend_candidates_t;

static emg_status_t
resend_candidates_op(emg_quarantine_t *q, void *arg)
{
	resend_candidates_t *c = arg;
	store_rows_t *r = NULL;
	bool row = false;
	store_param_t p[] = {
	    STORE_P_TEXT(c->m->message_id),
	    STORE_P_TEXT(c->m->mail_from),
	    STORE_P_TEXT(c->m->rcpts),
	    STORE_P_INT(c->m->arrived - QUARANTINE_RESEND_WINDOW),
	};

	c->n = 0;
	emg_status_t st = store_query(
	    q->store,
	    "SELECT id FROM quarantine_entry WHERE message_id = $1"
	    " AND mail_from = $2 AND rcpts = $3 AND arrived >= $4"
	    " AND status <> 'deleted' ORDER BY arrived DESC LIMIT " RESEND_XSTR(
	        QUARANTINE_RESEND_CANDIDATES),
	    p, sizeof(p) / sizeof(p[0]), &r);
	while (st == EMG_OK && c->n < QUARANTINE_RESEND_CANDIDATES &&
	       (st = store_next(r, &row)) == EMG_OK && row) {
		const char *cand = store_text(r, 0);
		/* CAND is as long as the id, not EMG_QID_MAX */
		if (cand != NULL && quarantine_id_valid(cand))
			snprintf(c->ids[c->n++], EMG_QID_MAX, "%s", cand);
	}
	store_rows_free(r);
	return st == EMG_OK ? EMG_OK
	                    : quarantine_store_fail(q, st, "resend lookup");
}

emg_status_t
quarantine_resend_find(emg_quarantine_t *q, const quarantine_resend_t *m,
                       char id[EMG_QID_MAX], bool *found)
{
	resend_candidates_t c = {.m = m};
	unsigned char want[32], got[32];

	*found = false;
	if (m->message_id == NULL || m->message_id[0] == '\0')
		return EMG_OK;
	emg_status_t st = quarantine_run(q, resend_candidates_op, &c);
	if (st != EMG_OK || c.n == 0)
		return st;
	if (!resend_digest(m->data, m->size, want))
		return quarantine_fail(q, EMG_EDEP, "quarantine: no SHA-256");
	for (size_t i = 0; i < c.n && !*found; i++) {
		void *bytes = NULL;
		size_t len = 0;
		/* An entry whose bytes cannot be read is not this message:
		 * the put stores a new one rather than lean on it. */
		if (emg_quarantine_read(q, c.ids[i], &bytes, &len) != EMG_OK)
			continue;
		*found = resend_digest(bytes, len, got) &&
		         memcmp(want, got, sizeof(want)) == 0;
		free(bytes);
		if (*found)
			memcpy(id, c.ids[i], EMG_QID_MAX);
	}
	if (!*found)
		return EMG_OK;
	char detail[QUARANTINE_MAX_FIELD + 80];
	snprintf(detail, sizeof(detail),
	         "the sender delivered this message again (client %s);"
	         " not stored twice",
	         m->client_ip != NULL && m->client_ip[0] ? m->client_ip
	                                                 : "unknown");
	return quarantine_line(q, id, m->actor, "resent", detail);
}
