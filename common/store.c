/*
 * store.c - immutable policy snapshots, swapped atomically.
 *
 * Readers (milter callbacks) only ever hold a reference to a snapshot that
 * nobody modifies; writers build a complete new snapshot and swap the
 * pointer under a mutex held for a few instructions. So a reload or a
 * background refresh never makes a callback wait for I/O, and a callback
 * never sees half an update.
 *
 * The re-check thread judges certificates again when their file changes
 * (a renewed certificate shows up without a reload) and judges MX names
 * that the callbacks met in traffic but the configuration did not name.
 * Discovery hands over what it learnt about recipient domains, and the MX
 * probe what the MX names really serve; the store keeps a copy of both so
 * that every rebuild (reload, re-check) carries them over.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "certhealth.h"
#include "msg.h"
#include "mxmatch.h"
#include "store.h"

struct store {
	pthread_mutex_t	 lock;		/* current, wanted: held briefly */
	pthread_mutex_t	 build_lock;	/* one snapshot builder at a time */
	pthread_cond_t	 wake;
	struct store_snapshot *current;
	struct store_domain *discovered;	/* sorted by domain */
	size_t		 discovered_count;
	struct store_probe *probed;	/* sorted by name */
	size_t		 probed_count;
	char		*wanted[STORE_LEARNED_MX_MAX];
	size_t		 wanted_count;
	size_t		 learned_count;	/* names ever asked for */
	int		 stop;
	int		 started;
	pthread_t	 thread;
};

/* A snapshot under construction; arrays grow as entries are added. */
struct builder {
	struct store_snapshot *snap;
	size_t		 domain_cap;
	size_t		 mx_cap;
	int		 failed;
};

static void
domain_clear(struct store_domain *d)
{
	free(d->domain);
	free(d->id);
	if (d->has_policy)
		policy_free(&d->policy);
	if (d->published != NULL) {
		domain_clear(d->published);
		free(d->published);
	}
	memset(d, 0, sizeof(*d));
}

static void
domains_free(struct store_domain *d, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		domain_clear(&d[i]);
	free(d);
}

static int
domain_copy(struct store_domain *d, const struct store_domain *src)
{
	memset(d, 0, sizeof(*d));
	d->source = src->source;
	d->error_reasons = src->error_reasons;
	d->pending = src->pending;
	d->body_changed = src->body_changed;
	d->lenient = src->lenient;
	if ((d->domain = strdup(src->domain)) == NULL ||
	    (src->id != NULL && (d->id = strdup(src->id)) == NULL))
		goto fail;
	if (src->has_policy) {
		if (policy_copy(&d->policy, &src->policy) == -1)
			goto fail;
		d->has_policy = 1;
	}
	if (src->published != NULL) {
		if ((d->published = malloc(sizeof(*d->published))) == NULL)
			goto fail;
		if (domain_copy(d->published, src->published) == -1) {
			free(d->published);
			d->published = NULL;
			goto fail;
		}
	}
	return 0;
fail:
	domain_clear(d);
	return -1;
}

static void
snapshot_free(struct store_snapshot *s)
{
	size_t	i;

	domains_free(s->domains, s->domain_count);
	for (i = 0; i < s->mx_count; i++) {
		free(s->mx[i].name);
		free(s->mx[i].cert_file);
		certhealth_names_free(s->mx[i].cert_names,
		    s->mx[i].cert_name_count);
	}
	free(s->mx);
	conf_unref(s->conf);
	free(s);
}

static int
builder_init(struct builder *b, struct conf *conf)
{
	memset(b, 0, sizeof(*b));
	if ((b->snap = calloc(1, sizeof(*b->snap))) == NULL)
		return -1;
	atomic_init(&b->snap->refs, 1);
	b->snap->conf = conf_ref(conf);
	return 0;
}

static void *
grow(void *array, size_t *cap, size_t need, size_t elem)
{
	void	*p;
	size_t	 ncap;

	if (need <= *cap)
		return array;
	ncap = *cap == 0 ? 8 : *cap * 2;
	if ((p = realloc(array, ncap * elem)) == NULL)
		return NULL;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*cap = ncap;
	return p;
}

static void
builder_add_domain(struct builder *b, const struct store_domain *src)
{
	struct store_snapshot *s = b->snap;
	struct store_domain *d, *arr;

	arr = grow(s->domains, &b->domain_cap, s->domain_count + 1, sizeof(*arr));
	if (arr == NULL) {
		b->failed = 1;
		return;
	}
	s->domains = arr;
	d = &arr[s->domain_count];
	if (domain_copy(d, src) == -1) {
		b->failed = 1;
		return;
	}
	s->domain_count++;
}

