/*
 * test_lookalike.c - unit tests for lookalike.c: the pure comparison over a
 * table of look-alike and unrelated domains, the edit distance, and the
 * analyzer end to end through tu_scan().
 */
#include <stdlib.h>
#include <string.h>

#include "lookalike.h"
#include "strlist.h"
#include "testutil.h"

static const char *const internal[] = {"example-corp.co.jp", "example.test"};
static const char *const protected_[] = {"partner.co.jp", "bank.example",
                                         "abc.test", "wisdom.example",
                                         "securities-example.test"};

static lookalike_state *state;

static void setup(void)
{
	emg_strlist_t in = {0}, pr = {0};
	char err[256] = "";

	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		ck_assert_int_eq(strlist_add(&in, internal[i], (size_t)-1), 0);
	for (size_t i = 0; i < sizeof(protected_) / sizeof(protected_[0]); i++)
		ck_assert_int_eq(strlist_add(&pr, protected_[i], (size_t)-1), 0);
	ck_assert_int_eq(lookalike_state_new(&in, &pr, &state, err, sizeof(err)),
	                 EMG_OK);
	strlist_free(&in);
	strlist_free(&pr);
}

static void teardown(void)
{
	lookalike_state_free(state);
	state = NULL;
}

/* WANT is a piece of the reason for a match, or NULL for no match. */
static const struct {
	const char *domain;
	const char *want;
} match_cases[] = {
	/* ASCII substitutions */
	{"exarnple.test", "exarnple.test looks like example.test (rn/m substitution)"},
	{"examp1e.test", "(1/l substitution)"},
	{"EXARNPLE.TEST.", "rn/m"},
	{"mail.exarnple.test", "rn/m"},
	{"vvisdom.example", "vv/w"},
	{"wisclom.example", "cl/d"},
	{"wisd0m.example", "0/o"},
	{"partner.c0.jp", "0/o"},
	/* separators */
	{"partner-co.jp", "looks like partner.co.jp (hyphen in place of a dot)"},
	{"partnerco.jp", "dot removed"},
	{"part-ner.co.jp", "hyphen inserted"},
	{"examplecorp.co.jp", "hyphen removed"},
	{"examp.le.test", "dot inserted"},
	{"securitiesexample.test", "hyphen removed"},
	{"securities.example.test", NULL}, /* under example.test */
	/* combosquatting */
	{"example-secure.test", "hyphenated word added"},
	{"jp-partner.co.jp", "hyphenated word added"},
	/* the same label under another public suffix */
	{"example.co.jp", "another public suffix"},
	{"partner.jp", "another public suffix"},
	{"partner.com", "another public suffix"},
	{"bank.co.jp", "another public suffix"},
	{"example-corp.com", "looks like example-corp.co.jp"},
	/* edit distance on the registrable label */
	{"exmaple.test", "edit distance 1"},
	{"exampel.test", "edit distance 1"},
	{"examples.test", "edit distance 1"},
	{"exanple.test", "edit distance 1"},
	{"partners.co.jp", "edit distance 1"},
	{"example-crop.co.jp", "edit distance 1"},
	{"exanple-corq.co.jp", "edit distance 2"},
	/* IDN and UTS #39 skeletons */
	{"xn--xample-2of.test", "xn--xample-2of.test (\xd0\xb5xample.test) "
	                        "looks like example.test (IDN, confusable"},
	{"\xd0\xb5xample.test", "IDN, confusable characters"},
	{"xn--exmple-cua.test", "IDN"},
	{"xn--mle-5cdy2e6a.co.jp", "IDN"},
	{"xn--partnr-7of.co.jp", "looks like partner.co.jp"},
	/* not look-alikes: the guarded domains and their subdomains */
	{"example.test", NULL},
	{"EXAMPLE.TEST", NULL},
	{"example.test.", NULL},
	{"mail.example.test", NULL},
	{"a.b.example-corp.co.jp", NULL},
	{"partner.co.jp", NULL},
	{"www.partner.co.jp", NULL},
	{"bank.example", NULL},
	/* unrelated and common domains */
	{"gmail.com", NULL},
	{"yahoo.co.jp", NULL},
	{"docomo.ne.jp", NULL},
	{"ezweb.ne.jp", NULL},
	{"outlook.jp", NULL},
	{"icloud.com", NULL},
	{"nifty.com", NULL},
	{"sample.jp", NULL},
	{"exemplary.test", NULL},
	{"wikipedia.org", NULL},
	{"partnership.co.jp", NULL},
	/* short guarded names: no edit distance, no suffix swap */
	{"abd.test", NULL},
	{"abc.com", NULL},
	{"ab.test", NULL},
	{"band.example", NULL},
	{"xyz.test", NULL},
	/* not domains at all */
	{"", NULL},
	{"localhost", NULL},
	{"[192.0.2.1]", NULL},
	{"192.0.2.1", NULL},
	{"user@example.test", NULL},
	{"\xe4\xbe\x8b\xe3\x81\x88.test", NULL},
};

START_TEST(test_match)
{
	char why[512];
	const char *d = match_cases[_i].domain, *want = match_cases[_i].want;
	int got = lookalike_match(state, d, why, sizeof(why));

	if (want == NULL) {
		ck_assert_msg(got == 0, "%s: unexpected match: %s", d, why);
		ck_assert_str_eq(why, "");
	} else {
		ck_assert_msg(got == 1, "%s: no match", d);
		ck_assert_msg(strstr(why, want) != NULL, "%s: '%s' lacks '%s'", d,
		              why, want);
	}
}
END_TEST

