/*
 * oleobj.c - embedded files of OLE2 Office documents (see oleobj.h).
 *
 * Embedded files sit in three kinds of stream, all read through ole.h:
 * "\x01Ole10Native" (an OLE Package: a file with its label and paths, the
 * way lures carry .lnk, .js and .exe files), "Package" (an OOXML document)
 * and "CONTENTS" (a PDF and the like), the last two only inside an object's
 * storage so that a document's own streams are never taken for objects.
 * PowerPoint 97-2003 keeps each object's storage instead in an ExOleObjStg
 * record of its document stream, usually zlib-compressed: those come back
 * as compound files of their own for the caller to open: that record
 * walk is in oleobj_ppt.c.  Word's DDE fields (oleobj_word_dde,
 * oleobj_is_dde) are found in oleobj_dde.c.
 *
 * Every length in these structures is the sender's: each is checked
 * against the bytes really there, a bad one becomes a line in the list's
 * problems and what could be read is kept, since a truncated payload is
 * still worth judging.  Names are decoded with ICU (UTF-16LE when Office
 * wrote the Unicode copy, else CP932 when the bytes are valid CP932, the
 * usual case for Japanese senders, else Windows-1252) and never hold
 * control characters or path separators.  Relies on ole.h and ICU.
 */
#include "oleobj.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

/* Bytes of a file name kept (UTF-8). */
#define OLEOBJ_NAME_MAX 255
/* Bytes of an Ole10Native stream read besides its data: labels and paths
 * are short, so a larger header is padding meant to exhaust us. */
#define OLEOBJ_NATIVE_SLACK (64u * 1024u)
/* Problems kept per list: a few tell a person all there is to know. */
#define OLEOBJ_PROBLEMS_MAX 32

uint32_t
oleobj_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* Add a problem to L (at most OLEOBJ_PROBLEMS_MAX).  EMG_OK or
 * EMG_ENOMEM. */
emg_status_t
oleobj_problem(oleobj_list_t *l, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (l->problems.n >= OLEOBJ_PROBLEMS_MAX)
		return EMG_OK;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strlist_add(&l->problems, buf, (size_t)-1) == 0 ? EMG_OK
	                                                       : EMG_ENOMEM;
}

/* Set WHY and return EMG_EPARSE. */
static emg_status_t __attribute__((format(printf, 3, 4)))
oleobj_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return EMG_EPARSE;
}

/* PATH with control bytes written as \xNN, as stream names such as
 * "\x01Ole10Native" are shown to people.  NULL when out of memory. */
static char *
oleobj_shown(const char *path)
{
	size_t len = strlen(path);
	char *s = malloc(len * 4 + 1);
	size_t o = 0;

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c < 0x20 || c == 0x7f)
			o += (size_t)sprintf(s + o, "\\x%02x", c);
		else
			s[o++] = (char)c;
	}
	s[o] = '\0';
	return s;
}

/* ---- names --------------------------------------------------------------- */

/* Make S (LEN bytes of UTF-8, in a buffer of LEN + 1) a safe name in place:
 * control characters become '_', and it is cut to OLEOBJ_NAME_MAX bytes on
 * a character start. */
