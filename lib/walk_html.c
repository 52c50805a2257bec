/*
 * walk_html.c - the walker's side of HTML smuggling (smuggle.h): the files
 * an HTML or SVG attachment carries encoded inside itself become its
 * children (container "html"), so that every analyzer looks into a
 * smuggled ZIP, ISO or executable as into an attached one.  The limits are
 * the archive limits: a page opened this way counts as a container level
 * (LimitArchiveDepth) and its decoded files count against
 * LimitArchiveBytes and LimitArchiveFiles.  A script payload that is not
 * the type its name says is tried backwards too (reversed base64) and
 * XOR-ed with each candidate key of the page (walk_html_decode chooses).
 */
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "smuggle.h"
#include "walk_int.h"

/* libmagic looks at this much of a decoded payload. */
#define WALK_HTML_MAGIC_BYTES 4096

/* What libmagic makes of (the head of) one reading of a payload: nothing
 * but bytes; plain text (noise read backwards or XOR-ed is now and then
 * valid UTF-8); a type it knows; or a type that fits the name the page
 * gives the file (its extension, by ATTACH_TYPE_MISMATCH's rules).  A
 * noise reading now and then matches one of libmagic's weaker magics
 * (TTComp, for one, by two bytes); only the named type beats that. */
typedef enum walk_html_kind {
	WALK_HTML_BYTES,
	WALK_HTML_TEXT,
	WALK_HTML_KNOWN,
	WALK_HTML_FITS
} walk_html_kind_t;

static walk_html_kind_t
walk_html_kind(const walk_state_t *st, const uint8_t *data, size_t len,
               const char *name)
{
	magic_t magic = st->ctx->magic;
	if (magic == NULL)
		return WALK_HTML_BYTES;
	int old = magic_getflags(magic);
	magic_setflags(magic, MAGIC_MIME_TYPE);
	const char *type = magic_buffer(
	    magic, data, len < WALK_HTML_MAGIC_BYTES ? len : WALK_HTML_MAGIC_BYTES);
	walk_html_kind_t kind =
	    type == NULL || strcmp(type, "application/octet-stream") == 0
	        ? WALK_HTML_BYTES
	    : strcmp(type, "text/plain") == 0 ? WALK_HTML_TEXT
	    : name != NULL && attach_name_fits(name, type) == 1
	        ? WALK_HTML_FITS
	        : WALK_HTML_KNOWN;
	magic_setflags(magic, old);
	return kind;
}

/* The page's candidate key that turns the head of DATA into the named
 * type, or else the first that turns it into a type libmagic knows, with
 * that kind in *KIND; SIZE_MAX (and WALK_HTML_BYTES) when none does.  At
 * most SMUGGLE_KEYS_MAX looks at WALK_HTML_MAGIC_BYTES. */
static size_t
walk_html_key(const walk_state_t *st, const smuggle_t *sm,
              const uint8_t *data, size_t len, const char *name,
              walk_html_kind_t *kind)
{
	uint8_t head[WALK_HTML_MAGIC_BYTES];
	size_t n = len < sizeof(head) ? len : sizeof(head), first = SIZE_MAX;

	*kind = WALK_HTML_BYTES;
	for (size_t k = 0; k < sm->n_keys; k++) {
		memcpy(head, data, n);
		smuggle_xor(head, n, &sm->key[k]);
		walk_html_kind_t kk = walk_html_kind(st, head, n, name);
		if (kk == WALK_HTML_FITS) {
			*kind = kk;
			return k;
		}
		if (kk == WALK_HTML_KNOWN && first == SIZE_MAX) {
			*kind = kk;
			first = k;
			if (name == NULL)
				break; /* nothing can fit */
		}
	}
	return first;
}

/* Decode payload P of NODE, whose download is NAME (or NULL), and choose
 * the reading: as written; or backwards (a reversed string; not when the
 * text as written is text, nor for a list); or XOR-ed with a key of the
 * page.  A reading that fits NAME wins; else the written one, when
 * libmagic knows it; else a backwards one it knows, when the written one
 * is only bytes; else an XOR-ed one it knows.  A reversed or XOR-ed
 * script is plain text to libmagic and is not recognised, but NAME is
 * what the analyzers judge it by. */
