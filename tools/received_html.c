/*
 * received_html.c - mtasts-report received --format html: one
 * self-contained HTML file (inline CSS, no script, no external asset)
 * drawn from the same document as --format json. With --with-logs it
 * opens with every domain's readiness at a glance (verdict, reporting
 * senders that would fail, would-fail senders with no sign of MTA-STS,
 * failures this MX did not see, days), then per domain the milter's and
 * the reporters' counts side by side per UTC day, the organisations and
 * how each was matched, and the three lists. Without logs it shows what
 * the reports say per domain and day. Rejected inputs and duplicates
 * close it. All report text is escaped.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "received.h"
#include "report_htmlesc.h"

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static long long
num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void
cell(FILE *f, const char *s)
{
	fputs("<td>", f);
	html_escape(f, s);
	fputs("</td>", f);
}

static void
cell_num(FILE *f, long long n)
{
	fprintf(f, "<td class=\"n\">%lld</td>", n);
}

/* A cell with the strings of an array, comma-separated. */
static void
cell_list(FILE *f, const json_t *a)
{
	const json_t *v;
	size_t i;

	fputs("<td>", f);
	json_array_foreach(a, i, v) {
		if (i > 0)
			fputs(", ", f);
		html_escape(f, json_is_string(v) ? json_string_value(v) : "-");
	}
	fputs("</td>", f);
}

static void
head(FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\"/>\n<title>TLS-RPT reports received"
	    "</title>\n<style>\n"
	    "body{font-family:sans-serif;margin:2em;color:#222}\n"
	    "table{border-collapse:collapse;margin:0.5em 0 1em}\n"
	    "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}\n"
	    "td.n{text-align:right}\n"
	    "td:first-child{white-space:nowrap}\n"
	    "td.v{border-left:6px solid #999;white-space:nowrap}\n"
	    "td.v-ready{border-left-color:#3a3}\n"
	    "td.v-not-ready{border-left-color:#cc3333}\n"
	    ".verdict{font-weight:bold;padding:0.5em;border-left:6px solid "
	    "#999}\n.verdict.not-ready{border-color:#cc3333}\n"
	    ".verdict.ready{border-color:#3a3}\n"
	    "</style>\n</head>\n<body>\n<h1>TLS-RPT reports received</h1>\n",
	    f);
}

