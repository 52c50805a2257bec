/*
 * bytes.h - small helpers over byte buffers that are not C strings (an
 * attachment may hold NUL bytes and has no terminator): a case-insensitive
 * search of an ASCII needle, the value of a hex digit.  Shared by the
 * analyzers that read markup, scripts and escapes (active.c, rtf.c,
 * smuggle.c) and by emguard-web's form decoder.
 */
#ifndef EMG_BYTES_H
#define EMG_BYTES_H

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

/* The value of hex digit C, or -1. */
static inline int
bytes_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
