/*
 * test_oleobj.c - unit tests for oleobj.c: Ole10Native parsing, embedded
 * files of compound files, PowerPoint's ExOleObjStg storages and Word's
 * DDE fields; and how libgsf (through ole.c) takes damaged compound files.
 *
 * Table-driven where the input is built here: Ole10Native streams from a
 * spec (lengths that lie, links, names in UTF-16, CP932 and CP1252),
 * compound files from tu_cfb_build, PowerPoint record streams from a list
 * of records, and broken compound files made by damaging a good one (FAT
 * loops, sector shift 2^20, stream sizes past the end, directory cycles,
 * truncation).  Corpus samples (oletools, ClamAV) are checked against the
 * MD5s and hashes of the corpus ground truth, and skipped when the corpus
 * is absent; password ZIPs are opened with libzip.  Every generated file
 * is inert: text, zeros or filler.
 *
 * With OLEOBJ_SEED_DIR set, the broken compound files are also written
 * there: they are the seeds of tests/fuzz/corpus/ole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <openssl/evp.h>
#include <zip.h>
#include <zlib.h>

#include "ole.h"
#include "oleobj.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define OLETOOLS "oletools/tests/test-data/"
#define CLAMAV "clamav/unit_tests/input/clamav_hdb_scanfiles/"
#define EMBEDDED 0x00030000u
#define LINKED 0x00010000u
/* The ClamAV test program inside the clam.* samples (clamav.hdb). */
#define CLAM_EXE_SHA256                                                     \
	"71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"

/* ---- helpers ------------------------------------------------------------- */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* The hex digest MD of D in OUT (65 bytes). */
static const char *
digest(const EVP_MD *md, const uint8_t *d, size_t n, char *out)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;

	ck_assert(EVP_Digest(d, n, h, &hl, md, NULL) == 1);
	for (unsigned i = 0; i < hl; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
	return out;
}

/* A growing byte buffer. */
typedef struct buf {
	uint8_t *d;
	size_t n, cap;
} buf_t;

static void
buf_add(buf_t *b, const void *p, size_t len)
{
	if (b->n + len > b->cap) {
		b->cap = (b->n + len) * 2 + 64;
		b->d = realloc(b->d, b->cap);
		ck_assert_ptr_nonnull(b->d);
	}
	if (len > 0)
		memcpy(b->d + b->n, p, len);
	b->n += len;
}

static void
buf_u32(buf_t *b, uint32_t v)
{
	uint8_t p[4];

	put32(p, v);
	buf_add(b, p, 4);
}

/* A string with its NUL. */
static void
buf_sz(buf_t *b, const char *s)
{
	buf_add(b, s, strlen(s) + 1);
}

/* A u32 count of UTF-16 units and the units of the UTF-8 text S, with a
 * final NUL unit as Office writes them. */
static void
buf_wstr(buf_t *b, const char *s)
{
	glong units = 0;
	gunichar2 *u = g_utf8_to_utf16(s, -1, NULL, &units, NULL);

	ck_assert_ptr_nonnull(u);
	buf_u32(b, (uint32_t)units + 1);
	for (glong i = 0; i <= units; i++) {
		uint8_t le[2] = {(uint8_t)u[i], (uint8_t)(u[i] >> 8)};
		buf_add(b, le, 2);
	}
	g_free(u);
}

/* The member of the password ZIP ZIP (LEN bytes) whose name ends in SUFFIX
 * into *OUT (malloc'd), or NULL. */
static uint8_t *
zip_member(const uint8_t *zipd, size_t len, const char *pw, size_t *out)
{
	zip_error_t err;
	zip_source_t *src;
	zip_t *z;
	uint8_t *d = NULL;

	zip_error_init(&err);
	src = zip_source_buffer_create(zipd, len, 0, &err);
	ck_assert_ptr_nonnull(src);
	z = zip_open_from_source(src, ZIP_RDONLY, &err);
	ck_assert_ptr_nonnull(z);
	zip_stat_t st;
	ck_assert_int_eq(zip_stat_index(z, 0, 0, &st), 0);
	zip_file_t *f = zip_fopen_index_encrypted(z, 0, 0, pw);
	ck_assert_ptr_nonnull(f);
	d = malloc(st.size + 1);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(zip_fread(f, d, st.size), (zip_int64_t)st.size);
	zip_fclose(f);
	zip_close(z);
	*out = st.size;
	return d;
}

/* Write D as the fuzz seed NAME.cfb to $OLEOBJ_SEED_DIR when that is set
 * (tests/fuzz/corpus/ole is made so). */
static void
seed_write(const char *name, const uint8_t *d, size_t len)
{
	const char *dir = getenv("OLEOBJ_SEED_DIR");
	char path[512];
	FILE *fp;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s.cfb", dir, name);
	fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert(fwrite(d, 1, len, fp) == len);
	fclose(fp);
}

/* ---- Ole10Native --------------------------------------------------------- */

typedef struct native_spec {
	const char *label, *path; /* ANSI bytes */
	uint32_t type;
	const char *temp;
	const char *data;
	int64_t claim;         /* data size written when >= 0, else the real */
	const char *wlabel;    /* UTF-8; NULL: no Unicode part */
	const char *wtemp;
	size_t cut;            /* keep only this many bytes, 0: all */
} native_spec_t;

/* An Ole10Native stream per S. */
static uint8_t *
native_build(const native_spec_t *s, size_t *len)
{
	buf_t b = {0};
	size_t dlen = s->data ? strlen(s->data) : 0;

	buf_u32(&b, 0); /* the total, set below */
	buf_add(&b, "\x02\x00", 2);
	buf_sz(&b, s->label);
	buf_sz(&b, s->path);
	buf_u32(&b, s->type);
	if (s->type == EMBEDDED) {
		buf_u32(&b, (uint32_t)strlen(s->temp) + 1);
		buf_sz(&b, s->temp);
		buf_u32(&b, s->claim >= 0 ? (uint32_t)s->claim : (uint32_t)dlen);
		buf_add(&b, s->data, dlen);
	} else {
		buf_add(&b, "\x01\x00", 2);
		buf_sz(&b, s->path);
	}
	if (s->wlabel != NULL) {
		buf_wstr(&b, s->wtemp ? s->wtemp : "");
		buf_wstr(&b, s->wlabel);
		buf_wstr(&b, s->wtemp ? s->wtemp : "");
	}
	put32(b.d, (uint32_t)b.n - 4);
	if (s->cut > 0 && s->cut < b.n)
		b.n = s->cut;
	*len = b.n;
	return b.d;
}

