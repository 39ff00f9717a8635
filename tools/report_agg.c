/*
 * report_agg.c - aggregation of decoded log records for mtasts-report
 * (see report_agg.h), and the derived figures every output format shares:
 * shares, the window length, the readiness verdict, sender labels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regdomain.h"
#include "report_agg.h"
#include "utctime.h"

#define KEY_SEP	'\x1f'	/* cannot occur: record text is printable */

void
agg_init(struct agg *a)
{
	memset(a, 0, sizeof(*a));
	strmap_init(&a->doms);
	strmap_init(&a->ptr_orgs);
	strmap_init(&a->senders);
	strmap_init(&a->seen_from);
	arena_init(&a->keys);
}

void
agg_org_free(void *p)
{
	struct org *o = p;

	if (o == NULL)
		return;
	strlist_free(&o->ips);
	strlist_free(&o->helos);
	strlist_free(&o->tls);
	free(o);
}

void
agg_detail_free(void *p)
{
	struct rpt_detail *d = p;

	free(d->ip);
	free(d->mx);
	free(d->code);
	free(d);
}

void
agg_rpt_free(void *p)
{
	struct rpt_policy *rp = p;

	free(rp->mode);
	free(rp->id);
	strmap_free(&rp->details, agg_detail_free);
	free(rp);
}

void
agg_dom_free(void *p)
{
	struct dom_stat *d = p;

	free(d->name);
	idmap_free(&d->orgs, agg_org_free);
	strmap_free(&d->rpt, agg_rpt_free);
	free(d->days);
	free(d);
}

void
agg_free(struct agg *a)
{
	strmap_free(&a->doms, agg_dom_free);
	strmap_free(&a->ptr_orgs, free);
	strmap_free(&a->senders, NULL);
	strmap_free(&a->seen_from, NULL);
	free(a->sender_key);
	a->sender_key = NULL;
	a->nsenders = a->senders_cap = 0;
	arena_free(&a->keys);
	for (size_t i = 0; i < AGG_EXAMPLES; i++) {
		free(a->examples[i].file);
		free(a->examples[i].why);
	}
	for (size_t i = 0; i < a->nfilter; i++)
		free(a->filter[i]);
	for (size_t i = 0; i < AGG_EXAMPLES; i++)
		free(a->faults[i]);
}

void
agg_unreadable(struct agg *a, const char *why)
{
	if (a->unreadable < AGG_EXAMPLES &&
	    (a->faults[a->unreadable] = strdup(why)) == NULL)
		a->nomem = 1;
	a->unreadable++;
}

void
agg_malformed(struct agg *a, const char *file, unsigned long line,
    const char *why)
{
	struct malformed *m;

	if (a->malformed < AGG_EXAMPLES) {
		m = &a->examples[a->malformed];
		m->file = strdup(file);
		m->line = line;
		m->why = strdup(why);
		if (m->file == NULL || m->why == NULL)
			a->nomem = 1;
	}
	a->malformed++;
}

/*
 * The registered domain by the Public Suffix List (regdomain.h); a name
 * that has none (a bare suffix, a single label) stands for itself.
 */
void
agg_registered_domain(const char *ptr, char *out, size_t size)
{
	size_t len = strlen(ptr);

	if (regdomain_of(ptr, out, size) == 0)
		return;
	while (len > 0 && ptr[len - 1] == '.')
		len--;
	snprintf(out, size, "%.*s", (int)len, ptr);
}

/*
 * agg_registered_domain through a cache: the Public Suffix List lookup
 * was a quarter of the report's time, and logs repeat their PTR names.
 * Past AGG_PTR_CACHE names the rest are looked up every time.
 */
static void
ptr_org_of(struct agg *a, const char *ptr, char *out, size_t size)
{
	size_t len = strlen(ptr);
	const char *hit;
	void **slot;

	if ((hit = strmap_get(&a->ptr_orgs, ptr, len)) != NULL) {
		snprintf(out, size, "%s", hit);
		return;
	}
	agg_registered_domain(ptr, out, size);
	if (a->ptr_orgs.count < AGG_PTR_CACHE &&
	    (slot = strmap_slot(&a->ptr_orgs, ptr, len)) != NULL &&
	    *slot == NULL)
		*slot = strdup(out);
}

