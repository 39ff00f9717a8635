/*
 * report_json.c - the impact report as one JSON document (field names are
 * a contract, documented in mtasts-report(1)). Built with jansson, one
 * domain at a time.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonbuf.h"
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
 * never holds a raw newline). The slow way, for a domain whose text is
 * not all ASCII (see jw_str); NULL when memory runs out.
 */
char *
report_json_domain_tree(const struct agg *a, const struct dom_stat *d,
    const struct report_opts *o)
{
	struct jsonbuf b;
	json_t *dj;
	char *text;
	const char *p, *nl;

	if ((dj = domain(a, d, o)) == NULL)
		return NULL;
	text = json_dumps(dj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(dj);
	if (text == NULL)
		return NULL;
	jsonbuf_init(&b, SIZE_MAX / 2);
	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		jsonbuf_raw(&b, p, (size_t)(nl - p) + 1);
		jsonbuf_raw(&b, "    ", 4);
	}
	jsonbuf_raw(&b, p, strlen(p));
	free(text);
	if (b.error != JSONBUF_OK) {
		jsonbuf_free(&b);
		return NULL;
	}
	return b.buf;
}

/*
 * The same text written directly, as json_dumps(JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER) lays out the tree domain() builds: a newline and
 * two spaces a level before every member and element and before the
 * closing bracket of a non-empty container, ": " after a name, "[]" and
 * "{}" for empty ones; strings escaped by jsonbuf (as jansson does for
 * ASCII), integers as %lld does, reals as jansson's %.17g. Building and
 * dumping the jansson tree was a fifth of a large report's time.
 */
struct jw {
	struct jsonbuf	 b;
	int		 depth;
	unsigned char	 first[16];
	int		 not_ascii;	/* a string had a byte above 0x7f */
};

static void
jw_newline(struct jw *w)
{
	static const char spaces[] = "\n                                ";

	jsonbuf_raw(&w->b, spaces, 1 + 2 * (size_t)w->depth);
}

static void
jw_item(struct jw *w)
{
	if (!w->first[w->depth])
		jsonbuf_raw(&w->b, ",", 1);
	w->first[w->depth] = 0;
	jw_newline(w);
}

static void
jw_open(struct jw *w, const char *bracket)
{
	jsonbuf_raw(&w->b, bracket, 1);
	w->first[++w->depth] = 1;
}

static void
jw_close(struct jw *w, const char *bracket)
{
	int empty = w->first[w->depth];

	w->depth--;
	if (!empty)
		jw_newline(w);
	jsonbuf_raw(&w->b, bracket, 1);
}

static void
jw_str(struct jw *w, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80)
			w->not_ascii = 1;
	}
	jsonbuf_string(&w->b, s, n);
}

static void
jw_key(struct jw *w, const char *name)
{
	jw_item(w);
	jsonbuf_string(&w->b, name, strlen(name));
	jsonbuf_raw(&w->b, ": ", 2);
}

static void
jw_int(struct jw *w, unsigned long v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long long u = (unsigned long long)(long long)v;
	int neg = (long long)v < 0;

	if (neg)
		u = -u;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (neg)
		*--p = '-';
	jsonbuf_raw(&w->b, p, (size_t)(buf + sizeof(buf) - p));
}

/* jansson's jsonp_dtostr at its default precision. */
static void
jw_real(struct jw *w, double v)
{
	char buf[64], *e, *end;
	size_t len = (size_t)snprintf(buf, sizeof(buf) - 3, "%.17g", v);

	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
		memcpy(buf + len, ".0", 3);
		len += 2;
	}
	if ((e = strchr(buf, 'e')) != NULL) {
		e++;
		end = e + 1;
		if (*e == '-')
			e++;
		while (*end == '0')
			end++;
		if (end != e) {
			memmove(e, end, len - (size_t)(end - buf) + 1);
			len -= (size_t)(end - e);
		}
	}
	jsonbuf_raw(&w->b, buf, len);
}

static void
jw_kstr(struct jw *w, const char *name, const char *v)
{
	jw_key(w, name);
	jw_str(w, v);
}

static void
jw_kint(struct jw *w, const char *name, unsigned long v)
{
	jw_key(w, name);
	jw_int(w, v);
}

static void
jw_kreal(struct jw *w, const char *name, double v)
{
	jw_key(w, name);
	jw_real(w, v);
}

static double
share_value(unsigned long part, unsigned long whole)
{
	return (double)(long long)(agg_share(part, whole) * 100 + 0.5) / 100;
}

static void
jw_by_result(struct jw *w, const char *name, const unsigned long c[])
{
	jw_key(w, name);
	jw_open(w, "{");
	jw_kint(w, "total", agg_total(c));
	jw_kint(w, "pass", c[VERDICT_PASS]);
	jw_kint(w, "would_fail", c[VERDICT_WOULD_FAIL]);
	jw_kint(w, "no_policy", c[VERDICT_NO_POLICY]);
	jw_kint(w, "policy_error", c[VERDICT_POLICY_ERROR]);
	jw_kint(w, "pending", c[VERDICT_PENDING]);
	jw_close(w, "}");
}

static void
jw_strings(struct jw *w, const char *name, const struct strlist *l)
{
	jw_key(w, name);
	jw_open(w, "[");
	for (size_t i = 0; i < l->n; i++) {
		jw_item(w);
		jw_str(w, l->v[i]);
	}
	jw_close(w, "]");
}

static void
jw_stamp(struct jw *w, const char *name, long long t)
{
	char buf[UTCTIME_STAMP_LEN];

	jw_kstr(w, name, utctime_format_stamp(t, buf, sizeof(buf)));
}

