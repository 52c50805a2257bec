/*
 * vba.c - VBA projects in compound files (see vba.h): MS-OVBA 2.4.1
 * decompression, the dir stream (2.3.4.2), the module sources, and the
 * mraptor rule with the indicators for the finding's detail.
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
 * The analysis tokenizes the source once and looks each identifier up in a
 * sorted table, so it is linear in the source size whatever the keyword
 * list; context that mraptor expresses as regular expressions over a line
 * ("Open ... For Output", "Declare ... Lib") is kept as per-line flags.
 * Relies on ole.h for the streams and on GLib's g_convert for names in the
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

/* ---- source analysis --------------------------------------------------- */

/* What an identifier means to the rule. */
typedef enum vba_kind {
	VBA_K_AUTOEXEC,
	VBA_K_WRITE,
	VBA_K_EXECUTE,
	VBA_K_INDICATOR,
	VBA_K_CHR,      /* counted: dense Chr() is obfuscation */
	VBA_K_URL,      /* http / https, when "://" follows */
	VBA_K_OPEN,     /* Open statement: the mode words follow */
	VBA_K_OPENMODE, /* Output, Binary, Append, Random after Open */
	VBA_K_DECLARE,  /* Declare statement: Lib follows */
	VBA_K_LIB,
	VBA_K_WRITEMETHOD, /* .Write / .WriteLine, Write #n, Open...Write */
	VBA_K_PUT,         /* Put statement, not Property Put */
	VBA_K_PROPERTY,
} vba_kind_t;

typedef struct vba_word {
	const char *word; /* lower case */
	vba_kind_t kind;
} vba_word_t;

/* The mraptor keyword families (oletools mraptor.py), with "Call" left
 * out (in VBA it is the ordinary procedure call statement) and
 * CallByName, Put, .Write and WScript.Shell added.  Lower case, packed
 * (clang-format would give each word a line). */
