/*
 * check_mxmatch.c - unit tests of domain and mx pattern syntax and of the
 * RFC 8461 4.1 matching rule ("*." is exactly one left-most label, ASCII
 * case-insensitive, a trailing dot on the host ignored).
 */
#include <string.h>

#include "mxmatch.h"
#include "parsecheck.h"
#include "unit.h"

struct match_case {
	const char *pattern;
	const char *host;
	int	 match;
};

static const struct match_case match_cases[] = {
	{ "mail.example.com", "mail.example.com", 1 },
	{ "mail.example.com", "MAIL.Example.COM", 1 },
	{ "MAIL.EXAMPLE.COM", "mail.example.com", 1 },
	{ "mail.example.com", "mail.example.com.", 1 },
	{ "mail.example.com", "mail.example.com..", 0 },
	{ "mail.example.com", "mail.example.co", 0 },
	{ "mail.example.com", "xmail.example.com", 0 },
	{ "mail.example.com", "mail.example.com.evil", 0 },
	{ "*.example.com", "mail.example.com", 1 },
	{ "*.example.com", "MX1.EXAMPLE.COM.", 1 },
	{ "*.example.com", "example.com", 0 },
	{ "*.example.com", "a.b.example.com", 0 },
	{ "*.example.com", ".example.com", 0 },
	{ "*.example.com", "mailexample.com", 0 },
	{ "*.example.com", "mail.example.com.evil", 0 },
	{ "*.example.com", "mail.notexample.com", 0 },
	{ "*.example.com", "*.example.com", 1 },
	{ "*.com", "abc.com", 1 },
	{ "*.com", "a.abc.com", 0 },
	{ "a.b", "a.b.", 1 },
	{ "mail.example.com", "", 0 },
	{ "mail.example.com", ".", 0 },
	{ "*.example.com", "", 0 },
};

START_TEST(test_match_table)
{
	const struct match_case *c = &match_cases[_i];

	ck_assert_msg(mx_match(c->pattern, c->host) == c->match,
	    "'%s' vs '%s': want %d", c->pattern, c->host, c->match);
}
END_TEST

START_TEST(test_match_null)
{
	ck_assert_int_eq(mx_match(NULL, "a.example"), 0);
	ck_assert_int_eq(mx_match("a.example", NULL), 0);
	ck_assert_int_eq(mx_match("", ""), 0);
}
END_TEST

struct syntax_case {
	const char *text;
	enum domain_problem pattern;	/* as an mx pattern */
	int	 domain;		/* valid as a plain Domain */
};

#define L63 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"

static const struct syntax_case syntax_cases[] = {
	{ "mail.example.com", DOMAIN_OK, 1 },
	{ "*.example.net", DOMAIN_OK, 0 },
	{ "localhost", DOMAIN_OK, 1 },
	{ "xn--mx-lka.example", DOMAIN_OK, 1 },
	{ "212.114.86.56", DOMAIN_OK, 1 },
	{ "a-b.c--d.example", DOMAIN_OK, 1 },
	{ "MAIL.Example.COM", DOMAIN_OK, 1 },
	{ "", DOMAIN_EMPTY, 0 },
	{ ".example.net", DOMAIN_EMPTY_LABEL, 0 },
	{ "mail.example.com.", DOMAIN_EMPTY_LABEL, 0 },
	{ "mail..example.com", DOMAIN_EMPTY_LABEL, 0 },
	{ "*.*.example", DOMAIN_WILDCARD, 0 },
	{ "**.example", DOMAIN_WILDCARD, 0 },
	{ "*example.com", DOMAIN_WILDCARD, 0 },
	{ "mail*.example.com", DOMAIN_WILDCARD, 0 },
	{ "*", DOMAIN_WILDCARD, 0 },
	{ "*.", DOMAIN_EMPTY, 0 },
	{ "-mail.example.com", DOMAIN_HYPHEN, 0 },
	{ "mail-.example.com", DOMAIN_HYPHEN, 0 },
	{ "m\xc3\xb8x.example", DOMAIN_NON_ASCII, 0 },
	{ "mail_1.example.com", DOMAIN_BAD_CHAR, 0 },
	{ "mail.example.com ", DOMAIN_BAD_CHAR, 0 },
	{ "2001:db8::1", DOMAIN_BAD_CHAR, 0 },
	{ L63 ".example", DOMAIN_OK, 1 },
	{ L63 "l.example", DOMAIN_LABEL_TOO_LONG, 0 },
	/* 4 * 63 + 3 dots = 255 > 253; 3 * 63 + 61 + 3 = 253 */
	{ L63 "." L63 "." L63 "." L63, DOMAIN_TOO_LONG, 0 },
	{ L63 "." L63 "." L63 ".abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrs"
	    "tuvwxyzabcdefghi", DOMAIN_OK, 1 },
	{ L63 "." L63 "." L63 ".abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrs"
	    "tuvwxyzabcdefghij", DOMAIN_TOO_LONG, 0 },
};

START_TEST(test_syntax_table)
{
	const struct syntax_case *c = &syntax_cases[_i];
	size_t len = strlen(c->text), where;
	enum domain_problem got;

	got = mx_pattern_check(c->text, len, &where);
	ck_assert_msg(got == c->pattern, "'%s': problem %d (%s), want %d",
	    c->text, got, domain_problem_text(got), c->pattern);
	ck_assert_int_eq(mx_pattern_valid(c->text, len), got == DOMAIN_OK);
	ck_assert_msg(domain_valid(c->text, len) == c->domain,
	    "'%s': domain_valid", c->text);
	if (got != DOMAIN_OK)
		ck_assert_uint_le(where, len);
	ck_assert_ptr_nonnull(domain_problem_text(got));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("mxmatch");
	TCase *tc = tcase_create("mxmatch");

	tcase_add_loop_test(tc, test_match_table, 0,
	    (int)(sizeof(match_cases) / sizeof(match_cases[0])));
	tcase_add_test(tc, test_match_null);
	tcase_add_loop_test(tc, test_syntax_table, 0,
	    (int)(sizeof(syntax_cases) / sizeof(syntax_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
