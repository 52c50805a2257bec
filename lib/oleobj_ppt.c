/*
 * oleobj_ppt.c - oleobj_ppt_storages (see oleobj.h): the storages
 * PowerPoint 97-2003 keeps in ExOleObjStg records of its "PowerPoint
 * Document" stream, found by walking the record tree (containers entered
 * up to a fixed depth) and, for records the tree does not reach, by a
 * bounded sweep of the stream.  Each comes back, inflated with zlib when
 * compressed, as a compound file of its own for the caller to open.
 *
 * Every record length is the sender's and is checked against the bytes
 * left; an inflated size is checked against the deflate expansion limit
 * and the caller's byte budget before anything is allocated.  Relies on
 * the file list helpers of oleobj.c and on zlib.
 */
#include "oleobj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* PowerPoint containers nested deeper than this are skipped whole. */
#define OLEOBJ_PPT_DEPTH 32
#define OLEOBJ_PPT_CONTAINER 0xF
#define OLEOBJ_PPT_EXOLEOBJSTG 0x1011
/* Records outside the tree that the sweep inflates at most. */
#define OLEOBJ_PPT_TRIES 64
/* Deflate cannot expand data more than about 1032 times: a record that
 * claims more lies, and is not worth the allocation. */
#define OLEOBJ_ZLIB_RATIO 1032u

/* ---- PowerPoint ---------------------------------------------------------- */

/* Inflate the zlib stream Z (ZLEN bytes) into a new buffer of ULEN bytes
 * in *OUT; *GOT is how much came out.  A damaged stream still gives what
 * came before the damage. */
static emg_status_t
oleobj_inflate(const uint8_t *z, size_t zlen, size_t ulen, uint8_t **out,
               size_t *got)
{
	z_stream zs;
	uint8_t *buf = malloc(ulen ? ulen : 1);
	int rc = Z_OK;

	*out = NULL;
	*got = 0;
	if (buf == NULL)
		return EMG_ENOMEM;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		free(buf);
		return EMG_ENOMEM;
	}
	zs.next_out = buf;
	/* zlib counts in uInt: feed and drain in pieces it can hold. */
	while (rc == Z_OK) {
		size_t in_done = zs.total_in, out_done = zs.total_out;
		if (zs.avail_in == 0 && in_done < zlen) {
			zs.next_in = (Bytef *)(uintptr_t)(z + in_done);
			zs.avail_in =
			    (uInt)(zlen - in_done < UINT32_MAX ? zlen - in_done
			                                       : UINT32_MAX);
		}
		if (zs.avail_out == 0 && out_done < ulen)
			zs.avail_out = (uInt)(ulen - out_done < UINT32_MAX
			                          ? ulen - out_done
			                          : UINT32_MAX);
		if (zs.avail_out == 0)
			break;
		rc = inflate(&zs, Z_NO_FLUSH);
	}
	*got = zs.total_out;
	inflateEnd(&zs);
	*out = buf;
	return EMG_OK;
}

/* One PowerPoint run. */
typedef struct oleobj_ppt {
	const uint8_t *doc;
	size_t n;
	oleobj_list_t *out;
	size_t max_files, bytes_left;
	size_t *found; /* offsets of the records taken, for the sweep */
	size_t n_found;
	unsigned tries; /* records the sweep tried */
	bool stop;      /* a limit was reached */
} oleobj_ppt_t;

/* A record header at OFF of P's stream: its instance, type and length. */
static void
oleobj_ppt_header(const oleobj_ppt_t *p, size_t off, uint16_t *ver,
                  uint16_t *inst, uint16_t *type, uint32_t *len)
{
	const uint8_t *h = p->doc + off;

	*ver = h[0] & 0x0F;
	*inst = (uint16_t)((h[0] | (h[1] << 8)) >> 4);
	*type = (uint16_t)(h[2] | (h[3] << 8));
	*len = oleobj_u32(h + 4);
}

/* The storage of the ExOleObjStg record at OFF whose body is LEN bytes
 * with instance INST: 1 compressed (u32 size, then a zlib stream), 0
 * stored.  QUIET (the sweep): no problems, and only a compound file is
 * kept. */
