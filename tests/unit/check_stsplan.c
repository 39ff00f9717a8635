/*
 * check_stsplan.c - the discovery schedule with a fake clock: after each
 * observation of a scenario, when the next TXT check falls (refresh
 * interval 3600 s, no jitter) and whether a fetch is made now. Failed
 * fetches are retried 5, 10, 20, 40, 80 minutes later, not an interval.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "stsplan.h"
#include "unit.h"

#define DAY		86400
#define INTERVAL	3600

enum op {
	END = 0,
	TXT,		/* observe a valid TXT record with id s (a: outcome) */
	OK,		/* a fetch of id s returned a policy (max_age 1 day) */
	FAIL,		/* a fetch of id s failed */
	NEXT,		/* the next check is at a */
	NOW		/* stsplan_fetch_now == a */
};

struct step {
	time_t		 now;
	enum op		 op;
	long		 a;
	const char	*s;
};

static void
observe_ok(struct stscache *c, const char *id, time_t now)
{
	static char *mx[] = { "mx1.example.test" };
	unsigned char digest[STSCACHE_DIGEST_LEN];
	struct sts_policy p;

	memset(&p, 0, sizeof(p));
	p.has_version = 1;
	p.mode = STS_MODE_ENFORCE;
	p.has_max_age = 1;
	p.max_age = DAY;
	p.mx = mx;
	p.mx_count = 1;
	memset(digest, 1, sizeof(digest));
	ck_assert_int_eq(stscache_observe_fetch_ok(c, id, &p, digest, now), 0);
}

static void
run_step(struct stscache *c, unsigned *failures, const struct step *st,
    int i)
{
	time_t	next;

	switch (st->op) {
	case TXT:
		stscache_observe_txt(c, (enum txt_outcome)st->a, st->s, 0,
		    st->now);
		break;
	case OK:
		observe_ok(c, st->s, st->now);
		*failures = 0;
		break;
	case FAIL:
		stscache_observe_fetch_failure(c, st->s,
		    REASON_STS_POLICY_FETCH_ERROR, "failed", st->now);
		(*failures)++;
		break;
	case NEXT:
		next = stsplan_next_check(c, *failures, st->now, INTERVAL, 0);
		ck_assert_msg(next == (time_t)st->a, "step %d: next check at "
		    "%lld, not %ld", i, (long long)next, st->a);
		break;
	case NOW:
		ck_assert_msg(stsplan_fetch_now(c, *failures, st->now) ==
		    (int)st->a, "step %d: fetch_now != %ld", i, st->a);
		break;
	default:
		break;
	}
}

static const struct step scenarios[][24] = {
	/* 0: the first fetch fails: retried after 5, 10, 20, 40 minutes. */
	{ { 100, TXT, TXT_VALID, "a1" }, { 100, NOW, 1, NULL },
	  { 100, FAIL, 0, "a1" }, { 100, NEXT, 400, NULL },
	  { 399, NOW, 0, NULL },
	  { 400, TXT, TXT_VALID, "a1" }, { 400, NOW, 1, NULL },
	  { 400, FAIL, 0, "a1" }, { 400, NEXT, 1000, NULL },
	  { 999, NOW, 0, NULL }, { 1000, NOW, 1, NULL },
	  { 1000, FAIL, 0, "a1" }, { 1000, NEXT, 2200, NULL },
	  { 2200, FAIL, 0, "a1" }, { 2200, NEXT, 4600, NULL },
	  /* 80 minutes is longer than the interval: the TXT check comes
	   * first and does not fetch; the one after waits for the retry. */
	  { 4600, FAIL, 0, "a1" }, { 4600, NEXT, 4600 + INTERVAL, NULL },
	  { 4600 + INTERVAL, NOW, 0, NULL },
	  { 4600 + INTERVAL, NEXT, 4600 + 4800, NULL },
	  { 4600 + 4800, NOW, 1, NULL },
	  /* the backoff stops at 80 minutes */
	  { 9400, FAIL, 0, "a1" }, { 9400 + 4799, NOW, 0, NULL },
	  { 9400 + 4800, NOW, 1, NULL } },
	/* 1: a retry that succeeds: back to the interval. */
	{ { 0, TXT, TXT_VALID, "a1" }, { 0, FAIL, 0, "a1" },
	  { 0, NEXT, 300, NULL }, { 300, NOW, 1, NULL },
	  { 300, OK, 0, "a1" }, { 300, NOW, 0, NULL },
	  { 300, NEXT, 300 + INTERVAL, NULL } },
	/* 2: refreshing a cached policy fails: retried in 5 minutes. */
	{ { 0, TXT, TXT_VALID, "a1" }, { 0, OK, 0, "a1" },
	  { 0, NEXT, INTERVAL, NULL }, { DAY / 2 - 1, NOW, 0, NULL },
	  { DAY / 2, NOW, 1, NULL }, { DAY / 2, FAIL, 0, "a1" },
	  { DAY / 2, NEXT, DAY / 2 + 300, NULL },
	  { DAY / 2 + 300, NOW, 1, NULL } },
	/* 3: the record went away after a failure: nothing to retry. */
	{ { 0, TXT, TXT_VALID, "a1" }, { 0, FAIL, 0, "a1" },
	  { 10, TXT, TXT_ABSENT, NULL }, { 10, NEXT, 10 + INTERVAL, NULL } },
	/* 4: a new id whose fetch failed is retried on its own schedule. */
	{ { 0, TXT, TXT_VALID, "a1" }, { 0, OK, 0, "a1" },
	  { 50, TXT, TXT_VALID, "a2" }, { 50, NOW, 1, NULL },
	  { 50, FAIL, 0, "a2" }, { 50, NEXT, 350, NULL } },
	/* 5: a policy that expires before the next interval: check then. */
	{ { 0, TXT, TXT_VALID, "a1" }, { 0, OK, 0, "a1" },
	  { DAY - 100, NEXT, DAY, NULL } },
};

