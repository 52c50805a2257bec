/*
 * test_unpack.c - unit tests for unpack.c / unpack_zip.c / unpack_la.c.
 *
 * Two kinds of input.  Archives made by the real tools come from
 * tests/gen-archives.sh, run once into a temporary directory (or taken
 * from $EMG_UNPACK_FIXTURES); a case whose file is missing is skipped.
 * Archives the tools cannot make here (unsafe names, ISO, LZH with a
 * CP932 name, bombs, corrupt data) are built in memory with libarchive's
 * writer or by hand.  Timings are printed, never asserted.  With
 * $EMG_CORPUS set to the shared corpus, its archives are checked too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>

#include "unpack.h"

static char fixdir[512];

/* ---- helpers ------------------------------------------------------------ */

typedef struct sinkbuf {
	uint8_t *p;
	size_t n, cap, max; /* keeps at most MAX bytes, counts all in TOTAL */
	uint64_t total;
	int stop_after;     /* stop after this many calls when > 0 */
	int calls;
} sinkbuf_t;

static int test_sink(void *ctx, const uint8_t *buf, size_t n)
{
	sinkbuf_t *s = ctx;

	s->total += n;
	s->calls++;
	if (s->n + n <= s->max) {
		if (s->n + n > s->cap) {
			size_t c = (s->n + n) * 2;
			s->p = realloc(s->p, c);
			ck_assert_ptr_nonnull(s->p);
			s->cap = c;
		}
		memcpy(s->p + s->n, buf, n);
		s->n += n;
	}
	return s->stop_after > 0 && s->calls >= s->stop_after;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	uint8_t *p;

	if (fp == NULL)
		return NULL;
	if (fstat(fileno(fp), &st) != 0 || st.st_size > 64 * 1024 * 1024) {
		fclose(fp);
		return NULL;
	}
	p = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(p);
	*len = fread(p, 1, (size_t)st.st_size, fp);
	fclose(fp);
	return p;
}

static uint8_t *fixture(const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	return slurp(path, len);
}

/* Index of the member called NAME, or -1. */
static long find_member(const unpack_t *u, const char *name)
{
	for (size_t i = 0; i < unpack_count(u); i++)
		if (strcmp(unpack_member(u, i)->name, name) == 0)
			return (long)i;
	return -1;
}

/* Read member NAME with PW; returns the result, content in *OUT. */
static unpack_result_t read_member(unpack_t *u, const char *name,
                                   const char *pw, sinkbuf_t *out)
{
	unpack_result_t res;
	char why[256];
	long i = find_member(u, name);

	ck_assert_msg(i >= 0, "no member %s", name);
	(void)unpack_read(u, (size_t)i, pw, test_sink, out, &res, why,
	                  sizeof(why));
	return res;
}

/* ---- archives made by the tools ------------------------------------------- */

static const struct {
	const char *file;
	const char *mime;
	const char *enc_method; /* method of sub/b.txt */
	bool a_encrypted;
	bool undecryptable;     /* libarchive 3.6 has no 7z AES */
} tool_cases[] = {
	{"plain.zip", "application/zip", "none", false, false},
	{"zipcrypto.zip", "application/zip", "zipcrypto", true, false},
	{"partial.zip", "application/zip", "zipcrypto", false, false},
	{"aes128.zip", "application/zip", "aes128", true, false},
	{"aes256.zip", "application/zip", "aes256", true, false},
	{"plain.7z", "application/x-7z-compressed", "none", false, false},
	{"enc.7z", "application/x-7z-compressed", "7z-aes", true, true},
	{"plain.tar", "application/x-tar", "none", false, false},
	{"plain.tar.gz", "application/gzip", "none", false, false},
	{"plain.tar.bz2", "application/x-bzip2", "none", false, false},
	{"plain.tar.xz", "application/x-xz", "none", false, false},
	{"plain.tar.gz", NULL, "none", false, false}, /* sniffed */
	{"plain.zip", NULL, "none", false, false},   /* sniffed */
	{"plain.iso", "application/x-iso9660-image", "none", false, false},
};

