/*
 * html.c - the bounded output buffer of emguard-web's pages, with HTML
 * escaping.
 *
 * Escaping is the only way message content reaches a page, so it is
 * strict: the five characters that matter in text and in quoted
 * attributes become entities, and anything that is not valid UTF-8 or is
 * a control character becomes U+FFFD, so that a hostile subject can
 * neither close an attribute nor smuggle bytes a browser might read
 * differently.
 *
 * The stored scan report (read by common/report_json.c) names message
 * content too: its strings reach a page only through html_text().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define HTML_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

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

void
html_free(html_t *h)
{
	free(h->buf);
	*h = (html_t){0};
}
