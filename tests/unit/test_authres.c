/*
 * test_authres.c - unit tests for authres.c: the RFC 8601 parser over
 * real-world Authentication-Results forms (Gmail, Office 365, OpenDKIM,
 * OpenDMARC, rspamd, SpamAssassin's test headers) and hostile input, then
 * the analyzer end to end through tu_scan().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "testutil.h"

/* The parse as one line: "id vN | method=result ptype.name=value | ...". */
static void render(const authres_t *ar, char *buf, size_t len)
{
	size_t o = 0;

#define PUT(...)                                                            \
	do {                                                                \
		int n_ = snprintf(buf + o, len - o, __VA_ARGS__);           \
		if (n_ > 0 && (size_t)n_ < len - o)                         \
			o += (size_t)n_;                                    \
	} while (0)
	PUT("%s v%u", ar->authserv_id, ar->version);
	if (ar->none)
		PUT(" none");
	for (size_t i = 0; i < ar->n; i++) {
		const authres_result_t *r = &ar->res[i];

		PUT(" | %s=%s", r->method, r->result);
		for (size_t j = 0; j < r->n_props; j++)
			PUT(" %s%s%s=%s", r->props[j].ptype,
			    r->props[j].ptype[0] ? "." : "", r->props[j].name,
			    r->props[j].value);
	}
	if (ar->dropped)
		PUT(" dropped=%zu", ar->dropped);
#undef PUT
}

