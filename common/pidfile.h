/*
 * pidfile.h - the daemon's pid file, written as root, possibly in a
 * directory that the unprivileged user can write (the socket's).
 *
 * The file is opened before the daemon forks, so that a refusal reaches
 * whoever started it, and written after: never through a symbolic link
 * (O_NOFOLLOW), never when the name is not a regular file or has another
 * hard link (it could be /etc/passwd's), and without O_TRUNC until those
 * checks have passed.
 */
#ifndef MTASTS_PIDFILE_H
#define MTASTS_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Open (creating) path for the pid. The fd, or -1 with err saying why. */
int	pidfile_open(const char *path, char *err, size_t errlen);
/* Replace the file's content by pid and close fd. 0, or -1 with err. */
int	pidfile_write(int fd, const char *path, pid_t pid, char *err,
	    size_t errlen);

#endif
