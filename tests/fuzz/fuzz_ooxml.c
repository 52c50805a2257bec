/*
 * fuzz_ooxml.c - libFuzzer target: the Office Open XML reader (ooxml.c).
 *
 * Each input is one would-be .docx/.xlsm/.xlsb package or flat Office XML
 * document.  It goes through ooxml_is_package and ooxml_scan with a tight
 * and a roomy budget, and through ooxml_is_flat_xml and
 * ooxml_scan_flat_xml.  Every result is checked: lists within their
 * bounds, strings NUL-terminated within their caps, VBA blobs within the
 * part budget and read whole (so a bad length shows under ASan).  The
 * input is copied to an exact-size buffer first, so that a read one byte
 * past the end faults.  Built with -fsanitize=fuzzer as
 * tests/fuzz/fuzz_ooxml, and with fuzz_main.c as fuzz_ooxml_replay for
 * make check; seeds in tests/fuzz/corpus/ooxml.  Relies only on ooxml.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ooxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every entry of L non-NULL and at most MAX bytes; at most CAP entries. */
static void
fuzz_list(const emg_strlist_t *l, size_t cap, size_t max)
{
	if (l->n > cap || (l->n > 0 && l->v == NULL))
		abort();
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == NULL || strlen(l->v[i]) > max)
			abort();
}

static void
fuzz_check(const ooxml_result_t *r, emg_status_t st, size_t max_part)
{
	unsigned sum = 0;

	if (st != EMG_OK && st != EMG_ENOMEM)
		abort();
	if (r->n_vba > OOXML_MAX_VBA)
		abort();
	for (size_t i = 0; i < r->n_vba; i++) {
		if (r->vba[i].part == NULL || r->vba[i].data == NULL ||
		    r->vba[i].len > max_part)
			abort();
		for (size_t k = 0; k < r->vba[i].len; k++)
			sum += r->vba[i].data[k];
	}
	fuzz_list(&r->macrosheets, OOXML_MAX_ITEMS, 1024);
	fuzz_list(&r->external, OOXML_MAX_ITEMS, 300);
	fuzz_list(&r->dde, OOXML_MAX_ITEMS, 200);
	fuzz_list(&r->embeddings, OOXML_MAX_ITEMS, 1024);
	fuzz_list(&r->problems, OOXML_MAX_ITEMS, 255);
	fuzz_list(&r->xlm.auto_names, OOXML_MAX_ITEMS, 200);
	fuzz_list(&r->xlm.formulas, 16, 200);
	if (r->app != NULL && strlen(r->app) > 16)
		abort();
	/* A macro sheet listed is a macro sheet counted. */
	if (r->macrosheets.n > r->xlm.macro_sheets)
		abort();
	/* Keep the reads from being optimised away. */
	if (sum == 0xffffffffu)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	ooxml_result_t r;
	emg_status_t st;

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	(void)ooxml_is_package(copy, size);
	st = ooxml_scan(copy, size, 256, 2048, &r);
	fuzz_check(&r, st, 256);
	ooxml_result_free(&r);
	st = ooxml_scan(copy, size, 1 << 20, 4 << 20, &r);
	fuzz_check(&r, st, 1 << 20);
	ooxml_result_free(&r);
	(void)ooxml_is_flat_xml(copy, size);
	st = ooxml_scan_flat_xml(copy, size, &r);
	fuzz_check(&r, st, size);
	ooxml_result_free(&r);
	free(copy);
	return 0;
}
