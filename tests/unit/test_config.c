/*
 * test_config.c - emguard.conf parsing: every value type, lists from files,
 * and errors that name file:line and the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "policy.h"
#include "testutil.h"

typedef struct config_case {
	const char *text;
	const char *error; /* substring of the error, or NULL for success */
} config_case_t;

static const config_case_t config_cases[] = {
	{"", NULL},
	{"# comment only\n\n   \n", NULL},
	{"InternalDomains example-corp.test, example-corp.invalid\n", NULL},
	{"internaldomains example-corp.test\n", NULL}, /* case-insensitive */
	{"InternalNetworks 10.0.0.0/8, 192.0.2.0/24, 2001:db8::/32\n", NULL},
	{"ThresholdTag 4.5\nThresholdQuarantine 9\nThresholdReject 15\n", NULL},
	{"LimitMessageSize 10M\nLimitScanTime 500ms\n", NULL},
	{"OnError accept\nQuarantineMode both\n", NULL},
	{"Score ATTACH_UNSCANNABLE 1.5\nScore SCAN_TIMEOUT 2\n", NULL},
	{"SubjectTag \"[要注意] \"\n", NULL},
	{"Bogus 1\n", "test.conf:1: unknown keyword \"Bogus\""},
	{"\n\nThresholdTag abc\n", "test.conf:3: ThresholdTag: bad number"},
	{"InternalNetworks 10.0.0.0/33\n", "test.conf:1: bad network"},
	{"InternalNetworks not-a-net\n", "bad network \"not-a-net\""},
	{"OnError maybe\n", "OnError must be one of accept, tempfail"},
	{"QuarantineMode nowhere\n", "QuarantineMode must be one of hold"},
	{"LimitMessageSize lots\n", "LimitMessageSize: bad size"},
	{"LimitScanTime forever\n", "LimitScanTime: bad duration"},
	{"Score NO_SUCH_SYMBOL 1\n", "test.conf:1: unknown symbol"},
	{"Score ATTACH_UNSCANNABLE\n", "Score needs a symbol and a value"},
	{"Socket a\nSocket b\n", "test.conf:2: Socket given twice"},
	{"ThresholdTag 30\n", "thresholds must satisfy"},
	{"InternalDomains file:/nonexistent/emguard-list\n",
	 "cannot read list /nonexistent/emguard-list"},
};

START_TEST(test_config_table)
{
	const config_case_t *c = &config_cases[_i];
	emg_config_t *cfg = NULL;
	char err[512] = "";
	emg_status_t st = config_parse("test.conf", c->text, strlen(c->text),
	                               &cfg, err, sizeof(err));
	if (c->error == NULL) {
		ck_assert_msg(st == EMG_OK, "case %d: %s", _i, err);
		ck_assert_ptr_nonnull(cfg);
		emg_config_unref(cfg);
	} else {
		ck_assert_msg(st == EMG_ECONFIG, "case %d accepted", _i);
		ck_assert_ptr_null(cfg);
		ck_assert_msg(strstr(err, c->error) != NULL,
		              "case %d: \"%s\" lacks \"%s\"", _i, err, c->error);
	}
}
END_TEST

START_TEST(test_config_values)
{
	emg_config_t *cfg = tu_config(
	    "InternalDomains example-corp.test, Example-Corp.invalid\n"
	    "InternalNetworks 10.0.0.0/8\n"
	    "ThresholdTag 4.5\n"
	    "LimitMessageSize 10M\n"
	    "LimitScanTime 2s\n"
	    "LimitArchiveBytes 1G\n"
	    "OnError accept\n"
	    "SubjectTag \"[要注意] \"\n"
	    "Score ATTACH_UNSCANNABLE 1.5\n");
	ck_assert_uint_eq(cfg->internal_domains.n, 2);
	ck_assert_str_eq(cfg->internal_domains.v[1], "Example-Corp.invalid");
	ck_assert(strlist_has_nocase(&cfg->internal_domains,
	                             "example-corp.invalid"));
	ck_assert_uint_eq(cfg->n_internal_networks, 1);
	ck_assert(cfg->threshold_tag == 4.5);
	ck_assert(cfg->threshold_quarantine == 10.0); /* default kept */
	ck_assert_uint_eq(cfg->limits.message_size, 10u * 1024 * 1024);
	ck_assert_uint_eq(cfg->limits.scan_time_ms, 2000);
	ck_assert(cfg->limits.archive_bytes == 1024ull * 1024 * 1024);
	ck_assert_int_eq(cfg->on_error, ONERROR_ACCEPT);
	ck_assert_str_eq(cfg->subject_tag, "[要注意] ");
	long idx = policy_symbol_find("ATTACH_UNSCANNABLE");
	ck_assert_int_ge(idx, 0);
	ck_assert(cfg->symbol_scores[idx] == 1.5);
	emg_config_unref(cfg);
}
END_TEST

