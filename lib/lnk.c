/*
 * lnk.c - Windows Shell Link (MS-SHLLINK) parser and LNK lure indicators
 * (see lnk.h).
 *
 * The file is a header, then optional LinkTargetIDList, LinkInfo,
 * StringData and ExtraData, each present per LinkFlags and each sized by
 * fields an attacker writes.  Every size and offset is checked against the
 * bytes that are really there before use; a damaged structure becomes
 * EMG_EPARSE with a reason, while what could be read is kept, because a
 * truncated or lying lure still shows its arguments.  Structures whose
 * outer size is sane but whose inside is damaged (ItemIDs, LinkInfo
 * offsets) do not stop the parse of the ones after them.
 *
 * Relies on ICU's ucnv for CP932: a shortcut without IsUnicode holds ANSI
 * strings in the creator's code page, and for mail to Japanese companies
 * that is CP932 (a superset of ASCII).  UTF-16LE is decoded here.
 */
#include "lnk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>

static const uint8_t lnk_clsid[16] = {0x01, 0x14, 0x02, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0xC0, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x46};

#define LNK_SIG_ENVIRONMENT 0xA0000001u
#define LNK_SIG_TRACKER 0xA0000003u
#define LNK_SIG_ICON_ENVIRONMENT 0xA0000007u
#define LNK_ENV_BLOCK_SIZE 0x314u
#define LNK_TRACKER_BLOCK_SIZE 0x60u

/* The parse state: the input, the result, the first error. */
typedef struct lnk_rd {
	const uint8_t *d;
	size_t n;
	lnk_info_t *out;
	char *why;
	size_t whylen;
	emg_status_t st;
} lnk_rd_t;

