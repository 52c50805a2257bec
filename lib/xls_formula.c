/*
 * xls_formula.c - the formula token parser for the macro sheets of a
 * BIFF5/BIFF8 workbook (xls.c walks the records and hands it each cell's
 * tokens): the sizes of the fixed-size ptg tokens, the ids of the
 * macro-only functions (the table is shared with SYLK in xls_text.c), and
 * the URLs, Windows API functions and programs named by strings inside
 * formulas.  A formula is parsed token by token, since a byte scan for
 * function ids would also match inside numbers and strings; parsing stops
 * at a token whose size is unknown.  Relies only on libc.
 */
#include "xls.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define XLS_FUNC_CE 0x8000    /* ptgFuncVar: a command, not a function */

/* Macro-only functions.  Any of them marks a SYLK formula as a macro; the
 * suspicious ones (code execution, files, DDE channels) are also listed
 * in FORMULAS.  ID is the Ftab index, XLS_NO_FTAB for commands. */
#define XLS_NO_FTAB 0xFFFF
const struct xls_fn xls_fns[] = {
    {0x006E, true, "EXEC"},
    {0x0096, true, "CALL"},
    {0x0095, true, "REGISTER"},
    {0x010B, true, "REGISTER.ID"},
    {0x0084, true, "FOPEN"},
    {0x008A, true, "FWRITE"},
    {0x0089, true, "FWRITELN"},
    {0x00AF, true, "INITIATE"},
    {0x00B2, true, "EXECUTE"},
    {0x0036, false, "HALT"},
    {0x0037, false, "RETURN"},
    {0x0035, false, "GOTO"},
    {0x0058, false, "SET.NAME"},
    {0x006C, false, "SET.VALUE"},
    {0x00BA, false, "GET.WORKSPACE"},
    {XLS_NO_FTAB, false, "RUN"},
    {XLS_NO_FTAB, false, "ALERT"},
    {XLS_NO_FTAB, false, "FORMULA"},
    {XLS_NO_FTAB, false, "FORMULA.FILL"},
};
const size_t xls_n_fns = sizeof(xls_fns) / sizeof(xls_fns[0]);

/* Strings in macro formulas worth naming: Windows API functions that
 * download or run code once REGISTERed, and programs that do it. */
static const char *const xls_apis[] = {
    "URLDownloadToFile", "ShellExecute",       "WinExec",      "CreateProcess",
    "VirtualAlloc",      "WriteProcessMemory", "CreateThread", "RtlMoveMemory",
    "RtlCopyMemory",     "powershell",         "mshta",        "rundll32",
    "regsvr32",          "certutil",           "bitsadmin",
};
static const char *const xls_schemes[] = {"http://", "https://", "ftp://"};

/* True when the N bytes at S start with WORD, in any case. */
static bool
xls_at(const char *s, size_t n, const char *word)
{
	size_t len = strlen(word);

	return n >= len && strncasecmp(s, word, len) == 0;
}

/* Note the URLs, API functions and programs named in the text V (N bytes,
 * ASCII) of a macro formula or string. */
void
xls_scan_strings(xls_ctx_t *c, const char *v, size_t n)
{
	for (size_t i = 0; i < n && c->st == EMG_OK; i++) {
		xls_buf_t b;
		size_t e = i;
		bool url = false, api = false;
		char ch = (char)tolower((unsigned char)v[i]);
		if (ch == '\0' || strchr("hfuscvwrpmb", ch) == NULL)
			continue;
		for (size_t k = 0;
		     !url && k < sizeof(xls_schemes) / sizeof(xls_schemes[0]);
		     k++)
			url = xls_at(v + i, n - i, xls_schemes[k]);
		for (size_t k = 0;
		     !url && !api && k < sizeof(xls_apis) / sizeof(xls_apis[0]);
		     k++)
			api = xls_at(v + i, n - i, xls_apis[k]);
		if (!url && !api)
			continue;
		while (e < n &&
		       (url ? v[e] > ' ' && v[e] < 0x7F &&
		                  strchr("\"'()", v[e]) == NULL
		            : e - i < 64 && (isalnum((unsigned char)v[e]) ||
		                             v[e] == '_')))
			e++;
		xls_buf_init(&b);
		xls_buf_str(&b, url ? "URL " : "");
		xls_buf_bytes(&b, v + i, e - i);
		xls_add(c, &c->out->formulas, XLS_MAX_FORMULAS, b.s);
		i = e - 1;
	}
}

