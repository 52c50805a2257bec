/*
 * active.c - the active-content analyzer (attach.active_content): PDFs that
 * run JavaScript, launch programs or carry files, RTF documents with
 * embedded OLE objects (the Equation Editor exploit CVE-2017-11882 above
 * all), HTML attachments that are credential-phishing pages, and HTML
 * attachments that smuggle a file (smuggle.c; the walker has decoded it
 * into a child of the page).
 *
 * Every node of the attachment tree is looked at (attachment_iter_*), so
 * members of archives and files embedded in OneNote sections are covered.
 * The format comes from the content (and for HTML also from the declared
 * type or the name), never from the name alone: an RTF named .doc is an RTF.
 *
 * PDF: the raw bytes are tokenised for names, with #xx escapes decoded
 * (/J#61vaScript); object streams (/Type /ObjStm) compressed with
 * FlateDecode are inflated through GIO's GZlibDecompressor (zlib, already
 * linked through GMime) and scanned too; other streams are skipped.
 * RTF: rtf.c reads the objects (control words as Word reads them, the
 * \objclass text and the hex of \objdata decoded laxly).
 * HTML: case-insensitive search of forms, inputs and script calls.
 * All of it is bounded: ACTIVE_SCAN_MAX bytes of each object, at most
 * ACTIVE_PDF_STREAMS inflated streams of ACTIVE_INFLATE_MAX bytes each.
 * Details name the attachment and what was seen, never its text.
 */
#include <ctype.h>
#include <gio/gio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer.h"
#include "attachment.h"
#include "bytes.h"
#include "rtf.h"
#include "smuggle.h"

/* Bytes of one object looked at: lures put their active parts early, and
 * a padded giant must not cost the scan budget. */
#define ACTIVE_SCAN_MAX (8u * 1024u * 1024u)
/* Object streams inflated per PDF, and bytes kept of each. */
#define ACTIVE_PDF_STREAMS 64
#define ACTIVE_INFLATE_MAX (4u * 1024u * 1024u)
#define ACTIVE_INFLATE_ALL (32u * 1024u * 1024u)
/* HTML tags looked at, and bytes of one tag. */
#define ACTIVE_TAGS_MAX 512
#define ACTIVE_TAG_LEN 2048
/* A string literal this long of base64 or %xx is a hidden payload. */
#define ACTIVE_BLOB_MIN 512
/* Room for a host or a name in a detail. */
#define ACTIVE_BUF 128

/* Scores.  A program started by opening the file is the attack itself:
 * PDF /Launch and the RTF Equation Editor object reach quarantine with
 * one more signal (8).  JavaScript in a PDF is rare in business mail but
 * is also used by forms: moderate (4), more when it runs on open (6).  A
 * password field in an HTML attachment is credential phishing in all but
 * name - legitimate senders link to their site instead - so it tags on its
 * own (6); so does a page that builds a download of a file it carries
 * (HTML smuggling, 6): business mail attaches the file itself, and the
 * smuggled file's own findings (an executable, an ISO, an encrypted ZIP)
 * add to it.  Embedded files, other RTF objects and redirects also occur in
 * honest documents and stay below the tag threshold alone. */
