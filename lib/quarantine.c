/*
 * quarantine.c - the quarantine store (quarantine.h): open and schema,
 * the durable put, get, read, status changes, audit lines, purge and the
 * recovery after a crash.  The list and the audit queries are in
 * quarantine_index.c.
 *
 * SQLite DataStore: the bytes of entry ID are the file QuarantineDir/
 * ID.eml and the index row is in the database.  A put writes
 * ".tmp-ID" (O_EXCL, 0600), fsyncs it, renames it to "ID.eml" (never over
 * an existing file), fsyncs the directory, and only then inserts the row
 * and its "store" audit line in one transaction on a connection with
 * synchronous=FULL; when that fails the file is unlinked again.  So a
 * crash at any point leaves at worst a file no row names, which
 * emg_quarantine_recover removes: the MTA was never told the message was
 * taken.  Rows are removed (delete, purge) before their files, for the
 * same reason.  Puts hold a shared flock on QuarantineDir itself and
 * recover holds it alone, so that recover never takes the file of a put
 * in flight for an orphan (a lock on the directory needs no lock file
 * that the first user to open would own).
 *
 * PostgreSQL DataStore: the bytes are in the row (BYTEA), and an entry is
 * one transaction, durable on commit.  A lost connection is reset and the
 * transaction rerun once (as history.c does).
 *
 * Every text goes in as valid UTF-8, cut to a bound; ids are checked
 * against their exact form before they name a file.  The read side (get,
 * read, list, audit, purge, recover) is quarantine_index.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "config.h"
#include "message.h"
#include "owner.h"
#include "quarantine.h"
#include "report.h"
#include "text.h"

#define QUARANTINE_COMPONENT "quarantine"
#define QUARANTINE_VERSION 1
#define QUARANTINE_MAX_RCPTS 1000       /* recipients kept per entry */
#define QUARANTINE_MAX_HEADER (1 << 20) /* header block parsed for fields */
#define QUARANTINE_ID_TRIES 8           /* fresh ids after a clash */

/* ---- schema -------------------------------------------------------------- */

static const store_ddl_t quarantine_schema_v1[] = {
    {NULL, "CREATE TABLE IF NOT EXISTS quarantine_entry ("
           " id TEXT PRIMARY KEY,"
           " arrived BIGINT NOT NULL,"
           " status TEXT NOT NULL,"
           " mail_from TEXT NOT NULL,"
           " rcpts TEXT NOT NULL,"
           " client_ip TEXT NOT NULL,"
           " helo TEXT NOT NULL,"
           " from_header TEXT NOT NULL,"
           " subject TEXT NOT NULL,"
           " message_id TEXT NOT NULL,"
           " score TEXT NOT NULL,"
           " action TEXT NOT NULL,"
           " reason TEXT NOT NULL,"
           " symbols TEXT NOT NULL,"
           " report_json TEXT NOT NULL,"
           " host TEXT NOT NULL,"
           " size BIGINT NOT NULL,"
           " sha256 TEXT NOT NULL,"
           " bytes BYTEA)"},
    {NULL, "CREATE INDEX IF NOT EXISTS quarantine_entry_arrived"
           " ON quarantine_entry (arrived)"},
    {NULL, "CREATE INDEX IF NOT EXISTS quarantine_entry_message_id"
           " ON quarantine_entry (message_id)"},
    {"sqlite", "CREATE TABLE IF NOT EXISTS quarantine_audit ("
               " seq INTEGER PRIMARY KEY,"
               " at BIGINT NOT NULL,"
               " id TEXT NOT NULL,"
               " actor TEXT NOT NULL,"
               " action TEXT NOT NULL,"
               " detail TEXT NOT NULL)"},
    {"postgresql", "CREATE TABLE IF NOT EXISTS quarantine_audit ("
                   " seq BIGSERIAL PRIMARY KEY,"
                   " at BIGINT NOT NULL,"
                   " id TEXT NOT NULL,"
                   " actor TEXT NOT NULL,"
                   " action TEXT NOT NULL,"
                   " detail TEXT NOT NULL)"},
    {NULL, "CREATE INDEX IF NOT EXISTS quarantine_audit_id"
           " ON quarantine_audit (id)"},
    {NULL, "CREATE TABLE IF NOT EXISTS quarantine_secret ("
           " name TEXT PRIMARY KEY,"
           " value TEXT NOT NULL)"},
    {NULL, "CREATE TABLE IF NOT EXISTS web_user ("
           " name TEXT PRIMARY KEY,"
           " hash TEXT NOT NULL,"
           " created BIGINT NOT NULL,"
           " changed BIGINT NOT NULL)"},
};

