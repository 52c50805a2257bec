/*
 * test_thread.c - unit tests for the thread analyzer (thread.c).
 *
 * First a table of messages scanned without a history: reply and forward
 * prefixes with and without In-Reply-To/References and a quoted original,
 * the quoted-sender checks over Outlook, Gmail and Thunderbird quotes, and
 * the clean look-alikes (a colleague forwarding a thread, a second address
 * of the same organisation, a mailing list, a new customer's first mail).
 * Then the symbol table, and the scores of an Emotet-style forged reply.
 * Only .test / .invalid addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "testutil.h"

static const char conf[] = "InternalDomains example-corp.test\n"
                           "InternalNetworks 127.0.0.0/8, 10.0.0.0/8\n"
                           "ProtectedDomains partner.test\n"
                           "FreemailDomains freemail.test\n";

/* The symbols of this analyzer. */
static const char *const all_syms[] = {
	"THREAD_REPLY_NO_REFS",        "THREAD_REPLY_NO_REFS_QUOTED",
	"THREAD_FORWARD_NO_REFS",      "THREAD_UNKNOWN_REFS",
	"THREAD_STOLEN",               "THREAD_HISTORY_NOT_USED",
	"THREAD_KNOWN_REPLY",          "THREAD_QUOTED_NAME_MISMATCH",
	"THREAD_QUOTED_NOT_PARTICIPANT",
};

#define IRT "In-Reply-To: <20240110093000.ABCD@mx.example-corp.test>\n"
#define REFS "References: <20240110093000.ABCD@mx.example-corp.test>\n"
#define LIST "List-Id: Dev <dev.lists.example.org>\n"

/* Quoted originals as the clients write them. */
#define Q_OUTLOOK_JA                                                       \
	"-----元のメッセージ-----\n"                                       \
	"差出人: 佐藤 花子 <sato@partner.test>\n"                          \
	"送信日時: 2024年1月15日 10:00\n"                                  \
	"宛先: 山田 太郎 <yamada@example-corp.test>\n"                     \
	"件名: 見積書の件\n\n山田様\n\n見積書をお送りします。\n"
#define Q_OUTLOOK_EN                                                       \
	"-----Original Message-----\n"                                     \
	"From: Sato Hanako <sato@partner.test>\n"                          \
	"Sent: Monday, January 15, 2024 10:00 AM\n"                        \
	"To: Taro Yamada <yamada@example-corp.test>\n"                     \
	"Subject: Invoice\n\nPlease find the invoice.\n"
#define Q_GMAIL_FREEMAIL                                                   \
	"On Mon, Jan 15, 2024 at 10:00 AM Taro Yamada <taro@freemail.test> " \
	"wrote:\n> Shall we meet?\n"
#define Q_TB_JA                                                            \
	"2024/01/15 10:00 に 佐藤花子 <sato@partner.test> さんは書きました:\n" \
	"> 山田様\n"
#define Q_INTERNAL_ONLY                                                    \
	"-----Original Message-----\n"                                     \
	"差出人: 山田太郎 <yamada@example-corp.test>\n"                    \
	"送信日時: 2024年1月10日 9:30\n件名: 訪問日程\n\n> 佐藤様\n"

typedef struct {
	const char *name;
	const char *from;
	const char *subject;
	const char *headers; /* further header lines, each ending in \n */
	const char *body;
	const char *want;    /* symbol that must fire, or NULL for none */
	const char *want_in; /* text its detail must contain, or NULL */
} thread_case_t;

