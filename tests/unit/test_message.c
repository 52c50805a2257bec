/*
 * test_message.c - unit tests for message.c: RFC 2047 / raw 8-bit header
 * decoding (ISO-2022-JP, Shift_JIS, EUC-JP, UTF-8), addresses and groups,
 * message ids, attachment names (RFC 2231, encoded-words in quotes), body
 * text (HTML, NFKC), attached messages, every limit, and garbage input.
 * Table-driven; messages are built from short header/body snippets.
 */
#include <glib.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "message.h"
#include "testutil.h"

/* Parse TEXT under LIM (NULL: defaults); fails the test unless EMG_OK. */
static emg_message_t *
parse_lim(const char *text, size_t len, const emg_limits_t *lim)
{
	emg_message_t *m = NULL;
	ck_assert_int_eq(message_parse(text, len, lim, NULL, &m), EMG_OK);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(m->text);
	return m;
}

static emg_message_t *
parse(const char *text)
{
	return parse_lim(text, strlen(text), NULL);
}

static bool
has_problem(const emg_message_t *m, const char *needle)
{
	for (size_t i = 0; i < m->problems.n; i++)
		if (strstr(m->problems.v[i], needle) != NULL)
			return true;
	return false;
}

/* ---- Subject decoding ---------------------------------------------------- */

static const struct {
	const char *subject; /* header value as written */
	const char *want;
} subject_cases[] = {
	{"plain ascii", "plain ascii"},
	/* 日本語の件名 */
	{"=?ISO-2022-JP?B?GyRCRnxLXDhsJE43b0w+GyhC?=",
	 "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d"},
	/* 請求書 */
	{"=?Shift_JIS?B?kL+LgY+R?=", "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8"},
	/* 見積書 */
	{"=?EUC-JP?B?uKvA0b3x?=", "\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8"},
	/* 確認, B and Q */
	{"=?UTF-8?B?56K66KqN?=", "\xe7\xa2\xba\xe8\xaa\x8d"},
	{"Re: =?utf-8?q?=E7=A2=BA=E8=AA=8D?= done",
	 "Re: \xe7\xa2\xba\xe8\xaa\x8d done"},
	/* あい split after half of い, folded onto the next line */
	{"=?ISO-2022-JP?B?GyRCJA==?=\n =?ISO-2022-JP?B?IiQkGyhC?=",
	 "\xe3\x81\x82\xe3\x81\x84"},
	/* the same on one line */
	{"=?iso-2022-jp?B?GyRCJA==?= =?iso-2022-jp?B?IiQkGyhC?=",
	 "\xe3\x81\x82\xe3\x81\x84"},
	/* NEC extensions labelled iso-2022-jp: ①㈱テスト */
	{"=?iso-2022-jp?B?GyRCLSEtaiVGJTklSBsoQg==?=",
	 "\xe2\x91\xa0\xe3\x88\xb1\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"},
	/* raw Shift_JIS, EUC-JP and UTF-8 bytes: 御見積 */
	{"\x8c\xe4\x8c\xa9\x90\xcf", "\xe5\xbe\xa1\xe8\xa6\x8b\xe7\xa9\x8d"},
	{"\xb8\xe6\xb8\xab\xc0\xd1", "\xe5\xbe\xa1\xe8\xa6\x8b\xe7\xa9\x8d"},
	{"\xe5\xbe\xa1\xe8\xa6\x8b\xe7\xa9\x8d", "\xe5\xbe\xa1\xe8\xa6\x8b\xe7\xa9\x8d"},
	/* mixed charsets, text between words kept */
	{"[=?UTF-8?B?56K66KqN?=] =?Shift_JIS?B?kL+LgY+R?=",
	 "[\xe7\xa2\xba\xe8\xaa\x8d] \xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8"},
	/* broken encoded-words stay readable */
	{"=?UTF-8?X?abc?= tail", "=?UTF-8?X?abc?= tail"},
	{"=?bogus-charset?B?YWJj?=", "abc"},
};

START_TEST(test_subject)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "From: a@example.com\nSubject: %s\n\nbody\n",
	         subject_cases[_i].subject);
	emg_message_t *m = parse(buf);
	ck_assert_ptr_nonnull(m->subject);
	ck_assert_str_eq(m->subject, subject_cases[_i].want);
	ck_assert_str_eq(message_header(m, "subject"), subject_cases[_i].want);
	message_free(m);
}
END_TEST

