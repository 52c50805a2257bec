/*
 * input.c - the input walker of `emguard scan` (see input.h).
 *
 * One PATH becomes a depth-first walk over a stack of directory frames, each
 * holding its sorted entry names, plus at most one open file being read.
 * Files are read through one fixed 64 KiB buffer: a plain message is then
 * read whole (refused above the size limit before anything is allocated),
 * an mbox is split line by line so that only the current message is held.
 * Every failure becomes an INPUT_ERROR item for that path and the walk goes
 * on; only running out of memory stops it.  Relies on POSIX (stat, dirent).
 */
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define INPUT_RDBUF 65536
/* Entries of one directory: beyond this the rest is reported and skipped. */
#define INPUT_MAX_DIRENTS ((size_t)1 << 22)

typedef struct input_dir {
	char *path;
	char **names;
	size_t n;
	size_t next;
	dev_t dev;
	ino_t ino;
} input_dir_t;

/* A buffered reader over one file descriptor. */
typedef struct input_rd {
	int fd; /* -1 when no file is open */
	bool own_fd;
	bool eof;
	int err;
	size_t pos;
	size_t end;
	char *buf;
} input_rd_t;

/* A message being collected from an mbox. */
typedef struct input_buf {
	char *data;
	size_t len;
	size_t alloc;
	bool too_big;
} input_buf_t;

struct input {
	char *root;
	size_t max_message;
	bool started;
	bool count_only;  /* input_count(): do not read message bodies */
	bool uncountable; /* input_count() saw stdin or an mbox */
	input_dir_t dirs[INPUT_MAX_DEPTH + 1];
	unsigned depth;
	input_rd_t rd;
	char *mbox_label;     /* the mbox being split, or NULL */
	unsigned long mbox_n; /* messages started in it */
};

static const char input_from[] = "From ";

/* A malloc'ed printf result, or NULL when out of memory. */
static char *
input_fmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* DIR/NAME without doubling the slash that a user may type after DIR. */
static char *
input_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dl == 1 && dir[0] == '/')
		return input_fmt("/%s", name);
	return input_fmt("%.*s/%s", (int)dl, dir, name);
}

/* Fill ITEM as an error for LABEL; returns 1 (item filled) or -1. */
static int
input_fail(input_item_t *item, const char *label, const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	item->kind = INPUT_ERROR;
	item->label = strdup(label);
	item->error = strdup(reason);
	if (item->label == NULL || item->error == NULL) {
		input_item_clear(item);
		return -1;
	}
	return 1;
}

/* ---- the buffered reader ------------------------------------------------ */

static void
input_rd_close(input_rd_t *rd)
{
	if (rd->fd >= 0 && rd->own_fd)
		close(rd->fd);
	rd->fd = -1;
	rd->pos = rd->end = 0;
	rd->eof = false;
	rd->err = 0;
}

static void
input_rd_start(input_rd_t *rd, int fd, bool own_fd)
{
	input_rd_close(rd);
	rd->fd = fd;
	rd->own_fd = own_fd;
}

/* Read once more after the buffered bytes.  Returns 0, or -1 with rd->err. */
static int
input_rd_read(input_rd_t *rd)
{
	if (rd->pos > 0) {
		memmove(rd->buf, rd->buf + rd->pos, rd->end - rd->pos);
		rd->end -= rd->pos;
		rd->pos = 0;
	}
	ssize_t n;
	do
		n = read(rd->fd, rd->buf + rd->end, INPUT_RDBUF - rd->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rd->err = errno;
		return -1;
	}
	if (n == 0)
		rd->eof = true;
	rd->end += (size_t)n;
	return 0;
}

/* The next piece of a line: up to and including its '\n', or a whole
 * buffer when the line is longer than that (so a piece that starts a line
 * always shows at least its first 64 KiB).  Returns 1, 0 at EOF, -1. */
static int
input_rd_piece(input_rd_t *rd, const char **p, size_t *n)
{
	for (;;) { /* bounded: every round reads more, or returns */
		size_t avail = rd->end - rd->pos;
		char *s = rd->buf + rd->pos;
		char *nl = memchr(s, '\n', avail);
		if (nl != NULL ||
		    (avail > 0 && (rd->eof || avail == INPUT_RDBUF))) {
			*n = nl != NULL ? (size_t)(nl - s) + 1 : avail;
			*p = s;
			rd->pos += *n;
			return 1;
		}
		if (rd->eof)
			return 0;
		if (input_rd_read(rd) < 0)
			return -1;
	}
}

/* ---- whole files ----------------------------------------------------------
 */

/* Read the rest of the open file after the buffered bytes into ITEM, at most
 * in->max_message bytes; SIZE_HINT is the stat size of a regular file. */
