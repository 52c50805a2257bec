/*
 * cmd_quarantine.c - `emguard quarantine`: review and release the mail
 * emguard-milter stored (QuarantineMode store or both).
 *
 *   list [--since WHEN] [--status held|released|deleted|all] [--from S]
 *        [--rcpt S] [--symbol SYM] [--action A] [--limit N] [--json]
 *       newest first; held entries unless --status says otherwise.  A
 *       table fitted to the terminal (80 columns when it is none: two lines
 *       an entry below 120 columns), or one JSON object a line with every
 *       field of the entry and the findings of its report.
 *   show ID [--json]
 *       envelope, verdict, findings with their explanations, attachment
 *       tree, the original header block (unfolded, one field a line) and
 *       the audit trail.  Everything from the message goes through
 *       termsafe.c.  It adds a "view" audit line, as the web page does.
 *   release ID... [--to ADDR]...   re-inject (common/release.c)
 *   delete ID...                   remove the bytes, keep the index row
 *   export ID                      the original bytes to stdout (never a
 *                                  terminal), with an "export" audit line
 *   purge [--older-than AGE]       entries older than AGE ("30d", "12h",
 *                                  or days), default QuarantineRetention
 *   recover                        make index and QuarantineDir agree
 *   audit [ID] [--limit N]         the audit trail, oldest first
 *   import PATH... [--mail-from A] [--rcpt B]... [--client-ip IP]
 *          [--helo NAME]           scan and store messages by hand
 *
 * Every sub-command takes -c CONF (else the installed emguard.conf, as
 * scan).  The acting user of the audit trail is "cli:" and $SUDO_USER, or
 * the login name of the real uid.  Exit status: 0 fine, 1 recover found
 * entries whose bytes are missing, 2 usage, an unknown id, a failed
 * release or a store error.  Uses the public API of libemguard, and
 * config.h for ReleaseMethod as the milter does.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "emguard.h"
#include "input.h"
#include "quarantine_show.h"
#include "release.h"
#include "termsafe.h"

/* Recipients a release may name with --to; envelope recipients of an
 * import. */
#define QCMD_MAX_ADDRS 100
/* Entries fetched per page when every one is wanted (--json). */
#define QCMD_PAGE 1000
/* The table's default length. */
#define QCMD_TABLE_LIMIT 100
/* --limit, --older-than: bounds that no real use reaches. */
#define QCMD_MAX_LIMIT 10000000UL
#define QCMD_MAX_AGE_DAYS 36500L
/* No bound on the IDs or PATHs of one command line but the system's. */
#define QCMD_MANY 1000000

/* Which options a sub-command takes. */
enum {
	QO_SINCE = 1 << 0,
	QO_STATUS = 1 << 1,
	QO_FROM = 1 << 2,
	QO_RCPT = 1 << 3,
	QO_SYMBOL = 1 << 4,
	QO_ACTION = 1 << 5,
	QO_LIMIT = 1 << 6,
	QO_JSON = 1 << 7,
	QO_TO = 1 << 8,
	QO_OLDER = 1 << 9,
	QO_MAILFROM = 1 << 10,
	QO_CLIENTIP = 1 << 11,
	QO_HELO = 1 << 12,
};

typedef struct qcmd_opts {
	const char *conf;
	unsigned given; /* QO_* seen */
	int64_t since;
	int status; /* -1: all */
	const char *from, *symbol, *action;
	const char *rcpts[QCMD_MAX_ADDRS]; /* --rcpt */
	size_t n_rcpts;
	const char *to[QCMD_MAX_ADDRS]; /* --to */
	size_t n_to;
	size_t limit;
	bool json;
	int64_t older_than; /* seconds */
	const char *mail_from, *client_ip, *helo;
	char **args;
	int n_args;
} qcmd_opts_t;

/* What every sub-command works with. */
typedef struct qcmd {
	const emg_config_t *cfg;
	emg_quarantine_t *q;
	const qcmd_opts_t *opt;
	char actor[128];
} qcmd_t;