/* ---- addresses ----------------------------------------------------------- */

static const struct {
	const char *hdr;     /* "From: ..." header line(s) */
	size_t idx;          /* which From address */
	size_t count;        /* how many From addresses */
	const char *display; /* NULL: none */
	const char *addr;
	const char *domain;
	const char *group;
} addr_cases[] = {
	{"From: Taro <taro@Example.COM>", 0, 1, "Taro", "taro@example.com",
	 "example.com", NULL},
	/* 山田太郎 in ISO-2022-JP, 佐藤 in Shift_JIS */
	{"From: =?ISO-2022-JP?B?GyRCOzNFREJATzobKEI=?= <yamada@example.co.jp>", 0, 1,
	 "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", "yamada@example.co.jp",
	 "example.co.jp", NULL},
	{"From: \"=?Shift_JIS?B?jbKToQ==?=\" <sato@example.jp>", 0, 1,
	 "\xe4\xbd\x90\xe8\x97\xa4", "sato@example.jp", "example.jp", NULL},
	/* raw Shift_JIS display name 御見積 */
	{"From: \x8c\xe4\x8c\xa9\x90\xcf <q@example.net>", 0, 1,
	 "\xe5\xbe\xa1\xe8\xa6\x8b\xe7\xa9\x8d", "q@example.net", "example.net", NULL},
	/* several From addresses */
	{"From: a@example.com, \"B\" <b@example.org>", 1, 2, "B", "b@example.org",
	 "example.org", NULL},
	/* a group */
	{"From: Team: x@example.com, \"Y\" <y@Example.Net>;", 1, 2, "Y",
	 "y@example.net", "example.net", "Team"},
	/* a display name that holds an address */
	{"From: \"boss@example.com\" <evil@example.net>", 0, 1, "boss@example.com",
	 "evil@example.net", "example.net", NULL},
	/* broken: kept as far as readable */
	{"From: broken <<x@example.test>", 0, 1, "broken", "x@example.test",
	 "example.test", NULL},
	{"From: Just A Name", 0, 1, "Just A Name", "", "", NULL},
	{"From: <@>", 0, 1, NULL, "@", "", NULL},
	{"From: x@, y@Example.Test", 0, 1, NULL, "y@example.test", "example.test",
	 NULL},
};

START_TEST(test_address)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s\nSubject: x\n\nbody\n", addr_cases[_i].hdr);
	emg_message_t *m = parse(buf);
	ck_assert_uint_eq(m->from.n, addr_cases[_i].count);
	const emg_address_t *a = &m->from.v[addr_cases[_i].idx];
	if (addr_cases[_i].display == NULL)
		ck_assert_ptr_null(a->display);
	else
		ck_assert_str_eq(a->display, addr_cases[_i].display);
	ck_assert_str_eq(a->addr, addr_cases[_i].addr);
	ck_assert_str_eq(a->domain, addr_cases[_i].domain);
	if (addr_cases[_i].group == NULL)
		ck_assert_ptr_null(a->group);
	else
		ck_assert_str_eq(a->group, addr_cases[_i].group);
	message_free(m);
}
END_TEST

START_TEST(test_headers_ids)
{
	emg_message_t *m = parse(
	    "Return-Path: <bounce@example.org>\n"
	    "From: a@example.com\nSender: s@example.com\n"
	    "Reply-To: r@example.net\nTo: t1@example.com,\n t2@example.com\n"
	    "Cc: Group: ;\n"
	    "Message-ID:  <id1@example.com> \n"
	    "In-Reply-To: <p1@example.com> <p2@example.com>\n"
	    "References: <r1@example.com>\n <r2@example.com> <p1@example.com>\n"
	    "Date: Mon, 21 May 2018 12:34:56 +0900\n"
	    "X-Dup: one\nX-Dup: two\n\nbody\n");
	ck_assert_str_eq(m->message_id, "<id1@example.com>");
	ck_assert_str_eq(m->in_reply_to, "<p1@example.com>");
	ck_assert_uint_eq(m->references.n, 3);
	ck_assert_str_eq(m->references.v[2], "<p1@example.com>");
	ck_assert_str_eq(m->date, "Mon, 21 May 2018 12:34:56 +0900");
	ck_assert_uint_eq(m->to.n, 2);
	ck_assert_str_eq(m->to.v[1].addr, "t2@example.com");
	ck_assert_str_eq(m->return_path.v[0].addr, "bounce@example.org");
	ck_assert_str_eq(m->sender.v[0].addr, "s@example.com");
	ck_assert_str_eq(m->reply_to.v[0].domain, "example.net");
	ck_assert_str_eq(message_header_nth(m, "x-dup", 1)->value, "two");
	ck_assert_ptr_null(message_header_nth(m, "x-dup", 2));
	ck_assert_str_eq(message_header_nth(m, "To", 0)->raw,
	                 "t1@example.com, t2@example.com");
	ck_assert_str_eq(m->text, "body\n");
	message_free(m);
}
END_TEST

