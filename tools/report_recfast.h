/*
 * report_recfast.h - the fast path of rec_parse: one pass over a compact,
 * plain-ASCII log line, as the milter writes them.
 */
#ifndef MTASTS_REPORT_RECFAST_H
#define MTASTS_REPORT_RECFAST_H

#include <stddef.h>

#include "report_record.h"

/*
 * Decode line[0..len) into *r as rec_parse_full would: 0 when done, 1
 * when the line is not of the compact plain shape or is one rec_parse_full
 * refuses (*r is then undefined: decode it with rec_parse_full).
 */
int	rec_parse_fast(const char *line, size_t len, struct rec *r);

#endif
