/*
 * test_onenote.c - unit tests for onenote.c: finding the embedded files of
 * OneNote sections.  Table-driven: each case is a list of pieces that a
 * builder here lays out as MS-ONESTORE does (the header, filler,
 * FileDataStoreObjects whose cbLength may lie or whose footer may be
 * missing, MS-FSSHTTPB Object Data BLOBs) and an optional cut, and states
 * the status, the number of files and their lengths.  Every slice that is
 * returned must lie inside the input.  The bytes are inert: 'A' filler.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onenote.h"
#include "testutil.h"

enum piece_kind {
	P_END,
	P_ONE,     /* .one header, MS-ONESTORE format */
	P_TOC,     /* .onetoc2 header */
	P_PACKAGE, /* .one header, FSSHTTPB packaging format */
	P_FILLER,  /* LEN bytes of 0x2a */
	P_FDSO,    /* FileDataStoreObject of LEN bytes */
	P_LIE,     /* the same, cbLength = CLAIM */
	P_NOFOOT,  /* the same without a footer */
	P_BLOB,    /* Object Data BLOB of LEN bytes */
	P_CUT      /* cut the input to LEN bytes */
};

typedef struct piece {
	enum piece_kind kind;
	size_t len;
	uint64_t claim;
} piece_t;

typedef struct tcase {
	const char *name;
	piece_t p[8];
	size_t max;
	emg_status_t want_st;
	size_t want_n;
	size_t want_len[3]; /* lengths of the first files */
	const char *want_why; /* substring of the reason, or NULL */
} tcase_t;

static const uint8_t g_one[16] = {0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8,
                                  0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78,
                                  0xd0, 0x29, 0x96, 0xd3};
static const uint8_t g_toc[16] = {0xa1, 0x2f, 0xff, 0x43, 0xd9, 0xef,
                                  0x76, 0x4c, 0x9e, 0xe2, 0x10, 0xea,
                                  0x57, 0x22, 0x76, 0x5f};
static const uint8_t g_pkg[16] = {0x2f, 0xe9, 0x8d, 0x63, 0xd4, 0xa6,
                                  0xc1, 0x4b, 0x9a, 0x36, 0xb3, 0xfc,
                                  0x25, 0x11, 0xa5, 0xb7};
static const uint8_t g_head[16] = {0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26,
                                   0x11, 0x45, 0xa4, 0xc4, 0x8d, 0x4d,
                                   0x0b, 0x7a, 0x9e, 0xac};
static const uint8_t g_foot[16] = {0x22, 0xa7, 0xfb, 0x71, 0x79, 0x0f,
                                   0x0b, 0x4a, 0xbb, 0x13, 0x89, 0x92,
                                   0x56, 0x42, 0x6b, 0x24};

#define BUF_MAX 65536

typedef struct buf {
	uint8_t d[BUF_MAX];
	size_t n;
} buf_t;

static void
put(buf_t *b, const void *p, size_t len)
{
	ck_assert_uint_le(b->n + len, BUF_MAX);
	memcpy(b->d + b->n, p, len);
	b->n += len;
}

static void
put_fill(buf_t *b, int c, size_t len)
{
	ck_assert_uint_le(b->n + len, BUF_MAX);
	memset(b->d + b->n, c, len);
	b->n += len;
}

static void
put_le(buf_t *b, uint64_t v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		put_fill(b, (int)((v >> (8 * i)) & 0xff), 1);
}

/* The 1024-byte header: guidFileType, then zeros except guidFileFormat. */
static void
put_header(buf_t *b, const uint8_t *ftype, const uint8_t *fmt)
{
	size_t start = b->n;

	put(b, ftype, 16);
	put_fill(b, 0, 32);
	if (fmt != NULL)
		put(b, fmt, 16);
	put_fill(b, 0, 1024 - (b->n - start));
}

static void
put_fdso(buf_t *b, size_t len, uint64_t claim, bool footer)
{
	size_t start = b->n;

	put(b, g_head, 16);
	put_le(b, claim, 8);
	put_fill(b, 0, 12);
	put_fill(b, 'A', len);
	put_fill(b, 0, (8 - (b->n - start) % 8) % 8);
	if (footer)
		put(b, g_foot, 16);
}

/* An Object Data BLOB with a 32-bit header and a 14-bit compact length. */
static void
put_blob(buf_t *b, size_t len)
{
	ck_assert_uint_lt(len, 0x4000);
	put_le(b, 2u | (0x02u << 3) | ((uint32_t)(len + 2) << 17), 4);
	put_le(b, (len << 2) | 2u, 2);
	put_fill(b, 'A', len);
}

static void
build(const piece_t *p, buf_t *b)
{
	b->n = 0;
	for (; p->kind != P_END; p++) {
		switch (p->kind) {
		case P_ONE: put_header(b, g_one, NULL); break;
		case P_TOC: put_header(b, g_toc, NULL); break;
		case P_PACKAGE: put_header(b, g_one, g_pkg); break;
		case P_FILLER: put_fill(b, 0x2a, p->len); break;
		case P_FDSO: put_fdso(b, p->len, p->len, true); break;
		case P_LIE: put_fdso(b, p->len, p->claim, true); break;
		case P_NOFOOT: put_fdso(b, p->len, p->len, false); break;
		case P_BLOB: put_blob(b, p->len); break;
		case P_CUT:
			if (p->len < b->n)
				b->n = p->len;
			break;
		case P_END: break;
		}
	}
}

#define ONE {P_ONE, 0, 0}
#define FDSO(n) {P_FDSO, (n), 0}
#define FILL(n) {P_FILLER, (n), 0}

