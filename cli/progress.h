/*
 * progress.h - the progress line of `emguard scan` on stderr: messages done,
 * the total when the input walk knows it, and the rate.  Drawn only when
 * stderr is a terminal and more than PROGRESS_MIN messages are scanned,
 * redrawn at most ten times a second.  Not thread-safe: the caller
 * serialises calls (cmd_scan.c holds its output lock).
 */
#ifndef EMG_PROGRESS_H
#define EMG_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Short runs finish before a bar would help; below this, none is drawn. */
#define PROGRESS_MIN 50

typedef struct progress {
	FILE *fp;   /* stderr, or NULL when disabled */
	long total; /* messages expected, or -1 when unknown */
	unsigned long count;
	uint64_t bytes;
	double start; /* seconds, monotonic clock */
	double last;  /* time of the last draw */
	bool shown;   /* a line is on the terminal now */
} progress_t;

/* Set up P; FP NULL disables it.  TOTAL is -1 when unknown. */
void progress_init(progress_t *p, FILE *fp, long total);
/* One message (of BYTES bytes) done; redraws when due. */
void progress_add(progress_t *p, size_t bytes);
/* Clear the line so that other output to the terminal starts clean. */
void progress_hide(progress_t *p);
/* Clear the line at the end of the run. */
void progress_finish(progress_t *p);

#endif
