/*
 * test_sender.c - unit tests for the sender analyzer (sender.c).
 *
 * One table of messages: every symbol fires on its attack and stays quiet
 * on the clean counterparts (mailing list, newsletter, same-organisation
 * subdomain, forwarder and SRS, authenticated or internal sender, Japanese
 * display names with a full-width space).  Then the symbol table itself:
 * categories from the DESIGN.md taxonomy, one weak signal below the tag
 * threshold, a combination of strong ones at quarantine, details that name
 * addresses and never body text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "testutil.h"

static const char conf[] = "InternalDomains example-corp.test\n"
                           "InternalNetworks 127.0.0.0/8, 10.0.0.0/8\n"
                           "ProtectedDomains partner.test\n"
                           "KnownNames 山田太郎, Taro Yamada, 佐藤花子\n"
                           "Forwarders forwarder.test\n"
                           "FreemailDomains freemail.test\n";

#define BODY "SECRET-BODY-TEXT ceo@example-corp.test\n"

/* The symbols of this analyzer; "*" in a case's deny list means all of
 * them but the wanted one. */
static const char *const all_syms[] = {
	"SPOOF_DISPLAY_NAME_ADDR",    "SPOOF_DISPLAY_NAME_KNOWN",
	"SPOOF_ENVELOPE_MISMATCH",    "SPOOF_REPLY_TO_DOMAIN",
	"SPOOF_REPLY_TO_FREEMAIL",    "SPOOF_REPLY_TO_NEWSLETTER",
	"SPOOF_INTERNAL_FROM_OUTSIDE",
};

typedef struct {
	const char *name;
	const char *from;      /* From header value */
	const char *headers;   /* further header lines, each ending in \n */
	const char *mail_from; /* given envelope sender, NULL: unknown */
	const char *client_ip;
	const char *auth_user;
	const char *want;      /* symbol that must fire, or NULL */
	const char *want_in;   /* text the detail must contain, or NULL */
} sender_case_t;

#define RT(addr) "Reply-To: " addr "\n"
#define RCVD_OUT "Received: from mx1.evil.invalid (mx1.evil.invalid " \
                 "[203.0.113.5]) by mx.example-corp.test (Postfix)\n"
#define RCVD_IN "Received: from pc1.example-corp.test (pc1 [10.0.3.15]) " \
                "by mx.example-corp.test (Postfix)\n"

