/*
 * mtasts-report.c - impact report from mtasts-milter JSON logs: which
 * senders would fail once the MTA-STS policy is enforced (DESIGN.md 10).
 *
 * "mtasts-report received ..." is the TLS-RPT reports subcommand
 * (report_received.c). Otherwise reads every LOG (plain or gzip, "-" =
 * standard input, none = standard input) in one pass, merging logs of
 * several MX hosts, and writes one report in the chosen format. Exit: 0
 * ok, 1 some input could not be read (the rest is reported), 2 usage or
 * internal error.
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
#include "report_cli.h"
#include "report_format.h"
#include "report_input.h"
#include "report_received.h"
#include "report_record.h"

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
	    "       mtasts-report received [--help] ...  (TLS-RPT reports "
	    "received)\n" REPORT_CLI_WHEN);
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

struct output {
	int		 format;
	const struct agg *agg;
	const struct report_opts *opts;
};

static int
write_output(FILE *f, const void *arg)
{
	const struct output *out = arg;

	return formats[out->format].write(f, out->agg, out->opts);
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
	REPORT_CLI_LONGOPTS,
	{ "top", required_argument, NULL, 'n' },
	{ "org-name", required_argument, NULL, 'O' },
	{ "contact", required_argument, NULL, 'C' },
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
			if (report_cli_when(optarg, 0, o->now, &c->agg.since) == -1)
				return -1;
			break;
		case 'u':
			c->agg.has_until = 1;
			if (report_cli_when(optarg, 1, o->now, &c->agg.until) == -1)
				return -1;
			break;
		case 'd':
			if (report_cli_domain(c->agg.filter, &c->agg.nfilter,
			    AGG_FILTER_MAX, optarg) == -1)
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
	struct output output;
	const char *out = NULL;
	int format = 0, rc;

	if (argc > 1 && strcmp(argv[1], "received") == 0)
		return report_received(argc - 1, argv + 1);
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
	output.format = format;
	output.agg = &c.agg;
	output.opts = &o;
	rc = report_cli_write(out, write_output, &output) == -1 ? 2 :
	    c.agg.unreadable > 0 ? 1 : 0;
	agg_free(&c.agg);
	return rc;
}
