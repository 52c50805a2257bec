/* active.c - analyzer (being written). */
#include "analyzer.h"

static emg_status_t
active_check(emg_scan_t *scan, void *state)
{
	(void)scan;
	(void)state;
	return EMG_OK;
}

const emg_analyzer_t active_analyzer = {
	.name = "active",
	.check = active_check,
};
