/*
 * discovery.h - live MTA-STS policy discovery for the milter: the recipient
 * domains it tracks, the background thread that looks up their _mta-sts
 * TXT records and fetches their policies as a sender would (RFC 8461 3),
 * and the hand-over of what it learnt to the store.
 *
 * Domains come from the "domains" key (and drafts), or, when that list is
 * empty, from recipients seen in traffic: at most max_domains of them, the
 * least recently used one going first, and new names looked up at a bounded
 * rate so that random recipient domains cannot make the milter flood DNS
 * (the table and those bounds are domtable's).
 * Each domain's TXT record is checked every refresh_interval (with jitter);
 * the policy is fetched when the id changes, when the cached copy has lived
 * half its max_age (at most a day), and again after failures: 5 minutes
 * after the first, then backing off to 80 (stsplan). Up to
 * DISCOVERY_WORKERS domains are looked up at once, so that a slow DNS
 * server or policy host delays only its own domains; when more are due
 * than the workers can take, the longest overdue go first. The sender cache
 * rules themselves are in stscache; the state survives restarts through
 * statefile.
 */
#ifndef MTASTS_DISCOVERY_H
#define MTASTS_DISCOVERY_H

#include "conf.h"
#include "store.h"

#define DISCOVERY_SAVE_SECONDS	5	/* least time between state file writes */
#define DISCOVERY_DNS_TIMEOUT_MS 2000	/* per try; two tries per query */
#define DISCOVERY_WORKERS	16	/* domains looked up at once, at most */

struct discovery;

/* What it finds goes to msg.h, never with a lock held that callbacks take. */
struct discovery *discovery_new(struct store *);
/*
 * Use conf from now on (start and every reload): domains, dns_servers,
 * ca_file, connect_to, refresh_interval, max_domains, fetch_timeout. The
 * thread applies it at its next turn. Takes its own reference.
 */
void	discovery_configure(struct discovery *, struct conf *);
/*
 * Load the state saved in state_dir, hand it to the store and start the
 * thread. Returns 0, or -1 when the thread cannot be created.
 */
int	discovery_start(struct discovery *);
/*
 * Note that traffic for domain (lower case) was evaluated: it becomes the
 * most recently used, and an unknown one is queued for lookup. Only memory
 * work under a short mutex: safe in a milter callback.
 */
void	discovery_want(struct discovery *, const char *domain);
/* Stop the threads (abandoning fetches in progress), save, free. */
void	discovery_free(struct discovery *);

#endif
