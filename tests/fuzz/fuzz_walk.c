/*
 * fuzz_walk.c - libFuzzer target: the attachment walker (lib/walk.c) and
 * everything below it (unpack, OneNote, password trials), through the
 * public emg_scan_file(), as `emguard scan` does with a file that is not a
 * mail.
 *
 * The configuration and the scanner are built once and reused, as a milter
 * thread reuses its scanner.  The limits are small (depth 3, 64 members,
 * 8 MB, ratio 100, 2 s) so that an input cannot make one run slow, and two
 * archive passwords are configured so that encrypted members are opened
 * as well as refused.  Beyond crashes it checks the tree the walker left:
 * every node is reachable and consistent (a child's parent, a path, a
 * size within the byte limit).
 *
 * Built like fuzz_message.c: with -fsanitize=fuzzer as tests/fuzz/fuzz_walk
 * and with fuzz_main.c as tests/fuzz/fuzz_walk_replay, which make check
 * runs over tests/fuzz/corpus/walk.  Relies on emguard.h, config.h,
 * report.h and attachment.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "config.h"
#include "emguard.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_WALK_BYTES (8u << 20)

static const char fuzz_walk_conf[] =
    "LimitArchiveDepth 3\n"
    "LimitArchiveFiles 64\n"
    "LimitArchiveBytes 8M\n"
    "LimitCompressionRatio 100\n"
    "LimitScanTime 2s\n"
    "LimitPasswordCandidates 4\n"
    "ArchivePasswords infected, password\n";

static emg_config_t *fuzz_cfg;
static emg_scanner_t *fuzz_scanner;

/* Build the shared configuration and scanner on the first call; abort when
 * that fails, since every later input would be a false pass. */
static void
fuzz_setup(void)
{
	char err[256] = "";

	if (fuzz_scanner != NULL)
		return;
	if (config_parse("fuzz_walk.conf", fuzz_walk_conf,
	                 strlen(fuzz_walk_conf), &fuzz_cfg, err,
	                 sizeof(err)) != EMG_OK) {
		fprintf(stderr, "fuzz_walk: config: %s\n", err);
		abort();
	}
	if (emg_scanner_new(fuzz_cfg, &fuzz_scanner, err, sizeof(err)) !=
	    EMG_OK) {
		fprintf(stderr, "fuzz_walk: emg_scanner_new: %s\n", err);
		abort();
	}
}

/* The tree must hang together whatever the input was. */
static void
fuzz_check_tree(const emg_message_t *m)
{
	attachment_iter_t it;
	emg_attachment_t *a;
	uint64_t kept = 0;
	size_t nodes = 0;

	attachment_iter_init(&it, m);
	while ((a = attachment_iter_next(&it)) != NULL) {
		if (++nodes > 100000)
			abort();
		if (a->data == NULL && a->size > 0)
			abort();
		for (size_t i = 0; i < a->n_children; i++)
			if (a->children[i]->parent != a ||
			    a->children[i]->path == NULL ||
			    a->children[i]->container == NULL)
				abort();
		if (a->parent != NULL) {
			kept += a->size;
			if (a->password_failed && !a->encrypted)
				abort();
			if (a->opened_with != NULL && !a->encrypted)
				abort();
		}
		if (a->inflated && a->full_size < a->size)
			abort();
	}
	attachment_iter_done(&it);
	/* Members hold no more than LimitArchiveBytes (OneNote slices and
	 * nested containers are copies, counted once each). */
	if (kept > (uint64_t)FUZZ_WALK_BYTES * 2)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	emg_report_t *report = NULL;
	emg_status_t st;

	fuzz_setup();
	st = emg_scan_file(fuzz_scanner, "fuzz.bin", data, size, &report);
	if (st != EMG_OK) {
		if (st != EMG_ENOMEM || report != NULL)
			abort();
		return 0;
	}
	if (report == NULL || report->msg == NULL)
		abort();
	fuzz_check_tree(report->msg);
	for (size_t i = 0; i < emg_report_finding_count(report); i++)
		if (emg_report_finding(report, i)->symbol == NULL)
			abort();
	emg_report_free(report);
	return 0;
}
