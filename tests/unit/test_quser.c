/*
 * test_quser.c - unit tests for the web page's users (quarantine_user.c)
 * and the release tokens (quarantine_token.c), on a real SQLite DataStore
 * in a fresh temporary directory.
 *
 * Users: set, verify, change, delete, list, the stored hash format, salts,
 * refused names, and that an unknown name costs what a known one costs.
 * Tokens: a token verifies for its own Message-ID only, within its time,
 * untampered, under the key of its own DataStore, and survives a reopen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quarantine.h"
#include "testutil.h"

typedef struct qenv {
	char dir[64];
	emg_config_t *cfg;
} qenv_t;

static void
env_setup(qenv_t *e)
{
	char conf[256];
	snprintf(e->dir, sizeof(e->dir), "%s/emg-quser-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	snprintf(conf, sizeof(conf),
	         "DataStore sqlite:%s/emguard.db\nQuarantineDir %s/q\n", e->dir,
	         e->dir);
	e->cfg = tu_config(conf);
}

static emg_quarantine_t *
env_open(const qenv_t *e)
{
	emg_quarantine_t *q = NULL;
	char err[256] = "";
	ck_assert_msg(emg_quarantine_open(e->cfg, &q, err, sizeof(err)) ==
	                  EMG_OK,
	              "%s", err);
	return q;
}

static void
env_done(qenv_t *e)
{
	char cmd[128];
	emg_config_unref(e->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static bool
verify(emg_quarantine_t *q, const char *name, const char *password)
{
	bool ok = true;
	ck_assert_int_eq(emg_user_verify(q, name, password, &ok), EMG_OK);
	return ok;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The hash column of NAME, read straight from the table. */
static void
stored_hash(emg_quarantine_t *q, const char *name, char *out, size_t len)
{
	store_rows_t *r = NULL;
	bool row = false;
	store_param_t p[] = {STORE_P_TEXT(name)};
	ck_assert_int_eq(
	    store_query(q->store, "SELECT hash FROM web_user WHERE name = $1",
	                p, 1, &r),
	    EMG_OK);
	ck_assert_int_eq(store_next(r, &row), EMG_OK);
	ck_assert(row);
	snprintf(out, len, "%s", store_text(r, 0));
	store_rows_free(r);
}

START_TEST(test_user_lifecycle)
{
	qenv_t e;
	env_setup(&e);
	emg_quarantine_t *q = env_open(&e);

	ck_assert_int_eq(emg_user_set(q, "yamada", "correct horse 馬"), EMG_OK);
	ck_assert(verify(q, "yamada", "correct horse 馬"));
	ck_assert(!verify(q, "yamada", "correct horse"));
	ck_assert(!verify(q, "yamada", ""));
	ck_assert(!verify(q, "Yamada", "correct horse 馬"));
	ck_assert(!verify(q, "nobody", "correct horse 馬"));

	/* a new password replaces the old one */
	ck_assert_int_eq(emg_user_set(q, "yamada", "battery staple"), EMG_OK);
	ck_assert(verify(q, "yamada", "battery staple"));
	ck_assert(!verify(q, "yamada", "correct horse 馬"));

	ck_assert_int_eq(emg_user_set(q, "admin@corp.test", "battery staple"),
	                 EMG_OK);
	char **names = NULL;
	size_t n = 0;
	ck_assert_int_eq(emg_user_list(q, &names, &n), EMG_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "admin@corp.test");
	ck_assert_str_eq(names[1], "yamada");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);

	/* the same password, two salts: two different hashes, neither of
	 * which holds the password */
	char h1[256], h2[256];
	stored_hash(q, "yamada", h1, sizeof(h1));
	stored_hash(q, "admin@corp.test", h2, sizeof(h2));
	ck_assert_msg(strncmp(h1, "$scrypt$ln=15,r=8,p=1$", 22) == 0, "%s", h1);
	ck_assert_str_ne(h1, h2);
	ck_assert_ptr_null(strstr(h1, "battery"));

	ck_assert_int_eq(emg_user_delete(q, "yamada"), EMG_OK);
	ck_assert(!verify(q, "yamada", "battery staple"));
	ck_assert_int_eq(emg_user_delete(q, "yamada"), EMG_EINVAL);
	ck_assert(verify(q, "admin@corp.test", "battery staple"));

	/* a second handle (another process, another host) sees the users */
	emg_quarantine_t *q2 = env_open(&e);
	ck_assert(verify(q2, "admin@corp.test", "battery staple"));
	emg_quarantine_close(q2);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

