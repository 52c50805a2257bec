/* sender.c - stub analyzer, being written. */
#include "analyzer.h"
static emg_status_t sender_check(emg_scan_t *scan, void *state) { return EMG_OK; }
const emg_analyzer_t sender_analyzer = { .name = "sender", .symbols = NULL, .n_symbols = 0, .check = sender_check };