static emg_status_t
oleobj_ppt_storage(oleobj_ppt_t *p, size_t off, uint16_t inst, size_t len,
                   bool quiet)
{
	const uint8_t *body = p->doc + off + 8;
	char name[48], source[64];
	uint8_t *data;
	size_t dlen, want = len;
	emg_status_t st = EMG_OK;

	if (p->out->n >= p->max_files) {
		p->out->truncated = p->stop = true;
		return EMG_OK;
	}
	if (inst == 1 && len < 4)
		return quiet ? EMG_OK
		             : oleobj_problem(p->out,
		                              "PowerPoint Document: "
		                              "ExOleObjStg record at %zu too "
		                              "short",
		                              off);
	if (inst == 1) {
		want = oleobj_u32(body);
		if ((uint64_t)want >
		    (uint64_t)(len - 4) * OLEOBJ_ZLIB_RATIO + 1024)
			return quiet
			           ? EMG_OK
			           : oleobj_problem(
			                 p->out,
			                 "PowerPoint Document: "
			                 "ExOleObjStg record at %zu claims %zu "
			                 "bytes from %zu compressed",
			                 off, want, len - 4);
	}
	if (want > p->bytes_left) {
		p->out->truncated = p->stop = true;
		return EMG_OK;
	}
	if (inst == 0) {
		if ((data = malloc(len ? len : 1)) == NULL)
			return EMG_ENOMEM;
		memcpy(data, body, len);
		dlen = len;
	} else {
		if ((st = oleobj_inflate(body + 4, len - 4, want, &data,
		                         &dlen)) != EMG_OK)
			return st;
		if (dlen < want && !quiet)
			st =
			    oleobj_problem(p->out,
			                   "PowerPoint Document: "
			                   "ExOleObjStg record at %zu inflates "
			                   "to %zu of %zu bytes",
			                   off, dlen, want);
	}
	if (st != EMG_OK || dlen == 0 || (quiet && !ole_is_cfb(data, dlen))) {
		free(data);
		return st;
	}
	size_t *found = realloc(p->found, (p->n_found + 1) * sizeof(*found));
	char *copy = NULL;
	if (found != NULL) {
		p->found = found;
		found[p->n_found++] = off;
		snprintf(name, sizeof(name), "ExOleObjStg-%zu", off);
		copy = strdup(name);
	}
	if (copy == NULL) {
		free(data);
		return EMG_ENOMEM;
	}
	snprintf(source, sizeof(source), "PowerPoint Document@%zu", off);
	p->bytes_left -= dlen;
	return oleobj_list_add(p->out, copy, source, data, dlen);
}

/* Walk the record tree: containers (recVer 0xF) are entered, up to
 * OLEOBJ_PPT_DEPTH deep, atoms skipped; a length past its container's end
 * is cut to it. */
static emg_status_t
oleobj_ppt_walk(oleobj_ppt_t *p)
{
	size_t ends[OLEOBJ_PPT_DEPTH]; /* where each open container ends */
	size_t depth = 0, pos = 0;
	emg_status_t st = EMG_OK;

	/* Every round moves POS forward by at least the 8-byte header. */
	while (st == EMG_OK && !p->stop) {
		uint16_t ver, inst, type;
		uint32_t len;

		while (depth > 0 && pos >= ends[depth - 1])
			depth--;
		size_t limit = depth > 0 ? ends[depth - 1] : p->n;
		if (limit - pos < 8)
			break;
		oleobj_ppt_header(p, pos, &ver, &inst, &type, &len);
		size_t room = limit - pos - 8;
		if (ver == OLEOBJ_PPT_CONTAINER && depth < OLEOBJ_PPT_DEPTH) {
			ends[depth++] = pos + 8 + (len < room ? len : room);
			pos += 8;
			continue;
		}
		if (type == OLEOBJ_PPT_EXOLEOBJSTG && len > room)
			st =
			    oleobj_problem(p->out,
			                   "PowerPoint Document: "
			                   "ExOleObjStg record at %zu past its "
			                   "end",
			                   pos);
		else if (type == OLEOBJ_PPT_EXOLEOBJSTG && inst <= 1)
			st = oleobj_ppt_storage(p, pos, inst, len, false);
		pos += 8 + (len < room ? len : room);
	}
	return st;
}

/* True when the walk took the record at OFF. */
static bool
oleobj_ppt_found(const oleobj_ppt_t *p, size_t off)
{
	for (size_t i = 0; i < p->n_found; i++)
		if (p->found[i] == off)
			return true;
	return false;
}

/* PowerPoint finds its ExOleObjStg records by their offsets in the
 * persist directory, not by walking the tree, so one hidden in another
 * record's body still loads.  Look for the header at every offset the
 * walk did not take; a hit must begin like a zlib stream or a compound
 * file, and at most OLEOBJ_PPT_TRIES are tried. */
static emg_status_t
oleobj_ppt_sweep(oleobj_ppt_t *p)
{
	emg_status_t st = EMG_OK;

	for (size_t i = 0; p->n - i >= 14 && st == EMG_OK && !p->stop &&
	                   p->tries < OLEOBJ_PPT_TRIES;
	     i++) {
		const uint8_t *h = p->doc + i, *b = h + 8;
		uint16_t ver, inst, type;
		uint32_t len;

		if (h[2] != 0x11 || h[3] != 0x10 || oleobj_ppt_found(p, i))
			continue;
		oleobj_ppt_header(p, i, &ver, &inst, &type, &len);
		if (ver != 0 || inst > 1 || len > p->n - i - 8)
			continue;
		bool zlib = inst == 1 && (b[4] & 0x0F) == 8 &&
		            ((b[4] << 8) | b[5]) % 31 == 0;
		if (!zlib && !(inst == 0 && ole_is_cfb(b, len)))
			continue;
		p->tries++;
		size_t before = p->out->n;
		st = oleobj_ppt_storage(p, i, inst, len, true);
		if (p->out->n > before)
			i += 8 + len - 1;
	}
	return st;
}

emg_status_t
oleobj_ppt_storages(const uint8_t *doc, size_t n, size_t max_files,
                    size_t max_bytes, oleobj_list_t *out)
{
	oleobj_ppt_t p = {doc, n, out, max_files, 0, NULL, 0, 0, false};
	size_t used;
	emg_status_t st;

	if (out == NULL || (doc == NULL && n > 0))
		return EMG_EINVAL;
	used = oleobj_list_bytes(out);
	p.bytes_left = used < max_bytes ? max_bytes - used : 0;
	st = oleobj_ppt_walk(&p);
	if (st == EMG_OK)
		st = oleobj_ppt_sweep(&p);
	free(p.found);
	return st;
}
