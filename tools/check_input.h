/*
 * check_input.h - read a policy file for mtasts-check, bounded, and say
 * whether it is text at all (no NUL byte).
 */
#ifndef MTASTS_CHECK_INPUT_H
#define MTASTS_CHECK_INPUT_H

#include <stddef.h>

struct input_text {
	char	*buf;		/* not NUL-terminated */
	size_t	 len;		/* at most limit + 1 */
	int	 over_limit;	/* the file holds more than limit bytes */
	int	 has_nul;	/* a NUL byte: not a text file */
	size_t	 nul_offset;	/* of the first one */
	unsigned nul_line;	/* its 1-based line */
};

/*
 * Read at most limit + 1 bytes of path ("-" is standard input), so that the
 * caller can tell a file over the limit without reading all of it. Returns
 * 0, or -1 after saying, with the file's display name, why it cannot be
 * read. Call input_free afterwards.
 */
int	input_read(const char *path, const char *display, size_t limit,
	    struct input_text *);
void	input_free(struct input_text *);

#endif
