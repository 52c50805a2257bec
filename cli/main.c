/*
 * main.c - the emguard command: global options and the sub-command table.
 *
 *   emguard scan ...                  offline scan (cmd_scan.c)
 *   emguard history import|prune|stats  the thread history (cmd_history.c)
 *   emguard quarantine list|show|release|delete|export|purge|recover|
 *                      audit|import  the quarantine (cmd_quarantine.c)
 *   emguard user add|passwd|delete|list  users of the quarantine web page
 *                                     (cmd_user.c)
 *   emguard config check -c CONF      parse a configuration, say OK or why not
 *   emguard symbols                   every symbol the library knows
 *   emguard --dump-config [-c CONF]   the annotated configuration; the build
 *                                     generates etc/emguard.conf from it
 *   emguard --version | --help
 *
 * A new sub-command is one more row in main_cmds.
 * Uses only the public API of libemguard (emguard.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "emguard.h"

typedef struct main_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} main_cmd_t;

static int main_config(int argc, char **argv);
static int main_symbols(int argc, char **argv);

static const main_cmd_t main_cmds[] = {
    {"scan", cmd_scan,
     "scan [-c CONF] [--json] [--jobs N] [--mail-from ADDR] [--rcpt ADDR]...\n"
     "                [--client-ip IP] [--helo NAME] [--auth-user NAME] "
     "PATH..."},
    {"history", cmd_history,
     "history import [-c CONF] [--inbound] PATH...\n"
     "       emguard history prune [-c CONF] [--older-than DAYS]\n"
     "       emguard history stats [-c CONF]"},
    {"quarantine", cmd_quarantine,
     "quarantine list|show ID|release ID|delete ID|export ID|purge|"
     "recover|audit\n"
     "                [-c CONF] ... (emguard quarantine --help)"},
    {"user", cmd_user,
     "user add|passwd|delete NAME [-c CONF] [--password-stdin]\n"
     "       emguard user list [-c CONF]"},
    {"config", main_config, "config check -c CONF"},
    {"symbols", main_symbols, "symbols"},
};

#define MAIN_N_CMDS (sizeof(main_cmds) / sizeof(main_cmds[0]))

static void
main_usage(FILE *fp)
{
	fputs("usage: emguard COMMAND [options]\n", fp);
	for (size_t i = 0; i < MAIN_N_CMDS; i++)
		fprintf(fp, "       emguard %s\n", main_cmds[i].usage);
	fputs("       emguard --dump-config [-c CONF]\n"
	      "       emguard --version | --help\n",
	      fp);
}

/* The configuration an administrator installed, read by `emguard scan`
 * when no -c is given (or the file EMGUARD_CONF names): on the mail server
 * a responder then gets the organisation's InternalDomains and thresholds
 * without asking for them. */
#define MAIN_INSTALLED_CONF EMG_SYSCONFDIR "/emguard.conf"

emg_config_t *
cli_load_config(const char *path, bool installed)
{
	emg_config_t *cfg = NULL;
	char err[1024] = "";
	if (path == NULL && installed) {
		const char *dflt = getenv("EMGUARD_CONF");
		if (dflt == NULL || *dflt == '\0')
			dflt = MAIN_INSTALLED_CONF;
		if (access(dflt, R_OK) == 0)
			path = dflt;
	}
	emg_status_t st = path != NULL
	                      ? emg_config_load(path, &cfg, err, sizeof(err))
	                      : emg_config_default(&cfg);
	if (st != EMG_OK || cfg == NULL) {
		fprintf(stderr, "emguard: %s\n",
		        err[0] != '\0' ? err : emg_strerror(st));
		return NULL;
	}
	return cfg;
}

/* emguard config check -c CONF (or: config check CONF). */
static int
main_config(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (c != 'c')
			goto usage;
		path = optarg;
	}
	if (optind >= argc || strcmp(argv[optind], "check") != 0)
		goto usage;
	if (path == NULL && optind + 1 < argc)
		path = argv[++optind];
	if (path == NULL || optind + 1 != argc)
		goto usage;
	emg_config_t *cfg = cli_load_config(path, false);
	if (cfg == NULL)
		return 2;
	printf("%s: OK\n", path);
	emg_config_unref(cfg);
	return 0;
usage:
	fputs("usage: emguard config check -c CONF\n", stderr);
	return 2;
}

/* emguard symbols: one row per symbol, in the library's order. */
static int
main_symbols(int argc, char **argv)
{
	if (argc > 1) {
		fputs("usage: emguard symbols\n", stderr);
		return 2;
	}
	const char *name, *cat, *desc;
	double score;
	printf("%-36s %-32s %6s  %s\n", "SYMBOL", "CATEGORY", "SCORE",
	       "DESCRIPTION");
	/* bounded: the library's symbol table */
	for (size_t i = 0; emg_symbol_at(i, &name, &cat, &score, &desc); i++)
		printf("%-36s %-32s %6.1f  %s\n", name, cat, score,
		       desc != NULL ? desc : "");
	return fflush(stdout) == 0 ? 0 : 2;
}

static int
main_dump_config(const char *path)
{
	emg_config_t *cfg = cli_load_config(path, false);
	if (cfg == NULL)
		return 2;
	emg_config_dump(cfg, stdout, true);
	emg_config_unref(cfg);
	return fflush(stdout) == 0 ? 0 : 2;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"dump-config", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *conf = NULL;
	bool dump = false;
	int c;
	/* "+": stop at the sub-command, whose options are its own */
	while ((c = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'D': dump = true; break;
		case 'h': main_usage(stdout); return 0;
		case 'V': printf("emguard %s\n", EMG_VERSION_STRING); return 0;
		default: main_usage(stderr); return 2;
		}
	}
	if (dump && optind == argc)
		return main_dump_config(conf);
	if (optind == argc || dump || conf != NULL) {
		if (conf != NULL && !dump)
			fputs("emguard: -c goes after the sub-command\n",
			      stderr);
		main_usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < MAIN_N_CMDS; i++)
		if (strcmp(argv[optind], main_cmds[i].name) == 0)
			return main_cmds[i].run(argc - optind, argv + optind);
	fprintf(stderr, "emguard: unknown command: %s\n", argv[optind]);
	main_usage(stderr);
	return 2;
}