/* ---- formula tokens ----------------------------------------------------- */

/* Bytes after the ptg byte of the fixed-size tokens of BIFF8 and BIFF5
 * formulas (MS-XLS 2.5.198; BIFF5 references are shorter and its 3-D
 * and name tokens longer); 0xFF where the size varies or is unknown. */
/* clang-format off */
static const uint8_t xls_ptg_biff8[0x40] = {
	/* 0x00 */ 0xFF, 4, 4, 0, 0, 0, 0, 0,
	/* 0x08 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0xFF,
	/* 0x18 */ 0xFF, 0xFF, 0xFF, 0xFF, 1, 1, 2, 8,
	/* 0x20 */ 7, 2, 3, 4, 4, 8, 6, 6,
	/* 0x28 */ 6, 2, 4, 8, 4, 8, 2, 2,
	/* 0x30 */ 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	/* 0x38 */ 2, 6, 6, 10, 6, 10, 0xFF, 0xFF,
};
static const uint8_t xls_ptg_biff5[0x40] = {
	/* 0x00 */ 0xFF, 4, 4, 0, 0, 0, 0, 0,
	/* 0x08 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0xFF,
	/* 0x18 */ 0xFF, 0xFF, 0xFF, 0xFF, 1, 1, 2, 8,
	/* 0x20 */ 7, 2, 3, 14, 3, 6, 6, 6,
	/* 0x28 */ 6, 2, 3, 6, 3, 6, 2, 2,
	/* 0x30 */ 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	/* 0x38 */ 2, 24, 17, 20, 17, 20, 0xFF, 0xFF,
};
/* clang-format on */

#define XLS_PTG_STR 0x17
#define XLS_PTG_ATTR 0x19
#define XLS_PTG_FUNC 0x21
#define XLS_PTG_FUNCVAR 0x22
#define XLS_ATTR_CHOOSE 0x04

static void
xls_call(xls_walk_t *w, uint16_t id)
{
	if (id & XLS_FUNC_CE)
		return;
	for (size_t i = 0; i < sizeof(xls_fns) / sizeof(xls_fns[0]); i++)
		if (xls_fns[i].suspicious && xls_fns[i].id == id)
			xls_add(&w->c, &w->c.out->formulas, XLS_MAX_FORMULAS,
			        xls_fns[i].name);
}

/* Walk the formula tokens RGCE (CCE bytes) of a macro sheet cell: note
 * the suspicious functions it calls and what its strings name.  Stops at
 * a token it does not know: the length of the rest is then unknown. */
void
xls_rgce(xls_walk_t *w, const uint8_t *rgce, size_t cce)
{
	const uint8_t *sizes = w->biff8 ? xls_ptg_biff8 : xls_ptg_biff5;
	size_t i = 0;

	while (i < cce && w->c.st == EMG_OK) {
		uint8_t ptg = rgce[i++];
		uint8_t base =
		    ptg < 0x20 ? ptg : (uint8_t)((ptg & 0x1F) | 0x20);
		size_t rest = cce - i, size = sizes[base & 0x3F];
		xls_text_t t;

		if (ptg >= 0x80)
			return;
		if (size == 0xFF)
			size = SIZE_MAX;
		if (base == XLS_PTG_STR && rest >= 1) {
			bool ok = xls_string(w->biff8, rgce + i + 1, rest - 1,
			                     rgce[i], &t, &size);
			size += 1;
			if (!ok)
				return;
			xls_scan_text(&w->c, &t);
		} else if (base == XLS_PTG_ATTR && rest >= 3) {
			size = 3;
			if (rgce[i] & XLS_ATTR_CHOOSE)
				size += 2 * ((size_t)xls_u16(rgce + i + 1) + 1);
		} else if (base == XLS_PTG_FUNC && rest >= 2) {
			xls_call(w, xls_u16(rgce + i));
		} else if (base == XLS_PTG_FUNCVAR && rest >= 3) {
			xls_call(w, xls_u16(rgce + i + 1));
		}
		if (size > rest)
			return;
		i += size;
	}
}
