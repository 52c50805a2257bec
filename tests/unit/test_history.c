/*
 * test_history.c - unit tests for history.c and the DataStore backends
 * (store_sqlite.c, store_pg.c): idempotent records, message, correspondent,
 * domain and name look-ups, normalisation, pruning, batches, reopening and
 * schema migration, bad DSNs and bad input, and concurrent writers from
 * four threads.
 *
 * Every case runs against SQLite (a file in a fresh temporary directory),
 * and once more against PostgreSQL when EMGUARD_TEST_PG holds a libpq
 * conninfo (key=value or a postgresql:// URI; tests/store-pg.sh starts a
 * private server and sets it).  Each PostgreSQL case works in a schema of
 * its own, dropped at its end.  With EMGUARD_TEST_PG_RESTART also set (a
 * shell command that restarts that server), a case checks that a handle
 * outlives the restart.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "store.h"
#include "testutil.h"

enum { B_SQLITE, B_PG };

/* One case's store: the DSN to open and what to remove afterwards. */
typedef struct hist_env {
	int backend;
	char dir[64];     /* SQLite: temporary directory */
	char schema[64];  /* PostgreSQL: schema of this case */
	char dsn[1024];
} hist_env_t;

static void
env_setup(hist_env_t *e, int backend)
{
	memset(e, 0, sizeof(*e));
	e->backend = backend;
	if (backend == B_SQLITE) {
		snprintf(e->dir, sizeof(e->dir), "%s/emg-hist-XXXXXX",
		         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		ck_assert_ptr_nonnull(mkdtemp(e->dir));
		snprintf(e->dsn, sizeof(e->dsn), "sqlite:%s/history.db",
		         e->dir);
		return;
	}
	tu_pg_schema("emgtest", e->schema, sizeof(e->schema), e->dsn,
	             sizeof(e->dsn));
}

static void
env_done(hist_env_t *e)
{
	if (e->backend == B_SQLITE) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
		ck_assert_int_eq(system(cmd), 0);
		return;
	}
	tu_pg_drop_schema(e->schema);
}

static history_t *
env_open(const hist_env_t *e)
{
	char err[512] = "";
	history_t *h = NULL;
	emg_status_t st = history_open(e->dsn, &h, err, sizeof(err));
	ck_assert_msg(st == EMG_OK, "history_open(%s): %s: %s", e->dsn,
	              emg_strerror(st), err);
	return h;
}

/* A message with up to four recipients and two references. */
typedef struct msg_spec {
	const char *id, *from, *name, *subject;
	int64_t date;
	const char *rcpts[4];
	const char *rcpt_names[4];
	const char *refs[2];
} msg_spec_t;

static emg_status_t
record(history_t *h, const msg_spec_t *s, bool outbound, bool *added)
{
	size_t nr = 0, nf = 0;
	while (nr < 4 && s->rcpts[nr] != NULL)
		nr++;
	while (nf < 2 && s->refs[nf] != NULL)
		nf++;
	history_msg_t m = {
	    .message_id = s->id,
	    .from_addr = s->from,
	    .from_name = s->name,
	    .rcpts = s->rcpts,
	    .n_rcpts = nr,
	    .subject = s->subject,
	    .date = s->date,
	    .refs = s->refs,
	    .n_refs = nf,
	    .rcpt_names = s->rcpt_names,
	};
	return history_record(h, &m, outbound, added);
}

static uint64_t
count(history_t *h)
{
	uint64_t n = 0;
	ck_assert_int_eq(history_count(h, &n), EMG_OK);
	return n;
}

#define DAY 86400
#define T0 1700000000

static const msg_spec_t quote_msg = {
    .id = "<Q1@corp.example>",
    .from = "Sales@Corp.Example",
    .name = "Sales Team",
    .subject = "Quotation",
    .date = T0,
    .rcpts = {"<Taro@Mail.Partner.CO.JP>", "hanako@partner.co.jp",
              "taro@mail.partner.co.jp"},
    .rcpt_names = {"山田 太郎", "Hanako", NULL},
};

