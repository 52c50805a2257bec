/*
 * fuzz_main.c - replay fuzz inputs through LLVMFuzzerTestOneInput without
 * libFuzzer, so that the committed corpus (and any crash reproducer) runs in
 * every make check, also under valgrind or a sanitizer build.
 *
 * usage: fuzz_message_replay FILE|DIR...
 * A directory is read one level deep (sorted, dot files skipped).  Exit
 * status: 0 when every input ran, 1 when a file could not be read, 2 on
 * usage error.  A crash in the target is a crash here, which is the point.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (64u * 1024u * 1024u) /* larger inputs are skipped */

/* Read PATH whole and run it; returns 0 or -1 on an I/O error. */
static int replay_file(const char *path)
{
	FILE *fp;
	struct stat st;
	uint8_t *buf;
	size_t len;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) != 0 || st.st_size < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	if ((uintmax_t)st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "%s: skipped, larger than %u bytes\n", path,
		        REPLAY_MAX_INPUT);
		fclose(fp);
		return 0;
	}
	/* +1 so that an empty file still gets a valid pointer. */
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		fclose(fp);
		return -1;
	}
	len = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	/* Name the input first, so that a crash points at its file. */
	fprintf(stderr, "Running: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file in DIR in name order; returns the error count. */
static int replay_dir(const char *dir, unsigned *count)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int errors = 0;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nn = realloc(names, ncap * sizeof(*names));
			if (nn == NULL) {
				errors++;
				break;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			errors++;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), replay_cmp);
	for (i = 0; i < n; i++) {
		size_t plen = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(plen);
		struct stat st;

		if (path == NULL) {
			errors++;
			break;
		}
		snprintf(path, plen, "%s%s%s", dir,
		         dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) != 0)
				errors++;
			else
				(*count)++;
		}
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return errors;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int errors = 0, i;
	struct stat st;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			errors++;
		} else if (S_ISDIR(st.st_mode)) {
			errors += replay_dir(argv[i], &count);
		} else if (replay_file(argv[i]) != 0) {
			errors++;
		} else {
			count++;
		}
	}
	printf("%s: %u inputs replayed, %d errors\n", argv[0], count, errors);
	return errors ? 1 : 0;
}