/* clang-format off */
static const vba_word_t vba_words[] = {
	{"adodb.stream", VBA_K_WRITE}, {"altstartuppath", VBA_K_WRITE},
	{"append", VBA_K_OPENMODE}, {"auto_close", VBA_K_AUTOEXEC},
	{"auto_open", VBA_K_AUTOEXEC}, {"autoclose", VBA_K_AUTOEXEC},
	{"autoexec", VBA_K_AUTOEXEC}, {"autoexit", VBA_K_AUTOEXEC},
	{"autonew", VBA_K_AUTOEXEC}, {"autoopen", VBA_K_AUTOEXEC},
	{"binary", VBA_K_OPENMODE}, {"callbyname", VBA_K_EXECUTE},
	{"chr", VBA_K_CHR}, {"chrb", VBA_K_CHR}, {"chrw", VBA_K_CHR},
	{"copyfile", VBA_K_WRITE}, {"createobject", VBA_K_EXECUTE},
	{"createtextfile", VBA_K_WRITE}, {"createthread", VBA_K_EXECUTE},
	{"declare", VBA_K_DECLARE}, {"document_beforeclose", VBA_K_AUTOEXEC},
	{"document_close", VBA_K_AUTOEXEC}, {"document_new", VBA_K_AUTOEXEC},
	{"document_open", VBA_K_AUTOEXEC},
	{"documentbeforeclose", VBA_K_AUTOEXEC},
	{"documentchange", VBA_K_AUTOEXEC}, {"documentopen", VBA_K_AUTOEXEC},
	{"environ", VBA_K_INDICATOR}, {"exec", VBA_K_EXECUTE},
	{"executeexcel4macro", VBA_K_EXECUTE}, {"filecopy", VBA_K_WRITE},
	{"filesaveas", VBA_K_WRITE}, {"followhyperlink", VBA_K_EXECUTE},
	{"getobject", VBA_K_EXECUTE}, {"http", VBA_K_URL}, {"https", VBA_K_URL},
	{"kill", VBA_K_WRITE}, {"lib", VBA_K_LIB}, {"macscript", VBA_K_EXECUTE},
	{"mkdir", VBA_K_WRITE}, {"newdocument", VBA_K_AUTOEXEC},
	{"open", VBA_K_OPEN}, {"output", VBA_K_OPENMODE},
	{"powershell", VBA_K_INDICATOR}, {"property", VBA_K_PROPERTY},
	{"put", VBA_K_PUT}, {"random", VBA_K_OPENMODE},
	{"register", VBA_K_EXECUTE}, {"rmdir", VBA_K_WRITE},
	{"rtlmovememory", VBA_K_WRITE}, {"run", VBA_K_EXECUTE},
	{"saveas", VBA_K_WRITE}, {"saveasrtf", VBA_K_WRITE},
	{"savesetting", VBA_K_WRITE}, {"savetofile", VBA_K_WRITE},
	{"sendkeys", VBA_K_EXECUTE}, {"setattr", VBA_K_WRITE},
	{"settimer", VBA_K_EXECUTE}, {"shell", VBA_K_EXECUTE},
	{"shellexecute", VBA_K_EXECUTE}, {"shellexecutea", VBA_K_EXECUTE},
	{"strreverse", VBA_K_INDICATOR}, {"urldownloadtofile", VBA_K_WRITE},
	{"urldownloadtofilea", VBA_K_WRITE}, {"virtualalloc", VBA_K_WRITE},
	{"workbook_activate", VBA_K_AUTOEXEC},
	{"workbook_beforeclose", VBA_K_AUTOEXEC},
	{"workbook_close", VBA_K_AUTOEXEC}, {"workbook_open", VBA_K_AUTOEXEC},
	{"write", VBA_K_WRITEMETHOD}, {"writeline", VBA_K_WRITEMETHOD},
	{"writeprocessmemory", VBA_K_WRITE}, {"writetext", VBA_K_WRITE},
	{"wscript.shell", VBA_K_EXECUTE},
};
/* clang-format on */

/* Event procedures that run without the user choosing a macro: any
 * Object_Event whose event is one of these (mraptor's \w+_(...)), plus
 * _Activate.  Sorted by strcmp. */
static const char *const vba_events[] = {
    "activate",
    "beforenavigate2",
    "beforescriptexecute",
    "change",
    "click",
    "documentcomplete",
    "downloadbegin",
    "downloadcomplete",
    "filedownload",
    "gotfocus",
    "layout",
    "lostfocus",
    "mouseenter",
    "mousehover",
    "mouseleave",
    "mousemove",
    "navigatecomplete2",
    "navigateerror",
    "onconnecting",
    "painted",
    "painting",
    "progresschange",
    "propertychange",
    "resize",
    "setsecurelockicon",
    "statustextchange",
    "titlechange",
};

/* Longest word the tables hold, with room to spare. */
#define VBA_WORD_MAX 32
/* Chr()/ChrW() uses in one source from which it counts as obfuscation. */
#define VBA_CHR_DENSE 20
/* A string run of base64 characters at least this long is reported. */
#define VBA_BASE64_MIN 64
/* URLs named in the indicators, and the longest host shown. */
#define VBA_MAX_URLS 3
#define VBA_HOST_MAX 100

/* Slots of the keyword hash (a power of two, over 3x the table). */
#define VBA_HASH_SLOTS 256u

/* The tokenizer's state over one source. */
typedef struct vba_lex {
	const char *s;
	size_t n;
	vba_result_t *out;
	/* vba_words by hash of the word, index + 1 (0: empty): one probe
	 * instead of a binary search for the many words that are no
	 * keyword. */
	uint8_t slots[VBA_HASH_SLOTS];
	/* By length, bit (c & 31) of each keyword's first and last byte:
	 * most identifiers fail this before being lowered and hashed.  The
	 * bit ignores case, and a false hit only costs the hash probe. */
	uint32_t first[VBA_WORD_MAX + 1], last[VBA_WORD_MAX + 1];
	size_t chr_uses;
	/* Per logical line (continuations with " _" join lines): */
	bool line_open;     /* an Open statement: mode words count */
	bool line_declare;  /* a Declare statement: Lib counts */
	bool prev_property; /* the previous word was Property */
	/* The previous word, for "ADODB.Stream"-style pairs. */
	size_t prev_start, prev_end;
	bool have_prev;
} vba_lex_t;

