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

/* The number of n digits at p. */
static int
digits(const char *p, int n)
{
	int	v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

int
time_db_from_digits(const char d[20], char db[TIME_DB_LEN + 1])
{
	struct tm	tm, back;
	time_t		t;

	for (int i = 0; i < 20; i++)
		if (d[i] < '0' || d[i] > '9')
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = digits(d, 4) - 1900;
	tm.tm_mon = digits(d + 4, 2) - 1;
	tm.tm_mday = digits(d + 6, 2);
	tm.tm_hour = digits(d + 8, 2);
	tm.tm_min = digits(d + 10, 2);
	tm.tm_sec = digits(d + 12, 2);
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

