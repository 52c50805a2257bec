/*
 * main.c - emguard-milter: options, start-up, privileges, signals.
 *
 *   emguard-milter [-c CONF] [-p SOCKET] [-u USER] [-P PIDFILE] [-f]
 *   emguard-milter -t [-c CONF] | -V | -h
 *
 * Start-up: load the configuration (any error stops it, with file:line),
 * open the milter socket as the starting user (a unix socket mode 0660,
 * owned by UserID and its group), become a daemon unless -f, write the
 * PID file, drop to UserID (-u), and refuse to go on as root.  Then, with
 * QuarantineMode store or both, open the quarantine once to see that it
 * works (and after each reload): a store that fails is logged, never
 * fatal, since QuarantineFallback covers it message by message.
 *
 * Signals: libmilter's own signal thread treats SIGHUP like SIGTERM and
 * stops the milter, so SIGHUP must never reach it.  Every thread blocks
 * SIGHUP, SIGTERM and SIGINT and the main thread waits for them with
 * sigwait(); libmilter runs in a thread of its own.  Linux offers a signal
 * sent to the process to its main thread first when that thread accepts
 * it, so the main thread, almost always inside sigwait(), gets SIGHUP; a
 * reload is handed to a reloader thread so that the main thread is back in
 * sigwait() within microseconds.  SIGTERM and SIGINT stop the milter
 * whichever thread takes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "milter.h"
#include "privdrop.h"

#define MAIN_DEFAULT_CONF EMG_SYSCONFDIR "/emguard.conf"

typedef struct main_opts {
	const char *conf;
	const char *socket; /* -p, else Socket */
	const char *user;   /* -u, else UserID */
	const char *pidfile;
	bool foreground;
	bool check;
} main_opts_t;

/* The reloader thread's mailbox. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool pending;
	bool stop;
	char *path; /* absolute: reloads happen after chdir("/") */
} main_reload = {.mu = PTHREAD_MUTEX_INITIALIZER,
                 .cv = PTHREAD_COND_INITIALIZER};

static pthread_t main_thread;
static int main_milter_rc = MI_FAILURE;
static int main_ready_fd = -1; /* to the parent waiting in main_daemonize */

static void
main_usage(FILE *fp)
{
	fputs("usage: emguard-milter [-f] [-c CONF] [-p SOCKET] [-u USER] "
	      "[-P PIDFILE]\n"
	      "       emguard-milter -t [-c CONF]\n"
	      "       emguard-milter -V | -h\n"
	      "  -c CONF     configuration file (default " MAIN_DEFAULT_CONF
	      ")\n"
	      "  -p SOCKET   listen on SOCKET (unix:PATH, inet:PORT@HOST), "
	      "overrides Socket\n"
	      "  -u USER     run as USER after opening the socket, overrides "
	      "UserID\n"
	      "  -P PIDFILE  write the process id to PIDFILE\n"
	      "  -f          stay in the foreground and log to stderr\n"
	      "  -t          check the configuration and exit (0 good, 1 bad)\n"
	      "  -V          print the version\n"
	      "SIGHUP reloads the configuration; SIGTERM stops.\n",
	      fp);
}

/* Returns -1 to go on, else the exit status. */
static int
main_args(int argc, char **argv, main_opts_t *o)
{
	int c;
	while ((c = getopt(argc, argv, "c:p:u:P:ftVh")) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'p': o->socket = optarg; break;
		case 'u': o->user = optarg; break;
		case 'P': o->pidfile = optarg; break;
		case 'f': o->foreground = true; break;
		case 't': o->check = true; break;
		case 'V': {
			unsigned major = 0, minor = 0, patch = 0;
			smfi_version(&major, &minor, &patch);
			printf("%s %s (libmilter %u.%u.%u)\n", MILTER_NAME,
			       EMG_VERSION_STRING, major, minor, patch);
			return 0;
		}
		case 'h': main_usage(stdout); return 0;
		default: main_usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		main_usage(stderr);
		return 1;
	}
	return -1;
}

/* ---- configuration ------------------------------------------------------- */

static void
main_do_reload(const char *path)
{
	char err[1024] = "";
	milter_snap_t *snap = NULL;
	emg_status_t st = snapshot_load(path, &snap, err, sizeof(err));
	if (st != EMG_OK) {
		log_msg(LOG_ERR,
		        "reload failed, keeping the previous "
		        "configuration: %s",
		        err[0] ? err : emg_strerror(st));
		return;
	}
	milter_snap_t *old = snapshot_current();
	if (strcmp(old->set.socket, snap->set.socket) != 0 ||
	    strcmp(old->set.user ? old->set.user : "",
	           snap->set.user ? snap->set.user : "") != 0 ||
	    old->set.syslog_facility != snap->set.syslog_facility)
		log_msg(LOG_NOTICE, "Socket, UserID and SyslogFacility "
		                    "changes take effect at the next start");
	snapshot_unref(old);
	quarantine_check(snap, false);
	snapshot_set_current(snap);
	log_msg(LOG_INFO, "configuration reloaded from %s", path);
}

