/*
 * check_policysvc.c - unit tests for the policy-service front end: request
 * sequences of one or more instances and the answers they get (PREPEND
 * the first time a domain is seen, DUNNO otherwise), instances that
 * expire or are evicted, and the JSON records they leave. Runs against a
 * real store loaded from a configuration with a draft policy, and a real
 * log writer in a scratch directory; no discovery, no pending records.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jlog.h"
#include "msg.h"
#include "policysvc.h"
#include "scratch.h"
#include "unit.h"

#define T0		1000000		/* the clock of every request */
#define REQUESTS_MAX	6

static char dir[256];

/* One request: instance, state, recipient, then extra "name=value\n" lines. */
struct req {
	const char *instance;
	const char *state;
	const char *rcpt;
	const char *extra;
	const char *want;	/* the answer, or a prefix ending in "*" */
};

struct svc_case {
	const char *name;
	struct req reqs[REQUESTS_MAX];
	int	records;	/* JSON records written at the end */
	int	aborted;	/* of them, without END-OF-MESSAGE */
};

#define FIELD	"action=PREPEND MTA-STS-Audit: mx1.example.test; " \
		"domain=example.test; result=would-fail; "
#define DUNNO	"action=DUNNO\n\n"
#define TLS13	"encryption_protocol=TLSv1.3\nencryption_cipher=X\n" \
		"encryption_keysize=256\n"

static const struct svc_case cases[] = {
	{ "plaintext: the field once per domain, then DUNNO", {
	    { "a", "RCPT", "u@example.test", "", FIELD
	      "reasons=starttls-not-supported; mode=enforce; id=lab1; "
	      "source=draft; tls=none; mx=mx1.example.test\n\n" },
	    { "a", "RCPT", "v@Example.TEST", "", DUNNO },
	    { "a", "RCPT", "w@nopolicy.example", "", DUNNO },
	    { "a", "END-OF-MESSAGE", "", "", DUNNO } }, 1, 0 },
	{ "two instances are apart", {
	    { "a", "RCPT", "u@example.test", "", FIELD "*" },
	    { "b", "RCPT", "u@example.test", "", FIELD "*" },
	    { "a", "RCPT", "x@example.test", "", DUNNO } }, 2, 2 },
	{ "TLS 1.3 passes: no field under would-fail", {
	    { "a", "RCPT", "u@example.test", TLS13, DUNNO } }, 1, 1 },
	{ "GnuTLS version name", {
	    { "a", "RCPT", "u@example.test",
	      "encryption_protocol=TLS1.1\n", FIELD "reasons=tls-version; "
	      "mode=enforce; id=lab1; source=draft; tls=TLSv1.1; "
	      "mx=mx1.example.test\n\n" } }, 1, 1 },
	{ "facts of the first request stay (TLS, not plaintext)", {
	    { "a", "RCPT", "u@example.test", TLS13, DUNNO },
	    { "a", "RCPT", "u@testing.example", "", DUNNO } }, 1, 1 },
	{ "authenticated: DUNNO", {
	    { "a", "RCPT", "u@example.test", "sasl_username=alice\n",
	      DUNNO } }, 1, 1 },
	{ "no instance: DUNNO, nothing kept", {
	    { "", "RCPT", "u@example.test", "", DUNNO } }, 0, 0 },
	{ "other states: DUNNO, nothing kept", {
	    { "a", "DATA", "u@example.test", "", DUNNO },
	    { "a", "CONNECT", "", "", DUNNO } }, 0, 0 },
	{ "another request type: DUNNO", {
	    { "a", "RCPT", "u@example.test", "request=junk\n", DUNNO } }, 0, 0 },
	{ "a closed instance starts again", {
	    { "a", "RCPT", "u@example.test", "", FIELD "*" },
	    { "a", "END-OF-MESSAGE", "", "", DUNNO },
	    { "a", "RCPT", "u@example.test", "", FIELD "*" } }, 2, 1 },
};

static void
ignore(void *arg, int priority, const char *message)
{
	(void)arg;
	(void)priority;
	(void)message;
}

static void
setup(void)
{
	char	path[512], text[1024];

	scratch_make(dir, sizeof(dir), "check_policysvc");
	snprintf(path, sizeof(path), "%s/draft.txt", dir);
	scratch_put(path, "version: STSv1\nmode: enforce\n"
	    "mx: mx1.example.test\nmax_age: 86400\n", 0644);
	snprintf(path, sizeof(path), "%s/testing.txt", dir);
	scratch_put(path, "version: STSv1\nmode: testing\n"
	    "mx: mx1.example.test\nmax_age: 86400\n", 0644);
	snprintf(text, sizeof(text), "mx_name = \"mx1.example.test\"\n"
	    "json_log = \"%s/log.jsonl\"\nprobe_interval = 0\n"
	    "draft \"example.test\" { policy_file = \"%s/draft.txt\" "
	    "id = \"lab1\" }\n"
	    "draft \"testing.example\" { policy_file = \"%s/testing.txt\" }\n",
	    dir, dir, dir);
	snprintf(path, sizeof(path), "%s/m.conf", dir);
	scratch_put(path, text, 0644);
	ck_assert_int_eq(msg_set_output(ignore, NULL), 0);
}

static void
teardown(void)
{
	scratch_remove(dir);
}

struct rig {
	struct conf	*conf;
	struct audit_deps deps;
	struct policysvc *svc;
};

static void
rig_up(struct rig *g)
{
	char	path[512];

	memset(g, 0, sizeof(*g));
	snprintf(path, sizeof(path), "%s/m.conf", dir);
	ck_assert_ptr_nonnull(g->conf = conf_load(path));
	ck_assert_ptr_nonnull(g->deps.store = store_new());
	ck_assert_int_eq(store_load(g->deps.store, g->conf), 0);
	ck_assert_ptr_nonnull(g->deps.jlog = jlog_new(g->conf->json_log));
	ck_assert_ptr_nonnull(g->svc = policysvc_new(&g->deps, NULL));
}

