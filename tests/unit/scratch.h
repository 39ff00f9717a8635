/*
 * scratch.h - a scratch directory per unit test, made in setup and removed
 * with its files (one level deep) in teardown, also after a test that
 * acted as another user.
 */
#ifndef MTASTS_SCRATCH_H
#define MTASTS_SCRATCH_H

#include <stddef.h>

/* mkdtemp /tmp/NAME.XXXXXX into dir; fails the test when it cannot. */
void	scratch_make(char *dir, size_t size, const char *name);
/* Write text to path (mode), or read path into buf; fail the test if not. */
void	scratch_put(const char *path, const char *text, unsigned mode);
void	scratch_get(const char *path, char *buf, size_t size);
/* Entries of dir (not . and ..) whose name starts with prefix ("": all). */
int	scratch_count(const char *dir, const char *prefix);
/*
 * Make path (in dir) a file this process may not read although it could
 * rename it: as root, act as nobody and hand dir to nobody; otherwise mode
 * 000. scratch_permit undoes it.
 */
void	scratch_forbid(const char *dir, const char *path);
void	scratch_permit(const char *path);
/* Take back the real user id, then remove dir's entries and dir. */
void	scratch_remove(const char *dir);

#endif