static void
qcmd_usage(FILE *fp)
{
	fputs("usage: emguard quarantine list [-c CONF] [--since WHEN] "
	      "[--status held|released|deleted|all]\n"
	      "              [--from S] [--rcpt S] [--symbol SYM] "
	      "[--action A] [--limit N] [--json]\n"
	      "       emguard quarantine show [-c CONF] [--json] ID\n"
	      "       emguard quarantine release [-c CONF] [--to ADDR]... "
	      "ID...\n"
	      "       emguard quarantine delete [-c CONF] ID...\n"
	      "       emguard quarantine export [-c CONF] ID > FILE.eml\n"
	      "       emguard quarantine purge [-c CONF] [--older-than AGE]\n"
	      "       emguard quarantine recover [-c CONF]\n"
	      "       emguard quarantine audit [-c CONF] [--limit N] [ID]\n"
	      "       emguard quarantine import [-c CONF] [--mail-from A] "
	      "[--rcpt B]...\n"
	      "              [--client-ip IP] [--helo NAME] PATH...\n"
	      "WHEN is 2026-11-01, 2026-11-01T09:00 (local time), 7d or 12h "
	      "ago; AGE is 30d, 12h\nor a number of days (default "
	      "QuarantineRetention).  Exit status: 0 fine, 1 recover\nfound "
	      "entries without their bytes, 2 usage, unknown id, failed "
	      "release or store\nerror.\n",
	      fp);
}

/* ---- parsing options ---------------------------------------------------- */

/* "7d", "12h": seconds in *OUT.  Plain digits are days when DAYS_OK. */
static bool
qcmd_age(const char *s, bool days_ok, int64_t *out)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno != 0 || end == s || s[0] == '-' || n < 0)
		return false;
	int64_t unit = *end == 'd' ? 86400 : *end == 'h' ? 3600 : 0;
	if (*end == '\0' && days_ok)
		unit = 86400;
	if (unit == 0 || (*end != '\0' && end[1] != '\0') ||
	    n > QCMD_MAX_AGE_DAYS * (86400 / unit))
		return false;
	*out = (int64_t)n * unit;
	return true;
}

/* WHEN: "2026-11-01", "2026-11-01T09:00[:SS]" in local time, or an age
 * before now. */
static bool
qcmd_when(const char *s, int64_t *out)
{
	int64_t age;
	if (qcmd_age(s, false, &age)) {
		*out = (int64_t)time(NULL) - age;
		return true;
	}
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && (*end == 'T' || *end == ' '))
		end = strptime(end + 1, "%H:%M", &tm);
	if (end != NULL && *end == ':')
		end = strptime(end + 1, "%S", &tm);
	if (end == NULL || *end != '\0')
		return false;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t;
	return true;
}

static bool
qcmd_status(const char *s, int *out)
{
	static const char *const names[] = {"held", "released", "deleted"};
	if (strcmp(s, "all") == 0) {
		*out = -1;
		return true;
	}
	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return true;
		}
	return false;
}

/* Add ADDR to LIST (at most QCMD_MAX_ADDRS). */
static bool
qcmd_add_addr(const char **list, size_t *n, const char *addr)
{
	if (*n == QCMD_MAX_ADDRS) {
		fprintf(stderr, "emguard: quarantine: more than %d addresses\n",
		        QCMD_MAX_ADDRS);
		return false;
	}
	list[(*n)++] = addr;
	return true;
}

