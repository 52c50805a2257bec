/*
 * release.c - re-injection of released mail (release.h): a sendmail
 * program started with fork and execve, or one SMTP transaction, and the
 * release of a quarantine entry on top of either.
 *
 * sendmail:PATH  PATH -i -f SENDER -- RCPT... with an environment of PATH
 *                only (and Postfix's MAIL_CONFIG when the caller has one,
 *                so that a second Postfix instance gets its own mail), the
 *                message on stdin, its stdout and stderr captured (the
 *                first RELEASE_MSG_MAX bytes) for the failure message.
 *                Exit status 0 is success; a program that runs longer than
 *                RELEASE_RUN_MS is killed.  The null sender is "-f <>".
 * smtp:HOST:PORT EHLO (HELO when refused), MAIL FROM, one RCPT TO per
 *                recipient (a transaction goes on when at least one was
 *                accepted, and the result names those refused), DATA with
 *                every line end made CRLF (bare LF and bare CR too: a bare
 *                CR before a dot would end the data for some servers) and
 *                lines starting with "." dot-stuffed, then QUIT.  Every
 *                read and write waits at most the step's timeout.
 * Addresses are checked before they go into an argument vector or a
 * command: no leading "-", no space, no control character, no "<" or ">".
 * The release header takes the line end of the message's first line, so
 * that a CRLF message stays CRLF throughout.
 *
 * Timeouts are the test hook release_send_within (declared where used).
 */
#include "release.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The sendmail program's whole run; a connect; one SMTP reply. */
#define RELEASE_RUN_MS 60000
#define RELEASE_CONNECT_MS 30000
#define RELEASE_REPLY_MS 60000
/* After the final dot the server may scan the message (emguard-milter
 * does): Postfix's own client waits 600 s, a person waits less. */
#define RELEASE_DATA_DONE_MS 180000
/* RFC 5321 4.5.3.1.3: a path is at most 256 octets. */
#define RELEASE_ADDR_MAX 256
/* Recipients of one release: more is not a release but a mailing. */
#define RELEASE_RCPTS_MAX 1000
/* One reply line (RFC 5321 says 512; servers send longer) and the lines
 * of one reply (EHLO lists a few dozen extensions at most). */
#define RELEASE_LINE_MAX 2048
#define RELEASE_LINES_MAX 100
/* The longest HOST of smtp:HOST:PORT (a DNS name). */
#define RELEASE_HOST_MAX 255
/* The audit detail: recipients, method and reply. */
#define RELEASE_DETAIL_MAX 2048

/* How long each step may take. */
typedef struct release_timeouts {
	int run_ms;     /* the sendmail program */
	int connect_ms; /* the SMTP connection */
	int reply_ms;   /* each SMTP reply or write */
	int done_ms;    /* the reply to the final dot */
} release_timeouts_t;

/* ---- small helpers ------------------------------------------------------ */

