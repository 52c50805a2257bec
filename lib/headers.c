/*
 * headers.c - the top-level header block of the message model (message.h):
 * split and unfolded into msg->headers, and the fields read from it: the
 * address lists (From, Sender, Reply-To, To, Cc, Return-Path), Subject,
 * Message-ID, In-Reply-To, References and Date.
 *
 * The block is split here, not by GMime, because GMime moves Content-*
 * headers to the MIME part and loses their order.  Relies on charset.c for
 * raw 8-bit bytes and the encoded-word repairs Japanese mail needs, and on
 * GMime 3 for encoded-words, address lists and msg-ids (with the parse's
 * options).
 *
 * Failure: bad input never fails; a limit hit is one line in msg->problems
 * and an unparsable address list is salvaged word by word.  Only memory
 * exhaustion returns an error.
 */
#include "headers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"

#define HEADERS_ADDR_MAX 1000            /* addresses kept per header */

enum headers_limit_bit {
	HEADERS_HIT_HEADERS = 1u << 0,
	HEADERS_HIT_HSIZE = 1u << 1,
};

typedef struct headers_ctx {
	emg_message_t *msg;
	const emg_limits_t *lim;
	GMimeParserOptions *opts;
	unsigned hit;           /* enum headers_limit_bit already reported */
	bool oom;
} headers_ctx_t;

int
headers_vproblem(emg_strlist_t *problems, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* Names in problems come from the message; reports need valid UTF-8. */
	gchar *valid = g_utf8_make_valid(buf, -1);
	int rc = strlist_add(problems, valid, (size_t)-1) != 0 ? -1 : 0;
	g_free(valid);
	return rc;
}

static void
headers_problem(headers_ctx_t *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (headers_vproblem(&c->msg->problems, fmt, ap) != 0)
		c->oom = true;
	va_end(ap);
}

char *
headers_strndup(const char *s, size_t len)
{
	GString *u = NULL;
	char *p;

	if (!g_utf8_validate(s, (gssize)len, NULL)) {
		u = g_string_sized_new(len + 8);
		charset_guess_to_utf8(s, len, u);
		s = u->str;
		len = u->len;
	}
	if ((p = malloc(len + 1)) != NULL) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	if (u != NULL)
		g_string_free(u, TRUE);
	return p;
}

static char *
headers_dup(headers_ctx_t *c, const char *s, size_t len)
{
	char *p = headers_strndup(s, len);
	if (p == NULL)
		c->oom = true;
	return p;
}

/* headers_dup() of a NUL-terminated S; NULL for NULL. */
static char *
headers_dupz(headers_ctx_t *c, const char *s)
{
	return s ? headers_dup(c, s, strlen(s)) : NULL;
}

/* ---- the header block ---------------------------------------------------- */

/* Unfold LEN bytes of a raw header value: CR/LF dropped, ends trimmed. */
static GString *
headers_unfold(const char *s, size_t len)
{
	GString *out = g_string_sized_new(len + 1);
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\r' && s[i] != '\n' && s[i] != '\0')
			g_string_append_c(out, s[i]);
	size_t a = 0, b = out->len;
	while (a < b && g_ascii_isspace(out->str[a]))
		a++;
	while (b > a && g_ascii_isspace(out->str[b - 1]))
		b--;
	g_string_truncate(out, b);
	g_string_erase(out, 0, (gssize)a);
	return out;
}

static void
headers_add(headers_ctx_t *c, const char *name, size_t nlen,
            const char *val, size_t vlen)
{
	emg_message_t *m = c->msg;
	emg_header_t *h = &m->headers[m->n_headers];

	if (vlen > c->lim->header_size) {
		if (!(c->hit & HEADERS_HIT_HSIZE))
			headers_problem(c, "LimitHeaderSize %zu exceeded (%.*s)",
			                c->lim->header_size, (int)(nlen > 64 ? 64 : nlen),
			                name);
		c->hit |= HEADERS_HIT_HSIZE;
		vlen = c->lim->header_size;
	}
	GString *raw = headers_unfold(val, vlen);
	GString *u = g_string_sized_new(raw->len + 1);
	charset_to_utf8(NULL, raw->str, raw->len, u);
	h->name = headers_dup(c, name, nlen);
	h->raw = headers_dup(c, u->str, u->len);
	gchar *fixed = charset_hdr_fix(u->str);
	if (fixed != NULL) {
		gchar *dec = g_mime_utils_header_decode_text(c->opts, fixed);
		h->value = headers_dupz(c, dec);
		g_free(dec);
		g_free(fixed);
	} else {
		h->value = headers_dup(c, u->str, u->len);
	}
	m->n_headers++;
	g_string_free(raw, TRUE);
	g_string_free(u, TRUE);
}

