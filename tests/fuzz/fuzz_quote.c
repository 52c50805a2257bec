/*
 * fuzz_quote.c - libFuzzer target: the parser of quoted originals in a
 * reply body (quote.c) and the display-name key it matches with.
 *
 * Each input is one would-be body.  It goes through quote_parse on an
 * exact-size copy (a read one byte past the end must fault under ASan),
 * and every participant comes back NUL-terminated within its fixed
 * buffers, no more than QUOTE_PARTICIPANTS_MAX of them; quote_name_key
 * runs on each name with a small and a large buffer.  Built with
 * -fsanitize=fuzzer as tests/fuzz/fuzz_quote, and with fuzz_main.c as
 * tests/fuzz/fuzz_quote_replay for make check.  Relies only on quote.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	quote_result_t r;
	emg_status_t st = quote_parse(copy, size, &r);
	if (st != EMG_OK && st != EMG_ENOMEM && st != EMG_EINVAL)
		abort();
	if (st == EMG_OK) {
		if (r.n > QUOTE_PARTICIPANTS_MAX)
			abort();
		for (size_t i = 0; i < r.n; i++) {
			if (memchr(r.p[i].name, '\0', sizeof(r.p[i].name)) == NULL ||
			    memchr(r.p[i].addr, '\0', sizeof(r.p[i].addr)) == NULL)
				abort();
			char small[4], big[512];
			(void)quote_name_key(r.p[i].name, small, sizeof(small));
			(void)quote_name_key(r.p[i].name, big, sizeof(big));
		}
	}
	free(copy);
	return 0;
}