static const sender_case_t cases[] = {
	/* spoof.display_name: an address in the display name */
	{"dn ascii", "\"ceo@example-corp.test\" <ceo.office@evil.invalid>", "",
	 NULL, NULL, NULL, "SPOOF_DISPLAY_NAME_ADDR", "ceo@example-corp.test"},
	{"dn full-width at", "経理部 keiri＠example-corp.test <billing@evil.invalid>",
	 "", NULL, NULL, NULL, "SPOOF_DISPLAY_NAME_ADDR",
	 "keiri@example-corp.test"},
	{"dn kagikakko", "山田「yamada@partner.test」 <yamada-t@evil.invalid>", "",
	 NULL, NULL, NULL, "SPOOF_DISPLAY_NAME_ADDR", "yamada@partner.test"},
	{"dn angle brackets", "\"Sato <sato@partner.test>\" <x@evil.invalid>", "",
	 NULL, NULL, NULL, "SPOOF_DISPLAY_NAME_ADDR", "sato@partner.test"},
	{"dn single quotes", "'boss@partner.test' <x@evil.invalid>", "", NULL,
	 NULL, NULL, "SPOOF_DISPLAY_NAME_ADDR", "boss@partner.test"},
	{"dn full-width address",
	 "ｙａｍａｄａ＠ｅｘａｍｐｌｅ-ｃｏｒｐ．ｔｅｓｔ <y.yamada@evil.invalid>",
	 "", NULL, NULL, NULL, "SPOOF_DISPLAY_NAME_ADDR",
	 "yamada@example-corp.test"},
	{"dn encoded-word",
	 "=?UTF-8?B?5bGx55Sw77yIeWFtYWRhQHBhcnRuZXIudGVzdO+8iQ==?= <z@evil.invalid>",
	 "", NULL, NULL, NULL, "SPOOF_DISPLAY_NAME_ADDR", "yamada@partner.test"},
	{"dn same address", "\"sato@partner.test\" <sato@partner.test>", "", NULL,
	 NULL, NULL, NULL, NULL},
	{"dn same address other case", "\"SATO@Partner.TEST\" <sato@partner.test>",
	 "", NULL, NULL, NULL, NULL, NULL},
	{"dn same organisation", "\"support@partner.test\" "
	 "<noreply@mail.partner.test>", "", NULL, NULL, NULL, NULL, NULL},
	{"dn plain name", "Sato Hanako <sato@partner.test>", "", NULL, NULL, NULL,
	 NULL, NULL},
	{"dn at without address", "山田＠営業部 <yamada@partner.test>", "", NULL,
	 NULL, NULL, NULL, NULL},
	{"dn at between words", "Team @ Partner <team@partner.test>", "", NULL,
	 NULL, NULL, NULL, NULL},
	{"dn version-like", "build x@1.2 <ci@partner.test>", "", NULL, NULL, NULL,
	 NULL, NULL},

	/* spoof.display_name: a known person's name */
	{"known exact", "山田太郎 <taro@freemail.test>", "", NULL, NULL, NULL,
	 "SPOOF_DISPLAY_NAME_KNOWN", "taro@freemail.test"},
	{"known full-width space", "山田　太郎 <taro@freemail.test>", "", NULL,
	 NULL, NULL, "SPOOF_DISPLAY_NAME_KNOWN", "山田太郎"},
	{"known case and blanks", "\"TARO  YAMADA\" <t@evil.invalid>", "", NULL,
	 NULL, NULL, "SPOOF_DISPLAY_NAME_KNOWN", "t@evil.invalid"},
	{"known full-width latin", "Ｔａｒｏ　Ｙａｍａｄａ <t@evil.invalid>", "",
	 NULL, NULL, NULL, "SPOOF_DISPLAY_NAME_KNOWN", "Taro Yamada"},
	{"known zero-width", "山田\xe2\x80\x8b太郎 <t@evil.invalid>", "", NULL,
	 NULL, NULL, "SPOOF_DISPLAY_NAME_KNOWN", NULL},
	{"known inside", "山田　太郎 <yamada@example-corp.test>", RCVD_IN, NULL,
	 NULL, NULL, NULL, NULL},
	{"known internal subdomain", "山田太郎 <yamada@tokyo.example-corp.test>",
	 "", NULL, "10.0.0.5", NULL, NULL, NULL},
	{"other name", "山田花子 <hanako@freemail.test>", "", NULL, NULL, NULL, NULL,
	 NULL},
	{"known from protected partner", "佐藤　花子 <sato@partner.test>", "",
	 NULL, NULL, NULL, NULL, NULL},
	{"known partner name elsewhere", "佐藤花子 <sato.h@freemail.test>", "",
	 NULL, NULL, NULL, "SPOOF_DISPLAY_NAME_KNOWN", "sato.h@freemail.test"},

	/* spoof.envelope_mismatch */
	{"env unrelated", "Billing <billing@partner.test>", "",
	 "bounce-77@bulk-sender.invalid", NULL, NULL, "SPOOF_ENVELOPE_MISMATCH",
	 "bulk-sender.invalid"},
	{"env co.jp", "a@example-a.co.jp", "", "b@example-b.co.jp", NULL, NULL,
	 "SPOOF_ENVELOPE_MISMATCH", "example-a.co.jp"},
	{"env same co.jp org", "a@example.co.jp", "", "b@bounce.mail.example.co.jp",
	 NULL, NULL, NULL, NULL},
	{"env same org subdomain", "info@partner.test", "",
	 "bounces+123@mail.partner.test", NULL, NULL, NULL, NULL},
	{"env srs same origin", "sato@partner.test", "",
	 "SRS0=ab12=QX=partner.test=sato@fwd.example.net", NULL, NULL, NULL, NULL},
	{"env srs1 same origin", "sato@partner.test", "",
	 "SRS1=x1=fwd1.example.net==ab12=QX=partner.test=sato@fwd2.example.net",
	 NULL, NULL, NULL, NULL},
	{"env srs other origin", "sato@partner.test", "",
	 "SRS0=ab12=QX=other.invalid=sato@fwd.example.net", NULL, NULL,
	 "SPOOF_ENVELOPE_MISMATCH", NULL},
	{"env forwarder", "sato@partner.test", "", "x@relay.forwarder.test", NULL,
	 NULL, NULL, NULL},
	{"env list-id", "sato@partner.test",
	 "List-Id: Dev <dev.lists.example.org>\n", "dev-bounces@lists.example.org",
	 NULL, NULL, NULL, NULL},
	{"env list-post", "sato@partner.test",
	 "List-Post: <mailto:dev@lists.example.org>\n",
	 "dev-bounces@lists.example.org", NULL, NULL, NULL, NULL},
	{"env sender header", "sato@partner.test",
	 "Sender: dev-bounces@lists.example.org\n", "dev-bounces@lists.example.org",
	 NULL, NULL, NULL, NULL},
	{"env sender unrelated", "sato@partner.test",
	 "Sender: someone@third.invalid\n", "x@bulk-sender.invalid", NULL, NULL,
	 "SPOOF_ENVELOPE_MISMATCH", NULL},
	{"env null sender", "MAILER-DAEMON@partner.test", "", "<>", NULL, NULL,
	 NULL, NULL},
	{"env unknown", "sato@partner.test", "", NULL, NULL, NULL, NULL, NULL},
	{"env idn u-label vs a-label", "sato@p\xd0\xb0rtner.test", "",
	 "sato@xn--prtner-3nf.test", NULL, NULL, NULL, NULL},
	{"env idn unrelated", "sato@p\xd0\xb0rtner.test", "",
	 "sato@xn--other-idn.invalid", NULL, NULL, "SPOOF_ENVELOPE_MISMATCH",
	 NULL},
	{"env from return-path", "sato@partner.test",
	 "Return-Path: <x@bulk-sender.invalid>\n", NULL, NULL, NULL,
	 "SPOOF_ENVELOPE_MISMATCH", "x@bulk-sender.invalid"},

	/* spoof.reply_to */
	{"rt freemail", "Sato Hanako <sato@partner.test>",
	 RT("sato.partner@freemail.test"), NULL, NULL, NULL,
	 "SPOOF_REPLY_TO_FREEMAIL", "sato.partner@freemail.test"},
	{"rt freemail subdomain", "sato@partner.test",
	 RT("x@mail.freemail.test"), NULL, NULL, NULL, "SPOOF_REPLY_TO_FREEMAIL",
	 NULL},
	{"rt other business", "Sato Hanako <sato@partner.test>",
	 RT("agent@other-biz.test"), NULL, NULL, NULL, "SPOOF_REPLY_TO_DOMAIN",
	 "agent@other-biz.test"},
	{"rt freemail to freemail", "a@freemail.test", RT("b@other-free.test"),
	 NULL, NULL, NULL, "SPOOF_REPLY_TO_DOMAIN", NULL},
	{"rt newsletter", "Shop News <news@shop.test>",
	 RT("support@helpdesk-vendor.test")
	 "List-Unsubscribe: <https://shop.test/unsubscribe?u=1>\n",
	 NULL, NULL, NULL, "SPOOF_REPLY_TO_NEWSLETTER", "helpdesk-vendor.test"},
	{"rt same org", "sato@partner.test", RT("support@help.partner.test"), NULL,
	 NULL, NULL, NULL, NULL},
	{"rt same address", "sato@partner.test", RT("Sato <sato@partner.test>"),
	 NULL, NULL, NULL, NULL, NULL},
	{"rt list munging", "sato@partner.test",
	 RT("dev@lists.example.org")
	 "List-Post: <mailto:dev@lists.example.org>\n"
	 "List-Id: <dev.lists.example.org>\n",
	 "dev-bounces@lists.example.org", NULL, NULL, NULL, NULL},
	{"rt internal colleague", "sato@partner.test",
	 RT("suzuki@example-corp.test"), NULL, NULL, NULL, NULL, NULL},

	/* spoof.internal_from_outside */
	{"internal outside", "Soumu <soumu@example-corp.test>", "", NULL,
	 "203.0.113.120", NULL, "SPOOF_INTERNAL_FROM_OUTSIDE", "203.0.113.120"},
	{"internal subdomain outside", "it@tokyo.example-corp.test", "", NULL,
	 "203.0.113.121", NULL, "SPOOF_INTERNAL_FROM_OUTSIDE",
	 "it@tokyo.example-corp.test"},
	{"internal outside from Received", "soumu@example-corp.test", RCVD_OUT,
	 NULL, NULL, NULL, "SPOOF_INTERNAL_FROM_OUTSIDE", "203.0.113.5"},
	{"internal v6 outside", "soumu@example-corp.test", "", NULL,
	 "2001:db8::99", NULL, "SPOOF_INTERNAL_FROM_OUTSIDE", "2001:db8::99"},
	{"internal authenticated", "Yamada Taro <yamada@example-corp.test>", "",
	 NULL, "192.0.2.60", "yamada", NULL, NULL},
	{"internal client", "yamada@example-corp.test", "", NULL, "10.0.8.20",
	 NULL, NULL, NULL},
	{"internal client from Received", "yamada@example-corp.test", RCVD_IN,
	 NULL, NULL, NULL, NULL, NULL},
	{"internal v4-mapped client", "yamada@example-corp.test", "", NULL,
	 "::ffff:10.0.8.20", NULL, NULL, NULL},
	{"internal client unknown", "yamada@example-corp.test", "", NULL, NULL,
	 NULL, NULL, NULL},
	{"lookalike is not internal", "x@example-corp.test.evil.invalid", "",
	 NULL, "203.0.113.9", NULL, NULL, NULL},

	/* No From at all, or garbage */
	{"no from", NULL, RT("x@freemail.test"), "a@b.invalid", "203.0.113.1",
	 NULL, NULL, NULL},
	{"from without domain", "undisclosed-recipients:;", "", "a@b.invalid",
	 NULL, NULL, NULL, NULL},
};

