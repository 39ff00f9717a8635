/*
 * check_domtable.c - the tracked-domain table and its new-lookup rate
 * limit, driven step by step with a fake clock: which domains are admitted,
 * which one goes first past max_domains, how many new lookups a burst gets
 * and how fast the bucket refills.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domtable.h"
#include "unit.h"

enum op {
	END = 0,
	SEE,		/* recipient domain s seen (max a): outcome b */
	CONF,		/* s is configured (added if missing) */
	FILL,		/* SEE "nN.fill.test" at now + N, N < a, max b: ADDED */
	EVICT,		/* evicting past max a hands back s (NULL: nothing) */
	COUNT,		/* the table holds a entries */
	REFUSED,	/* a new domains were refused so far */
	USED,		/* s was last used at a */
	ABSENT,		/* s is not in the table */
	TAKE,		/* b new lookups in a row: each allowed (a 1) or not */
	AT		/* the next new lookup may start at a */
};

enum outcome { BAD = 1, KNOWN, ADDED, REFUSE };

struct step {
	time_t		 now;
	enum op		 op;
	const char	*s;
	long		 a;
	long		 b;
};

struct tentry {
	struct domtable_entry t;
	char		 name[DOMTABLE_NAME_MAX];
};

static struct tentry *
tentry_of(struct domtable_entry *t)
{
	return (struct tentry *)(void *)t;	/* t is the first member */
}

static struct domtable_entry *
add(struct domtable *tab, const char *name, time_t now)
{
	struct tentry *e = calloc(1, sizeof(*e));

	ck_assert_ptr_nonnull(e);
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->t.name = e->name;
	ck_assert_int_eq(domtable_insert(tab, &e->t, now), 0);
	return &e->t;
}

/* What discovery_want() does with a recipient domain. */
static enum outcome
see(struct domtable *tab, const char *name, size_t max, time_t now)
{
	struct domtable_entry *e;

	if (!domtable_name_ok(name))
		return BAD;
	if ((e = domtable_find(tab, name)) != NULL) {
		domtable_touch(e, now);
		return KNOWN;
	}
	if (!domtable_admit(tab, max))
		return REFUSE;
	add(tab, name, now);
	return ADDED;
}

static void
conf(struct domtable *tab, const char *name, time_t now)
{
	struct domtable_entry *e;

	if ((e = domtable_find(tab, name)) == NULL)
		e = add(tab, name, now);
	e->configured = 1;
}

/* Take out the first victim domtable_victims() names: the oldest. */
static void
evict(struct domtable *tab, size_t max, const char *expect, int at)
{
	size_t	*idx;
	struct domtable_entry *e = NULL;

	ck_assert_ptr_nonnull(idx = calloc(domtable_count(tab) + 1,
	    sizeof(*idx)));
	if (domtable_victims(tab, max, idx) > 0)
		e = domtable_remove(tab, idx[0]);
	free(idx);

	if (expect == NULL) {
		ck_assert_msg(e == NULL, "step %d: evicted %s", at,
		    e != NULL ? e->name : "");
		return;
	}
	ck_assert_msg(e != NULL, "step %d: nothing evicted", at);
	ck_assert_msg(strcmp(e->name, expect) == 0, "step %d: evicted %s, "
	    "not %s", at, e->name, expect);
	ck_assert_ptr_null(domtable_find(tab, expect));
	free(tentry_of(e));
}

static void
take(struct domtable *tab, time_t now, long allowed, long times, int at)
{
	long	i;
	int	ok;

	for (i = 0; i < times; i++) {
		ok = domtable_lookup_at(tab, now) == now;
		ck_assert_msg(ok == allowed, "step %d, lookup %ld: %s", at, i,
		    ok ? "allowed" : "refused");
		if (ok)
			domtable_lookup_spend(tab);
	}
}

