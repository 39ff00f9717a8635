/*
 * stscache.h - what a conforming sender knows about one policy domain, and
 * how each DNS and HTTPS observation changes it (RFC 8461 3.1, 3.3, 5.1).
 *
 * Pure state machine with the clock passed in: no I/O, no global state, so
 * the cache rules can be tested exhaustively with a fake clock. The rules:
 *  - a new TXT id means the policy must be fetched again;
 *  - an unexpired cached policy (fetch time + max_age) keeps applying when
 *    DNS fails, the TXT record disappears or becomes invalid, or fetching the
 *    new id fails (source "cached");
 *  - a failed fetch is retried no sooner than 5 minutes later for that id;
 *  - the cached policy is refreshed before it expires;
 *  - a body that changed while the id did not is reported and, while the
 *    cached copy is unexpired, not taken (senders holding it keep it).
 */
#ifndef MTASTS_STSCACHE_H
#define MTASTS_STSCACHE_H

#include <time.h>

#include "policy.h"
#include "record.h"
#include "verdict.h"

#define STSCACHE_RETRY_SECONDS	300	/* RFC 8461 3.3 */
#define STSCACHE_DIGEST_LEN	32	/* SHA-256 of the policy body */

enum txt_outcome {
	TXT_UNKNOWN = 0,	/* not looked up yet */
	TXT_VALID,		/* exactly one valid v=STSv1 record */
	TXT_ABSENT,		/* no record, or no v=STSv1 record */
	TXT_INVALID,		/* several STS records, or a syntax error */
	TXT_DNS_FAILURE		/* server failure or timeout */
};

struct stscache {
	enum txt_outcome txt;
	char		 txt_id[STS_ID_MAX + 1];
	unsigned	 txt_lenient;	/* the valid record needs lenient
					   senders (LENIENT_* bits) */
	time_t		 txt_checked;

	int		 have_policy;
	struct sts_policy policy;
	char		 policy_id[STS_ID_MAX + 1];
	time_t		 fetched_at;	/* last time the policy was served */
	time_t		 expires_at;	/* fetched_at + max_age */
	unsigned char	 digest[STSCACHE_DIGEST_LEN];

	unsigned	 fetch_error;	/* REASON_STS_* of the last failure */
	char		 fetch_error_text[256];
	char		 failed_id[STS_ID_MAX + 1];
	time_t		 failed_at;

	int		 body_changed;	/* same id, different body seen */
	time_t		 body_changed_at;
};

/* What the evaluation sees, plus why there is nothing yet. */
struct stscache_view {
	struct policy_view view;
	int	pending;	/* announced (or unknown) and not fetched yet */
	int	lenient;	/* only lenient senders read the policy or its
				   current record (strict ones do not) */
};

void	stscache_init(struct stscache *);
void	stscache_free(struct stscache *);

/* lenient: the record's sts_record.lenient (0 unless txt is valid). */
void	stscache_observe_txt(struct stscache *, enum txt_outcome,
	    const char *id, unsigned lenient, time_t now);
/*
 * 1 when a fetch should be made now: the TXT record is valid and no usable
 * policy for its id is held (or it expires within refresh_before seconds),
 * and no fetch of that id failed in the last STSCACHE_RETRY_SECONDS.
 */
int	stscache_fetch_due(const struct stscache *, time_t now,
	    time_t refresh_before);
/* A fetch of id returned a valid policy. Returns -1 on allocation failure. */
int	stscache_observe_fetch_ok(struct stscache *, const char *id,
	    const struct sts_policy *, const unsigned char *digest, time_t now);
/* A fetch of id failed with reason (REASON_STS_*), text says why. */
void	stscache_observe_fetch_failure(struct stscache *, const char *id,
	    unsigned reason, const char *text, time_t now);
/* The policy a sender would apply at time now. Points into the cache. */
void	stscache_view(const struct stscache *, time_t now,
	    struct stscache_view *out);
const char *txt_outcome_name(enum txt_outcome);

#endif
