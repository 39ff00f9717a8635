/*
 * check_pidfile.c - the pid file root writes: a new or existing regular
 * file gets the pid (nothing else left of an old content); a symbolic
 * link (to a file or dangling), a hard link to another file, a FIFO or a
 * directory at its name is refused with a message naming it, and the
 * other file is not touched.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pidfile.h"
#include "scratch.h"
#include "unit.h"

static char dir[64], path[128], victim[128];

static void
setup(void)
{
	scratch_make(dir, sizeof(dir), "check_pidfile");
	snprintf(path, sizeof(path), "%s/milter.pid", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	scratch_put(victim, "victim\n", 0644);
}

static void
teardown(void)
{
	scratch_remove(dir);
}

enum shape { NONE, OLD_PID, SYMLINK, DANGLING, HARDLINK, FIFO, DIRECTORY };

static const struct {
	enum shape	 shape;
	const char	*refused;	/* in the message; NULL: written */
} cases[] = {
	{ NONE, NULL },
	{ OLD_PID, NULL },
	{ SYMLINK, "is a symbolic link; refusing to write through it" },
	{ DANGLING, "is a symbolic link; refusing to write through it" },
	{ HARDLINK, "has other hard links; refusing to write it" },
	{ FIFO, "is not a regular file; refusing to write it" },
	{ DIRECTORY, "is not a regular file; refusing to write it" },
};

START_TEST(test_pidfile)
{
	char	err[512] = "", buf[64], want[32];
	int	fd;

	switch (cases[_i].shape) {
	case NONE:
		break;
	case OLD_PID:
		scratch_put(path, "123456789012\n", 0644);
		break;
	case SYMLINK:
		ck_assert_int_eq(symlink(victim, path), 0);
		break;
	case DANGLING:
		ck_assert_int_eq(unlink(victim), 0);
		ck_assert_int_eq(symlink(victim, path), 0);
		break;
	case HARDLINK:
		ck_assert_int_eq(link(victim, path), 0);
		break;
	case FIFO:
		ck_assert_int_eq(mkfifo(path, 0644), 0);
		break;
	case DIRECTORY:
		ck_assert_int_eq(mkdir(path, 0755), 0);
		break;
	}
	fd = pidfile_open(path, err, sizeof(err));
	if (cases[_i].refused != NULL) {
		ck_assert_int_eq(fd, -1);
		ck_assert_msg(strstr(err, cases[_i].refused) != NULL &&
		    strstr(err, path) != NULL, "%s", err);
		if (cases[_i].shape == DANGLING)
			ck_assert_int_eq(access(victim, F_OK), -1);
		else {
			scratch_get(victim, buf, sizeof(buf));
			ck_assert_str_eq(buf, "victim\n");
		}
		return;
	}
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(pidfile_write(fd, path, 4242, err, sizeof(err)), 0);
	scratch_get(path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%d\n", 4242);
	ck_assert_str_eq(buf, want);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("pidfile");
	TCase	*tc = tcase_create("pidfile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_pidfile, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
