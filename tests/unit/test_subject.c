/*
 * test_subject.c - unit tests for subject.c, the Subject rewrite of the tag
 * action: ASCII and Japanese tags in front of plain, ISO-2022-JP and folded
 * subjects (original bytes kept), long tags split into several
 * encoded-words, empty and missing subjects, bad tags, and tagging twice.
 */
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "subject.h"
#include "testutil.h"

#define TAG_JA "[\xe8\xa6\x81\xe6\xb3\xa8\xe6\x84\x8f] " /* [要注意] */
#define EW_TAG_JA "=?UTF-8?B?W+imgeazqOaEj10=?="         /* "[要注意]" */
#define EW_TAG_JA_SP "=?UTF-8?B?W+imgeazqOaEj10g?="      /* "[要注意] " */
#define EW_MAIL "=?ISO-2022-JP?B?GyRCJWEhPCVrGyhC?="     /* メール */
/* 請求書の件 */
#define EW_INVOICE "=?ISO-2022-JP?B?GyRCQEE1YT1xJE43bxsoQg==?="

static const struct {
	const char *raw; /* NULL: no Subject header */
	const char *tag;
	const char *want;
} tag_cases[] = {
    /* ASCII tags go in as they are */
    {"Hello", "[SPAM] ", "[SPAM] Hello"},
    {" Hello", "[SPAM] ", " [SPAM] Hello"},
    {" Hello", "[SPAM]", " [SPAM]Hello"},
    /* ... but an encoded-word after the tag needs its blank */
    {" " EW_MAIL, "[SPAM]", " [SPAM] " EW_MAIL},
    {" " EW_MAIL, "[SPAM] ", " [SPAM] " EW_MAIL},
    /* a Japanese tag is encoded; the blank before plain text is the
     * separator, not part of the word (it would show twice) */
    {" Hello", TAG_JA, " " EW_TAG_JA " Hello"},
    /* before an encoded-word the separator is invisible, so the tag's
     * own blank is encoded */
    {" " EW_MAIL, TAG_JA, " " EW_TAG_JA_SP " " EW_MAIL},
    /* folded ISO-2022-JP: every original byte kept */
    {" " EW_INVOICE "\r\n " EW_MAIL, TAG_JA,
     " " EW_TAG_JA_SP " " EW_INVOICE "\r\n " EW_MAIL},
    {" " EW_INVOICE "\n\t" EW_MAIL, TAG_JA,
     " " EW_TAG_JA_SP " " EW_INVOICE "\n\t" EW_MAIL},
    {" long subject\r\n folded here", "[SPAM] ",
     " [SPAM] long subject\r\n folded here"},
    /* raw 8-bit subjects stay raw */
    {" \xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab", TAG_JA,
     " " EW_TAG_JA " \xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab"},
    /* empty and missing subjects get the tag alone */
    {"", TAG_JA, EW_TAG_JA},
    {" ", "[SPAM] ", " [SPAM]"},
    {NULL, "[SPAM] ", "[SPAM]"},
    {NULL, TAG_JA, EW_TAG_JA},
    /* ASCII that looks like an encoded-word is encoded */
    {" x", "=?[T]?= ", " =?UTF-8?B?PT9bVF0/PQ==?= x"},
    /* already tagged: in the same form, or encoded differently */
    {" [SPAM] Hello", "[SPAM] ", NULL},
    {" " EW_TAG_JA_SP " " EW_MAIL, TAG_JA, NULL},
    {" =?utf-8?q?=5B=E8=A6=81=E6=B3=A8=E6=84=8F=5D_Hello?=", TAG_JA, NULL},
    {" =?ISO-2022-JP?B?WxskQk1XQ20wVRsoQl0=?= x", TAG_JA, NULL},
    /* a blank tag tags nothing */
    {" Hello", "  ", NULL},
};