START_TEST(test_schedule)
{
	const struct step *st = scenarios[_i];
	struct stscache c;
	unsigned failures = 0;
	int	i;

	stscache_init(&c);
	for (i = 0; st[i].op != END; i++)
		run_step(&c, &failures, &st[i], i);
	stscache_free(&c);
}
END_TEST

START_TEST(test_retry_after)
{
	static const time_t want[] = { 300, 300, 600, 1200, 2400, 4800, 4800 };
	unsigned i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_int_eq(stsplan_retry_after(i), want[i]);
	ck_assert_int_eq(stsplan_retry_after(~0u), 4800);
}
END_TEST

/* A reload to a shorter refresh_interval: what lies beyond it comes in. */
START_TEST(test_rescheduled)
{
	static const struct {
		time_t	 next, now;
		long	 interval, spread;
		time_t	 want;
	} t[] = {
		{ 1000 + INTERVAL, 1000, 60, 7, 1007 },	/* far: brought in */
		{ 1061, 1000, 60, 7, 1007 },		/* just past it */
		{ 1060, 1000, 60, 7, 1060 },		/* within: stays */
		{ 1005, 1000, 60, 59, 1005 },		/* sooner: stays */
		{ 900, 1000, 60, 30, 900 },		/* overdue: stays */
		{ 5000, 1000, 60, 600, 1060 },		/* spread bounded */
		{ 5000, 1000, 60, -5, 1000 },
		{ 5000, 1000, 1, 0, 1000 },		/* interval 1: now */
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(stsplan_rescheduled(t[i].next, t[i].now,
		    t[i].interval, t[i].spread) == t[i].want, "case %zu", i);
}
END_TEST

/* More due than workers: the longest overdue first, whatever the index. */
START_TEST(test_pick_due)
{
	static const struct {
		time_t	 at[8];
		size_t	 n, k;
		size_t	 want[8];
		size_t	 nwant;
	} t[] = {
		/* the end of the table overdue longest: it goes first */
		{ { 99, 99, 99, 99, 10, 20 }, 6, 2, { 4, 5 }, 2 },
		{ { 99, 99, 99, 99, 10, 20 }, 6, 3, { 4, 5, 0 }, 3 },
		/* not due yet (now = 100): never picked */
		{ { 101, 500, 100, 7 }, 4, 4, { 3, 2 }, 2 },
		{ { 101, 500 }, 2, 4, { 0 }, 0 },
		/* ties: the lower index */
		{ { 5, 5, 5, 5, 5 }, 5, 3, { 0, 1, 2 }, 3 },
		{ { 3, 2, 1 }, 3, 0, { 0 }, 0 },
		{ { 0 }, 0, 4, { 0 }, 0 },
	};
	size_t	i, j, out[8], got;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = stsplan_pick_due(t[i].at, t[i].n, 100, t[i].k, out);
		ck_assert_msg(got == t[i].nwant, "case %zu: %zu picked", i, got);
		for (j = 0; j < got; j++)
			ck_assert_msg(out[j] == t[i].want[j],
			    "case %zu: pick %zu is %zu", i, j, out[j]);
	}
}
END_TEST

/* Against sorting every due entry: 200 random tables of 1 to 400. */
START_TEST(test_pick_due_random)
{
	enum { MAX = 400 };
	time_t	at[MAX];
	/* k up to discovery's DISCOVERY_PICKS (64), which it starts in this
	 * order as workers come free. */
	size_t	out[65], order[MAX], n, k, i, j, ndue, got, t;
	unsigned seed = 13;

	for (t = 0; t < 200; t++) {
		n = 1 + (size_t)rand_r(&seed) % MAX;
		k = (size_t)rand_r(&seed) % 65;
		for (i = 0; i < n; i++)
			at[i] = (time_t)(rand_r(&seed) % 150);
		/* reference: due ones by (at, index), insertion sort */
		for (i = 0, ndue = 0; i < n; i++) {
			if (at[i] > 100)
				continue;
			for (j = ndue++; j > 0 && at[order[j - 1]] > at[i]; j--)
				order[j] = order[j - 1];
			order[j] = i;
		}
		got = stsplan_pick_due(at, n, 100, k, out);
		ck_assert_uint_eq(got, ndue < k ? ndue : k);
		for (j = 0; j < got; j++)
			ck_assert_msg(out[j] == order[j], "table %zu: pick %zu "
			    "is %zu, not %zu", t, j, out[j], order[j]);
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("stsplan");
	TCase *tc = tcase_create("schedule");

	tcase_add_loop_test(tc, test_schedule, 0,
	    (int)(sizeof(scenarios) / sizeof(scenarios[0])));
	tcase_add_test(tc, test_retry_after);
	tcase_add_test(tc, test_rescheduled);
	tcase_add_test(tc, test_pick_due);
	tcase_add_test(tc, test_pick_due_random);
	suite_add_tcase(s, tc);
	return s;
}