static int
domain_wanted(const struct agg *a, const char *name)
{
	if (a->nfilter == 0)
		return 1;
	for (size_t i = 0; i < a->nfilter; i++) {
		if (strcmp(a->filter[i], name) == 0)
			return 1;
	}
	return 0;
}

static struct dom_stat *
dom_get(struct agg *a, const char *name)
{
	void **slot;
	struct dom_stat *d;

	if ((slot = strmap_slot(&a->doms, name, strlen(name))) == NULL)
		return NULL;
	if (*slot != NULL)
		return *slot;
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->name = strdup(name)) == NULL) {
		free(d);
		return NULL;
	}
	idmap_init(&d->orgs);
	strmap_init(&d->rpt);
	*slot = d;
	return d;
}

/* The day's entry, inserted in order when new; logs are mostly in order. */
static struct day_stat *
day_get(struct dom_stat *d, long long day)
{
	size_t lo = 0, hi = d->ndays, mid;
	struct day_stat *v;

	if (d->ndays > 0 && d->days[d->ndays - 1].day == day)
		return &d->days[d->ndays - 1];
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (d->days[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->ndays && d->days[lo].day == day)
		return &d->days[lo];
	if (d->ndays == d->days_cap) {
		v = realloc(d->days, (d->days_cap * 2 + 16) * sizeof(*v));
		if (v == NULL)
			return NULL;
		d->days = v;
		d->days_cap = d->days_cap * 2 + 16;
	}
	memmove(&d->days[lo + 1], &d->days[lo],
	    (d->ndays - lo) * sizeof(*d->days));
	memset(&d->days[lo], 0, sizeof(*d->days));
	d->days[lo].day = day;
	d->ndays++;
	return &d->days[lo];
}

uint32_t
agg_sender_add(struct agg *a, const char *key, size_t len)
{
	const char **v;
	void *id;

	if ((id = strmap_get(&a->senders, key, len)) != NULL)
		return (uint32_t)(uintptr_t)id;
	if (a->nsenders >= UINT32_MAX - 1)
		return 0;
	if (a->nsenders == a->senders_cap) {
		if ((v = realloc(a->sender_key, (a->senders_cap * 2 + 1024) *
		    sizeof(*v))) == NULL)
			return 0;
		a->sender_key = v;
		a->senders_cap = a->senders_cap * 2 + 1024;
	}
	if (strmap_add(&a->senders, key, len,
	    (void *)(uintptr_t)(a->nsenders + 1)) == -1)
		return 0;
	a->sender_key[a->nsenders++] = key;
	return (uint32_t)a->nsenders;
}

/*
 * The organisation's id; its key is mail_from '\0' ptr_org (see
 * agg_failing). 0 when memory runs out.
 */
static uint32_t
sender_id(struct agg *a, const struct rec *r)
{
	char raw[REC_NAME_MAX * 2 + 2], key[REC_NAME_MAX * 2 + 2], *copy;
	size_t fl = strlen(r->mail_from) + 1, rawlen, keylen;
	uint32_t id;
	void *hit, **slot;

	memcpy(raw, r->mail_from, fl);
	rawlen = fl + strlen(r->ptr);
	memcpy(raw + fl, r->ptr, rawlen - fl);
	if ((hit = strmap_get(&a->seen_from, raw, rawlen)) != NULL)
		return (uint32_t)(uintptr_t)hit;
	memcpy(key, r->mail_from, fl);
	ptr_org_of(a, r->ptr, key + fl, sizeof(key) - fl);
	keylen = fl + strlen(key + fl);
	if ((hit = strmap_get(&a->senders, key, keylen)) != NULL)
		id = (uint32_t)(uintptr_t)hit;
	else if ((copy = arena_alloc(&a->keys, keylen + 1)) == NULL)
		return 0;
	else {
		memcpy(copy, key, keylen);
		if ((id = agg_sender_add(a, copy, keylen)) == 0)
			return 0;
	}
	if (a->seen_from.count < AGG_SEEN_CACHE &&
	    (slot = strmap_slot(&a->seen_from, raw, rawlen)) != NULL)
		*slot = (void *)(uintptr_t)id;
	return id;
}

static int
org_fail(struct agg *a, struct idmap_slot *t, const struct rec *r,
    const struct rec_domain *e)
{
	const char *key;
	struct org *o;

	if ((o = t->value) == NULL) {
		if ((o = t->value = calloc(1, sizeof(*o))) == NULL)
			return -1;
		key = a->sender_key[t->key - 1];
		o->mail_from = key;
		o->ptr_org = key + strlen(key) + 1;
	}
	if (o->wf_msgs + o->wf_sessions == 0 || r->ts < o->first)
		o->first = r->ts;
	if (r->ts > o->last)
		o->last = r->ts;
	o->reasons |= e->reasons;
	o->wf_sessions++;
	if (r->event == REC_MESSAGE)
		o->wf_msgs++;
	if (strlist_add(&o->ips, r->ip, AGG_LIST_CAP) == -1 ||
	    strlist_add(&o->helos, r->helo, AGG_LIST_CAP) == -1 ||
	    strlist_add(&o->tls, r->tls ? r->tls_version : "none",
	    AGG_LIST_CAP) == -1)
		return -1;
	return 0;
}

static struct rpt_policy *
rpt_get(struct dom_stat *d, long long day, const struct rec_domain *e)
{
	char key[REC_SHORT_MAX * 2 + 48];
	int has = e->result != VERDICT_NO_POLICY;
	struct rpt_policy *rp;
	void **slot;
	int n;

	n = snprintf(key, sizeof(key), "%lld%c%d%c%s%c%s", day, KEY_SEP, has,
	    KEY_SEP, e->mode, KEY_SEP, e->id);
	if ((slot = strmap_slot(&d->rpt, key, (size_t)n)) == NULL)
		return NULL;
	if (*slot != NULL)
		return *slot;
	if ((rp = calloc(1, sizeof(*rp))) == NULL)
		return NULL;
	rp->day = day;
	rp->has_policy = has;
	rp->mode = strdup(e->mode);
	rp->id = strdup(e->id);
	strmap_init(&rp->details);
	if (rp->mode == NULL || rp->id == NULL) {
		agg_rpt_free(rp);
		return NULL;
	}
	*slot = rp;
	return rp;
}

/* RFC 8460 4.3 result-type (and reason code) for one reason bit. */
static const char *
rpt_type(unsigned bit, const struct rec *r, char *code, size_t size)
{
	code[0] = '\0';
	switch (bit) {
	case REASON_TLS_VERSION:
		snprintf(code, size, "tls-version: %s is below TLS 1.2",
		    r->tls_version);
		return "validation-failure";
	case REASON_MX_MISMATCH:
		snprintf(code, size, "mx-mismatch: %s matches no mx pattern",
		    r->mx);
		return "validation-failure";
	case REC_REASON_OTHER:
		snprintf(code, size, "unrecognised reason in the log");
		return "validation-failure";
	default:
		return rec_reason_name(bit);
	}
}

static int
rpt_detail_add(struct rpt_policy *rp, const struct rec *r, unsigned bit)
{
	char code[REC_NAME_MAX + 64], key[sizeof(code) + REC_NAME_MAX * 2];
	const char *type = rpt_type(bit, r, code, sizeof(code));
	struct rpt_detail *dt;
	void **slot;
	int n;

	n = snprintf(key, sizeof(key), "%s%c%s%c%s%c%s", type, KEY_SEP, r->ip,
	    KEY_SEP, r->mx, KEY_SEP, code);
	if (n < 0 || (size_t)n >= sizeof(key))
		n = (int)sizeof(key) - 1;
	if ((slot = strmap_slot(&rp->details, key, (size_t)n)) == NULL)
		return -1;
	if ((dt = *slot) == NULL) {
		if ((dt = calloc(1, sizeof(*dt))) == NULL)
			return -1;
		*slot = dt;
		dt->result_type = type;
		dt->ip = strdup(r->ip);
		dt->mx = strdup(r->mx);
		dt->code = code[0] != '\0' ? strdup(code) : NULL;
		if (dt->ip == NULL || dt->mx == NULL ||
		    (code[0] != '\0' && dt->code == NULL))
			return -1;
	}
	dt->count++;
	return 0;
}

/* One session's contribution to the day's TLS-RPT report. */
static int
rpt_add(struct dom_stat *d, long long day, const struct rec *r,
    const struct rec_domain *e)
{
	struct rpt_policy *rp;

	/* Not judged yet: a sender would have had nothing to report either. */
	if (e->result == VERDICT_PENDING)
		return 0;
	if ((rp = rpt_get(d, day, e)) == NULL)
		return -1;
	if (e->result == VERDICT_PASS || e->result == VERDICT_NO_POLICY) {
		rp->ok++;
		return 0;
	}
	rp->failed++;
	for (unsigned i = 0; i < REC_REASONS; i++) {
		if ((e->reasons & (1u << i)) &&
		    rpt_detail_add(rp, r, 1u << i) == -1)
			return -1;
	}
	return 0;
}

static void
note_policy(struct dom_stat *d, const struct rec *r,
    const struct rec_domain *e)
{
	if (!e->has_policy || r->ts < d->policy_ts)
		return;
	d->policy_seen = 1;
	d->policy_ts = r->ts;
	memcpy(d->mode, e->mode, sizeof(d->mode));
	memcpy(d->id, e->id, sizeof(d->id));
	memcpy(d->source, e->source, sizeof(d->source));
}

static int
account(struct agg *a, struct dom_stat *d, const struct rec *r,
    const struct rec_domain *e, uint32_t id)
{
	long long day = utctime_day(r->ts);
	struct day_stat *ds;
	struct idmap_slot *o;

	if ((ds = day_get(d, day)) == NULL ||
	    (o = idmap_slot(&d->orgs, id)) == NULL)
		return -1;
	d->sessions[e->result]++;
	ds->sessions[e->result]++;
	o->n[TALLY_SESSIONS]++;
	if (r->event == REC_MESSAGE) {
		d->msgs[e->result]++;
		ds->msgs[e->result]++;
		d->rcpts += e->rcpts;
		o->n[TALLY_MSGS]++;
		for (unsigned i = 0; i < REC_REASONS; i++) {
			d->reason_msgs[i] += (e->reasons >> i) & 1;
			ds->reason_msgs[i] += (e->reasons >> i) & 1;
		}
	}
	note_policy(d, r, e);
	if (e->result == VERDICT_WOULD_FAIL && org_fail(a, o, r, e) == -1)
		return -1;
	return a->want_rpt ? rpt_add(d, day, r, e) : 0;
}

int
agg_add(struct agg *a, const struct rec *r)
{
	struct dom_stat *d;
	uint32_t id = 0;

	a->records++;
	if ((a->has_since && r->ts < a->since) ||
	    (a->has_until && r->ts >= a->until)) {
		a->outside++;
		return 0;
	}
	if (r->event == REC_OTHER) {
		a->ignored++;
		return 0;
	}
	if (!a->seen || r->ts < a->first)
		a->first = r->ts;
	if (!a->seen || r->ts > a->last)
		a->last = r->ts;
	a->seen = 1;
	if (r->ndomains == 0 && r->event == REC_CONNECTION)
		a->bare_sessions++;
	for (size_t i = 0; i < r->ndomains; i++) {
		if (!domain_wanted(a, r->domains[i].domain))
			continue;
		if ((id == 0 && (id = sender_id(a, r)) == 0) ||
		    (d = dom_get(a, r->domains[i].domain)) == NULL ||
		    account(a, d, r, &r->domains[i], id) == -1) {
			a->nomem = 1;
			return -1;
		}
	}
	return 0;
}

static int
cmp_dom(const void *x, const void *y)
{
	const struct dom_stat *a = *(struct dom_stat *const *)x;
	const struct dom_stat *b = *(struct dom_stat *const *)y;

	return strcmp(a->name, b->name);
}

/* NULL-terminated value array of m sorted by cmp; n gets the count. */
static void **
sorted_values(const struct strmap *m, int (*cmp)(const void *, const void *),
    size_t *n)
{
	void **v;

	if ((v = strmap_values(m)) == NULL)
		return NULL;
	*n = m->count;
	qsort(v, *n, sizeof(*v), cmp);
	return v;
}

struct dom_stat **
agg_domains(const struct agg *a, size_t *n)
{
	return (struct dom_stat **)sorted_values(&a->doms, cmp_dom, n);
}

static int
cmp_org(const void *x, const void *y)
{
	const struct org *a = *(struct org *const *)x;
	const struct org *b = *(struct org *const *)y;
	int c;

	if (a->wf_msgs != b->wf_msgs)
		return a->wf_msgs < b->wf_msgs ? 1 : -1;
	if (a->wf_sessions != b->wf_sessions)
		return a->wf_sessions < b->wf_sessions ? 1 : -1;
	if ((c = strcmp(a->mail_from, b->mail_from)) != 0)
		return c;
	return strcmp(a->ptr_org, b->ptr_org);
}

/*
 * The would-fail organisations, their names and totals taken from the
 * tally and its key (mail_from '\0' ptr_org), sorted before the others.
 */
struct org **
agg_failing(const struct dom_stat *d, size_t *n)
{
	const struct idmap_slot *s;
	struct org **v, *o;
	size_t k = 0;

	if ((v = calloc(d->orgs.count + 1, sizeof(*v))) == NULL)
		return NULL;
	for (size_t i = 0; i < d->orgs.cap; i++) {
		s = &d->orgs.slots[i];
		if (s->key == 0 || (o = s->value) == NULL ||
		    o->wf_sessions == 0)
			continue;
		o->msgs = s->n[TALLY_MSGS];
		o->sessions = s->n[TALLY_SESSIONS];
		v[k++] = o;
	}
	qsort(v, k, sizeof(*v), cmp_org);
	v[k] = NULL;
	*n = k;
	return v;
}

static int
cmp_rpt(const void *x, const void *y)
{
	const struct rpt_policy *a = *(struct rpt_policy *const *)x;
	const struct rpt_policy *b = *(struct rpt_policy *const *)y;
	int c;

	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->has_policy != b->has_policy)
		return b->has_policy - a->has_policy;
	if ((c = strcmp(a->id, b->id)) != 0)
		return c;
	return strcmp(a->mode, b->mode);
}

