/* SPDX-License-Identifier: MIT */
/* privfile.h: files that hold secrets must be the running user's alone. */
#ifndef WH_PRIVFILE_H
#define WH_PRIVFILE_H

#include <stddef.h>

/*
 * Checks the open file fd (named path, described as what: "key_file") that
 * holds a secret: no permission bit for group or others (but for group
 * read of a root-owned file whose group is one of the program's, primary
 * or supplementary: mode 0640 root:GROUP; run as root, any group), and
 * owned by the user
 * running the program or by root (run as root, any owner is taken).
 * Returns 0, or -1 with a message
 * naming the file and the fix in err.
 */
int	privfile_check(int fd, const char *what, const char *path, char *err,
	    size_t errlen);

#endif
