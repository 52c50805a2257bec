/*
 * vba.h - VBA projects in Office documents (MS-OVBA): find every project
 * in a compound file (Word "Macros/VBA", Excel "_VBA_PROJECT_CUR/VBA",
 * OOXML vbaProject.bin and PowerPoint's ExOleObjStg storage, whose root
 * holds "VBA"), list the module names, decompress the
 * module sources, and judge them with the mraptor rule:
 * AutoExec and (Write or Execute), matched case-insensitively.
 *
 * Pure functions over bytes: no I/O, no global state.  Every decompression
 * is bounded by the caller's byte budget.
 */
#ifndef EMG_VBA_H
#define EMG_VBA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"
#include "ole.h"
#include "strlist.h"

typedef struct vba_result {
	bool present;           /* at least one VBA project (a VBA storage
	                         * with a "dir" stream, or PowerPoint's) */
	emg_strlist_t projects; /* where each is: "Macros/VBA",
	                         * "_VBA_PROJECT_CUR/VBA", "VBA" */
	emg_strlist_t modules;  /* module names, in project order */
	size_t source_bytes;    /* decompressed source read, all modules */
	/* The mraptor rule's three families: each list holds the keywords
	 * matched (first spelling seen, at most VBA_MAX_KEYWORDS each). */
	emg_strlist_t autoexec; /* "AutoOpen", "Workbook_Open", ... */
	emg_strlist_t write;    /* "FileCopy", "ADODB.Stream", ... */
	emg_strlist_t execute;  /* "Shell", "CreateObject", ... */
	/* Suspicious indicators for the finding's detail: "URL
	 * http://192.0.2.1" (scheme and host only, at most 3 URLs),
	 * "IP 192.0.2.1", "powershell", "-enc", "base64 string",
	 * "Chr() obfuscation", "StrReverse", "Environ" (at most
	 * VBA_MAX_KEYWORDS). */
	emg_strlist_t indicators;
	/* What could not be read: "module Module1: corrupt compressed
	 * container", "LimitArchiveBytes reached after 3 modules". */
	emg_strlist_t problems;
} vba_result_t;

#define VBA_MAX_KEYWORDS 16

/* True when R satisfies the mraptor rule. */
bool vba_is_autoexec(const vba_result_t *r);

/* Find and read every VBA project in OLE, adding to OUT (zeroed before the
 * first call; several calls accumulate).  At most MAX_SOURCE bytes of
 * decompressed source in all.  Returns EMG_OK (also when there is no
 * project, or a project is corrupt: that is a line in OUT->problems) or
 * EMG_ENOMEM. */
emg_status_t vba_scan_ole(ole_file_t *ole, size_t max_source,
                          vba_result_t *out);

/* Judge the source text SRC (LEN bytes, any 8-bit code page) with the
 * mraptor rule and the indicators, adding to OUT. */
emg_status_t vba_analyze_source(const char *src, size_t len, vba_result_t *out);

/* MS-OVBA 2.4.1 decompression of the CompressedContainer at IN (LEN bytes)
 * into *OUT (malloc'd, NUL-terminated, caller frees), at most MAX bytes.
 * EMG_EPARSE on a bad signature or chunk, EMG_ELIMIT past MAX; with both,
 * what was decompressed before the fault is returned in *OUT (possibly
 * empty), because a damaged module still shows its first lines.
 * EMG_ENOMEM (then *OUT is NULL). */
emg_status_t vba_decompress(const uint8_t *in, size_t len, size_t max,
                            uint8_t **out, size_t *outlen);

/* Most modules taken from one dir stream (more is EMG_ELIMIT) and read
 * into one vba_result_t (more is a line in problems). */
#define VBA_MAX_MODULES 1024
/* Longest module or stream name kept, in bytes of the record. */
#define VBA_NAME_MAX 256

/* One module as the dir stream (MS-OVBA 2.3.4.2.3) describes it. */
typedef struct vba_module {
	char *name;      /* MODULENAMEUNICODE, else MODULENAME, as UTF-8 */
	char *stream;    /* MODULESTREAMNAMEUNICODE, else MODULESTREAMNAME,
	                  * else the name, as UTF-8 */
	uint32_t offset; /* MODULEOFFSET: the compressed source starts here */
	bool has_offset;
} vba_module_t;

/* The decompressed dir stream, parsed. */
typedef struct vba_dir {
	uint16_t codepage;     /* PROJECTCODEPAGE (1252 when absent) */
	unsigned declared;     /* PROJECTMODULES count */
	vba_module_t *modules; /* in dir order */
	size_t n;
} vba_dir_t;

/* Parse the decompressed dir stream DIR (LEN bytes) into OUT (zeroed
 * first; vba_dir_free it whatever is returned).  EMG_EPARSE with WHY when
 * a record runs past the end or the terminator is missing (the modules
 * read before that are kept), EMG_ELIMIT past VBA_MAX_MODULES,
 * EMG_ENOMEM. */
emg_status_t vba_parse_dir(const uint8_t *dir, size_t len, vba_dir_t *out,
                           char *why, size_t whylen);
void vba_dir_free(vba_dir_t *d);

void vba_result_free(vba_result_t *r);

#endif