struct rpt_policy **
agg_rpt_policies(const struct dom_stat *d, size_t *n)
{
	return (struct rpt_policy **)sorted_values(&d->rpt, cmp_rpt, n);
}

static int
cmp_detail(const void *x, const void *y)
{
	const struct rpt_detail *a = *(struct rpt_detail *const *)x;
	const struct rpt_detail *b = *(struct rpt_detail *const *)y;
	int c;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	if ((c = strcmp(a->result_type, b->result_type)) != 0)
		return c;
	if ((c = strcmp(a->ip, b->ip)) != 0)
		return c;
	if ((c = strcmp(a->mx, b->mx)) != 0)
		return c;
	/* Total, so that the order never depends on the hash table's. */
	return strcmp(a->code != NULL ? a->code : "",
	    b->code != NULL ? b->code : "");
}

struct rpt_detail **
agg_rpt_details(const struct rpt_policy *rp, size_t *n)
{
	return (struct rpt_detail **)sorted_values(&rp->details, cmp_detail,
	    n);
}

void
agg_reason_senders(const struct dom_stat *d, unsigned long out[REC_REASONS])
{
	const struct org *o;

	memset(out, 0, REC_REASONS * sizeof(out[0]));
	for (size_t i = 0; i < d->orgs.cap; i++) {
		if (d->orgs.slots[i].key == 0 ||
		    (o = d->orgs.slots[i].value) == NULL)
			continue;
		for (unsigned b = 0; b < REC_REASONS; b++)
			out[b] += (o->reasons >> b) & 1;
	}
}

