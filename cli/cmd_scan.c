/*
 * cmd_scan.c - `emguard scan`: scan message files, stdin, mbox files,
 * Maildirs and directory trees offline and print one report per message.
 *
 * The main thread walks the inputs (input.c) and feeds a ring of WINDOW
 * slots; N worker threads, each with its own emg_scanner_t (scanners are
 * not thread-safe, the configuration is shared by reference), take the
 * slots in order, scan and render the report into memory; whoever finishes
 * the oldest slot prints every finished slot from there on.  The ring is
 * both the queue and the reorder window, so output keeps the input order
 * and memory stays at WINDOW messages (and SCAN_CMD_MAX_INFLIGHT bytes).
 * With one job the same steps run inline, without threads.
 * Uses only the public API of libemguard (emguard.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* vasprintf, open_memstream */
#endif
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emguard.h"
#include "input.h"
#include "progress.h"

#define SCAN_CMD_MAX_JOBS 64
#define SCAN_CMD_MAX_RCPTS 1000
/* Bytes of message data queued or being scanned at once (one message is
 * always let through, however large). */
#define SCAN_CMD_MAX_INFLIGHT ((size_t)256 * 1024 * 1024)
/* Above this many files, the progress total is not worth a second walk. */
#define SCAN_CMD_COUNT_CAP 1000000L

typedef struct scan_opts {
	const char *conf;
	bool json;
	bool summary; /* one verdict line per message */
	unsigned jobs;
	emg_envelope_t env;
	const char *rcpts[SCAN_CMD_MAX_RCPTS];
	char **paths;
	int n_paths;
} scan_opts_t;

typedef enum { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE } scan_state_t;

/* One message in flight, from reading to printing. */
typedef struct scan_slot {
	scan_state_t state;
	input_item_t item;
	size_t bytes; /* item.len, kept after the data is freed */
	char *out;    /* report for stdout */
	size_t out_len;
	char *err; /* error line for stderr */
	int status;
} scan_slot_t;

typedef struct scan_ctx {
	const scan_opts_t *opt;
	emg_config_t *cfg;
	bool color;      /* text reports with ANSI colours */
	bool stdout_tty; /* reports and the progress line share a terminal */
	pthread_mutex_t mu;
	pthread_cond_t cv_work;  /* workers: a slot queued, or input done */
	pthread_cond_t cv_space; /* reader: a slot freed */
	scan_slot_t *slots;
	size_t window;
	uint64_t next_in, next_scan, next_out;
	size_t inflight;
	bool done_reading;
	int status;
	progress_t progress;
} scan_ctx_t;

static void
scan_cmd_usage(FILE *fp)
{
	fputs("usage: emguard scan [-c CONF] [--json | --summary] [--jobs N]"
	      " [--mail-from ADDR] [--rcpt ADDR]...\n"
	      "                    [--client-ip IP] [--helo NAME]"
	      " [--auth-user NAME] PATH...\n"
	      "PATH is a message file, - for stdin, an mbox file, a Maildir"
	      " or a directory.\n"
	      "--summary prints one verdict line per message.\n"
	      "Without -c the installed emguard.conf (or $EMGUARD_CONF) is"
	      " read when present.\n"
	      "--jobs 0 uses one worker per CPU.  Exit status: 0 all accepted,"
	      " 1 some message\nabove accept, 2 usage or I/O error.\n",
	      fp);
}

static char *
scan_cmd_fmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Parse --jobs: 1..SCAN_CMD_MAX_JOBS, or 0 for the number of CPUs. */
static bool
scan_cmd_jobs(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    n > SCAN_CMD_MAX_JOBS)
		return false;
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus < 1                   ? 1
		    : cpus > SCAN_CMD_MAX_JOBS ? SCAN_CMD_MAX_JOBS
		                               : (unsigned long)cpus;
	}
	*out = (unsigned)n;
	return true;
}

static bool
scan_cmd_is_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

