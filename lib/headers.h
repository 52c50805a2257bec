/*
 * headers.h - the top-level header block of the message model: headers.c
 * fills msg->headers and the fields read from them (addresses, Subject,
 * message ids, Date) for message.c, and frees them again.
 *
 * Relies on GMime 3 (the caller's parser options) and charset.c.  Internal
 * to the library: message.h is the contract analyzers use.
 */
#ifndef EMG_HEADERS_H
#define EMG_HEADERS_H

#include <stdarg.h>
#include <stddef.h>

#include <gmime/gmime.h>

#include "limits.h"
#include "message.h"
#include "strlist.h"

/* Read the header block at the start of DATA (LEN bytes, mbox "From " line
 * already skipped) into M: headers, from .. return_path, subject,
 * message_id, in_reply_to, references and date.  LIM caps the number and
 * size of headers (a hit adds one line to M->problems); OPTS decodes
 * encoded-words and parses addresses.  0, or -1 when out of memory (M then
 * holds what was read, for message_free()). */
int headers_read(emg_message_t *m, const char *data, size_t len,
                 const emg_limits_t *lim, GMimeParserOptions *opts);

/* Free everything headers_read() filled in (not M itself). */
void headers_free(emg_message_t *m);

/* A malloc'd copy of LEN bytes of S that is valid UTF-8 whatever S holds:
 * GMime passes through bytes it could not convert (RFC 2231 values in a
 * wrong charset), and message.h promises UTF-8 everywhere.  NULL when out
 * of memory.  message.c uses it for part names and types too. */
char *headers_strndup(const char *s, size_t len);

/* Append one line, printf-formatted and made valid UTF-8, to PROBLEMS.
 * 0, or -1 when out of memory. */
int headers_vproblem(emg_strlist_t *problems, const char *fmt, va_list ap);

#endif
