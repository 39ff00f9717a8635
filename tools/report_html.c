/*
 * report_html.c - the impact report as one self-contained HTML file: inline
 * CSS, an overview of every domain's readiness, then per domain tables and
 * two inline SVG charts: daily volume (bars) with the would-fail share
 * (line), and the would-fail reasons stacked per day. Both charts span
 * every day from the first to the last, so days without data show as
 * gaps. Failing senders are also grouped by organisation (the registered
 * domain of their PTR). No script, no external asset: it opens offline.
 * All log text is escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_format.h"
#include "report_htmlesc.h"
#include "utctime.h"

#define CHART_W		760
#define CHART_H		260
#define PAD_L		70
#define PAD_R		60
#define PAD_T		20
#define PAD_B		40
#define BAR_COLOUR	"#4a7ebb"
#define LINE_COLOUR	"#cc3333"
#define REASONS_H	200
#define ORGS_SHOWN	20

/* One colour per reason bit, in REASON_* order, the last for "other". */
static const char *const reason_colours[REC_REASONS] = {
	"#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
	"#1b9e77", "#666666", "#17becf", "#bcbd22"
};

static void
head(FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\"/>\n<title>MTA-STS impact report</title>\n"
	    "<style>\n"
	    "body{font-family:sans-serif;margin:2em;color:#222}\n"
	    "table{border-collapse:collapse;margin:0.5em 0 1em}\n"
	    "th,td{border:1px solid #ccc;padding:2px 8px;text-align:right}\n"
	    "th:first-child,td:first-child{text-align:left}\n"
	    "td.l{text-align:left}\n"
	    ".verdict{font-weight:bold;padding:0.5em;border-left:6px solid}\n"
	    ".ready,.enforced{border-color:#3a3}.not-ready,.policy-error"
	    "{border-color:#c33}.no-policy{border-color:#999}\n"
	    "table.overview td{white-space:nowrap}\n"
	    "table.overview td.v{text-align:left;border-left:6px solid #999}\n"
	    "td.v-ready,td.v-enforced{border-left-color:#3a3 !important}\n"
	    "td.v-not-ready,td.v-policy-error{border-left-color:#c33 "
	    "!important}\n"
	    ".legend span{display:inline-block;width:10px;height:10px;"
	    "margin:0 4px 0 12px}\n"
	    "</style>\n</head>\n<body>\n<h1>MTA-STS impact report</h1>\n", f);
}

static void
summary(FILE *f, const struct agg *a)
{
	fprintf(f, "<p>%lu lines, %lu records, %lld days; malformed lines: "
	    "%lu; unreadable inputs: %lu; outside the window: %lu.</p>\n",
	    a->lines, a->records, agg_window_days(a), a->malformed,
	    a->unreadable, a->outside);
	for (unsigned long i = 0; i < a->malformed && i < AGG_EXAMPLES; i++) {
		fputs("<p>malformed: ", f);
		html_escape(f, a->examples[i].file);
		fprintf(f, ":%lu: ", a->examples[i].line);
		html_escape(f, a->examples[i].why);
		fputs("</p>\n", f);
	}
}

/* Axis scale: the smallest of 1, 2, 5 x 10^k at or above v. */
static double
nice(double v)
{
	double step = 1e-3;

	while (step < 1e15) {
		if (v <= step)
			return step;
		if (v <= 2 * step)
			return 2 * step;
		if (v <= 5 * step)
			return 5 * step;
		step *= 10;
	}
	return v;
}

/* Days from the first to the last with data (gaps included). */
static long long
day_span(const struct dom_stat *d)
{
	return d->ndays == 0 ? 0 :
	    d->days[d->ndays - 1].day - d->days[0].day + 1;
}

/*
 * The frame of a chart of height h: the x axis, the left scale (its top
 * value and 0, right-aligned inside the padding, the unit written above
 * the plot so that nothing is clipped), and a date under every
 * label_every-th day of the span.
 */
