/*
 * msgbuf.c - the bytes of one message while it arrives (milter.h).
 *
 * Most mail is small and stays in memory; past MilterBufferSize the bytes
 * go to a temporary file that never has a name (O_TMPFILE; where the file
 * system lacks it, one unlinked as soon as it is created), so that nothing
 * is left behind when the milter dies, and that is mapped back for the
 * scan.  Bytes past LimitMessageSize + 1 are counted and
 * dropped: the one extra byte lets the library see that the limit was
 * exceeded and say so as attach.unscannable.
 *
 * Failure: a spill file that cannot be created or written (EMG_EIO, with
 * the reason); the caller then follows OnError.  Out of memory likewise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "milter.h"

#define MSGBUF_MIN_CAP 8192

void
msgbuf_init(msgbuf_t *b, size_t mem_max, size_t keep_max, const char *tmpdir)
{
	*b = (msgbuf_t){
	    .fd = -1,
	    .mem_max = mem_max,
	    .keep_max = keep_max < SIZE_MAX ? keep_max + 1 : keep_max,
	    .tmpdir = tmpdir,
	};
}

static emg_status_t
msgbuf_fail(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
	return EMG_EIO;
}

/* Write LEN bytes to the spill file. */
static emg_status_t
msgbuf_write(msgbuf_t *b, const char *p, size_t len, char *err, size_t errlen)
{
	while (len > 0) {
		ssize_t n = write(b->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return msgbuf_fail(err, errlen, "writing to",
			                   b->tmpdir);
		p += n;
		len -= (size_t)n;
		b->file_len += (size_t)n;
	}
	return EMG_OK;
}

/* A new temporary file in TMPDIR that has no name: O_TMPFILE, so that the
 * message's bytes never appear under a name, not even for the moment
 * between mkostemp and unlink; a file system without it (EOPNOTSUPP, or
 * EISDIR/EINVAL from an older kernel) gets mkostemp and an unlink at once.
 * Either way mode 0600.  -1 with errno set on failure. */
static int
msgbuf_tmpfile(const char *tmpdir)
{
	int fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 ||
	    (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/emguard-XXXXXX", tmpdir) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		(void)unlink(path);
	return fd;
}

/* Move what is in memory to a new unlinked temporary file. */
static emg_status_t
msgbuf_spill(msgbuf_t *b, char *err, size_t errlen)
{
	b->fd = msgbuf_tmpfile(b->tmpdir);
	if (b->fd < 0)
		return msgbuf_fail(err, errlen, "temporary file in", b->tmpdir);
	emg_status_t st = msgbuf_write(b, b->mem, b->len, err, errlen);
	free(b->mem);
	b->mem = NULL;
	b->len = b->cap = 0;
	return st;
}

/* Make room for LEN more bytes in memory. */
static emg_status_t
msgbuf_grow(msgbuf_t *b, size_t len)
{
	if (b->cap - b->len >= len)
		return EMG_OK;
	size_t cap = b->cap ? b->cap : MSGBUF_MIN_CAP;
	while (cap - b->len < len)
		cap = cap > b->mem_max / 2 ? b->len + len : cap * 2;
	char *mem = realloc(b->mem, cap);
	if (mem == NULL)
		return EMG_ENOMEM;
	b->mem = mem;
	b->cap = cap;
	return EMG_OK;
}

emg_status_t
msgbuf_append(msgbuf_t *b, const void *data, size_t len, char *err,
              size_t errlen)
{
	b->offered += len;
	size_t kept = b->len + b->file_len;
	if (kept >= b->keep_max)
		return EMG_OK;
	if (len > b->keep_max - kept)
		len = b->keep_max - kept;
	if (b->fd < 0 && b->len + len > b->mem_max) {
		emg_status_t st = msgbuf_spill(b, err, errlen);
		if (st != EMG_OK)
			return st;
	}
	if (b->fd >= 0)
		return msgbuf_write(b, data, len, err, errlen);
	emg_status_t st = msgbuf_grow(b, len);
	if (st != EMG_OK)
		return st;
	memcpy(b->mem + b->len, data, len);
	b->len += len;
	return EMG_OK;
}

emg_status_t
msgbuf_view(msgbuf_t *b, const void **data, size_t *len, char *err,
            size_t errlen)
{
	if (b->fd < 0) {
		*data = b->mem ? b->mem : "";
		*len = b->len;
		return EMG_OK;
	}
	if (b->map == NULL && b->file_len > 0) {
		void *map =
		    mmap(NULL, b->file_len, PROT_READ, MAP_PRIVATE, b->fd, 0);
		if (map == MAP_FAILED)
			return msgbuf_fail(err, errlen, "mapping a file in",
			                   b->tmpdir);
		b->map = map;
		b->map_len = b->file_len;
	}
	*data = b->map ? b->map : "";
	*len = b->map_len;
	return EMG_OK;
}

void
msgbuf_free(msgbuf_t *b)
{
	if (b->map != NULL)
		munmap(b->map, b->map_len);
	if (b->fd >= 0)
		close(b->fd);
	free(b->mem);
	*b = (msgbuf_t){.fd = -1};
}
