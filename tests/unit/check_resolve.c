/*
 * check_resolve.c - what resolve.c answers without asking DNS: a name
 * longer than DNS allows does not exist (so a recipient domain near 253
 * octets has no _mta-sts record, rather than a lookup failure), and an
 * empty name is an error. The resolver points at a port where nothing
 * answers, so any query sent would time out instead.
 * Then how failures are told apart, against a DNS server on loopback run
 * by the test: one answering SERVFAIL (or REFUSED) to everything is "no
 * usable answer", one that never answers is a timeout.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "resolve.h"
#include "unit.h"

START_TEST(test_name_bounds)
{
	struct resolver *r;
	struct txt_rrset set;
	struct mx_rrset mx;
	char	name[RESOLVE_NAME_MAX + 16], err[256];

	r = resolver_new("127.0.0.1:9", 100, 1, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	memset(name, 'a', sizeof(name));
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(resolve_txt(r, name, &set), RESOLVE_NXDOMAIN);
	txt_rrset_free(&set);
	name[RESOLVE_NAME_MAX] = '\0';
	ck_assert_int_eq(resolve_mx(r, name, &mx), RESOLVE_NXDOMAIN);
	ck_assert_int_eq(resolve_txt(r, "", &set), RESOLVE_ERROR);
	txt_rrset_free(&set);
	resolver_free(r);
}
END_TEST

struct fake_dns {
	int		 fd;
	int		 rcode;		/* answered to every query; -1 silent */
	int		 stop;
	pthread_t	 thread;
	char		 server[32];	/* 127.0.0.1:PORT */
};

static void *
fake_dns_run(void *arg)
{
	struct fake_dns *f = arg;
	unsigned char buf[512];
	struct sockaddr_in peer;
	socklen_t plen;
	ssize_t n;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = f->fd, .events = POLLIN };

		if (poll(&p, 1, 50) != 1)
			continue;
		plen = sizeof(peer);
		n = recvfrom(f->fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&peer, &plen);
		if (n < 12 || f->rcode < 0)
			continue;
		buf[2] = (unsigned char)(0x80 | (buf[2] & 0x01));  /* QR, RD */
		buf[3] = (unsigned char)(0x80 | f->rcode);	   /* RA */
		memset(buf + 6, 0, 6);		/* no answer, authority, extra */
		(void)sendto(f->fd, buf, (size_t)n, 0,
		    (struct sockaddr *)&peer, plen);
	}
	return NULL;
}

static void
fake_dns_start(struct fake_dns *f, int rcode)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	f->rcode = rcode;
	f->stop = 0;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(f->fd, 0);
	ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(f->fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(f->server, sizeof(f->server), "127.0.0.1:%u",
	    (unsigned)ntohs(sin.sin_port));
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_dns_run, f), 0);
}

static void
fake_dns_stop(struct fake_dns *f)
{
	__atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
	pthread_join(f->thread, NULL);
	close(f->fd);
}

static const struct {
	int rcode;			/* -1: never answers */
	enum resolve_status want;
} failures[] = {
	{ 2, RESOLVE_NOSERVER },	/* SERVFAIL */
	{ 5, RESOLVE_NOSERVER },	/* REFUSED */
	{ -1, RESOLVE_TIMEOUT },
};

START_TEST(test_failures_told_apart)
{
	struct fake_dns f;
	struct resolver *r;
	struct txt_rrset set;
	struct mx_rrset mx;
	char err[256];

	fake_dns_start(&f, failures[_i].rcode);
	r = resolver_new(f.server, 200, 2, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_eq(resolve_txt(r, "_mta-sts.example.test", &set),
	    failures[_i].want);
	txt_rrset_free(&set);
	ck_assert_int_eq(resolve_mx(r, "example.test", &mx), failures[_i].want);
	resolver_free(r);
	fake_dns_stop(&f);
	ck_assert_str_ne(resolve_status_name(RESOLVE_NOSERVER),
	    resolve_status_name(RESOLVE_TIMEOUT));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("bounds");

	tcase_add_test(tc, test_name_bounds);
	suite_add_tcase(s, tc);
	tc = tcase_create("failures");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_failures_told_apart, 0,
	    sizeof(failures) / sizeof(failures[0]));
	suite_add_tcase(s, tc);
	return s;
}
