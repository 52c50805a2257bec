/*
 * store.h - the DataStore backend interface: one connection to SQLite or
 * PostgreSQL behind the same few calls, so that history.c (and later the
 * quarantine index) writes its SQL once.
 *
 * SQL is written with PostgreSQL's numbered placeholders ($1, $2 ...) and
 * data only ever travels as bound parameters (text, int64, bytes or NULL);
 * the SQLite backend binds "$N" by name.  Both backends understand the common
 * subset used here: CREATE TABLE/INDEX IF NOT EXISTS, INSERT ... ON
 * CONFLICT, CASE, LIMIT.  Results are read row by row as text, int64 or
 * bytes (a BYTEA column in PostgreSQL, a BLOB in SQLite).
 * The SQL text must be a string constant: backends may key a cache of
 * prepared statements by its address.
 *
 * A handle is one connection used by one thread at a time; open one per
 * thread.  Errors: EMG_EIO (the store failed or went away; store_error()
 * says why), EMG_ECONFIG (a bad DSN), EMG_ENOMEM, EMG_EINVAL.  A
 * PostgreSQL connection that broke is reset once by store_reconnect(); the
 * caller reruns its whole transaction after that.
 *
 * Everything here is a thin inline dispatcher over the backend's table;
 * the backends are store_sqlite.c and store_pg.c.
 */
#ifndef EMG_STORE_H
#define EMG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emguard.h"

#define STORE_ERRLEN 256
/* Most parameters one statement binds. */
#define STORE_MAX_PARAMS 24

typedef struct store store_t;
typedef struct store_rows store_rows_t;

typedef enum { STORE_NULL, STORE_TEXT, STORE_INT, STORE_BLOB } store_type_t;

/* One bound parameter. */
typedef struct store_param {
	store_type_t type;
	const char *text; /* STORE_TEXT: NUL-terminated UTF-8 */
	int64_t num;      /* STORE_INT */
	const void *blob; /* STORE_BLOB: LEN bytes (any, NUL too) */
	size_t len;
} store_param_t;

#define STORE_P_TEXT(s) ((store_param_t){.type = (s) ? STORE_TEXT : STORE_NULL, .text = (s)})
#define STORE_P_INT(v) ((store_param_t){.type = STORE_INT, .num = (v)})
/* N bytes at P, bound as a BLOB (SQLite) or a binary BYTEA (PostgreSQL);
 * zero bytes are an empty value, not NULL. */
#define STORE_P_BLOB(p, n)                                                \
	((store_param_t){.type = STORE_BLOB, .blob = (p), .len = (n)})

/* How store_open treats a DataStore that does not exist yet. */
typedef enum {
	STORE_CREATE,   /* create it (SQLite: the database file) */
	STORE_EXISTING, /* EMG_EIO when there is none yet */
} store_mode_t;

typedef struct store_ops {
	const char *name; /* "sqlite", "postgresql" */
	void (*close)(store_t *s);
	emg_status_t (*exec)(store_t *s, const char *sql,
	                     const store_param_t *p, size_t n,
	                     uint64_t *changes);
	emg_status_t (*query)(store_t *s, const char *sql,
	                      const store_param_t *p, size_t n,
	                      store_rows_t **out);
	emg_status_t (*next)(store_rows_t *r, bool *row);
	const char *(*text)(store_rows_t *r, int col);
	const void *(*blob)(store_rows_t *r, int col, size_t *len);
	void (*rows_free)(store_rows_t *r);
	emg_status_t (*begin)(store_t *s, bool schema_lock);
	emg_status_t (*commit)(store_t *s);
	void (*rollback)(store_t *s);
	bool (*lost)(store_t *s);
	emg_status_t (*reconnect)(store_t *s);
} store_ops_t;

/* The common head of every backend's handle. */
struct store {
	const store_ops_t *ops;
	bool in_tx;
	char err[STORE_ERRLEN];
};

/* The common head of every backend's result. */
struct store_rows {
	store_t *store;
};

/* The backends.  DSN is what follows the scheme for SQLite (a path) and
 * a libpq conninfo (URI or key=value) for PostgreSQL. */
