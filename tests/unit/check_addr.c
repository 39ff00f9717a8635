/*
 * check_addr.c - unit tests for common/addr.c: the domain of an envelope
 * address, host names from macros, and Sendmail's xtext DNs. All of this is
 * peer-controlled text, so the tables lean on the hostile cases. Also the
 * one lower-casing helper (stslex) every name in the daemon and the tools
 * goes through: ASCII capitals only, whatever the locale.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "stslex.h"
#include "unit.h"

#define GUARD	'#'
#define OUT_MAX	256		/* the milter's CTX_NAME_MAX */

struct domain_case {
	const char *name;
	const char *addr;	/* NULL: the NULL-address case */
	const char *want;	/* NULL: no domain */
};

static const struct domain_case domain_cases[] = {
	{ "bracketed", "<u@example.com>", "example.com" },
	{ "bare", "u@example.com", "example.com" },
	{ "upper case", "<U@EXAMPLE.Com>", "example.com" },
	{ "trailing dot", "<u@example.com.>", "example.com" },
	{ "two trailing dots", "<u@example.com..>", NULL },
	{ "blanks around", " \t<u@example.com> ", "example.com" },
	{ "single label", "<postmaster@localhost>", "localhost" },
	{ "hyphen and digits", "<u@mx-1.0example.net>", "mx-1.0example.net" },
	{ "null sender", "<>", NULL },
	{ "null address", NULL, NULL },
	{ "empty", "", NULL },
	{ "blanks only", "  ", NULL },
	{ "bare local part", "<postmaster>", NULL },
	{ "empty local part", "<@example.com>", NULL },
	{ "source route", "<@a.test,@b.test:u@example.com>", "example.com" },
	{ "source route one hop", "<@relay.test:u@Example.Net>",
	    "example.net" },
	{ "source route without colon", "<@a.test,@b.test>", NULL },
	{ "source route no mailbox", "<@a.test:>", NULL },
	{ "source route, empty local part", "<@a.test:@example.com>", NULL },
	{ "quoted local part with @", "<\"a@b\"@example.com>", "example.com" },
	{ "quoted local part with \\\"", "<\"a\\\"@b\"@example.com>",
	    "example.com" },
	{ "quoted local part with \\\\", "<\"a\\\\\"@example.com>",
	    "example.com" },
	{ "quoted empty local part", "<\"\"@example.com>", "example.com" },
	{ "unterminated quote", "<\"a@example.com>", NULL },
	{ "quote then no @", "<\"a\"example.com>", NULL },
	{ "two @", "<a@b@example.com>", NULL },
	{ "IPv4 literal", "<u@[192.0.2.1]>", NULL },
	{ "IPv6 literal", "<u@[IPv6:2001:db8::1]>", NULL },
	{ "missing closing bracket", "<u@example.com", NULL },
	{ "missing opening bracket", "u@example.com>", NULL },
	{ "lone bracket", "<", NULL },
	{ "bracket inside", "<u@exam>ple.com>", NULL },
	{ "space in domain", "<u@example .com>", NULL },
	{ "empty domain", "<u@>", NULL },
	{ "dot domain", "<u@.>", NULL },
	{ "leading dot", "<u@.example.com>", NULL },
	{ "double dot", "<u@example..com>", NULL },
	{ "label starts with hyphen", "<u@-example.com>", NULL },
	{ "underscore", "<u@ex_ample.com>", NULL },
	{ "CR LF injection", "<u@example.com\r\nX-Evil: 1>", NULL },
	{ "NUL-free control", "<u@exa\001mple.com>", NULL },
	{ "8-bit U-label", "<u@b\303\274cher.example>", NULL },
	{ "8-bit local part", "<j\303\274rgen@example.com>", "example.com" },
	{ "garbage", "}{;<>@@:\"\\", NULL },
	{ "wildcard", "<u@*.example.com>", NULL },
};

