/*
 * vba.c - VBA projects in compound files (see vba.h): MS-OVBA 2.4.1
 * decompression, the dir stream (2.3.4.2), and the scan of a compound
 * file for projects, whose module sources go to vba_analyze_source.
 *
 * Everything an attacker writes is bounded here: the decompressor never
 * reads past its input nor writes past the caller's MAX, the dir parser
 * checks every record size against the bytes left and keeps at most
 * VBA_MAX_MODULES, and the module streams read for one document count
 * against a read budget derived from the source budget.  A corrupt
 * project or module becomes a line in vba_result_t.problems; what could be
 * decompressed before the fault is still analysed, because a damaged
 * module still shows its first lines.  libgsf's own VBA reader is not used:
 * its inflate is bounded by nothing we set.
 *
 * The source analysis (vba_analyze_source, the mraptor rule and the
 * indicators) is in vba_source.c.  Relies on ole.h for the streams and on GLib's g_convert for names in the
 * project's code page.
 */
#include "vba.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* ---- decompression (MS-OVBA 2.4.1) ------------------------------------ */

/* A chunk decompresses to at most this many bytes. */
#define VBA_CHUNK_MAX 4096u
/* A raw (uncompressed) chunk is its header plus exactly 4096 bytes. */
#define VBA_RAW_CHUNK_SIZE (VBA_CHUNK_MAX + 2u)

/* The output of a decompression, growing towards its cap. */
typedef struct vba_buf {
	uint8_t *d;
	size_t n, cap, max;
} vba_buf_t;

/* Make room for WANT more bytes (fewer when MAX comes first) and the final
 * NUL, so that a whole chunk is written without a check per byte.  Never
 * EMG_ELIMIT: the writers compare with MAX themselves, so that the bytes
 * before the limit are still kept. */
static emg_status_t
vba_buf_reserve(vba_buf_t *b, size_t want)
{
	size_t need = want > b->max - b->n ? b->max : b->n + want;
	if (need < b->cap)
		return EMG_OK;
	size_t cap = b->cap < 4096 ? 4096 : b->cap;
	while (cap <= need && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap <= need || cap - 1 > b->max)
		cap = b->max + 1;
	uint8_t *d = realloc(b->d, cap);
	if (d == NULL)
		return EMG_ENOMEM;
	b->d = d;
	b->cap = cap;
	return EMG_OK;
}

static uint16_t
vba_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
vba_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* Bits of a copy token's offset when DIFF bytes of the chunk are out
 * (2.4.1.3.19.1): at least 4, at most 12 while a chunk stays in 4096. */
static unsigned
vba_offset_bits(size_t diff)
{
	if (diff <= 16)
		return 4;
	if (diff > 2048)
		return 12;
	/* ceil(log2(diff)) without a loop per token. */
	return 32u - (unsigned)__builtin_clz((unsigned)(diff - 1));
}

/* Copy LEN bytes to D from OFFSET bytes back, as the byte-by-byte copy of
 * 2.4.1.3.19.2 would: when the ranges overlap, the OFFSET-byte pattern
 * repeats, so each memcpy doubles what the next one may take. */
static void
vba_copy_back(uint8_t *d, size_t offset, size_t len)
{
	const uint8_t *src = d - offset;

	if (offset >= len) {
		memcpy(d, src, len);
		return;
	}
	for (size_t done = 0, step; done < len; done += step) {
		step = len - done < offset + done ? len - done : offset + done;
		memcpy(d + done, src, step);
	}
}

/* Decompress the compressed chunk IN[0..N) (after its header), appending
 * to B.  Returns EMG_OK, EMG_EPARSE with *WHY, EMG_ELIMIT, EMG_ENOMEM.
 * The checks are those of a byte-at-a-time decoder, in its order, so a
 * fault leaves the same bytes out; only the copying is in runs. */
