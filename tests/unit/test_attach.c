/*
 * test_attach.c - unit tests for the attach analyzer (attach.c).
 *
 * A table of attachment trees built by hand as the walker would leave them
 * (real type, container, encrypted, opened_with ...), each run through the
 * analyzer alone: every symbol fires on its attack and stays quiet on the
 * clean counterparts (report.v2.pdf, archive.tar.gz, a docx sent as zip, a
 * plain PDF, a partner's password ZIP of PDFs opened with the password from
 * the body).  Then every script extension, the symbol table against the
 * DESIGN.md taxonomy and verdict, and whole messages through tu_scan() with
 * inert base64 attachments (a PE header, a shortcut running "cmd /c echo").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "attachment.h"
#include "report.h"
#include "testutil.h"

/* ---- inert contents ------------------------------------------------------ */

typedef enum { D_NONE, D_PE, D_ELF, D_MACHO, D_LNK_CMD, D_LNK_DOC, D_PDF,
	       D_TEXT, D_HTA, D_VBS, D_VHD } data_t;

/* A PE header: "MZ", e_lfanew 0x80, "PE\0\0", i386, no sections. */
static size_t
make_pe(unsigned char *b, size_t cap)
{
	memset(b, 0, cap);
	b[0] = 'M';
	b[1] = 'Z';
	b[0x3c] = 0x80;
	memcpy(b + 0x80, "PE\0\0\x4c\x01", 6);
	return 512;
}

/* Append S as a StringData entry: a character count and UTF-16LE (the
 * tests use ASCII only). */
static size_t
lnk_str(unsigned char *b, size_t o, const char *s)
{
	size_t n = strlen(s);
	b[o++] = (unsigned char)(n & 0xff);
	b[o++] = (unsigned char)(n >> 8);
	for (size_t i = 0; i < n; i++) {
		b[o++] = (unsigned char)s[i];
		b[o++] = 0;
	}
	return o;
}

/* A Unicode shortcut with a relative path, arguments (after PAD blanks)
 * and an icon; NULL strings are left out. */
