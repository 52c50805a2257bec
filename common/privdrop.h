/*
 * privdrop.h - becoming the unprivileged account a daemon runs as
 * (UserID), shared by emguard-milter and emguard-web.  A daemon started
 * as root looks the account up first (privdrop_lookup: a missing or
 * unknown UserID is an error before anything is bound), does what needs
 * root (bind, PID file, TLS keys), then becomes it (privdrop_become).
 * Either way it goes on only with no user id, group id or supplementary
 * group 0: group root reads what root's files let it, so an account in
 * that group is no unprivileged account.
 */
#ifndef EMG_PRIVDROP_H
#define EMG_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct privdrop_account {
	bool set; /* started as root: there is an account to become */
	uid_t uid;
	gid_t gid;
	char name[256];
} privdrop_account_t;

/* When the process runs as root, look up USER (UserID) into ACCT; when it
 * does not, ACCT->set is false and USER is not needed.  -1 with a message
 * in ERR when root has no USER to become, or USER is root or in group
 * root. */
int privdrop_lookup(const char *user, privdrop_account_t *acct, char *err,
                    size_t errlen);

/* Become ACCT when it is set (groups, then gid, then uid), then check that
 * no id and no supplementary group is 0.  -1 with a message in ERR. */
int privdrop_become(const privdrop_account_t *acct, char *err, size_t errlen);

#endif