unsigned long
agg_total(const unsigned long counts[REC_RESULTS])
{
	unsigned long t = 0;

	for (int i = 0; i < REC_RESULTS; i++)
		t += counts[i];
	return t;
}

double
agg_share(unsigned long part, unsigned long whole)
{
	return whole == 0 ? 0.0 : 100.0 * (double)part / (double)whole;
}

long long
agg_window_days(const struct agg *a)
{
	long long from = a->has_since ? a->since : a->first;
	long long to = a->has_until ? a->until - 1 : a->last;

	if (to < from)
		return 0;
	return utctime_day(to) - utctime_day(from) + 1;
}

const char *
agg_readiness_name(enum readiness r)
{
	static const char *const names[] = {
		"ready", "not-ready", "policy-error", "enforced", "no-policy"
	};

	return names[r];
}

char *
agg_org_label(const struct org *o, char *buf, size_t size)
{
	const char *from = o->mail_from[0] != '\0' ? o->mail_from : "<>";

	if (o->ptr_org[0] == '\0')
		snprintf(buf, size, "%s (no PTR)", from);
	else if (strcmp(o->mail_from, o->ptr_org) == 0)
		snprintf(buf, size, "%s", from);
	else
		snprintf(buf, size, "%s via %s", from, o->ptr_org);
	return buf;
}

