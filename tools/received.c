/*
 * received.c - collecting received TLS-RPT reports (see received.h): each
 * report part an INPUT yields is decoded (tlsrpt_read), counted once per
 * organisation and report-id (RFC 8460 5.6: the body, not the Subject or
 * file name, is authoritative), kept when its day is inside --since and
 * --until and then added to the totals of each policy domain it names
 * (narrowed by --domain) and its UTC day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_walk.h"
#include "printable.h"
#include "received.h"
#include "utctime.h"

#define DAY_KEY_MAX	(TLSRPT_TEXT_MAX + 32)

void
received_init(struct received *rc)
{
	memset(rc, 0, sizeof(*rc));
	strmap_init(&rc->seen);
	strmap_init(&rc->days);
}

/*
 * A source (a path the user or a Maildir chose, ":N" in an mbox) as it is
 * shown: printable, since a name that is not UTF-8 is no JSON string.
 */
static char *
source_dup(const char *source)
{
	size_t size = strlen(source) + 1;
	char *s;

	if ((s = malloc(size)) != NULL)
		printable_copy(s, size, source);
	return s;
}

static int
note_add(struct received *rc, struct rcv_notes *l, const char *source,
    const char *text)
{
	struct rcv_note *v;

	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 16 : l->cap * 2;

		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			goto nomem;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n].source = source_dup(source)) == NULL)
		goto nomem;
	if ((l->v[l->n].text = strdup(text)) == NULL) {
		free(l->v[l->n].source);
		goto nomem;
	}
	l->n++;
	return 0;
nomem:
	rc->nomem = 1;
	return -1;
}

int
received_domain_wanted(const struct received *rc, const char *d)
{
	if (rc->nfilter == 0)
		return 1;
	for (size_t i = 0; d != NULL && i < rc->nfilter; i++) {
		if (strcmp(rc->filter[i], d) == 0)
			return 1;
	}
	return 0;
}

static int
count_add(struct strmap *m, const char *key, unsigned long n)
{
	void **slot;

	if (key == NULL)
		key = "";
	if ((slot = strmap_slot(m, key, strlen(key))) == NULL)
		return -1;
	if (*slot == NULL && (*slot = calloc(1, sizeof(unsigned long))) ==
	    NULL)
		return -1;
	*(unsigned long *)*slot = tlsrpt_sum(*(unsigned long *)*slot, n);
	return 0;
}

static struct rcv_day *
day_get(struct received *rc, const char *domain, long long day)
{
	char key[DAY_KEY_MAX];
	struct rcv_day *d;
	void **slot;
	int n;

	n = snprintf(key, sizeof(key), "%s%c%lld", domain != NULL ? domain :
	    "", domain != NULL ? '/' : '-', day);
	if ((slot = strmap_slot(&rc->days, key, (size_t)n)) == NULL)
		return NULL;
	if (*slot != NULL)
		return *slot;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if (domain != NULL && (d->domain = strdup(domain)) == NULL) {
		free(d);
		return NULL;
	}
	d->day = day;
	strmap_init(&d->result_types);
	strmap_init(&d->receiving_mx);
	strmap_init(&d->sending_ip);
	*slot = d;
	return d;
}

static int
add_policy(struct received *rc, const struct tlsrpt_report *r,
    const struct tlsrpt_policy *p)
{
	struct rcv_day *d;

	if ((d = day_get(rc, p->domain, tlsrpt_day(r))) == NULL ||
	    strlist_add(&d->orgs, r->org, RCV_ORGS_CAP) == -1)
		return -1;
	d->reports++;
	d->successful = tlsrpt_sum(d->successful, p->successful);
	d->failed = tlsrpt_sum(d->failed, p->failed);
	d->failed_in_details = tlsrpt_sum(d->failed_in_details,
	    p->failed_in_details);
	for (size_t i = 0; i < p->nfailures; i++) {
		const struct tlsrpt_failure *f = &p->failures[i];

		if (count_add(&d->result_types, f->result_type, f->count) ==
		    -1 || count_add(&d->receiving_mx, f->receiving_mx,
		    f->count) == -1 || count_add(&d->sending_ip, f->sending_ip,
		    f->count) == -1)
			return -1;
	}
	return 0;
}

/* Drop the policies --domain does not want; 0 when none is left. */
static size_t
keep_wanted(const struct received *rc, struct tlsrpt_report *r)
{
	size_t kept = 0;

	for (size_t i = 0; i < r->npolicies; i++) {
		if (received_domain_wanted(rc, r->policies[i].domain)) {
			struct tlsrpt_policy t = r->policies[kept];

			r->policies[kept++] = r->policies[i];
			r->policies[i] = t;
		}
	}
	return kept;
}

static int
in_window(const struct received *rc, const struct tlsrpt_report *r)
{
	long long t = tlsrpt_day(r) * UTCTIME_DAY;

	return (!rc->has_since || t + UTCTIME_DAY > rc->since) &&
	    (!rc->has_until || t < rc->until);
}

static int
keep_report(struct received *rc, const char *source, const char *part,
    struct tlsrpt_report *r)
{
	struct rcv_report *k;
	size_t wanted;

