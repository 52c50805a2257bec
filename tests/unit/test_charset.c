/*
 * test_charset.c - unit tests for charset.c: label to decoder mapping with
 * the strict-then-superset fallbacks, the guess order for unlabelled bytes,
 * and encoded-word joining and re-encoding.  Table-driven; byte strings are
 * escaped so that the expectations do not depend on the editor's charset.
 */
#include <glib.h>
#include <string.h>

#include "charset.h"
#include "message.h"
#include "testutil.h"

/* ---- labelled and unlabelled bytes -------------------------------------- */

static const struct {
	const char *label; /* NULL: unlabelled, so guessed */
	const char *in;
	const char *want;
} conv_cases[] = {
	{NULL, "plain ascii", "plain ascii"},
	{NULL, "\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"}, /* UTF-8 */
	/* 日本 in ISO-2022-JP, recognised by its escape */
	{NULL, "\x1b$BF|K\\\x1b(B", "\xe6\x97\xa5\xe6\x9c\xac"},
	/* 見積書 in EUC-JP, then 請求書 in Shift_JIS */
	{NULL, "\xb8\xab\xc0\xd1\xbd\xf1", "\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8"},
	{NULL, "\x90\xbf\x8b\x81\x8f\x91", "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8"},
	/* neither Japanese encoding: Windows-1252, then ISO-8859-1 */
	{NULL, "caf\xe9", "caf\xc3\xa9"},
	{NULL, "\x81", "\xc2\x81"},
	{"ISO-2022-JP", "\x1b$BF|K\\\x1b(B", "\xe6\x97\xa5\xe6\x9c\xac"},
	/* ① (NEC row 13) is not ISO-2022-JP: read through EUC-JP-MS */
	{"iso-2022-jp", "\x1b$B-!\x1b(B", "\xe2\x91\xa0"},
	{"Shift_JIS", "\x90\xbf\x8b\x81\x8f\x91", "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8"},
	/* ① is CP932 only: the superset decoder takes over */
	{"shift_jis", "\x87\x40", "\xe2\x91\xa0"},
	{"EUC-JP", "\xb8\xab\xc0\xd1\xbd\xf1", "\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8"},
	{"gb2312", "\xd6\xd0\xce\xc4", "\xe4\xb8\xad\xe6\x96\x87"}, /* 中文 */
	/* "iso-8859-1" mail is Windows-1252: 0x80 is the euro sign */
	{"iso-8859-1", "\x80" "5", "\xe2\x82\xac" "5"},
	/* labels that lie: UTF-8 or ASCII holding Shift_JIS */
	{"utf-8", "\x90\xbf\x8b\x81\x8f\x91", "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8"},
	{"us-ascii", "\xe6\x97\xa5", "\xe6\x97\xa5"},
	/* RFC 2231 language suffix, unknown and overlong labels */
	{"UTF-8*ja", "\xe6\x97\xa5", "\xe6\x97\xa5"},
	{"x-no-such-charset", "caf\xe9", "caf\xc3\xa9"},
	{"x-an-overlong-label-that-no-charset-registry-would-ever-hold-at-all",
	 "caf\xe9", "caf\xc3\xa9"},
	{"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", /* Привет */
	 "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
};

START_TEST(test_to_utf8)
{
	GString *out = g_string_new("kept:");
	const char *in = conv_cases[_i].in;

	message_init_once();
	charset_to_utf8(conv_cases[_i].label, in, strlen(in), out);
	/* Appends: what OUT held is kept. */
	ck_assert_int_eq(strncmp(out->str, "kept:", 5), 0);
	ck_assert_str_eq(out->str + 5, conv_cases[_i].want);
	ck_assert(g_utf8_validate(out->str, (gssize)out->len, NULL));
	g_string_free(out, TRUE);
}
END_TEST

/* ---- encoded-words ------------------------------------------------------ */

static const struct {
	const char *in;
	const char *want; /* NULL: charset_hdr_fix finds nothing to fix */
} ew_cases[] = {
	{"no encoded words", NULL},
	{"=?broken", "=?broken"},
	/* 日本 split mid-character across two ISO-2022-JP words: joined */
	{"=?ISO-2022-JP?B?GyRCRnw=?= =?ISO-2022-JP?B?S1wbKEI=?=",
	 "=?UTF-8?B?5pel5pys?="},
	/* one charset: the blanks between the words go, text around stays */
	{"Re: =?utf-8?q?a_b?=\t =?UTF-8?Q?c?= x", "Re: =?UTF-8?B?YSBiYw==?= x"},
	/* two charsets: two words, the blank between them kept */
	{"=?UTF-8?B?5pel?= =?ISO-8859-1?Q?caf=E9?=",
	 "=?UTF-8?B?5pel?= =?UTF-8?B?Y2Fmw6k=?="},
	/* Shift_JIS word holding CP932's ① */
	{"=?shift_jis?B?h0A=?=", "=?UTF-8?B?4pGg?="},
	/* an empty payload writes nothing */
	{"a =?UTF-8?B?" "?= b", "a  b"}, /* split: no trigraph */
	/* lowercase encoding letter, word glued to text */
	{"x=?UTF-8?b?eQ==?=z", "x=?UTF-8?B?eQ==?=z"},
};

START_TEST(test_ew_fix)
{
	gchar *got;

	message_init_once();
	got = charset_hdr_fix(ew_cases[_i].in);
	if (ew_cases[_i].want == NULL) {
		ck_assert_ptr_null(got);
		return;
	}
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, ew_cases[_i].want);
	g_free(got);
}
END_TEST

/* A payload past CHARSET_EW_MAX is not an encoded-word: kept as text, and
 * "=?=?=?..." stays linear. */
START_TEST(test_ew_overlong)
{
	GString *in = g_string_new("=?UTF-8?Q?");
	gchar *got;

	message_init_once();
	for (int i = 0; i < 2000; i++)
		g_string_append_c(in, 'a');
	g_string_append(in, "?=");
	got = charset_ew_fix(in->str);
	ck_assert_str_eq(got, in->str);
	g_free(got);
	g_string_truncate(in, 0);
	for (int i = 0; i < 20000; i++)
		g_string_append(in, "=?");
	got = charset_ew_fix(in->str);
	ck_assert_str_eq(got, in->str);
	g_free(got);
	g_string_free(in, TRUE);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("charset");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_to_utf8, 0, G_N_ELEMENTS(conv_cases));
	tcase_add_loop_test(tc, test_ew_fix, 0, G_N_ELEMENTS(ew_cases));
	tcase_add_test(tc, test_ew_overlong);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
