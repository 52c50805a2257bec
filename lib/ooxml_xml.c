/*
 * ooxml_xml.c - the XML parts of an Office Open XML package, and the
 * single-file Office XML formats (Word/Excel 2003 XML, Flat OPC), read for
 * ooxml.c: Word fields (DDE), workbook sheets and defined names, macro
 * sheet formulas, external links, relationships, content types.
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
 * Failure modes as in ooxml.c: bad XML is a line in problems, only ENOMEM
 * fails.  No state outside the call but libxml2's one-time
 * initialisation.
 */
#include "ooxml.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include "ooxml_int.h"

#define OOXML_NS_PKG "http://schemas.microsoft.com/office/2006/xmlPackage"
#define OOXML_NS_WORD2003 "http://schemas.microsoft.com/office/word/2003/wordml"
#define OOXML_NS_EXCEL2003 "urn:schemas-microsoft-com:office:spreadsheet"

static pthread_once_t ooxml_xml_once = PTHREAD_ONCE_INIT;

static void
ooxml_xml_init(void)
{
	xmlInitParser();
}

/* ---- small helpers ---------------------------------------------------- */

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

/* ---- Flat OPC binary data --------------------------------------------- */

/* Decode base64 S (LEN bytes; GLib skips what is not base64). */
static uint8_t *
ooxml_base64(const char *s, size_t len, size_t *outlen)
{
	uint8_t *o = malloc(len / 4 * 3 + 3);
	gint state = 0;
	guint save = 0;

	if (o == NULL)
		return NULL;
	*outlen = g_base64_decode_step(s, len, o, &state, &save);
	return o;
}

/* ---- the XML reader --------------------------------------------------- */

void
ooxml_part_begin(ooxml_ctx_t *c, const char *name, ooxml_kind_t kind)
{
	c->part = name;
	c->kind = kind;
	c->depth = c->lost = 0;
	c->in_instr = false;
	c->collecting = false;
}

/* Fields still open at the end of a part are judged as they stand. */
void
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
void
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

/* ---- flat documents --------------------------------------------------- */

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