static const struct native_case {
	const char *name;
	native_spec_t spec;
	emg_status_t want_st;
	const char *want_name; /* NULL: none */
	const char *want_data; /* NULL: no slice */
	const char *want_why;  /* substring of the reason */
} native_cases[] = {
    {"plain", {"a.txt", "C:\\docs\\a.txt", EMBEDDED, "C:\\Temp\\a.txt",
      "hello", -1, NULL, NULL, 0}, EMG_OK, "a.txt", "hello", NULL},
    {"caption lies about the type",
     {"invoice.pdf", "C:\\x\\invoice.pdf", EMBEDDED,
      "C:\\Temp\\invoice.pdf.js", "WScript.Echo(1)", -1, NULL, NULL, 0},
     EMG_OK, "invoice.pdf.js", "WScript.Echo(1)", NULL},
    {"no label: the path's name", {"", "C:\\x\\run.lnk", EMBEDDED, "",
      "L", -1, NULL, NULL, 0}, EMG_OK, "run.lnk", "L", NULL},
    {"no names at all", {"", "", EMBEDDED, "", "xyz", -1, NULL, NULL, 0},
     EMG_OK, NULL, "xyz", NULL},
    {"label with a path and control bytes",
     {"..\\..\\evil\x01.txt", "", EMBEDDED, "", "e", -1, NULL, NULL, 0},
     EMG_OK, "evil_.txt", "e", NULL},
    {"unicode label wins",
     {"?nic?de.txt", "C:\\?nic?de.txt", EMBEDDED, "C:\\T\\?nic?de.txt",
      "u", -1, "\xc3\xbcnic\xc3\xb6" "de.txt",
      "C:\\T\\\xc3\xbcnic\xc3\xb6" "de.txt", 0},
     EMG_OK, "\xc3\xbcnic\xc3\xb6" "de.txt", "u", NULL},
    {"CP932 label",
     {"\x90\xbf\x8b\x81\x8f\x91.txt", "", EMBEDDED, "", "j", -1, NULL, NULL,
      0},
     EMG_OK, "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8.txt", "j", NULL},
    {"CP1252 label", {"r\xe9sum\xe9.txt", "", EMBEDDED, "", "r", -1, NULL,
      NULL, 0}, EMG_OK, "r\xc3\xa9sum\xc3\xa9.txt", "r", NULL},
    {"data size past the end",
     {"big.exe", "", EMBEDDED, "", "MZ", 1000000, NULL, NULL, 0},
     EMG_EPARSE, "big.exe", "MZ", "past end"},
    {"cut inside the data",
     {"cut.txt", "", EMBEDDED, "", "0123456789", -1, NULL, NULL, 30},
     EMG_EPARSE, "cut.txt", "01", "past end"},
    {"cut inside the label",
     {"label.txt", "", EMBEDDED, "", "x", -1, NULL, NULL, 9}, EMG_EPARSE,
     NULL, NULL, "label"},
    {"cut inside the temp path",
     {"t.txt", "", EMBEDDED, "C:\\Temp\\t.txt", "x", -1, NULL, NULL, 22},
     EMG_EPARSE, NULL, NULL, "temp path"},
    {"a link carries no data",
     {"calc.exe", "C:\\Windows\\System32\\calc.exe", LINKED, NULL, NULL, -1,
      NULL, NULL, 0},
     EMG_EPARSE, NULL, NULL, "link"},
    {"header only", {"", "", EMBEDDED, "", "", -1, NULL, NULL, 5},
     EMG_EPARSE, NULL, NULL, "header"},
};

START_TEST(test_native_table)
{
	const struct native_case *c = &native_cases[_i];
	size_t n, off = 99, len = 99;
	uint8_t *s = native_build(&c->spec, &n);
	char *name = NULL, why[128];
	emg_status_t st =
	    oleobj_parse_native(s, n, &name, &off, &len, why, sizeof(why));

	ck_assert_msg(st == c->want_st, "%s: status %d (%s)", c->name, st, why);
	if (c->want_name == NULL)
		ck_assert_msg(name == NULL, "%s: name %s", c->name, name);
	else
		ck_assert_msg(name != NULL && strcmp(name, c->want_name) == 0,
		              "%s: name %s", c->name, name ? name : "(null)");
	if (c->want_data == NULL) {
		ck_assert_msg(len == 0, "%s: len %zu", c->name, len);
	} else {
		ck_assert_msg(off <= n && len <= n - off, "%s: slice", c->name);
		ck_assert_msg(len == strlen(c->want_data) &&
		                  memcmp(s + off, c->want_data, len) == 0,
		              "%s: data %.*s", c->name, (int)len, s + off);
	}
	if (c->want_why != NULL)
		ck_assert_msg(strstr(why, c->want_why) != NULL, "%s: why %s",
		              c->name, why);
	free(name);
	free(s);
}
END_TEST

/* Every prefix of a good stream parses or fails cleanly. */
START_TEST(test_native_prefixes)
{
	const native_spec_t spec = {"a.txt", "C:\\a.txt", EMBEDDED,
	                            "C:\\T\\a.txt", "data", -1, "a.txt",
	                            "C:\\T\\a.txt", 0};
	size_t n;
	uint8_t *s = native_build(&spec, &n);

	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		char *name = NULL;
		size_t off, len;
		memcpy(c, s, cut);
		emg_status_t st =
		    oleobj_parse_native(c, cut, &name, &off, &len, NULL, 0);
		ck_assert(st == EMG_OK || st == EMG_EPARSE);
		ck_assert(off <= cut && len <= cut - off);
		free(name);
		free(c);
	}
	free(s);
}
END_TEST

/* ---- compound files ------------------------------------------------------ */

/* A CompObj stream naming PROGID (MS-OLEDS 2.3.8). */
static uint8_t *
compobj_build(const char *progid, size_t *len)
{
	buf_t b = {0};
	uint8_t head[28] = {0x01, 0x00, 0xfe, 0xff, 0x03, 0x0a};

	buf_add(&b, head, sizeof(head));
	buf_u32(&b, 6);
	buf_sz(&b, "Thing");
	buf_u32(&b, 0); /* no clipboard format */
	buf_u32(&b, (uint32_t)strlen(progid) + 1);
	buf_sz(&b, progid);
	*len = b.n;
	return b.d;
}

/* The index of the file called NAME in L, or -1. */
static int
find_file(const oleobj_list_t *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].name != NULL && strcmp(l->v[i].name, name) == 0)
			return (int)i;
	return -1;
}