static const thread_case_t cases[] = {
	/* hijack.reply_without_thread */
	{"re no refs", "Sato <sato@partner.test>", "Re: 見積書", "", "はい。\n",
	 "THREAD_REPLY_NO_REFS", "\"Re:\""},
	{"RE quoted outlook", "Sato <sato@partner.test>", "RE: Invoice", "",
	 "Thanks.\n\n" Q_OUTLOOK_EN, "THREAD_REPLY_NO_REFS_QUOTED",
	 "header block at body line 4"},
	{"re quoted by > only", "Sato <sato@partner.test>", "Re: x", "",
	 "ok\n> earlier text\n", "THREAD_REPLY_NO_REFS_QUOTED", "1 '>' lines"},
	{"Re[2]", "Sato <sato@partner.test>", "Re[2]: 打ち合わせ", "", "x\n",
	 "THREAD_REPLY_NO_REFS", "Re[2]:"},
	{"AW", "a@partner.test", "AW: Angebot", "", "x\n",
	 "THREAD_REPLY_NO_REFS", NULL},
	{"SV", "a@partner.test", "SV: offert", "", "x\n", "THREAD_REPLY_NO_REFS",
	 NULL},
	{"返信", "a@partner.test", "返信: 請求書", "", "x\n",
	 "THREAD_REPLY_NO_REFS", "返信:"},
	{"full-width Re", "a@partner.test", "Ｒｅ：お見積り", "", "x\n",
	 "THREAD_REPLY_NO_REFS", "Re:"},
	{"full-width RE encoded",
	 "a@partner.test", "=?UTF-8?B?77yy77yl77ya6KuL5rGC5pu4?=", "", "x\n",
	 "THREAD_REPLY_NO_REFS", "RE:"},
	{"gateway tag first", "a@partner.test", "[EXTERNAL] RE: invoice", "",
	 "x\n", "THREAD_REPLY_NO_REFS", NULL},
	{"Fwd", "a@partner.test", "Fwd: invoice", "", "x\n",
	 "THREAD_FORWARD_NO_REFS", NULL},
	{"FW", "a@partner.test", "FW: invoice", "", Q_OUTLOOK_EN,
	 "THREAD_FORWARD_NO_REFS", "FW:"},
	{"WG", "a@partner.test", "WG: Rechnung", "", "x\n",
	 "THREAD_FORWARD_NO_REFS", NULL},
	{"転送", "a@partner.test", "転送: 請求書", "", "x\n",
	 "THREAD_FORWARD_NO_REFS", NULL},
	{"re with in-reply-to", "a@partner.test", "Re: x", IRT, "x\n",
	 "THREAD_HISTORY_NOT_USED", "no DataStore"},
	{"re with references", "a@partner.test", "Re: x", REFS, "x\n",
	 "THREAD_HISTORY_NOT_USED", NULL},
	{"not a prefix: Report", "a@partner.test", "Report: Q1", "", "x\n", NULL,
	 NULL},
	{"not a prefix: Regarding", "a@partner.test", "Regarding the offer", "",
	 "x\n", NULL, NULL},
	{"not a prefix: Fwiw", "a@partner.test", "Fwiw: note", "", "x\n", NULL,
	 NULL},
	{"prefix later", "a@partner.test", "Invoice Re: March", "", "x\n", NULL,
	 NULL},

	/* hijack.quoted_sender_mismatch */
	{"quoted name, other address", "佐藤 花子 <sato.hanako@evil.invalid>",
	 "見積書の件", IRT, "ご確認ください。\n\n" Q_OUTLOOK_JA,
	 "THREAD_QUOTED_NAME_MISMATCH", "sato@partner.test"},
	{"quoted name without blank", "佐藤花子 <x@evil.invalid>", "件", IRT,
	 "x\n\n" Q_TB_JA, "THREAD_QUOTED_NAME_MISMATCH", "line 3"},
	{"quoted name, free-mail neighbour",
	 "Taro Yamada <taro.yamada@freemail.test>", "Re: meeting", IRT,
	 "Yes.\n\n" Q_GMAIL_FREEMAIL, "THREAD_QUOTED_NAME_MISMATCH",
	 "taro@freemail.test"},
	{"sender not quoted", "Someone <x@other.invalid>", "Re: Invoice", IRT,
	 "Pay now.\n\n" Q_OUTLOOK_EN, "THREAD_QUOTED_NOT_PARTICIPANT",
	 "partner.test"},

	/* the clean look-alikes */
	{"reply from the quoted author", "Sato Hanako <sato@partner.test>",
	 "Re: Invoice", IRT, "Thanks.\n\n" Q_OUTLOOK_EN, NULL, NULL},
	{"second address, same organisation",
	 "佐藤 花子 <hanako.sato@mail.partner.test>", "Re: 見積書の件", IRT,
	 "x\n\n" Q_OUTLOOK_JA, NULL, NULL},
	{"quoting only our own people", "佐藤花子 <sato@partner.test>",
	 "Re: 訪問日程", IRT, "承知しました。\n\n" Q_INTERNAL_ONLY,
	 NULL, NULL},
	{"colleague forwards a thread", "山田太郎 <yamada@example-corp.test>",
	 "FW: Invoice", "", "FYI\n\n" Q_OUTLOOK_EN, NULL, NULL},
	{"colleague replies without refs", "鈴木 <suzuki@example-corp.test>",
	 "RE: Invoice", "", "x\n\n" Q_OUTLOOK_EN, NULL, NULL},
	{"mailing list reply", "Someone <x@other.invalid>", "Re: [dev] build",
	 LIST, "+1\n\n" Q_OUTLOOK_EN, NULL, NULL},
	{"mailing list, unsubscribe only", "Someone <x@other.invalid>",
	 "Re: news", "List-Unsubscribe: <mailto:u@lists.example.org>\n",
	 "x\n> y\n", NULL, NULL},
	{"new customer's first mail", "新規 顧客 <info@new-customer.test>",
	 "お問い合わせ", "", "はじめまして。\n", NULL, NULL},
	{"no From", "", "Re: x", "", "x\n", NULL, NULL},
};

