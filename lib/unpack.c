/*
 * unpack.c - the archive reader's API: choose a back end from the MIME
 * type, keep the member list, decode member names, and enforce the limits
 * on every chunk that goes to the caller's sink.
 *
 * Relies on unpack_zip.c (libzip) and unpack_la.c (libarchive) for the
 * formats, and on ICU (ucnv) to decode CP932 names.  Nothing here touches
 * the file system.  Failure modes: EMG_EPARSE with a reason for data that
 * is not a readable archive, EMG_ENOMEM; a limit is a result, not a crash.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/utypes.h>

#include "unpack_int.h"

void unpack_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* ---- names -------------------------------------------------------------- */

static bool unpack_valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return false;
		if (len - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

char *unpack_name_utf8(const char *raw, size_t len)
{
	UErrorCode st = U_ZERO_ERROR;
	char *out;
	size_t cap;
	int32_t n;

	if (raw == NULL)
		raw = "";
	if (len > UNPACK_NAME_MAX)
		len = UNPACK_NAME_MAX;
	if (unpack_valid_utf8((const unsigned char *)raw, len))
		return strndup(raw, len);
	/* Japanese Windows writes ZIP and LZH names in CP932 without the
	 * UTF-8 flag.  One CP932 byte never becomes more than 3 UTF-8 bytes
	 * (U+FFFD for a bad byte included). */
	cap = len * 3 + 1;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	n = ucnv_convert("UTF-8", "windows-31j", out, (int32_t)cap, raw,
	                 (int32_t)len, &st);
	if (U_FAILURE(st) || n < 0 || (size_t)n >= cap) {
		/* No converter data: keep ASCII, mark the rest. */
		size_t o = 0;
		for (size_t i = 0; i < len && o + 1 < cap; i++)
			out[o++] = (unsigned char)raw[i] < 0x80 ? raw[i] : '?';
		out[o] = '\0';
		return out;
	}
	out[n] = '\0';
	return out;
}

/* A path component equal to "..". */
static bool unpack_has_dotdot(const char *p)
{
	const char *c = p;

	for (;;) {
		size_t k = strcspn(c, "/\\");
		if (k == 2 && c[0] == '.' && c[1] == '.')
			return true;
		if (c[k] == '\0')
			return false;
		c += k + 1;
	}
}

bool unpack_name_unsafe(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return true;
	if (name[0] == '/' || name[0] == '\\')
		return true;
	if (((name[0] >= 'A' && name[0] <= 'Z') ||
	     (name[0] >= 'a' && name[0] <= 'z')) && name[1] == ':')
		return true;
	return unpack_has_dotdot(name);
}

/* ---- member list -------------------------------------------------------- */

bool unpack_full(const unpack_t *u)
{
	size_t cap = u->lim.max_files != 0 ? u->lim.max_files
	                                   : UNPACK_HARD_FILES;

	return u->n >= cap;
}

emg_status_t unpack_add(unpack_t *u, unpack_member_t *m)
{
	if (u->n == u->cap) {
		size_t ncap = u->cap == 0 ? 16 : u->cap * 2;
		unpack_member_t *nm;

		if (ncap > SIZE_MAX / sizeof(*nm)) {
			free(m->name);
			return EMG_ENOMEM;
		}
		nm = realloc(u->m, ncap * sizeof(*nm));
		if (nm == NULL) {
			free(m->name);
			return EMG_ENOMEM;
		}
		u->m = nm;
		u->cap = ncap;
	}
	m->unsafe_name = unpack_name_unsafe(m->name);
	u->m[u->n++] = *m;
	return EMG_OK;
}

/* ---- limits --------------------------------------------------------------- */

bool unpack_deliver(unpack_stream_t *s, const uint8_t *buf, size_t n)
{
	unpack_t *u = s->u;
	bool cut = false;
	uint64_t cin;

	if (u->lim.max_bytes != 0) {
		uint64_t room = u->total_out >= u->lim.max_bytes
		                        ? 0
		                        : u->lim.max_bytes - u->total_out;
		if ((uint64_t)n > room) {
			/* Give the sink the head up to the limit: the
			 * walker scans what it got (padded documents). */
			n = (size_t)room;
			cut = true;
		}
	}
	if (n > 0 && s->sink(s->ctx, buf, n) != 0) {
		s->result = UNPACK_RESULT_STOPPED;
		return false;
	}
	s->out += n;
	u->total_out += n;
	if (cut) {
		s->result = UNPACK_RESULT_LIMIT_BYTES;
		return false;
	}
	cin = s->cin != 0 ? s->cin : 1;
	if (u->lim.max_ratio != 0 && s->out > u->lim.ratio_floor &&
	    s->out / cin >= u->lim.max_ratio) {
		s->result = UNPACK_RESULT_LIMIT_RATIO;
		return false;
	}
	return true;
}

emg_status_t unpack_status(unpack_result_t r)
{
	switch (r) {
	case UNPACK_RESULT_OK:
	case UNPACK_RESULT_STOPPED:
	case UNPACK_RESULT_BAD_PASSWORD:
	case UNPACK_RESULT_UNSUPPORTED:
		return EMG_OK;
	case UNPACK_RESULT_LIMIT_BYTES:
	case UNPACK_RESULT_LIMIT_RATIO:
		return EMG_ELIMIT;
	case UNPACK_RESULT_CORRUPT:
	default:
		return EMG_EPARSE;
	}
}

const char *unpack_result_name(unpack_result_t r)
{
	switch (r) {
	case UNPACK_RESULT_OK:
		return "ok";
	case UNPACK_RESULT_STOPPED:
		return "stopped";
	case UNPACK_RESULT_BAD_PASSWORD:
		return "bad password";
	case UNPACK_RESULT_CORRUPT:
		return "corrupt";
	case UNPACK_RESULT_LIMIT_BYTES:
		return "limit: bytes";
	case UNPACK_RESULT_LIMIT_RATIO:
		return "limit: ratio";
	case UNPACK_RESULT_UNSUPPORTED:
		return "encryption not supported";
	}
	return "unknown";
}

/* ---- API ------------------------------------------------------------------ */

/* ZIP by its first bytes when the MIME type does not say. */
static bool unpack_sniff_zip(const uint8_t *d, size_t len)
{
	return len >= 4 && d[0] == 'P' && d[1] == 'K' &&
	       ((d[2] == 3 && d[3] == 4) || (d[2] == 5 && d[3] == 6) ||
	        (d[2] == 7 && d[3] == 8));
}

static bool unpack_mime_zip(const char *mime)
{
	return mime != NULL && (strcmp(mime, "application/zip") == 0 ||
	                        strcmp(mime, "application/x-zip-compressed") == 0 ||
	                        strcmp(mime, "application/x-zip") == 0);
}

/* Open with libzip; a ZIP that libzip refuses (no central directory,
 * truncated, split) still lists through libarchive's local headers. */
static emg_status_t unpack_open_zip(unpack_t *u, char *why, size_t whylen)
{
	char zwhy[256] = "";
	emg_status_t st = unpack_zip_open(u, zwhy, sizeof(zwhy));

	if (st != EMG_EPARSE) {
		if (zwhy[0] != '\0')
			unpack_why(why, whylen, "%s", zwhy);
		return st;
	}
	unpack_zip_close(u);
	st = unpack_la_open(u, UNPACK_LA_ZIP, why, whylen);
	if (st == EMG_OK && u->n > 0) {
		u->truncated = true;
		unpack_why(why, whylen, "zip: %s; read from local headers",
		           zwhy);
		return EMG_OK;
	}
	unpack_why(why, whylen, "zip: %s", zwhy);
	return EMG_EPARSE;
}

emg_status_t unpack_open(const uint8_t *data, size_t len, const char *format,
                         const unpack_limits_t *lim, unpack_t **out, char *why,
                         size_t whylen)
{
	unpack_t *u;
	emg_status_t st;
	bool is_la = false;
	unsigned formats;

	if (out == NULL || (data == NULL && len > 0))
		return EMG_EINVAL;
	*out = NULL;
	unpack_why(why, whylen, "%s", "");
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return EMG_ENOMEM;
	u->buf = malloc(UNPACK_BUFSIZE);
	if (u->buf == NULL) {
		free(u);
		return EMG_ENOMEM;
	}
	u->data = data;
	u->len = len;
	if (lim != NULL)
		u->lim = *lim;
	formats = unpack_la_formats(format, &is_la);
	if (unpack_mime_zip(format) || (!is_la && unpack_sniff_zip(data, len)))
		st = unpack_open_zip(u, why, whylen);
	else
		st = unpack_la_open(u, formats, why, whylen);
	if (st != EMG_OK) {
		unpack_close(u);
		return st;
	}
	*out = u;
	return EMG_OK;
}

size_t unpack_count(const unpack_t *u)
{
	return u != NULL ? u->n : 0;
}

const unpack_member_t *unpack_member(const unpack_t *u, size_t i)
{
	return u != NULL && i < u->n ? &u->m[i] : NULL;
}

const char *unpack_format(const unpack_t *u)
{
	return u != NULL && u->format_name != NULL ? u->format_name : "unknown";
}

bool unpack_truncated(const unpack_t *u)
{
	return u != NULL && u->truncated;
}

bool unpack_headers_encrypted(const unpack_t *u)
{
	return u != NULL && u->hdr_enc;
}

emg_status_t unpack_read(unpack_t *u, size_t i, const char *password,
                         unpack_sink_fn sink, void *ctx,
                         unpack_result_t *result, char *why, size_t whylen)
{
	unpack_stream_t s;
	emg_status_t st;

	unpack_why(why, whylen, "%s", "");
	if (result != NULL)
		*result = UNPACK_RESULT_CORRUPT;
	if (u == NULL || sink == NULL || result == NULL || i >= u->n)
		return EMG_EINVAL;
	memset(&s, 0, sizeof(s));
	s.u = u;
	s.sink = sink;
	s.ctx = ctx;
	s.result = UNPACK_RESULT_OK;
	if (u->kind == UNPACK_KIND_ZIP)
		st = unpack_zip_read(u, i, password, &s, why, whylen);
	else
		st = unpack_la_read(u, i, password, &s, why, whylen);
	*result = s.result;
	if (st == EMG_ENOMEM)
		return st;
	if (s.result == UNPACK_RESULT_LIMIT_BYTES)
		unpack_why(why, whylen, "total bytes over %llu",
		           (unsigned long long)u->lim.max_bytes);
	else if (s.result == UNPACK_RESULT_LIMIT_RATIO)
		unpack_why(why, whylen, "compression ratio over %u",
		           u->lim.max_ratio);
	return unpack_status(s.result);
}

bool unpack_password_ok(unpack_t *u, size_t i, const char *password)
{
	if (u == NULL || i >= u->n)
		return false;
	if (!u->m[i].encrypted)
		return true;
	if (u->kind == UNPACK_KIND_ZIP)
		return unpack_zip_password_ok(u, i, password);
	return unpack_la_password_ok(u, i, password);
}

void unpack_close(unpack_t *u)
{
	if (u == NULL)
		return;
	unpack_zip_close(u);
	unpack_la_close(u);
	for (size_t i = 0; i < u->n; i++)
		free(u->m[i].name);
	free(u->m);
	free(u->buf);
	free(u);
}
