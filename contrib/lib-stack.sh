# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# lib-stack.sh: start and stop a private webhookd stack (MariaDB, webhookd,
# nginx) under one state directory.  Sourced by check.sh, quickstart.sh and
# bench.sh; every function returns non-zero on failure and never exits.
#
# Layout of a state directory STATE:
#     STATE/db/              MariaDB data directory
#     STATE/run/             sockets and pid files (mysqld.sock, webhookd.sock,
#                            dispatch.sock, *.pid, dispatcher-NAME.pid)
#     STATE/log/             mariadb.err, webhookd.log, dispatcher-NAME.log, ...
#     STATE/nginx-NAME/      a private nginx instance (nginx.conf, logs, temp)
#     STATE/db.password      the generated password of MariaDB user webhookd (0600)
#     STATE/secret.key       webhookd's key file (0600)
#     STATE/webhookd.conf    the config for webhookd and webhookctl (0600)
#
# Only processes recorded in pid files under STATE are ever signalled, and
# only after checking that their command line names STATE (or the program);
# system services are never touched.

STACK_PACKAGES=(build-essential autoconf automake libtool pkg-config libfcgi-dev
	libjson-c-dev libmariadb-dev libgcrypt20-dev libcmocka-dev libcurl4-openssl-dev
	uuid-dev mariadb-server mariadb-client nginx spawn-fcgi wrk python3 valgrind
	curl clang libclang-rt-14-dev python3-jsonschema nettle-dev cppcheck clang-tidy
	galera-4 rsync lsof)
# What only the tests need beyond those (make check's browser test, make
# lint, make check-package); node and npm from Debian unless the machine has its own.
STACK_TEST_PACKAGES=(shellcheck chromium debhelper lintian)

# Quiet by default; STACK_VERBOSE=1 shows more.
stack_log() { printf '[stack] %s\n' "$*" >&2; }
stack_err() { printf '[stack] error: %s\n' "$*" >&2; }

stack_is_root() { [[ $(id -u) -eq 0 ]]; }

# stack_abspath PATH: prints PATH made absolute (the directory must exist).
stack_abspath() {
	if [[ -d $1 ]]; then (cd "$1" && pwd -P)
	else printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd -P)" "$(basename "$1")"
	fi
}

# --- packages --------------------------------------------------------------

# stack_missing_packages PKG...: prints those of the packages not installed.
stack_missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
			printf '%s\n' "$p"
	done
}

# stack_deps: installs the missing packages of STACK_PACKAGES when root
# (without starting their services); otherwise prints the apt-get line.
# Returns 0 when everything is installed afterwards.
stack_deps() {
	stack_install "${STACK_PACKAGES[@]}"
}

# stack_test_deps: stack_deps and STACK_TEST_PACKAGES.
stack_test_deps() {
	local -a node=()
	command -v node >/dev/null 2>&1 || node+=(nodejs npm)
	command -v node >/dev/null 2>&1 && ! command -v npm >/dev/null 2>&1 && node+=(npm)
	stack_install "${STACK_PACKAGES[@]}" "${STACK_TEST_PACKAGES[@]}" "${node[@]}"
}

