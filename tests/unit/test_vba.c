/*
 * test_vba.c - unit tests for vba.c: MS-OVBA decompression (the spec's
 * own examples in section 3.2, then damaged containers), the dir stream
 * parser, whole projects in compound files built with tu_cfb_build, the
 * mraptor rule and the indicators (table-driven), and the shared corpus:
 * the Excel file whose VBA storage is not encrypted, PowerPoint's VBA
 * storage inside the "PowerPoint Document" stream, every other compound
 * file without VBA, and libgsf's own module lists for comparison.
 * All sources are inert text; addresses are 192.0.2.x and .invalid.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsf/gsf.h>
#include <zlib.h>

#include "testutil.h"
#include "vba.h"

/* ---- helpers ------------------------------------------------------------ */

/* A growing byte buffer for building dir streams and containers. */
typedef struct tbuf {
	uint8_t d[16384];
	size_t n;
} tbuf_t;

static void
tb_put(tbuf_t *b, const void *p, size_t n)
{
	ck_assert_uint_le(b->n + n, sizeof(b->d));
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void
tb_u16(tbuf_t *b, unsigned v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	tb_put(b, x, 2);
}

static void
tb_u32(tbuf_t *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	                (uint8_t)(v >> 24)};
	tb_put(b, x, 4);
}

/* A dir record: Id, Size, Data. */
static void
tb_rec(tbuf_t *b, unsigned id, const void *data, size_t n)
{
	tb_u16(b, id);
	tb_u32(b, (uint32_t)n);
	if (n > 0)
		tb_put(b, data, n);
}

/* ASCII S as UTF-16LE into U; returns its length in bytes. */
static size_t
utf16(const char *s, uint8_t *u)
{
	size_t n = 0;
	for (; *s != '\0'; s++) {
		u[n++] = (uint8_t)*s;
		u[n++] = 0;
	}
	return n;
}

/* The project information records Office writes before the modules. */
static void
tb_project_info(tbuf_t *b, unsigned codepage, unsigned modules)
{
	uint8_t four[4] = {1, 0, 0, 0},
	        cp[2] = {(uint8_t)codepage, (uint8_t)(codepage >> 8)};
	tb_rec(b, 0x0001, four, 4);           /* SYSKIND */
	tb_rec(b, 0x0002, "\x09\x04\0\0", 4); /* LCID */
	tb_rec(b, 0x0014, "\x09\x04\0\0", 4); /* LCIDINVOKE */
	tb_rec(b, 0x0003, cp, 2);             /* CODEPAGE */
	tb_rec(b, 0x0004, "Project", 7);      /* NAME */
	tb_rec(b, 0x0005, NULL, 0);
	tb_rec(b, 0x0040, NULL, 0);
	/* PROJECTVERSION: "size" 4 and then six bytes. */
	tb_u16(b, 0x0009);
	tb_u32(b, 4);
	tb_u32(b, 0x5a3f2c1b);
	tb_u16(b, 0x0011);
	tb_rec(b, 0x000C, NULL, 0);
	tb_rec(b, 0x003C, NULL, 0);
	uint8_t count[2] = {(uint8_t)modules, 0};
	tb_rec(b, 0x000F, count, 2); /* PROJECTMODULES */
	tb_rec(b, 0x0013, "\xff\xff", 2);
}

/* One module: MODULENAME, NAMEUNICODE, STREAMNAME (+unicode), OFFSET. */
static void
tb_module(tbuf_t *b, const char *name, const char *stream, uint32_t offset)
{
	uint8_t u[128],
	    off[4] = {(uint8_t)offset, (uint8_t)(offset >> 8),
	              (uint8_t)(offset >> 16), (uint8_t)(offset >> 24)};
	tb_rec(b, 0x0019, name, strlen(name));
	tb_rec(b, 0x0047, u, utf16(name, u));
	tb_rec(b, 0x001A, stream, strlen(stream));
	tb_rec(b, 0x0032, u, utf16(stream, u));
	tb_rec(b, 0x0031, off, 4);
	tb_rec(b, 0x0021, NULL, 0);
	tb_rec(b, 0x002B, NULL, 0);
}

/* S (N bytes) as a literal-only CompressedContainer: chunks of at most
 * 3640 bytes, so that bytes plus flag bytes fit the 4095-byte size field.
 * libgsf reads these only while there is a single chunk. */
static void
tb_literal_container(tbuf_t *b, const void *s, size_t n)
{
	const uint8_t *p = s;
	uint8_t sig = 1;
	tb_put(b, &sig, 1);
	while (n > 0) {
		size_t take = n < 3640 ? n : 3640;
		size_t size = take + (take + 7) / 8;
		tb_u16(b, 0xB000u | (unsigned)(size + 2 - 3));
		for (size_t i = 0; i < take; i += 8) {
			uint8_t flag = 0;
			tb_put(b, &flag, 1);
			tb_put(b, p + i, take - i < 8 ? take - i : 8);
		}
		p += take;
		n -= take;
	}
}

static bool
has(const emg_strlist_t *l, const char *s)
{
	return strlist_has_nocase(l, s);
}

/* Any entry of L starting with PREFIX. */
static bool
has_prefix(const emg_strlist_t *l, const char *prefix)
{
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static const char *
joined(const emg_strlist_t *l)
{
	static char buf[2048];
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < l->n && k + 4 < sizeof(buf); i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s[%s]",
		                      i ? " " : "", l->v[i]);
	return buf;
}

/* ---- decompression --------------------------------------------------------
 */

typedef struct dvec {
	const char *name;
	const char *hex;   /* the container */
	const char *plain; /* what it decompresses to */
} dvec_t;

/* MS-OVBA 3.2.1 and 3.2.2, and a run of one byte (copy token with an
 * overlapping source). */
static const dvec_t spec_vectors[] = {
    {"3.2.1 no compression",
     "0119b000616263646566676800696a6b6c6d6e6f7000717273747576 2e",
     "abcdefghijklmnopqrstuv."},
    {"3.2.2 normal compression",
     "012fb000236161616263646582660070616768696a0138086"
     "16b6c00206d6e6f700671027004007273747576107778797a002c",
     "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"},
    {"run of one byte", "0103b00261 0b00", "aaaaaaaaaaaaaaa"},
};

