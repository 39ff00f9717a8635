/*
 * metrics.c - the process-wide counters behind metrics.h, and their
 * snapshot for the metrics file writer.
 *
 * Every add is a relaxed atomic add: the numbers need no order among
 * themselves, only not to be lost, and a snapshot taken while mail flows
 * may show one counter a message ahead of another (the next one agrees).
 *
 * The domain table: a slot goes from empty to naming (the thread that
 * won the compare-and-swap copies the name) to named (release store, so
 * whoever sees it named sees the name). A thread that meets a slot being
 * named by another waits a bounded number of turns for it (a copy of at
 * most 253 bytes), and when that is not enough counts its verdict as
 * "other" rather than wait longer: two slots for one name never happen,
 * and the mail path never blocks. Slots are never freed, so a name once
 * seen keeps its counts for the life of the process.
 */
#include "config.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define SLOT_EMPTY	0
#define SLOT_NAMING	1
#define SLOT_NAMED	2
#define NAMING_TURNS	1000	/* waits for a slot another thread names */

_Static_assert(METRICS_RESULTS == 5, "one count per verdict_result");

const uint64_t metrics_latency_bounds_ns[METRICS_LATENCY_BUCKETS] = {
	10000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
	10000000, 50000000, 250000000, 1000000000,
};

struct counts {
	atomic_uint_least64_t results[METRICS_RESULTS];
	atomic_uint_least64_t reasons[METRICS_RESULTS][REASON_COUNT];
};

struct slot {
	atomic_int	 state;
	atomic_int	 labelled;	/* set by the writer only */
	char		 name[METRICS_DOMAIN_MAX];
	struct counts	 counts;
};

struct latency {
	atomic_uint_least64_t bucket[METRICS_LATENCY_BUCKETS];
	atomic_uint_least64_t count;
	atomic_uint_least64_t sum_ns;
};

static struct {
	atomic_uint_least64_t counters[METRIC_COUNTERS];
	struct latency	 latency[METRICS_CALLBACKS];
	atomic_uint_least64_t domains_tracked, domains_pending;
	atomic_llong	 start_time;
	struct slot	 slots[METRICS_DOMAIN_SLOTS];
	struct counts	 other;
} m;

static void
add(atomic_uint_least64_t *a, uint64_t n)
{
	atomic_fetch_add_explicit(a, n, memory_order_relaxed);
}

static uint64_t
get(atomic_uint_least64_t *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

void
metrics_init(void)
{
	long long zero = 0;

	atomic_compare_exchange_strong(&m.start_time, &zero,
	    (long long)time(NULL));
}

void
metrics_count(enum metrics_counter c)
{
	metrics_add(c, 1);
}

void
metrics_add(enum metrics_counter c, uint64_t n)
{
	if ((unsigned)c < METRIC_COUNTERS && n > 0)
		add(&m.counters[c], n);
}

void
metrics_txt_lookup(enum txt_outcome o)
{
	switch (o) {
	case TXT_VALID:
		metrics_count(METRIC_TXT_VALID);
		break;
	case TXT_ABSENT:
		metrics_count(METRIC_TXT_ABSENT);
		break;
	case TXT_INVALID:
		metrics_count(METRIC_TXT_INVALID);
		break;
	default:
		metrics_count(METRIC_TXT_DNS_FAILURE);
		break;
	}
}

void
metrics_policy_fetch(unsigned reason)
{
	if (reason == 0)
		metrics_count(METRIC_FETCH_OK);
	else if (reason == REASON_STS_POLICY_INVALID)
		metrics_count(METRIC_FETCH_POLICY_INVALID);
	else if (reason == REASON_STS_WEBPKI_INVALID)
		metrics_count(METRIC_FETCH_WEBPKI_INVALID);
	else
		metrics_count(METRIC_FETCH_ERROR);
}

/* FNV-1a: spreads similar names; the table holds what it holds anyway. */
static size_t
name_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t	i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (size_t)(h % METRICS_DOMAIN_SLOTS);
}

/* 1 when slot s is (or becomes, within the bounded wait) named. */
static int
wait_named(struct slot *s)
{
	int	turn;

	for (turn = 0; turn < NAMING_TURNS; turn++) {
		if (atomic_load_explicit(&s->state, memory_order_acquire) ==
		    SLOT_NAMED)
			return 1;
		sched_yield();
	}
	return 0;
}

