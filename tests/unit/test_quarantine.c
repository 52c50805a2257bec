/*
 * test_quarantine.c - unit tests for the quarantine store (quarantine.c,
 * quarantine_index.c) and the BLOB support of the DataStore backends:
 * byte-exact put/get/read (NUL bytes, 5 MB), decoded Japanese headers,
 * every list filter with paging and totals, release and delete, the audit
 * trail, purge, recovery from a crash's leftovers, file modes, a put that
 * cannot write (no permission, file size limit) leaving nothing behind,
 * and a changed byte caught by the SHA-256.
 *
 * Every case runs against SQLite (a fresh temporary directory holding the
 * database and QuarantineDir), and once more against PostgreSQL when
 * EMGUARD_TEST_PG holds a libpq conninfo (tests/store-pg.sh starts a
 * private server and sets it); each PostgreSQL case works in a schema of
 * its own, dropped at its end.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quarantine.h"
#include "report.h"
#include "store.h"
#include "testutil.h"

enum { B_SQLITE, B_PG };

/* One case's quarantine: its configuration and what to remove after. */
typedef struct qenv {
	int backend;
	char dir[64];    /* temporary directory (both backends) */
	char qdir[96];   /* QuarantineDir: dir/q (SQLite) */
	char schema[64]; /* PostgreSQL: schema of this case */
	char dsn[1024];
	emg_config_t *cfg;
} qenv_t;

static void
env_setup(qenv_t *e, int backend)
{
	char conf[2048];

	memset(e, 0, sizeof(*e));
	e->backend = backend;
	snprintf(e->dir, sizeof(e->dir), "%s/emg-q-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	snprintf(e->qdir, sizeof(e->qdir), "%s/q", e->dir);
	if (backend == B_SQLITE)
		snprintf(e->dsn, sizeof(e->dsn), "sqlite:%s/emguard.db",
		         e->dir);
	else
		tu_pg_schema("emgq", e->schema, sizeof(e->schema), e->dsn,
		             sizeof(e->dsn));
	snprintf(conf, sizeof(conf),
	         "DataStore \"%s\"\nQuarantineDir %s\nQuarantineRetention 9\n",
	         e->dsn, e->qdir);
	e->cfg = tu_config(conf);
}

static void
env_done(qenv_t *e)
{
	char cmd[128];

	emg_config_unref(e->cfg);
	chmod(e->qdir, 0700);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	ck_assert_int_eq(system(cmd), 0);
	if (e->backend != B_PG)
		return;
	tu_pg_drop_schema(e->schema);
}

static emg_quarantine_t *
env_open(const qenv_t *e)
{
	char err[512] = "";
	emg_quarantine_t *q = NULL;
	emg_status_t st = emg_quarantine_open(e->cfg, &q, err, sizeof(err));
	ck_assert_msg(st == EMG_OK, "open(%s): %s: %s", e->dsn,
	              emg_strerror(st), err);
	ck_assert_str_eq(emg_quarantine_backend(q),
	                 e->backend == B_PG ? "postgresql" : "sqlite");
	return q;
}

static const char *const two_rcpts[] = {"taro@corp.test", "Hanako@Corp.test"};
static const emg_envelope_t env_two = {
    .mail_from = "billing@vendor.test",
    .rcpts = two_rcpts,
    .n_rcpts = 2,
    .client_ip = "192.0.2.10",
    .helo = "mx.vendor.test",
};

static const char jp_msg[] =
    "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <yamada@vendor.test>\r\n"
    "To: taro@corp.test\r\n"
    "Subject: =?ISO-2022-JP?B?GyRCQEE1YT1xJE4kNDNORycbKEI=?=\r\n"
    "Message-ID: <jp-1@vendor.test>\r\n"
    "Date: Mon, 2 Mar 2026 10:00:00 +0900\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "\r\n"
    "ご確認ください。\r\n";

/* A message with SUBJECT and a From: of FROM. */
static char *
make_msg(const char *from, const char *subject, size_t body)
{
	size_t cap = 512 + strlen(from) + strlen(subject) + body;
	char *m = malloc(cap);
	ck_assert_ptr_nonnull(m);
	int n = snprintf(m, cap,
	                 "From: %s\r\nTo: taro@corp.test\r\nSubject: %s\r\n"
	                 "Message-ID: <%ld.%d@test.invalid>\r\n\r\n",
	                 from, subject, (long)time(NULL), rand());
	ck_assert_int_gt(n, 0);
	for (size_t i = 0; i < body; i++)
		m[n + i] = (char)('a' + i % 26);
	m[n + body] = '\0';
	return m;
}

static emg_status_t
put_text(emg_quarantine_t *q, const char *msg, const emg_envelope_t *env,
         const emg_report_t *r, char id[EMG_QID_MAX])
{
	emg_status_t st = emg_quarantine_put(q, msg, strlen(msg), env, r,
	                                     "test reason", "test@unit", id);
	ck_assert_msg(st == EMG_OK, "put: %s", emg_quarantine_error(q));
	return st;
}

/* jp_msg under Message-ID <jp-K@vendor.test> (K = 1 is jp_msg itself),
 * so that puts of "the same text" are different messages and not the
 * sender delivering one again (quarantine_resend.c). */
static void
put_nth(emg_quarantine_t *q, int k, char id[EMG_QID_MAX])
{
	char msg[sizeof(jp_msg) + 16];
	const char *at = strstr(jp_msg, "<jp-1@");
	ck_assert_ptr_nonnull(at);
	snprintf(msg, sizeof(msg), "%.*s<jp-%d@%s", (int)(at - jp_msg), jp_msg,
	         k, at + 6);
	put_text(q, msg, &env_two, NULL, id);
}

/* SHA-256 of LEN bytes at DATA, lower-case hex, computed here. */
static void
sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	ck_assert_int_eq(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL), 1);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static bool
file_exists(const qenv_t *e, const char *name)
{
	char path[256];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/%s", e->qdir, name);
	return stat(path, &sb) == 0;
}

