/*
 * samples.h - a growing array of latency samples (microseconds) and its
 * quantiles, for the benchmark drivers. Not thread-safe: one per thread,
 * merged with samples_merge.
 */
#ifndef SAMPLES_H
#define SAMPLES_H

#include <stddef.h>

struct samples {
	double	*v;
	size_t	 n;
	size_t	 cap;
};

/* Out of memory ends the benchmark: a sample lost would bias the result. */
void	samples_add(struct samples *, double us);
void	samples_merge(struct samples *into, const struct samples *from);
void	samples_sort(struct samples *);
/* Of sorted samples; 0 when there are none. */
double	samples_quantile(const struct samples *, double q);
double	samples_mean(const struct samples *);
void	samples_clear(struct samples *);

#endif
