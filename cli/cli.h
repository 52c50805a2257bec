/*
 * cli.h - the sub-commands of the emguard command.  Each takes the
 * arguments from its own name on (argv[0] is "scan", ...) and returns the
 * process exit status: 0 fine, 1 something found, 2 usage or I/O error.
 * main.c dispatches to them through its command table.
 */
#ifndef EMG_CLI_H
#define EMG_CLI_H

#include <stdbool.h>

#include "emguard.h"

/* Load PATH; without PATH the built-in defaults, or with INSTALLED the
 * installed emguard.conf when there is one.  Errors go to stderr; NULL
 * then.  (main.c) */
emg_config_t *cli_load_config(const char *path, bool installed);

/* emguard scan [options] PATH... (cmd_scan.c) */
int cmd_scan(int argc, char **argv);

/* emguard history import|prune|stats [options] (cmd_history.c) */
int cmd_history(int argc, char **argv);

/* emguard quarantine list|show|release|delete|export|purge|recover|audit|
 * import [options] (cmd_quarantine.c) */
int cmd_quarantine(int argc, char **argv);

/* emguard user add|passwd|delete|list [options] (cmd_user.c) */
int cmd_user(int argc, char **argv);

#endif
