/*
 * discovery.c - what is known of each tracked domain, the scheduler thread
 * that decides what to look at, and the workers that do the DNS and HTTPS.
 *
 * Locking: d->lock is the lock milter callbacks take (discovery_want), so
 * nothing under it blocks or costs more than O(1): no logging, no I/O, no
 * scan of the table. Callbacks look a name up in the table (hash chains)
 * and mark it used (an atomic store); a new name goes on the arrivals list
 * and the scheduler adds it. The scheduler is the only thread that changes
 * the table, so it reads and scans the table without the lock and takes it
 * only around each insertion and removal (domtable.h says why that is
 * enough). Everything else in an entry (its sender cache, schedule,
 * counters) is the scheduler's alone.
 *
 * Concurrency: up to DISCOVERY_WORKERS lookups are out at once. A job
 * carries a copy of the domain name and what the worker needs; the worker
 * does the blocking DNS query or HTTPS fetch (each bounded in time) and
 * hands the job back; the scheduler applies the result to the entry it was
 * for, found again by name and serial number, so that an entry dropped or
 * evicted meanwhile is never touched. A slow policy host thus holds one
 * worker, not everyone. The job queues are under d->lock too (O(1)).
 *
 * What callbacks evaluate against is never this table but the store's
 * immutable snapshot, which the scheduler republishes after changes and
 * whenever a cached policy expires.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/evp.h>

#include "discovery.h"
#include "domtable.h"
#include "fetch.h"
#include "heaptrim.h"
#include "metrics.h"
#include "msg.h"
#include "record.h"
#include "resolve.h"
#include "statefile.h"
#include "stscache.h"
#include "stsplan.h"

#define DISCOVERY_DNS_TRIES	2
#define DISCOVERY_MAX_WAIT	60	/* seconds between wake-ups, at most */
#define DISCOVERY_PUBLISH_GAP	1	/* seconds between mid-batch publishes */
#define DISCOVERY_ARRIVALS_MAX	DOMTABLE_WAITING_MAX	/* not yet in the table */
#define DISCOVERY_PICKS	(4 * DISCOVERY_WORKERS)	/* due checks per table pass */

_Static_assert(DOMTABLE_NAME_MAX == STATEFILE_DOMAIN_MAX,
    "a tracked domain is saved under its name");

struct entry {
	struct domtable_entry t;	/* name (s.domain), use, configured */
	struct statefile_domain s;
	struct entry	*next_new;	/* on the arrivals list */
	unsigned long	 serial;	/* tells a job's entry from a successor */
	time_t		 next_check;	/* when to look at the TXT record */
	int		 looked_up;	/* 0: new, waits for the rate limit */
	int		 busy;		/* a job for it is out */
	unsigned	 failures;	/* fetch failures of the current id */
};

/* What makes the saved state or the published view differ. */
struct fingerprint {
	enum txt_outcome txt;
	char	 txt_id[STS_ID_MAX + 1];
	char	 policy_id[STS_ID_MAX + 1];
	time_t	 fetched_at, failed_at;
	unsigned fetch_error;
	int	 body_changed;
	unsigned txt_lenient;
};

/* One domain's TXT lookup, then possibly its policy fetch, by a worker. */
struct job {
	struct job	*next;
	char		 domain[DOMTABLE_NAME_MAX];
	unsigned long	 serial;
	int		 fetch;		/* 0: TXT lookup, 1: policy fetch */
	struct conf	*conf;		/* a reference: what the fetch uses */
	char		*servers;	/* dns_servers for the TXT lookup */
	struct fingerprint before;	/* the entry before the TXT lookup */
	/* results */
	enum txt_outcome txt;
	char		 id[STS_ID_MAX + 1];
	unsigned	 lenient;	/* LENIENT_* senders the record needs */
	char		 why[DIAG_MSG_MAX + 32];
	struct fetch_result r;
};

struct worker {
	struct discovery *d;
	pthread_t	 thread;
	struct resolver	*res;
	char		*servers;	/* what res was made for */
	struct fetcher	*fetcher;	/* made at the first fetch */
};

struct discovery {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;		/* the scheduler: work came in */
	pthread_cond_t	 work;		/* the workers: a job is queued */
	struct store	*store;
	atomic_int	 stop;
	int		 started;
	pthread_t	 thread;
	struct worker	 workers[DISCOVERY_WORKERS];
	size_t		 nworkers;

	/* under lock */
	struct conf	*conf;		/* the latest configuration */
	int		 reconfigure;
	struct domtable	*table;		/* changes; lookups */
	struct entry	*arrivals;	/* new learnt names, newest first */
	size_t		 arrivals_count;
	unsigned long	 arrivals_refused;
	struct job	*todo, **todo_tail;
	struct job	*done;

	/* the scheduler's own */
	struct conf	*tconf;		/* configuration in use */
	char		*res_servers;	/* dns_servers that made a resolver */
	int		 have_resolver;
	size_t		 inflight;	/* jobs out */
	unsigned long	 serial;
	time_t		 next_expiry;	/* earliest cached policy expiry ahead */
	time_t		 last_publish;
	time_t		 last_save;
	int		 view_dirty;
	int		 state_dirty;
	unsigned	 seed;
	time_t		*due_at;	/* pick's, one per entry */
	size_t		 due_cap;
	size_t		 picks[DISCOVERY_PICKS];	/* table indexes */
	size_t		 picks_len, picks_next;	/* next to start */
	time_t		 picks_wake;	/* the next due after the pass */
	char		 save_error[256];
	unsigned long	 dropped_logged;
};

