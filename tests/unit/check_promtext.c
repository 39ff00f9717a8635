/*
 * check_promtext.c - the metrics file's text (promtext.h): for each case a
 * snapshot is built, the configured domains fixed, the labels chosen, the
 * text formatted, and then the lines it must and must not have are looked
 * for, and the whole text checked against the exposition format (every
 * sample "name{labels} value" after its family's HELP and TYPE lines).
 * Also the counters themselves (metrics.h): what is counted is read back.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "promtext.h"
#include "unit.h"

#define DOMAINS_MAX	32
#define LINES_MAX	16

struct domain_spec {
	const char	*name;
	unsigned	 pass, would_fail;
	unsigned	 tls_version;	/* would-fail with reason tls-version */
	int		 labelled;	/* had its label already */
};

struct format_case {
	const char	*name;
	struct domain_spec domains[DOMAINS_MAX];
	const char	*fixed[4];
	size_t		 top_n;
	unsigned	 other_pass;	/* counted as other: found no slot */
	const char	*want[LINES_MAX];
	const char	*absent[LINES_MAX];
};

/* d01 .. d25 with 1 .. 25 passes: the busiest 20 get labels. */
#define TWENTY_FIVE \
	{ "d01.test", 1, 0, 0, 0 }, { "d02.test", 2, 0, 0, 0 }, \
	{ "d03.test", 3, 0, 0, 0 }, { "d04.test", 4, 0, 0, 0 }, \
	{ "d05.test", 5, 0, 0, 0 }, { "d06.test", 6, 0, 0, 0 }, \
	{ "d07.test", 7, 0, 0, 0 }, { "d08.test", 8, 0, 0, 0 }, \
	{ "d09.test", 9, 0, 0, 0 }, { "d10.test", 10, 0, 0, 0 }, \
	{ "d11.test", 11, 0, 0, 0 }, { "d12.test", 12, 0, 0, 0 }, \
	{ "d13.test", 13, 0, 0, 0 }, { "d14.test", 14, 0, 0, 0 }, \
	{ "d15.test", 15, 0, 0, 0 }, { "d16.test", 16, 0, 0, 0 }, \
	{ "d17.test", 17, 0, 0, 0 }, { "d18.test", 18, 0, 0, 0 }, \
	{ "d19.test", 19, 0, 0, 0 }, { "d20.test", 20, 0, 0, 0 }, \
	{ "d21.test", 21, 0, 0, 0 }, { "d22.test", 22, 0, 0, 0 }, \
	{ "d23.test", 23, 0, 0, 0 }, { "d24.test", 24, 0, 0, 0 }, \
	{ "d25.test", 25, 0, 0, 0 }

