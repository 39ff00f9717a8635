/*
 * hdrshape.c - check an MTA-STS-Audit field value against the promises of
 * DESIGN.md 7 without using the formatter's code (see hdrshape.h).
 */
#include <string.h>

#include "hdrshape.h"

#define TAB_COLUMNS	8	/* a fold's tab, counted as wide as it shows */

static const char *const keys[] = {
	"domain=", "result=", "reasons=", "mode=", "id=", "source=", "tls=",
	"mx="
};
#define NKEYS		(sizeof(keys) / sizeof(keys[0]))
#define REASONS_KEY	2

static const char *
line_end_problem(size_t width, int spaced)
{
	if (width > HDR_LINE_HARD)
		return "a line is longer than 998 columns";
	if (width > HDR_LINE_SOFT && spaced)
		return "a line of several tokens is longer than 78 columns";
	return NULL;
}

/* Folding, bytes and line widths; the first line starts after "Name: ". */
static const char *
lines_problem(const char *v, size_t name_len)
{
	const char *problem;
	size_t	width = name_len + 2;
	int	spaced = 0;

	for (;; v++) {
		if (*v == '\0' || *v == '\n') {
			if ((problem = line_end_problem(width, spaced)) != NULL)
				return problem;
			if (*v == '\0')
				return NULL;
			if (v[1] != '\t')
				return "a fold is not \"\\n\\t\"";
			v++;
			width = TAB_COLUMNS;
			spaced = 0;
			continue;
		}
		if (*v == '\r')
			return "a CR in the value";
		if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
			return "a byte outside printable ASCII";
		if (*v == ' ')
			spaced = 1;
		width++;
	}
}

/* One "key=value;" token (no ';' when last) at position k of the keys. */
static const char *
pair_problem(const char *t, size_t len, size_t k, int last)
{
	const char *semi = memchr(t, ';', len);

	if (k == NKEYS)
		return "a token after mx=";
	if (len < strlen(keys[k]) || strncmp(t, keys[k], strlen(keys[k])) != 0)
		return "a key is missing or out of order";
	if (last)
		return semi != NULL ? "a ';' in the last value" : NULL;
	if (semi != t + len - 1)
		return "a value holds ';' or does not end with one";
	return NULL;
}

static const char *
tokens_problem(const char *v, int has_reasons)
{
	const char *problem, *semi;
	size_t	len, k = 0;
	int	last;

	len = strcspn(v, " \n\t");
	semi = memchr(v, ';', len);
	if (len < 2 || semi != v + len - 1)
		return "the authserv-id is not one token ending in ';'";
	do {
		v += len;
		if (*v == '\0')
			return "no key after the authserv-id";
		v += *v == '\n' ? 2 : 1;
		if ((len = strcspn(v, " \n\t")) == 0)
			return "an empty token";
		last = v[len] == '\0';
		if (k == REASONS_KEY && !has_reasons)
			k++;
		if ((problem = pair_problem(v, len, k++, last)) != NULL)
			return problem;
	} while (!last);
	return k == NKEYS ? NULL : "the value ends before mx=";
}

const char *
hdrshape_problem(const char *value, size_t name_len, int has_reasons)
{
	const char *problem;

	if ((problem = lines_problem(value, name_len)) != NULL)
		return problem;
	return tokens_problem(value, has_reasons);
}
