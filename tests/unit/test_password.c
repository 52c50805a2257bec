/*
 * test_password.c - unit tests for password.c: password candidates from
 * realistic Japanese PPAP mails, English Emotet bodies, full-width input
 * after NFKC (through text.c), multi-line layouts, quotes, the common list,
 * ordering, dedupe and the bounds.  Table-driven.
 */
#include <stdlib.h>
#include <string.h>

#include "password.h"
#include "testutil.h"
#include "text.h"

#define WANT_MAX 8

static const struct {
	const char *name;
	const char *subject;
	const char *body;
	const char *common; /* comma-separated, or NULL */
	unsigned max;
	const char *want[WANT_MAX]; /* in order, NULL-terminated */
	const char *src0;           /* source of the first, or NULL */
} cases[] = {
    {"ppap-password-mail",
     "【パスワード送付】請求書の件",
     "株式会社テスト\n山田様\n\nお世話になっております。\n"
     "先ほどお送りしたファイルのパスワードをお知らせします。\n\n"
     "パスワード：k9Xp2Qr7\n\nよろしくお願いいたします。\n",
     NULL,
     10,
     {"k9Xp2Qr7"},
     "body line 7 after パスワード"},
    {"ppap-separate-mail",
     "請求書の送付",
     "山田様\n\n請求書を添付いたします。\n"
     "パスワードは別メールでお送りします。\n\nよろしくお願いいたします。\n"
     "Taro Yamada\n",
     NULL,
     10,
     {NULL},
     NULL},
    {"ppap-separate-then-name",
     NULL,
     "添付ファイルのパスワードは別途ご連絡いたします\n--\n鈴木\n",
     NULL,
     10,
     {NULL},
     NULL},
    {"emotet-english",
     "RE: Invoice 2024-0312",
     "Hello,\n\nPlease see the attached document.\nPassword: ABC123\n\n"
     "Thank you\n",
     NULL,
     10,
     {"ABC123"},
     "body line 4 after Password"},
    {"emotet-is",
     NULL,
     "The password is ABC-123.",
     NULL,
     10,
     {"ABC-123", "ABC-123."},
     "body line 1 after Password"},
    {"emotet-for-the-file",
     NULL,
     "Password for the attached file: Qm38x\r\nRegards\r\n",
     NULL,
     10,
     {"Qm38x"},
     NULL},
    {"will-be-sent",
     NULL,
     "The password will be sent in a separate email.\nRegards, Bob",
     NULL,
     10,
     {NULL},
     NULL},
    {"next-line",
     NULL,
     "パスワード\n  k9Xp2\n",
     NULL,
     10,
     {"k9Xp2"},
     "body line 2 after パスワード on line 1"},
    {"next-line-after-blank",
     NULL,
     "PW:\n\n\tZx81pq\nthanks",
     NULL,
     10,
     {"Zx81pq"},
     "body line 3 after PW on line 1"},
    {"next-line-prose",
     NULL,
     "解凍キーは下記の通りです。\n\n  Zx81-pq\n\n以上",
     NULL,
     10,
     {"Zx81-pq"},
     "body line 3 after 解凍キー on line 1"},
    {"next-line-prose-not-single",
     NULL,
     "パスワードは下記の通りです。\nPlease see below and call us",
     NULL,
     10,
     {NULL},
     NULL},
    {"next-line-own-keyword",
     "件名",
     "パスワードのお知らせ\nPW:abc\n",
     NULL,
     10,
     {"abc"},
     "body line 2 after PW"},
    {"compound-keyword",
     NULL,
     "解凍パスワード：abc123です",
     NULL,
     10,
     {"abc123"},
     "body line 1 after パスワード"},
    {"bracket-label",
     NULL,
     "【パスワード】 sakura2024\n",
     NULL,
     10,
     {"sakura2024"},
     "body line 1 after パスワード"},
    {"keyword-quoted",
     NULL,
     "パスワードは「k9Xp2」です。",
     NULL,
     10,
     {"k9Xp2"},
     "body line 1 after パスワード"},
    {"quote-only",
     NULL,
     "ファイルは「Qw12er」で開けます",
     NULL,
     10,
     {"Qw12er"},
     "body line 1 in 「」"},
    {"subject-keyword",
     "【解凍キー】 pw0402",
     "",
     NULL,
     10,
     {"pw0402"},
     "subject after 解凍キー"},
    {"subject-quote",
     "Re: \"Report7\"",
     "本文",
     NULL,
     10,
     {"Report7"},
     "subject in \"\""},
    {"order-and-dedupe",
     "Re: \"Report\"",
     "PW: x1y2",
     "infected,password,1234,x1y2",
     10,
     {"x1y2", "Report", "infected", "password", "1234"},
     "body line 1 after PW"},
    {"max-bound",
     NULL,
     "PW: x1y2",
     "a1,b2,c3,d4,e5",
     3,
     {"x1y2", "a1", "b2"},
     NULL},
    {"max-zero", NULL, "PW: x1y2", "a1", 0, {NULL}, NULL},
    {"len-64-ok",
     NULL,
     "Password: "
     "0123456789012345678901234567890123456789012345678901234567890123",
     NULL,
     10,
     {"0123456789012345678901234567890123456789012345678901234567890123"},
     NULL},
    {"len-65-rejected",
     NULL,
     "Password: "
     "01234567890123456789012345678901234567890123456789012345678901234",
     NULL,
     10,
     {NULL},
     NULL},
    {"trailing-maru", NULL, "PW: abc123。", NULL, 10, {"abc123"}, NULL},
    {"trailing-ten", NULL, "PW：abc123、よろしく", NULL, 10, {"abc123"}, NULL},
    {"trailing-comma", NULL, "key=abc123, thanks", NULL, 10, {"abc123"}, NULL},
    {"trailing-bang-both",
     NULL,
     "Password: Summer2024!",
     NULL,
     10,
     {"Summer2024", "Summer2024!"},
     NULL},
    {"paren-note",
     NULL,
     "パスワード(半角英数字)：Tk7x9z\n",
     NULL,
     10,
     {"Tk7x9z"},
     NULL},
    {"paren-after",
     NULL,
     "パスワード：abc123(半角)",
     NULL,
     10,
     {"abc123"},
     NULL},
    {"balanced-paren-kept", NULL, "PW: Ab(1)", NULL, 10, {"Ab(1)"}, NULL},
    {"unbalanced-closer", NULL, "(PW: abc123)", NULL, 10, {"abc123"}, NULL},
    {"only-punct", NULL, "Password: ----", NULL, 10, {NULL}, NULL},
    {"passport", NULL, "パスポートの件とコンパスの件", NULL, 10, {NULL}, NULL},
    {"pasu-keyword", NULL, "パス：hX72k", NULL, 10, {"hX72k"}, NULL},
    {"key-in-words", NULL, "monkey keyboard turnkey", NULL, 10, {NULL}, NULL},
    {"key-points", NULL, "Key points: see attached", NULL, 10, {NULL}, NULL},
    {"p-slash-w",
     NULL,
     "P/W: 1qaz2wsx",
     NULL,
     10,
     {"1qaz2wsx"},
     "body line 1 after P/W"},
    {"pin",
     NULL,
     "暗証番号は 4321 です",
     NULL,
     10,
     {"4321"},
     "body line 1 after 暗証番号"},
    {"passwort", NULL, "Passwort: Rechnung77", NULL, 10, {"Rechnung77"}, NULL},
    {"id-and-pw",
     NULL,
     "ID: user01 PW: pass1234",
     NULL,
     10,
     {"pass1234"},
     NULL},
    {"japanese-inline",
     NULL,
     "添付ファイルのパスワードは 2Xk9 です",
     NULL,
     10,
     {"2Xk9"},
     NULL},
    {"apostrophes", NULL, "don't open it's fine", NULL, 10, {NULL}, NULL},
    {"nested-quotes",
     NULL,
     "「ファイルは「abc9」で開く」",
     NULL,
     10,
     {"abc9"},
     NULL},
    {"two-keywords-one-line",
     NULL,
     "PW: one1 / key: two2",
     NULL,
     10,
     {"one1", "two2"},
     NULL},
    {"crlf", NULL, "Password:\r\n Zz99\r\n", NULL, 10, {"Zz99"}, NULL},
    {"no-text", NULL, NULL, "infected", 10, {"infected"}, "common list"},
    {"common-too-long",
     NULL,
     "",
     "01234567890123456789012345678901234567890123456789012345678901234,ok",
     10,
     {"ok"},
     NULL},
};