char *
agg_reasons_text(unsigned bits, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < REC_REASONS && len < size; i++) {
		if (bits & (1u << i))
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
			    len > 0 ? "," : "", rec_reason_name(1u << i));
	}
	return buf;
}

static void
failing_text(const struct agg *a, const struct dom_stat *d,
    struct org *const *f, size_t n, struct readiness_verdict *v)
{
	char label[REC_NAME_MAX * 2], why[256];
	unsigned long msgs = agg_total(d->msgs);

	if (n == 0)
		snprintf(v->text, sizeof(v->text), "%s: 0 senders would fail "
		    "in the last %lld days (%lu messages)",
		    v->status == ENFORCED ? "enforced" : "ready to enforce",
		    agg_window_days(a), msgs);
	else
		snprintf(v->text, sizeof(v->text), "%s: %zu sender%s (%.1f%% "
		    "of messages) %s; largest: %s (%lu messages, %s)",
		    v->status == ENFORCED ? "enforced" : "not ready", n,
		    n == 1 ? "" : "s",
		    agg_share(d->msgs[VERDICT_WOULD_FAIL], msgs),
		    v->status == ENFORCED ? "fail the policy (they do not "
		    "apply MTA-STS)" : "would fail",
		    agg_org_label(f[0], label, sizeof(label)), f[0]->wf_msgs,
		    agg_reasons_text(f[0]->reasons, why, sizeof(why)));
	if (n > 0 && v->status != ENFORCED)
		v->status = NOT_READY;
}

