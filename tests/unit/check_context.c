/*
 * check_context.c - unit tests for the recipient domains of a message in
 * the session facts: distinct domains counted once each with their
 * recipients, up to CTX_RCPT_DOMAINS_MAX (the room grows as they come),
 * those past it counted as dropped, and a second message on the same
 * connection starting empty.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "context.h"
#include "unit.h"

struct rcpt_case {
	const char *name;
	size_t	distinct;	/* d0.test ... distinct domains */
	unsigned repeat;	/* recipients of each */
	size_t	want_count;
	unsigned long want_dropped;
};

static const struct rcpt_case cases[] = {
	{ "none", 0, 1, 0, 0 },
	{ "one", 1, 1, 1, 0 },
	{ "one, three recipients", 1, 3, 1, 0 },
	{ "first room exactly", CTX_RCPT_DOMAINS_FIRST, 2,
	    CTX_RCPT_DOMAINS_FIRST, 0 },
	{ "first room and one", CTX_RCPT_DOMAINS_FIRST + 1, 1,
	    CTX_RCPT_DOMAINS_FIRST + 1, 0 },
	{ "max - 1", CTX_RCPT_DOMAINS_MAX - 1, 1, CTX_RCPT_DOMAINS_MAX - 1, 0 },
	{ "max", CTX_RCPT_DOMAINS_MAX, 2, CTX_RCPT_DOMAINS_MAX, 0 },
	{ "max and one", CTX_RCPT_DOMAINS_MAX + 1, 1, CTX_RCPT_DOMAINS_MAX, 1 },
	{ "far past max", 3 * CTX_RCPT_DOMAINS_MAX, 2, CTX_RCPT_DOMAINS_MAX,
	    4 * CTX_RCPT_DOMAINS_MAX },
};

static void
add_all(struct conn_ctx *c, const struct rcpt_case *t)
{
	char	rcpt[64];
	size_t	i;
	unsigned k;

	ctx_message_begin(c, "<a@sender.test>", NULL, "X-Test");
	/* Round robin: a domain's later recipients come after others'. */
	for (k = 0; k < t->repeat; k++)
		for (i = 0; i < t->distinct; i++) {
			snprintf(rcpt, sizeof(rcpt), "<u%u@D%zu.Test>", k, i);
			ctx_add_rcpt(c, rcpt);
		}
}

static void
check_message(const struct conn_ctx *c, const struct rcpt_case *t)
{
	char	want[64];
	size_t	i;

	ck_assert_msg(c->msg.domain_count == t->want_count,
	    "%s: %zu domains", t->name, c->msg.domain_count);
	ck_assert_msg(c->msg.domains_dropped == t->want_dropped,
	    "%s: %lu dropped", t->name, c->msg.domains_dropped);
	ck_assert(c->msg.domains_cap <= CTX_RCPT_DOMAINS_MAX);
	ck_assert(c->msg.domain_count <= c->msg.domains_cap);
	for (i = 0; i < c->msg.domain_count; i++) {
		snprintf(want, sizeof(want), "d%zu.test", i);
		ck_assert_str_eq(c->msg.domains[i].domain, want);
		ck_assert_uint_eq(c->msg.domains[i].rcpts, t->repeat);
	}
}

START_TEST(test_context_rcpts)
{
	const struct rcpt_case *t = &cases[_i];
	struct conn_ctx *c = ctx_new();

	ck_assert_ptr_nonnull(c);
	add_all(c, t);
	check_message(c, t);
	ctx_message_end(c);
	ck_assert_uint_eq(c->msg.domain_count, 0);
	/* The next message on the connection: the room is used again. */
	add_all(c, t);
	check_message(c, t);
	ctx_free(c);
}
END_TEST

/* After a message with many domains, one with a single domain. */
START_TEST(test_context_second_message)
{
	struct conn_ctx *c = ctx_new();

	ck_assert_ptr_nonnull(c);
	add_all(c, &cases[7]);
	ctx_message_end(c);
	add_all(c, &cases[1]);
	check_message(c, &cases[1]);
	ctx_free(c);
	ctx_free(NULL);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("context");
	TCase	*tc = tcase_create("rcpts");

	tcase_add_loop_test(tc, test_context_rcpts, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_context_second_message);
	suite_add_tcase(s, tc);
	return s;
}
