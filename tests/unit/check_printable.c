/*
 * check_printable.c - unit tests for printable_copy: attacker-controlled
 * macro text must come out as one line of printable ASCII, bounded.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "printable.h"
#include "unit.h"

#define GUARD	'#'

struct printable_case {
	const char *name;
	const char *src;	/* NULL: the NULL-source case */
	size_t	size;		/* dst size passed in */
	const char *want;
};

static const struct printable_case cases[] = {
	{ "plain", "mx1.example.com", 64, "mx1.example.com" },
	{ "empty", "", 64, "" },
	{ "null source", NULL, 64, "" },
	{ "CR LF header injection", "a\r\nX-Evil: 1", 64, "a??X-Evil: 1" },
	{ "bare LF", "a\nb", 64, "a?b" },
	{ "tab", "a\tb", 64, "a?b" },
	{ "controls 0x01 0x1f", "\001x\037", 64, "?x?" },
	{ "escape sequence", "\033[31mred", 64, "?[31mred" },
	{ "DEL", "a\177b", 64, "a?b" },
	{ "8-bit latin1", "caf\351", 64, "caf?" },
	{ "8-bit utf-8", "caf\303\251", 64, "caf??" },
	{ "0xff", "\377", 64, "?" },
	{ "space and tilde kept", " ~", 64, " ~" },
	{ "every printable kept", "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}",
	    64, "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}" },
	{ "truncated", "abcdef", 4, "abc" },
	{ "exact fit", "abc", 4, "abc" },
	{ "truncated after replacement", "\r\nabc", 3, "??" },
	{ "size 1", "abc", 1, "" },
	{ "size 1 empty", "", 1, "" },
};

START_TEST(test_printable_table)
{
	const struct printable_case *c = &cases[_i];
	char	buf[80];
	char	*ret;

	memset(buf, GUARD, sizeof(buf));
	ret = printable_copy(buf, c->size, c->src);
	ck_assert_ptr_eq(ret, buf);
	ck_assert_msg(strcmp(buf, c->want) == 0, "%s: got \"%s\", want \"%s\"",
	    c->name, buf, c->want);
	/* Nothing written past size. */
	ck_assert_msg(buf[c->size] == GUARD, "%s: wrote past size", c->name);
}
END_TEST

START_TEST(test_printable_size_zero)
{
	char	buf[4];

	memset(buf, GUARD, sizeof(buf));
	ck_assert_ptr_eq(printable_copy(buf, 0, "abc"), buf);
	ck_assert_int_eq(buf[0], GUARD);
}
END_TEST

/* Every byte value is mapped: printable ASCII kept, anything else '?'. */
START_TEST(test_printable_every_byte)
{
	char	src[2], dst[2];
	int	c;

	for (c = 1; c < 256; c++) {
		src[0] = (char)c;
		src[1] = '\0';
		printable_copy(dst, sizeof(dst), src);
		if (c >= 0x20 && c <= 0x7e)
			ck_assert_msg(dst[0] == (char)c, "byte 0x%02x changed",
			    c);
		else
			ck_assert_msg(dst[0] == '?', "byte 0x%02x kept", c);
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("printable");
	TCase	*tc = tcase_create("copy");

	tcase_add_loop_test(tc, test_printable_table, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_printable_size_zero);
	tcase_add_test(tc, test_printable_every_byte);
	suite_add_tcase(s, tc);
	return s;
}