START_TEST(test_extract_document)
{
	native_spec_t good = {"a.txt", "", EMBEDDED, "", "hello", -1, NULL,
	                      NULL, 0};
	native_spec_t cut = {"b.exe", "", EMBEDDED, "", "MZ", 99, NULL, NULL, 0};
	native_spec_t link = {"calc.exe", "C:\\calc.exe", LINKED, NULL, NULL,
	                      -1, NULL, NULL, 0};
	size_t ng, nc, nl, ncomp, len;
	uint8_t *g = native_build(&good, &ng), *c = native_build(&cut, &nc);
	uint8_t *l = native_build(&link, &nl);
	uint8_t *comp = compobj_build("Word.Document.12", &ncomp);
	const tu_cfb_stream_t streams[] = {
	    {"WordDocument", "text", 4},
	    {"CONTENTS", "not an object", 13},
	    {"Package", "not an object", 13},
	    {"ObjectPool/_1/\001Ole10Native", g, ng},
	    {"ObjectPool/_2/\001Ole10Native", c, nc},
	    {"ObjectPool/_3/\001CompObj", comp, ncomp},
	    {"ObjectPool/_3/Package", "PK\x03\x04zip", 7},
	    {"ObjectPool/_4/\001Ole10Native", l, nl},
	    {"ObjectPool/_5/Contents", "%PDF-1.4", 8},
	    {"MBD00001/CONTENTS", "%PDF-1.7 x", 10},
	};
	uint8_t *cfb = tu_cfb_build(streams, N(streams), &len);
	ole_file_t *f = NULL;
	oleobj_list_t out = {0};
	int i;

	seed_write("doc-objects", cfb, len);
	ck_assert_int_eq(ole_open(cfb, len, &f, NULL, 0), EMG_OK);
	ck_assert_int_eq(oleobj_extract(f, 100, 1 << 20, &out), EMG_OK);
	ck_assert_msg(out.n == 4, "%zu files", out.n);
	ck_assert(!out.truncated);
	ck_assert((i = find_file(&out, "a.txt")) >= 0);
	ck_assert(out.v[i].len == 5 && memcmp(out.v[i].data, "hello", 5) == 0);
	ck_assert_str_eq(out.v[i].source, "ObjectPool/_1/\\x01Ole10Native");
	ck_assert((i = find_file(&out, "b.exe")) >= 0);
	ck_assert(out.v[i].len == 2 && memcmp(out.v[i].data, "MZ", 2) == 0);
	ck_assert((i = find_file(&out, "Package.docx")) >= 0);
	ck_assert(out.v[i].len == 7);
	ck_assert((i = find_file(&out, "CONTENTS.pdf")) >= 0);
	ck_assert_str_eq(out.v[i].source, "MBD00001/CONTENTS");
	/* The truncated Package is the one problem; the link is none. */
	ck_assert_msg(out.problems.n == 1, "%zu problems", out.problems.n);
	ck_assert(strstr(out.problems.v[0], "_2/\\x01Ole10Native") != NULL);
	oleobj_list_free(&out);
	ole_close(f);
	free(cfb);
	free(g);
	free(c);
	free(l);
	free(comp);
}
END_TEST

/* The root of an embedded object (oleObject1.bin, an ExOleObjStg): its
 * CONTENTS and Package streams are the files. */
START_TEST(test_extract_object_root)
{
	size_t ncomp, len;
	uint8_t *comp = compobj_build("AcroExch.Document.DC", &ncomp);
	const tu_cfb_stream_t streams[] = {
	    {"\001Ole", "\x01\x00\x00\x02", 4},
	    {"\001CompObj", comp, ncomp},
	    {"CONTENTS", "%PDF-1.5 inert", 14},
	};
	uint8_t *cfb = tu_cfb_build(streams, N(streams), &len);
	ole_file_t *f = NULL;
	oleobj_list_t out = {0};

	seed_write("object-root", cfb, len);
	ck_assert_int_eq(ole_open(cfb, len, &f, NULL, 0), EMG_OK);
	ck_assert_int_eq(oleobj_extract(f, 100, 1 << 20, &out), EMG_OK);
	ck_assert_int_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].name, "CONTENTS.pdf");
	ck_assert_int_eq(out.v[0].len, 14);
	oleobj_list_free(&out);
	ole_close(f);
	free(cfb);
	free(comp);
}
END_TEST

/* MAX_FILES and MAX_BYTES, also shared by calls that add to one list. */
START_TEST(test_extract_limits)
{
	native_spec_t a = {"a.txt", "", EMBEDDED, "", "aaaa", -1, NULL, NULL,
	                   0};
	native_spec_t b = {"b.txt", "", EMBEDDED, "", "bbbbbb", -1, NULL, NULL,
	                   0};
	size_t na, nb, len;
	uint8_t *sa = native_build(&a, &na), *sb = native_build(&b, &nb);
	const tu_cfb_stream_t streams[] = {
	    {"ObjectPool/_1/\001Ole10Native", sa, na},
	    {"ObjectPool/_2/\001Ole10Native", sb, nb},
	};
	uint8_t *cfb = tu_cfb_build(streams, N(streams), &len);
	ole_file_t *f = NULL;
	static const struct {
		size_t max_files, max_bytes, want_n;
		bool truncated;
	} lim[] = {
	    {100, 100, 2, false}, {2, 10, 2, false}, {1, 100, 1, true},
	    {100, 9, 1, true},    {100, 3, 0, true}, {0, 100, 0, true},
	};

	ck_assert_int_eq(ole_open(cfb, len, &f, NULL, 0), EMG_OK);
	for (size_t i = 0; i < N(lim); i++) {
		oleobj_list_t out = {0};
		ck_assert_int_eq(oleobj_extract(f, lim[i].max_files,
		                                lim[i].max_bytes, &out),
		                 EMG_OK);
		ck_assert_msg(out.n == lim[i].want_n &&
		                  out.truncated == lim[i].truncated,
		              "limits %zu: %zu files, truncated %d", i, out.n,
		              out.truncated);
		oleobj_list_free(&out);
	}
	/* A second call into the same list counts what it holds. */
	oleobj_list_t out = {0};
	ck_assert_int_eq(oleobj_extract(f, 3, 100, &out), EMG_OK);
	ck_assert_int_eq(oleobj_extract(f, 3, 100, &out), EMG_OK);
	ck_assert_int_eq(out.n, 3);
	ck_assert(out.truncated);
	oleobj_list_free(&out);
	ole_close(f);
	free(cfb);
	free(sa);
	free(sb);
}
END_TEST