static size_t
make_lnk(unsigned char *b, size_t cap, const char *rel, const char *args,
         size_t pad, const char *icon)
{
	static const unsigned char clsid[16] = {
	    0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
	char padded[2048];
	uint32_t flags = 0x80; /* IsUnicode */
	size_t o = 0x4c;

	memset(b, 0, cap);
	b[0] = 0x4c;
	memcpy(b + 4, clsid, 16);
	flags |= rel ? 0x08 : 0;
	flags |= args ? 0x20 : 0;
	flags |= icon ? 0x40 : 0;
	b[0x14] = (unsigned char)flags;
	b[0x3c] = 7; /* minimised */
	if (rel)
		o = lnk_str(b, o, rel);
	if (args) {
		memset(padded, ' ', pad);
		snprintf(padded + pad, sizeof(padded) - pad, "%s", args);
		o = lnk_str(b, o, padded);
	}
	if (icon)
		o = lnk_str(b, o, icon);
	return o + 4; /* TerminalBlock */
}

/* The bytes of content D into B (at least 8 KiB); its length. */
static size_t
make_data(data_t d, unsigned char *b, size_t cap)
{
	static const char pdf[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n"
	                          "%%EOF\n";
	static const unsigned char elf[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0,
	                                    0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 62};
	static const unsigned char macho[] = {0xcf, 0xfa, 0xed, 0xfe, 7, 0,
	                                      0, 1, 3, 0, 0, 0, 2, 0, 0, 0};

	memset(b, 0, cap);
	switch (d) {
	case D_PE: return make_pe(b, cap);
	case D_ELF: memcpy(b, elf, sizeof(elf)); return 64;
	case D_MACHO: memcpy(b, macho, sizeof(macho)); return 64;
	case D_LNK_CMD:
		return make_lnk(b, cap, "..\\..\\Windows\\System32\\cmd.exe",
		                "/c echo test & echo inert", 300,
		                "C:\\Windows\\System32\\shell32.dll");
	case D_LNK_DOC:
		return make_lnk(b, cap, ".\\docs\\report.pdf", NULL, 0, NULL);
	case D_PDF: memcpy(b, pdf, sizeof(pdf) - 1); return sizeof(pdf) - 1;
	case D_TEXT: memcpy(b, "hello\n", 6); return 6;
	case D_HTA:
		return (size_t)snprintf((char *)b, cap, "%s",
		                        "<html><head><HTA:APPLICATION id=\"t\">"
		                        "</head><body>test</body></html>\n");
	case D_VBS:
		return (size_t)snprintf((char *)b, cap, "%s",
		                        "Set s = CreateObject(\"WScript.Shell\")\r\n"
		                        "s.Run \"cmd /c echo test\"\r\n");
	case D_VHD: memcpy(b + 1024 - 512, "conectix", 8); return 1024;
	case D_NONE: break;
	}
	return 0;
}

/* ---- trees --------------------------------------------------------------- */

enum { F_ENC = 1, F_FAILED = 2, F_UNSAFE = 4, F_INFLATED = 8 };

typedef struct node_spec {
	bool used;
	const char *name;
	int parent; /* index of an earlier node, -1 for a root */
	const char *real_type;
	const char *real_desc;
	data_t data;
	const char *declared;
	const char *container;
	unsigned flags;
	const char *opened_with;
	const char *enc_method;
} node_spec_t;

/* A root, and a member of node P unpacked as CONT. */
#define ROOT(nm, type, d)                                                      \
	{true, nm, -1, type, NULL, d, NULL, NULL, 0, NULL, NULL}
#define ROOTX(nm, type, desc, d, decl)                                         \
	{true, nm, -1, type, desc, d, decl, NULL, 0, NULL, NULL}
#define MEM(nm, p, type, d, cont)                                              \
	{true, nm, p, type, NULL, d, NULL, cont, 0, NULL, NULL}
#define MEMF(nm, p, type, d, cont, fl, opened, meth)                           \
	{true, nm, p, type, NULL, d, NULL, cont, fl, opened, meth}

#define PE_T "application/vnd.microsoft.portable-executable"
#define PDF_T "application/pdf"
#define ZIP_T "application/zip"
#define LNK_T "application/x-ms-shortcut"
#define DOCX_T "application/vnd.openxmlformats-officedocument." \
	       "wordprocessingml.document"
#define BODY3 "body line 3 after パスワード"

typedef struct tree_case {
	const char *name;
	node_spec_t nodes[6];
	const char *want;    /* comma-separated symbols that must fire */
	const char *want_in; /* substring of the first wanted symbol's detail */
	unsigned count;      /* findings of the first wanted symbol, 0: any */
	const char *deny;    /* comma-separated; "*": every other ATTACH_ */
	emg_action_t min, max;
} tree_case_t;

#define A_ACC EMG_ACTION_ACCEPT
#define A_TAG EMG_ACTION_TAG
#define A_QUA EMG_ACTION_QUARANTINE
#define A_REJ EMG_ACTION_REJECT

static const tree_case_t tree_cases[] = {
	/* attach.executable */
	{"pe named exe", {ROOT("invoice.exe", PE_T, D_PE)}, "ATTACH_EXECUTABLE",
	 "portable-executable", 1,
	 "ATTACH_DOUBLE_EXTENSION,ATTACH_TYPE_MISMATCH,ATTACH_SCRIPT", A_QUA,
	 A_REJ},
	{"pe without magic", {ROOT("setup.bin", NULL, D_PE)},
	 "ATTACH_EXECUTABLE", "PE executable", 1, "*", A_QUA, A_REJ},
	{"elf", {ROOTX("tool", "application/x-executable",
	               "ELF 64-bit LSB executable, x86-64", D_ELF, NULL)},
	 "ATTACH_EXECUTABLE", "ELF 64-bit", 1, "*", A_QUA, A_REJ},
	{"mach-o", {ROOT("tool", "application/x-mach-binary", D_MACHO)},
	 "ATTACH_EXECUTABLE", "mach-binary", 1, "*", A_QUA, A_REJ},
	{"mach-o raw", {ROOT("tool", NULL, D_MACHO)}, "ATTACH_EXECUTABLE",
	 "Mach-O", 1, "*", A_QUA, A_REJ},
	{"com by name", {ROOT("run.com", "application/octet-stream", D_TEXT)},
	 "ATTACH_EXECUTABLE", ".com by name", 1, "*", A_QUA, A_REJ},
	{"scr that is a pe", {ROOT("screen.scr", PE_T, D_PE)},
	 "ATTACH_EXECUTABLE", NULL, 1, "ATTACH_SCRIPT", A_QUA, A_REJ},
	{"bat by content", {ROOT("notes.txt", "text/x-msdos-batch", D_TEXT)},
	 "ATTACH_SCRIPT", "\"text/x-msdos-batch\" in the content", 1, "*",
	 A_QUA, A_REJ},
	{"reg by content", {ROOTX("settings.dat", "text/x-ms-regedit",
	                          "Windows Registry text", D_TEXT, NULL)},
	 "ATTACH_SCRIPT", "Windows Registry", 1, NULL, A_QUA, A_REJ},
	{"hta named html", {ROOT("page.html", "text/html", D_HTA)},
	 "ATTACH_SCRIPT", "\"<hta:application\" in the content", 1, "*", A_QUA,
	 A_REJ},
	{"vbs without extension", {ROOT("embedded", "text/plain", D_VBS)},
	 "ATTACH_SCRIPT", "\"wscript.shell\" in the content", 1, "*", A_QUA,
	 A_REJ},
	{"vbs quoted in a txt", {ROOT("howto.txt", "text/plain", D_VBS)}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},
	{"pe named pdf", {ROOT("invoice.pdf", PE_T, D_PE)},
	 "ATTACH_TYPE_MISMATCH,ATTACH_EXECUTABLE", "named .pdf, content is "
	 "application/vnd.microsoft.portable-executable", 1, NULL, A_QUA,
	 A_REJ},

	/* attach.double_extension */
	{"pdf.exe", {ROOT("invoice.pdf.exe", PE_T, D_PE)},
	 "ATTACH_DOUBLE_EXTENSION,ATTACH_EXECUTABLE", ".pdf in front of .exe",
	 1, "ATTACH_TYPE_MISMATCH", A_QUA, A_REJ},
	{"padded", {ROOT("invoice.pdf                 .exe", PE_T, D_PE)},
	 "ATTACH_DOUBLE_EXTENSION", ".exe behind 17 blank(s)", 1, NULL, A_QUA,
	 A_REJ},
	{"padded without decoy", {ROOT("invoice          .scr", PE_T, D_PE)},
	 "ATTACH_DOUBLE_EXTENSION", "10 blank(s) pad the name before .scr", 1,
	 NULL, A_QUA, A_REJ},
	{"ideographic padding", {ROOT("請求書.docx　　　.js", "text/plain",
	                              D_TEXT)},
	 "ATTACH_DOUBLE_EXTENSION,ATTACH_SCRIPT",
	 ".docx in front of .js behind 3 ", 1, NULL, A_QUA, A_REJ},
	{"japanese", {ROOT("請求書.pdf.exe", PE_T, D_PE)},
	 "ATTACH_DOUBLE_EXTENSION", "請求書.pdf.exe: .pdf in front of .exe", 1,
	 NULL, A_QUA, A_REJ},
	{"full-width dot", {ROOT("請求書．pdf.exe", PE_T, D_PE)},
	 "ATTACH_DOUBLE_EXTENSION", ".pdf in front", 1, NULL, A_QUA, A_REJ},
	{"trailing dots", {ROOT("invoice.xlsx.exe. . ", PE_T, D_PE)},
	 "ATTACH_DOUBLE_EXTENSION", ".xlsx in front of .exe", 1, NULL, A_QUA,
	 A_REJ},
	{"pdf.lnk", {ROOT("invoice.pdf.lnk", LNK_T, D_LNK_CMD)},
	 "ATTACH_DOUBLE_EXTENSION,ATTACH_LNK", NULL, 1, NULL, A_REJ, A_REJ},
	{"jpg.iso", {ROOT("photo.jpg.iso", "application/x-iso9660-image",
	                  D_TEXT)},
	 "ATTACH_DOUBLE_EXTENSION,ATTACH_DISK_IMAGE", NULL, 1, NULL, A_QUA,
	 A_REJ},
	{"version in name", {ROOT("setup.v2.exe", PE_T, D_PE)},
	 "ATTACH_EXECUTABLE", NULL, 1, "ATTACH_DOUBLE_EXTENSION", A_QUA, A_REJ},
	{"clean report.v2.pdf", {ROOT("report.v2.pdf", PDF_T, D_PDF)}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},
	{"clean report.pdf.pdf", {ROOT("report.pdf.pdf", PDF_T, D_PDF)}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},
	{"clean archive.tar.gz", {ROOT("archive.tar.gz", "application/gzip",
	                               D_TEXT)},
	 NULL, NULL, 0, "*", A_ACC, A_ACC},
	{"clean spaced name", {ROOT("見積書 2024 .pdf", PDF_T, D_PDF)}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},

	/* attach.rtlo */
	{"rtlo", {ROOT("invoice\xe2\x80\xae" "fdp.exe", PE_T, D_PE)},
	 "ATTACH_RTLO,ATTACH_EXECUTABLE", "invoice<U+202E>fdp.exe: 1 bidi "
	 "control(s): U+202E", 1, NULL, A_QUA, A_REJ},
	{"isolate", {ROOT("photo\xe2\x81\xa7gpj.scr", PE_T, D_PE)},
	 "ATTACH_RTLO", "U+2067", 1, NULL, A_QUA, A_REJ},
	{"rlm and alm", {ROOT("a\xe2\x80\x8f" "b\xd8\x9c" "c.pdf", PDF_T,
	                      D_PDF)},
	 "ATTACH_RTLO", "2 bidi control(s): U+200F U+061C", 1, NULL, A_TAG,
	 A_TAG},
	{"lre pdf", {ROOT("\xe2\x80\xaa\xe2\x80\xac" "x.pdf", PDF_T, D_PDF)},
	 "ATTACH_RTLO", "U+202A U+202C", 1, NULL, A_TAG, A_TAG},
	{"clean japanese", {ROOT("見積書（2024年度）.pdf", PDF_T, D_PDF)}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},
	{"control chars shown", {ROOT("a\x01" "b.exe", PE_T, D_PE)},
	 "ATTACH_EXECUTABLE", "a?b.exe: ", 1, NULL, A_QUA, A_REJ},

	/* attach.lnk */
	{"lnk cmd", {ROOT("document.lnk", LNK_T, D_LNK_CMD)},
	 "ATTACH_LNK,ATTACH_LNK_SUSPICIOUS",
	 "target \"..\\..\\Windows\\System32\\cmd.exe\", arguments \"/c echo "
	 "test & echo inert\", icon \"C:\\Windows\\System32\\shell32.dll\"",
	 1, "ATTACH_TYPE_MISMATCH,ATTACH_EXECUTABLE,ATTACH_SCRIPT", A_QUA,
	 A_REJ},
	{"lnk suspicious names cmd", {ROOT("document.lnk", LNK_T, D_LNK_CMD)},
	 "ATTACH_LNK_SUSPICIOUS", "document.lnk: cmd", 1, NULL, A_QUA, A_REJ},
	{"lnk to a document", {ROOT("report.lnk", LNK_T, D_LNK_DOC)},
	 "ATTACH_LNK", "report.pdf", 1, "ATTACH_LNK_SUSPICIOUS", A_QUA, A_QUA},
	{"lnk named pdf", {ROOT("invoice.pdf", LNK_T, D_LNK_CMD)},
	 "ATTACH_LNK,ATTACH_TYPE_MISMATCH", NULL, 1, NULL, A_REJ, A_REJ},
	{"lnk without magic", {ROOT("x.dat", NULL, D_LNK_CMD)}, "ATTACH_LNK",
	 NULL, 1, NULL, A_QUA, A_REJ},

	/* attach.type_mismatch */
	{"declared pdf is pe",
	 {ROOTX("scan0012", PE_T, NULL, D_PE, "application/pdf")},
	 "ATTACH_TYPE_MISMATCH", "declared application/pdf, content is "
	 "application/vnd.microsoft", 1, NULL, A_QUA, A_REJ},
	{"declared jpeg is zip",
	 {ROOTX("IMG_0001", ZIP_T, NULL, D_TEXT, "image/jpeg")},
	 "ATTACH_TYPE_MISMATCH", "declared image/jpeg", 1, NULL, A_ACC, A_ACC},
	{"docx named but zip", {ROOT("report.docx", ZIP_T, D_TEXT)}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},
	{"docx declared zip",
	 {ROOTX("report.docx", DOCX_T, NULL, D_TEXT, "application/zip")}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},
	{"xlsx declared ooxml is zip",
	 {ROOTX("a.xlsx", ZIP_T, NULL, D_TEXT,
	        "application/vnd.openxmlformats-officedocument.spreadsheetml."
	        "sheet")},
	 NULL, NULL, 0, "*", A_ACC, A_ACC},
	{"zip holding ooxml", {ROOT("files.zip", DOCX_T, D_TEXT)}, NULL, NULL,
	 0, "*", A_ACC, A_ACC},
	{"odt as zip", {ROOT("minutes.odt", ZIP_T, D_TEXT)}, NULL, NULL, 0, "*",
	 A_ACC, A_ACC},
	{"png named jpg", {ROOT("photo.jpg", "image/png", D_TEXT)}, NULL, NULL,
	 0, "*", A_ACC, A_ACC},
	{"rtf named doc", {ROOT("old.doc", "text/rtf", D_TEXT)}, NULL, NULL, 0,
	 "*", A_ACC, A_ACC},
	{"html named xls", {ROOT("export.xls", "text/html", D_TEXT)}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},
	{"encrypted docx", {ROOT("secret.docx", "application/CDFV2-encrypted",
	                         D_TEXT)},
	 NULL, NULL, 0, "*", A_ACC, A_ACC},
	{"octet-stream pdf",
	 {ROOTX("data.bin", PDF_T, NULL, D_PDF, "application/octet-stream")},
	 NULL, NULL, 0, "*", A_ACC, A_ACC},
	{"text charset", {ROOTX("memo.txt", "text/plain", NULL, D_TEXT,
	                        "text/plain")},
	 NULL, NULL, 0, "*", A_ACC, A_ACC},
	{"eml", {ROOTX("fwd.eml", "message/rfc822", NULL, D_TEXT,
	               "message/rfc822")},
	 NULL, NULL, 0, "*", A_ACC, A_ACC},
	{"msg", {ROOT("fwd.msg", "application/vnd.ms-outlook", D_TEXT)}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},
	{"plain pdf", {ROOTX("見積書.pdf", PDF_T, NULL, D_PDF, PDF_T)}, NULL,
	 NULL, 0, "*", A_ACC, A_ACC},

	/* attach.disk_image */
	{"iso with lnk",
	 {ROOT("invoice.iso", "application/x-iso9660-image", D_TEXT),
	  MEM("invoice.lnk", 0, LNK_T, D_LNK_CMD, "iso")},
	 "ATTACH_DISK_IMAGE,ATTACH_LNK,ATTACH_LNK_SUSPICIOUS", "invoice.iso: "
	 "iso, 1 file(s) inside", 1, "ATTACH_NESTED_ARCHIVE", A_REJ, A_REJ},
	{"vhdx by description",
	 {ROOTX("a.bin", "application/octet-stream",
	        "Microsoft Disk Image eXtended, by Microsoft", D_TEXT, NULL)},
	 "ATTACH_DISK_IMAGE", "Microsoft Disk Image eXtended", 1, NULL, A_TAG,
	 A_TAG},
	{"img by name", {ROOT("disk.img", "application/octet-stream", D_TEXT)},
	 "ATTACH_DISK_IMAGE", "by name", 1, "*", A_TAG, A_TAG},
	{"vhd", {ROOT("disk.vhd", "application/x-virtualbox-vhd", D_TEXT)},
	 "ATTACH_DISK_IMAGE", NULL, 1, "*", A_TAG, A_TAG},
	{"fixed vhd by footer", {ROOT("a.dat", "application/octet-stream",
	                              D_VHD)},
	 "ATTACH_DISK_IMAGE", "VHD/VHDX cookie", 1, "*", A_TAG, A_TAG},
	{"mbr image", {ROOTX("a.dat", "application/octet-stream",
	                     "DOS/MBR boot sector", D_TEXT, NULL)},
	 "ATTACH_DISK_IMAGE", "DOS/MBR boot sector", 1, "*", A_TAG, A_TAG},

	/* attach.onenote_embedded */
	{"onenote with hta",
	 {ROOT("notes.one", "application/octet-stream", D_TEXT),
	  MEM("embedded-1", 0, "text/html", D_TEXT, "onenote"),
	  MEM("embedded-2", 0, "image/png", D_TEXT, "onenote")},
	 "ATTACH_ONENOTE_EMBEDDED", "1 embedded file(s), first notes.one/"
	 "embedded-1 (text/html)", 1, NULL, A_TAG, A_TAG},
	{"onenote with an hta",
	 {ROOT("請求書.one", "application/octet-stream", D_TEXT),
	  MEM("embedded-1", 0, "text/html", D_HTA, "onenote")},
	 "ATTACH_SCRIPT,ATTACH_ONENOTE_EMBEDDED", "請求書.one/embedded-1: "
	 "\"<hta:application\" in the content", 1, NULL, A_QUA, A_REJ},
	{"onenote with a vbs",
	 {ROOT("notes.one", "application/octet-stream", D_TEXT),
	  MEM("embedded-1", 0, "text/plain", D_VBS, "onenote")},
	 "ATTACH_SCRIPT,ATTACH_ONENOTE_EMBEDDED", NULL, 1, NULL, A_QUA, A_REJ},
	{"onenote with pictures only",
	 {ROOT("notes.one", "application/octet-stream", D_TEXT),
	  MEM("picture-1", 0, "image/png", D_TEXT, "onenote")},
	 NULL, NULL, 0, "*", A_ACC, A_ACC},

	/* attach.nested_archive */
	{"zip in zip",
	 {ROOT("outer.zip", ZIP_T, D_TEXT),
	  MEM("inner.zip", 0, ZIP_T, D_TEXT, "zip"),
	  MEM("a.pdf", 1, PDF_T, D_PDF, "zip")},
	 "ATTACH_NESTED_ARCHIVE", "outer.zip/inner.zip inside outer.zip", 1,
	 "*", A_ACC, A_ACC},
	{"zips in zip once",
	 {ROOT("outer.zip", ZIP_T, D_TEXT),
	  MEM("jan.zip", 0, ZIP_T, D_TEXT, "zip"),
	  MEM("feb.zip", 0, ZIP_T, D_TEXT, "zip"),
	  MEM("mar.7z", 0, "application/x-7z-compressed", D_TEXT, "zip")},
	 "ATTACH_NESTED_ARCHIVE", "jan.zip", 1, "*", A_ACC, A_ACC},
	{"iso in zip",
	 {ROOT("outer.zip", ZIP_T, D_TEXT),
	  MEM("a.iso", 0, "application/x-iso9660-image", D_TEXT, "zip")},
	 "ATTACH_NESTED_ARCHIVE,ATTACH_DISK_IMAGE", NULL, 1, NULL, A_TAG,
	 A_TAG},
	{"clean tar.gz",
	 {ROOT("src.tar.gz", "application/gzip", D_TEXT),
	  MEM("src.tar", 0, "application/x-tar", D_TEXT, "gzip"),
	  MEM("readme.pdf", 1, PDF_T, D_PDF, "tar")},
	 NULL, NULL, 0, "*", A_ACC, A_ACC},
	{"clean docx in zip",
	 {ROOT("docs.zip", ZIP_T, D_TEXT),
	  MEM("report.docx", 0, DOCX_T, D_TEXT, "zip"),
	  MEM("word/document.xml", 1, "text/xml", D_TEXT, "zip")},
	 NULL, NULL, 0, "*", A_ACC, A_ACC},

	/* attach.inflated */
	{"inflated",
	 {ROOT("a.zip", ZIP_T, D_TEXT),
	  MEMF("big.doc", 0, "application/msword", D_TEXT, "zip", F_INFLATED,
	       NULL, NULL)},
	 "ATTACH_INFLATED", "a.zip/big.doc: 524288000 bytes unpacked, 6 kept",
	 1, NULL, A_TAG, A_TAG},

	/* attach.encrypted_archive(_opened) */
	{"encrypted not opened",
	 {ROOT("secret.zip", ZIP_T, D_TEXT),
	  MEMF("a.pdf", 0, NULL, D_NONE, "zip", F_ENC | F_FAILED, NULL,
	       "zipcrypto"),
	  MEMF("b.pdf", 0, NULL, D_NONE, "zip", F_ENC | F_FAILED, NULL,
	       "zipcrypto")},
	 "ATTACH_ENCRYPTED_ARCHIVE", "secret.zip: 2 encrypted member(s) "
	 "(zipcrypto) not opened: no password candidate worked", 1, "*",
	 A_ACC, A_ACC},
	{"encrypted not tried",
	 {ROOT("secret.zip", ZIP_T, D_TEXT),
	  MEMF("a.pdf", 0, NULL, D_NONE, "zip", F_ENC, NULL, "aes256")},
	 "ATTACH_ENCRYPTED_ARCHIVE", "(aes256) not opened", 1, "*", A_ACC,
	 A_ACC},
	{"ppap opened clean",
	 {ROOT("見積書.zip", ZIP_T, D_TEXT),
	  MEMF("見積書.pdf", 0, PDF_T, D_PDF, "zip", F_ENC, BODY3, "aes256"),
	  MEMF("仕様書.pdf", 0, PDF_T, D_PDF, "zip", F_ENC, BODY3, "aes256")},
	 "ATTACH_ENCRYPTED_ARCHIVE_OPENED", "見積書.zip: 2 of 2 encrypted "
	 "member(s) (aes256) opened with the password from " BODY3, 1, "*",
	 A_ACC, A_ACC},
	{"opened with an exe",
	 {ROOT("invoice.zip", ZIP_T, D_TEXT),
	  MEMF("a.pdf", 0, PDF_T, D_PDF, "zip", F_ENC, BODY3, "zipcrypto"),
	  MEMF("b.exe", 0, PE_T, D_PE, "zip", F_ENC, BODY3, "zipcrypto")},
	 "ATTACH_ENCRYPTED_PAYLOAD,ATTACH_EXECUTABLE,"
	 "ATTACH_ENCRYPTED_ARCHIVE_OPENED",
	 "invoice.zip/b.exe (executable) inside encrypted invoice.zip opened "
	 "with the password from " BODY3, 1, NULL, A_QUA, A_REJ},
	{"opened with a shortcut",
	 {ROOT("invoice.zip", ZIP_T, D_TEXT),
	  MEMF("a.lnk", 0, LNK_T, D_LNK_DOC, "zip", F_ENC, BODY3, "aes256")},
	 "ATTACH_ENCRYPTED_PAYLOAD", "(shortcut)", 1, NULL, A_QUA, A_REJ},
	{"opened with a script",
	 {ROOT("invoice.zip", ZIP_T, D_TEXT),
	  MEMF("a.js", 0, "text/plain", D_TEXT, "zip", F_ENC, BODY3, "aes256")},
	 "ATTACH_ENCRYPTED_PAYLOAD,ATTACH_SCRIPT", NULL, 1, NULL, A_QUA, A_REJ},
	{"exe deeper in an opened archive",
	 {ROOT("invoice.zip", ZIP_T, D_TEXT),
	  MEMF("inner.zip", 0, ZIP_T, D_TEXT, "zip", F_ENC, BODY3, "aes256"),
	  MEM("c.exe", 1, PE_T, D_PE, "zip")},
	 "ATTACH_ENCRYPTED_PAYLOAD", "inside encrypted invoice.zip opened", 1,
	 NULL,
	 A_QUA, A_REJ},
	{"exe in a closed archive",
	 {ROOT("invoice.zip", ZIP_T, D_TEXT),
	  MEMF("b.exe", 0, NULL, D_NONE, "zip", F_ENC | F_FAILED, NULL,
	       "zipcrypto")},
	 "ATTACH_EXECUTABLE,ATTACH_ENCRYPTED_ARCHIVE", ".exe by name", 1,
	 "ATTACH_ENCRYPTED_PAYLOAD", A_QUA, A_REJ},
	{"plain exe beside an opened member",
	 {MEMF("invoice.zip", -1, ZIP_T, D_TEXT, NULL, F_ENC, BODY3,
	       "zipcrypto"),
	  MEMF("a.pdf", 0, PDF_T, D_PDF, "zip", F_ENC, BODY3, "zipcrypto"),
	  MEM("b.exe", 0, PE_T, D_PE, "zip")},
	 "ATTACH_EXECUTABLE,ATTACH_ENCRYPTED_ARCHIVE_OPENED", NULL, 1,
	 "ATTACH_ENCRYPTED_PAYLOAD", A_QUA, A_REJ},
	{"failed search marked on the archive",
	 {MEMF("secret.zip", -1, ZIP_T, D_TEXT, NULL, F_ENC | F_FAILED, NULL,
	       "aes256"),
	  MEMF("a.pdf", 0, NULL, D_NONE, "zip", F_ENC, NULL, "aes256")},
	 "ATTACH_ENCRYPTED_ARCHIVE", "secret.zip: 1 encrypted member(s) "
	 "(aes256) not opened: no password candidate worked", 1, "*", A_ACC,
	 A_ACC},
	{"some members encrypted",
	 {ROOT("mixed.zip", ZIP_T, D_TEXT),
	  MEMF("a.pdf", 0, PDF_T, D_PDF, "zip", F_ENC, BODY3, "zipcrypto"),
	  MEM("readme.txt", 0, "text/plain", D_TEXT, "zip")},
	 "ATTACH_ENCRYPTED_ARCHIVE_OPENED", "1 of 1 encrypted", 1, "*", A_ACC,
	 A_ACC},
	{"some opened some not",
	 {ROOT("mixed.zip", ZIP_T, D_TEXT),
	  MEMF("a.pdf", 0, PDF_T, D_PDF, "zip", F_ENC, BODY3, "zipcrypto"),
	  MEMF("b.pdf", 0, NULL, D_NONE, "zip", F_ENC | F_FAILED, NULL,
	       "aes256")},
	 "ATTACH_ENCRYPTED_ARCHIVE_OPENED,ATTACH_ENCRYPTED_ARCHIVE",
	 "1 of 2 encrypted", 1, NULL, A_ACC, A_TAG},
	{"7z with encrypted headers",
	 {MEMF("a.7z", -1, "application/x-7z-compressed", D_TEXT, NULL,
	       F_ENC | F_FAILED, NULL, "7z-aes")},
	 "ATTACH_ENCRYPTED_ARCHIVE", "a.7z: encrypted as a whole (7z-aes), not "
	 "opened: no password", 1,
	 "*", A_ACC, A_ACC},
	{"7z opened as a whole",
	 {MEMF("a.7z", -1, "application/x-7z-compressed", D_TEXT, NULL, F_ENC,
	       "subject after PW", "7z-aes"),
	  MEM("b.exe", 0, PE_T, D_PE, "7z")},
	 "ATTACH_ENCRYPTED_PAYLOAD,ATTACH_ENCRYPTED_ARCHIVE_OPENED",
	 "a.7z/b.exe (executable) inside encrypted a.7z opened with the "
	 "password from subject after PW", 1, NULL, A_QUA, A_REJ},

	/* unsafe member names */
	{"traversal names",
	 {ROOT("a.zip", ZIP_T, D_TEXT),
	  MEMF("../../evil.txt", 0, "text/plain", D_TEXT, "zip", F_UNSAFE,
	       NULL, NULL),
	  MEMF("/etc/evil.txt", 0, "text/plain", D_TEXT, "zip", F_UNSAFE, NULL,
	       NULL)},
	 "ATTACH_UNSAFE_MEMBER_NAME", "a.zip: 2 member(s) with an absolute or "
	 "../ name, first \"../../evil.txt\"", 1, "*", A_ACC, A_ACC},
};

/* The attach analyzer alone over a message holding ROOTS. */
static emg_report_t *
run_tree(emg_attachment_t **roots, size_t n)
{
	emg_config_t *cfg = tu_config(NULL);
	emg_report_t *r = NULL;
	ck_assert_int_eq(report_new(&r), EMG_OK);
	emg_message_t *m = calloc(1, sizeof(*m));
	ck_assert_ptr_nonnull(m);
	m->attachments = roots;
	m->n_attachments = n;
	r->msg = m;
	emg_scan_t scan = {.cfg = cfg, .msg = m, .report = r};
	ck_assert_int_eq(attach_analyzer.check(&scan, NULL), EMG_OK);
	report_finish(r, cfg);
	emg_config_unref(cfg);
	return r;
}

/* Free a report of run_tree() with its hand-built tree. */
static void
free_tree_report(emg_report_t *r)
{
	emg_message_t *m = r->msg;
	for (size_t i = 0; i < m->n_attachments; i++)
		attachment_free(m->attachments[i]);
	free(m->attachments);
	free(m);
	r->msg = NULL;
	emg_report_free(r);
}

/* A node as SPEC says. */
static emg_attachment_t *
build_node(const node_spec_t *s)
{
	static unsigned char buf[8192];
	size_t len = make_data(s->data, buf, sizeof(buf));
	emg_attachment_t *a = attachment_new(s->name, buf, len, false);
	ck_assert_ptr_nonnull(a);
	if (s->data == D_NONE) {
		free(a->data);
		a->data = NULL;
	}
	a->real_type = s->real_type ? strdup(s->real_type) : NULL;
	a->real_desc = s->real_desc ? strdup(s->real_desc) : NULL;
	a->declared_type = s->declared ? strdup(s->declared) : NULL;
	a->container = s->container;
	a->encrypted = s->flags & F_ENC;
	a->password_failed = s->flags & F_FAILED;
	a->unsafe_name = s->flags & F_UNSAFE;
	a->enc_method = s->enc_method;
	a->opened_with = s->opened_with ? strdup(s->opened_with) : NULL;
	if (s->flags & F_INFLATED) {
		a->inflated = true;
		a->full_size = 500ull << 20;
	}
	return a;
}

static size_t
count_symbol(const emg_report_t *r, const char *sym, const char **detail)
{
	size_t k = 0;
	for (size_t i = 0; i < emg_report_finding_count(r); i++) {
		const emg_finding_t *f = emg_report_finding(r, i);
		if (strcmp(f->symbol, sym) != 0)
			continue;
		if (k++ == 0 && detail != NULL)
			*detail = f->detail;
	}
	return k;
}

/* True when SYM is in the comma-separated LIST. */
static bool
in_list(const char *list, const char *sym)
{
	size_t n = strlen(sym);
	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t l = strcspn(p, ",");
		if (l == n && strncmp(p, sym, n) == 0)
			return true;
		p += l + (p[l] == ',');
	}
	return false;
}

static void
check_case(const tree_case_t *tc, const emg_report_t *r)
{
	const char *syms = tu_symbols(r);
	char first[64] = "";

	if (tc->want != NULL)
		snprintf(first, sizeof(first), "%.*s",
		         (int)strcspn(tc->want, ","), tc->want);
	for (const char *p = tc->want; p != NULL && *p != '\0';) {
		char sym[64];
		size_t l = strcspn(p, ",");
		snprintf(sym, sizeof(sym), "%.*s", (int)l, p);
		ck_assert_msg(emg_report_has(r, sym), "%s: %s missing in %s",
		              tc->name, sym, syms);
		p += l + (p[l] == ',');
	}
	if (first[0] != '\0') {
		const char *detail = NULL;
		size_t k = count_symbol(r, first, &detail);
		ck_assert_msg(tc->count == 0 || k == tc->count,
		              "%s: %zu x %s: %s", tc->name, k, first, syms);
		ck_assert_msg(tc->want_in == NULL ||
		                  (detail && strstr(detail, tc->want_in)),
		              "%s: detail \"%s\" lacks \"%s\"", tc->name,
		              detail ? detail : "", tc->want_in);
	}
	for (size_t i = 0; i < emg_report_finding_count(r); i++) {
		const char *s = emg_report_finding(r, i)->symbol;
		bool deny = tc->deny && strcmp(tc->deny, "*") == 0
		                ? strncmp(s, "ATTACH_", 7) == 0 &&
		                      !in_list(tc->want ? tc->want : "", s)
		                : in_list(tc->deny, s);
		ck_assert_msg(!deny, "%s: %s must not fire: %s", tc->name, s,
		              syms);
	}
	emg_action_t act = emg_report_action(r);
	ck_assert_msg(act >= tc->min && act <= tc->max,
	              "%s: action %s (score %.1f): %s", tc->name,
	              emg_action_name(act), emg_report_score(r), syms);
}

START_TEST(test_attach_trees)
{
	const tree_case_t *tc = &tree_cases[_i];
	emg_attachment_t *nodes[6] = {0};
	emg_attachment_t **roots = calloc(6, sizeof(*roots));
	size_t n_roots = 0;

	ck_assert_ptr_nonnull(roots);
	for (size_t i = 0; i < 6 && tc->nodes[i].used; i++) {
		nodes[i] = build_node(&tc->nodes[i]);
		int p = tc->nodes[i].parent;
		if (p < 0) {
			roots[n_roots++] = nodes[i];
		} else {
			const char *cont = nodes[i]->container;
			int rc = attachment_add_child(nodes[p], nodes[i]);
			ck_assert_int_eq(rc, 0);
			nodes[i]->container = cont;
			nodes[p]->expanded = true;
		}
	}
	emg_report_t *r = run_tree(roots, n_roots);
	check_case(tc, r);
	free_tree_report(r);
}
END_TEST

/* Every script or launcher extension of issue 3, in any case. */
START_TEST(test_attach_script_names)
{
	static const char *const exts[] = {
	    "js",  "jse", "vbs", "VBE", "wsf", "wsh", "hta", "ps1",
	    "bat", "Cmd", "scr", "pif", "cpl", "msi", "jar", "reg",
	    "xll", "iqy", "slk", "url", "library-ms", "search-ms"};
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "file.%s", exts[i]);
		node_spec_t s = ROOT(name, "text/plain", D_TEXT);
		emg_attachment_t **roots = calloc(1, sizeof(*roots));
		ck_assert_ptr_nonnull(roots);
		roots[0] = build_node(&s);
		emg_report_t *r = run_tree(roots, 1);
		const char *detail = NULL;
		ck_assert_msg(count_symbol(r, "ATTACH_SCRIPT", &detail) == 1,
		              "%s: %s", name, tu_symbols(r));
		ck_assert_msg(strstr(detail, "by name") != NULL, "%s", detail);
		ck_assert_msg(!emg_report_has(r, "ATTACH_EXECUTABLE"), "%s",
		              name);
		ck_assert_msg(emg_report_action(r) >= EMG_ACTION_QUARANTINE,
		              "%s: %s", name, tu_symbols(r));
		free_tree_report(r);
	}
}
END_TEST

