/*
 * attachment.c - the attachment tree (see attachment.h).
 *
 * Nodes are created by the message parser and by the walker; the tree depth
 * is bounded by LimitMimeDepth + LimitArchiveDepth, so freeing recurses, but
 * iteration uses its own stack so that analyzers need no recursion at all.
 */
#include "attachment.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

emg_attachment_t *
attachment_new(const char *name, const void *data, size_t len, bool take)
{
	emg_attachment_t *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	if (name != NULL && (a->name = strdup(name)) == NULL)
		goto fail;
	if (take) {
		a->data = (unsigned char *)data;
	} else {
		a->data = malloc(len ? len : 1);
		if (a->data == NULL)
			goto fail;
		if (len > 0)
			memcpy(a->data, data, len);
	}
	a->size = len;
	return a;
fail:
	free(a->name);
	free(a);
	return NULL;
}

void
attachment_free(emg_attachment_t *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n_children; i++)
		attachment_free(a->children[i]);
	free(a->children);
	free(a->name);
	free(a->declared_type);
	free(a->data);
	free(a->real_type);
	free(a->real_desc);
	free(a->path);
	free(a->opened_with);
	strlist_free(&a->problems);
	free(a);
}

const char *
attachment_label(const emg_attachment_t *a)
{
	if (a->path != NULL)
		return a->path;
	return a->name != NULL ? a->name : "(no name)";
}

/* Set NODE's path and depth from its parent. */
static int
attachment_relabel(emg_attachment_t *node)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s", attachment_label(node->parent),
	             node->name ? node->name : "(no name)") < 0)
		return -1;
	free(node->path);
	node->path = path;
	node->depth = node->parent->depth + 1;
	return 0;
}

/* A subtree linked in after it was built (bottom-up) gets the paths and
 * depths of its new place; pre-order, so parents are relabelled first. */
static int
attachment_relabel_subtree(emg_attachment_t *top)
{
	emg_message_t view = {.attachments = &top, .n_attachments = 1};
	attachment_iter_t it;
	int rc = 0;
	attachment_iter_init(&it, &view);
	for (emg_attachment_t *a = attachment_iter_next(&it);
	     a != NULL && rc == 0; a = attachment_iter_next(&it))
		rc = attachment_relabel(a);
	attachment_iter_done(&it);
	return rc;
}

int
attachment_add_child(emg_attachment_t *parent, emg_attachment_t *child)
{
	emg_attachment_t **v = realloc(parent->children,
	                               (parent->n_children + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	parent->children = v;
	child->parent = parent;
	if (attachment_relabel_subtree(child) != 0) {
		child->parent = NULL;
		return -1;
	}
	v[parent->n_children++] = child;
	return 0;
}

int
attachment_problem(emg_attachment_t *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* The same limit hit on every member of an archive is one problem. */
	for (size_t i = 0; i < a->problems.n; i++)
		if (strcmp(a->problems.v[i], buf) == 0)
			return 0;
	return strlist_add(&a->problems, buf, (size_t)-1);
}

void
attachment_iter_init(attachment_iter_t *it, const emg_message_t *msg)
{
	memset(it, 0, sizeof(*it));
	it->msg = msg;
}

/* Push NODE so that its children come next. */
static int
attachment_iter_push(attachment_iter_t *it, emg_attachment_t *node)
{
	if (it->depth == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 16;
		emg_attachment_t **s = realloc(it->stack, cap * sizeof(*s));
		if (s == NULL)
			return -1;
		it->stack = s;
		size_t *n = realloc(it->next_child, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		it->next_child = n;
		it->cap = cap;
	}
	it->stack[it->depth] = node;
	it->next_child[it->depth++] = 0;
	return 0;
}

emg_attachment_t *
attachment_iter_next(attachment_iter_t *it)
{
	if (it->cur != NULL && it->cur->n_children > 0 &&
	    attachment_iter_push(it, it->cur) != 0) {
		it->cur = NULL;
		return NULL;
	}
	while (it->depth > 0) {
		emg_attachment_t *top = it->stack[it->depth - 1];
		size_t i = it->next_child[it->depth - 1]++;
		if (i < top->n_children) {
			it->cur = top->children[i];
			return it->cur;
		}
		it->depth--;
	}
	if (it->msg != NULL && it->root < it->msg->n_attachments) {
		it->cur = it->msg->attachments[it->root++];
		return it->cur;
	}
	it->cur = NULL;
	return NULL;
}

void
attachment_iter_done(attachment_iter_t *it)
{
	free(it->stack);
	free(it->next_child);
	memset(it, 0, sizeof(*it));
}

bool
attachment_office_encrypted(const emg_attachment_t *node)
{
	return node != NULL && node->enc_method != NULL &&
	       strncmp(node->enc_method, "office-", 7) == 0;
}

/* True when A is an HTML (or SVG, which runs scripts alike) attachment:
 * by its real or declared type, or its name. */
bool
attachment_is_html(const emg_attachment_t *a)
{
	static const char *const types[] = {"text/html", "application/xhtml+xml",
	                                    "image/svg+xml"};
	static const char *const exts[] = {".htm", ".html", ".xhtml", ".shtml",
	                                   ".svg"};
	const char *dot = a->name ? strrchr(a->name, '.') : NULL;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if ((a->real_type && strcasecmp(a->real_type, types[i]) == 0) ||
		    (a->declared_type &&
		     strcasecmp(a->declared_type, types[i]) == 0))
			return true;
	for (size_t i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i]) == 0)
			return true;
	return false;
}
