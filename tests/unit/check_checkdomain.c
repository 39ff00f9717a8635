/*
 * check_checkdomain.c - the network-free pieces of "mtasts-check domain":
 * typo hints (edit distance, closest host), MX coverage, the mx-tls and
 * certificate judgements on made-up probe results, max_age guidance, the
 * verdict, expiry days, and the run-to-run state (comparison rules,
 * removal date, file round trip, corrupt file).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain_rules.h"
#include "policy.h"
#include "scratch.h"
#include "stsstate.h"
#include "tlsprobe.h"
#include "unit.h"

#define DAY	86400

/* ---- edit distance and closest host ---------------------------------- */

static const struct distance_case {
	const char	*a, *b;
	int		 d;
} distances[] = {
	{ "", "", 0 },
	{ "abc", "", 3 },
	{ "", "abc", 3 },
	{ "mail2.scascnope.net", "mail2.scanscope.net", 2 },
	{ "kitten", "sitting", 3 },
	{ "mx.example.com", "mx.example.com", 0 },
	{ "mx1.example.com", "mx2.example.com", 1 },
};

START_TEST(test_distance)
{
	const struct distance_case *c = &distances[_i];

	ck_assert_int_eq(rule_edit_distance(c->a, c->b), c->d);
	ck_assert_int_eq(rule_edit_distance(c->b, c->a), c->d);
}
END_TEST

static const char *const guide_mx[] = {
	"mail.scanscope.net", "mail2.scanscope.net"
};

static const struct closest_case {
	const char	*pattern;
	long		 index;		/* into guide_mx, -1 none */
	int		 distance;
} closest[] = {
	{ "mail2.scascnope.net", 1, 2 },
	{ "mail.scanscope.net", 0, 0 },
	{ "mial.scanscope.net", 0, 2 },
	{ "*.scanscpoe.net", 0, 2 },	/* parents compared */
	{ "mx.elsewhere.example", -1, -1 },
};

START_TEST(test_closest)
{
	const struct closest_case *c = &closest[_i];
	int d;

	ck_assert_int_eq(rule_closest_host(c->pattern, guide_mx, 2, &d),
	    c->index);
	ck_assert_int_eq(d, c->distance);
}
END_TEST

/* ---- coverage ---------------------------------------------------------- */

static void
parse(const char *text, struct sts_policy *p, struct diag_list *dl)
{
	diag_init(dl);
	policy_parse(text, strlen(text), STS_STRICT, p, dl);
}

static const struct coverage_case {
	const char	*policy;
	enum rule_status status;
	const char	*has;		/* in the message */
} coverage[] = {
	{ "version: STSv1\nmode: testing\nmx: mail.scanscope.net\n"
	  "mx: mail2.scascnope.net\nmax_age: 86400\n", RULE_FAIL,
	  "a typo of mail2.scanscope.net" },
	{ "version: STSv1\nmode: testing\nmx: mail.scanscope.net\n"
	  "mx: mail2.scanscope.net\nmax_age: 86400\n", RULE_PASS,
	  "each matched" },
	{ "version: STSv1\nmode: enforce\nmx: *.scanscope.net\n"
	  "max_age: 86400\n", RULE_PASS, "every pattern" },
	{ "version: STSv1\nmode: enforce\nmx: *.scanscope.net\n"
	  "mx: backup.example.org\nmax_age: 86400\n", RULE_WARN,
	  "remove it or add the MX record" },
	{ "version: STSv1\nmode: enforce\nmx: mail.scanscope.net\n"
	  "max_age: 86400\n", RULE_FAIL, "add \"mx: mail2.scanscope.net\"" },
	{ "version: STSv1\nmode: none\nmax_age: 86400\n", RULE_PASS,
	  "mode none" },
};

START_TEST(test_coverage)
{
	const struct coverage_case *c = &coverage[_i];
	struct sts_policy p;
	struct diag_list dl;
	char msg[RULE_MSG_MAX];

	parse(c->policy, &p, &dl);
	ck_assert_int_eq(rule_mx_coverage(&p, guide_mx, 2, msg, sizeof(msg)),
	    c->status);
	ck_assert_msg(strstr(msg, c->has) != NULL, "\"%s\" lacks \"%s\"", msg,
	    c->has);
	policy_free(&p);
}
END_TEST

