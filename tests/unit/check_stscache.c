/*
 * check_stscache.c - the sender cache rules of RFC 8461, driven step by step
 * with a fake clock: each scenario is a list of observations and the
 * expectations that must hold after each.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "stscache.h"
#include "unit.h"

enum op {
	END = 0,
	TXT,		/* observe TXT outcome a with id s */
	OK,		/* fetch of id s returned body variant a (1 or 2) */
	FAIL,		/* fetch of id s failed with reason a */
	DUE,		/* stscache_fetch_due == a (refresh window 3600 s) */
	VIEW_NONE,	/* no policy */
	VIEW_POLICY,	/* policy id s, source a, mode from variant b */
	VIEW_ERROR,	/* policy error with reasons a, pending b */
	CHANGED,	/* body_changed == a */
	VERDICT		/* a TLS 1.3 session to the listed MX gets result a */
};

struct step {
	time_t		 now;
	enum op		 op;
	unsigned	 a;
	const char	*s;
	unsigned	 b;
};

#define DAY	86400

/* Policy bodies by variant, all with max_age 1 day: 1 enforce, 2 testing, 3 none. */
static enum sts_mode
variant_mode(unsigned variant)
{
	static const enum sts_mode modes[] = {
		STS_MODE_UNSET, STS_MODE_ENFORCE, STS_MODE_TESTING, STS_MODE_NONE
	};

	return modes[variant];
}

static void
make_policy(unsigned variant, struct sts_policy *p, unsigned char *digest)
{
	static char *mx[] = { "mx1.example.test" };

	memset(p, 0, sizeof(*p));
	p->has_version = 1;
	p->mode = variant_mode(variant);
	p->has_max_age = 1;
	p->max_age = DAY;
	p->mx = p->mode == STS_MODE_NONE ? NULL : mx;
	p->mx_count = p->mode == STS_MODE_NONE ? 0 : 1;
	memset(digest, (int)variant, STSCACHE_DIGEST_LEN);
}

static void
run_step(struct stscache *c, const struct step *st, int i)
{
	struct sts_policy p;
	unsigned char digest[STSCACHE_DIGEST_LEN];
	struct stscache_view v;
	struct verdict vd;

	switch (st->op) {
	case TXT:
		stscache_observe_txt(c, (enum txt_outcome)st->a, st->s, 0,
		    st->now);
		return;
	case OK:
		make_policy(st->a, &p, digest);
		ck_assert_int_eq(stscache_observe_fetch_ok(c, st->s, &p, digest,
		    st->now), 0);
		return;
	case FAIL:
		stscache_observe_fetch_failure(c, st->s, st->a, "failed",
		    st->now);
		return;
	case DUE:
		ck_assert_msg(stscache_fetch_due(c, st->now, 3600) == (int)st->a,
		    "step %d: fetch_due != %u", i, st->a);
		return;
	case CHANGED:
		ck_assert_msg(c->body_changed == (int)st->a,
		    "step %d: body_changed != %u", i, st->a);
		return;
	default:
		break;
	}
	stscache_view(c, st->now, &v);
	if (st->op == VERDICT) {
		verdict_eval("TLSv1.3", "mx1.example.test", NULL, &v.view, &vd);
		ck_assert_msg(vd.result == (enum verdict_result)st->a,
		    "step %d: verdict %s", i, verdict_result_name(vd.result));
	} else if (st->op == VIEW_NONE) {
		ck_assert_msg(v.view.policy == NULL && v.view.error_reasons == 0,
		    "step %d: expected no policy", i);
	} else if (st->op == VIEW_POLICY) {
		ck_assert_msg(v.view.policy != NULL, "step %d: no policy", i);
		ck_assert_str_eq(v.view.id, st->s);
		ck_assert_msg(v.view.source == (enum policy_source)st->a,
		    "step %d: source %d", i, v.view.source);
		ck_assert_int_eq(v.view.policy->mode, variant_mode(st->b));
	} else {
		ck_assert_msg(v.view.policy == NULL, "step %d: policy", i);
		ck_assert_msg(v.view.error_reasons == st->a,
		    "step %d: reasons %#x", i, v.view.error_reasons);
		ck_assert_msg(v.pending == (int)st->b, "step %d: pending", i);
	}
}

#define PUB	POLICY_SOURCE_PUBLISHED
#define CACHED	POLICY_SOURCE_CACHED
#define FETCHERR REASON_STS_POLICY_FETCH_ERROR
#define WEBPKI	REASON_STS_WEBPKI_INVALID
#define INVALID	REASON_STS_POLICY_INVALID

