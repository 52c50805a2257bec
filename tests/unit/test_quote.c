/*
 * test_quote.c - unit tests for the quoted-original parser (quote.c).
 *
 * One table of bodies as the clients write them: Outlook in Japanese and
 * English (with and without the separator line, full-width colons,
 * [mailto:] and "Last, First" names), Outlook 365's rule, Gmail in English
 * and Japanese (also wrapped), Thunderbird in English and Japanese, Becky!'s
 * two-line form, forward banners, nested '>' quoting, and prose that only
 * looks like a quote.  Then the limits (participants, lines) and the name
 * keys the thread analyzer compares.  Only .test / .invalid addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"
#include "testutil.h"

typedef struct {
	const char *name;
	const char *addr;
	quote_role_t role;
} want_person_t;

typedef struct {
	const char *label;
	const char *body;
	bool quotes;        /* quotes_original */
	unsigned blocks;    /* header blocks */
	unsigned attrs;     /* attribution lines */
	unsigned depth;     /* deepest '>' */
	size_t n;           /* participants, exactly */
	want_person_t p[6]; /* each must be there */
} quote_case_t;

#define F QUOTE_ROLE_FROM
#define T QUOTE_ROLE_TO
#define C QUOTE_ROLE_CC

static const quote_case_t cases[] = {
	{"outlook ja",
	 "佐藤様\n\nお世話になっております。承知しました。\n\n山田\n\n"
	 "-----元のメッセージ-----\n"
	 "差出人: 佐藤 花子 <sato@partner.test>\n"
	 "送信日時: 2024年1月15日 10:00\n"
	 "宛先: 山田 太郎 <yamada@example-corp.test>\n"
	 "CC: 鈴木 一郎 <suzuki@example-corp.test>; 営業部 <sales@partner.test>\n"
	 "件名: 見積書の件\n\n山田様\n\n見積書をお送りします。\n",
	 true, 1, 0, 0, 4,
	 {{"佐藤 花子", "sato@partner.test", F},
	  {"山田 太郎", "yamada@example-corp.test", T},
	  {"鈴木 一郎", "suzuki@example-corp.test", C},
	  {"営業部", "sales@partner.test", C}}},
	{"outlook ja full-width, no separator, exchange names",
	 "承知しました。\n\n"
	 "差出人： 山田　太郎\n"
	 "送信日時： 2024年1月15日 10:00\n"
	 "宛先： 佐藤 花子 [mailto:Sato@Partner.test]\n"
	 "件名： RE: 打ち合わせ\n\n本文\n",
	 true, 1, 0, 0, 2,
	 {{"山田　太郎", "", F}, {"佐藤 花子", "sato@partner.test", T}}},
	{"outlook ja 送信者 and wrapped 宛先",
	 "-----Original Message-----\n"
	 "送信者: 経理部 <keiri@partner.test>\n"
	 "送信日時: 2024年2月1日 9:00\n"
	 "宛先: 山田 太郎 <yamada@example-corp.test>; 鈴木 一郎\n"
	 " <suzuki@example-corp.test>; 田中 <tanaka@example-corp.test>\n"
	 "件名: 請求書\n",
	 true, 1, 0, 0, 4,
	 {{"経理部", "keiri@partner.test", F},
	  {"山田 太郎", "yamada@example-corp.test", T},
	  {"鈴木 一郎", "suzuki@example-corp.test", T},
	  {"田中", "tanaka@example-corp.test", T}}},
	{"outlook en",
	 "Thanks, see you then.\n\n"
	 "-----Original Message-----\n"
	 "From: Yamada, Taro <taro@example-corp.test>\n"
	 "Sent: Monday, January 15, 2024 10:00 AM\n"
	 "To: Sato Hanako <sato@partner.test>; bob@partner.test\n"
	 "Cc: 'Suzuki Ichiro' <suzuki@example-corp.test>\n"
	 "Subject: RE: Meeting\n\nHello Hanako,\n",
	 true, 1, 0, 0, 4,
	 {{"Yamada, Taro", "taro@example-corp.test", F},
	  {"Sato Hanako", "sato@partner.test", T},
	  {"", "bob@partner.test", T},
	  {"Suzuki Ichiro", "suzuki@example-corp.test", C}}},
	{"outlook 365 rule, bold keys, mailto links",
	 "Please find it attached.\n\n"
	 "________________________________\n"
	 "*From:* Sato Hanako <sato@partner.test>\n"
	 "*Sent:* Tuesday, January 16, 2024 9:12\n"
	 "*To:* taro@example-corp.test<mailto:taro@example-corp.test>\n"
	 "*Subject:* Invoice\n",
	 true, 1, 0, 0, 2,
	 {{"Sato Hanako", "sato@partner.test", F},
	  {"", "taro@example-corp.test", T}}},
	{"outlook block inside a quote",
	 "Agreed.\n\n"
	 "> -----Original Message-----\n"
	 "> From: Sato Hanako <sato@partner.test>\n"
	 "> Sent: Tuesday, January 16, 2024 9:12\n"
	 "> To: Taro Yamada <taro@example-corp.test>\n"
	 "> Subject: Invoice\n>\n> See attached.\n",
	 true, 1, 0, 1, 2,
	 {{"Sato Hanako", "sato@partner.test", F},
	  {"Taro Yamada", "taro@example-corp.test", T}}},
	{"gmail en",
	 "Works for me.\n\n"
	 "On Mon, Jan 15, 2024 at 10:00 AM Taro Yamada <taro@example.test> "
	 "wrote:\n\n> Hello Hanako,\n> shall we meet on the 16th?\n",
	 true, 0, 1, 1, 1,
	 {{"Taro Yamada", "taro@example.test", F}}},
	{"gmail en wrapped",
	 "Works for me.\n\n"
	 "On Mon, Jan 15, 2024 at 10:00 AM Taro Yamada <taro@example.test>\n"
	 "wrote:\n\n> Hello Hanako,\n",
	 true, 0, 1, 1, 1,
	 {{"Taro Yamada", "taro@example.test", F}}},
	{"gmail ja",
	 "承知しました。\n\n"
	 "2024年1月15日(月) 10:00 山田太郎 <taro@example.test>:\n\n"
	 "> 佐藤様\n> 16日はいかがでしょうか。\n",
	 true, 0, 1, 1, 1,
	 {{"山田太郎", "taro@example.test", F}}},
	{"gmail ja not nfkc",
	 "2024年1月15日（月） 10:00 山田太郎 <taro@example.test>：\n> 佐藤様\n",
	 true, 0, 1, 1, 1,
	 {{"山田太郎", "taro@example.test", F}}},
	{"gmail forward",
	 "FYI\n\n---------- Forwarded message ---------\n"
	 "From: Sato Hanako <sato@partner.test>\n"
	 "Date: Mon, Jan 15, 2024 at 10:00 AM\n"
	 "Subject: Invoice\n"
	 "To: <taro@example.test>\n\nPlease pay.\n",
	 true, 1, 0, 0, 2,
	 {{"Sato Hanako", "sato@partner.test", F},
	  {"", "taro@example.test", T}}},
	{"thunderbird en",
	 "Fine.\n\nOn 1/15/2024 10:00 AM, Taro Yamada wrote:\n> Hi\n",
	 true, 0, 1, 1, 1, {{"Taro Yamada", "", F}}},
	{"thunderbird en with address",
	 "On 15.01.24 10:00, Taro Yamada <taro@example.test> wrote:\n> Hi\n",
	 true, 0, 1, 1, 1, {{"Taro Yamada", "taro@example.test", F}}},
	{"thunderbird ja",
	 "了解です。\n\n2024/01/15 10:00 に 山田太郎 さんは書きました:\n"
	 "> こんにちは\n",
	 true, 0, 1, 1, 1, {{"山田太郎", "", F}}},
	{"thunderbird ja old, full-width colon, address",
	 "山田太郎 <taro@example.test> さんは書きました：\n> こんにちは\n",
	 true, 0, 1, 1, 1, {{"山田太郎", "taro@example.test", F}}},
	{"thunderbird forward ja",
	 "-------- 転送メッセージ --------\n件名: 請求書\n"
	 "日付: Mon, 15 Jan 2024 10:00:00 +0900\n"
	 "差出人: 佐藤花子 <sato@partner.test>\n"
	 "宛先: 山田太郎 <taro@example.test>\n\n本文\n",
	 true, 1, 0, 0, 2,
	 {{"佐藤花子", "sato@partner.test", F},
	  {"山田太郎", "taro@example.test", T}}},
	{"becky two lines",
	 "OK.\n\nOn Mon, 15 Jan 2024 10:00:00 +0900\n"
	 "Taro Yamada <taro@example.test> wrote:\n\n> hi\n",
	 true, 0, 1, 1, 1, {{"Taro Yamada", "taro@example.test", F}}},
	{"bare name wrote before a quote",
	 "Taro Yamada wrote:\n> hi\n", true, 0, 1, 1, 1,
	 {{"Taro Yamada", "", F}}},
	{"nested quoting",
	 "Sure.\n\n"
	 "On Tue, Jan 16, 2024 at 9:00 AM Sato Hanako <sato@partner.test> "
	 "wrote:\n> Fine by me.\n>\n"
	 "> On Mon, Jan 15, 2024 at 10:00 AM Taro Yamada "
	 "<taro@example-corp.test> wrote:\n"
	 "> > Shall we meet?\n> > > older text\n>> > oldest\n",
	 true, 0, 2, 3, 2,
	 {{"Sato Hanako", "sato@partner.test", F},
	  {"Taro Yamada", "taro@example-corp.test", F}}},
	{"quote marks only", "Yes.\n\n> Can you come?\n", true, 0, 0, 1, 0,
	 {{NULL, NULL, F}}},
	{"prose, no quote",
	 "From: the desk of the president, greetings.\n"
	 "As Taro wrote: we agree.\nNote:\nOn time wrote:\n"
	 "The rule ---- original message is here\n",
	 false, 0, 0, 0, 0, {{NULL, NULL, F}}},
	{"empty", "", false, 0, 0, 0, 0, {{NULL, NULL, F}}},
};

