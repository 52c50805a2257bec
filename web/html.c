/*
 * html.c - the text formats emguard-web speaks: a bounded output buffer
 * with HTML escaping for the pages, and the reading of the scan report
 * stored with each quarantine entry, on json-c.
 *
 * Escaping is the only way message content reaches a page, so it is
 * strict: the five characters that matter in text and in quoted
 * attributes become entities, and anything that is not valid UTF-8 or is
 * a control character becomes U+FFFD, so that a hostile subject can
 * neither close an attribute nor smuggle bytes a browser might read
 * differently.
 *
 * The report is json-c's own output (lib/report.c) but names message
 * content and may have been damaged in the store: it is read strictly,
 * with a size and a depth bound, and whatever is not what report.c
 * writes is no report at all.  json-c decodes the strings to UTF-8 (a
 * lone surrogate escape as U+FFFD); they still reach a page only through
 * html_text().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define HTML_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
/* json-c's tokener refuses deeper nesting (report.c writes a handful of
 * levels; the message page shows the attachment tree 16 deep) */
#define WJ_DEPTH_MAX 64
/* json-c holds a few times the text while it reads: a larger report is
 * no report.  A mail of 990 attachments, near LimitMimeParts' default,
 * has a report of 0.7 MB. */
#define WJ_REPORT_MAX (8u << 20)

/* ---- output buffer ------------------------------------------------------ */

static bool
html_reserve(html_t *h, size_t more)
{
	if (h->overflow)
		return false;
	if (more > WEB_PAGE_MAX || h->len > WEB_PAGE_MAX - more) {
		h->overflow = true;
		return false;
	}
	if (h->len + more + 1 <= h->cap)
		return true;
	size_t cap = h->cap ? h->cap : 16384;
	while (cap < h->len + more + 1)
		cap *= 2;
	char *p = realloc(h->buf, cap);
	if (p == NULL) {
		h->overflow = true;
		return false;
	}
	h->buf = p;
	h->cap = cap;
	return true;
}

void
html_rawn(html_t *h, const char *s, size_t n)
{
	if (!html_reserve(h, n))
		return;
	memcpy(h->buf + h->len, s, n);
	h->len += n;
	h->buf[h->len] = '\0';
}

void
html_raw(html_t *h, const char *markup)
{
	html_rawn(h, markup, strlen(markup));
}

void
html_fmt(html_t *h, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		html_rawn(h, small, (size_t)n);
		return;
	}
	if (!html_reserve(h, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(h->buf + h->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	h->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at S (N bytes left), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t
html_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xBF;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* The entity for C, or NULL when C is written as it is. */
static const char *
html_entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	case '\t':
	case '\n': return NULL;
	case '\r': return ""; /* CRLF shows as one line end */
	default: return c < 0x20 || c == 0x7F ? HTML_REPLACEMENT : NULL;
	}
}

void
html_textn(html_t *h, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0; /* bytes p[i-run..i) are copied as they are */
	while (i < n && !h->overflow) {
		size_t len = html_utf8_len(p + i, n - i);
		const char *ent = len == 1   ? html_entity(p[i])
		                  : len == 0 ? HTML_REPLACEMENT
		                             : NULL;
		/* C1 controls (U+0080..U+009F) are invisible: replace too */
		if (len == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0)
			ent = HTML_REPLACEMENT;
		/* bidirectional overrides reorder what follows them */
		if (len == 3 && p[i] == 0xE2 && p[i + 1] == 0x80 &&
		    p[i + 2] >= 0xAA && p[i + 2] <= 0xAE)
			ent = HTML_REPLACEMENT;
		if (len == 3 && p[i] == 0xE2 && p[i + 1] == 0x81 &&
		    p[i + 2] >= 0xA6 && p[i + 2] <= 0xA9)
			ent = HTML_REPLACEMENT;
		if (ent == NULL) {
			i += len;
			run += len;
			continue;
		}
		html_rawn(h, s + i - run, run);
		html_raw(h, ent);
		run = 0;
		i += len ? len : 1;
	}
	html_rawn(h, s + i - run, run);
}

void
html_text(html_t *h, const char *s)
{
	if (s != NULL)
		html_textn(h, s, strlen(s));
}

void
html_wrap(html_t *h, const char *open, const char *text, const char *close)
{
	html_raw(h, open);
	html_text(h, text);
	html_raw(h, close);
}

void
html_url(html_t *h, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s;
	     *p != '\0' && !h->overflow; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			html_rawn(h, (const char *)p, 1);
		} else {
			char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			html_rawn(h, esc, 3);
		}
	}
}

int
html_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
html_free(html_t *h)
{
	free(h->buf);
	*h = (html_t){0};
}

/* ---- the stored report, read with json-c --------------------------------- */

json_object *
wj_parse(const char *text)
{
	size_t len = text != NULL ? strlen(text) : 0;
	if (len == 0 || len > WJ_REPORT_MAX)
		return NULL;
	/* emg_report_json writes one line with every control character
	 * escaped; json-c, even strict, lets a raw one through in a string */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20)
			return NULL;
	json_tokener *tok = json_tokener_new_ex(WJ_DEPTH_MAX);
	if (tok == NULL)
		return NULL;
	/* strict: what report.c writes is strict JSON, anything else is
	 * damage (a trailing comma, a bad escape) */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *v = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(v);
		v = NULL;
	}
	json_tokener_free(tok);
	return v;
}

json_object *
wj_get(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

const char *
wj_string(json_object *v)
{
	return json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : "";
}

const char *
wj_str(json_object *obj, const char *key)
{
	return wj_string(wj_get(obj, key));
}

double
wj_num(json_object *obj, const char *key)
{
	json_object *v = wj_get(obj, key);
	/* json_object_get_double would also read a string or a boolean */
	return json_object_is_type(v, json_type_double) ||
	               json_object_is_type(v, json_type_int)
	           ? json_object_get_double(v)
	           : 0.0;
}

size_t
wj_array(json_object *obj, const char *key, json_object **arr)
{
	*arr = wj_get(obj, key);
	if (!json_object_is_type(*arr, json_type_array)) {
		*arr = NULL;
		return 0;
	}
	return json_object_array_length(*arr);
}
