/*
 * check_atomicfile.c - state files read whole and replaced whole: what
 * each kind of path reads as (missing, a file, too large, a directory, a
 * symbolic link, a FIFO, a file this user may not read), that a read error
 * is never taken for content, that a file which could not be read is not
 * replaced, that writing never goes through a planted name, and setting
 * aside.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "scratch.h"
#include "unit.h"

static char dir[64], path[128], victim[128];

static void
assert_content(const char *p, const char *want)
{
	char	buf[256];

	scratch_get(p, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

static void
setup(void)
{
	scratch_make(dir, sizeof(dir), "check_atomicfile");
	snprintf(path, sizeof(path), "%s/state.json", dir);
	snprintf(victim, sizeof(victim), "%s.victim", dir);
	scratch_put(victim, "victim\n", 0644);
}

static void
teardown(void)
{
	scratch_remove(dir);
	unlink(victim);
}

/* The shapes a path can have, and how each reads. */
enum shape { MISSING, FILE_SMALL, FILE_AT_BOUND, FILE_OVER_BOUND, DIRECTORY,
	SYMLINK, FIFO, UNREADABLE };

static const struct {
	enum shape	 shape;
	enum atomicfile_status want;
	const char	*err;		/* in the message, or NULL */
} reads[] = {
	{ MISSING, ATOMICFILE_MISSING, NULL },
	{ FILE_SMALL, ATOMICFILE_OK, NULL },
	{ FILE_AT_BOUND, ATOMICFILE_OK, NULL },
	{ FILE_OVER_BOUND, ATOMICFILE_TOO_LARGE, "larger than 8 bytes" },
	{ DIRECTORY, ATOMICFILE_UNREADABLE, "not a regular file" },
	{ SYMLINK, ATOMICFILE_UNREADABLE, "symbolic link" },
	{ FIFO, ATOMICFILE_UNREADABLE, "not a regular file" },
	{ UNREADABLE, ATOMICFILE_UNREADABLE, "Permission denied" },
};

static void
make_shape(enum shape shape)
{
	switch (shape) {
	case MISSING:
		break;
	case FILE_SMALL:
		scratch_put(path, "{}", 0644);
		break;
	case FILE_AT_BOUND:
		scratch_put(path, "12345678", 0644);
		break;
	case FILE_OVER_BOUND:
		scratch_put(path, "123456789", 0644);
		break;
	case DIRECTORY:
		ck_assert_int_eq(mkdir(path, 0755), 0);
		break;
	case SYMLINK:
		ck_assert_int_eq(symlink(victim, path), 0);
		break;
	case FIFO:
		ck_assert_int_eq(mkfifo(path, 0644), 0);
		break;
	case UNREADABLE:
		scratch_put(path, "{\"valid\":true}", 0600);
		scratch_forbid(dir, path);
		break;
	}
}

START_TEST(test_read)
{
	char	err[512] = "", *text = NULL;
	size_t	len = 99;
	enum atomicfile_status st;

	make_shape(reads[_i].shape);
	st = atomicfile_read(path, 8, &text, &len, err, sizeof(err));
	ck_assert_int_eq(st, reads[_i].want);
	if (st == ATOMICFILE_OK) {
		ck_assert_ptr_nonnull(text);
		ck_assert_uint_eq(len, strlen(text));
		ck_assert_uint_le(len, 8);
	} else {
		ck_assert_ptr_null(text);
	}
	if (reads[_i].err != NULL) {
		ck_assert_msg(strstr(err, reads[_i].err) != NULL, "%s", err);
		ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	}
	free(text);
}
END_TEST

/* Only a missing or readable regular file may be replaced. */
static const struct {
	enum shape	 shape;
	int		 replaced;
} writes[] = {
	{ MISSING, 1 },
	{ FILE_SMALL, 1 },
	{ DIRECTORY, 0 },
	{ SYMLINK, 0 },
	{ FIFO, 0 },
	{ UNREADABLE, 0 },
};

START_TEST(test_write)
{
	char	err[512] = "";
	struct stat st;
	int	before, rc;

	make_shape(writes[_i].shape);
	before = scratch_count(dir, "");
	rc = atomicfile_write(path, "new\n", 4, 0640, err, sizeof(err));
	if (writes[_i].replaced) {
		ck_assert_msg(rc == 0, "%s", err);
		assert_content(path, "new\n");
		ck_assert_int_eq(lstat(path, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0640);
		/* the temporary file is gone: only state.json is left */
		ck_assert_int_eq(scratch_count(dir, ""), 1);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err, "not replacing it") != NULL, "%s", err);
		ck_assert_int_eq(scratch_count(dir, ""), before);
	}
	if (writes[_i].shape == UNREADABLE) {
		scratch_permit(path);
		assert_content(path, "{\"valid\":true}");
	}
	assert_content(victim, "victim\n");
}
END_TEST

START_TEST(test_write_missing_dir)
{
	char	err[512] = "", p[256];

	snprintf(p, sizeof(p), "%s/no/such/state.json", dir);
	ck_assert_int_eq(atomicfile_write(p, "x", 1, 0600, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "no/such/state.json") != NULL &&
	    strstr(err, "No such file") != NULL, "%s", err);
}
END_TEST

/*
 * The same failure twice gives the same message (no random temporary
 * name in it): callers log a save error once per distinct message, and a
 * read-only state_dir must not log one line per save.
 */
START_TEST(test_write_error_stable)
{
	char	err1[512] = "", err2[512] = "", p[256];

	snprintf(p, sizeof(p), "%s/no/such/state.json", dir);
	ck_assert_int_eq(atomicfile_write(p, "x", 1, 0600, err1, sizeof(err1)),
	    -1);
	ck_assert_int_eq(atomicfile_write(p, "x", 1, 0600, err2, sizeof(err2)),
	    -1);
	ck_assert_str_eq(err1, err2);
}
END_TEST

START_TEST(test_set_aside)
{
	char	aside[256], want[256];

	scratch_put(path, "garbage", 0644);
	ck_assert_int_eq(atomicfile_set_aside(path, 1767225600, aside,
	    sizeof(aside)), 0);
	snprintf(want, sizeof(want), "%s.corrupt-1767225600", path);
	ck_assert_str_eq(aside, want);
	ck_assert_int_eq(access(path, F_OK), -1);
	assert_content(aside, "garbage");
	ck_assert_int_eq(atomicfile_set_aside(path, 1, aside, 8), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("atomicfile");
	TCase	*tc = tcase_create("atomicfile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_read, 0,
	    (int)(sizeof(reads) / sizeof(reads[0])));
	tcase_add_loop_test(tc, test_write, 0,
	    (int)(sizeof(writes) / sizeof(writes[0])));
	tcase_add_test(tc, test_write_missing_dir);
	tcase_add_test(tc, test_write_error_stable);
	tcase_add_test(tc, test_set_aside);
	suite_add_tcase(s, tc);
	return s;
}
