/*
 * milter.h - emguard-milter's shared declarations.
 *
 * The milter is a thin layer over libemguard: libmilter callbacks
 * (callbacks.c) rebuild the message and its envelope, the library scans
 * it, and the verdict becomes milter actions (actions.c).  Around that:
 * configuration snapshots and their reload (snapshot.c), the message buffer
 * that spills to a temporary file (msgbuf.c), logging (log.c), learning
 * the thread history (history.c), the emguard quarantine store and release
 * tokens (quarantine.c) and the daemon (main.c).
 *
 * Threads: libmilter runs one thread per SMTP connection; a connection's
 * context is touched by that thread only.  What they share is the current
 * snapshot and its idle scanners and quarantine handles, behind mutexes in
 * snapshot.c.
 */
#ifndef EMG_MILTER_H
#define EMG_MILTER_H

#include <libmilter/mfapi.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"

#define MILTER_NAME "emguard-milter"

/* ---- snapshot.c: configuration snapshots --------------------------------- */

typedef enum {
	MILTER_QUARANTINE_HOLD,
	MILTER_QUARANTINE_STORE,
	MILTER_QUARANTINE_BOTH,
} milter_qmode_t;

/* What the milter itself reads of a configuration.  The strings point
 * into the snapshot's emg_config_t and live as long as the snapshot. */
typedef struct milter_settings {
	const char *path;        /* the file it came from */
	const char *socket;      /* Socket */
	const char *user;        /* UserID */
	int syslog_facility;     /* SyslogFacility, as LOG_MAIL etc. */
	const char *subject_tag; /* SubjectTag */
	const char *reject_text; /* RejectText */
	bool onerror_tempfail;   /* OnError tempfail */
	milter_qmode_t qmode;    /* QuarantineMode */
	bool qfallback_tempfail; /* QuarantineFallback tempfail */
	size_t message_max;      /* LimitMessageSize */
	size_t buffer_size;      /* MilterBufferSize */
	const char *tmpdir;      /* TemporaryDirectory, $TMPDIR or /tmp */
} milter_settings_t;

/* Idle scanners (and quarantine handles) kept per snapshot: about the
 * number of scans that run at once; more are freed when they come back. */
#define SNAPSHOT_POOL_MAX 64

/* Idle objects of one kind, behind the snapshot's pool_mu. */
typedef struct milter_pool {
	void *idle[SNAPSHOT_POOL_MAX];
	size_t n_idle;
} milter_pool_t;

/* One loaded configuration: the library's immutable snapshot, the
 * milter's settings, and idle scanners and quarantine handles made for
 * it.  Reference-counted: a message keeps the snapshot it started on until
 * it ends, whatever a reload does meanwhile. */
typedef struct milter_snap {
	int refcount; /* atomic */
	emg_config_t *cfg;
	milter_settings_t set;
	pthread_mutex_t pool_mu;
	milter_pool_t scanners;    /* emg_scanner_t */
	milter_pool_t quarantines; /* emg_quarantine_t, open */
} milter_snap_t;

/* Load PATH; on failure ERR holds "file:line: reason". */
emg_status_t snapshot_load(const char *path, milter_snap_t **out, char *err,
                           size_t errlen);
milter_snap_t *snapshot_ref(milter_snap_t *snap);
void snapshot_unref(milter_snap_t *snap);
/* A scanner for SNAP's configuration: an idle one, or a new one (ERR says
 * why that failed).  Give it back with snapshot_scanner_put. */
emg_status_t snapshot_scanner_get(milter_snap_t *snap, emg_scanner_t **out,
                                  char *err, size_t errlen);
void snapshot_scanner_put(milter_snap_t *snap, emg_scanner_t *scanner);
/* An open quarantine handle on SNAP's DataStore: an idle one, or a new one
 * (ERR says why opening failed).  Give it back with
 * snapshot_quarantine_put, or close it when a call on it failed. */
emg_status_t snapshot_quarantine_get(milter_snap_t *snap,
                                     emg_quarantine_t **out, char *err,
                                     size_t errlen);
void snapshot_quarantine_put(milter_snap_t *snap, emg_quarantine_t *q);

/* The snapshot new messages start on: a new reference, never NULL once
 * snapshot_set_current has been called. */
milter_snap_t *snapshot_current(void);
/* Make SNAP current (the caller's reference moves in); drops the
 * previous one. */
void snapshot_set_current(milter_snap_t *snap);

/* ---- log.c --------------------------------------------------------------- */

/* Log to stderr (FOREGROUND) or to syslog with FACILITY (and stderr until
 * log_detach). */