/* RFC 5322 field names: printable ASCII but the colon. */
static bool
headers_field_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126)
			return false;
	return true;
}

/* Split the header block at the start of DATA into msg->headers. */
static void
headers_split(headers_ctx_t *c, const char *data, size_t len)
{
	size_t cap = 16, i = 0;
	emg_message_t *m = c->msg;

	m->headers = calloc(cap, sizeof(*m->headers));
	if (m->headers == NULL) {
		c->oom = true;
		return;
	}
	while (i < len && data[i] != '\n' && !(data[i] == '\r' && i + 1 < len &&
	                                        data[i + 1] == '\n')) {
		const char *line = data + i;
		const char *eol = memchr(line, '\n', len - i);
		size_t end = eol ? (size_t)(eol - data) + 1 : len;
		while (end < len && (data[end] == ' ' || data[end] == '\t')) {
			eol = memchr(data + end, '\n', len - end);
			end = eol ? (size_t)(eol - data) + 1 : len;
		}
		const char *colon = memchr(line, ':', end - i);
		size_t nlen = colon ? (size_t)(colon - line) : 0;
		while (nlen > 0 && (line[nlen - 1] == ' ' || line[nlen - 1] == '\t'))
			nlen--;
		if (!headers_field_name(line, nlen)) {
			if (m->n_headers == 0)
				break; /* not a header block at all */
			i = end;
			continue;
		}
		if (m->n_headers >= c->lim->headers) {
			if (!(c->hit & HEADERS_HIT_HEADERS))
				headers_problem(c, "LimitHeaders %u reached", c->lim->headers);
			c->hit |= HEADERS_HIT_HEADERS;
		} else {
			if (m->n_headers == cap) {
				emg_header_t *v = realloc(m->headers, 2 * cap * sizeof(*v));
				if (v == NULL) {
					c->oom = true;
					return;
				}
				m->headers = v;
				cap *= 2;
			}
			headers_add(c, line, nlen, colon + 1,
			                   (size_t)(data + end - colon - 1));
		}
		i = end;
	}
}

/* ---- addresses and identifiers ---------------------------------------- */

static bool
headers_addr_push(headers_ctx_t *c, emg_addrlist_t *l, const char *display,
                  const char *addr, const char *group)
{
	if (l->n >= HEADERS_ADDR_MAX)
		return false;
	emg_address_t *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL) {
		c->oom = true;
		return false;
	}
	l->v = v;
	emg_address_t *a = &v[l->n++];
	memset(a, 0, sizeof(*a));
	a->display = display && *display ? headers_dupz(c, display) : NULL;
	a->addr = headers_dupz(c, addr ? addr : "");
	a->group = headers_dupz(c, group);
	const char *at = a->addr ? strrchr(a->addr, '@') : NULL;
	if (at != NULL)
		for (char *p = (char *)at + 1; *p != '\0'; p++)
			*p = g_ascii_tolower(*p);
	a->domain = headers_dupz(c, at ? at + 1 : "");
	return true;
}

static void
headers_addr_walk(headers_ctx_t *c, emg_addrlist_t *l, InternetAddressList *ial,
                  const char *group)
{
	int n = ial ? internet_address_list_length(ial) : 0;

	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(ial, i);
		const char *name = internet_address_get_name(ia);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			if (group == NULL) /* groups do not nest (RFC 5322) */
				headers_addr_walk(c, l,
				    internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
				    name ? name : "");
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *addr = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia));
			if (!headers_addr_push(c, l, name, addr, group))
				return;
		}
	}
}

/* What GMime could not parse: every word holding an '@', or else the whole
 * text as a display name, so that analyzers still see it. */
