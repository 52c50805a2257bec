/*
 * store_pg.c - the PostgreSQL DataStore backend (store.h) through libpq:
 * one connection per handle, so that several MX hosts share one history.
 *
 * Every statement goes through PQexecParams with text parameters (bytes:
 * binary BYTEA parameters): no SQL is ever built from data, and nothing is
 * prepared on the server, so a reset connection needs no re-preparing.
 * Results come back as text; a BYTEA column is decoded from its hex form
 * (PQunescapeBytea) when it is read.  A session sets a statement
 * timeout (a stuck server must not hold a scan for longer than its budget)
 * and UTF-8 client encoding; libpq's TCP user timeout and keepalives catch
 * a network that went silent.  Server NOTICEs are dropped (libpq would
 * print them on stderr, and a library does not write there).
 *
 * A connection that broke (server restart, network failure) shows as
 * CONNECTION_BAD; store_reconnect() resets it once (PQreset).  When that
 * fails, later resets wait PG_RETRY_MS, so that a store that is down costs
 * each scan one failed call, not a connect timeout per look-up.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

#define PG_STATEMENT_TIMEOUT "SET statement_timeout = 5000"
#define PG_CONNECT_TIMEOUT "5"   /* seconds */
#define PG_TCP_TIMEOUT "10000"   /* milliseconds unacknowledged */
#define PG_RETRY_MS 2000         /* after a failed reset */
#define PG_SCHEMA_LOCK "SELECT pg_advisory_xact_lock(1701668709)" /* "emge" */
#define PG_OID_BYTEA 17

typedef struct pg_store {
	store_t base;
	PGconn *conn;
	uint64_t retry_after_ms; /* no reset before this (monotonic) */
} pg_store_t;

/* A BYTEA value of the current row, decoded. */
typedef struct pg_bytes {
	unsigned char *data; /* PQfreemem */
	size_t len;
} pg_bytes_t;

typedef struct pg_rows {
	store_rows_t base;
	PGresult *res;
	int row, nrows;
	pg_bytes_t *blobs; /* per column, made on the first store_blob */
} pg_rows_t;

static const store_ops_t pg_ops;

static uint64_t
pg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Keep libpq's message (one line, without its newline) on the handle. */
static emg_status_t
pg_fail(pg_store_t *s, const char *what, const PGresult *res)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res)
	                              : PQerrorMessage(s->conn);
	char *e = s->base.err;
	snprintf(e, sizeof(s->base.err), "postgresql: %s: %s", what,
	         msg && *msg ? msg : "failed");
	size_t len = strlen(e);
	for (size_t i = 0; i < len; i++)
		if (e[i] == '\n')
			e[i] = ' ';
	while (len > 0 && e[len - 1] == ' ')
		e[--len] = '\0';
	return EMG_EIO;
}

