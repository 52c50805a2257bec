/*
 * history.c - the correspondence history (history.h) on a DataStore
 * (store.h): its schema, its migrations, normalisation, records, batches
 * and pruning, the same on SQLite and PostgreSQL.  The lookups (the read
 * side) are in history_lookup.c.
 *
 * Schema "history", version 1:
 *   messages(message_id PK, direction 1 out / 0 in, from_addr, from_name,
 *            subject, date, recorded)           index on date (pruning)
 *   message_rcpts(message_id -> messages, address)   PK (message_id, address)
 *   message_refs(message_id -> messages, ref_id)     PK (message_id, ref_id)
 *   correspondents(address PK, first_seen, last_seen, sent_to, received)
 *   names(name_key, address, display, first_seen, last_seen)
 *            PK (name_key, address), index on address
 *   domains(domain PK, first_seen, last_seen): every suffix of two labels
 *            or more of each correspondent's domain, so that "do we know
 *            org domain X" is one exact look-up whatever the caller's PSL
 *   history_stats(id = 1, messages): the message count, kept in step by
 *            every record and prune so that history_count costs nothing
 * Children go with their message (ON DELETE CASCADE).  The schema is made
 * or migrated under store_begin(s, true); an open of a current store takes
 * no lock.  Counts (sent_to, received) are totals since the address was
 * first seen; pruning removes rows, it does not lower counts of the rows
 * that stay.
 *
 * Every text goes in as valid UTF-8 (PostgreSQL refuses anything else),
 * bounded; a record that is too large is cut (first HISTORY_MAX_RCPTS
 * recipients, first HISTORY_MAX_REFS references), never refused.  A
 * PostgreSQL connection that broke is reset and the call rerun once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define HISTORY_INTERNAL
#include "history.h"
#include "store.h"
#include "text.h"

#define HISTORY_COMPONENT "history"
#define HISTORY_VERSION 1
#define HISTORY_MAX_ID 998       /* RFC 5322 line length */
#define HISTORY_MAX_TEXT 998     /* subject, display name as written */
#define HISTORY_MAX_NAMEKEY 1024 /* a normalised display name */
#define HISTORY_MAX_LABELS 16    /* domain suffixes recorded per domain */

/* ---- schema ---------------------------------------------------------------
 * Each version's statements, applied in order inside one transaction. */

static const char *const history_schema_v1[] = {
    "CREATE TABLE IF NOT EXISTS messages ("
    " message_id TEXT PRIMARY KEY,"
    " direction SMALLINT NOT NULL,"
    " from_addr TEXT NOT NULL,"
    " from_name TEXT,"
    " subject TEXT,"
    " date BIGINT NOT NULL,"
    " recorded BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS messages_date ON messages (date)",
    "CREATE TABLE IF NOT EXISTS message_rcpts ("
    " message_id TEXT NOT NULL"
    "  REFERENCES messages (message_id) ON DELETE CASCADE,"
    " address TEXT NOT NULL,"
    " PRIMARY KEY (message_id, address))",
    "CREATE TABLE IF NOT EXISTS message_refs ("
    " message_id TEXT NOT NULL"
    "  REFERENCES messages (message_id) ON DELETE CASCADE,"
    " ref_id TEXT NOT NULL,"
    " PRIMARY KEY (message_id, ref_id))",
    "CREATE TABLE IF NOT EXISTS correspondents ("
    " address TEXT PRIMARY KEY,"
    " first_seen BIGINT NOT NULL,"
    " last_seen BIGINT NOT NULL,"
    " sent_to BIGINT NOT NULL DEFAULT 0,"
    " received BIGINT NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS correspondents_last ON correspondents"
    " (last_seen)",
    "CREATE TABLE IF NOT EXISTS names ("
    " name_key TEXT NOT NULL,"
    " address TEXT NOT NULL,"
    " display TEXT NOT NULL,"
    " first_seen BIGINT NOT NULL,"
    " last_seen BIGINT NOT NULL,"
    " PRIMARY KEY (name_key, address))",
    "CREATE INDEX IF NOT EXISTS names_address ON names (address)",
    "CREATE TABLE IF NOT EXISTS domains ("
    " domain TEXT PRIMARY KEY,"
    " first_seen BIGINT NOT NULL,"
    " last_seen BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS history_stats ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " messages BIGINT NOT NULL)",
    "INSERT INTO history_stats (id, messages) VALUES (1, 0)"
    " ON CONFLICT (id) DO NOTHING",
};

