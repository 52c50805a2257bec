/*
 * fuzz_ole.c - libFuzzer target: the compound-file path as a whole, as the
 * attachment walker drives it.
 *
 * Each input is one would-be OLE2 file, copied to an exact-size buffer
 * first (a read one byte past the end must fault).  If ole_open takes it:
 * ole_walk; oleobj_extract with a small and a large cap; vba_scan_ole; the
 * "Workbook" stream through xls_scan_biff; "EncryptionInfo" through
 * officecrypt_from_encryption_info and, when it parses, one officecrypt_try
 * with Excel's built-in password; and the "PowerPoint Document" stream
 * through oleobj_ppt_storages, each storage opened and extracted in turn.
 * Every result is checked against its limits and read whole, so a bad
 * length shows up under ASan; a violated invariant aborts.  Built with
 * -fsanitize=fuzzer as tests/fuzz/fuzz_ole, and with fuzz_main.c as
 * tests/fuzz/fuzz_ole_replay for make check.  The seeds in
 * tests/fuzz/corpus/ole are small compound files (tu_cfb_build) and damaged
 * ones (test_oleobj with OLEOBJ_SEED_DIR set).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ole.h"
#include "officecrypt.h"
#include "oleobj.h"
#include "vba.h"
#include "xls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Streams read whole here: a fuzz input is small, anything larger is
 * a lying size. */
#define FUZZ_STREAM_MAX (8u << 20)
/* Agile spin counts above Office's own are officecrypt's to refuse or
 * bear; here they would only slow the fuzzer down. */
#define FUZZ_SPIN_MAX 100000u

static unsigned fuzz_sum;

/* Read S (LEN bytes) whole, so that a slice past its end faults. */
static void
fuzz_touch(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fuzz_sum += s[i];
}

static void
fuzz_touch_str(const char *s)
{
	if (s == NULL)
		abort();
	fuzz_touch((const uint8_t *)s, strlen(s));
}

static int
fuzz_visit(void *ctx, const char *path, uint64_t size, bool storage)
{
	(void)ctx;
	(void)storage;
	fuzz_touch_str(path);
	if (strlen(path) >= OLE_PATH_MAX || size > ((uint64_t)1 << 32))
		abort();
	return 0;
}

/* The files of L within MAX_FILES and MAX_BYTES, every byte read. */
static void
fuzz_check_list(const oleobj_list_t *l, size_t max_files, size_t max_bytes)
{
	size_t bytes = 0;

	if (l->n > max_files || l->n > l->cap)
		abort();
	for (size_t i = 0; i < l->n; i++) {
		fuzz_touch_str(l->v[i].name);
		fuzz_touch_str(l->v[i].source);
		if (l->v[i].len > 0 && l->v[i].data == NULL)
			abort();
		fuzz_touch(l->v[i].data, l->v[i].len);
		bytes += l->v[i].len;
	}
	if (bytes > max_bytes)
		abort();
	for (size_t i = 0; i < l->problems.n; i++)
		fuzz_touch_str(l->problems.v[i]);
}

static void
fuzz_extract(ole_file_t *ole, size_t max_files, size_t max_bytes)
{
	oleobj_list_t l = {0};
	emg_status_t st = oleobj_extract(ole, max_files, max_bytes, &l);

	if (st != EMG_OK && st != EMG_ENOMEM)
		abort();
	fuzz_check_list(&l, max_files, max_bytes);
	oleobj_list_free(&l);
}

/* Stream PATH of OLE (malloc'd), or NULL. */
static uint8_t *
fuzz_read(ole_file_t *ole, const char *path, size_t *len)
{
	uint8_t *b = NULL;
	emg_status_t st = ole_read(ole, path, FUZZ_STREAM_MAX, &b, len);

	if (st != EMG_OK && st != EMG_EPARSE && st != EMG_ELIMIT &&
	    st != EMG_ENOMEM)
		abort();
	if (b == NULL && *len != 0)
		abort();
	return b;
}

static void
fuzz_vba(ole_file_t *ole)
{
	vba_result_t r;

	memset(&r, 0, sizeof(r));
	if (vba_scan_ole(ole, 1u << 20, &r) == EMG_OK &&
	    r.source_bytes > (1u << 20))
		abort();
	for (size_t i = 0; i < r.modules.n; i++)
		fuzz_touch_str(r.modules.v[i]);
	vba_result_free(&r);
}

static void
fuzz_xls(ole_file_t *ole)
{
	size_t len = 0;
	uint8_t *wb = fuzz_read(ole, "Workbook", &len);
	xls_result_t x;

	if (wb == NULL)
		return;
	memset(&x, 0, sizeof(x));
	(void)xls_scan_biff(wb, len, &x);
	for (size_t i = 0; i < x.sheets.n; i++)
		fuzz_touch_str(x.sheets.v[i]);
	xls_result_free(&x);
	free(wb);
}

static void
fuzz_crypt(ole_file_t *ole)
{
	size_t len = 0;
	uint8_t *info = fuzz_read(ole, "EncryptionInfo", &len);
	officecrypt_t *c = NULL;
	char why[256];
	bool ok = false;

	if (info == NULL)
		return;
	emg_status_t st = officecrypt_from_encryption_info(info, len, &c, why,
	                                                   sizeof(why));
	if (st == EMG_OK && c == NULL)
		abort();
	if (st == EMG_OK && officecrypt_spin_count(c) <= FUZZ_SPIN_MAX)
		(void)officecrypt_try(c, "VelvetSweatshop", &ok);
	officecrypt_free(c);
	free(info);
}

static void
fuzz_ppt(ole_file_t *ole)
{
	size_t len = 0;
	uint8_t *doc = fuzz_read(ole, "PowerPoint Document", &len);
	oleobj_list_t stg = {0};

	if (doc == NULL)
		return;
	emg_status_t st = oleobj_ppt_storages(doc, len, 8, 4u << 20, &stg);
	if (st != EMG_OK && st != EMG_ENOMEM)
		abort();
	fuzz_check_list(&stg, 8, 4u << 20);
	for (size_t i = 0; i < stg.n; i++) {
		ole_file_t *sub = NULL;
		if (ole_open(stg.v[i].data, stg.v[i].len, &sub, NULL, 0) !=
		    EMG_OK)
			continue;
		fuzz_extract(sub, 8, 1u << 20);
		ole_close(sub);
	}
	oleobj_list_free(&stg);
	free(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	ole_file_t *ole = NULL;
	char why[256];

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	emg_status_t st = ole_open(copy, size, &ole, why, sizeof(why));
	if (st == EMG_EPARSE && why[0] == '\0')
		abort(); /* a refusal names its reason */
	if (st == EMG_OK) {
		emg_status_t w = ole_walk(ole, fuzz_visit, NULL);
		if (w != EMG_OK && w != EMG_ELIMIT && w != EMG_ENOMEM)
			abort();
		fuzz_extract(ole, 2, 64);
		fuzz_extract(ole, 1000, 16u << 20);
		fuzz_vba(ole);
		fuzz_xls(ole);
		fuzz_crypt(ole);
		fuzz_ppt(ole);
		ole_close(ole);
	}
	free(copy);
	if (fuzz_sum == 0xffffffffu)
		abort(); /* keeps the reads from being optimised away */
	return 0;
}
