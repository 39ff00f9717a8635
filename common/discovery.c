/*
 * discovery.c - what is known of each tracked domain, and the refresher
 * thread.
 *
 * Ownership: the table (domtable: which domains, their last use, the rate
 * of new lookups) changes only under d->lock. Callbacks take the lock for a
 * lookup, to mark an entry used (an atomic store) or to append a new entry.
 * Everything else in an entry (its sender cache, schedule, counters)
 * belongs to the thread, which alone removes entries; so the thread reads
 * and updates entries without the lock and does its DNS and HTTPS work
 * with the lock released.
 * What callbacks evaluate against is never this table but the store's
 * immutable snapshot, which the thread republishes after every change and
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
#include "record.h"
#include "resolve.h"
#include "statefile.h"
#include "stscache.h"

#define DISCOVERY_DNS_TRIES	2
#define DISCOVERY_REVALIDATE	86400	/* refetch an unchanged id daily */
#define DISCOVERY_BACKOFF_MAX	4	/* 5 min << 4 = 80 min */
#define DISCOVERY_MAX_WAIT	60	/* seconds between wake-ups, at most */
#define DISCOVERY_PUBLISH_GAP	1	/* seconds between mid-batch publishes */

_Static_assert(DOMTABLE_NAME_MAX == STATEFILE_DOMAIN_MAX,
    "a tracked domain is saved under its name");

struct entry {
	struct domtable_entry t;	/* name (s.domain), use, configured */
	struct statefile_domain s;
	time_t		 next_check;	/* when to look at the TXT record */
	int		 looked_up;	/* 0: new, waits for the rate limit */
	unsigned	 failures;	/* fetch failures of the current id */
};

struct discovery {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	struct store	*store;
	struct log_sink	 log;
	atomic_int	 stop;
	int		 started;
	pthread_t	 thread;

	/* under lock */
	struct conf	*conf;		/* the latest configuration */
	int		 reconfigure;
	struct domtable	*table;

	/* the thread's own */
	struct conf	*tconf;		/* configuration in use */
	struct resolver	*res;
	char		*res_servers;
	time_t		 next_expiry;	/* earliest cached policy expiry ahead */
	time_t		 last_publish;
	time_t		 last_save;
	int		 view_dirty;
	int		 state_dirty;
	unsigned	 seed;
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

static struct entry *
lookup(struct discovery *d, const char *domain)
{
	struct domtable_entry *t = domtable_find(d->table, domain);

	return t != NULL ? entry_of(t) : NULL;
}

static struct entry *
insert(struct discovery *d, const char *domain, time_t now)
{
	struct entry *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	snprintf(e->s.domain, sizeof(e->s.domain), "%s", domain);
	stscache_init(&e->s.cache);
	e->t.name = e->s.domain;
	if (domtable_insert(d->table, &e->t, now) == -1) {
		free(e);
		return NULL;
	}
	return e;
}

/* Free what domtable_remove() or domtable_evict() handed back. */
static void
entry_free(struct domtable_entry *t)
{
	struct entry *e = entry_of(t);

	stscache_free(&e->s.cache);
	free(e);
}

void
discovery_want(struct discovery *d, const char *domain)
{
	struct entry *e;
	time_t	now = time(NULL);

	if (d == NULL || domain == NULL || !domtable_name_ok(domain))
		return;
	pthread_mutex_lock(&d->lock);
	if ((e = lookup(d, domain)) != NULL)
		domtable_touch(&e->t, now);
	else if (d->conf != NULL && d->conf->domain_count == 0 &&
	    domtable_admit(d->table, (size_t)d->conf->max_domains) &&
	    insert(d, domain, now) != NULL)
		pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
}

/* --- configuration ----------------------------------------------------- */

static int
configured_domain(const struct conf *c, const char *domain)
{
	size_t	i;

	for (i = 0; i < c->domain_count; i++)
		if (strcmp(c->domains[i], domain) == 0)
			return 1;
	for (i = 0; i < c->draft_count; i++)
		if (strcmp(c->drafts[i].domain, domain) == 0)
			return conf_domain_wanted(c, domain);
	return 0;
}

/* Mark the configured domains (adding missing ones); drop unwanted ones. */
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
		if (!e->t.configured && c->domain_count > 0) {
			entry_free(domtable_remove(d->table, i));
			d->view_dirty = d->state_dirty = 1;
		}
	}
}

