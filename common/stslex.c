/*
 * stslex.c - lexical rules shared by the policy and TXT record parsers.
 * See stslex.h.
 */
#include <stdlib.h>
#include <string.h>

#include "stslex.h"

char *
lex_lower_str(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		*p = (char)lex_lower((unsigned char)*p);
	return s;
}

/* Not strncasecmp: the locale must not change how keys and names compare. */
int
lex_eq_nocase(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lex_lower((unsigned char)a[i]) !=
		    lex_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

const char *
lex_ext_name_problem(const char *s, size_t n)
{
	unsigned char c;
	size_t i;

	if (n == 0)
		return "is empty";
	if (n > LEX_EXT_NAME_MAX)
		return "is longer than 32 characters";
	if (!lex_is_alnum((unsigned char)s[0]))
		return "does not start with a letter or digit";
	for (i = 1; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80)
			return "contains non-ASCII bytes";
		if (!lex_is_alnum(c) && c != '_' && c != '-' && c != '.')
			return "contains a character other than letters, "
			    "digits, '_', '-' and '.'";
	}
	return NULL;
}

/* Length of the UTF-8 sequence at s (RFC 3629 table), 0 when malformed. */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char lo, hi;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	lo = 0x80;
	hi = 0xbf;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;		/* no overlong forms */
		else if (s[0] == 0xed)
			hi = 0x9f;		/* no surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;		/* nothing above U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int
lex_utf8_valid(const char *s, size_t n, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, step;

	for (i = 0; i < n; i += step) {
		step = utf8_seq_len(u + i, n - i);
		if (step == 0) {
			*bad = i;
			return 0;
		}
	}
	return 1;
}

int
lex_strings_append(char ***v, size_t *count, size_t *cap, const char *s,
    size_t n)
{
	char **grown, *copy;
	size_t ncap;

	if (*count == *cap) {
		ncap = *cap == 0 ? 4 : *cap * 2;
		if ((grown = realloc(*v, ncap * sizeof(*grown))) == NULL)
			return -1;
		*v = grown;
		*cap = ncap;
	}
	if ((copy = malloc(n + 1)) == NULL)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	(*v)[(*count)++] = copy;
	return 0;
}

void
lex_strings_free(char **v, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(v[i]);
	free(v);
}