static struct store_mx *
builder_find_mx(struct builder *b, const char *name)
{
	size_t	i;

	for (i = 0; i < b->snap->mx_count; i++)
		if (strcmp(b->snap->mx[i].name, name) == 0)
			return &b->snap->mx[i];
	return NULL;
}

/*
 * Add an entry whose certificate is still to be judged (or copied). It is
 * added without a cert_file too: the probe may judge it.
 */
static struct store_mx *
builder_add_mx(struct builder *b, const char *name, const char *cert_file)
{
	struct store_snapshot *s = b->snap;
	struct store_mx *m, *arr;

	if (name[0] == '\0' || builder_find_mx(b, name) != NULL)
		return NULL;
	arr = grow(s->mx, &b->mx_cap, s->mx_count + 1, sizeof(*arr));
	if (arr == NULL) {
		b->failed = 1;
		return NULL;
	}
	s->mx = arr;
	m = &arr[s->mx_count];
	m->name = strdup(name);
	m->cert_file = strdup(cert_file);
	if (m->name == NULL || m->cert_file == NULL) {
		free(m->name);
		free(m->cert_file);
		b->failed = 1;
		return NULL;
	}
	s->mx_count++;
	return m;
}

static time_t
file_mtime(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mtime : 0;
}

static void
judge_mx(struct store_mx *m, const char *ca_file)
{
	struct certhealth_result res;

	memset(&res, 0, sizeof(res));
	memset(&m->file_health, 0, sizeof(m->file_health));
	m->file_not_after = 0;
	certhealth_names_free(m->cert_names, m->cert_name_count);
	m->cert_names = NULL;
	m->cert_name_count = 0;
	if (m->cert_file[0] == '\0')
		return;
	m->cert_mtime = file_mtime(m->cert_file);
	if (m->configured)
		m->cert_names = certhealth_leaf_names(m->cert_file,
		    STORE_CERT_NAMES_MAX, &m->cert_name_count);
	if (certhealth_check_file(m->cert_file, ca_file, m->name, time(NULL),
	    &res) == -1) {
		msg_warn("tls_cert_file \"%s\" for MX %s: %s; certificate "
		    "reasons will not be reported for it", m->cert_file,
		    m->name, res.error);
		return;
	}
	m->file_health = res.health;
	m->file_not_after = res.not_after;
	if (res.health.expired || res.health.host_mismatch ||
	    res.health.not_trusted) {
		msg_warn("tls_cert_file \"%s\" for MX %s: a sender would "
		    "reject it: %s", m->cert_file, m->name, res.detail);
	}
}

static int
cmp_domain(const void *a, const void *b)
{
	return strcmp(((const struct store_domain *)a)->domain,
	    ((const struct store_domain *)b)->domain);
}

static int
cmp_mx(const void *a, const void *b)
{
	return strcmp(((const struct store_mx *)a)->name,
	    ((const struct store_mx *)b)->name);
}

static int
cmp_probe(const void *a, const void *b)
{
	return strcmp(((const struct store_probe *)a)->name,
	    ((const struct store_probe *)b)->name);
}

/* Settle what verdict uses: the probe's judgement, else the file's. */
static void
apply_probe(const struct store *st, struct store_mx *m)
{
	const struct store_probe *p = NULL;
	struct store_probe key;

	if (st->probed_count > 0 &&
	    strlen(m->name) < sizeof(key.name)) {
		strcpy(key.name, m->name);
		p = bsearch(&key, st->probed, st->probed_count,
		    sizeof(key), cmp_probe);
	}
	m->probed = p != NULL;
	if (p != NULL) {
		m->probe_health = p->health;
		m->probe_not_after = p->not_after;
		m->health = p->health;
		m->not_after = p->not_after;
	} else {
		memset(&m->probe_health, 0, sizeof(m->probe_health));
		m->probe_not_after = 0;
		m->health = m->file_health;
		m->not_after = m->file_not_after;
	}
}

static struct store_snapshot *
builder_finish(const struct store *st, struct builder *b)
{
	struct store_snapshot *s = b->snap;
	size_t	i;

	if (b->failed) {
		snapshot_free(s);
		return NULL;
	}
	for (i = 0; i < s->mx_count; i++)
		apply_probe(st, &s->mx[i]);
	/* qsort's array may not be NULL, even for zero elements. */
	if (s->domain_count > 1)
		qsort(s->domains, s->domain_count, sizeof(*s->domains),
		    cmp_domain);
	if (s->mx_count > 1)
		qsort(s->mx, s->mx_count, sizeof(*s->mx), cmp_mx);
	return s;
}

