/*
 * report_agg.h - the impact report's aggregation: per recipient domain,
 * results by message and session, reasons, daily trend, the sending
 * organisations (and the details of those that would fail), the TLS-RPT
 * buckets, and the readiness verdict. Memory grows with distinct senders
 * and days, never with lines.
 */
#ifndef MTASTS_REPORT_AGG_H
#define MTASTS_REPORT_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "report_map.h"
#include "report_record.h"

#define AGG_LIST_CAP	16	/* IPs, HELOs, TLS versions kept per sender */
#define AGG_EXAMPLES	5	/* malformed lines quoted with file:line */
#define AGG_FILTER_MAX	64	/* --domain arguments */
#define AGG_PTR_CACHE	65536	/* PTR names whose registered domain is kept */
#define AGG_SEEN_CACHE	(1 << 20)	/* sender and PTR pairs kept */

/*
 * One sending organisation as seen by one recipient domain, with the
 * details of its would-fail traffic: allocated only for those that would
 * fail (the slot of dom_stat.orgs counts the others). mail_from and
 * ptr_org point into the aggregate's sender keys; msgs and sessions are
 * filled in by agg_failing.
 */
struct org {
	const char	*mail_from;	/* "" for a null sender or a connection */
	const char	*ptr_org;	/* registered domain of the PTR, "" if none */
	unsigned long	 msgs, wf_msgs;
	unsigned long	 sessions, wf_sessions;
	unsigned	 reasons;
	long long	 first, last;	/* of the would-fail traffic */
	struct strlist	 ips, helos, tls;	/* of the would-fail traffic */
};

/*
 * dom_stat.orgs is keyed by the sender's id in the aggregate (struct
 * agg: senders): a million sender and domain pairs must fit in a few tens
 * of MB and cost no string hashing per recipient domain. Slot n[] holds
 * these counts, the value the struct org (NULL until it would fail).
 */
#define TALLY_MSGS	0
#define TALLY_SESSIONS	1

struct day_stat {
	long long	 day;		/* days since 1970-01-01 */
	unsigned long	 msgs[REC_RESULTS];
	unsigned long	 sessions[REC_RESULTS];
	unsigned long	 reason_msgs[REC_REASONS];	/* messages per reason */
};

/* One TLS-RPT failure-details entry. */
struct rpt_detail {
	const char	*result_type;	/* static */
	char		*ip;
	char		*mx;
	char		*code;		/* failure-reason-code or NULL */
	unsigned long	 count;
};

/* One "policies" entry of one day's TLS-RPT report. */
struct rpt_policy {
	long long	 day;
	int		 has_policy;	/* 0 = policy-type no-policy-found */
	char		*mode;
	char		*id;
	unsigned long	 ok, failed;	/* sessions */
	struct strmap	 details;	/* values: struct rpt_detail */
};

struct dom_stat {
	char		*name;
	unsigned long	 msgs[REC_RESULTS];
	unsigned long	 sessions[REC_RESULTS];
	unsigned long	 rcpts;
	unsigned long	 reason_msgs[REC_REASONS];
	struct idmap	 orgs;		/* sender id: counts, struct org */
	struct day_stat	*days;		/* sorted by day */
	size_t		 ndays, days_cap;
	char		 mode[REC_SHORT_MAX];	/* latest policy seen */
	char		 id[REC_SHORT_MAX];
	char		 source[REC_SHORT_MAX];
	long long	 policy_ts;
	int		 policy_seen;	/* mode, id, source are set */
	struct strmap	 rpt;		/* values: struct rpt_policy */
};

struct malformed {
	char		*file;
	unsigned long	 line;
	char		*why;
};

struct agg {
	long long	 since, until;	/* window [since, until) */
	int		 has_since, has_until;
	char		*filter[AGG_FILTER_MAX];
	size_t		 nfilter;
	int		 want_rpt;	/* collect TLS-RPT buckets */

