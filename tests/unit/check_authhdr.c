/*
 * check_authhdr.c - unit tests for authhdr_format: the exact text of the
 * MTA-STS-Audit value for representative verdicts, its folding ("\n\t",
 * never CR; 78 columns where tokens allow, never 998), hostile values, and
 * a buffer that is too small.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "authhdr.h"
#include "hdrshape.h"
#include "unit.h"

#define NAME_LEN	13	/* strlen("MTA-STS-Audit") */
#define GUARD		'#'
#define NCASES(t)	((int)(sizeof(t) / sizeof((t)[0])))

struct exact_case {
	const char		*name;
	struct authhdr_fields	 h;
	size_t			 name_len;
	const char		*want;
};

static const struct exact_case exact_cases[] = {
	{ "would-fail, two reasons, folded twice",
	    { "mx1.example.com", "example.com", VERDICT_WOULD_FAIL,
	    REASON_TLS_VERSION | REASON_CERT_EXPIRED, "testing", "20240101",
	    "published", "TLSv1.1", "mx1.example.com" }, NAME_LEN,
	    "mx1.example.com; domain=example.com; result=would-fail;\n"
	    "\treasons=tls-version,certificate-expired; mode=testing; "
	    "id=20240101;\n"
	    "\tsource=published; tls=TLSv1.1; mx=mx1.example.com" },
	{ "pass, no reasons, first line exactly 78",
	    { "mx1.example.com", "example.com", VERDICT_PASS, 0, "enforce",
	    "20240101", "published", "TLSv1.3", "mx1.example.com" }, NAME_LEN,
	    "mx1.example.com; domain=example.com; result=pass; mode=enforce;\n"
	    "\tid=20240101; source=published; tls=TLSv1.3; mx=mx1.example.com" },
	{ "plaintext draft: tls=none, mx=unknown",
	    { "mx.test", "d.test", VERDICT_WOULD_FAIL,
	    REASON_STARTTLS_NOT_SUPPORTED | REASON_MX_MISMATCH, "testing",
	    "draft", "draft", NULL, "" }, NAME_LEN,
	    "mx.test; domain=d.test; result=would-fail;\n"
	    "\treasons=starttls-not-supported,mx-mismatch; mode=testing; "
	    "id=draft;\n"
	    "\tsource=draft; tls=none; mx=unknown" },
	{ "policy-error, empty tls, NULL mx, no header name",
	    { "a", "b.test", VERDICT_POLICY_ERROR,
	    REASON_STS_POLICY_FETCH_ERROR, "enforce", "1", "cached", "",
	    NULL }, 0,
	    "a; domain=b.test; result=policy-error; "
	    "reasons=sts-policy-fetch-error;\n"
	    "\tmode=enforce; id=1; source=cached; tls=none; mx=unknown" },
	{ "hostile values become single tokens",
	    { "evil host;", "a\r\nX-Evil: 1", VERDICT_PASS, 0, "testing",
	    "(c)", "\"q\"", "TLS\\v1", "x; result=pass" }, NAME_LEN,
	    "evil?host?; domain=a??X-Evil:?1; result=pass; mode=testing;\n"
	    "\tid=?c?; source=?q?; tls=TLS?v1; mx=x??result=pass" },
	{ "8-bit and controls",
	    { "mx\001", "\303\251.test", VERDICT_NO_POLICY, 0, "none", "\177",
	    "published", "TLSv1.2\n", "mx\t" }, NAME_LEN,
	    "mx?; domain=??.test; result=no-policy; mode=none; id=?;\n"
	    "\tsource=published; tls=TLSv1.2?; mx=mx?" },
};

