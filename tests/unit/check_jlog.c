/*
 * check_jlog.c - the JSON log writer: every record is one whole line; the
 * file is followed when log rotation moves or removes it (no signal); a
 * symbolic link or a FIFO at its name is refused; and every record that
 * does not reach the file is counted in the report that syslog gets at
 * stop, with the cause; the writer batches (far fewer write(2) calls than
 * records, nothing held back for long, nothing lost across a reopen).
 * Syslog is read back through LOG_PERROR, with
 * stderr sent to a file. (A full disk needs a small tmpfs: see
 * tests/root/test-jlog-full.sh.)
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "jlog.h"
#include "scratch.h"
#include "unit.h"

static char dir[64], path[128], errlog[128];

static void
setup(void)
{
	int	fd;

	scratch_make(dir, sizeof(dir), "check_jlog");
	snprintf(path, sizeof(path), "%s/sessions.jsonl", dir);
	snprintf(errlog, sizeof(errlog), "%s.syslog", dir);
	/* What syslog says goes to stderr, and stderr to a file. */
	ck_assert_int_ne(fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    -1);
	ck_assert_int_ne(dup2(fd, STDERR_FILENO), -1);
	close(fd);
	openlog("check_jlog", LOG_PERROR, LOG_USER);
}

static void
teardown(void)
{
	closelog();
	unlink(errlog);
	scratch_remove(dir);
}

/* Queue o's JSON text as the milter queues a record's, and free o. */
static void
put(struct jlog *j, json_t *o)
{
	struct jsonbuf b;

	jsonbuf_init(&b, 2 * JLOG_LINE_MAX);
	jsonbuf_value(&b, o);
	json_decref(o);
	jlog_json(j, &b);
	jsonbuf_free(&b);
}

static void
record(struct jlog *j, int seq)
{
	put(j, json_pack("{s:i, s:s}", "seq", seq, "event", "test"));
}

