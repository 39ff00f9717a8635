/*
 * received_json.c - mtasts-report received --format json: one object with
 * the reports, duplicates, rejected inputs and the per policy domain and
 * UTC day totals (field names are the contract of DESIGN.md 13, documented
 * in mtasts-report(1)). Built with jansson.
 */
#include <stdlib.h>

#include <jansson.h>

#include "received.h"
#include "utctime.h"

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
stamp(long long t)
{
	char buf[UTCTIME_STAMP_LEN];

	return json_string(utctime_format_stamp(t, buf, sizeof(buf)));
}

static json_t *
strings(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
failure(const struct tlsrpt_failure *f)
{
	return json_pack("{ss so so so so sI so so}",
	    "result_type", f->result_type,
	    "sending_mta_ip", str_or_null(f->sending_ip),
	    "receiving_mx_hostname", str_or_null(f->receiving_mx),
	    "receiving_ip", str_or_null(f->receiving_ip),
	    "receiving_mx_helo", str_or_null(f->receiving_helo),
	    "count", (json_int_t)f->count,
	    "failure_reason_code", str_or_null(f->reason_code),
	    "additional", str_or_null(f->additional));
}

static json_t *
policy(const struct tlsrpt_policy *p)
{
	json_t *fl = json_array();

	for (size_t i = 0; i < p->nfailures; i++)
		json_array_append_new(fl, failure(&p->failures[i]));
	return json_pack("{so so sb so so so sI sI sI sb so}",
	    "type", str_or_null(p->type), "domain", str_or_null(p->domain),
	    "domain_from_header", p->domain_from_header,
	    "mode", str_or_null(p->mode),
	    "policy_string", strings(p->strings, p->nstrings),
	    "mx_host", strings(p->mx_host, p->nmx),
	    "successful", (json_int_t)p->successful,
	    "failed", (json_int_t)p->failed,
	    "failed_in_details", (json_int_t)p->failed_in_details,
	    "counts_disagree", p->failed_in_details != p->failed,
	    "failures", fl);
}

static json_t *
report(const struct rcv_report *k)
{
	json_t *pl = json_array();

	for (size_t i = 0; i < k->r.npolicies; i++)
		json_array_append_new(pl, policy(&k->r.policies[i]));
	return json_pack("{ss so ss ss so so so so}",
	    "source", k->source, "part", str_or_null(k->part),
	    "organization", k->r.org, "report_id", k->r.report_id,
	    "contact", str_or_null(k->r.contact),
	    "start", stamp(k->r.start), "end", stamp(k->r.end),
	    "policies", pl);
}

static json_t *
notes(const struct rcv_notes *l, const char *what)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_pack("{ss ss}", "source",
		    l->v[i].source, what, l->v[i].text));
	return a;
}

/* {"key": count, ...}, largest first ("" shows as "unknown"). */
static json_t *
counts(const struct strmap *m)
{
	struct rcv_count *v;
	json_t *o = json_object();
	size_t n;

	if ((v = received_counts(m, &n)) == NULL)
		return o;
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, v[i].key[0] != '\0' ? v[i].key :
		    "unknown", json_integer((json_int_t)v[i].n));
	free(v);
	return o;
}

static json_t *
day(const struct rcv_day *d)
{
	char date[UTCTIME_DATE_LEN];

	return json_pack("{so ss so sb sI sI sI sI so so so}",
	    "domain", str_or_null(d->domain),
	    "date", utctime_format_date(d->day * UTCTIME_DAY, date,
	    sizeof(date)),
	    "organizations", strings(d->orgs.v, d->orgs.n),
	    "organizations_truncated", d->orgs.more,
	    "reports", (json_int_t)d->reports,
	    "successful", (json_int_t)d->successful,
	    "failed", (json_int_t)d->failed,
	    "failed_in_details", (json_int_t)d->failed_in_details,
	    "result_types", counts(&d->result_types),
	    "receiving_mx", counts(&d->receiving_mx),
	    "sending_ip", counts(&d->sending_ip));
}

json_t *
received_doc(const struct received *rc, json_t *join)
{
	struct rcv_day **dv;
	json_t *doc, *rl = json_array(), *dl = json_array();
	size_t n;

	for (size_t i = 0; i < rc->nreports; i++)
		json_array_append_new(rl, report(&rc->reports[i]));
	if ((dv = received_days(rc, &n)) == NULL) {
		json_decref(rl);
		json_decref(dl);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(dl, day(dv[i]));
	free(dv);
	doc = json_pack("{so so so so}", "reports", rl,
	    "duplicates", notes(&rc->duplicates, "report_id"),
	    "rejected", notes(&rc->rejected, "error"), "domains", dl);
	if (doc != NULL && join != NULL &&
	    json_object_set(doc, "join", join) == -1) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int
received_json(FILE *f, const struct received *rc, json_t *join)
{
	json_t *doc = received_doc(rc, join);
	int rc_;

	if (doc == NULL)
		return -1;
	rc_ = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	fputc('\n', f);
	return rc_ == 0 && !ferror(f) ? 0 : -1;
}
