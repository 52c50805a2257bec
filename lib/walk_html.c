/*
 * walk_html.c - the walker's side of HTML smuggling (smuggle.h): the files
 * an HTML or SVG attachment carries encoded inside itself become its
 * children (container "html"), so that every analyzer looks into a
 * smuggled ZIP, ISO or executable as into an attached one.  The limits are
 * the archive limits: a page opened this way counts as a container level
 * (LimitArchiveDepth) and its decoded files count against
 * LimitArchiveBytes and LimitArchiveFiles.  A script payload that is no
 * known type is tried backwards too (reversed base64), and kept that way
 * when libmagic then knows it.
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

/* True when libmagic knows DATA as something other than bytes, or, unless
 * TEXT_COUNTS, than plain text (noise read backwards is now and then valid
 * UTF-8). */
static bool
walk_html_known(const walk_state_t *st, const uint8_t *data, size_t len,
                bool text_counts)
{
	magic_t magic = st->ctx->magic;
	if (magic == NULL)
		return false;
	int old = magic_getflags(magic);
	magic_setflags(magic, MAGIC_MIME_TYPE);
	const char *type = magic_buffer(
	    magic, data, len < WALK_HTML_MAGIC_BYTES ? len : WALK_HTML_MAGIC_BYTES);
	bool known = type != NULL &&
	             strcmp(type, "application/octet-stream") != 0 &&
	             (text_counts || strcmp(type, "text/plain") != 0);
	magic_setflags(magic, old);
	return known;
}

/* Decode payload P of NODE: forwards, or backwards when only that gives a
 * file libmagic knows (a reversed string read forwards is noise); a
 * reversed script is plain text to libmagic and is not recognised, but
 * the name the page gives it is what the analyzers judge it by. */
static emg_status_t
walk_html_decode(const walk_state_t *st, const emg_attachment_t *node,
                 const smuggle_payload_t *p, size_t max, uint8_t **data,
                 size_t *len)
{
	emg_status_t rc =
	    smuggle_decode(node->data, node->size, p, false, max, data, len);
	if (rc != EMG_OK || p->data_uri || p->numbers ||
	    walk_html_known(st, *data, *len, true))
		return rc;
	uint8_t *back = NULL;
	size_t back_len = 0;
	emg_status_t brc =
	    smuggle_decode(node->data, node->size, p, true, max, &back, &back_len);
	if (brc == EMG_ENOMEM) {
		free(*data);
		*data = NULL;
		return brc;
	}
	if (brc == EMG_OK && walk_html_known(st, back, back_len, false)) {
		free(*data);
		*data = back;
		*len = back_len;
	} else {
		free(back);
	}
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
		emg_status_t rc =
		    walk_html_decode(st, node, p, max, &data, &len);
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