START_TEST(test_idempotent)
{
	hist_env_t e;
	env_setup(&e, _i);
	history_t *h = env_open(&e);
	bool added = false;

	ck_assert_int_eq(record(h, &quote_msg, true, &added), EMG_OK);
	ck_assert(added);
	ck_assert_int_eq(count(h), 1);
	/* again, with and without <>, and as inbound: nothing changes */
	ck_assert_int_eq(record(h, &quote_msg, true, &added), EMG_OK);
	ck_assert(!added);
	msg_spec_t bare = quote_msg;
	bare.id = "Q1@corp.example";
	ck_assert_int_eq(record(h, &bare, false, &added), EMG_OK);
	ck_assert(!added);
	ck_assert_int_eq(history_record_outbound(h, &(history_msg_t){
	                                                .message_id = " <Q1@corp.example> "}),
	                 EMG_OK);
	ck_assert_int_eq(count(h), 1);
	history_corr_t c;
	ck_assert_int_eq(history_correspondent(h, "taro@mail.partner.co.jp", &c),
	                 EMG_OK);
	ck_assert(c.known);
	ck_assert_uint_eq(c.sent_to, 1);
	ck_assert_uint_eq(c.received, 0);
	history_corr_free(&c);
	history_close(h);
	env_done(&e);
}
END_TEST

START_TEST(test_lookup_message)
{
	hist_env_t e;
	env_setup(&e, _i);
	history_t *h = env_open(&e);
	history_ref_t r;

	ck_assert_int_eq(history_record_outbound(h, &(history_msg_t){
	                                                .message_id = "x@y"}),
	                 EMG_OK);
	ck_assert_int_eq(record(h, &quote_msg, true, NULL), EMG_OK);
	ck_assert_int_eq(history_lookup_message(h, "<Q1@corp.example>", &r),
	                 EMG_OK);
	ck_assert(r.known);
	ck_assert(r.outbound);
	ck_assert_str_eq(r.from_addr, "sales@corp.example");
	/* lowercased, without <>, once each, sorted */
	ck_assert_uint_eq(r.rcpts.n, 2);
	ck_assert_str_eq(r.rcpts.v[0], "hanako@partner.co.jp");
	ck_assert_str_eq(r.rcpts.v[1], "taro@mail.partner.co.jp");
	history_ref_free(&r);
	/* Message-IDs are case-sensitive */
	ck_assert_int_eq(history_lookup_message(h, "q1@corp.example", &r),
	                 EMG_OK);
	ck_assert(!r.known);
	ck_assert_ptr_null(r.from_addr);
	ck_assert_uint_eq(r.rcpts.n, 0);
	history_ref_free(&r);
	ck_assert_int_eq(history_lookup_message(h, "<>", &r), EMG_OK);
	ck_assert(!r.known);
	/* an inbound reply that references it */
	msg_spec_t reply = {.id = "R1@partner.co.jp",
	                    .from = "taro@mail.partner.co.jp",
	                    .name = "Yamada Taro",
	                    .date = T0 + 60,
	                    .rcpts = {"sales@corp.example"},
	                    .refs = {"<Q1@corp.example>", "Q1@corp.example"}};
	ck_assert_int_eq(record(h, &reply, false, NULL), EMG_OK);
	ck_assert_int_eq(history_lookup_message(h, "R1@partner.co.jp", &r),
	                 EMG_OK);
	ck_assert(r.known);
	ck_assert(!r.outbound);
	ck_assert_str_eq(r.from_addr, "taro@mail.partner.co.jp");
	ck_assert_uint_eq(r.rcpts.n, 1);
	history_ref_free(&r);
	ck_assert_int_eq(history_lookup_message(h, "x@y", &r), EMG_OK);
	ck_assert(r.known);
	ck_assert_ptr_null(r.from_addr);
	history_ref_free(&r);
	ck_assert_int_eq(count(h), 3);
	history_close(h);
	env_done(&e);
}
END_TEST

