/*
 * message.h - the message model: what analyzers know about one message.
 *
 * message.c builds it from raw bytes with GMime 3.  All strings are UTF-8:
 * RFC 2047 encoded-words (ISO-2022-JP, Shift_JIS, EUC-JP, UTF-8, also split
 * mid-character) and raw 8-bit headers are decoded.  Everything is owned by
 * the emg_message_t and freed by message_free().  Parsing never fails on bad
 * input: what could not be read is listed in `problems`, which the scan turns
 * into attach.unscannable findings.
 */
#ifndef EMG_MESSAGE_H
#define EMG_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"
#include "limits.h"
#include "strlist.h"

typedef struct emg_header {
	char *name;  /* as written, e.g. "Reply-To" */
	char *value; /* unfolded, encoded-words decoded, UTF-8, trimmed */
	char *raw;   /* unfolded raw value, undecoded (8-bit bytes as UTF-8) */
} emg_header_t;

typedef struct emg_address {
	char *display; /* decoded display name, or NULL */
	char *addr;    /* addr-spec "local@domain"; the domain lowercased */
	char *domain;  /* lowercased domain part, or "" when there is none */
	char *group;   /* name of the group it appeared in, or NULL */
} emg_address_t;

typedef struct emg_addrlist {
	emg_address_t *v;
	size_t n;
} emg_addrlist_t;

typedef struct emg_attachment {
	char *name;          /* file name (RFC 2231 / 2047 decoded), or NULL */
	char *declared_type; /* "type/subtype" from Content-Type, lowercased */
	unsigned char *data; /* decoded bytes */
	size_t size;
	char sha256[65];     /* lowercase hex */
	char *real_type;     /* libmagic MIME type, e.g. "application/zip" */
	char *real_desc;     /* libmagic description, first 200 bytes */
	unsigned depth;      /* 0 for a part of the top-level message */
	bool inline_part;    /* Content-Disposition inline without a name */
	struct emg_attachment **children; /* parts of an attached message,
	                                   * members of an archive or image,
	                                   * files embedded in a document */
	size_t n_children;

	/* Filled by the attachment walker (walk.c); see attachment.h. */
	struct emg_attachment *parent; /* NULL for a root */
	char *path;          /* "invoice.zip/請求書.doc": names from the root */
	const char *container; /* how it was unpacked from its parent: "zip",
	                        * "7z", "rar", "tar", "iso", "lzh", "cab",
	                        * "gzip", "onenote", "rfc822", "html" (a file an
	                        * HTML page smuggles); NULL for a root */
	bool expanded;       /* the walker opened it as a container */
	bool encrypted;      /* encrypted member, or archive with such members */
	const char *enc_method; /* "zipcrypto", "aes256", "7z-aes", ... */
	char *opened_with;   /* source of the password that opened it
	                      * ("body line 3 after パスワード"); never the
	                      * password itself; NULL when none was needed */
	bool password_failed; /* encrypted and no candidate opened it */
	bool unsafe_name;    /* absolute or ../ member name (data only) */
	uint64_t declared_size; /* uncompressed size the container claims */
	bool inflated;       /* padding dropped: data is head + content */
	uint64_t full_size;  /* bytes before padding was dropped */
	emg_strlist_t problems; /* this object: limits hit, corrupt content */
} emg_attachment_t;

typedef struct emg_message {
	emg_header_t *headers; /* top-level header block, in order */
	size_t n_headers;

	emg_addrlist_t from, sender, reply_to, to, cc, return_path;
	char *subject;       /* decoded, or NULL */
	char *message_id;    /* with angle brackets, or NULL */
	char *in_reply_to;   /* first msg-id, with angle brackets, or NULL */
	emg_strlist_t references; /* msg-ids with angle brackets */
	char *date;          /* raw Date header, or NULL */

	/* Text of every text/plain and text/html body part (not attachments),
	 * HTML rendered to text, joined by newlines, NFKC-normalised. */
	char *text;
	size_t text_len;
	bool has_html;

	emg_attachment_t **attachments; /* top-level attachment roots */
	size_t n_attachments;
	unsigned n_parts;   /* MIME parts seen */
	unsigned max_depth; /* deepest MIME nesting seen */

	/* What could not be read: "LimitMimeParts 1000 reached",
	 * "part 3 (report.pdf): truncated base64", ... one per line. */
	emg_strlist_t problems;
} emg_message_t;

typedef struct magic_set *magic_t;

/* Parse LEN bytes of DATA.  MAGIC (may be NULL) gives attachments their
 * real type.  Returns EMG_OK with *out set, even for garbage input;
 * EMG_ENOMEM otherwise. */
emg_status_t message_parse(const void *data, size_t len,
                           const emg_limits_t *lim, magic_t magic,
                           emg_message_t **out);
void message_free(emg_message_t *msg);

/* First header called NAME (case-insensitive), or NULL.  Its decoded value. */
const char *message_header(const emg_message_t *msg, const char *name);
/* The Nth header called NAME, or NULL past the last. */
const emg_header_t *message_header_nth(const emg_message_t *msg,
                                       const char *name, size_t nth);

/* Fill ATT's sha256, real_type and real_desc from its data.  Also used for
 * a file that is scanned as a single attachment. */
void message_attachment_identify(emg_attachment_t *att, magic_t magic);

/* One-time GMime initialisation; safe to call from any thread. */
void message_init_once(void);

#endif
