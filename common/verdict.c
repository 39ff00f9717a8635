/*
 * verdict.c - evaluate one inbound session against one recipient domain's
 * MTA-STS policy, the way a conforming sender in enforce mode would judge
 * the same connection (DESIGN.md 6, RFC 8461 4 and 7.2).
 *
 * Pure: no I/O, no clock, no global state. Every cause of failure is
 * reported, not just the first, so an administrator sees everything that
 * must be fixed before enforcing.
 */
#include "config.h"

#include <string.h>

#include "policy.h"
#include "verdict.h"

/* Longest version component accepted; longer is not a version we know. */
#define TLS_VERSION_DIGITS_MAX	3

static const char *const reason_names[REASON_COUNT] = {
	"starttls-not-supported",
	"tls-version",
	"mx-mismatch",
	"certificate-host-mismatch",
	"certificate-expired",
	"certificate-not-trusted",
	"sts-policy-fetch-error",
	"sts-policy-invalid",
	"sts-webpki-invalid",
};

/*
 * Parse a run of 1..TLS_VERSION_DIGITS_MAX decimal digits at *sp into *val,
 * advancing *sp. Returns 0 on success, -1 when there is no such run.
 */
static int
parse_version_number(const char **sp, unsigned *val)
{
	const char *s = *sp;
	size_t	n;

	*val = 0;
	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
		if (n == TLS_VERSION_DIGITS_MAX)
			return -1;
		*val = *val * 10 + (unsigned)(s[n] - '0');
	}
	if (n == 0)
		return -1;
	*sp = s + n;
	return 0;
}

/*
 * What MTAs write in {tls_version} when it is not the session's version.
 * Sendmail before 8.15.1 wrote the cipher's version
 * (SSL_CIPHER_get_version): "TLSv1/SSLv3" for every TLS cipher with
 * OpenSSL up to 1.0.2, "TLSv1.0" for a TLS 1.0 cipher from OpenSSL 1.1.0
 * on (the session version of TLS 1.0 is "TLSv1"), "(NONE)" without a
 * cipher; "unknown" is OpenSSL's word for a version it cannot name and
 * "UNKNOWN" Sendmail's when OpenSSL gives none. A TLS 1.2 session can show
 * any of these, so they say TLS was used and nothing about its version.
 * (OpenSSL 1.1's cipher version "SSLv3" cannot be told from an SSLv3
 * session; no Sendmail that writes cipher versions builds with it.)
 */
static const char *const version_unknown[] = {
	"TLSv1/SSLv3", "TLSv1.0", "(NONE)", "unknown", "UNKNOWN",
};

/*
 * Strict "TLSv" MAJOR ["." MINOR], as Postfix ("TLSv1" is 1.0) and
 * OpenSSL's SSL_get_version() write it, is judged; a cipher version (see
 * above) is unknown. Anything else ("SSLv3", "SSLv2", garbage) is not ok:
 * a sender enforcing MTA-STS needs a version it can name as 1.2 or later.
 */
enum tls_version_class
tls_version_class(const char *tls_version)
{
	const char *s = tls_version;
	unsigned major, minor = 0;
	size_t	i;

	if (s == NULL || *s == '\0')
		return TLS_VERSION_NONE;
	for (i = 0; i < sizeof(version_unknown) / sizeof(version_unknown[0]);
	    i++)
		if (strcmp(s, version_unknown[i]) == 0)
			return TLS_VERSION_UNKNOWN;
	if (strncmp(s, "TLSv", 4) != 0)
		return TLS_VERSION_OLD;
	s += 4;
	if (parse_version_number(&s, &major) == -1)
		return TLS_VERSION_OLD;
	if (*s == '.') {
		s++;
		if (parse_version_number(&s, &minor) == -1)
			return TLS_VERSION_OLD;
	}
	if (*s != '\0')
		return TLS_VERSION_OLD;
	return major > 1 || (major == 1 && minor >= 2) ? TLS_VERSION_OK :
	    TLS_VERSION_OLD;
}

int
tls_version_ok(const char *tls_version)
{
	return tls_version_class(tls_version) == TLS_VERSION_OK;
}