static void
pg_notice_drop(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Run SQL with the parameters P as text; the caller clears *RES. */
static emg_status_t
pg_run(pg_store_t *s, const char *sql, const store_param_t *p, size_t n,
       PGresult **res)
{
	const char *values[STORE_MAX_PARAMS];
	char nums[STORE_MAX_PARAMS][24];
	Oid types[STORE_MAX_PARAMS] = {0}; /* 0: the server infers it */
	int lengths[STORE_MAX_PARAMS] = {0}, formats[STORE_MAX_PARAMS] = {0};
	bool binary = false;

	*res = NULL;
	if (n > STORE_MAX_PARAMS)
		return EMG_EINVAL;
	for (size_t i = 0; i < n; i++) {
		switch (p[i].type) {
		case STORE_TEXT: values[i] = p[i].text; break;
		case STORE_INT:
			snprintf(nums[i], sizeof(nums[i]), "%lld",
			         (long long)p[i].num);
			values[i] = nums[i];
			break;
		case STORE_BLOB:
			/* libpq takes an int length; a NULL value is SQL NULL */
			if (p[i].len > (size_t)INT32_MAX)
				return EMG_EINVAL;
			values[i] = p[i].blob ? p[i].blob : "";
			lengths[i] = (int)p[i].len;
			formats[i] = 1;
			types[i] = PG_OID_BYTEA;
			binary = true;
			break;
		default: values[i] = NULL; break;
		}
	}
	*res = PQexecParams(s->conn, sql, (int)n, binary ? types : NULL, values,
	                    binary ? lengths : NULL, binary ? formats : NULL, 0);
	if (*res == NULL)
		return PQstatus(s->conn) == CONNECTION_BAD
		           ? pg_fail(s, "connection", NULL)
		           : EMG_ENOMEM;
	ExecStatusType rs = PQresultStatus(*res);
	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
		return pg_fail(s, "statement", *res);
	return EMG_OK;
}

static emg_status_t
pg_exec(store_t *base, const char *sql, const store_param_t *p, size_t n,
        uint64_t *changes)
{
	pg_store_t *s = (pg_store_t *)base;
	PGresult *res;

	emg_status_t st = pg_run(s, sql, p, n, &res);
	if (st == EMG_OK && changes != NULL)
		*changes = strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return st;
}

static emg_status_t
pg_query(store_t *base, const char *sql, const store_param_t *p, size_t n,
         store_rows_t **out)
{
	pg_store_t *s = (pg_store_t *)base;
	pg_rows_t *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return EMG_ENOMEM;
	emg_status_t st = pg_run(s, sql, p, n, &r->res);
	if (st != EMG_OK) {
		PQclear(r->res);
		free(r);
		return st;
	}
	r->base.store = base;
	r->row = -1;
	r->nrows = PQntuples(r->res);
	*out = &r->base;
	return EMG_OK;
}

/* Free the BYTEA values decoded from the current row. */
static void
pg_blobs_clear(pg_rows_t *r)
{
	int nf = PQnfields(r->res);

	for (int i = 0; r->blobs != NULL && i < nf; i++) {
		PQfreemem(r->blobs[i].data);
		r->blobs[i] = (pg_bytes_t){NULL, 0};
	}
}

static emg_status_t
pg_next(store_rows_t *base, bool *row)
{
	pg_rows_t *r = (pg_rows_t *)base;

	pg_blobs_clear(r);
	if (r->row < r->nrows)
		r->row++;
	*row = r->row < r->nrows;
	return EMG_OK;
}

static const char *
pg_text(store_rows_t *base, int col)
{
	pg_rows_t *r = (pg_rows_t *)base;

	if (r->row < 0 || r->row >= r->nrows || col < 0 ||
	    col >= PQnfields(r->res) || PQgetisnull(r->res, r->row, col))
		return NULL;
	return PQgetvalue(r->res, r->row, col);
}

/* A BYTEA column arrives as text, "\\x" and two hex digits a byte; it is
 * decoded on first read and kept until the row changes. */
static const void *
pg_blob(store_rows_t *base, int col, size_t *len)
{
	pg_rows_t *r = (pg_rows_t *)base;
	const char *hex = pg_text(base, col);

	*len = 0;
	if (hex == NULL)
		return NULL;
	if (r->blobs == NULL &&
	    (r->blobs = calloc((size_t)PQnfields(r->res),
	                       sizeof(*r->blobs))) == NULL)
		return NULL;
	pg_bytes_t *b = &r->blobs[col];
	if (b->data == NULL)
		b->data = PQunescapeBytea((const unsigned char *)hex, &b->len);
	if (b->data == NULL)
		return NULL;
	*len = b->len;
	return b->data;
}

static void
pg_rows_free(store_rows_t *base)
{
	pg_rows_t *r = (pg_rows_t *)base;

	pg_blobs_clear(r);
	free(r->blobs);
	PQclear(r->res);
	free(r);
}

static emg_status_t
pg_begin(store_t *base, bool schema_lock)
{
	emg_status_t st = pg_exec(base, "BEGIN", NULL, 0, NULL);

	base->in_tx = st == EMG_OK;
	if (st == EMG_OK && schema_lock &&
	    (st = pg_exec(base, PG_SCHEMA_LOCK, NULL, 0, NULL)) != EMG_OK) {
		char keep[STORE_ERRLEN];
		memcpy(keep, base->err, sizeof(keep));
		pg_exec(base, "ROLLBACK", NULL, 0, NULL);
		memcpy(base->err, keep, sizeof(keep));
		base->in_tx = false;
	}
	return st;
}

static emg_status_t
pg_commit(store_t *base)
{
	pg_store_t *s = (pg_store_t *)base;
	PGresult *res;

	base->in_tx = false;
	emg_status_t st = pg_run(s, "COMMIT", NULL, 0, &res);
	/* A transaction that had failed answers COMMIT with ROLLBACK. */
	if (st == EMG_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		snprintf(base->err, sizeof(base->err),
		         "postgresql: transaction was rolled back");
		st = EMG_EIO;
	}
	PQclear(res);
	return st;
}

static void
pg_rollback(store_t *base)
{
	pg_store_t *s = (pg_store_t *)base;

	if (base->in_tx && PQstatus(s->conn) == CONNECTION_OK) {
		char keep[STORE_ERRLEN];
		memcpy(keep, base->err, sizeof(keep));
		pg_exec(base, "ROLLBACK", NULL, 0, NULL);
		memcpy(base->err, keep, sizeof(keep));
	}
	base->in_tx = false;
}

static bool
pg_lost(store_t *base)
{
	return PQstatus(((pg_store_t *)base)->conn) != CONNECTION_OK;
}

/* The session settings every (re)connection gets. */
static emg_status_t
pg_session(pg_store_t *s)
{
	PQsetNoticeProcessor(s->conn, pg_notice_drop, NULL);
	if (PQsetClientEncoding(s->conn, "UTF8") != 0)
		return pg_fail(s, "client encoding", NULL);
	return pg_exec(&s->base, PG_STATEMENT_TIMEOUT, NULL, 0, NULL);
}

static emg_status_t
pg_reconnect(store_t *base)
{
	pg_store_t *s = (pg_store_t *)base;
	uint64_t now = pg_now_ms();

	base->in_tx = false;
	if (now < s->retry_after_ms) {
		snprintf(base->err, sizeof(base->err),
		         "postgresql: server away, next try in %llu ms",
		         (unsigned long long)(s->retry_after_ms - now));
		return EMG_EIO;
	}
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK || pg_session(s) != EMG_OK) {
		if (PQstatus(s->conn) != CONNECTION_OK)
			pg_fail(s, "reconnect", NULL);
		s->retry_after_ms = pg_now_ms() + PG_RETRY_MS;
		return EMG_EIO;
	}
	s->retry_after_ms = 0;
	return EMG_OK;
}