START_TEST(test_correspondents)
{
	hist_env_t e;
	env_setup(&e, _i);
	history_t *h = env_open(&e);
	history_corr_t c;

	ck_assert_int_eq(record(h, &quote_msg, true, NULL), EMG_OK);
	msg_spec_t later = {.id = "Q2@corp.example",
	                    .from = "sales@corp.example",
	                    .date = T0 + 10 * DAY,
	                    .rcpts = {"taro@mail.partner.co.jp"},
	                    .rcpt_names = {"YAMADA Taro"}};
	msg_spec_t earlier = {.id = "R0@partner.co.jp",
	                      .from = "TARO@mail.partner.co.jp",
	                      .name = "\"ＹＡＭＡＤＡ　Taro\"",
	                      .date = T0 - 5 * DAY,
	                      .rcpts = {"sales@corp.example"}};
	ck_assert_int_eq(record(h, &later, true, NULL), EMG_OK);
	ck_assert_int_eq(record(h, &earlier, false, NULL), EMG_OK);
	ck_assert_int_eq(history_correspondent(h, "<Taro@MAIL.partner.co.jp>", &c),
	                 EMG_OK);
	ck_assert(c.known);
	ck_assert_uint_eq(c.sent_to, 2);
	ck_assert_uint_eq(c.received, 1);
	ck_assert_int_eq(c.first_seen, T0 - 5 * DAY);
	ck_assert_int_eq(c.last_seen, T0 + 10 * DAY);
	/* 山田 太郎 first; the two spellings of "yamada taro" are one
	 * name, kept as first recorded */
	ck_assert_uint_eq(c.names.n, 2);
	ck_assert(strcmp(c.names.v[0], "山田 太郎") == 0 ||
	          strcmp(c.names.v[1], "山田 太郎") == 0);
	ck_assert(strlist_has_nocase(&c.names, "YAMADA Taro"));
	history_corr_free(&c);
	/* our own sender is not a correspondent */
	ck_assert_int_eq(history_correspondent(h, "sales@corp.example", &c),
	                 EMG_OK);
	ck_assert(!c.known);
	ck_assert_uint_eq(c.sent_to, 0);
	history_corr_free(&c);
	ck_assert_int_eq(history_correspondent(h, "nobody@nowhere.test", &c),
	                 EMG_OK);
	ck_assert(!c.known);
	ck_assert_uint_eq(c.names.n, 0);
	history_corr_free(&c);
	ck_assert_int_eq(history_correspondent(h, "not an address", &c),
	                 EMG_OK);
	ck_assert(!c.known);
	history_close(h);
	env_done(&e);
}
END_TEST

static const struct {
	const char *domain;
	bool known;
} domain_cases[] = {
    {"partner.co.jp", true},       {"PARTNER.CO.JP", true},
    {"mail.partner.co.jp", true},  {"@partner.co.jp", true},
    {"partner.co.jp.", true},      {"co.jp", true},
    {"artner.co.jp", false},       {"other.co.jp", false},
    {"corp.example", false}, /* only our sender */
    {"x.mail.partner.co.jp", false}, {"", false},
    {"jp", false},
};

START_TEST(test_domains)
{
	hist_env_t e;
	env_setup(&e, _i);
	history_t *h = env_open(&e);

	ck_assert_int_eq(record(h, &quote_msg, true, NULL), EMG_OK);
	for (size_t i = 0; i < sizeof(domain_cases) / sizeof(domain_cases[0]);
	     i++) {
		bool known = !domain_cases[i].known;
		ck_assert_int_eq(history_domain_known(h, domain_cases[i].domain,
		                                      &known),
		                 EMG_OK);
		ck_assert_msg(known == domain_cases[i].known, "%s: %d",
		              domain_cases[i].domain, known);
	}
	/* inbound senders' domains count too */
	msg_spec_t in = {.id = "i1@vendor.example.com",
	                 .from = "bill@vendor.example.com",
	                 .date = T0};
	ck_assert_int_eq(record(h, &in, false, NULL), EMG_OK);
	bool known = false;
	ck_assert_int_eq(history_domain_known(h, "example.com", &known),
	                 EMG_OK);
	ck_assert(known);
	history_close(h);
	env_done(&e);
}
END_TEST

