/*
 * onenote.c - OneNote section files (.one): locate the embedded files so
 * that the walker can scan each one (attach.onenote_embedded).
 *
 * A section starts with the MS-ONESTORE header whose guidFileType names a
 * .one (or .onetoc2, which holds no files).  Embedded files (and pictures)
 * are FileDataStoreObjects: guidHeader, cbLength (uint64), unused (uint32),
 * reserved (uint64), cbLength bytes of data padded to 8 bytes, guidFooter.
 * Like ClamAV and oletools we do not walk the file node lists: a bounded
 * scan for the guidHeader bytes finds the objects even when the rest of
 * the section is damaged or crafted to hide them.  A length that runs past
 * the end, or a missing footer, is reported (EMG_EPARSE) and scanning goes
 * on, so one lying object cannot hide the ones behind it.  Sections saved
 * by OneNote for the web use the MS-FSSHTTPB packaging format instead;
 * there the file data are Object Data BLOB stream objects, found by their
 * 32-bit stream object header and a length that agrees with itself.
 *
 * Relies only on libc.  Results are slices (offset, length) of the input,
 * never copies.  More than MAX objects is EMG_ELIMIT.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onenote.h"

/* guidFileType of a .one section and of a .onetoc2 table of contents. */
static const uint8_t onenote_guid_one[16] = {
    0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d,
    0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3};
static const uint8_t onenote_guid_toc2[16] = {
    0xa1, 0x2f, 0xff, 0x43, 0xd9, 0xef, 0x76, 0x4c,
    0x9e, 0xe2, 0x10, 0xea, 0x57, 0x22, 0x76, 0x5f};
/* guidFileFormat of the FSSHTTPB packaging format (OneNote for the web). */
static const uint8_t onenote_guid_package[16] = {
    0x2f, 0xe9, 0x8d, 0x63, 0xd4, 0xa6, 0xc1, 0x4b,
    0x9a, 0x36, 0xb3, 0xfc, 0x25, 0x11, 0xa5, 0xb7};
/* FileDataStoreObject guidHeader and guidFooter. */
static const uint8_t onenote_fdso_header[16] = {
    0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26, 0x11, 0x45,
    0xa4, 0xc4, 0x8d, 0x4d, 0x0b, 0x7a, 0x9e, 0xac};
static const uint8_t onenote_fdso_footer[16] = {
    0x22, 0xa7, 0xfb, 0x71, 0x79, 0x0f, 0x0b, 0x4a,
    0xbb, 0x13, 0x89, 0x92, 0x56, 0x42, 0x6b, 0x24};

#define ONENOTE_GUID 16
/* guidHeader + cbLength + unused + reserved. */
#define ONENOTE_FDSO_FIXED (16 + 8 + 4 + 8)
/* guidFileFormat lies at offset 48 of the header. */
#define ONENOTE_FORMAT_OFF 48
/* A 32-bit stream object header whose 15-bit length is all ones is
 * followed by the real length as a compact uint64. */
#define ONENOTE_LEN_ESCAPE 32767u
/* MS-FSSHTTPB stream object type of an Object Data BLOB. */
#define ONENOTE_TYPE_BLOB 0x02u

/* What one call collects: the files, and the first problem seen. */
typedef struct onenote_out {
	onenote_file_t *v;
	size_t n, cap, max;
	emg_status_t st;
	char *why;
	size_t whylen;
} onenote_out_t;