static const struct {
	const char *const *sql;
	size_t n;
} history_migrations[HISTORY_VERSION] = {
    {history_schema_v1,
     sizeof(history_schema_v1) / sizeof(history_schema_v1[0])},
};

emg_status_t
history_fail(history_t *h, const char *what)
{
	snprintf(h->err, sizeof(h->err), "history: %s: %s", what,
	         store_error(h->store));
	return EMG_EIO;
}

/* Bring the schema from its stored version to HISTORY_VERSION, serialised
 * against every other process doing the same. */
static emg_status_t
history_migrate(history_t *h)
{
	int64_t version = 0;

	emg_status_t st = store_begin(h->store, true);
	if (st == EMG_OK)
		st = store_schema_version(h->store, HISTORY_COMPONENT, true,
		                          &version);
	for (int64_t v = version; st == EMG_OK && v < HISTORY_VERSION; v++) {
		for (size_t i = 0; st == EMG_OK && i < history_migrations[v].n;
		     i++)
			st = store_exec(h->store, history_migrations[v].sql[i],
			                NULL, 0, NULL);
	}
	if (st == EMG_OK && version < HISTORY_VERSION)
		st = store_set_schema_version(h->store, HISTORY_COMPONENT,
		                              HISTORY_VERSION);
	if (st == EMG_OK && version > HISTORY_VERSION) {
		store_rollback(h->store);
		snprintf(h->err, sizeof(h->err),
		         "history: store schema version %lld is newer than "
		         "this emguard's (%d)",
		         (long long)version, HISTORY_VERSION);
		return EMG_ECONFIG;
	}
	if (st == EMG_OK)
		return store_commit(h->store) == EMG_OK
		           ? EMG_OK
		           : history_fail(h, "schema");
	if (st != EMG_ENOMEM)
		st = history_fail(h, "schema");
	store_rollback(h->store);
	return st;
}

/* Open DSN in MODE; the schema is checked without a lock first, as every
 * milter thread opens its own handle and the store is almost always
 * current. */
