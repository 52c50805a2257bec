/*
 * scan.c - one scan from bytes to report: parse the message, build the
 * envelope, run every analyzer, score.  Also the per-thread scanner (libmagic
 * handle, PSL context, thread-history connection, analyzer states) and the
 * table of analyzers.
 *
 * Data flows one way: bytes + envelope -> message model -> analyzers ->
 * findings -> policy -> report.  A scan that runs past LimitScanTime stops
 * between analyzers and reports it as attach.unscannable; bad input is never
 * an error, only a finding.
 */
#include <libpsl.h>
#include <magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "attachment.h"
#include "magicdb.h"
#include "report.h"
#include "walk.h"

/* ---- the analyzer table -------------------------------------------------- */

static const emg_symbol_t unscannable_symbols[] = {
	{"ATTACH_UNSCANNABLE", "attach.unscannable", 3.0, EMG_ACTION_ACCEPT,
	 "Content could not be inspected: a scan limit was hit or it is "
	 "corrupt"},
	{"SCAN_TIMEOUT", "attach.unscannable", 3.0, EMG_ACTION_ACCEPT,
	 "The scan ran past LimitScanTime; later checks were skipped"},
};

/* Problems of the message (limits, corrupt MIME) and of every attachment
 * node (archive limits, corrupt members) become attach.unscannable. */
static emg_status_t
unscannable_check(emg_scan_t *scan, void *state)
{
	const emg_strlist_t *p = &scan->msg->problems;
	emg_status_t st = EMG_OK;
	for (size_t i = 0; i < p->n && st == EMG_OK; i++)
		st = scan_emit(scan, "ATTACH_UNSCANNABLE", "%s", p->v[i]);
	attachment_iter_t it;
	attachment_iter_init(&it, scan->msg);
	for (emg_attachment_t *a = attachment_iter_next(&it);
	     a != NULL && st == EMG_OK; a = attachment_iter_next(&it))
		for (size_t i = 0; i < a->problems.n && st == EMG_OK; i++)
			st = scan_emit_at(scan, a, "ATTACH_UNSCANNABLE",
			                  "%s: %s", attachment_label(a),
			                  a->problems.v[i]);
	attachment_iter_done(&it);
	return st;
}

const emg_analyzer_t unscannable_analyzer = {
	.name = "unscannable",
	.symbols = unscannable_symbols,
	.n_symbols = sizeof(unscannable_symbols) / sizeof(unscannable_symbols[0]),
	.check = unscannable_check,
	.outbound = true,
};

const emg_analyzer_t *const analyzer_table[] = {
	&unscannable_analyzer,
	&sender_analyzer,
	&lookalike_analyzer,
	&thread_analyzer,
	&authres_analyzer,
	&attach_analyzer,
	&active_analyzer,
	&office_analyzer,
};
const size_t analyzer_count = sizeof(analyzer_table) / sizeof(analyzer_table[0]);

/* ---- scanner ------------------------------------------------------------- */

/* A DataStore that could not be opened is tried again after this long,
 * not on every scan: a PostgreSQL server that is down would otherwise cost
 * each scan a connect timeout. */
#define SCAN_HISTORY_RETRY_MS 60000u

struct emg_scanner {
	emg_config_t *cfg;
	magic_t magic;
	psl_ctx_t *psl;    /* owned unless it is the built-in one */
	bool psl_owned;
	history_t *history;          /* opened on first inbound scan */
	bool history_tried;
	uint64_t history_tried_ms;   /* when the last open failed */
	void *states[sizeof(analyzer_table) / sizeof(analyzer_table[0])];
};

emg_status_t
emg_scanner_new(emg_config_t *cfg, emg_scanner_t **out, char *err,
                size_t errlen)
{
	if (cfg == NULL || out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	emg_scanner_t *sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return EMG_ENOMEM;
	sc->cfg = emg_config_ref(cfg);
	message_init_once();

	emg_status_t mst = magicdb_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS,
	                                &sc->magic, err, errlen);
	if (mst != EMG_OK) {
		emg_scanner_free(sc);
		return mst;
	}
	/* The distribution's list is newer than the copy built into libpsl;
	 * psl_latest() picks the newest of the two. */
	sc->psl = psl_latest(NULL);
	sc->psl_owned = sc->psl != NULL;
	if (sc->psl == NULL)
		sc->psl = (psl_ctx_t *)psl_builtin();
	if (sc->psl == NULL) {
		snprintf(err, errlen, "libpsl: no public suffix list available");
		emg_scanner_free(sc);
		return EMG_EDEP;
	}
	for (size_t a = 0; a < analyzer_count; a++) {
		const emg_analyzer_t *an = analyzer_table[a];
		if (an->init == NULL)
			continue;
		emg_status_t st = an->init(cfg, &sc->states[a], err, errlen);
		if (st != EMG_OK) {
			emg_scanner_free(sc);
			return st;
		}
	}
	*out = sc;
	return EMG_OK;
}

