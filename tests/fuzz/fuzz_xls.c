/*
 * fuzz_xls.c - libFuzzer target: the Excel 4.0 macro and DDE scanners
 * (xls.c).
 *
 * Each input goes whole through xls_scan_biff (as a Workbook stream),
 * xls_scan_biff12_workbook (as xl/workbook.bin), xls_is_sylk and
 * xls_scan_sylk, and xls_scan_csv.  The input is copied to an exact-size
 * buffer first, so that a read one byte past the end faults under ASan.
 * Every result is checked against the contract of xls.h: list sizes
 * within their caps, entries short, NUL-terminated strings, counts that
 * agree, a FILEPASS location inside the input; a violation abort()s.
 * Built with -fsanitize=fuzzer as tests/fuzz/fuzz_xls, and with
 * fuzz_main.c as tests/fuzz/fuzz_xls_replay for make check; the seeds in
 * corpus/xls are small hand-made BIFF8, BIFF5, BIFF12, SYLK and CSV
 * files.  Relies only on xls.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Entries of a list: at most MAX, each a string of at most 200 bytes. */
static void
fuzz_list(const emg_strlist_t *l, size_t max)
{
	if (l->n > max || (l->n > 0 && l->v == NULL))
		abort();
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == NULL || strnlen(l->v[i], 256) > 200)
			abort();
}

static void
fuzz_check(const xls_result_t *r, size_t size)
{
	fuzz_list(&r->sheets, 32);
	fuzz_list(&r->sheet_rels, 32);
	fuzz_list(&r->auto_names, 16);
	fuzz_list(&r->formulas, 16);
	fuzz_list(&r->dde, 16);
	fuzz_list(&r->problems, 17);
	if (r->sheet_rels.n > 0 && r->sheet_rels.n != r->sheets.n)
		abort();
	if (r->hidden + r->very_hidden > r->macro_sheets)
		abort();
	if (r->encrypted &&
	    (r->filepass_offset > size || size - r->filepass_offset < 4 ||
	     r->filepass_len > size - r->filepass_offset - 4))
		abort();
	if (!r->encrypted && (r->filepass_offset != 0 || r->filepass_len != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	xls_result_t r;

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);

	if (xls_scan_biff(copy, size, &r) == EMG_OK) {
		fuzz_check(&r, size);
		if (r.sheet_rels.n != 0)
			abort(); /* BIFF12 only */
	}
	xls_result_free(&r);

	memset(&r, 0, sizeof(r));
	if (xls_scan_biff12_workbook(copy, size, &r) == EMG_OK) {
		fuzz_check(&r, size);
		if (r.macro_sheets != 0 || r.encrypted)
			abort();
	}
	xls_result_free(&r);

	if (xls_scan_sylk(copy, size, &r) == EMG_OK) {
		fuzz_check(&r, size);
		if (r.macro_sheets > 1 ||
		    (r.problems.n > 0) == xls_is_sylk(copy, size))
			abort(); /* only a non-SYLK input is a problem */
	}
	xls_result_free(&r);

	memset(&r, 0, sizeof(r));
	if (xls_scan_csv(copy, size, &r) == EMG_OK) {
		fuzz_check(&r, size);
		if (r.sheets.n + r.auto_names.n + r.formulas.n + r.problems.n)
			abort(); /* CSV only adds DDE links */
	}
	xls_result_free(&r);

	free(copy);
	return 0;
}
