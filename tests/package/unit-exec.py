#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""unit-exec.py SERVICE-FILE [SOCKET-FILE]: runs a systemd service's
ExecStart= the way systemd would on a machine without systemd as PID 1
(contrib's package test runs in a container): as its User= and Group=
(with the user's groups, as systemd's initgroups), in systemd's clean
environment, with its UMask=, and, given its socket unit, on
that unit's ListenStream= socket (SocketUser=, SocketGroup=, SocketMode=,
Backlog=) passed as fd 3 with LISTEN_PID and LISTEN_FDS, as socket
activation does.  Not emulated: the sandboxing directives (this machine
has no systemd as PID 1; systemd-analyze checks them offline).  It execs the service in its own process (the pid it
prints on standard output), so a signal to that pid reaches the service itself."""
import grp
import os
import pwd
import shlex
import socket
import stat
import sys


def unit(path):
    """The unit's settings, each a list of its values in order."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;[" or "=" not in line:
                continue
            k, v = line.split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


def last(u, k, default=None):
    return u[k][-1] if k in u and u[k] else default


def main():
    svc = unit(sys.argv[1])
    sock = unit(sys.argv[2]) if len(sys.argv) > 2 else None
    argv = shlex.split(last(svc, "ExecStart"))
    user = pwd.getpwnam(last(svc, "User", "root"))
    group = grp.getgrnam(last(svc, "Group", grp.getgrgid(user.pw_gid).gr_name))
    lsock = None
    if sock is not None:
        path = last(sock, "ListenStream")
        if os.path.exists(path) and stat.S_ISSOCK(os.stat(path).st_mode):
            os.unlink(path)
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(path)
        os.chown(path, pwd.getpwnam(last(sock, "SocketUser", "root")).pw_uid,
                 grp.getgrnam(last(sock, "SocketGroup", "root")).gr_gid)
        os.chmod(path, int(last(sock, "SocketMode", "0666"), 8))
        lsock.listen(int(last(sock, "Backlog", "4096")))
    pid = os.fork()
    if pid:
        print(pid, flush=True)
        return 0
    # The child becomes the service: its fds, its identity, then exec.
    if lsock is not None:
        os.dup2(lsock.fileno(), 3)
        os.set_inheritable(3, True)
        os.environ["LISTEN_PID"] = str(os.getpid())
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_FDNAMES"] = os.path.basename(sys.argv[2])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)   # the journal's place: standard error, for both
    os.umask(int(last(svc, "UMask", "0022"), 8))
    os.initgroups(user.pw_name, group.gr_gid)   # as systemd does for User=
    os.setgid(group.gr_gid)
    os.setuid(user.pw_uid)
    os.chdir("/")
    # systemd's clean environment: its PATH, the user's, and the socket's.
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": user.pw_dir, "USER": user.pw_name, "LOGNAME": user.pw_name,
           "SHELL": user.pw_shell}
    env.update({k: v for k, v in os.environ.items() if k.startswith("LISTEN_")})
    os.execve(argv[0], argv, env)
    return 127


if __name__ == "__main__":
    sys.exit(main())