static emg_status_t
vba_chunk(const uint8_t *in, size_t n, vba_buf_t *b, const char **why)
{
	emg_status_t st;

	if ((st = vba_buf_reserve(b, VBA_CHUNK_MAX)) != EMG_OK)
		return st;
	uint8_t *d = b->d;
	size_t start = b->n, o = b->n, p = 0, max = b->max;

	while (p < n) {
		unsigned flags = in[p++];
		/* Eight literals, the common case in text: one copy. */
		if (flags == 0 && n - p >= 8 && o - start <= VBA_CHUNK_MAX - 8 &&
		    max - o >= 8) {
			memcpy(d + o, in + p, 8);
			o += 8;
			p += 8;
			continue;
		}
		for (unsigned bit = 0; bit < 8 && p < n; bit++) {
			if (((flags >> bit) & 1u) == 0) {
				if (o - start >= VBA_CHUNK_MAX) {
					*why = "chunk decompresses past 4096 "
					       "bytes";
					st = EMG_EPARSE;
					goto out;
				}
				if (o >= max) {
					st = EMG_ELIMIT;
					goto out;
				}
				d[o++] = in[p++];
				continue;
			}
			if (n - p < 2) {
				*why = "copy token cut short";
				st = EMG_EPARSE;
				goto out;
			}
			unsigned token = vba_u16(in + p);
			p += 2;
			size_t diff = o - start;
			unsigned bits = vba_offset_bits(diff);
			size_t length = (token & (0xffffu >> bits)) + 3u;
			size_t offset = (token >> (16u - bits)) + 1u;
			if (offset > diff) {
				*why = "copy token reaches before its chunk";
				st = EMG_EPARSE;
				goto out;
			}
			if (length > VBA_CHUNK_MAX - diff) {
				*why = "chunk decompresses past 4096 bytes";
				st = EMG_EPARSE;
				goto out;
			}
			/* What fits under MAX is kept, then the limit. */
			size_t k = length < max - o ? length : max - o;
			vba_copy_back(d + o, offset, k);
			o += k;
			if (k < length) {
				st = EMG_ELIMIT;
				goto out;
			}
		}
	}
out:
	b->n = o;
	return st;
}

/* Walk the chunks of the container IN[1..LEN) into B. */
static emg_status_t
vba_chunks(const uint8_t *in, size_t len, vba_buf_t *b, const char **why)
{
	size_t pos = 1;
	emg_status_t st = EMG_OK;

	while (pos < len && st == EMG_OK) {
		if (len - pos < 2) {
			*why = "chunk header cut short";
			return EMG_EPARSE;
		}
		unsigned hdr = vba_u16(in + pos);
		size_t size = (hdr & 0x0fffu) + 3u;
		if (((hdr >> 12) & 7u) != 3u) {
			*why = "bad chunk signature";
			return EMG_EPARSE;
		}
		bool compressed = (hdr & 0x8000u) != 0;
		bool cut = size > len - pos;
		size_t end = cut ? len : pos + size;
		if (!compressed) {
			if (size != VBA_RAW_CHUNK_SIZE) {
				*why = "raw chunk is not 4096 bytes";
				return EMG_EPARSE;
			}
			size_t k = end - pos - 2;
			if ((st = vba_buf_reserve(b, k)) != EMG_OK)
				return st;
			if (k > b->max - b->n) {
				k = b->max - b->n;
				st = EMG_ELIMIT;
			}
			memcpy(b->d + b->n, in + pos + 2, k);
			b->n += k;
		} else {
			st = vba_chunk(in + pos + 2, end - pos - 2, b, why);
		}
		if (st == EMG_OK && cut) {
			*why = "chunk runs past the end of the container";
			return EMG_EPARSE;
		}
		pos = end;
	}
	return st;
}

/* vba_decompress, with the reason for an EMG_EPARSE in *WHY. */
static emg_status_t
vba_inflate(const uint8_t *in, size_t len, size_t max, uint8_t **out,
            size_t *outlen, const char **why)
{
	*why = "no signature byte";
	if (out == NULL || outlen == NULL)
		return EMG_EINVAL;
	*out = NULL;
	*outlen = 0;
	if (in == NULL && len > 0)
		return EMG_EINVAL;
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	vba_buf_t b = {malloc(1), 0, 1, max};
	if (b.d == NULL)
		return EMG_ENOMEM;
	emg_status_t st = EMG_EPARSE;
	if (len >= 1 && in[0] == 0x01)
		st = vba_chunks(in, len, &b, why);
	if (st == EMG_ENOMEM) {
		free(b.d);
		return st;
	}
	b.d[b.n] = '\0';
	*out = b.d;
	*outlen = b.n;
	return st;
}

emg_status_t
vba_decompress(const uint8_t *in, size_t len, size_t max, uint8_t **out,
               size_t *outlen)
{
	const char *why;
	return vba_inflate(in, len, max, out, outlen, &why);
}

/* ---- the dir stream (MS-OVBA 2.3.4.2) ---------------------------------- */

