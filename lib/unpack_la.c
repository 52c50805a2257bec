/*
 * unpack_la.c - the libarchive back end of unpack.c: 7z, RAR/RAR5, tar,
 * CAB, LZH/LHA, ISO 9660, cpio, bare gzip/bzip2/xz streams, and ZIPs that
 * libzip refused (read from their local headers).
 *
 * libarchive reads forward only, so one reader is cached on the handle and
 * reused while the caller reads members in order; going back, or changing
 * the passphrase (archive_read_add_passphrase, 7z AES and ZIP), opens a
 * new one over the same memory.  Members passed over on the way are
 * decompressed by us against a byte budget rather than by
 * archive_read_data_skip, which in a solid or compressed stream
 * decompresses without bound (a bomb in front of the member we want).
 * libarchive 3.6 cannot decrypt 7z headers (-mhe=on): we recognise those
 * from the raw bytes and report them, and it cannot decrypt 7z data
 * either (UNPACK_RESULT_UNSUPPORTED, from the format's capabilities).
 *
 * Names: libarchive converts LZH names through the thread's LC_CTYPE and
 * fails hard on a CP932 name under the C locale, so every call into
 * libarchive runs under a per-handle C.UTF-8 locale (uselocale, which is
 * per thread; the caller's locale is restored before returning).  LZH is
 * read as CP932 first (LHA for Windows), then as libarchive's default.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "unpack_int.h"

static const struct {
	const char *mime;
	unsigned formats;
} unpack_la_types[] = {
	{"application/x-7z-compressed", UNPACK_LA_7Z},
	{"application/x-rar", UNPACK_LA_RAR},
	{"application/vnd.rar", UNPACK_LA_RAR},
	{"application/x-rar-compressed", UNPACK_LA_RAR},
	{"application/x-tar", UNPACK_LA_TAR},
	{"application/x-gtar", UNPACK_LA_TAR},
	{"application/gzip", UNPACK_LA_TAR | UNPACK_LA_CPIO | UNPACK_LA_RAW},
	{"application/x-gzip", UNPACK_LA_TAR | UNPACK_LA_CPIO | UNPACK_LA_RAW},
	{"application/x-bzip2", UNPACK_LA_TAR | UNPACK_LA_CPIO | UNPACK_LA_RAW},
	{"application/x-bzip", UNPACK_LA_TAR | UNPACK_LA_CPIO | UNPACK_LA_RAW},
	{"application/x-xz", UNPACK_LA_TAR | UNPACK_LA_CPIO | UNPACK_LA_RAW},
	{"application/x-lzma", UNPACK_LA_TAR | UNPACK_LA_CPIO | UNPACK_LA_RAW},
	{"application/zstd", UNPACK_LA_TAR | UNPACK_LA_CPIO | UNPACK_LA_RAW},
	{"application/vnd.ms-cab-compressed", UNPACK_LA_CAB},
	{"application/x-lzh-compressed", UNPACK_LA_LHA},
	{"application/x-lha", UNPACK_LA_LHA},
	{"application/x-lzh", UNPACK_LA_LHA},
	{"application/x-iso9660-image", UNPACK_LA_ISO},
	{"application/x-cpio", UNPACK_LA_CPIO},
};

unsigned unpack_la_formats(const char *mime, bool *is_la)
{
	*is_la = false;
	if (mime == NULL)
		return UNPACK_LA_SNIFF;
	for (size_t i = 0; i < sizeof(unpack_la_types) / sizeof(unpack_la_types[0]);
	     i++)
		if (strcmp(mime, unpack_la_types[i].mime) == 0) {
			*is_la = true;
			return unpack_la_types[i].formats;
		}
	return UNPACK_LA_SNIFF;
}

/* A reader over the handle's memory for FORMATS, with PASSWORD if any. */
static struct archive *unpack_la_new(const unpack_t *u, unsigned formats,
                                     const char *password)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		return NULL;
	archive_read_support_filter_all(a);
	if (formats & UNPACK_LA_7Z)
		archive_read_support_format_7zip(a);
	if (formats & UNPACK_LA_RAR) {
		archive_read_support_format_rar(a);
		archive_read_support_format_rar5(a);
	}
	if (formats & UNPACK_LA_TAR)
		archive_read_support_format_tar(a);
	if (formats & UNPACK_LA_CAB)
		archive_read_support_format_cab(a);
	if (formats & UNPACK_LA_LHA)
		archive_read_support_format_lha(a);
	if (formats & UNPACK_LA_ISO)
		archive_read_support_format_iso9660(a);
	if (formats & UNPACK_LA_CPIO)
		archive_read_support_format_cpio(a);
	if (formats & UNPACK_LA_ZIP)
		archive_read_support_format_zip(a);
	if (formats & UNPACK_LA_RAW)
		archive_read_support_format_raw(a);
	if ((formats & UNPACK_LA_LHA) && u->la_cp932)
		(void)archive_read_set_options(a, "lha:hdrcharset=CP932");
	if (password != NULL && archive_read_add_passphrase(a, password) !=
	                                ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	/* Empty input: libarchive would wait on it; it is no archive. */
	if (u->len == 0 ||
	    archive_read_open_memory(a, u->data, u->len) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Read forward, little-endian. */
static uint64_t unpack_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i > 0; i--)
		v = (v << 8) | p[i - 1];
	return v;
}