static void
run_step(struct domtable *tab, const struct step *st, int at)
{
	struct domtable_entry *e;
	char	name[32];
	long	i;

	switch (st->op) {
	case SEE:
		ck_assert_msg(see(tab, st->s, (size_t)st->a, st->now) ==
		    (enum outcome)st->b, "step %d: %s", at, st->s);
		break;
	case CONF:
		conf(tab, st->s, st->now);
		break;
	case FILL:
		for (i = 0; i < st->a; i++) {
			snprintf(name, sizeof(name), "n%ld.fill.test", i);
			ck_assert_int_eq(see(tab, name, (size_t)st->b,
			    st->now + i), ADDED);
		}
		break;
	case EVICT:
		evict(tab, (size_t)st->a, st->s, at);
		break;
	case COUNT:
		ck_assert_uint_eq(domtable_count(tab), (size_t)st->a);
		break;
	case REFUSED:
		ck_assert_uint_eq(domtable_refused(tab), (unsigned long)st->a);
		break;
	case USED:
		e = domtable_find(tab, st->s);
		ck_assert_msg(e != NULL, "step %d: %s missing", at, st->s);
		ck_assert_int_eq(domtable_used(e), st->a);
		break;
	case ABSENT:
		ck_assert_ptr_null(domtable_find(tab, st->s));
		break;
	case TAKE:
		take(tab, st->now, st->a, st->b, at);
		break;
	case AT:
		ck_assert_int_eq(domtable_lookup_at(tab, st->now), st->a);
		break;
	case END:
		break;
	}
}

static void
empty(struct domtable *tab)
{
	while (domtable_count(tab) > 0)
		free(tentry_of(domtable_remove(tab, domtable_count(tab) - 1)));
	domtable_free(tab);
}

#define W	DOMTABLE_WAITING_MAX
#define B	DOMTABLE_NEW_BURST