static void
oleobj_name_clean(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '_';
	if (len > OLEOBJ_NAME_MAX) {
		len = OLEOBJ_NAME_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	s[len] = '\0';
}

/* LEN bytes at P with every byte outside ASCII as '?': the fallback when
 * ICU has no converter for the code page. */
static char *
oleobj_ascii(const uint8_t *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		s[i] = p[i] < 0x80 ? (char)p[i] : '?';
	oleobj_name_clean(s, len);
	return s;
}

/* LEN bytes at P in ICU's code page FROM as a clean UTF-8 name in *OUT.
 * With STRICT, a byte sequence FROM does not define leaves *OUT NULL
 * (EMG_OK), as does a converter ICU lacks.  EMG_OK or EMG_ENOMEM. */
static emg_status_t
oleobj_decode(const char *from, const uint8_t *p, size_t len, bool strict,
              char **out)
{
	UErrorCode err = U_ZERO_ERROR;
	UConverter *cv;
	UChar *u;
	char *s;
	int32_t ulen, blen = 0;

	*out = NULL;
	/* Two input bytes per character at most matter for a 255-byte name. */
	if (len > 2 * OLEOBJ_NAME_MAX + 2)
		len = 2 * OLEOBJ_NAME_MAX + 2;
	cv = ucnv_open(from, &err);
	if (U_FAILURE(err))
		return EMG_OK;
	if (strict)
		ucnv_setToUCallBack(cv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL,
		                    NULL, &err);
	u = malloc((len + 1) * sizeof(*u));
	if (u == NULL) {
		ucnv_close(cv);
		return EMG_ENOMEM;
	}
	ulen = ucnv_toUChars(cv, u, (int32_t)len + 1, (const char *)p,
	                     (int32_t)len, &err);
	ucnv_close(cv);
	if (U_FAILURE(err) || ulen < 0) {
		free(u);
		return EMG_OK;
	}
	/* A UTF-16 unit never takes more than 3 bytes of UTF-8. */
	s = malloc((size_t)ulen * 3 + 1);
	if (s == NULL) {
		free(u);
		return EMG_ENOMEM;
	}
	u_strToUTF8WithSub(s, ulen * 3 + 1, &blen, u, ulen, 0xFFFD, NULL, &err);
	free(u);
	if (U_FAILURE(err) || blen < 0) {
		free(s);
		return EMG_OK;
	}
	oleobj_name_clean(s, (size_t)blen);
	*out = s;
	return EMG_OK;
}

/* LEN bytes of ANSI text at P as a clean UTF-8 name in *OUT (NULL when
 * LEN is 0).  The code page is not recorded anywhere: valid CP932 is taken
 * as CP932, anything else as Windows-1252. */
static emg_status_t
oleobj_ansi(const uint8_t *p, size_t len, char **out)
{
	bool ascii = true;
	emg_status_t st;

	*out = NULL;
	if (len == 0)
		return EMG_OK;
	for (size_t i = 0; i < len && ascii; i++)
		ascii = p[i] < 0x80;
	if (!ascii) {
		st = oleobj_decode("windows-31j", p, len, true, out);
		if (st == EMG_OK && *out == NULL)
			st = oleobj_decode("windows-1252", p, len, false, out);
		if (st != EMG_OK || *out != NULL)
			return st;
	}
	*out = oleobj_ascii(p, len);
	return *out != NULL ? EMG_OK : EMG_ENOMEM;
}

/* LEN bytes of UTF-16LE at P as a clean UTF-8 name in *OUT (NULL when
 * empty). */
static emg_status_t
oleobj_utf16(const uint8_t *p, size_t len, char **out)
{
	emg_status_t st;

	*out = NULL;
	len &= ~(size_t)1;
	if (len == 0)
		return EMG_OK;
	st = oleobj_decode("UTF-16LE", p, len, false, out);
	if (st == EMG_OK && *out == NULL)
		*out = oleobj_ascii(p, len); /* no ICU data: never happens */
	return st == EMG_OK && *out == NULL ? EMG_ENOMEM : st;
}

/* The last path component of S, in place (S stays the allocation). */
static void
oleobj_basename(char *s)
{
	const char *b = s;

	for (const char *p = s; *p != '\0'; p++)
		if (*p == '\\' || *p == '/')
			b = p + 1;
	memmove(s, b, strlen(b) + 1);
}

/* The extension of NAME after its last dot, or "". */
static const char *
oleobj_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL ? dot + 1 : "";
}

/* ---- Ole10Native --------------------------------------------------------- */

/* A bounded reader over one structure. */
typedef struct oleobj_cur {
	const uint8_t *d;
	size_t n, pos;
} oleobj_cur_t;

static bool
oleobj_cur_u32(oleobj_cur_t *c, uint32_t *v)
{
	if (c->n - c->pos < 4)
		return false;
	*v = oleobj_u32(c->d + c->pos);
	c->pos += 4;
	return true;
}

/* LEN bytes at the cursor into *S. */
static bool
oleobj_cur_take(oleobj_cur_t *c, size_t len, const uint8_t **s)
{
	if (len > c->n - c->pos)
		return false;
	*s = c->d + c->pos;
	c->pos += len;
	return true;
}