/* --- the table --------------------------------------------------------- */

static struct entry *
entry_of(struct domtable_entry *t)
{
	return (struct entry *)(void *)((char *)t - offsetof(struct entry, t));
}

static struct entry *
entry_at(const struct discovery *d, size_t i)
{
	return entry_of(domtable_at(d->table, i));
}

/* Callbacks: with the lock held. The scheduler: with or without it. */
static struct entry *
lookup(struct discovery *d, const char *domain)
{
	struct domtable_entry *t = domtable_find(d->table, domain);

	return t != NULL ? entry_of(t) : NULL;
}

static struct entry *
entry_new(const char *domain)
{
	struct entry *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	snprintf(e->s.domain, sizeof(e->s.domain), "%s", domain);
	stscache_init(&e->s.cache);
	e->t.name = e->s.domain;
	return e;
}

static void
entry_free(struct entry *e)
{
	stscache_free(&e->s.cache);
	free(e);
}

/* The table or its schedule changed: the picks' indexes or order may be
 * wrong (see pick). */
static void
forget_picks(struct discovery *d)
{
	d->picks_len = d->picks_next = 0;
}

/*
 * The scheduler (or discovery_start, before there is one) adds e, taking
 * the lock only for the O(1) insertion. Returns 0, or -1 (e is freed).
 */
static int
table_add(struct discovery *d, struct entry *e, time_t now)
{
	int	rc;

	if (domtable_reserve(d->table, 1) == -1) {
		entry_free(e);
		return -1;
	}
	e->serial = ++d->serial;
	pthread_mutex_lock(&d->lock);
	rc = domtable_insert(d->table, &e->t, now);
	pthread_mutex_unlock(&d->lock);
	forget_picks(d);
	if (rc == -1)
		entry_free(e);
	else	/* published as pending; the gauges count it from then */
		d->view_dirty = 1;
	return rc;
}

static struct entry *
insert(struct discovery *d, const char *domain, time_t now)
{
	struct entry *e;

	if ((e = entry_new(domain)) == NULL || table_add(d, e, now) == -1)
		return NULL;
	return e;
}

/* Take entry i out (the lock only for that) and free it. */
static void
table_remove(struct discovery *d, size_t i)
{
	struct domtable_entry *t;

	pthread_mutex_lock(&d->lock);
	t = domtable_remove(d->table, i);
	pthread_mutex_unlock(&d->lock);
	forget_picks(d);
	entry_free(entry_of(t));
	d->view_dirty = d->state_dirty = 1;
}

/* Lock held: whether one more learnt name may wait for the scheduler. */
static int
admit(struct discovery *d)
{
	if (d->arrivals_count >= DISCOVERY_ARRIVALS_MAX) {
		d->arrivals_refused++;
		return 0;
	}
	return domtable_admit(d->table, (size_t)d->conf->max_domains);
}

static int
learning(const struct discovery *d)
{
	return d->conf != NULL && d->conf->domain_count == 0;
}

