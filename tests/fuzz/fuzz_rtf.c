/*
 * fuzz_rtf.c - libFuzzer target: the RTF scanner (rtf.c).
 *
 * Each input is one would-be RTF document, copied to an exact-size buffer
 * first (a read one byte past the end must fault), and scanned twice:
 * without payloads, as active.c scans, and keeping up to 1 MiB of them, as
 * an extracting caller would.  Every result is checked against the bounds
 * rtf.h states and read whole; a violated invariant aborts.  Built with
 * -fsanitize=fuzzer as tests/fuzz/fuzz_rtf, and with fuzz_main.c as
 * tests/fuzz/fuzz_rtf_replay for make check.  Relies only on rtf.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned fuzz_sum;

/* A string of at most MAX bytes (0: any), read whole. */
static void
fuzz_str(const char *s, size_t max)
{
	size_t len;

	if (s == NULL)
		abort();
	len = strlen(s);
	if (max > 0 && len > max)
		abort();
	for (size_t i = 0; i < len; i++)
		fuzz_sum += (unsigned char)s[i];
}

static void
fuzz_scan(const uint8_t *copy, size_t size, size_t max_data)
{
	rtf_result_t r;
	size_t kept = 0;
	emg_status_t st = rtf_scan(copy, size, max_data, &r);

	if (st != EMG_OK && st != EMG_ENOMEM)
		abort();
	if (r.n_described > RTF_MAX_OBJECTS || r.n_described > r.n_objects ||
	    r.objdata != (r.n_objects > 0) || r.dde.n > 16 ||
	    strlen(r.cls) >= RTF_CLASS_MAX)
		abort();
	for (size_t i = 0; i < r.n_described; i++) {
		const rtf_object_t *o = &r.objects[i];
		if (o->class_name != NULL)
			fuzz_str(o->class_name, 0);
		if (o->file_name != NULL)
			fuzz_str(o->file_name, 0);
		if ((o->len > 0) != (o->data != NULL))
			abort();
		for (size_t k = 0; k < o->len; k++)
			fuzz_sum += o->data[k];
		kept += o->len;
	}
	if (kept > max_data)
		abort();
	for (size_t i = 0; i < r.classes.n; i++)
		fuzz_str(r.classes.v[i], RTF_CLASS_MAX - 1);
	for (size_t i = 0; i < r.dde.n; i++)
		fuzz_str(r.dde.v[i], 200);
	rtf_result_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	(void)rtf_is_rtf(copy, size);
	fuzz_scan(copy, size, 0);
	fuzz_scan(copy, size, 1u << 20);
	free(copy);
	if (fuzz_sum == 0xffffffffu)
		abort(); /* keeps the reads from being optimised away */
	return 0;
}
