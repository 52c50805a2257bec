/*
 * test_walk.c - unit tests for walk.c, the attachment walker.
 *
 * Inputs are built here: ZIPs (plain, nested, encrypted with ZipCrypto and
 * WinZip AES) with libzip's writer, tar.gz and ISO 9660 with libarchive's,
 * 7z with the 7z tool when it is installed (skipped otherwise), mails
 * around them in memory.  Each case scans through the public API
 * (emg_scan / emg_scan_file) and then checks the attachment tree the walker
 * left in the report.  Timings of the heavy cases (300 MB padded member,
 * bomb, AES-256 with 10 candidates) are printed, not asserted, except for
 * a generous ceiling.  With the shared corpus next to the checkout
 * ($top_srcdir/../shared/corpus), its password archives are checked too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <magic.h>
#include <zip.h>

#include "attachment.h"
#include "report.h"
#include "testutil.h"
#include "walk.h"

/* ---- building inputs ---------------------------------------------------- */

typedef struct wt_member {
	const char *name;
	const void *data;
	size_t len;
	uint16_t em;     /* ZIP_EM_NONE, ZIP_EM_TRAD_PKWARE, ZIP_EM_AES_256 */
	const char *pw;
} wt_member_t;

/* The bytes written into a libzip buffer source. */
static uint8_t *
wt_source_bytes(zip_source_t *src, size_t *len)
{
	zip_stat_t st;
	ck_assert_int_eq(zip_source_stat(src, &st), 0);
	ck_assert_int_eq(zip_source_open(src), 0);
	uint8_t *p = malloc(st.size ? st.size : 1);
	ck_assert_ptr_nonnull(p);
	zip_int64_t n = zip_source_read(src, p, st.size);
	ck_assert_int_eq((long long)n, (long long)st.size);
	zip_source_close(src);
	*len = (size_t)st.size;
	return p;
}

/* A ZIP in memory holding M[0..N). */
static uint8_t *
wt_zip(const wt_member_t *m, size_t n, size_t *len)
{
	zip_error_t err;
	zip_error_init(&err);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
	ck_assert_ptr_nonnull(src);
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &err);
	ck_assert_ptr_nonnull(z);
	for (size_t i = 0; i < n; i++) {
		zip_source_t *fs = zip_source_buffer(z, m[i].data, m[i].len, 0);
		ck_assert_ptr_nonnull(fs);
		zip_int64_t idx = zip_file_add(z, m[i].name, fs,
		                               ZIP_FL_ENC_UTF_8);
		ck_assert_msg(idx >= 0, "zip_file_add %s", m[i].name);
		if (m[i].em != ZIP_EM_NONE)
			ck_assert_int_eq(zip_file_set_encryption(
			                     z, (zip_uint64_t)idx, m[i].em,
			                     m[i].pw), 0);
	}
	ck_assert_int_eq(zip_close(z), 0);
	uint8_t *p = wt_source_bytes(src, len);
	zip_source_free(src);
	zip_error_fini(&err);
	return p;
}

/* One member called NAME holding DATA. */
static uint8_t *
wt_zip1(const char *name, const void *data, size_t n, size_t *len)
{
	wt_member_t m = {name, data, n, ZIP_EM_NONE, NULL};
	return wt_zip(&m, 1, len);
}

/* A member produced on the fly: HEAD bytes of content, PAD zero bytes,
 * then TAIL (may be NULL), so that 300 MB never sit in memory. */
typedef struct wt_padsrc {
	const uint8_t *head;
	size_t head_len;
	uint64_t pad;
	const char *tail;
	uint64_t pos;
	zip_error_t err;
} wt_padsrc_t;

static uint64_t
wt_padsrc_size(const wt_padsrc_t *p)
{
	return p->head_len + p->pad + (p->tail ? strlen(p->tail) : 0);
}

static zip_int64_t
wt_padsrc_read(wt_padsrc_t *p, uint8_t *out, zip_uint64_t n)
{
	zip_uint64_t k = 0, size = wt_padsrc_size(p);
	size_t tl = p->tail ? strlen(p->tail) : 0;
	while (k < n && p->pos < size) {
		uint64_t pos = p->pos;
		if (pos < p->head_len)
			out[k] = p->head[pos];
		else if (pos < p->head_len + p->pad) {
			/* Zeros in bulk: this is 300 MB. */
			uint64_t run = p->head_len + p->pad - pos;
			uint64_t take = run < n - k ? run : n - k;
			memset(out + k, 0, (size_t)take);
			k += take;
			p->pos += take;
			continue;
		} else
			out[k] = (uint8_t)p->tail[pos - p->head_len - p->pad];
		(void)tl;
		k++;
		p->pos++;
	}
	return (zip_int64_t)k;
}

static zip_int64_t
wt_padsrc_cb(void *ud, void *data, zip_uint64_t n, zip_source_cmd_t cmd)
{
	wt_padsrc_t *p = ud;
	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		p->pos = 0;
		return 0;
	case ZIP_SOURCE_READ:
		return wt_padsrc_read(p, data, n);
	case ZIP_SOURCE_CLOSE:
		return 0;
	case ZIP_SOURCE_STAT: {
		zip_stat_t *st = data;
		zip_stat_init(st);
		st->size = wt_padsrc_size(p);
		st->mtime = 0;
		st->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
		return sizeof(*st);
	}
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&p->err, data, n);
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(
		    ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
		    ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		zip_error_set(&p->err, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/* A ZIP holding NAME = HEAD + PAD zeros + TAIL, deflated fast. */
static uint8_t *
wt_zip_padded(const char *name, const uint8_t *head, size_t head_len,
              uint64_t pad, const char *tail, size_t *len)
{
	wt_padsrc_t ps = {head, head_len, pad, tail, 0, {0}};
	zip_error_init(&ps.err);
	zip_error_t err;
	zip_error_init(&err);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &err);
	ck_assert_ptr_nonnull(z);
	zip_source_t *fs = zip_source_function(z, wt_padsrc_cb, &ps);
	ck_assert_ptr_nonnull(fs);
	zip_int64_t idx = zip_file_add(z, name, fs, 0);
	ck_assert(idx >= 0);
	zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 1);
	ck_assert_int_eq(zip_close(z), 0);
	uint8_t *p = wt_source_bytes(src, len);
	zip_source_free(src);
	zip_error_fini(&ps.err);
	zip_error_fini(&err);
	return p;
}

