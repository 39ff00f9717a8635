/*
 * pidfile.c - open the pid file safely as root, write it after the fork
 * (see pidfile.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pidfile.h"

#define PIDFILE_FIX	"remove it, and keep the pid file's directory " \
			"writable by root only"

/* Why the file at path must not be written, or NULL. */
static const char *
refusal(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "is a symbolic link; refusing to write through it";
	if (!S_ISREG(st->st_mode))
		return "is not a regular file; refusing to write it";
	if (st->st_nlink != 1)
		return "has other hard links; refusing to write it";
	return NULL;
}

int
pidfile_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	const char *why;
	int	fd;

	/* lstat names the problem; O_NOFOLLOW and fstat close the race. */
	if (lstat(path, &st) == 0 && (why = refusal(&st)) != NULL) {
		snprintf(err, errlen, "pidfile %s %s (%s)", path, why,
		    PIDFILE_FIX);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(err, errlen, "pidfile %s: %s", path, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((why = refusal(&st)) != NULL) {
		snprintf(err, errlen, "pidfile %s %s (%s)", path, why,
		    PIDFILE_FIX);
		close(fd);
		return -1;
	}
	return fd;
}

int
pidfile_write(int fd, const char *path, pid_t pid, char *err, size_t errlen)
{
	char	buf[32];
	int	n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	ssize_t	w = -1;

	if (ftruncate(fd, 0) == -1 ||
	    (w = pwrite(fd, buf, (size_t)n, 0)) != (ssize_t)n) {
		snprintf(err, errlen, "pidfile %s: %s", path,
		    w == -1 ? strerror(errno) : "short write");
		close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
