/* SPDX-License-Identifier: MIT */
/* timeutil.c: formatting the current time for JSON and SQL. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

void
time_now(char rfc[WH_TIME_LEN + 1], char db[TIME_DB_LEN + 1])
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 date[24];
	unsigned	 us;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	us = (unsigned)(ts.tv_nsec / 1000) % 1000000u;
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (rfc != NULL)
		snprintf(rfc, WH_TIME_LEN + 1, "%.19s.%06uZ", date, us);
	if (db != NULL) {
		date[10] = ' ';
		snprintf(db, TIME_DB_LEN + 1, "%.19s.%06u", date, us);
	}
}

void
time_db_at(long long wall_ms, char db[TIME_DB_LEN + 1])
{
	time_t		t = (time_t)(wall_ms / 1000);
	struct tm	tm;
	char		date[24];

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(db, TIME_DB_LEN + 1, "%.19s.%06u", date,
	    (unsigned)(wall_ms % 1000) * 1000u % 1000000u);
}

/* The number of n digits at p; -1 when one is not a digit. */
static int
digits(const char *p, int n)
{
	int	v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* The date and time of YYYYMMDDHHMMSS digits. */
static void
tm_of_digits(const char *d, struct tm *tm)
{
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = digits(d, 4) - 1900;
	tm->tm_mon = digits(d + 4, 2) - 1;
	tm->tm_mday = digits(d + 6, 2);
	tm->tm_hour = digits(d + 8, 2);
	tm->tm_min = digits(d + 10, 2);
	tm->tm_sec = digits(d + 12, 2);
}

int
time_db_from_digits(const char d[20], char db[TIME_DB_LEN + 1])
{
	struct tm	tm, back;
	time_t		t;

	for (int i = 0; i < 20; i++)
		if (d[i] < '0' || d[i] > '9')
			return -1;
	tm_of_digits(d, &tm);
	if (tm.tm_year < 1000 - 1900)
		return -1;
	/* timegm normalises what is out of range (31 April is 1 May): a
	 * real time comes back unchanged. */
	back = tm;
	if ((t = timegm(&back)) == (time_t)-1 || gmtime_r(&t, &back) == NULL ||
	    back.tm_year != tm.tm_year || back.tm_mon != tm.tm_mon ||
	    back.tm_mday != tm.tm_mday || back.tm_hour != tm.tm_hour ||
	    back.tm_min != tm.tm_min || back.tm_sec != tm.tm_sec)
		return -1;
	snprintf(db, TIME_DB_LEN + 1, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s.%.6s", d,
	    d + 4, d + 6, d + 8, d + 10, d + 12, d + 14);
	return 0;
}

int
time_db_from_rfc3339(const char *s, size_t n, char db[TIME_DB_LEN + 1])
{
	char		d[21];
	size_t		i = 19, f = 0;
	int		off = 0, sign, hh, mm;
	struct tm	tm;
	time_t		t;

	/* YYYY-MM-DDTHH:MM:SS, the fields checked as time_db_from_digits
	 * does */
	if (n < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	memcpy(d, s, 4);
	memcpy(d + 4, s + 5, 2);
	memcpy(d + 6, s + 8, 2);
	memcpy(d + 8, s + 11, 2);
	memcpy(d + 10, s + 14, 2);
	memcpy(d + 12, s + 17, 2);
	memset(d + 14, '0', 6);
	d[20] = '\0';
	if (s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, f++)
			if (f < 6)
				d[14 + f] = s[i];
		if (f == 0 || f > 6)
			return -1;
	}
	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z'))
		off = 0;
	else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		sign = s[i] == '-' ? -1 : 1;
		hh = digits(s + i + 1, 2);
		mm = digits(s + i + 4, 2);
		if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
			return -1;
		off = sign * (hh * 60 + mm) * 60;
	} else
		return -1;
	if (time_db_from_digits(d, db) == -1)
		return -1;
	if (off == 0)
		return 0;
	/* Local time minus its offset is UTC. */
	tm_of_digits(d, &tm);
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	t -= off;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 1000 - 1900 ||
	    tm.tm_year > 9999 - 1900)
		return -1;
	/* the fields are in range (gmtime_r): the digits, then the text */
	snprintf(d, sizeof(d), "%04d%02d%02d%02d%02d%02d",
	    (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
	    tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
	memcpy(db, d, 4);
	db[4] = '-';
	memcpy(db + 5, d + 4, 2);
	db[7] = '-';
	memcpy(db + 8, d + 6, 2);
	db[10] = ' ';
	memcpy(db + 11, d + 8, 2);
	db[13] = ':';
	memcpy(db + 14, d + 10, 2);
	db[16] = ':';
	memcpy(db + 17, d + 12, 2);
	/* db[19..25]: the fraction, ".ffffff", written already */
	return 0;
}

long long
time_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
time_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