static int64_t
release_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before DEADLINE, at least 0, for poll. */
static int
release_left_ms(int64_t deadline)
{
	int64_t left = deadline - release_now_ms();
	if (left < 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

/* printf into MSG, one line: every control character (a server's reply,
 * a program's stderr) becomes a space, and a long text is cut. */
static void __attribute__((format(printf, 3, 4)))
release_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	if (msg == NULL || msglen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

/* True when ADDR may go into an argument vector and an SMTP command.
 * EMPTY_OK for the null sender. */
static bool
release_addr_ok(const char *addr, bool empty_ok)
{
	size_t n = strlen(addr);
	if (n == 0)
		return empty_ok;
	if (n > RELEASE_ADDR_MAX || addr[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
			return false;
	}
	return true;
}

/* Check the sender and every recipient; MSG says which one is bad. */
static emg_status_t
release_check_addrs(const char *mail_from, const char *const *rcpts,
                    size_t n_rcpts, char *msg, size_t msglen)
{
	if (n_rcpts == 0 || rcpts == NULL) {
		release_msg(msg, msglen, "no recipient");
		return EMG_EINVAL;
	}
	if (n_rcpts > RELEASE_RCPTS_MAX) {
		release_msg(msg, msglen, "more than %d recipients",
		            RELEASE_RCPTS_MAX);
		return EMG_EINVAL;
	}
	if (mail_from == NULL || !release_addr_ok(mail_from, true)) {
		release_msg(msg, msglen, "unusable sender address: %.200s",
		            mail_from != NULL ? mail_from : "(none)");
		return EMG_EINVAL;
	}
	for (size_t i = 0; i < n_rcpts; i++)
		if (rcpts[i] == NULL || !release_addr_ok(rcpts[i], false)) {
			release_msg(msg, msglen,
			            "unusable recipient address: %.200s",
			            rcpts[i] != NULL ? rcpts[i] : "(none)");
			return EMG_EINVAL;
		}
	return EMG_OK;
}

/* The line end of DATA's first line: "\r\n" when it is CRLF. */
static const char *
release_eol(const void *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	return nl != NULL && nl > (const char *)data && nl[-1] == '\r' ? "\r\n"
	                                                               : "\n";
}

/* ---- sendmail:PATH ------------------------------------------------------ */

/* What the parent of a sendmail child keeps while it runs. */
typedef struct release_child {
	pid_t pid;
	int in_fd;  /* the child's stdin, -1 once closed */
	int out_fd; /* the child's stdout and stderr, -1 at EOF */
	char out[RELEASE_MSG_MAX];
	size_t out_len;
} release_child_t;

/* In the child, between fork and execve: only async-signal-safe calls. */
static void __attribute__((noreturn))
release_child_exec(int in_fd, int out_fd, const char *path, char *const argv[],
                   char *const envp[], const char *fail, size_t fail_len)
{
	sigset_t none;
	sigemptyset(&none);
	/* an ignored SIGPIPE (emguard-web) would survive execve */
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigaction(SIGPIPE, &dfl, NULL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(out_fd, STDERR_FILENO) < 0)
		_exit(127);
	/* nothing else of ours (the DataStore, a web socket) goes along */
	if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	execve(path, argv, envp);
	ssize_t w = write(STDERR_FILENO, fail, fail_len);
	(void)w;
	_exit(127);
}

/* Write what is left of BUF to the child's stdin without blocking; the
 * pipe closes when the child is done with it.  False when the child went
 * away before reading it all. */
static bool
release_child_feed(release_child_t *ch, const char **buf, size_t *left)
{
	/* bounded: each round writes or stops */
	while (*left > 0) {
		ssize_t w = write(ch->in_fd, *buf, *left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (w <= 0)
			return false;
		*buf += w;
		*left -= (size_t)w;
	}
	return true;
}

/* Read what the child said; keep the start, drop the rest. */
static void
release_child_drain(release_child_t *ch)
{
	char tmp[4096];
	for (int round = 0; round < 64; round++) {
		ssize_t r = read(ch->out_fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			close(ch->out_fd);
			ch->out_fd = -1;
			return;
		}
		size_t room = sizeof(ch->out) - 1 - ch->out_len;
		size_t take = (size_t)r < room ? (size_t)r : room;
		memcpy(ch->out + ch->out_len, tmp, take);
		ch->out_len += take;
		ch->out[ch->out_len] = '\0';
	}
}

/* Feed HEAD then DATA to the child and collect its output until it
 * closes its end or DEADLINE passes.  False on timeout.  *BROKEN is set
 * when the child stopped reading early. */
static bool
release_child_talk(release_child_t *ch, const char *head, size_t head_len,
                   const void *data, size_t len, int64_t deadline, bool *broken)
{
	const char *bufs[2] = {head, data};
	size_t lefts[2] = {head_len, len};
	int part = 0;
	/* bounded by DEADLINE */
	while (ch->out_fd >= 0 || ch->in_fd >= 0) {
		while (part < 2 && lefts[part] == 0)
			part++;
		if (part == 2 && ch->in_fd >= 0) {
			close(ch->in_fd);
			ch->in_fd = -1;
			continue;
		}
		struct pollfd p[2] = {{.fd = ch->in_fd, .events = POLLOUT},
		                      {.fd = ch->out_fd, .events = POLLIN}};
		int left = release_left_ms(deadline);
		if (left == 0)
			return false;
		int r = poll(p, 2, left);
		if (r < 0 && errno != EINTR)
			return false;
		if (r <= 0)
			continue;
		if (p[1].revents != 0)
			release_child_drain(ch);
		if (ch->in_fd >= 0 && p[0].revents != 0 &&
		    !release_child_feed(ch, &bufs[part], &lefts[part])) {
			*broken = true;
			close(ch->in_fd);
			ch->in_fd = -1;
			part = 2;
		}
	}
	return true;
}

/* Wait for the child until DEADLINE, then kill it.  *STATUS is its wait
 * status; false when it had to be killed. */
static bool
release_child_reap(pid_t pid, int64_t deadline, int *status)
{
	/* bounded by DEADLINE, 10 ms a round */
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return true;
		if (release_left_ms(deadline) == 0)
			break;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return false;
}

/* Write with SIGPIPE blocked on this thread (a child that exits early
 * must not kill emguard-web), and consume the signal it raised. */
static bool
release_child_run(release_child_t *ch, const char *head, size_t head_len,
                  const void *data, size_t len, int timeout_ms, int *status,
                  bool *broken)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	int64_t deadline = release_now_ms() + timeout_ms;
	bool in_time =
	    release_child_talk(ch, head, head_len, data, len, deadline, broken);
	if (ch->in_fd >= 0)
		close(ch->in_fd);
	if (ch->out_fd >= 0)
		close(ch->out_fd);
	ch->in_fd = ch->out_fd = -1;
	in_time = release_child_reap(ch->pid, in_time ? deadline : 0, status) &&
	          in_time;
	struct timespec zero = {0, 0};
	while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return in_time;
}

/* The argument vector "sendmail -i -f SENDER -- RCPT...", NULL-ended. */
static char **
release_sendmail_argv(const char *mail_from, const char *const *rcpts,
                      size_t n_rcpts)
{
	char **argv = calloc(n_rcpts + 6, sizeof(*argv));
	if (argv == NULL)
		return NULL;
	size_t k = 0;
	argv[k++] = (char *)"sendmail";
	argv[k++] = (char *)"-i";
	argv[k++] = (char *)"-f";
	argv[k++] = (char *)(mail_from[0] != '\0' ? mail_from : "<>");
	argv[k++] = (char *)"--";
	for (size_t i = 0; i < n_rcpts; i++)
		argv[k++] = (char *)rcpts[i];
	return argv;
}

/* What became of the child: EMG_OK for exit status 0, else MSG says. */
static emg_status_t
release_child_verdict(const char *path, release_child_t *ch, bool in_time,
                      bool broken, int status, int timeout_ms, char *msg,
                      size_t msglen)
{
	char *said = ch->out;
	while (*said == ' ' || *said == '\n' || *said == '\r' || *said == '\t')
		said++;
	size_t n = strlen(said);
	while (n > 0 && (said[n - 1] == '\n' || said[n - 1] == '\r' ||
	                 said[n - 1] == ' '))
		said[--n] = '\0';
	if (!in_time) {
		release_msg(msg, msglen, "%s: no answer in %d s, killed", path,
		            timeout_ms / 1000);
		return EMG_ETIMEOUT;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !broken) {
		release_msg(msg, msglen, "accepted by %s", path);
		return EMG_OK;
	}
	if (WIFEXITED(status))
		release_msg(msg, msglen, "%s exited %d%s%s%s", path,
		            WEXITSTATUS(status),
		            broken ? " before reading the whole message" : "",
		            said[0] ? ": " : "", said);
	else
		release_msg(msg, msglen, "%s killed by signal %d%s%s", path,
		            WIFSIGNALED(status) ? WTERMSIG(status) : 0,
		            said[0] ? ": " : "", said);
	return EMG_EIO;
}

static emg_status_t
release_sendmail(const char *path, const char *mail_from,
                 const char *const *rcpts, size_t n_rcpts, const char *head,
                 size_t head_len, const void *data, size_t len, int timeout_ms,
                 char *msg, size_t msglen)
{
	if (path[0] != '/') {
		release_msg(msg, msglen,
		            "ReleaseMethod sendmail:PATH wants an absolute "
		            "path, not %.200s",
		            path);
		return EMG_ECONFIG;
	}
	if (access(path, X_OK) != 0) {
		release_msg(msg, msglen, "%s: %s", path, strerror(errno));
		return EMG_ECONFIG;
	}
	char **argv = release_sendmail_argv(mail_from, rcpts, n_rcpts);
	char fail[RELEASE_MSG_MAX], mail_config[1024] = "";
	int nfail = snprintf(fail, sizeof(fail), "cannot execute %s\n", path);
	const char *mc = getenv("MAIL_CONFIG");
	if (mc != NULL && mc[0] == '/')
		snprintf(mail_config, sizeof(mail_config), "MAIL_CONFIG=%s",
		         mc);
	char *envp[] = {(char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	                mail_config[0] ? mail_config : NULL, NULL};
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	if (argv == NULL || pipe2(in, O_CLOEXEC) != 0 ||
	    pipe2(out, O_CLOEXEC) != 0) {
		release_msg(msg, msglen, "%s: cannot start: %s", path,
		            argv == NULL ? "out of memory" : strerror(errno));
		goto fail;
	}
	release_child_t ch = {.in_fd = in[1], .out_fd = out[0]};
	ch.pid = fork();
	if (ch.pid == 0)
		release_child_exec(in[0], out[1], path, argv, envp, fail,
		                   nfail > 0 ? (size_t)nfail : 0);
	if (ch.pid < 0) {
		release_msg(msg, msglen, "%s: fork: %s", path, strerror(errno));
		goto fail;
	}
	close(in[0]);
	close(out[1]);
	free(argv);
	fcntl(ch.in_fd, F_SETFL, O_NONBLOCK);
	fcntl(ch.out_fd, F_SETFL, O_NONBLOCK);
	int status = 0;
	bool broken = false;
	bool in_time = release_child_run(&ch, head, head_len, data, len,
	                                 timeout_ms, &status, &broken);
	return release_child_verdict(path, &ch, in_time, broken, status,
	                             timeout_ms, msg, msglen);
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	free(argv);
	return EMG_EIO;
}

/* ---- smtp:HOST:PORT ----------------------------------------------------- */

/* One SMTP connection and its read buffer. */
typedef struct release_smtp {
	int fd;
	int step_ms;    /* each read and write */
	int done_ms;    /* the reply to the final dot */
	char buf[4096]; /* received, not yet consumed */
	size_t len;
	char line[RELEASE_LINE_MAX]; /* the last line of the last reply */
	int code; /* of the last reply; 0: none (timeout...) */
	bool timed_out;
	bool ext_8bitmime, ext_smtputf8; /* from the EHLO reply */
	char why[RELEASE_MSG_MAX];       /* a local failure (connect, I/O) */
} release_smtp_t;

/* Split "HOST:PORT" or "[IPV6]:PORT" into HOST and PORT. */
static bool
release_smtp_target(const char *spec, char host[RELEASE_HOST_MAX + 1],
                    char port[8])
{
	const char *colon = strrchr(spec, ':');
	if (colon == NULL || colon == spec)
		return false;
	const char *h = spec;
	size_t hlen = (size_t)(colon - spec);
	if (h[0] == '[') {
		if (hlen < 3 || h[hlen - 1] != ']')
			return false;
		h++;
		hlen -= 2;
	}
	size_t plen = strlen(colon + 1);
	if (hlen > RELEASE_HOST_MAX || plen == 0 || plen > 5 ||
	    strspn(colon + 1, "0123456789") != plen)
		return false;
	long p = strtol(colon + 1, NULL, 10);
	if (p < 1 || p > 65535)
		return false;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memcpy(port, colon + 1, plen + 1);
	return true;
}

/* Connect to one address within the connect timeout. */
static int
release_smtp_connect_one(const struct addrinfo *ai, int timeout_ms, int *err)
{
	int fd = socket(ai->ai_family,
	                ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	                ai->ai_protocol);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno == EINPROGRESS) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int64_t deadline = release_now_ms() + timeout_ms;
		int r;
		/* bounded by DEADLINE */
		do
			r = poll(&p, 1, release_left_ms(deadline));
		while (r < 0 && errno == EINTR);
		int soerr = ETIMEDOUT;
		socklen_t sl = sizeof(soerr);
		if (r > 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = errno;
		if (r > 0 && soerr == 0)
			return fd;
		errno = soerr;
	}
	*err = errno;
	close(fd);
	return -1;
}

static emg_status_t
release_smtp_connect(release_smtp_t *c, const char *spec, int timeout_ms)
{
	char host[RELEASE_HOST_MAX + 1], port[8];
	if (!release_smtp_target(spec, host, port)) {
		release_msg(c->why, sizeof(c->why),
		            "ReleaseMethod smtp:HOST:PORT, not smtp:%.200s",
		            spec);
		return EMG_ECONFIG;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		release_msg(c->why, sizeof(c->why), "smtp:%s: %s", spec,
		            gai_strerror(gai));
		return EMG_EIO;
	}
	int err = 0;
	c->fd = -1;
	/* bounded by getaddrinfo's list */
	for (const struct addrinfo *ai = res; ai != NULL && c->fd < 0;
	     ai = ai->ai_next)
		c->fd = release_smtp_connect_one(ai, timeout_ms, &err);
	freeaddrinfo(res);
	if (c->fd >= 0)
		return EMG_OK;
	release_msg(c->why, sizeof(c->why), "smtp:%s: connect: %s", spec,
	            strerror(err));
	c->timed_out = err == ETIMEDOUT;
	return c->timed_out ? EMG_ETIMEOUT : EMG_EIO;
}

/* Send LEN bytes of BUF within the step timeout. */
static bool
release_smtp_write(release_smtp_t *c, const char *buf, size_t len)
{
	int64_t deadline = release_now_ms() + c->step_ms;
	/* bounded by DEADLINE */
	while (len > 0) {
		ssize_t w = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (w > 0) {
			buf += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			release_msg(c->why, sizeof(c->why), "sending: %s",
			            strerror(errno));
			return false;
		}
		struct pollfd p = {.fd = c->fd, .events = POLLOUT};
		int left = release_left_ms(deadline);
		if (left == 0 || poll(&p, 1, left) == 0) {
			c->timed_out = true;
			release_msg(c->why, sizeof(c->why),
			            "the server took no data for %d s",
			            c->step_ms / 1000);
			return false;
		}
	}
	return true;
}

/* One reply line (without its line end) into C->line, waiting until
 * DEADLINE. */
static bool
release_smtp_getline(release_smtp_t *c, int64_t deadline)
{
	/* bounded by DEADLINE and the buffer size */
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl != NULL) {
			size_t n = (size_t)(nl - c->buf);
			size_t keep = n > 0 && nl[-1] == '\r' ? n - 1 : n;
			if (keep >= sizeof(c->line))
				keep = sizeof(c->line) - 1;
			memcpy(c->line, c->buf, keep);
			c->line[keep] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return true;
		}
		if (c->len == sizeof(c->buf)) {
			release_msg(c->why, sizeof(c->why),
			            "a reply line longer than %zu bytes",
			            sizeof(c->buf));
			return false;
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int left = release_left_ms(deadline);
		int r = left > 0 ? poll(&p, 1, left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			c->timed_out = true;
			release_msg(c->why, sizeof(c->why), "no reply in %d s",
			            c->step_ms / 1000);
			return false;
		}
		ssize_t got =
		    recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			release_msg(c->why, sizeof(c->why),
			            "the server closed the connection%s%s",
			            got < 0 ? ": " : "",
			            got < 0 ? strerror(errno) : "");
			return false;
		}
		c->len += (size_t)got;
	}
}

/* Note an EHLO extension the transaction may use. */
static void
release_smtp_extension(release_smtp_t *c, const char *kw)
{
	if (strncasecmp(kw, "8BITMIME", 8) == 0 &&
	    (kw[8] == '\0' || kw[8] == ' '))
		c->ext_8bitmime = true;
	if (strncasecmp(kw, "SMTPUTF8", 8) == 0 &&
	    (kw[8] == '\0' || kw[8] == ' '))
		c->ext_smtputf8 = true;
}

/* Read one reply, multi-line or not, waiting WAIT_MS for each line.  Its
 * code goes to C->code (0 when there was none), its last line to
 * C->line. */
static bool
release_smtp_reply(release_smtp_t *c, int wait_ms)
{
	c->code = 0;
	int64_t deadline = release_now_ms() + wait_ms;
	for (int i = 0; i < RELEASE_LINES_MAX; i++) {
		if (!release_smtp_getline(c, deadline))
			return false;
		const char *l = c->line;
		bool digits = l[0] >= '2' && l[0] <= '5' && l[1] >= '0' &&
		              l[1] <= '9' && l[2] >= '0' && l[2] <= '9';
		int code = digits ? (l[0] - '0') * 100 + (l[1] - '0') * 10 +
		                        (l[2] - '0')
		                  : 0;
		if (code == 0 || (l[3] != '\0' && l[3] != ' ' && l[3] != '-') ||
		    (c->code != 0 && code != c->code)) {
			release_msg(c->why, sizeof(c->why),
			            "not an SMTP reply: %.200s", l);
			return false;
		}
		c->code = code;
		if (l[3] != '\0')
			release_smtp_extension(c, l + 4);
		if (l[3] != '-')
			return true;
	}
	release_msg(c->why, sizeof(c->why), "a reply of more than %d lines",
	            RELEASE_LINES_MAX);
	return false;
}

/* Send the command CMD (without CRLF) and read its reply.  True when it
 * came; C->code says what it was. */
static bool
release_smtp_cmd(release_smtp_t *c, const char *cmd, int wait_ms)
{
	char line[RELEASE_ADDR_MAX + 128];
	int n = snprintf(line, sizeof(line), "%s\r\n", cmd);
	if (n < 0 || (size_t)n >= sizeof(line))
		return false;
	return release_smtp_write(c, line, (size_t)n) &&
	       release_smtp_reply(c, wait_ms);
}

/* The name we greet with: this host's name when it looks like one. */
static void
release_smtp_helo_name(char *name, size_t len)
{
	if (gethostname(name, len) != 0 || name[0] == '\0' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789.-") != strlen(name))
		snprintf(name, len, "localhost");
}

/* The body of DATA: HEAD and DATA with CRLF line ends and dot-stuffing,
 * then the final dot, in chunks of the output buffer. */
typedef struct release_dot {
	release_smtp_t *c;
	char out[16384];
	size_t n;
	bool bol;     /* at the start of a line */
	bool pend_cr; /* a CR whose LF may follow */
} release_dot_t;

static bool
release_dot_put(release_dot_t *d, const char *s, size_t len)
{
	if (d->n + len > sizeof(d->out)) {
		if (!release_smtp_write(d->c, d->out, d->n))
			return false;
		d->n = 0;
	}
	memcpy(d->out + d->n, s, len);
	d->n += len;
	return true;
}

static bool
release_dot_feed(release_dot_t *d, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char ch = p[i];
		if (d->pend_cr) {
			d->pend_cr = false;
			if (ch == '\n')
				continue; /* the CRLF was written at the CR */
		}
		if (ch == '\r' || ch == '\n') {
			if (!release_dot_put(d, "\r\n", 2))
				return false;
			d->pend_cr = ch == '\r';
			d->bol = true;
			continue;
		}
		if (d->bol && ch == '.' && !release_dot_put(d, ".", 1))
			return false;
		d->bol = false;
		if (!release_dot_put(d, &ch, 1))
			return false;
	}
	return true;
}

static bool
release_dot_body(release_smtp_t *c, const char *head, size_t head_len,
                 const void *data, size_t len)
{
	release_dot_t *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		release_msg(c->why, sizeof(c->why), "out of memory");
		return false;
	}
	d->c = c;
	d->bol = true;
	bool ok = release_dot_feed(d, head, head_len) &&
	          release_dot_feed(d, data, len) &&
	          (d->bol || release_dot_put(d, "\r\n", 2)) &&
	          release_dot_put(d, ".\r\n", 3) &&
	          release_smtp_write(c, d->out, d->n);
	free(d);
	return ok;
}

/* True when LEN bytes of P hold a byte above 127. */
static bool
release_8bit(const void *p, size_t len)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < len; i++)
		if (s[i] & 0x80)
			return true;
	return false;
}

