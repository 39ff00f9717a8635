/*
 * domain_rules.h - the judgements of "mtasts-check domain" that need no
 * network: status ordering, MX coverage with typo hints, certificate and
 * STARTTLS findings, max_age guidance and the run-to-run comparison. Kept
 * apart from check_domain.c (which does the lookups) so that the unit tests
 * can drive every rule with made-up inputs.
 */
#ifndef MTASTS_DOMAIN_RULES_H
#define MTASTS_DOMAIN_RULES_H

#include <stddef.h>
#include <time.h>

#include "diag.h"
#include "policy.h"
#include "stsstate.h"
#include "tlsprobe.h"

/* Ordered by severity; skip (a prerequisite failed) sits below warn. */
enum rule_status {
	RULE_PASS = 0,
	RULE_SKIP,
	RULE_WARN,
	RULE_FAIL
};

#define RULE_MSG_MAX		1024
#define RULE_EXPIRY_WARN_DAYS	14	/* warn when a certificate is closer */
#define RULE_TYPO_DISTANCE_MAX	3	/* edits that still look like a typo */

const char *rule_status_name(enum rule_status);
/* The verdict of a run: the worst status, skip counting as pass. */
enum rule_status rule_verdict(const enum rule_status *, size_t n);

/* Levenshtein distance, -1 when a string is longer than 253 bytes. */
int	rule_edit_distance(const char *a, const char *b);
/*
 * The MX host a pattern was most likely meant for: the index of the host
 * closest by edit distance (for "*.x" the host's parent domain is compared
 * with "x"), or -1 when none is within RULE_TYPO_DISTANCE_MAX.
 */
long	rule_closest_host(const char *pattern, const char *const *hosts,
	    size_t n, int *distance);
/*
 * mx-coverage: every host matched by a pattern, every pattern matching a
 * host. msg gets the findings (uncovered hosts first, then unused
 * patterns with the closest host).
 */
enum rule_status rule_mx_coverage(const struct sts_policy *,
	    const char *const *hosts, size_t n, char *msg, size_t size);

/* Certificate findings of a probe for its host (policy host or MX). */
enum rule_status rule_certificate(const struct tlsprobe_result *, time_t now,
	    char *msg, size_t size);
/* mx-tls: STARTTLS, versions, SNI fallback and the certificate. */
enum rule_status rule_mx_tls(const struct tlsprobe_result *, time_t now,
	    char *msg, size_t size);

/*
 * max-age: the parser's max_age diagnostics (codes policy-max-age-* and
 * policy-missing-max-age) plus the removal advice for mode none.
 */
enum rule_status rule_max_age(const struct sts_policy *,
	    const struct diag_list *, char *msg, size_t size);
/* 1 when a diagnostic code belongs to the max-age check. */
int	rule_is_max_age_code(const char *code);
/*
 * sts-record and policy-syntax when only the lenient senders in the mask
 * (LENIENT_* bits, not 0) accept what is published: which senders ignore
 * it. Always a fail: strict senders then deliver without MTA-STS, and the
 * fix is on the publisher's side. what: "record" or "policy".
 */
enum rule_status rule_lenient_only(unsigned lenient, const char *what,
	    char *msg, size_t size);

/* change: what the comparison with the last run found. */
enum rule_status rule_change(const struct stsstate *,
	    const struct stsstate_obs *, const struct stsstate_change *,
	    int mx_covered, char *msg, size_t size);

/* Append "; " (unless msg is empty) and a formatted text, bounded. */
void	rule_append(char *msg, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
