/*
 * domtable.c - the tracked domains: hash chains for lookups, an array for
 * iteration and eviction, and the token bucket that paces new lookups.
 *
 * Eviction scans the array for the oldest use instead of keeping a list in
 * use order: callbacks then only store one atomic timestamp, and the scan
 * happens in the discovery thread, at most once per domain over the limit.
 * Lookups read only the hash chains; the array is the owner's alone, so
 * the owner may scan it and grow it without excluding lookups.
 * The bucket counts sixtieths of a token, DOMTABLE_NEW_PER_MINUTE of them
 * a second, so that whole seconds refill it exactly, without floating
 * point.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "domtable.h"

#define DOMTABLE_BUCKETS	16384	/* hash chains (a power of 2) */
#define TOKEN			60	/* credit per token: seconds a minute */
#define CREDIT_MAX		((long)DOMTABLE_NEW_BURST * TOKEN)
#define FILL_SECONDS		(CREDIT_MAX / DOMTABLE_NEW_PER_MINUTE + 1)

struct domtable {
	struct domtable_entry *buckets[DOMTABLE_BUCKETS];
	struct domtable_entry **all;
	size_t		 count, cap;
	unsigned long	 refused;
	long		 credit;	/* TOKEN per new lookup */
	time_t		 credit_at;
};

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h & (DOMTABLE_BUCKETS - 1);
}

int
domtable_name_ok(const char *s)
{
	size_t	len = strnlen(s, DOMTABLE_NAME_MAX), i, label = 0;

	if (len == 0 || len >= DOMTABLE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;	/* empty label */
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_') || ++label > DOMTABLE_LABEL_MAX)
			return 0;
	}
	return 1;	/* a trailing dot is one more way to write a name */
}

struct domtable *
domtable_new(time_t now)
{
	struct domtable *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->credit = CREDIT_MAX;
	t->credit_at = now;
	return t;
}

void
domtable_free(struct domtable *t)
{
	if (t == NULL)
		return;
	free(t->all);
	free(t);
}

struct domtable_entry *
domtable_find(const struct domtable *t, const char *name)
{
	struct domtable_entry *e;

	for (e = t->buckets[hash(name)]; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

int
domtable_reserve(struct domtable *t, size_t n)
{
	struct domtable_entry **arr;
	size_t	ncap;

	if (t->cap - t->count >= n)
		return 0;
	if (n > ((size_t)-1 / sizeof(*arr)) / 2 - t->count)
		return -1;
	ncap = t->cap == 0 ? 64 : t->cap;
	while (ncap - t->count < n)
		ncap *= 2;
	if ((arr = realloc(t->all, ncap * sizeof(*arr))) == NULL)
		return -1;
	t->all = arr;
	t->cap = ncap;
	return 0;
}

int
domtable_insert(struct domtable *t, struct domtable_entry *e, time_t now)
{
	unsigned h;

	if (domtable_reserve(t, 1) == -1)
		return -1;
	atomic_init(&e->used, (long long)now);
	h = hash(e->name);
	e->next = t->buckets[h];
	t->buckets[h] = e;
	t->all[t->count++] = e;
	return 0;
}

void
domtable_touch(struct domtable_entry *e, time_t now)
{
	atomic_store(&e->used, (long long)now);
}

time_t
domtable_used(const struct domtable_entry *e)
{
	return (time_t)atomic_load(&e->used);
}

int
domtable_admit(struct domtable *t, size_t max)
{
	if (t->count < max + DOMTABLE_WAITING_MAX)
		return 1;
	t->refused++;
	return 0;
}

unsigned long
domtable_refused(const struct domtable *t)
{
	return t->refused;
}

size_t
domtable_count(const struct domtable *t)
{
	return t->count;
}

struct domtable_entry *
domtable_at(const struct domtable *t, size_t i)
{
	return t->all[i];
}

struct domtable_entry *
domtable_remove(struct domtable *t, size_t i)
{
	struct domtable_entry *e = t->all[i], **pp;

	for (pp = &t->buckets[hash(e->name)]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	t->all[i] = t->all[--t->count];
	e->next = NULL;
	return e;
}

/* Learnt entries by last use, oldest first (ties: lower index first). */
struct victim {
	time_t	 used;
	size_t	 index;
};

static int
cmp_victim(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	if (x->used != y->used)
		return x->used < y->used ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

size_t
domtable_victims(const struct domtable *t, size_t max, size_t *out)
{
	struct victim *v;
	size_t	i, n = 0, k;

	if (t->count <= max ||
	    (v = malloc(t->count * sizeof(*v))) == NULL)
		return 0;
	for (i = 0; i < t->count; i++)
		if (!t->all[i]->configured) {
			v[n].used = domtable_used(t->all[i]);
			v[n++].index = i;
		}
	qsort(v, n, sizeof(*v), cmp_victim);
	for (k = 0; k < n && k < t->count - max; k++)
		out[k] = v[k].index;
	free(v);
	return k;
}

/* A clock stepping back refills nothing; it counts on from there. */
static void
refill(struct domtable *t, time_t now)
{
	time_t	gap;

	if (now > t->credit_at) {
		/* An empty bucket is full after FILL_SECONDS: no overflow. */
		gap = now - t->credit_at < FILL_SECONDS ? now - t->credit_at :
		    FILL_SECONDS;
		t->credit += (long)gap * DOMTABLE_NEW_PER_MINUTE;
		if (t->credit > CREDIT_MAX)
			t->credit = CREDIT_MAX;
	}
	t->credit_at = now;
}

time_t
domtable_lookup_at(struct domtable *t, time_t now)
{
	long	need;

	refill(t, now);
	if (t->credit >= TOKEN)
		return now;
	need = TOKEN - t->credit;
	return now + (need + DOMTABLE_NEW_PER_MINUTE - 1) /
	    DOMTABLE_NEW_PER_MINUTE;
}

void
domtable_lookup_spend(struct domtable *t)
{
	if (t->credit >= TOKEN)
		t->credit -= TOKEN;
}
