/*
 * cmd_history.c - `emguard history`: manage the thread history that the
 * hijack checks compare replies against.
 *
 *   emguard history import [-c CONF] [--inbound] PATH...
 *       learn the messages under PATH (.eml, mbox, Maildir, directories,
 *       "-"), as sent by us (the default: a Sent folder) or with --inbound
 *       as received (an inbox).  Only the header block of each message is
 *       read.  Idempotent on the Message-ID: "N messages, M new".
 *   emguard history prune [-c CONF] [--older-than DAYS]
 *       remove what is older than DAYS (default HistoryRetention).
 *   emguard history stats [-c CONF]
 *       the number of messages stored.
 *
 * The history lives in the configuration's DataStore.  Without -c the
 * installed emguard.conf is read, as by scan: on the mail server the
 * administrator then seeds the milter's own store.  Exit status: 0 fine,
 * 2 usage, an unreadable input, or a store that failed; a store that
 * fails in the middle of an import stops it (what was recorded stays, and
 * importing again picks up the rest).
 * Uses only the public API of libemguard (emguard.h).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emguard.h"
#include "input.h"
#include "progress.h"

/* --older-than: a century is plenty. */
#define HISTORY_CMD_MAX_DAYS 36500u
/* Above this many files, the progress total is not worth a second walk. */
#define HISTORY_CMD_COUNT_CAP 1000000L
/* Messages recorded per transaction: one commit each instead of one per
 * message, short enough that the milter's writes do not wait long. */
#define HISTORY_CMD_BATCH 200

typedef struct history_opts {
	const char *conf;
	bool inbound;
	long older_than; /* days, or -1 for HistoryRetention */
	char **paths;
	int n_paths;
} history_opts_t;

/* What one import did, for the closing line. */
typedef struct history_tally {
	uint64_t messages; /* with a Message-ID, recorded or known */
	uint64_t added;
	uint64_t no_id;      /* skipped: nothing to key them on */
	uint64_t unreadable; /* inputs or messages that could not be read */
	/* the open batch: counted above once it is committed */
	unsigned batch_messages, batch_added;
} history_tally_t;

static void
history_cmd_usage(FILE *fp)
{
	fputs("usage: emguard history import [-c CONF] [--inbound] PATH...\n"
	      "       emguard history prune [-c CONF] [--older-than DAYS]\n"
	      "       emguard history stats [-c CONF]\n"
	      "import learns sent mail (a Sent Maildir, mbox or .eml files),"
	      " or received mail\nwith --inbound; importing twice changes"
	      " nothing.  prune removes what is older\nthan DAYS (default"
	      " HistoryRetention).  The history is the DataStore of CONF;\n"
	      "without -c the installed emguard.conf (or $EMGUARD_CONF) is"
	      " read when present.\nExit status: 0 fine, 2 usage, I/O or"
	      " store error.\n",
	      fp);
}

/* Parse --older-than: 0..HISTORY_CMD_MAX_DAYS days. */
static bool
history_cmd_days(const char *s, long *out)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    n > HISTORY_CMD_MAX_DAYS)
		return false;
	*out = (long)n;
	return true;
}

/* Parse the options of sub-command ARGV[0] into OPT; returns -1 when fine,
 * else the exit status.  Each sub-command takes only its own options. */
static int
history_cmd_args(int argc, char **argv, history_opts_t *opt)
{
	enum { O_INBOUND = 256, O_OLDER };
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"inbound", no_argument, NULL, O_INBOUND},
	    {"older-than", required_argument, NULL, O_OLDER},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = argv[0];
	bool import = strcmp(cmd, "import") == 0;
	bool prune = strcmp(cmd, "prune") == 0;
	int c;
	opt->older_than = -1;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt->conf = optarg; break;
		case 'h': history_cmd_usage(stdout); return 0;
		case O_INBOUND:
			if (!import)
				goto misplaced;
			opt->inbound = true;
			break;
		case O_OLDER:
			if (!prune)
				goto misplaced;
			if (!history_cmd_days(optarg, &opt->older_than)) {
				fprintf(stderr,
				        "emguard: --older-than wants 0..%u "
				        "days, not %s\n",
				        HISTORY_CMD_MAX_DAYS, optarg);
				return 2;
			}
			break;
		default: history_cmd_usage(stderr); return 2;
		}
	}
	opt->paths = argv + optind;
	opt->n_paths = argc - optind;
	if (import && opt->n_paths <= 0) {
		fprintf(stderr, "emguard: history import: no PATH given\n");
		history_cmd_usage(stderr);
		return 2;
	}
	if (!import && opt->n_paths > 0) {
		fprintf(stderr, "emguard: history %s takes no PATH\n", cmd);
		return 2;
	}
	return -1;