/* The message of case TC as text. */
static char *
build(const thread_case_t *tc)
{
	char *msg = NULL;
	int n = asprintf(&msg,
	                 "From: %s\n"
	                 "To: 山田太郎 <yamada@example-corp.test>\n"
	                 "Subject: %s\n"
	                 "Date: Tue, 16 Jan 2024 09:00:00 +0900\n"
	                 "Message-ID: <case@partner.test>\n"
	                 "%s"
	                 "MIME-Version: 1.0\n"
	                 "Content-Type: text/plain; charset=UTF-8\n"
	                 "Content-Transfer-Encoding: 8bit\n\n%s",
	                 tc->from, tc->subject, tc->headers, tc->body);
	ck_assert_int_ge(n, 0);
	return msg;
}

/* The finding of SYMBOL in R, or NULL. */
static const emg_finding_t *
finding(const emg_report_t *r, const char *symbol)
{
	for (size_t i = 0; i < emg_report_finding_count(r); i++)
		if (strcmp(emg_report_finding(r, i)->symbol, symbol) == 0)
			return emg_report_finding(r, i);
	return NULL;
}

START_TEST(test_cases)
{
	const thread_case_t *tc = &cases[_i];
	char *msg = build(tc);
	emg_report_t *r = tu_scan(conf, msg, NULL);

	/* Without a store, a message with references says that the history
	 * was not used; nothing else does. */
	bool refs = strstr(tc->headers, "In-Reply-To") != NULL ||
	            strstr(tc->headers, "References") != NULL;
	ck_assert_msg(emg_report_has(r, "THREAD_HISTORY_NOT_USED") ==
	                  (refs && tc->from[0] != '\0' &&
	                   strstr(tc->headers, "List-") == NULL),
	              "%s: got %s", tc->name, tu_symbols(r));
	for (size_t s = 0; s < sizeof(all_syms) / sizeof(all_syms[0]); s++) {
		bool wanted = tc->want && strcmp(tc->want, all_syms[s]) == 0;
		if (strcmp(all_syms[s], "THREAD_HISTORY_NOT_USED") == 0)
			continue;
		ck_assert_msg(emg_report_has(r, all_syms[s]) == wanted,
		              "%s: %s %s (got %s)", tc->name, all_syms[s],
		              wanted ? "missing" : "unexpected", tu_symbols(r));
	}
	if (tc->want != NULL && tc->want_in != NULL) {
		const emg_finding_t *f = finding(r, tc->want);
		ck_assert_msg(strstr(f->detail, tc->want_in) != NULL,
		              "%s: detail \"%s\" lacks \"%s\"", tc->name,
		              f->detail, tc->want_in);
	}
	/* Details cite lines, never the body. */
	for (size_t i = 0; i < emg_report_finding_count(r); i++) {
		const char *d = emg_report_finding(r, i)->detail;
		ck_assert_msg(strstr(d, "見積書をお送り") == NULL &&
		                  strstr(d, "Please find") == NULL,
		              "%s: body text in \"%s\"", tc->name, d);
	}
	emg_report_free(r);
	free(msg);
}
END_TEST