START_TEST(test_domain_table)
{
	const struct domain_case *c = &domain_cases[_i];
	char	out[OUT_MAX + 1];
	int	rc;

	memset(out, GUARD, sizeof(out));
	rc = addr_domain(c->addr, out, OUT_MAX);
	if (c->want == NULL) {
		ck_assert_msg(rc == 0, "%s: got \"%s\", want none", c->name,
		    out);
		ck_assert_msg(out[0] == '\0', "%s: out not cleared", c->name);
	} else {
		ck_assert_msg(rc == 1, "%s: no domain, want \"%s\"", c->name,
		    c->want);
		ck_assert_msg(strcmp(out, c->want) == 0,
		    "%s: got \"%s\", want \"%s\"", c->name, out, c->want);
	}
	ck_assert_msg(out[OUT_MAX] == GUARD, "%s: wrote past size", c->name);
}
END_TEST

/* "<u@" + a domain of len bytes made of 63-byte labels + ">". */
static void
long_address(char *buf, size_t bufsize, size_t len)
{
	size_t	i, n;

	n = (size_t)snprintf(buf, bufsize, "<u@");
	for (i = 0; i < len && n + 2 < bufsize; i++)
		buf[n++] = i % 64 == 63 ? '.' : 'a';
	buf[n++] = '>';
	buf[n] = '\0';
}

