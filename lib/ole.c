/*
 * ole.c - OLE2 compound files through libgsf (see ole.h).
 *
 * libgsf reads the whole sector allocation table when it opens a file and
 * checks the chains it follows, so a broken FAT, a loop or a stream size
 * past the end comes back as an error from gsf_infile_msole_new or from
 * gsf_input_read, never as a read outside the buffer.  What libgsf does not
 * bound is how much we ask of it: every read here is capped by the caller's
 * MAX, and the directory walk by OLE_MAX_ENTRIES and OLE_MAX_DEPTH.
 *
 * libgsf also tells about every damaged file through g_log warnings and
 * critical messages on stderr.  For a mail filter those are input, not
 * program faults: the walker reports them as a finding, and an
 * administrator's log must not fill with them.  The first ole_open routes
 * libgsf's log domains (and its one domain-less message, "Unable to get
 * child ...") to a handler that drops them; every other message of the
 * process still goes to GLib's default handler.  What libgsf says while a
 * file is being opened is kept (ole_damage): a file it opened by dropping
 * part of its directory must not look sound to the walker.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gsf/gsf.h>

#include "ole.h"

struct ole_file {
	GsfInput *input;
	GsfInfile *root;
	char *damage; /* libgsf's first complaint while opening, or NULL */
};

/* What libgsf said while this thread was inside gsf_infile_msole_new: its
 * log is the only place where it tells that it dropped a directory entry
 * (a cycle) or followed a broken chain and went on.  Thread-local because
 * the log handler is process-wide and every scanner thread opens its own
 * files; only ole_open and the handler, in the same thread, touch it. */
#define OLE_DAMAGE_MAX 160
static _Thread_local struct {
	bool opening;
	unsigned n;
	char first[OLE_DAMAGE_MAX];
} ole_said;

static const uint8_t ole_magic[8] = {0xd0, 0xcf, 0x11, 0xe0,
                                     0xa1, 0xb1, 0x1a, 0xe1};

static const char *const ole_gsf_domains[] = {
	"libgsf", "libgsf:msole", "libgsf:open_pkg", "libgsf:tar",
};

static void
ole_drop_gsf_log(const gchar *domain, GLogLevelFlags level, const gchar *msg,
                 gpointer data)
{
	(void)data;
	if (domain != NULL && msg != NULL && ole_said.opening &&
	    ole_said.n++ == 0) {
		/* Its first two lines as one ("This OLE2 file is invalid.\n
		 * The Block Allocation Table ... had X instead of ..."); the
		 * assertion that guards libgsf's directory walk says in its
		 * own terms that an entry was met twice. */
		const char *m = strstr(msg, "seen_before") != NULL
		                    ? "a directory entry is reached twice "
		                      "(entries in a cycle)"
		                    : msg;
		size_t i = 0;
		for (unsigned lines = 0;
		     m[i] != '\0' && i + 1 < OLE_DAMAGE_MAX &&
		     !(m[i] == '\n' && ++lines == 2);
		     i++)
			ole_said.first[i] = m[i] == '\n' ? ' ' : m[i];
		ole_said.first[i] = '\0';
	}
	if (domain == NULL && msg != NULL &&
	    strncmp(msg, "Unable to get child", 19) != 0)
		g_log_default_handler(domain, level, msg, NULL);
}

static pthread_once_t ole_log_once = PTHREAD_ONCE_INIT;

static void
ole_quiet_gsf(void)
{
	GLogLevelFlags levels = G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL |
	                        G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
	                        G_LOG_LEVEL_DEBUG;
	for (size_t i = 0; i < sizeof(ole_gsf_domains) /
	                            sizeof(ole_gsf_domains[0]); i++)
		g_log_set_handler(ole_gsf_domains[i], levels, ole_drop_gsf_log,
		                  NULL);
	g_log_set_handler(NULL, G_LOG_LEVEL_WARNING, ole_drop_gsf_log, NULL);
}

bool
ole_is_cfb(const uint8_t *d, size_t n)
{
	return d != NULL && n >= sizeof(ole_magic) &&
	       memcmp(d, ole_magic, sizeof(ole_magic)) == 0;
}

