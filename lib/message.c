/*
 * message.c - build the message model (message.h) from raw bytes.
 *
 * Relies on GMime 3 for the MIME tree, addresses, parameters (RFC 2231) and
 * content transfer decoding, on charset.c for charsets and for the
 * encoded-word repairs Japanese mail needs before GMime reads a header, on
 * text.c for HTML rendering and NFKC, on OpenSSL for SHA-256 and on
 * libmagic for real types.  The top-level header block and the fields read
 * from it (addresses, ids, Subject, Date) are headers.c's.
 *
 * Failure: bad input never fails a parse; what could not be read is listed
 * in msg->problems.  Only memory exhaustion returns an error.
 */
#include "message.h"

#include <gmime/gmime.h>
#include <magic.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attachment.h"
#include "charset.h"
#include "headers.h"
#include "text.h"

#define MESSAGE_DEPTH_CAP 200            /* recursion bound whatever LIM says */
#define MESSAGE_MAGIC_BYTES (1u << 20)   /* libmagic looks at this much */
#define MESSAGE_DESC_MAX 200

enum message_limit_bit {
	MESSAGE_HIT_PARTS = 1u << 0,
	MESSAGE_HIT_DEPTH = 1u << 1,
	MESSAGE_HIT_TEXT = 1u << 2,
};

typedef struct message_ctx {
	emg_message_t *msg;
	const emg_limits_t *lim;
	magic_t magic;
	GMimeParserOptions *opts;
	unsigned depth_limit;
	GString *text;          /* body text before NFKC */
	size_t data_budget;     /* attachment bytes still allowed */
	unsigned hit;           /* enum message_limit_bit already reported */
	bool oom;
} message_ctx_t;

/* A growable attachment array (top level or an attached message's parts). */
typedef struct message_attlist {
	emg_attachment_t ***v;
	size_t *n;
} message_attlist_t;

static pthread_once_t message_once = PTHREAD_ONCE_INIT;

static void
message_init_gmime(void)
{
	g_mime_init();
}

void
message_init_once(void)
{
	pthread_once(&message_once, message_init_gmime);
}

static void
message_problem(message_ctx_t *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (headers_vproblem(&c->msg->problems, fmt, ap) != 0)
		c->oom = true;
	va_end(ap);
}

/* A valid UTF-8 copy of S (see headers_strndup()); NULL for NULL. */
static char *
message_strdup(message_ctx_t *c, const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = headers_strndup(s, strlen(s))) == NULL)
		c->oom = true;
	return p;
}

/* ---- top-level header block (read by headers.c) ------------------------ */

const char *
message_header(const emg_message_t *msg, const char *name)
{
	const emg_header_t *h = message_header_nth(msg, name, 0);
	return h ? h->value : NULL;
}

const emg_header_t *
message_header_nth(const emg_message_t *msg, const char *name, size_t nth)
{
	for (size_t i = 0; msg != NULL && i < msg->n_headers; i++)
		if (msg->headers[i].name != NULL &&
		    strcasecmp(msg->headers[i].name, name) == 0 && nth-- == 0)
			return &msg->headers[i];
	return NULL;
}

/* ---- MIME parts --------------------------------------------------------- */

/* Decoded content of a leaf part: P/N, owned by OWN when not NULL. */
typedef struct message_bytes {
	const unsigned char *p;
	size_t n;
	unsigned char *own;
} message_bytes_t;

/* The raw header NAME of OBJ as UTF-8 with fixed encoded-words, or NULL
 * when GMime's own reading of it can be trusted. */
static gchar *
message_part_header_fixed(GMimeObject *obj, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;
	const char *raw = h ? g_mime_header_get_raw_value(h) : NULL;
	const char *p;

	if (raw == NULL)
		return NULL;
	for (p = raw; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80 || *p == 0x1b ||
		    (p[0] == '=' && p[1] == '?'))
			break;
	if (*p == '\0')
		return NULL;
	GString *u = g_string_new(NULL);
	charset_to_utf8(NULL, raw, strlen(raw), u);
	gchar *fixed = charset_ew_fix(u->str);
	g_string_free(u, TRUE);
	return fixed;
}

