/* lookalike.c - stub analyzer, being written. */
#include "analyzer.h"
static emg_status_t lookalike_check(emg_scan_t *scan, void *state) { return EMG_OK; }
const emg_analyzer_t lookalike_analyzer = { .name = "lookalike", .symbols = NULL, .n_symbols = 0, .check = lookalike_check };