START_TEST(test_tool_archives)
{
	size_t len = 0;
	uint8_t *data = fixture(tool_cases[_i].file, &len);
	unpack_t *u = NULL;
	char why[256];
	sinkbuf_t a = {.max = 1 << 20}, b = {.max = 1 << 20};
	const char *pw = "pw-test";
	bool enc_b = strcmp(tool_cases[_i].enc_method, "none") != 0;
	long ib;

	if (data == NULL) {
		printf("skip %s: not generated\n", tool_cases[_i].file);
		return;
	}
	ck_assert_int_eq(unpack_open(data, len, tool_cases[_i].mime, NULL, &u,
	                             why, sizeof(why)),
	                 EMG_OK);
	ck_assert_msg(find_member(u, "a.txt") >= 0, "%s", tool_cases[_i].file);
	ib = find_member(u, "sub/b.txt");
	ck_assert_int_ge(ib, 0);
	ck_assert_str_eq(unpack_member(u, (size_t)ib)->method,
	                 tool_cases[_i].enc_method);
	ck_assert(unpack_member(u, (size_t)ib)->encrypted == enc_b);
	ck_assert_uint_eq(unpack_member(u, (size_t)ib)->size, 14);
	ck_assert(!unpack_member(u, (size_t)ib)->unsafe_name);
	if (tool_cases[_i].undecryptable) {
		sinkbuf_t none = {.max = 1 << 20};
		ck_assert(!unpack_password_ok(u, (size_t)ib, pw));
		ck_assert_int_eq(read_member(u, "sub/b.txt", pw, &none),
		                 UNPACK_RESULT_UNSUPPORTED);
		free(none.p);
		goto out;
	}
	if (enc_b) {
		sinkbuf_t none = {.max = 1 << 20};
		ck_assert(!unpack_password_ok(u, (size_t)ib, "wrong-test"));
		ck_assert_int_eq(read_member(u, "sub/b.txt", NULL, &none),
		                 UNPACK_RESULT_BAD_PASSWORD);
		ck_assert_int_eq(read_member(u, "sub/b.txt", "wrong-test", &none),
		                 UNPACK_RESULT_BAD_PASSWORD);
		ck_assert(unpack_password_ok(u, (size_t)ib, pw));
		free(none.p);
	}
	/* Out of order on purpose: b, then a (the libarchive reader goes
	 * back and reopens). */
	ck_assert_int_eq(read_member(u, "sub/b.txt", pw, &b), UNPACK_RESULT_OK);
	ck_assert_int_eq(read_member(u, "a.txt", pw, &a), UNPACK_RESULT_OK);
	ck_assert_uint_eq(a.n, 11);
	ck_assert(memcmp(a.p, "hello test\n", 11) == 0);
	ck_assert_uint_eq(b.n, 14);
	ck_assert(memcmp(b.p, "second member\n", 14) == 0);
out:
	unpack_close(u);
	free(a.p);
	free(b.p);
	free(data);
}
END_TEST

START_TEST(test_sjis_zip)
{
	size_t len = 0;
	uint8_t *data = fixture("sjis.zip", &len);
	unpack_t *u = NULL;

	if (data == NULL)
		return;
	ck_assert_int_eq(unpack_open(data, len, "application/zip", NULL, &u,
	                             NULL, 0),
	                 EMG_OK);
	ck_assert_uint_eq(unpack_count(u), 1);
	/* テスト.txt */
	ck_assert_str_eq(unpack_member(u, 0)->name,
	                 "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88.txt");
	unpack_close(u);
	free(data);
}
END_TEST

START_TEST(test_hdrenc_7z)
{
	size_t len = 0;
	uint8_t *data = fixture("hdrenc.7z", &len);
	unpack_t *u = NULL;
	char why[256];

	if (data == NULL)
		return;
	ck_assert_int_eq(unpack_open(data, len, "application/x-7z-compressed",
	                             NULL, &u, why, sizeof(why)),
	                 EMG_OK);
	ck_assert(unpack_headers_encrypted(u));
	ck_assert_uint_eq(unpack_count(u), 0);
	unpack_close(u);
	free(data);
}
END_TEST

