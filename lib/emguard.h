/*
 * emguard.h - public API of libemguard.
 *
 * libemguard parses one mail message, runs the analyzers over it and returns
 * a scored report.  It never opens sockets, never exits and keeps no mutable
 * global state: everything lives on the handles below.
 *
 *   emg_config_t   an immutable, reference-counted configuration snapshot.
 *                  Share it between threads; reload by loading a new one.
 *   emg_scanner_t  per-thread scanning resources (libmagic, ICU checkers).
 *                  Use one per thread; never share one between threads.
 *   emg_report_t   the result of one scan: findings, score, action, and the
 *                  attachment tree.  Owned by the caller.
 *
 * Every function that can fail returns an emg_status_t and fills an
 * out-parameter; a human-readable reason goes into a caller-supplied buffer
 * where one is taken.
 */
#ifndef EMGUARD_H
#define EMGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMG_VERSION_STRING "0.1.0"

typedef enum emg_status {
	EMG_OK = 0,
	EMG_ENOMEM,   /* out of memory */
	EMG_EINVAL,   /* bad argument */
	EMG_EIO,      /* reading a file failed */
	EMG_EPARSE,   /* input could not be parsed */
	EMG_ECONFIG,  /* configuration error */
	EMG_ELIMIT,   /* a limit was hit */
	EMG_EDEP,     /* a dependency (libmagic, ICU, libpsl) failed */
	EMG_ETIMEOUT, /* the scan ran past its time budget */
} emg_status_t;

/* A short English description of a status code; never NULL. */
const char *emg_strerror(emg_status_t status);

/* Verdict actions, ordered by severity. */
typedef enum emg_action {
	EMG_ACTION_ACCEPT = 0,
	EMG_ACTION_TAG,
	EMG_ACTION_QUARANTINE,
	EMG_ACTION_REJECT,
} emg_action_t;

const char *emg_action_name(emg_action_t action);

/* ---- configuration ---------------------------------------------------- */

typedef struct emg_config emg_config_t;

/* Load PATH.  On failure *out is NULL and ERR holds "file:line: reason". */
emg_status_t emg_config_load(const char *path, emg_config_t **out, char *err,
                             size_t errlen);
/* A configuration with every keyword at its default. */
emg_status_t emg_config_default(emg_config_t **out);
emg_config_t *emg_config_ref(emg_config_t *cfg);
void emg_config_unref(emg_config_t *cfg);
/* Write the effective configuration, one "Keyword value" line each; with
 * COMMENTED, write the annotated sample file (etc/emguard.conf). */
void emg_config_dump(const emg_config_t *cfg, FILE *fp, bool commented);

/* ---- scanning --------------------------------------------------------- */

typedef struct emg_scanner emg_scanner_t;

emg_status_t emg_scanner_new(emg_config_t *cfg, emg_scanner_t **out, char *err,
                             size_t errlen);
void emg_scanner_free(emg_scanner_t *scanner);

/* The SMTP envelope.  Any field may be NULL / zero; missing fields are then
 * derived from the message headers (Return-Path, Delivered-To,
 * X-Original-To, the first Received line from outside InternalNetworks). */
typedef struct emg_envelope {
	const char *mail_from;
	const char *const *rcpts;
	size_t n_rcpts;
	const char *client_ip;
	const char *helo;
	const char *auth_user;
} emg_envelope_t;

typedef struct emg_report emg_report_t;

/* Scan one message held in memory.  DATA must stay valid during the call
 * only.  ENV may be NULL.  A message that cannot be parsed at all still
 * yields a report (with an attach.unscannable finding) and EMG_OK; an error
 * status means no report was produced (out of memory, bad argument). */
emg_status_t emg_scan(emg_scanner_t *scanner, const void *data, size_t len,
                      const emg_envelope_t *env, emg_report_t **out);