/* Parse the options into OPT; returns -1 when fine, else the exit status. */
static int
scan_cmd_args(int argc, char **argv, scan_opts_t *opt)
{
	enum { O_JSON = 256, O_SUMMARY, O_JOBS, O_FROM, O_RCPT, O_IP, O_HELO,
	       O_AUTH };
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"json", no_argument, NULL, O_JSON},
	    {"summary", no_argument, NULL, O_SUMMARY},
	    {"jobs", required_argument, NULL, O_JOBS},
	    {"mail-from", required_argument, NULL, O_FROM},
	    {"rcpt", required_argument, NULL, O_RCPT},
	    {"client-ip", required_argument, NULL, O_IP},
	    {"helo", required_argument, NULL, O_HELO},
	    {"auth-user", required_argument, NULL, O_AUTH},
	    {NULL, 0, NULL, 0},
	};
	int c;
	opt->jobs = 1;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt->conf = optarg; break;
		case 'h': scan_cmd_usage(stdout); return 0;
		case O_JSON: opt->json = true; break;
		case O_SUMMARY: opt->summary = true; break;
		case O_FROM: opt->env.mail_from = optarg; break;
		case O_HELO: opt->env.helo = optarg; break;
		case O_AUTH: opt->env.auth_user = optarg; break;
		case O_JOBS:
			if (!scan_cmd_jobs(optarg, &opt->jobs)) {
				fprintf(stderr,
				        "emguard: --jobs wants 0..%d, not %s\n",
				        SCAN_CMD_MAX_JOBS, optarg);
				return 2;
			}
			break;
		case O_RCPT:
			if (opt->env.n_rcpts == SCAN_CMD_MAX_RCPTS) {
				fprintf(stderr,
				        "emguard: more than %d --rcpt\n",
				        SCAN_CMD_MAX_RCPTS);
				return 2;
			}
			opt->rcpts[opt->env.n_rcpts++] = optarg;
			break;
		case O_IP:
			if (!scan_cmd_is_ip(optarg)) {
				fprintf(stderr,
				        "emguard: --client-ip: not an IP "
				        "address: %s\n",
				        optarg);
				return 2;
			}
			opt->env.client_ip = optarg;
			break;
		default: scan_cmd_usage(stderr); return 2;
		}
	}
	if (opt->json && opt->summary) {
		fprintf(stderr, "emguard: --json and --summary exclude each "
		                "other\n");
		return 2;
	}
	opt->env.rcpts = opt->rcpts;
	opt->paths = argv + optind;
	opt->n_paths = argc - optind;
	if (opt->n_paths <= 0) {
		fprintf(stderr, "emguard: scan: no PATH given\n");
		scan_cmd_usage(stderr);
		return 2;
	}
	return -1;
}

/* ---- one message -------------------------------------------------------- */

/* "quarantine  14.50  path  SYMBOL,SYMBOL": the verdict table of --summary.
 * The label is a path that may hold any byte: control characters are
 * replaced so that a hostile file name cannot drive the terminal. */
static void
scan_cmd_summary_line(const emg_report_t *rep, const char *label, FILE *fp)
{
	fprintf(fp, "%-10s %6.2f  ", emg_action_name(emg_report_action(rep)),
	        emg_report_score(rep));
	for (const unsigned char *p = (const unsigned char *)label; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, fp);
	size_t n = emg_report_finding_count(rep);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s%s", i ? "," : "  ",
		        emg_report_finding(rep, i)->symbol);
	fputc('\n', fp);
}

/* Scan the slot's message (or take its input error) and render the result
 * into the slot; frees the message bytes. */
static void
scan_cmd_process(scan_ctx_t *ctx, emg_scanner_t *sc, scan_slot_t *s)
{
	input_item_t *it = &s->item;
	emg_report_t *rep = NULL;
	emg_status_t st;
	if (it->kind == INPUT_ERROR) {
		s->err =
		    scan_cmd_fmt("emguard: %s: %s\n", it->label, it->error);
		s->status = 2;
		goto out;
	}
	st = emg_scan_auto(sc, it->label, it->data, it->len, &ctx->opt->env,
	                   &rep);
	free(it->data);
	it->data = NULL;
	if (st == EMG_OK && ctx->opt->json) {
		char *line = NULL;
		st = emg_report_json(rep, it->label, &line);
		if (st == EMG_OK) {
			s->out = scan_cmd_fmt("%s\n", line);
			s->out_len = s->out ? strlen(s->out) : 0;
		}
		free(line);
	} else if (st == EMG_OK) {
		FILE *fp = open_memstream(&s->out, &s->out_len);
		if (fp == NULL) {
			st = EMG_ENOMEM;
		} else {
			if (ctx->opt->summary) {
				scan_cmd_summary_line(rep, it->label, fp);
			} else {
				st = emg_report_text(rep, it->label,
				                     ctx->color, fp);
				fputc('\n', fp); /* a blank line between reports */
			}
			if (fclose(fp) != 0 && st == EMG_OK)
				st = EMG_ENOMEM;
		}
		if (st != EMG_OK) { /* a half-written report is not printed */
			free(s->out);
			s->out = NULL;
		}
	}
	if (st != EMG_OK) {
		s->err = scan_cmd_fmt("emguard: %s: scan failed: %s\n",
		                      it->label, emg_strerror(st));
		s->status = 2;
	} else {
		s->status = emg_report_action(rep) > EMG_ACTION_ACCEPT ? 1 : 0;
	}
	if (rep != NULL)
		emg_report_free(rep);
out:
	if (s->out == NULL && s->err == NULL) { /* formatting ran out */
		s->status = 2;
		fprintf(stderr, "emguard: out of memory\n");
	}
}