static int
same_string(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Called by the thread with the lock held; drops it around resolver setup. */
static void
take_configuration(struct discovery *d)
{
	struct resolver *res = NULL;
	struct conf *c = conf_ref(d->conf);
	char	err[256];

	d->reconfigure = 0;
	pthread_mutex_unlock(&d->lock);
	if (d->res == NULL || !same_string(d->res_servers, c->dns_servers)) {
		res = resolver_new(c->dns_servers, DISCOVERY_DNS_TIMEOUT_MS,
		    DISCOVERY_DNS_TRIES, err, sizeof(err));
		if (res == NULL)
			log_sink_printf(&d->log, LOG_ERR, "policy discovery: %s; DNS lookups "
			    "keep the previous resolver", err);
	}
	pthread_mutex_lock(&d->lock);
	if (res != NULL) {
		resolver_free(d->res);
		d->res = res;
		free(d->res_servers);
		d->res_servers = strdup(c->dns_servers);
	}
	if (d->tconf != NULL)
		conf_unref(d->tconf);
	d->tconf = c;
	apply_domains(d, c, time(NULL));
}

void
discovery_configure(struct discovery *d, struct conf *c)
{
	pthread_mutex_lock(&d->lock);
	if (d->conf != NULL)
		conf_unref(d->conf);
	d->conf = conf_ref(c);
	d->reconfigure = 1;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
}

/* --- looking a domain up ---------------------------------------------- */

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

/* Seconds before expiry at which the policy is fetched again. */
static time_t
refresh_before(const struct stscache *c)
{
	time_t	life, revalidate;

	if (!c->have_policy)
		return 0;
	life = c->expires_at - c->fetched_at;
	revalidate = life / 2 < DISCOVERY_REVALIDATE ? life / 2 :
	    DISCOVERY_REVALIDATE;
	return life - revalidate;
}

/* After n failures of an id in a row: 5, 10, 20... minutes. */
static time_t
retry_after(unsigned failures)
{
	unsigned shift = failures > 1 ? failures - 1 : 0;

	if (shift > DISCOVERY_BACKOFF_MAX)
		shift = DISCOVERY_BACKOFF_MAX;
	return (time_t)STSCACHE_RETRY_SECONDS << shift;
}

/* stscache waits 5 minutes after any failure; past the first, back off. */
static int
backoff_over(const struct entry *e, time_t now)
{
	const struct stscache *c = &e->s.cache;

	if (e->failures < 2 || strcmp(c->failed_id, c->txt_id) != 0)
		return 1;
	return now - c->failed_at >= retry_after(e->failures);
}

static void
fetch_failed(struct discovery *d, struct entry *e, unsigned reason,
    const char *text, const char *url, time_t now)
{
	struct stscache *c = &e->s.cache;

	e->failures++;
	stscache_observe_fetch_failure(c, c->txt_id, reason, text, now);
	log_sink_printf(&d->log, LOG_WARNING, "%s: policy id %s at %s: %s: %s; next try in "
	    "%ld minutes%s", e->s.domain, c->txt_id, url,
	    verdict_reason_name(reason), text,
	    (long)retry_after(e->failures) / 60,
	    c->have_policy && now < c->expires_at ?
	    "; the cached policy stays in use" : "");
}

static void
fetched(struct discovery *d, struct entry *e, const struct fetch_result *r,
    time_t now)
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
		fetch_failed(d, e, REASON_STS_POLICY_INVALID, first_error(&dl),
		    r->url, now);
		policy_free(&p);
		return;
	}
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
		log_sink_printf(&d->log, LOG_WARNING, "%s: the policy at %s changed but the TXT "
		    "id is still %s: senders that cached it keep the old one "
		    "until it expires; publish a new id with every policy "
		    "change", e->s.domain, r->url, c->txt_id);
	else if (!had || strcmp(old_id, c->policy_id) != 0 ||
	    (was_changed && !c->body_changed))
		log_sink_printf(&d->log, LOG_INFO, "%s: policy id %s fetched: mode %s, max_age "
		    "%llu, %zu mx pattern(s)", e->s.domain, c->policy_id,
		    sts_mode_name(c->policy.mode),
		    (unsigned long long)c->policy.max_age, c->policy.mx_count);
	if (lenient && (!had || strcmp(old_id, c->policy_id) != 0))
		log_sink_printf(&d->log, LOG_WARNING, "%s: policy id %s at %s "
		    "is judged as lenient senders (%s) read it; strict senders "
		    "reject it: %s", e->s.domain, c->policy_id, r->url,
		    leniency_senders_text(lenient, senders, sizeof(senders)),
		    dl.count > 0 ? dl.items[0].message : "");
}