static size_t
unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	for (const char *p = hex; p[0] != '\0' && p[1] != '\0';) {
		if (*p == ' ') {
			p++;
			continue;
		}
		unsigned v;
		ck_assert_int_eq(sscanf(p, "%2x", &v), 1);
		ck_assert_uint_lt(n, max);
		out[n++] = (uint8_t)v;
		p += 2;
	}
	return n;
}

START_TEST(test_decompress_spec)
{
	for (size_t i = 0; i < sizeof(spec_vectors) / sizeof(spec_vectors[0]);
	     i++) {
		const dvec_t *v = &spec_vectors[i];
		uint8_t in[256], *out = NULL;
		size_t n = unhex(v->hex, in, sizeof(in)), outlen = 0;
		emg_status_t st = vba_decompress(in, n, 4096, &out, &outlen);
		ck_assert_msg(st == EMG_OK, "%s: status %d", v->name, st);
		ck_assert_uint_eq(outlen, strlen(v->plain));
		ck_assert_msg(memcmp(out, v->plain, outlen) == 0, "%s: %.*s",
		              v->name, (int)outlen, out);
		ck_assert_int_eq(out[outlen], '\0');
		free(out);
		/* A cap below the size: that many bytes and EMG_ELIMIT. */
		st = vba_decompress(in, n, 10, &out, &outlen);
		ck_assert_int_eq(st, EMG_ELIMIT);
		ck_assert_uint_eq(outlen, 10);
		ck_assert(memcmp(out, v->plain, 10) == 0);
		free(out);
		/* Every truncation: never a crash, a prefix of the text. */
		for (size_t cut = 0; cut < n; cut++) {
			st = vba_decompress(in, cut, 4096, &out, &outlen);
			ck_assert_ptr_nonnull(out);
			ck_assert(st == EMG_OK || st == EMG_EPARSE);
			ck_assert_uint_le(outlen, strlen(v->plain));
			ck_assert(memcmp(out, v->plain, outlen) == 0);
			free(out);
		}
	}
}
END_TEST

typedef struct bad {
	const char *name;
	const char *hex;
	emg_status_t want;
	size_t want_len;
} bad_t;

static const bad_t bad_vectors[] = {
    {"empty", "", EMG_EPARSE, 0},
    {"signature byte 2", "0203b0026145 00", EMG_EPARSE, 0},
    {"only the signature", "01", EMG_OK, 0},
    {"chunk signature 0", "010300026145", EMG_EPARSE, 0},
    {"chunk header cut", "0103", EMG_EPARSE, 0},
    {"chunk past the end", "010fb00261", EMG_EPARSE, 1},
    {"raw chunk not 4096", "01053000616263", EMG_EPARSE, 0},
    {"copy token first in chunk", "0102b0010000", EMG_EPARSE, 0},
    {"copy token cut short", "0102b0026105", EMG_EPARSE, 1},
    {"copy past 4096 in a chunk", "0103b00261ff0f", EMG_EPARSE, 1},
};

START_TEST(test_decompress_bad)
{
	for (size_t i = 0; i < sizeof(bad_vectors) / sizeof(bad_vectors[0]);
	     i++) {
		const bad_t *v = &bad_vectors[i];
		uint8_t in[64], *out = NULL;
		size_t n = unhex(v->hex, in, sizeof(in)), outlen = 99;
		emg_status_t st = vba_decompress(in, n, 4096, &out, &outlen);
		ck_assert_msg(st == v->want, "%s: status %d", v->name, st);
		ck_assert_msg(outlen == v->want_len, "%s: %zu bytes", v->name,
		              outlen);
		ck_assert_ptr_nonnull(out);
		free(out);
	}
	/* A raw chunk of exactly 4096 bytes is fine. */
	static uint8_t raw[4099];
	raw[0] = 1;
	raw[1] = 0xff;
	raw[2] = 0x3f;
	memset(raw + 3, 'x', 4096);
	uint8_t *out = NULL;
	size_t outlen = 0;
	ck_assert_int_eq(vba_decompress(raw, sizeof(raw), 8192, &out, &outlen),
	                 EMG_OK);
	ck_assert_uint_eq(outlen, 4096);
	free(out);
	/* A cap of 0 still returns an empty string. */
	ck_assert_int_eq(vba_decompress(raw, sizeof(raw), 0, &out, &outlen),
	                 EMG_ELIMIT);
	ck_assert_uint_eq(outlen, 0);
	ck_assert_int_eq(out[0], '\0');
	free(out);
}
END_TEST

/* ---- the dir stream -------------------------------------------------------
 */

START_TEST(test_parse_dir)
{
	tbuf_t b = {0};
	vba_dir_t d;
	char why[128];

	tb_project_info(&b, 1252, 2);
	tb_module(&b, "ThisDocument", "ThisDocument", 1234);
	tb_module(&b, "Module1", "Module1Stream", 0);
	tb_rec(&b, 0x0010, NULL, 0);
	ck_assert_int_eq(vba_parse_dir(b.d, b.n, &d, why, sizeof(why)), EMG_OK);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.codepage, 1252);
	ck_assert_uint_eq(d.declared, 2);
	ck_assert_str_eq(d.modules[0].name, "ThisDocument");
	ck_assert_uint_eq(d.modules[0].offset, 1234);
	ck_assert(d.modules[0].has_offset);
	ck_assert_str_eq(d.modules[1].name, "Module1");
	ck_assert_str_eq(d.modules[1].stream, "Module1Stream");
	vba_dir_free(&d);

	/* Cut anywhere: never a crash; cut inside the second module, the
	 * first is kept and the reason is given. */
	for (size_t cut = 0; cut < b.n; cut++) {
		emg_status_t st = vba_parse_dir(b.d, cut, &d, why, sizeof(why));
		ck_assert_int_eq(st, EMG_EPARSE);
		ck_assert(why[0] != '\0');
		ck_assert_uint_le(d.n, 2);
		vba_dir_free(&d);
	}
	ck_assert_int_eq(vba_parse_dir(b.d, b.n - 20, &d, why, sizeof(why)),
	                 EMG_EPARSE);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_str_eq(d.modules[0].name, "ThisDocument");
	vba_dir_free(&d);

	/* A record whose size runs past the end. */
	tbuf_t lie = {0};
	tb_project_info(&lie, 1252, 1);
	tb_u16(&lie, 0x0019);
	tb_u32(&lie, 0x7fffffff);
	ck_assert_int_eq(vba_parse_dir(lie.d, lie.n, &d, why, sizeof(why)),
	                 EMG_EPARSE);
	ck_assert_ptr_nonnull(strstr(why, "0x0019"));
	vba_dir_free(&d);
}
END_TEST