/* One option C with ARG into OPT; false with a message on stderr. */
static bool
qcmd_option(int c, const char *arg, qcmd_opts_t *opt)
{
	char *end;
	switch (c) {
	case QO_SINCE:
		if (qcmd_when(arg, &opt->since))
			return true;
		fprintf(stderr,
		        "emguard: --since wants 2026-11-01, "
		        "2026-11-01T09:00, 7d or 12h, not %s\n",
		        arg);
		return false;
	case QO_STATUS:
		if (qcmd_status(arg, &opt->status))
			return true;
		fprintf(stderr,
		        "emguard: --status is held, released, deleted or "
		        "all, not %s\n",
		        arg);
		return false;
	case QO_FROM: opt->from = arg; return true;
	case QO_SYMBOL: opt->symbol = arg; return true;
	case QO_ACTION: opt->action = arg; return true;
	case QO_RCPT: return qcmd_add_addr(opt->rcpts, &opt->n_rcpts, arg);
	case QO_TO: return qcmd_add_addr(opt->to, &opt->n_to, arg);
	case QO_MAILFROM: opt->mail_from = arg; return true;
	case QO_CLIENTIP: opt->client_ip = arg; return true;
	case QO_HELO: opt->helo = arg; return true;
	case QO_JSON: opt->json = true; return true;
	case QO_LIMIT:
		errno = 0;
		unsigned long n = strtoul(arg, &end, 10);
		if (errno == 0 && end != arg && *end == '\0' && arg[0] != '-' &&
		    n <= QCMD_MAX_LIMIT) {
			opt->limit = n;
			return true;
		}
		fprintf(stderr, "emguard: --limit wants 0..%lu, not %s\n",
		        QCMD_MAX_LIMIT, arg);
		return false;
	case QO_OLDER:
		if (qcmd_age(arg, true, &opt->older_than))
			return true;
		fprintf(stderr,
		        "emguard: --older-than wants 30d, 12h or days, not "
		        "%s\n",
		        arg);
		return false;
	}
	return false;
}

/* Parse the options of sub-command ARGV[0], which takes ALLOWED; -1 when
 * fine, else the exit status. */
static int
qcmd_args(int argc, char **argv, unsigned allowed, qcmd_opts_t *opt)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"since", required_argument, NULL, QO_SINCE},
	    {"status", required_argument, NULL, QO_STATUS},
	    {"from", required_argument, NULL, QO_FROM},
	    {"rcpt", required_argument, NULL, QO_RCPT},
	    {"symbol", required_argument, NULL, QO_SYMBOL},
	    {"action", required_argument, NULL, QO_ACTION},
	    {"limit", required_argument, NULL, QO_LIMIT},
	    {"json", no_argument, NULL, QO_JSON},
	    {"to", required_argument, NULL, QO_TO},
	    {"older-than", required_argument, NULL, QO_OLDER},
	    {"mail-from", required_argument, NULL, QO_MAILFROM},
	    {"client-ip", required_argument, NULL, QO_CLIENTIP},
	    {"helo", required_argument, NULL, QO_HELO},
	    {NULL, 0, NULL, 0},
	};
	int c;
	opt->status = EMG_QSTATUS_HELD;
	opt->older_than = -1;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		if (c == 'c') {
			opt->conf = optarg;
			continue;
		}
		if (c == 'h') {
			qcmd_usage(stdout);
			return 0;
		}
		if (c == '?' || c == ':') {
			qcmd_usage(stderr);
			return 2;
		}
		if (!(allowed & (unsigned)c)) {
			fprintf(stderr,
			        "emguard: quarantine %s: no such option: %s\n",
			        argv[0], argv[optind - 1]);
			return 2;
		}
		opt->given |= (unsigned)c;
		if (!qcmd_option(c, optarg, opt))
			return 2;
	}
	opt->args = argv + optind;
	opt->n_args = argc - optind;
	return -1;
}

/* ---- small helpers ------------------------------------------------------ */

/* "cli:NAME": $SUDO_USER when it is a plain name, else the login name of
 * the real uid, else its number. */
static void
qcmd_actor(char *out, size_t len)
{
	const char *sudo = getenv("SUDO_USER");
	if (sudo != NULL && sudo[0] != '\0' && strlen(sudo) < 64 &&
	    strspn(sudo, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789._-@$") == strlen(sudo)) {
		snprintf(out, len, "cli:%s", sudo);
		return;
	}
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL && res->pw_name[0] != '\0')
		snprintf(out, len, "cli:%s", res->pw_name);
	else
		snprintf(out, len, "cli:uid=%lu", (unsigned long)getuid());
}

/* T as local time: "2026-11-22 16:20:01 +0900", or "11-22 16:20" when
 * SHORT (the table: the year is in the id). */
