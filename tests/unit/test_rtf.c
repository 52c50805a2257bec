/*
 * test_rtf.c - unit tests for rtf.c: the OLE objects and DDE fields of RTF
 * documents.  Table-driven: each case is an RTF text with "%s" where a
 * builder here puts the hex of an OLE 1.0 object (a Package holding an
 * Ole10Native file, or another class holding bytes), written the ways
 * lures write it (split by white space, junk groups, control words), and
 * states the flags, counts, names, data and DDE instructions expected.
 * Corpus samples (oletools rtfobj, ClamAV's XOR-encoded RTF) are checked
 * against the ground truth and skipped when absent.  All bytes are inert.
 * (active.c's findings on RTF are checked by test_active and the goldens.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zip.h>

#include "rtf.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define OLETOOLS "oletools/tests/test-data/"
#define CLAM_EXE_SHA256                                                     \
	"71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"

/* ---- builders ------------------------------------------------------------ */

typedef struct buf {
	uint8_t *d;
	size_t n, cap;
} buf_t;

static void
buf_add(buf_t *b, const void *p, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->n + len) * 2 + 64;
		b->d = realloc(b->d, b->cap);
		ck_assert_ptr_nonnull(b->d);
	}
	memcpy(b->d + b->n, p, len);
	b->n += len;
	b->d[b->n] = '\0';
}

static void
buf_u32(buf_t *b, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	                (uint8_t)(v >> 24)};

	buf_add(b, p, 4);
}

/* A length-prefixed ANSI string with its NUL. */
static void
buf_lpstr(buf_t *b, const char *s)
{
	buf_u32(b, (uint32_t)strlen(s) + 1);
	buf_add(b, s, strlen(s) + 1);
}

enum obj_kind { O_NONE, O_PACKAGE, O_OTHER, O_PACKAGE_CUT };

/* An OLE 1.0 embedded object: class CLS, native data holding DATA (for a
 * Package, as an Ole10Native file called NAME). */
static void
ole1_build(buf_t *b, enum obj_kind kind, const char *cls, const char *name,
           const char *data)
{
	buf_t native = {0};

	if (kind == O_PACKAGE || kind == O_PACKAGE_CUT) {
		buf_add(&native, "\x02\x00", 2);
		buf_add(&native, name, strlen(name) + 1);
		buf_add(&native, "C:\\", 3);
		buf_add(&native, name, strlen(name) + 1);
		buf_u32(&native, 0x00030000u);
		buf_u32(&native, (uint32_t)strlen(name) + 1);
		buf_add(&native, name, strlen(name) + 1);
		buf_u32(&native, (uint32_t)strlen(data) +
		                     (kind == O_PACKAGE_CUT ? 100 : 0));
		buf_add(&native, data, strlen(data));
	} else {
		buf_add(&native, data, strlen(data));
	}
	buf_u32(b, 0x00000501u);
	buf_u32(b, 2);
	buf_lpstr(b, cls);
	buf_u32(b, 0);
	buf_u32(b, 0);
	buf_u32(b, (uint32_t)native.n);
	buf_add(b, native.d, native.n);
	free(native.d);
}

/* The hex of D (N bytes), with a line break every 64 digits and, with
 * NOISE, junk Word skips: a control word, a nested group, blanks. */
static char *
hex_of(const uint8_t *d, size_t n, bool noise)
{
	static const char junk[] = "\r\n {\\*\\junk 41}\\par ";
	buf_t h = {0};

	for (size_t i = 0; i < n; i++) {
		char x[3];
		snprintf(x, sizeof(x), "%02x", d[i]);
		buf_add(&h, x, 1);
		if (noise && i % 7 == 3)
			buf_add(&h, junk, strlen(junk));
		buf_add(&h, x + 1, 1);
		if (i % 32 == 31)
			buf_add(&h, "\r\n", 2);
	}
	buf_add(&h, "", 0);
	return (char *)h.d;
}

/* ---- the table ----------------------------------------------------------- */

