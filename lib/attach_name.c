/*
 * attach_name.c - a file name taken apart as Windows reads it, for the
 * attach.* analyzer (attach.c): the last extension after trailing blanks
 * and dots are dropped, the extension before it, and the blanks that pad
 * the gap between them (invoice.pdf<30 spaces>.exe), with the Unicode
 * blanks and dot look-alikes that lures use in their place.
 */
#include "attach_name.h"

#include <string.h>

/* Bytes of a blank (used to pad names) that ends just before S[END]:
 * space, tab, NBSP, U+2000-200B, U+202F, U+205F, U+2800 (Braille blank),
 * U+3000, U+3164 (Hangul filler), U+FEFF; 0 for none. */
static size_t
attach_blank_before(const unsigned char *s, size_t end)
{
	if (end >= 1 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		return 1;
	if (end >= 2 && s[end - 2] == 0xc2 && s[end - 1] == 0xa0)
		return 2;
	if (end < 3)
		return 0;
	const unsigned char *p = s + end - 3;
	if (p[0] == 0xe2 && p[1] == 0x80 &&
	    ((p[2] >= 0x80 && p[2] <= 0x8b) || p[2] == 0xaf))
		return 3;
	if ((p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) ||
	    (p[0] == 0xe2 && p[1] == 0xa0 && p[2] == 0x80) ||
	    (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) ||
	    (p[0] == 0xe3 && p[1] == 0x85 && p[2] == 0xa4) ||
	    (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf))
		return 3;
	return 0;
}

/* Bytes of a dot ending just before S[END]: '.', or the full-width U+FF0E
 * and U+2024 that look like one; 0 for none. */
static size_t
attach_dot_before(const unsigned char *s, size_t end)
{
	if (end >= 1 && s[end - 1] == '.')
		return 1;
	if (end >= 3 &&
	    ((s[end - 3] == 0xef && s[end - 2] == 0xbc && s[end - 1] == 0x8e) ||
	     (s[end - 3] == 0xe2 && s[end - 2] == 0x80 && s[end - 1] == 0xa4)))
		return 3;
	return 0;
}

/* Copy S[FROM..TO) lowercased into OUT when it looks like an extension
 * (1..ATTACH_EXT_MAX letters, digits or '-'); "" otherwise. */
static void
attach_ext_copy(const char *s, size_t from, size_t to, char *out)
{
	size_t n = to - from;

	out[0] = '\0';
	if (to <= from || n > ATTACH_EXT_MAX)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[from + i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return;
		out[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	out[n] = '\0';
}

void
attach_name_parse(const char *name, attach_name_t *nm)
{
	memset(nm, 0, sizeof(*nm));
	if (name == NULL)
		return;
	const char *b1 = strrchr(name, '/'), *b2 = strrchr(name, '\\');
	const char *base = b2 > b1 ? b2 + 1 : b1 ? b1 + 1 : name;
	const unsigned char *u = (const unsigned char *)base;
	size_t end = strlen(base), d, bl;

	while (end > 0 && (base[end - 1] == ' ' || base[end - 1] == '.' ||
	                   base[end - 1] == '\t'))
		end--;
	for (d = end; d > 0 && base[d - 1] != '.'; d--)
		;
	if (d == 0)
		return;
	attach_ext_copy(base, d, end, nm->ext);
	size_t p = d - 1; /* the last dot */
	while (nm->pad < 4096 && (bl = attach_blank_before(u, p)) > 0) {
		p -= bl;
		nm->pad++;
	}
	for (size_t q = p; q > 0; q--) {
		if ((bl = attach_dot_before(u, q)) > 0) {
			attach_ext_copy(base, q, p, nm->prev);
			break;
		}
		if (p - q > 6) /* longer than any decoy extension */
			break;
	}
}