/* Files in QuarantineDir. */
static int
dir_count(const qenv_t *e)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", e->qdir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static uint64_t
count_entries(emg_quarantine_t *q, const emg_qfilter_t *f)
{
	emg_qentry_t **l = NULL;
	size_t n = 0;
	uint64_t total = 0;
	emg_qfilter_t all = {.status = -1};
	ck_assert_msg(emg_quarantine_list(q, f ? f : &all, &l, &n, &total) ==
	                  EMG_OK,
	              "%s", emg_quarantine_error(q));
	emg_qentry_list_free(l, n);
	return total;
}

/* ---- round trip ---------------------------------------------------------- */

START_TEST(test_roundtrip)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	static const char raw[] = "Subject: nul\r\n\r\nbefore\0after\0\r\n";
	char id[EMG_QID_MAX], hex[65];
	int64_t t0 = time(NULL);

	ck_assert_int_eq(emg_quarantine_put(q, raw, sizeof(raw) - 1, &env_two,
	                                    NULL, NULL, "test@unit", id),
	                 EMG_OK);
	ck_assert_uint_eq(strlen(id), 21);
	ck_assert(quarantine_id_valid(id));
	emg_qentry_t *en = NULL;
	ck_assert_int_eq(emg_quarantine_get(q, id, &en), EMG_OK);
	ck_assert_str_eq(en->id, id);
	ck_assert_int_eq(en->status, EMG_QSTATUS_HELD);
	ck_assert(en->arrived >= t0 && en->arrived <= time(NULL));
	ck_assert_str_eq(en->mail_from, "billing@vendor.test");
	ck_assert_uint_eq(en->n_rcpts, 2);
	ck_assert_str_eq(en->rcpts[0], "taro@corp.test");
	ck_assert_str_eq(en->rcpts[1], "Hanako@Corp.test");
	ck_assert_str_eq(en->client_ip, "192.0.2.10");
	ck_assert_str_eq(en->helo, "mx.vendor.test");
	ck_assert_str_eq(en->subject, "nul");
	ck_assert_str_eq(en->action, "quarantine");
	ck_assert_str_eq(en->symbols, "");
	ck_assert_str_eq(en->reason, "");
	ck_assert_uint_eq(en->size, sizeof(raw) - 1);
	sha256_hex(raw, sizeof(raw) - 1, hex);
	ck_assert_str_eq(en->sha256, hex);
	ck_assert(en->host[0] != '\0');
	emg_qentry_free(en);
	void *data = NULL;
	size_t len = 0;
	ck_assert_int_eq(emg_quarantine_read(q, id, &data, &len), EMG_OK);
	ck_assert_uint_eq(len, sizeof(raw) - 1);
	ck_assert_int_eq(memcmp(data, raw, len), 0);
	free(data);

	/* 5 MB of every byte value */
	size_t big = 5u << 20;
	unsigned char *b = malloc(big);
	ck_assert_ptr_nonnull(b);
	memcpy(b, "Subject: big\r\n\r\n", 16);
	for (size_t i = 16; i < big; i++)
		b[i] = (unsigned char)(i * 7 + (i >> 11));
	ck_assert_msg(emg_quarantine_put(q, b, big, NULL, NULL, "big", NULL,
	                                 id) == EMG_OK,
	              "%s", emg_quarantine_error(q));
	ck_assert_int_eq(emg_quarantine_read(q, id, &data, &len), EMG_OK);
	ck_assert_uint_eq(len, big);
	ck_assert_int_eq(memcmp(data, b, big), 0);
	free(data);
	ck_assert_int_eq(emg_quarantine_get(q, id, &en), EMG_OK);
	ck_assert_uint_eq(en->n_rcpts, 0);
	ck_assert_str_eq(en->mail_from, "");
	ck_assert_str_eq(en->reason, "big");
	emg_qentry_free(en);
	free(b);

	/* an empty message is an entry too */
	ck_assert_int_eq(
	    emg_quarantine_put(q, NULL, 0, NULL, NULL, NULL, NULL, id), EMG_OK);
	ck_assert_int_eq(emg_quarantine_read(q, id, &data, &len), EMG_OK);
	ck_assert_uint_eq(len, 0);
	free(data);
	ck_assert_uint_eq(count_entries(q, NULL), 3);
	/* unknown and malformed ids */
	ck_assert_int_eq(emg_quarantine_get(q, "20260101-000000000000", &en),
	                 EMG_EINVAL);
	ck_assert_int_eq(emg_quarantine_read(q, "../emguard.db", &data, &len),
	                 EMG_EINVAL);
	ck_assert_int_eq(emg_quarantine_get(q, NULL, &en), EMG_EINVAL);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* Headers decoded to UTF-8, from the header block and from a scan. */
START_TEST(test_japanese)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	char id[EMG_QID_MAX], id2[EMG_QID_MAX];

	put_text(q, jp_msg, &env_two, NULL, id);
	/* one recipient fewer: another message, not a resend */
	const emg_envelope_t env_one = {.mail_from = env_two.mail_from,
	                                .rcpts = two_rcpts,
	                                .n_rcpts = 1};
	emg_report_t *r = tu_scan(NULL, jp_msg, &env_one);
	put_text(q, jp_msg, &env_one, r, id2);
	const char *ids[] = {id, id2};
	for (int i = 0; i < 2; i++) {
		emg_qentry_t *en = NULL;
		ck_assert_int_eq(emg_quarantine_get(q, ids[i], &en), EMG_OK);
		ck_assert_str_eq(en->subject, "請求書のご確認");
		ck_assert_msg(strstr(en->from_header, "山田 太郎") != NULL &&
		                  strstr(en->from_header, "yamada@vendor.test"),
		              "%s", en->from_header);
		ck_assert_str_eq(en->message_id, "jp-1@vendor.test");
		emg_qentry_free(en);
	}
	emg_qentry_t *en = NULL;
	ck_assert_int_eq(emg_quarantine_get(q, id2, &en), EMG_OK);
	ck_assert_str_eq(en->action, emg_action_name(emg_report_action(r)));
	ck_assert(en->score ==
	              (double)(int64_t)(emg_report_score(r) * 100) / 100.0 ||
	          en->score - emg_report_score(r) < 0.01);
	ck_assert_msg(strstr(en->report_json, "\"subject\":\"請求書のご確認\""),
	              "%s", en->report_json);
	emg_qentry_free(en);
	emg_report_free(r);
	/* the search box finds Japanese text */
	emg_qfilter_t f = {.status = -1, .text = "ご確認"};
	ck_assert_uint_eq(count_entries(q, &f), 2);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* ---- filters ------------------------------------------------------------- */