static char *
make_message(const sender_case_t *tc)
{
	char *msg = NULL;
	int n = asprintf(&msg,
	                 "%s%s%s"
	                 "To: yamada@example-corp.test\n"
	                 "Subject: test\n"
	                 "Date: Mon, 15 Jan 2024 10:00:00 +0900\n"
	                 "Message-ID: <sender-test@example.test>\n"
	                 "MIME-Version: 1.0\n"
	                 "Content-Type: text/plain; charset=UTF-8\n"
	                 "%s\n" BODY,
	                 tc->from ? "From: " : "", tc->from ? tc->from : "",
	                 tc->from ? "\n" : "", tc->headers);
	ck_assert_int_ge(n, 0);
	return msg;
}

START_TEST(test_cases)
{
	const sender_case_t *tc = &cases[_i];
	emg_envelope_t env = {.mail_from = tc->mail_from,
	                      .client_ip = tc->client_ip,
	                      .auth_user = tc->auth_user};
	char *msg = make_message(tc);
	emg_report_t *r = tu_scan(conf, msg, &env);

	for (size_t i = 0; i < sizeof(all_syms) / sizeof(all_syms[0]); i++) {
		bool wanted = tc->want && strcmp(tc->want, all_syms[i]) == 0;
		ck_assert_msg(emg_report_has(r, all_syms[i]) == wanted,
		              "%s: %s %s; findings: %s", tc->name, all_syms[i],
		              wanted ? "missing" : "unexpected", tu_symbols(r));
	}
	if (tc->want != NULL && tc->want_in != NULL) {
		const emg_finding_t *f = tu_finding(r, tc->want);
		ck_assert_msg(strstr(f->detail, tc->want_in) != NULL,
		              "%s: detail \"%s\" lacks \"%s\"", tc->name,
		              f->detail, tc->want_in);
	}
	for (size_t i = 0; i < emg_report_finding_count(r); i++)
		ck_assert_msg(strstr(emg_report_finding(r, i)->detail,
		                     "SECRET-BODY") == NULL,
		              "%s: body text in a detail", tc->name);
	emg_report_free(r);
	free(msg);
}
END_TEST