/* Reasons a sender would have for rejecting this session under policy. */
static unsigned
session_reasons(const char *tls_version, const char *mx_name,
    const struct cert_health *cert, const struct sts_policy *policy)
{
	unsigned reasons = 0;

	switch (tls_version_class(tls_version)) {
	case TLS_VERSION_NONE:
		reasons |= REASON_STARTTLS_NOT_SUPPORTED;
		break;
	case TLS_VERSION_OLD:
		reasons |= REASON_TLS_VERSION;
		break;
	case TLS_VERSION_OK:
	case TLS_VERSION_UNKNOWN:
		break;
	}
	if (mx_name == NULL || policy_match_mx(policy, mx_name) < 0)
		reasons |= REASON_MX_MISMATCH;
	/*
	 * A sender on a plaintext session never sees our certificate, but
	 * it would once STARTTLS works: report it now rather than later.
	 */
	if (cert != NULL && cert->known) {
		if (cert->host_mismatch)
			reasons |= REASON_CERT_HOST_MISMATCH;
		if (cert->expired)
			reasons |= REASON_CERT_EXPIRED;
		if (cert->not_trusted)
			reasons |= REASON_CERT_NOT_TRUSTED;
	}
	return reasons;
}

void
verdict_eval(const char *tls_version, const char *mx_name,
    const struct cert_health *cert, const struct policy_view *pv,
    struct verdict *out)
{
	out->result = VERDICT_NO_POLICY;
	out->reasons = 0;
	out->mode = STS_MODE_UNSET;
	if (pv == NULL)
		return;
	if (pv->policy == NULL) {
		if (pv->error_reasons != 0) {
			out->result = VERDICT_POLICY_ERROR;
			out->reasons = pv->error_reasons;
		}
		return;
	}
	out->mode = pv->policy->mode;
	if (out->mode == STS_MODE_NONE)
		return;
	/* A policy without a mode is invalid: no sender would apply it. */
	if (out->mode == STS_MODE_UNSET) {
		out->result = VERDICT_POLICY_ERROR;
		out->reasons = REASON_STS_POLICY_INVALID;
		return;
	}
	out->reasons = session_reasons(tls_version, mx_name, cert, pv->policy);
	out->result = out->reasons != 0 ? VERDICT_WOULD_FAIL : VERDICT_PASS;
}

const char *
verdict_result_name(enum verdict_result result)
{
	switch (result) {
	case VERDICT_PASS:
		return "pass";
	case VERDICT_WOULD_FAIL:
		return "would-fail";
	case VERDICT_NO_POLICY:
		return "no-policy";
	case VERDICT_POLICY_ERROR:
		return "policy-error";
	case VERDICT_PENDING:
		return "pending";
	}
	return "unknown";
}

const char *
verdict_mode_name(const struct verdict *v)
{
	return v->mode == STS_MODE_UNSET ? "unknown" : sts_mode_name(v->mode);
}

const char *
verdict_reason_name(unsigned bit)
{
	size_t	i;

	for (i = 0; i < REASON_COUNT; i++)
		if (bit == 1u << i)
			return reason_names[i];
	return NULL;
}

/*
 * Names are appended whole or not at all: a truncated name would read as
 * a different (or unknown) reason to a script matching on it.
 */
char *
verdict_reasons_format(unsigned reasons, char *buf, size_t size)
{
	size_t	i, len = 0, n, sep;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < REASON_COUNT; i++) {
		if ((reasons & (1u << i)) == 0)
			continue;
		sep = len > 0;
		n = strlen(reason_names[i]);
		if (len + sep + n >= size)
			break;
		if (sep)
			buf[len++] = ',';
		memcpy(buf + len, reason_names[i], n);
		len += n;
		buf[len] = '\0';
	}
	return buf;
}

const char *
policy_source_name(enum policy_source source)
{
	switch (source) {
	case POLICY_SOURCE_PUBLISHED:
		return "published";
	case POLICY_SOURCE_CACHED:
		return "cached";
	case POLICY_SOURCE_DRAFT:
		return "draft";
	}
	return "unknown";
}
