/*
 * onenote.h - OneNote section files (.one, MS-ONESTORE): find the embedded
 * files (FileDataStoreObject) so that the walker can scan each one.
 */
#ifndef EMG_ONENOTE_H
#define EMG_ONENOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"

/* One embedded file: a slice of the section's bytes (not a copy). */
typedef struct onenote_file {
	size_t offset;
	size_t len;
} onenote_file_t;

/* True when D starts like a OneNote section (file format GUID). */
bool onenote_is_section(const uint8_t *d, size_t n);

/* Find up to MAX embedded files of a section into FILES (malloc'd, caller
 * frees), their number into *N_FILES.  EMG_EPARSE with WHY when the
 * section is corrupt, EMG_ELIMIT with WHY when it holds more than MAX; in
 * both cases what was found is still returned. */
emg_status_t onenote_embedded(const uint8_t *d, size_t n, size_t max,
                              onenote_file_t **files, size_t *n_files,
                              char *why, size_t whylen);

#endif
