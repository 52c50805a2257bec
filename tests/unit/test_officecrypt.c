/*
 * test_officecrypt.c - unit tests for officecrypt.c: password checks and
 * decryption of every encrypted sample of the shared corpus with its
 * stated password (clamav ole2_encryption: "password"; oletools
 * *standardpassword*: Excel's VelvetSweatshop), clean failure on the ones
 * whose password nobody states, known-answer vectors for the methods the
 * corpus lacks (agile SHA-512, RC4 CryptoAPI, XOR obfuscation), and
 * damaged or hostile headers.
 *
 * The vectors were made once by a separate Python implementation written
 * from [MS-OFFCRYPTO] on the "cryptography" package (not by this code), so
 * they check the algorithm and not only that decryption undoes itself.
 * Corpus files are read in place (tu_corpus_read); their checks are
 * skipped when the corpus is absent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zip.h>

#include "officecrypt.h"
#include "ole.h"
#include "testutil.h"

#define CLAMAV "clamav/unit_tests/input/other_scanfiles/ole2_encryption/"
#define OLETOOLS "oletools/tests/test-data/"
#define STREAM_MAX (64u << 20)

/* agile SHA-512 AES-256, password "Pässwörd" */
static const char agile512_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<encryp"
    "tion xmlns=\"http://schemas.microsoft.com/office/2006/encryption\""
    " xmlns:p=\"http://schemas.microsoft.com/office/2006/keyEncryptor/"
    "password\"><keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" ha"
    "shSize=\"64\" cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCB"
    "C\" hashAlgorithm=\"SHA512\" saltValue=\"YNoTW/lq5ErT2pGCVgwgpQ==\"/>"
    "<keyEncryptors><keyEncryptor uri=\"http://schemas.microsoft.com/o"
    "ffice/2006/keyEncryptor/password\"><p:encryptedKey spinCount=\"100"
    "000\" saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" ci"
    "pherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorit"
    "hm=\"SHA512\" saltValue=\"HnRrechClevaPGxRM/RviA==\" encryptedVerifi"
    "erHashInput=\"GHoNvHeiLG/9IRFutXpJdA==\" encryptedVerifierHashValu"
    "e=\"idUE5poHtUp4B9o+wM0PrLNn8Sm3ntbw82Uy/eBbd0XemprMiiwkcSeWUEAo8"
    "XgoMjStVOTIX3K65l2IA2xAPQ==\" encryptedKeyValue=\"WMVzAHMO6B2z4sX7"
    "L1P7tNEs1z1+z//yyq7wMpGIHlU=\"/></keyEncryptor></keyEncryptors></"
    "encryption>";

static const uint8_t agile512_pkg[152] = {
    0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0xc4, 0x34, 0x85,
    0x90, 0xbb, 0x0c, 0x82, 0x84, 0x33, 0x4f, 0xdd, 0x5f, 0x28, 0x2c, 0xd5,
    0xfa, 0x3f, 0x3a, 0x3c, 0xbb, 0x95, 0xe8, 0x4c, 0x77, 0x4c, 0x5a, 0x3e,
    0x07, 0xee, 0x58, 0xd1, 0x55, 0xba, 0x64, 0x11, 0xb6, 0x73, 0x34, 0xd8,
    0x63, 0x61, 0xc4, 0x27, 0xb7, 0xd1, 0xff, 0xa7, 0x83, 0x60, 0x8c, 0x4a,
    0x06, 0xf9, 0x82, 0x15, 0x9c, 0x0f, 0x38, 0x3c, 0x57, 0x67, 0x35, 0x10,
    0x47, 0x4f, 0x1b, 0x9f, 0x83, 0xb0, 0x5c, 0x99, 0x5e, 0xe0, 0xdd, 0x95,
    0x0b, 0x92, 0xef, 0x8c, 0x1d, 0xc7, 0xf9, 0x46, 0xb5, 0xe9, 0xff, 0xae,
    0xb6, 0x71, 0xcc, 0xd2, 0x98, 0x95, 0x82, 0x64, 0x8b, 0x90, 0x66, 0x27,
    0x33, 0x3f, 0x68, 0xff, 0x20, 0xe0, 0x21, 0x29, 0x09, 0x54, 0xe7, 0x05,
    0xb8, 0x52, 0xd4, 0x19, 0x80, 0xb7, 0x5f, 0x32, 0x71, 0x20, 0xa5, 0x94,
    0x08, 0x08, 0x4f, 0xa4, 0xfb, 0xa8, 0x27, 0x5b, 0x89, 0x46, 0x31, 0x9b,
    0x1f, 0x8c, 0xda, 0x6e, 0xd7, 0x7c, 0xcb, 0xbc,
};

/* xls RC4 CryptoAPI 128-bit, password "secret": BOF, FILEPASS,
 * BOUNDSHEET "Geheim", 100 bytes 0..99, EOF */
static const uint8_t capi_xls[350] = {
    0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00, 0x67, 0x32, 0xcd, 0x07,
    0xc1, 0x80, 0x01, 0x00, 0x06, 0x06, 0x00, 0x00, 0x2f, 0x00, 0xc8, 0x00,
    0x01, 0x00, 0x04, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x7e, 0x00,
    0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x68,
    0x00, 0x00, 0x04, 0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4d, 0x00,
    0x69, 0x00, 0x63, 0x00, 0x72, 0x00, 0x6f, 0x00, 0x73, 0x00, 0x6f, 0x00,
    0x66, 0x00, 0x74, 0x00, 0x20, 0x00, 0x45, 0x00, 0x6e, 0x00, 0x68, 0x00,
    0x61, 0x00, 0x6e, 0x00, 0x63, 0x00, 0x65, 0x00, 0x64, 0x00, 0x20, 0x00,
    0x43, 0x00, 0x72, 0x00, 0x79, 0x00, 0x70, 0x00, 0x74, 0x00, 0x6f, 0x00,
    0x67, 0x00, 0x72, 0x00, 0x61, 0x00, 0x70, 0x00, 0x68, 0x00, 0x69, 0x00,
    0x63, 0x00, 0x20, 0x00, 0x50, 0x00, 0x72, 0x00, 0x6f, 0x00, 0x76, 0x00,
    0x69, 0x00, 0x64, 0x00, 0x65, 0x00, 0x72, 0x00, 0x20, 0x00, 0x76, 0x00,
    0x31, 0x00, 0x2e, 0x00, 0x30, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
    0xf8, 0x4a, 0x25, 0xa2, 0x48, 0x1b, 0x40, 0x50, 0x6e, 0xc5, 0x04, 0x10,
    0x35, 0x3a, 0x60, 0x9b, 0xb0, 0xaf, 0x01, 0x60, 0xe4, 0xcf, 0x3a, 0x84,
    0xbf, 0xeb, 0x8f, 0xf9, 0xf3, 0x9c, 0xaf, 0x47, 0x14, 0x00, 0x00, 0x00,
    0x72, 0xc4, 0x7e, 0x05, 0x9b, 0xe6, 0x24, 0x38, 0xb7, 0x98, 0xcc, 0x9b,
    0xf4, 0x6d, 0x75, 0x9a, 0x69, 0x00, 0x7e, 0xf3, 0x85, 0x00, 0x0e, 0x00,
    0x34, 0x12, 0x00, 0x00, 0x84, 0xc4, 0xca, 0x31, 0x6b, 0xad, 0x92, 0x7f,
    0xe5, 0x8e, 0xfc, 0x00, 0x64, 0x00, 0x5f, 0x80, 0x77, 0x0e, 0xb0, 0x34,
    0x88, 0x30, 0x3d, 0x10, 0xf9, 0xe5, 0x0c, 0x91, 0xca, 0x8d, 0x78, 0x84,
    0xc9, 0xd5, 0x5d, 0x1a, 0xfa, 0x9c, 0xbf, 0x91, 0xa1, 0x93, 0x09, 0x5e,
    0xa9, 0x27, 0x9c, 0x81, 0x7f, 0x4d, 0x08, 0xc8, 0xec, 0x01, 0x81, 0x4d,
    0x14, 0x76, 0xc9, 0xf9, 0xe6, 0xc9, 0x74, 0x6e, 0x65, 0xf8, 0x57, 0xf1,
    0x7b, 0x30, 0xb6, 0xf1, 0x58, 0x53, 0xa4, 0x9f, 0xa6, 0x30, 0xa6, 0xa7,
    0x15, 0x6d, 0x7f, 0x79, 0xa8, 0xf4, 0xc1, 0x0f, 0x32, 0x48, 0x83, 0xb7,
    0x90, 0x5c, 0xc2, 0x18, 0x3c, 0x26, 0x3b, 0xd6, 0xcc, 0xb9, 0x86, 0x1f,
    0xba, 0x1b, 0xca, 0x25, 0x63, 0x57, 0xf6, 0xac, 0x07, 0x0e, 0x0a, 0x00,
    0x00, 0x00,
};