static const quote_participant_t *
find_person(const quote_result_t *r, const want_person_t *w)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->p[i].name, w->name) == 0 &&
		    strcmp(r->p[i].addr, w->addr) == 0)
			return &r->p[i];
	return NULL;
}

/* All participants, for a failing assertion. */
static const char *
dump(const quote_result_t *r)
{
	static char buf[4096];
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->n && off < sizeof(buf) - 1; i++) {
		int n = snprintf(buf + off, sizeof(buf) - off, "[%s|%s|%d] ",
		                 r->p[i].name, r->p[i].addr, (int)r->p[i].role);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

START_TEST(test_quote_table)
{
	const quote_case_t *tc = &cases[_i];
	quote_result_t r;

	ck_assert_int_eq(quote_parse(tc->body, strlen(tc->body), &r), EMG_OK);
	ck_assert_msg(r.quotes_original == tc->quotes, "%s: quotes %d",
	              tc->label, r.quotes_original);
	ck_assert_msg(r.n_blocks == tc->blocks, "%s: blocks %u", tc->label,
	              r.n_blocks);
	ck_assert_msg(r.n_attributions == tc->attrs, "%s: attributions %u",
	              tc->label, r.n_attributions);
	ck_assert_msg(r.max_depth == tc->depth, "%s: depth %u", tc->label,
	              r.max_depth);
	ck_assert_msg(r.n == tc->n, "%s: %zu participants: %s", tc->label, r.n,
	              dump(&r));
	ck_assert(!r.truncated);
	for (size_t i = 0; i < tc->n; i++) {
		const quote_participant_t *p = find_person(&r, &tc->p[i]);
		ck_assert_msg(p != NULL, "%s: no [%s|%s] in %s", tc->label,
		              tc->p[i].name, tc->p[i].addr, dump(&r));
		ck_assert_msg(p->role == tc->p[i].role, "%s: %s role %d",
		              tc->label, tc->p[i].addr, (int)p->role);
	}
}
END_TEST

/* The line numbers and depths the analyzer may cite. */
START_TEST(test_quote_positions)
{
	const char *body = "a\nb\n> On 2024/01/15 10:00, Taro Yamada "
	                   "<taro@example.test> wrote:\n> > x\n";
	quote_result_t r;

	ck_assert_int_eq(quote_parse(body, strlen(body), &r), EMG_OK);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(r.p[0].line, 3);
	ck_assert_uint_eq(r.p[0].depth, 1);
	ck_assert_int_eq(r.p[0].form, QUOTE_FORM_ATTRIBUTION);
	ck_assert_uint_eq(r.quoted_lines, 2);
}
END_TEST

/* More participants than QUOTE_PARTICIPANTS_MAX: the first are kept, the
 * cut is reported. */
START_TEST(test_quote_participant_limit)
{
	char body[8192];
	size_t off = (size_t)snprintf(body, sizeof(body),
	                              "-----Original Message-----\n"
	                              "From: A <a@partner.test>\nTo: ");
	for (int i = 0; i < 40; i++)
		off += (size_t)snprintf(body + off, sizeof(body) - off,
		                        "User %d <u%d@partner.test>; ", i, i);
	snprintf(body + off, sizeof(body) - off, "\nSubject: x\n");

	quote_result_t r;
	ck_assert_int_eq(quote_parse(body, strlen(body), &r), EMG_OK);
	ck_assert_uint_eq(r.n, QUOTE_PARTICIPANTS_MAX);
	ck_assert(r.truncated);
	ck_assert_str_eq(r.p[0].addr, "a@partner.test");
}
END_TEST

/* A body longer than QUOTE_LINES_MAX lines: an attribution past the limit
 * is not read, and the cut is reported. */
START_TEST(test_quote_line_limit)
{
	const char *tail = "On Mon, Jan 15, 2024 at 10:00 AM X <x@example.test> "
	                   "wrote:\n> y\n";
	size_t n = QUOTE_LINES_MAX + 10, len = n * 2 + strlen(tail);
	char *body = malloc(len + 1);

	ck_assert_ptr_nonnull(body);
	for (size_t i = 0; i < n; i++)
		memcpy(body + 2 * i, "a\n", 2);
	strcpy(body + 2 * n, tail);
	quote_result_t r;
	ck_assert_int_eq(quote_parse(body, len, &r), EMG_OK);
	ck_assert(r.truncated);
	ck_assert_uint_eq(r.n, 0);
	ck_assert(!r.quotes_original);
	/* The same attribution within the limit is read. */
	ck_assert_int_eq(quote_parse(body + 2 * n, strlen(tail), &r), EMG_OK);
	ck_assert_uint_eq(r.n, 1);
	ck_assert(!r.truncated);
	free(body);
}
END_TEST

/* Long lines, NUL bytes, lone '>' and odd bytes never upset the parser. */
START_TEST(test_quote_odd_input)
{
	size_t len = QUOTE_LINE_MAX * 3;
	char *body = malloc(len);
	quote_result_t r;

	ck_assert_ptr_nonnull(body);
	memset(body, '>', len);
	ck_assert_int_eq(quote_parse(body, len, &r), EMG_OK);
	ck_assert(r.quotes_original);
	memset(body, 'x', len);
	memcpy(body + 10, "\0From: a <a@b.test>\n\xff\xfe wrote:\n", 31);
	ck_assert_int_eq(quote_parse(body, len, &r), EMG_OK);
	ck_assert_int_eq(quote_parse(NULL, 0, &r), EMG_OK);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_int_eq(quote_parse(NULL, 1, &r), EMG_EINVAL);
	ck_assert_int_eq(quote_parse("x", 1, NULL), EMG_EINVAL);
	free(body);
}
END_TEST

static const struct {
	const char *a, *b;
	bool same;
} keys[] = {
	{"山田 太郎", "山田太郎", true},
	{"山田　太郎様", "山田太郎", true},
	{"'Taro Yamada'", "taro yamada", true},
	{"\"TARO YAMADA\"", "TaroYamada", true},
	{"Ｔａｒｏ　Ｙａｍａｄａ", "Taro Yamada", true},
	{"山田\xe2\x80\x8b太郎", "山田太郎", true},
	{"佐藤さん", "佐藤", true},
	{"Taro Yamada", "Taro Yamamoto", false},
	{"山田太郎", "山田次郎", false},
};

START_TEST(test_quote_name_key)
{
	char a[QUOTE_NAME_MAX], b[QUOTE_NAME_MAX];

	ck_assert_int_eq(quote_name_key(keys[_i].a, a, sizeof(a)), EMG_OK);
	ck_assert_int_eq(quote_name_key(keys[_i].b, b, sizeof(b)), EMG_OK);
	ck_assert_msg((strcmp(a, b) == 0) == keys[_i].same, "%s ~ %s: %s / %s",
	              keys[_i].a, keys[_i].b, a, b);
}
END_TEST

/* A key never ends in a cut character, and NULL is the empty key. */
START_TEST(test_quote_name_key_bounds)
{
	char small[8];

	ck_assert_int_eq(quote_name_key("山田太郎", small, sizeof(small)),
	                 EMG_OK);
	ck_assert_str_eq(small, "山田");
	ck_assert_int_eq(quote_name_key(NULL, small, sizeof(small)), EMG_OK);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(quote_name_key("x", small, 0), EMG_EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("quote");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_quote_table, 0,
	                    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_quote_positions);
	tcase_add_test(tc, test_quote_participant_limit);
	tcase_add_test(tc, test_quote_line_limit);
	tcase_add_test(tc, test_quote_odd_input);
	tcase_add_loop_test(tc, test_quote_name_key, 0,
	                    (int)(sizeof(keys) / sizeof(keys[0])));
	tcase_add_test(tc, test_quote_name_key_bounds);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