/* Deterministic bytes that do not compress (a stand-in for a document). */
static uint8_t *
wt_noise(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(p);
	uint32_t x = seed ? seed : 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
	return p;
}

/* An archive written by libarchive: FORMAT (archive_write_set_format_*)
 * with an optional gzip filter, holding files NAMES[i] = DATAS[i]. */
static uint8_t *
wt_libarchive(int (*format)(struct archive *), bool gz, const char **names,
              const char **datas, size_t n, size_t *len)
{
	size_t cap = 1u << 20;
	uint8_t *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	struct archive *a = archive_write_new();
	ck_assert_int_eq(format(a), ARCHIVE_OK);
	if (gz)
		ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	size_t used = 0;
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used),
	                 ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_size(e, (la_int64_t)strlen(datas[i]));
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		ck_assert(archive_write_data(a, datas[i], strlen(datas[i])) >= 0);
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*len = used;
	return buf;
}

/* Base64 with 76-column lines, for mail bodies. */
static char *
wt_base64(const uint8_t *d, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t out = (n + 2) / 3 * 4;
	char *s = malloc(out + out / 76 * 2 + 4);
	ck_assert_ptr_nonnull(s);
	size_t o = 0, col = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		s[o++] = tab[(v >> 18) & 63];
		s[o++] = tab[(v >> 12) & 63];
		s[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		s[o++] = i + 2 < n ? tab[v & 63] : '=';
		if ((col += 4) >= 76) {
			s[o++] = '\r';
			s[o++] = '\n';
			col = 0;
		}
	}
	s[o] = '\0';
	return s;
}

typedef struct wt_att {
	const char *name;
	const uint8_t *data;
	size_t len;
} wt_att_t;

/* A multipart mail with SUBJECT, a UTF-8 BODY and the attachments. */
static char *
wt_mail(const char *subject, const char *body, const wt_att_t *att, size_t n)
{
	size_t cap = 4096 + strlen(body);
	for (size_t i = 0; i < n; i++)
		cap += att[i].len * 2 + 512;
	char *m = malloc(cap);
	ck_assert_ptr_nonnull(m);
	int o = snprintf(m, cap,
	                 "From: a@example.co.jp\r\nTo: b@example.com\r\n"
	                 "Subject: %s\r\nMIME-Version: 1.0\r\n"
	                 "Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"
	                 "--BB\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                 "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
	                 subject, body);
	for (size_t i = 0; i < n; i++) {
		char *b64 = wt_base64(att[i].data, att[i].len);
		o += snprintf(m + o, cap - (size_t)o,
		              "--BB\r\nContent-Type: application/zip\r\n"
		              "Content-Transfer-Encoding: base64\r\n"
		              "Content-Disposition: attachment; "
		              "filename=\"%s\"\r\n\r\n%s\r\n",
		              att[i].name, b64);
		free(b64);
	}
	snprintf(m + o, cap - (size_t)o, "--BB--\r\n");
	return m;
}

/* ---- scanning and looking at the tree ----------------------------------- */