static void
fetch(struct discovery *d, struct entry *e, time_t now)
{
	const struct conf *c = d->tconf;
	struct fetch_options opt = {
		.ca_file = c->ca_file,
		.connect_to = (const char *const *)c->connect_to,
		.connect_to_count = c->connect_to_count,
		.timeout_ms = c->fetch_timeout * 1000,
		.cancel = &d->stop,
	};
	struct fetch_result r;

	switch (fetch_policy(e->s.domain, &opt, &r)) {
	case FETCH_OK:
		fetched(d, e, &r, now);
		break;
	case FETCH_WEBPKI_INVALID:
		fetch_failed(d, e, REASON_STS_WEBPKI_INVALID, r.error, r.url,
		    now);
		break;
	default:
		if (atomic_load(&d->stop) == 0)
			fetch_failed(d, e, REASON_STS_POLICY_FETCH_ERROR,
			    r.error, r.url, now);
		break;
	}
	fetch_result_free(&r);
}

static void
log_txt(struct discovery *d, const struct entry *e, enum txt_outcome was,
    const char *was_id, const char *why)
{
	const struct stscache *c = &e->s.cache;

	if (c->txt == was && strcmp(c->txt_id, was_id) == 0)
		return;
	if (c->txt == TXT_VALID)
		log_sink_printf(&d->log, c->txt_lenient ? LOG_WARNING : LOG_INFO,
		    "%s: _mta-sts TXT id %s%s%s", e->s.domain, c->txt_id,
		    c->txt_lenient ? ": " : "", c->txt_lenient ? why : "");
	else
		log_sink_printf(&d->log, c->txt == TXT_ABSENT ? LOG_INFO : LOG_WARNING,
		    "%s: _mta-sts TXT %s: %s%s", e->s.domain,
		    txt_outcome_name(c->txt), why, c->have_policy &&
		    time(NULL) < c->expires_at ?
		    "; the cached policy stays in use" : "");
}

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