static void
add_config_mx(struct builder *b, const struct conf *c)
{
	const struct conf_listener *l;
	struct store_mx *m;
	size_t	i;

	if ((m = builder_add_mx(b, c->mx_name, c->tls_cert_file)) != NULL) {
		m->configured = 1;
		judge_mx(m, c->ca_file);
	}
	for (i = 0; i < c->listener_count; i++) {
		l = &c->listeners[i];
		m = builder_add_mx(b, l->mx_name[0] != '\0' ? l->mx_name :
		    c->mx_name, l->tls_cert_file[0] != '\0' ? l->tls_cert_file :
		    c->tls_cert_file);
		if (m != NULL) {
			m->configured = 1;
			judge_mx(m, c->ca_file);
		}
	}
}

static const struct store_domain *
find_discovered(const struct store *st, const char *domain)
{
	struct store_domain key = { .domain = (char *)domain };

	if (st->discovered_count == 0)
		return NULL;
	return bsearch(&key, st->discovered, st->discovered_count,
	    sizeof(key), cmp_domain);
}

static int
is_draft(const struct conf *c, const char *domain)
{
	size_t	i;

	for (i = 0; i < c->draft_count; i++)
		if (strcmp(c->drafts[i].domain, domain) == 0)
			return 1;
	return 0;
}

/* Drafts win; a discovered view of a draft domain rides along with it. */
static void
add_domains(struct store *st, struct builder *b, const struct conf *c)
{
	struct store_domain d;
	size_t	i;

	for (i = 0; i < c->draft_count; i++) {
		memset(&d, 0, sizeof(d));
		d.domain = c->drafts[i].domain;
		d.id = c->drafts[i].id;
		d.source = POLICY_SOURCE_DRAFT;
		d.policy = c->drafts[i].policy;
		d.has_policy = 1;
		d.published = (struct store_domain *)find_discovered(st,
		    d.domain);
		builder_add_domain(b, &d);
	}
	for (i = 0; i < st->discovered_count; i++)
		if (!is_draft(c, st->discovered[i].domain))
			builder_add_domain(b, &st->discovered[i]);
}

struct store *
store_new(void)
{
	struct store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->build_lock, NULL);
	pthread_cond_init(&st->wake, NULL);
	return st;
}

void
store_publish(struct store *st, struct store_snapshot *snap)
{
	struct store_snapshot *old;

	pthread_mutex_lock(&st->lock);
	old = st->current;
	st->current = snap;
	pthread_mutex_unlock(&st->lock);
	if (old != NULL)
		store_release(old);
}

int
store_load(struct store *st, struct conf *conf)
{
	struct builder b;
	struct store_snapshot *snap;

	pthread_mutex_lock(&st->build_lock);
	if (builder_init(&b, conf) == -1) {
		pthread_mutex_unlock(&st->build_lock);
		return -1;
	}
	add_domains(st, &b, conf);
	add_config_mx(&b, conf);
	if ((snap = builder_finish(st, &b)) == NULL) {
		pthread_mutex_unlock(&st->build_lock);
		return -1;
	}
	/*
	 * Names learned under the old configuration may return; the queue
	 * keeps its own bound (wanted_count), which this does not touch.
	 */
	pthread_mutex_lock(&st->lock);
	st->learned_count = 0;
	pthread_mutex_unlock(&st->lock);
	store_publish(st, snap);
	pthread_mutex_unlock(&st->build_lock);
	return 0;
}

/* Copy old's judgement into m; -1 when out of memory. */
static int
mx_copy_judgement(struct store_mx *m, const struct store_mx *old)
{
	size_t	i;

	m->configured = old->configured;
	m->cert_mtime = old->cert_mtime;
	m->file_health = old->file_health;
	m->file_not_after = old->file_not_after;
	if (old->cert_name_count == 0)
		return 0;
	if ((m->cert_names = calloc(old->cert_name_count,
	    sizeof(*m->cert_names))) == NULL)
		return -1;
	for (i = 0; i < old->cert_name_count; i++) {
		if ((m->cert_names[i] = strdup(old->cert_names[i])) == NULL)
			return -1;
		m->cert_name_count++;
	}
	return 0;
}

/* Carry cur's MX entries over as they were judged. */
static void
builder_copy_mx(struct builder *b, const struct store_snapshot *cur)
{
	struct store_mx *m;
	size_t	i;

	for (i = 0; i < cur->mx_count; i++)
		if ((m = builder_add_mx(b, cur->mx[i].name,
		    cur->mx[i].cert_file)) != NULL &&
		    mx_copy_judgement(m, &cur->mx[i]) == -1)
			b->failed = 1;
}

