/*
 * heaptrim.c - return freed heap pages to the system (see heaptrim.h).
 */
#include "config.h"

#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "heaptrim.h"

void
heaptrim(size_t freed)
{
	if (freed < HEAPTRIM_MIN)
		return;
#ifdef HAVE_MALLOC_TRIM
	/* 0: keep no slack at the top; every arena's free pages go too. */
	(void)malloc_trim(0);
#endif
}
