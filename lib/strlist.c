/*
 * strlist.c - growable list of owned strings (see strlist.h).
 */
#include "strlist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
strlist_add(emg_strlist_t *l, const char *s, size_t len)
{
	if (len == (size_t)-1)
		len = strlen(s);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		if (cap > SIZE_MAX / sizeof(char *))
			return -1;
		char **v = realloc(l->v, cap * sizeof(char *));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	l->v[l->n++] = copy;
	return 0;
}

bool
strlist_has_nocase(const emg_strlist_t *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return true;
	return false;
}

void
strlist_free(emg_strlist_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