/* Byte classes, so that the tokenizer decides a byte with one load. */
#define VBA_C_WORD 0x01u  /* vba_is_word_byte */
#define VBA_C_B64 0x02u   /* A-Z a-z 0-9 + / */
#define VBA_C_UPPER 0x04u
#define VBA_C_LOWER 0x08u
#define VBA_C_DIGIT 0x10u
#define VBA_C_US 0x20u    /* '_': only such words can be Object_Event */
#define VBA_C_STOP 0x40u  /* '"' and '\n' change the tokenizer's state */
#define VBA_C_PLAIN 0x80u /* a word byte other than '_' */

/* clang-format off */
#define VBA_C_LETTER (VBA_C_WORD | VBA_C_PLAIN | VBA_C_B64)
#define VBA_CLASS(c)                                                  \
	((c) >= 'A' && (c) <= 'Z' ? VBA_C_LETTER | VBA_C_UPPER :       \
	 (c) >= 'a' && (c) <= 'z' ? VBA_C_LETTER | VBA_C_LOWER :       \
	 (c) >= '0' && (c) <= '9' ? VBA_C_LETTER | VBA_C_DIGIT :       \
	 (c) == '_' ? VBA_C_WORD | VBA_C_US :                          \
	 (c) >= 0x80 ? VBA_C_WORD | VBA_C_PLAIN :                      \
	 (c) == '+' || (c) == '/' ? VBA_C_B64 :                        \
	 (c) == '"' || (c) == '\n' ? VBA_C_STOP : 0u)
#define VBA_C4(c) VBA_CLASS(c), VBA_CLASS((c) + 1), VBA_CLASS((c) + 2), \
	VBA_CLASS((c) + 3)
#define VBA_C16(c) VBA_C4(c), VBA_C4((c) + 4), VBA_C4((c) + 8), \
	VBA_C4((c) + 12)
#define VBA_C64(c) VBA_C16(c), VBA_C16((c) + 16), VBA_C16((c) + 32), \
	VBA_C16((c) + 48)
static const uint8_t vba_class[256] = {
	VBA_C64(0), VBA_C64(64), VBA_C64(128), VBA_C64(192),
};
/* clang-format on */

