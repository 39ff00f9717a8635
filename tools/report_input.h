/*
 * report_input.h - read a log file line by line: a path or "-" for standard
 * input, plain text or gzip (detected from the content, not the name).
 */
#ifndef MTASTS_REPORT_INPUT_H
#define MTASTS_REPORT_INPUT_H

#include <stddef.h>
#include <sys/types.h>

#define INPUT_LINE_MAX	65536	/* longer lines are reported, not parsed */

struct input_line {
	const char	*text;		/* not NUL-terminated; no line end */
	size_t		 len;
	unsigned long	 no;		/* 1-based */
	int		 too_long;	/* text is only the first INPUT_LINE_MAX */
};

typedef void (*input_fn)(void *arg, const struct input_line *);

/*
 * Call fn for each non-empty line of path. Returns 0, or -1 with a reason
 * in err when the file cannot be opened or read or a gzip stream is
 * truncated or corrupt (lines before the fault have been delivered).
 */
int	input_read(const char *path, input_fn fn, void *arg, char *err,
	    size_t errsize);

/*
 * Cut path into nparts at line starts for input_read_part: returns
 * nparts with starts[0..nparts) and an open descriptor in *fd (close it),
 * or 1 (read it whole with input_read) for standard input, anything not
 * a regular file, gzip data, a file smaller than min_size, or nparts < 2.
 * Parts may be empty; the last one runs to the end of the file.
 */
int	input_split(const char *path, int nparts, off_t min_size,
	    off_t starts[], int *fd);
/*
 * Call fn for each non-empty line in [from, to) of fd (to == -1: to the
 * end), numbering lines from 1 within the part. *lines gets the number of
 * lines of the part. Returns 0, or -1 with the reason in err and the line
 * of the fault (within the part) in *at.
 */
int	input_read_part(int fd, off_t from, off_t to, input_fn fn, void *arg,
	    unsigned long *lines, unsigned long *at, char *err,
	    size_t errsize);

#endif
