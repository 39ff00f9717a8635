/*
 * stsplan.c - the discovery schedule: refresh window, fetch retry backoff
 * and the next TXT check of a domain (see stsplan.h).
 */
#include "config.h"

#include <string.h>

#include "stsplan.h"

/* Seconds before expiry at which the policy is fetched again. */
static time_t
refresh_before(const struct stscache *c)
{
	time_t	life, revalidate;

	if (!c->have_policy)
		return 0;
	life = c->expires_at - c->fetched_at;
	revalidate = life / 2 < STSPLAN_REVALIDATE ? life / 2 :
	    STSPLAN_REVALIDATE;
	return life - revalidate;
}

time_t
stsplan_retry_after(unsigned failures)
{
	unsigned shift = failures > 1 ? failures - 1 : 0;

	if (shift > STSPLAN_BACKOFF_MAX)
		shift = STSPLAN_BACKOFF_MAX;
	return (time_t)STSCACHE_RETRY_SECONDS << shift;
}

/* The last fetch of the current id failed: a retry is to be scheduled. */
static int
retry_pending(const struct stscache *c)
{
	return c->txt == TXT_VALID && c->fetch_error != 0 &&
	    strcmp(c->failed_id, c->txt_id) == 0;
}

int
stsplan_fetch_now(const struct stscache *c, unsigned failures, time_t now)
{
	if (!stscache_fetch_due(c, now, refresh_before(c)))
		return 0;
	/* stscache waits 5 minutes after any failure; past the first, back off. */
	return !retry_pending(c) ||
	    now - c->failed_at >= stsplan_retry_after(failures);
}

time_t
stsplan_next_check(const struct stscache *c, unsigned failures, time_t now,
    long interval, long jitter)
{
	time_t	next = now + interval + jitter, at;

	/* At expiry a sender fetches again: do it then, not an interval late. */
	if (c->have_policy && c->expires_at > now && c->expires_at < next)
		next = c->expires_at;
	if (retry_pending(c)) {
		at = c->failed_at + stsplan_retry_after(failures);
		if (at > now && at < next)
			next = at;
	}
	return next;
}
