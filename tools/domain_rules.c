/*
 * domain_rules.c - the network-free judgements of "mtasts-check domain"
 * (see domain_rules.h). Every function turns facts into one status and
 * one line of text that says what was seen and how to fix it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domain_rules.h"
#include "leniency.h"
#include "mxmatch.h"
#include "utctime.h"

#define DAY		86400ULL

static const char *const status_names[] = { "pass", "skip", "warn", "fail" };

const char *
rule_status_name(enum rule_status st)
{
	return st <= RULE_FAIL ? status_names[st] : "fail";
}

enum rule_status
rule_verdict(const enum rule_status *st, size_t n)
{
	enum rule_status worst = RULE_PASS;
	size_t i;

	for (i = 0; i < n; i++)
		if (st[i] != RULE_SKIP && st[i] > worst)
			worst = st[i];
	return worst;
}

void
rule_append(char *msg, size_t size, const char *fmt, ...)
{
	size_t len = strlen(msg);
	va_list ap;

	if (len + 2 >= size)
		return;
	if (len > 0) {
		memcpy(msg + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(msg + len, size - len, fmt, ap);
	va_end(ap);
}

static enum rule_status
worse(enum rule_status a, enum rule_status b)
{
	return a > b ? a : b;
}

/* ---- MX coverage ------------------------------------------------------ */

int
rule_edit_distance(const char *a, const char *b)
{
	int row[DOMAIN_MAX_LEN + 1], diag, up, i, j, la, lb, cost;

	la = (int)strlen(a);
	lb = (int)strlen(b);
	if (la > DOMAIN_MAX_LEN || lb > DOMAIN_MAX_LEN)
		return -1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			row[j] = diag + cost;
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

long
rule_closest_host(const char *pattern, const char *const *hosts, size_t n,
    int *distance)
{
	const char *want = pattern, *have;
	long best = -1;
	int d, best_d = RULE_TYPO_DISTANCE_MAX + 1;
	size_t i;

	if (strncmp(pattern, "*.", 2) == 0)
		want = pattern + 2;
	for (i = 0; i < n; i++) {
		have = hosts[i];
		/* "*.x" stands for one label under x: compare the parents. */
		if (want != pattern && (have = strchr(hosts[i], '.')) != NULL)
			have++;
		if (have == NULL)
			continue;
		d = rule_edit_distance(want, have);
		if (d >= 0 && d < best_d) {
			best_d = d;
			best = (long)i;
		}
	}
	if (distance != NULL)
		*distance = best >= 0 ? best_d : -1;
	return best;
}

static int
pattern_used(const char *pattern, const char *const *hosts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mx_match(pattern, hosts[i]))
			return 1;
	return 0;
}

static enum rule_status
unused_patterns(const struct sts_policy *policy, const char *const *hosts,
    size_t n, char *msg, size_t size)
{
	enum rule_status st = RULE_PASS;
	long near;
	size_t i;
	int d;

	for (i = 0; i < policy->mx_count; i++) {
		if (pattern_used(policy->mx[i], hosts, n))
			continue;
		st = RULE_WARN;
		near = rule_closest_host(policy->mx[i], hosts, n, &d);
		if (near >= 0)
			rule_append(msg, size, "pattern \"%s\" matches no MX "
			    "host: a typo of %s (%d edit%s)? fix the mx line",
			    policy->mx[i], hosts[near], d, d == 1 ? "" : "s");
		else
			rule_append(msg, size, "pattern \"%s\" matches no MX "
			    "host: remove it or add the MX record",
			    policy->mx[i]);
	}
	return st;
}

enum rule_status
rule_mx_coverage(const struct sts_policy *policy, const char *const *hosts,
    size_t n, char *msg, size_t size)
{
	enum rule_status st = RULE_PASS;
	size_t i;

	msg[0] = '\0';
	for (i = 0; i < n; i++) {
		if (policy_match_mx(policy, hosts[i]) >= 0)
			continue;
		st = RULE_FAIL;
		rule_append(msg, size, "MX %s matches no mx pattern: senders "
		    "enforcing the policy refuse it; add \"mx: %s\"", hosts[i],
		    hosts[i]);
	}
	st = worse(st, unused_patterns(policy, hosts, n, msg, size));
	/* Under mode none no sender applies the list: information only. */
	if (policy->mode == STS_MODE_NONE && st != RULE_PASS) {
		rule_append(msg, size, "(mode none: no sender applies the mx "
		    "list now)");
		return RULE_PASS;
	}
	if (st == RULE_PASS)
		snprintf(msg, size, "%zu MX host%s, each matched by a pattern; "
		    "every pattern matches an MX host", n, n == 1 ? "" : "s");
	return st;
}

/* ---- certificates and STARTTLS --------------------------------------- */