static const struct format_case format_cases[] = {
	{ "label values escaped: backslash, quote, newline",
	    { { "a\\b\"c\nd", 1, 0, 0, 0 } }, { "a\\b\"c\nd" }, 20, 0,
	    { "mtasts_verdicts_total{domain=\"a\\\\b\\\"c\\nd\","
	    "result=\"pass\"} 1" },
	    { "mtasts_verdicts_total{domain=\"a\\b" } },
	{ "top 20 by count get a label, the rest is other",
	    { TWENTY_FIVE }, { NULL }, 20, 0,
	    { "mtasts_verdicts_total{domain=\"d25.test\",result=\"pass\"} 25",
	    "mtasts_verdicts_total{domain=\"d06.test\",result=\"pass\"} 6",
	    "mtasts_verdicts_total{domain=\"other\",result=\"pass\"} 15",
	    "mtasts_verdicts_total{domain=\"other\",result=\"would-fail\"} 0" },
	    { "mtasts_verdicts_total{domain=\"d05.test\"",
	    "mtasts_verdicts_total{domain=\"d01.test\"" } },
	{ "a label once given stays; only the places left are filled",
	    { { "quiet.test", 1, 0, 0, 1 }, { "busy.test", 50, 0, 0, 0 },
	    { "busier.test", 60, 0, 0, 0 } }, { NULL }, 2, 0,
	    { "mtasts_verdicts_total{domain=\"quiet.test\",result=\"pass\"} 1",
	    "mtasts_verdicts_total{domain=\"busier.test\",result=\"pass\"} 60",
	    "mtasts_verdicts_total{domain=\"other\",result=\"pass\"} 50" },
	    { "mtasts_verdicts_total{domain=\"busy.test\"" } },
	{ "configured domains: always labelled, zero when unseen, not in N",
	    { { "learnt.test", 3, 0, 0, 0 }, { "example.com", 2, 1, 1, 0 } },
	    { "example.com", "example.net", "draft.example" }, 0, 4,
	    { "mtasts_verdicts_total{domain=\"example.com\",result=\"pass\"} 2",
	    "mtasts_verdicts_total{domain=\"example.com\","
	    "result=\"would-fail\"} 1",
	    "mtasts_verdict_reasons_total{domain=\"example.com\","
	    "result=\"would-fail\",reason=\"tls-version\"} 1",
	    "mtasts_verdicts_total{domain=\"example.net\",result=\"pass\"} 0",
	    "mtasts_verdicts_total{domain=\"draft.example\","
	    "result=\"pending\"} 0",
	    "mtasts_verdicts_total{domain=\"other\",result=\"pass\"} 7" },
	    { "mtasts_verdicts_total{domain=\"learnt.test\"",
	    "mtasts_verdict_reasons_total{domain=\"example.net\"" } },
	{ "nothing seen: every family still there, other at zero",
	    { { NULL, 0, 0, 0, 0 } }, { NULL }, 20, 0,
	    { "mtasts_verdicts_total{domain=\"other\",result=\"pass\"} 0",
	    "# TYPE mtasts_verdicts_total counter",
	    "# TYPE mtasts_verdict_reasons_total counter",
	    "mtasts_sessions_total 0", "mtasts_domains_pending 0" },
	    { NULL } },
};

static void
view_build(const struct format_case *fc, struct metrics_view *v)
{
	struct metrics_domain *d;
	size_t	i, n = 0;

	memset(v, 0, sizeof(*v));
	while (n < DOMAINS_MAX && fc->domains[n].name != NULL)
		n++;
	v->domains = calloc(n + 1, sizeof(*v->domains));
	ck_assert_ptr_nonnull(v->domains);
	for (i = 0; i < n; i++) {
		d = &v->domains[i];
		snprintf(d->name, sizeof(d->name), "%s", fc->domains[i].name);
		d->results[VERDICT_PASS] = fc->domains[i].pass;
		d->results[VERDICT_WOULD_FAIL] = fc->domains[i].would_fail;
		d->reasons[VERDICT_WOULD_FAIL][1] = fc->domains[i].tls_version;
		d->labelled = fc->domains[i].labelled;
		d->slot = (long)i;
	}
	v->domain_count = n;
	v->other.results[VERDICT_PASS] = fc->other_pass;
	v->version = "1.2.3";
	v->start_time = 1000;
	v->now = 1060;
}

/* The text has exactly this line. */
static int
has_line(const char *text, const char *line)
{
	size_t	len = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return 1;
	return 0;
}

/* The family a sample belongs to: histograms add _bucket, _sum, _count. */
static void
family_of(const char *sample, size_t len, char *out, size_t size)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	size_t	i, sl;

	snprintf(out, size, "%.*s", (int)len, sample);
	if (strncmp(out, "mtasts_callback_duration_seconds_", 33) != 0)
		return;
	for (i = 0; i < 3; i++) {
		sl = strlen(suffixes[i]);
		if (len > sl && strcmp(out + len - sl, suffixes[i]) == 0)
			out[len - sl] = '\0';
	}
}

static void
check_sample(const char *line, const char *seen_type)
{
	const char *p = line, *space;
	char	family[128], want[160];
	size_t	name_len;

	ck_assert_msg(strncmp(line, "mtasts_", 7) == 0, "no prefix: %s", line);
	name_len = strcspn(line, "{ ");
	family_of(line, name_len, family, sizeof(family));
	snprintf(want, sizeof(want), "\n# TYPE %s ", family);
	ck_assert_msg(strstr(seen_type, want) != NULL,
	    "sample before its TYPE: %s", line);
	snprintf(want, sizeof(want), "\n# HELP %s ", family);
	ck_assert_msg(strstr(seen_type, want) != NULL,
	    "sample before its HELP: %s", line);
	p += name_len;
	if (*p == '{') {
		ck_assert_msg((p = strchr(p, '}')) != NULL, "no }: %s", line);
		p++;
	}
	ck_assert_msg(*p == ' ', "no value: %s", line);
	space = p + 1;
	ck_assert_msg(strspn(space, "0123456789.") == strlen(space) &&
	    *space != '\0', "value not a number: %s", line);
}

