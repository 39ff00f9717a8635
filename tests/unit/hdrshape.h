/*
 * hdrshape.h - the shape DESIGN.md 7 promises for an MTA-STS-Audit field
 * value, checked from the outside. Shared by check_authhdr (exact cases and
 * generated ones) and fuzz_authhdr (arbitrary values).
 */
#ifndef MTASTS_HDRSHAPE_H
#define MTASTS_HDRSHAPE_H

#include <stddef.h>

#define HDR_LINE_SOFT	78	/* RFC 5322 2.1.1 SHOULD */
#define HDR_LINE_HARD	998	/* RFC 5322 2.1.1 MUST */

/*
 * NULL when value (whose header name is name_len bytes long) is folded with
 * "\n\t" only, holds nothing but printable ASCII, keeps every line within
 * HDR_LINE_HARD and within HDR_LINE_SOFT unless the line is one token, and
 * lists "ID;" then the keys in contract order (reasons only when
 * has_reasons), each "key=value;" but the last. Else what is wrong.
 */
const char	*hdrshape_problem(const char *value, size_t name_len,
		    int has_reasons);

#endif