/* Greet: EHLO, or HELO when the server does not know EHLO. */
static bool
release_smtp_greet(release_smtp_t *c)
{
	char name[256], cmd[300];
	release_smtp_helo_name(name, sizeof(name));
	if (!release_smtp_reply(c, c->step_ms) || c->code != 220)
		return false;
	snprintf(cmd, sizeof(cmd), "EHLO %s", name);
	if (!release_smtp_cmd(c, cmd, c->step_ms))
		return false;
	if (c->code == 250)
		return true;
	c->ext_8bitmime = c->ext_smtputf8 = false;
	snprintf(cmd, sizeof(cmd), "HELO %s", name);
	return release_smtp_cmd(c, cmd, c->step_ms) && c->code == 250;
}

/* MAIL FROM and RCPT TO for each recipient; REFUSED lists those the
 * server refused.  False when the sender or every recipient was refused. */
static bool
release_smtp_envelope(release_smtp_t *c, const char *mail_from,
                      const char *const *rcpts, size_t n_rcpts, bool body8,
                      char *refused, size_t refused_len)
{
	char cmd[RELEASE_ADDR_MAX + 64];
	bool utf8 = release_8bit(mail_from, strlen(mail_from));
	for (size_t i = 0; i < n_rcpts; i++)
		utf8 = utf8 || release_8bit(rcpts[i], strlen(rcpts[i]));
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>%s%s", mail_from,
	         body8 && c->ext_8bitmime ? " BODY=8BITMIME" : "",
	         utf8 && c->ext_smtputf8 ? " SMTPUTF8" : "");
	if (!release_smtp_cmd(c, cmd, c->step_ms) || c->code / 100 != 2)
		return false;
	size_t accepted = 0, used = 0;
	refused[0] = '\0';
	for (size_t i = 0; i < n_rcpts; i++) {
		snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>", rcpts[i]);
		if (!release_smtp_cmd(c, cmd, c->step_ms))
			return false;
		if (c->code / 100 == 2) {
			accepted++;
			continue;
		}
		int n =
		    snprintf(refused + used, refused_len - used, "%s%s (%s)",
		             used ? ", " : "", rcpts[i], c->line);
		if (n > 0 && (size_t)n < refused_len - used)
			used += (size_t)n;
	}
	return accepted > 0;
}