/* ---- mx-tls and certificates -------------------------------------------- */

#define NOW	((time_t)1767225600)	/* 2026-01-01 */

enum shape {
	GOOD, UNREACHED, NO_STARTTLS, NO_TLS13, NO_TLS12, NO_TLS, NO_SNI,
	EXPIRED, CN_ONLY, MISMATCH, UNTRUSTED, SOON, LEGACY, UNJUDGED
};

static void
make_result(enum shape s, struct tlsprobe_result *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->host, sizeof(r->host), "mx.example.test");
	snprintf(r->peer, sizeof(r->peer), "192.0.2.1:25");
	r->reached = s != UNREACHED;
	snprintf(r->error, sizeof(r->error), "cannot connect");
	r->starttls_offered = s != NO_STARTTLS;
	r->tls13.ok = s != NO_TLS13 && s != NO_TLS;
	r->tls12.ok = s != NO_TLS12 && s != NO_TLS;
	r->no_sni.ok = s != NO_SNI;
	r->tls10.ok = s == LEGACY;
	r->cert_judged = s != UNJUDGED;
	r->cert.health.known = 1;
	r->cert.health.expired = s == EXPIRED;
	r->cert.health.host_mismatch = s == CN_ONLY || s == MISMATCH;
	r->cert.health.not_trusted = s == UNTRUSTED;
	r->san_missing = s == CN_ONLY;
	r->cert.not_after = NOW + (s == SOON ? 3 : 90) * DAY +
	    (s == EXPIRED ? -200 * DAY : 0);
}

static const struct tls_case {
	enum shape	 shape;
	enum rule_status status;
	const char	*has;
} tls_cases[] = {
	{ GOOD, RULE_PASS, "expires in 90 days" },
	{ UNREACHED, RULE_FAIL, "cannot connect" },
	{ NO_STARTTLS, RULE_FAIL, "STARTTLS not offered" },
	{ NO_TLS13, RULE_WARN, "TLS 1.3 refused" },
	{ NO_TLS12, RULE_WARN, "TLS 1.2 refused" },
	{ NO_TLS, RULE_FAIL, "no TLS 1.2 or 1.3" },
	{ NO_SNI, RULE_WARN, "without SNI" },
	{ EXPIRED, RULE_FAIL, "expired on" },
	{ CN_ONLY, RULE_FAIL, "CN only" },
	{ MISMATCH, RULE_FAIL, "no subjectAltName matches" },
	{ UNTRUSTED, RULE_FAIL, "not trusted" },
	{ SOON, RULE_WARN, "expires in 3 days" },
	{ LEGACY, RULE_PASS, "still accepts TLSv1 " },
	{ UNJUDGED, RULE_FAIL, "not judged" },
};

START_TEST(test_mx_tls)
{
	const struct tls_case *c = &tls_cases[_i];
	struct tlsprobe_result r;
	struct cert_health h;
	char msg[RULE_MSG_MAX];

	make_result(c->shape, &r);
	ck_assert_int_eq(rule_mx_tls(&r, NOW, msg, sizeof(msg)), c->status);
	ck_assert_msg(strstr(msg, c->has) != NULL, "\"%s\" lacks \"%s\"", msg,
	    c->has);
	h = tlsprobe_health(&r);
	ck_assert_int_eq(h.known, c->shape != UNJUDGED);
}
END_TEST

/* ---- max_age and verdict ---------------------------------------------- */

static const struct age_case {
	const char	*policy;
	enum rule_status status;
} ages[] = {
	{ "version: STSv1\nmode: testing\nmx: a.test\nmax_age: 86400\n",
	  RULE_PASS },
	{ "version: STSv1\nmode: testing\nmx: a.test\nmax_age: 1209600\n",
	  RULE_WARN },
	{ "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 1209600\n",
	  RULE_PASS },
	{ "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 3600\n",
	  RULE_WARN },
	{ "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n",
	  RULE_FAIL },
	{ "version: STSv1\nmode: enforce\nmx: a.test\n", RULE_FAIL },
	{ "version: STSv1\nmode: none\nmax_age: 604800\n", RULE_WARN },
	{ "version: STSv1\nmode: none\nmax_age: 86400\n", RULE_PASS },
};