/* ---- attachment names ---------------------------------------------------- */

static const struct {
	const char *headers; /* part headers */
	const char *want;
} name_cases[] = {
	{"Content-Type: application/pdf; name=\"a.pdf\"", "a.pdf"},
	{"Content-Type: application/pdf\nContent-Disposition: attachment; "
	 "filename=b.pdf", "b.pdf"},
	/* RFC 2231 with charset and continuation: 請求書_2024.pdf */
	{"Content-Type: application/pdf\nContent-Disposition: attachment;\n"
	 " filename*0*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8;\n filename*1=\"_2024.pdf\"",
	 "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8_2024.pdf"},
	/* RFC 2231 in ISO-2022-JP: 報告書.pdf */
	{"Content-Type: application/pdf\nContent-Disposition: attachment;\n"
	 " filename*=iso-2022-jp''%1B%24%42%4A%73%39%70%3D%71%1B%28%42%2E%70%64%66",
	 "\xe5\xa0\xb1\xe5\x91\x8a\xe6\x9b\xb8.pdf"},
	/* encoded-word inside quotes (Japanese clients): 見積書.zip */
	{"Content-Type: application/zip;\n name=\"=?ISO-2022-JP?B?GyRCOCtAUT1xGyhCLnppcA==?=\"\n"
	 "Content-Disposition: attachment;\n"
	 " filename=\"=?ISO-2022-JP?B?GyRCOCtAUT1xGyhCLnppcA==?=\"",
	 "\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8.zip"},
	/* raw Shift_JIS in quotes: 資料.doc */
	{"Content-Type: application/msword; name=\"\x8e\x91\x97\xbf.doc\"",
	 "\xe8\xb3\x87\xe6\x96\x99.doc"},
	/* bytes that are not UTF-8 whatever the label says: still UTF-8 out */
	{"Content-Type: application/pdf\nContent-Disposition: attachment;"
	 " filename*=utf-8''%ff%fe.pdf", "\xc3\xbf\xc3\xbe.pdf"},
	/* a named text part is an attachment, not body */
	{"Content-Type: text/plain; name=\"notes.txt\"", "notes.txt"},
	{"Content-Type: text/html\nContent-Disposition: attachment", NULL},
};

START_TEST(test_attachment_name)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
	         "From: a@example.com\nMIME-Version: 1.0\n"
	         "Content-Type: multipart/mixed; boundary=b\n\n"
	         "--b\nContent-Type: text/plain\n\nhello\n"
	         "--b\n%s\n\nQUJD\n--b--\n", name_cases[_i].headers);
	emg_message_t *m = parse(buf);
	ck_assert_uint_eq(m->n_attachments, 1);
	emg_attachment_t *a = m->attachments[0];
	if (name_cases[_i].want == NULL)
		ck_assert_ptr_null(a->name);
	else
		ck_assert_str_eq(a->name, name_cases[_i].want);
	ck_assert_str_eq(m->text, "hello"); /* the LF belongs to the boundary */
	ck_assert_uint_eq(a->depth, 0);
	ck_assert_str_eq(a->real_type, "application/octet-stream");
	message_free(m);
}
END_TEST

