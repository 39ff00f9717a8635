/*
 * diag.h - diagnostics shared by every parser and checker.
 *
 * A diagnostic is a severity, a stable code (scripts and tests match on it),
 * a 1-based line (0 when the finding is not tied to a line) and a one-line
 * message that says what is wrong and how to fix it. Lists are bounded:
 * past DIAG_MAX entries further findings are only counted.
 */
#ifndef MTASTS_DIAG_H
#define MTASTS_DIAG_H

#include <stdarg.h>
#include <stddef.h>

#define DIAG_MAX	64
#define DIAG_MSG_MAX	256

enum diag_severity {
	DIAG_ERROR = 0,
	DIAG_WARNING = 1
};

struct diag {
	enum diag_severity severity;
	const char *code;		/* static string, e.g. "policy-blank-line" */
	unsigned line;			/* 1-based; 0 = not line-specific */
	char message[DIAG_MSG_MAX];	/* printable ASCII, no newline */
};

struct diag_list {
	struct diag items[DIAG_MAX];
	size_t count;
	size_t dropped;			/* findings past DIAG_MAX */
	size_t errors;			/* errors added, dropped included */
};

void	diag_init(struct diag_list *);
/* A NULL list is accepted and ignored (the caller wants no details). */
void	diag_add(struct diag_list *, enum diag_severity, const char *code,
	    unsigned line, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* As diag_add, with the arguments as a va_list. */
void	diag_vadd(struct diag_list *, enum diag_severity, const char *code,
	    unsigned line, const char *fmt, va_list)
	    __attribute__((format(printf, 5, 0)));
/* Shorthands: diag_error(dl, code, line, fmt, ...), diag_warning(...). */
#define diag_error(dl, ...)	diag_add((dl), DIAG_ERROR, __VA_ARGS__)
#define diag_warning(dl, ...)	diag_add((dl), DIAG_WARNING, __VA_ARGS__)
size_t	diag_count(const struct diag_list *, enum diag_severity);
/* First diagnostic with this code, or NULL. */
const struct diag *diag_find(const struct diag_list *, const char *code);
const char *diag_severity_name(enum diag_severity);

#endif
