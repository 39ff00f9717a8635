/*
 * check_discovery.c - the locking promise of discovery.h: a milter callback
 * (discovery_want) never waits for discovery's logging. The msg output
 * here (msg.h) blocks on the line the test is about (refused domains, a
 * corrupt state file at start) until the test lets it go; meanwhile a
 * callback from another thread must complete.
 * And reloads while lookups are out (run it in the sanitizer build).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "discovery.h"
#include "domtable.h"
#include "msg.h"
#include "scratch.h"
#include "statefile.h"
#include "store.h"
#include "stscache.h"
#include "unit.h"

#define WAIT_SECONDS	10	/* for what must happen at once */

struct sink {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	const char	*match;		/* the line to block on */
	int		 blocked;	/* the sink holds a call */
	int		 released;
	int		 want_done;	/* the callback returned */
};

static struct sink sink = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, "not tracked",
	0, 0, 0
};

static void
blocking_log(void *arg, int priority, const char *message)
{
	(void)arg;
	(void)priority;
	if (strstr(message, sink.match) == NULL)
		return;
	pthread_mutex_lock(&sink.lock);
	sink.blocked = 1;
	pthread_cond_broadcast(&sink.cond);
	while (!sink.released)
		pthread_cond_wait(&sink.cond, &sink.lock);
	pthread_mutex_unlock(&sink.lock);
}

/* Wait up to WAIT_SECONDS for *flag; returns it. */
static int
wait_flag(int *flag)
{
	struct timespec ts;
	int	v;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_SECONDS;
	pthread_mutex_lock(&sink.lock);
	while (!*flag && pthread_cond_timedwait(&sink.cond, &sink.lock,
	    &ts) == 0)
		;
	v = *flag;
	pthread_mutex_unlock(&sink.lock);
	return v;
}

static void *
callback(void *arg)
{
	discovery_want(arg, "late.example.test");
	pthread_mutex_lock(&sink.lock);
	sink.want_done = 1;
	pthread_cond_broadcast(&sink.cond);
	pthread_mutex_unlock(&sink.lock);
	return NULL;
}

static void
release(void)
{
	pthread_mutex_lock(&sink.lock);
	sink.released = 1;
	pthread_cond_broadcast(&sink.cond);
	pthread_mutex_unlock(&sink.lock);
}

/*
 * A configuration: port 9 (discard) answers no DNS, lookups fail at once.
 * Its errors go to stderr; the test's msg output is set after it.
 */
static struct conf *
conf_in(const char *state_dir, const char *extra)
{
	char	path[] = "/tmp/check_discovery.XXXXXX";
	struct conf *c;
	FILE	*f;
	int	fd;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fprintf(f, "socket = \"unix:/tmp/unused.sock\"\nstate_dir = \"%s\"\n"
	    "dns_servers = \"127.0.0.1:9\"\n%s\n", state_dir, extra);
	fclose(f);
	ck_assert_int_eq(msg_set_output(NULL, NULL), 0);
	c = conf_load(path);
	ck_assert_int_eq(msg_set_output(blocking_log, NULL), 0);
	unlink(path);
	ck_assert_ptr_nonnull(c);
	return c;
}

static struct conf *
conf_with(const char *extra)
{
	return conf_in("", extra);
}

START_TEST(test_callback_not_held_by_logging)
{
	struct store *st = store_new();
	struct discovery *d = discovery_new(st);
	struct conf *c = conf_with("max_domains = 1");
	pthread_t t;
	char	name[64];
	int	i;

	discovery_configure(d, c);
	/* More new domains than may wait: the thread reports the refused. */
	for (i = 0; i < 1 + DOMTABLE_WAITING_MAX + 50; i++) {
		snprintf(name, sizeof(name), "d%d.example.test", i);
		discovery_want(d, name);
	}
	ck_assert_int_eq(discovery_start(d), 0);
	ck_assert_msg(wait_flag(&sink.blocked), "refused domains not logged");
	ck_assert_int_eq(pthread_create(&t, NULL, callback, d), 0);
	ck_assert_msg(wait_flag(&sink.want_done),
	    "discovery_want waited for the discovery thread's log call");
	release();
	pthread_join(t, NULL);
	discovery_free(d);
	conf_unref(c);
	store_free(st);
}
END_TEST