/* Lines of p, each checked to be one JSON object; -1 when p is missing. */
static int
count_lines(const char *p)
{
	char	line[1024];
	json_t	*o;
	FILE	*fp;
	int	n = 0;

	if ((fp = fopen(p, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		ck_assert_msg(strchr(line, '\n') != NULL, "unterminated: %s",
		    line);
		o = json_loads(line, 0, NULL);
		ck_assert_msg(json_is_object(o), "not one object: %s", line);
		json_decref(o);
		n++;
	}
	fclose(fp);
	return n;
}

/* Wait (up to 5 s) until p has want lines. */
static void
wait_lines(const char *p, int want)
{
	int	i;

	for (i = 0; i < 500 && count_lines(p) != want; i++)
		usleep(10000);
	ck_assert_int_eq(count_lines(p), want);
}

/* The last report syslog got, "" when none. */
static void
last_report(char *out, size_t size)
{
	char	line[1024];
	FILE	*fp;

	out[0] = '\0';
	ck_assert_ptr_nonnull(fp = fopen(errlog, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, "records lost since start") != NULL)
			snprintf(out, size, "%s", line);
	fclose(fp);
}

START_TEST(test_whole_lines)
{
	struct jlog *j;
	char	report[1024];
	int	i;

	ck_assert_ptr_nonnull(j = jlog_new(path));
	for (i = 0; i < 100; i++)
		record(j, i);
	jlog_free(j);
	ck_assert_int_eq(count_lines(path), 100);
	last_report(report, sizeof(report));
	ck_assert_str_eq(report, "");
}
END_TEST

/* write(2) calls of the process so far (all threads), from /proc/self/io. */
static long
write_calls(void)
{
	char	line[128];
	long	n = -1;
	FILE	*fp;

	if ((fp = fopen("/proc/self/io", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "syscw: %ld", &n) == 1)
			break;
	fclose(fp);
	return n;
}

/* The seq of every line of p, in file order; returns how many. */
static int
seqs(const char *p, int *out, int max)
{
	char	line[1024];
	json_t	*o;
	FILE	*fp;
	int	n = 0;

	ck_assert_ptr_nonnull(fp = fopen(p, "r"));
	while (n < max && fgets(line, sizeof(line), fp) != NULL) {
		ck_assert_ptr_nonnull(o = json_loads(line, 0, NULL));
		out[n++] = (int)json_integer_value(json_object_get(o, "seq"));
		json_decref(o);
	}
	fclose(fp);
	return n;
}

#define BATCH_RECORDS	1000

/* Records queued together go out in a few writes, all of them, in order. */
START_TEST(test_batches)
{
	static int seen[BATCH_RECORDS + 1];
	struct jlog *j;
	long	w0, w1;
	int	i;

	ck_assert_ptr_nonnull(j = jlog_new(path));
	record(j, -1);
	wait_lines(path, 1);		/* the file is open */
	w0 = write_calls();
	for (i = 0; i < BATCH_RECORDS; i++)
		record(j, i);
	jlog_free(j);			/* flushes what is queued */
	w1 = write_calls();
	ck_assert_int_eq(seqs(path, seen, BATCH_RECORDS + 1),
	    BATCH_RECORDS + 1);
	for (i = 0; i < BATCH_RECORDS; i++)
		ck_assert_int_eq(seen[i + 1], i);
	if (w0 >= 0 && w1 >= 0)	/* one write per record before batching */
		ck_assert_msg(w1 - w0 < BATCH_RECORDS / 10,
		    "%ld write(2) calls for %d records", w1 - w0,
		    BATCH_RECORDS);
}
END_TEST

/* A lone record is not held back waiting for a batch to fill. */
START_TEST(test_batch_not_held)
{
	struct jlog *j;
	int	i;

	ck_assert_ptr_nonnull(j = jlog_new(path));
	for (i = 0; i < 3; i++) {
		record(j, i);
		wait_lines(path, i + 1);
		usleep(20000);
	}
	jlog_free(j);
}
END_TEST

/*
 * A reopen writes what was queued before it to the file it was queued for
 * (logrotate moves the file, then signals): records 0-150 in the first
 * file, 151-299 in the next, none lost, none held back for the batch.
 */
START_TEST(test_reopen_flushes_first)
{
	static int seen[300];
	struct jlog *j;
	char	next[160];
	int	i, n;

	snprintf(next, sizeof(next), "%s.next", path);
	ck_assert_ptr_nonnull(j = jlog_new(path));
	record(j, -1);
	wait_lines(path, 1);
	for (i = 0; i < 300; i++) {
		record(j, i);
		if (i == 150)
			jlog_reopen(j, next);
	}
	jlog_free(j);
	ck_assert_int_eq(n = seqs(path, seen, 300), 152);
	ck_assert_int_eq(seen[n - 1], 150);
	ck_assert_int_eq(n = seqs(next, seen, 300), 149);
	ck_assert_int_eq(seen[0], 151);
	unlink(next);
}
END_TEST

/* Log rotation without a signal: the file is moved, or removed. */
static const char *const rotations[] = { "rename", "unlink" };

START_TEST(test_follows_rotation)
{
	struct jlog *j;
	char	old[160];

	snprintf(old, sizeof(old), "%s.1", path);
	ck_assert_ptr_nonnull(j = jlog_new(path));
	record(j, 1);
	wait_lines(path, 1);
	if (_i == 0)
		ck_assert_int_eq(rename(path, old), 0);
	else
		ck_assert_int_eq(unlink(path), 0);
	sleep(JLOG_CHECK_SECONDS + 1);
	record(j, 2);
	record(j, 3);
	wait_lines(path, 2);
	jlog_free(j);
	ck_assert_int_eq(count_lines(path), 2);
	if (_i == 0)
		ck_assert_int_eq(count_lines(old), 1);
}
END_TEST

/* A name that is not a regular file is not written through, and said so. */
static const struct {
	const char	*what;
	const char	*cause;
} refused[] = {
	{ "symlink", "is a symbolic link" },
	{ "dangling symlink", "is a symbolic link" },
	{ "fifo", "is not a regular file" },
	{ "missing directory", "open: No such file or directory" },
};

START_TEST(test_refused)
{
	struct jlog *j;
	char	victim[160], report[1024], want[512];
	const char *target = path;
	FILE	*fp;
	int	i;

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	ck_assert_ptr_nonnull(fp = fopen(victim, "w"));
	fclose(fp);
	switch (_i) {
	case 0:
		ck_assert_int_eq(symlink(victim, path), 0);
		break;
	case 1:
		ck_assert_int_eq(unlink(victim), 0);
		ck_assert_int_eq(symlink(victim, path), 0);
		break;
	case 2:
		ck_assert_int_eq(mkfifo(path, 0600), 0);
		break;
	case 3:
		snprintf(victim, sizeof(victim), "%s/no/such", dir);
		target = victim;
		break;
	}
	ck_assert_ptr_nonnull(j = jlog_new(target));
	for (i = 0; i < 7; i++)
		record(j, i);
	jlog_free(j);
	if (_i == 0)
		ck_assert_int_eq(count_lines(victim), 0);
	if (_i == 1)
		ck_assert_int_eq(access(victim, F_OK), -1);
	last_report(report, sizeof(report));
	snprintf(want, sizeof(want), "json_log \"%s\": 7 records lost since "
	    "start: 7 not written (last error: %s), 0 dropped (queue full), "
	    "0 too long", target, refused[_i].cause);
	ck_assert_msg(strstr(report, want) != NULL, "%s", report);
}
END_TEST

/* Once the name is usable again, records land there again. */
START_TEST(test_recovers)
{
	struct jlog *j;
	char	sub[128], file[160], report[1024];

	snprintf(sub, sizeof(sub), "%s/later", dir);
	snprintf(file, sizeof(file), "%s/sessions.jsonl", sub);
	ck_assert_ptr_nonnull(j = jlog_new(file));
	record(j, 1);
	record(j, 2);
	sleep(JLOG_CHECK_SECONDS);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	sleep(JLOG_CHECK_SECONDS);
	record(j, 3);
	wait_lines(file, 1);
	jlog_free(j);
	last_report(report, sizeof(report));
	ck_assert_msg(strstr(report, "2 records lost since start: 2 not "
	    "written") != NULL, "%s", report);
	ck_assert_int_eq(count_lines(file), 1);
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(rmdir(sub), 0);
}
END_TEST

/* Too long to be a line: counted, never written. */
START_TEST(test_oversize)
{
	struct jlog *j;
	char	*big, report[1024];

	ck_assert_ptr_nonnull(big = malloc(JLOG_LINE_MAX));
	memset(big, 'x', JLOG_LINE_MAX - 1);
	big[JLOG_LINE_MAX - 1] = '\0';
	ck_assert_ptr_nonnull(j = jlog_new(path));
	put(j, json_pack("{s:s}", "pad", big));
	record(j, 1);
	jlog_free(j);
	free(big);
	ck_assert_int_eq(count_lines(path), 1);
	last_report(report, sizeof(report));
	ck_assert_msg(strstr(report, "1 records lost since start: 0 not "
	    "written, 0 dropped (queue full), 1 too long") != NULL, "%s",
	    report);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("jlog");
	TCase	*tc = tcase_create("jlog");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_whole_lines);
	tcase_add_test(tc, test_batches);
	tcase_add_test(tc, test_batch_not_held);
	tcase_add_test(tc, test_reopen_flushes_first);
	tcase_add_loop_test(tc, test_follows_rotation, 0,
	    (int)(sizeof(rotations) / sizeof(rotations[0])));
	tcase_add_loop_test(tc, test_refused, 0,
	    (int)(sizeof(refused) / sizeof(refused[0])));
	tcase_add_test(tc, test_recovers);
	tcase_add_test(tc, test_oversize);
	suite_add_tcase(s, tc);
	return s;
}
