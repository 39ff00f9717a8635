/*
 * stslex.h - lexical rules shared by the MTA-STS policy grammar (RFC 8461
 * 3.2) and the TXT record grammars (RFC 8461 3.1, RFC 8460 3): character
 * classes, the extension-name rule both define identically, ASCII
 * case-insensitive comparison and lower-casing (the one place for both:
 * names are compared and stored without regard to the locale), strict
 * UTF-8 (RFC 3629) validation, and the string vectors the parsers fill (mx
 * patterns, rua URIs). Shared by libmtasts and the tools.
 */
#ifndef MTASTS_STSLEX_H
#define MTASTS_STSLEX_H

#include <stddef.h>

#define LEX_EXT_NAME_MAX	32

static inline int
lex_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline int
lex_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int
lex_is_alnum(unsigned char c)
{
	return lex_is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* The value of a hex digit (either case), or -1. */
static inline int
lex_hex_value(unsigned char c)
{
	if (lex_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* c with an ASCII capital made lower case; every other byte unchanged. */
static inline unsigned char
lex_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Lower-cases the ASCII capitals of s in place; returns s. */
char	*lex_lower_str(char *s);
/* 1 when a[0..n) and b[0..n) are equal ignoring ASCII case. */
int	lex_eq_nocase(const char *a, const char *b, size_t n);
/*
 * NULL when s[0..n) is an extension name, (ALPHA / DIGIT) *31(ALPHA /
 * DIGIT / "_" / "-" / "."), else a phrase saying what is wrong.
 */
const char *lex_ext_name_problem(const char *s, size_t n);
/* 1 when s[0..n) is well-formed UTF-8; else 0 and *bad = offending offset. */
int	lex_utf8_valid(const char *s, size_t n, size_t *bad);
/*
 * Appends a NUL-terminated copy of s[0..n) to the vector *v of *count
 * strings (room for *cap). Returns 0, or -1 when out of memory (the vector
 * is unchanged).
 */
int	lex_strings_append(char ***v, size_t *count, size_t *cap,
	    const char *s, size_t n);
/* Frees the strings and the vector. */
void	lex_strings_free(char **v, size_t count);

#endif