static const char *
qcmd_time(int64_t t, bool short_form, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n = 0;
	if (localtime_r(&tt, &tm) != NULL)
		n = short_form
		        ? strftime(buf, len, "%m-%d %H:%M", &tm)
		        : strftime(buf, len, "%Y-%m-%d %H:%M:%S %z", &tm);
	if (n == 0)
		snprintf(buf, len, "%" PRId64, t);
	return buf;
}

/* The store call WHAT on C->q failed. */
static int
qcmd_failed(const qcmd_t *c, const char *what, emg_status_t st)
{
	fprintf(stderr, "emguard: quarantine: %s: %s\n", what,
	        st == EMG_ENOMEM ? emg_strerror(st)
	                         : emg_quarantine_error(c->q));
	return 2;
}

/* Entry ID, or NULL with the reason on stderr. */
static emg_qentry_t *
qcmd_get(const qcmd_t *c, const char *id)
{
	emg_qentry_t *e = NULL;
	emg_status_t st = emg_quarantine_get(c->q, id, &e);
	if (st == EMG_OK)
		return e;
	if (st == EMG_EINVAL) {
		fputs("emguard: no quarantine entry ", stderr);
		termsafe_puts(stderr, id);
		fputc('\n', stderr);
	} else
		qcmd_failed(c, "get", st);
	return NULL;
}

/* ---- list --------------------------------------------------------------- */

/* Widths of the table's free columns for COLS terminal columns. */
typedef struct qcmd_layout {
	bool two_lines; /* below 120 columns */
	size_t from, rcpt, subject;
} qcmd_layout_t;

/* ID(21) ARRIVED(11) STATUS(8) SCORE(5) ACTION(10) and five spaces. */
#define QCMD_FIXED 60

static qcmd_layout_t
qcmd_layout(size_t cols)
{
	qcmd_layout_t l = {.two_lines = cols < 120};
	if (l.two_lines) {
		/* line 1 ends with FROM; line 2: "  to RCPT: SUBJECT" */
		l.from = cols > QCMD_FIXED + 1 ? cols - QCMD_FIXED - 1 : 8;
		l.rcpt = (cols - 7) / 3;
		l.subject = cols - 7 - l.rcpt;
	} else {
		size_t free_cols = cols - QCMD_FIXED - 3;
		l.from = free_cols * 3 / 8;
		l.rcpt = free_cols * 2 / 8;
		l.subject = free_cols - l.from - l.rcpt;
	}
	return l;
}

/* The first recipient of E and "(+N)" for the others, fitted into COLS
 * columns: the count stays whole, the address is cut. */
static void
qcmd_fit_rcpt(const emg_qentry_t *e, size_t cols, bool pad, char *out,
              size_t len)
{
	char more[32] = "";
	if (e->n_rcpts > 1)
		snprintf(more, sizeof(more), " (+%zu)", e->n_rcpts - 1);
	size_t n = strlen(more) < cols ? cols - strlen(more) : 0;
	size_t used =
	    termsafe_fit(e->n_rcpts ? e->rcpts[0] : "", n, false, out, len);
	size_t o = strlen(out);
	snprintf(out + o, len - o, "%s%*s", more,
	         pad && used + strlen(more) < cols
	             ? (int)(cols - used - strlen(more))
	             : 0,
	         "");
}

static void
qcmd_table_row(const emg_qentry_t *e, const qcmd_layout_t *l)
{
	char when[32], from[1024], rcpt[1024], subj[2048];
	const char *sender = e->from_header[0] ? e->from_header : e->mail_from;
	termsafe_fit(sender, l->from, !l->two_lines, from, sizeof(from));
	termsafe_fit(e->subject, l->subject, false, subj, sizeof(subj));
	qcmd_fit_rcpt(e, l->rcpt, !l->two_lines, rcpt, sizeof(rcpt));
	printf("%-21s %-11s %-8s %5.1f %-10s %s", e->id,
	       qcmd_time(e->arrived, true, when, sizeof(when)),
	       emg_qstatus_name(e->status), e->score, e->action, from);
	if (l->two_lines)
		printf("\n  to %s: %s\n", rcpt, subj);
	else
		printf(" %s %s\n", rcpt, subj);
}