static const store_migration_t quarantine_migrations[QUARANTINE_VERSION] = {
    {quarantine_schema_v1,
     sizeof(quarantine_schema_v1) / sizeof(quarantine_schema_v1[0])},
};

emg_status_t
quarantine_fail(emg_quarantine_t *q, emg_status_t st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
	return st;
}

/* The store's reason for the failure of WHAT (EMG_EIO). */
emg_status_t
quarantine_store_fail(emg_quarantine_t *q, emg_status_t st, const char *what)
{
	if (st == EMG_ENOMEM)
		return quarantine_fail(q, st, "quarantine: out of memory");
	return quarantine_fail(q, EMG_EIO, "quarantine: %s: %s", what,
	                       store_error(q->store));
}

emg_status_t
quarantine_run(emg_quarantine_t *q,
               emg_status_t (*op)(emg_quarantine_t *, void *), void *arg)
{
	emg_status_t st = op(q, arg);

	if (st == EMG_EIO && store_lost(q->store)) {
		if (store_reconnect(q->store) == EMG_OK)
			st = op(q, arg);
		else
			quarantine_store_fail(q, st, "reconnect");
	}
	if (st == EMG_ENOMEM)
		quarantine_fail(q, st, "quarantine: out of memory");
	return st;
}

/* ---- open ---------------------------------------------------------------- */

static emg_status_t
quarantine_migrate(emg_quarantine_t *q)
{
	int64_t found = 0;
	emg_status_t st =
	    store_migrate(q->store, QUARANTINE_COMPONENT, quarantine_migrations,
	                  QUARANTINE_VERSION, &found);
	if (st == EMG_ECONFIG)
		return quarantine_fail(q, st,
		                       "quarantine: store schema version %lld "
		                       "is newer than this emguard's (%d)",
		                       (long long)found, QUARANTINE_VERSION);
	return st == EMG_OK ? st : quarantine_store_fail(q, st, "schema");
}

/* QuarantineDir for the SQLite backend: made 0700 when missing, opened
 * for the *at calls, fsync and flock. */
static emg_status_t
quarantine_open_dir(emg_quarantine_t *q, const char *dir)
{
	if (dir == NULL || *dir == '\0')
		return quarantine_fail(q, EMG_ECONFIG,
		                       "QuarantineDir: not set (needed with a "
		                       "SQLite DataStore)");
	if ((q->dir = strdup(dir)) == NULL)
		return EMG_ENOMEM;
	if (mkdir(dir, 0700) == 0) {
		if (owner_follow_parent(dir) != 0) /* made as root */
			return quarantine_fail(q, EMG_EIO,
			                       "QuarantineDir %s: chown: %s", dir,
			                       strerror(errno));
	} else if (errno != EEXIST) {
		return quarantine_fail(q, EMG_EIO, "QuarantineDir %s: %s", dir,
		                       strerror(errno));
	}
	q->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->dir_fd < 0)
		return quarantine_fail(q, EMG_EIO, "QuarantineDir %s: %s", dir,
		                       strerror(errno));
	return EMG_OK;
}

/* The backend's side of an open: where the bytes go, and for SQLite a
 * connection that syncs every commit (the history's may not). */
static emg_status_t
quarantine_open_backend(emg_quarantine_t *q, const emg_config_t *cfg)
{
	if (strcmp(store_backend(q->store), "sqlite") != 0) {
		q->bytes_in_db = true;
		return EMG_OK;
	}
	emg_status_t st = quarantine_open_dir(q, cfg->quarantine_dir);
	if (st == EMG_OK &&
	    (st = store_exec(q->store, "PRAGMA synchronous=FULL", NULL, 0,
	                     NULL)) != EMG_OK)
		st = quarantine_store_fail(q, st, "synchronous=FULL");
	return st;
}

