/*
 * charset.c - charset conversion and encoded-word repair (charset.h).
 *
 * GMime decodes most things right; what it gets wrong for Japanese mail is
 * fixed before GMime sees a header: adjacent encoded-words of one charset are
 * joined before conversion (ISO-2022-JP split mid-character), labels are
 * mapped to superset decoders (CP932, EUC-JP-MS) when the strict one fails,
 * and raw 8-bit bytes are recognised as UTF-8, EUC-JP or Shift_JIS.  The
 * fixed text is re-encoded as one UTF-8 encoded-word, which GMime's address
 * and parameter parsers then read safely.  Bodies go through the same
 * label-to-decoder mapping.
 *
 * Relies on iconv through GMime's cache (g_mime_iconv_open, which locks and
 * hands each caller its own iconv_t, so threads never share a handle), on
 * GMime's charset name map, on glibc's EUC-JP-MS and CP932 converters and on
 * GLib strings and base64.  No state of its own: safe in any thread once
 * GMime is initialised.
 *
 * Failure: none.  Bytes that no decoder accepts become U+FFFD.
 */
#include "charset.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <iconv.h>
#include <stdbool.h>
#include <string.h>

#define CHARSET_NAME_MAX 64 /* longest charset label read */
#define CHARSET_EW_MAX 1024 /* longest encoded-word payload read;
                             * RFC 2047 says 75, mailers exceed it */

/* ---- decoders ---------------------------------------------------------- */

/* Append LEN bytes of S in charset FROM to OUT as UTF-8.  STRICT: return
 * false at the first invalid sequence (OUT is then restored); otherwise each
 * invalid byte becomes U+FFFD.  False also when FROM is unknown to iconv. */
static bool
charset_iconv(const char *from, const char *s, size_t len, bool strict,
              GString *out)
{
	iconv_t cd = g_mime_iconv_open("UTF-8", from);
	size_t start = out->len;
	char buf[4096];
	char *in = (char *)s;
	size_t inleft = len;
	bool ok = true;

	if (cd == (iconv_t)-1)
		return false;
	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		char *o = buf;
		size_t oleft = sizeof(buf);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		g_string_append_len(out, buf, (gssize)(o - buf));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		if (strict) {
			ok = false;
			break;
		}
		g_string_append(out, "\xEF\xBF\xBD");
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	if (ok) {
		char *o = buf;
		size_t oleft = sizeof(buf);
		iconv(cd, NULL, NULL, &o, &oleft);
		g_string_append_len(out, buf, (gssize)(o - buf));
	} else {
		g_string_truncate(out, start);
	}
	g_mime_iconv_close(cd);
	return ok;
}

/* ISO-2022-JP to EUC-JP bytes, so that EUC-JP-MS (a superset holding the
 * NEC and IBM extensions Windows clients send as "iso-2022-jp") reads it. */
static void
charset_jis_to_euc(const unsigned char *s, size_t len, GString *out)
{
	int mode = 0; /* 0 ASCII, 1 JIS X 0208, 2 katakana, 3 JIS X 0212 */

	for (size_t i = 0; i < len; i++) {
		unsigned char b = s[i];
		if (b == 0x1b && i + 2 < len) {
			if (s[i + 1] == '$' && (s[i + 2] == 'B' || s[i + 2] == '@')) {
				mode = 1, i += 2;
				continue;
			}
			if (s[i + 1] == '(' && (s[i + 2] == 'B' || s[i + 2] == 'J')) {
				mode = 0, i += 2;
				continue;
			}
			if (s[i + 1] == '(' && s[i + 2] == 'I') {
				mode = 2, i += 2;
				continue;
			}
			if (s[i + 1] == '$' && s[i + 2] == '(' && i + 3 < len &&
			    s[i + 3] == 'D') {
				mode = 3, i += 3;
				continue;
			}
		}
		if (b == 0x0e || b == 0x0f) {
			mode = b == 0x0e ? 2 : 0;
			continue;
		}
		if (b == '\r' || b == '\n' || b < 0x21 || b > 0x7e) {
			if (b == '\r' || b == '\n')
				mode = 0;
			g_string_append_c(out, (char)b);
		} else if (mode == 2) {
			g_string_append_c(out, (char)0x8e);
			g_string_append_c(out, (char)(b | 0x80));
		} else if ((mode == 1 || mode == 3) && i + 1 < len &&
		           s[i + 1] >= 0x21 && s[i + 1] <= 0x7e) {
			if (mode == 3)
				g_string_append_c(out, (char)0x8f);
			g_string_append_c(out, (char)(b | 0x80));
			g_string_append_c(out, (char)(s[++i] | 0x80));
		} else {
			g_string_append_c(out, (char)b);
		}
	}
}