static const struct step scenarios[][16] = {
	/* 0: unknown domain is pending, then published after a fetch. */
	{ { 0, VIEW_ERROR, FETCHERR, NULL, 1 },
	  { 0, DUE, 0, NULL, 0 },
	  { 1, TXT, TXT_VALID, "a1", 0 }, { 1, DUE, 1, NULL, 0 },
	  { 1, VIEW_ERROR, FETCHERR, NULL, 1 },
	  { 2, OK, 1, "a1", 0 }, { 2, DUE, 0, NULL, 0 },
	  { 3, VIEW_POLICY, PUB, "a1", 1 } },
	/* 1: no TXT, nothing cached: no policy, nothing to fetch. */
	{ { 1, TXT, TXT_ABSENT, NULL, 0 }, { 1, DUE, 0, NULL, 0 },
	  { 1, VIEW_NONE, 0, NULL, 0 } },
	/* 2: id change is fetched; until then the old policy is published. */
	{ { 1, TXT, TXT_VALID, "a1", 0 }, { 1, OK, 1, "a1", 0 },
	  { 100, TXT, TXT_VALID, "a2", 0 }, { 100, DUE, 1, NULL, 0 },
	  { 100, VIEW_POLICY, CACHED, "a1", 1 },
	  { 101, OK, 2, "a2", 0 }, { 101, VIEW_POLICY, PUB, "a2", 2 } },
	/* 3: fetch of the new id fails: cached policy applies, retry >= 5 min. */
	{ { 1, TXT, TXT_VALID, "a1", 0 }, { 1, OK, 1, "a1", 0 },
	  { 100, TXT, TXT_VALID, "a2", 0 }, { 100, FAIL, WEBPKI, "a2", 0 },
	  { 101, VIEW_POLICY, CACHED, "a1", 1 },
	  { 100 + 299, DUE, 0, NULL, 0 }, { 100 + 300, DUE, 1, NULL, 0 } },
	/* 4: TXT removed: the cache holds until max_age, then no policy. */
	{ { 0, TXT, TXT_VALID, "a1", 0 }, { 0, OK, 1, "a1", 0 },
	  { 10, TXT, TXT_ABSENT, NULL, 0 }, { 10, DUE, 0, NULL, 0 },
	  { DAY - 1, VIEW_POLICY, CACHED, "a1", 1 },
	  { DAY, VIEW_NONE, 0, NULL, 0 } },
	/* 5: DNS failure and invalid TXT (two records) keep the cache too. */
	{ { 0, TXT, TXT_VALID, "a1", 0 }, { 0, OK, 1, "a1", 0 },
	  { 10, TXT, TXT_DNS_FAILURE, NULL, 0 },
	  { 10, VIEW_POLICY, CACHED, "a1", 1 },
	  { 20, TXT, TXT_INVALID, NULL, 0 },
	  { 20, VIEW_POLICY, CACHED, "a1", 1 },
	  { 30, TXT, TXT_VALID, "a1", 0 }, { 30, VIEW_POLICY, PUB, "a1", 1 } },
	/* 6: announced, first fetch fails, nothing cached: policy error. */
	{ { 0, TXT, TXT_VALID, "a1", 0 }, { 0, FAIL, INVALID, "a1", 0 },
	  { 1, VIEW_ERROR, INVALID, NULL, 0 }, { 1, DUE, 0, NULL, 0 },
	  { 300, DUE, 1, NULL, 0 }, { 300, OK, 2, "a1", 0 },
	  { 301, VIEW_POLICY, PUB, "a1", 2 } },
	/* 7: same id, different body: reported, old copy kept until expiry. */
	{ { 0, TXT, TXT_VALID, "a1", 0 }, { 0, OK, 1, "a1", 0 },
	  { DAY - 3000, DUE, 1, NULL, 0 }, { DAY - 3000, OK, 2, "a1", 0 },
	  { DAY - 2999, CHANGED, 1, NULL, 0 },
	  { DAY - 2999, VIEW_POLICY, PUB, "a1", 1 },
	  { DAY, DUE, 1, NULL, 0 }, { DAY, OK, 2, "a1", 0 },
	  { DAY + 1, VIEW_POLICY, PUB, "a1", 2 },
	  { DAY + 1, CHANGED, 0, NULL, 0 } },
	/* 8: same body refetched before expiry extends the cache. */
	{ { 0, TXT, TXT_VALID, "a1", 0 }, { 0, OK, 1, "a1", 0 },
	  { 10, DUE, 0, NULL, 0 },
	  { DAY - 100, DUE, 1, NULL, 0 }, { DAY - 100, OK, 1, "a1", 0 },
	  { DAY + 100, VIEW_POLICY, PUB, "a1", 1 },
	  { DAY + 100, CHANGED, 0, NULL, 0 } },
	/* 9: expired cache with a valid TXT whose refetch failed: error. */
	{ { 0, TXT, TXT_VALID, "a1", 0 }, { 0, OK, 1, "a1", 0 },
	  { DAY, FAIL, FETCHERR, "a1", 0 },
	  { DAY + 1, VIEW_ERROR, FETCHERR, NULL, 0 } },
	/* 10: mode none ends evaluation; a later testing policy starts it. */
	{ { 0, TXT, TXT_VALID, "a1", 0 }, { 0, OK, 3, "a1", 0 },
	  { 1, VIEW_POLICY, PUB, "a1", 3 },
	  { 1, VERDICT, VERDICT_NO_POLICY, NULL, 0 },
	  { 50, TXT, TXT_VALID, "a2", 0 }, { 50, OK, 2, "a2", 0 },
	  { 51, VERDICT, VERDICT_PASS, NULL, 0 } },
	/* 11: a changed body that is reverted is no longer reported. */
	{ { 0, TXT, TXT_VALID, "a1", 0 }, { 0, OK, 1, "a1", 0 },
	  { 10, OK, 2, "a1", 0 }, { 10, CHANGED, 1, NULL, 0 },
	  { 20, OK, 1, "a1", 0 }, { 20, CHANGED, 0, NULL, 0 },
	  { 20, VIEW_POLICY, PUB, "a1", 1 } },
	/* 12: pending and policy-error views evaluate as policy-error. */
	{ { 0, VERDICT, VERDICT_POLICY_ERROR, NULL, 0 },
	  { 1, TXT, TXT_VALID, "a1", 0 }, { 1, FAIL, WEBPKI, "a1", 0 },
	  { 2, VERDICT, VERDICT_POLICY_ERROR, NULL, 0 } },
};