/* Records in the log (those holding text, when it is not NULL). */
static int
records(const char *text)
{
	char	path[512], line[8192];
	FILE	*f;
	int	n = 0;

	snprintf(path, sizeof(path), "%s/log.jsonl", dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += text == NULL || strstr(line, text) != NULL;
	fclose(f);
	return n;
}

#define ABORTED	"\"aborted\":true"

/* Free everything; returns how many records the log got. */
static int
rig_down(struct rig *g)
{
	policysvc_free(g->svc);
	jlog_free(g->deps.jlog);
	store_free(g->deps.store);
	conf_unref(g->conf);
	return records(NULL);
}

/* Answer one request as policylisten would. */
static void
ask(struct policysvc *svc, const struct req *q, time_t now, char *answer,
    size_t size)
{
	static struct policy_reader r;
	char	text[2048];
	size_t	taken;

	snprintf(text, sizeof(text), "%sprotocol_state=%s\ninstance=%s\n"
	    "recipient=%s\nclient_address=192.0.2.7\nsender=a@s.example\n"
	    "request=smtpd_access_policy\n\n", q->extra, q->state,
	    q->instance, q->rcpt);
	policy_reader_init(&r);
	ck_assert_int_eq(policy_read(&r, text, strlen(text), &taken),
	    POLICY_READ_REQUEST);
	policysvc_answer(svc, &r, now, answer, size);
}

static int
answer_matches(const char *got, const char *want)
{
	size_t	n = strlen(want);

	if (n > 0 && want[n - 1] == '*')
		return strncmp(got, want, n - 1) == 0;
	return strcmp(got, want) == 0;
}

START_TEST(test_svc_table)
{
	const struct svc_case *c = &cases[_i];
	char	answer[POLICYSVC_ANSWER_MAX];
	struct rig g;
	size_t	i;

	rig_up(&g);
	for (i = 0; i < REQUESTS_MAX && c->reqs[i].state != NULL; i++) {
		ask(g.svc, &c->reqs[i], T0, answer, sizeof(answer));
		ck_assert_msg(answer_matches(answer, c->reqs[i].want),
		    "%s, request %zu: got \"%s\", want \"%s\"", c->name, i + 1,
		    answer, c->reqs[i].want);
	}
	ck_assert_int_eq(rig_down(&g), c->records);
	ck_assert_msg(records(ABORTED) == c->aborted, "%s: %d records "
	    "aborted, want %d", c->name, records(ABORTED), c->aborted);
}
END_TEST

START_TEST(test_svc_expiry)
{
	const struct req q = { "a", "RCPT", "u@example.test", "", FIELD "*" };
	char	answer[POLICYSVC_ANSWER_MAX];
	struct rig g;

	rig_up(&g);
	ask(g.svc, &q, T0, answer, sizeof(answer));
	ck_assert(answer_matches(answer, q.want));
	/* One second short of the limit: still the same message. */
	policysvc_expire(g.svc, T0 + POLICYSVC_INSTANCE_SECONDS - 1);
	ask(g.svc, &q, T0 + POLICYSVC_INSTANCE_SECONDS - 1, answer,
	    sizeof(answer));
	ck_assert_str_eq(answer, DUNNO);
	policysvc_expire(g.svc, T0 + 2 * POLICYSVC_INSTANCE_SECONDS);
	ask(g.svc, &q, T0 + 2 * POLICYSVC_INSTANCE_SECONDS, answer,
	    sizeof(answer));
	ck_assert(answer_matches(answer, q.want));
	/* The expired one's record, and the new one's at the end. */
	ck_assert_int_eq(rig_down(&g), 2);
	ck_assert_int_eq(records(ABORTED), 2);
}
END_TEST

START_TEST(test_svc_eviction)
{
	struct req q = { "first", "RCPT", "u@example.test", "", FIELD "*" };
	char	answer[POLICYSVC_ANSWER_MAX], name[32];
	struct rig g;
	int	i;

	rig_up(&g);
	ask(g.svc, &q, T0, answer, sizeof(answer));
	ck_assert(answer_matches(answer, q.want));
	/* A full table drops the idlest instance, "first", for a new one. */
	for (i = 0; i < POLICYSVC_INSTANCES_MAX; i++) {
		snprintf(name, sizeof(name), "other%d", i);
		q.instance = name;
		ask(g.svc, &q, T0 + 1, answer, sizeof(answer));
	}
	q.instance = "first";
	ask(g.svc, &q, T0 + 2, answer, sizeof(answer));
	ck_assert(answer_matches(answer, FIELD "*"));
	ck_assert_int_eq(rig_down(&g), POLICYSVC_INSTANCES_MAX + 2);
	ck_assert_int_eq(records(ABORTED), POLICYSVC_INSTANCES_MAX + 2);
}
END_TEST

START_TEST(test_svc_malformed)
{
	char	answer[POLICYSVC_ANSWER_MAX];
	struct rig g;

	rig_up(&g);
	policysvc_malformed(g.svc, POLICY_FAULT_TOO_BIG, "peer", T0, answer,
	    sizeof(answer));
	ck_assert_str_eq(answer, DUNNO);
	ck_assert_int_eq(rig_down(&g), 0);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("policysvc");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_svc_table, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_svc_expiry);
	tcase_add_test(tc, test_svc_eviction);
	tcase_add_test(tc, test_svc_malformed);
	suite_add_tcase(s, tc);
	return s;
}