static const struct {
	const char *value;
	int rc;
	const char *want;
} parse_cases[] = {
	/* Gmail */
	{"mx.google.com;\n       dkim=pass header.i=@outlook.com "
	 "header.s=selector1 header.b=CjJhz37G;\n       arc=pass (i=1);\n"
	 "       spf=pass (google.com: domain of a@outlook.com designates "
	 "192.0.2.29 as permitted sender) smtp.mailfrom=a@outlook.com;\n"
	 "       dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) "
	 "header.from=outlook.com",
	 0,
	 "mx.google.com v1 | dkim=pass header.i=@outlook.com header.s=selector1 "
	 "header.b=CjJhz37G | arc=pass | spf=pass smtp.mailfrom=a@outlook.com | "
	 "dmarc=pass header.from=outlook.com"},
	{"mx.google.com;\n       dkim=pass header.i=@example.test "
	 "header.s=dkim header.b=\"oVxOH/NU\";",
	 0,
	 "mx.google.com v1 | dkim=pass header.i=@example.test header.s=dkim "
	 "header.b=oVxOH/NU"},
	/* Office 365: no authserv-id */
	{"spf=pass (sender IP is 192.0.2.7) smtp.mailfrom=example.test; "
	 "dkim=pass (signature was verified) header.d=example.test;dmarc=pass "
	 "action=none header.from=example.test;compauth=pass reason=100",
	 -1,
	 " v1 | spf=pass smtp.mailfrom=example.test | dkim=pass "
	 "header.d=example.test | dmarc=pass action=none "
	 "header.from=example.test | compauth=pass reason=100"},
	/* OpenDKIM, OpenDMARC */
	{"mx.example.test; dkim=pass (2048-bit key; unprotected) "
	 "header.d=example.test header.i=@example.test header.b=SI+iqkld",
	 0,
	 "mx.example.test v1 | dkim=pass header.d=example.test "
	 "header.i=@example.test header.b=SI+iqkld"},
	{"mx.example.test; dmarc=fail (p=reject dis=none) header.from=example.test",
	 0, "mx.example.test v1 | dmarc=fail header.from=example.test"},
	{"authrestest2int; dmarc=none (p=none dis=none) header.from=example.test",
	 0, "authrestest2int v1 | dmarc=none header.from=example.test"},
	/* rspamd */
	{"mail.example.test;\n\tdkim=pass header.d=example.org header.s=dkim "
	 "header.b=H7pb97c0;\n\tdkim=fail (body hash did not verify) "
	 "header.d=outlook.com header.s=selector1 header.b=LWxzK+W8;\n\t"
	 "dmarc=fail reason=\"SPF not aligned (relaxed), DKIM not aligned "
	 "(relaxed)\" header.from=outlook.com (policy=none);\n\tspf=softfail "
	 "(mail.example.test: 192.0.2.1 is neither permitted nor denied by "
	 "domain of a@example.org) smtp.mailfrom=a@example.org",
	 0,
	 "mail.example.test v1 | dkim=pass header.d=example.org header.s=dkim "
	 "header.b=H7pb97c0 | dkim=fail header.d=outlook.com header.s=selector1 "
	 "header.b=LWxzK+W8 | dmarc=fail reason=SPF not aligned (relaxed), DKIM "
	 "not aligned (relaxed) header.from=outlook.com | spf=softfail "
	 "smtp.mailfrom=a@example.org"},
	{"mail.example.test;\n\tauth=pass smtp.auth=user@example.test "
	 "smtp.mailfrom=user@example.test",
	 0,
	 "mail.example.test v1 | auth=pass smtp.auth=user@example.test "
	 "smtp.mailfrom=user@example.test"},
	/* SpamAssassin's test forms */
	{"sa-test.example.test; header.From=test@example.test; dkim=pass (\n"
	 "        message from example.test verified; );",
	 0, "sa-test.example.test v1 | dkim=pass"},
	{"authrestest4int 2; spf=fail reason (BAH) = \"just some (<>.%&! "
	 "reason\" smtp.mailfrom=dogma.example.test",
	 0,
	 "authrestest4int v2 | spf=fail reason=just some (<>.%&! reason "
	 "smtp.mailfrom=dogma.example.test"},
	{"authrestest6int;\n        dkim=fail (2048-bit key; unprotected) "
	 "header.d=gmail.com header.i=\" foo bar \\\"xyz\\\"@gmail.com\" "
	 "header.b=SI+iqkld;",
	 0,
	 "authrestest6int v1 | dkim=fail header.d=gmail.com header.i= foo bar "
	 "\"xyz\"@gmail.com header.b=SI+iqkld"},
	{"mr.example.test;\n spf=pass (example: domain of  designates "
	 "192.0.2.115 as permitted sender) smtp.mail=;\n dkim=pass "
	 "header.i=@example.test",
	 0,
	 "mr.example.test v1 | spf=pass smtp.mail= | dkim=pass "
	 "header.i=@example.test"},
	/* RFC 8601 odds and ends */
	{"example.org 1; none", 0, "example.org v1 none"},
	{"example.org; none (no checks were done)", 0, "example.org v1 none"},
	{"\"mx.example.test\"; spf=pass smtp.mailfrom=a@example.test", 0,
	 "mx.example.test v1 | spf=pass smtp.mailfrom=a@example.test"},
	{"mx.example.test; dkim/1=pass header.d=example.test", 0,
	 "mx.example.test v1 | dkim=pass header.d=example.test"},
	{"mx.example.test (a (nested) \\) comment); spf = pass smtp . mailfrom = "
	 "a@example.test ;", 0,
	 "mx.example.test v1 | spf=pass smtp.mailfrom=a@example.test"},
	{"MX.Example.TEST; SPF=FAIL SMTP.MailFrom=User@Example.TEST", 0,
	 "mx.example.test v1 | spf=fail smtp.mailfrom=User@Example.TEST"},
	{"mx.example.test; iprev=pass policy.iprev=192.0.2.200 (mail.example.test)",
	 0, "mx.example.test v1 | iprev=pass policy.iprev=192.0.2.200"},
	/* broken and hostile */
	{"", -1, " v1"},
	{"   ", -1, " v1"},
	{"(unclosed comment", -1, " v1"},
	{";;;=;=", -1, " v1"},
	{"mx.test; spf", 0, "mx.test v1"},
	{"mx.test; spf=", 0, "mx.test v1"},
	{"mx.test; =fail; spf=fail", 0, "mx.test v1 | spf=fail"},
	{"mx.test; spf=fail smtp.mailfrom=\"unclosed", 0,
	 "mx.test v1 | spf=fail smtp.mailfrom=unclosed"},
	{"mx.test; spf=fail . = .x. ==; dkim=pass", 0,
	 "mx.test v1 | spf=fail | dkim=pass"},
	{"mx.test; a=1;b=2;c=3;d=4;e=5;f=6;g=7;h=8;i=9;j=10;k=11;l=12;m=13;"
	 "n=14;o=15;p=16;q=17;r=18", 0,
	 "mx.test v1 | a=1 | b=2 | c=3 | d=4 | e=5 | f=6 | g=7 | h=8 | i=9 | "
	 "j=10 | k=11 | l=12 | m=13 | n=14 | o=15 | p=16 dropped=2"},
	{"mx.test; spf=pass a.a=1 a.b=2 a.c=3 a.d=4 a.e=5 a.f=6 a.g=7", 0,
	 "mx.test v1 | spf=pass a.a=1 a.b=2 a.c=3 a.d=4 a.e=5 a.f=6 dropped=1"},
};

