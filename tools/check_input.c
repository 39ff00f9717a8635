/*
 * check_input.c - bounded reading of the file that mtasts-check lints.
 *
 * Whatever can be read is a finding, not a usage error: a sender fetching
 * it would judge it, and reject it as sts-policy-invalid if it is no
 * policy. So a NUL byte (an image, a gzip: the wrong file) is only noted
 * here, for the caller to report as one error; every other byte, invalid
 * UTF-8 included, goes to the parser, which names the line.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_input.h"

static unsigned
line_of(const char *buf, size_t offset)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < offset; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

int
input_read(const char *path, const char *display, size_t limit,
    struct input_text *in)
{
	const char *nul;
	FILE *fp;
	int read_errno;

	memset(in, 0, sizeof(*in));
	if ((in->buf = malloc(limit + 1)) == NULL) {
		warnx("%s: out of memory", display);
		return -1;
	}
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL) {
		warn("%s", display);
		return -1;
	}
	in->len = fread(in->buf, 1, limit + 1, fp);
	read_errno = ferror(fp) ? errno : 0;
	if (fp != stdin)
		fclose(fp);
	if (read_errno != 0) {
		errno = read_errno;
		warn("%s", display);
		return -1;
	}
	in->over_limit = in->len > limit;
	if ((nul = memchr(in->buf, '\0', in->len)) != NULL) {
		in->has_nul = 1;
		in->nul_offset = (size_t)(nul - in->buf);
		in->nul_line = line_of(in->buf, in->nul_offset);
	}
	return 0;
}

void
input_free(struct input_text *in)
{
	free(in->buf);
	in->buf = NULL;
	in->len = 0;
}
