#!/bin/bash
# SPDX-License-Identifier: MIT
# check.sh: the whole test run (what CI runs through .ci/run).
#
#   1. installs the build and test packages (as root; otherwise lists them)
#   2. build/plain (--enable-werror): make check (cmocka), the unit test
#      binaries again under valgrind, make distcheck
#   3. build/asan (--enable-sanitizers --enable-werror): make check, then
#      stack A: a private MariaDB + ASan webhookd + nginx + ASan
#      webhook-dispatcher under build/check-state, with
#      tests/integration/test_api.py against it, the browser test of the web
#      console (tests/browser, headless Chromium; the console served by its
#      own nginx on another origin), a spawn-fcgi smoke test, the
#      dispatcher's SIGTERM exit, and a scan of the sanitizer logs
#   4. stack B under build/check-state-deliveries (its own MariaDB, ASan
#      webhookd with allow_private_endpoints, nginx) and
#      tests/integration/test_deliveries.py against it (the suite runs its
#      own ASan dispatchers), then a scan of its sanitizer logs
#
# Counts every cmocka test, every integration test and every other step as
# passed or failed; the last line of output is "N passed, N failed".
# Exit status 0 only when nothing failed.
#
# Usage: contrib/check.sh            (from anywhere; works in the repository)
# Environment: CHECK_SKIP_DISTCHECK=1, CHECK_SKIP_VALGRIND=1 skip those steps
# (for quick local runs; CI runs everything).  CHECK_DELIVERIES_CONF adds
# key=value settings (space separated) to stack B's webhookd.conf.

set -u
set -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT" || exit 1
# shellcheck source=contrib/lib-stack.sh
source "$ROOT/contrib/lib-stack.sh"

LOGS=$ROOT/build/logs
STATE=$ROOT/build/check-state
STATE_D=$ROOT/build/check-state-deliveries
PLAIN=$ROOT/build/plain
ASAN=$ROOT/build/asan
JOBS=$(nproc 2>/dev/null || echo 2)

PASSED=0
FAILED=0
FAILED_NAMES=()
T0=$SECONDS

step() { printf '\n==== %s  (t=%ds)\n' "$*" $((SECONDS - T0)); }
pass() { PASSED=$((PASSED + ${2:-1})); printf '  ok    %s\n' "$1"; }
fail() {
	FAILED=$((FAILED + ${2:-1}))
	FAILED_NAMES+=("$1")
	printf '  FAIL  %s\n' "$1"
}
# show_tail FILE [N]: the end of a log, indented, for a failed step.
show_tail() { [[ -f $1 ]] && tail -n "${2:-30}" "$1" | sed 's/^/      | /'; }