START_TEST(test_max_age)
{
	const struct age_case *c = &ages[_i];
	struct sts_policy p;
	struct diag_list dl;
	char msg[RULE_MSG_MAX];

	parse(c->policy, &p, &dl);
	ck_assert_int_eq(rule_max_age(&p, &dl, msg, sizeof(msg)), c->status);
	ck_assert_msg(msg[0] != '\0', "empty message");
	policy_free(&p);
}
END_TEST

/* ---- lenient-only policies and records ------------------------------- */

static const struct lenient_case {
	const char	*text;		/* a policy */
	const char	*what;
	const char	*has;		/* in the message */
} lenients[] = {
	{ "version: STSv1\nmode : enforce\nmx: a.example\nmax_age: 86400\n",
	  "policy", "only lenient ones (Stalwart, mailauth) apply it" },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 86400\n\n",
	  "policy", "(postfix-mta-sts-resolver, Stalwart, mailauth)" },
	{ "# x\nversion: STSv1\nmode: enforce\nmx: a.example\n"
	  "max_age: 86400\n", "record",
	  "ignore this record and deliver without MTA-STS; only lenient ones "
	  "(postfix-mta-sts-resolver, mailauth)" },
};

START_TEST(test_lenient_only)
{
	const struct lenient_case *c = &lenients[_i];
	struct sts_policy p;
	struct diag_list dl;
	char msg[RULE_MSG_MAX];

	parse(c->text, &p, &dl);
	ck_assert_uint_ne(p.lenient, 0);
	ck_assert_int_eq(rule_lenient_only(p.lenient, c->what, msg,
	    sizeof(msg)), RULE_FAIL);
	ck_assert_msg(strstr(msg, c->has) != NULL, "\"%s\" lacks \"%s\"", msg,
	    c->has);
	ck_assert_msg(strstr(msg, "strict senders (RFC 8461 grammar, e.g. "
	    "mox) ignore this") != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "Microsoft's and Google's senders") != NULL,
	    "%s", msg);
	policy_free(&p);
}
END_TEST

START_TEST(test_verdict)
{
	enum rule_status a[] = { RULE_PASS, RULE_SKIP, RULE_PASS };
	enum rule_status b[] = { RULE_SKIP, RULE_WARN, RULE_PASS };
	enum rule_status c[] = { RULE_WARN, RULE_FAIL, RULE_SKIP };

	ck_assert_int_eq(rule_verdict(a, 3), RULE_PASS);
	ck_assert_int_eq(rule_verdict(b, 3), RULE_WARN);
	ck_assert_int_eq(rule_verdict(c, 3), RULE_FAIL);
	ck_assert_int_eq(rule_verdict(NULL, 0), RULE_PASS);
	ck_assert_str_eq(rule_status_name(RULE_SKIP), "skip");
}
END_TEST

/* ---- expiry days ------------------------------------------------------ */

START_TEST(test_days_left)
{
	ck_assert_int_eq(tlsprobe_days_left(NOW + 14 * DAY, NOW), 14);
	ck_assert_int_eq(tlsprobe_days_left(NOW + 14 * DAY - 1, NOW), 13);
	ck_assert_int_eq(tlsprobe_days_left(NOW, NOW), 0);
	ck_assert_int_eq(tlsprobe_days_left(NOW - 1, NOW), -1);
	ck_assert_int_eq(tlsprobe_days_left(NOW - DAY, NOW), -1);
	ck_assert_int_eq(tlsprobe_days_left(NOW - DAY - 1, NOW), -2);
}
END_TEST

/* ---- run-to-run state ------------------------------------------------- */