/* Every line a comment (HELP, TYPE) or a sample after its family's. */
static void
check_exposition(const char *text)
{
	char	*copy, *line, *save, *seen;
	size_t	seen_len = 1;

	ck_assert_ptr_nonnull(copy = strdup(text));
	ck_assert_ptr_nonnull(seen = calloc(strlen(text) + 2, 1));
	seen[0] = '\n';
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			ck_assert_msg(strncmp(line, "# HELP mtasts_", 14) == 0 ||
			    strncmp(line, "# TYPE mtasts_", 14) == 0,
			    "comment: %s", line);
			seen_len += (size_t)sprintf(seen + seen_len, "%s\n",
			    line);
			continue;
		}
		check_sample(line, seen);
	}
	ck_assert_msg(text[strlen(text) - 1] == '\n', "last line unended");
	free(seen);
	free(copy);
}

START_TEST(test_format)
{
	const struct format_case *fc = &format_cases[_i];
	struct metrics_view v;
	size_t	nfixed = 0, len, i;
	char	*text;

	view_build(fc, &v);
	while (nfixed < 4 && fc->fixed[nfixed] != NULL)
		nfixed++;
	ck_assert_int_eq(promtext_fix_domains(&v, fc->fixed, nfixed), 0);
	(void)promtext_choose_labels(v.domains, v.domain_count, fc->top_n);
	ck_assert_int_eq(promtext_format(&v, &text, &len), 0);
	ck_assert_uint_eq(len, strlen(text));
	for (i = 0; i < LINES_MAX && fc->want[i] != NULL; i++)
		ck_assert_msg(has_line(text, fc->want[i]), "%s: missing %s",
		    fc->name, fc->want[i]);
	for (i = 0; i < LINES_MAX && fc->absent[i] != NULL; i++)
		ck_assert_msg(strstr(text, fc->absent[i]) == NULL,
		    "%s: has %s", fc->name, fc->absent[i]);
	check_exposition(text);
	free(text);
	metrics_view_free(&v);
}
END_TEST

START_TEST(test_counters_and_histogram)
{
	struct metrics_view v;
	size_t	len;
	char	*text;

	memset(&v, 0, sizeof(v));
	v.version = "1.0 \"beta\"";
	v.start_time = 1000;
	v.now = 1060;
	v.counters[METRIC_MESSAGES] = 7;
	v.counters[METRIC_TXT_DNS_FAILURE] = 2;
	v.counters[METRIC_JSON_TOO_LONG] = 3;
	v.domains_tracked = 9;
	/* one run <= 10 us, two <= 250 us, one past 1 s */
	v.latency[METRICS_CB_EOM].bucket[0] = 1;
	v.latency[METRICS_CB_EOM].bucket[3] = 2;
	v.latency[METRICS_CB_EOM].count = 4;
	v.latency[METRICS_CB_EOM].sum_ns = 1500000007;
	ck_assert_int_eq(promtext_format(&v, &text, &len), 0);
	ck_assert(has_line(text, "mtasts_build_info{version=\"1.0 \\\"beta\\\"\"} 1"));
	ck_assert(has_line(text, "mtasts_start_time_seconds 1000"));
	ck_assert(has_line(text, "mtasts_uptime_seconds 60"));
	ck_assert(has_line(text, "mtasts_messages_total 7"));
	ck_assert(has_line(text, "mtasts_txt_lookups_total{outcome=\"dns-failure\"} 2"));
	ck_assert(has_line(text, "mtasts_txt_lookups_total{outcome=\"valid\"} 0"));
	ck_assert(has_line(text, "mtasts_json_records_dropped_total{reason=\"too-long\"} 3"));
	ck_assert(has_line(text, "mtasts_domains_tracked 9"));
	ck_assert(has_line(text, "# TYPE mtasts_callback_duration_seconds histogram"));
	ck_assert(has_line(text, "mtasts_callback_duration_seconds_bucket{callback=\"eom\",le=\"0.00001\"} 1"));
	ck_assert(has_line(text, "mtasts_callback_duration_seconds_bucket{callback=\"eom\",le=\"0.0001\"} 1"));
	ck_assert(has_line(text, "mtasts_callback_duration_seconds_bucket{callback=\"eom\",le=\"0.00025\"} 3"));
	ck_assert(has_line(text, "mtasts_callback_duration_seconds_bucket{callback=\"eom\",le=\"1\"} 3"));
	ck_assert(has_line(text, "mtasts_callback_duration_seconds_bucket{callback=\"eom\",le=\"+Inf\"} 4"));
	ck_assert(has_line(text, "mtasts_callback_duration_seconds_sum{callback=\"eom\"} 1.500000007"));
	ck_assert(has_line(text, "mtasts_callback_duration_seconds_count{callback=\"eom\"} 4"));
	ck_assert(has_line(text, "mtasts_callback_duration_seconds_count{callback=\"helo\"} 0"));
	check_exposition(text);
	free(text);
}
END_TEST