/* The symbol table: DESIGN.md categories, and the verdict choices. */
START_TEST(test_attach_symbols)
{
	static const char *const cats[] = {
	    "attach.encrypted_archive", "attach.encrypted_archive_opened",
	    "attach.executable",        "attach.lnk",
	    "attach.disk_image",        "attach.onenote_embedded",
	    "attach.double_extension",  "attach.rtlo",
	    "attach.type_mismatch",     "attach.inflated",
	    "attach.nested_archive",    "attach.unscannable"};
	const emg_analyzer_t *a = &attach_analyzer;
	ck_assert_uint_ge(a->n_symbols, 15);
	for (size_t i = 0; i < a->n_symbols; i++) {
		const emg_symbol_t *s = &a->symbols[i];
		bool ok = false;
		for (size_t k = 0; k < sizeof(cats) / sizeof(cats[0]); k++)
			ok = ok || strcmp(s->category, cats[k]) == 0;
		ck_assert_msg(ok, "%s: category %s", s->name, s->category);
		ck_assert_msg(strncmp(s->name, "ATTACH_", 7) == 0, "%s",
		              s->name);
		ck_assert_msg(policy_symbol_find(s->name) >= 0, "%s", s->name);
		if (strcmp(s->name, "ATTACH_ENCRYPTED_ARCHIVE_OPENED") == 0 ||
		    strcmp(s->name, "ATTACH_ENCRYPTED_ARCHIVE") == 0)
			ck_assert_msg(s->score < 5.0, "%s", s->name);
		if (strcmp(s->name, "ATTACH_EXECUTABLE") == 0 ||
		    strcmp(s->name, "ATTACH_SCRIPT") == 0 ||
		    strcmp(s->name, "ATTACH_LNK") == 0)
			ck_assert_msg(s->score >= 10.0, "%s", s->name);
		if (strcmp(s->name, "ATTACH_ENCRYPTED_PAYLOAD") == 0)
			ck_assert_int_eq(s->force, EMG_ACTION_QUARANTINE);
		else
			ck_assert_int_eq(s->force, EMG_ACTION_ACCEPT);
	}
}
END_TEST

