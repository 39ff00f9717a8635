/*
 * atomicfile.c - read a state file whole, replace it atomically, set a
 * corrupt one aside (see atomicfile.h).
 *
 * Every open is O_NOFOLLOW and checked to be a regular file: a state file
 * is only ever created by rename, so a symbolic link or a FIFO in its
 * place was put there by someone else, and a process that may run as root
 * must not read or write through it. The temporary file is made by
 * mkostemp (O_EXCL, a name nobody can predict), never opened by a fixed
 * name with O_TRUNC.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

#define ATOMICFILE_PATH_MAX	4096

int
atomicfile_open_regular(const char *path, struct stat *st, char *cause,
    size_t size)
{
	int	fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY);
	if (fd == -1) {
		saved = errno;
		snprintf(cause, size, "%s", saved == ELOOP ?
		    "is a symbolic link" : strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, st) == -1) {
		snprintf(cause, size, "%s", strerror(errno));
		close(fd);
		errno = EIO;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(cause, size, "is not a regular file");
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/*
 * Read fd to its end into a new buffer, looking at most one byte past max.
 * Returns 0, 1 when the file is longer than max, -1 with errno.
 */
static int
read_all(int fd, size_t hint, size_t max, char **text, size_t *len)
{
	size_t	limit = max + 1, cap = (hint < max ? hint : max) + 2, off = 0;
	size_t	want;
	char	*buf, *grown;
	ssize_t	n;

	if ((buf = malloc(cap)) == NULL)
		return -1;
	while (off < limit) {
		if (off + 1 == cap) {
			cap = cap > limit / 2 ? limit + 1 : 2 * cap;
			if ((grown = realloc(buf, cap)) == NULL) {
				free(buf);
				return -1;
			}
			buf = grown;
		}
		want = cap - 1 - off < limit - off ? cap - 1 - off :
		    limit - off;
		if ((n = read(fd, buf + off, want)) == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off > max) {
		free(buf);
		return 1;
	}
	buf[off] = '\0';
	*text = buf;
	*len = off;
	return 0;
}

int
atomicfile_read_fd(int fd, size_t max, char **text, size_t *len)
{
	return read_all(fd, 64 * 1024, max, text, len);
}

enum atomicfile_status
atomicfile_read(const char *path, size_t max, char **text, size_t *len,
    char *err, size_t errlen)
{
	struct stat st;
	char	cause[128];
	int	fd, rc;

	*text = NULL;
	*len = 0;
	if ((fd = atomicfile_open_regular(path, &st, cause,
	    sizeof(cause))) == -1) {
		if (errno == ENOENT)
			return ATOMICFILE_MISSING;
		snprintf(err, errlen, "%s: %s", path, cause);
		return ATOMICFILE_UNREADABLE;
	}
	rc = (uintmax_t)st.st_size > max ? 1 :
	    read_all(fd, (size_t)st.st_size, max, text, len);
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	close(fd);
	if (rc == 1) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		return ATOMICFILE_TOO_LARGE;
	}
	return rc == 0 ? ATOMICFILE_OK : ATOMICFILE_UNREADABLE;
}

/* A file that exists but could not be read must not be replaced. */
static int
check_replaceable(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char	cause[128];
	int	fd;

	if ((fd = atomicfile_open_regular(path, &st, cause,
	    sizeof(cause))) != -1) {
		close(fd);
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	snprintf(err, errlen, "%s: %s; not replacing it, since it could not "
	    "be read (fix its owner or mode, or remove it)", path, cause);
	return -1;
}

static int
write_all(int fd, const char *text, size_t len)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Make the rename durable; a failure here loses nothing already renamed. */
static void
sync_dir(const char *path)
{
	char	dir[ATOMICFILE_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int	fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

int
atomicfile_write(const char *path, const char *text, size_t len, mode_t mode,
    char *err, size_t errlen)
{
	char	tmp[ATOMICFILE_PATH_MAX + 8];
	int	fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if (check_replaceable(path, err, errlen) == -1)
		return -1;
	/*
	 * Errors name the template, not the random name mkostemp made: the
	 * same failure must give the same message, which callers log once.
	 */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot create %s.XXXXXX: %s", path,
		    strerror(errno));
		return -1;
	}
	if (write_all(fd, text, len) == -1 || fchmod(fd, mode) == -1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "cannot write %s.XXXXXX: %s", path,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1) {
		snprintf(err, errlen, "cannot write %s.XXXXXX: %s", path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "cannot rename %s.XXXXXX to %s: %s",
		    path, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	sync_dir(path);
	return 0;
}

int
atomicfile_set_aside(const char *path, time_t now, char *aside,
    size_t asidelen)
{
	int	n = snprintf(aside, asidelen, "%s.corrupt-%lld", path,
	    (long long)now);

	if (n < 0 || (size_t)n >= asidelen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return rename(path, aside);
}