/* The new discovered list, sorted, or NULL when out of memory. */
static struct store_domain *
discovered_copy(const struct store_domain *src, size_t n)
{
	struct store_domain *d;
	size_t	i;

	if ((d = calloc(n > 0 ? n : 1, sizeof(*d))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (domain_copy(&d[i], &src[i]) == -1) {
			domains_free(d, i);
			return NULL;
		}
	}
	qsort(d, n, sizeof(*d), cmp_domain);
	return d;
}

int
store_set_discovered(struct store *st, const struct store_domain *src,
    size_t n)
{
	struct store_snapshot *cur, *snap;
	struct store_domain *list;
	struct builder b;

	if ((list = discovered_copy(src, n)) == NULL)
		return -1;
	pthread_mutex_lock(&st->build_lock);
	domains_free(st->discovered, st->discovered_count);
	st->discovered = list;
	st->discovered_count = n;
	if ((cur = store_acquire(st)) == NULL ||
	    builder_init(&b, cur->conf) == -1) {
		store_release(cur);
		pthread_mutex_unlock(&st->build_lock);
		return cur == NULL ? 0 : -1;
	}
	add_domains(st, &b, cur->conf);
	builder_copy_mx(&b, cur);
	store_release(cur);
	if ((snap = builder_finish(st, &b)) != NULL)
		store_publish(st, snap);
	pthread_mutex_unlock(&st->build_lock);
	return snap != NULL ? 0 : -1;
}

/* A copy of the current snapshot with every MX judgement carried over. */
static struct store_snapshot *
copy_current(struct store *st)
{
	struct store_snapshot *cur;
	struct builder b;
	size_t	i;

	if ((cur = store_acquire(st)) == NULL)
		return NULL;
	if (builder_init(&b, cur->conf) == -1) {
		store_release(cur);
		return NULL;
	}
	for (i = 0; i < cur->domain_count; i++)
		builder_add_domain(&b, &cur->domains[i]);
	builder_copy_mx(&b, cur);
	store_release(cur);
	return builder_finish(st, &b);
}

int
store_set_probed(struct store *st, const struct store_probe *src, size_t n)
{
	struct store_snapshot *snap;
	struct store_probe *list;

	if ((list = calloc(n > 0 ? n : 1, sizeof(*list))) == NULL)
		return -1;
	if (n > 0) {
		memcpy(list, src, n * sizeof(*list));
		qsort(list, n, sizeof(*list), cmp_probe);
	}
	pthread_mutex_lock(&st->build_lock);
	free(st->probed);
	st->probed = list;
	st->probed_count = n;
	if ((snap = copy_current(st)) != NULL)
		store_publish(st, snap);
	pthread_mutex_unlock(&st->build_lock);
	return 0;
}

struct store_snapshot *
store_acquire(struct store *st)
{
	struct store_snapshot *s;

	pthread_mutex_lock(&st->lock);
	s = st->current;
	if (s != NULL)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&st->lock);
	return s;
}

void
store_release(struct store_snapshot *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
		snapshot_free(s);
}

const struct store_domain *
snapshot_domain(const struct store_snapshot *s, const char *domain)
{
	struct store_domain key = { .domain = (char *)domain };

	if (s == NULL || s->domain_count == 0)
		return NULL;
	return bsearch(&key, s->domains, s->domain_count, sizeof(key),
	    cmp_domain);
}

const struct store_mx *
snapshot_mx(const struct store_snapshot *s, const char *name)
{
	struct store_mx key = { .name = (char *)name };

	if (s == NULL || s->mx_count == 0 || name == NULL)
		return NULL;
	return bsearch(&key, s->mx, s->mx_count, sizeof(key), cmp_mx);
}

int
snapshot_covers(const struct store_snapshot *s, const char *name)
{
	const struct store_mx *m;
	size_t	i, j;

	for (i = 0; s != NULL && i < s->mx_count; i++) {
		m = &s->mx[i];
		for (j = 0; m->configured && j < m->cert_name_count; j++)
			if (mx_match(m->cert_names[j], name))
				return 1;
	}
	return 0;
}

void
store_want_mx(struct store *st, const char *name,
    enum store_name_origin origin)
{
	struct store_snapshot *s;
	size_t	i;
	int	ours;

