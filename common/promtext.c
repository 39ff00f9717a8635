/*
 * promtext.c - the metrics snapshot as Prometheus text (see promtext.h).
 *
 * The plain counters are a table: each enum metrics_counter belongs to one
 * family (name, help) and carries at most one label, so adding a counter
 * is one line here and one in metrics.h. The families come out in table
 * order, each with HELP and TYPE before its samples, as the format asks.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"

struct text {
	char	*buf;
	size_t	 len, size;
	int	 failed;		/* out of memory or too long */
};

enum family_type { COUNTER, GAUGE };

struct family {
	const char	*name;
	enum family_type type;
	const char	*help;
};

enum {
	F_SESSIONS, F_MESSAGES, F_SKIPPED, F_TXT, F_FETCH, F_PROBE,
	F_JSON_WRITTEN, F_JSON_DROPPED, F_JSON_LOST, F_FAMILIES
};

static const struct family families[F_FAMILIES] = {
	[F_SESSIONS] = { "mtasts_sessions_total", COUNTER,
	    "SMTP connections the milter saw close (its own MX probes not "
	    "counted)." },
	[F_MESSAGES] = { "mtasts_messages_total", COUNTER,
	    "Messages finished, at end of message or abort." },
	[F_SKIPPED] = { "mtasts_messages_skipped_total", COUNTER,
	    "Messages not judged, by why." },
	[F_TXT] = { "mtasts_txt_lookups_total", COUNTER,
	    "_mta-sts TXT lookups by policy discovery, by outcome." },
	[F_FETCH] = { "mtasts_policy_fetches_total", COUNTER,
	    "HTTPS policy fetches by policy discovery, by outcome." },
	[F_PROBE] = { "mtasts_mx_probes_total", COUNTER,
	    "STARTTLS self-probes of the MX names served, by outcome." },
	[F_JSON_WRITTEN] = { "mtasts_json_records_written_total", COUNTER,
	    "JSON log records written to json_log." },
	[F_JSON_DROPPED] = { "mtasts_json_records_dropped_total", COUNTER,
	    "JSON log records never queued for writing, by why." },
	[F_JSON_LOST] = { "mtasts_json_records_lost_total", COUNTER,
	    "JSON log records queued but not written (write error)." },
};

static const struct counter_sample {
	enum metrics_counter counter;
	int		 family;
	const char	*label;		/* NULL: none */
	const char	*value;
} samples[] = {
	{ METRIC_SESSIONS, F_SESSIONS, NULL, NULL },
	{ METRIC_MESSAGES, F_MESSAGES, NULL, NULL },
	{ METRIC_SKIPPED_AUTHENTICATED, F_SKIPPED, "reason", "authenticated" },
	{ METRIC_TXT_VALID, F_TXT, "outcome", "valid" },
	{ METRIC_TXT_ABSENT, F_TXT, "outcome", "absent" },
	{ METRIC_TXT_INVALID, F_TXT, "outcome", "invalid" },
	{ METRIC_TXT_DNS_FAILURE, F_TXT, "outcome", "dns-failure" },
	{ METRIC_FETCH_OK, F_FETCH, "outcome", "ok" },
	{ METRIC_FETCH_ERROR, F_FETCH, "outcome", "sts-policy-fetch-error" },
	{ METRIC_FETCH_POLICY_INVALID, F_FETCH, "outcome",
	    "sts-policy-invalid" },
	{ METRIC_FETCH_WEBPKI_INVALID, F_FETCH, "outcome",
	    "sts-webpki-invalid" },
	{ METRIC_PROBE_JUDGED, F_PROBE, "outcome", "judged" },
	{ METRIC_PROBE_FAILED, F_PROBE, "outcome", "failed" },
	{ METRIC_JSON_WRITTEN, F_JSON_WRITTEN, NULL, NULL },
	{ METRIC_JSON_DROPPED, F_JSON_DROPPED, "reason", "queue-full" },
	{ METRIC_JSON_TOO_LONG, F_JSON_DROPPED, "reason", "too-long" },
	{ METRIC_JSON_LOST, F_JSON_LOST, NULL, NULL },
};

