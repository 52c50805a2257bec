/*
 * walk.c - the attachment walker (see walk.h): one pass over the attachment
 * tree that opens archives (unpack.c), OneNote sections (onenote.c) and
 * disk images, decodes the files HTML attachments smuggle (walk_html.c),
 * tries the message's password candidates (password.c) on
 * encrypted members, and adds every member as a child node.
 *
 * Iterative: a work stack of nodes, so a hostile tree cannot exhaust the C
 * stack.  Every limit that is hit, and every corrupt object, becomes a line
 * in the `problems` of the node where it happened; after a limit the walker
 * stops expanding that archive tree (everything under the outermost archive
 * it opened), because a 42.zip-style bomb repeats the same limit in every
 * leaf, but it goes on with the message's other attachments.
 *
 * Padding (attach.inflated): a member is streamed through the sink of
 * walk_sink.c, which keeps its head verbatim and, after the head, drops long
 * runs of one repeated byte.  A padded member trips the compression ratio
 * limit while streaming; when the stream at that point is a long run and
 * there was real content before it, the member is read once more without
 * the ratio limit (padding is cheap to inflate) so that the content before
 * the trailing padding is found.  Kept bytes count against LimitArchiveBytes;
 * dropped padding counts against a separate budget of WALK_PAD_FACTOR times
 * LimitArchiveBytes, and against the scan deadline.
 *
 * Nothing is ever written to disk: member names are only data.
 */
#include "walk.h"

#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attachment.h"
#include "ole.h"
#include "onenote.h"
#include "password.h"
#include "unpack.h"
#include "walk_int.h"

/* An archive this large that lists no member is unreadable, not empty
 * (an empty ZIP is 22 bytes, an empty tar 10 KiB of zeros). */
#define WALK_EMPTY_MIN 16384

#define WALK_PAD_FACTOR 4u            /* padding budget: x LimitArchiveBytes */
#define WALK_RATIO_FLOOR (1u << 20)   /* small, compressible files are normal */

typedef enum walk_kind {
	WALK_KIND_NONE = 0,
	WALK_KIND_ARCHIVE, /* through unpack.c */
	WALK_KIND_ONENOTE,
	WALK_KIND_IMAGE,   /* VHD, VHDX, IMG: nothing can read them */
	WALK_KIND_OLE,     /* OLE2 compound file: walk_office.c */
} walk_kind_t;

/* What the walker knows about a node before opening it. */
typedef struct walk_type {
	walk_kind_t kind;
	const char *mime;      /* format for unpack_open */
	const char *container; /* for the members, or the image's name */
} walk_type_t;


/* One archive being read. */
typedef struct walk_arch {
	walk_state_t *st;
	emg_attachment_t *node;
	const walk_type_t *type;
	unpack_t *u;
	const char *container;
	bool raw;        /* a bare gzip/bzip2/xz stream: one member */
	long good_pw;    /* candidate that opened a member, or -1 */
	bool pw_gave_up; /* no candidate opened a member: try no more */
	bool stop;       /* a limit was hit: read no further members */
	bool document;   /* an OOXML/ODF package: embedded files only */
} walk_arch_t;

/* ---- the tree ----------------------------------------------------------------- */

/* The outermost archive opened by the walker that holds NODE (or NODE). */
static emg_attachment_t *
walk_top(emg_attachment_t *node)
{
	emg_attachment_t *top = node;
	for (emg_attachment_t *p = node->parent; p != NULL; p = p->parent)
		if (p->expanded)
			top = p;
	return top;
}

static bool
walk_is_stopped(const walk_state_t *st, emg_attachment_t *node)
{
	if (st->n_stopped == 0)
		return false;
	emg_attachment_t *top = walk_top(node);
	for (size_t i = 0; i < st->n_stopped; i++)
		if (st->stopped[i] == top)
			return true;
	return false;
}

emg_status_t
walk_stop_tree(walk_state_t *st, emg_attachment_t *node)
{
	emg_attachment_t *top = walk_top(node);
	if (walk_is_stopped(st, node))
		return EMG_OK;
	if (st->n_stopped == st->cap_stopped) {
		size_t cap = st->cap_stopped ? st->cap_stopped * 2 : 8;
		emg_attachment_t **v = realloc(st->stopped, cap * sizeof(*v));
		if (v == NULL)
			return EMG_ENOMEM;
		st->stopped = v;
		st->cap_stopped = cap;
	}
	st->stopped[st->n_stopped++] = top;
	return EMG_OK;
}