emg_status_t
emg_quarantine_open(const emg_config_t *cfg, emg_quarantine_t **out, char *err,
                    size_t errlen)
{
	if (out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	if (cfg == NULL)
		return EMG_EINVAL;
	if (cfg->data_store == NULL || cfg->data_store[0] == '\0') {
		snprintf(err, errlen, "no DataStore configured");
		return EMG_ECONFIG;
	}
	emg_quarantine_t *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return EMG_ENOMEM;
	q->dir_fd = -1;
	q->limits = cfg->limits;
	if (gethostname(q->host, sizeof(q->host) - 1) != 0 || !q->host[0] ||
	    !text_valid_utf8(q->host, strlen(q->host)))
		snprintf(q->host, sizeof(q->host), "localhost");
	emg_status_t st =
	    store_open(cfg->data_store, STORE_CREATE, &q->store, err, errlen);
	if (st != EMG_OK) {
		free(q);
		return st;
	}
	st = quarantine_open_backend(q, cfg);
	int64_t version = 0;
	if (st == EMG_OK &&
	    (store_schema_version(q->store, QUARANTINE_COMPONENT, false,
	                          &version) != EMG_OK ||
	     version != QUARANTINE_VERSION))
		st = quarantine_migrate(q);
	if (st != EMG_OK) {
		snprintf(err, errlen, "%s", q->err);
		emg_quarantine_close(q);
		return st;
	}
	*out = q;
	return EMG_OK;
}

void
emg_quarantine_close(emg_quarantine_t *q)
{
	if (q == NULL)
		return;
	store_close(q->store);
	if (q->dir_fd >= 0)
		close(q->dir_fd);
	free(q->dir);
	free(q);
}

const char *
emg_quarantine_error(const emg_quarantine_t *q)
{
	return q != NULL ? q->err : "no quarantine handle";
}

const char *
emg_quarantine_backend(const emg_quarantine_t *q)
{
	return q != NULL ? store_backend(q->store) : "none";
}

const char *
emg_qstatus_name(emg_qstatus_t status)
{
	switch (status) {
	case EMG_QSTATUS_HELD: return "held";
	case EMG_QSTATUS_RELEASED: return "released";
	case EMG_QSTATUS_DELETED: return "deleted";
	}
	return "unknown";
}

unsigned
emg_quarantine_retention_days(const emg_config_t *cfg)
{
	return cfg != NULL ? cfg->quarantine_retention_days : 30;
}

/* ---- small pieces -------------------------------------------------------- */

/* True for the exact form of an id: "YYYYMMDD-" and 12 lower-case hex
 * digits.  Nothing else ever names a file. */
bool
quarantine_id_valid(const char *id)
{
	if (id == NULL)
		return false;
	for (size_t i = 0; i < 21; i++) {
		char c = id[i];
		bool ok =
		    i < 8    ? c >= '0' && c <= '9'
		    : i == 8 ? c == '-'
		             : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		if (!ok)
			return false;
	}
	return id[21] == '\0';
}

emg_status_t
quarantine_bad_id(emg_quarantine_t *q, const char *id)
{
	return quarantine_fail(q, EMG_EINVAL, "quarantine: no entry %.40s",
	                       id != NULL ? id : "(null)");
}

/* A fresh id for a message that arrived at ARRIVED. */
static emg_status_t
quarantine_new_id(int64_t arrived, char id[EMG_QID_MAX])
{
	unsigned char r[6];
	struct tm tm;
	time_t t = (time_t)arrived;

	if (RAND_bytes(r, sizeof(r)) != 1 || gmtime_r(&t, &tm) == NULL)
		return EMG_EDEP;
	/* Four digits of year whatever the clock says: the form is fixed. */
	snprintf(id, EMG_QID_MAX, "%04u%02u%02u-%02x%02x%02x%02x%02x%02x",
	         (unsigned)(tm.tm_year + 1900) % 10000u,
	         (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
	         r[0], r[1], r[2], r[3], r[4], r[5]);
	return EMG_OK;
}

/* SHA-256 of LEN bytes at DATA as lower-case hex. */
bool
quarantine_sha256(const void *data, size_t len, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	hex[0] = '\0';
	if (EVP_Digest(len > 0 ? data : "", len, md, &mdlen, EVP_sha256(),
	               NULL) != 1 ||
	    mdlen != 32)
		return false;
	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	return true;
}

/* A copy of S (NULL: "") as valid UTF-8, cut to MAX bytes on a character
 * boundary. */
static char *
quarantine_text(const char *s, size_t max)
{
	if (s == NULL)
		s = "";
	size_t len = strnlen(s, max + 1);
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	return text_utf8_repair(s, len);
}

/* "ID.eml" or ".tmp-ID" into BUF. */
const char *
quarantine_file(char *buf, size_t len, const char *id, bool tmp)
{
	snprintf(buf, len, tmp ? ".tmp-%s" : "%s.eml", id);
	return buf;
}

/* Unlink NAME in QuarantineDir and make that durable; a missing file is
 * fine. */
void
quarantine_unlink(emg_quarantine_t *q, const char *name)
{
	if (unlinkat(q->dir_fd, name, 0) == 0)
		(void)fsync(q->dir_fd);
}

/* One audit line inside the caller's transaction. */
static emg_status_t
quarantine_audit_insert(emg_quarantine_t *q, int64_t at, const char *id,
                        const char *actor, const char *action,
                        const char *detail)
{
	store_param_t p[] = {STORE_P_INT(at), STORE_P_TEXT(id),
	                     STORE_P_TEXT(actor), STORE_P_TEXT(action),
	                     STORE_P_TEXT(detail)};
	return store_exec(q->store,
	                  "INSERT INTO quarantine_audit (at, id, actor, action,"
	                  " detail) VALUES ($1, $2, $3, $4, $5)",
	                  p, 5, NULL);
}

/* ---- what a put stores --------------------------------------------------- */

typedef struct quarantine_meta {
	const void *data;
	size_t size;
	int64_t arrived;
	char *mail_from, *rcpts, *client_ip, *helo;
	char *from_header, *subject, *message_id;
	char score[32];
	const char *action;
	char *reason, *symbols, *report_json, *actor;
	char sha256[65];
	char id[EMG_QID_MAX];
	bool rerun; /* a lost connection: the first try may have committed */
} quarantine_meta_t;

static void
quarantine_meta_free(quarantine_meta_t *m)
{
	char *own[] = {m->mail_from,   m->rcpts,       m->client_ip,  m->helo,
	               m->from_header, m->subject,     m->message_id, m->reason,
	               m->symbols,     m->report_json, m->actor};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		free(own[i]);
}

/* The envelope recipients, one a line (a line end inside one becomes a
 * blank: the lines are the list). */
static char *
quarantine_rcpts(const emg_envelope_t *env)
{
	size_t n = env != NULL && env->rcpts != NULL ? env->n_rcpts : 0;
	if (n > QUARANTINE_MAX_RCPTS)
		n = QUARANTINE_MAX_RCPTS;
	char *each[QUARANTINE_MAX_RCPTS];
	size_t need = 1, done = 0;
	char *out = NULL;

	for (; done < n; done++) {
		if ((each[done] = quarantine_text(
		         env->rcpts[done], QUARANTINE_MAX_FIELD)) == NULL)
			goto out;
		need += strlen(each[done]) + 1;
	}
	if ((out = malloc(need)) == NULL)
		goto out;
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		for (char *c = each[i]; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
		len +=
		    (size_t)sprintf(out + len, "%s%s", i ? "\n" : "", each[i]);
	}
	out[len] = '\0';
out:
	for (size_t i = 0; i < done; i++)
		free(each[i]);
	return out;
}

/* ",A,B,": each symbol of REPORT once, so that LIKE '%,A,%' is exact. */
static char *
quarantine_symbols(const emg_report_t *report)
{
	size_t n = report != NULL ? report->n_findings : 0, need = 2;

	for (size_t i = 0; i < n; i++)
		need += strlen(report->findings[i].symbol) + 1;
	char *out = malloc(need);
	if (out == NULL)
		return NULL;
	strcpy(out, n > 0 ? "," : "");
	size_t len = strlen(out);
	for (size_t i = 0; i < n; i++) {
		const char *sym = report->findings[i].symbol;
		size_t sl = strlen(sym);
		bool dup = false;
		for (const char *p = out; !dup && (p = strstr(p, sym)) != NULL;
		     p++)
			dup = p > out && p[-1] == ',' && p[sl] == ',';
		if (!dup && sl > 0)
			len += (size_t)sprintf(out + len, "%s,", sym);
	}
	return out;
}

/* A Message-ID without blanks and its angle brackets. */
static char *
quarantine_msgid(const char *raw)
{
	const char *s = raw != NULL ? raw : "";
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strnlen(s, QUARANTINE_MAX_FIELD);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
		s++, len -= 2;
	return text_utf8_repair(s, len);
}

/* From:, Subject: and Message-ID of the message, decoded: from the
 * report's parse when there is one, else from the header block alone. */
static emg_status_t
quarantine_meta_headers(emg_quarantine_t *q, const emg_report_t *report,
                        quarantine_meta_t *m)
{
	const emg_message_t *msg = report != NULL ? report->msg : NULL;
	emg_message_t *own = NULL;

	if (msg == NULL) {
		const char *p = m->data != NULL ? m->data : "";
		size_t hlen = m->data == NULL ? 0
		              : m->size < QUARANTINE_MAX_HEADER
		                  ? m->size
		                  : QUARANTINE_MAX_HEADER;
		const char *end = memmem(p, hlen, "\n\n", 2);
		const char *crlf = memmem(p, hlen, "\n\r\n", 3);
		if (crlf != NULL && (end == NULL || crlf < end))
			end = crlf;
		if (end != NULL)
			hlen = (size_t)(end - p) + 1;
		emg_status_t st =
		    message_parse(p, hlen, &q->limits, NULL, &own);
		if (st != EMG_OK)
			return st;
		msg = own;
	}
	const char *from = message_header(msg, "From");
	if (from == NULL && report != NULL)
		from = report->from;
	const char *subject = msg->subject;
	if (subject == NULL && report != NULL)
		subject = report->subject;
	m->from_header = quarantine_text(from, QUARANTINE_MAX_FIELD);
	m->subject = quarantine_text(subject, QUARANTINE_MAX_FIELD);
	m->message_id = quarantine_msgid(msg->message_id);
	message_free(own);
	return m->from_header && m->subject && m->message_id ? EMG_OK
	                                                     : EMG_ENOMEM;
}

static emg_status_t
quarantine_meta_init(emg_quarantine_t *q, quarantine_meta_t *m,
                     const emg_envelope_t *env, const emg_report_t *report,
                     const char *reason, const char *actor)
{
	m->arrived = (int64_t)time(NULL);
	m->mail_from =
	    quarantine_text(env ? env->mail_from : NULL, QUARANTINE_MAX_FIELD);
	m->rcpts = quarantine_rcpts(env);
	m->client_ip =
	    quarantine_text(env ? env->client_ip : NULL, QUARANTINE_MAX_FIELD);
	m->helo = quarantine_text(env ? env->helo : NULL, QUARANTINE_MAX_FIELD);
	m->reason = quarantine_text(reason, QUARANTINE_MAX_REASON);
	m->actor = quarantine_text(actor, QUARANTINE_MAX_FIELD);
	m->symbols = quarantine_symbols(report);
	m->action =
	    report != NULL ? emg_action_name(report->action) : "quarantine";
	snprintf(m->score, sizeof(m->score), "%.2f",
	         report != NULL ? report->score : 0.0);
	if (report != NULL) {
		if (emg_report_json(report, NULL, &m->report_json) != EMG_OK)
			return EMG_ENOMEM;
	} else if ((m->report_json = strdup("")) == NULL) {
		return EMG_ENOMEM;
	}
	if (!m->mail_from || !m->rcpts || !m->client_ip || !m->helo ||
	    !m->reason || !m->actor || !m->symbols)
		return EMG_ENOMEM;
	if (!quarantine_sha256(m->data, m->size, m->sha256))
		return quarantine_fail(q, EMG_EDEP, "quarantine: no SHA-256");
	return quarantine_meta_headers(q, report, m);
}

/* ---- put ----------------------------------------------------------------- */

/* Rename TMP to NAME in QuarantineDir unless NAME exists (EEXIST). */
static int
quarantine_rename(emg_quarantine_t *q, const char *tmp, const char *name)
{
	if (renameat2(q->dir_fd, tmp, q->dir_fd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE. */
	struct stat sb;
	if (fstatat(q->dir_fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(q->dir_fd, tmp, q->dir_fd, name);
}

/* Write all of M's bytes to FD; 0, or -1 with errno. */
static int
quarantine_write_all(int fd, const quarantine_meta_t *m)
{
	const char *p = m->data;
	size_t off = 0;

	while (off < m->size) {
		ssize_t w = write(fd, p + off, m->size - off);
		if (w > 0)
			off += (size_t)w;
		else if (w == 0)
			return errno = EIO, -1;
		else if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* Write M's bytes to "ID.eml" durably: temporary file, fsync, rename,
 * directory fsync.  *CLASH when the id's file already exists. */
static emg_status_t
quarantine_file_put(emg_quarantine_t *q, const quarantine_meta_t *m,
                    bool *clash)
{
	char tmp[QUARANTINE_NAME_MAX], name[QUARANTINE_NAME_MAX];
	const char *what = "create";

	quarantine_file(tmp, sizeof(tmp), m->id, true);
	quarantine_file(name, sizeof(name), m->id, false);
	int fd =
	    openat(q->dir_fd, tmp,
	           O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	int e = fd < 0 ? errno : 0;
	if (fd >= 0) {
		/* as root (quarantine import): the milter's, like the dir */
		if (owner_follow_dir(fd, q->dir_fd) != 0)
			e = errno, what = "chown";
		else if (quarantine_write_all(fd, m) != 0)
			e = errno, what = "write";
		else if (fsync(fd) != 0)
			e = errno, what = "fsync";
		if (close(fd) != 0 && e == 0)
			e = errno, what = "close";
		if (e == 0 && quarantine_rename(q, tmp, name) != 0)
			e = errno, what = "rename";
		if (e != 0)
			unlinkat(q->dir_fd, tmp, 0);
	}
	if (e == 0 && fsync(q->dir_fd) != 0) {
		e = errno, what = "fsync of the directory";
		quarantine_unlink(q, name);
	}
	if (e == 0)
		return EMG_OK;
	*clash = e == EEXIST;
	return quarantine_fail(q, EMG_EIO, "quarantine: %s %s/%s: %s", what,
	                       q->dir, name, strerror(e));
}

/* True when entry M->id exists with M's bytes: the commit of a first try
 * that lost its connection went through. */
static bool
quarantine_put_was_ours(emg_quarantine_t *q, const quarantine_meta_t *m)
{
	store_param_t p[] = {STORE_P_TEXT(m->id)};
	store_rows_t *r = NULL;
	bool row = false, ours = false;

	if (store_query(q->store,
	                "SELECT sha256, arrived FROM quarantine_entry"
	                " WHERE id = $1",
	                p, 1, &r) == EMG_OK &&
	    store_next(r, &row) == EMG_OK && row)
		ours = store_text(r, 0) != NULL &&
		       strcmp(store_text(r, 0), m->sha256) == 0 &&
		       store_int(r, 1) == m->arrived;
	store_rows_free(r);
	return ours;
}

/* The index row and its "store" line in one transaction.  EMG_EINVAL
 * (nothing written) when the id is taken. */
static emg_status_t
quarantine_put_op(emg_quarantine_t *q, void *arg)
{
	quarantine_meta_t *m = arg;
	uint64_t changes = 0;
	store_param_t p[] = {
	    STORE_P_TEXT(m->id),
	    STORE_P_INT(m->arrived),
	    STORE_P_TEXT(m->mail_from),
	    STORE_P_TEXT(m->rcpts),
	    STORE_P_TEXT(m->client_ip),
	    STORE_P_TEXT(m->helo),
	    STORE_P_TEXT(m->from_header),
	    STORE_P_TEXT(m->subject),
	    STORE_P_TEXT(m->message_id),
	    STORE_P_TEXT(m->score),
	    STORE_P_TEXT(m->action),
	    STORE_P_TEXT(m->reason),
	    STORE_P_TEXT(m->symbols),
	    STORE_P_TEXT(m->report_json),
	    STORE_P_TEXT(q->host),
	    STORE_P_INT((int64_t)m->size),
	    STORE_P_TEXT(m->sha256),
	    q->bytes_in_db ? STORE_P_BLOB(m->data, m->size)
	                   : STORE_P_TEXT(NULL),
	};

	emg_status_t st = store_begin(q->store, false);
	if (st == EMG_OK)
		st = store_exec(
		    q->store,
		    "INSERT INTO quarantine_entry (id, arrived, status,"
		    " mail_from, rcpts, client_ip, helo, from_header, subject,"
		    " message_id, score, action, reason, symbols, report_json,"
		    " host, size, sha256, bytes) VALUES ($1, $2, 'held', $3,"
		    " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
		    " $16, $17, $18) ON CONFLICT (id) DO NOTHING",
		    p, sizeof(p) / sizeof(p[0]), &changes);
	if (st == EMG_OK && changes == 0) {
		bool ours = m->rerun && quarantine_put_was_ours(q, m);
		store_rollback(q->store);
		return ours ? EMG_OK : EMG_EINVAL;
	}
	if (st == EMG_OK)
		st = quarantine_audit_insert(q, m->arrived, m->id, m->actor,
		                             "store", m->reason);
	if (st == EMG_OK)
		st = store_commit(q->store);
	m->rerun = true;
	if (st == EMG_OK)
		return EMG_OK;
	store_rollback(q->store);
	return quarantine_store_fail(q, st, "store");
}

/* One try at storing M under a fresh id: file (SQLite) then row.
 * EMG_EINVAL when the id was taken (try another). */
static emg_status_t
quarantine_put_try(emg_quarantine_t *q, quarantine_meta_t *m)
{
	emg_status_t st = quarantine_new_id(m->arrived, m->id);
	if (st != EMG_OK)
		return quarantine_fail(q, st, "quarantine: no random bytes");
	m->rerun = false;
	if (q->bytes_in_db)
		return quarantine_run(q, quarantine_put_op, m);
	bool clash = false;
	if ((st = quarantine_file_put(q, m, &clash)) != EMG_OK)
		return clash ? EMG_EINVAL : st;
	st = quarantine_run(q, quarantine_put_op, m);
	if (st != EMG_OK) {
		char name[QUARANTINE_NAME_MAX];
		quarantine_unlink(
		    q, quarantine_file(name, sizeof(name), m->id, false));
	}
	return st;
}

emg_status_t
emg_quarantine_put(emg_quarantine_t *q, const void *data, size_t len,
                   const emg_envelope_t *env, const emg_report_t *report,
                   const char *reason, const char *actor, char id[EMG_QID_MAX])
{
	if (q == NULL || id == NULL || (data == NULL && len > 0))
		return EMG_EINVAL;
	id[0] = '\0';
	if (len > QUARANTINE_MAX_SIZE)
		return quarantine_fail(q, EMG_EINVAL,
		                       "quarantine: message of %zu bytes is "
		                       "too large to store",
		                       len);
	quarantine_meta_t m = {.data = data, .size = len};
	emg_status_t st =
	    quarantine_meta_init(q, &m, env, report, reason, actor);
	if (st == EMG_ENOMEM)
		quarantine_fail(q, st, "quarantine: out of memory");
	q->resent = false;
	if (st == EMG_OK) {
		quarantine_resend_t again = {
		    .data = data,
		    .size = len,
		    .arrived = m.arrived,
		    .message_id = m.message_id,
		    .mail_from = m.mail_from,
		    .rcpts = m.rcpts,
		    .client_ip = m.client_ip,
		    .actor = m.actor,
		};
		st = quarantine_resend_find(q, &again, id, &q->resent);
		if (st == EMG_OK && q->resent) {
			quarantine_meta_free(&m);
			return EMG_OK;
		}
	}
	/* Recover waits while a put has a file that no row names yet. */
	if (st == EMG_OK && q->dir_fd >= 0 && flock(q->dir_fd, LOCK_SH) != 0)
		st = quarantine_fail(q, EMG_EIO, "quarantine: lock %s: %s",
		                     q->dir, strerror(errno));
	/* A clash of 48 random bits is next to impossible; still, bounded. */
	emg_status_t tried = EMG_EINVAL;
	for (int i = 0;
	     st == EMG_OK && tried == EMG_EINVAL && i < QUARANTINE_ID_TRIES;
	     i++)
		tried = quarantine_put_try(q, &m);
	if (st == EMG_OK && tried == EMG_EINVAL)
		st = quarantine_fail(q, EMG_EIO,
		                     "quarantine: no free id after %d tries",
		                     QUARANTINE_ID_TRIES);
	else if (st == EMG_OK)
		st = tried;
	if (q->dir_fd >= 0)
		flock(q->dir_fd, LOCK_UN);
	if (st == EMG_OK)
		memcpy(id, m.id, EMG_QID_MAX);
	quarantine_meta_free(&m);
	return st;
}

bool
emg_quarantine_put_resent(const emg_quarantine_t *q)
{
	return q != NULL && q->resent;
}

/* ---- status and audit ---------------------------------------------------- */

/* The status of entry ID into STATUS ("" when there is no row). */
emg_status_t
quarantine_status_of(emg_quarantine_t *q, const char *id, char *status,
                     size_t len)
{
	store_param_t p[] = {STORE_P_TEXT(id)};
	store_rows_t *r = NULL;
	bool row = false;

	status[0] = '\0';
	emg_status_t st = store_query(
	    q->store, "SELECT status FROM quarantine_entry WHERE id = $1", p, 1,
	    &r);
	if (st == EMG_OK && (st = store_next(r, &row)) == EMG_OK && row)
		snprintf(status, len, "%s",
		         store_text(r, 0) ? store_text(r, 0) : "");
	store_rows_free(r);
	return st == EMG_OK ? st : quarantine_store_fail(q, st, "status");
}

typedef struct quarantine_status_arg {
	const char *id, *status, *action, *actor, *detail;
} quarantine_status_arg_t;

static emg_status_t
quarantine_status_op(emg_quarantine_t *q, void *arg)
{
	quarantine_status_arg_t *a = arg;
	store_param_t p[] = {STORE_P_TEXT(a->id), STORE_P_TEXT(a->status)};
	uint64_t changes = 0;

	emg_status_t st = store_begin(q->store, false);
	/* A deleted entry's bytes go with the change (PostgreSQL). */
	if (st == EMG_OK)
		st = store_exec(q->store,
		                "UPDATE quarantine_entry SET status = $2,"
		                " bytes = CASE WHEN $2 = 'deleted' THEN NULL"
		                " ELSE bytes END"
		                " WHERE id = $1 AND status <> 'deleted'",
		                p, 2, &changes);
	if (st == EMG_OK && changes == 0) {
		char was[16];
		st = quarantine_status_of(q, a->id, was, sizeof(was));
		store_rollback(q->store);
		if (st != EMG_OK)
			return st;
		return was[0] ? quarantine_fail(q, EMG_EINVAL,
		                                "quarantine: %s was deleted",
		                                a->id)
		              : quarantine_bad_id(q, a->id);
	}
	if (st == EMG_OK)
		st = quarantine_audit_insert(q, (int64_t)time(NULL), a->id,
		                             a->actor, a->action, a->detail);
	if (st == EMG_OK)
		st = store_commit(q->store);
	if (st == EMG_OK)
		return EMG_OK;
	store_rollback(q->store);
	return quarantine_store_fail(q, st, "status");
}

emg_status_t
emg_quarantine_set_status(emg_quarantine_t *q, const char *id,
                          emg_qstatus_t status, const char *actor,
                          const char *detail)
{
	if (q == NULL)
		return EMG_EINVAL;
	if (status != EMG_QSTATUS_RELEASED && status != EMG_QSTATUS_DELETED)
		return quarantine_fail(q, EMG_EINVAL,
		                       "quarantine: an entry can only be "
		                       "released or deleted");
	if (!quarantine_id_valid(id))
		return quarantine_bad_id(q, id);
	char *who = quarantine_text(actor, QUARANTINE_MAX_FIELD);
	char *why = quarantine_text(detail, QUARANTINE_MAX_REASON);
	quarantine_status_arg_t a = {
	    .id = id,
	    .status = emg_qstatus_name(status),
	    .action = status == EMG_QSTATUS_DELETED ? "delete" : "release",
	    .actor = who,
	    .detail = why,
	};
	emg_status_t st = who && why
	                      ? quarantine_run(q, quarantine_status_op, &a)
	                      : quarantine_fail(q, EMG_ENOMEM,
	                                        "quarantine: out of "
	                                        "memory");
	free(who);
	free(why);
	/* The row says deleted: the file goes now; if that fails, recover
	 * removes it later (a file whose row is deleted). */
	if (st == EMG_OK && status == EMG_QSTATUS_DELETED && q->dir_fd >= 0) {
		char name[QUARANTINE_NAME_MAX];
		quarantine_unlink(
		    q, quarantine_file(name, sizeof(name), id, false));
	}
	return st;
}

typedef struct quarantine_line_arg {
	const char *id, *actor, *action, *detail;
} quarantine_line_arg_t;

static emg_status_t
quarantine_line_op(emg_quarantine_t *q, void *arg)
{
	quarantine_line_arg_t *a = arg;
	emg_status_t st = quarantine_audit_insert(
	    q, (int64_t)time(NULL), a->id, a->actor, a->action, a->detail);
	return st == EMG_OK ? st : quarantine_store_fail(q, st, "audit");
}

/* Add one audit line, its texts made valid and bounded. */
emg_status_t
quarantine_line(emg_quarantine_t *q, const char *id, const char *actor,
                const char *action, const char *detail)
{
	quarantine_line_arg_t a = {
	    .id = quarantine_text(id, QUARANTINE_MAX_FIELD),
	    .actor = quarantine_text(actor, QUARANTINE_MAX_FIELD),
	    .action = quarantine_text(action, QUARANTINE_MAX_FIELD),
	    .detail = quarantine_text(detail, QUARANTINE_MAX_REASON),
	};
	emg_status_t st =
	    a.id && a.actor && a.action && a.detail
	        ? quarantine_run(q, quarantine_line_op, &a)
	        : quarantine_fail(q, EMG_ENOMEM, "quarantine: out of memory");
	free((char *)a.id);
	free((char *)a.actor);
	free((char *)a.action);
	free((char *)a.detail);
	return st;
}

emg_status_t
emg_quarantine_audit_add(emg_quarantine_t *q, const char *id, const char *actor,
                         const char *action, const char *detail)
{
	if (q == NULL || id == NULL || action == NULL || *action == '\0')
		return EMG_EINVAL;
	return quarantine_line(q, id, actor, action, detail);
}
