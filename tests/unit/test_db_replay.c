/* SPDX-License-Identifier: MIT */
/* test_db_replay.c: replay jobs: the bounded count, and a step's
 * statements (its room, the attempt bound, the cursor, the end). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "db_replay.h"
#include "fake_db.h"

#define USER	31337ULL
#define WH1	"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
#define JOB	"10101010-1010-1010-1010-101010101010"
#define DL1	"d1d1d1d1-d1d1-d1d1-d1d1-d1d1d1d1d1d1"
#define DL2	"d2d2d2d2-d2d2-d2d2-d2d2-d2d2d2d2d2d2"
#define AT1	"2026-01-02 03:04:05.000001"
#define AT2	"2026-01-02 03:04:06.000002"
#define SINCE	"2026-01-01 00:00:00.000000"
#define MADE	"2026-01-03 00:00:00.000000"

static void
count_is_bounded_and_scoped(void **state)
{
	struct replay_filter	 f = { "failed", SINCE, "", 7 };
	const struct fake_call	*c;
	long long		 n = -1;

	fake_db_rows(ST_RP_COUNT, 1, 1, CELLS("11"));
	assert_int_equal(db_replay_count(fake_db(), USER, WH1, &f, 10, &n),
	    DB_OK);
	assert_int_equal(n, 11);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), WH1);
	assert_int_equal(fake_arg_int(c, 1), USER);
	assert_string_equal(fake_arg_str(c, 2), "failed");
	assert_string_equal(fake_arg_str(c, 3), "failed");
	assert_string_equal(fake_arg_str(c, 4), SINCE);
	assert_true(fake_arg_is_null(c, 6) && fake_arg_is_null(c, 7));
	assert_int_equal(fake_arg_int(c, 8), 7);
	assert_int_equal(fake_arg_int(c, 10), 11);	/* the bound + 1 */
}

/* Room for 2 under manual_max; both picked are requeued under the attempt
 * bound, which one of them had reached: requeued 1, skipped 1, the cursor
 * past the second, not done (a full step). */
