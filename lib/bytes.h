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
#include <stdbool.h>
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
	/* Candidates by memchr (vectorised) for each case of the first
	 * byte: this runs over whole attachments, several times each.  The
	 * next position of each case is kept until it is used, so each byte
	 * is looked at a bounded number of times. */
	uint8_t lo = (uint8_t)needle[0], up = (uint8_t)toupper(lo);
	size_t last = n - m;
	const uint8_t *next_lo = NULL, *next_up = NULL;
	bool want_lo = true, want_up = up != lo;
	for (size_t i = from; i <= last;) {
		if (want_lo)
			next_lo = memchr(h + i, lo, last + 1 - i);
		if (want_up)
			next_up = memchr(h + i, up, last + 1 - i);
		want_lo = want_up = false;
		const uint8_t *c = next_lo;
		if (next_up != NULL && (c == NULL || next_up < c))
			c = next_up;
		if (c == NULL)
			return SIZE_MAX;
		size_t at = (size_t)(c - h);
		if (strncasecmp((const char *)c, needle, m) == 0)
			return at;
		i = at + 1;
		want_lo = c == next_lo;
		want_up = c == next_up;
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
