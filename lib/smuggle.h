/*
 * smuggle.h - HTML smuggling: the file an HTML attachment carries inside
 * itself, encoded, and hands to the browser as a download when the reader
 * opens it (a Blob built by script from a base64 literal, or a data: URI
 * behind a download link).  The gateway sees a web page; the reader gets
 * a ZIP, an ISO or an executable.  smuggle_scan finds the mechanism, the
 * encoded payloads and the file name the page offers; smuggle_decode
 * decodes one payload.  The walker (walk_html.c) adds the decoded files
 * to the attachment tree, so every analyzer sees them; active.c names the
 * mechanism (ACTIVE_HTML_SMUGGLING).
 *
 * Recognised: base64 in script string literals, also split into pieces
 * joined with + or listed in an array; base64 data: URIs anywhere; lists
 * of byte values in a script (new Uint8Array([80,75,3,4,...]),
 * String.fromCharCode(0x50,0x4b,...)), decimal or hex; base64 read
 * backwards (the walker tries that when the payload read forwards is no
 * known type); a payload XOR-ed with a key the script holds (the walker
 * tries the script's candidate keys when neither reading is a known
 * type).  Not recognised (written in the finding as "payload not
 * decoded"): keys computed by script, bytes computed by script.
 */
#ifndef EMG_SMUGGLE_H
#define EMG_SMUGGLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"

/* Payloads kept per page (the longest), and bytes of a file name. */
#define SMUGGLE_PAYLOADS_MAX 4
#define SMUGGLE_NAME_MAX 256
/* Fewer base64 characters, or byte values in a list, than this are not a
 * file worth decoding. */
#define SMUGGLE_MIN_CHARS 64
#define SMUGGLE_MIN_NUMBERS 48
/* Candidate XOR keys kept per page, and bytes of one key. */
#define SMUGGLE_KEYS_MAX 32
#define SMUGGLE_KEY_MAX 64

/* One encoded payload: OFF and LEN delimit its text in the page (for a
 * script, the literals with the quotes and separators between them). */
typedef struct smuggle_payload {
	size_t off, len;
	size_t chars;  /* base64 characters in it, or numbers in the list */
	bool data_uri; /* a data: URI's data */
	bool numbers;  /* a script's list of byte values (else literals) */
	char type[64]; /* a data: URI's media type, or "" */
} smuggle_payload_t;

/* A key a script may XOR its payload with, byte I of the payload with
 * byte I % LEN of the key (d.charCodeAt(i) ^ k.charCodeAt(i % k.length)). */
typedef struct smuggle_key {
	uint8_t bytes[SMUGGLE_KEY_MAX];
	size_t len;
} smuggle_key_t;

typedef struct smuggle {
	bool blob;       /* new Blob( / new File( */
	bool object_url; /* URL.createObjectURL */
	bool ms_save;    /* navigator.msSaveOrOpenBlob / msSaveBlob */
	bool download;   /* a download attribute or a .download property */
	char name[SMUGGLE_NAME_MAX]; /* the file name offered, or "" */
	smuggle_payload_t payload[SMUGGLE_PAYLOADS_MAX]; /* longest first */
	size_t n_payloads;
	/* In a script that XORs (holds a ^): the byte values after ^ and
	 * ^=, then its short printable string literals, in page order. */
	smuggle_key_t key[SMUGGLE_KEYS_MAX];
	size_t n_keys;
} smuggle_t;

/* Look at LEN bytes of HTML (or SVG).  Script literals and number lists
 * count as payloads only when a script builds a file (a Blob, createObjectURL,
 * msSaveOrOpenBlob); data: URIs of
 * anything but images, fonts, audio, video and style sheets always do. */
void smuggle_scan(const uint8_t *html, size_t len, smuggle_t *out);

/* True when the page makes the browser save a file it carries: a Blob
 * handed to createObjectURL or msSaveOrOpenBlob, or a data: payload behind
 * a download link. */
bool smuggle_delivers(const smuggle_t *s);

/* XOR the LEN bytes of DATA, the payload from its first byte on, with
 * KEY in place. */
void smuggle_xor(uint8_t *data, size_t len, const smuggle_key_t *key);

/* Decode payload P of HTML into a new buffer (*OUT, free()), at most MAX
 * bytes; REVERSED: the base64 text read backwards first, as the kits that
 * hide their file as a reversed string (atob(s.split('').reverse()
 * .join(''))) do.  EMG_ELIMIT when it would be larger, EMG_EPARSE when it
 * decodes to nothing (a number list is never reversed), EMG_ENOMEM. */
emg_status_t smuggle_decode(const uint8_t *html, size_t len,
                            const smuggle_payload_t *p, bool reversed,
                            size_t max, uint8_t **out, size_t *outlen);

#endif
