/*
 * ooxml.c - Office Open XML packages and the single-file Office XML
 * formats (see ooxml.h): what a macro, template-injection or DDE lure
 * leaves in them.
 *
 * The ZIP is read through unpack.c, so that archive limits act here as
 * they do for any other archive.  [Content_Types].xml comes first, since
 * the content types say what a part is (a renamed document.xml or
 * vbaProject.bin is still found); then every member in order, reading
 * only the parts that can hold what we look for.  Each part is bounded
 * by MAX_PART, all of them by MAX_TOTAL, and at most OOXML_MAX_READS
 * parts are read.
 *
 * XML goes through libxml2's streaming reader: no tree, no network, no
 * entity substitution, no DTD loading, libxml2's own size and depth caps
 * kept.  A part with a DTD is not read at all: OPC forbids DTDs and Office
 * refuses them, so their only use here would be entity tricks.  One set
 * of element handlers serves both the parts of a ZIP and the parts inlined
 * in a Flat OPC document, chosen by the part's kind.  Handlers match local
 * names only: Office's namespaces differ between transitional, strict and
 * 2003 files, and a prefix costs an attacker nothing.
 *
 * Failure modes: bad input becomes a line in problems and the scan goes
 * on; only ENOMEM fails.  No state outside the call but libxml2's
 * one-time initialisation.
 */
#include "ooxml.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <unicode/ucnv.h>

#include "unpack.h"

#define OOXML_MAX_MEMBERS 10000u             /* ZIP members listed */
#define OOXML_MAX_READS 512u                 /* parts read from one ZIP */
#define OOXML_HARD_PART ((size_t)64 << 20)   /* when MAX_PART is 0 */
#define OOXML_HARD_TOTAL ((size_t)256 << 20) /* when MAX_TOTAL is 0 */
#define OOXML_MAX_TYPES 4096u   /* [Content_Types].xml entries kept */
#define OOXML_MAX_SHEETS 256u   /* <sheet> and macro sheet ids kept */
#define OOXML_FIELD_DEPTH 16u   /* nested Word fields followed */
#define OOXML_INSTR_MAX 512u    /* bytes of one field instruction */
#define OOXML_FORMULA_MAX 8192u /* Excel's own formula length cap */
#define OOXML_SHOW_MAX 200u     /* bytes of a DDE string kept */
#define OOXML_TARGET_MAX 300u   /* bytes of a "type target" kept */
#define OOXML_XLM_MAX 16u       /* XLM calls listed (xls.h) */
#define OOXML_ATTR_MAX 1024u    /* bytes of an attribute value read */

#define OOXML_NS_PKG "http://schemas.microsoft.com/office/2006/xmlPackage"
#define OOXML_NS_WORD2003 "http://schemas.microsoft.com/office/word/2003/wordml"
#define OOXML_NS_EXCEL2003 "urn:schemas-microsoft-com:office:spreadsheet"

/* What a part is, hence which handler reads it. */
typedef enum ooxml_kind {
	OOXML_OTHER = 0,
	OOXML_CONTENT_TYPES,
	OOXML_RELS,
	OOXML_VBA,
	OOXML_WORD,           /* a Word story: fields */
	OOXML_WORKBOOK,       /* xl/workbook.xml */
	OOXML_WORKBOOK_BIN,   /* xl/workbook.bin */
	OOXML_MACROSHEET,     /* xl/macrosheets/sheet1.xml */
	OOXML_MACROSHEET_BIN, /* the same in .xlsb: listed, not read */
	OOXML_EXTLINK,        /* xl/externalLinks/externalLink1.xml */
	OOXML_EXTLINK_BIN,
	OOXML_EMBEDDING,
	OOXML_EXCEL2003, /* a whole Excel 2003 XML document */
} ooxml_kind_t;

/* Which single-file format a flat document turned out to be. */
typedef enum ooxml_flat {
	OOXML_FLAT_NONE = 0, /* a ZIP part */
	OOXML_FLAT_DETECT,   /* before the root element */
	OOXML_FLAT_OPC,
	OOXML_FLAT_WORD,
	OOXML_FLAT_EXCEL,
	OOXML_FLAT_UNKNOWN,
} ooxml_flat_t;

/* One Default (extension) or Override (part name) content type. */
typedef struct ooxml_type {
	char *key;
	char *type;
} ooxml_type_t;

typedef struct ooxml_types {
	ooxml_type_t *v;
	size_t n, cap;
} ooxml_types_t;

/* One open Word field: its instruction so far, and whether its result
 * part (after fldChar separate) has begun.  IMPLICIT marks a w:instrText
 * met outside any field, judged on its own. */
typedef struct ooxml_field {
	char instr[OOXML_INSTR_MAX];
	size_t len;
	bool result, implicit;
} ooxml_field_t;

/* A <sheet> of workbook.xml, judged once the relationships are known. */
typedef struct ooxml_sheet {
	char name[64];
	char rid[64];
	int state; /* 0 visible, 1 hidden, 2 very hidden */
} ooxml_sheet_t;

typedef struct ooxml_ctx {
	ooxml_result_t *out;
	emg_status_t st; /* EMG_ENOMEM once memory ran out */
	bool stop;       /* leave the current XML document */
	ooxml_types_t over, defs;
	const char *main_app, *any_app;
	/* the part being read */
	const char *part;
	ooxml_kind_t kind;
	bool workbook_rels; /* a .rels of the workbook: macro sheet ids */
	ooxml_flat_t flat;
	size_t flat_len;
	char flat_part[OOXML_ATTR_MAX];
	char xml_error[160];
	/* Word fields */
	ooxml_field_t field[OOXML_FIELD_DEPTH];
	size_t depth, lost; /* fields kept; deeper ones only counted */
	bool in_instr;
	/* text of the element being collected (<f>, <Path>, binaryData) */
	char *text;
	size_t text_len, text_cap, text_max;
	bool collecting;
	char scratch[OOXML_FORMULA_MAX];
	/* Excel 4.0 macro sheets */
	ooxml_sheet_t sheet[OOXML_MAX_SHEETS];
	size_t n_sheets;
	emg_strlist_t macro_rids;
	unsigned macro_parts;
	/* budgets */
	size_t max_part, max_total, total;
	unsigned reads;
} ooxml_ctx_t;

static pthread_once_t ooxml_xml_once = PTHREAD_ONCE_INIT;

static void
ooxml_xml_init(void)
{
	xmlInitParser();
}

/* ---- small helpers ---------------------------------------------------- */

static bool
ooxml_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	       ch == '\v' || ch == '\f';
}

static bool
ooxml_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* A character that continues a name or function name in a formula. */
static bool
ooxml_ident(char ch)
{
	return ooxml_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '_' ||
	       ch == '.';
}

/* True when S ends with SUFFIX, ignoring case. */
static bool
ooxml_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* LEN cut to at most MAX without splitting a UTF-8 sequence of S. */
static size_t
ooxml_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	for (; max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80; max--)
		;
	return max;
}

static void
ooxml_nomem(ooxml_ctx_t *c)
{
	c->st = EMG_ENOMEM;
	c->stop = true;
}