/* A 7z whose next header is an encoded header using the AES coder
 * (06 F1 07 01): the member list itself is encrypted. */
static bool unpack_la_7z_hdr_enc(const uint8_t *d, size_t len)
{
	static const uint8_t magic[6] = {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c};
	static const uint8_t aes[4] = {0x06, 0xf1, 0x07, 0x01};
	uint64_t off, size;

	if (len < 32 || memcmp(d, magic, sizeof(magic)) != 0)
		return false;
	off = unpack_le(d + 12, 8);
	size = unpack_le(d + 20, 8);
	if (off > len - 32 || size > len - 32 - off || size < 1)
		return false;
	d += 32 + off;
	return d[0] == 0x17 && memmem(d, (size_t)size, aes, sizeof(aes)) != NULL;
}

/* The member name: raw bytes decoded by us (libarchive keeps them as they
 * are under the C locale), or libarchive's UTF-8 for formats that store
 * UTF-16 (7z, RAR5, Joliet). */
static char *unpack_la_name(struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e);

	if (raw == NULL)
		raw = archive_entry_pathname_utf8(e);
	return unpack_name_utf8(raw, raw != NULL ? strlen(raw) : 0);
}

static const char *unpack_la_method(struct archive *a, struct archive_entry *e)
{
	int base = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;

	if (!archive_entry_is_encrypted(e))
		return "none";
	if (base == ARCHIVE_FORMAT_7ZIP)
		return "7z-aes";
	if (base == ARCHIVE_FORMAT_RAR || base == ARCHIVE_FORMAT_RAR_V5)
		return "rar";
	return "unknown";
}

/* Decompress the current member's data and throw it away, counting it
 * against the skip budget.  Returns 0, or -1 with WHY (libarchive error),
 * or -2 when the budget ran out. */
static int unpack_la_drain(unpack_t *u, struct archive *a, char *why,
                           size_t whylen)
{
	const void *blk;
	size_t n;
	la_int64_t off;

	for (;;) {
		int r = archive_read_data_block(a, &blk, &n, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			unpack_why(why, whylen, "%s",
			           archive_error_string(a) != NULL
			                   ? archive_error_string(a)
			                   : "read error");
			return -1;
		}
		u->skip_work += n;
		if (u->lim.max_bytes != 0 && u->skip_work > u->lim.max_bytes)
			return -2;
	}
}

/* Pass over the current member while listing.  Where skipping costs
 * decompression (a compression filter, RAR's solid streams), decompress
 * under the budget; else let libarchive seek.  Returns as _drain. */
static int unpack_la_pass(unpack_t *u, struct archive *a, bool encrypted,
                          char *why, size_t whylen)
{
	int base = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;

	if (!encrypted && (archive_filter_count(a) > 1 ||
	                   base == ARCHIVE_FORMAT_RAR ||
	                   base == ARCHIVE_FORMAT_RAR_V5))
		return unpack_la_drain(u, a, why, whylen);
	if (archive_read_data_skip(a) != ARCHIVE_OK) {
		unpack_why(why, whylen, "%s",
		           archive_error_string(a) != NULL
		                   ? archive_error_string(a)
		                   : "skip failed");
		return -1;
	}
	return 0;
}

/* One header into the member table. */
static emg_status_t unpack_la_entry(unpack_t *u, struct archive *a,
                                    struct archive_entry *e)
{
	unpack_member_t m;

	memset(&m, 0, sizeof(m));
	m.name = unpack_la_name(e);
	if (m.name == NULL)
		return EMG_ENOMEM;
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0)
		m.size = (uint64_t)archive_entry_size(e);
	m.encrypted = archive_entry_is_encrypted(e) != 0;
	m.method = unpack_la_method(a, e);
	m.is_dir = archive_entry_filetype(e) == AE_IFDIR;
	return unpack_add(u, &m);
}

/* Keep the name of A's format in U: archive_format_name() belongs to the
 * reader, which unpack_la_try frees as soon as the listing ends. */
static void unpack_la_format(unpack_t *u, struct archive *a)
{
	const char *name = archive_format_name(a);

	if (name == NULL)
		return;
	snprintf(u->format_buf, sizeof(u->format_buf), "%s", name);
	u->format_name = u->format_buf;
}

