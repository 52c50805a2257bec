/*
 * test_release.c - re-injection of released mail (common/release.c).
 *
 * smtp:HOST:PORT against a listening socket inside the test that speaks
 * the server side of SMTP and keeps every byte the client sent: the exact
 * command sequence, CRLF line ends (bare LF and bare CR too), dot-stuffing
 * and the final dot on the wire; multi-line replies, the HELO fallback,
 * BODY=8BITMIME, partly and wholly refused recipients, a refused message,
 * a server that never answers (timeout), nobody listening.
 * sendmail:PATH against shell scripts the test writes: the argument vector
 * exactly (an address made for a shell arrives as one argument and runs
 * nothing; one with a space is refused before anything starts), the
 * environment, stdin = release header + the original bytes, a program
 * that fails (exit 75: EMG_EIO with its stderr), one that never ends
 * (killed: EMG_ETIMEOUT), one that talks a lot on stderr while the
 * message is written (no deadlock), and one that stops reading early.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "release.h"
#include "testutil.h"

/* In release.c: release_send with every step bounded by TIMEOUT_MS. */
emg_status_t release_send_within(const char *method, const char *mail_from,
                                 const char *const *rcpts, size_t n_rcpts,
                                 const char *header, const void *data,
                                 size_t len, char *msg, size_t msglen,
                                 int timeout_ms);

/* ---- a small SMTP server ------------------------------------------------ */

/* One connection's worth of server.  The behaviour fields are set before
 * smtpd_start; WIRE and DATA are read after smtpd_join. */
typedef struct smtpd {
	int lfd;
	int port;
	pthread_t th;
	const char *greeting;   /* NULL: accept and say nothing */
	const char *ehlo_reply; /* whole reply with CRLFs */
	const char *refuse;     /* a RCPT containing this gets 550 */
	const char *data_reply; /* the answer to the final dot */
	char wire[1 << 16];     /* every byte the client sent */
	size_t wire_len;
	char data[1 << 16]; /* after DATA, up to and with the final dot */
	size_t data_len;
} smtpd_t;

