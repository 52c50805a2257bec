/*
 * store_sqlite.c - the SQLite DataStore backend (store.h): one sqlite3
 * connection per handle.
 *
 * Many milter threads (each with its own handle) and an `emguard history
 * import` may use one database at once, so the database runs in WAL mode
 * (readers never wait for the writer), every connection has a busy timeout,
 * and write transactions start with BEGIN IMMEDIATE: a deferred transaction
 * that later wants to write cannot wait for the lock and fails at once.
 * synchronous=NORMAL is durable across a process crash, which is what a
 * history needs; a power cut may lose the last few records.  Foreign keys
 * are enforced so that deleting a message deletes its recipients.
 *
 * Prepared statements are kept per handle, keyed by the address of the SQL
 * text (store.h: always a string constant), so that a lookup costs no SQL
 * compilation.
 * Relies on sqlite3 built thread-safe; a database file created here gets
 * mode 0600, and SQLite gives its -journal, -wal and -shm files the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "owner.h"
#include "store.h"

/* Milliseconds a connection waits for another's write lock. */
#define SQLITE_BUSY_MS 5000
/* Bytes of the database mapped (address space, not memory). */
#define SQLITE_MMAP_SIZE "1073741824"
/* Statements kept prepared per handle; more are compiled each time. */
#define SQLITE_CACHE 48

typedef struct sqlite_cached {
	const char *sql;
	sqlite3_stmt *stmt;
	bool busy; /* an open result uses it */
} sqlite_cached_t;

typedef struct sqlite_store {
	store_t base;
	sqlite3 *db;
	sqlite_cached_t cache[SQLITE_CACHE];
	size_t n_cache;
} sqlite_store_t;

typedef struct sqlite_rows {
	store_rows_t base;
	sqlite3_stmt *stmt;
	sqlite_cached_t *cached; /* NULL: finalize on free */
} sqlite_rows_t;

static const store_ops_t sqlite_ops;

static emg_status_t
sqlite_fail(sqlite_store_t *s, const char *what)
{
	snprintf(s->base.err, sizeof(s->base.err), "sqlite: %s: %s", what,
	         sqlite3_errmsg(s->db));
	return EMG_EIO;
}

/* A prepared statement for SQL: the cached one when it is free, else a
 * new one (*CACHED NULL: the caller finalizes it). */
static emg_status_t
sqlite_prepare(sqlite_store_t *s, const char *sql, sqlite3_stmt **stmt,
               sqlite_cached_t **cached)
{
	*stmt = NULL;
	*cached = NULL;
	bool known = false;
	for (size_t i = 0; i < s->n_cache; i++) {
		sqlite_cached_t *c = &s->cache[i];
		if (c->sql != sql)
			continue;
		known = true;
		if (c->busy)
			break;
		c->busy = true;
		*stmt = c->stmt;
		*cached = c;
		return EMG_OK;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt,
	                       NULL) != SQLITE_OK)
		return sqlite_fail(s, "prepare");
	if (!known && s->n_cache < SQLITE_CACHE) {
		sqlite_cached_t *c = &s->cache[s->n_cache++];
		c->sql = sql;
		c->stmt = *stmt;
		c->busy = true;
		*cached = c;
	}
	return EMG_OK;
}

/* Give a statement back: reset it into the cache, or finalize it. */
static void
sqlite_release(sqlite3_stmt *stmt, sqlite_cached_t *cached)
{
	if (cached == NULL) {
		sqlite3_finalize(stmt);
		return;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	cached->busy = false;
}

/* Bind P[i] to the placeholder "$<i+1>"; placeholders the SQL does not
 * use are skipped. */
static emg_status_t
sqlite_bind(sqlite_store_t *s, sqlite3_stmt *stmt, const store_param_t *p,
            size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[24];
		snprintf(name, sizeof(name), "$%zu", i + 1);
		int idx = sqlite3_bind_parameter_index(stmt, name);
		if (idx == 0)
			continue;
		int rc;
		switch (p[i].type) {
		case STORE_TEXT:
			rc = sqlite3_bind_text(stmt, idx, p[i].text, -1,
			                       SQLITE_STATIC);
			break;
		case STORE_INT:
			rc = sqlite3_bind_int64(stmt, idx, p[i].num);
			break;
		case STORE_BLOB:
			/* A NULL pointer would bind SQL NULL, not "". */
			rc = sqlite3_bind_blob64(stmt, idx,
			                         p[i].blob ? p[i].blob : "",
			                         p[i].len, SQLITE_STATIC);
			break;
		default: rc = sqlite3_bind_null(stmt, idx); break;
		}
		if (rc != SQLITE_OK)
			return sqlite_fail(s, "bind");
	}
	return EMG_OK;
}

