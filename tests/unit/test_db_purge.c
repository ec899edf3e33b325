/* SPDX-License-Identifier: MIT */
/* test_db_purge.c: a retention batch's statements: the deliveries by id
 * in one transaction, then (caught up) events and replays, and when to
 * come back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "db_purge.h"
#include "fake_db.h"

#define DL1	"d1d1d1d1-d1d1-d1d1-d1d1-d1d1d1d1d1d1"
#define DL2	"d2d2d2d2-d2d2-d2d2-d2d2-d2d2d2d2d2d2"

/* Fewer than a batch: deleted with their attempts in one transaction,
 * then what they leave behind, one statement each; nothing more due. */
static void
short_batch_then_events_and_replays(void **state)
{
	const struct fake_step	 want[] = { STEP_BEGIN, STEP_EXEC(ST_PG_PICK),
	    STEP_EXEC(ST_PG_ATTEMPTS), STEP_EXEC(ST_PG_DELIVERIES), STEP_COMMIT,
	    STEP_EXEC(ST_PG_EVENTS), STEP_EXEC(ST_PG_REPLAYS) };
	struct purge_batch	 b;
	const struct fake_call	*pick, *att, *del;

	fake_db_rows(ST_PG_PICK, 2, 1, CELLS(DL1, DL2));
	fake_db_expect(ST_PG_ATTEMPTS, DB_OK, 5);
	fake_db_expect(ST_PG_DELIVERIES, DB_OK, 2);
	fake_db_expect(ST_PG_EVENTS, DB_OK, 7);
	fake_db_expect(ST_PG_REPLAYS, DB_OK, 0);
	assert_int_equal(db_purge_batch(fake_db(), 30, &b), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_int_equal(b.deliveries, 2);
	assert_int_equal(b.attempts, 5);
	assert_int_equal(b.events, 7);
	assert_int_equal(b.replays, 0);
	assert_false(b.more);
	pick = fake_db_exec(0);
	assert_int_equal(fake_arg_int(pick, 0), 30);
	assert_int_equal(fake_arg_int(pick, 1), WH_PURGE_BATCH);
	att = fake_db_exec(1);
	del = fake_db_exec(2);
	assert_string_equal(fake_arg_str(att, 0), DL1);
	assert_string_equal(fake_arg_str(att, 1), DL2);
	assert_true(fake_arg_is_null(att, 2));
	assert_string_equal(fake_arg_str(del, 1), DL2);
	assert_int_equal(fake_arg_int(fake_db_exec(3), 1), WH_PURGE_ROWS);
}

/* A full batch: more to come, nothing else this time. */
static void
full_batch_comes_back(void **state)
{
	static const char	*ids[WH_PURGE_BATCH];
	static char		 buf[WH_PURGE_BATCH][WH_UUID_LEN + 1];
	struct purge_batch	 b;

	for (int i = 0; i < WH_PURGE_BATCH; i++) {
		snprintf(buf[i], sizeof(buf[i]),
		    "d1d1d1d1-d1d1-d1d1-d1d1-d1d1d1d1d1%02d", i % 100);
		ids[i] = buf[i];
	}
	fake_db_rows(ST_PG_PICK, WH_PURGE_BATCH, 1, ids);
	fake_db_expect(ST_PG_ATTEMPTS, DB_OK, 0);
	fake_db_expect(ST_PG_DELIVERIES, DB_OK, WH_PURGE_BATCH);
	assert_int_equal(db_purge_batch(fake_db(), 30, &b), DB_OK);
	assert_true(b.more);
	assert_int_equal(fake_db_nexec(), 3);
}

/* Caught up with the deliveries, but a bounded statement was full. */
static void
full_events_statement_comes_back(void **state)
{
	struct purge_batch	b;

	fake_db_rows(ST_PG_PICK, 0, 1, NULL);
	fake_db_expect(ST_PG_EVENTS, DB_OK, WH_PURGE_ROWS);
	fake_db_expect(ST_PG_REPLAYS, DB_OK, 1);
	assert_int_equal(db_purge_batch(fake_db(), 30, &b), DB_OK);
	assert_true(b.more);
	assert_int_equal(b.deliveries, 0);
	assert_int_equal(b.events, WH_PURGE_ROWS);
}

/* A conflict rolls the deliveries back and stops the batch. */
static void
conflict_is_the_callers(void **state)
{
	struct purge_batch	b;

	for (int i = 0; i < DB_TX_TRIES; i++)
		fake_db_expect(ST_PG_PICK, DB_DEADLOCK, 0);
	assert_int_equal(db_purge_batch(fake_db(), 30, &b), DB_DEADLOCK);
	assert_int_equal(fake_db_nexec(), DB_TX_TRIES);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, fake_db_setup, fake_db_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(short_batch_then_events_and_replays),
		T(full_batch_comes_back),
		T(full_events_statement_comes_back),
		T(conflict_is_the_callers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