/* One line in problems (the same line once, at most OOXML_MAX_ITEMS). */
static void __attribute__((format(printf, 2, 3)))
ooxml_problem(ooxml_ctx_t *c, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (c->out->problems.n >= OOXML_MAX_ITEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	line[ooxml_cut(line, strlen(line), sizeof(line) - 1)] = '\0';
	if (strlist_has_nocase(&c->out->problems, line))
		return;
	if (strlist_add(&c->out->problems, line, (size_t)-1) != 0)
		ooxml_nomem(c);
}

/* Add S (LEN bytes, cut to MAX) to the list L of WHAT unless it is there
 * already; at most CAP entries, and a problem says when more were left
 * out, because a lure may pad a list to push the real entry past it. */
static void
ooxml_add(ooxml_ctx_t *c, emg_strlist_t *l, size_t cap, const char *what,
          const char *s, size_t len, size_t max)
{
	char tmp[OOXML_ATTR_MAX];

	if (max > sizeof(tmp) - 1)
		max = sizeof(tmp) - 1;
	len = ooxml_cut(s, len, max);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (strlist_has_nocase(l, tmp))
		return;
	if (l->n >= cap) {
		ooxml_problem(c, "more than %zu %s; the rest not listed", cap,
		              what);
		return;
	}
	if (strlist_add(l, tmp, len) != 0)
		ooxml_nomem(c);
}

/* Copy the value of the current element's attribute whose local name is
 * LOCAL (in any namespace) into BUF (CAP bytes, cut); false when absent. */
static bool
ooxml_attr(xmlTextReaderPtr r, const char *local, char *buf, size_t cap)
{
	bool found = false;

	if (xmlTextReaderMoveToFirstAttribute(r) != 1)
		return false;
	do {
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);
		const char *v;

		if (ln == NULL || strcmp(ln, local) != 0)
			continue;
		v = (const char *)xmlTextReaderConstValue(r);
		if (v == NULL)
			v = "";
		size_t len = ooxml_cut(v, strlen(v), cap - 1);
		memcpy(buf, v, len);
		buf[len] = '\0';
		found = true;
		break;
	} while (xmlTextReaderMoveToNextAttribute(r) == 1);
	xmlTextReaderMoveToElement(r);
	return found;
}

/* ---- collected element text ------------------------------------------- */

static void
ooxml_collect_start(ooxml_ctx_t *c, size_t max)
{
	c->text_len = 0;
	c->text_max = max;
	c->collecting = true;
}

static void
ooxml_collect(ooxml_ctx_t *c, const char *s, size_t n)
{
	size_t take = c->text_max - c->text_len;

	if (n < take)
		take = n;
	if (take == 0)
		return;
	if (c->text_len + take + 1 > c->text_cap) {
		size_t cap = c->text_cap ? c->text_cap : 256;
		char *p;

		while (cap < c->text_len + take + 1)
			cap = cap > c->text_max / 2 ? c->text_max + 1 : cap * 2;
		p = realloc(c->text, cap);
		if (p == NULL) {
			ooxml_nomem(c);
			return;
		}
		c->text = p;
		c->text_cap = cap;
	}
	memcpy(c->text + c->text_len, s, take);
	c->text_len += take;
	c->text[c->text_len] = '\0';
}

/* The text collected since ooxml_collect_start ("" when none). */
static const char *
ooxml_collected(ooxml_ctx_t *c)
{
	c->collecting = false;
	return c->text_len > 0 ? c->text : "";
}

/* ---- [Content_Types].xml ---------------------------------------------- */

static int
ooxml_type_cmp(const void *a, const void *b)
{
	return strcasecmp(((const ooxml_type_t *)a)->key,
	                  ((const ooxml_type_t *)b)->key);
}

static void
ooxml_types_add(ooxml_ctx_t *c, ooxml_types_t *t, const char *key,
                const char *type)
{
	if (c->over.n + c->defs.n >= OOXML_MAX_TYPES) {
		ooxml_problem(c, "[Content_Types].xml: more than %u entries",
		              OOXML_MAX_TYPES);
		return;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		ooxml_type_t *v = realloc(t->v, cap * sizeof(*v));

		if (v == NULL) {
			ooxml_nomem(c);
			return;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].key = strdup(key);
	t->v[t->n].type = strdup(type);
	if (t->v[t->n].key == NULL || t->v[t->n].type == NULL) {
		free(t->v[t->n].key);
		free(t->v[t->n].type);
		ooxml_nomem(c);
		return;
	}
	t->n++;
}

static void
ooxml_types_free(ooxml_types_t *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].type);
	}
	free(t->v);
}

/* A part name as a ZIP member name: no leading slash, '/' separators. */
static void
ooxml_norm(char *dst, size_t cap, const char *name)
{
	size_t o = 0;

	while (*name == '/' || *name == '\\')
		name++;
	for (; *name != '\0' && o + 1 < cap; name++)
		dst[o++] = *name == '\\' ? '/' : *name;
	dst[o] = '\0';
}

static void
ooxml_types_elem(ooxml_ctx_t *c, xmlTextReaderPtr r, const char *local)
{
	char key[OOXML_ATTR_MAX], type[256];

	if (!ooxml_attr(r, "ContentType", type, sizeof(type)))
		return;
	if (strcmp(local, "Override") == 0 &&
	    ooxml_attr(r, "PartName", c->scratch, sizeof(c->scratch))) {
		ooxml_norm(key, sizeof(key), c->scratch);
		ooxml_types_add(c, &c->over, key, type);
	} else if (strcmp(local, "Default") == 0 &&
	           ooxml_attr(r, "Extension", key, sizeof(key))) {
		ooxml_types_add(c, &c->defs, key, type);
	}
}

static const char *
ooxml_override(const ooxml_ctx_t *c, const char *name)
{
	ooxml_type_t k = {.key = (char *)name}, *hit;

	if (c->over.n == 0)
		return NULL;
	hit = bsearch(&k, c->over.v, c->over.n, sizeof(k), ooxml_type_cmp);
	return hit != NULL ? hit->type : NULL;
}

static const char *
ooxml_default(const ooxml_ctx_t *c, const char *name)
{
	const char *base = strrchr(name, '/');
	const char *ext = strrchr(base != NULL ? base : name, '.');

	if (ext == NULL)
		return NULL;
	for (size_t i = 0; i < c->defs.n; i++)
		if (strcasecmp(c->defs.v[i].key, ext + 1) == 0)
			return c->defs.v[i].type;
	return NULL;
}

/* ---- what a part is --------------------------------------------------- */

/* The application a content type belongs to; *MAIN when it is the main
 * document's type. */
static const char *
ooxml_app_of(const char *type, bool *main)
{
	static const struct {
		const char *mark, *app;
	} apps[] = {
	    {"wordprocessingml", "word"},
	    {"ms-word", "word"},
	    {"spreadsheetml", "excel"},
	    {"ms-excel", "excel"},
	    {"presentationml", "powerpoint"},
	    {"ms-powerpoint", "powerpoint"},
	    {"visio", "visio"},
	    {"ms-package.xps", "xps"},
	    {"oxps", "xps"},
	};

	*main = ooxml_ends(type, "main+xml") || ooxml_ends(type, ".main") ||
	        strcasestr(type, "fixeddocumentsequence") != NULL;
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (strcasestr(type, apps[i].mark) != NULL)
			return apps[i].app;
	return NULL;
}

static ooxml_kind_t
ooxml_kind_by_type(const char *type)
{
	static const char *const word_suffix[] = {
	    "main+xml",      "header+xml",   "footer+xml",
	    "footnotes+xml", "endnotes+xml", "comments+xml"};
	bool main;
	const char *app;

	if (type == NULL)
		return OOXML_OTHER;
	if (ooxml_ends(type, "relationships+xml"))
		return OOXML_RELS;
	if (strcasecmp(type, "application/vnd.ms-office.vbaProject") == 0)
		return OOXML_VBA;
	app = ooxml_app_of(type, &main);
	if (app != NULL && strcmp(app, "excel") == 0) {
		if (ooxml_ends(type, "main+xml"))
			return OOXML_WORKBOOK;
		if (ooxml_ends(type, ".main"))
			return OOXML_WORKBOOK_BIN;
		if (ooxml_ends(type, "macrosheet+xml"))
			return OOXML_MACROSHEET;
		if (ooxml_ends(type, "macrosheet"))
			return OOXML_MACROSHEET_BIN;
		if (ooxml_ends(type, "externalLink+xml"))
			return OOXML_EXTLINK;
		if (ooxml_ends(type, "externalLink"))
			return OOXML_EXTLINK_BIN;
	}
	if (app != NULL && strcmp(app, "word") == 0)
		for (size_t i = 0; i < 6; i++)
			if (ooxml_ends(type, word_suffix[i]))
				return OOXML_WORD;
	return OOXML_OTHER;
}