static double
wt_ms(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 +
	       (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static emg_scanner_t *
wt_scanner(const char *conf, emg_config_t **cfg)
{
	*cfg = tu_config(conf);
	emg_scanner_t *sc = NULL;
	char err[256] = "";
	ck_assert_msg(emg_scanner_new(*cfg, &sc, err, sizeof(err)) == EMG_OK,
	              "%s", err);
	return sc;
}

/* Scan a file (not a mail) as emguard scan does with a path. */
static emg_report_t *
wt_scan_file(const char *conf, const char *name, const void *d, size_t n,
             double *ms)
{
	emg_config_t *cfg;
	emg_scanner_t *sc = wt_scanner(conf, &cfg);
	emg_report_t *r = NULL;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(emg_scan_file(sc, name, d, n, &r), EMG_OK);
	if (ms != NULL)
		*ms = wt_ms(&t0);
	emg_scanner_free(sc);
	emg_config_unref(cfg);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(r->msg);
	return r;
}

static emg_report_t *
wt_scan_mail(const char *conf, const char *mail, double *ms)
{
	emg_config_t *cfg;
	emg_scanner_t *sc = wt_scanner(conf, &cfg);
	emg_report_t *r = NULL;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(emg_scan(sc, mail, strlen(mail), NULL, &r), EMG_OK);
	if (ms != NULL)
		*ms = wt_ms(&t0);
	emg_scanner_free(sc);
	emg_config_unref(cfg);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(r->msg);
	return r;
}

/* The node whose label (path from the root) is PATH, or NULL. */
static emg_attachment_t *
wt_node(const emg_report_t *r, const char *path)
{
	attachment_iter_t it;
	emg_attachment_t *a, *found = NULL;
	attachment_iter_init(&it, r->msg);
	while ((a = attachment_iter_next(&it)) != NULL)
		if (strcmp(attachment_label(a), path) == 0) {
			found = a;
			break;
		}
	attachment_iter_done(&it);
	return found;
}

static emg_attachment_t *
wt_must(const emg_report_t *r, const char *path)
{
	emg_attachment_t *a = wt_node(r, path);
	ck_assert_msg(a != NULL, "no node %s", path);
	return a;
}

/* True when a problem of A contains SUB. */
static bool
wt_problem(const emg_attachment_t *a, const char *sub)
{
	for (size_t i = 0; i < a->problems.n; i++)
		if (strstr(a->problems.v[i], sub) != NULL)
			return true;
	return false;
}

/* All problems of the tree, for failure messages. */
static const char *
wt_problems(const emg_report_t *r)
{
	static char buf[4096];
	size_t o = 0;
	attachment_iter_t it;
	emg_attachment_t *a;
	buf[0] = '\0';
	attachment_iter_init(&it, r->msg);
	while ((a = attachment_iter_next(&it)) != NULL)
		for (size_t i = 0; i < a->problems.n && o < sizeof(buf) - 1;
		     i++) {
			int k = snprintf(buf + o, sizeof(buf) - o, "[%s: %s] ",
			                 attachment_label(a), a->problems.v[i]);
			if (k < 0)
				break;
			o += (size_t)k;
		}
	attachment_iter_done(&it);
	return buf;
}

static size_t
wt_count(const emg_report_t *r)
{
	attachment_iter_t it;
	size_t n = 0;
	attachment_iter_init(&it, r->msg);
	while (attachment_iter_next(&it) != NULL)
		n++;
	attachment_iter_done(&it);
	return n;
}

static long
wt_maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Child DATA of A equals S. */
static void
wt_data_is(const emg_attachment_t *a, const char *s)
{
	ck_assert_msg(a->size == strlen(s) && memcmp(a->data, s, a->size) == 0,
	              "%s: %zu bytes, not \"%s\"", attachment_label(a), a->size,
	              s);
}

/* ---- plain archives ------------------------------------------------------ */

START_TEST(test_walk_plain_zip)
{
	wt_member_t m[] = {
	    {"a.txt", "hello", 5, ZIP_EM_NONE, NULL},
	    {"dir/", "", 0, ZIP_EM_NONE, NULL},
	    {"dir/請求書.txt", "world", 5, ZIP_EM_NONE, NULL},
	};
	size_t n;
	uint8_t *z = wt_zip(m, 3, &n);
	emg_report_t *r = wt_scan_file(NULL, "in.zip", z, n, NULL);
	emg_attachment_t *root = wt_must(r, "in.zip");
	ck_assert(root->expanded);
	ck_assert_uint_eq(root->n_children, 2); /* the directory is skipped */
	emg_attachment_t *a = wt_must(r, "in.zip/a.txt");
	wt_data_is(a, "hello");
	ck_assert_str_eq(a->container, "zip");
	ck_assert_uint_eq(a->declared_size, 5);
	ck_assert(!a->encrypted && a->opened_with == NULL);
	ck_assert_str_eq(a->real_type, "text/plain");
	ck_assert_uint_eq(strlen(a->sha256), 64);
	wt_data_is(wt_must(r, "in.zip/dir/請求書.txt"), "world");
	ck_assert_msg(wt_problems(r)[0] == '\0', "%s", wt_problems(r));
	emg_report_free(r);
	free(z);
}
END_TEST

/* Member names are data: nothing is written, the flag is set. */
START_TEST(test_walk_traversal_names)
{
	wt_member_t m[] = {
	    {"../../etc/passwd", "x", 1, ZIP_EM_NONE, NULL},
	    {"/abs.txt", "y", 1, ZIP_EM_NONE, NULL},
	    {"C:\\win.ini", "z", 1, ZIP_EM_NONE, NULL},
	    {"ok.txt", "w", 1, ZIP_EM_NONE, NULL},
	};
	size_t n;
	uint8_t *z = wt_zip(m, 4, &n);
	emg_report_t *r = wt_scan_file(NULL, "t.zip", z, n, NULL);
	ck_assert(wt_must(r, "t.zip/../../etc/passwd")->unsafe_name);
	ck_assert(wt_must(r, "t.zip//abs.txt")->unsafe_name);
	ck_assert(wt_must(r, "t.zip/C:\\win.ini")->unsafe_name);
	ck_assert(!wt_must(r, "t.zip/ok.txt")->unsafe_name);
	ck_assert(access("/etc/passwd", F_OK) == 0); /* untouched, of course */
	emg_report_free(r);
	free(z);
}
END_TEST

/* OOXML is a ZIP but a document: the Office analyzers read it. */
START_TEST(test_walk_ooxml_not_expanded)
{
	wt_member_t m[] = {
	    {"[Content_Types].xml", "<Types/>", 8, ZIP_EM_NONE, NULL},
	    {"word/document.xml", "<w:document/>", 13, ZIP_EM_NONE, NULL},
	};
	size_t n;
	uint8_t *z = wt_zip(m, 2, &n);
	emg_report_t *r = wt_scan_file(NULL, "a.docx", z, n, NULL);
	emg_attachment_t *root = wt_must(r, "a.docx");
	ck_assert(!root->expanded);
	ck_assert_uint_eq(root->n_children, 0);
	emg_report_free(r);
	free(z);

	/* ... but a file embedded in it is a child of its own, judged like
	 * any attachment (an .exe dropped into word/embeddings/). */
	wt_member_t e[] = {
	    {"[Content_Types].xml", "<Types/>", 8, ZIP_EM_NONE, NULL},
	    {"word/document.xml", "<w:document/>", 13, ZIP_EM_NONE, NULL},
	    {"word/embeddings/package.exe", "MZ\x90\0", 4, ZIP_EM_NONE, NULL},
	};
	z = wt_zip(e, 3, &n);
	r = wt_scan_file(NULL, "b.docx", z, n, NULL);
	root = wt_must(r, "b.docx");
	ck_assert(root->expanded);
	ck_assert_uint_eq(root->n_children, 1);
	ck_assert_str_eq(root->children[0]->container, "ooxml");
	ck_assert(wt_must(r, "b.docx/word/embeddings/package.exe") != NULL);
	emg_report_free(r);
	free(z);
}
END_TEST

/* tar.gz and ISO 9660, written by libarchive. */
static const struct {
	const char *name;
	int (*format)(struct archive *);
	bool gz;
	const char *container;
} wt_la_cases[] = {
    {"a.tar.gz", archive_write_set_format_ustar, true, "tar"},
    {"a.tar", archive_write_set_format_pax_restricted, false, "tar"},
    {"a.iso", archive_write_set_format_iso9660, false, "iso"},
    {"a.cpio", archive_write_set_format_cpio_newc, false, "cpio"},
};

START_TEST(test_walk_libarchive_formats)
{
	const char *names[] = {"lure.lnk", "readme.txt"};
	const char *datas[] = {"LNKDATA-not-really", "read me"};
	size_t n;
	uint8_t *d = wt_libarchive(wt_la_cases[_i].format, wt_la_cases[_i].gz,
	                           names, datas, 2, &n);
	emg_report_t *r = wt_scan_file(NULL, wt_la_cases[_i].name, d, n, NULL);
	emg_attachment_t *root = wt_must(r, wt_la_cases[_i].name);
	ck_assert_msg(root->expanded, "%s: %s not expanded (%s)",
	              wt_la_cases[_i].name, root->real_type, wt_problems(r));
	char path[128];
	snprintf(path, sizeof(path), "%s/readme.txt", wt_la_cases[_i].name);
	emg_attachment_t *a = wt_node(r, path);
	if (a == NULL) { /* ISO level 1 upper-cases names */
		snprintf(path, sizeof(path), "%s/README.TXT",
		         wt_la_cases[_i].name);
		a = wt_must(r, path);
	}
	wt_data_is(a, "read me");
	ck_assert_str_eq(a->container, wt_la_cases[_i].container);
	emg_report_free(r);
	free(d);
}
END_TEST

/* A bare gzip stream holds one member named after it. */
START_TEST(test_walk_bare_gzip)
{
	const char *names[] = {"x"};
	const char *datas[] = {"payload"};
	size_t n;
	uint8_t *d = wt_libarchive(archive_write_set_format_raw, true, names,
	                           datas, 1, &n);
	emg_report_t *r = wt_scan_file(NULL, "report.doc.gz", d, n, NULL);
	emg_attachment_t *a = wt_must(r, "report.doc.gz/report.doc");
	wt_data_is(a, "payload");
	ck_assert_str_eq(a->container, "gzip");
	emg_report_free(r);
	free(d);
}
END_TEST

/* ---- limits --------------------------------------------------------------- */

/* zip(l1.zip(l2.zip(l3.zip(deep.txt)))) */
static uint8_t *
wt_build_nested(size_t *len)
{
	size_t n;
	uint8_t *cur = wt_zip1("deep.txt", "deep", 4, &n);
	const char *names[] = {"l3.zip", "l2.zip", "l1.zip"};
	for (size_t i = 0; i < 3; i++) {
		uint8_t *next = wt_zip1(names[i], cur, n, &n);
		free(cur);
		cur = next;
	}
	*len = n;
	return cur;
}

static uint8_t *
wt_build_many(size_t *len)
{
	wt_member_t m[20];
	char names[20][16];
	for (size_t i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02zu.txt", i);
		m[i] = (wt_member_t){names[i], "x", 1, ZIP_EM_NONE, NULL};
	}
	return wt_zip(m, 20, len);
}

static uint8_t *
wt_build_big3(size_t *len)
{
	uint8_t *a = wt_noise(100000, 1), *b = wt_noise(100000, 2),
	        *c = wt_noise(100000, 3);
	wt_member_t m[] = {
	    {"a.bin", a, 100000, ZIP_EM_NONE, NULL},
	    {"b.bin", b, 100000, ZIP_EM_NONE, NULL},
	    {"c.bin", c, 100000, ZIP_EM_NONE, NULL},
	};
	uint8_t *z = wt_zip(m, 3, len);
	free(a);
	free(b);
	free(c);
	return z;
}

/* 64 MB of zeros: a bomb leaf, nothing but padding. */
static uint8_t *
wt_build_zeros(size_t *len)
{
	return wt_zip_padded("zeros.bin", NULL, 0, 64u << 20, NULL, len);
}

static const struct {
	const char *what;
	const char *conf;
	uint8_t *(*build)(size_t *);
	const char *node;    /* where the problem is recorded */
	const char *problem; /* what it says */
	const char *absent;  /* a node that must not exist, or NULL */
} wt_limit_cases[] = {
    {"depth", "LimitArchiveDepth 2\n", wt_build_nested,
     "n.zip/l1.zip/l2.zip", "LimitArchiveDepth 2 reached",
     "n.zip/l1.zip/l2.zip/l3.zip"},
    {"depth default", NULL, wt_build_nested, NULL, NULL, NULL},
    {"files", "LimitArchiveFiles 5\n", wt_build_many, "n.zip",
     "LimitArchiveFiles 5 reached", "n.zip/f05.txt"},
    {"bytes", "LimitArchiveBytes 150K\n", wt_build_big3, "n.zip/b.bin",
     "LimitArchiveBytes 153600 reached", "n.zip/c.bin"},
    {"ratio", NULL, wt_build_zeros, "n.zip/zeros.bin",
     "LimitCompressionRatio 200 exceeded", NULL},
    {"ratio off", "LimitCompressionRatio 0\nLimitArchiveBytes 10M\n",
     wt_build_zeros, "n.zip/zeros.bin", "padding not read to the end",
     NULL},
};

START_TEST(test_walk_limits)
{
	size_t n;
	uint8_t *z = wt_limit_cases[_i].build(&n);
	emg_report_t *r = wt_scan_file(wt_limit_cases[_i].conf, "n.zip", z, n,
	                               NULL);
	if (wt_limit_cases[_i].node != NULL) {
		emg_attachment_t *a = wt_must(r, wt_limit_cases[_i].node);
		ck_assert_msg(wt_problem(a, wt_limit_cases[_i].problem),
		              "%s: want \"%s\" on %s, have %s",
		              wt_limit_cases[_i].what,
		              wt_limit_cases[_i].problem,
		              wt_limit_cases[_i].node, wt_problems(r));
	} else {
		ck_assert_msg(wt_problems(r)[0] == '\0', "%s: %s",
		              wt_limit_cases[_i].what, wt_problems(r));
	}
	if (wt_limit_cases[_i].absent != NULL)
		ck_assert_msg(wt_node(r, wt_limit_cases[_i].absent) == NULL,
		              "%s: %s exists", wt_limit_cases[_i].what,
		              wt_limit_cases[_i].absent);
	ck_assert(emg_report_has(r, "ATTACH_UNSCANNABLE") ==
	          (wt_limit_cases[_i].node != NULL));
	emg_report_free(r);
	free(z);
}
END_TEST

/* LimitScanTime stops the walk while streaming (or before opening), and
 * says so on the node where it happened. */
START_TEST(test_walk_deadline)
{
	size_t n;
	uint8_t *z = wt_build_zeros(&n);
	double ms;
	emg_report_t *r = wt_scan_file("LimitScanTime 1ms\n"
	                               "LimitCompressionRatio 0\n",
	                               "n.zip", z, n, &ms);
	ck_assert_msg(strstr(wt_problems(r), "LimitScanTime 1ms reached"),
	              "%s", wt_problems(r));
	/* Past the deadline the scan reports SCAN_TIMEOUT first. */
	ck_assert(emg_report_has(r, "ATTACH_UNSCANNABLE") ||
	          emg_report_has(r, "SCAN_TIMEOUT"));
	ck_assert_msg(ms < 1000, "%.0f ms", ms);
	emg_report_free(r);
	free(z);
}
END_TEST

/* A 42.zip-style bomb: 3 levels of 8 copies, 64 MB zero leaves.  It is
 * decided at the first leaf; the mail's other attachment is still
 * walked. */
START_TEST(test_walk_bomb)
{
	size_t n;
	uint8_t *cur = wt_build_zeros(&n);
	for (int lvl = 0; lvl < 3; lvl++) {
		wt_member_t m[8];
		char names[8][16];
		for (int i = 0; i < 8; i++) {
			snprintf(names[i], sizeof(names[i]), "%d.zip", i);
			m[i] = (wt_member_t){names[i], cur, n, ZIP_EM_NONE,
			                     NULL};
		}
		uint8_t *next = wt_zip(m, 8, &n);
		free(cur);
		cur = next;
	}
	size_t pn;
	uint8_t *plain = wt_zip1("after.txt", "after", 5, &pn);
	wt_att_t att[] = {{"bomb.zip", cur, n}, {"plain.zip", plain, pn}};
	char *mail = wt_mail("bomb", "see attached", att, 2);
	double ms;
	emg_report_t *r = wt_scan_mail(NULL, mail, &ms);
	printf("walk: bomb (%zu bytes, 8^3 x 64 MB) decided in %.1f ms, "
	       "%zu nodes, maxrss %ld KB\n", n, ms, wt_count(r),
	       wt_maxrss_kb());
	ck_assert_msg(wt_problem(wt_must(r, "bomb.zip/0.zip/0.zip/0.zip/"
	                                    "zeros.bin"),
	                         "LimitCompressionRatio"),
	              "%s", wt_problems(r));
	/* The tree stopped at its first limit: no second leaf was read. */
	ck_assert_ptr_null(wt_node(r, "bomb.zip/0.zip/0.zip/1.zip/zeros.bin"));
	ck_assert_ptr_null(wt_node(r, "bomb.zip/1.zip/0.zip"));
	wt_data_is(wt_must(r, "plain.zip/after.txt"), "after");
	ck_assert_msg(ms < 5000, "bomb took %.0f ms", ms);
	emg_report_free(r);
	free(mail);
	free(plain);
	free(cur);
}
END_TEST

/* Corrupt and truncated archives: a problem naming the reason. */
START_TEST(test_walk_corrupt)
{
	size_t n;
	uint8_t *z = wt_build_big3(&n);
	/* Cut inside the second member: no central directory. */
	emg_report_t *r = wt_scan_file(NULL, "cut.zip", z, n / 2, NULL);
	emg_attachment_t *root = wt_must(r, "cut.zip");
	ck_assert_msg(wt_problem(root, "corrupt zip"), "%s", wt_problems(r));
	emg_report_free(r);
	/* Damage member data but keep the directory: a member problem. */
	uint8_t *bad = malloc(n);
	memcpy(bad, z, n);
	for (size_t i = 200; i < 400; i++)
		bad[i] ^= 0x5a;
	r = wt_scan_file(NULL, "bad.zip", bad, n, NULL);
	ck_assert_msg(wt_problem(wt_must(r, "bad.zip/a.bin"), "corrupt zip "
	                                                      "member"),
	              "%s", wt_problems(r));
	ck_assert(emg_report_has(r, "ATTACH_UNSCANNABLE"));
	emg_report_free(r);
	free(bad);
	free(z);
}
END_TEST

/* Disk images nothing can read are unscannable, not a silent pass. */
START_TEST(test_walk_vhd)
{
	uint8_t img[4096];
	memset(img, 0, sizeof(img));
	memcpy(img + sizeof(img) - 512, "conectix", 8);
	emg_report_t *r = wt_scan_file(NULL, "disk.vhd", img, sizeof(img),
	                               NULL);
	emg_attachment_t *a = wt_must(r, "disk.vhd");
	ck_assert(!a->expanded);
	ck_assert_msg(wt_problem(a, "VHD image: contents not readable"), "%s",
	              wt_problems(r));
	emg_report_free(r);
	memcpy(img, "vhdxfile", 8);
	r = wt_scan_file(NULL, "disk.vhdx", img, sizeof(img), NULL);
	ck_assert(wt_problem(wt_must(r, "disk.vhdx"), "VHDX image"));
	emg_report_free(r);
}
END_TEST

/* ---- encrypted members ------------------------------------------------------ */

static const char wt_body_pw[] =
    "お世話になっております。\n請求書を送付いたします。\n"
    "パスワード：Xk3pQ9wz\nよろしくお願いいたします。\n";

static const struct {
	const char *what;
	uint16_t em;
	const char *method;
} wt_enc_cases[] = {
    {"zipcrypto", ZIP_EM_TRAD_PKWARE, "zipcrypto"},
    {"aes128", ZIP_EM_AES_128, "aes128"},
    {"aes256", ZIP_EM_AES_256, "aes256"},
};

/* Opened with the password written in the body; the source is named,
 * the password is not. */
START_TEST(test_walk_encrypted_opened)
{
	wt_member_t m[] = {
	    {"請求書.doc", "DOCCONTENT", 10, wt_enc_cases[_i].em, "Xk3pQ9wz"},
	    {"b.txt", "second", 6, wt_enc_cases[_i].em, "Xk3pQ9wz"},
	};
	size_t n;
	uint8_t *z = wt_zip(m, 2, &n);
	wt_att_t att[] = {{"inv.zip", z, n}};
	char *mail = wt_mail("請求書の件", wt_body_pw, att, 1);
	emg_report_t *r = wt_scan_mail(NULL, mail, NULL);
	emg_attachment_t *root = wt_must(r, "inv.zip");
	emg_attachment_t *a = wt_must(r, "inv.zip/請求書.doc");
	wt_data_is(a, "DOCCONTENT");
	wt_data_is(wt_must(r, "inv.zip/b.txt"), "second");
	ck_assert(a->encrypted && !a->password_failed);
	ck_assert_str_eq(a->enc_method, wt_enc_cases[_i].method);
	ck_assert_ptr_nonnull(a->opened_with);
	ck_assert_msg(strstr(a->opened_with, "パスワード") != NULL, "%s",
	              a->opened_with);
	ck_assert(strstr(a->opened_with, "Xk3pQ9wz") == NULL);
	ck_assert(root->encrypted && !root->password_failed);
	ck_assert_ptr_nonnull(root->opened_with);
	ck_assert_msg(wt_problems(r)[0] == '\0', "%s", wt_problems(r));
	emg_report_free(r);
	free(mail);
	free(z);
}
END_TEST

/* One plain and one encrypted member (deco-mail-filter's test-1). */
START_TEST(test_walk_partly_encrypted)
{
	wt_member_t m[] = {
	    {"plain.txt", "open", 4, ZIP_EM_NONE, NULL},
	    {"secret.txt", "closed", 6, ZIP_EM_AES_256, "Xk3pQ9wz"},
	};
	size_t n;
	uint8_t *z = wt_zip(m, 2, &n);
	wt_att_t att[] = {{"p.zip", z, n}};
	char *mail = wt_mail("files", wt_body_pw, att, 1);
	emg_report_t *r = wt_scan_mail(NULL, mail, NULL);
	emg_attachment_t *p = wt_must(r, "p.zip/plain.txt");
	emg_attachment_t *s = wt_must(r, "p.zip/secret.txt");
	wt_data_is(p, "open");
	ck_assert(!p->encrypted && p->opened_with == NULL);
	wt_data_is(s, "closed");
	ck_assert(s->encrypted && s->opened_with != NULL);
	ck_assert(wt_must(r, "p.zip")->encrypted);
	emg_report_free(r);
	free(mail);
	free(z);
}
END_TEST

/* No candidate works: password_failed on the member and the archive. */
START_TEST(test_walk_wrong_password)
{
	wt_member_t m[] = {
	    {"a.doc", "DOCCONTENT", 10, ZIP_EM_TRAD_PKWARE, "other-pw"},
	    {"b.doc", "DOCCONTENT", 10, ZIP_EM_AES_256, "other-pw"},
	};
	size_t n;
	uint8_t *z = wt_zip(m, 2, &n);
	wt_att_t att[] = {{"w.zip", z, n}};
	char *mail = wt_mail("files", wt_body_pw, att, 1);
	emg_report_t *r = wt_scan_mail(NULL, mail, NULL);
	emg_attachment_t *a = wt_must(r, "w.zip/a.doc");
	ck_assert(a->encrypted && a->password_failed);
	ck_assert_ptr_null(a->opened_with);
	ck_assert_uint_eq(a->size, 0);
	ck_assert(wt_must(r, "w.zip/b.doc")->password_failed);
	emg_attachment_t *root = wt_must(r, "w.zip");
	ck_assert(root->encrypted && root->password_failed);
	ck_assert_ptr_null(root->opened_with);
	emg_report_free(r);
	free(mail);
	free(z);
}
END_TEST

/* ArchivePasswords from the configuration are tried too. */
START_TEST(test_walk_config_password)
{
	wt_member_t m[] = {
	    {"a.txt", "conf", 4, ZIP_EM_AES_256, "infected-test"},
	};
	size_t n;
	uint8_t *z = wt_zip(m, 1, &n);
	emg_report_t *r = wt_scan_file("ArchivePasswords infected, "
	                               "infected-test\n",
	                               "c.zip", z, n, NULL);
	emg_attachment_t *a = wt_must(r, "c.zip/a.txt");
	wt_data_is(a, "conf");
	ck_assert_ptr_nonnull(a->opened_with);
	emg_report_free(r);
	free(z);
}
END_TEST

/* AES-256 with the right password last of ten candidates: the AES key
 * derivation is the cost. */
START_TEST(test_walk_aes256_ten_candidates)
{
	wt_member_t m[] = {
	    {"a.doc", "DOCCONTENT", 10, ZIP_EM_AES_256, "Right-pw10"},
	};
	size_t n;
	uint8_t *z = wt_zip(m, 1, &n);
	wt_att_t att[] = {{"ten.zip", z, n}};
	char body[1024] = "候補:\n";
	for (int i = 1; i <= 9; i++) {
		char line[64];
		snprintf(line, sizeof(line), "PW: Wrong-pw%02d\n", i);
		strcat(body, line);
	}
	strcat(body, "PW: Right-pw10\n");
	char *mail = wt_mail("ten", body, att, 1);
	double ms;
	emg_report_t *r = wt_scan_mail(NULL, mail, &ms);
	emg_attachment_t *a = wt_must(r, "ten.zip/a.doc");
	wt_data_is(a, "DOCCONTENT");
	printf("walk: AES-256 zip, right password 10th of 10 candidates: "
	       "%.1f ms (whole scan)\n", ms);
	ck_assert_msg(ms < 2000, "%.0f ms", ms);
	emg_report_free(r);
	free(mail);
	free(z);
}
END_TEST

/* 7z AES cannot be decrypted by libarchive 3.6: password_failed and a
 * problem saying why.  Needs the 7z tool. */
START_TEST(test_walk_7z_encrypted)
{
	if (system("command -v 7z >/dev/null 2>&1") != 0) {
		printf("walk: 7z not installed, skipping the 7z case\n");
		return;
	}
	char dir[] = "/tmp/test_walk_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
	         "cd %s && printf 'seven\\n' > s.txt && 7z a -bd -y -t7z "
	         "-pXk3pQ9wz e.7z s.txt >/dev/null", dir);
	ck_assert_int_eq(system(cmd), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s/e.7z", dir);
	FILE *fp = fopen(path, "rb");
	ck_assert_ptr_nonnull(fp);
	uint8_t buf[4096];
	size_t n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
	wt_att_t att[] = {{"e.7z", buf, n}};
	char *mail = wt_mail("7z", wt_body_pw, att, 1);
	emg_report_t *r = wt_scan_mail(NULL, mail, NULL);
	emg_attachment_t *root = wt_must(r, "e.7z");
	emg_attachment_t *s = wt_node(r, "e.7z/s.txt");
	ck_assert(root->encrypted);
	if (s != NULL && !s->password_failed) {
		/* A libarchive that decrypts 7z: then it must be right. */
		wt_data_is(s, "seven\n");
	} else {
		ck_assert(root->password_failed);
		ck_assert_msg(wt_problem(root, "cannot decrypt"), "%s",
		              wt_problems(r));
	}
	emg_report_free(r);
	free(mail);
}
END_TEST

/* ---- inflated members ----------------------------------------------------- */

/* Emotet 2023: a document padded with 300 MB of zeros inside a small ZIP.
 * The walker keeps the head and the content before the trailing padding,
 * within the limits, and decides fast. */
START_TEST(test_walk_padded_300mb)
{
	const size_t doc = 200000;
	const uint64_t pad = 300000000;
	uint8_t *head = wt_noise(doc, 7);
	size_t n;
	uint8_t *z = wt_zip_padded("invoice.doc", head, doc, pad,
	                           "TAILMARK-after-the-padding", &n);
	long rss0 = wt_maxrss_kb();
	double ms;
	emg_report_t *r = wt_scan_file(NULL, "padded.zip", z, n, &ms);
	long rss1 = wt_maxrss_kb();
	emg_attachment_t *a = wt_must(r, "padded.zip/invoice.doc");
	printf("walk: %zu-byte zip, %llu-byte padded member: %.1f ms, %zu "
	       "bytes kept, maxrss %ld KB (before: %ld KB)\n", n,
	       (unsigned long long)(doc + pad + 26), ms, a->size, rss1, rss0);
	ck_assert_msg(a->inflated, "%s", wt_problems(r));
	ck_assert_uint_eq(a->full_size, doc + pad + 26);
	ck_assert_uint_eq(a->declared_size, doc + pad + 26);
	/* The head is the document, byte for byte. */
	ck_assert(a->size >= doc && memcmp(a->data, head, doc) == 0);
	/* The content after the padding was found. */
	ck_assert(a->size < (16u << 20));
	ck_assert(memmem(a->data, a->size, "TAILMARK-after-the-padding", 26));
	/* Not given up: no ratio problem on a padded member read through. */
	ck_assert_msg(wt_problems(r)[0] == '\0', "%s", wt_problems(r));
	ck_assert_msg(ms < 10000, "%.0f ms", ms);
	emg_report_free(r);
	free(z);
	free(head);
}
END_TEST

/* Padding before content within the head is kept as it is; a small
 * member is never touched. */
START_TEST(test_walk_small_zero_runs_kept)
{
	size_t len = 3u << 20;
	uint8_t *d = calloc(1, len);
	memcpy(d, "START", 5);
	memcpy(d + len - 3, "END", 3);
	size_t n;
	uint8_t *z = wt_zip1("mostly0.bin", d, len, &n);
	emg_report_t *r = wt_scan_file(NULL, "z.zip", z, n, NULL);
	emg_attachment_t *a = wt_must(r, "z.zip/mostly0.bin");
	ck_assert(!a->inflated);
	ck_assert_uint_eq(a->size, len);
	ck_assert(memcmp(a->data, d, len) == 0);
	emg_report_free(r);
	free(z);
	free(d);
}
END_TEST

/* ---- walk_is_message and the CLI path ---------------------------------- */

static const struct {
	const char *what;
	const char *data;
	size_t len; /* 0: strlen */
	bool mail;
} wt_msg_cases[] = {
    {"headers", "From: a@example.com\nSubject: hi\n\nbody\n", 0, true},
    {"received first", "Received: from x by y; Mon, 1 Jan 2024\n"
                       "From: a@b\n\nhi\n", 0, true},
    {"mbox", "From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b\n\nx\n", 0, true},
    {"blank lines first", "\r\n\r\nSubject: x\r\n\r\nbody\r\n", 0, true},
    {"js", "var s = new ActiveXObject('WScript.Shell');\ns.Run('calc');\n",
     0, false},
    {"vbs", "Dim o\nSet o = CreateObject(\"WScript.Shell\")\n", 0, false},
    {"url first", "https://example.com/x\nmore text\n", 0, false},
    {"pe", "MZ\x90\0\3\0\0\0\4\0\0\0\xff\xff\0\0", 16, false},
    {"zip", "PK\3\4\x14\0\0\0\0\0", 10, false},
    {"lnk", "L\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0F", 20, false},
};

START_TEST(test_walk_is_message)
{
	magic_t mg = magic_open(MAGIC_MIME_TYPE);
	ck_assert_ptr_nonnull(mg);
	ck_assert_int_eq(magic_load(mg, NULL), 0);
	for (size_t i = 0; i < sizeof(wt_msg_cases) / sizeof(wt_msg_cases[0]);
	     i++) {
		size_t len = wt_msg_cases[i].len ? wt_msg_cases[i].len
		                                 : strlen(wt_msg_cases[i].data);
		ck_assert_msg(walk_is_message(wt_msg_cases[i].data, len, mg) ==
		                  wt_msg_cases[i].mail,
		              "%s", wt_msg_cases[i].what);
	}
	magic_close(mg);
}
END_TEST

/* emg_scan_auto: a ZIP from a share is one attachment, a mail is a mail. */
START_TEST(test_walk_scan_auto)
{
	size_t n;
	uint8_t *z = wt_zip1("lure.js", "var x=1;\n", 9, &n);
	emg_config_t *cfg;
	emg_scanner_t *sc = wt_scanner(NULL, &cfg);
	emg_report_t *r = NULL;
	ck_assert_int_eq(emg_scan_auto(sc, "share.zip", z, n, NULL, &r),
	                 EMG_OK);
	ck_assert_uint_eq(r->msg->n_attachments, 1);
	wt_must(r, "share.zip/lure.js");
	emg_report_free(r);
	wt_att_t att[] = {{"in.zip", z, n}};
	char *mail = wt_mail("x", "hello", att, 1);
	ck_assert_int_eq(emg_scan_auto(sc, "m.eml", mail, strlen(mail), NULL,
	                               &r),
	                 EMG_OK);
	ck_assert_str_eq(r->msg->subject, "x");
	wt_must(r, "in.zip/lure.js");
	emg_report_free(r);
	emg_scanner_free(sc);
	emg_config_unref(cfg);
	free(mail);
	free(z);
}
END_TEST

/* The whole scan through testutil: the zip in the mail is walked. */
START_TEST(test_walk_tu_scan)
{
	size_t n;
	uint8_t *z = wt_zip1("a.txt", "hello", 5, &n);
	wt_att_t att[] = {{"a.zip", z, n}};
	char *mail = wt_mail("x", "hello", att, 1);
	emg_report_t *r = tu_scan(NULL, mail, NULL);
	wt_data_is(wt_must(r, "a.zip/a.txt"), "hello");
	ck_assert(!emg_report_has(r, "ATTACH_UNSCANNABLE"));
	emg_report_free(r);
	free(mail);
	free(z);
}
END_TEST

/* ---- the shared corpus ---------------------------------------------------- */

static char *
wt_corpus(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char *p = NULL;
	if (asprintf(&p, "%s/../shared/corpus/%s", top ? top : ".", rel) < 0)
		return NULL;
	if (access(p, R_OK) != 0) {
		printf("walk: corpus file %s absent, skipping\n", rel);
		free(p);
		return NULL;
	}
	return p;
}

static uint8_t *
wt_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	long sz = ftell(fp);
	ck_assert(sz >= 0);
	rewind(fp);
	uint8_t *p = malloc((size_t)sz + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)sz, fp), (size_t)sz);
	p[sz] = '\0';
	fclose(fp);
	*len = (size_t)sz;
	return p;
}

