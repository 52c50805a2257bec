/*
 * unpack_zip.c - the ZIP back end of unpack.c, through libzip.
 *
 * libzip reads the central directory from a read-only buffer source (no
 * file is opened) and decrypts ZipCrypto and WinZip AES with the password
 * given per member (zip_fopen_index_encrypted).  A wrong password fails
 * at the verifier; one that slips past it (ZipCrypto: 1 in 256, AES: 1 in
 * 65536) shows as a bad inflate stream or a CRC / HMAC mismatch, which we
 * report as a bad password, not as corruption.
 *
 * The archive bytes reach libzip through our own read-only source over
 * the caller's memory (zip_source_function), which counts what libzip
 * reads: the compressed bytes consumed so far, so that the ratio limit is
 * checked against real progress (a 1 GB member of zeros is stopped after
 * ratio_floor bytes, not after ratio * its whole compressed size).
 */
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "unpack_int.h"

static const char *unpack_zip_method(uint16_t em)
{
	switch (em) {
	case ZIP_EM_NONE:
		return "none";
	case ZIP_EM_TRAD_PKWARE:
		return "zipcrypto";
	case ZIP_EM_AES_128:
		return "aes128";
	case ZIP_EM_AES_192:
		return "aes192";
	case ZIP_EM_AES_256:
		return "aes256";
	default:
		return "unknown";
	}
}

/* The memory source: the caller's buffer, a position, a read count. */
struct unpack_zsrc {
	const uint8_t *data;
	zip_uint64_t len, pos;
	uint64_t nread;
	zip_error_t err;
};
typedef struct unpack_zsrc unpack_zsrc_t;

static zip_int64_t unpack_zsrc_seek(unpack_zsrc_t *m, void *arg,
                                    zip_uint64_t argl)
{
	zip_int64_t off = zip_source_seek_compute_offset(
		m->pos, m->len, arg, argl, &m->err);

	if (off < 0)
		return -1;
	m->pos = (zip_uint64_t)off;
	return 0;
}

