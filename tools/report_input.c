/*
 * report_input.c - line reader over zlib's gz* interface, which passes
 * plain files through unchanged, so one path serves both. Lines are split
 * in a large buffer (no per-line allocation); a line longer than
 * INPUT_LINE_MAX is handed over once, flagged, and the rest skipped.
 * A plain regular file can also be cut at line starts into parts that
 * are read independently (input_split, input_read_part) with pread, so
 * that threads can share one file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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
	unsigned long	 at;		/* line of a read fault */
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

typedef int (*fill_fn)(void *src, char *buf, size_t len);

/* Read src to its end through the buffer; the last fill result. */
static int
pump(struct reader *rd, fill_fn fill, void *src)
{
	int n;

	while ((n = fill(src, rd->buf + rd->end, INPUT_BUF - rd->end)) > 0) {
		rd->end += (size_t)n;
		split(rd);
	}
	rd->at = rd->no + 1;
	if (rd->end > 0)
		deliver(rd, rd->buf, rd->end, 0);
	return n;
}

static int
fill_gz(void *src, char *buf, size_t len)
{
	return gzread(src, buf, (unsigned)len);
}

int
input_read(const char *path, input_fn fn, void *arg, char *err,
    size_t errsize)
{
	struct reader rd = { .fn = fn, .arg = arg };
	const char *fault;
	gzFile gz;
	int n;

	if ((gz = open_gz(path, err, errsize)) == NULL)
		return -1;
	if ((rd.buf = malloc(INPUT_BUF)) == NULL) {
		gzclose(gz);
		snprintf(err, errsize, "%s: out of memory", path);
		return -1;
	}
	n = pump(&rd, fill_gz, gz);
	fault = gz_fault(gz, n);
	free(rd.buf);
	gzclose(gz);
	if (fault == NULL)
		return 0;
	snprintf(err, errsize, "%s: line %lu: %s", path, rd.at, fault);
	return -1;
}

/* The byte range of one part; to == -1 reads to the end of the file. */
struct range {
	int		 fd;
	off_t		 pos, to;
};

static int
fill_range(void *src, char *buf, size_t len)
{
	struct range *r = src;
	ssize_t n;

	if (r->to != -1 && (off_t)len > r->to - r->pos)
		len = (size_t)(r->to - r->pos);
	if (len == 0)
		return 0;
	do
		n = pread(r->fd, buf, len, r->pos);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		r->pos += n;
	return (int)n;
}

/* The start of the first line that begins after byte at - 1, or size. */
static off_t
line_start(int fd, off_t at, off_t size)
{
	char buf[64 * 1024], *nl;
	ssize_t n;

	at = at > 1 ? at - 1 : 0;
	while (at < size && (n = pread(fd, buf, sizeof(buf), at)) > 0) {
		if ((nl = memchr(buf, '\n', (size_t)n)) != NULL)
			return at + (nl - buf) + 1;
		at += n;
	}
	return size;
}

int
input_split(const char *path, int nparts, off_t min_size, off_t starts[],
    int *fdp)
{
	unsigned char magic[2];
	struct stat st;
	int fd;

	*fdp = -1;
	if (nparts < 2 || strcmp(path, "-") == 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < min_size || st.st_size < 2 ||
	    pread(fd, magic, 2, 0) != 2 ||
	    (magic[0] == 0x1f && magic[1] == 0x8b)) {
		close(fd);
		return 1;
	}
	starts[0] = 0;
	for (int i = 1; i < nparts; i++) {
		starts[i] = line_start(fd, st.st_size / nparts * i, st.st_size);
		if (starts[i] < starts[i - 1])
			starts[i] = starts[i - 1];
	}
	*fdp = fd;
	return nparts;
}

int
input_read_part(int fd, off_t from, off_t to, input_fn fn, void *arg,
    unsigned long *lines, unsigned long *at, char *err, size_t errsize)
{
	struct reader rd = { .fn = fn, .arg = arg };
	struct range r = { .fd = fd, .pos = from, .to = to };
	int n;

	*lines = *at = 0;
	if ((rd.buf = malloc(INPUT_BUF)) == NULL) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	n = pump(&rd, fill_range, &r);
	free(rd.buf);
	*lines = rd.no;
	*at = rd.at;
	if (n == 0)
		return 0;
	snprintf(err, errsize, "%s", strerror(errno));
	return -1;
}
