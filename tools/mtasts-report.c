/*
 * mtasts-report.c - impact report from mtasts-milter JSON logs: which
 * senders would fail once the MTA-STS policy is enforced (DESIGN.md 10).
 *
 * Reads every LOG (plain or gzip, "-" = standard input, none = standard
 * input) in one pass, merging logs of several MX hosts, and writes one
 * report in the chosen format. Exit: 0 ok, 1 some input could not be read
 * (the rest is reported), 2 usage or internal error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "report_agg.h"
#include "report_format.h"
#include "report_input.h"
#include "report_record.h"
#include "stslex.h"
#include "utctime.h"

#define TOP_DEFAULT	10

struct ctx {
	struct agg	 agg;
	struct rec	 rec;
	const char	*file;
};

static const struct {
	const char	*name;
	int		(*write)(FILE *, const struct agg *,
			    const struct report_opts *);
} formats[] = {
	{ "text", report_text },
	{ "json", report_json },
	{ "tlsrpt", report_tlsrpt },
	{ "html", report_html }
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: mtasts-report [--since WHEN] [--until WHEN] "
	    "[--domain D]... [--top N]\n"
	    "                     [--format text|json|tlsrpt|html] [-o FILE]\n"
	    "                     [--org-name NAME] [--contact ADDR] "
	    "[LOG...]\n"
	    "WHEN: YYYY-MM-DD, an RFC 3339 time, or a duration ago "
	    "(30m, 12h, 14d, 2w)\n");
}

/* WHEN into seconds; a bare date given to --until means its end. */
static int
parse_when(const char *s, int end_of_day, long long now, long long *out)
{
	long long v;

	if (utctime_parse_date(s, &v) == 0) {
		*out = end_of_day ? v + UTCTIME_DAY : v;
		return 0;
	}
	if (utctime_parse_stamp(s, strlen(s), &v) == 0) {
		*out = v;
		return 0;
	}
	if (utctime_parse_duration(s, &v) == 0) {
		*out = now - v;
		return 0;
	}
	fprintf(stderr, "mtasts-report: bad time \"%s\": use YYYY-MM-DD, "
	    "YYYY-MM-DDTHH:MM:SSZ or a duration such as 14d\n", s);
	return -1;
}

static int
add_domain(struct agg *a, const char *d)
{
	char *s;

	if (a->nfilter >= AGG_FILTER_MAX) {
		fprintf(stderr, "mtasts-report: more than %d --domain options\n",
		    AGG_FILTER_MAX);
		return -1;
	}
	if ((s = strdup(d)) == NULL)
		return -1;
	lex_lower_str(s);
	if (s[0] != '\0' && s[strlen(s) - 1] == '.')
		s[strlen(s) - 1] = '\0';
	a->filter[a->nfilter++] = s;
	return 0;
}

static void
on_line(void *arg, const struct input_line *l)
{
	struct ctx *c = arg;
	char why[REC_ERROR_MAX];

	c->agg.lines++;
	if (l->too_long) {
		snprintf(why, sizeof(why), "line longer than %d bytes",
		    INPUT_LINE_MAX);
		agg_malformed(&c->agg, c->file, l->no, why);
		return;
	}
	if (rec_parse(l->text, l->len, &c->rec, why, sizeof(why)) == -1) {
		agg_malformed(&c->agg, c->file, l->no, why);
		return;
	}
	agg_add(&c->agg, &c->rec);
}

static void
read_all(struct ctx *c, char **files, int nfiles)
{
	static char *stdin_only[] = { "-" };
	char err[512];

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (int i = 0; i < nfiles && !c->agg.nomem; i++) {
		c->file = strcmp(files[i], "-") == 0 ? "(stdin)" : files[i];
		if (input_read(files[i], on_line, c, err, sizeof(err)) == -1) {
			fprintf(stderr, "mtasts-report: %s\n", err);
			agg_unreadable(&c->agg, err);
		}
	}
}