void
discovery_want(struct discovery *d, const char *domain)
{
	struct entry *e, *n;
	time_t	now = time(NULL);
	int	learn;

	if (d == NULL || domain == NULL ||
	    strnlen(domain, DOMTABLE_NAME_MAX) >= DOMTABLE_NAME_MAX ||
	    !domtable_name_ok(domain))
		return;
	pthread_mutex_lock(&d->lock);
	if ((e = lookup(d, domain)) != NULL)
		domtable_touch(&e->t, now);
	/* A full table refuses before anything is allocated for the name. */
	learn = e == NULL && learning(d) && admit(d);
	pthread_mutex_unlock(&d->lock);
	/* Allocate without the lock; then check again under it (a refusal
	 * is counted once: by whichever check makes it). */
	if (!learn || (n = entry_new(domain)) == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	if (learning(d) && admit(d)) {
		n->next_new = d->arrivals;
		d->arrivals = n;
		d->arrivals_count++;
		pthread_cond_signal(&d->wake);
		n = NULL;
	}
	pthread_mutex_unlock(&d->lock);
	if (n != NULL)
		entry_free(n);
}

/* New learnt names join the table; one already there only counts as used. */
static void
take_arrivals(struct discovery *d, struct entry *list, time_t now)
{
	struct entry *e, *next, *old;

	for (e = list; e != NULL; e = next) {
		next = e->next_new;
		e->next_new = NULL;
		/* Came in before a reload to a domains list: not wanted. */
		if (d->tconf->domain_count > 0)
			entry_free(e);
		else if ((old = lookup(d, e->s.domain)) != NULL) {
			domtable_touch(&old->t, now);
			entry_free(e);
		} else
			(void)table_add(d, e, now);
	}
}

/* --- configuration ----------------------------------------------------- */

static int
configured_domain(const struct conf *c, const char *domain)
{
	size_t	i;

	/* A binary search: apply_domains asks for every tracked domain. */
	if (c->domain_count > 0 && conf_domain_wanted(c, domain))
		return 1;
	for (i = 0; i < c->draft_count; i++)
		if (strcmp(c->drafts[i].domain, domain) == 0)
			return conf_domain_wanted(c, domain);
	return 0;
}

/*
 * Mark the configured domains (adding missing ones); drop unwanted ones.
 * The table's owner, without the lock (table_add and table_remove take it).
 */
static void
apply_domains(struct discovery *d, const struct conf *c, time_t now)
{
	size_t	i;
	struct entry *e;

	for (i = 0; i < c->domain_count; i++)
		if (lookup(d, c->domains[i]) == NULL)
			insert(d, c->domains[i], now);
	for (i = 0; i < c->draft_count; i++)
		if (conf_domain_wanted(c, c->drafts[i].domain) &&
		    lookup(d, c->drafts[i].domain) == NULL)
			insert(d, c->drafts[i].domain, now);
	for (i = domtable_count(d->table); i-- > 0;) {
		e = entry_at(d, i);
		e->t.configured = configured_domain(c, e->s.domain);
		if (!e->t.configured && c->domain_count > 0)
			table_remove(d, i);
	}
	forget_picks(d);	/* configured flags: the rate limit's choice */
}

/*
 * A reload lowered refresh_interval: checks planned further out than the
 * new interval come forward, spread over it (an operator who shortens the
 * interval expects it to hold from now, not after the old one ran out).
 * The table's owner, without the lock.
 */
static void
reschedule(struct discovery *d, const struct conf *c, time_t now)
{
	struct entry *e;
	size_t	i, n = domtable_count(d->table);
	long	interval = c->refresh_interval;

	for (i = 0; i < n; i++) {
		e = entry_at(d, i);
		if (!e->busy)
			e->next_check = stsplan_rescheduled(e->next_check, now,
			    interval, (long)(rand_r(&d->seed) %
			    (unsigned)(interval + 1)));
	}
	forget_picks(d);
}

static int
same_string(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/*
 * Called with the lock held; drops it while the new configuration is put
 * to use. A dns_servers value that makes no resolver keeps the previous.
 */
static void
take_configuration(struct discovery *d)
{
	struct resolver *res = NULL;
	struct conf *c = conf_ref(d->conf);
	char	err[256];

	d->reconfigure = 0;
	pthread_mutex_unlock(&d->lock);
	if (!d->have_resolver || !same_string(d->res_servers, c->dns_servers)) {
		res = resolver_new(c->dns_servers, DISCOVERY_DNS_TIMEOUT_MS,
		    DISCOVERY_DNS_TRIES, err, sizeof(err));
		if (res == NULL)
			msg_error("policy discovery: %s; "
			    "DNS lookups keep the previous resolver", err);
	}
	if (res != NULL) {
		resolver_free(res);	/* each worker makes its own */
		free(d->res_servers);
		d->res_servers = strdup(c->dns_servers);
		d->have_resolver = d->res_servers != NULL;
	}
	if (d->tconf != NULL && c->refresh_interval <
	    d->tconf->refresh_interval)
		reschedule(d, c, time(NULL));
	if (d->tconf != NULL)
		conf_unref(d->tconf);
	d->tconf = c;
	apply_domains(d, c, time(NULL));
	pthread_mutex_lock(&d->lock);
}

void
discovery_configure(struct discovery *d, struct conf *c)
{
	struct conf *old;

	pthread_mutex_lock(&d->lock);
	old = d->conf;
	d->conf = conf_ref(c);
	d->reconfigure = 1;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	/* Freeing a configuration is no work for the callbacks' lock. */
	if (old != NULL)
		conf_unref(old);
}

/* --- the workers' part: DNS and HTTPS ---------------------------------- */

static const char *
first_error(const struct diag_list *dl)
{
	size_t	i;

	for (i = 0; i < dl->count; i++)
		if (dl->items[i].severity == DIAG_ERROR)
			return dl->items[i].message;
	return "invalid";
}

/* The _mta-sts TXT RRset, selected and parsed as RFC 8461 3.1 says. */
static enum txt_outcome
lookup_txt(struct resolver *res, const char *domain, char *id,
    unsigned *lenient, char *why, size_t whylen)
{
	struct txt_rrset set;
	struct sts_record rec;
	struct diag_list dl;
	enum resolve_status st;
	enum txt_outcome out;
	char	name[RESOLVE_NAME_MAX + 16];
	long	idx;

	*lenient = 0;
	snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	st = resolve_txt(res, name, &set);
	snprintf(why, whylen, "%s", resolve_status_name(st));
	if (st == RESOLVE_NXDOMAIN || st == RESOLVE_NODATA)
		return TXT_ABSENT;
	if (st != RESOLVE_OK)
		return TXT_DNS_FAILURE;
	diag_init(&dl);
	idx = sts_record_select((const char *const *)set.txt, set.len,
	    set.count, &dl);
	if (idx == -1)
		out = TXT_ABSENT;
	else if (idx < 0)
		out = TXT_INVALID;
	else if (sts_record_parse(set.txt[idx], set.len[idx], STS_LENIENT,
	    &rec, &dl)) {
		snprintf(id, STS_ID_MAX + 1, "%s", rec.id);
		*lenient = rec.lenient;
		if (rec.lenient && dl.count > 0)
			snprintf(why, whylen, "strict senders ignore it: %s",
			    dl.items[0].message);
		out = TXT_VALID;
	} else
		out = TXT_INVALID;
	if (out != TXT_VALID)
		snprintf(why, whylen, "%s", dl.count > 0 ? first_error(&dl) :
		    "no v=STSv1 record");
	txt_rrset_free(&set);
	return out;
}

/* The worker's resolver for servers, made anew when they changed. */
static struct resolver *
worker_resolver(struct worker *w, const char *servers, char *err,
    size_t errlen)
{
	struct resolver *res;
	char	*copy;

	if (w->res != NULL && same_string(w->servers, servers))
		return w->res;
	if ((copy = strdup(servers)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((res = resolver_new(servers, DISCOVERY_DNS_TIMEOUT_MS,
	    DISCOVERY_DNS_TRIES, err, errlen)) == NULL) {
		free(copy);
		return NULL;
	}
	resolver_free(w->res);
	free(w->servers);
	w->res = res;
	w->servers = copy;
	return res;
}

static void
job_run(struct worker *w, struct job *j)
{
	const struct conf *c = j->conf;
	struct fetch_options opt = {
		.ca_file = c->ca_file,
		.connect_to = (const char *const *)c->connect_to,
		.connect_to_count = c->connect_to_count,
		.timeout_ms = c->fetch_timeout * 1000,
		.cancel = &w->d->stop,
	};
	struct resolver *res;

	if (j->fetch) {
		fetch_result_free(&j->r);
		/* Kept: the trust store is parsed once, not at every fetch. */
		if (w->fetcher == NULL)
			w->fetcher = fetcher_new();
		if (w->fetcher != NULL)
			(void)fetcher_fetch(w->fetcher, j->domain, &opt, &j->r);
		else	/* says why it cannot */
			(void)fetch_policy(j->domain, &opt, &j->r);
	} else if ((res = worker_resolver(w, j->servers, j->why,
	    sizeof(j->why))) == NULL)
		j->txt = TXT_DNS_FAILURE;
	else
		j->txt = lookup_txt(res, j->domain, j->id, &j->lenient,
		    j->why, sizeof(j->why));
	if (!j->fetch)
		metrics_txt_lookup(j->txt);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct discovery *d = w->d;
	struct job *j;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		while (atomic_load(&d->stop) == 0 && d->todo == NULL)
			pthread_cond_wait(&d->work, &d->lock);
		if (atomic_load(&d->stop) != 0)
			break;
		j = d->todo;
		if ((d->todo = j->next) == NULL)
			d->todo_tail = &d->todo;
		pthread_mutex_unlock(&d->lock);
		job_run(w, j);
		pthread_mutex_lock(&d->lock);
		j->next = d->done;
		d->done = j;
		pthread_cond_signal(&d->wake);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* --- the scheduler's part: what a result means --------------------------- */

static void
job_free(struct job *j)
{
	if (j->conf != NULL)
		conf_unref(j->conf);
	free(j->servers);
	fetch_result_free(&j->r);
	free(j);
}

/* Hand j to the workers (O(1) under the lock). */
static void
queue(struct discovery *d, struct job *j)
{
	pthread_mutex_lock(&d->lock);
	j->next = NULL;
	*d->todo_tail = j;
	d->todo_tail = &j->next;
	pthread_cond_signal(&d->work);
	pthread_mutex_unlock(&d->lock);
}

static void
fetch_failed(struct entry *e, unsigned reason, const char *text,
    const char *url, time_t now)
{
	struct stscache *c = &e->s.cache;

	e->failures++;
	metrics_policy_fetch(reason);
	stscache_observe_fetch_failure(c, c->txt_id, reason, text, now);
	msg_warn("%s: policy id %s at %s: %s: %s; next try in "
	    "%ld minutes%s", e->s.domain, c->txt_id, url,
	    verdict_reason_name(reason), text,
	    (long)stsplan_retry_after(e->failures) / 60,
	    c->have_policy && now < c->expires_at ?
	    "; the cached policy stays in use" : "");
}

static void
fetched(struct entry *e, const struct fetch_result *r, time_t now)
{
	struct stscache *c = &e->s.cache;
	struct sts_policy p;
	struct diag_list dl;
	unsigned char digest[STSCACHE_DIGEST_LEN];
	int	was_changed = c->body_changed, had = c->have_policy;
	char	old_id[STS_ID_MAX + 1], senders[96];
	unsigned lenient;

	diag_init(&dl);
	if (!policy_parse(r->body, r->body_len, STS_LENIENT, &p, &dl)) {
		fetch_failed(e, REASON_STS_POLICY_INVALID, first_error(&dl),
		    r->url, now);
		policy_free(&p);
		return;
	}
	metrics_policy_fetch(0);
	lenient = p.lenient;
	EVP_Digest(r->body, r->body_len, digest, NULL, EVP_sha256(), NULL);
	snprintf(old_id, sizeof(old_id), "%s", c->policy_id);
	if (stscache_observe_fetch_ok(c, c->txt_id, &p, digest, now) == -1) {
		policy_free(&p);
		return;
	}
	policy_free(&p);
	e->failures = 0;
	if (c->body_changed && !was_changed)
		msg_warn("%s: the policy at %s changed but the TXT "
		    "id is still %s: senders that cached it keep the old one "
		    "until it expires; publish a new id with every policy "
		    "change", e->s.domain, r->url, c->txt_id);
	else if (!had || strcmp(old_id, c->policy_id) != 0 ||
	    (was_changed && !c->body_changed))
		msg_info("%s: policy id %s fetched: mode %s, max_age "
		    "%llu, %zu mx pattern(s)", e->s.domain, c->policy_id,
		    sts_mode_name(c->policy.mode),
		    (unsigned long long)c->policy.max_age, c->policy.mx_count);
	if (lenient && (!had || strcmp(old_id, c->policy_id) != 0))
		msg_warn("%s: policy id %s at %s "
		    "is judged as lenient senders (%s) read it; strict senders "
		    "reject it: %s", e->s.domain, c->policy_id, r->url,
		    leniency_senders_text(lenient, senders, sizeof(senders)),
		    dl.count > 0 ? dl.items[0].message : "");
}

static void
fetch_done(struct entry *e, const struct fetch_result *r, time_t now)
{
	switch (r->status) {
	case FETCH_OK:
		fetched(e, r, now);
		break;
	case FETCH_WEBPKI_INVALID:
		fetch_failed(e, REASON_STS_WEBPKI_INVALID, r->error, r->url,
		    now);
		break;
	default:
		fetch_failed(e, REASON_STS_POLICY_FETCH_ERROR, r->error,
		    r->url, now);
		break;
	}
}

static void
log_txt(const struct entry *e, enum txt_outcome was, const char *was_id,
    const char *why)
{
	const struct stscache *c = &e->s.cache;

	if (c->txt == was && strcmp(c->txt_id, was_id) == 0)
		return;
	if (c->txt == TXT_VALID)
		msg_log(c->txt_lenient ? LOG_WARNING : LOG_INFO,
		    "%s: _mta-sts TXT id %s%s%s", e->s.domain, c->txt_id,
		    c->txt_lenient ? ": " : "", c->txt_lenient ? why : "");
	else
		msg_log(c->txt == TXT_ABSENT ? LOG_INFO : LOG_WARNING,
		    "%s: _mta-sts TXT %s: %s%s", e->s.domain,
		    txt_outcome_name(c->txt), why, c->have_policy &&
		    time(NULL) < c->expires_at ?
		    "; the cached policy stays in use" : "");
}

static void
fingerprint(const struct stscache *c, struct fingerprint *f)
{
	memset(f, 0, sizeof(*f));
	f->txt = c->txt;
	memcpy(f->txt_id, c->txt_id, sizeof(f->txt_id));
	memcpy(f->policy_id, c->policy_id, sizeof(f->policy_id));
	f->fetched_at = c->fetched_at;
	f->failed_at = c->failed_at;
	f->fetch_error = c->fetch_error;
	f->body_changed = c->body_changed;
	f->txt_lenient = c->txt_lenient;
}

/* The domain's check is over: schedule the next one. */
static void
check_done(struct discovery *d, struct entry *e, const struct job *j,
    time_t now)
{
	struct fingerprint after;
	long	interval = d->tconf->refresh_interval;

	e->looked_up = 1;
	e->busy = 0;
	e->next_check = stsplan_next_check(&e->s.cache, e->failures, now,
	    interval, (long)(rand_r(&d->seed) % (unsigned)(interval / 10 + 1)));
	fingerprint(&e->s.cache, &after);
	if (memcmp(&j->before, &after, sizeof(after)) != 0)
		d->view_dirty = d->state_dirty = 1;
}

/* Apply one finished job; 1 when it went back to the workers. */
static int
apply(struct discovery *d, struct job *j)
{
	struct entry *e = lookup(d, j->domain);
	struct stscache *c;
	time_t	now = time(NULL);

	if (e == NULL || e->serial != j->serial)
		return 0;	/* dropped or evicted meanwhile */
	c = &e->s.cache;
	if (j->fetch) {
		fetch_done(e, &j->r, now);
		check_done(d, e, j, now);
		return 0;
	}
	fingerprint(c, &j->before);
	if (strcmp(j->id, c->txt_id) != 0)
		e->failures = 0;
	stscache_observe_txt(c, j->txt, j->id, j->lenient, now);
	log_txt(e, j->before.txt, j->before.txt_id, j->why);
	if (stsplan_fetch_now(c, e->failures, now)) {
		j->fetch = 1;
		/* The fetch uses the configuration in force now. */
		conf_unref(j->conf);
		j->conf = conf_ref(d->tconf);
		queue(d, j);
		return 1;
	}
	check_done(d, e, j, now);
	return 0;
}

static void
apply_all(struct discovery *d, struct job *list)
{
	struct job *j, *next;

	for (j = list; j != NULL; j = next) {
		next = j->next;
		if (apply(d, j))
			continue;
		d->inflight--;
		job_free(j);
	}
}

/* Start the check of e; 0 when there is no memory for it. */
static int
dispatch(struct discovery *d, struct entry *e)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return 0;
	if ((j->servers = strdup(d->res_servers)) == NULL) {
		free(j);
		return 0;
	}
	snprintf(j->domain, sizeof(j->domain), "%s", e->s.domain);
	j->serial = e->serial;
	j->conf = conf_ref(d->tconf);
	e->busy = 1;
	d->inflight++;
	queue(d, j);
	return 1;
}

/*
 * One pass over the table, without the lock: the DISCOVERY_PICKS checks
 * due the longest (stsplan_pick_due) become d->picks, to be started in
 * that order as workers come free, without another pass until they are
 * used up (with 10,000 domains and a pass per finished job, the passes
 * were a twentieth of the daemon's CPU in a refresh). They stay the
 * longest overdue meanwhile: an entry not picked was due later than every
 * pick, or not due then, and a finished check is next due in the future.
 * Whatever else moves an entry or a check (an insertion, a removal, a
 * reload's rescheduling) drops them (forget_picks). -1: no memory.
 */
static int
pick(struct discovery *d, time_t now)
{
	struct entry *e;
	time_t	token_at, wake_at = now + DISCOVERY_MAX_WAIT;
	size_t	i, n = domtable_count(d->table);

	if (n > d->due_cap) {
		time_t *grown = realloc(d->due_at, n * sizeof(*grown));

		if (grown == NULL)
			return -1;
		d->due_at = grown;
		d->due_cap = n;
	}
	token_at = domtable_lookup_at(d->table, now);
	for (i = 0; i < n; i++) {
		e = entry_at(d, i);
		if (e->busy)
			d->due_at[i] = STSPLAN_NEVER;
		else if (!e->looked_up && !e->t.configured && token_at > now)
			d->due_at[i] = token_at;
		else
			d->due_at[i] = e->next_check;
		if (d->due_at[i] > now && d->due_at[i] < wake_at)
			wake_at = d->due_at[i];
	}
	d->picks_len = stsplan_pick_due(d->due_at, n, now, DISCOVERY_PICKS,
	    d->picks);
	d->picks_next = 0;
	d->picks_wake = wake_at;
	return 0;
}

/*
 * Start the checks that are due, as long as workers are free, the longest
 * overdue first (the picks, then a new pass); returns when the next one
 * will be due. New learnt domains also wait for the rate limit. No pass
 * while every worker is busy (a finished job wakes the scheduler), at
 * most one per call.
 */
static time_t
dispatch_due(struct discovery *d, time_t now)
{
	struct entry *e;
	time_t	token_at;
	size_t	idle;
	int	passed = 0;

	if (d->inflight >= d->nworkers || domtable_count(d->table) == 0)
		return now + DISCOVERY_MAX_WAIT;
	idle = d->nworkers - d->inflight;
	while (idle > 0) {
		if (d->picks_next == d->picks_len) {
			if (passed)
				break;
			if (pick(d, now) == -1)
				return now + 1;	/* try again in a second */
			passed = 1;
			continue;
		}
		e = entry_at(d, d->picks[d->picks_next]);
		if (e->busy) {		/* cannot be (see pick): never twice */
			d->picks_next++;
			continue;
		}
		if (!e->looked_up && !e->t.configured) {
			/* The tokens may have run out since the pass. */
			if ((token_at = domtable_lookup_at(d->table, now)) > now) {
				d->picks_next++;	/* for a later pass */
				if (token_at < d->picks_wake)
					d->picks_wake = token_at;
				continue;
			}
			if (!dispatch(d, e))
				break;
			domtable_lookup_spend(d->table);
		} else if (!dispatch(d, e))
			break;
		d->picks_next++;
		idle--;
	}
	/* Picks left are due now: the next finished job is the time. */
	return d->picks_next < d->picks_len ? now + DISCOVERY_MAX_WAIT :
	    d->picks_wake;
}

/* --- publishing and saving --------------------------------------------- */

static void
view_of(const struct entry *e, time_t now, struct store_domain *sd)
{
	struct stscache_view v;

	stscache_view(&e->s.cache, now, &v);
	memset(sd, 0, sizeof(*sd));
	sd->domain = (char *)e->s.domain;
	sd->has_policy = v.view.policy != NULL;
	if (sd->has_policy)
		sd->policy = *v.view.policy;
	sd->id = v.view.id != NULL && v.view.id[0] != '\0' ?
	    (char *)v.view.id : NULL;
	sd->source = v.view.source;
	sd->error_reasons = v.view.error_reasons;
	sd->pending = v.pending;
	sd->body_changed = sd->has_policy && e->s.cache.body_changed;
	sd->lenient = sd->has_policy && v.lenient;
}

/* The table's owner reads the entries without the lock. */
static void
publish(struct discovery *d, time_t now)
{
	struct store_domain *sd;
	const struct stscache *c;
	size_t	n = domtable_count(d->table), i, pending = 0;

	if ((sd = calloc(n > 0 ? n : 1, sizeof(*sd))) == NULL) {
		d->last_publish = now;
		return;
	}
	d->next_expiry = 0;
	for (i = 0; i < n; i++) {
		view_of(entry_at(d, i), now, &sd[i]);
		if (sd[i].pending)
			pending++;
		c = &entry_at(d, i)->s.cache;
		if (c->have_policy && c->expires_at > now &&
		    (d->next_expiry == 0 || c->expires_at < d->next_expiry))
			d->next_expiry = c->expires_at;
	}
	if (store_set_discovered(d->store, sd, n) == 0)
		d->view_dirty = 0;
	/* The gauges follow what callbacks see. */
	metrics_set_domains(n, pending);
	/* Failed too (out of memory): try again after the gap, not at once. */
	d->last_publish = now;
	free(sd);
}

static void
save(struct discovery *d, time_t now)
{
	const struct statefile_domain **sd;
	struct entry *e;
	char	err[256] = "";
	size_t	n = domtable_count(d->table), i;

	/* Nothing to keep: nothing to wait for either (wait_until). */
	if (d->tconf->state_dir[0] == '\0') {
		d->state_dirty = 0;
		return;
	}
	d->last_save = now;
	if ((sd = calloc(n > 0 ? n : 1, sizeof(*sd))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		e = entry_at(d, i);
		e->s.last_used = domtable_used(&e->t);
		sd[i] = &e->s;
	}
	if (statefile_save(d->tconf->state_dir, sd, n, now, err,
	    sizeof(err)) == 0) {
		d->state_dirty = 0;
		d->save_error[0] = '\0';
	} else if (strcmp(err, d->save_error) != 0) {
		/* Say it once per distinct problem, not at every change. */
		msg_error("cannot save the policy state: %s; cached "
		    "policies will not survive a restart", err);
		snprintf(d->save_error, sizeof(d->save_error), "%s", err);
	}
	free(sd);
	heaptrim(n * 400);	/* the text of every domain's state, about
				   400 bytes each */
}

/* --- the scheduler ----------------------------------------------------- */

static int
cmp_index_down(const void *a, const void *b)
{
	size_t	x = *(const size_t *)a, y = *(const size_t *)b;

	return x > y ? -1 : x < y;
}

/*
 * Forget the least recently used learnt domains past max_domains, in one
 * pass however many go (a reload to a smaller max_domains may drop most
 * of a large table): the victims are chosen without the lock, then removed
 * from the highest index down (a removal moves the last entry into the
 * hole: one already dealt with), each under the lock. A stop request ends
 * it early.
 */
static void
evict(struct discovery *d)
{
	size_t	n = domtable_count(d->table), k, i, *idx;

	if (n <= (size_t)d->tconf->max_domains ||
	    (idx = malloc(n * sizeof(*idx))) == NULL)
		return;
	k = domtable_victims(d->table, (size_t)d->tconf->max_domains, idx);
	qsort(idx, k, sizeof(*idx), cmp_index_down);
	for (i = 0; i < k && atomic_load(&d->stop) == 0; i++)
		table_remove(d, idx[i]);
	free(idx);
}

static void
note_dropped(struct discovery *d)
{
	unsigned long dropped;

	pthread_mutex_lock(&d->lock);
	dropped = domtable_refused(d->table) + d->arrivals_refused;
	pthread_mutex_unlock(&d->lock);
	if (dropped == d->dropped_logged)
		return;
	msg_warn("policy discovery: %lu new recipient domain(s) "
	    "not tracked: more than max_domains (%ld) plus %d waiting; they "
	    "evaluate as pending", dropped - d->dropped_logged,
	    d->tconf->max_domains, DOMTABLE_WAITING_MAX);
	d->dropped_logged = dropped;
}

/* Publish and save what changed; called without the lock. */
static void
flush(struct discovery *d, time_t now, int batch_done)
{
	if (d->next_expiry != 0 && now >= d->next_expiry)
		d->view_dirty = 1;
	if (d->view_dirty && (batch_done ||
	    now - d->last_publish >= DISCOVERY_PUBLISH_GAP))
		publish(d, now);
	if (d->state_dirty && now - d->last_save >= DISCOVERY_SAVE_SECONDS)
		save(d, now);
}

static time_t
earliest(time_t a, time_t b)
{
	return b != 0 && b < a ? b : a;
}

/* Lock held: sleep until wake_at or until something comes in. */
static void
wait_until(struct discovery *d, time_t wake_at)
{
	struct timespec ts = { 0, 0 };

	if (d->next_expiry != 0)
		wake_at = earliest(wake_at, d->next_expiry);
	if (d->state_dirty)
		wake_at = earliest(wake_at, d->last_save +
		    DISCOVERY_SAVE_SECONDS);
	if (d->view_dirty)
		wake_at = earliest(wake_at, d->last_publish +
		    DISCOVERY_PUBLISH_GAP);
	ts.tv_sec = wake_at;
	if (!d->reconfigure && atomic_load(&d->stop) == 0 &&
	    d->arrivals == NULL && d->done == NULL)
		(void)pthread_cond_timedwait(&d->wake, &d->lock, &ts);
}

static void *
run(void *arg)
{
	struct discovery *d = arg;
	struct entry *arrivals;
	struct job *done;
	time_t	now, wake_at;

	pthread_mutex_lock(&d->lock);
	while (atomic_load(&d->stop) == 0) {
		if (d->reconfigure)
			take_configuration(d);
		arrivals = d->arrivals;
		d->arrivals = NULL;
		d->arrivals_count = 0;
		done = d->done;
		d->done = NULL;
		pthread_mutex_unlock(&d->lock);
		now = time(NULL);
		take_arrivals(d, arrivals, now);
		apply_all(d, done);
		evict(d);
		wake_at = d->have_resolver ? dispatch_due(d, now) :
		    now + DISCOVERY_MAX_WAIT;
		note_dropped(d);
		flush(d, time(NULL), d->inflight == 0);
		pthread_mutex_lock(&d->lock);
		wait_until(d, wake_at);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* --- life cycle -------------------------------------------------------- */

struct discovery *
discovery_new(struct store *st)
{
	struct discovery *d;
	pthread_condattr_t ca;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->table = domtable_new(time(NULL))) == NULL) {
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_REALTIME);
	pthread_cond_init(&d->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&d->work, NULL);
	d->todo_tail = &d->todo;
	d->store = st;
	d->seed = (unsigned)time(NULL);
	atomic_init(&d->stop, 0);
	return d;
}

/* A saved domain comes back; a domain no longer wanted is left out. */
static int
restore(void *arg, struct statefile_domain *sd)
{
	struct discovery *d = arg;
	const struct conf *c = d->tconf;
	struct entry *e;
	time_t	now = time(NULL);

	if (!domtable_name_ok(sd->domain) ||
	    (c->domain_count > 0 && !configured_domain(c, sd->domain)))
		return -1;
	/* A configured domain already has a fresh entry: fill that one. */
	if ((e = lookup(d, sd->domain)) == NULL &&
	    (e = insert(d, sd->domain, now)) == NULL)
		return -1;
	if (e->looked_up)
		return -1;
	stscache_free(&e->s.cache);
	e->s.cache = sd->cache;
	domtable_touch(&e->t, sd->last_used);
	e->looked_up = 1;
	e->t.configured = configured_domain(c, sd->domain);
	/* Spread the first checks over one interval after a restart. */
	e->next_check = sd->cache.txt_checked + c->refresh_interval;
	if (e->next_check > now + c->refresh_interval)
		e->next_check = now + c->refresh_interval;
	if (e->next_check < now)
		e->next_check = now;
	/* A failed fetch is retried on its schedule, not an interval late. */
	e->next_check = earliest(e->next_check, stsplan_next_check(&e->s.cache,
	    0, now, c->refresh_interval, 0));
	return 0;
}

static void
stop_threads(struct discovery *d)
{
	size_t	i;

	pthread_mutex_lock(&d->lock);
	atomic_store(&d->stop, 1);
	pthread_cond_signal(&d->wake);
	pthread_cond_broadcast(&d->work);
	pthread_mutex_unlock(&d->lock);
	if (d->started)
		pthread_join(d->thread, NULL);
	for (i = 0; i < d->nworkers; i++)
		pthread_join(d->workers[i].thread, NULL);
}

/* Threads start with every signal blocked: the daemon takes them. */
static int
start_threads(struct discovery *d)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	while (d->nworkers < DISCOVERY_WORKERS) {
		d->workers[d->nworkers].d = d;
		if (pthread_create(&d->workers[d->nworkers].thread, NULL,
		    worker_main, &d->workers[d->nworkers]) != 0)
			break;
		d->nworkers++;
	}
	d->started = d->nworkers > 0 &&
	    pthread_create(&d->thread, NULL, run, d) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!d->started && d->nworkers > 0)
		stop_threads(d);
	return d->started ? 0 : -1;
}

int
discovery_start(struct discovery *d)
{
	size_t	n;

	pthread_mutex_lock(&d->lock);
	if (d->conf == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	take_configuration(d);
	pthread_mutex_unlock(&d->lock);
	/* Until the scheduler runs, this thread is the table's owner. */
	n = d->tconf->state_dir[0] != '\0' ? statefile_load(d->tconf->state_dir,
	    time(NULL), restore, d) : 0;
	apply_domains(d, d->tconf, time(NULL));
	if (n > 0)
		msg_info("policy discovery: %zu domain(s) restored "
		    "from %s/%s", n, d->tconf->state_dir, STATEFILE_NAME);
	publish(d, time(NULL));
	return start_threads(d);
}

static void
free_jobs(struct job *j)
{
	struct job *next;

	for (; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
}

void
discovery_free(struct discovery *d)
{
	struct entry *e, *next;
	size_t	i;

	if (d == NULL)
		return;
	if (d->started) {
		stop_threads(d);
		if (d->state_dirty)
			save(d, time(NULL));
	}
	for (i = 0; i < d->nworkers; i++) {
		resolver_free(d->workers[i].res);
		free(d->workers[i].servers);
		fetcher_free(d->workers[i].fetcher);
	}
	free_jobs(d->todo);
	free_jobs(d->done);
	for (e = d->arrivals; e != NULL; e = next) {
		next = e->next_new;
		entry_free(e);
	}
	while (domtable_count(d->table) > 0)
		entry_free(entry_of(domtable_remove(d->table,
		    domtable_count(d->table) - 1)));
	domtable_free(d->table);
	free(d->res_servers);
	free(d->due_at);
	if (d->tconf != NULL)
		conf_unref(d->tconf);
	if (d->conf != NULL)
		conf_unref(d->conf);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->wake);
	pthread_cond_destroy(&d->work);
	free(d);
}