static void
obs_make(struct stsstate_obs *o, long long when, int txt, const char *id,
    const char *hash, uint64_t max_age, const char *mx1, const char *mx2)
{
	memset(o, 0, sizeof(*o));
	o->when = when;
	o->txt_present = txt;
	snprintf(o->id, sizeof(o->id), "%s", id);
	o->policy_ok = hash != NULL;
	snprintf(o->hash, sizeof(o->hash), "%s", hash != NULL ? hash : "");
	o->max_age = max_age;
	o->mx_ok = 1;
	snprintf(o->mx[o->mx_count++], sizeof(o->mx[0]), "%s", mx1);
	if (mx2 != NULL)
		snprintf(o->mx[o->mx_count++], sizeof(o->mx[0]), "%s", mx2);
	stsstate_obs_sort_mx(o);
}

/* A first run at NOW: id A, body "aa", a week, MX m1. */
static void
first_run(struct stsstate *st)
{
	struct stsstate_obs o;

	memset(st, 0, sizeof(*st));
	obs_make(&o, NOW, 1, "A", "aa", 7 * DAY, "m1.test", NULL);
	stsstate_update(st, &o);
}

START_TEST(test_change_rules)
{
	struct stsstate st;
	struct stsstate_obs o;
	struct stsstate_change ch;
	char msg[RULE_MSG_MAX];

	first_run(&st);
	ck_assert_int_eq(stsstate_removal_date(&st), NOW + 7 * DAY);

	obs_make(&o, NOW + DAY, 1, "A", "aa", 7 * DAY, "m1.test", NULL);
	stsstate_compare(&st, &o, &ch);
	ck_assert_int_eq(rule_change(&st, &o, &ch, 1, msg, sizeof(msg)),
	    RULE_PASS);

	obs_make(&o, NOW + DAY, 1, "A", "bb", 7 * DAY, "m1.test", NULL);
	stsstate_compare(&st, &o, &ch);
	ck_assert(ch.body_changed_same_id);
	ck_assert_int_eq(rule_change(&st, &o, &ch, 1, msg, sizeof(msg)),
	    RULE_FAIL);

	obs_make(&o, NOW + DAY, 1, "B", "bb", DAY, "m1.test", NULL);
	stsstate_compare(&st, &o, &ch);
	ck_assert(!ch.body_changed_same_id && ch.max_age_lowered);
	ck_assert_int_eq(ch.max_age_before, 7 * DAY);
	ck_assert_int_eq(rule_change(&st, &o, &ch, 1, msg, sizeof(msg)),
	    RULE_WARN);

	obs_make(&o, NOW + DAY, 1, "A", "aa", 7 * DAY, "m1.test", "m2.test");
	stsstate_compare(&st, &o, &ch);
	ck_assert(ch.mx_changed_same_policy);
	ck_assert_str_eq(ch.mx_added, "m2.test");
	ck_assert_int_eq(rule_change(&st, &o, &ch, 0, msg, sizeof(msg)),
	    RULE_WARN);
	ck_assert_int_eq(rule_change(&st, &o, &ch, 1, msg, sizeof(msg)),
	    RULE_PASS);

	/* TXT gone: warn until the week-long policy has left the caches. */
	obs_make(&o, NOW + DAY, 0, "", NULL, 0, "m1.test", NULL);
	stsstate_compare(&st, &o, &ch);
	ck_assert(ch.txt_removed);
	ck_assert_int_eq(rule_change(&st, &o, &ch, 1, msg, sizeof(msg)),
	    RULE_WARN);
	ck_assert_msg(strstr(msg, "2026-01-08") != NULL, "%s", msg);
	o.when = NOW + 8 * DAY;
	stsstate_compare(&st, &o, &ch);
	ck_assert_int_eq(rule_change(&st, &o, &ch, 1, msg, sizeof(msg)),
	    RULE_PASS);
}
END_TEST