static const emg_symbol_t active_symbols[] = {
	{"ACTIVE_PDF_JAVASCRIPT", "attach.active_content", 4.0,
	 EMG_ACTION_ACCEPT, "PDF with JavaScript (/JavaScript, /JS)"},
	{"ACTIVE_PDF_AUTO_JAVASCRIPT", "attach.active_content", 6.0,
	 EMG_ACTION_ACCEPT,
	 "PDF whose JavaScript runs on open (/OpenAction or /AA)"},
	{"ACTIVE_PDF_LAUNCH", "attach.active_content", 8.0, EMG_ACTION_ACCEPT,
	 "PDF with a /Launch action (starts a program)"},
	{"ACTIVE_PDF_EMBEDDED_FILE", "attach.active_content", 3.0,
	 EMG_ACTION_ACCEPT, "PDF carrying embedded files (/EmbeddedFile)"},
	{"ACTIVE_PDF_URI_SUSPICIOUS", "attach.active_content", 2.0,
	 EMG_ACTION_ACCEPT,
	 "PDF link to a non-web scheme (file:, smb:, javascript:) or an IP"},
	{"ACTIVE_PDF_NAME_OBFUSCATED", "attach.active_content", 3.0,
	 EMG_ACTION_ACCEPT,
	 "PDF hiding an action name with #xx escapes (/J#61vaScript)"},
	{"ACTIVE_RTF_OBJECT", "attach.active_content", 4.0, EMG_ACTION_ACCEPT,
	 "RTF with an embedded OLE object (\\object, \\objdata)"},
	{"ACTIVE_RTF_EQUATION", "attach.active_content", 8.0,
	 EMG_ACTION_ACCEPT,
	 "RTF embedding an Equation Editor object (CVE-2017-11882 lures)"},
	{"ACTIVE_HTML_CREDENTIAL_FORM", "attach.active_content", 6.0,
	 EMG_ACTION_ACCEPT,
	 "HTML attachment with a password field or a login form posting out"},
	{"ACTIVE_HTML_SCRIPT_POST", "attach.active_content", 5.0,
	 EMG_ACTION_ACCEPT,
	 "HTML attachment whose script sends credential fields elsewhere"},
	{"ACTIVE_HTML_SCRIPT_OBFUSCATED", "attach.active_content", 4.0,
	 EMG_ACTION_ACCEPT,
	 "HTML attachment decoding a hidden script blob (atob, unescape)"},
	{"ACTIVE_HTML_REDIRECT", "attach.active_content", 3.0,
	 EMG_ACTION_ACCEPT,
	 "HTML attachment that sends the reader on to a web page"},
	{"ACTIVE_HTML_SMUGGLING", "attach.active_content", 6.0,
	 EMG_ACTION_ACCEPT,
	 "HTML attachment that hands the reader a file it carries encoded "
	 "(HTML smuggling)"},
};

/* ---- helpers ------------------------------------------------------------- */

static bool
active_has(const uint8_t *h, size_t n, const char *needle)
{
	return bytes_find_ci(h, n, 0, needle) != SIZE_MAX;
}

