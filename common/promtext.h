/*
 * promtext.h - a metrics snapshot (metrics.h) as Prometheus text exposition
 * format 0.0.4, the format node_exporter's textfile collector reads.
 *
 * Pure functions: no clock, no I/O, no global state. Every metric name
 * starts with "mtasts_"; every family has its HELP and TYPE lines; label
 * values are escaped as the format says (backslash, double quote and
 * newline; other bytes as they are).
 *
 * The domain label is bounded: a configured domain (the domains list and
 * the drafts) always has its own label; beyond those, at most top_n other
 * domains get one, the busiest at the time a place is free, and keep it
 * for the life of the process (so that no series goes away and comes
 * back); every other domain is counted in domain="other".
 */
#ifndef MTASTS_PROMTEXT_H
#define MTASTS_PROMTEXT_H

#include <stddef.h>

#include "metrics.h"

#define PROMTEXT_TOP_DOMAINS	20		/* labelled learnt domains */
#define PROMTEXT_MAX		(16 * 1024 * 1024)	/* bytes of text */

/*
 * Mark the configured names in v->domains as fixed, adding rows with no
 * counts for those not seen yet. 0, or -1 when out of memory.
 */
int	promtext_fix_domains(struct metrics_view *v, const char *const *names,
	    size_t count);
/*
 * Give the busiest unlabelled domains that are not fixed their own label,
 * until top_n of those have one. Returns how many were given one now.
 */
size_t	promtext_choose_labels(struct metrics_domain *d, size_t n,
	    size_t top_n);
/*
 * The whole text into *text (NUL-terminated, *len bytes, free()d by the
 * caller). 0, or -1 when out of memory or longer than PROMTEXT_MAX.
 */
int	promtext_format(const struct metrics_view *v, char **text,
	    size_t *len);

#endif
