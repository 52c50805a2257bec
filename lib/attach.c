/* attach.c - analyzer (being written). */
#include "analyzer.h"

static emg_status_t
attach_check(emg_scan_t *scan, void *state)
{
	(void)scan;
	(void)state;
	return EMG_OK;
}

const emg_analyzer_t attach_analyzer = {
	.name = "attach",
	.check = attach_check,
};