static int
input_whole(input_t *in, const char *label, size_t size_hint,
            input_item_t *item)
{
	input_rd_t *rd = &in->rd;
	size_t max = in->max_message;
	size_t have = rd->end - rd->pos;
	size_t alloc = (size_hint > have ? size_hint : have) + 1;
	if (alloc < 4096)
		alloc = 4096;
	if (alloc > max + 2)
		alloc = max + 2;
	char *data = malloc(alloc);
	if (data == NULL)
		return -1;
	memcpy(data, rd->buf + rd->pos, have);
	size_t len = have;
	rd->pos = rd->end;
	/* bounded: stops at EOF or one byte past the limit */
	while (!rd->eof && len <= max) {
		if (len == alloc - 1) {
			size_t na = alloc > (max + 2) / 2 ? max + 2 : alloc * 2;
			char *nd = realloc(data, na);
			if (nd == NULL) {
				free(data);
				return -1;
			}
			data = nd;
			alloc = na;
		}
		ssize_t n;
		do
			n = read(rd->fd, data + len, alloc - 1 - len);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			free(data);
			return input_fail(item, label, "%s", strerror(errno));
		}
		if (n == 0)
			rd->eof = true;
		len += (size_t)n;
	}
	if (len > max) {
		free(data);
		return input_fail(item, label, "larger than %zu bytes, skipped",
		                  max);
	}
	data[len] = '\0';
	item->kind = INPUT_MESSAGE;
	item->label = strdup(label);
	if (item->label == NULL) {
		free(data);
		return -1;
	}
	item->data = data;
	item->len = len;
	return 1;
}

/* Look at the start of the file just opened as FD: an mbox begins a split
 * (the caller's loop then takes its messages), anything else is one
 * message.  ST is NULL for stdin. */
static int
input_file(input_t *in, int fd, bool own_fd, const char *label,
           const struct stat *st, input_item_t *item)
{
	input_rd_t *rd = &in->rd;
	int r = 0;
	input_rd_start(rd, fd, own_fd);
	while (rd->end - rd->pos < sizeof(input_from) - 1 && !rd->eof)
		if (input_rd_read(rd) < 0) {
			r = input_fail(item, label, "%s", strerror(rd->err));
			goto done;
		}
	if (rd->end - rd->pos >= sizeof(input_from) - 1 &&
	    memcmp(rd->buf + rd->pos, input_from, sizeof(input_from) - 1) ==
	        0) {
		if (in->count_only) {
			in->uncountable = true;
			goto done;
		}
		in->mbox_label = strdup(label);
		in->mbox_n = 0;
		return in->mbox_label == NULL ? -1 : 0;
	}
	if (in->count_only) {
		item->kind = INPUT_MESSAGE;
		item->label = strdup(label);
		r = item->label == NULL ? -1 : 1;
		goto done;
	}
	size_t hint = 0;
	if (st != NULL && S_ISREG(st->st_mode)) {
		if ((uintmax_t)st->st_size > in->max_message) {
			r = input_fail(
			    item, label,
			    "file of %jd bytes is larger than %zu, skipped",
			    (intmax_t)st->st_size, in->max_message);
			goto done;
		}
		hint = (size_t)st->st_size;
	}
	r = input_whole(in, label, hint, item);
done:
	input_rd_close(rd);
	return r;
}

/* ---- mbox ------------------------------------------------------------------
 */

/* Append N bytes to B unless that passes MAX (then B is dropped and marked
 * too big, and the caller keeps reading to the next separator). */
