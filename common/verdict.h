/*
 * verdict.h - evaluate one inbound session against one recipient domain's
 * MTA-STS policy, as a conforming sender in enforce mode would (DESIGN.md 6).
 *
 * Pure function of its inputs: no I/O, no clock, no global state.
 */
#ifndef MTASTS_VERDICT_H
#define MTASTS_VERDICT_H

#include <stddef.h>

#include "policy.h"

enum verdict_result {
	VERDICT_PASS = 0,
	VERDICT_WOULD_FAIL,
	VERDICT_NO_POLICY,
	VERDICT_POLICY_ERROR,
	/* Discovery has not answered yet: nothing to judge (no header). */
	VERDICT_PENDING
};

/* Reason bits; verdict_reason_name() gives the contract names, in this order. */
#define REASON_STARTTLS_NOT_SUPPORTED	0x001u
#define REASON_TLS_VERSION		0x002u
#define REASON_MX_MISMATCH		0x004u
#define REASON_CERT_HOST_MISMATCH	0x008u
#define REASON_CERT_EXPIRED		0x010u
#define REASON_CERT_NOT_TRUSTED		0x020u
#define REASON_STS_POLICY_FETCH_ERROR	0x040u
#define REASON_STS_POLICY_INVALID	0x080u
#define REASON_STS_WEBPKI_INVALID	0x100u
#define REASON_COUNT			9
/* Room for every reason name, comma-separated, and the NUL. */
#define VERDICT_REASONS_BUFSIZE		192

enum policy_source {
	POLICY_SOURCE_PUBLISHED = 0,
	POLICY_SOURCE_CACHED,
	POLICY_SOURCE_DRAFT
};

/*
 * What the evaluation knows about the certificate served for an MX name:
 * the flags are meaningful only when known is set (unknown = no finding).
 */
struct cert_health {
	int	known;
	int	expired;
	int	host_mismatch;
	int	not_trusted;
};

/*
 * The policy that applies to a recipient domain. policy == NULL with
 * error_reasons == 0 means no policy; policy == NULL with error_reasons set
 * (REASON_STS_*) means announced but unusable and nothing valid cached.
 */
struct policy_view {
	const struct sts_policy	*policy;
	const char		*id;
	enum policy_source	 source;
	unsigned		 error_reasons;
};

struct verdict {
	enum verdict_result	result;
	unsigned		reasons;	/* REASON_* bits */
	enum sts_mode		mode;		/* mode applied (UNSET without policy) */
};

/* What the MTA's {tls_version} says about the session. */
enum tls_version_class {
	TLS_VERSION_NONE = 0,	/* NULL or "": plaintext */
	TLS_VERSION_OK,		/* TLS 1.2 or later */
	TLS_VERSION_OLD,	/* older, or a value not known (not ok) */
	TLS_VERSION_UNKNOWN	/* TLS, but the value does not say which */
};

/*
 * tls_version: the MTA's {tls_version} ("TLSv1", "TLSv1.1", "TLSv1.2",
 * "TLSv1.3", ...), NULL or "" for a plaintext session; a value of class
 * TLS_VERSION_UNKNOWN gives no tls-version reason. mx_name: the MX name
 * the sender reached (NULL when unknown: counts as a mismatch). cert may be
 * NULL (unknown).
 */
void	verdict_eval(const char *tls_version, const char *mx_name,
	    const struct cert_health *cert, const struct policy_view *pv,
	    struct verdict *out);
enum tls_version_class tls_version_class(const char *tls_version);
/* 1 when the version is TLS 1.2 or later, 0 otherwise. */
int	tls_version_ok(const char *tls_version);
const char *verdict_result_name(enum verdict_result);
/* The policy mode judged with; "unknown" without a policy (policy-error). */
const char *verdict_mode_name(const struct verdict *);
/* Name of a single REASON_* bit, NULL for anything else. */
const char *verdict_reason_name(unsigned bit);
/* Comma-separated reason names into buf (bounded); returns buf. */
char	*verdict_reasons_format(unsigned reasons, char *buf, size_t size);
const char *policy_source_name(enum policy_source);

#endif
