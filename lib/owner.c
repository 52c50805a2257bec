/*
 * owner.c - files made as root take their directory's owner (owner.h).
 */
#include "owner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
owner_follow_dir(int fd, int dir_fd)
{
	struct stat d;

	if (geteuid() != 0)
		return 0;
	if (fstat(dir_fd, &d) != 0)
		return -1;
	if (d.st_uid == 0 && d.st_gid == 0)
		return 0;
	return fchown(fd, d.st_uid, d.st_gid);
}

int
owner_follow_parent(const char *path)
{
	if (geteuid() != 0 || path == NULL || *path == '\0')
		return 0;
	char *dir = strdup(path);
	if (dir == NULL)
		return -1;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0'; /* "/name" */
	else if (slash != NULL)
		*slash = '\0';
	int dir_fd =
	    open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd =
	    dir_fd < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int rc = fd < 0 ? -1 : owner_follow_dir(fd, dir_fd);
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (dir_fd >= 0)
		close(dir_fd);
	free(dir);
	errno = e;
	return rc;
}