/* Parameter PARAM of the Content-Disposition (DISP) or Content-Type. */
static gchar *
message_part_param(message_ctx_t *c, GMimeObject *obj, bool disp,
                   const char *param)
{
	const char *hname = disp ? "Content-Disposition" : "Content-Type";
	gchar *fixed = message_part_header_fixed(obj, hname);
	gchar *r = NULL;
	GObject *parsed = NULL;
	const char *v;

	if (fixed != NULL && disp)
		parsed = (GObject *)g_mime_content_disposition_parse(c->opts, fixed);
	else if (fixed != NULL)
		parsed = (GObject *)g_mime_content_type_parse(c->opts, fixed);
	if (disp) {
		GMimeContentDisposition *d = parsed ?
		    GMIME_CONTENT_DISPOSITION(parsed) :
		    g_mime_object_get_content_disposition(obj);
		v = d ? g_mime_content_disposition_get_parameter(d, param) : NULL;
	} else {
		GMimeContentType *t = parsed ? GMIME_CONTENT_TYPE(parsed) :
		                               g_mime_object_get_content_type(obj);
		v = t ? g_mime_content_type_get_parameter(t, param) : NULL;
	}
	if (v != NULL && *v != '\0')
		r = strstr(v, "=?") ? g_mime_utils_header_decode_text(c->opts, v) :
		                      g_strdup(v);
	if (parsed != NULL)
		g_object_unref(parsed);
	g_free(fixed);
	return r;
}

static gchar *
message_part_name(message_ctx_t *c, GMimeObject *obj)
{
	gchar *name = message_part_param(c, obj, true, "filename");
	if (name == NULL)
		name = message_part_param(c, obj, false, "name");
	if (name != NULL && *name == '\0') {
		g_free(name);
		name = NULL;
	}
	return name;
}

/* The undecoded bytes of STREAM, pointing into the parsed buffer when GMime
 * kept a substream of it (the common case), else copied into *TMP. */
static void
message_stream_bytes(GMimeStream *st, message_bytes_t *b, GByteArray **tmp)
{
	if (GMIME_IS_STREAM_MEM(st)) {
		GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
		g_mime_stream_reset(st);
		gint64 start = g_mime_stream_tell(st), len = g_mime_stream_length(st);
		if (arr != NULL && start >= 0 && len >= 0 && (guint64)start <= arr->len) {
			b->p = arr->data + start;
			b->n = MIN((guint64)len, arr->len - (guint64)start);
			return;
		}
	}
	*tmp = g_byte_array_new();
	GMimeStream *ms = g_mime_stream_mem_new_with_byte_array(*tmp);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(ms), FALSE);
	g_mime_stream_reset(st);
	g_mime_stream_write_to_stream(st, ms);
	g_object_unref(ms);
	b->p = (*tmp)->data;
	b->n = (*tmp)->len;
}

/* Bytes written by OBJ's serialisation (or its data wrapper's decoder),
 * taken over from GLib: g_malloc is malloc since GLib 2.46. */
static void
message_take_stream(GByteArray *arr, message_bytes_t *b)
{
	b->n = arr->len;
	b->own = g_byte_array_free(arr, FALSE);
	b->p = b->own;
}

/* Decode PART's content transfer encoding into B. */
static void
message_part_decode(message_ctx_t *c, GMimePart *part, message_bytes_t *b)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GByteArray *tmp = NULL;
	message_bytes_t raw = {NULL, 0, NULL};

	memset(b, 0, sizeof(*b));
	if (dw == NULL || g_mime_data_wrapper_get_stream(dw) == NULL)
		return;
	GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(dw);
	if (enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		GByteArray *arr = g_byte_array_new();
		GMimeStream *ms = g_mime_stream_mem_new_with_byte_array(arr);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(ms), FALSE);
		g_mime_data_wrapper_write_to_stream(dw, ms);
		g_object_unref(ms);
		message_take_stream(arr, b);
		return;
	}
	message_stream_bytes(g_mime_data_wrapper_get_stream(dw), &raw, &tmp);
	if (enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
		GMimeEncoding st;
		g_mime_encoding_init_decode(&st, enc);
		size_t cap = g_mime_encoding_outlen(&st, raw.n) + 16;
		b->own = malloc(cap);
		if (b->own == NULL) {
			c->oom = true;
		} else {
			b->n = g_mime_encoding_step(&st, (const char *)raw.p, raw.n,
			                            (char *)b->own);
			b->n += g_mime_encoding_flush(&st, "", 0, (char *)b->own + b->n);
			b->p = b->own;
		}
	} else if (tmp != NULL) {
		message_take_stream(tmp, b);
		tmp = NULL;
	} else {
		*b = raw;
	}
	if (tmp != NULL)
		g_byte_array_free(tmp, TRUE);
	/* Corrupt base64 that yields nothing hides whatever it carried. */
	if (enc == GMIME_CONTENT_ENCODING_BASE64 && b->n == 0 && raw.n > 0)
		for (size_t i = 0; i < raw.n; i++)
			if (!g_ascii_isspace(raw.p[i])) {
				b->n = (size_t)-1; /* caller reports it */
				break;
			}
}