static int	callback_in_time;	/* set by watch_start */

/* At the blocked line: a callback must still get through, then release. */
static void *
watch_start(void *arg)
{
	pthread_t t;

	if (wait_flag(&sink.blocked) &&
	    pthread_create(&t, NULL, callback, arg) == 0) {
		callback_in_time = wait_flag(&sink.want_done);
		release();
		pthread_join(t, NULL);
	} else
		release();
	return NULL;
}

/*
 * The warning about a corrupt state file is logged by discovery_start
 * itself; a callback arriving meanwhile (a reload's restart of discovery
 * would be the same) does not wait for it.
 */
START_TEST(test_callback_not_held_by_state_warning)
{
	char	dir[64], path[128];
	struct store *st = store_new();
	struct discovery *d = discovery_new(st);
	struct conf *c;
	pthread_t w;

	scratch_make(dir, sizeof(dir), "check_discovery");
	snprintf(path, sizeof(path), "%s/%s", dir, STATEFILE_NAME);
	scratch_put(path, "not json\n", 0600);
	c = conf_in(dir, "");
	sink.match = "state file";
	discovery_configure(d, c);
	ck_assert_int_eq(pthread_create(&w, NULL, watch_start, d), 0);
	ck_assert_int_eq(discovery_start(d), 0);
	pthread_join(w, NULL);
	ck_assert_msg(sink.blocked, "the corrupt state file was not reported");
	ck_assert_msg(callback_in_time,
	    "discovery_want waited for the state file warning");
	discovery_free(d);
	conf_unref(c);
	store_free(st);
	scratch_remove(dir);
}
END_TEST

/*
 * Reloads between learning and a fixed list, evictions and lookups in
 * flight all at once: entries go away while workers hold jobs for them.
 * Nothing to assert but that it ends; the sanitizer build checks the rest.
 */
START_TEST(test_reload_while_busy)
{
	struct store *st = store_new();
	struct discovery *d = discovery_new(st);
	struct conf *learn = conf_with("max_domains = 3");
	struct conf *fixed = conf_with("domains = {\"d1.example.test\", "
	    "\"d2.example.test\"}\ndns_servers = \"127.0.0.1:7\"");
	char	name[64];
	int	i;

	sink.released = 1;
	discovery_configure(d, learn);
	ck_assert_int_eq(discovery_start(d), 0);
	for (i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "d%d.example.test", i % 40);
		discovery_want(d, name);
		if (i % 50 == 49)
			discovery_configure(d, i % 100 == 49 ? fixed : learn);
		if (i % 10 == 0)
			usleep(5000);
	}
	discovery_free(d);
	conf_unref(learn);
	conf_unref(fixed);
	store_free(st);
}
END_TEST

/* Whether the store's snapshot has domain, and (if so) pending or not. */
static int
snapshot_has(struct store *st, const char *domain, int *pending)
{
	struct store_snapshot *snap = store_acquire(st);
	const struct store_domain *sd = snapshot_domain(snap, domain);

	if (sd != NULL)
		*pending = sd->pending;
	store_release(snap);
	return sd != NULL;
}

/*
 * Names learnt just before a reload to a domains list are not tracked:
 * the reload's list is all there is.
 */
START_TEST(test_arrivals_before_reload)
{
	struct store *st = store_new();
	struct discovery *d = discovery_new(st);
	struct conf *learn = conf_with("max_domains = 10");
	struct conf *fixed = conf_with("domains = {\"d1.example.test\"}");
	int	i, pending = 1;

	sink.released = 1;
	ck_assert_int_eq(store_load(st, fixed), 0);
	discovery_configure(d, learn);
	discovery_want(d, "l1.example.test");
	discovery_want(d, "l2.example.test");
	discovery_configure(d, fixed);
	ck_assert_int_eq(discovery_start(d), 0);
	for (i = 0; i < WAIT_SECONDS * 10 && (!snapshot_has(st,
	    "d1.example.test", &pending) || pending); i++)
		usleep(100000);
	ck_assert_msg(!pending, "d1.example.test was never looked up");
	usleep(500000);
	ck_assert_msg(!snapshot_has(st, "l1.example.test", &pending),
	    "a learnt name outlived the reload to a domains list");
	discovery_free(d);
	conf_unref(learn);
	conf_unref(fixed);
	store_free(st);
}
END_TEST

