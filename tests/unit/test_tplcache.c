/* SPDX-License-Identifier: MIT */
/* test_tplcache.c: the worker's template cache: hits until the TTL, only
 * active templates, forget, and the oldest entry making room.  The clock
 * is wrapped (-Wl,--wrap=clock_gettime). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tplcache.h"

static long long	fake_ms = 1000000;

int	__wrap_clock_gettime(clockid_t, struct timespec *);
int
__wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	(void)clk;
	ts->tv_sec = (time_t)(fake_ms / 1000);
	ts->tv_nsec = (long)(fake_ms % 1000) * 1000000L;
	return 0;
}

static void
row(struct template_row *t, int n, int active)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "00000000-0000-4000-8000-%012d", n);
	snprintf(t->name, sizeof(t->name), "template_%d", n);
	t->is_active = active;
}

static void
hit_until_the_ttl(void **state)
{
	struct tpl_cache	*c = tpl_cache_new();
	struct template_row	 t, out;

	(void)state;
	assert_non_null(c);
	row(&t, 1, 1);
	assert_int_equal(tpl_cache_get(c, t.id, &out), 0);
	tpl_cache_put(c, &t);
	fake_ms += WH_TPL_CACHE_TTL_MS - 1;
	assert_int_equal(tpl_cache_get(c, t.id, &out), 1);
	assert_string_equal(out.name, "template_1");
	fake_ms += 1;
	assert_int_equal(tpl_cache_get(c, t.id, &out), 0);
	tpl_cache_free(c);
}

static void
inactive_forgotten_and_null(void **state)
{
	struct tpl_cache	*c = tpl_cache_new();
	struct template_row	 t, out;

	(void)state;
	row(&t, 2, 0);
	tpl_cache_put(c, &t);
	assert_int_equal(tpl_cache_get(c, t.id, &out), 0);
	t.is_active = 1;
	tpl_cache_put(c, &t);
	assert_int_equal(tpl_cache_get(c, t.id, &out), 1);
	tpl_cache_forget(c, t.id);
	assert_int_equal(tpl_cache_get(c, t.id, &out), 0);
	tpl_cache_free(c);
	/* no cache: never a hit, nothing kept */
	tpl_cache_put(NULL, &t);
	assert_int_equal(tpl_cache_get(NULL, t.id, &out), 0);
	tpl_cache_forget(NULL, t.id);
	tpl_cache_free(NULL);
}

/* Full: the entry stored first makes room; the others stay. */
static void
oldest_makes_room(void **state)
{
	struct tpl_cache	*c = tpl_cache_new();
	struct template_row	 t, out;

	(void)state;
	for (int i = 0; i < WH_TPL_CACHE_SLOTS; i++) {
		row(&t, i, 1);
		tpl_cache_put(c, &t);
		fake_ms++;
	}
	row(&t, WH_TPL_CACHE_SLOTS, 1);
	tpl_cache_put(c, &t);
	assert_int_equal(tpl_cache_get(c, t.id, &out), 1);
	row(&t, 0, 1);
	assert_int_equal(tpl_cache_get(c, t.id, &out), 0);
	for (int i = 1; i < WH_TPL_CACHE_SLOTS; i++) {
		row(&t, i, 1);
		assert_int_equal(tpl_cache_get(c, t.id, &out), 1);
	}
	/* storing one again refreshes it in place */
	row(&t, 5, 1);
	snprintf(t.name, sizeof(t.name), "renamed");
	tpl_cache_put(c, &t);
	assert_int_equal(tpl_cache_get(c, t.id, &out), 1);
	assert_string_equal(out.name, "renamed");
	tpl_cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(hit_until_the_ttl),
		cmocka_unit_test(inactive_forgotten_and_null),
		cmocka_unit_test(oldest_makes_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