static void
headers_addr_salvage(headers_ctx_t *c, emg_addrlist_t *l, const char *s)
{
	static const char stop[] = " \t<>\"(),;:[]";
	const char *p = s;
	bool found = false;

	while ((p = strchr(p, '@')) != NULL) {
		const char *a = p, *b = p + 1;
		while (a > s && p - a < 256 && strchr(stop, a[-1]) == NULL)
			a--;
		while (*b != '\0' && b - p < 256 && strchr(stop, *b) == NULL)
			b++;
		gchar *addr = g_strndup(a, (gsize)(b - a));
		found = headers_addr_push(c, l, NULL, addr, NULL) || found;
		g_free(addr);
		p = b;
		if (l->n >= HEADERS_ADDR_MAX)
			break;
	}
	if (!found && *s != '\0')
		headers_addr_push(c, l, s, "", NULL);
}

static void
headers_addresses(headers_ctx_t *c, emg_addrlist_t *l, const char *name)
{
	const emg_header_t *h;

	for (size_t k = 0; (h = message_header_nth(c->msg, name, k)) != NULL; k++) {
		if (h->raw == NULL)
			continue;
		gchar *fixed = charset_hdr_fix(h->raw);
		const char *src = fixed ? fixed : h->raw;
		InternetAddressList *ial = internet_address_list_parse(c->opts, src);
		size_t before = l->n;
		headers_addr_walk(c, l, ial, NULL);
		if (l->n == before)
			headers_addr_salvage(c, l, h->value ? h->value : h->raw);
		if (ial != NULL)
			g_object_unref(ial);
		g_free(fixed);
	}
}

static char *
headers_bracket(headers_ctx_t *c, const char *id)
{
	gchar *s = g_strdup_printf("<%s>", id);
	char *r = headers_dupz(c, s);
	g_free(s);
	return r;
}

static void
headers_ids(headers_ctx_t *c)
{
	emg_message_t *m = c->msg;
	const char *v;

	if ((v = message_header(m, "Message-ID")) != NULL && *v != '\0') {
		gchar *id = g_mime_utils_decode_message_id(v);
		m->message_id = id && *id ? headers_bracket(c, id) : headers_dupz(c, v);
		g_free(id);
	}
	if ((v = message_header(m, "In-Reply-To")) != NULL) {
		GMimeReferences *r = g_mime_references_parse(c->opts, v);
		if (r != NULL && g_mime_references_length(r) > 0)
			m->in_reply_to = headers_bracket(c,
			    g_mime_references_get_message_id(r, 0));
		if (r != NULL)
			g_mime_references_free(r);
	}
	if ((v = message_header(m, "References")) != NULL) {
		GMimeReferences *r = g_mime_references_parse(c->opts, v);
		for (int i = 0; r != NULL && i < g_mime_references_length(r); i++) {
			gchar *s = g_strdup_printf("<%s>",
			                           g_mime_references_get_message_id(r, i));
			if (strlist_add(&m->references, s, (size_t)-1) != 0)
				c->oom = true;
			g_free(s);
		}
		if (r != NULL)
			g_mime_references_free(r);
	}
	m->subject = headers_dupz(c, message_header(m, "Subject"));
	const emg_header_t *d = message_header_nth(m, "Date", 0);
	m->date = d ? headers_dupz(c, d->raw) : NULL;
}

static void
headers_addrlist_free(emg_addrlist_t *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].display);
		free(l->v[i].addr);
		free(l->v[i].domain);
		free(l->v[i].group);
	}
	free(l->v);
}

int
headers_read(emg_message_t *m, const char *data, size_t len,
             const emg_limits_t *lim, GMimeParserOptions *opts)
{
	headers_ctx_t c = {.msg = m, .lim = lim, .opts = opts};

	headers_split(&c, data, len);
	headers_addresses(&c, &m->from, "From");
	headers_addresses(&c, &m->sender, "Sender");
	headers_addresses(&c, &m->reply_to, "Reply-To");
	headers_addresses(&c, &m->to, "To");
	headers_addresses(&c, &m->cc, "Cc");
	headers_addresses(&c, &m->return_path, "Return-Path");
	headers_ids(&c);
	return c.oom ? -1 : 0;
}

void
headers_free(emg_message_t *m)
{
	for (size_t i = 0; i < m->n_headers; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
		free(m->headers[i].raw);
	}
	free(m->headers);
	headers_addrlist_free(&m->from);
	headers_addrlist_free(&m->sender);
	headers_addrlist_free(&m->reply_to);
	headers_addrlist_free(&m->to);
	headers_addrlist_free(&m->cc);
	headers_addrlist_free(&m->return_path);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	strlist_free(&m->references);
	free(m->date);
}
