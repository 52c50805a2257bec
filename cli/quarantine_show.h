/*
 * quarantine_show.h - printing one quarantine entry (quarantine_show.c),
 * for `emguard quarantine list --json` and `show`.
 */
#ifndef EMG_QUARANTINE_SHOW_H
#define EMG_QUARANTINE_SHOW_H

#include <stdbool.h>
#include <stddef.h>

#include "emguard.h"

/* E as one line of JSON on stdout: every field, the arrival time as RFC
 * 3339 UTC and Unix seconds, the symbols as an array, the scan report
 * (null when it does not parse). */
void qshow_entry_json(const emg_qentry_t *e);
/* The entry, its envelope and its verdict for people; ARRIVED is the
 * arrival time as the caller formats it. */
void qshow_entry(const emg_qentry_t *e, const char *arrived);
/* The findings and the attachment tree of a stored report; false (and a
 * note) when it does not parse. */
bool qshow_report(const char *report_json);
/* The header block of DATA, one unfolded field a line. */
void qshow_headers(const char *data, size_t len);

#endif