/* xls XOR obfuscation, VelvetSweatshop: BOF, FILEPASS, BOUNDSHEET
 * "Makro1" (hidden macro sheet), NAME, EOF */
static const uint8_t xor_xls[81] = {
    0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00, 0x67, 0x32, 0xcd, 0x07,
    0xc1, 0x80, 0x01, 0x00, 0x06, 0x06, 0x00, 0x00, 0x2f, 0x00, 0x06, 0x00,
    0x00, 0x00, 0x59, 0xb3, 0x0a, 0x9a, 0x85, 0x00, 0x0e, 0x00, 0x34, 0x12,
    0x00, 0x00, 0x3e, 0xc3, 0xc5, 0x62, 0xb7, 0x45, 0xfb, 0x2e, 0x75, 0x48,
    0x18, 0x00, 0x19, 0x00, 0x6a, 0x94, 0x04, 0xa7, 0x0a, 0x9a, 0xe2, 0x1e,
    0xe3, 0x05, 0x62, 0x1e, 0x69, 0x96, 0x40, 0xb0, 0xc0, 0x1a, 0xe9, 0x6c,
    0x82, 0x94, 0x4e, 0xd3, 0xe3, 0x0a, 0x00, 0x00, 0x00,
};

/* Word RC4 CryptoAPI 40-bit, password "geheim": FIB (encrypted,
 * 1Table), then "Secret invoice text. " x 2 in UTF-16LE */
static const uint8_t capi_word[152] = {
    0xec, 0xa5, 0xc1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0xc6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5c, 0xce, 0xfe, 0xf8,
    0x15, 0x43, 0x36, 0xc8, 0xa7, 0x1e, 0xe0, 0xad, 0xc6, 0xe7, 0x48, 0x13,
    0x44, 0xf4, 0x4f, 0x1a, 0x9a, 0xf8, 0x64, 0x44, 0xb5, 0x8d, 0x28, 0xdc,
    0x71, 0xc3, 0x4e, 0x1d, 0xc0, 0x00, 0x50, 0x03, 0x9c, 0x19, 0xdd, 0xd5,
    0x98, 0x1f, 0x1c, 0x89, 0xbb, 0xfa, 0x7e, 0xd0, 0xf7, 0xbe, 0xf5, 0x2e,
    0xa1, 0x5e, 0xdc, 0xf7, 0x05, 0x84, 0xd6, 0x3d, 0xc9, 0xcd, 0x24, 0xe7,
    0x64, 0xf9, 0x6c, 0xa1, 0xf1, 0xf6, 0xcf, 0x64, 0x5c, 0x80, 0xd7, 0xbf,
    0x89, 0x80, 0xf7, 0x0e, 0xb8, 0x61, 0xa2, 0x4a,
};

/* its 1Table: the encryption header, then "table-data-after-header" */
static const uint8_t capi_table[221] = {
    0x04, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x7e, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x68, 0x00, 0x00,
    0x04, 0x80, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4d, 0x00, 0x69, 0x00,
    0x63, 0x00, 0x72, 0x00, 0x6f, 0x00, 0x73, 0x00, 0x6f, 0x00, 0x66, 0x00,
    0x74, 0x00, 0x20, 0x00, 0x45, 0x00, 0x6e, 0x00, 0x68, 0x00, 0x61, 0x00,
    0x6e, 0x00, 0x63, 0x00, 0x65, 0x00, 0x64, 0x00, 0x20, 0x00, 0x43, 0x00,
    0x72, 0x00, 0x79, 0x00, 0x70, 0x00, 0x74, 0x00, 0x6f, 0x00, 0x67, 0x00,
    0x72, 0x00, 0x61, 0x00, 0x70, 0x00, 0x68, 0x00, 0x69, 0x00, 0x63, 0x00,
    0x20, 0x00, 0x50, 0x00, 0x72, 0x00, 0x6f, 0x00, 0x76, 0x00, 0x69, 0x00,
    0x64, 0x00, 0x65, 0x00, 0x72, 0x00, 0x20, 0x00, 0x76, 0x00, 0x31, 0x00,
    0x2e, 0x00, 0x30, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0xc9, 0x46,
    0xa8, 0xc1, 0xc8, 0x9e, 0x62, 0xd7, 0x6b, 0x7d, 0xd2, 0xc8, 0xd5, 0x62,
    0x2d, 0x26, 0xac, 0x31, 0x8f, 0x2c, 0xd2, 0xaa, 0xe7, 0x74, 0x2f, 0x80,
    0x61, 0x8b, 0xde, 0x50, 0xd4, 0xce, 0x14, 0x00, 0x00, 0x00, 0xf8, 0xc3,
    0xca, 0x82, 0x7d, 0x26, 0x2b, 0x82, 0xc9, 0x2f, 0x31, 0x21, 0x1f, 0x9a,
    0x7d, 0x78, 0x4a, 0x48, 0x7e, 0xa2, 0x8b, 0xe9, 0x09, 0xbb, 0xd7, 0xd2,
    0x49, 0xa4, 0x13, 0x58, 0xa6, 0x11, 0x1c, 0x55, 0xe0, 0x48, 0x9b, 0xfa,
    0x50, 0xf5, 0x03, 0x85, 0xc6,
};

/* ---- helpers ------------------------------------------------------------ */

static double
ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* A corpus compound file and its streams. */
typedef struct sample {
	uint8_t *file;
	size_t len;
	ole_file_t *ole;
} sample_t;

static bool
sample_open(const char *path, sample_t *s)
{
	char why[256] = "";

	s->file = tu_corpus_read(path, &s->len);
	if (s->file == NULL)
		return false;
	ck_assert_msg(ole_open(s->file, s->len, &s->ole, why, sizeof(why)) ==
	                  EMG_OK,
	              "%s: %s", path, why);
	return true;
}

static void
sample_close(sample_t *s)
{
	ole_close(s->ole);
	free(s->file);
}

/* Stream PATH of S (NULL when absent). */
static uint8_t *
sample_stream(sample_t *s, const char *path, size_t *len)
{
	uint8_t *buf = NULL;

	*len = 0;
	ck_assert_int_eq(ole_read(s->ole, path, STREAM_MAX, &buf, len), EMG_OK);
	return buf;
}