static const struct step scenarios[][24] = {
	/* 0: at max nothing goes; past it the least recently used does. */
	{ { 1, SEE, "a.test", 3, ADDED }, { 2, SEE, "b.test", 3, ADDED },
	  { 3, SEE, "c.test", 3, ADDED }, { 3, EVICT, NULL, 3, 0 },
	  { 4, SEE, "d.test", 3, ADDED }, { 4, COUNT, NULL, 4, 0 },
	  { 4, EVICT, "a.test", 3, 0 }, { 4, EVICT, NULL, 3, 0 },
	  { 4, COUNT, NULL, 3, 0 }, { 4, ABSENT, "a.test", 0, 0 } },
	/* 1: traffic refreshes recency: the untouched one goes instead. */
	{ { 1, SEE, "a.test", 2, ADDED }, { 2, SEE, "b.test", 2, ADDED },
	  { 3, SEE, "a.test", 2, KNOWN }, { 3, USED, "a.test", 3, 0 },
	  { 4, SEE, "c.test", 2, ADDED }, { 4, EVICT, "b.test", 2, 0 },
	  { 5, SEE, "a.test", 2, KNOWN }, { 6, SEE, "d.test", 2, ADDED },
	  { 6, EVICT, "c.test", 2, 0 }, { 6, USED, "a.test", 5, 0 },
	  { 6, USED, "d.test", 6, 0 } },
	/* 2: configured domains are never evicted, however old. */
	{ { 0, CONF, "kept.test", 0, 0 }, { 5, SEE, "a.test", 1, ADDED },
	  { 6, SEE, "b.test", 1, ADDED }, { 6, EVICT, "a.test", 1, 0 },
	  { 6, EVICT, "b.test", 1, 0 }, { 6, EVICT, NULL, 1, 0 },
	  { 6, COUNT, NULL, 1, 0 }, { 6, USED, "kept.test", 0, 0 } },
	/* 3: only configured ones over max: nothing to evict. */
	{ { 0, CONF, "p.test", 0, 0 }, { 0, CONF, "q.test", 0, 0 },
	  { 0, EVICT, NULL, 1, 0 }, { 0, EVICT, NULL, 0, 0 },
	  { 0, COUNT, NULL, 2, 0 } },
	/* 4: a learnt domain that becomes configured is kept from then on. */
	{ { 1, SEE, "a.test", 1, ADDED }, { 2, SEE, "b.test", 1, ADDED },
	  { 3, CONF, "a.test", 0, 0 }, { 3, COUNT, NULL, 2, 0 },
	  { 3, EVICT, "b.test", 1, 0 }, { 3, EVICT, NULL, 0, 0 } },
	/* 5: eviction goes oldest first, one per call, down to max. */
	{ { 5, SEE, "e.test", 2, ADDED }, { 3, SEE, "c.test", 2, ADDED },
	  { 1, SEE, "a.test", 2, ADDED }, { 4, SEE, "d.test", 2, ADDED },
	  { 2, SEE, "b.test", 2, ADDED }, { 6, EVICT, "a.test", 2, 0 },
	  { 6, EVICT, "b.test", 2, 0 }, { 6, EVICT, "c.test", 2, 0 },
	  { 6, EVICT, NULL, 2, 0 }, { 6, USED, "d.test", 4, 0 },
	  { 6, USED, "e.test", 5, 0 } },
	/* 6: duplicates are one entry, touched. */
	{ { 1, SEE, "a.test", 10, ADDED }, { 2, SEE, "a.test", 10, KNOWN },
	  { 3, SEE, "a.test", 10, KNOWN }, { 3, COUNT, NULL, 1, 0 },
	  { 3, USED, "a.test", 3, 0 }, { 4, CONF, "a.test", 0, 0 },
	  { 4, COUNT, NULL, 1, 0 } },
	/* 7: names are not normalised: others than DNS names are refused. */
	{ { 1, SEE, "Example.test", 10, BAD }, { 1, SEE, "", 10, BAD },
	  { 1, SEE, "[192.0.2.1]", 10, BAD }, { 1, SEE, "a b.test", 10, BAD },
	  { 1, SEE, "\xc3\xa9.test", 10, BAD }, { 1, COUNT, NULL, 0, 0 },
	  { 1, REFUSED, NULL, 0, 0 },
	  { 1, SEE, "example.test", 10, ADDED },
	  { 1, SEE, "example.test.", 10, ADDED }, { 1, COUNT, NULL, 2, 0 } },
	/* 8: max plus WAITING_MAX learnt domains, then refusals, counted. */
	{ { 1, FILL, NULL, 5 + W, 5 }, { 1, COUNT, NULL, 5 + W, 0 },
	  { 2, SEE, "late.test", 5, REFUSE }, { 2, REFUSED, NULL, 1, 0 },
	  { 3, SEE, "late.test", 5, REFUSE }, { 3, REFUSED, NULL, 2, 0 },
	  { 3, ABSENT, "late.test", 0, 0 },
	  { 4, SEE, "n7.fill.test", 5, KNOWN }, { 4, REFUSED, NULL, 2, 0 },
	  { 4, SEE, "late.test", 6, ADDED }, { 4, REFUSED, NULL, 2, 0 } },
	/* 9: eviction makes room again; configured ones count too. */
	{ { 0, CONF, "kept.test", 0, 0 }, { 1, FILL, NULL, W - 1, 0 },
	  { 2, SEE, "late.test", 0, REFUSE },
	  { 2, EVICT, "n0.fill.test", 0, 0 },
	  { 3, SEE, "late.test", 0, ADDED }, { 3, REFUSED, NULL, 1, 0 } },
	/* 10: a burst of BURST new lookups, then one per second. */
	{ { 0, AT, NULL, 0, 0 }, { 0, TAKE, NULL, 1, B },
	  { 0, TAKE, NULL, 0, 3 }, { 0, AT, NULL, 1, 0 },
	  { 1, TAKE, NULL, 1, 1 }, { 1, TAKE, NULL, 0, 1 },
	  { 2, TAKE, NULL, 1, 1 }, { 12, TAKE, NULL, 1, 10 },
	  { 12, TAKE, NULL, 0, 1 }, { 12, AT, NULL, 13, 0 } },
	/* 11: the bucket holds BURST at most, however long it rested. */
	{ { 0, TAKE, NULL, 1, B }, { 1000, TAKE, NULL, 1, B },
	  { 1000, TAKE, NULL, 0, 1 }, { 1000 + B - 1, TAKE, NULL, 1, B - 1 },
	  { 1000 + B - 1, TAKE, NULL, 0, 1 },
	  { (time_t)1 << 60, TAKE, NULL, 1, B },
	  { (time_t)1 << 60, TAKE, NULL, 0, 1 } },
	/* 12: refused lookups spend nothing; asking again changes nothing. */
	{ { 0, TAKE, NULL, 1, B }, { 0, TAKE, NULL, 0, 50 },
	  { 0, AT, NULL, 1, 0 }, { 0, AT, NULL, 1, 0 },
	  { 1, TAKE, NULL, 1, 1 } },
	/* 13: a clock stepping back refills nothing. */
	{ { 100, TAKE, NULL, 1, B }, { 50, TAKE, NULL, 0, 1 },
	  { 50, AT, NULL, 51, 0 }, { 51, TAKE, NULL, 1, 1 },
	  { 51, TAKE, NULL, 0, 1 } },
};

