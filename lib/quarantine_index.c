/*
 * quarantine_index.c - the read side of the quarantine (quarantine.h):
 * an entry, its bytes (checked against their SHA-256), the list with its
 * filters and paging, the audit trail; and the upkeep that removes
 * entries: purge (retention) and recover (after a crash, make the index
 * and QuarantineDir agree).
 *
 * Filters are one constant SQL text for both backends: a filter that is
 * not set is a NULL parameter ("CAST($n AS TEXT) IS NULL OR ...": the
 * cast tells PostgreSQL its type).  Substring filters
 * compare LOWER(column) LIKE LOWER(pattern) with the user's %, _ and \
 * escaped (ESCAPE '\'), because SQLite's LIKE ignores ASCII case and
 * PostgreSQL's does not; the symbol filter matches ",SYM," in the stored
 * ",A,B," list, upper-cased (symbols are UPPER_SNAKE), so that it is
 * exact on both.  Every list is cut at QUARANTINE_LIST_MAX.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quarantine.h"

#define QUARANTINE_PURGE_BATCH 256    /* rows removed per transaction */
#define QUARANTINE_LOCK_WAIT_MS 30000 /* recover waits for puts */

/* ---- entries ------------------------------------------------------------- */

void
emg_qentry_free(emg_qentry_t *e)
{
	if (e == NULL)
		return;
	const char *own[] = {e->mail_from,   e->client_ip, e->helo,
	                     e->from_header, e->subject,   e->message_id,
	                     e->action,      e->reason,    e->symbols,
	                     e->report_json, e->host,      e->sha256};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		free((char *)own[i]);
	/* The recipients point into one block, the first of them. */
	if (e->n_rcpts > 0)
		free((char *)e->rcpts[0]);
	free((void *)e->rcpts);
	free(e);
}

/* The stored recipients (one a line) into E. */
static emg_status_t
quarantine_entry_rcpts(emg_qentry_t *e, const char *text)
{
	if (text == NULL || *text == '\0')
		return EMG_OK;
	size_t n = 1;
	for (const char *c = text; *c; c++)
		n += *c == '\n';
	char *block = strdup(text);
	const char **v = calloc(n, sizeof(*v));
	if (block == NULL || v == NULL) {
		free(block);
		free(v);
		return EMG_ENOMEM;
	}
	char *line = block;
	for (size_t i = 0; i < n && line != NULL; i++) {
		v[i] = line;
		if ((line = strchr(line, '\n')) != NULL)
			*line++ = '\0';
	}
	e->rcpts = v;
	e->n_rcpts = n;
	return EMG_OK;
}

emg_status_t
quarantine_entry_read(store_rows_t *r, emg_qentry_t **out)
{
	emg_qentry_t *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (e == NULL)
		return EMG_ENOMEM;
	snprintf(e->id, sizeof(e->id), "%s", store_text(r, 0) ?: "");
	e->arrived = store_int(r, 1);
	const char *status = store_text(r, 2) ?: "";
	e->status = strcmp(status, "deleted") == 0    ? EMG_QSTATUS_DELETED
	            : strcmp(status, "released") == 0 ? EMG_QSTATUS_RELEASED
	                                              : EMG_QSTATUS_HELD;
	struct {
		const char **field;
		int col;
	} text[] = {
	    {&e->mail_from, 3},   {&e->client_ip, 5}, {&e->helo, 6},
	    {&e->from_header, 7}, {&e->subject, 8},   {&e->message_id, 9},
	    {&e->action, 11},     {&e->reason, 12},   {&e->report_json, 14},
	    {&e->host, 15},       {&e->sha256, 17}};
	bool ok = true;
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		ok &= (*text[i].field =
		           strdup(store_text(r, text[i].col) ?: "")) != NULL;
	e->score = strtod(store_text(r, 10) ?: "0", NULL);
	e->size = (uint64_t)store_int(r, 16);
	/* ",A,B," is stored for exact LIKE; callers get "A,B". */
	const char *sym = store_text(r, 13) ?: "";
	sym += *sym == ',';
	size_t sl = strlen(sym);
	if ((e->symbols = strndup(
	         sym, sl > 0 && sym[sl - 1] == ',' ? sl - 1 : sl)) == NULL)
		ok = false;
	if (!ok || quarantine_entry_rcpts(e, store_text(r, 4)) != EMG_OK) {
		emg_qentry_free(e);
		return EMG_ENOMEM;
	}
	*out = e;
	return EMG_OK;
}

