/* SPDX-License-Identifier: MIT */
/* retry.c: exponential schedule with jitter, and Retry-After. */
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