static zip_int64_t unpack_zsrc_cb(void *ud, void *data, zip_uint64_t n,
                                  zip_source_cmd_t cmd)
{
	unpack_zsrc_t *m = ud;
	zip_uint64_t k;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		m->pos = 0;
		return 0;
	case ZIP_SOURCE_READ:
		k = m->len - m->pos < n ? m->len - m->pos : n;
		memcpy(data, m->data + m->pos, (size_t)k);
		m->pos += k;
		m->nread += k;
		return (zip_int64_t)k;
	case ZIP_SOURCE_CLOSE:
		return 0;
	case ZIP_SOURCE_STAT: {
		zip_stat_t *st = data;
		zip_stat_init(st);
		st->size = m->len;
		st->valid |= ZIP_STAT_SIZE;
		return sizeof(*st);
	}
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&m->err, data, n);
	case ZIP_SOURCE_FREE:
		zip_error_fini(&m->err);
		free(m);
		return 0;
	case ZIP_SOURCE_SEEK:
		return unpack_zsrc_seek(m, data, n);
	case ZIP_SOURCE_TELL:
		return (zip_int64_t)m->pos;
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(
			ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
			ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
			ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL, ZIP_SOURCE_SUPPORTS, -1);
	default:
		zip_error_set(&m->err, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/* List entry I into the member table. */
static emg_status_t unpack_zip_entry(unpack_t *u, zip_uint64_t i)
{
	zip_stat_t st;
	unpack_member_t m;
	size_t nlen;

	memset(&m, 0, sizeof(m));
	zip_stat_init(&st);
	/* Raw names: libzip would guess CP437 for a CP932 name. */
	if (zip_stat_index(u->zip, i, ZIP_FL_ENC_RAW, &st) != 0)
		st.valid = 0;
	if ((st.valid & ZIP_STAT_NAME) && st.name != NULL) {
		nlen = strlen(st.name);
		m.name = unpack_name_utf8(st.name, nlen);
		m.is_dir = nlen > 0 && st.name[nlen - 1] == '/';
	} else
		m.name = strdup("");
	if (m.name == NULL)
		return EMG_ENOMEM;
	if (st.valid & ZIP_STAT_SIZE)
		m.size = st.size;
	if (st.valid & ZIP_STAT_COMP_SIZE)
		m.csize = st.comp_size;
	m.method = "none";
	if (st.valid & ZIP_STAT_ENCRYPTION_METHOD) {
		m.encrypted = st.encryption_method != ZIP_EM_NONE;
		m.method = unpack_zip_method(st.encryption_method);
	}
	return unpack_add(u, &m);
}

emg_status_t unpack_zip_open(unpack_t *u, char *why, size_t whylen)
{
	zip_error_t err;
	zip_source_t *src;
	unpack_zsrc_t *m;
	zip_int64_t n;
	emg_status_t st;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return EMG_ENOMEM;
	m->data = u->data;
	m->len = u->len;
	zip_error_init(&m->err);
	zip_error_init(&err);
	src = zip_source_function_create(unpack_zsrc_cb, m, &err);
	if (src == NULL) {
		zip_error_fini(&m->err);
		free(m);
		zip_error_fini(&err);
		return EMG_ENOMEM;
	}
	u->zip = zip_open_from_source(src, ZIP_RDONLY, &err);
	if (u->zip == NULL) {
		unpack_why(why, whylen, "%s", zip_error_strerror(&err));
		zip_error_fini(&err);
		zip_source_free(src); /* frees M through ZIP_SOURCE_FREE */
		return EMG_EPARSE;
	}
	u->zsrc = m;
	zip_error_fini(&err);
	u->kind = UNPACK_KIND_ZIP;
	u->format_name = "zip";
	n = zip_get_num_entries(u->zip, 0);
	for (zip_int64_t i = 0; i < n; i++) {
		if (unpack_full(u)) {
			u->truncated = true;
			unpack_why(why, whylen, "more than %zu members", u->n);
			break;
		}
		st = unpack_zip_entry(u, (zip_uint64_t)i);
		if (st != EMG_OK)
			return st;
	}
	return EMG_OK;
}

/* Did a read error come from a password that passed the verifier? */
static bool unpack_zip_badpw_error(int ze)
{
	return ze == ZIP_ER_CRC || ze == ZIP_ER_ZLIB ||
	       ze == ZIP_ER_COMPRESSED_DATA || ze == ZIP_ER_WRONGPASSWD ||
	       ze == ZIP_ER_INCONS;
}

/* Open member I; on failure set S->result and WHY. */
static zip_file_t *unpack_zip_fopen(unpack_t *u, size_t i, const char *pw,
                                    unpack_stream_t *s, char *why,
                                    size_t whylen)
{
	zip_file_t *zf;
	zip_stat_t st;
	int ze;

	/* Decide unsupported methods ourselves: libzip 1.7.3 leaks the
	 * source chain when zip_fopen fails on one (found by fuzzing). */
	zip_stat_init(&st);
	if (zip_stat_index(u->zip, i, 0, &st) == 0) {
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
		    st.encryption_method != ZIP_EM_NONE &&
		    !zip_encryption_method_supported(st.encryption_method, 0)) {
			s->result = UNPACK_RESULT_UNSUPPORTED;
			return NULL;
		}
		if ((st.valid & ZIP_STAT_COMP_METHOD) &&
		    !zip_compression_method_supported(st.comp_method, 0)) {
			s->result = UNPACK_RESULT_CORRUPT;
			unpack_why(why, whylen,
			           "compression method %u not supported",
			           (unsigned)st.comp_method);
			return NULL;
		}
	}
	zf = zip_fopen_index_encrypted(u->zip, i, 0, pw);
	if (zf != NULL)
		return zf;
	ze = zip_error_code_zip(zip_get_error(u->zip));
	if (ze == ZIP_ER_NOPASSWD || ze == ZIP_ER_WRONGPASSWD) {
		s->result = UNPACK_RESULT_BAD_PASSWORD;
	} else {
		s->result = UNPACK_RESULT_CORRUPT;
		unpack_why(why, whylen, "%s",
		           zip_error_strerror(zip_get_error(u->zip)));
	}
	zip_error_clear(u->zip);
	return NULL;
}