static emg_status_t
history_open_mode(const char *dsn, store_mode_t mode, history_t **out,
                  char *err, size_t errlen)
{
	if (out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	if (dsn == NULL) {
		snprintf(err, errlen, "DataStore: not set");
		return EMG_ECONFIG;
	}
	history_t *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return EMG_ENOMEM;
	emg_status_t st = store_open(dsn, mode, &h->store, err, errlen);
	if (st != EMG_OK) {
		free(h);
		return st;
	}
	int64_t version = 0;
	if (store_schema_version(h->store, HISTORY_COMPONENT, false,
	                         &version) != EMG_OK ||
	    version != HISTORY_VERSION)
		st = history_migrate(h);
	if (st != EMG_OK) {
		snprintf(err, errlen, "%s", h->err);
		history_close(h);
		return st;
	}
	*out = h;
	return EMG_OK;
}

emg_status_t
history_open(const char *dsn, history_t **out, char *err, size_t errlen)
{
	return history_open_mode(dsn, STORE_CREATE, out, err, errlen);
}

emg_status_t
history_open_existing(const char *dsn, history_t **out, char *err,
                      size_t errlen)
{
	return history_open_mode(dsn, STORE_EXISTING, out, err, errlen);
}

void
history_close(history_t *h)
{
	if (h == NULL)
		return;
	if (h->batch)
		store_rollback(h->store);
	store_close(h->store);
	free(h);
}

const char *
history_error(const history_t *h)
{
	return h != NULL ? h->err : "history: no handle";
}

const char *
history_backend(const history_t *h)
{
	return store_backend(h->store);
}

/* Run OP once more after a broken connection was reset (never inside a
 * batch: its earlier records went with the connection). */
emg_status_t
history_run(history_t *h, emg_status_t (*op)(history_t *, void *), void *arg)
{
	emg_status_t st = op(h, arg);

	if (st == EMG_EIO && !h->batch && store_lost(h->store)) {
		if (store_reconnect(h->store) == EMG_OK)
			st = op(h, arg);
		else
			history_fail(h, "reconnect");
	}
	return st;
}

/* ---- normalisation -------------------------------------------------------- */

/* Cut LEN bytes of UTF-8 back to at most MAX, on a character boundary. */
static size_t
history_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

/* S with blanks and, when BRACKETS, one pair of <> around it removed,
 * ASCII-lowercased when LOWER, valid UTF-8, at most MAX bytes.  *OUT is
 * NULL when nothing is left or S is longer than MAX (a key that long is
 * not a real Message-ID or address). */
emg_status_t
history_norm_key(const char *s, bool brackets, bool lower, size_t max,
                 char **out)
{
	*out = NULL;
	if (s == NULL)
		return EMG_OK;
	size_t len = strlen(s);
	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	                   s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (brackets && len >= 2 && s[0] == '<' && s[len - 1] == '>')
		s++, len -= 2;
	if (len == 0 || len > max)
		return EMG_OK;
	char *k = text_utf8_repair(s, len);
	if (k == NULL)
		return EMG_ENOMEM;
	for (char *p = k; lower && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	*out = k;
	return EMG_OK;
}

emg_status_t
history_norm_id(const char *s, char **out)
{
	return history_norm_key(s, true, false, HISTORY_MAX_ID, out);
}

emg_status_t
history_norm_addr(const char *s, char **out)
{
	emg_status_t st = history_norm_key(s, true, true, HISTORY_MAX_ADDR, out);
	/* An address has an @ with something on both sides. */
	if (st == EMG_OK && *out != NULL) {
		const char *at = strrchr(*out, '@');
		if (at == NULL || at == *out || at[1] == '\0') {
			free(*out);
			*out = NULL;
		}
	}
	return st;
}

/* A subject or a display name as written: trimmed, valid UTF-8, cut to
 * HISTORY_MAX_TEXT bytes. */
static emg_status_t
history_norm_text(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return EMG_OK;
	while (*s == ' ' || *s == '\t' || *s == '"')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	                   s[len - 1] == '"'))
		len--;
	if (len == 0)
		return EMG_OK;
	len = history_cut(s, len, HISTORY_MAX_TEXT);
	*out = text_utf8_repair(s, len);
	return *out != NULL ? EMG_OK : EMG_ENOMEM;
}

/* The matching key of a display name: NFKC with case folding (ICU's
 * NFKC_Casefold), then without white space and quotes, so that "ＴＡＲＯ
 * Yamada", "taro  yamada" and "山田 太郎" / "山田太郎" meet.  *OUT is NULL for
 * a name that is empty after that. */
emg_status_t
history_name_key(const char *name, char **out)
{
	UErrorCode ue = U_ZERO_ERROR;
	UChar src[HISTORY_MAX_TEXT + 1], dst[4 * HISTORY_MAX_TEXT];
	int32_t slen = 0;

	*out = NULL;
	char *text = NULL;
	emg_status_t st = history_norm_text(name, &text);
	if (st != EMG_OK || text == NULL)
		return st;
	/* One UTF-8 byte never makes more than one UTF-16 unit. */
	u_strFromUTF8WithSub(src, HISTORY_MAX_TEXT + 1, &slen, text, -1,
	                     0xFFFD, NULL, &ue);
	free(text);
	const UNormalizer2 *fold = unorm2_getNFKCCasefoldInstance(&ue);
	int32_t dlen = U_SUCCESS(ue) ? unorm2_normalize(fold, src, slen, dst,
	                                                (int32_t)(sizeof(dst) /
	                                                          sizeof(dst[0])),
	                                                &ue)
	                             : 0;
	if (U_FAILURE(ue))
		return EMG_OK; /* a name beyond folding is not matched */
	int32_t n = 0;
	for (int32_t i = 0; i < dlen; i++)
		if (!u_isUWhiteSpace(dst[i]) && dst[i] != '"' &&
		    dst[i] != '\'')
			dst[n++] = dst[i];
	if (n == 0)
		return EMG_OK;
	char buf[HISTORY_MAX_NAMEKEY + 1];
	int32_t blen = 0;
	u_strToUTF8WithSub(buf, HISTORY_MAX_NAMEKEY, &blen, dst, n, 0xFFFD,
	                   NULL, &ue);
	if (U_FAILURE(ue) || blen <= 0)
		return EMG_OK;
	buf[blen] = '\0';
	*out = strdup(buf);
	return *out != NULL ? EMG_OK : EMG_ENOMEM;
}