typedef struct quarantine_get_arg {
	const char *id;
	emg_qentry_t *e;
} quarantine_get_arg_t;

static emg_status_t
quarantine_get_op(emg_quarantine_t *q, void *arg)
{
	quarantine_get_arg_t *a = arg;
	store_param_t p[] = {STORE_P_TEXT(a->id)};
	store_rows_t *r = NULL;
	bool row = false;

	emg_status_t st = store_query(q->store,
	                              "SELECT " QUARANTINE_ENTRY_COLUMNS
	                              " FROM quarantine_entry WHERE id = $1",
	                              p, 1, &r);
	if (st == EMG_OK && (st = store_next(r, &row)) == EMG_OK)
		st = row ? quarantine_entry_read(r, &a->e)
		         : quarantine_bad_id(q, a->id);
	store_rows_free(r);
	if (st == EMG_EIO)
		st = quarantine_store_fail(q, st, "get");
	return st;
}

emg_status_t
emg_quarantine_get(emg_quarantine_t *q, const char *id, emg_qentry_t **out)
{
	if (q == NULL || out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	if (!quarantine_id_valid(id))
		return quarantine_bad_id(q, id);
	quarantine_get_arg_t a = {.id = id};
	emg_status_t st = quarantine_run(q, quarantine_get_op, &a);
	*out = a.e;
	return st;
}

/* ---- read ---------------------------------------------------------------- */

typedef struct quarantine_read_arg {
	const char *id;
	void *data;
	size_t len;
} quarantine_read_arg_t;

/* The bytes of file ID.eml, exactly SIZE of them, into A. */
static emg_status_t
quarantine_read_file(emg_quarantine_t *q, quarantine_read_arg_t *a,
                     uint64_t size)
{
	char name[QUARANTINE_NAME_MAX];
	struct stat sb;

	quarantine_file(name, sizeof(name), a->id, false);
	int fd = openat(q->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return quarantine_fail(q, EMG_EIO,
		                       "quarantine: %s: the bytes are missing "
		                       "(%s/%s: %s)",
		                       a->id, q->dir, name, strerror(e));
	}
	emg_status_t st = EMG_OK;
	if ((uint64_t)sb.st_size != size || size > QUARANTINE_MAX_SIZE)
		st = quarantine_fail(q, EMG_EIO,
		                     "quarantine: %s: %s/%s has %lld bytes, "
		                     "the index says %llu",
		                     a->id, q->dir, name, (long long)sb.st_size,
		                     (unsigned long long)size);
	else if ((a->data = malloc(size > 0 ? size : 1)) == NULL)
		st = EMG_ENOMEM;
	for (size_t off = 0; st == EMG_OK && off < size;) {
		ssize_t n = read(fd, (char *)a->data + off, size - off);
		if (n > 0)
			off += (size_t)n;
		else if (n == 0 || errno != EINTR)
			st = quarantine_fail(
			    q, EMG_EIO, "quarantine: %s: reading %s/%s: %s",
			    a->id, q->dir, name,
			    n == 0 ? "file shrank" : strerror(errno));
	}
	close(fd);
	a->len = (size_t)size;
	return st;
}

static emg_status_t
quarantine_read_op(emg_quarantine_t *q, void *arg)
{
	quarantine_read_arg_t *a = arg;
	store_param_t p[] = {STORE_P_TEXT(a->id)};
	store_rows_t *r = NULL;
	bool row = false;
	char sha[65] = "";

	emg_status_t st = store_query(q->store,
	                              "SELECT status, size, sha256, bytes"
	                              " FROM quarantine_entry WHERE id = $1",
	                              p, 1, &r);
	if (st == EMG_OK && (st = store_next(r, &row)) == EMG_OK && !row)
		st = quarantine_bad_id(q, a->id);
	else if (st == EMG_OK &&
	         strcmp(store_text(r, 0) ? store_text(r, 0) : "", "deleted") ==
	             0)
		st = quarantine_fail(q, EMG_EINVAL,
		                     "quarantine: %s was deleted", a->id);
	else if (st == EMG_OK) {
		snprintf(sha, sizeof(sha), "%s", store_text(r, 2));
		size_t n = 0;
		const void *b = q->bytes_in_db ? store_blob(r, 3, &n) : NULL;
		if (!q->bytes_in_db)
			st = quarantine_read_file(q, a,
			                          (uint64_t)store_int(r, 1));
		else if (b == NULL)
			st = quarantine_fail(q, EMG_EIO,
			                     "quarantine: %s: the bytes are "
			                     "missing",
			                     a->id);
		else if ((a->data = malloc(n > 0 ? n : 1)) == NULL)
			st = EMG_ENOMEM;
		else
			memcpy(a->data, b, n), a->len = n;
	} else {
		st = quarantine_store_fail(q, st, "read");
	}
	store_rows_free(r);
	char got[65];
	if (st == EMG_OK &&
	    (!quarantine_sha256(a->data, a->len, got) || strcmp(got, sha) != 0))
		st = quarantine_fail(q, EMG_EIO,
		                     "quarantine: %s: the bytes do not match "
		                     "their SHA-256 (stored %.64s, read %s)",
		                     a->id, sha, got);
	if (st != EMG_OK) {
		free(a->data);
		a->data = NULL;
	}
	return st;
}

emg_status_t
emg_quarantine_read(emg_quarantine_t *q, const char *id, void **data,
                    size_t *len)
{
	if (q == NULL || data == NULL || len == NULL)
		return EMG_EINVAL;
	*data = NULL;
	*len = 0;
	if (!quarantine_id_valid(id))
		return quarantine_bad_id(q, id);
	quarantine_read_arg_t a = {.id = id};
	emg_status_t st = quarantine_run(q, quarantine_read_op, &a);
	if (st == EMG_OK) {
		*data = a.data;
		*len = a.len;
	}
	return st;
}

/* Room in *V (*CAP items of SIZE) for item N; false when out of memory.
 * Lists are cut at QUARANTINE_LIST_MAX, so the sizes cannot overflow. */
static bool
quarantine_grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t more = *cap ? 2 * *cap : 16;
	void *bigger = realloc(*v, more * size);
	if (bigger == NULL)
		return false;
	*v = bigger;
	*cap = more;
	return true;
}