START_TEST(test_tag)
{
	char *out = (char *)"unset";
	emg_status_t st =
	    emg_subject_tag(tag_cases[_i].raw, tag_cases[_i].tag, &out);
	ck_assert_int_eq(st, EMG_OK);
	if (tag_cases[_i].want == NULL) {
		ck_assert_ptr_null(out);
		return;
	}
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, tag_cases[_i].want);
	free(out);
}
END_TEST

/* Tagging the result again changes nothing. */
START_TEST(test_idempotent)
{
	if (tag_cases[_i].want == NULL || tag_cases[_i].tag[0] == ' ')
		return;
	char *again = (char *)"unset";
	ck_assert_int_eq(
	    emg_subject_tag(tag_cases[_i].want, tag_cases[_i].tag, &again),
	    EMG_OK);
	ck_assert_msg(again == NULL, "tagged twice: %s", again);
}
END_TEST

/* A tag longer than one encoded-word holds becomes several words of at
 * most 75 characters, none splitting a character, that decode back to the
 * tag followed by the subject. */
START_TEST(test_long_tag)
{
	char tag[SUBJECT_TAG_MAX + 1] = "";
	for (int i = 0; i < 20; i++)
		strcat(tag, "\xe8\xa6\x81"); /* 要: 60 bytes in all */
	strcat(tag, "! ");
	char *out = NULL;
	ck_assert_int_eq(emg_subject_tag(" " EW_MAIL, tag, &out), EMG_OK);
	ck_assert_ptr_nonnull(out);

	size_t words = 0;
	char *copy = strdup(out), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		ck_assert_uint_le(strlen(w), 75);
		if (strncmp(w, "=?UTF-8?B?", 10) != 0)
			continue;
		words++;
		gchar *dec = g_mime_utils_header_decode_text(NULL, w);
		ck_assert_msg(g_utf8_validate(dec, -1, NULL), "split char: %s",
		              w);
		g_free(dec);
	}
	free(copy);
	ck_assert_uint_eq(words, 2);

	gchar *dec = g_mime_utils_header_decode_text(NULL, out);
	GString *want = g_string_new(tag);
	g_string_append(want, "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab");
	ck_assert_str_eq(dec + strspn(dec, " "), want->str);
	g_string_free(want, TRUE);
	g_free(dec);
	free(out);
}
END_TEST

static const char *const bad_tags[] = {
    "\xff[bad]",            /* not UTF-8 */
    "[SPAM]\r\nBcc: x@y.z", /* would inject a header */
    "[a\tb]",
};

START_TEST(test_bad_tag)
{
	char *out = (char *)"unset";
	ck_assert_int_eq(emg_subject_tag("Hello", bad_tags[_i], &out),
	                 EMG_EINVAL);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_limits)
{
	char *out = NULL;
	char tag[SUBJECT_TAG_MAX + 2];
	memset(tag, 'x', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	ck_assert_int_eq(emg_subject_tag("Hello", tag, &out), EMG_EINVAL);
	tag[SUBJECT_TAG_MAX] = '\0';
	ck_assert_int_eq(emg_subject_tag("Hello", tag, &out), EMG_OK);
	free(out);

	char *raw = malloc(SUBJECT_RAW_MAX + 2);
	memset(raw, 'a', SUBJECT_RAW_MAX + 1);
	raw[SUBJECT_RAW_MAX + 1] = '\0';
	ck_assert_int_eq(emg_subject_tag(raw, "[SPAM] ", &out), EMG_ELIMIT);
	ck_assert_ptr_null(out);
	free(raw);
	ck_assert_int_eq(emg_subject_tag("x", NULL, &out), EMG_EINVAL);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int
main(void)
{
	Suite *s = suite_create("subject");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_tag, 0, N(tag_cases));
	tcase_add_loop_test(tc, test_idempotent, 0, N(tag_cases));
	tcase_add_test(tc, test_long_tag);
	tcase_add_loop_test(tc, test_bad_tag, 0, N(bad_tags));
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