/* Print a processed slot and fold its status into the run's. */
static void
scan_cmd_emit(scan_ctx_t *ctx, scan_slot_t *s)
{
	if (s->out != NULL) {
		if (ctx->stdout_tty)
			progress_hide(&ctx->progress);
		fwrite(s->out, 1, s->out_len, stdout);
	}
	if (s->err != NULL) {
		fflush(stdout); /* keep both streams in order on one terminal */
		progress_hide(&ctx->progress);
		fputs(s->err, stderr);
	}
	if (s->status == 2 || (s->status == 1 && ctx->status == 0))
		ctx->status = s->status;
	progress_add(&ctx->progress, s->bytes);
	input_item_clear(&s->item);
	free(s->out);
	free(s->err);
	*s = (scan_slot_t){.state = SLOT_FREE};
}

/* ---- the pipeline ---------------------------------------------------------
 */

/* Print every finished slot from the oldest on.  Caller holds ctx->mu. */
static void
scan_cmd_flush(scan_ctx_t *ctx)
{
	bool freed = false;
	/* bounded: at most WINDOW slots are in flight */
	while (ctx->next_out < ctx->next_in) {
		scan_slot_t *s = &ctx->slots[ctx->next_out % ctx->window];
		if (s->state != SLOT_DONE)
			break;
		ctx->inflight -= s->bytes;
		scan_cmd_emit(ctx, s);
		ctx->next_out++;
		freed = true;
	}
	if (freed)
		pthread_cond_signal(&ctx->cv_space);
}

typedef struct scan_worker {
	scan_ctx_t *ctx;
	emg_scanner_t *sc;
	pthread_t tid;
} scan_worker_t;

static void *
scan_cmd_worker(void *arg)
{
	scan_ctx_t *ctx = ((scan_worker_t *)arg)->ctx;
	emg_scanner_t *sc = ((scan_worker_t *)arg)->sc;
	pthread_mutex_lock(&ctx->mu);
	for (;;) { /* bounded: ends when the input is exhausted */
		while (ctx->next_scan == ctx->next_in && !ctx->done_reading)
			pthread_cond_wait(&ctx->cv_work, &ctx->mu);
		if (ctx->next_scan == ctx->next_in)
			break;
		scan_slot_t *s = &ctx->slots[ctx->next_scan++ % ctx->window];
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&ctx->mu);
		scan_cmd_process(ctx, sc, s);
		pthread_mutex_lock(&ctx->mu);
		s->state = SLOT_DONE;
		scan_cmd_flush(ctx);
	}
	pthread_mutex_unlock(&ctx->mu);
	return NULL;
}

/* Hand ITEM to the workers, waiting while the window or the byte budget
 * is full. */
static void
scan_cmd_enqueue(scan_ctx_t *ctx, input_item_t *item)
{
	pthread_mutex_lock(&ctx->mu);
	while (ctx->next_in - ctx->next_out >= ctx->window ||
	       (ctx->next_in != ctx->next_out &&
	        ctx->inflight + item->len > SCAN_CMD_MAX_INFLIGHT))
		pthread_cond_wait(&ctx->cv_space, &ctx->mu);
	scan_slot_t *s = &ctx->slots[ctx->next_in % ctx->window];
	*s = (scan_slot_t){
	    .state = SLOT_QUEUED, .item = *item, .bytes = item->len};
	ctx->inflight += item->len;
	ctx->next_in++;
	pthread_cond_signal(&ctx->cv_work);
	pthread_mutex_unlock(&ctx->mu);
}

/* Walk every PATH: with INLINE_SC, scan and print each message here, else
 * queue it for the workers.  Returns 0, or -1 when out of memory. */