emg_status_t
ole_open(const uint8_t *data, size_t len, ole_file_t **out, char *why,
         size_t whylen)
{
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	if (!ole_is_cfb(data, len)) {
		if (why != NULL)
			snprintf(why, whylen, "no compound file signature");
		return EMG_EPARSE;
	}
	pthread_once(&ole_log_once, ole_quiet_gsf);
	ole_file_t *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return EMG_ENOMEM;
	f->input = gsf_input_memory_new(data, (gsf_off_t)len, FALSE);
	if (f->input == NULL) {
		free(f);
		return EMG_ENOMEM;
	}
	GError *err = NULL;
	ole_said.opening = true;
	ole_said.n = 0;
	f->root = gsf_infile_msole_new(f->input, &err);
	ole_said.opening = false;
	if (f->root != NULL && ole_said.n > 0 &&
	    (f->damage = strdup(ole_said.first)) == NULL) {
		ole_close(f);
		return EMG_ENOMEM;
	}
	if (f->root == NULL) {
		if (why != NULL)
			snprintf(why, whylen, "%s",
			         err != NULL && err->message != NULL
			             ? err->message
			             : "unreadable compound file");
		if (err != NULL)
			g_error_free(err);
		g_object_unref(f->input);
		free(f);
		return EMG_EPARSE;
	}
	*out = f;
	return EMG_OK;
}

void
ole_close(ole_file_t *f)
{
	if (f == NULL)
		return;
	if (f->root != NULL)
		g_object_unref(f->root);
	if (f->input != NULL)
		g_object_unref(f->input);
	free(f->damage);
	free(f);
}

const char *
ole_damage(const ole_file_t *f)
{
	return f != NULL ? f->damage : NULL;
}

/* The child of DIR called NAME (LEN bytes), case-insensitively: a new
 * reference, or NULL. */
static GsfInput *
ole_child(GsfInfile *dir, const char *name, size_t len)
{
	int n = gsf_infile_num_children(dir);
	for (int i = 0; i < n && i < OLE_MAX_ENTRIES; i++) {
		const char *cn = gsf_infile_name_by_index(dir, i);
		if (cn != NULL && strlen(cn) == len &&
		    g_ascii_strncasecmp(cn, name, len) == 0)
			return gsf_infile_child_by_index(dir, i);
	}
	return NULL;
}