	unsigned long	 lines, records, malformed, outside, ignored;
	unsigned long	 bare_sessions;	/* connections with no domain */
	struct malformed examples[AGG_EXAMPLES];
	unsigned long	 unreadable;	/* files with a read fault */
	char		*faults[AGG_EXAMPLES];
	long long	 first, last;	/* timestamps seen in the window */
	int		 seen;		/* first and last are set */
	struct strmap	 doms;		/* values: struct dom_stat */
	struct strmap	 ptr_orgs;	/* PTR -> registered domain (a cache) */
	/*
	 * Senders interned once per line: key mail_from '\0' ptr_org (in
	 * the arena keys) -> id (1-based), and id - 1 -> key. seen_from
	 * (mail_from '\0' PTR -> id, a cache of AGG_SEEN_CACHE) skips the
	 * registered-domain step for a client seen before.
	 */
	struct strmap	 senders;
	const char	**sender_key;
	size_t		 nsenders, senders_cap;
	struct strmap	 seen_from;
	struct arena	 keys;
	int		 nomem;
};

enum readiness {
	READY = 0,
	NOT_READY,
	POLICY_BROKEN,
	ENFORCED,
	NO_POLICY
};

struct readiness_verdict {
	enum readiness	 status;
	char		 text[512];
};

void	agg_init(struct agg *);
void	agg_free(struct agg *);
/* An empty aggregate with model's window and filters (shared, not owned). */
void	agg_init_like(struct agg *, const struct agg *model);
/*
 * Move everything from into a as if from's lines had followed a's:
 * from's malformed-line numbers are shifted by line_offset. from must come
 * from agg_init_like(..., a); it is left empty and freed. -1 only when
 * memory runs out (a->nomem is set).
 */
int	agg_merge(struct agg *a, struct agg *from, unsigned long line_offset);
/* Free one value of each map (for report_agg_merge.c). */
void	agg_org_free(void *);
void	agg_detail_free(void *);
void	agg_rpt_free(void *);
void	agg_dom_free(void *);
/* The id of sender key[0..len) (mail_from '\0' ptr_org, in storage that
 * lives as long as a), added when new; 0 when memory runs out. */
uint32_t agg_sender_add(struct agg *a, const char *key, size_t len);
/* Account one decoded record; -1 only when memory runs out. */
int	agg_add(struct agg *, const struct rec *);
/* Count a malformed line; the first AGG_EXAMPLES are kept with file:line. */
void	agg_malformed(struct agg *, const char *file, unsigned long line,
	    const char *why);

/* Note a file that could not be read (whole or in part). */
void	agg_unreadable(struct agg *, const char *why);

/* Domains sorted by name (NULL-terminated array; free it). */
struct dom_stat **agg_domains(const struct agg *, size_t *n);
/* Senders that would fail, largest first (NULL-terminated; free it). */
struct org **agg_failing(const struct dom_stat *, size_t *n);
/* TLS-RPT policy buckets sorted by day then policy (free it). */
struct rpt_policy **agg_rpt_policies(const struct dom_stat *, size_t *n);
/* Failure details of one bucket, largest first (free it). */
struct rpt_detail **agg_rpt_details(const struct rpt_policy *, size_t *n);

unsigned long agg_total(const unsigned long counts[REC_RESULTS]);
/* Percentage part/whole, 0 when whole is 0. */
double	agg_share(unsigned long part, unsigned long whole);
/* Days covered: the window, or the first to the last record. */
long long agg_window_days(const struct agg *);
void	agg_readiness(const struct agg *, const struct dom_stat *,
	    struct readiness_verdict *);
/* The same from the domain's agg_failing list f[0..n) (f not NULL). */
void	agg_readiness_of(const struct agg *, const struct dom_stat *,
	    struct org *const *f, size_t n, struct readiness_verdict *);
const char *agg_readiness_name(enum readiness);
/* "sender.example via mailhost.co.uk", bounded into buf. */
char	*agg_org_label(const struct org *, char *buf, size_t size);
/* Failing senders per reason bit (index i = bit 1u << i). */
void	agg_reason_senders(const struct dom_stat *,
	    unsigned long out[REC_REASONS]);
/* Comma-separated reason names, bounded into buf. */
char	*agg_reasons_text(unsigned bits, char *buf, size_t size);
/* Registered domain of a PTR name by the heuristic in the man page. */
void	agg_registered_domain(const char *ptr, char *out, size_t size);

#endif