/* Split a comma-separated list into L. */
static void
common_list(const char *s, emg_strlist_t *l)
{
	while (s != NULL && *s != '\0') {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		ck_assert_int_eq(strlist_add(l, s, n), 0);
		s = c ? c + 1 : NULL;
	}
}

START_TEST(test_candidates)
{
	emg_strlist_t common = {0};
	password_list_t out = {0};
	const char *body = cases[_i].body;
	size_t n = 0;

	common_list(cases[_i].common, &common);
	ck_assert_int_eq(password_candidates(cases[_i].subject, body,
	                                     body ? strlen(body) : 0, &common,
	                                     cases[_i].max, &out),
	                 EMG_OK);
	while (n < WANT_MAX && cases[_i].want[n] != NULL)
		n++;
	for (size_t i = 0; i < out.n && i < n; i++)
		ck_assert_msg(strcmp(out.v[i].text, cases[_i].want[i]) == 0,
		              "%s: #%zu is \"%s\" (%s), want \"%s\"",
		              cases[_i].name, i, out.v[i].text, out.v[i].source,
		              cases[_i].want[i]);
	ck_assert_msg(out.n == n, "%s: %zu candidates, want %zu; first \"%s\"",
	              cases[_i].name, out.n, n, out.n ? out.v[0].text : "");
	if (cases[_i].src0 != NULL)
		ck_assert_str_eq(out.v[0].source, cases[_i].src0);
	/* The source is logged: it must never carry the password. */
	for (size_t i = 0; i < out.n; i++)
		ck_assert_msg(strstr(out.v[i].source, out.v[i].text) == NULL,
		              "%s: source \"%s\" leaks", cases[_i].name,
		              out.v[i].source);
	password_list_free(&out);
	ck_assert_uint_eq(out.n, 0);
	strlist_free(&common);
}
END_TEST

