/*
 * check_msg.c - the logging facility (msg.h): every call hands its output
 * one bounded, printable line with the priority of the call; the output
 * set last gets it; the default writes "mtasts-milter: LINE" on stderr;
 * switching while other threads log never pairs one output's function
 * with another's argument, and loses no line.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "msg.h"
#include "unit.h"

#define NCASES(t)	((int)(sizeof(t) / sizeof((t)[0])))
#define LOGGERS		4
#define LINES_EACH	20000

struct capture {
	int	 count;
	int	 priority;
	char	 line[MSG_LINE_MAX + 16];
};

static void
capture(void *arg, int priority, const char *line)
{
	struct capture *c = arg;

	c->count++;
	c->priority = priority;
	snprintf(c->line, sizeof(c->line), "%s", line);
}

/* --- bounding and printable ------------------------------------------- */

struct text_case {
	const char	*name;
	const char	*text;		/* logged with "%s" */
	size_t		 repeat;	/* text repeated this often (0: once) */
	size_t		 want_len;
	const char	*want_start;	/* what the line starts with */
};

static const struct text_case text_cases[] = {
	{ "short line kept", "mx1.example.com: ok", 0, 19,
	    "mx1.example.com: ok" },
	{ "empty line", "", 0, 0, "" },
	{ "CR LF cannot start a line", "a\r\nfake: line", 0, 13,
	    "a??fake: line" },
	{ "escape sequence", "\033[2Jx", 0, 5, "?[2Jx" },
	{ "tab, DEL, 8-bit", "\ta\177\303\251", 0, 5, "?a???" },
	{ "exactly the bound fits", "x", MSG_LINE_MAX - 1, MSG_LINE_MAX - 1,
	    "xxx" },
	{ "one byte over is cut", "x", MSG_LINE_MAX, MSG_LINE_MAX - 1, "xxx" },
	{ "far over is cut", "0123456789", 1000, MSG_LINE_MAX - 1,
	    "0123456789" },
	{ "cut after a replacement", "\n", MSG_LINE_MAX * 2, MSG_LINE_MAX - 1,
	    "???" },
};

START_TEST(test_text)
{
	const struct text_case *tc = &text_cases[_i];
	static struct capture c;
	size_t	n = tc->repeat > 0 ? tc->repeat : 1, len = strlen(tc->text), i;
	char	*text;
	const char *p;

	ck_assert_ptr_nonnull(text = malloc(n * len + 1));
	for (i = 0; i < n; i++)
		memcpy(text + i * len, tc->text, len);
	text[n * len] = '\0';
	ck_assert_int_eq(msg_set_output(capture, &c), 0);
	msg_info("%s", text);
	free(text);
	ck_assert_int_eq(c.count, 1);
	ck_assert_msg(strlen(c.line) == tc->want_len, "%s: length %zu, want "
	    "%zu", tc->name, strlen(c.line), tc->want_len);
	ck_assert_msg(strncmp(c.line, tc->want_start,
	    strlen(tc->want_start)) == 0, "%s: got \"%.40s\"", tc->name,
	    c.line);
	for (p = c.line; *p != '\0'; p++)
		ck_assert_msg(*p >= 0x20 && *p <= 0x7e, "%s: byte 0x%02x",
		    tc->name, (unsigned char)*p);
}
END_TEST

/* --- priorities --------------------------------------------------------- */

/* One logging call per function, for the table. */
#define LOGGER(name, call)						\
static void								\
name(void)								\
{									\
	call("%s %d", "line", 1);					\
}

#define LOG_CRIT_CALL(...)	msg_log(LOG_CRIT, __VA_ARGS__)
/* A facility cannot ride along: the output gets the priority alone. */
#define LOG_MAIL_CALL(...)	msg_log(LOG_MAIL | LOG_WARNING, __VA_ARGS__)

LOGGER(log_error, msg_error)
LOGGER(log_warn, msg_warn)
LOGGER(log_notice, msg_notice)
LOGGER(log_info, msg_info)
LOGGER(log_debug, msg_debug)
LOGGER(log_crit, LOG_CRIT_CALL)
LOGGER(log_with_facility, LOG_MAIL_CALL)

static const struct priority_case {
	const char	*name;
	void		(*log)(void);
	int		 want;
} priority_cases[] = {
	{ "msg_error", log_error, LOG_ERR },
	{ "msg_warn", log_warn, LOG_WARNING },
	{ "msg_notice", log_notice, LOG_NOTICE },
	{ "msg_info", log_info, LOG_INFO },
	{ "msg_debug", log_debug, LOG_DEBUG },
	{ "msg_log LOG_CRIT", log_crit, LOG_CRIT },
	{ "msg_log with a facility", log_with_facility, LOG_WARNING },
};

START_TEST(test_priority)
{
	const struct priority_case *pc = &priority_cases[_i];
	static struct capture c;

	ck_assert_int_eq(msg_set_output(capture, &c), 0);
	pc->log();
	ck_assert_int_eq(c.count, 1);
	ck_assert_msg(c.priority == pc->want, "%s: priority %d, want %d",
	    pc->name, c.priority, pc->want);
	ck_assert_str_eq(c.line, "line 1");
}
END_TEST

