/*
 * rtf.c - OLE objects and DDE fields of RTF documents (see rtf.h).
 *
 * Control words are read with CR, LF, TAB and NUL dropped, since Word
 * ignores them even inside a word ("\obj\r\nect").  The hex of \objdata is
 * decoded laxly as Word does: white space, control words and nested
 * groups are skipped.  What it decodes to is an OLE 1.0 object: a header
 * naming the class, then the native data, which for a Package is the
 * Ole10Native layout that oleobj.c parses.  \fldinst groups are read with
 * a second cursor for DDE instructions, so that the object scan sees every
 * byte exactly as before.
 *
 * Bounds: RTF_OBJDATA_MAX decoded bytes per \objdata (more only when the
 * caller asks for more payload), RTF_MAX_OBJECTS objects decoded, a fixed
 * number of \fldinst groups of a fixed length; every loop moves forward.
 */
#include "rtf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "oleobj.h"

/* \objdata decoded however much payload the caller wants kept. */
#define RTF_OBJDATA_HARD (64u * 1024u * 1024u)
/* Class names listed. */
#define RTF_CLASSES_MAX 16
/* DDE instructions kept, bytes kept of each, \fldinst groups read and
 * bytes read of each. */
#define RTF_DDE_MAX 16
#define RTF_DDE_LEN 200
#define RTF_FLDINST_MAX 1024
#define RTF_FLDINST_SCAN 4096
/* The OLE 1.0 FormatID of an embedded (not linked) object. */
#define RTF_OLE1_EMBEDDED 2

/* One scan. */
typedef struct rtf_state {
	rtf_result_t *r;
	size_t data_left; /* payload bytes still to keep */
	unsigned decoded; /* \objdata groups decoded at the cursor */
	unsigned fldinst; /* \fldinst groups read */
	emg_status_t st;
} rtf_state_t;

bool
rtf_is_rtf(const uint8_t *d, size_t n)
{
	return d != NULL && n >= 4 && memcmp(d, "{\\rt", 4) == 0;
}

/* True when H (N bytes) holds NEEDLE (ASCII, lowercase) in any case. */
static bool
rtf_has(const uint8_t *h, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; m > 0 && i + m <= n; i++)
		if (tolower(h[i]) == needle[0] &&
		    strncasecmp((const char *)h + i, needle, m) == 0)
			return true;
	return false;
}

/* The next byte of P at or after *I that Word does not ignore (CR, LF,
 * TAB and NUL are skipped), or -1 at the end. */
static int
rtf_byte(const uint8_t *p, size_t n, size_t *i)
{
	while (*i < n && (p[*i] == '\r' || p[*i] == '\n' || p[*i] == '\t' ||
	                  p[*i] == '\0'))
		(*i)++;
	return *i < n ? p[*i] : -1;
}

/* Read the control word after the backslash at P[*I] into WORD; *I ends
 * after its optional numeric parameter and delimiting space. */
static void
rtf_word(const uint8_t *p, size_t n, size_t *i, char *word, size_t wordlen)
{
	size_t k = 0;
	int c;

	(*i)++;
	while ((c = rtf_byte(p, n, i)) >= 0 && isalpha(c)) {
		if (k + 1 < wordlen)
			word[k++] = (char)c;
		(*i)++;
	}
	word[k] = '\0';
	if (k == 0) {
		if (c >= 0)
			(*i)++; /* a control symbol such as \* or \' */
		return;
	}
	if (c == '-')
		(*i)++;
	while ((c = rtf_byte(p, n, i)) >= 0 && isdigit(c))
		(*i)++;
	if (c == ' ')
		(*i)++;
}

/* Class names of the Equation Editor, and its CLSID as stored. */
static bool
rtf_equation_in(const uint8_t *d, size_t n)
{
	static const uint8_t clsid[16] = {0x02, 0xce, 0x02, 0x00, 0x00, 0x00,
	                                  0x00, 0x00, 0xc0, 0x00, 0x00, 0x00,
	                                  0x00, 0x00, 0x00, 0x46};

	return rtf_has(d, n, "equation.3") || rtf_has(d, n, "equation.2") ||
	       rtf_has(d, n, "eqnedt32") ||
	       (n >= 16 && memmem(d, n, clsid, sizeof(clsid)) != NULL);
}

