/*
 * report_cli.h - command-line pieces every mtasts-report subcommand shares:
 * the WHEN of --since/--until, --domain names, and the output file.
 */
#ifndef MTASTS_REPORT_CLI_H
#define MTASTS_REPORT_CLI_H

#include <stddef.h>
#include <stdio.h>

#define REPORT_CLI_WHEN	"WHEN: YYYY-MM-DD, an RFC 3339 time, or a duration " \
	"ago (30m, 12h, 14d, 2w)\n"

/* The options every subcommand has, as getopt_long entries. */
#define REPORT_CLI_LONGOPTS \
	{ "since", required_argument, NULL, 's' }, \
	{ "until", required_argument, NULL, 'u' }, \
	{ "domain", required_argument, NULL, 'd' }, \
	{ "format", required_argument, NULL, 'f' }, \
	{ "output", required_argument, NULL, 'o' }, \
	{ "help", no_argument, NULL, 'h' }

/*
 * WHEN into seconds (a bare date given to --until means its end); -1 with
 * the reason on standard error.
 */
int	report_cli_when(const char *s, int end_of_day, long long now,
	    long long *out);
/* Add a --domain (lower case, no final dot) to filter[max]; -1 on error. */
int	report_cli_domain(char **filter, size_t *n, size_t max, const char *d);
/*
 * Write the report with fn to path (NULL = standard output). Returns 0,
 * or -1 after saying on standard error what failed.
 */
int	report_cli_write(const char *path,
	    int (*fn)(FILE *, const void *), const void *arg);

#endif
