/*
 * magicdb.c - libmagic handles that share one read-only copy of the
 * compiled magic database.
 *
 * magic_load() maps the 8 MB magic.mgc privately for every handle, and
 * every scanner (one per concurrent scan: up to 64 in the milter's pool)
 * has a handle.  The pages are shared in the page cache, but each mapping
 * counts them again in the resident size, and the milter's RSS grew by
 * about 8 MB for every scanner that had touched the database: from 19 MB
 * to 170 MB under 50 sessions, which hid any real growth.  So the
 * database is mapped once per process, PROT_READ, and each handle is
 * given that mapping with magic_load_buffers(), which uses the bytes in
 * place.  The mapping is made once (pthread_once), never changes and is
 * never unmapped: it is the one piece of process-wide state the library
 * keeps, read-only like a constant table.
 *
 * The shared copy is used only when it is exactly what magic_load would
 * read: the default path (or $MAGIC) names one compiled database in this
 * machine's byte order, and any other file on the path holds no rules
 * (Debian's /etc/magic is comments only).  Otherwise each handle loads
 * the usual way; the result is the same, only larger.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "magicdb.h"

#define MAGICDB_NO 0xF11E041Cu        /* first word of a compiled file */
#define MAGICDB_MAX_SIZE (256u << 20) /* larger than any real database */
#define MAGICDB_MAX_TEXT (64u << 10)  /* a local rules file we read */
#define MAGICDB_MAX_PATHS 16

static pthread_once_t magicdb_once = PTHREAD_ONCE_INIT;
static void *magicdb_map;
static size_t magicdb_len;

/* True when the text file PATH is absent or holds no rule: blank lines
 * and comments only. */
static bool
magicdb_no_rules(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	struct stat sb;
	bool empty = false;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (uint64_t)sb.st_size <= MAGICDB_MAX_TEXT) {
		char *buf = malloc((size_t)sb.st_size + 1);
		ssize_t n = buf ? read(fd, buf, (size_t)sb.st_size) : -1;
		if (n == sb.st_size) {
			empty = true;
			for (char *p = buf, *end = buf + n; p < end && empty;) {
				char *lf = memchr(p, '\n', (size_t)(end - p));
				char *e = lf ? lf : end;
				while (p < e && (*p == ' ' || *p == '\t'))
					p++;
				empty = p == e || *p == '#';
				p = e + 1;
			}
		}
		free(buf);
	}
	close(fd);
	return empty;
}

/* Map PATH when it is a compiled database in this byte order. */
static bool
magicdb_map_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat sb;
	uint32_t word = 0;
	bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	          sb.st_size > 64 && (uint64_t)sb.st_size <= MAGICDB_MAX_SIZE &&
	          pread(fd, &word, sizeof(word), 0) == sizeof(word) &&
	          word == MAGICDB_NO;
	if (ok) {
		void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE,
		               fd, 0);
		ok = p != MAP_FAILED;
		if (ok) {
			magicdb_map = p;
			magicdb_len = (size_t)sb.st_size;
		}
	}
	close(fd);
	return ok;
}

/* Find and map the database magic_load(NULL) would read, when it is one
 * compiled file and nothing else adds rules. */
static void
magicdb_load_once(void)
{
	const char *list = magic_getpath(EMG_MAGIC_FILE, 0);
	char *copy = list ? strdup(list) : NULL, *save = NULL;
	char mgc[4096];
	bool text_rules = false;
	int n = 0;

	for (char *c = copy ? strtok_r(copy, ":", &save) : NULL;
	     c != NULL && n < MAGICDB_MAX_PATHS && !text_rules;
	     c = strtok_r(NULL, ":", &save), n++) {
		size_t len = strlen(c);
		bool is_mgc = len > 4 && strcmp(c + len - 4, ".mgc") == 0;
		/* magic_load prefers "NAME.mgc" to the text file NAME */
		if (!is_mgc && snprintf(mgc, sizeof(mgc), "%s.mgc", c) <
		                   (int)sizeof(mgc) &&
		    access(mgc, F_OK) == 0) {
			if (magicdb_map != NULL || !magicdb_map_file(mgc))
				text_rules = true;
		} else if (is_mgc) {
			if (magicdb_map != NULL || !magicdb_map_file(c))
				text_rules = true;
		} else if (!magicdb_no_rules(c)) {
			text_rules = true;
		}
	}
	if (n >= MAGICDB_MAX_PATHS)
		text_rules = true;
	free(copy);
	if (text_rules && magicdb_map != NULL) {
		munmap(magicdb_map, magicdb_len);
		magicdb_map = NULL;
	}
}

emg_status_t
magicdb_open(int flags, magic_t *out, char *err, size_t errlen)
{
	*out = NULL;
	pthread_once(&magicdb_once, magicdb_load_once);
	magic_t m = magic_open(flags);
	if (m == NULL) {
		snprintf(err, errlen, "libmagic: magic_open failed");
		return EMG_EDEP;
	}
	void *bufs[1] = {magicdb_map};
	size_t lens[1] = {magicdb_len};
	if ((magicdb_map == NULL || magic_load_buffers(m, bufs, lens, 1) != 0) &&
	    magic_load(m, EMG_MAGIC_FILE) != 0) {
		snprintf(err, errlen, "libmagic: %s", magic_error(m));
		magic_close(m);
		return EMG_EDEP;
	}
	*out = m;
	return EMG_OK;
}
