/*
 * test_input.c - unit tests for cli/input.c, the input walker of
 * `emguard scan`: mbox splitting (>From escapes, CRLF, empty messages,
 * oversized messages), Maildir, nested directories, symlink loops,
 * unreadable and missing paths, stdin, and input_count().  Each case builds
 * its files in a fresh mkdtemp directory.
 */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

/* One file system entry: a file with DATA, a directory (DATA == DIR), or a
 * symbolic link (LINK names its target). */
typedef struct tfile {
	const char *path;
	const char *data;
	const char *link;
} tfile_t;

#define DIR_ ((const char *)1)
/* clang-format off */
#define F(p, d) {p, d, NULL}
#define D(p) {p, DIR_, NULL}
#define L(p, target) {p, NULL, target}
/* clang-format on */

typedef struct texp {
	input_kind_t kind;
	const char *label; /* relative to the temporary directory */
	const char *data;  /* INPUT_MESSAGE: exact bytes */
} texp_t;

typedef struct input_case {
	const char *name;
	tfile_t files[10];
	const char *open; /* relative to the temporary directory */
	size_t max;
	texp_t exp[8];
} input_case_t;

/* clang-format off */
#define MSG(l, d) {INPUT_MESSAGE, l, d}
#define ERR(l) {INPUT_ERROR, l, NULL}
/* clang-format on */

static const input_case_t cases[] = {
    {"single file",
     {F("a.eml", "Subject: a\n\nbody\n")},
     "a.eml",
     0,
     {MSG("a.eml", "Subject: a\n\nbody\n")}},
    {"mbox with >From escapes",
     {F("m.mbox", "From a@example.invalid Mon Jan  1 00:00:00 2024\n"
                  "Subject: 1\n\n>From here\n>>From there\n>Fromage\n\n"
                  "From b@example.invalid Mon Jan  1 00:00:00 2024\n"
                  "Subject: 2\n\nbody\n")},
     "m.mbox",
     0,
     {MSG("m.mbox:1", "Subject: 1\n\nFrom here\n>From there\n>Fromage\n"),
      MSG("m.mbox:2", "Subject: 2\n\nbody\n")}},
    {"From inside a paragraph does not split",
     {F("m", "From x\nSubject: 1\n\nline\nFrom me too\n")},
     "m",
     0,
     {MSG("m:1", "Subject: 1\n\nline\nFrom me too\n")}},
    {"CRLF mbox",
     {F("m", "From a\r\nSubject: 1\r\n\r\nx\r\n\r\nFrom b\r\n"
             "Subject: 2\r\n\r\ny\r\n")},
     "m",
     0,
     {MSG("m:1", "Subject: 1\r\n\r\nx\r\n"),
      MSG("m:2", "Subject: 2\r\n\r\ny\r\n")}},
    {"empty messages",
     {F("m", "From a\n\nFrom b\nFrom c\n\nFrom d\nSubject: 4\n\nz")},
     "m",
     0,
     {MSG("m:1", ""), MSG("m:2", "From c\n"), MSG("m:3", "Subject: 4\n\nz")}},
    {"Maildir reads cur and new only",
     {D("md"), D("md/cur"), D("md/new"), D("md/tmp"),
      F("md/cur/2:2,S", "Subject: cur\n\n"), F("md/new/1", "Subject: new\n\n"),
      F("md/tmp/3", "Subject: tmp\n\n"), F("md/dovecot-uidlist", "3 V1\n"),
      F("md/new/.hidden", "x")},
     "md",
     0,
     {MSG("md/cur/2:2,S", "Subject: cur\n\n"),
      MSG("md/new/1", "Subject: new\n\n")}},
    {"nested directory in sorted order, mbox split inside",
     {D("d"), F("d/b.eml", "B"), D("d/a"), F("d/a/x.eml", "X"), D("d/a/y"),
      F("d/a/y/z.eml", "Z"), F("d/.hid.eml", "H"),
      F("d/c.mbox", "From a\nC1\n\nFrom b\nC2\n")},
     "d/",
     0,
     {MSG("d/a/x.eml", "X"), MSG("d/a/y/z.eml", "Z"), MSG("d/b.eml", "B"),
      MSG("d/c.mbox:1", "C1\n"), MSG("d/c.mbox:2", "C2\n")}},
    {"dangling link is an error, the walk goes on",
     {D("d"), L("d/a.eml", "nowhere"), F("d/b.eml", "B")},
     "d",
     0,
     {ERR("d/a.eml"), MSG("d/b.eml", "B")}},
    {"symlink loop is skipped",
     {D("d"), F("d/a.eml", "A"), L("d/loop", "."), L("d/up", "..")},
     "d",
     0,
     {MSG("d/a.eml", "A")}},
    {"missing path", {F("a.eml", "A")}, "nope.eml", 0, {ERR("nope.eml")}},
    {"file over the limit refused",
     {D("d"), F("d/big", "0123456789abcdef"), F("d/small", "01234")},
     "d",
     10,
     {ERR("d/big"), MSG("d/small", "01234")}},
    {"mbox message over the limit refused",
     {F("m", "From a\n0123456789abcdef\n\nFrom b\nok\n")},
     "m",
     10,
     {ERR("m:1"), MSG("m:2", "ok\n")}},
    {"empty file", {F("e", "")}, "e", 0, {MSG("e", "")}},
};

