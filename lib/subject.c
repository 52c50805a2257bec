/*
 * subject.c - the Subject rewrite of the "tag" action (subject.h).
 *
 * The milter changes the header in place, so the original value must come
 * through unchanged: Japanese subjects arrive as ISO-2022-JP or UTF-8
 * encoded-words, often split across folded lines, and re-encoding them
 * risks breaking a character that mail clients decode today.  Only the tag
 * is added.  Whitespace between two adjacent encoded-words is not shown
 * (RFC 2047 6.2), while whitespace between an encoded-word and plain text
 * is: so the tag's own trailing blank goes inside its encoded-word when an
 * encoded-word follows, and is the separating blank otherwise.
 *
 * Relies on GLib (base64, UTF-8 checks) and, to see whether a subject is
 * already tagged however it was encoded, on the header decoding of
 * charset.c and GMime.  Failure: only bad arguments and out of memory.
 */
#include "subject.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "message.h"

/* Bytes of tag text in one encoded-word: 45 bytes are 60 base64
 * characters, and with "=?UTF-8?B?" and "?=" the word stays within the 75
 * characters of RFC 2047. */
#define SUBJECT_EW_CHUNK 45
/* Longest charset name and encoded text recognised at the start of a value
 * (mailers exceed RFC 2047's 75 characters). */
#define SUBJECT_EW_SCAN 1024

static bool
subject_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* True when S starts with an RFC 2047 encoded-word followed by a blank,
 * a line end or the end: "=?charset?B?text?=". */
static bool
subject_starts_with_ew(const char *s)
{
	if (s[0] != '=' || s[1] != '?')
		return false;
	size_t n = 0; /* the charset name */
	while (n < SUBJECT_EW_SCAN && s[2 + n] != '\0' && s[2 + n] != '?' &&
	       !subject_blank(s[2 + n]))
		n++;
	const char *p = s + 2 + n;
	if (n == 0 || p[0] != '?' || p[1] == '\0' ||
	    strchr("BbQq", p[1]) == NULL || p[2] != '?')
		return false;
	p += 3;
	for (n = 0; *p != '\0' && n < SUBJECT_EW_SCAN; p++, n++) {
		if (subject_blank(*p) || *p == '\r' || *p == '\n')
			return false;
		if (p[0] == '?' && p[1] == '=')
			return p[2] == '\0' || subject_blank(p[2]) ||
			       p[2] == '\r' || p[2] == '\n';
	}
	return false;
}

/* TAG is usable: UTF-8, no control characters, not too long. */
static bool
subject_tag_valid(const char *tag, size_t len)
{
	if (len > SUBJECT_TAG_MAX || !g_utf8_validate(tag, (gssize)len, NULL))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)tag[i] < 0x20 || tag[i] == 0x7f)
			return false;
	return true;
}

/* A tag that can stand as it is: printable ASCII that cannot be mistaken
 * for the start of an encoded-word. */
static bool
subject_tag_plain(const char *tag, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)tag[i] >= 0x80)
			return false;
	return strstr(tag, "=?") == NULL;
}

/* The subject text as a reader sees it: unfolded, converted to UTF-8 and
 * with its encoded-words decoded; g_free it. */
static gchar *
subject_decode(const char *raw)
{
	GString *unfolded = g_string_sized_new(strlen(raw));
	for (const char *p = raw; *p != '\0'; p++)
		if (*p != '\r' && *p != '\n')
			g_string_append_c(unfolded, *p);
	GString *u = g_string_sized_new(unfolded->len + 1);
	charset_to_utf8(NULL, unfolded->str, unfolded->len, u);
	g_string_free(unfolded, TRUE);
	gchar *fixed = charset_hdr_fix(u->str);
	gchar *dec =
	    g_mime_utils_header_decode_text(NULL, fixed ? fixed : u->str);
	g_free(fixed);
	g_string_free(u, TRUE);
	return dec;
}

/* RAW already begins with the tag, TAG_CORE being the tag without its
 * trailing blanks. */
static bool
subject_tagged(const char *raw, const char *tag_core, size_t core_len)
{
	gchar *dec = subject_decode(raw);
	if (dec == NULL)
		return false;
	const char *d = dec;
	while (subject_blank(*d))
		d++;
	bool tagged = strncmp(d, tag_core, core_len) == 0;
	g_free(dec);
	return tagged;
}

/* Append TEXT (LEN bytes of UTF-8) to OUT as blank-separated encoded-words,
 * never splitting a character between two words. */
static void
subject_append_ew(GString *out, const char *text, size_t len)
{
	size_t at = 0;
	while (at < len) {
		size_t n = len - at;
		if (n > SUBJECT_EW_CHUNK) {
			n = SUBJECT_EW_CHUNK;
			/* back off to the start of a character */
			while (n > 0 &&
			       ((unsigned char)text[at + n] & 0xc0) == 0x80)
				n--;
		}
		gchar *b64 = g_base64_encode((const guchar *)text + at, n);
		g_string_append_printf(out, "%s=?UTF-8?B?%s?=", at ? " " : "",
		                       b64);
		g_free(b64);
		at += n;
	}
}

/* Append the tag for the value REST (RAW without its leading blanks). */
static void
subject_append_tag(GString *out, const char *tag, size_t tag_len,
                   size_t core_len, const char *rest)
{
	bool rest_ew = subject_starts_with_ew(rest);
	if (subject_tag_plain(tag, tag_len)) {
		if (*rest == '\0') {
			g_string_append_len(out, tag, (gssize)core_len);
			return;
		}
		g_string_append_len(out, tag, (gssize)tag_len);
		/* an encoded-word must be preceded by a blank */
		if (rest_ew && core_len == tag_len)
			g_string_append_c(out, ' ');
		return;
	}
	/* Before another encoded-word the separating blank is not shown, so
	 * the tag's trailing blank has to be encoded with it. */
	subject_append_ew(out, tag, rest_ew ? tag_len : core_len);
	if (*rest != '\0')
		g_string_append_c(out, ' ');
}

emg_status_t
emg_subject_tag(const char *raw, const char *tag, char **out)
{
	if (tag == NULL || out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	size_t tag_len = strlen(tag);
	if (!subject_tag_valid(tag, tag_len))
		return EMG_EINVAL;
	if (raw != NULL && strlen(raw) > SUBJECT_RAW_MAX)
		return EMG_ELIMIT;
	size_t core_len = tag_len;
	while (core_len > 0 && subject_blank(tag[core_len - 1]))
		core_len--;
	if (core_len == 0)
		return EMG_OK; /* a blank tag tags nothing */

	message_init_once();
	const char *lead_end = raw != NULL ? raw : "";
	while (subject_blank(*lead_end))
		lead_end++;
	if (raw != NULL && subject_tagged(lead_end, tag, core_len))
		return EMG_OK;

	GString *v =
	    g_string_sized_new((raw ? strlen(raw) : 0) + 4 * tag_len + 32);
	if (raw != NULL)
		g_string_append_len(v, raw, lead_end - raw);
	subject_append_tag(v, tag, tag_len, core_len, lead_end);
	g_string_append(v, lead_end);
	*out = strdup(v->str);
	g_string_free(v, TRUE);
	return *out != NULL ? EMG_OK : EMG_ENOMEM;
}