static const struct {
	const char *a, *b;
	unsigned max, want;
} dist_cases[] = {
	{"", "", 2, 0},          {"abc", "abc", 2, 0},
	{"abc", "abd", 2, 1},    {"abc", "acb", 2, 1},
	{"abc", "ab", 2, 1},     {"abc", "xabc", 2, 1},
	{"kitten", "sitting", 3, 3}, {"kitten", "sitting", 2, 3},
	{"ca", "abc", 3, 3},     {"example", "exmaple", 2, 1},
	{"a", "abcdef", 2, 3},
};

START_TEST(test_distance)
{
	int32_t a[64], b[64];
	size_t na = strlen(dist_cases[_i].a), nb = strlen(dist_cases[_i].b);

	for (size_t i = 0; i < na; i++)
		a[i] = (unsigned char)dist_cases[_i].a[i];
	for (size_t i = 0; i < nb; i++)
		b[i] = (unsigned char)dist_cases[_i].b[i];
	ck_assert_uint_eq(lookalike_distance(a, na, b, nb, dist_cases[_i].max),
	                  dist_cases[_i].want);
}
END_TEST

/* No guarded domains: nothing matches, nothing breaks. */
START_TEST(test_empty_state)
{
	lookalike_state *st = NULL;
	char err[128], why[128];

	ck_assert_int_eq(lookalike_state_new(NULL, NULL, &st, err, sizeof(err)),
	                 EMG_OK);
	ck_assert_int_eq(lookalike_match(st, "exarnple.test", why, sizeof(why)),
	                 0);
	ck_assert_int_eq(lookalike_match(NULL, "exarnple.test", why, sizeof(why)),
	                 0);
	lookalike_state_free(st);
}
END_TEST

#define CONF                                                                \
	"InternalDomains example.test\n"                                    \
	"ProtectedDomains partner.co.jp\n"

static const struct {
	const char *from, *reply_to, *mail_from;
	const char *want;  /* symbol that must be present, or NULL */
	const char *avoid; /* symbol that must be absent, or NULL */
} scan_cases[] = {
	{"Sales <sales@exarnple.test>", NULL, NULL, "SPOOF_LOOKALIKE_DOMAIN",
	 NULL},
	{"Sales <sales@example.test>", "billing@partner-co.jp", NULL,
	 "SPOOF_LOOKALIKE_REPLY_TO", "SPOOF_LOOKALIKE_DOMAIN"},
	{"a@example.test", NULL, "bounce@xn--partnr-7of.co.jp",
	 "SPOOF_LOOKALIKE_ENVELOPE", "SPOOF_LOOKALIKE_DOMAIN"},
	{"Partner <info@mail.partner.co.jp>", NULL, "b@partner.co.jp", NULL,
	 "SPOOF_LOOKALIKE_DOMAIN"},
	{"Friend <friend@gmail.com>", "x@yahoo.co.jp", "y@gmail.com", NULL,
	 "SPOOF_LOOKALIKE_REPLY_TO"},
};

START_TEST(test_scan)
{
	char msg[1024];
	const char *rcpts[] = {"user@example.test"};
	emg_envelope_t env = {.mail_from = scan_cases[_i].mail_from,
	                      .rcpts = rcpts,
	                      .n_rcpts = 1,
	                      .client_ip = "203.0.113.5",
	                      .helo = "mx.sender.invalid"};
	emg_report_t *r;

	snprintf(msg, sizeof(msg),
	         "From: %s\n%s%s%sTo: user@example.test\n"
	         "Subject: invoice\nMessage-ID: <1@sender.invalid>\n\nHello.\n",
	         scan_cases[_i].from, scan_cases[_i].reply_to ? "Reply-To: " : "",
	         scan_cases[_i].reply_to ? scan_cases[_i].reply_to : "",
	         scan_cases[_i].reply_to ? "\n" : "");
	r = tu_scan(CONF, msg, &env);
	if (scan_cases[_i].want != NULL)
		ck_assert_msg(emg_report_has(r, scan_cases[_i].want), "want %s: %s",
		              scan_cases[_i].want, tu_symbols(r));
	if (scan_cases[_i].avoid != NULL)
		ck_assert_msg(!emg_report_has(r, scan_cases[_i].avoid),
		              "avoid %s: %s", scan_cases[_i].avoid, tu_symbols(r));
	emg_report_free(r);
}
END_TEST

/* A From look-alike of an internal domain reaches the tag threshold. */
START_TEST(test_scan_score)
{
	emg_report_t *r = tu_scan(CONF,
	                          "From: Boss <boss@examp1e.test>\n"
	                          "To: user@example.test\nSubject: urgent\n\n"
	                          "Please pay.\n",
	                          NULL);

	ck_assert_msg(emg_report_has(r, "SPOOF_LOOKALIKE_DOMAIN"), "%s",
	              tu_symbols(r));
	for (size_t i = 0; i < emg_report_finding_count(r); i++) {
		const emg_finding_t *f = emg_report_finding(r, i);

		if (strcmp(f->symbol, "SPOOF_LOOKALIKE_DOMAIN") == 0) {
			ck_assert_double_ge(f->score, 6.0);
			ck_assert_str_eq(f->category, "spoof.lookalike_domain");
			ck_assert_ptr_nonnull(strstr(f->detail, "1/l"));
		}
	}
	emg_report_free(r);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("lookalike");
	TCase *tc = tcase_create("match");
	TCase *te = tcase_create("scan");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_match, 0, N(match_cases));
	tcase_add_loop_test(tc, test_distance, 0, N(dist_cases));
	tcase_add_test(tc, test_empty_state);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(te, test_scan, 0, N(scan_cases));
	tcase_add_test(te, test_scan_score);
	suite_add_tcase(s, te);
	return tu_run_suite(s);
}