/* The counts of domain: its slot, claimed now if need be, or "other". */
static struct counts *
counts_of(const char *domain)
{
	size_t	len = strnlen(domain, METRICS_DOMAIN_MAX);
	size_t	i, at;
	struct slot *s;
	int	expect;

	if (len == 0 || len >= METRICS_DOMAIN_MAX)
		return &m.other;
	at = name_hash(domain, len);
	for (i = 0; i < METRICS_PROBE_MAX; i++) {
		s = &m.slots[(at + i) % METRICS_DOMAIN_SLOTS];
		expect = SLOT_EMPTY;
		if (atomic_compare_exchange_strong(&s->state, &expect,
		    SLOT_NAMING)) {
			memcpy(s->name, domain, len);
			s->name[len] = '\0';
			atomic_store_explicit(&s->state, SLOT_NAMED,
			    memory_order_release);
			return &s->counts;
		}
		if (expect == SLOT_NAMING && !wait_named(s))
			return &m.other;
		if (strcmp(s->name, domain) == 0)
			return &s->counts;
	}
	return &m.other;
}

void
metrics_verdict(const char *domain, enum verdict_result result,
    unsigned reasons)
{
	struct counts *c;
	unsigned i;

	if ((unsigned)result >= METRICS_RESULTS)
		return;
	c = counts_of(domain);
	add(&c->results[result], 1);
	for (i = 0; i < REASON_COUNT; i++)
		if ((reasons & (1u << i)) != 0)
			add(&c->reasons[result][i], 1);
}

void
metrics_set_domains(size_t tracked, size_t pending)
{
	atomic_store_explicit(&m.domains_tracked, tracked,
	    memory_order_relaxed);
	atomic_store_explicit(&m.domains_pending, pending,
	    memory_order_relaxed);
}

uint64_t
metrics_clock_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
metrics_callback_done(enum metrics_callback cb, uint64_t start_ns)
{
	uint64_t now = metrics_clock_ns(), took;
	struct latency *l;
	size_t	i;

	if ((unsigned)cb >= METRICS_CALLBACKS)
		return;
	l = &m.latency[cb];
	took = now > start_ns ? now - start_ns : 0;
	for (i = 0; i < METRICS_LATENCY_BUCKETS; i++)
		if (took <= metrics_latency_bounds_ns[i]) {
			add(&l->bucket[i], 1);
			break;
		}
	add(&l->count, 1);
	add(&l->sum_ns, took);
}

static void
read_counts(struct counts *c, struct metrics_domain *d)
{
	size_t	r, i;

	for (r = 0; r < METRICS_RESULTS; r++) {
		d->results[r] = get(&c->results[r]);
		for (i = 0; i < REASON_COUNT; i++)
			d->reasons[r][i] = get(&c->reasons[r][i]);
	}
}

int
metrics_snapshot(struct metrics_view *v)
{
	struct slot *s;
	size_t	i, j, n = 0;

	metrics_init();
	memset(v, 0, sizeof(*v));
	for (i = 0; i < METRICS_DOMAIN_SLOTS; i++)
		if (atomic_load_explicit(&m.slots[i].state,
		    memory_order_acquire) == SLOT_NAMED)
			n++;
	if ((v->domains = calloc(n > 0 ? n : 1, sizeof(*v->domains))) == NULL)
		return -1;
	for (i = 0; i < METRICS_DOMAIN_SLOTS && v->domain_count < n; i++) {
		s = &m.slots[i];
		if (atomic_load_explicit(&s->state, memory_order_acquire) !=
		    SLOT_NAMED)
			continue;
		memcpy(v->domains[v->domain_count].name, s->name,
		    sizeof(s->name));
		v->domains[v->domain_count].labelled =
		    atomic_load(&s->labelled);
		v->domains[v->domain_count].slot = (long)i;
		read_counts(&s->counts, &v->domains[v->domain_count]);
		v->domain_count++;
	}
	snprintf(v->other.name, sizeof(v->other.name), "other");
	v->other.slot = -1;
	read_counts(&m.other, &v->other);
	for (j = 0; j < METRIC_COUNTERS; j++)
		v->counters[j] = get(&m.counters[j]);
	for (j = 0; j < METRICS_CALLBACKS; j++) {
		for (i = 0; i < METRICS_LATENCY_BUCKETS; i++)
			v->latency[j].bucket[i] = get(&m.latency[j].bucket[i]);
		v->latency[j].count = get(&m.latency[j].count);
		v->latency[j].sum_ns = get(&m.latency[j].sum_ns);
	}
	v->domains_tracked = get(&m.domains_tracked);
	v->domains_pending = get(&m.domains_pending);
	v->start_time = (time_t)atomic_load(&m.start_time);
	v->now = time(NULL);
	v->version = PACKAGE_VERSION;
	return 0;
}

void
metrics_view_free(struct metrics_view *v)
{
	free(v->domains);
	v->domains = NULL;
	v->domain_count = 0;
}

void
metrics_keep_label(long slot)
{
	if (slot >= 0 && slot < METRICS_DOMAIN_SLOTS)
		atomic_store(&m.slots[slot].labelled, 1);
}
