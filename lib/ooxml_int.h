/*
 * ooxml_int.h - what ooxml.c (API, ZIP walk, content types, part kinds,
 * sheets and binary parts) and ooxml_xml.c (the libxml2 reader and its
 * element handlers) share: the limits, the per-call context and the
 * helpers each calls in the other.  Internal to libemguard, not
 * installed; the contract is ooxml.h.
 */
#ifndef EMG_OOXML_INT_H
#define EMG_OOXML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ooxml.h"
#include "strlist.h"

#define OOXML_MAX_TYPES 4096u   /* [Content_Types].xml entries kept */
#define OOXML_MAX_SHEETS 256u   /* <sheet> and macro sheet ids kept */
#define OOXML_FIELD_DEPTH 16u   /* nested Word fields followed */
#define OOXML_INSTR_MAX 512u    /* bytes of one field instruction */
#define OOXML_FORMULA_MAX 8192u /* Excel's own formula length cap */
#define OOXML_SHOW_MAX 200u     /* bytes of a DDE string kept */
#define OOXML_TARGET_MAX 300u   /* bytes of a "type target" kept */
#define OOXML_XLM_MAX 16u       /* XLM calls listed (xls.h) */
#define OOXML_ATTR_MAX 1024u    /* bytes of an attribute value read */

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

/* ---- ooxml.c ---------------------------------------------------------- */

bool ooxml_space(char ch);
/* LEN cut to at most MAX without splitting a UTF-8 sequence of S. */
size_t ooxml_cut(const char *s, size_t len, size_t max);
/* Memory ran out: remember it and leave the current XML document. */
void ooxml_nomem(ooxml_ctx_t *c);
/* One line in problems (the same line once, at most OOXML_MAX_ITEMS). */
void ooxml_problem(ooxml_ctx_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add S (LEN bytes, cut to MAX) to the list L of WHAT unless it is there
 * already; at most CAP entries, then a problem says more were left out. */
void ooxml_add(ooxml_ctx_t *c, emg_strlist_t *l, size_t cap, const char *what,
               const char *s, size_t len, size_t max);
/* A [Content_Types].xml entry: KEY (part name or extension) has TYPE. */
void ooxml_types_add(ooxml_ctx_t *c, ooxml_types_t *t, const char *key,
                     const char *type);
/* A part name as a ZIP member name: no leading slash, '/' separators. */
void ooxml_norm(char *dst, size_t cap, const char *name);
/* The kind a content type TYPE (may be NULL) gives a part. */
ooxml_kind_t ooxml_kind_by_type(const char *type);
/* The kind of part NAME; *TYPE gets its content type (or NULL). */
ooxml_kind_t ooxml_classify(const ooxml_ctx_t *c, const char *name,
                            const char **type);
/* What a part says by merely being there. */
void ooxml_note_part(ooxml_ctx_t *c, const char *name, const char *type,
                     ooxml_kind_t kind);
/* True when the .rels part NAME belongs to the workbook. */
bool ooxml_rels_of_workbook(const ooxml_ctx_t *c, const char *name);
/* Remember a sheet of the workbook (NAME, relationship RID, STATE). */
void ooxml_sheet(ooxml_ctx_t *c, const char *name, const char *rid, int state);
/* True for the kinds judged as bytes, not XML. */
bool ooxml_is_bytes_kind(ooxml_kind_t k);
/* Judge a part that is not XML; takes DATA. */
void ooxml_bytes_part(ooxml_ctx_t *c, const char *name, ooxml_kind_t kind,
                      uint8_t *data, size_t len);
/* The context of one call writing to OUT; NULL when out of memory. */
ooxml_ctx_t *ooxml_ctx_new(ooxml_result_t *out);
/* Settle what needs every part seen, free C, and say how it went. */
emg_status_t ooxml_finish(ooxml_ctx_t *c);

/* ---- ooxml_xml.c ------------------------------------------------------ */

/* Part NAME of kind KIND is about to be read. */
void ooxml_part_begin(ooxml_ctx_t *c, const char *name, ooxml_kind_t kind);
/* Fields still open at the end of a part are judged as they stand. */
void ooxml_part_end(ooxml_ctx_t *c);
/* Stream the XML document D (N bytes) through the handlers. */
void ooxml_xml_run(ooxml_ctx_t *c, const uint8_t *d, size_t n);

#endif
