/*
 * office.c - the Office analyzer: macros, Excel 4.0 macro sheets, remote
 * templates and DDE in every Word, Excel and PowerPoint document of the
 * attachment tree, wherever the walker found it (top level, in an archive,
 * in an encrypted ZIP opened with the password from the body, decrypted
 * from a password-protected document).
 *
 * The parsing lives in one module per format (vba.c, xls.c, ooxml.c,
 * oleobj.c); this file decides what each node is, asks those modules, and
 * turns their facts into findings.  Scoring (defaults; Score overrides):
 *
 * - A VBA project alone (3.0) stays below tag: partners send macro
 *   workbooks (.xlsm order forms) and that is business.
 * - The mraptor rule (auto-exec and a write or execute call), proven on
 *   years of malware and rarely met by benign macros, adds 8.0: with the
 *   macro finding, quarantine on its own.
 * - An Excel 4.0 macro sheet (4.0) is rare in 2020s business mail; with
 *   Auto_Open it scores like an auto-exec macro (8.0).
 * - An auto-exec macro or Auto_Open sheet inside an encrypted archive or
 *   document opened with a password from the message (Emotet's chain:
 *   ZIP password in the body, .doc with AutoOpen inside; or Excel's
 *   VelvetSweatshop) forces at least quarantine: the encryption was there
 *   to hide it from gateways.
 * - A remote template or OLE object (7.0) tags: corporate templates on an
 *   intranet server are legitimate, but rare in mail from outside.  DDE
 *   fields and formulas (8.0) have no business use left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer.h"
#include "attachment.h"
#include "ole.h"
#include "oleobj.h"
#include "ooxml.h"
#include "vba.h"
#include "xls.h"

/* Bytes of VBA source or of one OOXML part read per document: a macro
 * larger than this is not a document a person wrote. */
#define OFFICE_PART_MAX (64u << 20)
/* Longest list in a finding's detail. */
#define OFFICE_LIST_MAX 240

static const emg_symbol_t office_symbols[] = {
	{"OFFICE_MACRO", "attach.macro", 3.0, EMG_ACTION_ACCEPT,
	 "A document with a VBA macro project"},
	{"OFFICE_MACRO_AUTOEXEC", "attach.macro_autoexec", 8.0,
	 EMG_ACTION_ACCEPT,
	 "A VBA macro that runs on opening and writes files or starts "
	 "programs (mraptor rule)"},
	{"OFFICE_AUTOEXEC_ENCRYPTED", "attach.macro_autoexec", 2.0,
	 EMG_ACTION_QUARANTINE,
	 "An auto-exec macro inside an encrypted archive or document opened "
	 "with a password from the message"},
	{"OFFICE_XLM_MACRO", "attach.xlm_macro", 4.0, EMG_ACTION_ACCEPT,
	 "An Excel 4.0 (XLM) macro sheet"},
	{"OFFICE_XLM_AUTO_OPEN", "attach.xlm_macro", 8.0, EMG_ACTION_ACCEPT,
	 "An Excel 4.0 macro sheet that runs on opening (Auto_Open)"},
	{"OFFICE_TEMPLATE_INJECTION", "attach.template_injection", 7.0,
	 EMG_ACTION_ACCEPT,
	 "A relationship to an external template, OLE object, frame or "
	 "sub-document"},
	{"OFFICE_DDE", "attach.template_injection", 8.0, EMG_ACTION_ACCEPT,
	 "A DDE or DDEAUTO field or formula that starts a program"},
};

/* What one document holds, gathered from every part of it. */
typedef struct office_doc {
	vba_result_t vba;
	xls_result_t xlm;
	bool have_xlm;
	emg_strlist_t external; /* template injection targets */
	emg_strlist_t dde;
} office_doc_t;

static void
office_doc_free(office_doc_t *d)
{
	vba_result_free(&d->vba);
	if (d->have_xlm)
		xls_result_free(&d->xlm);
	strlist_free(&d->external);
	strlist_free(&d->dde);
}

