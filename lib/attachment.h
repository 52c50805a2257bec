/*
 * attachment.h - the attachment tree: creating, linking, freeing and
 * walking emg_attachment_t nodes (message.h).  The message parser creates the
 * roots, the walker (walk.c) adds archive members and embedded files, the
 * analyzers visit every node.  Walking is iterative: a hostile tree cannot
 * exhaust the stack.
 */
#ifndef EMG_ATTACHMENT_H
#define EMG_ATTACHMENT_H

#include "message.h"

/* A new node with a copy of NAME (may be NULL) and DATA (LEN bytes, copied
 * unless TAKE, in which case DATA must come from malloc and is owned). */
emg_attachment_t *attachment_new(const char *name, const void *data,
                                 size_t len, bool take);
/* Free NODE and its whole subtree. */
void attachment_free(emg_attachment_t *node);
/* Append CHILD to PARENT, setting its parent, depth and path.  Returns 0,
 * or -1 when out of memory (CHILD is then still the caller's). */
int attachment_add_child(emg_attachment_t *parent, emg_attachment_t *child);
/* Record a problem of NODE ("LimitArchiveFiles 1000 reached"). */
int attachment_problem(emg_attachment_t *node, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* NODE's name for details: its path, else its name, else "(no name)". */
const char *attachment_label(const emg_attachment_t *node);

/* True when NODE is a password-protected Office document (walk_office.c
 * names its methods "office-..."), encrypted as a whole wherever it is. */
bool attachment_office_encrypted(const emg_attachment_t *node);

/* True when NODE is an HTML page (or SVG, which runs scripts alike): by
 * its real or declared type, or its name. */
bool attachment_is_html(const emg_attachment_t *node);

/* Whether a file named NAME may hold content of REAL_TYPE by the rules of
 * ATTACH_TYPE_MISMATCH (attach.c): 1 it may, 0 it may not (or REAL_TYPE
 * is NULL), -1 those rules do not know the name's extension. */
int attach_name_fits(const char *name, const char *real_type);

/* Depth-first, pre-order iteration over every node of a message. */
typedef struct attachment_iter {
	const emg_message_t *msg;
	size_t root;            /* next root index */
	emg_attachment_t **stack;
	size_t *next_child;
	size_t depth, cap;
	emg_attachment_t *cur;
} attachment_iter_t;

void attachment_iter_init(attachment_iter_t *it, const emg_message_t *msg);
/* The next node, or NULL at the end (or when out of memory). */
emg_attachment_t *attachment_iter_next(attachment_iter_t *it);
void attachment_iter_done(attachment_iter_t *it);

#endif
