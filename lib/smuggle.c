/*
 * smuggle.c - HTML smuggling (see smuggle.h): the mechanism, the encoded
 * payloads and the offered file name of an HTML attachment.
 *
 * The page is read as bytes, not parsed as HTML or run as JavaScript: the
 * shapes looked for are those of the smuggling kits seen in Qakbot,
 * IcedID and Emotet campaigns since 2022 (a base64 literal, atob, a Blob,
 * createObjectURL or msSaveOrOpenBlob, an <a download> clicked by script),
 * the byte lists some kits use instead of base64, and the keys of the
 * kits that XOR their file with one written in the script.  Script string
 * literals and lists are read inside <script> elements only; a quote
 * that is not closed on its line (an apostrophe in a comment) is not a
 * literal.  Every search is bounded (SMUGGLE_*_MAX) and every scan is
 * linear in the page.  Decoding is GLib's base64 decoder, which skips what
 * is not base64 as browsers' atob does not: a lure that atob refuses does
 * not run anyway.
 */
#include "smuggle.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

/* <script> elements and data: URIs looked at, and occurrences of a word
 * (blob, download, an identifier) followed up. */
#define SMUGGLE_SCRIPTS_MAX 256
#define SMUGGLE_URIS_MAX 4096
#define SMUGGLE_SITES_MAX 64
/* A data: URI's media type and parameters, and one call's first argument. */
#define SMUGGLE_PARAMS_MAX 256
#define SMUGGLE_ARG_MAX 512
#define SMUGGLE_IDENT_MAX 64

static bool
smuggle_b64(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

static bool
smuggle_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

static bool
smuggle_ident_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$';
}

static bool
smuggle_quote(uint8_t c)
{
	return c == '"' || c == '\'' || c == '`';
}

static size_t
smuggle_skip_space(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && smuggle_space(p[i]))
		i++;
	return i;
}

/* The bytes P decodes to, at most. */
static size_t
smuggle_size(const smuggle_payload_t *p)
{
	return p->numbers ? p->chars : p->chars / 4 * 3 + 3;
}

/* Keep P among the longest SMUGGLE_PAYLOADS_MAX payloads of S. */
static void
smuggle_keep(smuggle_t *s, const smuggle_payload_t *p)
{
	size_t i = s->n_payloads;

	if (i == SMUGGLE_PAYLOADS_MAX) {
		if (smuggle_size(p) <= smuggle_size(&s->payload[i - 1]))
			return;
		i--; /* the shortest gives way */
	} else {
		s->n_payloads++;
	}
	while (i > 0 && smuggle_size(&s->payload[i - 1]) < smuggle_size(p)) {
		s->payload[i] = s->payload[i - 1];
		i--;
	}
	s->payload[i] = *p;
}

/* ---- the offered file name -------------------------------------------- */

/* A file name from the literal at P[I] (a quote): its last path component,
 * up to a control character.  False when there is none. */
static bool
smuggle_literal_name(const uint8_t *p, size_t n, size_t i, char *out,
                     size_t outlen)
{
	uint8_t q = p[i];
	size_t start = ++i, k = 0;

	while (i < n && p[i] != q && p[i] >= 0x20 && p[i] != 0x7f &&
	       i - start < SMUGGLE_NAME_MAX)
		i++;
	if (i >= n || p[i] != q)
		return false;
	for (size_t j = i; j > start; j--)
		if (p[j - 1] == '/' || p[j - 1] == '\\') {
			start = j;
			break;
		}
	for (size_t j = start; j < i && k + 1 < outlen; j++)
		out[k++] = (char)p[j];
	out[k] = '\0';
	return k > 0;
}

/* The literal assigned to identifier ID (LEN bytes) somewhere in P:
 * "ID = '...'", "var ID="..."", "ID: '...'". */
