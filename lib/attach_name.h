/*
 * attach_name.h - a file name taken apart as Windows reads it
 * (attach_name.c), for the attach.* analyzer.
 */
#ifndef EMG_ATTACH_NAME_H
#define EMG_ATTACH_NAME_H

#include <stddef.h>

/* Longest extension we look at ("settingcontent-ms" is 17). */
#define ATTACH_EXT_MAX 24

/* A file name taken apart: the last extension as Windows sees it (blanks
 * and dots at the end are ignored there), lowercased, or "" when it does
 * not look like one; the one before it; and how many blanks pad the space
 * between them. */
typedef struct attach_name {
	char ext[ATTACH_EXT_MAX + 1];
	char prev[ATTACH_EXT_MAX + 1];
	unsigned pad;
} attach_name_t;

/* Take NAME (UTF-8, or NULL: all empty) apart into *NM. */
void attach_name_parse(const char *name, attach_name_t *nm);

#endif
