/*
 * report_json.c - the impact report as one JSON document (field names are
 * a contract, documented in mtasts-report(1)). Built with jansson, one
 * domain at a time.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_format.h"
#include "report_jsonlist.h"
#include "utctime.h"

static json_t *
stamp(long long t, int known)
{
	char buf[UTCTIME_STAMP_LEN];

	return known ? json_string(utctime_format_stamp(t, buf, sizeof(buf))) :
	    json_null();
}

/* Share rounded to 1/100 of a percent, so output is stable text. */
static json_t *
share(unsigned long part, unsigned long whole)
{
	return json_real((double)(long long)(agg_share(part, whole) * 100 +
	    0.5) / 100);
}

static json_t *
by_result(const unsigned long c[REC_RESULTS])
{
	return json_pack("{sI sI sI sI sI sI}", "total",
	    (json_int_t)agg_total(c),
	    "pass", (json_int_t)c[VERDICT_PASS],
	    "would_fail", (json_int_t)c[VERDICT_WOULD_FAIL],
	    "no_policy", (json_int_t)c[VERDICT_NO_POLICY],
	    "policy_error", (json_int_t)c[VERDICT_POLICY_ERROR],
	    "pending", (json_int_t)c[VERDICT_PENDING]);
}

static json_t *
input(const struct agg *a)
{
	json_t *ex = json_array(), *faults = json_array();

	for (unsigned long i = 0; i < a->malformed && i < AGG_EXAMPLES; i++)
		json_array_append_new(ex, json_pack("{ss sI ss}",
		    "file", a->examples[i].file,
		    "line", (json_int_t)a->examples[i].line,
		    "error", a->examples[i].why));
	for (unsigned long i = 0; i < a->unreadable && i < AGG_EXAMPLES; i++)
		json_array_append_new(faults, json_string(a->faults[i]));
	return json_pack("{sI sI sI so sI sI sI sI so}",
	    "lines", (json_int_t)a->lines, "records", (json_int_t)a->records,
	    "malformed", (json_int_t)a->malformed, "malformed_examples", ex,
	    "outside_window", (json_int_t)a->outside,
	    "ignored_events", (json_int_t)a->ignored,
	    "sessions_without_domain", (json_int_t)a->bare_sessions,
	    "unreadable", (json_int_t)a->unreadable, "unreadable_examples",
	    faults);
}

static json_t *
reasons(const struct dom_stat *d)
{
	unsigned long senders[REC_REASONS];
	json_t *a = json_array();

	agg_reason_senders(d, senders);
	for (unsigned i = 0; i < REC_REASONS; i++) {
		if (d->reason_msgs[i] > 0 || senders[i] > 0)
			json_array_append_new(a, json_pack("{ss sI sI}",
			    "reason", rec_reason_name(1u << i),
			    "messages", (json_int_t)d->reason_msgs[i],
			    "senders", (json_int_t)senders[i]));
	}
	return a;
}

static json_t *
sender(const struct org *o)
{
	char label[REC_NAME_MAX * 2];

	return json_pack("{ss ss ss sI sI sI sI so so so so sb so so}",
	    "sender", agg_org_label(o, label, sizeof(label)),
	    "mail_from_domain", o->mail_from, "ptr_domain", o->ptr_org,
	    "messages", (json_int_t)o->msgs,
	    "would_fail_messages", (json_int_t)o->wf_msgs,
	    "sessions", (json_int_t)o->sessions,
	    "would_fail_sessions", (json_int_t)o->wf_sessions,
	    "reasons", report_json_reasons(o->reasons),
	    "ips", report_json_strings(&o->ips),
	    "helos", report_json_strings(&o->helos),
	    "tls_versions", report_json_strings(&o->tls),
	    "lists_truncated", o->ips.more || o->helos.more || o->tls.more,
	    "first_seen", stamp(o->first, 1), "last_seen", stamp(o->last, 1));
}

static json_t *
days(const struct dom_stat *d)
{
	char date[UTCTIME_DATE_LEN];
	json_t *a = json_array();

	for (size_t i = 0; i < d->ndays; i++) {
		const struct day_stat *s = &d->days[i];
		unsigned long m = agg_total(s->msgs);

		json_array_append_new(a, json_pack("{ss sI sI sI so}",
		    "date", utctime_format_date(s->day * UTCTIME_DAY, date,
		    sizeof(date)), "messages", (json_int_t)m,
		    "would_fail", (json_int_t)s->msgs[VERDICT_WOULD_FAIL],
		    "sessions", (json_int_t)agg_total(s->sessions),
		    "would_fail_share", share(s->msgs[VERDICT_WOULD_FAIL], m)));
	}
	return a;
}

