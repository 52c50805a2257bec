/*
 * fuzz_onenote.c - libFuzzer target: the OneNote section scanner
 * (onenote.c).
 *
 * Each input is one would-be .one file.  It goes through onenote_is_section
 * and onenote_embedded (with a small and a large cap), and every returned
 * slice is checked to lie inside the input and is read whole, so that a
 * slice past the end shows up under ASan.  The input is copied to an
 * exact-size buffer first: a read one byte past the end must fault.  Built
 * with -fsanitize=fuzzer as tests/fuzz/fuzz_onenote, and with fuzz_main.c
 * as tests/fuzz/fuzz_onenote_replay for make check; the seeds come from
 * tests/gen-onenote.py.  Relies only on onenote.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onenote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Scan COPY (SIZE bytes) with the cap MAX and check what comes back. */
static void
fuzz_scan(const uint8_t *copy, size_t size, size_t max)
{
	onenote_file_t *f = NULL;
	size_t n = 0;
	char why[128];
	unsigned sum = 0;
	emg_status_t st;

	st = onenote_embedded(copy, size, max, &f, &n, why, sizeof(why));
	if (st != EMG_OK && st != EMG_EPARSE && st != EMG_ELIMIT &&
	    st != EMG_ENOMEM)
		abort();
	if (st != EMG_OK && st != EMG_ENOMEM && why[0] == '\0')
		abort(); /* every problem names its reason */
	if (n > max || (n > 0 && f == NULL))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (f[i].offset > size || f[i].len > size - f[i].offset)
			abort();
		for (size_t k = 0; k < f[i].len; k++)
			sum += copy[f[i].offset + k];
	}
	/* Keep the reads from being optimised away. */
	if (sum == 0xffffffffu)
		abort();
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	(void)onenote_is_section(copy, size);
	fuzz_scan(copy, size, 3);
	fuzz_scan(copy, size, 1000);
	free(copy);
	return 0;
}