START_TEST(test_attachment_data)
{
	emg_message_t *m = parse(
	    "From: a@example.com\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: application/octet-stream; name=x.bin\n"
	    "Content-Transfer-Encoding: base64\n\nYWJj\n"
	    "--b\nContent-Type: image/PNG\nContent-Disposition: inline\n"
	    "Content-Transfer-Encoding: quoted-printable\n\nab=3Dc\n"
	    "--b\nContent-Type: application/zip; name=bad.zip\n"
	    "Content-Transfer-Encoding: base64\n\n!!!\n--b--\n");
	ck_assert_uint_eq(m->n_attachments, 3);
	emg_attachment_t *a = m->attachments[0];
	ck_assert_uint_eq(a->size, 3);
	ck_assert_int_eq(memcmp(a->data, "abc", 3), 0);
	ck_assert_str_eq(a->sha256, "ba7816bf8f01cfea414140de5dae2223"
	                            "b00361a396177a9cb410ff61f20015ad");
	ck_assert_str_eq(m->attachments[1]->declared_type, "image/png");
	ck_assert(m->attachments[1]->inline_part);
	ck_assert_uint_eq(m->attachments[1]->size, 4); /* "ab=c" */
	ck_assert(has_problem(m, "part 4 (bad.zip): base64 decodes to nothing"));
	ck_assert_uint_eq(m->n_parts, 4);
	ck_assert_uint_eq(m->max_depth, 1);
	message_free(m);
}
END_TEST

START_TEST(test_identify_magic)
{
	magic_t mg = magic_open(MAGIC_NONE);
	ck_assert_ptr_nonnull(mg);
	ck_assert_int_eq(magic_load(mg, NULL), 0);
	static unsigned char zip[] = "PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
	emg_attachment_t a = {.data = zip, .size = 22};
	message_attachment_identify(&a, mg);
	ck_assert_str_eq(a.real_type, "application/zip");
	ck_assert_ptr_nonnull(strstr(a.real_desc, "Zip"));
	ck_assert_uint_eq(strlen(a.sha256), 64);
	free(a.real_type);
	free(a.real_desc);
	magic_close(mg);
}
END_TEST

/* ---- body text ----------------------------------------------------------- */

static const struct {
	const char *msg;
	const char *want;
	bool html;
} body_cases[] = {
	{"Subject: x\n\nplain\n", "plain\n", false},
	/* ISO-2022-JP body: パスワード */
	{"Content-Type: text/plain; charset=ISO-2022-JP\n\n"
	 "\x1b$B%Q%9%o!<%I\x1b(B\n",
	 "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89\n", false},
	/* Shift_JIS body, quoted-printable: 御見積 */
	{"Content-Type: text/plain; charset=shift_jis\n"
	 "Content-Transfer-Encoding: quoted-printable\n\n=8C=E4=8C=A9=90=CF",
	 "\xe5\xbe\xa1\xe8\xa6\x8b\xe7\xa9\x8d", false},
	/* full-width PASS normalised */
	{"Content-Type: text/plain; charset=utf-8\n\n"
	 "\xef\xbc\xb0\xef\xbc\xa1\xef\xbc\xb3\xef\xbc\xb3: 1234",
	 "PASS: 1234", false},
	{"Content-Type: text/html\n\n<html><body><p>Hello</p>"
	 "<script>x()</script><p>World</p></body></html>",
	 "Hello\nWorld", true},
	/* alternative: both parts, joined by a newline */
	{"Content-Type: multipart/alternative; boundary=q\n\n--q\n"
	 "Content-Type: text/plain\n\none\n--q\nContent-Type: text/html\n\n"
	 "<b>two</b>\n--q--\n", "one\ntwo", true},
	/* no boundary in the body: the text is still read */
	{"Content-Type: multipart/mixed; boundary=nowhere\n\nhidden text\n",
	 "hidden text\n", false},
};

START_TEST(test_body)
{
	emg_message_t *m = parse(body_cases[_i].msg);
	ck_assert_str_eq(m->text, body_cases[_i].want);
	ck_assert_uint_eq(m->text_len, strlen(body_cases[_i].want));
	ck_assert_int_eq(m->has_html, body_cases[_i].html);
	ck_assert_uint_eq(m->n_attachments, 0);
	message_free(m);
}
END_TEST