#define HEAD "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\r\n"

static const struct rtf_case {
	const char *name;
	const char *rtf; /* "%s" is replaced by the object's hex */
	enum obj_kind kind;
	const char *cls, *file, *data; /* the object built */
	bool noise;
	size_t max_data;
	/* expected */
	bool object, objupdate, objautlink, equation, package;
	size_t n_objects;
	const char *first_cls;  /* r.cls */
	const char *obj_class;  /* objects[0].class_name, NULL: none */
	const char *obj_file;   /* objects[0].file_name */
	const char *obj_data;   /* objects[0].data, NULL: none kept */
	bool truncated;
	const char *dde;        /* dde.v[0], NULL: no DDE */
} rtf_cases[] = {
    {"package", HEAD "{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata "
     "%s}}}", O_PACKAGE, "Package", "a.txt", "hello", false, 1024,
     true, false, false, false, true, 1, "Package", "Package", "a.txt",
     "hello", false, NULL},
    {"package, names only", HEAD "{\\object{\\*\\objdata %s}}}", O_PACKAGE,
     "Package", "run.lnk", "L", false, 0, true, false, false, false, true,
     1, "", "Package", "run.lnk", NULL, true, NULL},
    {"package split by junk", HEAD "{\\object\\objupdate\\objautlink"
     "{\\*\\objdata \r\n%s}}}", O_PACKAGE, "Package", "b.js", "WScript",
     true, 1024, true, true, true, false, true, 1, "", "Package", "b.js",
     "WScript", false, NULL},
    {"package cut", HEAD "{\\object{\\*\\objdata %s}}}", O_PACKAGE_CUT,
     "Package", "c.txt", "abc", false, 1024, true, false, false, false,
     true, 1, "", "Package", "c.txt", "abc", true, NULL},
    {"budget smaller than the data", HEAD "{\\object{\\*\\objdata %s}}}",
     O_PACKAGE, "Package", "d.txt", "0123456789", false, 4, true, false,
     false, false, true, 1, "", "Package", "d.txt", "0123", true, NULL},
    {"equation by class", HEAD "{\\object\\objemb{\\*\\objclass Equation.3}"
     "{\\*\\objdata %s}}}", O_OTHER, "Equation.3", NULL, "native", false,
     1024, true, false, false, true, false, 1, "Equation.3", "Equation.3",
     NULL, "native", false, NULL},
    {"objdata without object", HEAD "{\\*\\objdata %s}}", O_OTHER,
     "Word.Document.8", NULL, "\xd0\xcf\x11\xe0", false, 1024, false, false,
     false, false, false, 1, "", "Word.Document.8", NULL, "\xd0\xcf\x11\xe0",
     false, NULL},
    {"not an OLE 1.0 object", HEAD "{\\object{\\*\\objdata 4d5a90}}}",
     O_NONE, NULL, NULL, NULL, false, 1024, true, false, false, false,
     false, 1, "", NULL, NULL, "MZ\x90", false, NULL},
    {"control words split by line breaks", HEAD "{\\obj\r\nect\\objemb"
     "{\\*\\obj\nclass Equ\nation.3}}}", O_NONE, NULL, NULL, NULL, false,
     0, true, false, false, true, false, 0, "Equation.3", NULL, NULL, NULL,
     false, NULL},
    {"ddeauto field", HEAD "{\\field{\\*\\fldinst {\\rtlch\\fcs1 DDEAUTO }"
     "{c:\\\\\\\\windows\\\\\\\\cmd.exe \"/k calc\"}}{\\fldrslt x}}}", O_NONE,
     NULL, NULL, NULL, false, 0, false, false, false, false, false, 0, "",
     NULL, NULL, NULL, false, "DDEAUTO c:\\\\windows\\\\cmd.exe \"/k calc\""},
    {"dde with escapes", HEAD "{\\field{\\*\\fldinst \\'44DE excel \\{x\\}"
     "}}}", O_NONE, NULL, NULL, NULL, false, 0, false, false, false, false,
     false, 0, "", NULL, NULL, NULL, false, "DDE excel {x}"},
    {"other fields", HEAD "{\\field{\\*\\fldinst HYPERLINK \"http://x\"}}"
     "{\\field{\\*\\fldinst DDEX}}}", O_NONE, NULL, NULL, NULL, false, 0,
     false, false, false, false, false, 0, "", NULL, NULL, NULL, false,
     NULL},
    {"no objects", HEAD "\\pard object data Equation.3 test\\par\r\n}",
     O_NONE, NULL, NULL, NULL, false, 0, false, false, false, false, false,
     0, "", NULL, NULL, NULL, false, NULL},
};

