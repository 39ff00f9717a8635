/*
 * atomicfile.h - small state files that are read whole and replaced whole,
 * shared by the daemon's policy state (statefile.c) and the check tool's
 * run-to-run state (stsstate.c).
 *
 * Replacing writes a temporary file made by mkstemp in the same directory,
 * fsyncs it, renames it over the old file and fsyncs the directory, so a
 * crash leaves either the old or the new content, and nothing is ever
 * written through a name another user could have planted. Reading tells a
 * file that is missing from one that cannot be read (permissions, I/O,
 * not a regular file, a symbolic link): only what was read can be judged
 * corrupt, and a file that could not be read is never replaced, so a valid
 * state that the process may not read is not lost.
 */
#ifndef MTASTS_ATOMICFILE_H
#define MTASTS_ATOMICFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

enum atomicfile_status {
	ATOMICFILE_OK,		/* read: *text holds the content */
	ATOMICFILE_MISSING,	/* no such file */
	ATOMICFILE_UNREADABLE,	/* exists but cannot be read; err says why */
	ATOMICFILE_TOO_LARGE	/* read, but longer than the bound */
};

/*
 * Open an existing regular file for reading, without following a symbolic
 * link or waiting on a FIFO (also used for files read as root, such as
 * draft policies). Returns the fd (st filled in), or -1 with errno ENOENT
 * when there is none, ELOOP for a symbolic link, EINVAL for anything but
 * a regular file, and cause saying why.
 */
int	atomicfile_open_regular(const char *path, struct stat *st, char *cause,
	    size_t size);
/*
 * Read path whole into *text (NUL-terminated, *len bytes, free()d by the
 * caller) when it is a regular file of at most max bytes. Symbolic links
 * are not followed. err gets a message for UNREADABLE and TOO_LARGE.
 */
enum atomicfile_status atomicfile_read(const char *path, size_t max,
	    char **text, size_t *len, char *err, size_t errlen);
/*
 * Read an open fd (a pipe too) to its end the same way: 0, 1 when longer
 * than max (nothing kept), -1 with errno.
 */
int	atomicfile_read_fd(int fd, size_t max, char **text, size_t *len);
/*
 * Replace path by len bytes of text with the given mode. Refuses, leaving
 * everything as it was, when path exists but cannot be read (see above).
 * Returns 0, or -1 with err naming the file and the cause.
 */
int	atomicfile_write(const char *path, const char *text, size_t len,
	    mode_t mode, char *err, size_t errlen);
/*
 * Rename a corrupt path to path.corrupt-NOW (aside, asidelen). 0, or -1
 * with errno set.
 */
int	atomicfile_set_aside(const char *path, time_t now, char *aside,
	    size_t asidelen);

#endif