static json_t *
domain(const struct agg *a, const struct dom_stat *d,
    const struct report_opts *o)
{
	struct readiness_verdict v;
	struct org **f;
	json_t *list, *policy;
	size_t n;

	if ((f = agg_failing(d, &n)) == NULL)
		return NULL;
	list = json_array();
	for (size_t i = 0; i < n && i < o->top; i++)
		json_array_append_new(list, sender(f[i]));
	free(f);
	agg_readiness(a, d, &v);
	policy = d->mode[0] != '\0' || d->id[0] != '\0' ?
	    json_pack("{ss ss ss}", "mode", d->mode, "id", d->id,
	    "source", d->source) : json_null();
	return json_pack("{ss so s{ss ss} so so sI s{sI sI} s{so so} so sI "
	    "so so}",
	    "domain", d->name, "policy", policy,
	    "verdict", "status", agg_readiness_name(v.status), "text", v.text,
	    "messages", by_result(d->msgs), "sessions", by_result(d->sessions),
	    "rcpts", (json_int_t)d->rcpts,
	    "senders", "total", (json_int_t)d->orgs.count,
	    "would_fail", (json_int_t)n,
	    "would_fail_share",
	    "messages", share(d->msgs[VERDICT_WOULD_FAIL], agg_total(d->msgs)),
	    "senders", share(n, d->orgs.count),
	    "reasons", reasons(d), "failing_senders_total", (json_int_t)n,
	    "failing_senders", list, "days", days(d));
}

/*
 * One domain's object as json_dumpf would have written it inside the
 * document ("domains" at depth 1, its elements at depth 2): dumped alone
 * and indented by 4 more spaces after every newline (a dumped string
 * never holds a raw newline). NULL when memory runs out.
 */
static char *
domain_text(const struct agg *a, const struct dom_stat *d,
    const struct report_opts *o)
{
	json_t *dj;
	char *text;

	if ((dj = domain(a, d, o)) == NULL)
		return NULL;
	text = json_dumps(dj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(dj);
	return text;
}

static void
put_domain(FILE *f, const char *text, int first)
{
	const char *p, *nl;

	fputs(first ? "\n    " : ",\n    ", f);
	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		fwrite(p, 1, (size_t)(nl - p) + 1, f);
		fputs("    ", f);
	}
	fputs(p, f);
}

#define BATCH		256	/* domains formatted before they are written */
#define WRITERS_MAX	16

/*
 * Formatting a batch of domains: with several threads, each formats
 * every nth domain of the batch (the domains are independent; jansson
 * objects are not shared) and the texts are written in order.
 */
struct batch {
	const struct agg *a;
	const struct report_opts *o;
	struct dom_stat	**v;
	char		**text;
	size_t		 from, to, step;
};

static void *
format_part(void *arg)
{
	struct batch *b = arg;

	for (size_t i = b->from; i < b->to; i += b->step)
		b->text[i] = domain_text(b->a, b->v[i], b->o);
	return NULL;
}

/* texts[from..to) of batch b, with up to o->threads threads. */
static void
format_batch(const struct batch *model, size_t from, size_t to, int threads)
{
	pthread_t tid[WRITERS_MAX];
	struct batch part[WRITERS_MAX];
	int started[WRITERS_MAX] = { 0 }, n;

	n = threads < 1 ? 1 : threads > WRITERS_MAX ? WRITERS_MAX : threads;
	if ((size_t)n > to - from)
		n = (int)(to - from);
	for (int i = 0; i < n; i++) {
		part[i] = *model;
		part[i].from = from + (size_t)i;
		part[i].to = to;
		part[i].step = (size_t)n;
		if (i > 0)
			started[i] = pthread_create(&tid[i], NULL, format_part,
			    &part[i]) == 0;
	}
	if (n > 0)
		format_part(&part[0]);
	for (int i = 1; i < n; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			format_part(&part[i]);
	}
}

/*
 * The document is written a domain at a time, so that only a batch of
 * domains' text is held: with thousands of domains the whole tree took
 * more memory than the aggregate. The bytes are those of json_dumpf on
 * the whole document ("domains" is its last member).
 */
int
report_json(FILE *f, const struct agg *a, const struct report_opts *o)
{
	struct batch b = { a, o, NULL, NULL, 0, 0, 1 };
	json_t *doc;
	char *head;
	size_t n, len, end;
	int rc = 0;

	doc = json_pack("{so s{so so so so sI} so}",
	    "generated", stamp(o->now, 1),
	    "window", "since", stamp(a->since, a->has_since),
	    "until", stamp(a->until, a->has_until),
	    "first", stamp(a->first, a->seen),
	    "last", stamp(a->last, a->seen),
	    "days", (json_int_t)agg_window_days(a),
	    "input", input(a));
	if (doc == NULL)
		return -1;
	head = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (head == NULL || (len = strlen(head)) < 2 ||
	    (b.v = agg_domains(a, &n)) == NULL ||
	    (b.text = calloc(n + 1, sizeof(*b.text))) == NULL) {
		free(head);
		free(b.v);
		return -1;
	}
	/* head ends in "\n}": continue the object after its last member. */
	fwrite(head, 1, len - 2, f);
	free(head);
	fputs(",\n  \"domains\": [", f);
	for (size_t i = 0; i < n && rc == 0; i = end) {
		end = n - i > BATCH ? i + BATCH : n;
		format_batch(&b, i, end, o->threads);
		for (size_t k = i; k < end; k++) {
			if (rc == 0 && b.text[k] == NULL)
				rc = -1;
			if (rc == 0)
				put_domain(f, b.text[k], k == 0);
			free(b.text[k]);
		}
	}
	free(b.text);
	free(b.v);
	fputs(n > 0 ? "\n  ]\n}\n" : "]\n}\n", f);
	return rc == 0 && !ferror(f) ? 0 : -1;
}
