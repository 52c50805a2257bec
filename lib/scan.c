/*
 * scan.c - one scan from bytes to report: parse the message, build the
 * envelope, run every analyzer, score.  Also the per-thread scanner (libmagic
 * handle, PSL context, analyzer states) and the table of analyzers.
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
#include <time.h>

#include "analyzer.h"
#include "report.h"

/* ---- the analyzer table -------------------------------------------------- */

static const emg_symbol_t unscannable_symbols[] = {
	{"ATTACH_UNSCANNABLE", "attach.unscannable", 3.0, EMG_ACTION_ACCEPT,
	 "Content could not be inspected: a scan limit was hit or it is "
	 "corrupt"},
	{"SCAN_TIMEOUT", "attach.unscannable", 3.0, EMG_ACTION_ACCEPT,
	 "The scan ran past LimitScanTime; later checks were skipped"},
};

static emg_status_t
unscannable_check(emg_scan_t *scan, void *state)
{
	const emg_strlist_t *p = &scan->msg->problems;
	for (size_t i = 0; i < p->n; i++) {
		emg_status_t st = scan_emit(scan, "ATTACH_UNSCANNABLE", "%s",
		                            p->v[i]);
		if (st != EMG_OK)
			return st;
	}
	return EMG_OK;
}

const emg_analyzer_t unscannable_analyzer = {
	.name = "unscannable",
	.symbols = unscannable_symbols,
	.n_symbols = sizeof(unscannable_symbols) / sizeof(unscannable_symbols[0]),
	.check = unscannable_check,
};

const emg_analyzer_t *const analyzer_table[] = {
	&unscannable_analyzer,
	&sender_analyzer,
	&lookalike_analyzer,
	&authres_analyzer,
};
const size_t analyzer_count = sizeof(analyzer_table) / sizeof(analyzer_table[0]);

/* ---- scanner ------------------------------------------------------------- */

struct emg_scanner {
	emg_config_t *cfg;
	magic_t magic;
	psl_ctx_t *psl;    /* owned unless it is the built-in one */
	bool psl_owned;
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

	sc->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
	if (sc->magic == NULL || magic_load(sc->magic, EMG_MAGIC_FILE) != 0) {
		snprintf(err, errlen, "libmagic: %s",
		         sc->magic ? magic_error(sc->magic) : "magic_open failed");
		emg_scanner_free(sc);
		return EMG_EDEP;
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
	emg_config_unref(sc->cfg);
	free(sc);
}

/* ---- findings ------------------------------------------------------------ */

emg_status_t
scan_emit(emg_scan_t *scan, const char *symbol, const char *fmt, ...)
{
	long idx = policy_symbol_find(symbol);
	if (idx < 0)
		return EMG_EINVAL; /* a programming error: undeclared symbol */
	char *detail = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&detail, fmt, ap);
	va_end(ap);
	if (n < 0)
		return EMG_ENOMEM;
	return report_add(scan->report, policy_symbol((size_t)idx),
	                  scan->cfg->symbol_scores[idx], detail);
}

/* ---- scanning ------------------------------------------------------------ */

static uint64_t
scan_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

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
	};
	for (size_t a = 0; a < analyzer_count; a++) {
		uint64_t spent = scan_now_ms() - start;
		if (spent > sc->cfg->limits.scan_time_ms) {
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

emg_status_t
emg_scan(emg_scanner_t *sc, const void *data, size_t len,
         const emg_envelope_t *given, emg_report_t **out)
{
	if (sc == NULL || out == NULL || (data == NULL && len > 0))
		return EMG_EINVAL;
	*out = NULL;
	uint64_t start = scan_now_ms();
	emg_report_t *r = NULL;
	emg_status_t st = report_new(&r);
	if (st != EMG_OK)
		return st;
	st = message_parse(data ? data : "", len, &sc->cfg->limits, sc->magic,
	                   &r->msg);
	if (st == EMG_OK)
		st = scan_summarise(r, r->msg);
	emg_env_t env = {0};
	if (st == EMG_OK)
		st = envelope_build(given, r->msg, sc->cfg, &env);
	if (st == EMG_OK)
		st = scan_run(sc, r, &env, start);
	envelope_free(&env);
	if (st != EMG_OK) {
		emg_report_free(r);
		return st;
	}
	report_finish(r, sc->cfg);
	r->elapsed_ms = (unsigned)(scan_now_ms() - start);
	*out = r;
	return EMG_OK;
}

/* A message model holding one attachment and nothing else, for files that
 * are not mail (a responder's copy of a lure taken from a share). */
static emg_status_t
scan_wrap_file(const char *name, const void *data, size_t len, magic_t magic,
               emg_message_t **out)
{
	emg_message_t *m = calloc(1, sizeof(*m));
	emg_attachment_t *a = calloc(1, sizeof(*a));
	emg_attachment_t **roots = calloc(1, sizeof(*roots));
	if (m == NULL || a == NULL || roots == NULL)
		goto nomem;
	m->attachments = roots;
	roots[0] = a;
	m->n_attachments = 1;
	m->n_parts = 1;
	if (name != NULL && (a->name = strdup(name)) == NULL)
		goto nomem_msg;
	if ((a->declared_type = strdup("application/octet-stream")) == NULL)
		goto nomem_msg;
	if ((a->data = malloc(len ? len : 1)) == NULL)
		goto nomem_msg;
	memcpy(a->data, data, len);
	a->size = len;
	message_attachment_identify(a, magic);
	*out = m;
	return EMG_OK;
nomem:
	free(a);
	free(roots);
	free(m);
	return EMG_ENOMEM;
nomem_msg:
	message_free(m);
	return EMG_ENOMEM;
}

emg_status_t
emg_scan_file(emg_scanner_t *sc, const char *name, const void *data,
              size_t len, emg_report_t **out)
{
	if (sc == NULL || out == NULL || (data == NULL && len > 0))
		return EMG_EINVAL;
	*out = NULL;
	uint64_t start = scan_now_ms();
	emg_report_t *r = NULL;
	emg_status_t st = report_new(&r);
	if (st == EMG_OK)
		st = scan_wrap_file(name, data ? data : "", len, sc->magic,
		                    &r->msg);
	emg_env_t env = {0};
	if (st == EMG_OK)
		st = scan_run(sc, r, &env, start);
	if (st != EMG_OK) {
		emg_report_free(r);
		return st;
	}
	report_finish(r, sc->cfg);
	r->elapsed_ms = (unsigned)(scan_now_ms() - start);
	*out = r;
	return EMG_OK;
}
