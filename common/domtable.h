/*
 * domtable.h - the recipient domains policy discovery tracks, as data only:
 * no threads, no DNS, and time is the caller's clock.
 *
 * A domain is either configured (the "domains" key, drafts) and kept, or
 * learnt from traffic. Past max_domains the least recently used learnt
 * domain goes first; at most DOMTABLE_WAITING_MAX learnt domains may wait
 * beyond max_domains for that eviction, and further new ones are refused
 * (and counted). Lookups of new learnt domains are paced by a token bucket
 * so that random recipient domains cannot make the milter flood DNS.
 *
 * Entries belong to the caller: it embeds a struct domtable_entry in its
 * own record, points name at storage that lives as long as the record, and
 * frees what domtable_remove() hands back. Nothing here
 * locks; only domtable_touch() may race with readers of the same entry.
 * domtable_find() reads only the hash chains, never the array behind
 * domtable_at(): one owner that alone changes the table may read it and
 * call domtable_reserve() and domtable_victims() while others look up, and
 * exclude lookups only around domtable_insert() and domtable_remove().
 */
#ifndef MTASTS_DOMTABLE_H
#define MTASTS_DOMTABLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#define DOMTABLE_NAME_MAX	254	/* 253 octets + NUL */
#define DOMTABLE_LABEL_MAX	63	/* octets per label (RFC 1035 2.3.4) */
#define DOMTABLE_NEW_PER_MINUTE	60	/* new domains looked up per minute */
#define DOMTABLE_NEW_BURST	30	/* ... of which at once */
#define DOMTABLE_WAITING_MAX	1024	/* learnt domains waiting past max */

struct domtable_entry {
	struct domtable_entry *next;	/* hash chain */
	const char	*name;		/* lower case; the caller's storage */
	atomic_llong	 used;		/* last use: see domtable_touch() */
	int		 configured;	/* from configuration: never evicted */
};

struct domtable;

/*
 * Whether name may go to DNS as a domain: 1 to 253 bytes of lower-case
 * letters, digits, '-', '_' and '.', in labels of 1 to 63 bytes (no empty
 * label but the root after a trailing dot). Names are not normalised
 * here: the milter hands over lower-case names without a trailing dot.
 * Reads at most DOMTABLE_NAME_MAX bytes of name.
 */
int	domtable_name_ok(const char *name);

/* An empty table whose token bucket is full at now; NULL: no memory. */
struct domtable *domtable_new(time_t now);
/* Frees the table only: remove (and free) the entries first. */
void	domtable_free(struct domtable *);

struct domtable_entry *domtable_find(const struct domtable *, const char *);
/*
 * Add e (e->name set, not in the table yet) as used at now. Returns 0, or
 * -1 when there is no memory (e is then not in the table).
 */
int	domtable_insert(struct domtable *, struct domtable_entry *, time_t now);
/*
 * Make room for n more entries, so that the next n inserts cannot fail or
 * copy the array. Returns 0, or -1 when there is no memory.
 */
int	domtable_reserve(struct domtable *, size_t n);
/* e was used at now: an atomic store, so any thread may call it. */
void	domtable_touch(struct domtable_entry *e, time_t now);
time_t	domtable_used(const struct domtable_entry *);

/*
 * Whether one more learnt domain may join a table that keeps max of them:
 * 1, or 0 when DOMTABLE_WAITING_MAX already wait past max (the refusal is
 * counted).
 */
int	domtable_admit(struct domtable *, size_t max);
/* New domains domtable_admit() refused so far. */
unsigned long domtable_refused(const struct domtable *);

/* Entries by index, 0 to count - 1; removal moves the last one to i. */
size_t	domtable_count(const struct domtable *);
struct domtable_entry *domtable_at(const struct domtable *, size_t i);
/* Take entry i out of the table and hand it back. */
struct domtable_entry *domtable_remove(struct domtable *, size_t i);
/*
 * With more than max entries, the indexes of the learnt entries past max,
 * least recently used first, into out (room for domtable_count() indexes);
 * returns how many (0 also when out of memory). One sort, so a table far
 * over max is trimmed at once. Reads only: callable while others look up.
 */
size_t	domtable_victims(const struct domtable *, size_t max, size_t *out);

/*
 * When a new learnt domain may be looked up: now when the bucket holds a
 * token, else the second it will (the bucket refills at
 * DOMTABLE_NEW_PER_MINUTE and holds at most DOMTABLE_NEW_BURST).
 */
time_t	domtable_lookup_at(struct domtable *, time_t now);
/* A new learnt domain is being looked up: spend a token, if there is one. */
void	domtable_lookup_spend(struct domtable *);

#endif
