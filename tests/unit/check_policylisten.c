/*
 * check_policylisten.c - the policy service's poll thread when accept(2)
 * fails for want of descriptors: connections queue on the listening
 * socket, which stays readable; the thread must not spin on it (it
 * stops polling the socket until the next second) and must carry on
 * once descriptors are free again.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

START_TEST(test_accept_out_of_descriptors)
{
	char dir[256], path[300], spec[320], err[256], buf[64];
	struct policysvc *svc;
	struct policylisten *l;
	struct rlimit lim;
	pthread_t thread;
	int fd, clients[CLIENTS], top, extra;
	double cpu;
	ssize_t n;

	scratch_make(dir, sizeof(dir), "policylisten");
	snprintf(path, sizeof(path), "%s/policy.sock", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	fd = policylisten_open(spec, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert((svc = policysvc_new(NULL, NULL)) != NULL);
	ck_assert((l = policylisten_new(fd, spec, svc)) != NULL);
	for (int i = 0; i < CLIENTS; i++)
		clients[i] = connect_to(path);	/* queued, not accepted */

	/* Room for two accepted connections, then EMFILE. */
	top = open("/dev/null", O_RDONLY);	/* the lowest free descriptor */
	ck_assert_int_ge(top, 0);
	close(top);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
	lim.rlim_cur = (rlim_t)top + 2;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);

	cpu = cpu_seconds();
	ck_assert_int_eq(pthread_create(&thread, NULL, policylisten_run, l),
	    0);
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

	policylisten_stop(l);
	pthread_join(thread, NULL);
	for (int i = 0; i < CLIENTS; i++)
		close(clients[i]);
	policylisten_free(l);
	policysvc_free(svc);
	scratch_remove(dir);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("policylisten");
	TCase *tc = tcase_create("accept");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_accept_out_of_descriptors);
	suite_add_tcase(s, tc);
	return s;
}