misplaced:
	fprintf(stderr, "emguard: history %s: no such option: %s\n", cmd,
	        argv[optind - 1]);
	return 2;
}

/* Open the DataStore of CFG, or say why not. */
static emg_history_t *
history_cmd_open(const emg_config_t *cfg)
{
	emg_history_t *h = NULL;
	char err[512] = "";
	emg_status_t st = emg_history_open(cfg, &h, err, sizeof(err));
	if (st == EMG_OK)
		return h;
	if (st == EMG_ECONFIG)
		fprintf(stderr,
		        "emguard: history: %s (set DataStore sqlite:PATH or "
		        "postgresql://... in the configuration)\n",
		        err[0] ? err : "bad DataStore");
	else
		fprintf(stderr,
		        "emguard: history: cannot open the DataStore: "
		        "%s\n",
		        err[0] ? err : emg_strerror(st));
	return NULL;
}

/* A store call on H failed: the store's own reason when it has one. */
static void
history_cmd_store_failed(const emg_history_t *h, const char *what,
                         emg_status_t st)
{
	fprintf(stderr, "emguard: history: %s: %s\n", what,
	        st == EMG_EIO ? emg_history_error(h) : emg_strerror(st));
}

/* ---- import -------------------------------------------------------------- */

/* Commit the open batch of H and count it.  Returns 0, or 2 when the
 * store failed (the batch is gone then). */
static int
history_cmd_commit(emg_history_t *h, history_tally_t *t)
{
	if (t->batch_messages == 0)
		return 0;
	emg_status_t st = emg_history_batch_commit(h);
	if (st != EMG_OK) {
		history_cmd_store_failed(h, "commit", st);
		return 2;
	}
	t->messages += t->batch_messages;
	t->added += t->batch_added;
	t->batch_messages = t->batch_added = 0;
	return 0;
}

/* Record the message of IT in H, in batches.  Returns 0, or 2 when the
 * store failed: the import stops, every further message would fail the
 * same way. */
static int
history_cmd_record(emg_history_t *h, const history_opts_t *opt,
                   const input_item_t *it, const emg_history_entry_t *e,
                   history_tally_t *t)
{
	emg_status_t st = EMG_OK;
	if (t->batch_messages == 0)
		st = emg_history_batch_begin(h);
	bool added = false;
	if (st == EMG_OK)
		st = emg_history_record(h, e, !opt->inbound, &added);
	if (st != EMG_OK) {
		history_cmd_store_failed(h, it->label, st);
		if (t->batch_messages > 0)
			fprintf(stderr,
			        "emguard: history: the last %u messages "
			        "before it were not recorded either\n",
			        t->batch_messages);
		emg_history_batch_abort(h);
		t->batch_messages = t->batch_added = 0;
		return 2;
	}
	t->batch_messages++;
	t->batch_added += added;
	return t->batch_messages == HISTORY_CMD_BATCH ? history_cmd_commit(h, t)
	                                              : 0;
}

/* Learn one input item.  Returns 0, or 2 when the import must stop. */
static int
history_cmd_learn(const emg_config_t *cfg, emg_history_t *h,
                  const history_opts_t *opt, const input_item_t *it,
                  history_tally_t *t, progress_t *bar)
{
	if (it->kind == INPUT_ERROR) {
		progress_hide(bar);
		fprintf(stderr, "emguard: %s: %s\n", it->label, it->error);
		t->unreadable++;
		return 0;
	}
	emg_history_entry_t *e = NULL;
	emg_status_t st = emg_history_entry_parse(cfg, it->data, it->len, &e);
	if (st != EMG_OK) {
		progress_hide(bar);
		fprintf(stderr, "emguard: %s: %s\n", it->label,
		        emg_strerror(st));
		t->unreadable++;
		return st == EMG_ENOMEM ? 2 : 0;
	}
	if (e == NULL) {
		t->no_id++;
		return 0;
	}
	int rc = history_cmd_record(h, opt, it, e, t);
	emg_history_entry_free(e);
	return rc;
}

