/*
 * cmd_user.c - `emguard user`: the people who may log in to the
 * quarantine web page (emguard-web).
 *
 *   emguard user add NAME [-c CONF] [--password-stdin]
 *   emguard user passwd NAME [-c CONF] [--password-stdin]
 *   emguard user delete NAME [-c CONF]
 *   emguard user list [-c CONF]
 *
 * Users live in the DataStore (emg_user_*, scrypt hashes), so every host
 * that shares a PostgreSQL DataStore knows the same users.  The password
 * is read from the terminal (/dev/tty) with echo off, twice, or with
 * --password-stdin as one line of stdin (scripts, tests); it has at least
 * USER_CMD_MIN_CHARS characters (not bytes: a Japanese passphrase
 * counts its characters).  add refuses an existing name and passwd an
 * unknown one, so that a typo neither overwrites a colleague's password
 * nor makes a stray account.  Buffers that held a password are wiped.
 * Exit status: 0 fine, 2 usage, a refused password or a store error.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "emguard.h"
#include "termsafe.h"

#define USER_CMD_MIN_CHARS 10
/* Bytes of a password line read, with its line end. */
#define USER_CMD_LINE_MAX 1100

typedef struct user_opts {
	const char *conf;
	bool password_stdin;
	char **args;
	int n_args;
} user_opts_t;

/* Set by SIGINT or SIGTERM while the terminal's echo is off. */
static volatile sig_atomic_t user_cmd_interrupted;

static void
user_cmd_usage(FILE *fp)
{
	fprintf(fp,
	        "usage: emguard user add NAME [-c CONF] [--password-stdin]\n"
	        "       emguard user passwd NAME [-c CONF] "
	        "[--password-stdin]\n"
	        "       emguard user delete NAME [-c CONF]\n"
	        "       emguard user list [-c CONF]\n"
	        "Users of the quarantine web page, kept in the DataStore.  "
	        "The password is asked\ntwice on the terminal, or read as one "
	        "line of stdin with --password-stdin;\nit has at least %d "
	        "characters.  NAME is 1 to 64 of A-Z a-z 0-9 . _ @ -.\n"
	        "Exit status: 0 fine, 2 usage, refused password or store "
	        "error.\n",
	        USER_CMD_MIN_CHARS);
}

static void
user_cmd_on_signal(int sig)
{
	(void)sig;
	user_cmd_interrupted = 1;
}

/* Read one line from FD into BUF (LEN bytes) without its line end.
 * False at EOF before any byte, on an error, or when the line is too
 * long. */
static bool
user_cmd_readline(int fd, char *buf, size_t len)
{
	size_t n = 0;
	/* bounded by LEN */
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR && !user_cmd_interrupted)
			continue;
		if (r == 0 && n > 0)
			break; /* a last line without its line end */
		if (r <= 0) {
			explicit_bzero(buf, len);
			return false;
		}
		if (ch == '\n')
			break;
		if (n + 1 >= len) {
			explicit_bzero(buf, len);
			return false;
		}
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return true;
}

/* Ask PROMPT on the terminal TTY with echo off; false when the terminal
 * would not do it or the user interrupted. */
static bool
user_cmd_ask(int tty, const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	if (tcgetattr(tty, &old) != 0)
		return false;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	struct sigaction sa = {.sa_handler = user_cmd_on_signal}, oint, oterm;
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);
	bool ok = write(tty, prompt, strlen(prompt)) >= 0 &&
	          tcsetattr(tty, TCSAFLUSH, &quiet) == 0 &&
	          user_cmd_readline(tty, buf, len);
	tcsetattr(tty, TCSAFLUSH, &old);
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	ssize_t w = write(tty, "\n", 1);
	(void)w;
	return ok && !user_cmd_interrupted;
}

