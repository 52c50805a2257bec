/*
 * log.c - the milter's log: syslog with the configured facility, or
 * stderr when it runs in the foreground (-f).
 *
 * Until a daemon has detached from its terminal, lines also go to stderr
 * so that whoever started it sees why start-up failed.
 *
 * Called from every libmilter thread: syslog(3) and one fprintf per line
 * are both safe there.  Lines are cut at LOG_LINE_MAX so that a hostile
 * address cannot make one entry unbounded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "milter.h"

#define LOG_LINE_MAX 2048

static bool log_stderr = true; /* foreground, or not yet a daemon */
static bool log_syslog = false;

static const struct {
	const char *name;
	int facility;
} log_facilities[] = {
    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

bool
log_facility(const char *name, int *out)
{
	for (size_t i = 0;
	     i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++) {
		if (strcasecmp(name, log_facilities[i].name) == 0) {
			*out = log_facilities[i].facility;
			return true;
		}
	}
	return false;
}

void
log_open(bool foreground, int facility)
{
	if (foreground)
		return;
	openlog(MILTER_NAME, LOG_PID | LOG_NDELAY, facility);
	log_syslog = true;
}

void
log_detach(void)
{
	log_stderr = false;
}

static const char *
log_level(int prio)
{
	switch (prio) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void
log_msg(int prio, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Control characters come from peers (HELO, addresses): never let
	 * them split or forge log lines. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (log_syslog)
		syslog(prio, "%s", line);
	if (log_stderr)
		fprintf(stderr, "%s[%ld]: %s: %s\n", MILTER_NAME,
		        (long)getpid(), log_level(prio), line);
}