/* ---- list ---------------------------------------------------------------- */

/* The filter: $1 since, $2 before, $3 status, $4 from, $5 rcpt, $6 symbol,
 * $7 action, $8 text (patterns already escaped and wrapped in %). */
#define QUARANTINE_FILTER                                                      \
	" FROM quarantine_entry WHERE arrived >= $1 AND arrived < $2"          \
	" AND (CAST($3 AS TEXT) IS NULL OR status = $3)"                       \
	" AND (CAST($4 AS TEXT) IS NULL OR LOWER(mail_from) LIKE LOWER($4) "   \
	"ESCAPE '\\'"                                                          \
	"  OR LOWER(from_header) LIKE LOWER($4) ESCAPE '\\')"                  \
	" AND (CAST($5 AS TEXT) IS NULL OR LOWER(rcpts) LIKE LOWER($5) "       \
	"ESCAPE '\\')"                                                         \
	" AND (CAST($6 AS TEXT) IS NULL OR symbols LIKE $6 ESCAPE '\\')"       \
	" AND (CAST($7 AS TEXT) IS NULL OR action = $7)"                       \
	" AND (CAST($8 AS TEXT) IS NULL OR LOWER(subject) LIKE LOWER($8) "     \
	"ESCAPE '\\'"                                                          \
	"  OR LOWER(from_header) LIKE LOWER($8) ESCAPE '\\'"                   \
	"  OR LOWER(mail_from) LIKE LOWER($8) ESCAPE '\\'"                     \
	"  OR LOWER(rcpts) LIKE LOWER($8) ESCAPE '\\')"
#define QUARANTINE_FILTER_PARAMS 8