/* Categories are exactly the three hijack ones; one signal alone stays
 * below the tag threshold unless it is the attack itself; the trust is
 * negative and forces nothing. */
START_TEST(test_symbol_table)
{
	size_t n = 0;
	for (size_t i = 0; i < thread_analyzer.n_symbols; i++) {
		const emg_symbol_t *s = &thread_analyzer.symbols[i];
		ck_assert_msg(strcmp(s->category, "hijack.reply_without_thread") ==
		                      0 ||
		                  strcmp(s->category, "hijack.unknown_thread") == 0 ||
		                  strcmp(s->category,
		                         "hijack.quoted_sender_mismatch") == 0,
		              "%s: %s", s->name, s->category);
		ck_assert_int_eq(s->force, EMG_ACTION_ACCEPT);
		ck_assert(s->score < 10.0);
		ck_assert(policy_symbol_find(s->name) >= 0);
		n++;
	}
	ck_assert_uint_eq(n, sizeof(all_syms) / sizeof(all_syms[0]));
	ck_assert(thread_analyzer.symbols[6].score < 0);
	ck_assert(!thread_analyzer.outbound);
}
END_TEST

/* Emotet's forged reply without history: a reply subject, no References,
 * the stolen text quoted under the real correspondent's name, sent from
 * another address.  Tagged on the thread signals alone. */
START_TEST(test_forged_reply_tags)
{
	const thread_case_t tc = {
	    "emotet", "Sato Hanako <sato.h@compromised.invalid>",
	    "RE: Invoice", "", "Please see the attached file.\n\n" Q_OUTLOOK_EN,
	    NULL, NULL};
	char *msg = build(&tc);
	emg_report_t *r = tu_scan(conf, msg, NULL);

	ck_assert_msg(emg_report_has(r, "THREAD_REPLY_NO_REFS_QUOTED") &&
	                  emg_report_has(r, "THREAD_QUOTED_NAME_MISMATCH"),
	              "got %s", tu_symbols(r));
	ck_assert_int_eq(emg_report_action(r), EMG_ACTION_TAG);
	emg_report_free(r);
	free(msg);
}
END_TEST

/* Outbound mail (an internal client) runs no thread checks. */
START_TEST(test_outbound_skipped)
{
	const thread_case_t tc = {"out", "Sato <sato@partner.test>", "Re: x",
	                          "", "x\n> y\n", NULL, NULL};
	char *msg = build(&tc);
	emg_envelope_t env = {.client_ip = "10.0.0.5"};
	emg_report_t *r = tu_scan(conf, msg, &env);

	ck_assert_msg(!emg_report_has(r, "THREAD_REPLY_NO_REFS_QUOTED"), "%s",
	              tu_symbols(r));
	emg_report_free(r);
	free(msg);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("thread");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_cases, 0,
	                    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_symbol_table);
	tcase_add_test(tc, test_forged_reply_tags);
	tcase_add_test(tc, test_outbound_skipped);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
