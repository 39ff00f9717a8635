/*
 * stscache.c - sender cache semantics for one policy domain.
 *
 * See stscache.h for the rules. Every transition takes "now" from the caller
 * so that the refresher, the persistence code and the tests share one clock.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stscache.h"

void
stscache_init(struct stscache *c)
{
	memset(c, 0, sizeof(*c));
}

void
stscache_free(struct stscache *c)
{
	policy_free(&c->policy);
	memset(c, 0, sizeof(*c));
}

static void
copy_id(char *dst, const char *id)
{
	snprintf(dst, STS_ID_MAX + 1, "%s", id != NULL ? id : "");
}

void
stscache_observe_txt(struct stscache *c, enum txt_outcome txt, const char *id,
    unsigned lenient, time_t now)
{
	c->txt = txt;
	copy_id(c->txt_id, txt == TXT_VALID ? id : "");
	c->txt_lenient = txt == TXT_VALID ? lenient : 0;
	c->txt_checked = now;
}

static int
policy_usable(const struct stscache *c, time_t now)
{
	return c->have_policy && now < c->expires_at;
}

int
stscache_fetch_due(const struct stscache *c, time_t now, time_t refresh_before)
{
	if (c->txt != TXT_VALID)
		return 0;
	if (c->fetch_error != 0 && strcmp(c->failed_id, c->txt_id) == 0 &&
	    now - c->failed_at < STSCACHE_RETRY_SECONDS)
		return 0;
	if (!policy_usable(c, now) || strcmp(c->policy_id, c->txt_id) != 0)
		return 1;
	return now + refresh_before >= c->expires_at;
}

static time_t
expiry(time_t fetched, uint64_t max_age)
{
	/* max_age is at most 10 digits: clamp so time_t cannot overflow. */
	if (max_age > POLICY_MAX_AGE_LIMIT)
		max_age = POLICY_MAX_AGE_LIMIT;
	return fetched + (time_t)max_age;
}

int
stscache_observe_fetch_ok(struct stscache *c, const char *id,
    const struct sts_policy *p, const unsigned char *digest, time_t now)
{
	struct sts_policy copy;
	int same_id;

	same_id = c->have_policy && strcmp(c->policy_id, id) == 0;
	if (same_id && memcmp(c->digest, digest, STSCACHE_DIGEST_LEN) != 0 &&
	    policy_usable(c, now)) {
		/* Senders holding this id do not refetch it: keep their copy. */
		c->body_changed = 1;
		c->body_changed_at = now;
		c->fetch_error = 0;
		return 0;
	}
	if (same_id && memcmp(c->digest, digest, STSCACHE_DIGEST_LEN) == 0) {
		/* The same body again (a changed body may have been reverted). */
		c->fetched_at = now;
		c->expires_at = expiry(now, c->policy.max_age);
		c->fetch_error = 0;
		c->body_changed = 0;
		return 0;
	}
	if (policy_copy(&copy, p) != 0)
		return -1;
	policy_free(&c->policy);
	c->policy = copy;
	c->have_policy = 1;
	copy_id(c->policy_id, id);
	memcpy(c->digest, digest, STSCACHE_DIGEST_LEN);
	c->fetched_at = now;
	c->expires_at = expiry(now, p->max_age);
	c->fetch_error = 0;
	c->body_changed = 0;
	return 0;
}

void
stscache_observe_fetch_failure(struct stscache *c, const char *id,
    unsigned reason, const char *text, time_t now)
{
	c->fetch_error = reason;
	copy_id(c->failed_id, id);
	c->failed_at = now;
	snprintf(c->fetch_error_text, sizeof(c->fetch_error_text), "%s",
	    text != NULL ? text : "");
}

void
stscache_view(const struct stscache *c, time_t now, struct stscache_view *out)
{
	memset(out, 0, sizeof(*out));
	if (policy_usable(c, now)) {
		out->view.policy = &c->policy;
		out->view.id = c->policy_id;
		out->view.source = c->txt == TXT_VALID &&
		    strcmp(c->txt_id, c->policy_id) == 0 ?
		    POLICY_SOURCE_PUBLISHED : POLICY_SOURCE_CACHED;
		out->lenient = c->policy.lenient != 0 ||
		    (c->txt == TXT_VALID && c->txt_lenient != 0);
		return;
	}
	if (c->txt == TXT_UNKNOWN) {
		out->pending = 1;
		out->view.error_reasons = REASON_STS_POLICY_FETCH_ERROR;
		return;
	}
	if (c->txt != TXT_VALID)
		return;		/* no usable record, nothing cached: no policy */
	out->view.id = c->txt_id;
	out->view.source = POLICY_SOURCE_PUBLISHED;
	if (c->fetch_error != 0 && strcmp(c->failed_id, c->txt_id) == 0) {
		out->view.error_reasons = c->fetch_error;
		return;
	}
	out->pending = 1;
	out->view.error_reasons = REASON_STS_POLICY_FETCH_ERROR;
}

const char *
txt_outcome_name(enum txt_outcome t)
{
	switch (t) {
	case TXT_VALID:
		return "valid";
	case TXT_ABSENT:
		return "absent";
	case TXT_INVALID:
		return "invalid";
	case TXT_DNS_FAILURE:
		return "dns-failure";
	default:
		return "unknown";
	}
}
