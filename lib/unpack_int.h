/*
 * unpack_int.h - internals shared by unpack.c (API, names, limits),
 * unpack_zip.c (libzip) and unpack_la.c (libarchive).  Not installed and
 * not for other modules: they use unpack.h.
 */
#ifndef EMG_UNPACK_INT_H
#define EMG_UNPACK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>

#include "unpack.h"

struct archive;
struct zip;

#define UNPACK_BUFSIZE (64u * 1024)  /* one output chunk */
#define UNPACK_HARD_FILES 100000u    /* member cap when max_files is 0 */
#define UNPACK_NAME_MAX 4096u        /* raw name bytes kept */
#define UNPACK_CHECK_CHUNKS 4        /* chunks the password check reads */
#define UNPACK_FORMAT_MAX 64u        /* bytes of a reader's name kept */

enum unpack_kind { UNPACK_KIND_ZIP = 1, UNPACK_KIND_LA };

struct unpack {
	const uint8_t *data; /* the caller's buffer */
	size_t len;
	unpack_limits_t lim;
	enum unpack_kind kind;
	const char *format_name; /* a literal, or FORMAT_BUF: never a
	                            string owned by a libarchive reader */
	char format_buf[UNPACK_FORMAT_MAX]; /* copy of libarchive's name */
	unpack_member_t *m;
	size_t n, cap;
	bool truncated;
	bool hdr_enc;
	uint64_t total_out; /* output bytes of every read so far */
	uint64_t skip_work; /* bytes decompressed only to skip members */
	uint8_t *buf;       /* UNPACK_BUFSIZE bytes */

	struct zip *zip;              /* UNPACK_KIND_ZIP */
	struct unpack_zsrc *zsrc;     /* its memory source (owned by zip) */

	struct archive *ar; /* UNPACK_KIND_LA: the cached reader ... */
	unsigned la_formats; /* ... which formats it enables ... */
	size_t ar_pos;      /* ... index of the next header it returns ... */
	char *ar_pass;      /* ... and the passphrase it was opened with */
	bool la_cp932;      /* LZH names read as CP932 */
	locale_t la_loc;    /* C.UTF-8 for libarchive's name conversions */
};

/* The state of one member read, shared by both back ends' stream loops. */
typedef struct unpack_stream {
	unpack_t *u;
	unpack_sink_fn sink;
	void *ctx;
	uint64_t out;   /* bytes of this member delivered */
	uint64_t cin;   /* compressed bytes behind them, for the ratio */
	unpack_result_t result;
} unpack_stream_t;

/* unpack.c */
void unpack_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append a member; takes ownership of M->name (freed on failure). */
emg_status_t unpack_add(unpack_t *u, unpack_member_t *m);
/* True when the member list is full (max_files or the hard cap). */
bool unpack_full(const unpack_t *u);
/* RAW (LEN bytes) as UTF-8: kept when valid UTF-8, else decoded as CP932. */
char *unpack_name_utf8(const char *raw, size_t len);
bool unpack_name_unsafe(const char *name);
/* Deliver N bytes through the limits to the sink; false when the stream
 * must stop (S->result says why). */
bool unpack_deliver(unpack_stream_t *s, const uint8_t *buf, size_t n);
/* Status for a result. */
emg_status_t unpack_status(unpack_result_t r);

/* unpack_zip.c */
emg_status_t unpack_zip_open(unpack_t *u, char *why, size_t whylen);
emg_status_t unpack_zip_read(unpack_t *u, size_t i, const char *password,
                             unpack_stream_t *s, char *why, size_t whylen);
bool unpack_zip_password_ok(unpack_t *u, size_t i, const char *password);
void unpack_zip_close(unpack_t *u);

/* unpack_la.c */
/* Format sets for the libarchive reader. */
#define UNPACK_LA_7Z 0x001u
#define UNPACK_LA_RAR 0x002u
#define UNPACK_LA_TAR 0x004u
#define UNPACK_LA_CAB 0x008u
#define UNPACK_LA_LHA 0x010u
#define UNPACK_LA_ISO 0x020u
#define UNPACK_LA_CPIO 0x040u
#define UNPACK_LA_RAW 0x080u /* a bare gzip/bzip2/xz stream: one member */
#define UNPACK_LA_ZIP 0x100u /* ZIP from local headers (libzip refused it) */
#define UNPACK_LA_SNIFF 0x07fu /* every archive format, no raw, no ZIP */
unsigned unpack_la_formats(const char *mime, bool *is_la);
emg_status_t unpack_la_open(unpack_t *u, unsigned formats, char *why,
                            size_t whylen);
emg_status_t unpack_la_read(unpack_t *u, size_t i, const char *password,
                            unpack_stream_t *s, char *why, size_t whylen);
bool unpack_la_password_ok(unpack_t *u, size_t i, const char *password);
void unpack_la_close(unpack_t *u);

#endif