/* The categories of DESIGN.md this analyzer may use. */
static const char *const categories[] = {
	"spoof.display_name", "spoof.envelope_mismatch", "spoof.reply_to",
	"spoof.internal_from_outside",
};

START_TEST(test_symbol_table)
{
	const emg_analyzer_t *a = &sender_analyzer;

	ck_assert_uint_eq(a->n_symbols, sizeof(all_syms) / sizeof(all_syms[0]));
	for (size_t i = 0; i < a->n_symbols; i++) {
		const emg_symbol_t *s = &a->symbols[i];
		bool known = false;
		for (size_t c = 0; c < 4; c++)
			known |= strcmp(s->category, categories[c]) == 0;
		ck_assert_msg(known, "%s: category %s", s->name, s->category);
		ck_assert_str_eq(s->name, all_syms[i]);
		/* A signal that legitimate mail also shows stays below tag on
		 * its own; one that is the attack itself tags; none alone
		 * reaches quarantine. */
		bool strong = strcmp(s->name, "SPOOF_DISPLAY_NAME_ADDR") == 0 ||
		              strcmp(s->name, "SPOOF_DISPLAY_NAME_KNOWN") == 0 ||
		              strcmp(s->name, "SPOOF_INTERNAL_FROM_OUTSIDE") == 0;
		ck_assert_msg(s->score > 0 && s->score < 10.0, "%s: %g",
		              s->name, s->score);
		ck_assert_msg(strong ? s->score >= 5.0 : s->score < 5.0,
		              "%s: %g", s->name, s->score);
		ck_assert_ptr_nonnull(s->description);
		ck_assert_int_ge(policy_symbol_find(s->name), 0);
	}
}
END_TEST

