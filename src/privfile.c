/* SPDX-License-Identifier: MIT */
/* privfile.c: the owner and mode a file holding a secret must have. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privfile.h"
#include "wh_limits.h"

/* Group read only (0640): the administrator (root, the owner) shares the
 * file with the group the service runs as, the Debian way for a
 * service's secrets.  For a program not run as root the group must be
 * one of its own (primary or supplementary); never group write, never
 * anything for others. */
static int
in_my_groups(gid_t gid)
{
	gid_t	groups[WH_PRIVFILE_MAX_GROUPS];
	int	n;

	if (gid == getegid())
		return 1;
	if ((n = getgroups(WH_PRIVFILE_MAX_GROUPS, groups)) < 0)
		return 0;	/* more than we look at: the primary group only */
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

static int
group_may_read(const struct stat *st, uid_t me)
{
	return (st->st_mode & (S_IRWXG | S_IRWXO)) == S_IRGRP &&
	    st->st_uid == 0 && (me == 0 || in_my_groups(st->st_gid));
}

int
privfile_check(int fd, const char *what, const char *path, char *err,
    size_t errlen)
{
	struct stat	st;
	uid_t		me = geteuid();

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) && !group_may_read(&st, me)) {
		snprintf(err, errlen, "%s %s: has mode %04o (owner uid %u, "
		    "group gid %u), so others than this program may read or "
		    "change it; chmod 600 it, or make it root's with mode 640 "
		    "and a group of this program's", what, path,
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
		    (unsigned)st.st_gid);
		return -1;
	}
	/* Whoever owns the file can change what this program trusts; root
	 * (the administrator, who may read anything) takes any owner's. */
	if (st.st_uid != me && st.st_uid != 0 && me != 0) {
		snprintf(err, errlen, "%s %s: owned by uid %u, not by the user "
		    "running this program (uid %u); chown it or run as its "
		    "owner", what, path, (unsigned)st.st_uid, (unsigned)me);
		return -1;
	}
	return 0;
}
