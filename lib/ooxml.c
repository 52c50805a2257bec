/*
 * ooxml.c - Office Open XML packages and the single-file Office XML
 * formats (see ooxml.h): what a macro, template-injection or DDE lure
 * leaves in them.  This file holds the API, the ZIP walk, the content
 * types, what a part is, and what is settled once every part is seen
 * (macro sheets named by the workbook's relationships, the binary parts);
 * ooxml_xml.c reads the XML parts.
 *
 * The ZIP is read through unpack.c, so that archive limits act here as
 * they do for any other archive.  [Content_Types].xml comes first, since
 * the content types say what a part is (a renamed document.xml or
 * vbaProject.bin is still found); then every member in order, reading
 * only the parts that can hold what we look for.  Each part is bounded
 * by MAX_PART, all of them by MAX_TOTAL, and at most OOXML_MAX_READS
 * parts are read.
 *
 * Failure modes: bad input becomes a line in problems and the scan goes
 * on; only ENOMEM fails.  No state outside the call.  Relies on unpack.c
 * (libzip), ICU for the UTF-16 strings of .xlsb parts and xls.c for
 * xl/workbook.bin.
 */
#include "ooxml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicode/ucnv.h>

#include "ooxml_int.h"
#include "unpack.h"

#define OOXML_MAX_MEMBERS 10000u             /* ZIP members listed */
#define OOXML_MAX_READS 512u                 /* parts read from one ZIP */
#define OOXML_HARD_PART ((size_t)64 << 20)   /* when MAX_PART is 0 */
#define OOXML_HARD_TOTAL ((size_t)256 << 20) /* when MAX_TOTAL is 0 */

/* ---- small helpers ---------------------------------------------------- */

bool
ooxml_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	       ch == '\v' || ch == '\f';
}

/* True when S ends with SUFFIX, ignoring case. */
static bool
ooxml_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* LEN cut to at most MAX without splitting a UTF-8 sequence of S. */
size_t
ooxml_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	for (; max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80; max--)
		;
	return max;
}

void
ooxml_nomem(ooxml_ctx_t *c)
{
	c->st = EMG_ENOMEM;
	c->stop = true;
}

/* One line in problems (the same line once, at most OOXML_MAX_ITEMS). */
void __attribute__((format(printf, 2, 3)))
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
void
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

/* ---- [Content_Types].xml ---------------------------------------------- */

static int
ooxml_type_cmp(const void *a, const void *b)
{
	return strcasecmp(((const ooxml_type_t *)a)->key,
	                  ((const ooxml_type_t *)b)->key);
}

void
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
void
ooxml_norm(char *dst, size_t cap, const char *name)
{
	size_t o = 0;

	while (*name == '/' || *name == '\\')
		name++;
	for (; *name != '\0' && o + 1 < cap; name++)
		dst[o++] = *name == '\\' ? '/' : *name;
	dst[o] = '\0';
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

ooxml_kind_t
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
ooxml_kind_t
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
void
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

/* True when the .rels part NAME belongs to the workbook, whose
 * relationships say which sheets are macro sheets. */
bool
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

/* ---- Excel sheets ----------------------------------------------------- */

/* Remember a sheet of the workbook (NAME, relationship RID, STATE), to
 * be judged once the workbook's relationships are known. */
void
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
void
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

bool
ooxml_is_bytes_kind(ooxml_kind_t k)
{
	return k == OOXML_VBA || k == OOXML_WORKBOOK_BIN ||
	       k == OOXML_EXTLINK_BIN;
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

ooxml_ctx_t *
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
emg_status_t
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
