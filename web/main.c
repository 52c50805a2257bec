/*
 * main.c - emguard-web: options, start-up, privileges, signals.
 *
 *   emguard-web [-c CONF] [-l HOST:PORT] [-f] | -V | -h
 *
 * Start-up: load the configuration (any error stops it, with file:line),
 * bind WebListen (or -l) as the starting user, read WebCertificate and
 * WebKey into memory when both are set (HTTPS), then, when started as
 * root, become UserID and make sure root is gone: the pages never run
 * with privileges.  It stays in the foreground and logs to stderr (one
 * line per request: method, path, status, user, client; never message
 * content), which is what systemd and other supervisors expect; -f is
 * accepted for symmetry with emguard-milter.
 *
 * Signals: every thread blocks SIGTERM, SIGINT and SIGHUP; the main thread
 * waits for them with sigwait().  SIGTERM and SIGINT stop the daemon
 * cleanly (requests in flight finish); SIGHUP is logged and ignored, as
 * the configuration is read at start only.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privdrop.h"
#include "web.h"

#define MAIN_DEFAULT_CONF EMG_SYSCONFDIR "/emguard.conf"
#define MAIN_PEM_MAX (1u << 20) /* a certificate chain or key file */
#define MAIN_THREADS 4

typedef struct main_opts {
	const char *conf;
	const char *listen; /* -l, else WebListen */
} main_opts_t;

static void
main_usage(FILE *fp)
{
	fputs("usage: emguard-web [-f] [-c CONF] [-l HOST:PORT]\n"
	      "       emguard-web -V | -h\n"
	      "  -c CONF       configuration file (default " MAIN_DEFAULT_CONF
	      ")\n"
	      "  -l HOST:PORT  listen there, overrides WebListen "
	      "([IPv6]:PORT for IPv6)\n"
	      "  -f            stay in the foreground (always so; logs go to "
	      "stderr)\n"
	      "  -V            print the version\n"
	      "Started as root, it binds, reads the TLS files, then runs as "
	      "UserID.\nSIGTERM or SIGINT stops it.\n",
	      fp);
}

/* Returns -1 to go on, else the exit status. */
static int
main_args(int argc, char **argv, main_opts_t *o)
{
	int c;
	while ((c = getopt(argc, argv, "c:l:fVh")) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'f': break;
		case 'V':
			printf("%s %s (libmicrohttpd %s)\n", WEB_NAME,
			       EMG_VERSION_STRING, MHD_get_version());
			return 0;
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

/* Split "HOST:PORT" or "[V6]:PORT" into HOST and PORT. */
static bool
main_split(const char *addr, char *host, size_t hostlen, char *port,
           size_t portlen)
{
	const char *colon;
	const char *h = addr;
	size_t n;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (close == NULL || close[1] != ':')
			return false;
		h = addr + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(addr, ':')) == NULL)
			return false;
		n = (size_t)(colon - addr);
	}
	if (n == 0 || n >= hostlen || strlen(colon + 1) == 0 ||
	    strlen(colon + 1) >= portlen ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, portlen, "%s", colon + 1);
	return true;
}

/* A listening TCP socket on ADDR, or -1 (said why on stderr). */
static int
main_listen(const char *addr)
{
	char host[256], port[8];
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	if (!main_split(addr, host, sizeof(host), port, sizeof(port))) {
		web_log("WebListen %s: not HOST:PORT", addr);
		return -1;
	}
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		web_log("WebListen %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	int fd = -1, err = 0;
	for (struct addrinfo *ai = res; ai != NULL && fd < 0;
	     ai = ai->ai_next) {
		int one = 1;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
		    listen(fd, 128) != 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		web_log("cannot listen on %s: %s", addr, strerror(err));
	return fd;
}

/* The address FD listens on, for the log ("127.0.0.1:8025"). */
static void
main_bound(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[NI_MAXHOST], port[NI_MAXSERV];
	snprintf(out, len, "?");
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port,
	                sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	snprintf(out, len, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
	         port);
}

/* The whole file PATH as a string (a PEM file), or NULL. */
static char *
main_read_pem(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	char *buf = NULL;
	if (fd < 0 || fstat(fd, &st) != 0) {
		web_log("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > MAIN_PEM_MAX ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		web_log("%s: not a PEM file of a sensible size", path);
		close(fd);
		return NULL;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return buf;
}

/* Started as root: become USER (UserID).  Then make sure root is gone. */
static int
main_drop_privileges(const char *user)
{
	privdrop_account_t acct;
	char err[512];
	if (privdrop_lookup(user, &acct, err, sizeof(err)) != 0 ||
	    privdrop_become(&acct, err, sizeof(err)) != 0) {
		web_log("%s", err);
		return -1;
	}
	return 0;
}

/* Wait for SIGTERM or SIGINT (blocked in every thread). */
static void
main_wait(const sigset_t *set)
{
	for (;;) {
		int sig = 0;
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		web_log("SIGHUP ignored: restart to read the configuration");
	}
}

/* Read the TLS files of CFG, both or none; false on an error. */
static bool
main_tls(const emg_config_t *cfg, char **cert, char **key)
{
	bool has_cert = cfg->web_certificate && *cfg->web_certificate;
	bool has_key = cfg->web_key && *cfg->web_key;
	*cert = *key = NULL;
	if (!has_cert && !has_key)
		return true;
	if (has_cert != has_key) {
		web_log("WebCertificate and WebKey go together: set both for "
		        "HTTPS, or neither");
		return false;
	}
	*cert = main_read_pem(cfg->web_certificate);
	*key = *cert != NULL ? main_read_pem(cfg->web_key) : NULL;
	return *key != NULL;
}

static int
main_serve(emg_config_t *cfg, const char *listen_addr)
{
	char *cert = NULL, *key = NULL, bound[300], err[512] = "";
	web_server_t *srv = NULL;
	sigset_t set;
	int rc = 1;
	int fd = main_listen(listen_addr);
	if (fd < 0 || !main_tls(cfg, &cert, &key) ||
	    main_drop_privileges(cfg->user_id) != 0)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread */
	web_start_t how = {.cfg = cfg,
	                   .listen_fd = fd,
	                   .cert_pem = cert,
	                   .key_pem = key,
	                   .threads = MAIN_THREADS};
	emg_status_t st = web_server_start(&how, &srv, err, sizeof(err));
	if (st != EMG_OK) {
		web_log("%s", err[0] ? err : emg_strerror(st));
		goto out;
	}
	main_bound(fd, bound, sizeof(bound));
	web_log("%s %s listening on %s://%s", WEB_NAME, EMG_VERSION_STRING,
	        cert != NULL ? "https" : "http", bound);
	main_wait(&set);
	web_log("stopping");
	web_server_stop(srv); /* closes the listening socket */
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(cert);
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	main_opts_t o = {.conf = MAIN_DEFAULT_CONF};
	int rc = main_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	char err[1024] = "";
	emg_config_t *cfg = NULL;
	emg_status_t st = emg_config_load(o.conf, &cfg, err, sizeof(err));
	if (st != EMG_OK) {
		fprintf(stderr, "%s: %s\n", WEB_NAME,
		        err[0] ? err : emg_strerror(st));
		return 1;
	}
	rc = main_serve(cfg, o.listen != NULL ? o.listen : cfg->web_listen);
	emg_config_unref(cfg);
	return rc;
}