static enum rule_status
cert_problems(const struct tlsprobe_result *r, char *msg, size_t size)
{
	const struct cert_health *h = &r->cert.health;
	char date[UTCTIME_DATE_LEN];

	if (h->expired)
		rule_append(msg, size, "certificate expired on %s: renew it",
		    utctime_format_date(r->cert.not_after, date, sizeof(date)));
	if (h->host_mismatch && r->san_missing)
		rule_append(msg, size, "certificate has no subjectAltName "
		    "(CN only): senders ignore the CN; reissue it with "
		    "DNS:%s", r->host);
	else if (h->host_mismatch)
		rule_append(msg, size, "no subjectAltName matches %s: "
		    "reissue the certificate with DNS:%s", r->host, r->host);
	if (h->not_trusted)
		rule_append(msg, size, "chain not trusted (%s): use a public "
		    "CA and serve the intermediates", r->cert.detail);
	return h->expired || h->host_mismatch || h->not_trusted ?
	    RULE_FAIL : RULE_PASS;
}

enum rule_status
rule_certificate(const struct tlsprobe_result *r, time_t now, char *msg,
    size_t size)
{
	char date[UTCTIME_DATE_LEN];
	long days;

	if (!r->cert_judged) {
		rule_append(msg, size, "certificate not judged: %s",
		    r->cert.error[0] != '\0' ? r->cert.error :
		    "no certificate received");
		return RULE_FAIL;
	}
	if (cert_problems(r, msg, size) == RULE_FAIL)
		return RULE_FAIL;
	days = tlsprobe_days_left(r->cert.not_after, now);
	utctime_format_date(r->cert.not_after, date, sizeof(date));
	if (days < RULE_EXPIRY_WARN_DAYS) {
		rule_append(msg, size, "certificate expires in %ld day%s (%s): "
		    "renew it now", days, days == 1 ? "" : "s", date);
		return RULE_WARN;
	}
	rule_append(msg, size, "certificate trusted for %s, expires in %ld "
	    "days (%s)", r->host, days, date);
	return RULE_PASS;
}

static enum rule_status
versions(const struct tlsprobe_result *r, char *msg, size_t size)
{
	if (r->tls13.ok && r->tls12.ok) {
		rule_append(msg, size, "STARTTLS with TLSv1.3 and TLSv1.2");
		return RULE_PASS;
	}
	if (!r->tls13.ok && !r->tls12.ok) {
		rule_append(msg, size, "no TLS 1.2 or 1.3 handshake (%s): "
		    "senders require TLS 1.2 or later (RFC 8461 7.2)",
		    r->tls12.error);
		return RULE_FAIL;
	}
	if (!r->tls13.ok)
		rule_append(msg, size, "TLS 1.3 refused (%s), TLS 1.2 works: "
		    "enable TLS 1.3", r->tls13.error);
	else
		rule_append(msg, size, "TLS 1.2 refused (%s), only TLS 1.3 "
		    "works: senders without TLS 1.3 fail; enable TLS 1.2",
		    r->tls12.error);
	return RULE_WARN;
}

static enum rule_status
fallback(const struct tlsprobe_result *r, char *msg, size_t size)
{
	if (r->no_sni.ok)
		return RULE_PASS;
	rule_append(msg, size, "handshake without SNI fails (%s): serve a "
	    "default certificate (RFC 8461 7.1)", r->no_sni.error);
	return RULE_WARN;
}

static void
legacy(const struct tlsprobe_result *r, char *msg, size_t size)
{
	if (r->tls10.ok || r->tls11.ok)
		rule_append(msg, size, "still accepts %s%s%s (information: "
		    "MTA-STS senders use 1.2 or later)",
		    r->tls10.ok ? "TLSv1" : "",
		    r->tls10.ok && r->tls11.ok ? " and " : "",
		    r->tls11.ok ? "TLSv1.1" : "");
}

enum rule_status
rule_mx_tls(const struct tlsprobe_result *r, time_t now, char *msg,
    size_t size)
{
	enum rule_status st;

	msg[0] = '\0';
	if (!r->reached) {
		rule_append(msg, size, "%s: senders treat this MX as "
		    "unreachable", r->error[0] != '\0' ? r->error :
		    "no SMTP answer");
		return RULE_FAIL;
	}
	if (!r->starttls_offered) {
		rule_append(msg, size, "STARTTLS not offered: senders "
		    "enforcing the policy refuse this MX; enable TLS (Postfix: "
		    "smtpd_tls_security_level = may)");
		return RULE_FAIL;
	}
	st = versions(r, msg, size);
	if (r->tls13.ok || r->tls12.ok)
		st = worse(st, rule_certificate(r, now, msg, size));
	st = worse(st, fallback(r, msg, size));
	legacy(r, msg, size);
	rule_append(msg, size, "via %s", r->peer);
	return st;
}