_Static_assert(sizeof(samples) / sizeof(samples[0]) == METRIC_COUNTERS,
    "every counter has its sample line");

static const char *const callback_names[METRICS_CALLBACKS] = {
	"negotiate", "connect", "helo", "envfrom", "envrcpt", "header", "eom",
	"abort", "close",
};

/* The bucket bounds of metrics_latency_bounds_ns, as le values. */
static const char *const bucket_le[METRICS_LATENCY_BUCKETS] = {
	"0.00001", "0.00005", "0.0001", "0.00025", "0.0005", "0.001",
	"0.0025", "0.005", "0.01", "0.05", "0.25", "1",
};

static void
put(struct text *t, const char *s, size_t n)
{
	size_t	want;
	char	*nb;

	if (t->failed)
		return;
	if (t->len + n + 1 > PROMTEXT_MAX) {
		t->failed = 1;
		return;
	}
	if (t->len + n + 1 > t->size) {
		want = t->size > 0 ? t->size : 4096;
		while (want < t->len + n + 1)
			want *= 2;
		if ((nb = realloc(t->buf, want)) == NULL) {
			t->failed = 1;
			return;
		}
		t->buf = nb;
		t->size = want;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void
puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
putf(struct text *t, const char *fmt, ...)
{
	char	line[512];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		t->failed = 1;
		return;
	}
	put(t, line, (size_t)n);
}

/* A label value, escaped as exposition format 0.0.4 says. */
static void
put_escaped(struct text *t, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			puts_(t, "\\\\");
		else if (*s == '"')
			puts_(t, "\\\"");
		else if (*s == '\n')
			puts_(t, "\\n");
		else
			put(t, s, 1);
	}
}

static void
put_header(struct text *t, const char *name, const char *type,
    const char *help)
{
	putf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{l1="v1",l2="v2"} value; labels as name/value pairs, NULL-ended. */
static void
put_sample(struct text *t, const char *name, const char *const *labels,
    uint64_t value)
{
	size_t	i;

	puts_(t, name);
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		puts_(t, i == 0 ? "{" : ",");
		puts_(t, labels[i]);
		puts_(t, "=\"");
		put_escaped(t, labels[i + 1]);
		puts_(t, "\"");
	}
	if (labels != NULL && labels[0] != NULL)
		puts_(t, "}");
	putf(t, " %" PRIu64 "\n", value);
}

static void
put_counters(struct text *t, const struct metrics_view *v, int first,
    int last)
{
	const char *labels[3];
	size_t	i;
	int	f;

	for (f = first; f <= last; f++) {
		put_header(t, families[f].name,
		    families[f].type == COUNTER ? "counter" : "gauge",
		    families[f].help);
		for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
			if (samples[i].family != f)
				continue;
			labels[0] = samples[i].label;
			labels[1] = samples[i].value;
			labels[2] = NULL;
			put_sample(t, families[f].name, labels,
			    v->counters[samples[i].counter]);
		}
	}
}

static void
put_gauge(struct text *t, const char *name, const char *help,
    uint64_t value)
{
	put_header(t, name, "gauge", help);
	put_sample(t, name, NULL, value);
}

static void
put_process(struct text *t, const struct metrics_view *v)
{
	const char *labels[] = { "version", v->version, NULL };

	put_header(t, "mtasts_build_info", "gauge",
	    "Always 1; the version label names the running build.");
	put_sample(t, "mtasts_build_info", labels, 1);
	put_gauge(t, "mtasts_start_time_seconds",
	    "When the daemon started, in seconds since the Unix epoch.",
	    (uint64_t)(v->start_time > 0 ? v->start_time : 0));
	put_gauge(t, "mtasts_uptime_seconds",
	    "Seconds since the daemon started.",
	    (uint64_t)(v->now > v->start_time ? v->now - v->start_time : 0));
}

static int
shown(const struct metrics_domain *d)
{
	return d->fixed || d->labelled;
}