static void
message_text_append(message_ctx_t *c, const char *s, size_t n)
{
	size_t room = c->lim->text_size - MIN(c->text->len, c->lim->text_size);
	size_t sep = c->text->len > 0 ? 1 : 0;

	if (n == 0)
		return;
	if (n + sep > room) {
		if (!(c->hit & MESSAGE_HIT_TEXT))
			message_problem(c, "LimitTextSize %zu reached", c->lim->text_size);
		c->hit |= MESSAGE_HIT_TEXT;
		if (room <= sep)
			return;
		n = room - sep;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* whole characters only */
	}
	if (sep)
		g_string_append_c(c->text, '\n');
	g_string_append_len(c->text, s, (gssize)n);
}

static void
message_text_part(message_ctx_t *c, GMimeObject *obj, bool html,
                  const message_bytes_t *b)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *cs = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	size_t n = b->n, cap = c->lim->text_size;

	if (html)
		c->msg->has_html = true;
	if (c->text->len >= c->lim->text_size) {
		message_text_append(c, "x", 1); /* reports the limit once */
		return;
	}
	/* Markup is mostly tags: let more HTML in than the text kept. */
	if (html)
		cap = cap > SIZE_MAX / 8 ? SIZE_MAX : cap * 8;
	GString *u = g_string_sized_new(MIN(n, cap) + 16);
	charset_to_utf8(cs, (const char *)b->p, MIN(n, cap), u);
	if (html) {
		size_t rlen = 0;
		char *r = text_html_to_text(u->str, u->len, &rlen);
		if (r == NULL)
			c->oom = true;
		else
			message_text_append(c, r, rlen);
		free(r);
	} else {
		message_text_append(c, u->str, u->len);
	}
	g_string_free(u, TRUE);
}

/* ---- attachments -------------------------------------------------------- */

static emg_attachment_t *
message_att_new(message_ctx_t *c, GMimeObject *obj, unsigned level,
                message_attlist_t *dst, const char *name)
{
	size_t n = *dst->n;
	emg_attachment_t *a;

	/* Capacity doubles at powers of two from 4. */
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		size_t cap = n == 0 ? 4 : 2 * n;
		emg_attachment_t **v = realloc(*dst->v, cap * sizeof(*v));
		if (v == NULL) {
			c->oom = true;
			return NULL;
		}
		*dst->v = v;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		c->oom = true;
		return NULL;
	}
	(*dst->v)[n] = a;
	(*dst->n)++;
	a->depth = level;
	a->name = message_strdup(c, name);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	gchar *t = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	if (t != NULL) {
		gchar *low = g_ascii_strdown(t, -1);
		a->declared_type = message_strdup(c, low);
		g_free(low);
		g_free(t);
	}
	return a;
}

/* "part N (name or type): reason" for problem lines. */
static void
message_part_problem(message_ctx_t *c, GMimeObject *obj, const char *name,
                     const char *reason)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	gchar *t = ct ? g_mime_content_type_get_mime_type(ct) : NULL;

	message_problem(c, "part %u (%.100s): %s", c->msg->n_parts,
	                name ? name : t ? t : "?", reason);
	g_free(t);
}