/* The process-wide counters: what is counted is what a snapshot reads. */
START_TEST(test_counting)
{
	struct metrics_view v;
	uint64_t t0;
	size_t	i;
	const struct metrics_domain *ex = NULL;

	metrics_count(METRIC_SESSIONS);
	metrics_count(METRIC_SESSIONS);
	metrics_txt_lookup(TXT_ABSENT);
	metrics_policy_fetch(REASON_STS_WEBPKI_INVALID);
	metrics_policy_fetch(0);
	metrics_verdict("example.com", VERDICT_WOULD_FAIL,
	    REASON_TLS_VERSION | REASON_MX_MISMATCH);
	metrics_verdict("example.com", VERDICT_PASS, 0);
	metrics_verdict("", VERDICT_PASS, 0);
	metrics_set_domains(5, 2);
	t0 = metrics_clock_ns();
	metrics_callback_done(METRICS_CB_EOM, t0);
	metrics_callback_done(METRICS_CB_HELO, t0 - 2000000000ull);
	ck_assert_int_eq(metrics_snapshot(&v), 0);
	ck_assert_uint_eq(v.counters[METRIC_SESSIONS], 2);
	ck_assert_uint_eq(v.counters[METRIC_TXT_ABSENT], 1);
	ck_assert_uint_eq(v.counters[METRIC_FETCH_WEBPKI_INVALID], 1);
	ck_assert_uint_eq(v.counters[METRIC_FETCH_OK], 1);
	ck_assert_uint_eq(v.domains_tracked, 5);
	ck_assert_uint_eq(v.domains_pending, 2);
	for (i = 0; i < v.domain_count; i++)
		if (strcmp(v.domains[i].name, "example.com") == 0)
			ex = &v.domains[i];
	ck_assert_ptr_nonnull(ex);
	ck_assert_uint_eq(v.domain_count, 1);
	ck_assert_uint_eq(ex->results[VERDICT_WOULD_FAIL], 1);
	ck_assert_uint_eq(ex->results[VERDICT_PASS], 1);
	ck_assert_uint_eq(ex->reasons[VERDICT_WOULD_FAIL][1], 1);
	ck_assert_uint_eq(ex->reasons[VERDICT_WOULD_FAIL][2], 1);
	ck_assert_uint_eq(ex->reasons[VERDICT_WOULD_FAIL][0], 0);
	ck_assert_uint_eq(v.other.results[VERDICT_PASS], 1);
	ck_assert_uint_eq(v.latency[METRICS_CB_EOM].count, 1);
	ck_assert_uint_eq(v.latency[METRICS_CB_HELO].count, 1);
	/* Past the last bound: in no finite bucket, only in the count. */
	for (i = 0; i < METRICS_LATENCY_BUCKETS; i++)
		ck_assert_uint_eq(v.latency[METRICS_CB_HELO].bucket[i], 0);
	ck_assert_uint_ge(v.latency[METRICS_CB_HELO].sum_ns, 2000000000ull);
	ck_assert_ptr_nonnull(v.version);
	metrics_view_free(&v);
}
END_TEST

