/*
 * cli.h - sub-commands of the emguard command.
 */
#ifndef EMG_CLI_H
#define EMG_CLI_H

/* emguard scan [options] PATH...; returns the exit status. */
int cmd_scan(int argc, char **argv);

#endif