static bool
vba_is_word_byte(unsigned char c)
{
	/* Bytes >= 0x80 belong to words: identifiers may be DBCS, and a
	 * keyword glued to such bytes is not a whole identifier. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

static bool
vba_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
vba_event_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* S[0..N) lower-cased into BUF (VBA_WORD_MAX + 1), with its FNV-1a hash
 * in *HASH; false when too long to be a keyword. */
static bool
vba_lower(const char *s, size_t n, char *buf, uint32_t *hash)
{
	uint32_t h = 2166136261u;

	if (n > VBA_WORD_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
		h = (h ^ (unsigned char)buf[i]) * 16777619u;
	}
	buf[n] = '\0';
	*hash = h;
	return true;
}

/* Fill LX's keyword hash from vba_words (linear probing). */
static void
vba_hash_init(vba_lex_t *lx)
{
	char buf[VBA_WORD_MAX + 1];
	uint32_t h;

	memset(lx->slots, 0, sizeof(lx->slots));
	memset(lx->first, 0, sizeof(lx->first));
	memset(lx->last, 0, sizeof(lx->last));
	for (size_t i = 0; i < sizeof(vba_words) / sizeof(vba_words[0]); i++) {
		const char *w = vba_words[i].word;
		if (!vba_lower(w, strlen(w), buf, &h))
			continue;
		while (lx->slots[h % VBA_HASH_SLOTS] != 0)
			h++;
		lx->slots[h % VBA_HASH_SLOTS] = (uint8_t)(i + 1);
		size_t n = strlen(w);
		lx->first[n] |= 1u << ((unsigned char)w[0] & 31u);
		lx->last[n] |= 1u << ((unsigned char)w[n - 1] & 31u);
	}
}

/* False when S[0..N) is certainly no keyword: cheap enough for every
 * identifier of the source. */
static inline bool
vba_maybe_keyword(const vba_lex_t *lx, const char *s, size_t n)
{
	return n > 0 && n <= VBA_WORD_MAX &&
	       ((lx->first[n] >> ((unsigned char)s[0] & 31u)) &
	        (lx->last[n] >> ((unsigned char)s[n - 1] & 31u)) & 1u);
}

static const vba_word_t *
vba_lookup(const vba_lex_t *lx, const char *s, size_t n)
{
	char buf[VBA_WORD_MAX + 1];
	uint32_t h;

	if (!vba_maybe_keyword(lx, s, n))
		return NULL;
	if (!vba_lower(s, n, buf, &h))
		return NULL;
	/* The table fills under half the slots: an empty one ends it. */
	for (unsigned probe = 0; probe < VBA_HASH_SLOTS; probe++, h++) {
		unsigned k = lx->slots[h % VBA_HASH_SLOTS];
		if (k == 0)
			return NULL;
		if (strcmp(vba_words[k - 1].word, buf) == 0)
			return &vba_words[k - 1];
	}
	return NULL;
}

/* True when the identifier S (N bytes) is Object_Event for an event of
 * vba_events. */
static bool
vba_is_event(const char *s, size_t n)
{
	const char *us = NULL;
	char buf[VBA_WORD_MAX + 1];
	uint32_t h;

	for (size_t i = n; i-- > 1 && us == NULL;)
		if (s[i] == '_')
			us = s + i;
	if (us == NULL || us + 1 == s + n)
		return false;
	if (!vba_lower(us + 1, (size_t)(s + n - us - 1), buf, &h))
		return false;
	return bsearch(buf, vba_events,
	               sizeof(vba_events) / sizeof(vba_events[0]),
	               sizeof(vba_events[0]), vba_event_cmp) != NULL;
}

/* Add S (N bytes) to L unless L is full or holds it already. */
static emg_status_t
vba_note(emg_strlist_t *l, const char *s, size_t n)
{
	char buf[VBA_HOST_MAX + 32];

	if (l->n >= VBA_MAX_KEYWORDS)
		return EMG_OK;
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strlist_has_nocase(l, buf))
		return EMG_OK;
	return strlist_add(l, buf, n) == 0 ? EMG_OK : EMG_ENOMEM;
}

static emg_status_t
vba_note_str(emg_strlist_t *l, const char *s)
{
	return vba_note(l, s, strlen(s));
}

/* An http(s) word at S..E: when "://" follows, note "URL scheme://host". */
static emg_status_t
vba_url(vba_lex_t *lx, size_t start, size_t end)
{
	const char *s = lx->s;
	size_t n = lx->n, h = end + 3, k;
	char buf[VBA_HOST_MAX + 32];
	unsigned urls = 0;

	if (n - end < 3 || memcmp(s + end, "://", 3) != 0)
		return EMG_OK;
	for (k = h; k < n && k - h < VBA_HOST_MAX; k++) {
		unsigned char c = (unsigned char)s[k];
		if (!(vba_is_word_byte(c) || c == '.' || c == '-') || c >= 0x80)
			break;
	}
	if (k == h)
		return EMG_OK;
	for (size_t i = 0; i < lx->out->indicators.n; i++)
		if (strncmp(lx->out->indicators.v[i], "URL ", 4) == 0)
			urls++;
	if (urls >= VBA_MAX_URLS)
		return EMG_OK;
	int len = snprintf(buf, sizeof(buf), "URL %.*s://%.*s",
	                   (int)(end - start), s + start, (int)(k - h), s + h);
	return vba_note(&lx->out->indicators, buf, (size_t)len);
}

