/* SPDX-License-Identifier: MIT */
/* test_privfile.c: the owner and mode required of files holding secrets.
 * geteuid is wrapped (-Wl,--wrap=geteuid) so that "another user" needs no
 * root: the file stays ours, the program pretends to run as someone else. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privfile.h"

uid_t	__real_geteuid(void);
uid_t	__wrap_geteuid(void);
gid_t	__real_getegid(void);
gid_t	__wrap_getegid(void);
int	__real_getgroups(int, gid_t *);
int	__wrap_getgroups(int, gid_t *);

static int	pretend = -1;	/* -1: the real euid */
static int	pretend_gid = -1;	/* -1: the real egid */
static int	pretend_sup = -1;	/* -1: the real groups; else the one */

uid_t
__wrap_geteuid(void)
{
	return pretend < 0 ? __real_geteuid() : (uid_t)pretend;
}

gid_t
__wrap_getegid(void)
{
	return pretend_gid < 0 ? __real_getegid() : (gid_t)pretend_gid;
}

int
__wrap_getgroups(int size, gid_t *list)
{
	if (pretend_sup < 0)
		return __real_getgroups(size, list);
	if (size < 1)
		return -1;
	list[0] = (gid_t)pretend_sup;
	return 1;
}

static char	dir[] = "/tmp/test_privfile.XXXXXX";
static char	path[128];

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/secret", dir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	return rmdir(dir);
}

/* privfile_check of path at mode; the message into err. */
static int
check_mode(mode_t mode, char *err, size_t errlen)
{
	int	fd, rc;

	unlink(path);
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	rc = privfile_check(fd, "key_file", path, err, errlen);
	close(fd);
	return rc;
}

static void
modes(void **state)
{
	static const mode_t ok[] = { 0600, 0400, 0700, 0200 };
	static const mode_t bad[] = { 0604, 0644, 0660, 0610, 0601, 0602,
	    0620, 0666, 0777, 0650 };
	char	err[256];

	pretend = -1;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(check_mode(ok[i], err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(check_mode(bad[i], err, sizeof(err)), -1);
		assert_non_null(strstr(err, path));
		assert_non_null(strstr(err, "key_file"));
		assert_non_null(strstr(err, "chmod 600"));
	}
}

/* 0640 root:GROUP, the packaged configuration: the service's group may
 * read it, no one else; group write or others' bits never. */
static void
root_owned_group_readable(void **state)
{
	static const mode_t bad[] = { 0660, 0644, 0650, 0670, 0641, 0604 };
	char	err[256];
	int	fd;

	if (__real_geteuid() != 0) {
		/* Only root can give a file to root; a file of our own with
		 * group read is refused like any other group bit. */
		pretend = -1;
		assert_int_equal(check_mode(0640, err, sizeof(err)), -1);
		return;
	}
	/* Root running (webhookctl): any group. */
	pretend = 0;
	assert_int_equal(check_mode(0640, err, sizeof(err)), 0);
	assert_int_equal(chown(path, 0, 4321), 0);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	/* The service user, in the file's group. */
	pretend = 12345;
	pretend_gid = 4321;
	assert_int_equal(privfile_check(fd, "key_file", path, err,
	    sizeof(err)), 0);
	/* In another group: refused, and told what would do. */
	pretend_gid = 4322;
	err[0] = '\0';
	assert_int_equal(privfile_check(fd, "key_file", path, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "gid 4321"));
	assert_non_null(strstr(err, "mode 640"));
	/* The file's group a supplementary one of the service's: read. */
	pretend_sup = 4321;
	assert_int_equal(privfile_check(fd, "key_file", path, err,
	    sizeof(err)), 0);
	pretend_sup = 4323;
	assert_int_equal(privfile_check(fd, "key_file", path, err,
	    sizeof(err)), -1);
	pretend_sup = -1;
	close(fd);
	pretend_gid = 4321;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(path, bad[i]), 0);
		assert_true((fd = open(path, O_RDONLY)) >= 0);
		assert_int_equal(privfile_check(fd, "key_file", path, err,
		    sizeof(err)), -1);
		close(fd);
	}
	/* Not root's: group read is refused even in the right group. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(chown(path, 12345, 4321), 0);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(privfile_check(fd, "key_file", path, err,
	    sizeof(err)), -1);
	close(fd);
	pretend = -1;
	pretend_gid = -1;
}

static void
owner(void **state)
{
	char	err[256];
	uid_t	me = __real_geteuid();
	int	fd;

	/* Running as another (non-root) user than the file's owner. */
	pretend = (int)(me == 12345 ? 12346 : 12345);
	if (me != 0) {
		err[0] = '\0';
		assert_int_equal(check_mode(0600, err, sizeof(err)), -1);
		assert_non_null(strstr(err, path));
		assert_non_null(strstr(err, "owned by uid"));
		/* root (the administrator) takes any owner's file */
		pretend = 0;
		assert_int_equal(check_mode(0600, err, sizeof(err)), 0);
	} else {
		/* The file is root's: root-owned files are accepted. */
		assert_int_equal(check_mode(0600, err, sizeof(err)), 0);
		assert_int_equal(chown(path, 4321, (gid_t)-1), 0);
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		err[0] = '\0';
		assert_int_equal(privfile_check(fd, "key_file", path, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "owned by uid 4321"));
		/* root (the administrator) takes any owner's file */
		pretend = 0;
		assert_int_equal(privfile_check(fd, "key_file", path, err,
		    sizeof(err)), 0);
		close(fd);
	}
	pretend = -1;
	assert_int_equal(check_mode(0600, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(modes),
		cmocka_unit_test(owner),
		cmocka_unit_test(root_owned_group_readable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
