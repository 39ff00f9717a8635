/*
 * report_cli.c - the command-line pieces mtasts-report's subcommands share
 * (see report_cli.h), so that --since, --until, --domain and -o read and
 * fail the same way everywhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report_cli.h"
#include "stslex.h"
#include "utctime.h"

int
report_cli_when(const char *s, int end_of_day, long long now, long long *out)
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

int
report_cli_domain(char **filter, size_t *n, size_t max, const char *d)
{
	char *s;

	if (*n >= max) {
		fprintf(stderr, "mtasts-report: more than %zu --domain "
		    "options\n", max);
		return -1;
	}
	if ((s = strdup(d)) == NULL)
		return -1;
	lex_lower_str(s);
	if (s[0] != '\0' && s[strlen(s) - 1] == '.')
		s[strlen(s) - 1] = '\0';
	filter[(*n)++] = s;
	return 0;
}

int
report_cli_write(const char *path, int (*fn)(FILE *, const void *),
    const void *arg)
{
	FILE *f = path == NULL ? stdout : fopen(path, "w");
	int rc;

	if (f == NULL) {
		fprintf(stderr, "mtasts-report: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	errno = 0;
	rc = fn(f, arg);
	if ((path != NULL ? fclose(f) : fflush(f)) != 0 || rc == -1) {
		fprintf(stderr, "mtasts-report: cannot write the report%s%s: "
		    "%s\n", path != NULL ? " to " : "", path != NULL ? path : "",
		    rc == -1 && errno == 0 ? "out of memory" : strerror(errno));
		return -1;
	}
	return 0;
}