START_TEST(test_rtf_table)
{
	const struct rtf_case *c = &rtf_cases[_i];
	buf_t obj = {0};
	char *hex = NULL, *doc;
	rtf_result_t r;

	if (c->kind != O_NONE) {
		ole1_build(&obj, c->kind, c->cls, c->file ? c->file : "",
		           c->data);
		hex = hex_of(obj.d, obj.n, c->noise);
	}
	/* The object's hex in place of "%s". */
	const char *at = strstr(c->rtf, "%s");
	buf_t d = {0};
	buf_add(&d, c->rtf, at ? (size_t)(at - c->rtf) : strlen(c->rtf));
	if (at != NULL) {
		buf_add(&d, hex ? hex : "", hex ? strlen(hex) : 0);
		buf_add(&d, at + 2, strlen(at + 2));
	}
	doc = (char *)d.d;
	size_t len = d.n;

	ck_assert(rtf_is_rtf((const uint8_t *)doc, len));
	ck_assert_int_eq(rtf_scan((const uint8_t *)doc, len, c->max_data, &r),
	                 EMG_OK);
	ck_assert_msg(r.object == c->object && r.objupdate == c->objupdate &&
	                  r.objautlink == c->objautlink &&
	                  r.equation == c->equation && r.package == c->package,
	              "%s: flags %d%d%d%d%d", c->name, r.object, r.objupdate,
	              r.objautlink, r.equation, r.package);
	ck_assert_msg(r.n_objects == c->n_objects, "%s: %zu objects", c->name,
	              r.n_objects);
	ck_assert_msg(strcmp(r.cls, c->first_cls) == 0, "%s: cls %s", c->name,
	              r.cls);
	if (c->n_objects > 0) {
		const rtf_object_t *o = &r.objects[0];
		ck_assert_int_eq(r.n_described, c->n_objects);
		ck_assert_msg((o->class_name == NULL) == (c->obj_class == NULL) &&
		                  (!o->class_name ||
		                   strcmp(o->class_name, c->obj_class) == 0),
		              "%s: class %s", c->name, o->class_name);
		ck_assert_msg((o->file_name == NULL) == (c->obj_file == NULL) &&
		                  (!o->file_name ||
		                   strcmp(o->file_name, c->obj_file) == 0),
		              "%s: file %s", c->name, o->file_name);
		if (c->obj_data == NULL)
			ck_assert(o->data == NULL && o->len == 0);
		else
			ck_assert_msg(o->len == strlen(c->obj_data) &&
			                  memcmp(o->data, c->obj_data, o->len) == 0,
			              "%s: data %.*s", c->name, (int)o->len,
			              o->data);
		ck_assert_msg(o->truncated == c->truncated, "%s: truncated",
		              c->name);
	}
	if (c->dde == NULL)
		ck_assert_msg(r.dde.n == 0, "%s: dde %s", c->name, r.dde.v[0]);
	else
		ck_assert_msg(r.dde.n == 1 && strcmp(r.dde.v[0], c->dde) == 0,
		              "%s: dde [%s]", c->name,
		              r.dde.n ? r.dde.v[0] : "");
	rtf_result_free(&r);
	free(doc);
	free(hex);
	free(obj.d);
}
END_TEST

/* Many objects and fields: counted, at most RTF_MAX_OBJECTS described,
 * every \objclass listed once; a hostile pile of them stays bounded. */
