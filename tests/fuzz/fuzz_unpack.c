/*
 * fuzz_unpack.c - libFuzzer target: the archive reader (lib/unpack.c).
 *
 * Each input is opened three ways (as a ZIP, as whatever libarchive
 * recognises, and as a gzip stream), every member is password-checked and
 * read with a fixed password under small limits, and the results are
 * checked for consistency.  Built like fuzz_message.c: with
 * -fsanitize=fuzzer as tests/fuzz/fuzz_unpack, and with fuzz_main.c as a
 * replay program over tests/fuzz/corpus/unpack.  Relies on unpack.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_sink(void *ctx, const uint8_t *buf, size_t n)
{
	uint64_t *total = ctx;

	if (n > 0 && buf == NULL)
		abort();
	*total += n;
	return 0;
}

static void fuzz_one(const uint8_t *data, size_t size, const char *mime)
{
	static const unpack_limits_t lim = {.max_files = 64,
	                                    .max_bytes = 4u << 20,
	                                    .max_ratio = 100,
	                                    .ratio_floor = 64u << 10};
	unpack_t *u = NULL;
	char why[128];
	emg_status_t st = unpack_open(data, size, mime, &lim, &u, why,
	                              sizeof(why));

	if (st != EMG_OK) {
		if (u != NULL || (st != EMG_EPARSE && st != EMG_ENOMEM))
			abort();
		return;
	}
	if (unpack_count(u) > lim.max_files)
		abort();
	for (size_t i = 0; i < unpack_count(u); i++) {
		const unpack_member_t *m = unpack_member(u, i);
		unpack_result_t res;
		uint64_t total = 0;

		if (m == NULL || m->name == NULL || m->method == NULL)
			abort();
		(void)unpack_password_ok(u, i, "infected-test");
		st = unpack_read(u, i, m->encrypted ? "infected-test" : NULL,
		                 fuzz_sink, &total, &res, why, sizeof(why));
		if (st == EMG_EINVAL)
			abort();
		if (total > lim.max_bytes)
			abort();
	}
	unpack_close(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size, "application/zip");
	fuzz_one(data, size, NULL);
	fuzz_one(data, size, "application/gzip");
	return 0;
}