emg_status_t
history_name_normalise(const char *name, char **out)
{
	if (out == NULL)
		return EMG_EINVAL;
	return history_name_key(name, out);
}

/* ---- records ------------------------------------------------------------ */

/* A message normalised for storing: every string valid and bounded,
 * recipients sorted and unique (rows are then locked in one order by
 * every writer: no deadlock between two PostgreSQL writers). */
typedef struct history_rec {
	bool outbound;
	int64_t date, now;
	char *id, *from, *from_name, *from_key, *subject;
	char *rcpts[HISTORY_MAX_RCPTS];
	char *rcpt_names[HISTORY_MAX_RCPTS];
	char *rcpt_keys[HISTORY_MAX_RCPTS];
	size_t n_rcpts;
	char *refs[HISTORY_MAX_REFS];
	size_t n_refs;
	bool added;
} history_rec_t;

static void
history_rec_free(history_rec_t *r)
{
	free(r->id);
	free(r->from);
	free(r->from_name);
	free(r->from_key);
	free(r->subject);
	for (size_t i = 0; i < r->n_rcpts; i++) {
		free(r->rcpts[i]);
		free(r->rcpt_names[i]);
		free(r->rcpt_keys[i]);
	}
	for (size_t i = 0; i < r->n_refs; i++)
		free(r->refs[i]);
}

/* Insert recipient I of M into R's sorted list unless it is there. */
static emg_status_t
history_rec_add_rcpt(history_rec_t *r, const history_msg_t *m, size_t i)
{
	char *addr = NULL;
	emg_status_t st = history_norm_addr(m->rcpts[i], &addr);
	if (st != EMG_OK || addr == NULL)
		return st;
	size_t at = 0;
	while (at < r->n_rcpts && strcmp(r->rcpts[at], addr) < 0)
		at++;
	if (at < r->n_rcpts && strcmp(r->rcpts[at], addr) == 0) {
		free(addr);
		return EMG_OK;
	}
	char *name = NULL, *key = NULL;
	const char *given = m->rcpt_names != NULL ? m->rcpt_names[i] : NULL;
	if ((st = history_norm_text(given, &name)) == EMG_OK)
		st = history_name_key(given, &key);
	if (st != EMG_OK) {
		free(addr);
		free(name);
		return st;
	}
	size_t tail = r->n_rcpts - at;
	memmove(&r->rcpts[at + 1], &r->rcpts[at], tail * sizeof(char *));
	memmove(&r->rcpt_names[at + 1], &r->rcpt_names[at],
	        tail * sizeof(char *));
	memmove(&r->rcpt_keys[at + 1], &r->rcpt_keys[at], tail * sizeof(char *));
	r->rcpts[at] = addr;
	r->rcpt_names[at] = name;
	r->rcpt_keys[at] = key;
	r->n_rcpts++;
	return EMG_OK;
}