/* libzip 1.7.3 checks the CRC of WinZip AES entries too, but AE-2 entries
 * store a CRC of 0 and authenticate with an HMAC instead (fixed in libzip
 * 1.8.0): every AES-256 ZIP made by 7-Zip then fails with "CRC error" after
 * its last byte.  True when the error at the end of member I is that bug:
 * an AES member whose stored CRC is 0, read to its declared size. */
static bool unpack_zip_ae2_crc_bug(unpack_t *u, size_t i, int ze,
                                   uint64_t delivered)
{
	zip_stat_t st;

	if (ze != ZIP_ER_CRC || !u->m[i].encrypted ||
	    strncmp(u->m[i].method, "aes", 3) != 0)
		return false;
	zip_stat_init(&st);
	if (zip_stat_index(u->zip, i, 0, &st) != 0)
		return false;
	return (st.valid & ZIP_STAT_CRC) && st.crc == 0 &&
	       (st.valid & ZIP_STAT_SIZE) && st.size == delivered;
}

/* Stream an open member to the sink, at most MAXCHUNKS chunks (0: all). */
static void unpack_zip_stream(unpack_t *u, size_t i, zip_file_t *zf,
                              unpack_stream_t *s, unsigned maxchunks,
                              char *why, size_t whylen)
{
	unsigned chunks = 0;
	uint64_t in0 = u->zsrc->nread;
	uint64_t delivered = 0;

	for (;;) {
		zip_int64_t r = zip_fread(zf, u->buf, UNPACK_BUFSIZE);
		if (r < 0) {
			int ze = zip_error_code_zip(zip_file_get_error(zf));
			if (unpack_zip_ae2_crc_bug(u, i, ze, delivered))
				return;
			if (u->m[i].encrypted && unpack_zip_badpw_error(ze)) {
				s->result = UNPACK_RESULT_BAD_PASSWORD;
				return;
			}
			s->result = UNPACK_RESULT_CORRUPT;
			unpack_why(why, whylen, "%s",
			           zip_error_strerror(zip_file_get_error(zf)));
			return;
		}
		if (r == 0)
			return;
		/* Compressed bytes behind this output (libzip reads ahead
		 * a little, which only makes the ratio look smaller). */
		s->cin = u->zsrc->nread - in0;
		delivered += (uint64_t)r;
		if (!unpack_deliver(s, u->buf, (size_t)r))
			return;
		if (maxchunks != 0 && ++chunks >= maxchunks)
			return;
	}
}

emg_status_t unpack_zip_read(unpack_t *u, size_t i, const char *password,
                             unpack_stream_t *s, char *why, size_t whylen)
{
	zip_file_t *zf;

	zf = unpack_zip_fopen(u, i, password, s, why, whylen);
	if (zf == NULL)
		return EMG_OK;
	unpack_zip_stream(u, i, zf, s, 0, why, whylen);
	zip_fclose(zf);
	return EMG_OK;
}

/* Discards output: the password check only needs the decoder's verdict. */
static int unpack_zip_null_sink(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	(void)n;
	return 0;
}

bool unpack_zip_password_ok(unpack_t *u, size_t i, const char *password)
{
	unpack_stream_t s;
	unpack_limits_t saved = u->lim;
	uint64_t saved_total = u->total_out;
	zip_file_t *zf;

	memset(&s, 0, sizeof(s));
	s.u = u;
	s.sink = unpack_zip_null_sink;
	s.result = UNPACK_RESULT_OK;
	zf = unpack_zip_fopen(u, i, password, &s, NULL, 0);
	if (zf == NULL)
		return false;
	/* The first chunks catch a password that only passed the verifier
	 * (the inflate stream breaks at once); they are not output. */
	u->lim.max_bytes = 0;
	u->lim.max_ratio = 0;
	unpack_zip_stream(u, i, zf, &s, UNPACK_CHECK_CHUNKS, NULL, 0);
	u->lim = saved;
	u->total_out = saved_total;
	zip_fclose(zf);
	return s.result == UNPACK_RESULT_OK;
}

void unpack_zip_close(unpack_t *u)
{
	if (u->zip != NULL) {
		zip_discard(u->zip); /* frees the source and u->zsrc */
		u->zip = NULL;
		u->zsrc = NULL;
	}
}