# stack_install PKG...: stack_deps for the packages given.
stack_install() {
	local -a missing
	mapfile -t missing < <(stack_missing_packages "$@")
	if [[ ${#missing[@]} -eq 0 ]]; then
		stack_log "all packages present"
		return 0
	fi
	if ! stack_is_root; then
		stack_err "missing packages: ${missing[*]}"
		printf 'run as root:\n    apt-get install -y %s\n' "${missing[*]}" >&2
		return 1
	fi
	stack_log "installing: ${missing[*]}"
	local guard=/usr/sbin/policy-rc.d made_guard=0 rc=0
	# Keep the packages' maintainer scripts from starting the system
	# mariadb and nginx services (exit 101 = "action forbidden").
	if [[ ! -e $guard ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$guard" && chmod 755 "$guard" && made_guard=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
		apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=1
	fi
	[[ $made_guard -eq 1 ]] && rm -f "$guard"
	return $rc
}

# --- build -----------------------------------------------------------------

# stack_autoreconf SRCDIR: runs autoreconf -fi in SRCDIR.
stack_autoreconf() {
	(cd "$1" && autoreconf -fi)
}

# stack_build SRCDIR BUILDDIR [CONFIGURE_ARGS...]: configures (when not yet
# configured with the same arguments) and makes.  BUILDDIR may be SRCDIR
# (in place) or another directory (VPATH).  Runs autoreconf if SRCDIR has no
# configure script.
stack_build() {
	local src build args_file
	src=$(stack_abspath "$1") || return 1
	mkdir -p "$2" || return 1
	build=$(stack_abspath "$2") || return 1
	shift 2
	if [[ ! -x $src/configure ]]; then
		stack_autoreconf "$src" || return 1
	fi
	if [[ $src != "$build" && -f $src/config.status ]]; then
		stack_err "$src is configured in place (e.g. by quickstart.sh); a VPATH build needs it clean:"
		stack_err "    (cd $src && make distclean)"
		return 1
	fi
	args_file=$build/.stack-configure-args
	if [[ ! -f $build/config.status || ! -f $args_file ||
	      "$(cat "$args_file")" != "$*" ]]; then
		(cd "$build" && "$src/configure" "$@") || return 1
		printf '%s' "$*" >"$args_file"
	fi
	make -C "$build" -j"$(nproc 2>/dev/null || echo 2)"
}

# --- processes -------------------------------------------------------------

# stack_pid_alive PID [MATCH]: true when PID runs (not a zombie) and, if
# MATCH is given, its command line contains MATCH.
stack_pid_alive() {
	local pid=$1 match=${2:-} stat cmd
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	{ read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} == Z || ${stat:0:1} == X ]] && return 1
	[[ -z $match ]] && return 0
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ $cmd == *"$match"* ]]
}

# stack_children PID: prints the pids whose parent is PID.
stack_children() {
	local parent=$1 f s ppid
	for f in /proc/[0-9]*/stat; do
		{ read -r s <"$f"; } 2>/dev/null || continue
		read -r _ ppid _ <<<"${s##*) }"
		if [[ $ppid == "$parent" ]]; then
			f=${f#/proc/}
			printf '%s\n' "${f%/stat}"
		fi
	done
}

# stack_pidfile_alive PIDFILE MATCH: true when the first pid of PIDFILE runs
# and its command line contains MATCH.
stack_pidfile_alive() {
	local pid
	[[ -f $1 ]] || return 1
	pid=$(head -n1 "$1" 2>/dev/null)
	stack_pid_alive "$pid" "$2"
}

# stack_kill_pids TIMEOUT MATCH PID...: sends SIGTERM to each PID that runs
# with MATCH in its command line, waits up to TIMEOUT seconds for all to end,
# then SIGKILLs the rest.  Their children (e.g. pool workers) are handled the
# same way when they outlive their parent.
stack_kill_pids() {
	local timeout=$1 match=$2 pid c i
	shift 2
	local -a pids=() kids=()
	for pid in "$@"; do
		stack_pid_alive "$pid" "$match" || continue
		pids+=("$pid")
		while read -r c; do [[ -n $c ]] && kids+=("$c"); done < <(stack_children "$pid")
	done
	[[ ${#pids[@]} -eq 0 ]] && return 0
	kill -TERM "${pids[@]}" 2>/dev/null
	for ((i = 0; i < timeout * 10; i++)); do
		local left=0
		for pid in "${pids[@]}"; do stack_pid_alive "$pid" && left=1; done
		[[ $left -eq 0 ]] && break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do
		if stack_pid_alive "$pid" "$match"; then
			stack_log "pid $pid did not stop in ${timeout}s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	# Children that outlived their parent (pool workers, nginx workers):
	# recorded above as children of our own process, so signalled by pid.
	[[ ${#kids[@]} -eq 0 ]] && return 0
	for ((i = 0; i < 50; i++)); do
		local left=0
		for c in "${kids[@]}"; do stack_pid_alive "$c" && left=1; done
		[[ $left -eq 0 ]] && return 0
		if [[ $i -eq 5 ]]; then
			for c in "${kids[@]}"; do stack_pid_alive "$c" && kill -TERM "$c" 2>/dev/null; done
		fi
		sleep 0.1
	done
	for c in "${kids[@]}"; do
		stack_pid_alive "$c" && kill -KILL "$c" 2>/dev/null
	done
	return 0
}

# stack_kill_pidfile PIDFILE MATCH [TIMEOUT]: stops every pid listed in
# PIDFILE (one a line) as stack_kill_pids does, then removes PIDFILE.
stack_kill_pidfile() {
	local file=$1 match=$2 timeout=${3:-30}
	local -a pids=()
	[[ -f $file ]] || return 0
	mapfile -t pids < <(grep -E '^[0-9]+$' "$file")
	[[ ${#pids[@]} -gt 0 ]] && stack_kill_pids "$timeout" "$match" "${pids[@]}"
	rm -f "$file"
}

# stack_port_free PORT: true when nothing listens on TCP PORT.
stack_port_free() {
	if command -v ss >/dev/null 2>&1; then
		[[ -z $(ss -Htln "sport = :$1" 2>/dev/null) ]]
	else
		! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# stack_free_port [START]: prints the first free TCP port from START
# (default 18080) on.
stack_free_port() {
	local p=${1:-18080} end
	end=$((p + 500))
	while ((p < end)); do
		if stack_port_free "$p"; then
			printf '%s\n' "$p"
			return 0
		fi
		p=$((p + 1))
	done
	return 1
}

# stack_wait_for SECONDS PID CMD...: runs CMD every 0.1 s until it succeeds
# (0), SECONDS pass (1) or PID, when not empty, dies (2).
stack_wait_for() {
	local secs=$1 pid=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		if [[ -n $pid ]] && ! stack_pid_alive "$pid"; then
			"$@" >/dev/null 2>&1 && return 0
			return 2
		fi
		sleep 0.1
	done
	return 1
}

# stack_dirs STATE: creates STATE/{db,run,log} and prints STATE made absolute.
stack_dirs() {
	mkdir -p "$1/run" "$1/log" "$1/db" || return 1
	chmod 700 "$1/run" 2>/dev/null
	local s
	s=$(stack_abspath "$1") || return 1
	# sun_path holds 108 bytes; keep room for the socket names.
	if [[ ${#s} -gt 80 ]]; then
		stack_err "state directory path too long for unix sockets (${#s} > 80): $s"
		return 1
	fi
	printf '%s\n' "$s"
}

# --- MariaDB ---------------------------------------------------------------

# The MariaDB account that the OS user gets through unix_socket auth.
stack_db_admin() { id -un; }

# stack_db_sql STATE [ARGS...]: runs the mariadb client as the admin over the
# private socket; SQL on stdin or in ARGS (-e ...).
stack_db_sql() {
	local s=$1
	shift
	mariadb --no-defaults --socket="$s/run/mysqld.sock" -u "$(stack_db_admin)" "$@"
}

# stack_db_running STATE: true when the private mariadbd runs.
stack_db_running() {
	stack_pidfile_alive "$1/run/mariadbd.pid" "$1/db"
}

# stack_db_start STATE: creates the data directory on first use, starts the
# private mariadbd unless it runs, and waits until it answers.
stack_db_start() {
	local s pid rc
	s=$(stack_dirs "$1") || return 1
	if stack_db_running "$s"; then
		stack_log "mariadbd already running (pid $(head -n1 "$s/run/mariadbd.pid"))"
		return 0
	fi
	local -a user=() extra=()
	stack_is_root && user=(--user=root)
	# STACK_DB_ARGS: extra mariadbd options, split on spaces.
	read -ra extra <<<"${STACK_DB_ARGS:-}"
	if [[ ! -d $s/db/mysql ]]; then
		stack_log "initialising MariaDB data directory $s/db"
		if ! mariadb-install-db --no-defaults --datadir="$s/db" "${user[@]}" \
			--auth-root-authentication-method=socket \
			--auth-root-socket-user="$(stack_db_admin)" --skip-test-db \
			>"$s/log/mariadb-install.log" 2>&1; then
			stack_err "mariadb-install-db failed; see $s/log/mariadb-install.log"
			tail -n 20 "$s/log/mariadb-install.log" >&2
			return 1
		fi
	fi
	rm -f "$s/run/mysqld.sock"
	mariadbd --no-defaults --datadir="$s/db" --socket="$s/run/mysqld.sock" \
		--pid-file="$s/run/mysqld.pid" --skip-networking \
		--log-error="$s/log/mariadb.err" "${user[@]}" \
		"${extra[@]}" </dev/null >/dev/null 2>&1 &
	pid=$!
	printf '%s\n' "$pid" >"$s/run/mariadbd.pid"
	stack_wait_for 60 "$pid" stack_db_sql "$s" -e 'SELECT 1'
	rc=$?
	if [[ $rc -ne 0 ]]; then
		stack_err "mariadbd did not come up (rc $rc); see $s/log/mariadb.err"
		tail -n 20 "$s/log/mariadb.err" >&2
		stack_db_stop "$s"
		return 1
	fi
	stack_log "mariadbd running (pid $pid, socket $s/run/mysqld.sock)"
}

# stack_db_stop STATE: stops the private mariadbd (pid file), if it runs.
stack_db_stop() {
	local s=$1
	[[ -d $s ]] && s=$(stack_abspath "$s")
	stack_kill_pidfile "$s/run/mariadbd.pid" "$s/db" 60
}

# stack_db_password STATE: prints the webhookd DB password, generating it
# (once) into STATE/db.password.
stack_db_password() {
	local f=$1/db.password
	if [[ ! -s $f ]]; then
		(umask 077 && od -An -tx1 -N18 /dev/urandom | tr -d ' \n' >"$f") || return 1
	fi
	chmod 600 "$f"
	cat "$f"
}

# stack_db_bootstrap STATE: creates database webhookd and user
# 'webhookd'@'localhost' with the password of STATE/db.password
# (idempotent: re-running re-applies the same password and grant).
stack_db_bootstrap() {
	local s pw
	s=$(stack_abspath "$1") || return 1
	pw=$(stack_db_password "$s") || return 1
	stack_db_sql "$s" <<-EOF
		CREATE DATABASE IF NOT EXISTS webhookd CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
		CREATE USER IF NOT EXISTS 'webhookd'@'localhost' IDENTIFIED BY '$pw';
		ALTER USER 'webhookd'@'localhost' IDENTIFIED BY '$pw';
		GRANT ALL PRIVILEGES ON webhookd.* TO 'webhookd'@'localhost';
	EOF
}

# --- webhookd --------------------------------------------------------------

# stack_write_conf STATE WEBHOOKCTL [KEY=VALUE...]: writes STATE/webhookd.conf
# (0600) from the defaults below, with KEY=VALUE overriding or adding keys;
# generates STATE/secret.key with `webhookctl key generate` when missing.
stack_write_conf() {
	local s ctl kv k v pw
	s=$(stack_abspath "$1") || return 1
	ctl=$2
	shift 2
	pw=$(stack_db_password "$s") || return 1
	if [[ ! -s $s/secret.key ]]; then
		"$ctl" key generate "$s/secret.key" >/dev/null
		local rc=$?
		if [[ $rc -ne 0 ]]; then
			stack_err "webhookctl key generate failed (exit $rc)"
			rm -f "$s/secret.key"
			return 1
		fi
	fi
	chmod 600 "$s/secret.key"
	local -a keys=(listen listen_mode listen_backlog workers max_requests
		shutdown_timeout db_socket db_user db_password db_name key_file
		page_size max_page_size allow_private_endpoints token_cache_ttl log_level)
	local -A val=(
		[listen]=$s/run/webhookd.sock [listen_mode]=0660 [listen_backlog]=1024
		[workers]=4 [max_requests]=0 [shutdown_timeout]=10
		[db_socket]=$s/run/mysqld.sock [db_user]=webhookd [db_password]=$pw
		[db_name]=webhookd [key_file]=$s/secret.key [page_size]=20
		[max_page_size]=100 [allow_private_endpoints]=false
		[token_cache_ttl]=5 [log_level]=info)
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		[[ -v "val[$k]" ]] || keys+=("$k")
		val[$k]=$v
	done
	(
		umask 077
		{
			printf '# webhookd and webhookctl configuration (written by contrib/lib-stack.sh)\n'
			for k in "${keys[@]}"; do printf '%s = %s\n' "$k" "${val[$k]}"; done
		} >"$s/webhookd.conf.tmp"
	) || return 1
	mv -f "$s/webhookd.conf.tmp" "$s/webhookd.conf"
}

# stack_conf_get CONF KEY: prints KEY's value from a webhookd config file.
stack_conf_get() {
	sed -n -E "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*([^#]*[^#[:space:]])?[[:space:]]*(#.*)?$/\\1/p" "$1" | tail -n1
}

# stack_conf_has CONF KEY: true when CONF sets KEY (even to an empty value).
stack_conf_has() {
	grep -q -E "^[[:space:]]*$2[[:space:]]*=" "$1"
}

# stack_conf_set CONF KEY VALUE: sets KEY to VALUE in CONF: its last line
# for KEY is replaced (earlier ones are dropped), or the line is appended.
# The file keeps mode 0600.
stack_conf_set() {
	local conf=$1 key=$2 value=$3
	[[ -f $conf ]] || { stack_err "$conf does not exist"; return 1; }
	(
		umask 077
		awk -v k="$key" -v v="$value" '
			BEGIN { re = "^[[:space:]]*" k "[[:space:]]*=" }
			{ lines[NR] = $0; if ($0 ~ re) last = NR }
			END {
				for (i = 1; i <= NR; i++) {
					if (lines[i] ~ re) {
						if (i == last) print k " = " v
					} else print lines[i]
				}
				if (!last) print k " = " v
			}' "$conf" >"$conf.tmp"
	) || { rm -f "$conf.tmp"; return 1; }
	mv -f "$conf.tmp" "$conf"
}

# stack_migrate STATE WEBHOOKCTL SQLDIR: applies the migrations.
stack_migrate() {
	"$2" -c "$1/webhookd.conf" migrate --sql-dir "$3"
	local rc=$?
	[[ $rc -eq 0 ]] || stack_err "webhookctl migrate failed (exit $rc)"
	return $rc
}

# stack_webhookd_running STATE
stack_webhookd_running() {
	stack_pidfile_alive "$1/run/webhookd.pid" "$1/webhookd.conf"
}

# stack_webhookd_start STATE WEBHOOKD: checks the config (-n), starts
# webhookd in the background (stderr to STATE/log/webhookd.log, pid in
# STATE/run/webhookd.pid) and waits until its socket exists.  The caller's
# environment (e.g. ASAN_OPTIONS) is passed on.
stack_webhookd_start() {
	local s d=$2 conf sock pid rc
	s=$(stack_abspath "$1") || return 1
	conf=$s/webhookd.conf
	if stack_webhookd_running "$s"; then
		stack_log "webhookd already running (pid $(head -n1 "$s/run/webhookd.pid"))"
		return 0
	fi
	if ! "$d" -n -c "$conf" >>"$s/log/webhookd.log" 2>&1; then
		stack_err "webhookd -n rejects $conf:"
		tail -n 5 "$s/log/webhookd.log" >&2
		return 1
	fi
	sock=$(stack_conf_get "$conf" listen)
	[[ $sock == /* ]] && rm -f "$sock"
	"$d" -c "$conf" </dev/null >>"$s/log/webhookd.log" 2>&1 &
	pid=$!
	printf '%s\n' "$pid" >"$s/run/webhookd.pid"
	if [[ $sock == /* ]]; then
		stack_wait_for 30 "$pid" test -S "$sock"
	else
		stack_wait_for 30 "$pid" bash -c "exec 3<>/dev/tcp/${sock%:*}/${sock##*:}"
	fi
	rc=$?
	if [[ $rc -ne 0 ]]; then
		stack_err "webhookd did not open $sock (rc $rc); see $s/log/webhookd.log"
		tail -n 20 "$s/log/webhookd.log" >&2
		stack_webhookd_stop "$s"
		return 1
	fi
	stack_log "webhookd running (pid $pid, socket $sock)"
}

# stack_webhookd_stop STATE: SIGTERM (drain), SIGKILL after 30 s.
stack_webhookd_stop() {
	local s=$1
	[[ -d $s ]] && s=$(stack_abspath "$s")
	stack_kill_pidfile "$s/run/webhookd.pid" "$s/webhookd.conf" 30
}

# --- webhook-dispatcher ----------------------------------------------------

# stack_dispatcher_running STATE [NAME]
stack_dispatcher_running() {
	local s=$1
	[[ -d $s ]] && s=$(stack_abspath "$s")
	stack_pidfile_alive "$s/run/dispatcher-${2:-main}.pid" "webhook-dispatcher -c $s/webhookd.conf"
}

# stack_socket_fresh PATH INODE: true when PATH is a socket whose inode is
# not INODE (so a stale socket left by an earlier run does not count).
stack_socket_fresh() {
	[[ -S $1 && $(stat -c %i "$1" 2>/dev/null) != "$2" ]]
}

# stack_pids_with TEXT...: the running pids whose command line (arguments
# joined by blanks, one after the last) contains every TEXT.
stack_pids_with() {
	local f pid cmd t hit
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		cmd=$(tr '\0' ' ' <"$f" 2>/dev/null) || continue
		hit=1
		for t in "$@"; do [[ $cmd == *"$t"* ]] || { hit=0; break; }; done
		[[ $hit == 1 ]] && stack_pid_alive "$pid" && printf '%s\n' "$pid"
	done
}

# stack_dispatcher_start STATE DISPATCHER [NAME]: checks the config (-n),
# starts webhook-dispatcher NAME (default main) on STATE/webhookd.conf in
# the background (stderr to STATE/log/dispatcher-NAME.log, pid in
# STATE/run/dispatcher-NAME.pid) and waits until it has bound its
# dispatcher_notify socket and its metrics_listen port, whichever the
# config sets (otherwise until it has run for a second).  The caller's
# environment (e.g. ASAN_OPTIONS) is passed on.
stack_dispatcher_start() {
	local s d=$2 name=${3:-main} conf sock metrics pid rc before='' pidf log
	s=$(stack_abspath "$1") || return 1
	conf=$s/webhookd.conf
	pidf=$s/run/dispatcher-$name.pid
	log=$s/log/dispatcher-$name.log
	if stack_dispatcher_running "$s" "$name"; then
		stack_log "dispatcher $name already running (pid $(head -n1 "$pidf"))"
		return 0
	fi
	if [[ ! -x $d ]]; then
		stack_err "webhook-dispatcher not found or not executable: $d"
		return 1
	fi
	if ! "$d" -n -c "$conf" >>"$log" 2>&1; then
		stack_err "webhook-dispatcher -n rejects $conf:"
		tail -n 5 "$log" >&2
		return 1
	fi
	sock=$(stack_conf_get "$conf" dispatcher_notify)
	metrics=$(stack_conf_get "$conf" metrics_listen)
	# None of this name runs: a socket left by one killed outright is
	# stale (its inode number may well come back for the new one).
	if [[ $sock == /* && -S $sock && -z $(stack_pids_with "webhook-dispatcher -c $conf ") ]]; then
		rm -f "$sock"
	fi
	[[ $sock == /* && -S $sock ]] && before=$(stat -c %i "$sock")
	if [[ -n $metrics ]] && ! stack_port_free "${metrics##*:}"; then
		stack_err "metrics_listen $metrics: port already in use (dispatcher $name not started)"
		return 1
	fi
	"$d" -c "$conf" </dev/null >>"$log" 2>&1 &
	pid=$!
	printf '%s\n' "$pid" >"$pidf"
	rc=0
	if [[ $sock == /* ]]; then
		stack_wait_for 30 "$pid" stack_socket_fresh "$sock" "$before" || rc=$?
	fi
	if [[ $rc -eq 0 && -n $metrics ]]; then
		stack_wait_for 30 "$pid" bash -c "exec 3<>/dev/tcp/${metrics%:*}/${metrics##*:}" || rc=$?
	fi
	if [[ $rc -eq 0 && $sock != /* && -z $metrics ]]; then
		sleep 1
		stack_pid_alive "$pid" || rc=2
	fi
	if [[ $rc -ne 0 ]]; then
		stack_err "dispatcher $name did not come up (rc $rc: ${sock:-no notify socket}, ${metrics:-no metrics port}); see $log"
		tail -n 20 "$log" >&2
		stack_dispatcher_stop "$s" "$name"
		return 1
	fi
	stack_log "dispatcher $name running (pid $pid${sock:+, notify $sock}${metrics:+, metrics http://$metrics/metrics})"
}

# stack_dispatcher_stop STATE [NAME] [TIMEOUT]: SIGTERM (it finishes its
# in-flight sends), SIGKILL after TIMEOUT (30) seconds.
stack_dispatcher_stop() {
	local s=$1
	[[ -d $s ]] && s=$(stack_abspath "$s")
	stack_kill_pidfile "$s/run/dispatcher-${2:-main}.pid" "webhook-dispatcher -c $s/webhookd.conf" "${3:-30}"
}

# --- nginx -----------------------------------------------------------------

# stack_nginx_conf SRCDIR LISTEN SOCKET [ORIGINS]: prints nginx/webhookd.conf
# with its placeholders filled; ORIGINS (webhookd.conf's cors_origins,
# separated by commas or blanks) become the map lines that let those origins
# read nginx's own answers.  STACK_NGINX_NO_LIMIT=1 removes the rate limit.
stack_nginx_conf() {
	local f=$1/nginx/webhookd.conf o lines="" seen=" "
	local -a origins=()
	[[ -f $f ]] || { stack_err "missing $f"; return 1; }
	read -ra origins <<<"${4:-}"
	read -ra origins <<<"${origins[*]//,/ }"
	for o in "${origins[@]}"; do
		[[ $o =~ ^[A-Za-z][A-Za-z0-9+.-]*://[][A-Za-z0-9.:-]+$ ]] ||
			{ stack_err "cors origin '$o' is not scheme://host[:port]"; return 1; }
		# nginx compares map strings without case and refuses a repeat
		[[ $seen == *" ${o,,} "* ]] && continue
		seen+="${o,,} "
		lines+="    \"1$o\" \"$o\";"$'\n'
	done
	sed -e "s|@LISTEN@|$2|g" -e "s|@SOCKET@|$3|g" -e "s|@ROOT@|$1/nginx|g" -e "s|@DOCROOT@|$1/doc|g" \
		-e "$([[ ${STACK_NGINX_NO_LIMIT:-0} == 1 ]] && echo '/^[[:space:]]*limit_req[[:space:]]\{1,\}zone=/d')" \
		"$f" | awk -v lines="$lines" '/^[[:space:]]*# @CORS_ORIGINS@[[:space:]]*$/ { printf "%s", lines; next } { print }'
}

# stack_nginx_start STATE NAME LISTEN SOCKET SRCDIR [EXTRA_CONF]: starts a
# private nginx in STATE/nginx-NAME that includes nginx/webhookd.conf
# (LISTEN e.g. 127.0.0.1:8080, SOCKET webhookd's unix socket; the
# cors_origins of STATE/webhookd.conf for nginx's own answers) and, if
# given, the file EXTRA_CONF inside http {}.  STACK_NGINX_ACCESS_LOG=off
# turns the access log off.
stack_nginx_start() {
	local s name=$2 listen=$3 sock=$4 src d xconf=${6:-}
	s=$(stack_abspath "$1") || return 1
	src=$(stack_abspath "$5") || return 1
	d=$s/nginx-$name
	if stack_nginx_running "$s" "$name"; then
		stack_log "nginx $name already running (pid $(head -n1 "$d/nginx.pid"))"
		return 0
	fi
	mkdir -p "$d" || return 1
	local allowed=""
	[[ -f $s/webhookd.conf ]] && allowed=$(stack_conf_get "$s/webhookd.conf" cors_origins)
	stack_nginx_conf "$src" "$listen" "$sock" "$allowed" >"$d/webhookd.conf" || return 1
	local -a inc=("$d/webhookd.conf")
	[[ -n $xconf ]] && inc+=("$(stack_abspath "$xconf")")
	stack_nginx_run "$s" "$name" "$listen" "${inc[@]}"
}

# stack_console_conf SRCDIR LISTEN: prints nginx/console.conf with its
# placeholders filled (@ROOT@ is SRCDIR/web/console).
stack_console_conf() {
	local f=$1/nginx/console.conf
	[[ -f $f ]] || { stack_err "missing $f"; return 1; }
	[[ -d $1/web/console ]] || { stack_err "missing $1/web/console/"; return 1; }
	sed -e "s|@LISTEN@|$2|g" -e "s|@ROOT@|$1/web/console|g" "$f"
}

# stack_console_start STATE NAME LISTEN SRCDIR: starts a private nginx in
# STATE/nginx-NAME that serves only the web console (nginx/console.conf)
# on LISTEN, an origin of its own.
stack_console_start() {
	local s name=$2 listen=$3 src d
	s=$(stack_abspath "$1") || return 1
	src=$(stack_abspath "$4") || return 1
	d=$s/nginx-$name
	if stack_nginx_running "$s" "$name"; then
		stack_log "nginx $name already running (pid $(head -n1 "$d/nginx.pid"))"
		return 0
	fi
	mkdir -p "$d" || return 1
	stack_console_conf "$src" "$listen" >"$d/console.conf" || return 1
	stack_nginx_run "$s" "$name" "$listen" "$d/console.conf"
}

# stack_nginx_run STATE NAME LISTEN FILE...: writes STATE/nginx-NAME/nginx.conf
# that includes each FILE inside http {} (copies of Debian's fastcgi_params
# and mime.types sit beside it for relative includes), checks it with
# nginx -t, starts that nginx and waits until it answers on LISTEN.
# STACK_NGINX_ACCESS_LOG=off turns the http-level access log off;
# STACK_NGINX_USER names the workers' user (as root; default root).
stack_nginx_run() {
	local s name=$2 listen=$3 d nuser='' i f
	s=$(stack_abspath "$1") || return 1
	shift 3
	d=$s/nginx-$name
	if stack_nginx_running "$s" "$name"; then
		stack_log "nginx $name already running (pid $(head -n1 "$d/nginx.pid"))"
		return 0
	fi
	mkdir -p "$d/logs" "$d/tmp" || return 1
	if [[ -f /etc/nginx/fastcgi_params ]]; then
		cp /etc/nginx/fastcgi_params "$d/fastcgi_params"
	else
		stack_err "/etc/nginx/fastcgi_params not found (is nginx installed?)"
		return 1
	fi
	[[ -f /etc/nginx/mime.types ]] && cp /etc/nginx/mime.types "$d/mime.types"
	stack_is_root && nuser="user ${STACK_NGINX_USER:-root};"
	local access="access_log $d/logs/access.log;"
	[[ ${STACK_NGINX_ACCESS_LOG:-on} == off ]] && access='access_log off;'
	local includes=''
	for f in "$@"; do includes+="    include $f;"$'\n'; done
	cat >"$d/nginx.conf" <<-EOF
		# generated by contrib/lib-stack.sh
		$nuser
		worker_processes 2;
		pid $d/nginx.pid;
		error_log $d/logs/error.log warn;
		daemon on;
		events { worker_connections 4096; }
		http {
		    $access
		    client_body_temp_path $d/tmp/client_body;
		    fastcgi_temp_path $d/tmp/fastcgi;
		    proxy_temp_path $d/tmp/proxy;
		    uwsgi_temp_path $d/tmp/uwsgi;
		    scgi_temp_path $d/tmp/scgi;
		    sendfile on;
		    tcp_nodelay on;
		    keepalive_timeout 65;
		$includes}
	EOF
	if [[ $listen =~ :([0-9]+)$ ]] && ! stack_port_free "${BASH_REMATCH[1]}"; then
		stack_err "port ${BASH_REMATCH[1]} is already in use (nginx $name not started)"
		return 1
	fi
	local -a ngx=(nginx -e "$d/logs/error.log" -p "$d/" -c "$d/nginx.conf")
	if ! "${ngx[@]}" -t -q; then
		stack_err "nginx -t failed for $d/nginx.conf"
		return 1
	fi
	rm -f "$d/nginx.pid"
	"${ngx[@]}" </dev/null || { stack_err "nginx failed to start; see $d/logs/error.log"; return 1; }
	for ((i = 0; i < 100; i++)); do
		[[ -s $d/nginx.pid ]] && break
		sleep 0.1
	done
	local host=${listen%:*} port=${listen##*:}
	[[ $host == "$listen" ]] && host=127.0.0.1
	if ! stack_wait_for 10 "$(head -n1 "$d/nginx.pid" 2>/dev/null)" \
		bash -c "exec 3<>/dev/tcp/$host/$port"; then
		stack_err "nginx $name does not listen on $listen; see $d/logs/error.log"
		tail -n 5 "$d/logs/error.log" >&2
		stack_nginx_stop "$s" "$name"
		return 1
	fi
	stack_log "nginx $name running (pid $(head -n1 "$d/nginx.pid"), http://$listen/)"
}

# stack_nginx_running STATE NAME
stack_nginx_running() {
	stack_pidfile_alive "$1/nginx-$2/nginx.pid" "$1/nginx-$2/"
}

# stack_nginx_stop STATE NAME: stops that private nginx (its pid file).
stack_nginx_stop() {
	local s=$1
	[[ -d $s ]] && s=$(stack_abspath "$s")
	stack_kill_pidfile "$s/nginx-$2/nginx.pid" "$s/nginx-$2/" 15
}

# stack_stop_all STATE: stops every nginx-*, every dispatcher-NAME,
# webhookd, spawn-fcgi children (STATE/run/spawn.pid) and mariadbd of
# STATE, in that order.
stack_stop_all() {
	local s=$1 d f
	[[ -d $s ]] || return 0
	s=$(stack_abspath "$s")
	for d in "$s"/nginx-*; do
		[[ -d $d ]] && stack_nginx_stop "$s" "${d##*/nginx-}"
	done
	for f in "$s"/run/dispatcher-*.pid; do
		[[ -f $f ]] || continue
		f=${f##*/dispatcher-}
		stack_dispatcher_stop "$s" "${f%.pid}"
	done
	stack_webhookd_stop "$s"
	stack_kill_pidfile "$s/run/spawn.pid" "$s/" 30
	stack_db_stop "$s"
}