static int
input_buf_add(input_buf_t *b, const char *p, size_t n, size_t max)
{
	if (b->too_big)
		return 0;
	if (n > max || b->len > max - n) {
		free(b->data);
		*b = (input_buf_t){.too_big = true};
		return 0;
	}
	if (b->len + n + 1 > b->alloc) {
		size_t na = b->alloc ? b->alloc : 8192;
		while (na < b->len + n + 1) /* bounded: doubles up to max + 1 */
			na = na > max / 2 ? max + 1 : na * 2;
		char *nd = realloc(b->data, na);
		if (nd == NULL)
			return -1;
		b->data = nd;
		b->alloc = na;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static bool
input_is_from(const char *p, size_t n)
{
	return n >= sizeof(input_from) - 1 &&
	       memcmp(p, input_from, sizeof(input_from) - 1) == 0;
}

/* Skip the rest of a line whose first piece P, N did not end it. */
static int
input_mbox_skip_line(input_rd_t *rd, const char *p, size_t n)
{
	/* bounded: every piece consumes input */
	while (n > 0 && p[n - 1] != '\n') {
		int r = input_rd_piece(rd, &p, &n);
		if (r <= 0)
			return r;
	}
	return 0;
}

/* Turn the collected message B into ITEM (labelled path:N). */
static int
input_mbox_yield(input_t *in, input_buf_t *b, size_t blank_len,
                 input_item_t *item)
{
	char *label = input_fmt("%s:%lu", in->mbox_label, in->mbox_n);
	if (label == NULL) {
		free(b->data);
		return -1;
	}
	if (b->too_big) {
		int r = input_fail(item, label,
		                   "message larger than %zu bytes, skipped",
		                   in->max_message);
		free(label);
		return r;
	}
	if (b->data == NULL && (b->data = malloc(1)) == NULL) {
		free(label);
		return -1;
	}
	/* the blank line before a separator (or at the end) is mbox framing */
	b->len -= blank_len;
	b->data[b->len] = '\0';
	item->kind = INPUT_MESSAGE;
	item->label = label;
	item->data = b->data;
	item->len = b->len;
	return 1;
}

/* The next message of the mbox being split; 0 when it is exhausted.  On
 * entry the reader stands just before the From_ line of that message. */
static int
input_mbox_next(input_t *in, input_item_t *item)
{
	input_rd_t *rd = &in->rd;
	const char *p;
	size_t n;
	int r = input_rd_piece(rd, &p, &n);
	if (r <= 0)
		return r < 0 ? input_fail(item, in->mbox_label, "%s",
		                          strerror(rd->err))
		             : 0;
	in->mbox_n++;
	input_buf_t b = {0};
	size_t blank_len = 0;
	bool bol = true;
	/* bounded: every piece consumes input until EOF */
	for (r = input_mbox_skip_line(rd, p, n); r >= 0;) {
		r = input_rd_piece(rd, &p, &n);
		if (r <= 0)
			break;
		if (bol && blank_len > 0 && input_is_from(p, n)) {
			/* leave the reader before this From_ line */
			rd->pos -= n;
			return input_mbox_yield(in, &b, blank_len, item);
		}
		bool blank = bol && ((n == 1 && p[0] == '\n') ||
		                     (n == 2 && p[0] == '\r' && p[1] == '\n'));
		if (bol && p[0] == '>') {
			size_t q = 1;
			while (q < n && p[q] == '>')
				q++;
			if (q < n && input_is_from(p + q, n - q)) {
				p++; /* mboxrd: >From -> From, >>From -> >From
				      */
				n--;
			}
		}
		if (input_buf_add(&b, p, n, in->max_message) < 0) {
			free(b.data);
			return -1;
		}
		blank_len = blank ? n : 0;
		bol = p[n - 1] == '\n';
	}
	if (r < 0) {
		free(b.data);
		rd->eof = true;
		rd->pos = rd->end;
		char *label = input_fmt("%s:%lu", in->mbox_label, in->mbox_n);
		if (label == NULL)
			return -1;
		r = input_fail(item, label, "%s", strerror(rd->err));
		free(label);
		return r;
	}
	return input_mbox_yield(in, &b, blank_len, item);
}

/* ---- directories ------------------------------------------------------- */

static int
input_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
input_is_dir(const char *dir, const char *name)
{
	struct stat st;
	char *p = input_join(dir, name);
	bool ok = p != NULL && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return ok;
}

static void
input_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The sorted, non-hidden entry names of PATH; a Maildir (cur/ and new/)
 * yields just those two, so tmp/ and the dovecot files are left alone.
 * Returns 0, -1 out of memory, or an errno value > 0. */
static int
input_dir_read(const char *path, char ***out, size_t *out_n)
{
	bool maildir = input_is_dir(path, "cur") && input_is_dir(path, "new");
	DIR *dir = opendir(path);
	if (dir == NULL)
		return errno ? errno : EIO;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = 0;
	struct dirent *de;
	errno = 0;
	/* bounded: the directory's entries, at most INPUT_MAX_DIRENTS */
	while ((de = readdir(dir)) != NULL && n < INPUT_MAX_DIRENTS) {
		if (de->d_name[0] == '.')
			continue;
		if (maildir && strcmp(de->d_name, "cur") != 0 &&
		    strcmp(de->d_name, "new") != 0)
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			char **nn = realloc(names, na * sizeof(*names));
			if (nn == NULL) {
				rc = -1;
				break;
			}
			names = nn;
			alloc = na;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = -1;
			break;
		}
		n++;
		errno = 0;
	}
	if (rc == 0 && de == NULL && errno != 0)
		rc = errno;
	closedir(dir);
	if (rc != 0) {
		input_names_free(names, n);
		return rc;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), input_name_cmp);
	*out = names;
	*out_n = n;
	return 0;
}

/* Push directory PATH onto the walk, unless it is too deep or already on
 * the stack (a symlink loop, skipped quietly). */
