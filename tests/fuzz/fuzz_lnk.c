/*
 * fuzz_lnk.c - libFuzzer target: the Shell Link parser (lnk.c).
 *
 * Each input is one would-be .lnk file.  It goes through lnk_is_shortcut,
 * lnk_parse, lnk_target and lnk_suspicious, and every string of the result
 * is walked, so that a dangling or unterminated string shows up under ASan.
 * The input is copied to an exact-size buffer first: a read one byte past
 * the end must fault.  Built with -fsanitize=fuzzer as tests/fuzz/fuzz_lnk,
 * and with fuzz_main.c as tests/fuzz/fuzz_lnk_replay for make check; the
 * seeds come from tests/gen-lnk.py.  Relies only on lnk.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lnk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless S is NULL or a string of at most LNK_MAX_STRING bytes. */
static void
fuzz_check_string(const char *s)
{
	if (s != NULL && strlen(s) > LNK_MAX_STRING)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	lnk_info_t info;
	char why[128], susp[512];
	emg_status_t st;

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	(void)lnk_is_shortcut(copy, size);
	st = lnk_parse(copy, size, &info, why, sizeof(why));
	if (st != EMG_OK && st != EMG_EPARSE && st != EMG_ENOMEM)
		abort();
	if (st == EMG_EPARSE && why[0] == '\0')
		abort(); /* every parse error names its reason */
	const char *const s[] = {
	    info.idlist_path,   info.local_base_path, info.common_path_suffix,
	    info.net_name,      info.device_name,     info.name,
	    info.relative_path, info.working_dir,     info.arguments,
	    info.icon_location, info.env_target,      info.icon_env,
	    info.machine_id,    lnk_target(&info)};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		fuzz_check_string(s[i]);
	(void)lnk_suspicious(&info, susp, sizeof(susp));
	if (strlen(susp) >= sizeof(susp))
		abort();
	lnk_info_free(&info);
	free(copy);
	return 0;
}
