/*
 * testutil.c - helpers shared by the unit tests (see testutil.h).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"

emg_config_t *
tu_config(const char *text)
{
	emg_config_t *cfg = NULL;
	char err[512] = "";
	emg_status_t st;

	if (text == NULL)
		st = emg_config_default(&cfg);
	else
		st = config_parse("test.conf", text, strlen(text), &cfg, err,
		                  sizeof(err));
	ck_assert_msg(st == EMG_OK, "config: %s: %s", emg_strerror(st), err);
	return cfg;
}

emg_report_t *
tu_scan(const char *conf, const char *msg, const emg_envelope_t *env)
{
	emg_config_t *cfg = tu_config(conf);
	emg_scanner_t *sc = NULL;
	char err[512] = "";
	emg_status_t st = emg_scanner_new(cfg, &sc, err, sizeof(err));
	ck_assert_msg(st == EMG_OK, "scanner: %s", err);
	emg_report_t *r = NULL;
	st = emg_scan(sc, msg, strlen(msg), env, &r);
	ck_assert_msg(st == EMG_OK, "scan: %s", emg_strerror(st));
	emg_scanner_free(sc);
	emg_config_unref(cfg);
	return r;
}

const char *
tu_symbols(const emg_report_t *r)
{
	static char buf[4096];
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < emg_report_finding_count(r); i++) {
		const emg_finding_t *f = emg_report_finding(r, i);
		int n = snprintf(buf + off, sizeof(buf) - off, "%s%s(%s)",
		                 i ? "," : "", f->symbol, f->detail ? f->detail : "");
		if (n < 0 || (size_t)n >= sizeof(buf) - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

int
tu_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