/* The listing loop.  Stops at the member cap, at the skip budget, or at
 * bad data after the first member (kept, with the reason in WHY). */
static emg_status_t unpack_la_list(unpack_t *u, struct archive *a, char *why,
                                   size_t whylen)
{
	struct archive_entry *e;
	emg_status_t st;
	int r, p;

	for (;;) {
		if (unpack_full(u)) {
			u->truncated = true;
			unpack_why(why, whylen, "more than %zu members", u->n);
			return EMG_OK;
		}
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			return EMG_OK;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			break;
		if (u->format_name == NULL)
			unpack_la_format(u, a);
		st = unpack_la_entry(u, a, e);
		if (st != EMG_OK)
			return st;
		p = unpack_la_pass(u, a, u->m[u->n - 1].encrypted, why, whylen);
		if (p == -2) {
			u->truncated = true;
			unpack_why(why, whylen, "listing passed %llu bytes",
			           (unsigned long long)u->lim.max_bytes);
			return EMG_OK;
		}
		if (p < 0) {
			u->truncated = true;
			return EMG_OK;
		}
	}
	unpack_why(why, whylen, "%s",
	           archive_error_string(a) != NULL ? archive_error_string(a)
	                                           : "not an archive");
	if (u->n == 0)
		return EMG_EPARSE;
	u->truncated = true;
	return EMG_OK;
}

/* Run libarchive under the handle's C.UTF-8 locale; returns what to
 * restore. */
static locale_t unpack_la_enter(unpack_t *u)
{
	return u->la_loc != (locale_t)0 ? uselocale(u->la_loc) : (locale_t)0;
}

static void unpack_la_leave(locale_t old)
{
	if (old != (locale_t)0)
		uselocale(old);
}

/* Drop what a failed listing attempt left. */
static void unpack_la_reset(unpack_t *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->m[i].name);
	u->n = 0;
	u->truncated = false;
	u->format_name = NULL;
}

static emg_status_t unpack_la_try(unpack_t *u, unsigned formats, char *why,
                                  size_t whylen)
{
	struct archive *a = unpack_la_new(u, formats, NULL);
	emg_status_t st;

	if (a == NULL) {
		unpack_why(why, whylen, "%s", "not a readable archive");
		return EMG_EPARSE;
	}
	st = unpack_la_list(u, a, why, whylen);
	archive_read_free(a);
	/* The listing's skip work is not output: reads get the whole
	 * budget again for what they pass over. */
	u->skip_work = 0;
	return st;
}

emg_status_t unpack_la_open(unpack_t *u, unsigned formats, char *why,
                            size_t whylen)
{
	emg_status_t st;
	locale_t old;

	u->kind = UNPACK_KIND_LA;
	u->la_formats = formats;
	if (u->la_loc == (locale_t)0)
		u->la_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	old = unpack_la_enter(u);
	u->la_cp932 = (formats & UNPACK_LA_LHA) != 0;
	st = unpack_la_try(u, formats, why, whylen);
	if (u->la_cp932 && (st == EMG_EPARSE || u->truncated)) {
		/* Not CP932 after all (LHa for UNIX writes UTF-8). */
		unpack_la_reset(u);
		u->la_cp932 = false;
		st = unpack_la_try(u, formats, why, whylen);
	}
	unpack_la_leave(old);
	if (st == EMG_EPARSE && (formats & UNPACK_LA_7Z) &&
	    unpack_la_7z_hdr_enc(u->data, u->len)) {
		u->hdr_enc = true;
		u->format_name = "7-Zip";
		unpack_why(why, whylen, "%s", "7z header is encrypted");
		return EMG_OK;
	}
	return st;
}