static const tcase_t cases[] = {
	{"two files", {ONE, FILL(64), FDSO(100), FDSO(2)}, 16, EMG_OK, 2,
	 {100, 2}, NULL},
	{"empty embedded file", {ONE, FDSO(0)}, 16, EMG_OK, 1, {0}, NULL},
	{"no objects", {ONE, FILL(256)}, 16, EMG_OK, 0, {0}, NULL},
	{"header only", {ONE}, 16, EMG_OK, 0, {0}, NULL},
	{"toc holds no files", {{P_TOC, 0, 0}, FDSO(10)}, 16, EMG_OK, 0, {0},
	 NULL},
	{"not a section", {FILL(2000)}, 16, EMG_EPARSE, 0, {0},
	 "no OneNote section header"},
	{"too short for a GUID", {{P_ONE, 0, 0}, {P_CUT, 15, 0}}, 16,
	 EMG_EPARSE, 0, {0}, "no OneNote"},
	{"data cut short", {ONE, FDSO(40), FDSO(100), {P_CUT, 1024 + 96 + 90, 0}},
	 16, EMG_EPARSE, 1, {40}, "claims 100 bytes"},
	{"object header cut", {ONE, FDSO(40), FDSO(100), {P_CUT, 1024 + 96 + 20, 0}},
	 16, EMG_EPARSE, 1, {40}, "truncated"},
	{"length past the end, then a sound object",
	 {ONE, {P_LIE, 8, UINT64_MAX}, FDSO(30)}, 16, EMG_EPARSE, 1, {30},
	 "claims 18446744073709551615"},
	{"length too short", {ONE, {P_LIE, 64, 8}, FDSO(5)}, 16, EMG_EPARSE,
	 2, {8, 5}, "no footer"},
	{"no footer", {ONE, {P_NOFOOT, 20, 0}}, 16, EMG_EPARSE, 1, {20},
	 "no footer"},
	{"max reached", {ONE, FDSO(1), FDSO(2), FDSO(3)}, 2, EMG_ELIMIT, 2,
	 {1, 2}, "more than 2"},
	{"max exactly", {ONE, FDSO(1), FDSO(2)}, 2, EMG_OK, 2, {1, 2}, NULL},
	{"packaging format blobs",
	 {{P_PACKAGE, 0, 0}, FILL(10), {P_BLOB, 300, 0}, FILL(3),
	  {P_BLOB, 7, 0}},
	 16, EMG_OK, 2, {300, 7}, NULL},
	{"packaging blob cut", {{P_PACKAGE, 0, 0}, {P_BLOB, 300, 0},
	  {P_CUT, 1024 + 100, 0}}, 16, EMG_OK, 0, {0}, NULL},
	{"blob ignored outside packaging format", {ONE, {P_BLOB, 30, 0}}, 16,
	 EMG_OK, 0, {0}, NULL},
};

START_TEST(test_onenote_table)
{
	const tcase_t *c = &cases[_i];
	buf_t *b = malloc(sizeof(*b));
	onenote_file_t *f = NULL;
	size_t n = 99;
	char why[160] = "junk";
	emg_status_t st;

	ck_assert_ptr_nonnull(b);
	build(c->p, b);
	st = onenote_embedded(b->d, b->n, c->max, &f, &n, why, sizeof(why));
	ck_assert_msg(st == c->want_st, "%s: status %d, want %d (%s)", c->name,
	              st, c->want_st, why);
	ck_assert_msg(n == c->want_n, "%s: %zu files, want %zu", c->name, n,
	              c->want_n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_le(f[i].offset, b->n);
		ck_assert_uint_le(f[i].len, b->n - f[i].offset);
		if (i < 3)
			ck_assert_msg(f[i].len == c->want_len[i],
			              "%s: file %zu has %zu bytes, want %zu",
			              c->name, i, f[i].len, c->want_len[i]);
	}
	if (c->want_why != NULL)
		ck_assert_msg(strstr(why, c->want_why) != NULL,
		              "%s: reason '%s', want '%s'", c->name, why,
		              c->want_why);
	else
		ck_assert_str_eq(why, "");
	free(f);
	free(b);
}
END_TEST

/* The data of a well-formed file is exactly the bytes put in. */
START_TEST(test_onenote_slice_content)
{
	static const piece_t p[] = {ONE, FILL(5), FDSO(13), {P_END, 0, 0}};
	buf_t *b = malloc(sizeof(*b));
	onenote_file_t *f;
	size_t n;

	ck_assert_ptr_nonnull(b);
	build(p, b);
	ck_assert(onenote_is_section(b->d, b->n));
	ck_assert_int_eq(onenote_embedded(b->d, b->n, 4, &f, &n, NULL, 0),
	                 EMG_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(f[0].offset, 1024 + 5 + 36);
	for (size_t i = 0; i < f[0].len; i++)
		ck_assert_int_eq(b->d[f[0].offset + i], 'A');
	free(f);
	free(b);
}
END_TEST

START_TEST(test_onenote_is_section)
{
	static const uint8_t mz[32] = {'M', 'Z'};

	ck_assert(onenote_is_section(g_one, 16));
	ck_assert(onenote_is_section(g_toc, 16));
	ck_assert(!onenote_is_section(g_one, 15));
	ck_assert(!onenote_is_section(mz, sizeof(mz)));
	ck_assert(!onenote_is_section(NULL, 0));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("onenote");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_onenote_table, 0,
	                    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_onenote_slice_content);
	tcase_add_test(tc, test_onenote_is_section);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