START_TEST(test_scenario)
{
	const struct step *st = scenarios[_i];
	struct stscache c;
	int i;

	stscache_init(&c);
	for (i = 0; st[i].op != END; i++)
		run_step(&c, &st[i], i);
	stscache_free(&c);
}
END_TEST

START_TEST(test_max_age_clamped)
{
	struct stscache c;
	struct sts_policy p;
	unsigned char digest[STSCACHE_DIGEST_LEN];

	stscache_init(&c);
	make_policy(1, &p, digest);
	p.max_age = 9999999999ULL;
	stscache_observe_txt(&c, TXT_VALID, "a1", 0, 0);
	ck_assert_int_eq(stscache_observe_fetch_ok(&c, "a1", &p, digest, 0), 0);
	ck_assert_int_eq(c.expires_at, POLICY_MAX_AGE_LIMIT);
	stscache_free(&c);
}
END_TEST

/* Only lenient senders apply the policy when they alone read it or its
 * current record. */
START_TEST(test_view_lenient)
{
	struct stscache c;
	struct stscache_view v;
	struct sts_policy p;
	unsigned char digest[STSCACHE_DIGEST_LEN];

	stscache_init(&c);
	make_policy(1, &p, digest);
	stscache_observe_txt(&c, TXT_VALID, "a1", 0, 0);
	ck_assert_int_eq(stscache_observe_fetch_ok(&c, "a1", &p, digest, 0), 0);
	stscache_view(&c, 1, &v);
	ck_assert_ptr_nonnull(v.view.policy);
	ck_assert_int_eq(v.lenient, 0);
	stscache_observe_txt(&c, TXT_VALID, "a1", LENIENT_PMSR, 2);
	stscache_view(&c, 3, &v);
	ck_assert_int_eq(v.lenient, 1);
	/* The record gone, strict and lenient senders use the same copy. */
	stscache_observe_txt(&c, TXT_ABSENT, NULL, LENIENT_PMSR, 4);
	ck_assert_uint_eq(c.txt_lenient, 0);
	stscache_view(&c, 5, &v);
	ck_assert_ptr_nonnull(v.view.policy);
	ck_assert_int_eq(v.lenient, 0);
	stscache_free(&c);

	stscache_init(&c);
	make_policy(1, &p, digest);
	p.lenient = LENIENT_MAILAUTH;
	stscache_observe_txt(&c, TXT_VALID, "a1", 0, 0);
	ck_assert_int_eq(stscache_observe_fetch_ok(&c, "a1", &p, digest, 0), 0);
	stscache_view(&c, 1, &v);
	ck_assert_int_eq(v.lenient, 1);
	stscache_free(&c);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("stscache");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_scenario, 0,
	    (int)(sizeof(scenarios) / sizeof(scenarios[0])));
	tcase_add_test(tc, test_max_age_clamped);
	tcase_add_test(tc, test_view_lenient);
	suite_add_tcase(s, tc);
	return s;
}
