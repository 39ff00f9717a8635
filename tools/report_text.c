/*
 * report_text.c - the impact report as aligned plain-text tables for a
 * terminal: per domain the verdict, results, reasons, the senders that
 * would fail and the daily trend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_format.h"
#include "utctime.h"

#define LABEL_MAX	48	/* sender column width cap */

static void
header(FILE *f, const struct agg *a)
{
	char from[UTCTIME_DATE_LEN], to[UTCTIME_DATE_LEN];
	long long first = a->has_since ? a->since : a->first;
	long long last = a->has_until ? a->until - 1 : a->last;

	fprintf(f, "mtasts-report: %lu lines, %lu records", a->lines,
	    a->records);
	if (last >= first && (a->has_since || a->seen))
		fprintf(f, "; %s to %s (%lld days)",
		    utctime_format_date(first, from, sizeof(from)),
		    utctime_format_date(last, to, sizeof(to)),
		    agg_window_days(a));
	fputc('\n', f);
	if (a->outside > 0)
		fprintf(f, "outside the window: %lu records\n", a->outside);
	if (a->malformed > 0)
		fprintf(f, "malformed lines: %lu (first: %s:%lu: %s)\n",
		    a->malformed, a->examples[0].file, a->examples[0].line,
		    a->examples[0].why);
	for (unsigned long i = 0; i < a->unreadable && i < AGG_EXAMPLES; i++)
		fprintf(f, "unreadable input: %s\n", a->faults[i]);
	if (a->bare_sessions > 0)
		fprintf(f, "connections without a message or recipient: %lu\n",
		    a->bare_sessions);
}

static void
results(FILE *f, const struct dom_stat *d, size_t failing)
{
	unsigned long m = agg_total(d->msgs), s = agg_total(d->sessions);

	fprintf(f, "\n  %-16s %10s %10s\n", "result", "messages", "sessions");
	for (int i = 0; i < REC_RESULTS; i++)
		fprintf(f, "  %-16s %10lu %10lu\n",
		    verdict_result_name((enum verdict_result)i), d->msgs[i],
		    d->sessions[i]);
	fprintf(f, "  %-16s %10lu %10lu\n", "total", m, s);
	fprintf(f, "  would-fail share: %.2f%% of messages, %.2f%% of senders "
	    "(%zu of %zu)\n", agg_share(d->msgs[VERDICT_WOULD_FAIL], m),
	    agg_share(failing, d->orgs.count), failing, d->orgs.count);
}

static void
reasons(FILE *f, const struct dom_stat *d)
{
	unsigned long senders[REC_REASONS];

	int any = 0;

	agg_reason_senders(d, senders);
	fprintf(f, "\n  %-26s %10s %8s\n", "reason", "messages", "senders");
	for (unsigned i = 0; i < REC_REASONS; i++) {
		if (d->reason_msgs[i] == 0 && senders[i] == 0)
			continue;
		any = 1;
		fprintf(f, "  %-26s %10lu %8lu\n", rec_reason_name(1u << i),
		    d->reason_msgs[i], senders[i]);
	}
	if (!any)
		fputs("  (none)\n", f);
}

static void
list(FILE *f, const char *name, const struct strlist *l)
{
	fprintf(f, " %s:", name);
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s%s", i > 0 ? "," : " ", l->v[i][0] != '\0' ?
		    l->v[i] : "-");
	if (l->more)
		fputs(",...", f);
}

static void
sender(FILE *f, const struct org *o, int width)
{
	char label[REC_NAME_MAX * 2], first[UTCTIME_STAMP_LEN];
	char last[UTCTIME_STAMP_LEN], why[256];

	fprintf(f, "  %-*.*s %10lu %10lu  %s  %s  %s\n", width, width,
	    agg_org_label(o, label, sizeof(label)), o->msgs, o->wf_msgs,
	    utctime_format_stamp(o->first, first, sizeof(first)),
	    utctime_format_stamp(o->last, last, sizeof(last)),
	    agg_reasons_text(o->reasons, why, sizeof(why)));
	fputs("   ", f);
	list(f, "ip", &o->ips);
	list(f, "helo", &o->helos);
	list(f, "tls", &o->tls);
	fputc('\n', f);
}

static void
senders(FILE *f, struct org **v, size_t n, const struct report_opts *o)
{
	char label[REC_NAME_MAX * 2];
	size_t shown = n < o->top ? n : o->top;
	int width = 6, len;

	if (shown == 0)
		return;
	for (size_t i = 0; i < shown; i++) {
		len = (int)strlen(agg_org_label(v[i], label, sizeof(label)));
		if (len > width)
			width = len > LABEL_MAX ? LABEL_MAX : len;
	}
	fprintf(f, "\n  senders that would fail: %zu (largest %zu)\n", n,
	    shown);
	fprintf(f, "  %-*s %10s %10s  %-20s  %-20s  %s\n", width, "sender",
	    "messages", "would-fail", "first seen", "last seen", "reasons");
	for (size_t i = 0; i < shown; i++)
		sender(f, v[i], width);
}

static void
days(FILE *f, const struct dom_stat *d)
{
	char date[UTCTIME_DATE_LEN];

	fprintf(f, "\n  %-10s %10s %10s %8s\n", "day", "messages",
	    "would-fail", "share");
	for (size_t i = 0; i < d->ndays; i++) {
		unsigned long m = agg_total(d->days[i].msgs);

		fprintf(f, "  %-10s %10lu %10lu %7.2f%%\n",
		    utctime_format_date(d->days[i].day * UTCTIME_DAY, date,
		    sizeof(date)), m, d->days[i].msgs[VERDICT_WOULD_FAIL],
		    agg_share(d->days[i].msgs[VERDICT_WOULD_FAIL], m));
	}
}

static int
domain(FILE *f, const struct agg *a, const struct dom_stat *d,
    const struct report_opts *o)
{
	struct readiness_verdict v;
	struct org **failing;
	size_t n;

	if ((failing = agg_failing(d, &n)) == NULL)
		return -1;
	fprintf(f, "\n%s", d->name);
	if (d->mode[0] != '\0')
		fprintf(f, "  (policy mode %s, id %s, %s)", d->mode, d->id,
		    d->source[0] != '\0' ? d->source : "source unknown");
	agg_readiness(a, d, &v);
	fprintf(f, "\n  verdict: %s\n", v.text);
	results(f, d, n);
	reasons(f, d);
	senders(f, failing, n, o);
	days(f, d);
	free(failing);
	return 0;
}

int
report_text(FILE *f, const struct agg *a, const struct report_opts *o)
{
	struct dom_stat **v;
	size_t n;
	int rc = 0;

	header(f, a);
	if ((v = agg_domains(a, &n)) == NULL)
		return -1;
	if (n == 0)
		fputs("no recipient domain in the selected input\n", f);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = domain(f, a, v[i], o);
	free(v);
	return rc == 0 && !ferror(f) ? 0 : -1;
}
