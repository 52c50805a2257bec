/*
 * subject.h - the Subject rewrite of the "tag" action: put a configured tag
 * (UTF-8, e.g. "[要注意] ") in front of a raw Subject header value without
 * disturbing the original encoded-words.  Pure: no I/O, no global state.
 */
#ifndef EMG_SUBJECT_H
#define EMG_SUBJECT_H

#include "emguard.h"

/* Longest tag accepted, in bytes. */
#define SUBJECT_TAG_MAX 200
/* Longest raw Subject value rewritten, in bytes. */
#define SUBJECT_RAW_MAX (64u * 1024)

/* The raw Subject value RAW (the bytes after "Subject:", folding and
 * encoded-words as they arrived; NULL when the message has no Subject) with
 * TAG in front.  An ASCII tag goes in as it is; any other tag becomes RFC
 * 2047 encoded-words (=?UTF-8?B?...?=) followed by a blank.  RAW's leading
 * blanks, its encoded-words and its folding are kept byte for byte.
 * *OUT gets a malloc'd value, or NULL when RAW already starts with the tag
 * (decoded), so that tagging twice changes nothing.
 * EMG_EINVAL: TAG is not UTF-8, holds control characters or is longer than
 * SUBJECT_TAG_MAX; EMG_ELIMIT: RAW is longer than SUBJECT_RAW_MAX. */
emg_status_t emg_subject_tag(const char *raw, const char *tag, char **out);

#endif