/* given: the domain's agg_failing list, or NULL to make it when needed. */
static void
readiness(const struct agg *a, const struct dom_stat *d,
    struct org *const *given, size_t n, struct readiness_verdict *v)
{
	struct org **f;
	unsigned long msgs = agg_total(d->msgs);

	/* A draft is a what-if: its senders are not yet asked to enforce. */
	v->status = strcmp(d->mode, "enforce") == 0 &&
	    strcmp(d->source, "draft") != 0 ? ENFORCED : READY;
	if (d->sessions[VERDICT_WOULD_FAIL] == 0 &&
	    d->sessions[VERDICT_POLICY_ERROR] > 0) {
		v->status = POLICY_BROKEN;
		snprintf(v->text, sizeof(v->text), "not ready: the policy "
		    "could not be used for %lu of %lu messages "
		    "(policy-error)", d->msgs[VERDICT_POLICY_ERROR], msgs);
		return;
	}
	if (d->sessions[VERDICT_WOULD_FAIL] == 0 &&
	    d->sessions[VERDICT_PASS] == 0) {
		v->status = NO_POLICY;
		snprintf(v->text, sizeof(v->text), "no policy: none of %lu "
		    "messages was evaluated against an MTA-STS policy", msgs);
		return;
	}
	if (given != NULL) {
		failing_text(a, d, given, n, v);
		return;
	}
	if ((f = agg_failing(d, &n)) == NULL) {
		snprintf(v->text, sizeof(v->text), "out of memory");
		return;
	}
	failing_text(a, d, f, n, v);
	free(f);
}

void
agg_readiness(const struct agg *a, const struct dom_stat *d,
    struct readiness_verdict *v)
{
	readiness(a, d, NULL, 0, v);
}

void
agg_readiness_of(const struct agg *a, const struct dom_stat *d,
    struct org *const *f, size_t n, struct readiness_verdict *v)
{
	readiness(a, d, f, n, v);
}
