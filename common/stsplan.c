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

time_t
stsplan_rescheduled(time_t next_check, time_t now, long interval, long spread)
{
	if (next_check <= now + interval)
		return next_check;
	if (spread < 0)
		spread = 0;
	if (spread > interval)
		spread = interval;
	return now + spread;
}

/* (at, index) of a before b. */
static int
due_before(const time_t *at, size_t a, size_t b)
{
	return at[a] < at[b] || (at[a] == at[b] && a < b);
}

static void
swap_index(size_t *x, size_t *y)
{
	size_t	t = *x;

	*x = *y;
	*y = t;
}

/* out[0..len) is a heap with the latest (at, index) on top: sift out[0]. */
static void
sift_down(const time_t *at, size_t *out, size_t len)
{
	size_t	i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= len)
			return;
		if (c + 1 < len && due_before(at, out[c], out[c + 1]))
			c++;
		if (!due_before(at, out[i], out[c]))
			return;
		swap_index(&out[i], &out[c]);
		i = c;
	}
}

/*
 * One pass with a heap of the k earliest seen so far (the latest of them
 * on top, replaced by anything earlier): O(n log k), then the heap is
 * emptied into order.
 */
size_t
stsplan_pick_due(const time_t *at, size_t n, time_t now, size_t k,
    size_t *out)
{
	size_t	i, len = 0, p;

	if (k == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (at[i] > now)
			continue;
		if (len < k) {
			out[len] = i;
			/* sift up */
			for (p = len++; p > 0 && due_before(at, out[(p - 1) / 2],
			    out[p]); p = (p - 1) / 2)
				swap_index(&out[p], &out[(p - 1) / 2]);
		} else if (due_before(at, i, out[0])) {
			out[0] = i;
			sift_down(at, out, len);
		}
	}
	/* Heap sort in place: the latest goes to the end each time. */
	for (i = len; i > 1; i--) {
		swap_index(&out[0], &out[i - 1]);
		sift_down(at, out, i - 1);
	}
	return len;
}