/* A word starting with a digit at START: note an IPv4 literal there. */
static emg_status_t
vba_ipv4(vba_lex_t *lx, size_t start)
{
	const char *s = lx->s;
	size_t n = lx->n, p = start;
	unsigned octet[4];

	if (start > 0 && (s[start - 1] == '.' ||
	                  vba_is_word_byte((unsigned char)s[start - 1])))
		return EMG_OK;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		while (p < n && vba_is_digit((unsigned char)s[p]) &&
		       digits < 4) {
			v = v * 10 + (unsigned)(s[p++] - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return EMG_OK;
		octet[i] = v;
		if (i < 3) {
			if (p >= n || s[p] != '.')
				return EMG_OK;
			p++;
		}
	}
	/* Not a longer dotted number (a version such as 1.2.3.4.5). */
	if (p < n && (vba_is_word_byte((unsigned char)s[p]) ||
	              (s[p] == '.' && p + 1 < n &&
	               vba_is_digit((unsigned char)s[p + 1]))))
		return EMG_OK;
	if (octet[0] == 0)
		return EMG_OK;
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "IP %u.%u.%u.%u", octet[0],
	                   octet[1], octet[2], octet[3]);
	return vba_note(&lx->out->indicators, buf, (size_t)len);
}

/* PowerShell's -EncodedCommand, which it accepts abbreviated. */
static bool
vba_is_enc_switch(const vba_lex_t *lx, size_t start, size_t end)
{
	static const char full[] = "encodedcommand";
	size_t n = end - start;
	char buf[VBA_WORD_MAX + 1];
	uint32_t h;

	if (start < 1 || lx->s[start - 1] != '-')
		return false;
	if (start >= 2 && vba_is_word_byte((unsigned char)lx->s[start - 2]))
		return false; /* a - b, not a switch */
	if (!vba_lower(lx->s + start, n, buf, &h))
		return false;
	if (strcmp(buf, "ec") == 0)
		return true;
	return n >= 3 && n < sizeof(full) && memcmp(buf, full, n) == 0;
}

/* What the word at START..END (not starting with a digit) means;
 * UNDERSCORE when it holds a '_'. */