/* The force holds even when an administrator scores the members low. */
START_TEST(test_attach_force_survives_scores)
{
	static const char conf[] = "Score ATTACH_EXECUTABLE 0\n"
	                           "Score ATTACH_ENCRYPTED_PAYLOAD 0\n";
	const tree_case_t *tc = NULL;
	for (size_t i = 0; i < sizeof(tree_cases) / sizeof(tree_cases[0]); i++)
		if (strcmp(tree_cases[i].name, "opened with an exe") == 0)
			tc = &tree_cases[i];
	ck_assert_ptr_nonnull(tc);
	emg_config_t *cfg = tu_config(conf);
	emg_attachment_t **roots = calloc(1, sizeof(*roots));
	ck_assert_ptr_nonnull(roots);
	roots[0] = build_node(&tc->nodes[0]);
	for (size_t i = 1; i < 3; i++) {
		emg_attachment_t *m = build_node(&tc->nodes[i]);
		ck_assert_int_eq(attachment_add_child(roots[0], m), 0);
	}
	emg_report_t *r = NULL;
	ck_assert_int_eq(report_new(&r), EMG_OK);
	r->msg = calloc(1, sizeof(*r->msg));
	ck_assert_ptr_nonnull(r->msg);
	r->msg->attachments = roots;
	r->msg->n_attachments = 1;
	emg_scan_t scan = {.cfg = cfg, .msg = r->msg, .report = r};
	ck_assert_int_eq(attach_analyzer.check(&scan, NULL), EMG_OK);
	report_finish(r, cfg);
	ck_assert_msg(emg_report_score(r) < 5.0, "%s", tu_symbols(r));
	ck_assert_int_eq(emg_report_action(r), EMG_ACTION_QUARANTINE);
	emg_config_unref(cfg);
	free_tree_report(r);
}
END_TEST

