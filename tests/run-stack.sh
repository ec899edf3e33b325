#!/bin/bash
# SPDX-License-Identifier: MIT
# run-stack.sh: make check's LOG_COMPILER for the integration tests.
#
#   run-stack.sh TEST
#
# TEST is one of
#   tests/integration/test_api.py         the API suite, against a stack
#                                         with a dispatcher (metrics,
#                                         SIGTERM), then the spawn-fcgi check
#   tests/integration/test_deliveries.py  the deliveries suite (it runs its
#                                         own dispatchers), against a stack
#                                         that accepts loopback endpoints
#   tests/browser/console.test.mjs        the web console in headless
#                                         Chromium, served by its own nginx
#                                         on another origin
#   tests/cluster/test_faults.py          contrib/cluster.sh's three Galera
#                                         nodes: the API suite against its
#                                         nginx, then the fault test (kills
#                                         under load, the ledger)
#
# Starts what TEST needs on loopback (a private MariaDB, the build's
# webhookd behind nginx, a dispatcher) under
# $abs_top_builddir/tests/state/NAME, runs TEST, checks what must hold after
# it (webhookd alive, dispatchers stopped or exiting 0, no sanitizer report
# in a sanitizer build) and stops exactly what it started, also when
# interrupted.  Prints TAP: its own checks as "ok - ..." / "not ok - ...",
# the test's results unnumbered, and one plan at the end.
#
# Environment (set by make check): abs_top_srcdir, abs_top_builddir,
# WH_SANITIZERS (yes in a --enable-sanitizers build), WH_DETECT_LEAKS (0
# where LeakSanitizer cannot run; default 1), CHECK_DELIVERIES_CONF (extra
# key=value settings, space separated, for the deliveries stack).

set -u
set -o pipefail

SRC=${abs_top_srcdir:?run-stack.sh runs from make check (abs_top_srcdir unset)}
BUILD=${abs_top_builddir:?run-stack.sh runs from make check (abs_top_builddir unset)}
# shellcheck source=contrib/lib-stack.sh
source "$SRC/contrib/lib-stack.sh"