/* Seconds of CPU this process used. */
static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * With state_dir = "" there is nothing to save, and an entry that changed
 * must not make the scheduler wake at once for ever (it did: the time of
 * the next save stayed in 1970).
 */
START_TEST(test_idle_without_state_dir)
{
	struct store *st = store_new();
	struct discovery *d = discovery_new(st);
	struct conf *c = conf_with("max_domains = 10");
	double	before, used;

	sink.released = 1;
	discovery_configure(d, c);
	ck_assert_int_eq(discovery_start(d), 0);
	discovery_want(d, "changed.example.test");
	sleep(1);		/* the lookup fails at once (port 9) */
	before = cpu_seconds();
	sleep(2);
	used = cpu_seconds() - before;
	discovery_free(d);
	conf_unref(c);
	store_free(st);
	ck_assert_msg(used < 0.5, "idle discovery used %.2f s of CPU in 2 s",
	    used);
}
END_TEST

/* How many domains the store's snapshot has. */
static size_t
snapshot_count(struct store *st)
{
	struct store_snapshot *snap = store_acquire(st);
	size_t	n = snap != NULL ? snap->domain_count : 0;

	store_release(snap);
	return n;
}

/*
 * A restart with a smaller max_domains than the state holds evicts the
 * surplus in one pass: 60000 learnt domains down to 10 used to cost 60000
 * scans of the table (seconds of a stalled discovery, and of shutdown).
 */
START_TEST(test_evict_many_at_once)
{
	enum { N = 60000, MAX = 10 };
	struct statefile_domain *sd;
	const struct statefile_domain **list;
	struct store *st;
	struct discovery *d;
	struct conf *c;
	char	dir[64], err[256], extra[64];
	time_t	now = time(NULL), deadline;
	size_t	i;

	ck_assert_ptr_nonnull(sd = calloc(N, sizeof(*sd)));
	ck_assert_ptr_nonnull(list = calloc(N, sizeof(*list)));
	for (i = 0; i < N; i++) {
		snprintf(sd[i].domain, sizeof(sd[i].domain), "d%zu.example.test",
		    i);
		stscache_init(&sd[i].cache);
		sd[i].last_used = now - (time_t)i;
		sd[i].cache.txt_checked = now;
		list[i] = &sd[i];
	}
	scratch_make(dir, sizeof(dir), "check_discovery");
	ck_assert_msg(statefile_save(dir, list, N, now, err, sizeof(err)) == 0,
	    "%s", err);
	free(list);
	free(sd);
	sink.released = 1;
	snprintf(extra, sizeof(extra), "max_domains = %d", MAX);
	c = conf_in(dir, extra);
	st = store_new();
	d = discovery_new(st);
	ck_assert_int_eq(store_load(st, c), 0);
	discovery_configure(d, c);
	ck_assert_int_eq(discovery_start(d), 0);
	deadline = time(NULL) + 5;
	while (snapshot_count(st) > MAX && time(NULL) < deadline)
		usleep(50000);
	ck_assert_msg(snapshot_count(st) <= MAX,
	    "%zu domains still tracked 5 s after start (max_domains %d)",
	    snapshot_count(st), MAX);
	discovery_free(d);
	conf_unref(c);
	store_free(st);
	scratch_remove(dir);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("discovery");
	TCase *tc = tcase_create("locking");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_callback_not_held_by_logging);
	tcase_add_test(tc, test_callback_not_held_by_state_warning);
	tcase_add_test(tc, test_reload_while_busy);
	tcase_add_test(tc, test_arrivals_before_reload);
	tcase_add_test(tc, test_idle_without_state_dir);
	tcase_add_test(tc, test_evict_many_at_once);
	suite_add_tcase(s, tc);
	return s;
}