static uint64_t
onenote_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t
onenote_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Record the first problem of a call; later ones only keep scanning. */
static void __attribute__((format(printf, 3, 4)))
onenote_problem(onenote_out_t *o, emg_status_t st, const char *fmt, ...)
{
	va_list ap;

	if (o->st != EMG_OK)
		return;
	o->st = st;
	if (o->why == NULL || o->whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(o->why, o->whylen, fmt, ap);
	va_end(ap);
}

/* Append the slice OFF/LEN.  Returns 0, or -1 when the caller must stop:
 * out of memory, or MAX reached (one more object exists: EMG_ELIMIT). */
static int
onenote_push(onenote_out_t *o, size_t off, size_t len)
{
	if (o->n >= o->max) {
		onenote_problem(o, EMG_ELIMIT, "more than %zu embedded files",
		                o->max);
		return -1;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 8;
		onenote_file_t *v;

		if (cap > o->max)
			cap = o->max;
		v = realloc(o->v, cap * sizeof(*v));
		if (v == NULL) {
			o->st = EMG_ENOMEM; /* overrides any parse problem */
			return -1;
		}
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n].offset = off;
	o->v[o->n].len = len;
	o->n++;
	return 0;
}

bool
onenote_is_section(const uint8_t *d, size_t n)
{
	return d != NULL && n >= ONENOTE_GUID &&
	       (memcmp(d, onenote_guid_one, ONENOTE_GUID) == 0 ||
	        memcmp(d, onenote_guid_toc2, ONENOTE_GUID) == 0);
}

/* Check the FileDataStoreObject whose guidHeader is at OFF and record its
 * data.  Returns where scanning continues, or 0 to stop. */
static size_t
onenote_fdso(const uint8_t *d, size_t n, size_t off, onenote_out_t *o)
{
	size_t data = off + ONENOTE_FDSO_FIXED, foot;
	uint64_t cb;

	if (n - off < ONENOTE_FDSO_FIXED) {
		onenote_problem(o, EMG_EPARSE,
		                "FileDataStoreObject at %zu truncated", off);
		return 0;
	}
	cb = onenote_le64(d + off + 16);
	if (cb > n - data) {
		onenote_problem(o, EMG_EPARSE,
		                "FileDataStoreObject at %zu claims %llu bytes, "
		                "%zu left", off, (unsigned long long)cb,
		                n - data);
		return off + ONENOTE_GUID; /* later objects may be sound */
	}
	if (onenote_push(o, data, (size_t)cb) < 0)
		return 0;
	/* The footer follows the data padded to a multiple of 8 bytes from
	 * the start of the object; cb <= n - data keeps this in range. */
	foot = off + ((ONENOTE_FDSO_FIXED + (size_t)cb + 7) & ~(size_t)7);
	if (foot <= n && n - foot >= ONENOTE_GUID &&
	    memcmp(d + foot, onenote_fdso_footer, ONENOTE_GUID) == 0)
		return foot + ONENOTE_GUID;
	onenote_problem(o, EMG_EPARSE,
	                "FileDataStoreObject at %zu has no footer after %llu "
	                "bytes", off, (unsigned long long)cb);
	/* The length may lie: another object can hide inside the data. */
	return data;
}

/* Every FileDataStoreObject of a MS-ONESTORE section. */
static void
onenote_scan_store(const uint8_t *d, size_t n, onenote_out_t *o)
{
	size_t pos = ONENOTE_GUID;

	/* Each round moves POS forward by at least one GUID, so the loop
	 * ends after at most n / 16 rounds. */
	while (pos < n && n - pos >= ONENOTE_GUID) {
		const uint8_t *hit = memmem(d + pos, n - pos,
		                            onenote_fdso_header, ONENOTE_GUID);
		size_t next;

		if (hit == NULL)
			return;
		next = onenote_fdso(d, n, (size_t)(hit - d), o);
		if (next == 0)
			return;
		pos = next;
	}
}

/* Decode the MS-FSSHTTPB compact uint64 at P (AVAIL bytes) into *V.
 * Returns its size in bytes, or 0 when truncated. */
static size_t
onenote_compact(const uint8_t *p, size_t avail, uint64_t *v)
{
	size_t len;

	if (avail == 0)
		return 0;
	if (p[0] == 0) {
		*v = 0;
		return 1;
	}
	if (p[0] == 0x80) {
		if (avail < 9)
			return 0;
		*v = onenote_le64(p + 1);
		return 9;
	}
	/* The number of trailing zero bits of the first byte, plus one, is
	 * the size: 1 (7-bit value) up to 7 bytes (49-bit value). */
	len = (size_t)__builtin_ctz(p[0]) + 1;
	if (avail < len)
		return 0;
	*v = 0;
	for (size_t i = len; i > 0; i--)
		*v = (*v << 8) | p[i - 1];
	*v >>= len;
	return len;
}

/* An Object Data BLOB whose 32-bit header is at OFF: its data slice into
 * DATA and LEN, and the offset after it.  Returns 0 when OFF holds none. */
static size_t
onenote_blob(const uint8_t *d, size_t n, size_t off, size_t *data,
             size_t *len)
{
	uint32_t h = onenote_le32(d + off);
	uint64_t total = h >> 17, cb;
	size_t p = off + 4, k;

	/* A = 2 (32-bit start), B = 0 (not compound), C = the type. */
	if ((h & 7u) != 2u || ((h >> 3) & 0x3fffu) != ONENOTE_TYPE_BLOB)
		return 0;
	if (total == ONENOTE_LEN_ESCAPE) {
		k = onenote_compact(d + p, n - p, &total);
		if (k == 0)
			return 0;
		p += k;
	}
	k = onenote_compact(d + p, n - p, &cb);
	/* The binary item (its length, then the bytes) must fill the
	 * object exactly: a chance match of the header bytes rarely does. */
	if (k == 0 || cb == 0 || total > n - p || total < k ||
	    cb != total - k)
		return 0;
	*data = p + k;
	*len = (size_t)cb;
	return p + (size_t)total;
}

/* Every Object Data BLOB of a section in the packaging format. */
static void
onenote_scan_package(const uint8_t *d, size_t n, onenote_out_t *o)
{
	size_t pos = ONENOTE_FORMAT_OFF + ONENOTE_GUID;

	while (pos < n && n - pos >= 4) {
		size_t data, len, next = onenote_blob(d, n, pos, &data, &len);

		if (next == 0) {
			pos++;
			continue;
		}
		if (onenote_push(o, data, len) < 0)
			return;
		pos = next; /* > pos: a blob holds at least one byte */
	}
}

emg_status_t
onenote_embedded(const uint8_t *d, size_t n, size_t max, onenote_file_t **files,
                 size_t *n_files, char *why, size_t whylen)
{
	onenote_out_t o = {.max = max, .st = EMG_OK, .why = why,
	                   .whylen = whylen};

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	*files = NULL;
	*n_files = 0;
	if (!onenote_is_section(d, n)) {
		onenote_problem(&o, EMG_EPARSE, "no OneNote section header");
		return o.st;
	}
	if (memcmp(d, onenote_guid_toc2, ONENOTE_GUID) == 0)
		return EMG_OK; /* a table of contents holds no files */
	/* The FileDataStoreObject scan runs whatever guidFileFormat says,
	 * so that a crafted header cannot steer us past those objects. */
	onenote_scan_store(d, n, &o);
	if (o.st != EMG_ENOMEM && o.st != EMG_ELIMIT &&
	    n >= ONENOTE_FORMAT_OFF + ONENOTE_GUID &&
	    memcmp(d + ONENOTE_FORMAT_OFF, onenote_guid_package,
	           ONENOTE_GUID) == 0)
		onenote_scan_package(d, n, &o);
	if (o.st == EMG_ENOMEM) {
		free(o.v);
		return EMG_ENOMEM;
	}
	*files = o.v;
	*n_files = o.n;
	return o.st;
}