static emg_status_t
history_rec_init(history_rec_t *r, const history_msg_t *m, bool outbound)
{
	memset(r, 0, sizeof(*r));
	r->outbound = outbound;
	r->now = (int64_t)time(NULL);
	r->date = m->date > 0 ? m->date : r->now;
	emg_status_t st = history_norm_id(m->message_id, &r->id);
	if (st == EMG_OK && r->id == NULL)
		return EMG_EINVAL;
	if (st == EMG_OK)
		st = history_norm_addr(m->from_addr, &r->from);
	if (st == EMG_OK)
		st = history_norm_text(m->from_name, &r->from_name);
	if (st == EMG_OK)
		st = history_name_key(m->from_name, &r->from_key);
	if (st == EMG_OK)
		st = history_norm_text(m->subject, &r->subject);
	for (size_t i = 0; st == EMG_OK && m->rcpts != NULL && i < m->n_rcpts &&
	                   r->n_rcpts < HISTORY_MAX_RCPTS;
	     i++)
		st = history_rec_add_rcpt(r, m, i);
	for (size_t i = 0; st == EMG_OK && m->refs != NULL && i < m->n_refs &&
	                   r->n_refs < HISTORY_MAX_REFS;
	     i++) {
		char *ref = NULL;
		st = history_norm_id(m->refs[i], &ref);
		bool dup = ref == NULL || strcmp(ref, r->id) == 0;
		for (size_t j = 0; !dup && j < r->n_refs; j++)
			dup = strcmp(r->refs[j], ref) == 0;
		if (dup)
			free(ref);
		else
			r->refs[r->n_refs++] = ref;
	}
	return st;
}

/* Count one message with ADDR, and learn its domain's suffixes. */
static emg_status_t
history_put_correspondent(history_t *h, const history_rec_t *r,
                          const char *addr)
{
	store_param_t p[] = {STORE_P_TEXT(addr), STORE_P_INT(r->date),
	                     STORE_P_INT(r->outbound ? 1 : 0),
	                     STORE_P_INT(r->outbound ? 0 : 1)};
	emg_status_t st = store_exec(
	    h->store,
	    "INSERT INTO correspondents"
	    " (address, first_seen, last_seen, sent_to, received)"
	    " VALUES ($1, $2, $2, $3, $4) ON CONFLICT (address) DO UPDATE SET"
	    " first_seen = CASE WHEN excluded.first_seen <"
	    "  correspondents.first_seen THEN excluded.first_seen"
	    "  ELSE correspondents.first_seen END,"
	    " last_seen = CASE WHEN excluded.last_seen >"
	    "  correspondents.last_seen THEN excluded.last_seen"
	    "  ELSE correspondents.last_seen END,"
	    " sent_to = correspondents.sent_to + excluded.sent_to,"
	    " received = correspondents.received + excluded.received",
	    p, 4, NULL);
	const char *dom = strrchr(addr, '@') + 1;
	/* "mail.example.co.jp": the suffixes of at least two labels,
	 * longest first. */
	for (int i = 0; st == EMG_OK && i < HISTORY_MAX_LABELS && dom != NULL;
	     i++) {
		if (strchr(dom, '.') == NULL)
			break;
		store_param_t d[] = {STORE_P_TEXT(dom), STORE_P_INT(r->date)};
		st = store_exec(h->store,
		                "INSERT INTO domains (domain, first_seen,"
		                " last_seen) VALUES ($1, $2, $2)"
		                " ON CONFLICT (domain) DO UPDATE SET"
		                " last_seen = CASE WHEN excluded.last_seen >"
		                "  domains.last_seen THEN excluded.last_seen"
		                "  ELSE domains.last_seen END",
		                d, 2, NULL);
		dom = strchr(dom, '.') + 1;
	}
	return st;
}

/* Remember that ADDR wrote as NAME (the first spelling stays). */
static emg_status_t
history_put_name(history_t *h, const history_rec_t *r, const char *addr,
                 const char *name, const char *key)
{
	if (addr == NULL || name == NULL || key == NULL)
		return EMG_OK;
	store_param_t p[] = {STORE_P_TEXT(key), STORE_P_TEXT(addr),
	                     STORE_P_TEXT(name), STORE_P_INT(r->date)};
	return store_exec(h->store,
	                  "INSERT INTO names (name_key, address, display,"
	                  " first_seen, last_seen) VALUES ($1, $2, $3, $4, $4)"
	                  " ON CONFLICT (name_key, address) DO UPDATE SET"
	                  " first_seen = CASE WHEN excluded.first_seen <"
	                  "  names.first_seen THEN excluded.first_seen"
	                  "  ELSE names.first_seen END,"
	                  " last_seen = CASE WHEN excluded.last_seen >"
	                  "  names.last_seen THEN excluded.last_seen"
	                  "  ELSE names.last_seen END",
	                  p, 4, NULL);
}

