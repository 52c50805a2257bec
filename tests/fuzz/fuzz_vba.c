/*
 * fuzz_vba.c - libFuzzer target: the VBA module's parsers (vba.c).
 *
 * Each input goes, from an exact-size copy (a read one byte past the end
 * must fault), through:
 *   - vba_decompress as an MS-OVBA CompressedContainer, with a small and a
 *     large cap: the output never exceeds the cap, is NUL-terminated, and
 *     is returned whenever the status says so;
 *   - vba_parse_dir, on the input itself and on what it decompresses to:
 *     every module has a name and a stream name, at most VBA_MAX_MODULES;
 *   - vba_analyze_source on the input as source text: every list stays
 *     within VBA_MAX_KEYWORDS.
 * A compound file goes through ole_open and vba_scan_ole too, with a small
 * source budget that must hold.  Built with -fsanitize=fuzzer as
 * tests/fuzz/fuzz_vba, and with fuzz_main.c as tests/fuzz/fuzz_vba_replay
 * for make check; the seeds come from tests/gen-office.py and the
 * decompression and dir cases of tests/unit/test_vba.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vba.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_lists(const vba_result_t *r)
{
	const emg_strlist_t *lists[] = {&r->autoexec, &r->write, &r->execute,
	                                &r->indicators};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (lists[i]->n > VBA_MAX_KEYWORDS)
			abort();
		for (size_t k = 0; k < lists[i]->n; k++)
			if (lists[i]->v[k] == NULL || lists[i]->v[k][0] == '\0')
				abort();
	}
	if (vba_is_autoexec(r) &&
	    (r->autoexec.n == 0 || r->write.n + r->execute.n == 0))
		abort();
}

static void
fuzz_dir(const uint8_t *d, size_t n)
{
	vba_dir_t dir;
	char why[128];
	emg_status_t st = vba_parse_dir(d, n, &dir, why, sizeof(why));

	if (st != EMG_OK && st != EMG_EPARSE && st != EMG_ELIMIT &&
	    st != EMG_ENOMEM)
		abort();
	if ((st == EMG_EPARSE || st == EMG_ELIMIT) && why[0] == '\0')
		abort(); /* every problem names its reason */
	if (dir.n > VBA_MAX_MODULES)
		abort();
	for (size_t i = 0; i < dir.n && st != EMG_ENOMEM; i++)
		if (dir.modules[i].name == NULL ||
		    dir.modules[i].stream == NULL)
			abort();
	vba_dir_free(&dir);
}

/* Decompress COPY with the cap MAX, check, and parse the result as dir. */
static void
fuzz_decompress(const uint8_t *copy, size_t size, size_t max)
{
	uint8_t *out = NULL;
	size_t outlen = 0;
	emg_status_t st = vba_decompress(copy, size, max, &out, &outlen);

	if (st != EMG_OK && st != EMG_EPARSE && st != EMG_ELIMIT &&
	    st != EMG_ENOMEM)
		abort();
	if (st == EMG_ENOMEM) {
		if (out != NULL)
			abort();
		return;
	}
	if (out == NULL || outlen > max || out[outlen] != '\0')
		abort();
	if (max > 1000)
		fuzz_dir(out, outlen);
	free(out);
}

static void
fuzz_source(const uint8_t *copy, size_t size)
{
	vba_result_t r = {0};
	if (vba_analyze_source((const char *)copy, size, &r) == EMG_OK)
		fuzz_lists(&r);
	vba_result_free(&r);
}

static void
fuzz_ole(const uint8_t *copy, size_t size)
{
	ole_file_t *ole = NULL;
	vba_result_t r = {0};
	const size_t max = 100000;

	if (!ole_is_cfb(copy, size) ||
	    ole_open(copy, size, &ole, NULL, 0) != EMG_OK)
		return;
	emg_status_t st = vba_scan_ole(ole, max, &r);
	if (st != EMG_OK && st != EMG_ENOMEM)
		abort();
	if (r.source_bytes > max || r.modules.n > VBA_MAX_MODULES)
		abort();
	if (r.modules.n > 0 && !r.present)
		abort();
	fuzz_lists(&r);
	vba_result_free(&r);
	ole_close(ole);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	fuzz_decompress(copy, size, 7);
	fuzz_decompress(copy, size, 1u << 20);
	fuzz_dir(copy, size);
	fuzz_source(copy, size);
	fuzz_ole(copy, size);
	free(copy);
	return 0;
}