static void
chart_frame(FILE *f, const struct dom_stat *d, int h, double vmax,
    const char *unit)
{
	int x1 = CHART_W - PAD_R, y1 = h - PAD_B;
	long long span = day_span(d);
	double bw = (double)(CHART_W - PAD_L - PAD_R) / (double)span;
	long long label_every = span / 10 + 1;
	char date[UTCTIME_DATE_LEN];

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#444\"/>\n", PAD_L, y1, x1, y1);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
	    "text-anchor=\"end\">%.0f</text>\n", PAD_L - 4, PAD_T + 4, vmax);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n",
	    PAD_L, PAD_T - 8, unit);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
	    "text-anchor=\"end\">0</text>\n", PAD_L - 4, y1);
	for (long long i = 0; i < span; i += label_every) {
		utctime_format_date((d->days[0].day + i) * UTCTIME_DAY, date,
		    sizeof(date));
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
		    "text-anchor=\"middle\">%s</text>\n",
		    PAD_L + bw * ((double)i + 0.5), y1 + 14, date + 5);
	}
}

static void
chart_open(FILE *f, const char *class, int h, const char *title)
{
	fprintf(f, "<svg class=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n"
	    "<title>%s</title>\n", class, CHART_W, h, CHART_W, h, title);
}

static void
chart(FILE *f, const struct dom_stat *d)
{
	double vmax = 1, smax = 0, bw, x, y, h;
	int plot_h = CHART_H - PAD_T - PAD_B;
	long long span = day_span(d), prev = -2;
	char date[UTCTIME_DATE_LEN];

	if (d->ndays == 0)
		return;
	for (size_t i = 0; i < d->ndays; i++) {
		unsigned long m = agg_total(d->days[i].msgs);
		double sh = agg_share(d->days[i].msgs[VERDICT_WOULD_FAIL], m);

		vmax = m > vmax ? (double)m : vmax;
		smax = sh > smax ? sh : smax;
	}
	vmax = nice(vmax);
	smax = nice(smax > 0 ? smax : 1);
	bw = (double)(CHART_W - PAD_L - PAD_R) / (double)span;
	chart_open(f, "chart", CHART_H, "daily messages (bars) and would-fail share "
	    "(line)");
	chart_frame(f, d, CHART_H, vmax, "messages per day");
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
	    "fill=\"" LINE_COLOUR "\">%g%%</text>\n", CHART_W - PAD_R + 4,
	    PAD_T + 4, smax);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
	    "text-anchor=\"end\" fill=\"" LINE_COLOUR "\">would-fail share"
	    "</text>\n", CHART_W - PAD_R, PAD_T - 8);
	for (size_t i = 0; i < d->ndays; i++) {
		unsigned long m = agg_total(d->days[i].msgs);

		h = plot_h * (double)m / vmax;
		x = PAD_L + bw * (double)(d->days[i].day - d->days[0].day);
		utctime_format_date(d->days[i].day * UTCTIME_DAY, date,
		    sizeof(date));
		fprintf(f, "<rect class=\"vol\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\" fill=\"" BAR_COLOUR "\">"
		    "<title>%s: %lu messages</title></rect>\n", x + bw * 0.1,
		    CHART_H - PAD_B - h, bw * 0.8, h, date, m);
	}
	/* One line per run of consecutive days: a day without data breaks it. */
	for (size_t i = 0; i < d->ndays; i++) {
		unsigned long m = agg_total(d->days[i].msgs);
		long long slot = d->days[i].day - d->days[0].day;

		y = CHART_H - PAD_B - plot_h *
		    agg_share(d->days[i].msgs[VERDICT_WOULD_FAIL], m) / smax;
		if (slot != prev + 1)
			fprintf(f, "%s<polyline class=\"share\" fill=\"none\" "
			    "stroke=\"" LINE_COLOUR "\" stroke-width=\"3\" "
			    "points=\"", i > 0 ? "\"/>\n" : "");
		else
			fputc(' ', f);
		fprintf(f, "%.1f,%.1f", PAD_L + bw * ((double)slot + 0.5), y);
		prev = slot;
	}
	fputs("\"/>\n</svg>\n", f);
}

