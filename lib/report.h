/*
 * report.h - the report behind emg_report_t: findings, score, action, and the
 * parsed message (kept for its attachment tree).  report.c renders it as JSON
 * (json-c) and as text for people.
 */
#ifndef EMG_REPORT_H
#define EMG_REPORT_H

#include "emguard.h"
#include "message.h"
#include "policy.h"

struct emg_report {
	emg_finding_t *findings; /* detail strings are owned */
	size_t n_findings;
	size_t cap_findings;
	double score;
	emg_action_t action;
	emg_message_t *msg;      /* owned; NULL when nothing was parsed */
	char *subject;           /* copy for reports without a message */
	char *from;              /* first From address, or NULL */
	unsigned elapsed_ms;
	bool outbound;           /* judged as outbound: content checks only */
};

emg_status_t report_new(emg_report_t **out);
/* Add a finding of SYM with SCORE about ATT (NULL for the message); takes
 * ownership of DETAIL (may be NULL).  A second finding of the same symbol
 * with the same detail about the same object is dropped. */
emg_status_t report_add(emg_report_t *r, const emg_symbol_t *sym, double score,
                        char *detail, const emg_attachment_t *att);
/* Sum the scores and pick the action under CFG. */
void report_finish(emg_report_t *r, const emg_config_t *cfg);

#endif
