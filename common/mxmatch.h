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

/* 1 when s[0..len) is an RFC 5321 Domain (A-labels only), else 0. */
int	domain_valid(const char *s, size_t len);
/* 1 when s[0..len) is a valid mx pattern, else 0. */
int	mx_pattern_valid(const char *s, size_t len);
/* 1 when host matches pattern, else 0. Both NUL-terminated. */
int	mx_match(const char *pattern, const char *host);

#endif
