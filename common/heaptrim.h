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

/* Call after freeing what a job of about a megabyte or more allocated. */
void	heaptrim(void);

#endif
