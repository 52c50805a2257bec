/*
 * magicdb.h - libmagic handles sharing one read-only mapping of the
 * compiled magic database (magicdb.c says why).
 */
#ifndef EMG_MAGICDB_H
#define EMG_MAGICDB_H

#include <magic.h>
#include <stddef.h>

#include "emguard.h"

/* A libmagic handle with FLAGS and the database loaded: the process's
 * shared copy when there is one, else loaded the usual way.  EMG_EDEP,
 * with ERR saying why, when libmagic cannot load a database. */
emg_status_t magicdb_open(int flags, magic_t *out, char *err, size_t errlen);

#endif