	if (!in_window(rc, r) || (wanted = keep_wanted(rc, r)) == 0) {
		tlsrpt_free(r);
		return 0;
	}
	if (rc->nreports == rc->cap) {
		size_t cap = rc->cap == 0 ? 64 : rc->cap * 2;

		if ((k = realloc(rc->reports, cap * sizeof(*k))) == NULL)
			return -1;
		rc->reports = k;
		rc->cap = cap;
	}
	tlsrpt_keep_policies(r, wanted);
	k = &rc->reports[rc->nreports];
	if ((k->source = source_dup(source)) == NULL)
		return -1;
	k->part = part != NULL ? strdup(part) : NULL;
	k->r = *r;
	rc->nreports++;
	for (size_t i = 0; i < wanted; i++) {
		if (add_policy(rc, &k->r, &k->r.policies[i]) == -1)
			return -1;
	}
	return 0;
}

/*
 * A policy that names no domain (Postfix's no-policy-found) belongs to the
 * domain the message was sent for: its TLS-Report-Domain header.
 */
static int
fill_domains(struct tlsrpt_report *r, const char *report_domain)
{
	for (size_t i = 0; report_domain != NULL && i < r->npolicies; i++) {
		struct tlsrpt_policy *p = &r->policies[i];

		if (p->domain != NULL)
			continue;
		if ((p->domain = strdup(report_domain)) == NULL)
			return -1;
		p->domain_from_header = 1;
	}
	return 0;
}

static void
on_report(void *arg, const struct walk_part *wp)
{
	struct received *rc = arg;
	const char *source = wp->source, *part = wp->part;
	struct tlsrpt_report r;
	char err[TLSRPT_ERROR_MAX], why[TLSRPT_ERROR_MAX + WALK_PART_MAX + 4];
	char key[2 * TLSRPT_TEXT_MAX + 2];
	void **slot;
	int n;

	if (rc->nomem)
		return;
	switch (tlsrpt_read(wp->data, wp->len, &r, err, sizeof(err))) {
	case 0:
		break;
	case -2:
		rc->nomem = 1;
		return;
	default:
		snprintf(why, sizeof(why), "%s%s%s", part != NULL ? part : "",
		    part != NULL ? ": " : "", err);
		note_add(rc, &rc->rejected, source, why);
		return;
	}
	if (fill_domains(&r, wp->report_domain) == -1) {
		rc->nomem = 1;
		tlsrpt_free(&r);
		return;
	}
	n = snprintf(key, sizeof(key), "%s\n%s", r.org, r.report_id);
	if ((slot = strmap_slot(&rc->seen, key, (size_t)n)) == NULL) {
		rc->nomem = 1;
		tlsrpt_free(&r);
		return;
	}
	if (*slot != NULL) {
		note_add(rc, &rc->duplicates, source, r.report_id);
		tlsrpt_free(&r);
		return;
	}
	*slot = rc;
	if (keep_report(rc, source, part, &r) == -1) {
		rc->nomem = 1;
		tlsrpt_free(&r);
	}
}

void
received_reject(struct received *rc, const char *source, const char *why)
{
	note_add(rc, &rc->rejected, source, why);
}

static void
on_reject(void *arg, const char *source, const char *why)
{
	received_reject(arg, source, why);
}

void
received_read(struct received *rc, const char *path)
{
	struct walk_ops ops = { on_report, on_reject, rc };

	mime_walk_input(path, &ops);
}

static int
cmp_day(const void *x, const void *y)
{
	const struct rcv_day *a = *(struct rcv_day *const *)x;
	const struct rcv_day *b = *(struct rcv_day *const *)y;
	int c;

	if (a->domain == NULL || b->domain == NULL)
		c = (a->domain == NULL) - (b->domain == NULL);
	else
		c = strcmp(a->domain, b->domain);
	if (c != 0)
		return c;
	return (a->day > b->day) - (a->day < b->day);
}

struct rcv_day **
received_days(const struct received *rc, size_t *n)
{
	struct rcv_day **v = (struct rcv_day **)strmap_values(&rc->days);

	if (v == NULL)
		return NULL;
	*n = rc->days.count;
	qsort(v, *n, sizeof(*v), cmp_day);
	return v;
}

static int
cmp_count(const void *x, const void *y)
{
	const struct rcv_count *a = x, *b = y;

	if (a->n != b->n)
		return a->n < b->n ? 1 : -1;
	return strcmp(a->key, b->key);
}

struct rcv_count *
received_counts(const struct strmap *m, size_t *n)
{
	struct rcv_count *v;

	if ((v = calloc(m->count + 1, sizeof(*v))) == NULL)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		v[*n].key = m->slots[i].key;
		v[(*n)++].n = *(unsigned long *)m->slots[i].value;
	}
	qsort(v, *n, sizeof(*v), cmp_count);
	return v;
}

static void
free_day(void *p)
{
	struct rcv_day *d = p;

	free(d->domain);
	strlist_free(&d->orgs);
	strmap_free(&d->result_types, free);
	strmap_free(&d->receiving_mx, free);
	strmap_free(&d->sending_ip, free);
	free(d);
}

static void
notes_free(struct rcv_notes *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].source);
		free(l->v[i].text);
	}
	free(l->v);
}

void
received_free(struct received *rc)
{
	for (size_t i = 0; i < rc->nreports; i++) {
		struct rcv_report *k = &rc->reports[i];

		tlsrpt_free(&k->r);
		free(k->source);
		free(k->part);
	}
	free(rc->reports);
	strmap_free(&rc->seen, NULL);
	strmap_free(&rc->days, free_day);
	notes_free(&rc->duplicates);
	notes_free(&rc->rejected);
}