static bool
smuggle_resolve(const uint8_t *p, size_t n, const uint8_t *id, size_t len,
                char *out, size_t outlen)
{
	size_t at = 0;

	for (unsigned k = 0; k < SMUGGLE_SITES_MAX && at < n; k++) {
		const uint8_t *hit = memmem(p + at, n - at, id, len);
		if (hit == NULL)
			return false;
		size_t i = (size_t)(hit - p);
		at = i + len;
		if ((i > 0 && smuggle_ident_char(p[i - 1])) ||
		    (at < n && smuggle_ident_char(p[at])))
			continue;
		size_t j = smuggle_skip_space(p, n, at);
		if (j >= n || (p[j] != '=' && p[j] != ':') ||
		    (p[j] == '=' && j + 1 < n && p[j + 1] == '='))
			continue;
		j = smuggle_skip_space(p, n, j + 1);
		if (j < n && smuggle_quote(p[j]) &&
		    smuggle_literal_name(p, n, j, out, outlen))
			return true;
	}
	return false;
}

/* A name from the value at P[I]: a literal, or an identifier (its last
 * dotted component) whose assignment is found in the page. */
static bool
smuggle_value_name(const uint8_t *p, size_t n, size_t i, char *out,
                   size_t outlen)
{
	i = smuggle_skip_space(p, n, i);
	if (i >= n)
		return false;
	if (smuggle_quote(p[i]))
		return smuggle_literal_name(p, n, i, out, outlen);
	size_t start = i;
	while (i < n && i - start < SMUGGLE_IDENT_MAX &&
	       (smuggle_ident_char(p[i]) || p[i] == '.')) {
		if (p[i] == '.')
			start = i + 1;
		i++;
	}
	if (i == start || i - start >= SMUGGLE_IDENT_MAX)
		return false;
	return smuggle_resolve(p, n, p + start, i - start, out, outlen);
}

/* True when P[I] is inside a tag: a '<' comes before it with no '>'
 * between (looked for within SMUGGLE_ARG_MAX bytes). */
static bool
smuggle_in_tag(const uint8_t *p, size_t i)
{
	for (size_t j = i; j > 0 && i - j < SMUGGLE_ARG_MAX; j--) {
		if (p[j - 1] == '>')
			return false;
		if (p[j - 1] == '<')
			return true;
	}
	return false;
}

/* The download attribute of a tag (download="x.zip", or bare), the
 * .download property ("a.download = name"), setAttribute("download", x).
 * Sets S->download and, when it names one, S->name. */
static void
smuggle_download(const uint8_t *p, size_t n, smuggle_t *s)
{
	size_t at = 0;

	for (unsigned k = 0; k < SMUGGLE_SITES_MAX; k++) {
		at = bytes_find_ci(p, n, at, "download");
		if (at == SIZE_MAX)
			return;
		size_t i = at;
		at += 8;
		if (at < n && smuggle_ident_char(p[at]))
			continue; /* downloadUrl, downloads */
		size_t j = smuggle_skip_space(p, n, at);
		bool assign =
		    j < n && p[j] == '=' && !(j + 1 < n && p[j + 1] == '=');
		char name[SMUGGLE_NAME_MAX] = "";
		if (i > 0 && p[i - 1] == '.' && assign) {
			smuggle_value_name(p, n, j + 1, name, sizeof(name));
		} else if (i > 0 && smuggle_space(p[i - 1]) &&
		           (assign || smuggle_in_tag(p, i))) {
			/* download="x" is an attribute wherever it stands (the
			 * tag may start with a megabyte of href); a bare word
			 * only inside a tag */
			/* an attribute; its value may be bare */
			if (assign && j + 1 < n && !smuggle_quote(p[j + 1])) {
				size_t e = j + 1, l = 0;
				while (e < n && !smuggle_space(p[e]) &&
				       p[e] != '>' && l + 1 < sizeof(name))
					name[l++] = (char)p[e++];
				name[l] = '\0';
			} else if (assign) {
				smuggle_literal_name(p, n, j + 1, name,
				                     sizeof(name));
			}
		} else if (i > 0 && smuggle_quote(p[i - 1]) && at < n &&
		           p[at] == p[i - 1] &&
		           bytes_find_ci(p, i, i > 20 ? i - 20 : 0,
		                         "setattribute") != SIZE_MAX) {
			j = smuggle_skip_space(p, n, at + 1);
			if (j < n && p[j] == ',')
				smuggle_value_name(p, n, j + 1, name,
				                   sizeof(name));
		} else {
			continue;
		}
		s->download = true;
		if (s->name[0] == '\0' && name[0] != '\0')
			memcpy(s->name, name, sizeof(s->name));
	}
}