START_TEST(test_parse)
{
	authres_t *ar = malloc(sizeof(*ar));
	char got[2048];

	ck_assert_ptr_nonnull(ar);
	ck_assert_int_eq(authres_parse(parse_cases[_i].value, ar),
	                 parse_cases[_i].rc);
	render(ar, got, sizeof(got));
	ck_assert_str_eq(got, parse_cases[_i].want);
	free(ar);
}
END_TEST

START_TEST(test_prop)
{
	authres_t *ar = malloc(sizeof(*ar));

	ck_assert_int_eq(authres_parse("mx.test; dmarc=fail header.from=x.test "
	                               "reason=r; spf=fail",
	                               ar),
	                 0);
	ck_assert_str_eq(authres_prop(&ar->res[0], "header", "from"), "x.test");
	ck_assert_str_eq(authres_prop(&ar->res[0], "", "reason"), "r");
	ck_assert_ptr_null(authres_prop(&ar->res[0], "smtp", "mailfrom"));
	ck_assert_ptr_null(authres_prop(&ar->res[1], "header", "from"));
	free(ar);
}
END_TEST

/* A long hostile header: bounded time, no crash. */
START_TEST(test_parse_long)
{
	static const char *const units[] = {"(((((", "\"", "; a=b c.d=e",
	                                    "\\", ";", "=", "."};
	size_t ul = strlen(units[_i]), n = 200000 / ul;
	char *v = malloc(n * ul + 16), *q;
	authres_t *ar = malloc(sizeof(*ar));

	strcpy(v, "mx.test ");
	q = v + strlen(v);
	for (size_t i = 0; i < n; i++, q += ul)
		memcpy(q, units[_i], ul);
	*q = '\0';
	authres_parse(v, ar);
	ck_assert_str_eq(ar->authserv_id, "mx.test");
	free(ar);
	free(v);
}
END_TEST

/* ---- the analyzer end to end ---------------------------------------- */

#define CONF                                                                \
	"TrustedAuthservIDs mx.example.test, relay.example.test\n"          \
	"InternalNetworks 192.0.2.0/24\n"                                   \
	"InternalDomains example.test\n"

#define RCVD_OUT                                                            \
	"Received: from mail.sender.invalid (mail.sender.invalid "          \
	"[203.0.113.9])\n\tby mx.example.test (Postfix) with ESMTPS id "    \
	"4AbCd; Mon, 1 Jul 2024 10:00:00 +0900\n"
