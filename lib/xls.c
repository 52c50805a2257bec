/*
 * xls.c - Excel 4.0 (XLM) macros and DDE links in what Excel opens (see
 * xls.h): the BIFF5/BIFF8 Workbook stream of .xls/.xlt/.xla, the BIFF12
 * workbook part of .xlsb, SYLK and CSV text.  This file reads BIFF5/8 and
 * BIFF12 and holds the helpers that build the result lists; SYLK and CSV
 * are read in xls_text.c (helpers shared through the internal part of
 * xls.h).
 *
 * BIFF is a chain of records (type u16, length u16).  The globals
 * substream comes first; each BOUNDSHEET there gives the offset of a sheet
 * substream, and that substream is walked from the offset, as Excel reads
 * it, so that junk between substreams cannot hide a sheet from us.  A
 * sheet is a macro sheet when its BOUNDSHEET or its own BOF says so.  The
 * formulas of macro sheets are parsed token by token in xls_formula.c: a
 * byte scan for function ids would also match inside numbers and strings.
 * After a FILEPASS record every payload is ciphertext except the BOF and
 * the first four bytes of BOUNDSHEET (MS-XLS 2.2.10): then only sheet
 * positions and BOF types are read, and the caller decrypts and walks the
 * result again.
 *
 * BIFF12 records have variable-length types and sizes; of xl/workbook.bin
 * only the sheets (BrtBundleSh) and names (BrtName) are read.
 *
 * Every walk is bounded by the stream, by XLS_MAX_RECORDS record headers
 * and by XLS_MAX_WORK payload bytes joined or parsed over the whole call,
 * so a hostile stream whose sheets overlap costs no more than a large one.
 * Damage is a line in the result's problems; what could be read is kept.
 * Relies only on libc.
 */
#include "xls.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define XLS_MAX_SHEETS 32        /* entries of SHEETS (and SHEET_RELS) */
#define XLS_MAX_NAMES 16         /* entries of AUTO_NAMES */
#define XLS_MAX_PROBLEMS 16      /* entries of PROBLEMS, then one "more" */
#define XLS_MAX_DEPTH 8          /* nested BOF..EOF (charts inside a sheet) */
#define XLS_MAX_JOIN 65536       /* bytes of a record joined with CONTINUEs */
#define XLS_MAX_WORK (64u << 20) /* payload bytes joined or parsed */
/* XLS_MAX_FORMULAS, XLS_MAX_DDE, XLS_TEXT_MAX, XLS_ENTRY_MAX,
 * XLS_MAX_WALKS: xls.h */

#define XLS_RT_FORMULA 0x0006
#define XLS_RT_EOF 0x000A
#define XLS_RT_NAME 0x0018
#define XLS_RT_EXTERNNAME 0x0023
#define XLS_RT_FILEPASS 0x002F
#define XLS_RT_CONTINUE 0x003C
#define XLS_RT_BOUNDSHEET 0x0085
#define XLS_RT_SUPBOOK 0x01AE
#define XLS_RT_LABEL 0x0204
#define XLS_RT_STRING 0x0207
#define XLS_RT_ARRAY 0x0221
#define XLS_RT_SHRFMLA 0x04BC
#define XLS_RT_BOF 0x0809

#define XLS_BOF_BIFF5 0x0500
#define XLS_BOF_BIFF8 0x0600
#define XLS_BOF_MACRO 0x0040 /* BOF dt of an Excel 4.0 macro sheet */
#define XLS_SHEET_MACRO 1    /* BOUNDSHEET dt of a macro sheet */
#define XLS_NAME_BUILTIN 0x0020
#define XLS_EXTERN_OLE 0x0018 /* EXTERNNAME fOle | fOleLink */

#define XLS_B12_NAME 39 /* BrtName */
#define XLS_B12_BEGIN_BOOK 131
#define XLS_B12_BUNDLE_SH 156 /* BrtBundleSh */

/* The names that Excel runs by themselves, and their built-in indexes
 * (MS-XLS 2.5.114 Lbl: a built-in name is one character). */
