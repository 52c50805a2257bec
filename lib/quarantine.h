/*
 * quarantine.h - what the quarantine modules share behind the public
 * emg_quarantine_* / emg_user_* API (emguard.h).
 *
 *   quarantine.c        open, schema, put (durable write), get, read,
 *                       status changes, audit, purge, recover
 *   quarantine_index.c  list with filters and paging, the audit queries
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
 *   quarantine_audit  (at BIGINT, id TEXT, actor TEXT, action TEXT,
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

#define QUARANTINE_ERRLEN 256

struct emg_quarantine {
	store_t *store;
	char *dir;      /* QuarantineDir (SQLite backend); NULL for PostgreSQL */
	bool bytes_in_db; /* PostgreSQL: bytes in quarantine_entry.bytes */
	char host[256]; /* gethostname(), for the host column */
	char err[QUARANTINE_ERRLEN];
};

/* Set Q's error text (printf format); returns ST so that callers can
 * `return quarantine_fail(q, EMG_EIO, "...")`. */
emg_status_t quarantine_fail(emg_quarantine_t *q, emg_status_t st,
                             const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
