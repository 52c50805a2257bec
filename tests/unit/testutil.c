/*
 * testutil.c - helpers shared by the unit tests (see testutil.h).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsf/gsf.h>

#include "config.h"
#include "store.h"

emg_config_t *
tu_config(const char *text)
{
	emg_config_t *cfg = NULL;
	char err[512] = "";
	emg_status_t st;

	if (text == NULL)
		st = emg_config_default(&cfg);
	else
		st = config_parse("test.conf", text, strlen(text), &cfg, err,
		                  sizeof(err));
	ck_assert_msg(st == EMG_OK, "config: %s: %s", emg_strerror(st), err);
	return cfg;
}

emg_report_t *
tu_scan(const char *conf, const char *msg, const emg_envelope_t *env)
{
	emg_config_t *cfg = tu_config(conf);
	emg_scanner_t *sc = NULL;
	char err[512] = "";
	emg_status_t st = emg_scanner_new(cfg, &sc, err, sizeof(err));
	ck_assert_msg(st == EMG_OK, "scanner: %s", err);
	emg_report_t *r = NULL;
	st = emg_scan(sc, msg, strlen(msg), env, &r);
	ck_assert_msg(st == EMG_OK, "scan: %s", emg_strerror(st));
	emg_scanner_free(sc);
	emg_config_unref(cfg);
	return r;
}

const emg_finding_t *
tu_finding(const emg_report_t *r, const char *symbol)
{
	for (size_t i = 0; r != NULL && i < emg_report_finding_count(r); i++) {
		const emg_finding_t *f = emg_report_finding(r, i);
		if (strcmp(f->symbol, symbol) == 0 ||
		    strcmp(f->category, symbol) == 0)
			return f;
	}
	return NULL;
}

const char *
tu_symbols(const emg_report_t *r)
{
	static char buf[4096];
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < emg_report_finding_count(r); i++) {
		const emg_finding_t *f = emg_report_finding(r, i);
		int n = snprintf(buf + off, sizeof(buf) - off, "%s%s(%s)",
		                 i ? "," : "", f->symbol,
		                 f->detail ? f->detail : "");
		if (n < 0 || (size_t)n >= sizeof(buf) - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

int
tu_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The storage for the first N_PARTS components of PATH under ROOT, made
 * when missing.  DIRS keeps every storage made, by its path prefix, so
 * that a second stream in the same storage reuses it. */
typedef struct tu_cfb_dir {
	char *path;
	GsfOutfile *out;
} tu_cfb_dir_t;

static GsfOutfile *
tu_cfb_storage(GsfOutfile *root, tu_cfb_dir_t *dirs, size_t *n_dirs, size_t cap,
               const char *path, size_t prefix)
{
	if (prefix == 0)
		return root;
	for (size_t i = 0; i < *n_dirs; i++)
		if (strlen(dirs[i].path) == prefix &&
		    strncmp(dirs[i].path, path, prefix) == 0)
			return dirs[i].out;
	size_t parent = prefix;
	while (parent > 0 && path[parent - 1] != '/')
		parent--;
	GsfOutfile *up = tu_cfb_storage(root, dirs, n_dirs, cap, path,
	                                parent > 0 ? parent - 1 : 0);
	char name[256];
	snprintf(name, sizeof(name), "%.*s", (int)(prefix - parent),
	         path + parent);
	ck_assert_uint_lt(*n_dirs, cap);
	GsfOutput *d = gsf_outfile_new_child(up, name, TRUE);
	ck_assert_ptr_nonnull(d);
	dirs[*n_dirs].path = strndup(path, prefix);
	dirs[*n_dirs].out = GSF_OUTFILE(d);
	return dirs[(*n_dirs)++].out;
}

