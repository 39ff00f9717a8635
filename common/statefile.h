/*
 * statefile.h - what policy discovery knows, kept across restarts: per
 * domain the sender cache (TXT outcome and id, the last valid policy with
 * its fetch time, expiry and digest, the last fetch error, a body change)
 * and when the domain was last seen in traffic.
 *
 * One JSON file, written atomically (atomicfile.h: mkstemp, fsync, rename,
 * fsync of the directory), so a crash leaves either the old or the new
 * state. A file that cannot be understood is renamed aside with a warning
 * and discovery starts empty: never fatal. A file that cannot be read is
 * reported and left alone (and not replaced) rather than called corrupt.
 */
#ifndef MTASTS_STATEFILE_H
#define MTASTS_STATEFILE_H

#include <stddef.h>
#include <time.h>

#include "stscache.h"

#define STATEFILE_NAME		"policies.json"
#define STATEFILE_DOMAIN_MAX	254	/* 253 octets + NUL */

struct statefile_domain {
	char		 domain[STATEFILE_DOMAIN_MAX];	/* lower case */
	time_t		 last_used;
	struct stscache	 cache;
};

/*
 * Receives one loaded domain. Returning 0 takes over d->cache (its policy);
 * anything else leaves it to the loader, which frees it.
 */
typedef int	statefile_add_fn(void *arg, struct statefile_domain *d);

/*
 * Write the n domains to dir/STATEFILE_NAME. Returns 0, or -1 with err
 * saying what failed (the previous file is then left as it was, as it is
 * when it exists but cannot be read).
 */
int	statefile_save(const char *dir, const struct statefile_domain *const *d,
	    size_t n, time_t now, char *err, size_t errlen);
/*
 * Read dir/STATEFILE_NAME and hand every domain to add. A missing file is
 * an empty state; a corrupt one is renamed to STATEFILE_NAME.corrupt-TIME
 * and reported (msg_warn); an unreadable one is reported and kept.
 * Returns the number of domains handed over.
 */
size_t	statefile_load(const char *dir, time_t now, statefile_add_fn *add,
	    void *arg);

#endif