static void
check_domain(struct discovery *d, struct entry *e, time_t now)
{
	struct stscache *c = &e->s.cache;
	struct fingerprint before, after;
	enum txt_outcome txt;
	char	id[STS_ID_MAX + 1] = "", why[DIAG_MSG_MAX + 32];
	unsigned lenient = 0;
	long	interval = d->tconf->refresh_interval;

	fingerprint(c, &before);
	txt = lookup_txt(d->res, e->s.domain, id, &lenient, why, sizeof(why));
	if (strcmp(id, c->txt_id) != 0)
		e->failures = 0;
	stscache_observe_txt(c, txt, id, lenient, now);
	log_txt(d, e, before.txt, before.txt_id, why);
	if (stscache_fetch_due(c, now, refresh_before(c)) && backoff_over(e, now))
		fetch(d, e, now);
	e->looked_up = 1;
	e->next_check = now + interval + (time_t)(rand_r(&d->seed) %
	    (unsigned)(interval / 10 + 1));
	/* At expiry a sender fetches again: do it then, not an interval late. */
	if (c->have_policy && c->expires_at > now && c->expires_at < e->next_check)
		e->next_check = c->expires_at;
	fingerprint(c, &after);
	if (memcmp(&before, &after, sizeof(before)) != 0)
		d->view_dirty = d->state_dirty = 1;
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

/* The entries as they are now (the thread may read them without lock). */
static struct entry **
entries_copy(struct discovery *d, size_t *n)
{
	struct entry **list;
	size_t	i;

	pthread_mutex_lock(&d->lock);
	*n = domtable_count(d->table);
	if ((list = malloc((*n > 0 ? *n : 1) * sizeof(*list))) != NULL)
		for (i = 0; i < *n; i++)
			list[i] = entry_at(d, i);
	pthread_mutex_unlock(&d->lock);
	return list;
}

static void
publish(struct discovery *d, time_t now)
{
	struct store_domain *sd;
	struct entry **list;
	const struct stscache *c;
	size_t	n, i;

	if ((list = entries_copy(d, &n)) == NULL)
		return;
	if ((sd = calloc(n > 0 ? n : 1, sizeof(*sd))) == NULL) {
		free(list);
		return;
	}
	d->next_expiry = 0;
	for (i = 0; i < n; i++) {
		view_of(list[i], now, &sd[i]);
		c = &list[i]->s.cache;
		if (c->have_policy && c->expires_at > now &&
		    (d->next_expiry == 0 || c->expires_at < d->next_expiry))
			d->next_expiry = c->expires_at;
	}
	if (store_set_discovered(d->store, sd, n) == 0) {
		d->view_dirty = 0;
		d->last_publish = now;
	}
	free(sd);
	free(list);
}

static void
save(struct discovery *d, time_t now)
{
	const struct statefile_domain **sd;
	struct entry **list;
	char	err[256] = "";
	size_t	n, i;

	if (d->tconf->state_dir[0] == '\0')
		return;
	if ((list = entries_copy(d, &n)) == NULL)
		return;
	if ((sd = calloc(n > 0 ? n : 1, sizeof(*sd))) == NULL) {
		free(list);
		return;
	}
	for (i = 0; i < n; i++) {
		list[i]->s.last_used = domtable_used(&list[i]->t);
		sd[i] = &list[i]->s;
	}
	d->last_save = now;
	if (statefile_save(d->tconf->state_dir, sd, n, now, err,
	    sizeof(err)) == 0) {
		d->state_dirty = 0;
		d->save_error[0] = '\0';
	} else if (strcmp(err, d->save_error) != 0) {
		/* Say it once per distinct problem, not at every change. */
		log_sink_printf(&d->log, LOG_ERR, "cannot save the policy state: %s; cached "
		    "policies will not survive a restart", err);
		snprintf(d->save_error, sizeof(d->save_error), "%s", err);
	}
	free(sd);
	free(list);
}

/* --- the thread -------------------------------------------------------- */

/* Forget the least recently used learnt domains past max_domains. */
static void
evict(struct discovery *d)
{
	struct domtable_entry *t;

	while ((t = domtable_evict(d->table,
	    (size_t)d->tconf->max_domains)) != NULL) {
		entry_free(t);
		d->view_dirty = d->state_dirty = 1;
	}
}

/*
 * The entry to check now (lock held), or NULL with *wake_at set to when
 * one will be due. New learnt domains also wait for the rate limit.
 */
static struct entry *
next_due(struct discovery *d, time_t now, time_t *wake_at)
{
	struct entry *e, *best = NULL;
	time_t	at, token_at;
	size_t	i;

	token_at = domtable_lookup_at(d->table, now);
	*wake_at = now + DISCOVERY_MAX_WAIT;
	for (i = 0; i < domtable_count(d->table); i++) {
		e = entry_at(d, i);
		at = e->next_check;
		if (!e->looked_up && !e->t.configured && token_at > now)
			at = token_at;
		if (at <= now && (best == NULL ||
		    e->next_check < best->next_check))
			best = e;
		else if (at > now && at < *wake_at)
			*wake_at = at;
	}
	if (best != NULL && !best->looked_up && !best->t.configured)
		domtable_lookup_spend(d->table);
	return best;
}

static void
note_dropped(struct discovery *d)
{
	unsigned long dropped = domtable_refused(d->table);

	if (dropped == d->dropped_logged)
		return;
	log_sink_printf(&d->log, LOG_WARNING, "policy discovery: %lu new recipient domain(s) "
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

static void
wait_until(struct discovery *d, time_t wake_at)
{
	struct timespec ts = { 0, 0 };

	if (d->next_expiry != 0)
		wake_at = earliest(wake_at, d->next_expiry);
	if (d->state_dirty)
		wake_at = earliest(wake_at, d->last_save +
		    DISCOVERY_SAVE_SECONDS);
	ts.tv_sec = wake_at;
	if (!d->reconfigure && atomic_load(&d->stop) == 0)
		(void)pthread_cond_timedwait(&d->wake, &d->lock, &ts);
}

static void *
run(void *arg)
{
	struct discovery *d = arg;
	struct entry *e;
	time_t	now, wake_at;

	pthread_mutex_lock(&d->lock);
	while (atomic_load(&d->stop) == 0) {
		if (d->reconfigure)
			take_configuration(d);
		now = time(NULL);
		evict(d);
		e = d->res != NULL ? next_due(d, now, &wake_at) : NULL;
		if (d->res == NULL)
			wake_at = now + DISCOVERY_MAX_WAIT;
		note_dropped(d);
		pthread_mutex_unlock(&d->lock);
		if (e != NULL)
			check_domain(d, e, now);
		flush(d, time(NULL), e == NULL);
		pthread_mutex_lock(&d->lock);
		if (e == NULL)
			wait_until(d, wake_at);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* --- life cycle -------------------------------------------------------- */

struct discovery *
discovery_new(struct store *st, discovery_log_fn *log, void *arg)
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
	d->store = st;
	d->log.fn = log;
	d->log.arg = arg;
	d->seed = (unsigned)time(NULL);
	atomic_init(&d->stop, 0);
	return d;
}

static void
state_warning(void *arg, const char *message)
{
	struct discovery *d = arg;

	d->log.fn(d->log.arg, LOG_WARNING, message);
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
	return 0;
}

int
discovery_start(struct discovery *d)
{
	size_t	n;
	sigset_t all, old;

	pthread_mutex_lock(&d->lock);
	if (d->conf == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	take_configuration(d);
	n = d->tconf->state_dir[0] != '\0' ? statefile_load(d->tconf->state_dir,
	    time(NULL), restore, d, state_warning, d) : 0;
	apply_domains(d, d->tconf, time(NULL));
	pthread_mutex_unlock(&d->lock);
	if (n > 0)
		log_sink_printf(&d->log, LOG_INFO, "policy discovery: %zu domain(s) restored "
		    "from %s/%s", n, d->tconf->state_dir, STATEFILE_NAME);
	publish(d, time(NULL));
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	d->started = pthread_create(&d->thread, NULL, run, d) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return d->started ? 0 : -1;
}

void
discovery_free(struct discovery *d)
{
	if (d == NULL)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->lock);
		atomic_store(&d->stop, 1);
		pthread_cond_signal(&d->wake);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->thread, NULL);
		if (d->state_dirty)
			save(d, time(NULL));
	}
	while (domtable_count(d->table) > 0)
		entry_free(domtable_remove(d->table,
		    domtable_count(d->table) - 1));
	domtable_free(d->table);
	resolver_free(d->res);
	free(d->res_servers);
	if (d->tconf != NULL)
		conf_unref(d->tconf);
	if (d->conf != NULL)
		conf_unref(d->conf);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->wake);
	free(d);
}