static uint16_t
lnk_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
lnk_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* Record a parse error; the first reason is kept, ENOMEM is never masked. */
static void __attribute__((format(printf, 2, 3)))
lnk_fail(lnk_rd_t *rd, const char *fmt, ...)
{
	va_list ap;

	if (rd->st != EMG_OK)
		return;
	rd->st = EMG_EPARSE;
	if (rd->why == NULL || rd->whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(rd->why, rd->whylen, fmt, ap);
	va_end(ap);
}

static void
lnk_nomem(lnk_rd_t *rd)
{
	if (rd->st == EMG_OK || rd->st == EMG_EPARSE)
		rd->st = EMG_ENOMEM;
}

/* ---- strings ------------------------------------------------------------ */

/* Append code point CP as UTF-8 to S (room checked by the caller). */
static size_t
lnk_put_utf8(char *s, uint32_t cp)
{
	if (cp < 0x80) {
		s[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		s[0] = (char)(0xC0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		s[0] = (char)(0xE0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	s[0] = (char)(0xF0 | (cp >> 18));
	s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	s[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Store S in *DST (freeing an earlier value). */
static void
lnk_set(lnk_rd_t *rd, char **dst, char *s)
{
	if (s == NULL) {
		lnk_nomem(rd);
		return;
	}
	free(*dst);
	*dst = s;
}

/* Bytes of UTF-8 that code point CP takes. */
static size_t
lnk_utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* UNITS UTF-16LE code units at P into *DST as UTF-8.  Unpaired surrogates
 * and NULs become U+FFFD; the result stops at LNK_MAX_STRING bytes. */
static void
lnk_utf16(lnk_rd_t *rd, const uint8_t *p, size_t units, char **dst)
{
	/* A unit never takes more than 3 bytes (a pair takes 4 for 2). */
	size_t cap = units < LNK_MAX_STRING / 3 ? units * 3 : LNK_MAX_STRING;
	char *s = malloc(cap + 1);
	size_t o = 0, i = 0;

	if (s == NULL) {
		lnk_nomem(rd);
		return;
	}
	while (i < units) {
		uint32_t cp = lnk_u16(p + 2 * i++);
		if (cp >= 0xD800 && cp < 0xDC00 && i < units) {
			uint32_t lo = lnk_u16(p + 2 * i);
			if (lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
				i++;
			}
		}
		if (cp == 0 || (cp >= 0xD800 && cp < 0xE000))
			cp = 0xFFFD;
		if (o + lnk_utf8_len(cp) > cap) {
			rd->out->truncated = true;
			break;
		}
		o += lnk_put_utf8(s + o, cp);
	}
	s[o] = '\0';
	lnk_set(rd, dst, s);
}

/* Cut S (LEN bytes of UTF-8) to at most MAX bytes on a character start. */
static size_t
lnk_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* LEN bytes of ANSI text at P (CP932) into *DST as UTF-8.  A NUL byte
 * becomes '?'.  Without a CP932 converter, non-ASCII bytes become '?'. */
static void
lnk_ansi(lnk_rd_t *rd, const uint8_t *p, size_t len, char **dst)
{
	UErrorCode err = U_ZERO_ERROR;
	size_t cap, o;
	char *s;
	int32_t got;

	if (len > LNK_MAX_STRING)
		len = LNK_MAX_STRING; /* every byte yields >= 1 UTF-8 byte */
	cap = len * 3 + 4; /* a CP932 byte never yields more than 3 */
	s = malloc(cap);
	if (s == NULL) {
		lnk_nomem(rd);
		return;
	}
	got = ucnv_convert("UTF-8", "windows-31j", s, (int32_t)cap,
	                   (const char *)p, (int32_t)len, &err);
	if (U_FAILURE(err) || got < 0 || (size_t)got >= cap) {
		for (o = 0; o < len; o++)
			s[o] = p[o] < 0x80 ? (char)p[o] : '?';
		got = (int32_t)len;
	}
	o = lnk_utf8_cut(s, (size_t)got, LNK_MAX_STRING);
	if (o < (size_t)got)
		rd->out->truncated = true;
	s[o] = '\0';
	for (size_t i = 0; i < o; i++)
		if (s[i] == '\0')
			s[i] = '?';
	lnk_set(rd, dst, s);
}

/* A NUL-terminated ANSI string at OFF inside [BASE, BASE + LIMIT). */
static void
lnk_sz_ansi(lnk_rd_t *rd, const uint8_t *base, size_t limit, size_t off,
            char **dst, const char *what)
{
	const uint8_t *nul;

	if (off >= limit) {
		lnk_fail(rd, "%s offset %zu outside its %zu-byte structure",
		         what, off, limit);
		return;
	}
	nul = memchr(base + off, 0, limit - off);
	if (nul == NULL)
		lnk_fail(rd, "%s is not terminated", what);
	lnk_ansi(rd, base + off, nul ? (size_t)(nul - base - off) : limit - off,
	         dst);
}

/* A NUL-terminated UTF-16LE string at OFF inside [BASE, BASE + LIMIT). */
static void
lnk_sz_utf16(lnk_rd_t *rd, const uint8_t *base, size_t limit, size_t off,
             char **dst, const char *what)
{
	size_t units = 0, max;

	if (off >= limit || limit - off < 2) {
		lnk_fail(rd, "%s offset %zu outside its %zu-byte structure",
		         what, off, limit);
		return;
	}
	max = (limit - off) / 2;
	while (units < max && lnk_u16(base + off + 2 * units) != 0)
		units++;
	if (units == max)
		lnk_fail(rd, "%s is not terminated", what);
	lnk_utf16(rd, base + off, units, dst);
}

/* ---- LinkTargetIDList -----------------------------------------------------
 */

/* Append NAME to the ItemID path, with a separator when needed. */
static void
lnk_path_add(lnk_rd_t *rd, char **path, const char *name)
{
	size_t pl = *path ? strlen(*path) : 0, nl = strlen(name);
	bool sep = pl > 0 && (*path)[pl - 1] != '\\';
	char *s;

	if (nl == 0)
		return;
	if (pl + sep + nl > LNK_MAX_STRING) {
		rd->out->truncated = true;
		return;
	}
	s = realloc(*path, pl + sep + nl + 1);
	if (s == NULL) {
		lnk_nomem(rd);
		return;
	}
	if (sep)
		s[pl++] = '\\';
	memcpy(s + pl, name, nl + 1);
	*path = s;
}

/* The long name from a file entry's 0xBEEF0004 extension block; the block
 * starts at the offset held in the item's last two bytes, and the name's
 * place depends on the block version (libfwsi documentation). */
static void
lnk_item_long_name(lnk_rd_t *rd, const uint8_t *it, size_t sz, char **dst)
{
	size_t eo, esz, at;
	unsigned ver;

	if (sz < 16 + 8)
		return;
	eo = lnk_u16(it + sz - 2);
	if (eo < 14 || eo + 8 > sz - 2)
		return;
	esz = lnk_u16(it + eo);
	ver = lnk_u16(it + eo + 2);
	if (lnk_u32(it + eo + 4) != 0xBEEF0004u || esz > sz - eo)
		return;
	at = ver >= 9 ? 46 : ver >= 8 ? 42 : ver >= 7 ? 38 : ver >= 3 ? 20 : 0;
	if (at == 0 || at + 2 > esz)
		return;
	lnk_rd_t quiet = *rd; /* a damaged extension block is not an error */
	quiet.st = EMG_OK;
	quiet.why = NULL;
	lnk_sz_utf16(&quiet, it + eo, esz, at, dst, "long name");
	if (quiet.st == EMG_ENOMEM)
		lnk_nomem(rd);
}

/* The name an ItemID contributes to the path, or NULL (root, unknown). */
static char *
lnk_item_name(lnk_rd_t *rd, const uint8_t *it, size_t sz, bool *reset)
{
	uint8_t type = it[2];
	char *name = NULL;
	lnk_rd_t quiet = *rd;

	quiet.why = NULL;
	quiet.st = EMG_OK;
	*reset = false;
	if (type == 0x2F && sz > 3) { /* volume: "C:\" */
		lnk_sz_ansi(&quiet, it, sz, 3, &name, "volume");
		*reset = true;
	} else if ((type & 0x70) == 0x40 && sz > 5) { /* network location */
		lnk_sz_ansi(&quiet, it, sz, 5, &name, "network");
		*reset = true;
	} else if ((type & 0x70) == 0x30 && sz > 14) { /* file entry */
		if (type & 0x04)
			lnk_sz_utf16(&quiet, it, sz, 14, &name, "name");
		else
			lnk_sz_ansi(&quiet, it, sz, 14, &name, "name");
		lnk_item_long_name(&quiet, it, sz, &name);
	}
	if (quiet.st == EMG_ENOMEM)
		lnk_nomem(rd);
	return name;
}

/* Walk the ItemIDs in [P, P + LEN) and build idlist_path. */
static void
lnk_idlist_items(lnk_rd_t *rd, const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (len - off >= 2) {
		size_t sz = lnk_u16(p + off);
		bool reset;
		if (sz == 0)
			return; /* TerminalID */
		if (sz < 3 || sz > len - off) {
			lnk_fail(rd, "ItemID at %zu: size %zu, %zu bytes left",
			         off, sz, len - off);
			return;
		}
		char *name = lnk_item_name(rd, p + off, sz, &reset);
		if (name != NULL) {
			if (reset) {
				free(rd->out->idlist_path);
				rd->out->idlist_path = NULL;
			}
			lnk_path_add(rd, &rd->out->idlist_path, name);
			free(name);
		}
		off += sz;
	}
	lnk_fail(rd, "LinkTargetIDList has no TerminalID");
}

/* ---- LinkInfo ---------------------------------------------------------------
 */

/* CommonNetworkRelativeLink at OFF of the LinkInfo LI (LEN bytes). */
static void
lnk_net_link(lnk_rd_t *rd, const uint8_t *li, size_t len, size_t off)
{
	const uint8_t *c = li + off;
	size_t size, net, dev;

	if (off >= len || len - off < 0x14) {
		lnk_fail(rd, "CommonNetworkRelativeLink outside LinkInfo");
		return;
	}
	size = lnk_u32(c);
	if (size < 0x14 || size > len - off) {
		lnk_fail(rd, "CommonNetworkRelativeLink size %zu, %zu left",
		         size, len - off);
		return;
	}
	net = lnk_u32(c + 8);
	dev = lnk_u32(c + 12);
	if (net > 0x14 && size >= 0x1C) { /* the Unicode offsets exist */
		size_t unet = lnk_u32(c + 0x14), udev = lnk_u32(c + 0x18);
		if (unet != 0)
			lnk_sz_utf16(rd, c, size, unet, &rd->out->net_name,
			             "NetNameUnicode");
		if (udev != 0 && (lnk_u32(c + 4) & 1))
			lnk_sz_utf16(rd, c, size, udev, &rd->out->device_name,
			             "DeviceNameUnicode");
	}
	if (rd->out->net_name == NULL)
		lnk_sz_ansi(rd, c, size, net, &rd->out->net_name, "NetName");
	/* ValidDevice: DeviceNameOffset is only meaningful with it. */
	if (rd->out->device_name == NULL && (lnk_u32(c + 4) & 1))
		lnk_sz_ansi(rd, c, size, dev, &rd->out->device_name,
		            "DeviceName");
}

/* The LinkInfo structure LI of LEN bytes (LEN already within the file). */
static void
lnk_link_info(lnk_rd_t *rd, const uint8_t *li, size_t len)
{
	size_t hdr = lnk_u32(li + 4), lbp, cps, ulbp = 0, ucps = 0;
	uint32_t fl = lnk_u32(li + 8);

	if (hdr < 0x1C || hdr > len) {
		lnk_fail(rd, "LinkInfoHeaderSize %zu in a %zu-byte LinkInfo",
		         hdr, len);
		return;
	}
	lbp = lnk_u32(li + 16);
	cps = lnk_u32(li + 24);
	if (hdr >= 0x24) {
		ulbp = lnk_u32(li + 28);
		ucps = lnk_u32(li + 32);
	}
	if (fl & 1) { /* VolumeIDAndLocalBasePath */
		if (ulbp != 0)
			lnk_sz_utf16(rd, li, len, ulbp,
			             &rd->out->local_base_path,
			             "LocalBasePathUnicode");
		else
			lnk_sz_ansi(rd, li, len, lbp, &rd->out->local_base_path,
			            "LocalBasePath");
	}
	if (fl & 2) /* CommonNetworkRelativeLinkAndPathSuffix */
		lnk_net_link(rd, li, len, lnk_u32(li + 20));
	if (ucps != 0)
		lnk_sz_utf16(rd, li, len, ucps, &rd->out->common_path_suffix,
		             "CommonPathSuffixUnicode");
	else if (cps != 0)
		lnk_sz_ansi(rd, li, len, cps, &rd->out->common_path_suffix,
		            "CommonPathSuffix");
}

/* ---- the sections in file order --------------------------------------------
 */

/* LinkTargetIDList at *OFF; false when the file cannot be followed past it. */
static bool
lnk_section_idlist(lnk_rd_t *rd, size_t *off)
{
	size_t size;

	if (rd->n - *off < 2) {
		lnk_fail(rd, "file ends before the LinkTargetIDList");
		return false;
	}
	size = lnk_u16(rd->d + *off);
	if (size > rd->n - *off - 2) {
		lnk_fail(rd, "LinkTargetIDList size %zu, %zu bytes left", size,
		         rd->n - *off - 2);
		lnk_idlist_items(rd, rd->d + *off + 2, rd->n - *off - 2);
		return false;
	}
	lnk_idlist_items(rd, rd->d + *off + 2, size);
	*off += 2 + size;
	return true;
}

static bool
lnk_section_link_info(lnk_rd_t *rd, size_t *off)
{
	size_t size;

	if (rd->n - *off < 4) {
		lnk_fail(rd, "file ends before the LinkInfo");
		return false;
	}
	size = lnk_u32(rd->d + *off);
	if (size < 0x1C || size > rd->n - *off) {
		lnk_fail(rd, "LinkInfoSize %zu, %zu bytes left", size,
		         rd->n - *off);
		return false;
	}
	lnk_link_info(rd, rd->d + *off, size);
	*off += size;
	return true;
}

/* The five StringData strings, in the order the flags list them. */
static bool
lnk_section_strings(lnk_rd_t *rd, size_t *off)
{
	static const struct {
		uint32_t flag;
		size_t field;
		const char *what;
	} sd[] = {
	    {LNK_HAS_NAME, offsetof(lnk_info_t, name), "NAME_STRING"},
	    {LNK_HAS_RELATIVE_PATH, offsetof(lnk_info_t, relative_path),
	     "RELATIVE_PATH"},
	    {LNK_HAS_WORKING_DIR, offsetof(lnk_info_t, working_dir),
	     "WORKING_DIR"},
	    {LNK_HAS_ARGUMENTS, offsetof(lnk_info_t, arguments),
	     "COMMAND_LINE_ARGUMENTS"},
	    {LNK_HAS_ICON_LOCATION, offsetof(lnk_info_t, icon_location),
	     "ICON_LOCATION"},
	};
	bool uni = (rd->out->flags & LNK_IS_UNICODE) != 0;

	for (size_t i = 0; i < sizeof(sd) / sizeof(sd[0]); i++) {
		char **dst = (char **)((char *)rd->out + sd[i].field);
		size_t count, bytes, left;
		if (!(rd->out->flags & sd[i].flag))
			continue;
		if (rd->n - *off < 2) {
			lnk_fail(rd, "file ends before StringData %s",
			         sd[i].what);
			return false;
		}
		count = lnk_u16(rd->d + *off);
		bytes = uni ? count * 2 : count;
		left = rd->n - *off - 2;
		if (sd[i].flag == LNK_HAS_ARGUMENTS)
			rd->out->arguments_chars = count;
		/* A lying count still shows the part that is there. */
		if (uni)
			lnk_utf16(rd, rd->d + *off + 2,
			          (bytes < left ? bytes : left) / 2, dst);
		else
			lnk_ansi(rd, rd->d + *off + 2,
			         bytes < left ? bytes : left, dst);
		if (bytes > left) {
			lnk_fail(
			    rd, "StringData %s: %zu characters, %zu bytes left",
			    sd[i].what, count, left);
			return false;
		}
		*off += 2 + bytes;
	}
	return true;
}

/* Environment / icon environment block B (LNK_ENV_BLOCK_SIZE bytes):
 * 260 bytes of ANSI, then 520 bytes of UTF-16LE, both NUL-terminated. */
static void
lnk_env_block(lnk_rd_t *rd, const uint8_t *b, char **dst, const char *what)
{
	if (lnk_u16(b + 268) != 0)
		lnk_sz_utf16(rd, b + 268, 520, 0, dst, what);
	else if (b[8] != 0)
		lnk_sz_ansi(rd, b + 8, 260, 0, dst, what);
}

/* One ExtraData block of SIZE bytes at B. */
static void
lnk_extra_block(lnk_rd_t *rd, const uint8_t *b, size_t size)
{
	uint32_t sig = lnk_u32(b + 4);
	size_t want = sig == LNK_SIG_TRACKER ? LNK_TRACKER_BLOCK_SIZE
	                                     : LNK_ENV_BLOCK_SIZE;

	if (sig != LNK_SIG_ENVIRONMENT && sig != LNK_SIG_ICON_ENVIRONMENT &&
	    sig != LNK_SIG_TRACKER)
		return;
	if (size != want) {
		lnk_fail(rd, "ExtraData block 0x%08x: size %zu, want %zu",
		         (unsigned)sig, size, want);
		return;
	}
	if (sig == LNK_SIG_ENVIRONMENT)
		lnk_env_block(rd, b, &rd->out->env_target,
		              "EnvironmentVariableDataBlock");
	else if (sig == LNK_SIG_ICON_ENVIRONMENT)
		lnk_env_block(rd, b, &rd->out->icon_env,
		              "IconEnvironmentDataBlock");
	else if (b[16] != 0)
		lnk_sz_ansi(rd, b + 16, 16, 0, &rd->out->machine_id,
		            "MachineID");
}

static void
lnk_section_extra(lnk_rd_t *rd, size_t off)
{
	for (unsigned i = 0; i <= LNK_MAX_BLOCKS; i++) {
		size_t left = rd->n - off, size;
		if (left == 0)
			return; /* no TerminalBlock: tolerated, Windows does */
		if (left < 4) {
			lnk_fail(rd, "ExtraData: %zu stray bytes at the end",
			         left);
			return;
		}
		size = lnk_u32(rd->d + off);
		if (size < 4) { /* TerminalBlock */
			rd->out->trailing = left - 4;
			return;
		}
		if (i == LNK_MAX_BLOCKS) {
			lnk_fail(rd, "more than %d ExtraData blocks",
			         LNK_MAX_BLOCKS);
			return;
		}
		if (size < 8 || size > left) {
			lnk_fail(rd, "ExtraData block size %zu, %zu bytes left",
			         size, left);
			return;
		}
		rd->out->n_blocks++;
		lnk_extra_block(rd, rd->d + off, size);
		off += size;
	}
}

/* ---- public -----------------------------------------------------------------
 */

bool
lnk_is_shortcut(const uint8_t *d, size_t n)
{
	return d != NULL && n >= LNK_HEADER_SIZE &&
	       lnk_u32(d) == LNK_HEADER_SIZE &&
	       memcmp(d + 4, lnk_clsid, sizeof(lnk_clsid)) == 0;
}

emg_status_t
lnk_parse(const uint8_t *d, size_t n, lnk_info_t *out, char *why, size_t whylen)
{
	lnk_rd_t rd = {
	    .d = d, .n = n, .out = out, .why = why, .whylen = whylen};
	size_t off = LNK_HEADER_SIZE;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (out == NULL)
		return EMG_EINVAL;
	memset(out, 0, sizeof(*out)); /* freeable whatever the result */
	if (d == NULL && n > 0)
		return EMG_EINVAL;
	if (!lnk_is_shortcut(d, n)) {
		lnk_fail(&rd, n < LNK_HEADER_SIZE
		                  ? "shorter than the header"
		                  : "no Shell Link header/CLSID");
		return rd.st;
	}
	out->flags = lnk_u32(d + 0x14);
	out->file_attributes = lnk_u32(d + 0x18);
	out->file_size = lnk_u32(d + 0x34);
	out->icon_index = (int32_t)lnk_u32(d + 0x38);
	out->show_command = lnk_u32(d + 0x3C);
	if ((out->flags & LNK_HAS_TARGET_IDLIST) &&
	    !lnk_section_idlist(&rd, &off))
		return rd.st;
	if ((out->flags & LNK_HAS_LINK_INFO) &&
	    !lnk_section_link_info(&rd, &off))
		return rd.st;
	if (!lnk_section_strings(&rd, &off))
		return rd.st;
	lnk_section_extra(&rd, off);
	return rd.st;
}

void
lnk_info_free(lnk_info_t *info)
{
	if (info == NULL)
		return;
	free(info->idlist_path);
	free(info->local_base_path);
	free(info->common_path_suffix);
	free(info->net_name);
	free(info->device_name);
	free(info->name);
	free(info->relative_path);
	free(info->working_dir);
	free(info->arguments);
	free(info->icon_location);
	free(info->env_target);
	free(info->icon_env);
	free(info->machine_id);
	memset(info, 0, sizeof(*info));
}

const char *
lnk_target(const lnk_info_t *info)
{
	const char *c[] = {info->env_target, info->local_base_path,
	                   info->idlist_path, info->net_name,
	                   info->relative_path};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (c[i] != NULL && c[i][0] != '\0')
			return c[i];
	return NULL;
}

/* ---- indicators -------------------------------------------------------------
 */

/* Programs that LNK lures start, as matched (lower case) and as shown. */
static const char *const lnk_programs[] = {
    "powershell", "pwsh",    "cmd",      "mshta",     "rundll32", "regsvr32",
    "wscript",    "cscript", "certutil", "bitsadmin", "curl",     "msiexec",
    "forfiles",   "conhost", "hh",       "wmic",      "schtasks",
};

/* Substrings of arguments (lower case) and the indicator each gives. */
static const struct {
	const char *match;
	const char *show;
} lnk_arg_marks[] = {
    {"http://", "http://"},
    {"https://", "https://"},
    {"%temp%", "%TEMP%"},
    {"%tmp%", "%TEMP%"},
    {"%appdata%", "%APPDATA%"},
    {"%localappdata%", "%LOCALAPPDATA%"},
    {"%programdata%", "%PROGRAMDATA%"},
    {"%public%", "%PUBLIC%"},
    {"hidden", "hidden window"},
    {"bypass", "bypass"},
    {"frombase64string", "FromBase64String"},
    {"downloadstring", "DownloadString"},
    {"downloadfile", "DownloadFile"},
    {"invoke-webrequest", "Invoke-WebRequest"},
    {"invoke-expression", "Invoke-Expression"},
    {"javascript:", "javascript:"},
    {"vbscript:", "vbscript:"},
};

/* Icons that make a shortcut look like a document. */
static const char *const lnk_doc_icons[] = {
    ".pdf", ".doc", ".docx",       ".xls",      ".xlsx",        ".txt",
    ".jpg", ".png", "winword.exe", "excel.exe", "acrord32.exe", "msedge.exe",
};

#define LNK_MAX_MARKS 48

/* The indicators found so far: distinct, in the order seen. */
typedef struct lnk_marks {
	char v[LNK_MAX_MARKS][48];
	size_t n;
} lnk_marks_t;

static void __attribute__((format(printf, 2, 3)))
lnk_mark(lnk_marks_t *m, const char *fmt, ...)
{
	char s[48];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i], s) == 0)
			return;
	if (m->n < LNK_MAX_MARKS)
		memcpy(m->v[m->n++], s, sizeof(s));
}

/* S lower-cased with cmd's '^' escapes dropped ("p^ower^shell"). */
static char *
lnk_fold(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *f = malloc(len + 1);

	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '^')
			f[o++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32
			                                           : s[i]);
	f[o] = '\0';
	return f;
}

/* True when WORD stands in F as a program name: after a path separator,
 * blank, quote or shell operator, and before ".exe", ".com" or the same. */
static bool
lnk_has_word(const char *f, const char *word)
{
	static const char left[] = " \t\r\n\\/\"'(;&|,=:`",
	                  right[] = " \t\r\n\"')(;&|,/`";
	size_t wl = strlen(word);

	for (const char *p = strstr(f, word); p != NULL;
	     p = strstr(p + 1, word)) {
		const char *e = p + wl;
		if (p > f && strchr(left, p[-1]) == NULL)
			continue;
		if (strncmp(e, ".exe", 4) == 0 || strncmp(e, ".com", 4) == 0)
			e += 4;
		if (*e == '\0' || strchr(right, *e) != NULL)
			return true;
	}
	return false;
}

/* PowerShell takes any prefix of -EncodedCommand (and -ec), with '-', '/'
 * or a Unicode dash; lures use "-e", "-enc", "–EncodedCommand". */
static bool
lnk_has_enc(const char *f)
{
	static const char *const dashes[] = {"-", "/", "\xe2\x80\x93",
	                                     "\xe2\x80\x94", "\xe2\x80\x95"};

	for (const char *p = f; *p != '\0'; p++) {
		if (p > f && strchr(" \t\r\n\"'", p[-1]) == NULL)
			continue;
		for (size_t d = 0; d < sizeof(dashes) / sizeof(dashes[0]);
		     d++) {
			size_t dl = strlen(dashes[d]), wl = 0;
			if (strncmp(p, dashes[d], dl) != 0)
				continue;
			while (p[dl + wl] >= 'a' && p[dl + wl] <= 'z')
				wl++;
			if (p[dl + wl] != '\0' &&
			    strchr(" \t\r\n\"'", p[dl + wl]) == NULL)
				continue;
			if ((wl == 2 && strncmp(p + dl, "ec", 2) == 0) ||
			    (wl >= 1 && wl <= 14 &&
			     strncmp(p + dl, "encodedcommand", wl) == 0))
				return true;
		}
	}
	return false;
}

/* Programs named in the folded string F. */
static void
lnk_mark_programs(lnk_marks_t *m, const char *f)
{
	for (size_t i = 0; i < sizeof(lnk_programs) / sizeof(lnk_programs[0]);
	     i++)
		if (lnk_has_word(f, lnk_programs[i]))
			lnk_mark(m, "%s", lnk_programs[i]);
	if (strstr(f, "%comspec%") != NULL)
		lnk_mark(m, "cmd");
}

/* Blank padding: the longest run of blanks and the share of blanks. */
static void
lnk_mark_padding(lnk_marks_t *m, const lnk_info_t *info)
{
	size_t run = 0, longest = 0, blanks = 0, len = strlen(info->arguments);

	for (size_t i = 0; i < len; i++) {
		if (strchr(" \t\r\n", info->arguments[i]) != NULL) {
			blanks++;
			if (++run > longest)
				longest = run;
		} else {
			run = 0;
		}
	}
	if (longest >= 100 ||
	    (info->arguments_chars > 1000 && blanks * 2 > len))
		lnk_mark(m, "padded arguments (%zu chars)",
		         info->arguments_chars);
	else if (info->arguments_chars > 1000)
		lnk_mark(m, "long arguments (%zu chars)",
		         info->arguments_chars);
}

/* Indicators of the arguments string. */
static void
lnk_mark_arguments(lnk_marks_t *m, const lnk_info_t *info, const char *f)
{
	lnk_mark_programs(m, f);
	if (lnk_has_enc(f))
		lnk_mark(m, "-enc");
	for (size_t i = 0; i < sizeof(lnk_arg_marks) / sizeof(lnk_arg_marks[0]);
	     i++)
		if (strstr(f, lnk_arg_marks[i].match) != NULL)
			lnk_mark(m, "%s", lnk_arg_marks[i].show);
	if (lnk_has_word(f, "iex"))
		lnk_mark(m, "Invoke-Expression");
	if (strstr(f, "\\\\") != NULL)
		lnk_mark(m, "\\\\UNC");
	lnk_mark_padding(m, info);
}

/* A program target dressed in a document icon, or an icon on a share
 * (fetching it leaks the user's NTLM hash). */
static void
lnk_mark_icon(lnk_marks_t *m, const char *icon, bool program)
{
	char *f = lnk_fold(icon);
	size_t fl;

	if (f == NULL)
		return;
	if (strncmp(f, "\\\\", 2) == 0)
		lnk_mark(m, "\\\\UNC icon");
	/* "x.pdf,0" or "x.pdf": compare the end before an icon index. */
	char *comma = strrchr(f, ',');
	if (comma != NULL)
		*comma = '\0';
	fl = strlen(f);
	for (size_t i = 0;
	     program && i < sizeof(lnk_doc_icons) / sizeof(lnk_doc_icons[0]);
	     i++) {
		size_t il = strlen(lnk_doc_icons[i]);
		if (fl >= il && strcmp(f + fl - il, lnk_doc_icons[i]) == 0) {
			lnk_mark(m, "document icon");
			break;
		}
	}
	free(f);
}

/* Fold and scan each target-like string. */
static void
lnk_mark_targets(lnk_marks_t *m, const lnk_info_t *info)
{
	const char *t[] = {info->idlist_path,        info->local_base_path,
	                   info->common_path_suffix, info->relative_path,
	                   info->env_target,         info->net_name};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *f = t[i] ? lnk_fold(t[i]) : NULL;
		if (f == NULL)
			continue;
		lnk_mark_programs(m, f);
		if (i != 5 && strncmp(f, "\\\\", 2) == 0)
			lnk_mark(m, "\\\\UNC target");
		free(f);
	}
	if (info->net_name != NULL && info->net_name[0] != '\0')
		lnk_mark(m, "\\\\UNC target");
}

size_t
lnk_suspicious(const lnk_info_t *info, char *buf, size_t buflen)
{
	lnk_marks_t *m = calloc(1, sizeof(*m));
	size_t n, o = 0;

	if (buf != NULL && buflen > 0)
		buf[0] = '\0';
	if (m == NULL || info == NULL) {
		free(m);
		return 0;
	}
	lnk_mark_targets(m, info);
	if (info->arguments != NULL) {
		char *f = lnk_fold(info->arguments);
		if (f != NULL)
			lnk_mark_arguments(m, info, f);
		free(f);
	}
	bool program = m->n > 0;
	if (info->icon_location != NULL)
		lnk_mark_icon(m, info->icon_location, program);
	if (info->icon_env != NULL)
		lnk_mark_icon(m, info->icon_env, program);
	if (info->trailing > 0)
		lnk_mark(m, "data after the end (%zu bytes)", info->trailing);
	/* A minimised window means nothing alone, much next to the above. */
	if (m->n > 0 && info->show_command == LNK_SHOW_MINNOACTIVE)
		lnk_mark(m, "minimized window");
	for (size_t i = 0; buf != NULL && i < m->n; i++) {
		size_t need = strlen(m->v[i]) + (i ? 2 : 0);
		if (o + need + 1 > buflen)
			break;
		o += (size_t)snprintf(buf + o, buflen - o, "%s%s",
		                      i ? ", " : "", m->v[i]);
	}
	n = m->n;
	free(m);
	return n;
}