/* The entry at PATH: a new reference, or NULL. */
static GsfInput *
ole_lookup(ole_file_t *f, const char *path)
{
	if (f == NULL || path == NULL)
		return NULL;
	GsfInput *cur = g_object_ref(GSF_INPUT(f->root));
	const char *p = path;
	unsigned depth = 0;
	while (*p != '\0') {
		const char *slash = strchr(p, '/');
		size_t len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len > 0) {
			if (!GSF_IS_INFILE(cur) || ++depth > OLE_MAX_DEPTH) {
				g_object_unref(cur);
				return NULL;
			}
			GsfInput *next = ole_child(GSF_INFILE(cur), p, len);
			g_object_unref(cur);
			if (next == NULL)
				return NULL;
			cur = next;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return cur;
}

bool
ole_has(ole_file_t *f, const char *path)
{
	GsfInput *in = ole_lookup(f, path);
	if (in == NULL)
		return false;
	g_object_unref(in);
	return true;
}

/* A storage is an infile with children, or an empty directory entry that
 * libgsf still models as an infile. */
static bool
ole_is_storage(GsfInput *in)
{
	return GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0;
}

emg_status_t
ole_read(ole_file_t *f, const char *path, size_t max, uint8_t **buf,
         size_t *len)
{
	if (buf == NULL || len == NULL)
		return EMG_EINVAL;
	*buf = NULL;
	*len = 0;
	GsfInput *in = ole_lookup(f, path);
	if (in == NULL)
		return EMG_OK;
	if (ole_is_storage(in)) {
		g_object_unref(in);
		return EMG_OK;
	}
	gsf_off_t size = gsf_input_size(in);
	if (size < 0 || (uint64_t)size > max || (uint64_t)size >= SIZE_MAX) {
		g_object_unref(in);
		return EMG_ELIMIT;
	}
	uint8_t *b = malloc((size_t)size + 1);
	if (b == NULL) {
		g_object_unref(in);
		return EMG_ENOMEM;
	}
	if (size > 0 && gsf_input_read(in, (size_t)size, b) == NULL) {
		free(b);
		g_object_unref(in);
		return EMG_EPARSE;
	}
	b[size] = '\0';
	g_object_unref(in);
	*buf = b;
	*len = (size_t)size;
	return EMG_OK;
}

struct _GsfInfile *
ole_storage(ole_file_t *f, const char *path)
{
	GsfInput *in = ole_lookup(f, path);
	if (in == NULL)
		return NULL;
	if (!ole_is_storage(in)) {
		g_object_unref(in);
		return NULL;
	}
	return GSF_INFILE(in);
}

/* One pending directory of the walk: a storage, its path, its depth. */
typedef struct ole_walk_frame {
	GsfInfile *dir;
	char *path;
	unsigned depth;
} ole_walk_frame_t;

/* Push a frame for storage DIR at PATH (copied); DIR's reference moves to
 * the stack.  Returns EMG_OK or EMG_ENOMEM (DIR is then released). */
static emg_status_t
ole_walk_push(ole_walk_frame_t *stack, size_t *sp, GsfInfile *dir,
              const char *path, unsigned depth)
{
	char *p = strdup(path);
	if (p == NULL) {
		g_object_unref(dir);
		return EMG_ENOMEM;
	}
	stack[*sp] = (ole_walk_frame_t){dir, p, depth};
	(*sp)++;
	return EMG_OK;
}

emg_status_t
ole_walk(ole_file_t *f, ole_visit_fn fn, void *ctx)
{
	if (f == NULL || fn == NULL)
		return EMG_EINVAL;
	/* An explicit stack, never recursion: every storage is pushed once
	 * and counts as an entry, so OLE_MAX_ENTRIES frames always suffice. */
	ole_walk_frame_t *stack = calloc(OLE_MAX_ENTRIES + 1, sizeof(*stack));
	if (stack == NULL)
		return EMG_ENOMEM;
	size_t sp = 0;
	unsigned visited = 0;
	bool stop = false;
	emg_status_t rc = ole_walk_push(stack, &sp,
	                                GSF_INFILE(g_object_ref(f->root)), "", 0);
	while (sp > 0 && !stop && rc == EMG_OK) {
		ole_walk_frame_t fr = stack[--sp];
		int n = gsf_infile_num_children(fr.dir);
		size_t first = sp; /* this storage's sub-storages go from here */
		for (int i = 0; i < n && !stop && rc == EMG_OK; i++) {
			if (++visited > OLE_MAX_ENTRIES) {
				rc = EMG_ELIMIT;
				break;
			}
			const char *name = gsf_infile_name_by_index(fr.dir, i);
			GsfInput *c = gsf_infile_child_by_index(fr.dir, i);
			if (c == NULL)
				continue;
			char path[OLE_PATH_MAX];
			int pl = snprintf(path, sizeof(path), "%s%s%s", fr.path,
			                  fr.path[0] ? "/" : "",
			                  name != NULL ? name : "");
			if (pl < 0 || (size_t)pl >= sizeof(path)) {
				g_object_unref(c);
				rc = EMG_ELIMIT;
				continue;
			}
			bool storage = GSF_IS_INFILE(c) &&
			               gsf_infile_num_children(GSF_INFILE(c)) > 0;
			gsf_off_t size = storage ? 0 : gsf_input_size(c);
			if (fn(ctx, path, size > 0 ? (uint64_t)size : 0,
			       storage) != 0)
				stop = true;
			if (storage && !stop && fr.depth + 1 < OLE_MAX_DEPTH) {
				rc = ole_walk_push(stack, &sp, GSF_INFILE(c),
				                   path, fr.depth + 1);
				continue;
			}
			if (storage && !stop)
				rc = EMG_ELIMIT; /* too deep */
			g_object_unref(c);
		}
		/* Visit sub-storages in directory order: reverse this level. */
		for (size_t a = first, b = sp; a + 1 < b; a++, b--) {
			ole_walk_frame_t t = stack[a];
			stack[a] = stack[b - 1];
			stack[b - 1] = t;
		}
		g_object_unref(fr.dir);
		free(fr.path);
	}
	while (sp > 0) {
		sp--;
		g_object_unref(stack[sp].dir);
		free(stack[sp].path);
	}
	free(stack);
	return rc;
}
