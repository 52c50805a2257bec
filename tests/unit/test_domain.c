/*
 * test_domain.c - unit tests for domain.c: organisational domains through
 * libpsl (multi-label public suffixes such as co.jp, names that are
 * themselves suffixes, odd input), subdomain tests and list lookups.
 */
#include <libpsl.h>
#include <string.h>

#include "domain.h"
#include "testutil.h"

static const struct {
	const char *in;
	const char *org;
} org_cases[] = {
	{"example.co.jp", "example.co.jp"},
	{"mail.example.co.jp", "example.co.jp"},
	{"a.b.c.example.co.jp", "example.co.jp"},
	{"MX.Example.CO.JP", "example.co.jp"},
	{"mail.example.com.", "example.com"},
	{"  mail.example.com ", "example.com"},
	{"example.com", "example.com"},
	{"bounce.mail.example.ne.jp", "example.ne.jp"},
	{"mail.example.tokyo.jp", "example.tokyo.jp"},
	{"www.city.shinjuku.tokyo.jp", "city.shinjuku.tokyo.jp"}, /* !city */
	{"fwd.example.test", "example.test"},
	{"host.example.invalid", "example.invalid"},
	{"example.github.io", "example.github.io"}, /* private section */
	{"co.jp", "co.jp"},   /* a public suffix: itself */
	{"jp", "jp"},
	{"localhost", "localhost"},
	{"", ""},
	{"192.0.2.1", "192.0.2.1"},
	{"ＥＸＡＭＰＬＥ.co.jp", "example.co.jp"}, /* libpsl folds width */
	{"[192.0.2.1]", "[192.0.2.1]"},
	{"2001:db8::1", "2001:db8::1"},
};

START_TEST(test_org)
{
	psl_ctx_t *psl = psl_latest(NULL);
	char buf[256];

	ck_assert_ptr_nonnull(psl);
	domain_org(psl, org_cases[_i].in, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, org_cases[_i].org) == 0, "%s -> %s, want %s",
	              org_cases[_i].in, buf, org_cases[_i].org);
	/* Without a context the built-in list gives the same answer. */
	domain_org(NULL, org_cases[_i].in, buf, sizeof(buf));
	ck_assert_str_eq(buf, org_cases[_i].org);
	psl_free(psl);
}
END_TEST

START_TEST(test_org_small_buffer)
{
	char buf[8];
	ck_assert_str_eq(domain_org(NULL, "mail.example.co.jp", buf,
	                            sizeof(buf)),
	                 "example");
	ck_assert_str_eq(domain_org(NULL, NULL, buf, sizeof(buf)), "");
}
END_TEST

static const struct {
	const char *d;
	const char *parent;
	bool want;
} sub_cases[] = {
	{"example.test", "example.test", true},
	{"mail.example.test", "example.test", true},
	{"MAIL.EXAMPLE.TEST", "example.test", true},
	{"mail.example.test.", "example.test", true},
	{"a.b.example.test", ".example.test", true},
	{"badexample.test", "example.test", false},
	{"example.test.evil.invalid", "example.test", false},
	{"test", "example.test", false},
	{"example.test", "mail.example.test", false},
	{"", "example.test", false},
	{"example.test", "", false},
	{NULL, "example.test", false},
};

START_TEST(test_is_or_sub)
{
	ck_assert_msg(domain_is_or_sub(sub_cases[_i].d, sub_cases[_i].parent) ==
	                  sub_cases[_i].want,
	              "%s under %s", sub_cases[_i].d ? sub_cases[_i].d : "(null)",
	              sub_cases[_i].parent);
}
END_TEST

static const struct {
	const char *d;
	bool want;
} list_cases[] = {
	{"example-corp.co.jp", true},
	{"tokyo.example-corp.co.jp", true},
	{"Example-Corp.CO.JP", true},
	{"example-corp.com", false},
	{"example-corp-co.jp", false},
	{"partner.example.test", true},
	{"www.partner.example.test", true},
	{"example.test", false}, /* parent of an entry is not in the list */
	{"", false},
};

START_TEST(test_in_list)
{
	emg_strlist_t l = {0};
	ck_assert_int_eq(strlist_add(&l, "example-corp.co.jp", (size_t)-1), 0);
	ck_assert_int_eq(strlist_add(&l, "partner.example.test", (size_t)-1),
	                 0);
	ck_assert_msg(domain_in_list(NULL, list_cases[_i].d, &l) ==
	                  list_cases[_i].want,
	              "%s", list_cases[_i].d);
	strlist_free(&l);
}
END_TEST

START_TEST(test_in_empty_list)
{
	emg_strlist_t l = {0};
	ck_assert(!domain_in_list(NULL, "example.test", &l));
	ck_assert(!domain_in_list(NULL, "example.test", NULL));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("domain");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_org, 0,
	                    sizeof(org_cases) / sizeof(org_cases[0]));
	tcase_add_test(tc, test_org_small_buffer);
	tcase_add_loop_test(tc, test_is_or_sub, 0,
	                    sizeof(sub_cases) / sizeof(sub_cases[0]));
	tcase_add_loop_test(tc, test_in_list, 0,
	                    sizeof(list_cases) / sizeof(list_cases[0]));
	tcase_add_test(tc, test_in_empty_list);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