/* Walk every PATH into the store.  Returns 0, or 2 when it had to stop. */
static int
history_cmd_walk(const emg_config_t *cfg, emg_history_t *h,
                 const history_opts_t *opt, history_tally_t *t, progress_t *bar)
{
	for (int i = 0; i < opt->n_paths; i++) {
		input_t *in = input_open(opt->paths[i], 0);
		if (in == NULL)
			goto oom;
		input_item_t item;
		int r = 0, rc = 0;
		/* bounded by the input */
		while (rc == 0 && (r = input_next(in, &item)) > 0) {
			rc = history_cmd_learn(cfg, h, opt, &item, t, bar);
			progress_add(bar, item.len);
			input_item_clear(&item);
		}
		input_close(in);
		if (rc != 0)
			return rc;
		if (r < 0)
			goto oom;
	}
	return history_cmd_commit(h, t);
oom:
	emg_history_batch_abort(h);
	progress_hide(bar);
	fprintf(stderr, "emguard: out of memory\n");
	return 2;
}

static int
history_cmd_import(const emg_config_t *cfg, emg_history_t *h,
                   const history_opts_t *opt)
{
	history_tally_t t = {0};
	progress_t bar;
	bool tty = isatty(STDERR_FILENO);
	progress_init(&bar, tty ? stderr : NULL,
	              tty ? input_count_all(opt->paths, opt->n_paths,
	                                      HISTORY_CMD_COUNT_CAP)
	                    : -1);
	int rc = history_cmd_walk(cfg, h, opt, &t, &bar);
	progress_finish(&bar);
	printf("%" PRIu64 " message%s, %" PRIu64 " new", t.messages,
	       t.messages == 1 ? "" : "s", t.added);
	if (t.no_id > 0)
		printf(", %" PRIu64 " without Message-ID skipped", t.no_id);
	if (t.unreadable > 0)
		printf(", %" PRIu64 " unreadable", t.unreadable);
	printf(" (%s)\n", opt->inbound ? "inbound" : "outbound");
	return rc != 0 || t.unreadable > 0 ? 2 : 0;
}

/* ---- prune and stats ----------------------------------------------------- */

static int
history_cmd_prune(const emg_config_t *cfg, emg_history_t *h,
                  const history_opts_t *opt)
{
	long days = opt->older_than >= 0
	                ? opt->older_than
	                : (long)emg_history_retention_days(cfg);
	if (opt->older_than < 0 && days == 0) {
		printf("HistoryRetention 0 keeps everything: nothing "
		       "removed\n");
		return 0;
	}
	int64_t before = (int64_t)time(NULL) - (int64_t)days * 86400;
	uint64_t removed = 0;
	emg_status_t st = emg_history_prune(h, before, &removed);
	if (st != EMG_OK) {
		history_cmd_store_failed(h, "prune", st);
		return 2;
	}
	printf("%" PRIu64 " message%s older than %ld days removed\n", removed,
	       removed == 1 ? "" : "s", days);
	return 0;
}

static int
history_cmd_stats(const emg_config_t *cfg, emg_history_t *h,
                  const history_opts_t *opt)
{
	(void)cfg;
	(void)opt;
	uint64_t n = 0;
	emg_status_t st = emg_history_count(h, &n);
	if (st != EMG_OK) {
		history_cmd_store_failed(h, "count", st);
		return 2;
	}
	printf("%" PRIu64 " message%s\n", n, n == 1 ? "" : "s");
	return 0;
}

/* ---- dispatch ------------------------------------------------------------ */

typedef struct history_sub {
	const char *name;
	int (*run)(const emg_config_t *cfg, emg_history_t *h,
	           const history_opts_t *opt);
} history_sub_t;

static const history_sub_t history_subs[] = {
    {"import", history_cmd_import},
    {"prune", history_cmd_prune},
    {"stats", history_cmd_stats},
};

int
cmd_history(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		history_cmd_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const history_sub_t *sub = NULL;
	for (size_t i = 0; i < sizeof(history_subs) / sizeof(history_subs[0]);
	     i++)
		if (strcmp(argv[1], history_subs[i].name) == 0)
			sub = &history_subs[i];
	if (sub == NULL) {
		fprintf(stderr, "emguard: history: unknown command: %s\n",
		        argv[1]);
		history_cmd_usage(stderr);
		return 2;
	}
	history_opts_t opt = {0};
	int rc = history_cmd_args(argc - 1, argv + 1, &opt);
	if (rc >= 0)
		return rc;
	emg_config_t *cfg = cli_load_config(opt.conf, true);
	if (cfg == NULL)
		return 2;
	emg_history_t *h = history_cmd_open(cfg);
	rc = 2;
	if (h != NULL) {
		rc = sub->run(cfg, h, &opt);
		emg_history_close(h);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "emguard: writing the output: %s\n",
		        strerror(errno));
		rc = 2;
	}
	emg_config_unref(cfg);
	return rc;
}