/* ---- max_age ------------------------------------------------------------ */

int
rule_is_max_age_code(const char *code)
{
	return strncmp(code, "policy-max-age", 14) == 0 ||
	    strcmp(code, "policy-missing-max-age") == 0;
}

enum rule_status
rule_lenient_only(unsigned lenient, const char *what, char *msg, size_t size)
{
	char names[96];

	msg[0] = '\0';
	rule_append(msg, size, "strict senders (RFC 8461 grammar, e.g. mox) "
	    "ignore this %s and deliver without MTA-STS; only lenient ones "
	    "(%s) apply it; how Microsoft's and Google's senders read it is "
	    "not known", what, leniency_senders_text(lenient, names,
	    sizeof(names)));
	return RULE_FAIL;
}

enum rule_status
rule_max_age(const struct sts_policy *policy, const struct diag_list *diags,
    char *msg, size_t size)
{
	enum rule_status st = RULE_PASS;
	const struct diag *d;
	size_t i;

	msg[0] = '\0';
	for (i = 0; i < diags->count; i++) {
		d = &diags->items[i];
		if (!rule_is_max_age_code(d->code))
			continue;
		st = worse(st, d->severity == DIAG_ERROR ? RULE_FAIL :
		    RULE_WARN);
		rule_append(msg, size, "%s", d->message);
	}
	if (policy->mode == STS_MODE_NONE && policy->has_max_age &&
	    policy->max_age > DAY) {
		st = worse(st, RULE_WARN);
		rule_append(msg, size, "mode none with max_age %llu: during a "
		    "removal use a small max_age such as 86400, so that it "
		    "ends sooner", (unsigned long long)policy->max_age);
	}
	if (st == RULE_PASS && policy->has_max_age)
		snprintf(msg, size, "max_age %llu (%llu day%s) suits mode %s "
		    "(testing: about 86400; enforce: 604800 to 1209600; at "
		    "most 31557600)", (unsigned long long)policy->max_age,
		    (unsigned long long)(policy->max_age / DAY),
		    policy->max_age / DAY == 1 ? "" : "s",
		    sts_mode_name(policy->mode));
	return st;
}

/* ---- change since the last run ------------------------------------------ */

static void
mx_change(const struct stsstate_change *ch, char *msg, size_t size)
{
	const char *added = ch->mx_added, *removed = ch->mx_removed;

	rule_append(msg, size, "MX set changed since the last run (%s%s%s%s%s) "
	    "while the policy stayed the same", *added ? "added " : "", added,
	    *added && *removed ? ", " : "", *removed ? "removed " : "",
	    removed);
}

enum rule_status
rule_change(const struct stsstate *st, const struct stsstate_obs *obs,
    const struct stsstate_change *ch, int mx_covered, char *msg, size_t size)
{
	enum rule_status status = RULE_PASS;
	char last[UTCTIME_STAMP_LEN], until[UTCTIME_STAMP_LEN];

	msg[0] = '\0';
	if (!st->has_last) {
		snprintf(msg, size, "first run: state recorded for the next "
		    "comparison");
		return RULE_PASS;
	}
	utctime_format_stamp(st->last.when, last, sizeof(last));
	utctime_format_stamp(ch->cached_until, until, sizeof(until));
	if (ch->body_changed_same_id) {
		status = RULE_FAIL;
		rule_append(msg, size, "policy body changed since %s but the "
		    "TXT id is still %s: senders keep the old policy; publish "
		    "a new id", last, obs->id);
	}
	if (ch->txt_removed && ch->cached_until > obs->when) {
		status = worse(status, RULE_WARN);
		rule_append(msg, size, "TXT record removed while senders "
		    "still cache earlier policies: the earliest safe removal "
		    "is %s; publish mode none with a new id and keep serving "
		    "it until then", until);
	} else if (ch->txt_removed)
		rule_append(msg, size, "TXT record removed after every "
		    "policy served expired (%s)", until);
	if (ch->mx_changed_same_policy) {
		if (!mx_covered)
			status = worse(status, RULE_WARN);
		mx_change(ch, msg, size);
		rule_append(msg, size, mx_covered ? "the patterns still "
		    "cover every MX" : "update the mx lines and publish a "
		    "new id");
	}
	if (ch->max_age_lowered) {
		status = worse(status, RULE_WARN);
		rule_append(msg, size, "max_age lowered from %llu to %llu: "
		    "senders that cached the earlier policy keep it until %s",
		    (unsigned long long)ch->max_age_before,
		    (unsigned long long)obs->max_age, until);
	}
	if (msg[0] == '\0')
		snprintf(msg, size, "consistent with the run of %s", last);
	return status;
}
