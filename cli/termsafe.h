/*
 * termsafe.h - text from a mail message, written to a terminal without
 * letting it drive the terminal.
 *
 * A subject, a file name or a header can carry ESC sequences (colours,
 * cursor moves, OSC 8 links, title changes, on some terminals writes to
 * the clipboard) and Unicode bidi controls that make "exe.pdf" show as
 * "fdp.exe".  Everything from a message goes through here: every C0
 * control (TAB and LF too), DEL and every C1 control shows as a visible
 * escape ("\x1b", "\u009b"), as do the bidi controls U+061C, U+200E,
 * U+200F, U+202A-U+202E, U+2066-U+2069 and the separators U+2028,
 * U+2029; each byte of invalid UTF-8 (overlong forms, surrogates, cut
 * sequences) shows as "\xNN".  A backslash in the text is left as it is.
 */
#ifndef EMG_TERMSAFE_H
#define EMG_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Write LEN bytes of S to FP, neutralised. */
void termsafe_write(FILE *fp, const char *s, size_t len);

/* termsafe_write of a NUL-ended S (NULL writes nothing). */
void termsafe_puts(FILE *fp, const char *s);

/* S (NUL-ended, NULL as ""), neutralised and fitted into COLS terminal
 * columns (East Asian wide characters count two, combining marks none),
 * into OUT (OUTLEN bytes, NUL-ended): a longer text is cut on a character
 * boundary and ends in "...".  With PAD, spaces fill it to COLS columns.
 * Returns the columns used. */
size_t termsafe_fit(const char *s, size_t cols, bool pad, char *out,
                    size_t outlen);

/* The columns of the terminal FP writes to; when it is not a terminal,
 * $COLUMNS when set, else 80. */
size_t termsafe_columns(FILE *fp);

#endif