/* Copy S (LEN bytes) into BUF for a detail: printable ASCII only. */
static const char *
active_clean(const uint8_t *s, size_t len, char *buf, size_t buflen)
{
	size_t i = 0;

	for (; i < len && i + 1 < buflen; i++)
		buf[i] = (s[i] > 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* The host of an absolute http(s) or protocol-relative URL at U (LEN
 * bytes) into HOST; false when U is not such a URL. */
static bool
active_url_host(const uint8_t *u, size_t len, char *host, size_t hostlen)
{
	size_t i = 0, start;

	if (len >= 7 && strncasecmp((const char *)u, "http://", 7) == 0)
		i = 7;
	else if (len >= 8 && strncasecmp((const char *)u, "https://", 8) == 0)
		i = 8;
	else if (len >= 2 && u[0] == '/' && u[1] == '/')
		i = 2;
	else
		return false;
	start = i;
	while (i < len && u[i] != '/' && u[i] != ':' && u[i] != '?' &&
	       u[i] != '#' && u[i] != '"' && u[i] != '\'' && u[i] > 0x20)
		i++;
	if (i == start)
		return false;
	active_clean(u + start, i - start, host, hostlen);
	return true;
}

/* True when HOST is a dotted IPv4 address. */
static bool
active_host_is_ip(const char *host)
{
	unsigned dots = 0;

	for (const char *p = host; *p != '\0'; p++) {
		if (*p == '.')
			dots++;
		else if (!isdigit((unsigned char)*p))
			return false;
	}
	return dots == 3;
}

/* ---- PDF ----------------------------------------------------------------- */

/* What the name scan found in one PDF. */
typedef struct active_pdf {
	bool js, openaction, aa, launch, embedded, obfuscated;
	bool objstm, flate;   /* names of the current object's dictionary */
	char uri[ACTIVE_BUF]; /* first suspicious /URI: what was odd */
	unsigned streams;     /* object streams inflated */
	size_t inflated;      /* bytes they gave, against ACTIVE_INFLATE_ALL */
	size_t end_from, end; /* the first "endstream" at or after END_FROM
	                       * is at END (SIZE_MAX: none): searched once */
	const char *hidden;   /* an action name written with #xx escapes */
} active_pdf_t;

/* PDF delimiters and white space end a name. */
static bool
active_pdf_regular(uint8_t c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>[]{}/%", c) == NULL;
}

/* Judge the /URI value at P: a string whose scheme is not http(s) or
 * mailto, or whose host is an IPv4 address, is noted in PDF->uri. */
static void
active_pdf_uri(const uint8_t *p, size_t n, active_pdf_t *pdf)
{
	size_t i = 0, j;
	char host[64], scheme[16];

	while (i < n && isspace(p[i]))
		i++;
	if (i >= n || p[i] != '(' || pdf->uri[0] != '\0')
		return;
	i++;
	if (active_url_host(p + i, n - i, host, sizeof(host))) {
		if (active_host_is_ip(host))
			snprintf(pdf->uri, sizeof(pdf->uri), "to the IP address %s",
			         host);
		return;
	}
	for (j = i; j < n && j - i < sizeof(scheme) - 1 &&
	            (isalnum(p[j]) || p[j] == '-' || p[j] == '+');
	     j++)
		;
	if (j < n && p[j] == ':' && j > i + 1) {
		active_clean(p + i, j - i, scheme, sizeof(scheme));
		if (strcasecmp(scheme, "mailto") != 0 &&
		    strcasecmp(scheme, "tel") != 0)
			snprintf(pdf->uri, sizeof(pdf->uri), "with the scheme %s:",
			         scheme);
	} else if (j < n && p[i] == '\\' && i + 1 < n && p[i + 1] == '\\') {
		snprintf(pdf->uri, sizeof(pdf->uri), "to a UNC path");
	}
}

/* Record the name NAME (decoded); ESCAPED when it was written with #xx. */
static void
active_pdf_name(const char *name, bool escaped, active_pdf_t *pdf)
{
	static const char *const actions[] = {"JavaScript", "JS", "Launch",
	                                      "OpenAction", "AA",
	                                      "EmbeddedFile", "EmbeddedFiles",
	                                      "URI"};

	if (strcmp(name, "JavaScript") == 0 || strcmp(name, "JS") == 0)
		pdf->js = true;
	else if (strcmp(name, "OpenAction") == 0)
		pdf->openaction = true;
	else if (strcmp(name, "AA") == 0)
		pdf->aa = true;
	else if (strcmp(name, "Launch") == 0)
		pdf->launch = true;
	else if (strcmp(name, "EmbeddedFile") == 0 ||
	         strcmp(name, "EmbeddedFiles") == 0)
		pdf->embedded = true;
	else if (strcmp(name, "ObjStm") == 0)
		pdf->objstm = true;
	else if (strcmp(name, "FlateDecode") == 0 || strcmp(name, "Fl") == 0)
		pdf->flate = true;
	if (!escaped || pdf->hidden != NULL)
		return;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(name, actions[i]) == 0) {
			pdf->obfuscated = true;
			pdf->hidden = actions[i];
		}
}

/* Read the name after the '/' at P[0]; returns the bytes it took. */
static size_t
active_pdf_token(const uint8_t *p, size_t n, active_pdf_t *pdf)
{
	char name[64];
	size_t i = 1, k = 0;
	bool escaped = false, overlong = false;

	while (i < n && active_pdf_regular(p[i])) {
		int c = p[i];

		if (c == '#' && i + 2 < n && bytes_hexval(p[i + 1]) >= 0 &&
		    bytes_hexval(p[i + 2]) >= 0) {
			c = bytes_hexval(p[i + 1]) * 16 + bytes_hexval(p[i + 2]);
			escaped = true;
			i += 2;
		}
		if (k + 1 < sizeof(name))
			name[k++] = (char)c;
		else
			overlong = true;
		i++;
	}
	name[k] = '\0';
	if (!overlong) {
		active_pdf_name(name, escaped, pdf);
		if (strcmp(name, "URI") == 0)
			active_pdf_uri(p + i, n - i, pdf);
	}
	return i;
}

/* True when the keyword KW starts at P[I] as a token of its own. */
static bool
active_pdf_keyword(const uint8_t *p, size_t n, size_t i, const char *kw)
{
	size_t m = strlen(kw);

	if (n - i < m || memcmp(p + i, kw, m) != 0)
		return false;
	if (i > 0 && active_pdf_regular(p[i - 1]) &&
	    !(p[i - 1] == 'd' && strcmp(kw, "obj") == 0))
		return false; /* "endobj" counts as "obj" */
	return i + m == n || !active_pdf_regular(p[i + m]);
}

static void active_pdf_scan(const uint8_t *p, size_t n, active_pdf_t *pdf,
                            bool nested);

/* Inflate the FlateDecode stream P (N bytes, up to its endstream) into a
 * bounded buffer and scan the names in it.  Damage ends the output: what
 * came out before is still scanned. */
static void
active_pdf_inflate(const uint8_t *p, size_t n, active_pdf_t *pdf)
{
	GZlibDecompressor *z;
	uint8_t *out;
	size_t in = 0, len = 0;

	if (pdf->streams >= ACTIVE_PDF_STREAMS ||
	    pdf->inflated >= ACTIVE_INFLATE_ALL)
		return;
	pdf->streams++;
	out = malloc(ACTIVE_INFLATE_MAX);
	z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
	/* Every round consumes input or produces output, or stops. */
	while (out != NULL && z != NULL && len < ACTIVE_INFLATE_MAX) {
		gsize r = 0, w = 0;
		GConverterResult res = g_converter_convert(
		    G_CONVERTER(z), p + in, n - in, out + len,
		    ACTIVE_INFLATE_MAX - len, G_CONVERTER_INPUT_AT_END, &r, &w,
		    NULL);

		in += r;
		len += w;
		if (res != G_CONVERTER_CONVERTED || (r == 0 && w == 0))
			break;
	}
	pdf->inflated += len;
	if (out != NULL)
		active_pdf_scan(out, len, pdf, true);
	if (z != NULL)
		g_object_unref(z);
	free(out);
}

/* At the "stream" keyword at P[I]: inflate or scan an object stream, and
 * return where the name scan goes on (past the data of other streams). */
static size_t
active_pdf_stream(const uint8_t *p, size_t n, size_t i, active_pdf_t *pdf,
                  bool nested)
{
	size_t start = i + 6, end;

	if (start < n && p[start] == '\r')
		start++;
	if (start < n && p[start] == '\n')
		start++;
	/* Reuse the last search while it still answers: many "stream"
	 * keywords without an "endstream" must not cost n squared. */
	if (start < pdf->end_from || start > pdf->end) {
		pdf->end_from = start;
		pdf->end = bytes_find_ci(p, n, start, "endstream");
	}
	end = pdf->end == SIZE_MAX ? n : pdf->end;
	if (pdf->objstm && !nested) {
		if (pdf->flate) {
			active_pdf_inflate(p + start, end - start, pdf);
			return end;
		}
		return start; /* an uncompressed object stream: plain text */
	}
	return end;
}

/* Scan P for names and streams.  NESTED for inflated object streams, whose
 * content holds no further streams. */
static void
active_pdf_scan(const uint8_t *p, size_t n, active_pdf_t *pdf, bool nested)
{
	size_t i = 0;

	/* Every branch advances I by at least one byte. */
	while (i < n) {
		if (p[i] == '/') {
			i += active_pdf_token(p + i, n - i, pdf);
		} else if (p[i] == 'o' && active_pdf_keyword(p, n, i, "obj")) {
			pdf->objstm = pdf->flate = false;
			i += 3;
		} else if (p[i] == 's' && !nested &&
		           active_pdf_keyword(p, n, i, "stream")) {
			i = active_pdf_stream(p, n, i, pdf, nested);
			pdf->objstm = pdf->flate = false;
			if (i < n && p[i] == 'e')
				i++; /* past the "endstream" found */
		} else {
			i++;
		}
	}
}

/* True when D starts like a PDF: "%PDF-" in the first KiB, as readers
 * accept junk before the header. */
static bool
active_is_pdf(const uint8_t *d, size_t n)
{
	size_t at = bytes_find_ci(d, n < 1024 ? n : 1024, 0, "%pdf-");

	return at != SIZE_MAX;
}

static emg_status_t
active_pdf_check(emg_scan_t *scan, const emg_attachment_t *a)
{
	active_pdf_t pdf = {.end_from = SIZE_MAX};
	const char *label = attachment_label(a);
	size_t n = a->size < ACTIVE_SCAN_MAX ? a->size : ACTIVE_SCAN_MAX;
	emg_status_t st = EMG_OK;

	active_pdf_scan(a->data, n, &pdf, false);
	if (pdf.js && (pdf.openaction || pdf.aa))
		st = scan_emit_at(scan, a, "ACTIVE_PDF_AUTO_JAVASCRIPT",
		                  "%s: JavaScript run by %s", label,
		                  pdf.openaction ? "/OpenAction" : "/AA");
	else if (pdf.js)
		st = scan_emit_at(scan, a, "ACTIVE_PDF_JAVASCRIPT",
		                  "%s: /JavaScript", label);
	if (st == EMG_OK && pdf.launch)
		st = scan_emit_at(scan, a, "ACTIVE_PDF_LAUNCH",
		                  "%s: /Launch action", label);
	if (st == EMG_OK && pdf.embedded)
		st = scan_emit_at(scan, a, "ACTIVE_PDF_EMBEDDED_FILE",
		                  "%s: /EmbeddedFile", label);
	if (st == EMG_OK && pdf.uri[0] != '\0')
		st = scan_emit_at(scan, a, "ACTIVE_PDF_URI_SUSPICIOUS",
		                  "%s: /URI %s", label, pdf.uri);
	if (st == EMG_OK && pdf.obfuscated)
		st = scan_emit_at(scan, a, "ACTIVE_PDF_NAME_OBFUSCATED",
		                  "%s: /%s written with #xx escapes", label,
		                  pdf.hidden);
	return st;
}

/* ---- RTF ----------------------------------------------------------------- */

static emg_status_t
active_rtf_check(emg_scan_t *scan, const emg_attachment_t *a)
{
	rtf_result_t rtf;
	const char *label = attachment_label(a);
	size_t n = a->size < ACTIVE_SCAN_MAX ? a->size : ACTIVE_SCAN_MAX;
	const char *upd = "";
	emg_status_t st = rtf_scan(a->data, n, 0, &rtf);

	if (st != EMG_OK || (!rtf.object && !rtf.objdata)) {
		rtf_result_free(&rtf);
		return st;
	}
	if (rtf.objupdate)
		upd = ", loaded on open (\\objupdate)";
	if (rtf.equation)
		st = scan_emit_at(scan, a, "ACTIVE_RTF_EQUATION",
		                  "%s: Equation Editor object%s", label, upd);
	else
		st = scan_emit_at(scan, a, "ACTIVE_RTF_OBJECT",
		                  "%s: embedded OLE object%s%s%s%s", label,
		                  rtf.cls[0] ? " of class " : "", rtf.cls,
		                  rtf.package && !rtf.cls[0] ? " (Package)" : "",
		                  upd);
	rtf_result_free(&rtf);
	return st;
}

/* ---- HTML ---------------------------------------------------------------- */

typedef struct active_html {
	bool password, cred_input, form_out, cred_words;
	bool send, telegram, redirect;
	const char *send_api;      /* the first sending call seen */
	const char *decoder;       /* atob, unescape ... with a blob */
	size_t blob;               /* bytes of the longest encoded blob */
	char host[ACTIVE_BUF];     /* where a form posts */
} active_html_t;

/* The value of attribute ATTR in TAG (LEN bytes) into VAL; false when
 * absent.  Quotes are optional, as in HTML. */
static bool
active_html_attr(const uint8_t *tag, size_t len, const char *attr,
                 uint8_t *val, size_t vallen, size_t *outlen)
{
	size_t m = strlen(attr), at = 0, k = 0;
	uint8_t q = 0;

	for (;;) {
		at = bytes_find_ci(tag, len, at, attr);
		if (at == SIZE_MAX)
			return false;
		/* A whole attribute name: white space before, '=' after. */
		size_t j = at + m;
		while (j < len && isspace(tag[j]))
			j++;
		if (at > 0 && isspace(tag[at - 1]) && j < len && tag[j] == '=') {
			at = j + 1;
			break;
		}
		at += m;
	}
	while (at < len && isspace(tag[at]))
		at++;
	if (at < len && (tag[at] == '"' || tag[at] == '\''))
		q = tag[at++];
	while (at < len && k + 1 < vallen &&
	       (q ? tag[at] != q : !isspace(tag[at]) && tag[at] != '>'))
		val[k++] = tag[at++];
	val[k] = '\0';
	*outlen = k;
	return true;
}

/* Names of fields that ask for an account or a secret. */
static bool
active_html_cred_name(const uint8_t *v, size_t n)
{
	static const char *const words[] = {"pass", "pwd", "mail", "login",
	                                    "user", "account"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (active_has(v, n, words[i]))
			return true;
	return false;
}

/* Every <form> and <input> tag: password fields, login fields, and forms
 * whose action is an absolute web address (a local file that posts to a
 * server posts elsewhere by definition). */
static void
active_html_tags(const uint8_t *p, size_t n, active_html_t *h)
{
	static const char *const tags[] = {"<form", "<input"};
	uint8_t val[ACTIVE_TAG_LEN];
	size_t vlen;

	for (size_t t = 0; t < 2; t++) {
		size_t at = 0;

		for (unsigned count = 0; count < ACTIVE_TAGS_MAX; count++) {
			size_t end, len;

			at = bytes_find_ci(p, n, at, tags[t]);
			if (at == SIZE_MAX)
				break;
			end = at + 1;
			while (end < n && p[end] != '>' &&
			       end - at < ACTIVE_TAG_LEN)
				end++;
			len = end - at;
			if (t == 0 && active_html_attr(p + at, len, "action",
			                               val, sizeof(val), &vlen) &&
			    h->host[0] == '\0' &&
			    active_url_host(val, vlen, h->host, sizeof(h->host)))
				h->form_out = true;
			if (t == 1 && active_html_attr(p + at, len, "type", val,
			                               sizeof(val), &vlen) &&
			    strcasecmp((char *)val, "password") == 0)
				h->password = true;
			if (t == 1 && active_html_attr(p + at, len, "name", val,
			                               sizeof(val), &vlen) &&
			    active_html_cred_name(val, vlen))
				h->cred_input = true;
			at = end;
		}
	}
}

/* Length of the longest quoted run of base64 or %xx characters. */
static size_t
active_html_blob(const uint8_t *p, size_t n)
{
	size_t best = 0, run = 0;
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (isalnum(c) || c == '+' || c == '/' || c == '=' || c == '%') {
			if (quoted)
				run++;
			continue;
		}
		if (run > best)
			best = run;
		run = 0;
		quoted = c == '"' || c == '\'' || c == '`';
	}
	return run > best ? run : best;
}

/* Script calls that send data out, decode hidden blobs or redirect. */
static void
active_html_script(const uint8_t *p, size_t n, active_html_t *h)
{
	static const char *const send[] = {
	    "xmlhttprequest", "fetch(", "sendbeacon", "$.ajax", "$.post",
	    "jquery.ajax", "api.telegram.org/bot"};
	static const char *const decode[] = {"atob(", "unescape(",
	                                     "decodeuricomponent(",
	                                     "string.fromcharcode("};
	static const char *const go[] = {"location.href", "location.replace(",
	                                 "window.location", "location.assign(",
	                                 "http-equiv=\"refresh\"",
	                                 "http-equiv=refresh"};

	for (size_t i = 0; i < sizeof(send) / sizeof(send[0]); i++)
		if (h->send_api == NULL && active_has(p, n, send[i]))
			h->send_api = send[i];
	h->telegram = active_has(p, n, "api.telegram.org/bot");
	for (size_t i = 0; i < sizeof(decode) / sizeof(decode[0]); i++)
		if (h->decoder == NULL && active_has(p, n, decode[i]))
			h->decoder = decode[i];
	if (h->decoder != NULL)
		h->blob = active_html_blob(p, n);
	for (size_t i = 0; i < sizeof(go) / sizeof(go[0]); i++)
		if (active_has(p, n, go[i])) {
			h->redirect = active_has(p, n, "http");
			break;
		}
	h->cred_words = active_has(p, n, "password") ||
	                active_has(p, n, "passwd") || active_has(p, n, "pwd") ||
	                active_has(p, n, "email") ||
	                active_has(p, n, "パスワード");
}

/* ACTIVE_HTML_SMUGGLING: how the page hands the file out, and what the
 * walker found the file to be (its child from container "html"). */
static emg_status_t
active_html_smuggling(emg_scan_t *scan, const emg_attachment_t *a,
                      const smuggle_t *sm)
{
	const emg_attachment_t *f = NULL;
	const char *how = sm->ms_save            ? "msSaveOrOpenBlob"
	                  : sm->blob && sm->object_url ? "a Blob download"
	                                               : "a data: download link";
	for (size_t i = 0; f == NULL && i < a->n_children; i++)
		if (a->children[i]->container != NULL &&
		    strcmp(a->children[i]->container, "html") == 0)
			f = a->children[i];
	if (f == NULL)
		return scan_emit_at(scan, a, "ACTIVE_HTML_SMUGGLING",
		                    "%s: script builds a file download (%s); "
		                    "payload not decoded", attachment_label(a),
		                    how);
	return scan_emit_at(scan, a, "ACTIVE_HTML_SMUGGLING",
	                    "%s: smuggles %s (%s) through %s",
	                    attachment_label(a), f->name,
	                    f->real_type ? f->real_type : "unknown type", how);
}

static emg_status_t
active_html_check(emg_scan_t *scan, const emg_attachment_t *a)
{
	active_html_t h = {0};
	const char *label = attachment_label(a);
	size_t n = a->size < ACTIVE_SCAN_MAX ? a->size : ACTIVE_SCAN_MAX;
	emg_status_t st = EMG_OK;

	smuggle_t sm;

	active_html_tags(a->data, n, &h);
	active_html_script(a->data, n, &h);
	smuggle_scan(a->data, a->size, &sm); /* all of it, as the walker */
	if (h.password)
		st = scan_emit_at(scan, a, "ACTIVE_HTML_CREDENTIAL_FORM",
		                  "%s: password field%s%s", label,
		                  h.form_out ? ", form posts to " : "", h.host);
	else if (h.form_out && h.cred_input)
		st = scan_emit_at(scan, a, "ACTIVE_HTML_CREDENTIAL_FORM",
		                  "%s: login form posts to %s", label, h.host);
	if (st == EMG_OK && h.send_api != NULL &&
	    (h.cred_words || h.password || h.cred_input))
		st = scan_emit_at(scan, a, "ACTIVE_HTML_SCRIPT_POST",
		                  "%s: script sends credential fields (%s)%s",
		                  label, h.send_api,
		                  h.telegram ? " to a Telegram bot" : "");
	/* A smuggling page decodes its blob too: that is one finding. */
	if (st == EMG_OK && smuggle_delivers(&sm))
		st = active_html_smuggling(scan, a, &sm);
	else if (st == EMG_OK && h.decoder != NULL && h.blob >= ACTIVE_BLOB_MIN)
		st = scan_emit_at(scan, a, "ACTIVE_HTML_SCRIPT_OBFUSCATED",
		                  "%s: %s) of a %zu-character blob", label,
		                  h.decoder, h.blob);
	if (st == EMG_OK && h.redirect && !h.password && h.send_api == NULL)
		st = scan_emit_at(scan, a, "ACTIVE_HTML_REDIRECT",
		                  "%s: redirects to a web page", label);
	return st;
}

/* ---- the analyzer -------------------------------------------------------- */

static emg_status_t
active_check(emg_scan_t *scan, void *state)
{
	attachment_iter_t it;
	emg_attachment_t *a;
	emg_status_t st = EMG_OK;

	(void)state;
	attachment_iter_init(&it, scan->msg);
	while (st == EMG_OK && (a = attachment_iter_next(&it)) != NULL) {
		if (a->data == NULL || a->size == 0)
			continue;
		if (active_is_pdf(a->data, a->size))
			st = active_pdf_check(scan, a);
		else if (rtf_is_rtf(a->data, a->size))
			st = active_rtf_check(scan, a);
		else if (attachment_is_html(a))
			st = active_html_check(scan, a);
	}
	attachment_iter_done(&it);
	return st;
}

const emg_analyzer_t active_analyzer = {
	.name = "active",
	.symbols = active_symbols,
	.n_symbols = sizeof(active_symbols) / sizeof(active_symbols[0]),
	.check = active_check,
	.outbound = true,
};