/* ---- whole messages ------------------------------------------------------ */

static void
b64(const unsigned char *in, size_t n, char *out, size_t cap)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                        "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 6 < cap; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = t[(v >> 18) & 63];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
		if ((i / 3) % 19 == 18)
			out[o++] = '\n';
	}
	out[o] = '\0';
}

static const struct {
	const char *name;
	const char *ctype;    /* Content-Type value of the attachment */
	const char *filename; /* Content-Disposition parameter, as written */
	data_t data;
	const char *want; /* comma-separated */
	emg_action_t min, max;
} mime_cases[] = {
	{"pdf.exe", "application/octet-stream", "filename=\"invoice.pdf.exe\"",
	 D_PE, "ATTACH_EXECUTABLE,ATTACH_DOUBLE_EXTENSION", A_QUA, A_REJ},
	{"rfc 2231 pe as pdf", "application/pdf",
	 "filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf", D_PE,
	 "ATTACH_EXECUTABLE,ATTACH_TYPE_MISMATCH", A_QUA, A_REJ},
	{"rfc 2047 rtlo", "application/octet-stream",
	 "filename=\"=?UTF-8?B?aW52b2ljZeKArmZkcC5leGU=?=\"", D_PE,
	 "ATTACH_RTLO,ATTACH_EXECUTABLE", A_QUA, A_REJ},
	{"lnk", "application/octet-stream", "filename=\"report.lnk\"",
	 D_LNK_CMD, "ATTACH_LNK,ATTACH_LNK_SUSPICIOUS", A_QUA, A_REJ},
	{"plain pdf", "application/pdf",
	 "filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf", D_PDF, NULL, A_ACC,
	 A_ACC},
	{"text file", "text/plain; charset=Shift_JIS", "filename=\"memo.txt\"",
	 D_TEXT, NULL, A_ACC, A_ACC},
};