static void
qcmd_table_head(const qcmd_layout_t *l)
{
	printf("%-21s %-11s %-8s %5s %-10s %s", "ID", "ARRIVED", "STATUS",
	       "SCORE", "ACTION", "FROM");
	if (l->two_lines)
		fputs("\n  to RCPT: SUBJECT\n", stdout);
	else
		printf("%*s %-*s %s\n", (int)(l->from - 4), "", (int)l->rcpt,
		       "RCPT", "SUBJECT");
}

static int
qcmd_list(qcmd_t *c)
{
	const qcmd_opts_t *o = c->opt;
	if (o->n_rcpts > 1) {
		fputs("emguard: quarantine list takes one --rcpt\n", stderr);
		return 2;
	}
	emg_qfilter_t f = {.since = o->since,
	                   .status = o->status,
	                   .from = o->from,
	                   .rcpt = o->n_rcpts ? o->rcpts[0] : NULL,
	                   .symbol = o->symbol,
	                   .action = o->action};
	size_t want = (o->given & QO_LIMIT) ? o->limit
	              : o->json             ? 0
	                                    : QCMD_TABLE_LIMIT;
	qcmd_layout_t l = qcmd_layout(termsafe_columns(stdout));
	uint64_t total = 0;
	size_t shown = 0;
	if (!o->json)
		qcmd_table_head(&l);
	/* pages of QCMD_PAGE until WANT (0: all) or the end */
	for (;;) {
		f.offset = shown;
		f.limit = want == 0 || want - shown > QCMD_PAGE ? QCMD_PAGE
		                                                : want - shown;
		emg_qentry_t **list = NULL;
		size_t n = 0;
		emg_status_t st = emg_quarantine_list(c->q, &f, &list, &n,
		                                      shown ? NULL : &total);
		if (st != EMG_OK)
			return qcmd_failed(c, "list", st);
		for (size_t i = 0; i < n; i++) {
			if (o->json)
				qshow_entry_json(list[i]);
			else
				qcmd_table_row(list[i], &l);
		}
		emg_qentry_list_free(list, n);
		shown += n;
		if (n < f.limit || (want != 0 && shown >= want))
			break;
	}
	if (!o->json)
		printf("%zu entr%s", shown, shown == 1 ? "y" : "ies");
	if (!o->json && total > shown)
		printf(" of %" PRIu64 " (--limit 0 shows all)", total);
	if (!o->json)
		fputc('\n', stdout);
	return 0;
}

/* ---- show --------------------------------------------------------------- */

/* The audit trail of ID (NULL: every entry), oldest first, at most
 * LIMIT lines (0: all). */
static int
qcmd_show_audit(const qcmd_t *c, const char *id, size_t limit)
{
	emg_qaudit_t *a = NULL;
	size_t n = 0;
	emg_status_t st = emg_quarantine_audit(c->q, id, limit, &a, &n);
	if (st != EMG_OK)
		return qcmd_failed(c, "audit", st);
	for (size_t i = n; i-- > 0;) {
		char when[64];
		printf("  %s  ", qcmd_time(a[i].at, false, when, sizeof(when)));
		if (id == NULL)
			printf("%s  ", a[i].id);
		termsafe_puts(stdout, a[i].actor);
		fputs("  ", stdout);
		termsafe_puts(stdout, a[i].action);
		if (a[i].detail[0] != '\0') {
			fputs("  ", stdout);
			termsafe_puts(stdout, a[i].detail);
		}
		fputc('\n', stdout);
	}
	emg_qaudit_list_free(a, n);
	return 0;
}