static void
overview(FILE *f, const json_t *domains)
{
	const json_t *d;
	size_t i;

	fputs("<h2>Overview</h2>\n<table class=\"overview\"><tr>"
	    "<th>domain</th><th>verdict</th><th>reporting senders that would "
	    "fail</th><th>would-fail senders, no sign of MTA-STS</th>"
	    "<th>failures this MX did not see</th><th>days</th></tr>\n", f);
	json_array_foreach(domains, i, d) {
		const char *status = str(json_object_get(d, "verdict"),
		    "status");

		fprintf(f, "<tr><td><a href=\"#domain-%zu\">", i);
		html_escape(f, str(d, "domain"));
		fprintf(f, "</a></td><td class=\"v v-%s\">%s</td>", status,
		    status);
		cell_num(f, (long long)json_array_size(json_object_get(d,
		    "aware_failing")));
		cell_num(f, (long long)json_array_size(json_object_get(d,
		    "unaware_failing")));
		cell_num(f, (long long)json_array_size(json_object_get(d,
		    "unseen_failures")));
		cell_num(f, (long long)json_array_size(json_object_get(d,
		    "days")));
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

enum col_kind { COL_TEXT, COL_COUNT, COL_LIST };

struct col {
	const char	*title;
	const char	*key;
	enum col_kind	 kind;
};

#define NCOLS(c)	(sizeof(c) / sizeof((c)[0]))

/* One table: a header row of titles, a row per element of rows. */
static void
table(FILE *f, const json_t *rows, const struct col *cols, size_t ncols)
{
	const json_t *r;
	size_t i;

	fputs("<table><tr>", f);
	for (size_t c = 0; c < ncols; c++)
		fprintf(f, "<th>%s</th>", cols[c].title);
	fputs("</tr>\n", f);
	json_array_foreach(rows, i, r) {
		fputs("<tr>", f);
		for (size_t c = 0; c < ncols; c++) {
			if (cols[c].kind == COL_COUNT)
				cell_num(f, num(r, cols[c].key));
			else if (cols[c].kind == COL_LIST)
				cell_list(f, json_object_get(r, cols[c].key));
			else
				cell(f, str(r, cols[c].key));
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static const struct col aware_cols[] = {
	{ "sender", "sender", COL_TEXT },
	{ "reports as", "organization", COL_TEXT },
	{ "match", "match", COL_TEXT },
	{ "messages", "messages", COL_COUNT },
	{ "would-fail", "would_fail_messages", COL_COUNT },
	{ "reasons", "reasons", COL_LIST },
	{ "IPs", "ips", COL_LIST },
	{ "days", "days", COL_LIST }
};

static const struct col unaware_cols[] = {
	{ "sender", "sender", COL_TEXT },
	{ "messages", "messages", COL_COUNT },
	{ "would-fail", "would_fail_messages", COL_COUNT },
	{ "reasons", "reasons", COL_LIST },
	{ "IPs", "ips", COL_LIST },
	{ "days", "days", COL_LIST }
};

static const struct col unseen_cols[] = {
	{ "day", "date", COL_TEXT },
	{ "reporter", "organization", COL_TEXT },
	{ "result type", "result_type", COL_TEXT },
	{ "receiving MX", "receiving_mx", COL_TEXT },
	{ "sending IP", "sending_ip", COL_TEXT },
	{ "sessions", "count", COL_COUNT },
	{ "where to look", "where", COL_TEXT }
};

static const struct col day_cols[] = {
	{ "day", "date", COL_TEXT },
	{ "messages seen", "milter_messages", COL_COUNT },
	{ "would fail", "milter_would_fail", COL_COUNT },
	{ "reporters", "reporters", COL_LIST },
	{ "sessions reported ok", "reported_successful", COL_COUNT },
	{ "reported failed", "reported_failed", COL_COUNT }
};

static const struct col org_cols[] = {
	{ "organisation", "organization", COL_TEXT },
	{ "its domains", "reporter_domains", COL_LIST },
	{ "senders seen", "senders", COL_LIST },
	{ "match", "match", COL_TEXT },
	{ "reported ok", "reported_successful", COL_COUNT },
	{ "reported failed", "reported_failed", COL_COUNT }
};

static const struct col org_day_cols[] = {
	{ "organisation", "organization", COL_TEXT },
	{ "day", "date", COL_TEXT },
	{ "sessions reported ok", "reported_successful", COL_COUNT },
	{ "reported failed", "reported_failed", COL_COUNT },
	{ "messages seen from its senders", "milter_messages", COL_COUNT },
	{ "would fail", "milter_would_fail", COL_COUNT }
};

static const struct col report_day_cols[] = {
	{ "policy domain", "domain", COL_TEXT },
	{ "day", "date", COL_TEXT },
	{ "reporters", "organizations", COL_LIST },
	{ "sessions ok", "successful", COL_COUNT },
	{ "failed", "failed", COL_COUNT },
	{ "failed (details)", "failed_in_details", COL_COUNT }
};

static const struct col rejected_cols[] = {
	{ "input", "source", COL_TEXT },
	{ "why", "error", COL_TEXT }
};

static const struct col duplicate_cols[] = {
	{ "input", "source", COL_TEXT },
	{ "report-id", "report_id", COL_TEXT }
};

/* A heading with the number of rows, and the table when there are any. */
static void
titled(FILE *f, const char *h, const char *title, const json_t *rows,
    const struct col *cols, size_t ncols)
{
	fprintf(f, "<%s>%s: %zu</%s>\n", h, title, json_array_size(rows), h);
	if (json_array_size(rows) > 0)
		table(f, rows, cols, ncols);
}

/* Per reporter and day, what it reported beside what the milter saw. */
static void
org_days(FILE *f, const json_t *orgs)
{
	json_t *rows = json_array(), *row;
	const json_t *o, *day;
	size_t i, j;

	json_array_foreach(orgs, i, o) {
		json_array_foreach(json_object_get(o, "days"), j, day) {
			row = json_deep_copy(day);
			json_object_set(row, "organization",
			    json_object_get(o, "organization"));
			json_array_append_new(rows, row);
		}
	}
	fputs("<h3>Per reporter and UTC day: its report beside what this MX "
	    "saw of its senders</h3>\n", f);
	table(f, rows, org_day_cols, NCOLS(org_day_cols));
	json_decref(rows);
}

static void
joined_domain(FILE *f, const json_t *d, size_t no)
{
	const json_t *v = json_object_get(d, "verdict");

	fprintf(f, "<section id=\"domain-%zu\">\n<h2>", no);
	html_escape(f, str(d, "domain"));
	fprintf(f, "</h2>\n<p class=\"verdict %s\">", str(v, "status"));
	html_escape(f, str(v, "text"));
	fputs("</p>\n<h3>Per UTC day: this MX and the reporters side by "
	    "side</h3>\n", f);
	table(f, json_object_get(d, "days"), day_cols, NCOLS(day_cols));
	fputs("<h3>Reporters and the senders they map to</h3>\n", f);
	table(f, json_object_get(d, "organizations"), org_cols,
	    NCOLS(org_cols));
	org_days(f, json_object_get(d, "organizations"));
	titled(f, "h3", "1. Reporting senders that would fail (they stop "
	    "delivering at enforce)", json_object_get(d, "aware_failing"),
	    aware_cols, NCOLS(aware_cols));
	titled(f, "h3", "2. Would-fail senders with no sign of MTA-STS (they "
	    "will not notice)", json_object_get(d, "unaware_failing"),
	    unaware_cols, NCOLS(unaware_cols));
	titled(f, "h3", "3. Failures reporters saw that this MX did not",
	    json_object_get(d, "unseen_failures"), unseen_cols,
	    NCOLS(unseen_cols));
	fputs("</section>\n", f);
}

int
received_html(FILE *f, const struct received *rc, json_t *join)
{
	json_t *doc = received_doc(rc, join);
	const json_t *jd;
	size_t i;

	if (doc == NULL)
		return -1;
	head(f);
	fprintf(f, "<p>%zu reports, %zu duplicates, %zu rejected inputs.</p>\n",
	    rc->nreports, rc->duplicates.n, rc->rejected.n);
	if (join != NULL) {
		overview(f, json_object_get(join, "domains"));
		json_array_foreach(json_object_get(join, "domains"), i, jd)
			joined_domain(f, jd, i);
	}
	fputs("<h2>What the reports say</h2>\n", f);
	table(f, json_object_get(doc, "domains"), report_day_cols,
	    NCOLS(report_day_cols));
	if (json_array_size(json_object_get(doc, "rejected")) > 0)
		titled(f, "h2", "Rejected inputs", json_object_get(doc,
		    "rejected"), rejected_cols, NCOLS(rejected_cols));
	if (json_array_size(json_object_get(doc, "duplicates")) > 0)
		titled(f, "h2", "Duplicates (counted once)",
		    json_object_get(doc, "duplicates"), duplicate_cols,
		    NCOLS(duplicate_cols));
	fputs("</body>\n</html>\n", f);
	json_decref(doc);
	return ferror(f) ? -1 : 0;
}
