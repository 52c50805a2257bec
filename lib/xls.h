/*
 * xls.h - Excel 4.0 (XLM) macros: the BIFF5/BIFF8 Workbook stream
 * (MS-XLS BOUNDSHEET8 of sheet type macro and their hidden state, NAME
 * records of the built-in Auto_Open / Auto_Close and obfuscated spellings,
 * FILEPASS for encryption), the BIFF12 parts of .xlsb, and SYLK (.slk)
 * files with EXEC or CALL.  Pure functions over bytes, every record walk
 * bounded by the stream length and XLS_MAX_RECORDS.
 */
#ifndef EMG_XLS_H
#define EMG_XLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"
#include "strlist.h"

#define XLS_MAX_RECORDS 1000000

typedef struct xls_result {
	bool workbook;          /* a BIFF5/8 or BIFF12 workbook was read */
	unsigned macro_sheets;  /* Excel 4.0 macro sheets */
	unsigned hidden, very_hidden; /* of those, hidden / very hidden */
	emg_strlist_t sheets;   /* "Macro1 (very hidden)", at most 32; for
	                         * BIFF12 every sheet, macro or not */
	emg_strlist_t sheet_rels; /* BIFF12 only: the relationship id ("rId1")
	                           * of each entry of SHEETS, in that order */
	emg_strlist_t auto_names; /* "Auto_Open", "Auto_Close" (as spelt,
	                           * "auto_open2" etc. for obfuscated forms) */
	emg_strlist_t formulas; /* suspicious XLM calls seen: "EXEC",
	                         * "CALL", "REGISTER", "URLDownloadToFileA"
	                         * (at most 16) */
	emg_strlist_t dde;      /* DDE links (BIFF SUPBOOK/EXTERNNAME, SYLK,
	                         * CSV "=cmd|' /c calc'!A0"), at most 16 */
	bool encrypted;         /* a FILEPASS record */
	size_t filepass_offset; /* its record header's offset in the stream */
	size_t filepass_len;    /* its payload length */
	emg_strlist_t problems; /* "truncated record at offset 1234" */
} xls_result_t;

/* Walk a BIFF5/BIFF8 Workbook (or "Book") stream.  When the stream is
 * encrypted, only what is clear is read (record types and BOUNDSHEET
 * positions) and ENCRYPTED and FILEPASS_* are set; the caller decrypts the
 * stream (officecrypt.c) and walks the result again.  Returns EMG_OK (bad
 * input is a line in OUT->problems) or EMG_ENOMEM.  OUT zeroed first. */
emg_status_t xls_scan_biff(const uint8_t *stream, size_t len,
                           xls_result_t *out);

/* The BIFF12 (.xlsb) xl/workbook.bin part: BrtBundleSh sheet states and
 * BrtName for Auto_Open; macro sheets themselves are found by the caller
 * from xl/macrosheets/ part names (matching SHEET_RELS against the
 * workbook relationships).  OUT is not zeroed: the sheets, names and
 * problems are added to what it holds, and WORKBOOK set.  Returns EMG_OK
 * or EMG_ENOMEM. */
emg_status_t xls_scan_biff12_workbook(const uint8_t *part, size_t len,
                                      xls_result_t *out);

/* True when D looks like a SYLK file ("ID;P" first record). */
bool xls_is_sylk(const uint8_t *d, size_t n);
/* A SYLK file: macro cells with EXEC, CALL, REGISTER, Auto_Open names
 * (NN records), DDE.  Sets MACRO_SHEETS to 1 when it holds macro
 * formulas or says it is a macro sheet ("O;E").  OUT zeroed first.
 * Returns EMG_OK or EMG_ENOMEM. */
emg_status_t xls_scan_sylk(const uint8_t *d, size_t n, xls_result_t *out);

/* CSV or other text that Excel opens: DDE formulas (=cmd|'/c ..'!A0,
 * =MSEXCEL|..., @SUM(cmd|...), =DDE(...)), added to OUT->dde (OUT is not
 * zeroed).  Returns EMG_OK or EMG_ENOMEM. */
emg_status_t xls_scan_csv(const uint8_t *d, size_t n, xls_result_t *out);

void xls_result_free(xls_result_t *r);

