/*
 * test_text.c - unit tests for text.c: NFKC, HTML to text, UTF-8 validity.
 * Table-driven; the deep-nesting case guards against recursive tree walks.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "text.h"

static const struct {
	const char *in;
	const char *want;
} nfkc_cases[] = {
	{"", ""},
	{"plain ascii", "plain ascii"},
	{"\xef\xbc\xb0\xef\xbc\xa1\xef\xbc\xb3\xef\xbc\xb3", "PASS"}, /* ＰＡＳＳ */
	{"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93", "123"},             /* １２３ */
	{"\xef\xbd\xb6\xef\xbe\x9e", "\xe3\x82\xac"},                 /* ｶﾞ -> ガ */
	{"\xe3\x8d\xbb", "\xe5\xb9\xb3\xe6\x88\x90"},                 /* ㍻ -> 平成 */
	{"\xe2\x91\xa0", "1"},                                        /* ① */
	{"\xef\xbc\xa0", "@"},                                        /* ＠ */
	{"\xe3\x80\x80", " "},                                        /* ideographic space */
	{"\xef\xac\x81le", "file"},                                   /* ﬁ ligature */
	{"bad\xff" "byte", "bad\xef\xbf\xbd" "byte"},                 /* U+FFFD */
	{"cut\xe3\x81", "cut\xef\xbf\xbd"},
	{"\xef\xb7\xba", NULL}, /* U+FDFA expands to 18 code points */
	{"\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89",
	 "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89"}, /* パスワード */
};

START_TEST(test_nfkc)
{
	size_t n = 0;
	const char *in = nfkc_cases[_i].in;
	char *out = text_nfkc(in, strlen(in), &n);

	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(n, strlen(out));
	if (nfkc_cases[_i].want != NULL)
		ck_assert_str_eq(out, nfkc_cases[_i].want);
	else
		ck_assert_uint_gt(n, 30);
	ck_assert(text_valid_utf8(out, n));
	free(out);
}
END_TEST

static const struct {
	const char *html;
	const char *want;
} html_cases[] = {
	{"", ""},
	{"<p>Hello</p><p>World</p>", "Hello\nWorld"},
	{"Line one<br>Line two<br/>three", "Line one\nLine two\nthree"},
	{"<html><head><title>T</title><style>p{x:y}</style></head>"
	 "<body>Body <b>bold</b> text</body></html>",
	 "Body bold text"},
	{"<script>var pw='secret';</script>visible", "visible"},
	{"a &amp; b &lt;c&gt; &#x41;&#66; caf&eacute;",
	 "a & b <c> AB caf\xc3\xa9"},
	{"  lots   of\n\n\t blanks  ", "lots of blanks"},
	{"<div>x</div><div></div><div></div><div>y</div>", "x\ny"},
	{"<p>a</p><p></p><br><br><br><p>b</p>", "a\n\nb"},
	{"<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>",
	 "12\n3"},
	{"pass&nbsp;word", "pass word"},
	{"<p>\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89: abc</p>",
	 "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89: abc"},
	{"1 < 2 and 3 > 2, <b>unclosed <i>tags", "1 < 2 and 3 > 2, unclosed tags"},
	{"<p>visible<script>hidden</script></p>after", "visible\nafter"},
	{"<ul><li>one<li>two</ul>", "one\ntwo"},
	{"<p>before\x01" "after</p>\x01" "<p>next</p>", "before after\nnext"},
	/* The part is already UTF-8; a stale <meta> charset must not win. */
	{"<meta charset=\"shift_jis\"><p>\xe6\x97\xa5\xe6\x9c\xac</p>",
	 "\xe6\x97\xa5\xe6\x9c\xac"},
	{"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
	 "charset=iso-2022-jp\"></head><body>\xe6\x97\xa5</body></html>",
	 "\xe6\x97\xa5"},
	{"<!-- hidden comment -->shown", "shown"},
	{"<head><title>T</title></head>x<pre>  a\n  b</pre>", "x\na b"},
};

START_TEST(test_html)
{
	size_t n = 0;
	const char *in = html_cases[_i].html;
	/* "\x01" stands for a NUL byte inside the part. */
	char *html = strdup(in), *out;

	ck_assert_ptr_nonnull(html);
	for (char *p = html; *p != '\0'; p++)
		if (*p == '\x01')
			*p = '\0';
	out = text_html_to_text(html, strlen(in), &n);
	free(html);

	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(n, strlen(out));
	ck_assert_str_eq(out, html_cases[_i].want);
	free(out);
}
END_TEST

/* Build WRAP repeated COUNT times around TEXT. */
static char *nest(const char *open, const char *text, size_t count)
{
	size_t ol = strlen(open), tl = strlen(text);
	char *p = malloc(ol * count + tl + 1), *q = p;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < count; i++, q += ol)
		memcpy(q, open, ol);
	memcpy(q, text, tl + 1);
	return p;
}

static const char *const deep_opens[] = {"<div>", "<b>", "<span><i>",
                                         "<table><tr><td>", "<p>"};

/* Hostile nesting must neither crash nor lose the text. */
START_TEST(test_html_deep)
{
	char *html = nest(deep_opens[_i], "deep text", 50000);
	size_t n = 0;
	char *out = text_html_to_text(html, strlen(html), &n);

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "deep text"));
	free(out);
	free(html);
}
END_TEST

static const struct {
	const char *s;
	int valid;
} utf8_cases[] = {
	{"", 1},
	{"ascii", 1},
	{"\xe6\x97\xa5\xe6\x9c\xac", 1},
	{"\xf0\x9f\x98\x80", 1},
	{"\xff", 0},
	{"\xc0\xaf", 0},         /* overlong '/' */
	{"\xe0\x80\xaf", 0},     /* overlong */
	{"\xed\xa0\x80", 0},     /* surrogate */
	{"\xf4\x90\x80\x80", 0}, /* past U+10FFFF */
	{"\xe6\x97", 0},         /* truncated */
	{"\x82\xa0", 0},         /* Shift_JIS bytes */
};

START_TEST(test_utf8)
{
	const char *s = utf8_cases[_i].s;

	ck_assert_int_eq(text_valid_utf8(s, strlen(s)), utf8_cases[_i].valid);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_nfkc, 0, N(nfkc_cases));
	tcase_add_loop_test(tc, test_html, 0, N(html_cases));
	tcase_add_loop_test(tc, test_html_deep, 0, N(deep_opens));
	tcase_add_loop_test(tc, test_utf8, 0, N(utf8_cases));
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