/* ---- objects ------------------------------------------------------------- */

/* A u32 at *AT of D (N bytes), moving *AT past it. */
static bool
rtf_u32(const uint8_t *d, size_t n, size_t *at, uint32_t *v)
{
	if (n - *at < 4)
		return false;
	*v = (uint32_t)d[*at] | ((uint32_t)d[*at + 1] << 8) |
	     ((uint32_t)d[*at + 2] << 16) | ((uint32_t)d[*at + 3] << 24);
	*at += 4;
	return true;
}

/* A length-prefixed ANSI string at *AT: its bytes in *S, *LEN. */
static bool
rtf_lpstr(const uint8_t *d, size_t n, size_t *at, const uint8_t **s,
          size_t *len)
{
	uint32_t v;

	if (!rtf_u32(d, n, at, &v) || v > n - *at)
		return false;
	*s = d + *at;
	*len = strnlen((const char *)*s, v);
	*at += v;
	return true;
}

/* A copy of LEN bytes of S as printable ASCII ('?' for the rest). */
static char *
rtf_printable(const uint8_t *s, size_t len)
{
	char *c = malloc(len + 1);

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		c[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	c[len] = '\0';
	return c;
}

/* Keep LEN bytes at D as O's data, as much as the budget allows. */
static emg_status_t
rtf_keep(rtf_state_t *st, rtf_object_t *o, const uint8_t *d, size_t len)
{
	size_t keep = len < st->data_left ? len : st->data_left;

	if (keep < len)
		o->truncated = true;
	if (keep == 0)
		return EMG_OK;
	if ((o->data = malloc(keep)) == NULL)
		return EMG_ENOMEM;
	memcpy(o->data, d, keep);
	o->len = keep;
	st->data_left -= keep;
	return EMG_OK;
}

/* Describe the decoded \objdata D (N bytes; CUT when the decoding stopped
 * at its bound) as the next object: MS-OLEDS 2.2.4 ObjectHeader (u32
 * version, u32 format, class name, and for an embedded object topic and
 * item names, u32 size, native data).  Bytes that are no OLE 1.0 object
 * are kept as they are. */
static emg_status_t
rtf_describe(rtf_state_t *st, const uint8_t *d, size_t n, bool cut)
{
	rtf_object_t *o = &st->r->objects[st->r->n_described++];
	const uint8_t *s;
	size_t at = 4, slen, off, len;
	uint32_t format, size;
	char why[96];

	o->truncated = cut;
	if (n < at || !rtf_u32(d, n, &at, &format) ||
	    !rtf_lpstr(d, n, &at, &s, &slen))
		return rtf_keep(st, o, d, n);
	if ((o->class_name = rtf_printable(s, slen)) == NULL)
		return EMG_ENOMEM;
	if (format != RTF_OLE1_EMBEDDED || !rtf_lpstr(d, n, &at, &s, &slen) ||
	    !rtf_lpstr(d, n, &at, &s, &slen))
		return EMG_OK;
	size_t native = at; /* the size field: Ole10Native starts with it */
	if (!rtf_u32(d, n, &at, &size))
		return EMG_OK;
	if (size > n - at) {
		o->truncated = true;
		size = (uint32_t)(n - at);
	}
	if (strcasecmp(o->class_name, "Package") != 0)
		return rtf_keep(st, o, d + at, size);
	emg_status_t pst =
	    oleobj_parse_native(d + native, n - native, &o->file_name, &off,
	                        &len, why, sizeof(why));
	if (pst == EMG_ENOMEM)
		return pst;
	if (pst != EMG_OK)
		o->truncated = true;
	return rtf_keep(st, o, d + native + off, len);
}

/* Decode the hex of the \objdata group from P[*I] laxly, as Word does:
 * white space, control words and nested groups are skipped.  Notes the
 * class names inside (an OLE 1.0 header names the class in ASCII) and
 * describes the object when there is room. */
static void
rtf_objdata(const uint8_t *p, size_t n, size_t *i, rtf_state_t *st)
{
	rtf_result_t *r = st->r;
	size_t cap = RTF_OBJDATA_MAX, len = 0, depth = 1;
	int hi = -1;

	if (st->data_left > cap)
		cap = st->data_left < RTF_OBJDATA_HARD ? st->data_left
		                                       : RTF_OBJDATA_HARD;
	/* Two hex digits a byte: the rest of the document bounds it too. */
	if (cap > (n - *i) / 2 + 1)
		cap = (n - *i) / 2 + 1;
	uint8_t *out = malloc(cap);
	if (out == NULL) {
		st->st = EMG_ENOMEM;
		return;
	}
	while (*i < n && depth > 0 && len < cap) {
		uint8_t c = p[*i];
		int v = bytes_hexval(c);

		if (c == '{' || c == '}') {
			depth += c == '{' ? 1 : -1;
		} else if (c == '\\') {
			char word[32];

			rtf_word(p, n, i, word, sizeof(word));
			continue;
		} else if (v >= 0 && depth > 1) {
			/* Inside a nested group ({\*\junk 41}): Word skips
			 * it, and so do we. */
		} else if (v >= 0 && hi < 0) {
			hi = v;
		} else if (v >= 0) {
			out[len++] = (uint8_t)(hi * 16 + v);
			hi = -1;
		}
		(*i)++;
	}
	if (rtf_equation_in(out, len))
		r->equation = true;
	if (rtf_has(out, len, "package"))
		r->package = true;
	if (r->n_described < RTF_MAX_OBJECTS && st->st == EMG_OK)
		st->st = rtf_describe(st, out, len, len == cap && depth > 0);
	free(out);
}

/* The text of the \objclass destination at P[*I], up to its group end,
 * into BUF (printable ASCII); returns its length. */
static size_t
rtf_class_text(const uint8_t *p, size_t n, size_t *i, char *buf, size_t cap)
{
	size_t k = 0;

	rtf_byte(p, n, i);
	while (*i < n && p[*i] != '}' && p[*i] != '{' && p[*i] != '\\' &&
	       k + 1 < cap) {
		if (p[*i] > 0x20 && p[*i] < 0x7f)
			buf[k++] = (char)p[*i];
		(*i)++;
	}
	buf[k] = '\0';
	return k;
}

/* An \objclass at P[*I]: the first one sets the class and moves *I past
 * its text; every one is listed. */
static void
rtf_objclass(const uint8_t *p, size_t n, size_t *i, rtf_state_t *st)
{
	rtf_result_t *r = st->r;
	char cls[RTF_CLASS_MAX];
	size_t j = *i, k;

	if (r->cls[0] == '\0') {
		k = rtf_class_text(p, n, i, r->cls, sizeof(r->cls));
		if (rtf_equation_in((const uint8_t *)r->cls, k))
			r->equation = true;
		if (strncasecmp(r->cls, "package", 7) == 0)
			r->package = true;
	}
	k = rtf_class_text(p, n, &j, cls, sizeof(cls));
	if (k > 0 && r->classes.n < RTF_CLASSES_MAX &&
	    !strlist_has_nocase(&r->classes, cls) &&
	    strlist_add(&r->classes, cls, k) != 0)
		st->st = EMG_ENOMEM;
}

/* ---- fields -------------------------------------------------------------- */

/* Add C to BUF (*K bytes of CAP) when it is printable; other bytes of
 * 8-bit text are '?'. */
static void
rtf_text_put(char *buf, size_t cap, size_t *k, int c)
{
	if (c < 0x20 || c == 0x7f || *k + 1 >= cap)
		return;
	buf[(*k)++] = c < 0x80 ? (char)c : '?';
}

/* The text of the \fldinst destination whose group is open at P[I] (nested
 * groups included, control words left out) into BUF.  Reads a copy of
 * the cursor: the object scan still sees every byte. */
static void
rtf_fldinst_text(const uint8_t *p, size_t n, size_t i, char *buf, size_t cap)
{
	size_t k = 0, end = n - i > RTF_FLDINST_SCAN ? i + RTF_FLDINST_SCAN : n;
	unsigned depth = 1;
	char word[33];

	while (i < end && depth > 0) {
		uint8_t c = p[i];
		if (c == '{' || c == '}') {
			depth += c == '{' ? 1 : -1;
			i++;
		} else if (c != '\\') {
			rtf_text_put(buf, cap, &k, c);
			i++;
		} else if (i + 1 < end &&
		           (p[i + 1] == '\\' || p[i + 1] == '{' ||
		            p[i + 1] == '}')) {
			rtf_text_put(buf, cap, &k, p[i + 1]);
			i += 2;
		} else if (i + 3 < end && p[i + 1] == '\'' &&
		           bytes_hexval(p[i + 2]) >= 0 &&
		           bytes_hexval(p[i + 3]) >= 0) {
			rtf_text_put(buf, cap, &k,
			             bytes_hexval(p[i + 2]) * 16 +
			                 bytes_hexval(p[i + 3]));
			i += 4;
		} else {
			rtf_word(p, end, &i, word, sizeof(word));
		}
	}
	buf[k] = '\0';
}

/* A \fldinst at P[I]: a DDE or DDEAUTO instruction is kept. */
static void
rtf_fldinst(const uint8_t *p, size_t n, size_t i, rtf_state_t *st)
{
	emg_strlist_t *dde = &st->r->dde;
	char ins[RTF_DDE_LEN + 1];

	if (st->fldinst >= RTF_FLDINST_MAX || dde->n >= RTF_DDE_MAX)
		return;
	st->fldinst++;
	rtf_fldinst_text(p, n, i, ins, sizeof(ins));
	if (!oleobj_is_dde(ins))
		return;
	const char *s = ins + strspn(ins, " ");
	size_t len = strlen(s);
	while (len > 0 && s[len - 1] == ' ')
		len--;
	for (size_t k = 0; k < dde->n; k++)
		if (strlen(dde->v[k]) == len && memcmp(dde->v[k], s, len) == 0)
			return;
	if (strlist_add(dde, s, len) != 0)
		st->st = EMG_ENOMEM;
}

/* ---- the scan ------------------------------------------------------------ */

emg_status_t
rtf_scan(const uint8_t *p, size_t n, size_t max_data, rtf_result_t *out)
{
	rtf_state_t st = {out, max_data, 0, 0, EMG_OK};
	size_t i = 0;
	char word[33];

	if (out == NULL)
		return EMG_EINVAL;
	memset(out, 0, sizeof(*out));
	if (p == NULL && n > 0)
		return EMG_EINVAL;
	/* Every round moves I forward: rtf_word always does. */
	while (i < n && st.st == EMG_OK) {
		if (p[i] != '\\') {
			i++;
			continue;
		}
		rtf_word(p, n, &i, word, sizeof(word));
		if (strcmp(word, "object") == 0) {
			out->object = true;
		} else if (strcmp(word, "objupdate") == 0) {
			out->objupdate = true;
		} else if (strcmp(word, "objautlink") == 0) {
			out->objautlink = true;
		} else if (strcmp(word, "objclass") == 0) {
			rtf_objclass(p, n, &i, &st);
		} else if (strcmp(word, "objdata") == 0) {
			out->objdata = true;
			out->n_objects++;
			/* Once the Equation Editor is known the cursor no
			 * longer skips object data; the object is still
			 * described from a copy of it. */
			if (!out->equation && st.decoded++ < RTF_MAX_OBJECTS) {
				rtf_objdata(p, n, &i, &st);
			} else if (out->n_described < RTF_MAX_OBJECTS) {
				size_t j = i;
				rtf_objdata(p, n, &j, &st);
			}
		} else if (strcmp(word, "fldinst") == 0) {
			rtf_fldinst(p, n, i, &st);
		}
	}
	return st.st;
}

void
rtf_result_free(rtf_result_t *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_described; i++) {
		free(r->objects[i].class_name);
		free(r->objects[i].file_name);
		free(r->objects[i].data);
	}
	strlist_free(&r->classes);
	strlist_free(&r->dde);
	memset(r, 0, sizeof(*r));
}
