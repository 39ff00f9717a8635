/*
 * check_connectto.c - unit tests for the one curl --connect-to parser that
 * the configuration, the STARTTLS probe and mtasts-check share: which
 * entries are valid (and what they hold), which are refused (and why), and
 * which entry applies to a host and port.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "connectto.h"
#include "unit.h"

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))

static const struct parse_case {
	const char	*entry;
	const char	*problem;	/* NULL = valid, else a substring */
	const char	*host;
	unsigned	 port;
	const char	*to_host;
	unsigned	 to_port;
} parses[] = {
	{ "a.test:443:127.0.0.1:8443", NULL, "a.test", 443, "127.0.0.1", 8443 },
	{ "b.test:443:[::1]:8443", NULL, "b.test", 443, "::1", 8443 },
	{ "[2001:db8::1]:25:[::1]:2525", NULL, "2001:db8::1", 25, "::1", 2525 },
	{ "[::ffff:192.0.2.1]:25::", NULL, "::ffff:192.0.2.1", 25, "", 0 },
	{ ":443:[::1]:8443", NULL, "", 443, "::1", 8443 },
	{ "mx2.example.test:25::2602", NULL, "mx2.example.test", 25, "", 2602 },
	{ "mx.test::127.0.0.1:", NULL, "mx.test", 0, "127.0.0.1", 0 },
	{ ":::", NULL, "", 0, "", 0 },
	{ "MX_1.Test:1:h-2.test:65535", NULL, "MX_1.Test", 1, "h-2.test",
	    65535 },
	/* refused */
	{ "a.test:443:127.0.0.1", "fewer than four fields" },
	{ "a.test:443", "fewer than four fields" },
	{ "", "fewer than four fields" },
	{ "a.test:443:127.0.0.1:8443:1", "more than four fields" },
	{ "a.test:443:::1:8443", "more than four fields" },
	{ "a.test:443:::1]:8443", "more than four fields" },
	{ "a.test:443:1]:8443", "a host with a character" },
	{ "a.test:443:[::1:8443", "'[' without ']'" },
	{ "a.test:443:[mx.test]:8443", "other than an IPv6 address" },
	{ "a.test:443:[]:8443", "other than an IPv6 address" },
	{ "a.test:443:[::1]x:8443", "fewer than four fields" },
	{ "a.test:443:x[::1]:8443", "a host with a character" },
	{ "a.test:x:127.0.0.1:1", "port that is not a number" },
	{ "a.test:0:127.0.0.1:1", "not 1 to 65535" },
	{ "a.test:443:127.0.0.1:65536", "not 1 to 65535" },
	{ "a.test:443:127.0.0.1:100000", "not 1 to 65535" },
	{ "a.test:443:127.0.0.1:-1", "port that is not a number" },
	{ "a.test:+443:127.0.0.1:1", "port that is not a number" },
	{ "a.test: 443:127.0.0.1:1", "port that is not a number" },
	{ "a test:443:127.0.0.1:1", "a host with a character" },
	{ "a.test:443:h\x01:1", "a host with a character" },
	{ "a.test:443:h/x:1", "a host with a character" },
};

START_TEST(test_parse)
{
	const struct parse_case *c = &parses[_i];
	struct connect_to ct;
	const char *problem = connect_to_parse(c->entry, &ct);

	if (c->problem == NULL) {
		ck_assert_msg(problem == NULL, "\"%s\": %s", c->entry, problem);
		ck_assert_str_eq(ct.host, c->host);
		ck_assert_uint_eq(ct.port, c->port);
		ck_assert_str_eq(ct.to_host, c->to_host);
		ck_assert_uint_eq(ct.to_port, c->to_port);
	} else {
		ck_assert_msg(problem != NULL, "\"%s\" accepted", c->entry);
		ck_assert_msg(strstr(problem, c->problem) != NULL,
		    "\"%s\": \"%s\", want \"%s\"", c->entry, problem,
		    c->problem);
	}
}
END_TEST

/* A host name as long as DNS allows is valid; one byte more is not. */
START_TEST(test_parse_length)
{
	char	entry[600], label[64];
	struct connect_to ct;

	memset(label, 'a', 63);
	label[63] = '\0';
	/* 4 * 63 + 3 dots = 255 > 253; 3 * 63 + 2 dots + 62 = 253 */
	snprintf(entry, sizeof(entry), "%s.%s.%s.%.61s:25::", label, label,
	    label, label);
	ck_assert_uint_eq(strchr(entry, ':') - entry, 253);
	ck_assert_ptr_null(connect_to_parse(entry, &ct));
	ck_assert_uint_eq(strlen(ct.host), 253);
	snprintf(entry, sizeof(entry), "%s.%s.%s.%.62s:25::", label, label,
	    label, label);
	ck_assert_ptr_nonnull(connect_to_parse(entry, &ct));
}
END_TEST

static const char *const mapping[] = {
	"mx1.example.test:25:127.0.0.1:2601",
	"mx2.example.test:25::2602",
	"noop.example.test:25::",
	"noop.example.test:25:127.0.0.1:2603",
	":443:[::1]:8443",
};

static const struct apply_case {
	const char	*host;
	unsigned	 port;
	int		 rc;
	const char	*addr;
	unsigned	 to_port;
} applies[] = {
	{ "mx1.example.test", 25, 1, "127.0.0.1", 2601 },
	{ "MX1.Example.Test", 25, 1, "127.0.0.1", 2601 },
	{ "mx1.example.test", 587, 0, "", 0 },
	{ "mx1.example.tes", 25, 0, "", 0 },
	{ "mx1.example.test.x", 25, 0, "", 0 },
	{ "mx2.example.test", 25, 1, "mx2.example.test", 2602 },
	{ "noop.example.test", 25, 1, "127.0.0.1", 2603 },
	{ "mta-sts.example.test", 443, 1, "::1", 8443 },
	{ "mx3.example.test", 25, 0, "", 0 },
};

START_TEST(test_apply)
{
	const struct apply_case *c = &applies[_i];
	char	addr[64] = "";
	unsigned port = 0;

	ck_assert_int_eq(connect_to_apply(mapping, N(mapping), c->host, c->port,
	    addr, sizeof(addr), &port), c->rc);
	if (c->rc == 1) {
		ck_assert_str_eq(addr, c->addr);
		ck_assert_uint_eq(port, c->to_port);
	}
}
END_TEST

/* A malformed entry is an error, not silently passed over. */
START_TEST(test_apply_malformed)
{
	static const char *const bad[] = {
		"a.test:x:127.0.0.1:1",
		"b.test:25:127.0.0.1:2525",
	};
	char	addr[64];
	unsigned port;

	ck_assert_int_eq(connect_to_apply(bad, 2, "b.test", 25, addr,
	    sizeof(addr), &port), -1);
	ck_assert_int_eq(connect_to_apply(bad + 1, 1, "b.test", 25, addr,
	    sizeof(addr), &port), 1);
	ck_assert_int_eq(connect_to_apply(NULL, 0, "b.test", 25, addr,
	    sizeof(addr), &port), 0);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("connectto");
	TCase	*tc = tcase_create("connectto");

	tcase_add_loop_test(tc, test_parse, 0, N(parses));
	tcase_add_test(tc, test_parse_length);
	tcase_add_loop_test(tc, test_apply, 0, N(applies));
	tcase_add_test(tc, test_apply_malformed);
	suite_add_tcase(s, tc);
	return s;
}
