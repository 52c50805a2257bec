/*
 * history_lookup.c - the read side of the correspondence history
 * (history.h): what a Message-ID was, what a correspondent is, whether an
 * organisational domain is known, the addresses seen with a display name,
 * and the message count.  Every key is normalised as history.c stores it;
 * a broken PostgreSQL connection is reset and the query rerun once
 * (history_run).  The schema is in history.c's header.
 */
#include <stdlib.h>
#include <string.h>

#define HISTORY_INTERNAL
#include "history.h"
#include "store.h"

#define HISTORY_MAX_LIST 1000    /* rows a lookup returns */
#define HISTORY_MAX_NAMES 32     /* names per correspondent returned */

/* Append column 0 of every row of R to L (at most MAX rows). */
static emg_status_t
history_collect(store_rows_t *r, size_t max, emg_strlist_t *l)
{
	bool row = true;
	emg_status_t st = EMG_OK;

	for (size_t i = 0; st == EMG_OK && i < max; i++) {
		if ((st = store_next(r, &row)) != EMG_OK || !row)
			break;
		const char *v = store_text(r, 0);
		if (v != NULL && strlist_add(l, v, (size_t)-1) != 0)
			st = EMG_ENOMEM;
	}
	return st;
}

typedef struct history_lookup_arg {
	const char *id;
	history_ref_t *out;
} history_lookup_arg_t;

static emg_status_t
history_lookup_op(history_t *h, void *arg)
{
	history_lookup_arg_t *a = arg;
	store_param_t p[] = {STORE_P_TEXT(a->id)};
	store_rows_t *r = NULL;
	bool row = false;

	history_ref_free(a->out);
	emg_status_t st = store_query(h->store,
	                              "SELECT direction, from_addr FROM messages"
	                              " WHERE message_id = $1",
	                              p, 1, &r);
	if (st == EMG_OK && (st = store_next(r, &row)) == EMG_OK && row) {
		const char *from = store_text(r, 1);
		a->out->known = true;
		a->out->outbound = store_int(r, 0) == 1;
		if (from != NULL && *from != '\0' &&
		    (a->out->from_addr = strdup(from)) == NULL)
			st = EMG_ENOMEM;
	}
	store_rows_free(r);
	r = NULL;
	if (st == EMG_OK && row)
		st = store_query(h->store,
		                 "SELECT address FROM message_rcpts"
		                 " WHERE message_id = $1 ORDER BY address"
		                 " LIMIT 1000",
		                 p, 1, &r);
	if (st == EMG_OK && r != NULL)
		st = history_collect(r, HISTORY_MAX_LIST, &a->out->rcpts);
	store_rows_free(r);
	if (st != EMG_OK)
		history_ref_free(a->out);
	return st == EMG_OK || st == EMG_ENOMEM ? st : history_fail(h, "lookup");
}

emg_status_t
history_lookup_message(history_t *h, const char *id, history_ref_t *out)
{
	if (out == NULL)
		return EMG_EINVAL;
	memset(out, 0, sizeof(*out));
	if (h == NULL || id == NULL)
		return EMG_EINVAL;
	char *key = NULL;
	emg_status_t st = history_norm_id(id, &key);
	if (st != EMG_OK || key == NULL)
		return st; /* no usable ID: not known */
	history_lookup_arg_t a = {key, out};
	st = history_run(h, history_lookup_op, &a);
	free(key);
	return st;
}

void
history_ref_free(history_ref_t *r)
{
	if (r == NULL)
		return;
	free(r->from_addr);
	strlist_free(&r->rcpts);
	memset(r, 0, sizeof(*r));
}

typedef struct history_corr_arg {
	const char *addr;
	history_corr_t *out;
} history_corr_arg_t;

static emg_status_t
history_corr_op(history_t *h, void *arg)
{
	history_corr_arg_t *a = arg;
	store_param_t p[] = {STORE_P_TEXT(a->addr)};
	store_rows_t *r = NULL;
	bool row = false;

	history_corr_free(a->out);
	emg_status_t st = store_query(
	    h->store,
	    "SELECT first_seen, last_seen, sent_to, received"
	    " FROM correspondents WHERE address = $1",
	    p, 1, &r);
	if (st == EMG_OK && (st = store_next(r, &row)) == EMG_OK && row) {
		a->out->known = true;
		a->out->first_seen = store_int(r, 0);
		a->out->last_seen = store_int(r, 1);
		a->out->sent_to = (uint64_t)store_int(r, 2);
		a->out->received = (uint64_t)store_int(r, 3);
	}
	store_rows_free(r);
	r = NULL;
	if (st == EMG_OK)
		st = store_query(h->store,
		                 "SELECT display FROM names WHERE address = $1"
		                 " ORDER BY first_seen, display LIMIT 32",
		                 p, 1, &r);
	if (st == EMG_OK)
		st = history_collect(r, HISTORY_MAX_NAMES, &a->out->names);
	store_rows_free(r);
	if (st != EMG_OK)
		history_corr_free(a->out);
	return st == EMG_OK || st == EMG_ENOMEM ? st
	                                        : history_fail(h, "correspondent");
}