/* "a, b, c" of L into BUF, cut at OFFICE_LIST_MAX with "...". */
static const char *
office_join(const emg_strlist_t *l, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < l->n && n + 1 < size; i++) {
		int w = snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
		                 l->v[i]);
		if (w < 0 || (size_t)w >= size - n) {
			if (size > 4)
				memcpy(buf + size - 4, "...", 4);
			break;
		}
		n += (size_t)w;
	}
	return buf;
}

static emg_status_t
office_add_all(emg_strlist_t *to, const emg_strlist_t *from)
{
	for (size_t i = 0; i < from->n; i++)
		if (!strlist_has_nocase(to, from->v[i]) &&
		    strlist_add(to, from->v[i], (size_t)-1) != 0)
			return EMG_ENOMEM;
	return EMG_OK;
}

/* Merge the Excel 4.0 facts of X into D. */
static emg_status_t
office_merge_xlm(office_doc_t *d, const xls_result_t *x)
{
	if (!d->have_xlm) {
		memset(&d->xlm, 0, sizeof(d->xlm));
		d->have_xlm = true;
	}
	d->xlm.workbook |= x->workbook;
	d->xlm.macro_sheets += x->macro_sheets;
	d->xlm.hidden += x->hidden;
	d->xlm.very_hidden += x->very_hidden;
	emg_status_t rc = office_add_all(&d->xlm.sheets, &x->sheets);
	if (rc == EMG_OK)
		rc = office_add_all(&d->xlm.auto_names, &x->auto_names);
	if (rc == EMG_OK)
		rc = office_add_all(&d->xlm.formulas, &x->formulas);
	if (rc == EMG_OK)
		rc = office_add_all(&d->dde, &x->dde);
	return rc;
}

/* A BIFF5/8 workbook stream (from a compound file, or decrypted). */
static emg_status_t
office_biff(office_doc_t *d, const uint8_t *s, size_t n)
{
	xls_result_t x;
	emg_status_t rc = xls_scan_biff(s, n, &x);
	if (rc == EMG_OK)
		rc = office_merge_xlm(d, &x);
	xls_result_free(&x);
	return rc;
}

/* The VBA projects of a compound file at DATA (vbaProject.bin, a PowerPoint
 * storage); a file libgsf refuses was already reported by the walker. */
static emg_status_t
office_vba_bytes(office_doc_t *d, const uint8_t *data, size_t len)
{
	ole_file_t *ole = NULL;
	char why[128];
	emg_status_t rc = ole_open(data, len, &ole, why, sizeof(why));
	if (rc != EMG_OK)
		return rc == EMG_ENOMEM ? rc : EMG_OK;
	rc = vba_scan_ole(ole, OFFICE_PART_MAX, &d->vba);
	ole_close(ole);
	return rc;
}

/* PowerPoint 97-2003 keeps its VBA project in an ExOleObjStg storage of
 * the document stream. */
static emg_status_t
office_ppt_vba(office_doc_t *d, ole_file_t *ole, size_t max)
{
	uint8_t *doc = NULL;
	size_t len = 0;
	emg_status_t rc = ole_read(ole, "PowerPoint Document", max, &doc, &len);
	if (rc != EMG_OK || doc == NULL)
		return rc == EMG_ENOMEM ? rc : EMG_OK;
	oleobj_list_t stg = {0};
	rc = oleobj_ppt_storages(doc, len, 64, OFFICE_PART_MAX, &stg);
	free(doc);
	for (size_t i = 0; rc == EMG_OK && i < stg.n; i++)
		rc = office_vba_bytes(d, stg.v[i].data, stg.v[i].len);
	oleobj_list_free(&stg);
	return rc;
}

/* Read stream PATH of OLE (bounded by the file size) and hand it to FN. */
static emg_status_t
office_stream(ole_file_t *ole, const char *path, size_t max, uint8_t **buf,
              size_t *len)
{
	emg_status_t rc = ole_read(ole, path, max, buf, len);
	if (rc == EMG_ENOMEM)
		return rc;
	if (rc != EMG_OK) { /* broken chain: the walker said so */
		*buf = NULL;
		*len = 0;
	}
	return EMG_OK;
}

/* A compound file: VBA, Excel 4.0 sheets, Word DDE fields.  An encrypted
 * document's streams are read from its decrypted child instead. */