# run_logged LOG CMD...: runs CMD (stdin /dev/null) in a process group of
# its own (RUN_PGID) with its output to LOG, shown as it grows; returns
# CMD's exit status.  Not a pipe to tee: that would wait for every process
# holding the pipe, such as a dispatcher a suite left running.
RUN_PGID=''
run_logged() {
	local log=$1 pid tpid rc
	shift
	setsid "$@" >"$log" 2>&1 </dev/null &
	pid=$!
	RUN_PGID=$pid
	# In the background too, so that a signal to check.sh is handled at once.
	tail -n +1 -f --pid="$pid" "$log" 2>/dev/null &
	tpid=$!
	wait "$pid"
	rc=$?
	wait "$tpid"
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

# reap_group LABEL: stops what the last run_logged command left running in
# its process group (e.g. a browser), with a note.  Not for the suites: a
# suite that restarts MariaDB (DB_START_CMD) leaves it in that group.
reap_group() {
	local -a left=()
	local p
	mapfile -t left < <(group_pids "$RUN_PGID")
	[[ ${#left[@]} -eq 0 ]] && return 0
	echo "  note: $1 left ${#left[@]} process(es) running; stopping them:"
	for p in "${left[@]}"; do
		printf '      | %s %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-150)"
	done
	stack_kill_pids 10 '' "${left[@]}"
}

finish() {
	step "summary"
	if [[ ${#FAILED_NAMES[@]} -gt 0 ]]; then
		printf 'failed:\n'
		printf '  - %s\n' "${FAILED_NAMES[@]}"
	fi
	printf 'logs: %s, %s/log, %s/log\n' "$LOGS" "$STATE" "$STATE_D"
	printf 'time: %ds\n' $((SECONDS - T0))
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	[[ $FAILED -eq 0 ]]
	exit $?
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	# A suite or browser test still running (interrupted): its group first.
	local -a left=()
	mapfile -t left < <(group_pids "$RUN_PGID")
	[[ ${#left[@]} -gt 0 ]] && stack_kill_pids 10 '' "${left[@]}"
	stack_stop_all "$STATE" 2>/dev/null
	stack_stop_all "$STATE_D" 2>/dev/null
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

# --- sanitizer options ---------------------------------------------------

LSAN_NOTE=''
asan_probe() {
	local dir=$LOGS/lsan-probe
	mkdir -p "$dir"
	printf '#include <stdlib.h>\nint main(void) { void *volatile p = malloc(7); p = 0; return p != 0; }\n' >"$dir/probe.c"
	if ! "${CC:-cc}" -fsanitize=address -g -o "$dir/probe" "$dir/probe.c" 2>"$dir/cc.log"; then
		LSAN_NOTE='(could not build the LeakSanitizer probe; leaving detect_leaks=1)'
		return
	fi
	ASAN_OPTIONS=detect_leaks=1 "$dir/probe" >"$dir/run.log" 2>&1
	if grep -q 'does not work under ptrace\|LeakSanitizer has encountered a fatal error' "$dir/run.log"; then
		DETECT_LEAKS=0
		LSAN_NOTE='LeakSanitizer cannot run here ("does not work under ptrace"): detect_leaks=0, leaks are NOT checked under ASan'
	elif grep -q 'LeakSanitizer: detected memory leaks' "$dir/run.log"; then
		LSAN_NOTE='LeakSanitizer works here: detect_leaks=1'
	else
		LSAN_NOTE='LeakSanitizer probe gave no report; leaving detect_leaks=1'
	fi
}

# --- cmocka counting -----------------------------------------------------

# unit_tests BUILDDIR: prints the cmocka test binaries of a build.
unit_tests() {
	local f
	for f in "$1"/tests/unit/test_*; do
		[[ -f $f && -x $f && ${f##*/} != *.* ]] && printf '%s\n' "$f"
	done
}

# count_cmocka LABEL LOG [TRS]: adds the PASSED/FAILED counts of one cmocka
# log.  A binary that printed no summary, or whose result (from the .trs)
# is FAIL/ERROR without a failed count, adds one failure.
count_cmocka() {
	local label=$1 log=$2 trs=${3:-} p f res=''
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
	[[ -n $trs && -f $trs ]] && res=$(sed -n 's/^:test-result: //p' "$trs" | head -n1)
	if [[ $res == SKIP ]]; then
		printf '  skip  %s (exit 77)\n' "$label"
		return
	fi
	if [[ $f -eq 0 ]] && { [[ $res == FAIL || $res == ERROR || $res == XPASS ]] ||
		grep -q '^\[  FAILED  \] GROUP \(SETUP\|TEARDOWN\)' "$log"; }; then
		f=1
	fi
	if [[ $p -eq 0 && $f -eq 0 ]]; then
		f=1
	fi
	[[ $p -gt 0 ]] && pass "$label: $p cmocka test(s)" "$p"
	if [[ $f -gt 0 ]]; then
		fail "$label: $f cmocka test(s) failed (or the binary crashed)" "$f"
		grep -E '^\[  (FAILED|ERROR) |^\[   LINE   \]|ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | head -n 20 | sed 's/^/      | /'
	fi
}

# make_check NAME BUILDDIR: make check, then counts each binary's cmocka log.
make_check() {
	local name=$1 b=$2 rc t counted=0 failed_before=$FAILED
	step "$name: make check"
	timeout 600 make -C "$b" -j"$JOBS" check >"$LOGS/$name-make-check.log" 2>&1
	rc=$?
	while read -r t; do
		[[ -n $t ]] || continue
		counted=1
		if [[ -f $t.log ]]; then
			count_cmocka "$name ${t##*/}" "$t.log" "$t.trs"
		else
			# Not run by make check: run it here for its output.
			(cd "$b" && srcdir=$ROOT timeout 300 "$t") >"$LOGS/$name-${t##*/}.log" 2>&1
			count_cmocka "$name ${t##*/}" "$LOGS/$name-${t##*/}.log"
		fi
	done < <(unit_tests "$b")
	if [[ $rc -ne 0 && $FAILED -eq $failed_before ]]; then
		fail "$name: make check exited $rc (see $LOGS/$name-make-check.log)"
		show_tail "$LOGS/$name-make-check.log"
	elif [[ $counted -eq 0 ]]; then
		fail "$name: make check built no tests/unit/test_* binaries"
	fi
}

# build NAME BUILDDIR CONFIGURE_ARGS...: configure + make, 1 pass or 1 fail.
build() {
	local name=$1 b=$2
	shift 2
	step "$name: configure $* && make"
	if stack_build "$ROOT" "$b" "$@" >"$LOGS/$name-build.log" 2>&1; then
		pass "$name: build"
		return 0
	fi
	fail "$name: build (see $LOGS/$name-build.log)"
	grep -E 'error|warning' "$LOGS/$name-build.log" | head -n 30 | sed 's/^/      | /'
	show_tail "$LOGS/$name-build.log" 10
	return 1
}

# --- steps ---------------------------------------------------------------

step_deps() {
	step "packages"
	if stack_deps >"$LOGS/deps.log" 2>&1; then
		pass "packages installed"
		return 0
	fi
	fail "packages (see $LOGS/deps.log)"
	show_tail "$LOGS/deps.log" 10
	return 1
}

step_autoreconf() {
	step "autoreconf"
	if [[ -f $ROOT/config.status ]]; then
		echo "  note: the source tree is configured in place (quickstart.sh?); running 'make distclean' there for the VPATH builds"
		make -C "$ROOT" distclean >"$LOGS/distclean-root.log" 2>&1 || rm -f "$ROOT/config.status"
	fi
	if stack_autoreconf "$ROOT" >"$LOGS/autoreconf.log" 2>&1; then
		pass "autoreconf -fi"
		return 0
	fi
	fail "autoreconf -fi (see $LOGS/autoreconf.log)"
	show_tail "$LOGS/autoreconf.log"
	return 1
}

step_valgrind() {
	local t name rc
	step "plain: unit tests under valgrind"
	if [[ ${CHECK_SKIP_VALGRIND:-0} == 1 ]]; then
		echo "  skipped (CHECK_SKIP_VALGRIND=1)"
		return
	fi
	while read -r t; do
		[[ -n $t ]] || continue
		name=${t##*/}
		(cd "$PLAIN" && srcdir=$ROOT timeout 300 valgrind -q --error-exitcode=1 \
			--leak-check=full --track-fds=no "$t") >"$LOGS/valgrind-$name.log" 2>&1
		rc=$?
		if [[ $rc -eq 0 ]]; then
			pass "valgrind $name"
		else
			fail "valgrind $name (exit $rc, see $LOGS/valgrind-$name.log)"
			grep -E '^==[0-9]+== ' "$LOGS/valgrind-$name.log" | head -n 30 | sed 's/^/      | /'
		fi
	done < <(unit_tests "$PLAIN")
}

step_distcheck() {
	step "plain: make distcheck"
	if [[ ${CHECK_SKIP_DISTCHECK:-0} == 1 ]]; then
		echo "  skipped (CHECK_SKIP_DISTCHECK=1)"
		return
	fi
	if timeout 600 make -C "$PLAIN" -j"$JOBS" distcheck >"$LOGS/distcheck.log" 2>&1; then
		pass "make distcheck"
	else
		fail "make distcheck (see $LOGS/distcheck.log)"
		show_tail "$LOGS/distcheck.log"
	fi
}

# Static analysis: cppcheck over the sources and unit tests; the few false
# positives carry a commented inline suppression in the code.
step_cppcheck() {
	step "cppcheck"
	if ! command -v cppcheck >/dev/null 2>&1; then
		fail "cppcheck is not installed"
		return
	fi
	if cppcheck --enable=warning,performance,portability --std=c11 --quiet \
		--inline-suppr --error-exitcode=1 -I "$ROOT/src" -I "$PLAIN" \
		"$ROOT"/src/*.c "$ROOT"/tests/unit/*.c >"$LOGS/cppcheck.log" 2>&1; then
		pass "cppcheck: no findings"
	else
		fail "cppcheck (see $LOGS/cppcheck.log)"
		show_tail "$LOGS/cppcheck.log"
	fi
}

# clang-tidy over src/ with the checks of .clang-tidy (the analyzer and
# bugprone; the few checks left out are explained there).
step_clang_tidy() {
	step "clang-tidy (.clang-tidy)"
	if ! command -v clang-tidy >/dev/null 2>&1; then
		fail "clang-tidy is not installed"
		return
	fi
	local -a flags
	# shellcheck disable=SC2207 # pkg-config prints words
	flags=(-std=c11 -D_GNU_SOURCE -DPKGDATADIR='"/usr/share/webhookd"' -DSYSCONFDIR='"/etc"'
		-I"$ROOT/src" -I"$PLAIN" $(pkg-config --cflags fcgi json-c libmariadb libgcrypt libcurl uuid nettle))
	if printf '%s\0' "$ROOT"/src/*.c | xargs -0 -P"$JOBS" -I{} \
		clang-tidy -quiet {} -- "${flags[@]}" >"$LOGS/clang-tidy.log" 2>&1; then
		pass "clang-tidy: no findings"
	else
		fail "clang-tidy (see $LOGS/clang-tidy.log)"
		show_tail "$LOGS/clang-tidy.log"
	fi
}

# The libFuzzer harnesses of tests/fuzz, 15 s each (contrib/fuzz.sh).
step_fuzz() {
	step "fuzz: tests/fuzz harnesses (libFuzzer, ASan/UBSan)"
	if bash "$ROOT/contrib/fuzz.sh" 15 >"$LOGS/fuzz.log" 2>&1; then
		pass "fuzz: $(grep -c '   ok:' "$LOGS/fuzz.log") harness(es), no finding"
	else
		fail "fuzz (see $LOGS/fuzz.log)"
		show_tail "$LOGS/fuzz.log" 40
	fi
}

# asan_opts STATE NAME: ASAN_OPTIONS that log to STATE/log/asan-NAME.PID.
asan_opts() {
	printf 'detect_leaks=%s:abort_on_error=0:log_path=%s/log/asan-%s' "$DETECT_LEAKS" "$1" "$2"
}

# show_asan_logs STATE: the start of each sanitizer report of a stack.
show_asan_logs() {
	local f
	for f in "$1"/log/asan-*; do
		[[ -f $f ]] || continue
		echo "  sanitizer report in $f:"
		head -n 25 "$f" | sed 's/^/      | /'
	done
}

# Ports: stack A's API from 18080, the console (another origin) from 18280,
# stack A's dispatcher metrics from 18580, stack B's API from 18180 and the
# spawn-fcgi nginx from 18380 (18081-18083 and 19000-19999 belong to
# others on the development machines).
PORT='' CPORT='' MPORT=''

# Stack A: MariaDB + webhookd + nginx, fresh under build/check-state.  Its
# webhookd allows the console's origin (CORS) and pokes the dispatcher.
stack_up() {
	step "asan: start MariaDB, webhookd (ASan) and nginx under $STATE"
	stack_stop_all "$STATE" 2>/dev/null
	rm -rf "$STATE"
	mkdir -p "$STATE"
	export ASAN_OPTIONS
	ASAN_OPTIONS=$(asan_opts "$STATE" webhookd)
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0
	{
		PORT=$(stack_free_port 18080) &&
			CPORT=$(stack_free_port 18280) &&
			MPORT=$(stack_free_port 18580) &&
			stack_db_start "$STATE" &&
			stack_db_bootstrap "$STATE" &&
			ASAN_OPTIONS=$(asan_opts "$STATE" webhookctl) \
				stack_write_conf "$STATE" "$ASAN/src/webhookctl" \
				allow_private_endpoints=false token_cache_ttl=1 workers=4 \
				"cors_origins=http://127.0.0.1:$CPORT" \
				"dispatcher_notify=$STATE/run/dispatch.sock" \
				"metrics_listen=127.0.0.1:$MPORT" &&
			ASAN_OPTIONS=$(asan_opts "$STATE" webhookctl) \
				stack_migrate "$STATE" "$ASAN/src/webhookctl" "$ROOT/sql" &&
			stack_webhookd_start "$STATE" "$ASAN/src/webhookd" &&
			stack_nginx_start "$STATE" main "127.0.0.1:$PORT" "$STATE/run/webhookd.sock" "$ROOT"
	} >"$LOGS/stack-up.log" 2>&1
	local rc=$?
	sed 's/^/  /' "$LOGS/stack-up.log"
	if [[ $rc -eq 0 ]]; then
		pass "stack up (http://127.0.0.1:$PORT/)"
		return 0
	fi
	fail "stack up (see $LOGS/stack-up.log)"
	show_asan_logs "$STATE"
	return 1
}

# Stack A's dispatcher (ASan): it runs through the API suite and the
# browser test (which may queue test deliveries) and must answer a scrape.
DISPATCHER_PID=''
step_dispatcher_up() {
	local code
	step "asan: start webhook-dispatcher (ASan) on stack A"
	DISPATCHER_PID=''
	ASAN_OPTIONS=$(asan_opts "$STATE" dispatcher) \
		stack_dispatcher_start "$STATE" "$ASAN/src/webhook-dispatcher" main >"$LOGS/dispatcher-up.log" 2>&1
	local rc=$?
	sed 's/^/  /' "$LOGS/dispatcher-up.log"
	if [[ $rc -ne 0 ]]; then
		fail "dispatcher up (see $LOGS/dispatcher-up.log, $STATE/log/dispatcher-main.log)"
		show_asan_logs "$STATE"
		return 1
	fi
	DISPATCHER_PID=$(head -n1 "$STATE/run/dispatcher-main.pid")
	pass "dispatcher up (pid $DISPATCHER_PID)"
	code=$(curl -s -o "$LOGS/metrics.txt" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$MPORT/metrics")
	if [[ $code == 200 ]] && grep -q '^webhookd_queue_depth [0-9]' "$LOGS/metrics.txt" &&
		grep -q '^webhookd_database_up 1$' "$LOGS/metrics.txt"; then
		pass "dispatcher metrics: queue depth $(sed -n 's/^webhookd_queue_depth //p' "$LOGS/metrics.txt"), database up"
	else
		fail "dispatcher metrics on 127.0.0.1:$MPORT answered $code (see $LOGS/metrics.txt)"
		show_tail "$LOGS/metrics.txt" 20
	fi
}

# SIGTERM: the dispatcher finishes its in-flight sends and exits 0.
step_dispatcher_stop() {
	local rc
	step "asan: webhook-dispatcher exits 0 on SIGTERM"
	if [[ -z $DISPATCHER_PID ]]; then
		fail "dispatcher: was not started"
		return
	fi
	if ! stack_dispatcher_running "$STATE" main; then
		wait "$DISPATCHER_PID" 2>/dev/null
		fail "dispatcher died during the suites (exit $?; see $STATE/log/dispatcher-main.log)"
		show_tail "$STATE/log/dispatcher-main.log" 20
		return
	fi
	stack_dispatcher_stop "$STATE" main 30
	wait "$DISPATCHER_PID" 2>/dev/null
	rc=$?
	if [[ $rc -eq 0 ]]; then
		pass "dispatcher: SIGTERM, exit 0"
	else
		fail "dispatcher: exit $rc after SIGTERM (see $STATE/log/dispatcher-main.log)"
		show_tail "$STATE/log/dispatcher-main.log" 20
	fi
}

# count_suite LABEL LOG RC: adds the counts of the last "N passed, N
# failed" line of a Python suite's LOG; RC is its exit status.
count_suite() {
	local label=$1 log=$2 rc=$3 line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1)
	if [[ -z $line ]]; then
		[[ $rc -eq 124 ]] && rc="124, timed out"
		fail "$label suite: no 'N passed, N failed' line (exit $rc)"
		return
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	[[ $p -gt 0 ]] && pass "$label: $p test(s)" "$p"
	[[ $f -gt 0 ]] && fail "$label: $f test(s) failed" "$f"
	if [[ $p -eq 0 && $f -eq 0 ]]; then
		fail "$label suite: ran no test"
	elif [[ $rc -ne 0 && $f -eq 0 ]]; then
		fail "$label suite exited $rc with no failed test"
	fi
}

step_integration() {
	local suite=$ROOT/tests/integration/test_api.py rc
	local lib=$ROOT/contrib/lib-stack.sh
	step "asan: integration suite (tests/integration/test_api.py)"
	if [[ ! -f $suite ]]; then
		fail "integration suite: $suite is missing"
		return
	fi
	BASE_URL="http://127.0.0.1:$PORT" \
		WEBHOOKCTL="$ASAN/src/webhookctl -c $STATE/webhookd.conf" \
		WEBHOOKD_CONF="$STATE/webhookd.conf" \
		DB_STOP_CMD="bash -c 'source $lib; stack_db_stop $STATE'" \
		DB_START_CMD="bash -c 'source $lib; stack_db_start $STATE'" \
		TOKEN_CACHE_TTL=1 \
		CORS_ORIGIN="http://127.0.0.1:$CPORT" \
		ASAN_OPTIONS="$(asan_opts "$STATE" webhookctl)" \
		PYTHONUNBUFFERED=1 run_logged "$LOGS/integration.log" timeout 480 python3 "$suite"
	rc=$?
	count_suite integration "$LOGS/integration.log" "$rc"
}

# The web console in headless Chromium (issue 4): Debian's chromium, node's
# test runner and playwright-core from npm (never a downloaded browser).
# The console is served by its own nginx on 127.0.0.1:$CPORT, the origin
# that stack A's cors_origins allows; the API is stack A's nginx.
step_browser() {
	local dir=$ROOT/tests/browser shots=$ROOT/build/screenshots log=$LOGS/browser.log
	local rc tok code p f c
	step "browser: the web console in headless Chromium (tests/browser)"
	local -a pkgs=(chromium)
	if ! command -v node >/dev/null 2>&1; then
		pkgs+=(nodejs npm)
	elif ! command -v npm >/dev/null 2>&1; then
		pkgs+=(npm)
	fi
	if ! stack_install "${pkgs[@]}" >"$LOGS/browser-deps.log" 2>&1; then
		fail "browser: packages ${pkgs[*]} (see $LOGS/browser-deps.log)"
		show_tail "$LOGS/browser-deps.log" 10
		return
	fi
	if [[ ! -x /usr/bin/chromium ]] || ! command -v node >/dev/null 2>&1 ||
		! command -v npm >/dev/null 2>&1; then
		fail "browser: /usr/bin/chromium, node or npm missing after installing ${pkgs[*]}"
		return
	fi
	if [[ ! -f $dir/package.json ]]; then
		fail "browser: $dir/package.json is missing"
		return
	fi
	# playwright-core never downloads a browser; say so anyway.
	export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
	local -a npm_cmd=(npm ci)
	[[ -f $dir/package-lock.json ]] || npm_cmd=(npm install)
	if ! (cd "$dir" && timeout 300 "${npm_cmd[@]}" --no-audit --no-fund) \
		>"$LOGS/npm.log" 2>&1 </dev/null; then
		fail "browser: ${npm_cmd[*]} in tests/browser (see $LOGS/npm.log)"
		show_tail "$LOGS/npm.log" 15
		return
	fi
	echo "  ${npm_cmd[*]}: ok"
	if ! stack_console_start "$STATE" console "127.0.0.1:$CPORT" "$ROOT" >"$LOGS/console-nginx.log" 2>&1; then
		fail "browser: console nginx on 127.0.0.1:$CPORT (see $LOGS/console-nginx.log)"
		show_tail "$LOGS/console-nginx.log" 10
		return
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$CPORT/")
	echo "  console: http://127.0.0.1:$CPORT/ answers $code; API http://127.0.0.1:$PORT"
	local ctl=("$ASAN/src/webhookctl" -c "$STATE/webhookd.conf")
	tok=$(ASAN_OPTIONS=$(asan_opts "$STATE" webhookctl) \
		bash -c '"$@" user add browser-demo >/dev/null && "$@" token create browser-demo --name browser' \
		_ "${ctl[@]}" 2>>"$LOGS/browser-token.log")
	if [[ -z $tok ]]; then
		fail "browser: could not create user browser-demo and its token (see $LOGS/browser-token.log)"
		show_tail "$LOGS/browser-token.log" 10
		stack_nginx_stop "$STATE" console
		return
	fi
	rm -rf "$shots"
	mkdir -p "$shots"
	CONSOLE_URL="http://127.0.0.1:$CPORT/" API_URL="http://127.0.0.1:$PORT" \
		TOKEN="$tok" SCREENSHOT_DIR="$shots" CHROMIUM=/usr/bin/chromium \
		run_logged "$log" timeout 300 node --test --test-reporter=tap tests/browser/
	rc=$?
	reap_group "the browser test"
	stack_nginx_stop "$STATE" console
	p=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$log" | tail -n1)
	f=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$log" | tail -n1)
	c=$(sed -n 's/^# cancelled \([0-9][0-9]*\)$/\1/p' "$log" | tail -n1)
	if [[ -z $p || -z $f ]]; then
		[[ $rc -eq 124 ]] && rc="124, timed out"
		fail "browser: no '# pass N' / '# fail N' lines from node --test (exit $rc, see $log)"
		return
	fi
	f=$((f + ${c:-0}))
	[[ $p -gt 0 ]] && pass "browser: $p test(s) (screenshots in build/screenshots)" "$p"
	[[ $f -gt 0 ]] && fail "browser: $f test(s) failed or cancelled" "$f"
	if [[ $p -eq 0 && $f -eq 0 ]]; then
		fail "browser: node --test ran no test"
	elif [[ $rc -ne 0 && $f -eq 0 ]]; then
		fail "browser: node --test exited $rc with no failed test"
	fi
}

step_webhookd_alive() {
	step "asan: webhookd survived the suites"
	if stack_webhookd_running "$STATE"; then
		pass "webhookd master still running"
	else
		fail "webhookd master is gone (see $STATE/log/webhookd.log)"
		show_tail "$STATE/log/webhookd.log" 20
	fi
}

step_spawn_fcgi() {
	local sock2=$STATE/run/spawn.sock conf2=$STATE/webhookd-spawn.conf port2 tok code1 code2 ok=1
	step "asan: spawn-fcgi smoke test"
	sed "s|^listen = .*|listen = $sock2|" "$STATE/webhookd.conf" >"$conf2" && chmod 600 "$conf2"
	{
		spawn-fcgi -s "$sock2" -M 0660 -F 2 -P "$STATE/run/spawn.pid" -- \
			"$ASAN/src/webhookd" -c "$conf2" 2>>"$STATE/log/webhookd-spawn.log" &&
			port2=$(stack_free_port 18380) &&
			stack_nginx_start "$STATE" spawn "127.0.0.1:$port2" "$sock2" "$ROOT"
	} >"$LOGS/spawn-fcgi.log" 2>&1 || ok=0
	if [[ $ok -eq 1 ]]; then
		code1=$(curl -s -o "$LOGS/spawn-health.json" -w '%{http_code}' --max-time 10 \
			"http://127.0.0.1:$port2/webhooks/v1/health/")
		local ctl=("$ASAN/src/webhookctl" -c "$STATE/webhookd.conf")
		tok=$(ASAN_OPTIONS=$(asan_opts "$STATE" webhookctl) \
			bash -c '"$@" user add spawn-smoke >/dev/null && "$@" token create spawn-smoke' _ "${ctl[@]}" 2>>"$LOGS/spawn-fcgi.log")
		code2=$(curl -s -o "$LOGS/spawn-list.json" -w '%{http_code}' --max-time 10 \
			-H "Authorization: Bearer $tok" "http://127.0.0.1:$port2/webhooks/v1/webhook/")
		echo "  health: $code1 $(head -c 200 "$LOGS/spawn-health.json" 2>/dev/null)"
		echo "  list:   $code2 $(head -c 200 "$LOGS/spawn-list.json" 2>/dev/null)"
		[[ $code1 == 200 && $code2 == 200 ]] || ok=0
	fi
	stack_nginx_stop "$STATE" spawn
	stack_kill_pidfile "$STATE/run/spawn.pid" "$conf2" 30
	rm -f "$sock2"
	if [[ $ok -eq 1 ]]; then
		pass "spawn-fcgi: 2 workers behind nginx answer health and list"
	else
		fail "spawn-fcgi smoke test (see $LOGS/spawn-fcgi.log, $STATE/log/webhookd-spawn.log)"
		show_tail "$LOGS/spawn-fcgi.log" 15
		show_tail "$STATE/log/webhookd-spawn.log" 15
	fi
}

# sanitizer_scan LABEL FILES...: one test; fails on any sanitizer report.
sanitizer_scan() {
	local label=$1 hits
	shift
	local -a files=()
	local f
	for f in "$@"; do [[ -f $f ]] && files+=("$f"); done
	if [[ ${#files[@]} -eq 0 ]]; then
		pass "$label: no sanitizer output"
		return
	fi
	local ignore='^$'
	if grep -q 'does not work under ptrace' "${files[@]}"; then
		echo "  note: LeakSanitizer reported it cannot run under ptrace; its lines are ignored"
		ignore='does not work under ptrace|LeakSanitizer has encountered a fatal error'
	fi
	hits=$(grep -h -E 'AddressSanitizer|LeakSanitizer|runtime error:' "${files[@]}" |
		grep -v -c -E "$ignore")
	if [[ $hits -eq 0 ]]; then
		pass "$label: no AddressSanitizer/LeakSanitizer/UBSan reports"
	else
		fail "$label: $hits sanitizer report line(s)"
		grep -E -A 12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "${files[@]}" | head -n 60 | sed 's/^/      | /'
	fi
}

step_sanitizer_logs() {
	step "asan: stop webhookd and scan the sanitizer logs"
	stack_nginx_stop "$STATE" main
	stack_webhookd_stop "$STATE"
	sanitizer_scan "webhookd logs" "$STATE/log/webhookd.log" "$STATE/log/webhookd-spawn.log" \
		"$STATE"/log/asan-webhookd.*
	sanitizer_scan "webhookctl logs" "$STATE"/log/asan-webhookctl.*
	sanitizer_scan "dispatcher logs" "$STATE"/log/dispatcher-*.log "$STATE"/log/asan-dispatcher.*
}

# Stack B, for the deliveries suite: its own MariaDB, an ASan webhookd that
# accepts loopback endpoints (the suite's receivers) and pokes
# $STATE_D/run/dispatch.sock, and nginx.  CHECK_DELIVERIES_CONF adds
# key=value settings (space separated) to its webhookd.conf.
DPORT=''
stack_d_up() {
	local -a extra=()
	read -ra extra <<<"${CHECK_DELIVERIES_CONF:-}"
	stack_stop_all "$STATE_D" 2>/dev/null
	rm -rf "$STATE_D"
	mkdir -p "$STATE_D/suite"
	{
		DPORT=$(stack_free_port 18180) &&
			stack_db_start "$STATE_D" &&
			stack_db_bootstrap "$STATE_D" &&
			ASAN_OPTIONS=$(asan_opts "$STATE_D" webhookctl) \
				stack_write_conf "$STATE_D" "$ASAN/src/webhookctl" \
				allow_private_endpoints=true token_cache_ttl=1 workers=4 \
				"dispatcher_notify=$STATE_D/run/dispatch.sock" "${extra[@]}" &&
			ASAN_OPTIONS=$(asan_opts "$STATE_D" webhookctl) \
				stack_migrate "$STATE_D" "$ASAN/src/webhookctl" "$ROOT/sql" &&
			ASAN_OPTIONS=$(asan_opts "$STATE_D" webhookd) \
				stack_webhookd_start "$STATE_D" "$ASAN/src/webhookd" &&
			stack_nginx_start "$STATE_D" main "127.0.0.1:$DPORT" "$STATE_D/run/webhookd.sock" "$ROOT"
	} >"$LOGS/stack-deliveries-up.log" 2>&1
	local rc=$?
	sed 's/^/  /' "$LOGS/stack-deliveries-up.log"
	if [[ $rc -eq 0 ]]; then
		pass "stack B up (http://127.0.0.1:$DPORT/, allow_private_endpoints)"
		return 0
	fi
	fail "stack B up (see $LOGS/stack-deliveries-up.log)"
	show_asan_logs "$STATE_D"
	return 1
}

# leftover_pids MATCH...: pids of processes whose command line contains
# every MATCH.
leftover_pids() {
	local f pid cmd m ok
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
		cmd=$(tr '\0' ' ' <"$f" 2>/dev/null) || continue
		ok=1
		for m in "$@"; do [[ $cmd == *"$m"* ]] || { ok=0; break; }; done
		[[ $ok -eq 1 ]] && stack_pid_alive "$pid" && printf '%s\n' "$pid"
	done
}

step_deliveries() {
	local suite=$ROOT/tests/integration/test_deliveries.py rc
	local lib=$ROOT/contrib/lib-stack.sh sdir=$STATE_D/suite
	step "asan: deliveries suite (tests/integration/test_deliveries.py) on stack B under $STATE_D"
	if [[ ! -f $suite ]]; then
		fail "deliveries suite: $suite is missing"
		return
	fi
	if [[ ! -x $ASAN/src/webhook-dispatcher ]]; then
		fail "deliveries suite: $ASAN/src/webhook-dispatcher is missing"
		return
	fi
	stack_d_up || return
	BASE_URL="http://127.0.0.1:$DPORT" \
		WEBHOOKCTL="$ASAN/src/webhookctl -c $STATE_D/webhookd.conf" \
		WEBHOOKD_CONF="$STATE_D/webhookd.conf" \
		DISPATCHER="$ASAN/src/webhook-dispatcher" \
		DB_STOP_CMD="bash -c 'source $lib; stack_db_stop $STATE_D'" \
		DB_START_CMD="bash -c 'source $lib; stack_db_start $STATE_D'" \
		DB_SQL_CMD="bash -c 'source $lib; stack_db_sql $STATE_D webhookd'" \
		STATE_DIR="$sdir" \
		TOKEN_CACHE_TTL=1 \
		ASAN_OPTIONS="$(asan_opts "$STATE_D" suite)" \
		PYTHONUNBUFFERED=1 run_logged "$LOGS/deliveries.log" timeout 360 python3 "$suite"
	rc=$?
	count_suite deliveries "$LOGS/deliveries.log" "$rc"

	step "asan: stack B: leftover dispatchers, webhookd alive, sanitizer logs"
	local -a left=()
	mapfile -t left < <(leftover_pids "$ASAN/src/webhook-dispatcher" "$STATE_D/")
	if [[ ${#left[@]} -eq 0 ]]; then
		pass "deliveries suite: no dispatcher left running"
	else
		fail "deliveries suite left ${#left[@]} dispatcher(s) running (pids ${left[*]}): stopped now"
		stack_kill_pids 30 "$ASAN/src/webhook-dispatcher" "${left[@]}"
	fi
	if stack_webhookd_running "$STATE_D"; then
		pass "stack B: webhookd master still running"
	else
		fail "stack B: webhookd master is gone (see $STATE_D/log/webhookd.log)"
		show_tail "$STATE_D/log/webhookd.log" 20
	fi
	stack_nginx_stop "$STATE_D" main
	stack_webhookd_stop "$STATE_D"
	sanitizer_scan "stack B webhookd logs" "$STATE_D/log/webhookd.log" "$STATE_D"/log/asan-webhookd.*
	sanitizer_scan "stack B webhookctl logs" "$STATE_D"/log/asan-webhookctl.*
	sanitizer_scan "deliveries suite dispatcher logs" "$sdir"/dispatcher-*.log "$STATE_D"/log/asan-suite.*
	stack_stop_all "$STATE_D"
}

# --- main ----------------------------------------------------------------

mkdir -p "$LOGS" || exit 1
rm -f "$LOGS"/*.log
printf 'webhookd check: %s (%s)\n' "$ROOT" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

step_deps || finish
step_autoreconf || finish

DETECT_LEAKS=1
asan_probe
echo "  $LSAN_NOTE"
# Leak suppressions for third-party libraries (e.g. libgcrypt's RNG pool,
# allocated once and never freed) are kept by the code in tests/lsan.supp.
if [[ -f $ROOT/tests/lsan.supp ]]; then
	export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"
	echo "  LeakSanitizer suppressions: tests/lsan.supp"
fi
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0

if build plain "$PLAIN" --enable-werror; then
	make_check plain "$PLAIN"
	step_valgrind
	step_distcheck
	step_cppcheck
	step_clang_tidy
	step_fuzz
fi

if build asan "$ASAN" --enable-sanitizers --enable-werror; then
	ASAN_OPTIONS="detect_leaks=$DETECT_LEAKS:abort_on_error=0" make_check asan "$ASAN"
	if stack_up; then
		step_dispatcher_up
		step_integration
		step_browser
		step_webhookd_alive
		step_spawn_fcgi
		step_dispatcher_stop
		step_sanitizer_logs
	fi
	stack_stop_all "$STATE"
	step_deliveries
fi

finish