/* A caller may report strerror(errno) after logging something else. */
START_TEST(test_errno_kept)
{
	static struct capture c;

	ck_assert_int_eq(msg_set_output(capture, &c), 0);
	errno = ENOSPC;
	msg_warn("%s", "x");
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

/* --- outputs ------------------------------------------------------------ */

/* What the default output wrote to stderr while fn ran. */
static void
stderr_of(void (*fn)(void), char *buf, size_t size)
{
	FILE	*tmp = tmpfile();
	int	 saved = dup(STDERR_FILENO);
	size_t	 n;

	ck_assert_ptr_nonnull(tmp);
	ck_assert_int_ne(saved, -1);
	ck_assert_int_ne(dup2(fileno(tmp), STDERR_FILENO), -1);
	fn();
	fflush(stderr);
	ck_assert_int_ne(dup2(saved, STDERR_FILENO), -1);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, size - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

static void
log_default(void)
{
	ck_assert_int_eq(msg_set_output(NULL, NULL), 0);
	msg_error("cannot read: %s", "No such file");
}

static void
log_named(void)
{
	ck_assert_int_eq(msg_set_output(msg_stderr, "mtasts-check"), 0);
	msg_warn("x\ny");
}

START_TEST(test_stderr)
{
	char	buf[256];

	stderr_of(log_default, buf, sizeof(buf));
	ck_assert_str_eq(buf, "mtasts-milter: cannot read: No such file\n");
	stderr_of(log_named, buf, sizeof(buf));
	ck_assert_str_eq(buf, "mtasts-check: x?y\n");
}
END_TEST

/* Lines go to the output set last; setting a pair again reuses it. */
START_TEST(test_switch)
{
	static struct capture a, b;

	ck_assert_int_eq(msg_set_output(capture, &a), 0);
	msg_info("one");
	ck_assert_int_eq(msg_set_output(capture, &b), 0);
	msg_info("two");
	msg_info("three");
	ck_assert_int_eq(msg_set_output(capture, &a), 0);
	msg_info("four");
	ck_assert_int_eq(a.count, 2);
	ck_assert_str_eq(a.line, "four");
	ck_assert_int_eq(b.count, 2);
	ck_assert_str_eq(b.line, "three");
}
END_TEST

/* More distinct pairs than the table holds: refused, output unchanged. */
START_TEST(test_table_full)
{
	static struct capture c[MSG_OUTPUTS_MAX + 1];
	int	i, refused = -1;

	for (i = 0; i <= MSG_OUTPUTS_MAX && refused == -1; i++)
		if (msg_set_output(capture, &c[i]) == -1)
			refused = i;
	/* The default takes one slot, so the table fills before the end. */
	ck_assert_int_ge(refused, 1);
	ck_assert_int_le(refused, MSG_OUTPUTS_MAX - 1);
	msg_info("still here");
	ck_assert_int_eq(c[refused - 1].count, 1);
	ck_assert_int_eq(c[refused].count, 0);
	/* Pairs already there can still be set. */
	ck_assert_int_eq(msg_set_output(capture, &c[0]), 0);
}
END_TEST

/* --- switching while others log ----------------------------------------- */

static atomic_int got_a, got_b, mismatched;
static int tag_a, tag_b;
static atomic_int loggers_done;

/* An output that counts, and counts a call with another output's arg. */
#define COUNTING_OUTPUT(name, tag, counter)				\
static void								\
name(void *arg, int priority, const char *line)				\
{									\
	(void)priority;							\
	(void)line;							\
	if (arg != &tag)						\
		atomic_fetch_add(&mismatched, 1);			\
	atomic_fetch_add(&counter, 1);					\
}

COUNTING_OUTPUT(output_a, tag_a, got_a)
COUNTING_OUTPUT(output_b, tag_b, got_b)

static void *
logger(void *arg)
{
	int	i;

	(void)arg;
	for (i = 0; i < LINES_EACH; i++)
		msg_info("line %d", i);
	atomic_fetch_add(&loggers_done, 1);
	return NULL;
}

START_TEST(test_switch_while_logging)
{
	pthread_t t[LOGGERS];
	int	i, flip = 0, bad, lines;

	ck_assert_int_eq(msg_set_output(output_a, &tag_a), 0);
	for (i = 0; i < LOGGERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, logger, NULL), 0);
	while (atomic_load(&loggers_done) < LOGGERS)
		ck_assert_int_eq(flip++ % 2 == 0 ?
		    msg_set_output(output_b, &tag_b) :
		    msg_set_output(output_a, &tag_a), 0);
	for (i = 0; i < LOGGERS; i++)
		pthread_join(t[i], NULL);
	bad = atomic_load(&mismatched);
	lines = atomic_load(&got_a) + atomic_load(&got_b);
	ck_assert_msg(bad == 0, "%d lines reached one output's function with "
	    "the other's arg", bad);
	ck_assert_int_eq(lines, LOGGERS * LINES_EACH);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("msg");
	TCase	*tc = tcase_create("msg");

	tcase_add_loop_test(tc, test_text, 0, NCASES(text_cases));
	tcase_add_loop_test(tc, test_priority, 0, NCASES(priority_cases));
	tcase_add_test(tc, test_errno_kept);
	tcase_add_test(tc, test_stderr);
	tcase_add_test(tc, test_switch);
	tcase_add_test(tc, test_switch_while_logging);
	tcase_add_test(tc, test_table_full);
	suite_add_tcase(s, tc);
	return s;
}
