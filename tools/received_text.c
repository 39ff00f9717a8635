/*
 * received_text.c - mtasts-report received --format text: per policy
 * domain and UTC day what the reporters said (sessions that succeeded and
 * failed, failures by result type, receiving MX and sending IP), then the
 * reports read, the duplicates skipped and the inputs rejected.
 */
#include <stdio.h>
#include <stdlib.h>

#include "received.h"
#include "received_join.h"
#include "utctime.h"

#define COUNTS_SHOWN	10

static void
counts(FILE *f, const char *title, const struct strmap *m)
{
	struct rcv_count *v;
	size_t n;

	if (m->count == 0 || (v = received_counts(m, &n)) == NULL)
		return;
	fprintf(f, "    %s:", title);
	for (size_t i = 0; i < n && i < COUNTS_SHOWN; i++)
		fprintf(f, "%s %s %lu", i > 0 ? "," : "",
		    v[i].key[0] != '\0' ? v[i].key : "unknown", v[i].n);
	if (n > COUNTS_SHOWN)
		fprintf(f, ", and %zu more", n - COUNTS_SHOWN);
	fputc('\n', f);
	free(v);
}

static void
day(FILE *f, const struct rcv_day *d)
{
	char date[UTCTIME_DATE_LEN];

	fprintf(f, "\n%s %s: %lu report%s, %lu sessions ok, %lu failed",
	    d->domain != NULL ? d->domain : "(no policy domain)",
	    utctime_format_date(d->day * UTCTIME_DAY, date, sizeof(date)),
	    d->reports, d->reports == 1 ? "" : "s", d->successful, d->failed);
	if (d->failed_in_details != d->failed)
		fprintf(f, " (failure details add up to %lu)",
		    d->failed_in_details);
	fputc('\n', f);
	fputs("    from:", f);
	for (size_t i = 0; i < d->orgs.n; i++)
		fprintf(f, "%s %s", i > 0 ? "," : "", d->orgs.v[i]);
	fputs(d->orgs.more ? ", ...\n" : "\n", f);
	counts(f, "result types", &d->result_types);
	counts(f, "receiving MX", &d->receiving_mx);
	counts(f, "sending IP", &d->sending_ip);
}

int
received_text(FILE *f, const struct received *rc, json_t *join)
{
	struct rcv_day **v;
	size_t n;

	fprintf(f, "mtasts-report received: %zu report%s, %zu duplicate%s, "
	    "%zu rejected\n", rc->nreports, rc->nreports == 1 ? "" : "s",
	    rc->duplicates.n, rc->duplicates.n == 1 ? "" : "s",
	    rc->rejected.n);
	if ((v = received_days(rc, &n)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		day(f, v[i]);
	free(v);
	if (rc->nreports > 0)
		fputs("\nreports:\n", f);
	for (size_t i = 0; i < rc->nreports; i++) {
		const struct rcv_report *k = &rc->reports[i];
		char from[UTCTIME_STAMP_LEN];

		fprintf(f, "  %s: %s, %s, %s\n", k->source, k->r.org,
		    k->r.report_id, utctime_format_stamp(k->r.start, from,
		    sizeof(from)));
	}
	for (size_t i = 0; i < rc->duplicates.n; i++)
		fprintf(f, "duplicate: %s: report-id %s counted once\n",
		    rc->duplicates.v[i].source, rc->duplicates.v[i].text);
	for (size_t i = 0; i < rc->rejected.n; i++)
		fprintf(f, "rejected: %s: %s\n", rc->rejected.v[i].source,
		    rc->rejected.v[i].text);
	if (join != NULL && received_join_text(f, join) == -1)
		return -1;
	return ferror(f) ? -1 : 0;
}