/* The transaction on a connected C.  False at the first failure; C says
 * what (C->why for a local failure, else the reply in C->line). */
static bool
release_smtp_transaction(release_smtp_t *c, const char *mail_from,
                         const char *const *rcpts, size_t n_rcpts,
                         const char *head, size_t head_len, const void *data,
                         size_t len, char *refused, size_t refused_len)
{
	bool body8 = release_8bit(data, len);
	if (!release_smtp_greet(c) ||
	    !release_smtp_envelope(c, mail_from, rcpts, n_rcpts, body8, refused,
	                           refused_len))
		return false;
	if (!release_smtp_cmd(c, "DATA", c->step_ms) || c->code != 354)
		return false;
	return release_dot_body(c, head, head_len, data, len) &&
	       release_smtp_reply(c, c->done_ms) && c->code / 100 == 2;
}

static emg_status_t
release_smtp(const char *spec, const char *mail_from, const char *const *rcpts,
             size_t n_rcpts, const char *head, size_t head_len,
             const void *data, size_t len, const release_timeouts_t *t,
             char *msg, size_t msglen)
{
	release_smtp_t *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		release_msg(msg, msglen, "out of memory");
		return EMG_ENOMEM;
	}
	c->step_ms = t->reply_ms;
	c->done_ms = t->done_ms;
	char refused[RELEASE_MSG_MAX];
	refused[0] = '\0';
	emg_status_t st = release_smtp_connect(c, spec, t->connect_ms);
	if (st != EMG_OK) {
		release_msg(msg, msglen, "%s", c->why);
		free(c);
		return st;
	}
	bool ok = release_smtp_transaction(c, mail_from, rcpts, n_rcpts, head,
	                                   head_len, data, len, refused,
	                                   sizeof(refused));
	if (ok)
		release_msg(msg, msglen, "%s%s%s", c->line,
		            refused[0] ? "; refused: " : "", refused);
	else if (c->why[0] != '\0')
		release_msg(msg, msglen, "smtp:%s: %s", spec, c->why);
	else if (refused[0] != '\0')
		release_msg(msg, msglen, "every recipient refused: %s",
		            refused);
	else
		release_msg(msg, msglen, "%s", c->line);
	st = ok ? EMG_OK : c->timed_out ? EMG_ETIMEOUT : EMG_EIO;
	/* a polite end; its answer changes nothing */
	if (c->why[0] == '\0') {
		int quit_ms = t->reply_ms < 5000 ? t->reply_ms : 5000;
		c->step_ms = quit_ms;
		if (!ok)
			release_smtp_cmd(c, "RSET", quit_ms);
		release_smtp_cmd(c, "QUIT", quit_ms);
	}
	close(c->fd);
	free(c);
	return st;
}

