/* SPDX-License-Identifier: MIT */
/* retry.h: when a failed delivery is tried again (pure policy). */
#ifndef WH_RETRY_H
#define WH_RETRY_H

#include "conf.h"

/*
 * The delay before the next attempt after attempts_done (>= 1) failed
 * ones: the schedule's step (the last step past its end), moved by up to
 * retry_jitter percent either way using rnd, then lengthened to
 * retry_after_ms (-1: none) when that asks for longer, capped at the
 * schedule's longest step.  Milliseconds, >= 0.
 */
long long	retry_delay_ms(const struct conf *c, int attempts_done,
		    long long retry_after_ms, unsigned rnd);

#endif
