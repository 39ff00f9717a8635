/*
 * report_agg_merge.c - merging the aggregates of consecutive parts of the
 * input (see agg_merge in report_agg.h), so that threads can each read a
 * part into their own aggregate. The result equals reading all parts in
 * order into one aggregate: counts add up, "latest policy" and first/last
 * times follow the same tie rules as report_agg.c, capped lists keep the
 * values reading in order would have kept, and the first malformed lines
 * are quoted with their line in the whole file.
 */
#include <stdlib.h>
#include <string.h>

#include "report_agg.h"

void
agg_init_like(struct agg *a, const struct agg *model)
{
	agg_init(a);
	a->since = model->since;
	a->until = model->until;
	a->has_since = model->has_since;
	a->has_until = model->has_until;
	memcpy(a->filter, model->filter, sizeof(a->filter));
	a->nfilter = model->nfilter;
	a->want_rpt = model->want_rpt;
}

static void
add_counts(unsigned long *to, const unsigned long *from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		to[i] += from[i];
}

/*
 * Values of from's table moved into to's; keys both have go through
 * merge_value (which frees from's value) or, on failure, free_value.
 */
static int
merge_map(struct strmap *to, struct strmap *from,
    int (*merge_value)(void *to, void *from), void (*free_value)(void *))
{
	int rc = 0;
	void **slot;

	for (size_t i = 0; i < from->cap; i++) {
		struct strmap_slot *s = &from->slots[i];

		if (s->key == NULL)
			continue;
		if (rc == -1 || (slot = strmap_slot(to, s->key, s->len)) ==
		    NULL) {
			free_value(s->value);
			rc = -1;
		} else if (*slot == NULL)
			*slot = s->value;
		else if (merge_value(*slot, s->value) == -1)
			rc = -1;
	}
	strmap_free(from, NULL);
	return rc;
}

/* Adding from's values in order keeps what one pass would have kept. */
static int
merge_list(struct strlist *to, struct strlist *from)
{
	int rc = 0;

	for (size_t i = 0; i < from->n && rc == 0; i++)
		rc = strlist_add(to, from->v[i], AGG_LIST_CAP);
	if (from->more)
		to->more = 1;
	strlist_free(from);
	return rc;
}

static int
merge_org(struct org *a, struct org *b)
{
	int rc;

	if (b->wf_sessions > 0 && (a->wf_sessions == 0 || b->first < a->first))
		a->first = b->first;
	if (b->last > a->last)
		a->last = b->last;
	a->wf_msgs += b->wf_msgs;
	a->wf_sessions += b->wf_sessions;
	a->reasons |= b->reasons;
	rc = merge_list(&a->ips, &b->ips);
	rc |= merge_list(&a->helos, &b->helos);
	rc |= merge_list(&a->tls, &b->tls);
	agg_org_free(b);
	return rc == 0 ? 0 : -1;
}

/*
 * The sender counts of from's domain into to's, from's sender ids turned
 * into to's by remap (index id - 1).
 */
static int
merge_tallies(struct idmap *to, struct idmap *from, const uint32_t *remap)
{
	struct idmap_slot *a, *b;
	int rc = 0;

	for (size_t i = 0; i < from->cap; i++) {
		b = &from->slots[i];
		if (b->key == 0)
			continue;
		if (rc == -1 || (a = idmap_slot(to, remap[b->key - 1])) ==
		    NULL) {
			agg_org_free(b->value);
			rc = -1;
			continue;
		}
		a->n[TALLY_MSGS] += b->n[TALLY_MSGS];
		a->n[TALLY_SESSIONS] += b->n[TALLY_SESSIONS];
		if (a->value == NULL)
			a->value = b->value;
		else if (b->value != NULL && merge_org(a->value, b->value) == -1)
			rc = -1;
	}
	idmap_free(from, NULL);
	return rc;
}

static int
merge_detail(void *to, void *from)
{
	struct rpt_detail *a = to, *b = from;

	a->count += b->count;
	agg_detail_free(b);
	return 0;
}

static int
merge_rpt(void *to, void *from)
{
	struct rpt_policy *a = to, *b = from;
	int rc;

	a->ok += b->ok;
	a->failed += b->failed;
	rc = merge_map(&a->details, &b->details, merge_detail,
	    agg_detail_free);
	agg_rpt_free(b);
	return rc;
}

/* Both day arrays are sorted; the result is their sorted union. */
static int
merge_days(struct dom_stat *a, struct dom_stat *b)
{
	struct day_stat *v;
	size_t i = 0, j = 0, n = 0, cap = a->ndays + b->ndays;

	if (b->ndays == 0)
		return 0;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return -1;
	while (i < a->ndays || j < b->ndays) {
		if (j == b->ndays || (i < a->ndays &&
		    a->days[i].day < b->days[j].day))
			v[n++] = a->days[i++];
		else if (i == a->ndays || b->days[j].day < a->days[i].day)
			v[n++] = b->days[j++];
		else {
			v[n] = a->days[i++];
			add_counts(v[n].msgs, b->days[j].msgs, REC_RESULTS);
			add_counts(v[n].sessions, b->days[j].sessions,
			    REC_RESULTS);
			add_counts(v[n].reason_msgs, b->days[j].reason_msgs,
			    REC_REASONS);
			j++;
			n++;
		}
	}
	free(a->days);
	a->days = v;
	a->ndays = n;
	a->days_cap = cap;
	return 0;
}

