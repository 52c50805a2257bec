/*
 * test_attachment.c - the attachment tree: node creation, paths, problems
 * and the depth-first iteration the analyzers rely on.
 */
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "testutil.h"

/* A message with two roots: a.zip holding b.zip (holding c.txt) and d.exe,
 * and a plain e.pdf. */
static emg_message_t *
tree_build(void)
{
	emg_message_t *m = calloc(1, sizeof(*m));
	ck_assert_ptr_nonnull(m);
	emg_attachment_t *a = attachment_new("a.zip", "PK", 2, false);
	emg_attachment_t *b = attachment_new("b.zip", "PK", 2, false);
	emg_attachment_t *c = attachment_new("c.txt", "hello", 5, false);
	emg_attachment_t *d = attachment_new("d.exe", "MZ", 2, false);
	emg_attachment_t *e = attachment_new("e.pdf", "%PDF", 4, false);
	ck_assert(a && b && c && d && e);
	ck_assert_int_eq(attachment_add_child(b, c), 0);
	ck_assert_int_eq(attachment_add_child(a, b), 0);
	ck_assert_int_eq(attachment_add_child(a, d), 0);
	m->attachments = calloc(2, sizeof(*m->attachments));
	ck_assert_ptr_nonnull(m->attachments);
	m->attachments[0] = a;
	m->attachments[1] = e;
	m->n_attachments = 2;
	return m;
}

static void
tree_free(emg_message_t *m)
{
	for (size_t i = 0; i < m->n_attachments; i++)
		attachment_free(m->attachments[i]);
	free(m->attachments);
	free(m);
}

START_TEST(test_attachment_iteration_order)
{
	static const char *const want[] = {"a.zip", "a.zip/b.zip",
	                                   "a.zip/b.zip/c.txt", "a.zip/d.exe",
	                                   "e.pdf"};
	emg_message_t *m = tree_build();
	attachment_iter_t it;
	attachment_iter_init(&it, m);
	size_t n = 0;
	for (emg_attachment_t *a = attachment_iter_next(&it); a != NULL;
	     a = attachment_iter_next(&it)) {
		ck_assert_uint_lt(n, sizeof(want) / sizeof(want[0]));
		ck_assert_str_eq(attachment_label(a), want[n]);
		n++;
	}
	ck_assert_uint_eq(n, 5);
	attachment_iter_done(&it);
	tree_free(m);
}
END_TEST

START_TEST(test_attachment_links)
{
	emg_message_t *m = tree_build();
	emg_attachment_t *a = m->attachments[0];
	emg_attachment_t *b = a->children[0];
	emg_attachment_t *c = b->children[0];
	ck_assert_ptr_null(a->parent);
	ck_assert_ptr_eq(b->parent, a);
	ck_assert_ptr_eq(c->parent, b);
	ck_assert_uint_eq(a->depth, 0);
	ck_assert_uint_eq(c->depth, 2);
	ck_assert_uint_eq(c->size, 5);
	ck_assert_mem_eq(c->data, "hello", 5);
	/* A root keeps its plain name as label. */
	ck_assert_str_eq(attachment_label(m->attachments[1]), "e.pdf");
	tree_free(m);
}
END_TEST

/* The same problem reported for many members is kept once. */
START_TEST(test_attachment_problems)
{
	emg_attachment_t *a = attachment_new(NULL, "", 0, false);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(attachment_label(a), "(no name)");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(attachment_problem(a, "LimitArchiveFiles %d "
		                                       "reached", 1000),
		                 0);
	ck_assert_int_eq(attachment_problem(a, "corrupt: %s", "bad CRC"), 0);
	ck_assert_uint_eq(a->problems.n, 2);
	ck_assert_str_eq(a->problems.v[0], "LimitArchiveFiles 1000 reached");
	attachment_free(a);
}
END_TEST

/* Ownership of data: TAKE hands the buffer over. */
START_TEST(test_attachment_take)
{
	char *buf = strdup("payload");
	emg_attachment_t *a = attachment_new("x", buf, 7, true);
	ck_assert_ptr_eq(a->data, (unsigned char *)buf);
	attachment_free(a); /* frees buf: ASan would report a double free */
}
END_TEST

/* A deep chain iterates without recursion and in order. */
START_TEST(test_attachment_deep_chain)
{
	emg_message_t *m = calloc(1, sizeof(*m));
	m->attachments = calloc(1, sizeof(*m->attachments));
	emg_attachment_t *root = attachment_new("r", "", 0, false);
	m->attachments[0] = root;
	m->n_attachments = 1;
	emg_attachment_t *cur = root;
	for (int i = 0; i < 200; i++) {
		emg_attachment_t *k = attachment_new("k", "", 0, false);
		ck_assert_int_eq(attachment_add_child(cur, k), 0);
		cur = k;
	}
	attachment_iter_t it;
	attachment_iter_init(&it, m);
	unsigned n = 0, last_depth = 0;
	for (emg_attachment_t *a = attachment_iter_next(&it); a != NULL;
	     a = attachment_iter_next(&it)) {
		ck_assert_uint_eq(a->depth, n == 0 ? 0 : last_depth + 1);
		last_depth = a->depth;
		n++;
	}
	ck_assert_uint_eq(n, 201);
	attachment_iter_done(&it);
	tree_free(m);
}
END_TEST

TESTUTIL_MAIN("attachment", test_attachment_iteration_order,
              test_attachment_links, test_attachment_problems,
              test_attachment_take, test_attachment_deep_chain)
