/*
 * unpack.h - read archives held in memory: list their members and stream
 * one member at a time to a caller's sink.  Nothing is ever written to disk
 * and member names are only data.
 *
 * ZIP goes through libzip (ZipCrypto, WinZip AES-128/192/256); 7z, RAR,
 * tar, gzip, bzip2, xz, CAB, LZH/LHA, ISO 9660 and cpio go through
 * libarchive.  Limits (member count, total bytes, compression ratio) are
 * checked while streaming, because declared sizes lie.  A corrupt archive
 * is EMG_EPARSE with a reason, never a crash or a hang.
 *
 * Files: unpack.c (API, names, limits), unpack_zip.c (libzip),
 * unpack_la.c (libarchive), unpack_int.h (shared internals).
 */
#ifndef EMG_UNPACK_H
#define EMG_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"

typedef struct unpack unpack_t;

typedef struct unpack_member {
	char *name;         /* UTF-8; CP932 names decoded, bad bytes U+FFFD */
	uint64_t size;      /* declared uncompressed size */
	uint64_t csize;     /* compressed size when known, else 0 */
	bool encrypted;
	const char *method; /* "none", "zipcrypto", "aes128", "aes192",
	                       "aes256", "7z-aes", "rar", "unknown" */
	bool unsafe_name;   /* absolute path, "..", drive letter, empty */
	bool is_dir;
} unpack_member_t;

/* Filled by the caller, usually from emg_limits_t (limits.h).  Zero means
 * "no limit" for each field. */
typedef struct unpack_limits {
	unsigned max_files;   /* members listed; more set unpack_truncated() */
	uint64_t max_bytes;   /* bytes streamed from this handle, all members */
	unsigned max_ratio;   /* output / compressed input, per member ... */
	uint64_t ratio_floor; /* ... once a member has produced this many bytes
	                         (small, very compressible files are normal) */
} unpack_limits_t;

typedef enum unpack_result {
	UNPACK_RESULT_OK = 0,       /* member read to its end, checksum good */
	UNPACK_RESULT_STOPPED,      /* the sink asked to stop */
	UNPACK_RESULT_BAD_PASSWORD, /* encrypted and password missing or wrong */
	UNPACK_RESULT_CORRUPT,      /* bad data or unsupported method: see WHY */
	UNPACK_RESULT_LIMIT_BYTES,  /* max_bytes reached */
	UNPACK_RESULT_LIMIT_RATIO,  /* max_ratio exceeded */
	UNPACK_RESULT_UNSUPPORTED,  /* encrypted in a way the library cannot
	                               decrypt (7z AES in libarchive 3.6) */
} unpack_result_t;

/* The sink gets each chunk of output; non-zero stops the read. */
typedef int (*unpack_sink_fn)(void *ctx, const uint8_t *buf, size_t n);

/* Open DATA (LEN bytes, which must stay valid until unpack_close) as the
 * archive FORMAT, a libmagic MIME type ("application/zip", ...; NULL or an
 * unknown type sniffs the bytes).  LIM may be NULL (no limits).  Returns
 * EMG_EPARSE with WHY when the data is not a readable archive, EMG_ENOMEM,
 * or EMG_OK with *OUT set. */
emg_status_t unpack_open(const uint8_t *data, size_t len, const char *format,
                         const unpack_limits_t *lim, unpack_t **out, char *why,
                         size_t whylen);
size_t unpack_count(const unpack_t *u);
const unpack_member_t *unpack_member(const unpack_t *u, size_t i);
/* Short name of the reader used: "zip", "7-Zip", "RAR", "GNU tar format"...
 * ("unknown" when none was recorded).  The string belongs to U and stays
 * valid until unpack_close(U): libarchive's own name is copied at open
 * time (at most 63 bytes kept), because it is freed with its reader. */
const char *unpack_format(const unpack_t *u);
/* True when the listing stopped early: more than max_files members, or the
 * listing itself hit a byte limit or corrupt data (then WHY of unpack_open
 * was filled although it returned EMG_OK). */
bool unpack_truncated(const unpack_t *u);
/* True when the member list itself is encrypted (7z -mhe=on): no member
 * can be listed, and libarchive cannot decrypt it. */
bool unpack_headers_encrypted(const unpack_t *u);

/* Stream member I to SINK in chunks.  PASSWORD may be NULL.  *RESULT says
 * what happened.  Returns EMG_OK for ok, stopped, bad password and
 * unsupported encryption,
 * EMG_ELIMIT for a limit, EMG_EPARSE for corrupt (WHY says why),
 * EMG_EINVAL for a bad index, EMG_ENOMEM.  With a password that only
 * passed the cheap check, BAD_PASSWORD may come after some output went to
 * the sink: discard it then. */
emg_status_t unpack_read(unpack_t *u, size_t i, const char *password,
                         unpack_sink_fn sink, void *ctx,
                         unpack_result_t *result, char *why, size_t whylen);
/* Cheap password check before reading the whole member: the ZIP verifier
 * plus the first decompressed block (ZipCrypto's one check byte passes one
 * wrong password in 256).  True for members that are not encrypted. */
bool unpack_password_ok(unpack_t *u, size_t i, const char *password);
/* A short name for a result, for details ("limit: bytes"). */
const char *unpack_result_name(unpack_result_t r);
void unpack_close(unpack_t *u);

#endif