static void
smtpd_say(int fd, const char *s)
{
	size_t n = strlen(s);
	ck_assert_int_eq(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read more from FD into the wire log; false at EOF or after 10 s. */
static bool
smtpd_read(smtpd_t *d, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (d->wire_len == sizeof(d->wire) || poll(&p, 1, 10000) <= 0)
		return false;
	ssize_t r =
	    recv(fd, d->wire + d->wire_len, sizeof(d->wire) - d->wire_len, 0);
	if (r <= 0)
		return false;
	d->wire_len += (size_t)r;
	return true;
}

/* The DATA section: everything up to the final "\r\n.\r\n" (the final
 * dot may also come first, for an empty message). */
static bool
smtpd_data(smtpd_t *d, int fd, size_t *pos)
{
	/* bounded by the wire buffer */
	for (;;) {
		size_t n = d->wire_len - *pos;
		const char *s = d->wire + *pos;
		const char *end = memmem(s, n, "\r\n.\r\n", 5);
		if (end == NULL && n >= 3 && memcmp(s, ".\r\n", 3) == 0)
			end = s - 2;
		if (end != NULL) {
			size_t len = (size_t)(end - s) + 5;
			memcpy(d->data, s, len);
			d->data_len = len;
			*pos += len;
			return true;
		}
		if (!smtpd_read(d, fd))
			return false;
	}
}

/* Answer one command line L. */
static bool
smtpd_command(smtpd_t *d, int fd, const char *l, size_t *pos)
{
	if (strncmp(l, "EHLO ", 5) == 0)
		smtpd_say(fd, d->ehlo_reply
		                  ? d->ehlo_reply
		                  : "250-mx.test\r\n250 PIPELINING\r\n");
	else if (strncmp(l, "HELO ", 5) == 0)
		smtpd_say(fd, "250 mx.test\r\n");
	else if (strncmp(l, "MAIL FROM:", 10) == 0)
		smtpd_say(fd, "250 2.1.0 Ok\r\n");
	else if (strncmp(l, "RCPT TO:", 8) == 0)
		smtpd_say(fd, d->refuse && strstr(l, d->refuse)
		                  ? "550 5.1.1 <x>: Recipient address "
		                    "rejected\r\n"
		                  : "250 2.1.5 Ok\r\n");
	else if (strcmp(l, "DATA") == 0) {
		smtpd_say(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
		if (!smtpd_data(d, fd, pos))
			return false;
		smtpd_say(fd, d->data_reply ? d->data_reply
		                            : "250 2.0.0 Ok: queued as "
		                              "ABC123\r\n");
	} else if (strcmp(l, "RSET") == 0)
		smtpd_say(fd, "250 2.0.0 Ok\r\n");
	else if (strcmp(l, "QUIT") == 0) {
		smtpd_say(fd, "221 2.0.0 Bye\r\n");
		return false;
	} else
		smtpd_say(fd, "502 5.5.2 Error: command not recognized\r\n");
	return true;
}

static void *
smtpd_main(void *arg)
{
	smtpd_t *d = arg;
	struct pollfd p = {.fd = d->lfd, .events = POLLIN};
	if (poll(&p, 1, 10000) <= 0)
		return NULL;
	int fd = accept(d->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	if (d->greeting == NULL) {
		/* a server that never answers: wait for the client to go */
		while (smtpd_read(d, fd))
			;
		close(fd);
		return NULL;
	}
	smtpd_say(fd, d->greeting);
	size_t pos = 0;
	bool going = true;
	/* bounded by the wire buffer and the 10 s read timeout */
	while (going) {
		char *nl = memmem(d->wire + pos, d->wire_len - pos, "\r\n", 2);
		if (nl == NULL) {
			going = smtpd_read(d, fd);
			continue;
		}
		char line[1024];
		size_t n = (size_t)(nl - (d->wire + pos));
		snprintf(line, sizeof(line), "%.*s", (int)n, d->wire + pos);
		pos += n + 2;
		going = smtpd_command(d, fd, line, &pos);
	}
	close(fd);
	return NULL;
}

static void
smtpd_start(smtpd_t *d)
{
	d->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(d->lfd, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	ck_assert_int_eq(bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(d->lfd, 4), 0);
	ck_assert_int_eq(getsockname(d->lfd, (struct sockaddr *)&sa, &sl), 0);
	d->port = ntohs(sa.sin_port);
	ck_assert_int_eq(pthread_create(&d->th, NULL, smtpd_main, d), 0);
}

static void
smtpd_join(smtpd_t *d)
{
	pthread_join(d->th, NULL);
	close(d->lfd);
	d->wire[d->wire_len < sizeof(d->wire) ? d->wire_len
	                                      : sizeof(d->wire) - 1] = '\0';
}

/* "smtp:127.0.0.1:PORT" of D, in a static buffer. */
static const char *
smtpd_method(const smtpd_t *d)
{
	static char m[64];
	snprintf(m, sizeof(m), "smtp:127.0.0.1:%d", d->port);
	return m;
}

/* The wire log of D with the EHLO argument (this host's name) cut. */
static const char *
smtpd_transcript(const smtpd_t *d)
{
	static char t[sizeof(d->wire)];
	const char *ehlo = strstr(d->wire, "EHLO ");
	if (ehlo == NULL)
		ehlo = strstr(d->wire, "HELO ");
	ck_assert_ptr_nonnull(ehlo);
	const char *crlf = strstr(ehlo, "\r\n");
	ck_assert_ptr_nonnull(crlf);
	snprintf(t, sizeof(t), "%.*s%s", (int)(ehlo - d->wire + 4), d->wire,
	         crlf);
	return t;
}

static smtpd_t *
smtpd_new(void)
{
	smtpd_t *d = calloc(1, sizeof(*d));
	ck_assert_ptr_nonnull(d);
	d->greeting = "220 mx.test ESMTP\r\n";
	return d;
}

/* Start D, send MSG from "a@sender.test" (FROM when not NULL) to RCPTS
 * through it within TIMEOUT_MS (0: the defaults), wait for it to end.
 * RES (RELEASE_MSG_MAX) gets the result. */
static emg_status_t
smtpd_send(smtpd_t *d, const char *from, const char *const *rcpts, size_t n,
           const char *header, const char *msg, int timeout_ms, char *res)
{
	smtpd_start(d);
	emg_status_t st = release_send_within(
	    smtpd_method(d), from ? from : "a@sender.test", rcpts, n, header,
	    msg, strlen(msg), res, RELEASE_MSG_MAX, timeout_ms);
	smtpd_join(d);
	return st;
}

/* ---- smtp: -------------------------------------------------------------- */

START_TEST(smtp_wire_exact)
{
	/* LF lines, a CRLF line, a bare CR, lines starting with "." (one is
	 * only a dot: it would end the data), no line end at the end */
	static const char msg[] = "From: a@sender.test\n"
	                          "Subject: dots\r\n"
	                          "\n"
	                          ".\n"
	                          "..two\n"
	                          "a\r.\n"
	                          "last";
	static const char want_data[] = "X-Emguard-Released: tok\r\n"
	                                "From: a@sender.test\r\n"
	                                "Subject: dots\r\n"
	                                "\r\n"
	                                "..\r\n"
	                                "...two\r\n"
	                                "a\r\n"
	                                "..\r\n"
	                                "last\r\n"
	                                ".\r\n";
	smtpd_t *d = smtpd_new();
	const char *rcpts[] = {"b@rcpt.test", "c@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	emg_status_t st = smtpd_send(d, NULL, rcpts, 2,
	                             "X-Emguard-Released: tok", msg, 0, res);
	ck_assert_msg(st == EMG_OK, "%s: %s", emg_strerror(st), res);
	ck_assert_str_eq(res, "250 2.0.0 Ok: queued as ABC123");
	ck_assert_uint_eq(d->data_len, strlen(want_data));
	ck_assert_mem_eq(d->data, want_data, d->data_len);
	char want[4096];
	snprintf(want, sizeof(want),
	         "EHLO\r\nMAIL FROM:<a@sender.test>\r\n"
	         "RCPT TO:<b@rcpt.test>\r\nRCPT TO:<c@rcpt.test>\r\n"
	         "DATA\r\n%sQUIT\r\n",
	         want_data);
	ck_assert_str_eq(smtpd_transcript(d), want);
	free(d);
}
END_TEST

START_TEST(smtp_crlf_message_kept)
{
	/* a CRLF message goes out as it is, the header with CRLF too */
	static const char msg[] = "Subject: x\r\n\r\nbody\r\n";
	smtpd_t *d = smtpd_new();
	const char *rcpts[] = {"b@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	emg_status_t st = smtpd_send(d, "", rcpts, 1, "X-H: 1", msg, 0, res);
	ck_assert_msg(st == EMG_OK, "%s", res);
	ck_assert_str_eq(d->data, "X-H: 1\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
	/* the null sender */
	ck_assert_ptr_nonnull(strstr(d->wire, "\r\nMAIL FROM:<>\r\n"));
	free(d);
}
END_TEST

START_TEST(smtp_multiline_8bitmime)
{
	static const char msg[] = "Subject: =?UTF-8?B?5pel5pys?=\n\n"
	                          "本文です\n";
	smtpd_t *d = smtpd_new();
	d->greeting = "220-mx.test ESMTP\r\n220-two\r\n220 three\r\n";
	d->ehlo_reply = "250-mx.test\r\n250-SIZE 10240000\r\n"
	                "250-8BITMIME\r\n250 SMTPUTF8\r\n";
	const char *rcpts[] = {"b@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	emg_status_t st = smtpd_send(d, NULL, rcpts, 1, NULL, msg, 0, res);
	ck_assert_msg(st == EMG_OK, "%s", res);
	ck_assert_ptr_nonnull(
	    strstr(d->wire, "MAIL FROM:<a@sender.test> BODY=8BITMIME\r\n"));
	ck_assert_str_eq(d->data, "Subject: =?UTF-8?B?5pel5pys?=\r\n\r\n"
	                          "本文です\r\n.\r\n");
	free(d);
}
END_TEST

/* How the client takes the server's answers: HELO when EHLO is refused,
 * some or every recipient refused, the message refused. */
START_TEST(smtp_answers)
{
	static const struct {
		const char *ehlo_reply, *refuse, *data_reply;
		const char *rcpts[2];
		size_t n_rcpts;
		emg_status_t want;
		const char *want_res;
		const char *on_wire, *not_on_wire;
	} cases[] = {
	    {"502 5.5.2 Error: command not recognized\r\n",
	     NULL,
	     NULL,
	     {"b@rcpt.test"},
	     1,
	     EMG_OK,
	     "250 2.0.0 Ok: queued as ABC123",
	     "\r\nHELO ",
	     NULL},
	    {NULL,
	     "nobody",
	     NULL,
	     {"nobody@rcpt.test", "b@rcpt.test"},
	     2,
	     EMG_OK,
	     "250 2.0.0 Ok: queued as ABC123; refused: nobody@rcpt.test (550 "
	     "5.1.1 <x>: Recipient address rejected)",
	     "\r\nDATA\r\n",
	     NULL},
	    /* no message goes out; the session ends politely */
	    {NULL,
	     "rcpt.test",
	     NULL,
	     {"nobody@rcpt.test"},
	     1,
	     EMG_EIO,
	     "every recipient refused: nobody@rcpt.test (550 5.1.1 <x>: "
	     "Recipient address rejected)",
	     "RSET\r\nQUIT\r\n",
	     "DATA"},
	    {NULL,
	     NULL,
	     "554 5.7.1 Message rejected\r\n",
	     {"b@rcpt.test"},
	     1,
	     EMG_EIO,
	     "554 5.7.1 Message rejected",
	     "RSET\r\nQUIT\r\n",
	     NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		smtpd_t *d = smtpd_new();
		d->ehlo_reply = cases[i].ehlo_reply;
		d->refuse = cases[i].refuse;
		d->data_reply = cases[i].data_reply;
		char res[RELEASE_MSG_MAX];
		emg_status_t st =
		    smtpd_send(d, NULL, cases[i].rcpts, cases[i].n_rcpts, NULL,
		               "S: x\n\nb\n", 0, res);
		ck_assert_msg(st == cases[i].want, "case %zu: %s", i, res);
		ck_assert_str_eq(res, cases[i].want_res);
		ck_assert_msg(strstr(d->wire, cases[i].on_wire) != NULL,
		              "case %zu: %s", i, d->wire);
		ck_assert_msg(cases[i].not_on_wire == NULL ||
		                  strstr(d->wire, cases[i].not_on_wire) == NULL,
		              "case %zu: %s", i, d->wire);
		free(d);
	}
}
END_TEST

START_TEST(smtp_timeout)
{
	smtpd_t *d = smtpd_new();
	d->greeting = NULL;
	const char *rcpts[] = {"b@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	time_t t0 = time(NULL);
	emg_status_t st =
	    smtpd_send(d, NULL, rcpts, 1, NULL, "S: x\n\nb\n", 500, res);
	ck_assert_int_eq(st, EMG_ETIMEOUT);
	ck_assert_int_le(time(NULL) - t0, 3);
	ck_assert_msg(strstr(res, "no reply in") != NULL, "%s", res);
	free(d);
}
END_TEST

START_TEST(smtp_nobody_listening)
{
	/* a port just bound and closed again */
	smtpd_t *d = smtpd_new();
	d->lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	ck_assert_int_eq(bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(d->lfd, (struct sockaddr *)&sa, &sl), 0);
	d->port = ntohs(sa.sin_port);
	close(d->lfd);
	const char *rcpts[] = {"b@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	emg_status_t st = release_send(smtpd_method(d), "a@sender.test", rcpts,
	                               1, NULL, "x", 1, res, sizeof(res));
	ck_assert_int_eq(st, EMG_EIO);
	ck_assert_msg(strstr(res, "Connection refused") != NULL, "%s", res);
	free(d);
}
END_TEST

START_TEST(bad_methods_and_addresses)
{
	static const struct {
		const char *method, *from, *rcpt;
		emg_status_t want;
	} cases[] = {
	    {"smtp:127.0.0.1", "a@s.test", "b@r.test", EMG_ECONFIG},
	    {"smtp:127.0.0.1:99999", "a@s.test", "b@r.test", EMG_ECONFIG},
	    {"smtp::25", "a@s.test", "b@r.test", EMG_ECONFIG},
	    {"lmtp:127.0.0.1:24", "a@s.test", "b@r.test", EMG_ECONFIG},
	    {"sendmail:relative/sendmail", "a@s.test", "b@r.test", EMG_ECONFIG},
	    {"sendmail:/nonexistent/sendmail", "a@s.test", "b@r.test",
	     EMG_ECONFIG},
	    /* addresses are checked before any method is tried */
	    {"smtp:127.0.0.1:1", "-oQ/tmp@s.test", "b@r.test", EMG_EINVAL},
	    {"smtp:127.0.0.1:1", "a@s.test", "-bv", EMG_EINVAL},
	    {"smtp:127.0.0.1:1", "a@s.test", "a;rm -rf x@b.test", EMG_EINVAL},
	    {"smtp:127.0.0.1:1", "a@s.test", "b@r.test>\r\nRCPT TO:<c@r.test",
	     EMG_EINVAL},
	    {"smtp:127.0.0.1:1", "a@s.test", "<b@r.test>", EMG_EINVAL},
	    {"smtp:127.0.0.1:1", "a@s.test", "", EMG_EINVAL},
	    {"smtp:127.0.0.1:1", "a@s\x1b[2J.test", "b@r.test", EMG_EINVAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char res[RELEASE_MSG_MAX];
		const char *rcpts[] = {cases[i].rcpt};
		emg_status_t st =
		    release_send(cases[i].method, cases[i].from, rcpts, 1, NULL,
		                 "x", 1, res, sizeof(res));
		ck_assert_msg(st == cases[i].want, "case %zu: %s (%s)", i,
		              emg_strerror(st), res);
		ck_assert_msg(res[0] != '\0', "case %zu: no message", i);
		ck_assert_msg(strpbrk(res, "\r\n\x1b") == NULL,
		              "case %zu: control character in %s", i, res);
	}
	char res[RELEASE_MSG_MAX];
	ck_assert_int_eq(release_send("smtp:127.0.0.1:1", "a@s.test", NULL, 0,
	                              NULL, "x", 1, res, sizeof(res)),
	                 EMG_EINVAL);
	const char *rcpts[] = {"b@r.test"};
	ck_assert_int_eq(release_send("smtp:127.0.0.1:1", "a@s.test", rcpts, 1,
	                              "X-Bad: a\r\nBcc: c@r.test", "x", 1, res,
	                              sizeof(res)),
	                 EMG_EINVAL);
}
END_TEST

/* ---- sendmail: ---------------------------------------------------------- */

/* A directory for one test's files, and the sendmail script in it. */
typedef struct fake {
	char dir[256];
	char method[320];
	char path[300];
} fake_t;

/* Write the script BODY (after "#!/bin/sh") as DIR/sendmail.  In BODY,
 * "@D" stands for DIR. */
static void
fake_sendmail(fake_t *f, const char *body)
{
	snprintf(f->dir, sizeof(f->dir), "%s/test_release.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/sendmail", f->dir);
	snprintf(f->method, sizeof(f->method), "sendmail:%s", f->path);
	FILE *fp = fopen(f->path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("#!/bin/sh\n", fp);
	for (const char *p = body; *p != '\0'; p++)
		if (p[0] == '@' && p[1] == 'D') {
			fputs(f->dir, fp);
			p++;
		} else
			fputc(*p, fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(f->path, 0700), 0);
	/* MAIL_CONFIG would be passed along; none here */
	unsetenv("MAIL_CONFIG");
}

/* FILE under F's directory, read whole (NUL-ended); NULL when absent. */
static char *
fake_read(const fake_t *f, const char *file, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", f->dir, file);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	char *buf = malloc(1 << 21);
	ck_assert_ptr_nonnull(buf);
	size_t n = fread(buf, 1, (1 << 21) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static void
fake_cleanup(const fake_t *f)
{
	static const char *const files[] = {"argv", "stdin", "env", "pwned",
	                                    "sendmail"};
	char path[512];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
}

#define RECORDER                                                               \
	"printf '%s\\n' \"$@\" > @D/argv\n"                                    \
	"env > @D/env\n"                                                       \
	"cat > @D/stdin\n"

START_TEST(sendmail_argv_and_stdin)
{
	static const char msg[] =
	    "From: a@sender.test\nSubject: x\n\n.\nbody\n";
	fake_t f;
	fake_sendmail(&f, RECORDER "exit 0\n");
	/* an address made for a shell is one argument and runs nothing */
	char shellish[512];
	snprintf(shellish, sizeof(shellish), "$(touch${IFS}%s/pwned)x@b.test",
	         f.dir);
	const char *rcpts[] = {"b@rcpt.test", shellish, "a;id@b.test"};
	char res[RELEASE_MSG_MAX];
	emg_status_t st = release_send(f.method, "a@sender.test", rcpts, 3,
	                               "X-Emguard-Released: tok", msg,
	                               strlen(msg), res, sizeof(res));
	ck_assert_msg(st == EMG_OK, "%s", res);
	char want_res[400];
	snprintf(want_res, sizeof(want_res), "accepted by %s", f.path);
	ck_assert_str_eq(res, want_res);
	char *argv = fake_read(&f, "argv", NULL);
	char want[1024];
	snprintf(want, sizeof(want),
	         "-i\n-f\na@sender.test\n--\nb@rcpt.test\n%s\na;id@b.test\n",
	         shellish);
	ck_assert_str_eq(argv, want);
	char *in = fake_read(&f, "stdin", NULL);
	ck_assert_str_eq(in, "X-Emguard-Released: tok\n"
	                     "From: a@sender.test\nSubject: x\n\n.\nbody\n");
	char *env = fake_read(&f, "env", NULL);
	ck_assert_msg(strstr(env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n") !=
	                  NULL,
	              "%s", env);
	ck_assert_msg(strstr(env, "HOME=") == NULL &&
	                  strstr(env, "USER=") == NULL,
	              "environment leaked: %s", env);
	char *pwned = fake_read(&f, "pwned", NULL);
	ck_assert_ptr_null(pwned);
	free(argv);
	free(in);
	free(env);
	fake_cleanup(&f);
}
END_TEST

START_TEST(sendmail_null_sender_and_refused_address)
{
	fake_t f;
	fake_sendmail(&f, RECORDER "exit 0\n");
	const char *rcpts[] = {"b@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	ck_assert_int_eq(release_send(f.method, "", rcpts, 1, NULL, "S: x\n\n",
	                              6, res, sizeof(res)),
	                 EMG_OK);
	char *argv = fake_read(&f, "argv", NULL);
	ck_assert_str_eq(argv, "-i\n-f\n<>\n--\nb@rcpt.test\n");
	char *in = fake_read(&f, "stdin", NULL);
	ck_assert_str_eq(in, "S: x\n\n");
	free(argv);
	free(in);
	char path[512];
	snprintf(path, sizeof(path), "%s/argv", f.dir);
	unlink(path);
	/* a space: refused before anything is started */
	const char *bad[] = {"a;rm -rf x@b.test"};
	ck_assert_int_eq(release_send(f.method, "a@s.test", bad, 1, NULL, "x",
	                              1, res, sizeof(res)),
	                 EMG_EINVAL);
	ck_assert_str_eq(res, "unusable recipient address: a;rm -rf x@b.test");
	ck_assert_ptr_null(fake_read(&f, "argv", NULL));
	fake_cleanup(&f);
}
END_TEST

START_TEST(sendmail_fails)
{
	fake_t f;
	fake_sendmail(&f, "cat > /dev/null\n"
	                  "echo 'sendmail: fatal: No recipient addresses found"
	                  "' >&2\nexit 75\n");
	const char *rcpts[] = {"b@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	emg_status_t st = release_send(f.method, "a@s.test", rcpts, 1, "X-H: 1",
	                               "S: x\n\nb\n", 9, res, sizeof(res));
	ck_assert_int_eq(st, EMG_EIO);
	char want[512];
	snprintf(want, sizeof(want),
	         "%s exited 75: sendmail: fatal: No recipient addresses found",
	         f.path);
	ck_assert_str_eq(res, want);
	fake_cleanup(&f);
}
END_TEST

START_TEST(sendmail_timeout)
{
	fake_t f;
	fake_sendmail(&f, "exec sleep 30\n");
	const char *rcpts[] = {"b@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	time_t t0 = time(NULL);
	emg_status_t st =
	    release_send_within(f.method, "a@s.test", rcpts, 1, NULL,
	                        "S: x\n\nb\n", 9, res, sizeof(res), 500);
	ck_assert_int_eq(st, EMG_ETIMEOUT);
	ck_assert_int_le(time(NULL) - t0, 3);
	ck_assert_msg(strstr(res, "killed") != NULL, "%s", res);
	fake_cleanup(&f);
}
END_TEST

/* A message of LEN bytes of text lines. */
static char *
big_message(size_t len)
{
	char *m = malloc(len);
	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < len; i++)
		m[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	return m;
}

START_TEST(sendmail_big_and_chatty)
{
	/* 200 KB on stderr while 1 MB goes to stdin: both pipes must move */
	const size_t len = 1 << 20;
	char *m = big_message(len);
	fake_t f;
	fake_sendmail(&f, "head -c 200000 /dev/zero | tr '\\0' e >&2\n"
	                  "cat > @D/stdin\nexit 0\n");
	const char *rcpts[] = {"b@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	emg_status_t st = release_send(f.method, "a@s.test", rcpts, 1, "X-H: 1",
	                               m, len, res, sizeof(res));
	ck_assert_msg(st == EMG_OK, "%s", res);
	size_t got = 0;
	char *in = fake_read(&f, "stdin", &got);
	ck_assert_uint_eq(got, len + 7);
	ck_assert_mem_eq(in, "X-H: 1\n", 7);
	ck_assert_mem_eq(in + 7, m, len);
	free(in);
	free(m);
	fake_cleanup(&f);
}
END_TEST

START_TEST(sendmail_stops_reading)
{
	/* exit 0 without reading: the message did not go anywhere */
	const size_t len = 1 << 20;
	char *m = big_message(len);
	fake_t f;
	fake_sendmail(&f, "exit 0\n");
	const char *rcpts[] = {"b@rcpt.test"};
	char res[RELEASE_MSG_MAX];
	emg_status_t st = release_send(f.method, "a@s.test", rcpts, 1, NULL, m,
	                               len, res, sizeof(res));
	ck_assert_int_eq(st, EMG_EIO);
	ck_assert_msg(strstr(res, "before reading the whole message") != NULL,
	              "%s", res);
	free(m);
	fake_cleanup(&f);
}
END_TEST

TESTUTIL_MAIN("release", smtp_wire_exact, smtp_crlf_message_kept,
              smtp_multiline_8bitmime, smtp_answers, smtp_timeout,
              smtp_nobody_listening, bad_methods_and_addresses,
              sendmail_argv_and_stdin, sendmail_null_sender_and_refused_address,
              sendmail_fails, sendmail_timeout, sendmail_big_and_chatty,
              sendmail_stops_reading)