/* True when NAME lies directly in the folder DIR ("xl/macrosheets/"). */
static bool
ooxml_in_dir(const char *name, const char *dir)
{
	size_t k = strlen(dir);

	return strncasecmp(name, dir, k) == 0 && name[k] != '\0' &&
	       strchr(name + k, '/') == NULL;
}

static ooxml_kind_t
ooxml_kind_by_name(const char *name)
{
	const char *base = strrchr(name, '/');

	base = base != NULL ? base + 1 : name;
	if (ooxml_ends(name, ".rels"))
		return OOXML_RELS;
	if (strcasecmp(base, "vbaProject.bin") == 0)
		return OOXML_VBA;
	if (ooxml_in_dir(name, "xl/macrosheets/") &&
	    strncasecmp(base, "binaryIndex", 11) != 0)
		return ooxml_ends(base, ".bin") ? OOXML_MACROSHEET_BIN
		                                : OOXML_MACROSHEET;
	if (ooxml_in_dir(name, "xl/externalLinks/"))
		return ooxml_ends(base, ".bin") ? OOXML_EXTLINK_BIN
		                                : OOXML_EXTLINK;
	if (strcasecmp(name, "xl/workbook.xml") == 0)
		return OOXML_WORKBOOK;
	if (strcasecmp(name, "xl/workbook.bin") == 0)
		return OOXML_WORKBOOK_BIN;
	if (ooxml_in_dir(name, "word/") && ooxml_ends(base, ".xml") &&
	    (strcasecmp(base, "document.xml") == 0 ||
	     strncasecmp(base, "header", 6) == 0 ||
	     strncasecmp(base, "footer", 6) == 0 ||
	     strcasecmp(base, "footnotes.xml") == 0 ||
	     strcasecmp(base, "endnotes.xml") == 0))
		return OOXML_WORD;
	return OOXML_OTHER;
}

/* The kind of part NAME; *TYPE gets its content type (or NULL).  An
 * Override is explicit and wins; a Default only speaks for an extension
 * (.xlsb declares every .bin a workbook), so it is trusted for
 * relationships and VBA alone, after the name. */
static ooxml_kind_t
ooxml_classify(const ooxml_ctx_t *c, const char *name, const char **type)
{
	const char *over = ooxml_override(c, name);
	const char *def = ooxml_default(c, name);
	ooxml_kind_t k = ooxml_kind_by_type(over);

	*type = over != NULL ? over : def;
	if (k != OOXML_OTHER)
		return k;
	if (over != NULL && strcasestr(over, "binIndex") != NULL)
		return OOXML_OTHER;
	if (strcasestr(name, "embeddings/") == name ||
	    strcasestr(name, "/embeddings/") != NULL)
		return OOXML_EMBEDDING;
	k = ooxml_kind_by_name(name);
	if (k == OOXML_OTHER) {
		k = ooxml_kind_by_type(def);
		if (k != OOXML_RELS && k != OOXML_VBA)
			k = OOXML_OTHER;
	}
	return k;
}

/* What a part says by merely being there. */
static void
ooxml_note_part(ooxml_ctx_t *c, const char *name, const char *type,
                ooxml_kind_t kind)
{
	bool main = false;
	const char *app = type != NULL ? ooxml_app_of(type, &main) : NULL;

	if (type != NULL && strcasestr(type, "macroEnabled") != NULL)
		c->out->macro_enabled = true;
	if (kind == OOXML_VBA)
		c->out->macro_enabled = true;
	if (app != NULL && main && c->main_app == NULL)
		c->main_app = app;
	else if (app != NULL && c->any_app == NULL)
		c->any_app = app;
	if (kind == OOXML_EMBEDDING)
		ooxml_add(c, &c->out->embeddings, OOXML_MAX_ITEMS, "embeddings",
		          name, strlen(name), OOXML_ATTR_MAX);
	if (kind == OOXML_MACROSHEET || kind == OOXML_MACROSHEET_BIN) {
		c->macro_parts++;
		ooxml_add(c, &c->out->macrosheets, OOXML_MAX_ITEMS,
		          "macro sheets", name, strlen(name), OOXML_ATTR_MAX);
	}
}

/* ---- relationships ---------------------------------------------------- */

/* True for a target that Office fetches from elsewhere: a UNC path
 * (either slash), or any URI scheme but mailto:.  A drive path counts as
 * the file: URI it is. */
static bool
ooxml_remote_target(const char *t)
{
	size_t i;

	while (ooxml_space(*t))
		t++;
	if ((t[0] == '\\' || t[0] == '/') && (t[1] == '\\' || t[1] == '/'))
		return true;
	if (!ooxml_alpha(t[0]))
		return false;
	for (i = 1; ooxml_alpha(t[i]) || (t[i] >= '0' && t[i] <= '9') ||
	            t[i] == '+' || t[i] == '-' || t[i] == '.';
	     i++)
		;
	return t[i] == ':' && !(i == 6 && strncasecmp(t, "mailto", 6) == 0);
}

static void
ooxml_rel(ooxml_ctx_t *c, xmlTextReaderPtr r)
{
	/* Loaded from elsewhere when the document opens; hyperlinks and
	 * images are not on this list on purpose. */
	static const char *const remote[] = {
	    "attachedTemplate", "oleObject",        "frame",  "subDocument",
	    "aFChunk",          "externalLinkPath", "package"};
	char type[OOXML_ATTR_MAX], target[OOXML_ATTR_MAX], mode[32];
	const char *base;

	if (!ooxml_attr(r, "Type", type, sizeof(type)))
		return;
	base = strrchr(type, '/');
	base = base != NULL ? base + 1 : type;
	if (c->workbook_rels &&
	    (strcasecmp(base, "xlMacrosheet") == 0 ||
	     strcasecmp(base, "xlIntlMacrosheet") == 0) &&
	    ooxml_attr(r, "Id", target, sizeof(target)) &&
	    c->macro_rids.n < OOXML_MAX_SHEETS &&
	    strlist_add(&c->macro_rids, target, (size_t)-1) != 0)
		ooxml_nomem(c);
	if (!ooxml_attr(r, "TargetMode", mode, sizeof(mode)) ||
	    strcasecmp(mode, "External") != 0 ||
	    !ooxml_attr(r, "Target", target, sizeof(target)) ||
	    !ooxml_remote_target(target))
		return;
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
		if (strcasecmp(base, remote[i]) != 0)
			continue;
		snprintf(c->scratch, sizeof(c->scratch), "%s %s", remote[i],
		         target);
		ooxml_add(c, &c->out->external, OOXML_MAX_ITEMS,
		          "external relationships", c->scratch,
		          strlen(c->scratch), OOXML_TARGET_MAX);
		return;
	}
}

/* True when the .rels part NAME belongs to the workbook, whose
 * relationships say which sheets are macro sheets. */
static bool
ooxml_rels_of_workbook(const ooxml_ctx_t *c, const char *name)
{
	char source[OOXML_ATTR_MAX];
	const char *rels = strstr(name, "_rels/");
	const char *type;
	size_t dir, len = strlen(name);
	ooxml_kind_t k;

	if (rels == NULL || !ooxml_ends(name, ".rels"))
		return false;
	dir = (size_t)(rels - name);
	len -= dir + strlen("_rels/") + strlen(".rels");
	if (dir + len + 1 > sizeof(source))
		return false;
	memcpy(source, name, dir);
	memcpy(source + dir, rels + strlen("_rels/"), len);
	source[dir + len] = '\0';
	k = ooxml_classify(c, source, &type);
	return k == OOXML_WORKBOOK || k == OOXML_WORKBOOK_BIN;
}

/* ---- Word fields (DDE) ------------------------------------------------ */

/* Keep INSTR (LEN bytes) when its first word is DDE or DDEAUTO. */
static void
ooxml_dde_field(ooxml_ctx_t *c, const char *s, size_t len)
{
	size_t w;

	while (len > 0 && ooxml_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && ooxml_space(s[len - 1]))
		len--;
	for (w = 0; w < len && !ooxml_space(s[w]) && s[w] != '"'; w++)
		;
	if ((w == 3 && strncasecmp(s, "DDE", 3) == 0) ||
	    (w == 7 && strncasecmp(s, "DDEAUTO", 7) == 0))
		ooxml_add(c, &c->out->dde, OOXML_MAX_ITEMS, "DDE links", s, len,
		          OOXML_SHOW_MAX);
}