static emg_status_t
sqlite_exec(store_t *base, const char *sql, const store_param_t *p, size_t n,
            uint64_t *changes)
{
	sqlite_store_t *s = (sqlite_store_t *)base;
	sqlite3_stmt *stmt;
	sqlite_cached_t *cached;

	emg_status_t st = sqlite_prepare(s, sql, &stmt, &cached);
	if (st != EMG_OK)
		return st;
	st = sqlite_bind(s, stmt, p, n);
	int rc = SQLITE_ROW;
	/* A statement that returns rows (a PRAGMA) is run to its end;
	 * none of ours returns more than a few. */
	for (unsigned rows = 0; st == EMG_OK && rc == SQLITE_ROW; rows++) {
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			st = sqlite_fail(s, "step");
		else if (rows > 1000000)
			st = sqlite_fail(s, "statement returns too many rows");
	}
	if (st == EMG_OK && changes != NULL)
		*changes = (uint64_t)sqlite3_changes64(s->db);
	sqlite_release(stmt, cached);
	return st;
}

static emg_status_t
sqlite_query(store_t *base, const char *sql, const store_param_t *p, size_t n,
             store_rows_t **out)
{
	sqlite_store_t *s = (sqlite_store_t *)base;
	sqlite_rows_t *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return EMG_ENOMEM;
	r->base.store = base;
	emg_status_t st = sqlite_prepare(s, sql, &r->stmt, &r->cached);
	if (st == EMG_OK && (st = sqlite_bind(s, r->stmt, p, n)) != EMG_OK)
		sqlite_release(r->stmt, r->cached);
	if (st != EMG_OK) {
		free(r);
		return st;
	}
	*out = &r->base;
	return EMG_OK;
}

static emg_status_t
sqlite_next(store_rows_t *base, bool *row)
{
	sqlite_rows_t *r = (sqlite_rows_t *)base;
	int rc = sqlite3_step(r->stmt);

	*row = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return EMG_OK;
	return sqlite_fail((sqlite_store_t *)base->store, "step");
}

static const char *
sqlite_text(store_rows_t *base, int col)
{
	sqlite_rows_t *r = (sqlite_rows_t *)base;

	if (col < 0 || col >= sqlite3_column_count(r->stmt))
		return NULL;
	return (const char *)sqlite3_column_text(r->stmt, col);
}

static const void *
sqlite_blob(store_rows_t *base, int col, size_t *len)
{
	sqlite_rows_t *r = (sqlite_rows_t *)base;

	*len = 0;
	if (col < 0 || col >= sqlite3_column_count(r->stmt) ||
	    sqlite3_column_type(r->stmt, col) == SQLITE_NULL)
		return NULL;
	const void *p = sqlite3_column_blob(r->stmt, col);
	int n = sqlite3_column_bytes(r->stmt, col);
	if (p == NULL || n <= 0)
		return ""; /* an empty BLOB comes back as a NULL pointer */
	*len = (size_t)n;
	return p;
}

static void
sqlite_rows_free(store_rows_t *base)
{
	sqlite_rows_t *r = (sqlite_rows_t *)base;

	sqlite_release(r->stmt, r->cached);
	free(r);
}

static emg_status_t
sqlite_begin(store_t *base, bool schema_lock)
{
	(void)schema_lock; /* BEGIN IMMEDIATE already excludes every writer */
	emg_status_t st = sqlite_exec(base, "BEGIN IMMEDIATE", NULL, 0, NULL);
	base->in_tx = st == EMG_OK;
	return st;
}

static emg_status_t
sqlite_commit(store_t *base)
{
	emg_status_t st = sqlite_exec(base, "COMMIT", NULL, 0, NULL);
	if (st != EMG_OK)
		sqlite_exec(base, "ROLLBACK", NULL, 0, NULL);
	base->in_tx = false;
	return st;
}

static void
sqlite_rollback(store_t *base)
{
	sqlite_store_t *s = (sqlite_store_t *)base;

	if (base->in_tx && !sqlite3_get_autocommit(s->db))
		sqlite_exec(base, "ROLLBACK", NULL, 0, NULL);
	base->in_tx = false;
}

/* A local file never goes away the way a server does. */
static bool
sqlite_lost(store_t *base)
{
	(void)base;
	return false;
}

static emg_status_t
sqlite_reconnect(store_t *base)
{
	snprintf(base->err, sizeof(base->err), "sqlite: nothing to reconnect");
	return EMG_EIO;
}

static void
sqlite_close(store_t *base)
{
	sqlite_store_t *s = (sqlite_store_t *)base;

	for (size_t i = 0; i < s->n_cache; i++)
		sqlite3_finalize(s->cache[i].stmt);
	sqlite3_close_v2(s->db);
	free(s);
}