/* msSaveOrOpenBlob(blob, name) and msSaveBlob(blob, name): the flag, and
 * the name from the second argument. */
static void
smuggle_ms_save(const uint8_t *p, size_t n, smuggle_t *s)
{
	static const char *const calls[] = {"mssaveoropenblob", "mssaveblob"};

	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
		size_t at = 0;
		for (unsigned k = 0; k < SMUGGLE_SITES_MAX; k++) {
			at = bytes_find_ci(p, n, at, calls[c]);
			if (at == SIZE_MAX)
				break;
			at += strlen(calls[c]);
			s->ms_save = true;
			size_t j = smuggle_skip_space(p, n, at);
			if (j >= n || p[j] != '(' || s->name[0] != '\0')
				continue;
			/* the first argument, to the comma at depth 0 */
			unsigned depth = 0;
			size_t e = j + 1;
			for (; e < n && e - j < SMUGGLE_ARG_MAX; e++) {
				if (p[e] == '(' || p[e] == '[')
					depth++;
				else if ((p[e] == ')' || p[e] == ']') &&
				         depth-- == 0)
					break;
				else if (p[e] == ',' && depth == 0)
					break;
			}
			if (e < n && p[e] == ',')
				smuggle_value_name(p, n, e + 1, s->name,
				                   sizeof(s->name));
		}
	}
}

/* "new Blob(" or "new File(" (also "new window.Blob ("). */
static bool
smuggle_new_blob(const uint8_t *p, size_t n)
{
	static const char *const ctors[] = {"blob", "file"};

	for (size_t c = 0; c < sizeof(ctors) / sizeof(ctors[0]); c++) {
		size_t at = 0;
		for (unsigned k = 0; k < SMUGGLE_SITES_MAX; k++) {
			at = bytes_find_ci(p, n, at, ctors[c]);
			if (at == SIZE_MAX)
				break;
			size_t i = at;
			at += 4;
			size_t j = smuggle_skip_space(p, n, at);
			if (j >= n || p[j] != '(')
				continue;
			if (i >= 7 &&
			    strncmp((const char *)p + i - 7, "window.", 7) == 0)
				i -= 7;
			while (i > 0 && smuggle_space(p[i - 1]))
				i--;
			if (i >= 4 &&
			    strncmp((const char *)p + i - 3, "new", 3) == 0 &&
			    !smuggle_ident_char(p[i - 4]))
				return true;
			if (i == 3 && strncmp((const char *)p, "new", 3) == 0)
				return true;
		}
	}
	return false;
}

/* ---- payloads --------------------------------------------------------- */

/* A run of base64 literals being read. */
typedef struct smuggle_chain {
	smuggle_payload_t p;
	bool open;
} smuggle_chain_t;

static void
smuggle_chain_close(smuggle_chain_t *c, smuggle_t *s)
{
	if (c->open && c->p.chars >= SMUGGLE_MIN_CHARS)
		smuggle_keep(s, &c->p);
	c->open = false;
}

/* The closing quote of the string literal that opens at P[I] (a quote),
 * escapes skipped; B when it is not closed before B or, but for a template
 * literal, before the end of its line. */
static size_t
smuggle_literal_end(const uint8_t *p, size_t b, size_t i)
{
	uint8_t q = p[i];
	size_t j = i + 1;

	while (j < b && p[j] != q && (q == '`' || p[j] != '\n'))
		j += p[j] == '\\' && j + 1 < b ? 2 : 1;
	return j < b && p[j] == q ? j : b;
}

/* The string literals of the script in P[A..B): base64 literals joined by
 * +, commas and white space make one payload. */
static void
smuggle_literals(const uint8_t *p, size_t a, size_t b, smuggle_t *s)
{
	smuggle_chain_t ch = {.open = false};

	for (size_t i = a; i < b; i++) {
		uint8_t q = p[i];
		if (!smuggle_quote(q)) {
			if (ch.open && q != '+' && q != ',' &&
			    !smuggle_space(q))
				smuggle_chain_close(&ch, s);
			continue;
		}
		size_t j = smuggle_literal_end(p, b, i), nb = 0;
		if (j == b) { /* not closed: not a literal */
			smuggle_chain_close(&ch, s);
			continue;
		}
		bool pure = true;
		for (size_t k = i + 1; k < j && pure; k++) {
			pure = smuggle_b64(p[k]);
			nb += pure;
		}
		if (pure && nb > 0) {
			if (!ch.open) {
				ch.p = (smuggle_payload_t){.off = i};
				ch.open = true;
			}
			ch.p.len = j + 1 - ch.p.off;
			ch.p.chars += nb;
		} else {
			smuggle_chain_close(&ch, s);
		}
		i = j;
	}
	smuggle_chain_close(&ch, s);
}