START_TEST(test_rtf_bounds)
{
	buf_t b = {0};
	rtf_result_t r;

	buf_add(&b, HEAD, strlen(HEAD));
	for (int i = 0; i < 40; i++) {
		char o[96];
		int k = snprintf(o, sizeof(o),
		                 "{\\object{\\*\\objclass C%d}{\\*\\objdata 0102}}"
		                 "{\\field{\\*\\fldinst DDE x%d}}",
		                 i % 20, i);
		buf_add(&b, o, (size_t)k);
	}
	buf_add(&b, "}", 1);
	ck_assert_int_eq(rtf_scan(b.d, b.n, 1 << 20, &r), EMG_OK);
	ck_assert_int_eq(r.n_objects, 40);
	ck_assert_int_eq(r.n_described, RTF_MAX_OBJECTS);
	ck_assert_int_eq(r.classes.n, 16);
	ck_assert_str_eq(r.cls, "C0");
	ck_assert_int_eq(r.dde.n, 16);
	rtf_result_free(&r);
	/* A pile of small fields and objects. */
	b.n = 0;
	for (int i = 0; i < 200000; i++)
		buf_add(&b, "{\\fldinst x}{\\objdata 41}", 25);
	ck_assert_int_eq(rtf_scan(b.d, b.n, 1 << 20, &r), EMG_OK);
	ck_assert_int_eq(r.n_objects, 200000);
	rtf_result_free(&r);
	/* Nothing but openers: the first \objdata runs to the end. */
	b.n = 0;
	for (int i = 0; i < 200000; i++)
		buf_add(&b, "{\\fldinst {\\objdata \\", 21);
	ck_assert_int_eq(rtf_scan(b.d, b.n, 1 << 20, &r), EMG_OK);
	ck_assert_int_eq(r.n_objects, 1);
	rtf_result_free(&r);
	/* An \objdata of megabytes of hex: bounded by RTF_OBJDATA_MAX when
	 * no payload is wanted. */
	b.n = 0;
	buf_add(&b, "{\\rtf{\\*\\objdata ", 17);
	for (int i = 0; i < (3 << 20); i++)
		buf_add(&b, "41", 2);
	ck_assert_int_eq(rtf_scan(b.d, b.n, 0, &r), EMG_OK);
	ck_assert(r.objects[0].truncated && r.objects[0].data == NULL);
	rtf_result_free(&r);
	ck_assert_int_eq(rtf_scan(b.d, b.n, 8 << 20, &r), EMG_OK);
	ck_assert_int_eq(r.objects[0].len, 3u << 20);
	ck_assert(!r.objects[0].truncated);
	rtf_result_free(&r);
	free(b.d);
}
END_TEST

/* Every prefix of a document with an object and a field. */
START_TEST(test_rtf_prefixes)
{
	buf_t obj = {0};
	char doc[4096];

	ole1_build(&obj, O_PACKAGE, "Package", "a.txt", "hello");
	char *hex = hex_of(obj.d, obj.n, true);
	int len = snprintf(doc, sizeof(doc),
	                   HEAD "{\\object{\\*\\objclass Package}{\\*\\objdata "
	                        "%s}}{\\field{\\*\\fldinst DDEAUTO c}}}",
	                   hex);
	ck_assert(len > 0 && (size_t)len < sizeof(doc));
	for (int cut = 0; cut <= len; cut++) {
		uint8_t *c = malloc(cut ? (size_t)cut : 1);
		rtf_result_t r;
		memcpy(c, doc, (size_t)cut);
		ck_assert_int_eq(rtf_scan(c, (size_t)cut, 1024, &r), EMG_OK);
		ck_assert(r.n_described <= 1);
		rtf_result_free(&r);
		free(c);
	}
	free(hex);
	free(obj.d);
}
END_TEST

/* ---- the corpus ---------------------------------------------------------- */

