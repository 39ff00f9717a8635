/*
 * report_tlsrpt.c - the RFC 8460 reports that conforming senders would
 * send about the logged sessions: one JSON object per line, one per
 * recipient domain and UTC day.
 *
 * What the log cannot give is left out rather than invented: the policy
 * string holds only the "version" and "mode" lines (the log records mode
 * and id, not the mx or max_age lines), "mx-host" is empty, and
 * "receiving-ip" is absent. Sessions whose result is no-policy appear under
 * a "no-policy-found" policy as successful sessions, as senders report
 * them; policy-error sessions count as failures of the "sts" policy.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_format.h"
#include "utctime.h"

static json_t *
policy_block(const struct dom_stat *d, const struct rpt_policy *rp)
{
	json_t *lines = json_array();

	if (rp->has_policy && rp->mode[0] != '\0') {
		char mode[REC_SHORT_MAX + 8];

		snprintf(mode, sizeof(mode), "mode: %s", rp->mode);
		json_array_append_new(lines, json_string("version: STSv1"));
		json_array_append_new(lines, json_string(mode));
	}
	return json_pack("{ss so ss s[]}",
	    "policy-type", rp->has_policy ? "sts" : "no-policy-found",
	    "policy-string", lines, "policy-domain", d->name, "mx-host");
}

static json_t *
details(const struct rpt_policy *rp)
{
	struct rpt_detail **v;
	json_t *a = json_array(), *e;
	size_t n;

	if ((v = agg_rpt_details(rp, &n)) == NULL) {
		json_decref(a);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		e = json_pack("{ss ss}", "result-type", v[i]->result_type,
		    "sending-mta-ip", v[i]->ip);
		if (v[i]->mx[0] != '\0')
			json_object_set_new(e, "receiving-mx-hostname",
			    json_string(v[i]->mx));
		json_object_set_new(e, "failed-session-count",
		    json_integer((json_int_t)v[i]->count));
		if (v[i]->code != NULL)
			json_object_set_new(e, "failure-reason-code",
			    json_string(v[i]->code));
		json_array_append_new(a, e);
	}
	free(v);
	return a;
}

static json_t *
policy_entry(const struct dom_stat *d, const struct rpt_policy *rp)
{
	json_t *fd = details(rp);

	if (fd == NULL)
		return NULL;
	return json_pack("{so s{sI sI} so}", "policy", policy_block(d, rp),
	    "summary",
	    "total-successful-session-count", (json_int_t)rp->ok,
	    "total-failure-session-count", (json_int_t)rp->failed,
	    "failure-details", fd);
}

static int
emit(FILE *f, json_t *report)
{
	int rc;

	if (report == NULL)
		return -1;
	rc = json_dumpf(report, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(report);
	fputc('\n', f);
	return rc;
}

/* The report for day v[0]->day: v[0..n) are that day's buckets. */
static json_t *
day_report(const struct dom_stat *d, struct rpt_policy **v, size_t n,
    const struct report_opts *o)
{
	char start[UTCTIME_STAMP_LEN], end[UTCTIME_STAMP_LEN];
	char date[UTCTIME_DATE_LEN], id[REC_NAME_MAX + 64];
	long long t = v[0]->day * UTCTIME_DAY;
	json_t *policies = json_array(), *p;

	for (size_t i = 0; i < n; i++) {
		if ((p = policy_entry(d, v[i])) == NULL) {
			json_decref(policies);
			return NULL;
		}
		json_array_append_new(policies, p);
	}
	snprintf(id, sizeof(id), "%s_%s_%lld@mtasts-report",
	    utctime_format_date(t, date, sizeof(date)), d->name, o->now);
	return json_pack("{ss s{ss ss} ss ss so}",
	    "organization-name", o->org_name, "date-range",
	    "start-datetime", utctime_format_stamp(t, start, sizeof(start)),
	    "end-datetime", utctime_format_stamp(t + UTCTIME_DAY - 1, end,
	    sizeof(end)),
	    "contact-info", o->contact, "report-id", id, "policies", policies);
}

static int
domain_reports(FILE *f, const struct dom_stat *d,
    const struct report_opts *o)
{
	struct rpt_policy **v;
	size_t n, i = 0, j;
	int rc = 0;

	if ((v = agg_rpt_policies(d, &n)) == NULL)
		return -1;
	while (i < n && rc == 0) {
		for (j = i; j < n && v[j]->day == v[i]->day; j++)
			continue;
		rc = emit(f, day_report(d, v + i, j - i, o));
		i = j;
	}
	free(v);
	return rc;
}

int
report_tlsrpt(FILE *f, const struct agg *a, const struct report_opts *o)
{
	struct dom_stat **v;
	size_t n;
	int rc = 0;

	if ((v = agg_domains(a, &n)) == NULL)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = domain_reports(f, v[i], o);
	free(v);
	return rc == 0 && !ferror(f) ? 0 : -1;
}
