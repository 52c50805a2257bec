/*
 * fuzz_config.c - libFuzzer target: the emguard.conf parser (config.c,
 * with the lists, addresses, sizes, durations and Score lines it reads)
 * and the writer of the effective configuration (emg_config_dump, what
 * `emguard --dump-config` prints).
 *
 * Each input is one configuration file.  config_parse must accept it or
 * refuse it with a NUL-terminated message, never anything else.  An
 * accepted configuration is written out with emg_config_dump, and that
 * text must load again and write out the same: an administrator pastes
 * the dump into emguard.conf.  Inputs that mention "file:" are skipped: a
 * file: list reads a path on this machine, and /dev/stdin would wait for
 * ever (tests/unit/test_config.c covers file: lists).  Built with
 * -fsanitize=fuzzer as tests/fuzz/fuzz_config, and with fuzz_main.c as
 * tests/fuzz/fuzz_config_replay for make check.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The configuration written out into a new string (*LEN bytes). */
static char *
fuzz_config_dump(const emg_config_t *cfg, size_t *len)
{
	char *text = NULL;
	FILE *fp = open_memstream(&text, len);
	if (fp == NULL)
		return NULL;
	emg_config_dump(cfg, fp, false);
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536 || /* a configuration file, not a mailbox */
	    memmem(data, size, "file:", 5) != NULL)
		return 0;
	char *copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	char err[512];
	emg_config_t *cfg = NULL;
	emg_status_t st = config_parse("fuzz.conf", copy, size, &cfg, err,
	                               sizeof(err));
	if (st != EMG_OK && st != EMG_ECONFIG && st != EMG_ENOMEM)
		abort();
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (st == EMG_OK && cfg == NULL)
		abort();
	if (st != EMG_OK) {
		emg_config_unref(cfg);
		free(copy);
		return 0;
	}
	size_t len1 = 0, len2 = 0;
	char *dump1 = fuzz_config_dump(cfg, &len1);
	emg_config_t *again = NULL;
	if (dump1 != NULL) {
		st = config_parse("dump.conf", dump1, len1, &again, err,
		                  sizeof(err));
		if (st == EMG_ECONFIG) {
			fprintf(stderr, "the dump does not load: %s\n%s", err,
			        dump1);
			abort();
		}
	}
	char *dump2 = again ? fuzz_config_dump(again, &len2) : NULL;
	if (dump2 != NULL && (len1 != len2 || memcmp(dump1, dump2, len1) != 0)) {
		fprintf(stderr, "the dump changes when loaded:\n%s---\n%s",
		        dump1, dump2);
		abort();
	}
	free(dump2);
	free(dump1);
	emg_config_unref(again);
	emg_config_unref(cfg);
	free(copy);
	return 0;
}