static emg_status_t
vba_word(vba_lex_t *lx, size_t start, size_t end, bool underscore)
{
	const char *s = lx->s, *w = lx->s + start;
	size_t n = end - start;
	vba_result_t *out = lx->out;
	const vba_word_t *kw = NULL;
	bool dotted = start > 0 && s[start - 1] == '.';
	bool was_property = lx->prev_property;

	lx->prev_property = false;
	/* "ADODB.Stream", "WScript.Shell": the pair is the keyword. */
	if (dotted && lx->have_prev && lx->prev_end + 1 == start) {
		kw = vba_lookup(lx, s + lx->prev_start, end - lx->prev_start);
		if (kw != NULL &&
		    (kw->kind == VBA_K_WRITE || kw->kind == VBA_K_EXECUTE))
			return vba_note(kw->kind == VBA_K_WRITE ? &out->write
			                                        : &out->execute,
			                s + lx->prev_start,
			                end - lx->prev_start);
	}
	if (vba_is_enc_switch(lx, start, end))
		return vba_note_str(&out->indicators, "-enc");
	kw = vba_lookup(lx, w, n);
	if (kw == NULL)
		return underscore && vba_is_event(w, n)
		           ? vba_note(&out->autoexec, w, n)
		           : EMG_OK;
	switch (kw->kind) {
	case VBA_K_AUTOEXEC: return vba_note(&out->autoexec, w, n);
	case VBA_K_WRITE: return vba_note(&out->write, w, n);
	case VBA_K_EXECUTE: return vba_note(&out->execute, w, n);
	case VBA_K_INDICATOR: return vba_note(&out->indicators, w, n);
	case VBA_K_CHR: lx->chr_uses++; return EMG_OK;
	case VBA_K_URL: return vba_url(lx, start, end);
	case VBA_K_OPEN:
		if (!dotted)
			lx->line_open = true;
		return EMG_OK;
	case VBA_K_DECLARE: lx->line_declare = true; return EMG_OK;
	case VBA_K_LIB:
		return lx->line_declare
		           ? vba_note_str(&out->execute, "Declare Lib")
		           : EMG_OK;
	case VBA_K_PROPERTY: lx->prev_property = true; return EMG_OK;
	case VBA_K_PUT:
		return dotted || was_property ? EMG_OK
		                              : vba_note(&out->write, w, n);
	case VBA_K_WRITEMETHOD:
		if (dotted)
			return vba_note(&out->write, w - 1, n + 1);
		break; /* Write #1 and Open ... Write: below */
	case VBA_K_OPENMODE: break;
	}
	if (lx->line_open) {
		char buf[VBA_WORD_MAX + 16];
		int len =
		    snprintf(buf, sizeof(buf), "Open ... %.*s", (int)n, w);
		return vba_note(&out->write, buf, (size_t)len);
	}
	if (kw->kind == VBA_K_WRITEMETHOD) {
		size_t p = end;
		while (p < lx->n && (s[p] == ' ' || s[p] == '\t'))
			p++;
		if (p < lx->n && s[p] == '#')
			return vba_note(&out->write, w, n);
	}
	return EMG_OK;
}

/* A run of base64 characters inside a string literal: long and mixed
 * enough to be encoded data rather than a word.  CLS gathers the
 * VBA_C_UPPER, _LOWER and _DIGIT classes of its bytes. */
typedef struct vba_b64 {
	size_t len;
	unsigned cls;
} vba_b64_t;

#define VBA_B64_MIXED (VBA_C_UPPER | VBA_C_LOWER | VBA_C_DIGIT)

/* The run R has ended (R->len > 0): report it if it qualifies and start
 * over. */
static emg_status_t
vba_b64_end(vba_lex_t *lx, vba_b64_t *r)
{
	bool hit = r->len >= VBA_BASE64_MIN &&
	           (r->cls & VBA_B64_MIXED) == VBA_B64_MIXED;
	r->len = 0;
	r->cls = 0;
	return hit ? vba_note_str(&lx->out->indicators, "base64 string")
	           : EMG_OK;
}

/* Feed byte class M (of a byte inside a string) to the run R. */
static inline emg_status_t
vba_b64_step(vba_lex_t *lx, vba_b64_t *r, unsigned m)
{
	if (m & VBA_C_B64) {
		r->len++;
		r->cls |= m;
		return EMG_OK;
	}
	return r->len > 0 ? vba_b64_end(lx, r) : EMG_OK;
}

/* A line ends at S[P] ('\n'): true when it was continued with " _". */
static bool
vba_continued(const char *s, size_t line_start, size_t p)
{
	while (p > line_start &&
	       (s[p - 1] == '\r' || s[p - 1] == ' ' || s[p - 1] == '\t'))
		p--;
	return p >= line_start + 2 && s[p - 1] == '_' &&
	       (s[p - 2] == ' ' || s[p - 2] == '\t');
}

/* One pass, one class load per byte.  A base64 run only grows inside a
 * string and every way out of a string ('"', '\n') ends it, so outside
 * strings the bytes that are neither word bytes nor VBA_C_STOP are
 * skipped without a look at the run. */