static void *
main_reloader(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&main_reload.mu);
	for (;;) {
		while (!main_reload.pending && !main_reload.stop)
			pthread_cond_wait(&main_reload.cv, &main_reload.mu);
		if (main_reload.stop)
			break;
		main_reload.pending = false;
		pthread_mutex_unlock(&main_reload.mu);
		main_do_reload(main_reload.path);
		pthread_mutex_lock(&main_reload.mu);
	}
	pthread_mutex_unlock(&main_reload.mu);
	return NULL;
}

static void
main_reloader_tell(bool stop)
{
	pthread_mutex_lock(&main_reload.mu);
	if (stop)
		main_reload.stop = true;
	else
		main_reload.pending = true;
	pthread_cond_signal(&main_reload.cv);
	pthread_mutex_unlock(&main_reload.mu);
}

/* ---- start-up ------------------------------------------------------------ */

/* The file of a unix socket address, or NULL. */
static const char *
main_unix_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	return sock[0] == '/' ? sock : NULL;
}

/* Open the listening socket.  A unix socket gets mode 0660 whatever the
 * umask, so that the MTA's user connects through the group (the postfix
 * user in the emguard group), and goes to the user the milter will run
 * as and that user's group: that user must be able to remove and
 * re-create it.  libmilter binds and listens before the chmod can run,
 * with the mode the umask leaves (0777 under umask 0): until then the
 * umask is 0177, so that no one but the starting user can connect in
 * between and have mail scanned or stored as if it were the MTA. */
