/*
 * check_verdict.c - unit tests for verdict_eval and its name tables.
 *
 * The exhaustive test walks every combination of TLS version, MX name,
 * certificate finding, policy mode and policy state, and compares
 * verdict_eval with a small oracle written from DESIGN.md 6 (it knows each
 * axis value's meaning from the table, never by calling the code under
 * test). Hand-written rows with literal expectations pin down the rest.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "verdict.h"
#include "unit.h"

static char mx_exact[] = "mx1.example.com";
static char mx_wild[] = "*.mail.example.com";
static char *mx_list[] = { mx_exact, mx_wild };

static struct sts_policy
make_policy(enum sts_mode mode)
{
	struct sts_policy p = {
		.has_version = 1, .mode = mode, .has_max_age = 1,
		.max_age = 86400, .mx = mx_list, .mx_count = 2,
	};

	return p;
}

/* Axes of the exhaustive test. */

static const struct {
	const char *version;	/* NULL: plaintext */
	int	tls;		/* session used TLS */
	int	known;		/* the value names the session's version */
	int	ok;		/* 1.2 or later */
} tls_axis[] = {
	{ NULL, 0, 0, 0 },
	{ "TLSv1", 1, 1, 0 },
	{ "TLSv1.1", 1, 1, 0 },
	{ "TLSv1.2", 1, 1, 1 },
	{ "TLSv1.3", 1, 1, 1 },
	{ "TLSv1/SSLv3", 1, 0, 0 },	/* old Sendmail: the cipher's version */
};

static const struct {
	const char *name;
	int	matches;
} mx_axis[] = {
	{ "mx1.example.com", 1 },	/* exact pattern */
	{ "in.mail.example.com", 1 },	/* wildcard pattern */
	{ "mx2.example.com", 0 },
	{ NULL, 0 },
};

static const struct {
	const char *name;
	int	given;			/* 0: cert argument NULL */
	struct cert_health h;
} cert_axis[] = {
	{ "none given", 0, { 0, 0, 0, 0 } },
	{ "unknown", 1, { 0, 1, 1, 1 } },	/* flags ignored when unknown */
	{ "good", 1, { 1, 0, 0, 0 } },
	{ "expired", 1, { 1, 1, 0, 0 } },
	{ "wrong host", 1, { 1, 0, 1, 0 } },
	{ "untrusted", 1, { 1, 0, 0, 1 } },
	{ "all three", 1, { 1, 1, 1, 1 } },
};

static const enum sts_mode mode_axis[] = {
	STS_MODE_ENFORCE, STS_MODE_TESTING, STS_MODE_NONE,
};

enum policy_state {
	PV_NULL,		/* no policy_view at all */
	PV_ABSENT,		/* policy_view without policy or error */
	PV_PRESENT,
	PV_FETCH_ERROR,
	PV_INVALID,
	PV_WEBPKI,
	PV_COUNT
};