static void
ooxml_field_push(ooxml_ctx_t *c, bool implicit)
{
	ooxml_field_t *f;

	if (c->lost > 0 || c->depth == OOXML_FIELD_DEPTH) {
		c->lost++;
		return;
	}
	f = &c->field[c->depth++];
	f->len = 0;
	f->result = false;
	f->implicit = implicit;
}

static void
ooxml_field_pop(ooxml_ctx_t *c)
{
	ooxml_field_t *f;

	if (c->lost > 0) {
		c->lost--;
		return;
	}
	if (c->depth == 0)
		return;
	f = &c->field[--c->depth];
	ooxml_dde_field(c, f->instr, f->len);
}

static void
ooxml_word_start(ooxml_ctx_t *c, xmlTextReaderPtr r, const char *local,
                 bool empty)
{
	char v[OOXML_ATTR_MAX];

	if (strcmp(local, "fldChar") == 0 &&
	    ooxml_attr(r, "fldCharType", v, sizeof(v))) {
		if (strcmp(v, "begin") == 0)
			ooxml_field_push(c, false);
		else if (strcmp(v, "separate") == 0 && c->lost == 0 &&
		         c->depth > 0)
			c->field[c->depth - 1].result = true;
		else if (strcmp(v, "end") == 0)
			ooxml_field_pop(c);
	} else if (strcmp(local, "instrText") == 0 && !empty) {
		if (c->depth == 0 && c->lost == 0)
			ooxml_field_push(c, true);
		c->in_instr = true;
	} else if (strcmp(local, "fldSimple") == 0 &&
	           ooxml_attr(r, "instr", v, sizeof(v))) {
		ooxml_dde_field(c, v, strlen(v));
	} else if (c->flat == OOXML_FLAT_WORD &&
	           strcmp(local, "binData") == 0 &&
	           ooxml_attr(r, "name", v, sizeof(v)) &&
	           strcasecmp(v, "editdata.mso") == 0) {
		/* Word 2003 keeps the VBA project as an ActiveMime blob. */
		c->out->macro_enabled = true;
	}
}

static void
ooxml_word_text(ooxml_ctx_t *c, const char *s, size_t n)
{
	ooxml_field_t *f;
	size_t room;

	if (!c->in_instr || c->lost > 0 || c->depth == 0)
		return;
	f = &c->field[c->depth - 1];
	room = sizeof(f->instr) - 1 - f->len;
	if (f->result || room == 0)
		return;
	n = ooxml_cut(s, n, room);
	memcpy(f->instr + f->len, s, n);
	f->len += n;
}

static void
ooxml_word_end(ooxml_ctx_t *c, const char *local)
{
	if (strcmp(local, "instrText") != 0)
		return;
	c->in_instr = false;
	if (c->lost == 0 && c->depth > 0 && c->field[c->depth - 1].implicit)
		ooxml_field_pop(c);
}

/* ---- Excel ------------------------------------------------------------ */

/* A defined name Excel runs by itself: Auto_Open and friends, also with
 * a suffix ("Auto_Open2", "auto_open_"): Excel matches the prefix. */
static void
ooxml_auto_name(ooxml_ctx_t *c, const char *name)
{
	static const char *const autos[] = {"auto_open", "auto_close",
	                                    "auto_activate", "auto_deactivate"};

	if (strncasecmp(name, "_xlnm.", 6) == 0)
		name += 6;
	for (size_t i = 0; i < sizeof(autos) / sizeof(autos[0]); i++)
		if (strncasecmp(name, autos[i], strlen(autos[i])) == 0) {
			ooxml_add(c, &c->out->xlm.auto_names, OOXML_MAX_ITEMS,
			          "auto-run names", name, strlen(name), 64);
			return;
		}
}

/* Remember a sheet of the workbook (NAME, relationship RID, STATE), to
 * be judged once the workbook's relationships are known. */
static void
ooxml_sheet(ooxml_ctx_t *c, const char *name, const char *rid, int state)
{
	ooxml_sheet_t *s;

	if (c->n_sheets >= OOXML_MAX_SHEETS)
		return;
	s = &c->sheet[c->n_sheets++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->name[ooxml_cut(s->name, strlen(s->name), sizeof(s->name) - 1)] =
	    '\0';
	snprintf(s->rid, sizeof(s->rid), "%s", rid);
	s->state = state;
}

static void
ooxml_workbook_start(ooxml_ctx_t *c, xmlTextReaderPtr r, const char *local)
{
	char v[OOXML_ATTR_MAX];

	c->out->xlm.workbook = true;
	if (strcmp(local, "definedName") == 0 &&
	    ooxml_attr(r, "name", v, sizeof(v))) {
		ooxml_auto_name(c, v);
	} else if (strcmp(local, "sheet") == 0) {
		char name[64], rid[64];
		int state = 0;

		if (!ooxml_attr(r, "name", name, sizeof(name)))
			strcpy(name, "?");
		if (!ooxml_attr(r, "id", rid, sizeof(rid)))
			rid[0] = '\0';
		if (ooxml_attr(r, "state", v, sizeof(v)))
			state = strcmp(v, "veryHidden") == 0 ? 2
			        : strcmp(v, "hidden") == 0   ? 1
			                                     : 0;
		ooxml_sheet(c, name, rid, state);
	}
}

/* Note the XLM functions in formula F that run code or fetch files.  A
 * name counts when no name character comes before it (so "FCALL(" is not
 * CALL), and, for the functions, when a '(' follows. */
static void
ooxml_xlm_formula(ooxml_ctx_t *c, const char *f, size_t len)
{
	static const char *const calls[] = {"URLDownloadToFileA",
	                                    "URLDownloadToFileW",
	                                    "URLDownloadToFile",
	                                    "REGISTER",
	                                    "EXEC",
	                                    "CALL",
	                                    "RUN"};

	for (size_t i = 0; i < len; i++) {
		if (i > 0 && ooxml_ident(f[i - 1]))
			continue;
		for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++) {
			size_t kl = strlen(calls[k]);

			if (len - i < kl ||
			    strncasecmp(f + i, calls[k], kl) != 0)
				continue;
			if (k >= 3 && (i + kl >= len || f[i + kl] != '('))
				continue;
			ooxml_add(c, &c->out->xlm.formulas, OOXML_XLM_MAX,
			          "XLM calls", calls[k], kl, 64);
			break;
		}
	}
}

/* True for a formula with a DDE reference, service|topic!item: a '|'
 * outside string literals and quoted sheet names. */
static bool
ooxml_dde_formula(const char *f)
{
	char quote = 0;

	for (; *f != '\0'; f++) {
		if (quote != 0 && *f == quote)
			quote = 0;
		else if (quote == 0 && (*f == '"' || *f == '\''))
			quote = *f;
		else if (quote == 0 && *f == '|')
			return true;
	}
	return false;
}

static void
ooxml_excel2003_start(ooxml_ctx_t *c, xmlTextReaderPtr r, const char *local,
                      bool empty)
{
	char *v = c->scratch;

	if (strcmp(local, "Cell") == 0 &&
	    ooxml_attr(r, "Formula", v, sizeof(c->scratch))) {
		if (ooxml_dde_formula(v))
			ooxml_add(c, &c->out->dde, OOXML_MAX_ITEMS, "DDE links",
			          v, strlen(v), OOXML_SHOW_MAX);
	} else if (strcmp(local, "Path") == 0 && !empty) {
		ooxml_collect_start(c, OOXML_ATTR_MAX);
	} else if (strcmp(local, "NamedRange") == 0 &&
	           ooxml_attr(r, "Name", v, sizeof(c->scratch))) {
		ooxml_auto_name(c, v);
	}
}