static bool unpack_la_same_pw(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* What a failed read of a member means.  libarchive 3.6 declares the
 * encryption capabilities for 7z (to detect it) but decrypts nothing:
 * only its message tells "cannot" from "wrong password". */
static unpack_result_t unpack_la_failure(struct archive *a, bool encrypted)
{
	const char *msg = archive_error_string(a);

	if (!encrypted)
		return UNPACK_RESULT_CORRUPT;
	if (msg != NULL && strstr(msg, "not supported") != NULL)
		return UNPACK_RESULT_UNSUPPORTED;
	return UNPACK_RESULT_BAD_PASSWORD;
}

/* Drop the cached reader. */
static void unpack_la_drop(unpack_t *u)
{
	if (u->ar != NULL)
		archive_read_free(u->ar);
	u->ar = NULL;
	free(u->ar_pass);
	u->ar_pass = NULL;
	u->ar_pos = 0;
}

/* A reader with PASSWORD positioned on the data of member I.  Members
 * before I are decompressed under the budget (solid streams need it
 * anyway).  Returns false with S->result set. */
static bool unpack_la_seek(unpack_t *u, size_t i, const char *password,
                           unpack_stream_t *s, char *why, size_t whylen)
{
	struct archive_entry *e;

	if (u->ar == NULL || u->ar_pos > i ||
	    !unpack_la_same_pw(u->ar_pass, password)) {
		/* Copy first: PASSWORD may be the cached reader's own. */
		char *np = password != NULL ? strdup(password) : NULL;

		unpack_la_drop(u);
		if (password != NULL && np == NULL)
			goto corrupt;
		u->ar_pass = np;
		u->ar = unpack_la_new(u, u->la_formats, np);
		if (u->ar == NULL)
			goto corrupt;
	}
	while (u->ar_pos <= i) {
		int r = archive_read_next_header(u->ar, &e);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			goto corrupt;
		if (u->ar_pos++ == i)
			return true;
		/* Without a password an encrypted member cannot be
		 * decompressed; libarchive can still pass over it. */
		r = (archive_entry_is_encrypted(e) && password == NULL)
		            ? (archive_read_data_skip(u->ar) == ARCHIVE_OK ? 0 : -1)
		            : unpack_la_drain(u, u->ar, why, whylen);
		if (r == -2) {
			s->result = UNPACK_RESULT_LIMIT_BYTES;
			unpack_la_drop(u);
			return false;
		}
		if (r < 0) {
			s->result = unpack_la_failure(
				u->ar, archive_entry_is_encrypted(e) != 0);
			unpack_la_drop(u);
			return false;
		}
	}
corrupt:
	unpack_why(why, whylen, "%s",
	           u->ar != NULL && archive_error_string(u->ar) != NULL
	                   ? archive_error_string(u->ar)
	                   : "cannot reach member");
	s->result = UNPACK_RESULT_CORRUPT;
	unpack_la_drop(u);
	return false;
}

/* Stream the current member, at most MAXCHUNKS blocks (0: all). */
static void unpack_la_stream(unpack_t *u, size_t i, unpack_stream_t *s,
                             unsigned maxchunks, char *why, size_t whylen)
{
	struct archive *a = u->ar;
	la_int64_t in0 = archive_filter_bytes(a, -1);
	unsigned chunks = 0;

	for (;;) {
		const void *blk;
		size_t n;
		la_int64_t off, in;
		int r = archive_read_data_block(a, &blk, &n, &off);

		if (r == ARCHIVE_EOF)
			return;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			s->result = unpack_la_failure(a, u->m[i].encrypted);
			unpack_why(why, whylen, "%s",
			           archive_error_string(a) != NULL
			                   ? archive_error_string(a)
			                   : "read error");
			unpack_la_drop(u);
			return;
		}
		/* Compressed bytes consumed so far (read-ahead included,
		 * which only makes the ratio look smaller). */
		in = archive_filter_bytes(a, -1);
		s->cin = in > in0 ? (uint64_t)(in - in0) : 0;
		if (!unpack_deliver(s, blk, n))
			return;
		if (maxchunks != 0 && ++chunks >= maxchunks)
			return;
	}
}

emg_status_t unpack_la_read(unpack_t *u, size_t i, const char *password,
                            unpack_stream_t *s, char *why, size_t whylen)
{
	locale_t old = unpack_la_enter(u);

	if (!u->m[i].encrypted)
		password = u->ar_pass; /* keep the cached reader */
	if (unpack_la_seek(u, i, password, s, why, whylen))
		unpack_la_stream(u, i, s, 0, why, whylen);
	unpack_la_leave(old);
	return EMG_OK;
}

static int unpack_la_null_sink(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	(void)n;
	return 0;
}

/* No verifier exists here (7z AES has none): decompress the first
 * blocks; a wrong key breaks the LZMA stream or the CRC at once. */
bool unpack_la_password_ok(unpack_t *u, size_t i, const char *password)
{
	unpack_stream_t s;
	unpack_limits_t saved = u->lim;
	uint64_t saved_total = u->total_out;
	locale_t old;

	if (password == NULL)
		return false;
	memset(&s, 0, sizeof(s));
	s.u = u;
	s.sink = unpack_la_null_sink;
	s.result = UNPACK_RESULT_OK;
	old = unpack_la_enter(u);
	if (unpack_la_seek(u, i, password, &s, NULL, 0)) {
		u->lim.max_bytes = 0;
		u->lim.max_ratio = 0;
		unpack_la_stream(u, i, &s, UNPACK_CHECK_CHUNKS, NULL, 0);
		u->lim = saved;
		u->total_out = saved_total;
	}
	unpack_la_leave(old);
	return s.result == UNPACK_RESULT_OK;
}

void unpack_la_close(unpack_t *u)
{
	unpack_la_drop(u);
	if (u->la_loc != (locale_t)0)
		freelocale(u->la_loc);
	u->la_loc = (locale_t)0;
}
