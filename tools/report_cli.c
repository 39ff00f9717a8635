/*
 * report_cli.c - the command-line pieces mtasts-report's subcommands share
 * (see report_cli.h), so that --since, --until, --domain and -o read and
 * fail the same way everywhere.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * Where -o FILE goes: FILE itself when it exists and is not a regular file
 * (/dev/stdout, a FIFO, a symbolic link: written as before, through the
 * name) or when no file can be made beside it (a directory we may not
 * write); else a temporary file beside it (FILE.XXXXXX), renamed over FILE
 * only when the whole report was written, so that a full disk or an error
 * leaves the previous report as it was, not half a new one.
 */
static FILE *
open_output(const char *path, char **tmp)
{
	struct stat st;
	mode_t	mask;
	FILE	*f;
	int	fd, exists;

	*tmp = NULL;
	if ((exists = lstat(path, &st) == 0) && !S_ISREG(st.st_mode))
		return fopen(path, "w");
	if (asprintf(tmp, "%s.XXXXXX", path) == -1) {
		*tmp = NULL;
		errno = ENOMEM;
		return NULL;
	}
	if ((fd = mkstemp(*tmp)) == -1) {
		/* A directory we may not create in: FILE itself, as before. */
		free(*tmp);
		*tmp = NULL;
		return errno == EACCES || errno == EPERM ? fopen(path, "w") :
		    NULL;
	}
	/*
	 * As fopen would leave it: an existing report keeps its mode (and,
	 * where allowed, its owner); a new one gets 0666 less the umask.
	 */
	if (exists) {
		(void)fchmod(fd, st.st_mode & 07777);
		(void)!fchown(fd, st.st_uid, st.st_gid);
	} else {
		mask = umask(0);
		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);
	}
	if ((f = fdopen(fd, "w")) == NULL)
		close(fd);	/* the caller removes *tmp */
	return f;
}

int
report_cli_write(const char *path, int (*fn)(FILE *, const void *),
    const void *arg)
{
	char	*tmp = NULL;
	FILE	*f = path == NULL ? stdout : open_output(path, &tmp);
	int	 rc, saved;

	if (f == NULL) {
		fprintf(stderr, "mtasts-report: %s: %s\n", path,
		    strerror(errno));
		if (tmp != NULL) {
			unlink(tmp);
			free(tmp);
		}
		return -1;
	}
	errno = 0;
	rc = fn(f, arg);
	if (rc != -1 && fflush(f) != 0)
		rc = -1;
	if (rc != -1 && tmp != NULL && fsync(fileno(f)) != 0)
		rc = -1;
	saved = errno;
	if (path != NULL && fclose(f) != 0 && rc != -1) {
		rc = -1;
		saved = errno;
	}
	if (rc != -1 && tmp != NULL && rename(tmp, path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == -1) {
		fprintf(stderr, "mtasts-report: cannot write the report%s%s: "
		    "%s%s\n", path != NULL ? " to " : "", path != NULL ? path : "",
		    saved == 0 ? "out of memory" : strerror(saved),
		    tmp != NULL ? " (the file is left as it was)" : "");
		if (tmp != NULL)
			unlink(tmp);
	}
	free(tmp);
	return rc == -1 ? -1 : 0;
}