/* A NUL-terminated string at the cursor: *S and its LEN without the NUL. */
static bool
oleobj_cur_sz(oleobj_cur_t *c, const uint8_t **s, size_t *len)
{
	const uint8_t *nul = memchr(c->d + c->pos, 0, c->n - c->pos);

	if (nul == NULL)
		return false;
	*s = c->d + c->pos;
	*len = (size_t)(nul - *s);
	c->pos += *len + 1;
	return true;
}

/* A u32 count of UTF-16 units, then the units, into *S and *LEN (bytes,
 * without a final NUL unit). */
static bool
oleobj_cur_wstr(oleobj_cur_t *c, const uint8_t **s, size_t *len)
{
	uint32_t units;

	if (!oleobj_cur_u32(c, &units) || units > (c->n - c->pos) / 2 ||
	    !oleobj_cur_take(c, (size_t)units * 2, s))
		return false;
	*len = (size_t)units * 2;
	while (*len >= 2 && (*s)[*len - 2] == 0 && (*s)[*len - 1] == 0)
		*len -= 2;
	return true;
}

/* What an Ole10Native stream (MS-OLEDS 2.3.6 and the Packager's de-facto
 * layout) says.  Strings point into the stream and are not terminated. */
typedef struct oleobj_native {
	const uint8_t *label, *path, *temp; /* ANSI */
	size_t label_len, path_len, temp_len;
	const uint8_t *wlabel, *wpath, *wtemp; /* UTF-16LE, optional */
	size_t wlabel_len, wpath_len, wtemp_len;
	bool linked;     /* a link to a file outside: no data */
	size_t off, len; /* the data */
} oleobj_native_t;

/* Parse S (N bytes): u32 size, u16 flags, label, source path (both
 * NUL-terminated), u32 type (3 embedded, 1 linked), u32 length + temp
 * path, u32 length + data, then optionally u32 count + UTF-16LE temp path,
 * label and source path.  The leading size is not trusted: the stream's
 * own size bounds everything.  On EMG_EPARSE NAT->len may still hold the
 * part of the data that is there. */
static emg_status_t
oleobj_native_parse(const uint8_t *s, size_t n, oleobj_native_t *nat, char *why,
                    size_t whylen)
{
	oleobj_cur_t c = {s, n, 0};
	const uint8_t *skip;
	uint32_t v;

	memset(nat, 0, sizeof(*nat));
	if (!oleobj_cur_u32(&c, &v) || !oleobj_cur_take(&c, 2, &skip))
		return oleobj_fail(why, whylen, "shorter than its header");
	if (!oleobj_cur_sz(&c, &nat->label, &nat->label_len))
		return oleobj_fail(why, whylen, "label not terminated");
	if (!oleobj_cur_sz(&c, &nat->path, &nat->path_len))
		return oleobj_fail(why, whylen, "source path not terminated");
	if (!oleobj_cur_u32(&c, &v))
		return oleobj_fail(why, whylen, "no object type");
	if ((v >> 16) == 1) {
		nat->linked = true;
		return oleobj_fail(why, whylen, "a link to a file, no data");
	}
	if (!oleobj_cur_u32(&c, &v) || !oleobj_cur_take(&c, v, &nat->temp))
		return oleobj_fail(why, whylen, "temp path past end of stream");
	nat->temp_len = strnlen((const char *)nat->temp, v);
	if (!oleobj_cur_u32(&c, &v))
		return oleobj_fail(why, whylen, "no data size");
	nat->off = c.pos;
	if (v > n - c.pos) {
		nat->len = n - c.pos;
		return oleobj_fail(why, whylen,
		                   "data size %u past end of stream (%zu bytes "
		                   "there)",
		                   v, nat->len);
	}
	nat->len = v;
	c.pos += v;
	/* Office 2007 and later append Unicode copies of the names. */
	if (oleobj_cur_wstr(&c, &nat->wtemp, &nat->wtemp_len) &&
	    oleobj_cur_wstr(&c, &nat->wlabel, &nat->wlabel_len))
		(void)oleobj_cur_wstr(&c, &nat->wpath, &nat->wpath_len);
	return EMG_OK;
}

