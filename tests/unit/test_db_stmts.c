/* SPDX-License-Identifier: MIT */
/* test_db_stmts.c: the statement table: every statement has its text and
 * as many placeholders as the nparams its callers' ARGS() are checked
 * against (db_exec refuses any other count). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "db_stmts.h"

/* '?' outside quoted literals. */
static int
placeholders(const char *sql)
{
	int	n = 0;
	char	quote = 0;

	for (const char *p = sql; *p != '\0'; p++) {
		if (quote != 0) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"' || *p == '`')
			quote = *p;
		else if (*p == '?')
			n++;
	}
	return n;
}

static void
every_statement_counts_its_placeholders(void **state)
{
	int	bad = 0;

	for (int i = 0; i < ST__COUNT; i++) {
		const struct stmt_def *d = &db_stmt_defs[i];

		if (d->sql == NULL || *d->sql == '\0') {
			print_message("statement %d has no SQL\n", i);
			bad++;
			continue;
		}
		if (placeholders(d->sql) != d->nparams ||
		    d->nparams > WH_DB_MAX_PARAMS) {
			print_message("statement %d: %d placeholders, nparams "
			    "%d: %.80s\n", i, placeholders(d->sql), d->nparams,
			    d->sql);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
args_carry_their_count(void **state)
{
	struct db_arg	two[] = { ARG_INT(1), ARG_STR("x") };
	struct db_args	a = ARGS(two), none = NOARGS;

	assert_ptr_equal(a.v, two);
	assert_int_equal(a.n, 2);
	assert_null(none.v);
	assert_int_equal(none.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_statement_counts_its_placeholders),
		cmocka_unit_test(args_carry_their_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