/* The byte value at P[*I] (decimal up to 255, or 0x and one or two hex
 * digits), *I moved past it; false for anything else, a float or a word
 * that starts with digits included. */
static bool
smuggle_number(const uint8_t *p, size_t n, size_t *i, uint8_t *v)
{
	size_t j = *i;
	unsigned value = 0, digits = 0;

	if (j + 2 < n && p[j] == '0' && (p[j + 1] == 'x' || p[j + 1] == 'X')) {
		for (j += 2; j < n && digits < 3 && bytes_hexval(p[j]) >= 0;
		     j++, digits++)
			value = value * 16 + (unsigned)bytes_hexval(p[j]);
		if (digits == 0 || digits > 2)
			return false;
	} else {
		for (; j < n && digits < 4 && p[j] >= '0' && p[j] <= '9';
		     j++, digits++)
			value = value * 10 + (unsigned)(p[j] - '0');
		if (digits == 0 || digits > 3 || value > 255)
			return false;
	}
	if (j < n && (smuggle_ident_char(p[j]) || p[j] == '.'))
		return false;
	*v = (uint8_t)value;
	*i = j;
	return true;
}

/* The lists of byte values of the script in P[A..B): between [ and ] (an
 * array for a Uint8Array) or ( and ) (String.fromCharCode's arguments),
 * at least SMUGGLE_MIN_NUMBERS numbers separated by commas. */
static void
smuggle_numbers(const uint8_t *p, size_t a, size_t b, smuggle_t *s)
{
	for (size_t i = a; i < b; i++) {
		if (p[i] != '[' && p[i] != '(')
			continue;
		uint8_t close = p[i] == '[' ? ']' : ')', v;
		size_t j = i + 1, count = 0;
		for (;;) {
			j = smuggle_skip_space(p, b, j);
			if (!smuggle_number(p, b, &j, &v))
				break;
			count++;
			j = smuggle_skip_space(p, b, j);
			if (j >= b || p[j] != ',')
				break;
			j++;
		}
		if (count >= SMUGGLE_MIN_NUMBERS && j < b && p[j] == close)
			smuggle_keep(s, &(smuggle_payload_t){.off = i + 1,
			                                     .len = j - i - 1,
			                                     .chars = count,
			                                     .numbers = true});
		if (count > 0) /* each byte is read once */
			i = j - 1;
	}
}

/* ---- XOR keys --------------------------------------------------------- */

static void
smuggle_key_add(smuggle_t *s, const uint8_t *k, size_t len)
{
	if (len == 0 || len > SMUGGLE_KEY_MAX || s->n_keys == SMUGGLE_KEYS_MAX)
		return;
	for (size_t i = 0; i < s->n_keys; i++)
		if (s->key[i].len == len &&
		    memcmp(s->key[i].bytes, k, len) == 0)
			return;
	memcpy(s->key[s->n_keys].bytes, k, len);
	s->key[s->n_keys++].len = len;
}

/* True when P[I..J] lies in a payload kept: a piece of a base64 literal
 * split with + is no key. */
static bool
smuggle_in_payload(const smuggle_t *s, size_t i, size_t j)
{
	for (size_t k = 0; k < s->n_payloads; k++)
		if (i >= s->payload[k].off &&
		    j < s->payload[k].off + s->payload[k].len)
			return true;
	return false;
}

/* The candidate keys of the script in P[A..B), when it XORs at all: the
 * byte value after each ^ or ^= (b ^ 0x5a, b ^= 90), then every string
 * literal of 1 to SMUGGLE_KEY_MAX printable characters without escapes
 * (the kits read their key with charCodeAt).  Which literal is the key
 * would take running the script; the others cost the walker one try
 * each, and there are at most SMUGGLE_KEYS_MAX. */