START_TEST(test_exact)
{
	const struct exact_case *c = &exact_cases[_i];
	const char *problem;
	char	buf[AUTHHDR_MAX];

	ck_assert_int_eq(authhdr_format(&c->h, c->name_len, buf, sizeof(buf)),
	    0);
	ck_assert_msg(strcmp(buf, c->want) == 0,
	    "%s:\ngot  \"%s\"\nwant \"%s\"", c->name, buf, c->want);
	problem = hdrshape_problem(buf, c->name_len, c->h.reasons != 0);
	ck_assert_msg(problem == NULL, "%s: %s", c->name, problem);
}
END_TEST

/* A value of n bytes of ch, NUL-terminated, in buf. */
static const char *
filled(char *buf, size_t n, char ch)
{
	memset(buf, ch, n);
	buf[n] = '\0';
	return buf;
}

/*
 * Every reason set, with values from empty to far over the 255 bytes kept:
 * the shape holds, and long tokens get lines of their own.
 */
START_TEST(test_shape_generated)
{
	static const size_t lens[] = { 0, 1, 40, 70, 78, 254, 255, 256, 600 };
	char	v[700], buf[AUTHHDR_MAX];
	struct authhdr_fields h;
	const char *problem;
	unsigned reasons;
	size_t	i;

	for (reasons = 0; reasons < 1u << REASON_COUNT; reasons++) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			filled(v, lens[i], 'a');
			h = (struct authhdr_fields){ v, v, VERDICT_WOULD_FAIL,
			    reasons, v, v, v, v, v };
			if (lens[i] == 0)
				h.authserv_id = "id";
			ck_assert_int_eq(authhdr_format(&h, 64, buf,
			    sizeof(buf)), 0);
			problem = hdrshape_problem(buf, 64, reasons != 0);
			ck_assert_msg(problem == NULL, "reasons %#x, len %zu: "
			    "%s in \"%s\"", reasons, lens[i], problem, buf);
		}
	}
}
END_TEST

/* Values are cut at 255 bytes: a longer one cannot push a line past 998. */
START_TEST(test_value_bound)
{
	char	v[2000], kept[256], buf[AUTHHDR_MAX], want[300];
	struct authhdr_fields h = { "id", NULL, VERDICT_PASS, 0, "testing",
	    "1", "published", "TLSv1.2", "mx" };

	h.domain = filled(v, sizeof(v) - 1, 'd');
	ck_assert_int_eq(authhdr_format(&h, NAME_LEN, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "\n\tdomain=%s;\n\t",
	    filled(kept, sizeof(kept) - 1, 'd'));
	ck_assert_msg(strstr(buf, want) != NULL, "got \"%s\"", buf);
}
END_TEST

/* Too small by one byte: -1 and an empty string; exactly enough: 0. */
START_TEST(test_overflow)
{
	const struct authhdr_fields *h = &exact_cases[0].h;
	char	full[AUTHHDR_MAX], buf[AUTHHDR_MAX];
	size_t	need;

	ck_assert_int_eq(authhdr_format(h, NAME_LEN, full, sizeof(full)), 0);
	need = strlen(full) + 1;
	memset(buf, GUARD, sizeof(buf));
	ck_assert_int_eq(authhdr_format(h, NAME_LEN, buf, need), 0);
	ck_assert_str_eq(buf, full);
	memset(buf, GUARD, sizeof(buf));
	ck_assert_int_eq(authhdr_format(h, NAME_LEN, buf, need - 1), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(buf[need - 1], GUARD);
	ck_assert_int_eq(authhdr_format(h, NAME_LEN, buf, 1), -1);
	ck_assert_str_eq(buf, "");
	buf[0] = GUARD;
	ck_assert_int_eq(authhdr_format(h, NAME_LEN, buf, 0), -1);
	ck_assert_int_eq(buf[0], GUARD);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("authhdr");
	TCase	*tc = tcase_create("format");

	tcase_add_loop_test(tc, test_exact, 0, NCASES(exact_cases));
	tcase_add_test(tc, test_shape_generated);
	tcase_add_test(tc, test_value_bound);
	tcase_add_test(tc, test_overflow);
	suite_add_tcase(s, tc);
	return s;
}