/* An Excel external link: <ddeLink ddeService ddeTopic>. */
static void
ooxml_extlink_start(ooxml_ctx_t *c, xmlTextReaderPtr r, const char *local)
{
	char service[256], topic[OOXML_ATTR_MAX];

	if (strcmp(local, "ddeLink") != 0)
		return;
	if (!ooxml_attr(r, "ddeService", service, sizeof(service)))
		service[0] = '\0';
	if (!ooxml_attr(r, "ddeTopic", topic, sizeof(topic)))
		topic[0] = '\0';
	snprintf(c->scratch, sizeof(c->scratch), "%s|%s", service, topic);
	ooxml_add(c, &c->out->dde, OOXML_MAX_ITEMS, "DDE links", c->scratch,
	          strlen(c->scratch), OOXML_SHOW_MAX);
}

/* Little-endian BIFF12 record numbers: 7 bits a byte, at most MAX bytes. */
static bool
ooxml_varint(const uint8_t *p, size_t n, size_t *off, unsigned max, uint32_t *v)
{
	*v = 0;
	for (unsigned i = 0; i < max; i++) {
		if (*off >= n)
			return false;
		*v |= (uint32_t)(p[*off] & 0x7f) << (7 * i);
		if ((p[(*off)++] & 0x80) == 0)
			return true;
	}
	return true;
}

/* An XLWideString at P (LEN bytes left) appended to OUT (CAP bytes) as
 * UTF-8; the bytes it took, or 0 when it does not fit. */
static size_t
ooxml_wide(const uint8_t *p, size_t len, char *out, size_t cap)
{
	UErrorCode err = U_ZERO_ERROR;
	size_t used = strlen(out);
	uint32_t units;
	int32_t got;
	char *tmp;

	if (len < 4)
		return 0;
	units = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	        (uint32_t)p[3] << 24;
	/* DDE server and topic names are short; a huge count is a lie. */
	if (units > (len - 4) / 2 || units > 65536)
		return 0;
	tmp = malloc((size_t)units * 3 + 1);
	if (tmp == NULL)
		return 0;
	got = ucnv_convert("UTF-8", "UTF-16LE", tmp, (int32_t)units * 3 + 1,
	                   (const char *)p + 4, (int32_t)units * 2, &err);
	if (U_SUCCESS(err) && got > 0 && used + 1 < cap) {
		size_t k = ooxml_cut(tmp, (size_t)got, cap - 1 - used);

		memcpy(out + used, tmp, k);
		out[used + k] = '\0';
	}
	free(tmp);
	return 4 + (size_t)units * 2;
}

/* The DDE link of an .xlsb external-link part: BrtBeginSupBook (record
 * 0x168) of type 1 names the DDE server and topic. */
static void
ooxml_extlink_bin(ooxml_ctx_t *c, const uint8_t *p, size_t n)
{
	size_t off = 0;

	for (unsigned rec = 0; rec < 64 && off < n; rec++) {
		uint32_t type, size;
		size_t k;

		if (!ooxml_varint(p, n, &off, 2, &type) ||
		    !ooxml_varint(p, n, &off, 4, &size) || size > n - off)
			return;
		if (type == 0x168 && size >= 2 && p[off] == 1 &&
		    p[off + 1] == 0) {
			char s[OOXML_ATTR_MAX] = "";

			k = ooxml_wide(p + off + 2, size - 2, s, sizeof(s) / 2);
			if (k == 0)
				return;
			strcat(s, "|");
			ooxml_wide(p + off + 2 + k, size - 2 - k, s, sizeof(s));
			ooxml_add(c, &c->out->dde, OOXML_MAX_ITEMS, "DDE links",
			          s, strlen(s), OOXML_SHOW_MAX);
			return;
		}
		off += size;
	}
}

/* Fold what xls.c read from xl/workbook.bin into our result.  Its sheets
 * are every sheet ("Macro1 (very hidden)") with their relationship ids in
 * SHEET_RELS: which are macro sheets the relationships tell. */
static void
ooxml_merge_xls(ooxml_ctx_t *c, const char *part, const xls_result_t *x)
{
	static const char *const suffix[] = {"", " (hidden)", " (very hidden)"};
	xls_result_t *to = &c->out->xlm;
	const struct {
		emg_strlist_t *to;
		const emg_strlist_t *from;
		size_t cap;
		const char *what;
	} lists[] = {
	    {&to->auto_names, &x->auto_names, OOXML_MAX_ITEMS,
	     "auto-run names"},
	    {&to->formulas, &x->formulas, OOXML_XLM_MAX, "XLM calls"},
	    {&to->dde, &x->dde, OOXML_MAX_ITEMS, "DDE links"},
	};

	to->workbook = true;
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (size_t i = 0; i < lists[l].from->n; i++)
			ooxml_add(c, lists[l].to, lists[l].cap, lists[l].what,
			          lists[l].from->v[i],
			          strlen(lists[l].from->v[i]), OOXML_SHOW_MAX);
	for (size_t i = 0; i < x->sheets.n && i < x->sheet_rels.n; i++) {
		char name[64];
		int state = 2;
		size_t len = strlen(x->sheets.v[i]);

		while (state > 0 && !ooxml_ends(x->sheets.v[i], suffix[state]))
			state--;
		len -= strlen(suffix[state]);
		snprintf(name, sizeof(name), "%.*s", (int)len, x->sheets.v[i]);
		ooxml_sheet(c, name, x->sheet_rels.v[i], state);
	}
	for (size_t i = 0; i < x->problems.n; i++)
		ooxml_problem(c, "%s: %s", part, x->problems.v[i]);
}

/* Macro sheets named by the workbook, with their visibility. */
static void
ooxml_resolve_sheets(ooxml_ctx_t *c)
{
	static const char *const state[] = {"", " (hidden)", " (very hidden)"};
	xls_result_t *x = &c->out->xlm;
	unsigned named = 0;
	char line[128];

	for (size_t i = 0; i < c->n_sheets; i++) {
		const ooxml_sheet_t *s = &c->sheet[i];

		if (s->rid[0] == '\0' ||
		    !strlist_has_nocase(&c->macro_rids, s->rid))
			continue;
		named++;
		x->hidden += s->state == 1;
		x->very_hidden += s->state == 2;
		snprintf(line, sizeof(line), "%s%s", s->name, state[s->state]);
		ooxml_add(c, &x->sheets, OOXML_MAX_ITEMS, "sheets", line,
		          strlen(line), sizeof(line));
	}
	if (named > x->macro_sheets)
		x->macro_sheets = named;
	if (c->macro_parts > x->macro_sheets)
		x->macro_sheets = c->macro_parts;
}

/* ---- binary parts ----------------------------------------------------- */

/* Judge a part that is not XML; takes DATA. */
static void
ooxml_bytes_part(ooxml_ctx_t *c, const char *name, ooxml_kind_t kind,
                 uint8_t *data, size_t len)
{
	xls_result_t x;

	if (kind == OOXML_VBA) {
		ooxml_blob_t *b = NULL;

		c->out->macro_enabled = true;
		if (c->out->n_vba < OOXML_MAX_VBA)
			b = &c->out->vba[c->out->n_vba];
		if (b == NULL) {
			ooxml_problem(c,
			              "more than %d VBA projects; %s not kept",
			              OOXML_MAX_VBA, name);
		} else if ((b->part = strdup(name)) == NULL) {
			ooxml_nomem(c);
		} else {
			b->data = data;
			b->len = len;
			c->out->n_vba++;
			return;
		}
	} else if (kind == OOXML_WORKBOOK_BIN) {
		memset(&x, 0, sizeof(x));
		if (xls_scan_biff12_workbook(data, len, &x) == EMG_ENOMEM)
			ooxml_nomem(c);
		else
			ooxml_merge_xls(c, name, &x);
		xls_result_free(&x);
	} else if (kind == OOXML_EXTLINK_BIN) {
		ooxml_extlink_bin(c, data, len);
	}
	free(data);
}

