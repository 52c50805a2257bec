/*
 * release.h - re-injection of mail released from the emguard quarantine,
 * shared by `emguard quarantine release` and emguard-web.
 *
 * ReleaseMethod says how:
 *   sendmail:PATH   PATH -i -f SENDER -- RCPT... started with execve and an
 *                   argument vector (never a shell), the message on stdin
 *   smtp:HOST:PORT  one SMTP transaction (EHLO, MAIL, RCPT..., DATA with
 *                   CRLF lines and dot-stuffing, QUIT)
 * The exact original bytes are sent, with one header prepended: the
 * release token (EMG_RELEASE_HEADER) that tells emguard-milter not to
 * quarantine the message again.  This is no part of libemguard: it spawns
 * processes and opens sockets.
 */
#ifndef EMG_RELEASE_H
#define EMG_RELEASE_H

#include <stddef.h>

#include "emguard.h"

/* Longest result text for people: the MTA's reply or why it failed. */
#define RELEASE_MSG_MAX 512

/* Send DATA (LEN bytes) from MAIL_FROM ("" for <>) to RCPTS by METHOD,
 * with HEADER (a complete "Name: value" field without line end, or NULL)
 * prepended.  EMG_ECONFIG for a bad METHOD, EMG_EIO when the program or
 * server refused (MSG says what it answered), EMG_ETIMEOUT when it did not
 * answer in time.  MSG (RELEASE_MSG_MAX) always gets a one-line result. */
emg_status_t release_send(const char *method, const char *mail_from,
                          const char *const *rcpts, size_t n_rcpts,
                          const char *header, const void *data, size_t len,
                          char *msg, size_t msglen);

/* Release entry ID of Q as ACTOR: read its bytes, make its release token,
 * send it by METHOD to its original recipients (or to the N_TO addresses
 * TO instead, when N_TO > 0), then mark it released with an audit line
 * naming recipients, method and reply.  A failed send leaves the entry
 * held and adds a "release-failed" audit line.  EMG_EINVAL for an unknown
 * or deleted entry.  MSG (RELEASE_MSG_MAX) gets the result for people. */
emg_status_t release_entry(emg_quarantine_t *q, const char *id,
                           const char *const *to, size_t n_to,
                           const char *method, const char *actor, char *msg,
                           size_t msglen);

#endif
