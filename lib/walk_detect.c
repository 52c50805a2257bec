/*
 * walk_detect.c - is a file a mail message or a file taken from a disk
 * (walk_is_message, walk.h)?  `emguard scan` and emg_scan_auto decide by
 * it whether to run the message checks.  A header line opening the data,
 * and then either two fields only mail has or libmagic's type, decide.
 */
#include <magic.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "walk.h"

#define WALK_PEEK (64u << 10) /* bytes walk_is_message looks at */

/* An RFC 5322 header field ("Name: value") or an mbox "From " line. */
static bool
walk_header_line(const char *p, size_t n)
{
	if (n >= 5 && memcmp(p, "From ", 5) == 0)
		return true;
	size_t i = 0;
	while (i < n && i < 80 && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	/* "http://..." opening a text file is no header field. */
	return i > 0 && i < n && p[i] == ':' &&
	       !(i + 2 < n && p[i + 1] == '/' && p[i + 2] == '/');
}

/* Fields that only mail opens with: two of them at the start of a line in
 * the first header block make it a message whatever else is in it. */
static const char *const walk_mail_names[] = {
	"from:", "to:", "subject:", "date:", "message-id:", "received:",
	"return-path:", "mime-version:", "reply-to:", "cc:", "delivered-to:",
};

/* The header block opening D (N bytes) names at least two mail fields.
 * libmagic calls a message with a NUL, a stray 8-bit byte or an
 * ISO-2022-JP escape in it application/octet-stream; it is still mail, and
 * scanned as a bare file it would lose every message check. */
static bool
walk_mail_fields(const char *d, size_t n)
{
	unsigned found = 0;
	for (size_t i = 0; i < n && found < 2;) {
		if (d[i] == '\n' ||
		    (d[i] == '\r' && i + 1 < n && d[i + 1] == '\n'))
			break; /* the blank line ending the header block */
		for (size_t f = 0;
		     f < sizeof(walk_mail_names) / sizeof(walk_mail_names[0]);
		     f++) {
			size_t k = strlen(walk_mail_names[f]);
			if (k <= n - i &&
			    strncasecmp(d + i, walk_mail_names[f], k) == 0) {
				found++;
				break;
			}
		}
		const char *eol = memchr(d + i, '\n', n - i);
		if (eol == NULL)
			break;
		i = (size_t)(eol - d) + 1;
	}
	return found >= 2;
}

bool
walk_is_message(const void *data, size_t len, magic_t magic)
{
	const char *d = data;
	if (d == NULL || len == 0)
		return true; /* nothing to call a file: the message path says so */
	size_t peek = len < WALK_PEEK ? len : WALK_PEEK;
	size_t i = 0;
	while (i < peek && (d[i] == '\r' || d[i] == '\n' || d[i] == ' ' ||
	                    d[i] == '\t'))
		i++;
	const char *eol = memchr(d + i, '\n', peek - i);
	size_t n = eol != NULL ? (size_t)(eol - (d + i)) : peek - i;
	if (!walk_header_line(d + i, n))
		return false;
	if (magic == NULL || walk_mail_fields(d + i, peek - i))
		return true;
	int old = magic_getflags(magic);
	magic_setflags(magic, MAGIC_MIME_TYPE);
	const char *type = magic_buffer(magic, d, peek);
	bool mail = type == NULL || strncmp(type, "message/", 8) == 0 ||
	            strncmp(type, "text/", 5) == 0;
	magic_setflags(magic, old);
	return mail;
}