/* The value of base64 digit CH, or -1. */
static int
ooxml_b64_digit(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* Decode base64 S (LEN bytes, other characters skipped, '=' ends it). */
static uint8_t *
ooxml_base64(const char *s, size_t len, size_t *outlen)
{
	uint8_t *o = malloc(len / 4 * 3 + 3);
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < len && s[i] != '='; i++) {
		int v = ooxml_b64_digit(s[i]);

		if (v < 0)
			continue;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (uint8_t)(acc >> bits);
		}
	}
	*outlen = n;
	return o;
}

/* ---- the XML reader --------------------------------------------------- */

static bool
ooxml_is_bytes_kind(ooxml_kind_t k)
{
	return k == OOXML_VBA || k == OOXML_WORKBOOK_BIN ||
	       k == OOXML_EXTLINK_BIN;
}

static void
ooxml_part_begin(ooxml_ctx_t *c, const char *name, ooxml_kind_t kind)
{
	c->part = name;
	c->kind = kind;
	c->depth = c->lost = 0;
	c->in_instr = false;
	c->collecting = false;
}

/* Fields still open at the end of a part are judged as they stand. */
static void
ooxml_part_end(ooxml_ctx_t *c)
{
	if (c->kind == OOXML_WORD) {
		c->lost = 0;
		while (c->depth > 0)
			ooxml_field_pop(c);
	}
	c->kind = OOXML_OTHER;
}

/* The root element of a flat document says which format it is. */
static void
ooxml_flat_root(ooxml_ctx_t *c, xmlTextReaderPtr r, const char *local)
{
	const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);
	char v[16];

	if (ns == NULL)
		ns = "";
	if (strcmp(local, "package") == 0 && strcmp(ns, OOXML_NS_PKG) == 0) {
		c->flat = OOXML_FLAT_OPC;
	} else if (strcmp(local, "wordDocument") == 0 &&
	           strcmp(ns, OOXML_NS_WORD2003) == 0) {
		c->flat = OOXML_FLAT_WORD;
		c->main_app = "word";
		if (ooxml_attr(r, "macrosPresent", v, sizeof(v)) &&
		    strcmp(v, "yes") == 0)
			c->out->macro_enabled = true;
		ooxml_part_begin(c, c->part, OOXML_WORD);
	} else if (strcmp(local, "Workbook") == 0 &&
	           strcmp(ns, OOXML_NS_EXCEL2003) == 0) {
		c->flat = OOXML_FLAT_EXCEL;
		c->main_app = "excel";
		ooxml_part_begin(c, c->part, OOXML_EXCEL2003);
	} else {
		c->flat = OOXML_FLAT_UNKNOWN;
		c->stop = true;
	}
}

/* A pkg:part of a Flat OPC document, or its pkg:binaryData. */
static void
ooxml_flat_part(ooxml_ctx_t *c, xmlTextReaderPtr r, const char *local,
                int depth)
{
	char type[256];
	const char *unused;
	ooxml_kind_t kind;

	if (depth == 1 && strcmp(local, "part") == 0) {
		ooxml_part_end(c);
		if (!ooxml_attr(r, "name", c->scratch, sizeof(c->scratch)))
			return;
		ooxml_norm(c->flat_part, sizeof(c->flat_part), c->scratch);
		if (!ooxml_attr(r, "contentType", type, sizeof(type)))
			type[0] = '\0';
		kind = ooxml_kind_by_type(type);
		if (kind == OOXML_OTHER)
			kind = ooxml_classify(c, c->flat_part, &unused);
		ooxml_note_part(c, c->flat_part, type[0] ? type : NULL, kind);
		ooxml_part_begin(c, c->flat_part, kind);
		c->workbook_rels = kind == OOXML_RELS &&
		                   ooxml_rels_of_workbook(c, c->flat_part);
	} else if (depth == 2 && strcmp(local, "binaryData") == 0 &&
	           ooxml_is_bytes_kind(c->kind)) {
		ooxml_collect_start(c, c->flat_len);
	}
}

static void
ooxml_flat_part_end(ooxml_ctx_t *c, const char *local, int depth)
{
	uint8_t *data;
	size_t len;

	if (depth == 1 && strcmp(local, "part") == 0) {
		ooxml_part_end(c);
	} else if (depth == 2 && strcmp(local, "binaryData") == 0 &&
	           c->collecting) {
		const char *b64 = ooxml_collected(c);

		data = ooxml_base64(b64, strlen(b64), &len);
		if (data == NULL)
			ooxml_nomem(c);
		else
			ooxml_bytes_part(c, c->part, c->kind, data, len);
	}
}

static void
ooxml_on_start(ooxml_ctx_t *c, xmlTextReaderPtr r, bool empty)
{
	const char *local = (const char *)xmlTextReaderConstLocalName(r);
	int depth = xmlTextReaderDepth(r);

	if (local == NULL)
		return;
	if (c->flat == OOXML_FLAT_DETECT) {
		ooxml_flat_root(c, r, local);
		return;
	}
	if (c->flat == OOXML_FLAT_OPC && depth <= 2) {
		const char *ns =
		    (const char *)xmlTextReaderConstNamespaceUri(r);

		if (ns != NULL && strcmp(ns, OOXML_NS_PKG) == 0) {
			ooxml_flat_part(c, r, local, depth);
			return;
		}
	}
	switch (c->kind) {
	case OOXML_CONTENT_TYPES: ooxml_types_elem(c, r, local); break;
	case OOXML_RELS:
		if (strcmp(local, "Relationship") == 0)
			ooxml_rel(c, r);
		break;
	case OOXML_WORD: ooxml_word_start(c, r, local, empty); break;
	case OOXML_WORKBOOK: ooxml_workbook_start(c, r, local); break;
	case OOXML_MACROSHEET:
		if (strcmp(local, "f") == 0 && !empty)
			ooxml_collect_start(c, OOXML_FORMULA_MAX);
		break;
	case OOXML_EXTLINK: ooxml_extlink_start(c, r, local); break;
	case OOXML_EXCEL2003: ooxml_excel2003_start(c, r, local, empty); break;
	default: break;
	}
}

static void
ooxml_on_end(ooxml_ctx_t *c, xmlTextReaderPtr r)
{
	const char *local = (const char *)xmlTextReaderConstLocalName(r);
	int depth = xmlTextReaderDepth(r);
	const char *text;

	if (local == NULL)
		return;
	if (c->flat == OOXML_FLAT_OPC && depth <= 2) {
		const char *ns =
		    (const char *)xmlTextReaderConstNamespaceUri(r);

		if (ns != NULL && strcmp(ns, OOXML_NS_PKG) == 0) {
			ooxml_flat_part_end(c, local, depth);
			return;
		}
	}
	if (c->kind == OOXML_WORD) {
		ooxml_word_end(c, local);
	} else if (c->kind == OOXML_MACROSHEET && c->collecting &&
	           strcmp(local, "f") == 0) {
		text = ooxml_collected(c);
		ooxml_xlm_formula(c, text, strlen(text));
	} else if (c->kind == OOXML_EXCEL2003 && c->collecting &&
	           strcmp(local, "Path") == 0) {
		text = ooxml_collected(c);
		if (strchr(text, '|') != NULL)
			ooxml_add(c, &c->out->dde, OOXML_MAX_ITEMS, "DDE links",
			          text, strlen(text), OOXML_SHOW_MAX);
	}
}

static void
ooxml_on_text(ooxml_ctx_t *c, const char *s)
{
	if (s == NULL)
		return;
	if (c->kind == OOXML_WORD)
		ooxml_word_text(c, s, strlen(s));
	else if (c->collecting)
		ooxml_collect(c, s, strlen(s));
}

/* libxml2's error callback: keep the first error of the document. */
#if LIBXML_VERSION >= 21200
static void
ooxml_xml_error(void *ctx, const xmlError *e)
#else
static void
ooxml_xml_error(void *ctx, xmlErrorPtr e)
#endif
{
	ooxml_ctx_t *c = ctx;
	size_t len;

	if (c->xml_error[0] != '\0' || e == NULL || e->message == NULL)
		return;
	snprintf(c->xml_error, sizeof(c->xml_error), "%s", e->message);
	len = strlen(c->xml_error);
	while (len > 0 && ooxml_space(c->xml_error[len - 1]))
		c->xml_error[--len] = '\0';
}