static char *
t_mkdtemp(void)
{
	const char *td = getenv("TMPDIR");
	if (td == NULL || *td == '\0')
		td = P_tmpdir;
	size_t n = strlen(td) + sizeof("/emguard-test-input.XXXXXX");
	char *dir = malloc(n);
	ck_assert_ptr_nonnull(dir);
	snprintf(dir, n, "%s/emguard-test-input.XXXXXX", td);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	return dir;
}

static char *
t_path(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + strlen(rel) + 2;
	char *p = malloc(n);
	ck_assert_ptr_nonnull(p);
	snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

static void
t_write(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

static void
t_create(const char *dir, const tfile_t *f)
{
	char *p = t_path(dir, f->path);
	if (f->link != NULL)
		ck_assert_int_eq(symlink(f->link, p), 0);
	else if (f->data == DIR_)
		ck_assert_int_eq(mkdir(p, 0755), 0);
	else
		t_write(p, f->data, strlen(f->data));
	free(p);
}

static int
t_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Remove the tree under PATH (depth-first, no symlink following). */
static void
t_rmtree(const char *path)
{
	ck_assert_int_eq(nftw(path, t_rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Check that walking OPEN yields exactly EXP (N entries). */
static void
t_walk(const char *name, const char *dir, const char *open, size_t max,
       const texp_t *exp, size_t n_exp)
{
	char *root = t_path(dir, open);
	input_t *in = input_open(root, max);
	ck_assert_ptr_nonnull(in);
	input_item_t it;
	size_t i = 0;
	int r;
	while ((r = input_next(in, &it)) > 0) {
		ck_assert_msg(i < n_exp, "%s: unexpected item %s", name,
		              it.label);
		char *label = t_path(dir, exp[i].label);
		ck_assert_msg(strcmp(it.label, label) == 0 &&
		                  it.kind == exp[i].kind,
		              "%s: item %zu is %s (kind %d), want %s", name, i,
		              it.label, it.kind, label);
		free(label);
		if (exp[i].kind == INPUT_MESSAGE) {
			size_t len = strlen(exp[i].data);
			ck_assert_msg(
			    it.len == len &&
			        memcmp(it.data, exp[i].data, len) == 0,
			    "%s: got [%.*s]", it.label, (int)it.len, it.data);
			ck_assert_int_eq(it.data[it.len], '\0');
		} else {
			ck_assert_ptr_nonnull(it.error);
			ck_assert_ptr_null(it.data);
		}
		input_item_clear(&it);
		i++;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_msg(i == n_exp, "%s: %zu items, want %zu", name, i, n_exp);
	input_close(in);
	free(root);
}

START_TEST(test_input_cases)
{
	const input_case_t *c = &cases[_i];
	char *dir = t_mkdtemp();
	size_t n_exp = 0;
	for (size_t k = 0; k < sizeof(c->files) / sizeof(c->files[0]) &&
	                   c->files[k].path != NULL;
	     k++)
		t_create(dir, &c->files[k]);
	while (n_exp < sizeof(c->exp) / sizeof(c->exp[0]) &&
	       c->exp[n_exp].label != NULL)
		n_exp++;
	t_walk(c->name, dir, c->open, c->max, c->exp, n_exp);
	t_rmtree(dir);
	free(dir);
}
END_TEST

/* Lines and files longer than the 64 KiB read buffer. */
START_TEST(test_input_long_lines)
{
	char *dir = t_mkdtemp();
	size_t big = 200000;
	char *body = malloc(big + 64);
	ck_assert_ptr_nonnull(body);
	/* an mbox whose From_ line and one body line pass the buffer size */
	size_t n = 0;
	memcpy(body, "From ", 5);
	n = 5;
	memset(body + n, 'f', 70000);
	n += 70000;
	body[n++] = '\n';
	memset(body + n, 'x', 100000);
	n += 100000;
	memcpy(body + n, "\n>From y\n\nFrom z\nend\n", 21);
	n += 21;
	char *p = t_path(dir, "m");
	t_write(p, body, n);
	input_t *in = input_open(p, 0);
	input_item_t it;
	ck_assert_int_eq(input_next(in, &it), 1);
	ck_assert_int_eq(it.kind, INPUT_MESSAGE);
	ck_assert_uint_eq(it.len, 100000 + 8);
	ck_assert_str_eq(it.data + 100000, "\nFrom y\n");
	input_item_clear(&it);
	ck_assert_int_eq(input_next(in, &it), 1);
	ck_assert_str_eq(it.data, "end\n");
	input_item_clear(&it);
	ck_assert_int_eq(input_next(in, &it), 0);
	input_close(in);
	free(p);
	/* a plain file read whole */
	memset(body, 'y', big);
	p = t_path(dir, "plain");
	t_write(p, body, big);
	in = input_open(p, 0);
	ck_assert_int_eq(input_next(in, &it), 1);
	ck_assert_uint_eq(it.len, big);
	ck_assert_int_eq(memcmp(it.data, body, big), 0);
	input_item_clear(&it);
	input_close(in);
	free(p);
	free(body);
	t_rmtree(dir);
	free(dir);
}
END_TEST

/* Directories nested deeper than INPUT_MAX_DEPTH give one error. */
START_TEST(test_input_depth)
{
	char *dir = t_mkdtemp();
	char rel[512] = "d";
	char *p = t_path(dir, rel);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	for (int i = 0; i <= INPUT_MAX_DEPTH; i++) {
		strcat(rel, "/s");
		p = t_path(dir, rel);
		ck_assert_int_eq(mkdir(p, 0755), 0);
		free(p);
	}
	strcat(rel, "/x.eml");
	p = t_path(dir, rel);
	t_write(p, "X", 1);
	free(p);
	p = t_path(dir, "d");
	input_t *in = input_open(p, 0);
	input_item_t it;
	ck_assert_int_eq(input_next(in, &it), 1);
	ck_assert_int_eq(it.kind, INPUT_ERROR);
	ck_assert_ptr_nonnull(strstr(it.error, "levels deep"));
	input_item_clear(&it);
	ck_assert_int_eq(input_next(in, &it), 0);
	input_close(in);
	free(p);
	t_rmtree(dir);
	free(dir);
}
END_TEST

/* An unreadable file and directory; as root, the check drops to the
 * nobody user for the walk (Check runs each test in its own process). */
START_TEST(test_input_unreadable)
{
	char *dir = t_mkdtemp();
	char *p = t_path(dir, "a.eml");
	char *sub = t_path(dir, "b");
	t_write(p, "A", 1);
	ck_assert_int_eq(chmod(p, 0), 0);
	ck_assert_int_eq(mkdir(sub, 0), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	bool root = geteuid() == 0;
	if (root)
		ck_assert_int_eq(seteuid(65534), 0);
	input_t *in = input_open(dir, 0);
	input_item_t it;
	const char *want[] = {p, sub};
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(input_next(in, &it), 1);
		ck_assert_int_eq(it.kind, INPUT_ERROR);
		ck_assert_str_eq(it.label, want[i]);
		ck_assert_str_eq(it.error, strerror(EACCES));
		input_item_clear(&it);
	}
	ck_assert_int_eq(input_next(in, &it), 0);
	input_close(in);
	if (root)
		ck_assert_int_eq(seteuid(0), 0);
	ck_assert_int_eq(chmod(sub, 0755), 0);
	free(p);
	free(sub);
	t_rmtree(dir);
	free(dir);
}
END_TEST

/* "-" reads stdin: a message, or an mbox labelled -:N. */
static const struct {
	const char *data;
	const char *labels[3];
} stdin_cases[] = {
    {"Subject: s\n\nbody\n", {"-"}},
    {"From a\nS1\n\nFrom b\nS2\n", {"-:1", "-:2"}},
    {"", {"-"}},
};

START_TEST(test_input_stdin)
{
	char *dir = t_mkdtemp();
	char *p = t_path(dir, "in");
	t_write(p, stdin_cases[_i].data, strlen(stdin_cases[_i].data));
	int fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	/* Check runs each test in its own process, so stdin may be replaced */
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	input_t *in = input_open("-", 0);
	input_item_t it;
	size_t i = 0;
	while (input_next(in, &it) > 0) {
		ck_assert_ptr_nonnull(stdin_cases[_i].labels[i]);
		ck_assert_str_eq(it.label, stdin_cases[_i].labels[i]);
		ck_assert_int_eq(it.kind, INPUT_MESSAGE);
		input_item_clear(&it);
		i++;
	}
	ck_assert_ptr_null(stdin_cases[_i].labels[i]);
	input_close(in);
	ck_assert_int_eq(input_count("-", 100), -1);
	free(p);
	t_rmtree(dir);
	free(dir);
}
END_TEST

/* input_count(): files count as messages; an mbox makes it unknown. */
static const struct {
	tfile_t files[6];
	long cap;
	long want;
} count_cases[] = {
    {{F("a", "A"), D("s"), F("s/b", "B"), F("s/.c", "C")}, 100, 2},
    {{F("a", "A"), F("m", "From x\nM\n")}, 100, -1},
    {{F("a", "A"), F("b", "B"), F("c", "C")}, 2, -1},
    {{L("a", "nowhere")}, 100, 1},
    {{{0}}, 100, 0},
};

START_TEST(test_input_count)
{
	char *dir = t_mkdtemp();
	for (size_t k = 0; count_cases[_i].files[k].path != NULL; k++)
		t_create(dir, &count_cases[_i].files[k]);
	ck_assert_int_eq(input_count(dir, count_cases[_i].cap),
	                 count_cases[_i].want);
	t_rmtree(dir);
	free(dir);
}
END_TEST

#define N_(a) ((int)(sizeof(a) / sizeof((a)[0])))

int
main(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_input_cases, 0, N_(cases));
	tcase_add_test(tc, test_input_long_lines);
	tcase_add_test(tc, test_input_depth);
	tcase_add_test(tc, test_input_unreadable);
	tcase_add_loop_test(tc, test_input_stdin, 0, N_(stdin_cases));
	tcase_add_loop_test(tc, test_input_count, 0, N_(count_cases));
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
