/*
 * unpack-bench.c - time and peak RSS of the archive reader (lib/unpack.c)
 * on bombs and encrypted ZIPs, as the attachment walker will drive it.
 *
 *   unpack-bench walk FILE        walk FILE and nested archives (depth 4)
 *                                 under the emguard default limits; the
 *                                 first limit hit decides (attach.
 *                                 unscannable) and ends the walk
 *   unpack-bench walk-all FILE    the same, but go on after a limit hit
 *                                 until the byte budget is spent
 *   unpack-bench aes FILE PW      try 9 wrong candidates, then PW, on every
 *                                 encrypted member, then read them
 *
 * Fixtures: tests/gen-archives.sh DIR --bench (zero300.zip, nested42.zip,
 * aes256.zip).  Prints elapsed wall time and peak RSS; asserts nothing.
 * Build: see the report of issue 3 (needs libzip, libarchive, icu-uc).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "limits.h"
#include "unpack.h"

#define BENCH_NEST_MAX (8u << 20) /* a nested archive kept in memory */

typedef struct walk {
	emg_limits_t lim;
	uint64_t used;      /* bytes out of every archive, all levels */
	unsigned members, limits_hit, corrupt;
	bool stop_at_limit;
} walk_t;

typedef struct grab {
	uint8_t *p;
	size_t n, cap;
	bool nested;        /* starts like an archive: keep it */
	uint64_t total;
} grab_t;

static int grab_sink(void *ctx, const uint8_t *buf, size_t n)
{
	grab_t *g = ctx;

	if (g->total == 0 && n >= 4)
		g->nested = (buf[0] == 'P' && buf[1] == 'K') ||
		            (buf[0] == '7' && buf[1] == 'z');
	g->total += n;
	if (!g->nested)
		return 0;
	if (g->n + n > BENCH_NEST_MAX)
		return 1; /* too big to recurse into: the walker reports it */
	if (g->n + n > g->cap) {
		size_t c = g->cap ? g->cap : 65536;
		while (c < g->n + n)
			c *= 2;
		uint8_t *np = realloc(g->p, c);
		if (np == NULL)
			return 1;
		g->p = np;
		g->cap = c;
	}
	memcpy(g->p + g->n, buf, n);
	g->n += n;
	return 0;
}

static void walk(walk_t *w, const uint8_t *d, size_t len, unsigned depth)
{
	unpack_limits_t ul = {.max_files = w->lim.archive_files,
	                      .max_ratio = w->lim.compression_ratio,
	                      .ratio_floor = 1u << 20};
	unpack_t *u;
	char why[256];

	if (depth > w->lim.archive_depth || w->used >= w->lim.archive_bytes) {
		w->limits_hit++;
		return;
	}
	ul.max_bytes = w->lim.archive_bytes - w->used;
	if (unpack_open(d, len, NULL, &ul, &u, why, sizeof(why)) != EMG_OK) {
		w->corrupt++;
		return;
	}
	for (size_t i = 0; i < unpack_count(u); i++) {
		grab_t g = {0};
		unpack_result_t res;
		emg_status_t st;

		if (unpack_member(u, i)->is_dir)
			continue;
		w->members++;
		st = unpack_read(u, i, NULL, grab_sink, &g, &res, why,
		                 sizeof(why));
		w->used += g.total;
		if (st == EMG_ELIMIT)
			w->limits_hit++;
		if (w->limits_hit > 0 && w->stop_at_limit) {
			free(g.p);
			break;
		}
		if (res == UNPACK_RESULT_OK && g.nested)
			walk(w, g.p, g.n, depth + 1);
		free(g.p);
		if (w->used >= w->lim.archive_bytes)
			break;
	}
	unpack_close(u);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *p;
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0) {
		if (fp != NULL)
			fclose(fp);
		return NULL;
	}
	rewind(fp);
	p = malloc((size_t)n + 1);
	if (p != NULL)
		*len = fread(p, 1, (size_t)n, fp);
	fclose(fp);
	return p;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 +
	       (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int null_sink(void *ctx, const uint8_t *b, size_t n)
{
	(void)ctx;
	(void)b;
	(void)n;
	return 0;
}

static int bench_aes(const uint8_t *d, size_t len, const char *pw)
{
	static const char *wrong[9] = {"a1", "b2", "c3", "d4", "e5",
	                               "f6", "g7", "h8", "i9"};
	struct timespec t0;
	unpack_t *u;
	unsigned opened = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (unpack_open(d, len, "application/zip", NULL, &u, NULL, 0) != EMG_OK)
		return 1;
	for (size_t i = 0; i < unpack_count(u); i++) {
		unpack_result_t res;
		if (!unpack_member(u, i)->encrypted)
			continue;
		for (int k = 0; k < 9; k++)
			if (unpack_password_ok(u, i, wrong[k]))
				printf("false positive: %s\n", wrong[k]);
		if (unpack_password_ok(u, i, pw) &&
		    unpack_read(u, i, pw, null_sink, NULL, &res, NULL, 0) ==
		            EMG_OK &&
		    res == UNPACK_RESULT_OK)
			opened++;
	}
	printf("aes: %u members opened, 10 candidates each, %.2f ms\n",
	       opened, ms_since(&t0));
	unpack_close(u);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t0;
	struct rusage ru;
	size_t len = 0;
	uint8_t *d;
	walk_t w = {0};

	if (argc < 3 || (strcmp(argv[1], "aes") == 0 && argc < 4)) {
		fprintf(stderr, "usage: unpack-bench walk|walk-all FILE | "
		                "aes FILE PW\n");
		return 2;
	}
	d = slurp(argv[2], &len);
	if (d == NULL) {
		perror(argv[2]);
		return 2;
	}
	if (strcmp(argv[1], "aes") == 0) {
		/* One warm-up open: OpenSSL loads its tables once per process
		 * (a milter pays it at start-up, not per mail). */
		(void)bench_aes(d, len, argv[3]);
		return bench_aes(d, len, argv[3]);
	}
	limits_default(&w.lim);
	w.stop_at_limit = strcmp(argv[1], "walk") == 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	walk(&w, d, len, 0);
	getrusage(RUSAGE_SELF, &ru);
	printf("%s %s: %.1f ms (cpu %.1f ms), peak RSS %ld KB, %u members, %llu bytes "
	       "out, %u limits hit, %u unreadable\n",
	       argv[1], argv[2], ms_since(&t0),
	       ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
	               ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3,
	       ru.ru_maxrss, w.members,
	       (unsigned long long)w.used, w.limits_hit, w.corrupt);
	free(d);
	return 0;
}
