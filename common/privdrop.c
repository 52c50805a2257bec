/*
 * privdrop.c - becoming the unprivileged account (see privdrop.h).
 */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* More supplementary groups than this is not an account we run as. */
#define PRIVDROP_GROUPS_MAX 1024

int
privdrop_lookup(const char *user, privdrop_account_t *acct, char *err,
                size_t errlen)
{
	*acct = (privdrop_account_t){.set = false};
	if (geteuid() != 0)
		return 0;
	if (user == NULL || *user == '\0') {
		snprintf(err, errlen, "started as root without UserID");
		return -1;
	}
	const struct passwd *pw = getpwnam(user);
	if (pw == NULL || strlen(pw->pw_name) >= sizeof(acct->name)) {
		snprintf(err, errlen, "UserID %s is no user", user);
		return -1;
	}
	/* refused here already, before the caller binds anything as root */
	gid_t groups[PRIVDROP_GROUPS_MAX];
	int n = PRIVDROP_GROUPS_MAX;
	bool root = pw->pw_uid == 0 || pw->pw_gid == 0 ||
	            getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0;
	for (int i = 0; !root && i < n; i++)
		root = groups[i] == 0;
	if (root) {
		snprintf(err, errlen,
		         "refusing to run as %s: it is root or in "
		         "group root (gid 0); set UserID to an "
		         "unprivileged user",
		         pw->pw_name);
		return -1;
	}
	acct->set = true;
	acct->uid = pw->pw_uid;
	acct->gid = pw->pw_gid;
	snprintf(acct->name, sizeof(acct->name), "%s", pw->pw_name);
	return 0;
}

/* True when group 0 is among the process's supplementary groups (or they
 * cannot be read). */
static bool
privdrop_in_group_root(void)
{
	gid_t groups[PRIVDROP_GROUPS_MAX];
	int n = getgroups(PRIVDROP_GROUPS_MAX, groups);

	if (n < 0)
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			return true;
	return false;
}

int
privdrop_become(const privdrop_account_t *acct, char *err, size_t errlen)
{
	if (acct->set && (initgroups(acct->name, acct->gid) != 0 ||
	                  setgid(acct->gid) != 0 || setuid(acct->uid) != 0)) {
		snprintf(err, errlen, "cannot become %s: %s", acct->name,
		         strerror(errno));
		return -1;
	}
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0 ||
	    getegid() == 0) {
		snprintf(err, errlen,
		         "refusing to run as root (uid or gid 0): "
		         "set UserID to an unprivileged user");
		return -1;
	}
	if (privdrop_in_group_root()) {
		snprintf(err, errlen,
		         "refusing to run in group root (gid 0 "
		         "among the supplementary groups of %s): "
		         "take the account out of it",
		         acct->set ? acct->name : "this user");
		return -1;
	}
	return 0;
}