START_TEST(test_parse_dir_names)
{
	tbuf_t b = {0};
	vba_dir_t d;
	char why[128];

	/* CP932 name without a Unicode record: "モジュール1" (module 1). */
	static const char sjis[] = "\x83\x82\x83\x57\x83\x85\x81\x5b\x83\x8b"
	                           "1";
	tb_project_info(&b, 932, 3);
	tb_rec(&b, 0x0019, sjis, strlen(sjis));
	tb_rec(&b, 0x001A, "M1", 2);
	tb_rec(&b, 0x0031, "\0\0\0\0", 4);
	tb_rec(&b, 0x002B, NULL, 0);
	/* Unicode name with an unpaired surrogate and a control byte. */
	static const uint8_t bad16[] = {'A', 0, 0x00, 0xd8, 0x07, 0, 'B', 0};
	tb_rec(&b, 0x0019, "AB", 2);
	tb_rec(&b, 0x0047, bad16, sizeof(bad16));
	tb_rec(&b, 0x002B, NULL, 0);
	/* No name at all: the stream name stands in. */
	tb_rec(&b, 0x0019, NULL, 0);
	tb_rec(&b, 0x001A, "Hidden", 6);
	tb_rec(&b, 0x002B, NULL, 0);
	/* Records after a module terminator belong to no module. */
	tb_rec(&b, 0x0031, "\x05\0\0\0", 4);
	tb_rec(&b, 0x0010, NULL, 0);
	ck_assert_int_eq(vba_parse_dir(b.d, b.n, &d, why, sizeof(why)), EMG_OK);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_str_eq(d.modules[0].name,
	                 "\xe3\x83\xa2\xe3\x82\xb8\xe3\x83\xa5\xe3\x83\xbc"
	                 "\xe3\x83\xab"
	                 "1");
	ck_assert_str_eq(d.modules[1].name, "A\xef\xbf\xbd?B");
	ck_assert_str_eq(d.modules[1].stream, "A\xef\xbf\xbd?B");
	ck_assert_str_eq(d.modules[2].name, "Hidden");
	ck_assert(!d.modules[2].has_offset);
	vba_dir_free(&d);

	/* More modules than VBA_MAX_MODULES: EMG_ELIMIT, the first kept. */
	static tbuf_t many;
	many.n = 0;
	for (unsigned i = 0; i <= VBA_MAX_MODULES && many.n + 16 < 16384; i++)
		tb_rec(&many, 0x0019, "M", 1);
	tb_rec(&many, 0x0010, NULL, 0);
	ck_assert_int_eq(vba_parse_dir(many.d, many.n, &d, why, sizeof(why)),
	                 EMG_ELIMIT);
	ck_assert_uint_eq(d.n, VBA_MAX_MODULES);
	vba_dir_free(&d);
}
END_TEST

/* ---- projects in compound files -------------------------------------------
 */

static const char autoopen_src[] = "Attribute VB_Name = \"Module1\"\r\n"
                                   "Sub AutoOpen()\r\n"
                                   "    Shell \"cmd /c echo test\"\r\n"
                                   "End Sub\r\n";
static const char benign_src[] = "Attribute VB_Name = \"Module2\"\r\n"
                                 "Sub Hello()\r\n"
                                 "    MsgBox \"hello\"\r\n"
                                 "End Sub\r\n";

/* A project under PREFIX ("Macros/", "_VBA_PROJECT_CUR/", ""): Module1
 * with AutoOpen behind 16 bytes of would-be p-code, Module2 benign, and
 * the modules named in EXTRA_DIR (a missing or corrupt one). */
typedef struct proj {
	tbuf_t dir, dirc, m1, m2, bad;
	char paths[5][64];
	tu_cfb_stream_t s[5];
	size_t n;
} proj_t;

static uint8_t *
build_project(proj_t *p, const char *prefix, bool with_bad, size_t *len)
{
	memset(p, 0, sizeof(*p));
	tb_project_info(&p->dir, 1252, with_bad ? 4 : 2);
	tb_module(&p->dir, "Module1", "Module1", 16);
	tb_module(&p->dir, "Module2", "Module2", 0);
	if (with_bad) {
		tb_module(&p->dir, "Missing", "NoSuchStream", 0);
		tb_module(&p->dir, "Broken", "Broken", 0);
	}
	tb_rec(&p->dir, 0x0010, NULL, 0);
	tb_literal_container(&p->dirc, p->dir.d, p->dir.n);
	tb_put(&p->m1, "PCODE-PCODE-PCOD", 16);
	tb_literal_container(&p->m1, autoopen_src, strlen(autoopen_src));
	tb_literal_container(&p->m2, benign_src, strlen(benign_src));
	/* Good first chunk, then a chunk with a bad signature. */
	tb_literal_container(&p->bad, "Sub Broken()\r\n", 14);
	tb_put(&p->bad, "\x00\x00garbage", 9);
	const char *names[] = {"VBA/dir", "VBA/Module1", "VBA/Module2",
	                       "VBA/Broken", "PROJECT"};
	const tbuf_t *data[] = {&p->dirc, &p->m1, &p->m2, &p->bad, NULL};
	for (size_t i = 0; i < 5; i++) {
		if (!with_bad && i == 3)
			continue;
		snprintf(p->paths[p->n], sizeof(p->paths[0]), "%s%s", prefix,
		         names[i]);
		p->s[p->n].path = p->paths[p->n];
		p->s[p->n].data = data[i] != NULL ? (const void *)data[i]->d
		                                  : "Name=\"Project\"\r\n";
		p->s[p->n].len = data[i] != NULL ? data[i]->n : 16;
		p->n++;
	}
	return tu_cfb_build(p->s, p->n, len);
}