static emg_status_t
office_ole(office_doc_t *d, const emg_attachment_t *n)
{
	ole_file_t *ole = NULL;
	char why[128];
	emg_status_t rc = ole_open(n->data, n->size, &ole, why, sizeof(why));
	if (rc != EMG_OK)
		return rc == EMG_ENOMEM ? rc : EMG_OK;
	rc = vba_scan_ole(ole, OFFICE_PART_MAX, &d->vba);
	if (rc == EMG_OK && ole_has(ole, "PowerPoint Document"))
		rc = office_ppt_vba(d, ole, n->size);
	uint8_t *s = NULL;
	size_t len = 0;
	const char *book = ole_has(ole, "Workbook") ? "Workbook"
	                   : ole_has(ole, "Book")   ? "Book"
	                                            : NULL;
	if (rc == EMG_OK && book != NULL && !n->encrypted &&
	    (rc = office_stream(ole, book, n->size, &s, &len)) == EMG_OK &&
	    s != NULL)
		rc = office_biff(d, s, len);
	free(s);
	s = NULL;
	if (rc == EMG_OK && !n->encrypted && ole_has(ole, "WordDocument") &&
	    (rc = office_stream(ole, "WordDocument", n->size, &s, &len)) ==
	        EMG_OK &&
	    s != NULL)
		rc = oleobj_word_dde(s, len, &d->dde);
	free(s);
	ole_close(ole);
	return rc;
}

/* True when the external relationship ENTRY ("TYPE TARGET", ooxml.h)
 * reaches another host.  Word records the author's own template as
 * file:///C:/Users/.../Templates/x.dotx or C:\...: a path on the reader's
 * disk fetches nothing and is in every other business document.  UNC
 * (\\host\share, file://host/) and http(s) reach out. */
static bool
office_external_remote(const char *entry)
{
	const char *t = strchr(entry, ' ');
	t = t != NULL ? t + 1 : entry;
	if (strncasecmp(t, "file:///", 8) == 0)
		t += 8;
	else if (strncasecmp(t, "file:/", 6) == 0 && t[6] != '/')
		t += 6;
	bool drive = ((t[0] >= 'A' && t[0] <= 'Z') ||
	              (t[0] >= 'a' && t[0] <= 'z')) &&
	             (t[1] == ':' || t[1] == '|') &&
	             (t[2] == '\\' || t[2] == '/');
	return !drive;
}

/* An OOXML package, or a Word/Excel 2003 XML or Flat OPC document. */
static emg_status_t
office_ooxml(office_doc_t *d, const emg_attachment_t *n, uint64_t budget,
             bool flat)
{
	ooxml_result_t o;
	size_t total = budget < SIZE_MAX ? (size_t)budget : SIZE_MAX;
	emg_status_t rc = flat ? ooxml_scan_flat_xml(n->data, n->size, &o)
	                       : ooxml_scan(n->data, n->size,
	                                    total < OFFICE_PART_MAX
	                                        ? total
	                                        : OFFICE_PART_MAX,
	                                    total, &o);
	for (size_t i = 0; rc == EMG_OK && i < o.n_vba; i++)
		rc = office_vba_bytes(d, o.vba[i].data, o.vba[i].len);
	if (rc == EMG_OK && (o.xlm.macro_sheets > 0 || o.macrosheets.n > 0 ||
	                     o.xlm.auto_names.n > 0)) {
		if (o.xlm.macro_sheets < o.macrosheets.n)
			o.xlm.macro_sheets = (unsigned)o.macrosheets.n;
		rc = office_merge_xlm(d, &o.xlm);
	}
	for (size_t i = 0; rc == EMG_OK && i < o.external.n; i++)
		if (office_external_remote(o.external.v[i]) &&
		    !strlist_has_nocase(&d->external, o.external.v[i]) &&
		    strlist_add(&d->external, o.external.v[i], (size_t)-1) != 0)
			rc = EMG_ENOMEM;
	if (rc == EMG_OK)
		rc = office_add_all(&d->dde, &o.dde);
	ooxml_result_free(&o);
	return rc;
}

/* True when N is a text file Excel opens as a sheet: .csv by name or
 * type.  DDE formulas in it run when opened. */
