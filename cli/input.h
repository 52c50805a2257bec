/*
 * input.h - the input walker of `emguard scan`: turns one command-line PATH
 * into a stream of messages, one at a time.
 *
 * A PATH is a message file, "-" for stdin, an mbox (any file that starts
 * with "From "), a Maildir (only cur/ and new/ are read) or a directory
 * walked recursively in sorted name order (regular, non-hidden files; mbox
 * files inside are split too).  An mbox is split while it is read, so
 * memory stays at one message.  Problems with one input (unreadable file,
 * file too large, too deep) come out as an INPUT_ERROR item and the walk
 * goes on.  Relies on POSIX only; no library calls.
 */
#ifndef EMG_INPUT_H
#define EMG_INPUT_H

#include <stdbool.h>
#include <stddef.h>

/* Files or mbox messages larger than this are refused: twice the
 * library's default message size limit. */
#define INPUT_MAX_MESSAGE ((size_t)50 * 1024 * 1024)
/* Directory nesting below the PATH given. */
#define INPUT_MAX_DEPTH 32

typedef enum input_kind {
	INPUT_MESSAGE, /* data/len hold a message */
	INPUT_ERROR,   /* error holds the reason; data is NULL */
} input_kind_t;

typedef struct input_item {
	input_kind_t kind;
	char *label; /* "path", "path:N" (Nth message of an mbox) or "-" */
	char *data;  /* message bytes, NUL-terminated (not counted in len) */
	size_t len;
	char *error; /* INPUT_ERROR: "reason" (label is the path) */
} input_item_t;

typedef struct input input_t;

/* Start walking PATH.  MAX_MESSAGE (0 = INPUT_MAX_MESSAGE) bounds one
 * message.  Returns NULL only when out of memory; a bad PATH shows up as an
 * INPUT_ERROR item from input_next(). */
input_t *input_open(const char *path, size_t max_message);

/* Fill ITEM with the next message or error.  Returns 1 when ITEM was
 * filled (the caller owns it: input_item_clear()), 0 at the end, -1 when
 * out of memory. */
int input_next(input_t *in, input_item_t *item);

void input_item_clear(input_item_t *item);
void input_close(input_t *in);

/* The number of messages under PATH, counting every file as one message,
 * or -1 when it cannot be known cheaply (stdin, an mbox, an error, or more
 * than CAP files). */
long input_count(const char *path, long cap);
/* The same over the N PATHS together: -1 when any one is unknown or the
 * sum passes CAP (a progress bar's total, not worth a longer walk). */
long input_count_all(char *const *paths, int n, long cap);

#endif