/* ---- PowerPoint ---------------------------------------------------------- */

enum rec_kind { R_END, R_ATOM, R_OPEN, R_CLOSE, R_STG_Z, R_STG_RAW,
                R_STG_LIE, R_STG_CUTZ, R_PAST_END, R_DEEP };

/* A PowerPoint record stream: atoms, containers, ExOleObjStg records
 * holding STG (compressed or not), and damaged ones. */
static uint8_t *
ppt_build(const enum rec_kind *recs, const uint8_t *stg, size_t slen,
          size_t *len)
{
	buf_t b = {0};
	size_t open[8], depth = 0;
	uLongf zlen = compressBound(slen);
	uint8_t *z = malloc(zlen);

	ck_assert(compress(z, &zlen, stg, slen) == Z_OK);
	for (; *recs != R_END; recs++) {
		uint8_t h[8] = {0};
		switch (*recs) {
		case R_ATOM:
			h[2] = 0xe8, h[3] = 0x03, put32(h + 4, 4);
			buf_add(&b, h, 8);
			buf_add(&b, "atom", 4);
			break;
		case R_OPEN:
			h[0] = 0x0f, h[2] = 0xe8, h[3] = 0x03;
			open[depth++] = b.n;
			buf_add(&b, h, 8);
			break;
		case R_CLOSE:
			depth--;
			put32(b.d + open[depth] + 4,
			      (uint32_t)(b.n - open[depth] - 8));
			break;
		case R_STG_Z:
		case R_STG_LIE:
		case R_STG_CUTZ: {
			size_t zl = *recs == R_STG_CUTZ ? zlen / 2 : zlen;
			h[0] = 0x10, h[2] = 0x11, h[3] = 0x10;
			put32(h + 4, (uint32_t)zl + 4);
			buf_add(&b, h, 8);
			buf_u32(&b, *recs == R_STG_LIE ? 0x7fffffffu
			                               : (uint32_t)slen);
			buf_add(&b, z, zl);
			break;
		}
		case R_STG_RAW:
			h[2] = 0x11, h[3] = 0x10, put32(h + 4, (uint32_t)slen);
			buf_add(&b, h, 8);
			buf_add(&b, stg, slen);
			break;
		case R_PAST_END:
			h[0] = 0x10, h[2] = 0x11, h[3] = 0x10;
			put32(h + 4, 0x7ffffff0u);
			buf_add(&b, h, 8);
			buf_add(&b, "short", 5);
			break;
		case R_DEEP:
			/* Containers nested far past any real document. */
			for (int k = 0; k < 5000; k++) {
				uint8_t c[8] = {0x0f, 0, 0xe8, 0x03};
				put32(c + 4, 0xffffffffu);
				buf_add(&b, c, 8);
			}
			break;
		case R_END:
			break;
		}
	}
	free(z);
	*len = b.n;
	return b.d;
}

static const struct ppt_case {
	const char *name;
	enum rec_kind recs[12];
	size_t max_files, max_bytes;
	size_t want_n, want_problems;
	bool truncated;
} ppt_cases[] = {
    {"compressed at the top", {R_ATOM, R_STG_Z}, 10, 1 << 20, 1, 0, false},
    {"stored, in a container", {R_OPEN, R_ATOM, R_STG_RAW, R_CLOSE, R_ATOM},
     10, 1 << 20, 1, 0, false},
    {"both", {R_STG_RAW, R_OPEN, R_STG_Z, R_CLOSE}, 10, 1 << 20, 2, 0,
     false},
    {"size beyond zlib's ratio", {R_STG_LIE, R_STG_Z}, 10, 1 << 20, 1, 1,
     false},
    {"zlib stream cut", {R_STG_CUTZ}, 10, 1 << 20, 1, 1, false},
    {"record past the end", {R_STG_Z, R_PAST_END}, 10, 1 << 20, 1, 1,
     false},
    {"deep nesting", {R_DEEP, R_STG_Z}, 10, 1 << 20, 1, 0, false},
    {"file limit", {R_STG_Z, R_STG_RAW}, 1, 1 << 20, 1, 0, true},
    {"byte limit", {R_STG_Z}, 10, 100, 0, 0, true},
};

START_TEST(test_ppt_table)
{
	const struct ppt_case *c = &ppt_cases[_i];
	native_spec_t spec = {"x.txt", "", EMBEDDED, "", "inert", -1, NULL,
	                      NULL, 0};
	size_t nn, slen, dlen;
	uint8_t *native = native_build(&spec, &nn);
	const tu_cfb_stream_t streams[] = {{"\001Ole10Native", native, nn}};
	uint8_t *stg = tu_cfb_build(streams, 1, &slen);
	uint8_t *doc = ppt_build(c->recs, stg, slen, &dlen);
	oleobj_list_t out = {0};

	if (getenv("OLEOBJ_SEED_DIR") != NULL && _i < 6) {
		const tu_cfb_stream_t ppt[] = {
		    {"Current User", "\x14\x00\x00\x00", 4},
		    {"PowerPoint Document", doc, dlen}};
		size_t plen;
		uint8_t *p = tu_cfb_build(ppt, N(ppt), &plen);
		char name[32];
		snprintf(name, sizeof(name), "ppt-%d", _i);
		seed_write(name, p, plen);
		free(p);
	}
	ck_assert_int_eq(oleobj_ppt_storages(doc, dlen, c->max_files,
	                                     c->max_bytes, &out),
	                 EMG_OK);
	ck_assert_msg(out.n == c->want_n, "%s: %zu storages", c->name, out.n);
	ck_assert_msg(out.problems.n == c->want_problems, "%s: %zu problems%s%s",
	              c->name, out.problems.n, out.problems.n ? ": " : "",
	              out.problems.n ? out.problems.v[0] : "");
	ck_assert_msg(out.truncated == c->truncated, "%s: truncated", c->name);
	for (size_t i = 0; i < out.n; i++) {
		ole_file_t *f = NULL;
		oleobj_list_t files = {0};
		ck_assert(strncmp(out.v[i].name, "ExOleObjStg-", 12) == 0);
		if (c->want_problems > 0 && out.v[i].len != slen)
			continue; /* the cut one */
		ck_assert_msg(out.v[i].len == slen &&
		                  memcmp(out.v[i].data, stg, slen) == 0,
		              "%s: storage %zu differs", c->name, i);
		ck_assert_int_eq(ole_open(out.v[i].data, out.v[i].len, &f, NULL,
		                          0),
		                 EMG_OK);
		ck_assert_int_eq(oleobj_extract(f, 10, 1 << 20, &files), EMG_OK);
		ck_assert_int_eq(files.n, 1);
		ck_assert_str_eq(files.v[0].name, "x.txt");
		oleobj_list_free(&files);
		ole_close(f);
	}
	oleobj_list_free(&out);
	free(doc);
	free(stg);
	free(native);
}
END_TEST