/* ---- the entry points --------------------------------------------------- */

/* release_send with every step waiting at most TIMEOUT_MS (0: the
 * defaults).  The tests use it to see a timeout in a second, not in a
 * minute. */
emg_status_t release_send_within(const char *method, const char *mail_from,
                                 const char *const *rcpts, size_t n_rcpts,
                                 const char *header, const void *data,
                                 size_t len, char *msg, size_t msglen,
                                 int timeout_ms);

emg_status_t
release_send_within(const char *method, const char *mail_from,
                    const char *const *rcpts, size_t n_rcpts,
                    const char *header, const void *data, size_t len, char *msg,
                    size_t msglen, int timeout_ms)
{
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (method == NULL || (data == NULL && len > 0)) {
		release_msg(msg, msglen, "no ReleaseMethod");
		return method == NULL ? EMG_ECONFIG : EMG_EINVAL;
	}
	emg_status_t st =
	    release_check_addrs(mail_from, rcpts, n_rcpts, msg, msglen);
	if (st != EMG_OK)
		return st;
	char *head = NULL;
	size_t head_len = 0;
	if (header != NULL) {
		if (strpbrk(header, "\r\n") != NULL) {
			release_msg(msg, msglen, "a header with a line end");
			return EMG_EINVAL;
		}
		const char *eol = release_eol(data, len);
		if (asprintf(&head, "%s%s", header, eol) < 0) {
			release_msg(msg, msglen, "out of memory");
			return EMG_ENOMEM;
		}
		head_len = strlen(head);
	}
	release_timeouts_t t = {RELEASE_RUN_MS, RELEASE_CONNECT_MS,
	                        RELEASE_REPLY_MS, RELEASE_DATA_DONE_MS};
	if (timeout_ms > 0)
		t = (release_timeouts_t){timeout_ms, timeout_ms, timeout_ms,
		                         timeout_ms};
	if (strncmp(method, "sendmail:", 9) == 0)
		st = release_sendmail(method + 9, mail_from, rcpts, n_rcpts,
		                      head ? head : "", head_len, data, len,
		                      t.run_ms, msg, msglen);
	else if (strncmp(method, "smtp:", 5) == 0)
		st = release_smtp(method + 5, mail_from, rcpts, n_rcpts,
		                  head ? head : "", head_len, data, len, &t,
		                  msg, msglen);
	else {
		release_msg(msg, msglen,
		            "ReleaseMethod is sendmail:PATH or smtp:HOST:PORT, "
		            "not %.200s",
		            method);
		st = EMG_ECONFIG;
	}
	free(head);
	return st;
}

