/* SPDX-License-Identifier: MIT */
/* retry.c: exponential schedule with jitter, and Retry-After. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "retry.h"

long long
retry_delay_ms(const struct conf *c, int attempts_done, long long retry_after_ms,
    unsigned rnd)
{
	long long	base, spread, delay, longest = 0;
	int		step;

	if (c->retry_n == 0)
		return 0;
	step = attempts_done - 1;
	if (step < 0)
		step = 0;
	if (step >= c->retry_n)
		step = c->retry_n - 1;
	base = c->retry_ms[step];
	spread = base * c->retry_jitter / 100;
	delay = base - spread + (spread > 0 ?
	    (long long)(rnd % (unsigned long long)(2 * spread + 1)) : 0);
	for (int i = 0; i < c->retry_n; i++)
		if (c->retry_ms[i] > longest)
			longest = c->retry_ms[i];
	if (retry_after_ms > delay)
		delay = retry_after_ms < longest ? retry_after_ms : longest;
	return delay < 0 ? 0 : delay;
}

long long
retry_after_parse(const char *v, long long now_s)
{
	char		*end;
	long long	 s;
	time_t		 t;

	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		s = strtoll(v, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (*end != '\0' || s < 0 || s > 365LL * 86400)
			return -1;
		return s * 1000;
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	return t > now_s ? ((long long)t - now_s) * 1000 : 0;
}
