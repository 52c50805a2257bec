/*
 * password.h - password candidates for encrypted archives, taken from the
 * Subject and the body text of a mail (Emotet and "PPAP" mails write the
 * ZIP password in the body), then from a configurable list of common ones.
 *
 * The input text is UTF-8, already charset-decoded and NFKC-normalised, so
 * full-width "ｐａｓｓ：" arrives as "pass:".  Pure functions: no I/O, no
 * global state; safe to call from any thread.
 */
#ifndef EMG_PASSWORD_H
#define EMG_PASSWORD_H

#include <stddef.h>

#include "emguard.h"
#include "strlist.h"

/* Longest candidate taken from a mail, in bytes; longer tokens are not
 * passwords but prose, base64 or URLs, and are dropped, never cut. */
#define PASSWORD_MAX_LEN 64
/* Hard ceiling on candidates whatever MAX the caller passes. */
#define PASSWORD_HARD_MAX 4096

typedef struct password_candidate {
	char *text;   /* the candidate itself: never log it */
	char *source; /* where it came from, without the password, e.g.
	               * "body line 3 after パスワード", "subject in 「」",
	               * "common list" */
} password_candidate_t;

typedef struct password_list {
	password_candidate_t *v;
	size_t n;
	size_t cap;
} password_list_t;

/*
 * Candidates from SUBJECT (NUL-terminated, may be NULL) and TEXT (TEXT_LEN
 * bytes, may be NULL when TEXT_LEN is 0), most likely first:
 *   1. the token after a password keyword (パスワード, PW, Password, 解凍,
 *      暗証番号, key ...) on the same line, or alone on the next non-empty
 *      line: subject first, then body;
 *   2. ASCII text inside 「」『』【】“”‘’ "" '' (subject, then body);
 *   3. COMMON (may be NULL), in its order.
 * Duplicates are dropped (the first source wins); at most MAX candidates
 * (and never more than PASSWORD_HARD_MAX).  OUT must be zeroed or freed
 * before the call; on EMG_ENOMEM it holds what was found so far.
 * Returns EMG_OK, EMG_EINVAL (OUT NULL) or EMG_ENOMEM.
 */
emg_status_t password_candidates(const char *subject, const char *text,
                                 size_t text_len, const emg_strlist_t *common,
                                 unsigned max, password_list_t *out);

/* Free the candidates of L and zero it; L may be reused. */
void password_list_free(password_list_t *l);

#endif
