/*
 * parsecheck.h - assertions shared by the parser unit tests.
 */
#ifndef MTASTS_PARSECHECK_H
#define MTASTS_PARSECHECK_H

#include <check.h>
#include <stddef.h>

#include "diag.h"

/*
 * Asserts that the codes in dl are exactly the set in expected: a
 * space-separated list of "code" or "code@line" (line checked too).
 * Every code must appear and no other code may. Also checks that every
 * message is non-empty printable ASCII. name labels failures.
 */
void	expect_codes(const char *name, const struct diag_list *dl,
	    const char *expected);
/* Asserts that items[0..count) equals the comma-separated list want. */
void	expect_list(const char *name, char *const *items, size_t count,
	    const char *want);

#endif