/* Would-fail messages per day, one stacked colour per reason. */
static void
reasons_chart(FILE *f, const struct dom_stat *d)
{
	int plot_h = REASONS_H - PAD_T - PAD_B;
	double vmax = 0, bw, x, y, h;
	char date[UTCTIME_DATE_LEN];
	unsigned used = 0;

	for (size_t i = 0; i < d->ndays; i++) {
		double sum = 0;

		for (unsigned r = 0; r < REC_REASONS; r++) {
			sum += (double)d->days[i].reason_msgs[r];
			used |= d->days[i].reason_msgs[r] > 0 ? 1u << r : 0;
		}
		vmax = sum > vmax ? sum : vmax;
	}
	if (used == 0)
		return;
	vmax = nice(vmax);
	bw = (double)(CHART_W - PAD_L - PAD_R) / (double)day_span(d);
	fputs("<p class=\"legend\">reasons of the would-fail messages per "
	    "day:", f);
	for (unsigned r = 0; r < REC_REASONS; r++) {
		if (used & (1u << r))
			fprintf(f, "<span style=\"background:%s\"></span>%s",
			    reason_colours[r], rec_reason_name(1u << r));
	}
	fputs("</p>\n", f);
	chart_open(f, "reasons-chart", REASONS_H, "would-fail messages per day by reason");
	chart_frame(f, d, REASONS_H, vmax, "messages per reason");
	for (size_t i = 0; i < d->ndays; i++) {
		x = PAD_L + bw * (double)(d->days[i].day - d->days[0].day);
		y = REASONS_H - PAD_B;
		utctime_format_date(d->days[i].day * UTCTIME_DAY, date,
		    sizeof(date));
		for (unsigned r = 0; r < REC_REASONS; r++) {
			unsigned long n = d->days[i].reason_msgs[r];

			if (n == 0)
				continue;
			h = plot_h * (double)n / vmax;
			y -= h;
			fprintf(f, "<rect class=\"reason\" x=\"%.1f\" "
			    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			    "fill=\"%s\"><title>%s: %s %lu</title></rect>\n",
			    x + bw * 0.1, y, bw * 0.8, h, reason_colours[r],
			    date, rec_reason_name(1u << r), n);
		}
	}
	fputs("</svg>\n", f);
}

static void
results(FILE *f, const struct dom_stat *d)
{
	fputs("<table class=\"results\"><tr><th>result</th><th>messages</th>"
	    "<th>sessions</th></tr>\n", f);
	for (int i = 0; i < REC_RESULTS; i++)
		fprintf(f, "<tr><td>%s</td><td>%lu</td><td>%lu</td></tr>\n",
		    verdict_result_name((enum verdict_result)i), d->msgs[i],
		    d->sessions[i]);
	fprintf(f, "<tr><th>total</th><th>%lu</th><th>%lu</th></tr>\n"
	    "</table>\n", agg_total(d->msgs), agg_total(d->sessions));
}

static void
reasons(FILE *f, const struct dom_stat *d)
{
	unsigned long senders[REC_REASONS];

	agg_reason_senders(d, senders);
	fputs("<table class=\"reasons\"><tr><th>reason</th><th>messages</th>"
	    "<th>senders</th></tr>\n", f);
	for (unsigned i = 0; i < REC_REASONS; i++) {
		if (d->reason_msgs[i] > 0 || senders[i] > 0)
			fprintf(f, "<tr><td>%s</td><td>%lu</td><td>%lu</td>"
			    "</tr>\n", rec_reason_name(1u << i),
			    d->reason_msgs[i], senders[i]);
	}
	fputs("</table>\n", f);
}

static void
cell_list(FILE *f, const struct strlist *l)
{
	fputs("<td class=\"l\">", f);
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			fputs(", ", f);
		html_escape(f, l->v[i][0] != '\0' ? l->v[i] : "-");
	}
	if (l->more)
		fputs(", ...", f);
	fputs("</td>", f);
}

