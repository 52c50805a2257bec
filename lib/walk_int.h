/*
 * walk_int.h - internals shared by walk.c (the attachment walker) and
 * walk_sink.c (the padding-aware sink that receives one member).  Not
 * installed and not for other modules: they use walk.h.
 */
#ifndef EMG_WALK_INT_H
#define EMG_WALK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "password.h"
#include "walk.h"

/* Why the sink stopped a member's stream. */
typedef enum walk_stop {
	WALK_STOP_NONE = 0,
	WALK_STOP_TIME,
	WALK_STOP_BYTES,
	WALK_STOP_PAD,
	WALK_STOP_NOMEM,
} walk_stop_t;

/* The sink that receives one member (walk_sink.c).  walk.c gives the
 * budgets to walk_sink_start and reads BUF, LEN, UNIFORM and STOP. */
typedef struct walk_sink {
	uint64_t deadline;
	uint8_t *buf;
	size_t len, cap;
	uint64_t seen;     /* bytes delivered */
	uint64_t kept_max; /* LimitArchiveBytes left */
	uint64_t pad_max;  /* padding budget left */
	uint64_t dropped;  /* padding bytes not kept */
	uint8_t run_byte;  /* the current run after the head ... */
	uint64_t run_len;
	size_t run_start;  /* ... and where it starts in BUF */
	uint8_t trail_byte; /* the run the whole stream ends with */
	uint64_t trail_len;
	uint8_t first;
	bool uniform;      /* every byte so far equals FIRST */
	walk_stop_t stop;
} walk_sink_t;

/* A + B, saturating at UINT64_MAX. */
static inline uint64_t
walk_add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The walk of one message (walk.c, walk_office.c). */
typedef struct walk_state {
	const walk_ctx_t *ctx;
	const emg_limits_t *lim;
	emg_message_t *msg;
	uint64_t bytes_left; /* LimitArchiveBytes still unused */
	uint64_t pad_left;   /* padding that may still be read past */
	bool timed_out;
	password_list_t pw;
	bool pw_ready;
	emg_attachment_t **stopped; /* archive trees stopped by a limit */
	size_t n_stopped, cap_stopped;
	emg_attachment_t **work; /* nodes still to visit */
	size_t n_work, cap_work;
} walk_state_t;

/* walk.c */
/* True when the scan deadline has passed; the first time, says so in
 * NODE's problems (WHAT: what is left undone). */
bool walk_timed_out(walk_state_t *st, emg_attachment_t *node,
                    const char *what);
/* A limit was hit at NODE: expand nothing more in its container tree. */
emg_status_t walk_stop_tree(walk_state_t *st, emg_attachment_t *node);
/* The message's password candidates, computed on first use into ST->pw. */
emg_status_t walk_passwords(walk_state_t *st);
/* Add LEN bytes at DATA (copied, or owned when TAKE: then freed on
 * failure too) as a child NAME of NODE unpacked by CONTAINER; charges
 * LimitArchiveBytes and identifies its type.  NULL when out of memory. */
emg_attachment_t *walk_add_child(walk_state_t *st, emg_attachment_t *node,
                                 const char *name, void *data, size_t len,
                                 bool take, const char *container);

/* Containers opened by the walker above NODE (for LimitArchiveDepth). */
unsigned walk_archive_level(const emg_attachment_t *node);

/* walk_html.c */
/* An HTML or SVG NODE: the files it carries encoded (smuggle.h) become
 * its children. */
emg_status_t walk_html(walk_state_t *st, emg_attachment_t *node);

/* walk_office.c */
/* An OLE2 compound file NODE: encrypted documents (tried with the
 * password candidates, the decrypted content added as a child), embedded
 * objects (children), a container libgsf refuses (a problem). */
emg_status_t walk_office_ole(walk_state_t *st, emg_attachment_t *node);
/* True when a member called NAME of an OOXML package is a file embedded
 * in the document (word/embeddings/oleObject1.bin), which the walker
 * reads; the package's other parts are the Office analyzer's. */
bool walk_office_is_embedding(const char *name);

/* walk_sink.c */
/* An empty sink with the budgets left; frees what S held before. */
void walk_sink_start(walk_sink_t *s, uint64_t deadline, uint64_t kept_max,
                     uint64_t pad_max);
/* The unpack_sink_fn for a walk_sink_t CTX: non-zero stops the read, and
 * the sink's STOP says why (WALK_STOP_NONE: unpack.c's limit stopped it). */
int walk_sink_fn(void *ctx, const uint8_t *p, size_t n);
/* The stream ended (or stopped): a trailing long run is padding too. */
void walk_sink_finish(walk_sink_t *s);
/* A stream stopped by a limit while in a long run: padding follows. */
bool walk_sink_padded(const walk_sink_t *s);

#endif
