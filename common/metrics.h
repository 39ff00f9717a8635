/*
 * metrics.h - the daemon's own counters (mail seen, verdicts, discovery,
 * JSON log, callback latency), counted where things happen and read by
 * the metrics file writer (metricsfile.h) as a snapshot.
 *
 * Counting is lock-free: every counter is a C11 atomic added to with
 * relaxed order, so the mail path pays one atomic add per event and never
 * waits. Verdicts are counted per recipient domain in a fixed open-address
 * table of METRICS_DOMAIN_SLOTS names (a slot is claimed once, by
 * compare-and-swap, and never given back); a domain that finds no slot
 * within METRICS_PROBE_MAX probes is counted as "other". The counters are
 * process-wide (one daemon per process); nothing here allocates, logs or
 * does I/O except metrics_snapshot(), which runs in the writer's thread.
 */
#ifndef MTASTS_METRICS_H
#define MTASTS_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "stscache.h"
#include "verdict.h"

#define METRICS_DOMAIN_SLOTS	2048	/* recipient domains counted apart */
#define METRICS_PROBE_MAX	64	/* slots looked at for one name */
#define METRICS_DOMAIN_MAX	254	/* bytes of a domain name, with NUL */
#define METRICS_RESULTS		(VERDICT_PENDING + 1)
#define METRICS_LATENCY_BUCKETS	12	/* finite histogram buckets */

/* Plain counters; promtext.c gives each its metric name and labels. */
enum metrics_counter {
	METRIC_SESSIONS = 0,		/* connections closed (no self-probe) */
	METRIC_MESSAGES,		/* messages finished (EOM or abort) */
	METRIC_SKIPPED_AUTHENTICATED,	/* ... not judged: AUTH client */
	METRIC_TXT_VALID,		/* _mta-sts TXT lookups by outcome */
	METRIC_TXT_ABSENT,
	METRIC_TXT_INVALID,
	METRIC_TXT_DNS_FAILURE,
	METRIC_FETCH_OK,		/* policy fetches by outcome */
	METRIC_FETCH_ERROR,
	METRIC_FETCH_POLICY_INVALID,
	METRIC_FETCH_WEBPKI_INVALID,
	METRIC_PROBE_JUDGED,		/* MX self-probes: certificate judged */
	METRIC_PROBE_FAILED,		/* ... or not (connect, STARTTLS) */
	METRIC_JSON_WRITTEN,		/* JSON records that reached the file */
	METRIC_JSON_DROPPED,		/* not queued: queue full, no memory */
	METRIC_JSON_TOO_LONG,		/* not queued: longer than a line may be */
	METRIC_JSON_LOST,		/* queued, but the write failed */
	METRIC_COUNTERS
};

/* The milter callbacks whose run time is measured. */
enum metrics_callback {
	METRICS_CB_NEGOTIATE = 0,
	METRICS_CB_CONNECT,
	METRICS_CB_HELO,
	METRICS_CB_ENVFROM,
	METRICS_CB_ENVRCPT,
	METRICS_CB_HEADER,
	METRICS_CB_EOM,
	METRICS_CB_ABORT,
	METRICS_CB_CLOSE,
	METRICS_CALLBACKS
};

/* Upper bounds of the latency buckets, in nanoseconds (ascending). */
extern const uint64_t metrics_latency_bounds_ns[METRICS_LATENCY_BUCKETS];

/* One callback's latency: bucket[i] counts runs <= bound i, not cumulated. */
struct metrics_latency {
	uint64_t	 bucket[METRICS_LATENCY_BUCKETS];
	uint64_t	 count;			/* every run, +Inf included */
	uint64_t	 sum_ns;
};

/* Verdicts of one recipient domain, as read by metrics_snapshot(). */
struct metrics_domain {
	char		 name[METRICS_DOMAIN_MAX];
	uint64_t	 results[METRICS_RESULTS];
	uint64_t	 reasons[METRICS_RESULTS][REASON_COUNT];
	int		 fixed;		/* configured: always its own label */
	int		 labelled;	/* has its own label (promtext.h) */
	long		 slot;		/* table slot, -1 for none */
};

/* Everything the metrics file shows; filled by metrics_snapshot(). */
struct metrics_view {
	uint64_t	 counters[METRIC_COUNTERS];
	struct metrics_latency latency[METRICS_CALLBACKS];
	uint64_t	 domains_tracked;	/* gauges set by discovery */
	uint64_t	 domains_pending;
	time_t		 start_time;		/* of the process, Unix time */
	time_t		 now;
	const char	*version;
	struct metrics_domain *domains;		/* the table's named slots */
	size_t		 domain_count;
	struct metrics_domain other;		/* domains that found no slot */
};

void	metrics_count(enum metrics_counter);
void	metrics_add(enum metrics_counter, uint64_t);
void	metrics_txt_lookup(enum txt_outcome);
/* reason: 0 for a policy fetched and valid, else REASON_STS_*. */
void	metrics_policy_fetch(unsigned reason);
void	metrics_verdict(const char *domain, enum verdict_result,
	    unsigned reasons);
void	metrics_set_domains(size_t tracked, size_t pending);
/* CLOCK_MONOTONIC now, in nanoseconds: a callback's start. */
uint64_t metrics_clock_ns(void);
void	metrics_callback_done(enum metrics_callback, uint64_t start_ns);

/*
 * Copy every counter into v (v->domains allocated: metrics_view_free).
 * The process start time is the first call's, or metrics_init()'s.
 * -1 when out of memory (v holds nothing to free then).
 */
int	metrics_snapshot(struct metrics_view *v);
void	metrics_view_free(struct metrics_view *v);
/* Remember that the domain in slot has its own label from now on. */
void	metrics_keep_label(long slot);
/* Note the process start time (call once, early). */
void	metrics_init(void);

#endif
