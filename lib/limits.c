/*
 * limits.c - the one place where scan limit defaults are set.
 * The values follow what rspamd and ClamAV ship, tightened where a mail
 * filter in the SMTP path must answer within seconds.
 */
#include "limits.h"

#include <time.h>

void
limits_default(emg_limits_t *lim)
{
	lim->message_size = 50u * 1024 * 1024;
	lim->mime_depth = 20;
	lim->mime_parts = 1000;
	lim->headers = 1000;
	lim->header_size = 64u * 1024;
	lim->text_size = 4u * 1024 * 1024;
	lim->scan_time_ms = 20000;
	lim->archive_depth = 4;
	lim->archive_files = 1000;
	lim->archive_bytes = 256u * 1024 * 1024;
	lim->compression_ratio = 200;
	lim->password_candidates = 50;
}

uint64_t
limits_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
