/* SPDX-License-Identifier: MIT */
/* test_db_dispatch.c: the dispatcher's queue (claim, load, renew,
 * release, cancel) and the recording of attempts, over the scripted
 * database of fake_db.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "db_dispatch.h"
#include "fake_db.h"

#define CLAIM	0x1234567890abcdULL
#define LEASE	30000000LL
#define EXCL	" w1 w2 "
#define DL1	"d1d1d1d1-d1d1-d1d1-d1d1-d1d1d1d1d1d1"
#define DL2	"d2d2d2d2-d2d2-d2d2-d2d2-d2d2d2d2d2d2"
#define DL3	"d3d3d3d3-d3d3-d3d3-d3d3-d3d3d3d3d3d3"
#define EV1	"eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"
#define WH1	"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
#define AT	"2026-01-02 03:04:05.123456"
#define NEXT	"2026-01-02 03:05:05.123456"
#define NOW	"2026-01-02 03:04:06.000000"
#define NLOAD	20

/* A loaded row, its webhook enabled, no previous secret. */
#define LOAD_ROW(id, body)	(id), EV1, WH1, "push", (body), "2", "5", \
	"0", "1", "https://example.com/h", "enabled", "sealed", "0123abcd", \
	NULL, NULL, "3", NULL, NULL, NULL, NULL

/* What the callback saw, copied while it was valid. */
struct job_copy {
	struct dq_job_row	 r;
	char			*body;
	char			 bad[160];
	int			 had_bad;
};

struct jobs {
	struct job_copy	 j[4];
	int		 n, stop_at;
};

static int
keep_job(void *ctx, const struct dq_job_row *r)
{
	struct jobs	*x = ctx;
	struct job_copy	*c = &x->j[x->n++];

	c->r = *r;
	c->body = malloc(r->body_len + 1);
	assert_non_null(c->body);
	memcpy(c->body, r->body, r->body_len);
	c->body[r->body_len] = '\0';
	c->had_bad = r->bad != NULL;
	if (r->bad != NULL)
		strncpy(c->bad, r->bad, sizeof(c->bad) - 1);
	c->r.body = NULL;
	c->r.bad = NULL;
	return x->n == x->stop_at ? -1 : 0;
}

static struct jobs *
jobs_new(int stop_at)
{
	struct jobs	*x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->stop_at = stop_at;
	return x;
}

static void
jobs_free(struct jobs *x)
{
	for (int i = 0; i < x->n; i++)
		free(x->j[i].body);
	free(x);
}

