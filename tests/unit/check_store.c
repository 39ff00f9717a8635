/*
 * check_store.c - which certificate judgement of an MX name the store hands
 * to verdict: the background probe's when it has one (what senders see),
 * else tls_cert_file's; a reload keeps the probe's, and a name without
 * tls_cert_file is still served so that the probe can judge it.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "store.h"
#include "unit.h"

#define MX	"mx1.store.test"

/* Self-signed for MX until 2126: judged, never trusted by a system store. */
static const char self_signed[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBpDCCAUqgAwIBAgIUVAKQ7JxP71Zw9f2aPyL8XlMY5QcwCgYIKoZIzj0EAwIw\n"
    "GTEXMBUGA1UEAwwObXgxLnN0b3JlLnRlc3QwIBcNMjYxMTI5MDM0NDI3WhgPMjEy\n"
    "NjExMDUwMzQ0MjdaMBkxFzAVBgNVBAMMDm14MS5zdG9yZS50ZXN0MFkwEwYHKoZI\n"
    "zj0CAQYIKoZIzj0DAQcDQgAEfHFREM0aKyAj553Z5zmLlLgZpQw+BOIvB+1Wzcje\n"
    "4cdH61R+IUC9grFQg/eApWCCuSJkUtB3wQicnI2EKlOkTqNuMGwwHQYDVR0OBBYE\n"
    "FCtEl+w4x49Eu+eR7bh45TN5AT7RMB8GA1UdIwQYMBaAFCtEl+w4x49Eu+eR7bh4\n"
    "5TN5AT7RMA8GA1UdEwEB/wQFMAMBAf8wGQYDVR0RBBIwEIIObXgxLnN0b3JlLnRl\n"
    "c3QwCgYIKoZIzj0EAwIDSAAwRQIhAKXimNCSt4m0ZXDJFlBe/bgzx0Rigcj3WA4H\n"
    "FOvU96bVAiBRh+1IHP3Wf4SS/iJKWDO9px9auodfTCitas7xjKMoUA==\n"
    "-----END CERTIFICATE-----\n";

static char	dir[] = "/tmp/check_store.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char	path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void
ignore(void *arg, int priority, const char *message)
{
	(void)arg;
	(void)priority;
	(void)message;
}

/* A store loaded from conf text naming MX, with tls_cert_file or not. */
static struct store *
load(int with_file)
{
	char	text[512], path[256];
	struct conf *c;
	struct store *st;

	snprintf(text, sizeof(text), "mx_name = \"%s\"\n%s%s%s", MX,
	    with_file ? "tls_cert_file = \"" : "", with_file ? dir : "",
	    with_file ? "/cert.pem\"\n" : "");
	write_file("m.conf", text);
	snprintf(path, sizeof(path), "%s/m.conf", dir);
	ck_assert_int_eq(msg_set_output(ignore, NULL), 0);
	ck_assert_ptr_nonnull(c = conf_load(path));
	ck_assert_ptr_nonnull(st = store_new());
	ck_assert_int_eq(store_load(st, c), 0);
	conf_unref(c);
	return st;
}

static struct store_probe
probe_of(const char *name, int expired, time_t not_after)
{
	struct store_probe p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.health.known = 1;
	p.health.expired = expired;
	p.not_after = not_after;
	return p;
}

/* The judgement of MX in the current snapshot. */
static struct store_mx
current(struct store *st)
{
	struct store_snapshot *s = store_acquire(st);
	const struct store_mx *m = snapshot_mx(s, MX);
	struct store_mx copy;

	ck_assert_ptr_nonnull(m);
	copy = *m;
	store_release(s);
	return copy;
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file("cert.pem", self_signed);
}

static void
teardown(void)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/m.conf", dir);
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/check_store.XXXXXX");
}

START_TEST(test_probe_wins_over_file)
{
	struct store *st = load(1);
	struct store_probe p;
	struct store_mx m;
	struct store_snapshot *s;

	m = current(st);
	ck_assert_int_eq(m.file_health.known && m.file_health.not_trusted, 1);
	ck_assert_int_eq(m.probed, 0);
	ck_assert_int_eq(m.health.not_trusted, 1);

	p = probe_of(MX, 0, 4000000000);
	ck_assert_int_eq(store_set_probed(st, &p, 1), 0);
	m = current(st);
	ck_assert_int_eq(m.probed, 1);
	ck_assert_int_eq(m.health.known, 1);
	ck_assert_int_eq(m.health.not_trusted, 0);
	ck_assert_int_eq(m.not_after, 4000000000);
	ck_assert_int_eq(m.file_health.not_trusted, 1);

	/* A reload rebuilds from the file, and keeps the probe's word. */
	s = store_acquire(st);
	ck_assert_int_eq(store_load(st, s->conf), 0);
	store_release(s);
	ck_assert_int_eq(current(st).health.not_trusted, 0);

	ck_assert_int_eq(store_set_probed(st, NULL, 0), 0);
	m = current(st);
	ck_assert_int_eq(m.probed, 0);
	ck_assert_int_eq(m.health.not_trusted, 1);
	store_free(st);
}
END_TEST

START_TEST(test_probe_without_file)
{
	struct store *st = load(0);
	struct store_probe p[2];
	struct store_snapshot *s;

	ck_assert_int_eq(current(st).health.known, 0);
	p[0] = probe_of("other.store.test", 1, 1000000000);
	p[1] = probe_of(MX, 1, 1000000000);
	ck_assert_int_eq(store_set_probed(st, p, 2), 0);
	ck_assert_int_eq(current(st).health.expired, 1);
	/* A probe judgement does not make the milter serve a name. */
	s = store_acquire(st);
	ck_assert_ptr_null(snapshot_mx(s, "other.store.test"));
	store_release(s);
	store_free(st);
}
END_TEST

/* What discovery knows reaches the snapshot whole, "lenient" included. */
START_TEST(test_discovered_copied)
{
	static char *mx[] = { MX };
	struct store *st = load(0);
	struct store_domain d[2];
	struct store_snapshot *s;
	const struct store_domain *got;

	memset(d, 0, sizeof(d));
	d[0].domain = "lenient.store.test";
	d[0].has_policy = 1;
	d[0].policy.mode = STS_MODE_ENFORCE;
	d[0].policy.mx = mx;
	d[0].policy.mx_count = 1;
	d[0].policy.lenient = LENIENT_MAILAUTH;
	d[0].id = "id1";
	d[0].lenient = 1;
	d[1] = d[0];
	d[1].domain = "strict.store.test";
	d[1].policy.lenient = 0;
	d[1].lenient = 0;
	ck_assert_int_eq(store_set_discovered(st, d, 2), 0);
	s = store_acquire(st);
	ck_assert_ptr_nonnull(got = snapshot_domain(s, "lenient.store.test"));
	ck_assert_int_eq(got->lenient, 1);
	ck_assert_uint_eq(got->policy.lenient, LENIENT_MAILAUTH);
	ck_assert_str_eq(got->policy.mx[0], MX);
	ck_assert_ptr_nonnull(got = snapshot_domain(s, "strict.store.test"));
	ck_assert_int_eq(got->lenient, 0);
	store_release(s);
	store_free(st);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc = tcase_create("mx");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_probe_wins_over_file);
	tcase_add_test(tc, test_probe_without_file);
	tcase_add_test(tc, test_discovered_copied);
	suite_add_tcase(s, tc);
	return s;
}