/* Names that must meet, or not, the name recorded for taro@. */
static const struct {
	const char *query;
	bool match;
} name_cases[] = {
    {"山田 太郎", true},         {"山田太郎", true},
    {"山田　太郎", true},        {" \"山田 太郎\" ", true},
    {"山田 次郎", false},        {"Yamada Taro", true},
    {"ＹＡＭＡＤＡ ＴＡＲＯ", true}, {"yamadataro", true},
    {"'Yamada Taro'", true},     {"Yamada Tar0", false},
    {"", false},                 {"   ", false},
};

START_TEST(test_names)
{
	hist_env_t e;
	env_setup(&e, _i);
	history_t *h = env_open(&e);

	ck_assert_int_eq(record(h, &quote_msg, true, NULL), EMG_OK);
	msg_spec_t in = {.id = "i1@x",
	                 .from = "taro@mail.partner.co.jp",
	                 .name = "Yamada Taro",
	                 .date = T0 + 1};
	ck_assert_int_eq(record(h, &in, false, NULL), EMG_OK);
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]);
	     i++) {
		emg_strlist_t l = {0};
		ck_assert_int_eq(history_addresses_for_name(
		                     h, name_cases[i].query, 10, &l),
		                 EMG_OK);
		bool hit = l.n == 1 &&
		           strcmp(l.v[0], "taro@mail.partner.co.jp") == 0;
		ck_assert_msg(hit == name_cases[i].match && l.n <= 1,
		              "%s: %zu addresses", name_cases[i].query, l.n);
		strlist_free(&l);
	}
	/* one name, two addresses: most recent first, MAX respected, and
	 * appended to what the list held */
	msg_spec_t other = {.id = "i2@x",
	                    .from = "taro.yamada@freemail.example",
	                    .name = "YAMADA TARO",
	                    .date = T0 + 2};
	ck_assert_int_eq(record(h, &other, false, NULL), EMG_OK);
	emg_strlist_t l = {0};
	ck_assert_int_eq(strlist_add(&l, "kept", (size_t)-1), 0);
	ck_assert_int_eq(history_addresses_for_name(h, "yamada taro", 10, &l),
	                 EMG_OK);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(l.v[0], "kept");
	ck_assert_str_eq(l.v[1], "taro.yamada@freemail.example");
	ck_assert_str_eq(l.v[2], "taro@mail.partner.co.jp");
	strlist_free(&l);
	ck_assert_int_eq(history_addresses_for_name(h, "yamada taro", 1, &l),
	                 EMG_OK);
	ck_assert_uint_eq(l.n, 1);
	strlist_free(&l);
	ck_assert_int_eq(history_addresses_for_name(h, "yamada taro", 0, &l),
	                 EMG_OK);
	ck_assert_uint_eq(l.n, 0);
	/* our own sender's name is known with our address */
	ck_assert_int_eq(history_addresses_for_name(h, "sales team", 5, &l),
	                 EMG_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0], "sales@corp.example");
	strlist_free(&l);
	char *key = NULL;
	ck_assert_int_eq(history_name_normalise("ＴＡＲＯ　Ｙａｍａｄａ", &key),
	                 EMG_OK);
	ck_assert_str_eq(key, "taroyamada");
	free(key);
	history_close(h);
	env_done(&e);
}
END_TEST

