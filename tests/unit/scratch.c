/*
 * scratch.c - scratch directories for unit tests (see scratch.h).
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"

#define NOBODY	65534

void
scratch_make(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

void
scratch_put(const char *path, const char *text, unsigned mode)
{
	FILE	*fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(path, (mode_t)mode), 0);
}

void
scratch_get(const char *path, char *buf, size_t size)
{
	FILE	*fp;
	size_t	n;

	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	n = fread(buf, 1, size - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

int
scratch_count(const char *dir, const char *prefix)
{
	struct dirent *e;
	DIR	*dp;
	int	n = 0;

	ck_assert_ptr_nonnull(dp = opendir(dir));
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dp);
	return n;
}

void
scratch_forbid(const char *dir, const char *path)
{
	ck_assert_int_eq(chmod(path, 0600), 0);
	if (getuid() == 0) {
		ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
		ck_assert_int_eq(seteuid(NOBODY), 0);
	} else {
		ck_assert_int_eq(chmod(path, 0), 0);
	}
}

void
scratch_permit(const char *path)
{
	if (getuid() == 0)
		ck_assert_int_eq(seteuid(0), 0);
	else
		ck_assert_int_eq(chmod(path, 0600), 0);
}

void
scratch_remove(const char *dir)
{
	struct dirent *e;
	char	path[512];
	DIR	*dp;

	if (geteuid() != getuid())
		(void)seteuid(getuid());
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) == -1)
			rmdir(path);
	}
	closedir(dp);
	rmdir(dir);
}