static void
jw_sender(struct jw *w, const struct org *o)
{
	char label[REC_NAME_MAX * 2];

	jw_item(w);
	jw_open(w, "{");
	jw_kstr(w, "sender", agg_org_label(o, label, sizeof(label)));
	jw_kstr(w, "mail_from_domain", o->mail_from);
	jw_kstr(w, "ptr_domain", o->ptr_org);
	jw_kint(w, "messages", o->msgs);
	jw_kint(w, "would_fail_messages", o->wf_msgs);
	jw_kint(w, "sessions", o->sessions);
	jw_kint(w, "would_fail_sessions", o->wf_sessions);
	jw_key(w, "reasons");
	jw_open(w, "[");
	for (unsigned i = 0; i < REC_REASONS; i++) {
		if (o->reasons & (1u << i)) {
			jw_item(w);
			jw_str(w, rec_reason_name(1u << i));
		}
	}
	jw_close(w, "]");
	jw_strings(w, "ips", &o->ips);
	jw_strings(w, "helos", &o->helos);
	jw_strings(w, "tls_versions", &o->tls);
	jw_key(w, "lists_truncated");
	jsonbuf_raw(&w->b, o->ips.more || o->helos.more || o->tls.more ?
	    "true" : "false", o->ips.more || o->helos.more || o->tls.more ?
	    4 : 5);
	jw_stamp(w, "first_seen", o->first);
	jw_stamp(w, "last_seen", o->last);
	jw_close(w, "}");
}

static void
jw_reasons(struct jw *w, const struct dom_stat *d)
{
	unsigned long senders[REC_REASONS];

	agg_reason_senders(d, senders);
	jw_key(w, "reasons");
	jw_open(w, "[");
	for (unsigned i = 0; i < REC_REASONS; i++) {
		if (d->reason_msgs[i] == 0 && senders[i] == 0)
			continue;
		jw_item(w);
		jw_open(w, "{");
		jw_kstr(w, "reason", rec_reason_name(1u << i));
		jw_kint(w, "messages", d->reason_msgs[i]);
		jw_kint(w, "senders", senders[i]);
		jw_close(w, "}");
	}
	jw_close(w, "]");
}

static void
jw_days(struct jw *w, const struct dom_stat *d)
{
	char date[UTCTIME_DATE_LEN];

	jw_key(w, "days");
	jw_open(w, "[");
	for (size_t i = 0; i < d->ndays; i++) {
		const struct day_stat *s = &d->days[i];
		unsigned long m = agg_total(s->msgs);

		jw_item(w);
		jw_open(w, "{");
		jw_kstr(w, "date", utctime_format_date(s->day * UTCTIME_DAY,
		    date, sizeof(date)));
		jw_kint(w, "messages", m);
		jw_kint(w, "would_fail", s->msgs[VERDICT_WOULD_FAIL]);
		jw_kint(w, "sessions", agg_total(s->sessions));
		jw_kreal(w, "would_fail_share",
		    share_value(s->msgs[VERDICT_WOULD_FAIL], m));
		jw_close(w, "}");
	}
	jw_close(w, "]");
}

char *
report_json_domain(const struct agg *a, const struct dom_stat *d,
    const struct report_opts *o)
{
	struct readiness_verdict v;
	struct jw w = { .depth = 2 };
	struct org **f;
	size_t n;

	if ((f = agg_failing(d, &n)) == NULL)
		return NULL;
	agg_readiness_of(a, d, f, n, &v);
	jsonbuf_init(&w.b, SIZE_MAX / 2);
	jw_open(&w, "{");
	jw_kstr(&w, "domain", d->name);
	jw_key(&w, "policy");
	if (d->mode[0] != '\0' || d->id[0] != '\0') {
		jw_open(&w, "{");
		jw_kstr(&w, "mode", d->mode);
		jw_kstr(&w, "id", d->id);
		jw_kstr(&w, "source", d->source);
		jw_close(&w, "}");
	} else
		jsonbuf_raw(&w.b, "null", 4);
	jw_key(&w, "verdict");
	jw_open(&w, "{");
	jw_kstr(&w, "status", agg_readiness_name(v.status));
	jw_kstr(&w, "text", v.text);
	jw_close(&w, "}");
	jw_by_result(&w, "messages", d->msgs);
	jw_by_result(&w, "sessions", d->sessions);
	jw_kint(&w, "rcpts", d->rcpts);
	jw_key(&w, "senders");
	jw_open(&w, "{");
	jw_kint(&w, "total", d->orgs.count);
	jw_kint(&w, "would_fail", n);
	jw_close(&w, "}");
	jw_key(&w, "would_fail_share");
	jw_open(&w, "{");
	jw_kreal(&w, "messages", share_value(d->msgs[VERDICT_WOULD_FAIL],
	    agg_total(d->msgs)));
	jw_kreal(&w, "senders", share_value(n, d->orgs.count));
	jw_close(&w, "}");
	jw_reasons(&w, d);
	jw_kint(&w, "failing_senders_total", n);
	jw_key(&w, "failing_senders");
	jw_open(&w, "[");
	for (size_t i = 0; i < n && i < o->top; i++)
		jw_sender(&w, f[i]);
	jw_close(&w, "]");
	free(f);
	jw_days(&w, d);
	jw_close(&w, "}");
	if (w.b.error != JSONBUF_OK || w.not_ascii) {
		jsonbuf_free(&w.b);
		return w.not_ascii ? report_json_domain_tree(a, d, o) : NULL;
	}
	return w.b.buf;
}

static void
put_domain(FILE *f, const char *text, int first)
{
	fputs(first ? "\n    " : ",\n    ", f);
	fputs(text, f);
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
		b->text[i] = report_json_domain(b->a, b->v[i], b->o);
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