void
emg_scanner_free(emg_scanner_t *sc)
{
	if (sc == NULL)
		return;
	for (size_t a = 0; a < analyzer_count; a++)
		if (sc->states[a] != NULL && analyzer_table[a]->fini != NULL)
			analyzer_table[a]->fini(sc->states[a]);
	if (sc->magic != NULL)
		magic_close(sc->magic);
	if (sc->psl_owned)
		psl_free(sc->psl);
	history_close(sc->history);
	emg_config_unref(sc->cfg);
	free(sc);
}

/* ---- findings ------------------------------------------------------------ */

static emg_status_t
scan_emit_va(emg_scan_t *scan, const emg_attachment_t *att, const char *symbol,
             const char *fmt, va_list ap)
{
	long idx = policy_symbol_find(symbol);
	if (idx < 0)
		return EMG_EINVAL; /* a programming error: undeclared symbol */
	char *detail = NULL;
	if (vasprintf(&detail, fmt, ap) < 0)
		return EMG_ENOMEM;
	return report_add(scan->report, policy_symbol((size_t)idx),
	                  scan->cfg->symbol_scores[idx], detail, att);
}

emg_status_t
scan_emit(emg_scan_t *scan, const char *symbol, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emg_status_t st = scan_emit_va(scan, NULL, symbol, fmt, ap);
	va_end(ap);
	return st;
}

emg_status_t
scan_emit_at(emg_scan_t *scan, const emg_attachment_t *att, const char *symbol,
             const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emg_status_t st = scan_emit_va(scan, att, symbol, fmt, ap);
	va_end(ap);
	return st;
}

/* ---- scanning ------------------------------------------------------------ */

/* Copy the summary fields a report shows even without its message. */
static emg_status_t
scan_summarise(emg_report_t *r, const emg_message_t *m)
{
	if (m->subject != NULL && (r->subject = strdup(m->subject)) == NULL)
		return EMG_ENOMEM;
	if (m->from.n > 0 && m->from.v[0].addr != NULL) {
		const emg_address_t *a = &m->from.v[0];
		int n = a->display && *a->display
		            ? asprintf(&r->from, "%s <%s>", a->display, a->addr)
		            : asprintf(&r->from, "%s", a->addr);
		if (n < 0) {
			r->from = NULL;
			return EMG_ENOMEM;
		}
	}
	return EMG_OK;
}

/* Open the archives, images and embedded files of every attachment. */
static emg_status_t
scan_expand(emg_scanner_t *sc, emg_message_t *msg, uint64_t start)
{
	walk_ctx_t w = {
		.cfg = sc->cfg,
		.magic = sc->magic,
		.deadline_ms = start + sc->cfg->limits.scan_time_ms,
	};
	return walk_expand(msg, &w);
}

/* The scanner's thread history, opened when first needed from DataStore.
 * A store that is missing or unreachable is not an error of the scan: the
 * thread analyzer then reports that history was not used.  An SQLite file
 * is not created here (an absent store and an empty one say the same). */
static history_t *
scan_history(emg_scanner_t *sc)
{
	const char *dsn = sc->cfg->data_store;
	char err[256];

	if (sc->history != NULL || dsn == NULL || *dsn == '\0')
		return sc->history;
	uint64_t now = limits_now_ms();
	if (sc->history_tried &&
	    now - sc->history_tried_ms < SCAN_HISTORY_RETRY_MS)
		return NULL;
	sc->history_tried = true;
	sc->history_tried_ms = now;
	if (history_open_existing(dsn, &sc->history, err, sizeof(err)) !=
	    EMG_OK)
		sc->history = NULL;
	return sc->history;
}

