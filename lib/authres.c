/* authres.c - stub analyzer, being written. */
#include "analyzer.h"
static emg_status_t authres_check(emg_scan_t *scan, void *state) { return EMG_OK; }
const emg_analyzer_t authres_analyzer = { .name = "authres", .symbols = NULL, .n_symbols = 0, .check = authres_check };