emg_status_t
release_send(const char *method, const char *mail_from,
             const char *const *rcpts, size_t n_rcpts, const char *header,
             const void *data, size_t len, char *msg, size_t msglen)
{
	return release_send_within(method, mail_from, rcpts, n_rcpts, header,
	                           data, len, msg, msglen, 0);
}

/* ---- releasing a quarantine entry --------------------------------------- */

/* "to=a@b.test,c@d.test via METHOD: RESULT" for the audit trail, with as
 * many recipients as fit. */
static void
release_detail(char *out, size_t outlen, bool again, const char *const *rcpts,
               size_t n_rcpts, const char *method, const char *result)
{
	size_t used = 0;
	int n = snprintf(out, outlen, "%sto=", again ? "again, " : "");
	used = n > 0 && (size_t)n < outlen ? (size_t)n : outlen - 1;
	for (size_t i = 0; i < n_rcpts; i++) {
		/* keep room for " (+N more) via METHOD: RESULT" */
		if (used + strlen(rcpts[i]) + 2 > outlen / 2) {
			n = snprintf(out + used, outlen - used, " (+%zu more)",
			             n_rcpts - i);
			used +=
			    n > 0 && (size_t)n < outlen - used ? (size_t)n : 0;
			break;
		}
		n = snprintf(out + used, outlen - used, "%s%s", i ? "," : "",
		             rcpts[i]);
		used += (size_t)n;
	}
	snprintf(out + used, outlen - used, " via %s: %s", method, result);
}

