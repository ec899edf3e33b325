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