static int
main_listen(const char *sock, const privdrop_account_t *acct)
{
	if (smfi_register(milter_desc) != MI_SUCCESS) {
		log_msg(LOG_ERR, "smfi_register failed");
		return -1;
	}
	mode_t umask_before = umask(0177); /* still one thread: no race */
	int opened = smfi_setconn((char *)sock) == MI_SUCCESS && /* copied */
	             smfi_opensocket(true) == MI_SUCCESS;
	umask(umask_before);
	if (!opened) {
		log_msg(LOG_ERR, "cannot listen on %s", sock);
		return -1;
	}
	const char *path = main_unix_path(sock);
	if (path == NULL)
		return 0;
	/* chmod and chown follow links: touch only the socket made above */
	struct stat st;
	if (lstat(path, &st) != 0) {
		log_msg(LOG_ERR, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_msg(LOG_ERR, "%s: not a socket", path);
		return -1;
	}
	if (chmod(path, 0660) != 0) {
		log_msg(LOG_ERR, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	if (acct->set && chown(path, acct->uid, acct->gid) != 0) {
		log_msg(LOG_ERR, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Fork into the background.  The parent stays until the child says that
 * start-up worked (exit 0) or dies (exit 1), so that whoever started it,
 * an init script or systemd's Type=forking, learns of a failure. */
static int
main_daemonize(void)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		char byte;
		ssize_t n;
		close(ready[1]);
		do
			n = read(ready[0], &byte, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}
	close(ready[0]);
	main_ready_fd = ready[1];
	if (setsid() < 0 || chdir("/") != 0)
		return -1;
	return 0;
}

/* Start-up worked: release the waiting parent and leave the terminal
 * (until now, errors also went to stderr). */
static void
main_detach(void)
{
	if (main_ready_fd < 0)
		return;
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	log_detach();
	(void)write(main_ready_fd, "", 1);
	close(main_ready_fd);
	main_ready_fd = -1;
}

/* Write the PID file, still as root and often in a directory that the
 * user the milter becomes may write to (/run/emguard): so it follows no
 * symbolic link (O_NOFOLLOW), and a name that is a hard link to another
 * file (/etc/shadow put there by that user) is refused before anything is
 * truncated.  Mode 0600, as every file emguard makes. */
static int
main_write_pidfile(const char *path)
{
	struct stat st;
	const char *why = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		why = strerror(errno);
	else if (fstat(fd, &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		why = "not a plain file of its own (a link?): left alone";
	else if (ftruncate(fd, 0) != 0 ||
	         dprintf(fd, "%ld\n", (long)getpid()) < 0)
		why = strerror(errno);
	if (why != NULL) {
		log_msg(LOG_ERR, "PID file %s: %s", path, why);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd);
}

/* PATH made absolute against the current directory: the daemon changes
 * to "/" before it writes the PID file, and removes it from there at
 * exit.  NULL when out of memory or the directory is gone. */
static char *
main_absolute(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char *cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return NULL;
	size_t len = strlen(cwd) + 1 + strlen(path) + 1;
	char *abs = malloc(len);
	if (abs != NULL)
		snprintf(abs, len, "%s/%s", cwd, path);
	free(cwd);
	return abs;
}

/* Started as someone else than root: say so when that is not USER (under
 * systemd's User= it is, and all is as configured). */
static void
main_note_user(const char *user)
{
	if (user == NULL || *user == '\0')
		return;
	const struct passwd *pw = getpwnam(user);
	if (pw != NULL && pw->pw_uid == getuid())
		return;
	log_msg(LOG_INFO,
	        "not started as root: running as uid %ld, "
	        "not as %s",
	        (long)getuid(), user);
}

/* Become ACCT (when started as root), then make sure root is gone. */
static int
main_drop_privileges(const privdrop_account_t *acct, const char *user)
{
	char err[512];
	if (privdrop_become(acct, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s", err);
		return -1;
	}
	if (!acct->set)
		main_note_user(user);
	return 0;
}

/* ---- running ------------------------------------------------------------- */

static void *
main_milter(void *arg)
{
	(void)arg;
	main_milter_rc = smfi_main();
	/* wake the main thread when libmilter stopped on its own */
	pthread_kill(main_thread, SIGTERM);
	return NULL;
}

/* Run until SIGTERM/SIGINT; returns the exit status. */
static int
main_run(void)
{
	sigset_t set;
	pthread_t milter, reloader;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread */
	main_thread = pthread_self();
	if (pthread_create(&reloader, NULL, main_reloader, NULL) != 0)
		return 1;
	if (pthread_create(&milter, NULL, main_milter, NULL) != 0) {
		main_reloader_tell(true);
		pthread_join(reloader, NULL);
		return 1;
	}
	log_msg(LOG_INFO, "%s %s started", MILTER_NAME, EMG_VERSION_STRING);
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		main_reloader_tell(false);
	}
	log_msg(LOG_INFO, "stopping");
	smfi_stop();
	pthread_join(milter, NULL);
	main_reloader_tell(true);
	pthread_join(reloader, NULL);
	return main_milter_rc == MI_SUCCESS ? 0 : 1;
}

/* Load the configuration for start-up or -t; prints why it is bad. */
static milter_snap_t *
main_load(const char *conf)
{
	char err[1024] = "";
	milter_snap_t *snap = NULL;
	emg_status_t st = snapshot_load(conf, &snap, err, sizeof(err));
	if (st != EMG_OK) {
		fprintf(stderr, "%s: %s\n", MILTER_NAME,
		        err[0] ? err : emg_strerror(st));
		return NULL;
	}
	return snap;
}

/* The account to become, when started as root. */
static int
main_account(const char *user, privdrop_account_t *acct)
{
	char err[512];
	if (privdrop_lookup(user, acct, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	main_opts_t o = {.conf = MAIN_DEFAULT_CONF};
	int rc = main_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if ((main_reload.path = realpath(o.conf, NULL)) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", MILTER_NAME, o.conf,
		        strerror(errno));
		return 1;
	}
	milter_snap_t *snap = main_load(main_reload.path);
	if (snap == NULL || o.check) {
		rc = snap != NULL ? 0 : 1;
		if (snap != NULL)
			printf("%s: OK\n", o.conf);
		snapshot_unref(snap);
		free(main_reload.path);
		return rc;
	}
	char *pidfile = o.pidfile ? main_absolute(o.pidfile) : NULL;
	if (o.pidfile && pidfile == NULL) {
		fprintf(stderr, "%s: %s: %s\n", MILTER_NAME, o.pidfile,
		        strerror(errno));
		snapshot_unref(snap);
		free(main_reload.path);
		return 1;
	}
	const char *sock = o.socket ? o.socket : snap->set.socket;
	const char *user = o.user ? o.user : snap->set.user;
	privdrop_account_t acct;
	log_open(o.foreground, snap->set.syslog_facility);
	snapshot_set_current(snap);
	if (main_account(user, &acct) != 0 || main_listen(sock, &acct) != 0 ||
	    (!o.foreground && main_daemonize() != 0) ||
	    (pidfile && main_write_pidfile(pidfile) != 0)) {
		free(pidfile);
		snapshot_set_current(NULL);
		return 1;
	}
	if (main_drop_privileges(&acct, user) != 0) {
		if (pidfile) /* still root: the PID file goes again */
			(void)unlink(pidfile);
		free(pidfile);
		snapshot_set_current(NULL);
		return 1;
	}
	/* as the user the milter runs as: the files it makes are theirs */
	quarantine_check(snap, true);
	main_detach();
	rc = main_run();
	if (pidfile)
		(void)unlink(pidfile);
	free(pidfile);
	snapshot_set_current(NULL);
	free(main_reload.path);
	return rc;
}