/* "%S%" with %, _ and \ of S escaped ("%,S,%" when SYMBOL, S then
 * upper-cased); NULL for an unset filter, *BAD on no memory. */
static char *
quarantine_pattern(const char *s, bool symbol, bool *bad)
{
	if (s == NULL || *s == '\0')
		return NULL;
	size_t len = strnlen(s, QUARANTINE_MAX_FIELD);
	char *out = malloc(2 * len + 5);
	if (out == NULL) {
		*bad = true;
		return NULL;
	}
	size_t n = 0;
	out[n++] = '%';
	if (symbol)
		out[n++] = ',';
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%' || c == '_' || c == '\\')
			out[n++] = '\\';
		out[n++] = symbol && c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
	}
	if (symbol)
		out[n++] = ',';
	out[n++] = '%';
	out[n] = '\0';
	return out;
}

typedef struct quarantine_list_arg {
	store_param_t p[QUARANTINE_FILTER_PARAMS + 2];
	size_t limit;
	emg_qentry_t **list;
	size_t n;
	uint64_t total;
	bool want_total;
} quarantine_list_arg_t;

static void
quarantine_list_clear(quarantine_list_arg_t *a)
{
	emg_qentry_list_free(a->list, a->n);
	a->list = NULL;
	a->n = 0;
}

/* Read the page of entries into A->list. */
static emg_status_t
quarantine_list_rows(emg_quarantine_t *q, quarantine_list_arg_t *a)
{
	store_rows_t *r = NULL;
	bool row = true;
	size_t cap = 0;

	emg_status_t st =
	    store_query(q->store,
	                "SELECT " QUARANTINE_ENTRY_COLUMNS QUARANTINE_FILTER
	                " ORDER BY arrived DESC, id DESC"
	                " LIMIT $9 OFFSET $10",
	                a->p, QUARANTINE_FILTER_PARAMS + 2, &r);
	while (st == EMG_OK && a->n < a->limit &&
	       (st = store_next(r, &row)) == EMG_OK && row) {
		if (!quarantine_grow((void **)&a->list, &cap, a->n,
		                     sizeof(*a->list))) {
			st = EMG_ENOMEM;
			break;
		}
		if ((st = quarantine_entry_read(r, &a->list[a->n])) == EMG_OK)
			a->n++;
	}
	store_rows_free(r);
	return st;
}

static emg_status_t
quarantine_list_op(emg_quarantine_t *q, void *arg)
{
	quarantine_list_arg_t *a = arg;
	store_rows_t *r = NULL;
	bool row = false;

	quarantine_list_clear(a);
	emg_status_t st = quarantine_list_rows(q, a);
	if (st == EMG_OK && a->want_total &&
	    (st = store_query(q->store, "SELECT COUNT(*)" QUARANTINE_FILTER,
	                      a->p, QUARANTINE_FILTER_PARAMS, &r)) == EMG_OK &&
	    (st = store_next(r, &row)) == EMG_OK)
		a->total = row ? (uint64_t)store_int(r, 0) : 0;
	store_rows_free(r);
	if (st != EMG_OK)
		quarantine_list_clear(a);
	return st == EMG_EIO ? quarantine_store_fail(q, st, "list") : st;
}