START_TEST(test_prune)
{
	hist_env_t e;
	env_setup(&e, _i);
	history_t *h = env_open(&e);
	msg_spec_t old = {.id = "old@corp.example",
	                  .from = "sales@corp.example",
	                  .date = T0 - 500 * DAY,
	                  .rcpts = {"gone@old.example", "taro@partner.co.jp"},
	                  .refs = {"older@corp.example"}};
	msg_spec_t recent = {.id = "new@corp.example",
	                     .from = "sales@corp.example",
	                     .date = T0,
	                     .rcpts = {"taro@partner.co.jp"}};
	uint64_t removed = 99;

	ck_assert_int_eq(record(h, &old, true, NULL), EMG_OK);
	ck_assert_int_eq(record(h, &recent, true, NULL), EMG_OK);
	ck_assert_int_eq(count(h), 2);
	ck_assert_int_eq(history_prune(h, T0 - 400 * DAY, &removed), EMG_OK);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(count(h), 1);
	history_ref_t r;
	ck_assert_int_eq(history_lookup_message(h, "old@corp.example", &r),
	                 EMG_OK);
	ck_assert(!r.known);
	history_ref_free(&r);
	history_corr_t c;
	ck_assert_int_eq(history_correspondent(h, "gone@old.example", &c),
	                 EMG_OK);
	ck_assert(!c.known);
	history_corr_free(&c);
	ck_assert_int_eq(history_correspondent(h, "taro@partner.co.jp", &c),
	                 EMG_OK);
	ck_assert(c.known);
	ck_assert_uint_eq(c.sent_to, 2); /* counts are totals */
	history_corr_free(&c);
	bool known = true;
	ck_assert_int_eq(history_domain_known(h, "old.example", &known), EMG_OK);
	ck_assert(!known);
	/* its recipients and references went with it: it records anew */
	bool added = false;
	ck_assert_int_eq(record(h, &old, true, &added), EMG_OK);
	ck_assert(added);
	ck_assert_int_eq(history_prune(h, T0 - 400 * DAY, &removed), EMG_OK);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(history_prune(h, T0 - 400 * DAY, &removed), EMG_OK);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(history_prune(h, T0 + 1, NULL), EMG_OK);
	ck_assert_int_eq(count(h), 0);
	history_close(h);
	env_done(&e);
}
END_TEST

START_TEST(test_batch)
{
	hist_env_t e;
	env_setup(&e, _i);
	history_t *h = env_open(&e);
	char id[64];
	bool added = false;

	ck_assert_int_eq(history_batch_commit(h), EMG_EINVAL);
	ck_assert_int_eq(history_batch_begin(h), EMG_OK);
	ck_assert_int_eq(history_batch_begin(h), EMG_EINVAL);
	for (int i = 0; i < 50; i++) {
		msg_spec_t m = quote_msg;
		snprintf(id, sizeof(id), "batch%d@corp.example", i % 40);
		m.id = id;
		ck_assert_int_eq(record(h, &m, true, &added), EMG_OK);
		ck_assert(added == (i < 40));
	}
	ck_assert_int_eq(history_prune(h, 0, NULL), EMG_EINVAL);
	ck_assert_int_eq(history_batch_commit(h), EMG_OK);
	ck_assert_int_eq(count(h), 40);
	ck_assert_int_eq(history_batch_begin(h), EMG_OK);
	msg_spec_t m = quote_msg;
	m.id = "aborted@corp.example";
	ck_assert_int_eq(record(h, &m, true, &added), EMG_OK);
	history_batch_abort(h);
	ck_assert_int_eq(count(h), 40);
	history_ref_t r;
	ck_assert_int_eq(history_lookup_message(h, m.id, &r), EMG_OK);
	ck_assert(!r.known);
	history_ref_free(&r);
	history_corr_t c;
	ck_assert_int_eq(history_correspondent(h, "hanako@partner.co.jp", &c),
	                 EMG_OK);
	ck_assert_uint_eq(c.sent_to, 40);
	history_corr_free(&c);
	/* a batch left open is rolled back by close */
	ck_assert_int_eq(history_batch_begin(h), EMG_OK);
	ck_assert_int_eq(record(h, &m, true, &added), EMG_OK);
	history_close(h);
	h = env_open(&e);
	ck_assert_int_eq(count(h), 40);
	history_close(h);
	env_done(&e);
}
END_TEST

/* Run one statement on the store behind DSN, as an older emguard or an
 * administrator would have. */
