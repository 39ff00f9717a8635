/*
 * report_input.h - read a log file line by line: a path or "-" for standard
 * input, plain text or gzip (detected from the content, not the name).
 */
#ifndef MTASTS_REPORT_INPUT_H
#define MTASTS_REPORT_INPUT_H

#include <stddef.h>

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

#endif
