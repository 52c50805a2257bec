/*
 * html.c - the text formats emguard-web speaks: a bounded output buffer
 * with HTML escaping for the pages, and a small JSON reader for the scan
 * report stored with each quarantine entry.
 *
 * Escaping is the only way message content reaches a page, so it is
 * strict: the five characters that matter in text and in quoted
 * attributes become entities, and anything that is not valid UTF-8 or is
 * a control character becomes U+FFFD, so that a hostile subject can
 * neither close an attribute nor smuggle bytes a browser might read
 * differently.
 *
 * The JSON reader takes json-c's output (lib/report.c) but treats it as
 * untrusted: a depth bound, a node bound, strings decoded to UTF-8 with
 * lone surrogates replaced.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define HTML_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
#define WJ_DEPTH_MAX 64
#define WJ_NODES_MAX 200000

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

/* ---- JSON reader -------------------------------------------------------- */

typedef struct wj_parser {
	const char *p, *end;
	size_t nodes;
} wj_parser_t;

static wj_t *wj_value(wj_parser_t *ps, unsigned depth);

static void
wj_space(wj_parser_t *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	                           *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static wj_t *
wj_node(wj_parser_t *ps, wj_type_t type)
{
	if (++ps->nodes > WJ_NODES_MAX)
		return NULL;
	wj_t *v = calloc(1, sizeof(*v));
	if (v != NULL)
		v->type = type;
	return v;
}

void
wj_free(wj_t *v)
{
	while (v != NULL) {
		wj_t *next = v->next;
		wj_free(v->child);
		free(v->key);
		free(v->str);
		free(v);
		v = next;
	}
}

static int
wj_hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int d = html_hexval(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t
wj_put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The \u escape at ps->p (after the backslash and 'u'): one code point,
 * a surrogate pair joined, a lone surrogate as U+FFFD. */
static bool
wj_unicode(wj_parser_t *ps, unsigned *cp)
{
	if (ps->end - ps->p < 4)
		return false;
	int hi = wj_hex4(ps->p);
	if (hi < 0)
		return false;
	ps->p += 4;
	*cp = (unsigned)hi;
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		*cp = 0xFFFD;
	else if (hi >= 0xD800 && hi <= 0xDBFF) {
		int lo =
		    ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u'
		        ? wj_hex4(ps->p + 2)
		        : -1;
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			*cp = 0x10000 + (((unsigned)hi - 0xD800) << 10) +
			      ((unsigned)lo - 0xDC00);
			ps->p += 6;
		} else
			*cp = 0xFFFD;
	}
	return true;
}

/* A string at ps->p (the opening quote), decoded into a new buffer. */
static char *
wj_string(wj_parser_t *ps)
{
	ps->p++;
	const char *start = ps->p;
	while (ps->p < ps->end && *ps->p != '"')
		ps->p += *ps->p == '\\' && ps->end - ps->p > 1 ? 2 : 1;
	if (ps->p >= ps->end)
		return NULL;
	/* a decoded escape is never longer than the escape itself */
	size_t cap = (size_t)(ps->p - start) + 1;
	char *out = malloc(cap), *o = out;
	if (out == NULL)
		return NULL;
	ps->p = start;
	while (*ps->p != '"') {
		char c = *ps->p++;
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		c = *ps->p++;
		unsigned cp = 0;
		switch (c) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (!wj_unicode(ps, &cp)) {
				free(out);
				return NULL;
			}
			o += wj_put_utf8(o, cp);
			break;
		default: *o++ = c; break; /* \" \\ \/ */
		}
	}
	ps->p++;
	*o = '\0';
	return out;
}

static wj_t *
wj_number(wj_parser_t *ps)
{
	char buf[64];
	size_t n = 0;
	while (ps->p < ps->end && n < sizeof(buf) - 1 &&
	       strchr("+-0123456789.eE", *ps->p) != NULL && *ps->p != '\0')
		buf[n++] = *ps->p++;
	buf[n] = '\0';
	char *endp = NULL;
	double d = strtod(buf, &endp);
	if (n == 0 || endp != buf + n)
		return NULL;
	wj_t *v = wj_node(ps, WJ_NUMBER);
	if (v != NULL)
		v->num = d;
	return v;
}

static bool
wj_word(wj_parser_t *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

/* The members of an array or object after its opening bracket. */
static wj_t *
wj_container(wj_parser_t *ps, wj_type_t type, unsigned depth)
{
	char close = type == WJ_ARRAY ? ']' : '}';
	wj_t *v = wj_node(ps, type), **tail;
	if (v == NULL)
		return NULL;
	tail = &v->child;
	ps->p++;
	wj_space(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		wj_space(ps);
		if (type == WJ_OBJECT) {
			if (ps->p >= ps->end || *ps->p != '"' ||
			    (key = wj_string(ps)) == NULL)
				break;
			wj_space(ps);
			if (ps->p >= ps->end || *ps->p++ != ':') {
				free(key);
				break;
			}
		}
		wj_t *m = wj_value(ps, depth + 1);
		if (m == NULL) {
			free(key);
			break;
		}
		m->key = key;
		*tail = m;
		tail = &m->next;
		wj_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return v;
		}
		break;
	}
	wj_free(v);
	return NULL;
}

static wj_t *
wj_value(wj_parser_t *ps, unsigned depth)
{
	wj_space(ps);
	if (depth > WJ_DEPTH_MAX || ps->p >= ps->end)
		return NULL;
	wj_t *v = NULL;
	switch (*ps->p) {
	case '{': return wj_container(ps, WJ_OBJECT, depth);
	case '[': return wj_container(ps, WJ_ARRAY, depth);
	case '"': {
		char *s = wj_string(ps);
		if (s != NULL && (v = wj_node(ps, WJ_STRING)) != NULL)
			v->str = s;
		else
			free(s);
		return v;
	}
	case 't':
	case 'f': {
		bool truth = wj_word(ps, "true");
		if ((truth || wj_word(ps, "false")) &&
		    (v = wj_node(ps, WJ_BOOL)) != NULL)
			v->num = truth;
		return v;
	}
	case 'n': return wj_word(ps, "null") ? wj_node(ps, WJ_NULL) : NULL;
	default: return wj_number(ps);
	}
}

wj_t *
wj_parse(const char *text, size_t len)
{
	wj_parser_t ps = {.p = text, .end = text + len};
	wj_t *v = wj_value(&ps, 0);
	wj_space(&ps);
	if (v != NULL && ps.p != ps.end) {
		wj_free(v);
		return NULL;
	}
	return v;
}

const wj_t *
wj_get(const wj_t *obj, const char *key)
{
	if (obj == NULL || obj->type != WJ_OBJECT)
		return NULL;
	for (const wj_t *m = obj->child; m != NULL; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

const char *
wj_str(const wj_t *obj, const char *key)
{
	const wj_t *m = wj_get(obj, key);
	return m != NULL && m->type == WJ_STRING ? m->str : "";
}

double
wj_num(const wj_t *obj, const char *key)
{
	const wj_t *m = wj_get(obj, key);
	return m != NULL && m->type == WJ_NUMBER ? m->num : 0.0;
}