START_TEST(test_combination_quarantines)
{
	emg_envelope_t env = {.mail_from = "bounce@bulk-sender.invalid",
	                      .client_ip = "203.0.113.7"};
	emg_report_t *r = tu_scan(conf,
	                          "From: \"ceo@example-corp.test\" "
	                          "<ceo@partner-billing.invalid>\n"
	                          "Reply-To: ceo.private@freemail.test\n"
	                          "Subject: urgent\n\n" BODY,
	                          &env);
	ck_assert_msg(emg_report_score(r) >= 10.0, "score %g: %s",
	              emg_report_score(r), tu_symbols(r));
	ck_assert_int_ge(emg_report_action(r), EMG_ACTION_QUARANTINE);
	emg_report_free(r);
}
END_TEST

START_TEST(test_score_override)
{
	emg_envelope_t env = {.client_ip = "203.0.113.7"};
	char c[512];
	snprintf(c, sizeof(c), "%sScore SPOOF_INTERNAL_FROM_OUTSIDE 12\n", conf);
	emg_report_t *r = tu_scan(c, "From: a@example-corp.test\n\nx\n", &env);
	const emg_finding_t *f = tu_finding(r, "SPOOF_INTERNAL_FROM_OUTSIDE");
	ck_assert_ptr_nonnull(f);
	ck_assert_double_eq(f->score, 12.0);
	ck_assert_int_eq(emg_report_action(r), EMG_ACTION_QUARANTINE);
	emg_report_free(r);
}
END_TEST

START_TEST(test_several_from)
{
	/* Each symbol counts once even when several From addresses match. */
	emg_report_t *r = tu_scan(conf,
	                          "From: \"a@partner.test\" <x@evil.invalid>, "
	                          "\"b@partner.test\" <y@evil.invalid>\n\nx\n",
	                          NULL);
	size_t n = 0;
	for (size_t i = 0; i < emg_report_finding_count(r); i++)
		n += strcmp(emg_report_finding(r, i)->symbol,
		            "SPOOF_DISPLAY_NAME_ADDR") == 0;
	ck_assert_uint_eq(n, 1);
	emg_report_free(r);
}
END_TEST

START_TEST(test_hostile_display_name)
{
	/* Control characters never reach a detail; a huge name is capped. */
	static char from[8192];
	size_t off = (size_t)snprintf(from, sizeof(from), "From: \"");
	while (off < sizeof(from) - 64)
		from[off++] = '@';
	snprintf(from + off, sizeof(from) - off,
	         "\" <x@evil.invalid>\n\nbody\n");
	emg_report_t *r = tu_scan(conf, from, NULL);
	ck_assert(!emg_report_has(r, "SPOOF_DISPLAY_NAME_ADDR"));
	emg_report_free(r);

	emg_envelope_t env = {.mail_from = "a\x1b[31m@bulk.invalid"};
	r = tu_scan(conf, "From: b@partner.test\n\nbody\n", &env);
	const emg_finding_t *f = tu_finding(r, "SPOOF_ENVELOPE_MISMATCH");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(strchr(f->detail, '\x1b'));
	emg_report_free(r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sender");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_cases, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_symbol_table);
	tcase_add_test(tc, test_combination_quarantines);
	tcase_add_test(tc, test_score_override);
	tcase_add_test(tc, test_several_from);
	tcase_add_test(tc, test_hostile_display_name);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