START_TEST(test_attach_mime)
{
	static unsigned char data[8192];
	static char enc[12000], msg[16000];
	size_t len = make_data(mime_cases[_i].data, data, sizeof(data));

	b64(data, len, enc, sizeof(enc));
	snprintf(msg, sizeof(msg),
	         "From: Sato <sato@partner.test>\n"
	         "To: tanaka@example-corp.test\n"
	         "Subject: documents\n"
	         "Message-ID: <a1@partner.test>\n"
	         "MIME-Version: 1.0\n"
	         "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
	         "--b1\nContent-Type: text/plain; charset=UTF-8\n\n"
	         "Please find the file attached.\n"
	         "--b1\nContent-Type: %s\n"
	         "Content-Disposition: attachment; %s\n"
	         "Content-Transfer-Encoding: base64\n\n%s\n--b1--\n",
	         mime_cases[_i].ctype, mime_cases[_i].filename, enc);
	emg_report_t *r = tu_scan(NULL, msg, NULL);
	const char *syms = tu_symbols(r);
	const char *want = mime_cases[_i].want;
	for (size_t i = 0; i < emg_report_finding_count(r); i++) {
		const char *s = emg_report_finding(r, i)->symbol;
		ck_assert_msg(strncmp(s, "ATTACH_", 7) != 0 || in_list(want, s),
		              "%s: unexpected %s: %s", mime_cases[_i].name, s,
		              syms);
	}
	for (const char *p = want; p != NULL && *p != '\0';) {
		char sym[64];
		size_t l = strcspn(p, ",");
		snprintf(sym, sizeof(sym), "%.*s", (int)l, p);
		ck_assert_msg(emg_report_has(r, sym), "%s: %s missing: %s",
		              mime_cases[_i].name, sym, syms);
		p += l + (p[l] == ',');
	}
	emg_action_t act = emg_report_action(r);
	ck_assert_msg(act >= mime_cases[_i].min && act <= mime_cases[_i].max,
	              "%s: %s: %s", mime_cases[_i].name, emg_action_name(act),
	              syms);
	emg_report_free(r);
}
END_TEST