static void
pg_close(store_t *base)
{
	pg_store_t *s = (pg_store_t *)base;

	PQfinish(s->conn);
	free(s);
}

emg_status_t
store_pg_open(const char *conninfo, store_mode_t mode, store_t **out,
              char *err, size_t errlen)
{
	(void)mode; /* the database is made by its administrator */
	*out = NULL;
	if (conninfo == NULL || *conninfo == '\0') {
		snprintf(err, errlen, "DataStore postgresql: empty conninfo");
		return EMG_ECONFIG;
	}
	/* Ours come first: what the DSN says overrides them. */
	const char *const keys[] = {"connect_timeout", "tcp_user_timeout",
	                            "keepalives_idle", "application_name",
	                            "dbname", NULL};
	const char *const values[] = {PG_CONNECT_TIMEOUT, PG_TCP_TIMEOUT, "30",
	                              "emguard", conninfo, NULL};
	pg_store_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return EMG_ENOMEM;
	s->base.ops = &pg_ops;
	s->conn = PQconnectdbParams(keys, values, 1);
	if (s->conn == NULL) {
		free(s);
		return EMG_ENOMEM;
	}
	emg_status_t st = PQstatus(s->conn) == CONNECTION_OK
	                      ? pg_session(s)
	                      : pg_fail(s, "connect", NULL);
	if (st != EMG_OK) {
		snprintf(err, errlen, "%s", s->base.err);
		pg_close(&s->base);
		return st;
	}
	*out = &s->base;
	return EMG_OK;
}

static const store_ops_t pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .exec = pg_exec,
    .query = pg_query,
    .next = pg_next,
    .text = pg_text,
    .blob = pg_blob,
    .rows_free = pg_rows_free,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .lost = pg_lost,
    .reconnect = pg_reconnect,
};
