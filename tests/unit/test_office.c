/*
 * test_office.c - the Office analyzer (office.c) and the walker's Office
 * part (walk_office.c) through the whole scan: what a user sees for a
 * macro document, a password-protected document whose password is in the
 * mail, a document hiding a shortcut, and damaged compound files.  The
 * format modules have their own tests (test_vba, test_xls, test_ooxml,
 * test_officecrypt, test_oleobj); this one checks they are wired.
 * Public samples come from ../shared/corpus (skipped when absent).
 */
#include <glib.h>
#include <stdio.h>
#include <zip.h>
#include <stdlib.h>
#include <string.h>

#include "ole.h"
#include "testutil.h"

/* Scan LEN bytes at DATA as the file NAME under the configuration CONF. */
static emg_report_t *
office_scan_file(const char *conf, const char *name, const uint8_t *data,
                 size_t len)
{
	emg_config_t *cfg = tu_config(conf);
	emg_scanner_t *sc = NULL;
	char err[256] = "";
	ck_assert_msg(emg_scanner_new(cfg, &sc, err, sizeof(err)) == EMG_OK,
	              "scanner: %s", err);
	emg_report_t *r = NULL;
	ck_assert_int_eq(emg_scan_file(sc, name, data, len, &r), EMG_OK);
	emg_scanner_free(sc);
	emg_config_unref(cfg);
	return r;
}