/* A report without a message, with the findings SYMS (NULL-ended). */
static emg_report_t *
report_of(const emg_symbol_t *syms, size_t n)
{
	emg_config_t *cfg = tu_config(NULL);
	emg_report_t *r = NULL;
	ck_assert_int_eq(report_new(&r), EMG_OK);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(
		    report_add(r, &syms[i], syms[i].score, strdup("x"), NULL),
		    EMG_OK);
	report_finish(r, cfg);
	emg_config_unref(cfg);
	return r;
}

static const emg_symbol_t sym_macro = {"TEST_MACRO", "attach.macro", 12.0,
                                       EMG_ACTION_QUARANTINE, "macro"};
static const emg_symbol_t sym_spoof = {"TEST_SPOOF", "spoof.display_name", 30.0,
                                       EMG_ACTION_ACCEPT, "spoof"};
/* "TEST_SPOOF" with its underscore taken as a wildcard would match. */
static const emg_symbol_t sym_decoy = {"TESTXSPOOF", "spoof.display_name", 1.0,
                                       EMG_ACTION_ACCEPT, "decoy"};

/* Set the arrival of ID to AT, as if it came then. */
static void
set_arrived(emg_quarantine_t *q, const char *id, int64_t at)
{
	store_param_t p[] = {STORE_P_TEXT(id), STORE_P_INT(at)};
	uint64_t changes = 0;
	ck_assert_int_eq(store_exec(q->store,
	                            "UPDATE quarantine_entry SET arrived = $2"
	                            " WHERE id = $1",
	                            p, 2, &changes),
	                 EMG_OK);
	ck_assert_uint_eq(changes, 1);
}

/* Six entries: [0] oldest .. [5] newest. */
static void
filter_fixture(emg_quarantine_t *q, char ids[6][EMG_QID_MAX], int64_t now)
{
	static const char *const r1[] = {"sales@corp.test"};
	static const char *const r2[] = {"it@corp.test", "boss@corp.test"};
	const emg_envelope_t env1 = {
	    .mail_from = "Info@Shop.test", .rcpts = r1, .n_rcpts = 1};
	const emg_envelope_t env2 = {
	    .mail_from = "noreply@bank.test", .rcpts = r2, .n_rcpts = 2};
	emg_report_t *macro = report_of(&sym_macro, 1);
	const emg_symbol_t both[] = {sym_spoof, sym_macro};
	emg_report_t *spoof = report_of(both, 2);
	emg_report_t *decoy = report_of(&sym_decoy, 1);
	struct {
		const char *from, *subject;
		const emg_envelope_t *env;
		emg_report_t *r;
	} spec[6] = {
	    {"Shop <info@shop.test>", "Invoice 100% paid", &env1, macro},
	    {"Bank <noreply@bank.test>", "Your account", &env2, spoof},
	    {"X <x@other.test>", "under_score", &env1, decoy},
	    {"Shop <info@shop.test>", "Order 42", &env1, NULL},
	    {"Bank <noreply@bank.test>", "back\\slash", &env2, macro},
	    {"Boss <BOSS@corp.test>", "Lunch", &env2, spoof},
	};
	for (int i = 0; i < 6; i++) {
		char *m = make_msg(spec[i].from, spec[i].subject, 10);
		put_text(q, m, spec[i].env, spec[i].r, ids[i]);
		free(m);
		set_arrived(q, ids[i], now - (6 - i) * 86400);
	}
	emg_report_free(macro);
	emg_report_free(spoof);
	emg_report_free(decoy);
}

/* The ids of the entries F lists, newest first, as indexes into IDS:
 * "530" for ids[5], ids[3], ids[0]. */
static const char *
listed(emg_quarantine_t *q, const emg_qfilter_t *f, char ids[6][EMG_QID_MAX],
       uint64_t *total)
{
	static char out[16];
	emg_qentry_t **l = NULL;
	size_t n = 0;
	ck_assert_msg(emg_quarantine_list(q, f, &l, &n, total) == EMG_OK, "%s",
	              emg_quarantine_error(q));
	out[0] = '\0';
	for (size_t i = 0; i < n && i < 15; i++)
		for (int k = 0; k < 6; k++)
			if (strcmp(l[i]->id, ids[k]) == 0)
				out[i] = (char)('0' + k), out[i + 1] = '\0';
	emg_qentry_list_free(l, n);
	return out;
}