emg_status_t
vba_analyze_source(const char *src, size_t len, vba_result_t *out)
{
	if (out == NULL || (src == NULL && len > 0))
		return EMG_EINVAL;
	vba_lex_t lx = {.s = src, .n = len, .out = out};
	vba_hash_init(&lx);
	const unsigned char *s = (const unsigned char *)src;
	vba_b64_t run = {0};
	bool in_string = false;
	size_t line_start = 0, p = 0;
	emg_status_t st = EMG_OK;
	/* The two hot loops run without a bound check while a byte that
	 * stops them lies ahead: before WEND a byte that is not
	 * VBA_C_PLAIN, before SEND a word or VBA_C_STOP byte.  Past them,
	 * the rest of the source would not stop them at all. */
	size_t wend = len, send = len;
	while (wend > 0 && (vba_class[s[wend - 1]] & VBA_C_PLAIN))
		wend--;
	while (send > 0 &&
	       !(vba_class[s[send - 1]] & (VBA_C_WORD | VBA_C_STOP)))
		send--;

	while (p < len) {
		unsigned m = vba_class[s[p]];
		if (!(m & VBA_C_WORD)) {
			if (in_string &&
			    (st = vba_b64_step(&lx, &run, m)) != EMG_OK)
				return st;
			if (m & VBA_C_STOP) {
				if (s[p] == '"') {
					in_string = !in_string;
				} else {
					if (!vba_continued(src, line_start, p)) {
						lx.line_open = false;
						lx.line_declare = false;
						lx.prev_property = false;
					}
					in_string = false;
					line_start = p + 1;
				}
				p++;
				continue;
			}
			p++;
			if (in_string)
				continue;
			if (p >= send)
				break;
			while (!((m = vba_class[s[p]]) &
			         (VBA_C_WORD | VBA_C_STOP)))
				p++;
			if (!(m & VBA_C_WORD))
				continue;
		}
		/* A word at P, its first byte of class M. */
		size_t start = p;
		unsigned first = m;
		bool underscore = (m & VBA_C_US) != 0;
		if (!in_string) {
			/* '_' is rare: it leaves the inner loop. */
			for (;;) {
				if (++p >= wend) {
					p = len;
					break;
				}
				while (vba_class[s[p]] & VBA_C_PLAIN)
					p++;
				if (!(vba_class[s[p]] & VBA_C_US))
					break;
				underscore = true;
			}
		} else {
			/* Bytes of a word that base64 lacks ('_', >= 0x80)
			 * end a run inside the word. */
			do {
				underscore |= (m & VBA_C_US) != 0;
				if ((st = vba_b64_step(&lx, &run, m)) != EMG_OK)
					return st;
			} while (++p < len &&
			         ((m = vba_class[s[p]]) & VBA_C_WORD));
		}
		if (first & VBA_C_DIGIT) {
			/* An IPv4 literal's first word is 1-3 digits and a
			 * '.'; the rest cannot be one. */
			if (p < len && s[p] == '.' && p - start <= 3)
				st = vba_ipv4(&lx, start);
		} else if (underscore ||
		           (start > 0 &&
		            (s[start - 1] == '.' || s[start - 1] == '-')) ||
		           vba_maybe_keyword(&lx, src + start, p - start)) {
			st = vba_word(&lx, start, p, underscore);
		} else {
			/* What vba_word would conclude: no keyword, no pair,
			 * no switch, no event. */
			lx.prev_property = false;
		}
		if (st != EMG_OK)
			return st;
		lx.prev_start = start;
		lx.prev_end = p;
		lx.have_prev = true;
	}
	if (run.len > 0 && (st = vba_b64_end(&lx, &run)) != EMG_OK)
		return st;
	if (lx.chr_uses >= VBA_CHR_DENSE)
		st = vba_note_str(&out->indicators, "Chr() obfuscation");
	return st;
}

bool
vba_is_autoexec(const vba_result_t *r)
{
	return r->autoexec.n > 0 && (r->write.n > 0 || r->execute.n > 0);
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
