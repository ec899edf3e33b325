#!/bin/bash
# SPDX-License-Identifier: MIT
# test_package.sh: the Debian package as an operator meets it (TAP).
#
# Builds it from the source tree (dpkg-buildpackage -us -uc -b, the unit
# tests included), runs lintian, installs it with apt-get, checks what the
# maintainer scripts made (user, modes, key, runtime directory), verifies
# the systemd units (systemd-analyze verify and security, the exposure
# reported), migrates a private MariaDB as the service user, starts
# webhookd on its socket unit and the dispatcher as their units would
# (tests/package/unit-exec.py: ExecStart=, User=, Group=, UMask=, the
# socket passed on fd 3), puts the installed nginx snippet in front (nginx
# workers as www-data), runs an API smoke test with one signed delivery,
# stops them, reinstalls it (the key and modes kept), then removes the
# package (only the configuration may stay) and purges it (only the key
# file may stay).  As root, on Debian 12.
#
# make check-package runs it; contrib/check.sh does.

set -u
: "${abs_top_srcdir:?}" "${abs_top_builddir:?}"
SRC=$abs_top_srcdir
# shellcheck source=contrib/lib-stack.sh
source "$SRC/contrib/lib-stack.sh"

N=0
FAILED=0
ok() { N=$((N + 1)); printf 'ok %d - %s\n' "$N" "$1"; }
not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	printf 'not ok %d - %s\n' "$N" "$1"
	shift
	local l
	for l in "$@"; do printf '# %s\n' "$l"; done
}
# check NAME CMD...: one test, its output shown on failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "command: $*"
		printf '%s\n' "$out" | tail -n 25 | sed 's/^/#   /'
	fi
}
bail() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

[[ $(id -u) -eq 0 ]] || bail "the package test installs a package: run it as root"
for t in dpkg-buildpackage lintian apt-get systemd-analyze python3 curl nginx mariadbd; do
	command -v "$t" >/dev/null || bail "$t is missing (contrib/check.sh installs it)"
done

# make check-package's TESTS= would reach the package's own make check
# through MAKEFLAGS: the package build starts from a clean environment.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES TESTS TEST_SUITE_LOG

OUT=$abs_top_builddir/tests/state/package
rm -rf "$OUT"
mkdir -p "$OUT/src" || bail "cannot create $OUT"
# Runtime state where the service user can reach it (a build tree under
# /root is not traversable by webhookd or www-data); the database's
# socket where a unit with PrivateTmp= still sees it.
# Under /run, not /tmp: the units' PrivateTmp would hide a socket in /tmp.
RUN=$(mktemp -d /run/webhookd-package.XXXXXX) || bail "mktemp"
chmod 0755 "$RUN"
LOG=$OUT/log
mkdir -p "$LOG"
PIDS=()

# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	stack_nginx_stop "$RUN" package 2>/dev/null
	stack_db_stop "$RUN" 2>/dev/null
	if dpkg-query -W -f='${db:Status-Status}' webhookd 2>/dev/null | grep -qv '^not-installed$'; then
		apt-get purge -y -q webhookd >>"$LOG/cleanup.log" 2>&1
	fi
	rm -rf "$RUN"
}
trap cleanup EXIT

# ---- build -----------------------------------------------------------------
# The tracked files only (a clone's work tree, or the tree as it is).
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$SRC" ls-files -z | (cd "$SRC" && xargs -0 cp --parents -t "$OUT/src")
	# and what is new but not yet committed, when run from a work tree
	git -C "$SRC" ls-files -z --others --exclude-standard | (cd "$SRC" && xargs -0 -r cp --parents -t "$OUT/src")
else
	tar -C "$SRC" --exclude=./build --exclude=./sanitizers --exclude='*.o' -cf - . | tar -C "$OUT/src" -xf -
fi
check "dpkg-checkbuilddeps: the build dependencies are installed" \
	bash -c "cd '$OUT/src' && dpkg-checkbuilddeps"