/* True when every 8-bit byte of S forms a valid EUC-JP sequence. */
static bool
charset_looks_eucjp(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char b = s[i];
		if (b < 0x80)
			continue;
		if (b == 0x8f && i + 2 < len && s[i + 1] >= 0xa1 && s[i + 2] >= 0xa1) {
			i += 2;
		} else if (b == 0x8e && i + 1 < len && s[i + 1] >= 0xa1 &&
		           s[i + 1] <= 0xdf) {
			i++;
		} else if (b >= 0xa1 && b <= 0xfe && i + 1 < len &&
		           s[i + 1] >= 0xa1 && s[i + 1] <= 0xfe) {
			i++;
		} else {
			return false;
		}
	}
	return true;
}

/* ISO-2022-JP to UTF-8: strict iconv first; on failure through EUC-JP-MS,
 * which also holds the vendor rows Windows clients put in such mail. */
static void
charset_iso2022jp(const char *s, size_t len, GString *out)
{
	if (charset_iconv("ISO-2022-JP", s, len, true, out))
		return;
	GString *euc = g_string_sized_new(len + len / 2);
	charset_jis_to_euc((const unsigned char *)s, len, euc);
	charset_iconv("EUC-JP-MS", euc->str, euc->len, false, out);
	g_string_free(euc, TRUE);
}

/* Unlabelled bytes: ISO-2022-JP, UTF-8, EUC-JP, Shift_JIS (CP932), else
 * Windows-1252, in the order that misreads the least Japanese mail. */
void
charset_guess_to_utf8(const char *s, size_t len, GString *out)
{
	const unsigned char *u = (const unsigned char *)s;

	if (len == 0)
		return; /* S may then be NULL (an empty MIME part) */
	if (memchr(s, 0x1b, len) != NULL) {
		charset_iso2022jp(s, len, out);
	} else if (g_utf8_validate(s, (gssize)len, NULL)) {
		g_string_append_len(out, s, (gssize)len);
	} else if (charset_looks_eucjp(u, len) &&
	           charset_iconv("EUC-JP-MS", s, len, true, out)) {
		return;
	} else if (!charset_iconv("CP932", s, len, true, out) &&
	           !charset_iconv("WINDOWS-1252", s, len, true, out)) {
		charset_iconv("ISO-8859-1", s, len, false, out);
	}
}

/* Labels whose mail really uses a superset: try STRICT, then SUPERSET. */
static const struct {
	const char *label, *strict, *superset;
} charset_labels[] = {
	{"shift_jis", "SHIFT_JIS", "CP932"},  {"shift-jis", "SHIFT_JIS", "CP932"},
	{"sjis", "SHIFT_JIS", "CP932"},       {"x-sjis", "SHIFT_JIS", "CP932"},
	{"windows-31j", "CP932", NULL},       {"cp932", "CP932", NULL},
	{"ms932", "CP932", NULL},             {"euc-jp", "EUC-JP", "EUC-JP-MS"},
	{"x-euc-jp", "EUC-JP", "EUC-JP-MS"},  {"gb2312", "GB18030", NULL},
	{"gbk", "GB18030", NULL},             {"ks_c_5601-1987", "CP949", NULL},
	{"euc-kr", "CP949", NULL},            {"iso-8859-1", "WINDOWS-1252", "ISO-8859-1"},
	{"us-ascii", NULL, NULL},             {"ascii", NULL, NULL},
};

/* Append LEN bytes of S, labelled CHARSET (may be NULL), to OUT as UTF-8. */
void
charset_to_utf8(const char *charset, const char *s, size_t len, GString *out)
{
	char cs[CHARSET_NAME_MAX];
	size_t i;

	if (len == 0)
		return; /* S may then be NULL (an empty MIME part) */
	if (charset == NULL || *charset == '\0' || strlen(charset) >= sizeof(cs)) {
		charset_guess_to_utf8(s, len, out);
		return;
	}
	for (i = 0; charset[i] != '\0' && charset[i] != '*'; i++)
		cs[i] = g_ascii_tolower(charset[i]);
	cs[i] = '\0';
	if (strncmp(cs, "iso-2022-jp", 11) == 0 || strcmp(cs, "csiso2022jp") == 0) {
		charset_iso2022jp(s, len, out);
		return;
	}
	if (strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0) {
		if (!g_utf8_validate(s, (gssize)len, NULL))
			charset_guess_to_utf8(s, len, out);
		else
			g_string_append_len(out, s, (gssize)len);
		return;
	}
	for (i = 0; i < G_N_ELEMENTS(charset_labels); i++) {
		if (strcmp(cs, charset_labels[i].label) != 0)
			continue;
		if (charset_labels[i].strict == NULL)
			charset_guess_to_utf8(s, len, out);
		else if (!charset_iconv(charset_labels[i].strict, s, len, true, out))
			charset_iconv(charset_labels[i].superset ?
			                  charset_labels[i].superset :
			                  charset_labels[i].strict,
			              s, len, false, out);
		return;
	}
	const char *name = g_mime_charset_iconv_name(cs);
	if (!charset_iconv(name, s, len, true, out) &&
	    !charset_iconv(name, s, len, false, out))
		charset_guess_to_utf8(s, len, out);
}

