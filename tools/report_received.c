/*
 * report_received.c - mtasts-report received (DESIGN.md 13): read the
 * TLS-RPT reports that senders mailed (files, messages, mboxes, Maildirs),
 * and write what they say per policy domain and UTC day.
 *
 * Exit: 0 when every input was read, 1 when some input was rejected (the
 * rest is still reported), 2 usage or internal error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "received.h"
#include "received_join.h"
#include "report_cli.h"
#include "report_received.h"

static const struct {
	const char	*name;
	int		(*write)(FILE *, const struct received *, json_t *);
} formats[] = {
	{ "text", received_text },
	{ "json", received_json },
	{ "html", received_html }
};

#define LOGS_MAX	1024	/* --with-logs arguments */

struct run {
	struct received	 rc;
	int		 format;
	const char	*out;
	const char	*logs[LOGS_MAX];
	size_t		 nlogs;
	json_t		*join;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: mtasts-report received [--since WHEN] "
	    "[--until WHEN] [--domain D]...\n"
	    "                     [--format text|json|html] [-o FILE] "
	    "[--with-logs LOG]... [INPUT...]\n"
	    "INPUT: a report (.json, .json.gz, .gz, - for standard input), "
	    "an RFC 5322\n"
	    "       message carrying one, an mbox, or a Maildir directory\n"
	    REPORT_CLI_WHEN);
}

static int
format_index(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(formats[i].name, name) == 0)
			return (int)i;
	}
	fprintf(stderr, "mtasts-report received: unknown format \"%s\": use "
	    "text, json or html\n", name);
	return -1;
}

static const struct option longopts[] = {
	REPORT_CLI_LONGOPTS,
	{ "with-logs", required_argument, NULL, 'L' },
	{ NULL, 0, NULL, 0 }
};

static int
parse_args(int argc, char *argv[], struct run *run)
{
	long long now = (long long)time(NULL);
	struct received *rc = &run->rc;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:u:d:f:o:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			rc->has_since = 1;
			if (report_cli_when(optarg, 0, now, &rc->since) == -1)
				return -1;
			break;
		case 'u':
			rc->has_until = 1;
			if (report_cli_when(optarg, 1, now, &rc->until) == -1)
				return -1;
			break;
		case 'd':
			if (report_cli_domain(rc->filter, &rc->nfilter,
			    RCV_FILTER_MAX, optarg) == -1)
				return -1;
			break;
		case 'f':
			if ((run->format = format_index(optarg)) == -1)
				return -1;
			break;
		case 'o':
			run->out = optarg;
			break;
		case 'L':
			if (run->nlogs >= LOGS_MAX) {
				fprintf(stderr, "mtasts-report received: more "
				    "than %d --with-logs\n", LOGS_MAX);
				return -1;
			}
			run->logs[run->nlogs++] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (rc->has_since && rc->has_until && rc->until <= rc->since) {
		fprintf(stderr, "mtasts-report received: --until is not after "
		    "--since\n");
		return -1;
	}
	return 0;
}

/* Read the --with-logs and build the joined report; -1 on no memory. */
static int
join_logs(struct run *run)
{
	struct rcv_join *j;
	char err[600];

	if ((j = received_join_new()) == NULL)
		return -1;
	for (size_t i = 0; i < run->nlogs; i++) {
		if (received_join_read(j, &run->rc, run->logs[i], err,
		    sizeof(err)) == -1)
			received_reject(&run->rc, run->logs[i], err);
	}
	run->join = received_join_json(j, &run->rc);
	received_join_free(j);
	return run->join == NULL ? -1 : 0;
}

static int
write_output(FILE *f, const void *arg)
{
	const struct run *run = arg;

	return formats[run->format].write(f, &run->rc, run->join);
}

int
report_received(int argc, char *argv[])
{
	static struct run run;
	int status;

	received_init(&run.rc);
	if (parse_args(argc, argv, &run) == -1)
		return 2;
	if (optind == argc)
		received_read(&run.rc, "-");
	for (int i = optind; i < argc && !run.rc.nomem; i++) {
		/* A milter log among the INPUTs joins as --with-logs would. */
		if (strcmp(argv[i], "-") != 0 && run.nlogs < LOGS_MAX &&
		    received_join_is_log(argv[i]))
			run.logs[run.nlogs++] = argv[i];
		else
			received_read(&run.rc, argv[i]);
	}
	if (!run.rc.nomem && run.nlogs > 0 && join_logs(&run) == -1)
		run.rc.nomem = 1;
	if (run.rc.nomem) {
		fprintf(stderr, "mtasts-report received: out of memory\n");
		return 2;
	}
	for (size_t i = 0; i < run.rc.rejected.n; i++)
		fprintf(stderr, "mtasts-report received: %s: %s\n",
		    run.rc.rejected.v[i].source, run.rc.rejected.v[i].text);
	status = report_cli_write(run.out, write_output, &run) == -1 ? 2 :
	    run.rc.rejected.n > 0 ? 1 : 0;
	json_decref(run.join);
	received_free(&run.rc);
	return status;
}