#define VBA_ID_CODEPAGE 0x0003u
#define VBA_ID_VERSION 0x0009u
#define VBA_ID_MODULES 0x000Fu
#define VBA_ID_TERMINATOR 0x0010u
#define VBA_ID_MODULENAME 0x0019u
#define VBA_ID_STREAMNAME 0x001Au
#define VBA_ID_MODULE_END 0x002Bu
#define VBA_ID_OFFSET 0x0031u
#define VBA_ID_STREAMNAME_UNICODE 0x0032u
#define VBA_ID_MODULENAME_UNICODE 0x0047u

/* Record a problem in WHY (first one wins) and return ST. */
static emg_status_t __attribute__((format(printf, 4, 5)))
vba_fail(char *why, size_t whylen, emg_status_t st, const char *fmt, ...)
{
	if (why != NULL && whylen > 0 && why[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return st;
}

/* Control characters would corrupt the report's lines. */
static uint32_t
vba_printable(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f ? '?' : cp;
}

/* UTF-16LE S (N bytes) as a malloc'd UTF-8 string; an unpaired surrogate
 * becomes U+FFFD.  NULL only when out of memory. */
static char *
vba_utf16_name(const uint8_t *s, size_t n)
{
	char *r = malloc(n / 2 * 3 + 1); /* a pair of units: 4 bytes */
	size_t k = 0;

	if (r == NULL)
		return NULL;
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint32_t cp = vba_u16(s + i);
		if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < n &&
		    vba_u16(s + i + 2) >= 0xdc00 &&
		    vba_u16(s + i + 2) < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     (vba_u16(s + i + 2) - 0xdc00u);
			i += 2;
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd;
		}
		k += (size_t)g_unichar_to_utf8(vba_printable(cp), r + k);
	}
	r[k] = '\0';
	return r;
}

/* S (N bytes) in the project's CODEPAGE as a malloc'd UTF-8 string; what
 * iconv cannot convert keeps only its ASCII.  NULL only when out of
 * memory. */
static char *
vba_mbcs_name(const uint8_t *s, size_t n, uint16_t codepage)
{
	char charset[16];
	gchar *conv = NULL;
	bool ascii = true;

	for (size_t i = 0; i < n && ascii; i++)
		ascii = s[i] < 0x80;
	if (!ascii) {
		if (codepage == 65001)
			snprintf(charset, sizeof(charset), "UTF-8");
		else if (codepage == 10000)
			snprintf(charset, sizeof(charset), "MACINTOSH");
		else
			snprintf(charset, sizeof(charset), "CP%u",
			         (unsigned)codepage);
		conv = g_convert_with_fallback((const gchar *)s, (gssize)n,
		                               "UTF-8", charset, "?", NULL,
		                               NULL, NULL);
	}
	const char *src = conv != NULL ? conv : (const char *)s;
	size_t len = conv != NULL ? strlen(conv) : n;
	char *r = malloc(len + 1);
	if (r != NULL) {
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)src[i];
			bool bad = conv == NULL && c >= 0x80;
			r[i] = bad ? '?' : (char)vba_printable(c);
		}
		r[len] = '\0';
	}
	g_free(conv);
	return r;
}

/* Replace *SLOT by the name in record data S (N bytes): UTF-16LE when
 * CODEPAGE is 0, else in that code page.  Empty names are ignored. */
static emg_status_t
vba_set_name(char **slot, const uint8_t *s, size_t n, uint16_t codepage)
{
	if (n > VBA_NAME_MAX)
		n = VBA_NAME_MAX;
	if (n == 0)
		return EMG_OK;
	char *name = codepage == 0 ? vba_utf16_name(s, n)
	                           : vba_mbcs_name(s, n, codepage);
	if (name == NULL)
		return EMG_ENOMEM;
	free(*slot);
	*slot = name;
	return EMG_OK;
}

/* Start a new module in D.  EMG_ELIMIT past VBA_MAX_MODULES. */
static emg_status_t
vba_dir_add(vba_dir_t *d)
{
	if (d->n >= VBA_MAX_MODULES)
		return EMG_ELIMIT;
	vba_module_t *v = realloc(d->modules, (d->n + 1) * sizeof(*v));
	if (v == NULL)
		return EMG_ENOMEM;
	d->modules = v;
	memset(&v[d->n], 0, sizeof(*v));
	d->n++;
	return EMG_OK;
}

/* Apply one record (ID, DATA of SIZE bytes) to D; *CUR is the module the
 * records belong to (NULL between modules). */