/* The one member of the password ZIP D (LEN bytes) in *OUT. */
static uint8_t *
zip_member(const uint8_t *d, size_t len, const char *pw, size_t *out)
{
	zip_error_t err;
	zip_source_t *src;
	zip_t *z;
	zip_stat_t st;
	uint8_t *m;

	zip_error_init(&err);
	src = zip_source_buffer_create(d, len, 0, &err);
	ck_assert_ptr_nonnull(src);
	z = zip_open_from_source(src, ZIP_RDONLY, &err);
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(zip_stat_index(z, 0, 0, &st), 0);
	zip_file_t *f = zip_fopen_index_encrypted(z, 0, 0, pw);
	ck_assert_ptr_nonnull(f);
	m = malloc(st.size + 1);
	ck_assert_int_eq(zip_fread(f, m, st.size), (zip_int64_t)st.size);
	zip_fclose(f);
	zip_close(z);
	*out = st.size;
	return m;
}

/* rtfobj's samples: exactly one OLE object each (EXPECTED.tsv). */
START_TEST(test_rtf_corpus)
{
	static const char *const files[] = {OLETOOLS "rtfobj/issue_251.rtf",
	                                    OLETOOLS "rtfobj/issue_185.rtf.zip"};

	for (size_t k = 0; k < N(files); k++) {
		size_t len;
		uint8_t *z = tu_corpus_read(files[k], &len), *d = z;
		rtf_result_t r;

		if (z == NULL)
			return;
		if (strstr(files[k], ".zip") != NULL)
			d = zip_member(z, len, "infected-test", &len);
		ck_assert(rtf_is_rtf(d, len));
		ck_assert_int_eq(rtf_scan(d, len, 1 << 20, &r), EMG_OK);
		ck_assert_msg(r.n_objects == 1, "%s: %zu objects", files[k],
		              r.n_objects);
		ck_assert(r.objupdate);
		rtf_result_free(&r);
		if (d != z)
			free(d);
		free(z);
	}
}
END_TEST

/* ClamAV's RTF (XOR-encoded in the repository) carries its test program
 * in a Package object. */
START_TEST(test_rtf_clamav)
{
	static const char key[] =
	    "bhcftqarohcdiayfohalohkgmoefxrrgfnczssgybajvkzjaahpfrlqsratkhhfv"
	    "pxytculmwgmtyzujlbjlgrhtwxhzpjazlibbwepffyjyfkjwzyofgpopoueurin"
	    "pdujkphxwhnaxfkaiwrpzdqsnwughtejr";
	size_t len;
	uint8_t *d = tu_corpus_read(
	    "clamav/unit_tests/input/clamav_hdb_scanfiles/clam.exe.rtf.xor", &len);
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	char hex[65];
	rtf_result_t r;

	if (d == NULL)
		return;
	for (size_t i = 0; i < len; i++)
		d[i] ^= (uint8_t)key[i % (sizeof(key) - 1)];
	ck_assert_int_eq(rtf_scan(d, len, 1 << 20, &r), EMG_OK);
	ck_assert_int_eq(r.n_objects, 1);
	ck_assert(r.package && !r.equation);
	ck_assert_str_eq(r.objects[0].class_name, "Package");
	ck_assert_ptr_nonnull(r.objects[0].file_name);
	ck_assert(strcasecmp(r.objects[0].file_name, "clam.exe") == 0);
	EVP_Digest(r.objects[0].data, r.objects[0].len, h, &hl, EVP_sha256(),
	           NULL);
	for (unsigned i = 0; i < hl; i++)
		sprintf(hex + 2 * i, "%02x", h[i]);
	ck_assert_str_eq(hex, CLAM_EXE_SHA256);
	rtf_result_free(&r);
	free(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rtf");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_rtf_table, 0, N(rtf_cases));
	tcase_add_test(tc, test_rtf_bounds);
	tcase_add_test(tc, test_rtf_prefixes);
	tcase_add_test(tc, test_rtf_corpus);
	tcase_add_test(tc, test_rtf_clamav);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