static bool
office_is_csv(const emg_attachment_t *n)
{
	size_t l = n->name ? strlen(n->name) : 0;
	return (l > 4 && strcasecmp(n->name + l - 4, ".csv") == 0) ||
	       (n->real_type != NULL && strcmp(n->real_type, "text/csv") == 0) ||
	       (n->declared_type != NULL &&
	        strcmp(n->declared_type, "text/csv") == 0);
}

/* The encrypted container (archive or document) opened with a password
 * that N came out of, or NULL. */
static const emg_attachment_t *
office_opened_box(const emg_attachment_t *n)
{
	for (const emg_attachment_t *a = n; a != NULL; a = a->parent)
		if (a->opened_with != NULL)
			return a;
	return NULL;
}

/* The findings of document N from what D holds. */
static emg_status_t
office_emit(emg_scan_t *scan, const emg_attachment_t *n, office_doc_t *d)
{
	const char *label = attachment_label(n);
	char a[OFFICE_LIST_MAX], b[OFFICE_LIST_MAX], c[OFFICE_LIST_MAX];
	const emg_attachment_t *box = office_opened_box(n);
	bool autoexec = false;
	emg_status_t rc = EMG_OK;

	if (d->vba.present) {
		/* An entry point without a write or execute call (a MsgBox
		 * on Workbook_Open) is said, not scored. */
		bool entry = d->vba.autoexec.n > 0 && !vba_is_autoexec(&d->vba);
		rc = scan_emit_at(scan, n, "OFFICE_MACRO",
		                  "%s: VBA project with module(s) %s%s%s%s", label,
		                  d->vba.modules.n ? office_join(&d->vba.modules,
		                                                 a, sizeof(a))
		                                   : "(none listed)",
		                  entry ? "; runs " : "",
		                  entry ? office_join(&d->vba.autoexec, b,
		                                      sizeof(b))
		                        : "",
		                  entry ? " on opening (no write or execute call)"
		                        : "");
		if (rc == EMG_OK && vba_is_autoexec(&d->vba)) {
			emg_strlist_t calls = {0};
			if (office_add_all(&calls, &d->vba.write) != EMG_OK ||
			    office_add_all(&calls, &d->vba.execute) != EMG_OK) {
				strlist_free(&calls);
				return EMG_ENOMEM;
			}
			autoexec = true;
			rc = scan_emit_at(
			    scan, n, "OFFICE_MACRO_AUTOEXEC",
			    "%s: runs %s on opening and calls %s%s%s", label,
			    office_join(&d->vba.autoexec, a, sizeof(a)),
			    office_join(&calls, b, sizeof(b)),
			    d->vba.indicators.n ? "; indicators: " : "",
			    office_join(&d->vba.indicators, c, sizeof(c)));
			strlist_free(&calls);
		}
	}
	/* A module or dir stream that could not be read is code nobody
	 * looked at: once per document, however many modules it is. */
	if (rc == EMG_OK && d->vba.problems.n > 0)
		rc = scan_emit_at(scan, n, "ATTACH_UNSCANNABLE",
		                  "%s: VBA project not fully read: %s", label,
		                  office_join(&d->vba.problems, a, sizeof(a)));
	if (rc == EMG_OK && d->have_xlm && d->xlm.macro_sheets > 0) {
		rc = scan_emit_at(
		    scan, n, "OFFICE_XLM_MACRO",
		    "%s: %u Excel 4.0 macro sheet(s)%s%s (%u hidden, %u very "
		    "hidden)%s%s",
		    label, d->xlm.macro_sheets, d->xlm.sheets.n ? " " : "",
		    office_join(&d->xlm.sheets, a, sizeof(a)), d->xlm.hidden,
		    d->xlm.very_hidden, d->xlm.formulas.n ? "; calls " : "",
		    office_join(&d->xlm.formulas, b, sizeof(b)));
		if (rc == EMG_OK && d->xlm.auto_names.n > 0) {
			autoexec = true;
			rc = scan_emit_at(scan, n, "OFFICE_XLM_AUTO_OPEN",
			                  "%s: macro sheet runs on opening "
			                  "through %s",
			                  label,
			                  office_join(&d->xlm.auto_names, a,
			                              sizeof(a)));
		}
	}
	if (rc == EMG_OK && autoexec && box != NULL) {
		/* A ZIP member opened with a password names its archive; a
		 * password-protected document names itself. */
		bool doc = attachment_office_encrypted(box);
		const emg_attachment_t *shown =
		    !doc && box->container != NULL && box->parent != NULL
		        ? box->parent
		        : box;
		rc = scan_emit_at(scan, n, "OFFICE_AUTOEXEC_ENCRYPTED",
		                  "%s: auto-exec macro inside the encrypted %s %s, "
		                  "opened with the password from %s",
		                  label, doc ? "document" : "archive",
		                  attachment_label(shown), box->opened_with);
	}
	if (rc == EMG_OK && d->external.n > 0)
		rc = scan_emit_at(scan, n, "OFFICE_TEMPLATE_INJECTION",
		                  "%s: external %s", label,
		                  office_join(&d->external, a, sizeof(a)));
	if (rc == EMG_OK && d->dde.n > 0)
		rc = scan_emit_at(scan, n, "OFFICE_DDE", "%s: %s", label,
		                  office_join(&d->dde, a, sizeof(a)));
	return rc;
}