static void
raw_exec(const char *dsn, const char *sql)
{
	store_t *s = NULL;
	char err[256] = "";
	ck_assert_msg(store_open(dsn, STORE_CREATE, &s, err, sizeof(err)) ==
	                  EMG_OK,
	              "%s", err);
	ck_assert_msg(store_exec(s, sql, NULL, 0, NULL) == EMG_OK, "%s: %s",
	              sql, store_error(s));
	store_close(s);
}

START_TEST(test_reopen_migrate)
{
	hist_env_t e;
	env_setup(&e, _i);
	/* a store another component (the quarantine) made first */
	raw_exec(e.dsn, "CREATE TABLE schema_version (component TEXT PRIMARY"
	                " KEY, version BIGINT NOT NULL)");
	raw_exec(e.dsn, "INSERT INTO schema_version VALUES ('quarantine', 3)");
	history_t *h = env_open(&e);
	ck_assert_int_eq(record(h, &quote_msg, true, NULL), EMG_OK);
	ck_assert_str_eq(history_backend(h),
	                 e.backend == B_SQLITE ? "sqlite" : "postgresql");
	history_close(h);
	/* reopened, twice at once: the data is there */
	history_t *h2 = env_open(&e);
	h = env_open(&e);
	ck_assert_int_eq(count(h), 1);
	ck_assert_int_eq(count(h2), 1);
	history_close(h2);
	history_ref_t r;
	ck_assert_int_eq(history_lookup_message(h, "Q1@corp.example", &r),
	                 EMG_OK);
	ck_assert(r.known);
	history_ref_free(&r);
	history_close(h);
	store_t *s = NULL;
	char err[256];
	ck_assert_int_eq(store_open(e.dsn, STORE_CREATE, &s, err, sizeof(err)),
	                 EMG_OK);
	int64_t v = 0;
	ck_assert_int_eq(store_schema_version(s, "history", false, &v), EMG_OK);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(store_schema_version(s, "quarantine", false, &v),
	                 EMG_OK);
	ck_assert_int_eq(v, 3);
	store_close(s);
	/* a store from a newer emguard is refused, not damaged */
	raw_exec(e.dsn, "UPDATE schema_version SET version = 99"
	                " WHERE component = 'history'");
	h = NULL;
	ck_assert_int_eq(history_open(e.dsn, &h, err, sizeof(err)),
	                 EMG_ECONFIG);
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(strstr(err, "newer"));
	env_done(&e);
}
END_TEST

START_TEST(test_bad_input)
{
	hist_env_t e;
	env_setup(&e, _i);
	history_t *h = env_open(&e);
	char longid[1200];
	bool added = true;

	ck_assert_int_eq(history_record_outbound(h, &(history_msg_t){0}),
	                 EMG_EINVAL);
	ck_assert_int_eq(history_record_outbound(h, NULL), EMG_EINVAL);
	ck_assert_int_eq(history_record(h, &(history_msg_t){.message_id = " <> "},
	                                false, &added),
	                 EMG_EINVAL);
	ck_assert(!added);
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ck_assert_int_eq(history_record_outbound(
	                     h, &(history_msg_t){.message_id = longid}),
	                 EMG_EINVAL);
	/* invalid UTF-8 everywhere is repaired, stored and found again */
	msg_spec_t bad = {.id = "bad\xff\xfe@x",
	                  .from = "b\xc3@x.example",
	                  .name = "\xe5\xb1\xb1\xe7 broken",
	                  .subject = "\xff subject",
	                  .date = T0,
	                  .rcpts = {"\x80@y.example", "no-at-sign", "@x", "x@"},
	                  .refs = {"\xc0\xaf@z"}};
	ck_assert_int_eq(record(h, &bad, false, &added), EMG_OK);
	ck_assert(added);
	history_ref_t r;
	ck_assert_int_eq(history_lookup_message(h, "bad\xff\xfe@x", &r), EMG_OK);
	ck_assert(r.known);
	ck_assert_uint_eq(r.rcpts.n, 1);
	history_ref_free(&r);
	ck_assert_int_eq(history_lookup_message(h, "\xc0", &r), EMG_OK);
	ck_assert(!r.known);
	emg_strlist_t l = {0};
	ck_assert_int_eq(history_addresses_for_name(h, "\xe5\xb1\xb1\xe7 BROKEN",
	                                            5, &l),
	                 EMG_OK);
	ck_assert_uint_eq(l.n, 1);
	strlist_free(&l);
	/* SQL in the data is only data */
	msg_spec_t sql = {.id = "x'); DROP TABLE messages; --@x",
	                  .from = "a'b@x.example",
	                  .date = T0};
	ck_assert_int_eq(record(h, &sql, false, NULL), EMG_OK);
	ck_assert_int_eq(count(h), 2);
	ck_assert_int_eq(history_lookup_message(h, sql.id, &r), EMG_OK);
	ck_assert(r.known);
	ck_assert_str_eq(r.from_addr, "a'b@x.example");
	history_ref_free(&r);
	/* NULL arguments */
	ck_assert_int_eq(history_lookup_message(h, NULL, &r), EMG_EINVAL);
	ck_assert_int_eq(history_count(NULL, NULL), EMG_EINVAL);
	ck_assert_int_eq(history_domain_known(h, NULL, &(bool){0}), EMG_EINVAL);
	history_close(h);
	history_close(NULL);
	env_done(&e);
}
END_TEST

