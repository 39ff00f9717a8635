/*
 * samples.c - latency samples and their quantiles (see samples.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "samples.h"

void
samples_add(struct samples *s, double us)
{
	if (s->n == s->cap) {
		size_t	cap = s->cap ? 2 * s->cap : 1024;
		double	*v = realloc(s->v, cap * sizeof *v);

		if (v == NULL) {
			fprintf(stderr, "out of memory for samples\n");
			exit(1);
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = us;
}

void
samples_merge(struct samples *into, const struct samples *from)
{
	size_t	i;

	for (i = 0; i < from->n; i++)
		samples_add(into, from->v[i]);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
samples_sort(struct samples *s)
{
	if (s->n > 0)
		qsort(s->v, s->n, sizeof *s->v, cmp_double);
}

double
samples_quantile(const struct samples *s, double q)
{
	size_t	i;

	if (s->n == 0)
		return 0;
	i = (size_t)(q * (double)(s->n - 1) + 0.5);
	return s->v[i < s->n ? i : s->n - 1];
}

double
samples_mean(const struct samples *s)
{
	double	sum = 0;
	size_t	i;

	for (i = 0; i < s->n; i++)
		sum += s->v[i];
	return s->n > 0 ? sum / (double)s->n : 0;
}

void
samples_clear(struct samples *s)
{
	s->n = 0;
}