/* Scan the compound file BYTES (LEN) with the source cap MAX into R. */
static void
scan_bytes(const uint8_t *bytes, size_t len, size_t max, vba_result_t *r)
{
	ole_file_t *ole = NULL;
	char why[128];
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(ole_open(bytes, len, &ole, why, sizeof(why)), EMG_OK);
	ck_assert_int_eq(vba_scan_ole(ole, max, r), EMG_OK);
	ole_close(ole);
}

START_TEST(test_scan_project)
{
	static const char *const prefixes[] = {"Macros/", "_VBA_PROJECT_CUR/",
	                                       ""};
	static const char *const projects[] = {"Macros/VBA",
	                                       "_VBA_PROJECT_CUR/VBA", "VBA"};
	for (size_t i = 0; i < 3; i++) {
		proj_t p;
		size_t len;
		vba_result_t r;
		uint8_t *cfb = build_project(&p, prefixes[i], false, &len);
		scan_bytes(cfb, len, 1 << 20, &r);
		ck_assert(r.present);
		ck_assert_uint_eq(r.projects.n, 1);
		ck_assert_str_eq(r.projects.v[0], projects[i]);
		ck_assert_msg(r.modules.n == 2, "%s", joined(&r.modules));
		ck_assert_str_eq(r.modules.v[0], "Module1");
		ck_assert_str_eq(r.modules.v[1], "Module2");
		ck_assert_uint_eq(r.source_bytes,
		                  strlen(autoopen_src) + strlen(benign_src));
		ck_assert(has(&r.autoexec, "AutoOpen"));
		ck_assert(has(&r.execute, "Shell"));
		ck_assert(vba_is_autoexec(&r));
		ck_assert_msg(r.problems.n == 0, "%s", joined(&r.problems));
		vba_result_free(&r);
		free(cfb);
	}
}
END_TEST

START_TEST(test_scan_damaged)
{
	proj_t p;
	size_t len;
	vba_result_t r;
	uint8_t *cfb = build_project(&p, "Macros/", true, &len);

	scan_bytes(cfb, len, 1 << 20, &r);
	ck_assert(r.present);
	ck_assert_uint_eq(r.modules.n, 4);
	ck_assert(vba_is_autoexec(&r));
	ck_assert_msg(has_prefix(&r.problems,
	                         "module Missing: stream "
	                         "Macros/VBA/NoSuchStream missing"),
	              "%s", joined(&r.problems));
	ck_assert_msg(has(&r.problems, "module Broken: corrupt compressed "
	                               "source (bad chunk signature)"),
	              "%s", joined(&r.problems));
	vba_result_free(&r);

	/* A small source budget: the limit is a problem, never more. */
	scan_bytes(cfb, len, 40, &r);
	ck_assert(r.present);
	ck_assert_uint_le(r.source_bytes, 40);
	ck_assert_msg(has_prefix(&r.problems, "LimitArchiveBytes reached"),
	              "%s", joined(&r.problems));
	vba_result_free(&r);
	free(cfb);

	/* A dir stream that is no container, and one that is cut. */
	tbuf_t junk = {0};
	tb_put(&junk, "not compressed at all", 21);
	tu_cfb_stream_t s[] = {{"Macros/VBA/dir", junk.d, junk.n}};
	cfb = tu_cfb_build(s, 1, &len);
	scan_bytes(cfb, len, 1 << 20, &r);
	ck_assert(r.present);
	ck_assert_uint_eq(r.modules.n, 0);
	ck_assert_msg(has(&r.problems, "project Macros/VBA: corrupt compressed "
	                               "dir stream (no signature byte)"),
	              "%s", joined(&r.problems));
	vba_result_free(&r);
	free(cfb);

	/* A storage called VBA without dir is no project. */
	tu_cfb_stream_t s2[] = {{"Macros/VBA/_VBA_PROJECT", "\xcc\x61", 2},
	                        {"WordDocument", "\xec\xa5", 2}};
	cfb = tu_cfb_build(s2, 2, &len);
	scan_bytes(cfb, len, 1 << 20, &r);
	ck_assert(!r.present);
	ck_assert_uint_eq(r.problems.n, 0);
	vba_result_free(&r);
	free(cfb);
}
END_TEST

/* ---- the mraptor rule --------------------------------------------------- */

typedef struct rcase {
	const char *src;
	bool rule; /* vba_is_autoexec */
	/* Expected in each list, or NULL: that list stays empty. */
	const char *autoexec;
	const char *write;
	const char *execute;
} rcase_t;

