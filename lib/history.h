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
 * spelling seen is kept for reports).  Every lookup normalises its key the
 * same way, so callers may pass "<ID>", "Taro@Example.JP" or "ＴＡＲＯ".
 * Text that is not valid UTF-8 is repaired (U+FFFD) before it is stored or
 * looked up; an ID or address longer than RFC 5322 allows is not stored.
 *
 * Errors: EMG_EIO (history_error() says why), EMG_ENOMEM, EMG_EINVAL.
 * The schema and the SQL are in history.c's header; the lookups are in
 * history_lookup.c.
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
	/* Display names of the recipients, parallel to rcpts; NULL, or any
	 * entry NULL, when not known.  Outbound mail teaches the names of
	 * the people we write to. */
	const char *const *rcpt_names;
} history_msg_t;

/* A record keeps the first HISTORY_MAX_RCPTS distinct recipients and the
 * first HISTORY_MAX_REFS references (callers put In-Reply-To first). */
#define HISTORY_MAX_RCPTS 512
#define HISTORY_MAX_REFS 64

/* Open the DataStore DSN ("sqlite:/var/lib/emguard/emguard.db",
 * "postgresql://emguard@db.example.test/emguard"), creating or migrating
 * the schema.  EMG_ECONFIG with ERR for a bad DSN, EMG_EIO with ERR when
 * the store cannot be reached, EMG_ENOMEM. */
emg_status_t history_open(const char *dsn, history_t **out, char *err,
                          size_t errlen);
/* The same, but a SQLite database file that does not exist yet is not
 * created (EMG_EIO): for readers such as the scanner, to which an absent
 * store and an empty one mean the same. */
emg_status_t history_open_existing(const char *dsn, history_t **out,
                                   char *err, size_t errlen);
void history_close(history_t *h);

/* Why the last call on H failed; never NULL. */
const char *history_error(const history_t *h);
/* "sqlite" or "postgresql". */
const char *history_backend(const history_t *h);

/* Record a message we sent (outbound) or received (inbound, after the
 * verdict; callers do not record mail they quarantined or rejected).
 * Idempotent: the same Message-ID twice changes nothing.  A store that
 * went away is reconnected once; EMG_EIO when that fails too. */
emg_status_t history_record_outbound(history_t *h, const history_msg_t *m);
emg_status_t history_record_inbound(history_t *h, const history_msg_t *m);
/* Either of the two; *ADDED (may be NULL) says whether the message was new.
 * EMG_EINVAL when M has no usable Message-ID.  Outbound: the recipients
 * become correspondents (sent_to) and their names are learnt.  Inbound:
 * the sender does (received).  Both: the sender's display name is learnt
 * with its address (our own people's names too).  A Message-ID recorded
 * once, in either direction, is never recorded again. */
emg_status_t history_record(history_t *h, const history_msg_t *m,
                            bool outbound, bool *added);

/* Records between these two share one transaction: an import of a whole
 * Sent folder is then one commit per batch instead of one per message.
 * A record that fails inside a batch rolls the whole batch back and ends
 * it (later records run on their own); history_batch_commit is then
 * EMG_EINVAL.  On PostgreSQL a long batch holds row locks that concurrent
 * writers (the milter) wait for: keep batches to a few hundred messages.
 * Not rerun after a broken connection: the caller redoes the batch. */
emg_status_t history_batch_begin(history_t *h);
emg_status_t history_batch_commit(history_t *h);
void history_batch_abort(history_t *h);

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
	bool known;            /* (names may be filled even when not:
	                          our own addresses' names) */
	uint64_t sent_to;      /* messages we sent to it */
	uint64_t received;     /* messages it sent us */
	int64_t first_seen, last_seen;
	emg_strlist_t names;   /* display names seen (first spelling) */
} history_corr_t;
emg_status_t history_correspondent(history_t *h, const char *addr,
                                   history_corr_t *out);
void history_corr_free(history_corr_t *c);

/* True when we exchanged mail with any address of organisational domain
 * ORG_DOMAIN (the caller computes it with libpsl), or of a subdomain of
 * it: a correspondent at mail.example.co.jp makes example.co.jp known. */
emg_status_t history_domain_known(history_t *h, const char *org_domain,
                                  bool *known);

/* Addresses (at most MAX, at most 1000) seen with the display name NAME
 * (normalised here as stored), for "a known correspondent's name, another
 * address": appended to OUT (start from an empty {0} list), most recently
 * seen first.  Matching ignores case, width (NFKC), white space and
 * quotes: "山田 太郎" matches "山田太郎", "ＴＡＲＯ" matches "taro". */
emg_status_t history_addresses_for_name(history_t *h, const char *name,
                                        size_t max, emg_strlist_t *out);

/* The matching key history_addresses_for_name uses for NAME (malloc'd
 * into *OUT; NULL when nothing is left of it), for callers that compare
 * names themselves. */
emg_status_t history_name_normalise(const char *name, char **out);

/* Messages stored in all: the thread checks wait for a warm store
 * (HistoryMinMessages).  A counter kept with every record: no table scan. */
emg_status_t history_count(history_t *h, uint64_t *messages);

/* Remove what is older than BEFORE (Unix seconds): messages by their date,
 * correspondents, names and domains last seen before it; *REMOVED
 * messages.  The counts of correspondents that stay are not lowered. */
emg_status_t history_prune(history_t *h, int64_t before, uint64_t *removed);


/* ---- internal: shared by history.c and history_lookup.c ----------------- */
/* Not part of the contract above: no other module uses what follows.  It
 * is seen only where HISTORY_INTERNAL is defined, so that store.h's names
 * stay out of the callers (a test defines its own store_t). */
#ifdef HISTORY_INTERNAL

#include "store.h"

#define HISTORY_MAX_ADDR 320     /* RFC 3696: 64 + 1 + 255 */

struct history {
	store_t *store;
	bool batch;            /* inside history_batch_begin */
	uint64_t batch_added;  /* messages the open batch added */
	char err[STORE_ERRLEN + 64];
};

/* Note in H's error why WHAT failed (the store's message); EMG_EIO. */
emg_status_t history_fail(history_t *h, const char *what);
/* Run OP once more after a broken connection was reset (never inside a
 * batch). */
emg_status_t history_run(history_t *h,
                         emg_status_t (*op)(history_t *, void *), void *arg);
/* S with blanks and, when BRACKETS, one pair of <> around it removed,
 * lowercased when LOWER, into *OUT (NULL when nothing is left or it is
 * longer than MAX). */
emg_status_t history_norm_key(const char *s, bool brackets, bool lower,
                              size_t max, char **out);
/* A Message-ID, an address, a display name's matching key, normalised as
 * stored (*OUT NULL when there is none). */
emg_status_t history_norm_id(const char *s, char **out);
emg_status_t history_norm_addr(const char *s, char **out);
emg_status_t history_name_key(const char *name, char **out);

#endif /* HISTORY_INTERNAL */

#endif