emg_status_t store_sqlite_open(const char *path, store_mode_t mode,
                               store_t **out, char *err, size_t errlen);
emg_status_t store_pg_open(const char *conninfo, store_mode_t mode,
                           store_t **out, char *err, size_t errlen);

/* Open DataStore DSN: "sqlite:PATH", "postgresql://..." or
 * "postgres://..." (a libpq URI, passed whole), "postgresql:CONNINFO" (a
 * key=value libpq conninfo). */
static inline emg_status_t
store_open(const char *dsn, store_mode_t mode, store_t **out, char *err,
           size_t errlen)
{
	if (dsn == NULL || out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	if (strncmp(dsn, "sqlite:", 7) == 0)
		return store_sqlite_open(dsn + 7, mode, out, err, errlen);
	if (strncmp(dsn, "postgresql://", 13) == 0 ||
	    strncmp(dsn, "postgres://", 11) == 0)
		return store_pg_open(dsn, mode, out, err, errlen);
	if (strncmp(dsn, "postgresql:", 11) == 0)
		return store_pg_open(dsn + 11, mode, out, err, errlen);
	if (err != NULL && errlen > 0)
		strncpy(err, "DataStore: expected sqlite:PATH or postgresql://...",
		        errlen - 1), err[errlen - 1] = '\0';
	return EMG_ECONFIG;
}

static inline void
store_close(store_t *s)
{
	if (s != NULL)
		s->ops->close(s);
}

/* Why the last call failed. */
static inline const char *
store_error(const store_t *s)
{
	return s->err;
}

static inline const char *
store_backend(const store_t *s)
{
	return s->ops->name;
}

/* Run SQL with N parameters P; *CHANGES (may be NULL) gets the rows it
 * inserted, updated or deleted. */
static inline emg_status_t
store_exec(store_t *s, const char *sql, const store_param_t *p, size_t n,
           uint64_t *changes)
{
	if (n > STORE_MAX_PARAMS)
		return EMG_EINVAL;
	return s->ops->exec(s, sql, p, n, changes);
}

/* Run a SELECT; read it with store_next/store_text, free with
 * store_rows_free.  One open result per handle at a time. */
static inline emg_status_t
store_query(store_t *s, const char *sql, const store_param_t *p, size_t n,
            store_rows_t **out)
{
	*out = NULL;
	if (n > STORE_MAX_PARAMS)
		return EMG_EINVAL;
	return s->ops->query(s, sql, p, n, out);
}

/* Step to the next row: *ROW false at the end. */
static inline emg_status_t
store_next(store_rows_t *r, bool *row)
{
	return r->store->ops->next(r, row);
}

/* Column COL of the current row as text; NULL for SQL NULL.  Valid until
 * the next store_next or store_rows_free. */
static inline const char *
store_text(store_rows_t *r, int col)
{
	return r->store->ops->text(r, col);
}

/* Column COL of the current row as bytes, *LEN of them; NULL (and *LEN
 * 0) for SQL NULL, a non-NULL pointer for an empty value.  Owned by R and
 * valid until the next store_next or store_rows_free. */
static inline const void *
store_blob(store_rows_t *r, int col, size_t *len)
{
	return r->store->ops->blob(r, col, len);
}

/* Column COL as int64; 0 for NULL or a value that is not a number. */
static inline int64_t
store_int(store_rows_t *r, int col)
{
	const char *t = store_text(r, col);
	int64_t v = 0;
	bool neg = false;

	if (t == NULL)
		return 0;
	if (*t == '-')
		neg = true, t++;
	for (int i = 0; i < 19 && *t >= '0' && *t <= '9'; i++, t++)
		v = v * 10 + (*t - '0');
	return neg ? -v : v;
}

static inline void
store_rows_free(store_rows_t *r)
{
	if (r != NULL)
		r->store->ops->rows_free(r);
}

/* Start a write transaction.  SCHEMA_LOCK also serialises it against every
 * other schema migration (SQLite: BEGIN IMMEDIATE does both; PostgreSQL: a
 * transaction-scoped advisory lock). */
static inline emg_status_t
store_begin(store_t *s, bool schema_lock)
{
	return s->ops->begin(s, schema_lock);
}

static inline emg_status_t
store_commit(store_t *s)
{
	return s->ops->commit(s);
}

/* Roll back the open transaction, if any; never fails. */
static inline void
store_rollback(store_t *s)
{
	s->ops->rollback(s);
}

/* True when the connection broke (the server restarted or the network
 * failed), so that store_reconnect() and a rerun may help. */
static inline bool
store_lost(store_t *s)
{
	return s->ops->lost(s);
}

/* Reset a lost connection once.  EMG_EIO when the store is still away. */
static inline emg_status_t
store_reconnect(store_t *s)
{
	return s->ops->reconnect(s);
}

/* ---- schema versions ------------------------------------------------------
 * One row per COMPONENT ("history", "quarantine") in table schema_version,
 * so that each owner of tables migrates its own.  *VERSION is 0 when the
 * component has no tables yet.  Without CREATE a store that has no
 * schema_version table at all fails (EMG_EIO): that is the lock-free check
 * of an open; with CREATE (inside a store_begin(s, true) transaction) the
 * table is made first. */
static inline emg_status_t
store_schema_version(store_t *s, const char *component, bool create,
                     int64_t *version)
{
	store_rows_t *r = NULL;
	store_param_t p[] = {STORE_P_TEXT(component)};
	bool row = false;
	emg_status_t st = EMG_OK;

	*version = 0;
	if (create)
		st = store_exec(s,
		                "CREATE TABLE IF NOT EXISTS schema_version ("
		                " component TEXT PRIMARY KEY,"
		                " version BIGINT NOT NULL)",
		                NULL, 0, NULL);
	if (st == EMG_OK)
		st = store_query(s,
		                 "SELECT version FROM schema_version"
		                 " WHERE component = $1",
		                 p, 1, &r);
	if (st == EMG_OK && (st = store_next(r, &row)) == EMG_OK && row)
		*version = store_int(r, 0);
	store_rows_free(r);
	return st;
}

static inline emg_status_t
store_set_schema_version(store_t *s, const char *component, int64_t version)
{
	store_param_t p[] = {STORE_P_TEXT(component), STORE_P_INT(version)};

	return store_exec(s,
	                  "INSERT INTO schema_version (component, version)"
	                  " VALUES ($1, $2) ON CONFLICT (component)"
	                  " DO UPDATE SET version = excluded.version",
	                  p, 2, NULL);
}

/* One schema statement; BACKEND ("sqlite", "postgresql") limits it to
 * that backend, NULL runs it on every one (a column type that differs,
 * such as an auto-numbered key). */
typedef struct store_ddl {
	const char *backend;
	const char *sql;
} store_ddl_t;

/* The statements that bring a component's schema from one version to the
 * next. */
typedef struct store_migration {
	const store_ddl_t *ddl;
	size_t n;
} store_migration_t;

/* Bring COMPONENT's schema to version N (STEPS[v] leads from v to v + 1)
 * in one transaction, serialised against every other migration.
 * EMG_ECONFIG when the store's version is newer than N (*FOUND has it),
 * EMG_EIO with store_error() when the store failed. */
static inline emg_status_t
store_migrate(store_t *s, const char *component,
              const store_migration_t *steps, int64_t n, int64_t *found)
{
	*found = 0;
	emg_status_t st = store_begin(s, true);
	if (st == EMG_OK)
		st = store_schema_version(s, component, true, found);
	for (int64_t v = *found; st == EMG_OK && v >= 0 && v < n; v++)
		for (size_t i = 0; st == EMG_OK && i < steps[v].n; i++) {
			const store_ddl_t *d = &steps[v].ddl[i];
			if (d->backend == NULL ||
			    strcmp(d->backend, store_backend(s)) == 0)
				st = store_exec(s, d->sql, NULL, 0, NULL);
		}
	if (st == EMG_OK && *found > n) {
		store_rollback(s);
		return EMG_ECONFIG;
	}
	if (st == EMG_OK && *found < n)
		st = store_set_schema_version(s, component, n);
	if (st == EMG_OK)
		return store_commit(s);
	store_rollback(s);
	return st;
}

#endif
