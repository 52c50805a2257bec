/*
 * bytesearch.h - case-insensitive search of an ASCII needle in a byte
 * buffer that is not a C string (an attachment: it may hold NUL bytes and
 * has no terminator).  Shared by the analyzers that look for markup and
 * script words in attachments (active.c, smuggle.c).
 */
#ifndef EMG_BYTESEARCH_H
#define EMG_BYTESEARCH_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Offset of NEEDLE (ASCII, lowercase) in H (N bytes) case-insensitively,
 * from FROM, or SIZE_MAX. */
static inline size_t
bytes_find_ci(const uint8_t *h, size_t n, size_t from, const char *needle)
{
	size_t m = strlen(needle);

	if (m == 0 || from > n || n - from < m)
		return SIZE_MAX;
	for (size_t i = from; i <= n - m; i++) {
		if (tolower(h[i]) != needle[0])
			continue;
		if (strncasecmp((const char *)h + i, needle, m) == 0)
			return i;
	}
	return SIZE_MAX;
}

#endif