/* The payload of the first BIFF record of TYPE in WB, NULL if none. */
static const uint8_t *
biff_find(const uint8_t *wb, size_t len, uint16_t type, size_t *plen)
{
	for (size_t pos = 0; len - pos >= 4;) {
		uint16_t t = (uint16_t)(wb[pos] | wb[pos + 1] << 8);
		size_t size = (size_t)(wb[pos + 2] | wb[pos + 3] << 8);
		if (size > len - pos - 4)
			return NULL;
		if (t == type) {
			*plen = size;
			return wb + pos + 4;
		}
		pos += 4 + size;
	}
	return NULL;
}

/* The first BOUNDSHEET's name (8-bit form) of a decrypted workbook. */
static void
biff_sheet_name(const uint8_t *wb, size_t len, char *name, size_t cap)
{
	size_t n = 0;
	const uint8_t *r = biff_find(wb, len, 0x0085, &n);

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_ge(n, 8);
	size_t cch = r[6];
	ck_assert_uint_eq(r[7] & 1, 0);
	ck_assert_uint_le(8 + cch, n);
	ck_assert_uint_lt(cch, cap);
	memcpy(name, r + 8, cch);
	name[cch] = '\0';
}

/* True when the UTF-16LE form of ASCII TEXT occurs in BUF. */
static bool
has_utf16(const uint8_t *buf, size_t len, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i + 2 * n <= len; i++) {
		size_t k = 0;
		while (k < n && buf[i + 2 * k] == (uint8_t)text[k] &&
		       buf[i + 2 * k + 1] == 0)
			k++;
		if (k == n)
			return true;
	}
	return false;
}

/* PKG is a ZIP package holding [Content_Types].xml (libzip). */
static void
assert_ooxml(const uint8_t *pkg, size_t len)
{
	zip_error_t ze;

	ck_assert_uint_ge(len, 4);
	ck_assert(memcmp(pkg, "PK\3\4", 4) == 0);
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(pkg, len, 0, &ze);
	ck_assert_ptr_nonnull(src);
	zip_t *z = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (z == NULL)
		zip_source_free(src);
	ck_assert_msg(z != NULL, "libzip: %s", zip_error_strerror(&ze));
	ck_assert_int_ge(zip_name_locate(z, "[Content_Types].xml", 0), 0);
	zip_discard(z);
	zip_error_fini(&ze);
}

/* How long the last timed_try took. */
static double last_try_ms;

static bool
timed_try(officecrypt_t *c, const char *password)
{
	bool ok = false;
	double t0 = ms_now();

	ck_assert_int_eq(officecrypt_try(c, password, &ok), EMG_OK);
	last_try_ms = ms_now() - t0;
	return ok;
}

/* Parse whichever encryption header S carries; *WHAT says which. */
enum what { W_PACKAGE, W_BIFF, W_WORD, W_PPT };

static emg_status_t
sample_parse(sample_t *s, enum what *what, officecrypt_t **c, char *why,
             size_t whylen)
{
	size_t a_len, b_len;
	uint8_t *a, *b;
	emg_status_t st;

	if ((a = sample_stream(s, "EncryptionInfo", &a_len)) != NULL) {
		*what = W_PACKAGE;
		st = officecrypt_from_encryption_info(a, a_len, c, why, whylen);
	} else if ((a = sample_stream(s, "Workbook", &a_len)) != NULL) {
		size_t n = 0;
		const uint8_t *fp = biff_find(a, a_len, 0x002F, &n);
		ck_assert_ptr_nonnull(fp);
		*what = W_BIFF;
		st = officecrypt_from_filepass(fp, n, c, why, whylen);
	} else if ((a = sample_stream(s, "WordDocument", &a_len)) != NULL) {
		const char *table = officecrypt_word_table(a, a_len);
		ck_assert_ptr_nonnull(table);
		b = sample_stream(s, table, &b_len);
		*what = W_WORD;
		st = officecrypt_from_word(a, a_len, b, b_len, c, why, whylen);
		free(b);
	} else {
		a = sample_stream(s, "Current User", &a_len);
		b = sample_stream(s, "PowerPoint Document", &b_len);
		ck_assert_ptr_nonnull(a);
		*what = W_PPT;
		st = officecrypt_from_ppt(a, a_len, b, b_len, c, why, whylen);
		free(b);
	}
	free(a);
	return st;
}

/* After a successful try: decrypt and check what S holds. */
static void
sample_check_plain(sample_t *s, enum what what, officecrypt_t *c,
                   const char *expect)
{
	size_t len;
	uint8_t *in, *out = NULL;
	char name[64];

	switch (what) {
	case W_PACKAGE: {
		size_t outlen = 0;
		in = sample_stream(s, "EncryptedPackage", &len);
		ck_assert_int_eq(officecrypt_decrypt_package(
		                     c, in, len, STREAM_MAX, &out, &outlen),
		                 EMG_OK);
		assert_ooxml(out, outlen);
		break;
	}
	case W_BIFF:
		in = sample_stream(s, "Workbook", &len);
		ck_assert_int_eq(officecrypt_decrypt_biff(c, in, len, &out),
		                 EMG_OK);
		biff_sheet_name(out, len, name, sizeof(name));
		ck_assert_str_eq(name, expect);
		/* The FILEPASS is kept in place as record 0xFFFF. */
		ck_assert_ptr_null(biff_find(out, len, 0x002F, &len));
		break;
	case W_WORD:
		in = sample_stream(s, "WordDocument", &len);
		ck_assert_int_eq(
		    officecrypt_decrypt_word_stream(c, in, len, true, &out),
		    EMG_OK);
		ck_assert(has_utf16(out, len, expect));
		ck_assert(memcmp(out, in, 0x0A) == 0);
		ck_assert_uint_eq(out[0x0B] & 0x81, 0);
		break;
	default: ck_abort_msg("no password known for a PowerPoint sample");
	}
	free(in);
	free(out);
}

/* ---- the corpus --------------------------------------------------------- */