static int
scan_cmd_walk(scan_ctx_t *ctx, emg_scanner_t *inline_sc)
{
	for (int i = 0; i < ctx->opt->n_paths; i++) {
		input_t *in = input_open(ctx->opt->paths[i], 0);
		if (in == NULL)
			return -1;
		input_item_t item;
		int r;
		/* bounded by the input */
		while ((r = input_next(in, &item)) > 0) {
			if (inline_sc == NULL) {
				scan_cmd_enqueue(ctx, &item);
				continue;
			}
			scan_slot_t s = {.item = item, .bytes = item.len};
			scan_cmd_process(ctx, inline_sc, &s);
			scan_cmd_emit(ctx, &s);
		}
		input_close(in);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Run the walk with N worker threads over SCANNERS. */
static int
scan_cmd_threads(scan_ctx_t *ctx, emg_scanner_t **scanners, unsigned n)
{
	scan_worker_t w[SCAN_CMD_MAX_JOBS];
	unsigned started = 0;
	int rc = 0;
	ctx->window = (size_t)n * 4;
	ctx->slots = calloc(ctx->window, sizeof(*ctx->slots));
	if (ctx->slots == NULL)
		return -1;
	for (; started < n; started++) {
		w[started] = (scan_worker_t){ctx, scanners[started], 0};
		if (pthread_create(&w[started].tid, NULL, scan_cmd_worker,
		                   &w[started]) != 0)
			break;
	}
	if (started == 0)
		rc = -1;
	else
		rc = scan_cmd_walk(ctx, NULL);
	pthread_mutex_lock(&ctx->mu);
	ctx->done_reading = true;
	pthread_cond_broadcast(&ctx->cv_work);
	pthread_mutex_unlock(&ctx->mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	free(ctx->slots);
	return rc;
}

/* ---- set-up ------------------------------------------------------------ */

static bool
scan_cmd_color(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0');
}

static int
scan_cmd_run(scan_ctx_t *ctx, emg_scanner_t **scanners, unsigned jobs)
{
	bool bar = isatty(STDERR_FILENO);
	progress_init(&ctx->progress, bar ? stderr : NULL,
	              bar ? input_count_all(ctx->opt->paths, ctx->opt->n_paths,
	                                    SCAN_CMD_COUNT_CAP)
	                  : -1);
	int rc = jobs == 1 ? scan_cmd_walk(ctx, scanners[0])
	                   : scan_cmd_threads(ctx, scanners, jobs);
	progress_finish(&ctx->progress);
	if (rc < 0) {
		fprintf(stderr, "emguard: out of memory\n");
		ctx->status = 2;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "emguard: writing the output: %s\n",
		        strerror(errno));
		ctx->status = 2;
	}
	return ctx->status;
}

int
cmd_scan(int argc, char **argv)
{
	scan_opts_t *opt = calloc(1, sizeof(*opt));
	if (opt == NULL)
		return 2;
	int rc = scan_cmd_args(argc, argv, opt);
	if (rc >= 0) {
		free(opt);
		return rc;
	}
	scan_ctx_t ctx = {.opt = opt,
	                  .color = !opt->json && scan_cmd_color(),
	                  .stdout_tty = isatty(STDOUT_FILENO)};
	emg_scanner_t *scanners[SCAN_CMD_MAX_JOBS] = {0};
	unsigned n = 0;
	rc = 2;
	if ((ctx.cfg = cli_load_config(opt->conf, true)) == NULL)
		goto out;
	for (; n < opt->jobs; n++) {
		char err[512] = "";
		emg_status_t st =
		    emg_scanner_new(ctx.cfg, &scanners[n], err, sizeof(err));
		if (st != EMG_OK) {
			fprintf(stderr, "emguard: scanner: %s\n",
			        err[0] ? err : emg_strerror(st));
			goto out;
		}
	}
	if (opt->summary)
		printf("%-10s %6s  %s  %s\n", "ACTION", "SCORE", "MESSAGE",
		       "FINDINGS");
	pthread_mutex_init(&ctx.mu, NULL);
	pthread_cond_init(&ctx.cv_work, NULL);
	pthread_cond_init(&ctx.cv_space, NULL);
	rc = scan_cmd_run(&ctx, scanners, n);
	pthread_cond_destroy(&ctx.cv_space);
	pthread_cond_destroy(&ctx.cv_work);
	pthread_mutex_destroy(&ctx.mu);
out:
	for (unsigned i = 0; i < n; i++)
		emg_scanner_free(scanners[i]);
	if (ctx.cfg != NULL)
		emg_config_unref(ctx.cfg);
	free(opt);
	return rc;
}