/* More names than the table holds: the rest counts as other, none lost. */
START_TEST(test_table_full)
{
	struct metrics_view v;
	char	name[32];
	uint64_t sum = 0;
	size_t	i;

	for (i = 0; i < METRICS_DOMAIN_SLOTS + 100; i++) {
		snprintf(name, sizeof(name), "n%zu.test", i);
		metrics_verdict(name, VERDICT_NO_POLICY, 0);
	}
	ck_assert_int_eq(metrics_snapshot(&v), 0);
	ck_assert_uint_le(v.domain_count, METRICS_DOMAIN_SLOTS);
	for (i = 0; i < v.domain_count; i++)
		sum += v.domains[i].results[VERDICT_NO_POLICY];
	sum += v.other.results[VERDICT_NO_POLICY];
	ck_assert_uint_eq(sum, METRICS_DOMAIN_SLOTS + 100);
	ck_assert_uint_ge(v.other.results[VERDICT_NO_POLICY], 100);
	metrics_view_free(&v);
}
END_TEST

/*
 * Fixing many names (a domains list of thousands): each exactly once,
 * given twice or already counted, the counts kept, unseen ones at zero.
 */
START_TEST(test_fix_many)
{
	enum { SEEN = 300, CONFIGURED = 5000 };
	struct metrics_view v;
	const char **names;
	char	(*buf)[32];
	size_t	i, j, found;

	memset(&v, 0, sizeof(v));
	v.domains = calloc(SEEN, sizeof(*v.domains));
	names = calloc(CONFIGURED + 2, sizeof(*names));
	buf = calloc(CONFIGURED, sizeof(*buf));
	ck_assert(v.domains != NULL && names != NULL && buf != NULL);
	/* Seen: d0, d2, d4 ... (every other configured name among them). */
	for (i = 0; i < SEEN; i++) {
		snprintf(v.domains[i].name, sizeof(v.domains[i].name),
		    "d%zu.test", 2 * i);
		v.domains[i].results[0] = i + 1;
		v.domains[i].slot = (long)i;
	}
	v.domain_count = SEEN;
	/* Configured, last first, with d7 and d0 twice. */
	for (i = 0; i < CONFIGURED; i++) {
		snprintf(buf[i], sizeof(buf[i]), "d%zu.test", CONFIGURED - 1 - i);
		names[i] = buf[i];
	}
	names[CONFIGURED] = "d7.test";
	names[CONFIGURED + 1] = "d0.test";
	ck_assert_int_eq(promtext_fix_domains(&v, names, CONFIGURED + 2), 0);
	ck_assert_uint_eq(v.domain_count, CONFIGURED);
	for (i = 0; i < CONFIGURED; i += 97) {
		found = 0;
		for (j = 0; j < v.domain_count; j++) {
			if (strcmp(v.domains[j].name, buf[i]) != 0)
				continue;
			found++;
			ck_assert(v.domains[j].fixed);
			ck_assert_uint_eq(v.domains[j].results[0],
			    (CONFIGURED - 1 - i) % 2 == 0 &&
			    (CONFIGURED - 1 - i) / 2 < SEEN ?
			    (CONFIGURED - 1 - i) / 2 + 1 : 0);
		}
		ck_assert_msg(found == 1, "%s: %zu rows", buf[i], found);
	}
	ck_assert_int_eq(promtext_fix_domains(&v, names, 0), 0);
	ck_assert_uint_eq(v.domain_count, CONFIGURED);
	metrics_view_free(&v);
	free(names);
	free(buf);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("promtext");
	TCase *tc = tcase_create("format");

	tcase_add_loop_test(tc, test_format, 0,
	    (int)(sizeof(format_cases) / sizeof(format_cases[0])));
	tcase_add_test(tc, test_counters_and_histogram);
	tcase_add_test(tc, test_fix_many);
	suite_add_tcase(s, tc);
	tc = tcase_create("counting");
	tcase_add_test(tc, test_counting);
	tcase_add_test(tc, test_table_full);
	suite_add_tcase(s, tc);
	return s;
}