/* 253 bytes is the longest domain; 254 is not one. */
START_TEST(test_domain_length)
{
	char	addr[1024], out[OUT_MAX];

	long_address(addr, sizeof(addr), 253);
	ck_assert_int_eq(addr_domain(addr, out, sizeof(out)), 1);
	ck_assert_uint_eq(strlen(out), 253);
	long_address(addr, sizeof(addr), 254);
	ck_assert_int_eq(addr_domain(addr, out, sizeof(out)), 0);
	long_address(addr, sizeof(addr), 1000);
	ck_assert_int_eq(addr_domain(addr, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* A domain that does not fit in out is no domain, never a truncated one. */
START_TEST(test_domain_small_buffer)
{
	char	out[12];

	memset(out, GUARD, sizeof(out));
	ck_assert_int_eq(addr_domain("<u@example.com>", out, 11), 0);
	ck_assert_int_eq(out[0], '\0');
	ck_assert_int_eq(out[11], GUARD);
	ck_assert_int_eq(addr_domain("<u@example.com>", out, 12), 1);
	ck_assert_str_eq(out, "example.com");
	memset(out, GUARD, sizeof(out));
	ck_assert_int_eq(addr_domain("<u@example.com>", out, 0), 0);
	ck_assert_int_eq(out[0], GUARD);
}
END_TEST

struct text_case {
	const char *name;
	const char *src;	/* NULL: the NULL-source case */
	size_t	size;
	const char *want;
};

static const struct text_case host_cases[] = {
	{ "plain", "mx1.example.com", 64, "mx1.example.com" },
	{ "upper case", "MX1.Example.COM", 64, "mx1.example.com" },
	{ "trailing dot", "mx1.example.com.", 64, "mx1.example.com" },
	{ "one dot removed", "mx1..", 64, "mx1." },
	{ "null", NULL, 64, "" },
	{ "empty", "", 64, "" },
	{ "CR LF", "mx\r\nX-Evil: 1", 64, "mx??x-evil: 1" },
	{ "8-bit", "b\303\274cher", 64, "b??cher" },
	{ "truncated, then the final dot", "MX1.EXAMPLE.COM", 5, "mx1" },
};

static const struct text_case xtext_cases[] = {
	{ "plain", "/CN=mx", 64, "/CN=mx" },
	{ "equals", "/C+3DUS/CN+3Dmx", 64, "/C=US/CN=mx" },
	{ "lower-case hex", "+2f+2F", 64, "//" },
	{ "plus encoded", "a+2Bb", 64, "a+b" },
	{ "plus at end", "a+", 64, "a+" },
	{ "plus one digit", "a+2", 64, "a+2" },
	{ "plus not hex", "a+G0b", 64, "a+G0b" },
	{ "8-bit byte", "+C3+BC", 64, "\303\274" },
	{ "NUL ends the text", "ab+00cd", 64, "ab" },
	{ "truncated", "+41+42+43+44", 3, "AB" },
	{ "empty", "", 64, "" },
};

static const struct text_case dn_cases[] = {
	{ "Postfix CN", "client.sender.test", 64, "client.sender.test" },
	{ "Postfix CN with plus", "a+3Db", 64, "a+3Db" },
	{ "Sendmail DN", "/C+3DUS/CN+3Dclient.sender.test", 64,
	    "/C=US/CN=client.sender.test" },
	{ "Sendmail DN no plus", "/CN=client", 64, "/CN=client" },
	{ "decoded CR LF", "/CN+3Da+0D+0AX-Evil: 1", 64, "/CN=a??X-Evil: 1" },
	{ "decoded 8-bit", "/CN+3D+C3+BC", 64, "/CN=??" },
	{ "raw CR LF", "/CN=a\r\n", 64, "/CN=a??" },
	{ "null", NULL, 64, "" },
	{ "truncated", "/C+3DUS/CN+3Dx", 6, "/C=US" },
};

static void
check_text(const struct text_case *c, char *(*fn)(char *, size_t,
    const char *))
{
	char	out[80];

	memset(out, GUARD, sizeof(out));
	ck_assert_ptr_eq(fn(out, c->size, c->src), out);
	ck_assert_msg(strcmp(out, c->want) == 0, "%s: got \"%s\", want \"%s\"",
	    c->name, out, c->want);
	ck_assert_msg(out[c->size] == GUARD, "%s: wrote past size", c->name);
}

START_TEST(test_host_table)
{
	check_text(&host_cases[_i], addr_host_copy);
}
END_TEST

START_TEST(test_xtext_table)
{
	check_text(&xtext_cases[_i], addr_xtext_decode);
}
END_TEST

START_TEST(test_dn_table)
{
	check_text(&dn_cases[_i], addr_dn_copy);
}
END_TEST

START_TEST(test_size_zero)
{
	char	out[4];

	memset(out, GUARD, sizeof(out));
	addr_host_copy(out, 0, "x");
	addr_xtext_decode(out, 0, "x");
	addr_dn_copy(out, 0, "/+41");
	ck_assert_int_eq(out[0], GUARD);
}
END_TEST

static const struct {
	const char	*in;
	const char	*out;
} lower_cases[] = {
	{ "", "" },
	{ "MX1.Example.COM", "mx1.example.com" },
	{ "already.lower-case_1", "already.lower-case_1" },
	{ "@[\\]^`{|}~AZaz", "@[\\]^`{|}~azaz" },
	/* Latin-1 and UTF-8 capitals are not ASCII: left as they are */
	{ "\xc9T\xc9", "\xc9t\xc9" },
	{ "\xc3\x89" "COLE", "\xc3\x89" "cole" },
};

START_TEST(test_lower_table)
{
	char	buf[64];

	snprintf(buf, sizeof(buf), "%s", lower_cases[_i].in);
	ck_assert_ptr_eq(lex_lower_str(buf), buf);
	ck_assert_str_eq(buf, lower_cases[_i].out);
	ck_assert_int_eq(lex_lower('Q'), 'q');
	ck_assert_int_eq(lex_lower(0xc9), 0xc9);
}
END_TEST

#define NCASES(t)	((int)(sizeof(t) / sizeof((t)[0])))

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("addr");
	TCase	*tc = tcase_create("addr");

	tcase_add_loop_test(tc, test_domain_table, 0,
	    NCASES(domain_cases));
	tcase_add_test(tc, test_domain_length);
	tcase_add_test(tc, test_domain_small_buffer);
	tcase_add_loop_test(tc, test_host_table, 0,
	    NCASES(host_cases));
	tcase_add_loop_test(tc, test_xtext_table, 0,
	    NCASES(xtext_cases));
	tcase_add_loop_test(tc, test_dn_table, 0,
	    NCASES(dn_cases));
	tcase_add_test(tc, test_size_zero);
	tcase_add_loop_test(tc, test_lower_table, 0, NCASES(lower_cases));
	suite_add_tcase(s, tc);
	return s;
}
