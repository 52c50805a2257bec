/*
 * analyzer.h - what an analyzer sees and how it reports.
 *
 * An analyzer is a descriptor: a name, its symbol table, and a check
 * function.  The check function reads the parsed message, the envelope and
 * the configuration from the emg_scan_t, and calls scan_emit() for each
 * finding.  It never reads files, sockets or global state.  Per-thread
 * resources that are costly to build (an ICU spoof checker, the PSL) live in
 * the state that init() returns; the scanner keeps one per analyzer.
 */
#ifndef EMG_ANALYZER_H
#define EMG_ANALYZER_H

#include "config.h"
#include "envelope.h"
#include "history.h"
#include "message.h"
#include "policy.h"

typedef struct emg_scan emg_scan_t;

typedef struct emg_analyzer {
	const char *name;
	const emg_symbol_t *symbols;
	size_t n_symbols;
	/* Optional: build per-thread state from CFG.  NULL state is fine. */
	emg_status_t (*init)(const emg_config_t *cfg, void **state, char *err,
	                     size_t errlen);
	void (*fini)(void *state);
	/* Run the checks; return EMG_OK unless something is truly broken
	 * (out of memory).  Bad input is a finding, not an error. */
	emg_status_t (*check)(emg_scan_t *scan, void *state);
	/* Also run on outbound mail (an internal or authenticated client):
	 * only the content checks are, never sender or thread checks,
	 * which judge who wrote to us. */
	bool outbound;
} emg_analyzer_t;

struct emg_scan {
	const emg_config_t *cfg;
	const emg_message_t *msg;
	const emg_env_t *env;
	const struct psl_ctx_st *psl; /* libpsl context, shared per scanner */
	struct emg_report *report;
	/* The thread history (DataStore), the scanner's own connection;
	 * NULL when no store is reachable or the mail is outbound.  Only
	 * the thread analyzer reads it, and never writes. */
	history_t *history;
};

/* Record a finding of SYMBOL (declared in some analyzer's table) with a
 * printf-style detail.  Returns EMG_OK or EMG_ENOMEM. */
emg_status_t scan_emit(emg_scan_t *scan, const char *symbol, const char *fmt,
                       ...) __attribute__((format(printf, 3, 4)));

/* The same for a finding about one attachment ATT (an archive member, an
 * embedded file ...): the report lists it under that node too. */
emg_status_t scan_emit_at(emg_scan_t *scan, const emg_attachment_t *att,
                          const char *symbol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The registered analyzers, in the order they run. */
extern const emg_analyzer_t *const analyzer_table[];
extern const size_t analyzer_count;

/* The analyzers themselves, one per module. */
extern const emg_analyzer_t sender_analyzer;    /* sender.c */
extern const emg_analyzer_t lookalike_analyzer; /* lookalike.c */
extern const emg_analyzer_t thread_analyzer;    /* thread.c */
extern const emg_analyzer_t authres_analyzer;   /* authres.c */
extern const emg_analyzer_t unscannable_analyzer; /* scan.c: limits, corrupt */
extern const emg_analyzer_t attach_analyzer;    /* attach.c */
extern const emg_analyzer_t active_analyzer;    /* active.c */
extern const emg_analyzer_t office_analyzer;    /* office.c */

#endif