/* Decode the Unicode copy W (WLEN bytes) when there is one, else the ANSI
 * A (ALEN bytes), as a base name. */
static emg_status_t
oleobj_native_str(const uint8_t *w, size_t wlen, const uint8_t *a, size_t alen,
                  char **out)
{
	emg_status_t st =
	    wlen > 0 ? oleobj_utf16(w, wlen, out) : oleobj_ansi(a, alen, out);

	if (st == EMG_OK && *out != NULL)
		oleobj_basename(*out);
	if (*out != NULL && (*out)[0] == '\0') {
		free(*out);
		*out = NULL;
	}
	return st;
}

/* The name of NAT's file in *NAME (NULL when it gives none).  The label is
 * only the caption under the icon: the Packager writes the data to the
 * temp path and asks the shell to open that, so when the two disagree on
 * the extension the path's name is the true one (a "report.pdf" caption
 * on a .js file). */
static emg_status_t
oleobj_native_name(const oleobj_native_t *nat, char **name)
{
	char *label = NULL, *file = NULL;
	emg_status_t st;

	*name = NULL;
	st = oleobj_native_str(nat->wlabel, nat->wlabel_len, nat->label,
	                       nat->label_len, &label);
	if (st == EMG_OK)
		st = oleobj_native_str(nat->wtemp, nat->wtemp_len, nat->temp,
		                       nat->temp_len, &file);
	if (st == EMG_OK && file == NULL)
		st = oleobj_native_str(nat->wpath, nat->wpath_len, nat->path,
		                       nat->path_len, &file);
	if (st != EMG_OK) {
		free(label);
		free(file);
		return st;
	}
	if (label == NULL ||
	    (file != NULL &&
	     strcasecmp(oleobj_ext(label), oleobj_ext(file)) != 0)) {
		free(label);
		*name = file;
		return EMG_OK;
	}
	free(file);
	*name = label;
	return EMG_OK;
}

emg_status_t
oleobj_parse_native(const uint8_t *s, size_t n, char **name, size_t *off,
                    size_t *len, char *why, size_t whylen)
{
	oleobj_native_t nat;
	emg_status_t st, nst;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (name == NULL || off == NULL || len == NULL || (s == NULL && n > 0))
		return EMG_EINVAL;
	*name = NULL;
	*off = 0;
	*len = 0;
	st = oleobj_native_parse(s, n, &nat, why, whylen);
	if (nat.off == 0)
		return st; /* nothing located */
	nst = oleobj_native_name(&nat, name);
	if (nst != EMG_OK)
		return nst;
	*off = nat.off;
	*len = nat.len;
	return st;
}

/* ---- the file list ------------------------------------------------------- */

/* Bytes of the files L already holds. */
size_t
oleobj_list_bytes(const oleobj_list_t *l)
{
	size_t sum = 0;

	for (size_t i = 0; i < l->n; i++)
		sum += l->v[i].len;
	return sum;
}

/* Append a file to L: NAME and DATA move into it (freed on failure),
 * SOURCE is copied as shown.  EMG_OK or EMG_ENOMEM. */
emg_status_t
oleobj_list_add(oleobj_list_t *l, char *name, const char *source, uint8_t *data,
                size_t len)
{
	oleobj_file_t *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		oleobj_file_t *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			goto nomem;
		l->v = v;
		l->cap = cap;
	}
	f = &l->v[l->n];
	f->source = oleobj_shown(source);
	if (f->source == NULL)
		goto nomem;
	f->name = name;
	f->data = data;
	f->len = len;
	l->n++;
	return EMG_OK;
nomem:
	free(name);
	free(data);
	return EMG_ENOMEM;
}

void
oleobj_list_free(oleobj_list_t *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].source);
		free(l->v[i].data);
	}
	free(l->v);
	strlist_free(&l->problems);
	memset(l, 0, sizeof(*l));
}

/* ---- compound files ------------------------------------------------------ */

/* One oleobj_extract run. */
typedef struct oleobj_walk {
	ole_file_t *ole;
	oleobj_list_t *out;
	size_t max_files, bytes_left;
	bool root_is_document; /* a .doc/.xls/.ppt, not an object's storage */
	emg_status_t st;
} oleobj_walk_t;