/* Judge node N if it is an Office document (or a decrypted stream of
 * one, or a file Excel runs formulas from). */
static emg_status_t
office_node(emg_scan_t *scan, const emg_attachment_t *n)
{
	if (n->data == NULL || n->size == 0 || n->password_failed)
		return EMG_OK;
	uint64_t budget = scan->cfg->limits.archive_bytes
	                      ? scan->cfg->limits.archive_bytes
	                      : UINT64_MAX;
	office_doc_t d = {0};
	emg_status_t rc = EMG_OK;
	bool decrypted = n->container != NULL &&
	                 strcmp(n->container, "office-encryption") == 0;
	const char *name = n->name ? n->name : "";

	if (decrypted && (strcmp(name, "Workbook") == 0 ||
	                  strcmp(name, "Book") == 0)) {
		rc = office_biff(&d, n->data, n->size);
	} else if (decrypted && strcmp(name, "WordDocument") == 0) {
		rc = oleobj_word_dde(n->data, n->size, &d.dde);
	} else if (ole_is_cfb(n->data, n->size)) {
		rc = office_ole(&d, n);
	} else if (ooxml_is_package(n->data, n->size)) {
		rc = office_ooxml(&d, n, budget, false);
	} else if (ooxml_is_flat_xml(n->data, n->size)) {
		rc = office_ooxml(&d, n, budget, true);
	} else if (xls_is_sylk(n->data, n->size)) {
		xls_result_t x;
		rc = xls_scan_sylk(n->data, n->size, &x);
		if (rc == EMG_OK)
			rc = office_merge_xlm(&d, &x);
		xls_result_free(&x);
	} else if (office_is_csv(n)) {
		xls_result_t x = {0};
		rc = xls_scan_csv(n->data, n->size, &x);
		if (rc == EMG_OK)
			rc = office_add_all(&d.dde, &x.dde);
		xls_result_free(&x);
	} else {
		return EMG_OK;
	}
	/* A decrypted stream's findings belong to the document it came
	 * from: that is what the user sees in the mail. */
	const emg_attachment_t *at = decrypted && n->parent ? n->parent : n;
	if (rc == EMG_OK)
		rc = office_emit(scan, at, &d);
	office_doc_free(&d);
	return rc;
}

static emg_status_t
office_check(emg_scan_t *scan, void *state)
{
	attachment_iter_t it;
	emg_attachment_t *n;
	emg_status_t rc = EMG_OK;

	(void)state;
	attachment_iter_init(&it, scan->msg);
	while (rc == EMG_OK && (n = attachment_iter_next(&it)) != NULL)
		rc = office_node(scan, n);
	attachment_iter_done(&it);
	return rc;
}

const emg_analyzer_t office_analyzer = {
    .name = "office",
    .symbols = office_symbols,
    .n_symbols = sizeof(office_symbols) / sizeof(office_symbols[0]),
    .check = office_check,
    .outbound = true,
};