/* A multipart without parts: its boundary never appeared, so GMime kept the
 * whole body as the prologue.  Read that as text rather than lose it. */
static void
message_multipart_empty(message_ctx_t *c, GMimeObject *obj)
{
	const char *bd = g_mime_object_get_content_type_parameter(obj, "boundary");
	const char *pro = g_mime_multipart_get_prologue(GMIME_MULTIPART(obj));

	message_part_problem(c, obj, NULL, bd == NULL ?
	                     "multipart without a boundary" :
	                     "multipart boundary never appears");
	if (pro != NULL && *pro != '\0') {
		size_t n = MIN(strlen(pro), c->lim->text_size);
		GString *u = g_string_sized_new(n + 16);
		charset_to_utf8(NULL, pro, n, u);
		message_text_append(c, u->str, u->len);
		g_string_free(u, TRUE);
	}
}

static void
message_walk_leaf(message_ctx_t *c, GMimePart *part, unsigned level,
                  message_attlist_t *dst)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
	bool attach = disp && g_mime_content_disposition_is_attachment(disp);
	bool plain = ct == NULL || g_mime_content_type_is_type(ct, "text", "plain");
	bool html = ct != NULL && g_mime_content_type_is_type(ct, "text", "html");
	gchar *name = message_part_name(c, obj);
	message_bytes_t b;

	message_part_decode(c, part, &b);
	if (b.n == (size_t)-1) {
		message_part_problem(c, obj, name, "base64 decodes to nothing");
		b.n = 0;
	}
	if ((plain || html) && !attach && name == NULL) {
		message_text_part(c, obj, html, &b);
	} else {
		emg_attachment_t *a = message_att_new(c, obj, level, dst, name);
		if (a != NULL) {
			a->inline_part = disp && !attach && name == NULL;
			if (b.own != NULL) {
				a->data = b.own;
				b.own = NULL;
			} else if (b.n > 0) {
				a->data = malloc(b.n);
				if (a->data != NULL)
					memcpy(a->data, b.p, b.n);
				else
					c->oom = true;
			}
			a->size = a->data ? b.n : 0;
			message_attachment_identify(a, c->magic);
		}
	}
	free(b.own);
	g_free(name);
}

static void message_walk(message_ctx_t *c, GMimeObject *obj, unsigned depth,
                         unsigned level, message_attlist_t *dst);

/* An attached message: its bytes become the attachment, its parts the
 * attachment's children, its text part of the message text. */
static void
message_walk_rfc822(message_ctx_t *c, GMimeMessagePart *mp, unsigned depth,
                    unsigned level, message_attlist_t *dst)
{
	GMimeObject *obj = GMIME_OBJECT(mp);
	gchar *name = message_part_name(c, obj);
	emg_attachment_t *a = message_att_new(c, obj, level, dst,
	                                      name ? name : "attached.eml");
	GMimeMessage *em = g_mime_message_part_get_message(mp);

	g_free(name);
	if (a == NULL)
		return;
	if (em != NULL) {
		GByteArray *arr = g_byte_array_new();
		GMimeStream *ms = g_mime_stream_mem_new_with_byte_array(arr);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(ms), FALSE);
		g_mime_object_write_to_stream(GMIME_OBJECT(em), NULL, ms);
		g_object_unref(ms);
		/* Re-serialising nested messages could multiply the input. */
		if (arr->len > c->data_budget) {
			message_problem(c, "LimitMessageSize %zu exceeded (attached "
			                "messages)", c->lim->message_size);
			g_byte_array_free(arr, TRUE);
		} else {
			message_bytes_t b;
			c->data_budget -= arr->len;
			message_take_stream(arr, &b);
			a->data = b.own;
			a->size = b.n;
		}
		GMimeObject *root = g_mime_message_get_mime_part(em);
		message_attlist_t kids = {&a->children, &a->n_children};
		if (root != NULL)
			message_walk(c, root, depth + 1, level + 1, &kids);
	}
	message_attachment_identify(a, c->magic);
}