static const rcase_t rule_cases[] = {
    {"Sub AutoOpen()\n  MsgBox \"hi\"\nEnd Sub\n", false, "AutoOpen", NULL,
     NULL},
    {"Sub AutoOpen()\n  Shell \"cmd /c echo test\"\nEnd Sub\n", true,
     "AutoOpen", NULL, "Shell"},
    {"sub autoopen()\n  SHELL \"x\"\nend sub\n", true, "autoopen", NULL,
     "SHELL"},
    {"Sub AutoOpen()\n  ShellFish = MyShell + Shell2\nEnd Sub\n", false,
     "AutoOpen", NULL, NULL},
    {"Sub MyAutoOpenX()\n  Shell \"x\"\nEnd Sub\n", false, NULL, NULL, "Shell"},
    {"Shell \"calc\"\n", false, NULL, NULL, "Shell"},
    {"Private Sub Document_Open()\n"
     "  Set o = CreateObject(\"WScript.Shell\")\nEnd Sub\n",
     true, "Document_Open", NULL, "WScript.Shell"},
    {"Sub Workbook_Open()\n  Open \"c:\\t\\x.txt\" For Output As #1\n"
     "End Sub\n",
     true, "Workbook_Open", "Open ... Output", NULL},
    {"Sub Workbook_Open()\n  Open \"x\" _\n    For Binary As #1\nEnd Sub\n",
     true, "Workbook_Open", "Open ... Binary", NULL},
    {"Sub Workbook_Open()\n  Open \"x\"\n  x = Output\nEnd Sub\n", false,
     "Workbook_Open", NULL, NULL},
    {"Private Declare PtrSafe Function Sleep Lib \"kernel32\" (ByVal n As "
     "Long)\nSub AutoClose()\nEnd Sub\n",
     true, "AutoClose", NULL, "Declare Lib"},
    {"Property Put Name(v)\nEnd Property\nSub Auto_Open()\nEnd Sub\n", false,
     "Auto_Open", NULL, NULL},
    {"Sub Auto_Open()\n  Put #1, , data\nEnd Sub\n", true, "Auto_Open", "Put",
     NULL},
    {"Sub Auto_Open()\n  f.Write \"x\"\n  Dim WriteCount\nEnd Sub\n", true,
     "Auto_Open", ".Write", NULL},
    {"Sub Auto_Open()\n  Write #1, \"x\"\nEnd Sub\n", true, "Auto_Open",
     "Write", NULL},
    {"Sub CommandButton1_Click()\n  Kill \"c:\\x\"\nEnd Sub\n", true,
     "CommandButton1_Click", "Kill", NULL},
    {"Sub _Click()\n  Kill \"c:\\x\"\nEnd Sub\n", false, NULL, "Kill", NULL},
    {"Sub InkPicture1_Painted()\n  Set s = CreateObject(\"ADODB.Stream\")\n"
     "  s.SaveToFile \"x\"\nEnd Sub\n",
     true, "InkPicture1_Painted", "ADODB.Stream", "CreateObject"},
    {"Sub Worksheet_Activate()\n  Application.Run \"x\"\nEnd Sub\n", true,
     "Worksheet_Activate", NULL, "Run"},
    {"Sub AutoOpen()\n  Call Helper\nEnd Sub\n", false, "AutoOpen", NULL, NULL},
    {"Sub AutoOpen()\n  x = CallByName(o, \"m\", VbMethod)\nEnd Sub\n", true,
     "AutoOpen", NULL, "CallByName"},
    {"Sub Auto_Close()\n  Workbooks.Open \"x\" ' Binary\nEnd Sub\n", false,
     "Auto_Close", NULL, NULL},
    {"", false, NULL, NULL, NULL},
};

START_TEST(test_rule)
{
	for (size_t i = 0; i < sizeof(rule_cases) / sizeof(rule_cases[0]);
	     i++) {
		const rcase_t *c = &rule_cases[i];
		vba_result_t r = {0};
		ck_assert_int_eq(vba_analyze_source(c->src, strlen(c->src), &r),
		                 EMG_OK);
		ck_assert_msg(vba_is_autoexec(&r) == c->rule,
		              "case %zu: rule %d (A %s W %s X %s)", i,
		              vba_is_autoexec(&r), joined(&r.autoexec),
		              joined(&r.write), joined(&r.execute));
		const emg_strlist_t *lists[] = {&r.autoexec, &r.write,
		                                &r.execute};
		const char *want[] = {c->autoexec, c->write, c->execute};
		for (int k = 0; k < 3; k++) {
			if (want[k] == NULL)
				ck_assert_msg(lists[k]->n == 0,
				              "case %zu: list %d: %s", i, k,
				              joined(lists[k]));
			else
				ck_assert_msg(has(lists[k], want[k]),
				              "case %zu: no %s in %s", i,
				              want[k], joined(lists[k]));
		}
		vba_result_free(&r);
	}
}
END_TEST

/* Every keyword of the families, one at a time, in odd case. */
START_TEST(test_rule_every_keyword)
{
	static const char *const autoexec[] = {"AutoExec",
	                                       "AutoOpen",
	                                       "Auto_Open",
	                                       "AutoClose",
	                                       "Auto_Close",
	                                       "AutoExit",
	                                       "AutoNew",
	                                       "Document_Open",
	                                       "DocumentOpen",
	                                       "Document_Close",
	                                       "DocumentBeforeClose",
	                                       "Document_BeforeClose",
	                                       "DocumentChange",
	                                       "Document_New",
	                                       "NewDocument",
	                                       "Workbook_Open",
	                                       "Workbook_Activate",
	                                       "Workbook_Close",
	                                       "Workbook_BeforeClose",
	                                       "Sheet1_Activate",
	                                       "Img_Painted",
	                                       "Tx_GotFocus",
	                                       "Tx_LostFocus",
	                                       "Frame1_Click",
	                                       "TabStrip1_Change",
	                                       "Web_BeforeNavigate2",
	                                       "Img_MouseMove",
	                                       "Form_Resize",
	                                       "Ink_Painting",
	                                       "Lbl_MouseHover",
	                                       "F_Layout",
	                                       "W_DocumentComplete",
	                                       "W_DownloadBegin",
	                                       "W_DownloadComplete",
	                                       "W_FileDownload",
	                                       "W_NavigateComplete2",
	                                       "W_NavigateError",
	                                       "W_ProgressChange",
	                                       "W_PropertyChange",
	                                       "W_SetSecureLockIcon",
	                                       "W_StatusTextChange",
	                                       "W_TitleChange",
	                                       "W_MouseEnter",
	                                       "W_MouseLeave",
	                                       "W_OnConnecting",
	                                       "W_BeforeScriptExecute"};
	static const char *const write[] = {"FileCopy",
	                                    "CopyFile",
	                                    "Kill",
	                                    "CreateTextFile",
	                                    "VirtualAlloc",
	                                    "RtlMoveMemory",
	                                    "URLDownloadToFile",
	                                    "URLDownloadToFileA",
	                                    "AltStartupPath",
	                                    "WriteProcessMemory",
	                                    "WriteText",
	                                    "SaveToFile",
	                                    "SaveAs",
	                                    "SaveAsRTF",
	                                    "FileSaveAs",
	                                    "MkDir",
	                                    "RmDir",
	                                    "SaveSetting",
	                                    "SetAttr"};
	static const char *const execute[] = {"Shell",
	                                      "CreateObject",
	                                      "GetObject",
	                                      "SendKeys",
	                                      "Run",
	                                      "MacScript",
	                                      "FollowHyperlink",
	                                      "CreateThread",
	                                      "ShellExecute",
	                                      "ShellExecuteA",
	                                      "ExecuteExcel4Macro",
	                                      "EXEC",
	                                      "REGISTER",
	                                      "SetTimer",
	                                      "CallByName"};
	char src[256];
	vba_result_t r;

	for (size_t i = 0; i < sizeof(autoexec) / sizeof(autoexec[0]); i++) {
		snprintf(src, sizeof(src), "Sub %s()\n Shell \"x\"\nEnd Sub\n",
		         autoexec[i]);
		memset(&r, 0, sizeof(r));
		vba_analyze_source(src, strlen(src), &r);
		ck_assert_msg(has(&r.autoexec, autoexec[i]), "%s", autoexec[i]);
		vba_result_free(&r);
	}
	const char *const *families[] = {write, execute};
	size_t counts[] = {sizeof(write) / sizeof(write[0]),
	                   sizeof(execute) / sizeof(execute[0])};
	for (int f = 0; f < 2; f++) {
		for (size_t i = 0; i < counts[f]; i++) {
			char upper[64];
			size_t k = 0;
			for (; families[f][i][k] != '\0'; k++)
				upper[k] = (char)(families[f][i][k] ^
				                  (k % 2 ? 0x20 : 0));
			upper[k] = '\0';
			snprintf(src, sizeof(src),
			         "Sub AutoOpen()\n x = %s(1)\n", upper);
			memset(&r, 0, sizeof(r));
			vba_analyze_source(src, strlen(src), &r);
			ck_assert_msg(vba_is_autoexec(&r), "%s", upper);
			ck_assert_msg(
			    has(f == 0 ? &r.write : &r.execute, families[f][i]),
			    "%s", families[f][i]);
			vba_result_free(&r);
		}
	}
}
END_TEST