/* Scan DATA as a single attachment (a file that is not a mail message). */
emg_status_t emg_scan_file(emg_scanner_t *scanner, const char *name,
                           const void *data, size_t len, emg_report_t **out);

/* Scan DATA as a message when it looks like one (a header block), else as
 * a single file called NAME: what `emguard scan` does with a path. */
emg_status_t emg_scan_auto(emg_scanner_t *scanner, const char *name,
                           const void *data, size_t len,
                           const emg_envelope_t *env, emg_report_t **out);

/* ---- reports ---------------------------------------------------------- */

typedef struct emg_finding {
	const char *symbol;   /* UPPER_SNAKE, stable */
	const char *category; /* DESIGN.md taxonomy, e.g. "spoof.reply_to" */
	double score;         /* effective score (config overrides applied) */
	const char *detail;   /* for a person; never the message body */
	emg_action_t force;   /* minimum action this finding forces */
	const char *object;   /* path of the attachment it is about
	                       * ("invoice.zip/a.doc"), or NULL */
} emg_finding_t;

double emg_report_score(const emg_report_t *report);
emg_action_t emg_report_action(const emg_report_t *report);
const char *emg_report_message_id(const emg_report_t *report);
/* True when the message was judged as outbound (from InternalNetworks or
 * an authenticated client): only its content was checked. */
bool emg_report_outbound(const emg_report_t *report);
size_t emg_report_finding_count(const emg_report_t *report);
const emg_finding_t *emg_report_finding(const emg_report_t *report, size_t i);
/* True when the report has a finding of SYMBOL. */
bool emg_report_has(const emg_report_t *report, const char *symbol);

/* The report as one line of JSON (no trailing newline).  FILE, when not
 * NULL, becomes the "file" member.  Caller frees *out with free(). */
emg_status_t emg_report_json(const emg_report_t *report, const char *file,
                             char **out);
/* The report as text for people; COLOR adds ANSI colours. */
emg_status_t emg_report_text(const emg_report_t *report, const char *file,
                             bool color, FILE *fp);
void emg_report_free(emg_report_t *report);

/* ---- symbols ---------------------------------------------------------- */

/* Iterate over every symbol the library knows: returns false past the end. */
bool emg_symbol_at(size_t i, const char **name, const char **category,
                   double *default_score, const char **description);

/* ---- thread history ---------------------------------------------------- */

/* The correspondence history in the DataStore: which messages were sent to
 * whom and received from whom.  `emguard history` and the milter write it,
 * the thread analyzer reads it.  A handle is one store connection: use it
 * from one thread at a time. */
typedef struct emg_history emg_history_t;
/* What the history keeps of one message (Message-ID, From, To/Cc, the
 * subject without reply prefixes, Date, In-Reply-To/References), copied
 * out of the report or message it came from. */
typedef struct emg_history_entry emg_history_entry_t;

/* Open the DataStore of CFG.  EMG_ECONFIG with ERR when none is configured
 * or its DSN is bad, EMG_EIO with ERR when it cannot be reached. */
emg_status_t emg_history_open(const emg_config_t *cfg, emg_history_t **out,
                              char *err, size_t errlen);
void emg_history_close(emg_history_t *h);

/* The entry of REPORT's message.  *OUT is NULL (and EMG_OK returned) when
 * the message has no Message-ID: the history is keyed on it. */
emg_status_t emg_history_entry_from_report(const emg_report_t *report,
                                           emg_history_entry_t **out);
/* The entry of the message in DATA (a file or mbox message), read from its
 * header block only, without a scan.  *OUT is NULL as above. */
emg_status_t emg_history_entry_parse(const emg_config_t *cfg, const void *data,
                                     size_t len, emg_history_entry_t **out);
void emg_history_entry_free(emg_history_entry_t *e);

/* Record E as sent by us (OUTBOUND) or received.  Idempotent on the
 * Message-ID: *ADDED (may be NULL) is false when the history already had
 * the message, in either direction.  EMG_EIO when the store failed
 * (emg_history_error says why). */