static void
smuggle_xor_keys(const uint8_t *p, size_t a, size_t b, smuggle_t *s)
{
	uint8_t v;

	if (memchr(p + a, '^', b - a) == NULL)
		return;
	for (size_t i = a; i < b && s->n_keys < SMUGGLE_KEYS_MAX; i++) {
		if (p[i] != '^')
			continue;
		size_t j = i + 1 < b && p[i + 1] == '=' ? i + 2 : i + 1;
		j = smuggle_skip_space(p, b, j);
		if (smuggle_number(p, b, &j, &v) && v != 0)
			smuggle_key_add(s, &v, 1);
	}
	for (size_t i = a; i < b && s->n_keys < SMUGGLE_KEYS_MAX; i++) {
		if (!smuggle_quote(p[i]))
			continue;
		size_t j = smuggle_literal_end(p, b, i);
		if (j == b)
			continue; /* not closed: not a literal */
		bool key = j - i - 1 <= SMUGGLE_KEY_MAX &&
		           !smuggle_in_payload(s, i, j);
		for (size_t k = i + 1; k < j && key; k++)
			key = p[k] >= 0x20 && p[k] < 0x7f && p[k] != '\\';
		if (key)
			smuggle_key_add(s, p + i + 1, j - i - 1);
		i = j;
	}
}

static void
smuggle_scripts(const uint8_t *p, size_t n, smuggle_t *s)
{
	size_t at = 0;

	for (unsigned k = 0; k < SMUGGLE_SCRIPTS_MAX; k++) {
		at = bytes_find_ci(p, n, at, "<script");
		if (at == SIZE_MAX)
			return;
		const uint8_t *gt = memchr(p + at, '>', n - at);
		if (gt == NULL)
			return;
		size_t body = (size_t)(gt - p) + 1;
		size_t end = bytes_find_ci(p, n, body, "</script");
		if (end == SIZE_MAX)
			end = n;
		smuggle_literals(p, body, end, s);
		smuggle_numbers(p, body, end, s);
		smuggle_xor_keys(p, body, end, s);
		at = end;
	}
}

/* Media types a page embeds by the dozen (icons, fonts, styles): never a
 * smuggled file. */