/* Send entry E's bytes with a fresh release token; RESULT gets the
 * answer. */
static emg_status_t
release_entry_send(emg_quarantine_t *q, const emg_qentry_t *e,
                   const char *const *rcpts, size_t n_rcpts, const char *method,
                   const char *actor, char *result, size_t result_len)
{
	void *data = NULL;
	size_t len = 0;
	emg_status_t st = emg_quarantine_read(q, e->id, &data, &len);
	if (st != EMG_OK) {
		release_msg(result, result_len, "cannot read the message: %s",
		            st == EMG_EIO ? emg_quarantine_error(q)
		                          : emg_strerror(st));
		return st;
	}
	char token[512], header[sizeof(token) + 32];
	st = emg_quarantine_release_token(q, e, data, len, actor,
	                                  (int64_t)time(NULL), token,
	                                  sizeof(token));
	if (st != EMG_OK) {
		release_msg(
		    result, result_len, "cannot make the release token: %s",
		    st == EMG_EIO ? emg_quarantine_error(q) : emg_strerror(st));
		free(data);
		return st;
	}
	snprintf(header, sizeof(header), "%s: %s", EMG_RELEASE_HEADER, token);
	st = release_send(method, e->mail_from, rcpts, n_rcpts, header, data,
	                  len, result, result_len);
	free(data);
	return st;
}