void log_open(bool foreground, int facility);
/* Stop writing to stderr: the daemon has left its terminal. */
void log_detach(void);
/* Syslog priority (LOG_ERR, LOG_INFO ...) and printf format. */
void log_msg(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The syslog facility called NAME ("mail", "local0" ...); false when
 * there is none. */
bool log_facility(const char *name, int *out);

/* ---- msgbuf.c: the message bytes ------------------------------------------
 */

/* The message as the scanner needs it: the rebuilt header block and the
 * body.  Up to MEM_MAX bytes stay in memory, the rest goes to an unlinked
 * temporary file; bytes past KEEP_MAX are counted and dropped. */
typedef struct msgbuf {
	char *mem;
	size_t len, cap; /* bytes in mem, allocated */
	int fd;          /* spill file, or -1 */
	size_t file_len; /* bytes in the file */
	size_t mem_max;
	size_t keep_max;
	uint64_t offered; /* every byte appended, kept or not */
	const char *tmpdir;
	void *map; /* mapping of the file while viewed */
	size_t map_len;
} msgbuf_t;

void msgbuf_init(msgbuf_t *b, size_t mem_max, size_t keep_max,
                 const char *tmpdir);
/* Append LEN bytes.  EMG_EIO with ERR set when the spill file fails. */
emg_status_t msgbuf_append(msgbuf_t *b, const void *data, size_t len, char *err,
                           size_t errlen);
/* The kept bytes in one piece, valid until msgbuf_free. */
emg_status_t msgbuf_view(msgbuf_t *b, const void **data, size_t *len, char *err,
                         size_t errlen);
/* Release memory, mapping and file; B can be initialised again. */
void msgbuf_free(msgbuf_t *b);

/* ---- callbacks.c: per-connection state ------------------------------------
 */

/* X-Emguard-* headers that arrived with the message: forged from outside
 * or left by another hop, removed before ours are added.  The release
 * header (EMG_RELEASE_HEADER) is counted apart: a valid one stays. */
enum {
	MILTER_HDR_SCORE,
	MILTER_HDR_ACTION,
	MILTER_HDR_SYMBOLS,
	MILTER_N_HDRS,
};
extern const char *const milter_hdr_names[MILTER_N_HDRS];

/* One message, from MAIL FROM to its end or abort. */
typedef struct milter_msg {
	milter_snap_t *snap; /* the configuration it is scanned with */
	msgbuf_t buf;
	char *mail_from;
	char **rcpts;
	size_t n_rcpts, cap_rcpts;
	size_t rcpts_seen; /* every RCPT, kept or not */
	char *auth_user;   /* {auth_authen}, or NULL */
	char *subject;     /* raw value of the first Subject, or NULL */
	bool subject_seen; /* a Subject arrived (even one too long to keep) */
	unsigned forged[MILTER_N_HDRS];
	char *release_token;      /* value of the first release header */
	unsigned release_headers; /* release headers seen */
	char error[256]; /* first failure while receiving; "" when none */
} milter_msg_t;

/* One SMTP connection. */
typedef struct milter_conn {
	unsigned long steps; /* negotiated SMFIP_* */
	char client_ip[64];
	char *helo;
	char *daemon_name;
	emg_scanner_t
	    *scanner; /* built for scanner_cfg, kept across messages */
	emg_config_t *scanner_cfg;
	bool in_msg;
	milter_msg_t msg;
} milter_conn_t;

/* The callback table for smfi_register. */
extern struct smfiDesc milter_desc;

/* The SMTP envelope of C's current message, pointing into C. */
void milter_envelope(const milter_conn_t *c, emg_envelope_t *env);

/* ---- actions.c: the verdict as milter actions ------------------------------
 */

/* How the message was dealt with, for the log line. */
typedef struct milter_outcome {
	const char *action; /* accept, tag, quarantine, reject, unscanned,
	                     * tempfail, released */
	double score;
	char symbols[512];
	char quarantine_id[EMG_QID_MAX]; /* stored in the quarantine as */
	bool resent;                     /* ... earlier: the sender sent
	                                  * the stored message again */
	double store_ms;                 /* the durable store took */
	const char *fallback;            /* "hold" or "tempfail" when the
	                                  * store failed, else NULL */
	char released[EMG_QID_MAX];      /* a valid release token's entry */
	char error[256]; /* the store or the token check failed: why */
} milter_outcome_t;

/* Apply REPORT (NULL when the scan failed) to the message of C at end of
 * message; returns the eom reply. */
sfsistat actions_apply(SMFICTX *ctx, milter_conn_t *c,
                       const emg_report_t *report, milter_outcome_t *out);

/* ---- quarantine.c: the emguard quarantine ----------------------------------
 */

/* Store the message of C (all its bytes, as received) with its envelope,
 * REPORT and REASON in the quarantine of its snapshot.  EMG_OK only when
 * the entry is durable, with its id in OUT->quarantine_id, OUT->resent
 * when it was stored before (the sender retried after a 4xx) and the
 * time taken in OUT->store_ms; else OUT->error says why (a message past
 * LimitMessageSize is never stored cut). */
emg_status_t quarantine_store(milter_conn_t *c, const emg_report_t *report,
                              const char *reason, milter_outcome_t *out);
/* True when the release token of C's message is valid for REPORT's
 * Message-ID now; ID gets its entry.  False, with ERR saying why, when it
 * is not or cannot be checked (the store is down: fail closed). */
bool quarantine_release_valid(milter_conn_t *c, const emg_report_t *report,
                              char id[EMG_QID_MAX], char *err, size_t errlen);
/* With QuarantineMode store or both, open SNAP's quarantine once and log
 * whether it works (AT_START: also make index and files agree after a
 * crash).  Never fatal: QuarantineFallback covers a store that fails. */
void quarantine_check(milter_snap_t *snap, bool at_start);

/* ---- history.c ------------------------------------------------------------
 */

/* Learn the message of REPORT, scanned on SNAP, in the thread history:
 * outbound (emg_report_outbound) or inbound.  Only for mail that was
 * accepted or tagged.  Queued for a writer thread: never waits for the
 * store, and a store that fails only costs the entry. */
void history_learn(milter_snap_t *snap, const emg_report_t *report);

#endif