if (cd "$OUT/src" && dpkg-buildpackage -us -uc -b) >"$LOG/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b (unit tests: $(grep -m1 '^# PASS:' "$LOG/build.log" | tr -s ' ' | cut -d' ' -f3) passed)"
else
	not_ok "dpkg-buildpackage -us -uc -b" "see $LOG/build.log"
	tail -n 30 "$LOG/build.log" | sed 's/^/#   /'
	bail "no package to test"
fi
DEB=
for f in "$OUT"/webhookd_*_*.deb; do [[ -f $f ]] && DEB=$f; done
[[ -n $DEB ]] || bail "dpkg-buildpackage made no webhookd_*.deb"

# lintian: no error, no warning; the informational tags it has are
# overridden in debian/webhookd.lintian-overrides, each with its reason.
lintian --pedantic --fail-on error,warning,info,pedantic "$OUT"/webhookd_*.changes >"$LOG/lintian.log" 2>&1
rc=$?
if [[ $rc -eq 0 ]]; then
	ok "lintian --pedantic: no tag (the overrides say why, debian/webhookd.lintian-overrides)"
else
	not_ok "lintian --pedantic: no tag" "exit $rc"
	sed 's/^/#   /' "$LOG/lintian.log" | head -n 20
fi

# ---- install -----------------------------------------------------------------
dpkg-query -W webhookd >/dev/null 2>&1 && apt-get purge -y -q webhookd >/dev/null 2>&1
# A user left by an earlier run (purge keeps it) would hide a broken
# sysusers.d step, and a key left (purge keeps it) the key's creation.
if getent passwd webhookd >/dev/null; then userdel webhookd 2>/dev/null; fi
if getent group webhookd >/dev/null; then groupdel webhookd 2>/dev/null; fi
rm -rf /etc/webhookd
check "apt-get install the package" apt-get install -y -q "$DEB"

mode_of() { stat -c '%a %U:%G' "$1" 2>&1; }
expect_mode() {
	local got
	got=$(mode_of "$1")
	if [[ $got == "$2" ]]; then ok "$1 is $2"; else not_ok "$1 is $2" "got: $got"; fi
}
check "the system user webhookd exists (sysusers.d)" id webhookd
expect_mode /etc/webhookd/webhookd.conf "640 root:webhookd"
expect_mode /etc/webhookd/secret.key "640 root:webhookd"
expect_mode /run/webhookd "750 webhookd:www-data"
# Upgrades restart the services but leave the socket (and its backlog).
check "an upgrade never restarts webhookd.socket (the postinst starts it only)" \
	bash -c "! grep -E 'deb-systemd-invoke .*(restart|_dh_action).*webhookd\.socket' /var/lib/dpkg/info/webhookd.postinst"
check "webhookd.conf is a conffile" grep -qx /etc/webhookd/webhookd.conf /var/lib/dpkg/info/webhookd.conffiles
missing=()
for f in /usr/sbin/webhookd /usr/sbin/webhook-dispatcher /usr/bin/webhookctl \
	/usr/share/man/man8/webhookd.8.gz /usr/share/man/man8/webhook-dispatcher.8.gz \
	/usr/share/man/man1/webhookctl.1.gz /usr/share/man/man5/webhookd.conf.5.gz \
	/usr/share/webhookd/nginx/webhookd.conf /usr/share/webhookd/nginx/console.conf \
	/usr/share/webhookd/console/index.html /usr/share/webhookd/openapi.json \
	/usr/share/webhookd/sql/001_initial.sql /lib/systemd/system/webhookd.service \
	/lib/systemd/system/webhookd.socket /lib/systemd/system/webhook-dispatcher.service \
	/usr/lib/sysusers.d/webhookd.conf /usr/lib/tmpfiles.d/webhookd.conf; do
	[[ -e $f ]] || missing+=("$f")