emg_status_t emg_history_record(emg_history_t *h, const emg_history_entry_t *e,
                                bool outbound, bool *added);
/* Why the last call on H failed ("database is locked", a server's
 * message); never NULL. */
const char *emg_history_error(const emg_history_t *h);
/* Records between these two share one transaction (an import commits once
 * per batch, not once per message).  A record that fails inside a batch
 * rolls the whole batch back and ends it; commit is then EMG_EINVAL.  Keep
 * batches to a few hundred messages: concurrent writers wait for them. */
emg_status_t emg_history_batch_begin(emg_history_t *h);
emg_status_t emg_history_batch_commit(emg_history_t *h);
void emg_history_batch_abort(emg_history_t *h);
/* Messages stored in all. */
emg_status_t emg_history_count(emg_history_t *h, uint64_t *messages);
/* Remove what is older than BEFORE (Unix seconds); *REMOVED messages. */
emg_status_t emg_history_prune(emg_history_t *h, int64_t before,
                               uint64_t *removed);
/* HistoryRetention of CFG: days kept by the daily prune; 0 keeps
 * everything (no prune). */
unsigned emg_history_retention_days(const emg_config_t *cfg);

/* ---- quarantine --------------------------------------------------------- */

/* The emguard quarantine: held messages with their envelope, report and
 * an audit trail, in the DataStore.  With a SQLite DataStore the bytes are
 * files in QuarantineDir (written to a temporary file, fsynced, renamed,
 * the directory fsynced) and the index is in the database; with PostgreSQL
 * the bytes are in the database too, so that several MX hosts share one
 * quarantine.  A handle is one store connection: one thread at a time. */
typedef struct emg_quarantine emg_quarantine_t;

/* Longest entry id with its NUL: "20261122-3fa9c01d7e4b" (UTC date of
 * arrival, 12 random hex digits). */
#define EMG_QID_MAX 32

typedef enum emg_qstatus {
	EMG_QSTATUS_HELD = 0,
	EMG_QSTATUS_RELEASED,
	EMG_QSTATUS_DELETED, /* the bytes are gone; the index row and its
	                      * audit trail stay until purged */
} emg_qstatus_t;

/* "held", "released", "deleted". */
const char *emg_qstatus_name(emg_qstatus_t status);

/* One entry of the index.  Every string is owned by the entry, UTF-8
 * (header values decoded from RFC 2047), never NULL ("" when absent). */
typedef struct emg_qentry {
	char id[EMG_QID_MAX];
	int64_t arrived;         /* Unix seconds */
	emg_qstatus_t status;
	const char *mail_from;   /* envelope sender; "" for <> */
	const char *const *rcpts; /* envelope recipients */
	size_t n_rcpts;
	const char *client_ip;
	const char *helo;
	const char *from_header; /* the From: field, decoded */
	const char *subject;     /* decoded */
	const char *message_id;  /* without <> */
	double score;
	const char *action;      /* "quarantine" or "reject" (a verdict) */
	const char *reason;      /* short reasons: "macro document, ..." */
	const char *symbols;     /* "SYM1,SYM2" */
	const char *report_json; /* the scan report (emg_report_json) */
	const char *host;        /* the host that stored it */
	uint64_t size;           /* bytes of the original message */
	const char *sha256;      /* of the original bytes, lower-case hex */
} emg_qentry_t;

/* One line of the audit trail. */
typedef struct emg_qaudit {
	int64_t at;         /* Unix seconds */
	const char *id;     /* the entry */
	const char *actor;  /* "milter@mx1", "cli:root", "web:yamada" */
	const char *action; /* "store", "release", "delete", "export",
	                     * "release-failed", "purge", "view" */
	const char *detail; /* "to=a@b.test via smtp:127.0.0.1:25: 250 ..." */
} emg_qaudit_t;