START_TEST(test_user_refused)
{
	qenv_t e;
	env_setup(&e);
	emg_quarantine_t *q = env_open(&e);
	static const char *const bad[] = {"",     "a b",  "a;b", "<x>",
	                                  "名前", "a\nb", "../x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(emg_user_set(q, bad[i], "long enough pw"),
		                 EMG_EINVAL);
		ck_assert(!verify(q, bad[i], "long enough pw"));
	}
	char longname[80];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(emg_user_set(q, longname, "long enough pw"),
	                 EMG_EINVAL);
	ck_assert_int_eq(emg_user_set(q, "ok", ""), EMG_EINVAL);
	ck_assert_ptr_nonnull(strstr(emg_quarantine_error(q), "password"));

	/* a row with a forged cost must not make a login take minutes */
	store_param_t p[] = {
	    STORE_P_TEXT("forged"),
	    STORE_P_TEXT("$scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$"
	                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")};
	ck_assert_int_eq(store_exec(q->store,
	                            "INSERT INTO web_user (name, hash, created,"
	                            " changed) VALUES ($1, $2, 0, 0)",
	                            p, 2, NULL),
	                 EMG_OK);
	double t0 = now_s();
	ck_assert(!verify(q, "forged", "anything"));
	ck_assert_msg(now_s() - t0 < 5.0, "forged cost was honoured");
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* An unknown name costs a real scrypt run: timing does not tell which
 * names exist. */
START_TEST(test_user_timing)
{
	qenv_t e;
	env_setup(&e);
	emg_quarantine_t *q = env_open(&e);
	ck_assert_int_eq(emg_user_set(q, "known", "some password"), EMG_OK);
	double known = 1e9, unknown = 1e9;
	for (int i = 0; i < 3; i++) {
		double t0 = now_s();
		ck_assert(!verify(q, "known", "wrong password"));
		double t1 = now_s();
		ck_assert(!verify(q, "unknown", "wrong password"));
		double t2 = now_s();
		known = t1 - t0 < known ? t1 - t0 : known;
		unknown = t2 - t1 < unknown ? t2 - t1 : unknown;
	}
	ck_assert_msg(unknown > 0.5 * known && known > 0.5 * unknown,
	              "known %.3f s, unknown %.3f s", known, unknown);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

static emg_qentry_t
entry(const char *id, const char *message_id)
{
	emg_qentry_t e;
	memset(&e, 0, sizeof(e));
	snprintf(e.id, sizeof(e.id), "%s", id);
	e.message_id = message_id;
	return e;
}

/* The message a token is made for, and how it comes back through the
 * milter: CRLF line ends, other headers, a final line end added. */
static const char token_msg[] = "Message-ID: <abc@partner.test>\n"
                                "Subject: invoice\n"
                                "\n"
                                "Dear Suzuki,\n"
                                "\n"
                                "the invoice is attached.";
static const char token_msg_back[] = "Received: from localhost\r\n"
                                     "Message-ID: <abc@partner.test>\r\n"
                                     "Subject: invoice\r\n"
                                     "\r\n"
                                     "Dear Suzuki,\r\n"
                                     "\r\n"
                                     "the invoice is attached.\r\n"
                                     "\r\n";

static bool
token_ok_msg(emg_quarantine_t *q, const char *value, const char *msgid,
             const char *msg, int64_t now, char *id)
{
	bool valid = true;
	ck_assert_int_eq(emg_quarantine_release_verify(q, value, msgid, msg,
	                                               strlen(msg), now, &valid,
	                                               id),
	                 EMG_OK);
	return valid;
}

static bool
token_ok(emg_quarantine_t *q, const char *value, const char *msgid, int64_t now,
         char *id)
{
	return token_ok_msg(q, value, msgid, token_msg_back, now, id);
}

START_TEST(test_token)
{
	qenv_t e;
	env_setup(&e);
	emg_quarantine_t *q = env_open(&e);
	emg_qentry_t en = entry("20261122-3fa9c01d7e4b", "abc@partner.test");
	int64_t now = 1795000000;
	char tok[512], id[EMG_QID_MAX];

	ck_assert_int_eq(emg_quarantine_release_token(
	                     q, &en, token_msg, strlen(token_msg),
	                     "web:yamada; x=1", now, tok, sizeof(tok)),
	                 EMG_OK);
	const char *want = "v2; id=20261122-3fa9c01d7e4b; by=web:yamada__x_1; "
	                   "t=1795000000; mac=";
	ck_assert_msg(strncmp(tok, want, strlen(want)) == 0, "%s", tok);
	ck_assert_uint_eq(strlen(tok), strlen(want) + 64);
	ck_assert(token_ok(q, tok, "abc@partner.test", now, id));
	ck_assert_str_eq(id, "20261122-3fa9c01d7e4b");
	/* within its lifetime, a little clock skew either way */
	ck_assert(token_ok(q, tok, "abc@partner.test",
	                   now + EMG_RELEASE_TOKEN_TTL, NULL));
	ck_assert(token_ok(q, tok, "abc@partner.test", now - 60, NULL));
	ck_assert(!token_ok(q, tok, "abc@partner.test",
	                    now + EMG_RELEASE_TOKEN_TTL + 1, id));
	ck_assert_str_eq(id, "");
	ck_assert(!token_ok(q, tok, "abc@partner.test", now - 3600, NULL));
	/* another message's Message-ID */
	ck_assert(!token_ok(q, tok, "other@partner.test", now, NULL));
	ck_assert(!token_ok(q, tok, NULL, now, NULL));
	/* the same body as stored, LF and no final line end: valid */
	ck_assert(token_ok_msg(q, tok, "abc@partner.test", token_msg, now,
	                       NULL));
	/* a token copied into another body under the same Message-ID, a
	 * changed line, a line more, no body at all: invalid */
	ck_assert(!token_ok_msg(q, tok, "abc@partner.test",
	                        "Message-ID: <abc@partner.test>\r\n\r\n"
	                        "Please open the attached invoice.zip\r\n",
	                        now, NULL));
	ck_assert(!token_ok_msg(q, tok, "abc@partner.test",
	                        "Subject: invoice\n\nDear Suzuki,\n\n"
	                        "the invoice is attached!\n",
	                        now, NULL));
	ck_assert(!token_ok_msg(q, tok, "abc@partner.test",
	                        "Subject: invoice\n\nDear Suzuki,\n\n"
	                        "the invoice is attached.\nP.S.\n",
	                        now, NULL));
	ck_assert(!token_ok_msg(q, tok, "abc@partner.test",
	                        "Subject: invoice\n", now, NULL));
	/* empty lines inside the body count, only trailing ones do not */
	ck_assert(!token_ok_msg(q, tok, "abc@partner.test",
	                        "Subject: invoice\n\nDear Suzuki,\n"
	                        "the invoice is attached.\n",
	                        now, NULL));

	/* any changed field breaks it */
	char bad[512];
	snprintf(bad, sizeof(bad), "%s", tok);
	char *m = strstr(bad, "mac=") + 4;
	m[0] = m[0] == '0' ? '1' : '0';
	ck_assert(!token_ok(q, bad, "abc@partner.test", now, NULL));
	snprintf(bad, sizeof(bad), "%s", tok);
	strstr(bad, "3fa9c")[0] = '4';
	ck_assert(!token_ok(q, bad, "abc@partner.test", now, NULL));
	snprintf(bad, sizeof(bad), "%s", tok);
	strstr(bad, "yamada")[0] = 'Y';
	ck_assert(!token_ok(q, bad, "abc@partner.test", now, NULL));
	snprintf(bad, sizeof(bad), "%s", tok);
	strstr(bad, "t=1795")[11] = '1';
	ck_assert(!token_ok(q, bad, "abc@partner.test", now, NULL));

	/* garbage is a "no", never an error */
	static const char *const junk[] = {
	    "",
	    "v2;",
	    "v1; id=20261122-3fa9c01d7e4b; by=a; t=1; mac=00",
	    "v3; id=20261122-3fa9c01d7e4b; by=a; t=1; mac=00",
	    "v2; id=../../etc; by=a; t=1795000000; mac=00",
	    "v2; id=20261122-3fa9c01d7e4b; by=a; t=x; mac=00",
	    "v2; id=20261122-3fa9c01d7e4b; by=a; t=1795000000; mac=zz",
	    "v2; id=20261122-3fa9c01d7e4b; by=; t=1795000000; mac=00"};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		ck_assert(!token_ok(q, junk[i], "abc@partner.test", now, NULL));

	/* the key lives in the DataStore: a new handle verifies */
	emg_quarantine_t *q2 = env_open(&e);
	ck_assert(token_ok(q2, tok, "abc@partner.test", now, NULL));
	emg_quarantine_close(q2);

	/* another DataStore has another key */
	qenv_t other;
	env_setup(&other);
	emg_quarantine_t *q3 = env_open(&other);
	ck_assert(!token_ok(q3, tok, "abc@partner.test", now, NULL));
	emg_quarantine_close(q3);
	env_done(&other);

	/* a damaged key is an error, not a silent "no" */
	ck_assert_int_eq(
	    store_exec(q->store, "UPDATE quarantine_secret SET value = 'xyz'",
	               NULL, 0, NULL),
	    EMG_OK);
	bool valid = true;
	ck_assert_int_eq(emg_quarantine_release_verify(
	                     q, tok, "abc@partner.test", token_msg,
	                     strlen(token_msg), now, &valid, NULL),
	                 EMG_EIO);
	ck_assert(!valid);
	ck_assert_ptr_nonnull(strstr(emg_quarantine_error(q), "damaged"));
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

/* A message without a Message-ID gets a token bound to the empty one. */
START_TEST(test_token_no_message_id)
{
	qenv_t e;
	env_setup(&e);
	emg_quarantine_t *q = env_open(&e);
	emg_qentry_t en = entry("20261122-000000000001", "");
	char tok[512];
	ck_assert_int_eq(emg_quarantine_release_token(q, &en, token_msg,
	                                              strlen(token_msg),
	                                              "cli:root", 100, tok,
	                                              sizeof(tok)),
	                 EMG_OK);
	ck_assert(token_ok(q, tok, "", 100, NULL));
	ck_assert(token_ok(q, tok, NULL, 100, NULL));
	ck_assert(!token_ok(q, tok, "x@y.test", 100, NULL));
	ck_assert_int_eq(emg_quarantine_release_token(q, &en, token_msg,
	                                              strlen(token_msg),
	                                              "cli:root", 100, tok, 20),
	                 EMG_ELIMIT);
	emg_qentry_t bad = entry("../etc/passwd", "x");
	ck_assert_int_eq(emg_quarantine_release_token(q, &bad, token_msg,
	                                              strlen(token_msg),
	                                              "cli:root", 100, tok,
	                                              sizeof(tok)),
	                 EMG_EINVAL);
	emg_quarantine_close(q);
	env_done(&e);
}
END_TEST

TESTUTIL_MAIN("quser", test_user_lifecycle, test_user_refused, test_user_timing,
              test_token, test_token_no_message_id)
