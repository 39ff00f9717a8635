/*
 * utctime.h - UTC time text: RFC 3339 timestamps as the JSON log writes
 * them, calendar dates, and relative durations ("14d") for command-line
 * windows. Pure: no time zone database, no locale, no global state.
 */
#ifndef MTASTS_UTCTIME_H
#define MTASTS_UTCTIME_H

#include <stddef.h>
#include <time.h>

#define UTCTIME_STAMP_LEN	21	/* "YYYY-MM-DDTHH:MM:SSZ" + NUL */
#define UTCTIME_DATE_LEN	11	/* "YYYY-MM-DD" + NUL */
#define UTCTIME_DAY		86400

/* Seconds since the epoch of 00:00:00 UTC on y-m-d (proleptic Gregorian). */
long long utctime_from_date(int y, int m, int d);

/*
 * Parse len bytes of s as an RFC 3339 date-time ("2026-01-31T10:00:00Z",
 * optional fraction, "Z" or a numeric offset; 't' and ' ' also accepted as
 * separator). Returns 0 and sets *out, or -1 when s is anything else.
 */
int	utctime_parse_stamp(const char *s, size_t len, long long *out);

/* "YYYY-MM-DD" (the whole string): 0 and 00:00:00 UTC of that day, or -1. */
int	utctime_parse_date(const char *s, long long *out);

/*
 * A duration: digits followed by one unit, s m h d w ("14d", "36h").
 * Returns 0 and the length in seconds, or -1.
 */
int	utctime_parse_duration(const char *s, long long *out);

/* "YYYY-MM-DDTHH:MM:SSZ" into buf (at least UTCTIME_STAMP_LEN bytes). */
char	*utctime_format_stamp(long long t, char *buf, size_t size);
/* "YYYY-MM-DD" into buf (at least UTCTIME_DATE_LEN bytes). */
char	*utctime_format_date(long long t, char *buf, size_t size);
/* The day number (days since 1970-01-01) that holds t. */
long long utctime_day(long long t);

#endif
