/*
 * ooxml.h - Office Open XML packages (.docx/.docm/.dotm, .xlsx/.xlsm/.xltm/
 * .xlsb, .pptx/.pptm/.ppsm, Flat OPC) and the Word/Excel 2003 XML formats:
 * what the Office analyzer judges.  The package is read with unpack.c
 * (libzip) and the XML parts with libxml2's streaming reader (no DOM, no
 * network, no entity expansion), every part bounded by the caller's budget.
 *
 *   - vbaProject.bin parts, returned as bytes for vba.c;
 *   - Excel 4.0 macro sheets (parts under xl/macrosheets/) and the Auto_Open /
 *     Auto_Close defined names of xl/workbook.xml (xl/workbook.bin through
 *     xls.c for .xlsb);
 *   - relationships with TargetMode="External" of type attachedTemplate,
 *     oleObject, frame, subDocument (template injection), with their
 *     targets;
 *   - DDE and DDEAUTO field instructions in the Word parts (w:instrText
 *     split over runs is joined per field; w:fldSimple), ddeLink in Excel
 *     externalLink parts, and the same in Word/Excel 2003 XML.
 * Pure functions: no I/O, no global state.
 */
#ifndef EMG_OOXML_H
#define EMG_OOXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"
#include "strlist.h"
#include "xls.h"

#define OOXML_MAX_VBA 4   /* vbaProject.bin parts kept */
#define OOXML_MAX_ITEMS 32 /* entries kept per list */

typedef struct ooxml_blob {
	char *part;    /* "word/vbaProject.bin" */
	uint8_t *data; /* its bytes (malloc'd) */
	size_t len;
} ooxml_blob_t;

typedef struct ooxml_result {
	bool package;          /* an OPC package ([Content_Types].xml) */
	const char *app;       /* "word", "excel", "powerpoint", "visio",
	                        * "xps", NULL when unknown */
	bool macro_enabled;    /* content type says macroEnabled */
	ooxml_blob_t vba[OOXML_MAX_VBA];
	size_t n_vba;
	emg_strlist_t macrosheets; /* "xl/macrosheets/sheet1.xml" */
	xls_result_t xlm;      /* auto_names (definedName _xlnm.Auto_Open,
	                        * also hidden/obfuscated), sheet states from
	                        * workbook.xml / workbook.bin, XLM calls seen
	                        * in the macro sheets; SHEETS lists the macro
	                        * sheets only ("Macro1 (very hidden)") */
	/* "attachedTemplate http://192.0.2.1/t.dotm",
	 * "oleObject \\\\192.0.2.1\\share\\x.doc" : type, space, target. */
	emg_strlist_t external;
	emg_strlist_t dde;     /* 'DDEAUTO c:\\windows\\system32\\cmd.exe
	                        * "/k calc.exe"' as written (at most 200 bytes
	                        * each) */
	emg_strlist_t embeddings; /* member names under *\/embeddings/ */
	emg_strlist_t problems;   /* "xl/workbook.xml: XML error line 3" */
} ooxml_result_t;

/* True when D is a ZIP whose members include [Content_Types].xml. */
bool ooxml_is_package(const uint8_t *d, size_t n);

/* Judge the OPC package D (N bytes).  MAX_PART bounds the bytes read from
 * any one part, MAX_TOTAL all parts together (0 means 64 MiB and 256 MiB);
 * a part cut by either is still judged on its head, and at most 512 parts
 * are read.  OUT zeroed first.  Returns EMG_OK (bad input is a line in
 * OUT->problems; an unreadable ZIP sets PACKAGE false and says why there;
 * a part with a DTD is not read and said so), or EMG_ENOMEM (OUT is then
 * empty). */
emg_status_t ooxml_scan(const uint8_t *d, size_t n, size_t max_part,
                        size_t max_total, ooxml_result_t *out);

/* True when D is a single-file XML document Office opens: Word 2003 XML
 * (w:wordDocument), Excel 2003 XML (ss:Workbook), Flat OPC
 * (pkg:package). */
bool ooxml_is_flat_xml(const uint8_t *d, size_t n);
/* Judge such a document: DDE fields and formulas, external relationships
 * of a Flat OPC package, macro parts (w:binData of editdata.mso noted as
 * a VBA presence in MACRO_ENABLED). */
emg_status_t ooxml_scan_flat_xml(const uint8_t *d, size_t n,
                                 ooxml_result_t *out);

void ooxml_result_free(ooxml_result_t *r);

#endif
