/*
 * strlist.h - a growable, bounded list of owned strings.
 * Used for configuration lists and for header values with several entries.
 */
#ifndef EMG_STRLIST_H
#define EMG_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct emg_strlist {
	char **v;
	size_t n;
	size_t cap;
} emg_strlist_t;

/* Append a copy of S (LEN bytes, or strlen when LEN is (size_t)-1).
 * Returns 0, or -1 when out of memory. */
int strlist_add(emg_strlist_t *l, const char *s, size_t len);
/* True when L holds S, compared case-insensitively (ASCII). */
bool strlist_has_nocase(const emg_strlist_t *l, const char *s);
void strlist_free(emg_strlist_t *l);

#endif
