/* SPDX-License-Identifier: MIT */
/* timeutil.h: the current time as the API and the database write it. */
#ifndef WH_TIMEUTIL_H
#define WH_TIMEUTIL_H

#include "wh_limits.h"

#define TIME_DB_LEN	26	/* "YYYY-MM-DD HH:MM:SS.ffffff" */

/* Now, as RFC 3339 UTC with microseconds ("...T...Z") and as a DATETIME(6)
 * literal; either may be NULL. */
void	time_now(char rfc[WH_TIME_LEN + 1], char db[TIME_DB_LEN + 1]);

/* A wall-clock time (ms since the epoch) as a DATETIME(6) literal. */
void	time_db_at(long long wall_ms, char db[TIME_DB_LEN + 1]);

/*
 * The 20 digits YYYYMMDDHHMMSSffffff (a delivery cursor's time) as a
 * DATETIME(6) literal; 0, or -1 when they are not digits or not a real
 * time (month 13, 30 February, hour 24...; years 1000 to 9999, the range
 * of DATETIME).
 */
int	time_db_from_digits(const char d[20], char db[TIME_DB_LEN + 1]);

/*
 * An RFC 3339 time ("2026-11-29T10:30:00Z", "...T10:30:00.123456+01:00";
 * 't' and 'z' too; at most 6 fraction digits) as a DATETIME(6) literal in
 * UTC: 0, or -1 when it is not one (or not within years 1000 to 9999).
 */
int	time_db_from_rfc3339(const char *s, size_t n, char db[TIME_DB_LEN + 1]);

/* Milliseconds since the epoch (CLOCK_REALTIME) and of CLOCK_MONOTONIC. */
long long	time_wall_ms(void);
long long	time_mono_ms(void);

#endif
