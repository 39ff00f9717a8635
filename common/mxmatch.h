/*
 * mxmatch.h - domain syntax and MTA-STS mx pattern matching (RFC 8461 4.1).
 *
 * A pattern is ["*."] Domain (RFC 5321 Domain, A-labels, no trailing dot).
 * "*." stands for exactly one left-most label. Matching is ASCII
 * case-insensitive; one trailing dot on the host is ignored.
 */
#ifndef MTASTS_MXMATCH_H
#define MTASTS_MXMATCH_H

#include <stddef.h>

#define DOMAIN_MAX_LEN		253	/* text form, no trailing dot */
#define DOMAIN_LABEL_MAX_LEN	63

/* Why a domain or pattern is not valid (domain_problem_text() says it). */
enum domain_problem {
	DOMAIN_OK = 0,
	DOMAIN_EMPTY,
	DOMAIN_TOO_LONG,
	DOMAIN_EMPTY_LABEL,
	DOMAIN_LABEL_TOO_LONG,
	DOMAIN_HYPHEN,
	DOMAIN_NON_ASCII,
	DOMAIN_BAD_CHAR,
	DOMAIN_WILDCARD
};

/* 1 when s[0..len) is an RFC 5321 Domain (A-labels only), else 0. */
int	domain_valid(const char *s, size_t len);
/* 1 when s[0..len) is a valid mx pattern, else 0. */
int	mx_pattern_valid(const char *s, size_t len);
/* 1 when host matches pattern, else 0. Both NUL-terminated. */
int	mx_match(const char *pattern, const char *host);

/*
 * The first problem of s[0..len) as a Domain or as an mx pattern; *where
 * (when not NULL) gets the offset of the offending byte.
 */
enum domain_problem domain_check(const char *s, size_t len, size_t *where);
enum domain_problem mx_pattern_check(const char *s, size_t len, size_t *where);
/* What the problem is, as a phrase ("has an empty label ..."). */
const char *domain_problem_text(enum domain_problem);

#endif
