/*
 * heaptrim.h - give the heap memory a large transient job freed back to
 * the system. With glibc every thread allocates from its own arena, and
 * the megabytes a thread frees after a burst (the metrics text of 10,000
 * domains, a state file, a snapshot being rebuilt) stay in that arena's
 * pages, counted in the daemon's RSS, until malloc_trim(3) returns them.
 * Elsewhere (no malloc_trim) it does nothing.
 */
#ifndef MTASTS_HEAPTRIM_H
#define MTASTS_HEAPTRIM_H

#include <stddef.h>

/*
 * Call after freeing what a job allocated, with about how much that was:
 * below a megabyte it does nothing (malloc_trim walks and locks every
 * arena in turn, which callbacks allocating at that moment would wait
 * for; a small deployment never needs it).
 */
#define HEAPTRIM_MIN	(1024 * 1024)
void	heaptrim(size_t freed);

#endif