/* ---- whole messages with real ZIPs ---------------------------------------- */

/* CRC-32 (ZIP) of N bytes of D continued from CRC (pre/post inverted). */
static uint32_t
crc32_upd(uint32_t crc, const unsigned char *d, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= d[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* Traditional PKWARE encryption (ZipCrypto) state. */
typedef struct {
	uint32_t k[3];
} zc_t;

static uint32_t
zc_crc(uint32_t k, unsigned char c)
{
	k ^= c;
	for (int i = 0; i < 8; i++)
		k = (k >> 1) ^ (0xedb88320u & (0u - (k & 1u)));
	return k;
}

static void
zc_update(zc_t *z, unsigned char p)
{
	z->k[0] = zc_crc(z->k[0], p);
	z->k[1] = (z->k[1] + (z->k[0] & 0xff)) * 134775813u + 1;
	z->k[2] = zc_crc(z->k[2], (unsigned char)(z->k[1] >> 24));
}

static unsigned char
zc_enc(zc_t *z, unsigned char p)
{
	uint32_t t = (z->k[2] | 2) & 0xffff;
	unsigned char c = (unsigned char)(p ^ ((t * (t ^ 1)) >> 8));
	zc_update(z, p);
	return c;
}

typedef struct {
	const char *name;
	data_t data; /* D_NONE here: an inner ZIP holding a PDF */
	bool encrypted;
} zmember_t;

static void
put16(unsigned char *b, size_t *o, unsigned v)
{
	b[(*o)++] = (unsigned char)(v & 0xff);
	b[(*o)++] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *b, size_t *o, uint32_t v)
{
	put16(b, o, v & 0xffff);
	put16(b, o, v >> 16);
}

/* A header (local when CENTRAL is false) of a stored member. */
static void
zip_header(unsigned char *b, size_t *o, bool central, const char *name,
           bool enc, uint32_t crc, size_t len, size_t local_off)
{
	size_t nl = strlen(name);
	put32(b, o, central ? 0x02014b50u : 0x04034b50u);
	if (central)
		put16(b, o, 20);
	put16(b, o, 20);
	put16(b, o, 0x800u | (enc ? 1u : 0u)); /* UTF-8 names */
	put16(b, o, 0);                         /* stored */
	put16(b, o, 0x5000);                    /* 10:00 */
	put16(b, o, 0x582f);                    /* 2024-01-15 */
	put32(b, o, crc);
	put32(b, o, (uint32_t)(len + (enc ? 12 : 0)));
	put32(b, o, (uint32_t)len);
	put16(b, o, (unsigned)nl);
	put16(b, o, 0);
	if (central) {
		put16(b, o, 0);
		put16(b, o, 0);
		put16(b, o, 0);
		put32(b, o, 0);
		put32(b, o, (uint32_t)local_off);
	}
	memcpy(b + *o, name, nl);
	*o += nl;
}

/* A stored ZIP of the N members M into B (CAP bytes); encrypted members
 * use ZipCrypto with PW.  Returns its length. */
static size_t
make_zip(const zmember_t *m, size_t n, const char *pw, unsigned char *b,
         size_t cap)
{
	static unsigned char d[8192];
	size_t o = 0, offs[8], lens[8];
	uint32_t crcs[8];

	ck_assert_uint_le(n, 8);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		if (m[i].data == D_NONE) {
			zmember_t in = {"a.pdf", D_PDF, false};
			unsigned char inner[2048];
			len = make_zip(&in, 1, NULL, inner, sizeof(inner));
			memcpy(d, inner, len);
		} else {
			len = make_data(m[i].data, d, sizeof(d));
		}
		ck_assert_uint_lt(o + len + 512, cap);
		offs[i] = o;
		lens[i] = len;
		crcs[i] = crc32_upd(0, d, len);
		zip_header(b, &o, false, m[i].name, m[i].encrypted, crcs[i], len,
		           0);
		if (!m[i].encrypted) {
			memcpy(b + o, d, len);
			o += len;
			continue;
		}
		zc_t z = {{0x12345678u, 0x23456789u, 0x34567890u}};
		for (const char *p = pw; *p != '\0'; p++)
			zc_update(&z, (unsigned char)*p);
		for (int k = 0; k < 11; k++) /* fixed: tests are reproducible */
			b[o++] = zc_enc(&z, (unsigned char)(0x5a + k));
		b[o++] = zc_enc(&z, (unsigned char)(crcs[i] >> 24));
		for (size_t k = 0; k < len; k++)
			b[o++] = zc_enc(&z, d[k]);
	}
	size_t cd = o;
	for (size_t i = 0; i < n; i++)
		zip_header(b, &o, true, m[i].name, m[i].encrypted, crcs[i],
		           lens[i], offs[i]);
	put32(b, &o, 0x06054b50u);
	put16(b, &o, 0);
	put16(b, &o, 0);
	put16(b, &o, (unsigned)n);
	put16(b, &o, (unsigned)n);
	put32(b, &o, (uint32_t)(o - cd - 12));
	put32(b, &o, (uint32_t)cd);
	put16(b, &o, 0);
	return o;
}

#define PW "Xk92Lm"
#define BODY_PW "パスワードは別途お送りします。\nパスワード: " PW "\n"
#define BODY_NONE "ご確認ください。\n"

static const struct {
	const char *name;
	const char *zipname;
	const char *body;
	zmember_t m[4];
	const char *want;    /* comma-separated ATTACH_ symbols, all others
	                      * must stay silent */
	const char *want_in; /* in the detail of the first */
	emg_action_t min, max;
} zip_cases[] = {
	{"ppap pdfs opened", "見積書.zip", BODY_PW,
	 {{"見積書.pdf", D_PDF, true}, {"仕様書.pdf", D_PDF, true}},
	 "ATTACH_ENCRYPTED_ARCHIVE_OPENED", "2 of 2 encrypted member(s) "
	 "(zipcrypto) opened with the password from body line", A_ACC, A_ACC},
	{"emotet exe opened", "請求書.zip", BODY_PW,
	 {{"請求書.pdf.exe", D_PE, true}},
	 "ATTACH_ENCRYPTED_ARCHIVE_OPENED,ATTACH_ENCRYPTED_PAYLOAD,"
	 "ATTACH_EXECUTABLE,ATTACH_DOUBLE_EXTENSION",
	 NULL, A_QUA, A_REJ},
	{"emotet lnk opened", "請求書.zip", BODY_PW,
	 {{"請求書.lnk", D_LNK_CMD, true}},
	 "ATTACH_ENCRYPTED_PAYLOAD,ATTACH_ENCRYPTED_ARCHIVE_OPENED,ATTACH_LNK,"
	 "ATTACH_LNK_SUSPICIOUS",
	 "(shortcut) inside encrypted 請求書.zip", A_QUA, A_REJ},
	{"no password in the mail", "見積書.zip", BODY_NONE,
	 {{"見積書.pdf", D_PDF, true}}, "ATTACH_ENCRYPTED_ARCHIVE",
	 "no password candidate worked", A_ACC, A_ACC},
	{"exe not opened", "請求書.zip", BODY_NONE,
	 {{"invoice.exe", D_PE, true}},
	 "ATTACH_ENCRYPTED_ARCHIVE,ATTACH_EXECUTABLE", NULL, A_QUA, A_REJ},
	{"partly encrypted", "mixed.zip", BODY_PW,
	 {{"a.pdf", D_PDF, true}, {"b.exe", D_PE, false}},
	 "ATTACH_ENCRYPTED_ARCHIVE_OPENED,ATTACH_EXECUTABLE", NULL, A_QUA,
	 A_REJ},
	{"plain zip in zip", "outer.zip", BODY_NONE,
	 {{"inner.zip", D_NONE, false}}, "ATTACH_NESTED_ARCHIVE",
	 "outer.zip/inner.zip inside outer.zip", A_ACC, A_ACC},
	{"plain zip of pdfs", "資料.zip", BODY_NONE,
	 {{"資料.pdf", D_PDF, false}, {"report.v2.pdf", D_PDF, false}}, NULL,
	 NULL, A_ACC, A_ACC},
};

START_TEST(test_attach_zip)
{
	static unsigned char zip[65536];
	static char enc[90000], msg[100000];
	size_t n = 0;

	while (n < 4 && zip_cases[_i].m[n].name != NULL)
		n++;
	size_t len = make_zip(zip_cases[_i].m, n, PW, zip, sizeof(zip));
	b64(zip, len, enc, sizeof(enc));
	snprintf(msg, sizeof(msg),
	         "From: Sato <sato@partner.test>\n"
	         "To: tanaka@example-corp.test\n"
	         "Subject: =?UTF-8?B?6LOH5paZ?=\n"
	         "Message-ID: <z1@partner.test>\n"
	         "MIME-Version: 1.0\n"
	         "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
	         "--b1\nContent-Type: text/plain; charset=UTF-8\n"
	         "Content-Transfer-Encoding: 8bit\n\n%s"
	         "--b1\nContent-Type: application/zip\n"
	         "Content-Disposition: attachment; filename=\"%s\"\n"
	         "Content-Transfer-Encoding: base64\n\n%s\n--b1--\n",
	         zip_cases[_i].body, zip_cases[_i].zipname, enc);
	emg_report_t *r = tu_scan(NULL, msg, NULL);
	const char *syms = tu_symbols(r);
	const char *want = zip_cases[_i].want;
	for (size_t i = 0; i < emg_report_finding_count(r); i++) {
		const char *s = emg_report_finding(r, i)->symbol;
		ck_assert_msg(strncmp(s, "ATTACH_", 7) != 0 || in_list(want, s),
		              "%s: unexpected %s: %s", zip_cases[_i].name, s,
		              syms);
	}
	for (const char *p = want; p != NULL && *p != '\0';) {
		char sym[64];
		size_t l = strcspn(p, ",");
		snprintf(sym, sizeof(sym), "%.*s", (int)l, p);
		ck_assert_msg(emg_report_has(r, sym), "%s: %s missing: %s",
		              zip_cases[_i].name, sym, syms);
		p += l + (p[l] == ',');
	}
	if (zip_cases[_i].want_in != NULL) {
		char first[64];
		const char *detail = NULL;
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(want, ","),
		         want);
		count_symbol(r, first, &detail);
		ck_assert_msg(detail && strstr(detail, zip_cases[_i].want_in),
		              "%s: %s", zip_cases[_i].name, syms);
	}
	emg_action_t act = emg_report_action(r);
	ck_assert_msg(act >= zip_cases[_i].min && act <= zip_cases[_i].max,
	              "%s: %s: %s", zip_cases[_i].name, emg_action_name(act),
	              syms);
	/* The password itself never reaches a detail. */
	ck_assert_msg(strstr(syms, PW) == NULL, "%s", syms);
	emg_report_free(r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("attach");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_attach_trees, 0,
	                    sizeof(tree_cases) / sizeof(tree_cases[0]));
	tcase_add_test(tc, test_attach_script_names);
	tcase_add_test(tc, test_attach_symbols);
	tcase_add_test(tc, test_attach_force_survives_scores);
	tcase_add_loop_test(tc, test_attach_mime, 0,
	                    sizeof(mime_cases) / sizeof(mime_cases[0]));
	tcase_add_loop_test(tc, test_attach_zip, 0,
	                    sizeof(zip_cases) / sizeof(zip_cases[0]));
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