/* DSNs that must not open, and a reader that must not create a file. */
START_TEST(test_bad_dsn)
{
	history_t *h = (history_t *)1;
	char err[512] = "";
	static const char *const bad[] = {
	    "mysql://x", "sqlite:", "", "/var/lib/emguard.db",
	    "postgresql:",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(history_open(bad[i], &h, err, sizeof(err)),
		                 EMG_ECONFIG);
		ck_assert_ptr_null(h);
	}
	ck_assert_int_eq(history_open(NULL, &h, err, sizeof(err)), EMG_ECONFIG);
	ck_assert_int_eq(history_open("sqlite:/nonexistent-dir/x/h.db", &h, err,
	                              sizeof(err)),
	                 EMG_EIO);
	ck_assert_ptr_nonnull(strstr(err, "nonexistent-dir"));
	/* nothing listens on port 1 */
	ck_assert_int_eq(history_open("postgresql://127.0.0.1:1/x?connect_timeout=2",
	                              &h, err, sizeof(err)),
	                 EMG_EIO);
	ck_assert_ptr_nonnull(strstr(err, "postgresql"));
	hist_env_t e;
	env_setup(&e, B_SQLITE);
	ck_assert_int_eq(history_open_existing(e.dsn, &h, err, sizeof(err)),
	                 EMG_EIO);
	struct stat sb;
	ck_assert_int_ne(stat(e.dsn + 7, &sb), 0);
	/* created with a mode that keeps the history private */
	h = env_open(&e);
	history_close(h);
	ck_assert_int_eq(stat(e.dsn + 7, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, sb.st_mode & 040);
	ck_assert_int_eq(history_open_existing(e.dsn, &h, err, sizeof(err)),
	                 EMG_OK);
	history_close(h);
	env_done(&e);
}
END_TEST

/* ---- concurrent writers ---------------------------------------------------- */

#define WRITERS 4
#define PER_WRITER 150

typedef struct writer {
	const char *dsn;
	int id;
	emg_status_t st;
	char err[512];
} writer_t;

/* Each writer records its own messages and a share of common ones (the
 * same mail imported by two processes), and reads between writes. */
static void *
writer_main(void *arg)
{
	writer_t *w = arg;
	history_t *h = NULL;
	char id[64], rcpt[64];

	w->st = history_open(w->dsn, &h, w->err, sizeof(w->err));
	for (int i = 0; w->st == EMG_OK && i < PER_WRITER; i++) {
		if (i % 3 == 0)
			snprintf(id, sizeof(id), "common%d@corp.example", i);
		else
			snprintf(id, sizeof(id), "w%d-%d@corp.example", w->id,
			         i);
		snprintf(rcpt, sizeof(rcpt), "r%d@partner%d.example", i % 7,
		         i % 5);
		const char *rcpts[] = {rcpt, "shared@partner.example"};
		history_msg_t m = {.message_id = id,
		                   .from_addr = "sales@corp.example",
		                   .from_name = "Sales",
		                   .rcpts = rcpts,
		                   .n_rcpts = 2,
		                   .rcpt_names = (const char *[]){"R", "Shared"},
		                   .date = T0 + i};
		w->st = history_record_outbound(h, &m);
		history_ref_t r;
		if (w->st == EMG_OK)
			w->st = history_lookup_message(h, id, &r);
		if (w->st == EMG_OK && !r.known)
			w->st = EMG_EIO;
		history_ref_free(&r);
	}
	if (w->st != EMG_OK && h != NULL)
		snprintf(w->err, sizeof(w->err), "%s", history_error(h));
	history_close(h);
	return NULL;
}

START_TEST(test_concurrent_writers)
{
	hist_env_t e;
	env_setup(&e, _i);
	pthread_t t[WRITERS];
	writer_t w[WRITERS];

	/* the first open of each thread races the schema creation too */
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (writer_t){.dsn = e.dsn, .id = i};
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer_main, &w[i]),
		                 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(w[i].st == EMG_OK, "writer %d: %s: %s", i,
		              emg_strerror(w[i].st), w[i].err);
	}
	history_t *h = env_open(&e);
	/* 50 common messages, 100 own ones per writer */
	ck_assert_int_eq(count(h), PER_WRITER / 3 + WRITERS * (PER_WRITER -
	                                                       PER_WRITER / 3));
	history_corr_t c;
	ck_assert_int_eq(history_correspondent(h, "shared@partner.example", &c),
	                 EMG_OK);
	ck_assert_uint_eq(c.sent_to, count(h));
	history_corr_free(&c);
	history_close(h);
	env_done(&e);
}
END_TEST

