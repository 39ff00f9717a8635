/*
 * stsplan.h - when policy discovery looks at a domain again, and whether it
 * fetches the policy then: the schedule around the sender cache rules of
 * stscache, as pure functions of the cache, the failure count and a clock
 * passed in, so that it can be tested with a fake clock.
 *
 * The TXT record is checked every refresh_interval (plus the caller's
 * jitter), and sooner when a cached policy expires or a failed fetch of
 * the current id is due for a retry: 5 minutes after the first failure,
 * then 10, 20, 40 and at most 80 minutes (RFC 8461 3.3 sets the 5-minute
 * minimum). An unchanged id is refetched when the cached copy has lived
 * half its max_age, at most a day. A reload that lowers refresh_interval
 * brings checks planned further out than the new interval forward.
 */
#ifndef MTASTS_STSPLAN_H
#define MTASTS_STSPLAN_H

#include <stdint.h>
#include <time.h>

#include "stscache.h"

#define STSPLAN_REVALIDATE	86400	/* refetch an unchanged id daily */
#define STSPLAN_BACKOFF_MAX	4	/* 5 min << 4 = 80 min */
#define STSPLAN_NEVER	((time_t)INT64_MAX)	/* an at[] never due */

/* After failures failed fetches of an id in a row: 300, 600 ... 4800 s. */
time_t	stsplan_retry_after(unsigned failures);
/* 1 when the policy should be fetched now, after the TXT check at now. */
int	stsplan_fetch_now(const struct stscache *, unsigned failures,
	    time_t now);
/*
 * When to check the TXT record next, after a check at now: now + interval
 * + jitter, or earlier when the cached policy expires or a retry of a
 * failed fetch is due.
 */
time_t	stsplan_next_check(const struct stscache *, unsigned failures,
	    time_t now, long interval, long jitter);
/*
 * After a reload to refresh_interval interval: a check planned for
 * next_check later than now + interval comes forward to now + spread (the
 * caller's random 0 .. interval, so that the checks brought forward do
 * not all fall due in the same second); any other stays where it is.
 */
time_t	stsplan_rescheduled(time_t next_check, time_t now, long interval,
	    long spread);
/*
 * Which checks to start with k workers free: the indexes of up to k of the
 * n times at[] that are due (at or before now), earliest first (a tie: the
 * lower index first), into out. Returns how many. When more are due than
 * workers can take, the longest overdue go first, so that no domain waits
 * behind others checked since (the table's order would starve its end).
 */
size_t	stsplan_pick_due(const time_t *at, size_t n, time_t now, size_t k,
	    size_t *out);

#endif