static emg_status_t
vba_dir_record(vba_dir_t *d, vba_module_t **cur, unsigned id,
               const uint8_t *data, size_t size)
{
	switch (id) {
	case VBA_ID_CODEPAGE:
		if (size == 2 && vba_u16(data) != 0)
			d->codepage = vba_u16(data);
		return EMG_OK;
	case VBA_ID_MODULES:
		if (size == 2)
			d->declared = vba_u16(data);
		return EMG_OK;
	case VBA_ID_MODULENAME: {
		emg_status_t st = vba_dir_add(d);
		if (st != EMG_OK)
			return st;
		*cur = &d->modules[d->n - 1];
		return vba_set_name(&(*cur)->name, data, size, d->codepage);
	}
	case VBA_ID_MODULE_END: *cur = NULL; return EMG_OK;
	default: break;
	}
	if (*cur == NULL)
		return EMG_OK;
	switch (id) {
	case VBA_ID_MODULENAME_UNICODE:
		return vba_set_name(&(*cur)->name, data, size, 0);
	case VBA_ID_STREAMNAME:
		/* The Unicode record that follows wins when present. */
		return vba_set_name(&(*cur)->stream, data, size, d->codepage);
	case VBA_ID_STREAMNAME_UNICODE:
		return vba_set_name(&(*cur)->stream, data, size, 0);
	case VBA_ID_OFFSET:
		if (size == 4) {
			(*cur)->offset = vba_u32(data);
			(*cur)->has_offset = true;
		}
		return EMG_OK;
	default: return EMG_OK;
	}
}

/* Every module gets a name and a stream name, one from the other. */
static emg_status_t
vba_dir_complete(vba_dir_t *d)
{
	for (size_t i = 0; i < d->n; i++) {
		vba_module_t *m = &d->modules[i];
		if (m->name == NULL || m->name[0] == '\0') {
			free(m->name);
			m->name = strdup(m->stream != NULL ? m->stream : "?");
		}
		if (m->name == NULL)
			return EMG_ENOMEM;
		if (m->stream == NULL && (m->stream = strdup(m->name)) == NULL)
			return EMG_ENOMEM;
	}
	return EMG_OK;
}

emg_status_t
vba_parse_dir(const uint8_t *dir, size_t len, vba_dir_t *out, char *why,
              size_t whylen)
{
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (out == NULL || (dir == NULL && len > 0))
		return EMG_EINVAL;
	memset(out, 0, sizeof(*out));
	out->codepage = 1252;
	vba_module_t *cur = NULL;
	size_t pos = 0;
	emg_status_t st = EMG_OK;
	bool ended = false;
	while (!ended && st == EMG_OK) {
		if (len - pos < 6) {
			st = vba_fail(why, whylen, EMG_EPARSE,
			              "dir stream ends without its terminator");
			break;
		}
		unsigned id = vba_u16(dir + pos);
		size_t size = vba_u32(dir + pos + 2);
		pos += 6;
		/* PROJECTVERSION: its "size" is a reserved 4, and 6 bytes
		 * follow (VersionMajor, VersionMinor). */
		if (id == VBA_ID_VERSION)
			size += 2;
		if (size > len - pos) {
			st =
			    vba_fail(why, whylen, EMG_EPARSE,
			             "dir record 0x%04x runs past the end", id);
			break;
		}
		if (id == VBA_ID_TERMINATOR)
			ended = true;
		else
			st = vba_dir_record(out, &cur, id, dir + pos, size);
		if (st == EMG_ELIMIT)
			vba_fail(why, whylen, st, "more than %u modules",
			         (unsigned)VBA_MAX_MODULES);
		pos += size;
	}
	if (st != EMG_ENOMEM && vba_dir_complete(out) != EMG_OK)
		st = EMG_ENOMEM;
	return st;
}

void
vba_dir_free(vba_dir_t *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->modules[i].name);
		free(d->modules[i].stream);
	}
	free(d->modules);
	memset(d, 0, sizeof(*d));
}

/* ---- projects in a compound file --------------------------------------- */

/* Largest dir stream read, compressed and decompressed: the biggest real
 * projects have a few hundred modules and references, well under this. */
#define VBA_DIR_MAX (4u * 1024u * 1024u) /* 4 MiB */

/* One vba_scan_ole call. */
typedef struct vba_scan {
	ole_file_t *ole;
	vba_result_t *out;
	size_t source_left; /* decompressed source still allowed */
	size_t read_left;   /* stream bytes still allowed to be read */
	size_t modules;     /* modules read so far, all projects */
	bool stopped;       /* the budget ran out */
	bool nomem;         /* the walk ran out of memory */
	emg_strlist_t dirs; /* storages holding VBA/dir ("" for the root) */
} vba_scan_t;