/* Every prefix of a record stream is walked without reading past it. */
START_TEST(test_ppt_prefixes)
{
	static const enum rec_kind recs[] = {R_OPEN, R_ATOM, R_STG_Z, R_CLOSE,
	                                     R_STG_RAW, R_END};
	size_t slen, dlen;
	const tu_cfb_stream_t streams[] = {{"Data", "0123456789", 10}};
	uint8_t *stg = tu_cfb_build(streams, 1, &slen);
	uint8_t *doc = ppt_build(recs, stg, slen, &dlen);

	for (size_t cut = 0; cut <= dlen; cut += 7) {
		uint8_t *c = malloc(cut ? cut : 1);
		oleobj_list_t out = {0};
		memcpy(c, doc, cut);
		ck_assert_int_eq(oleobj_ppt_storages(c, cut, 10, 1 << 20, &out),
		                 EMG_OK);
		ck_assert(out.n <= 2);
		oleobj_list_free(&out);
		free(c);
	}
	free(doc);
	free(stg);
}
END_TEST

/* ---- the corpus ---------------------------------------------------------- */

/* The files of the compound file D, with PowerPoint's storages opened as
 * the walker opens them.  A problem fails the test. */
static void
corpus_files(const uint8_t *d, size_t len, oleobj_list_t *out)
{
	ole_file_t *f = NULL;
	uint8_t *doc = NULL;
	size_t dlen = 0;

	ck_assert_int_eq(ole_open(d, len, &f, NULL, 0), EMG_OK);
	ck_assert_int_eq(oleobj_extract(f, 100, 64 << 20, out), EMG_OK);
	ck_assert_int_eq(ole_read(f, "PowerPoint Document", len, &doc, &dlen),
	                 EMG_OK);
	if (doc != NULL) {
		oleobj_list_t stg = {0};
		ck_assert_int_eq(
		    oleobj_ppt_storages(doc, dlen, 100, 64 << 20, &stg), EMG_OK);
		ck_assert_int_eq(stg.problems.n, 0);
		for (size_t i = 0; i < stg.n; i++) {
			ole_file_t *sub = NULL;
			ck_assert_int_eq(ole_open(stg.v[i].data, stg.v[i].len,
			                          &sub, NULL, 0),
			                 EMG_OK);
			ck_assert_int_eq(
			    oleobj_extract(sub, 100, 64 << 20, out), EMG_OK);
			ole_close(sub);
		}
		oleobj_list_free(&stg);
		free(doc);
	}
	ck_assert_msg(out->problems.n == 0, "%s", out->problems.n
	                                              ? out->problems.v[0]
	                                              : "");
	ole_close(f);
}

/* oletools/EXPECTED.tsv, embedded_object column, for the OLE2 samples. */
static const struct corpus_case {
	const char *path;
	const char *want_name; /* NULL: no file at all */
	const char *want_md5;
} corpus_cases[] = {
    {OLETOOLS "oleobj/embedded-simple-2007.doc", "simple-text-file.txt",
     "bd5c063a5a43f67b3c50dc7b0f1195af"},
    {OLETOOLS "oleobj/embedded-simple-2007.dot", "simple-text-file.txt",
     "bd5c063a5a43f67b3c50dc7b0f1195af"},
    {OLETOOLS "oleobj/embedded-simple-2007.xls", "simple-text-file.txt",
     "ab8c65e4c0fc51739aa66ca5888265b4"},
    {OLETOOLS "oleobj/embedded-simple-2007.xla", "simple-text-file.txt",
     "ab8c65e4c0fc51739aa66ca5888265b4"},
    {OLETOOLS "oleobj/embedded-simple-2007.xlt", "simple-text-file.txt",
     "ab8c65e4c0fc51739aa66ca5888265b4"},
    {OLETOOLS "oleobj/embedded-simple-2007.ppt", "simple-text-file.txt",
     "ab8c65e4c0fc51739aa66ca5888265b4"},
    {OLETOOLS "oleobj/embedded-simple-2007.pps", "simple-text-file.txt",
     "ab8c65e4c0fc51739aa66ca5888265b4"},
    {OLETOOLS "oleobj/embedded-simple-2007.pot", "simple-text-file.txt",
     "ab8c65e4c0fc51739aa66ca5888265b4"},
    {OLETOOLS "oleobj/embedded-unicode.doc",
     "\xc3\xbcnic\xc3\xb6" "de-\xec\x88\x98\xec\x8b\x9d\xeb\x81\x9d\xec\x9d"
     "\xb4\xec\x9e\x98\xeb\xaa\xbb\xeb\x90\x98\xec\x97\x88\xec\x8a\xb5\xeb"
     "\x8b\x88\xeb\x8b\xa4.txt",
     "264397735b6f09039ba0adf0dc9fb942"},
    {OLETOOLS "oleobj/sample_with_lnk_file.doc", "calc.lnk",
     "6aedb1a876d4ad5236f1fbbbeb7274f3"},
    {OLETOOLS "oleobj/sample_with_lnk_file.ppt", "calc.lnk",
     "6aedb1a876d4ad5236f1fbbbeb7274f3"},
    {OLETOOLS "oleobj/sample_with_lnk_file.pps", "calc.lnk",
     "6aedb1a876d4ad5236f1fbbbeb7274f3"},
    {OLETOOLS "oleobj/sample_with_lnk_to_calc.doc", NULL, NULL},
    {OLETOOLS "msodde/harmless-clean.doc", NULL, NULL},
};

START_TEST(test_corpus_objects)
{
	const struct corpus_case *c = &corpus_cases[_i];
	size_t len;
	uint8_t *d = tu_corpus_read(c->path, &len);
	oleobj_list_t out = {0};
	char md5[65];

	if (d == NULL)
		return;
	corpus_files(d, len, &out);
	if (c->want_name == NULL) {
		ck_assert_msg(out.n == 0, "%s: %zu files", c->path, out.n);
	} else {
		ck_assert_msg(out.n == 1, "%s: %zu files", c->path, out.n);
		ck_assert_msg(strcmp(out.v[0].name, c->want_name) == 0,
		              "%s: name %s", c->path, out.v[0].name);
		ck_assert_str_eq(digest(EVP_md5(), out.v[0].data, out.v[0].len,
		                        md5),
		                 c->want_md5);
	}
	oleobj_list_free(&out);
	free(d);
}
END_TEST