/* The single-value result of a PRAGMA, into BUF. */
static emg_status_t
sqlite_pragma(sqlite_store_t *s, const char *sql, char *buf, size_t len)
{
	store_rows_t *r;
	bool row = false;

	emg_status_t st = sqlite_query(&s->base, sql, NULL, 0, &r);
	if (st != EMG_OK)
		return st;
	st = sqlite_next(r, &row);
	const char *v = row ? sqlite_text(r, 0) : NULL;
	snprintf(buf, len, "%s", v ? v : "");
	sqlite_rows_free(r);
	return st;
}

/* WAL, synchronous=NORMAL, foreign keys.  The journal mode is stored in
 * the file: only the first open of a new database switches it. */
static emg_status_t
sqlite_setup(sqlite_store_t *s)
{
	char mode[16];

	emg_status_t st = sqlite_pragma(s, "PRAGMA journal_mode", mode,
	                                sizeof(mode));
	if (st == EMG_OK && strcmp(mode, "wal") != 0) {
		/* The switch needs the database to itself, and SQLite may
		 * answer BUSY at once, without the busy handler, while other
		 * connections open the same new file: retry for up to
		 * SQLITE_BUSY_MS. */
		for (int waited = 0;; waited += 10) {
			st = sqlite_pragma(s, "PRAGMA journal_mode=WAL", mode,
			                   sizeof(mode));
			int rc = sqlite3_errcode(s->db) & 0xff;
			if (st == EMG_OK || waited >= SQLITE_BUSY_MS ||
			    (rc != SQLITE_BUSY && rc != SQLITE_LOCKED))
				break;
			struct timespec pause = {0, 10 * 1000 * 1000};
			nanosleep(&pause, NULL);
		}
		if (st == EMG_OK && strcmp(mode, "wal") != 0) {
			snprintf(s->base.err, sizeof(s->base.err),
			         "sqlite: cannot switch to WAL (mode %s)",
			         mode);
			return EMG_EIO;
		}
	}
	if (st == EMG_OK)
		st = sqlite_exec(&s->base, "PRAGMA synchronous=NORMAL", NULL, 0,
		                 NULL);
	if (st == EMG_OK)
		st = sqlite_exec(&s->base, "PRAGMA foreign_keys=ON", NULL, 0,
		                 NULL);
	/* Pages read through a shared mapping instead of a read() each:
	 * a look-up in a large store then costs no system call per page,
	 * and every handle shares the kernel's page cache. */
	if (st == EMG_OK)
		st = sqlite_exec(&s->base, "PRAGMA mmap_size=" SQLITE_MMAP_SIZE,
		                 NULL, 0, NULL);
	return st;
}

emg_status_t
store_sqlite_open(const char *path, store_mode_t mode, store_t **out,
                  char *err, size_t errlen)
{
	*out = NULL;
	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "DataStore sqlite: needs a file path");
		return EMG_ECONFIG;
	}
	if (!sqlite3_threadsafe()) {
		snprintf(err, errlen, "sqlite: library built without threads");
		return EMG_EDEP;
	}
	/* Create the file ourselves, readable by its owner only: the history
	 * says who writes to whom, and the quarantine tables hold the
	 * subjects and envelopes of held mail, the users' password hashes and
	 * the key that signs release tokens.  A group that may read it (the
	 * MTA's user is in the milter's group for its socket) could forge a
	 * release.  Only when it is absent (O_EXCL):
	 * closing a descriptor of a file drops every POSIX lock this process
	 * holds on it, the locks of its other SQLite connections included,
	 * and another process that then believes itself the last connection
	 * checkpoints and deletes the WAL under them, losing what they commit
	 * afterwards. */
	if (mode == STORE_CREATE && strcmp(path, ":memory:") != 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		              0600);
		/* made by root (sudo emguard user add): the milter's, like
		 * the directory (SQLite does the same for -wal and -shm) */
		if (fd >= 0 && owner_follow_parent(path) != 0) {
			snprintf(err, errlen, "sqlite: chown %s: %s", path,
			         strerror(errno));
			close(fd);
			return EMG_EIO;
		}
		if (fd >= 0)
			close(fd);
	}
	sqlite_store_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return EMG_ENOMEM;
	s->base.ops = &sqlite_ops;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (mode == STORE_CREATE)
		flags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "sqlite: %s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		sqlite3_close_v2(s->db);
		free(s);
		return rc == SQLITE_NOMEM ? EMG_ENOMEM : EMG_EIO;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, SQLITE_BUSY_MS);
	emg_status_t st = sqlite_setup(s);
	if (st != EMG_OK) {
		snprintf(err, errlen, "%s: %s", path, s->base.err);
		sqlite_close(&s->base);
		return st;
	}
	*out = &s->base;
	return EMG_OK;
}

static const store_ops_t sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .exec = sqlite_exec,
    .query = sqlite_query,
    .next = sqlite_next,
    .text = sqlite_text,
    .blob = sqlite_blob,
    .rows_free = sqlite_rows_free,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .lost = sqlite_lost,
    .reconnect = sqlite_reconnect,
};