emg_status_t
release_entry(emg_quarantine_t *q, const char *id, const char *const *to,
              size_t n_to, const char *method, const char *actor, char *msg,
              size_t msglen)
{
	emg_qentry_t *e = NULL;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (q == NULL || id == NULL || actor == NULL) {
		release_msg(msg, msglen, "bad argument");
		return EMG_EINVAL;
	}
	emg_status_t st = emg_quarantine_get(q, id, &e);
	if (st != EMG_OK) {
		release_msg(msg, msglen, "%s",
		            st == EMG_EINVAL ? "no such quarantine entry"
		                             : emg_quarantine_error(q));
		return st;
	}
	if (e->status == EMG_QSTATUS_DELETED) {
		release_msg(msg, msglen,
		            "the entry was deleted: its bytes are "
		            "gone");
		emg_qentry_free(e);
		return EMG_EINVAL;
	}
	const char *const *rcpts = n_to > 0 ? to : e->rcpts;
	size_t n_rcpts = n_to > 0 ? n_to : e->n_rcpts;
	bool again = e->status == EMG_QSTATUS_RELEASED;
	char result[RELEASE_MSG_MAX], detail[RELEASE_DETAIL_MAX];
	st = release_entry_send(q, e, rcpts, n_rcpts,
	                        method != NULL ? method : "(none)", actor,
	                        result, sizeof(result));
	release_detail(detail, sizeof(detail), again && st == EMG_OK, rcpts,
	               n_rcpts, method != NULL ? method : "(none)", result);
	if (st != EMG_OK) {
		/* the entry stays as it was; the attempt is on record */
		emg_quarantine_audit_add(q, id, actor, "release-failed",
		                         detail);
		release_msg(msg, msglen, "not released: %s", result);
	} else {
		emg_status_t rec = emg_quarantine_set_status(
		    q, id, EMG_QSTATUS_RELEASED, actor, detail);
		if (rec != EMG_OK) {
			release_msg(msg, msglen,
			            "sent (%s), but the release was not "
			            "recorded: %s",
			            result, emg_quarantine_error(q));
			st = rec == EMG_EINVAL ? EMG_EIO : rec;
		} else {
			release_msg(msg, msglen, "released: %s", detail);
		}
	}
	emg_qentry_free(e);
	return st;
}