TEST=${1:?usage: run-stack.sh TEST}
NAME=${TEST##*/}
NAME=${NAME%%.*}
NAME=${NAME#test_}
STATE=$BUILD/tests/state/$NAME
LOGS=$STATE/log
BIN=$BUILD/src
SAN=${WH_SANITIZERS:-no}
DETECT_LEAKS=${WH_DETECT_LEAKS:-1}
LIB=$SRC/contrib/lib-stack.sh

NTAP=0
ok() { NTAP=$((NTAP + 1)); printf 'ok - %s\n' "$*"; }
not_ok() { NTAP=$((NTAP + 1)); printf 'not ok - %s\n' "$*"; }
note() { printf '# %s\n' "$*"; }
# check NAME CMD...: one TAP line, ok when CMD succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# show FILE [N]: the end of a log as TAP comments.
show() { [[ -f $1 ]] && tail -n "${2:-20}" "$1" | sed 's/^/#   | /'; }
plan() { printf '1..%d\n' "$NTAP"; }
# bail REASON: a failed check, the plan, exit.
bail() {
	not_ok "$*"
	plan
	exit 1
}

# asan_opts NAME: ASAN_OPTIONS that log to STATE/log/asan-NAME.PID.
asan_opts() {
	printf 'detect_leaks=%s:abort_on_error=0:log_path=%s/asan-%s' "$DETECT_LEAKS" "$LOGS" "$1"
}
if [[ $SAN == yes ]]; then
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0
	export ASAN_OPTIONS
	ASAN_OPTIONS=$(asan_opts webhookd)
fi
# The option line a program gets (empty outside a sanitizer build).
san_env() { [[ $SAN == yes ]] && asan_opts "$1"; }

# --- the test's process group --------------------------------------------

CHILD=''
# TAP_SED: how the test's output becomes unnumbered TAP without a plan (the
# plan is ours).  The default renumbers top-level results; the console's
# node --test nests its tests under one describe(), whose leaves count.
TAP_SED=(-E -e 's/^(not )?ok [0-9]+ /\1ok /' -e '/^1\.\.[0-9]+/d' -e '/^TAP version/d')
NODE_TAP_SED=(-E -e '/^(not )?ok [0-9]+ /d' -e 's/^    (not )?ok [0-9]+ /\1ok /'
	-e '/^ *1\.\.[0-9]+/d' -e '/^TAP version/d')
# run_child LOG TIMEOUT CMD...: runs CMD in a process group of its own, its
# output to LOG and, through TAP_SED, to stdout (and LOG.tap) as it grows;
# returns CMD's exit status and counts its results.  Not a pipe from CMD:
# a process it leaves behind (a dispatcher, a browser) would hold it open.
run_child() {
	local log=$1 secs=$2 rc t0=$SECONDS
	shift 2
	# Job control for this one job: its own process group, led by $!.
	# (Under check.sh, "setsid CMD &" returned at once: setsid forks
	# when it leads a group already, and $! was not the test.)
	# The log exists before tail opens it: tail -f of a file not yet
	# created by the job's redirection gave up at once, and the suite's
	# results went uncounted (its exit status still counted).
	: >"$log"
	set -m
	timeout "$secs" "$@" >"$log" 2>&1 </dev/null &
	CHILD=$!
	set +m
	tail -n +1 -f --pid="$CHILD" "$log" 2>/dev/null | sed -u "${TAP_SED[@]}" | tee "$log.tap" &
	local tpid=$!
	wait "$CHILD"
	rc=$?
	wait "$tpid"
	NTAP=$((NTAP + $(grep -c -E '^(not )?ok( |$)' "$log.tap")))
	note "$1 exited $rc after $((SECONDS - t0)) s"
	[[ $rc -eq 124 ]] && note "$* timed out after ${secs}s"
	return $rc
}

# group_pids PGID: the running processes of process group PGID.
group_pids() {
	local f s pgrp pid
	[[ -n $1 ]] || return 0
	for f in /proc/[0-9]*/stat; do
		{ read -r s <"$f"; } 2>/dev/null || continue
		read -r _ _ pgrp _ <<<"${s##*) }"
		[[ $pgrp == "$1" ]] || continue
		pid=${f#/proc/}
		pid=${pid%/stat}
		stack_pid_alive "$pid" && printf '%s\n' "$pid"
	done
}

# leftover PROGRAM: pids of PROGRAM running with this stack's state.
leftover() { stack_pids_with "$1" "$STATE/"; }

# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
	local -a left=()
	mapfile -t left < <(group_pids "$CHILD")
	[[ ${#left[@]} -gt 0 ]] && stack_kill_pids 10 '' "${left[@]}"
	stack_stop_all "$STATE" >/dev/null 2>&1
	[[ -n $CLUSTER_STATE && -d $CLUSTER_STATE ]] &&
		CLUSTER_DIR=$CLUSTER_STATE "$SRC/contrib/cluster.sh" down >/dev/null 2>&1
}
CLUSTER_STATE=''
trap cleanup EXIT
trap 'note "interrupted"; exit 130' INT TERM

# --- checks shared by the profiles ---------------------------------------

# stack_up CONF...: a fresh MariaDB, webhookd.conf with CONF, migrations,
# webhookd and nginx on PORT.
PORT=''
stack_up() {
	stack_stop_all "$STATE" >/dev/null 2>&1
	rm -rf "$STATE"
	mkdir -p "$LOGS"
	{
		PORT=$(stack_free_port "$PORT_BASE") &&
			stack_db_start "$STATE" &&
			stack_db_bootstrap "$STATE" &&
			ASAN_OPTIONS=$(san_env webhookctl) \
				stack_write_conf "$STATE" "$BIN/webhookctl" token_cache_ttl=1 workers=4 "$@" &&
			ASAN_OPTIONS=$(san_env webhookctl) \
				stack_migrate "$STATE" "$BIN/webhookctl" "$SRC/sql" &&
			ASAN_OPTIONS=$(san_env webhookd) \
				stack_webhookd_start "$STATE" "$BIN/webhookd" &&
			stack_nginx_start "$STATE" main "127.0.0.1:$PORT" "$STATE/run/webhookd.sock" "$SRC"
	} >"$LOGS/stack-up.log" 2>&1
	local rc=$?
	sed 's/^/# /' "$LOGS/stack-up.log"
	[[ $rc -eq 0 ]] || { show_asan; bail "stack up (see $LOGS/stack-up.log)"; }
	ok "stack up: MariaDB, webhookd, nginx on http://127.0.0.1:$PORT/"
}

# dispatcher_up: the stack's dispatcher (name main).
DISPATCHER_PID=''
dispatcher_up() {
	if ASAN_OPTIONS=$(san_env dispatcher) \
		stack_dispatcher_start "$STATE" "$BIN/webhook-dispatcher" main >"$LOGS/dispatcher-up.log" 2>&1; then
		DISPATCHER_PID=$(head -n1 "$STATE/run/dispatcher-main.pid")
		ok "dispatcher up (pid $DISPATCHER_PID)"
	else
		sed 's/^/# /' "$LOGS/dispatcher-up.log"
		show_asan
		bail "dispatcher up (see $LOGS/dispatcher-main.log)"
	fi
}

# dispatcher_sigterm: the dispatcher ran through the test and exits 0 on
# SIGTERM after finishing its sends.
dispatcher_sigterm() {
	local rc
	if ! stack_dispatcher_running "$STATE" main; then
		wait "$DISPATCHER_PID" 2>/dev/null
		not_ok "dispatcher died during the test (exit $?; see $LOGS/dispatcher-main.log)"
		show "$LOGS/dispatcher-main.log"
		return
	fi
	stack_dispatcher_stop "$STATE" main 30
	wait "$DISPATCHER_PID" 2>/dev/null
	rc=$?
	if [[ $rc -eq 0 ]]; then
		ok "dispatcher: SIGTERM, exit 0"
	else
		not_ok "dispatcher: exit $rc after SIGTERM (see $LOGS/dispatcher-main.log)"
		show "$LOGS/dispatcher-main.log"
	fi
}

webhookd_alive() {
	if stack_webhookd_running "$STATE"; then
		ok "webhookd master still running after the test"
	else
		not_ok "webhookd master is gone (see $LOGS/webhookd.log)"
		show "$LOGS/webhookd.log"
	fi
}

# show_asan: the start of each sanitizer report, as comments.
show_asan() {
	local f
	for f in "$LOGS"/asan-*; do
		[[ -f $f ]] || continue
		note "sanitizer report in $f:"
		head -n 25 "$f" | sed 's/^/#   | /'
	done
}

# sanitizer_scan LABEL FILES...: in a sanitizer build, one check that no
# file holds an AddressSanitizer, LeakSanitizer or UBSan report.
sanitizer_scan() {
	local label=$1 hits f ignore='^$'
	shift
	[[ $SAN == yes ]] || return 0
	local -a files=()
	for f in "$@"; do [[ -f $f ]] && files+=("$f"); done
	if [[ ${#files[@]} -eq 0 ]]; then
		ok "$label: no sanitizer output"
		return
	fi
	if grep -q 'does not work under ptrace' "${files[@]}"; then
		note "LeakSanitizer reported it cannot run under ptrace; its lines are ignored"
		ignore='does not work under ptrace|LeakSanitizer has encountered a fatal error'
	fi
	hits=$(grep -h -E 'AddressSanitizer|LeakSanitizer|runtime error:' "${files[@]}" |
		grep -v -c -E "$ignore")
	if [[ $hits -eq 0 ]]; then
		ok "$label: no AddressSanitizer/LeakSanitizer/UBSan reports"
	else
		not_ok "$label: $hits sanitizer report line(s)"
		grep -h -E -A 12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "${files[@]}" | head -n 60 | sed 's/^/#   | /'
	fi
}

# suite_result LOG RC: the suite's exit status agrees with its results.
suite_result() {
	local log=$1 rc=$2 line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1)
	if [[ -z $line ]]; then
		not_ok "$NAME suite ended without its 'N passed, N failed' line (exit $rc)"
	elif [[ $rc -ne 0 && $line == *", 0 failed" ]]; then
		not_ok "$NAME suite exited $rc with no failed test"
	fi
}

# --- profiles --------------------------------------------------------------

# spawn_fcgi: webhookd under spawn-fcgi (2 workers) behind another nginx,
# on this stack's database: health and a list answer 200.
spawn_fcgi() {
	local sock=$STATE/run/spawn.sock conf=$STATE/webhookd-spawn.conf port tok c1 c2 good=1
	sed "s|^listen = .*|listen = $sock|" "$STATE/webhookd.conf" >"$conf" && chmod 600 "$conf"
	{
		ASAN_OPTIONS=$(san_env webhookd) spawn-fcgi -s "$sock" -M 0660 -F 2 -P "$STATE/run/spawn.pid" -- \
			"$BIN/webhookd" -c "$conf" 2>>"$LOGS/webhookd-spawn.log" &&
			port=$(stack_free_port 18380) &&
			stack_nginx_start "$STATE" spawn "127.0.0.1:$port" "$sock" "$SRC"
	} >"$LOGS/spawn-fcgi.log" 2>&1 || good=0
	if [[ $good -eq 1 ]]; then
		c1=$(curl -s -o "$LOGS/spawn-health.json" -w '%{http_code}' --max-time 10 \
			"http://127.0.0.1:$port/webhooks/v1/health/")
		tok=$(ASAN_OPTIONS=$(san_env webhookctl) bash -c \
			'"$@" user add spawn-smoke >/dev/null && "$@" token create spawn-smoke' _ \
			"$BIN/webhookctl" -c "$STATE/webhookd.conf" 2>>"$LOGS/spawn-fcgi.log")
		c2=$(curl -s -o "$LOGS/spawn-list.json" -w '%{http_code}' --max-time 10 \
			-H "Authorization: Bearer $tok" "http://127.0.0.1:$port/webhooks/v1/webhook/")
		note "spawn-fcgi health: $c1 $(head -c 200 "$LOGS/spawn-health.json" 2>/dev/null)"
		note "spawn-fcgi list:   $c2 $(head -c 200 "$LOGS/spawn-list.json" 2>/dev/null)"
		[[ $c1 == 200 && $c2 == 200 ]] || good=0
	fi
	stack_nginx_stop "$STATE" spawn >/dev/null 2>&1
	stack_kill_pidfile "$STATE/run/spawn.pid" "$conf" 30 >/dev/null 2>&1
	rm -f "$sock"
	if [[ $good -eq 1 ]]; then
		ok "spawn-fcgi: 2 workers behind nginx answer health and list"
	else
		not_ok "spawn-fcgi (see $LOGS/spawn-fcgi.log, $LOGS/webhookd-spawn.log)"
		show "$LOGS/spawn-fcgi.log" 15
	fi
}

profile_api() {
	local cport mport code rc
	PORT_BASE=18080
	cport=$(stack_free_port 18280)
	mport=$(stack_free_port 18580)
	stack_up allow_private_endpoints=false "cors_origins=http://127.0.0.1:$cport" \
		"dispatcher_notify=$STATE/run/dispatch.sock" "metrics_listen=127.0.0.1:$mport"
	dispatcher_up
	code=$(curl -s -o "$LOGS/metrics.txt" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$mport/metrics")
	if [[ $code == 200 ]] && grep -q '^webhookd_queue_depth [0-9]' "$LOGS/metrics.txt" &&
		grep -q '^webhookd_database_up 1$' "$LOGS/metrics.txt"; then
		ok "dispatcher metrics: queue depth $(sed -n 's/^webhookd_queue_depth //p' "$LOGS/metrics.txt"), database up"
	else
		not_ok "dispatcher metrics on 127.0.0.1:$mport answered $code"
		show "$LOGS/metrics.txt"
	fi
	BASE_URL="http://127.0.0.1:$PORT" \
		WEBHOOKCTL="$BIN/webhookctl -c $STATE/webhookd.conf" \
		WEBHOOKD_CONF="$STATE/webhookd.conf" \
		DB_STOP_CMD="bash -c 'source $LIB; stack_db_stop $STATE'" \
		DB_START_CMD="bash -c 'source $LIB; stack_db_start $STATE'" \
		TOKEN_CACHE_TTL=1 \
		CORS_ORIGIN="http://127.0.0.1:$cport" \
		ASAN_OPTIONS="$(san_env webhookctl)" \
		PYTHONUNBUFFERED=1 run_child "$LOGS/suite.log" 480 python3 "$TEST"
	rc=$?
	suite_result "$LOGS/suite.log" "$rc"
	webhookd_alive
	spawn_fcgi
	dispatcher_sigterm
	stack_nginx_stop "$STATE" main >/dev/null 2>&1
	stack_webhookd_stop "$STATE" >/dev/null 2>&1
	sanitizer_scan "webhookd logs" "$LOGS/webhookd.log" "$LOGS/webhookd-spawn.log" "$LOGS"/asan-webhookd.*
	sanitizer_scan "webhookctl logs" "$LOGS"/asan-webhookctl.*
	sanitizer_scan "dispatcher logs" "$LOGS"/dispatcher-*.log "$LOGS"/asan-dispatcher.*
}

# npm_deps DIR MODULE: DIR's npm packages (npm ci from its lock), unless
# node_modules/MODULE is newer than the lock; bails when npm fails.
npm_deps() {
	local dir=$1 module=$2 label=${1#"$SRC"/}
	local -a npm_cmd=(npm ci)
	[[ -f $dir/package-lock.json ]] || npm_cmd=(npm install)
	if [[ -d $dir/node_modules/$module ]] && [[ $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]]; then
		ok "$label: node_modules up to date"
	elif (cd "$dir" && timeout 300 "${npm_cmd[@]}" --no-audit --no-fund) >"$LOGS/npm-${label//\//-}.log" 2>&1 </dev/null; then
		ok "$label: ${npm_cmd[*]}"
	else
		show "$LOGS/npm-${label//\//-}.log" 15
		bail "$label: ${npm_cmd[*]} (see $LOGS/npm-${label//\//-}.log)"
	fi
}

profile_deliveries() {
	local rc sdir=$STATE/suite
	local -a extra=() left=()
	read -ra extra <<<"${CHECK_DELIVERIES_CONF:-}"
	PORT_BASE=18180
	stack_up allow_private_endpoints=true "dispatcher_notify=$STATE/run/dispatch.sock" "${extra[@]}"
	# the Standard Webhooks reference verifiers the suite runs
	npm_deps "$SRC/tests/verifiers" standardwebhooks
	mkdir -p "$sdir"
	VERIFIERS_DIR="$SRC/tests/verifiers" \
		BASE_URL="http://127.0.0.1:$PORT" \
		WEBHOOKCTL="$BIN/webhookctl -c $STATE/webhookd.conf" \
		WEBHOOKD_CONF="$STATE/webhookd.conf" \
		DISPATCHER="$BIN/webhook-dispatcher" \
		DB_STOP_CMD="bash -c 'source $LIB; stack_db_stop $STATE'" \
		DB_START_CMD="bash -c 'source $LIB; stack_db_start $STATE'" \
		DB_SQL_CMD="bash -c 'source $LIB; stack_db_sql $STATE webhookd'" \
		STATE_DIR="$sdir" \
		TOKEN_CACHE_TTL=1 \
		ASAN_OPTIONS="$(san_env suite)" \
		PYTHONUNBUFFERED=1 run_child "$LOGS/suite.log" 360 python3 "$TEST"
	rc=$?
	suite_result "$LOGS/suite.log" "$rc"
	mapfile -t left < <(leftover "$BIN/webhook-dispatcher")
	if [[ ${#left[@]} -eq 0 ]]; then
		ok "the suite left no dispatcher running"
	else
		not_ok "the suite left ${#left[@]} dispatcher(s) running (pids ${left[*]}): stopped now"
		stack_kill_pids 30 "$BIN/webhook-dispatcher" "${left[@]}"
	fi
	webhookd_alive
	stack_nginx_stop "$STATE" main >/dev/null 2>&1
	stack_webhookd_stop "$STATE" >/dev/null 2>&1
	sanitizer_scan "webhookd logs" "$LOGS/webhookd.log" "$LOGS"/asan-webhookd.*
	sanitizer_scan "webhookctl logs" "$LOGS"/asan-webhookctl.*
	sanitizer_scan "the suite's dispatcher logs" "$sdir"/dispatcher-*.log "$LOGS"/asan-suite.*
}

# The console in headless Chromium: Debian's chromium, node's test runner
# and playwright-core from npm (tests/browser/package-lock.json; never a
# downloaded browser).
profile_console() {
	local dir=$SRC/tests/browser cport tok code rc shots=$STATE/screenshots
	local -a left=()
	PORT_BASE=18080
	cport=$(stack_free_port 18280)
	stack_up allow_private_endpoints=false "cors_origins=http://127.0.0.1:$cport" \
		"dispatcher_notify=$STATE/run/dispatch.sock"
	dispatcher_up
	export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
	npm_deps "$dir" playwright-core
	if ! stack_console_start "$STATE" console "127.0.0.1:$cport" "$SRC" >"$LOGS/console-nginx.log" 2>&1; then
		show "$LOGS/console-nginx.log"
		bail "console nginx on 127.0.0.1:$cport"
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$cport/")
	note "console: http://127.0.0.1:$cport/ answers $code; API http://127.0.0.1:$PORT"
	tok=$(ASAN_OPTIONS=$(san_env webhookctl) bash -c \
		'"$@" user add browser-demo >/dev/null && "$@" token create browser-demo --name browser' _ \
		"$BIN/webhookctl" -c "$STATE/webhookd.conf" 2>>"$LOGS/browser-token.log")
	[[ -n $tok ]] || { show "$LOGS/browser-token.log"; bail "user browser-demo and its token"; }
	mkdir -p "$shots"
	TAP_SED=("${NODE_TAP_SED[@]}")
	CONSOLE_URL="http://127.0.0.1:$cport/" API_URL="http://127.0.0.1:$PORT" \
		TOKEN="$tok" SCREENSHOT_DIR="$shots" CHROMIUM=${CHROMIUM:-/usr/bin/chromium} \
		run_child "$LOGS/browser.log" 300 node --test --test-reporter=tap "$TEST"
	rc=$?
	if ! grep -q -E '^(not )?ok ' "$LOGS/browser.log.tap"; then
		not_ok "node --test reported no test (exit $rc; see $LOGS/browser.log)"
		show "$LOGS/browser.log"
	elif [[ $rc -ne 0 ]] && ! grep -q '^not ok ' "$LOGS/browser.log.tap"; then
		not_ok "node --test exited $rc with no failed test"
	fi
	note "screenshots in $shots"
	mapfile -t left < <(group_pids "$CHILD")
	if [[ ${#left[@]} -gt 0 ]]; then
		note "the browser test left ${#left[@]} process(es) running; stopped"
		stack_kill_pids 10 '' "${left[@]}"
	fi
	stack_nginx_stop "$STATE" console >/dev/null 2>&1
	webhookd_alive
	dispatcher_sigterm
	stack_nginx_stop "$STATE" main >/dev/null 2>&1
	stack_webhookd_stop "$STATE" >/dev/null 2>&1
	sanitizer_scan "webhookd logs" "$LOGS/webhookd.log" "$LOGS"/asan-webhookd.*
	sanitizer_scan "webhookctl logs" "$LOGS"/asan-webhookctl.*
	sanitizer_scan "dispatcher logs" "$LOGS"/dispatcher-*.log "$LOGS"/asan-dispatcher.*
}

# The Galera cluster (contrib/cluster.sh): the API suite against its nginx
# (a full outage through db-stop/db-up included), then the fault test under
# load with its ledger.  As root the nodes run as user mysql, which must
# reach their directories: then the cluster lives under /tmp.
profile_faults() {
	local cdir=$STATE/cluster cport rc
	local conf_api conf_faults
	[[ -L $STATE/cluster ]] && CLUSTER_DIR=$(readlink "$STATE/cluster") "$SRC/contrib/cluster.sh" down >/dev/null 2>&1
	rm -rf "$STATE"
	mkdir -p "$LOGS"
	if stack_is_root; then
		cdir=$(mktemp -d /tmp/webhookd-cluster.XXXXXX) || bail "mktemp"
		chmod 755 "$cdir"
		ln -sfn "$cdir" "$STATE/cluster"
	fi
	mkdir -p "$cdir"
	CLUSTER_STATE=$cdir
	export CLUSTER_DIR=$cdir CLUSTER_BIN=$BIN
	CLUSTER_PORT=$(stack_free_port 18480)
	export CLUSTER_PORT
	cport=$(stack_free_port 18290)
	local ctl="$BIN/webhookctl -c $cdir/node1/webhookd.conf"
	local cl="$SRC/contrib/cluster.sh"
	conf_api="allow_private_endpoints=false token_cache_ttl=1 cors_origins=http://127.0.0.1:$cport"
	conf_faults="allow_private_endpoints=true token_cache_ttl=1 dispatcher_lease_ms=5s retry_schedule=1s,2s,4s,8s,16s"
	if CLUSTER_CONF=$conf_api ASAN_OPTIONS=$(san_env cluster) "$cl" up >"$LOGS/cluster-up.log" 2>&1; then
		ok "cluster up: 3 Galera nodes, 3 pools, 3 dispatchers, nginx on http://127.0.0.1:$CLUSTER_PORT/"
	else
		show "$LOGS/cluster-up.log" 30
		"$cl" down >/dev/null 2>&1
		bail "cluster up (see $LOGS/cluster-up.log)"
	fi
	BASE_URL="http://127.0.0.1:$CLUSTER_PORT" WEBHOOKCTL="$ctl" \
		WEBHOOKD_CONF="$cdir/node1/webhookd.conf" \
		DB_STOP_CMD="$cl db-stop" DB_START_CMD="$cl db-up" \
		TOKEN_CACHE_TTL=1 CORS_ORIGIN="http://127.0.0.1:$cport" \
		ASAN_OPTIONS="$(san_env webhookctl)" \
		PYTHONUNBUFFERED=1 run_child "$LOGS/suite-api.log" 480 python3 "$SRC/tests/integration/test_api.py"
	rc=$?
	NAME=api suite_result "$LOGS/suite-api.log" "$rc"
	# The services again with the fault test's settings (the data stays).
	if "$cl" down >"$LOGS/cluster-restart.log" 2>&1 &&
		CLUSTER_CONF=$conf_faults ASAN_OPTIONS=$(san_env cluster) "$cl" up >>"$LOGS/cluster-restart.log" 2>&1; then
		ok "cluster restarted for the fault test (receivers on loopback, 5 s leases)"
	else
		show "$LOGS/cluster-restart.log" 30
		"$cl" down >/dev/null 2>&1
		bail "cluster restart (see $LOGS/cluster-restart.log)"
	fi
	BASE_URL="http://127.0.0.1:$CLUSTER_PORT" WEBHOOKCTL="$ctl" CLUSTER_CMD="$cl" \
		DB_SQL_CMD="bash -c 'source $LIB; stack_db_sql $cdir/node3 webhookd -N -B'" \
		ASAN_OPTIONS="$(san_env webhookctl)" \
		PYTHONUNBUFFERED=1 run_child "$LOGS/suite.log" 300 python3 "$TEST"
	rc=$?
	suite_result "$LOGS/suite.log" "$rc"
	if "$cl" down >"$LOGS/cluster-down.log" 2>&1 && [[ -z $(stack_pids_with "$cdir/") ]]; then
		ok "cluster down: nothing of it runs"
	else
		not_ok "cluster down left processes: $(stack_pids_with "$cdir/" | tr '\n' ' ')"
	fi
	sanitizer_scan "cluster logs" "$cdir"/node*/log/webhookd.log "$cdir"/node*/log/dispatcher-*.log "$LOGS"/asan-*
	if stack_is_root && [[ $cdir == /tmp/webhookd-cluster.* ]]; then
		local n
		for n in 1 2 3; do
			mkdir -p "$LOGS/cluster/node$n" && cp -r "$cdir/node$n/log/." "$LOGS/cluster/node$n/" 2>/dev/null
		done
		rm -rf "$cdir" "$STATE/cluster"
		note "the cluster's logs: $LOGS/cluster/"
	fi
}

[[ -f $TEST ]] || bail "$TEST does not exist"
case $NAME in
api) profile_api ;;
deliveries) profile_deliveries ;;
console) profile_console ;;
faults) profile_faults ;;
*) bail "run-stack.sh does not know test $TEST" ;;
esac
stack_stop_all "$STATE" >/dev/null 2>&1
plan
