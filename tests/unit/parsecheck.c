/*
 * parsecheck.c - assertions shared by the parser unit tests: a table row
 * names the exact set of codes (and optionally lines) a parse must report,
 * so a missing finding and a spurious one both fail; and what was parsed
 * (mx patterns, rua URIs) is compared with a comma-separated list.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "parsecheck.h"

/* Is "code" (len n) with line (0 = any) among the diagnostics? */
static int
has_code(const struct diag_list *dl, const char *code, size_t n,
    unsigned line)
{
	size_t i;

	for (i = 0; i < dl->count; i++)
		if (strlen(dl->items[i].code) == n &&
		    strncmp(dl->items[i].code, code, n) == 0 &&
		    (line == 0 || dl->items[i].line == line))
			return 1;
	return 0;
}

/* Is the code of d listed in expected? */
static int
is_expected(const char *expected, const char *code)
{
	size_t n = strlen(code);
	const char *p;

	for (p = expected; (p = strstr(p, code)) != NULL; p += n)
		if ((p == expected || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '@'))
			return 1;
	return 0;
}

void
expect_codes(const char *name, const struct diag_list *dl,
    const char *expected)
{
	const char *p, *end, *at;
	const unsigned char *m;
	unsigned line;
	size_t i;

	for (p = expected; *p != '\0'; p = end) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = p + strcspn(p, " ");
		at = memchr(p, '@', (size_t)(end - p));
		line = at != NULL ? (unsigned)strtoul(at + 1, NULL, 10) : 0;
		ck_assert_msg(has_code(dl, p, (size_t)((at ? at : end) - p),
		    line), "%s: expected %.*s", name, (int)(end - p), p);
	}
	for (i = 0; i < dl->count; i++) {
		ck_assert_msg(is_expected(expected, dl->items[i].code),
		    "%s: unexpected %s (line %u): %s", name,
		    dl->items[i].code, dl->items[i].line,
		    dl->items[i].message);
		m = (const unsigned char *)dl->items[i].message;
		ck_assert_msg(*m != '\0', "%s: empty message", name);
		for (; *m != '\0'; m++)
			ck_assert_msg(*m >= 0x20 && *m <= 0x7e,
			    "%s: unprintable message byte", name);
	}
}

void
expect_list(const char *name, char *const *items, size_t count,
    const char *want)
{
	const char *p, *comma;
	size_t i, n;

	i = 0;
	for (p = want; *p != '\0'; p = *comma ? comma + 1 : comma, i++) {
		comma = p + strcspn(p, ",");
		n = (size_t)(comma - p);
		ck_assert_msg(i < count, "%s: item %zu missing", name, i);
		ck_assert_msg(strlen(items[i]) == n &&
		    memcmp(items[i], p, n) == 0, "%s: item %zu is '%s'", name,
		    i, items[i]);
	}
	ck_assert_msg(count == i, "%s: %zu items, want %zu", name, count, i);
}