static int
cmp_name(const void *a, const void *b)
{
	const struct metrics_domain *x = *(const struct metrics_domain *const *)a;
	const struct metrics_domain *y = *(const struct metrics_domain *const *)b;

	return strcmp(x->name, y->name);
}

static void
add_counts(struct metrics_domain *to, const struct metrics_domain *from)
{
	size_t	r, i;

	for (r = 0; r < METRICS_RESULTS; r++) {
		to->results[r] += from->results[r];
		for (i = 0; i < REASON_COUNT; i++)
			to->reasons[r][i] += from->reasons[r][i];
	}
}

static void
put_domain_results(struct text *t, const struct metrics_domain *d)
{
	const char *labels[5] = { "domain", d->name, "result", NULL, NULL };
	size_t	r;

	for (r = 0; r < METRICS_RESULTS; r++) {
		labels[3] = verdict_result_name((enum verdict_result)r);
		put_sample(t, "mtasts_verdicts_total", labels, d->results[r]);
	}
}

/* Only the reasons that occurred: most (result, reason) pairs cannot. */
static void
put_domain_reasons(struct text *t, const struct metrics_domain *d)
{
	const char *labels[7] = { "domain", d->name, "result", NULL, "reason",
	    NULL, NULL };
	size_t	r, i;

	for (r = 0; r < METRICS_RESULTS; r++)
		for (i = 0; i < REASON_COUNT; i++) {
			if (d->reasons[r][i] == 0)
				continue;
			labels[3] = verdict_result_name((enum verdict_result)r);
			labels[5] = verdict_reason_name(1u << i);
			put_sample(t, "mtasts_verdict_reasons_total", labels,
			    d->reasons[r][i]);
		}
}

/* Shown domains by name, then "other" with everything else. */
static int
put_verdicts(struct text *t, const struct metrics_view *v)
{
	const struct metrics_domain **rows;
	struct metrics_domain other = v->other;
	size_t	i, n = 0;

	if ((rows = calloc(v->domain_count + 1, sizeof(*rows))) == NULL)
		return -1;
	for (i = 0; i < v->domain_count; i++)
		if (shown(&v->domains[i]))
			rows[n++] = &v->domains[i];
		else
			add_counts(&other, &v->domains[i]);
	qsort(rows, n, sizeof(*rows), cmp_name);
	snprintf(other.name, sizeof(other.name), "other");
	rows[n] = &other;
	put_header(t, "mtasts_verdicts_total", "counter",
	    "Verdicts per recipient domain of a message, by result.");
	for (i = 0; i <= n; i++)
		put_domain_results(t, rows[i]);
	put_header(t, "mtasts_verdict_reasons_total", "counter",
	    "Reasons given in verdicts, by domain, result and reason.");
	for (i = 0; i <= n; i++)
		put_domain_reasons(t, rows[i]);
	free(rows);
	return 0;
}

static void
put_latency(struct text *t, const struct metrics_view *v)
{
	const char *const name = "mtasts_callback_duration_seconds";
	const struct metrics_latency *l;
	uint64_t cumulated;
	size_t	c, i;

	put_header(t, name, "histogram",
	    "Time spent in each milter callback, in seconds.");
	for (c = 0; c < METRICS_CALLBACKS; c++) {
		l = &v->latency[c];
		cumulated = 0;
		for (i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
			cumulated += l->bucket[i];
			putf(t, "%s_bucket{callback=\"%s\",le=\"%s\"} %" PRIu64
			    "\n", name, callback_names[c], bucket_le[i],
			    cumulated);
		}
		putf(t, "%s_bucket{callback=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
		    name, callback_names[c], l->count);
		putf(t, "%s_sum{callback=\"%s\"} %" PRIu64 ".%09" PRIu64 "\n",
		    name, callback_names[c], l->sum_ns / 1000000000u,
		    l->sum_ns % 1000000000u);
		putf(t, "%s_count{callback=\"%s\"} %" PRIu64 "\n", name,
		    callback_names[c], l->count);
	}
}