/* The rows of one new message: recipients, references, correspondents
 * (our recipients when outbound, the sender when inbound), names. */
static emg_status_t
history_put_children(history_t *h, const history_rec_t *r)
{
	emg_status_t st = EMG_OK;

	for (size_t i = 0; st == EMG_OK && i < r->n_rcpts; i++) {
		store_param_t p[] = {STORE_P_TEXT(r->id),
		                     STORE_P_TEXT(r->rcpts[i])};
		st = store_exec(h->store,
		                "INSERT INTO message_rcpts (message_id, address)"
		                " VALUES ($1, $2) ON CONFLICT DO NOTHING",
		                p, 2, NULL);
	}
	for (size_t i = 0; st == EMG_OK && i < r->n_refs; i++) {
		store_param_t p[] = {STORE_P_TEXT(r->id),
		                     STORE_P_TEXT(r->refs[i])};
		st = store_exec(h->store,
		                "INSERT INTO message_refs (message_id, ref_id)"
		                " VALUES ($1, $2) ON CONFLICT DO NOTHING",
		                p, 2, NULL);
	}
	if (r->outbound) {
		for (size_t i = 0; st == EMG_OK && i < r->n_rcpts; i++)
			st = history_put_correspondent(h, r, r->rcpts[i]);
		for (size_t i = 0; st == EMG_OK && i < r->n_rcpts; i++)
			st = history_put_name(h, r, r->rcpts[i],
			                      r->rcpt_names[i], r->rcpt_keys[i]);
	} else if (r->from != NULL) {
		st = history_put_correspondent(h, r, r->from);
	}
	/* Our own people's names too: a stranger using our director's
	 * name is what spoof.display_name looks for. */
	if (st == EMG_OK)
		st = history_put_name(h, r, r->from, r->from_name, r->from_key);
	return st;
}

static emg_status_t
history_bump_count(history_t *h, int64_t delta)
{
	store_param_t p[] = {STORE_P_INT(delta)};
	return store_exec(h->store,
	                  "UPDATE history_stats SET messages = CASE WHEN"
	                  " messages + $1 < 0 THEN 0 ELSE messages + $1 END"
	                  " WHERE id = 1",
	                  p, 1, NULL);
}

/* One record in its own transaction, or in the open batch's. */
static emg_status_t
history_record_op(history_t *h, void *arg)
{
	history_rec_t *r = arg;
	uint64_t changes = 0;
	emg_status_t st = EMG_OK;

	r->added = false;
	if (!h->batch && (st = store_begin(h->store, false)) != EMG_OK)
		return history_fail(h, "begin");
	store_param_t p[] = {STORE_P_TEXT(r->id),
	                     STORE_P_INT(r->outbound ? 1 : 0),
	                     STORE_P_TEXT(r->from ? r->from : ""),
	                     STORE_P_TEXT(r->from_name),
	                     STORE_P_TEXT(r->subject),
	                     STORE_P_INT(r->date),
	                     STORE_P_INT(r->now)};
	st = store_exec(h->store,
	                "INSERT INTO messages (message_id, direction, from_addr,"
	                " from_name, subject, date, recorded)"
	                " VALUES ($1, $2, $3, $4, $5, $6, $7)"
	                " ON CONFLICT (message_id) DO NOTHING",
	                p, 7, &changes);
	if (st == EMG_OK && changes > 0) {
		st = history_put_children(h, r);
		/* A batch counts once at its commit: the stats row is every
		 * writer's, so no batch may hold it for long. */
		if (st == EMG_OK && !h->batch)
			st = history_bump_count(h, 1);
	}
	if (st == EMG_OK && !h->batch)
		st = store_commit(h->store);
	if (st != EMG_OK) {
		store_rollback(h->store);
		h->batch = false;
		return st == EMG_ENOMEM ? st : history_fail(h, "record");
	}
	r->added = changes > 0;
	if (h->batch && r->added)
		h->batch_added++;
	return EMG_OK;
}