	if (name == NULL || name[0] == '\0')
		return;
	/* The coverage scan reads only the snapshot: outside the lock. */
	if ((s = store_acquire(st)) == NULL)
		return;
	ours = origin != STORE_NAME_CLIENT || snapshot_covers(s, name);
	if (!ours || (s->conf->tls_cert_file[0] == '\0' &&
	    s->conf->probe_interval == 0) || snapshot_mx(s, name) != NULL) {
		store_release(s);
		return;
	}
	store_release(s);
	pthread_mutex_lock(&st->lock);
	if (st->learned_count >= STORE_LEARNED_MX_MAX ||
	    st->wanted_count >= STORE_LEARNED_MX_MAX)
		goto out;
	for (i = 0; i < st->wanted_count; i++)
		if (strcmp(st->wanted[i], name) == 0)
			goto out;
	if ((st->wanted[st->wanted_count] = strdup(name)) == NULL)
		goto out;
	st->wanted_count++;
	st->learned_count++;
	pthread_cond_signal(&st->wake);
out:
	pthread_mutex_unlock(&st->lock);
}

/*
 * Copy the current snapshot, judging again every certificate whose file
 * changed and adding the wanted names. Returns NULL when nothing changed.
 */
static struct store_snapshot *
rebuild(struct store *st, struct store_snapshot *cur, char **wanted,
    size_t nwanted)
{
	struct builder b;
	struct store_mx *m;
	const struct store_mx *old;
	size_t	i;
	int	changed = nwanted > 0;

	if (builder_init(&b, cur->conf) == -1)
		return NULL;
	for (i = 0; i < cur->domain_count; i++)
		builder_add_domain(&b, &cur->domains[i]);
	for (i = 0; i < cur->mx_count; i++) {
		old = &cur->mx[i];
		if ((m = builder_add_mx(&b, old->name, old->cert_file)) == NULL)
			continue;
		if (file_mtime(old->cert_file) != old->cert_mtime) {
			m->configured = old->configured;
			judge_mx(m, cur->conf->ca_file);
			changed = 1;
		} else if (mx_copy_judgement(m, old) == -1)
			b.failed = 1;
	}
	for (i = 0; i < nwanted; i++)
		if ((m = builder_add_mx(&b, wanted[i],
		    cur->conf->tls_cert_file)) != NULL)
			judge_mx(m, cur->conf->ca_file);
	if (!changed)
		b.failed = 1;
	return builder_finish(st, &b);
}

static void
recheck_once(struct store *st, char **wanted, size_t nwanted)
{
	struct store_snapshot *cur, *next;

	pthread_mutex_lock(&st->build_lock);
	if ((cur = store_acquire(st)) != NULL &&
	    (next = rebuild(st, cur, wanted, nwanted)) != NULL)
		store_publish(st, next);
	store_release(cur);
	pthread_mutex_unlock(&st->build_lock);
}

static void *
recheck_thread(void *arg)
{
	struct store *st = arg;
	char	*wanted[STORE_LEARNED_MX_MAX];
	size_t	 nwanted, i;
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += STORE_RECHECK_SECONDS;
	pthread_mutex_lock(&st->lock);
	while (!st->stop) {
		if (st->wanted_count == 0 &&
		    pthread_cond_timedwait(&st->wake, &st->lock, &deadline) !=
		    ETIMEDOUT)
			continue;
		nwanted = st->wanted_count;
		memcpy(wanted, st->wanted, nwanted * sizeof(wanted[0]));
		st->wanted_count = 0;
		pthread_mutex_unlock(&st->lock);
		if (nwanted == 0) {
			clock_gettime(CLOCK_REALTIME, &deadline);
			deadline.tv_sec += STORE_RECHECK_SECONDS;
		}
		recheck_once(st, wanted, nwanted);
		for (i = 0; i < nwanted; i++)
			free(wanted[i]);
		pthread_mutex_lock(&st->lock);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

int
store_start(struct store *st)
{
	if (pthread_create(&st->thread, NULL, recheck_thread, st) != 0)
		return -1;
	st->started = 1;
	return 0;
}

void
store_free(struct store *st)
{
	size_t	i;

	if (st == NULL)
		return;
	if (st->started) {
		pthread_mutex_lock(&st->lock);
		st->stop = 1;
		pthread_cond_signal(&st->wake);
		pthread_mutex_unlock(&st->lock);
		pthread_join(st->thread, NULL);
	}
	for (i = 0; i < st->wanted_count; i++)
		free(st->wanted[i]);
	if (st->current != NULL)
		store_release(st->current);
	domains_free(st->discovered, st->discovered_count);
	free(st->probed);
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->build_lock);
	pthread_cond_destroy(&st->wake);
	free(st);
}
