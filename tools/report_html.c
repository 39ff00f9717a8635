/*
 * report_html.c - the impact report as one self-contained HTML file: inline
 * CSS, tables, and per domain an inline SVG chart of daily volume (bars)
 * and would-fail share (line). No script, no external asset: it opens
 * offline. All log text is escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_format.h"
#include "utctime.h"

#define CHART_W		760
#define CHART_H		260
#define PAD_L		60
#define PAD_R		60
#define PAD_T		20
#define PAD_B		40
#define BAR_COLOUR	"#4a7ebb"
#define LINE_COLOUR	"#cc3333"

static void
esc(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

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
		esc(f, a->examples[i].file);
		fprintf(f, ":%lu: ", a->examples[i].line);
		esc(f, a->examples[i].why);
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

static void
chart_axes(FILE *f, double vmax, double smax)
{
	int x1 = CHART_W - PAD_R, y1 = CHART_H - PAD_B;

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#444\"/>\n", PAD_L, y1, x1, y1);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
	    "text-anchor=\"end\" fill=\"" BAR_COLOUR "\">%.0f msgs</text>\n",
	    PAD_L - 4, PAD_T + 10, vmax);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
	    "fill=\"" LINE_COLOUR "\">%g%%</text>\n", x1 + 4, PAD_T + 10,
	    smax);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
	    "text-anchor=\"end\">0</text>\n", PAD_L - 4, y1);
}

static void
chart(FILE *f, const struct dom_stat *d)
{
	double vmax = 1, smax = 0, bw, x, y, h;
	int plot_w = CHART_W - PAD_L - PAD_R, plot_h = CHART_H - PAD_T - PAD_B;
	char date[UTCTIME_DATE_LEN];
	size_t label_every;

	if (d->ndays == 0)
		return;
	for (size_t i = 0; i < d->ndays; i++) {
		unsigned long m = agg_total(d->days[i].msgs);
		double s = agg_share(d->days[i].msgs[VERDICT_WOULD_FAIL], m);

		vmax = m > vmax ? (double)m : vmax;
		smax = s > smax ? s : smax;
	}
	vmax = nice(vmax);
	smax = nice(smax > 0 ? smax : 1);
	bw = (double)plot_w / (double)d->ndays;
	label_every = d->ndays / 10 + 1;
	fprintf(f, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n"
	    "<title>daily messages (bars) and would-fail share (line)</title>\n",
	    CHART_W, CHART_H, CHART_W, CHART_H);
	chart_axes(f, vmax, smax);
	for (size_t i = 0; i < d->ndays; i++) {
		unsigned long m = agg_total(d->days[i].msgs);

		h = plot_h * (double)m / vmax;
		x = PAD_L + bw * (double)i;
		utctime_format_date(d->days[i].day * UTCTIME_DAY, date,
		    sizeof(date));
		fprintf(f, "<rect class=\"vol\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\" fill=\"" BAR_COLOUR "\">"
		    "<title>%s: %lu messages</title></rect>\n", x + bw * 0.1,
		    CHART_H - PAD_B - h, bw * 0.8, h, date, m);
		if (i % label_every == 0)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
			    "text-anchor=\"middle\">%s</text>\n", x + bw / 2,
			    CHART_H - PAD_B + 14, date + 5);
	}
	fputs("<polyline class=\"share\" fill=\"none\" stroke=\"" LINE_COLOUR
	    "\" stroke-width=\"3\" points=\"", f);
	for (size_t i = 0; i < d->ndays; i++) {
		unsigned long m = agg_total(d->days[i].msgs);

		y = CHART_H - PAD_B - plot_h *
		    agg_share(d->days[i].msgs[VERDICT_WOULD_FAIL], m) / smax;
		fprintf(f, "%s%.1f,%.1f", i > 0 ? " " : "",
		    PAD_L + bw * ((double)i + 0.5), y);
	}
	fputs("\"/>\n</svg>\n", f);
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
		esc(f, l->v[i][0] != '\0' ? l->v[i] : "-");
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
	esc(f, agg_org_label(o, buf, sizeof(buf)));
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
domain(FILE *f, const struct agg *a, const struct dom_stat *d,
    const struct report_opts *o)
{
	struct readiness_verdict v;

	agg_readiness(a, d, &v);
	fputs("<section>\n<h2>", f);
	esc(f, d->name);
	fputs("</h2>\n", f);
	if (d->mode[0] != '\0') {
		fputs("<p>policy mode ", f);
		esc(f, d->mode);
		fputs(", id ", f);
		esc(f, d->id);
		fputs(", source ", f);
		esc(f, d->source[0] != '\0' ? d->source : "unknown");
		fputs("</p>\n", f);
	}
	fprintf(f, "<p class=\"verdict %s\">", agg_readiness_name(v.status));
	esc(f, v.text);
	fputs("</p>\n", f);
	chart(f, d);
	results(f, d);
	reasons(f, d);
	if (senders(f, d, o) == -1)
		return -1;
	days(f, d);
	fputs("</section>\n", f);
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
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = domain(f, a, v[i], o);
	fputs("</body>\n</html>\n", f);
	free(v);
	return rc == 0 && !ferror(f) ? 0 : -1;
}
