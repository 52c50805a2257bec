/*
 * envelope.h - the SMTP envelope of a scan: given by the MTA or the command
 * line, or derived from the message headers when a stored message is scanned
 * (Return-Path, Delivered-To / X-Original-To, and the first Received line
 * that was added by a host outside InternalNetworks).
 */
#ifndef EMG_ENVELOPE_H
#define EMG_ENVELOPE_H

#include <stdbool.h>

#include "config.h"
#include "message.h"
#include "strlist.h"

enum {
	ENV_DERIVED_MAIL_FROM = 1 << 0,
	ENV_DERIVED_RCPTS = 1 << 1,
	ENV_DERIVED_CLIENT = 1 << 2, /* client_ip and helo */
};

typedef struct emg_env {
	char *mail_from;       /* "" for the null sender, NULL when unknown */
	char *mail_from_domain; /* lowercased, or NULL */
	emg_strlist_t rcpts;
	char *client_ip;       /* NULL when unknown */
	char *helo;
	char *auth_user;       /* NULL when not authenticated */
	unsigned derived;      /* ENV_DERIVED_* bits */
	bool client_internal;  /* client_ip in InternalNetworks */
	bool outbound;         /* internal client or authenticated */
} emg_env_t;

/* Build the envelope from GIVEN (may be NULL) and the message. */
emg_status_t envelope_build(const emg_envelope_t *given,
                            const emg_message_t *msg, const emg_config_t *cfg,
                            emg_env_t *out);
void envelope_free(emg_env_t *env);

/* The client address and HELO name of one Received header value:
 * "from helo.name (rdns [192.0.2.1]) by ...".  Returns 0 when an address
 * was found, -1 otherwise.  Buffers are always NUL-terminated. */
int envelope_parse_received(const char *value, char *ip, size_t iplen,
                            char *helo, size_t helolen);

#endif