emg_status_t
history_correspondent(history_t *h, const char *addr, history_corr_t *out)
{
	if (out == NULL)
		return EMG_EINVAL;
	memset(out, 0, sizeof(*out));
	if (h == NULL || addr == NULL)
		return EMG_EINVAL;
	char *key = NULL;
	emg_status_t st = history_norm_addr(addr, &key);
	if (st != EMG_OK || key == NULL)
		return st;
	history_corr_arg_t a = {key, out};
	st = history_run(h, history_corr_op, &a);
	free(key);
	return st;
}

void
history_corr_free(history_corr_t *c)
{
	if (c == NULL)
		return;
	strlist_free(&c->names);
	memset(c, 0, sizeof(*c));
}

/* A query whose answer is whether it returns a row, or its first column
 * as a number. */
typedef struct history_scalar_arg {
	const char *sql;
	store_param_t p[2];
	size_t n;
	bool row;
	int64_t value;
} history_scalar_arg_t;

static emg_status_t
history_scalar_op(history_t *h, void *arg)
{
	history_scalar_arg_t *a = arg;
	store_rows_t *r = NULL;

	a->row = false;
	a->value = 0;
	emg_status_t st = store_query(h->store, a->sql, a->p, a->n, &r);
	if (st == EMG_OK && (st = store_next(r, &a->row)) == EMG_OK && a->row)
		a->value = store_int(r, 0);
	store_rows_free(r);
	return st == EMG_OK || st == EMG_ENOMEM ? st : history_fail(h, "query");
}

emg_status_t
history_domain_known(history_t *h, const char *org_domain, bool *known)
{
	if (known == NULL)
		return EMG_EINVAL;
	*known = false;
	if (h == NULL || org_domain == NULL)
		return EMG_EINVAL;
	while (*org_domain == '@')
		org_domain++;
	char *key = NULL;
	emg_status_t st = history_norm_key(org_domain, false, true,
	                                   HISTORY_MAX_ADDR, &key);
	if (st != EMG_OK || key == NULL)
		return st;
	size_t len = strlen(key);
	if (len > 0 && key[len - 1] == '.')
		key[len - 1] = '\0';
	history_scalar_arg_t a = {
	    .sql = "SELECT 1 FROM domains WHERE domain = $1",
	    .p = {STORE_P_TEXT(key)},
	    .n = 1,
	};
	st = history_run(h, history_scalar_op, &a);
	*known = st == EMG_OK && a.row;
	free(key);
	return st;
}

typedef struct history_names_arg {
	const char *key;
	size_t max;
	emg_strlist_t *out;
	size_t n0; /* entries OUT had before the call */
} history_names_arg_t;

/* Drop what a failed try appended to A's list. */
static void
history_names_undo(history_names_arg_t *a)
{
	while (a->out->n > a->n0)
		free(a->out->v[--a->out->n]);
}

static emg_status_t
history_names_op(history_t *h, void *arg)
{
	history_names_arg_t *a = arg;
	store_param_t p[] = {STORE_P_TEXT(a->key),
	                     STORE_P_INT((int64_t)a->max)};
	store_rows_t *r = NULL;

	history_names_undo(a);
	emg_status_t st = store_query(h->store,
	                              "SELECT address FROM names"
	                              " WHERE name_key = $1"
	                              " ORDER BY last_seen DESC, address"
	                              " LIMIT $2",
	                              p, 2, &r);
	if (st == EMG_OK)
		st = history_collect(r, a->max, a->out);
	store_rows_free(r);
	if (st != EMG_OK)
		history_names_undo(a);
	return st == EMG_OK || st == EMG_ENOMEM ? st : history_fail(h, "names");
}

emg_status_t
history_addresses_for_name(history_t *h, const char *name, size_t max,
                           emg_strlist_t *out)
{
	if (h == NULL || name == NULL || out == NULL)
		return EMG_EINVAL;
	if (max > HISTORY_MAX_LIST)
		max = HISTORY_MAX_LIST;
	char *key = NULL;
	emg_status_t st = history_name_key(name, &key);
	if (st != EMG_OK || key == NULL || max == 0)
		goto done;
	history_names_arg_t a = {key, max, out, out->n};
	st = history_run(h, history_names_op, &a);
done:
	free(key);
	return st;
}

emg_status_t
history_count(history_t *h, uint64_t *messages)
{
	if (messages == NULL)
		return EMG_EINVAL;
	*messages = 0;
	if (h == NULL)
		return EMG_EINVAL;
	history_scalar_arg_t a = {
	    .sql = "SELECT messages FROM history_stats WHERE id = 1",
	};
	emg_status_t st = history_run(h, history_scalar_op, &a);
	if (st == EMG_OK && a.value > 0)
		*messages = (uint64_t)a.value;
	return st;
}