/* ClamAV's samples, XOR-encoded in the repository: a .doc and a .ppt
 * carrying its test program in an OLE Package. */
START_TEST(test_corpus_clamav)
{
	static const char key[] =
	    "bhcftqarohcdiayfohalohkgmoefxrrgfnczssgybajvkzjaahpfrlqsratkhhfv"
	    "pxytculmwgmtyzujlbjlgrhtwxhzpjazlibbwepffyjyfkjwzyofgpopoueurin"
	    "pdujkphxwhnaxfkaiwrpzdqsnwughtejr";
	static const char *const files[] = {CLAMAV "clam.ole.doc.xor",
	                                    CLAMAV "clam.ppt.xor"};
	char sha[65];

	for (size_t k = 0; k < N(files); k++) {
		size_t len;
		uint8_t *d = tu_corpus_read(files[k], &len);
		oleobj_list_t out = {0};
		if (d == NULL)
			return;
		for (size_t i = 0; i < len; i++)
			d[i] ^= (uint8_t)key[i % (sizeof(key) - 1)];
		corpus_files(d, len, &out);
		ck_assert_msg(out.n == 1, "%s: %zu files", files[k], out.n);
		ck_assert(strcasecmp(out.v[0].name, "clam.exe") == 0);
		ck_assert_str_eq(digest(EVP_sha256(), out.v[0].data,
		                        out.v[0].len, sha),
		                 CLAM_EXE_SHA256);
		oleobj_list_free(&out);
		free(d);
	}
}
END_TEST

/* olevba's PowerPoint sample keeps its VBA project in an ExOleObjStg. */
START_TEST(test_corpus_ppt_vba)
{
	size_t len, dlen = 0;
	uint8_t *d = tu_corpus_read(OLETOOLS "olevba/sample_with_vba.ppt", &len);
	uint8_t *doc = NULL;
	ole_file_t *f = NULL;
	oleobj_list_t stg = {0};
	bool vba = false;

	if (d == NULL)
		return;
	ck_assert_int_eq(ole_open(d, len, &f, NULL, 0), EMG_OK);
	ck_assert_int_eq(ole_read(f, "PowerPoint Document", len, &doc, &dlen),
	                 EMG_OK);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(oleobj_ppt_storages(doc, dlen, 100, 64 << 20, &stg),
	                 EMG_OK);
	for (size_t i = 0; i < stg.n; i++) {
		ole_file_t *sub = NULL;
		if (ole_open(stg.v[i].data, stg.v[i].len, &sub, NULL, 0) !=
		    EMG_OK)
			continue;
		vba |= ole_has(sub, "VBA/dir");
		ole_close(sub);
	}
	ck_assert(vba);
	oleobj_list_free(&stg);
	free(doc);
	ole_close(f);
	free(d);
}
END_TEST

/* ---- DDE ----------------------------------------------------------------- */

/* TEXT (UTF-8) as UTF-16LE, after PAD bytes of zeros. */
static uint8_t *
utf16_text(const char *text, size_t len, size_t pad, size_t *out)
{
	glong units = 0;
	gunichar2 *u = g_utf8_to_utf16(text, (glong)len, NULL, &units, NULL);
	uint8_t *d = calloc(pad + 2 * (size_t)units + 1, 1);

	ck_assert(u != NULL && d != NULL);
	for (glong i = 0; i < units; i++) {
		d[pad + 2 * (size_t)i] = (uint8_t)u[i];
		d[pad + 2 * (size_t)i + 1] = (uint8_t)(u[i] >> 8);
	}
	g_free(u);
	*out = pad + 2 * (size_t)units;
	return d;
}

static const struct dde_case {
	const char *name;
	const char *text; /* \x13 begin, \x14 separator, \x15 end */
	size_t len;       /* 0: strlen */
	int utf16;        /* 0: 8-bit, 1: UTF-16LE, 2: UTF-16LE at odd offset */
	size_t want_n;
	const char *want; /* the first instruction */
} dde_cases[] = {
#define T(s) s, sizeof(s) - 1
    {"ddeauto", T("x\x13 DDEAUTO c:\\\\windows\\\\cmd.exe \"/k calc\" "
                  "\x14result\x15y"), 0, 1,
     "DDEAUTO c:\\\\windows\\\\cmd.exe \"/k calc\""},
    {"dde, lower case", T("\x13" "dde excel \"x\"\x15"), 0, 1, "dde excel \"x\""},
    {"utf-16", T("\x13 DDEAUTO cmd \"/c \xec\x88\x98\"\x14r\x15"), 1, 1,
     "DDEAUTO cmd \"/c \xec\x88\x98\""},
    {"utf-16 at an odd offset", T("\x13 DDE a b\x15"), 2, 1, "DDE a b"},
    {"nested fields left out", T("\x13 DDEAUTO \x13QUOTE 65\x14" "A\x15 cmd"
                                 "\x15"), 0, 1, "DDEAUTO  cmd"},
    {"control characters stripped", T("\x13 DDE\x01\x0b x\r\x15"), 0, 1,
     "DDE x"},
    {"cp1252 text", T("\x13 DDE r\xe9sum\x80\x15"), 0, 1,
     "DDE r\xc3\xa9sum?"},
    {"not dde", T("\x13 HYPERLINK \"http://x\"\x15\x13 DDEX\x15\x13 DD\x15"),
     0, 0, NULL},
    {"no end", T("\x13 DDEAUTO cmd"), 0, 1, "DDEAUTO cmd"},
    {"field begin at the end", T("text\x13"), 0, 0, NULL},
    {"repeated once kept", T("\x13 DDE a\x15\x13 DDE a\x15"), 0, 1, "DDE a"},
#undef T
};

START_TEST(test_dde_table)
{
	const struct dde_case *c = &dde_cases[_i];
	emg_strlist_t out = {0};
	size_t n;
	uint8_t *d;

	if (c->utf16) {
		d = utf16_text(c->text, c->len, c->utf16 == 2 ? 3 : 0, &n);
	} else {
		d = malloc(c->len);
		memcpy(d, c->text, c->len);
		n = c->len;
	}
	ck_assert_int_eq(oleobj_word_dde(d, n, &out), EMG_OK);
	ck_assert_msg(out.n == c->want_n, "%s: %zu found", c->name, out.n);
	if (c->want != NULL)
		ck_assert_msg(strcmp(out.v[0], c->want) == 0, "%s: [%s]",
		              c->name, out.v[0]);
	strlist_free(&out);
	free(d);
}
END_TEST