/* True when the prolog of D (N bytes, UTF-8) holds a DOCTYPE: refused
 * before libxml2 sees it, so that not even the internal subset is parsed.
 * The reader's DOCUMENT_TYPE node still catches other encodings. */
static bool
ooxml_has_doctype(const uint8_t *d, size_t n)
{
	const char *p = (const char *)d, *end = p + n;

	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (;;) {
		const char *close = NULL, *tail = "?>";

		while (p < end && ooxml_space(*p))
			p++;
		if (end - p >= 9 && memcmp(p, "<!DOCTYPE", 9) == 0)
			return true;
		if (end - p >= 4 && memcmp(p, "<!--", 4) == 0)
			tail = "-->";
		else if (end - p < 2 || memcmp(p, "<?", 2) != 0)
			return false;
		close =
		    memmem(p + 2, (size_t)(end - p - 2), tail, strlen(tail));
		if (close == NULL)
			return false;
		p = close + strlen(tail);
	}
}

/* Stream the XML document D (N bytes) through the handlers. */
static void
ooxml_xml_run(ooxml_ctx_t *c, const uint8_t *d, size_t n)
{
	const int opts =
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	xmlTextReaderPtr r;
	int ret = 0;

	pthread_once(&ooxml_xml_once, ooxml_xml_init);
	if (n == 0 || n > (size_t)INT32_MAX) {
		ooxml_problem(c, "%s: %s", c->part,
		              n == 0 ? "empty" : "too large to parse");
		return;
	}
	if (ooxml_has_doctype(d, n)) {
		ooxml_problem(c, "%s: has a DTD; not read", c->part);
		return;
	}
	r = xmlReaderForMemory((const char *)d, (int)n, NULL, NULL, opts);
	if (r == NULL) {
		ooxml_nomem(c);
		return;
	}
	xmlTextReaderSetStructuredErrorHandler(r, ooxml_xml_error, c);
	c->xml_error[0] = '\0';
	c->stop = false;
	while (!c->stop && (ret = xmlTextReaderRead(r)) == 1) {
		switch (xmlTextReaderNodeType(r)) {
		case XML_READER_TYPE_ELEMENT: {
			bool empty = xmlTextReaderIsEmptyElement(r) == 1;

			ooxml_on_start(c, r, empty);
			if (empty)
				ooxml_on_end(c, r);
			break;
		}
		case XML_READER_TYPE_END_ELEMENT: ooxml_on_end(c, r); break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			ooxml_on_text(c,
			              (const char *)xmlTextReaderConstValue(r));
			break;
		case XML_READER_TYPE_DOCUMENT_TYPE:
			ooxml_problem(c, "%s: has a DTD; not read", c->part);
			c->stop = true;
			break;
		default: break;
		}
	}
	if (!c->stop && ret < 0)
		ooxml_problem(c, "%s: XML error line %d: %s", c->part,
		              xmlTextReaderGetParserLineNumber(r),
		              c->xml_error[0] ? c->xml_error : "unreadable");
	xmlFreeTextReader(r);
}

/* ---- the ZIP package -------------------------------------------------- */

/* Collects one part, up to MAX bytes. */
typedef struct ooxml_sink {
	uint8_t *p;
	size_t len, cap, max;
	bool over, nomem;
} ooxml_sink_t;

static int
ooxml_sink_fn(void *ctx, const uint8_t *buf, size_t n)
{
	ooxml_sink_t *s = ctx;
	size_t take = s->max - s->len < n ? s->max - s->len : n;

	if (take > s->cap - s->len) {
		size_t cap = s->cap ? s->cap : 4096;
		uint8_t *p;

		while (cap - s->len < take)
			cap = cap > s->max / 2 ? s->max : cap * 2;
		p = realloc(s->p, cap);
		if (p == NULL) {
			s->nomem = true;
			return 1;
		}
		s->p = p;
		s->cap = cap;
	}
	if (take > 0)
		memcpy(s->p + s->len, buf, take);
	s->len += take;
	if (take < n) {
		s->over = true;
		return 1;
	}
	return 0;
}

/* Member I (NAME) read within the budgets, malloc'd (never NULL when
 * something was read, even 0 bytes); NULL when nothing could be.  A part
 * cut by a budget is returned cut: its head is still worth judging. */
static uint8_t *
ooxml_read(ooxml_ctx_t *c, unpack_t *u, size_t i, const char *name, size_t *len)
{
	ooxml_sink_t s = {0};
	unpack_result_t res;
	char why[128];

	if (c->reads >= OOXML_MAX_READS || c->total >= c->max_total) {
		ooxml_problem(c,
		              "more than %u parts or %zu bytes to read; the "
		              "rest skipped",
		              OOXML_MAX_READS, c->max_total);
		return NULL;
	}
	c->reads++;
	s.max = c->max_total - c->total;
	if (s.max > c->max_part)
		s.max = c->max_part;
	if (unpack_read(u, i, NULL, ooxml_sink_fn, &s, &res, why,
	                sizeof(why)) == EMG_ENOMEM ||
	    s.nomem) {
		free(s.p);
		ooxml_nomem(c);
		return NULL;
	}
	c->total += s.len;
	if (s.over && s.max == c->max_part)
		ooxml_problem(c,
		              "%s: larger than %zu bytes; only its head read",
		              name, c->max_part);
	else if (s.over || res == UNPACK_RESULT_LIMIT_BYTES)
		ooxml_problem(c, "%s: parts over %zu bytes in all; cut", name,
		              c->max_total);
	else if (res == UNPACK_RESULT_CORRUPT ||
	         res == UNPACK_RESULT_LIMIT_RATIO)
		ooxml_problem(c, "%s: %s", name, why[0] ? why : "corrupt");
	if (res == UNPACK_RESULT_BAD_PASSWORD ||
	    res == UNPACK_RESULT_UNSUPPORTED) {
		ooxml_problem(c, "%s: encrypted member", name);
		free(s.p);
		return NULL;
	}
	if (s.p == NULL && (s.p = malloc(1)) == NULL)
		ooxml_nomem(c);
	*len = s.len;
	return s.p;
}

/* False when the Word story D (N bytes) holds no field element, so that
 * the bulk of a document's XML need not be parsed: element names cannot
 * be escaped, so their bytes are there in any ASCII-compatible encoding.
 * Anything else (UTF-16, a first byte that is not '<') is parsed. */
static bool
ooxml_may_have_fields(const uint8_t *d, size_t n)
{
	size_t i = n >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	while (i < n && ooxml_space((char)d[i]))
		i++;
	if (i >= n || d[i] != '<' || memchr(d, '\0', n < 64 ? n : 64))
		return true;
	return memmem(d, n, "instrText", 9) != NULL ||
	       memmem(d, n, "fldSimple", 9) != NULL;
}

/* Read and judge part NAME of kind KIND, member I. */
static void
ooxml_zip_part(ooxml_ctx_t *c, unpack_t *u, size_t i, const char *name,
               ooxml_kind_t kind)
{
	uint8_t *data;
	size_t len = 0;

	data = ooxml_read(c, u, i, name, &len);
	if (data == NULL)
		return;
	if (ooxml_is_bytes_kind(kind)) {
		ooxml_bytes_part(c, name, kind, data, len);
		return;
	}
	c->workbook_rels =
	    kind == OOXML_RELS && ooxml_rels_of_workbook(c, name);
	ooxml_part_begin(c, name, kind);
	if (kind != OOXML_WORD || ooxml_may_have_fields(data, len))
		ooxml_xml_run(c, data, len);
	ooxml_part_end(c);
	free(data);
}

