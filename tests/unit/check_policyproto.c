/*
 * check_policyproto.c - unit tests for the policy delegation protocol
 * reader: requests split anywhere, pipelined, malformed and oversize ones
 * answered in step (one outcome per request), and the bounds themselves.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policyproto.h"
#include "unit.h"

struct proto_case {
	const char *name;
	const char *input;
	size_t	len;		/* 0 = strlen(input) */
	const char *want;	/* outcomes, see outcomes() */
	const char *attr;	/* checked in the first request, or NULL */
	const char *value;	/* its value there, NULL = absent */
};

static const struct proto_case cases[] = {
	{ "one request", "request=smtpd_access_policy\nrecipient=a@b\n\n",
	    0, "R2", "recipient", "a@b" },
	{ "pipelined", "a=1\n\nb=2\nc=3\n\nd=4\n\n", 0, "R1 R2 R1", "a", "1" },
	{ "CRLF lines", "a=1\r\nb=2\r\n\r\n", 0, "R2", "b", "2" },
	{ "value with =", "a=b=c\n\n", 0, "R1", "a", "b=c" },
	{ "empty value", "a=\n\n", 0, "R1", "a", "" },
	{ "first of a duplicate", "a=1\na=2\n\n", 0, "R2", "a", "1" },
	{ "absent attribute", "a=1\n\n", 0, "R1", "zz", NULL },
	{ "unfinished is not an answer", "a=1\nb=2\n", 0, "", NULL, NULL },
	{ "unfinished after one", "a=1\n\nb=", 0, "R1", NULL, NULL },
	{ "empty request", "\n", 0, "M:empty request", NULL, NULL },
	{ "empty CR request", "\r\n", 0, "M:empty request", NULL, NULL },
	{ "no equals", "garbage\n\n", 0, "M:line without name=value",
	    "garbage", NULL },
	{ "empty name", "=x\n\n", 0, "M:line without name=value", NULL, NULL },
	{ "resynchronised after garbage", "junk\nmore junk\n\na=1\n\n", 0,
	    "M:line without name=value R1", NULL, NULL },
	{ "NUL byte", "a=1\0b\n\nc=2\n\n", 12, "M:NUL byte R1", NULL, NULL },
	{ "binary garbage", "\x16\x03\x01\x02\x00\x01\n\n", 8, "M:NUL byte",
	    NULL, NULL },
	{ "HTTP request", "GET / HTTP/1.0\r\n\r\n", 0,
	    "M:line without name=value", NULL, NULL },
};

/* Feed c in chunks of step bytes; outcomes: "R<count>" or "M:<fault>". */
static void
outcomes(const struct proto_case *c, size_t step, char *out, size_t size,
    struct policy_reader *r)
{
	size_t	len = c->len != 0 ? c->len : strlen(c->input), off = 0, end,
		taken, used = 0;
	enum policy_read res;
	int	first = 1;

	out[0] = '\0';
	policy_reader_init(r);
	while (off < len) {
		end = off + step < len ? off + step : len;
		while (off < end) {
			res = policy_read(r, c->input + off, end - off, &taken);
			ck_assert_uint_le(taken, end - off);
			off += taken;
			if (res == POLICY_READ_MORE) {
				ck_assert_uint_eq(off, end);
				continue;
			}
			if (first && c->attr != NULL) {
				const char *v = policy_attr(r, c->attr);

				if (c->value == NULL)
					ck_assert_ptr_null(v);
				else
					ck_assert_str_eq(v != NULL ? v : "(null)",
					    c->value);
			}
			first = 0;
			used += (size_t)snprintf(out + used, size - used,
			    "%s%s", used > 0 ? " " : "",
			    res == POLICY_READ_REQUEST ? "R" : "M:");
			if (res == POLICY_READ_REQUEST)
				used += (size_t)snprintf(out + used,
				    size - used, "%zu", r->count);
			else
				used += (size_t)snprintf(out + used,
				    size - used, "%s",
				    policy_fault_name(r->fault));
		}
	}
}

START_TEST(test_proto_table)
{
	static struct policy_reader r;
	const struct proto_case *c = &cases[_i];
	static const size_t steps[] = { 1, 2, 3, 7, 100000 };
	char	got[512];
	size_t	i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		outcomes(c, steps[i], got, sizeof(got), &r);
		ck_assert_msg(strcmp(got, c->want) == 0,
		    "%s, %zu-byte reads: got \"%s\", want \"%s\"", c->name,
		    steps[i], got, c->want);
	}
}
END_TEST