static bool
smuggle_media_type(const char *t)
{
	static const char *const prefixes[] = {"image/",
	                                       "font/",
	                                       "audio/",
	                                       "video/",
	                                       "text/css",
	                                       "application/font",
	                                       "application/x-font",
	                                       "application/vnd.ms-fontobject"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(t, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Every data:TYPE[;...];base64,DATA in the page. */
static void
smuggle_data_uris(const uint8_t *p, size_t n, smuggle_t *s)
{
	size_t at = 0;

	for (unsigned k = 0; k < SMUGGLE_URIS_MAX; k++) {
		at = bytes_find_ci(p, n, at, "data:");
		if (at == SIZE_MAX)
			return;
		at += 5;
		smuggle_payload_t pl = {.data_uri = true};
		size_t t = at, l = 0;
		while (t < n && t - at < sizeof(pl.type) - 1 &&
		       (smuggle_ident_char(p[t]) || p[t] == '/' ||
		        p[t] == '.' || p[t] == '+' || p[t] == '-')) {
			pl.type[l++] = (char)g_ascii_tolower((gchar)p[t]);
			t++;
		}
		pl.type[l] = '\0';
		size_t comma = t;
		while (comma < n && comma - t < SMUGGLE_PARAMS_MAX &&
		       p[comma] != ',' && !smuggle_quote(p[comma]) &&
		       p[comma] != '>' && !smuggle_space(p[comma]))
			comma++;
		if (comma >= n || p[comma] != ',' ||
		    bytes_find_ci(p, comma, t, ";base64") == SIZE_MAX ||
		    smuggle_media_type(pl.type))
			continue;
		size_t d = comma + 1;
		while (d < n && (smuggle_b64(p[d]) || smuggle_space(p[d]))) {
			if (!smuggle_space(p[d]))
				pl.chars++;
			d++;
		}
		pl.off = comma + 1;
		pl.len = d - pl.off;
		if (pl.chars >= SMUGGLE_MIN_CHARS)
			smuggle_keep(s, &pl);
		at = d;
	}
}

/* ---- API -------------------------------------------------------------- */

void
smuggle_scan(const uint8_t *html, size_t len, smuggle_t *out)
{
	memset(out, 0, sizeof(*out));
	if (html == NULL || len == 0)
		return;
	out->blob = smuggle_new_blob(html, len);
	out->object_url =
	    bytes_find_ci(html, len, 0, "createobjecturl") != SIZE_MAX;
	smuggle_ms_save(html, len, out);
	smuggle_download(html, len, out);
	smuggle_data_uris(html, len, out);
	/* A long literal is only a payload in a page whose script builds a
	 * file: scripts carry base64 images and fonts too. */
	if (out->blob || out->object_url || out->ms_save)
		smuggle_scripts(html, len, out);
}

bool
smuggle_delivers(const smuggle_t *s)
{
	bool data = false;

	for (size_t i = 0; i < s->n_payloads; i++)
		data = data || s->payload[i].data_uri;
	return s->ms_save || (s->blob && s->object_url) ||
	       (s->download && (s->object_url || data));
}

void
smuggle_xor(uint8_t *data, size_t len, const smuggle_key_t *key)
{
	if (key->len == 0)
		return;
	for (size_t i = 0, k = 0; i < len; i++) {
		data[i] ^= key->bytes[k];
		if (++k == key->len)
			k = 0;
	}
}

/* The COUNT byte values listed in P[0..N) into a new buffer. */
static emg_status_t
smuggle_decode_numbers(const uint8_t *p, size_t n, size_t count, size_t max,
                       uint8_t **out, size_t *outlen)
{
	if (count > max)
		return EMG_ELIMIT;
	if (count == 0)
		return EMG_EPARSE;
	uint8_t *buf = malloc(count);
	if (buf == NULL)
		return EMG_ENOMEM;
	size_t got = 0;
	for (size_t i = 0; i < n && got < count;) {
		if (!smuggle_number(p, n, &i, &buf[got]))
			i++; /* a comma or white space */
		else
			got++;
	}
	*out = buf;
	*outlen = got;
	return EMG_OK;
}

emg_status_t
smuggle_decode(const uint8_t *html, size_t len, const smuggle_payload_t *p,
               bool reversed, size_t max, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (p->off > len || p->len > len - p->off || p->chars > p->len)
		return EMG_EINVAL;
	if (p->numbers)
		return reversed ? EMG_EPARSE
		                : smuggle_decode_numbers(html + p->off, p->len,
		                                         p->chars, max, out,
		                                         outlen);
	if (p->chars / 4 * 3 > max)
		return EMG_ELIMIT;
	/* The base64 text alone, forwards or backwards: a data: URI's
	 * characters without the white space, or the literals' contents
	 * without the quotes and the + or , between them (the scan took only
	 * literals that hold nothing but base64).  It goes to GLib through a
	 * small stage, so a 20 MB payload is not copied first. */
	uint8_t *buf = malloc(p->chars / 4 * 3 + 3); /* GLib's bound */
	if (buf == NULL)
		return EMG_ENOMEM;
	const uint8_t *q = html + p->off;
	gchar stage[4096];
	size_t k = 0, n = 0, t = 0;
	gint state = 0;
	guint save = 0;
	uint8_t quote = 0;
	for (size_t step = 0; step < p->len && t < p->chars; step++) {
		uint8_t c = q[reversed ? p->len - 1 - step : step];
		if (p->data_uri) {
			if (smuggle_space(c))
				continue;
		} else if (quote == 0) {
			if (smuggle_quote(c))
				quote = c;
			continue;
		} else if (c == quote) { /* quotes pair the same both ways */
			quote = 0;
			continue;
		}
		stage[k++] = (gchar)c;
		t++;
		if (k == sizeof(stage)) {
			n += g_base64_decode_step(stage, k, buf + n, &state,
			                          &save);
			k = 0;
		}
	}
	n += g_base64_decode_step(stage, k, buf + n, &state, &save);
	if (n > max)
		n = max;
	if (n == 0) {
		free(buf);
		return EMG_EPARSE;
	}
	*out = buf;
	*outlen = n;
	return EMG_OK;
}
