/*
 * mxmatch.c - RFC 5321 Domain syntax, MTA-STS mx pattern syntax and the
 * RFC 8461 4.1 matching rule.
 *
 * Domain    = sub-domain *("." sub-domain)
 * sub-domain = Let-dig [Ldh-str]  (letters, digits, inner hyphens)
 * pattern   = ["*."] Domain
 *
 * A-labels only: an 8-bit byte means a U-label, which RFC 8461 3.2 forbids.
 * Lengths follow DNS (labels up to 63, names up to 253 in text form).
 * Matching (4.1, Appendix B): "*." matches exactly one left-most label of
 * the host, everything else compares ASCII case-insensitively.
 */
#include <string.h>

#include "mxmatch.h"
#include "stslex.h"

static enum domain_problem
problem_at(enum domain_problem p, size_t off, size_t *where)
{
	if (where != NULL)
		*where = off;
	return p;
}

enum domain_problem
domain_check(const char *s, size_t len, size_t *where)
{
	size_t i, start;
	unsigned char c;

	if (len == 0)
		return problem_at(DOMAIN_EMPTY, 0, where);
	start = 0;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (i == start)
				return problem_at(DOMAIN_EMPTY_LABEL, i, where);
			if (i - start > DOMAIN_LABEL_MAX_LEN)
				return problem_at(DOMAIN_LABEL_TOO_LONG, start,
				    where);
			if (s[start] == '-')
				return problem_at(DOMAIN_HYPHEN, start, where);
			if (s[i - 1] == '-')
				return problem_at(DOMAIN_HYPHEN, i - 1, where);
			start = i + 1;
			continue;
		}
		c = (unsigned char)s[i];
		if (c >= 0x80)
			return problem_at(DOMAIN_NON_ASCII, i, where);
		if (c == '*')
			return problem_at(DOMAIN_WILDCARD, i, where);
		if (!lex_is_alnum(c) && c != '-')
			return problem_at(DOMAIN_BAD_CHAR, i, where);
	}
	if (len > DOMAIN_MAX_LEN)
		return problem_at(DOMAIN_TOO_LONG, DOMAIN_MAX_LEN, where);
	return DOMAIN_OK;
}

enum domain_problem
mx_pattern_check(const char *s, size_t len, size_t *where)
{
	enum domain_problem p;

	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		p = domain_check(s + 2, len - 2, where);
		if (p != DOMAIN_OK && where != NULL)
			*where += 2;
		return p;
	}
	return domain_check(s, len, where);
}

int
domain_valid(const char *s, size_t len)
{
	return domain_check(s, len, NULL) == DOMAIN_OK;
}

int
mx_pattern_valid(const char *s, size_t len)
{
	return mx_pattern_check(s, len, NULL) == DOMAIN_OK;
}

const char *
domain_problem_text(enum domain_problem p)
{
	switch (p) {
	case DOMAIN_OK:
		return "is valid";
	case DOMAIN_EMPTY:
		return "is empty";
	case DOMAIN_TOO_LONG:
		return "is longer than 253 characters";
	case DOMAIN_EMPTY_LABEL:
		return "has an empty label (a dot at the start or end, or "
		    "two dots in a row)";
	case DOMAIN_LABEL_TOO_LONG:
		return "has a label longer than 63 characters";
	case DOMAIN_HYPHEN:
		return "has a label that starts or ends with '-'";
	case DOMAIN_NON_ASCII:
		return "contains non-ASCII bytes (a U-label)";
	case DOMAIN_BAD_CHAR:
		return "contains a character other than letters, digits, "
		    "'-' and '.'";
	case DOMAIN_WILDCARD:
		return "uses '*' other than as the whole left-most label "
		    "('*.example.com')";
	}
	return "is invalid";
}

int
mx_match(const char *pattern, const char *host)
{
	const char *dot;
	size_t hlen;

	if (pattern == NULL || host == NULL)
		return 0;
	hlen = strlen(host);
	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (hlen == 0)
		return 0;
	if (pattern[0] == '*' && pattern[1] == '.') {
		/* The wildcard takes exactly one non-empty left-most label. */
		dot = memchr(host, '.', hlen);
		if (dot == NULL || dot == host)
			return 0;
		hlen -= (size_t)(dot + 1 - host);
		host = dot + 1;
		pattern += 2;
	}
	return strlen(pattern) == hlen && lex_eq_nocase(pattern, host, hlen);
}