#define RCVD_IN                                                             \
	"Received: from mx.example.test (mx.example.test [192.0.2.10])\n"   \
	"\tby mail.example.test (Postfix) with ESMTP id 5EfGh; Mon, 1 Jul " \
	"2024 10:00:01 +0900\n"
/* The hop before ours: the sender's own MTA. */
#define RCVD_PREV                                                           \
	"Received: from pc.sender.invalid (unknown [198.51.100.7])\n"        \
	"\tby mail.sender.invalid with ESMTP; Mon, 1 Jul 2024 09:59:59 +0900\n"
#define BODY                                                                \
	"From: Sender <a@sender.invalid>\nTo: b@example.test\n"            \
	"Subject: hello\nMessage-ID: <x@sender.invalid>\n\nHello.\n"

static const struct {
	const char *headers;
	const char *want;  /* comma-separated symbols that must be present */
	const char *avoid; /* comma-separated symbols that must be absent */
} scan_cases[] = {
	{"Authentication-Results: mx.example.test; dmarc=fail (p=reject) "
	 "header.from=sender.invalid\n",
	 "SPOOF_AUTH_DMARC_FAIL", "SPOOF_AUTHRES_FORGED"},
	{"Authentication-Results: mx.example.test; spf=fail "
	 "smtp.mailfrom=a@sender.invalid\n",
	 "SPOOF_AUTH_SPF_FAIL", "SPOOF_AUTH_SPF_SOFTFAIL"},
	{"Authentication-Results: mx.example.test; spf=softfail "
	 "smtp.mailfrom=a@sender.invalid\n",
	 "SPOOF_AUTH_SPF_SOFTFAIL", "SPOOF_AUTH_SPF_FAIL"},
	{"Authentication-Results: mx.example.test; dkim=fail "
	 "header.d=sender.invalid\n",
	 "SPOOF_AUTH_DKIM_FAIL", NULL},
	/* a mailing list broke one signature, another passed */
	{"Authentication-Results: mx.example.test; dkim=fail "
	 "header.d=sender.invalid; dkim=pass header.d=list.invalid\n",
	 NULL, "SPOOF_AUTH_DKIM_FAIL"},
	/* someone else's verdict is not ours to believe */
	{"Authentication-Results: mx.other.invalid; spf=fail; dmarc=fail\n",
	 NULL, "SPOOF_AUTH_SPF_FAIL,SPOOF_AUTH_DMARC_FAIL,SPOOF_AUTHRES_FORGED"},
	{"Authentication-Results: mx.example.test; spf=pass "
	 "smtp.mailfrom=a@sender.invalid; dkim=pass header.d=sender.invalid; "
	 "dmarc=pass header.from=sender.invalid\n",
	 NULL,
	 "SPOOF_AUTH_SPF_FAIL,SPOOF_AUTH_DKIM_FAIL,SPOOF_AUTH_DMARC_FAIL,"
	 "SPOOF_AUTHRES_FORGED"},
	/* ours above the outside Received line, theirs below the hop
	 * before it */
	{"Authentication-Results: mx.example.test; spf=fail "
	 "smtp.mailfrom=a@sender.invalid\n" RCVD_OUT RCVD_PREV
	 "Authentication-Results: mx.example.test; spf=pass; dmarc=pass\n",
	 "SPOOF_AUTH_SPF_FAIL,SPOOF_AUTHRES_FORGED", NULL},
	/* a forged pass says nothing, a forged fail is not believed either */
	{RCVD_OUT RCVD_PREV "Authentication-Results: mx.example.test; "
	                    "dmarc=fail header.from=sender.invalid\n",
	 "SPOOF_AUTHRES_FORGED", "SPOOF_AUTH_DMARC_FAIL"},
	/* OpenDKIM/OpenDMARC insert theirs right below our Received line */
	{RCVD_OUT "Authentication-Results: mx.example.test; dmarc=fail "
	          "header.from=sender.invalid\n" RCVD_PREV,
	 "SPOOF_AUTH_DMARC_FAIL", "SPOOF_AUTHRES_FORGED"},
	/* a second, internal hop: the gateway's header is still ours */
	{RCVD_IN "Authentication-Results: relay.example.test; dmarc=fail "
	         "header.from=sender.invalid\n" RCVD_OUT,
	 "SPOOF_AUTH_DMARC_FAIL", "SPOOF_AUTHRES_FORGED"},
	/* an untrusted id below the line is not a forgery of ours */
	{RCVD_OUT "Authentication-Results: mx.sender.invalid; spf=pass\n", NULL,
	 "SPOOF_AUTHRES_FORGED"},
	/* Office 365 form: no authserv-id, never trusted */
	{"Authentication-Results: spf=fail (sender IP is 203.0.113.9) "
	 "smtp.mailfrom=sender.invalid; dmarc=fail action=none "
	 "header.from=sender.invalid\n",
	 NULL, "SPOOF_AUTH_SPF_FAIL,SPOOF_AUTH_DMARC_FAIL"},
};