/* Count the part; false (and one problem line) when a limit stops here. */
static bool
message_count_part(message_ctx_t *c, unsigned depth)
{
	emg_message_t *m = c->msg;

	if (m->n_parts >= c->lim->mime_parts) {
		if (!(c->hit & MESSAGE_HIT_PARTS))
			message_problem(c, "LimitMimeParts %u reached", c->lim->mime_parts);
		c->hit |= MESSAGE_HIT_PARTS;
		return false;
	}
	if (depth > c->depth_limit) {
		if (!(c->hit & MESSAGE_HIT_DEPTH))
			message_problem(c, "LimitMimeDepth %u reached", c->depth_limit);
		c->hit |= MESSAGE_HIT_DEPTH;
		return false;
	}
	m->n_parts++;
	if (depth > m->max_depth)
		m->max_depth = depth;
	return true;
}

/* Walk OBJ at MIME nesting DEPTH inside the message nested LEVEL deep.
 * Recursion is bounded by message_count_part's depth check. */
static void
message_walk(message_ctx_t *c, GMimeObject *obj, unsigned depth, unsigned level,
             message_attlist_t *dst)
{
	if (c->oom || !message_count_part(c, depth))
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		if (n == 0)
			message_multipart_empty(c, obj);
		for (int i = 0; i < n && !(c->hit & MESSAGE_HIT_PARTS); i++)
			message_walk(c, g_mime_multipart_get_part(mp, i), depth + 1,
			             level, dst);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		message_walk_rfc822(c, GMIME_MESSAGE_PART(obj), depth, level, dst);
	} else if (GMIME_IS_PART(obj)) {
		message_walk_leaf(c, GMIME_PART(obj), level, dst);
	}
}

void
message_attachment_identify(emg_attachment_t *att, magic_t magic)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";
	const void *data = att->data ? (const void *)att->data : "";
	size_t n = att->data ? att->size : 0;
	const char *type = NULL, *desc = NULL;

	att->sha256[0] = '\0';
	if (EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32) {
		for (unsigned i = 0; i < mdlen; i++) {
			att->sha256[2 * i] = hex[md[i] >> 4];
			att->sha256[2 * i + 1] = hex[md[i] & 15];
		}
		att->sha256[64] = '\0';
	}
	if (n > MESSAGE_MAGIC_BYTES)
		n = MESSAGE_MAGIC_BYTES;
	if (magic != NULL) {
		int old = magic_getflags(magic);
		magic_setflags(magic, MAGIC_MIME_TYPE);
		type = magic_buffer(magic, data, n);
		char *t = strdup(type ? type : "application/octet-stream");
		magic_setflags(magic, MAGIC_NONE);
		desc = magic_buffer(magic, data, n);
		magic_setflags(magic, old);
		free(att->real_type);
		att->real_type = t;
	} else {
		free(att->real_type);
		att->real_type = strdup("application/octet-stream");
	}
	free(att->real_desc);
	att->real_desc = strndup(desc ? desc : "", MESSAGE_DESC_MAX);
}

/* ---- parse and free ------------------------------------------------------ */

/* GMime's own findings that mean content was skipped, not mere sloppiness
 * (8-bit headers, duplicates and missing final boundaries are everyday). */
static void
message_gmime_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
                      gpointer user)
{
	message_ctx_t *c = user;

	if (code == GMIME_CRIT_NESTING_OVERFLOW && !(c->hit & MESSAGE_HIT_DEPTH)) {
		message_problem(c, "LimitMimeDepth %u reached (parser)",
		                c->depth_limit);
		c->hit |= MESSAGE_HIT_DEPTH;
	}
}

static GMimeParserOptions *
message_options_new(message_ctx_t *c)
{
	static const char *fallback[] = {"UTF-8", "CP932", "EUC-JP-MS", NULL};
	GMimeParserOptions *o = g_mime_parser_options_new();

	g_mime_parser_options_set_fallback_charsets(o, fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_allow_addresses_without_domain(o, TRUE);
	g_mime_parser_options_set_warning_callback(o, message_gmime_warning, c);
	return o;
}

/* Parse LEN bytes at P (not copied: GMime reads them in place) into the
 * MIME part tree. */
static void
message_mime(message_ctx_t *c, const char *p, size_t len)
{
	GByteArray *arr = g_byte_array_new_take((guint8 *)p, len);
	GMimeStream *st = g_mime_stream_mem_new_with_byte_array(arr);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(st), FALSE);
	GMimeParser *ps = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(ps, GMIME_FORMAT_MESSAGE);
	GMimeMessage *gm = g_mime_parser_construct_message(ps, c->opts);
	GMimeObject *root = gm ? g_mime_message_get_mime_part(gm) : NULL;
	message_attlist_t top = {&c->msg->attachments, &c->msg->n_attachments};

	if (root != NULL)
		message_walk(c, root, 0, 0, &top);
	if (gm != NULL)
		g_object_unref(gm);
	g_object_unref(ps);
	g_object_unref(st);
	g_byte_array_free(arr, FALSE); /* the bytes belong to the caller */
}

