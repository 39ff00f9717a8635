/*
 * check_input.c - bounded reading of the file that mtasts-check lints.
 *
 * A policy is text: a NUL byte or a byte sequence that is not UTF-8 means
 * the wrong file was given (an image, a gzip, a Latin-1 export), which is a
 * usage problem, not a policy finding. Everything else, control characters
 * included, goes to the parser, which reports it with a line number. The
 * UTF-8 rule is the parser's own (stslex.h).
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_input.h"
#include "stslex.h"

#define UTF8_SEQ_MAX	4	/* bytes in the longest UTF-8 sequence */

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

static int
check_text(const struct input_text *in, const char *display)
{
	const char *nul;
	size_t bad;

	if ((nul = memchr(in->buf, '\0', in->len)) != NULL) {
		warnx("%s:%u: not a text file (NUL byte at offset %zu); give "
		    "the policy file itself", display,
		    line_of(in->buf, (size_t)(nul - in->buf)),
		    (size_t)(nul - in->buf));
		return -1;
	}
	if (lex_utf8_valid(in->buf, in->len, &bad))
		return 0;
	/* A sequence cut by the read limit is not an encoding error. */
	if (!in->over_limit || bad + UTF8_SEQ_MAX <= in->len) {
		warnx("%s:%u: not UTF-8 text (byte 0x%02x at offset %zu); save "
		    "the policy as ASCII or UTF-8", display,
		    line_of(in->buf, bad), (unsigned char)in->buf[bad], bad);
		return -1;
	}
	return 0;
}

int
input_read(const char *path, const char *display, size_t limit,
    struct input_text *in)
{
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
	return check_text(in, display);
}

void
input_free(struct input_text *in)
{
	free(in->buf);
	in->buf = NULL;
	in->len = 0;
}