emg_status_t
emg_quarantine_list(emg_quarantine_t *q, const emg_qfilter_t *f,
                    emg_qentry_t ***out, size_t *n, uint64_t *total)
{
	static const emg_qfilter_t all = {.status = -1};
	bool bad = false;

	if (q == NULL || out == NULL || n == NULL)
		return EMG_EINVAL;
	*out = NULL;
	*n = 0;
	if (total != NULL)
		*total = 0;
	if (f == NULL)
		f = &all;
	if (f->status > EMG_QSTATUS_DELETED || f->status < -1)
		return quarantine_fail(q, EMG_EINVAL,
		                       "quarantine: no status %d", f->status);
	char *from = quarantine_pattern(f->from, false, &bad);
	char *rcpt = quarantine_pattern(f->rcpt, false, &bad);
	char *sym = quarantine_pattern(f->symbol, true, &bad);
	char *text = quarantine_pattern(f->text, false, &bad);
	quarantine_list_arg_t a = {
	    .p = {STORE_P_INT(f->since),
	          STORE_P_INT(f->before > 0 ? f->before : INT64_MAX),
	          STORE_P_TEXT(f->status >= 0 ? emg_qstatus_name(f->status)
	                                      : NULL),
	          STORE_P_TEXT(from), STORE_P_TEXT(rcpt), STORE_P_TEXT(sym),
	          STORE_P_TEXT(f->action && *f->action ? f->action : NULL),
	          STORE_P_TEXT(text)},
	    .limit = f->limit > 0 && f->limit < QUARANTINE_LIST_MAX
	                 ? f->limit
	                 : QUARANTINE_LIST_MAX,
	    .want_total = total != NULL,
	};
	a.p[8] = STORE_P_INT((int64_t)a.limit);
	a.p[9] = STORE_P_INT(f->offset < (size_t)INT64_MAX ? (int64_t)f->offset
	                                                   : INT64_MAX);
	emg_status_t st =
	    bad ? quarantine_fail(q, EMG_ENOMEM, "quarantine: out of memory")
	        : quarantine_run(q, quarantine_list_op, &a);
	free(from);
	free(rcpt);
	free(sym);
	free(text);
	if (st != EMG_OK)
		return st;
	*out = a.list;
	*n = a.n;
	if (total != NULL)
		*total = a.total;
	return EMG_OK;
}

void
emg_qentry_list_free(emg_qentry_t **list, size_t n)
{
	for (size_t i = 0; list != NULL && i < n; i++)
		emg_qentry_free(list[i]);
	free(list);
}

/* ---- audit trail --------------------------------------------------------- */

typedef struct quarantine_audit_arg {
	const char *id;
	size_t limit;
	emg_qaudit_t *list;
	size_t n;
} quarantine_audit_arg_t;

static emg_status_t
quarantine_audit_op(emg_quarantine_t *q, void *arg)
{
	quarantine_audit_arg_t *a = arg;
	store_param_t p[] = {STORE_P_TEXT(a->id),
	                     STORE_P_INT((int64_t)a->limit)};
	store_rows_t *r = NULL;
	bool row = true;
	size_t cap = 0;

	emg_qaudit_list_free(a->list, a->n);
	a->list = NULL;
	a->n = 0;
	emg_status_t st =
	    store_query(q->store,
	                "SELECT at, id, actor, action, detail"
	                " FROM quarantine_audit"
	                " WHERE (CAST($1 AS TEXT) IS NULL OR id = $1)"
	                " ORDER BY seq DESC LIMIT $2",
	                p, 2, &r);
	while (st == EMG_OK && a->n < a->limit &&
	       (st = store_next(r, &row)) == EMG_OK && row) {
		if (!quarantine_grow((void **)&a->list, &cap, a->n,
		                     sizeof(*a->list))) {
			st = EMG_ENOMEM;
			break;
		}
		emg_qaudit_t *line = &a->list[a->n++];
		line->at = store_int(r, 0);
		const char **field[] = {&line->id, &line->actor, &line->action,
		                        &line->detail};
		for (int i = 0; i < 4; i++)
			if ((*field[i] = strdup(store_text(r, i + 1) ?: "")) ==
			    NULL)
				st = EMG_ENOMEM;
	}
	store_rows_free(r);
	return st == EMG_EIO ? quarantine_store_fail(q, st, "audit") : st;
}

emg_status_t
emg_quarantine_audit(emg_quarantine_t *q, const char *id, size_t limit,
                     emg_qaudit_t **out, size_t *n)
{
	if (q == NULL || out == NULL || n == NULL)
		return EMG_EINVAL;
	*out = NULL;
	*n = 0;
	quarantine_audit_arg_t a = {
	    .id = id,
	    .limit = limit > 0 && limit < QUARANTINE_LIST_MAX
	                 ? limit
	                 : QUARANTINE_LIST_MAX,
	};
	emg_status_t st = quarantine_run(q, quarantine_audit_op, &a);
	if (st != EMG_OK) {
		emg_qaudit_list_free(a.list, a.n);
		return st;
	}
	*out = a.list;
	*n = a.n;
	return EMG_OK;
}

