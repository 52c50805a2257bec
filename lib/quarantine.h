/*
 * quarantine.h - what the quarantine modules share behind the public
 * emg_quarantine_* / emg_user_* API (emguard.h).
 *
 *   quarantine.c        open, schema, put (durable write), status
 *                       changes, audit lines
 *   quarantine_index.c  get, read (SHA-256 checked), list with filters
 *                       and paging, the audit queries, purge, recover
 *   quarantine_resend.c a put of a message already held (the sender
 *                       delivered it again) returns the existing entry
 *   quarantine_user.c   web page users: scrypt hashes in table web_user
 *   quarantine_token.c  release tokens: HMAC-SHA256 under a key kept in
 *                       table quarantine_secret
 *
 * Tables (schema component "quarantine", made by quarantine.c):
 *   quarantine_entry  (id TEXT PRIMARY KEY, arrived BIGINT, status TEXT,
 *                      mail_from, rcpts (one per line), client_ip, helo,
 *                      from_header, subject, message_id, score TEXT,
 *                      action, reason, symbols (",A,B," for exact LIKE),
 *                      report_json, host, size BIGINT, sha256,
 *                      bytes (PostgreSQL: BYTEA; SQLite: NULL, the bytes
 *                      are the file QuarantineDir/ID.eml))
 *   quarantine_audit  (seq (SQLite: INTEGER PRIMARY KEY, PostgreSQL:
 *                      BIGSERIAL): the order lines were written in,
 *                      at BIGINT, id TEXT, actor TEXT, action TEXT,
 *                      detail TEXT)
 *   quarantine_secret (name TEXT PRIMARY KEY, value TEXT): "release-key",
 *                      64 hex digits from RAND_bytes, made once
 *   web_user          (name TEXT PRIMARY KEY, hash TEXT, created BIGINT,
 *                      changed BIGINT)
 */
#ifndef EMG_QUARANTINE_H
#define EMG_QUARANTINE_H

#include "emguard.h"
#include "store.h"

#include "limits.h"

#define QUARANTINE_ERRLEN 256
/* Most entries or audit lines one list returns, whatever its limit says. */
#define QUARANTINE_LIST_MAX 100000
#define QUARANTINE_MAX_FIELD 998       /* an envelope or header value */
#define QUARANTINE_MAX_REASON 4096     /* reasons, audit details */
#define QUARANTINE_MAX_SIZE ((size_t)1 << 30) /* bytes of one message */
#define QUARANTINE_MAX_FILES 10000000u /* entries purge or recover visit */
/* A file name of an entry: "ID.eml" or ".tmp-ID" with its NUL. */
#define QUARANTINE_NAME_MAX (EMG_QID_MAX + 8)

struct emg_quarantine {
	store_t *store;
	char *dir;      /* QuarantineDir (SQLite backend); NULL for PostgreSQL */
	int dir_fd;     /* QuarantineDir opened (fsync, *at calls, flock:
	                 * puts share it, recover takes it alone); -1 */
	bool bytes_in_db; /* PostgreSQL: bytes in quarantine_entry.bytes */
	char host[256]; /* gethostname(), for the host column */
	emg_limits_t limits; /* header sizes when a put parses the header */
	bool resent;    /* the last put found the message already stored */
	char err[QUARANTINE_ERRLEN];
};

/* Set Q's error text (printf format); returns ST so that callers can
 * `return quarantine_fail(q, EMG_EIO, "...")`. */
emg_status_t quarantine_fail(emg_quarantine_t *q, emg_status_t st,
                             const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Run OP(Q, ARG) once more after a lost PostgreSQL connection was reset;
 * OP runs whole transactions and sets Q's error itself. */
emg_status_t quarantine_run(emg_quarantine_t *q,
                            emg_status_t (*op)(emg_quarantine_t *, void *),
                            void *arg);

/* The store's reason for the failure of WHAT as Q's error: EMG_EIO (or
 * EMG_ENOMEM when ST is that). */
emg_status_t quarantine_store_fail(emg_quarantine_t *q, emg_status_t st,
                                   const char *what);
/* True for the exact form of an id ("YYYYMMDD-" and 12 lower-case hex
 * digits): nothing else ever names a file. */
bool quarantine_id_valid(const char *id);
/* EMG_EINVAL with "no entry ID" as Q's error. */
emg_status_t quarantine_bad_id(emg_quarantine_t *q, const char *id);
/* SHA-256 of LEN bytes at DATA as lower-case hex; false when OpenSSL
 * fails. */
bool quarantine_sha256(const void *data, size_t len, char hex[65]);
/* The file name of entry ID into BUF: "ID.eml", or ".tmp-ID" when TMP. */
const char *quarantine_file(char *buf, size_t len, const char *id, bool tmp);
/* Unlink NAME in QuarantineDir durably (a missing file is fine). */
void quarantine_unlink(emg_quarantine_t *q, const char *name);
/* One audit line in a transaction of its own, its texts made valid UTF-8
 * and bounded. */
emg_status_t quarantine_line(emg_quarantine_t *q, const char *id,
                             const char *actor, const char *action,
                             const char *detail);
/* The status of entry ID into STATUS ("" when there is no such row). */
emg_status_t quarantine_status_of(emg_quarantine_t *q, const char *id,
                                  char *status, size_t len);

/* What a put knows of the message, for quarantine_resend_find. */
typedef struct quarantine_resend {
	const char *data;
	size_t size;
	int64_t arrived;
	const char *message_id, *mail_from, *rcpts, *client_ip, *actor;
} quarantine_resend_t;

/* Look for an entry that is the message M sent again (quarantine_resend.c
 * says what counts as the same).  *FOUND and ID when there is one; a
 * "resent" audit line is then added to it. */
emg_status_t quarantine_resend_find(emg_quarantine_t *q,
                                    const quarantine_resend_t *m,
                                    char id[EMG_QID_MAX], bool *found);

/* The columns quarantine_entry_read() takes, in its order. */
#define QUARANTINE_ENTRY_COLUMNS                                           \
	"id, arrived, status, mail_from, rcpts, client_ip, helo,"          \
	" from_header, subject, message_id, score, action, reason,"         \
	" symbols, report_json, host, size, sha256"

/* The entry in the current row of R (selected as QUARANTINE_ENTRY_COLUMNS)
 * into *OUT; free with emg_qentry_free. */
emg_status_t quarantine_entry_read(store_rows_t *r, emg_qentry_t **out);

#endif