START_TEST(test_config_defaults)
{
	emg_config_t *cfg = tu_config(NULL);
	ck_assert(cfg->threshold_tag == 5.0);
	ck_assert(cfg->threshold_quarantine == 10.0);
	ck_assert(cfg->threshold_reject == 20.0);
	ck_assert_int_eq(cfg->on_error, ONERROR_TEMPFAIL);
	ck_assert_int_eq(cfg->quarantine_mode, QMODE_HOLD);
	ck_assert(strlist_has_nocase(&cfg->freemail_domains, "yahoo.co.jp"));
	ck_assert_uint_eq(cfg->n_internal_networks, 2);
	ck_assert_str_eq(cfg->data_store, "sqlite:/var/lib/emguard/emguard.db");
	ck_assert_uint_eq(cfg->limits.mime_depth, 20);
	emg_config_unref(cfg);
}
END_TEST

/* A list given as file:/path, one item a line, '#' comments. */
START_TEST(test_config_list_file)
{
	char path[] = "/tmp/emguard-test-list-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char *body = "# partners\npartner.test\n\nbank.test\n";
	ck_assert_int_eq(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	char text[256];
	snprintf(text, sizeof(text), "ProtectedDomains file:%s\n", path);
	emg_config_t *cfg = tu_config(text);
	ck_assert_uint_eq(cfg->protected_domains.n, 2);
	ck_assert_str_eq(cfg->protected_domains.v[0], "partner.test");
	ck_assert_str_eq(cfg->protected_domains.v[1], "bank.test");
	emg_config_unref(cfg);
	unlink(path);
}
END_TEST

/* What --dump-config writes parses back to the same values. */
START_TEST(test_config_dump_roundtrip)
{
	emg_config_t *cfg = tu_config("InternalDomains example-corp.test\n"
	                              "InternalNetworks 10.0.0.0/8, ::1/128\n"
	                              "LimitScanTime 3s\n"
	                              "Score SCAN_TIMEOUT 7\n");
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	emg_config_dump(cfg, fp, false);
	fclose(fp);
	emg_config_t *again = tu_config(buf);
	char *buf2 = NULL;
	size_t len2 = 0;
	fp = open_memstream(&buf2, &len2);
	emg_config_dump(again, fp, false);
	fclose(fp);
	ck_assert_str_eq(buf, buf2);
	ck_assert_uint_eq(again->limits.scan_time_ms, 3000);
	free(buf);
	free(buf2);
	emg_config_unref(cfg);
	emg_config_unref(again);
}
END_TEST

/* The commented sample (etc/emguard.conf) mentions every keyword. */
START_TEST(test_config_sample)
{
	emg_config_t *cfg = tu_config(NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	emg_config_dump(cfg, fp, true);
	fclose(fp);
	static const char *const keys[] = {
		"InternalDomains", "InternalNetworks", "ProtectedDomains",
		"TrustedAuthservIDs", "DataStore", "QuarantineDir", "Socket",
		"UserID", "ThresholdTag", "ThresholdQuarantine",
		"ThresholdReject", "SubjectTag", "Score", "OnError",
		"QuarantineMode", "ReleaseMethod", "LimitArchiveDepth"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "\n#%s ", keys[i]);
		ck_assert_msg(strstr(buf, needle) != NULL, "%s missing", keys[i]);
	}
	free(buf);
	emg_config_unref(cfg);
}
END_TEST

START_TEST(test_config_load_errors)
{
	emg_config_t *cfg = NULL;
	char err[512] = "";
	ck_assert_int_eq(emg_config_load("/nonexistent/emguard.conf", &cfg, err,
	                                 sizeof(err)),
	                 EMG_ECONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert(strstr(err, "/nonexistent/emguard.conf: ") == err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_config_table, 0,
	                    sizeof(config_cases) / sizeof(config_cases[0]));
	tcase_add_test(tc, test_config_values);
	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_config_list_file);
	tcase_add_test(tc, test_config_dump_roundtrip);
	tcase_add_test(tc, test_config_sample);
	tcase_add_test(tc, test_config_load_errors);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