void
emg_qaudit_list_free(emg_qaudit_t *list, size_t n)
{
	for (size_t i = 0; list != NULL && i < n; i++) {
		free((char *)list[i].id);
		free((char *)list[i].actor);
		free((char *)list[i].action);
		free((char *)list[i].detail);
	}
	free(list);
}

/* ---- purge --------------------------------------------------------------- */

typedef struct quarantine_purge_arg {
	int64_t before;
	uint64_t removed;
	char ids[QUARANTINE_PURGE_BATCH][EMG_QID_MAX];
	size_t n; /* ids of the last batch */
} quarantine_purge_arg_t;

/* Remove the rows of one batch of entries older than A->before; their
 * ids stay in A for the files. */
static emg_status_t
quarantine_purge_op(emg_quarantine_t *q, void *arg)
{
	quarantine_purge_arg_t *a = arg;
	store_param_t p[] = {STORE_P_INT(a->before),
	                     STORE_P_INT(QUARANTINE_PURGE_BATCH)};
	store_rows_t *r = NULL;
	bool row = true;

	a->n = 0;
	emg_status_t st = store_begin(q->store, false);
	if (st == EMG_OK)
		st = store_query(q->store,
		                 "SELECT id FROM quarantine_entry"
		                 " WHERE arrived < $1 ORDER BY arrived, id"
		                 " LIMIT $2",
		                 p, 2, &r);
	while (st == EMG_OK && a->n < QUARANTINE_PURGE_BATCH &&
	       (st = store_next(r, &row)) == EMG_OK && row)
		snprintf(a->ids[a->n++], EMG_QID_MAX, "%s",
		         store_text(r, 0) ? store_text(r, 0) : "");
	store_rows_free(r);
	for (size_t i = 0; st == EMG_OK && i < a->n; i++) {
		store_param_t d[] = {STORE_P_TEXT(a->ids[i])};
		st = store_exec(q->store,
		                "DELETE FROM quarantine_entry WHERE id = $1", d,
		                1, NULL);
	}
	if (st == EMG_OK)
		st = store_commit(q->store);
	if (st == EMG_OK)
		return EMG_OK;
	store_rollback(q->store);
	a->n = 0;
	return quarantine_store_fail(q, st, "purge");
}

emg_status_t
emg_quarantine_purge(emg_quarantine_t *q, int64_t before, const char *actor,
                     uint64_t *removed)
{
	if (removed != NULL)
		*removed = 0;
	if (q == NULL)
		return EMG_EINVAL;
	quarantine_purge_arg_t *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return quarantine_fail(q, EMG_ENOMEM,
		                       "quarantine: out of memory");
	a->before = before;
	emg_status_t st = EMG_OK;
	/* Batches keep each transaction short; rows go before files (a
	 * crash between leaves files that recover removes). */
	for (uint64_t b = 0;
	     st == EMG_OK && b <= QUARANTINE_MAX_FILES / QUARANTINE_PURGE_BATCH;
	     b++) {
		st = quarantine_run(q, quarantine_purge_op, a);
		for (size_t i = 0; st == EMG_OK && q->dir_fd >= 0 && i < a->n;
		     i++) {
			char name[QUARANTINE_NAME_MAX];
			if (quarantine_id_valid(a->ids[i]))
				unlinkat(q->dir_fd,
				         quarantine_file(name, sizeof(name),
				                         a->ids[i], false),
				         0);
		}
		if (st == EMG_OK && q->dir_fd >= 0 && a->n > 0)
			(void)fsync(q->dir_fd);
		a->removed += a->n;
		if (a->n < QUARANTINE_PURGE_BATCH)
			break;
	}
	if (st == EMG_OK) {
		char detail[96], date[32];
		struct tm tm;
		time_t t = (time_t)before;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm) ==
		        0)
			snprintf(date, sizeof(date), "%lld", (long long)before);
		snprintf(detail, sizeof(detail), "%llu entries before %s",
		         (unsigned long long)a->removed, date);
		st = quarantine_line(q, "*", actor, "purge", detail);
	}
	if (removed != NULL)
		*removed = a->removed;
	free(a);
	return st;
}