int
promtext_format(const struct metrics_view *v, char **text, size_t *len)
{
	struct text t = { NULL, 0, 0, 0 };

	*text = NULL;
	*len = 0;
	put_process(&t, v);
	put_counters(&t, v, F_SESSIONS, F_SKIPPED);
	if (put_verdicts(&t, v) == -1)
		t.failed = 1;
	put_counters(&t, v, F_TXT, F_PROBE);
	put_gauge(&t, "mtasts_domains_tracked",
	    "Recipient domains policy discovery tracks.", v->domains_tracked);
	put_gauge(&t, "mtasts_domains_pending",
	    "Tracked domains whose policy discovery has not answered yet.",
	    v->domains_pending);
	put_counters(&t, v, F_JSON_WRITTEN, F_JSON_LOST);
	put_latency(&t, v);
	if (t.failed) {
		free(t.buf);
		return -1;
	}
	*text = t.buf;
	*len = t.len;
	return 0;
}

static uint64_t
total(const struct metrics_domain *d)
{
	uint64_t sum = 0;
	size_t	r;

	for (r = 0; r < METRICS_RESULTS; r++)
		sum += d->results[r];
	return sum;
}

size_t
promtext_choose_labels(struct metrics_domain *d, size_t n, size_t top_n)
{
	struct metrics_domain *best;
	size_t	i, have = 0, given = 0;

	for (i = 0; i < n; i++)
		if (!d[i].fixed && d[i].labelled)
			have++;
	while (have < top_n) {
		best = NULL;
		for (i = 0; i < n; i++) {
			if (shown(&d[i]) || total(&d[i]) == 0)
				continue;
			if (best == NULL || total(&d[i]) > total(best) ||
			    (total(&d[i]) == total(best) &&
			    strcmp(d[i].name, best->name) < 0))
				best = &d[i];
		}
		if (best == NULL)
			break;
		best->labelled = 1;
		have++;
		given++;
	}
	return given;
}

static int
cmp_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
cmp_key_row(const void *key, const void *row)
{
	return strcmp(key, (*(const struct metrics_domain *const *)row)->name);
}

/*
 * Sorted copies of both lists and a binary search for each name: a
 * configuration of 10,000 domains is marked in milliseconds at every
 * write, not in 10^8 comparisons.
 */
int
promtext_fix_domains(struct metrics_view *v, const char *const *names,
    size_t count)
{
	const char **want, *prev = NULL;
	struct metrics_domain **rows, **hit, *grown;
	size_t	i, n = v->domain_count, missing = 0;

	if (count == 0)
		return 0;
	want = malloc(count * sizeof(*want));
	rows = malloc((n > 0 ? n : 1) * sizeof(*rows));
	if (want == NULL || rows == NULL) {
		free(want);
		free(rows);
		return -1;
	}
	memcpy(want, names, count * sizeof(*want));
	qsort(want, count, sizeof(*want), cmp_string);
	for (i = 0; i < n; i++)
		rows[i] = &v->domains[i];
	qsort(rows, n, sizeof(*rows), cmp_name);
	/* Mark the names counted already; keep one of each other name. */
	for (i = 0; i < count; i++) {
		if (prev != NULL && strcmp(want[i], prev) == 0) {
			want[i] = NULL;
			continue;
		}
		prev = want[i];
		hit = n > 0 ? bsearch(want[i], rows, n, sizeof(*rows),
		    cmp_key_row) : NULL;
		if (hit != NULL) {
			(*hit)->fixed = 1;
			want[i] = NULL;
		} else
			missing++;
	}
	free(rows);
	if (missing > 0) {
		if ((grown = realloc(v->domains, (n + missing) *
		    sizeof(*grown))) == NULL) {
			free(want);
			return -1;
		}
		v->domains = grown;
	}
	for (i = 0; i < count; i++) {
		if (want[i] == NULL)
			continue;
		memset(&v->domains[v->domain_count], 0, sizeof(v->domains[0]));
		snprintf(v->domains[v->domain_count].name,
		    sizeof(v->domains[0].name), "%s", want[i]);
		v->domains[v->domain_count].fixed = 1;
		v->domains[v->domain_count].slot = -1;
		v->domain_count++;
	}
	free(want);
	return 0;
}
