/* SPDX-License-Identifier: MIT */
/* test_pool.c: socket activation, the socket systemd passes on fd 3. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pool.h"

static int	saved_fd3 = -1;	/* whatever fd 3 was before a test */

static int
setup(void **state)
{
	(void)state;
	saved_fd3 = fcntl(POOL_ACTIVATED_FD, F_DUPFD_CLOEXEC, 10);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(POOL_ACTIVATED_FD);
	if (saved_fd3 != -1) {
		dup2(saved_fd3, POOL_ACTIVATED_FD);
		close(saved_fd3);
	}
	return 0;
}

/* fd 3 becomes a stream socket, listening or not. */
static void
put_socket_on_fd3(int type, int listening)
{
	struct sockaddr	sa = { .sa_family = AF_UNIX };
	int		fd = socket(AF_UNIX, type, 0);

	assert_true(fd >= 0);
	/* An abstract name of the kernel's choosing (autobind). */
	assert_int_equal(bind(fd, &sa, sizeof(sa_family_t)), 0);
	if (listening)
		assert_int_equal(listen(fd, 8), 0);
	if (fd != POOL_ACTIVATED_FD) {		/* fd 3 may have been free */
		assert_int_equal(dup2(fd, POOL_ACTIVATED_FD),
		    POOL_ACTIVATED_FD);
		close(fd);
	}
}

static void
set_env(const char *pid, const char *nfds)
{
	char	me[32];

	snprintf(me, sizeof(me), "%ld", (long)getpid());
	setenv("LISTEN_PID", pid != NULL ? pid : me, 1);
	if (nfds != NULL)
		setenv("LISTEN_FDS", nfds, 1);
	setenv("LISTEN_FDNAMES", "webhookd.socket", 1);
}

static void
test_no_activation_is_no_socket(void **state)
{
	char	err[128] = "";

	(void)state;
	put_socket_on_fd3(SOCK_STREAM, 1);
	assert_int_equal(pool_activated(err, sizeof(err)), -1);
	assert_string_equal(err, "");
}

static void
test_activation_for_another_process_is_left_alone(void **state)
{
	char	err[128] = "", other[32];

	(void)state;
	put_socket_on_fd3(SOCK_STREAM, 1);
	snprintf(other, sizeof(other), "%ld", (long)getpid() + 1);
	set_env(other, "1");
	assert_int_equal(pool_activated(err, sizeof(err)), -1);
	/* A child's variables: not ours to remove. */
	assert_non_null(getenv("LISTEN_FDS"));
}

static void
test_one_listening_socket_is_served_and_the_variables_go(void **state)
{
	char	err[128] = "";

	(void)state;
	put_socket_on_fd3(SOCK_STREAM, 1);
	set_env(NULL, "1");
	assert_int_equal(pool_activated(err, sizeof(err)), POOL_ACTIVATED_FD);
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDS"));
	assert_null(getenv("LISTEN_FDNAMES"));
}

static void
test_several_sockets_are_refused(void **state)
{
	char	err[128] = "";

	(void)state;
	put_socket_on_fd3(SOCK_STREAM, 1);
	set_env(NULL, "2");
	assert_int_equal(pool_activated(err, sizeof(err)), -2);
	assert_non_null(strstr(err, "LISTEN_FDS"));
	assert_null(getenv("LISTEN_FDS"));
}

static void
test_a_garbled_count_is_refused(void **state)
{
	char	err[128] = "";

	(void)state;
	put_socket_on_fd3(SOCK_STREAM, 1);
	set_env(NULL, "1x");
	assert_int_equal(pool_activated(err, sizeof(err)), -2);
	assert_non_null(strstr(err, "not a number"));
}

static void
test_a_socket_that_does_not_listen_is_refused(void **state)
{
	char	err[128] = "";

	(void)state;
	put_socket_on_fd3(SOCK_STREAM, 0);
	set_env(NULL, "1");
	assert_int_equal(pool_activated(err, sizeof(err)), -2);
	assert_non_null(strstr(err, "not a listening stream socket"));
}

static void
test_a_datagram_socket_is_refused(void **state)
{
	char	err[128] = "";

	(void)state;
	put_socket_on_fd3(SOCK_DGRAM, 0);
	set_env(NULL, "1");
	assert_int_equal(pool_activated(err, sizeof(err)), -2);
}

static void
test_a_closed_fd_is_refused(void **state)
{
	char	err[128] = "";

	(void)state;
	close(POOL_ACTIVATED_FD);
	set_env(NULL, "1");
	assert_int_equal(pool_activated(err, sizeof(err)), -2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_activation_is_no_socket,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_activation_for_another_process_is_left_alone,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_one_listening_socket_is_served_and_the_variables_go,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_sockets_are_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_garbled_count_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_socket_that_does_not_listen_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_datagram_socket_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_closed_fd_is_refused,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