static emg_status_t
walk_push(walk_state_t *st, emg_attachment_t *node)
{
	if (st->n_work == st->cap_work) {
		size_t cap = st->cap_work ? st->cap_work * 2 : 32;
		if (cap > SIZE_MAX / sizeof(*st->work))
			return EMG_ENOMEM;
		emg_attachment_t **v = realloc(st->work, cap * sizeof(*v));
		if (v == NULL)
			return EMG_ENOMEM;
		st->work = v;
		st->cap_work = cap;
	}
	st->work[st->n_work++] = node;
	return EMG_OK;
}

unsigned
walk_archive_level(const emg_attachment_t *node)
{
	unsigned n = 0;
	for (const emg_attachment_t *p = node->parent; p != NULL; p = p->parent)
		if (p->expanded)
			n++;
	return n;
}

bool
walk_timed_out(walk_state_t *st, emg_attachment_t *node, const char *what)
{
	if (st->timed_out)
		return true;
	if (limits_now_ms() <= st->ctx->deadline_ms)
		return false;
	st->timed_out = true;
	(void)attachment_problem(node, "LimitScanTime %ums reached: %s",
	                         st->lim->scan_time_ms, what);
	return true;
}


/* ---- what a node is ----------------------------------------------------------- */

static const walk_type_t walk_types[] = {
	{WALK_KIND_ARCHIVE, "application/zip", "zip"},
	{WALK_KIND_ARCHIVE, "application/x-zip-compressed", "zip"},
	{WALK_KIND_ARCHIVE, "application/x-zip", "zip"},
	{WALK_KIND_ARCHIVE, "application/x-7z-compressed", "7z"},
	{WALK_KIND_ARCHIVE, "application/x-rar", "rar"},
	{WALK_KIND_ARCHIVE, "application/vnd.rar", "rar"},
	{WALK_KIND_ARCHIVE, "application/x-rar-compressed", "rar"},
	{WALK_KIND_ARCHIVE, "application/x-tar", "tar"},
	{WALK_KIND_ARCHIVE, "application/x-gtar", "tar"},
	{WALK_KIND_ARCHIVE, "application/gzip", "gzip"},
	{WALK_KIND_ARCHIVE, "application/x-gzip", "gzip"},
	{WALK_KIND_ARCHIVE, "application/x-bzip2", "bzip2"},
	{WALK_KIND_ARCHIVE, "application/x-bzip", "bzip2"},
	{WALK_KIND_ARCHIVE, "application/x-xz", "xz"},
	{WALK_KIND_ARCHIVE, "application/x-lzma", "xz"},
	{WALK_KIND_ARCHIVE, "application/zstd", "zstd"},
	{WALK_KIND_ARCHIVE, "application/vnd.ms-cab-compressed", "cab"},
	{WALK_KIND_ARCHIVE, "application/x-lzh-compressed", "lzh"},
	{WALK_KIND_ARCHIVE, "application/x-lha", "lzh"},
	{WALK_KIND_ARCHIVE, "application/x-lzh", "lzh"},
	{WALK_KIND_ARCHIVE, "application/x-iso9660-image", "iso"},
	{WALK_KIND_ARCHIVE, "application/x-cpio", "cpio"},
};

static const walk_type_t walk_onenote = {WALK_KIND_ONENOTE, NULL, "onenote"};
static const walk_type_t walk_ole = {WALK_KIND_OLE, NULL, "ole"};
static const walk_type_t walk_udf = {WALK_KIND_ARCHIVE,
                                     "application/x-iso9660-image", "iso"};
static const walk_type_t walk_vhd = {WALK_KIND_IMAGE, NULL, "VHD image"};
static const walk_type_t walk_vhdx = {WALK_KIND_IMAGE, NULL, "VHDX image"};
static const walk_type_t walk_img = {WALK_KIND_IMAGE, NULL, "IMG disk image"};

static bool
walk_has_ext(const char *name, const char *ext)
{
	if (name == NULL)
		return false;
	size_t n = strlen(name), e = strlen(ext);
	return n > e && strcasecmp(name + n - e, ext) == 0;
}

/* VHD, VHDX and raw disk images, which libarchive cannot read: from their
 * cookies ("conectix" in the VHD footer, at the end or copied at the
 * start; "vhdxfile" at the start), or from the name and boot sector. */
static const walk_type_t *
walk_image_type(const emg_attachment_t *a)
{
	const uint8_t *d = a->data;
	size_t n = a->data ? a->size : 0;
	if (n >= 8 && memcmp(d, "vhdxfile", 8) == 0)
		return &walk_vhdx;
	if ((n >= 8 && memcmp(d, "conectix", 8) == 0) ||
	    (n >= 512 && memcmp(d + n - 512, "conectix", 8) == 0))
		return &walk_vhd;
	bool octet = a->real_type == NULL ||
	             strcmp(a->real_type, "application/octet-stream") == 0;
	const char *desc = a->real_desc ? a->real_desc : "";
	if (strstr(desc, "DOS/MBR boot sector") != NULL ||
	    (octet && (walk_has_ext(a->name, ".img") ||
	               walk_has_ext(a->name, ".ima") ||
	               walk_has_ext(a->name, ".vhd") ||
	               walk_has_ext(a->name, ".vhdx"))))
		return &walk_img;
	return NULL;
}

