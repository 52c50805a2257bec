/*
 * quarantine-writer.c - a test program for tests/quarantine-crash.sh: it
 * opens the quarantine of a configuration file and works it through the
 * public API only.
 *
 *   quarantine-writer CONF [--count N]     store generated messages (a few
 *       hundred bytes to ~1 MB, every byte value in the body) until killed
 *       or N are stored; after each put that returned EMG_OK, and only
 *       then, print "ID SHA256" (of the bytes it generated) and flush
 *   quarantine-writer CONF --recover       emg_quarantine_recover; print
 *       "removed N missing M"
 *   quarantine-writer CONF --check         read "ID SHA256" lines on stdin;
 *       each entry must read back (emg_quarantine_read checks the stored
 *       SHA-256) with exactly that SHA-256; print each failure
 *   quarantine-writer CONF --bench SIZE N  store N messages of SIZE bytes;
 *       print the put latency (median, 95th percentile, mean) in ms
 *
 * Exit: 0 done, 1 a failure (printed on stderr), 2 bad usage.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emguard.h"

#define WRITER_MAX_SIZE (1u << 20)
#define WRITER_MAX_LINE 256

static char *rcpts_v[] = {"taro@corp.test", "hanako@corp.test"};
static const emg_envelope_t writer_env = {
    .mail_from = "sender@vendor.test",
    .rcpts = (const char *const *)rcpts_v,
    .n_rcpts = 2,
    .client_ip = "192.0.2.25",
    .helo = "mx.vendor.test",
};

static void
sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	hex[0] = '\0';
	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return;
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* A message of SIZE bytes (at least its header) into BUF. */
static size_t
make_message(unsigned char *buf, size_t size, unsigned serial)
{
	int n = snprintf((char *)buf, 256,
	                 "From: Sender <sender@vendor.test>\r\n"
	                 "To: taro@corp.test\r\n"
	                 "Subject: crash test %u (%zu bytes)\r\n"
	                 "Message-ID: <%u.%ld@writer.test>\r\n\r\n",
	                 serial, size, serial, (long)getpid());
	size_t len = n > 0 ? (size_t)n : 0;
	for (; len < size; len++)
		buf[len] = (unsigned char)rand();
	return len;
}

/* A size from a few hundred bytes to WRITER_MAX_SIZE, mostly small. */
static size_t
pick_size(void)
{
	switch (rand() % 4) {
	case 0: return 300 + (size_t)rand() % 4096;
	case 1: return 300 + (size_t)rand() % 65536;
	default: return 300 + (size_t)rand() % WRITER_MAX_SIZE;
	}
}

static int
run_writer(emg_quarantine_t *q, long count)
{
	unsigned char *buf = malloc(WRITER_MAX_SIZE + 512);
	char id[EMG_QID_MAX], hex[65];

	if (buf == NULL)
		return 1;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (long i = 0; count < 0 || i < count; i++) {
		size_t len = make_message(buf, pick_size(), (unsigned)i);
		sha256_hex(buf, len, hex);
		emg_status_t st =
		    emg_quarantine_put(q, buf, len, &writer_env, NULL,
		                       "crash test", "test:writer", id);
		if (st != EMG_OK) {
			fprintf(stderr, "quarantine-writer: put: %s\n",
			        emg_quarantine_error(q));
			free(buf);
			return 1;
		}
		printf("%s %s\n", id, hex);
		fflush(stdout);
	}
	free(buf);
	return 0;
}

static int
run_check(emg_quarantine_t *q)
{
	char line[WRITER_MAX_LINE], id[EMG_QID_MAX], want[65], got[65];
	unsigned checked = 0, bad = 0;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "%31s %64s", id, want) != 2) {
			fprintf(stderr, "check: bad line: %s", line);
			bad++;
			continue;
		}
		void *data = NULL;
		size_t len = 0;
		checked++;
		if (emg_quarantine_read(q, id, &data, &len) != EMG_OK) {
			printf("LOST %s: %s\n", id, emg_quarantine_error(q));
			bad++;
			continue;
		}
		sha256_hex(data, len, got);
		free(data);
		if (strcmp(got, want) != 0) {
			printf("CHANGED %s: sha256 %s, acknowledged %s\n", id,
			       got, want);
			bad++;
		}
	}
	printf("checked %u acknowledged entries, %u bad\n", checked, bad);
	return bad == 0 ? 0 : 1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
run_bench(emg_quarantine_t *q, size_t size, long n)
{
	unsigned char *buf = malloc(size + 512);
	double *ms = calloc((size_t)n, sizeof(double)), sum = 0;
	char id[EMG_QID_MAX];

	if (buf == NULL || ms == NULL)
		return 1;
	for (long i = 0; i < n; i++) {
		size_t len = make_message(buf, size, (unsigned)i);
		double t0 = now_ms();
		if (emg_quarantine_put(q, buf, len, &writer_env, NULL, "bench",
		                       "test:bench", id) != EMG_OK) {
			fprintf(stderr, "bench: put: %s\n",
			        emg_quarantine_error(q));
			return 1;
		}
		ms[i] = now_ms() - t0;
		sum += ms[i];
	}
	qsort(ms, (size_t)n, sizeof(double), cmp_double);
	printf("%s put of %zu bytes, %ld times: median %.2f ms, p95 %.2f ms, "
	       "mean %.2f ms\n",
	       emg_quarantine_backend(q), size, n, ms[n / 2],
	       ms[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1], sum / n);
	free(buf);
	free(ms);
	return 0;
}

int
main(int argc, char **argv)
{
	emg_config_t *cfg = NULL;
	emg_quarantine_t *q = NULL;
	char err[512] = "";

	if (argc < 2) {
		fprintf(stderr, "usage: quarantine-writer CONF [--count N | "
		                "--recover | --check | --bench SIZE N]\n");
		return 2;
	}
	if (emg_config_load(argv[1], &cfg, err, sizeof(err)) != EMG_OK ||
	    emg_quarantine_open(cfg, &q, err, sizeof(err)) != EMG_OK) {
		fprintf(stderr, "quarantine-writer: %s\n", err);
		emg_config_unref(cfg);
		return 1;
	}
	int rc = 2;
	const char *mode = argc > 2 ? argv[2] : "";
	if (argc == 2)
		rc = run_writer(q, -1);
	else if (strcmp(mode, "--count") == 0 && argc == 4)
		rc = run_writer(q, atol(argv[3]));
	else if (strcmp(mode, "--check") == 0)
		rc = run_check(q);
	else if (strcmp(mode, "--bench") == 0 && argc == 5 &&
	         atol(argv[3]) > 0 && atol(argv[4]) > 0)
		rc = run_bench(q, (size_t)atol(argv[3]), atol(argv[4]));
	else if (strcmp(mode, "--recover") == 0) {
		uint64_t removed = 0, missing = 0;
		rc = emg_quarantine_recover(q, &removed, &missing) == EMG_OK
		         ? 0
		         : 1;
		if (rc != 0)
			fprintf(stderr, "quarantine-writer: recover: %s\n",
			        emg_quarantine_error(q));
		printf("removed %llu missing %llu\n",
		       (unsigned long long)removed,
		       (unsigned long long)missing);
	}
	if (rc == 2)
		fprintf(stderr, "quarantine-writer: bad arguments\n");
	emg_quarantine_close(q);
	emg_config_unref(cfg);
	return rc;
}
