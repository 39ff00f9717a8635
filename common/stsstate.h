/*
 * stsstate.h - what "mtasts-check domain --state-dir" remembers about a
 * domain from one run to the next, and the publisher mistakes that only a
 * comparison with an earlier run can show (RFC 8461 8.1, 8.3):
 *   - the policy body changed but the TXT id did not (senders keep the old
 *     policy);
 *   - the MX set changed but the policy did not;
 *   - the TXT record was removed while policies served earlier are still
 *     in senders' caches;
 *   - max_age was lowered (what senders cached keeps its old lifetime).
 *
 * Each policy seen (id and body hash) is kept with the last time it was
 * served and its max_age: the earliest safe removal date is the latest
 * last_seen + max_age. The comparison is pure; load and save do file I/O
 * (one JSON file per domain, written atomically).
 */
#ifndef MTASTS_STSSTATE_H
#define MTASTS_STSSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "record.h"
#include "resolve.h"

#define STSSTATE_POLICIES_MAX	32	/* policies remembered per domain */
#define STSSTATE_HASH_LEN	65	/* SHA-256 in hex + NUL */

struct stsstate_policy {
	char		 id[STS_ID_MAX + 1];
	char		 hash[STSSTATE_HASH_LEN];
	uint64_t	 max_age;
	long long	 last_seen;	/* last run that fetched it */
};

/* One run's observation; also the "last run" part of the state. */
struct stsstate_obs {
	long long	 when;
	int		 txt_present;	/* a valid _mta-sts record */
	char		 id[STS_ID_MAX + 1];
	int		 policy_ok;	/* the policy was fetched and parsed */
	char		 hash[STSSTATE_HASH_LEN];
	uint64_t	 max_age;
	int		 mx_ok;		/* the MX RRset was read */
	char		 mx[RESOLVE_MX_MAX][RESOLVE_NAME_MAX];	/* sorted */
	size_t		 mx_count;
};

struct stsstate {
	int		 has_last;	/* last holds an earlier run */
	struct stsstate_obs last;
	struct stsstate_policy policies[STSSTATE_POLICIES_MAX];
	size_t		 policy_count;
};

/* What changed between the state and this run (stsstate_compare). */
struct stsstate_change {
	int		 body_changed_same_id;
	int		 mx_changed_same_policy;
	char		 mx_added[RESOLVE_NAME_MAX];	/* first one, "" if none */
	char		 mx_removed[RESOLVE_NAME_MAX];
	int		 txt_removed;
	int		 max_age_lowered;
	uint64_t	 max_age_before;	/* largest still-cached max_age */
	long long	 cached_until;		/* stsstate_removal_date */
};

/* Sort and deduplicate obs->mx (lower case expected). */
void	stsstate_obs_sort_mx(struct stsstate_obs *);
/* SHA-256 of the body in hex into hash (STSSTATE_HASH_LEN). 0 or -1. */
int	stsstate_hash(const char *body, size_t len, char *hash);
/* Latest last_seen + max_age over the policies; 0 when none. */
long long stsstate_removal_date(const struct stsstate *);
void	stsstate_compare(const struct stsstate *, const struct stsstate_obs *,
	    struct stsstate_change *);
/* Record this run: last = obs, the policy's last_seen refreshed. */
void	stsstate_update(struct stsstate *, const struct stsstate_obs *);

/*
 * dir/mtasts-check.DOMAIN.json. Load returns 1 when read, 0 when there is
 * no file yet (st empty), -1 when it is unreadable or corrupt (err says
 * which; st empty): a corrupt file is renamed to *.corrupt-TIME, an
 * unreadable one is kept, and save then refuses to replace it. Save
 * returns 0 or -1 with err.
 */
int	stsstate_load(const char *dir, const char *domain, struct stsstate *,
	    char *err, size_t errlen);
int	stsstate_save(const char *dir, const char *domain,
	    const struct stsstate *, char *err, size_t errlen);

#endif