/* ---- internal: shared by xls.c and xls_text.c --------------------------- */
/* Not part of the contract above: no other module uses what follows. */

#define XLS_MAX_FORMULAS 16 /* entries of FORMULAS */
#define XLS_MAX_DDE 16      /* entries of DDE */
#define XLS_TEXT_MAX 1024   /* code points of one string examined */
#define XLS_ENTRY_MAX 200   /* bytes of one listed entry */
#define XLS_MAX_WALKS 256   /* sheet substreams walked */

/* What every scanner collects into, and the first allocation failure. */
typedef struct xls_ctx {
	xls_result_t *out;
	emg_status_t st;
} xls_ctx_t;

/* A bounded text being built for a list entry. */
typedef struct xls_buf {
	char s[XLS_ENTRY_MAX + 1];
	size_t n;
} xls_buf_t;

/* A decoded string: code points, the first XLS_TEXT_MAX. */
typedef struct xls_text {
	uint32_t cp[XLS_TEXT_MAX];
	size_t n;
} xls_text_t;

/* The state of one xls_scan_biff call (xls.c), read by the formula
 * parser (xls_formula.c). */
/* The state of one xls_scan_biff call. */
typedef struct xls_walk {
	xls_ctx_t c;
	const uint8_t *s;
	size_t n;
	bool biff8;
	size_t records; /* record headers read */
	size_t work;    /* payload bytes joined or parsed */
	bool records_spent, work_spent, walks_spent;
	uint8_t *join; /* a record with its CONTINUE records */
	size_t join_cap;
	size_t walked[XLS_MAX_WALKS]; /* sheet offsets walked already */
	size_t n_walked;
	xls_buf_t dde; /* a DDE SUPBOOK waiting for its EXTERNNAME */
	bool dde_pending;
} xls_walk_t;

/* A macro-only function: the Ftab index ID (XLS_NO_FTAB for commands),
 * whether it is SUSPICIOUS (listed in FORMULAS), its NAME.
 * xls_formula.c has the table. */
struct xls_fn {
	uint16_t id;
	bool suspicious;
	const char *name;
};
extern const struct xls_fn xls_fns[];
extern const size_t xls_n_fns;

/* Add S to L unless L holds it already (in any case) or holds MAX. */
void xls_add(xls_ctx_t *c, emg_strlist_t *l, size_t max, const char *s);
/* A line in PROBLEMS, at most XLS_MAX_PROBLEMS and then one "more". */
void xls_problem(xls_ctx_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void xls_buf_init(xls_buf_t *b);
/* Append text in an unknown code page: printable ASCII, else escapes. */
void xls_buf_bytes(xls_buf_t *b, const char *s, size_t n);
/* Decode CCH characters at P (AVAIL bytes), 16-bit when WIDE, into T;
 * false when they run past AVAIL. */
bool xls_decode(const uint8_t *p, size_t avail, size_t cch, bool wide,
                xls_text_t *t);
/* A defined name T: Auto_* names go into AUTO_NAMES. */
void xls_name(xls_ctx_t *c, const xls_text_t *t, bool builtin);
/* Note the URLs, API functions and programs named in the ASCII text V. */
void xls_scan_strings(xls_ctx_t *c, const char *v, size_t n);
/* Note what the decoded string T names (xls_scan_strings on its ASCII
 * view). */
void xls_scan_text(xls_ctx_t *c, const xls_text_t *t);
/* A little-endian u16 at P. */
uint16_t xls_u16(const uint8_t *p);
/* Append S, cut to what fits. */
void xls_buf_str(xls_buf_t *b, const char *s);
/* A BIFF string of CCH characters at P (AVAIL bytes) without its count
 * (BIFF8: a flags byte first; BIFF5: 8-bit), into T; *USED the bytes it
 * takes.  False when it runs past AVAIL. */
bool xls_string(bool biff8, const uint8_t *p, size_t avail, size_t cch,
                xls_text_t *t, size_t *used);
/* Walk the formula tokens RGCE (CCE bytes) of a macro sheet cell
 * (xls_formula.c). */
void xls_rgce(xls_walk_t *w, const uint8_t *rgce, size_t cce);

#endif