static int
qcmd_show(qcmd_t *c)
{
	emg_qentry_t *e = qcmd_get(c, c->opt->args[0]);
	if (e == NULL)
		return 2;
	int rc = 0;
	/* who looked at held mail is on record, as on the web page; a store
	 * this user may only read still shows it */
	emg_status_t ast = emg_quarantine_audit_add(c->q, e->id, c->actor,
	                                            "view", "");
	if (ast != EMG_OK)
		qcmd_failed(c, "audit", ast);
	if (c->opt->json) {
		qshow_entry_json(e);
		emg_qentry_free(e);
		return 0;
	}
	char when[64];
	qshow_entry(e, qcmd_time(e->arrived, false, when, sizeof(when)));
	qshow_report(e->report_json);
	void *data = NULL;
	size_t len = 0;
	emg_status_t st = e->status == EMG_QSTATUS_DELETED
	                      ? EMG_EINVAL
	                      : emg_quarantine_read(c->q, e->id, &data, &len);
	if (st == EMG_OK)
		qshow_headers(data, len);
	else if (e->status == EMG_QSTATUS_DELETED)
		fputs("\nHeaders\n  (deleted: the message is gone)\n", stdout);
	else
		rc = qcmd_failed(c, "read", st);
	free(data);
	fputs("\nAudit trail\n", stdout);
	if (qcmd_show_audit(c, e->id, 0) != 0)
		rc = 2;
	emg_qentry_free(e);
	return rc;
}

/* ---- release, delete, export -------------------------------------------- */

static int
qcmd_release(qcmd_t *c)
{
	int rc = 0;
	for (int i = 0; i < c->opt->n_args; i++) {
		const char *id = c->opt->args[i];
		char msg[RELEASE_MSG_MAX];
		emg_status_t st = release_entry(
		    c->q, id, c->opt->to, c->opt->n_to, c->cfg->release_method,
		    c->actor, msg, sizeof(msg));
		FILE *fp = st == EMG_OK ? stdout : stderr;
		fputs(st == EMG_OK ? "" : "emguard: ", fp);
		termsafe_puts(fp, id);
		fputs(": ", fp);
		termsafe_puts(fp, msg);
		fputc('\n', fp);
		if (st != EMG_OK)
			rc = 2;
	}
	return rc;
}

static int
qcmd_delete(qcmd_t *c)
{
	int rc = 0;
	for (int i = 0; i < c->opt->n_args; i++) {
		emg_qentry_t *e = qcmd_get(c, c->opt->args[i]);
		if (e == NULL) {
			rc = 2;
			continue;
		}
		emg_status_t st =
		    e->status == EMG_QSTATUS_DELETED
		        ? EMG_EINVAL
		        : emg_quarantine_set_status(
		              c->q, e->id, EMG_QSTATUS_DELETED, c->actor, "");
		if (st == EMG_OK)
			printf("%s: deleted\n", e->id);
		else if (e->status == EMG_QSTATUS_DELETED)
			fprintf(stderr, "emguard: %s: already deleted\n",
			        e->id);
		else
			qcmd_failed(c, e->id, st);
		rc = st == EMG_OK ? rc : 2;
		emg_qentry_free(e);
	}
	return rc;
}

static int
qcmd_export(qcmd_t *c)
{
	if (isatty(STDOUT_FILENO)) {
		fputs("emguard: quarantine export writes the raw message: "
		      "redirect it to a file (> FILE.eml)\n",
		      stderr);
		return 2;
	}
	emg_qentry_t *e = qcmd_get(c, c->opt->args[0]);
	if (e == NULL)
		return 2;
	int rc = 2;
	void *data = NULL;
	size_t len = 0;
	emg_status_t st = EMG_EINVAL;
	if (e->status == EMG_QSTATUS_DELETED)
		fprintf(stderr, "emguard: %s was deleted: its bytes are gone\n",
		        e->id);
	else if ((st = emg_quarantine_read(c->q, e->id, &data, &len)) != EMG_OK)
		qcmd_failed(c, "read", st);
	char detail[64];
	snprintf(detail, sizeof(detail), "%zu bytes to a file", len);
	/* on record before the bytes leave */
	if (st == EMG_OK &&
	    (st = emg_quarantine_audit_add(c->q, e->id, c->actor, "export",
	                                   detail)) != EMG_OK)
		qcmd_failed(c, "audit", st);
	if (st == EMG_OK && fwrite(data, 1, len, stdout) == len)
		rc = 0;
	else if (st == EMG_OK)
		fprintf(stderr, "emguard: writing the message: %s\n",
		        strerror(errno));
	free(data);
	emg_qentry_free(e);
	return rc;
}