/* Run every analyzer over an already-parsed message. */
static emg_status_t
scan_run(emg_scanner_t *sc, emg_report_t *r, const emg_env_t *env,
         uint64_t start)
{
	emg_scan_t scan = {
		.cfg = sc->cfg,
		.msg = r->msg,
		.env = env,
		.psl = sc->psl,
		.report = r,
		.history = env->outbound ? NULL : scan_history(sc),
	};
	r->outbound = env->outbound;
	for (size_t a = 0; a < analyzer_count; a++) {
		if (env->outbound && !analyzer_table[a]->outbound)
			continue;
		uint64_t spent = limits_now_ms() - start;
		/* The limits already hit (LimitMimeParts after a parse that
		 * ate the budget) are said whatever the time: they are why. */
		if (spent > sc->cfg->limits.scan_time_ms &&
		    analyzer_table[a] != &unscannable_analyzer) {
			emg_status_t st = scan_emit(
			    &scan, "SCAN_TIMEOUT",
			    "LimitScanTime %ums exceeded after %llums; skipped "
			    "from analyzer %s on",
			    sc->cfg->limits.scan_time_ms,
			    (unsigned long long)spent, analyzer_table[a]->name);
			return st;
		}
		emg_status_t st = analyzer_table[a]->check(&scan, sc->states[a]);
		if (st != EMG_OK)
			return st;
	}
	return EMG_OK;
}

/* Score a finished scan into *OUT, or drop the report when it failed. */
static emg_status_t
scan_conclude(emg_scanner_t *sc, emg_report_t *r, emg_status_t st,
              uint64_t start, emg_report_t **out)
{
	if (st != EMG_OK) {
		emg_report_free(r);
		return st;
	}
	report_finish(r, sc->cfg);
	r->elapsed_ms = (unsigned)(limits_now_ms() - start);
	*out = r;
	return EMG_OK;
}

emg_status_t
emg_scan(emg_scanner_t *sc, const void *data, size_t len,
         const emg_envelope_t *given, emg_report_t **out)
{
	if (sc == NULL || out == NULL || (data == NULL && len > 0))
		return EMG_EINVAL;
	*out = NULL;
	uint64_t start = limits_now_ms();
	emg_report_t *r = NULL;
	emg_status_t st = report_new(&r);
	if (st != EMG_OK)
		return st;
	st = message_parse(data ? data : "", len, &sc->cfg->limits, sc->magic,
	                   &r->msg);
	if (st == EMG_OK)
		st = scan_summarise(r, r->msg);
	if (st == EMG_OK)
		st = scan_expand(sc, r->msg, start);
	emg_env_t env = {0};
	if (st == EMG_OK)
		st = envelope_build(given, r->msg, sc->cfg, &env);
	if (st == EMG_OK)
		st = scan_run(sc, r, &env, start);
	envelope_free(&env);
	return scan_conclude(sc, r, st, start, out);
}

/* A message model holding one attachment and nothing else, for files that
 * are not mail (a responder's copy of a lure taken from a share). */
static emg_status_t
scan_wrap_file(const char *name, const void *data, size_t len, magic_t magic,
               emg_message_t **out)
{
	emg_message_t *m = calloc(1, sizeof(*m));
	emg_attachment_t **roots = calloc(1, sizeof(*roots));
	emg_attachment_t *a = attachment_new(name, data, len, false);
	if (m == NULL || roots == NULL || a == NULL) {
		free(m);
		free(roots);
		attachment_free(a);
		return EMG_ENOMEM;
	}
	m->attachments = roots;
	roots[0] = a;
	m->n_attachments = 1;
	m->n_parts = 1;
	message_attachment_identify(a, magic);
	*out = m;
	return EMG_OK;
}

emg_status_t
emg_scan_file(emg_scanner_t *sc, const char *name, const void *data,
              size_t len, emg_report_t **out)
{
	if (sc == NULL || out == NULL || (data == NULL && len > 0))
		return EMG_EINVAL;
	*out = NULL;
	uint64_t start = limits_now_ms();
	emg_report_t *r = NULL;
	emg_status_t st = report_new(&r);
	if (st == EMG_OK)
		st = scan_wrap_file(name, data ? data : "", len, sc->magic,
		                    &r->msg);
	if (st == EMG_OK)
		st = scan_expand(sc, r->msg, start);
	emg_env_t env = {0};
	if (st == EMG_OK)
		st = scan_run(sc, r, &env, start);
	return scan_conclude(sc, r, st, start, out);
}

emg_status_t
emg_scan_auto(emg_scanner_t *sc, const char *name, const void *data,
              size_t len, const emg_envelope_t *env, emg_report_t **out)
{
	if (sc == NULL || out == NULL || (data == NULL && len > 0))
		return EMG_EINVAL;
	if (walk_is_message(data, len, sc->magic))
		return emg_scan(sc, data, len, env, out);
	return emg_scan_file(sc, name, data, len, out);
}