/* At most 16 instructions of at most 200 bytes; hostile text of nothing
 * but field starts stays fast. */
START_TEST(test_dde_bounds)
{
	emg_strlist_t out = {0};
	size_t n = 4u << 20;
	uint8_t *d = malloc(n);

	for (size_t i = 0; i < n; i++)
		d[i] = "\x13" "DDE "[i % 4];
	ck_assert_int_eq(oleobj_word_dde(d, n, &out), EMG_OK);
	ck_assert_int_le(out.n, 16);
	for (size_t i = 0; i < out.n; i++)
		ck_assert_int_le(strlen(out.v[i]), 200);
	strlist_free(&out);
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)(i % 2 ? 'a' + i % 20 : 0x13);
	ck_assert_int_eq(oleobj_word_dde(d, n, &out), EMG_OK);
	strlist_free(&out);
	/* Many distinct fields: only the first 16 kept. */
	buf_t b = {0};
	for (int i = 0; i < 40; i++) {
		char f[64];
		int k = snprintf(f, sizeof(f), "\x13 DDE cmd%d\x15", i);
		buf_add(&b, f, (size_t)k);
	}
	ck_assert_int_eq(oleobj_word_dde(b.d, b.n, &out), EMG_OK);
	ck_assert_int_eq(out.n, 16);
	strlist_free(&out);
	/* A long instruction is cut to 200 bytes. */
	b.n = 0;
	buf_add(&b, "\x13 DDEAUTO ", 10);
	for (int i = 0; i < 500; i++)
		buf_add(&b, "x", 1);
	ck_assert_int_eq(oleobj_word_dde(b.d, b.n, &out), EMG_OK);
	ck_assert_int_eq(out.n, 1);
	ck_assert(strlen(out.v[0]) >= 190 && strlen(out.v[0]) <= 200);
	strlist_free(&out);
	free(b.d);
	free(d);
}
END_TEST

/* msodde's Word samples: DDEAUTO in 8-bit and UTF-16LE text. */
START_TEST(test_dde_corpus)
{
	static const char *const files[] = {
	    OLETOOLS "msodde/dde-test-from-office2003.doc.zip",
	    OLETOOLS "msodde/dde-test-from-office2013-utf_16le-korean.doc.zip",
	    OLETOOLS "msodde/dde-test-from-office2016.doc.zip",
	    OLETOOLS "msodde/harmless-clean.doc",
	};

	for (size_t k = 0; k < N(files); k++) {
		size_t zlen, len, wlen;
		uint8_t *z = tu_corpus_read(files[k], &zlen), *d = z, *w = NULL;
		bool zipped = strstr(files[k], ".zip") != NULL;
		ole_file_t *f = NULL;
		emg_strlist_t out = {0};
		bool ddeauto = false;

		if (z == NULL)
			return;
		len = zlen;
		if (zipped)
			d = zip_member(z, zlen, "infected-test", &len);
		ck_assert_int_eq(ole_open(d, len, &f, NULL, 0), EMG_OK);
		ck_assert_int_eq(ole_read(f, "WordDocument", len, &w, &wlen),
		                 EMG_OK);
		ck_assert_ptr_nonnull(w);
		ck_assert_int_eq(oleobj_word_dde(w, wlen, &out), EMG_OK);
		for (size_t i = 0; i < out.n; i++)
			ddeauto |= strncmp(out.v[i], "DDEAUTO ", 8) == 0 &&
			           strstr(out.v[i], "calc.exe") != NULL;
		ck_assert_msg(ddeauto == zipped, "%s: %zu instructions",
		              files[k], out.n);
		strlist_free(&out);
		ole_close(f);
		free(w);
		if (d != z)
			free(d);
		free(z);
	}
}
END_TEST

/* ---- damaged compound files ---------------------------------------------- */

/* Header fields (MS-CFB 2.2) and directory entry fields (2.6.1). */
#define CFB_SHIFT 0x1E
#define CFB_NFAT 0x2C
#define CFB_DIR 0x30
#define CFB_DIFAT 0x4C
#define DE_LEFT 0x44
#define DE_RIGHT 0x48
#define DE_CHILD 0x4C
#define DE_START 0x74
#define DE_SIZE 0x78

/* Sector S of the 512-byte-sector file F. */
static uint8_t *
cfb_sector(uint8_t *f, uint32_t s)
{
	return f + 512 + (size_t)s * 512;
}

/* The directory entry of F whose name starts with the ASCII NAME. */
static uint8_t *
cfb_entry(uint8_t *f, size_t len, const char *name)
{
	uint8_t *dir = cfb_sector(f, get32(f + CFB_DIR));

	for (size_t e = 0; e < 4 && dir + (e + 1) * 128 <= f + len; e++) {
		uint8_t *de = dir + e * 128;
		size_t k = 0;
		while (name[k] != '\0' && de[2 * k] == (uint8_t)name[k])
			k++;
		if (name[k] == '\0')
			return de;
	}
	ck_abort_msg("no entry %s", name);
	return NULL;
}

/* The FAT entry of sector S. */
static uint8_t *
cfb_fat(uint8_t *f, uint32_t s)
{
	return cfb_sector(f, get32(f + CFB_DIFAT)) + 4 * (size_t)s;
}

enum damage { D_FAT_LOOP, D_FAT_SELF, D_FAT_PAST_EOF, D_SHIFT_20,
              D_SIZE_PAST_EOF, D_DIR_CYCLE, D_DIR_ROOT_CHILD, D_NFAT_HUGE,
              D_MINI_LOOP, D_CUT_HALF, D_CUT_HEADER };

static const char *const damage_names[] = {
    "fat-loop", "fat-self", "fat-past-eof", "sector-shift-20",
    "size-past-eof", "dir-cycle", "dir-root-child", "nfat-huge",
    "ministream-loop", "cut-half", "cut-header"};

/* Damage the compound file F (*LEN bytes) as WHAT says.  F holds "Big"
 * (two sectors or more), then "ObjectPool/_1/\x01Ole10Native" in the
 * mini stream. */
