/*
 * fuzz_message.c - libFuzzer target: the whole public scan of one message.
 *
 * Each input is one raw message.  It goes through exactly what the CLI and
 * the milter do: emg_scan() with no envelope (so the envelope is derived from
 * the headers), then the JSON and text reports.  The configuration and the
 * scanner are built once and reused, as a milter thread reuses its scanner;
 * state leaking from one scan into the next is a bug this catches.
 * Beyond crashes it checks one output invariant: the JSON line is valid
 * UTF-8 with no raw control characters (a JSON Lines consumer must be able
 * to read it whatever bytes the message held).  Set
 * FUZZ_MESSAGE_NO_UTF8_CHECK=1 to skip that check while hunting other bugs
 * with a known UTF-8 one still open.
 *
 * Built two ways (Makefile.am): with -fsanitize=fuzzer as
 * tests/fuzz/fuzz_message, and with fuzz_main.c as
 * tests/fuzz/fuzz_message_replay, which make check runs over the corpus.
 * Relies only on emguard.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static emg_config_t *fuzz_cfg;
static emg_scanner_t *fuzz_scanner;
static FILE *fuzz_null;
static int fuzz_check_utf8 = 1;

/* True when S[0..LEN) is valid UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF) without raw control characters, as a JSON text
 * must be. */
static int fuzz_json_text_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		uint32_t cp;

		if (c < 0x20)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Build the shared configuration and scanner on the first call; abort when
 * that fails, since every later input would be a false pass. */
static void fuzz_setup(void)
{
	char err[256];

	if (fuzz_scanner != NULL)
		return;
	if (emg_config_default(&fuzz_cfg) != EMG_OK) {
		fprintf(stderr, "fuzz_message: emg_config_default failed\n");
		abort();
	}
	err[0] = '\0';
	if (emg_scanner_new(fuzz_cfg, &fuzz_scanner, err, sizeof(err)) !=
	    EMG_OK) {
		fprintf(stderr, "fuzz_message: emg_scanner_new: %s\n", err);
		abort();
	}
	fuzz_null = fopen("/dev/null", "w");
	if (getenv("FUZZ_MESSAGE_NO_UTF8_CHECK") != NULL)
		fuzz_check_utf8 = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	emg_report_t *report = NULL;
	char *json = NULL;
	emg_status_t st;
	size_t i, n;

	fuzz_setup();
	st = emg_scan(fuzz_scanner, data, size, NULL, &report);
	if (st != EMG_OK) {
		/* Only resource failures may come without a report. */
		if (st != EMG_ENOMEM || report != NULL) {
			fprintf(stderr, "fuzz_message: emg_scan: %s\n",
			        emg_strerror(st));
			abort();
		}
		return 0;
	}
	if (report == NULL)
		abort();

	/* Touch every accessor so that a dangling detail string shows up. */
	(void)emg_report_score(report);
	(void)emg_action_name(emg_report_action(report));
	(void)emg_report_message_id(report);
	n = emg_report_finding_count(report);
	for (i = 0; i < n && i < 100000; i++) {
		const emg_finding_t *f = emg_report_finding(report, i);
		if (f == NULL || f->symbol == NULL || f->category == NULL)
			abort();
		(void)emg_report_has(report, f->symbol);
	}

	if (emg_report_json(report, "fuzz.eml", &json) == EMG_OK) {
		if (json == NULL || (fuzz_check_utf8 &&
		    !fuzz_json_text_ok((const unsigned char *)json, strlen(json)))) {
			fprintf(stderr, "fuzz_message: report JSON is not valid "
			                "UTF-8 or holds a raw control character\n");
			abort();
		}
		free(json);
	}
	if (fuzz_null != NULL)
		(void)emg_report_text(report, "fuzz.eml", false, fuzz_null);
	emg_report_free(report);
	return 0;
}