/* The file extension an object's ProgID stands for.  Only what Office
 * embeds as a Package or CONTENTS stream. */
static const struct {
	const char *progid; /* matched as a prefix, case-insensitively */
	const char *ext;
} oleobj_progids[] = {
    {"Word.Document.12", "docx"},
    {"Word.DocumentMacroEnabled.12", "docm"},
    {"Word.Template.12", "dotx"},
    {"Word.TemplateMacroEnabled.12", "dotm"},
    {"Excel.Sheet.12", "xlsx"},
    {"Excel.SheetMacroEnabled.12", "xlsm"},
    {"Excel.SheetBinaryMacroEnabled.12", "xlsb"},
    {"Excel.Template.12", "xltx"},
    {"Excel.TemplateMacroEnabled.12", "xltm"},
    {"PowerPoint.Show.12", "pptx"},
    {"PowerPoint.ShowMacroEnabled.12", "pptm"},
    {"PowerPoint.Slide.12", "sldx"},
    {"PowerPoint.SlideMacroEnabled.12", "sldm"},
    {"PowerPoint.Template.12", "potx"},
    {"PowerPoint.TemplateMacroEnabled.12", "potm"},
    {"AcroExch.Document", "pdf"},
    {"Acrobat.Document", "pdf"},
};

/* PATH (OLE_PATH_MAX bytes) = the entry LEAF of storage DIR; false when
 * that is too long to name. */
static bool
oleobj_join(char *path, const char *dir, const char *leaf)
{
	int k = snprintf(path, OLE_PATH_MAX, "%s%s%s", dir, dir[0] ? "/" : "",
	                 leaf);

	return k > 0 && k < OLE_PATH_MAX;
}

/* The ProgID in the "\x01CompObj" stream of storage DIR (MS-OLEDS 2.3.8:
 * a 28-byte header, the user type, the clipboard format, then the ProgID,
 * each length-prefixed) into BUF, or "" when there is none. */
static emg_status_t
oleobj_progid(ole_file_t *ole, const char *dir, char *buf, size_t buflen)
{
	char path[OLE_PATH_MAX];
	uint8_t *s = NULL;
	size_t n = 0;
	const uint8_t *p;
	uint32_t v;
	emg_status_t st;

	buf[0] = '\0';
	if (!oleobj_join(path, dir, "\001CompObj"))
		return EMG_OK;
	st = ole_read(ole, path, 4096, &s, &n);
	if (st == EMG_ENOMEM)
		return st;
	oleobj_cur_t c = {s, n, 0};
	if (s == NULL || !oleobj_cur_take(&c, 28, &p) ||
	    !oleobj_cur_u32(&c, &v) || !oleobj_cur_take(&c, v, &p) ||
	    !oleobj_cur_u32(&c, &v))
		goto done;
	/* A clipboard format is a string, or a marker and a number. */
	if (v == 0xFFFFFFFFu || v == 0xFFFFFFFEu) {
		if (!oleobj_cur_take(&c, 4, &p))
			goto done;
	} else if (!oleobj_cur_take(&c, v, &p)) {
		goto done;
	}
	if (!oleobj_cur_u32(&c, &v) || !oleobj_cur_take(&c, v, &p))
		goto done;
	v = (uint32_t)strnlen((const char *)p, v);
	if (v < buflen) {
		memcpy(buf, p, v);
		buf[v] = '\0';
	}
done:
	free(s);
	return EMG_OK;
}

/* The name of a Package or CONTENTS stream LEAF of storage DIR: LEAF with
 * the extension of the object's ProgID, or ".pdf" for a PDF, so that the
 * walker judges it by a name that fits. */