START_TEST(test_filters)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	char ids[6][EMG_QID_MAX];
	int64_t now = time(NULL);
	uint64_t total = 0;

	filter_fixture(q, ids, now);
	ck_assert_int_eq(emg_quarantine_set_status(
	                     q, ids[1], EMG_QSTATUS_RELEASED, "t", NULL),
	                 EMG_OK);
	ck_assert_int_eq(emg_quarantine_set_status(
	                     q, ids[2], EMG_QSTATUS_DELETED, "t", NULL),
	                 EMG_OK);
	struct {
		emg_qfilter_t f;
		const char *want;
	} cases[] = {
	    {{.status = -1}, "543210"},
	    {{.status = -1, .since = now - 3 * 86400}, "543"},
	    {{.status = -1, .before = now - 3 * 86400}, "210"},
	    {{.status = -1,
	      .since = now - 5 * 86400,
	      .before = now - 3 * 86400},
	     "21"},
	    {{.status = EMG_QSTATUS_HELD}, "5430"},
	    {{.status = EMG_QSTATUS_RELEASED}, "1"},
	    {{.status = EMG_QSTATUS_DELETED}, "2"},
	    /* envelope sender or From:, any case */
	    {{.status = -1, .from = "INFO@shop"}, "320"},
	    {{.status = -1, .from = "boss@CORP"}, "5"},
	    {{.status = -1, .rcpt = "BOSS@"}, "541"},
	    {{.status = -1, .rcpt = "sales"}, "320"},
	    {{.status = -1, .symbol = "TEST_SPOOF"}, "51"},
	    {{.status = -1, .symbol = "test_macro"}, "5410"},
	    {{.status = -1, .symbol = "TEST"}, ""},
	    {{.status = -1, .symbol = "TESTXSPOOF"}, "2"},
	    {{.status = -1, .action = "reject"}, "51"},
	    {{.status = -1, .action = "quarantine"}, "430"},
	    {{.status = -1, .text = "ACCOUNT"}, "1"},
	    {{.status = -1, .text = "0%"}, "0"},
	    {{.status = -1, .text = "%"}, "0"},
	    {{.status = -1, .text = "r_s"}, "2"},
	    {{.status = -1, .text = "_"}, "2"},
	    {{.status = -1, .text = "\\"}, "4"},
	    {{.status = -1, .text = "bank.TEST"}, "541"},
	    {{.status = -1, .text = "it@corp"}, "541"},
	    {{.status = -1, .text = "nothing-like-this"}, ""},
	    {{.status = EMG_QSTATUS_HELD,
	      .from = "shop",
	      .symbol = "TEST_MACRO"},
	     "0"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = listed(q, &cases[i].f, ids, &total);
		ck_assert_msg(strcmp(got, cases[i].want) == 0,
		              "case %zu: got \"%s\", want \"%s\"", i, got,
		              cases[i].want);
		ck_assert_uint_eq(total, strlen(cases[i].want));
	}
	/* paging: newest first, the total without paging */
	emg_qfilter_t page = {.status = -1, .limit = 4};
	ck_assert_str_eq(listed(q, &page, ids, &total), "5432");
	ck_assert_uint_eq(total, 6);
	page.offset = 4;
	ck_assert_str_eq(listed(q, &page, ids, &total), "10");
	ck_assert_uint_eq(total, 6);
	page.offset = 6;
	ck_assert_str_eq(listed(q, &page, ids, NULL), "");
	page = (emg_qfilter_t){
	    .status = EMG_QSTATUS_HELD, .limit = 1, .offset = 1};
	ck_assert_str_eq(listed(q, &page, ids, &total), "4");
	ck_assert_uint_eq(total, 4);
	ck_assert_str_eq(listed(q, NULL, ids, &total), "543210");
	/* the symbols come back as "A,B" */
	emg_qentry_t *en = NULL;
	ck_assert_int_eq(emg_quarantine_get(q, ids[1], &en), EMG_OK);
	ck_assert_str_eq(en->symbols, "TEST_SPOOF,TEST_MACRO");
	ck_assert(en->score == 42.0);
	emg_qentry_free(en);
	emg_qfilter_t bad = {.status = 7};
	emg_qentry_t **l = NULL;
	size_t n = 0;
	ck_assert_int_eq(emg_quarantine_list(q, &bad, &l, &n, NULL),
	                 EMG_EINVAL);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* ---- status, audit ------------------------------------------------------- */

static bool
bytes_present(const qenv_t *e, emg_quarantine_t *q, const char *id)
{
	if (e->backend == B_SQLITE) {
		char name[64];
		snprintf(name, sizeof(name), "%s.eml", id);
		return file_exists(e, name);
	}
	store_param_t p[] = {STORE_P_TEXT(id)};
	store_rows_t *r = NULL;
	bool row = false;
	size_t len = 0;
	ck_assert_int_eq(store_query(q->store,
	                             "SELECT bytes FROM quarantine_entry"
	                             " WHERE id = $1",
	                             p, 1, &r),
	                 EMG_OK);
	ck_assert_int_eq(store_next(r, &row), EMG_OK);
	ck_assert(row);
	bool present = store_blob(r, 0, &len) != NULL;
	store_rows_free(r);
	return present;
}

START_TEST(test_status)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	char id[EMG_QID_MAX];
	void *data = NULL;
	size_t len = 0;

	put_text(q, jp_msg, &env_two, NULL, id);
	ck_assert(bytes_present(&e, q, id));
	ck_assert_int_eq(emg_quarantine_set_status(q, id, EMG_QSTATUS_HELD,
	                                           "cli:root", NULL),
	                 EMG_EINVAL);
	ck_assert_int_eq(emg_quarantine_set_status(q, id, EMG_QSTATUS_RELEASED,
	                                           "cli:root", "to=taro"),
	                 EMG_OK);
	emg_qentry_t *en = NULL;
	ck_assert_int_eq(emg_quarantine_get(q, id, &en), EMG_OK);
	ck_assert_int_eq(en->status, EMG_QSTATUS_RELEASED);
	emg_qentry_free(en);
	/* released keeps the bytes; a second release is allowed */
	ck_assert(bytes_present(&e, q, id));
	ck_assert_int_eq(emg_quarantine_read(q, id, &data, &len), EMG_OK);
	free(data);
	ck_assert_int_eq(emg_quarantine_set_status(q, id, EMG_QSTATUS_RELEASED,
	                                           "web:yamada", "to=other"),
	                 EMG_OK);
	ck_assert_int_eq(emg_quarantine_set_status(q, id, EMG_QSTATUS_DELETED,
	                                           "web:yamada", NULL),
	                 EMG_OK);
	ck_assert(!bytes_present(&e, q, id));
	ck_assert_int_eq(emg_quarantine_get(q, id, &en), EMG_OK);
	ck_assert_int_eq(en->status, EMG_QSTATUS_DELETED);
	ck_assert_str_eq(en->subject, "請求書のご確認");
	emg_qentry_free(en);
	ck_assert_int_eq(emg_quarantine_read(q, id, &data, &len), EMG_EINVAL);
	ck_assert_ptr_null(data);
	ck_assert_msg(strstr(emg_quarantine_error(q), "deleted"), "%s",
	              emg_quarantine_error(q));
	ck_assert_int_eq(
	    emg_quarantine_set_status(q, id, EMG_QSTATUS_RELEASED, "x", NULL),
	    EMG_EINVAL);
	ck_assert_int_eq(
	    emg_quarantine_set_status(q, id, EMG_QSTATUS_DELETED, "x", NULL),
	    EMG_EINVAL);
	ck_assert_int_eq(emg_quarantine_set_status(q, "20260101-aaaaaaaaaaaa",
	                                           EMG_QSTATUS_DELETED, "x",
	                                           NULL),
	                 EMG_EINVAL);
	ck_assert_int_eq(emg_quarantine_set_status(q, "../../etc/passwd",
	                                           EMG_QSTATUS_DELETED, "x",
	                                           NULL),
	                 EMG_EINVAL);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

START_TEST(test_audit)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	char id[EMG_QID_MAX], other[EMG_QID_MAX];
	emg_qaudit_t *a = NULL;
	size_t n = 0;

	put_nth(q, 1, id);
	put_nth(q, 2, other);
	ck_assert_int_eq(
	    emg_quarantine_audit_add(q, id, "web:yamada", "view", NULL),
	    EMG_OK);
	ck_assert_int_eq(emg_quarantine_set_status(
	                     q, id, EMG_QSTATUS_RELEASED, "cli:root",
	                     "to=taro@corp.test via smtp:127.0.0.1:25: 250 ok"),
	                 EMG_OK);
	ck_assert_int_eq(emg_quarantine_audit_add(q, id, "cli:root", "export",
	                                          "bad \xff byte"),
	                 EMG_OK);
	ck_assert_int_eq(emg_quarantine_set_status(q, id, EMG_QSTATUS_DELETED,
	                                           "web:山田", "spam"),
	                 EMG_OK);
	ck_assert_int_eq(emg_quarantine_audit_add(q, id, "x", NULL, NULL),
	                 EMG_EINVAL);
	ck_assert_int_eq(emg_quarantine_audit(q, id, 0, &a, &n), EMG_OK);
	static const struct {
		const char *actor, *action, *detail;
	} want[] = {
	    {"web:山田", "delete", "spam"},
	    {"cli:root", "export", "bad \xef\xbf\xbd byte"},
	    {"cli:root", "release",
	     "to=taro@corp.test via smtp:127.0.0.1:25: 250 ok"},
	    {"web:yamada", "view", ""},
	    {"test@unit", "store", "test reason"},
	};
	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(a[i].id, id);
		ck_assert_str_eq(a[i].actor, want[i].actor);
		ck_assert_str_eq(a[i].action, want[i].action);
		ck_assert_str_eq(a[i].detail, want[i].detail);
		ck_assert(a[i].at > 0 && a[i].at <= time(NULL));
	}
	emg_qaudit_list_free(a, n);
	/* every entry's, newest first, limited */
	ck_assert_int_eq(emg_quarantine_audit(q, NULL, 0, &a, &n), EMG_OK);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(a[0].action, "delete");
	ck_assert_str_eq(a[5].action, "store");
	emg_qaudit_list_free(a, n);
	ck_assert_int_eq(emg_quarantine_audit(q, NULL, 2, &a, &n), EMG_OK);
	ck_assert_uint_eq(n, 2);
	emg_qaudit_list_free(a, n);
	ck_assert_int_eq(emg_quarantine_audit(q, other, 0, &a, &n), EMG_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(a[0].action, "store");
	emg_qaudit_list_free(a, n);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* ---- the sender delivers a message again --------------------------------- */

/* MSG with a Received field of the MTA's own, as each try gets one. */
static char *
with_received(const char *msg, const char *queue_id)
{
	char *out = NULL;
	ck_assert_int_gt(asprintf(&out,
	                          "Received: from mx.vendor.test (192.0.2.10)\r\n"
	                          "\tby mx.corp.test (Postfix) with ESMTP id %s;"
	                          "\r\n\tMon, 2 Mar 2026 10:00:0%d +0900\r\n%s",
	                          queue_id, (int)strlen(queue_id) % 10, msg),
	                 0);
	return out;
}

START_TEST(test_resend)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	char first[EMG_QID_MAX], id[EMG_QID_MAX];
	char *try1 = with_received(jp_msg, "4AbC1");
	char *try2 = with_received(jp_msg, "4XyZ22");

	put_text(q, try1, &env_two, NULL, first);
	ck_assert(!emg_quarantine_put_resent(q));
	/* the same message on a later try: its own Received, same id */
	put_text(q, try2, &env_two, NULL, id);
	ck_assert(emg_quarantine_put_resent(q));
	ck_assert_str_eq(id, first);
	put_text(q, jp_msg, &env_two, NULL, id);
	ck_assert_str_eq(id, first);
	ck_assert_uint_eq(count_entries(q, NULL), 1);
	emg_qaudit_t *a = NULL;
	size_t n = 0;
	ck_assert_int_eq(emg_quarantine_audit(q, first, 0, &a, &n), EMG_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(a[0].action, "resent");
	ck_assert_str_eq(a[0].actor, "test@unit");
	ck_assert_msg(strstr(a[0].detail, "192.0.2.10") != NULL, "%s",
	              a[0].detail);
	ck_assert_str_eq(a[2].action, "store");
	emg_qaudit_list_free(a, n);
	/* the stored bytes are the first try's */
	void *data = NULL;
	size_t len = 0;
	ck_assert_int_eq(emg_quarantine_read(q, first, &data, &len), EMG_OK);
	ck_assert_uint_eq(len, strlen(try1));
	ck_assert(memcmp(data, try1, len) == 0);
	free(data);

	/* anything else that differs makes another entry: a byte of the
	 * body, a header other than Received, the envelope */
	char *body = strdup(try2), *subj = strdup(try2);
	ck_assert_ptr_nonnull(body);
	ck_assert_ptr_nonnull(subj);
	body[strlen(body) - 3] ^= 1;
	*strstr(subj, "Subject:") = 's';
	const emg_envelope_t env_one = {.mail_from = env_two.mail_from,
	                                .rcpts = two_rcpts,
	                                .n_rcpts = 1};
	char other[3][EMG_QID_MAX];
	put_text(q, body, &env_two, NULL, other[0]);
	ck_assert(!emg_quarantine_put_resent(q));
	put_text(q, subj, &env_two, NULL, other[1]);
	put_text(q, try1, &env_one, NULL, other[2]);
	ck_assert_str_ne(other[0], first);
	ck_assert_str_ne(other[1], first);
	ck_assert_str_ne(other[2], first);
	ck_assert_str_ne(other[0], other[1]);
	ck_assert_uint_eq(count_entries(q, NULL), 4);
	free(body);
	free(subj);

	/* no Message-ID: never taken for a resend */
	static const char bare[] = "Subject: no id\r\n\r\nbody\r\n";
	put_text(q, bare, &env_two, NULL, other[0]);
	put_text(q, bare, &env_two, NULL, other[1]);
	ck_assert_str_ne(other[0], other[1]);
	/* a deleted entry, or one older than Postfix keeps a message
	 * queued, is not the message any more */
	ck_assert_int_eq(emg_quarantine_set_status(q, first, EMG_QSTATUS_DELETED,
	                                           "t", NULL),
	                 EMG_OK);
	put_text(q, try2, &env_two, NULL, id);
	ck_assert(!emg_quarantine_put_resent(q));
	ck_assert_str_ne(id, first);
	set_arrived(q, id, (int64_t)time(NULL) - 6 * 86400);
	put_text(q, try1, &env_two, NULL, other[0]);
	ck_assert(!emg_quarantine_put_resent(q));
	ck_assert_str_ne(other[0], id);
	ck_assert_uint_eq(count_entries(q, NULL), 8);
	free(try1);
	free(try2);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* ---- purge, recover ------------------------------------------------------ */

START_TEST(test_purge)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	char ids[4][EMG_QID_MAX];
	int64_t now = time(NULL);
	uint64_t removed = 99;

	for (int i = 0; i < 4; i++)
		put_nth(q, i + 1, ids[i]);
	set_arrived(q, ids[0], now - 40 * 86400);
	set_arrived(q, ids[1], now - 31 * 86400);
	set_arrived(q, ids[2], now - 29 * 86400);
	ck_assert_int_eq(emg_quarantine_set_status(
	                     q, ids[1], EMG_QSTATUS_DELETED, "t", NULL),
	                 EMG_OK);
	ck_assert_int_eq(
	    emg_quarantine_purge(q, now - 30 * 86400, "cli:root", &removed),
	    EMG_OK);
	ck_assert_uint_eq(removed, 2);
	emg_qentry_t *en = NULL;
	ck_assert_int_eq(emg_quarantine_get(q, ids[0], &en), EMG_EINVAL);
	ck_assert_int_eq(emg_quarantine_get(q, ids[1], &en), EMG_EINVAL);
	ck_assert_int_eq(emg_quarantine_get(q, ids[2], &en), EMG_OK);
	emg_qentry_free(en);
	ck_assert_uint_eq(count_entries(q, NULL), 2);
	if (e.backend == B_SQLITE)
		ck_assert_int_eq(dir_count(&e), 2);
	/* the audit lines stay, with one purge line */
	emg_qaudit_t *a = NULL;
	size_t n = 0;
	ck_assert_int_eq(emg_quarantine_audit(q, ids[0], 0, &a, &n), EMG_OK);
	ck_assert_uint_eq(n, 1);
	emg_qaudit_list_free(a, n);
	ck_assert_int_eq(emg_quarantine_audit(q, "*", 0, &a, &n), EMG_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(a[0].action, "purge");
	ck_assert_str_eq(a[0].actor, "cli:root");
	ck_assert_msg(strncmp(a[0].detail, "2 entries before ", 17) == 0, "%s",
	              a[0].detail);
	emg_qaudit_list_free(a, n);
	ck_assert_int_eq(
	    emg_quarantine_purge(q, now - 30 * 86400, "cli:root", &removed),
	    EMG_OK);
	ck_assert_uint_eq(removed, 0);
	ck_assert_uint_eq(emg_quarantine_retention_days(e.cfg), 9);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* Write a file NAME with TEXT into QuarantineDir. */
static void
write_file(const qenv_t *e, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", e->qdir, name);
	FILE *fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(test_recover)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	char ids[3][EMG_QID_MAX], name[160];
	uint64_t removed = 9, missing = 9;

	for (int i = 0; i < 3; i++)
		put_nth(q, i + 1, ids[i]);
	if (e.backend == B_PG) {
		ck_assert_int_eq(emg_quarantine_recover(q, &removed, &missing),
		                 EMG_OK);
		ck_assert_uint_eq(removed + missing, 0);
		emg_quarantine_close(q);
		env_done(&e);
		return;
	}
	/* what a crash leaves: a temporary file, a renamed file whose row
	 * never committed, and a row whose file is gone; a deleted entry's
	 * file that was not unlinked; a file that is not ours */
	write_file(&e, ".tmp-20260101-0123456789ab", "half");
	write_file(&e, "20260101-0123456789ab.eml", "orphan");
	write_file(&e, "notes.txt", "not ours");
	snprintf(name, sizeof(name), "%s/%s.eml", e.qdir, ids[0]);
	ck_assert_int_eq(unlink(name), 0);
	ck_assert_int_eq(emg_quarantine_set_status(
	                     q, ids[1], EMG_QSTATUS_DELETED, "t", NULL),
	                 EMG_OK);
	snprintf(name, sizeof(name), "%s.eml", ids[1]);
	write_file(&e, name, "stale");
	ck_assert_msg(emg_quarantine_recover(q, &removed, &missing) == EMG_OK,
	              "%s", emg_quarantine_error(q));
	ck_assert_uint_eq(removed, 3);
	ck_assert_uint_eq(missing, 1);
	ck_assert(!file_exists(&e, ".tmp-20260101-0123456789ab"));
	ck_assert(!file_exists(&e, "20260101-0123456789ab.eml"));
	ck_assert(!file_exists(&e, name));
	ck_assert(file_exists(&e, "notes.txt"));
	snprintf(name, sizeof(name), "%s.eml", ids[2]);
	ck_assert(file_exists(&e, name));
	void *data = NULL;
	size_t len = 0;
	ck_assert_int_eq(emg_quarantine_read(q, ids[0], &data, &len), EMG_EIO);
	ck_assert_msg(strstr(emg_quarantine_error(q), "missing"), "%s",
	              emg_quarantine_error(q));
	ck_assert_int_eq(emg_quarantine_read(q, ids[2], &data, &len), EMG_OK);
	free(data);
	/* a second run finds nothing more to do */
	ck_assert_int_eq(emg_quarantine_recover(q, &removed, &missing), EMG_OK);
	ck_assert_uint_eq(removed, 0);
	ck_assert_uint_eq(missing, 1);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* Recover waits while a put (here: another process holding the same
 * shared lock on QuarantineDir) may have a file that no row names yet. */
START_TEST(test_recover_waits)
{
	qenv_t e;
	env_setup(&e, B_SQLITE);
	emg_quarantine_t *q = env_open(&e);
	int ready[2];
	uint64_t removed = 9, missing = 9;
	struct timespec t0, t1;

	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(e.qdir, O_RDONLY | O_DIRECTORY);
		if (fd < 0 || flock(fd, LOCK_SH) != 0)
			_exit(1);
		write_file(&e, ".tmp-20260101-00000000000a", "in flight");
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(600 * 1000);
		_exit(0);
	}
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(emg_quarantine_recover(q, &removed, &missing), EMG_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double waited = (double)(t1.tv_sec - t0.tv_sec) +
	                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(waited > 0.3, "recover did not wait: %.3f s", waited);
	ck_assert_uint_eq(removed, 1);
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	close(ready[1]);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* ---- files: modes, failures, changed bytes ------------------------------- */

START_TEST(test_modes)
{
	qenv_t e;
	env_setup(&e, B_SQLITE);
	struct stat sb;
	char id[EMG_QID_MAX], path[256];

	umask(022);
	ck_assert_int_ne(stat(e.qdir, &sb), 0);
	emg_quarantine_t *q = env_open(&e);
	ck_assert_int_eq(stat(e.qdir, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0700);
	put_text(q, jp_msg, &env_two, NULL, id);
	snprintf(path, sizeof(path), "%s/%s.eml", e.qdir, id);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_uint_eq((uint64_t)sb.st_size, strlen(jp_msg));
	emg_quarantine_close(q);
	/* no QuarantineDir with SQLite; no DataStore */
	emg_config_t *cfg = tu_config("DataStore sqlite:/nonexistent.invalid/x."
	                              "db\n");
	emg_quarantine_t *none = NULL;
	char err[256] = "";
	ck_assert_int_ne(emg_quarantine_open(cfg, &none, err, sizeof(err)),
	                 EMG_OK);
	ck_assert_ptr_null(none);
	emg_config_unref(cfg);
	char conf[512];
	snprintf(conf, sizeof(conf),
	         "DataStore sqlite:%s/x.db\nQuarantineDir "
	         "\"\"\n",
	         e.dir);
	cfg = tu_config(conf);
	ck_assert_int_eq(emg_quarantine_open(cfg, &none, err, sizeof(err)),
	                 EMG_ECONFIG);
	ck_assert_msg(strstr(err, "QuarantineDir"), "%s", err);
	emg_config_unref(cfg);
	cfg = tu_config("DataStore \"\"\n");
	ck_assert_int_eq(emg_quarantine_open(cfg, &none, err, sizeof(err)),
	                 EMG_ECONFIG);
	emg_config_unref(cfg);
	env_done(&e);
}
END_TEST

/* In a child: drop to nobody (root passes every mode), or take write
 * permission away, then try a put; its exit status says what it got. */
static int
put_unwritable(const qenv_t *e, emg_quarantine_t *q, bool fsize)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char id[EMG_QID_MAX];
		size_t len = 1u << 20;
		char *m = make_msg("a@b.test", "unwritable", len);
		if (fsize) {
			struct rlimit rl = {4096, 4096};
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
		} else if (geteuid() == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(3);
		} else if (chmod(e->qdir, 0500) != 0) {
			_exit(3);
		}
		emg_status_t st = emg_quarantine_put(q, m, strlen(m), NULL,
		                                     NULL, NULL, "t", id);
		const char *err = emg_quarantine_error(q);
		const char *want =
		    fsize ? "File too large" : "Permission denied";
		printf("put into unwritable QuarantineDir: %s\n", err);
		_exit(st == EMG_EIO && strstr(err, want) && id[0] == '\0' ? 0
		                                                          : 1);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	chmod(e->qdir, 0700);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

START_TEST(test_unwritable)
{
	qenv_t e;
	env_setup(&e, B_SQLITE);
	emg_quarantine_t *q = env_open(&e);
	char id[EMG_QID_MAX];

	ck_assert_int_eq(put_unwritable(&e, q, false), 0);
	ck_assert_int_eq(put_unwritable(&e, q, true), 0);
	/* nothing left: no row, no file, no audit line */
	ck_assert_uint_eq(count_entries(q, NULL), 0);
	ck_assert_int_eq(dir_count(&e), 0);
	emg_qaudit_t *a = NULL;
	size_t n = 9;
	ck_assert_int_eq(emg_quarantine_audit(q, NULL, 0, &a, &n), EMG_OK);
	ck_assert_uint_eq(n, 0);
	emg_qaudit_list_free(a, n);
	/* and the handle still works */
	put_text(q, jp_msg, &env_two, NULL, id);
	ck_assert_uint_eq(count_entries(q, NULL), 1);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

START_TEST(test_sha_mismatch)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	char id[EMG_QID_MAX], path[256];
	void *data = NULL;
	size_t len = 0;

	put_text(q, jp_msg, &env_two, NULL, id);
	if (e.backend == B_SQLITE) {
		/* one byte changed in place, same size */
		snprintf(path, sizeof(path), "%s/%s.eml", e.qdir, id);
		int fd = open(path, O_WRONLY);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pwrite(fd, "X", 1, 10), 1);
		close(fd);
	} else {
		char *m = strdup(jp_msg);
		m[10] = 'X';
		const char *key = id;
		store_param_t p[] = {STORE_P_TEXT(key),
		                     STORE_P_BLOB(m, strlen(m))};
		ck_assert_int_eq(store_exec(q->store,
		                            "UPDATE quarantine_entry SET"
		                            " bytes = $2 WHERE id = $1",
		                            p, 2, NULL),
		                 EMG_OK);
		free(m);
	}
	ck_assert_int_eq(emg_quarantine_read(q, id, &data, &len), EMG_EIO);
	ck_assert_ptr_null(data);
	ck_assert_msg(strstr(emg_quarantine_error(q), "SHA-256"), "%s",
	              emg_quarantine_error(q));
	if (e.backend == B_SQLITE) {
		ck_assert_int_eq(truncate(path, 5), 0);
		ck_assert_int_eq(emg_quarantine_read(q, id, &data, &len),
		                 EMG_EIO);
		ck_assert_msg(strstr(emg_quarantine_error(q), "index says"),
		              "%s", emg_quarantine_error(q));
	}
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* ---- store --------------------------------------------------------------- */

/* Blobs through the backend: NUL bytes, empty, NULL, every byte value. */
START_TEST(test_store_blob)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	store_t *s = q->store;
	ck_assert_int_eq(store_exec(s,
	                            "CREATE TABLE blobtest (k BIGINT, v BYTEA)",
	                            NULL, 0, NULL),
	                 EMG_OK);
	struct {
		const void *p;
		size_t n;
		bool null;
	} cases[] = {{all, 256, false},
	             {"", 0, false},
	             {NULL, 0, true},
	             {"a\0b", 3, false}};
	for (int i = 0; i < 4; i++) {
		store_param_t p[] = {
		    STORE_P_INT(i), cases[i].null
		                        ? STORE_P_TEXT(NULL)
		                        : STORE_P_BLOB(cases[i].p, cases[i].n)};
		ck_assert_int_eq(store_exec(s,
		                            "INSERT INTO blobtest (k, v)"
		                            " VALUES ($1, $2)",
		                            p, 2, NULL),
		                 EMG_OK);
	}
	store_rows_t *r = NULL;
	bool row = false;
	ck_assert_int_eq(
	    store_query(s, "SELECT k, v FROM blobtest ORDER BY k", NULL, 0, &r),
	    EMG_OK);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(store_next(r, &row), EMG_OK);
		ck_assert(row);
		size_t n = 99;
		const void *v = store_blob(r, 1, &n);
		/* twice: the second read gives the same bytes */
		const void *again = store_blob(r, 1, &n);
		ck_assert_ptr_eq(v, again);
		if (cases[i].null) {
			ck_assert_ptr_null(v);
			ck_assert_uint_eq(n, 0);
			continue;
		}
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(n, cases[i].n);
		ck_assert_int_eq(memcmp(v, cases[i].p, n), 0);
	}
	ck_assert_int_eq(store_next(r, &row), EMG_OK);
	ck_assert(!row);
	store_rows_free(r);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* A second handle sees the first's entries; every table of the component
 * exists (web users and the release key are other files'). */
START_TEST(test_reopen)
{
	qenv_t e;
	env_setup(&e, _i);
	emg_quarantine_t *q = env_open(&e);
	emg_quarantine_t *q2 = env_open(&e);
	char id[EMG_QID_MAX];

	put_text(q, jp_msg, &env_two, NULL, id);
	emg_qentry_t *en = NULL;
	ck_assert_int_eq(emg_quarantine_get(q2, id, &en), EMG_OK);
	emg_qentry_free(en);
	static const char *const tables[] = {
	    "SELECT COUNT(*) FROM web_user",
	    "SELECT COUNT(*) FROM quarantine_secret",
	};
	for (int i = 0; i < 2; i++) {
		store_rows_t *r = NULL;
		ck_assert_int_eq(store_query(q2->store, tables[i], NULL, 0, &r),
		                 EMG_OK);
		store_rows_free(r);
	}
	int64_t version = 0;
	ck_assert_int_eq(
	    store_schema_version(q->store, "quarantine", false, &version),
	    EMG_OK);
	ck_assert_int_eq(version, 1);
	emg_quarantine_close(q2);
	/* a newer schema is refused, not downgraded */
	ck_assert_int_eq(store_set_schema_version(q->store, "quarantine", 2),
	                 EMG_OK);
	char err[256] = "";
	ck_assert_int_eq(emg_quarantine_open(e.cfg, &q2, err, sizeof(err)),
	                 EMG_ECONFIG);
	ck_assert_msg(strstr(err, "newer"), "%s", err);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* The server restarts under an open handle: the next put reconnects. */
START_TEST(test_reconnect)
{
	const char *restart = getenv("EMGUARD_TEST_PG_RESTART");
	qenv_t e;
	env_setup(&e, B_PG);
	emg_quarantine_t *q = env_open(&e);
	char id[EMG_QID_MAX];

	put_nth(q, 1, id);
	ck_assert_int_eq(system(restart), 0);
	put_nth(q, 2, id);
	ck_assert_int_eq(system(restart), 0);
	void *data = NULL;
	size_t len = 0;
	ck_assert_msg(emg_quarantine_read(q, id, &data, &len) == EMG_OK, "%s",
	              emg_quarantine_error(q));
	ck_assert_uint_eq(len, strlen(jp_msg));
	free(data);
	ck_assert_uint_eq(count_entries(q, NULL), 2);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("quarantine");
	int backends = tu_pg_conninfo() != NULL ? 2 : 1;
	const TTest *tests[] = {
	    test_roundtrip,  test_japanese, test_filters, test_status,
	    test_audit,      test_purge,    test_recover, test_sha_mismatch,
	    test_store_blob, test_reopen,   test_resend,
	};
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_loop_test(tc, tests[i], 0, backends);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_recover_waits);
	tcase_add_test(tc, test_unwritable);
	if (backends == 2 && getenv("EMGUARD_TEST_PG_RESTART") != NULL)
		tcase_add_test(tc, test_reconnect);
	suite_add_tcase(s, tc);
	if (backends == 1)
		printf(
		    "test_quarantine: EMGUARD_TEST_PG not set: SQLite only\n");
	return tu_run_suite(s);
}