static int
merge_dom(struct dom_stat *a, struct dom_stat *b, const uint32_t *remap)
{
	int rc;

	add_counts(a->msgs, b->msgs, REC_RESULTS);
	add_counts(a->sessions, b->sessions, REC_RESULTS);
	add_counts(a->reason_msgs, b->reason_msgs, REC_REASONS);
	a->rcpts += b->rcpts;
	/* note_policy: a later record at the same time wins. */
	if (b->policy_seen && b->policy_ts >= a->policy_ts) {
		a->policy_seen = 1;
		a->policy_ts = b->policy_ts;
		memcpy(a->mode, b->mode, sizeof(a->mode));
		memcpy(a->id, b->id, sizeof(a->id));
		memcpy(a->source, b->source, sizeof(a->source));
	}
	rc = merge_days(a, b);
	rc |= merge_tallies(&a->orgs, &b->orgs, remap);
	rc |= merge_map(&a->rpt, &b->rpt, merge_rpt, agg_rpt_free);
	agg_dom_free(b);
	return rc == 0 ? 0 : -1;
}

/* from's first malformed lines after a's, while a has room for them. */
static void
merge_examples(struct agg *a, struct agg *b, unsigned long line_offset)
{
	for (unsigned long i = 0; i < b->malformed && i < AGG_EXAMPLES; i++) {
		if (a->malformed + i < AGG_EXAMPLES) {
			a->examples[a->malformed + i] = b->examples[i];
			a->examples[a->malformed + i].line += line_offset;
		} else {
			free(b->examples[i].file);
			free(b->examples[i].why);
		}
		b->examples[i].file = b->examples[i].why = NULL;
	}
	a->malformed += b->malformed;
	for (unsigned long i = 0; i < b->unreadable && i < AGG_EXAMPLES; i++) {
		if (a->unreadable + i < AGG_EXAMPLES)
			a->faults[a->unreadable + i] = b->faults[i];
		else
			free(b->faults[i]);
		b->faults[i] = NULL;
	}
	a->unreadable += b->unreadable;
}

/* from's domains into a's, new ones as empty domains merged into. */
static int
merge_doms(struct agg *a, struct agg *b, const uint32_t *remap)
{
	struct dom_stat *d;
	int rc = 0;
	void **slot;

	for (size_t i = 0; i < b->doms.cap; i++) {
		struct strmap_slot *s = &b->doms.slots[i];

		if (s->key == NULL)
			continue;
		if (rc == -1 || (slot = strmap_slot(&a->doms, s->key, s->len)) ==
		    NULL) {
			agg_dom_free(s->value);
			rc = -1;
			continue;
		}
		if ((d = *slot) == NULL &&
		    ((d = calloc(1, sizeof(*d))) == NULL ||
		    (d->name = strdup(s->key)) == NULL)) {
			free(d);
			agg_dom_free(s->value);
			rc = -1;
			continue;
		}
		if (*slot == NULL) {
			idmap_init(&d->orgs);
			strmap_init(&d->rpt);
			*slot = d;
		}
		if (merge_dom(d, s->value, remap) == -1)
			rc = -1;
	}
	strmap_free(&b->doms, NULL);
	return rc;
}

/*
 * from's sender ids in a (remap[id - 1]), its keys added to a's; their
 * text is in from's arena, which becomes a's. NULL when memory runs out.
 */
static uint32_t *
merge_senders(struct agg *a, struct agg *b)
{
	uint32_t *remap;
	const char *key;
	size_t len;

	arena_take(&a->keys, &b->keys);
	if ((remap = malloc((b->nsenders + 1) * sizeof(*remap))) == NULL)
		return NULL;
	for (size_t i = 0; i < b->nsenders; i++) {
		key = b->sender_key[i];
		len = strlen(key) + 1;
		len += strlen(key + len);
		if ((remap[i] = agg_sender_add(a, key, len)) == 0) {
			free(remap);
			return NULL;
		}
	}
	return remap;
}

int
agg_merge(struct agg *a, struct agg *b, unsigned long line_offset)
{
	uint32_t *remap;

	a->lines += b->lines;
	a->records += b->records;
	a->outside += b->outside;
	a->ignored += b->ignored;
	a->bare_sessions += b->bare_sessions;
	if (b->seen) {
		if (!a->seen || b->first < a->first)
			a->first = b->first;
		if (!a->seen || b->last > a->last)
			a->last = b->last;
		a->seen = 1;
	}
	merge_examples(a, b, line_offset);
	if ((remap = merge_senders(a, b)) == NULL ||
	    merge_doms(a, b, remap) == -1 || b->nomem)
		a->nomem = 1;
	free(remap);
	b->nfilter = 0;		/* the filters are a's */
	agg_free(b);
	return a->nomem ? -1 : 0;
}
