/*
 * termsafe.c - neutralised output of message text (termsafe.h): a UTF-8
 * decoder that refuses what is not UTF-8, the list of code points shown
 * as escapes, and a small East Asian width table for fitting a text into
 * table columns (the CLI calls no setlocale, so wcwidth would know only
 * ASCII).
 */
#include "termsafe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The longest escape, "\u202e", or a UTF-8 sequence: with its NUL. */
#define TERMSAFE_PIECE_MAX 8
/* A terminal narrower or wider than this is taken as 80 columns. */
#define TERMSAFE_MIN_COLS 20
#define TERMSAFE_MAX_COLS 1000

/* One character of the output: its bytes and its columns. */
typedef struct termsafe_piece {
	char text[TERMSAFE_PIECE_MAX];
	size_t len;
	unsigned cols;
} termsafe_piece_t;

typedef struct termsafe_range {
	uint32_t lo, hi;
} termsafe_range_t;

/* Shown as escapes besides C0, DEL and C1: bidi controls and the line
 * and paragraph separators. */
static const termsafe_range_t termsafe_hidden[] = {
    {0x061c, 0x061c},
    {0x200e, 0x200f},
    {0x2028, 0x202e},
    {0x2066, 0x2069},
};

/* Two columns wide (East Asian Wide and Fullwidth, the main blocks). */
static const termsafe_range_t termsafe_wide[] = {
    {0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff},
    {0x3400, 0x4dbf},   {0x4e00, 0x9fff},   {0xa000, 0xa4cf},
    {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe10, 0xfe19},
    {0xfe30, 0xfe6f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},
    {0x1f300, 0x1f64f}, {0x1f900, 0x1f9ff}, {0x20000, 0x2fffd},
    {0x30000, 0x3fffd},
};

/* No column of their own: combining marks, zero-width characters,
 * variation selectors. */
static const termsafe_range_t termsafe_zero[] = {
    {0x0300, 0x036f}, {0x0483, 0x0489},   {0x0591, 0x05bd}, {0x0610, 0x061a},
    {0x064b, 0x065f}, {0x1ab0, 0x1aff},   {0x1dc0, 0x1dff}, {0x200b, 0x200d},
    {0x20d0, 0x20ff}, {0x3099, 0x309a},   {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f},
    {0xfeff, 0xfeff}, {0xe0100, 0xe01ef},
};

static bool
termsafe_in(const termsafe_range_t *r, size_t n, uint32_t cp)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return true;
	return false;
}

#define TERMSAFE_IN(table, cp)                                                 \
	termsafe_in(table, sizeof(table) / sizeof(table[0]), cp)

/* Decode one UTF-8 sequence at S (LEN > 0 bytes) into *CP; the bytes it
 * takes, or 0 when it is not UTF-8 (overlong, surrogate, too large, cut
 * short). */
static size_t
termsafe_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n = s[0] < 0x80             ? 1
	           : (s[0] & 0xe0) == 0xc0 ? 2
	           : (s[0] & 0xf0) == 0xe0 ? 3
	           : (s[0] & 0xf8) == 0xf0 ? 4
	                                   : 0;
	if (n == 0 || n > len)
		return 0;
	uint32_t c = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* The next piece of output at S; the bytes of S it stands for. */
static size_t
termsafe_next(const unsigned char *s, size_t len, termsafe_piece_t *p)
{
	uint32_t cp = 0;
	size_t n = termsafe_decode(s, len, &cp);
	if (n == 0) {
		p->len =
		    (size_t)snprintf(p->text, sizeof(p->text), "\\x%02x", s[0]);
		p->cols = (unsigned)p->len;
		return 1;
	}
	if (cp < 0x20 || cp == 0x7f) {
		p->len = (size_t)snprintf(p->text, sizeof(p->text), "\\x%02x",
		                          (unsigned)cp);
		p->cols = (unsigned)p->len;
		return n;
	}
	if ((cp >= 0x80 && cp <= 0x9f) || TERMSAFE_IN(termsafe_hidden, cp)) {
		p->len = (size_t)snprintf(p->text, sizeof(p->text), "\\u%04x",
		                          (unsigned)cp);
		p->cols = (unsigned)p->len;
		return n;
	}
	memcpy(p->text, s, n);
	p->len = n;
	p->cols = TERMSAFE_IN(termsafe_zero, cp)   ? 0
	          : TERMSAFE_IN(termsafe_wide, cp) ? 2
	                                           : 1;
	return n;
}

void
termsafe_write(FILE *fp, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	/* bounded: every round takes at least one byte */
	while (i < len) {
		termsafe_piece_t p;
		i += termsafe_next(u + i, len - i, &p);
		fwrite(p.text, 1, p.len, fp);
	}
}

void
termsafe_puts(FILE *fp, const char *s)
{
	if (s != NULL)
		termsafe_write(fp, s, strlen(s));
}

/* The columns all of S takes. */
static size_t
termsafe_width(const unsigned char *s, size_t len)
{
	size_t cols = 0;
	for (size_t i = 0; i < len;) {
		termsafe_piece_t p;
		i += termsafe_next(s + i, len - i, &p);
		cols += p.cols;
	}
	return cols;
}

size_t
termsafe_fit(const char *s, size_t cols, bool pad, char *out, size_t outlen)
{
	static const char more[] = "...";
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)u);
	bool cut = termsafe_width(u, len) > cols;
	size_t room = cut ? (cols > 3 ? cols - 3 : 0) : cols;
	size_t used = 0, o = 0;
	if (outlen == 0)
		return 0;
	for (size_t i = 0; i < len;) {
		termsafe_piece_t p;
		size_t n = termsafe_next(u + i, len - i, &p);
		if (used + p.cols > room || o + p.len >= outlen)
			break;
		memcpy(out + o, p.text, p.len);
		o += p.len;
		used += p.cols;
		i += n;
	}
	for (size_t k = 0; cut && k < 3 && used < cols && o + 1 < outlen; k++) {
		out[o++] = more[k];
		used++;
	}
	while (pad && used < cols && o + 1 < outlen) {
		out[o++] = ' ';
		used++;
	}
	out[o] = '\0';
	return used;
}

size_t
termsafe_columns(FILE *fp)
{
	struct winsize ws;
	if (isatty(fileno(fp)) && ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col >= TERMSAFE_MIN_COLS && ws.ws_col <= TERMSAFE_MAX_COLS)
		return ws.ws_col;
	const char *env = getenv("COLUMNS");
	long n = env != NULL ? strtol(env, NULL, 10) : 0;
	return n >= TERMSAFE_MIN_COLS && n <= TERMSAFE_MAX_COLS ? (size_t)n
	                                                        : 80;
}