START_TEST(test_rfc822)
{
	emg_message_t *m = parse(
	    "From: a@example.com\nSubject: Fwd\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=o\n\n"
	    "--o\nContent-Type: text/plain\n\nsee below\n"
	    "--o\nContent-Type: message/rfc822\n\n"
	    "From: b@example.org\nSubject: inner\n"
	    "Content-Type: multipart/mixed; boundary=i\n\n"
	    "--i\nContent-Type: text/plain\n\ninner text\n"
	    "--i\nContent-Type: application/pdf; name=inv.pdf\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--i--\n"
	    "--o--\n");
	ck_assert_uint_eq(m->n_attachments, 1);
	emg_attachment_t *a = m->attachments[0];
	ck_assert_str_eq(a->name, "attached.eml");
	ck_assert_str_eq(a->declared_type, "message/rfc822");
	ck_assert_ptr_nonnull(a->data);
	ck_assert_ptr_nonnull(memmem(a->data, a->size, "Subject: inner", 14));
	ck_assert_uint_eq(a->n_children, 1);
	ck_assert_str_eq(a->children[0]->name, "inv.pdf");
	ck_assert_uint_eq(a->children[0]->depth, 1);
	ck_assert_uint_eq(a->children[0]->size, 9);
	ck_assert_str_eq(m->text, "see below\ninner text");
	ck_assert_str_eq(m->subject, "Fwd");
	message_free(m);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

/* Multipart with N text/plain parts, nested DEPTH deep. */
static char *
make_nested(unsigned depth, unsigned n, const char *inner_header)
{
	GString *s = g_string_new("From: a@example.com\nSubject: x\n");
	for (unsigned i = 0; i < depth; i++)
		g_string_append_printf(s, "Content-Type: multipart/mixed; "
		                       "boundary=b%u\n\n--b%u\n", i, i);
	g_string_append(s, inner_header ? inner_header : "");
	g_string_append(s, "Content-Type: multipart/mixed; boundary=z\n\n");
	for (unsigned i = 0; i < n; i++)
		g_string_append(s, "--z\nContent-Type: text/plain\n\np\n");
	g_string_append(s, "--z--\n");
	return g_string_free(s, FALSE);
}

static const struct {
	const char *problem;
	size_t message_size, header_size, text_size;
	unsigned mime_depth, mime_parts, headers;
	unsigned depth, parts; /* of the generated message */
} limit_cases[] = {
	{"LimitMessageSize 200 exceeded (size ", 200, 0, 0, 0, 0, 0, 0, 50},
	{"LimitMimeDepth 3 reached", 0, 0, 0, 3, 0, 0, 6, 1},
	{"LimitMimeParts 10 reached", 0, 0, 0, 0, 10, 0, 0, 30},
	{"LimitHeaders 1 reached", 0, 0, 0, 0, 0, 1, 0, 1},
	{"LimitHeaderSize 8 exceeded (", 0, 8, 0, 0, 0, 0, 0, 1},
	{"LimitTextSize 10 reached", 0, 0, 10, 0, 0, 0, 0, 20},
};

START_TEST(test_limits)
{
	emg_limits_t lim;
	limits_default(&lim);
	if (limit_cases[_i].message_size)
		lim.message_size = limit_cases[_i].message_size;
	if (limit_cases[_i].header_size)
		lim.header_size = limit_cases[_i].header_size;
	if (limit_cases[_i].text_size)
		lim.text_size = limit_cases[_i].text_size;
	if (limit_cases[_i].mime_depth)
		lim.mime_depth = limit_cases[_i].mime_depth;
	if (limit_cases[_i].mime_parts)
		lim.mime_parts = limit_cases[_i].mime_parts;
	if (limit_cases[_i].headers)
		lim.headers = limit_cases[_i].headers;
	char *msg = make_nested(limit_cases[_i].depth, limit_cases[_i].parts,
	                        "Subject: a long subject line\n");
	emg_message_t *m = parse_lim(msg, strlen(msg), &lim);
	ck_assert_msg(has_problem(m, limit_cases[_i].problem), "want %s, got %s",
	              limit_cases[_i].problem,
	              m->problems.n ? m->problems.v[0] : "nothing");
	ck_assert_uint_le(m->text_len, lim.text_size);
	ck_assert_uint_le(m->n_parts, lim.mime_parts);
	ck_assert_uint_le(m->n_headers, lim.headers);
	message_free(m);
	g_free(msg);
}
END_TEST

/* ---- garbage ------------------------------------------------------------- */

static char *
make_garbage(unsigned kind, size_t *len)
{
	GString *s = g_string_new(NULL);
	unsigned seed = 12345;
	switch (kind) {
	case 0: /* random bytes */
		for (int i = 0; i < 65536; i++) {
			seed = seed * 1103515245u + 12345u;
			g_string_append_c(s, (char)(seed >> 16));
		}
		break;
	case 1: /* empty */
		break;
	case 2:
		g_string_append(s, "From: a@example.com\nSubject: headers only");
		break;
	case 3: /* CR-only line ends */
		g_string_append(s, "From: cr@example.com\rSubject: mac\r\rbody\r");
		break;
	case 4: { /* NUL bytes in headers and body */
		static const char nul[] =
		    "From: a\0b@example.com\nSubject: n\0ul\n\nb\0dy\n";
		g_string_append_len(s, nul, sizeof(nul) - 1);
		break;
	}
	case 5: /* a 1 MB header line */
		g_string_append(s, "Subject: ");
		for (int i = 0; i < 1 << 20; i++)
			g_string_append_c(s, 'a' + i % 26);
		g_string_append(s, "\n\nbody\n");
		break;
	case 6: /* 10,000 parts */
		g_free(g_string_free(s, TRUE));
		{
			char *m = make_nested(0, 10000, NULL);
			*len = strlen(m);
			return m;
		}
	case 7: /* message/rfc822 nested 100 deep */
		for (int i = 0; i < 100; i++)
			g_string_append(s, "Subject: x\nContent-Type: message/rfc822\n\n");
		g_string_append(s, "Subject: core\n\ninnermost\n");
		break;
	case 8: /* multipart nested 5,000 deep */
		g_free(g_string_free(s, TRUE));
		{
			char *m = make_nested(5000, 1, NULL);
			*len = strlen(m);
			return m;
		}
	case 10: /* quadratic traps: "=?" runs and "@" runs */
		g_string_append(s, "Subject: ");
		for (int i = 0; i < 30000; i++)
			g_string_append(s, "=?");
		g_string_append(s, "\nFrom: ");
		for (int i = 0; i < 60000; i++)
			g_string_append_c(s, '@');
		g_string_append(s, "\n\nbody\n");
		break;
	case 11: /* an mbox From_ line before the headers */
		g_string_append(s, "From someone@example.com Mon Jul  1 00:00:00 2024\n"
		                   "From: mbox@example.com\n\nbody\n");
		break;
	default: /* header-ish noise */
		g_string_append(s, ":\n:\n\t:\n=?=?=?\n--\n\n--");
	}
	*len = s->len;
	return g_string_free(s, FALSE);
}

START_TEST(test_garbage)
{
	size_t len = 0;
	char *in = make_garbage((unsigned)_i, &len);
	emg_message_t *m = parse_lim(in, len, NULL);
	if (_i == 3) {
		ck_assert_str_eq(m->from.v[0].addr, "cr@example.com");
		ck_assert_str_eq(m->text, "body\n");
	}
	if (_i == 5)
		ck_assert(has_problem(m, "LimitHeaderSize"));
	if (_i == 6)
		ck_assert(has_problem(m, "LimitMimeParts 1000 reached"));
	if (_i == 0)
		ck_assert_uint_eq(m->n_headers, 0);
	if (_i == 11)
		ck_assert_str_eq(m->from.v[0].addr, "mbox@example.com");
	if (_i == 7 || _i == 8)
		ck_assert(has_problem(m, "LimitMimeDepth 20 reached"));
	message_free(m);
	g_free(in);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("message");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_subject, 0, G_N_ELEMENTS(subject_cases));
	tcase_add_loop_test(tc, test_address, 0, G_N_ELEMENTS(addr_cases));
	tcase_add_test(tc, test_headers_ids);
	tcase_add_loop_test(tc, test_attachment_name, 0, G_N_ELEMENTS(name_cases));
	tcase_add_test(tc, test_attachment_data);
	tcase_add_test(tc, test_identify_magic);
	tcase_add_loop_test(tc, test_body, 0, G_N_ELEMENTS(body_cases));
	tcase_add_test(tc, test_rfc822);
	tcase_add_loop_test(tc, test_limits, 0, G_N_ELEMENTS(limit_cases));
	tcase_add_loop_test(tc, test_garbage, 0, 12);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