static const struct {
	const char *file;
	const char *conf;
	const char *member;   /* must be opened */
	const char *plain;    /* a member that was never encrypted, or NULL */
} wt_corpus_cases[] = {
    {"deco-mail-filter/spec/test-encrypted.zip",
     "ArchivePasswords password\n", NULL, NULL},
    {"deco-mail-filter/spec/test-1-encrypted.zip",
     "ArchivePasswords password\n", "test2.txt", "test1.txt"},
    {"oletools/tests/test-data/msodde/dde-test-from-office2003.doc.zip",
     "ArchivePasswords infected-test\n", NULL, NULL},
    {"oletools/tests/test-data/msodde/dde-test-from-office2016.doc.zip",
     "ArchivePasswords infected-test\n", NULL, NULL},
    {"oletools/tests/test-data/rtfobj/issue_185.rtf.zip",
     "ArchivePasswords infected-test\n", NULL, NULL},
    {"oletools/tests/test-data/msodde/dde-in-word2007.xml.zip",
     "ArchivePasswords infected-test\n", NULL, NULL},
};

/* Every encrypted member opens with the stated password, and the
 * content is read. */
START_TEST(test_walk_corpus_archives)
{
	char *path = wt_corpus(wt_corpus_cases[_i].file);
	if (path == NULL)
		return;
	size_t n;
	uint8_t *d = wt_slurp(path, &n);
	const char *base = strrchr(wt_corpus_cases[_i].file, '/') + 1;
	emg_report_t *r = wt_scan_file(wt_corpus_cases[_i].conf, base, d, n,
	                               NULL);
	emg_attachment_t *root = wt_must(r, base);
	ck_assert(root->expanded && root->encrypted);
	ck_assert(!root->password_failed);
	ck_assert_ptr_nonnull(root->opened_with);
	size_t opened = 0;
	for (size_t i = 0; i < root->n_children; i++) {
		emg_attachment_t *c = root->children[i];
		ck_assert_msg(!c->password_failed, "%s", attachment_label(c));
		if (c->encrypted) {
			ck_assert_ptr_nonnull(c->opened_with);
			ck_assert(c->size > 0);
			opened++;
		}
	}
	ck_assert_uint_gt(opened, 0);
	char p[256];
	if (wt_corpus_cases[_i].member != NULL) {
		snprintf(p, sizeof(p), "%s/%s", base, wt_corpus_cases[_i].member);
		ck_assert(wt_must(r, p)->opened_with != NULL);
	}
	if (wt_corpus_cases[_i].plain != NULL) {
		snprintf(p, sizeof(p), "%s/%s", base, wt_corpus_cases[_i].plain);
		emg_attachment_t *c = wt_must(r, p);
		ck_assert(!c->encrypted && c->opened_with == NULL && c->size);
	}
	ck_assert_msg(wt_problems(r)[0] == '\0', "%s", wt_problems(r));
	emg_report_free(r);
	free(d);
	free(path);
}
END_TEST

