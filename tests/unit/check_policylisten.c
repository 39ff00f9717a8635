/*
 * check_policylisten.c - the policy service's poll thread when accept(2)
 * fails for want of descriptors: connections queue on the listening
 * socket, which stays readable; the thread must not spin on it (it
 * stops polling the socket until the next second) and must carry on
 * once descriptors are free again. And a client that pipelines requests,
 * each read ending inside the next one, is inside no request for long:
 * the deadline counts from each request's first byte, not the first one's.
 * A flood of connections while every slot is inside a request is closed
 * with one log line a minute, not one per connection.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "policylisten.h"
#include "policysvc.h"
#include "scratch.h"
#include "unit.h"

#define CLIENTS	12

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

struct fixture {
	char		 dir[256], path[300];
	struct policysvc *svc;
	struct policylisten *l;
	pthread_t	 thread;
};

/* A listener on a scratch unix socket; its thread is the test's to start. */
static void
fixture_open(struct fixture *f)
{
	char spec[320], err[256];
	int fd;

	scratch_make(f->dir, sizeof(f->dir), "policylisten");
	snprintf(f->path, sizeof(f->path), "%s/policy.sock", f->dir);
	snprintf(spec, sizeof(spec), "unix:%s", f->path);
	fd = policylisten_open(spec, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert((f->svc = policysvc_new(NULL, NULL)) != NULL);
	ck_assert((f->l = policylisten_new(fd, spec, f->svc)) != NULL);
}

static void
fixture_close(struct fixture *f)
{
	policylisten_stop(f->l);
	pthread_join(f->thread, NULL);
	policylisten_free(f->l);
	policysvc_free(f->svc);
	scratch_remove(f->dir);
}

START_TEST(test_accept_out_of_descriptors)
{
	char buf[64];
	struct fixture f;
	struct rlimit lim;
	int clients[CLIENTS], top, extra;
	double cpu;
	ssize_t n;

	fixture_open(&f);
	for (int i = 0; i < CLIENTS; i++)
		clients[i] = connect_to(f.path);	/* queued, not accepted */

	/* Room for two accepted connections, then EMFILE. */
	top = open("/dev/null", O_RDONLY);	/* the lowest free descriptor */
	ck_assert_int_ge(top, 0);
	close(top);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
	lim.rlim_cur = (rlim_t)top + 2;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);

	cpu = cpu_seconds();
	ck_assert_int_eq(pthread_create(&f.thread, NULL, policylisten_run,
	    f.l), 0);
	sleep(2);
	cpu = cpu_seconds() - cpu;
	ck_assert_msg(cpu < 0.5, "the poll thread used %.2f s of CPU in 2 s "
	    "with connections it cannot accept", cpu);

	/* Descriptors free again: the queued connections are served. */
	lim.rlim_cur = lim.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	extra = clients[CLIENTS - 1];
	ck_assert_int_eq(write(extra, "request=smtpd_access_policy\n\n", 29),
	    29);
	n = read(extra, buf, sizeof(buf) - 1);	/* blocks until answered */
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "action=DUNNO\n\n");

	for (int i = 0; i < CLIENTS; i++)
		close(clients[i]);
	fixture_close(&f);
}
END_TEST

/* What fd answers within 3 s, NUL-ended; "" when it closed or is silent. */
static void
read_answer(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = 0;

	if (poll(&p, 1, 3000) == 1)
		n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
}

START_TEST(test_pipelined_requests_deadline)
{
	static const char first[] = "request=smtpd_access_policy\n\nreq";
	static const char next[] = "uest=smtpd_access_policy\n\nreq";
	char buf[64];
	struct fixture f;
	int client;

	signal(SIGPIPE, SIG_IGN);	/* as the daemon: answers to a closed client */
	fixture_open(&f);
	ck_assert_int_eq(pthread_create(&f.thread, NULL, policylisten_run,
	    f.l), 0);
	client = connect_to(f.path);
	ck_assert_int_eq(send(client, first, strlen(first), MSG_NOSIGNAL),
	    (ssize_t)strlen(first));
	read_answer(client, buf, sizeof(buf));
	ck_assert_str_eq(buf, "action=DUNNO\n\n");
	/* Each request takes half a second; together, past the deadline. */
	for (int i = 0; i < 2 * (POLICYLISTEN_REQUEST_SECONDS + 2); i++) {
		usleep(500000);
		ck_assert_msg(send(client, next, strlen(next), MSG_NOSIGNAL) ==
		    (ssize_t)strlen(next), "request %d: the client was "
		    "dropped", i + 2);
		read_answer(client, buf, sizeof(buf));
		ck_assert_msg(strcmp(buf, "action=DUNNO\n\n") == 0, "request "
		    "%d after %.1f s: answer \"%s\"", i + 2, (i + 1) * 0.5, buf);
	}
	close(client);
	fixture_close(&f);
}
END_TEST

static pthread_mutex_t lines_lock = PTHREAD_MUTEX_INITIALIZER;
static int lines_full;	/* "every one inside a request" lines */

static void
count_lines(void *arg, int priority, const char *message)
{
	(void)arg;
	(void)priority;
	pthread_mutex_lock(&lines_lock);
	lines_full += strstr(message, "every one inside a request") != NULL;
	pthread_mutex_unlock(&lines_lock);
}

#define FLOOD	100

START_TEST(test_full_flood_logged_once)
{
	int clients[POLICYLISTEN_CLIENTS_MAX], flood[FLOOD], lines;
	struct fixture f;
	char buf[64];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(msg_set_output(count_lines, NULL), 0);
	fixture_open(&f);
	ck_assert_int_eq(pthread_create(&f.thread, NULL, policylisten_run,
	    f.l), 0);
	/* Every slot inside a request (one byte of it), answered by none. */
	for (int i = 0; i < POLICYLISTEN_CLIENTS_MAX; i++) {
		clients[i] = connect_to(f.path);
		ck_assert_int_eq(send(clients[i], "r", 1, MSG_NOSIGNAL), 1);
	}
	usleep(500000);
	for (int i = 0; i < FLOOD; i++) {
		flood[i] = connect_to(f.path);
		read_answer(flood[i], buf, sizeof(buf));	/* closed */
	}
	pthread_mutex_lock(&lines_lock);
	lines = lines_full;
	pthread_mutex_unlock(&lines_lock);
	ck_assert_msg(lines == 1, "%d connections closed for want of room: "
	    "%d log lines, want 1", FLOOD, lines);
	for (int i = 0; i < FLOOD; i++)
		close(flood[i]);
	for (int i = 0; i < POLICYLISTEN_CLIENTS_MAX; i++)
		close(clients[i]);
	fixture_close(&f);
	msg_set_output(msg_stderr, NULL);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("policylisten");
	TCase *tc = tcase_create("accept");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_accept_out_of_descriptors);
	tcase_add_test(tc, test_pipelined_requests_deadline);
	tcase_add_test(tc, test_full_flood_logged_once);
	suite_add_tcase(s, tc);
	return s;
}