/* Index of [Content_Types].xml, or the member count when absent. */
static size_t
ooxml_find_types(const unpack_t *u)
{
	size_t n = unpack_count(u);

	for (size_t i = 0; i < n; i++) {
		const char *name = unpack_member(u, i)->name;

		while (*name == '/')
			name++;
		if (strcasecmp(name, "[Content_Types].xml") == 0)
			return i;
	}
	return n;
}

static void
ooxml_zip_walk(ooxml_ctx_t *c, unpack_t *u)
{
	size_t n = unpack_count(u), types = ooxml_find_types(u);
	char name[OOXML_ATTR_MAX];
	const char *type;
	ooxml_kind_t kind;

	if (types < n) {
		c->out->package = true;
		ooxml_zip_part(c, u, types, "[Content_Types].xml",
		               OOXML_CONTENT_TYPES);
		if (c->over.n > 1)
			qsort(c->over.v, c->over.n, sizeof(c->over.v[0]),
			      ooxml_type_cmp);
	} else {
		ooxml_problem(c, "no [Content_Types].xml: not an OPC package");
	}
	for (size_t i = 0; i < n && c->st == EMG_OK; i++) {
		const unpack_member_t *m = unpack_member(u, i);

		if (i == types || m->is_dir)
			continue;
		ooxml_norm(name, sizeof(name), m->name);
		kind = ooxml_classify(c, name, &type);
		ooxml_note_part(c, name, type, kind);
		if (kind != OOXML_OTHER && kind != OOXML_EMBEDDING &&
		    kind != OOXML_MACROSHEET_BIN)
			ooxml_zip_part(c, u, i, name, kind);
	}
}

/* ---- API -------------------------------------------------------------- */

static ooxml_ctx_t *
ooxml_ctx_new(ooxml_result_t *out)
{
	ooxml_ctx_t *c = calloc(1, sizeof(*c));

	if (c != NULL) {
		c->out = out;
		c->part = "document";
	}
	return c;
}

/* Check the arguments, zero OUT and make the context of one call. */
static emg_status_t
ooxml_start(const uint8_t *d, size_t n, ooxml_result_t *out, ooxml_ctx_t **c)
{
	*c = NULL;
	if (out == NULL)
		return EMG_EINVAL;
	memset(out, 0, sizeof(*out));
	if (d == NULL && n > 0)
		return EMG_EINVAL;
	*c = ooxml_ctx_new(out);
	return *c != NULL ? EMG_OK : EMG_ENOMEM;
}

/* Settle what needs every part seen, free C, and say how it went. */
static emg_status_t
ooxml_finish(ooxml_ctx_t *c)
{
	ooxml_result_t *out = c->out;
	emg_status_t st;

	ooxml_part_end(c);
	ooxml_resolve_sheets(c);
	out->app = c->main_app != NULL ? c->main_app : c->any_app;
	st = c->st;
	ooxml_types_free(&c->over);
	ooxml_types_free(&c->defs);
	strlist_free(&c->macro_rids);
	free(c->text);
	free(c);
	if (st != EMG_OK) {
		ooxml_result_free(out);
		memset(out, 0, sizeof(*out));
	}
	return st;
}

bool
ooxml_is_package(const uint8_t *d, size_t n)
{
	unpack_limits_t lim = {.max_files = OOXML_MAX_MEMBERS};
	unpack_t *u = NULL;
	bool yes;

	if (d == NULL || n < 4 || d[0] != 'P' || d[1] != 'K')
		return false;
	if (unpack_open(d, n, "application/zip", &lim, &u, NULL, 0) != EMG_OK)
		return false;
	yes = ooxml_find_types(u) < unpack_count(u);
	unpack_close(u);
	return yes;
}

emg_status_t
ooxml_scan(const uint8_t *d, size_t n, size_t max_part, size_t max_total,
           ooxml_result_t *out)
{
	unpack_limits_t lim = {.max_files = OOXML_MAX_MEMBERS};
	unpack_t *u = NULL;
	ooxml_ctx_t *c;
	char why[256];
	emg_status_t st = ooxml_start(d, n, out, &c);

	if (st != EMG_OK)
		return st;
	c->max_part = max_part != 0 ? max_part : OOXML_HARD_PART;
	c->max_total = max_total != 0 ? max_total : OOXML_HARD_TOTAL;
	lim.max_bytes = c->max_total;
	st = unpack_open(d, n, "application/zip", &lim, &u, why, sizeof(why));
	if (st == EMG_ENOMEM) {
		ooxml_nomem(c);
	} else if (st != EMG_OK) {
		ooxml_problem(c, "not a readable ZIP: %s", why);
	} else {
		if (unpack_truncated(u))
			ooxml_problem(c, "%s", why);
		ooxml_zip_walk(c, u);
		unpack_close(u);
	}
	return ooxml_finish(c);
}

/* Skip a byte-order mark and blanks: does D start like XML? */
static bool
ooxml_looks_xml(const uint8_t *d, size_t n)
{
	size_t i = 0;

	if (n >= 2 &&
	    ((d[0] == 0xff && d[1] == 0xfe) || (d[0] == 0xfe && d[1] == 0xff)))
		return true;
	if (n >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf)
		i = 3;
	while (i < n && ooxml_space((char)d[i]))
		i++;
	return i < n && d[i] == '<';
}

bool
ooxml_is_flat_xml(const uint8_t *d, size_t n)
{
	ooxml_result_t scratch;
	ooxml_ctx_t *c;
	xmlTextReaderPtr r;
	ooxml_flat_t flat = OOXML_FLAT_UNKNOWN;

	if (d == NULL || !ooxml_looks_xml(d, n) || n > (size_t)INT32_MAX)
		return false;
	pthread_once(&ooxml_xml_once, ooxml_xml_init);
	memset(&scratch, 0, sizeof(scratch));
	c = ooxml_ctx_new(&scratch);
	r = xmlReaderForMemory((const char *)d, (int)n, NULL, NULL,
	                       XML_PARSE_NONET | XML_PARSE_NOERROR |
	                           XML_PARSE_NOWARNING);
	if (c != NULL && r != NULL) {
		xmlTextReaderSetStructuredErrorHandler(r, ooxml_xml_error, c);
		c->flat = OOXML_FLAT_DETECT;
		/* Only the prolog is read: the root element decides. */
		while (xmlTextReaderRead(r) == 1)
			if (xmlTextReaderNodeType(r) ==
			    XML_READER_TYPE_ELEMENT) {
				const char *local =
				    (const char *)xmlTextReaderConstLocalName(
				        r);

				if (local != NULL)
					ooxml_flat_root(c, r, local);
				flat = c->flat;
				break;
			}
	}
	if (r != NULL)
		xmlFreeTextReader(r);
	if (c != NULL) {
		c->kind = OOXML_OTHER;
		(void)ooxml_finish(c);
	}
	ooxml_result_free(&scratch);
	return flat == OOXML_FLAT_OPC || flat == OOXML_FLAT_WORD ||
	       flat == OOXML_FLAT_EXCEL;
}

emg_status_t
ooxml_scan_flat_xml(const uint8_t *d, size_t n, ooxml_result_t *out)
{
	ooxml_ctx_t *c;
	emg_status_t st = ooxml_start(d, n, out, &c);

	if (st != EMG_OK)
		return st;
	c->flat = OOXML_FLAT_DETECT;
	c->flat_len = n;
	ooxml_xml_run(c, d, n);
	/* A refused DTD has said why already. */
	if ((c->flat == OOXML_FLAT_DETECT || c->flat == OOXML_FLAT_UNKNOWN) &&
	    out->problems.n == 0)
		ooxml_problem(c, "not Word 2003, Excel 2003 or Flat OPC XML");
	return ooxml_finish(c);
}

void
ooxml_result_free(ooxml_result_t *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_vba && i < OOXML_MAX_VBA; i++) {
		free(r->vba[i].part);
		free(r->vba[i].data);
	}
	r->n_vba = 0;
	xls_result_free(&r->xlm);
	strlist_free(&r->macrosheets);
	strlist_free(&r->external);
	strlist_free(&r->dde);
	strlist_free(&r->embeddings);
	strlist_free(&r->problems);
}
