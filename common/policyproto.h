/*
 * policyproto.h - an incremental reader of the Postfix policy delegation
 * protocol (SMTPD_POLICY_README): "name=value" lines, an empty line ends a
 * request. Bytes arrive as the socket gives them: a request may be split
 * over many reads, and one read may carry several pipelined requests.
 *
 * Pure: no I/O, no allocation, every bound explicit. A request that breaks
 * a bound or the syntax is read to its end all the same (its empty line)
 * and then reported as malformed, so that the connection stays in step:
 * every request, good or bad, gets exactly one answer. A client that never
 * sends the empty line is the caller's to drop (a deadline per request).
 */
#ifndef MTASTS_POLICYPROTO_H
#define MTASTS_POLICYPROTO_H

#include <stddef.h>

#define POLICY_REQUEST_MAX	65536	/* bytes of one request, newlines included */
#define POLICY_LINE_MAX		16384	/* bytes of one line, newline excluded */
#define POLICY_ATTRS_MAX	128	/* attributes of one request */

enum policy_read {
	POLICY_READ_MORE = 0,	/* every byte taken; no request ended yet */
	POLICY_READ_REQUEST,	/* a well-formed request ended */
	POLICY_READ_MALFORMED	/* a request ended that broke a rule */
};

enum policy_fault {
	POLICY_FAULT_NONE = 0,
	POLICY_FAULT_EMPTY,		/* an empty line with no attribute */
	POLICY_FAULT_SYNTAX,		/* a line without "=", or an empty name */
	POLICY_FAULT_NUL,		/* a NUL byte */
	POLICY_FAULT_LINE_TOO_LONG,
	POLICY_FAULT_TOO_BIG,
	POLICY_FAULT_TOO_MANY
};

struct policy_reader {
	int		 ended;		/* the last read ended a request */
	enum policy_fault fault;	/* the first rule the request broke */
	size_t		 size;		/* bytes of the request so far */
	size_t		 line_len;	/* bytes of the line being read */
	size_t		 line_start;	/* where it begins in text[] */
	char		 line_last;	/* its last byte so far */
	size_t		 used;		/* of text[] */
	size_t		 count;
	size_t		 name_at[POLICY_ATTRS_MAX];
	size_t		 value_at[POLICY_ATTRS_MAX];
	char		 text[POLICY_REQUEST_MAX + 1];	/* NUL-ended names, values */
};

void	policy_reader_init(struct policy_reader *);
/*
 * Read up to len bytes of data. Stops after the end of a request:
 * *taken says how many bytes were read (feed the rest again once the
 * request is answered). The request's attributes stay readable until the
 * next call.
 */
enum policy_read policy_read(struct policy_reader *, const char *data,
	    size_t len, size_t *taken);
/* The value of the first attribute called name, or NULL. */
const char *policy_attr(const struct policy_reader *, const char *name);
/* What the malformed request broke, for the log. */
const char *policy_fault_name(enum policy_fault);
/* 1 when part of a request has been read and its end has not. */
int	policy_reader_partial(const struct policy_reader *);

#endif