/* ---- indicators --------------------------------------------------------- */

typedef struct icase {
	const char *src;
	const char *want; /* an indicator expected, or NULL: none at all */
} icase_t;

static const icase_t ind_cases[] = {
    {"x = \"http://192.0.2.1/payload.bin\"", "URL http://192.0.2.1"},
    {"x = \"http://192.0.2.1/payload.bin\"", "IP 192.0.2.1"},
    {"x = \"HTTPS://download.example.invalid:8080/a?b\"",
     "URL HTTPS://download.example.invalid"},
    {"x = \"c:\\windows\\system32\\WindowsPowerShell\\v1.0\\powershell.exe\"",
     "powershell"},
    {"x = \"powershell -enc SQBFAFgA\"", "-enc"},
    {"x = \"pwsh -EncodedCommand SQBFAFgA\"", "-enc"},
    {"x = \"pwsh -ec SQBFAFgA\"", "-enc"},
    {"x = a -e + b - enc", NULL},
    {"s = \"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAgAAAAA4fug4AtAnNIbgBTM0hVGhpcyBwcm9ncmFt\"",
     "base64 string"},
    {"s = \"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"
     "mnopqrstuvwxyz\"",
     NULL},
    {"x = StrReverse(\"exe.clac\")", "StrReverse"},
    {"p = Environ$(\"TEMP\")", "Environ"},
    {"v = \"1.2.3.4.5\" & \"256.1.1.1\" & \"0.1.2.3\"", NULL},
    {"Const V = \"1.0\"", NULL},
};

START_TEST(test_indicators)
{
	for (size_t i = 0; i < sizeof(ind_cases) / sizeof(ind_cases[0]); i++) {
		const icase_t *c = &ind_cases[i];
		vba_result_t r = {0};
		ck_assert_int_eq(vba_analyze_source(c->src, strlen(c->src), &r),
		                 EMG_OK);
		if (c->want == NULL)
			ck_assert_msg(r.indicators.n == 0, "case %zu: %s", i,
			              joined(&r.indicators));
		else
			ck_assert_msg(has(&r.indicators, c->want),
			              "case %zu: no %s in %s", i, c->want,
			              joined(&r.indicators));
		vba_result_free(&r);
	}
}
END_TEST

START_TEST(test_indicator_limits)
{
	char src[4096];
	size_t k = 0;
	vba_result_t r = {0};

	/* Five URLs: three named. */
	for (int i = 0; i < 5; i++)
		k += (size_t)snprintf(src + k, sizeof(src) - k,
		                      "u%d = \"http://h%d.example.invalid/\"\n",
		                      i, i);
	vba_analyze_source(src, k, &r);
	size_t urls = 0;
	for (size_t i = 0; i < r.indicators.n; i++)
		urls += strncmp(r.indicators.v[i], "URL ", 4) == 0;
	ck_assert_uint_eq(urls, 3);
	vba_result_free(&r);

	/* 19 Chr() calls are not dense; 20 are. */
	for (int n = 19; n <= 20; n++) {
		k = (size_t)snprintf(src, sizeof(src), "s = ");
		for (int i = 0; i < n; i++)
			k += (size_t)snprintf(src + k, sizeof(src) - k,
			                      "%s(%d) & ",
			                      i % 2 ? "ChrW" : "Chr", 65 + i);
		memset(&r, 0, sizeof(r));
		vba_analyze_source(src, k, &r);
		ck_assert_int_eq(has(&r.indicators, "Chr() obfuscation"),
		                 n == 20);
		vba_result_free(&r);
	}

	/* Every list stays within VBA_MAX_KEYWORDS. */
	k = 0;
	for (int i = 0; i < 40 && k + 64 < sizeof(src); i++)
		k += (size_t)snprintf(
		    src + k, sizeof(src) - k,
		    "Sub B%d_Click()\nx = \"http://192.0.2.%d/\"\n", i, i + 1);
	memset(&r, 0, sizeof(r));
	vba_analyze_source(src, k, &r);
	ck_assert_uint_eq(r.autoexec.n, VBA_MAX_KEYWORDS);
	ck_assert_uint_le(r.indicators.n, VBA_MAX_KEYWORDS);
	vba_result_free(&r);
}
END_TEST

