/*
 * fuzzcheck.h - invariants shared by the libFuzzer targets of the parsers.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#ifndef MTASTS_FUZZCHECK_H
#define MTASTS_FUZZCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define FUZZ_RRSET_MAX	8

typedef long (*fuzz_select_fn)(const char *const *, const size_t *, size_t,
    struct diag_list *);

/* Aborts unless the list is bounded, coded and printable, and valid
   (the parser's answer) agrees with the error count. */
void	fuzz_check_diags(const struct diag_list *, int valid);
/*
 * Splits data on LF into an RRset of at most FUZZ_RRSET_MAX records, runs
 * the selection on it and aborts unless the answer is -2, -1 or the index
 * of a record that begins with tag.
 */
void	fuzz_check_select(fuzz_select_fn, const char *tag, const uint8_t *data,
	    size_t size);

#endif