static emg_status_t
oleobj_stream_name(oleobj_walk_t *w, const char *dir, const char *leaf,
                   const uint8_t *data, size_t len, char **name)
{
	char progid[64];
	const char *ext = NULL;
	emg_status_t st = oleobj_progid(w->ole, dir, progid, sizeof(progid));

	*name = NULL;
	if (st != EMG_OK)
		return st;
	for (size_t i = 0;
	     i < sizeof(oleobj_progids) / sizeof(oleobj_progids[0]); i++) {
		const char *p = oleobj_progids[i].progid;
		if (strncasecmp(progid, p, strlen(p)) == 0) {
			ext = oleobj_progids[i].ext;
			break;
		}
	}
	if (ext == NULL && len >= 5 && memcmp(data, "%PDF-", 5) == 0)
		ext = "pdf";
	size_t need = strlen(leaf) + (ext ? strlen(ext) + 1 : 0) + 1;
	if ((*name = malloc(need)) == NULL)
		return EMG_ENOMEM;
	snprintf(*name, need, "%s%s%s", leaf, ext ? "." : "", ext ? ext : "");
	return EMG_OK;
}

/* True when storage DIR ("" for the root) holds an OLE object rather than
 * a document: Word's ObjectPool/<id>, Excel's MBD<id>, or a storage with
 * the object streams \x01CompObj, \x01Ole or \x03ObjInfo (the root of an
 * oleObject*.bin or of a PowerPoint ExOleObjStg). */
static bool
oleobj_is_object_storage(oleobj_walk_t *w, const char *dir)
{
	static const char *const marks[] = {"\001CompObj", "\001Ole",
	                                    "\003ObjInfo"};
	const char *base = strrchr(dir, '/');
	char path[OLE_PATH_MAX];

	base = base != NULL ? base + 1 : dir;
	if (strncasecmp(base, "MBD", 3) == 0)
		return true;
	if (base != dir && base - dir >= 11 &&
	    strncasecmp(base - 11, "ObjectPool/", 11) == 0 &&
	    (base - dir == 11 || base[-12] == '/'))
		return true;
	if (dir[0] == '\0' && w->root_is_document)
		return false;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		if (oleobj_join(path, dir, marks[i]) && ole_has(w->ole, path))
			return true;
	}
	return false;
}

/* Read stream PATH (SIZE bytes) whole, with room for SLACK bytes of
 * header besides the budget.  *BUF NULL when it was not read: a problem
 * is noted, or the list marked truncated (then *STOP). */
static emg_status_t
oleobj_read(oleobj_walk_t *w, const char *path, uint64_t size, size_t slack,
            uint8_t **buf, size_t *len, bool *stop)
{
	size_t cap =
	    w->bytes_left > SIZE_MAX - slack ? SIZE_MAX : w->bytes_left + slack;
	emg_status_t st;

	*buf = NULL;
	*len = 0;
	if (size > cap) {
		w->out->truncated = true;
		*stop = true;
		return EMG_OK;
	}
	st = ole_read(w->ole, path, cap, buf, len);
	if (st == EMG_ELIMIT) {
		w->out->truncated = true;
		*stop = true;
		return EMG_OK;
	}
	if (st == EMG_EPARSE) {
		char *shown = oleobj_shown(path);
		if (shown == NULL)
			return EMG_ENOMEM;
		st = oleobj_problem(w->out,
		                    "%s: unreadable stream (broken "
		                    "sector chain)",
		                    shown);
		free(shown);
	}
	return st;
}

/* Keep LEN bytes at OFF of BUF (the stream just read, moved into the
 * list) as file NAME from SOURCE; *STOP when the budget is spent. */
static emg_status_t
oleobj_keep(oleobj_walk_t *w, char *name, const char *source, uint8_t *buf,
            size_t off, size_t len, bool *stop)
{
	if (w->out->n >= w->max_files || len > w->bytes_left) {
		w->out->truncated = true;
		*stop = true;
		free(name);
		free(buf);
		return EMG_OK;
	}
	memmove(buf, buf + off, len);
	uint8_t *shrunk = realloc(buf, len ? len : 1);
	if (shrunk != NULL)
		buf = shrunk;
	w->bytes_left -= len;
	return oleobj_list_add(w->out, name, source, buf, len);
}