/* What emg_quarantine_list returns.  Zero / NULL fields do not filter. */
typedef struct emg_qfilter {
	int64_t since;          /* arrived >= since */
	int64_t before;         /* arrived < before (0: no bound) */
	int status;             /* -1: any; else an emg_qstatus_t */
	const char *from;       /* substring of envelope sender or From:,
	                         * case-insensitive */
	const char *rcpt;       /* substring of a recipient, case-insensitive */
	const char *symbol;     /* has this symbol (exact) */
	const char *action;     /* this verdict (exact) */
	const char *text;       /* substring of subject, From:, sender or a
	                         * recipient (the web page's search box) */
	size_t offset, limit;   /* paging, newest first; limit 0: all */
} emg_qfilter_t;

/* Open the quarantine of CFG (DataStore and QuarantineDir), creating or
 * migrating its tables.  EMG_ECONFIG / EMG_EIO with ERR as for history. */
emg_status_t emg_quarantine_open(const emg_config_t *cfg,
                                 emg_quarantine_t **out, char *err,
                                 size_t errlen);
void emg_quarantine_close(emg_quarantine_t *q);
/* Why the last call on Q failed; never NULL. */
const char *emg_quarantine_error(const emg_quarantine_t *q);
/* "sqlite" or "postgresql". */
const char *emg_quarantine_backend(const emg_quarantine_t *q);

/* Store the message DATA (LEN bytes, exactly as received) with ENV, the
 * scan REPORT (may be NULL) and REASON (short reasons, may be NULL).
 * ACTOR names who stored it ("milter@HOST").  On EMG_OK the entry is
 * durable: its bytes and its index row survive a crash or power loss, and
 * ID holds its id.  On failure nothing is left behind (no index row, no
 * file).  A message that is already stored (the same Message-ID, envelope
 * and bytes but for Received fields: its sender delivered it again after
 * a temporary failure) is not stored twice: ID is the existing entry's,
 * which gets a "resent" audit line, and emg_quarantine_put_resent() is
 * true until the next put. */
emg_status_t emg_quarantine_put(emg_quarantine_t *q, const void *data,
                                size_t len, const emg_envelope_t *env,
                                const emg_report_t *report,
                                const char *reason, const char *actor,
                                char id[EMG_QID_MAX]);
/* True when the last emg_quarantine_put on Q found its message stored. */
bool emg_quarantine_put_resent(const emg_quarantine_t *q);
/* The entry ID.  EMG_EINVAL when there is no such entry. */
emg_status_t emg_quarantine_get(emg_quarantine_t *q, const char *id,
                                emg_qentry_t **out);
void emg_qentry_free(emg_qentry_t *e);
/* Entries matching F (NULL: all), newest first.  *TOTAL (may be NULL)
 * gets the number matching without paging.  Free with
 * emg_qentry_list_free. */
emg_status_t emg_quarantine_list(emg_quarantine_t *q, const emg_qfilter_t *f,
                                 emg_qentry_t ***out, size_t *n,
                                 uint64_t *total);
void emg_qentry_list_free(emg_qentry_t **list, size_t n);
/* The original bytes of entry ID (caller frees *DATA).  EMG_EINVAL when
 * there is no such entry or it was deleted; EMG_EIO when the bytes are
 * missing or do not match their SHA-256. */
emg_status_t emg_quarantine_read(emg_quarantine_t *q, const char *id,
                                 void **data, size_t *len);
/* Mark ID released (after a successful re-injection) or deleted (its bytes
 * are removed), with one audit line by ACTOR saying DETAIL, in one
 * transaction.  EMG_EINVAL for an unknown id or a deleted entry. */
emg_status_t emg_quarantine_set_status(emg_quarantine_t *q, const char *id,
                                       emg_qstatus_t status,
                                       const char *actor, const char *detail);
/* Add an audit line that changes nothing else ("export", "view",
 * "release-failed"). */
emg_status_t emg_quarantine_audit_add(emg_quarantine_t *q, const char *id,
                                      const char *actor, const char *action,
                                      const char *detail);
