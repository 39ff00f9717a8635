/*
 * check_auditline.c - unit tests for audit_syslog: the verdict line is a
 * contract (DESIGN.md, mtasts-milter(8)), so it must be, byte for byte,
 * what msg_log with the line's printf format writes: the same pieces, the
 * same bound (MSG_LINE_MAX - 1 bytes, cut like snprintf), the same
 * printable pass, and LOG_DEBUG for no-policy and pending, else LOG_INFO.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "msg.h"
#include "printable.h"
#include "unit.h"

#define LONG_TEXT(c)	c c c c c c c c c c	/* 10 copies */

static char	got[MSG_LINE_MAX + 1];
static int	got_priority;

static void
capture(void *arg, int priority, const char *line)
{
	(void)arg;
	got_priority = priority;
	snprintf(got, sizeof(got), "%s", line);
}

struct line_case {
	const char *name;
	const char *queue_id;
	const char *domain;
	enum verdict_result result;
	unsigned reasons;
	const char *client;
	const char *tls;	/* NULL: plaintext */
	const char *mx;		/* NULL: unknown */
	int	priority;
};

static const struct line_case cases[] = {
	{ "pass", "4XyZ12", "example.com", VERDICT_PASS, 0, "192.0.2.7",
	    "TLSv1.3", "mx1.example.com", LOG_INFO },
	{ "would-fail, two reasons", "Q1", "d.test", VERDICT_WOULD_FAIL,
	    REASON_TLS_VERSION | REASON_MX_MISMATCH, "2001:db8::1", "TLSv1",
	    "mx.test", LOG_INFO },
	{ "no queue id", NULL, "d.test", VERDICT_POLICY_ERROR,
	    REASON_STS_POLICY_INVALID, "192.0.2.1", NULL, NULL, LOG_INFO },
	{ "empty queue id", "", "d.test", VERDICT_WOULD_FAIL,
	    REASON_STARTTLS_NOT_SUPPORTED, "", NULL, "mx.test", LOG_INFO },
	{ "no-policy at debug", "Q2", "none.test", VERDICT_NO_POLICY, 0,
	    "192.0.2.2", "TLSv1.2", "mx.test", LOG_DEBUG },
	{ "pending at debug", "Q3", "new.test", VERDICT_PENDING, 0,
	    "192.0.2.3", "TLSv1.2", "mx.test", LOG_DEBUG },
	{ "not printable", "Q\r\n4", "a\tb.test", VERDICT_PASS, 0,
	    "1\0012", "TLS\177", "mx\351.test", LOG_INFO },
	{ "cut at the bound", "Q5", LONG_TEXT(LONG_TEXT("abcdefghij.")),
	    VERDICT_WOULD_FAIL, REASON_CERT_EXPIRED, "192.0.2.5", "TLSv1.3",
	    "mx.test", LOG_INFO },
	{ "cut inside the last piece", "Q6",
	    LONG_TEXT(LONG_TEXT("abcdefgh.")), VERDICT_PASS, 0,
	    "192.0.2.6", "TLSv1.3", LONG_TEXT("mxmxmxmxmxmxmxmxmxm."), LOG_INFO },
};

START_TEST(test_auditline_table)
{
	const struct line_case *c = &cases[_i];
	struct audit_domain d = { .domain = c->domain,
	    .v = { c->result, c->reasons, STS_MODE_ENFORCE } };
	struct audit_session s = { .tls_version = c->tls, .mx_name = c->mx };
	char	want[MSG_LINE_MAX], reasons[VERDICT_REASONS_BUFSIZE];

	snprintf(want, sizeof(want),
	    "%s: domain=%s result=%s reasons=%s client=%s tls=%s mx=%s",
	    c->queue_id != NULL && c->queue_id[0] != '\0' ? c->queue_id :
	    "NOQUEUE", c->domain, verdict_result_name(c->result),
	    c->reasons != 0 ? verdict_reasons_format(c->reasons, reasons,
	    sizeof(reasons)) : "none", c->client,
	    c->tls != NULL ? c->tls : "none", c->mx != NULL ? c->mx : "unknown");
	printable_copy(want, sizeof(want), want);
	got[0] = '\0';
	got_priority = -1;
	ck_assert_int_eq(msg_set_output(capture, NULL), 0);
	audit_syslog(c->queue_id, &d, c->client, &s);
	msg_set_output(NULL, NULL);
	ck_assert_msg(strcmp(got, want) == 0, "%s:\n got \"%s\"\nwant \"%s\"",
	    c->name, got, want);
	ck_assert_int_eq(got_priority, c->priority);
}
END_TEST

/* The long cases do reach the bound. */
START_TEST(test_auditline_bound)
{
	ck_assert_uint_gt(strlen(cases[7].domain), MSG_LINE_MAX);
	ck_assert_uint_lt(strlen(cases[8].domain), MSG_LINE_MAX - 60);
	ck_assert_uint_gt(strlen(cases[8].domain) + strlen(cases[8].mx),
	    MSG_LINE_MAX);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("auditline");
	TCase	*tc = tcase_create("line");

	tcase_add_loop_test(tc, test_auditline_table, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_auditline_bound);
	suite_add_tcase(s, tc);
	return s;
}
