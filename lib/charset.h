/*
 * charset.h - charset conversion and encoded-word repair for message.c:
 * header and body bytes in any label (or none) to UTF-8, and RFC 2047
 * encoded-words rewritten so that GMime's parsers decode Japanese mail right.
 *
 * GMime must be initialised first (message_init_once()): conversion goes
 * through GMime's iconv cache.
 */
#ifndef EMG_CHARSET_H
#define EMG_CHARSET_H

#include <stddef.h>

#include <glib.h>

/* Append LEN bytes of S, labelled CHARSET (may be NULL), to OUT as UTF-8.
 * Never fails: unknown labels and undecodable bytes fall back to guessing,
 * then to U+FFFD. */
void charset_to_utf8(const char *charset, const char *s, size_t len,
                     GString *out);

/* Append LEN unlabelled bytes of S to OUT as UTF-8, trying ISO-2022-JP,
 * UTF-8, EUC-JP, Shift_JIS (CP932), then Windows-1252. */
void charset_guess_to_utf8(const char *s, size_t len, GString *out);

/* S (UTF-8) with every run of adjacent encoded-words of one charset joined
 * and re-encoded as a single UTF-8 encoded-word; g_free it. */
gchar *charset_ew_fix(const char *s);

/* Header text S (UTF-8) with its encoded-words made GMime-safe, or NULL
 * when it has none. */
gchar *charset_hdr_fix(const char *s);

#endif