/* An octet stream with a ZIP end-of-central-directory record in its last
 * 64 KiB (the record plus the longest comment). */
static bool
walk_zip_tail(const emg_attachment_t *a)
{
	if (a->real_type != NULL &&
	    strcmp(a->real_type, "application/octet-stream") != 0)
		return false;
	if (a->size < 22)
		return false;
	size_t from = a->size > 65557 ? a->size - 65557 : 0;
	for (size_t i = a->size - 22 + 1; i-- > from;)
		if (memcmp(a->data + i, "PK\5\6", 4) == 0)
			return true;
	return false;
}

/* libmagic's types of OOXML documents: the OpenXML family and the
 * macro-enabled Office types ("application/vnd.ms-excel.sheet.macroEnabled
 * .12"; "application/vnd.ms-excel" without a dot is the BIFF format). */
static bool
walk_is_ooxml_type(const char *t)
{
	static const char *const prefixes[] = {
	    "application/vnd.openxmlformats-officedocument.",
	    "application/vnd.ms-word.", "application/vnd.ms-excel.",
	    "application/vnd.ms-powerpoint.",
	};
	for (size_t i = 0; t != NULL && i < sizeof(prefixes) / sizeof(*prefixes);
	     i++)
		if (strncmp(t, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* What NODE is, from its real type (libmagic) and a few byte checks. */
static const walk_type_t *
walk_type_of(const emg_attachment_t *a)
{
	if (a->data == NULL || a->size == 0)
		return NULL;
	if (a->real_type != NULL)
		for (size_t i = 0; i < sizeof(walk_types) / sizeof(walk_types[0]);
		     i++)
			if (strcmp(a->real_type, walk_types[i].mime) == 0)
				return &walk_types[i];
	if (onenote_is_section(a->data, a->size))
		return &walk_onenote;
	if (ole_is_cfb(a->data, a->size))
		return &walk_ole;
	/* An OOXML document (libmagic names it by its content types) is a
	 * ZIP whose embedded files the walker reads (walk_archive). */
	if (walk_is_ooxml_type(a->real_type) && a->size >= 4 &&
	    memcmp(a->data, "PK\3\4", 4) == 0)
		return &walk_types[0];
	const char *desc = a->real_desc ? a->real_desc : "";
	if (strstr(desc, "UDF filesystem") != NULL)
		return &walk_udf;
	/* The last part of a split ZIP starts inside a member: only its
	 * end of central directory, near the end, says ZIP. */
	if (walk_zip_tail(a))
		return &walk_types[0];
	return walk_image_type(a);
}

/* A gzip/bzip2/xz stream is either bare (libarchive's raw format: one
 * member called "data") or holds a tar or cpio, which is what its members
 * come from.  Decided from the member list alone (the walker has never
 * needed unpack_format(): a bare stream's one member is "data"). */
static bool
walk_is_raw(const walk_type_t *t, unpack_t *u)
{
	const unpack_member_t *m = unpack_member(u, 0);
	return (strcmp(t->container, "gzip") == 0 ||
	        strcmp(t->container, "bzip2") == 0 ||
	        strcmp(t->container, "xz") == 0 ||
	        strcmp(t->container, "zstd") == 0) &&
	       unpack_count(u) == 1 && m != NULL && m->name != NULL &&
	       strcmp(m->name, "data") == 0;
}

static const char *
walk_container(const walk_type_t *t, bool raw)
{
	if (raw || (strcmp(t->container, "gzip") != 0 &&
	            strcmp(t->container, "bzip2") != 0 &&
	            strcmp(t->container, "xz") != 0 &&
	            strcmp(t->container, "zstd") != 0))
		return t->container;
	return "tar";
}

/* OOXML and ODF documents are ZIPs, but the Office analyzer reads them:
 * an OPC package has [Content_Types].xml somewhere in its list, an ODF
 * one starts with "mimetype". */
static bool
walk_is_document(unpack_t *u)
{
	const unpack_member_t *m = unpack_member(u, 0);
	if (m != NULL && m->name != NULL && strcmp(m->name, "mimetype") == 0)
		return true;
	for (size_t i = 0; i < unpack_count(u); i++) {
		m = unpack_member(u, i);
		if (m != NULL && m->name != NULL &&
		    strcmp(m->name, "[Content_Types].xml") == 0)
			return true;
	}
	return false;
}

/* ---- members -------------------------------------------------------------- */

/* Limits for an unpack handle: the message's byte budget and the padding
 * budget bound everything streamed from it; RATIO off for the second read
 * of a padded member. */
static unpack_limits_t
walk_limits(const walk_state_t *st, bool ratio)
{
	unpack_limits_t l = {
		.max_files = st->lim->archive_files,
		.max_bytes = walk_add_sat(walk_add_sat(st->bytes_left,
		                                       st->pad_left), 1),
		.max_ratio = ratio ? st->lim->compression_ratio : 0,
		.ratio_floor = WALK_RATIO_FLOOR,
	};
	return l;
}

emg_status_t
walk_passwords(walk_state_t *st)
{
	if (st->pw_ready)
		return EMG_OK;
	st->pw_ready = true;
	const emg_message_t *m = st->msg;
	emg_status_t rc = password_candidates(
	    m->subject, m->text, m->text ? m->text_len : 0,
	    &st->ctx->cfg->archive_passwords, st->lim->password_candidates,
	    &st->pw);
	return rc == EMG_EINVAL ? EMG_OK : rc;
}

/* Methods libzip decrypts; others are probed before trying candidates. */
static bool
walk_zip_method(const char *m)
{
	return m != NULL && (strcmp(m, "zipcrypto") == 0 ||
	                     strncmp(m, "aes", 3) == 0);
}

/* Read member I with candidate K into S.  True when it is decided (read,
 * corrupt, a limit): false when the password was wrong after all. */
static bool
walk_read_with(walk_arch_t *a, size_t i, const char *pw, walk_sink_t *s,
               unpack_result_t *res, char *why, size_t whylen)
{
	emg_status_t rc = unpack_read(a->u, i, pw, walk_sink_fn, s, res, why,
	                              whylen);
	if (rc == EMG_ENOMEM)
		s->stop = WALK_STOP_NOMEM;
	if (*res != UNPACK_RESULT_BAD_PASSWORD)
		return true;
	/* A password that passed the cheap check but was wrong. */
	walk_sink_start(s, s->deadline, s->kept_max, s->pad_max);
	return false;
}

/* An encrypted member: try the candidates (the one that opened an earlier
 * member first), reading with the first that passes the check.  *USED is
 * the candidate's index, or -1 when none opened it. */
static emg_status_t
walk_read_encrypted(walk_arch_t *a, size_t i, emg_attachment_t *child,
                    walk_sink_t *s, unpack_result_t *res, long *used,
                    char *why, size_t whylen)
{
	walk_state_t *st = a->st;
	const unpack_member_t *m = unpack_member(a->u, i);
	*used = -1;
	*res = UNPACK_RESULT_BAD_PASSWORD;
	emg_status_t rc = walk_passwords(st);
	if (rc != EMG_OK)
		return rc;
	if (!walk_zip_method(m->method)) {
		/* 7z AES, RAR: libarchive 3.6 may not decrypt them at all;
		 * a probe read says so without spending every candidate. */
		const char *probe = st->pw.n > 0 ? st->pw.v[0].text : "";
		if (walk_read_with(a, i, probe, s, res, why, whylen)) {
			if (*res != UNPACK_RESULT_UNSUPPORTED && st->pw.n > 0)
				*used = 0;
			return EMG_OK;
		}
	}
	if (a->pw_gave_up)
		return EMG_OK;
	for (long j = -1; j < (long)st->pw.n; j++) {
		long k = j < 0 ? a->good_pw : j;
		if (k < 0 || (j >= 0 && k == a->good_pw))
			continue;
		if (walk_timed_out(st, child, "password candidates not all tried"))
			return EMG_OK;
		const char *pw = st->pw.v[k].text;
		if (!unpack_password_ok(a->u, i, pw))
			continue;
		if (walk_read_with(a, i, pw, s, res, why, whylen)) {
			*used = k;
			a->good_pw = k;
			return EMG_OK;
		}
	}
	a->pw_gave_up = true;
	*res = UNPACK_RESULT_BAD_PASSWORD;
	return EMG_OK;
}

/* Read member I again without the ratio limit: it stopped in padding, and
 * the content before the trailing padding is what must be scanned. */
static emg_status_t
walk_reread(walk_arch_t *a, size_t i, const char *pw, walk_sink_t *s,
            unpack_result_t *res, char *why, size_t whylen)
{
	walk_state_t *st = a->st;
	unpack_limits_t lim = walk_limits(st, false);
	unpack_t *u2 = NULL;
	emg_status_t rc = unpack_open(a->node->data, a->node->size,
	                              a->type->mime, &lim, &u2, why, whylen);
	if (rc != EMG_OK)
		return rc == EMG_ENOMEM ? rc : EMG_EPARSE;
	walk_sink_start(s, st->ctx->deadline_ms, st->bytes_left, st->pad_left);
	rc = unpack_read(u2, i, pw, walk_sink_fn, s, res, why, whylen);
	unpack_close(u2);
	if (rc == EMG_ENOMEM)
		s->stop = WALK_STOP_NOMEM;
	return EMG_OK;
}

/* Turn how the read of CHILD ended into problems; true when a limit was
 * hit (the archive tree stops there). */
static bool
walk_read_outcome(walk_arch_t *a, emg_attachment_t *child, const walk_sink_t *s,
                  unpack_result_t res, const char *why)
{
	const emg_limits_t *lim = a->st->lim;
	/* unpack's byte limit is the kept bytes plus the padding budget;
	 * the sink keeps the first, so a stream stopped in padding ran out
	 * of the second. */
	walk_stop_t stop = s->stop;
	if (stop == WALK_STOP_NONE && res == UNPACK_RESULT_LIMIT_BYTES &&
	    walk_sink_padded(s))
		stop = WALK_STOP_PAD;
	switch (stop) {
	case WALK_STOP_TIME:
		a->st->timed_out = true;
		(void)attachment_problem(child, "LimitScanTime %ums reached: "
		                         "not read to the end", lim->scan_time_ms);
		return true;
	case WALK_STOP_BYTES:
		(void)attachment_problem(child, "LimitArchiveBytes %llu reached",
		                         (unsigned long long)lim->archive_bytes);
		return true;
	case WALK_STOP_PAD:
		(void)attachment_problem(
		    child, "padding not read to the end: over %u x "
		    "LimitArchiveBytes %llu", WALK_PAD_FACTOR,
		    (unsigned long long)lim->archive_bytes);
		return true;
	default:
		break;
	}
	switch (res) {
	case UNPACK_RESULT_LIMIT_BYTES:
		(void)attachment_problem(child, "LimitArchiveBytes %llu reached",
		                         (unsigned long long)lim->archive_bytes);
		return true;
	case UNPACK_RESULT_LIMIT_RATIO:
		(void)attachment_problem(child, "LimitCompressionRatio %u "
		                         "exceeded", lim->compression_ratio);
		return true;
	case UNPACK_RESULT_CORRUPT:
		(void)attachment_problem(child, "corrupt %s member: %s",
		                         a->container, why[0] ? why : "bad data");
		return false;
	case UNPACK_RESULT_UNSUPPORTED:
		/* Said once on the archive, not once per member. */
		child->password_failed = true;
		(void)attachment_problem(
		    a->node, "members encrypted with %s, which this build "
		    "cannot decrypt", child->enc_method ? child->enc_method
		                                        : "?");
		return false;
	case UNPACK_RESULT_BAD_PASSWORD:
		child->password_failed = true;
		return false;
	default:
		return false;
	}
}

/* Give CHILD what the sink kept, and identify it. */
static emg_status_t
walk_take(walk_state_t *st, emg_attachment_t *child, walk_sink_t *s,
          bool complete)
{
	walk_sink_finish(s);
	/* Give back the slack of the doubling. */
	uint8_t *d = realloc(s->buf, s->len ? s->len : 1);
	if (d == NULL)
		return EMG_ENOMEM; /* S->buf is still the caller's to free */
	s->buf = NULL;
	free(child->data);
	child->data = d;
	child->size = s->len;
	if (s->dropped > 0) {
		child->inflated = true;
		child->full_size = s->seen;
		if (!complete && child->declared_size > s->seen)
			child->full_size = child->declared_size;
	}
	st->bytes_left -= s->len <= st->bytes_left ? s->len : st->bytes_left;
	st->pad_left -= s->dropped <= st->pad_left ? s->dropped : st->pad_left;
	message_attachment_identify(child, st->ctx->magic);
	return EMG_OK;
}

/* A bare gzip/bzip2/xz stream has one member that libarchive calls "data":
 * name it after the stream ("report.doc.gz" holds "report.doc"). */
static char *
walk_raw_name(const walk_arch_t *a)
{
	const char *outer = a->node->name;
	if (!a->raw || outer == NULL)
		return NULL;
	const char *dot = strrchr(outer, '.');
	size_t n = dot != NULL && dot != outer ? (size_t)(dot - outer)
	                                       : strlen(outer);
	return strndup(outer, n);
}

/* The node for member M, linked under the archive. */
static emg_attachment_t *
walk_child(walk_arch_t *a, const unpack_member_t *m)
{
	char *raw = walk_raw_name(a);
	emg_attachment_t *c = attachment_new(raw ? raw : m->name, "", 0, false);
	free(raw);
	if (c == NULL)
		return NULL;
	if (attachment_add_child(a->node, c) != 0) {
		attachment_free(c);
		return NULL;
	}
	c->container = a->container;
	c->declared_size = m->size;
	c->unsafe_name = m->unsafe_name;
	if (m->encrypted) {
		c->encrypted = true;
		c->enc_method = m->method;
		a->node->encrypted = true;
		if (a->node->enc_method == NULL)
			a->node->enc_method = m->method;
	}
	return c;
}

/* Record which candidate opened CHILD, or that none did. */
static emg_status_t
walk_opened(walk_arch_t *a, emg_attachment_t *child, long used,
            unpack_result_t res)
{
	if (res == UNPACK_RESULT_BAD_PASSWORD ||
	    res == UNPACK_RESULT_UNSUPPORTED) {
		a->node->password_failed = true;
		return EMG_OK;
	}
	const char *src = used >= 0 ? a->st->pw.v[used].source
	                            : "empty password";
	if ((child->opened_with = strdup(src)) == NULL)
		return EMG_ENOMEM;
	if (a->node->opened_with == NULL &&
	    (a->node->opened_with = strdup(src)) == NULL)
		return EMG_ENOMEM;
	return EMG_OK;
}

/* Read member I into CHILD through the padding-aware sink. */
static emg_status_t
walk_read_member(walk_arch_t *a, size_t i, emg_attachment_t *child,
                 walk_sink_t *s, unpack_result_t *res, bool *padded,
                 char *why, size_t whylen)
{
	walk_state_t *st = a->st;
	const unpack_member_t *m = unpack_member(a->u, i);
	long used = -1;
	emg_status_t rc = EMG_OK;
	*padded = false;
	if (m->encrypted) {
		rc = walk_read_encrypted(a, i, child, s, res, &used, why,
		                         whylen);
	} else if (unpack_read(a->u, i, NULL, walk_sink_fn, s, res, why,
	                       whylen) == EMG_ENOMEM) {
		rc = EMG_ENOMEM;
	}
	if (rc != EMG_OK || s->stop == WALK_STOP_NOMEM)
		return EMG_ENOMEM;
	if ((*res == UNPACK_RESULT_LIMIT_RATIO ||
	     *res == UNPACK_RESULT_LIMIT_BYTES) &&
	    s->stop == WALK_STOP_NONE && walk_sink_padded(s)) {
		*padded = true;
		/* Only padding with content before it is worth reading to
		 * its end: a member of nothing but zeros is a bomb. */
		if (!s->uniform && st->pad_left > 0) {
			const char *pw = used >= 0 ? st->pw.v[used].text : NULL;
			if (m->encrypted && used < 0)
				pw = "";
			rc = walk_reread(a, i, pw, s, res, why, whylen);
			if (rc == EMG_ENOMEM || s->stop == WALK_STOP_NOMEM)
				return EMG_ENOMEM;
			/* Read again: what it dropped says if it is padded. */
			*padded = rc != EMG_OK;
		}
	}
	if (m->encrypted)
		return walk_opened(a, child, used, *res);
	return EMG_OK;
}

/* Member I of the archive: a child node with its content. */
static emg_status_t
walk_member(walk_arch_t *a, size_t i, bool *limit)
{
	walk_state_t *st = a->st;
	const unpack_member_t *m = unpack_member(a->u, i);
	if (m == NULL || m->is_dir)
		return EMG_OK;
	if (a->document && !walk_office_is_embedding(m->name))
		return EMG_OK;
	if (walk_timed_out(st, a->node, "members not all read")) {
		a->stop = true;
		return EMG_OK;
	}
	emg_attachment_t *child = walk_child(a, m);
	if (child == NULL)
		return EMG_ENOMEM;
	if (st->bytes_left == 0) {
		*limit = a->stop = true;
		return attachment_problem(child, "LimitArchiveBytes %llu reached",
		                          (unsigned long long)
		                              st->lim->archive_bytes) == 0
		           ? EMG_OK
		           : EMG_ENOMEM;
	}
	walk_sink_t s = {0};
	walk_sink_start(&s, st->ctx->deadline_ms, st->bytes_left, st->pad_left);
	unpack_result_t res = UNPACK_RESULT_OK;
	char why[256] = "";
	bool padded = false;
	emg_status_t rc = walk_read_member(a, i, child, &s, &res, &padded, why,
	                                   sizeof(why));
	if (rc != EMG_OK) {
		free(s.buf);
		return rc;
	}
	bool complete = res == UNPACK_RESULT_OK && s.stop == WALK_STOP_NONE;
	if (walk_read_outcome(a, child, &s, res, why))
		*limit = a->stop = true;
	if (res == UNPACK_RESULT_BAD_PASSWORD ||
	    res == UNPACK_RESULT_UNSUPPORTED) {
		free(s.buf);
		return EMG_OK;
	}
	rc = walk_take(st, child, &s, complete);
	free(s.buf); /* NULL unless walk_take failed */
	if (padded && !child->inflated) {
		child->inflated = true;
		child->full_size = child->declared_size > s.seen
		                       ? child->declared_size
		                       : s.seen;
	}
	return rc;
}

/* ---- containers ------------------------------------------------------------- */

/* What the listing itself says: too many members, damage, 7z headers
 * that cannot be decrypted. */
static emg_status_t
walk_listing(walk_arch_t *a, const char *why, bool *limit)
{
	emg_attachment_t *node = a->node;
	const emg_limits_t *lim = a->st->lim;
	int r = 0;
	if (unpack_headers_encrypted(a->u)) {
		node->encrypted = true;
		node->password_failed = true;
		node->enc_method = "7z-aes";
		r = attachment_problem(node, "encrypted 7z member list: this "
		                       "build cannot decrypt 7z");
	} else if (unpack_truncated(a->u) && lim->archive_files != 0 &&
	           unpack_count(a->u) >= lim->archive_files) {
		*limit = true;
		r = attachment_problem(node, "LimitArchiveFiles %u reached",
		                       lim->archive_files);
	} else if (unpack_truncated(a->u)) {
		r = attachment_problem(node, "corrupt %s: %s", a->container,
		                       why[0] ? why : "listing stopped early");
	}
	return r == 0 ? EMG_OK : EMG_ENOMEM;
}

/* Open NODE as an archive and add its members. */
static emg_status_t
walk_archive(walk_state_t *st, emg_attachment_t *node, const walk_type_t *t)
{
	char why[256] = "";
	unpack_limits_t lim = walk_limits(st, true);
	unpack_t *u = NULL;
	emg_status_t rc = unpack_open(node->data, node->size, t->mime, &lim, &u,
	                              why, sizeof(why));
	if (rc == EMG_ENOMEM)
		return rc;
	if (rc != EMG_OK)
		return attachment_problem(node, "corrupt %s: %s", t->container,
		                          why[0] ? why : "not readable") == 0
		           ? EMG_OK
		           : EMG_ENOMEM;
	walk_arch_t a = {
	    .st = st, .node = node, .type = t, .u = u, .good_pw = -1,
	};
	/* An OOXML or ODF document: only the files embedded in it are
	 * members to the walker; its parts are the Office analyzer's. */
	a.document = strcmp(t->container, "zip") == 0 && walk_is_document(u);
	a.raw = walk_is_raw(t, u);
	a.container = a.document ? "ooxml" : walk_container(t, a.raw);
	node->expanded = true;
	bool limit = false;
	rc = walk_listing(&a, why, &limit);
	for (size_t i = 0; rc == EMG_OK && !a.stop && i < unpack_count(u); i++)
		rc = walk_member(&a, i, &limit);
	unpack_close(u);
	/* A document is a container only when it carried embedded files. */
	if (a.document)
		node->expanded = node->n_children > 0;
	/* An archive or image of real size that yields no file is a variant
	 * the reader does not understand (an ISO 9660 image without Joliet
	 * lists only "." in libarchive 3.6), not an empty one: saying nothing
	 * would be a silent pass. */
	if (rc == EMG_OK && !a.document && node->n_children == 0 &&
	    node->problems.n == 0 && node->size >= WALK_EMPTY_MIN &&
	    attachment_problem(node, "no file could be read from this %s of "
	                       "%zu bytes (unsupported variant)", a.container,
	                       node->size) != 0)
		rc = EMG_ENOMEM;
	if (rc == EMG_OK && limit)
		rc = walk_stop_tree(st, node);
	return rc;
}

/* A OneNote section: each embedded file becomes a child. */
static emg_status_t
walk_onenote_files(walk_state_t *st, emg_attachment_t *node)
{
	const emg_limits_t *lim = st->lim;
	size_t max = lim->archive_files ? lim->archive_files : SIZE_MAX;
	onenote_file_t *f = NULL;
	size_t nf = 0;
	char why[256] = "";
	emg_status_t rc = onenote_embedded(node->data, node->size, max, &f, &nf,
	                                   why, sizeof(why));
	if (rc == EMG_ENOMEM) {
		free(f);
		return rc;
	}
	node->expanded = true;
	int r = 0;
	if (rc == EMG_EPARSE) /* EMG_ELIMIT is reported just below */
		r = attachment_problem(node, "corrupt onenote: %s",
		                       why[0] ? why : "bad data");
	bool limit = (rc == EMG_ELIMIT || nf >= max) && max != SIZE_MAX;
	if (r == 0 && limit)
		r = attachment_problem(node, "LimitArchiveFiles %u reached",
		                       lim->archive_files);
	for (size_t i = 0; r == 0 && i < nf; i++) {
		if (f[i].offset > node->size || f[i].len > node->size - f[i].offset)
			continue; /* onenote.c promises slices; be sure */
		if ((uint64_t)f[i].len > st->bytes_left) {
			limit = true;
			r = attachment_problem(node, "LimitArchiveBytes %llu "
			                       "reached", (unsigned long long)
			                       lim->archive_bytes);
			break;
		}
		char name[32];
		snprintf(name, sizeof(name), "embedded-%zu", i + 1);
		if (walk_add_child(st, node, name, node->data + f[i].offset,
		                   f[i].len, false, "onenote") == NULL) {
			r = -1;
			break;
		}
	}
	free(f);
	if (r != 0)
		return EMG_ENOMEM;
	return limit ? walk_stop_tree(st, node) : EMG_OK;
}

emg_attachment_t *
walk_add_child(walk_state_t *st, emg_attachment_t *node, const char *name,
               void *data, size_t len, bool take, const char *container)
{
	emg_attachment_t *c = attachment_new(name, data, len, take);
	if (c == NULL) {
		if (take)
			free(data);
		return NULL;
	}
	if (attachment_add_child(node, c) != 0) {
		attachment_free(c);
		return NULL;
	}
	c->container = container;
	c->declared_size = len;
	st->bytes_left = (uint64_t)len < st->bytes_left ? st->bytes_left - len
	                                                : 0;
	message_attachment_identify(c, st->ctx->magic);
	return c;
}

/* Open NODE if it is a container; its children are then on the tree. */
static emg_status_t
walk_node(walk_state_t *st, emg_attachment_t *node)
{
	const walk_type_t *t = walk_type_of(node);
	if (t == NULL)
		return attachment_is_html(node) ? walk_html(st, node) : EMG_OK;
	if (t->kind == WALK_KIND_IMAGE) {
		node->expanded = false;
		return attachment_problem(node, "%s: contents not readable",
		                          t->container) == 0
		           ? EMG_OK
		           : EMG_ENOMEM;
	}
	if (walk_timed_out(st, node, "not opened"))
		return EMG_OK;
	unsigned level = walk_archive_level(node);
	if (level >= st->lim->archive_depth) {
		if (attachment_problem(node, "LimitArchiveDepth %u reached: "
		                       "%s not opened", st->lim->archive_depth,
		                       t->container) != 0)
			return EMG_ENOMEM;
		return walk_stop_tree(st, node);
	}
	if (st->bytes_left == 0) {
		if (attachment_problem(node, "LimitArchiveBytes %llu reached: "
		                       "%s not opened", (unsigned long long)
		                       st->lim->archive_bytes, t->container) != 0)
			return EMG_ENOMEM;
		return EMG_OK;
	}
	if (t->kind == WALK_KIND_ONENOTE)
		return walk_onenote_files(st, node);
	if (t->kind == WALK_KIND_OLE)
		return walk_office_ole(st, node);
	return walk_archive(st, node, t);
}

/* ---- API ---------------------------------------------------------------------- */

/* Visit ROOT's tree depth-first, children in order. */
static emg_status_t
walk_tree(walk_state_t *st, emg_attachment_t *root)
{
	st->n_work = 0;
	emg_status_t rc = walk_push(st, root);
	while (rc == EMG_OK && st->n_work > 0) {
		emg_attachment_t *node = st->work[--st->n_work];
		if (st->timed_out || walk_is_stopped(st, node))
			continue;
		rc = walk_node(st, node);
		if (walk_is_stopped(st, node))
			continue;
		for (size_t i = node->n_children; rc == EMG_OK && i > 0; i--)
			rc = walk_push(st, node->children[i - 1]);
	}
	return rc;
}

emg_status_t
walk_expand(emg_message_t *msg, const walk_ctx_t *ctx)
{
	if (msg == NULL || ctx == NULL || ctx->cfg == NULL)
		return EMG_EINVAL;
	const emg_limits_t *lim = &ctx->cfg->limits;
	walk_state_t st = {
	    .ctx = ctx,
	    .lim = lim,
	    .msg = msg,
	    .bytes_left = lim->archive_bytes ? lim->archive_bytes : UINT64_MAX,
	};
	st.pad_left = lim->archive_bytes && lim->archive_bytes <=
	                                        UINT64_MAX / WALK_PAD_FACTOR
	                  ? lim->archive_bytes * WALK_PAD_FACTOR
	                  : UINT64_MAX;
	emg_status_t rc = EMG_OK;
	for (size_t i = 0; rc == EMG_OK && i < msg->n_attachments; i++)
		rc = walk_tree(&st, msg->attachments[i]);
	password_list_free(&st.pw);
	free(st.stopped);
	free(st.work);
	return rc;
}