START_TEST(test_proto_partial)
{
	static struct policy_reader r;
	size_t	taken;

	policy_reader_init(&r);
	ck_assert(!policy_reader_partial(&r));
	ck_assert_int_eq(policy_read(&r, "a=", 2, &taken), POLICY_READ_MORE);
	ck_assert(policy_reader_partial(&r));
	ck_assert_int_eq(policy_read(&r, "1\n\n", 3, &taken),
	    POLICY_READ_REQUEST);
	ck_assert(!policy_reader_partial(&r));
	ck_assert_str_eq(policy_attr(&r, "a"), "1");
}
END_TEST

/* Read buf whole; returns the outcome and the fault through *f. */
static enum policy_read
read_whole(struct policy_reader *r, const char *buf, size_t len,
    enum policy_fault *f)
{
	size_t	taken;
	enum policy_read res;

	policy_reader_init(r);
	res = policy_read(r, buf, len, &taken);
	ck_assert_uint_eq(taken, len);
	*f = r->fault;
	return res;
}

/* A request of exactly total bytes: "a=xxx" lines and the empty line. */
static size_t
build_request(char *buf, size_t total)
{
	size_t	len = 0, room, n;

	while ((room = total - 1 - len) > 0) {
		n = room >= 2000 ? 1000 : room;
		memcpy(buf + len, "a=", 2);
		memset(buf + len + 2, 'x', n - 3);
		buf[len + n - 1] = '\n';
		len += n;
	}
	buf[len++] = '\n';
	return len;
}

START_TEST(test_proto_request_size)
{
	static struct policy_reader r;
	static char buf[POLICY_REQUEST_MAX + 64];
	enum policy_fault f;
	size_t	len;

	len = build_request(buf, POLICY_REQUEST_MAX);
	ck_assert_uint_eq(len, POLICY_REQUEST_MAX);
	ck_assert_int_eq(read_whole(&r, buf, len, &f), POLICY_READ_REQUEST);
	/* One byte more: too big, and still read to its end. */
	len = build_request(buf, POLICY_REQUEST_MAX + 1);
	ck_assert_int_eq(read_whole(&r, buf, len, &f), POLICY_READ_MALFORMED);
	ck_assert_int_eq(f, POLICY_FAULT_TOO_BIG);
}
END_TEST

START_TEST(test_proto_line_and_count)
{
	static struct policy_reader r;
	static char buf[POLICY_LINE_MAX + 16];
	static char many[(POLICY_ATTRS_MAX + 1) * 4 + 2];
	enum policy_fault f;
	size_t	i, len;

	memcpy(buf, "a=", 2);
	memset(buf + 2, 'x', POLICY_LINE_MAX - 2);
	memcpy(buf + POLICY_LINE_MAX, "\n\n", 2);
	ck_assert_int_eq(read_whole(&r, buf, POLICY_LINE_MAX + 2, &f),
	    POLICY_READ_REQUEST);
	buf[POLICY_LINE_MAX] = 'x';
	memcpy(buf + POLICY_LINE_MAX + 1, "\n\n", 2);
	ck_assert_int_eq(read_whole(&r, buf, POLICY_LINE_MAX + 3, &f),
	    POLICY_READ_MALFORMED);
	ck_assert_int_eq(f, POLICY_FAULT_LINE_TOO_LONG);

	for (len = 0, i = 0; i < POLICY_ATTRS_MAX; i++, len += 4)
		memcpy(many + len, "a=1\n", 4);
	many[len] = '\n';
	ck_assert_int_eq(read_whole(&r, many, len + 1, &f),
	    POLICY_READ_REQUEST);
	memcpy(many + len, "a=1\n\n", 5);
	ck_assert_int_eq(read_whole(&r, many, len + 5, &f),
	    POLICY_READ_MALFORMED);
	ck_assert_int_eq(f, POLICY_FAULT_TOO_MANY);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("policyproto");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_proto_table, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_proto_partial);
	tcase_add_test(tc, test_proto_request_size);
	tcase_add_test(tc, test_proto_line_and_count);
	suite_add_tcase(s, tc);
	return s;
}