/* ---- the corpus --------------------------------------------------------- */

/* libgsf's module names for the project at PROJECT of OLE, joined. */
static size_t
gsf_module_count(ole_file_t *ole, const char *project, const vba_result_t *r,
                 size_t *agree)
{
	struct _GsfInfile *stg = ole_storage(ole, project);
	size_t n = 0;
	*agree = 0;
	if (stg == NULL)
		return 0;
	GsfInfile *vba = gsf_infile_msvba_new(stg, NULL);
	if (vba != NULL) {
		GHashTable *h =
		    gsf_infile_msvba_get_modules(GSF_INFILE_MSVBA(vba));
		GHashTableIter it;
		gpointer key, val;
		if (h != NULL) {
			g_hash_table_iter_init(&it, h);
			while (g_hash_table_iter_next(&it, &key, &val)) {
				n++;
				*agree += has(&r->modules, key);
			}
		}
		g_object_unref(vba);
	}
	g_object_unref(stg);
	return n;
}

/* Member NAME ("word/vbaProject.bin") of the zip D (N bytes), through
 * libgsf's zip reader: malloc'd into *LEN, or NULL. */
static uint8_t *
zip_member(const uint8_t *d, size_t n, const char *dir, const char *name,
           size_t *len)
{
	GsfInput *in = gsf_input_memory_new(d, (gsf_off_t)n, FALSE);
	GsfInfile *zip = gsf_infile_zip_new(in, NULL);
	uint8_t *out = NULL;
	if (zip != NULL) {
		GsfInput *m = gsf_infile_child_by_vname(zip, dir, name, NULL);
		if (m != NULL) {
			*len = (size_t)gsf_input_size(m);
			out = malloc(*len + 1);
			ck_assert_ptr_nonnull(out);
			ck_assert_ptr_nonnull(gsf_input_read(m, *len, out));
			g_object_unref(m);
		}
		g_object_unref(zip);
	}
	g_object_unref(in);
	return out;
}

/* The module names libgsf finds in the whole file D (N bytes) with
 * gsf_input_find_vba (compound file or OOXML zip) all appear in R, and
 * as many. */
static void
gsf_agrees(const char *what, const uint8_t *d, size_t n, const vba_result_t *r)
{
	GsfInput *in = gsf_input_memory_new(d, (gsf_off_t)n, FALSE);
	GsfInfileMSVBA *vba = gsf_input_find_vba(in, NULL);
	size_t count = 0, agree = 0;
	ck_assert_msg(vba != NULL, "%s: libgsf finds no VBA", what);
	GHashTable *h = gsf_infile_msvba_get_modules(vba);
	GHashTableIter it;
	gpointer key, val;
	if (h != NULL) {
		g_hash_table_iter_init(&it, h);
		while (g_hash_table_iter_next(&it, &key, &val)) {
			count++;
			agree += has(&r->modules, key);
		}
	}
	ck_assert_msg(count == r->modules.n && agree == count,
	              "%s: libgsf %zu modules, %zu agree; ours %s", what, count,
	              agree, joined(&r->modules));
	g_object_unref(vba);
	g_object_unref(in);
}

START_TEST(test_corpus_xls)
{
	size_t len, agree;
	uint8_t *d = tu_corpus_read("oletools/tests/test-data/encrypted/"
	                            "autostart-encrypt-standardpassword.xls",
	                            &len);
	if (d == NULL)
		return;
	ole_file_t *ole = NULL;
	vba_result_t r = {0};
	ck_assert_int_eq(ole_open(d, len, &ole, NULL, 0), EMG_OK);
	ck_assert_int_eq(vba_scan_ole(ole, 1 << 20, &r), EMG_OK);
	ck_assert(r.present);
	ck_assert_str_eq(r.projects.v[0], "_VBA_PROJECT_CUR/VBA");
	ck_assert(has(&r.modules, "Modul1"));
	ck_assert(has(&r.modules, "DieseArbeitsmappe"));
	ck_assert(has(&r.modules, "Tabelle1"));
	ck_assert(has(&r.autoexec, "Auto_Open"));
	/* Its Auto_Open only shows a MsgBox. */
	ck_assert(!vba_is_autoexec(&r));
	ck_assert_uint_eq(r.problems.n, 0);
	size_t n = gsf_module_count(ole, "_VBA_PROJECT_CUR/VBA", &r, &agree);
	ck_assert_uint_eq(n, r.modules.n);
	ck_assert_uint_eq(agree, n);
	gsf_agrees("autostart-encrypt-standardpassword.xls", d, len, &r);
	vba_result_free(&r);
	ole_close(ole);
	free(d);
}
END_TEST

/* Inflate the zlib data Z (N bytes) into OUT (SIZE bytes).  PowerPoint
 * may leave the stream without its end: all SIZE bytes out is enough. */
static bool
ppt_inflate(const uint8_t *z, size_t n, uint8_t *out, size_t size)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return false;
	zs.next_in = (Bytef *)z;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)size;
	int rc = inflate(&zs, Z_SYNC_FLUSH);
	bool ok = (rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR) &&
	          zs.total_out == size;
	inflateEnd(&zs);
	return ok;
}

/* The storages of ExOleObjStg records (type 0x1011) of a PowerPoint
 * Document stream, zlib-inflated, scanned for VBA into R; the number of
 * storages that held a project. */