START_TEST(test_scenario)
{
	const struct step *st = scenarios[_i];
	struct domtable *tab = domtable_new(0);
	int	i;

	ck_assert_ptr_nonnull(tab);
	for (i = 0; st[i].op != END; i++)
		run_step(tab, &st[i], i);
	empty(tab);
}
END_TEST

static const struct {
	const char	*name;
	int		 ok;
} names[] = {
	{ "example.test", 1 }, { "xn--bcher-kva.example", 1 },
	{ "_dmarc.example.test", 1 }, { "a-b.0.test", 1 }, { "x", 1 },
	{ "", 0 }, { "Example.test", 0 }, { "EXAMPLE.TEST", 0 },
	{ "[192.0.2.1]", 0 }, { "[ipv6:2001:db8::1]", 0 }, { "a b", 0 },
	{ "a\tb", 0 }, { "a/b", 0 }, { "a@b", 0 }, { "\xc3\xa9", 0 },
	{ "a\x7f", 0 }, { "a..b", 0 }, { ".a", 0 }, { "a.", 1 }, { ".", 0 },
	{ "a..", 0 },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b", 1 },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b", 0 },
};

START_TEST(test_name)
{
	ck_assert_msg(domtable_name_ok(names[_i].name) == names[_i].ok,
	    "%s", names[_i].name);
}
END_TEST

/* 253 octets fit; 254 would not fit in a saved record. */
START_TEST(test_name_length)
{
	char	name[DOMTABLE_NAME_MAX + 1];
	size_t	i;

	memset(name, 'a', sizeof(name));
	for (i = DOMTABLE_LABEL_MAX; i < sizeof(name); i += DOMTABLE_LABEL_MAX + 1)
		name[i] = '.';
	name[DOMTABLE_NAME_MAX - 1] = '\0';
	ck_assert_int_eq(domtable_name_ok(name), 1);
	name[DOMTABLE_NAME_MAX - 1] = 'a';
	name[DOMTABLE_NAME_MAX] = '\0';
	ck_assert_int_eq(domtable_name_ok(name), 0);
}
END_TEST

/*
 * More names than hash chains, so chains are shared: every name is found as
 * itself, and removing by index keeps every other one findable.
 */
#define MANY	20000

START_TEST(test_remove)
{
	static int gone[MANY];
	struct domtable *tab = domtable_new(0);
	struct domtable_entry *e;
	char	name[32];
	size_t	i;
	int	n;

	ck_assert_ptr_nonnull(tab);
	memset(gone, 0, sizeof(gone));
	for (n = 0; n < MANY; n++) {
		snprintf(name, sizeof(name), "r%d.test", n);
		add(tab, name, n);
	}
	for (i = domtable_count(tab); i-- > 0;) {
		e = domtable_at(tab, i);
		if (sscanf(e->name, "r%d", &n) == 1 && n % 3 == 0) {
			gone[n] = 1;
			free(tentry_of(domtable_remove(tab, i)));
		}
	}
	ck_assert_uint_eq(domtable_count(tab), MANY - (MANY + 2) / 3);
	for (n = 0; n < MANY; n++) {
		snprintf(name, sizeof(name), "r%d.test", n);
		e = domtable_find(tab, name);
		ck_assert_msg((e == NULL) == gone[n], "%s", name);
		if (e != NULL) {
			ck_assert_str_eq(e->name, name);
			ck_assert_int_eq(domtable_used(e), n);
		}
	}
	empty(tab);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("domtable");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(tc, test_scenario, 0,
	    (int)(sizeof(scenarios) / sizeof(scenarios[0])));
	tcase_add_loop_test(tc, test_name, 0,
	    (int)(sizeof(names) / sizeof(names[0])));
	tcase_add_test(tc, test_name_length);
	tcase_add_test(tc, test_remove);
	suite_add_tcase(s, tc);
	return s;
}
