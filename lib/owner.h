/*
 * owner.h - what emguard creates while it runs as root (an administrator
 * running `emguard quarantine import` or `emguard user add` with sudo)
 * takes the owner and group of the directory it is created in, as SQLite
 * does for its journal files: otherwise the milter and emguard-web, which
 * run as UserID, could not read the quarantined message or open the
 * DataStore that root created.  Nothing changes when the process is not
 * root or the directory belongs to root.
 */
#ifndef EMG_OWNER_H
#define EMG_OWNER_H

/* Give the file or directory open as FD the owner of the directory open as
 * DIR_FD, when running as root.  0, or -1 with errno. */
int owner_follow_dir(int fd, int dir_fd);

/* The same for the file or directory PATH (just created) and the
 * directory that holds it. */
int owner_follow_parent(const char *path);

#endif