done
if [[ ${#missing[@]} -eq 0 ]]; then ok "the programs, man pages, snippets, console, openapi.json, migrations and units are installed"
else not_ok "everything is installed" "missing: ${missing[*]}"; fi
check "webhookd -n reads the packaged configuration and key as the service user" \
	runuser -u webhookd -- /usr/sbin/webhookd -n -c /etc/webhookd/webhookd.conf

# ---- the units -----------------------------------------------------------------
U=/lib/systemd/system
check "systemd-analyze verify: the three units" \
	systemd-analyze verify --man=no $U/webhookd.socket $U/webhookd.service $U/webhook-dispatcher.service
for u in webhookd.service webhook-dispatcher.service; do
	out=$(systemd-analyze security --offline=yes --no-pager --threshold=20 "$U/$u" 2>&1)
	rc=$?
	score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [[ $rc -eq 0 && -n $score ]]; then
		ok "systemd-analyze security $u: exposure $score (at most 2.0)"
	else
		not_ok "systemd-analyze security $u: exposure at most 2.0" "exit $rc, exposure '${score:-?}'"
		printf '%s\n' "$out" | grep '✗' | sed 's/^/#   /'
	fi
done

# ---- a database, migrated as the service user ------------------------------------
stack_db_start "$RUN" >"$LOG/mariadb.log" 2>&1 || bail "MariaDB did not start"
chmod 0755 "$RUN/run"
stack_db_sql "$RUN" -e "CREATE DATABASE webhookd;
	CREATE USER webhookd@localhost IDENTIFIED VIA unix_socket;
	GRANT ALL ON webhookd.* TO webhookd@localhost;" || bail "database set-up"
# As an operator would: the database's socket, and receivers on loopback
# for this test's delivery.
sed -i -e "s|^db_socket = .*|db_socket = $RUN/run/mysqld.sock|" /etc/webhookd/webhookd.conf
printf 'allow_private_endpoints = yes\n' >>/etc/webhookd/webhookd.conf
CTL=(runuser -u webhookd -- /usr/bin/webhookctl -c /etc/webhookd/webhookd.conf)
check "webhookctl migrate (as webhookd, the migrations in /usr/share/webhookd/sql)" "${CTL[@]}" migrate
check "webhookctl migrate again: nothing to do, no error" "${CTL[@]}" migrate

# ---- the services, as their units start them ------------------------------------------
start_unit() {
	local log=$LOG/$1.log pid
	shift
	pid=$(python3 "$SRC/tests/package/unit-exec.py" "$@" 2>>"$log") || return 1
	PIDS+=("$pid")
	printf '%s\n' "$pid"
}
WPID=$(start_unit webhookd $U/webhookd.service $U/webhookd.socket) || bail "webhookd did not start"
DPID=$(start_unit dispatcher $U/webhook-dispatcher.service) || bail "the dispatcher did not start"

PORT=$(stack_free_port 18600) || bail "no free port"
RPORT=$(stack_free_port $((PORT + 1))) || bail "no free port"
sed -e "s|@LISTEN@|127.0.0.1:$PORT|g" -e "s|@SOCKET@|/run/webhookd/webhookd.sock|g" \
	-e "s|@DOCROOT@|/usr/share/webhookd|g" /usr/share/webhookd/nginx/webhookd.conf >"$RUN/webhookd-nginx.conf"
STACK_NGINX_USER=www-data stack_nginx_run "$RUN" package "127.0.0.1:$PORT" "$RUN/webhookd-nginx.conf" \
	>"$LOG/nginx.log" 2>&1 || { sed 's/^/#   /' "$LOG/nginx.log"; bail "nginx did not start"; }

check "webhookd serves on the socket of webhookd.socket (its log says so)" \
	grep -q "serving on the socket systemd passed" "$LOG/webhookd.log"
check "the pool runs as webhookd" \
	bash -c "[[ \$(ps -o user= -p $WPID) == webhookd && \$(pgrep -u webhookd -P $WPID | wc -l) -ge 1 ]]"
check "the dispatcher runs as webhookd" bash -c "[[ \$(ps -o user= -p $DPID) == webhookd ]]"

# ---- the API smoke test, through nginx (workers: www-data) ------------------------
"${CTL[@]}" user add smoke >/dev/null 2>>"$LOG/ctl.log"
TOKEN=$("${CTL[@]}" token create smoke 2>>"$LOG/ctl.log")
SVC=$("${CTL[@]}" token create smoke --service 2>>"$LOG/ctl.log")
if python3 "$SRC/tests/package/smoke.py" "http://127.0.0.1:$PORT/webhooks/v1" "$TOKEN" "$SVC" "$RPORT" \
	>"$LOG/smoke.log" 2>&1; then
	sed -n 's/^ok: /# /p' "$LOG/smoke.log"
	ok "API smoke test against the installed files (nginx snippet, webhookd, dispatcher, migrations)"
else
	not_ok "API smoke test against the installed files" "see $LOG/smoke.log"
	tail -n 20 "$LOG/smoke.log" | sed 's/^/#   /'
fi

# ---- stop as systemd would (SIGTERM), then remove and purge -------------------------
stopped=1
for p in "$WPID" "$DPID"; do
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$p" 2>/dev/null && stopped=0
done
PIDS=()
if [[ $stopped -eq 1 ]]; then ok "SIGTERM stops both services within 10 s"
else not_ok "SIGTERM stops both services within 10 s"; fi
stack_nginx_stop "$RUN" package >/dev/null 2>&1

# A reinstall (as an upgrade runs the same scripts) keeps the key and the
# configuration's owner and mode.
sum=$(sha256sum /etc/webhookd/secret.key 2>&1)
check "apt-get install --reinstall" apt-get install -y -q --reinstall "$DEB"
if [[ $(sha256sum /etc/webhookd/secret.key 2>&1) == "$sum" ]]; then ok "the reinstall kept the key"
else not_ok "the reinstall kept the key"; fi
expect_mode /etc/webhookd/webhookd.conf "640 root:webhookd"
check "the configuration's mode is a dpkg statoverride" dpkg-statoverride --list /etc/webhookd/webhookd.conf

dpkg -L webhookd | sort >"$OUT/files"
check "apt-get remove" apt-get remove -y -q webhookd
left=()
while IFS= read -r f; do
	[[ -d $f ]] && continue		# /lib and the like stay
	[[ -e $f || -L $f ]] || continue
	case $f in /etc/webhookd/*) ;; *) left+=("$f") ;; esac
done <"$OUT/files"
if [[ ${#left[@]} -eq 0 && -f /etc/webhookd/webhookd.conf && -f /etc/webhookd/secret.key ]]; then
	ok "after remove only the configuration is left (webhookd.conf, secret.key)"
else
	not_ok "after remove only the configuration is left" "left: ${left[*]:-none}" \
		"configuration: $(find /etc/webhookd -mindepth 1 -printf '%f ' 2>&1)"
fi
check "apt-get purge" apt-get purge -y -q webhookd
left=()
while IFS= read -r f; do [[ -e $f || -L $f ]] && [[ ! -d $f ]] && left+=("$f"); done <"$OUT/files"
for f in /run/webhookd /var/lib/dpkg/info/webhookd.list; do [[ -e $f ]] && left+=("$f"); done
while IFS= read -r f; do
	[[ $f == /etc/webhookd/secret.key ]] || left+=("$f")
done < <(find /etc/webhookd -mindepth 1 2>/dev/null)
dpkg-statoverride --list /etc/webhookd/webhookd.conf >/dev/null 2>&1 && left+=("the statoverride")
if [[ ${#left[@]} -eq 0 && -f /etc/webhookd/secret.key ]]; then
	ok "after purge nothing is left but the key file (the database keeps secrets encrypted with it; the system user stays too)"
else
	not_ok "after purge nothing is left but the key file" "left: ${left[*]:-nothing}" \
		"key file: $(ls -l /etc/webhookd/secret.key 2>&1)"
fi
rm -rf /etc/webhookd

printf '1..%d\n' "$N"
[[ $FAILED -eq 0 ]]