static const struct corpus_case {
	const char *path;
	const char *password; /* NULL: nobody states it */
	const char *method;
	const char *expect; /* sheet name (xls), UTF-16 text (doc) */
} corpus_cases[] = {
    {CLAMAV "password.fat.doc", "password", "rc4", "This is a test."},
    {CLAMAV "password.fat.dot", "password", "rc4", "This is a test."},
    {CLAMAV "password.ministream.doc", "password", "rc4", "This is a test."},
    {CLAMAV "password.ministream.dot", "password", "rc4", "This is a test."},
    {CLAMAV "password.fat.xls", "password", "rc4", "Sheet1"},
    {CLAMAV "password.ministream.xls", "password", "rc4", "Sheet1"},
    {CLAMAV "password.fat.docx", "password", "standard-aes128", NULL},
    {CLAMAV "password.fat.xlsx", "password", "standard-aes128", NULL},
    {CLAMAV "password.fat.pptx", "password", "standard-aes128", NULL},
    {CLAMAV "password.fat.ppsx", "password", "standard-aes128", NULL},
    {CLAMAV "password.ministream.docx", "password", "standard-aes128", NULL},
    {CLAMAV "password.ministream.xlsx", "password", "standard-aes128", NULL},
    {CLAMAV "password.ministream.pptx", "password", "standard-aes128", NULL},
    {CLAMAV "password.ministream.ppsx", "password", "standard-aes128", NULL},
    {OLETOOLS "encrypted/autostart-encrypt-standardpassword.xls",
     OFFICECRYPT_EXCEL_DEFAULT, "rc4", "Tabelle1"},
    {OLETOOLS "encrypted/dde-test-encrypt-standardpassword.xls",
     OFFICECRYPT_EXCEL_DEFAULT, "rc4", "Tabelle1"},
    {OLETOOLS "encrypted/autostart-encrypt-standardpassword.xlsb",
     OFFICECRYPT_EXCEL_DEFAULT, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/autostart-encrypt-standardpassword.xlsm",
     OFFICECRYPT_EXCEL_DEFAULT, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/dde-test-encrypt-standardpassword.xlsb",
     OFFICECRYPT_EXCEL_DEFAULT, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/dde-test-encrypt-standardpassword.xlsm",
     OFFICECRYPT_EXCEL_DEFAULT, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/dde-test-encrypt-standardpassword.xlsx",
     OFFICECRYPT_EXCEL_DEFAULT, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/encrypted.doc", NULL, "rc4", NULL},
    {OLETOOLS "encrypted/encrypted.xls", NULL, "rc4", NULL},
    {OLETOOLS "encrypted/encrypted.ppt", NULL, "rc4-cryptoapi", NULL},
    {OLETOOLS "encrypted/encrypted.docx", NULL, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/encrypted.docm", NULL, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/encrypted.xlsx", NULL, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/encrypted.xlsm", NULL, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/encrypted.xlsb", NULL, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/encrypted.pptx", NULL, "agile-aes128-sha1", NULL},
    {OLETOOLS "encrypted/encrypted.pptm", NULL, "agile-aes128-sha1", NULL},
    {OLETOOLS "basic/encrypted.docx", NULL, "agile-aes128-sha1", NULL},
};

/* Candidates a caller would try on a file whose password is unknown. */
static const char *const wrong_passwords[] = {
    "password", OFFICECRYPT_EXCEL_DEFAULT, "", "infected", "Password"};

/* One corpus file: its method, the stated password opens it and shows
 * what it holds, other candidates fail; the time of one try is printed. */
START_TEST(test_corpus)
{
	const struct corpus_case *k = &corpus_cases[_i];
	static const uint8_t zeros[16];
	char why[256] = "";
	officecrypt_t *c = NULL;
	enum what what;
	sample_t s;
	uint8_t *out = NULL;
	size_t outlen = 1;

	if (!sample_open(k->path, &s)) {
		fprintf(stderr, "%s absent: skipped\n", k->path);
		return;
	}
	ck_assert_msg(sample_parse(&s, &what, &c, why, sizeof(why)) == EMG_OK,
	              "%s: %s", k->path, why);
	ck_assert_str_eq(officecrypt_method(c), k->method);
	for (size_t w = 0;
	     w < sizeof(wrong_passwords) / sizeof(wrong_passwords[0]); w++) {
		if (k->password != NULL &&
		    strcmp(wrong_passwords[w], k->password) == 0)
			continue;
		ck_assert_msg(!timed_try(c, wrong_passwords[w]),
		              "%s opened with \"%s\"", k->path,
		              wrong_passwords[w]);
	}
	if (what == W_PACKAGE) {
		/* No key without a successful try. */
		ck_assert_int_eq(officecrypt_decrypt_package(c, zeros, 16, 64,
		                                             &out, &outlen),
		                 EMG_EINVAL);
		ck_assert_ptr_null(out);
	}
	if (k->password != NULL) {
		ck_assert_msg(timed_try(c, k->password), "%s", k->path);
		sample_check_plain(&s, what, c, k->expect);
	}
	fprintf(stderr, "officecrypt_try %-18s %7.2f ms  %s\n",
	        officecrypt_method(c), last_try_ms, strrchr(k->path, '/') + 1);
	officecrypt_free(c);
	sample_close(&s);
}
END_TEST

/* ---- known-answer vectors ----------------------------------------------- */

/* EncryptionInfo: version 4.4, reserved 0x40, then the descriptor XML. */
static uint8_t *
agile_info(const char *xml, size_t *len)
{
	size_t n = strlen(xml);
	uint8_t *info = malloc(8 + n);

	ck_assert_ptr_nonnull(info);
	memcpy(info, "\x04\x00\x04\x00\x40\x00\x00\x00", 8);
	memcpy(info + 8, xml, n);
	*len = 8 + n;
	return info;
}

static officecrypt_t *
agile512(void)
{
	size_t len;
	uint8_t *info = agile_info(agile512_xml, &len);
	officecrypt_t *c = NULL;
	char why[256] = "";

	ck_assert_msg(officecrypt_from_encryption_info(info, len, &c, why,
	                                               sizeof(why)) == EMG_OK,
	              "%s", why);
	free(info);
	return c;
}

START_TEST(test_agile_sha512)
{
	officecrypt_t *c = agile512();
	uint8_t *out = NULL;
	size_t outlen = 0;

	ck_assert_int_eq(officecrypt_kind(c), OFFICECRYPT_AGILE);
	ck_assert_str_eq(officecrypt_method(c), "agile-aes256-sha512");
	ck_assert_uint_eq(officecrypt_spin_count(c), 100000);
	ck_assert(!timed_try(c, "Passwörd"));
	ck_assert(!timed_try(c, "P\xc3\xa4sswo\xcc\x88rd")); /* NFD form */
	ck_assert(timed_try(c, "Pässwörd"));
	fprintf(stderr, "officecrypt_try %-18s %7.2f ms  (100000 spins)\n",
	        officecrypt_method(c), last_try_ms);
	ck_assert_int_eq(officecrypt_decrypt_package(c, agile512_pkg,
	                                             sizeof(agile512_pkg),
	                                             1 << 20, &out, &outlen),
	                 EMG_OK);
	assert_ooxml(out, outlen);
	free(out);
	officecrypt_free(c);
}
END_TEST

/* The FILEPASS payload of a vector workbook (BOF first, then FILEPASS). */
static const uint8_t *
vector_filepass(const uint8_t *wb, size_t len, size_t *plen)
{
	const uint8_t *fp = biff_find(wb, len, 0x002F, plen);

	ck_assert_ptr_nonnull(fp);
	return fp;
}

START_TEST(test_rc4_cryptoapi_xls)
{
	size_t n;
	const uint8_t *fp = vector_filepass(capi_xls, sizeof(capi_xls), &n);
	officecrypt_t *c = NULL;
	uint8_t *out = NULL;
	char why[256] = "", name[64];

	ck_assert_int_eq(officecrypt_from_filepass(fp, n, &c, why, sizeof(why)),
	                 EMG_OK);
	ck_assert_int_eq(officecrypt_kind(c), OFFICECRYPT_RC4_CRYPTOAPI);
	ck_assert_str_eq(officecrypt_method(c), "rc4-cryptoapi");
	ck_assert_int_eq(
	    officecrypt_decrypt_biff(c, capi_xls, sizeof(capi_xls), &out),
	    EMG_EINVAL);
	ck_assert(!timed_try(c, "Secret"));
	ck_assert(timed_try(c, "secret"));
	ck_assert_int_eq(
	    officecrypt_decrypt_biff(c, capi_xls, sizeof(capi_xls), &out),
	    EMG_OK);
	biff_sheet_name(out, sizeof(capi_xls), name, sizeof(name));
	ck_assert_str_eq(name, "Geheim");
	const uint8_t *sheet = biff_find(out, sizeof(capi_xls), 0x0085, &n);
	ck_assert_uint_eq(sheet[0] | sheet[1] << 8, 0x1234); /* lbPlyPos */
	const uint8_t *sst = biff_find(out, sizeof(capi_xls), 0x00FC, &n);
	ck_assert_ptr_nonnull(sst);
	ck_assert_uint_eq(n, 100);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(sst[i], i);
	ck_assert_ptr_nonnull(biff_find(out, sizeof(capi_xls), 0xFFFF, &n));
	free(out);
	officecrypt_free(c);
}
END_TEST

START_TEST(test_xor_xls)
{
	size_t n;
	const uint8_t *fp = vector_filepass(xor_xls, sizeof(xor_xls), &n);
	officecrypt_t *c = NULL;
	uint8_t *out = NULL;
	char why[256] = "", name[64];

	ck_assert_int_eq(officecrypt_from_filepass(fp, n, &c, why, sizeof(why)),
	                 EMG_OK);
	ck_assert_int_eq(officecrypt_kind(c), OFFICECRYPT_XOR);
	ck_assert_str_eq(officecrypt_method(c), "xor");
	/* The verifier of VelvetSweatshop is 0x9A0A ([MS-OFFCRYPTO] 2.3.7.1,
	 * as msoffcrypto-tool documents it). */
	ck_assert_uint_eq(fp[4] | fp[5] << 8, 0x9A0A);
	ck_assert(!timed_try(c, "velvetsweatshop"));
	ck_assert(timed_try(c, OFFICECRYPT_EXCEL_DEFAULT));
	ck_assert_int_eq(
	    officecrypt_decrypt_biff(c, xor_xls, sizeof(xor_xls), &out),
	    EMG_OK);
	biff_sheet_name(out, sizeof(xor_xls), name, sizeof(name));
	ck_assert_str_eq(name, "Makro1");
	const uint8_t *lbl = biff_find(out, sizeof(xor_xls), 0x0018, &n);
	ck_assert_ptr_nonnull(lbl);
	ck_assert(n > 15 && memcmp(lbl + 15, "Auto_Open", 9) == 0);
	free(out);
	/* Word streams are not XOR-decrypted here. */
	ck_assert_int_eq(officecrypt_decrypt_word_stream(
	                     c, xor_xls, sizeof(xor_xls), true, &out),
	                 EMG_EPARSE);
	ck_assert_ptr_null(out);
	officecrypt_free(c);
}
END_TEST

START_TEST(test_rc4_cryptoapi_word)
{
	officecrypt_t *c = NULL;
	uint8_t *out = NULL;
	char why[256] = "";
	static const char tail[] = "table-data-after-header";
	size_t hdr = sizeof(capi_table) - (sizeof(tail) - 1);

	ck_assert_str_eq(officecrypt_word_table(capi_word, sizeof(capi_word)),
	                 "1Table");
	ck_assert_int_eq(officecrypt_from_word(capi_word, sizeof(capi_word),
	                                       capi_table, sizeof(capi_table),
	                                       &c, why, sizeof(why)),
	                 EMG_OK);
	ck_assert_str_eq(officecrypt_method(c), "rc4-cryptoapi");
	ck_assert(!timed_try(c, "Geheim"));
	ck_assert(timed_try(c, "geheim"));
	ck_assert_int_eq(officecrypt_decrypt_word_stream(
	                     c, capi_word, sizeof(capi_word), true, &out),
	                 EMG_OK);
	ck_assert(has_utf16(out, sizeof(capi_word),
	                    "Secret invoice text. "
	                    "Secret invoice text. "));
	ck_assert_uint_eq(out[0x0B] & 0x81, 0); /* fEncrypted, fObfuscated */
	free(out);
	ck_assert_int_eq(officecrypt_decrypt_word_stream(
	                     c, capi_table, sizeof(capi_table), false, &out),
	                 EMG_OK);
	ck_assert(memcmp(out + hdr, tail, sizeof(tail) - 1) == 0);
	free(out);
	officecrypt_free(c);
}
END_TEST

/* A PowerPoint document around the vector's CryptoAPI header: Current
 * User -> UserEditAtom -> PersistDirectoryAtom -> CryptSession10Container.
 * BREAK damages one link: 1 wrong token, 2 no encryptSessionPersistIdRef,
 * 3 id missing and the edit chain a cycle, 4 container type, 5 offset past
 * the end. */
static void
ppt_build(uint8_t *cu, uint8_t *doc, size_t *dlen, int brk)
{
	size_t hdr = sizeof(capi_table) - 23, at = 0;

	memset(cu, 0, 20);
	cu[2] = 0xF6, cu[3] = 0x0F, cu[4] = 0x14;
	memcpy(cu + 12, brk == 1 ? "\x5f\xc0\x91\xe3" : "\xdf\xc4\xd1\xf3", 4);
	/* CryptSession10Container at 0 (persist id 7). */
	doc[at++] = 0x0F, doc[at++] = 0x00;
	doc[at++] = 0x14, doc[at++] = brk == 4 ? 0x2E : 0x2F;
	doc[at++] = (uint8_t)hdr, doc[at++] = (uint8_t)(hdr >> 8);
	doc[at++] = 0, doc[at++] = 0;
	memcpy(doc + at, capi_table, hdr);
	at += hdr;
	/* PersistDirectoryAtom: one entry, id 7, one offset. */
	size_t dir = at;
	memcpy(doc + at, "\x00\x00\x72\x17\x08\x00\x00\x00", 8);
	at += 8;
	uint32_t entry = (brk == 3 ? 8u : 7u) | 1u << 20;
	uint32_t off = brk == 5 ? 0x7FFFFFF0u : 0u;
	for (int i = 0; i < 4; i++) {
		doc[at + i] = (uint8_t)(entry >> 8 * i);
		doc[at + 4 + i] = (uint8_t)(off >> 8 * i);
	}
	at += 8;
	/* UserEditAtom with encryptSessionPersistIdRef 7. */
	size_t edit = at;
	memset(doc + at, 0, 40);
	doc[at + 2] = 0xF5, doc[at + 3] = 0x0F;
	doc[at + 4] = brk == 2 ? 0x1C : 0x20;
	uint32_t last = brk == 3 ? (uint32_t)edit : 0;
	for (int i = 0; i < 4; i++) {
		doc[at + 16 + i] = (uint8_t)(last >> 8 * i);
		doc[at + 20 + i] = (uint8_t)(dir >> 8 * i);
		cu[16 + i] = (uint8_t)(edit >> 8 * i);
	}
	doc[at + 36] = 7;
	*dlen = at + 40;
}

START_TEST(test_ppt)
{
	uint8_t cu[20], doc[512];
	size_t dlen;
	officecrypt_t *c = NULL;
	char why[256] = "";

	ppt_build(cu, doc, &dlen, 0);
	ck_assert_msg(officecrypt_from_ppt(cu, sizeof(cu), doc, dlen, &c, why,
	                                   sizeof(why)) == EMG_OK,
	              "%s", why);
	ck_assert_str_eq(officecrypt_method(c), "rc4-cryptoapi");
	ck_assert(timed_try(c, "geheim"));
	officecrypt_free(c);
	static const char *const whys[] = {NULL,
	                                   "not encrypted",
	                                   "without encryptSessionPersistIdRef",
	                                   "not in the directory",
	                                   "CryptSession10Container",
	                                   "CryptSession10Container"};
	for (int brk = 1; brk <= 5; brk++) {
		ppt_build(cu, doc, &dlen, brk);
		ck_assert_int_eq(officecrypt_from_ppt(cu, sizeof(cu), doc, dlen,
		                                      &c, why, sizeof(why)),
		                 EMG_EPARSE);
		ck_assert_ptr_null(c);
		ck_assert_msg(strstr(why, whys[brk]) != NULL, "%d: %s", brk,
		              why);
	}
	ppt_build(cu, doc, &dlen, 0);
	for (size_t n = 0; n < dlen; n++)
		ck_assert_int_eq(officecrypt_from_ppt(cu, sizeof(cu), doc, n,
		                                      &c, why, sizeof(why)),
		                 EMG_EPARSE);
	for (size_t n = 0; n < sizeof(cu); n++)
		ck_assert_int_eq(officecrypt_from_ppt(cu, n, doc, dlen, &c, why,
		                                      sizeof(why)),
		                 EMG_EPARSE);
}
END_TEST

START_TEST(test_word_headers)
{
	uint8_t fib[68] = {0xEC, 0xA5};
	officecrypt_t *c = NULL;
	char why[256] = "";

	ck_assert_ptr_null(officecrypt_word_table(fib, 11));
	ck_assert_str_eq(officecrypt_word_table(fib, sizeof(fib)), "0Table");
	ck_assert_int_eq(officecrypt_from_word(fib, sizeof(fib), NULL, 0, &c,
	                                       why, sizeof(why)),
	                 EMG_EPARSE);
	ck_assert_str_eq(why, "not encrypted");
	/* XOR obfuscation: lKey = XorKey << 16 | verifier of the password. */
	fib[0x0B] = 0x81;
	memcpy(fib + 0x0E, "\x0a\x9a\x59\xb3", 4);
	ck_assert_int_eq(officecrypt_from_word(fib, sizeof(fib), NULL, 0, &c,
	                                       why, sizeof(why)),
	                 EMG_OK);
	ck_assert_int_eq(officecrypt_kind(c), OFFICECRYPT_XOR);
	ck_assert(!timed_try(c, "password"));
	ck_assert(timed_try(c, OFFICECRYPT_EXCEL_DEFAULT));
	uint8_t *out = NULL;
	ck_assert_int_eq(
	    officecrypt_decrypt_word_stream(c, fib, sizeof(fib), true, &out),
	    EMG_EPARSE);
	ck_assert_int_eq(officecrypt_decrypt_biff(c, fib, sizeof(fib), &out),
	                 EMG_EINVAL);
	officecrypt_free(c);
	/* RC4 without its table stream, or with a table of garbage. */
	fib[0x0B] = 0x03;
	ck_assert_int_eq(officecrypt_from_word(fib, sizeof(fib), NULL, 0, &c,
	                                       why, sizeof(why)),
	                 EMG_EPARSE);
	ck_assert_int_eq(officecrypt_from_word(fib, sizeof(fib), fib, 3, &c,
	                                       why, sizeof(why)),
	                 EMG_EPARSE);
	ck_assert_int_eq(officecrypt_from_word(fib, sizeof(fib), fib,
	                                       sizeof(fib), &c, why,
	                                       sizeof(why)),
	                 EMG_EPARSE);
	ck_assert_int_eq(officecrypt_from_word(fib, 67, capi_table,
	                                       sizeof(capi_table), &c, why,
	                                       sizeof(why)),
	                 EMG_EPARSE);
	fib[0] = 0xDC; /* Word 6/95 */
	ck_assert_int_eq(officecrypt_from_word(fib, sizeof(fib), capi_table,
	                                       sizeof(capi_table), &c, why,
	                                       sizeof(why)),
	                 EMG_EPARSE);
	ck_assert_ptr_null(c);
}
END_TEST

/* ---- damaged and hostile headers ---------------------------------------- */

/* A Standard / CryptoAPI header after EncryptionVersionInfo MAJOR.2:
 * flags, alg, key size; verifier salt size SALT.  Returns its length. */
static size_t
capi_build(uint8_t *b, uint16_t major, uint16_t minor, uint32_t flags,
           uint32_t alg, uint32_t key_bits, uint32_t salt, size_t hash_len)
{
	uint32_t v[] = {flags,    32 + 4, flags, 0, alg, 0x8004,
	                key_bits, 0x18,   0,     0, 0};
	size_t at = 0;

	b[at++] = (uint8_t)major, b[at++] = 0;
	b[at++] = (uint8_t)minor, b[at++] = 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++, at += 4)
		for (int k = 0; k < 4; k++)
			b[at + k] = (uint8_t)(v[i] >> 8 * k);
	b[at] = (uint8_t)salt, memset(b + at + 1, 0, 3);
	memset(b + at + 4, 0xA5, 32);
	at += 36;
	b[at] = 20, memset(b + at + 1, 0, 3);
	memset(b + at + 4, 0x5A, hash_len);
	return at + 4 + hash_len;
}

START_TEST(test_standard_headers)
{
	static const struct {
		uint16_t major, minor;
		uint32_t flags, alg, key_bits, salt;
		emg_status_t st;
		const char *why;
	} cases[] = {
	    {4, 2, 0x24, 0x660E, 128, 16, EMG_OK, NULL},
	    {3, 2, 0x24, 0, 0, 16, EMG_OK, NULL},
	    {2, 2, 0x24, 0x6610, 256, 16, EMG_OK, NULL},
	    {4, 2, 0x24, 0x660E, 256, 16, EMG_EPARSE, "key size"},
	    {4, 2, 0x24, 0x6610, 64, 16, EMG_EPARSE, "key size"},
	    {4, 2, 0x24, 0x6601, 56, 16, EMG_EPARSE, "cipher"},
	    {4, 2, 0x04, 0x6801, 128, 16, EMG_EPARSE, "RC4 CryptoAPI"},
	    {4, 2, 0x20, 0x660E, 128, 16, EMG_EPARSE, "fCryptoAPI"},
	    {4, 2, 0x34, 0x660E, 128, 16, EMG_EPARSE, "extensible"},
	    {4, 3, 0x24, 0x660E, 128, 16, EMG_EPARSE, "extensible"},
	    {3, 3, 0x24, 0x660E, 128, 16, EMG_EPARSE, "extensible"},
	    {1, 1, 0x24, 0x660E, 128, 16, EMG_EPARSE, "unknown"},
	    {4, 2, 0x24, 0x660E, 128, 8, EMG_EPARSE, "salt"},
	};
	uint8_t b[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		officecrypt_t *c = NULL;
		char why[256] = "";
		size_t len = capi_build(b, cases[i].major, cases[i].minor,
		                        cases[i].flags, cases[i].alg,
		                        cases[i].key_bits, cases[i].salt, 32);
		emg_status_t st = officecrypt_from_encryption_info(
		    b, len, &c, why, sizeof(why));
		ck_assert_msg(st == cases[i].st, "case %zu: %d %s", i, st, why);
		if (st != EMG_OK) {
			ck_assert_ptr_null(c);
			ck_assert_msg(strstr(why, cases[i].why) != NULL,
			              "case %zu: %s", i, why);
			continue;
		}
		ck_assert_int_eq(officecrypt_kind(c), OFFICECRYPT_STANDARD);
		ck_assert_uint_eq(officecrypt_spin_count(c), 50000);
		/* Every strict prefix is truncated. */
		for (size_t n = 0; n < len; n++) {
			officecrypt_t *t = NULL;
			ck_assert_int_eq(officecrypt_from_encryption_info(
			                     b, n, &t, why, sizeof(why)),
			                 EMG_EPARSE);
			ck_assert_ptr_null(t);
		}
		officecrypt_free(c);
	}
	/* A header size that runs past the stream. */
	size_t len = capi_build(b, 4, 2, 0x24, 0x660E, 128, 16, 32);
	b[8] = 0xF0, b[9] = 0xFF, b[10] = 0xFF, b[11] = 0xFF;
	officecrypt_t *c = NULL;
	ck_assert_int_eq(officecrypt_from_encryption_info(b, len, &c, NULL, 0),
	                 EMG_EPARSE);
}
END_TEST

START_TEST(test_filepass_headers)
{
	static const struct {
		uint32_t key_bits;
		emg_status_t st;
	} sizes[] = {{40, EMG_OK},      {56, EMG_OK},      {128, EMG_OK},
	             {0, EMG_OK},       {32, EMG_EPARSE},  {44, EMG_EPARSE},
	             {136, EMG_EPARSE}, {4096, EMG_EPARSE}};
	uint8_t b[256];
	officecrypt_t *c = NULL;
	char why[256];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		b[0] = 1, b[1] = 0;
		size_t len = 2 + capi_build(b + 2, 4, 2, 0x04, 0x6801,
		                            sizes[i].key_bits, 16, 20);
		ck_assert_msg(officecrypt_from_filepass(
		                  b, len, &c, why, sizeof(why)) == sizes[i].st,
		              "key bits %u", sizes[i].key_bits);
		if (c != NULL) {
			bool ok = true;
			ck_assert_int_eq(officecrypt_try(c, "x", &ok), EMG_OK);
			ck_assert(!ok);
		}
		officecrypt_free(c);
		c = NULL;
	}
	/* AES in a binary document, unknown types and versions, truncation. */
	b[0] = 1, b[1] = 0;
	size_t len = 2 + capi_build(b + 2, 4, 2, 0x24, 0x660E, 128, 16, 32);
	ck_assert_int_eq(
	    officecrypt_from_filepass(b, len, &c, why, sizeof(why)),
	    EMG_EPARSE);
	static const uint8_t bad[][8] = {
	    {2, 0, 1, 0, 1, 0}, {1, 0, 9, 0, 9, 0}, {1, 0, 1, 0, 1, 0},
	    {3, 0, 1, 2, 3, 0}, {1, 0, 4, 0, 2, 0}, {1, 0, 1, 0, 2, 0}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (size_t n = 0; n <= 6; n++) {
			ck_assert_int_eq(officecrypt_from_filepass(
			                     bad[i], n, &c, why, sizeof(why)),
			                 EMG_EPARSE);
			ck_assert_ptr_null(c);
		}
}
END_TEST

/* AGILE512_XML with the first FROM replaced by TO. */
static uint8_t *
agile_mutant(const char *from, const char *to, size_t *len)
{
	const char *at = strstr(agile512_xml, from);
	ck_assert_ptr_nonnull(at);
	size_t head = (size_t)(at - agile512_xml);
	char *xml = malloc(sizeof(agile512_xml) + strlen(to));
	ck_assert_ptr_nonnull(xml);
	memcpy(xml, agile512_xml, head);
	strcpy(xml + head, to);
	strcat(xml, at + strlen(from));
	uint8_t *info = agile_info(xml, len);
	free(xml);
	return info;
}

START_TEST(test_agile_headers)
{
	static const struct {
		const char *from, *to;
		const char *why; /* NULL: parses */
	} cases[] = {
	    {"spinCount=\"100000\"", "spinCount=\"10000001\"", "spin"},
	    {"spinCount=\"100000\"", "spinCount=\"99999999999\"", "spin"},
	    {"spinCount=\"100000\"", "spinCount=\"-1\"", "spin"},
	    {"spinCount=\"100000\"", "spinCount=\"\"", "spin"},
	    {"spinCount=\"100000\"", "spinCount=\"10000000\"", NULL},
	    {"keyBits=\"256\"", "keyBits=\"64\"", "key size"},
	    {"keyBits=\"256\"", "keyBits=\"512\"", "key size"},
	    {"keyBits=\"256\"", "keyBits=\"128\"", NULL},
	    {"spinCount=\"100000\" saltSize=\"16\" blockSize=\"16\" "
	     "keyBits=\"256\"",
	     "spinCount=\"100000\" saltSize=\"16\" blockSize=\"16\" "
	     "keyBits=\"40\"",
	     "key size"},
	    {"blockSize=\"16\"", "blockSize=\"8\"", "block size"},
	    {"hashAlgorithm=\"SHA512\"", "hashAlgorithm=\"MD5\"", "hash"},
	    {"hashSize=\"64\"", "hashSize=\"20\"", "hash size"},
	    {"cipherAlgorithm=\"AES\"", "cipherAlgorithm=\"DES\"", "cipher"},
	    {"ChainingModeCBC", "ChainingModeCFB", "chaining"},
	    {"saltSize=\"16\"", "saltSize=\"17\"", "salt"},
	    {"encryptedKeyValue=\"", "encryptedKeyValue=\"!!",
	     "encryptedKeyValue"},
	    {"encryptedVerifierHashValue=\"",
	     "encryptedVerifierHashValue=\"AAAA", "encryptedVerifierHashValue"},
	    {"<p:encryptedKey", "<p:certificateKey", "password key encryptor"},
	    {"<keyData", "<keyDatum", "keyData"},
	    {"?>\r\n<encryption",
	     "?>\r\n<!DOCTYPE encryption [<!ENTITY x \"AES\">]><encryption",
	     "DTD"},
	    {"?>\r\n<encryption",
	     "?>\r\n<!DOCTYPE e SYSTEM \"http://192.0.2.1/e.dtd\"><encryption",
	     "DTD"},
	    {"</encryption>", "</encryptio>", "well-formed"},
	    /* The declared encoding is ignored: the descriptor is ASCII. */
	    {"encoding=\"UTF-8\"", "encoding=\"EBCDIC-US\"", NULL},
	    {"cipherAlgorithm=\"AES\"", "cipherAlgorithm=\"A\xc3\x89S\"",
	     "not ASCII"},
	    {"</encryption>", "</encryption>\n\n", NULL},
	};
	officecrypt_t *c = NULL;
	char why[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *info = agile_mutant(cases[i].from, cases[i].to, &len);
		why[0] = '\0';
		emg_status_t st = officecrypt_from_encryption_info(
		    info, len, &c, why, sizeof(why));
		if (cases[i].why == NULL) {
			ck_assert_msg(st == EMG_OK, "case %zu: %s", i, why);
			officecrypt_free(c);
		} else {
			ck_assert_int_eq(st, EMG_EPARSE);
			ck_assert_ptr_null(c);
			ck_assert_msg(strstr(why, cases[i].why) != NULL,
			              "case %zu: %s", i, why);
		}
		free(info);
	}
	/* Every prefix of the descriptor is broken XML; NUL padding after
	 * it is not. */
	size_t len;
	uint8_t *info = agile_info(agile512_xml, &len);
	uint8_t *padded = calloc(1, len + 16);
	memcpy(padded, info, len);
	ck_assert_int_eq(officecrypt_from_encryption_info(padded, len + 16, &c,
	                                                  why, sizeof(why)),
	                 EMG_OK);
	officecrypt_free(c);
	free(padded);
	for (size_t n = 0; n < len; n += n < 16 ? 1 : 7) {
		ck_assert_int_eq(officecrypt_from_encryption_info(
		                     info, n, &c, why, sizeof(why)),
		                 EMG_EPARSE);
		ck_assert_ptr_null(c);
	}
	free(info);
}
END_TEST

START_TEST(test_package_sizes)
{
	officecrypt_t *c = agile512();
	size_t n = sizeof(agile512_pkg), outlen;
	uint8_t *pkg = malloc(n + 5), *out;

	ck_assert(timed_try(c, "Pässwörd"));
	memcpy(pkg, agile512_pkg, n);
	/* Trailing bytes past the last AES block are ignored. */
	memcpy(pkg + n, "odd!!", 5);
	ck_assert_int_eq(
	    officecrypt_decrypt_package(c, pkg, n + 5, 1 << 20, &out, &outlen),
	    EMG_OK);
	ck_assert_uint_eq(outlen, n - 8);
	assert_ooxml(out, outlen);
	free(out);
	/* The stated size is a limit check before anything else. */
	ck_assert_int_eq(
	    officecrypt_decrypt_package(c, pkg, n, n - 9, &out, &outlen),
	    EMG_ELIMIT);
	ck_assert_ptr_null(out);
	static const struct {
		uint64_t stated;
		size_t len;
		emg_status_t st;
	} cases[] = {
	    {0, 8, EMG_OK},
	    {140, 0, EMG_OK},
	    {145, 0, EMG_EPARSE},
	    {150, 0, EMG_EPARSE},
	    {1u << 30, 0, EMG_ELIMIT},
	    {UINT64_MAX, 0, EMG_ELIMIT},
	    {16, 7, EMG_EPARSE},
	    {16, 16 + 8 - 1, EMG_EPARSE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int k = 0; k < 8; k++)
			pkg[k] = (uint8_t)(cases[i].stated >> 8 * k);
		size_t len = cases[i].len != 0 ? cases[i].len : n;
		out = NULL;
		ck_assert_msg(officecrypt_decrypt_package(c, pkg, len, 1 << 20,
		                                          &out, &outlen) ==
		                  cases[i].st,
		              "case %zu", i);
		if (cases[i].st == EMG_OK)
			ck_assert_uint_eq(outlen, cases[i].stated);
		else
			ck_assert_ptr_null(out);
		free(out);
	}
	free(pkg);
	/* RC4 has no package. */
	size_t fl;
	const uint8_t *fp = vector_filepass(capi_xls, sizeof(capi_xls), &fl);
	officecrypt_free(c);
	ck_assert_int_eq(officecrypt_from_filepass(fp, fl, &c, NULL, 0),
	                 EMG_OK);
	ck_assert(timed_try(c, "secret"));
	ck_assert_int_eq(officecrypt_decrypt_package(c, agile512_pkg, n,
	                                             1 << 20, &out, &outlen),
	                 EMG_EINVAL);
	officecrypt_free(c);
}
END_TEST

START_TEST(test_passwords)
{
	static const char *const bad[] = {"\xff",
	                                  "\xc3",
	                                  "se\xc3(cret",
	                                  "\xc0\xaf",
	                                  "\xe0\x80\xaf",
	                                  "\xed\xa0\x80",
	                                  "\xf4\x90\x80\x80",
	                                  "\xf8\x88\x80\x80\x80",
	                                  "secret\x80"};
	size_t n;
	const uint8_t *fp = vector_filepass(capi_xls, sizeof(capi_xls), &n);
	officecrypt_t *c = NULL;
	char longest[4 * 256 + 2];
	bool ok;

	ck_assert_int_eq(officecrypt_from_filepass(fp, n, &c, NULL, 0), EMG_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(officecrypt_try(c, bad[i], &ok), EMG_OK);
		ck_assert_msg(!ok, "%zu", i);
	}
	ck_assert_int_eq(officecrypt_try(c, NULL, &ok), EMG_OK);
	ck_assert(!ok);
	/* 255 UTF-16 units are Office's limit; an emoji takes two. */
	memset(longest, 'a', 255);
	longest[255] = '\0';
	ck_assert_int_eq(officecrypt_try(c, longest, &ok), EMG_OK);
	longest[255] = 'a', longest[256] = '\0';
	ck_assert_int_eq(officecrypt_try(c, longest, &ok), EMG_OK);
	ck_assert(!ok);
	memcpy(longest + 253, "\xf0\x9f\x94\x91", 5);
	ck_assert_int_eq(officecrypt_try(c, longest, &ok), EMG_OK);
	ck_assert(!ok);
	/* A failed try forgets an earlier success. */
	uint8_t *out = NULL;
	ck_assert(timed_try(c, "secret"));
	ck_assert(!timed_try(c, "\xff"));
	ck_assert_int_eq(
	    officecrypt_decrypt_biff(c, capi_xls, sizeof(capi_xls), &out),
	    EMG_EINVAL);
	officecrypt_free(c);
}
END_TEST

/* Garbage into every parser, cheap: a header that parses is tried only
 * when its spin count is small.  Half the inputs start like a real
 * header, so that the checks past the first few bytes run too. */
START_TEST(test_garbage)
{
	static const uint8_t prefixes[][12] = {
	    {4, 0, 4, 0, 0x40, 0, 0, 0, '<', 'e', 'n', 'c'},
	    {4, 0, 2, 0, 0x24, 0, 0, 0, 0x24, 0, 0, 0},
	    {1, 0, 1, 0, 1, 0},
	    {1, 0, 4, 0, 2, 0, 4, 0, 0, 0, 0x24, 0},
	    {0, 0, 0x59, 0xb3, 0x0a, 0x9a},
	    {0xEC, 0xA5, 0xC1, 0, 0, 0, 0, 0, 0, 0, 0, 0x03}};
	uint64_t x = 0x9E3779B97F4A7C15u;
	uint8_t buf[700], table[300];

	for (int iter = 0; iter < 4000; iter++) {
		size_t len = (size_t)(x % sizeof(buf)), tlen;
		for (size_t i = 0; i < sizeof(buf); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		for (size_t i = 0; i < sizeof(table); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			table[i] = (uint8_t)(x >> 8);
		}
		if (iter % 2 == 0)
			memcpy(buf, prefixes[iter / 2 % 6], 12);
		tlen = (size_t)(x >> 20) % sizeof(table);
		officecrypt_t *c[4] = {NULL};
		char why[128];
		officecrypt_from_encryption_info(buf, len, &c[0], why,
		                                 sizeof(why));
		officecrypt_from_filepass(buf, len, &c[1], why, sizeof(why));
		officecrypt_from_word(buf, len, table, tlen, &c[2], why,
		                      sizeof(why));
		officecrypt_from_ppt(table, tlen, buf, len, &c[3], why,
		                     sizeof(why));
		for (int k = 0; k < 4; k++) {
			bool ok;
			uint8_t *out = NULL;
			if (c[k] == NULL || officecrypt_spin_count(c[k]) > 1000)
				goto next;
			ck_assert_int_eq(officecrypt_try(c[k], "password", &ok),
			                 EMG_OK);
			if (ok && officecrypt_decrypt_biff(c[k], buf, len,
			                                   &out) == EMG_OK)
				free(out);
		next:
			officecrypt_free(c[k]);
		}
	}
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int
main(void)
{
	Suite *s = suite_create("officecrypt");
	TCase *tc = tcase_create("core");

	/* Key derivation is real work, slower under sanitizers and load. */
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_corpus, 0, N(corpus_cases));
	tcase_add_test(tc, test_agile_sha512);
	tcase_add_test(tc, test_rc4_cryptoapi_xls);
	tcase_add_test(tc, test_xor_xls);
	tcase_add_test(tc, test_rc4_cryptoapi_word);
	tcase_add_test(tc, test_ppt);
	tcase_add_test(tc, test_word_headers);
	tcase_add_test(tc, test_standard_headers);
	tcase_add_test(tc, test_filepass_headers);
	tcase_add_test(tc, test_agile_headers);
	tcase_add_test(tc, test_package_sizes);
	tcase_add_test(tc, test_passwords);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
