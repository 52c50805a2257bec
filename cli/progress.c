/*
 * progress.c - the progress line of `emguard scan` (see progress.h).
 * One line, rewritten in place with "\r" and the ANSI erase-line sequence,
 * so it needs nothing beyond a terminal on stderr.
 */
#include "progress.h"

#include <time.h>

#define PROGRESS_BAR 24
#define PROGRESS_INTERVAL 0.1 /* seconds between redraws */

static double
progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_init(progress_t *p, FILE *fp, long total)
{
	*p = (progress_t){.fp = fp, .total = total};
	p->start = p->last = progress_now();
}

static void
progress_draw(progress_t *p, double now)
{
	double secs = now - p->start;
	double rate = secs > 0 ? (double)p->count / secs : 0;
	double mbs = secs > 0 ? (double)p->bytes / secs / 1e6 : 0;
	fputs("\r\033[K", p->fp);
	/* a count past the total means the walk guessed wrong: drop the bar */
	if (p->total > 0 && p->count <= (unsigned long)p->total) {
		unsigned fill = (unsigned)(p->count * PROGRESS_BAR /
		                           (unsigned long)p->total);
		char bar[PROGRESS_BAR + 1];
		for (unsigned i = 0; i < PROGRESS_BAR; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[PROGRESS_BAR] = '\0';
		fprintf(p->fp, "[%s] %lu/%ld %3lu%%", bar, p->count, p->total,
		        p->count * 100 / (unsigned long)p->total);
	} else {
		fprintf(p->fp, "%lu messages", p->count);
	}
	fprintf(p->fp, "  %.0f msg/s  %.1f MB/s", rate, mbs);
	fflush(p->fp);
	p->shown = true;
	p->last = now;
}

void
progress_add(progress_t *p, size_t bytes)
{
	p->count++;
	p->bytes += bytes;
	if (p->fp == NULL)
		return;
	if (p->total >= 0 ? p->total <= PROGRESS_MIN : p->count <= PROGRESS_MIN)
		return;
	double now = progress_now();
	/* also throttled after a hide, so that a report written to the same
	 * terminal after every message does not redraw the line each time */
	if (now - p->last >= PROGRESS_INTERVAL)
		progress_draw(p, now);
}

void
progress_hide(progress_t *p)
{
	if (p->fp == NULL || !p->shown)
		return;
	fputs("\r\033[K", p->fp);
	fflush(p->fp);
	p->shown = false;
}

void
progress_finish(progress_t *p)
{
	progress_hide(p);
}