/* ---- recover ------------------------------------------------------------- */

/* Wait (bounded) until no put is in flight, then hold the lock alone. */
static emg_status_t
quarantine_lock_alone(emg_quarantine_t *q)
{
	for (unsigned waited = 0; waited <= QUARANTINE_LOCK_WAIT_MS;
	     waited += 10) {
		if (flock(q->dir_fd, LOCK_EX | LOCK_NB) == 0)
			return EMG_OK;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		usleep(10000);
	}
	return quarantine_fail(q, EMG_EIO,
	                       "quarantine: %s: puts still running "
	                       "after %u s (%s)",
	                       q->dir, QUARANTINE_LOCK_WAIT_MS / 1000,
	                       strerror(errno));
}

/* Remove what no committed put left: temporary files, and files of ids
 * that have no row or a deleted one.  Other names are left alone. */
static emg_status_t
quarantine_recover_files(emg_quarantine_t *q, uint64_t *removed)
{
	int fd = dup(q->dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return quarantine_fail(q, EMG_EIO, "quarantine: %s: %s", q->dir,
		                       strerror(errno));
	}
	rewinddir(d);
	emg_status_t st = EMG_OK;
	struct dirent *de;
	for (unsigned n = 0; st == EMG_OK && n < QUARANTINE_MAX_FILES &&
	                     (de = readdir(d)) != NULL;
	     n++) {
		const char *name = de->d_name;
		char id[EMG_QID_MAX], status[16] = "x";
		size_t len = strlen(name);
		if (strncmp(name, ".tmp-", 5) == 0) {
			status[0] = '\0';
		} else if (len > 4 && len - 4 < sizeof(id) &&
		           strcmp(name + len - 4, ".eml") == 0) {
			snprintf(id, sizeof(id), "%.*s", (int)(len - 4), name);
			if (quarantine_id_valid(id))
				st = quarantine_status_of(q, id, status,
				                          sizeof(status));
		}
		if (st == EMG_OK &&
		    (status[0] == '\0' || strcmp(status, "deleted") == 0) &&
		    unlinkat(q->dir_fd, name, 0) == 0)
			(*removed)++;
	}
	closedir(d);
	if (st == EMG_OK && *removed > 0)
		(void)fsync(q->dir_fd);
	return st;
}

/* Count held and released entries whose file is gone. */
static emg_status_t
quarantine_recover_rows(emg_quarantine_t *q, uint64_t *missing)
{
	store_rows_t *r = NULL;
	bool row = true;

	emg_status_t st = store_query(q->store,
	                              "SELECT id FROM quarantine_entry"
	                              " WHERE status <> 'deleted'",
	                              NULL, 0, &r);
	for (unsigned n = 0; st == EMG_OK && n < QUARANTINE_MAX_FILES &&
	                     (st = store_next(r, &row)) == EMG_OK && row;
	     n++) {
		const char *id = store_text(r, 0);
		char name[QUARANTINE_NAME_MAX];
		struct stat sb;
		if (!quarantine_id_valid(id) ||
		    fstatat(q->dir_fd,
		            quarantine_file(name, sizeof(name), id, false), &sb,
		            AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			(*missing)++;
	}
	store_rows_free(r);
	return st == EMG_OK ? st : quarantine_store_fail(q, st, "recover");
}

emg_status_t
emg_quarantine_recover(emg_quarantine_t *q, uint64_t *removed,
                       uint64_t *missing)
{
	uint64_t gone = 0, lost = 0;

	if (removed != NULL)
		*removed = 0;
	if (missing != NULL)
		*missing = 0;
	if (q == NULL)
		return EMG_EINVAL;
	if (q->bytes_in_db)
		return EMG_OK;
	emg_status_t st = quarantine_lock_alone(q);
	if (st != EMG_OK)
		return st;
	st = quarantine_recover_files(q, &gone);
	if (st == EMG_OK)
		st = quarantine_recover_rows(q, &lost);
	flock(q->dir_fd, LOCK_UN);
	if (removed != NULL)
		*removed = gone;
	if (missing != NULL)
		*missing = lost;
	return st;
}