/* Select and mark in one transaction, then the rows read by the claim. */
static void
claim_marks_then_loads(void **state)
{
	const struct fake_step	 want[] = { STEP_BEGIN,
	    STEP_EXEC(ST_DQ_SELECT_DUE), STEP_EXEC(ST_DQ_MARK), STEP_COMMIT,
	    STEP_EXEC(ST_DQ_LOAD) };
	struct jobs		*x = jobs_new(0);
	const struct fake_call	*sel, *mark, *load;
	int			 got = -1;

	fake_db_rows(ST_DQ_SELECT_DUE, 2, 1, CELLS(DL1, DL2));
	fake_db_expect(ST_DQ_MARK, DB_OK, 2);
	fake_db_rows(ST_DQ_LOAD, 2, NLOAD, CELLS(LOAD_ROW(DL1, "{}"),
	    LOAD_ROW(DL2, "[]")));
	assert_int_equal(dq_claim(fake_db(), CLAIM, 8, LEASE, EXCL, keep_job,
	    x, &got), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_int_equal(got, 2);
	sel = fake_db_exec(0);
	mark = fake_db_exec(1);
	load = fake_db_exec(2);
	assert_string_equal(fake_arg_str(sel, 0), EXCL);
	assert_int_equal(fake_arg_int(sel, 1), 8);
	assert_int_not_equal(sel->tx, 0);
	assert_int_equal(sel->tx, mark->tx);
	assert_true((unsigned long long)fake_arg_int(mark, 0) == CLAIM);
	assert_int_equal(fake_arg_int(mark, 1), LEASE);
	assert_string_equal(fake_arg_str(mark, 2), DL1);
	assert_string_equal(fake_arg_str(mark, 3), DL2);
	for (int k = 4; k < 2 + WH_DQ_MAX_BATCH; k++)
		assert_true(fake_arg_is_null(mark, k));
	assert_int_equal(load->tx, 0);
	assert_true((unsigned long long)fake_arg_int(load, 0) == CLAIM);
	assert_int_equal(x->n, 2);
	assert_string_equal(x->j[0].r.id, DL1);
	assert_string_equal(x->j[0].body, "{}");
	assert_string_equal(x->j[1].r.id, DL2);
	assert_string_equal(x->j[1].body, "[]");
	jobs_free(x);
}

static void
claim_maps_the_row(void **state)
{
	static const size_t	 lens[NLOAD] = { 36, 36, 36, 4, 5, 1, 2, 1, 1,
	    19, 8, 6, 8, 5, 8, 2, 4, 8, 3, 8 };
	struct jobs		*x = jobs_new(0);
	const struct dq_job_row	*r;
	int			 got = -1;

	fake_db_rows(ST_DQ_SELECT_DUE, 1, 1, CELLS(DL1));
	fake_db_expect(ST_DQ_MARK, DB_OK, 1);
	fake_db_rows_len(ST_DQ_LOAD, 1, NLOAD, CELLS(DL1, EV1, WH1, "ping",
	    "a\0b c", "7", "10", "1", "1", "https://x.example/", "disabled",
	    "s\0e\0ld", "0123abcd", "p\0rev", "89abcdef", "12", "k\0ey",
	    "0123abcd", "o\0d", "89abcdef"), lens);
	assert_int_equal(dq_claim(fake_db(), CLAIM, 1, LEASE, " ", keep_job, x,
	    &got), DB_OK);
	assert_int_equal(x->n, 1);
	r = &x->j[0].r;
	assert_int_equal(x->j[0].had_bad, 0);
	assert_string_equal(r->id, DL1);
	assert_string_equal(r->event_id, EV1);
	assert_string_equal(r->webhook_id, WH1);
	assert_string_equal(r->event_type, "ping");
	assert_int_equal(r->body_len, 5);
	assert_memory_equal(x->j[0].body, "a\0b c", 5);
	assert_int_equal(r->attempts, 7);
	assert_int_equal(r->attempt_limit, 10);
	assert_int_equal(r->manual, 1);
	assert_int_equal(r->webhook_exists, 1);
	assert_string_equal(r->endpoint_url, "https://x.example/");
	assert_string_equal(r->webhook_status, "disabled");
	assert_int_equal(r->secret_len, 6);
	assert_memory_equal(r->secret, "s\0e\0ld", 6);
	assert_string_equal(r->secret_key_id, "0123abcd");
	assert_int_equal(r->prev_secret_len, 5);
	assert_memory_equal(r->prev_secret, "p\0rev", 5);
	assert_string_equal(r->prev_secret_key_id, "89abcdef");
	assert_string_equal(r->sequence, "12");
	assert_int_equal(r->signing_key_len, 4);
	assert_memory_equal(r->signing_key, "k\0ey", 4);
	assert_string_equal(r->signing_key_id, "0123abcd");
	assert_int_equal(r->prev_signing_key_len, 3);
	assert_memory_equal(r->prev_signing_key, "o\0d", 3);
	assert_string_equal(r->prev_signing_key_id, "89abcdef");
	jobs_free(x);
}

/* The webhook deleted: the left join's nulls. */
static void
claim_row_without_webhook(void **state)
{
	struct jobs		*x = jobs_new(0);
	const struct dq_job_row	*r;
	int			 got = -1;

	fake_db_rows(ST_DQ_SELECT_DUE, 1, 1, CELLS(DL1));
	fake_db_expect(ST_DQ_MARK, DB_OK, 1);
	fake_db_rows(ST_DQ_LOAD, 1, NLOAD, CELLS(DL1, EV1, WH1, "push", "{}",
	    "0", "5", "0", "0", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL));
	assert_int_equal(dq_claim(fake_db(), CLAIM, 1, LEASE, " ", keep_job, x,
	    &got), DB_OK);
	r = &x->j[0].r;
	assert_int_equal(r->webhook_exists, 0);
	assert_int_equal(r->manual, 0);
	assert_string_equal(r->endpoint_url, "");
	assert_string_equal(r->webhook_status, "");
	assert_int_equal(r->secret_len, 0);
	assert_int_equal(r->prev_secret_len, 0);
	assert_string_equal(r->sequence, "");
	assert_int_equal(r->signing_key_len, 0);
	assert_int_equal(r->prev_signing_key_len, 0);
	jobs_free(x);
}

static void
claim_nothing_due_marks_nothing(void **state)
{
	const struct fake_step	want[] = { STEP_BEGIN,
	    STEP_EXEC(ST_DQ_SELECT_DUE), STEP_COMMIT };
	struct jobs		*x = jobs_new(0);
	int			 got = -1;

	fake_db_rows(ST_DQ_SELECT_DUE, 0, 1, NULL);
	assert_int_equal(dq_claim(fake_db(), CLAIM, 4, LEASE, " ", keep_job, x,
	    &got), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_int_equal(got, 0);
	assert_int_equal(x->n, 0);
	jobs_free(x);
}

static void
claim_batch_is_capped(void **state)
{
	struct jobs	*x = jobs_new(0);
	int		 got = -1;

	fake_db_rows(ST_DQ_SELECT_DUE, 0, 1, NULL);
	assert_int_equal(dq_claim(fake_db(), CLAIM, WH_DQ_MAX_BATCH + 50, LEASE,
	    " ", keep_job, x, &got), DB_OK);
	assert_int_equal(fake_arg_int(fake_db_exec(0), 1), WH_DQ_MAX_BATCH);
	jobs_free(x);
}

/* A failed select or mark rolls the claim back and loads nothing. */
static void
claim_failure_rolls_back(void **state)
{
	const struct fake_step	want[] = { STEP_BEGIN,
	    STEP_EXEC(ST_DQ_SELECT_DUE), STEP_ROLLBACK, STEP_BEGIN,
	    STEP_EXEC(ST_DQ_SELECT_DUE), STEP_EXEC(ST_DQ_MARK), STEP_ROLLBACK };
	struct jobs		*x = jobs_new(0);
	int			 got = -1;

	fake_db_expect(ST_DQ_SELECT_DUE, DB_DEADLOCK, 0);
	assert_int_equal(dq_claim(fake_db(), CLAIM, 4, LEASE, " ", keep_job, x,
	    &got), DB_DEADLOCK);
	assert_int_equal(got, 0);
	fake_db_rows(ST_DQ_SELECT_DUE, 1, 1, CELLS(DL1));
	fake_db_expect(ST_DQ_MARK, DB_DOWN, 0);
	assert_int_equal(dq_claim(fake_db(), CLAIM, 4, LEASE, " ", keep_job, x,
	    &got), DB_DOWN);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_int_equal(x->n, 0);
	jobs_free(x);
}

/* Rows are read only once the claim is committed. */
static void
claim_commit_or_load_failure_passes_through(void **state)
{
	struct jobs	*x = jobs_new(0);
	int		 got = -1;

	fake_db_expect_begin(DB_DOWN);
	assert_int_equal(dq_claim(fake_db(), CLAIM, 4, LEASE, " ", keep_job, x,
	    &got), DB_DOWN);
	assert_int_equal(fake_db_nexec(), 0);
	fake_db_rows(ST_DQ_SELECT_DUE, 1, 1, CELLS(DL1));
	fake_db_expect(ST_DQ_MARK, DB_OK, 1);
	fake_db_expect_commit(DB_DEADLOCK);
	assert_int_equal(dq_claim(fake_db(), CLAIM, 4, LEASE, " ", keep_job, x,
	    &got), DB_DEADLOCK);
	assert_int_equal(fake_db_nexec(), 2);	/* no load */
	fake_db_rows(ST_DQ_SELECT_DUE, 1, 1, CELLS(DL1));
	fake_db_expect(ST_DQ_MARK, DB_OK, 1);
	fake_db_expect(ST_DQ_LOAD, DB_DOWN, 0);
	assert_int_equal(dq_claim(fake_db(), CLAIM, 4, LEASE, " ", keep_job, x,
	    &got), DB_DOWN);
	assert_int_equal(x->n, 0);
	jobs_free(x);
}

static void
claim_callback_stop_is_an_error(void **state)
{
	struct jobs	*x = jobs_new(1);
	int		 got = -1;

	fake_db_rows(ST_DQ_SELECT_DUE, 2, 1, CELLS(DL1, DL2));
	fake_db_expect(ST_DQ_MARK, DB_OK, 2);
	fake_db_rows(ST_DQ_LOAD, 2, NLOAD, CELLS(LOAD_ROW(DL1, "{}"),
	    LOAD_ROW(DL2, "{}")));
	assert_int_equal(dq_claim(fake_db(), CLAIM, 4, LEASE, " ", keep_job, x,
	    &got), DB_ERR);
	assert_int_equal(x->n, 1);
	jobs_free(x);
}

/*
 * Every column may be cut: a stored value larger than the dispatcher
 * reads fails that delivery alone (marked bad, naming the column), the
 * rows around it go on.
 */
static void
claim_oversized_values_mark_their_row_only(void **state)
{
	size_t			 big = WH_MAX_DELIVERY_BODY + 10;
	char			*body, url[WH_MAX_URL_LEN + 2];
	char			 secret[WH_SEALED_MAX + 2];
	struct jobs		*x = jobs_new(0);
	const struct fake_call	*load;
	int			 got = -1;

	body = malloc(big + 1);
	assert_non_null(body);
	memset(body, 'b', big);
	body[big] = '\0';
	memset(url, 'u', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	memset(secret, 's', sizeof(secret) - 1);
	secret[sizeof(secret) - 1] = '\0';
	fake_db_rows(ST_DQ_SELECT_DUE, 4, 1, CELLS(DL1, DL2, DL3, DL1));
	fake_db_expect(ST_DQ_MARK, DB_OK, 4);
	fake_db_rows(ST_DQ_LOAD, 4, NLOAD, CELLS(
	    LOAD_ROW(DL1, body),
	    LOAD_ROW(DL2, "{}"),
	    DL3, EV1, WH1, "push", "{}", "2", "5", "0", "1", url, "enabled",
	    secret, "0123abcd", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    LOAD_ROW(DL1, "{}")));
	assert_int_equal(dq_claim(fake_db(), CLAIM, 4, LEASE, " ", keep_job, x,
	    &got), DB_OK);
	load = fake_db_exec(2);
	for (int k = 0; k < NLOAD; k++)
		assert_int_equal(load->col[k].may_truncate, 1);
	assert_int_equal(x->n, 4);
	assert_int_equal(x->j[0].had_bad, 1);
	assert_non_null(strstr(x->j[0].bad, "body"));
	assert_int_equal(x->j[0].r.body_len, WH_MAX_DELIVERY_BODY);
	assert_int_equal(x->j[1].had_bad, 0);
	assert_string_equal(x->j[1].body, "{}");
	/* The first cut column is named. */
	assert_int_equal(x->j[2].had_bad, 1);
	assert_non_null(strstr(x->j[2].bad, "endpoint_url"));
	assert_int_equal(x->j[2].r.secret_len, WH_SEALED_MAX);
	assert_int_equal(x->j[3].had_bad, 0);
	free(body);
	jobs_free(x);
}

static void
renew_argument_order(void **state)
{
	const struct fake_call	*c;

	fake_db_expect(ST_DQ_RENEW, DB_OK, 1);
	assert_int_equal(dq_renew(fake_db(), DL1, CLAIM, LEASE), DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(fake_arg_int(c, 0), LEASE);
	assert_string_equal(fake_arg_str(c, 1), DL1);
	assert_true((unsigned long long)fake_arg_int(c, 2) == CLAIM);
	fake_db_expect(ST_DQ_RENEW, DB_OK, 0);
	assert_int_equal(dq_renew(fake_db(), DL1, CLAIM, LEASE), DB_NOTFOUND);
	fake_db_expect(ST_DQ_RENEW, DB_DOWN, 0);
	assert_int_equal(dq_renew(fake_db(), DL1, CLAIM, LEASE), DB_DOWN);
}

static void
release_pads_with_nulls(void **state)
{
	char			 ids[2][WH_UUID_LEN + 1] = { DL2, DL3 };
	const struct fake_call	*c;

	fake_db_expect(ST_DQ_RELEASE, DB_OK, 2);
	assert_int_equal(dq_release(fake_db(), CLAIM, ids, 2), DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(c->nargs, 1 + WH_DQ_MAX_BATCH);
	assert_true((unsigned long long)fake_arg_int(c, 0) == CLAIM);
	assert_string_equal(fake_arg_str(c, 1), DL2);
	assert_string_equal(fake_arg_str(c, 2), DL3);
	for (int k = 3; k < 1 + WH_DQ_MAX_BATCH; k++)
		assert_true(fake_arg_is_null(c, k));
	fake_db_expect(ST_DQ_RELEASE, DB_DOWN, 0);
	assert_int_equal(dq_release(fake_db(), CLAIM, ids, 2), DB_DOWN);
}

static void
cancel_and_stats(void **state)
{
	const struct fake_call	*c;
	long long		 depth = -1, oldest = -1;

	fake_db_expect(ST_DQ_CANCEL_ONE, DB_OK, 1);
	assert_int_equal(dq_cancel(fake_db(), DL1, CLAIM), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), DL1);
	assert_true((unsigned long long)fake_arg_int(c, 1) == CLAIM);
	fake_db_rows(ST_DQ_STATS, 1, 2, CELLS("12", "3500000"));
	assert_int_equal(dq_stats(fake_db(), &depth, &oldest), DB_OK);
	assert_int_equal(depth, 12);
	assert_int_equal(oldest, 3500000);
}

/* A success of a queued delivery. */
static const struct dq_result ok_result = {
	.delivery_id = DL1, .webhook_id = WH1, .claim = CLAIM, .at_db = AT,
	.response_code = 204, .duration_ms = 87, .dns_ms = 1, .connect_ms = -1,
	.tls_ms = -1, .first_byte_ms = 80, .excerpt = "o\0k", .excerpt_len = 3,
	.has_excerpt = 1, .status = "succeeded",
};

static void
record_success(void **state)
{
	const struct fake_step	 want[] = { STEP_EXEC(ST_DQ_ATTEMPT_INSERT),
	    STEP_EXEC(ST_DQ_FINISH), STEP_EXEC(ST_DQ_WH_SUCCESS) };
	const struct fake_call	*a, *f, *w;
	int			 lost = -1;

	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_OK, 1);
	fake_db_expect(ST_DQ_WH_SUCCESS, DB_OK, 1);
	assert_int_equal(dq_record(fake_db(), &ok_result, 5, 3600000000LL, NOW,
	    &lost), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_int_equal(lost, 0);
	a = fake_db_exec(0);
	assert_string_equal(fake_arg_str(a, 0), DL1);
	assert_string_equal(fake_arg_str(a, 1), AT);
	assert_int_equal(fake_arg_int(a, 2), 204);
	assert_true(fake_arg_is_null(a, 3));
	assert_true(fake_arg_is_null(a, 4));
	assert_int_equal(fake_arg_int(a, 5), 87);
	assert_int_equal(fake_arg_int(a, 6), 1);
	assert_true(fake_arg_is_null(a, 7));
	assert_true(fake_arg_is_null(a, 8));
	assert_int_equal(fake_arg_int(a, 9), 80);
	assert_int_equal(a->arg[10].t, DBA_BLOB);
	assert_int_equal(a->arg[10].len, 3);
	assert_memory_equal(a->arg[10].p, "o\0k", 3);
	f = fake_db_exec(1);
	assert_string_equal(fake_arg_str(f, 0), "succeeded");
	assert_true(fake_arg_is_null(f, 1));
	assert_int_equal(fake_arg_int(f, 2), 204);
	assert_true(fake_arg_is_null(f, 3));
	assert_int_equal(fake_arg_int(f, 4), 87);
	assert_string_equal(fake_arg_str(f, 5), AT);
	assert_string_equal(fake_arg_str(f, 6), DL1);
	assert_true((unsigned long long)fake_arg_int(f, 7) == CLAIM);
	w = fake_db_exec(2);
	assert_string_equal(fake_arg_str(w, 0), AT);
	assert_int_equal(fake_arg_int(w, 1), 204);
	assert_string_equal(fake_arg_str(w, 2), WH1);
}

/* The claim expired: the attempt is logged and counted, nothing else. */
static void
record_lost_claim_counts_only(void **state)
{
	struct dq_result	 r = ok_result;
	const struct fake_step	 want[] = { STEP_EXEC(ST_DQ_ATTEMPT_INSERT),
	    STEP_EXEC(ST_DQ_FINISH), STEP_EXEC(ST_DQ_COUNT_LOST) };
	const struct fake_call	*c;
	int			 lost = -1;

	r.response_code = -1;
	r.error_class = "timeout";
	r.error = "read timeout";
	r.has_excerpt = 0;
	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_OK, 0);
	fake_db_expect(ST_DQ_COUNT_LOST, DB_OK, 1);
	assert_int_equal(dq_record(fake_db(), &r, 5, 1, NOW, &lost), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_int_equal(lost, 1);
	assert_true(fake_arg_is_null(fake_db_exec(0), 2));
	assert_string_equal(fake_arg_str(fake_db_exec(0), 3), "timeout");
	assert_true(fake_arg_is_null(fake_db_exec(0), 10));
	c = fake_db_exec(2);
	assert_true(fake_arg_is_null(c, 0));
	assert_string_equal(fake_arg_str(c, 1), "read timeout");
	assert_int_equal(fake_arg_int(c, 2), 87);
	assert_string_equal(fake_arg_str(c, 3), AT);
	assert_string_equal(fake_arg_str(c, 4), DL1);
}

/* Manual deliveries touch last_delivery only: never the failure count,
 * never a disable, even when the attempt was final or a 410. */
static void
record_manual_is_never_counted(void **state)
{
	struct dq_result	r = ok_result;
	int			lost = -1;

	r.manual = 1;
	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_OK, 1);
	fake_db_expect(ST_DQ_WH_MANUAL_SUCCESS, DB_OK, 1);
	assert_int_equal(dq_record(fake_db(), &r, 5, 1, NOW, &lost), DB_OK);
	assert_int_equal(fake_arg_int(fake_db_exec(2), 1), 204);
	assert_string_equal(fake_arg_str(fake_db_exec(2), 2), WH1);
	r.error_class = "http_4xx";
	r.response_code = 410;
	r.gone = 1;
	r.delivery_failed = 1;
	r.status = "failed";
	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_OK, 1);
	fake_db_expect(ST_DQ_WH_ATTEMPT_FAILED, DB_OK, 1);
	assert_int_equal(dq_record(fake_db(), &r, 5, 1, NOW, &lost), DB_OK);
	assert_int_equal(fake_db_nexec(), 6);
	assert_int_equal(fake_arg_int(fake_db_exec(5), 1), 410);
	r.response_code = -1;
	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_OK, 1);
	fake_db_expect(ST_DQ_WH_ATTEMPT_FAILED, DB_OK, 1);
	assert_int_equal(dq_record(fake_db(), &r, 5, 1, NOW, &lost), DB_OK);
	assert_true(fake_arg_is_null(fake_db_exec(8), 1));
}

/* A failure with attempts left: last_delivery only, nothing cancelled. */
static void
record_retrying_failure(void **state)
{
	struct dq_result	 r = ok_result;
	const struct fake_step	 want[] = { STEP_EXEC(ST_DQ_ATTEMPT_INSERT),
	    STEP_EXEC(ST_DQ_FINISH), STEP_EXEC(ST_DQ_WH_ATTEMPT_FAILED) };
	const struct fake_call	*f, *w;
	int			 lost = -1;

	r.response_code = 503;
	r.error_class = "http_5xx";
	r.error = "503 Service Unavailable";
	r.status = "pending";
	r.next_at_db = NEXT;
	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_OK, 1);
	fake_db_expect(ST_DQ_WH_ATTEMPT_FAILED, DB_OK, 1);
	assert_int_equal(dq_record(fake_db(), &r, 5, 1, NOW, &lost), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	f = fake_db_exec(1);
	assert_string_equal(fake_arg_str(f, 0), "pending");
	assert_string_equal(fake_arg_str(f, 1), NEXT);
	assert_string_equal(fake_arg_str(f, 3), "503 Service Unavailable");
	w = fake_db_exec(2);
	assert_string_equal(fake_arg_str(w, 0), AT);
	assert_int_equal(fake_arg_int(w, 1), 503);
	assert_string_equal(fake_arg_str(w, 2), WH1);
}

/* The last attempt failed: the count and auto-disable, then the
 * disabled webhook's queue cancelled. */
static void
record_final_failure_may_disable(void **state)
{
	struct dq_result	 r = ok_result;
	const struct fake_step	 want[] = { STEP_EXEC(ST_DQ_ATTEMPT_INSERT),
	    STEP_EXEC(ST_DQ_FINISH), STEP_EXEC(ST_DQ_WH_DELIVERY_FAILED),
	    STEP_EXEC(ST_DQ_CANCEL_DISABLED) };
	const struct fake_call	*w;
	int			 lost = -1;

	r.response_code = -1;
	r.error_class = "connect";
	r.status = "failed";
	r.delivery_failed = 1;
	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_OK, 1);
	fake_db_expect(ST_DQ_WH_DELIVERY_FAILED, DB_OK, 1);
	fake_db_expect(ST_DQ_CANCEL_DISABLED, DB_OK, 0);
	assert_int_equal(dq_record(fake_db(), &r, 5, 3600000000LL, NOW, &lost),
	    DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	w = fake_db_exec(2);
	assert_string_equal(fake_arg_str(w, 0), AT);
	assert_string_equal(fake_arg_str(w, 1), AT);
	assert_true(fake_arg_is_null(w, 2));
	assert_int_equal(fake_arg_int(w, 3), 5);
	assert_int_equal(fake_arg_int(w, 4), 5);
	assert_string_equal(fake_arg_str(w, 5), NOW);
	assert_int_equal(fake_arg_int(w, 6), 3600000000LL);
	assert_string_equal(fake_arg_str(w, 7), WH1);
	assert_string_equal(fake_arg_str(fake_db_exec(3), 0), WH1);
}

static void
record_gone_disables(void **state)
{
	struct dq_result	 r = ok_result;
	const struct fake_step	 want[] = { STEP_EXEC(ST_DQ_ATTEMPT_INSERT),
	    STEP_EXEC(ST_DQ_FINISH), STEP_EXEC(ST_DQ_WH_GONE),
	    STEP_EXEC(ST_DQ_CANCEL_DISABLED) };
	const struct fake_call	*w;
	int			 lost = -1;

	r.response_code = 410;
	r.error_class = "http_4xx";
	r.status = "failed";
	r.gone = 1;
	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_OK, 1);
	fake_db_expect(ST_DQ_WH_GONE, DB_OK, 1);
	fake_db_expect(ST_DQ_CANCEL_DISABLED, DB_OK, 3);
	assert_int_equal(dq_record(fake_db(), &r, 5, 1, NOW, &lost), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	w = fake_db_exec(2);
	assert_string_equal(fake_arg_str(w, 0), AT);
	assert_string_equal(fake_arg_str(w, 1), AT);
	assert_string_equal(fake_arg_str(w, 2), WH1);
}

/* The first failing statement ends the recording with its code. */
static void
record_failures_stop_there(void **state)
{
	struct dq_result	r = ok_result;
	int			lost = -1;

	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_DEADLOCK, 0);
	assert_int_equal(dq_record(fake_db(), &r, 5, 1, NOW, &lost),
	    DB_DEADLOCK);
	assert_int_equal(fake_db_nexec(), 1);
	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_DOWN, 0);
	assert_int_equal(dq_record(fake_db(), &r, 5, 1, NOW, &lost), DB_DOWN);
	assert_int_equal(lost, 0);
	assert_int_equal(fake_db_nexec(), 3);
	r.error_class = "http_4xx";
	r.gone = 1;
	fake_db_expect(ST_DQ_ATTEMPT_INSERT, DB_OK, 1);
	fake_db_expect(ST_DQ_FINISH, DB_OK, 1);
	fake_db_expect(ST_DQ_WH_GONE, DB_DEADLOCK, 0);
	assert_int_equal(dq_record(fake_db(), &r, 5, 1, NOW, &lost),
	    DB_DEADLOCK);
	assert_int_equal(fake_db_nexec(), 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, fake_db_setup, fake_db_teardown)
		T(claim_marks_then_loads),
		T(claim_maps_the_row),
		T(claim_row_without_webhook),
		T(claim_nothing_due_marks_nothing),
		T(claim_batch_is_capped),
		T(claim_failure_rolls_back),
		T(claim_commit_or_load_failure_passes_through),
		T(claim_callback_stop_is_an_error),
		T(claim_oversized_values_mark_their_row_only),
		T(renew_argument_order),
		T(release_pads_with_nulls),
		T(cancel_and_stats),
		T(record_success),
		T(record_lost_claim_counts_only),
		T(record_manual_is_never_counted),
		T(record_retrying_failure),
		T(record_final_failure_may_disable),
		T(record_gone_disables),
		T(record_failures_stop_there),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