static void
cfb_damage(uint8_t *f, size_t *len, enum damage what)
{
	uint8_t *big = cfb_entry(f, *len, "Big");
	uint8_t *root = cfb_entry(f, *len, "Root");
	uint32_t s = get32(big + DE_START);

	switch (what) {
	case D_FAT_LOOP:
		put32(cfb_fat(f, get32(cfb_fat(f, s))), s);
		break;
	case D_FAT_SELF:
		put32(cfb_fat(f, s), s);
		break;
	case D_FAT_PAST_EOF:
		put32(cfb_fat(f, s), 0x00FFFFF0u);
		break;
	case D_SHIFT_20:
		f[CFB_SHIFT] = 20;
		break;
	case D_SIZE_PAST_EOF:
		put32(big + DE_SIZE, 0x7FFFFF00u);
		break;
	case D_DIR_CYCLE:
		/* Every entry is its own sibling. */
		for (uint8_t *de = root; de + 128 <= f + *len && de < root + 512;
		     de += 128) {
			uint32_t id = (uint32_t)((de - root) / 128);
			put32(de + DE_LEFT, id);
			put32(de + DE_RIGHT, id);
		}
		break;
	case D_DIR_ROOT_CHILD:
		put32(big + DE_CHILD, 0); /* a stream whose child is the root */
		put32(big + DE_LEFT, 0);
		break;
	case D_NFAT_HUGE:
		put32(f + CFB_NFAT, 0xFFFFFFF0u);
		break;
	case D_MINI_LOOP:
		put32(cfb_fat(f, get32(root + DE_START)),
		      get32(root + DE_START));
		break;
	case D_CUT_HALF:
		*len /= 2;
		break;
	case D_CUT_HEADER:
		*len = 300;
		break;
	}
}

/* ole_walk's visitor for the damaged files: read every stream, bounded. */
static int
read_all(void *ctx, const char *path, uint64_t size, bool storage)
{
	ole_file_t *f = ctx;
	uint8_t *b = NULL;
	size_t n = 0;

	(void)size;
	if (storage)
		return 0;
	emg_status_t st = ole_read(f, path, 1 << 20, &b, &n);
	ck_assert(st == EMG_OK || st == EMG_EPARSE || st == EMG_ELIMIT);
	ck_assert(b != NULL || n == 0);
	free(b);
	return 0;
}

/* libgsf on damaged compound files: ole_open refuses them with a reason
 * or opens them, and then every walk, read and extraction ends. */
START_TEST(test_damaged_cfb)
{
	native_spec_t spec = {"a.txt", "", EMBEDDED, "", "inert", -1, NULL,
	                      NULL, 0};
	size_t nn, len;
	uint8_t *native = native_build(&spec, &nn);
	uint8_t big[5000];
	memset(big, 'B', sizeof(big));
	const tu_cfb_stream_t streams[] = {
	    {"Big", big, sizeof(big)},
	    {"ObjectPool/_1/\001Ole10Native", native, nn},
	};
	uint8_t *good = tu_cfb_build(streams, N(streams), &len);
	uint8_t *f = malloc(len);
	size_t flen = len;
	ole_file_t *ole = NULL;
	char why[256];

	memcpy(f, good, len);
	cfb_damage(f, &flen, (enum damage)_i);
	seed_write(damage_names[_i], f, flen);
	/* An exact-size copy: a read past the end faults under ASan. */
	uint8_t *exact = malloc(flen);
	memcpy(exact, f, flen);
	emg_status_t st = ole_open(exact, flen, &ole, why, sizeof(why));
	ck_assert_msg(st == EMG_OK || st == EMG_EPARSE, "%s: %d",
	              damage_names[_i], st);
	if (st == EMG_EPARSE) {
		ck_assert_msg(why[0] != '\0', "%s: no reason", damage_names[_i]);
	} else {
		ck_assert(ole_walk(ole, read_all, ole) != EMG_ENOMEM);
		for (size_t cap = 1; cap <= (1u << 20); cap <<= 10) {
			oleobj_list_t out = {0};
			ck_assert_int_eq(oleobj_extract(ole, cap, cap, &out),
			                 EMG_OK);
			for (size_t i = 0; i < out.n; i++)
				ck_assert(out.v[i].len <= cap);
			oleobj_list_free(&out);
		}
		ole_close(ole);
	}
	free(exact);
	free(f);
	free(good);
	free(native);
}
END_TEST

/* Every prefix of a good compound file opens or is refused cleanly. */
START_TEST(test_truncated_cfb)
{
	native_spec_t spec = {"a.txt", "", EMBEDDED, "", "inert", -1, NULL,
	                      NULL, 0};
	size_t nn, len;
	uint8_t *native = native_build(&spec, &nn);
	const tu_cfb_stream_t streams[] = {
	    {"WordDocument", "text", 4},
	    {"ObjectPool/_1/\001Ole10Native", native, nn},
	};
	uint8_t *good = tu_cfb_build(streams, N(streams), &len);

	for (size_t cut = 0; cut < len; cut += 61) {
		uint8_t *c = malloc(cut ? cut : 1);
		ole_file_t *ole = NULL;
		memcpy(c, good, cut);
		emg_status_t st = ole_open(c, cut, &ole, NULL, 0);
		ck_assert(st == EMG_OK || st == EMG_EPARSE);
		if (st == EMG_OK) {
			oleobj_list_t out = {0};
			ck_assert_int_eq(oleobj_extract(ole, 10, 1 << 20, &out),
			                 EMG_OK);
			oleobj_list_free(&out);
			ole_close(ole);
		}
		free(c);
	}
	free(good);
	free(native);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("oleobj");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_native_table, 0, N(native_cases));
	tcase_add_test(tc, test_native_prefixes);
	tcase_add_test(tc, test_extract_document);
	tcase_add_test(tc, test_extract_object_root);
	tcase_add_test(tc, test_extract_limits);
	tcase_add_loop_test(tc, test_ppt_table, 0, N(ppt_cases));
	tcase_add_test(tc, test_ppt_prefixes);
	tcase_add_loop_test(tc, test_corpus_objects, 0, N(corpus_cases));
	tcase_add_test(tc, test_corpus_clamav);
	tcase_add_test(tc, test_corpus_ppt_vba);
	tcase_add_loop_test(tc, test_dde_table, 0, N(dde_cases));
	tcase_add_test(tc, test_dde_bounds);
	tcase_add_test(tc, test_dde_corpus);
	tcase_add_loop_test(tc, test_damaged_cfb, 0, N(damage_names));
	tcase_add_test(tc, test_truncated_cfb);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