/* Characters of UTF-8 text S: bytes that do not continue a sequence. */
static size_t
user_cmd_chars(const char *s)
{
	size_t n = 0;
	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The new password of NAME into PW (LEN bytes); false with the reason on
 * stderr. */
static bool
user_cmd_password(const user_opts_t *opt, const char *name, char *pw,
                  size_t len)
{
	if (opt->password_stdin) {
		if (!user_cmd_readline(STDIN_FILENO, pw, len)) {
			fputs("emguard: user: no password line on stdin (or "
			      "longer than 1024 bytes)\n",
			      stderr);
			return false;
		}
	} else {
		int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (tty < 0) {
			fputs("emguard: user: no terminal to ask the password "
			      "on: use --password-stdin\n",
			      stderr);
			return false;
		}
		char again[USER_CMD_LINE_MAX], prompt[128];
		snprintf(prompt, sizeof(prompt), "New password for %s: ", name);
		bool ok = user_cmd_ask(tty, prompt, pw, len) &&
		          user_cmd_ask(tty, "Again: ", again, sizeof(again));
		close(tty);
		if (ok && strcmp(pw, again) != 0) {
			fputs("emguard: user: the two passwords differ\n",
			      stderr);
			ok = false;
		} else if (!ok)
			fputs("emguard: user: no password read\n", stderr);
		explicit_bzero(again, sizeof(again));
		if (!ok)
			return false;
	}
	if (user_cmd_chars(pw) < USER_CMD_MIN_CHARS) {
		fprintf(stderr,
		        "emguard: user: a password has at least %d "
		        "characters\n",
		        USER_CMD_MIN_CHARS);
		return false;
	}
	return true;
}

/* True in *FOUND when NAME is a user. */
static emg_status_t
user_cmd_exists(emg_quarantine_t *q, const char *name, bool *found)
{
	char **names = NULL;
	size_t n = 0;
	*found = false;
	emg_status_t st = emg_user_list(q, &names, &n);
	for (size_t i = 0; i < n; i++) {
		*found = *found || strcmp(names[i], name) == 0;
		free(names[i]);
	}
	free(names);
	return st;
}

/* add and passwd: ADD says which. */
static int
user_cmd_set(emg_quarantine_t *q, const user_opts_t *opt, bool add)
{
	const char *name = opt->args[0];
	bool found = false;
	emg_status_t st = user_cmd_exists(q, name, &found);
	if (st == EMG_OK && found == add) {
		fputs("emguard: user ", stderr);
		termsafe_puts(stderr, name);
		fputs(add ? " exists already (emguard user passwd changes its "
		            "password)\n"
		          : ": no such user (emguard user add makes one)\n",
		      stderr);
		return 2;
	}
	char pw[USER_CMD_LINE_MAX];
	if (st == EMG_OK && !user_cmd_password(opt, name, pw, sizeof(pw))) {
		explicit_bzero(pw, sizeof(pw));
		return 2;
	}
	if (st == EMG_OK)
		st = emg_user_set(q, name, pw);
	explicit_bzero(pw, sizeof(pw));
	if (st != EMG_OK) {
		fprintf(stderr, "emguard: user: %s\n", emg_quarantine_error(q));
		return 2;
	}
	printf("%s: %s\n", name, add ? "added" : "password changed");
	return 0;
}

static int
user_cmd_delete(emg_quarantine_t *q, const user_opts_t *opt)
{
	emg_status_t st = emg_user_delete(q, opt->args[0]);
	if (st == EMG_OK) {
		printf("%s: deleted\n", opt->args[0]);
		return 0;
	}
	fputs("emguard: user ", stderr);
	termsafe_puts(stderr, opt->args[0]);
	fprintf(stderr, ": %s\n",
	        st == EMG_EINVAL ? "no such user" : emg_quarantine_error(q));
	return 2;
}

static int
user_cmd_list(emg_quarantine_t *q)
{
	char **names = NULL;
	size_t n = 0;
	emg_status_t st = emg_user_list(q, &names, &n);
	if (st != EMG_OK) {
		fprintf(stderr, "emguard: user: %s\n", emg_quarantine_error(q));
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		termsafe_puts(stdout, names[i]);
		fputc('\n', stdout);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* Options after the sub-command; -1 when fine, else the exit status. */
static int
user_cmd_args(int argc, char **argv, user_opts_t *opt)
{
	enum { O_STDIN = 256 };
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"password-stdin", no_argument, NULL, O_STDIN},
	    {NULL, 0, NULL, 0},
	};
	bool takes_name = strcmp(argv[0], "list") != 0;
	bool takes_pw =
	    strcmp(argv[0], "add") == 0 || strcmp(argv[0], "passwd") == 0;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt->conf = optarg; break;
		case 'h': user_cmd_usage(stdout); return 0;
		case O_STDIN:
			if (takes_pw) {
				opt->password_stdin = true;
				break;
			}
			/* fall through */
		default: user_cmd_usage(stderr); return 2;
		}
	}
	opt->args = argv + optind;
	opt->n_args = argc - optind;
	if (opt->n_args != (takes_name ? 1 : 0)) {
		user_cmd_usage(stderr);
		return 2;
	}
	return -1;
}

int
cmd_user(int argc, char **argv)
{
	static const char *const subs[] = {"add", "passwd", "delete", "list"};
	int which = -1;
	for (int i = 0; argc >= 2 && i < 4; i++)
		if (strcmp(argv[1], subs[i]) == 0)
			which = i;
	if (which < 0) {
		bool help = argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
		                          strcmp(argv[1], "--help") == 0);
		user_cmd_usage(help ? stdout : stderr);
		return help ? 0 : 2;
	}
	user_opts_t opt = {0};
	int rc = user_cmd_args(argc - 1, argv + 1, &opt);
	if (rc >= 0)
		return rc;
	emg_config_t *cfg = cli_load_config(opt.conf, true);
	if (cfg == NULL)
		return 2;
	emg_quarantine_t *q = NULL;
	char err[512] = "";
	emg_status_t st = emg_quarantine_open(cfg, &q, err, sizeof(err));
	if (st != EMG_OK) {
		fprintf(stderr, "emguard: user: %s\n",
		        err[0] ? err : emg_strerror(st));
		emg_config_unref(cfg);
		return 2;
	}
	rc = which == 0   ? user_cmd_set(q, &opt, true)
	     : which == 1 ? user_cmd_set(q, &opt, false)
	     : which == 2 ? user_cmd_delete(q, &opt)
	                  : user_cmd_list(q);
	emg_quarantine_close(q);
	emg_config_unref(cfg);
	if (fflush(stdout) != 0)
		rc = 2;
	return rc;
}
