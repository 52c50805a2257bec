/*
 * form.c - the fields of a POST form, decoded by libmicrohttpd's post
 * processor (application/x-www-form-urlencoded and multipart/form-data)
 * into a bounded table that web_form() reads.
 *
 * emguard-web used to split and percent-decode the body itself; the
 * library already does that, for both encodings browsers send, and is
 * fuzzed upstream.  What is ours is the table:
 *  - the body is whole when it is parsed (server.c collects at most
 *    WEB_BODY_MAX bytes), and a field never decodes to more bytes than it
 *    took, so the table's text is bounded by the body's length;
 *  - at most FORM_FIELDS fields are kept; our forms have four;
 *  - a file part (multipart with a filename) is skipped: no page takes
 *    uploads;
 *  - a body the processor rejects, or the wrong content type, gives no
 *    fields at all, so a half-read form cannot pass a CSRF check with the
 *    fields it happened to get;
 *  - the first field of a name wins, as before, and a value holding a NUL
 *    byte (%00) is refused rather than cut short.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define FORM_FIELDS 16
/* libmicrohttpd's working buffer; a longer field name is an error. */
#define FORM_PP_BUFFER 1024

typedef struct form_field {
	size_t key;   /* offset of the NUL-terminated name in text */
	size_t value; /* offset of the value in text */
	size_t len;   /* its length; a NUL follows it */
} form_field_t;

struct web_form {
	form_field_t field[FORM_FIELDS];
	size_t n;
	bool skipping; /* the current part is a file or past FORM_FIELDS */
	bool broken;   /* the text did not fit: drop everything */
	size_t cap;
	char text[];
};

/* Append N bytes of DATA at *AT in F's text; false when they do not fit
 * (which the bound above says cannot happen). */
static bool
form_put(web_form_t *f, size_t *at, const char *data, size_t n)
{
	if (n >= f->cap - *at) /* room for the bytes and a NUL */
		return false;
	memcpy(f->text + *at, data, n);
	*at += n;
	f->text[*at] = '\0';
	return true;
}

static enum MHD_Result
form_field(void *cls, enum MHD_ValueKind kind, const char *key,
           const char *filename, const char *content_type,
           const char *transfer_encoding, const char *data, uint64_t off,
           size_t size)
{
	web_form_t *f = cls;
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (key == NULL)
		return MHD_YES;
	if (off == 0) { /* a new field; later calls continue its value */
		f->skipping = filename != NULL || f->n == FORM_FIELDS;
		if (f->skipping)
			return MHD_YES;
		size_t at = 0;
		if (f->n > 0) {
			const form_field_t *last = &f->field[f->n - 1];
			at = last->value + last->len + 1;
		}
		form_field_t *nf = &f->field[f->n];
		nf->key = at;
		if (!form_put(f, &at, key, strlen(key)))
			goto overflow;
		nf->value = ++at;
		nf->len = 0;
		f->n++;
	}
	if (f->skipping || f->n == 0 || size == 0)
		return MHD_YES;
	form_field_t *cur = &f->field[f->n - 1];
	size_t at = cur->value + cur->len;
	if (!form_put(f, &at, data, size))
		goto overflow;
	cur->len += size;
	return MHD_YES;
overflow:
	f->broken = true;
	return MHD_NO;
}

bool
web_form_parse(web_req_t *r)
{
	web_form_free(r);
	if (r->body_len == 0)
		return true;
	/* every name and value at most its encoded size, each with a NUL */
	size_t cap = r->body_len + 2 * FORM_FIELDS + 2;
	web_form_t *f = calloc(1, sizeof(*f) + cap);
	if (f == NULL)
		return false;
	f->cap = cap;
	struct MHD_PostProcessor *pp =
	    MHD_create_post_processor(r->conn, FORM_PP_BUFFER, form_field, f);
	bool ok = pp != NULL; /* NULL: not a form's content type */
	if (ok)
		ok = MHD_post_process(pp, r->body, r->body_len) == MHD_YES;
	/* the last urlencoded value may only arrive here */
	if (pp != NULL && MHD_destroy_post_processor(pp) != MHD_YES)
		ok = false;
	if (!ok || f->broken)
		f->n = 0;
	r->form = f;
	return true;
}

void
web_form_free(web_req_t *r)
{
	if (r->form == NULL)
		return;
	OPENSSL_cleanse(r->form, sizeof(*r->form) + r->form->cap);
	free(r->form);
	r->form = NULL;
}

bool
web_form_present(const web_req_t *r, const char *name)
{
	const web_form_t *f = r->form;
	for (size_t i = 0; f != NULL && i < f->n; i++)
		if (strcmp(f->text + f->field[i].key, name) == 0)
			return true;
	return false;
}

bool
web_form(const web_req_t *r, const char *name, char *out, size_t outlen)
{
	const web_form_t *f = r->form;
	if (f == NULL || outlen == 0)
		return false;
	for (size_t i = 0; i < f->n; i++) {
		const form_field_t *ff = &f->field[i];
		if (strcmp(f->text + ff->key, name) != 0)
			continue;
		const char *v = f->text + ff->value;
		if (ff->len >= outlen || memchr(v, '\0', ff->len) != NULL)
			return false;
		memcpy(out, v, ff->len);
		out[ff->len] = '\0';
		return true;
	}
	return false;
}