START_TEST(test_removal_date)
{
	struct stsstate st;
	struct stsstate_obs o;

	first_run(&st);
	/* A later, shorter policy: the older long one still decides. */
	obs_make(&o, NOW + DAY, 1, "B", "bb", DAY, "m1.test", NULL);
	stsstate_update(&st, &o);
	ck_assert_int_eq(stsstate_removal_date(&st), NOW + 7 * DAY);
	/* Served again later: its last_seen moves on. */
	obs_make(&o, NOW + 10 * DAY, 1, "B", "bb", DAY, "m1.test", NULL);
	stsstate_update(&st, &o);
	ck_assert_int_eq(stsstate_removal_date(&st), NOW + 11 * DAY);
	ck_assert_uint_eq(st.policy_count, 2);
}
END_TEST

START_TEST(test_state_file)
{
	char dir[] = "/tmp/check_checkdomain.XXXXXX", path[256], err[512];
	const char *aside;
	struct stsstate st, back;
	struct stsstate_obs o;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(stsstate_load(dir, "example.test", &back, err,
	    sizeof(err)), 0);
	first_run(&st);
	obs_make(&o, NOW + DAY, 1, "B", "bb", DAY, "m2.test", "m1.test");
	stsstate_update(&st, &o);
	ck_assert_int_eq(stsstate_save(dir, "example.test", &st, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(stsstate_load(dir, "example.test", &back, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(back.policy_count, 2);
	ck_assert_str_eq(back.last.id, "B");
	ck_assert_str_eq(back.last.mx[0], "m1.test");
	ck_assert_int_eq(back.last.mx_count, 2);
	ck_assert_int_eq(stsstate_removal_date(&back),
	    stsstate_removal_date(&st));

	/* A corrupt file is set aside, and the run starts afresh. */
	snprintf(path, sizeof(path), "%s/mtasts-check.example.test.json", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs("{\"format\": 1, \"policies\": [", fp);
	fclose(fp);
	ck_assert_int_eq(stsstate_load(dir, "example.test", &back, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "set aside") != NULL, "%s", err);
	ck_assert_int_eq(back.has_last, 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_ptr_nonnull(aside = strstr(err, "set aside as "));
	aside += strlen("set aside as ");
	ck_assert_int_eq(strncmp(aside, path, strlen(path)), 0);
	ck_assert_int_eq(strncmp(aside + strlen(path), ".corrupt-", 9), 0);
	ck_assert_int_eq(unlink(aside), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* A state file this user may not read is an error, kept and not replaced. */
START_TEST(test_state_file_unreadable)
{
	char dir[] = "/tmp/check_checkdomain.XXXXXX", path[256], err[512];
	struct stsstate st, back;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	first_run(&st);
	ck_assert_int_eq(stsstate_save(dir, "example.test", &st, err,
	    sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/mtasts-check.example.test.json", dir);
	scratch_forbid(dir, path);
	ck_assert_int_eq(stsstate_load(dir, "example.test", &back, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "Permission denied") != NULL &&
	    strstr(err, "kept") != NULL, "%s", err);
	ck_assert_int_eq(stsstate_save(dir, "example.test", &back, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not replacing it") != NULL, "%s", err);
	scratch_permit(path);
	ck_assert_int_eq(stsstate_load(dir, "example.test", &back, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(back.policy_count, st.policy_count);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_hash)
{
	char h[STSSTATE_HASH_LEN];

	ck_assert_int_eq(stsstate_hash("abc", 3, h), 0);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}
END_TEST

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))

Suite *
unit_suite(void)
{
	Suite *s = suite_create("checkdomain");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_distance, 0, N(distances));
	tcase_add_loop_test(tc, test_closest, 0, N(closest));
	tcase_add_loop_test(tc, test_coverage, 0, N(coverage));
	tcase_add_loop_test(tc, test_mx_tls, 0, N(tls_cases));
	tcase_add_loop_test(tc, test_max_age, 0, N(ages));
	tcase_add_loop_test(tc, test_lenient_only, 0, N(lenients));
	tcase_add_test(tc, test_verdict);
	tcase_add_test(tc, test_days_left);
	tcase_add_test(tc, test_change_rules);
	tcase_add_test(tc, test_removal_date);
	tcase_add_test(tc, test_state_file);
	tcase_add_test(tc, test_state_file_unreadable);
	tcase_add_test(tc, test_hash);
	suite_add_tcase(s, tc);
	return s;
}