/* ---- purge, recover, audit ---------------------------------------------- */

static int
qcmd_purge(qcmd_t *c)
{
	int64_t age = c->opt->older_than;
	if (age < 0) {
		unsigned days = emg_quarantine_retention_days(c->cfg);
		if (days == 0) {
			puts("QuarantineRetention 0 keeps everything: nothing "
			     "purged");
			return 0;
		}
		age = (int64_t)days * 86400;
	}
	uint64_t removed = 0;
	emg_status_t st = emg_quarantine_purge(c->q, (int64_t)time(NULL) - age,
	                                       c->actor, &removed);
	if (st != EMG_OK)
		return qcmd_failed(c, "purge", st);
	printf("%" PRIu64 " entr%s older than ", removed,
	       removed == 1 ? "y" : "ies");
	if (age % 86400 == 0)
		printf("%" PRId64 " days purged\n", age / 86400);
	else
		printf("%" PRId64 " hours purged\n", age / 3600);
	return 0;
}

static int
qcmd_recover(qcmd_t *c)
{
	uint64_t removed = 0, missing = 0;
	emg_status_t st = emg_quarantine_recover(c->q, &removed, &missing);
	if (st != EMG_OK)
		return qcmd_failed(c, "recover", st);
	printf("%" PRIu64 " stray file%s removed, %" PRIu64
	       " entr%s without their bytes (%s)\n",
	       removed, removed == 1 ? "" : "s", missing,
	       missing == 1 ? "y" : "ies", emg_quarantine_backend(c->q));
	return missing > 0 ? 1 : 0;
}

static int
qcmd_audit(qcmd_t *c)
{
	/* the lines of a purged entry stay: its id need not exist */
	return qcmd_show_audit(c, c->opt->n_args ? c->opt->args[0] : NULL,
	                       c->opt->limit);
}

/* ---- import ------------------------------------------------------------- */

/* Scan and store one message of an import; 0 or 2. */
static int
qcmd_import_one(qcmd_t *c, emg_scanner_t *sc, const input_item_t *it)
{
	if (it->kind == INPUT_ERROR) {
		fprintf(stderr, "emguard: %s: %s\n", it->label, it->error);
		return 2;
	}
	const qcmd_opts_t *o = c->opt;
	emg_envelope_t env = {.mail_from = o->mail_from,
	                      .rcpts = o->n_rcpts ? o->rcpts : NULL,
	                      .n_rcpts = o->n_rcpts,
	                      .client_ip = o->client_ip,
	                      .helo = o->helo};
	emg_report_t *rep = NULL;
	emg_status_t st = emg_scan(sc, it->data, it->len, &env, &rep);
	if (st != EMG_OK) {
		fprintf(stderr, "emguard: %s: %s\n", it->label,
		        emg_strerror(st));
		return 2;
	}
	char id[EMG_QID_MAX], reason[600];
	snprintf(reason, sizeof(reason), "imported by hand from %.500s",
	         it->label);
	st = emg_quarantine_put(c->q, it->data, it->len, &env, rep, reason,
	                        c->actor, id);
	if (st == EMG_OK) {
		printf("%s  %5.1f %-10s ", id, emg_report_score(rep),
		       emg_action_name(emg_report_action(rep)));
		termsafe_puts(stdout, it->label);
		fputc('\n', stdout);
	} else
		qcmd_failed(c, it->label, st);
	emg_report_free(rep);
	return st == EMG_OK ? 0 : 2;
}

static int
qcmd_import(qcmd_t *c)
{
	emg_scanner_t *sc = NULL;
	char err[512] = "";
	if (emg_scanner_new((emg_config_t *)c->cfg, &sc, err, sizeof(err)) !=
	    EMG_OK) {
		fprintf(stderr, "emguard: %s\n", err);
		return 2;
	}
	int rc = 0;
	for (int i = 0; i < c->opt->n_args && rc != 3; i++) {
		input_t *in = input_open(c->opt->args[i], 0);
		input_item_t item;
		int r = in ? 0 : -1;
		/* bounded by the input */
		while (in && (r = input_next(in, &item)) > 0) {
			if (qcmd_import_one(c, sc, &item) != 0)
				rc = 2;
			input_item_clear(&item);
		}
		input_close(in);
		if (r < 0) {
			fputs("emguard: out of memory\n", stderr);
			rc = 3;
		}
	}
	emg_scanner_free(sc);
	return rc != 0 ? 2 : 0;
}

