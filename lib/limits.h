/*
 * limits.h - every scan limit in one struct, with its defaults set in one
 * function (limits.c).  A limit that is hit never fails a scan: it becomes an
 * attach.unscannable finding that names the limit.
 */
#ifndef EMG_LIMITS_H
#define EMG_LIMITS_H

#include <stddef.h>
#include <stdint.h>

typedef struct emg_limits {
	size_t message_size;          /* bytes of one message */
	unsigned mime_depth;          /* nesting of multiparts / message/rfc822 */
	unsigned mime_parts;          /* MIME parts in one message */
	unsigned headers;             /* header fields in one header block */
	size_t header_size;           /* bytes of one header field */
	size_t text_size;             /* bytes of body text kept for analyzers */
	unsigned scan_time_ms;        /* wall-clock budget of one scan */
	unsigned archive_depth;       /* archive inside archive */
	unsigned archive_files;       /* members of one archive */
	uint64_t archive_bytes;       /* total uncompressed bytes of one message */
	unsigned compression_ratio;   /* uncompressed / compressed, per member */
	unsigned password_candidates; /* passwords tried per encrypted archive */
} emg_limits_t;

/* Fill LIM with the defaults. */
void limits_default(emg_limits_t *lim);

/* Milliseconds of CLOCK_MONOTONIC: the one clock that LimitScanTime and
 * every deadline derived from it (walk_ctx_t.deadline_ms) are measured on. */
uint64_t limits_now_ms(void);

#endif
