/*
 * utctime.c - UTC timestamps, dates and durations as text (see utctime.h).
 *
 * The calendar arithmetic is Howard Hinnant's days_from_civil and
 * civil_from_days: exact for the proleptic Gregorian calendar, no timegm(),
 * no TZ environment, so results do not depend on the host's settings.
 */
#include <stdio.h>
#include <string.h>

#include "utctime.h"

static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void
civil_from_days(long long z, int *y, int *m, int *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap;

	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return mdays[m - 1] + (m == 2 && leap);
}

long long
utctime_from_date(int y, int m, int d)
{
	return days_from_civil(y, (unsigned)m, (unsigned)d) * UTCTIME_DAY;
}

long long
utctime_day(long long t)
{
	return (t >= 0 ? t : t - (UTCTIME_DAY - 1)) / UTCTIME_DAY;
}

/* n decimal digits at s into *out; -1 when one is not a digit. */
static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" at s (10 bytes); checks the calendar. */
static int
parse_ymd(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) == -1 || s[4] != '-' ||
	    digits(s + 5, 2, m) == -1 || s[7] != '-' ||
	    digits(s + 8, 2, d) == -1)
		return -1;
	if (*m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

/* "Z", "z" or "+HH:MM"/"-HH:MM" filling the rest: offset east of UTC. */
static int
parse_offset(const char *s, size_t len, long long *off)
{
	int hh, mm;

	if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*off = 0;
		return 0;
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') ||
	    digits(s + 1, 2, &hh) == -1 || s[3] != ':' ||
	    digits(s + 4, 2, &mm) == -1 || hh > 23 || mm > 59)
		return -1;
	*off = (hh * 3600LL + mm * 60LL) * (s[0] == '-' ? -1 : 1);
	return 0;
}

int
utctime_parse_stamp(const char *s, size_t len, long long *out)
{
	int y, mo, d, h, mi, sec;
	size_t i;
	long long off;

	if (len < 20 || parse_ymd(s, &y, &mo, &d) == -1)
		return -1;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return -1;
	if (digits(s + 11, 2, &h) == -1 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) == -1 || s[16] != ':' ||
	    digits(s + 17, 2, &sec) == -1 || h > 23 || mi > 59 || sec > 60)
		return -1;
	i = 19;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			continue;
		if (i == 20)
			return -1;
	}
	if (parse_offset(s + i, len - i, &off) == -1)
		return -1;
	*out = utctime_from_date(y, mo, d) + h * 3600LL + mi * 60LL + sec -
	    off;
	return 0;
}

int
utctime_parse_date(const char *s, long long *out)
{
	int y, m, d;

	if (strlen(s) != 10 || parse_ymd(s, &y, &m, &d) == -1)
		return -1;
	*out = utctime_from_date(y, m, d);
	return 0;
}

int
utctime_parse_duration(const char *s, long long *out)
{
	static const struct {
		char	unit;
		long long seconds;
	} units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', UTCTIME_DAY },
		{ 'w', 7 * UTCTIME_DAY }
	};
	long long n = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (n > 1000000000LL)
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	if (i == 0 || s[i] == '\0' || s[i + 1] != '\0')
		return -1;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (units[u].unit == s[i]) {
			*out = n * units[u].seconds;
			return 0;
		}
	}
	return -1;
}

char *
utctime_format_stamp(long long t, char *buf, size_t size)
{
	long long day = utctime_day(t), rem = t - day * UTCTIME_DAY;
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
	    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return buf;
}

char *
utctime_format_date(long long t, char *buf, size_t size)
{
	int y, m, d;

	civil_from_days(utctime_day(t), &y, &m, &d);
	snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
	return buf;
}