/* ---- dispatch ----------------------------------------------------------- */

typedef struct qcmd_sub {
	const char *name;
	int (*run)(qcmd_t *c);
	unsigned opts;          /* QO_* it takes */
	int min_args, max_args; /* IDs or PATHs */
	const char *args;       /* what they are, for the message */
} qcmd_sub_t;

static const qcmd_sub_t qcmd_subs[] = {
    {"list", qcmd_list,
     QO_SINCE | QO_STATUS | QO_FROM | QO_RCPT | QO_SYMBOL | QO_ACTION |
         QO_LIMIT | QO_JSON,
     0, 0, "no ID"},
    {"show", qcmd_show, QO_JSON, 1, 1, "one ID"},
    {"release", qcmd_release, QO_TO, 1, QCMD_MANY, "IDs"},
    {"delete", qcmd_delete, 0, 1, QCMD_MANY, "IDs"},
    {"export", qcmd_export, 0, 1, 1, "one ID"},
    {"purge", qcmd_purge, QO_OLDER, 0, 0, "no ID"},
    {"recover", qcmd_recover, 0, 0, 0, "no ID"},
    {"audit", qcmd_audit, QO_LIMIT, 0, 1, "at most one ID"},
    {"import", qcmd_import, QO_MAILFROM | QO_RCPT | QO_CLIENTIP | QO_HELO, 1,
     QCMD_MANY, "PATHs"},
};

/* Open the quarantine of CFG, or say why not. */
static emg_quarantine_t *
qcmd_open(const emg_config_t *cfg)
{
	emg_quarantine_t *q = NULL;
	char err[512] = "";
	emg_status_t st = emg_quarantine_open(cfg, &q, err, sizeof(err));
	if (st == EMG_OK)
		return q;
	if (err[0] == '\0')
		snprintf(err, sizeof(err), "%s", emg_strerror(st));
	fprintf(stderr, "emguard: quarantine: %s%s\n", err,
	        strstr(err, "no DataStore") != NULL
	            ? " (set DataStore sqlite:PATH or postgresql://... and "
	              "QuarantineDir)"
	            : "");
	return NULL;
}

int
cmd_quarantine(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		qcmd_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const qcmd_sub_t *sub = NULL;
	for (size_t i = 0; i < sizeof(qcmd_subs) / sizeof(qcmd_subs[0]); i++)
		if (strcmp(argv[1], qcmd_subs[i].name) == 0)
			sub = &qcmd_subs[i];
	if (sub == NULL) {
		fputs("emguard: quarantine: unknown command: ", stderr);
		termsafe_puts(stderr, argv[1]);
		fputc('\n', stderr);
		qcmd_usage(stderr);
		return 2;
	}
	qcmd_opts_t opt = {0};
	int rc = qcmd_args(argc - 1, argv + 1, sub->opts, &opt);
	if (rc >= 0)
		return rc;
	if (opt.n_args < sub->min_args || opt.n_args > sub->max_args) {
		fprintf(stderr, "emguard: quarantine %s takes %s\n", sub->name,
		        sub->args);
		return 2;
	}
	emg_config_t *cfg = cli_load_config(opt.conf, true);
	if (cfg == NULL)
		return 2;
	qcmd_t c = {.cfg = cfg, .opt = &opt, .q = qcmd_open(cfg)};
	qcmd_actor(c.actor, sizeof(c.actor));
	rc = 2;
	if (c.q != NULL) {
		rc = sub->run(&c);
		emg_quarantine_close(c.q);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "emguard: writing the output: %s\n",
		        strerror(errno));
		rc = 2;
	}
	emg_config_unref(cfg);
	return rc;
}