static emg_status_t
walk_html_decode(const walk_state_t *st, const emg_attachment_t *node,
                 const smuggle_t *sm, const smuggle_payload_t *p,
                 const char *name, size_t max, uint8_t **data, size_t *len)
{
	emg_status_t rc =
	    smuggle_decode(node->data, node->size, p, false, max, data, len);
	if (rc != EMG_OK || p->data_uri)
		return rc;
	if (name != NULL && attach_name_fits(name, NULL) < 0)
		name = NULL; /* no type can fit it */
	walk_html_kind_t kind = walk_html_kind(st, *data, *len, name);
	if (kind == WALK_HTML_FITS || (kind == WALK_HTML_KNOWN && name == NULL))
		return EMG_OK;
	uint8_t *back = NULL;
	size_t back_len = 0;
	walk_html_kind_t back_kind = WALK_HTML_BYTES;
	if (kind != WALK_HTML_TEXT && !p->numbers) {
		rc = smuggle_decode(node->data, node->size, p, true, max, &back,
		                    &back_len);
		if (rc == EMG_ENOMEM) {
			free(*data);
			*data = NULL;
			return rc;
		}
		if (rc == EMG_OK)
			back_kind = walk_html_kind(st, back, back_len, name);
		if (back_kind < WALK_HTML_KNOWN) { /* never chosen */
			free(back);
			back = NULL;
		}
	}
	walk_html_kind_t key_kind = WALK_HTML_BYTES;
	size_t key = back_kind == WALK_HTML_FITS
	                 ? SIZE_MAX
	                 : walk_html_key(st, sm, *data, *len, name, &key_kind);
	if (back_kind == WALK_HTML_FITS ||
	    (back_kind == WALK_HTML_KNOWN && kind == WALK_HTML_BYTES &&
	     key_kind != WALK_HTML_FITS)) {
		free(*data);
		*data = back;
		*len = back_len;
		return EMG_OK;
	}
	free(back);
	if (key_kind == WALK_HTML_FITS ||
	    (key_kind == WALK_HTML_KNOWN && kind != WALK_HTML_KNOWN))
		smuggle_xor(*data, *len, &sm->key[key]);
	return EMG_OK;
}

emg_status_t
walk_html(walk_state_t *st, emg_attachment_t *node)
{
	smuggle_t sm;
	smuggle_scan(node->data, node->size, &sm);
	if (sm.n_payloads == 0 || walk_timed_out(st, node, "HTML not decoded"))
		return EMG_OK;
	const emg_limits_t *lim = st->lim;
	if (walk_archive_level(node) >= lim->archive_depth) {
		if (attachment_problem(node,
		                       "LimitArchiveDepth %u reached: "
		                       "encoded file in HTML not decoded",
		                       lim->archive_depth) != 0)
			return EMG_ENOMEM;
		return walk_stop_tree(st, node);
	}
	size_t files = lim->archive_files ? lim->archive_files : SIZE_MAX;
	for (size_t i = 0; i < sm.n_payloads && i < files; i++) {
		const smuggle_payload_t *p = &sm.payload[i];
		uint8_t *data = NULL;
		size_t len = 0;
		size_t max = st->bytes_left < SIZE_MAX ? (size_t)st->bytes_left
		                                       : SIZE_MAX;
		emg_status_t rc = walk_html_decode(
		    st, node, &sm, p, i == 0 && sm.name[0] != '\0' ? sm.name : NULL,
		    max, &data, &len);
		if (rc == EMG_ENOMEM)
			return rc;
		if (rc == EMG_ELIMIT) {
			if (attachment_problem(
			        node,
			        "LimitArchiveBytes %llu "
			        "reached: encoded file in HTML not "
			        "decoded",
			        (unsigned long long)lim->archive_bytes) != 0)
				return EMG_ENOMEM;
			return walk_stop_tree(st, node);
		}
		if (rc != EMG_OK)
			continue; /* base64 that decodes to nothing */
		/* The name the page offers goes with the longest payload,
		 * which is the one its download carries. */
		char name[SMUGGLE_NAME_MAX + 16];
		if (i == 0 && sm.name[0] != '\0')
			snprintf(name, sizeof(name), "%s", sm.name);
		else
			snprintf(name, sizeof(name), "smuggled-%zu", i + 1);
		emg_attachment_t *c =
		    walk_add_child(st, node, name, data, len, true, "html");
		if (c == NULL)
			return EMG_ENOMEM;
		if (p->type[0] != '\0' && c->declared_type == NULL &&
		    (c->declared_type = strdup(p->type)) == NULL)
			return EMG_ENOMEM;
		node->expanded = true;
	}
	return EMG_OK;
}