static int
input_dir_push(input_t *in, const char *path, const struct stat *st,
               input_item_t *item)
{
	for (unsigned i = 0; i < in->depth; i++)
		if (in->dirs[i].dev == st->st_dev &&
		    in->dirs[i].ino == st->st_ino)
			return 0;
	if (in->depth > INPUT_MAX_DEPTH)
		return input_fail(item, path,
		                  "more than %d directory levels deep, skipped",
		                  INPUT_MAX_DEPTH);
	input_dir_t *d = &in->dirs[in->depth];
	*d = (input_dir_t){.dev = st->st_dev, .ino = st->st_ino};
	int rc = input_dir_read(path, &d->names, &d->n);
	if (rc > 0)
		return input_fail(item, path, "%s", strerror(rc));
	if (rc < 0 || (d->path = strdup(path)) == NULL) {
		input_names_free(d->names, d->n);
		return -1;
	}
	in->depth++;
	return 0;
}

static void
input_dir_pop(input_t *in)
{
	input_dir_t *d = &in->dirs[--in->depth];
	input_names_free(d->names, d->n);
	free(d->path);
	*d = (input_dir_t){0};
}

/* Handle one path: TOP is the PATH given by the user, where "-" means
 * stdin and a FIFO or device is read like a file.  Returns 1 when ITEM was
 * filled, 0 when the walk changed (directory pushed, mbox opened, entry
 * skipped), -1 when out of memory. */
static int
input_path(input_t *in, const char *path, bool top, input_item_t *item)
{
	struct stat st;
	if (top && strcmp(path, "-") == 0) {
		if (in->count_only) {
			in->uncountable = true;
			return 0;
		}
		return input_file(in, STDIN_FILENO, false, "-", NULL, item);
	}
	if (stat(path, &st) != 0)
		return input_fail(item, path, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return input_dir_push(in, path, &st, item);
	if (!S_ISREG(st.st_mode) && !top)
		return 0; /* sockets, FIFOs and devices inside a tree */
	if (in->count_only && !S_ISREG(st.st_mode)) {
		in->uncountable = true;
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return input_fail(item, path, "%s", strerror(errno));
	return input_file(in, fd, true, path, &st, item);
}

/* ---- the public iterator ------------------------------------------------- */

input_t *
input_open(const char *path, size_t max_message)
{
	input_t *in = calloc(1, sizeof(*in));
	if (in == NULL)
		return NULL;
	in->rd.fd = -1;
	in->max_message = max_message ? max_message : INPUT_MAX_MESSAGE;
	in->root = strdup(path);
	in->rd.buf = malloc(INPUT_RDBUF);
	if (in->root == NULL || in->rd.buf == NULL) {
		input_close(in);
		return NULL;
	}
	return in;
}

int
input_next(input_t *in, input_item_t *item)
{
	*item = (input_item_t){0};
	/* bounded: every round takes one directory entry, ends an mbox or
	 * pops a directory */
	for (;;) {
		int r;
		if (in->mbox_label != NULL) {
			if ((r = input_mbox_next(in, item)) != 0)
				return r;
			input_rd_close(&in->rd);
			free(in->mbox_label);
			in->mbox_label = NULL;
			continue;
		}
		if (!in->started) {
			in->started = true;
			if ((r = input_path(in, in->root, true, item)) != 0)
				return r;
			continue;
		}
		if (in->depth == 0 || (in->count_only && in->uncountable))
			return 0;
		input_dir_t *d = &in->dirs[in->depth - 1];
		if (d->next == d->n) {
			input_dir_pop(in);
			continue;
		}
		char *path = input_join(d->path, d->names[d->next++]);
		if (path == NULL)
			return -1;
		r = input_path(in, path, false, item);
		free(path);
		if (r != 0)
			return r;
	}
}

void
input_item_clear(input_item_t *item)
{
	free(item->label);
	free(item->data);
	free(item->error);
	*item = (input_item_t){0};
}

void
input_close(input_t *in)
{
	if (in == NULL)
		return;
	while (in->depth > 0)
		input_dir_pop(in);
	input_rd_close(&in->rd);
	free(in->rd.buf);
	free(in->mbox_label);
	free(in->root);
	free(in);
}

long
input_count(const char *path, long cap)
{
	input_t *in = input_open(path, 0);
	if (in == NULL)
		return -1;
	in->count_only = true;
	long n = 0;
	input_item_t item;
	int r;
	/* bounded by CAP */
	while (n <= cap && (r = input_next(in, &item)) > 0) {
		input_item_clear(&item);
		n++;
	}
	if (r < 0 || n > cap || in->uncountable)
		n = -1;
	input_close(in);
	return n;
}

long
input_count_all(char *const *paths, int n, long cap)
{
	long total = 0;
	for (int i = 0; i < n; i++) {
		long c = input_count(paths[i], cap);
		if (c < 0 || total > cap - c)
			return -1;
		total += c;
	}
	return total;
}
