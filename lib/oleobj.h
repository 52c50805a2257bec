/*
 * oleobj.h - what an OLE2 Office document carries besides its text:
 * embedded objects and Word field codes.
 *
 *   - Embedded files: OLE Package objects ("\x01Ole10Native": original
 *     file name, source path, temp path, bytes), "Package" streams (an
 *     OOXML document embedded in a .doc), "CONTENTS" (PDF and others),
 *     in Word's ObjectPool, Excel's MBD* storages and embedded OOXML
 *     oleObject*.bin; the storages PowerPoint 97-2003 keeps zlib-compressed
 *     in ExOleObjStg records.  Each comes back as a name and a
 *     byte slice or copy, for the walker to add as a child node.
 *   - DDE and DDEAUTO fields in a Word 97-2003 WordDocument stream
 *     (field begin 0x13 ... separator 0x14 / end 0x15, in 8-bit or
 *     UTF-16LE text).
 * Pure functions: no I/O, no global state, every walk bounded.
 */
#ifndef EMG_OLEOBJ_H
#define EMG_OLEOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"
#include "ole.h"
#include "strlist.h"

typedef struct oleobj_file {
	char *name;    /* the file name the object gives (Ole10Native
	                * label or file name, UTF-8), or a made-up
	                * "Package.docx", "CONTENTS.pdf", "Ole10Native",
	                * "ExOleObjStg-<offset>" when it has none */
	char *source;  /* where it was: "ObjectPool/_1234/\x01Ole10Native"
	                * with control bytes shown as \x01 */
	uint8_t *data; /* its bytes (malloc'd, owned) */
	size_t len;
} oleobj_file_t;

typedef struct oleobj_list {
	oleobj_file_t *v;
	size_t n, cap;
	emg_strlist_t problems; /* "ObjectPool/_1/\x01Ole10Native: size past
	                         * end of stream" */
	bool truncated;         /* MAX_FILES or MAX_BYTES reached */
} oleobj_list_t;

/* Find the embedded files of OLE, at most MAX_FILES of at most MAX_BYTES
 * in all, adding to OUT (zeroed first by the caller; the files OUT already
 * holds count against both limits, so several calls share them).  Hitting
 * a limit sets OUT->truncated; a damaged object is a line in
 * OUT->problems, with what could be read of it still kept.  An OLE Package
 * is named by the file the Packager would open (its label, or the temp
 * path's name when the two extensions differ); a Package or CONTENTS
 * stream by the stream and its ProgID's extension ("Package.docx").
 * Packages that only link to a file outside carry no data and are
 * skipped.  EMG_OK or EMG_ENOMEM. */
emg_status_t oleobj_extract(ole_file_t *ole, size_t max_files, size_t max_bytes,
                            oleobj_list_t *out);

/* Parse one Ole10Native stream (4-byte size, label, path, ..., data):
 * name (malloc'd UTF-8, NULL when it gives none) and data slice.
 * EMG_EPARSE with WHY when malformed; when the stream merely ends inside
 * the data, *NAME and the slice still describe what is there (else they
 * are NULL and 0).  A link to an outside file is EMG_EPARSE.  EMG_ENOMEM. */
emg_status_t oleobj_parse_native(const uint8_t *s, size_t n, char **name,
                                 size_t *off, size_t *len, char *why,
                                 size_t whylen);

/* The storages PowerPoint 97-2003 keeps in ExOleObjStg records of its
 * "PowerPoint Document" stream DOC (N bytes): each decompressed (zlib) or
 * copied into a compound file of its own, named "ExOleObjStg-<offset>".
 * They hold embedded objects and the VBA project (its root holds "VBA"):
 * the caller opens each with ole_open.  At most MAX_FILES of MAX_BYTES in
 * all; added to OUT.  EMG_OK or EMG_ENOMEM. */
emg_status_t oleobj_ppt_storages(const uint8_t *doc, size_t n, size_t max_files,
                                 size_t max_bytes, oleobj_list_t *out);

/* DDE/DDEAUTO field instructions of a WordDocument stream W (N bytes),
 * added to OUT (at most 16, each at most 200 bytes). */
emg_status_t oleobj_word_dde(const uint8_t *w, size_t n, emg_strlist_t *out);

/* True when the field instruction INS starts (after blanks) with the word
 * DDE or DDEAUTO, in any case (rtf.c judges \fldinst text with it too). */
bool oleobj_is_dde(const char *ins);

void oleobj_list_free(oleobj_list_t *l);

/* ---- internal: shared by oleobj.c and oleobj_ppt.c ----------------------- */

/* The little-endian u32 at P. */
uint32_t oleobj_u32(const uint8_t *p);

/* Add a problem to L (at most 32).  EMG_OK or EMG_ENOMEM. */
emg_status_t oleobj_problem(oleobj_list_t *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Bytes of the files L already holds. */
size_t oleobj_list_bytes(const oleobj_list_t *l);

/* Append a file to L: NAME and DATA move into it (freed on failure),
 * SOURCE is copied as shown.  EMG_OK or EMG_ENOMEM. */
emg_status_t oleobj_list_add(oleobj_list_t *l, char *name, const char *source,
                             uint8_t *data, size_t len);

#endif