static void
step_requeues_within_room_and_moves_the_cursor(void **state)
{
	const struct fake_step	 want[] = { STEP_BEGIN, STEP_EXEC(ST_RP_NEXT),
	    STEP_EXEC(ST_DQ_LOCK_WEBHOOK), STEP_EXEC(ST_MANUAL_PENDING),
	    STEP_EXEC(ST_RP_PICK), STEP_EXEC(ST_RP_REQUEUE),
	    STEP_EXEC(ST_RP_ADVANCE), STEP_COMMIT };
	struct replay_step	 st;
	const struct fake_call	*pick, *rq, *adv;

	fake_db_rows(ST_RP_NEXT, 1, 9, CELLS(JOB, WH1, "failed", NULL, NULL,
	    NULL, NULL, NULL, MADE));
	fake_db_rows(ST_DQ_LOCK_WEBHOOK, 1, 1, CELLS(WH1));
	fake_db_rows(ST_MANUAL_PENDING, 1, 2, CELLS("98", "0"));
	fake_db_rows(ST_RP_PICK, 2, 2, CELLS(DL1, AT1, DL2, AT2));
	fake_db_expect(ST_RP_REQUEUE, DB_OK, 1);
	fake_db_expect(ST_RP_ADVANCE, DB_OK, 1);
	assert_int_equal(db_replay_step(fake_db(), 100, &st), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_false(st.none || st.waiting || st.finished);
	assert_string_equal(st.id, JOB);
	assert_int_equal(st.requeued, 1);
	assert_int_equal(st.skipped, 1);
	pick = fake_db_exec(3);
	assert_string_equal(fake_arg_str(pick, 0), WH1);
	assert_string_equal(fake_arg_str(pick, 1), "failed");
	assert_string_equal(fake_arg_str(pick, 9), MADE);	/* the job's time */
	assert_true(fake_arg_is_null(pick, 10));	/* no cursor yet */
	assert_int_equal(fake_arg_int(pick, 14), 2);	/* the room */
	rq = fake_db_exec(4);
	assert_int_equal(fake_arg_int(rq, 0), WH_MAX_ATTEMPTS);
	assert_string_equal(fake_arg_str(rq, 1), DL1);
	assert_string_equal(fake_arg_str(rq, 2), DL2);
	assert_true(fake_arg_is_null(rq, 3));
	adv = fake_db_exec(5);
	assert_string_equal(fake_arg_str(adv, 0), AT2);
	assert_string_equal(fake_arg_str(adv, 1), DL2);
	assert_int_equal(fake_arg_int(adv, 2), 1);
	assert_int_equal(fake_arg_int(adv, 3), 1);
	assert_int_equal(fake_arg_int(adv, 5), 0);	/* not done */
	assert_string_equal(fake_arg_str(adv, 8), JOB);
}

/* Fewer rows than asked: done; the cursor it had is passed on. */
static void
step_short_of_rows_finishes(void **state)
{
	struct replay_step	 st;
	const struct fake_call	*pick, *adv;

	fake_db_rows(ST_RP_NEXT, 1, 9, CELLS(JOB, WH1, NULL, SINCE, NULL, "4",
	    AT1, DL1, MADE));
	fake_db_rows(ST_DQ_LOCK_WEBHOOK, 1, 1, CELLS(WH1));
	fake_db_rows(ST_MANUAL_PENDING, 1, 2, CELLS("0", "0"));
	fake_db_rows(ST_RP_PICK, 0, 2, NULL);
	fake_db_expect(ST_RP_ADVANCE, DB_OK, 1);
	assert_int_equal(db_replay_step(fake_db(), 100, &st), DB_OK);
	assert_true(st.finished);
	assert_int_equal(st.requeued, 0);
	pick = fake_db_exec(3);
	assert_true(fake_arg_is_null(pick, 1));		/* both statuses */
	assert_string_equal(fake_arg_str(pick, 3), SINCE);
	assert_int_equal(fake_arg_int(pick, 7), 4);	/* after */
	assert_string_equal(fake_arg_str(pick, 10), AT1);
	assert_string_equal(fake_arg_str(pick, 13), DL1);
	assert_int_equal(fake_arg_int(pick, 14), WH_REPLAY_STEP);
	adv = fake_db_exec(4);
	assert_string_equal(fake_arg_str(adv, 0), AT1);
	assert_string_equal(fake_arg_str(adv, 1), DL1);
	assert_int_equal(fake_arg_int(adv, 5), 1);
}

static void
step_without_room_waits_its_turn(void **state)
{
	const struct fake_step	 want[] = { STEP_BEGIN, STEP_EXEC(ST_RP_NEXT),
	    STEP_EXEC(ST_DQ_LOCK_WEBHOOK), STEP_EXEC(ST_MANUAL_PENDING),
	    STEP_EXEC(ST_RP_TOUCH), STEP_COMMIT };
	struct replay_step	 st;

	fake_db_rows(ST_RP_NEXT, 1, 9, CELLS(JOB, WH1, NULL, NULL, NULL, NULL,
	    NULL, NULL, MADE));
	fake_db_rows(ST_DQ_LOCK_WEBHOOK, 1, 1, CELLS(WH1));
	fake_db_rows(ST_MANUAL_PENDING, 1, 2, CELLS("100", "3"));
	fake_db_expect(ST_RP_TOUCH, DB_OK, 1);
	assert_int_equal(db_replay_step(fake_db(), 100, &st), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_true(st.waiting);
	assert_false(st.finished);
}

static void
step_of_a_deleted_webhook_cancels_and_none_is_none(void **state)
{
	struct replay_step	 st;

	fake_db_rows(ST_RP_NEXT, 1, 9, CELLS(JOB, WH1, NULL, NULL, NULL, NULL,
	    NULL, NULL, MADE));
	fake_db_rows(ST_DQ_LOCK_WEBHOOK, 0, 1, NULL);	/* deleted */
	fake_db_expect(ST_RP_END, DB_OK, 1);
	assert_int_equal(db_replay_step(fake_db(), 100, &st), DB_OK);
	assert_true(st.finished);
	assert_string_equal(fake_arg_str(fake_db_exec(2), 0), "cancelled");
	fake_db_rows(ST_RP_NEXT, 0, 9, NULL);
	assert_int_equal(db_replay_step(fake_db(), 100, &st), DB_OK);
	assert_true(st.none);
}

/* A conflict is the caller's to retry (db_tx's reruns, then given up). */
static void
step_errors_roll_back(void **state)
{
	const struct fake_step	 want[] = { STEP_BEGIN, STEP_EXEC(ST_RP_NEXT),
	    STEP_EXEC(ST_DQ_LOCK_WEBHOOK), STEP_EXEC(ST_MANUAL_PENDING),
	    STEP_EXEC(ST_RP_PICK), STEP_ROLLBACK };
	struct replay_step	 st;

	fake_db_rows(ST_RP_NEXT, 1, 9, CELLS(JOB, WH1, NULL, NULL, NULL, NULL,
	    NULL, NULL, MADE));
	fake_db_rows(ST_DQ_LOCK_WEBHOOK, 1, 1, CELLS(WH1));
	fake_db_rows(ST_MANUAL_PENDING, 1, 2, CELLS("0", "0"));
	fake_db_expect(ST_RP_PICK, DB_ERR, 0);
	assert_int_equal(db_replay_step(fake_db(), 100, &st), DB_ERR);
	fake_db_assert_trace(want, NSTEPS(want));
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, fake_db_setup, fake_db_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(count_is_bounded_and_scoped),
		T(step_requeues_within_room_and_moves_the_cursor),
		T(step_short_of_rows_finishes),
		T(step_without_room_waits_its_turn),
		T(step_of_a_deleted_webhook_cancels_and_none_is_none),
		T(step_errors_roll_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