uint8_t *
tu_cfb_build(const tu_cfb_stream_t *streams, size_t n, size_t *len)
{
	GsfOutput *mem = gsf_output_memory_new();
	GsfOutfile *root = gsf_outfile_msole_new(mem);
	ck_assert_ptr_nonnull(root);
	tu_cfb_dir_t dirs[64];
	size_t n_dirs = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = streams[i].path;
		const char *slash = strrchr(p, '/');
		size_t prefix = slash != NULL ? (size_t)(slash - p) : 0;
		GsfOutfile *dir =
		    tu_cfb_storage(root, dirs, &n_dirs, 64, p, prefix);
		GsfOutput *s = gsf_outfile_new_child(
		    dir, slash != NULL ? slash + 1 : p, FALSE);
		ck_assert_ptr_nonnull(s);
		if (streams[i].len > 0)
			ck_assert(gsf_output_write(s, streams[i].len,
			                           streams[i].data));
		gsf_output_close(s);
		g_object_unref(s);
	}
	/* Storages close innermost first, then the root. */
	for (size_t i = n_dirs; i-- > 0;) {
		gsf_output_close(GSF_OUTPUT(dirs[i].out));
		g_object_unref(dirs[i].out);
		free(dirs[i].path);
	}
	gsf_output_close(GSF_OUTPUT(root));
	g_object_unref(root);
	gsf_off_t size = gsf_output_size(mem);
	const guint8 *bytes =
	    gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem));
	uint8_t *copy = malloc(size > 0 ? (size_t)size : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, bytes, (size_t)size);
	*len = (size_t)size;
	g_object_unref(mem);
	return copy;
}

uint8_t *
tu_corpus_read(const char *path, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char full[4096];
	snprintf(full, sizeof(full), "%s/../shared/corpus/%s",
	         top != NULL ? top : ".", path);
	FILE *f = fopen(full, "rb");
	if (f == NULL)
		return NULL;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *b = realloc(buf, cap);
			ck_assert_ptr_nonnull(b);
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

const char *
tu_pg_conninfo(void)
{
	const char *c = getenv("EMGUARD_TEST_PG");
	return c != NULL && *c != '\0' ? c : NULL;
}

static bool
tu_pg_is_uri(const char *c)
{
	return strncmp(c, "postgres", 8) == 0 && strstr(c, "://") != NULL;
}

/* A raw connection to the test server, for making and dropping schemas. */
static store_t *
tu_pg_admin(void)
{
	char dsn[1024], err[256] = "";
	store_t *s = NULL;
	const char *c = tu_pg_conninfo();

	ck_assert_ptr_nonnull(c);
	snprintf(dsn, sizeof(dsn), "%s%s",
	         tu_pg_is_uri(c) ? "" : "postgresql:", c);
	ck_assert_msg(store_open(dsn, STORE_CREATE, &s, err, sizeof(err)) ==
	                  EMG_OK,
	              "%s", err);
	return s;
}

/* Run SQL on the test server as its administrator. */
static void
tu_pg_admin_exec(const char *sql)
{
	store_t *s = tu_pg_admin();
	ck_assert_msg(store_exec(s, sql, NULL, 0, NULL) == EMG_OK, "%s: %s",
	              sql, store_error(s));
	store_close(s);
}

void
tu_pg_schema(const char *prefix, char *schema, size_t slen, char *dsn,
             size_t dlen)
{
	static unsigned serial;
	char sql[160];

	snprintf(schema, slen, "%s_%ld_%u", prefix, (long)getpid(), serial++);
	/* The schema name is ours (pid and a counter), not data. */
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	tu_pg_admin_exec(sql);
	const char *c = tu_pg_conninfo();
	if (tu_pg_is_uri(c))
		snprintf(dsn, dlen, "%s%soptions=-csearch_path%%3D%s", c,
		         strchr(c, '?') ? "&" : "?", schema);
	else
		snprintf(dsn, dlen, "postgresql:%s options=-csearch_path=%s", c,
		         schema);
}

void
tu_pg_drop_schema(const char *schema)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
	tu_pg_admin_exec(sql);
}