/* A mail from outside with BODY as its text and DATA attached as NAME. */
static char *
office_mail(const char *body, const char *name, const uint8_t *data,
            size_t len)
{
	gchar *b64 = g_base64_encode(data, len);
	GString *m = g_string_new(
	    "From: sender@partner.test\r\nTo: staff@example.test\r\n"
	    "Subject: document\r\nMessage-ID: <office@partner.test>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
	g_string_append_printf(m, "%s\r\n--b\r\nContent-Type: "
	                       "application/octet-stream\r\n"
	                       "Content-Disposition: attachment; "
	                       "filename=\"%s\"\r\n"
	                       "Content-Transfer-Encoding: base64\r\n\r\n",
	                       body, name);
	for (size_t i = 0, n = strlen(b64); i < n; i += 76)
		g_string_append_printf(m, "%.76s\r\n", b64 + i);
	g_string_append(m, "--b--\r\n");
	g_free(b64);
	return g_string_free(m, FALSE);
}

#define OLETOOLS "oletools/tests/test-data/"
#define CLAMAV_ENC "clamav/unit_tests/input/other_scanfiles/ole2_encryption/"

/* The walker's compound-file reader, used by every Office module. */
START_TEST(test_office_ole_paths)
{
	tu_cfb_stream_t s[] = {{"Macros/VBA/dir", "abc", 3},
	                       {"Macros/VBA/Module1", "x", 1},
	                       {"WordDocument", "wd", 2},
	                       {"Macros/PROJECT", "p", 1}};
	size_t len;
	uint8_t *b = tu_cfb_build(s, 4, &len);
	ole_file_t *f;
	char why[100];
	ck_assert_int_eq(ole_open(b, len, &f, why, sizeof(why)), EMG_OK);
	uint8_t *d;
	size_t dl;
	/* Office matches names case-insensitively; so do we. */
	ck_assert_int_eq(ole_read(f, "macros/vba/DIR", 100, &d, &dl), EMG_OK);
	ck_assert_uint_eq(dl, 3);
	ck_assert_mem_eq(d, "abc", 3);
	free(d);
	ck_assert_int_eq(ole_read(f, "Macros/VBA/dir", 2, &d, &dl), EMG_ELIMIT);
	ck_assert_int_eq(ole_read(f, "Macros/nothing", 100, &d, &dl), EMG_OK);
	ck_assert_ptr_null(d);
	ck_assert(ole_has(f, "Macros/PROJECT"));
	ck_assert(!ole_has(f, "Macros/PROJECT/x"));
	ole_close(f);
	free(b);
}
END_TEST

/* A file with the compound-file signature that libgsf refuses is
 * unscannable, with the reason, and nothing crashes. */
START_TEST(test_office_corrupt_cfb)
{
	uint8_t bad[4096];
	memset(bad, 0xff, sizeof(bad));
	static const uint8_t sig[8] = {0xd0, 0xcf, 0x11, 0xe0,
	                               0xa1, 0xb1, 0x1a, 0xe1};
	memcpy(bad, sig, sizeof(sig));
	emg_report_t *r = office_scan_file(NULL, "invoice.doc", bad,
	                                   sizeof(bad));
	const emg_finding_t *f = tu_finding(r, "ATTACH_UNSCANNABLE");
	ck_assert_msg(f != NULL, "%s", tu_symbols(r));
	ck_assert_msg(strstr(f->detail, "corrupt OLE2") != NULL, "%s",
	              f->detail);
	emg_report_free(r);
}
END_TEST

/* Every prefix of a real document: a truncated OLE file never crashes
 * and always yields a report. */
START_TEST(test_office_truncated)
{
	size_t len = 0;
	uint8_t *doc = tu_corpus_read(OLETOOLS "oleobj/sample_with_lnk_file.doc",
	                              &len);
	if (doc == NULL)
		return;
	for (size_t cut = 512; cut < len; cut += 1531) {
		emg_report_t *r = office_scan_file(NULL, "cut.doc", doc, cut);
		ck_assert_ptr_nonnull(r);
		emg_report_free(r);
	}
	free(doc);
}
END_TEST

/* A shortcut hidden in a Word document as an OLE Package object is found
 * and judged like an attached .lnk. */
START_TEST(test_office_embedded_lnk)
{
	size_t len = 0;
	uint8_t *doc = tu_corpus_read(OLETOOLS "oleobj/sample_with_lnk_file.doc",
	                              &len);
	if (doc == NULL)
		return;
	emg_report_t *r = office_scan_file(NULL, "sample.doc", doc, len);
	const emg_finding_t *f = tu_finding(r, "ATTACH_LNK");
	ck_assert_msg(f != NULL, "%s", tu_symbols(r));
	ck_assert_msg(strstr(f->detail, "calc.lnk") != NULL, "%s", f->detail);
	emg_report_free(r);
	free(doc);
}
END_TEST

/* Excel 4.0 macro sheet with Auto_Open, in an old .xls and an .xlsm. */
START_TEST(test_office_xlm)
{
	const char *files[] = {OLETOOLS "excel4-macros/excel4_sample_macro.xls",
	                       OLETOOLS "excel4-macros/excel4_sample_macro.xlsm"};
	for (size_t i = 0; i < 2; i++) {
		size_t len = 0;
		uint8_t *doc = tu_corpus_read(files[i], &len);
		if (doc == NULL)
			return;
		emg_report_t *r = office_scan_file(NULL, strrchr(files[i], '/') + 1,
		                                   doc, len);
		ck_assert_msg(tu_finding(r, "OFFICE_XLM_MACRO") != NULL &&
		                  tu_finding(r, "OFFICE_XLM_AUTO_OPEN") != NULL,
		              "%s: %s", files[i], tu_symbols(r));
		ck_assert_int_ge(emg_report_action(r), EMG_ACTION_QUARANTINE);
		emg_report_free(r);
		free(doc);
	}
}
END_TEST

/* Excel's built-in VelvetSweatshop opens the workbook without asking: the
 * VBA inside is found, and the document reads as opened. */
START_TEST(test_office_velvet_sweatshop)
{
	size_t len = 0;
	uint8_t *doc = tu_corpus_read(
	    OLETOOLS "encrypted/autostart-encrypt-standardpassword.xlsm", &len);
	if (doc == NULL)
		return;
	emg_report_t *r = office_scan_file(NULL, "report.xlsm", doc, len);
	const emg_finding_t *f =
	    tu_finding(r, "ATTACH_ENCRYPTED_ARCHIVE_OPENED");
	ck_assert_msg(f != NULL, "%s", tu_symbols(r));
	ck_assert_msg(strstr(f->detail, "VelvetSweatshop") != NULL, "%s",
	              f->detail);
	ck_assert_msg(tu_finding(r, "OFFICE_MACRO") != NULL, "%s",
	              tu_symbols(r));
	ck_assert_ptr_null(tu_finding(r, "ATTACH_TYPE_MISMATCH"));
	emg_report_free(r);
	free(doc);
}
END_TEST

/* A password-protected .docx whose password is written in the mail body
 * is opened with it; without the password it is reported as encrypted,
 * not as damaged. */
START_TEST(test_office_password_in_body)
{
	size_t len = 0;
	uint8_t *doc = tu_corpus_read(CLAMAV_ENC "password.fat.docx", &len);
	if (doc == NULL)
		return;
	/* ArchivePasswords without "password": only the body can open it.
	 * The word "password" after パスワード would read as prose, so the
	 * mail quotes it as Japanese senders do. */
	const char *conf = "ArchivePasswords infected\n";
	char *m = office_mail("見積書を送ります。\r\nパスワードは「password」です。",
	                      "見積書.docx", doc, len);
	emg_report_t *r = tu_scan(conf, m, NULL);
	const emg_finding_t *f =
	    tu_finding(r, "ATTACH_ENCRYPTED_ARCHIVE_OPENED");
	ck_assert_msg(f != NULL, "%s", tu_symbols(r));
	ck_assert_msg(strstr(f->detail, "body") != NULL, "%s", f->detail);
	ck_assert_ptr_null(tu_finding(r, "ATTACH_UNSCANNABLE"));
	emg_report_free(r);
	free(m);

	m = office_mail("見積書を送ります。", "見積書.docx", doc, len);
	r = tu_scan(conf, m, NULL);
	ck_assert_msg(tu_finding(r, "ATTACH_ENCRYPTED_ARCHIVE") != NULL, "%s",
	              tu_symbols(r));
	ck_assert_ptr_null(tu_finding(r, "ATTACH_ENCRYPTED_ARCHIVE_OPENED"));
	ck_assert_ptr_null(tu_finding(r, "ATTACH_UNSCANNABLE"));
	ck_assert_ptr_null(tu_finding(r, "ATTACH_TYPE_MISMATCH"));
	emg_report_free(r);
	free(m);
	free(doc);
}
END_TEST

/* A remote template relationship and a DDEAUTO field. */
START_TEST(test_office_template_and_dde)
{
	struct {
		const char *file, *symbol;
	} cases[] = {
	    {OLETOOLS "oleobj/external_link/sample_with_external_link_to_doc.docx",
	     "OFFICE_TEMPLATE_INJECTION"},
	    {OLETOOLS "msodde/dde-test.docx", "OFFICE_DDE"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = 0;
		uint8_t *doc = tu_corpus_read(cases[i].file, &len);
		if (doc == NULL)
			return;
		emg_report_t *r = office_scan_file(
		    NULL, strrchr(cases[i].file, '/') + 1, doc, len);
		ck_assert_msg(tu_finding(r, cases[i].symbol) != NULL, "%s: %s",
		              cases[i].file, tu_symbols(r));
		emg_report_free(r);
		free(doc);
	}
}
END_TEST

/* Documents without macros stay quiet, macro-enabled type or not. */
START_TEST(test_office_clean)
{
	const char *files[] = {
	    OLETOOLS "msodde/harmless-clean.doc",
	    OLETOOLS "oleobj/embedded-simple-2007.xlsm",
	    OLETOOLS "msodde/dde-test.docm",
	    "clamav/unit_tests/input/other_scanfiles/has_png_and_jpeg.xls",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len = 0;
		uint8_t *doc = tu_corpus_read(files[i], &len);
		if (doc == NULL)
			return;
		emg_report_t *r = office_scan_file(NULL, strrchr(files[i], '/') + 1,
		                                   doc, len);
		ck_assert_msg(tu_finding(r, "OFFICE_MACRO") == NULL &&
		                  tu_finding(r, "OFFICE_XLM_MACRO") == NULL &&
		                  tu_finding(r, "ATTACH_UNSCANNABLE") == NULL,
		              "%s: %s", files[i], tu_symbols(r));
		emg_report_free(r);
		free(doc);
	}
}
END_TEST

/* Issue 4 asks how many of the public Office samples libgsf reads, and
 * for a reader of our own if it misses ones Office opens: it reads every
 * compound file of the oletools and ClamAV corpora (51 when written). */
START_TEST(test_office_libgsf_reads_corpus)
{
	size_t mlen = 0;
	uint8_t *manifest = tu_corpus_read("MANIFEST.tsv", &mlen);
	if (manifest == NULL)
		return;
	unsigned cfb = 0, opened = 0;
	char *save = NULL;
	char *text = strndup((const char *)manifest, mlen);
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (tab == NULL || (strncmp(line, "oletools/", 9) != 0 &&
		                    strncmp(line, "clamav/", 7) != 0))
			continue;
		*tab = '\0';
		size_t len = 0;
		uint8_t *d = tu_corpus_read(line, &len);
		if (d != NULL && ole_is_cfb(d, len)) {
			cfb++;
			ole_file_t *f = NULL;
			char why[128] = "";
			if (ole_open(d, len, &f, why, sizeof(why)) == EMG_OK)
				opened++;
			else
				fprintf(stderr, "libgsf refuses %s: %s\n", line,
				        why);
			ole_close(f);
		}
		free(d);
	}
	free(text);
	free(manifest);
	fprintf(stderr, "libgsf opened %u of %u compound files\n", opened,
	        cfb);
	ck_assert_uint_ge(cfb, 40);
	ck_assert_uint_eq(opened, cfb);
}
END_TEST

/* Outbound mail (an authenticated client) is checked for its content
 * only: a macro document is still judged, who wrote it is not. */
START_TEST(test_office_outbound_content_only)
{
	size_t len = 0;
	uint8_t *doc = tu_corpus_read(
	    OLETOOLS "excel4-macros/excel4_sample_macro.xlsm", &len);
	if (doc == NULL)
		return;
	char *m = office_mail("資料です。", "資料.xlsm", doc, len);
	/* A Reply-To in free mail: a sender check that fires inbound. */
	char *m2 = g_strdup_printf("Reply-To: someone@gmail.test\r\n%s", m);
	const char *conf = "InternalDomains example.test\n"
	                   "FreemailDomains gmail.test\n";
	emg_envelope_t env = {.client_ip = "192.0.2.9", .auth_user = "staff"};
	emg_report_t *r = tu_scan(conf, m2, &env);
	ck_assert(emg_report_outbound(r));
	ck_assert_msg(tu_finding(r, "OFFICE_XLM_MACRO") != NULL, "%s",
	              tu_symbols(r));
	for (size_t i = 0; i < emg_report_finding_count(r); i++)
		ck_assert_msg(strncmp(emg_report_finding(r, i)->category,
		                      "spoof.", 6) != 0,
		              "%s", tu_symbols(r));
	emg_report_free(r);
	r = tu_scan(conf, m2, NULL);
	ck_assert(!emg_report_outbound(r));
	bool spoof = false;
	for (size_t i = 0; i < emg_report_finding_count(r); i++)
		spoof |= strncmp(emg_report_finding(r, i)->category, "spoof.",
		                 6) == 0;
	ck_assert_msg(spoof, "inbound: %s", tu_symbols(r));
	emg_report_free(r);
	g_free(m2);
	free(m);
	free(doc);
}
END_TEST

/* A .docx whose settings relationship points at TARGET as its template,
 * built with libzip in memory; *LEN gets its size. */
static uint8_t *
office_docx_template(const char *target, size_t *len)
{
	static const char ct[] =
	    "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas."
	    "openxmlformats.org/package/2006/content-types\"><Default "
	    "Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-"
	    "package.relationships+xml\"/><Override PartName=\"/word/"
	    "document.xml\" ContentType=\"application/vnd.openxmlformats-"
	    "officedocument.wordprocessingml.document.main+xml\"/></Types>";
	static const char doc[] =
	    "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas."
	    "openxmlformats.org/wordprocessingml/2006/main\"><w:body/>"
	    "</w:document>";
	char rels[1024];
	snprintf(rels, sizeof(rels),
	         "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas."
	         "openxmlformats.org/package/2006/relationships\"><Relationship "
	         "Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/"
	         "officeDocument/2006/relationships/attachedTemplate\" "
	         "Target=\"%s\" TargetMode=\"External\"/></Relationships>",
	         target);
	const char *names[] = {"[Content_Types].xml", "word/document.xml",
	                       "word/_rels/settings.xml.rels"};
	const char *bodies[] = {ct, doc, rels};
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	ck_assert_ptr_nonnull(src);
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	ck_assert_ptr_nonnull(z);
	for (size_t i = 0; i < 3; i++) {
		zip_source_t *m = zip_source_buffer(z, bodies[i],
		                                    strlen(bodies[i]), 0);
		ck_assert_int_ge(zip_file_add(z, names[i], m, 0), 0);
	}
	ck_assert_int_eq(zip_close(z), 0);
	zip_stat_t st;
	ck_assert_int_eq(zip_source_stat(src, &st), 0);
	uint8_t *out = malloc(st.size);
	ck_assert_int_eq(zip_source_open(src), 0);
	ck_assert_int_eq(zip_source_read(src, out, st.size), (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	*len = st.size;
	return out;
}

/* The author's own template on a local disk is in ordinary documents;
 * a template on another host is what an attack fetches. */
START_TEST(test_office_template_local_vs_remote)
{
	struct {
		const char *target;
		bool finding;
	} cases[] = {
	    {"file:///C:/Users/taro/AppData/Roaming/Microsoft/Templates/"
	     "Normal.dotm", false},
	    {"C:\\Templates\\report.dotx", false},
	    {"\\\\192.0.2.10\\share\\t.dotm", true},
	    {"file://192.0.2.10/share/t.dotm", true},
	    {"https://192.0.2.10/t.dotm", true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *d = office_docx_template(cases[i].target, &len);
		emg_report_t *r = office_scan_file(NULL, "t.docx", d, len);
		ck_assert_msg((tu_finding(r, "OFFICE_TEMPLATE_INJECTION") !=
		               NULL) == cases[i].finding,
		              "%s: %s", cases[i].target, tu_symbols(r));
		emg_report_free(r);
		free(d);
	}
}
END_TEST

TESTUTIL_MAIN("office", test_office_template_local_vs_remote, test_office_outbound_content_only, test_office_libgsf_reads_corpus, test_office_ole_paths, test_office_corrupt_cfb,
              test_office_truncated, test_office_embedded_lnk,
              test_office_xlm, test_office_velvet_sweatshop,
              test_office_password_in_body, test_office_template_and_dde,
              test_office_clean)