static void
sender_row(FILE *f, const struct org *o)
{
	char buf[REC_NAME_MAX * 2], first[UTCTIME_STAMP_LEN];
	char last[UTCTIME_STAMP_LEN];

	fputs("<tr><td>", f);
	html_escape(f, agg_org_label(o, buf, sizeof(buf)));
	fprintf(f, "</td><td>%lu</td><td>%lu</td><td class=\"l\">%s</td>",
	    o->msgs, o->wf_msgs, agg_reasons_text(o->reasons, buf,
	    sizeof(buf)));
	cell_list(f, &o->ips);
	cell_list(f, &o->helos);
	cell_list(f, &o->tls);
	fprintf(f, "<td>%s</td><td>%s</td></tr>\n",
	    utctime_format_stamp(o->first, first, sizeof(first)),
	    utctime_format_stamp(o->last, last, sizeof(last)));
}

static int
senders(FILE *f, const struct dom_stat *d, const struct report_opts *o)
{
	struct org **v;
	size_t n;

	if ((v = agg_failing(d, &n)) == NULL)
		return -1;
	fprintf(f, "<h3>Senders that would fail: %zu of %zu</h3>\n", n,
	    d->orgs.count);
	if (n > 0)
		fputs("<table class=\"senders\"><tr><th>sender</th>"
		    "<th>messages</th><th>would-fail</th><th>reasons</th>"
		    "<th>IPs</th><th>HELO</th><th>TLS</th><th>first seen</th>"
		    "<th>last seen</th></tr>\n", f);
	for (size_t i = 0; i < n && i < o->top; i++)
		sender_row(f, v[i]);
	if (n > 0)
		fputs("</table>\n", f);
	free(v);
	return 0;
}

struct org_group {
	const char	*name;
	unsigned long	 senders, msgs, wf_msgs;
	unsigned	 reasons;
};

static int
cmp_group(const void *x, const void *y)
{
	const struct org_group *a = x, *b = y;

	if (a->wf_msgs != b->wf_msgs)
		return a->wf_msgs < b->wf_msgs ? 1 : -1;
	return strcmp(a->name, b->name);
}

/*
 * The failing senders grouped by organisation: the registered domain of
 * their PTR name (google.com, outlook.com), "(no PTR)" when they had none.
 */
