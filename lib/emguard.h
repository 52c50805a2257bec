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

#ifdef __cplusplus
}
#endif

#endif /* EMGUARD_H */