/* The server restarts under an open handle: the next call reconnects. */
START_TEST(test_reconnect)
{
	const char *restart = getenv("EMGUARD_TEST_PG_RESTART");
	hist_env_t e;
	env_setup(&e, B_PG);
	history_t *h = env_open(&e);
	ck_assert_int_eq(record(h, &quote_msg, true, NULL), EMG_OK);
	ck_assert_int_eq(system(restart), 0);
	history_ref_t r;
	ck_assert_msg(history_lookup_message(h, "Q1@corp.example", &r) ==
	                  EMG_OK,
	              "%s", history_error(h));
	ck_assert(r.known);
	history_ref_free(&r);
	msg_spec_t m = quote_msg;
	m.id = "after-restart@corp.example";
	ck_assert_int_eq(record(h, &m, true, NULL), EMG_OK);
	ck_assert_int_eq(count(h), 2);
	/* once more, now on a write */
	ck_assert_int_eq(system(restart), 0);
	m.id = "after-second-restart@corp.example";
	ck_assert_msg(record(h, &m, true, NULL) == EMG_OK, "%s",
	              history_error(h));
	ck_assert_int_eq(count(h), 3);
	history_close(h);
	env_done(&e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("history");
	int backends = tu_pg_conninfo() != NULL ? 2 : 1;
	const TTest *tests[] = {
	    test_idempotent,  test_lookup_message, test_correspondents,
	    test_domains,     test_names,          test_prune,
	    test_batch,       test_reopen_migrate, test_bad_input,
	    test_concurrent_writers,
	};
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_loop_test(tc, tests[i], 0, backends);
	tcase_add_test(tc, test_bad_dsn);
	if (backends == 2 && getenv("EMGUARD_TEST_PG_RESTART") != NULL)
		tcase_add_test(tc, test_reconnect);
	suite_add_tcase(s, tc);
	if (backends == 1)
		printf("test_history: EMGUARD_TEST_PG not set: SQLite only\n");
	return tu_run_suite(s);
}
