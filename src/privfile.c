/* SPDX-License-Identifier: MIT */
/* privfile.c: the owner and mode a file holding a secret must have. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privfile.h"

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
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s %s: has mode %04o, so its group or "
		    "others may read it; chmod 600 it", what, path,
		    (unsigned)(st.st_mode & 07777));
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
