/*
 * quote.h - the quoted original in a message body: who the earlier
 * messages of a thread were from and to, as the mail clients write it.
 *
 * Reads the forms of Outlook (Japanese and English header blocks, after
 * "-----Original Message-----", "-----元のメッセージ-----" or a rule),
 * Gmail and Thunderbird ("On ... X <x@y> wrote:", "2024年1月15日(月) 10:00
 * 山田太郎 <x@y>:", "X さんは書きました:"), and '>' quoting, nested.  The
 * thread analyzer (thread.c) compares the participants with the sender.
 * Pure: no allocation, no I/O; the work is bounded by QUOTE_LINES_MAX
 * lines and QUOTE_BYTES_MAX bytes, and a cut is reported, not hidden.
 */
#ifndef EMG_QUOTE_H
#define EMG_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "emguard.h"

/* Participants kept; further ones set `truncated`. */
#define QUOTE_PARTICIPANTS_MAX 32
/* Lines and bytes of a body read; the quoted original of a reply sits
 * near its top, and an attack on the parser must not cost more. */
#define QUOTE_LINES_MAX 4000
#define QUOTE_BYTES_MAX (512u * 1024)
/* Bytes of one line looked at; a longer line is read up to here. */
#define QUOTE_LINE_MAX 2048
/* Room for a display name and an address of a participant. */
#define QUOTE_NAME_MAX 128
#define QUOTE_ADDR_MAX 256

typedef enum quote_role {
	QUOTE_ROLE_FROM, /* the author of a quoted message */
	QUOTE_ROLE_TO,   /* a recipient (To:, 宛先:) */
	QUOTE_ROLE_CC,   /* a copy recipient (Cc:, CC:) */
} quote_role_t;

/* Where a participant was found. */
typedef enum quote_form {
	QUOTE_FORM_HEADER,      /* an Outlook / forward header block */
	QUOTE_FORM_ATTRIBUTION, /* an "On ... wrote:" style line */
} quote_form_t;

typedef struct quote_participant {
	char name[QUOTE_NAME_MAX]; /* display name as written, "" when none */
	char addr[QUOTE_ADDR_MAX]; /* address lowercased, "" when none */
	quote_role_t role;
	quote_form_t form;
	unsigned line;  /* 1-based body line where it was found */
	unsigned depth; /* '>' nesting of that line */
} quote_participant_t;

typedef struct quote_result {
	bool quotes_original;  /* a header block, an attribution or '>' lines */
	unsigned n_blocks;     /* header blocks found */
	unsigned n_attributions; /* attribution lines found */
	unsigned quoted_lines; /* lines starting with '>' */
	unsigned max_depth;    /* deepest '>' nesting */
	quote_participant_t p[QUOTE_PARTICIPANTS_MAX];
	size_t n;              /* participants in p, distinct */
	bool truncated;        /* a limit cut the work or the list */
} quote_result_t;

/* Parse LEN bytes of body text TEXT (UTF-8; NFKC-normalised is best, but
 * the full-width colon and space are also read as they are) into *OUT.
 * Never fails on odd text; EMG_EINVAL only for a NULL OUT, or NULL TEXT
 * with LEN > 0. */
emg_status_t quote_parse(const char *text, size_t len, quote_result_t *out);

/* A display name as a key for comparison into BUF: NFKC, ASCII lowercase,
 * without blanks, quotes and invisible characters, so that "山田 太郎",
 * "山田太郎" and "'Yamada Taro'" ~ "yamada taro" compare equal.  An empty
 * key means nothing to compare.  EMG_ENOMEM or EMG_OK. */
emg_status_t quote_name_key(const char *name, char *buf, size_t buflen);

#endif