static size_t
vba_sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Add one line to the problems list ("project X: ..."). */
static emg_status_t __attribute__((format(printf, 2, 3)))
vba_problem(vba_scan_t *sc, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (sc->out->problems.n >= VBA_MAX_KEYWORDS * 4)
		return EMG_OK; /* a hostile file cannot grow the report */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strlist_add(&sc->out->problems, buf, (size_t)-1) == 0
	           ? EMG_OK
	           : EMG_ENOMEM;
}

/* True when PATH's last component is NAME (ASCII, any case); *PARENT_LEN
 * gets the length of what comes before "/NAME" (0 at the root). */
static bool
vba_path_tail(const char *path, size_t len, const char *name,
              size_t *parent_len)
{
	size_t nl = strlen(name);
	if (len < nl || g_ascii_strncasecmp(path + len - nl, name, nl) != 0)
		return false;
	if (len == nl) {
		*parent_len = 0;
		return true;
	}
	if (path[len - nl - 1] != '/')
		return false;
	*parent_len = len - nl - 1;
	return true;
}

/* ole_walk visitor: remember every storage P with a stream P/VBA/dir. */
static int
vba_visit(void *ctx, const char *path, uint64_t size, bool storage)
{
	vba_scan_t *sc = ctx;
	size_t len = strlen(path), vba_len, parent_len;

	(void)size;
	if (storage || !vba_path_tail(path, len, "dir", &vba_len) ||
	    vba_len == 0 || !vba_path_tail(path, vba_len, "VBA", &parent_len))
		return 0;
	if (strlist_add(&sc->dirs, path, parent_len) == 0)
		return 0;
	sc->nomem = true;
	return 1;
}

/* Read the stream PATH whole, at most MAX bytes and within the read
 * budget.  Problems are reported under LABEL; *BUF NULL when unread. */
static emg_status_t
vba_read(vba_scan_t *sc, const char *path, size_t max, const char *label,
         uint8_t **buf, size_t *len)
{
	if (max > sc->read_left)
		max = sc->read_left;
	emg_status_t st = ole_read(sc->ole, path, max, buf, len);
	if (st == EMG_ENOMEM)
		return st;
	if (st == EMG_ELIMIT)
		return vba_problem(sc, "%s: stream %s larger than %zu bytes",
		                   label, path, max);
	if (st != EMG_OK)
		return vba_problem(sc, "%s: stream %s unreadable", label, path);
	if (*buf == NULL)
		return vba_problem(sc, "%s: stream %s missing", label, path);
	sc->read_left -= *len;
	return EMG_OK;
}

/* Read, decompress and analyse module M of the project at PROJECT. */
static emg_status_t
vba_module(vba_scan_t *sc, const char *project, const vba_module_t *m)
{
	char path[OLE_PATH_MAX], label[OLE_PATH_MAX];
	uint8_t *raw = NULL, *src = NULL;
	size_t rawlen = 0, srclen = 0;
	emg_status_t st;

	snprintf(label, sizeof(label), "module %.200s", m->name);
	if (strlist_add(&sc->out->modules, m->name, (size_t)-1) != 0)
		return EMG_ENOMEM;
	if (!m->has_offset)
		return vba_problem(sc, "%s: no source offset", label);
	int pl = snprintf(path, sizeof(path), "%s/%s", project, m->stream);
	if (pl < 0 || (size_t)pl >= sizeof(path))
		return vba_problem(sc, "%s: stream name too long", label);
	/* The stream is p-code then the compressed source; compression
	 * never grows text by more than 1/8 plus chunk headers. */
	size_t max = vba_sat_add(
	    m->offset, vba_sat_add(sc->source_left, sc->source_left / 4));
	st = vba_read(sc, path, vba_sat_add(max, 65536), label, &raw, &rawlen);
	if (st != EMG_OK || raw == NULL)
		return st;
	if (m->offset > rawlen) {
		free(raw);
		return vba_problem(sc,
		                   "%s: source offset %u past the end "
		                   "of its stream",
		                   label, (unsigned)m->offset);
	}
	const char *why;
	st = vba_inflate(raw + m->offset, rawlen - m->offset, sc->source_left,
	                 &src, &srclen, &why);
	free(raw);
	if (st == EMG_ENOMEM)
		return st;
	sc->modules++;
	sc->source_left -= srclen;
	sc->out->source_bytes += srclen;
	emg_status_t ast =
	    vba_analyze_source((const char *)src, srclen, sc->out);
	free(src);
	if (ast != EMG_OK)
		return ast;
	if (st == EMG_ELIMIT) {
		sc->stopped = true;
		return vba_problem(sc,
		                   "LimitArchiveBytes reached after %zu "
		                   "modules",
		                   sc->modules);
	}
	if (st == EMG_EPARSE)
		return vba_problem(sc, "%s: corrupt compressed source (%s)",
		                   label, why);
	return EMG_OK;
}