/* ---- encoded-words ----------------------------------------------------- */

/* Parse the encoded-word at S: sets its charset (in CS), encoding and
 * payload; returns its length or 0 when S does not start one. */
static size_t
charset_ew_parse(const char *s, char cs[CHARSET_NAME_MAX], char *enc,
                 const char **payload, size_t *plen)
{
	const char *p = s + 2, *q;
	size_t n = 0;

	while (*p != '\0' && *p != '?' && !g_ascii_isspace(*p)) {
		if (n + 1 >= CHARSET_NAME_MAX)
			return 0;
		cs[n++] = *p++;
	}
	cs[n] = '\0';
	if (n == 0 || p[0] != '?' || strchr("BbQq", p[1]) == NULL || p[1] == '\0' ||
	    p[2] != '?')
		return 0;
	*enc = g_ascii_toupper(p[1]);
	*payload = p + 3;
	/* Bounded so that "=?=?=?..." stays linear. */
	for (q = p + 3; *q != '\0' && !g_ascii_isspace(*q) &&
	                q - p < CHARSET_EW_MAX; q++)
		if (q[0] == '?' && q[1] == '=')
			break;
	if (q[0] != '?' || q[1] != '=')
		return 0;
	*plen = (size_t)(q - *payload);
	return (size_t)(q + 2 - s);
}

/* Append the B or Q payload P of an encoded-word to OUT: bytes still in
 * the word's charset, so that split words join before conversion. */
static void
charset_ew_decode(char enc, const char *p, size_t len, GString *out)
{
	if (enc == 'B') {
		gint state = 0;
		guint save = 0;
		size_t at = out->len;
		g_string_set_size(out, at + len / 4 * 3 + 3);
		size_t n = g_base64_decode_step(p, len, (guchar *)out->str + at,
		                                &state, &save);
		g_string_set_size(out, at + n);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '_') {
			g_string_append_c(out, ' ');
		} else if (p[i] == '=' && i + 2 < len && g_ascii_isxdigit(p[i + 1]) &&
		           g_ascii_isxdigit(p[i + 2])) {
			g_string_append_c(out, (char)(g_ascii_xdigit_value(p[i + 1]) * 16 +
			                              g_ascii_xdigit_value(p[i + 2])));
			i += 2;
		} else {
			g_string_append_c(out, p[i]);
		}
	}
}

/* Convert the pending encoded-word bytes and write them as one UTF-8 word. */
static void
charset_ew_flush(const char *cs, GString *pending, GString *out)
{
	if (pending->len == 0)
		return;
	GString *u = g_string_new(NULL);
	charset_to_utf8(cs, pending->str, pending->len, u);
	if (u->len > 0) {
		gchar *b64 = g_base64_encode((const guchar *)u->str, u->len);
		g_string_append_printf(out, "=?UTF-8?B?%s?=", b64);
		g_free(b64);
	}
	g_string_free(u, TRUE);
	g_string_truncate(pending, 0);
}

/* S (UTF-8) with every run of adjacent encoded-words of one charset joined
 * and re-encoded as a single UTF-8 encoded-word. */
gchar *
charset_ew_fix(const char *s)
{
	GString *out = g_string_sized_new(strlen(s) + 16);
	GString *pending = g_string_new(NULL);
	char cs[CHARSET_NAME_MAX], pcs[CHARSET_NAME_MAX] = "";
	size_t gap = 0; /* blanks seen since the last encoded-word */

	while (*s != '\0') {
		const char *payload;
		size_t plen, n = 0;
		char enc;
		if (s[0] == '=' && s[1] == '?')
			n = charset_ew_parse(s, cs, &enc, &payload, &plen);
		if (n > 0) {
			if (pending->len > 0 && g_ascii_strcasecmp(cs, pcs) != 0) {
				charset_ew_flush(pcs, pending, out);
				g_string_append_len(out, s - gap, (gssize)gap);
			}
			memcpy(pcs, cs, sizeof(pcs));
			charset_ew_decode(enc, payload, plen, pending);
			s += n;
			gap = 0;
		} else if (pending->len > 0 && (*s == ' ' || *s == '\t')) {
			gap++, s++;
		} else {
			charset_ew_flush(pcs, pending, out);
			g_string_append_len(out, s - gap, (gssize)gap + 1);
			gap = 0, s++;
		}
	}
	charset_ew_flush(pcs, pending, out);
	g_string_append_len(out, s - gap, (gssize)gap);
	g_string_free(pending, TRUE);
	return g_string_free(out, FALSE);
}

/* Header text S (UTF-8) with its encoded-words made GMime-safe, or NULL
 * when it has none. */
gchar *
charset_hdr_fix(const char *s)
{
	return strstr(s, "=?") ? charset_ew_fix(s) : NULL;
}