/* Old Mac mail ends lines with CR alone, which GMime does not split on:
 * a copy with LF endings when no LF appears in the first 64 KiB. */
static char *
message_cr_only(const char *p, size_t len)
{
	size_t probe = MIN(len, (size_t)65536);

	if (memchr(p, '\n', probe) != NULL || memchr(p, '\r', probe) == NULL)
		return NULL;
	char *q = malloc(len + 1);
	if (q == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		q[i] = p[i] == '\r' ? '\n' : p[i];
	return q;
}

static void
message_finish_text(message_ctx_t *c)
{
	emg_message_t *m = c->msg;
	size_t n = 0;

	m->text = text_nfkc(c->text->str, c->text->len, &n);
	if (m->text == NULL) {
		c->oom = true;
		return;
	}
	if (n > c->lim->text_size) { /* NFKC may expand (㈱ -> (株)) */
		n = c->lim->text_size;
		while (n > 0 && ((unsigned char)m->text[n] & 0xc0) == 0x80)
			n--;
		m->text[n] = '\0';
	}
	m->text_len = n;
}

static void
message_parse_all(message_ctx_t *c, const char *p, size_t len)
{
	emg_message_t *m = c->msg;

	/* An mbox "From " line is not a header; GMime would stop at it. */
	if (len > 5 && memcmp(p, "From ", 5) == 0) {
		const char *eol = memchr(p, '\n', len);
		size_t skip = eol ? (size_t)(eol - p) + 1 : len;
		p += skip;
		len -= skip;
	}
	if (headers_read(m, p, len, c->lim, c->opts) != 0)
		c->oom = true;
	message_mime(c, p, len);
	message_finish_text(c);
}

emg_status_t
message_parse(const void *data, size_t len, const emg_limits_t *lim,
              magic_t magic, emg_message_t **out)
{
	emg_limits_t deflim;
	emg_message_t *m;

	if (out == NULL || (data == NULL && len > 0))
		return EMG_EINVAL;
	*out = NULL;
	message_init_once();
	if (lim == NULL) {
		limits_default(&deflim);
		lim = &deflim;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return EMG_ENOMEM;
	message_ctx_t c = {.msg = m, .lim = lim, .magic = magic};
	c.depth_limit = MIN(lim->mime_depth, MESSAGE_DEPTH_CAP);
	c.data_budget = lim->message_size > SIZE_MAX / 2 ? SIZE_MAX :
	                                                    2 * lim->message_size;
	if (len > lim->message_size) {
		message_problem(&c, "LimitMessageSize %zu exceeded (size %zu)",
		                lim->message_size, len);
		len = lim->message_size;
	}
	const char *p = data ? data : "";
	char *copy = message_cr_only(p, len);
	c.opts = message_options_new(&c);
	c.text = g_string_new(NULL);
	message_parse_all(&c, copy ? copy : p, len);
	g_string_free(c.text, TRUE);
	g_mime_parser_options_free(c.opts);
	free(copy);
	if (c.oom) {
		message_free(m);
		return EMG_ENOMEM;
	}
	*out = m;
	return EMG_OK;
}

void
message_free(emg_message_t *msg)
{
	if (msg == NULL)
		return;
	headers_free(msg);
	free(msg->text);
	for (size_t i = 0; i < msg->n_attachments; i++)
		attachment_free(msg->attachments[i]);
	free(msg->attachments);
	strlist_free(&msg->problems);
	free(msg);
}
