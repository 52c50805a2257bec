/*
 * test_thread.c - unit tests for the thread analyzer (thread.c).
 *
 * First a table of messages scanned without a history: reply and forward
 * prefixes with and without In-Reply-To/References and a quoted original,
 * the quoted-sender checks over Outlook, Gmail and Thunderbird quotes, and
 * the clean look-alikes (a colleague forwarding a thread, a second address
 * of the same organisation, a mailing list, a new customer's first mail).
 * Then the symbol table, and the scores of an Emotet-style forged reply.
 * Then the same scan over a real SQLite history in a temporary file
 * (DataStore sqlite:PATH): a known reply earns trust, a thread stolen from
 * a third party, unknown references from a known domain, a cold store,
 * the display name of a known correspondent (sender.c), and the trust
 * never pulling an attachment-forced quarantine down.
 * Only .test / .invalid addresses.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "analyzer.h"
#include "history.h"
#include "report.h"
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
	"THREAD_QUOTED_NOT_PARTICIPANT", "SPOOF_DISPLAY_NAME_HISTORY",
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

/* Assert that of the symbols SYMS (N of them, SKIP excepted) exactly
 * TC->want fired, with TC->want_in in its detail. */
static void
check_case(const thread_case_t *tc, const emg_report_t *r,
           const char *const *syms, size_t n, const char *skip)
{
	for (size_t s = 0; s < n; s++) {
		bool wanted = tc->want && strcmp(tc->want, syms[s]) == 0;
		if (skip != NULL && strcmp(syms[s], skip) == 0)
			continue;
		ck_assert_msg(emg_report_has(r, syms[s]) == wanted,
		              "%s: %s %s (got %s)", tc->name, syms[s],
		              wanted ? "missing" : "unexpected", tu_symbols(r));
	}
	if (tc->want != NULL && tc->want_in != NULL) {
		const emg_finding_t *f = tu_finding(r, tc->want);
		ck_assert_msg(strstr(f->detail, tc->want_in) != NULL,
		              "%s: detail \"%s\" lacks \"%s\"", tc->name,
		              f->detail, tc->want_in);
	}
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
	check_case(tc, r, all_syms, sizeof(all_syms) / sizeof(all_syms[0]),
	           "THREAD_HISTORY_NOT_USED");
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
		ck_assert_msg(strncmp(s->category, "hijack.", 7) == 0 ||
		                  strcmp(s->name, "SPOOF_DISPLAY_NAME_HISTORY") == 0,
		              "%s: %s", s->name, s->category);
		ck_assert_msg(strcmp(s->category, "hijack.reply_without_thread") ==
		                      0 ||
		                  strcmp(s->category, "hijack.unknown_thread") == 0 ||
		                  strcmp(s->category,
		                         "hijack.quoted_sender_mismatch") == 0 ||
		                  strcmp(s->category, "spoof.display_name") == 0,
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

/* ---- with a history ------------------------------------------------------ */

/* Unrelated messages that make a store warm (HistoryMinMessages is 200
 * by default). */
#define FILLER 200

typedef struct store {
	char path[256];
	char *conf; /* conf plus its DataStore line */
} store_t;

/* Record one message M (OUTBOUND or received) into H. */
static void
record(history_t *h, bool outbound, const char *id, const char *from,
       const char *from_name, const char *rcpt, const char *rcpt_name)
{
	const char *rcpts[] = {rcpt}, *names[] = {rcpt_name};
	history_msg_t m = {
		.message_id = id,
		.from_addr = from,
		.from_name = from_name,
		.rcpts = rcpts,
		.n_rcpts = 1,
		.rcpt_names = names,
		.subject = "見積書の件",
		.date = 1705280400,
	};
	ck_assert_int_eq(history_record(h, &m, outbound, NULL), EMG_OK);
}

/* A SQLite store in a temporary file holding N_FILLER unrelated messages
 * and the conversations of the tests:
 *   t1  we wrote to sato@partner.test (佐藤 花子)
 *   t2  we wrote to tanaka@third.test (a third party)
 *   in1 sato@partner.test wrote to us */
static void
store_open(store_t *st, unsigned n_filler)
{
	const char *tmp = getenv("TMPDIR");
	char dsn[300], err[256] = "", id[64], rcpt[64];
	history_t *h = NULL;

	snprintf(st->path, sizeof(st->path), "%s/emg-thread-XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	int fd = mkstemp(st->path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(dsn, sizeof(dsn), "sqlite:%s", st->path);
	ck_assert_msg(history_open(dsn, &h, err, sizeof(err)) == EMG_OK, "%s",
	              err);
	ck_assert_int_eq(history_batch_begin(h), EMG_OK);
	for (unsigned i = 0; i < n_filler; i++) {
		snprintf(id, sizeof(id), "filler-%u@example-corp.test", i);
		snprintf(rcpt, sizeof(rcpt), "c%u@filler%u.test", i, i);
		record(h, true, id, "yamada@example-corp.test", "山田太郎", rcpt,
		       NULL);
	}
	record(h, true, "t1@example-corp.test", "yamada@example-corp.test",
	       "山田太郎", "sato@partner.test", "佐藤 花子");
	record(h, true, "t2@example-corp.test", "yamada@example-corp.test",
	       "山田太郎", "tanaka@third.test", "田中");
	record(h, false, "in1@partner.test", "sato@partner.test", "佐藤 花子",
	       "yamada@example-corp.test", "山田太郎");
	ck_assert_int_eq(history_batch_commit(h), EMG_OK);
	history_close(h);
	ck_assert_int_ge(asprintf(&st->conf, "%sDataStore %s\n", conf, dsn), 0);
}

static void
store_remove(store_t *st)
{
	char side[300];
	snprintf(side, sizeof(side), "%s-wal", st->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", st->path);
	unlink(side);
	unlink(st->path);
	free(st->conf);
}

#define IRT_T1 "In-Reply-To: <t1@example-corp.test>\n"
#define IRT_T2 "In-Reply-To: <t2@example-corp.test>\n"
#define IRT_IN1 "In-Reply-To: <in1@partner.test>\n"

/* Symbols the history cases judge: the thread ones and sender.c's. */
static const char *const history_syms[] = {
	"THREAD_UNKNOWN_REFS",        "THREAD_STOLEN",
	"THREAD_HISTORY_NOT_USED",    "THREAD_KNOWN_REPLY",
	"SPOOF_DISPLAY_NAME_HISTORY",
};

static const thread_case_t history_cases[] = {
	{"known reply from the address we wrote to",
	 "佐藤 花子 <sato@partner.test>", "Re: 見積書の件", IRT_T1, "承知しました。\n",
	 "THREAD_KNOWN_REPLY", "<t1@example-corp.test> is known and the "
	                       "thread holds our message to sato@partner.test"},
	{"known reply to her own message in our thread",
	 "佐藤 花子 <sato@partner.test>", "Re: 見積書の件",
	 IRT_IN1 "References: <t1@example-corp.test> <in1@partner.test>\n",
	 "x\n", "THREAD_KNOWN_REPLY", NULL},
	{"our message referenced, parent unknown",
	 "佐藤 花子 <sato@partner.test>", "Re: 見積書の件",
	 "In-Reply-To: <p9@partner.test>\n"
	 "References: <t1@example-corp.test> <p9@partner.test>\n",
	 "x\n", NULL, NULL},
	{"second address of the same organisation",
	 "佐藤 花子 <hanako@mail.partner.test>", "Re: 見積書の件", IRT_T1, "x\n",
	 NULL, NULL},
	{"reply to her own message", "佐藤 花子 <sato@partner.test>", "Re: x",
	 IRT_IN1, "x\n", NULL, NULL},
	{"unknown references from a known domain",
	 "佐藤 花子 <sato@partner.test>", "Re: x",
	 "In-Reply-To: <nowhere@partner.test>\n", "x\n", "THREAD_UNKNOWN_REFS",
	 "partner.test"},
	{"unknown references from a new customer",
	 "新規 <info@new-customer.test>", "Re: お問い合わせ",
	 "In-Reply-To: <q1@new-customer.test>\n", "x\n", NULL, NULL},
	{"thread stolen from a third party", "Tanaka <x@evil.invalid>",
	 "Re: 見積書の件", IRT_T2, "x\n", "THREAD_STOLEN", "tanaka@third.test"},
	{"reply to a message received from someone else",
	 "Billing <billing@evil.invalid>", "Re: 見積書の件", IRT_IN1, "x\n",
	 "THREAD_STOLEN", "received from sato@partner.test"},
	{"reply to a forward of our message", "Kimura <kimura@fourth.test>",
	 "Re: Fw: 見積書の件",
	 "In-Reply-To: <fw1@partner.test>\nReferences: <t1@example-corp.test> "
	 "<fw1@partner.test>\n",
	 "x\n", NULL, NULL},
	{"mailing list reply", "Someone <x@partner.test>", "Re: [dev] x",
	 "In-Reply-To: <nowhere@partner.test>\n" LIST, "x\n", NULL, NULL},
	{"colleague", "鈴木 <suzuki@example-corp.test>", "Re: x", IRT_T2, "x\n",
	 NULL, NULL},
	{"known name, other address", "佐藤 花子 <sato.h@evil.invalid>",
	 "お見積り", "", "x\n", "SPOOF_DISPLAY_NAME_HISTORY",
	 "sato@partner.test"},
	{"known name, free-mail neighbour", "田中 <tanaka.x@freemail.test>",
	 "x", "", "x\n", "SPOOF_DISPLAY_NAME_HISTORY", "tanaka@third.test"},
	{"unknown name", "Kimura <kimura@fourth.test>", "x", "", "x\n", NULL,
	 NULL},
};

START_TEST(test_history_cases)
{
	const thread_case_t *tc = &history_cases[_i];
	store_t st;
	store_open(&st, FILLER);
	char *msg = build(tc);
	emg_report_t *r = tu_scan(st.conf, msg, NULL);

	check_case(tc, r, history_syms,
	           sizeof(history_syms) / sizeof(history_syms[0]), NULL);
	/* Every look-alike of clean mail stays accept. */
	if (tc->want == NULL || strcmp(tc->want, "THREAD_KNOWN_REPLY") == 0)
		ck_assert_msg(emg_report_action(r) == EMG_ACTION_ACCEPT,
		              "%s: %s", tc->name, tu_symbols(r));
	emg_report_free(r);
	free(msg);
	store_remove(&st);
}
END_TEST

/* A store below HistoryMinMessages is not used, and the report says so;
 * neither trust nor suspicion comes from it. */
START_TEST(test_history_cold)
{
	const thread_case_t tc = {"cold", "Tanaka <x@evil.invalid>", "Re: x",
	                          IRT_T2, "x\n", NULL, NULL};
	store_t st;
	store_open(&st, 0);
	char *msg = build(&tc);
	emg_report_t *r = tu_scan(st.conf, msg, NULL);
	const emg_finding_t *f = tu_finding(r, "THREAD_HISTORY_NOT_USED");

	ck_assert_msg(f != NULL, "got %s", tu_symbols(r));
	ck_assert_msg(strstr(f->detail, "cold store (3 messages") != NULL, "%s",
	              f->detail);
	ck_assert_double_eq(f->score, 0.0);
	ck_assert(!emg_report_has(r, "THREAD_STOLEN"));
	emg_report_free(r);
	free(msg);
	store_remove(&st);
}
END_TEST

/* HistoryMinMessages decides when a store is warm: at 3, the three
 * messages of a fresh store are enough. */
START_TEST(test_history_min_messages)
{
	const thread_case_t tc = {"warm at 3", "Tanaka <x@evil.invalid>",
	                          "Re: x", IRT_T2, "x\n", NULL, NULL};
	store_t st;
	store_open(&st, 0);
	char *conf3 = NULL;
	ck_assert_int_ge(asprintf(&conf3, "%sHistoryMinMessages 3\n", st.conf),
	                 0);
	char *msg = build(&tc);
	emg_report_t *r = tu_scan(conf3, msg, NULL);

	ck_assert_msg(emg_report_has(r, "THREAD_STOLEN") &&
	                  !emg_report_has(r, "THREAD_HISTORY_NOT_USED"),
	              "got %s", tu_symbols(r));
	emg_report_free(r);
	free(msg);
	free(conf3);
	store_remove(&st);
}
END_TEST

/* Emotet inside a thread it stole from sato's mailbox: her name, its own
 * address, our message as In-Reply-To, the original quoted.  History,
 * quote and display name together quarantine. */
START_TEST(test_history_emotet_quarantines)
{
	const thread_case_t tc = {
	    "emotet", "佐藤 花子 <sato.hanako@compromised.invalid>",
	    "RE: 見積書の件", IRT_T1 "References: <t1@example-corp.test>\n",
	    "添付をご確認ください。\n\n" Q_OUTLOOK_JA, NULL, NULL};
	store_t st;
	store_open(&st, FILLER);
	char *msg = build(&tc);
	emg_report_t *r = tu_scan(st.conf, msg, NULL);

	ck_assert_msg(emg_report_has(r, "THREAD_STOLEN") &&
	                  emg_report_has(r, "THREAD_QUOTED_NAME_MISMATCH") &&
	                  emg_report_has(r, "SPOOF_DISPLAY_NAME_HISTORY"),
	              "got %s", tu_symbols(r));
	ck_assert_int_ge(emg_report_action(r), EMG_ACTION_QUARANTINE);
	emg_report_free(r);
	free(msg);
	store_remove(&st);
}
END_TEST

/* An AES-256 zip holding a script, as base64 lines. */
static char *
encrypted_zip_b64(const char *password)
{
	const char *tmp = getenv("TMPDIR");
	char path[256];
	int err = 0;

	snprintf(path, sizeof(path), "%s/emg-thread-zip-XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	zip_t *za = zip_open(path, ZIP_TRUNCATE, &err);
	ck_assert_ptr_nonnull(za);
	static const char js[] = "WScript.Echo(\"inert test\");\n";
	zip_source_t *src = zip_source_buffer(za, js, sizeof(js) - 1, 0);
	zip_int64_t idx = zip_file_add(za, "invoice_20240115.js", src, 0);
	ck_assert_int_ge(idx, 0);
	ck_assert_int_eq(zip_file_set_encryption(za, (zip_uint64_t)idx,
	                                         ZIP_EM_AES_256, password),
	                 0);
	ck_assert_int_eq(zip_close(za), 0);
	gchar *data = NULL;
	gsize len = 0;
	ck_assert(g_file_get_contents(path, &data, &len, NULL));
	unlink(path);
	gchar *b64 = g_base64_encode((const guchar *)data, len);
	g_free(data);
	char *out = strdup(b64);
	g_free(b64);
	return out;
}

/* A known reply carrying an encrypted archive whose script forces
 * quarantine: the trust is withheld and the force wins. */
START_TEST(test_history_trust_keeps_forced_quarantine)
{
	store_t st;
	store_open(&st, FILLER);
	char *zip = encrypted_zip_b64("Kx8pQ2va");
	char *msg = NULL;
	ck_assert_int_ge(
	    asprintf(&msg,
	             "From: 佐藤 花子 <sato@partner.test>\n"
	             "To: 山田太郎 <yamada@example-corp.test>\n"
	             "Subject: Re: 見積書の件\n" IRT_T1
	             "Message-ID: <z1@partner.test>\n"
	             "MIME-Version: 1.0\n"
	             "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	             "--b\nContent-Type: text/plain; charset=UTF-8\n"
	             "Content-Transfer-Encoding: 8bit\n\n"
	             "請求書を送付します。\nパスワード: Kx8pQ2va\n\n"
	             "--b\nContent-Type: application/zip; name=\"invoice.zip\"\n"
	             "Content-Disposition: attachment; filename=\"invoice.zip\"\n"
	             "Content-Transfer-Encoding: base64\n\n%s\n--b--\n",
	             zip),
	    0);
	emg_report_t *r = tu_scan(st.conf, msg, NULL);

	ck_assert_msg(emg_report_has(r, "ATTACH_ENCRYPTED_PAYLOAD"), "got %s",
	              tu_symbols(r));
	ck_assert_msg(!emg_report_has(r, "THREAD_KNOWN_REPLY"), "got %s",
	              tu_symbols(r));
	ck_assert_int_ge(emg_report_action(r), EMG_ACTION_QUARANTINE);
	emg_report_free(r);
	free(msg);
	free(zip);
	store_remove(&st);
}
END_TEST

/* Even a trust score raised to -30 by configuration cannot pull a forced
 * quarantine down: the verdict takes the strongest force. */
START_TEST(test_trust_below_force)
{
	emg_config_t *cfg = tu_config("Score THREAD_KNOWN_REPLY -30\n");
	emg_report_t *r = NULL;
	long trust = policy_symbol_find("THREAD_KNOWN_REPLY");
	long force = policy_symbol_find("ATTACH_ENCRYPTED_PAYLOAD");

	ck_assert(trust >= 0 && force >= 0);
	ck_assert_int_eq(policy_symbol((size_t)force)->force,
	                 EMG_ACTION_QUARANTINE);
	ck_assert_int_eq(report_new(&r), EMG_OK);
	ck_assert_int_eq(report_add(r, policy_symbol((size_t)trust),
	                            cfg->symbol_scores[trust],
	                            strdup("known reply"), NULL),
	                 EMG_OK);
	ck_assert_int_eq(report_add(r, policy_symbol((size_t)force),
	                            cfg->symbol_scores[force],
	                            strdup("payload"), NULL),
	                 EMG_OK);
	report_finish(r, cfg);
	ck_assert(emg_report_score(r) < 0);
	ck_assert_int_eq(emg_report_action(r), EMG_ACTION_QUARANTINE);
	emg_report_free(r);
	emg_config_unref(cfg);
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
	tcase_add_loop_test(tc, test_history_cases, 0,
	                    (int)(sizeof(history_cases) /
	                          sizeof(history_cases[0])));
	tcase_add_test(tc, test_history_cold);
	tcase_add_test(tc, test_history_min_messages);
	tcase_add_test(tc, test_history_emotet_quarantines);
	tcase_add_test(tc, test_history_trust_keeps_forced_quarantine);
	tcase_add_test(tc, test_trust_below_force);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
