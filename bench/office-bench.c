/*
 * office-bench.c - time of one in-process scan of an Office document, as
 * the milter pays it (one long-lived scanner, no program start):
 *
 *   office-bench [-n RUNS] BASELINE FILE...
 *
 * Each file is scanned as an attachment (emg_scan_file) RUNS times (default
 * 50) after one warm-up scan; the median and the 95th percentile in
 * milliseconds are printed, with the ratio of the median to BASELINE's.
 * BASELINE is a file of the same size that no analyzer opens (random
 * bytes): it carries the cost every attachment pays (SHA-256, libmagic),
 * so the ratio shows what the Office analysis adds.  Asserts nothing;
 * bench/office runs it and checks the targets.
 * Build: make bench/office-bench (an EXTRA_PROGRAMS target).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emguard.h"

#define BENCH_RUNS_MAX 10000

static double
bench_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static unsigned char *
bench_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			unsigned char *b = realloc(buf, cap);
			if (b == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* Median and p95 of RUNS scans of PATH, in *MED and *P95. */
static int
bench_file(emg_scanner_t *sc, const char *path, int runs, double *med,
           double *p95, const char **action)
{
	size_t len = 0;
	unsigned char *data = bench_read(path, &len);
	if (data == NULL) {
		perror(path);
		return -1;
	}
	double *t = calloc((size_t)runs, sizeof(*t));
	if (t == NULL) {
		free(data);
		return -1;
	}
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (int i = -1; i < runs; i++) {
		emg_report_t *r = NULL;
		double t0 = bench_now_ms();
		emg_status_t st = emg_scan_file(sc, name, data, len, &r);
		double dt = bench_now_ms() - t0;
		if (st != EMG_OK) {
			fprintf(stderr, "%s: %s\n", path, emg_strerror(st));
			free(t);
			free(data);
			return -1;
		}
		*action = emg_action_name(emg_report_action(r));
		emg_report_free(r);
		if (i >= 0)
			t[i] = dt;
	}
	qsort(t, (size_t)runs, sizeof(*t), bench_cmp);
	*med = t[runs / 2];
	*p95 = t[(runs * 95) / 100 < runs ? (runs * 95) / 100 : runs - 1];
	free(t);
	free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	int runs = 50, a = 1;
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		runs = atoi(argv[2]);
		a = 3;
	}
	if (runs < 1 || runs > BENCH_RUNS_MAX || argc - a < 2) {
		fprintf(stderr, "usage: office-bench [-n RUNS] BASELINE FILE...\n");
		return 2;
	}
	emg_config_t *cfg = NULL;
	emg_scanner_t *sc = NULL;
	char err[256];
	if (emg_config_default(&cfg) != EMG_OK ||
	    emg_scanner_new(cfg, &sc, err, sizeof(err)) != EMG_OK) {
		fprintf(stderr, "office-bench: no scanner: %s\n", err);
		return 2;
	}
	double base = 0, med, p95;
	const char *action = "";
	int rc = 0;
	printf("%-28s %10s %10s %8s  %s\n", "file", "median ms", "p95 ms",
	       "ratio", "action");
	for (int i = a; i < argc; i++) {
		if (bench_file(sc, argv[i], runs, &med, &p95, &action) != 0) {
			rc = 1;
			continue;
		}
		if (i == a)
			base = med;
		const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1
		                                         : argv[i];
		printf("%-28s %10.2f %10.2f %8.2f  %s%s\n", name, med, p95,
		       base > 0 ? med / base : 0.0, action,
		       i == a ? " (baseline)" : "");
	}
	emg_scanner_free(sc);
	emg_config_unref(cfg);
	return rc;
}