/* An "\x01Ole10Native" stream at PATH of SIZE bytes. */
static emg_status_t
oleobj_native_stream(oleobj_walk_t *w, const char *path, uint64_t size,
                     bool *stop)
{
	uint8_t *buf;
	size_t len;
	oleobj_native_t nat;
	char why[128], *name = NULL, *shown;
	emg_status_t st =
	    oleobj_read(w, path, size, OLEOBJ_NATIVE_SLACK, &buf, &len, stop);

	if (st != EMG_OK || buf == NULL)
		return st;
	emg_status_t pst =
	    oleobj_native_parse(buf, len, &nat, why, sizeof(why));
	if (pst != EMG_OK && !nat.linked) {
		if ((shown = oleobj_shown(path)) == NULL) {
			free(buf);
			return EMG_ENOMEM;
		}
		st = oleobj_problem(w->out, "%s: %s", shown, why);
		free(shown);
	}
	if (st != EMG_OK || nat.off == 0) {
		free(buf);
		return st;
	}
	if ((st = oleobj_native_name(&nat, &name)) != EMG_OK) {
		free(buf);
		return st;
	}
	if (name == NULL && (name = strdup("Ole10Native")) == NULL) {
		free(buf);
		return EMG_ENOMEM;
	}
	return oleobj_keep(w, name, path, buf, nat.off, nat.len, stop);
}

/* A Package or CONTENTS stream LEAF of storage DIR at PATH: the whole
 * stream is the file. */
static emg_status_t
oleobj_whole_stream(oleobj_walk_t *w, const char *path, const char *dir,
                    const char *leaf, uint64_t size, bool *stop)
{
	uint8_t *buf;
	size_t len;
	char *name;
	emg_status_t st = oleobj_read(w, path, size, 0, &buf, &len, stop);

	if (st != EMG_OK || buf == NULL)
		return st;
	if ((st = oleobj_stream_name(w, dir, leaf, buf, len, &name)) !=
	    EMG_OK) {
		free(buf);
		return st;
	}
	return oleobj_keep(w, name, path, buf, 0, len, stop);
}

/* ole_walk's visitor: embedded-file streams are read as they are met. */
static int
oleobj_visit(void *ctx, const char *path, uint64_t size, bool storage)
{
	oleobj_walk_t *w = ctx;
	const char *slash = strrchr(path, '/');
	const char *leaf = slash != NULL ? slash + 1 : path;
	size_t dirlen = slash != NULL ? (size_t)(slash - path) : 0;
	char dir[OLE_PATH_MAX];
	bool stop = false;

	if (storage)
		return 0;
	if (strcasecmp(leaf, "\001Ole10Native") == 0) {
		w->st = oleobj_native_stream(w, path, size, &stop);
		return w->st != EMG_OK || stop;
	}
	/* CONTENTS is matched in its own case: Publisher documents keep their
	 * text in a "Contents" stream. */
	if (strcasecmp(leaf, "Package") != 0 && strcmp(leaf, "CONTENTS") != 0)
		return 0;
	memcpy(dir, path, dirlen); /* shorter than path: OLE_PATH_MAX */
	dir[dirlen] = '\0';
	if (!oleobj_is_object_storage(w, dir))
		return 0;
	w->st = oleobj_whole_stream(w, path, dir, leaf, size, &stop);
	return w->st != EMG_OK || stop;
}

emg_status_t
oleobj_extract(ole_file_t *ole, size_t max_files, size_t max_bytes,
               oleobj_list_t *out)
{
	static const char *const documents[] = {"WordDocument", "Workbook",
	                                        "Book", "PowerPoint Document"};
	oleobj_walk_t w = {ole, out, max_files, 0, false, EMG_OK};
	size_t used;
	emg_status_t st;

	if (ole == NULL || out == NULL)
		return EMG_EINVAL;
	used = oleobj_list_bytes(out);
	w.bytes_left = used < max_bytes ? max_bytes - used : 0;
	for (size_t i = 0; i < sizeof(documents) / sizeof(documents[0]); i++)
		w.root_is_document |= ole_has(ole, documents[i]);
	st = ole_walk(ole, oleobj_visit, &w);
	if (w.st != EMG_OK)
		return w.st;
	if (st == EMG_ENOMEM)
		return st;
	if (st == EMG_ELIMIT)
		return oleobj_problem(out,
		                      "compound file directory too large "
		                      "or too deep: not every entry looked at");
	return EMG_OK;
}