static const unsigned pv_error[PV_COUNT] = {
	[PV_FETCH_ERROR] = REASON_STS_POLICY_FETCH_ERROR,
	[PV_INVALID] = REASON_STS_POLICY_INVALID,
	[PV_WEBPKI] = REASON_STS_WEBPKI_INVALID,
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* The oracle: DESIGN.md 6 restated, one rule per line. */
static struct verdict
oracle(size_t ti, size_t mi, size_t ci, enum sts_mode mode,
    enum policy_state ps)
{
	struct verdict v = { VERDICT_NO_POLICY, 0, STS_MODE_UNSET };

	if (ps == PV_NULL || ps == PV_ABSENT)
		return v;
	if (ps != PV_PRESENT) {
		v.result = VERDICT_POLICY_ERROR;
		v.reasons = pv_error[ps];
		return v;
	}
	v.mode = mode;
	if (mode == STS_MODE_NONE)
		return v;
	if (!tls_axis[ti].tls)
		v.reasons |= REASON_STARTTLS_NOT_SUPPORTED;
	if (tls_axis[ti].tls && tls_axis[ti].known && !tls_axis[ti].ok)
		v.reasons |= REASON_TLS_VERSION;
	if (!mx_axis[mi].matches)
		v.reasons |= REASON_MX_MISMATCH;
	if (cert_axis[ci].given && cert_axis[ci].h.known &&
	    cert_axis[ci].h.expired)
		v.reasons |= REASON_CERT_EXPIRED;
	if (cert_axis[ci].given && cert_axis[ci].h.known &&
	    cert_axis[ci].h.host_mismatch)
		v.reasons |= REASON_CERT_HOST_MISMATCH;
	if (cert_axis[ci].given && cert_axis[ci].h.known &&
	    cert_axis[ci].h.not_trusted)
		v.reasons |= REASON_CERT_NOT_TRUSTED;
	v.result = v.reasons ? VERDICT_WOULD_FAIL : VERDICT_PASS;
	return v;
}

static void
check_one(size_t ti, size_t mi, size_t ci, size_t mo, enum policy_state ps)
{
	struct sts_policy policy = make_policy(mode_axis[mo]);
	struct policy_view pv = { NULL, "20240101", POLICY_SOURCE_PUBLISHED,
	    pv_error[ps] };
	struct verdict got, want;

	if (ps == PV_PRESENT)
		pv.policy = &policy;
	memset(&got, 0x5a, sizeof(got));
	verdict_eval(tls_axis[ti].version, mx_axis[mi].name,
	    cert_axis[ci].given ? &cert_axis[ci].h : NULL,
	    ps == PV_NULL ? NULL : &pv, &got);
	want = oracle(ti, mi, ci, mode_axis[mo], ps);
	ck_assert_msg(got.result == want.result && got.reasons == want.reasons
	    && got.mode == want.mode,
	    "tls=%s mx=%s cert=%s mode=%s policy=%d: got %s/0x%x/%d, "
	    "want %s/0x%x/%d",
	    tls_axis[ti].version ? tls_axis[ti].version : "none",
	    mx_axis[mi].name ? mx_axis[mi].name : "NULL",
	    cert_axis[ci].name, sts_mode_name(mode_axis[mo]), (int)ps,
	    verdict_result_name(got.result), got.reasons, (int)got.mode,
	    verdict_result_name(want.result), want.reasons, (int)want.mode);
}

START_TEST(test_verdict_exhaustive)
{
	size_t	ti, mi, ci, mo;
	int	ps;

	for (ti = 0; ti < N(tls_axis); ti++)
		for (mi = 0; mi < N(mx_axis); mi++)
			for (ci = 0; ci < N(cert_axis); ci++)
				for (mo = 0; mo < N(mode_axis); mo++)
					for (ps = 0; ps < PV_COUNT; ps++)
						check_one(ti, mi, ci, mo,
						    (enum policy_state)ps);
}
END_TEST

/* Hand-written rows: literal inputs, literal expectations. */

enum row_policy { ROW_NONE, ROW_ENFORCE, ROW_TESTING, ROW_MODE_NONE,
    ROW_MODE_UNSET, ROW_FETCH_ERROR, ROW_WEBPKI_AND_FETCH };

static const struct verdict_row {
	const char *tls;
	const char *mx;
	struct cert_health cert;
	enum row_policy policy;
	enum verdict_result result;
	const char *reasons;
	enum sts_mode mode;
} rows[] = {
	{ "TLSv1.3", "mx1.example.com", { 1, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_PASS, "", STS_MODE_ENFORCE },
	{ "TLSv1.2", "MX1.EXAMPLE.COM", { 0, 0, 0, 0 }, ROW_TESTING,
	    VERDICT_PASS, "", STS_MODE_TESTING },
	{ "TLSv1.2", "mx1.example.com.", { 0, 0, 0, 0 }, ROW_TESTING,
	    VERDICT_PASS, "", STS_MODE_TESTING },
	{ "TLSv1.4", "a.mail.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_PASS, "", STS_MODE_ENFORCE },
	{ "TLSv1.1", "mx1.example.com", { 1, 1, 0, 0 }, ROW_TESTING,
	    VERDICT_WOULD_FAIL, "tls-version,certificate-expired",
	    STS_MODE_TESTING },
	{ "TLSv1", "mx1.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_WOULD_FAIL, "tls-version", STS_MODE_ENFORCE },
	/* Sendmail before 8.15.1: the cipher's version, not the session's */
	{ "TLSv1/SSLv3", "mx1.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_PASS, "", STS_MODE_ENFORCE },
	{ "TLSv1/SSLv3", "mx2.example.com", { 1, 1, 0, 0 }, ROW_TESTING,
	    VERDICT_WOULD_FAIL, "mx-mismatch,certificate-expired",
	    STS_MODE_TESTING },
	{ "TLSv1.0", "mx1.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_PASS, "", STS_MODE_ENFORCE },
	{ "(NONE)", "mx1.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_PASS, "", STS_MODE_ENFORCE },
	{ "UNKNOWN", "mx1.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_PASS, "", STS_MODE_ENFORCE },
	{ "SSLv3", "mx1.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_WOULD_FAIL, "tls-version", STS_MODE_ENFORCE },
	{ "SSLv2", "mx1.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_WOULD_FAIL, "tls-version", STS_MODE_ENFORCE },
	{ "tlsv1.2", "mx1.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_WOULD_FAIL, "tls-version", STS_MODE_ENFORCE },
	{ "", "mx1.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_WOULD_FAIL, "starttls-not-supported", STS_MODE_ENFORCE },
	{ NULL, "mx9.example.com", { 1, 1, 1, 1 }, ROW_TESTING,
	    VERDICT_WOULD_FAIL, "starttls-not-supported,mx-mismatch,"
	    "certificate-host-mismatch,certificate-expired,"
	    "certificate-not-trusted", STS_MODE_TESTING },
	{ "TLSv1.3", "a.b.mail.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_WOULD_FAIL, "mx-mismatch", STS_MODE_ENFORCE },
	{ "TLSv1.3", "mail.example.com", { 0, 0, 0, 0 }, ROW_ENFORCE,
	    VERDICT_WOULD_FAIL, "mx-mismatch", STS_MODE_ENFORCE },
	{ "TLSv1.3", "mx1.example.com", { 1, 0, 0, 1 }, ROW_ENFORCE,
	    VERDICT_WOULD_FAIL, "certificate-not-trusted", STS_MODE_ENFORCE },
	{ NULL, NULL, { 1, 1, 1, 1 }, ROW_MODE_NONE,
	    VERDICT_NO_POLICY, "", STS_MODE_NONE },
	{ NULL, NULL, { 1, 1, 1, 1 }, ROW_NONE,
	    VERDICT_NO_POLICY, "", STS_MODE_UNSET },
	{ "TLSv1.3", "mx1.example.com", { 0, 0, 0, 0 }, ROW_MODE_UNSET,
	    VERDICT_POLICY_ERROR, "sts-policy-invalid", STS_MODE_UNSET },
	{ "TLSv1.3", "mx1.example.com", { 1, 0, 0, 0 }, ROW_FETCH_ERROR,
	    VERDICT_POLICY_ERROR, "sts-policy-fetch-error", STS_MODE_UNSET },
	{ NULL, NULL, { 0, 0, 0, 0 }, ROW_WEBPKI_AND_FETCH,
	    VERDICT_POLICY_ERROR, "sts-policy-fetch-error,sts-webpki-invalid",
	    STS_MODE_UNSET },
};

static struct policy_view
row_view(enum row_policy rp, struct sts_policy *policy)
{
	struct policy_view pv = { NULL, "id", POLICY_SOURCE_PUBLISHED, 0 };

	switch (rp) {
	case ROW_NONE:
		break;
	case ROW_ENFORCE:
	case ROW_TESTING:
	case ROW_MODE_NONE:
	case ROW_MODE_UNSET:
		*policy = make_policy(rp == ROW_ENFORCE ? STS_MODE_ENFORCE :
		    rp == ROW_TESTING ? STS_MODE_TESTING :
		    rp == ROW_MODE_NONE ? STS_MODE_NONE : STS_MODE_UNSET);
		pv.policy = policy;
		break;
	case ROW_FETCH_ERROR:
		pv.error_reasons = REASON_STS_POLICY_FETCH_ERROR;
		break;
	case ROW_WEBPKI_AND_FETCH:
		pv.error_reasons = REASON_STS_WEBPKI_INVALID |
		    REASON_STS_POLICY_FETCH_ERROR;
		break;
	}
	return pv;
}

START_TEST(test_verdict_rows)
{
	const struct verdict_row *r = &rows[_i];
	struct sts_policy policy;
	struct policy_view pv = row_view(r->policy, &policy);
	struct verdict v;
	char	buf[VERDICT_REASONS_BUFSIZE];

	verdict_eval(r->tls, r->mx, &r->cert, &pv, &v);
	verdict_reasons_format(v.reasons, buf, sizeof(buf));
	ck_assert_msg(v.result == r->result, "row %d: result %s, want %s", _i,
	    verdict_result_name(v.result), verdict_result_name(r->result));
	ck_assert_msg(strcmp(buf, r->reasons) == 0,
	    "row %d: reasons \"%s\", want \"%s\"", _i, buf, r->reasons);
	ck_assert_msg(v.mode == r->mode, "row %d: mode %d, want %d", _i,
	    (int)v.mode, (int)r->mode);
}
END_TEST

#define V_NONE		TLS_VERSION_NONE
#define V_OK		TLS_VERSION_OK
#define V_OLD		TLS_VERSION_OLD
#define V_UNKNOWN	TLS_VERSION_UNKNOWN

/*
 * Session versions as SSL_get_version() writes them (Postfix, Sendmail
 * 8.15.1 on), cipher versions as SSL_CIPHER_get_version() does (OpenSSL
 * 1.0.2: "TLSv1/SSLv3", "SSLv2", "unknown", "(NONE)"; 1.1.0 on: "TLSv1.0",
 * "SSLv3", "TLSv1.2", "TLSv1.3"), Sendmail's "UNKNOWN", and near misses.
 */
static const struct {
	const char *version;
	enum tls_version_class class;
} version_cases[] = {
	{ "TLSv1", V_OLD }, { "TLSv1.1", V_OLD },
	{ "TLSv1.2", V_OK }, { "TLSv1.3", V_OK }, { "TLSv1.4", V_OK },
	{ "TLSv1.10", V_OK }, { "TLSv2", V_OK }, { "TLSv2.0", V_OK },
	{ "TLSv0.9", V_OLD }, { "SSLv3", V_OLD }, { "SSLv2", V_OLD },
	{ "TLSv1/SSLv3", V_UNKNOWN }, { "TLSv1.0", V_UNKNOWN },
	{ "(NONE)", V_UNKNOWN }, { "unknown", V_UNKNOWN },
	{ "UNKNOWN", V_UNKNOWN },
	{ "TLSv1/SSLv3 ", V_OLD }, { "tlsv1/sslv3", V_OLD },
	{ "SSLv3/TLSv1", V_OLD }, { "TLSv1.0 ", V_OLD }, { "Unknown", V_OLD },
	{ "tlsv1.2", V_OLD }, { "TLSV1.2", V_OLD },
	{ "TLSv1.2 ", V_OLD }, { " TLSv1.2", V_OLD }, { "TLSv1.2x", V_OLD },
	{ "TLSv1.", V_OLD }, { "TLSv.2", V_OLD }, { "TLSv", V_OLD },
	{ "TLS", V_OLD }, { "TLSv1..2", V_OLD }, { "TLSv1.2.1", V_OLD },
	{ "TLSv-1.2", V_OLD }, { "TLSv1.+2", V_OLD }, { "TLSv9999", V_OLD },
	{ "TLSv1.2222", V_OLD }, { "", V_NONE }, { NULL, V_NONE },
};

START_TEST(test_tls_version_class)
{
	const char *v = version_cases[_i].version;

	ck_assert_msg(tls_version_class(v) == version_cases[_i].class,
	    "tls_version_class(\"%s\") = %d, want %d", v ? v : "(null)",
	    (int)tls_version_class(v), (int)version_cases[_i].class);
	ck_assert_int_eq(tls_version_ok(v),
	    version_cases[_i].class == TLS_VERSION_OK);
}
END_TEST

START_TEST(test_names)
{
	static const char *const reasons[REASON_COUNT] = {
		"starttls-not-supported", "tls-version", "mx-mismatch",
		"certificate-host-mismatch", "certificate-expired",
		"certificate-not-trusted", "sts-policy-fetch-error",
		"sts-policy-invalid", "sts-webpki-invalid",
	};
	unsigned i;

	for (i = 0; i < REASON_COUNT; i++)
		ck_assert_str_eq(verdict_reason_name(1u << i), reasons[i]);
	ck_assert_ptr_null(verdict_reason_name(0));
	ck_assert_ptr_null(verdict_reason_name(1u << REASON_COUNT));
	ck_assert_ptr_null(verdict_reason_name(REASON_TLS_VERSION |
	    REASON_MX_MISMATCH));
	ck_assert_str_eq(verdict_result_name(VERDICT_PASS), "pass");
	ck_assert_str_eq(verdict_result_name(VERDICT_WOULD_FAIL), "would-fail");
	ck_assert_str_eq(verdict_result_name(VERDICT_NO_POLICY), "no-policy");
	ck_assert_str_eq(verdict_result_name(VERDICT_POLICY_ERROR),
	    "policy-error");
	ck_assert_str_eq(policy_source_name(POLICY_SOURCE_PUBLISHED),
	    "published");
	ck_assert_str_eq(policy_source_name(POLICY_SOURCE_CACHED), "cached");
	ck_assert_str_eq(policy_source_name(POLICY_SOURCE_DRAFT), "draft");
}
END_TEST

START_TEST(test_reasons_format)
{
	char	buf[VERDICT_REASONS_BUFSIZE];
	char	small[sizeof("tls-version,mx-mismatch")];
	unsigned all = (1u << REASON_COUNT) - 1;

	ck_assert_str_eq(verdict_reasons_format(0, buf, sizeof(buf)), "");
	verdict_reasons_format(all, buf, sizeof(buf));
	ck_assert_str_eq(buf, "starttls-not-supported,tls-version,"
	    "mx-mismatch,certificate-host-mismatch,certificate-expired,"
	    "certificate-not-trusted,sts-policy-fetch-error,"
	    "sts-policy-invalid,sts-webpki-invalid");
	/* Bits beyond the known reasons are not names. */
	verdict_reasons_format(REASON_TLS_VERSION | 0x8000u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "tls-version");
	/* Exact fit, then one byte short: whole names only. */
	verdict_reasons_format(REASON_TLS_VERSION | REASON_MX_MISMATCH, small,
	    sizeof(small));
	ck_assert_str_eq(small, "tls-version,mx-mismatch");
	verdict_reasons_format(REASON_TLS_VERSION | REASON_MX_MISMATCH, small,
	    sizeof(small) - 1);
	ck_assert_str_eq(small, "tls-version");
	verdict_reasons_format(REASON_TLS_VERSION, small, 3);
	ck_assert_str_eq(small, "");
	small[0] = 'x';
	verdict_reasons_format(REASON_TLS_VERSION, small, 0);
	ck_assert_int_eq(small[0], 'x');
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("verdict");
	TCase	*tc = tcase_create("eval");

	tcase_add_test(tc, test_verdict_exhaustive);
	tcase_add_loop_test(tc, test_verdict_rows, 0, N(rows));
	tcase_add_loop_test(tc, test_tls_version_class, 0, N(version_cases));
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_reasons_format);
	suite_add_tcase(s, tc);
	return s;
}