static const struct xls_auto {
	uint32_t builtin;
	const char *name;
} xls_autos[] = {
    {0x01, "Auto_Open"},
    {0x02, "Auto_Close"},
    {0x0A, "Auto_Activate"},
    {0x0B, "Auto_Deactivate"},
};

/* One BIFF record: header offset, type, payload (joined with its CONTINUE
 * records when asked) and the offset of what follows. */
typedef struct xls_rec {
	size_t off;
	uint16_t type;
	const uint8_t *p;
	size_t len;
	size_t next;
} xls_rec_t;

uint16_t
xls_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
xls_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* ---- results ------------------------------------------------------------ */

static void
xls_push(xls_ctx_t *c, emg_strlist_t *l, const char *s)
{
	if (c->st == EMG_OK && strlist_add(l, s, (size_t)-1) != 0)
		c->st = EMG_ENOMEM;
}

/* Add S to L unless L holds it already (in any case) or holds MAX. */
void
xls_add(xls_ctx_t *c, emg_strlist_t *l, size_t max, const char *s)
{
	if (l->n < max && !strlist_has_nocase(l, s))
		xls_push(c, l, s);
}

void __attribute__((format(printf, 2, 3)))
xls_problem(xls_ctx_t *c, const char *fmt, ...)
{
	emg_strlist_t *l = &c->out->problems;
	char line[160];
	va_list ap;

	if (l->n > XLS_MAX_PROBLEMS)
		return;
	if (l->n == XLS_MAX_PROBLEMS) {
		xls_push(c, l, "more problems not listed");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	xls_add(c, l, XLS_MAX_PROBLEMS, line);
}

void
xls_buf_init(xls_buf_t *b)
{
	b->n = 0;
	b->s[0] = '\0';
}

/* Append the LEN bytes at U, or nothing when they do not all fit. */
static void
xls_buf_put(xls_buf_t *b, const char *u, size_t len)
{
	if (len > XLS_ENTRY_MAX - b->n)
		return;
	memcpy(b->s + b->n, u, len);
	b->n += len;
	b->s[b->n] = '\0';
}

void
xls_buf_str(xls_buf_t *b, const char *s)
{
	size_t len = strlen(s);

	if (len > XLS_ENTRY_MAX - b->n)
		len = XLS_ENTRY_MAX - b->n;
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
}

/* Characters that do not show: malware pads names with them. */
static bool
xls_invisible(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xAD ||
	       (cp >= 0x200B && cp <= 0x200F) ||
	       (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF ||
	       (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF;
}

/* Append CP so that a person can read it: what does not show as an
 * escape, the rest as UTF-8.  Only whole characters are appended. */
static void
xls_buf_cp(xls_buf_t *b, uint32_t cp)
{
	char u[8];
	size_t len;

	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		len = (size_t)snprintf(u, sizeof(u), "\\x%02X", (unsigned)cp);
	else if (xls_invisible(cp))
		len = (size_t)snprintf(u, sizeof(u), "\\u%04X",
		                       (unsigned)(cp & 0xFFFF));
	else if (cp < 0x80)
		u[0] = (char)cp, len = 1;
	else if (cp < 0x800)
		u[0] = (char)(0xC0 | (cp >> 6)),
		u[1] = (char)(0x80 | (cp & 0x3F)), len = 2;
	else if (cp < 0x10000)
		u[0] = (char)(0xE0 | (cp >> 12)),
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		u[2] = (char)(0x80 | (cp & 0x3F)), len = 3;
	else
		u[0] = (char)(0xF0 | (cp >> 18)),
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		u[3] = (char)(0x80 | (cp & 0x3F)), len = 4;
	xls_buf_put(b, u, len);
}

static void
xls_buf_text(xls_buf_t *b, const xls_text_t *t)
{
	for (size_t i = 0; i < t->n; i++)
		xls_buf_cp(b, t->cp[i]);
}

/* Append the bytes of text in an unknown code page: printable ASCII as
 * it is, other bytes as escapes. */
void
xls_buf_bytes(xls_buf_t *b, const char *s, size_t n)
{
	char u[8];

	for (size_t i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)s[i];
		if (ch < 0x80)
			xls_buf_cp(b, ch);
		else
			xls_buf_put(
			    b, u,
			    (size_t)snprintf(u, sizeof(u), "\\x%02X", ch));
	}
}

/* ---- strings and names -------------------------------------------------- */

/* Decode CCH characters at P (AVAIL bytes), 16-bit when WIDE, into T.
 * False when they run past AVAIL (what fits is decoded). */
bool
xls_decode(const uint8_t *p, size_t avail, size_t cch, bool wide, xls_text_t *t)
{
	size_t have = wide ? avail / 2 : avail;
	size_t take = cch < have ? cch : have;

	t->n = 0;
	for (size_t i = 0; i < take && t->n < XLS_TEXT_MAX; i++) {
		uint32_t cp = wide ? xls_u16(p + 2 * i) : p[i];
		if (wide && cp >= 0xD800 && cp < 0xDC00 && i + 1 < take) {
			uint32_t lo = xls_u16(p + 2 * i + 2);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
				i++;
			}
		}
		t->cp[t->n++] = cp;
	}
	return take == cch;
}

/* A BIFF string without its count: in BIFF8 a flags byte (fHighByte)
 * comes first, BIFF5 strings are 8-bit.  *USED gets the bytes it takes. */
bool
xls_string(bool biff8, const uint8_t *p, size_t avail, size_t cch,
           xls_text_t *t, size_t *used)
{
	bool wide;

	t->n = 0;
	*used = 0;
	if (!biff8) {
		*used = cch;
		return xls_decode(p, avail, cch, false, t);
	}
	if (avail < 1)
		return cch == 0;
	wide = p[0] & 0x01;
	*used = 1 + (wide ? 2 * cch : cch);
	return xls_decode(p + 1, avail - 1, cch, wide, t);
}

/* An ASCII view of T for matching: other characters become 0x01. */
static size_t
xls_view(const xls_text_t *t, char *v)
{
	for (size_t i = 0; i < t->n; i++)
		v[i] =
		    t->cp[i] > 0 && t->cp[i] < 0x80 ? (char)t->cp[i] : '\x01';
	return t->n;
}

/* Which Auto_* name T would run as, or -1.  Excel runs any name that
 * starts with Auto_Open, in any case ("auto_open2"); malware puts
 * invisible characters in and junk in front ("\x00Auto_Open"), and
 * OOXML spells built-in names "_xlnm.Auto_Open". */
static int
xls_auto_match(const xls_text_t *t)
{
	char fold[32];
	size_t k = 0, j = 0;

	for (size_t i = 0; i < t->n && k < sizeof(fold); i++) {
		uint32_t cp = t->cp[i];
		if (cp >= 0xFF01 && cp <= 0xFF5E) /* fullwidth ASCII */
			cp -= 0xFEE0;
		if (cp < 0x80)
			cp = (uint32_t)tolower((int)cp);
		if (xls_invisible(cp) || (k == 0 && !(cp >= 'a' && cp <= 'z')))
			continue; /* junk in front */
		fold[k++] = cp < 0x80 ? (char)cp : '\x01';
	}
	if (k - j >= 5 && memcmp(fold + j, "xlnm.", 5) == 0)
		j += 5;
	for (size_t a = 0; a < sizeof(xls_autos) / sizeof(xls_autos[0]); a++) {
		size_t len = strlen(xls_autos[a].name);
		if (k - j >= len &&
		    strncasecmp(fold + j, xls_autos[a].name, len) == 0)
			return (int)a;
	}
	return -1;
}

/* A defined name: a built-in Auto_* (one character) goes into
 * AUTO_NAMES by its proper name, any other Auto_* name as spelt. */
void
xls_name(xls_ctx_t *c, const xls_text_t *t, bool builtin)
{
	xls_buf_t b;
	int a;

	if (builtin && t->n >= 1)
		for (size_t i = 0; i < sizeof(xls_autos) / sizeof(xls_autos[0]);
		     i++)
			if (t->cp[0] == xls_autos[i].builtin) {
				xls_add(c, &c->out->auto_names, XLS_MAX_NAMES,
				        xls_autos[i].name);
				return;
			}
	a = xls_auto_match(t);
	if (a < 0)
		return;
	xls_buf_init(&b);
	xls_buf_text(&b, t);
	xls_add(c, &c->out->auto_names, XLS_MAX_NAMES, b.s);
}

void
xls_scan_text(xls_ctx_t *c, const xls_text_t *t)
{
	char v[XLS_TEXT_MAX];

	xls_scan_strings(c, v, xls_view(t, v));
}

/* ---- BIFF records ------------------------------------------------------- */

/* A budget ran out: say so the first time (*SPENT records that). */
static void
xls_spent(xls_walk_t *w, bool *spent, const char *what, unsigned max)
{
	if (!*spent)
		xls_problem(&w->c, "more than %u %s", max, what);
	*spent = true;
}

static bool
xls_spend(xls_walk_t *w, size_t bytes)
{
	if (!w->work_spent && bytes <= XLS_MAX_WORK - w->work) {
		w->work += bytes;
		return true;
	}
	xls_spent(w, &w->work_spent, "MB of records to parse: stopped",
	          XLS_MAX_WORK >> 20);
	return false;
}

static bool
xls_count_record(xls_walk_t *w)
{
	if (w->records < XLS_MAX_RECORDS) {
		w->records++;
		return true;
	}
	xls_spent(w, &w->records_spent, "records: stopped", XLS_MAX_RECORDS);
	return false;
}

/* Read the record header at OFF into R.  False at the end of the stream,
 * and (a problem then) at a header or length that does not fit or when
 * the record budget is spent. */
static bool
xls_read(xls_walk_t *w, size_t off, xls_rec_t *r)
{
	size_t len;

	if (w->c.st != EMG_OK || off >= w->n)
		return false;
	if (w->n - off < 4) {
		xls_problem(&w->c, "truncated record header at offset %zu",
		            off);
		return false;
	}
	if (!xls_count_record(w))
		return false;
	r->type = xls_u16(w->s + off);
	len = xls_u16(w->s + off + 2);
	if (len > w->n - off - 4) {
		xls_problem(
		    &w->c,
		    "record 0x%04X at offset %zu: length %zu past the end "
		    "of the stream",
		    (unsigned)r->type, off, len);
		return false;
	}
	r->off = off;
	r->p = w->s + off + 4;
	r->len = len;
	r->next = off + 4 + len;
	return true;
}

/* Join the CONTINUE records after R to its payload (a copy in W->join).
 * False when out of memory. */
static bool
xls_join(xls_walk_t *w, xls_rec_t *r)
{
	size_t next = r->next, len = r->len;
	bool copied = false;

	while (w->n - next >= 4 && xls_u16(w->s + next) == XLS_RT_CONTINUE) {
		size_t clen = xls_u16(w->s + next + 2);
		if (clen > w->n - next - 4 || len + clen > XLS_MAX_JOIN ||
		    !xls_spend(w, clen) || !xls_count_record(w))
			break;
		if (w->join_cap < len + clen) {
			size_t cap = XLS_MAX_JOIN;
			uint8_t *j = realloc(w->join, cap);
			if (j == NULL) {
				w->c.st = EMG_ENOMEM;
				return false;
			}
			w->join = j;
			w->join_cap = cap;
		}
		if (!copied)
			memmove(w->join, r->p, len);
		copied = true;
		memcpy(w->join + len, w->s + next + 4, clen);
		len += clen;
		next += 4 + clen;
	}
	r->next = next;
	if (copied) {
		r->p = w->join;
		r->len = len;
	}
	return true;
}

/* ---- macro sheet cells -------------------------------------------------- */

/* A FORMULA, SHRFMLA or ARRAY record whose token count is at AT. */
static void
xls_formula(xls_walk_t *w, const xls_rec_t *r, size_t at)
{
	size_t cce, avail;

	if (r->len < at + 2) {
		xls_problem(&w->c, "formula record at offset %zu: too short",
		            r->off);
		return;
	}
	cce = xls_u16(r->p + at);
	avail = r->len - at - 2;
	if (cce > avail) {
		xls_problem(&w->c,
		            "formula record at offset %zu: %zu bytes of tokens "
		            "past its end",
		            r->off, cce - avail);
		cce = avail;
	}
	if (xls_spend(w, cce))
		xls_rgce(w, r->p + at + 2, cce);
}

/* A LABEL or STRING (cached formula result) record: the string at AT. */
static void
xls_cell_string(xls_walk_t *w, const xls_rec_t *r, size_t at)
{
	xls_text_t t;
	size_t used;

	if (r->len < at + 2 || !xls_spend(w, r->len))
		return;
	(void)xls_string(w->biff8, r->p + at + 2, r->len - at - 2,
	                 xls_u16(r->p + at), &t, &used);
	xls_scan_text(&w->c, &t);
}

/* Walk the macro sheet substream at POS (its BOF) to its EOF; charts
 * embedded in it are substreams of their own and are skipped. */
static void
xls_sheet_scan(xls_walk_t *w, size_t pos)
{
	xls_rec_t r;
	unsigned depth = 0;

	while (xls_read(w, pos, &r)) {
		pos = r.next;
		if (r.type == XLS_RT_BOF) {
			if (++depth > XLS_MAX_DEPTH) {
				xls_problem(
				    &w->c,
				    "substreams nested deeper than %d at "
				    "offset %zu",
				    XLS_MAX_DEPTH, r.off);
				return;
			}
			continue;
		}
		if (r.type == XLS_RT_EOF && --depth == 0)
			return;
		if (depth != 1)
			continue;
		if (r.type == XLS_RT_FORMULA || r.type == XLS_RT_SHRFMLA ||
		    r.type == XLS_RT_ARRAY || r.type == XLS_RT_STRING) {
			if (!xls_join(w, &r))
				return;
			pos = r.next;
		}
		if (r.type == XLS_RT_FORMULA)
			xls_formula(w, &r, 20);
		else if (r.type == XLS_RT_ARRAY)
			xls_formula(w, &r, 12);
		else if (r.type == XLS_RT_SHRFMLA)
			xls_formula(w, &r, 8);
		else if (r.type == XLS_RT_STRING)
			xls_cell_string(w, &r, 0);
		else if (r.type == XLS_RT_LABEL)
			xls_cell_string(w, &r, 6);
	}
}

/* ---- the globals substream ---------------------------------------------- */

/* True when the substream at POS was walked before; else remember it. */
static bool
xls_walked(xls_walk_t *w, size_t pos)
{
	for (size_t i = 0; i < w->n_walked; i++)
		if (w->walked[i] == pos)
			return true;
	if (w->n_walked < XLS_MAX_WALKS) {
		w->walked[w->n_walked++] = pos;
		return false;
	}
	xls_spent(w, &w->walks_spent, "sheets: the rest not walked",
	          XLS_MAX_WALKS);
	return true;
}

/* A sheet that BOUNDSHEET puts at POS with hsState STATE and type TYPE
 * (-1 when encrypted): count it and walk it when it is a macro sheet. */
static void
xls_sheet(xls_walk_t *w, size_t pos, int state, int type, const char *name)
{
	static const char *const states[] = {"", " (hidden)", " (very hidden)",
	                                     " (state 3)"};
	xls_result_t *out = w->c.out;
	xls_buf_t label;
	bool seen = xls_walked(w, pos);
	int bof = -1;
	xls_rec_t r;

	if (xls_read(w, pos, &r) && r.type == XLS_RT_BOF && r.len >= 4)
		bof = xls_u16(r.p + 2);
	else if (w->c.st == EMG_OK)
		xls_problem(&w->c, "sheet %s: no BOF record at offset %zu",
		            name, pos);
	if (type != XLS_SHEET_MACRO && bof != XLS_BOF_MACRO)
		return;
	if (type >= 0 && type != XLS_SHEET_MACRO)
		xls_problem(
		    &w->c,
		    "sheet %s: BOUNDSHEET type %d but its BOF says macro "
		    "sheet",
		    name, type);
	out->macro_sheets++;
	if (state == 1)
		out->hidden++;
	else if (state == 2)
		out->very_hidden++;
	xls_buf_init(&label);
	xls_buf_str(&label, name);
	if (state >= 0)
		xls_buf_str(&label, states[state & 3]);
	xls_add(&w->c, &out->sheets, XLS_MAX_SHEETS, label.s);
	if (bof >= 0 && !seen && !out->encrypted)
		xls_sheet_scan(w, pos);
}

/* BOUNDSHEET: lbPlyPos u32, hsState u8, dt u8, the name (cch u8). */
static void
xls_boundsheet(xls_walk_t *w, const xls_rec_t *r)
{
	xls_buf_t name;
	xls_text_t t;
	size_t pos, used;

	if (r->len < 4) {
		xls_problem(&w->c, "BOUNDSHEET at offset %zu: too short",
		            r->off);
		return;
	}
	pos = xls_u32(r->p);
	xls_buf_init(&name);
	if (w->c.out->encrypted) {
		snprintf(name.s, sizeof(name.s),
		         "(name encrypted) at offset %zu", pos);
		xls_sheet(w, pos, -1, -1, name.s);
		return;
	}
	if (r->len < 7) {
		xls_problem(&w->c, "BOUNDSHEET at offset %zu: too short",
		            r->off);
		xls_sheet(w, pos, -1, r->len >= 6 ? r->p[5] : -1, "(no name)");
		return;
	}
	if (!xls_string(w->biff8, r->p + 7, r->len - 7, r->p[6], &t, &used))
		xls_problem(&w->c, "BOUNDSHEET at offset %zu: name truncated",
		            r->off);
	xls_buf_text(&name, &t);
	xls_sheet(w, pos, r->p[4] & 0x03, r->p[5], name.s);
}

/* NAME (Lbl): flags u16, chKey, cch u8, cce u16, ... the name at 14. */
static void
xls_lbl(xls_walk_t *w, const xls_rec_t *r)
{
	xls_text_t t;
	size_t used;

	if (r->len < 14) {
		xls_problem(&w->c, "NAME at offset %zu: too short", r->off);
		return;
	}
	if (!xls_string(w->biff8, r->p + 14, r->len - 14, r->p[3], &t, &used))
		xls_problem(&w->c, "NAME at offset %zu: name truncated",
		            r->off);
	xls_name(&w->c, &t, xls_u16(r->p) & XLS_NAME_BUILTIN);
}

static void
xls_dde_flush(xls_walk_t *w)
{
	if (w->dde_pending)
		xls_add(&w->c, &w->c.out->dde, XLS_MAX_DDE, w->dde.s);
	w->dde_pending = false;
}

/* SUPBOOK: ctab u16, cch u16, virtPath.  A DDE or OLE link has no sheets
 * and a path "application \x03 topic"; its EXTERNNAME says which. */
static void
xls_supbook(xls_walk_t *w, const xls_rec_t *r)
{
	xls_text_t t;
	size_t cch, used, i = 0;

	xls_dde_flush(w);
	if (!w->biff8 || r->len < 4 || xls_u16(r->p) != 0)
		return;
	cch = xls_u16(r->p + 2);
	if (cch == 0 || cch > 0xFF)
		return; /* self-reference, add-in functions */
	(void)xls_string(true, r->p + 4, r->len - 4, cch, &t, &used);
	while (i < t.n && t.cp[i] != 0x03)
		i++;
	if (i == 0 || i == t.n)
		return;
	xls_buf_init(&w->dde);
	for (size_t k = 0; k < t.n; k++) {
		if (k == i)
			xls_buf_str(&w->dde, "|'");
		else
			xls_buf_cp(&w->dde, t.cp[k] == 0x03 ? ' ' : t.cp[k]);
	}
	xls_buf_str(&w->dde, "'");
	w->dde_pending = true;
}

/* EXTERNNAME after a DDE/OLE SUPBOOK: flags u16, 4 bytes, the item name
 * (cch u8).  fOle or fOleLink make it an OLE link, not DDE. */
static void
xls_externname(xls_walk_t *w, const xls_rec_t *r)
{
	xls_text_t t;
	size_t used;

	if (!w->dde_pending)
		return;
	if (r->len >= 2 && (xls_u16(r->p) & XLS_EXTERN_OLE)) {
		w->dde_pending = false;
		return;
	}
	if (r->len >= 7) {
		(void)xls_string(true, r->p + 7, r->len - 7, r->p[6], &t,
		                 &used);
		xls_buf_str(&w->dde, "!");
		xls_buf_text(&w->dde, &t);
	}
	xls_dde_flush(w);
}

/* The first BOF: BIFF5 or BIFF8.  False when the stream is no BIFF5/8
 * workbook. */
static bool
xls_first_bof(xls_walk_t *w, xls_rec_t *r)
{
	unsigned vers;

	if (!xls_read(w, 0, r)) {
		xls_problem(&w->c, "no record at the start of the stream");
		return false;
	}
	if (r->type != XLS_RT_BOF) {
		xls_problem(
		    &w->c,
		    "stream starts with record 0x%04X, not BOF (BIFF2-4 "
		    "and other formats are not read)",
		    (unsigned)r->type);
		return false;
	}
	vers = r->len >= 2 ? xls_u16(r->p) : 0;
	w->biff8 =
	    vers == XLS_BOF_BIFF8 || (vers != XLS_BOF_BIFF5 && r->len >= 16);
	w->c.out->workbook = true;
	return true;
}

emg_status_t
xls_scan_biff(const uint8_t *stream, size_t len, xls_result_t *out)
{
	xls_walk_t *w;
	xls_rec_t r;
	size_t off;
	emg_status_t st;

	memset(out, 0, sizeof(*out));
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return EMG_ENOMEM;
	w->c.out = out;
	w->s = stream;
	w->n = stream == NULL ? 0 : len;
	off = xls_first_bof(w, &r) ? r.next : w->n;
	while (xls_read(w, off, &r)) {
		off = r.next;
		if (r.type == XLS_RT_EOF)
			break;
		if (r.type == XLS_RT_BOF) {
			xls_problem(&w->c, "workbook globals end without EOF");
			break;
		}
		if (r.type == XLS_RT_FILEPASS && !out->encrypted) {
			out->encrypted = true;
			out->filepass_offset = r.off;
			out->filepass_len = r.len;
		} else if (r.type == XLS_RT_BOUNDSHEET) {
			xls_boundsheet(w, &r);
		}
		if (out->encrypted ||
		    (r.type != XLS_RT_NAME && r.type != XLS_RT_SUPBOOK &&
		     r.type != XLS_RT_EXTERNNAME))
			continue;
		if (!xls_join(w, &r))
			break;
		off = r.next;
		if (r.type == XLS_RT_NAME)
			xls_lbl(w, &r);
		else if (r.type == XLS_RT_SUPBOOK)
			xls_supbook(w, &r);
		else
			xls_externname(w, &r);
	}
	xls_dde_flush(w);
	st = w->c.st;
	free(w->join);
	free(w);
	return st;
}

/* ---- BIFF12 (.xlsb) ----------------------------------------------------- */

/* A BIFF12 variable-length number: 7 bits a byte, low first, the high
 * bit set on all but the last of at most MAXB bytes. */
static bool
xls_b12_num(const uint8_t *d, size_t n, size_t *pos, int maxb, uint32_t *v)
{
	*v = 0;
	for (int k = 0; k < maxb && *pos < n; k++) {
		uint8_t b = d[(*pos)++];
		*v |= (uint32_t)(b & 0x7F) << (7 * k);
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* An XLWideString (cch u32, UTF-16) at *AT of P (LEN bytes); a count of
 * 0xFFFFFFFF is the null string of XLNullableWideString. */
static bool
xls_b12_string(const uint8_t *p, size_t len, size_t *at, xls_text_t *t)
{
	uint32_t cch;

	t->n = 0;
	if (len < 4 || *at > len - 4)
		return false;
	cch = xls_u32(p + *at);
	*at += 4;
	if (cch == 0xFFFFFFFFu)
		return true;
	if (cch > (len - *at) / 2)
		return false;
	(void)xls_decode(p + *at, len - *at, cch, true, t);
	*at += 2 * (size_t)cch;
	return true;
}

/* BrtBundleSh: hsState u32, iTabID u32, strRelID, strName. */
static void
xls_b12_sheet(xls_ctx_t *c, const uint8_t *p, size_t len, size_t off)
{
	static const char *const states[] = {"", " (hidden)", " (very hidden)"};
	xls_buf_t name, rel;
	xls_text_t t;
	size_t at = 8;
	uint32_t state;

	xls_buf_init(&name);
	xls_buf_init(&rel);
	if (len < 8 || !xls_b12_string(p, len, &at, &t)) {
		xls_problem(c, "BrtBundleSh at offset %zu: damaged", off);
		return;
	}
	xls_buf_text(&rel, &t);
	if (!xls_b12_string(p, len, &at, &t))
		xls_problem(c, "BrtBundleSh at offset %zu: damaged name", off);
	state = xls_u32(p);
	xls_buf_text(&name, &t);
	xls_buf_str(&name, state <= 2 ? states[state] : " (unknown state)");
	if (c->out->sheets.n >= XLS_MAX_SHEETS)
		return;
	xls_push(c, &c->out->sheets, name.s);
	xls_push(c, &c->out->sheet_rels, rel.s);
}

/* BrtName: flags u32 (fBuiltin 0x20), chKey u8, itab u32, the name. */
static void
xls_b12_name(xls_ctx_t *c, const uint8_t *p, size_t len, size_t off)
{
	xls_text_t t;
	size_t at = 9;

	if (len < 9 || !xls_b12_string(p, len, &at, &t)) {
		xls_problem(c, "BrtName at offset %zu: damaged", off);
		return;
	}
	xls_name(c, &t, xls_u32(p) & XLS_NAME_BUILTIN);
}

emg_status_t
xls_scan_biff12_workbook(const uint8_t *part, size_t len, xls_result_t *out)
{
	xls_ctx_t c = {.out = out, .st = EMG_OK};
	size_t pos = 0, records = 0;

	if (part == NULL)
		len = 0;
	while (pos < len && c.st == EMG_OK) {
		size_t start = pos;
		uint32_t type, size;
		if (++records > XLS_MAX_RECORDS) {
			xls_problem(&c, "more than %d records: stopped",
			            XLS_MAX_RECORDS);
			break;
		}
		if (!xls_b12_num(part, len, &pos, 2, &type) ||
		    !xls_b12_num(part, len, &pos, 4, &size) ||
		    size > len - pos) {
			xls_problem(&c, "damaged BIFF12 record at offset %zu",
			            start);
			break;
		}
		if (type == XLS_B12_BEGIN_BOOK)
			out->workbook = true;
		else if (type == XLS_B12_BUNDLE_SH)
			xls_b12_sheet(&c, part + pos, size, start);
		else if (type == XLS_B12_NAME)
			xls_b12_name(&c, part + pos, size, start);
		pos += size;
	}
	return c.st;
}

void
xls_result_free(xls_result_t *r)
{
	strlist_free(&r->sheets);
	strlist_free(&r->sheet_rels);
	strlist_free(&r->auto_names);
	strlist_free(&r->formulas);
	strlist_free(&r->dde);
	strlist_free(&r->problems);
}
