/*
 * store.h - the policy store: what the milter knows about recipient domains
 * and about the certificates of its own MX names.
 *
 * The knowledge is published as immutable, reference-counted snapshots. A
 * milter callback takes a reference to the current snapshot (a few
 * instructions under a short mutex), reads it without locks and releases it.
 * Anything that learns something new (config load, the certificate
 * re-check thread, live MTA-STS discovery) builds a new snapshot and
 * publishes it; callbacks never change. Builders take turns, so none of
 * them loses what another one published meanwhile.
 */
#ifndef MTASTS_STORE_H
#define MTASTS_STORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "policy.h"
#include "verdict.h"

#define STORE_RECHECK_SECONDS	60	/* certificate file mtime check */
#define STORE_LEARNED_MX_MAX	64	/* MX names learned from traffic */
#define STORE_CERT_NAMES_MAX	256	/* dNSNames kept per configured certificate */

struct store_domain {
	char		*domain;	/* lower case */
	struct sts_policy policy;
	int		 has_policy;
	char		*id;		/* NULL when no TXT id is known yet */
	enum policy_source source;
	unsigned	 error_reasons;	/* REASON_STS_* when no usable policy */
	int		 pending;	/* not looked up or fetched yet */
	int		 body_changed;	/* new body served under the same id */
	int		 lenient;	/* only lenient senders apply it */
	/* For a draft: what discovery found for the domain, or NULL. */
	struct store_domain *published;
};

/*
 * An MX name the milter serves. Its certificate may be judged twice: from
 * tls_cert_file, and by the background probe (mxprobe) from what the MX
 * really serves. The probe wins when it has a result, because that is the
 * chain a sender sees; health is what verdict uses.
 */
struct store_mx {
	char		*name;		/* lower case */
	char		*cert_file;	/* "" when none is configured */
	int		 configured;	/* named by the configuration */
	char		**cert_names;	/* configured: cert_file's dNSNames */
	size_t		 cert_name_count;
	time_t		 cert_mtime;	/* of cert_file when judged */
	struct cert_health file_health;	/* known = 0: no file, unreadable */
	time_t		 file_not_after;
	int		 probed;	/* the probe judged the served chain */
	struct cert_health probe_health;
	time_t		 probe_not_after;
	struct cert_health health;	/* the probe's, else the file's */
	time_t		 not_after;
};

/* One probe judgement of the chain an MX name serves (see mxprobe). */
struct store_probe {
	char		 name[256];	/* lower case */
	struct cert_health health;
	time_t		 not_after;
};

struct store_snapshot {
	atomic_uint	 refs;
	struct conf	*conf;		/* the configuration it was built from */
	struct store_domain *domains;	/* sorted by domain */
	size_t		 domain_count;
	struct store_mx	*mx;		/* sorted by name */
	size_t		 mx_count;
};

struct store;

/* Problems found while judging certificates go to msg_warn (msg.h). */
struct store	*store_new(void);
/* Stop the re-check thread and free everything. */
void		 store_free(struct store *);

/*
 * Build a snapshot from conf (drafts, tls_cert_file for mx_name and each
 * listener), judging the certificates now, and publish it. Takes its own
 * reference to conf. Returns 0, or -1 when out of memory (old one kept).
 */
int		 store_load(struct store *, struct conf *);
/* Start the thread that re-judges certificates whose file changed. */
int		 store_start(struct store *);

/*
 * Replace what discovery knows: n domains with the policy a sender would
 * apply now (published or cached), or why there is none. Drafts from the
 * configuration still win for evaluation; the discovered view of a draft
 * domain goes to its "published" member. Deep-copies everything. Returns 0,
 * or -1 when out of memory (the current snapshot stays).
 */
int		 store_set_discovered(struct store *,
		    const struct store_domain *, size_t n);

/*
 * Replace the probe judgements (n of them, names unique): entries of the
 * snapshot whose name has one use it from now on, the others fall back to
 * tls_cert_file. Returns 0, or -1 when out of memory (the current
 * snapshot stays).
 */
int		 store_set_probed(struct store *, const struct store_probe *,
		    size_t n);

struct store_snapshot *store_acquire(struct store *);
void		 store_release(struct store_snapshot *);
/* Replace the current snapshot (takes over the caller's reference). */
void		 store_publish(struct store *, struct store_snapshot *);

const struct store_domain *snapshot_domain(const struct store_snapshot *,
		    const char *domain);
const struct store_mx *snapshot_mx(const struct store_snapshot *,
		    const char *name);

/* Where an MX name seen in traffic comes from. */
enum store_name_origin {
	STORE_NAME_MTA,		/* the MTA's own name (j): ours */
	STORE_NAME_CLIENT	/* SNI: the sending client chose it */
};

/*
 * Ask for the certificate of an MX name seen in traffic to be judged in the
 * background (from tls_cert_file, and by the probe when probe_interval is
 * set). A name a client chose is taken only when a configured certificate
 * covers it (one of its dNSNames matches), so that clients cannot make the
 * milter probe or judge names that are not ours. Cheap and non-blocking
 * enough for a callback: no I/O, bounded to STORE_LEARNED_MX_MAX names
 * between two reloads and as many queued at once.
 */
void		 store_want_mx(struct store *, const char *name,
		    enum store_name_origin);
/* 1 when a configured certificate of s names (or wildcard-covers) name. */
int		 snapshot_covers(const struct store_snapshot *s,
		    const char *name);

#endif