static void
tell_malformed(const struct agg *a)
{
	for (unsigned long i = 0; i < a->malformed && i < AGG_EXAMPLES; i++)
		fprintf(stderr, "mtasts-report: %s:%lu: malformed line: %s\n",
		    a->examples[i].file, a->examples[i].line,
		    a->examples[i].why);
	if (a->malformed > AGG_EXAMPLES)
		fprintf(stderr, "mtasts-report: %lu more malformed lines\n",
		    a->malformed - AGG_EXAMPLES);
}

static int
write_report(const char *path, int format, const struct agg *a,
    const struct report_opts *o)
{
	FILE *f = path == NULL ? stdout : fopen(path, "w");
	int rc;

	if (f == NULL) {
		fprintf(stderr, "mtasts-report: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	rc = formats[format].write(f, a, o);
	if ((path != NULL ? fclose(f) : fflush(f)) != 0 || rc == -1) {
		fprintf(stderr, "mtasts-report: cannot write the report%s%s: "
		    "%s\n", path != NULL ? " to " : "", path != NULL ? path : "",
		    rc == -1 && errno == 0 ? "out of memory" : strerror(errno));
		return -1;
	}
	return 0;
}

static int
format_index(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(formats[i].name, name) == 0)
			return (int)i;
	}
	fprintf(stderr, "mtasts-report: unknown format \"%s\": use text, json, "
	    "tlsrpt or html\n", name);
	return -1;
}

static int
parse_top(const char *s, size_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v > 1000000) {
		fprintf(stderr, "mtasts-report: bad --top \"%s\": a number "
		    "from 0 to 1000000\n", s);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

static char contact_default[300];

/* Defaults for TLS-RPT: this host as the organisation. */
static void
opts_init(struct report_opts *o)
{
	char host[256] = "localhost";

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(contact_default, sizeof(contact_default), "postmaster@%s",
	    host);
	o->top = TOP_DEFAULT;
	o->now = (long long)time(NULL);
	o->org_name = "mtasts-report (simulated sender view)";
	o->contact = contact_default;
}

static const struct option longopts[] = {
	{ "since", required_argument, NULL, 's' },
	{ "until", required_argument, NULL, 'u' },
	{ "domain", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "top", required_argument, NULL, 'n' },
	{ "org-name", required_argument, NULL, 'O' },
	{ "contact", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static int
parse_args(int argc, char *argv[], struct ctx *c, struct report_opts *o,
    int *format, const char **out)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "s:u:d:f:o:n:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			c->agg.has_since = 1;
			if (parse_when(optarg, 0, o->now, &c->agg.since) == -1)
				return -1;
			break;
		case 'u':
			c->agg.has_until = 1;
			if (parse_when(optarg, 1, o->now, &c->agg.until) == -1)
				return -1;
			break;
		case 'd':
			if (add_domain(&c->agg, optarg) == -1)
				return -1;
			break;
		case 'f':
			if ((*format = format_index(optarg)) == -1)
				return -1;
			break;
		case 'o':
			*out = optarg;
			break;
		case 'n':
			if (parse_top(optarg, &o->top) == -1)
				return -1;
			break;
		case 'O':
			o->org_name = optarg;
			break;
		case 'C':
			o->contact = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("mtasts-report %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static struct ctx c;
	struct report_opts o;
	const char *out = NULL;
	int format = 0, rc;

	agg_init(&c.agg);
	opts_init(&o);
	if (parse_args(argc, argv, &c, &o, &format, &out) == -1)
		return 2;
	if (c.agg.has_since && c.agg.has_until && c.agg.until <= c.agg.since) {
		fprintf(stderr, "mtasts-report: --until is not after --since\n");
		return 2;
	}
	c.agg.want_rpt = strcmp(formats[format].name, "tlsrpt") == 0;
	read_all(&c, argv + optind, argc - optind);
	tell_malformed(&c.agg);
	if (c.agg.nomem) {
		fprintf(stderr, "mtasts-report: out of memory\n");
		return 2;
	}
	rc = write_report(out, format, &c.agg, &o) == -1 ? 2 :
	    c.agg.unreadable > 0 ? 1 : 0;
	agg_free(&c.agg);
	return rc;
}
