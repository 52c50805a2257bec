/*
 * ole.h - OLE2 compound files (MS-CFB: .doc, .xls, .ppt, vbaProject.bin,
 * embedded objects) read through libgsf.  The Office modules (vba.c, xls.c,
 * oleobj.c, officecrypt.c via walk.c and office.c) reach streams by path
 * through this one wrapper, so that every read is bounded the same way and
 * a container libgsf refuses becomes one EMG_EPARSE with its reason.
 *
 * Paths are "/"-separated storage and stream names from the root
 * ("Macros/VBA/dir", "_VBA_PROJECT_CUR/VBA/dir", "Workbook").  Names are
 * matched case-insensitively (ASCII), as Office itself matches them.
 * A handle is used by one thread at a time.
 */
#ifndef EMG_OLE_H
#define EMG_OLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"

/* Most entries visited by ole_walk: a directory with more is hostile. */
#define OLE_MAX_ENTRIES 4096
/* Deepest storage nesting visited by ole_walk. */
#define OLE_MAX_DEPTH 16
/* Longest path ole_walk builds; deeper or longer names are skipped. */
#define OLE_PATH_MAX 512

typedef struct ole_file ole_file_t;

/* True when D starts with the compound file signature D0 CF 11 E0 ... */
bool ole_is_cfb(const uint8_t *d, size_t n);

/* Open the LEN bytes at DATA (not copied: they must outlive the handle).
 * EMG_EPARSE with WHY (libgsf's reason) when it is no readable compound
 * file, EMG_ENOMEM, or EMG_OK with *OUT set. */
emg_status_t ole_open(const uint8_t *data, size_t len, ole_file_t **out,
                      char *why, size_t whylen);
void ole_close(ole_file_t *f);

/* libgsf's first complaint (one line) while it opened F: it went on past a
 * directory entry met twice or a broken sector chain, so some content may
 * be out of sight.  NULL for a file that opened cleanly. */
const char *ole_damage(const ole_file_t *f);

/* True when PATH names a stream or storage of F. */
bool ole_has(ole_file_t *f, const char *path);

/* Read the stream at PATH whole into *BUF (malloc'd, caller frees; one
 * extra NUL byte after *LEN so text may be read as a string).  EMG_OK with
 * *BUF NULL and *LEN 0 when there is no such stream; EMG_ELIMIT when it is
 * larger than MAX bytes (nothing read); EMG_EPARSE when libgsf fails to
 * read it (broken sector chain) ; EMG_ENOMEM. */
emg_status_t ole_read(ole_file_t *f, const char *path, size_t max,
                      uint8_t **buf, size_t *len);

/* Called for each entry in depth-first order with its path, its size
 * (0 for storages) and whether it is a storage.  Non-zero stops the walk. */
typedef int (*ole_visit_fn)(void *ctx, const char *path, uint64_t size,
                            bool storage);
/* Visit every entry of F, at most OLE_MAX_ENTRIES and OLE_MAX_DEPTH deep.
 * EMG_ELIMIT when the directory was larger than that (what fit was
 * visited), EMG_OK otherwise (also when FN stopped the walk). */
emg_status_t ole_walk(ole_file_t *f, ole_visit_fn fn, void *ctx);

/* The storage at PATH ("" for the root) as a libgsf GsfInfile, a new
 * reference (g_object_unref it), for modules that hand a storage to
 * libgsf's own readers (gsf_infile_msvba_new).  NULL when absent or a
 * stream. */
struct _GsfInfile *ole_storage(ole_file_t *f, const char *path);

#endif