emg_status_t
history_record(history_t *h, const history_msg_t *m, bool outbound,
               bool *added)
{
	history_rec_t r;

	if (added != NULL)
		*added = false;
	if (h == NULL || m == NULL)
		return EMG_EINVAL;
	emg_status_t st = history_rec_init(&r, m, outbound);
	if (st == EMG_EINVAL)
		snprintf(h->err, sizeof(h->err),
		         "history: message without a usable Message-ID");
	if (st == EMG_OK)
		st = history_run(h, history_record_op, &r);
	if (st == EMG_OK && added != NULL)
		*added = r.added;
	history_rec_free(&r);
	return st;
}

emg_status_t
history_record_outbound(history_t *h, const history_msg_t *m)
{
	return history_record(h, m, true, NULL);
}

emg_status_t
history_record_inbound(history_t *h, const history_msg_t *m)
{
	return history_record(h, m, false, NULL);
}

emg_status_t
history_batch_begin(history_t *h)
{
	if (h == NULL || h->batch)
		return EMG_EINVAL;
	if (store_lost(h->store) && store_reconnect(h->store) != EMG_OK)
		return history_fail(h, "reconnect");
	if (store_begin(h->store, false) != EMG_OK)
		return history_fail(h, "begin");
	h->batch = true;
	h->batch_added = 0;
	return EMG_OK;
}

emg_status_t
history_batch_commit(history_t *h)
{
	if (h == NULL || !h->batch)
		return EMG_EINVAL;
	h->batch = false;
	emg_status_t st = history_bump_count(h, (int64_t)h->batch_added);
	if (st == EMG_OK)
		st = store_commit(h->store);
	if (st != EMG_OK) {
		store_rollback(h->store);
		return history_fail(h, "commit");
	}
	return EMG_OK;
}

void
history_batch_abort(history_t *h)
{
	if (h == NULL || !h->batch)
		return;
	h->batch = false;
	store_rollback(h->store);
}

/* ---- pruning -------------------------------------------------------------- */

typedef struct history_prune_arg {
	int64_t before;
	uint64_t removed;
} history_prune_arg_t;

static emg_status_t
history_prune_op(history_t *h, void *arg)
{
	history_prune_arg_t *a = arg;
	store_param_t p[] = {STORE_P_INT(a->before)};
	static const char *const sql[] = {
	    "DELETE FROM correspondents WHERE last_seen < $1",
	    "DELETE FROM names WHERE last_seen < $1",
	    "DELETE FROM domains WHERE last_seen < $1",
	};

	a->removed = 0;
	if (store_begin(h->store, false) != EMG_OK)
		return history_fail(h, "begin");
	/* Recipients and references go with their message (CASCADE). */
	emg_status_t st = store_exec(h->store,
	                             "DELETE FROM messages WHERE date < $1", p,
	                             1, &a->removed);
	for (size_t i = 0; st == EMG_OK && i < sizeof(sql) / sizeof(sql[0]);
	     i++)
		st = store_exec(h->store, sql[i], p, 1, NULL);
	if (st == EMG_OK && a->removed > 0)
		st = history_bump_count(h, -(int64_t)a->removed);
	if (st == EMG_OK)
		st = store_commit(h->store);
	if (st != EMG_OK) {
		store_rollback(h->store);
		a->removed = 0;
		return st == EMG_ENOMEM ? st : history_fail(h, "prune");
	}
	return EMG_OK;
}

emg_status_t
history_prune(history_t *h, int64_t before, uint64_t *removed)
{
	if (removed != NULL)
		*removed = 0;
	if (h == NULL || h->batch)
		return EMG_EINVAL;
	history_prune_arg_t a = {.before = before};
	emg_status_t st = history_run(h, history_prune_op, &a);
	if (st == EMG_OK && removed != NULL)
		*removed = a.removed;
	return st;
}