/* The audit trail of ID (NULL: of every entry), newest first, at most
 * LIMIT lines (0: all).  Free with emg_qaudit_list_free. */
emg_status_t emg_quarantine_audit(emg_quarantine_t *q, const char *id,
                                  size_t limit, emg_qaudit_t **out,
                                  size_t *n);
void emg_qaudit_list_free(emg_qaudit_t *list, size_t n);
/* Remove every entry that arrived before BEFORE (Unix seconds), bytes and
 * index row; their audit lines stay, and one "purge" line by ACTOR is
 * added.  *REMOVED (may be NULL) gets the count. */
emg_status_t emg_quarantine_purge(emg_quarantine_t *q, int64_t before,
                                  const char *actor, uint64_t *removed);
/* Make the index and QuarantineDir agree after a crash: remove temporary
 * files and files that no index row names (a write that never committed:
 * the MTA was never told the message was taken, so the sender retries),
 * and count index rows of held or released entries whose bytes are
 * missing.  A no-op for PostgreSQL. */
emg_status_t emg_quarantine_recover(emg_quarantine_t *q, uint64_t *removed,
                                    uint64_t *missing);
/* QuarantineRetention of CFG in days (0: keep everything). */
unsigned emg_quarantine_retention_days(const emg_config_t *cfg);

/* ---- release tokens ------------------------------------------------------
 * A released message passes emguard-milter again on its way to the
 * recipients.  The release adds one header, EMG_RELEASE_HEADER, whose
 * value names the entry, the actor and the time and carries an HMAC-SHA256
 * under a key kept in the DataStore; the milter accepts a message with a
 * valid token for its own Message-ID instead of quarantining it again. */
#define EMG_RELEASE_HEADER "X-Emguard-Released"
/* Validity of a token in seconds: a release may wait in a queue. */
#define EMG_RELEASE_TOKEN_TTL (7 * 24 * 3600)

/* The value of the release header for entry E, whose stored bytes are
 * MSG (MSG_LEN), by ACTOR at NOW, into BUF. */
emg_status_t emg_quarantine_release_token(emg_quarantine_t *q,
                                          const emg_qentry_t *e,
                                          const void *msg, size_t msg_len,
                                          const char *actor, int64_t now,
                                          char *buf, size_t len);
/* True in *VALID when VALUE is a token this DataStore made, younger than
 * EMG_RELEASE_TOKEN_TTL at NOW, for a message whose Message-ID (without
 * <>) is MESSAGE_ID and whose body is that of the released entry: MSG
 * (MSG_LEN) is the message as it arrived again, and its body is compared
 * after line ends and trailing empty lines are made canonical.  ID (may be
 * NULL) gets the entry id. */
emg_status_t emg_quarantine_release_verify(emg_quarantine_t *q,
                                           const char *value,
                                           const char *message_id,
                                           const void *msg, size_t msg_len,
                                           int64_t now, bool *valid,
                                           char id[EMG_QID_MAX]);

/* ---- users of the quarantine web page ------------------------------------
 * Kept in the DataStore (table web_user): a name and a scrypt hash
 * ("$scrypt$ln=15,r=8,p=1$SALT$HASH", base64), so that every MX host
 * sharing a PostgreSQL DataStore knows the same users. */
emg_status_t emg_user_set(emg_quarantine_t *q, const char *name,
                          const char *password);
/* EMG_EINVAL when there is no such user. */
emg_status_t emg_user_delete(emg_quarantine_t *q, const char *name);
/* *OK true when NAME exists and PASSWORD is its password (compared in
 * constant time; an unknown name costs the same as a wrong password). */
emg_status_t emg_user_verify(emg_quarantine_t *q, const char *name,
                             const char *password, bool *ok);
/* Every user name, sorted; free each and the array. */
emg_status_t emg_user_list(emg_quarantine_t *q, char ***names, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* EMGUARD_H */