/* SpamAssassin's zippwmacro.eml states the zip password "sa" in its body. */
START_TEST(test_walk_corpus_zippwmacro)
{
	char *path = wt_corpus("spamassassin/t/data/spam/olevbmacro/"
	                       "zippwmacro.eml");
	if (path == NULL)
		return;
	size_t n;
	uint8_t *d = wt_slurp(path, &n);
	emg_report_t *r = wt_scan_mail(NULL, (const char *)d, NULL);
	emg_attachment_t *zip = wt_must(r, "macro.zip");
	ck_assert(zip->expanded && zip->encrypted && !zip->password_failed);
	ck_assert_ptr_nonnull(zip->opened_with);
	ck_assert_msg(strstr(zip->opened_with, "body") != NULL, "%s",
	              zip->opened_with);
	ck_assert_uint_gt(zip->n_children, 0);
	ck_assert_uint_gt(zip->children[0]->size, 0);
	printf("walk: zippwmacro.eml: %s opened with \"%s\"\n",
	       attachment_label(zip->children[0]), zip->opened_with);
	emg_report_free(r);
	free(d);
	free(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("walk");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_walk_plain_zip);
	tcase_add_test(tc, test_walk_traversal_names);
	tcase_add_test(tc, test_walk_ooxml_not_expanded);
	tcase_add_loop_test(tc, test_walk_libarchive_formats, 0,
	                    sizeof(wt_la_cases) / sizeof(wt_la_cases[0]));
	tcase_add_test(tc, test_walk_bare_gzip);
	tcase_add_loop_test(tc, test_walk_limits, 0,
	                    sizeof(wt_limit_cases) / sizeof(wt_limit_cases[0]));
	tcase_add_test(tc, test_walk_deadline);
	tcase_add_test(tc, test_walk_bomb);
	tcase_add_test(tc, test_walk_corrupt);
	tcase_add_test(tc, test_walk_vhd);
	tcase_add_loop_test(tc, test_walk_encrypted_opened, 0,
	                    sizeof(wt_enc_cases) / sizeof(wt_enc_cases[0]));
	tcase_add_test(tc, test_walk_partly_encrypted);
	tcase_add_test(tc, test_walk_wrong_password);
	tcase_add_test(tc, test_walk_config_password);
	tcase_add_test(tc, test_walk_aes256_ten_candidates);
	tcase_add_test(tc, test_walk_7z_encrypted);
	tcase_add_test(tc, test_walk_padded_300mb);
	tcase_add_test(tc, test_walk_small_zero_runs_kept);
	tcase_add_test(tc, test_walk_is_message);
	tcase_add_test(tc, test_walk_scan_auto);
	tcase_add_test(tc, test_walk_tu_scan);
	tcase_add_loop_test(tc, test_walk_corpus_archives, 0,
	                    sizeof(wt_corpus_cases) /
	                        sizeof(wt_corpus_cases[0]));
	tcase_add_test(tc, test_walk_corpus_zippwmacro);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