/* True when every comma-separated symbol of LIST is (or is not) in R. */
static void check_symbols(const emg_report_t *r, const char *list, bool want)
{
	char buf[256], *save = NULL;

	if (list == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *s = strtok_r(buf, ",", &save); s != NULL;
	     s = strtok_r(NULL, ",", &save))
		ck_assert_msg(emg_report_has(r, s) == want, "%s %s: %s",
		              want ? "want" : "avoid", s, tu_symbols(r));
}

START_TEST(test_scan)
{
	char msg[2048];
	emg_report_t *r;

	snprintf(msg, sizeof(msg), "%s%s", scan_cases[_i].headers, BODY);
	r = tu_scan(CONF, msg, NULL);
	check_symbols(r, scan_cases[_i].want, true);
	check_symbols(r, scan_cases[_i].avoid, false);
	emg_report_free(r);
}
END_TEST

/* Details name the method, the result and the property; DMARC scores
 * highest of the failures. */
START_TEST(test_scan_detail)
{
	emg_report_t *r = tu_scan(CONF,
	                          "Authentication-Results: mx.example.test; "
	                          "spf=fail smtp.mailfrom=a@sender.invalid; "
	                          "dkim=fail header.d=sender.invalid; "
	                          "dmarc=fail header.from=sender.invalid\n" BODY,
	                          NULL);
	double dmarc = 0, other = 0;

	for (size_t i = 0; i < emg_report_finding_count(r); i++) {
		const emg_finding_t *f = emg_report_finding(r, i);

		if (strncmp(f->symbol, "SPOOF_AUTH", 10) != 0)
			continue;
		ck_assert_str_eq(f->category, "spoof.auth_fail");
		if (strcmp(f->symbol, "SPOOF_AUTH_DMARC_FAIL") == 0) {
			dmarc = f->score;
			ck_assert_str_eq(f->detail, "dmarc=fail header.from="
			                            "sender.invalid (by "
			                            "mx.example.test)");
		} else if (f->score > other) {
			other = f->score;
		}
		if (strcmp(f->symbol, "SPOOF_AUTH_SPF_FAIL") == 0)
			ck_assert_str_eq(f->detail, "spf=fail smtp.mailfrom="
			                            "a@sender.invalid (by "
			                            "mx.example.test)");
	}
	ck_assert_double_gt(dmarc, other);
	ck_assert_double_gt(other, 0);
	emg_report_free(r);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("authres");
	TCase *tc = tcase_create("parse");
	TCase *te = tcase_create("scan");

	tcase_add_loop_test(tc, test_parse, 0, N(parse_cases));
	tcase_add_test(tc, test_prop);
	tcase_add_loop_test(tc, test_parse_long, 0, 7);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(te, test_scan, 0, N(scan_cases));
	tcase_add_test(te, test_scan_detail);
	suite_add_tcase(s, te);
	return tu_run_suite(s);
}
