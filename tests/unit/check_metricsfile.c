/*
 * check_metricsfile.c - one write of the metrics file (metricsfile.h) in a
 * scratch directory: the whole text, mode 0644, no temporary file left,
 * the configured domains labelled; and what it refuses, leaving what is
 * there alone: a symbolic link in the file's place, a missing directory.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "metricsfile.h"
#include "scratch.h"
#include "unit.h"

enum setup { PLAIN, OLD_FILE, SYMLINK, NO_DIRECTORY };

struct write_case {
	const char	*name;
	enum setup	 setup;
	int		 rc;
	const char	*err;		/* in the error, when rc is -1 */
};

static const struct write_case write_cases[] = {
	{ "a new file", PLAIN, 0, NULL },
	{ "an old file replaced", OLD_FILE, 0, NULL },
	{ "a symbolic link in its place: refused, left", SYMLINK, -1,
	    "is a symbolic link" },
	{ "its directory missing", NO_DIRECTORY, -1, "No such file" },
};

static struct conf *
load(const char *dir)
{
	char	path[512], text[256];
	struct conf *c;

	snprintf(path, sizeof(path), "%s/m.conf", dir);
	snprintf(text, sizeof(text), "domains = {\"example.com\"}\n"
	    "state_dir = \"%s\"\n", dir);
	scratch_put(path, text, 0644);
	ck_assert_ptr_nonnull(c = conf_load(path));
	return c;
}

START_TEST(test_write)
{
	const struct write_case *wc = &write_cases[_i];
	char	dir[256], path[512], victim[512], err[512] = "", buf[65536];
	struct conf *c;
	struct stat st;

	scratch_make(dir, sizeof(dir), "check_metricsfile");
	c = load(dir);
	snprintf(path, sizeof(path), "%s/m.prom", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	if (wc->setup == OLD_FILE)
		scratch_put(path, "old\n", 0600);
	if (wc->setup == SYMLINK) {
		scratch_put(victim, "victim\n", 0644);
		ck_assert_int_eq(symlink(victim, path), 0);
	}
	if (wc->setup == NO_DIRECTORY)
		snprintf(path, sizeof(path), "%s/missing/m.prom", dir);
	ck_assert_int_eq(metricsfile_write(path, c, err, sizeof(err)), wc->rc);
	if (wc->rc == 0) {
		scratch_get(path, buf, sizeof(buf));
		ck_assert_msg(strncmp(buf, "# HELP mtasts_build_info ", 25) == 0,
		    "%s: starts %.40s", wc->name, buf);
		ck_assert_ptr_nonnull(strstr(buf, "\nmtasts_verdicts_total{"
		    "domain=\"example.com\",result=\"pass\"} 0\n"));
		ck_assert_ptr_nonnull(strstr(buf,
		    "_count{callback=\"close\"} 0\n"));
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_eq(st.st_mode & 07777, METRICSFILE_MODE);
	} else {
		ck_assert_msg(strstr(err, wc->err) != NULL, "%s: error %s",
		    wc->name, err);
	}
	if (wc->setup == SYMLINK) {
		scratch_get(victim, buf, sizeof(buf));
		ck_assert_str_eq(buf, "victim\n");
		ck_assert_int_eq(lstat(path, &st), 0);
		ck_assert(S_ISLNK(st.st_mode));
	}
	ck_assert_int_eq(scratch_count(dir, "m.prom."), 0);
	conf_unref(c);
	scratch_remove(dir);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("metricsfile");
	TCase *tc = tcase_create("write");

	tcase_add_loop_test(tc, test_write, 0,
	    (int)(sizeof(write_cases) / sizeof(write_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
