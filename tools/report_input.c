/*
 * report_input.c - line reader over zlib's gz* interface, which passes
 * plain files through unchanged, so one path serves both. Lines are split
 * in a large buffer (no per-line allocation); a line longer than
 * INPUT_LINE_MAX is handed over once, flagged, and the rest skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "report_input.h"

#define INPUT_BUF	(1024 * 1024)

struct reader {
	char		*buf;
	size_t		 start, end;	/* unconsumed bytes */
	unsigned long	 no;
	int		 skipping;	/* inside an over-long line */
	input_fn	 fn;
	void		*arg;
};

static void
deliver(struct reader *rd, const char *text, size_t len, int too_long)
{
	struct input_line l;

	if (rd->skipping)
		return;
	rd->no++;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	l.text = text;
	l.len = len;
	l.no = rd->no;
	l.too_long = too_long;
	rd->fn(rd->arg, &l);
}

/* Hand over every complete line in the buffer; keep the tail. */
static void
split(struct reader *rd)
{
	char *nl;

	while ((nl = memchr(rd->buf + rd->start, '\n', rd->end - rd->start))
	    != NULL) {
		deliver(rd, rd->buf + rd->start,
		    (size_t)(nl - rd->buf) - rd->start, 0);
		rd->skipping = 0;
		rd->start = (size_t)(nl - rd->buf) + 1;
	}
	if (rd->end - rd->start > INPUT_LINE_MAX) {
		deliver(rd, rd->buf + rd->start, INPUT_LINE_MAX, 1);
		rd->skipping = 1;
		rd->start = rd->end;
	}
	memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
	rd->end -= rd->start;
	rd->start = 0;
}

static gzFile
open_gz(const char *path, char *err, size_t errsize)
{
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) :
	    open(path, O_RDONLY | O_CLOEXEC);
	gzFile gz;

	if (fd == -1) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((gz = gzdopen(fd, "rb")) == NULL) {
		close(fd);
		snprintf(err, errsize, "%s: cannot start reading", path);
		return NULL;
	}
	gzbuffer(gz, 256 * 1024);
	return gz;
}

/* The reason a gzip read stopped early, or NULL when it did not. */
static const char *
gz_fault(gzFile gz, int n)
{
	int code;
	const char *msg = gzerror(gz, &code);

	if (code == Z_OK && n >= 0)
		return NULL;
	if (code == Z_BUF_ERROR)
		return "truncated gzip data (unexpected end of file)";
	if (code == Z_ERRNO)
		return strerror(errno);
	return msg;
}

int
input_read(const char *path, input_fn fn, void *arg, char *err,
    size_t errsize)
{
	struct reader rd = { .fn = fn, .arg = arg };
	const char *fault = NULL;
	unsigned long at;
	gzFile gz;
	int n;

	if ((gz = open_gz(path, err, errsize)) == NULL)
		return -1;
	if ((rd.buf = malloc(INPUT_BUF)) == NULL) {
		gzclose(gz);
		snprintf(err, errsize, "%s: out of memory", path);
		return -1;
	}
	while ((n = gzread(gz, rd.buf + rd.end, INPUT_BUF - rd.end)) > 0) {
		rd.end += (size_t)n;
		split(&rd);
	}
	fault = gz_fault(gz, n);
	at = rd.no + 1;
	if (rd.end > 0)
		deliver(&rd, rd.buf, rd.end, 0);
	free(rd.buf);
	gzclose(gz);
	if (fault == NULL)
		return 0;
	snprintf(err, errsize, "%s: line %lu: %s", path, at, fault);
	return -1;
}
