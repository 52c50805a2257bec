/*
 * history.h - the correspondence history: which messages we sent to whom,
 * which we received from whom, and every correspondent's addresses and
 * display names.  The thread analyzer (thread.c) reads it to tell a real
 * reply inside a known conversation from Emotet replying inside a thread
 * it stole; `emguard history import` and the milter write it.
 *
 * Behind it is one DataStore (store.h): SQLite ("sqlite:PATH", WAL, busy
 * timeout; many milter threads and a CLI at once) or PostgreSQL
 * ("postgresql://..." through libpq, so several MX hosts share one
 * history).  The schema is created and migrated on open and carries a
 * version.  A handle is one connection, used by one thread at a time.
 *
 * Addresses are stored lowercased; Message-IDs without the angle brackets;
 * display names NFKC-normalised and case-folded for matching (the first
 * spelling seen is kept for reports).
 */
#ifndef EMG_HISTORY_H
#define EMG_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"
#include "strlist.h"

typedef struct history history_t;

/* One message as the history records it. */
typedef struct history_msg {
	const char *message_id;    /* without <>; required */
	const char *from_addr;     /* lowercased address */
	const char *from_name;     /* display name, may be NULL */
	const char *const *rcpts;  /* To and Cc addresses */
	size_t n_rcpts;
	const char *subject;       /* normalised: reply prefixes removed */
	int64_t date;              /* Unix seconds (Date:, else arrival) */
	const char *const *refs;   /* In-Reply-To and References, without <> */
	size_t n_refs;
} history_msg_t;

/* Open the DataStore DSN ("sqlite:/var/lib/emguard/emguard.db",
 * "postgresql://emguard@db.example.test/emguard"), creating or migrating
 * the schema.  EMG_ECONFIG with ERR for a bad DSN, EMG_EIO with ERR when
 * the store cannot be reached, EMG_ENOMEM. */
emg_status_t history_open(const char *dsn, history_t **out, char *err,
                          size_t errlen);
void history_close(history_t *h);

/* Record a message we sent (outbound) or received (inbound, after the
 * verdict; callers do not record mail they quarantined or rejected).
 * Idempotent: the same Message-ID twice changes nothing.  A store that
 * went away is reconnected once; EMG_EIO when that fails too. */
emg_status_t history_record_outbound(history_t *h, const history_msg_t *m);
emg_status_t history_record_inbound(history_t *h, const history_msg_t *m);

/* What the history knows of Message-ID ID. */
typedef struct history_ref {
	bool known;            /* recorded at all */
	bool outbound;         /* we sent it */
	char *from_addr;       /* its sender (malloc'd) */
	emg_strlist_t rcpts;   /* its recipients */
} history_ref_t;
emg_status_t history_lookup_message(history_t *h, const char *id,
                                    history_ref_t *out);
void history_ref_free(history_ref_t *r);

/* A correspondent: an address we exchanged mail with. */
typedef struct history_corr {
	bool known;
	uint64_t sent_to;      /* messages we sent to it */
	uint64_t received;     /* messages it sent us */
	int64_t first_seen, last_seen;
	emg_strlist_t names;   /* display names seen (first spelling) */
} history_corr_t;
emg_status_t history_correspondent(history_t *h, const char *addr,
                                   history_corr_t *out);
void history_corr_free(history_corr_t *c);

/* True when we exchanged mail with any address of organisational domain
 * ORG_DOMAIN (the caller computes it with libpsl). */
emg_status_t history_domain_known(history_t *h, const char *org_domain,
                                  bool *known);

/* Addresses (at most MAX) seen with the display name NAME (normalised
 * here as stored), for "a known correspondent's name, another address". */
emg_status_t history_addresses_for_name(history_t *h, const char *name,
                                        size_t max, emg_strlist_t *out);

/* Messages stored in all: the thread checks wait for a warm store
 * (HistoryMinMessages). */
emg_status_t history_count(history_t *h, uint64_t *messages);

/* Remove what is older than BEFORE (Unix seconds); *REMOVED messages. */
emg_status_t history_prune(history_t *h, int64_t before, uint64_t *removed);

#endif
