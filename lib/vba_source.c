/*
 * vba_source.c - the source analysis of vba.h: vba_analyze_source judges
 * a module's decompressed source with the mraptor rule (oletools
 * mraptor.py: AutoExec and (Write or Execute)) and collects the
 * indicators for the finding's detail; vba_is_autoexec applies the rule.
 *
 * The analysis tokenizes the source once and looks each identifier up in a
 * sorted table, so it is linear in the source size whatever the keyword
 * list; context that mraptor expresses as regular expressions over a line
 * ("Open ... For Output", "Declare ... Lib") is kept as per-line flags.
 * Pure: no I/O, no global state beyond the constant tables.
 */
#include "vba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
