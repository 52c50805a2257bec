/*
 * testutil.h - shared helpers for the table-driven unit tests: build a
 * configuration from text, scan a message given as text, run a suite.
 */
#ifndef EMG_TESTUTIL_H
#define EMG_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"

/* A configuration from TEXT ("Keyword value" lines); NULL for defaults.
 * Fails the running test when TEXT does not parse. */
emg_config_t *tu_config(const char *text);

/* Scan MSG (a whole message as text; "\n" line ends are fine) under the
 * configuration CONF (text or NULL) with envelope ENV (may be NULL). */
emg_report_t *tu_scan(const char *conf, const char *msg,
                      const emg_envelope_t *env);

/* The first finding of R whose symbol (or category) is SYMBOL, or NULL. */
const emg_finding_t *tu_finding(const emg_report_t *r, const char *symbol);

/* Comma-separated symbols of R, for assertion messages.  Static buffer. */
const char *tu_symbols(const emg_report_t *r);

/* One stream of a compound file built by tu_cfb_build: PATH is
 * "/"-separated ("Macros/VBA/dir"); storages are made as needed. */
typedef struct tu_cfb_stream {
	const char *path;
	const void *data;
	size_t len;
} tu_cfb_stream_t;

/* An OLE2 compound file (libgsf's writer) holding the N STREAMS, in that
 * order; *LEN gets its size.  malloc'd, caller frees.  Fails the running
 * test on error. */
uint8_t *tu_cfb_build(const tu_cfb_stream_t *streams, size_t n, size_t *len);

/* The file PATH under the shared corpus (../shared/corpus beside the
 * source tree), read whole into *LEN bytes (malloc'd), or NULL when the
 * corpus is not there (callers skip then). */
uint8_t *tu_corpus_read(const char *path, size_t *len);

/* The libpq conninfo of the PostgreSQL test server (EMGUARD_TEST_PG, set
 * by tests/store-pg.sh), or NULL when there is none. */
const char *tu_pg_conninfo(void);
/* A schema of its own on the test server, named PREFIX_PID_N into SCHEMA
 * (SLEN bytes); DSN (DLEN bytes) gets a DataStore that works in it.
 * Fails the running test on error. */
void tu_pg_schema(const char *prefix, char *schema, size_t slen, char *dsn,
                  size_t dlen);
/* Drop SCHEMA and everything in it. */
void tu_pg_drop_schema(const char *schema);

/* Run suite S with Check; returns the process exit status. */
int tu_run_suite(Suite *s);

/* A main() running the listed START_TEST cases in one suite NAME. */
#define TESTUTIL_MAIN(name, ...)                                               \
	int main(void)                                                         \
	{                                                                      \
		Suite *s = suite_create(name);                                 \
		TCase *tc = tcase_create("core");                              \
		const TTest *tests[] = {__VA_ARGS__};                          \
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)  \
			tcase_add_test(tc, tests[i]);                          \
		suite_add_tcase(s, tc);                                        \
		return tu_run_suite(s);                                        \
	}

#endif
