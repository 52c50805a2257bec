/*
 * text.h - text normalisation for analyzers: HTML to text (libxml2's HTML
 * parser) and Unicode NFKC (ICU), so that full-width and compatibility
 * characters match their plain forms ("ＰＡＳＳ" matches "PASS").
 */
#ifndef EMG_TEXT_H
#define EMG_TEXT_H

#include <stddef.h>

/* NFKC of LEN bytes of UTF-8.  Invalid UTF-8 sequences become U+FFFD.
 * Returns a malloc'd NUL-terminated string and its length, or NULL when out
 * of memory. */
char *text_nfkc(const char *s, size_t len, size_t *outlen);

/* The visible text of an HTML document given in UTF-8: script, style and
 * head content dropped, block elements and <br> become line breaks, entities
 * decoded, runs of blanks folded.  Never fails on bad HTML.  Returns a
 * malloc'd string, or NULL when out of memory. */
char *text_html_to_text(const char *html, size_t len, size_t *outlen);

/* True when S (UTF-8) is valid UTF-8. */
int text_valid_utf8(const char *s, size_t len);

/* A copy of LEN bytes of S with invalid UTF-8 replaced by U+FFFD; malloc'd,
 * NULL when out of memory. */
char *text_utf8_repair(const char *s, size_t len);

#endif