START_TEST(test_gz_raw)
{
	size_t len = 0;
	uint8_t *data = fixture("a.txt.gz", &len);
	unpack_t *u = NULL;
	sinkbuf_t a = {.max = 1 << 20};
	unpack_result_t res;

	if (data == NULL)
		return;
	ck_assert_int_eq(unpack_open(data, len, "application/gzip", NULL, &u,
	                             NULL, 0),
	                 EMG_OK);
	ck_assert_uint_eq(unpack_count(u), 1);
	ck_assert_int_eq(unpack_read(u, 0, NULL, test_sink, &a, &res, NULL, 0),
	                 EMG_OK);
	ck_assert_uint_eq(a.n, 11);
	unpack_close(u);
	free(a.p);
	free(data);
}
END_TEST

/* AES-256: ten candidates, nine wrong, as the walker would try them. */
START_TEST(test_aes_candidates_timing)
{
	size_t len = 0;
	uint8_t *data = fixture("aes256.zip", &len);
	unpack_t *u = NULL;
	const char *cands[10] = {"a1", "b2", "c3", "d4", "e5", "f6",
	                         "g7", "h8", "i9", "pw-test"};
	struct timespec t0, t1;
	sinkbuf_t b = {.max = 1 << 20};
	int ok = -1;

	if (data == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(unpack_open(data, len, "application/zip", NULL, &u,
	                             NULL, 0),
	                 EMG_OK);
	for (int k = 0; k < 10; k++)
		if (unpack_password_ok(u, 1, cands[k])) {
			ok = k;
			break;
		}
	ck_assert_int_eq(ok, 9);
	ck_assert_int_eq(unpack_read(u, 1, cands[ok], test_sink, &b,
	                             &(unpack_result_t){0}, NULL, 0),
	                 EMG_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("timing: aes256 zip, 10 candidates + read: %.2f ms\n",
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	unpack_close(u);
	free(b.p);
	free(data);
}
END_TEST

/* ---- archives written in memory ------------------------------------------- */

typedef struct went {
	const char *name;
	const char *text;    /* content, or NULL for ZEROS bytes of zeros */
	uint64_t zeros;
} went_t;

/* An archive of FORMAT ("zip", "iso9660", "tar", "7zip") with OPTS and
 * PASSPHRASE, written with libarchive into a malloc'd buffer. */
static uint8_t *la_write(const char *format, const char *opts,
                         const char *pass, const went_t *e, size_t ne,
                         size_t *len)
{
	struct archive *a = archive_write_new();
	size_t cap = 8u << 20, used = 0;
	uint8_t *buf = malloc(cap);
	static const uint8_t zero[65536];

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(archive_write_set_format_by_name(a, format), ARCHIVE_OK);
	if (opts != NULL)
		ck_assert_int_eq(archive_write_set_options(a, opts), ARCHIVE_OK);
	if (pass != NULL)
		ck_assert_int_eq(archive_write_set_passphrase(a, pass), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used),
	                 ARCHIVE_OK);
	for (size_t i = 0; i < ne; i++) {
		struct archive_entry *en = archive_entry_new();
		uint64_t size = e[i].text ? strlen(e[i].text) : e[i].zeros;
		archive_entry_set_pathname(en, e[i].name);
		archive_entry_set_filetype(en, AE_IFREG);
		archive_entry_set_perm(en, 0644);
		archive_entry_set_size(en, (la_int64_t)size);
		ck_assert_msg(archive_write_header(a, en) == ARCHIVE_OK, "%s",
		              archive_error_string(a));
		if (e[i].text != NULL)
			archive_write_data(a, e[i].text, size);
		for (uint64_t left = e[i].zeros; e[i].text == NULL && left > 0;) {
			size_t k = left > sizeof(zero) ? sizeof(zero) : left;
			archive_write_data(a, zero, k);
			left -= k;
		}
		archive_entry_free(en);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*len = used;
	return buf;
}

START_TEST(test_unsafe_names)
{
	static const went_t e[] = {
		{"../../etc/passwd.invalid", "x", 0},
		{"/abs/path.test", "x", 0},
		{"C:\\Windows\\evil.test", "x", 0},
		{"dir\\..\\up.test", "x", 0},
		{"ok/..name.test", "x", 0},
		{"safe/file.test", "x", 0},
	};
	static const bool want[] = {true, true, true, true, false, false};
	size_t len;
	uint8_t *z = la_write("zip", NULL, NULL, e, 6, &len);
	unpack_t *u = NULL;

	ck_assert_int_eq(unpack_open(z, len, "application/zip", NULL, &u, NULL,
	                             0),
	                 EMG_OK);
	ck_assert_uint_eq(unpack_count(u), 6);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_str_eq(unpack_member(u, i)->name, e[i].name);
		ck_assert_msg(unpack_member(u, i)->unsafe_name == want[i], "%s",
		              e[i].name);
	}
	unpack_close(u);
	free(z);
}
END_TEST

/* libarchive's own ZipCrypto / AES writer, read back by libzip. */
static const struct {
	const char *opts;
	const char *method;
} la_enc_cases[] = {
	{"zip:encryption=zipcrypt", "zipcrypto"},
	{"zip:encryption=aes128", "aes128"},
	{"zip:encryption=aes256", "aes256"},
};

START_TEST(test_la_written_encrypted_zip)
{
	static const went_t e[] = {{"doc.test", "payload text\n", 0}};
	size_t len;
	uint8_t *z = la_write("zip", la_enc_cases[_i].opts, "pw-test", e, 1,
	                      &len);
	unpack_t *u = NULL;
	sinkbuf_t out = {.max = 1 << 20};

	ck_assert_int_eq(unpack_open(z, len, "application/zip", NULL, &u, NULL,
	                             0),
	                 EMG_OK);
	ck_assert(unpack_member(u, 0)->encrypted);
	ck_assert_str_eq(unpack_member(u, 0)->method, la_enc_cases[_i].method);
	ck_assert(!unpack_password_ok(u, 0, "nope-test"));
	ck_assert(unpack_password_ok(u, 0, "pw-test"));
	ck_assert_int_eq(read_member(u, "doc.test", "pw-test", &out),
	                 UNPACK_RESULT_OK);
	ck_assert_uint_eq(out.n, 13);
	unpack_close(u);
	free(out.p);
	free(z);
}
END_TEST

START_TEST(test_iso_written)
{
	static const went_t e[] = {{"readme.txt", "iso member\n", 0},
	                           {"invoice.lnk", "not a real lnk\n", 0}};
	size_t len;
	uint8_t *z = la_write("iso9660", NULL, NULL, e, 2, &len);
	unpack_t *u = NULL;
	sinkbuf_t out = {.max = 1 << 20};

	ck_assert_int_eq(unpack_open(z, len, "application/x-iso9660-image",
	                             NULL, &u, NULL, 0),
	                 EMG_OK);
	ck_assert_int_ge(find_member(u, "invoice.lnk"), 0);
	ck_assert_int_eq(read_member(u, "readme.txt", NULL, &out),
	                 UNPACK_RESULT_OK);
	ck_assert_uint_eq(out.n, 11);
	unpack_close(u);
	free(out.p);
	free(z);
}
END_TEST

/* CRC-16 (ARC), as LHA headers use it. */
static uint16_t crc16(const uint8_t *p, size_t n)
{
	uint16_t c = 0;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xa001) : (uint16_t)(c >> 1);
	}
	return c;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

/* A level-2 -lh0- (stored) LZH with one member, as LHA for Windows
 * writes it: the name in CP932, a header-CRC extended header.  (libarchive
 * 3.6 fails on level-0 headers with non-ASCII names; level 2 is what
 * current archivers write.) */
static uint8_t *make_lzh(const char *name, const char *text, size_t *len)
{
	size_t nl = strlen(name), tl = strlen(text);
	size_t hl = 24 + 5 + (3 + nl) + 2;
	uint8_t *p = calloc(1, hl + tl + 1);
	uint8_t *q;

	ck_assert_ptr_nonnull(p);
	put16(p, (unsigned)hl);
	memcpy(p + 2, "-lh0-", 5);
	put32(p + 7, (uint32_t)tl);
	put32(p + 11, (uint32_t)tl);
	put32(p + 15, 1700000000u);
	p[19] = 0x20;
	p[20] = 2; /* level */
	put16(p + 21, crc16((const uint8_t *)text, tl));
	p[23] = 'M';
	q = p + 24;
	put16(q, 5); /* header CRC, filled below */
	q[2] = 0x00;
	q += 5;
	put16(q, (unsigned)(3 + nl));
	q[2] = 0x01; /* file name */
	memcpy(q + 3, name, nl);
	q += 3 + nl;
	put16(q, 0); /* end of extended headers */
	put16(p + 27, crc16(p, hl));
	memcpy(p + hl, text, tl);
	p[hl + tl] = 0; /* end of archive */
	*len = hl + tl + 1;
	return p;
}

START_TEST(test_lzh_sjis)
{
	size_t len;
	/* 請求書.doc in CP932 */
	uint8_t *z = make_lzh("\x90\xbf\x8b\x81\x8f\x91.doc", "lzh body\n", &len);
	unpack_t *u = NULL;
	char why[256];
	sinkbuf_t out = {.max = 1 << 20};
	unpack_result_t res;

	ck_assert_int_eq(unpack_open(z, len, "application/x-lzh-compressed",
	                             NULL, &u, why, sizeof(why)),
	                 EMG_OK);
	ck_assert_uint_eq(unpack_count(u), 1);
	ck_assert_str_eq(unpack_member(u, 0)->name,
	                 "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.doc");
	ck_assert_int_eq(unpack_read(u, 0, NULL, test_sink, &out, &res, why,
	                             sizeof(why)),
	                 EMG_OK);
	ck_assert_uint_eq(out.n, 9);
	unpack_close(u);
	free(out.p);
	free(z);
}
END_TEST

/* A zero-filled member: limits stop it while streaming, with the head
 * delivered first. */
START_TEST(test_zero_bomb_limits)
{
	static const went_t e[] = {{"padded.doc", NULL, 40u << 20}};
	size_t len;
	uint8_t *z = la_write("zip", NULL, NULL, e, 1, &len);
	unpack_limits_t lim = {.max_bytes = 4u << 20};
	unpack_t *u = NULL;
	sinkbuf_t out = {.max = 0};
	unpack_result_t res;
	char why[256];

	ck_assert_int_eq(unpack_open(z, len, "application/zip", &lim, &u, NULL,
	                             0),
	                 EMG_OK);
	ck_assert_int_eq(unpack_read(u, 0, NULL, test_sink, &out, &res, why,
	                             sizeof(why)),
	                 EMG_ELIMIT);
	ck_assert_int_eq(res, UNPACK_RESULT_LIMIT_BYTES);
	ck_assert_uint_eq(out.total, 4u << 20);
	unpack_close(u);

	lim.max_bytes = 0;
	lim.max_ratio = 100;
	lim.ratio_floor = 1u << 20;
	out.total = 0;
	ck_assert_int_eq(unpack_open(z, len, "application/zip", &lim, &u, NULL,
	                             0),
	                 EMG_OK);
	ck_assert_int_eq(unpack_read(u, 0, NULL, test_sink, &out, &res, why,
	                             sizeof(why)),
	                 EMG_ELIMIT);
	ck_assert_int_eq(res, UNPACK_RESULT_LIMIT_RATIO);
	ck_assert_uint_lt(out.total, 40u << 20);
	unpack_close(u);
	free(z);
}
END_TEST

/* The same through libarchive: a gzip'd tar whose first member is a bomb
 * in front of the member we want. */
START_TEST(test_tgz_bomb_in_front)
{
	static const went_t e[] = {{"zeros.bin", NULL, 6u << 20},
	                           {"target.txt", "after the bomb\n", 0}};
	size_t len;
	uint8_t *z = la_write("gnutar", NULL, NULL, e, 2, &len);
	struct archive *a = archive_write_new();
	size_t glen = 0, cap = 1u << 20;
	uint8_t *gz = malloc(cap);
	unpack_limits_t lim = {.max_bytes = 2u << 20};
	unpack_t *u = NULL;
	char why[256];

	/* Compress the tar ourselves: la_write writes no filter. */
	archive_write_add_filter_gzip(a);
	archive_write_set_format_raw(a);
	ck_assert_int_eq(archive_write_open_memory(a, gz, cap, &glen), ARCHIVE_OK);
	{
		struct archive_entry *en = archive_entry_new();
		archive_entry_set_pathname(en, "data");
		archive_entry_set_filetype(en, AE_IFREG);
		archive_entry_set_size(en, (la_int64_t)len);
		ck_assert_msg(archive_write_header(a, en) == ARCHIVE_OK, "%s",
		              archive_error_string(a));
		archive_write_data(a, z, len);
		archive_entry_free(en);
	}
	archive_write_close(a);
	archive_write_free(a);
	ck_assert_int_eq(unpack_open(gz, glen, "application/gzip", &lim, &u,
	                             why, sizeof(why)),
	                 EMG_OK);
	/* The listing stops at the budget instead of inflating 6 MB. */
	ck_assert(unpack_truncated(u));
	ck_assert_uint_eq(unpack_count(u), 1);
	unpack_close(u);
	lim.max_bytes = 64u << 20;
	ck_assert_int_eq(unpack_open(gz, glen, "application/gzip", &lim, &u,
	                             why, sizeof(why)),
	                 EMG_OK);
	ck_assert_uint_eq(unpack_count(u), 2);
	unpack_close(u);
	free(gz);
	free(z);
}
END_TEST

START_TEST(test_files_limit)
{
	went_t e[50];
	char names[50][16];
	size_t len;
	uint8_t *z;
	unpack_limits_t lim = {.max_files = 20};
	unpack_t *u = NULL;

	for (int i = 0; i < 50; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02u.test", (unsigned)i % 100);
		e[i] = (went_t){names[i], "x", 0};
	}
	z = la_write(_i == 0 ? "zip" : "7zip", NULL, NULL, e, 50, &len);
	ck_assert_int_eq(unpack_open(z, len, NULL, &lim, &u, NULL, 0), EMG_OK);
	ck_assert_uint_eq(unpack_count(u), 20);
	ck_assert(unpack_truncated(u));
	unpack_close(u);
	free(z);
}
END_TEST

START_TEST(test_sink_stops)
{
	static const went_t e[] = {{"big.test", NULL, 1u << 20}};
	size_t len;
	uint8_t *z = la_write(_i == 0 ? "zip" : "7zip", NULL, NULL, e, 1, &len);
	unpack_t *u = NULL;
	sinkbuf_t out = {.max = 0, .stop_after = 2};
	unpack_result_t res;

	ck_assert_int_eq(unpack_open(z, len, NULL, NULL, &u, NULL, 0), EMG_OK);
	ck_assert_int_eq(unpack_read(u, 0, NULL, test_sink, &out, &res, NULL, 0),
	                 EMG_OK);
	ck_assert_int_eq(res, UNPACK_RESULT_STOPPED);
	ck_assert_int_eq(out.calls, 2);
	unpack_close(u);
	free(z);
}
END_TEST

/* ---- corrupt input ------------------------------------------------------------ */

START_TEST(test_corrupt)
{
	static const went_t e[] = {{"a.test", "some text some text\n", 0},
	                           {"b.test", "more text more text\n", 0}};
	size_t len;
	uint8_t *z = la_write(_i % 2 ? "7zip" : "zip", NULL, NULL, e, 2, &len);
	unpack_t *u = NULL;
	char why[256] = "";
	emg_status_t st;
	const char *mime = _i % 2 ? "application/x-7z-compressed"
	                          : "application/zip";

	switch (_i / 2) {
	case 0: /* cut in half */
		len /= 2;
		break;
	case 1: /* garbage in the middle */
		memset(z + len / 3, 0xa5, len / 3);
		break;
	case 2: /* only the magic */
		len = 6;
		break;
	}
	st = unpack_open(z, len, mime, NULL, &u, why, sizeof(why));
	if (st == EMG_OK) {
		/* Whatever listed must read to a decided result. */
		for (size_t i = 0; i < unpack_count(u); i++) {
			sinkbuf_t out = {.max = 0};
			unpack_result_t res;
			st = unpack_read(u, i, NULL, test_sink, &out, &res, why,
			                 sizeof(why));
			ck_assert(st == EMG_OK || st == EMG_EPARSE);
			ck_assert(st == EMG_OK || why[0] != '\0');
		}
		unpack_close(u);
	} else {
		ck_assert_int_eq(st, EMG_EPARSE);
		ck_assert_ptr_null(u);
		ck_assert_msg(why[0] != '\0', "no reason");
	}
	free(z);
}
END_TEST

START_TEST(test_not_archive)
{
	static const char *inputs[] = {"", "PK", "just some text, no archive",
	                               "7z\xbc\xaf\x27\x1c", "PK\x03\x04zzzz"};
	unpack_t *u = NULL;
	char why[256];

	for (size_t i = 0; i < 5; i++) {
		why[0] = '\0';
		ck_assert_int_eq(unpack_open((const uint8_t *)inputs[i],
		                             strlen(inputs[i]), NULL, NULL, &u,
		                             why, sizeof(why)),
		                 EMG_EPARSE);
		ck_assert(why[0] != '\0');
	}
	ck_assert_int_eq(unpack_open(NULL, 0, NULL, NULL, NULL, NULL, 0),
	                 EMG_EINVAL);
}
END_TEST

/* ---- the shared corpus (optional) ------------------------------------------- */

static uint8_t *corpus(const char *rel, size_t *len)
{
	const char *root = getenv("EMG_CORPUS");
	char path[1024];

	if (root == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return slurp(path, len);
}

START_TEST(test_corpus_deco)
{
	size_t len;
	uint8_t *d = corpus("deco-mail-filter/spec/test-1-encrypted.zip", &len);
	unpack_t *u = NULL;
	sinkbuf_t out = {.max = 1 << 20};

	if (d == NULL)
		return;
	ck_assert_int_eq(unpack_open(d, len, "application/zip", NULL, &u, NULL,
	                             0),
	                 EMG_OK);
	ck_assert(!unpack_member(u, (size_t)find_member(u, "test1.txt"))->encrypted);
	ck_assert(unpack_member(u, (size_t)find_member(u, "test2.txt"))->encrypted);
	ck_assert_int_eq(read_member(u, "test1.txt", NULL, &out),
	                 UNPACK_RESULT_OK);
	ck_assert_int_eq(read_member(u, "test2.txt", "password", &out),
	                 UNPACK_RESULT_OK);
	unpack_close(u);
	free(out.p);
	free(d);
}
END_TEST

/* ---- main ---------------------------------------------------------------------- */

/* Fixtures from $EMG_UNPACK_FIXTURES, else from gen-archives.sh run into
 * a fresh temporary directory. */
static void make_fixtures(void)
{
	const char *env = getenv("EMG_UNPACK_FIXTURES");
	const char *srcdir = getenv("top_srcdir"); /* make check sets it */
	const char *tmp = getenv("TMPDIR");
	char cmd[2048];

	if (srcdir == NULL)
		srcdir = getenv("srcdir");

	if (env != NULL) {
		snprintf(fixdir, sizeof(fixdir), "%s", env);
		return;
	}
	snprintf(fixdir, sizeof(fixdir), "%s/emg-unpack-XXXXXX",
	         tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(fixdir) == NULL) {
		fixdir[0] = '\0';
		return;
	}
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/gen-archives.sh' '%s'",
	         srcdir != NULL ? srcdir : ".", fixdir);
	if (system(cmd) != 0)
		printf("gen-archives.sh failed: tool archives skipped\n");
}

static void remove_fixtures(void)
{
	char cmd[1024];

	if (getenv("EMG_UNPACK_FIXTURES") != NULL || fixdir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fixdir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", fixdir);
}

int main(void)
{
	Suite *s = suite_create("unpack");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	make_fixtures();
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_tool_archives, 0,
	                    sizeof(tool_cases) / sizeof(tool_cases[0]));
	tcase_add_test(tc, test_sjis_zip);
	tcase_add_test(tc, test_hdrenc_7z);
	tcase_add_test(tc, test_gz_raw);
	tcase_add_test(tc, test_aes_candidates_timing);
	tcase_add_test(tc, test_unsafe_names);
	tcase_add_loop_test(tc, test_la_written_encrypted_zip, 0, 3);
	tcase_add_test(tc, test_iso_written);
	tcase_add_test(tc, test_lzh_sjis);
	tcase_add_test(tc, test_zero_bomb_limits);
	tcase_add_test(tc, test_tgz_bomb_in_front);
	tcase_add_loop_test(tc, test_files_limit, 0, 2);
	tcase_add_loop_test(tc, test_sink_stops, 0, 2);
	tcase_add_loop_test(tc, test_corrupt, 0, 6);
	tcase_add_test(tc, test_not_archive);
	tcase_add_test(tc, test_corpus_deco);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_fixtures();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