static size_t
ppt_scan(const uint8_t *doc, size_t n, vba_result_t *r, size_t *gsf_n,
         size_t *gsf_agree)
{
	size_t pos = 0, found = 0;
	*gsf_n = *gsf_agree = 0;
	while (n - pos >= 8) {
		unsigned ver_inst = doc[pos] | doc[pos + 1] << 8;
		unsigned type = doc[pos + 2] | doc[pos + 3] << 8;
		uint32_t rlen = (uint32_t)doc[pos + 4] | doc[pos + 5] << 8 |
		                (uint32_t)doc[pos + 6] << 16 |
		                (uint32_t)doc[pos + 7] << 24;
		if ((ver_inst & 0xf) == 0xf) { /* a container: go in */
			pos += 8;
			continue;
		}
		if (rlen > n - pos - 8)
			break;
		if (type == 0x1011 && (ver_inst >> 4) == 1 && rlen > 4) {
			const uint8_t *z = doc + pos + 12;
			size_t size = (size_t)doc[pos + 8] | doc[pos + 9] << 8 |
			              (size_t)doc[pos + 10] << 16 |
			              (size_t)doc[pos + 11] << 24;
			ck_assert_uint_lt(size, 64u << 20);
			uint8_t *stg = malloc(size + 1);
			ck_assert_ptr_nonnull(stg);
			ole_file_t *ole = NULL;
			if (ppt_inflate(z, rlen - 4, stg, size) &&
			    ole_open(stg, size, &ole, NULL, 0) == EMG_OK) {
				bool had = r->present;
				r->present = false;
				ck_assert_int_eq(vba_scan_ole(ole, 1 << 20, r),
				                 EMG_OK);
				if (r->present) {
					size_t a;
					found++;
					*gsf_n +=
					    gsf_module_count(ole, "VBA", r, &a);
					*gsf_agree += a;
				}
				r->present = r->present || had;
				ole_close(ole);
			}
			free(stg);
		}
		pos += 8 + rlen;
	}
	return found;
}

START_TEST(test_corpus_ppt)
{
	size_t len, doclen, gsf_n, gsf_agree;
	uint8_t *d = tu_corpus_read("oletools/tests/test-data/olevba/"
	                            "sample_with_vba.ppt",
	                            &len);
	if (d == NULL)
		return;
	ole_file_t *ole = NULL;
	uint8_t *doc = NULL;
	vba_result_t r = {0};
	ck_assert_int_eq(ole_open(d, len, &ole, NULL, 0), EMG_OK);
	/* The .ppt itself has no VBA storage: it is inside the stream. */
	ck_assert_int_eq(vba_scan_ole(ole, 1 << 20, &r), EMG_OK);
	ck_assert(!r.present);
	ck_assert_int_eq(
	    ole_read(ole, "PowerPoint Document", 64 << 20, &doc, &doclen),
	    EMG_OK);
	ck_assert_ptr_nonnull(doc);
	ck_assert_uint_eq(ppt_scan(doc, doclen, &r, &gsf_n, &gsf_agree), 1);
	ck_assert(r.present);
	ck_assert_str_eq(r.projects.v[0], "VBA");
	ck_assert_msg(has(&r.autoexec, "Action_Click"), "%s",
	              joined(&r.autoexec));
	ck_assert_uint_eq(gsf_n, r.modules.n);
	ck_assert_uint_eq(gsf_agree, gsf_n);
	vba_result_free(&r);
	free(doc);
	ole_close(ole);
	free(d);
}
END_TEST

START_TEST(test_corpus_docm)
{
	size_t len, binlen;
	uint8_t *d = tu_corpus_read("oletools/tests/test-data/oleform/"
	                            "oleform-PR314.docm",
	                            &len);
	if (d == NULL)
		return;
	uint8_t *bin = zip_member(d, len, "word", "vbaProject.bin", &binlen);
	ck_assert_ptr_nonnull(bin);
	vba_result_t r;
	scan_bytes(bin, binlen, 1 << 20, &r);
	ck_assert(r.present);
	ck_assert_str_eq(r.projects.v[0], "VBA");
	ck_assert(has(&r.modules, "UserFormTEST1"));
	ck_assert(has(&r.modules, "NewMacros"));
	/* ActiveX event handlers, nothing that writes or runs. */
	ck_assert(has(&r.autoexec, "Frame1_Click"));
	ck_assert(!vba_is_autoexec(&r));
	gsf_agrees("oleform-PR314.docm", d, len, &r);
	vba_result_free(&r);
	free(bin);
	free(d);
}
END_TEST

/* Every compound file of the corpus (MANIFEST.tsv) without VBA per
 * oletools/EXPECTED.tsv scans to present = false, and never fails. */
START_TEST(test_corpus_no_vba)
{
	size_t len;
	char *manifest = (char *)tu_corpus_read("MANIFEST.tsv", &len);
	if (manifest == NULL)
		return;
	manifest = realloc(manifest, len + 1);
	manifest[len] = '\0';
	size_t ole_files = 0;
	for (char *line = strtok(manifest, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		char *tab = strchr(line, '\t');
		if (tab == NULL)
			continue;
		*tab = '\0';
		/* The two files whose VBA storage we read directly. */
		bool vba =
		    strstr(line, "autostart-encrypt-standardpassword.xls") &&
		    !strstr(line, ".xlsm") && !strstr(line, ".xlsb");
		size_t n;
		uint8_t *d = tu_corpus_read(line, &n);
		if (d == NULL || !ole_is_cfb(d, n)) {
			free(d);
			continue;
		}
		ole_file_t *ole = NULL;
		if (ole_open(d, n, &ole, NULL, 0) == EMG_OK) {
			vba_result_t r = {0};
			ole_files++;
			ck_assert_int_eq(vba_scan_ole(ole, 1 << 20, &r),
			                 EMG_OK);
			ck_assert_msg(r.present == vba, "%s: present %d", line,
			              r.present);
			vba_result_free(&r);
			ole_close(ole);
		}
		free(d);
	}
	ck_assert_uint_gt(ole_files, 10);
	free(manifest);
}
END_TEST

TESTUTIL_MAIN("vba", test_decompress_spec, test_decompress_bad, test_parse_dir,
              test_parse_dir_names, test_scan_project, test_scan_damaged,
              test_rule, test_rule_every_keyword, test_indicators,
              test_indicator_limits, test_corpus_xls, test_corpus_ppt,
              test_corpus_docm, test_corpus_no_vba)
