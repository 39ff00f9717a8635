/*
 * mtasts-report.c - impact report from mtasts-milter JSON logs: which
 * senders would fail once the MTA-STS policy is enforced (DESIGN.md 10).
 *
 * "mtasts-report received ..." is the TLS-RPT reports subcommand
 * (report_received.c). Otherwise reads every LOG (plain or gzip, "-" =
 * standard input, none = standard input) in one pass, merging logs of
 * several MX hosts, and writes one report in the chosen format. Exit: 0
 * ok, 1 some input could not be read (the rest is reported), 2 usage or
 * internal error. A large plain file is cut at line starts into one part
 * per thread (--threads); each part is aggregated on its own and the
 * aggregates merged in file order, which gives the report one pass would.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
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
#define THREADS_MAX	16	/* --threads */
#define THREADS_AUTO	4	/* at most this many by default */
#define SPLIT_MIN	(16 * 1024 * 1024)	/* smaller files: one part */

struct ctx {
	struct agg	 agg;
	struct rec	 rec;
	const char	*file;
};

/* One part of a file, read by one thread into its own aggregate. */
struct part {
	struct ctx	*c;
	int		 fd;
	off_t		 from, to;
	unsigned long	 lines, at;
	int		 rc;
	char		 err[256];
};

struct threads {
	int		 n;		/* parts per file */
	off_t		 min_size;	/* smaller files are read whole */
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
	    "[--threads N]\n"
	    "                     [LOG...]\n"
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

static void *
part_read(void *arg)
{
	struct part *p = arg;

	p->rc = input_read_part(p->fd, p->from, p->to, on_line, p->c,
	    &p->lines, &p->at, p->err, sizeof(p->err));
	return NULL;
}

/*
 * Read parts 1..n-1 in threads and part 0 (into c) here, then merge the
 * parts in order up to the first that failed: one pass would have stopped
 * there. -1 with err set when a part failed.
 */
static int
read_parts(struct ctx *c, struct part *p, int n, const char *path,
    char *err, size_t errsize)
{
	pthread_t tid[THREADS_MAX];
	int started[THREADS_MAX] = { 0 }, failed = -1;
	unsigned long offset = 0;

	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, part_read,
		    &p[i]) == 0;
	part_read(&p[0]);
	for (int i = 1; i < n; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			part_read(&p[i]);
	}
	for (int i = 0; i < n; i++) {
		if (i > 0 && failed == -1)
			agg_merge(&c->agg, &p[i].c->agg, offset);
		else if (i > 0) {
			p[i].c->agg.nfilter = 0;
			agg_free(&p[i].c->agg);
		}
		if (p[i].rc == -1 && failed == -1) {
			failed = i;
			snprintf(err, errsize, "%s: line %lu: %s", path,
			    offset + p[i].at, p[i].err);
		}
		offset += p[i].lines;
	}
	return failed == -1 ? 0 : -1;
}

/* One file in parts when it is large enough; 1 when it was not split. */
static int
read_split(struct ctx *c, const char *path, const struct threads *t,
    char *err, size_t errsize)
{
	off_t starts[THREADS_MAX];
	struct part p[THREADS_MAX];
	struct ctx *pc;
	int n, fd, rc;

	if ((n = input_split(path, t->n, t->min_size, starts, &fd)) < 2)
		return 1;
	if ((pc = calloc((size_t)n, sizeof(*pc))) == NULL) {
		close(fd);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		p[i].c = i == 0 ? c : &pc[i];
		if (i > 0) {
			agg_init_like(&pc[i].agg, &c->agg);
			pc[i].file = c->file;
		}
		p[i].fd = fd;
		p[i].from = starts[i];
		p[i].to = i + 1 < n ? starts[i + 1] : -1;
	}
	rc = read_parts(c, p, n, path, err, errsize);
	free(pc);
	close(fd);
	return rc;
}

static void
read_all(struct ctx *c, char **files, int nfiles, const struct threads *t)
{
	static char *stdin_only[] = { "-" };
	char err[512];
	int rc;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (int i = 0; i < nfiles && !c->agg.nomem; i++) {
		c->file = strcmp(files[i], "-") == 0 ? "(stdin)" : files[i];
		if ((rc = read_split(c, files[i], t, err, sizeof(err))) == 1)
			rc = input_read(files[i], on_line, c, err, sizeof(err));
		if (rc == -1) {
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

static int
parse_threads(const char *s, struct threads *t)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < 1 || v > THREADS_MAX) {
		fprintf(stderr, "mtasts-report: bad --threads \"%s\": a "
		    "number from 1 to %d\n", s, THREADS_MAX);
		return -1;
	}
	t->n = (int)v;
	t->min_size = 0;	/* asked for: every plain file */
	return 0;
}

/* By default: one thread per online CPU, up to THREADS_AUTO. */
static void
threads_init(struct threads *t)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	t->n = cpus < 1 ? 1 : cpus > THREADS_AUTO ? THREADS_AUTO : (int)cpus;
	t->min_size = SPLIT_MIN;
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
	{ "threads", required_argument, NULL, 'T' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static int
parse_args(int argc, char *argv[], struct ctx *c, struct report_opts *o,
    struct threads *t, int *format, const char **out)
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
		case 'T':
			if (parse_threads(optarg, t) == -1)
				return -1;
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
	struct threads t;
	const char *out = NULL;
	int format = 0, rc;

	if (argc > 1 && strcmp(argv[1], "received") == 0)
		return report_received(argc - 1, argv + 1);
	agg_init(&c.agg);
	opts_init(&o);
	threads_init(&t);
	if (parse_args(argc, argv, &c, &o, &t, &format, &out) == -1)
		return 2;
	if (c.agg.has_since && c.agg.has_until && c.agg.until <= c.agg.since) {
		fprintf(stderr, "mtasts-report: --until is not after --since\n");
		return 2;
	}
	c.agg.want_rpt = strcmp(formats[format].name, "tlsrpt") == 0;
	o.threads = t.n;
	read_all(&c, argv + optind, argc - optind, &t);
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
	/*
	 * No agg_free: the process ends here, and handing back a large
	 * aggregate's blocks one by one took a tenth of a second (c is
	 * static: the memory stays reachable for leak checkers).
	 */
	return rc;
}