/* Full-width input, as a mail writes it, goes through text_nfkc first. */
static const struct {
	const char *raw;
	const char *want;
} fullwidth_cases[] = {
    {"ｐａｓｓ：ｋ９ｘｐ２", "k9xp2"},
    {"ＰＡＳＳＷＯＲＤ：　ＡＢＣ１２３", "ABC123"},
    {"パスワード＝ｈｕｇａ７７", "huga77"},
    {"ﾊﾟｽﾜｰﾄﾞ: Kz55", "Kz55"},
    {"解凍キー：「ｑｗｅ９」", "qwe9"},
};

START_TEST(test_fullwidth)
{
	size_t nlen = 0;
	char *norm = text_nfkc(fullwidth_cases[_i].raw,
	                       strlen(fullwidth_cases[_i].raw), &nlen);
	password_list_t out = {0};

	ck_assert_ptr_nonnull(norm);
	ck_assert_int_eq(password_candidates(NULL, norm, nlen, NULL, 10, &out),
	                 EMG_OK);
	ck_assert_msg(out.n >= 1, "no candidate in \"%s\"", norm);
	ck_assert_str_eq(out.v[0].text, fullwidth_cases[_i].want);
	password_list_free(&out);
	free(norm);
}
END_TEST

START_TEST(test_bounds)
{
	password_list_t out = {0};
	emg_strlist_t common = {0};
	char item[32];
	size_t len = 200000, off = 0;
	char *big = malloc(len);

	ck_assert_int_eq(password_candidates(NULL, NULL, 0, NULL, 1, NULL),
	                 EMG_EINVAL);
	ck_assert_int_eq(password_candidates(NULL, NULL, 5, NULL, 1, &out),
	                 EMG_EINVAL);
	/* A huge max is capped. */
	for (unsigned i = 0; i < PASSWORD_HARD_MAX + 10; i++) {
		snprintf(item, sizeof(item), "pw%u", i);
		ck_assert_int_eq(strlist_add(&common, item, (size_t)-1), 0);
	}
	ck_assert_int_eq(password_candidates(NULL, "", 0, &common, ~0u, &out),
	                 EMG_OK);
	ck_assert_uint_eq(out.n, PASSWORD_HARD_MAX);
	password_list_free(&out);
	/* A long text of keywords without newlines nor terminator stays fast
	 * and within its buffer (ASan checks the latter). */
	ck_assert_ptr_nonnull(big);
	while (off + 12 <= len) {
		memcpy(big + off, "PW: a1b2c3! ", 12);
		off += 12;
	}
	memset(big + off, '!', len - off);
	ck_assert_int_eq(password_candidates(NULL, big, len, NULL, 50, &out),
	                 EMG_OK);
	ck_assert_uint_eq(out.n, 2); /* "a1b2c3" and "a1b2c3!" */
	password_list_free(&out);
	memset(big, 'P', len);
	ck_assert_int_eq(password_candidates(NULL, big, len, NULL, 50, &out),
	                 EMG_OK);
	ck_assert_uint_eq(out.n, 0);
	free(big);
	strlist_free(&common);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int
main(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_candidates, 0, N(cases));
	tcase_add_loop_test(tc, test_fullwidth, 0, N(fullwidth_cases));
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