static int
organisations(FILE *f, const struct dom_stat *d)
{
	struct org_group *g;
	struct org **v;
	size_t n, ng = 0, k;
	char buf[REC_NAME_MAX * 2];

	if ((v = agg_failing(d, &n)) == NULL)
		return -1;
	if (n == 0 || (g = calloc(n, sizeof(*g))) == NULL) {
		free(v);
		return n == 0 ? 0 : -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = v[i]->ptr_org[0] != '\0' ? v[i]->ptr_org :
		    "(no PTR)";

		for (k = 0; k < ng && strcmp(g[k].name, name) != 0; k++)
			continue;
		if (k == ng)
			g[ng++].name = name;
		g[k].senders++;
		g[k].msgs += v[i]->msgs;
		g[k].wf_msgs += v[i]->wf_msgs;
		g[k].reasons |= v[i]->reasons;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	fprintf(f, "<h3>Organisations that would fail: %zu</h3>\n"
	    "<table class=\"orgs\"><tr><th>organisation (PTR domain)</th>"
	    "<th>senders</th><th>messages</th><th>would-fail</th>"
	    "<th>reasons</th></tr>\n", ng);
	for (k = 0; k < ng && k < ORGS_SHOWN; k++) {
		fputs("<tr><td>", f);
		html_escape(f, g[k].name);
		fprintf(f, "</td><td>%lu</td><td>%lu</td><td>%lu</td>"
		    "<td class=\"l\">%s</td></tr>\n", g[k].senders, g[k].msgs,
		    g[k].wf_msgs, agg_reasons_text(g[k].reasons, buf,
		    sizeof(buf)));
	}
	fputs("</table>\n", f);
	free(g);
	free(v);
	return 0;
}

static void
days(FILE *f, const struct dom_stat *d)
{
	char date[UTCTIME_DATE_LEN];

	fputs("<table class=\"days\"><tr><th>day</th><th>messages</th>"
	    "<th>would-fail</th><th>share</th></tr>\n", f);
	for (size_t i = 0; i < d->ndays; i++) {
		unsigned long m = agg_total(d->days[i].msgs);

		fprintf(f, "<tr><td>%s</td><td>%lu</td><td>%lu</td>"
		    "<td>%.2f%%</td></tr>\n",
		    utctime_format_date(d->days[i].day * UTCTIME_DAY, date,
		    sizeof(date)), m, d->days[i].msgs[VERDICT_WOULD_FAIL],
		    agg_share(d->days[i].msgs[VERDICT_WOULD_FAIL], m));
	}
	fputs("</table>\n", f);
}

static int
domain(FILE *f, const struct agg *a, const struct dom_stat *d, size_t no,
    const struct report_opts *o)
{
	struct readiness_verdict v;

	agg_readiness(a, d, &v);
	fprintf(f, "<section id=\"domain-%zu\">\n<h2>", no);
	html_escape(f, d->name);
	fputs("</h2>\n", f);
	if (d->mode[0] != '\0') {
		fputs("<p>policy mode ", f);
		html_escape(f, d->mode);
		fputs(", id ", f);
		html_escape(f, d->id);
		fputs(", source ", f);
		html_escape(f, d->source[0] != '\0' ? d->source : "unknown");
		fputs("</p>\n", f);
	}
	fprintf(f, "<p class=\"verdict %s\">", agg_readiness_name(v.status));
	html_escape(f, v.text);
	fputs("</p>\n", f);
	chart(f, d);
	reasons_chart(f, d);
	results(f, d);
	reasons(f, d);
	if (organisations(f, d) == -1 || senders(f, d, o) == -1)
		return -1;
	days(f, d);
	fputs("</section>\n", f);
	return 0;
}

/* Every domain's readiness at a glance, each linked to its section. */
static int
overview(FILE *f, const struct agg *a, struct dom_stat **v, size_t n)
{
	struct readiness_verdict rv;
	char first[UTCTIME_DATE_LEN], last[UTCTIME_DATE_LEN];

	fputs("<h2>Overview</h2>\n<table class=\"overview\"><tr>"
	    "<th>domain</th><th>verdict</th><th>policy</th>"
	    "<th>would-fail messages</th><th>failing senders</th>"
	    "<th>days observed</th></tr>\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct dom_stat *d = v[i];
		struct org **fl;
		size_t nf;

		if ((fl = agg_failing(d, &nf)) == NULL)
			return -1;
		free(fl);
		agg_readiness(a, d, &rv);
		fprintf(f, "<tr><td><a href=\"#domain-%zu\">", i);
		html_escape(f, d->name);
		fprintf(f, "</a></td><td class=\"v v-%s\">%s</td><td>",
		    agg_readiness_name(rv.status),
		    agg_readiness_name(rv.status));
		html_escape(f, d->mode[0] != '\0' ? d->mode : "-");
		fprintf(f, "</td><td>%.2f%% (%lu)</td><td>%zu of %zu</td>",
		    agg_share(d->msgs[VERDICT_WOULD_FAIL], agg_total(d->msgs)),
		    d->msgs[VERDICT_WOULD_FAIL], nf, d->orgs.count);
		if (d->ndays > 0)
			fprintf(f, "<td>%zu (%s to %s)</td></tr>\n", d->ndays,
			    utctime_format_date(d->days[0].day * UTCTIME_DAY,
			    first, sizeof(first)), utctime_format_date(
			    d->days[d->ndays - 1].day * UTCTIME_DAY, last,
			    sizeof(last)));
		else
			fputs("<td>0</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	return 0;
}

int
report_html(FILE *f, const struct agg *a, const struct report_opts *o)
{
	struct dom_stat **v;
	size_t n;
	int rc = 0;

	if ((v = agg_domains(a, &n)) == NULL)
		return -1;
	head(f);
	summary(f, a);
	if (overview(f, a, v, n) == -1)
		rc = -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = domain(f, a, v[i], i, o);
	fputs("</body>\n</html>\n", f);
	free(v);
	return rc == 0 && !ferror(f) ? 0 : -1;
}
