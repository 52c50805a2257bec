/*
 * walk.h - the attachment walker: one recursive pass over every attachment
 * that opens what can be opened (ZIP and libarchive formats through
 * unpack.c, disk images, OneNote sections through onenote.c), tries the
 * password candidates of the message on encrypted members, drops the padding
 * of inflated members, and adds what it finds as children in the attachment
 * tree.  It enforces LimitArchiveDepth, LimitArchiveFiles, LimitArchiveBytes,
 * LimitCompressionRatio, LimitPasswordCandidates and the scan deadline; a
 * limit that is hit or a corrupt object becomes a line in that node's
 * `problems`.  It emits no findings itself: analyzers judge the tree.
 */
#ifndef EMG_WALK_H
#define EMG_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "message.h"

typedef struct walk_ctx {
	const emg_config_t *cfg;   /* limits, ArchivePasswords */
	magic_t magic;             /* real type of every new node */
	uint64_t deadline_ms;      /* CLOCK_MONOTONIC milliseconds */
} walk_ctx_t;

/* Expand every attachment of MSG in place.  Password candidates come from
 * MSG's subject and text, computed only when an encrypted member is met.
 * Returns EMG_OK, or EMG_ENOMEM; bad input is never an error. */
emg_status_t walk_expand(emg_message_t *msg, const walk_ctx_t *ctx);

/* True when DATA looks like a mail message (a header block) rather than a
 * file taken from a disk: decides how `emguard scan` treats a path. */
bool walk_is_message(const void *data, size_t len, magic_t magic);

#endif