/* Read the dir stream of the project at PROJECT ("Macros/VBA") into D. */
static emg_status_t
vba_project_dir(vba_scan_t *sc, const char *project, vba_dir_t *d)
{
	/* PROJECT came from a walked path "PROJECT/dir": it fits. */
	char path[OLE_PATH_MAX + 8], label[OLE_PATH_MAX + 16], why[128];
	uint8_t *raw = NULL, *dir = NULL;
	size_t rawlen = 0, dirlen = 0;

	snprintf(label, sizeof(label), "project %s", project);
	snprintf(path, sizeof(path), "%s/dir", project);
	emg_status_t st = vba_read(sc, path, VBA_DIR_MAX, label, &raw, &rawlen);
	if (st != EMG_OK || raw == NULL)
		return st;
	const char *cwhy;
	st = vba_inflate(raw, rawlen, VBA_DIR_MAX, &dir, &dirlen, &cwhy);
	free(raw);
	if (st == EMG_ENOMEM)
		return st;
	if (st == EMG_ELIMIT)
		cwhy = "decompresses past 4 MiB";
	if (st != EMG_OK &&
	    (st = vba_problem(sc, "%s: corrupt compressed dir stream (%s)",
	                      label, cwhy)) != EMG_OK) {
		free(dir);
		return st;
	}
	st = vba_parse_dir(dir, dirlen, d, why, sizeof(why));
	free(dir);
	if (st == EMG_ENOMEM)
		return st;
	return st == EMG_OK ? EMG_OK : vba_problem(sc, "%s: %s", label, why);
}

/* Read one project: the storage PARENT holds VBA ("" for the root). */
static emg_status_t
vba_project(vba_scan_t *sc, const char *parent)
{
	char project[OLE_PATH_MAX];
	vba_dir_t d = {0};

	snprintf(project, sizeof(project), "%s%sVBA", parent,
	         parent[0] != '\0' ? "/" : "");
	sc->out->present = true;
	if (strlist_add(&sc->out->projects, project, (size_t)-1) != 0)
		return EMG_ENOMEM;
	emg_status_t st = vba_project_dir(sc, project, &d);
	for (size_t i = 0; i < d.n && st == EMG_OK && !sc->stopped; i++) {
		if (sc->out->modules.n >= VBA_MAX_MODULES) {
			st = vba_problem(sc, "project %s: more than %u modules",
			                 project, (unsigned)VBA_MAX_MODULES);
			break;
		}
		st = vba_module(sc, project, &d.modules[i]);
	}
	vba_dir_free(&d);
	return st;
}

emg_status_t
vba_scan_ole(ole_file_t *ole, size_t max_source, vba_result_t *out)
{
	if (ole == NULL || out == NULL)
		return EMG_EINVAL;
	vba_scan_t sc = {.ole = ole, .out = out, .source_left = max_source};
	/* Stream bytes read count too, so that many modules naming one big
	 * stream cannot make us copy it over and over. */
	sc.read_left = vba_sat_add(vba_sat_add(max_source, max_source),
	                           (size_t)2 * VBA_DIR_MAX);
	emg_status_t st = ole_walk(ole, vba_visit, &sc);
	if (st == EMG_ELIMIT)
		st = vba_problem(&sc, "compound file directory too large: "
		                      "not every storage searched");
	if (sc.nomem)
		st = EMG_ENOMEM;
	for (size_t i = 0; i < sc.dirs.n && st == EMG_OK && !sc.stopped; i++)
		st = vba_project(&sc, sc.dirs.v[i]);
	strlist_free(&sc.dirs);
	return st;
}

void
vba_result_free(vba_result_t *r)
{
	if (r == NULL)
		return;
	strlist_free(&r->projects);
	strlist_free(&r->modules);
	strlist_free(&r->autoexec);
	strlist_free(&r->write);
	strlist_free(&r->execute);
	strlist_free(&r->indicators);
	strlist_free(&r->problems);
	r->present = false;
	r->source_bytes = 0;
}
